/* ml_store_audit.c -- reading for the audit (spot-check samples): refs with their flags and the
   bytes of their current version, the roster, and the tables the store keeps for the audit.
   The audit module sees the store's data through these functions only (ml_store.h). */
#include "ml_store_db.h"
#include "ml_err.h"

#include <assert.h>

//  Fills OUT from refs entry KEY -> VAL. False when the entry is not a well-formed one.
static bool
s_ref_fill (ml_store_ref_t *out, const ml_db_val_t *key, const ml_db_val_t *val,
            ml_store_walk_t *w)
{
    const char *k = key->data;
    size_t ulen = strnlen (k, key->len);
    size_t rlen = ulen < key->len ? key->len - ulen - 1 : 0;
    if (ulen >= key->len || rlen > ML_ID_MAX || val->len <= REF_HEAD)
        return false;
    const uint8_t *head = val->data;
    out->unit = k;
    memcpy (out->ref, k + ulen + 1, rlen);
    out->ref[rlen] = 0;
    out->kind = head[1];
    out->control = head[0] & REF_CONTROL;
    out->corrected = head[0] & REF_CORRECTED;
    out->voided = head[0] & REF_VOIDED;
    out->ekey_ = head + REF_HEAD;
    out->eklen_ = val->len - REF_HEAD;
    out->walk_ = w;
    return true;
}

int
ml_store_ref_count (ml_store_txn_t *txn, uint64_t *n)
{
    *n = ml_db_count (&txn->db, txn->store->dbi[DB_REFS]);
    return txn->db.ret;
}

int
ml_store_ref_event (const ml_store_ref_t *ref, const uint8_t **data, size_t *len)
{
    ml_store_walk_t *w = ref->walk_;
    ml_store_txn_t *t = w->t;
    *data = NULL;
    *len = 0;
    if (t->db.ret)
        return t->db.ret;
    ml_db_val_t nk, ev;
    bool found;
    if (w->ecur.cur) {
        //  Often the event wanted is the one after the last (refs assigned in order): try that
        //  first, then search.
        found = w->placed && ml_db_next (&w->ecur, &nk, &ev) && nk.len == ref->eklen_
             && memcmp (nk.data, ref->ekey_, ref->eklen_) == 0;
        if (!found)
            found = ml_db_find (&w->ecur, ref->ekey_, ref->eklen_, &ev);
        w->placed = found;
    }
    else
        found = ml_db_get (&t->db, t->store->dbi[DB_EVENTS], ref->ekey_, ref->eklen_, &ev);
    if (!found)
        return t->db.ret ? t->db.ret : ML_ENOTFOUND;
    *data = ev.data;
    *len = ev.len;
    return 0;
}

int
ml_store_refs_each (ml_store_txn_t *txn, ml_store_ref_fn *fn, void *arg)
{
    ml_store_walk_t w = { .t = txn };
    ml_db_cursor_t cur;
    ml_db_val_t k, v;
    int ret = 0;
    if (ml_db_cursor_open (&txn->db, txn->store->dbi[DB_REFS], &cur)
        && ml_db_cursor_open (&txn->db, txn->store->dbi[DB_EVENTS], &w.ecur))
        for (bool ok = ml_db_first (&cur, &k, &v); ok && !ret; ok = ml_db_next (&cur, &k, &v)) {
            ml_store_ref_t r;
            if (s_ref_fill (&r, &k, &v, &w))
                ret = fn (arg, &r);
        }
    ml_db_cursor_close (&w.ecur);
    ml_db_cursor_close (&cur);
    return ret ? ret : txn->db.ret;
}

int
ml_store_event (ml_store_txn_t *txn, const char *unit, const char *ref, ml_store_ref_t *out)
{
    memset (out, 0, sizeof *out);
    uint8_t key[KEY_MAX];
    size_t klen = ml_store_key2 (key, unit, ref);
    ml_db_val_t v;
    if (!klen || !ml_db_get (&txn->db, txn->store->dbi[DB_REFS], key, klen, &v))
        return txn->db.ret ? txn->db.ret : ML_ENOTFOUND;
    txn->walk.t = txn;
    ml_db_val_t k = { klen, key };
    if (!s_ref_fill (out, &k, &v, &txn->walk))
        return ML_ENOTFOUND;
    out->unit = unit;
    return 0;
}

int
ml_store_person (ml_store_txn_t *txn, const char *unit, const char *person,
                 const uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    uint8_t key[KEY_MAX];
    size_t klen = ml_store_key2 (key, unit, person);
    ml_db_val_t v;
    if (!klen || !ml_db_get (&txn->db, txn->store->dbi[DB_PERSONS], key, klen, &v))
        return txn->db.ret ? txn->db.ret : ML_ENOTFOUND;
    return ml_store_roster_split (&v, data, len) ? 0 : ML_ENOTFOUND;
}

