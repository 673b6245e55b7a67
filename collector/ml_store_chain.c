/* ml_store_chain.c -- the reporting chain in the store: its databases, the per-unit hash chain,
   the year states, the bureau's decisions and the frozen documents (ml_chain.h; byte layout in
   ml_store_db.h). The locks and the year states ingest applies are ml_store_chain_ingest.c's.

   The chain, periods, years, transitions and documents are primary data, kept in the ingest
   transaction (or the decision's): check recomputes the chain heads from the log and compares
   them, everything else is the record of what happened when. */
#include "ml_chain.h"
#include "ml_store_db.h"
#include "ml_store_chain_db.h"
#include "ml_err.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

const char *const ml_store_chain_db_names[CDB_COUNT] = {
    "chain", "periods", "years", "transitions", "documents"
};

static const char *const s_state_names[] = { "draft", "submitted", "returned", "accepted" };

const char *
ml_year_state_name (ml_year_state_t state)
{
    return (unsigned) state < 4 ? s_state_names[state] : "?";
}

void
ml_chain_step (const uint8_t prev[32], const uint8_t *bytes, size_t len, uint8_t out[32])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init (&st);
    crypto_hash_sha256_update (&st, prev, 32);
    crypto_hash_sha256_update (&st, bytes, len);
    crypto_hash_sha256_final (&st, out);
}

static void
s_hex (const uint8_t *bin, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bin[i] >> 4];
        out[2 * i + 1] = digits[bin[i] & 15];
    }
    out[2 * n] = 0;
}

char *
ml_store_chain_iso_day (int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t) t;
    struct tm tm;
    gmtime_r (&tt, &tm);
    strftime (buf, len, "%Y-%m-%d", &tm);
    return buf;
}

// ---------------------------------------------------------------------------
// Values.

//  The NUL-separated strings after HEAD bytes of V: up to N of them into the OUT buffers.
static void
s_strings (const ml_db_val_t *v, size_t head, size_t n, char **out, const size_t *sizes)
{
    const char *p = (const char *) v->data + head, *end = (const char *) v->data + v->len;
    for (size_t i = 0; i < n; i++) {
        size_t l = p < end ? strnlen (p, (size_t) (end - p)) : 0;
        snprintf (out[i], sizes[i], "%.*s", (int) l, p < end ? p : "");
        p += l + 1;
    }
}

static bool
s_year_decode (const ml_db_val_t *v, int year, ml_year_t *y)
{
    memset (y, 0, sizeof *y);
    y->year = year;
    if (v->len < CHAIN_YEAR_HEAD)
        return false;
    const uint8_t *p = v->data;
    y->state = (ml_year_state_t) p[0];
    y->unfrozen = p[1] & CHAIN_YEAR_UNFROZEN;
    y->version = ml_store_be32_get (p + 2);
    y->transitions = ml_store_be32_get (p + 6);
    y->submitted_at = (int64_t) ml_db_be64_get (p + 10);
    y->decided_at = (int64_t) ml_db_be64_get (p + 18);
    y->chain.count = ml_db_be64_get (p + 26);
    memcpy (y->chain.head, p + 34, 32);
    char *out[] = { y->filler, y->reviewer, y->approver, y->decided_by, y->reason };
    size_t sizes[] = { sizeof y->filler, sizeof y->reviewer, sizeof y->approver,
                       sizeof y->decided_by, sizeof y->reason };
    s_strings (v, CHAIN_YEAR_HEAD, 5, out, sizes);
    return true;
}

void
ml_store_chain_year_put (ml_store_txn_t *t, const char *unit, const ml_year_t *y)
{
    uint8_t key[KEY_MAX], val[CHAIN_YEAR_HEAD + 4 * (ML_ID_MAX + 1) + 8 + sizeof y->reason];
    size_t klen = ml_store_key_year (key, unit, y->year);
    val[0] = (uint8_t) y->state;
    val[1] = y->unfrozen ? CHAIN_YEAR_UNFROZEN : 0;
    ml_store_be32_put (val + 2, y->version);
    ml_store_be32_put (val + 6, y->transitions);
    ml_db_be64_put (val + 10, (uint64_t) y->submitted_at);
    ml_db_be64_put (val + 18, (uint64_t) y->decided_at);
    ml_db_be64_put (val + 26, y->chain.count);
    memcpy (val + 34, y->chain.head, 32);
    size_t n = CHAIN_YEAR_HEAD;
    const char *strs[] = { y->filler, y->reviewer, y->approver, y->decided_by, y->reason };
    for (int i = 0; i < 5; i++) {
        size_t l = strlen (strs[i]) + 1;
        memcpy (val + n, strs[i], l);
        n += l;
    }
    if (klen)
        ml_db_put (&t->db, t->store->cdbi[CDB_YEARS], key, klen, val, n - 1, 0);
}

