/* ml_outbox.c -- the agent's durable outbox in LMDB (see ml_outbox.h for the contract).

   Named databases (integers are 8-byte big-endian, so seq keys sort and append in order):
     meta     "next_seq", "acked_seq", "last_contact", "renumbered", "frame_max",
              "trouble_seq" -> u64; "trouble" -> the collector's refusal of trouble_seq (text);
              "bureau_years" -> the collector's last word on the unit's years (JSON text,
              ml_outbox_set_years); "acked_bytes" (bytes of acknowledged events still in
              `events`), "reclaimed" (events whose bytes were reclaimed), "reclaimed_seq" (the
              highest of them) -> u64
     events   seq -> packed event bytes. Kept after the ack, so that a collector restored from
              a backup can be refilled, up to a quarter of the map (keep_acked); beyond it the
              oldest acknowledged events that were not rejected lose their bytes (ml_outbox_ack).
              All the rest stays: refs (re-import and `refs`), sources, rosters, rejects.
     refs     ref -> seq ‖ SHA-256 of the packed bytes (duplicate and conflict detection)
     persons  person id -> seq of the defining event
     orgs     org id -> seq of the defining event
     sources  seq -> "FILE:LINE\0" or "record\0"
     rejects  seq -> "code\0reason\0ref\0"
     supersedes  target ref ‖ 0 ‖ seq -> "c" (a correction of the target) or "v" (a void):
              the versions of a ref in seq order, for ml_outbox_current
   Every write is one transaction with LMDB's default (durable) commit. */
#include "ml_outbox.h"
#include "ml_db.h"
#include "ml_err.h"
#include "ml_event.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ml_outbox {
    ml_db_t *db;                //  the LMDB environment in DIR
    ml_db_dbi_t meta, events, refs, persons, orgs, sources, rejects, supersedes;
    ml_db_txn_t rtxn;           //  read transaction, reset between uses (renew is cheap)
    bool rtxn_busy;             //  guards against nested use of rtxn
    ml_outbox_entry_t *entries; //  scratch array for ml_outbox_read
    size_t entries_max;         //  its capacity
    char *dir;                  //  the folder
    uint64_t keep_acked;        //  bytes of acknowledged events kept for a refill
};

//  A transaction with a sticky result (ml_db's): once a call fails, the later calls do nothing,
//  and the caller checks once at the end. ml_db keeps the explained failure (ml_outbox_error).
typedef ml_db_txn_t s_txn_t;
#define s_be_put ml_db_be64_put
#define s_be_get ml_db_be64_get

static int
s_begin (ml_outbox_t *ob, s_txn_t *t)
{
    return ml_db_begin (ob->db, t, true);
}

static int
s_commit (s_txn_t *t)
{
    return ml_db_commit (t);
}

static void
s_abort (s_txn_t *t)
{
    ml_db_abort (t);
}

static inline void
s_put (s_txn_t *t, ml_db_dbi_t dbi, const void *key, size_t klen, const void *val, size_t vlen,
       unsigned flags)
{
    ml_db_put (t, dbi, key, klen, val, vlen, flags);
}

//  Looks KEY up; false when absent or after a failure (then t->ret says which).
static inline bool
s_get (s_txn_t *t, ml_db_dbi_t dbi, const void *key, size_t klen, ml_db_val_t *val)
{
    return ml_db_get (t, dbi, key, klen, val);
}


static uint64_t
s_meta_get (ml_outbox_t *ob, s_txn_t *t, const char *name, uint64_t def)
{
    ml_db_val_t v;
    if (s_get (t, ob->meta, name, strlen (name), &v) && v.len == 8)
        return s_be_get (v.data);
    return def;
}

static void
s_meta_put (ml_outbox_t *ob, s_txn_t *t, const char *name, uint64_t value)
{
    uint8_t buf[8];
    s_be_put (buf, value);
    s_put (t, ob->meta, name, strlen (name), buf, 8, 0);
}

static uint64_t
s_entries (s_txn_t *t, ml_db_dbi_t dbi)
{
    return ml_db_count (t, dbi);
}

