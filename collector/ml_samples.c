/* ml_samples.c -- spot-check samples in the collector's store: population, draw, freeze,
   findings, verification and appraisal. The mathematics is lib/ml_sample.c; this is the
   bookkeeping around it. Layouts: ml_samples.h (own databases), ml_store.h (refs, events,
   persons, which this module reads but never writes). */
#include "ml_samples.h"
#include "ml_err.h"
#include "ml_event.h"

#include <errno.h>
#include <lmdb.h>
#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  The flags byte of a refs value, as ml_store.c writes it.
#define REF_CONTROL   0x01      //  the own ref of a correction or a void
#define REF_CORRECTED 0x02      //  the events key points at the correction holding the current version
#define REF_VOIDED    0x04      //  voided: not in any population
#define REF_HEAD      34        //  flags, kind, sha256; the events key follows

#define MAX_CASE 64             //  body cases are protobuf field numbers below this

// ---------------------------------------------------------------------------
// Small helpers.

static int s_fail (char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

//  Writes the one-line reason into ERR and returns CODE.
static int
s_fail (char *err, size_t errlen, int code, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (err, errlen, fmt, ap);
    va_end (ap);
    return code;
}

//  Fails with the LMDB error RC while doing WHAT.
static int
s_mdb_fail (char *err, size_t errlen, int rc, const char *what)
{
    return s_fail (err, errlen, ml_err_from_mdb (rc), "store: %s: %s", what, mdb_strerror (rc));
}

static int
s_strcmp_p (const void *a, const void *b)
{
    return strcmp (*(const char *const *) a, *(const char *const *) b);
}

//  "2026-11-26T08:00:00Z" for now.
static void
s_now_iso (char buf[32])
{
    time_t t = time (NULL);
    struct tm tm;
    strftime (buf, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r (&t, &tm));
}

// ---------------------------------------------------------------------------
// Kinds: the oneof members of Event whose message has a required date are the activity kinds
// a sample of events may hold (not person, org, correction, void).

static const ProtobufCFieldDescriptor *
s_kind_field (const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name (&massline__event__descriptor, name);
    if (!f || !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || f->type != PROTOBUF_C_TYPE_MESSAGE
    ||  f->id >= MAX_CASE)
        return NULL;
    return f;
}

//  The field number of the required "date" of the message of body case KIND, or 0.
static uint32_t
s_date_field (uint32_t kind)
{
    static uint32_t cache[MAX_CASE];
    static bool ready;
    if (!ready) {
        for (unsigned i = 0; i < massline__event__descriptor.n_fields; i++) {
            const ProtobufCFieldDescriptor *f = &massline__event__descriptor.fields[i];
            if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || f->type != PROTOBUF_C_TYPE_MESSAGE
            ||  f->id >= MAX_CASE)
                continue;
            const ProtobufCFieldDescriptor *d =
                protobuf_c_message_descriptor_get_field_by_name (f->descriptor, "date");
            if (d && d->label == PROTOBUF_C_LABEL_REQUIRED && d->type == PROTOBUF_C_TYPE_STRING)
                cache[f->id] = d->id;
        }
        ready = true;
    }
    return kind < MAX_CASE ? cache[kind] : 0;
}

static const char *
s_kind_name (uint32_t kind)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field (&massline__event__descriptor, kind);
    return f ? f->name : "?";
}

//  Every activity kind, as a bit set.
static uint64_t
s_all_kinds (void)
{
    uint64_t all = 0;
    for (uint32_t k = 0; k < MAX_CASE; k++)
        if (s_date_field (k))
            all |= (uint64_t) 1 << k;
    return all;
}

//  What to examine on site, per kind (one line each).
static const struct { const char *kind; const char *text; } s_verify_texts[] = {
    { "research_plan",        "年度调研计划（制定日期）" },
    { "research_trip",        "调研日程与调研报告" },
    { "research_report",      "调研报告原件" },
    { "work_item",            "工作事项台账与办理记录" },
    { "results_exchange",     "调研成果交流会记录" },
    { "contact_point",        "联系点确定文件" },
    { "paired_family",        "结对帮扶户登记表" },
    { "contact_visit",        "联系点走访记录" },
    { "practical_deed",       "办实事记录与受益方确认" },
    { "secondment",           "挂职派遣文件与导师安排" },
    { "secondment_review",    "挂职考核材料" },
    { "reception_day",        "接待登记簿/签到表及提前公布的通知" },
    { "petition_case",        "接访事项纪要与答复意见书" },
    { "petition_closed",      "办结报告与签收的答复意见书" },
    { "talk",                 "谈心谈话记录本" },
    { "opinion",              "意见征集记录" },
    { "opinion_assigned",     "意见交办单" },
    { "opinion_closed",       "办结反馈与公开记录" },
    { "mailbox",              "意见箱/信箱开启记录" },
    { "commitment",           "承诺书及公开记录" },
    { "commitment_fulfilled", "承诺兑现材料" },
    { "commitment_evaluated", "承诺评议记录" },
    { "rep_activity",         "党代表活动记录" },
    { "persons",              "个人履职台账：调研、接待、谈心谈话、联系点记录" },
    { "units",                "单位年度台账、制度文件与上报材料" },
};

const char *
ml_samples_verify_text (const char *kind)
{
    for (size_t i = 0; i < sizeof s_verify_texts / sizeof s_verify_texts[0]; i++)
        if (strcmp (s_verify_texts[i].kind, kind) == 0)
            return s_verify_texts[i].text;
    return "原始台账记录";
}

// ---------------------------------------------------------------------------
// Parameters.

static const char *s_pop_names[] = { "events", "persons", "units" };

void
ml_samples_params_init (ml_samples_params_t *p)
{
    memset (p, 0, sizeof *p);
    p->population = ML_SAMPLES_EVENTS;
    p->by_unit = -1;
    p->allocation = ML_SAMPLE_PROPORTIONAL;
}

//  Parses a decimal size_t in [MIN, 10^9]; false when VALUE is not one.
static bool
s_parse_count (const char *value, size_t min, size_t *out)
{
    if (!*value || strspn (value, "0123456789") != strlen (value) || strlen (value) > 10)
        return false;
    unsigned long long v = strtoull (value, NULL, 10);
    if (v < min || v > 1000000000ULL)
        return false;
    *out = (size_t) v;
    return true;
}

static int
s_set_kinds (ml_samples_params_t *p, const char *value, char *err, size_t errlen)
{
    p->kinds = 0;
    const char *s = value;
    while (*s) {
        size_t len = strcspn (s, ",");
        char name[64];
        snprintf (name, sizeof name, "%.*s", (int) (len < sizeof name ? len : sizeof name - 1), s);
        const ProtobufCFieldDescriptor *f = len ? s_kind_field (name) : NULL;
        if (!f)
            return s_fail (err, errlen, ML_EINVAL, "kinds: unknown kind '%.*s'", (int) len, s);
        if (!s_date_field (f->id))
            return s_fail (err, errlen, ML_EINVAL, "kinds: '%s' is not an activity kind (%s)", name,
                           strcmp (name, "person") == 0 ? "use --population persons"
                                                        : "corrections and voids are not items");
        p->kinds |= (uint64_t) 1 << f->id;
        s += len;
        if (*s == ',')
            s++;
    }
    if (!p->kinds)
        return s_fail (err, errlen, ML_EINVAL, "kinds: empty list");
    return 0;
}

int
ml_samples_params_set (ml_samples_params_t *p, const char *key, const char *value,
                       char *err, size_t errlen)
{
    size_t n;
    if (strcmp (key, "year") == 0) {
        if (!s_parse_count (value, 1900, &n) || n > 2999)
            return s_fail (err, errlen, ML_EINVAL, "year: not a year (%s)", value);
        p->year = (int) n;
    }
    else
    if (strcmp (key, "seed") == 0) {
        size_t len = strlen (value);
        if (strspn (value, "0123456789") != len)
            return s_fail (err, errlen, ML_EINVAL, "seed: decimal digits only (from ten-sided dice), "
                           "got '%.40s'", value);
        if (len < ML_SAMPLES_SEED_MIN || len > ML_SAMPLES_SEED_MAX)
            return s_fail (err, errlen, ML_EINVAL, "seed: needs %d to %d decimal digits rolled on "
                           "ten-sided dice; got %zu", ML_SAMPLES_SEED_MIN, ML_SAMPLES_SEED_MAX, len);
        memcpy (p->seed, value, len + 1);
    }
    else
    if (strcmp (key, "size") == 0) {
        if (!s_parse_count (value, 1, &p->size))
            return s_fail (err, errlen, ML_EINVAL, "size: not a positive whole number (%s)", value);
    }
    else
    if (strcmp (key, "minimum") == 0) {
        if (!s_parse_count (value, 0, &p->minimum))
            return s_fail (err, errlen, ML_EINVAL, "minimum: not a whole number (%s)", value);
    }
    else
    if (strcmp (key, "population") == 0) {
        int i = strcmp (value, "events") == 0 ? 0 : strcmp (value, "persons") == 0 ? 1
              : strcmp (value, "units") == 0 ? 2 : -1;
        if (i < 0)
            return s_fail (err, errlen, ML_EINVAL, "population: events, persons or units, not '%s'", value);
        p->population = (ml_samples_pop_kind_t) i;
    }
    else
    if (strcmp (key, "kinds") == 0)
        return s_set_kinds (p, value, err, errlen);
    else
    if (strcmp (key, "strata") == 0) {
        if (strcmp (value, "unit") != 0 && strcmp (value, "none") != 0)
            return s_fail (err, errlen, ML_EINVAL, "strata: unit or none, not '%s'", value);
        p->by_unit = strcmp (value, "unit") == 0;
    }
    else
    if (strcmp (key, "allocation") == 0) {
        if (strcmp (value, "proportional") == 0)
            p->allocation = ML_SAMPLE_PROPORTIONAL;
        else
        if (strcmp (value, "equal") == 0)
            p->allocation = ML_SAMPLE_EQUAL;
        else
            return s_fail (err, errlen, ML_EINVAL, "allocation: proportional or equal, not '%s'", value);
    }
    else
        return s_fail (err, errlen, ML_EINVAL, "unknown parameter '%s'", key);
    return 0;
}

