/* test_samples.c -- spot-check samples end to end: `massline sample ...` against a real collector
   and its LMDB store, checked against an independent recomputation (the JSONL files, and the
   sha256sum one-liner of docs/sampling.md run by bash). */
#include "ml_harness.h"
#include "ml_sample.h"

#include <criterion/criterion.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEED "48172938475610293847561029"     //  26 digits, as if rolled on ten-sided dice
#define VECTOR_SEED "3546311556112163624615351222"

// ---------------------------------------------------------------------------
// Memory that lives until the end of the test.

static void *s_owned[256];
static size_t s_nowned;

static void *
s_alloc (size_t size)
{
    cr_assert_lt (s_nowned, sizeof s_owned / sizeof s_owned[0]);
    void *p = calloc (1, size);
    cr_assert_not_null (p);
    return s_owned[s_nowned++] = p;
}

static void
s_fini (void)
{
    while (s_nowned)
        free (s_owned[--s_nowned]);
    ml_h_fini ();
}

// ---------------------------------------------------------------------------
// Running the client.

//  Runs `massline -c INI ARGS...` (NULL-terminated); returns the exit code, output in *OUT.
static int
s_cli (ml_h_out_t *out, const char *ini, ...) __attribute__ ((sentinel));

static int
s_cli_v (ml_h_out_t *out, const char *ini, va_list ap)
{
    char *argv[64] = { (char *) ML_CLIENT, "-c", (char *) ini };
    int n = 3;
    for (const char *a = va_arg (ap, const char *); a; a = va_arg (ap, const char *)) {
        cr_assert_lt (n, 62);
        argv[n++] = (char *) a;
    }
    argv[n] = NULL;
    return ml_h_runv (out, 120000, argv);
}

static int
s_cli (ml_h_out_t *out, const char *ini, ...)
{
    va_list ap;
    va_start (ap, ini);
    int code = s_cli_v (out, ini, ap);
    va_end (ap);
    return code;
}

//  Runs `massline -c INI ARGS... --json`, asserts exit code WANT and returns the parsed output.
static json_t *
s_cli_json_v (int want, const char *ini, va_list ap)
{
    char *argv[64] = { (char *) ML_CLIENT, "-c", (char *) ini };
    int n = 3;
    for (const char *a = va_arg (ap, const char *); a; a = va_arg (ap, const char *)) {
        cr_assert_lt (n, 62);
        argv[n++] = (char *) a;
    }
    argv[n++] = "--json";
    argv[n] = NULL;
    ml_h_out_t out;
    int code = ml_h_runv (&out, 120000, argv);
    cr_assert_eq (code, want, "massline %s %s exited %d: %s", argv[3], argv[4], code, out.err);
    json_error_t jerr;
    json_t *json = json_loads (out.out, 0, &jerr);
    cr_assert_not_null (json, "massline %s %s --json: not JSON (%s): %.400s", argv[3], argv[4],
                        jerr.text, out.out);
    return json;
}

static json_t *
s_cli_json (const char *ini, ...) __attribute__ ((sentinel));

static json_t *
s_cli_json (const char *ini, ...)
{
    va_list ap;
    va_start (ap, ini);
    json_t *json = s_cli_json_v (0, ini, ap);
    va_end (ap);
    return json;
}

//  The same for a command that must exit 1 (verify of a sample that no longer matches).
static json_t *
s_cli_json_1 (const char *ini, ...) __attribute__ ((sentinel));

static json_t *
s_cli_json_1 (const char *ini, ...)
{
    va_list ap;
    va_start (ap, ini);
    json_t *json = s_cli_json_v (1, ini, ap);
    va_end (ap);
    return json;
}

static const char *
s_str (const json_t *obj, const char *key)
{
    return json_string_value (json_object_get (obj, key));
}

static long
s_int (const json_t *obj, const char *key)
{
    json_t *v = json_object_get (obj, key);
    cr_assert (json_is_integer (v), "'%s' is not an integer", key);
    return (long) json_integer_value (v);
}

//  The stratum ID of a draw/show/verify reply.
static json_t *
s_stratum (const json_t *reply, const char *id)
{
    size_t i;
    json_t *s;
    json_array_foreach (json_object_get (reply, "strata"), i, s)
        if (strcmp (s_str (s, "stratum"), id) == 0)
            return s;
    cr_assert_fail ("no stratum %s in the reply", id);
    return NULL;
}

//  The items of stratum ID as a harness-owned array of strings; *N gets how many.
static char **
s_items (const json_t *reply, const char *id, size_t *n)
{
    json_t *items = json_object_get (s_stratum (reply, id), "items");
    *n = json_array_size (items);
    char **out = s_alloc ((*n + 1) * sizeof (char *));
    for (size_t i = 0; i < *n; i++)
        out[i] = ml_h_str ("%s", json_string_value (json_array_get (items, i)));
    return out;
}

// ---------------------------------------------------------------------------
// The bureau with the demo year imported.

static const char *
s_source (const char *rel)
{
    const char *root = getenv ("MASSLINE_SOURCE_ROOT");
    cr_assert (root, "MASSLINE_SOURCE_ROOT is not set (run through meson test)");
    return ml_h_str ("%s/%s", root, rel);
}

//  Imports FILE into UNIT's outbox and flushes it to the collector.
static void
s_import (const char *unit, const char *file)
{
    ml_h_out_t out;
    int code = ml_h_run (&out, 120000, ML_AGENT, "-c", ml_h_agent_ini (unit), "import", file, NULL);
    cr_assert_eq (code, 0, "import %s exited %d: %s", file, code, out.err);
    code = ml_h_run (&out, 120000, ML_AGENT, "-c", ml_h_agent_ini (unit), "flush", NULL);
    cr_assert_eq (code, 0, "flush of %s exited %d: %s", unit, code, out.err);
}