//  Stores transition y->transitions + 1 of Y (state, version as in Y now) and counts it.
void
ml_store_chain_transition_put (ml_store_txn_t *t, const char *unit, ml_year_t *y, const char *who,
                  const char *why, int64_t at)
{
    uint8_t key[KEY_MAX + 4], val[13 + ML_CHAIN_WHO_MAX + 512 + 1];
    size_t klen = ml_store_key_year (key, unit, y->year);
    if (!klen)
        return;
    y->transitions++;
    ml_store_be32_put (key + klen, y->transitions);
    val[0] = (uint8_t) y->state;
    ml_store_be32_put (val + 1, y->version);
    ml_db_be64_put (val + 5, (uint64_t) at);
    int n = snprintf ((char *) val + 13, sizeof val - 13, "%.*s", ML_CHAIN_WHO_MAX - 1, who);
    n += 1 + snprintf ((char *) val + 13 + n + 1, sizeof val - 13 - (size_t) n - 1, "%.511s",
                       why ? why : "");
    ml_db_put (&t->db, t->store->cdbi[CDB_TRANSITIONS], key, klen + 4, val, 13 + (size_t) n, 0);
}

// ---------------------------------------------------------------------------
// Opening.

//  The chain heads of every unit, rebuilt from the log (a store that had events before the chain
//  existed): written into T's chain database.
static void s_build_heads (ml_store_txn_t *t);

int
ml_store_chain_open (ml_store_t *self, const char *dir, char *err, size_t errlen)
{
    if (sodium_init () < 0) {
        snprintf (err, errlen, "libsodium cannot start");
        return ML_EIO;
    }
    ml_store_txn_t t = { .store = self, .write = !self->readonly };
    if (ml_db_begin (self->db, &t.db, !self->readonly)) {
        snprintf (err, errlen, "%s: %s", dir, ml_db_error (self->db));
        return t.db.ret;
    }
    t.x.d = (ml_store_side_t) { &t.db, self->dbi };
    t.x.p = t.x.d;
    bool created = false;
    for (int i = 0; i < CDB_COUNT && !t.db.ret; i++) {
        int rc = ml_db_table (&t.db, ml_store_chain_db_names[i], 0, &self->cdbi[i]);
        if (rc == ML_ENOTFOUND && self->readonly) {
            self->cabsent = true;
            break;
        }
        if (rc == ML_ENOTFOUND) {
            t.db.ret = 0;
            rc = ml_db_table (&t.db, ml_store_chain_db_names[i], ML_DB_CREATE, &self->cdbi[i]);
            created |= i == CDB_CHAIN;
        }
        if (rc && !t.db.ret)
            t.db.ret = rc;
    }
    if (created && !t.db.ret && ml_db_count (&t.db, self->dbi[DB_LOG]) > 0)
        s_build_heads (&t);
    int rc = t.db.ret;
    if (rc) {
        snprintf (err, errlen, "%s: %s", dir, ml_db_error (self->db));
        ml_db_abort (&t.db);
        return rc;
    }
    rc = ml_db_commit (&t.db);
    if (rc)
        snprintf (err, errlen, "%s: %s", dir, ml_db_error (self->db));
    return rc;
}

//  True when T may read the chain's databases (a read-only open of an older store may not).
static bool
s_present (ml_store_txn_t *t)
{
    return !t->store->cabsent;
}

// ---------------------------------------------------------------------------
// The chain.