//  Read-only work goes through the one cached read transaction.
static int
s_read_begin (ml_outbox_t *ob, s_txn_t *t)
{
    assert (!ob->rtxn_busy);
    if (ml_db_renew (&ob->rtxn)) {
        *t = ob->rtxn;
        t->txn = NULL;
        return t->ret;
    }
    *t = ob->rtxn;
    ob->rtxn_busy = true;
    return 0;
}

static void
s_read_end (ml_outbox_t *ob, s_txn_t *t)
{
    if (t->txn) {
        ml_db_reset (t);
        ob->rtxn_busy = false;
        t->txn = NULL;
    }
}

//  LMDB writes its lock file through a memory map, so on a full disk a page it cannot get is a
//  SIGBUS rather than an error. Reserving the lock file's pages first (without changing its size,
//  which LMDB sets) turns that into ENOSPC here. Returns 0 or an errno.
static int
s_reserve_lock (const char *dir)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/lock.mdb", dir);
    int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno;
    int rc = fallocate (fd, FALLOC_FL_KEEP_SIZE, 0, 64 * 1024) ? errno : 0;
    close (fd);
    return rc == EOPNOTSUPP || rc == ENOSYS ? 0 : rc;     //  not every file system can
}

ml_outbox_t *
ml_outbox_open (const char *dir, size_t map_size, char *err, size_t errlen)
{
    ml_outbox_t *self = calloc (1, sizeof *self);
    if (!self || !(self->dir = strdup (dir))) {
        snprintf (err, errlen, "%s: out of memory", dir);
        goto fail;
    }
    if (mkdir (dir, 0700) && errno != EEXIST) {
        snprintf (err, errlen, "%s: cannot create the outbox folder: %s", dir, strerror (errno));
        goto fail;
    }
    int rc = s_reserve_lock (dir);
    if (rc) {
        snprintf (err, errlen, "%s: cannot open the outbox: %s", dir, strerror (rc));
        goto fail;
    }
    char why[192];
    map_size = map_size ? map_size : ML_OUTBOX_MAP_SIZE;
    self->keep_acked = map_size / 4;
    self->db = ml_db_open (dir, map_size, 16, 0, why, sizeof why);
    if (!self->db) {
        snprintf (err, errlen, "%s: cannot open the outbox: %s", dir, why);
        goto fail;
    }
    s_txn_t t;
    if (s_begin (self, &t) == 0) {
        struct { const char *name; ml_db_dbi_t *dbi; } dbs[] = {
            { "meta", &self->meta }, { "events", &self->events }, { "refs", &self->refs },
            { "persons", &self->persons }, { "orgs", &self->orgs },
            { "sources", &self->sources }, { "rejects", &self->rejects },
            { "supersedes", &self->supersedes } };
        for (size_t i = 0; i < sizeof dbs / sizeof dbs[0] && !t.ret; i++)
            ml_db_table (&t, dbs[i].name, ML_DB_CREATE, dbs[i].dbi);
    }
    if (s_commit (&t) || ml_db_begin (self->db, &self->rtxn, false)) {
        snprintf (err, errlen, "%s: cannot open the outbox: %s", dir, ml_db_error (self->db));
        goto fail;
    }
    ml_db_reset (&self->rtxn);
    return self;
fail:
    ml_outbox_close (&self);
    return NULL;
}

void
ml_outbox_close (ml_outbox_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_outbox_t *self = *self_p;
    ml_db_abort (&self->rtxn);
    ml_db_close (&self->db);
    free (self->entries);
    free (self->dir);
    free (self);
    *self_p = NULL;
}

const char *
ml_outbox_dir (ml_outbox_t *self)
{
    return self->dir;
}

const char *
ml_outbox_error (ml_outbox_t *self)
{
    return self->db ? ml_db_error (self->db) : "";
}