//  Records one event KIND with key=value WORDS in UNIT and flushes it.
static void
s_record (const char *unit, const char *kind, ...) __attribute__ ((sentinel));

static void
s_record (const char *unit, const char *kind, ...)
{
    char *argv[32] = { (char *) ML_AGENT, "-c", (char *) ml_h_agent_ini (unit), "record", (char *) kind };
    int n = 5;
    va_list ap;
    va_start (ap, kind);
    for (const char *a = va_arg (ap, const char *); a; a = va_arg (ap, const char *))
        argv[n++] = (char *) a;
    va_end (ap);
    argv[n] = NULL;
    ml_h_out_t out;
    int code = ml_h_runv (&out, 60000, argv);
    cr_assert_eq (code, 0, "record %s exited %d: %s", kind, code, out.err);
    code = ml_h_run (&out, 120000, ML_AGENT, "-c", ml_h_agent_ini (unit), "flush", NULL);
    cr_assert_eq (code, 0, "flush of %s exited %d: %s", unit, code, out.err);
}

//  Sets up the harness bureau, starts its collector and imports ops/demo-data/H00[123].jsonl.
static void
s_demo_bureau (void)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    for (int u = 0; u < ML_H_UNITS; u++)
        s_import (ml_h_units[u], s_source (ml_h_str ("ops/demo-data/%s.jsonl", ml_h_units[u])));
}

// ---------------------------------------------------------------------------
// The population, recomputed from the JSONL files without massline.

//  The current version of every ref of UNIT's demo file (json null when voided), by ref.
static json_t *
s_demo_current (const char *unit)
{
    const char *path = s_source (ml_h_str ("ops/demo-data/%s.jsonl", unit));
    FILE *file = fopen (path, "r");
    cr_assert_not_null (file, "%s", path);
    json_t *cur = json_object ();
    char line[8192];
    while (fgets (line, sizeof line, file)) {
        json_t *ev = json_loads (line, 0, NULL);
        cr_assert_not_null (ev, "%s: a line is not JSON", path);
        const char *kind = s_str (ev, "kind");
        if (strcmp (kind, "correction") == 0)
            json_object_set (cur, s_str (ev, "supersedes"), json_object_get (ev, "event"));
        else
        if (strcmp (kind, "void") == 0)
            json_object_set_new (cur, s_str (ev, "supersedes"), json_null ());
        else
            json_object_set (cur, s_str (ev, "ref"), ev);
        json_decref (ev);
    }
    fclose (file);
    return cur;
}

//  True when KIND is in the comma list KINDS (NULL: every activity kind).
static bool
s_kind_in (const char *kind, const char *kinds)
{
    if (strcmp (kind, "person") == 0 || strcmp (kind, "org") == 0)
        return false;
    if (!kinds)
        return true;
    size_t len = strlen (kind);
    for (const char *p = kinds; p; p = strchr (p, ',') ? strchr (p, ',') + 1 : NULL)
        if (strncmp (p, kind, len) == 0 && (p[len] == ',' || !p[len]))
            return true;
    return false;
}

//  Sorted ids "UNIT/REF" of UNIT's current demo events of KINDS dated in 2025 (harness-owned).
static char **
s_demo_population (const char *unit, const char *kinds, size_t *n)
{
    json_t *cur = s_demo_current (unit);
    char **ids = s_alloc ((json_object_size (cur) + 1) * sizeof (char *));
    *n = 0;
    const char *ref;
    json_t *ev;
    json_object_foreach (cur, ref, ev) {
        if (json_is_null (ev) || !s_kind_in (s_str (ev, "kind"), kinds))
            continue;
        const char *date = s_str (ev, "date");
        if (date && strncmp (date, "2025-", 5) == 0)
            ids[(*n)++] = ml_h_str ("%s/%s", unit, ref);
    }
    json_decref (cur);
    ml_h_sort (ids, *n);
    return ids;
}

// ---------------------------------------------------------------------------
// The commands of docs/sampling.md, run by bash.

//  The shell command of docs/sampling.md that starts with PREFIX (the line, trimmed).
static const char *
s_doc_command (const char *prefix)
{
    char *doc = ml_h_read (s_source ("docs/sampling.md"));
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
    char **lines = s_alloc ((size + 1) * sizeof (char *));
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
    char **lines = s_alloc ((n + 1) * sizeof (char *));
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
        if (s_cli (&out, ini, "status", NULL) == 0)
            return ini;
        usleep (50000);
    }
    cr_assert_fail ("the H001..H010 collector did not answer: %s",
                    ml_h_read (ml_h_str ("%s/collector10.err", ml_h_dir ())));
    return NULL;
}

// ---------------------------------------------------------------------------
// Keys of other roles: a staff client, and an agent's key used as a client.

//  Adds [client clerk] role = staff to the harness bureau's registry (before the collector
//  starts) and returns its client.ini.
static const char *
s_add_staff (void)
{
    const char *bureau = ml_h_bureau ();
    const char *prefix = ml_h_str ("%s/staff/clerk", bureau);
    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, ML_COLLECTOR, "keygen", prefix, NULL);
    cr_assert_eq (code, 0, "keygen exited %d: %s", code, out.err);
    char *pub = ml_h_read (ml_h_str ("%s.pub", prefix));
    cr_assert_not_null (pub);
    pub[strcspn (pub, "\r\n")] = 0;
    const char *registry = ml_h_ini_path (ml_h_collector_ini (), "registry");
    char *text = ml_h_read (registry);
    ml_h_write (registry, ml_h_str ("%s\n[client clerk]\nrole = staff\nkey = %s\n", text, pub));
    const char *ini = ml_h_str ("%s/staff/clerk.ini", bureau);
    ml_h_write (ini, ml_h_read (ml_h_client_ini ()));
    ml_h_ini_set (ini, "public_key", "clerk.pub");
    ml_h_ini_set (ini, "secret_key", "clerk.key");
    return ini;
}