int
ml_chain_head (ml_store_txn_t *txn, const char *unit, ml_chain_head_t *out)
{
    memset (out, 0, sizeof *out);
    ml_db_val_t v;
    if (s_present (txn)
        && ml_db_get (&txn->db, txn->store->cdbi[CDB_CHAIN], unit, strlen (unit), &v)
        && v.len == CHAIN_VALUE_LEN) {
        out->count = ml_db_be64_get (v.data);
        memcpy (out->head, (uint8_t *) v.data + 8, 32);
    }
    return txn->db.ret;
}

void
ml_store_chain_head_put (ml_store_txn_t *t, const char *unit, const ml_chain_head_t *h)
{
    uint8_t val[CHAIN_VALUE_LEN];
    ml_db_be64_put (val, h->count);
    memcpy (val + 8, h->head, 32);
    ml_db_put (&t->db, t->store->cdbi[CDB_CHAIN], unit, strlen (unit), val, CHAIN_VALUE_LEN, 0);
}

//  A unit's running chain while the log is replayed.
typedef struct {
    char unit[ML_ID_MAX + 1];
    ml_chain_head_t h;
} s_run_t;

typedef struct {
    s_run_t *runs;
    size_t n, cap;
    const char *only;                   //  NULL: every unit
    uint64_t stop;                      //  with ONLY: stop after this many events (0: never)
} s_replay_t;

//  Replays T's log into R: every stored event of R->only (or of every unit) chained in order.
static void
s_replay (ml_store_txn_t *t, s_replay_t *r)
{
    ml_db_cursor_t c;
    ml_db_val_t k, v, ev;
    size_t olen = r->only ? strlen (r->only) + 1 : 0;
    if (!ml_db_cursor_open (&t->db, t->store->dbi[DB_LOG], &c))
        return;
    for (bool ok = ml_db_first (&c, &k, &v); ok; ok = ml_db_next (&c, &k, &v)) {
        if (r->only && (v.len < olen || memcmp (v.data, r->only, olen) != 0))
            continue;
        const char *unit = v.data;
        size_t ulen = strnlen (unit, v.len);
        if (ulen > ML_ID_MAX || ulen == v.len)
            continue;
        s_run_t *run = NULL;
        for (size_t i = 0; i < r->n && !run; i++)
            if (strlen (r->runs[i].unit) == ulen && memcmp (r->runs[i].unit, unit, ulen) == 0)
                run = &r->runs[i];
        if (!run) {
            if (r->n == r->cap) {
                size_t cap = r->cap ? 2 * r->cap : 16;
                s_run_t *grown = realloc (r->runs, cap * sizeof *grown);
                if (!grown) {
                    ml_db_fail (&t->db, ML_ENOMEM, "chain: out of memory");
                    break;
                }
                r->runs = grown;
                r->cap = cap;
            }
            run = &r->runs[r->n++];
            memset (run, 0, sizeof *run);
            memcpy (run->unit, unit, ulen);
        }
        if (!ml_db_get (&t->db, t->store->dbi[DB_EVENTS], v.data, v.len, &ev))
            continue;                   //  a missing event: check's replay names it
        ml_chain_step (run->h.head, ev.data, ev.len, run->h.head);
        run->h.count++;
        if (r->only && r->stop && run->h.count == r->stop)
            break;
    }
    ml_db_cursor_close (&c);
}

static void
s_build_heads (ml_store_txn_t *t)
{
    s_replay_t r = { 0 };
    s_replay (t, &r);
    for (size_t i = 0; i < r.n && !t->db.ret; i++)
        ml_store_chain_head_put (t, r.runs[i].unit, &r.runs[i].h);
    free (r.runs);
}

int
ml_chain_verify (ml_store_txn_t *txn, const char *unit, const ml_chain_head_t *at, char *why,
                 size_t whylen)
{
    s_replay_t r = { .only = unit, .stop = at->count };
    if (at->count)
        s_replay (txn, &r);
    ml_chain_head_t now = r.n ? r.runs[0].h : (ml_chain_head_t) { 0 };
    free (r.runs);
    if (txn->db.ret)
        return txn->db.ret;
    if (now.count == at->count && memcmp (now.head, at->head, 32) == 0)
        return 0;
    char a[65], b[65];
    s_hex (now.head, 32, a);
    s_hex (at->head, 32, b);
    if (now.count < at->count)
        snprintf (why, whylen, "the store holds only %" PRIu64 " events of %s, the document was "
                  "sealed over %" PRIu64 ": events behind it are gone", now.count, unit, at->count);
    else
        snprintf (why, whylen, "the chain of %s over its first %" PRIu64 " events is now %.16s..., "
                  "the document says %.16s...: an event behind it was changed", unit, at->count,
                  a, b);
    return ML_ECONFLICT;
}