//  Stores one new event under SEQ with its ref, source and roster entry.
static void
s_put_event (ml_outbox_t *ob, s_txn_t *t, const ml_outbox_item_t *item, uint64_t seq, const uint8_t sha[32])
{
    uint8_t key[8], refval[8 + 32];
    s_be_put (key, seq);
    memcpy (refval, key, 8);
    memcpy (refval + 8, sha, 32);
    s_put (t, ob->events, key, 8, item->data, item->len, ML_DB_APPEND);
    s_put (t, ob->refs, item->ref, strlen (item->ref), refval, sizeof refval, 0);
    const char *source = item->source ? item->source : "";
    s_put (t, ob->sources, key, 8, source, strlen (source) + 1, ML_DB_APPEND);
    if (item->person && *item->person)
        s_put (t, ob->persons, item->person, strlen (item->person), key, 8, 0);
    if (item->org && *item->org)
        s_put (t, ob->orgs, item->org, strlen (item->org), key, 8, 0);
    if (item->supersedes && *item->supersedes) {
        size_t tlen = strlen (item->supersedes);
        uint8_t skey[256 + 1 + 8];
        if (tlen > 256) {
            ml_db_fail (t, ML_EINVAL, "mdb_put supersedes: the superseded ref is too long");
            return;
        }
        memcpy (skey, item->supersedes, tlen);
        skey[tlen] = 0;
        memcpy (skey + tlen + 1, key, 8);
        s_put (t, ob->supersedes, skey, tlen + 9, item->voids ? "v" : "c", 1, 0);
    }
}

//  True when the collector rejected the event SEQ.
static bool
s_rejected (ml_outbox_t *ob, s_txn_t *t, uint64_t seq)
{
    uint8_t key[8];
    s_be_put (key, seq);
    ml_db_val_t v;
    return s_get (t, ob->rejects, key, 8, &v);
}

int
ml_outbox_append (ml_outbox_t *self, ml_outbox_item_t *items, size_t count, bool dry_run)
{
    for (size_t i = 0; i < count; i++)
        if (!items[i].ref || !*items[i].ref || strlen (items[i].ref) > 255) {
            char what[64];
            snprintf (what, sizeof what, "item %zu: missing or overlong ref", i);
            ml_db_set_error (self->db, what);
            return ML_EINVAL;
        }
    //  new_idx[k] is the index of the item that got seq first + k: finds in-call duplicates
    size_t *new_idx = malloc ((count ? count : 1) * sizeof *new_idx);
    if (!new_idx)
        return ML_ENOMEM;
    s_txn_t t;
    s_begin (self, &t);
    uint64_t first = s_meta_get (self, &t, "next_seq", 1), next = first;
    size_t n_new = 0;
    bool conflict = false;
    for (size_t i = 0; i < count && !t.ret; i++) {
        ml_outbox_item_t *item = &items[i];
        uint8_t sha[32];
        ml_sha256 (item->data, item->len, sha);
        item->same_as = -1;
        ml_db_val_t v;
        if (s_get (&t, self->refs, item->ref, strlen (item->ref), &v)
        &&  v.len == 8 + 32) {
            item->seq = s_be_get (v.data);
            item->status = memcmp ((uint8_t *) v.data + 8, sha, 32) == 0? ML_EDUP: ML_ECONFLICT;
            if (item->seq >= first && item->seq < next)
                item->same_as = (long) new_idx[item->seq - first];
            //  the fixed version of an event the collector rejected takes over its ref
            bool fixes = item->status == ML_ECONFLICT && item->same_as < 0 && s_rejected (self, &t, item->seq);
            if (!fixes) {
                conflict |= item->status == ML_ECONFLICT;
                continue;
            }
        }
        item->status = 0;
        item->seq = next++;
        new_idx[n_new++] = i;
        s_put_event (self, &t, item, item->seq, sha);
    }
    free (new_idx);
    if (next != first)
        s_meta_put (self, &t, "next_seq", next);
    if (t.ret || conflict || dry_run) {
        s_abort (&t);
        return t.ret ? t.ret : conflict ? ML_ECONFLICT : 0;
    }
    return s_commit (&t);
}

int
ml_outbox_read (ml_outbox_t *self, uint64_t from, size_t max, ml_outbox_visit_fn *fn, void *arg)
{
    if (max > self->entries_max) {
        ml_outbox_entry_t *grown = realloc (self->entries, max * sizeof *grown);
        if (!grown)
            return ML_ENOMEM;
        self->entries = grown;
        self->entries_max = max;
    }
    s_txn_t t;
    if (s_read_begin (self, &t))
        return t.ret;
    ml_db_cursor_t cur;
    uint8_t key[8];
    s_be_put (key, from);
    ml_db_val_t k, v;
    size_t n = 0;
    bool ok = ml_db_cursor_open (&t, self->events, &cur) && ml_db_seek (&cur, key, 8, &k, &v);
    while (ok && n < max) {
        self->entries[n++] = (ml_outbox_entry_t) { s_be_get (k.data), v.data, v.len };
        ok = ml_db_next (&cur, &k, &v);
    }
    ml_db_cursor_close (&cur);
    int ret = t.ret ? t.ret : fn (self->entries, n, arg);
    s_read_end (self, &t);
    return ret;
}

