/* test_store_audit.c -- reading for the audit (ml_store_audit.c): refs with their flags and
   current versions, the roster, and the audit's own tables, made by the first put. */
#include <criterion/criterion.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_event.h"
#include "ml_test_store.h"

TestSuite (store_audit, .init = t_store_setup, .fini = t_store_teardown);

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

Test (store_audit, audit_reads_refs_versions_and_roster)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, T_TALK ("T1", "2026-03-01", "王芳"));
    t_batch_add (&b, 3, T_TALK ("T2", "2026-03-02", "李娜"));
    t_batch_add (&b, 4, "{'kind':'correction','ref':'C1','supersedes':'T1','event':" T_TALK ("T1", "2026-04-01", "李娜") "}");
    t_batch_add (&b, 5, "{'kind':'void','ref':'V1','supersedes':'T2','reason':'entered twice'}");
    t_apply ("A1", "H001", &b, &res);
    t_batch_free (&b);
    ml_batch_result_free (&res);

    int code;
    ml_store_txn_t *txn = ml_store_begin (t_store (), false, &code);
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
    t_store_close ();
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    cr_assert_eq (mdb_env_create (&env), 0);
    mdb_env_set_maxdbs (env, 32);
    cr_assert_eq (mdb_env_open (env, t_dir (), MDB_RDONLY, 0600), 0);
    cr_assert_eq (mdb_txn_begin (env, NULL, MDB_RDONLY, &txn), 0);
    bool has = mdb_dbi_open (txn, name, 0, &dbi) == 0;
    mdb_txn_abort (txn);
    mdb_env_close (env);
    t_store_open (64);
    return has;
}

Test (store_audit, audit_tables_are_made_by_the_first_put)
{
    int code;
    const void *val;
    size_t vlen;
    char rows[256] = "";
    //  a store without the tables reads them as empty
    ml_store_txn_t *txn = ml_store_begin (t_store (), false, &code);
    cr_assert_eq (ml_store_table_get (txn, ML_STORE_SAMPLES, "S2025-001", 9, &val, &vlen), ML_ENOTFOUND);
    cr_assert_eq (ml_store_table_each (txn, ML_STORE_FINDINGS, "", 0, s_on_row, rows), 0);
    cr_assert_eq (ml_store_table_put (txn, ML_STORE_SAMPLES, "a", 1, "b", 1, true), ML_EPERM);
    cr_assert_eq (ml_store_commit (&txn), 0);
    cr_assert_not (s_has_db ("samples"), "no samples database before the first put");

    txn = ml_store_begin (t_store (), true, &code);
    cr_assert_eq (ml_store_table_put (txn, ML_STORE_SAMPLES, "S2025-001", 9, "one", 3, false), 0);
    cr_assert_eq (ml_store_table_put (txn, ML_STORE_SAMPLES, "S2025-002", 9, "two", 3, false), 0);
    cr_assert_eq (ml_store_table_put (txn, ML_STORE_SAMPLES, "S2026-001", 9, "new", 3, false), 0);
    cr_assert_eq (ml_store_table_put (txn, ML_STORE_SAMPLES, "S2025-001", 9, "ONE", 3, false), ML_EEXIST);
    cr_assert_eq (ml_store_table_put (txn, ML_STORE_FINDINGS, "S2025-001\0H001/T1", 17, "[]", 2, true), 0);
    cr_assert_eq (ml_store_commit (&txn), 0, "ML_EEXIST is not sticky");

    txn = ml_store_begin (t_store (), false, &code);
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
    t_store_close ();
    t_store_open (64);
    txn = ml_store_begin (t_store (), false, &code);
    cr_assert_eq (ml_store_table_get (txn, ML_STORE_FINDINGS, "S2025-001\0H001/T1", 17, &val, &vlen), 0);
    cr_assert_eq (vlen, 2);
    ml_store_abort (&txn);
}