int
ml_chain_check (ml_store_txn_t *txn, void (*report) (void *arg, const char *line), void *arg,
                uint64_t *units)
{
    *units = 0;
    if (!s_present (txn))
        return 0;
    s_replay_t r = { 0 };
    s_replay (txn, &r);
    int mismatches = 0;
    char line[512], a[65], b[65];
    for (size_t i = 0; i < r.n && !txn->db.ret; i++) {
        ml_chain_head_t stored;
        ml_chain_head (txn, r.runs[i].unit, &stored);
        if (stored.count == r.runs[i].h.count && memcmp (stored.head, r.runs[i].h.head, 32) == 0)
            continue;
        s_hex (stored.head, 32, a);
        s_hex (r.runs[i].h.head, 32, b);
        snprintf (line, sizeof line, "chain %s: stored head %.16s... over %" PRIu64 " events, but "
                  "the log gives %.16s... over %" PRIu64 ": an event was altered, added or removed "
                  "outside the collector", r.runs[i].unit, a, stored.count, b, r.runs[i].h.count);
        report (arg, line);
        mismatches++;
    }
    //  a head for a unit the log does not have
    ml_db_cursor_t c;
    ml_db_val_t k, v;
    if (!txn->db.ret && ml_db_cursor_open (&txn->db, txn->store->cdbi[CDB_CHAIN], &c)) {
        for (bool ok = ml_db_first (&c, &k, &v); ok; ok = ml_db_next (&c, &k, &v)) {
            bool known = false;
            for (size_t i = 0; i < r.n && !known; i++)
                known = strlen (r.runs[i].unit) == k.len && memcmp (r.runs[i].unit, k.data, k.len) == 0;
            if (!known) {
                snprintf (line, sizeof line, "chain %.*s: a head is stored but the log has no "
                          "event of that unit", (int) (k.len > 64 ? 64 : k.len), (char *) k.data);
                report (arg, line);
                mismatches++;
            }
        }
        ml_db_cursor_close (&c);
    }
    *units = r.n;
    free (r.runs);
    return txn->db.ret ? txn->db.ret : mismatches;
}

// ---------------------------------------------------------------------------
// Years, transitions, documents, periods.

int
ml_chain_year (ml_store_txn_t *txn, const char *unit, int year, ml_year_t *out)
{
    memset (out, 0, sizeof *out);
    out->year = year;
    uint8_t key[KEY_MAX];
    size_t klen = ml_store_key_year (key, unit, year);
    ml_db_val_t v;
    if (!klen || !s_present (txn)
        || !ml_db_get (&txn->db, txn->store->cdbi[CDB_YEARS], key, klen, &v))
        return txn->db.ret ? txn->db.ret : ML_ENOTFOUND;
    return s_year_decode (&v, year, out) ? 0 : ML_EIO;
}

int
ml_chain_years_each (ml_store_txn_t *txn, const char *unit, ml_chain_year_fn *fn, void *arg)
{
    if (!s_present (txn))
        return 0;
    ml_db_cursor_t c;
    ml_db_val_t k, v;
    size_t plen = unit ? strlen (unit) + 1 : 0;
    int rc = 0;
    if (!ml_db_cursor_open (&txn->db, txn->store->cdbi[CDB_YEARS], &c))
        return txn->db.ret;
    for (bool ok = ml_db_seek (&c, unit ? unit : "", plen, &k, &v); ok && !rc;
         ok = ml_db_next (&c, &k, &v)) {
        if (plen && (k.len != plen + 2 || memcmp (k.data, unit, plen) != 0))
            break;
        const uint8_t *kp = k.data;
        size_t ulen = strnlen ((const char *) kp, k.len);
        if (ulen + 3 != k.len)
            continue;
        char u[ML_ID_MAX + 1];
        snprintf (u, sizeof u, "%.*s", (int) ulen, (const char *) kp);
        ml_year_t y;
        if (s_year_decode (&v, kp[ulen + 1] << 8 | kp[ulen + 2], &y))
            rc = fn (arg, u, &y);
    }
    ml_db_cursor_close (&c);
    return rc ? rc : txn->db.ret;
}