//  The ref of the stored event SEQ, written into BUF ("" when unknown).
static const char *
s_ref_of (ml_outbox_t *ob, s_txn_t *t, uint64_t seq, char *buf, size_t len)
{
    uint8_t key[8];
    s_be_put (key, seq);
    ml_db_val_t v;
    buf[0] = 0;
    if (s_get (t, ob->events, key, 8, &v)) {
        Massline__Event *ev = massline__event__unpack (NULL, v.len, v.data);
        if (ev && ev->ref)
            snprintf (buf, len, "%s", ev->ref);
        if (ev)
            massline__event__free_unpacked (ev, NULL);
    }
    return buf;
}

//  Bytes of the events with seqs in (FROM, THROUGH] still stored.
static uint64_t
s_bytes_between (ml_outbox_t *ob, s_txn_t *t, uint64_t from, uint64_t through)
{
    uint64_t bytes = 0;
    uint8_t key[8];
    s_be_put (key, from + 1);
    ml_db_cursor_t cur;
    ml_db_val_t k, v;
    bool ok = ml_db_cursor_open (t, ob->events, &cur) && ml_db_seek (&cur, key, 8, &k, &v);
    for (; ok && s_be_get (k.data) <= through; ok = ml_db_next (&cur, &k, &v))
        bytes += v.len;
    ml_db_cursor_close (&cur);
    return bytes;
}

//  Keeps the bytes of acknowledged events within keep_acked: the acknowledgement through
//  THROUGH (the old mark was OLD) adds its events; beyond the budget the oldest acknowledged,
//  accepted events lose their bytes (to three quarters of it, so that this runs seldom).
static void
s_reclaim (ml_outbox_t *ob, s_txn_t *t, uint64_t old, uint64_t through)
{
    ml_db_val_t v;
    uint64_t kept = s_get (t, ob->meta, "acked_bytes", 11, &v) && v.len == 8
                  ? s_be_get (v.data) + s_bytes_between (ob, t, old, through)
                  : s_bytes_between (ob, t, 0, through);     //  an outbox from before the count
    if (kept > ob->keep_acked) {
        uint64_t gone = 0, last = 0, target = ob->keep_acked / 4 * 3, max = 0;
        uint64_t *seqs = NULL;          //  found first, deleted after the cursor is closed
        ml_db_cursor_t cur;
        ml_db_val_t k;
        bool ok = ml_db_cursor_open (t, ob->events, &cur) && ml_db_first (&cur, &k, &v);
        for (; ok && kept > target; ok = ml_db_next (&cur, &k, &v)) {
            uint64_t seq = s_be_get (k.data);
            if (seq > through)
                break;
            if (s_rejected (ob, t, seq))
                continue;               //  kept: `status` names its fields, a fix takes its ref
            if (gone == max) {
                uint64_t *grown = realloc (seqs, (max = max ? max * 2 : 1024) * sizeof *seqs);
                if (!grown)
                    break;
                seqs = grown;
            }
            kept -= v.len < kept ? v.len : kept;
            seqs[gone++] = last = seq;
        }
        ml_db_cursor_close (&cur);
        for (uint64_t i = 0; i < gone; i++) {
            uint8_t key[8];
            s_be_put (key, seqs[i]);
            ml_db_del (t, ob->events, key, 8);
        }
        free (seqs);
        if (gone) {
            s_meta_put (ob, t, "reclaimed", s_meta_get (ob, t, "reclaimed", 0) + gone);
            s_meta_put (ob, t, "reclaimed_seq", last);
        }
    }
    s_meta_put (ob, t, "acked_bytes", kept);
}

