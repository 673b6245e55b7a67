/* test_chain.c -- the reporting chain (issue 12) through the real programs: a year submitted,
   returned, submitted again, accepted, locked, restated as version 2; wrong keys refused at each
   step; completeness across a year boundary; sealed documents verified, a one-byte change in a
   file and an event altered in LMDB found (by verify and by check). The collector's day is set
   with MASSLINE_TODAY (restarting it when the day moves). */
#include "ml_harness.h"

#include <criterion/criterion.h>
#include <lmdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T 60000

static const char *
s_agent (const char *unit)
{
    return ml_h_agent_ini (unit);
}

//  Sets the day every program started from now on lives in; restarts the collector on it.
static void
s_day (const char *day)
{
    setenv ("MASSLINE_TODAY", day, 1);
    if (ml_h_collector_pid ())
        ml_h_collector_stop (SIGTERM);
    ml_h_collector_start ();
}

static ml_h_out_t
s_run_ok (const char *what, const char *prog, char *const *argv)
{
    ml_h_out_t out = { NULL, NULL };
    int rc = ml_h_runv (&out, T, argv);
    cr_assert_eq (rc, 0, "%s: exit %d\nstdout: %s\nstderr: %s", what, rc, out.out, out.err);
    (void) prog;
    return out;
}

#define RUN_OK(what, ...) s_run_ok (what, NULL, (char *const[]) { __VA_ARGS__, NULL })

static void
s_flush (const char *unit)
{
    RUN_OK ("flush", (char *) ML_AGENT, "-c", (char *) s_agent (unit), "flush", "--timeout", "30");
}

//  The roster of UNIT (P001 .. P003) and a talk dated DATE with ref REF.
static void
s_roster (const char *unit)
{
    for (int i = 1; i <= 3; i++)
        RUN_OK ("person", (char *) ML_AGENT, "-c", (char *) s_agent (unit), "record", "person",
                ml_h_str ("person=P00%d", i), ml_h_str ("name=名%d", i),
                "roles=[{\"role\":\"leader\",\"from\":\"2020-01-01\"}]");
}

static void
s_talk (const char *unit, const char *ref, const char *date)
{
    RUN_OK ("talk", (char *) ML_AGENT, "-c", (char *) s_agent (unit), "record", "talk",
            ml_h_str ("ref=%s", ref), "person=P001", ml_h_str ("date=%s", date), "with=x",
            "with_category=masses");
}

static json_t *
s_json (const char *client_ini, const char *const *args)
{
    char *argv[16] = { (char *) ML_CLIENT, "-c", (char *) client_ini };
    int n = 3;
    for (; *args; args++)
        argv[n++] = (char *) *args;
    argv[n++] = "--format";
    argv[n++] = "json";
    argv[n] = NULL;
    ml_h_out_t out;
    int rc = ml_h_runv (&out, T, argv);
    cr_assert_eq (rc, 0, "%s %s: exit %d: %s", argv[3], argv[4], rc, out.err);
    json_error_t jerr;
    json_t *j = json_loads (out.out, 0, &jerr);
    cr_assert (j, "not JSON: %s", out.out);
    return j;
}

static json_t *
s_unit_annual (const char *unit, const char *year)
{
    const char *args[] = { "report", "unit-annual", "--unit", unit, "--year", year, NULL };
    return s_json (ml_h_client_ini (), args);
}

static const char *
s_sub (json_t *report, const char *key)
{
    return json_string_value (json_object_get (json_object_get (report, "submission"), key));
}

//  A reviewer key, added before the collector starts.
static const char *
s_reviewer (void)
{
    ml_h_bureau ();
    RUN_OK ("staff add", (char *) ML_COLLECTOR, "-c", (char *) ml_h_collector_ini (), "staff", "add",
            "rev1", "--role", "reviewer");
    return ml_h_str ("%s/staff/rev1.ini", ml_h_bureau ());
}

static int
s_review (const char *client, const char *verb, const char *unit, const char *reason,
          ml_h_out_t *out)
{
    if (reason)
        return ml_h_run (out, T, ML_CLIENT, "-c", client, "review", verb, unit, "2025", "--reason",
                         reason, NULL);
    return ml_h_run (out, T, ML_CLIENT, "-c", client, "review", verb, unit, "2025", NULL);
}