int
ml_samples_params_check (ml_samples_params_t *p, char *err, size_t errlen)
{
    if (!p->year)
        return s_fail (err, errlen, ML_EINVAL, "year: missing (--year YYYY)");
    if (!p->seed[0])
        return s_fail (err, errlen, ML_EINVAL, "seed: missing (--seed DIGITS, at least %d rolled on "
                       "ten-sided dice)", ML_SAMPLES_SEED_MIN);
    if (!p->size)
        return s_fail (err, errlen, ML_EINVAL, "size: missing (--size N)");
    if (p->kinds && p->population != ML_SAMPLES_EVENTS)
        return s_fail (err, errlen, ML_EINVAL, "kinds: only for --population events");
    if (p->population == ML_SAMPLES_EVENTS && !p->kinds)
        p->kinds = s_all_kinds ();
    if (p->by_unit < 0)
        p->by_unit = p->population != ML_SAMPLES_UNITS;
    return 0;
}

// ---------------------------------------------------------------------------
// The databases, in one transaction of the store's environment.

typedef struct {
    MDB_txn *txn;
    MDB_dbi refs, events, persons;      //  the store's (read only here)
    MDB_dbi samples, findings;          //  ours
    bool ours;                          //  samples and findings exist
} s_db_t;

//  Begins a transaction and opens the databases; WRITE creates ours.
static int
s_db_begin (ml_store_t *store, bool write, s_db_t *db, char *err, size_t errlen)
{
    memset (db, 0, sizeof *db);
    MDB_env *env = ml_store_env (store);
    int rc = mdb_txn_begin (env, NULL, write ? 0 : MDB_RDONLY, &db->txn);
    if (rc)
        return s_mdb_fail (err, errlen, rc, "cannot begin a transaction");
    const char *names[] = { "refs", "events", "persons" };
    MDB_dbi *dbis[] = { &db->refs, &db->events, &db->persons };
    for (int i = 0; i < 3 && !rc; i++)
        rc = mdb_dbi_open (db->txn, names[i], 0, dbis[i]);
    if (rc) {
        mdb_txn_abort (db->txn);
        db->txn = NULL;
        return s_mdb_fail (err, errlen, rc, "the event databases");
    }
    rc = mdb_dbi_open (db->txn, "samples", write ? MDB_CREATE : 0, &db->samples);
    if (!rc)
        rc = mdb_dbi_open (db->txn, "findings", write ? MDB_CREATE : 0, &db->findings);
    db->ours = rc == 0;
    if (rc && (write || rc != MDB_NOTFOUND)) {
        mdb_txn_abort (db->txn);
        db->txn = NULL;
        return s_mdb_fail (err, errlen, rc, "the samples databases");
    }
    return 0;
}

//  Ends the transaction: commits when COMMIT (also keeps handles opened by a read), else aborts.
static int
s_db_end (s_db_t *db, bool commit, char *err, size_t errlen)
{
    if (!db->txn)
        return 0;
    int rc = 0;
    if (commit)
        rc = mdb_txn_commit (db->txn);
    else
        mdb_txn_abort (db->txn);
    db->txn = NULL;
    return rc ? s_mdb_fail (err, errlen, rc, "commit") : 0;
}

// ---------------------------------------------------------------------------
// Reading events without unpacking them: the population scan touches every current event of the
// store, so it reads the two strings it needs (kind is in refs; the date) straight from the
// protobuf wire format. The sampled items are unpacked in full for the checklist.

static bool
s_varint (const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    for (int shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t b = *(*p)++;
        x |= (uint64_t) (b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return true;
        }
    }
    return false;
}

//  Finds length-delimited field FIELD in the message of LEN bytes at BUF (the last one, as a
//  decoder would). False when absent or when the bytes are not a message.
static bool
s_pb_field (const uint8_t *buf, size_t len, uint32_t field, const uint8_t **val, size_t *vlen)
{
    const uint8_t *p = buf, *end = buf + len;
    bool found = false;
    while (p < end) {
        uint64_t tag, n;
        if (!s_varint (&p, end, &tag))
            return false;
        switch (tag & 7) {
            case 0:
                if (!s_varint (&p, end, &n))
                    return false;
                break;
            case 1:
                if (end - p < 8)
                    return false;
                p += 8;
                break;
            case 5:
                if (end - p < 4)
                    return false;
                p += 4;
                break;
            case 2:
                if (!s_varint (&p, end, &n) || n > (uint64_t) (end - p))
                    return false;
                if ((tag >> 3) == field) {
                    *val = p;
                    *vlen = (size_t) n;
                    found = true;
                }
                p += n;
                break;
            default:
                return false;
        }
    }
    return found;
}

//  The date (YYYY-MM-DD, not NUL-terminated) of the current version of an event of body case
//  KIND stored as BYTES; CORRECTED when BYTES is the correction that holds it.
static bool
s_event_date (const uint8_t *bytes, size_t len, uint32_t kind, bool corrected, const uint8_t **date,
              size_t *dlen)
{
    const uint8_t *v = bytes, *body;
    size_t vlen = len, blen;
    if (corrected) {
        static uint32_t inner_field;
        if (!inner_field)
            inner_field = protobuf_c_message_descriptor_get_field_by_name (
                              &massline__correction__descriptor, "event")->id;
        const uint8_t *c;
        size_t clen;
        if (!s_pb_field (bytes, len, MASSLINE__EVENT__BODY_CORRECTION, &c, &clen)
        ||  !s_pb_field (c, clen, inner_field, &v, &vlen))
            return false;
    }
    return s_pb_field (v, vlen, kind, &body, &blen)
        && s_pb_field (body, blen, s_date_field (kind), date, dlen);
}

//  The current version of the event at refs value REF (unpacked; a correction's inner event in
//  *BODY). NULL when missing or undecodable.
static Massline__Event *
s_load_current (s_db_t *db, const MDB_val *ref, const Massline__Event **body)
{
    if (ref->mv_size <= REF_HEAD)
        return NULL;
    MDB_val k = { ref->mv_size - REF_HEAD, (uint8_t *) ref->mv_data + REF_HEAD }, v;
    if (mdb_get (db->txn, db->events, &k, &v))
        return NULL;
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (v.mv_data, v.mv_size, &verr);
    if (ev)
        *body = ev->body_case == MASSLINE__EVENT__BODY_CORRECTION ? ev->correction->event : ev;
    return ev;
}

//  Looks up "a\0b" in DBI.
static int
s_get2 (s_db_t *db, MDB_dbi dbi, const char *a, const char *b, size_t blen, MDB_val *v)
{
    char key[2 * (ML_ID_MAX + 1) + 8];
    size_t alen = strlen (a);
    if (alen > ML_ID_MAX || blen > ML_ID_MAX)
        return MDB_NOTFOUND;
    memcpy (key, a, alen + 1);
    memcpy (key + alen + 1, b, blen);
    MDB_val k = { alen + 1 + blen, key };
    return mdb_get (db->txn, dbi, &k, v);
}

//  The roster entry of PERSON in UNIT, unpacked, or NULL.
static Massline__Event *
s_load_person (s_db_t *db, const char *unit, const char *person)
{
    MDB_val v;
    if (s_get2 (db, db->persons, unit, person, strlen (person), &v))
        return NULL;
    size_t rlen = strnlen (v.mv_data, v.mv_size);
    if (rlen >= v.mv_size)
        return NULL;
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack ((uint8_t *) v.mv_data + rlen + 1, v.mv_size - rlen - 1, &verr);
    if (ev && ev->body_case != MASSLINE__EVENT__BODY_PERSON)
        ml_event_free (&ev);
    return ev;
}

