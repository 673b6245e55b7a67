/* ml_store.c -- the collector's LMDB store: exactly-once batch apply, derived state, self-check.

   One function, s_derive_event, turns an applied event into derived state (refs, roster, unit
   counters, metric counters, cases). Ingest calls it inside the batch's write transaction;
   ml_store_check calls it while replaying the log into a scratch environment, then compares the
   two. A new aggregate is one more step in s_derive_event plus one more entry in s_derived_dbs.
   The reports read the derived state through ml_store_source (ml_store_source.h). */
#include "ml_store.h"
#include "ml_store_source.h"
#include "ml_err.h"
#include "ml_log.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { DB_EVENTS, DB_LOG, DB_REJECTS, DB_AGENTS, DB_REFS, DB_PERSONS, DB_ORGS, DB_UNITS, DB_META,
       DB_AGG, DB_CASES, DB_CASE_YEARS, DB_COUNT };
static const char *s_db_names[DB_COUNT] = {
    "events", "log", "rejects", "agents", "refs", "persons", "orgs", "units", "meta",
    "agg", "cases", "case_years"
};
//  The databases rebuilt from the log by ml_store_check.
static const int s_derived_dbs[] = { DB_UNITS, DB_REFS, DB_PERSONS, DB_ORGS, DB_AGG, DB_CASES,
                                     DB_CASE_YEARS };

#define REF_CONTROL   0x01      //  the own ref of a correction or a void: not supersedable
#define REF_CORRECTED 0x02      //  points at a correction; earlier versions stay in events
#define REF_VOIDED    0x04      //  voided: no longer counts
#define REF_HEAD      34        //  flags, kind, sha256; the events key follows
#define KEY_MAX       (2 * (ML_ID_MAX + 1) + 8)
#define CHECK_CHUNK   50000     //  events per scratch transaction in check

static const char *s_table_names[ML_STORE_TABLES] = { "samples", "findings" };

struct ml_store {
    MDB_env *env;
    MDB_dbi dbi[DB_COUNT];
    MDB_dbi tdbi[ML_STORE_TABLES];      //  the other modules' tables...
    bool thas[ML_STORE_TABLES];         //  ...where they exist (made by their first put)
    bool readonly;
};

//  A transaction and the handles of its environment's databases.
typedef struct {
    MDB_txn *txn;
    const MDB_dbi *dbi;
} s_side_t;

//  Where derivation writes (d) and where it reads primary data (p): the same transaction at
//  ingest; the scratch environment and the store at check.
typedef struct {
    s_side_t d;
    s_side_t p;
    int ret;                            //  first failure; every later call is a no-op
    char unit[ML_ID_MAX + 1];           //  unit of the counter deltas below
    uint64_t dev;                       //  events not yet added to units[unit]
    uint64_t drej;                      //  rejects not yet added to units[unit]
} s_derive_t;

//  Where ml_store_refs_each is: the events cursor it keeps beside the refs.
typedef struct {
    struct ml_store_txn *t;
    MDB_cursor *ecur;                   //  NULL: look events up one by one
    bool placed;                        //  ecur is on an entry
} s_walk_t;

struct ml_store_txn {
    s_walk_t walk;                      //  the walk of refs looked up by ml_store_event
    ml_store_t *store;
    bool write;
    s_derive_t x;                       //  x.d == x.p == this transaction
    uint64_t log_next;                  //  next log index (0: not loaded yet)
    ml_source_units_fn *units;          //  the report source's units (ml_store_source)
    void *units_ctx;
    int year;                           //  its year: which case_years buckets it lists
    MDB_dbi tdbi[ML_STORE_TABLES];      //  tables opened in this transaction...
    uint8_t tstate[ML_STORE_TABLES];    //  ...T_OPENED, or T_ABSENT when known not to exist
};
enum { T_UNKNOWN, T_OPENED, T_ABSENT };

// ---------------------------------------------------------------------------
// Small helpers: errors, big-endian numbers, keys.

static void
s_be64_put (uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t) v;
}

static uint64_t
s_be64_get (const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

//  Writes "a\0b" into BUF (KEY_MAX bytes). Returns its length, 0 when an id is too long.
static size_t
s_key2 (uint8_t *buf, const char *a, const char *b)
{
    size_t la = strlen (a), lb = strlen (b);
    if (la > ML_ID_MAX || lb > ML_ID_MAX)
        return 0;
    memcpy (buf, a, la + 1);
    memcpy (buf + la + 1, b, lb);
    return la + 1 + lb;
}

//  Writes the events key unit\0agent\0seq into BUF (KEY_MAX bytes). Returns its length.
static size_t
s_key_event (uint8_t *buf, const char *unit, const char *agent, uint64_t seq)
{
    size_t len = s_key2 (buf, unit, agent);
    if (!len)
        return 0;
    buf[len++] = 0;
    s_be64_put (buf + len, seq);
    return len + 8;
}

//  Splits an events key; false when it is not one.
static bool
s_key_event_parse (const uint8_t *key, size_t len, char *unit, char *agent, uint64_t *seq)
{
    if (len < 12)
        return false;
    const uint8_t *end = key + len - 8;
    const uint8_t *nul1 = memchr (key, 0, (size_t) (end - key));
    if (!nul1 || nul1 - key > ML_ID_MAX || end[-1] != 0)
        return false;
    size_t alen = (size_t) (end - 1 - (nul1 + 1));
    if (alen > ML_ID_MAX || memchr (nul1 + 1, 0, alen))
        return false;
    memcpy (unit, key, (size_t) (nul1 - key));
    unit[nul1 - key] = 0;
    memcpy (agent, nul1 + 1, alen);
    agent[alen] = 0;
    *seq = s_be64_get (end);
    return true;
}

//  Renders an events key as "U/A/S" into BUF.
static const char *
s_key_event_text (const uint8_t *key, size_t len, char *buf, size_t buflen)
{
    char unit[ML_ID_MAX + 1], agent[ML_ID_MAX + 1];
    uint64_t seq;
    if (s_key_event_parse (key, len, unit, agent, &seq))
        snprintf (buf, buflen, "%s/%s/%" PRIu64, unit, agent, seq);
    else
        snprintf (buf, buflen, "(malformed key of %zu bytes)", len);
    return buf;
}

//  Renders "a\0b" as "a/b" into BUF.
static const char *
s_key2_text (const uint8_t *key, size_t len, char *buf, size_t buflen)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < buflen; i++)
        buf[n++] = key[i] ? (char) key[i] : '/';
    buf[n] = 0;
    return buf;
}

//  The kind name of a body case ("talk").
static const char *
s_kind_name (int body_case)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field (&massline__event__descriptor, (unsigned) body_case);
    return f ? f->name : "?";
}

// ---------------------------------------------------------------------------
// Sticky LMDB calls: after the first failure *RET is set and every later call does nothing.

//  Looks KEY up. Returns true and fills VAL when found.
static bool
s_get (int *ret, s_side_t *s, int db, const void *key, size_t klen, MDB_val *val)
{
    if (*ret)
        return false;
    MDB_val k = { klen, (void *) key };
    int rc = mdb_get (s->txn, s->dbi[db], &k, val);
    if (rc && rc != MDB_NOTFOUND)
        *ret = ml_err_from_mdb (rc);
    return rc == 0;
}

static void
s_put (int *ret, s_side_t *s, int db, const void *key, size_t klen, const void *val, size_t vlen,
       unsigned flags)
{
    if (*ret)
        return;
    MDB_val k = { klen, (void *) key }, v = { vlen, (void *) val };
    int rc = mdb_put (s->txn, s->dbi[db], &k, &v, flags);
    if (rc)
        *ret = ml_err_from_mdb (rc);
}

static void
s_del (int *ret, s_side_t *s, int db, const void *key, size_t klen)
{
    if (*ret)
        return;
    MDB_val k = { klen, (void *) key };
    int rc = mdb_del (s->txn, s->dbi[db], &k, NULL);
    if (rc && rc != MDB_NOTFOUND)
        *ret = ml_err_from_mdb (rc);
}

// ---------------------------------------------------------------------------
// Derived state.

