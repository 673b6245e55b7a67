/* test_samples.c -- spot-check samples end to end: `massline sample draw/show/verify` against a
   real collector and its LMDB store, checked against an independent recomputation (the JSONL
   files, and the sha256sum one-liner of docs/sampling.md run by bash). Findings and appraisal
   are test_samples_findings.c. */
#include "ml_harness.h"
#include "ml_sample.h"
#include "ml_test_samples.h"

#include <criterion/criterion.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEED "48172938475610293847561029"     //  26 digits, as if rolled on ten-sided dice
#define VECTOR_SEED "3546311556112163624615351222"

// ---------------------------------------------------------------------------
// The commands of docs/sampling.md, run by bash.

//  The shell command of docs/sampling.md that starts with PREFIX (the line, trimmed).
static const char *
s_doc_command (const char *prefix)
{
    char *doc = ml_h_read (ml_hs_source ("docs/sampling.md"));
    cr_assert_not_null (doc, "docs/sampling.md");
    for (char *line = strtok (doc, "\n"); line; line = strtok (NULL, "\n")) {
        while (*line == ' ')
            line++;
        if (strncmp (line, prefix, strlen (prefix)) == 0)
            return line;
    }
    cr_assert_fail ("docs/sampling.md has no command starting with '%s'", prefix);
    return NULL;
}

//  Writes the N IDS into a file, one per line; returns its path.
static const char *
s_write_ids (const char *name, char **ids, size_t n)
{
    const char *path = ml_h_str ("%s/%s", ml_h_dir (), name);
    FILE *f = fopen (path, "w");
    cr_assert_not_null (f);
    for (size_t i = 0; i < n; i++)
        fprintf (f, "%s\n", ids[i]);
    fclose (f);
    return path;
}

//  Runs the documented selection one-liner on the ids in FILE with SEED and SIZE; returns the
//  lines it printed (harness-owned), *N how many.
static char **
s_one_liner (const char *file, const char *seed, size_t size, size_t *n)
{
    const char *cmd = s_doc_command ("while IFS= read -r id");
    cr_assert (setenv ("SEED", seed, 1) == 0);
    cr_assert (setenv ("SIZE", ml_h_str ("%zu", size), 1) == 0);
    char *script = ml_h_str ("cd '%s' && cp '%s' items.txt && %s", ml_h_dir (), file, cmd);
    ml_h_out_t out;
    int code = ml_h_run (&out, 120000, "/bin/bash", "-c", script, NULL);
    cr_assert_eq (code, 0, "the one-liner exited %d: %s", code, out.err);
    char **lines = ml_hs_alloc ((size + 1) * sizeof (char *));
    *n = 0;
    for (char *line = strtok (out.out, "\n"); line && *n <= size; line = strtok (NULL, "\n"))
        lines[(*n)++] = line;
    return lines;
}

static int
s_strcmp_p (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

//  The definition of docs/sampling.md, written out again with libsodium alone: the SIZE ids
//  of IDS (N) with the smallest lines "hex(sha256(SEED,ID)) ID" in byte order.
static char **
s_recompute (char **ids, size_t n, const char *seed, size_t size, size_t *nsel)
{
    char **lines = ml_hs_alloc ((n + 1) * sizeof (char *));
    for (size_t i = 0; i < n; i++) {
        char *text = ml_h_str ("%s,%s", seed, ids[i]);
        unsigned char hash[crypto_hash_sha256_BYTES];
        crypto_hash_sha256 (hash, (const unsigned char *) text, strlen (text));
        char hex[2 * crypto_hash_sha256_BYTES + 1];
        sodium_bin2hex (hex, sizeof hex, hash, sizeof hash);
        lines[i] = ml_h_str ("%s %s", hex, ids[i]);
    }
    qsort (lines, n, sizeof *lines, s_strcmp_p);
    *nsel = size < n ? size : n;
    for (size_t i = 0; i < *nsel; i++)
        lines[i] = strchr (lines[i], ' ') + 1;
    return lines;
}

//  The documented population digest of the ids in FILE.
static const char *
s_doc_digest (const char *file)
{
    const char *cmd = s_doc_command ("LC_ALL=C sort items.txt | sha256sum");
    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, "/bin/bash", "-c",
                         ml_h_str ("cd '%s' && cp '%s' items.txt && %s", ml_h_dir (), file, cmd), NULL);
    cr_assert_eq (code, 0, "the digest command exited %d: %s", code, out.err);
    char *nl = strchr (out.out, '\n');
    if (nl)
        *nl = 0;
    return out.out;
}