//  True when PERSON holds a role on some day of YEAR.
static bool
s_person_in_year (const Massline__Person *person, int year)
{
    char first[16], last[16];
    snprintf (first, sizeof first, "%04d-01-01", year);
    snprintf (last, sizeof last, "%04d-12-31", year);
    for (size_t i = 0; i < person->n_roles; i++) {
        const Massline__Role *r = person->roles[i];
        if (strcmp (r->from, last) <= 0 && (!r->to || strcmp (r->to, first) >= 0))
            return true;
    }
    return false;
}

// ---------------------------------------------------------------------------
// The population.

typedef struct {
    char *buf;                          //  ids and stratum ids, NUL-terminated, back to back
    size_t len, cap;
    size_t *items;                      //  offset of each item id
    size_t nitems, icap;
    size_t *strata;                     //  per stratum: offset of its id, index of its first item
    size_t nstrata, scap;
    size_t last_len;                    //  length of the last stratum's id
} s_build_t;

static bool
s_grow (void **ptr, size_t *cap, size_t need, size_t each)
{
    if (need <= *cap)
        return true;
    size_t cap2 = *cap ? *cap : 1024;
    while (cap2 < need)
        cap2 *= 2;
    void *grown = realloc (*ptr, cap2 * each);
    if (!grown)
        return false;
    *ptr = grown;
    *cap = cap2;
    return true;
}

//  Appends A, then B (may be NULL) after a '/', as one string; returns its offset or SIZE_MAX.
static size_t
s_put_text (s_build_t *b, const char *a, size_t alen, const char *bb, size_t blen)
{
    size_t need = b->len + alen + (bb ? 1 + blen : 0) + 1;
    if (!s_grow ((void **) &b->buf, &b->cap, need, 1))
        return SIZE_MAX;
    size_t off = b->len;
    memcpy (b->buf + b->len, a, alen);
    b->len += alen;
    if (bb) {
        b->buf[b->len++] = '/';
        memcpy (b->buf + b->len, bb, blen);
        b->len += blen;
    }
    b->buf[b->len++] = 0;
    return off;
}

//  Starts a stratum named ID unless the last one has that name.
static bool
s_stratum (s_build_t *b, const char *id, size_t idlen)
{
    if (b->nstrata && b->last_len == idlen
    &&  memcmp (b->buf + b->strata[2 * (b->nstrata - 1)], id, idlen) == 0)
        return true;
    if (!s_grow ((void **) &b->strata, &b->scap, 2 * (b->nstrata + 1), sizeof (size_t)))
        return false;
    size_t off = s_put_text (b, id, idlen, NULL, 0);
    if (off == SIZE_MAX)
        return false;
    b->strata[2 * b->nstrata] = off;
    b->strata[2 * b->nstrata + 1] = b->nitems;
    b->nstrata++;
    b->last_len = idlen;
    return true;
}

//  Adds the item "A/B" (B NULL: "A") to the current stratum.
static bool
s_item (s_build_t *b, const char *a, size_t alen, const char *bb, size_t blen)
{
    if (!s_grow ((void **) &b->items, &b->icap, b->nitems + 1, sizeof (size_t)))
        return false;
    size_t off = s_put_text (b, a, alen, bb, blen);
    if (off == SIZE_MAX)
        return false;
    b->items[b->nitems++] = off;
    return true;
}

//  Adds the item of a key "unit\0id" (refs, persons) under its stratum.
static bool
s_item_key (s_build_t *b, const MDB_val *key, bool by_unit)
{
    const char *k = key->mv_data;
    size_t ulen = strnlen (k, key->mv_size);
    if (ulen >= key->mv_size)
        return true;                    //  not a unit\0id key: not an item
    return s_stratum (b, by_unit ? k : ML_SAMPLES_ALL, by_unit ? ulen : strlen (ML_SAMPLES_ALL))
        && s_item (b, k, ulen, k + ulen + 1, key->mv_size - ulen - 1);
}

//  Current events of P's kinds dated in P's year.
static int
s_scan_events (s_db_t *db, const ml_samples_params_t *p, s_build_t *b, char *err, size_t errlen)
{
    char year[8];
    snprintf (year, sizeof year, "%04d-", p->year);
    //  Room for every ref at once: growing a million-entry array costs more than it saves.
    MDB_stat st;
    int rc = mdb_stat (db->txn, db->refs, &st);
    if (rc)
        return s_mdb_fail (err, errlen, rc, "refs");
    if (!s_grow ((void **) &b->items, &b->icap, st.ms_entries + 1, sizeof (size_t))
    ||  !s_grow ((void **) &b->buf, &b->cap, 24 * (st.ms_entries + 1), 1))
        return s_fail (err, errlen, ML_ENOMEM, "population: out of memory");
    //  Events are looked up through a cursor: LMDB stays on the current leaf page when the next
    //  key is near, and refs and seqs mostly grow together.
    MDB_cursor *cur, *ecur;
    rc = mdb_cursor_open (db->txn, db->refs, &cur);
    if (rc)
        return s_mdb_fail (err, errlen, rc, "refs");
    rc = mdb_cursor_open (db->txn, db->events, &ecur);
    if (rc) {
        mdb_cursor_close (cur);
        return s_mdb_fail (err, errlen, rc, "events");
    }
    MDB_val k, v, ev;
    bool ok = true, started = false;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0 && ok;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (v.mv_size <= REF_HEAD)
            continue;
        const uint8_t *head = v.mv_data;
        uint32_t kind = head[1];
        if ((head[0] & (REF_CONTROL | REF_VOIDED)) || kind >= MAX_CASE || !(p->kinds >> kind & 1))
            continue;
        //  Often the event wanted is the one after the last (refs assigned in order): try that
        //  first, then search.
        MDB_val ek = { v.mv_size - REF_HEAD, (uint8_t *) v.mv_data + REF_HEAD }, nk;
        int grc = started ? mdb_cursor_get (ecur, &nk, &ev, MDB_NEXT) : MDB_NOTFOUND;
        if (grc || nk.mv_size != ek.mv_size || memcmp (nk.mv_data, ek.mv_data, ek.mv_size) != 0)
            grc = mdb_cursor_get (ecur, &ek, &ev, MDB_SET);
        started = grc == 0;
        if (grc == MDB_NOTFOUND)
            continue;
        if (grc) {
            rc = grc;
            break;
        }
        const uint8_t *date;
        size_t dlen;
        if (!s_event_date (ev.mv_data, ev.mv_size, kind, head[0] & REF_CORRECTED, &date, &dlen)
        ||  dlen != 10 || memcmp (date, year, 5) != 0)
            continue;
        ok = s_item_key (b, &k, p->by_unit);
    }
    mdb_cursor_close (ecur);
    mdb_cursor_close (cur);
    if (!ok)
        return s_fail (err, errlen, ML_ENOMEM, "population: out of memory");
    return rc == MDB_NOTFOUND ? 0 : s_mdb_fail (err, errlen, rc, "refs");
}

//  Roster persons with a role in P's year.
static int
s_scan_persons (s_db_t *db, const ml_samples_params_t *p, s_build_t *b, char *err, size_t errlen)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open (db->txn, db->persons, &cur);
    if (rc)
        return s_mdb_fail (err, errlen, rc, "persons");
    MDB_val k, v;
    bool ok = true;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0 && ok;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        size_t rlen = strnlen (v.mv_data, v.mv_size);
        if (rlen >= v.mv_size)
            continue;
        ml_verr_t verr;
        Massline__Event *ev = ml_event_unpack ((uint8_t *) v.mv_data + rlen + 1, v.mv_size - rlen - 1, &verr);
        if (ev && ev->body_case == MASSLINE__EVENT__BODY_PERSON && s_person_in_year (ev->person, p->year))
            ok = s_item_key (b, &k, p->by_unit);
        ml_event_free (&ev);
    }
    mdb_cursor_close (cur);
    if (!ok)
        return s_fail (err, errlen, ML_ENOMEM, "population: out of memory");
    return rc == MDB_NOTFOUND ? 0 : s_mdb_fail (err, errlen, rc, "persons");
}

//  The registry's units, in id order.
static int
s_scan_units (const ml_registry_t *registry, const ml_samples_params_t *p, s_build_t *b,
              char *err, size_t errlen)
{
    size_t n = ml_registry_unit_count (registry);
    const char **ids = malloc ((n ? n : 1) * sizeof *ids);
    if (!ids)
        return s_fail (err, errlen, ML_ENOMEM, "population: out of memory");
    for (size_t i = 0; i < n; i++)
        ids[i] = ml_registry_unit_at (registry, i)->id;
    qsort (ids, n, sizeof *ids, s_strcmp_p);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        const char *stratum = p->by_unit ? ids[i] : ML_SAMPLES_ALL;
        ok = s_stratum (b, stratum, strlen (stratum)) && s_item (b, ids[i], strlen (ids[i]), NULL, 0);
    }
    free (ids);
    return ok ? 0 : s_fail (err, errlen, ML_ENOMEM, "population: out of memory");
}

void
ml_samples_pop_destroy (ml_samples_pop_t **pop_p)
{
    if (!pop_p || !*pop_p)
        return;
    ml_samples_pop_t *pop = *pop_p;
    free (pop->strata);
    free (pop->ptrs);
    free (pop->arena);
    free (pop);
    *pop_p = NULL;
}