//  Submits 2025 for H001 and sends it.
static void
s_submit (void)
{
    RUN_OK ("submit", (char *) ML_AGENT, "-c", (char *) s_agent ("H001"), "submit", "2025",
            "--filler", "P001", "--reviewer", "P002", "--approver", "P003");
    s_flush ("H001");
}

Test (integration, submit_return_resubmit_accept_lock_restate, .init = ml_h_init, .fini = ml_h_fini)
{
    const char *rev = s_reviewer ();
    setenv ("MASSLINE_TODAY", "2025-06-15", 1);
    s_roster ("H001");
    s_roster ("H002");
    s_talk ("H001", "T1", "2025-03-02");
    s_day ("2025-06-15");
    s_flush ("H001");
    s_flush ("H002");

    //  nothing submitted: draft, and no reviewer can decide
    ml_h_out_t out;
    s_day ("2026-01-15");
    json_t *r = s_unit_annual ("H001", "2025");
    cr_assert_str_eq (s_sub (r, "state"), "draft");
    json_decref (r);
    cr_assert_eq (s_review (rev, "accept", "H001", NULL, &out), 1, "accepting a draft");
    cr_assert (strstr (out.err, "not submitted"), "%s", out.err);

    s_submit ();
    r = s_unit_annual ("H001", "2025");
    cr_assert_str_eq (s_sub (r, "state"), "submitted");
    cr_assert_str_eq (s_sub (r, "filler"), "P001");
    cr_assert_str_eq (s_sub (r, "approver"), "P003");
    cr_assert_str_eq (json_string_value (json_object_get (json_object_get (r, "document"), "state")),
                      "submitted", "the submission is frozen as a document");
    json_decref (r);

    //  wrong keys: the auditor (admin) may not decide; H002's agent submits only H002
    cr_assert_eq (s_review (ml_h_client_ini (), "accept", "H001", NULL, &out), 1);
    cr_assert (strstr (out.err, "denied") && strstr (out.err, "only reviewer keys"), "%s", out.err);
    RUN_OK ("submit H002", (char *) ML_AGENT, "-c", (char *) s_agent ("H002"), "submit", "2025",
            "--filler", "P001", "--reviewer", "P002", "--approver", "P003");
    s_flush ("H002");
    r = s_unit_annual ("H001", "2025");
    cr_assert_str_eq (s_sub (r, "state"), "submitted");
    json_decref (r);
    //  a return needs a reason
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", rev, "review", "return", "H001", "2025",
                            NULL), 2);

    //  returned with a reason: the unit reads it in its status after the next contact
    s_day ("2026-01-18");
    cr_assert_eq (s_review (rev, "return", "H001", "缺少三月接访记录", &out), 0, "%s", out.err);
    //  the agent hears it at its next contact (Welcome): here, sending December's close
    RUN_OK ("close", (char *) ML_AGENT, "-c", (char *) s_agent ("H001"), "close", "2025-12");
    s_flush ("H001");
    out = RUN_OK ("agent status", (char *) ML_AGENT, "-c", (char *) s_agent ("H001"), "status");
    cr_assert (strstr (out.out, "2025: returned (version 1) by rev1 on 2026-01-18")
               && strstr (out.out, "缺少三月接访记录"), "%s", out.out);
    //  a second submission while submitted is refused; after the return it is taken
    s_day ("2026-01-19");
    s_submit ();
    cr_assert_eq (s_review (rev, "accept", "H001", NULL, &out), 0, "%s", out.err);
    cr_assert (strstr (out.out, "accepted (version 1) by rev1"), "%s", out.out);
    r = s_unit_annual ("H001", "2025");
    cr_assert_str_eq (s_sub (r, "state"), "accepted");
    cr_assert_str_eq (s_sub (r, "decided_by"), "rev1");
    json_decref (r);
    RUN_OK ("save v1", (char *) ML_CLIENT, "-c", (char *) ml_h_client_ini (), "report", "unit-annual",
            "--unit", "H001", "--year", "2025", "-o", ml_h_str ("%s/v1.json", ml_h_dir ()));

    //  locked: a late event dated 2025 is rejected naming the lock; 2026 is open
    s_day ("2026-01-20");
    s_talk ("H001", "T2", "2025-05-01");
    s_talk ("H001", "T3", "2026-01-02");
    RUN_OK ("submit again", (char *) ML_AGENT, "-c", (char *) s_agent ("H001"), "submit", "2025",
            "--filler", "P001", "--reviewer", "P002", "--approver", "P003");
    s_flush ("H001");
    out = RUN_OK ("agent status", (char *) ML_AGENT, "-c", (char *) s_agent ("H001"), "status");
    cr_assert (strstr (out.out, "2025 is locked for H001 since 2026-01-19 (accepted by rev1); "
                       "record a restatement"), "%s", out.out);
    cr_assert_eq (ml_h_count_lines (out.out, "is locked for H001"), 2, "the talk and the "
                  "resubmission: %s", out.out);
    //  a correction without a restatement reason is refused too; with one, 2025 reopens as v2
    RUN_OK ("correct", (char *) ML_AGENT, "-c", (char *) s_agent ("H001"), "correct", "T1", "with=y");
    s_flush ("H001");
    r = s_unit_annual ("H001", "2025");
    cr_assert_str_eq (s_sub (r, "state"), "accepted");
    json_decref (r);
    RUN_OK ("restate", (char *) ML_AGENT, "-c", (char *) s_agent ("H001"), "correct", "T1", "with=z",
            "--restatement", "谈话对象登记有误");
    s_flush ("H001");
    r = s_unit_annual ("H001", "2025");
    cr_assert_str_eq (s_sub (r, "state"), "submitted");
    cr_assert_eq (json_integer_value (json_object_get (json_object_get (r, "submission"), "version")), 2);
    cr_assert_str_eq (s_sub (r, "reason"), "谈话对象登记有误");
    json_decref (r);
    //  version 1 stays readable and sealed
    out = RUN_OK ("verify v1", (char *) ML_CLIENT, "-c", (char *) ml_h_client_ini (), "report",
                  "verify", ml_h_str ("%s/v1.json", ml_h_dir ()));
    cr_assert (strstr (out.out, "sealed document of H001 2025 version 1, accepted 2026-01-19; "
                       "the store agrees"), "%s", out.out);
    //  and the reviewer decides again
    cr_assert_eq (s_review (rev, "accept", "H001", NULL, &out), 0, "%s", out.err);
    cr_assert (strstr (out.out, "accepted (version 2)"), "%s", out.out);
    ml_h_collector_stop (SIGTERM);
    out = RUN_OK ("check", (char *) ML_COLLECTOR, "-c", (char *) ml_h_collector_ini (), "check");
    ml_h_pass ();
}

