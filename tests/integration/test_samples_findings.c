/* test_samples_findings.c -- findings on a drawn sample end to end: recording them, the
   appraisal (simple and stratified), and who may draw and record (auditors only). */
#include "ml_harness.h"
#include "ml_sample.h"
#include "ml_test_samples.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEED "48172938475610293847561029"     //  26 digits, as if rolled on ten-sided dice

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
// Findings

//  Records RESULT on ITEM of sample ID as the admin.
static void
s_finding (const char *id, const char *item, const char *result, const char *note)
{
    ml_h_out_t out;
    int code = note ? ml_hs_cli (&out, ml_h_client_ini (), "sample", "finding", id, item, result, "--note", note, NULL)
                    : ml_hs_cli (&out, ml_h_client_ini (), "sample", "finding", id, item, result, NULL);
    cr_assert_eq (code, 0, "finding %s %s exited %d: %s", item, result, code, out.err);
}

static void
s_assert_close (double got, double want, const char *what)
{
    cr_assert (fabs (got - want) < 1e-12, "%s: %.15g, expected %.15g", what, got, want);
}

// ---------------------------------------------------------------------------
// Tests

Test (samples, findings_and_appraisal, .init = ml_h_init, .fini = ml_hs_fini, .timeout = 300)
{
    ml_hs_demo_bureau ();
    const char *ini = ml_h_client_ini ();
    json_t *s = ml_hs_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "30",
                            "--strata", "none", NULL);
    const char *id = ml_h_str ("%s", ml_hs_str (s, "sample"));
    size_t n;
    char **items = ml_hs_items (s, "all", &n);
    cr_assert_eq (n, 30);
    //  28 ok, one deviation, one not found (a second finding replaces the first).
    s_finding (id, items[3], "ok", NULL);
    for (size_t i = 0; i < n; i++)
        if (i != 3 && i != 17)
            s_finding (id, items[i], "ok", i == 0 ? "签到表齐全" : NULL);
    s_finding (id, items[3], "deviation", "未提前公布接待安排");
    s_finding (id, items[17], "not_found", "台账中无此记录");

    json_t *a = ml_hs_cli_json (ini, "sample", "appraise", id, NULL);
    json_t *all = json_object_get (a, "overall");
    cr_assert_eq (ml_hs_int (all, "n"), 30);
    cr_assert_eq (ml_hs_int (all, "deviations"), 2, "not_found counts as a deviation");
    cr_assert_eq (ml_hs_int (all, "not_found"), 1);
    s_assert_close (json_real_value (json_object_get (all, "rate")), 2.0 / 30, "rate");
    double bound = ml_sample_upper_bound (30, 2, 0.95);
    s_assert_close (json_real_value (json_object_get (all, "upper_bound")), bound, "upper bound");
    s_assert_close (json_real_value (json_object_get (all, "confidence")), 0.95, "confidence");
    char text[256];
    ml_sample_conclude (bound, 0.05, 0.95, text, sizeof text);
    cr_assert_str_eq (ml_hs_str (all, "conclusion"), text);
    cr_assert (strstr (text, "cannot conclude"), "%s", text);
    cr_assert_eq (json_array_size (json_object_get (a, "strata")), 1);

    //  Another confidence and tolerable rate.
    json_t *b = ml_hs_cli_json (ini, "sample", "appraise", id, "--confidence", "0.9", "--tolerable", "0.2", NULL);
    all = json_object_get (b, "overall");
    bound = ml_sample_upper_bound (30, 2, 0.9);
    s_assert_close (json_real_value (json_object_get (all, "upper_bound")), bound, "upper bound at 90%");
    ml_sample_conclude (bound, 0.2, 0.9, text, sizeof text);
    cr_assert_str_eq (ml_hs_str (all, "conclusion"), text);
    cr_assert_str_eq (text, "the deviation rate is below 20% with 90% confidence");

    //  The text form says how not_found counts.
    ml_h_out_t out;
    cr_assert_eq (ml_hs_cli (&out, ini, "sample", "appraise", id, NULL), 0, "%s", out.err);
    cr_assert (strstr (out.out, "not_found counts as a deviation"), "%s", out.out);
    cr_assert (strstr (out.out, "6.67%"), "%s", out.out);

    //  Findings are stored with who recorded them; the log has every one.
    json_t *shown = ml_hs_cli_json (ini, "sample", "show", id, NULL);
    json_t *e = json_array_get (json_object_get (shown, "checklist"), 3);
    cr_assert_str_eq (ml_hs_str (e, "item"), items[3]);
    cr_assert_str_eq (ml_hs_str (json_object_get (e, "finding"), "result"), "deviation");
    cr_assert_str_eq (ml_hs_str (json_object_get (e, "finding"), "by"), "client:admin");
    cr_assert_str_eq (ml_hs_str (json_object_get (e, "finding"), "note"), "未提前公布接待安排");
    cr_assert_eq (ml_hs_int (e, "earlier_findings"), 1);
    char *log = ml_h_read (ml_h_str ("%s/collector.err", ml_h_dir ()));
    cr_assert (strstr (log, ml_h_str ("sample %s: finding not_found on %s by client:admin", id, items[17])),
               "%s", log);
    cr_assert_eq (ml_h_count_lines (log, ml_h_str ("sample %s: finding ", id)), 31);

    //  An item that is not in the sample, a bad result.
    cr_assert_eq (ml_hs_cli (&out, ini, "sample", "finding", id, "H001/NO-SUCH-REF", "ok", NULL), 1);
    cr_assert (strstr (out.err, "not_found") && strstr (out.err, "H001/NO-SUCH-REF"), "%s", out.err);
    cr_assert_eq (ml_hs_cli (&out, ini, "sample", "finding", id, items[0], "fine", NULL), 2);

    //  A stratified sample: per stratum and combined, as ml_sample_appraise computes them.
    json_t *t = ml_hs_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "12",
                            "--allocation", "equal", NULL);
    const char *tid = ml_h_str ("%s", ml_hs_str (t, "sample"));
    ml_sample_stratum_t st[3];
    for (int u = 0; u < 3; u++) {
        size_t m;
        char **its = ml_hs_items (t, ml_h_units[u], &m);
        cr_assert_eq (m, 4);
        st[u] = (ml_sample_stratum_t) { (size_t) ml_hs_int (ml_hs_stratum (t, ml_h_units[u]), "population"), 0, 0 };
        //  H001: 4 ok; H002: 3 ok, 1 deviation; H003: 2 ok and 2 not yet examined.
        for (size_t i = 0; i < (u == 2 ? 2 : 4); i++) {
            bool dev = u == 1 && i == 0;
            s_finding (tid, its[i], dev ? "deviation" : "ok", NULL);
            st[u].n++;
            st[u].deviations += dev;
        }
    }
    json_t *c = ml_hs_cli_json (ini, "sample", "appraise", tid, NULL);
    ml_sample_appraisal_t want;
    cr_assert_eq (ml_sample_appraise (st, 3, 0.95, &want), 0);
    all = json_object_get (c, "overall");
    cr_assert_eq (ml_hs_int (all, "n"), 10);
    cr_assert_eq (ml_hs_int (all, "deviations"), 1);
    cr_assert_eq (ml_hs_int (c, "pending"), 2);
    s_assert_close (json_real_value (json_object_get (all, "rate")), want.rate, "stratified rate");
    s_assert_close (json_real_value (json_object_get (all, "upper_bound")), want.upper_bound, "stratified bound");
    cr_assert_str_eq (ml_hs_str (all, "method"), ML_SAMPLE_METHOD_KISH);
    for (int u = 0; u < 3; u++) {
        json_t *one = ml_hs_stratum (c, ml_h_units[u]);
        ml_sample_appraisal_t w;
        ml_sample_appraise_stratum (&st[u], 0.95, &w);
        cr_assert_eq (ml_hs_int (one, "n"), (long) st[u].n);
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
      .fini = ml_hs_fini, .timeout = 300)
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
        ml_hs_import (ml_h_units[u], path);
    }
    const char *ini = ml_h_client_ini ();
    json_t *d = ml_hs_cli_json (ini, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "20",
                            "--kinds", "talk", NULL);
    const char *id = ml_h_str ("%s", ml_hs_str (d, "sample"));
    static const size_t shares[ML_H_UNITS] = { 12, 6, 2 };
    ml_h_out_t out;
    for (int u = 0; u < ML_H_UNITS; u++) {
        size_t n;
        char **its = ml_hs_items (d, ml_h_units[u], &n);
        cr_assert_eq (ml_hs_int (ml_hs_stratum (d, ml_h_units[u]), "population"), talks[u]);
        cr_assert_eq (n, shares[u], "%s: %zu items", ml_h_units[u], n);
        if (u == 2) {
            //  H003 not yet examined: the bound over H001 and H002 (proportional, so U(18, 1) =
            //  beta.ppf (0.95, 2, 17) = 0.23766091507463977), and H003's 10% at rate 1:
            //  0.9 U + 0.1 = 0.3138948235671758.
            json_t *part = ml_hs_cli_json (ini, "sample", "appraise", id, NULL);
            json_t *p = json_object_get (part, "overall");
            s_assert_close (json_real_value (json_object_get (p, "upper_bound")), 0.3138948235671758, "partial");
            s_assert_close (json_real_value (json_object_get (p, "unexamined_share")), 0.1, "unexamined");
            json_decref (part);
            cr_assert_eq (ml_hs_cli (&out, ini, "sample", "appraise", id, NULL), 0, "%s", out.err);
            cr_assert (strstr (out.out, "n* = 18, k* = 1\n(strata not examined, 10% of the population, "
                                        "count as all deviations)\n"), "%s", out.out);
        }
        for (size_t i = 0; i < n; i++)
            s_finding (id, its[i], u == 0 && i == 5 ? "deviation" : "ok", NULL);
    }
    json_t *a = ml_hs_cli_json (ini, "sample", "appraise", id, NULL);
    json_t *all = json_object_get (a, "overall");
    cr_assert_eq (ml_hs_int (all, "n"), 20);
    cr_assert_eq (ml_hs_int (all, "deviations"), 1);
    cr_assert_str_eq (ml_hs_str (all, "method"), "clopper-pearson at Kish effective size (Korn & Graubard 1998)");
    cr_assert (fabs (json_real_value (json_object_get (all, "effective_n")) - 20) < 1e-9);
    cr_assert (fabs (json_real_value (json_object_get (all, "effective_deviations")) - 1) < 1e-9);
    s_assert_close (json_real_value (json_object_get (all, "rate")), 0.05, "rate");
    s_assert_close (json_real_value (json_object_get (all, "upper_bound")), 0.21610616420684731, "pooled bound");
    //  The strata keep their exact bounds (scipy: beta.ppf (0.95, k + 1, n - k)).
    static const double exact[ML_H_UNITS] = { 0.33868066843403238, 0.39303776899708265, 0.77639320225002095 };
    for (int u = 0; u < ML_H_UNITS; u++) {
        json_t *one = ml_hs_stratum (a, ml_h_units[u]);
        cr_assert_str_eq (ml_hs_str (one, "method"), "clopper-pearson");
        s_assert_close (json_real_value (json_object_get (one, "upper_bound")), exact[u], ml_h_units[u]);
    }
    //  The text names the method and the size and count it was computed at.
    cr_assert_eq (ml_hs_cli (&out, ini, "sample", "appraise", id, "--tolerable", "0.25", NULL), 0, "%s", out.err);
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