//  A client.ini that uses agent H001's keys.
static const char *
s_agent_as_client (void)
{
    const char *ini = ml_h_str ("%s/agents/H001/client.ini", ml_h_bureau ());
    ml_h_write (ini, ml_h_read (ml_h_client_ini ()));
    ml_h_ini_set (ini, "public_key", "agent.pub");
    ml_h_ini_set (ini, "secret_key", "agent.key");
    return ini;
}

// ---------------------------------------------------------------------------
// Tests

Test (samples, issue_test_vector_through_the_collector, .init = ml_h_init, .fini = s_fini)
{
    const char *ini = s_bureau10 ();
    json_t *s = s_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", VECTOR_SEED, "--size", "4",
                            "--population", "units", "--strata", "none", NULL);
    cr_assert_str_eq (s_str (s, "sample"), "S2025-001");
    cr_assert_str_eq (s_str (s, "seed"), VECTOR_SEED);
    cr_assert_str_eq (s_str (s, "population"), "units");
    cr_assert_eq (json_array_size (json_object_get (s, "strata")), 1);
    json_t *st = json_array_get (json_object_get (s, "strata"), 0);
    cr_assert_str_eq (s_str (st, "stratum"), "all");
    cr_assert_eq (s_int (st, "population"), 10);
    cr_assert_eq (s_int (st, "size"), 4);
    char *want[] = { "H001", "H008", "H002", "H009" };
    s_assert_list (want, 4, json_object_get (st, "items"), "test vector");

    //  The population digest is SHA-256 over "H001\n" ... "H010\n".
    char *units[10];
    for (int u = 0; u < 10; u++)
        units[u] = ml_h_str ("H%03d", u + 1);
    const char *file = s_write_ids ("units.txt", units, 10);
    cr_assert_str_eq (s_str (s, "digest"), s_doc_digest (file));
    cr_assert_str_eq (s_str (st, "digest"), s_doc_digest (file));

    //  show gives the same frozen sample; the record digest is the SHA-256 of the stored record.
    json_t *shown = s_cli_json (ini, "sample", "show", "S2025-001", NULL);
    cr_assert (json_equal (json_object_get (shown, "strata"), json_object_get (s, "strata")));
    char hex[ML_SAMPLE_HEX_LEN];
    const char *record = s_str (shown, "record");
    ml_sample_digest (record, strlen (record), hex);
    cr_assert_str_eq (s_str (shown, "record_digest"), hex);
    cr_assert_str_eq (s_str (shown, "algorithm"), "massline-sample/1");
    cr_assert_str_eq (s_str (shown, "drawn_by"), "client:admin");

    ml_h_out_t out;
    cr_assert_eq (s_cli (&out, ini, "sample", "verify", "S2025-001", NULL), 0, "%s%s", out.out, out.err);
    cr_assert (strstr (out.out, "matches"), "%s", out.out);
    json_decref (s);
    json_decref (shown);
    ml_h_pass ();
}

Test (samples, draw_over_demo_events_recomputes_with_sha256sum, .init = ml_h_init, .fini = s_fini,
      .timeout = 300)
{
    s_demo_bureau ();
    const char *ini = ml_h_client_ini ();
    const char *kinds = "reception_day,contact_visit,talk";
    json_t *s = s_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "30",
                            "--strata", "unit", "--kinds", kinds, NULL);
    cr_assert_eq (json_array_size (json_object_get (s, "strata")), 3);
    size_t total = 0, drawn = 0;
    for (int u = 0; u < ML_H_UNITS; u++) {
        const char *unit = ml_h_units[u];
        json_t *st = s_stratum (s, unit);
        size_t npop;
        char **pop = s_demo_population (unit, kinds, &npop);
        cr_assert_gt (npop, 100, "%s: only %zu events of %s in 2025", unit, npop, kinds);
        cr_assert_eq (s_int (st, "population"), (long) npop, "%s population", unit);
        const char *file = s_write_ids (ml_h_str ("%s.txt", unit), pop, npop);
        cr_assert_str_eq (s_str (st, "digest"), s_doc_digest (file), "%s digest", unit);

        //  The selection, recomputed: SHA-256 tickets sorted; and for one stratum by bash,
        //  sha256sum and sort (slow: three processes per id).
        size_t nsel;
        char **sel = s_recompute (pop, npop, SEED, (size_t) s_int (st, "size"), &nsel);
        s_assert_list (sel, nsel, json_object_get (st, "items"), unit);
        if (strcmp (unit, "H003") == 0) {
            sel = s_one_liner (file, SEED, (size_t) s_int (st, "size"), &nsel);
            s_assert_list (sel, nsel, json_object_get (st, "items"), unit);
        }

        //  The population list the collector hands out is that same list.
        ml_h_out_t out;
        int code = s_cli (&out, ini, "sample", "show", s_str (s, "sample"), "--population-list",
                          "--stratum", unit, NULL);
        cr_assert_eq (code, 0, "show --population-list: %s", out.err);
        cr_assert_str_eq (out.out, ml_h_read (file), "%s: population list", unit);
        total += npop;
        drawn += (size_t) s_int (st, "size");
    }
    cr_assert_eq (drawn, 30);
    cr_assert_eq (s_int (s, "population_size"), (long) total);
    //  Proportional allocation, largest remainders: recompute it.
    size_t pops[3], shares[3];
    for (int u = 0; u < 3; u++)
        pops[u] = (size_t) s_int (s_stratum (s, ml_h_units[u]), "population");
    cr_assert_eq (ml_sample_allocate (ML_SAMPLE_PROPORTIONAL, pops, 3, 30, 0, shares), 0);
    for (int u = 0; u < 3; u++)
        cr_assert_eq (s_int (s_stratum (s, ml_h_units[u]), "size"), (long) shares[u]);

    //  The checklist: one line per item, with what to verify on site.
    json_t *checklist = json_object_get (s, "checklist");
    cr_assert_eq (json_array_size (checklist), 30);
    size_t i;
    json_t *e;
    json_array_foreach (checklist, i, e) {
        const char *kind = s_str (e, "kind");
        cr_assert (s_kind_in (kind, kinds), "checklist kind %s", kind);
        cr_assert (s_str (e, "date") && strncmp (s_str (e, "date"), "2025-", 5) == 0);
        cr_assert_not_null (s_str (e, "person"));
        cr_assert_not_null (s_str (e, "name"));
        const char *verify = s_str (e, "verify");
        if (strcmp (kind, "reception_day") == 0)
            cr_assert_str_eq (verify, "接待登记簿/签到表及提前公布的通知");
        if (strcmp (kind, "contact_visit") == 0)
            cr_assert_str_eq (verify, "联系点走访记录");
        if (strcmp (kind, "talk") == 0)
            cr_assert_str_eq (verify, "谈心谈话记录本");
    }
    //  The text form prints the id, the parameters, the strata and the checklist.
    ml_h_out_t out;
    cr_assert_eq (s_cli (&out, ini, "sample", "show", s_str (s, "sample"), NULL), 0);
    cr_assert (strstr (out.out, "sample S2025-001"), "%s", out.out);
    cr_assert (strstr (out.out, "seed: " SEED), "%s", out.out);
    cr_assert (strstr (out.out, s_str (s, "digest")), "%s", out.out);
    cr_assert (strstr (out.out, "谈心谈话记录本"), "%s", out.out);
    cr_assert_eq (ml_h_count_lines (out.out, "/H00"), 30, "%s", out.out);

    //  The same parameters on the same data draw the same items.
    json_t *again = s_cli_json (ini, "sample", "draw", "--kinds", kinds, "--year", "2025", "--size", "30",
                                "--seed", SEED, NULL);
    cr_assert_str_eq (s_str (again, "sample"), "S2025-002");
    cr_assert_str_eq (s_str (again, "digest"), s_str (s, "digest"));
    cr_assert (json_equal (json_object_get (again, "strata"), json_object_get (s, "strata")));

    cr_assert_eq (s_cli (&out, ini, "sample", "verify", "S2025-001", NULL), 0, "%s%s", out.out, out.err);
    cr_assert (strstr (out.out, "S2025-001 matches"), "%s", out.out);
    json_t *list = s_cli_json (ini, "sample", "list", NULL);
    cr_assert_eq (json_array_size (json_object_get (list, "samples")), 2);

    //  The draw is in the collector's log with who did it.
    char *log = ml_h_read (ml_h_str ("%s/collector.err", ml_h_dir ()));
    cr_assert (strstr (log, "sample S2025-001 drawn by client:admin"), "%s", log);
    json_decref (s);
    json_decref (again);
    json_decref (list);
    ml_h_pass ();
}