static void
s_assert_list (char **want, size_t nwant, const json_t *got, const char *what)
{
    cr_assert_eq (json_array_size (got), nwant, "%s: %zu items, expected %zu", what,
                  json_array_size (got), nwant);
    for (size_t i = 0; i < nwant; i++)
        cr_assert_str_eq (json_string_value (json_array_get (got, i)), want[i], "%s: item %zu", what, i);
}

// ---------------------------------------------------------------------------
// Another bureau: units H001..H010, for the test vector of issue 4.

static const char *
s_bureau10 (void)
{
    const char *dir = ml_h_str ("%s/ten", ml_h_dir ());
    char *argv[40] = { (char *) ML_COLLECTOR, "init", (char *) dir };
    int n = 3;
    for (int u = 1; u <= 10; u++) {
        argv[n++] = "--unit";
        argv[n++] = ml_h_str ("H%03d", u);
    }
    argv[n++] = "--ingest";
    argv[n++] = ml_h_str ("tcp://127.0.0.1:%d", ml_h_free_port ());
    argv[n++] = "--query";
    argv[n++] = ml_h_str ("tcp://127.0.0.1:%d", ml_h_free_port ());
    argv[n] = NULL;
    ml_h_out_t out;
    int code = ml_h_runv (&out, 60000, argv);
    cr_assert_eq (code, 0, "init exited %d: %s", code, out.err);
    ml_h_spawn ("collector10", ML_COLLECTOR, "-c", ml_h_str ("%s/collector.ini", dir), "serve", NULL);
    const char *ini = ml_h_str ("%s/staff/admin.ini", dir);
    for (int i = 0; i < 600; i++) {
        if (ml_hs_cli (&out, ini, "status", NULL) == 0)
            return ini;
        usleep (50000);
    }
    cr_assert_fail ("the H001..H010 collector did not answer: %s",
                    ml_h_read (ml_h_str ("%s/collector10.err", ml_h_dir ())));
    return NULL;
}

// ---------------------------------------------------------------------------
// Tests

