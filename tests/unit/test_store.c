/* test_store.c -- the collector's LMDB store: exactly-once apply, refs, corrections, rejects, check. */
#include <criterion/criterion.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ml_err.h"
#include "ml_event.h"
#include "ml_store.h"

//  ---------------------------------------------------------------------------
//  Fixture: a fresh store in a temp dir; today is 2026-11-26.

static char s_dir[64];
static ml_store_t *s_store;
static ml_day_t s_today;

static void
s_rm_rf (const char *dir)
{
    char cmd[256];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq (system (cmd), 0);
}

static void
s_open (long map_mb)
{
    char err[256];
    s_store = ml_store_open (s_dir, map_mb, false, err, sizeof err);
    cr_assert_not_null (s_store, "open: %s", err);
}

static void
s_setup (void)
{
    snprintf (s_dir, sizeof s_dir, "/tmp/test_store-XXXXXX");
    cr_assert_not_null (mkdtemp (s_dir));
    ml_date_parse ("2026-11-26", &s_today);
    s_open (64);
}

static void
s_teardown (void)
{
    ml_store_close (&s_store);
    s_rm_rf (s_dir);
}

TestSuite (store, .init = s_setup, .fini = s_teardown);

//  ---------------------------------------------------------------------------
//  Helpers

//  A batch under construction: packed events and their seqs.
typedef struct {
    ml_envelope_t env[64];
    size_t n;
} s_batch_t;

//  Adds the event in JSON (with ' for ") at SEQ.
static void
s_add (s_batch_t *b, uint64_t seq, const char *text)
{
    char *json = strdup (text);
    for (char *p = json; *p; p++)
        if (*p == '\'')
            *p = '"';
    ml_verr_t verr;
    char why[512];
    Massline__Event *ev = ml_event_from_jsonl (json, strlen (json), &verr);
    cr_assert_not_null (ev, "%s: %s", json, ml_verr_text (&verr, why, sizeof why));
    size_t len;
    uint8_t *data = ml_event_pack (ev, &len);
    ml_event_free (&ev);
    free (json);
    b->env[b->n++] = (ml_envelope_t) { seq, data, len };
}

static void
s_batch_free (s_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++)
        free ((void *) b->env[i].data);
    b->n = 0;
}

//  Applies B for AGENT of UNIT in one transaction and commits; asserts success.
static void
s_apply (const char *agent, const char *unit, s_batch_t *b, ml_batch_result_t *res)
{
    int code = 0;
    char err[256] = "";
    ml_store_txn_t *txn = ml_store_begin (s_store, true, &code);
    cr_assert_not_null (txn, "begin: %s", ml_strerror (code));
    int rc = ml_store_apply_batch (txn, agent, unit, b->env, b->n, s_today, 1700000000, res, err, sizeof err);
    cr_assert_eq (rc, 0, "apply: %s %s", ml_strerror (rc), err);
    cr_assert_eq (ml_store_commit (&txn), 0);
    cr_assert_null (txn);
}

static ml_unit_counts_t
s_unit (const char *unit)
{
    int code;
    ml_unit_counts_t counts;
    ml_store_txn_t *txn = ml_store_begin (s_store, false, &code);
    cr_assert_not_null (txn);
    cr_assert_eq (ml_store_unit (txn, unit, &counts), 0);
    ml_store_abort (&txn);
    return counts;
}

static ml_agent_state_t
s_agent (const char *agent)
{
    int code;
    ml_agent_state_t st;
    ml_store_txn_t *txn = ml_store_begin (s_store, false, &code);
    cr_assert_not_null (txn);
    ml_store_agent (txn, agent, &st);
    ml_store_abort (&txn);
    return st;
}

//  Collected mismatch lines of a check.
static char s_lines[4096];

static void
s_collect (void *arg, const char *line)
{
    (void) arg;
    strncat (s_lines, line, sizeof s_lines - strlen (s_lines) - 2);
    strcat (s_lines, "\n");
}

static int
s_check (ml_check_stats_t *stats)
{
    char err[256] = "";
    s_lines[0] = 0;
    int rc = ml_store_check (s_store, NULL, s_collect, NULL, stats, err, sizeof err);
    cr_assert (rc == 0 || rc == ML_ECONFLICT, "check could not run: %s", err);
    return rc;
}

//  Opens the store's LMDB directly (the store must be closed) and runs DB's cursor to KEY.
typedef struct {
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
} s_raw_t;

static s_raw_t
s_raw_open (const char *db, bool write)
{
    s_raw_t raw;
    cr_assert_eq (mdb_env_create (&raw.env), 0);
    mdb_env_set_maxdbs (raw.env, 32);
    cr_assert_eq (mdb_env_open (raw.env, s_dir, write ? 0 : MDB_RDONLY, 0600), 0);
    cr_assert_eq (mdb_txn_begin (raw.env, NULL, write ? 0 : MDB_RDONLY, &raw.txn), 0);
    cr_assert_eq (mdb_dbi_open (raw.txn, db, 0, &raw.dbi), 0, "no db %s", db);
    return raw;
}

static void
s_raw_close (s_raw_t *raw, bool commit)
{
    if (commit)
        cr_assert_eq (mdb_txn_commit (raw->txn), 0);
    else
        mdb_txn_abort (raw->txn);
    mdb_env_close (raw->env);
}

static size_t
s_entries (const char *db)
{
    ml_store_close (&s_store);
    s_raw_t raw = s_raw_open (db, false);
    MDB_stat st;
    mdb_stat (raw.txn, raw.dbi, &st);
    s_raw_close (&raw, false);
    s_open (64);
    return st.ms_entries;
}

#define PERSON(id) "{'kind':'person','ref':'R-" id "','person':'" id "','name':'张伟'," \
                   "'roles':[{'role':'leader','from':'2025-01-01'}]}"
#define TALK(ref, date, with) "{'kind':'talk','ref':'" ref "','date':'" date "','person':'P1'," \
                              "'with':'" with "','with_category':'masses'}"

//  ---------------------------------------------------------------------------

