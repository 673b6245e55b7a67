/* ml_store_source.c -- the reports' data source (ml_source_t of ml_eval.h) over a read
   transaction of the store: agg rows by one cursor range, the roster, the cases of a year. */
#include "ml_store_db.h"
#include "ml_err.h"

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

//  Calls FN for every entry of DB of T whose key starts with PREFIX (PLEN bytes), in key order.
static int
s_scan (ml_store_txn_t *t, int db, const void *prefix, size_t plen, ml_db_each_fn *fn,
        s_relay_t *r)
{
    return ml_db_each (&t->db, t->store->dbi[db], prefix, plen, fn, r);
}

static int
s_on_agg (void *arg, const ml_db_val_t *key, const ml_db_val_t *val)
{
    s_relay_t *r = arg;
    ml_delta_t d;
    if (val->len != 8 || ml_agg_key_decode (key->data, key->len, &d, NULL) != 0)
        return ML_EIO;
    d.amount = ml_agg_value_unpack (val->data);
    return ((ml_row_fn *) r->fn) (r->arg, &d);
}

static int
s_src_agg (void *ctx, const char *unit, int year, ml_row_fn *fn, void *arg)
{
    uint8_t prefix[ML_ID_MAX + 3];
    s_relay_t r = { (void *) fn, arg };
    return s_scan (ctx, DB_AGG, prefix, ml_agg_prefix (year, unit, prefix), s_on_agg, &r);
}

static int
s_on_aggd (void *arg, const ml_db_val_t *key, const ml_db_val_t *val)
{
    s_relay_t *r = arg;
    ml_delta_t d;
    if (val->len != 8 || ml_aggd_key_decode (key->data, key->len, &d, NULL) != 0)
        return ML_EIO;
    d.amount = ml_agg_value_unpack (val->data);
    return ((ml_row_fn *) r->fn) (r->arg, &d);
}

//  One month's day rows of a unit: one cursor range of aggd.
static int
s_src_agg_days (void *ctx, const char *unit, int year, int month, ml_row_fn *fn, void *arg)
{
    uint8_t prefix[ML_ID_MAX + 4];
    s_relay_t r = { (void *) fn, arg };
    return s_scan (ctx, DB_AGGD, prefix, ml_aggd_prefix (year, unit, month, prefix), s_on_aggd, &r);
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

static int
s_on_roster (void *arg, const ml_db_val_t *key, const ml_db_val_t *val)
{
    (void) key;
    s_relay_t *r = arg;
    const uint8_t *data;
    size_t len;
    if (!ml_store_roster_split (val, &data, &len))
        return ML_EIO;
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (data, len, &verr);
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
    size_t plen = ml_store_key2 (prefix, unit, "");
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
s_on_case (void *arg, const ml_db_val_t *key, const ml_db_val_t *val)
{
    (void) key;
    s_relay_t *r = arg;
    ml_case_t c;
    if (ml_case_unpack (val->data, val->len, &c) != 0)
        return ML_EIO;
    return ((ml_case_fn *) r->fn) (r->arg, &c);
}

//  The cases of UNIT from case_years: buckets 0 and the source's year, or every bucket.
static int
s_src_cases (void *ctx, const char *unit, ml_case_fn *fn, void *arg)
{
    ml_store_txn_t *t = ctx;
    uint8_t prefix[ML_ID_MAX + 3];
    size_t ulen = strnlen (unit, ML_ID_MAX);
    memcpy (prefix, unit, ulen);
    prefix[ulen] = 0;
    s_relay_t r = { (void *) fn, arg };
    if (!t->year)                       //  every case of the unit, once each
        return s_scan (t, DB_CASES, prefix, ulen + 1, s_on_case, &r);
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
    *src = (ml_source_t) { .units = s_src_units, .agg = s_src_agg, .agg_days = s_src_agg_days, .agg_person = s_src_agg_person,
                           .persons = s_src_persons, .orgs = s_src_orgs, .cases = s_src_cases,
                           .ctx = txn };
}
