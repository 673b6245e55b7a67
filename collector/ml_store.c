/* ml_store.c -- the collector's LMDB store: opening it, its transactions, agents, units, hello.

   The store is cut at its seams: ml_store_derive.c (the one derivation, for ingest and check),
   ml_store_ingest.c (apply_batch), ml_store_source.c (the reports' data source),
   ml_store_check.c (replay and compare) and ml_store_audit.c (reading for the audit). Their
   byte layout is in one private header, ml_store_db.h; every LMDB call goes through lib/ml_db,
   whose transactions keep their first failure and explain it (ml_store_error). */
#include "ml_store_db.h"
#include "ml_err.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

const char *const ml_store_db_names[DB_COUNT] = {
    "events", "log", "rejects", "agents", "refs", "persons", "orgs", "units", "meta",
    "agg", "cases", "case_years", "aggd"
};

const char *const ml_store_table_names[ML_STORE_TABLES] = { "samples", "findings", "tier_out", "tier_in" };

// ---------------------------------------------------------------------------
// Opening.

//  Describes a format_version value that is not this collector's into BUF: the number when it
//  is 1-3 ASCII digits, else its size and bytes in hex (never raw bytes: one printable line).
static void
s_format_found (const ml_db_val_t *v, char *buf, size_t len)
{
    const uint8_t *p = v->data;
    bool digits = v->len >= 1 && v->len <= 3;
    for (size_t i = 0; digits && i < v->len; i++)
        digits = p[i] >= '0' && p[i] <= '9';
    if (digits) {
        snprintf (buf, len, "store format %.*s is not supported", (int) v->len, (const char *) p);
        return;
    }
    int n = snprintf (buf, len, "store format_version is not a format number (%zu bytes%s",
                      v->len, v->len ? ": " : "");
    for (size_t i = 0; i < v->len && i < 16 && n > 0 && (size_t) n + 3 < len; i++)
        n += snprintf (buf + n, len - (size_t) n, "%02x", p[i]);
    if (n > 0 && (size_t) n + 2 < len)
        snprintf (buf + n, len - (size_t) n, ")");
}

//  Ends T of opening the store in DIR with CODE and ERR "DIR: ..." (the LMDB failure when TEXT
//  is NULL).
static int
s_open_fail (ml_db_txn_t *t, int code, const char *dir, const char *text, char *err, size_t errlen)
{
    snprintf (err, errlen, "%s: %s", dir, text ? text : ml_db_error (t->db));
    ml_db_abort (t);
    return code;
}

//  True when the format_version value V is a format this collector upgrades from (1 or 2:
//  format 2 counted practical deeds without their beneficiary, format 1 had no day counters).
static bool
s_format_older (const ml_db_val_t *v)
{
    const char *p = v->data;
    return v->len == 1 && (*p == '1' || *p == '2');
}