static json_t *
s_unit_of (json_t *report, const char *unit)
{
    size_t i;
    json_t *u;
    json_array_foreach (json_object_get (report, "units"), i, u)
        if (strcmp (json_string_value (json_object_get (u, "unit")), unit) == 0)
            return u;
    cr_assert_fail ("no unit %s", unit);
    return NULL;
}

static const char *
s_month (json_t *unit, int m, const char *key)
{
    return json_string_value (json_object_get (json_array_get (json_object_get (unit, "months"),
                                                               (size_t) m - 1), key));
}

Test (integration, completeness_on_time_late_missing_across_year_boundary, .init = ml_h_init, .fini = ml_h_fini)
{
    setenv ("MASSLINE_TODAY", "2025-11-01", 1);
    s_roster ("H001");
    s_day ("2025-11-01");
    s_flush ("H001");
    //  October closed on time (day 5 of November, due the 10th)
    s_day ("2025-11-05");
    RUN_OK ("close", (char *) ML_AGENT, "-c", (char *) s_agent ("H001"), "close", "2025-10");
    s_flush ("H001");
    //  November closed late (due 10 December), and a November event arrives after that
    s_day ("2025-12-12");
    RUN_OK ("close", (char *) ML_AGENT, "-c", (char *) s_agent ("H001"), "close", "2025-11");
    s_flush ("H001");
    s_talk ("H001", "LATE1", "2025-11-20");
    s_flush ("H001");
    //  December closed in January, on time; January 2026 closed on 2026-02-03
    s_day ("2026-01-09");
    RUN_OK ("close", (char *) ML_AGENT, "-c", (char *) s_agent ("H001"), "close", "2025-12");
    s_flush ("H001");
    s_day ("2026-02-03");
    RUN_OK ("close", (char *) ML_AGENT, "-c", (char *) s_agent ("H001"), "close", "2026-01");
    s_flush ("H001");
    //  closing a month again changes nothing (the same event)
    ml_h_out_t out;
    ml_h_run (&out, T, ML_AGENT, "-c", s_agent ("H001"), "close", "2026-01", NULL);
    cr_assert (strstr (out.err, "already recorded"), "%s", out.err);

    const char *args[] = { "report", "completeness", "--year", "2025", NULL };
    json_t *r = s_json (ml_h_client_ini (), args);
    cr_assert_str_eq (json_string_value (json_object_get (r, "report")), "completeness");
    cr_assert_eq (json_integer_value (json_object_get (r, "due_day")), 10);
    json_t *h1 = s_unit_of (r, "H001");
    cr_assert_str_eq (s_month (h1, 9, "status"), "missing");
    cr_assert_str_eq (s_month (h1, 10, "status"), "on_time");
    cr_assert_str_eq (s_month (h1, 10, "closed"), "2025-11-05");
    cr_assert_str_eq (s_month (h1, 11, "status"), "late");
    cr_assert_eq (json_integer_value (json_object_get (json_array_get (
                  json_object_get (h1, "months"), 10), "late_additions")), 1);
    cr_assert_str_eq (s_month (h1, 12, "status"), "on_time");
    cr_assert_str_eq (s_month (h1, 12, "closed"), "2026-01-09");
    //  12 months due, 3 closed, 2 of them on time
    cr_assert_float_eq (json_real_value (json_object_get (h1, "reporting_rate")), 0.25, 1e-9);
    cr_assert_float_eq (json_real_value (json_object_get (h1, "timeliness_rate")), 0.1667, 1e-9);
    json_t *h2 = s_unit_of (r, "H002");
    cr_assert (json_is_true (json_object_get (h2, "no_data")));
    cr_assert_float_eq (json_real_value (json_object_get (h2, "reporting_rate")), 0.0, 1e-9);
    json_decref (r);

    const char *args26[] = { "report", "completeness", "--year", "2026", NULL };
    r = s_json (ml_h_client_ini (), args26);
    h1 = s_unit_of (r, "H001");
    cr_assert_str_eq (s_month (h1, 1, "status"), "on_time");
    cr_assert_str_eq (s_month (h1, 2, "status"), "not_due");
    cr_assert_float_eq (json_real_value (json_object_get (h1, "reporting_rate")), 1.0, 1e-9);
    json_decref (r);
    //  text and csv render it
    out = RUN_OK ("text", (char *) ML_CLIENT, "-c", (char *) ml_h_client_ini (), "report",
                  "completeness", "--year", "2025", "--format", "text");
    cr_assert (strstr (out.out, "H001") && strstr (out.out, "迟"), "%s", out.out);
    out = RUN_OK ("csv", (char *) ML_CLIENT, "-c", (char *) ml_h_client_ini (), "report",
                  "completeness", "--year", "2025", "--format", "csv");
    cr_assert (strstr (out.out, "H001,") && strstr (out.out, ",2025-11,late,2025-12-12,"), "%s", out.out);
    //  an agent key may not read every unit's completeness
    ml_h_pass ();
}