int
ml_outbox_ack (ml_outbox_t *self, uint64_t through, const ml_outbox_reject_t *rejects,
               size_t count, int64_t now)
{
    s_txn_t t;
    s_begin (self, &t);
    uint64_t old = s_meta_get (self, &t, "acked_seq", 0);
    if (through > old)
        s_meta_put (self, &t, "acked_seq", through);
    for (size_t i = 0; i < count; i++) {
        const ml_outbox_reject_t *r = &rejects[i];
        char refbuf[256];
        const char *ref = r->ref && *r->ref ? r->ref : s_ref_of (self, &t, r->seq, refbuf, sizeof refbuf);
        const char *code = r->code ? r->code : "", *reason = r->reason ? r->reason : "";
        size_t lc = strlen (code) + 1, lr = strlen (reason) + 1, lf = strlen (ref) + 1;
        char *val = malloc (lc + lr + lf);
        if (!val) {
            s_abort (&t);
            return ML_ENOMEM;
        }
        memcpy (val, code, lc);
        memcpy (val + lc, reason, lr);
        memcpy (val + lc + lr, ref, lf);
        uint8_t key[8];
        s_be_put (key, r->seq);
        s_put (&t, self->rejects, key, 8, val, lc + lr + lf, 0);
        free (val);
    }
    if (through > old)
        s_reclaim (self, &t, old, through);
    s_meta_put (self, &t, "last_contact", (uint64_t) now);
    uint64_t trouble = s_meta_get (self, &t, "trouble_seq", 0);
    if (trouble && through >= trouble) {
        ml_db_del (&t, self->meta, "trouble_seq", 11);
        ml_db_del (&t, self->meta, "trouble", 7);
    }
    return s_commit (&t);
}

//  Moves the seq in the last 8 bytes of every key of DBI up by OFFSET, keeping the values (and
//  the order, so the keys go back with ML_DB_APPEND).
static void
s_shift_keys (s_txn_t *t, ml_db_dbi_t dbi, uint64_t offset)
{
    uint64_t n = s_entries (t, dbi);
    ml_db_val_t *keys = calloc (n ? n : 1, sizeof *keys);
    ml_db_val_t *vals = calloc (n ? n : 1, sizeof *vals);
    size_t got = 0;
    ml_db_cursor_t cur;
    if (!keys || !vals)
        ml_db_fail (t, ML_ENOMEM, "renumber: out of memory");
    else
    if (ml_db_cursor_open (t, dbi, &cur)) {
        //  copy out first: keys and values live in pages the drop below frees
        ml_db_val_t k, v;
        for (bool ok = ml_db_first (&cur, &k, &v); ok && got < n; ok = ml_db_next (&cur, &k, &v)) {
            if (k.len < 8)
                continue;
            keys[got] = (ml_db_val_t) { k.len, malloc (k.len) };
            vals[got] = (ml_db_val_t) { v.len, malloc (v.len ? v.len : 1) };
            if (!keys[got].data || !vals[got].data) {
                free (keys[got].data);
                free (vals[got].data);
                ml_db_fail (t, ML_ENOMEM, "renumber: out of memory");
                break;
            }
            memcpy (keys[got].data, k.data, k.len);
            memcpy (vals[got++].data, v.data, v.len);
        }
        ml_db_cursor_close (&cur);
        ml_db_empty (t, dbi);
    }
    for (size_t i = 0; i < got; i++) {
        uint8_t *seq = (uint8_t *) keys[i].data + keys[i].len - 8;
        s_be_put (seq, s_be_get (seq) + offset);
        s_put (t, dbi, keys[i].data, keys[i].len, vals[i].data, vals[i].len, ML_DB_APPEND);
        free (keys[i].data);
        free (vals[i].data);
    }
    free (keys);
    free (vals);
}

//  Adds OFFSET to the seq in the first 8 bytes of every value of DBI.
static void
s_shift_values (s_txn_t *t, ml_db_dbi_t dbi, uint64_t offset)
{
    ml_db_cursor_t cur;
    if (!ml_db_cursor_open (t, dbi, &cur))
        return;
    ml_db_val_t k, v;
    for (bool ok = ml_db_first (&cur, &k, &v); ok && !t->ret; ok = ml_db_next (&cur, &k, &v)) {
        if (v.len < 8)
            continue;
        uint8_t *val = malloc (v.len);
        if (!val) {
            ml_db_fail (t, ML_ENOMEM, "renumber: out of memory");
            break;
        }
        memcpy (val, v.data, v.len);
        s_be_put (val, s_be_get (val) + offset);
        ml_db_cursor_replace (&cur, &k, val, v.len);
        free (val);
    }
    ml_db_cursor_close (&cur);
}