int
ml_store_open_dbs (ml_db_t *db, ml_db_dbi_t *dbi, bool readonly, bool create, const char *dir,
                   bool *upgrade, char *err, size_t errlen)
{
    ml_db_txn_t t;
    ml_db_dbi_t main_db = 0;
    char text[512];
    if (ml_db_begin (db, &t, !readonly) || ml_db_table (&t, NULL, 0, &main_db))
        return s_open_fail (&t, t.ret, dir, NULL, err, errlen);
    bool fresh = create && !readonly && ml_db_count (&t, main_db) == 0;
    int rc = t.ret ? t.ret : ml_db_table (&t, ml_store_db_names[DB_META], fresh ? ML_DB_CREATE : 0,
                                          &dbi[DB_META]);
    if (rc == ML_ENOTFOUND) {
        snprintf (text, sizeof text, "not a massline store (no 'meta' database; this collector "
                  "reads format %d)", ML_STORE_FORMAT);
        return s_open_fail (&t, rc, dir, text, err, errlen);
    }
    if (rc)
        return s_open_fail (&t, rc, dir, NULL, err, errlen);
    char want[8];
    snprintf (want, sizeof want, "%d", ML_STORE_FORMAT);
    ml_db_val_t v;
    bool found = ml_db_get (&t, dbi[DB_META], META_FORMAT, strlen (META_FORMAT), &v);
    if (!found && !t.ret && fresh)
        ml_db_put (&t, dbi[DB_META], META_FORMAT, strlen (META_FORMAT), want, strlen (want), 0);
    else
    if (!found && !t.ret) {
        snprintf (text, sizeof text, "no store format recorded (meta format_version is missing); "
                  "this collector reads %d", ML_STORE_FORMAT);
        return s_open_fail (&t, ML_EPROTO, dir, text, err, errlen);
    }
    else
    if (found && s_format_older (&v) && upgrade && !readonly)
        *upgrade = true;                    //  formats 1, 2: rebuilt from the log by the caller
    else
    if (found && s_format_older (&v) && upgrade) {
        snprintf (text, sizeof text, "store format %c must be upgraded to %d: start "
                  "`massline-collector serve` on it once (it rebuilds what is derived from the "
                  "event log)", *(const char *) v.data, ML_STORE_FORMAT);
        return s_open_fail (&t, ML_EPROTO, dir, text, err, errlen);
    }
    else
    if (found && (v.len != strlen (want) || memcmp (v.data, want, v.len))) {
        char what[128];
        s_format_found (&v, what, sizeof what);
        snprintf (text, sizeof text, "%s (this collector reads %d)", what, ML_STORE_FORMAT);
        return s_open_fail (&t, ML_EPROTO, dir, text, err, errlen);
    }
    if (t.ret)
        return s_open_fail (&t, t.ret, dir, NULL, err, errlen);
    for (int i = 0; i < DB_COUNT; i++) {
        if (i == DB_META)
            continue;
        bool added = upgrade && *upgrade && i == DB_AGGD;     //  new in format 2 (made if missing)
        rc = ml_db_table (&t, ml_store_db_names[i], fresh || added ? ML_DB_CREATE : 0, &dbi[i]);
        if (rc == ML_ENOTFOUND) {
            snprintf (text, sizeof text, "store format %d has no '%s' database (damaged, or "
                      "written before it existed); this collector reads %d", ML_STORE_FORMAT,
                      ml_store_db_names[i], ML_STORE_FORMAT);
            return s_open_fail (&t, rc, dir, text, err, errlen);
        }
        if (rc)
            return s_open_fail (&t, rc, dir, NULL, err, errlen);
    }
    rc = ml_db_commit (&t);                 //  a read transaction too: that keeps the handles
    if (rc)
        snprintf (err, errlen, "%s: %s", dir, ml_db_error (db));
    return rc;
}

//  Opens the other modules' tables that exist (they are made by their first put).
static int
s_open_tables (ml_store_t *self, const char *dir, char *err, size_t errlen)
{
    ml_db_txn_t t;
    ml_db_begin (self->db, &t, false);
    for (int i = 0; i < ML_STORE_TABLES && !t.ret; i++)
        self->thas[i] = ml_db_table (&t, ml_store_table_names[i], 0, &self->tdbi[i]) == 0;
    int rc = ml_db_commit (&t);             //  keeps the handles
    if (rc)
        snprintf (err, errlen, "%s: %s", dir, ml_db_error (self->db));
    return rc;
}

ml_store_t *
ml_store_open (const char *dir, long map_size_mb, bool readonly, char *err, size_t errlen)
{
    if (map_size_mb <= 0) {
        snprintf (err, errlen, "map_size_mb must be positive (%ld)", map_size_mb);
        return NULL;
    }
    if (!readonly && mkdir (dir, 0700) && errno != EEXIST) {
        snprintf (err, errlen, "data dir %s: %s", dir, strerror (errno));
        return NULL;
    }
    ml_store_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    self->readonly = readonly;
    pthread_mutex_init (&self->tlock, NULL);
    char why[256];
    self->db = ml_db_open (dir, (size_t) map_size_mb << 20, ML_STORE_MAX_DBS,
                           readonly ? ML_DB_RDONLY : 0, why, sizeof why);
    if (!self->db) {
        snprintf (err, errlen, "data dir %s: %s", dir, why);
        goto fail;
    }
    bool upgrade = false;
    if (ml_store_open_dbs (self->db, self->dbi, readonly, !readonly, dir, &upgrade, err, errlen)
    ||  s_open_tables (self, dir, err, errlen)
    ||  ml_store_chain_open (self, dir, err, errlen)
    ||  ml_store_watch_open (self, dir, err, errlen)
    ||  (upgrade && ml_store_rebuild (self, err, errlen)))
        goto fail;
    return self;
fail:
    ml_store_close (&self);
    return NULL;
}