//  Fills REJ and returns ML_EINVAL: the event is rejected.
static int
s_reject (ml_reject_t *rej, const char *code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

static int
s_reject (ml_reject_t *rej, const char *code, const char *fmt, ...)
{
    snprintf (rej->code, sizeof rej->code, "%s", code);
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (rej->reason, sizeof rej->reason, fmt, ap);
    va_end (ap);
    return ML_EINVAL;
}

//  Adds the cached counter deltas to units[unit].
static void
s_count_flush (s_derive_t *x)
{
    if (!x->unit[0] || (!x->dev && !x->drej))
        return;
    uint8_t val[16] = { 0 };
    MDB_val old;
    if (s_get (&x->ret, &x->d, DB_UNITS, x->unit, strlen (x->unit), &old) && old.mv_size == 16)
        memcpy (val, old.mv_data, 16);
    s_be64_put (val, s_be64_get (val) + x->dev);
    s_be64_put (val + 8, s_be64_get (val + 8) + x->drej);
    s_put (&x->ret, &x->d, DB_UNITS, x->unit, strlen (x->unit), val, 16, 0);
    x->dev = x->drej = 0;
}

//  Counts EVENTS applied and REJECTS rejected for UNIT; written by s_count_flush, so a batch
//  touches units[unit] once instead of once per event.
static void
s_count (s_derive_t *x, const char *unit, uint64_t events, uint64_t rejects)
{
    if (strcmp (x->unit, unit) != 0) {
        s_count_flush (x);
        snprintf (x->unit, sizeof x->unit, "%s", unit);
    }
    x->dev += events;
    x->drej += rejects;
}

//  Which roster database an event kind feeds, or -1.
static int
s_roster_db (int body_case)
{
    if (body_case == MASSLINE__EVENT__BODY_PERSON)
        return DB_PERSONS;
    if (body_case == MASSLINE__EVENT__BODY_ORG)
        return DB_ORGS;
    return -1;
}

//  The roster id of a person or org event.
static const char *
s_roster_id (const Massline__Event *ev)
{
    if (ev->body_case == MASSLINE__EVENT__BODY_PERSON)
        return ev->person->person;
    if (ev->body_case == MASSLINE__EVENT__BODY_ORG)
        return ev->org->org;
    return NULL;
}

//  Roster entry: source ref\0packed event.
static void
s_roster_put (s_derive_t *x, int db, const char *unit, const char *id, const char *ref,
              const uint8_t *bytes, size_t len)
{
    uint8_t key[KEY_MAX];
    size_t klen = s_key2 (key, unit, id);
    size_t rlen = strlen (ref);
    uint8_t stackbuf[1024];
    uint8_t *val = rlen + 1 + len <= sizeof stackbuf ? stackbuf : malloc (rlen + 1 + len);
    if (!val) {
        x->ret = x->ret ? x->ret : ML_ENOMEM;
        return;
    }
    memcpy (val, ref, rlen + 1);
    memcpy (val + rlen + 1, bytes, len);
    if (klen)
        s_put (&x->ret, &x->d, db, key, klen, val, rlen + 1 + len, 0);
    if (val != stackbuf)
        free (val);
}

//  Removes the roster entry ID when it still comes from REF (a later event may have replaced it).
static void
s_roster_drop (s_derive_t *x, int db, const char *unit, const char *id, const char *ref)
{
    uint8_t key[KEY_MAX];
    size_t klen = s_key2 (key, unit, id);
    MDB_val val;
    if (klen && s_get (&x->ret, &x->d, db, key, klen, &val)
        && val.mv_size > strlen (ref) && strcmp ((const char *) val.mv_data, ref) == 0)
        s_del (&x->ret, &x->d, db, key, klen);
}

//  Loads the event stored under events key KEY from the primary side; a correction gives its
//  inner event in *BODY. NULL when missing or undecodable.
static Massline__Event *
s_load_event (s_derive_t *x, const uint8_t *key, size_t klen, const Massline__Event **body)
{
    MDB_val val;
    if (!s_get (&x->ret, &x->p, DB_EVENTS, key, klen, &val))
        return NULL;
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (val.mv_data, val.mv_size, &verr);
    if (ev)
        *body = ev->body_case == MASSLINE__EVENT__BODY_CORRECTION ? ev->correction->event : ev;
    return ev;
}

static void
s_ref_put (s_derive_t *x, const uint8_t *rkey, size_t rklen, uint8_t flags, uint8_t kind,
           const uint8_t sha[32], const uint8_t *ekey, size_t eklen)
{
    uint8_t val[REF_HEAD + KEY_MAX];
    val[0] = flags;
    val[1] = kind;
    memcpy (val + 2, sha, 32);
    memcpy (val + REF_HEAD, ekey, eklen);
    s_put (&x->ret, &x->d, DB_REFS, rkey, rklen, val, REF_HEAD + eklen, 0);
}

// ---------------------------------------------------------------------------
// Metric counters (agg) and cases (cases, case_years): what one event counts, applied with
// SIGN +1, reverted with -1 (the old version under a correction, a voided event).

#define CASE_YEARS_KEY_MAX (ML_CASE_KEY_MAX + 2)

//  The case_years bucket of case C: the year a petition, opinion or commitment was opened; 0 for
//  the standing cases (assignments, mailboxes, secondments) and for a case whose opening event is
//  missing. A report of year Y reads buckets 0 and Y, so old years' cases cost it nothing.
static int
s_case_year (const ml_case_t *c)
{
    bool yearly = c->key.kind == ML_CASE_PETITION || c->key.kind == ML_CASE_OPINION
               || c->key.kind == ML_CASE_COMMITMENT;
    if (!yearly || !(c->flags & ML_CASE_OPENED) || c->opened == ML_NODAY)
        return 0;
    int y, m, d;
    ml_date_to_ymd (c->opened, &y, &m, &d);
    return y;
}

//  The case_years key: unit NUL year (2 BE) kind (1) id, i.e. the cases key with the year
//  spliced in after the unit. BUF holds CASE_YEARS_KEY_MAX bytes. Returns the length.
static size_t
s_case_years_key (const uint8_t *case_key, size_t len, int year, uint8_t *buf)
{
    size_t head = strnlen ((const char *) case_key, len) + 1;
    memcpy (buf, case_key, head);
    buf[head] = (uint8_t) (year >> 8);
    buf[head + 1] = (uint8_t) year;
    memcpy (buf + head + 2, case_key + head, len - head);
    return len + 2;
}

//  Adds EV's counter deltas (SIGN +1 or -1) to agg; a counter that reaches 0 is deleted.
static void
s_derive_agg (s_derive_t *x, const char *unit, const Massline__Event *ev, int sign)
{
    ml_delta_t *d = NULL;
    size_t n = 0;
    int rc = ml_metrics_of (ev, sign, &d, &n);
    if (rc == ML_ENOMEM)
        x->ret = x->ret ? x->ret : ML_ENOMEM;
    //  ML_EINVAL (no valid date) counts nothing; validated events always have one.
    for (size_t i = 0; i < n && !x->ret; i++) {
        uint8_t key[ML_AGG_KEY_MAX], val[8];
        size_t klen = ml_agg_key (unit, &d[i], key);
        int64_t amount = d[i].amount;
        MDB_val old;
        if (s_get (&x->ret, &x->d, DB_AGG, key, klen, &old) && old.mv_size == 8)
            amount += ml_agg_value_unpack (old.mv_data);
        if (amount == 0)
            s_del (&x->ret, &x->d, DB_AGG, key, klen);
        else {
            ml_agg_value_pack (amount, val);
            s_put (&x->ret, &x->d, DB_AGG, key, klen, val, 8, 0);
        }
    }
    free (d);
}

//  Applies (SIGN +1) or reverts (-1) EV on the case it touches, if any: cases holds the state
//  by case key, case_years the same state by year bucket. An emptied case is deleted.
static void
s_derive_case (s_derive_t *x, const char *unit, const Massline__Event *ev, int sign)
{
    ml_case_key_t ck;
    if (x->ret || ml_case_key_of (ev, &ck) != 0)
        return;
    uint8_t key[ML_CASE_KEY_MAX], ykey[CASE_YEARS_KEY_MAX], val[ML_CASE_PACK_MAX];
    size_t klen = ml_case_db_key (unit, &ck, key);
    ml_case_t c;
    int old_year = -1;                  //  -1: no stored case
    MDB_val old;
    if (s_get (&x->ret, &x->d, DB_CASES, key, klen, &old)
        && ml_case_unpack (old.mv_data, old.mv_size, &c) == 0)
        old_year = s_case_year (&c);
    else
        ml_case_init (&c, &ck);
    //  A failure here is a date out of range: validated events never get here, so skip it.
    if (x->ret || ml_case_apply (&c, ev, sign) != 0)
        return;
    bool empty = ml_case_empty (&c);
    int year = empty ? -1 : s_case_year (&c);
    if (old_year >= 0 && old_year != year)
        s_del (&x->ret, &x->d, DB_CASE_YEARS, ykey, s_case_years_key (key, klen, old_year, ykey));
    if (empty) {
        s_del (&x->ret, &x->d, DB_CASES, key, klen);
        return;
    }
    size_t vlen = ml_case_pack (&c, val);
    s_put (&x->ret, &x->d, DB_CASES, key, klen, val, vlen, 0);
    s_put (&x->ret, &x->d, DB_CASE_YEARS, ykey, s_case_years_key (key, klen, year, ykey), val, vlen, 0);
}

//  What EV (an event, or a correction: its inner event) counts, in or out by SIGN.
static void
s_derive_counts (s_derive_t *x, const char *unit, const Massline__Event *ev, int sign)
{
    s_derive_agg (x, unit, ev, sign);
    s_derive_case (x, unit, ev, sign);
}

//  A correction or void EV (stored under EKEY) supersedes its target ref: checks the target,
//  moves the roster from the old version to the new one and repoints the target's index entry.
static int
s_supersede (s_derive_t *x, const char *unit, const Massline__Event *ev,
             const uint8_t *ekey, size_t eklen, ml_reject_t *rej)
{
    bool is_void = ev->body_case == MASSLINE__EVENT__BODY_VOID;
    const char *code = is_void ? "bad_void" : "bad_correction";
    const char *what = is_void ? "void" : "correction";
    const char *target = is_void ? ev->void_->supersedes : ev->correction->supersedes;
    const Massline__Event *inner = is_void ? NULL : ev->correction->event;

    if (strcmp (target, ev->ref) == 0)
        return s_reject (rej, code, "a %s needs a ref of its own, not the ref it supersedes (%s)",
                         what, target);
    uint8_t tkey[KEY_MAX];
    size_t tklen = s_key2 (tkey, unit, target);
    MDB_val tv;
    if (!tklen || !s_get (&x->ret, &x->d, DB_REFS, tkey, tklen, &tv) || tv.mv_size < REF_HEAD)
        return x->ret ? x->ret
                      : s_reject (rej, code, "%s of unknown ref %s in unit %s", what, target, unit);
    uint8_t old[REF_HEAD + KEY_MAX];
    size_t oldlen = tv.mv_size < sizeof old ? tv.mv_size : sizeof old;
    memcpy (old, tv.mv_data, oldlen);
    uint8_t flags = old[0], kind = old[1];

    if (flags & REF_CONTROL)
        return s_reject (rej, code, "ref %s is itself a correction or void; supersede the original ref",
                         target);
    if (flags & REF_VOIDED)
        return s_reject (rej, code, "ref %s is voided", target);
    if (inner && (int) inner->body_case != kind)
        return s_reject (rej, code, "ref %s is a %s event, the correction holds a %s event",
                         target, s_kind_name (kind), s_kind_name (inner->body_case));

    //  The roster, the counters and the cases follow the current version: the old one goes out,
    //  the new one (none for a void) comes in.
    const Massline__Event *oldbody = NULL;
    Massline__Event *oldev = s_load_event (x, old + REF_HEAD, oldlen - REF_HEAD, &oldbody);
    if (oldev)
        s_derive_counts (x, unit, oldev, -1);
    if (inner)
        s_derive_counts (x, unit, inner, +1);
    int rdb = s_roster_db (kind);
    if (rdb >= 0 && oldev && oldbody && s_roster_id (oldbody))
        s_roster_drop (x, rdb, unit, s_roster_id (oldbody), target);
    ml_event_free (&oldev);
    if (rdb >= 0 && inner) {
        size_t plen;
        uint8_t *packed = ml_event_pack (inner, &plen);
        if (!packed)
            return x->ret = ML_ENOMEM;
        s_roster_put (x, rdb, unit, s_roster_id (inner), target, packed, plen);
        free (packed);
    }
    if (is_void)
        s_ref_put (x, tkey, tklen, flags | REF_VOIDED, kind, old + 2, old + REF_HEAD, oldlen - REF_HEAD);
    else
        s_ref_put (x, tkey, tklen, flags | REF_CORRECTED, kind, old + 2, ekey, eklen);
    return x->ret;
}

//  Applies event EV (BYTES as received, stored under events key EKEY of UNIT) to derived state.
//  Returns 0 when applied, ML_EDUP for the same ref with the same content (nothing changes),
//  ML_EINVAL with REJ filled when the refs refuse it, or the sticky LMDB error.
static int
s_derive_event (s_derive_t *x, const char *unit, const uint8_t *ekey, size_t eklen,
                const uint8_t *bytes, size_t len, Massline__Event *ev, ml_reject_t *rej)
{
    if (x->ret)
        return x->ret;
    if (ml_event_ensure_ref (ev) != 0)
        return x->ret = ML_ENOMEM;
    uint8_t sha[32];
    ml_sha256 (bytes, len, sha);
    uint8_t rkey[KEY_MAX];
    size_t rklen = s_key2 (rkey, unit, ev->ref);
    if (!rklen)
        return s_reject (rej, "invalid", "field 'ref': longer than %d bytes", ML_ID_MAX);
    MDB_val cur;
    if (s_get (&x->ret, &x->d, DB_REFS, rkey, rklen, &cur)) {
        if (cur.mv_size >= REF_HEAD && memcmp ((uint8_t *) cur.mv_data + 2, sha, 32) == 0)
            return ML_EDUP;
        return s_reject (rej, "ref_conflict",
                         "ref %s already holds a different event; send a correction to change it",
                         ev->ref);
    }
    if (x->ret)
        return x->ret;

    uint8_t flags = 0;
    int kind = ev->body_case;
    if (kind == MASSLINE__EVENT__BODY_CORRECTION || kind == MASSLINE__EVENT__BODY_VOID) {
        int rc = s_supersede (x, unit, ev, ekey, eklen, rej);
        if (rc)
            return rc;
        flags = REF_CONTROL;
    }
    else {
        if (s_roster_db (kind) >= 0)
            s_roster_put (x, s_roster_db (kind), unit, s_roster_id (ev), ev->ref, bytes, len);
        s_derive_counts (x, unit, ev, +1);
    }
    s_ref_put (x, rkey, rklen, flags, (uint8_t) kind, sha, ekey, eklen);
    s_count (x, unit, 1, 0);
    return x->ret;
}

//  Counts a rejected event of UNIT.
static void
s_derive_reject (s_derive_t *x, const char *unit)
{
    s_count (x, unit, 0, 1);
}

// ---------------------------------------------------------------------------
// Opening.

//  Describes a format_version value that is not this collector's into BUF: the number when it
//  is 1-3 ASCII digits, else its size and bytes in hex (never raw bytes: one printable line).
static void
s_format_found (const MDB_val *v, char *buf, size_t len)
{
    const uint8_t *p = v->mv_data;
    bool digits = v->mv_size >= 1 && v->mv_size <= 3;
    for (size_t i = 0; digits && i < v->mv_size; i++)
        digits = p[i] >= '0' && p[i] <= '9';
    if (digits) {
        snprintf (buf, len, "store format %.*s is not supported", (int) v->mv_size, (const char *) p);
        return;
    }
    int n = snprintf (buf, len, "store format_version is not a format number (%zu bytes%s",
                      v->mv_size, v->mv_size ? ": " : "");
    for (size_t i = 0; i < v->mv_size && i < 16 && n > 0 && (size_t) n + 3 < len; i++)
        n += snprintf (buf + n, len - (size_t) n, "%02x", p[i]);
    if (n > 0 && (size_t) n + 2 < len)
        snprintf (buf + n, len - (size_t) n, ")");
}

//  Opens every database in a fresh transaction of ENV; creates them and records the format only
//  when CREATE and the environment is new (holds no database yet). An existing store must carry
//  this collector's format_version and every database, or it is refused untouched.
static int
s_open_dbs (MDB_env *env, MDB_dbi *dbi, bool readonly, bool create, const char *dir,
            char *err, size_t errlen)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin (env, NULL, readonly ? MDB_RDONLY : 0, &txn);
    if (rc) {
        snprintf (err, errlen, "%s: %s", dir, mdb_strerror (rc));
        return ml_err_from_mdb (rc);
    }
    MDB_dbi main_db;
    MDB_stat st;
    rc = mdb_dbi_open (txn, NULL, 0, &main_db);
    if (!rc)
        rc = mdb_stat (txn, main_db, &st);
    if (rc) {
        snprintf (err, errlen, "%s: %s", dir, mdb_strerror (rc));
        mdb_txn_abort (txn);
        return ml_err_from_mdb (rc);
    }
    bool fresh = create && !readonly && st.ms_entries == 0;
    rc = mdb_dbi_open (txn, s_db_names[DB_META], fresh ? MDB_CREATE : 0, &dbi[DB_META]);
    if (rc) {
        if (rc == MDB_NOTFOUND)
            snprintf (err, errlen, "%s: not a massline store (no 'meta' database; this collector reads format %d)",
                      dir, ML_STORE_FORMAT);
        else
            snprintf (err, errlen, "%s: %s", dir, mdb_strerror (rc));
        mdb_txn_abort (txn);
        return rc == MDB_NOTFOUND ? ML_ENOTFOUND : ml_err_from_mdb (rc);
    }
    char want[8];
    snprintf (want, sizeof want, "%d", ML_STORE_FORMAT);
    MDB_val k = { 14, "format_version" }, v;
    rc = mdb_get (txn, dbi[DB_META], &k, &v);
    if (rc == MDB_NOTFOUND && fresh) {
        v.mv_data = want;
        v.mv_size = strlen (want);
        rc = mdb_put (txn, dbi[DB_META], &k, &v, 0);
    }
    else
    if (rc == MDB_NOTFOUND) {
        snprintf (err, errlen, "%s: no store format recorded (meta format_version is missing); "
                  "this collector reads %d", dir, ML_STORE_FORMAT);
        mdb_txn_abort (txn);
        return ML_EPROTO;
    }
    else
    if (rc == 0 && (v.mv_size != strlen (want) || memcmp (v.mv_data, want, v.mv_size))) {
        char found[128];
        s_format_found (&v, found, sizeof found);
        snprintf (err, errlen, "%s: %s (this collector reads %d)", dir, found, ML_STORE_FORMAT);
        mdb_txn_abort (txn);
        return ML_EPROTO;
    }
    if (rc) {
        snprintf (err, errlen, "%s: %s", dir, mdb_strerror (rc));
        mdb_txn_abort (txn);
        return ml_err_from_mdb (rc);
    }
    for (int i = 0; i < DB_COUNT; i++) {
        if (i == DB_META)
            continue;
        rc = mdb_dbi_open (txn, s_db_names[i], fresh ? MDB_CREATE : 0, &dbi[i]);
        if (rc) {
            if (rc == MDB_NOTFOUND)
                snprintf (err, errlen, "%s: store format %d has no '%s' database (damaged, or written "
                          "before it existed); this collector reads %d", dir, ML_STORE_FORMAT,
                          s_db_names[i], ML_STORE_FORMAT);
            else
                snprintf (err, errlen, "%s: %s", dir, mdb_strerror (rc));
            mdb_txn_abort (txn);
            return rc == MDB_NOTFOUND ? ML_ENOTFOUND : ml_err_from_mdb (rc);
        }
    }
    rc = mdb_txn_commit (txn);
    if (rc) {
        snprintf (err, errlen, "%s: %s", dir, mdb_strerror (rc));
        return ml_err_from_mdb (rc);
    }
    return 0;
}

