/* test_store_check.c -- ml_store_check (ml_store_check.c): a good store passes; a corrupted
   counter, aggregate, ref index entry, high-water mark or case is each named. */
#include <criterion/criterion.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_store_source.h"
#include "ml_test_store.h"

TestSuite (store_check, .init = t_store_setup, .fini = t_store_teardown);

Test (store_check, check_passes_on_a_good_store_and_names_a_corrupted_counter)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, T_TALK ("T1", "2026-03-01", "王芳"));
    t_batch_add (&b, 3, T_TALK ("T2", "2027-03-01", "王芳"));          //  reject
    t_batch_add (&b, 4, "{'kind':'correction','ref':'C1','supersedes':'T1','event':" T_TALK ("T1", "2026-03-01", "李娜") "}");
    t_apply ("A1", "H001", &b, &res);
    t_batch_free (&b);
    t_batch_add (&b, 1, "{'kind':'org','ref':'O1','org':'B1','name':'第一支部'}");
    t_apply ("A2", "H002", &b, &res);
    t_batch_free (&b);

    ml_check_stats_t stats;
    cr_assert_eq (t_check (&stats), 0, "%s", t_check_lines ());
    cr_assert_eq (stats.events, 4);
    cr_assert_eq (stats.rejects, 1);
    cr_assert_eq (stats.units, 2);
    cr_assert_eq (stats.agents, 2);
    cr_assert_eq (stats.mismatches, 0);

    //  Corrupt the events counter of H001 (stored 3) to 10.
    t_store_close ();
    t_raw_t raw = t_raw_open ("units", true);
    uint8_t val[16] = { 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 1 };
    MDB_val k = { 4, "H001" }, v = { 16, val };
    cr_assert_eq (mdb_put (raw.txn, raw.dbi, &k, &v, 0), 0);
    t_raw_close (&raw, true);
    t_store_open (64);
    cr_assert_eq (t_check (&stats), ML_ECONFLICT);
    cr_assert_eq (stats.mismatches, 1);
    cr_assert_str_eq (t_check_lines (), "unit H001: stored events=10 but the log has 3\n");

    //  Drop a ref from the index and lower a high-water mark: each is named.
    t_store_close ();
    raw = t_raw_open ("refs", true);
    MDB_val rk = { 7, "H002\0O1" };
    cr_assert_eq (mdb_del (raw.txn, raw.dbi, &rk, NULL), 0);
    MDB_dbi agents;
    cr_assert_eq (mdb_dbi_open (raw.txn, "agents", 0, &agents), 0);
    MDB_val ak = { 2, "A1" }, av;
    cr_assert_eq (mdb_get (raw.txn, agents, &ak, &av), 0);
    uint8_t agent[64];
    memcpy (agent, av.mv_data, av.mv_size);
    agent[7] = 2;                                               //  hwm 4 -> 2
    av.mv_data = agent;
    cr_assert_eq (mdb_put (raw.txn, agents, &ak, &av, 0), 0);
    t_raw_close (&raw, true);
    t_store_open (64);
    cr_assert_eq (t_check (&stats), ML_ECONFLICT);
    cr_assert_eq (stats.mismatches, 3, "%s", t_check_lines ());
    cr_assert (strstr (t_check_lines (), "agent A1: high-water mark 2 but seq 4 is stored\n"), "%s", t_check_lines ());
    cr_assert (strstr (t_check_lines (), "ref H002/O1: missing from the index (the log has it at H002/A2/1)\n"), "%s", t_check_lines ());
    ml_batch_result_free (&res);
}

Test (store_check, check_names_a_corrupted_aggregate_and_a_missing_case)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, T_TRIP ("RT1", "2025-11-03", "2025-11-05"));
    t_batch_add (&b, 3, T_PETITION ("PC1", "2025-04-01", "XF1"));
    t_apply ("A1", "H001", &b, &res);
    t_batch_free (&b);
    ml_check_stats_t stats;
    cr_assert_eq (t_check (&stats), 0, "%s", t_check_lines ());

    //  research_days of P1 in November 2025: stored 3, made 54.
    uint8_t key[ML_AGG_KEY_MAX], val[8];
    ml_delta_t d = { .year = 2025, .month = 11, .metric = ML_METRIC_RESEARCH_DAYS, .person = "P1" };
    size_t klen = ml_agg_key ("H001", &d, key);
    t_store_close ();
    t_raw_t raw = t_raw_open ("agg", true);
    MDB_val k = { klen, key }, v;
    cr_assert_eq (mdb_get (raw.txn, raw.dbi, &k, &v), 0, "no counter under the documented key");
    cr_assert_eq (ml_agg_value_unpack (v.mv_data), 3);
    ml_agg_value_pack (54, val);
    v = (MDB_val) { 8, val };
    cr_assert_eq (mdb_put (raw.txn, raw.dbi, &k, &v, 0), 0);
    t_raw_close (&raw, true);
    t_store_open (64);
    cr_assert_eq (t_check (&stats), ML_ECONFLICT);
    cr_assert_eq (stats.mismatches, 1, "%s", t_check_lines ());
    cr_assert_str_eq (t_check_lines (), "agg H001/2025/P1/research_days/11: stored 54 but the log gives 3\n");

    //  Drop the petition from cases (its copy in case_years stays): named too.
    t_store_close ();
    raw = t_raw_open ("cases", true);
    ml_case_key_t ck = { ML_CASE_PETITION, "XF1" };
    uint8_t ckey[ML_CASE_KEY_MAX];
    MDB_val cv = { ml_case_db_key ("H001", &ck, ckey), ckey };
    cr_assert_eq (mdb_del (raw.txn, raw.dbi, &cv, NULL), 0);
    t_raw_close (&raw, true);
    t_store_open (64);
    cr_assert_eq (t_check (&stats), ML_ECONFLICT);
    cr_assert_eq (stats.mismatches, 2, "%s", t_check_lines ());
    cr_assert (strstr (t_check_lines (), "case H001/petition/XF1: missing (the log has it)\n"), "%s", t_check_lines ());
    ml_batch_result_free (&res);
}
