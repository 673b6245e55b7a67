/* ml_test_store.c -- the store tests' fixture: a real LMDB store in the test's temp folder.
   Criterion runs each test in its own process, so the state here is per test. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_event.h"
#include "ml_test_store.h"

static ml_store_t *s_store;
static ml_day_t s_today;
static char s_lines[4096];              //  the mismatch lines of the last check

void
t_store_open (long map_mb)
{
    char err[256];
    s_store = ml_store_open (t_dir (), map_mb, false, err, sizeof err);
    cr_assert_not_null (s_store, "open: %s", err);
}

void
t_store_close (void)
{
    ml_store_close (&s_store);
}

void
t_store_setup (void)
{
    t_dir_setup ();
    ml_date_parse ("2026-11-26", &s_today);
    t_store_open (64);
}

void
t_store_teardown (void)
{
    ml_store_close (&s_store);
    t_dir_teardown ();
}

ml_store_t *
t_store (void)
{
    return s_store;
}

ml_day_t
t_store_today (void)
{
    return s_today;
}

void
t_batch_add (t_batch_t *b, uint64_t seq, const char *quoted)
{
    cr_assert (b->n < sizeof b->env / sizeof b->env[0], "a batch holds at most 64 events");
    char *json = t_json (quoted);
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

void
t_batch_free (t_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++)
        free ((void *) b->env[i].data);
    b->n = 0;
}

void
t_apply (const char *agent, const char *unit, t_batch_t *b, ml_batch_result_t *res)
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

ml_unit_counts_t
t_unit_counts (const char *unit)
{
    int code;
    ml_unit_counts_t counts;
    ml_store_txn_t *txn = ml_store_begin (s_store, false, &code);
    cr_assert_not_null (txn);
    cr_assert_eq (ml_store_unit (txn, unit, &counts), 0);
    ml_store_abort (&txn);
    return counts;
}

ml_agent_state_t
t_agent_state (const char *agent)
{
    int code;
    ml_agent_state_t st;
    ml_store_txn_t *txn = ml_store_begin (s_store, false, &code);
    cr_assert_not_null (txn);
    ml_store_agent (txn, agent, &st);
    ml_store_abort (&txn);
    return st;
}

static void
s_collect (void *arg, const char *line)
{
    (void) arg;
    strncat (s_lines, line, sizeof s_lines - strlen (s_lines) - 2);
    strcat (s_lines, "\n");
}

int
t_check (ml_check_stats_t *stats)
{
    char err[256] = "";
    s_lines[0] = 0;
    int rc = ml_store_check (s_store, NULL, s_collect, NULL, stats, err, sizeof err);
    cr_assert (rc == 0 || rc == ML_ECONFLICT, "check could not run: %s", err);
    return rc;
}

const char *
t_check_lines (void)
{
    return s_lines;
}

t_raw_t
t_raw_open (const char *db, bool write)
{
    t_raw_t raw;
    cr_assert_eq (mdb_env_create (&raw.env), 0);
    mdb_env_set_maxdbs (raw.env, 32);
    cr_assert_eq (mdb_env_open (raw.env, t_dir (), write ? 0 : MDB_RDONLY, 0600), 0);
    cr_assert_eq (mdb_txn_begin (raw.env, NULL, write ? 0 : MDB_RDONLY, &raw.txn), 0);
    cr_assert_eq (mdb_dbi_open (raw.txn, db, 0, &raw.dbi), 0, "no db %s", db);
    return raw;
}

void
t_raw_close (t_raw_t *raw, bool commit)
{
    if (commit)
        cr_assert_eq (mdb_txn_commit (raw->txn), 0);
    else
        mdb_txn_abort (raw->txn);
    mdb_env_close (raw->env);
}

size_t
t_entries (const char *db)
{
    ml_store_close (&s_store);
    t_raw_t raw = t_raw_open (db, false);
    MDB_stat st;
    mdb_stat (raw.txn, raw.dbi, &st);
    t_raw_close (&raw, false);
    t_store_open (64);
    return st.ms_entries;
}
