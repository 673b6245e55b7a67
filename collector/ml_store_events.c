/* ml_store_events.c -- reading one unit's stored events as received (the events behind a
   number, issue 14): every version, corrections and voids included, with the agent and seq that
   recorded it. Read-only; the query (ml_query_events.c) sees the store through this only. */
#include "ml_store_db.h"
#include "ml_err.h"

typedef struct {
    ml_store_event_fn *fn;
    void *arg;
} s_walk_t;

static int
s_on_event (void *arg, const ml_db_val_t *key, const ml_db_val_t *val)
{
    s_walk_t *w = arg;
    char unit[ML_ID_MAX + 1], agent[ML_ID_MAX + 1];
    uint64_t seq;
    if (!ml_store_key_event_parse (key->data, key->len, unit, agent, &seq))
        return 0;                       //  not an events key
    return w->fn (w->arg, agent, seq, val->data, val->len);
}

int
ml_store_unit_events_each (ml_store_txn_t *txn, const char *unit, ml_store_event_fn *fn, void *arg)
{
    size_t ulen = strlen (unit);
    if (ulen == 0 || ulen > ML_ID_MAX)
        return ML_EINVAL;
    uint8_t prefix[ML_ID_MAX + 1];
    memcpy (prefix, unit, ulen + 1);    //  unit NUL: only this unit's keys
    s_walk_t w = { fn, arg };
    return ml_db_each (&txn->db, txn->store->dbi[DB_EVENTS], prefix, ulen + 1, s_on_event, &w);
}