Test (samples, issue_test_vector_through_the_collector, .init = ml_h_init, .fini = ml_hs_fini)
{
    const char *ini = s_bureau10 ();
    json_t *s = ml_hs_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", VECTOR_SEED, "--size", "4",
                            "--population", "units", "--strata", "none", NULL);
    cr_assert_str_eq (ml_hs_str (s, "sample"), "S2025-001");
    cr_assert_str_eq (ml_hs_str (s, "seed"), VECTOR_SEED);
    cr_assert_str_eq (ml_hs_str (s, "population"), "units");
    cr_assert_eq (json_array_size (json_object_get (s, "strata")), 1);
    json_t *st = json_array_get (json_object_get (s, "strata"), 0);
    cr_assert_str_eq (ml_hs_str (st, "stratum"), "all");
    cr_assert_eq (ml_hs_int (st, "population"), 10);
    cr_assert_eq (ml_hs_int (st, "size"), 4);
    char *want[] = { "H001", "H008", "H002", "H009" };
    s_assert_list (want, 4, json_object_get (st, "items"), "test vector");

    //  The population digest is SHA-256 over "H001\n" ... "H010\n".
    char *units[10];
    for (int u = 0; u < 10; u++)
        units[u] = ml_h_str ("H%03d", u + 1);
    const char *file = s_write_ids ("units.txt", units, 10);
    cr_assert_str_eq (ml_hs_str (s, "digest"), s_doc_digest (file));
    cr_assert_str_eq (ml_hs_str (st, "digest"), s_doc_digest (file));

    //  show gives the same frozen sample; the record digest is the SHA-256 of the stored record.
    json_t *shown = ml_hs_cli_json (ini, "sample", "show", "S2025-001", NULL);
    cr_assert (json_equal (json_object_get (shown, "strata"), json_object_get (s, "strata")));
    char hex[ML_SAMPLE_HEX_LEN];
    const char *record = ml_hs_str (shown, "record");
    ml_sample_digest (record, strlen (record), hex);
    cr_assert_str_eq (ml_hs_str (shown, "record_digest"), hex);
    cr_assert_str_eq (ml_hs_str (shown, "algorithm"), "massline-sample/1");
    cr_assert_str_eq (ml_hs_str (shown, "drawn_by"), "client:admin");

    ml_h_out_t out;
    cr_assert_eq (ml_hs_cli (&out, ini, "sample", "verify", "S2025-001", NULL), 0, "%s%s", out.out, out.err);
    cr_assert (strstr (out.out, "matches"), "%s", out.out);
    json_decref (s);
    json_decref (shown);
    ml_h_pass ();
}