void
ml_store_close (ml_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_store_t *self = *self_p;
    ml_db_close (&self->db);
    pthread_mutex_destroy (&self->tlock);
    free (self);
    *self_p = NULL;
}

const char *
ml_store_error (const ml_store_t *self)
{
    return ml_db_error (self->db);
}

uint64_t
ml_store_generation (ml_store_t *self)
{
    return ml_db_generation (self->db);
}

// ---------------------------------------------------------------------------
// Transactions.

ml_store_txn_t *
ml_store_begin (ml_store_t *self, bool write, int *code)
{
    if (write && self->readonly) {
        *code = ML_EPERM;
        return NULL;
    }
    ml_store_txn_t *t = calloc (1, sizeof *t);
    if (!t) {
        *code = ML_ENOMEM;
        return NULL;
    }
    ml_db_set_error (self->db, "");        //  ml_store_error tells of this transaction
    if (ml_db_begin (self->db, &t->db, write)) {
        *code = t->db.ret;
        free (t);
        return NULL;
    }
    t->store = self;
    t->write = write;
    t->x.d = (ml_store_side_t) { &t->db, self->dbi };
    t->x.p = t->x.d;
    return t;
}

void
ml_store_abort (ml_store_txn_t **txn_p)
{
    if (!txn_p || !*txn_p)
        return;
    ml_db_abort (&(*txn_p)->db);
    free (*txn_p);
    *txn_p = NULL;
}

//  Adopts the table handles T opened, once it has committed.
static void
s_tables_keep (ml_store_txn_t *t)
{
    pthread_mutex_lock (&t->store->tlock);
    for (int i = 0; i < ML_STORE_TABLES; i++)
        if (t->tstate[i] == T_OPENED && !t->store->thas[i]) {
            t->store->tdbi[i] = t->tdbi[i];
            t->store->thas[i] = true;
        }
    pthread_mutex_unlock (&t->store->tlock);
}

static bool
s_tables_opened (ml_store_txn_t *t)
{
    for (int i = 0; i < ML_STORE_TABLES; i++)
        if (t->tstate[i] == T_OPENED)
            return true;
    return false;
}

int
ml_store_commit (ml_store_txn_t **txn_p)
{
    ml_store_txn_t *t = *txn_p;
    if (t->write) {
        ml_store_count_flush (&t->x);
        if (t->log_next) {
            uint8_t v[8];
            ml_db_be64_put (v, t->log_next);
            ml_db_put (&t->db, t->store->dbi[DB_META], META_LOG_NEXT, strlen (META_LOG_NEXT),
                       v, 8, 0);
        }
    }
    //  A read that opened a table commits too, so that the handle stays open.
    int ret;
    if (t->write || s_tables_opened (t))
        ret = ml_db_commit (&t->db);
    else {
        ret = t->db.ret;
        ml_db_abort (&t->db);
    }
    if (!ret)
        s_tables_keep (t);
    free (t);
    *txn_p = NULL;
    return ret;
}

void
ml_store_log_append (ml_store_txn_t *t, const uint8_t *ekey, size_t eklen)
{
    if (!t->log_next) {
        ml_db_val_t v;
        t->log_next = 1;
        if (ml_db_get (&t->db, t->store->dbi[DB_META], META_LOG_NEXT, strlen (META_LOG_NEXT), &v)
            && v.len == 8)
            t->log_next = ml_db_be64_get (v.data);
    }
    uint8_t k[8];
    ml_db_be64_put (k, t->log_next++);
    ml_db_put (&t->db, t->store->dbi[DB_LOG], k, 8, ekey, eklen, ML_DB_APPEND);
}

