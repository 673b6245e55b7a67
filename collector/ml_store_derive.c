/* ml_store_derive.c -- the one derivation: what an applied event does to the derived state (refs,
   roster, unit counters, metric counters, cases). Ingest runs it in the batch's write
   transaction; check runs it while replaying the log into a scratch environment and compares.
   A new aggregate is one more step here plus one more entry in check's list of derived dbs. */
#include "ml_store_db.h"
#include "ml_err.h"

#include <stdarg.h>
#include <stdlib.h>

//  Sticky calls on the derived side of X.
static inline bool
s_get (ml_store_derive_t *x, int db, const void *key, size_t klen, ml_db_val_t *val)
{
    return ml_db_get (x->d.t, x->d.dbi[db], key, klen, val);
}

static inline void
s_put (ml_store_derive_t *x, int db, const void *key, size_t klen, const void *val, size_t vlen)
{
    ml_db_put (x->d.t, x->d.dbi[db], key, klen, val, vlen, 0);
}

static inline void
s_del (ml_store_derive_t *x, int db, const void *key, size_t klen)
{
    ml_db_del (x->d.t, x->d.dbi[db], key, klen);
}

static void
s_nomem (ml_store_derive_t *x)
{
    ml_db_fail (x->d.t, ML_ENOMEM, "derive: out of memory");
}

//  The kind name of a body case ("talk").
static const char *
s_kind_name (int body_case)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field (&massline__event__descriptor, (unsigned) body_case);
    return f ? f->name : "?";
}

int
ml_store_reject (ml_reject_t *rej, const char *code, const char *fmt, ...)
{
    snprintf (rej->code, sizeof rej->code, "%s", code);
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (rej->reason, sizeof rej->reason, fmt, ap);
    va_end (ap);
    return ML_EINVAL;
}

// ---------------------------------------------------------------------------
// Unit counters.

void
ml_store_count_flush (ml_store_derive_t *x)
{
    if (!x->unit[0] || (!x->dev && !x->drej))
        return;
    uint8_t val[UNIT_VALUE_LEN] = { 0 };
    ml_db_val_t old;
    if (s_get (x, DB_UNITS, x->unit, strlen (x->unit), &old) && old.len == UNIT_VALUE_LEN)
        memcpy (val, old.data, UNIT_VALUE_LEN);
    ml_db_be64_put (val, ml_db_be64_get (val) + x->dev);
    ml_db_be64_put (val + 8, ml_db_be64_get (val + 8) + x->drej);
    s_put (x, DB_UNITS, x->unit, strlen (x->unit), val, UNIT_VALUE_LEN);
    x->dev = x->drej = 0;
}

//  Counts EVENTS applied and REJECTS rejected for UNIT; written by ml_store_count_flush, so a
//  batch touches units[unit] once instead of once per event.
static void
s_count (ml_store_derive_t *x, const char *unit, uint64_t events, uint64_t rejects)
{
    if (strcmp (x->unit, unit) != 0) {
        ml_store_count_flush (x);
        snprintf (x->unit, sizeof x->unit, "%s", unit);
    }
    x->dev += events;
    x->drej += rejects;
}

void
ml_store_derive_reject (ml_store_derive_t *x, const char *unit)
{
    s_count (x, unit, 0, 1);
}

// ---------------------------------------------------------------------------
// Roster and refs.

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
s_roster_put (ml_store_derive_t *x, int db, const char *unit, const char *id, const char *ref,
              const uint8_t *bytes, size_t len)
{
    uint8_t key[KEY_MAX];
    size_t klen = ml_store_key2 (key, unit, id);
    size_t rlen = strlen (ref);
    uint8_t stackbuf[1024];
    uint8_t *val = rlen + 1 + len <= sizeof stackbuf ? stackbuf : malloc (rlen + 1 + len);
    if (!val) {
        s_nomem (x);
        return;
    }
    memcpy (val, ref, rlen + 1);
    memcpy (val + rlen + 1, bytes, len);
    if (klen)
        s_put (x, db, key, klen, val, rlen + 1 + len);
    if (val != stackbuf)
        free (val);
}