Test (samples, other_strata_growing_leaves_a_stratum_alone, .init = ml_h_init, .fini = s_fini,
      .timeout = 300)
{
    s_demo_bureau ();
    const char *ini = ml_h_client_ini ();
    json_t *eq1 = s_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "15",
                              "--kinds", "talk", "--allocation", "equal", NULL);
    json_t *pr1 = s_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "15",
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
    s_import ("H003", path);

    json_t *eq2 = s_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "15",
                              "--kinds", "talk", "--allocation", "equal", NULL);
    json_t *pr2 = s_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "15",
                              "--kinds", "talk", NULL);
    cr_assert_eq (s_int (s_stratum (eq2, "H003"), "population"),
                  s_int (s_stratum (eq1, "H003"), "population") + 200);
    cr_assert_str_neq (s_str (s_stratum (eq2, "H003"), "digest"), s_str (s_stratum (eq1, "H003"), "digest"));
    for (int u = 0; u < 2; u++) {
        const char *unit = ml_h_units[u];
        //  Equal allocation: the stratum's share and its items stay exactly the same.
        cr_assert (json_equal (s_stratum (eq1, unit), s_stratum (eq2, unit)), "%s changed", unit);
        //  Proportional: the share may shrink, and what stays is a prefix of what was drawn.
        size_t n1, n2;
        char **a = s_items (pr1, unit, &n1), **b = s_items (pr2, unit, &n2);
        cr_assert_str_eq (s_str (s_stratum (pr1, unit), "digest"), s_str (s_stratum (pr2, unit), "digest"));
        cr_assert_leq (n2, n1);
        for (size_t i = 0; i < n2; i++)
            cr_assert_str_eq (a[i], b[i], "%s item %zu", unit, i);
    }
    //  Verify of the first draw names the stratum that changed and exits 1.
    ml_h_out_t out;
    int code = s_cli (&out, ini, "sample", "verify", s_str (eq1, "sample"), NULL);
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

//  Records RESULT on ITEM of sample ID as the admin.
static void
s_finding (const char *id, const char *item, const char *result, const char *note)
{
    ml_h_out_t out;
    int code = note ? s_cli (&out, ml_h_client_ini (), "sample", "finding", id, item, result, "--note", note, NULL)
                    : s_cli (&out, ml_h_client_ini (), "sample", "finding", id, item, result, NULL);
    cr_assert_eq (code, 0, "finding %s %s exited %d: %s", item, result, code, out.err);
}

static void
s_assert_close (double got, double want, const char *what)
{
    cr_assert (fabs (got - want) < 1e-12, "%s: %.15g, expected %.15g", what, got, want);
}