//  Changes one byte of the value of the first event of UNIT in the collector's LMDB.
static void
s_alter_event (const char *unit)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur;
    MDB_val k, v;
    cr_assert_eq (mdb_env_create (&env), 0);
    mdb_env_set_maxdbs (env, 64);
    mdb_env_set_mapsize (env, (size_t) 4096 << 20);
    cr_assert_eq (mdb_env_open (env, ml_h_str ("%s/data", ml_h_bureau ()), 0, 0600), 0);
    cr_assert_eq (mdb_txn_begin (env, NULL, 0, &txn), 0);
    cr_assert_eq (mdb_dbi_open (txn, "events", 0, &dbi), 0);
    cr_assert_eq (mdb_cursor_open (txn, dbi, &cur), 0);
    MDB_val want = { strlen (unit) + 1, (void *) unit };
    k = want;
    cr_assert_eq (mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE), 0);
    cr_assert (memcmp (k.mv_data, unit, strlen (unit) + 1) == 0);
    uint8_t *copy = malloc (v.mv_size);
    memcpy (copy, v.mv_data, v.mv_size);
    copy[v.mv_size - 1] ^= 0x01;            //  a letter of the last field flips
    MDB_val nv = { v.mv_size, copy };
    cr_assert_eq (mdb_put (txn, dbi, &k, &nv, 0), 0);
    mdb_cursor_close (cur);
    cr_assert_eq (mdb_txn_commit (txn), 0);
    mdb_env_close (env);
    free (copy);
}