//  Turns the offsets of B into a population (takes B's text), ids sorted within each stratum.
static ml_samples_pop_t *
s_pop_from (s_build_t *b)
{
    ml_samples_pop_t *pop = calloc (1, sizeof *pop);
    if (!pop)
        return NULL;
    pop->strata = calloc (b->nstrata ? b->nstrata : 1, sizeof *pop->strata);
    pop->ptrs = malloc ((b->nitems ? b->nitems : 1) * sizeof *pop->ptrs);
    if (!pop->strata || !pop->ptrs) {
        ml_samples_pop_destroy (&pop);
        return NULL;
    }
    pop->arena = b->buf;
    b->buf = NULL;
    pop->nstrata = b->nstrata;
    pop->total = b->nitems;
    for (size_t i = 0; i < b->nitems; i++)
        pop->ptrs[i] = pop->arena + b->items[i];
    for (size_t h = 0; h < b->nstrata; h++) {
        size_t first = b->strata[2 * h + 1];
        size_t end = h + 1 < b->nstrata ? b->strata[2 * h + 3] : b->nitems;
        ml_samples_stratum_t *s = &pop->strata[h];
        s->id = pop->arena + b->strata[2 * h];
        s->ids = pop->ptrs + first;
        s->n = end - first;
        //  Keys come sorted within a unit; one stratum over several units may need a sort.
        for (size_t i = 1; i < s->n; i++)
            if (strcmp (s->ids[i - 1], s->ids[i]) > 0) {
                qsort (s->ids, s->n, sizeof *s->ids, s_strcmp_p);
                break;
            }
    }
    return pop;
}

//  The population of P in the open transaction DB.
static int
s_population (s_db_t *db, const ml_registry_t *registry, const ml_samples_params_t *p,
              ml_samples_pop_t **pop, char *err, size_t errlen)
{
    s_build_t b = { 0 };
    int rc = p->population == ML_SAMPLES_EVENTS ? s_scan_events (db, p, &b, err, errlen)
           : p->population == ML_SAMPLES_PERSONS ? s_scan_persons (db, p, &b, err, errlen)
           : s_scan_units (registry, p, &b, err, errlen);
    if (!rc) {
        *pop = s_pop_from (&b);
        if (!*pop)
            rc = s_fail (err, errlen, ML_ENOMEM, "population: out of memory");
    }
    free (b.buf);
    free (b.items);
    free (b.strata);
    return rc;
}

int
ml_samples_population (ml_store_t *store, const ml_registry_t *registry,
                       const ml_samples_params_t *p, ml_samples_pop_t **pop,
                       char *err, size_t errlen)
{
    *pop = NULL;
    s_db_t db;
    int rc = s_db_begin (store, false, &db, err, errlen);
    if (rc)
        return rc;
    rc = s_population (&db, registry, p, pop, err, errlen);
    s_db_end (&db, rc == 0, err, errlen);
    return rc;
}

// ---------------------------------------------------------------------------
// Selection: per stratum the share, the items in ticket order and the population digest.

//  Feeds lines ("id\n") to one or two SHA-256 states through a buffer: a million short ids
//  cost a million library calls otherwise.
typedef struct {
    crypto_hash_sha256_state *a, *b;    //  B may be NULL
    size_t len;
    unsigned char buf[16384];
} s_lines_t;

static void
s_lines_flush (s_lines_t *l)
{
    crypto_hash_sha256_update (l->a, l->buf, l->len);
    if (l->b)
        crypto_hash_sha256_update (l->b, l->buf, l->len);
    l->len = 0;
}

static void
s_lines_add (s_lines_t *l, const char *id)
{
    size_t n = strlen (id);
    if (l->len + n + 1 > sizeof l->buf)
        s_lines_flush (l);
    if (n + 1 > sizeof l->buf) {
        crypto_hash_sha256_update (l->a, (const unsigned char *) id, n);
        crypto_hash_sha256_update (l->a, (const unsigned char *) "\n", 1);
        if (l->b) {
            crypto_hash_sha256_update (l->b, (const unsigned char *) id, n);
            crypto_hash_sha256_update (l->b, (const unsigned char *) "\n", 1);
        }
        return;
    }
    memcpy (l->buf + l->len, id, n);
    l->len += n;
    l->buf[l->len++] = '\n';
}

//  The population digests of docs/sampling.md (section 4) of every stratum of POP into
//  HEXES (ML_SAMPLE_HEX_LEN each) and of the whole population into HEX. The strata's ids are
//  sorted (s_pop_from), so each stratum is hashed as it lies; the whole population too when
//  the strata follow each other in byte order (unit ids where none is a prefix of another),
//  else ml_sample_digest_population sorts a copy first. Same bytes hashed either way.
static int
s_digests (const ml_samples_pop_t *pop, char *hexes, char hex[ML_SAMPLE_HEX_LEN])
{
    bool in_order = true;
    for (size_t h = 1; h < pop->nstrata && in_order; h++) {
        const ml_samples_stratum_t *x = &pop->strata[h - 1], *y = &pop->strata[h];
        in_order = strcmp (x->ids[x->n - 1], y->ids[0]) < 0;
    }
    if (sodium_init () < 0)
        return ML_EIO;
    s_lines_t *l = malloc (sizeof *l);
    if (!l)
        return ML_ENOMEM;
    crypto_hash_sha256_state all, one;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init (&all);
    for (size_t h = 0; h < pop->nstrata; h++) {
        const ml_samples_stratum_t *s = &pop->strata[h];
        crypto_hash_sha256_init (&one);
        l->a = &one;
        l->b = in_order ? &all : NULL;
        l->len = 0;
        for (size_t i = 0; i < s->n; i++)
            s_lines_add (l, s->ids[i]);
        s_lines_flush (l);
        crypto_hash_sha256_final (&one, digest);
        sodium_bin2hex (hexes + h * ML_SAMPLE_HEX_LEN, ML_SAMPLE_HEX_LEN, digest, sizeof digest);
    }
    free (l);
    if (!in_order)
        return ml_sample_digest_population (pop->ptrs, pop->total, hex);
    crypto_hash_sha256_final (&all, digest);
    sodium_bin2hex (hex, ML_SAMPLE_HEX_LEN, digest, sizeof digest);
    return 0;
}

//  Draws P over POP. Returns the strata array [{stratum, population, size, digest, items}]
//  (with LIST also "population_ids") and the overall digest in HEX, or NULL with ERR/*RC.
static json_t *
s_select (const ml_samples_pop_t *pop, const ml_samples_params_t *p, bool list,
          char hex[ML_SAMPLE_HEX_LEN], int *rc, char *err, size_t errlen)
{
    size_t h_n = pop->nstrata;
    size_t *sizes = calloc (h_n ? 2 * h_n : 1, sizeof *sizes);
    size_t *chosen = NULL;
    char *hexes = malloc ((h_n ? h_n : 1) * ML_SAMPLE_HEX_LEN);
    json_t *strata = json_array ();
    *rc = ML_ENOMEM;
    if (!sizes || !hexes || !strata || s_digests (pop, hexes, hex))
        goto fail;
    size_t *pops = sizes + h_n, most = 0;
    for (size_t h = 0; h < h_n; h++)
        pops[h] = pop->strata[h].n;
    if (ml_sample_allocate (p->allocation, pops, h_n, p->size, p->minimum, sizes)) {
        *rc = s_fail (err, errlen, ML_EINVAL, "minimum: %zu per stratum over %zu strata does not "
                      "fit in a sample of %zu", p->minimum, h_n, p->size);
        goto fail;
    }
    for (size_t h = 0; h < h_n; h++)
        most = sizes[h] > most ? sizes[h] : most;
    chosen = malloc ((most ? most : 1) * sizeof *chosen);
    if (!chosen)
        goto fail;
    for (size_t h = 0; h < h_n; h++) {
        const ml_samples_stratum_t *s = &pop->strata[h];
        const char *shex = hexes + h * ML_SAMPLE_HEX_LEN;
        if (ml_sample_select (p->seed, s->ids, s->n, sizes[h], chosen))
            goto fail;
        json_t *items = json_array ();
        for (size_t i = 0; items && i < sizes[h]; i++)
            json_array_append_new (items, json_string (s->ids[chosen[i]]));
        json_t *one = json_pack ("{s:s, s:I, s:I, s:s, s:o*}", "stratum", s->id,
                                 "population", (json_int_t) s->n, "size", (json_int_t) sizes[h],
                                 "digest", shex, "items", items);
        if (!one || json_array_append_new (strata, one))
            goto fail;
        if (list) {
            json_t *ids = json_array ();
            for (size_t i = 0; ids && i < s->n; i++)
                json_array_append_new (ids, json_string (s->ids[i]));
            if (!ids || json_object_set_new (one, "population_ids", ids))
                goto fail;
        }
    }
    free (sizes);
    free (chosen);
    free (hexes);
    *rc = 0;
    return strata;
fail:
    if (*rc == ML_ENOMEM)
        s_fail (err, errlen, ML_ENOMEM, "draw: out of memory");
    free (sizes);
    free (chosen);
    free (hexes);
    json_decref (strata);
    return NULL;
}