Test (samples, draw_over_demo_events_recomputes_with_sha256sum, .init = ml_h_init, .fini = ml_hs_fini,
      .timeout = 300)
{
    ml_hs_demo_bureau ();
    const char *ini = ml_h_client_ini ();
    const char *kinds = "reception_day,contact_visit,talk";
    json_t *s = ml_hs_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "30",
                            "--strata", "unit", "--kinds", kinds, NULL);
    cr_assert_eq (json_array_size (json_object_get (s, "strata")), 3);
    size_t total = 0, drawn = 0;
    for (int u = 0; u < ML_H_UNITS; u++) {
        const char *unit = ml_h_units[u];
        json_t *st = ml_hs_stratum (s, unit);
        size_t npop;
        char **pop = ml_hs_demo_population (unit, kinds, &npop);
        cr_assert_gt (npop, 100, "%s: only %zu events of %s in 2025", unit, npop, kinds);
        cr_assert_eq (ml_hs_int (st, "population"), (long) npop, "%s population", unit);
        const char *file = s_write_ids (ml_h_str ("%s.txt", unit), pop, npop);
        cr_assert_str_eq (ml_hs_str (st, "digest"), s_doc_digest (file), "%s digest", unit);

        //  The selection, recomputed: SHA-256 tickets sorted; and for one stratum by bash,
        //  sha256sum and sort (slow: three processes per id).
        size_t nsel;
        char **sel = s_recompute (pop, npop, SEED, (size_t) ml_hs_int (st, "size"), &nsel);
        s_assert_list (sel, nsel, json_object_get (st, "items"), unit);
        if (strcmp (unit, "H003") == 0) {
            sel = s_one_liner (file, SEED, (size_t) ml_hs_int (st, "size"), &nsel);
            s_assert_list (sel, nsel, json_object_get (st, "items"), unit);
        }

        //  The population list the collector hands out is that same list.
        ml_h_out_t out;
        int code = ml_hs_cli (&out, ini, "sample", "show", ml_hs_str (s, "sample"), "--population-list",
                          "--stratum", unit, NULL);
        cr_assert_eq (code, 0, "show --population-list: %s", out.err);
        cr_assert_str_eq (out.out, ml_h_read (file), "%s: population list", unit);
        total += npop;
        drawn += (size_t) ml_hs_int (st, "size");
    }
    cr_assert_eq (drawn, 30);
    cr_assert_eq (ml_hs_int (s, "population_size"), (long) total);
    //  Proportional allocation, largest remainders: recompute it.
    size_t pops[3], shares[3];
    for (int u = 0; u < 3; u++)
        pops[u] = (size_t) ml_hs_int (ml_hs_stratum (s, ml_h_units[u]), "population");
    cr_assert_eq (ml_sample_allocate (ML_SAMPLE_PROPORTIONAL, pops, 3, 30, 0, shares), 0);
    for (int u = 0; u < 3; u++)
        cr_assert_eq (ml_hs_int (ml_hs_stratum (s, ml_h_units[u]), "size"), (long) shares[u]);

    //  The checklist: one line per item, with what to verify on site.
    json_t *checklist = json_object_get (s, "checklist");
    cr_assert_eq (json_array_size (checklist), 30);
    size_t i;
    json_t *e;
    json_array_foreach (checklist, i, e) {
        const char *kind = ml_hs_str (e, "kind");
        cr_assert (ml_hs_kind_in (kind, kinds), "checklist kind %s", kind);
        cr_assert (ml_hs_str (e, "date") && strncmp (ml_hs_str (e, "date"), "2025-", 5) == 0);
        cr_assert_not_null (ml_hs_str (e, "person"));
        cr_assert_not_null (ml_hs_str (e, "name"));
        const char *verify = ml_hs_str (e, "verify");
        if (strcmp (kind, "reception_day") == 0)
            cr_assert_str_eq (verify, "接待登记簿/签到表及提前公布的通知");
        if (strcmp (kind, "contact_visit") == 0)
            cr_assert_str_eq (verify, "联系点走访记录");
        if (strcmp (kind, "talk") == 0)
            cr_assert_str_eq (verify, "谈心谈话记录本");
    }
    //  The text form prints the id, the parameters, the strata and the checklist.
    ml_h_out_t out;
    cr_assert_eq (ml_hs_cli (&out, ini, "sample", "show", ml_hs_str (s, "sample"), NULL), 0);
    cr_assert (strstr (out.out, "sample S2025-001"), "%s", out.out);
    cr_assert (strstr (out.out, "seed: " SEED), "%s", out.out);
    cr_assert (strstr (out.out, ml_hs_str (s, "digest")), "%s", out.out);
    cr_assert (strstr (out.out, "谈心谈话记录本"), "%s", out.out);
    cr_assert_eq (ml_h_count_lines (out.out, "/H00"), 30, "%s", out.out);

    //  The same parameters on the same data draw the same items.
    json_t *again = ml_hs_cli_json (ini, "sample", "draw", "--kinds", kinds, "--year", "2025", "--size", "30",
                                "--seed", SEED, NULL);
    cr_assert_str_eq (ml_hs_str (again, "sample"), "S2025-002");
    cr_assert_str_eq (ml_hs_str (again, "digest"), ml_hs_str (s, "digest"));
    cr_assert (json_equal (json_object_get (again, "strata"), json_object_get (s, "strata")));

    cr_assert_eq (ml_hs_cli (&out, ini, "sample", "verify", "S2025-001", NULL), 0, "%s%s", out.out, out.err);
    cr_assert (strstr (out.out, "S2025-001 matches"), "%s", out.out);
    json_t *list = ml_hs_cli_json (ini, "sample", "list", NULL);
    cr_assert_eq (json_array_size (json_object_get (list, "samples")), 2);

    //  The draw is in the collector's log with who did it.
    char *log = ml_h_read (ml_h_str ("%s/collector.err", ml_h_dir ()));
    cr_assert (strstr (log, "sample S2025-001 drawn by client:admin"), "%s", log);
    json_decref (s);
    json_decref (again);
    json_decref (list);
    ml_h_pass ();
}