Test (samples, findings_and_appraisal, .init = ml_h_init, .fini = s_fini, .timeout = 300)
{
    s_demo_bureau ();
    const char *ini = ml_h_client_ini ();
    json_t *s = s_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "30",
                            "--strata", "none", NULL);
    const char *id = ml_h_str ("%s", s_str (s, "sample"));
    size_t n;
    char **items = s_items (s, "all", &n);
    cr_assert_eq (n, 30);
    //  28 ok, one deviation, one not found (a second finding replaces the first).
    s_finding (id, items[3], "ok", NULL);
    for (size_t i = 0; i < n; i++)
        if (i != 3 && i != 17)
            s_finding (id, items[i], "ok", i == 0 ? "签到表齐全" : NULL);
    s_finding (id, items[3], "deviation", "未提前公布接待安排");
    s_finding (id, items[17], "not_found", "台账中无此记录");

    json_t *a = s_cli_json (ini, "sample", "appraise", id, NULL);
    json_t *all = json_object_get (a, "overall");
    cr_assert_eq (s_int (all, "n"), 30);
    cr_assert_eq (s_int (all, "deviations"), 2, "not_found counts as a deviation");
    cr_assert_eq (s_int (all, "not_found"), 1);
    s_assert_close (json_real_value (json_object_get (all, "rate")), 2.0 / 30, "rate");
    double bound = ml_sample_upper_bound (30, 2, 0.95);
    s_assert_close (json_real_value (json_object_get (all, "upper_bound")), bound, "upper bound");
    s_assert_close (json_real_value (json_object_get (all, "confidence")), 0.95, "confidence");
    char text[256];
    ml_sample_conclude (bound, 0.05, 0.95, text, sizeof text);
    cr_assert_str_eq (s_str (all, "conclusion"), text);
    cr_assert (strstr (text, "cannot conclude"), "%s", text);
    cr_assert_eq (json_array_size (json_object_get (a, "strata")), 1);

    //  Another confidence and tolerable rate.
    json_t *b = s_cli_json (ini, "sample", "appraise", id, "--confidence", "0.9", "--tolerable", "0.2", NULL);
    all = json_object_get (b, "overall");
    bound = ml_sample_upper_bound (30, 2, 0.9);
    s_assert_close (json_real_value (json_object_get (all, "upper_bound")), bound, "upper bound at 90%");
    ml_sample_conclude (bound, 0.2, 0.9, text, sizeof text);
    cr_assert_str_eq (s_str (all, "conclusion"), text);
    cr_assert_str_eq (text, "the deviation rate is below 20% with 90% confidence");

    //  The text form says how not_found counts.
    ml_h_out_t out;
    cr_assert_eq (s_cli (&out, ini, "sample", "appraise", id, NULL), 0, "%s", out.err);
    cr_assert (strstr (out.out, "not_found counts as a deviation"), "%s", out.out);
    cr_assert (strstr (out.out, "6.67%"), "%s", out.out);

    //  Findings are stored with who recorded them; the log has every one.
    json_t *shown = s_cli_json (ini, "sample", "show", id, NULL);
    json_t *e = json_array_get (json_object_get (shown, "checklist"), 3);
    cr_assert_str_eq (s_str (e, "item"), items[3]);
    cr_assert_str_eq (s_str (json_object_get (e, "finding"), "result"), "deviation");
    cr_assert_str_eq (s_str (json_object_get (e, "finding"), "by"), "client:admin");
    cr_assert_str_eq (s_str (json_object_get (e, "finding"), "note"), "未提前公布接待安排");
    cr_assert_eq (s_int (e, "earlier_findings"), 1);
    char *log = ml_h_read (ml_h_str ("%s/collector.err", ml_h_dir ()));
    cr_assert (strstr (log, ml_h_str ("sample %s: finding not_found on %s by client:admin", id, items[17])),
               "%s", log);
    cr_assert_eq (ml_h_count_lines (log, ml_h_str ("sample %s: finding ", id)), 31);

    //  An item that is not in the sample, a bad result.
    cr_assert_eq (s_cli (&out, ini, "sample", "finding", id, "H001/NO-SUCH-REF", "ok", NULL), 1);
    cr_assert (strstr (out.err, "not_found") && strstr (out.err, "H001/NO-SUCH-REF"), "%s", out.err);
    cr_assert_eq (s_cli (&out, ini, "sample", "finding", id, items[0], "fine", NULL), 2);

    //  A stratified sample: per stratum and combined, as ml_sample_appraise computes them.
    json_t *t = s_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "12",
                            "--allocation", "equal", NULL);
    const char *tid = ml_h_str ("%s", s_str (t, "sample"));
    ml_sample_stratum_t st[3];
    for (int u = 0; u < 3; u++) {
        size_t m;
        char **its = s_items (t, ml_h_units[u], &m);
        cr_assert_eq (m, 4);
        st[u] = (ml_sample_stratum_t) { (size_t) s_int (s_stratum (t, ml_h_units[u]), "population"), 0, 0 };
        //  H001: 4 ok; H002: 3 ok, 1 deviation; H003: 2 ok and 2 not yet examined.
        for (size_t i = 0; i < (u == 2 ? 2 : 4); i++) {
            bool dev = u == 1 && i == 0;
            s_finding (tid, its[i], dev ? "deviation" : "ok", NULL);
            st[u].n++;
            st[u].deviations += dev;
        }
    }
    json_t *c = s_cli_json (ini, "sample", "appraise", tid, NULL);
    ml_sample_appraisal_t want;
    cr_assert_eq (ml_sample_appraise (st, 3, 0.95, &want), 0);
    all = json_object_get (c, "overall");
    cr_assert_eq (s_int (all, "n"), 10);
    cr_assert_eq (s_int (all, "deviations"), 1);
    cr_assert_eq (s_int (c, "pending"), 2);
    s_assert_close (json_real_value (json_object_get (all, "rate")), want.rate, "stratified rate");
    s_assert_close (json_real_value (json_object_get (all, "upper_bound")), want.upper_bound, "stratified bound");
    cr_assert_str_eq (s_str (all, "method"), ML_SAMPLE_METHOD_KISH);
    for (int u = 0; u < 3; u++) {
        json_t *one = s_stratum (c, ml_h_units[u]);
        ml_sample_appraisal_t w;
        ml_sample_appraise_stratum (&st[u], 0.95, &w);
        cr_assert_eq (s_int (one, "n"), (long) st[u].n);
        s_assert_close (json_real_value (json_object_get (one, "upper_bound")), w.upper_bound, ml_h_units[u]);
    }
    json_decref (s);
    json_decref (a);
    json_decref (b);
    json_decref (c);
    json_decref (t);
    json_decref (shown);
    ml_h_pass ();
}