//  Opens the other modules' tables that exist (they are made by their first put).
static int
s_open_tables (ml_store_t *self, const char *dir, char *err, size_t errlen)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin (self->env, NULL, MDB_RDONLY, &txn);
    for (int i = 0; i < ML_STORE_TABLES && !rc; i++) {
        rc = mdb_dbi_open (txn, s_table_names[i], 0, &self->tdbi[i]);
        self->thas[i] = rc == 0;
        if (rc == MDB_NOTFOUND)
            rc = 0;
    }
    if (!rc)
        rc = mdb_txn_commit (txn);          //  keeps the handles
    else
        mdb_txn_abort (txn);
    if (rc) {
        snprintf (err, errlen, "%s: %s", dir, mdb_strerror (rc));
        return ml_err_from_mdb (rc);
    }
    return 0;
}

//  Creates and opens an environment in DIR.
static MDB_env *
s_env_open (const char *dir, size_t map_size, unsigned flags, char *err, size_t errlen)
{
    MDB_env *env = NULL;
    int rc = mdb_env_create (&env);
    if (!rc)
        rc = mdb_env_set_maxdbs (env, 32);
    if (!rc)
        rc = mdb_env_set_mapsize (env, map_size);
    if (!rc)
        rc = mdb_env_open (env, dir, flags | MDB_NOTLS, 0600);
    if (rc) {
        snprintf (err, errlen, "data dir %s: %s", dir, mdb_strerror (rc));
        if (env)
            mdb_env_close (env);
        return NULL;
    }
    return env;
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
    self->env = s_env_open (dir, (size_t) map_size_mb << 20, readonly ? MDB_RDONLY : 0, err, errlen);
    if (!self->env
    ||  s_open_dbs (self->env, self->dbi, readonly, !readonly, dir, err, errlen)
    ||  s_open_tables (self, dir, err, errlen))
        goto fail;
    return self;
fail:
    ml_store_close (&self);
    return NULL;
}

