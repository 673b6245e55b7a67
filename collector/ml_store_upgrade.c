/* ml_store_upgrade.c -- the upgrade from store format 1 or 2: everything derived from the event
   log (refs, roster, unit counters, agg, aggd, cases, case_years) is rebuilt in place by the one
   derivation (ml_store_derive.c), in one write transaction, and this format (ML_STORE_FORMAT) is
   recorded. Format 2 counted practical deeds without their beneficiary (2.3b, V9). */
#include "ml_store_db.h"
#include "ml_err.h"

#include <stdlib.h>

//  The databases rebuilt from the log (check compares the same ones).
static const int s_derived[] = { DB_UNITS, DB_REFS, DB_PERSONS, DB_ORGS, DB_AGG, DB_CASES,
                                 DB_CASE_YEARS, DB_AGGD };

//  Applies the event the log entry V (an events key) names; an entry that does not apply again is
//  skipped (check reports such a log; the upgrade keeps what the old ingest accepted).
static void
s_apply (ml_store_derive_t *x, const ml_db_val_t *v)
{
    char unit[ML_ID_MAX + 1], agent[ML_ID_MAX + 1];
    uint64_t seq;
    ml_db_val_t bytes;
    if (!ml_store_key_event_parse (v->data, v->len, unit, agent, &seq)
        || !ml_db_get (x->p.t, x->p.dbi[DB_EVENTS], v->data, v->len, &bytes))
        return;
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (bytes.data, bytes.len, &verr);
    if (!ev)
        return;
    ml_reject_t rej;
    ml_store_derive_event (x, unit, v->data, v->len, bytes.data, bytes.len, ev, &rej);
    ml_event_free (&ev);
}

int
ml_store_rebuild (ml_store_t *self, char *err, size_t errlen)
{
    ml_db_txn_t t;
    ml_db_begin (self->db, &t, true);
    for (size_t i = 0; i < sizeof s_derived / sizeof s_derived[0]; i++)
        ml_db_empty (&t, self->dbi[s_derived[i]]);
    ml_store_derive_t x = { .p = { &t, self->dbi }, .d = { &t, self->dbi } };
    ml_db_cursor_t cur;
    ml_db_val_t k, v;
    ml_db_cursor_open (&t, self->dbi[DB_LOG], &cur);
    for (bool ok = ml_db_first (&cur, &k, &v); ok && !ml_store_derive_ret (&x);
         ok = ml_db_next (&cur, &k, &v))
        s_apply (&x, &v);
    ml_db_cursor_close (&cur);
    //  Rejected events count in units[unit] too.
    ml_db_cursor_open (&t, self->dbi[DB_REJECTS], &cur);
    for (bool ok = ml_db_first (&cur, &k, &v); ok && !ml_store_derive_ret (&x);
         ok = ml_db_next (&cur, &k, &v)) {
        char unit[ML_ID_MAX + 1], agent[ML_ID_MAX + 1];
        uint64_t seq;
        if (ml_store_key_event_parse (k.data, k.len, unit, agent, &seq))
            ml_store_derive_reject (&x, unit);
    }
    ml_db_cursor_close (&cur);
    ml_store_count_flush (&x);
    char want[8];
    snprintf (want, sizeof want, "%d", ML_STORE_FORMAT);
    ml_db_put (&t, self->dbi[DB_META], META_FORMAT, strlen (META_FORMAT), want, strlen (want), 0);
    int rc = ml_db_commit (&t);
    if (rc)
        snprintf (err, errlen, "%s: upgrade to format %d: %s", ml_db_dir (self->db), ML_STORE_FORMAT,
                  ml_db_error (self->db));
    return rc;
}
