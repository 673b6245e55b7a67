/* ml_store_watch.c -- rectification records in the store (ml_watch.h; byte layout in
   ml_store_db.h, "rectify"): the bureau's talks, notices, progress notes and closures per
   watch-list row, appended in the order entered. Primary data, like the chain's decisions: check
   does not rebuild them. A row's state is read from its records, never stored apart. */
#include "ml_watch.h"
#include "ml_cases.h"
#include "ml_store_db.h"
#include "ml_err.h"

#include <stdlib.h>

static const char *const s_kind_names[] = { "?", "talk", "notice", "progress", "close" };

const char *
ml_watch_kind_name (ml_watch_kind_t kind)
{
    return (unsigned) kind <= ML_WATCH_CLOSE ? s_kind_names[kind] : "?";
}

const char *
ml_watch_state_name (const ml_watch_state_t *s, ml_day_t as_of)
{
    if (s->closed != ML_NODAY && s->closed <= as_of)
        return s->deadline != ML_NODAY && s->closed > s->deadline ? "rectified_late"
                                                                  : "rectified_on_time";
    return s->deadline != ML_NODAY && as_of > s->deadline ? "overdue" : "open";
}

bool
ml_watch_overdue_within (const ml_watch_state_t *s, ml_day_t from, ml_day_t to)
{
    if (s->deadline == ML_NODAY)
        return false;
    ml_day_t first = s->deadline + 1 > from ? s->deadline + 1 : from;    //  first overdue day in range
    return first <= to && (s->closed == ML_NODAY || s->closed > first);
}

// ---------------------------------------------------------------------------
// Opening.

int
ml_store_watch_open (ml_store_t *self, const char *dir, char *err, size_t errlen)
{
    ml_db_txn_t t;
    if (ml_db_begin (self->db, &t, !self->readonly)) {
        snprintf (err, errlen, "%s: %s", dir, ml_db_error (self->db));
        return t.ret;
    }
    int rc = ml_db_table (&t, WATCH_DB_NAME, 0, &self->wdbi);
    if (rc == ML_ENOTFOUND && self->readonly)
        self->wabsent = true;
    else
    if (rc == ML_ENOTFOUND)
        ml_db_table (&t, WATCH_DB_NAME, ML_DB_CREATE, &self->wdbi);
    rc = ml_db_commit (&t);             //  commits a read transaction too: it keeps the handle
    if (rc)
        snprintf (err, errlen, "%s: %s", dir, ml_db_error (self->db));
    return rc;
}

// ---------------------------------------------------------------------------
// Keys and values.

#define S_ROW_KEY_MAX (3 * (ML_ID_MAX + 1) + 2)

static void
s_be32_put (uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24);
    p[1] = (uint8_t) (v >> 16);
    p[2] = (uint8_t) (v >> 8);
    p[3] = (uint8_t) v;
}