int
ml_chain_transitions_each (ml_store_txn_t *txn, const char *unit, int year,
                           ml_chain_transition_fn *fn, void *arg)
{
    uint8_t key[KEY_MAX];
    size_t klen = ml_store_key_year (key, unit, year);
    if (!klen || !s_present (txn))
        return 0;
    ml_db_cursor_t c;
    ml_db_val_t k, v;
    int rc = 0;
    if (!ml_db_cursor_open (&txn->db, txn->store->cdbi[CDB_TRANSITIONS], &c))
        return txn->db.ret;
    for (bool ok = ml_db_seek (&c, key, klen, &k, &v); ok && !rc; ok = ml_db_next (&c, &k, &v)) {
        if (k.len != klen + 4 || memcmp (k.data, key, klen) != 0)
            break;
        if (v.len < 13)
            continue;
        const uint8_t *p = v.data;
        ml_transition_t tr = { .n = ml_store_be32_get ((const uint8_t *) k.data + klen),
                               .state = (ml_year_state_t) p[0], .version = ml_store_be32_get (p + 1),
                               .at = (int64_t) ml_db_be64_get (p + 5) };
        char *out[] = { tr.who, tr.why };
        size_t sizes[] = { sizeof tr.who, sizeof tr.why };
        s_strings (&v, 13, 2, out, sizes);
        rc = fn (arg, &tr);
    }
    ml_db_cursor_close (&c);
    return rc ? rc : txn->db.ret;
}

int
ml_chain_decide (ml_store_txn_t *txn, const char *unit, int year, bool accept, const char *who,
                 const char *reason, int64_t now, ml_year_t *out, char *err, size_t errlen)
{
    int rc = ml_chain_year (txn, unit, year, out);
    if (rc && rc != ML_ENOTFOUND)
        return rc;
    if (out->state != ML_YEAR_SUBMITTED) {
        snprintf (err, errlen, "%s %d is %s, not submitted: only a submitted year is accepted or "
                  "returned", unit, year, ml_year_state_name (out->state));
        return ML_ECONFLICT;
    }
    out->state = accept ? ML_YEAR_ACCEPTED : ML_YEAR_RETURNED;
    out->decided_at = now;
    snprintf (out->decided_by, sizeof out->decided_by, "%s", who);
    snprintf (out->reason, sizeof out->reason, "%s", reason ? reason : "");
    if (accept) {
        ml_chain_head (txn, unit, &out->chain);
        out->unfrozen = true;           //  the acceptance's document is made next
    }
    ml_store_chain_transition_put (txn, unit, out, who, reason, now);
    ml_store_chain_year_put (txn, unit, out);
    return txn->db.ret;
}

int
ml_chain_freeze (ml_store_txn_t *txn, const char *unit, int year, const char *json, size_t len)
{
    ml_year_t y;
    int rc = ml_chain_year (txn, unit, year, &y);
    if (rc)
        return rc;
    uint8_t key[KEY_MAX + 4];
    size_t klen = ml_store_key_year (key, unit, year);
    ml_store_be32_put (key + klen, y.transitions);
    //  who decided: the acceptance's reviewer; nobody yet for a submission (even one that follows
    //  a return, whose year record still names who returned it)
    const char *who = y.state == ML_YEAR_ACCEPTED ? y.decided_by : "";
    size_t wlen = strlen (who) + 1;
    uint8_t *val = malloc (CHAIN_DOC_HEAD + wlen + len);
    if (!val)
        return ML_ENOMEM;
    val[0] = (uint8_t) y.state;
    ml_store_be32_put (val + 1, y.version);
    ml_db_be64_put (val + 5, (uint64_t) (y.state == ML_YEAR_ACCEPTED ? y.decided_at : y.submitted_at));
    ml_db_be64_put (val + 13, y.chain.count);
    memcpy (val + 21, y.chain.head, 32);
    ml_sha256 ((const uint8_t *) json, len, val + 53);
    memcpy (val + CHAIN_DOC_HEAD, who, wlen);
    memcpy (val + CHAIN_DOC_HEAD + wlen, json, len);
    ml_db_put (&txn->db, txn->store->cdbi[CDB_DOCUMENTS], key, klen + 4, val,
               CHAIN_DOC_HEAD + wlen + len, 0);
    free (val);
    y.unfrozen = false;
    ml_store_chain_year_put (txn, unit, &y);
    return txn->db.ret;
}