Test (store, apply_batch_and_read_back_counts)
{
    s_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    s_add (&b, 1, PERSON ("P1"));
    s_add (&b, 2, TALK ("T1", "2026-03-01", "王芳"));
    s_add (&b, 3, TALK ("T2", "2026-03-02", "李娜"));
    s_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.stored, 3, "the person applied earlier in the batch counts for the talks");
    cr_assert_eq (res.nrejects, 0);
    cr_assert_eq (res.through_seq, 3);
    cr_assert_eq (res.first_new, 1);
    cr_assert_eq (res.last_new, 3);
    cr_assert_eq (s_unit ("H001").events, 3);
    cr_assert_eq (s_unit ("H001").rejected, 0);
    cr_assert_eq (s_unit ("H002").events, 0);
    ml_agent_state_t st = s_agent ("A1");
    cr_assert_eq (st.hwm, 3);
    cr_assert_eq (st.last_seen, 1700000000);
    cr_assert_str_eq (st.unit, "H001");
    s_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store, duplicate_seq_is_not_applied_twice)
{
    s_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    s_add (&b, 1, PERSON ("P1"));
    s_add (&b, 2, TALK ("T1", "2026-03-01", "王芳"));
    s_apply ("A1", "H001", &b, &res);
    s_apply ("A1", "H001", &b, &res);          //  the agent resends after a lost ack
    cr_assert_eq (res.stored, 0);
    cr_assert_eq (res.duplicates, 2);
    cr_assert_eq (res.through_seq, 2);
    cr_assert_eq (s_unit ("H001").events, 2);
    s_batch_free (&b);

    //  A batch overlapping the hwm: only the new seqs are applied.
    s_add (&b, 2, TALK ("T1", "2026-03-01", "王芳"));
    s_add (&b, 3, TALK ("T3", "2026-03-03", "刘洋"));
    s_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.stored, 1);
    cr_assert_eq (res.duplicates, 1);
    cr_assert_eq (res.first_new, 3);
    cr_assert_eq (s_unit ("H001").events, 3);
    cr_assert_eq (s_agent ("A1").hwm, 3);
    cr_assert_eq (s_entries ("events"), 3);
    s_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store, sequence_gap_refuses_the_whole_batch)
{
    s_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    s_add (&b, 1, PERSON ("P1"));
    s_apply ("A1", "H001", &b, &res);
    s_batch_free (&b);
    s_add (&b, 4, TALK ("T1", "2026-03-01", "王芳"));
    int code;
    char err[256];
    ml_store_txn_t *txn = ml_store_begin (s_store, true, &code);
    int rc = ml_store_apply_batch (txn, "A1", "H001", b.env, b.n, s_today, 1, &res, err, sizeof err);
    cr_assert_eq (rc, ML_EPROTO);
    cr_assert_str_eq (err, "expected seq 2, got 4");
    cr_assert_eq (ml_store_commit (&txn), 0, "a refused batch leaves the transaction usable");
    cr_assert_eq (s_agent ("A1").hwm, 1);
    cr_assert_eq (s_unit ("H001").events, 1);
    s_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store, hwm_and_events_commit_together)
{
    s_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    s_add (&b, 1, PERSON ("P1"));
    s_add (&b, 2, TALK ("T1", "2026-03-01", "王芳"));

    //  Aborted: neither the events nor the hwm are there.
    int code;
    char err[256];
    ml_store_txn_t *txn = ml_store_begin (s_store, true, &code);
    cr_assert_eq (ml_store_apply_batch (txn, "A1", "H001", b.env, b.n, s_today, 1, &res, err, sizeof err), 0);
    ml_store_abort (&txn);
    cr_assert_eq (s_agent ("A1").hwm, 0);
    cr_assert_eq (s_unit ("H001").events, 0);

    //  Committed: both survive closing and reopening.
    s_apply ("A1", "H001", &b, &res);
    ml_store_close (&s_store);
    s_open (64);
    cr_assert_eq (s_agent ("A1").hwm, 2);
    cr_assert_eq (s_unit ("H001").events, 2);
    cr_assert_eq (s_entries ("events"), 2);
    cr_assert_eq (s_entries ("log"), 2);
    s_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store, same_ref_same_content_is_a_duplicate_different_content_a_conflict)
{
    s_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    s_add (&b, 1, PERSON ("P1"));
    s_add (&b, 2, TALK ("T1", "2026-03-01", "王芳"));
    s_add (&b, 3, TALK ("T1", "2026-03-01", "王芳"));   //  re-imported row
    s_add (&b, 4, TALK ("T1", "2026-03-02", "李娜"));   //  same ref, other content
    s_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.stored, 2);
    cr_assert_eq (res.duplicates, 1);
    cr_assert_eq (res.nrejects, 1);
    cr_assert_eq (res.rejects[0].seq, 4);
    cr_assert_str_eq (res.rejects[0].code, "ref_conflict");
    cr_assert_str_eq (res.rejects[0].ref, "T1");
    cr_assert_str_eq (res.rejects[0].reason,
                      "ref T1 already holds a different event; send a correction to change it");
    cr_assert_eq (res.through_seq, 4);
    cr_assert_eq (s_unit ("H001").events, 2);
    cr_assert_eq (s_unit ("H001").rejected, 1);
    cr_assert_eq (s_agent ("A1").hwm, 4, "duplicates and rejects move the hwm too");
    s_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store, correction_supersedes_and_keeps_history)
{
    s_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    s_add (&b, 1, PERSON ("P1"));
    s_add (&b, 2, TALK ("T1", "2026-03-01", "王芳"));
    s_add (&b, 3, "{'kind':'correction','ref':'C1','supersedes':'T1','event':" TALK ("T1", "2026-03-01", "李娜") "}");
    s_add (&b, 4, "{'kind':'correction','ref':'C2','supersedes':'T1','event':" TALK ("T1", "2026-03-01", "刘洋") "}");
    //  Not allowed: correcting a correction's own ref, an unknown ref, or with another kind.
    s_add (&b, 5, "{'kind':'correction','ref':'C3','supersedes':'C1','event':" TALK ("T1", "2026-03-01", "陈静") "}");
    s_add (&b, 6, "{'kind':'correction','ref':'C4','supersedes':'NOPE','event':" TALK ("T9", "2026-03-01", "陈静") "}");
    s_add (&b, 7, "{'kind':'correction','ref':'C5','supersedes':'T1','event':" PERSON ("P2") "}");
    s_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.stored, 4);
    cr_assert_eq (res.nrejects, 3);
    cr_assert_str_eq (res.rejects[0].code, "bad_correction");
    cr_assert_str_eq (res.rejects[0].reason, "ref C1 is itself a correction or void; supersede the original ref");
    cr_assert_str_eq (res.rejects[1].reason, "correction of unknown ref NOPE in unit H001");
    cr_assert_str_eq (res.rejects[2].reason, "ref T1 is a talk event, the correction holds a person event");
    s_batch_free (&b);

    //  History: every version is still in events; the index points at the last correction.
    cr_assert_eq (s_entries ("events"), 4);
    ml_store_close (&s_store);
    s_raw_t raw = s_raw_open ("refs", false);
    MDB_val k = { 7, "H001\0T1" }, v;
    cr_assert_eq (mdb_get (raw.txn, raw.dbi, &k, &v), 0);
    const uint8_t want[] = { 'H', '0', '0', '1', 0, 'A', '1', 0, 0, 0, 0, 0, 0, 0, 0, 4 };
    cr_assert_eq (v.mv_size, 34 + sizeof want);
    cr_assert_eq (memcmp ((uint8_t *) v.mv_data + 34, want, sizeof want), 0, "T1 points at seq 4");
    s_raw_close (&raw, false);
    s_open (64);

    ml_check_stats_t stats;
    cr_assert_eq (s_check (&stats), 0, "%s", s_lines);
    ml_batch_result_free (&res);
}