struct MDB_env *
ml_store_env (ml_store_t *self)
{
    return self->env;
}

void
ml_store_close (ml_store_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_store_t *self = *self_p;
    if (self->env)
        mdb_env_close (self->env);
    free (self);
    *self_p = NULL;
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
    MDB_txn *txn = NULL;
    int rc = t ? mdb_txn_begin (self->env, NULL, write ? 0 : MDB_RDONLY, &txn) : ENOMEM;
    if (rc) {
        free (t);
        *code = ml_err_from_mdb (rc);
        return NULL;
    }
    t->store = self;
    t->write = write;
    t->x.d = (s_side_t) { txn, self->dbi };
    t->x.p = t->x.d;
    return t;
}

void
ml_store_abort (ml_store_txn_t **txn_p)
{
    if (!txn_p || !*txn_p)
        return;
    mdb_txn_abort ((*txn_p)->x.d.txn);
    free (*txn_p);
    *txn_p = NULL;
}

//  Adopts the table handles TXN opened, once it has committed.
static void
s_tables_keep (ml_store_txn_t *t)
{
    for (int i = 0; i < ML_STORE_TABLES; i++)
        if (t->tstate[i] == T_OPENED && !t->store->thas[i]) {
            t->store->tdbi[i] = t->tdbi[i];
            t->store->thas[i] = true;
        }
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
    if (!t->write) {
        //  a read that opened a table commits, so that the handle stays open
        if (s_tables_opened (t)) {
            if (mdb_txn_commit (t->x.d.txn) == 0)
                s_tables_keep (t);
            free (t);
            *txn_p = NULL;
            return 0;
        }
        ml_store_abort (txn_p);
        return 0;
    }
    s_count_flush (&t->x);
    if (t->log_next) {
        uint8_t v[8];
        s_be64_put (v, t->log_next);
        s_put (&t->x.ret, &t->x.d, DB_META, "log_next", 8, v, 8, 0);
    }
    int ret = t->x.ret;
    if (ret) {
        ml_store_abort (txn_p);
        return ret;
    }
    int rc = mdb_txn_commit (t->x.d.txn);
    if (!rc)
        s_tables_keep (t);
    free (t);
    *txn_p = NULL;
    return ml_err_from_mdb (rc);
}

//  Appends events key EKEY to the log.
static void
s_log_append (ml_store_txn_t *t, const uint8_t *ekey, size_t eklen)
{
    if (!t->log_next) {
        MDB_val v;
        t->log_next = 1;
        if (s_get (&t->x.ret, &t->x.d, DB_META, "log_next", 8, &v) && v.mv_size == 8)
            t->log_next = s_be64_get (v.mv_data);
    }
    uint8_t k[8];
    s_be64_put (k, t->log_next++);
    s_put (&t->x.ret, &t->x.d, DB_LOG, k, 8, ekey, eklen, MDB_APPEND);
}

// ---------------------------------------------------------------------------
// Agents, units, hello.

static int
s_agent_get (s_derive_t *x, const char *agent, ml_agent_state_t *out)
{
    memset (out, 0, sizeof *out);
    MDB_val v;
    if (!s_get (&x->ret, &x->p, DB_AGENTS, agent, strlen (agent), &v))
        return x->ret ? x->ret : ML_ENOTFOUND;
    if (v.mv_size < 16)
        return ML_EIO;
    out->hwm = s_be64_get (v.mv_data);
    out->last_seen = (int64_t) s_be64_get ((uint8_t *) v.mv_data + 8);
    size_t ulen = v.mv_size - 16 < ML_ID_MAX ? v.mv_size - 16 : ML_ID_MAX;
    memcpy (out->unit, (uint8_t *) v.mv_data + 16, ulen);
    out->unit[ulen] = 0;
    return 0;
}

static void
s_agent_put (s_derive_t *x, const char *agent, const char *unit, uint64_t hwm, int64_t last_seen)
{
    uint8_t v[16 + ML_ID_MAX];
    size_t ulen = strnlen (unit, ML_ID_MAX);
    s_be64_put (v, hwm);
    s_be64_put (v + 8, (uint64_t) last_seen);
    memcpy (v + 16, unit, ulen);
    s_put (&x->ret, &x->p, DB_AGENTS, agent, strlen (agent), v, 16 + ulen, 0);
}

int
ml_store_agent (ml_store_txn_t *txn, const char *agent, ml_agent_state_t *out)
{
    return s_agent_get (&txn->x, agent, out);
}

int
ml_store_unit (ml_store_txn_t *txn, const char *unit, ml_unit_counts_t *out)
{
    memset (out, 0, sizeof *out);
    if (txn->write)
        s_count_flush (&txn->x);
    MDB_val v;
    if (s_get (&txn->x.ret, &txn->x.d, DB_UNITS, unit, strlen (unit), &v) && v.mv_size == 16) {
        out->events = s_be64_get (v.mv_data);
        out->rejected = s_be64_get ((uint8_t *) v.mv_data + 8);
    }
    return txn->x.ret;
}

//  Decodes a rejects value code\0reason\0ref into REJ.
static void
s_reject_decode (const MDB_val *v, uint64_t seq, ml_reject_t *rej)
{
    const char *p = v->mv_data, *end = p + v->mv_size;
    const char *fields[3] = { "", "", "" };
    int lens[3] = { 0, 0, 0 };
    for (int i = 0; i < 3 && p < end; i++) {
        fields[i] = p;
        lens[i] = (int) strnlen (p, (size_t) (end - p));   //  the last field has no NUL
        p += lens[i] + 1;
    }
    memset (rej, 0, sizeof *rej);
    rej->seq = seq;
    snprintf (rej->code, sizeof rej->code, "%.*s", lens[0], fields[0]);
    snprintf (rej->reason, sizeof rej->reason, "%.*s", lens[1], fields[1]);
    snprintf (rej->ref, sizeof rej->ref, "%.*s", lens[2], fields[2]);
}

int
ml_store_hello (ml_store_txn_t *txn, const char *agent, const char *unit, uint64_t acked_seq,
                int64_t now, uint64_t *hwm, ml_reject_t **rejects, size_t *n)
{
    *rejects = NULL;
    *n = 0;
    ml_agent_state_t st;
    int rc = s_agent_get (&txn->x, agent, &st);
    if (rc && rc != ML_ENOTFOUND)
        return rc;
    *hwm = st.hwm;
    if (acked_seq < st.hwm) {
        uint8_t key[KEY_MAX];
        size_t klen = s_key_event (key, unit, agent, acked_seq + 1);
        size_t plen = klen - 8;             //  the unit\0agent\0 prefix
        MDB_cursor *cur;
        rc = mdb_cursor_open (txn->x.p.txn, txn->x.p.dbi[DB_REJECTS], &cur);
        if (rc)
            return ml_err_from_mdb (rc);
        MDB_val k = { klen, key }, v;
        size_t cap = 0;
        for (rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
            if (k.mv_size != klen || memcmp (k.mv_data, key, plen) != 0)
                break;
            uint64_t seq = s_be64_get ((uint8_t *) k.mv_data + plen);
            if (seq > st.hwm)
                break;
            if (*n == cap) {
                cap = cap ? 2 * cap : 16;
                ml_reject_t *grown = realloc (*rejects, cap * sizeof **rejects);
                if (!grown) {
                    rc = ENOMEM;
                    break;
                }
                *rejects = grown;
            }
            s_reject_decode (&v, seq, &(*rejects)[(*n)++]);
        }
        mdb_cursor_close (cur);
        if (rc && rc != MDB_NOTFOUND) {
            free (*rejects);
            *rejects = NULL;
            *n = 0;
            return ml_err_from_mdb (rc);
        }
    }
    if (txn->write)
        s_agent_put (&txn->x, agent, unit, st.hwm, now);
    return txn->x.ret;
}

// ---------------------------------------------------------------------------
// The reports' data source (ml_source_t) over a read transaction.

//  Calls FN for every entry of DB whose key starts with PREFIX (PLEN bytes), in key order.
typedef int (s_scan_fn) (void *arg, const MDB_val *key, const MDB_val *val);

static int
s_scan (ml_store_txn_t *t, int db, const void *prefix, size_t plen, s_scan_fn *fn, void *arg)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (t->x.p.txn, t->x.p.dbi[db], &cur);
    if (rc)
        return ml_err_from_mdb (rc);
    MDB_val k = { plen, (void *) prefix }, v;
    int ret = 0;
    for (rc = mdb_cursor_get (cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST); rc == 0 && !ret;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size < plen || memcmp (k.mv_data, prefix, plen) != 0)
            break;
        ret = fn (arg, &k, &v);
    }
    mdb_cursor_close (cur);
    if (ret)
        return ret;
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : ml_err_from_mdb (rc);
}

static int
s_src_units (void *ctx, ml_unit_fn *fn, void *arg)
{
    ml_store_txn_t *t = ctx;
    return t->units ? t->units (t->units_ctx, fn, arg) : 0;
}

typedef struct {
    void *fn;                           //  the listing's callback
    void *arg;
} s_relay_t;