Test (samples, other_strata_growing_leaves_a_stratum_alone, .init = ml_h_init, .fini = ml_hs_fini,
      .timeout = 300)
{
    ml_hs_demo_bureau ();
    const char *ini = ml_h_client_ini ();
    json_t *eq1 = ml_hs_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "15",
                              "--kinds", "talk", "--allocation", "equal", NULL);
    json_t *pr1 = ml_hs_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "15",
                              "--kinds", "talk", NULL);
    //  200 more talks in H003, dated 2025.
    const char *path = ml_h_str ("%s/more.jsonl", ml_h_dir ());
    FILE *f = fopen (path, "w");
    cr_assert_not_null (f);
    for (int i = 1; i <= 200; i++)
        fprintf (f, "{\"kind\":\"talk\",\"ref\":\"H003-X-%04d\",\"date\":\"2025-%02d-%02d\","
                    "\"person\":\"P001\",\"with\":\"群众\",\"with_category\":\"masses\"}\n",
                 i, 1 + i % 12, 1 + i % 28);
    fclose (f);
    ml_hs_import ("H003", path);

    json_t *eq2 = ml_hs_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "15",
                              "--kinds", "talk", "--allocation", "equal", NULL);
    json_t *pr2 = ml_hs_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "15",
                              "--kinds", "talk", NULL);
    cr_assert_eq (ml_hs_int (ml_hs_stratum (eq2, "H003"), "population"),
                  ml_hs_int (ml_hs_stratum (eq1, "H003"), "population") + 200);
    cr_assert_str_neq (ml_hs_str (ml_hs_stratum (eq2, "H003"), "digest"), ml_hs_str (ml_hs_stratum (eq1, "H003"), "digest"));
    for (int u = 0; u < 2; u++) {
        const char *unit = ml_h_units[u];
        //  Equal allocation: the stratum's share and its items stay exactly the same.
        cr_assert (json_equal (ml_hs_stratum (eq1, unit), ml_hs_stratum (eq2, unit)), "%s changed", unit);
        //  Proportional: the share may shrink, and what stays is a prefix of what was drawn.
        size_t n1, n2;
        char **a = ml_hs_items (pr1, unit, &n1), **b = ml_hs_items (pr2, unit, &n2);
        cr_assert_str_eq (ml_hs_str (ml_hs_stratum (pr1, unit), "digest"), ml_hs_str (ml_hs_stratum (pr2, unit), "digest"));
        cr_assert_leq (n2, n1);
        for (size_t i = 0; i < n2; i++)
            cr_assert_str_eq (a[i], b[i], "%s item %zu", unit, i);
    }
    //  Verify of the first draw names the stratum that changed and exits 1.
    ml_h_out_t out;
    int code = ml_hs_cli (&out, ini, "sample", "verify", ml_hs_str (eq1, "sample"), NULL);
    cr_assert_eq (code, 1, "verify exited %d: %s%s", code, out.out, out.err);
    cr_assert (strstr (out.out, "does not match"), "%s", out.out);
    cr_assert (strstr (out.out, "stratum H003: population changed"), "%s", out.out);
    cr_assert (!strstr (out.out, "stratum H001"), "%s", out.out);
    json_decref (eq1);
    json_decref (eq2);
    json_decref (pr1);
    json_decref (pr2);
    ml_h_pass ();
}

