/* test_store_ingest.c -- applying a batch exactly once (ml_store_ingest.c): seqs, duplicates and
   gaps, refs and their conflicts, corrections and voids, the roster, and rejects kept with their
   reason. */
#include <criterion/criterion.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_test_store.h"

TestSuite (store_ingest, .init = t_store_setup, .fini = t_store_teardown);

Test (store_ingest, apply_batch_and_read_back_counts)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, T_TALK ("T1", "2026-03-01", "王芳"));
    t_batch_add (&b, 3, T_TALK ("T2", "2026-03-02", "李娜"));
    t_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.stored, 3, "the person applied earlier in the batch counts for the talks");
    cr_assert_eq (res.nrejects, 0);
    cr_assert_eq (res.through_seq, 3);
    cr_assert_eq (res.first_new, 1);
    cr_assert_eq (res.last_new, 3);
    cr_assert_eq (t_unit_counts ("H001").events, 3);
    cr_assert_eq (t_unit_counts ("H001").rejected, 0);
    cr_assert_eq (t_unit_counts ("H002").events, 0);
    ml_agent_state_t st = t_agent_state ("A1");
    cr_assert_eq (st.hwm, 3);
    cr_assert_eq (st.last_seen, 1700000000);
    cr_assert_str_eq (st.unit, "H001");
    t_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store_ingest, duplicate_seq_is_not_applied_twice)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, T_TALK ("T1", "2026-03-01", "王芳"));
    t_apply ("A1", "H001", &b, &res);
    t_apply ("A1", "H001", &b, &res);          //  the agent resends after a lost ack
    cr_assert_eq (res.stored, 0);
    cr_assert_eq (res.duplicates, 2);
    cr_assert_eq (res.through_seq, 2);
    cr_assert_eq (t_unit_counts ("H001").events, 2);
    t_batch_free (&b);

    //  A batch overlapping the hwm: only the new seqs are applied.
    t_batch_add (&b, 2, T_TALK ("T1", "2026-03-01", "王芳"));
    t_batch_add (&b, 3, T_TALK ("T3", "2026-03-03", "刘洋"));
    t_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.stored, 1);
    cr_assert_eq (res.duplicates, 1);
    cr_assert_eq (res.first_new, 3);
    cr_assert_eq (t_unit_counts ("H001").events, 3);
    cr_assert_eq (t_agent_state ("A1").hwm, 3);
    cr_assert_eq (t_entries ("events"), 3);
    t_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store_ingest, sequence_gap_refuses_the_whole_batch)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_apply ("A1", "H001", &b, &res);
    t_batch_free (&b);
    t_batch_add (&b, 4, T_TALK ("T1", "2026-03-01", "王芳"));
    int code;
    char err[256];
    ml_store_txn_t *txn = ml_store_begin (t_store (), true, &code);
    int rc = ml_store_apply_batch (txn, "A1", "H001", b.env, b.n, t_store_today (), 1, &res, err, sizeof err);
    cr_assert_eq (rc, ML_EPROTO);
    cr_assert_str_eq (err, "expected seq 2, got 4");
    cr_assert_eq (ml_store_commit (&txn), 0, "a refused batch leaves the transaction usable");
    cr_assert_eq (t_agent_state ("A1").hwm, 1);
    cr_assert_eq (t_unit_counts ("H001").events, 1);
    t_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store_ingest, same_ref_same_content_is_a_duplicate_different_content_a_conflict)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, T_TALK ("T1", "2026-03-01", "王芳"));
    t_batch_add (&b, 3, T_TALK ("T1", "2026-03-01", "王芳"));   //  re-imported row
    t_batch_add (&b, 4, T_TALK ("T1", "2026-03-02", "李娜"));   //  same ref, other content
    t_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.stored, 2);
    cr_assert_eq (res.duplicates, 1);
    cr_assert_eq (res.nrejects, 1);
    cr_assert_eq (res.rejects[0].seq, 4);
    cr_assert_str_eq (res.rejects[0].code, "ref_conflict");
    cr_assert_str_eq (res.rejects[0].ref, "T1");
    cr_assert_str_eq (res.rejects[0].reason,
                      "ref T1 already holds a different event; send a correction to change it");
    cr_assert_eq (res.through_seq, 4);
    cr_assert_eq (t_unit_counts ("H001").events, 2);
    cr_assert_eq (t_unit_counts ("H001").rejected, 1);
    cr_assert_eq (t_agent_state ("A1").hwm, 4, "duplicates and rejects move the hwm too");
    t_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store_ingest, correction_supersedes_and_keeps_history)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, T_TALK ("T1", "2026-03-01", "王芳"));
    t_batch_add (&b, 3, "{'kind':'correction','ref':'C1','supersedes':'T1','event':" T_TALK ("T1", "2026-03-01", "李娜") "}");
    t_batch_add (&b, 4, "{'kind':'correction','ref':'C2','supersedes':'T1','event':" T_TALK ("T1", "2026-03-01", "刘洋") "}");
    //  Not allowed: correcting a correction's own ref, an unknown ref, or with another kind.
    t_batch_add (&b, 5, "{'kind':'correction','ref':'C3','supersedes':'C1','event':" T_TALK ("T1", "2026-03-01", "陈静") "}");
    t_batch_add (&b, 6, "{'kind':'correction','ref':'C4','supersedes':'NOPE','event':" T_TALK ("T9", "2026-03-01", "陈静") "}");
    t_batch_add (&b, 7, "{'kind':'correction','ref':'C5','supersedes':'T1','event':" T_PERSON ("P2") "}");
    t_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.stored, 4);
    cr_assert_eq (res.nrejects, 3);
    cr_assert_str_eq (res.rejects[0].code, "bad_correction");
    cr_assert_str_eq (res.rejects[0].reason, "ref C1 is itself a correction or void; supersede the original ref");
    cr_assert_str_eq (res.rejects[1].reason, "correction of unknown ref NOPE in unit H001");
    cr_assert_str_eq (res.rejects[2].reason, "ref T1 is a talk event, the correction holds a person event");
    t_batch_free (&b);

    //  History: every version is still in events; the index points at the last correction.
    cr_assert_eq (t_entries ("events"), 4);
    t_store_close ();
    t_raw_t raw = t_raw_open ("refs", false);
    MDB_val k = { 7, "H001\0T1" }, v;
    cr_assert_eq (mdb_get (raw.txn, raw.dbi, &k, &v), 0);
    const uint8_t want[] = { 'H', '0', '0', '1', 0, 'A', '1', 0, 0, 0, 0, 0, 0, 0, 0, 4 };
    cr_assert_eq (v.mv_size, 34 + sizeof want);
    cr_assert_eq (memcmp ((uint8_t *) v.mv_data + 34, want, sizeof want), 0, "T1 points at seq 4");
    t_raw_close (&raw, false);
    t_store_open (64);

    ml_check_stats_t stats;
    cr_assert_eq (t_check (&stats), 0, "%s", t_check_lines ());
    ml_batch_result_free (&res);
}