//  Removes the roster entry ID when it still comes from REF (a later event may have replaced it).
static void
s_roster_drop (ml_store_derive_t *x, int db, const char *unit, const char *id, const char *ref)
{
    uint8_t key[KEY_MAX];
    size_t klen = ml_store_key2 (key, unit, id);
    ml_db_val_t val;
    if (klen && s_get (x, db, key, klen, &val)
        && val.len > strlen (ref) && strcmp ((const char *) val.data, ref) == 0)
        s_del (x, db, key, klen);
}

//  Loads the event stored under events key KEY from the primary side; a correction gives its
//  inner event in *BODY. NULL when missing or undecodable.
static Massline__Event *
s_load_event (ml_store_derive_t *x, const uint8_t *key, size_t klen, const Massline__Event **body)
{
    ml_db_val_t val;
    if (!ml_db_get (x->p.t, x->p.dbi[DB_EVENTS], key, klen, &val))
        return NULL;
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (val.data, val.len, &verr);
    if (ev)
        *body = ev->body_case == MASSLINE__EVENT__BODY_CORRECTION ? ev->correction->event : ev;
    return ev;
}

static void
s_ref_put (ml_store_derive_t *x, const uint8_t *rkey, size_t rklen, uint8_t flags, uint8_t kind,
           const uint8_t sha[32], const uint8_t *ekey, size_t eklen)
{
    uint8_t val[REF_HEAD + KEY_MAX];
    s_put (x, DB_REFS, rkey, rklen, val, ml_store_ref_value (val, flags, kind, sha, ekey, eklen));
}

// ---------------------------------------------------------------------------
// Metric counters (agg) and cases (cases, case_years): what one event counts, applied with
// SIGN +1, reverted with -1 (the old version under a correction, a voided event).

//  The case_years buckets of case C, years *FROM..*TO: for a closed petition, opinion, appeal or
//  commitment every year from its opening to its closing (or, later, its deadline: 7.4 is judged
//  in the deadline's year), so a report of year Y finds every case open on a day of Y (V7);
//  bucket 0 alone (*FROM = *TO = 0) for a case still open, the standing cases (assignments,
//  mailboxes, secondments, exemptions) and a case whose opening event is missing. A report of
//  year Y reads buckets 0 and Y, so closed cases of other years cost it nothing.
#define S_BUCKET_YEARS_MAX 20

static void
s_case_years (const ml_case_t *c, int *from, int *to)
{
    *from = *to = 0;
    bool yearly = c->key.kind == ML_CASE_PETITION || c->key.kind == ML_CASE_OPINION
               || c->key.kind == ML_CASE_COMMITMENT || c->key.kind == ML_CASE_APPEAL;
    if (!yearly || !(c->flags & ML_CASE_OPENED) || c->opened == ML_NODAY
        || !(c->flags & ML_CASE_CLOSED) || c->closed == ML_NODAY)
        return;
    int y0, y1, y2, m, d;
    ml_date_to_ymd (c->opened, &y0, &m, &d);
    ml_date_to_ymd (c->closed, &y1, &m, &d);
    ml_day_t due = ml_case_due (c);
    if (due != ML_NODAY) {
        ml_date_to_ymd (due, &y2, &m, &d);
        y1 = y2 > y1 ? y2 : y1;
    }
    if (y1 >= y0 && y1 - y0 < S_BUCKET_YEARS_MAX) {
        *from = y0;
        *to = y1;
    }
}