Test (samples, only_auditors_draw_and_record_findings, .init = ml_h_init, .fini = ml_hs_fini, .timeout = 300)
{
    const char *clerk = s_add_staff ();
    const char *agent = s_agent_as_client ();
    ml_hs_demo_bureau ();
    ml_h_out_t out;
    //  Staff: no draw.
    int code = ml_hs_cli (&out, clerk, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "5", NULL);
    cr_assert_eq (code, 1, "staff draw exited %d: %s%s", code, out.out, out.err);
    cr_assert (strstr (out.err, "the collector refused: denied: "), "%s", out.err);
    cr_assert (strstr (out.err, "only auditor keys may draw samples"), "%s", out.err);
    cr_assert (strstr (out.err, "client:clerk is staff"), "%s", out.err);

    json_t *s = ml_hs_cli_json (ml_h_client_ini (), "sample", "draw", "--year", "2025", "--seed", SEED,
                            "--size", "5", NULL);
    const char *id = ml_hs_str (s, "sample");
    const char *item = ml_hs_str (json_array_get (json_object_get (s, "checklist"), 0), "item");
    //  Staff: no findings, but show, verify, appraise and list.
    code = ml_hs_cli (&out, clerk, "sample", "finding", id, item, "ok", NULL);
    cr_assert_eq (code, 1);
    cr_assert (strstr (out.err, "denied"), "%s", out.err);
    json_t *shown = ml_hs_cli_json (clerk, "sample", "show", id, NULL);
    cr_assert (json_equal (json_object_get (shown, "strata"), json_object_get (s, "strata")));
    cr_assert_eq (ml_hs_cli (&out, clerk, "sample", "verify", id, NULL), 0, "%s", out.err);
    json_t *a = ml_hs_cli_json (clerk, "sample", "appraise", id, NULL);
    cr_assert_eq (ml_hs_int (json_object_get (a, "overall"), "n"), 0);
    json_t *list = ml_hs_cli_json (clerk, "sample", "list", NULL);
    cr_assert_eq (json_array_size (json_object_get (list, "samples")), 1);
    //  An agent's key: nothing.
    code = ml_hs_cli (&out, agent, "sample", "show", id, NULL);
    cr_assert_eq (code, 1);
    cr_assert (strstr (out.err, "denied") && strstr (out.err, "agent:H001"), "%s", out.err);
    code = ml_hs_cli (&out, agent, "sample", "draw", "--year", "2025", "--seed", SEED, "--size", "5", NULL);
    cr_assert_eq (code, 1);
    cr_assert (strstr (out.err, "denied"), "%s", out.err);
    //  Nothing was written by the refused ones: still one sample, no finding.
    list = ml_hs_cli_json (ml_h_client_ini (), "sample", "list", NULL);
    cr_assert_eq (json_array_size (json_object_get (list, "samples")), 1);
    cr_assert_eq (ml_hs_int (json_array_get (json_object_get (list, "samples"), 0), "examined"), 0);
    char *log = ml_h_read (ml_h_str ("%s/collector.err", ml_h_dir ()));
    cr_assert (strstr (log, "by client:clerk refused: denied"), "%s", log);
    json_decref (s);
    json_decref (shown);
    json_decref (a);
    json_decref (list);
    ml_h_pass ();
}