// ---------------------------------------------------------------------------
// The checklist: what the inspector takes on site, one entry per item.

//  Splits ITEM "unit/rest" into UNIT (ML_ID_MAX + 1 bytes) and returns REST, or NULL.
static const char *
s_split_item (const char *item, char *unit)
{
    const char *slash = strchr (item, '/');
    if (!slash || slash - item > ML_ID_MAX)
        return NULL;
    memcpy (unit, item, (size_t) (slash - item));
    unit[slash - item] = 0;
    return slash + 1;
}

static void
s_set_str (json_t *obj, const char *key, const char *value)
{
    if (value && *value)
        json_object_set_new (obj, key, json_string (value));
}

//  Adds the name of PERSON of UNIT to ENTRY.
static void
s_add_name (s_db_t *db, json_t *entry, const char *unit, const char *person)
{
    Massline__Event *pev = person ? s_load_person (db, unit, person) : NULL;
    if (pev)
        s_set_str (entry, "name", pev->person->name);
    ml_event_free (&pev);
}

//  Fills ENTRY for event item UNIT/REF.
static void
s_details_event (s_db_t *db, json_t *entry, const char *unit, const char *ref)
{
    MDB_val v;
    if (s_get2 (db, db->refs, unit, ref, strlen (ref), &v))
        return;
    const Massline__Event *body = NULL;
    Massline__Event *ev = s_load_current (db, &v, &body);
    if (!ev)
        return;
    const char *kind = ml_event_kind (body);
    s_set_str (entry, "kind", kind);
    s_set_str (entry, "date", ml_event_str (body, "date"));
    const char *person = ml_event_str (body, "person");
    s_set_str (entry, "person", person);
    s_add_name (db, entry, unit, person);
    static const char *const subjects[] = { "case", "opinion", "commitment", "point", "family",
                                            "with", "host", "channel", "end", NULL };
    for (int i = 0; subjects[i]; i++) {
        const char *s = ml_event_str (body, subjects[i]);
        if (s) {
            json_object_set_new (entry, "subject", json_sprintf ("%s %s", subjects[i], s));
            break;
        }
    }
    json_object_set_new (entry, "verify", json_string (ml_samples_verify_text (kind ? kind : "")));
    ml_event_free (&ev);
}

//  Fills ENTRY for person item UNIT/PERSON: name and roles held in YEAR.
static void
s_details_person (s_db_t *db, json_t *entry, const char *unit, const char *person, int year)
{
    s_set_str (entry, "person", person);
    json_object_set_new (entry, "kind", json_string ("person"));
    Massline__Event *pev = s_load_person (db, unit, person);
    if (pev) {
        s_set_str (entry, "name", pev->person->name);
        char first[16], last[16], roles[512] = "";
        snprintf (first, sizeof first, "%04d-01-01", year);
        snprintf (last, sizeof last, "%04d-12-31", year);
        size_t used = 0;
        for (size_t i = 0; i < pev->person->n_roles; i++) {
            const Massline__Role *r = pev->person->roles[i];
            const ProtobufCEnumValue *e =
                protobuf_c_enum_descriptor_get_value (&massline__role__id__descriptor, (int) r->role);
            if (e && strcmp (r->from, last) <= 0 && (!r->to || strcmp (r->to, first) >= 0)
            &&  used + strlen (e->name) + 2 < sizeof roles)
                used += (size_t) snprintf (roles + used, sizeof roles - used, "%s%s", used ? "," : "", e->name);
        }
        s_set_str (entry, "subject", roles);
    }
    ml_event_free (&pev);
    json_object_set_new (entry, "verify", json_string (ml_samples_verify_text ("persons")));
}

//  The checklist of the drawn STRATA.
static json_t *
s_checklist (s_db_t *db, const ml_registry_t *registry, const ml_samples_params_t *p,
             const json_t *strata)
{
    json_t *list = json_array ();
    size_t h, i, no = 0;
    json_t *s, *item;
    json_array_foreach (strata, h, s) {
        json_array_foreach (json_object_get (s, "items"), i, item) {
            const char *id = json_string_value (item);
            json_t *entry = json_pack ("{s:I, s:s, s:O}", "no", (json_int_t) ++no, "item", id,
                                       "stratum", json_object_get (s, "stratum"));
            if (!entry || json_array_append_new (list, entry)) {
                json_decref (list);
                return NULL;
            }
            char unit[ML_ID_MAX + 1];
            const char *rest = p->population == ML_SAMPLES_UNITS ? NULL : s_split_item (id, unit);
            if (p->population == ML_SAMPLES_UNITS) {
                const ml_unit_t *u = ml_registry_unit (registry, id);
                s_set_str (entry, "unit", id);
                s_set_str (entry, "name", u ? u->name : NULL);
                json_object_set_new (entry, "kind", json_string ("unit"));
                json_object_set_new (entry, "verify", json_string (ml_samples_verify_text ("units")));
                continue;
            }
            if (!rest)
                continue;
            s_set_str (entry, "unit", unit);
            if (p->population == ML_SAMPLES_EVENTS)
                s_details_event (db, entry, unit, rest);
            else
                s_details_person (db, entry, unit, rest, p->year);
        }
    }
    return list;
}

// ---------------------------------------------------------------------------
// Frozen records.

//  The parameters as they are frozen.
static json_t *
s_params_json (const ml_samples_params_t *p)
{
    json_t *obj = json_pack ("{s:s, s:i, s:s, s:s, s:s, s:I, s:I}",
                             "population", s_pop_names[p->population], "year", p->year,
                             "seed", p->seed, "strata_by", p->by_unit ? "unit" : "none",
                             "allocation", p->allocation == ML_SAMPLE_EQUAL ? "equal" : "proportional",
                             "size", (json_int_t) p->size, "minimum", (json_int_t) p->minimum);
    if (obj && p->population == ML_SAMPLES_EVENTS) {
        json_t *kinds = json_array ();
        for (uint32_t k = 0; k < MAX_CASE; k++)
            if (p->kinds >> k & 1)
                json_array_append_new (kinds, json_string (s_kind_name (k)));
        json_object_set_new (obj, "kinds", kinds);
    }
    return obj;
}

int
ml_samples_params_of (const json_t *sample, ml_samples_params_t *p, char *err, size_t errlen)
{
    ml_samples_params_init (p);
    static const char *const keys[] = { "population", "year", "seed", "strata_by", "allocation",
                                        "size", "minimum", NULL };
    for (int i = 0; keys[i]; i++) {
        const json_t *v = json_object_get (sample, keys[i]);
        char text[ML_SAMPLES_SEED_MAX + 1];
        if (json_is_integer (v))
            snprintf (text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value (v));
        else
        if (json_is_string (v))
            snprintf (text, sizeof text, "%s", json_string_value (v));
        else
            return s_fail (err, errlen, ML_EINVAL, "sample record: no '%s'", keys[i]);
        int rc = ml_samples_params_set (p, strcmp (keys[i], "strata_by") == 0 ? "strata" : keys[i],
                                        text, err, errlen);
        if (rc)
            return rc;
    }
    size_t i;
    json_t *k;
    json_array_foreach (json_object_get (sample, "kinds"), i, k) {
        const ProtobufCFieldDescriptor *f = s_kind_field (json_string_value (k) ? json_string_value (k) : "");
        if (!f)
            return s_fail (err, errlen, ML_EINVAL, "sample record: unknown kind");
        p->kinds |= (uint64_t) 1 << f->id;
    }
    return ml_samples_params_check (p, err, errlen);
}

//  The next free id of YEAR: "S2025-001", "S2025-002"...
static int
s_next_id (s_db_t *db, int year, char *id, size_t idlen)
{
    char prefix[16];
    int plen = snprintf (prefix, sizeof prefix, "S%04d-", year);
    MDB_cursor *cur;
    int rc = mdb_cursor_open (db->txn, db->samples, &cur);
    if (rc)
        return rc;
    long last = 0;
    MDB_val k = { (size_t) plen, prefix }, v;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size <= (size_t) plen || memcmp (k.mv_data, prefix, (size_t) plen) != 0)
            break;
        char num[24];
        snprintf (num, sizeof num, "%.*s", (int) (k.mv_size - (size_t) plen), (char *) k.mv_data + plen);
        long n = strtol (num, NULL, 10);
        last = n > last ? n : last;
    }
    mdb_cursor_close (cur);
    if (rc && rc != MDB_NOTFOUND)
        return rc;
    snprintf (id, idlen, "%s%03ld", prefix, last + 1);
    return 0;
}