// ---------------------------------------------------------------------------
// Agents, units, hello.

int
ml_store_agent_read (ml_store_derive_t *x, const char *agent, ml_agent_state_t *out)
{
    memset (out, 0, sizeof *out);
    ml_db_val_t v;
    if (!ml_db_get (x->p.t, x->p.dbi[DB_AGENTS], agent, strlen (agent), &v))
        return x->p.t->ret ? x->p.t->ret : ML_ENOTFOUND;
    return ml_store_agent_decode (&v, out) ? 0 : ML_EIO;
}

void
ml_store_agent_write (ml_store_derive_t *x, const char *agent, const char *unit, uint64_t hwm,
                      int64_t last_seen)
{
    uint8_t v[AGENT_VALUE_MAX];
    size_t vlen = ml_store_agent_value (v, unit, hwm, last_seen);
    ml_db_put (x->p.t, x->p.dbi[DB_AGENTS], agent, strlen (agent), v, vlen, 0);
}

int
ml_store_agent (ml_store_txn_t *txn, const char *agent, ml_agent_state_t *out)
{
    return ml_store_agent_read (&txn->x, agent, out);
}

int
ml_store_unit (ml_store_txn_t *txn, const char *unit, ml_unit_counts_t *out)
{
    memset (out, 0, sizeof *out);
    if (txn->write)
        ml_store_count_flush (&txn->x);
    ml_db_val_t v;
    if (ml_db_get (&txn->db, txn->store->dbi[DB_UNITS], unit, strlen (unit), &v)
        && v.len == UNIT_VALUE_LEN) {
        out->events = ml_db_be64_get (v.data);
        out->rejected = ml_db_be64_get ((uint8_t *) v.data + 8);
    }
    return txn->db.ret;
}

//  The stored rejects of AGENT of UNIT with seq in [FROM, HWM] into *REJECTS, *N (malloc'd).
static void
s_rejects_since (ml_store_txn_t *txn, const char *agent, const char *unit, uint64_t from,
                 uint64_t hwm, ml_reject_t **rejects, size_t *n)
{
    uint8_t key[KEY_MAX];
    size_t klen = ml_store_key_event (key, unit, agent, from);
    size_t plen = klen - 8;                 //  the unit\0agent\0 prefix
    ml_db_cursor_t c;
    ml_db_val_t k, v;
    size_t cap = 0;
    if (!klen || !ml_db_cursor_open (&txn->db, txn->store->dbi[DB_REJECTS], &c))
        return;
    for (bool ok = ml_db_seek (&c, key, klen, &k, &v); ok; ok = ml_db_next (&c, &k, &v)) {
        if (k.len != klen || memcmp (k.data, key, plen) != 0)
            break;
        uint64_t seq = ml_db_be64_get ((uint8_t *) k.data + plen);
        if (seq > hwm)
            break;
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            ml_reject_t *grown = realloc (*rejects, cap * sizeof **rejects);
            if (!grown) {
                ml_db_fail (&txn->db, ML_ENOMEM, "hello: out of memory");
                break;
            }
            *rejects = grown;
        }
        ml_store_reject_decode (&v, seq, &(*rejects)[(*n)++]);
    }
    ml_db_cursor_close (&c);
}

int
ml_store_hello (ml_store_txn_t *txn, const char *agent, const char *unit, uint64_t acked_seq,
                int64_t now, uint64_t *hwm, ml_reject_t **rejects, size_t *n)
{
    *rejects = NULL;
    *n = 0;
    ml_agent_state_t st;
    int rc = ml_store_agent_read (&txn->x, agent, &st);
    if (rc && rc != ML_ENOTFOUND)
        return rc;
    *hwm = st.hwm;
    if (acked_seq < st.hwm)
        s_rejects_since (txn, agent, unit, acked_seq + 1, st.hwm, rejects, n);
    if (txn->db.ret) {
        free (*rejects);
        *rejects = NULL;
        *n = 0;
        return txn->db.ret;
    }
    if (txn->write)
        ml_store_agent_write (&txn->x, agent, unit, st.hwm, now);
    return txn->db.ret;
}