//  Issue 11's example through the real programs: 20 talks drawn in proportion from strata of
//  60/30/10 (12/6/2), one deviation. The combined bound is the pooled exact one, U(20, 1) =
//  scipy.stats.beta.ppf (0.95, 2, 19) = 0.21610616420684731 (Debian python3-scipy 1.10.1),
//  not the 0.39875905198454631 of the old sum 0.6 U(12,1) + 0.3 U(6,0) + 0.1 U(2,0).
Test (samples, stratified_appraisal_is_the_pooled_bound_for_proportional_strata, .init = ml_h_init,
      .fini = s_fini, .timeout = 300)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    static const int talks[ML_H_UNITS] = { 60, 30, 10 };
    for (int u = 0; u < ML_H_UNITS; u++) {
        const char *path = ml_h_str ("%s/talks-%s.jsonl", ml_h_dir (), ml_h_units[u]);
        FILE *f = fopen (path, "w");
        cr_assert_not_null (f);
        fprintf (f, "{\"kind\":\"person\",\"ref\":\"%s-PS-P001\",\"person\":\"P001\",\"name\":\"张伟\","
                    "\"roles\":[{\"role\":\"leader\",\"from\":\"2025-01-01\"}]}\n", ml_h_units[u]);
        for (int i = 1; i <= talks[u]; i++)
            fprintf (f, "{\"kind\":\"talk\",\"ref\":\"%s-T-%03d\",\"date\":\"2025-%02d-%02d\","
                        "\"person\":\"P001\",\"with\":\"群众\",\"with_category\":\"masses\"}\n",
                     ml_h_units[u], i, 1 + i % 12, 1 + i % 28);
        fclose (f);
        s_import (ml_h_units[u], path);
    }
    const char *ini = ml_h_client_ini ();
    json_t *d = s_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "20",
                            "--kinds", "talk", NULL);
    const char *id = ml_h_str ("%s", s_str (d, "sample"));
    static const size_t shares[ML_H_UNITS] = { 12, 6, 2 };
    ml_h_out_t out;
    for (int u = 0; u < ML_H_UNITS; u++) {
        size_t n;
        char **its = s_items (d, ml_h_units[u], &n);
        cr_assert_eq (s_int (s_stratum (d, ml_h_units[u]), "population"), talks[u]);
        cr_assert_eq (n, shares[u], "%s: %zu items", ml_h_units[u], n);
        if (u == 2) {
            //  H003 not yet examined: the bound over H001 and H002 (proportional, so U(18, 1) =
            //  beta.ppf (0.95, 2, 17) = 0.23766091507463977), and H003's 10% at rate 1:
            //  0.9 U + 0.1 = 0.3138948235671758.
            json_t *part = s_cli_json (ini, "sample", "appraise", id, NULL);
            json_t *p = json_object_get (part, "overall");
            s_assert_close (json_real_value (json_object_get (p, "upper_bound")), 0.3138948235671758, "partial");
            s_assert_close (json_real_value (json_object_get (p, "unexamined_share")), 0.1, "unexamined");
            json_decref (part);
            cr_assert_eq (s_cli (&out, ini, "sample", "appraise", id, NULL), 0, "%s", out.err);
            cr_assert (strstr (out.out, "n* = 18, k* = 1\n(strata not examined, 10% of the population, "
                                        "count as all deviations)\n"), "%s", out.out);
        }
        for (size_t i = 0; i < n; i++)
            s_finding (id, its[i], u == 0 && i == 5 ? "deviation" : "ok", NULL);
    }
    json_t *a = s_cli_json (ini, "sample", "appraise", id, NULL);
    json_t *all = json_object_get (a, "overall");
    cr_assert_eq (s_int (all, "n"), 20);
    cr_assert_eq (s_int (all, "deviations"), 1);
    cr_assert_str_eq (s_str (all, "method"), "clopper-pearson at Kish effective size (Korn & Graubard 1998)");
    cr_assert (fabs (json_real_value (json_object_get (all, "effective_n")) - 20) < 1e-9);
    cr_assert (fabs (json_real_value (json_object_get (all, "effective_deviations")) - 1) < 1e-9);
    s_assert_close (json_real_value (json_object_get (all, "rate")), 0.05, "rate");
    s_assert_close (json_real_value (json_object_get (all, "upper_bound")), 0.21610616420684731, "pooled bound");
    //  The strata keep their exact bounds (scipy: beta.ppf (0.95, k + 1, n - k)).
    static const double exact[ML_H_UNITS] = { 0.33868066843403238, 0.39303776899708265, 0.77639320225002095 };
    for (int u = 0; u < ML_H_UNITS; u++) {
        json_t *one = s_stratum (a, ml_h_units[u]);
        cr_assert_str_eq (s_str (one, "method"), "clopper-pearson");
        s_assert_close (json_real_value (json_object_get (one, "upper_bound")), exact[u], ml_h_units[u]);
    }
    //  The text names the method and the size and count it was computed at.
    cr_assert_eq (s_cli (&out, ini, "sample", "appraise", id, "--tolerable", "0.25", NULL), 0, "%s", out.err);
    cr_assert (strstr (out.out, "overall upper bound: clopper-pearson at Kish effective size "
                                "(Korn & Graubard 1998), n* = 20, k* = 1\n"), "%s", out.out);
    cr_assert (strstr (out.out, "per-stratum bounds: exact (clopper-pearson"), "%s", out.out);
    cr_assert (!strstr (out.out, "strata not examined"), "%s", out.out);
    cr_assert (strstr (out.out, "21.61%"), "%s", out.out);
    cr_assert (strstr (out.out, "overall: the deviation rate is below 25% with 95% confidence"), "%s", out.out);
    json_decref (a);
    json_decref (d);
    ml_h_pass ();
}