Test (samples, verify_names_voided_and_corrected_items, .init = ml_h_init, .fini = ml_hs_fini, .timeout = 300)
{
    ml_hs_demo_bureau ();
    const char *ini = ml_h_client_ini ();
    json_t *s = ml_hs_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "12",
                            "--kinds", "talk", NULL);
    const char *id = ml_hs_str (s, "sample");
    ml_h_out_t out;
    cr_assert_eq (ml_hs_cli (&out, ini, "sample", "verify", id, NULL), 0, "%s%s", out.out, out.err);
    cr_assert (strstr (out.out, "matches"));

    //  Void the first H001 item; move the second one's date into 2024 by a correction.
    size_t n;
    char **items = ml_hs_items (s, "H001", &n);
    cr_assert_geq (n, 2);
    const char *ref0 = strchr (items[0], '/') + 1, *ref1 = strchr (items[1], '/') + 1;
    ml_hs_record ("H001", "void", "ref=H001-TEST-VOID", ml_h_str ("supersedes=%s", ref0), "reason=录入重复", NULL);
    json_t *cur = ml_hs_demo_current ("H001");
    json_t *ev = json_deep_copy (json_object_get (cur, ref1));
    json_object_set_new (ev, "date", json_string ("2024-12-30"));
    char *evtext = json_dumps (ev, JSON_COMPACT);
    ml_hs_record ("H001", "correction", "ref=H001-TEST-CORR", ml_h_str ("supersedes=%s", ref1),
              ml_h_str ("event=%s", evtext), NULL);
    free (evtext);

    int code = ml_hs_cli (&out, ini, "sample", "verify", id, NULL);
    cr_assert_eq (code, 1, "verify exited %d: %s%s", code, out.out, out.err);
    cr_assert (strstr (out.out, "does not match"), "%s", out.out);
    cr_assert (strstr (out.out, ml_h_str ("item %s: voided since the draw", items[0])), "%s", out.out);
    cr_assert (strstr (out.out, ml_h_str ("item %s: corrected since the draw: now dated 2024-12-30", items[1])),
               "%s", out.out);
    cr_assert (strstr (out.out, "stratum H001: population changed"), "%s", out.out);
    cr_assert (!strstr (out.out, "stratum H002"), "%s", out.out);

    json_t *v = ml_hs_cli_json_1 (ini, "sample", "verify", id, NULL);
    cr_assert (json_is_false (json_object_get (v, "matches")));
    cr_assert (json_is_true (json_object_get (ml_hs_stratum (v, "H002"), "matches")));
    cr_assert_eq (ml_hs_int (ml_hs_stratum (v, "H001"), "population_now"),
                  ml_hs_int (ml_hs_stratum (v, "H001"), "population") - 2);
    //  The frozen record itself is unchanged.
    json_t *shown = ml_hs_cli_json (ini, "sample", "show", id, NULL);
    cr_assert (json_equal (json_object_get (shown, "strata"), json_object_get (s, "strata")));
    cr_assert_str_eq (ml_hs_str (shown, "record_digest"), ml_hs_str (s, "record_digest"));
    json_decref (cur);
    json_decref (ev);
    json_decref (s);
    json_decref (v);
    json_decref (shown);
    ml_h_pass ();
}

Test (samples, persons_population, .init = ml_h_init, .fini = ml_hs_fini, .timeout = 300)
{
    ml_hs_demo_bureau ();
    json_t *s = ml_hs_cli_json (ml_h_client_ini (), "sample", "draw", "--year", "2025", "--seed", SEED,
                            "--size", "6", "--population", "persons", NULL);
    cr_assert_str_eq (ml_hs_str (s, "population"), "persons");
    for (int u = 0; u < ML_H_UNITS; u++) {
        //  Every demo person holds a role in 2025.
        json_t *cur = ml_hs_demo_current (ml_h_units[u]);
        char **ids = ml_hs_alloc (64 * sizeof (char *));
        size_t npop = 0;
        const char *ref;
        json_t *ev;
        json_object_foreach (cur, ref, ev)
            if (json_is_object (ev) && strcmp (ml_hs_str (ev, "kind"), "person") == 0)
                ids[npop++] = ml_h_str ("%s/%s", ml_h_units[u], ml_hs_str (ev, "person"));
        json_decref (cur);
        ml_h_sort (ids, npop);
        json_t *st = ml_hs_stratum (s, ml_h_units[u]);
        cr_assert_eq (ml_hs_int (st, "population"), (long) npop);
        const char *file = s_write_ids (ml_h_str ("p%s.txt", ml_h_units[u]), ids, npop);
        cr_assert_str_eq (ml_hs_str (st, "digest"), s_doc_digest (file));
        size_t nsel;
        char **sel = s_one_liner (file, SEED, (size_t) ml_hs_int (st, "size"), &nsel);
        s_assert_list (sel, nsel, json_object_get (st, "items"), ml_h_units[u]);
    }
    json_t *e = json_array_get (json_object_get (s, "checklist"), 0);
    cr_assert_str_eq (ml_hs_str (e, "kind"), "person");
    cr_assert_not_null (ml_hs_str (e, "name"));
    json_decref (s);
    ml_h_pass ();
}