//  Adds EV's counter deltas (SIGN +1 or -1) to agg; a counter that reaches 0 is deleted.
static void
s_derive_agg (ml_store_derive_t *x, const char *unit, const Massline__Event *ev, int sign)
{
    ml_delta_t *d = NULL;
    size_t n = 0;
    int rc = ml_metrics_of (ev, sign, &d, &n);
    if (rc == ML_ENOMEM)
        s_nomem (x);
    //  ML_EINVAL (no valid date) counts nothing; validated events always have one.
    for (size_t i = 0; i < n && !x->d.t->ret; i++)
        for (int db = DB_AGG; db == DB_AGG || db == DB_AGGD; db = db == DB_AGG ? DB_AGGD : -1) {
            uint8_t key[ML_AGG_KEY_MAX + 1], val[8];
            size_t klen = db == DB_AGG ? ml_agg_key (unit, &d[i], key) : ml_aggd_key (unit, &d[i], key);
            int64_t amount = d[i].amount;
            ml_db_val_t old;
            if (s_get (x, db, key, klen, &old) && old.len == 8)
                amount += ml_agg_value_unpack (old.data);
            if (amount == 0)
                s_del (x, db, key, klen);
            else {
                ml_agg_value_pack (amount, val);
                s_put (x, db, key, klen, val, 8);
            }
        }
    free (d);
}

//  Applies (SIGN +1) or reverts (-1) EV on the case it touches, if any: cases holds the state
//  by case key, case_years the same state by year bucket. An emptied case is deleted.
static void
s_derive_case (ml_store_derive_t *x, const char *unit, const Massline__Event *ev, int sign,
               const char *ref)
{
    ml_case_key_t ck;
    if (x->d.t->ret || ml_case_key_of_ref (ev, ref, &ck) != 0)
        return;
    uint8_t key[ML_CASE_KEY_MAX], ykey[CASE_YEARS_KEY_MAX], val[ML_CASE_PACK_MAX];
    size_t klen = ml_case_db_key (unit, &ck, key);
    ml_case_t c;
    int old_from = -1, old_to = -2;     //  no stored case: no buckets
    ml_db_val_t old;
    if (s_get (x, DB_CASES, key, klen, &old) && ml_case_unpack (old.data, old.len, &c) == 0)
        s_case_years (&c, &old_from, &old_to);
    else
        ml_case_init (&c, &ck);
    //  A failure here is a date out of range: validated events never get here, so skip it.
    if (x->d.t->ret || ml_case_apply (&c, ev, sign) != 0)
        return;
    bool empty = ml_case_empty (&c);
    int from = -1, to = -2;
    if (!empty)
        s_case_years (&c, &from, &to);
    for (int y = old_from; y <= old_to; y++)
        if (y < from || y > to)
            s_del (x, DB_CASE_YEARS, ykey, ml_store_case_years_key (key, klen, y, ykey));
    if (empty) {
        s_del (x, DB_CASES, key, klen);
        return;
    }
    size_t vlen = ml_case_pack (&c, val);
    s_put (x, DB_CASES, key, klen, val, vlen);
    for (int y = from; y <= to; y++)
        s_put (x, DB_CASE_YEARS, ykey, ml_store_case_years_key (key, klen, y, ykey), val, vlen);
}

//  What EV (an event, or a correction: its inner event) counts, in or out by SIGN. REF is the
//  ref whose current version EV is (cases keyed by ref take it).
static void
s_derive_counts (ml_store_derive_t *x, const char *unit, const Massline__Event *ev, int sign,
                 const char *ref)
{
    s_derive_agg (x, unit, ev, sign);
    s_derive_case (x, unit, ev, sign, ref);
}

// ---------------------------------------------------------------------------
// Events.