int
ml_outbox_adopt (ml_outbox_t *self, uint64_t next_seq)
{
    s_txn_t t;
    s_begin (self, &t);
    uint64_t events = s_entries (&t, self->events);
    bool contact = s_meta_get (self, &t, "last_contact", 0) || s_meta_get (self, &t, "acked_seq", 0);
    uint64_t next = s_meta_get (self, &t, "next_seq", 1);
    if (t.ret || (events && contact) || next_seq < next) {
        s_abort (&t);
        return t.ret ? t.ret : ML_EEXIST;
    }
    if (events) {
        //  never sent anywhere (no collector ever answered), so new numbers are safe
        uint64_t first = next - events, offset = next_seq - first;
        s_shift_keys (&t, self->events, offset);
        s_shift_keys (&t, self->sources, offset);
        s_shift_keys (&t, self->supersedes, offset);
        s_shift_values (&t, self->refs, offset);
        s_shift_values (&t, self->persons, offset);
        s_shift_values (&t, self->orgs, offset);
        next += offset;
        s_meta_put (self, &t, "renumbered", s_meta_get (self, &t, "renumbered", 0) + offset);
    }
    else
        next = next_seq;
    s_meta_put (self, &t, "next_seq", next);
    s_meta_put (self, &t, "acked_seq", next_seq - 1);
    return s_commit (&t);
}

size_t
ml_outbox_event_max (ml_outbox_t *self, size_t *frame_max)
{
    s_txn_t t;
    uint64_t max = ML_FRAME_MAX_DEFAULT;
    if (s_read_begin (self, &t) == 0) {
        max = s_meta_get (self, &t, "frame_max", ML_FRAME_MAX_DEFAULT);
        s_read_end (self, &t);
    }
    if (max < 2 * ML_BATCH_FRAMING)
        max = 2 * ML_BATCH_FRAMING;
    if (frame_max)
        *frame_max = (size_t) max;
    return (size_t) max - ML_BATCH_FRAMING;
}

int
ml_outbox_set_frame_max (ml_outbox_t *self, uint64_t frame_max)
{
    s_txn_t t;
    s_begin (self, &t);
    if (s_meta_get (self, &t, "frame_max", 0) == frame_max) {
        s_abort (&t);
        return t.ret;
    }
    s_meta_put (self, &t, "frame_max", frame_max);
    return s_commit (&t);
}

int
ml_outbox_set_trouble (ml_outbox_t *self, uint64_t seq, const char *text)
{
    s_txn_t t;
    s_begin (self, &t);
    s_meta_put (self, &t, "trouble_seq", seq);
    s_put (&t, self->meta, "trouble", 7, text, strlen (text), 0);
    return s_commit (&t);
}

bool
ml_outbox_trouble (ml_outbox_t *self, uint64_t *seq, char *buf, size_t len)
{
    s_txn_t t;
    if (s_read_begin (self, &t))
        return false;
    ml_db_val_t v;
    *seq = s_meta_get (self, &t, "trouble_seq", 0);
    bool found = *seq && s_get (&t, self->meta, "trouble", 7, &v);
    if (found)
        snprintf (buf, len, "%.*s", (int) v.len, (const char *) v.data);
    s_read_end (self, &t);
    return found;
}

int
ml_outbox_stat (ml_outbox_t *self, ml_outbox_stat_t *stat)
{
    s_txn_t t;
    if (s_read_begin (self, &t))
        return t.ret;
    memset (stat, 0, sizeof *stat);
    stat->next_seq = s_meta_get (self, &t, "next_seq", 1);
    stat->acked_seq = s_meta_get (self, &t, "acked_seq", 0);
    stat->last_contact = (int64_t) s_meta_get (self, &t, "last_contact", 0);
    stat->renumbered = s_meta_get (self, &t, "renumbered", 0);
    stat->reclaimed = s_meta_get (self, &t, "reclaimed", 0);
    stat->reclaimed_seq = s_meta_get (self, &t, "reclaimed_seq", 0);
    stat->events = s_entries (&t, self->events) + stat->reclaimed;
    stat->rejected = s_entries (&t, self->rejects);
    s_read_end (self, &t);
    uint64_t top = stat->next_seq - 1;
    stat->pending = top > stat->acked_seq ? top - stat->acked_seq : 0;
    if (stat->pending > stat->events)
        stat->pending = stat->events;
    uint64_t done = stat->events - stat->pending;
    stat->acked = done > stat->rejected ? done - stat->rejected : 0;
    return t.ret;
}