Test (samples, refused_parameters, .init = ml_h_init, .fini = ml_hs_fini, .timeout = 300)
{
    ml_hs_demo_bureau ();
    const char *ini = ml_h_client_ini ();
    ml_h_out_t out;
    //  The client refuses a short seed before asking (bad usage: 2).
    cr_assert_eq (ml_hs_cli (&out, ini, "sample", "draw", "--year", "2025", "--seed", "12345", "--size", "5", NULL), 2);
    cr_assert (strstr (out.err, "at least 20 decimal digits"), "%s", out.err);
    //  The collector refuses what only the data can tell, with its code.
    cr_assert_eq (ml_hs_cli (&out, ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "5",
                         "--kinds", "person", NULL), 1);
    cr_assert (strstr (out.err, "invalid: kinds: 'person' is not an activity kind"), "%s", out.err);
    cr_assert_eq (ml_hs_cli (&out, ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "5",
                         "--kinds", "talk,dance", NULL), 1);
    cr_assert (strstr (out.err, "invalid: kinds: unknown kind 'dance'"), "%s", out.err);
    cr_assert_eq (ml_hs_cli (&out, ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "5",
                         "--minimum", "3", NULL), 1);
    cr_assert (strstr (out.err, "invalid: minimum"), "%s", out.err);
    cr_assert_eq (ml_hs_cli (&out, ini, "sample", "draw", "--year", "2019", "--seed", SEED, "--size", "5", NULL), 1);
    cr_assert (strstr (out.err, "nothing to draw from"), "%s", out.err);
    cr_assert_eq (ml_hs_cli (&out, ini, "sample", "show", "S2099-001", NULL), 1);
    cr_assert (strstr (out.err, "not_found: no sample 'S2099-001'"), "%s", out.err);
    //  None of them left a sample behind.
    json_t *list = ml_hs_cli_json (ini, "sample", "list", NULL);
    cr_assert_eq (json_array_size (json_object_get (list, "samples")), 0);
    json_decref (list);
    ml_h_pass ();
}

//  `massline sample size ... --json` with a config that does not exist: no collector involved.
static void
s_assert_size (const char *c, const char *t, const char *e, const char *pop, long n, long k)
{
    char *argv[16] = { (char *) ML_CLIENT, "-c", "/nonexistent/client.ini", "sample", "size",
                       "--confidence", (char *) c, "--tolerable", (char *) t };
    int i = 9;
    if (e) {
        argv[i++] = "--expected";
        argv[i++] = (char *) e;
    }
    if (pop) {
        argv[i++] = "--population";
        argv[i++] = (char *) pop;
    }
    argv[i++] = "--json";
    argv[i] = NULL;
    ml_h_out_t out;
    int code = ml_h_runv (&out, 60000, argv);
    cr_assert_eq (code, 0, "sample size exited %d: %s", code, out.err);
    json_t *json = json_loads (out.out, 0, NULL);
    cr_assert_not_null (json, "%s", out.out);
    cr_assert_eq (ml_hs_int (json, "size"), n, "C=%s T=%s E=%s N=%s: size %ld, expected %ld", c, t,
                  e ? e : "0", pop ? pop : "-", ml_hs_int (json, "size"), n);
    cr_assert_eq (ml_hs_int (json, "acceptable_deviations"), k, "C=%s T=%s E=%s: k", c, t, e ? e : "0");
    json_decref (json);
}