static int
s_on_agg (void *arg, const MDB_val *key, const MDB_val *val)
{
    s_relay_t *r = arg;
    ml_delta_t d;
    if (val->mv_size != 8 || ml_agg_key_decode (key->mv_data, key->mv_size, &d, NULL) != 0)
        return ML_EIO;
    d.amount = ml_agg_value_unpack (val->mv_data);
    return ((ml_row_fn *) r->fn) (r->arg, &d);
}

static int
s_src_agg (void *ctx, const char *unit, int year, ml_row_fn *fn, void *arg)
{
    uint8_t prefix[ML_ID_MAX + 3];
    s_relay_t r = { (void *) fn, arg };
    return s_scan (ctx, DB_AGG, prefix, ml_agg_prefix (year, unit, prefix), s_on_agg, &r);
}

//  One person's rows: the keys of (year, unit) that go on with person NUL.
static int
s_src_agg_person (void *ctx, const char *unit, int year, const char *person, ml_row_fn *fn,
                  void *arg)
{
    uint8_t prefix[ML_AGG_KEY_MAX];
    size_t len = ml_agg_prefix (year, unit, prefix), plen = strlen (person);
    if (plen > ML_ID_MAX)
        return 0;                       //  no key holds a longer id
    memcpy (prefix + len, person, plen + 1);
    s_relay_t r = { (void *) fn, arg };
    return s_scan (ctx, DB_AGG, prefix, len + plen + 1, s_on_agg, &r);
}

//  A roster entry: source ref NUL packed event.
static int
s_on_roster (void *arg, const MDB_val *key, const MDB_val *val)
{
    (void) key;
    s_relay_t *r = arg;
    const uint8_t *nul = memchr (val->mv_data, 0, val->mv_size);
    if (!nul)
        return ML_EIO;
    size_t skip = (size_t) (nul - (const uint8_t *) val->mv_data) + 1;
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (nul + 1, val->mv_size - skip, &verr);
    if (!ev)
        return ML_EIO;
    int rc = ((ml_event_fn *) r->fn) (r->arg, ev);
    ml_event_free (&ev);
    return rc;
}

static int
s_src_roster (void *ctx, int db, const char *unit, ml_event_fn *fn, void *arg)
{
    uint8_t prefix[KEY_MAX];
    size_t plen = s_key2 (prefix, unit, "");
    s_relay_t r = { (void *) fn, arg };
    return plen ? s_scan (ctx, db, prefix, plen, s_on_roster, &r) : 0;
}

static int
s_src_persons (void *ctx, const char *unit, ml_event_fn *fn, void *arg)
{
    return s_src_roster (ctx, DB_PERSONS, unit, fn, arg);
}

static int
s_src_orgs (void *ctx, const char *unit, ml_event_fn *fn, void *arg)
{
    return s_src_roster (ctx, DB_ORGS, unit, fn, arg);
}

static int
s_on_case (void *arg, const MDB_val *key, const MDB_val *val)
{
    (void) key;
    s_relay_t *r = arg;
    ml_case_t c;
    if (ml_case_unpack (val->mv_data, val->mv_size, &c) != 0)
        return ML_EIO;
    return ((ml_case_fn *) r->fn) (r->arg, &c);
}

static int
s_src_cases (void *ctx, const char *unit, ml_case_fn *fn, void *arg)
{
    ml_store_txn_t *t = ctx;
    uint8_t prefix[ML_ID_MAX + 3];
    size_t ulen = strnlen (unit, ML_ID_MAX);
    memcpy (prefix, unit, ulen);
    prefix[ulen] = 0;
    s_relay_t r = { (void *) fn, arg };
    if (!t->year)                       //  every case of the unit
        return s_scan (t, DB_CASE_YEARS, prefix, ulen + 1, s_on_case, &r);
    int rc = 0;
    int buckets[2] = { 0, t->year };
    for (int i = 0; i < 2 && !rc; i++) {
        prefix[ulen + 1] = (uint8_t) (buckets[i] >> 8);
        prefix[ulen + 2] = (uint8_t) buckets[i];
        rc = s_scan (t, DB_CASE_YEARS, prefix, ulen + 3, s_on_case, &r);
    }
    return rc;
}

void
ml_store_source (ml_store_txn_t *txn, ml_source_units_fn *units, void *units_ctx, int year,
                 ml_source_t *src)
{
    txn->units = units;
    txn->units_ctx = units_ctx;
    txn->year = year;
    *src = (ml_source_t) { .units = s_src_units, .agg = s_src_agg, .agg_person = s_src_agg_person,
                           .persons = s_src_persons, .orgs = s_src_orgs, .cases = s_src_cases,
                           .ctx = txn };
}

// ---------------------------------------------------------------------------
// Ingest.

typedef struct {
    s_derive_t *x;
    const char *unit;
} s_roster_ctx_t;

static bool
s_roster_has (s_roster_ctx_t *c, int db, const char *id)
{
    uint8_t key[KEY_MAX];
    size_t klen = s_key2 (key, c->unit, id);
    MDB_val v;
    return klen && s_get (&c->x->ret, &c->x->d, db, key, klen, &v);
}

static bool
s_has_person (void *ctx, const char *person)
{
    return s_roster_has (ctx, DB_PERSONS, person);
}

static bool
s_has_org (void *ctx, const char *org)
{
    return s_roster_has (ctx, DB_ORGS, org);
}

void
ml_batch_result_free (ml_batch_result_t *res)
{
    free (res->rejects);
    memset (res, 0, sizeof *res);
}

//  The next free reject slot of RES, zeroed, or NULL when out of memory.
static ml_reject_t *
s_reject_slot (ml_batch_result_t *res)
{
    if (res->nrejects == res->cap) {
        size_t cap = res->cap ? 2 * res->cap : 16;
        ml_reject_t *grown = realloc (res->rejects, cap * sizeof *grown);
        if (!grown)
            return NULL;
        res->rejects = grown;
        res->cap = cap;
    }
    ml_reject_t *rej = &res->rejects[res->nrejects];
    rej->code[0] = rej->reason[0] = rej->ref[0] = 0;    //  no memset: this runs per event
    return rej;
}

//  Validates, derives and stores one new envelope.
static int
s_ingest_one (ml_store_txn_t *t, const char *agent, const char *unit, const ml_envelope_t *env,
              const ml_vctx_t *vctx, ml_batch_result_t *res)
{
    s_derive_t *x = &t->x;
    ml_reject_t *rej = s_reject_slot (res);
    if (!rej)
        return x->ret = ML_ENOMEM;
    rej->seq = env->seq;
    uint8_t key[KEY_MAX];
    size_t klen = s_key_event (key, unit, agent, env->seq);
    ml_verr_t verr;
    char text[sizeof rej->reason];
    int rc;
    Massline__Event *ev = ml_event_unpack (env->data, env->len, &verr);
    if (!ev)
        rc = s_reject (rej, "invalid", "%s", ml_verr_text (&verr, text, sizeof text));
    else {
        if (ml_event_validate (ev, vctx, &verr) != 0)
            rc = s_reject (rej, "invalid", "%s", ml_verr_text (&verr, text, sizeof text));
        else
            rc = s_derive_event (x, unit, key, klen, env->data, env->len, ev, rej);
        if (rc == ML_EINVAL && ev->ref)
            snprintf (rej->ref, sizeof rej->ref, "%s", ev->ref);
    }
    if (rc == 0) {
        s_put (&x->ret, &x->p, DB_EVENTS, key, klen, env->data, env->len, 0);
        s_log_append (t, key, klen);
        res->stored++;
    }
    else
    if (rc == ML_EDUP)
        res->duplicates++;
    else
    if (rc == ML_EINVAL) {
        size_t cl = strlen (rej->code) + 1, rl = strlen (rej->reason) + 1, fl = strlen (rej->ref);
        char val[sizeof rej->code + sizeof rej->reason + sizeof rej->ref];
        memcpy (val, rej->code, cl);
        memcpy (val + cl, rej->reason, rl);
        memcpy (val + cl + rl, rej->ref, fl);
        s_put (&x->ret, &x->p, DB_REJECTS, key, klen, val, cl + rl + fl, 0);
        s_derive_reject (x, unit);
        res->nrejects++;
    }
    ml_event_free (&ev);
    return x->ret;
}

int
ml_store_apply_batch (ml_store_txn_t *txn, const char *agent, const char *unit,
                      const ml_envelope_t *env, size_t n, ml_day_t today, int64_t now,
                      ml_batch_result_t *res, char *err, size_t errlen)
{
    res->through_seq = res->first_new = res->last_new = 0;
    res->stored = res->duplicates = res->nrejects = 0;
    if (txn->x.ret)
        return txn->x.ret;
    if (!txn->write || strlen (agent) > ML_ID_MAX || strlen (unit) > ML_ID_MAX) {
        snprintf (err, errlen, "not a write transaction, or agent/unit id too long");
        return ML_EINVAL;
    }
    ml_agent_state_t st;
    int rc = s_agent_get (&txn->x, agent, &st);
    if (rc && rc != ML_ENOTFOUND)
        return rc;
    //  Check the sequence first, so that a refused batch changes nothing.
    for (size_t i = 0; i < n; i++) {
        if (env[i].seq == 0 || (i > 0 && env[i].seq != env[i - 1].seq + 1)) {
            snprintf (err, errlen, "seqs in a batch must be consecutive from 1 up; got %" PRIu64
                      " after %" PRIu64, env[i].seq, i ? env[i - 1].seq : 0);
            return ML_EPROTO;
        }
    }
    if (n > 0 && env[0].seq > st.hwm + 1) {
        snprintf (err, errlen, "expected seq %" PRIu64 ", got %" PRIu64, st.hwm + 1, env[0].seq);
        return ML_EPROTO;
    }
    s_roster_ctx_t rctx = { &txn->x, unit };
    ml_vctx_t vctx = { s_has_person, s_has_org, &rctx, today };
    for (size_t i = 0; i < n; i++) {
        if (env[i].seq <= st.hwm) {
            res->duplicates++;
            continue;
        }
        if (!res->first_new)
            res->first_new = env[i].seq;
        res->last_new = env[i].seq;
        if (s_ingest_one (txn, agent, unit, &env[i], &vctx, res))
            return txn->x.ret;
    }
    uint64_t hwm = res->last_new > st.hwm ? res->last_new : st.hwm;
    s_agent_put (&txn->x, agent, unit, hwm, now);
    res->through_seq = n ? env[n - 1].seq : hwm;
    return txn->x.ret;
}