Test (store, corrected_person_changes_the_roster)
{
    s_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    s_add (&b, 1, PERSON ("P1"));
    //  The person record R-P1 is corrected to describe P2: P1 leaves the roster, P2 joins.
    s_add (&b, 2, "{'kind':'correction','ref':'C1','supersedes':'R-P1','event':" PERSON ("P2") "}");
    s_add (&b, 3, TALK ("T1", "2026-03-01", "王芳"));
    s_add (&b, 4, "{'kind':'talk','ref':'T2','date':'2026-03-01','person':'P2','with':'王芳','with_category':'masses'}");
    s_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.stored, 3);
    cr_assert_eq (res.nrejects, 1);
    cr_assert_eq (res.rejects[0].seq, 3);
    cr_assert_str_eq (res.rejects[0].reason, "field 'person': unknown person 'P1'");
    ml_check_stats_t stats;
    cr_assert_eq (s_check (&stats), 0, "%s", s_lines);
    s_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store, void_marks_the_ref_voided)
{
    s_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    s_add (&b, 1, PERSON ("P1"));
    s_add (&b, 2, TALK ("T1", "2026-03-01", "王芳"));
    s_add (&b, 3, "{'kind':'void','ref':'V1','supersedes':'T1','reason':'entered twice'}");
    s_add (&b, 4, "{'kind':'void','ref':'V2','supersedes':'T1','reason':'again'}");
    s_add (&b, 5, "{'kind':'correction','ref':'C1','supersedes':'T1','event':" TALK ("T1", "2026-03-01", "李娜") "}");
    //  Voiding the person takes P1 off the roster.
    s_add (&b, 6, "{'kind':'void','ref':'V3','supersedes':'R-P1','reason':'left'}");
    s_add (&b, 7, TALK ("T2", "2026-03-01", "王芳"));
    s_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.stored, 4);
    cr_assert_eq (res.nrejects, 3);
    cr_assert_str_eq (res.rejects[0].code, "bad_void");
    cr_assert_str_eq (res.rejects[0].reason, "ref T1 is voided");
    cr_assert_str_eq (res.rejects[1].code, "bad_correction");
    cr_assert_str_eq (res.rejects[1].reason, "ref T1 is voided");
    cr_assert_eq (res.rejects[2].seq, 7);
    cr_assert_str_eq (res.rejects[2].reason, "field 'person': unknown person 'P1'");

    ml_store_close (&s_store);
    s_raw_t raw = s_raw_open ("refs", false);
    MDB_val k = { 7, "H001\0T1" }, v;
    cr_assert_eq (mdb_get (raw.txn, raw.dbi, &k, &v), 0);
    cr_assert (*(uint8_t *) v.mv_data & 0x04, "T1 is flagged voided");
    s_raw_close (&raw, false);
    s_open (64);
    ml_check_stats_t stats;
    cr_assert_eq (s_check (&stats), 0, "%s", s_lines);
    s_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store, invalid_event_is_stored_as_a_reject_with_its_reason)
{
    s_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    s_add (&b, 1, PERSON ("P1"));
    s_add (&b, 2, TALK ("T1", "2026-12-01", "王芳"));          //  after today
    s_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.stored, 1);
    cr_assert_eq (res.nrejects, 1);
    cr_assert_eq (res.rejects[0].seq, 2);
    cr_assert_str_eq (res.rejects[0].code, "invalid");
    cr_assert_str_eq (res.rejects[0].ref, "T1");
    cr_assert (strstr (res.rejects[0].reason, "field 'date'"), "reason: %s", res.rejects[0].reason);
    cr_assert_eq (s_unit ("H001").rejected, 1);
    cr_assert_eq (s_entries ("rejects"), 1);
    cr_assert_eq (s_entries ("events"), 1);
    s_batch_free (&b);

    //  Bytes that are no event at all are rejected too, not dropped.
    b.env[0] = (ml_envelope_t) { 3, (const uint8_t *) "\xff\xff\xff", 3 };
    b.n = 1;
    s_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.nrejects, 1);
    cr_assert_str_eq (res.rejects[0].code, "invalid");
    cr_assert_eq (s_unit ("H001").rejected, 2);
    ml_batch_result_free (&res);
}