Test (samples, sample_size_reference_values, .init = ml_h_init, .fini = ml_hs_fini)
{
    s_assert_size ("0.95", "0.05", NULL, NULL, 59, 0);
    s_assert_size ("0.90", "0.05", NULL, NULL, 45, 0);
    s_assert_size ("0.95", "0.10", NULL, NULL, 29, 0);
    s_assert_size ("0.95", "0.02", NULL, NULL, 149, 0);
    s_assert_size ("0.95", "0.04", "0.01", NULL, 156, 2);
    s_assert_size ("0.95", "0.05", "0.02", NULL, 181, 4);
    s_assert_size ("95%", "5%", "0", NULL, 59, 0);
    //  Finite populations: fewer items (docs/sampling.md).
    s_assert_size ("0.95", "0.05", NULL, "100", 45, 0);
    s_assert_size ("0.95", "0.05", NULL, "1000", 57, 0);
    s_assert_size ("0.95", "0.05", "0.02", "1000000", 181, 4);
    ml_h_out_t out;
    int code = ml_hs_cli (&out, "/nonexistent/client.ini", "sample", "size", "--confidence", "0.95",
                      "--tolerable", "0.05", NULL);
    cr_assert_eq (code, 0, "%s", out.err);
    cr_assert (strstr (out.out, "sample size 59, accept at most 0 deviations"), "%s", out.out);
    code = ml_hs_cli (&out, "/nonexistent/client.ini", "sample", "size", "--confidence", "0.95",
                  "--tolerable", "0.05", "--expected", "0.05", NULL);
    cr_assert_eq (code, 2, "%s", out.err);
    ml_h_pass ();
}

// ---------------------------------------------------------------------------
// Issue 16 item 6: names with terminal escapes, entered through a real import, never reach the
// terminal through the draw and show tables.

Test (samples, draw_and_show_tables_keep_escapes_of_names_off_the_terminal, .init = ml_h_init,
      .fini = ml_hs_fini, .timeout = 300)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    const char *ledger = ml_h_str ("%s/evil.jsonl", ml_h_dir ());
    ml_h_write (ledger,
        "{\"kind\": \"person\", \"ref\": \"EV-PS-1\", \"person\": \"P901\", "
        "\"name\": \"红\\u001b[2J\\u001b]0;x\\u0007\\r蓝\\u007f\\u009b31m\", "
        "\"roles\": [{\"role\": \"leader\", \"from\": \"2025-01-01\"}]}\n"
        "{\"kind\": \"person\", \"ref\": \"EV-PS-2\", \"person\": \"P902\", \"name\": \"\\u001b[5m闪\", "
        "\"roles\": [{\"role\": \"leader\", \"from\": \"2025-01-01\"}]}\n");
    ml_hs_import ("H001", ledger);
    const char *ini = ml_h_client_ini ();
    ml_h_out_t out;
    int code = ml_hs_cli (&out, ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "2",
                      "--population", "persons", NULL);
    cr_assert_eq (code, 0, "draw exited %d: %s", code, out.err);
    const char *verbs[2] = { "draw", "show" };
    for (int v = 0; v < 2; v++) {
        if (v == 1) {
            code = ml_hs_cli (&out, ini, "sample", "show", "S2025-001", NULL);
            cr_assert_eq (code, 0, "show exited %d: %s", code, out.err);
        }
        const unsigned char *at = (const unsigned char *) out.out;
        for (; *at; at++) {
            cr_assert ((*at >= 0x20 && *at != 0x7F) || *at == '\n', "sample %s: control 0x%02x in %s",
                       verbs[v], *at, out.out);
            cr_assert (!(at[0] == 0xC2 && at[1] >= 0x80 && at[1] < 0xA0), "sample %s: C1 control", verbs[v]);
        }
        cr_assert (strstr (out.out, "P901 红 [2J ]0;x  蓝  31m"), "sample %s: %s", verbs[v], out.out);
        cr_assert (strstr (out.out, "P902  [5m闪"), "sample %s: %s", verbs[v], out.out);
    }
    ml_h_pass ();
}