// ---------------------------------------------------------------------------
// Check: replay the log into a scratch environment and compare.

typedef struct {
    char agent[ML_ID_MAX + 1];
    uint64_t max_seq;
} s_agent_max_t;

typedef struct {
    ml_check_fn *report;
    void *arg;
    ml_check_stats_t *stats;
    s_agent_max_t *agents;              //  highest stored seq per agent
    size_t nagents, cap;
} s_check_t;

static void
s_mismatch (s_check_t *c, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_mismatch (s_check_t *c, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof line, fmt, ap);
    va_end (ap);
    c->stats->mismatches++;
    if (c->report)
        c->report (c->arg, line);
}

//  Notes that AGENT has SEQ stored (in events or rejects).
static int
s_note_seq (s_check_t *c, const char *agent, uint64_t seq)
{
    for (size_t i = c->nagents; i-- > 0; )
        if (strcmp (c->agents[i].agent, agent) == 0) {
            if (seq > c->agents[i].max_seq)
                c->agents[i].max_seq = seq;
            return 0;
        }
    if (c->nagents == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        s_agent_max_t *grown = realloc (c->agents, cap * sizeof *grown);
        if (!grown)
            return ML_ENOMEM;
        c->agents = grown;
        c->cap = cap;
    }
    s_agent_max_t *a = &c->agents[c->nagents++];
    snprintf (a->agent, sizeof a->agent, "%s", agent);
    a->max_seq = seq;
    return 0;
}

//  Renders a counter value ("54"), or what stands instead of one, into BUF.
static const char *
s_agg_text (const MDB_val *v, char *buf, size_t len)
{
    if (!v)
        snprintf (buf, len, "nothing");
    else
    if (v->mv_size != 8)
        snprintf (buf, len, "a value of %zu bytes", v->mv_size);
    else
        snprintf (buf, len, "%" PRId64, ml_agg_value_unpack (v->mv_data));
    return buf;
}

//  s_describe for agg ("agg H001/2025/P002/research_days/11: stored 54 but the log gives 52"),
//  cases ("case H001/petition/XF2025-010: ...") and case_years ("case H001/2025/petition/...").
static void
s_describe_counts (s_check_t *c, int db, const MDB_val *key, const MDB_val *s, const MDB_val *l)
{
    char a[32], b[32], name[ML_CASE_KEY_MAX + 64];
    const uint8_t *k = key->mv_data;
    if (db == DB_AGG) {
        ml_delta_t d;
        char unit[ML_ID_MAX + 1];
        if (ml_agg_key_decode (k, key->mv_size, &d, unit) != 0) {
            s_mismatch (c, "agg: a malformed key of %zu bytes", key->mv_size);
            return;
        }
        const char *metric = ml_metric_name (d.metric);
        s_mismatch (c, "agg %s/%d/%s/%s/%02d%s%s: stored %s but the log gives %s", unit, d.year,
                    d.person[0] ? d.person : "-", metric ? metric : "?", d.month,
                    d.sub[0] ? "/" : "", d.sub, s_agg_text (s, a, sizeof a), s_agg_text (l, b, sizeof b));
        return;
    }
    //  unit NUL [year (2)] kind (1) id
    size_t ulen = strnlen ((const char *) k, key->mv_size), at = ulen + 1;
    size_t fixed = db == DB_CASE_YEARS ? 3 : 1;
    if (at + fixed > key->mv_size) {
        s_mismatch (c, "%s: a malformed key of %zu bytes", s_db_names[db], key->mv_size);
        return;
    }
    char year[16] = "";
    if (db == DB_CASE_YEARS)
        snprintf (year, sizeof year, "%d/", k[at] << 8 | k[at + 1]);
    const char *kind = ml_case_kind_name (k[at + fixed - 1]);
    snprintf (name, sizeof name, "%.*s/%s%s/%.*s", (int) ulen, (const char *) k, year,
              kind ? kind : "?", (int) (key->mv_size - at - fixed), (const char *) k + at + fixed);
    const char *what = db == DB_CASES ? "case" : "case index";
    if (!s)
        s_mismatch (c, "%s %s: missing (the log has it)", what, name);
    else
    if (!l)
        s_mismatch (c, "%s %s: stored but the log has no such case", what, name);
    else
        s_mismatch (c, "%s %s: stored state differs from the log", what, name);
}

//  Says how entry KEY of derived database DB differs: S is the stored value, L the value the log
//  gives; either may be NULL (absent).
static void
s_describe (s_check_t *c, int db, const MDB_val *key, const MDB_val *s, const MDB_val *l)
{
    char name[2 * ML_ID_MAX + 8], a[KEY_MAX + 32], b[KEY_MAX + 32];
    if (db == DB_AGG || db == DB_CASES || db == DB_CASE_YEARS) {
        s_describe_counts (c, db, key, s, l);
        return;
    }
    if (db == DB_UNITS) {
        snprintf (name, sizeof name, "%.*s", (int) key->mv_size, (char *) key->mv_data);
        uint64_t sv[2] = { 0, 0 }, lv[2] = { 0, 0 };
        for (int i = 0; i < 2; i++) {
            if (s && s->mv_size == 16)
                sv[i] = s_be64_get ((uint8_t *) s->mv_data + 8 * i);
            if (l && l->mv_size == 16)
                lv[i] = s_be64_get ((uint8_t *) l->mv_data + 8 * i);
            if (sv[i] != lv[i])
                s_mismatch (c, "unit %s: stored %s=%" PRIu64 " but the log has %" PRIu64,
                            name, i ? "rejected" : "events", sv[i], lv[i]);
        }
        if ((s && s->mv_size != 16) || (l && l->mv_size != 16))
            s_mismatch (c, "unit %s: counters of %zu bytes (expected 16)", name,
                        s ? s->mv_size : l->mv_size);
        return;
    }
    s_key2_text (key->mv_data, key->mv_size, name, sizeof name);
    if (db == DB_REFS) {
        if (s && s->mv_size >= REF_HEAD)
            s_key_event_text ((uint8_t *) s->mv_data + REF_HEAD, s->mv_size - REF_HEAD, a, sizeof a);
        if (l && l->mv_size >= REF_HEAD)
            s_key_event_text ((uint8_t *) l->mv_data + REF_HEAD, l->mv_size - REF_HEAD, b, sizeof b);
        if (!s)
            s_mismatch (c, "ref %s: missing from the index (the log has it at %s)", name, b);
        else
        if (!l)
            s_mismatch (c, "ref %s: indexed (at %s) but no event in the log has it", name, a);
        else
            s_mismatch (c, "ref %s: index says %s (flags 0x%x) but the log says %s (flags 0x%x)",
                        name, a, s->mv_size ? *(uint8_t *) s->mv_data : 0,
                        b, *(uint8_t *) l->mv_data);
        return;
    }
    const char *what = db == DB_PERSONS ? "person" : db == DB_ORGS ? "org" : s_db_names[db];
    if (!s)
        s_mismatch (c, "%s %s: missing from the roster (the log has it)", what, name);
    else
    if (!l)
        s_mismatch (c, "%s %s: in the roster but not in the log", what, name);
    else
        s_mismatch (c, "%s %s: roster entry differs from the log", what, name);
}

//  Walks database DB of the store (S) and of the scratch environment (L) side by side and
//  reports every key that is missing on one side or has different values.
static int
s_compare (s_check_t *c, int db, s_side_t *s, s_side_t *l)
{
    MDB_cursor *cs = NULL, *cl = NULL;
    int rc = mdb_cursor_open (s->txn, s->dbi[db], &cs);
    if (!rc)
        rc = mdb_cursor_open (l->txn, l->dbi[db], &cl);
    if (rc)
        goto done;
    MDB_val sk, sv, lk, lv;
    int rs = mdb_cursor_get (cs, &sk, &sv, MDB_FIRST);
    int rl = mdb_cursor_get (cl, &lk, &lv, MDB_FIRST);
    while (rs == 0 || rl == 0) {
        int cmp;
        if (rs != 0)
            cmp = 1;
        else
        if (rl != 0)
            cmp = -1;
        else
            cmp = mdb_cmp (s->txn, s->dbi[db], &sk, &lk);
        if (cmp < 0)
            s_describe (c, db, &sk, &sv, NULL);
        else
        if (cmp > 0)
            s_describe (c, db, &lk, NULL, &lv);
        else
        if (sv.mv_size != lv.mv_size || memcmp (sv.mv_data, lv.mv_data, sv.mv_size) != 0)
            s_describe (c, db, &sk, &sv, &lv);
        if (cmp <= 0)
            rs = mdb_cursor_get (cs, &sk, &sv, MDB_NEXT);
        if (cmp >= 0)
            rl = mdb_cursor_get (cl, &lk, &lv, MDB_NEXT);
    }
    rc = (rs == MDB_NOTFOUND || rs == 0) && (rl == MDB_NOTFOUND || rl == 0) ? 0 : (rs ? rs : rl);
done:
    if (cs)
        mdb_cursor_close (cs);
    if (cl)
        mdb_cursor_close (cl);
    return ml_err_from_mdb (rc);
}