Test (store, unknown_person_is_rejected_then_accepted_after_the_person_event)
{
    s_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    s_add (&b, 1, TALK ("T1", "2026-03-01", "王芳"));
    s_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.nrejects, 1);
    cr_assert_str_eq (res.rejects[0].reason, "field 'person': unknown person 'P1'");
    s_batch_free (&b);

    //  The operator adds the person and sends the same row again (same ref: it was never indexed).
    s_add (&b, 2, PERSON ("P1"));
    s_add (&b, 3, TALK ("T1", "2026-03-01", "王芳"));
    s_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.stored, 2);
    cr_assert_eq (res.nrejects, 0);
    cr_assert_eq (s_unit ("H001").events, 2);
    cr_assert_eq (s_unit ("H001").rejected, 1);
    s_batch_free (&b);

    //  The roster is per unit: H002 does not know P1.
    s_add (&b, 1, TALK ("T1", "2026-03-01", "王芳"));
    s_apply ("A2", "H002", &b, &res);
    cr_assert_eq (res.nrejects, 1);
    s_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store, rejects_are_returned_for_the_welcome_range)
{
    s_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    s_add (&b, 1, PERSON ("P1"));
    s_add (&b, 2, TALK ("T1", "2027-01-01", "王芳"));          //  reject
    s_add (&b, 3, TALK ("T2", "2026-03-01", "王芳"));
    s_add (&b, 4, TALK ("T3", "2026-03-01", "王芳"));
    s_add (&b, 5, "{'kind':'talk','ref':'T4','date':'2026-03-01','person':'P9','with':'x','with_category':'masses'}");
    s_add (&b, 6, TALK ("T5", "2026-03-01", "王芳"));
    s_apply ("A1", "H001", &b, &res);
    cr_assert_eq (res.nrejects, 2);
    //  Another agent's rejects never show up.
    s_batch_free (&b);
    s_add (&b, 1, "{'kind':'talk','ref':'X1','date':'2026-03-01','person':'P9','with':'x','with_category':'masses'}");
    s_apply ("A9", "H001", &b, &res);
    cr_assert_eq (res.nrejects, 1);

    struct { uint64_t acked; size_t n; uint64_t first; } cases[] = {
        { 0, 2, 2 }, { 2, 1, 5 }, { 5, 0, 0 }, { 6, 0, 0 }, { 99, 0, 0 }
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int code;
        ml_store_txn_t *txn = ml_store_begin (s_store, true, &code);
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
    cr_assert_eq (s_agent ("A1").last_seen, 1800000000, "Hello notes the agent as seen");
    s_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store, check_passes_on_a_good_store_and_names_a_corrupted_counter)
{
    s_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    s_add (&b, 1, PERSON ("P1"));
    s_add (&b, 2, TALK ("T1", "2026-03-01", "王芳"));
    s_add (&b, 3, TALK ("T2", "2027-03-01", "王芳"));          //  reject
    s_add (&b, 4, "{'kind':'correction','ref':'C1','supersedes':'T1','event':" TALK ("T1", "2026-03-01", "李娜") "}");
    s_apply ("A1", "H001", &b, &res);
    s_batch_free (&b);
    s_add (&b, 1, "{'kind':'org','ref':'O1','org':'B1','name':'第一支部'}");
    s_apply ("A2", "H002", &b, &res);
    s_batch_free (&b);

    ml_check_stats_t stats;
    cr_assert_eq (s_check (&stats), 0, "%s", s_lines);
    cr_assert_eq (stats.events, 4);
    cr_assert_eq (stats.rejects, 1);
    cr_assert_eq (stats.units, 2);
    cr_assert_eq (stats.agents, 2);
    cr_assert_eq (stats.mismatches, 0);

    //  Corrupt the events counter of H001 (stored 3) to 10.
    ml_store_close (&s_store);
    s_raw_t raw = s_raw_open ("units", true);
    uint8_t val[16] = { 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 1 };
    MDB_val k = { 4, "H001" }, v = { 16, val };
    cr_assert_eq (mdb_put (raw.txn, raw.dbi, &k, &v, 0), 0);
    s_raw_close (&raw, true);
    s_open (64);
    cr_assert_eq (s_check (&stats), ML_ECONFLICT);
    cr_assert_eq (stats.mismatches, 1);
    cr_assert_str_eq (s_lines, "unit H001: stored events=10 but the log has 3\n");

    //  Drop a ref from the index and lower a high-water mark: each is named.
    ml_store_close (&s_store);
    raw = s_raw_open ("refs", true);
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
    s_raw_close (&raw, true);
    s_open (64);
    cr_assert_eq (s_check (&stats), ML_ECONFLICT);
    cr_assert_eq (stats.mismatches, 3, "%s", s_lines);
    cr_assert (strstr (s_lines, "agent A1: high-water mark 2 but seq 4 is stored\n"), "%s", s_lines);
    cr_assert (strstr (s_lines, "ref H002/O1: missing from the index (the log has it at H002/A2/1)\n"), "%s", s_lines);
    ml_batch_result_free (&res);
}

Test (store, group_of_batches_from_several_agents_in_one_transaction)
{
    s_batch_t a = { .n = 0 }, b = { .n = 0 };
    ml_batch_result_t ra = { 0 }, rb = { 0 };
    s_add (&a, 1, PERSON ("P1"));
    s_add (&a, 2, TALK ("T1", "2026-03-01", "王芳"));
    s_add (&b, 1, PERSON ("P1"));
    int code;
    char err[256];
    ml_store_txn_t *txn = ml_store_begin (s_store, true, &code);
    cr_assert_eq (ml_store_apply_batch (txn, "A1", "H001", a.env, a.n, s_today, 5, &ra, err, sizeof err), 0);
    cr_assert_eq (ml_store_apply_batch (txn, "A2", "H002", b.env, b.n, s_today, 5, &rb, err, sizeof err), 0);
    //  A second batch of A1 in the same transaction sees the first one's hwm.
    s_batch_free (&a);
    s_add (&a, 3, TALK ("T2", "2026-03-01", "王芳"));
    cr_assert_eq (ml_store_apply_batch (txn, "A1", "H001", a.env, a.n, s_today, 5, &ra, err, sizeof err), 0);
    cr_assert_eq (ra.stored, 1);
    cr_assert_eq (ml_store_commit (&txn), 0);
    cr_assert_eq (s_unit ("H001").events, 3);
    cr_assert_eq (s_unit ("H002").events, 1);
    ml_check_stats_t stats;
    cr_assert_eq (s_check (&stats), 0, "%s", s_lines);
    s_batch_free (&a);
    s_batch_free (&b);
    ml_batch_result_free (&ra);
    ml_batch_result_free (&rb);
}

Test (store, full_map_fails_the_transaction_and_keeps_the_store_consistent)
{
    ml_store_close (&s_store);
    s_open (1);                                                 //  a 1 MB map
    ml_batch_result_t res = { 0 };
    s_batch_t b = { .n = 0 };
    char note[1900];
    memset (note, 'x', sizeof note - 1);
    note[sizeof note - 1] = 0;
    char text[2400];
    s_add (&b, 1, PERSON ("P1"));
    s_apply ("A1", "H001", &b, &res);
    s_batch_free (&b);
    uint64_t seq = 2;
    int rc = 0;
    for (int round = 0; round < 100 && rc == 0; round++) {
        for (int i = 0; i < 32; i++, seq++) {
            snprintf (text, sizeof text, "{'kind':'talk','ref':'T%lu','date':'2026-03-01','person':'P1',"
                      "'with':'x','with_category':'masses','note':'%s'}", (unsigned long) seq, note);
            s_add (&b, seq, text);
        }
        int code;
        char err[256];
        ml_store_txn_t *txn = ml_store_begin (s_store, true, &code);
        rc = ml_store_apply_batch (txn, "A1", "H001", b.env, b.n, s_today, 1, &res, err, sizeof err);
        int crc = ml_store_commit (&txn);
        rc = rc ? rc : crc;
        if (rc)
            seq -= 32;                                          //  not applied
        s_batch_free (&b);
    }
    cr_assert_eq (rc, ML_EFULL, "a 1 MB map fills up: %s", ml_strerror (rc));
    cr_assert (strstr (ml_store_error (s_store), "MDB_MAP_FULL"), "the store says why: '%s'",
               ml_store_error (s_store));
    cr_assert_eq (s_agent ("A1").hwm, seq - 1, "the refused batch did not move the hwm");
    cr_assert_eq (s_unit ("H001").events, seq - 1);
    ml_check_stats_t stats;
    cr_assert_eq (s_check (&stats), 0, "%s", s_lines);
    ml_batch_result_free (&res);
}

//  A commit that crosses the file size limit comes up short (LMDB says only EIO): the store fails
//  the transaction as storage full and says why, as the agent's outbox does. (Criterion runs each
//  test in a process of its own, so the limit stays here.)
Test (store, a_short_write_is_explained)
{
    ml_batch_result_t res = { 0 };
    s_batch_t b = { .n = 0 };
    s_add (&b, 1, PERSON ("P1"));
    s_apply ("A1", "H001", &b, &res);
    s_batch_free (&b);
    char note[1900], text[2400];
    memset (note, 'x', sizeof note - 1);
    note[sizeof note - 1] = 0;
    for (uint64_t seq = 2; seq < 34; seq++) {
        snprintf (text, sizeof text, "{'kind':'talk','ref':'T%lu','date':'2026-03-01','person':'P1',"
                  "'with':'x','with_category':'masses','note':'%s'}", (unsigned long) seq, note);
        s_add (&b, seq, text);
    }
    char path[128];
    struct stat st;
    snprintf (path, sizeof path, "%s/data.mdb", s_dir);
    cr_assert_eq (stat (path, &st), 0);
    struct rlimit rl;
    cr_assert_eq (getrlimit (RLIMIT_FSIZE, &rl), 0);
    rl.rlim_cur = (rlim_t) st.st_size + 4096;
    cr_assert (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= rl.rlim_cur);
    signal (SIGXFSZ, SIG_IGN);
    cr_assert_eq (setrlimit (RLIMIT_FSIZE, &rl), 0);

    int code;
    char err[256];
    ml_store_txn_t *txn = ml_store_begin (s_store, true, &code);
    cr_assert_not_null (txn);
    int rc = ml_store_apply_batch (txn, "A1", "H001", b.env, b.n, s_today, 1, &res, err, sizeof err);
    cr_assert_eq (rc, 0, "apply: %s %s", ml_strerror (rc), err);
    rc = ml_store_commit (&txn);
    cr_assert_eq (rc, ML_EFULL, "the file size limit is storage full: %s (%s)", ml_strerror (rc),
                  ml_store_error (s_store));
    char want[160];
    snprintf (want, sizeof want, "mdb_txn_commit: short write: File too large: data.mdb reached "
              "the file size limit of %llu bytes", (unsigned long long) rl.rlim_cur);
    cr_assert_str_eq (ml_store_error (s_store), want);
    s_batch_free (&b);
    ml_batch_result_free (&res);
}

Test (store, readonly_open_of_a_missing_store_fails_with_a_reason)
{
    char err[256];
    ml_store_t *ro = ml_store_open ("/nonexistent/massline", 64, true, err, sizeof err);
    cr_assert_null (ro);
    cr_assert (strstr (err, "/nonexistent/massline"), "%s", err);
}

//  ---------------------------------------------------------------------------
//  Metric counters and cases (issue 3): kept in the ingest transaction, read back through the
//  reports' data source (ml_store_source.h), rebuilt by check.

#include "ml_store_source.h"

//  What the source gives for one unit and year: sums of counters and the cases listed.
typedef struct {
    int64_t days[13];                   //  research_days of P1 per month
    int64_t rows;                       //  agg rows
    char cases[512];                    //  "petition/XF1 opinion/YJ1 ..." in listing order
    int persons;
} s_seen_t;

static int
s_seen_unit (void *arg, const char *unit, const char *name)
{
    char *out = arg;
    strcat (out, unit);
    strcat (out, "=");
    strcat (out, name);
    strcat (out, " ");
    return 0;
}

static int
s_seen_row (void *arg, const ml_delta_t *row)
{
    s_seen_t *s = arg;
    s->rows++;
    cr_assert_neq (row->amount, 0, "a counter at 0 must be deleted");
    if (row->metric == ML_METRIC_RESEARCH_DAYS && strcmp (row->person, "P1") == 0)
        s->days[row->month] += row->amount;
    return 0;
}

static int
s_seen_case (void *arg, const ml_case_t *c)
{
    s_seen_t *s = arg;
    char one[ML_CASE_ID_MAX + 64];
    snprintf (one, sizeof one, "%s%s/%s%s", s->cases[0] ? " " : "", ml_case_kind_name (c->key.kind),
              c->key.id, (c->flags & ML_CASE_CLOSED) ? "(closed)" : "");
    strcat (s->cases, one);
    return 0;
}

static int
s_seen_person (void *arg, const Massline__Event *ev)
{
    s_seen_t *s = arg;
    cr_assert_eq (ev->body_case, MASSLINE__EVENT__BODY_PERSON);
    s->persons++;
    return 0;
}

static int
s_two_units (void *ctx, ml_unit_fn *fn, void *arg)
{
    (void) ctx;
    int rc = fn (arg, "H001", "一院");
    return rc ? rc : fn (arg, "H002", "二院");
}

//  Reads YEAR of UNIT through the store's data source.
static s_seen_t
s_read (const char *unit, int year)
{
    s_seen_t s;
    memset (&s, 0, sizeof s);
    int code;
    ml_store_txn_t *txn = ml_store_begin (s_store, false, &code);
    cr_assert_not_null (txn);
    ml_source_t src;
    ml_store_source (txn, s_two_units, NULL, year, &src);
    cr_assert_eq (src.agg (src.ctx, unit, year, s_seen_row, &s), 0);
    cr_assert_eq (src.cases (src.ctx, unit, s_seen_case, &s), 0);
    cr_assert_eq (src.persons (src.ctx, unit, s_seen_person, &s), 0);
    ml_store_abort (&txn);
    return s;
}

static int64_t
s_days (const s_seen_t *s)
{
    int64_t sum = 0;
    for (int m = 1; m <= 12; m++)
        sum += s->days[m];
    return sum;
}

#define TRIP(ref, from, to) "{'kind':'research_trip','ref':'" ref "','date':'" from "','person':'P1'," \
                            "'end':'" to "','place':'丹阳市导墅镇卫生院','stationed':false," \
                            "'unannounced':false,'topic':'医保'}"
#define PETITION(ref, date, id) "{'kind':'petition_case','ref':'" ref "','date':'" date "','case':'" id "'," \
                                "'person':'P1','group_size':1,'measures':'m','responsible':'护理部'," \
                                "'deadline':'2025-12-01'}"

Test (store, counters_and_cases_follow_ingest_corrections_and_voids)
{
    s_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    s_add (&b, 1, PERSON ("P1"));
    s_add (&b, 2, TRIP ("RT1", "2025-11-03", "2025-11-05"));     //  3 days in November
    s_add (&b, 3, TRIP ("RT2", "2025-03-30", "2025-04-02"));     //  2 in March, 2 in April
    s_add (&b, 4, PETITION ("PC1", "2025-04-01", "XF1"));
    s_add (&b, 5, "{'kind':'petition_closed','ref':'PX1','date':'2025-04-20','case':'XF1','signed_by':'P1'}");
    s_add (&b, 6, "{'kind':'opinion','ref':'OP1','date':'2024-05-01','opinion':'YJ1','channel':'forum','topic':'t'}");
    s_add (&b, 7, "{'kind':'contact_point','ref':'CP1','date':'2023-02-01','person':'P1','point':'SQ1'}");
    s_apply ("A1", "H001", &b, &res);
    s_batch_free (&b);
    cr_assert_eq (res.stored, 7);

    s_seen_t s = s_read ("H001", 2025);
    cr_assert_eq (s_days (&s), 7);
    cr_assert_eq (s.days[3], 2);
    cr_assert_eq (s.days[4], 2);
    cr_assert_eq (s.days[11], 3);
    //  A year's report sees the standing cases, the cases still open (V7: the 2024 opinion) and
    //  the closed cases open on a day of that year.
    cr_assert_str_eq (s.cases, "opinion/YJ1 contact_point/P1/SQ1 petition/XF1(closed)");
    cr_assert_eq (s.persons, 1);
    cr_assert_str_eq (s_read ("H001", 2024).cases, "opinion/YJ1 contact_point/P1/SQ1");
    cr_assert_str_eq (s_read ("H001", 0).cases, "petition/XF1(closed) opinion/YJ1 contact_point/P1/SQ1");
    cr_assert_eq (s_read ("H002", 2025).rows, 0);

    //  A correction moves the counters from the old version to the new one: 3 days become 1.
    //  A void takes its event out: the March and April rows are deleted, not left at 0.
    //  A correction of the petition's date moves its opening to the year 2024.
    s_add (&b, 8, "{'kind':'correction','ref':'CR1','supersedes':'RT1','event':" TRIP ("RT1", "2025-11-03", "2025-11-03") "}");
    s_add (&b, 9, "{'kind':'void','ref':'VD1','supersedes':'RT2','reason':'录入重复'}");
    s_add (&b, 10, "{'kind':'correction','ref':'CR2','supersedes':'PC1','event':" PETITION ("PC1", "2024-12-30", "XF1") "}");
    s_apply ("A1", "H001", &b, &res);
    s_batch_free (&b);
    cr_assert_eq (res.stored, 3, "%zu rejects: %s", res.nrejects, res.nrejects ? res.rejects[0].reason : "");
    s = s_read ("H001", 2025);
    cr_assert_eq (s_days (&s), 1);
    cr_assert_eq (s.days[11], 1);
    //  V7: the petition, now opened 30 December 2024 and closed in April 2025, is judged in both.
    cr_assert_str_eq (s.cases, "opinion/YJ1 contact_point/P1/SQ1 petition/XF1(closed)");
    cr_assert_str_eq (s_read ("H001", 2024).cases, "opinion/YJ1 contact_point/P1/SQ1 petition/XF1(closed)");

    //  A second correction of the same ref supersedes the current version (the first correction).
    s_add (&b, 11, "{'kind':'correction','ref':'CR3','supersedes':'RT1','event':" TRIP ("RT1", "2025-10-30", "2025-11-01") "}");
    s_apply ("A1", "H001", &b, &res);
    s_batch_free (&b);
    s = s_read ("H001", 2025);
    cr_assert_eq (s.days[10], 2);
    cr_assert_eq (s.days[11], 1);
    cr_assert_eq (s_days (&s), 3);

    //  The units come from the caller, in the caller's order.
    char units[128] = "";
    int code;
    ml_store_txn_t *txn = ml_store_begin (s_store, false, &code);
    ml_source_t src;
    ml_store_source (txn, s_two_units, NULL, 2025, &src);
    cr_assert_eq (src.units (src.ctx, s_seen_unit, units), 0);
    ml_store_abort (&txn);
    cr_assert_str_eq (units, "H001=一院 H002=二院 ");

    ml_check_stats_t stats;
    cr_assert_eq (s_check (&stats), 0, "%s", s_lines);
    ml_batch_result_free (&res);
}

//  The rows agg_person gives: checked to be of PERSON and YEAR; research_days summed.
typedef struct {
    const char *person;
    int year;
    int64_t rows, days;
} s_person_rows_t;

static int
s_person_row (void *arg, const ml_delta_t *row)
{
    s_person_rows_t *s = arg;
    cr_assert_str_eq (row->person, s->person);
    cr_assert_eq (row->year, s->year);
    s->rows++;
    if (row->metric == ML_METRIC_RESEARCH_DAYS)
        s->days += row->amount;
    return 0;
}

static s_person_rows_t
s_read_person (const char *unit, int year, const char *person)
{
    s_person_rows_t s = { person, year, 0, 0 };
    int code;
    ml_store_txn_t *txn = ml_store_begin (s_store, false, &code);
    cr_assert_not_null (txn);
    ml_source_t src;
    ml_store_source (txn, s_two_units, NULL, year, &src);
    cr_assert_eq (src.agg_person (src.ctx, unit, year, person, s_person_row, &s), 0);
    ml_store_abort (&txn);
    return s;
}

Test (store, agg_person_reads_one_persons_counters_of_one_year_of_one_unit)
{
    s_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    s_add (&b, 1, PERSON ("P1"));
    s_add (&b, 2, PERSON ("P10"));                                  //  P1's id is a prefix of it
    s_add (&b, 3, TRIP ("RT1", "2024-12-30", "2025-01-02"));        //  2 days in 2024, 2 in 2025
    s_add (&b, 4, TRIP ("RT2", "2024-03-01", "2024-03-03"));
    s_add (&b, 5, "{'kind':'research_trip','ref':'RT3','date':'2024-03-01','person':'P10',"
                  "'end':'2024-03-10','place':'p','stationed':false,'unannounced':false,'topic':'t'}");
    s_add (&b, 6, "{'kind':'opinion','ref':'OP1','date':'2024-05-01','opinion':'YJ1','channel':'forum','topic':'t'}");
    s_apply ("A1", "H001", &b, &res);
    s_batch_free (&b);
    s_add (&b, 1, PERSON ("P1"));
    s_add (&b, 2, TRIP ("RT1", "2024-06-01", "2024-06-30"));        //  the same person in H002
    s_apply ("A2", "H002", &b, &res);
    s_batch_free (&b);

    s_person_rows_t s = s_read_person ("H001", 2024, "P1");
    cr_assert_eq (s.days, 5);
    cr_assert_eq (s_read_person ("H001", 2025, "P1").days, 2);
    cr_assert_eq (s_read_person ("H001", 2024, "P10").days, 10);
    cr_assert_eq (s_read_person ("H002", 2024, "P1").days, 30);
    cr_assert_eq (s_read_person ("H001", 2023, "P1").rows, 0);
    cr_assert_eq (s_read_person ("H001", 2024, "P2").rows, 0);
    //  "" is the unit-level rows: the opinion.
    cr_assert_eq (s_read_person ("H001", 2024, "").rows, 1);
    //  Together the persons' rows are the year's.
    s_seen_t all = s_read ("H001", 2024);
    cr_assert_eq (all.rows, s.rows + s_read_person ("H001", 2024, "P10").rows + 1);
    ml_batch_result_free (&res);
}

Test (store, check_names_a_corrupted_aggregate_and_a_missing_case)
{
    s_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    s_add (&b, 1, PERSON ("P1"));
    s_add (&b, 2, TRIP ("RT1", "2025-11-03", "2025-11-05"));
    s_add (&b, 3, PETITION ("PC1", "2025-04-01", "XF1"));
    s_apply ("A1", "H001", &b, &res);
    s_batch_free (&b);
    ml_check_stats_t stats;
    cr_assert_eq (s_check (&stats), 0, "%s", s_lines);

    //  research_days of P1 in November 2025: stored 3, made 54.
    uint8_t key[ML_AGG_KEY_MAX], val[8];
    ml_delta_t d = { .year = 2025, .month = 11, .metric = ML_METRIC_RESEARCH_DAYS, .person = "P1" };
    size_t klen = ml_agg_key ("H001", &d, key);
    ml_store_close (&s_store);
    s_raw_t raw = s_raw_open ("agg", true);
    MDB_val k = { klen, key }, v;
    cr_assert_eq (mdb_get (raw.txn, raw.dbi, &k, &v), 0, "no counter under the documented key");
    cr_assert_eq (ml_agg_value_unpack (v.mv_data), 3);
    ml_agg_value_pack (54, val);
    v = (MDB_val) { 8, val };
    cr_assert_eq (mdb_put (raw.txn, raw.dbi, &k, &v, 0), 0);
    s_raw_close (&raw, true);
    s_open (64);
    cr_assert_eq (s_check (&stats), ML_ECONFLICT);
    cr_assert_eq (stats.mismatches, 1, "%s", s_lines);
    cr_assert_str_eq (s_lines, "agg H001/2025/P1/research_days/11: stored 54 but the log gives 3\n");

    //  Drop the petition from cases (its copy in case_years stays): named too.
    ml_store_close (&s_store);
    raw = s_raw_open ("cases", true);
    ml_case_key_t ck = { ML_CASE_PETITION, "XF1" };
    uint8_t ckey[ML_CASE_KEY_MAX];
    MDB_val cv = { ml_case_db_key ("H001", &ck, ckey), ckey };
    cr_assert_eq (mdb_del (raw.txn, raw.dbi, &cv, NULL), 0);
    s_raw_close (&raw, true);
    s_open (64);
    cr_assert_eq (s_check (&stats), ML_ECONFLICT);
    cr_assert_eq (stats.mismatches, 2, "%s", s_lines);
    cr_assert (strstr (s_lines, "case H001/petition/XF1: missing (the log has it)\n"), "%s", s_lines);
    ml_batch_result_free (&res);
}

//  ---------------------------------------------------------------------------
//  Reading for the audit: refs, current versions, roster, the audit's own tables.

typedef struct {
    char seen[1024];
    int with_event;
} s_refs_seen_t;

static int
s_on_ref (void *arg, const ml_store_ref_t *r)
{
    s_refs_seen_t *s = arg;
    const uint8_t *data;
    size_t len;
    int rc = ml_store_ref_event (r, &data, &len);
    cr_assert_eq (rc, 0, "no event of %s/%s", r->unit, r->ref);
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (data, len, &verr);
    cr_assert_not_null (ev);
    cr_assert_eq (ev->body_case == MASSLINE__EVENT__BODY_CORRECTION, r->corrected
                  || (r->control && r->kind == MASSLINE__EVENT__BODY_CORRECTION));
    ml_event_free (&ev);
    s->with_event++;
    char line[128];
    snprintf (line, sizeof line, "%s/%s:%d%s%s%s ", r->unit, r->ref, r->kind, r->control ? "c" : "",
              r->corrected ? "C" : "", r->voided ? "V" : "");
    strcat (s->seen, line);
    return 0;
}

static int
s_on_person_row (void *arg, const char *unit, const char *person, const uint8_t *data, size_t len)
{
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (data, len, &verr);
    cr_assert_not_null (ev);
    cr_assert_str_eq (ev->person->person, person);
    ml_event_free (&ev);
    strcat (arg, unit);
    strcat (arg, "/");
    strcat (arg, person);
    strcat (arg, " ");
    return 0;
}

static int
s_on_row (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    char line[128];
    snprintf (line, sizeof line, "%.*s=%.*s ", (int) klen, (const char *) key, (int) vlen, (const char *) val);
    strcat (arg, line);
    return 0;
}

Test (store, audit_reads_refs_versions_and_roster)
{
    s_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    s_add (&b, 1, PERSON ("P1"));
    s_add (&b, 2, TALK ("T1", "2026-03-01", "王芳"));
    s_add (&b, 3, TALK ("T2", "2026-03-02", "李娜"));
    s_add (&b, 4, "{'kind':'correction','ref':'C1','supersedes':'T1','event':" TALK ("T1", "2026-04-01", "李娜") "}");
    s_add (&b, 5, "{'kind':'void','ref':'V1','supersedes':'T2','reason':'entered twice'}");
    s_apply ("A1", "H001", &b, &res);
    s_batch_free (&b);
    ml_batch_result_free (&res);

    int code;
    ml_store_txn_t *txn = ml_store_begin (s_store, false, &code);
    cr_assert_not_null (txn);
    uint64_t n;
    cr_assert_eq (ml_store_ref_count (txn, &n), 0);
    cr_assert_eq (n, 5);
    s_refs_seen_t seen = { "", 0 };
    cr_assert_eq (ml_store_refs_each (txn, s_on_ref, &seen), 0);
    char want[256];
    snprintf (want, sizeof want, "H001/C1:%dc H001/R-P1:%d H001/T1:%dC H001/T2:%dV H001/V1:%dc ",
              MASSLINE__EVENT__BODY_CORRECTION, MASSLINE__EVENT__BODY_PERSON, MASSLINE__EVENT__BODY_TALK,
              MASSLINE__EVENT__BODY_TALK, MASSLINE__EVENT__BODY_VOID);
    cr_assert_str_eq (seen.seen, want);

    //  T1's current version is the correction's inner event
    ml_store_ref_t r;
    cr_assert_eq (ml_store_event (txn, "H001", "T1", &r), 0);
    cr_assert (r.corrected && !r.voided && !r.control);
    cr_assert_str_eq (r.unit, "H001");
    cr_assert_str_eq (r.ref, "T1");
    const uint8_t *data;
    size_t len;
    cr_assert_eq (ml_store_ref_event (&r, &data, &len), 0);
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (data, len, &verr);
    cr_assert_eq (ev->body_case, MASSLINE__EVENT__BODY_CORRECTION);
    cr_assert_str_eq (ev->correction->event->talk->date, "2026-04-01");
    ml_event_free (&ev);
    cr_assert_eq (ml_store_event (txn, "H001", "NOPE", &r), ML_ENOTFOUND);
    cr_assert_eq (ml_store_event (txn, "H002", "T1", &r), ML_ENOTFOUND);

    cr_assert_eq (ml_store_person (txn, "H001", "P1", &data, &len), 0);
    ev = ml_event_unpack (data, len, &verr);
    cr_assert_str_eq (ev->person->name, "张伟");
    ml_event_free (&ev);
    cr_assert_eq (ml_store_person (txn, "H001", "P9", &data, &len), ML_ENOTFOUND);
    char persons[256] = "";
    cr_assert_eq (ml_store_persons_each (txn, s_on_person_row, persons), 0);
    cr_assert_str_eq (persons, "H001/P1 ");
    ml_store_abort (&txn);
}

//  True when the store (closed and reopened around the look) has database NAME.
static bool
s_has_db (const char *name)
{
    ml_store_close (&s_store);
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq (mdb_env_create (&env), 0);
    mdb_env_set_maxdbs (env, 32);
    cr_assert_eq (mdb_env_open (env, s_dir, MDB_RDONLY, 0600), 0);
    cr_assert_eq (mdb_txn_begin (env, NULL, MDB_RDONLY, &txn), 0);
    bool has = mdb_dbi_open (txn, name, 0, &dbi) == 0;
    mdb_txn_abort (txn);
    mdb_env_close (env);
    s_open (64);
    return has;
}

Test (store, audit_tables_are_made_by_the_first_put)
{
    int code;
    const void *val;
    size_t vlen;
    char rows[256] = "";
    //  a store without the tables reads them as empty
    ml_store_txn_t *txn = ml_store_begin (s_store, false, &code);
    cr_assert_eq (ml_store_table_get (txn, ML_STORE_SAMPLES, "S2025-001", 9, &val, &vlen), ML_ENOTFOUND);
    cr_assert_eq (ml_store_table_each (txn, ML_STORE_FINDINGS, "", 0, s_on_row, rows), 0);
    cr_assert_eq (ml_store_table_put (txn, ML_STORE_SAMPLES, "a", 1, "b", 1, true), ML_EPERM);
    cr_assert_eq (ml_store_commit (&txn), 0);
    cr_assert_not (s_has_db ("samples"), "no samples database before the first put");

    txn = ml_store_begin (s_store, true, &code);
    cr_assert_eq (ml_store_table_put (txn, ML_STORE_SAMPLES, "S2025-001", 9, "one", 3, false), 0);
    cr_assert_eq (ml_store_table_put (txn, ML_STORE_SAMPLES, "S2025-002", 9, "two", 3, false), 0);
    cr_assert_eq (ml_store_table_put (txn, ML_STORE_SAMPLES, "S2026-001", 9, "new", 3, false), 0);
    cr_assert_eq (ml_store_table_put (txn, ML_STORE_SAMPLES, "S2025-001", 9, "ONE", 3, false), ML_EEXIST);
    cr_assert_eq (ml_store_table_put (txn, ML_STORE_FINDINGS, "S2025-001\0H001/T1", 17, "[]", 2, true), 0);
    cr_assert_eq (ml_store_commit (&txn), 0, "ML_EEXIST is not sticky");

    txn = ml_store_begin (s_store, false, &code);
    cr_assert_eq (ml_store_table_get (txn, ML_STORE_SAMPLES, "S2025-001", 9, &val, &vlen), 0);
    cr_assert_eq (vlen, 3);
    cr_assert (memcmp (val, "one", 3) == 0);
    cr_assert_eq (ml_store_table_each (txn, ML_STORE_SAMPLES, "S2025-", 6, s_on_row, rows), 0);
    cr_assert_str_eq (rows, "S2025-001=one S2025-002=two ");
    rows[0] = 0;
    cr_assert_eq (ml_store_table_each (txn, ML_STORE_SAMPLES, "", 0, s_on_row, rows), 0);
    cr_assert_str_eq (rows, "S2025-001=one S2025-002=two S2026-001=new ");
    ml_store_abort (&txn);

    //  and after a reopen
    ml_store_close (&s_store);
    s_open (64);
    txn = ml_store_begin (s_store, false, &code);
    cr_assert_eq (ml_store_table_get (txn, ML_STORE_FINDINGS, "S2025-001\0H001/T1", 17, &val, &vlen), 0);
    cr_assert_eq (vlen, 2);
    ml_store_abort (&txn);
}