//  Reads the frozen record ID: parsed, with its digest checked. *TEXT_OUT (optional) gets the
//  stored text (borrowed from the transaction).
static int
s_read_record (s_db_t *db, const char *id, json_t **record, char hex[ML_SAMPLE_HEX_LEN],
               MDB_val *text_out, char *err, size_t errlen)
{
    *record = NULL;
    MDB_val k = { strlen (id), (void *) id }, v;
    int rc = db->ours ? mdb_get (db->txn, db->samples, &k, &v) : MDB_NOTFOUND;
    if (rc == MDB_NOTFOUND)
        return s_fail (err, errlen, ML_ENOTFOUND, "no sample '%s' (massline sample list)", id);
    if (rc)
        return s_mdb_fail (err, errlen, rc, "samples");
    if (v.mv_size < ML_SAMPLE_HEX_LEN || ((char *) v.mv_data)[ML_SAMPLE_HEX_LEN - 1] != '\n')
        return s_fail (err, errlen, ML_ECONFLICT, "sample %s: stored record is malformed", id);
    MDB_val text = { v.mv_size - ML_SAMPLE_HEX_LEN, (char *) v.mv_data + ML_SAMPLE_HEX_LEN };
    ml_sample_digest (text.mv_data, text.mv_size, hex);
    if (memcmp (hex, v.mv_data, ML_SAMPLE_HEX_LEN - 1) != 0)
        return s_fail (err, errlen, ML_ECONFLICT, "sample %s: stored record does not match its "
                       "digest %.64s (now %s)", id, (char *) v.mv_data, hex);
    json_error_t jerr;
    *record = json_loadb (text.mv_data, text.mv_size, 0, &jerr);
    if (!*record)
        return s_fail (err, errlen, ML_ECONFLICT, "sample %s: stored record is not JSON: %s", id, jerr.text);
    if (text_out)
        *text_out = text;
    return 0;
}

//  The findings of sample ID: an object item -> array of findings (oldest first).
static int
s_read_findings (s_db_t *db, const char *id, json_t **findings, char *err, size_t errlen)
{
    *findings = json_object ();
    if (!*findings)
        return s_fail (err, errlen, ML_ENOMEM, "findings: out of memory");
    if (!db->ours)
        return 0;
    size_t plen = strlen (id) + 1;
    MDB_cursor *cur;
    int rc = mdb_cursor_open (db->txn, db->findings, &cur);
    if (rc)
        return s_mdb_fail (err, errlen, rc, "findings");
    MDB_val k = { plen, (void *) id }, v;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (k.mv_size <= plen || memcmp (k.mv_data, id, plen) != 0)
            break;
        char item[2 * ML_ID_MAX + 8];
        snprintf (item, sizeof item, "%.*s", (int) (k.mv_size - plen), (char *) k.mv_data + plen);
        json_t *list = json_loadb (v.mv_data, v.mv_size, 0, NULL);
        if (json_is_array (list))
            json_object_set_new (*findings, item, list);
        else
            json_decref (list);
    }
    mdb_cursor_close (cur);
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : s_mdb_fail (err, errlen, rc, "findings");
}

//  Sample ID as ml_samples_get answers, in the open transaction DB.
static int
s_get (s_db_t *db, const char *id, json_t **sample, char *err, size_t errlen)
{
    char hex[ML_SAMPLE_HEX_LEN];
    MDB_val text;
    json_t *findings = NULL;
    int rc = s_read_record (db, id, sample, hex, &text, err, errlen);
    if (!rc)
        rc = s_read_findings (db, id, &findings, err, errlen);
    if (rc) {
        json_decref (*sample);
        *sample = NULL;
        return rc;
    }
    json_object_set_new (*sample, "record_digest", json_string (hex));
    json_object_set_new (*sample, "record", json_stringn (text.mv_data, text.mv_size));
    size_t i, examined = 0;
    json_t *entry;
    json_array_foreach (json_object_get (*sample, "checklist"), i, entry) {
        json_t *list = json_object_get (findings, json_string_value (json_object_get (entry, "item")));
        size_t n = json_array_size (list);
        json_object_set (entry, "finding", n ? json_array_get (list, n - 1) : json_null ());
        if (n > 1)
            json_object_set_new (entry, "earlier_findings", json_integer ((json_int_t) n - 1));
        examined += n > 0;
    }
    json_object_set_new (*sample, "examined", json_integer ((json_int_t) examined));
    json_decref (findings);
    //  The keys of interfaces.md first, for people reading the JSON; the rest as stored.
    json_t *ordered = json_object ();
    static const char *const first[] = { "sample", "seed", "population", "digest", "strata", NULL };
    for (int f = 0; ordered && first[f]; f++)
        json_object_set (ordered, first[f], json_object_get (*sample, first[f]));
    if (ordered && json_object_update_missing (ordered, *sample) == 0) {
        json_decref (*sample);
        *sample = ordered;
    }
    else
        json_decref (ordered);
    return 0;
}

int
ml_samples_get (ml_store_t *store, const char *id, json_t **sample, char *err, size_t errlen)
{
    s_db_t db;
    *sample = NULL;
    int rc = s_db_begin (store, false, &db, err, errlen);
    if (rc)
        return rc;
    rc = s_get (&db, id, sample, err, errlen);
    s_db_end (&db, true, err, errlen);
    return rc;
}

int
ml_samples_draw (ml_store_t *store, const ml_registry_t *registry,
                 const ml_samples_params_t *p, const char *who, json_t **sample,
                 char *err, size_t errlen)
{
    *sample = NULL;
    s_db_t db;
    ml_samples_pop_t *pop = NULL;
    json_t *record = NULL;
    char *text = NULL, *value = NULL;
    int rc = s_db_begin (store, true, &db, err, errlen);
    if (rc)
        return rc;
    //  One write transaction: the population read and the id taken are one consistent state.
    rc = s_population (&db, registry, p, &pop, err, errlen);
    if (rc)
        goto done;
    if (pop->total == 0) {
        rc = s_fail (err, errlen, ML_EINVAL, "nothing to draw from: no %s in %d%s", s_pop_names[p->population],
                     p->year, p->population == ML_SAMPLES_EVENTS ? " of the kinds asked" : "");
        goto done;
    }
    char hex[ML_SAMPLE_HEX_LEN], id[64], now[32];
    json_t *strata = s_select (pop, p, false, hex, &rc, err, errlen);
    if (!strata)
        goto done;
    rc = s_next_id (&db, p->year, id, sizeof id);
    if (rc) {
        json_decref (strata);
        rc = s_mdb_fail (err, errlen, rc, "samples");
        goto done;
    }
    s_now_iso (now);
    record = s_params_json (p);
    json_t *checklist = s_checklist (&db, registry, p, strata);
    if (!record || !checklist
    ||  json_object_set_new (record, "algorithm", json_string (ML_SAMPLES_ALGORITHM))
    ||  json_object_set_new (record, "sample", json_string (id))
    ||  json_object_set_new (record, "drawn_by", json_string (who))
    ||  json_object_set_new (record, "drawn_at", json_string (now))
    ||  json_object_set_new (record, "digest", json_string (hex))
    ||  json_object_set_new (record, "population_size", json_integer ((json_int_t) pop->total))
    ||  json_object_set_new (record, "strata", json_incref (strata))
    ||  json_object_set_new (record, "checklist", json_incref (checklist))) {
        json_decref (strata);
        json_decref (checklist);
        rc = s_fail (err, errlen, ML_ENOMEM, "draw: out of memory");
        goto done;
    }
    json_decref (strata);
    json_decref (checklist);
    //  Canonical text: compact, keys sorted, UTF-8 as is. The digest goes in front of it.
    text = json_dumps (record, JSON_COMPACT | JSON_SORT_KEYS);
    size_t tlen = text ? strlen (text) : 0;
    value = text ? malloc (ML_SAMPLE_HEX_LEN + tlen) : NULL;
    if (!value) {
        rc = s_fail (err, errlen, ML_ENOMEM, "draw: out of memory");
        goto done;
    }
    ml_sample_digest (text, tlen, value);
    value[ML_SAMPLE_HEX_LEN - 1] = '\n';
    memcpy (value + ML_SAMPLE_HEX_LEN, text, tlen);
    MDB_val k = { strlen (id), id }, v = { ML_SAMPLE_HEX_LEN + tlen, value };
    int mrc = mdb_put (db.txn, db.samples, &k, &v, MDB_NOOVERWRITE);
    if (mrc) {
        rc = s_mdb_fail (err, errlen, mrc, "samples");
        goto done;
    }
    rc = s_db_end (&db, true, err, errlen);
    if (!rc)
        rc = ml_samples_get (store, id, sample, err, errlen);
done:
    s_db_end (&db, false, err, errlen);
    ml_samples_pop_destroy (&pop);
    json_decref (record);
    free (text);
    free (value);
    return rc;
}

// ---------------------------------------------------------------------------
// Verification.