//  Replays the log of the store (x->p) into the scratch environment (x->d, committed every
//  CHECK_CHUNK events). Returns the number of log entries in *NLOG.
static int
s_check_replay (s_check_t *c, s_derive_t *x, MDB_env *scratch, uint64_t *nlog)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (x->p.txn, x->p.dbi[DB_LOG], &cur);
    if (rc)
        return ml_err_from_mdb (rc);
    MDB_val k, v;
    uint64_t last = 0;
    *nlog = 0;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0 && !x->ret;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        char where[KEY_MAX + 32], unit[ML_ID_MAX + 1], agent[ML_ID_MAX + 1];
        uint64_t seq;
        last = k.mv_size == 8 ? s_be64_get (k.mv_data) : last;
        (*nlog)++;
        MDB_val ev_bytes;
        if (!s_key_event_parse (v.mv_data, v.mv_size, unit, agent, &seq)) {
            s_key_event_text (v.mv_data, v.mv_size, where, sizeof where);
            s_mismatch (c, "log entry %" PRIu64 ": %s", last, where);
            continue;
        }
        //  WHERE names the event, rendered only when something is wrong.
#define WHERE s_key_event_text (v.mv_data, v.mv_size, where, sizeof where)
        if (!s_get (&x->ret, &x->p, DB_EVENTS, v.mv_data, v.mv_size, &ev_bytes)) {
            if (!x->ret)
                s_mismatch (c, "log entry %" PRIu64 " points at a missing event %s", last, WHERE);
            continue;
        }
        ml_verr_t verr;
        Massline__Event *ev = ml_event_unpack (ev_bytes.mv_data, ev_bytes.mv_size, &verr);
        if (!ev) {
            s_mismatch (c, "event %s: not a valid event encoding", WHERE);
            continue;
        }
        ml_reject_t rej;
        rej.reason[0] = 0;
        int drc = s_derive_event (x, unit, v.mv_data, v.mv_size, ev_bytes.mv_data,
                                  ev_bytes.mv_size, ev, &rej);
        if (drc == ML_EDUP)
            s_mismatch (c, "event %s: applied twice (ref %s repeats)", WHERE, ev->ref);
        else
        if (drc == ML_EINVAL)
            s_mismatch (c, "event %s: does not apply again: %s", WHERE, rej.reason);
#undef WHERE
        ml_event_free (&ev);
        if (*nlog % CHECK_CHUNK == 0 && !x->ret) {
            s_count_flush (x);
            int crc = x->ret ? 0 : mdb_txn_commit (x->d.txn);
            x->d.txn = NULL;
            if (!crc)
                crc = mdb_txn_begin (scratch, NULL, 0, &x->d.txn);
            if (crc && !x->ret)
                x->ret = ml_err_from_mdb (crc);
        }
    }
    mdb_cursor_close (cur);
    if (x->ret)
        return x->ret;
    if (rc != MDB_NOTFOUND)
        return ml_err_from_mdb (rc);
    MDB_val nv;
    uint64_t next = 1;
    if (s_get (&x->ret, &x->p, DB_META, "log_next", 8, &nv) && nv.mv_size == 8)
        next = s_be64_get (nv.mv_data);
    if (*nlog && next <= last)
        s_mismatch (c, "meta: log_next=%" PRIu64 " but the log reaches %" PRIu64, next, last);
    return x->ret;
}

//  Walks the primary database DB (events or rejects): counts entries, notes each agent's
//  highest seq; for rejects also counts them per unit and checks no seq is both stored and
//  rejected.
static int
s_check_primary (s_check_t *c, s_derive_t *x, int db, uint64_t *count)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (x->p.txn, x->p.dbi[db], &cur);
    if (rc)
        return ml_err_from_mdb (rc);
    MDB_val k, v, other;
    *count = 0;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0 && !x->ret;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        char unit[ML_ID_MAX + 1], agent[ML_ID_MAX + 1];
        uint64_t seq;
        (*count)++;
        if (!s_key_event_parse (k.mv_data, k.mv_size, unit, agent, &seq)) {
            s_mismatch (c, "%s: malformed key of %zu bytes", s_db_names[db], k.mv_size);
            continue;
        }
        if (s_note_seq (c, agent, seq))
            x->ret = ML_ENOMEM;
        if (db == DB_REJECTS) {
            s_derive_reject (x, unit);
            if (s_get (&x->ret, &x->p, DB_EVENTS, k.mv_data, k.mv_size, &other))
                s_mismatch (c, "agent %s: seq %" PRIu64 " of unit %s is both stored and rejected",
                            agent, seq, unit);
        }
    }
    mdb_cursor_close (cur);
    return x->ret ? x->ret : rc == MDB_NOTFOUND ? 0 : ml_err_from_mdb (rc);
}

//  Checks every agent's high-water mark against its highest stored seq.
static int
s_check_agents (s_check_t *c, s_derive_t *x)
{
    for (size_t i = 0; i < c->nagents && !x->ret; i++) {
        ml_agent_state_t st;
        int rc = s_agent_get (x, c->agents[i].agent, &st);
        if (rc == ML_ENOTFOUND)
            s_mismatch (c, "agent %s: has stored seqs up to %" PRIu64 " but no high-water mark",
                        c->agents[i].agent, c->agents[i].max_seq);
        else
        if (rc == 0 && st.hwm < c->agents[i].max_seq)
            s_mismatch (c, "agent %s: high-water mark %" PRIu64 " but seq %" PRIu64 " is stored",
                        c->agents[i].agent, st.hwm, c->agents[i].max_seq);
    }
    MDB_stat ms;
    int rc = mdb_stat (x->p.txn, x->p.dbi[DB_AGENTS], &ms);
    if (rc)
        return ml_err_from_mdb (rc);
    c->stats->agents = ms.ms_entries;
    return x->ret;
}

//  The scratch environment of a check.
typedef struct {
    char dir[4096];
    MDB_env *env;
    MDB_dbi dbi[DB_COUNT];
} s_scratch_t;

static void
s_scratch_remove (s_scratch_t *sc)
{
    if (sc->env)
        mdb_env_close (sc->env);
    sc->env = NULL;
    if (sc->dir[0]) {
        char path[4200];
        snprintf (path, sizeof path, "%s/data.mdb", sc->dir);
        unlink (path);
        snprintf (path, sizeof path, "%s/lock.mdb", sc->dir);
        unlink (path);
        rmdir (sc->dir);
        sc->dir[0] = 0;
    }
}

static int
s_scratch_open (s_scratch_t *sc, const char *tmpdir, size_t map_size, char *err, size_t errlen)
{
    if (!tmpdir)
        tmpdir = getenv ("TMPDIR");
    snprintf (sc->dir, sizeof sc->dir, "%s/massline-check-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp (sc->dir)) {
        snprintf (err, errlen, "scratch dir %s: %s", sc->dir, strerror (errno));
        sc->dir[0] = 0;
        return ML_EIO;
    }
    sc->env = s_env_open (sc->dir, map_size, MDB_NOSYNC | MDB_NOMETASYNC, err, errlen);
    if (!sc->env || s_open_dbs (sc->env, sc->dbi, false, true, sc->dir, err, errlen)) {
        s_scratch_remove (sc);
        return ML_EIO;
    }
    return 0;
}

int
ml_store_check (ml_store_t *self, const char *tmpdir, ml_check_fn *report, void *arg,
                ml_check_stats_t *stats, char *err, size_t errlen)
{
    memset (stats, 0, sizeof *stats);
    s_check_t c = { report, arg, stats, NULL, 0, 0 };
    s_scratch_t sc = { .env = NULL };
    s_derive_t x = { .ret = 0 };
    MDB_envinfo info;
    mdb_env_info (self->env, &info);
    int rc = s_scratch_open (&sc, tmpdir, info.me_mapsize, err, errlen);
    if (rc)
        return rc;
    rc = mdb_txn_begin (self->env, NULL, MDB_RDONLY, &x.p.txn);
    if (!rc)
        rc = mdb_txn_begin (sc.env, NULL, 0, &x.d.txn);
    rc = ml_err_from_mdb (rc);
    x.p.dbi = self->dbi;
    x.d.dbi = sc.dbi;

    uint64_t nlog = 0;
    if (!rc)
        rc = s_check_replay (&c, &x, sc.env, &nlog);
    if (!rc)
        rc = s_check_primary (&c, &x, DB_EVENTS, &stats->events);
    if (!rc && stats->events != nlog)
        s_mismatch (&c, "events: %" PRIu64 " stored but the log lists %" PRIu64, stats->events, nlog);
    if (!rc)
        rc = s_check_primary (&c, &x, DB_REJECTS, &stats->rejects);
    if (!rc)
        rc = s_check_agents (&c, &x);
    s_count_flush (&x);
    rc = rc ? rc : x.ret;
    for (size_t i = 0; !rc && i < sizeof s_derived_dbs / sizeof s_derived_dbs[0]; i++)
        rc = s_compare (&c, s_derived_dbs[i], &x.p, &x.d);
    MDB_stat ms;
    if (!rc && !mdb_stat (x.d.txn, sc.dbi[DB_UNITS], &ms))
        stats->units = ms.ms_entries;
    if (rc)
        snprintf (err, errlen, "check could not run: %s", ml_strerror (rc));
    if (x.d.txn)
        mdb_txn_abort (x.d.txn);
    if (x.p.txn)
        mdb_txn_abort (x.p.txn);
    s_scratch_remove (&sc);
    free (c.agents);
    if (rc)
        return rc;
    return stats->mismatches ? ML_ECONFLICT : 0;
}

// ---------------------------------------------------------------------------
// Reading for the audit.