Test (samples, only_auditors_draw_and_record_findings, .init = ml_h_init, .fini = s_fini, .timeout = 300)
{
    const char *clerk = s_add_staff ();
    const char *agent = s_agent_as_client ();
    s_demo_bureau ();
    ml_h_out_t out;
    //  Staff: no draw.
    int code = s_cli (&out, clerk, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "5", NULL);
    cr_assert_eq (code, 1, "staff draw exited %d: %s%s", code, out.out, out.err);
    cr_assert (strstr (out.err, "the collector refused: denied: "), "%s", out.err);
    cr_assert (strstr (out.err, "only auditor keys may draw samples"), "%s", out.err);
    cr_assert (strstr (out.err, "client:clerk is staff"), "%s", out.err);

    json_t *s = s_cli_json (ml_h_client_ini (), "sample", "draw", "--year", "2025", "--seed", SEED,
                            "--size", "5", NULL);
    const char *id = s_str (s, "sample");
    const char *item = s_str (json_array_get (json_object_get (s, "checklist"), 0), "item");
    //  Staff: no findings, but show, verify, appraise and list.
    code = s_cli (&out, clerk, "sample", "finding", id, item, "ok", NULL);
    cr_assert_eq (code, 1);
    cr_assert (strstr (out.err, "denied"), "%s", out.err);
    json_t *shown = s_cli_json (clerk, "sample", "show", id, NULL);
    cr_assert (json_equal (json_object_get (shown, "strata"), json_object_get (s, "strata")));
    cr_assert_eq (s_cli (&out, clerk, "sample", "verify", id, NULL), 0, "%s", out.err);
    json_t *a = s_cli_json (clerk, "sample", "appraise", id, NULL);
    cr_assert_eq (s_int (json_object_get (a, "overall"), "n"), 0);
    json_t *list = s_cli_json (clerk, "sample", "list", NULL);
    cr_assert_eq (json_array_size (json_object_get (list, "samples")), 1);
    //  An agent's key: nothing.
    code = s_cli (&out, agent, "sample", "show", id, NULL);
    cr_assert_eq (code, 1);
    cr_assert (strstr (out.err, "denied") && strstr (out.err, "agent:H001"), "%s", out.err);
    code = s_cli (&out, agent, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "5", NULL);
    cr_assert_eq (code, 1);
    cr_assert (strstr (out.err, "denied"), "%s", out.err);
    //  Nothing was written by the refused ones: still one sample, no finding.
    list = s_cli_json (ml_h_client_ini (), "sample", "list", NULL);
    cr_assert_eq (json_array_size (json_object_get (list, "samples")), 1);
    cr_assert_eq (s_int (json_array_get (json_object_get (list, "samples"), 0), "examined"), 0);
    char *log = ml_h_read (ml_h_str ("%s/collector.err", ml_h_dir ()));
    cr_assert (strstr (log, "by client:clerk refused: denied"), "%s", log);
    json_decref (s);
    json_decref (shown);
    json_decref (a);
    json_decref (list);
    ml_h_pass ();
}

Test (samples, verify_names_voided_and_corrected_items, .init = ml_h_init, .fini = s_fini, .timeout = 300)
{
    s_demo_bureau ();
    const char *ini = ml_h_client_ini ();
    json_t *s = s_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "12",
                            "--kinds", "talk", NULL);
    const char *id = s_str (s, "sample");
    ml_h_out_t out;
    cr_assert_eq (s_cli (&out, ini, "sample", "verify", id, NULL), 0, "%s%s", out.out, out.err);
    cr_assert (strstr (out.out, "matches"));

    //  Void the first H001 item; move the second one's date into 2024 by a correction.
    size_t n;
    char **items = s_items (s, "H001", &n);
    cr_assert_geq (n, 2);
    const char *ref0 = strchr (items[0], '/') + 1, *ref1 = strchr (items[1], '/') + 1;
    s_record ("H001", "void", "ref=H001-TEST-VOID", ml_h_str ("supersedes=%s", ref0), "reason=录入重复", NULL);
    json_t *cur = s_demo_current ("H001");
    json_t *ev = json_deep_copy (json_object_get (cur, ref1));
    json_object_set_new (ev, "date", json_string ("2024-12-30"));
    char *evtext = json_dumps (ev, JSON_COMPACT);
    s_record ("H001", "correction", "ref=H001-TEST-CORR", ml_h_str ("supersedes=%s", ref1),
              ml_h_str ("event=%s", evtext), NULL);
    free (evtext);

    int code = s_cli (&out, ini, "sample", "verify", id, NULL);
    cr_assert_eq (code, 1, "verify exited %d: %s%s", code, out.out, out.err);
    cr_assert (strstr (out.out, "does not match"), "%s", out.out);
    cr_assert (strstr (out.out, ml_h_str ("item %s: voided since the draw", items[0])), "%s", out.out);
    cr_assert (strstr (out.out, ml_h_str ("item %s: corrected since the draw: now dated 2024-12-30", items[1])),
               "%s", out.out);
    cr_assert (strstr (out.out, "stratum H001: population changed"), "%s", out.out);
    cr_assert (!strstr (out.out, "stratum H002"), "%s", out.out);

    json_t *v = s_cli_json_1 (ini, "sample", "verify", id, NULL);
    cr_assert (json_is_false (json_object_get (v, "matches")));
    cr_assert (json_is_true (json_object_get (s_stratum (v, "H002"), "matches")));
    cr_assert_eq (s_int (s_stratum (v, "H001"), "population_now"),
                  s_int (s_stratum (v, "H001"), "population") - 2);
    //  The frozen record itself is unchanged.
    json_t *shown = s_cli_json (ini, "sample", "show", id, NULL);
    cr_assert (json_equal (json_object_get (shown, "strata"), json_object_get (s, "strata")));
    cr_assert_str_eq (s_str (shown, "record_digest"), s_str (s, "record_digest"));
    json_decref (cur);
    json_decref (ev);
    json_decref (s);
    json_decref (v);
    json_decref (shown);
    ml_h_pass ();
}