int
ml_chain_document (ml_store_txn_t *txn, const char *unit, int year, uint32_t n, ml_document_t *out)
{
    memset (out, 0, sizeof *out);
    uint8_t key[KEY_MAX + 4];
    size_t klen = ml_store_key_year (key, unit, year);
    if (!klen || !s_present (txn))
        return ML_ENOTFOUND;
    ml_db_cursor_t c;
    ml_db_val_t k, v, dv = { 0, NULL };
    bool found = false;
    if (!ml_db_cursor_open (&txn->db, txn->store->cdbi[CDB_DOCUMENTS], &c))
        return txn->db.ret;
    //  N, or the latest: the last key with this unit and year
    for (bool ok = ml_db_seek (&c, key, klen, &k, &v); ok; ok = ml_db_next (&c, &k, &v)) {
        if (k.len != klen + 4 || memcmp (k.data, key, klen) != 0)
            break;
        if (n && ml_store_be32_get ((const uint8_t *) k.data + klen) != n)
            continue;
        found = true;
        memcpy (key + klen, (const uint8_t *) k.data + klen, 4);
        dv = v;
        if (n)
            break;
    }
    k = (ml_db_val_t) { klen + 4, key };
    v = dv;
    if (found && v.len >= CHAIN_DOC_HEAD + 1) {
        const uint8_t *p = v.data;
        snprintf (out->unit, sizeof out->unit, "%s", unit);
        out->year = year;
        out->n = ml_store_be32_get ((const uint8_t *) k.data + klen);
        out->state = (ml_year_state_t) p[0];
        out->version = ml_store_be32_get (p + 1);
        out->at = (int64_t) ml_db_be64_get (p + 5);
        out->chain.count = ml_db_be64_get (p + 13);
        memcpy (out->chain.head, p + 21, 32);
        memcpy (out->digest, p + 53, 32);
        size_t wl = strnlen ((const char *) p + CHAIN_DOC_HEAD, v.len - CHAIN_DOC_HEAD);
        snprintf (out->decided_by, sizeof out->decided_by, "%.*s", (int) wl,
                  (const char *) p + CHAIN_DOC_HEAD);
        out->json = (const char *) p + CHAIN_DOC_HEAD + wl + 1;
        out->len = v.len - CHAIN_DOC_HEAD - wl - 1;
    }
    else
        found = false;
    ml_db_cursor_close (&c);
    return txn->db.ret ? txn->db.ret : found ? 0 : ML_ENOTFOUND;
}

size_t
ml_store_chain_period_key (uint8_t *key, const char *unit, int year, int month)
{
    size_t klen = ml_store_key_year (key, unit, year);
    if (klen)
        key[klen++] = (uint8_t) month;
    return klen;
}

int
ml_chain_period (ml_store_txn_t *txn, const char *unit, int year, int month, ml_day_t *closed,
                 uint64_t *late)
{
    uint8_t key[KEY_MAX + 1];
    size_t klen = ml_store_chain_period_key (key, unit, year, month);
    ml_db_val_t v;
    if (!klen || !s_present (txn)
        || !ml_db_get (&txn->db, txn->store->cdbi[CDB_PERIODS], key, klen, &v)
        || v.len != PERIOD_VALUE_LEN)
        return txn->db.ret ? txn->db.ret : ML_ENOTFOUND;
    *closed = (ml_day_t) ml_store_be32_get (v.data);
    *late = ml_db_be64_get ((const uint8_t *) v.data + 4);
    return 0;
}