//  Fills OUT from refs entry KEY -> VAL. False when the entry is not a well-formed one.
static bool
s_ref_fill (ml_store_ref_t *out, const MDB_val *key, const MDB_val *val, s_walk_t *w)
{
    const char *k = key->mv_data;
    size_t ulen = strnlen (k, key->mv_size);
    size_t rlen = ulen < key->mv_size ? key->mv_size - ulen - 1 : 0;
    if (ulen >= key->mv_size || rlen > ML_ID_MAX || val->mv_size <= REF_HEAD)
        return false;
    const uint8_t *head = val->mv_data;
    out->unit = k;
    memcpy (out->ref, k + ulen + 1, rlen);
    out->ref[rlen] = 0;
    out->kind = head[1];
    out->control = head[0] & REF_CONTROL;
    out->corrected = head[0] & REF_CORRECTED;
    out->voided = head[0] & REF_VOIDED;
    out->ekey_ = head + REF_HEAD;
    out->eklen_ = val->mv_size - REF_HEAD;
    out->walk_ = w;
    return true;
}

int
ml_store_ref_count (ml_store_txn_t *txn, uint64_t *n)
{
    MDB_stat st;
    *n = 0;
    if (txn->x.ret)
        return txn->x.ret;
    int rc = mdb_stat (txn->x.p.txn, txn->x.p.dbi[DB_REFS], &st);
    if (rc)
        return txn->x.ret = ml_err_from_mdb (rc);
    *n = st.ms_entries;
    return 0;
}

int
ml_store_ref_event (const ml_store_ref_t *ref, const uint8_t **data, size_t *len)
{
    s_walk_t *w = ref->walk_;
    ml_store_txn_t *t = w->t;
    *data = NULL;
    *len = 0;
    if (t->x.ret)
        return t->x.ret;
    MDB_val ek = { ref->eklen_, (void *) ref->ekey_ }, nk, ev;
    int rc;
    if (w->ecur) {
        //  Often the event wanted is the one after the last (refs assigned in order): try that
        //  first, then search.
        rc = w->placed ? mdb_cursor_get (w->ecur, &nk, &ev, MDB_NEXT) : MDB_NOTFOUND;
        if (rc || nk.mv_size != ek.mv_size || memcmp (nk.mv_data, ek.mv_data, ek.mv_size) != 0)
            rc = mdb_cursor_get (w->ecur, &ek, &ev, MDB_SET);
        w->placed = rc == 0;
    }
    else
        rc = mdb_get (t->x.p.txn, t->x.p.dbi[DB_EVENTS], &ek, &ev);
    if (rc == MDB_NOTFOUND)
        return ML_ENOTFOUND;
    if (rc)
        return t->x.ret = ml_err_from_mdb (rc);
    *data = ev.mv_data;
    *len = ev.mv_size;
    return 0;
}

int
ml_store_refs_each (ml_store_txn_t *txn, ml_store_ref_fn *fn, void *arg)
{
    if (txn->x.ret)
        return txn->x.ret;
    s_walk_t w = { .t = txn };
    MDB_cursor *cur;
    int rc = mdb_cursor_open (txn->x.p.txn, txn->x.p.dbi[DB_REFS], &cur);
    if (!rc) {
        rc = mdb_cursor_open (txn->x.p.txn, txn->x.p.dbi[DB_EVENTS], &w.ecur);
        if (rc)
            mdb_cursor_close (cur);
    }
    if (rc)
        return txn->x.ret = ml_err_from_mdb (rc);
    MDB_val k, v;
    int ret = 0;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0 && !ret;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        ml_store_ref_t r;
        if (s_ref_fill (&r, &k, &v, &w))
            ret = fn (arg, &r);
    }
    mdb_cursor_close (w.ecur);
    mdb_cursor_close (cur);
    if (ret)
        return ret;
    if (rc && rc != MDB_NOTFOUND)
        return txn->x.ret = ml_err_from_mdb (rc);
    return txn->x.ret;
}

int
ml_store_event (ml_store_txn_t *txn, const char *unit, const char *ref, ml_store_ref_t *out)
{
    memset (out, 0, sizeof *out);
    uint8_t key[KEY_MAX];
    size_t klen = s_key2 (key, unit, ref);
    MDB_val v;
    if (!klen || !s_get (&txn->x.ret, &txn->x.p, DB_REFS, key, klen, &v))
        return txn->x.ret ? txn->x.ret : ML_ENOTFOUND;
    txn->walk.t = txn;
    MDB_val k = { klen, key };
    if (!s_ref_fill (out, &k, &v, &txn->walk))
        return ML_ENOTFOUND;
    out->unit = unit;
    return 0;
}

//  Splits a roster value "source ref\0packed event". False when it is not one.
static bool
s_roster_event (const MDB_val *v, const uint8_t **data, size_t *len)
{
    size_t rlen = strnlen (v->mv_data, v->mv_size);
    if (rlen >= v->mv_size)
        return false;
    *data = (const uint8_t *) v->mv_data + rlen + 1;
    *len = v->mv_size - rlen - 1;
    return true;
}

int
ml_store_person (ml_store_txn_t *txn, const char *unit, const char *person,
                 const uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    uint8_t key[KEY_MAX];
    size_t klen = s_key2 (key, unit, person);
    MDB_val v;
    if (!klen || !s_get (&txn->x.ret, &txn->x.p, DB_PERSONS, key, klen, &v))
        return txn->x.ret ? txn->x.ret : ML_ENOTFOUND;
    return s_roster_event (&v, data, len) ? 0 : ML_ENOTFOUND;
}

typedef struct {
    ml_store_person_fn *fn;
    void *arg;
} s_persons_t;

static int
s_on_person (void *arg, const MDB_val *key, const MDB_val *val)
{
    s_persons_t *p = arg;
    const char *k = key->mv_data;
    size_t ulen = strnlen (k, key->mv_size);
    size_t plen = ulen < key->mv_size ? key->mv_size - ulen - 1 : 0;
    const uint8_t *data;
    size_t len;
    if (ulen >= key->mv_size || plen > ML_ID_MAX || !s_roster_event (val, &data, &len))
        return 0;                       //  not a roster entry
    char person[ML_ID_MAX + 1];
    memcpy (person, k + ulen + 1, plen);
    person[plen] = 0;
    return p->fn (p->arg, k, person, data, len);
}

int
ml_store_persons_each (ml_store_txn_t *txn, ml_store_person_fn *fn, void *arg)
{
    if (txn->x.ret)
        return txn->x.ret;
    s_persons_t p = { fn, arg };
    return s_scan (txn, DB_PERSONS, "", 0, s_on_person, &p);
}

//  The handle of TABLE in TXN; opens it, creating it when CREATE. ML_ENOTFOUND when it does not
//  exist (and not CREATE).
static int
s_table (ml_store_txn_t *t, ml_store_table_t table, bool create, MDB_dbi *dbi)
{
    assert (table >= 0 && table < ML_STORE_TABLES);
    if (t->x.ret)
        return t->x.ret;
    if (t->store->thas[table]) {
        *dbi = t->store->tdbi[table];
        return 0;
    }
    if (t->tstate[table] == T_OPENED) {
        *dbi = t->tdbi[table];
        return 0;
    }
    if (t->tstate[table] == T_ABSENT && !create)
        return ML_ENOTFOUND;
    int rc = mdb_dbi_open (t->x.d.txn, s_table_names[table], create ? MDB_CREATE : 0, &t->tdbi[table]);
    if (rc == MDB_NOTFOUND) {
        t->tstate[table] = T_ABSENT;
        return ML_ENOTFOUND;
    }
    if (rc)
        return t->x.ret = ml_err_from_mdb (rc);
    t->tstate[table] = T_OPENED;
    *dbi = t->tdbi[table];
    return 0;
}

int
ml_store_table_get (ml_store_txn_t *txn, ml_store_table_t table, const void *key, size_t klen,
                    const void **val, size_t *vlen)
{
    *val = NULL;
    *vlen = 0;
    MDB_dbi dbi;
    int rc = s_table (txn, table, false, &dbi);
    if (rc)
        return rc;
    MDB_val k = { klen, (void *) key }, v;
    rc = mdb_get (txn->x.d.txn, dbi, &k, &v);
    if (rc == MDB_NOTFOUND)
        return ML_ENOTFOUND;
    if (rc)
        return txn->x.ret = ml_err_from_mdb (rc);
    *val = v.mv_data;
    *vlen = v.mv_size;
    return 0;
}

int
ml_store_table_put (ml_store_txn_t *txn, ml_store_table_t table, const void *key, size_t klen,
                    const void *val, size_t vlen, bool overwrite)
{
    if (!txn->write)
        return ML_EPERM;
    MDB_dbi dbi;
    int rc = s_table (txn, table, true, &dbi);
    if (rc)
        return rc;
    MDB_val k = { klen, (void *) key }, v = { vlen, (void *) val };
    rc = mdb_put (txn->x.d.txn, dbi, &k, &v, overwrite ? 0 : MDB_NOOVERWRITE);
    if (rc == MDB_KEYEXIST)
        return ML_EEXIST;
    if (rc)
        return txn->x.ret = ml_err_from_mdb (rc);
    return 0;
}

int
ml_store_table_each (ml_store_txn_t *txn, ml_store_table_t table, const void *prefix,
                     size_t plen, ml_store_row_fn *fn, void *arg)
{
    MDB_dbi dbi;
    int rc = s_table (txn, table, false, &dbi);
    if (rc)
        return rc == ML_ENOTFOUND ? 0 : rc;
    MDB_cursor *cur;
    rc = mdb_cursor_open (txn->x.d.txn, dbi, &cur);
    if (rc)
        return txn->x.ret = ml_err_from_mdb (rc);
    MDB_val k = { plen, (void *) prefix }, v;
    int ret = 0;
    for (rc = mdb_cursor_get (cur, &k, &v, plen ? MDB_SET_RANGE : MDB_FIRST); rc == 0 && !ret;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size < plen || memcmp (k.mv_data, prefix, plen) != 0)
            break;
        ret = fn (arg, k.mv_data, k.mv_size, v.mv_data, v.mv_size);
    }
    mdb_cursor_close (cur);
    if (ret)
        return ret;
    if (rc && rc != MDB_NOTFOUND)
        return txn->x.ret = ml_err_from_mdb (rc);
    return 0;
}
