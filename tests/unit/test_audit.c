/* test_audit.c -- ml_audit over a real store: which events make the population,
   frozen records that detect tampering, ids, findings and the appraisal of what was found. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ml_err.h"
#include "ml_event.h"
#include "ml_audit.h"
#include "ml_store.h"
#include "ml_test.h"

#define SEED "3546311556112163624615351222"

static ml_store_t *s_store;
static uint64_t s_seq[2];               //  last seq per agent (H1, H1-2)

static void
s_setup (void)
{
    t_dir_setup ();
    char err[256];
    s_store = ml_store_open (t_dir (), 64, false, err, sizeof err);
    cr_assert_not_null (s_store, "open: %s", err);
    s_seq[0] = s_seq[1] = 0;
}

static void
s_teardown (void)
{
    ml_store_close (&s_store);
    t_dir_teardown ();
}

TestSuite (audit, .init = s_setup, .fini = s_teardown);

//  Stores the events of UNIT (JSON lines, ' for "), sent by agent UNIT, one batch; all must apply.
static void
s_events (const char *unit, const char *const *lines)
{
    ml_envelope_t env[32];
    size_t n = 0;
    uint64_t *seq = &s_seq[strcmp (unit, "H1") == 0 ? 0 : 1];
    for (; lines[n]; n++) {
        char *json = t_json (lines[n]);
        ml_verr_t verr;
        char why[512];
        Massline__Event *ev = ml_event_from_jsonl (json, strlen (json), &verr);
        cr_assert_not_null (ev, "%s: %s", json, ml_verr_text (&verr, why, sizeof why));
        size_t len;
        uint8_t *data = ml_event_pack (ev, &len);
        env[n] = (ml_envelope_t) { ++*seq, data, len };
        ml_event_free (&ev);
        free (json);
    }
    int code = 0;
    char err[256] = "";
    ml_day_t today;
    ml_date_parse ("2026-11-26", &today);
    ml_batch_result_t res = { 0 };
    ml_store_txn_t *txn = ml_store_begin (s_store, true, &code);
    cr_assert_not_null (txn);
    cr_assert_eq (ml_store_apply_batch (txn, unit, unit, env, n, today, 1700000000, &res, err, sizeof err), 0, "%s", err);
    cr_assert_eq (res.nrejects, 0, "%s", res.nrejects ? res.rejects[0].reason : "");
    cr_assert_eq (ml_store_commit (&txn), 0);
    ml_batch_result_free (&res);
    for (size_t i = 0; i < n; i++)
        free ((void *) env[i].data);
}

#define TALK(ref, date) "{'kind':'talk','ref':'" ref "','date':'" date "','person':'P1','with':'群众','with_category':'masses'}"

//  Two units whose ids sort differently with and without the slash: "H1-2/..." < "H1/..."
//  but the store keeps H1 first.
static void
s_fixture (void)
{
    const char *h1[] = {
        "{'kind':'person','ref':'PS1','person':'P1','name':'张伟','roles':[{'role':'leader','from':'2025-01-01'}]}",
        TALK ("T1", "2025-03-01"),
        TALK ("T2", "2024-03-01"),                       //  another year
        TALK ("T3", "2025-04-01"),                       //  voided below
        TALK ("T4", "2025-05-01"),                       //  corrected into 2024 below
        TALK ("T5", "2024-06-01"),                       //  corrected into 2025 below
        "{'kind':'reception_day','ref':'R1','date':'2025-02-01','person':'P1','mode':'open'}",
        "{'kind':'void','ref':'V1','supersedes':'T3','reason':'重复'}",
        "{'kind':'correction','ref':'C1','supersedes':'T4','event':" TALK ("T4", "2024-05-01") "}",
        "{'kind':'correction','ref':'C2','supersedes':'T5','event':" TALK ("T5", "2025-06-01") "}",
        NULL
    };
    const char *h12[] = {
        "{'kind':'person','ref':'PS1','person':'P1','name':'李娜','roles':[{'role':'leader','from':'2020-01-01','to':'2024-12-31'}]}",
        TALK ("T1", "2025-03-01"),
        TALK ("T9", "2025-03-02"),
        NULL
    };
    s_events ("H1", h1);
    s_events ("H1-2", h12);
}

static ml_audit_params_t
s_params (const char *kinds, const char *strata, const char *size)
{
    ml_audit_params_t p;
    char err[256];
    ml_audit_params_init (&p);
    cr_assert_eq (ml_audit_params_set (&p, "year", "2025", err, sizeof err), 0);
    cr_assert_eq (ml_audit_params_set (&p, "seed", SEED, err, sizeof err), 0);
    cr_assert_eq (ml_audit_params_set (&p, "size", size, err, sizeof err), 0);
    if (kinds)
        cr_assert_eq (ml_audit_params_set (&p, "kinds", kinds, err, sizeof err), 0, "%s", err);
    if (strata)
        cr_assert_eq (ml_audit_params_set (&p, "strata", strata, err, sizeof err), 0);
    cr_assert_eq (ml_audit_params_check (&p, err, sizeof err), 0, "%s", err);
    return p;
}

static void
s_assert_ids (const ml_audit_stratum_t *s, const char *id, const char *const *want)
{
    cr_assert_str_eq (s->id, id);
    size_t n = 0;
    while (want[n])
        n++;
    cr_assert_eq (s->n, n, "stratum %s: %zu ids, expected %zu", id, s->n, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq (s->ids[i], want[i], "stratum %s, id %zu", id, i);
}

Test (audit, population_follows_corrections_voids_kinds_and_year)
{
    s_fixture ();
    char err[256];
    ml_audit_pop_t *pop = NULL;
    ml_audit_params_t p = s_params ("talk", NULL, "5");
    cr_assert_eq (ml_audit_population (s_store, NULL, &p, &pop, err, sizeof err), 0, "%s", err);
    cr_assert_eq (pop->nstrata, 2);
    s_assert_ids (&pop->strata[0], "H1", (const char *[]) { "H1/T1", "H1/T5", NULL });
    s_assert_ids (&pop->strata[1], "H1-2", (const char *[]) { "H1-2/T1", "H1-2/T9", NULL });
    cr_assert_eq (pop->total, 4);
    ml_audit_pop_destroy (&pop);
    cr_assert_null (pop);

    //  One stratum: sorted bytewise over units, as `LC_ALL=C sort` does.
    p = s_params (NULL, "none", "5");
    cr_assert_eq (ml_audit_population (s_store, NULL, &p, &pop, err, sizeof err), 0, "%s", err);
    cr_assert_eq (pop->nstrata, 1);
    s_assert_ids (&pop->strata[0], "all",
                  (const char *[]) { "H1-2/T1", "H1-2/T9", "H1/R1", "H1/T1", "H1/T5", NULL });
    ml_audit_pop_destroy (&pop);

    //  Persons with a role in the year: H1-2's P1 left at the end of 2024.
    ml_audit_params_t q = s_params (NULL, NULL, "5");
    cr_assert_eq (ml_audit_params_set (&q, "population", "persons", err, sizeof err), 0);
    q.kinds = 0;
    cr_assert_eq (ml_audit_params_check (&q, err, sizeof err), 0, "%s", err);
    cr_assert_eq (ml_audit_population (s_store, NULL, &q, &pop, err, sizeof err), 0, "%s", err);
    cr_assert_eq (pop->nstrata, 1);
    s_assert_ids (&pop->strata[0], "H1", (const char *[]) { "H1/P1", NULL });
    ml_audit_pop_destroy (&pop);
}

Test (audit, parameters_are_checked)
{
    ml_audit_params_t p;
    char err[256];
    ml_audit_params_init (&p);
    cr_assert_eq (ml_audit_params_set (&p, "seed", "1234567890123456789", err, sizeof err), ML_EINVAL);
    cr_assert_str_eq (err, "seed: needs 20 to 200 decimal digits rolled on ten-sided dice; got 19");
    cr_assert_eq (ml_audit_params_set (&p, "seed", "1234567890123456789x", err, sizeof err), ML_EINVAL);
    cr_assert_eq (ml_audit_params_set (&p, "kinds", "talk,void", err, sizeof err), ML_EINVAL);
    cr_assert_str_eq (err, "kinds: 'void' is not an activity kind (corrections and voids are not items)");
    cr_assert_eq (ml_audit_params_set (&p, "strata", "ward", err, sizeof err), ML_EINVAL);
    cr_assert_eq (ml_audit_params_set (&p, "size", "0", err, sizeof err), ML_EINVAL);
    cr_assert_eq (ml_audit_params_set (&p, "colour", "red", err, sizeof err), ML_EINVAL);
    cr_assert_eq (ml_audit_params_check (&p, err, sizeof err), ML_EINVAL);
    cr_assert_str_eq (err, "year: missing (--year YYYY)");
    cr_assert_eq (ml_audit_params_set (&p, "year", "2025", err, sizeof err), 0);
    cr_assert_eq (ml_audit_params_set (&p, "seed", SEED, err, sizeof err), 0);
    cr_assert_eq (ml_audit_params_set (&p, "size", "3", err, sizeof err), 0);
    cr_assert_eq (ml_audit_params_set (&p, "population", "units", err, sizeof err), 0);
    cr_assert_eq (ml_audit_params_set (&p, "kinds", "talk", err, sizeof err), 0);
    cr_assert_eq (ml_audit_params_check (&p, err, sizeof err), ML_EINVAL);
    cr_assert_str_eq (err, "kinds: only for --population events");
    p.kinds = 0;
    cr_assert_eq (ml_audit_params_check (&p, err, sizeof err), 0);
    cr_assert_eq (p.by_unit, 0, "units are one stratum unless asked");
}

//  Changes one byte of the stored record of ID (through the store's table, as a person with
//  write access to the files could).
static void
s_tamper (const char *id)
{
    int code = 0;
    ml_store_txn_t *txn = ml_store_begin (s_store, true, &code);
    cr_assert_not_null (txn, "begin: %d", code);
    const void *val;
    size_t vlen;
    cr_assert_eq (ml_store_table_get (txn, ML_STORE_SAMPLES, id, strlen (id), &val, &vlen), 0);
    char *copy = malloc (vlen + 1);
    memcpy (copy, val, vlen);
    copy[vlen] = 0;
    char *seed = strstr (copy, SEED);
    cr_assert_not_null (seed);
    seed[0] = seed[0] == '9' ? '8' : '9';
    cr_assert_eq (ml_store_table_put (txn, ML_STORE_SAMPLES, id, strlen (id), copy, vlen, true), 0);
    cr_assert_eq (ml_store_commit (&txn), 0);
    free (copy);
}

Test (audit, frozen_records_ids_findings_and_tampering)
{
    s_fixture ();
    char err[256];
    json_t *a = NULL, *b = NULL, *c = NULL, *f = NULL;
    ml_audit_params_t p = s_params ("talk", NULL, "3");
    cr_assert_eq (ml_audit_draw (s_store, NULL, &p, "client:test", &a, err, sizeof err), 0, "%s", err);
    cr_assert_eq (ml_audit_draw (s_store, NULL, &p, "client:test", &b, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq (json_string_value (json_object_get (a, "sample")), "S2025-001");
    cr_assert_str_eq (json_string_value (json_object_get (b, "sample")), "S2025-002");
    cr_assert (json_equal (json_object_get (a, "strata"), json_object_get (b, "strata")));
    cr_assert_eq (json_array_size (json_object_get (a, "checklist")), 3);
    //  The overall digest does not depend on the strata: H1's ids do not all sort before
    //  H1-2's ("H1-2/" < "H1/"), so this compares the streamed digest with the sorted one.
    json_t *none = NULL;
    ml_audit_params_t pn = s_params ("talk", "none", "3");
    cr_assert_eq (ml_audit_draw (s_store, NULL, &pn, "client:test", &none, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq (json_string_value (json_object_get (none, "digest")),
                      json_string_value (json_object_get (a, "digest")));
    cr_assert_str_eq (json_string_value (json_object_get (none, "sample")), "S2025-003");
    json_decref (none);
    ml_audit_params_t q = p;
    q.year = 2024;
    cr_assert_eq (ml_audit_draw (s_store, NULL, &q, "client:test", &c, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq (json_string_value (json_object_get (c, "sample")), "S2024-001");

    //  Findings: only items of the sample, only the three results.
    const char *item = json_string_value (json_array_get (
        json_object_get (json_array_get (json_object_get (a, "strata"), 0), "items"), 0));
    cr_assert_eq (ml_audit_finding (s_store, "S2025-001", "H1/T2", "ok", NULL, "client:test", &f,
                                      err, sizeof err), ML_ENOTFOUND);
    cr_assert_str_eq (err, "sample S2025-001 has no item 'H1/T2' (massline sample show S2025-001)");
    cr_assert_eq (ml_audit_finding (s_store, "S2025-001", item, "good", NULL, "client:test", &f,
                                      err, sizeof err), ML_EINVAL);
    cr_assert_eq (ml_audit_finding (s_store, "S2025-009", item, "ok", NULL, "client:test", &f,
                                      err, sizeof err), ML_ENOTFOUND);
    cr_assert_eq (ml_audit_finding (s_store, "S2025-001", item, "not_found", "无记录", "client:test", &f,
                                      err, sizeof err), 0, "%s", err);
    cr_assert_str_eq (json_string_value (json_object_get (f, "by")), "client:test");
    cr_assert (json_is_null (json_object_get (f, "replaces")));
    json_decref (f);

    //  Appraisal: the not_found is a deviation; the stratum not examined has a bound of 1.
    json_t *s = NULL, *ap = NULL;
    cr_assert_eq (ml_audit_get (s_store, "S2025-001", &s, err, sizeof err), 0, "%s", err);
    cr_assert_eq (ml_audit_appraise (s, 0.95, 0.05, &ap, err, sizeof err), 0, "%s", err);
    json_t *all = json_object_get (ap, "overall");
    cr_assert_eq (json_integer_value (json_object_get (all, "n")), 1);
    cr_assert_eq (json_integer_value (json_object_get (all, "deviations")), 1);
    cr_assert_eq (json_integer_value (json_object_get (all, "not_found")), 1);
    json_t *h12 = json_array_get (json_object_get (ap, "strata"), 1);
    cr_assert (json_is_null (json_object_get (h12, "rate")));
    cr_assert_eq (json_real_value (json_object_get (h12, "upper_bound")), 1.0);
    json_t *nothing = NULL;
    cr_assert_eq (ml_audit_appraise (s, 1.5, 0.05, &nothing, err, sizeof err), ML_EINVAL);
    cr_assert_null (nothing);
    json_decref (s);

    //  The same draw over the same data verifies.
    json_t *v = NULL;
    cr_assert_eq (ml_audit_verify (s_store, NULL, "S2025-001", false, &v, err, sizeof err), 0, "%s", err);
    cr_assert (json_is_true (json_object_get (v, "matches")), "%s", json_dumps (v, 0));
    json_decref (v);

    //  A changed byte in the stored record is found.
    s_tamper ("S2025-002");
    cr_assert_eq (ml_audit_get (s_store, "S2025-002", &s, err, sizeof err), ML_ECONFLICT);
    cr_assert (strstr (err, "sample S2025-002: stored record does not match its digest"), "%s", err);
    cr_assert_eq (ml_audit_get (s_store, "S2025-001", &s, err, sizeof err), 0, "%s", err);
    json_t *list = NULL;
    cr_assert_eq (ml_audit_list (s_store, &list, err, sizeof err), 0);
    cr_assert_eq (json_array_size (list), 4);
    cr_assert_not_null (json_object_get (json_array_get (list, 2), "error"));
    cr_assert_null (json_object_get (json_array_get (list, 3), "error"));
    json_decref (list);
    json_decref (s);
    json_decref (ap);
    json_decref (a);
    json_decref (b);
    json_decref (c);
}

//  Records RESULT on each of the first COUNT items of stratum H of DRAW.
static void
s_findings (const json_t *draw, size_t h, size_t count, const char *const *results)
{
    const char *id = json_string_value (json_object_get (draw, "sample"));
    json_t *items = json_object_get (json_array_get (json_object_get (draw, "strata"), h), "items");
    cr_assert_geq (json_array_size (items), count);
    for (size_t i = 0; i < count; i++) {
        json_t *f = NULL;
        char err[256];
        cr_assert_eq (ml_audit_finding (s_store, id, json_string_value (json_array_get (items, i)), results[i],
                                        NULL, "client:test", &f, err, sizeof err), 0, "%s", err);
        json_decref (f);
    }
}

//  The appraisal of the stored sample ID at 95% against 5%.
static json_t *
s_appraise (const char *id)
{
    json_t *s = NULL, *ap = NULL;
    char err[256];
    cr_assert_eq (ml_audit_get (s_store, id, &s, err, sizeof err), 0, "%s", err);
    cr_assert_eq (ml_audit_appraise (s, 0.95, 0.05, &ap, err, sizeof err), 0, "%s", err);
    json_decref (s);
    return ap;
}

static double
s_real_of (const json_t *obj, const char *key)
{
    json_t *v = json_object_get (obj, key);
    cr_assert (json_is_real (v), "'%s' is not a real", key);
    return json_real_value (v);
}

//  Reference values computed independently with Debian's python3-scipy 1.10.1:
//  scipy.stats.beta.ppf (0.95, k + 1, n - k) at n* = 1 / sum (W_h^2 / n_h), k* = rate n*.
Test (audit, appraisal_overall_at_the_kish_effective_size)
{
    s_fixture ();
    char err[256];
    //  Every activity kind: H1 holds R1, T1, T5 and H1-2 holds T1, T9; 3 items go 2/1.
    json_t *d = NULL;
    ml_audit_params_t p = s_params (NULL, NULL, "3");
    cr_assert_eq (ml_audit_draw (s_store, NULL, &p, "client:test", &d, err, sizeof err), 0, "%s", err);
    json_t *strata = json_object_get (d, "strata");
    cr_assert_eq (json_integer_value (json_object_get (json_array_get (strata, 0), "population")), 3);
    cr_assert_eq (json_integer_value (json_object_get (json_array_get (strata, 0), "size")), 2);
    cr_assert_eq (json_integer_value (json_object_get (json_array_get (strata, 1), "size")), 1);
    s_findings (d, 0, 2, (const char *[]) { "deviation", "ok" });
    s_findings (d, 1, 1, (const char *[]) { "ok" });
    json_t *ap = s_appraise (json_string_value (json_object_get (d, "sample")));
    json_t *all = json_object_get (ap, "overall");
    //  W = 3/5, 2/5: rate 0.3, n* = 1 / (0.36/2 + 0.16/1) = 2.9411764705882351, k* = 0.88235294117647045,
    //  U = beta.ppf (0.95, 1.88235294117647045, 2.0588235294117647) = 0.85086468237068658.
    //  The old sum of stratum bounds, 0.6 U(2,1) + 0.4 U(1,0), was 0.96480766068853774.
    cr_assert_str_eq (json_string_value (json_object_get (all, "method")),
                      "clopper-pearson at Kish effective size (Korn & Graubard 1998)");
    cr_assert_float_eq (s_real_of (all, "rate"), 0.3, 1e-15);
    cr_assert_float_eq (s_real_of (all, "effective_n"), 2.9411764705882351, 1e-12);
    cr_assert_float_eq (s_real_of (all, "effective_deviations"), 0.88235294117647045, 1e-12);
    cr_assert_float_eq (s_real_of (all, "upper_bound"), 0.85086468237068658, 1e-10);
    cr_assert_float_eq (s_real_of (all, "unexamined_share"), 0, 1e-15);
    cr_assert_str_eq (json_string_value (json_object_get (all, "conclusion")),
                      "cannot conclude that the deviation rate is below 5% with 95% confidence "
                      "(upper bound 85.09%)");
    //  The strata keep their exact bounds: U(2,1) = sqrt (0.95), U(1,0) = 0.95.
    json_t *h1 = json_array_get (json_object_get (ap, "strata"), 0);
    json_t *h12 = json_array_get (json_object_get (ap, "strata"), 1);
    cr_assert_str_eq (json_string_value (json_object_get (h1, "method")), "clopper-pearson");
    cr_assert_float_eq (s_real_of (h1, "upper_bound"), 0.97467943448089633, 1e-12);
    cr_assert_float_eq (s_real_of (h12, "upper_bound"), 0.95, 1e-12);
    cr_assert_null (json_object_get (h1, "effective_n"));
    json_decref (ap);

    //  One stratum: the plain Clopper-Pearson bound, as before: U(3,1) = beta.ppf (0.95, 2, 2)
    //  = 0.86464963782841608.
    json_t *one = NULL;
    ml_audit_params_t q = s_params (NULL, "none", "3");
    cr_assert_eq (ml_audit_draw (s_store, NULL, &q, "client:test", &one, err, sizeof err), 0, "%s", err);
    s_findings (one, 0, 3, (const char *[]) { "ok", "not_found", "ok" });
    ap = s_appraise (json_string_value (json_object_get (one, "sample")));
    all = json_object_get (ap, "overall");
    cr_assert_str_eq (json_string_value (json_object_get (all, "method")), "clopper-pearson");
    cr_assert_float_eq (s_real_of (all, "upper_bound"), 0.86464963782841608, 1e-12);
    cr_assert_float_eq (s_real_of (all, "effective_n"), 3, 0);
    cr_assert_float_eq (s_real_of (all, "effective_deviations"), 1, 0);
    json_decref (ap);
    json_decref (one);
    json_decref (d);
}

Test (audit, the_checklist_says_what_to_verify)
{
    cr_assert_str_eq (ml_audit_verify_text ("reception_day"), "接待登记簿/签到表及提前公布的通知");
    cr_assert_str_eq (ml_audit_verify_text ("contact_visit"), "联系点走访记录");
    cr_assert_str_eq (ml_audit_verify_text ("talk"), "谈心谈话记录本");
    cr_assert_str_eq (ml_audit_verify_text ("research_trip"), "调研日程与调研报告");
    cr_assert_str_eq (ml_audit_verify_text ("petition_case"), "接访事项纪要与答复意见书");
}
