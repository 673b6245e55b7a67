/* test_store.c -- the collector's LMDB store (ml_store.c): opening, transactions that commit or
   abort as a whole (several agents' batches in one), Hello's rejects and high-water mark, and a
   full map or a short write failing the transaction cleanly, with the reason. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "ml_err.h"
#include "ml_test_store.h"

TestSuite (store, .init = t_store_setup, .fini = t_store_teardown);

Test (store, hwm_and_events_commit_together)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, T_TALK ("T1", "2026-03-01", "王芳"));

    //  Aborted: neither the events nor the hwm are there.
    int code;
    char err[256];
    ml_store_txn_t *txn = ml_store_begin (t_store (), true, &code);
    cr_assert_eq (ml_store_apply_batch (txn, "A1", "H001", b.env, b.n, t_store_today (), 1, &res, err, sizeof err), 0);
    ml_store_abort (&txn);
    cr_assert_eq (t_agent_state ("A1").hwm, 0);
    cr_assert_eq (t_unit_counts ("H001").events, 0);

    //  Committed: both survive closing and reopening.
    t_apply ("A1", "H001", &b, &res);
    t_store_close ();
    t_store_open (64);
    cr_assert_eq (t_agent_state ("A1").hwm, 2);
    cr_assert_eq (t_unit_counts ("H001").events, 2);
    cr_assert_eq (t_entries ("events"), 2);
    cr_assert_eq (t_entries ("log"), 2);
    t_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store, group_of_batches_from_several_agents_in_one_transaction)
{
    t_batch_t a = { .n = 0 }, b = { .n = 0 };
    ml_batch_result_t ra = { 0 }, rb = { 0 };
    t_batch_add (&a, 1, T_PERSON ("P1"));
    t_batch_add (&a, 2, T_TALK ("T1", "2026-03-01", "王芳"));
    t_batch_add (&b, 1, T_PERSON ("P1"));
    int code;
    char err[256];
    ml_store_txn_t *txn = ml_store_begin (t_store (), true, &code);
    cr_assert_eq (ml_store_apply_batch (txn, "A1", "H001", a.env, a.n, t_store_today (), 5, &ra, err, sizeof err), 0);
    cr_assert_eq (ml_store_apply_batch (txn, "A2", "H002", b.env, b.n, t_store_today (), 5, &rb, err, sizeof err), 0);
    //  A second batch of A1 in the same transaction sees the first one's hwm.
    t_batch_free (&a);
    t_batch_add (&a, 3, T_TALK ("T2", "2026-03-01", "王芳"));
    cr_assert_eq (ml_store_apply_batch (txn, "A1", "H001", a.env, a.n, t_store_today (), 5, &ra, err, sizeof err), 0);
    cr_assert_eq (ra.stored, 1);
    cr_assert_eq (ml_store_commit (&txn), 0);
    cr_assert_eq (t_unit_counts ("H001").events, 3);
    cr_assert_eq (t_unit_counts ("H002").events, 1);
    ml_check_stats_t stats;
    cr_assert_eq (t_check (&stats), 0, "%s", t_check_lines ());
    t_batch_free (&a);
    t_batch_free (&b);
    ml_batch_result_free (&ra);
    ml_batch_result_free (&rb);
}

Test (store, rejects_are_returned_for_the_welcome_range)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, T_TALK ("T1", "2027-01-01", "王芳"));          //  reject
    t_batch_add (&b, 3, T_TALK ("T2", "2026-03-01", "王芳"));
    t_batch_add (&b, 4, T_TALK ("T3", "2026-03-01", "王芳"));
    t_batch_add (&b, 5, "{'kind':'talk','ref':'T4','date':'2026-03-01','person':'P9','with':'x','with_category':'masses'}");
    t_batch_add (&b, 6, T_TALK ("T5", "2026-03-01", "王芳"));
    t_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.nrejects, 2);
    //  Another agent's rejects never show up.
    t_batch_free (&b);
    t_batch_add (&b, 1, "{'kind':'talk','ref':'X1','date':'2026-03-01','person':'P9','with':'x','with_category':'masses'}");
    t_apply ("A9", "H001", &b, &res);
    cr_assert_eq (res.nrejects, 1);

    struct { uint64_t acked; size_t n; uint64_t first; } cases[] = {
        { 0, 2, 2 }, { 2, 1, 5 }, { 5, 0, 0 }, { 6, 0, 0 }, { 99, 0, 0 }
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int code;
        ml_store_txn_t *txn = ml_store_begin (t_store (), true, &code);
        uint64_t hwm;
        ml_reject_t *rejects;
        size_t n;
        cr_assert_eq (ml_store_hello (txn, "A1", "H001", cases[c].acked, 1800000000, &hwm, &rejects, &n), 0);
        cr_assert_eq (ml_store_commit (&txn), 0);
        cr_assert_eq (hwm, 6);
        cr_assert_eq (n, cases[c].n, "acked %lu: %zu rejects", (unsigned long) cases[c].acked, n);
        if (n) {
            cr_assert_eq (rejects[0].seq, cases[c].first);
            cr_assert_str_eq (rejects[0].code, "invalid");
            cr_assert_str_neq (rejects[0].reason, "");
        }
        if (n == 2) {
            cr_assert_str_eq (rejects[1].ref, "T4");
            cr_assert_str_eq (rejects[1].reason, "field 'person': unknown person 'P9'");
        }
        free (rejects);
    }
    cr_assert_eq (t_agent_state ("A1").last_seen, 1800000000, "Hello notes the agent as seen");
    t_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store, full_map_fails_the_transaction_and_keeps_the_store_consistent)
{
    t_store_close ();
    t_store_open (1);                                                 //  a 1 MB map
    ml_batch_result_t res = { 0 };
    t_batch_t b = { .n = 0 };
    char note[1900];
    memset (note, 'x', sizeof note - 1);
    note[sizeof note - 1] = 0;
    char text[2400];
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_apply ("A1", "H001", &b, &res);
    t_batch_free (&b);
    uint64_t seq = 2;
    int rc = 0;
    for (int round = 0; round < 100 && rc == 0; round++) {
        for (int i = 0; i < 32; i++, seq++) {
            snprintf (text, sizeof text, "{'kind':'talk','ref':'T%lu','date':'2026-03-01','person':'P1',"
                      "'with':'x','with_category':'masses','note':'%s'}", (unsigned long) seq, note);
            t_batch_add (&b, seq, text);
        }
        int code;
        char err[256];
        ml_store_txn_t *txn = ml_store_begin (t_store (), true, &code);
        rc = ml_store_apply_batch (txn, "A1", "H001", b.env, b.n, t_store_today (), 1, &res, err, sizeof err);
        int crc = ml_store_commit (&txn);
        rc = rc ? rc : crc;
        if (rc)
            seq -= 32;                                          //  not applied
        t_batch_free (&b);
    }
    cr_assert_eq (rc, ML_EFULL, "a 1 MB map fills up: %s", ml_strerror (rc));
    cr_assert (strstr (ml_store_error (t_store ()), "MDB_MAP_FULL"), "the store says why: '%s'",
               ml_store_error (t_store ()));
    cr_assert_eq (t_agent_state ("A1").hwm, seq - 1, "the refused batch did not move the hwm");
    cr_assert_eq (t_unit_counts ("H001").events, seq - 1);
    ml_check_stats_t stats;
    cr_assert_eq (t_check (&stats), 0, "%s", t_check_lines ());
    ml_batch_result_free (&res);
}

//  A commit that crosses the file size limit comes up short (LMDB says only EIO): the store fails
//  the transaction as storage full and says why, as the agent's outbox does. (Criterion runs each
//  test in a process of its own, so the limit stays here.)
Test (store, a_short_write_is_explained)
{
    ml_batch_result_t res = { 0 };
    t_batch_t b = { .n = 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_apply ("A1", "H001", &b, &res);
    t_batch_free (&b);
    char note[1900], text[2400];
    memset (note, 'x', sizeof note - 1);
    note[sizeof note - 1] = 0;
    for (uint64_t seq = 2; seq < 34; seq++) {
        snprintf (text, sizeof text, "{'kind':'talk','ref':'T%lu','date':'2026-03-01','person':'P1',"
                  "'with':'x','with_category':'masses','note':'%s'}", (unsigned long) seq, note);
        t_batch_add (&b, seq, text);
    }
    const char *path = t_path ("data.mdb");
    struct stat st;
    cr_assert_eq (stat (path, &st), 0);
    struct rlimit rl;
    cr_assert_eq (getrlimit (RLIMIT_FSIZE, &rl), 0);
    rl.rlim_cur = (rlim_t) st.st_size + 4096;
    cr_assert (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= rl.rlim_cur);
    signal (SIGXFSZ, SIG_IGN);
    cr_assert_eq (setrlimit (RLIMIT_FSIZE, &rl), 0);

    int code;
    char err[256];
    ml_store_txn_t *txn = ml_store_begin (t_store (), true, &code);
    cr_assert_not_null (txn);
    int rc = ml_store_apply_batch (txn, "A1", "H001", b.env, b.n, t_store_today (), 1, &res, err, sizeof err);
    cr_assert_eq (rc, 0, "apply: %s %s", ml_strerror (rc), err);
    rc = ml_store_commit (&txn);
    cr_assert_eq (rc, ML_EFULL, "the file size limit is storage full: %s (%s)", ml_strerror (rc),
                  ml_store_error (t_store ()));
    char want[160];
    snprintf (want, sizeof want, "mdb_txn_commit: short write: File too large: data.mdb reached "
              "the file size limit of %llu bytes", (unsigned long long) rl.rlim_cur);
    cr_assert_str_eq (ml_store_error (t_store ()), want);
    t_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store, readonly_open_of_a_missing_store_fails_with_a_reason)
{
    char err[256];
    ml_store_t *ro = ml_store_open ("/nonexistent/massline", 64, true, err, sizeof err);
    cr_assert_null (ro);
    cr_assert (strstr (err, "/nonexistent/massline"), "%s", err);
}