Test (integration, sealed_document_verified_and_tampering_found, .init = ml_h_init, .fini = ml_h_fini)
{
    const char *rev = s_reviewer ();
    setenv ("MASSLINE_TODAY", "2025-06-15", 1);
    s_roster ("H001");
    s_talk ("H001", "T1", "2025-03-02");
    s_day ("2026-01-15");
    s_flush ("H001");
    s_submit ();
    ml_h_out_t out;
    cr_assert_eq (s_review (rev, "accept", "H001", NULL, &out), 0, "%s", out.err);
    const char *html = ml_h_str ("%s/H001-2025.html", ml_h_dir ());
    const char *text = ml_h_str ("%s/H001-2025.txt", ml_h_dir ());
    RUN_OK ("html", (char *) ML_CLIENT, "-c", (char *) ml_h_client_ini (), "report", "unit-annual",
            "--unit", "H001", "--year", "2025", "-o", (char *) html);
    RUN_OK ("text", (char *) ML_CLIENT, "-c", (char *) ml_h_client_ini (), "report", "unit-annual",
            "--unit", "H001", "--year", "2025", "-o", (char *) text);
    out = RUN_OK ("verify", (char *) ML_CLIENT, "-c", (char *) ml_h_client_ini (), "report", "verify",
                  (char *) html);
    cr_assert (strstr (out.out, "sealed document of H001 2025 version 1, accepted 2026-01-15; "
                       "the store agrees"), "%s", out.out);
    //  the reviewer and the unit's... the reviewer may verify too
    out = RUN_OK ("verify", (char *) ML_CLIENT, "-c", (char *) rev, "report", "verify", (char *) text);
    cr_assert (strstr (out.out, "the store agrees"), "%s", out.out);
    //  the official PDF: re-rendered from the frozen JSON and compared byte for byte
    const char *pdf = ml_h_str ("%s/H001-2025.pdf", ml_h_dir ());
    RUN_OK ("pdf", (char *) ML_CLIENT, "-c", (char *) ml_h_client_ini (), "report", "unit-annual",
            "--unit", "H001", "--year", "2025", "-o", (char *) pdf);
    out = RUN_OK ("verify pdf", (char *) ML_CLIENT, "-c", (char *) ml_h_client_ini (), "report",
                  "verify", (char *) pdf);
    cr_assert (strstr (out.out, "the store agrees"), "%s", out.out);
    FILE *f = fopen (pdf, "r+b");
    cr_assert (f);
    fseek (f, 0, SEEK_END);
    long size = ftell (f);
    fseek (f, size / 2, SEEK_SET);
    int c = fgetc (f);
    fseek (f, size / 2, SEEK_SET);
    fputc (c ^ 0x20, f);
    fclose (f);
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", ml_h_client_ini (), "report", "verify", pdf,
                            NULL), 1);
    cr_assert (strstr (out.out, "the file differs from the sealed document"), "%s", out.out);
    //  --live is the current data, not the document
    out = RUN_OK ("live", (char *) ML_CLIENT, "-c", (char *) ml_h_client_ini (), "report",
                  "unit-annual", "--unit", "H001", "--year", "2025", "--live", "--format", "json");
    cr_assert (!strstr (out.out, "\"document\""), "%s", out.out);

    //  one byte changed in the file
    char *body = ml_h_read (html);
    char *at = strstr (body, "P001");
    cr_assert (at);
    at[3] = '2';
    const char *bad = ml_h_str ("%s/tampered.html", ml_h_dir ());
    ml_h_write (bad, body);
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", ml_h_client_ini (), "report", "verify", bad,
                            NULL), 1);
    cr_assert (strstr (out.out, "the file differs from the sealed document: first at byte "), "%s", out.out);
    cr_assert (!strstr (out.out, "the store agrees"), "%s", out.out);

    //  an event behind it altered in LMDB: verify says the store no longer agrees; check names it
    ml_h_collector_stop (SIGTERM);
    s_alter_event ("H001");
    cr_assert_eq (ml_h_run (&out, T, ML_COLLECTOR, "-c", ml_h_collector_ini (), "check", NULL), 1);
    cr_assert (strstr (out.out, "chain H001: stored head"), "%s\n%s", out.out, out.err);
    ml_h_collector_start ();
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", ml_h_client_ini (), "report", "verify", html,
                            NULL), 1);
    cr_assert (strstr (out.out, "the store no longer agrees: the chain of H001 over its first"),
               "%s", out.out);
    ml_h_pass ();
}