Test (samples, persons_population, .init = ml_h_init, .fini = s_fini, .timeout = 300)
{
    s_demo_bureau ();
    json_t *s = s_cli_json (ml_h_client_ini (), "sample", "draw", "--year", "2025", "--seed", SEED,
                            "--size", "6", "--population", "persons", NULL);
    cr_assert_str_eq (s_str (s, "population"), "persons");
    for (int u = 0; u < ML_H_UNITS; u++) {
        //  Every demo person holds a role in 2025.
        json_t *cur = s_demo_current (ml_h_units[u]);
        char **ids = s_alloc (64 * sizeof (char *));
        size_t npop = 0;
        const char *ref;
        json_t *ev;
        json_object_foreach (cur, ref, ev)
            if (json_is_object (ev) && strcmp (s_str (ev, "kind"), "person") == 0)
                ids[npop++] = ml_h_str ("%s/%s", ml_h_units[u], s_str (ev, "person"));
        json_decref (cur);
        ml_h_sort (ids, npop);
        json_t *st = s_stratum (s, ml_h_units[u]);
        cr_assert_eq (s_int (st, "population"), (long) npop);
        const char *file = s_write_ids (ml_h_str ("p%s.txt", ml_h_units[u]), ids, npop);
        cr_assert_str_eq (s_str (st, "digest"), s_doc_digest (file));
        size_t nsel;
        char **sel = s_one_liner (file, SEED, (size_t) s_int (st, "size"), &nsel);
        s_assert_list (sel, nsel, json_object_get (st, "items"), ml_h_units[u]);
    }
    json_t *e = json_array_get (json_object_get (s, "checklist"), 0);
    cr_assert_str_eq (s_str (e, "kind"), "person");
    cr_assert_not_null (s_str (e, "name"));
    json_decref (s);
    ml_h_pass ();
}

Test (samples, refused_parameters, .init = ml_h_init, .fini = s_fini, .timeout = 300)
{
    s_demo_bureau ();
    const char *ini = ml_h_client_ini ();
    ml_h_out_t out;
    //  The client refuses a short seed before asking (bad usage: 2).
    cr_assert_eq (s_cli (&out, ini, "sample", "draw", "--year", "2025", "--seed", "12345", "--size", "5", NULL), 2);
    cr_assert (strstr (out.err, "at least 20 decimal digits"), "%s", out.err);
    //  The collector refuses what only the data can tell, with its code.
    cr_assert_eq (s_cli (&out, ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "5",
                         "--kinds", "person", NULL), 1);
    cr_assert (strstr (out.err, "invalid: kinds: 'person' is not an activity kind"), "%s", out.err);
    cr_assert_eq (s_cli (&out, ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "5",
                         "--kinds", "talk,dance", NULL), 1);
    cr_assert (strstr (out.err, "invalid: kinds: unknown kind 'dance'"), "%s", out.err);
    cr_assert_eq (s_cli (&out, ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "5",
                         "--minimum", "3", NULL), 1);
    cr_assert (strstr (out.err, "invalid: minimum"), "%s", out.err);
    cr_assert_eq (s_cli (&out, ini, "sample", "draw", "--year", "2019", "--seed", SEED, "--size", "5", NULL), 1);
    cr_assert (strstr (out.err, "nothing to draw from"), "%s", out.err);
    cr_assert_eq (s_cli (&out, ini, "sample", "show", "S2099-001", NULL), 1);
    cr_assert (strstr (out.err, "not_found: no sample 'S2099-001'"), "%s", out.err);
    //  None of them left a sample behind.
    json_t *list = s_cli_json (ini, "sample", "list", NULL);
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
    cr_assert_eq (s_int (json, "size"), n, "C=%s T=%s E=%s N=%s: size %ld, expected %ld", c, t,
                  e ? e : "0", pop ? pop : "-", s_int (json, "size"), n);
    cr_assert_eq (s_int (json, "acceptable_deviations"), k, "C=%s T=%s E=%s: k", c, t, e ? e : "0");
    json_decref (json);
}

Test (samples, sample_size_reference_values, .init = ml_h_init, .fini = s_fini)
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
    int code = s_cli (&out, "/nonexistent/client.ini", "sample", "size", "--confidence", "0.95",
                      "--tolerable", "0.05", NULL);
    cr_assert_eq (code, 0, "%s", out.err);
    cr_assert (strstr (out.out, "sample size 59, accept at most 0 deviations"), "%s", out.out);
    code = s_cli (&out, "/nonexistent/client.ini", "sample", "size", "--confidence", "0.95",
                  "--tolerable", "0.05", "--expected", "0.05", NULL);
    cr_assert_eq (code, 2, "%s", out.err);
    ml_h_pass ();
}

// ---------------------------------------------------------------------------
// Issue 16 item 6: names with terminal escapes, entered through a real import, never reach the
// terminal through the draw and show tables.

Test (samples, draw_and_show_tables_keep_escapes_of_names_off_the_terminal, .init = ml_h_init,
      .fini = s_fini, .timeout = 300)
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
    s_import ("H001", ledger);
    const char *ini = ml_h_client_ini ();
    ml_h_out_t out;
    int code = s_cli (&out, ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "2",
                      "--population", "persons", NULL);
    cr_assert_eq (code, 0, "draw exited %d: %s", code, out.err);
    const char *verbs[2] = { "draw", "show" };
    for (int v = 0; v < 2; v++) {
        if (v == 1) {
            code = s_cli (&out, ini, "sample", "show", "S2025-001", NULL);
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