//  Why ITEM is not in the population of P now.
static void
s_why_gone (s_db_t *db, const ml_registry_t *registry, const ml_samples_params_t *p, const char *item,
            char *buf, size_t len)
{
    char unit[ML_ID_MAX + 1];
    const char *rest = s_split_item (item, unit);
    snprintf (buf, len, "no longer in the population");
    if (p->population == ML_SAMPLES_UNITS) {
        if (!ml_registry_unit (registry, item))
            snprintf (buf, len, "no longer in the registry");
        return;
    }
    if (!rest)
        return;
    if (p->population == ML_SAMPLES_PERSONS) {
        Massline__Event *pev = s_load_person (db, unit, rest);
        snprintf (buf, len, pev ? "no role in %d any more" : "no longer in the roster", p->year);
        ml_event_free (&pev);
        return;
    }
    MDB_val v;
    if (s_get2 (db, db->refs, unit, rest, strlen (rest), &v) || v.mv_size <= REF_HEAD) {
        snprintf (buf, len, "no longer in the store");
        return;
    }
    if (((uint8_t *) v.mv_data)[0] & REF_VOIDED) {
        snprintf (buf, len, "voided since the draw");
        return;
    }
    const Massline__Event *body = NULL;
    Massline__Event *ev = s_load_current (db, &v, &body);
    const char *date = ev ? ml_event_str (body, "date") : NULL;
    if (date)
        snprintf (buf, len, "corrected since the draw: now dated %s", date);
    ml_event_free (&ev);
}

//  The index of VALUE in ARRAY, or -1.
static long
s_index_of (const json_t *array, const json_t *value)
{
    for (size_t j = 0; j < json_array_size (array); j++)
        if (json_equal (json_array_get (array, j), value))
            return (long) j;
    return -1;
}

//  True when the sorted array IDS of N holds ID.
static bool
s_holds (const char **ids, size_t n, const char *id)
{
    return bsearch (&id, ids, n, sizeof *ids, s_strcmp_p) != NULL;
}

static void s_differ (json_t *diffs, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_differ (json_t *diffs, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof line, fmt, ap);
    va_end (ap);
    json_array_append_new (diffs, json_string (line));
}

//  Compares one frozen stratum F with the same stratum S now (either may be NULL) and adds
//  the differences; the entry for the answer goes into OUT.
static bool
s_compare_stratum (s_db_t *db, const ml_registry_t *registry, const ml_samples_params_t *p,
                   const ml_samples_stratum_t *now_pop, json_t *f, json_t *s, json_t *diffs, json_t *out)
{
    const char *id = json_string_value (json_object_get (f ? f : s, "stratum"));
    json_int_t pop_then = f ? json_integer_value (json_object_get (f, "population")) : 0;
    json_int_t pop_now = s ? json_integer_value (json_object_get (s, "population")) : 0;
    const char *dig_then = f ? json_string_value (json_object_get (f, "digest")) : NULL;
    const char *dig_now = s ? json_string_value (json_object_get (s, "digest")) : NULL;
    json_t *items_then = f ? json_object_get (f, "items") : NULL;
    json_t *items_now = s ? json_object_get (s, "items") : NULL;
    bool same = f && s && json_equal (items_then, items_now) && strcmp (dig_then, dig_now) == 0;
    json_t *entry = json_pack ("{s:s, s:I, s:I, s:o, s:o, s:O*, s:O*, s:b}", "stratum", id,
                               "population", pop_then, "population_now", pop_now,
                               "digest", dig_then ? json_string (dig_then) : json_null (),
                               "digest_now", dig_now ? json_string (dig_now) : json_null (),
                               "items", items_then, "items_now", items_now, "matches", same);
    if (s && json_object_get (s, "population_ids"))
        json_object_set (entry, "population_ids", json_object_get (s, "population_ids"));
    json_array_append_new (out, entry);
    if (same)
        return true;
    if (!s) {
        s_differ (diffs, "stratum %s: had %" JSON_INTEGER_FORMAT " items at the draw, none now", id, pop_then);
        return false;
    }
    if (!f) {
        s_differ (diffs, "stratum %s: not there at the draw, %" JSON_INTEGER_FORMAT " items now", id, pop_now);
        return false;
    }
    if (strcmp (dig_then, dig_now) != 0)
        s_differ (diffs, "stratum %s: population changed: %" JSON_INTEGER_FORMAT " items at the draw, %"
                  JSON_INTEGER_FORMAT " now (digest %.12s... now %.12s...)", id, pop_then, pop_now,
                  dig_then, dig_now);
    size_t i;
    json_t *item;
    bool moved = false;
    json_array_foreach (items_then, i, item) {
        const char *it = json_string_value (item);
        if (s_index_of (items_now, item) >= 0)
            continue;
        moved = true;
        char why[256];
        if (now_pop && s_holds (now_pop->ids, now_pop->n, it))
            snprintf (why, sizeof why, "still in the population but no longer drawn");
        else
            s_why_gone (db, registry, p, it, why, sizeof why);
        s_differ (diffs, "item %s: %s", it, why);
    }
    json_array_foreach (items_now, i, item)
        if (s_index_of (items_then, item) < 0) {
            moved = true;
            s_differ (diffs, "item %s: drawn now but not at the draw", json_string_value (item));
        }
    if (!moved && !json_equal (items_then, items_now))
        s_differ (diffs, "stratum %s: the same items, drawn in another order", id);
    return false;
}

int
ml_samples_verify (ml_store_t *store, const ml_registry_t *registry, const char *id,
                   bool population_list, json_t **result, char *err, size_t errlen)
{
    *result = NULL;
    s_db_t db;
    json_t *sample = NULL, *strata = NULL;
    ml_samples_pop_t *pop = NULL;
    ml_samples_params_t p;
    char hex[ML_SAMPLE_HEX_LEN], rhex[ML_SAMPLE_HEX_LEN];
    int rc = s_db_begin (store, false, &db, err, errlen);
    if (rc)
        return rc;
    rc = s_read_record (&db, id, &sample, rhex, NULL, err, errlen);
    if (!rc)
        rc = ml_samples_params_of (sample, &p, err, errlen);
    if (!rc)
        rc = s_population (&db, registry, &p, &pop, err, errlen);
    if (rc)
        goto done;
    //  An empty population now draws nothing; compare against no strata.
    strata = pop->total ? s_select (pop, &p, population_list, hex, &rc, err, errlen) : json_array ();
    if (!pop->total)
        ml_sample_digest_population (NULL, 0, hex);
    if (!strata)
        goto done;
    json_t *diffs = json_array (), *out = json_array ();
    json_t *then = json_object_get (sample, "strata");
    bool all = true;
    //  Both lists are in stratum id order: merge them.
    size_t a = 0, b = 0, na = json_array_size (then), nb = json_array_size (strata);
    while (a < na || b < nb) {
        json_t *f = a < na ? json_array_get (then, a) : NULL;
        json_t *s = b < nb ? json_array_get (strata, b) : NULL;
        int cmp = !f ? 1 : !s ? -1 : strcmp (json_string_value (json_object_get (f, "stratum")),
                                             json_string_value (json_object_get (s, "stratum")));
        const ml_samples_stratum_t *now_pop = cmp >= 0 ? &pop->strata[b] : NULL;
        all = s_compare_stratum (&db, registry, &p, now_pop, cmp <= 0 ? f : NULL, cmp >= 0 ? s : NULL,
                                 diffs, out) && all;
        a += cmp <= 0;
        b += cmp >= 0;
    }
    const char *dig_then = json_string_value (json_object_get (sample, "digest"));
    if (!dig_then || strcmp (dig_then, hex) != 0) {
        all = false;
        s_differ (diffs, "population digest %.64s at the draw, %s now", dig_then ? dig_then : "?", hex);
    }
    *result = json_pack ("{s:s, s:b, s:s, s:s, s:s, s:o, s:o}", "sample", id, "matches", all,
                         "record_digest", rhex, "digest", dig_then ? dig_then : "", "digest_now", hex,
                         "differences", diffs, "strata", out);
    if (!*result)
        rc = s_fail (err, errlen, ML_ENOMEM, "verify: out of memory");
done:
    s_db_end (&db, true, err, errlen);
    json_decref (sample);
    json_decref (strata);
    ml_samples_pop_destroy (&pop);
    return rc;
}

// ---------------------------------------------------------------------------
// Findings.