static uint32_t
s_be32_get (const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

//  The row's key prefix unit\0 person\0 year (2 BE) rule\0 into BUF (S_ROW_KEY_MAX + 4 bytes);
//  its length, 0 when an id is too long or empty.
static size_t
s_row_key (uint8_t *buf, const ml_watch_row_t *row)
{
    size_t ul = strnlen (row->unit, ML_ID_MAX + 1), pl = strnlen (row->person, ML_ID_MAX + 1);
    size_t rl = strnlen (row->rule, ML_ID_MAX + 1);
    if (!ul || !pl || ul > ML_ID_MAX || pl > ML_ID_MAX || rl > ML_ID_MAX
    ||  row->year < 1900 || row->year > 2999)
        return 0;
    size_t n = 0;
    memcpy (buf, row->unit, ul + 1);
    n += ul + 1;
    memcpy (buf + n, row->person, pl + 1);
    n += pl + 1;
    buf[n++] = (uint8_t) (row->year >> 8);
    buf[n++] = (uint8_t) row->year;
    memcpy (buf + n, row->rule, rl + 1);
    return n + rl + 1;
}

//  Splits a record key K into *ROW and *N; false when it is not one.
static bool
s_row_parse (const ml_db_val_t *k, ml_watch_row_t *row, uint32_t *n)
{
    const uint8_t *p = k->data, *end = p + k->len;
    if (k->len < 4 + 1 + 1 + 2 + 1)
        return false;
    end -= 4;
    *n = s_be32_get (end);
    char *fields[2] = { row->unit, row->person };
    for (int i = 0; i < 2; i++) {
        size_t l = strnlen ((const char *) p, (size_t) (end - p));
        if (l == (size_t) (end - p) || l > ML_ID_MAX || l == 0)
            return false;
        memcpy (fields[i], p, l + 1);
        p += l + 1;
    }
    if (end - p < 3)
        return false;
    row->year = p[0] << 8 | p[1];
    p += 2;
    size_t l = strnlen ((const char *) p, (size_t) (end - p));
    if (l + 1 != (size_t) (end - p) || l > ML_ID_MAX)
        return false;
    memcpy (row->rule, p, l + 1);
    return true;
}

static void
s_record_decode (const ml_db_val_t *v, uint32_t n, ml_watch_record_t *rec)
{
    memset (rec, 0, sizeof *rec);
    rec->n = n;
    if (v->len < WATCH_RECORD_HEAD)
        return;
    const uint8_t *p = v->data;
    rec->kind = (ml_watch_kind_t) p[0];
    rec->day = (ml_day_t) s_be32_get (p + 1);
    rec->at = (int64_t) ml_db_be64_get (p + 5);
    const char *s = (const char *) p + WATCH_RECORD_HEAD, *end = (const char *) p + v->len;
    char *out[] = { rec->who, rec->by, rec->note };
    size_t sizes[] = { sizeof rec->who, sizeof rec->by, sizeof rec->note };
    for (int i = 0; i < 3; i++) {
        size_t l = s < end ? strnlen (s, (size_t) (end - s)) : 0;
        snprintf (out[i], sizes[i], "%.*s", (int) l, s < end ? s : "");
        s += l + 1;
    }
}

//  Folds REC into the state S.
static void
s_fold (ml_watch_state_t *s, const ml_watch_record_t *rec)
{
    if (!s->records++)
        s->opened = (ml_day_t) (rec->at / 86400);
    switch (rec->kind) {
        case ML_WATCH_TALK: s->talks++; break;
        case ML_WATCH_NOTICE: s->deadline = rec->day; break;
        case ML_WATCH_PROGRESS: s->progress++; break;
        case ML_WATCH_CLOSE: s->closed = rec->day; break;
    }
}

static void
s_state_init (ml_watch_state_t *s, const ml_watch_row_t *row)
{
    memset (s, 0, sizeof *s);
    if (row)
        s->row = *row;
    s->deadline = s->closed = s->opened = ML_NODAY;
}

// ---------------------------------------------------------------------------
// Reading.

static bool
s_present (ml_store_txn_t *t)
{
    return !t->store->wabsent;
}

int
ml_watch_records_each (ml_store_txn_t *txn, const ml_watch_row_t *row, ml_watch_record_fn *fn,
                       void *arg)
{
    uint8_t key[S_ROW_KEY_MAX + 4];
    size_t klen = s_row_key (key, row);
    if (!klen)
        return ML_EINVAL;
    if (!s_present (txn))
        return 0;
    ml_db_cursor_t c;
    ml_db_val_t k, v;
    int rc = 0;
    if (!ml_db_cursor_open (&txn->db, txn->store->wdbi, &c))
        return txn->db.ret;
    for (bool ok = ml_db_seek (&c, key, klen, &k, &v); ok && !rc; ok = ml_db_next (&c, &k, &v)) {
        if (k.len != klen + 4 || memcmp (k.data, key, klen) != 0)
            break;
        ml_watch_record_t rec;
        s_record_decode (&v, s_be32_get ((const uint8_t *) k.data + klen), &rec);
        rc = fn (arg, &rec);
    }
    ml_db_cursor_close (&c);
    return rc ? rc : txn->db.ret;
}

static int
s_fold_one (void *arg, const ml_watch_record_t *rec)
{
    s_fold (arg, rec);
    return 0;
}

int
ml_watch_state (ml_store_txn_t *txn, const ml_watch_row_t *row, ml_watch_state_t *out)
{
    s_state_init (out, row);
    int rc = ml_watch_records_each (txn, row, s_fold_one, out);
    return rc ? rc : out->records ? 0 : ML_ENOTFOUND;
}

int
ml_watch_rows_each (ml_store_txn_t *txn, ml_watch_row_fn *fn, void *arg)
{
    if (!s_present (txn))
        return 0;
    ml_db_cursor_t c;
    ml_db_val_t k, v;
    int rc = 0;
    ml_watch_state_t s;
    bool have = false;
    s_state_init (&s, NULL);
    if (!ml_db_cursor_open (&txn->db, txn->store->wdbi, &c))
        return txn->db.ret;
    for (bool ok = ml_db_first (&c, &k, &v); ok && !rc; ok = ml_db_next (&c, &k, &v)) {
        ml_watch_row_t row = { .year = 0 };
        uint32_t n;
        if (!s_row_parse (&k, &row, &n))
            continue;
        if (have && (strcmp (row.unit, s.row.unit) || strcmp (row.person, s.row.person)
                     || row.year != s.row.year || strcmp (row.rule, s.row.rule))) {
            rc = fn (arg, &s);
            have = false;
        }
        if (!have) {
            s_state_init (&s, &row);
            have = true;
        }
        ml_watch_record_t rec;
        s_record_decode (&v, n, &rec);
        s_fold (&s, &rec);
    }
    ml_db_cursor_close (&c);
    if (have && !rc && !txn->db.ret)
        rc = fn (arg, &s);
    return rc ? rc : txn->db.ret;
}

// ---------------------------------------------------------------------------
// Writing.

int
ml_watch_add (ml_store_txn_t *txn, const ml_watch_row_t *row, ml_watch_record_t *rec,
              ml_watch_state_t *out, char *err, size_t errlen)
{
    uint8_t key[S_ROW_KEY_MAX + 4];
    size_t klen = s_row_key (key, row);
    char d1[16], d2[16];
    if (!klen || (unsigned) rec->kind - 1 > ML_WATCH_CLOSE - 1) {
        snprintf (err, errlen, "not a watch-list row or record");
        return ML_EINVAL;
    }
    if (!txn->write || !s_present (txn)) {
        snprintf (err, errlen, "the store is read-only");
        return ML_EINVAL;
    }
    int rc = ml_watch_state (txn, row, out);
    if (rc && rc != ML_ENOTFOUND)
        return rc;
    const char *rule_sep = row->rule[0] ? " " : "";
    if (out->closed != ML_NODAY) {
        snprintf (err, errlen, "%s %s %d%s%s was closed on %s: nothing more is recorded on it",
                  row->unit, row->person, row->year, rule_sep, row->rule,
                  ml_date_format (out->closed, d1));
        return ML_ECONFLICT;
    }
    if (rec->kind == ML_WATCH_NOTICE && out->deadline != ML_NODAY) {
        snprintf (err, errlen, "%s %s %d%s%s already has its rectification notice, deadline %s "
                  "(a row has one notice)", row->unit, row->person, row->year, rule_sep, row->rule,
                  ml_date_format (out->deadline, d2));
        return ML_ECONFLICT;
    }
    rec->n = out->records + 1;
    s_be32_put (key + klen, rec->n);
    uint8_t val[WATCH_RECORD_HEAD + ML_WATCH_WHO_MAX + ML_WATCH_BY_MAX + ML_WATCH_NOTE_MAX];
    val[0] = (uint8_t) rec->kind;
    s_be32_put (val + 1, (uint32_t) rec->day);
    ml_db_be64_put (val + 5, (uint64_t) rec->at);
    size_t n = WATCH_RECORD_HEAD;
    const char *strs[] = { rec->who, rec->by, rec->note };
    size_t caps[] = { ML_WATCH_WHO_MAX, ML_WATCH_BY_MAX, ML_WATCH_NOTE_MAX };
    for (int i = 0; i < 3; i++) {
        size_t l = strnlen (strs[i], caps[i] - 1);
        memcpy (val + n, strs[i], l);
        val[n + l] = 0;
        n += l + 1;
    }
    rc = ml_db_put (&txn->db, txn->store->wdbi, key, klen + 4, val, n - 1, ML_DB_NOOVERWRITE);
    if (rc)
        return rc == ML_EEXIST ? ML_ECONFLICT : rc;
    s_fold (out, rec);
    return 0;
}
