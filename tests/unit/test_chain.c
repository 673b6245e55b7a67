/* test_chain.c -- the reporting chain in the store (ml_chain.h): the hash chain follows every
   stored event and check recomputes it; a submission makes a year submitted; an accepted year
   refuses events dated in it unless they restate it, which reopens it as the next version;
   closed months and late additions are counted at ingest. */
#include "ml_chain.h"
#include "ml_err.h"
#include "ml_test.h"
#include "ml_test_store.h"

#include <criterion/criterion.h>
#include <string.h>

TestSuite (chain, .init = t_store_setup, .fini = t_store_teardown);

#define SUBMIT(ref, year) "{'kind':'year_submission','ref':'" ref "','date':'2026-01-15','year':" \
                          year ",'filler':'P1','reviewer':'P1','approver':'P1'}"

static ml_store_txn_t *
s_txn (bool write)
{
    int rc = 0;
    ml_store_txn_t *t = ml_store_begin (t_store (), write, &rc);
    cr_assert (t, "begin: %d", rc);
    return t;
}

static ml_year_t
s_year (const char *unit, int year)
{
    ml_store_txn_t *t = s_txn (false);
    ml_year_t y;
    ml_chain_year (t, unit, year, &y);
    ml_store_abort (&t);
    return y;
}

Test (chain, head_is_the_sha256_chain_over_stored_events_in_order)
{
    t_batch_t b = { .n = 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, T_TALK ("T1", "2025-03-01", "a"));
    t_batch_add (&b, 3, T_TALK ("T1", "2025-03-01", "a"));    //  a duplicate: not stored, not chained
    ml_batch_result_t res = { 0 };
    t_apply ("H001", "H001", &b, &res);
    uint8_t want[32] = { 0 };
    ml_chain_step (want, b.env[0].data, b.env[0].len, want);
    ml_chain_step (want, b.env[1].data, b.env[1].len, want);
    ml_store_txn_t *t = s_txn (false);
    ml_chain_head_t h;
    cr_assert_eq (ml_chain_head (t, "H001", &h), 0);
    cr_assert_eq (h.count, 2);
    cr_assert (memcmp (h.head, want, 32) == 0);
    char why[512];
    cr_assert_eq (ml_chain_verify (t, "H001", &h, why, sizeof why), 0, "%s", why);
    ml_chain_head_t wrong = h;
    wrong.head[0] ^= 1;
    cr_assert_eq (ml_chain_verify (t, "H001", &wrong, why, sizeof why), ML_ECONFLICT);
    ml_store_abort (&t);
    ml_check_stats_t st;
    cr_assert_eq (t_check (&st), 0, "%s", t_check_lines ());
    ml_batch_result_free (&res);
    t_batch_free (&b);
}

Test (chain, accepted_year_is_locked_until_a_restatement_reopens_it_as_the_next_version)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, T_TALK ("T1", "2025-03-01", "a"));
    t_batch_add (&b, 3, SUBMIT ("S1", "2025"));
    t_batch_add (&b, 4, SUBMIT ("S2", "2025"));                //  submitted already: refused
    t_apply ("H001", "H001", &b, &res);
    cr_assert_eq (res.nrejects, 1);
    cr_assert_str_eq (res.rejects[0].code, "submitted");
    ml_year_t y = s_year ("H001", 2025);
    cr_assert_eq (y.state, ML_YEAR_SUBMITTED);
    cr_assert_eq (y.version, 1);
    cr_assert_eq (y.chain.count, 3);
    cr_assert_str_eq (y.filler, "P1");

    ml_store_txn_t *t = s_txn (true);
    char err[256];
    cr_assert_eq (ml_chain_decide (t, "H001", 2025, true, "rev1", NULL, 1768435200, &y, err,
                                   sizeof err), 0);
    cr_assert_eq (ml_chain_decide (t, "H001", 2025, true, "rev1", NULL, 1768435200, &y, err,
                                   sizeof err), ML_ECONFLICT);
    cr_assert_eq (ml_store_commit (&t), 0);

    t_batch_free (&b);
    b.n = 0;
    t_batch_add (&b, 5, T_TALK ("T2", "2025-05-01", "b"));
    t_batch_add (&b, 6, T_TALK ("T3", "2026-01-02", "b"));
    t_batch_add (&b, 7, "{'kind':'void','ref':'V1','supersedes':'T1','reason':'dup','date':'2026-01-16'}");
    t_batch_add (&b, 8, "{'kind':'void','ref':'V2','supersedes':'T1','reason':'dup','date':'2026-01-16',"
                        "'restatement_reason':'重复登记'}");
    t_apply ("H001", "H001", &b, &res);
    cr_assert_eq (res.nrejects, 2, "the 2025 talk and the plain void");
    cr_assert_str_eq (res.rejects[0].code, "locked");
    cr_assert (strstr (res.rejects[0].reason, "2025 is locked for H001 since 2026-01-15 (accepted "
                                              "by rev1); record a restatement"), "%s",
               res.rejects[0].reason);
    cr_assert_eq (res.rejects[1].seq, 7);
    y = s_year ("H001", 2025);
    cr_assert_eq (y.state, ML_YEAR_SUBMITTED);
    cr_assert_eq (y.version, 2);
    cr_assert_str_eq (y.reason, "重复登记");
    cr_assert_eq (y.transitions, 3, "submitted, accepted, restated");
    ml_batch_result_free (&res);
    t_batch_free (&b);
}

Test (chain, closed_months_and_late_additions_are_counted_at_ingest)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, "{'kind':'period_close','ref':'C1','date':'2025-04-03','month':'2025-03'}");
    t_batch_add (&b, 3, "{'kind':'period_close','ref':'C2','date':'2025-04-03','month':'2025-03'}");
    t_batch_add (&b, 4, T_TALK ("T1", "2025-03-20", "a"));
    t_batch_add (&b, 5, T_TALK ("T2", "2025-04-02", "a"));
    t_apply ("H001", "H001", &b, &res);
    cr_assert_eq (res.nrejects, 0);
    ml_store_txn_t *t = s_txn (false);
    ml_day_t closed;
    uint64_t late = 9;
    cr_assert_eq (ml_chain_period (t, "H001", 2025, 3, &closed, &late), 0);
    cr_assert_eq (closed, t_store_today (), "the collector's day of arrival");
    cr_assert_eq (late, 1);
    cr_assert_eq (ml_chain_period (t, "H001", 2025, 4, &closed, &late), ML_ENOTFOUND);
    ml_store_abort (&t);
    ml_batch_result_free (&res);
    t_batch_free (&b);
}