Test (store_ingest, corrected_person_changes_the_roster)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    //  The person record R-P1 is corrected to describe P2: P1 leaves the roster, P2 joins.
    t_batch_add (&b, 2, "{'kind':'correction','ref':'C1','supersedes':'R-P1','event':" T_PERSON ("P2") "}");
    t_batch_add (&b, 3, T_TALK ("T1", "2026-03-01", "王芳"));
    t_batch_add (&b, 4, "{'kind':'talk','ref':'T2','date':'2026-03-01','person':'P2','with':'王芳','with_category':'masses'}");
    t_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.stored, 3);
    cr_assert_eq (res.nrejects, 1);
    cr_assert_eq (res.rejects[0].seq, 3);
    cr_assert_str_eq (res.rejects[0].reason, "field 'person': unknown person 'P1'");
    ml_check_stats_t stats;
    cr_assert_eq (t_check (&stats), 0, "%s", t_check_lines ());
    t_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store_ingest, void_marks_the_ref_voided)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, T_TALK ("T1", "2026-03-01", "王芳"));
    t_batch_add (&b, 3, "{'kind':'void','ref':'V1','supersedes':'T1','reason':'entered twice'}");
    t_batch_add (&b, 4, "{'kind':'void','ref':'V2','supersedes':'T1','reason':'again'}");
    t_batch_add (&b, 5, "{'kind':'correction','ref':'C1','supersedes':'T1','event':" T_TALK ("T1", "2026-03-01", "李娜") "}");
    //  Voiding the person takes P1 off the roster.
    t_batch_add (&b, 6, "{'kind':'void','ref':'V3','supersedes':'R-P1','reason':'left'}");
    t_batch_add (&b, 7, T_TALK ("T2", "2026-03-01", "王芳"));
    t_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.stored, 4);
    cr_assert_eq (res.nrejects, 3);
    cr_assert_str_eq (res.rejects[0].code, "bad_void");
    cr_assert_str_eq (res.rejects[0].reason, "ref T1 is voided");
    cr_assert_str_eq (res.rejects[1].code, "bad_correction");
    cr_assert_str_eq (res.rejects[1].reason, "ref T1 is voided");
    cr_assert_eq (res.rejects[2].seq, 7);
    cr_assert_str_eq (res.rejects[2].reason, "field 'person': unknown person 'P1'");

    t_store_close ();
    t_raw_t raw = t_raw_open ("refs", false);
    MDB_val k = { 7, "H001\0T1" }, v;
    cr_assert_eq (mdb_get (raw.txn, raw.dbi, &k, &v), 0);
    cr_assert (*(uint8_t *) v.mv_data & 0x04, "T1 is flagged voided");
    t_raw_close (&raw, false);
    t_store_open (64);
    ml_check_stats_t stats;
    cr_assert_eq (t_check (&stats), 0, "%s", t_check_lines ());
    t_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store_ingest, invalid_event_is_stored_as_a_reject_with_its_reason)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, T_TALK ("T1", "2026-12-01", "王芳"));          //  after today
    t_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.stored, 1);
    cr_assert_eq (res.nrejects, 1);
    cr_assert_eq (res.rejects[0].seq, 2);
    cr_assert_str_eq (res.rejects[0].code, "invalid");
    cr_assert_str_eq (res.rejects[0].ref, "T1");
    cr_assert (strstr (res.rejects[0].reason, "field 'date'"), "reason: %s", res.rejects[0].reason);
    cr_assert_eq (t_unit_counts ("H001").rejected, 1);
    cr_assert_eq (t_entries ("rejects"), 1);
    cr_assert_eq (t_entries ("events"), 1);
    t_batch_free (&b);

    //  Bytes that are no event at all are rejected too, not dropped.
    b.env[0] = (ml_envelope_t) { 3, (const uint8_t *) "\xff\xff\xff", 3 };
    b.n = 1;
    t_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.nrejects, 1);
    cr_assert_str_eq (res.rejects[0].code, "invalid");
    cr_assert_eq (t_unit_counts ("H001").rejected, 2);
    ml_batch_result_free (&res);
}

Test (store_ingest, unknown_person_is_rejected_then_accepted_after_the_person_event)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_TALK ("T1", "2026-03-01", "王芳"));
    t_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.nrejects, 1);
    cr_assert_str_eq (res.rejects[0].reason, "field 'person': unknown person 'P1'");
    t_batch_free (&b);

    //  The operator adds the person and sends the same row again (same ref: it was never indexed).
    t_batch_add (&b, 2, T_PERSON ("P1"));
    t_batch_add (&b, 3, T_TALK ("T1", "2026-03-01", "王芳"));
    t_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.stored, 2);
    cr_assert_eq (res.nrejects, 0);
    cr_assert_eq (t_unit_counts ("H001").events, 2);
    cr_assert_eq (t_unit_counts ("H001").rejected, 1);
    t_batch_free (&b);

    //  The roster is per unit: H002 does not know P1.
    t_batch_add (&b, 1, T_TALK ("T1", "2026-03-01", "王芳"));
    t_apply ("A2", "H002", &b, &res);
    cr_assert_eq (res.nrejects, 1);
    t_batch_free (&b);
    ml_batch_result_free (&res);
}