int
ml_outbox_rejects (ml_outbox_t *self, ml_outbox_reject_fn *fn, void *arg)
{
    s_txn_t t;
    if (s_read_begin (self, &t))
        return t.ret;
    ml_db_cursor_t cur;
    ml_db_val_t k, v;
    int ret = 0;
    bool ok = ml_db_cursor_open (&t, self->rejects, &cur) && ml_db_first (&cur, &k, &v);
    while (ok && ret == 0) {
        //  the value is three NUL-terminated strings; refuse anything else
        const char *p = v.data, *end = p + v.len;
        const char *parts[3] = { "", "", "" };
        for (int i = 0; i < 3 && p < end; i++) {
            const char *nul = memchr (p, 0, (size_t) (end - p));
            if (!nul)
                break;
            parts[i] = p;
            p = nul + 1;
        }
        ml_outbox_reject_t r = { s_be_get (k.data), parts[0], parts[1], parts[2], NULL, 0 };
        ml_db_val_t src;
        if (s_get (&t, self->sources, k.data, 8, &src)
        &&  src.len > 0 && ((char *) src.data)[src.len - 1] == 0)
            r.source = src.data;
        ml_db_val_t refval;
        if (*r.ref && s_get (&t, self->refs, r.ref, strlen (r.ref), &refval)
        &&  refval.len == 8 + 32 && s_be_get (refval.data) != r.seq)
            r.replaced_by = s_be_get (refval.data);
        ret = fn (&r, arg);
        ok = ml_db_next (&cur, &k, &v);
    }
    ml_db_cursor_close (&cur);
    if (ret == 0)
        ret = t.ret;
    s_read_end (self, &t);
    return ret;
}

static bool
s_has (ml_outbox_t *self, ml_db_dbi_t dbi, const char *id)
{
    s_txn_t t;
    if (!id || !*id || s_read_begin (self, &t))
        return false;
    ml_db_val_t v;
    bool found = s_get (&t, dbi, id, strlen (id), &v);
    s_read_end (self, &t);
    return found;
}

bool
ml_outbox_has_person (ml_outbox_t *self, const char *id)
{
    return s_has (self, self->persons, id);
}

bool
ml_outbox_has_org (ml_outbox_t *self, const char *id)
{
    return s_has (self, self->orgs, id);
}

//  Unpacks the stored event SEQ. NULL when absent (t->ret says if that was a failure) or when
//  undecodable (*BAD set).
static Massline__Event *
s_load (ml_outbox_t *ob, s_txn_t *t, uint64_t seq, bool *bad)
{
    uint8_t key[8];
    s_be_put (key, seq);
    ml_db_val_t v;
    *bad = false;
    if (!s_get (t, ob->events, key, 8, &v))
        return NULL;
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (v.data, v.len, &verr);
    *bad = !ev;
    return ev;
}

int
ml_outbox_get (ml_outbox_t *self, uint64_t seq, Massline__Event **ev_p)
{
    *ev_p = NULL;
    s_txn_t t;
    if (s_read_begin (self, &t))
        return t.ret;
    bool bad;
    *ev_p = s_load (self, &t, seq, &bad);
    s_read_end (self, &t);
    return *ev_p ? 0 : t.ret ? t.ret : bad ? ML_EINVAL : ML_ENOTFOUND;
}

//  A copy of the plain event a version holds (a correction's inner event), with ref REF.
static Massline__Event *
s_version_copy (const Massline__Event *version, const char *ref)
{
    const Massline__Event *plain = version->body_case == MASSLINE__EVENT__BODY_CORRECTION
                                 ? version->correction->event : version;
    size_t len;
    uint8_t *packed = plain ? ml_event_pack (plain, &len) : NULL;
    ml_verr_t verr;
    Massline__Event *copy = packed ? ml_event_unpack (packed, len, &verr) : NULL;
    free (packed);
    if (copy && (!copy->ref || strcmp (copy->ref, ref) != 0)) {
        free (copy->ref);
        if (!(copy->ref = strdup (ref)))
            ml_event_free (&copy);
    }
    return copy;
}