typedef struct {
    ml_store_person_fn *fn;
    void *arg;
} s_persons_t;

static int
s_on_person (void *arg, const ml_db_val_t *key, const ml_db_val_t *val)
{
    s_persons_t *p = arg;
    const char *k = key->data;
    size_t ulen = strnlen (k, key->len);
    size_t plen = ulen < key->len ? key->len - ulen - 1 : 0;
    const uint8_t *data;
    size_t len;
    if (ulen >= key->len || plen > ML_ID_MAX || !ml_store_roster_split (val, &data, &len))
        return 0;                       //  not a roster entry
    char person[ML_ID_MAX + 1];
    memcpy (person, k + ulen + 1, plen);
    person[plen] = 0;
    return p->fn (p->arg, k, person, data, len);
}

int
ml_store_persons_each (ml_store_txn_t *txn, ml_store_person_fn *fn, void *arg)
{
    s_persons_t p = { fn, arg };
    return ml_db_each (&txn->db, txn->store->dbi[DB_PERSONS], "", 0, s_on_person, &p);
}

// ---------------------------------------------------------------------------
// The other modules' tables.

//  The handle of TABLE in TXN; opens it, creating it when CREATE. ML_ENOTFOUND when it does not
//  exist (and not CREATE).
static int
s_table (ml_store_txn_t *t, ml_store_table_t table, bool create, ml_db_dbi_t *dbi)
{
    assert (table >= 0 && table < ML_STORE_TABLES);
    if (t->db.ret)
        return t->db.ret;
    if (t->tstate[table] == T_OPENED) {
        *dbi = t->tdbi[table];
        return 0;
    }
    if (t->tstate[table] == T_ABSENT && !create)
        return ML_ENOTFOUND;
    //  the collector's query workers run transactions on several threads (ml_store_db.h tlock)
    pthread_mutex_lock (&t->store->tlock);
    int rc = 0;
    if (t->store->thas[table])
        *dbi = t->store->tdbi[table];
    else {
        rc = ml_db_table (&t->db, ml_store_table_names[table], create ? ML_DB_CREATE : 0,
                          &t->tdbi[table]);
        if (rc == ML_ENOTFOUND)
            t->tstate[table] = T_ABSENT;
        else
        if (!rc) {
            t->tstate[table] = T_OPENED;
            *dbi = t->tdbi[table];
        }
    }
    pthread_mutex_unlock (&t->store->tlock);
    return rc;
}

int
ml_store_table_get (ml_store_txn_t *txn, ml_store_table_t table, const void *key, size_t klen,
                    const void **val, size_t *vlen)
{
    *val = NULL;
    *vlen = 0;
    ml_db_dbi_t dbi;
    int rc = s_table (txn, table, false, &dbi);
    if (rc)
        return rc;
    ml_db_val_t v;
    if (!ml_db_get (&txn->db, dbi, key, klen, &v))
        return txn->db.ret ? txn->db.ret : ML_ENOTFOUND;
    *val = v.data;
    *vlen = v.len;
    return 0;
}

int
ml_store_table_put (ml_store_txn_t *txn, ml_store_table_t table, const void *key, size_t klen,
                    const void *val, size_t vlen, bool overwrite)
{
    if (!txn->write)
        return ML_EPERM;
    ml_db_dbi_t dbi;
    int rc = s_table (txn, table, true, &dbi);
    if (rc)
        return rc;
    return ml_db_put (&txn->db, dbi, key, klen, val, vlen, overwrite ? 0 : ML_DB_NOOVERWRITE);
}

int
ml_store_table_each (ml_store_txn_t *txn, ml_store_table_t table, const void *prefix,
                     size_t plen, ml_store_row_fn *fn, void *arg)
{
    ml_db_dbi_t dbi;
    int rc = s_table (txn, table, false, &dbi);
    if (rc)
        return rc == ML_ENOTFOUND ? 0 : rc;
    ml_db_cursor_t cur;
    ml_db_val_t k, v;
    int ret = 0;
    if (ml_db_cursor_open (&txn->db, dbi, &cur))
        for (bool ok = ml_db_seek (&cur, prefix, plen, &k, &v); ok && !ret;
             ok = ml_db_next (&cur, &k, &v)) {
            if (plen && (k.len < plen || memcmp (k.data, prefix, plen) != 0))
                break;
            ret = fn (arg, k.data, k.len, v.data, v.len);
        }
    ml_db_cursor_close (&cur);
    return ret ? ret : txn->db.ret;
}