int
ml_samples_finding (ml_store_t *store, const char *id, const char *item, const char *result,
                    const char *note, const char *who, json_t **finding, char *err, size_t errlen)
{
    *finding = NULL;
    if (strcmp (result, "ok") != 0 && strcmp (result, "deviation") != 0 && strcmp (result, "not_found") != 0)
        return s_fail (err, errlen, ML_EINVAL, "result: ok, deviation or not_found, not '%s'", result);
    bool utf8 = true;
    if (note) {
        json_t *text = json_string (note);              //  NULL when not UTF-8
        utf8 = text != NULL;
        json_decref (text);
    }
    if (note && (strlen (note) > ML_TEXT_MAX || !utf8))
        return s_fail (err, errlen, ML_EINVAL, "note: at most %d bytes of UTF-8", ML_TEXT_MAX);
    s_db_t db;
    json_t *record = NULL, *list = NULL;
    char *text = NULL;
    char hex[ML_SAMPLE_HEX_LEN], now[32];
    int rc = s_db_begin (store, true, &db, err, errlen);
    if (rc)
        return rc;
    rc = s_read_record (&db, id, &record, hex, NULL, err, errlen);
    if (rc)
        goto done;
    bool in = false;
    size_t h, i;
    json_t *s, *it;
    json_array_foreach (json_object_get (record, "strata"), h, s)
        json_array_foreach (json_object_get (s, "items"), i, it)
            in = in || strcmp (json_string_value (it), item) == 0;
    if (!in) {
        rc = s_fail (err, errlen, ML_ENOTFOUND, "sample %s has no item '%s' (massline sample show %s)",
                     id, item, id);
        goto done;
    }
    size_t ilen = strlen (item), klen = strlen (id) + 1 + ilen;
    char *key = malloc (klen);
    if (!key) {
        rc = s_fail (err, errlen, ML_ENOMEM, "finding: out of memory");
        goto done;
    }
    memcpy (key, id, strlen (id) + 1);
    memcpy (key + strlen (id) + 1, item, ilen);
    MDB_val k = { klen, key }, v;
    int mrc = mdb_get (db.txn, db.findings, &k, &v);
    list = mrc == 0 ? json_loadb (v.mv_data, v.mv_size, 0, NULL) : json_array ();
    if (!json_is_array (list)) {
        json_decref (list);
        list = json_array ();
    }
    size_t n = json_array_size (list);
    json_t *prev = n ? json_object_get (json_array_get (list, n - 1), "result") : NULL;
    s_now_iso (now);
    json_t *entry = json_pack ("{s:s, s:o, s:s, s:s}", "result", result,
                               "note", note ? json_string (note) : json_null (), "by", who, "at", now);
    json_array_append (list, entry);
    text = json_dumps (list, JSON_COMPACT);
    if (mrc && mrc != MDB_NOTFOUND)
        rc = s_mdb_fail (err, errlen, mrc, "findings");
    else
    if (!text)
        rc = s_fail (err, errlen, ML_ENOMEM, "finding: out of memory");
    else {
        v = (MDB_val) { strlen (text), text };
        mrc = mdb_put (db.txn, db.findings, &k, &v, 0);
        rc = mrc ? s_mdb_fail (err, errlen, mrc, "findings") : s_db_end (&db, true, err, errlen);
    }
    free (key);
    if (!rc) {
        *finding = json_pack ("{s:s, s:s, s:o}", "sample", id, "item", item,
                              "replaces", prev ? json_copy (prev) : json_null ());
        if (!*finding || json_object_update (*finding, entry)) {
            json_decref (*finding);
            rc = s_fail (err, errlen, ML_ENOMEM, "finding: out of memory");
        }
    }
    json_decref (entry);
done:
    s_db_end (&db, false, err, errlen);
    json_decref (record);
    json_decref (list);
    free (text);
    return rc;
}

// ---------------------------------------------------------------------------
// Appraisal.

//  A number for JSON: reals as they are, NaN as null.
static json_t *
s_real (double x)
{
    return isfinite (x) ? json_real (x) : json_null ();
}

//  The JSON of one appraisal: of stratum S (its id, population and size first), or overall.
static json_t *
s_appraisal_json (const json_t *s, const ml_sample_appraisal_t *a, size_t not_found, double tolerable)
{
    char text[256];
    bool below = ml_sample_conclude (a->upper_bound, tolerable, a->confidence, text, sizeof text);
    json_t *out = s ? json_pack ("{s:O, s:O, s:O}", "stratum", json_object_get (s, "stratum"),
                                 "population", json_object_get (s, "population"),
                                 "size", json_object_get (s, "size"))
                    : json_object ();
    json_t *rest = json_pack ("{s:I, s:I, s:I, s:o, s:o, s:f, s:f, s:b, s:s}", "n", (json_int_t) a->n,
                              "deviations", (json_int_t) a->deviations, "not_found", (json_int_t) not_found,
                              "rate", a->n ? s_real (a->rate) : json_null (),
                              "upper_bound", s_real (a->upper_bound), "confidence", a->confidence,
                              "tolerable", tolerable, "below_tolerable", below, "conclusion", text);
    if (!out || !rest || json_object_update (out, rest)) {
        json_decref (out);
        out = NULL;
    }
    json_decref (rest);
    return out;
}

int
ml_samples_appraise (const json_t *sample, double confidence, double tolerable,
                     json_t **appraisal, char *err, size_t errlen)
{
    *appraisal = NULL;
    if (!(confidence > 0 && confidence < 1))
        return s_fail (err, errlen, ML_EINVAL, "confidence: between 0 and 1 (e.g. 0.95), not %g", confidence);
    if (!(tolerable > 0 && tolerable < 1))
        return s_fail (err, errlen, ML_EINVAL, "tolerable: between 0 and 1 (e.g. 0.05), not %g", tolerable);
    json_t *strata = json_object_get (sample, "strata");
    size_t h_n = json_array_size (strata), pending = 0;
    ml_sample_stratum_t *st = calloc (h_n ? h_n : 1, sizeof *st);
    size_t *nf = calloc (h_n ? h_n : 1, sizeof *nf);
    json_t *out = json_array ();
    int rc = ML_ENOMEM;
    if (!st || !nf || !out)
        goto done;
    size_t h, i, total_nf = 0;
    json_t *s, *entry;
    json_array_foreach (strata, h, s)
        st[h].population = (size_t) json_integer_value (json_object_get (s, "population"));
    json_array_foreach (json_object_get (sample, "checklist"), i, entry) {
        const char *stratum = json_string_value (json_object_get (entry, "stratum"));
        const char *result = json_string_value (json_object_get (json_object_get (entry, "finding"), "result"));
        json_array_foreach (strata, h, s)
            if (stratum && strcmp (json_string_value (json_object_get (s, "stratum")), stratum) == 0)
                break;
        if (h == h_n)
            continue;
        if (!result) {
            pending++;
            continue;
        }
        st[h].n++;
        //  not_found counts as a deviation: a record that cannot be shown is not a kept one.
        if (strcmp (result, "ok") != 0)
            st[h].deviations++;
        if (strcmp (result, "not_found") == 0)
            nf[h]++, total_nf++;
    }
    json_array_foreach (strata, h, s) {
        ml_sample_appraisal_t a;
        if (ml_sample_appraise_stratum (&st[h], confidence, &a)) {
            rc = s_fail (err, errlen, ML_EINVAL, "stratum %s: %zu findings for a population of %zu",
                         json_string_value (json_object_get (s, "stratum")), st[h].n, st[h].population);
            goto done;
        }
        if (json_array_append_new (out, s_appraisal_json (s, &a, nf[h], tolerable)))
            goto done;
    }
    ml_sample_appraisal_t all;
    if (ml_sample_appraise (st, h_n, confidence, &all)) {
        rc = s_fail (err, errlen, ML_EINVAL, "sample %s: nothing to appraise",
                     json_string_value (json_object_get (sample, "sample")));
        goto done;
    }
    *appraisal = json_pack ("{s:O, s:o, s:o, s:I, s:s}", "sample", json_object_get (sample, "sample"),
                            "overall", s_appraisal_json (NULL, &all, total_nf, tolerable), "strata", out,
                            "pending", (json_int_t) pending,
                            "counting", "not_found counts as a deviation");
    out = NULL;
    rc = *appraisal ? 0 : ML_ENOMEM;
done:
    if (rc == ML_ENOMEM)
        s_fail (err, errlen, rc, "appraise: out of memory");
    free (st);
    free (nf);
    json_decref (out);
    return rc;
}

// ---------------------------------------------------------------------------
// The list.

int
ml_samples_list (ml_store_t *store, json_t **list, char *err, size_t errlen)
{
    s_db_t db;
    *list = json_array ();
    int rc = s_db_begin (store, false, &db, err, errlen);
    if (rc || !db.ours)
        goto done;
    MDB_cursor *cur;
    rc = mdb_cursor_open (db.txn, db.samples, &cur);
    if (rc) {
        rc = s_mdb_fail (err, errlen, rc, "samples");
        goto done;
    }
    MDB_val k, v;
    int mrc;
    for (mrc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); mrc == 0 && !rc;
         mrc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        char id[64];
        snprintf (id, sizeof id, "%.*s", (int) (k.mv_size < 63 ? k.mv_size : 63), (char *) k.mv_data);
        json_t *sample;
        char serr[256];
        if (s_get (&db, id, &sample, serr, sizeof serr)) {
            json_array_append_new (*list, json_pack ("{s:s, s:s}", "sample", id, "error", serr));
            continue;
        }
        json_array_append_new (*list, json_pack ("{s:s, s:O, s:O, s:O, s:O, s:O, s:O}", "sample", id,
                               "year", json_object_get (sample, "year"),
                               "population", json_object_get (sample, "population"),
                               "size", json_object_get (sample, "size"),
                               "drawn_by", json_object_get (sample, "drawn_by"),
                               "drawn_at", json_object_get (sample, "drawn_at"),
                               "examined", json_object_get (sample, "examined")));
        json_decref (sample);
    }
    mdb_cursor_close (cur);
    if (mrc != MDB_NOTFOUND && !rc)
        rc = s_mdb_fail (err, errlen, mrc, "samples");
done:
    s_db_end (&db, true, err, errlen);
    if (rc) {
        json_decref (*list);
        *list = NULL;
    }
    return rc;
}