int
ml_outbox_current (ml_outbox_t *self, const char *ref, Massline__Event **ev_p,
                   ml_outbox_version_t *v)
{
    *ev_p = NULL;
    memset (v, 0, sizeof *v);
    size_t rlen = strlen (ref);
    if (rlen == 0 || rlen > 255)
        return ML_ENOTFOUND;
    s_txn_t t;
    if (s_read_begin (self, &t))
        return t.ret;
    int ret = ML_ENOTFOUND;
    Massline__Event *version = NULL;
    ml_db_cursor_t cur = { .cur = NULL };
    ml_db_val_t val;
    if (!s_get (&t, self->refs, ref, rlen, &val) || val.len != 8 + 32)
        goto done;
    v->seq = v->version_seq = s_be_get (val.data);
    v->rejected = s_rejected (self, &t, v->seq);
    snprintf (v->version_ref, sizeof v->version_ref, "%s", ref);
    bool bad;
    ret = ML_EINVAL;
    if (!(version = s_load (self, &t, v->seq, &bad))) {
        v->reclaimed = !bad && !t.ret;  //  acknowledged long ago, its bytes reclaimed
        goto done;
    }
    if (version->body_case == MASSLINE__EVENT__BODY_CORRECTION
    ||  version->body_case == MASSLINE__EVENT__BODY_VOID) {
        v->control = true;
        *ev_p = version;
        version = NULL;
        ret = 0;
        goto done;
    }
    //  the later versions: REF ‖ 0 ‖ seq keys, in seq order
    uint8_t prefix[256 + 1];
    memcpy (prefix, ref, rlen);
    prefix[rlen] = 0;
    if (!ml_db_cursor_open (&t, self->supersedes, &cur))
        goto done;
    ml_db_val_t k;
    for (bool ok = ml_db_seek (&cur, prefix, rlen + 1, &k, &val); ok && !v->voided;
         ok = ml_db_next (&cur, &k, &val)) {
        if (k.len != rlen + 9 || memcmp (k.data, prefix, rlen + 1) != 0)
            break;
        uint64_t seq = s_be_get ((uint8_t *) k.data + rlen + 1);
        if (s_rejected (self, &t, seq))
            continue;
        if (val.len == 1 && *(char *) val.data == 'v') {
            v->voided = true;
            continue;
        }
        Massline__Event *next = s_load (self, &t, seq, &bad);
        if (!next || next->body_case != MASSLINE__EVENT__BODY_CORRECTION || !next->correction->event) {
            ml_event_free (&next);
            goto done;
        }
        ml_event_free (&version);
        version = next;
        v->version_seq = seq;
        snprintf (v->version_ref, sizeof v->version_ref, "%s", next->ref ? next->ref : "");
    }
    if (t.ret)
        goto done;
    ret = (*ev_p = s_version_copy (version, ref)) ? 0 : ML_ENOMEM;
done:
    ml_db_cursor_close (&cur);
    ml_event_free (&version);
    s_read_end (self, &t);
    return t.ret ? t.ret : ret;
}

//  ---------------------------------------------------------------------------
//  The bureau's word on the unit's years (issue 12): kept as the collector last said it.

#define S_YEARS_KEY "bureau_years"

int
ml_outbox_set_years (ml_outbox_t *self, const char *json)
{
    s_txn_t t;
    if (s_begin (self, &t))
        return t.ret;
    s_put (&t, self->meta, S_YEARS_KEY, strlen (S_YEARS_KEY), json, strlen (json), 0);
    return s_commit (&t);
}

char *
ml_outbox_years (ml_outbox_t *self)
{
    s_txn_t t;
    if (s_read_begin (self, &t))
        return NULL;
    ml_db_val_t v;
    char *copy = NULL;
    if (s_get (&t, self->meta, S_YEARS_KEY, strlen (S_YEARS_KEY), &v) && (copy = malloc (v.len + 1))) {
        memcpy (copy, v.data, v.len);
        copy[v.len] = 0;
    }
    s_read_end (self, &t);
    return copy;
}