//  A correction or void EV (stored under EKEY) supersedes its target ref: checks the target,
//  moves the roster from the old version to the new one and repoints the target's index entry.
static int
s_supersede (ml_store_derive_t *x, const char *unit, const Massline__Event *ev,
             const uint8_t *ekey, size_t eklen, ml_reject_t *rej)
{
    bool is_void = ev->body_case == MASSLINE__EVENT__BODY_VOID;
    const char *code = is_void ? "bad_void" : "bad_correction";
    const char *what = is_void ? "void" : "correction";
    const char *target = is_void ? ev->void_->supersedes : ev->correction->supersedes;
    const Massline__Event *inner = is_void ? NULL : ev->correction->event;

    if (strcmp (target, ev->ref) == 0)
        return ml_store_reject (rej, code, "a %s needs a ref of its own, not the ref it supersedes (%s)",
                                what, target);
    uint8_t tkey[KEY_MAX];
    size_t tklen = ml_store_key2 (tkey, unit, target);
    ml_db_val_t tv;
    if (!tklen || !s_get (x, DB_REFS, tkey, tklen, &tv) || tv.len < REF_HEAD)
        return ml_store_derive_ret (x) ? ml_store_derive_ret (x)
             : ml_store_reject (rej, code, "%s of unknown ref %s in unit %s", what, target, unit);
    uint8_t old[REF_HEAD + KEY_MAX];
    size_t oldlen = tv.len < sizeof old ? tv.len : sizeof old;
    memcpy (old, tv.data, oldlen);
    uint8_t flags = old[0], kind = old[1];

    if (flags & REF_CONTROL)
        return ml_store_reject (rej, code, "ref %s is itself a correction or void; supersede the "
                                "original ref", target);
    if (flags & REF_VOIDED)
        return ml_store_reject (rej, code, "ref %s is voided", target);
    if (inner && (int) inner->body_case != kind)
        return ml_store_reject (rej, code, "ref %s is a %s event, the correction holds a %s event",
                                target, s_kind_name (kind), s_kind_name (inner->body_case));

    //  The roster, the counters and the cases follow the current version: the old one goes out,
    //  the new one (none for a void) comes in.
    const Massline__Event *oldbody = NULL;
    Massline__Event *oldev = s_load_event (x, old + REF_HEAD, oldlen - REF_HEAD, &oldbody);
    if (oldev)
        s_derive_counts (x, unit, oldev, -1, target);
    if (inner)
        s_derive_counts (x, unit, inner, +1, target);
    int rdb = s_roster_db (kind);
    if (rdb >= 0 && oldev && oldbody && s_roster_id (oldbody))
        s_roster_drop (x, rdb, unit, s_roster_id (oldbody), target);
    ml_event_free (&oldev);
    if (rdb >= 0 && inner) {
        size_t plen;
        uint8_t *packed = ml_event_pack (inner, &plen);
        if (!packed) {
            s_nomem (x);
            return ml_store_derive_ret (x);
        }
        s_roster_put (x, rdb, unit, s_roster_id (inner), target, packed, plen);
        free (packed);
    }
    if (is_void)
        s_ref_put (x, tkey, tklen, flags | REF_VOIDED, kind, old + 2, old + REF_HEAD, oldlen - REF_HEAD);
    else
        s_ref_put (x, tkey, tklen, flags | REF_CORRECTED, kind, old + 2, ekey, eklen);
    return ml_store_derive_ret (x);
}

int
ml_store_derive_event (ml_store_derive_t *x, const char *unit, const uint8_t *ekey, size_t eklen,
                       const uint8_t *bytes, size_t len, Massline__Event *ev, ml_reject_t *rej)
{
    if (ml_store_derive_ret (x))
        return ml_store_derive_ret (x);
    if (ml_event_ensure_ref (ev) != 0) {
        s_nomem (x);
        return ml_store_derive_ret (x);
    }
    uint8_t sha[32];
    ml_sha256 (bytes, len, sha);
    uint8_t rkey[KEY_MAX];
    size_t rklen = ml_store_key2 (rkey, unit, ev->ref);
    if (!rklen)
        return ml_store_reject (rej, "invalid", "field 'ref': longer than %d bytes", ML_ID_MAX);
    ml_db_val_t cur;
    if (s_get (x, DB_REFS, rkey, rklen, &cur)) {
        if (cur.len >= REF_HEAD && memcmp ((uint8_t *) cur.data + 2, sha, 32) == 0)
            return ML_EDUP;
        return ml_store_reject (rej, "ref_conflict",
                                "ref %s already holds a different event; send a correction to change it",
                                ev->ref);
    }
    if (ml_store_derive_ret (x))
        return ml_store_derive_ret (x);

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
        s_derive_counts (x, unit, ev, +1, ev->ref);
    }
    s_ref_put (x, rkey, rklen, flags, (uint8_t) kind, sha, ekey, eklen);
    s_count (x, unit, 1, 0);
    return ml_store_derive_ret (x);
}
