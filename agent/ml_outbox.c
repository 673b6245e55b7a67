/* ml_outbox.c -- the agent's durable outbox in LMDB (see ml_outbox.h for the contract).

   Named databases (integers are 8-byte big-endian, so seq keys sort and append in order):
     meta     "next_seq", "acked_seq", "last_contact", "renumbered" -> u64
     events   seq -> packed event bytes (kept after the ack: a restored collector can be refilled)
     refs     ref -> seq ‖ SHA-256 of the packed bytes (duplicate and conflict detection)
     persons  person id -> seq of the defining event
     orgs     org id -> seq of the defining event
     sources  seq -> "FILE:LINE\0" or "record\0"
     rejects  seq -> "code\0reason\0ref\0"
     supersedes  target ref ‖ 0 ‖ seq -> "c" (a correction of the target) or "v" (a void):
              the versions of a ref in seq order, for ml_outbox_current
   Every write is one transaction with LMDB's default (durable) commit. */
#include "ml_outbox.h"
#include "ml_err.h"
#include "ml_event.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

struct ml_outbox {
    MDB_env *env;               //  the LMDB environment in DIR
    MDB_dbi meta, events, refs, persons, orgs, sources, rejects, supersedes;
    MDB_txn *rtxn;              //  read transaction, reset between uses (renew is cheap)
    bool rtxn_busy;             //  guards against nested use of rtxn
    ml_outbox_entry_t *entries; //  scratch array for ml_outbox_read
    size_t entries_max;         //  its capacity
    char *dir;                  //  the folder
    char error[256];            //  last storage failure, one line
};

//  A transaction with a sticky result (after Knot DNS's LMDB wrapper): once a call fails, the
//  later calls do nothing, and the caller checks once at the end.
typedef struct {
    ml_outbox_t *ob;
    MDB_txn *txn;
    int ret;                    //  0 or the first failure as ml_err_t
} s_txn_t;

//  The file size limit (ulimit -f) when DIR/data.mdb has reached it, else 0.
static rlim_t
s_fsize_limit_hit (const char *dir)
{
    struct rlimit rl;
    char path[4096];
    struct stat st;
    snprintf (path, sizeof path, "%s/data.mdb", dir);
    if (getrlimit (RLIMIT_FSIZE, &rl) || rl.rlim_cur == RLIM_INFINITY || stat (path, &st))
        return 0;
    return (rlim_t) st.st_size >= rl.rlim_cur ? rl.rlim_cur : 0;
}

//  True when DIR's file system has no room for one more page: a page written to an unnamed
//  file there (gone when closed) fails with ENOSPC or EDQUOT, as *ERRNO_P says.
static bool
s_disk_full (const char *dir, int *errno_p)
{
    static const char page[4096];
    struct rlimit rl;
    int err = 0;
    errno = 0;
    //  a file size limit below a page would make the probe fail for a reason of its own
    int fd = getrlimit (RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur < sizeof page
           ? -1 : open (dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0) {
        err = write (fd, page, sizeof page) < 0 ? errno : 0;
        close (fd);
    }
    else {
        struct statvfs vfs;
        err = errno == ENOSPC || errno == EDQUOT ? errno
            : statvfs (dir, &vfs) == 0 && vfs.f_bavail == 0 ? ENOSPC : 0;
    }
    *errno_p = err;
    return err == ENOSPC || err == EDQUOT;
}

//  Says why the LMDB call RC failed in DIR, in BUF, and returns the code that says it best.
//  LMDB reports a short write (the disk filled up, or the file reached the file size limit,
//  part of the way through) as a bare EIO; both causes are still visible afterwards.
static int
s_explain (const char *dir, int rc, char *buf, size_t len)
{
    const char *shortw = "";
    int cause;
    rlim_t limit = rc == EIO || rc == EFBIG ? s_fsize_limit_hit (dir) : 0;
    if (rc == EIO && limit) {
        shortw = "short write: ";
        rc = EFBIG;
    }
    else
    if (rc == EIO && s_disk_full (dir, &cause)) {
        shortw = "short write: ";
        rc = cause;
    }
    if (rc == EFBIG && limit)
        snprintf (buf, len, "%s%s: data.mdb reached the file size limit of %llu bytes", shortw,
                  mdb_strerror (rc), (unsigned long long) limit);
    else
        snprintf (buf, len, "%s%s", shortw, mdb_strerror (rc));
    return rc;
}

static void
s_fail (s_txn_t *t, const char *what, int rc)
{
    if (t->ret == 0) {
        char why[160];
        rc = s_explain (t->ob->dir, rc, why, sizeof why);
        t->ret = ml_err_from_mdb (rc);
        snprintf (t->ob->error, sizeof t->ob->error, "%s: %s", what, why);
    }
}

static void
s_be_put (uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t) v;
}

static uint64_t
s_be_get (const void *data)
{
    const uint8_t *p = data;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

static int
s_begin (ml_outbox_t *ob, s_txn_t *t)
{
    t->ob = ob;
    t->txn = NULL;
    t->ret = 0;
    int rc = mdb_txn_begin (ob->env, NULL, 0, &t->txn);
    if (rc == MDB_MAP_RESIZED) {
        //  another process grew the map: adopt its size and try again
        mdb_env_set_mapsize (ob->env, 0);
        rc = mdb_txn_begin (ob->env, NULL, 0, &t->txn);
    }
    if (rc) {
        t->txn = NULL;
        s_fail (t, "mdb_txn_begin", rc);
    }
    return t->ret;
}

static int
s_commit (s_txn_t *t)
{
    if (!t->txn)
        return t->ret;
    if (t->ret)
        mdb_txn_abort (t->txn);
    else {
        int rc = mdb_txn_commit (t->txn);   //  frees the txn even when it fails
        if (rc)
            s_fail (t, "mdb_txn_commit", rc);
    }
    t->txn = NULL;
    return t->ret;
}

static void
s_abort (s_txn_t *t)
{
    if (t->txn)
        mdb_txn_abort (t->txn);
    t->txn = NULL;
}

static void
s_put (s_txn_t *t, MDB_dbi dbi, const char *what, const void *key, size_t klen,
       const void *val, size_t vlen, unsigned flags)
{
    if (t->ret)
        return;
    MDB_val k = { klen, (void *) key }, v = { vlen, (void *) val };
    int rc = mdb_put (t->txn, dbi, &k, &v, flags);
    if (rc)
        s_fail (t, what, rc);
}

//  Looks KEY up; false when absent or after a failure (then t->ret says which).
static bool
s_get (s_txn_t *t, MDB_dbi dbi, const char *what, const void *key, size_t klen, MDB_val *val)
{
    if (t->ret)
        return false;
    MDB_val k = { klen, (void *) key };
    int rc = mdb_get (t->txn, dbi, &k, val);
    if (rc && rc != MDB_NOTFOUND)
        s_fail (t, what, rc);
    return rc == 0;
}

static uint64_t
s_meta_get (s_txn_t *t, const char *name, uint64_t def)
{
    MDB_val v;
    if (s_get (t, t->ob->meta, "mdb_get meta", name, strlen (name), &v) && v.mv_size == 8)
        return s_be_get (v.mv_data);
    return def;
}

static void
s_meta_put (s_txn_t *t, const char *name, uint64_t value)
{
    uint8_t buf[8];
    s_be_put (buf, value);
    s_put (t, t->ob->meta, "mdb_put meta", name, strlen (name), buf, 8, 0);
}

static uint64_t
s_entries (s_txn_t *t, MDB_dbi dbi)
{
    MDB_stat st;
    if (t->ret)
        return 0;
    int rc = mdb_stat (t->txn, dbi, &st);
    if (rc) {
        s_fail (t, "mdb_stat", rc);
        return 0;
    }
    return st.ms_entries;
}

//  Read-only work goes through the one cached read transaction.
static int
s_read_begin (ml_outbox_t *ob, s_txn_t *t)
{
    assert (!ob->rtxn_busy);
    t->ob = ob;
    t->ret = 0;
    t->txn = ob->rtxn;
    int rc = mdb_txn_renew (ob->rtxn);
    if (rc == MDB_MAP_RESIZED) {
        mdb_env_set_mapsize (ob->env, 0);
        rc = mdb_txn_renew (ob->rtxn);
    }
    if (rc) {
        t->txn = NULL;
        s_fail (t, "mdb_txn_renew", rc);
        return t->ret;
    }
    ob->rtxn_busy = true;
    return 0;
}

static void
s_read_end (s_txn_t *t)
{
    if (t->txn) {
        mdb_txn_reset (t->txn);
        t->ob->rtxn_busy = false;
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
    if (!rc)
        rc = mdb_env_create (&self->env);
    if (!rc)
        rc = mdb_env_set_maxdbs (self->env, 16);
    if (!rc)
        rc = mdb_env_set_mapsize (self->env, map_size ? map_size : ML_OUTBOX_MAP_SIZE);
    if (!rc)
        rc = mdb_env_open (self->env, dir, MDB_NOTLS, 0600);
    if (rc) {
        char why[160];
        s_explain (dir, rc, why, sizeof why);
        snprintf (err, errlen, "%s: cannot open the outbox: %s", dir, why);
        goto fail;
    }
    s_txn_t t;
    if (s_begin (self, &t) == 0) {
        struct { const char *name; MDB_dbi *dbi; } dbs[] = {
            { "meta", &self->meta }, { "events", &self->events }, { "refs", &self->refs },
            { "persons", &self->persons }, { "orgs", &self->orgs },
            { "sources", &self->sources }, { "rejects", &self->rejects },
            { "supersedes", &self->supersedes } };
        for (size_t i = 0; i < sizeof dbs / sizeof dbs[0] && !t.ret; i++) {
            rc = mdb_dbi_open (t.txn, dbs[i].name, MDB_CREATE, dbs[i].dbi);
            if (rc)
                s_fail (&t, "mdb_dbi_open", rc);
        }
    }
    if (s_commit (&t)) {
        snprintf (err, errlen, "%s: cannot open the outbox: %s", dir, self->error);
        goto fail;
    }
    rc = mdb_txn_begin (self->env, NULL, MDB_RDONLY, &self->rtxn);
    if (rc) {
        snprintf (err, errlen, "%s: cannot open the outbox: %s", dir, mdb_strerror (rc));
        goto fail;
    }
    mdb_txn_reset (self->rtxn);
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
    if (self->rtxn)
        mdb_txn_abort (self->rtxn);
    if (self->env)
        mdb_env_close (self->env);
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
    return self->error;
}

//  Stores one new event under SEQ with its ref, source and roster entry.
static void
s_put_event (s_txn_t *t, const ml_outbox_item_t *item, uint64_t seq, const uint8_t sha[32])
{
    ml_outbox_t *ob = t->ob;
    uint8_t key[8], refval[8 + 32];
    s_be_put (key, seq);
    memcpy (refval, key, 8);
    memcpy (refval + 8, sha, 32);
    s_put (t, ob->events, "mdb_put events", key, 8, item->data, item->len, MDB_APPEND);
    s_put (t, ob->refs, "mdb_put refs", item->ref, strlen (item->ref), refval, sizeof refval, 0);
    const char *source = item->source ? item->source : "";
    s_put (t, ob->sources, "mdb_put sources", key, 8, source, strlen (source) + 1, MDB_APPEND);
    if (item->person && *item->person)
        s_put (t, ob->persons, "mdb_put persons", item->person, strlen (item->person), key, 8, 0);
    if (item->org && *item->org)
        s_put (t, ob->orgs, "mdb_put orgs", item->org, strlen (item->org), key, 8, 0);
    if (item->supersedes && *item->supersedes) {
        size_t tlen = strlen (item->supersedes);
        uint8_t skey[256 + 1 + 8];
        if (tlen > 256) {
            s_fail (t, "mdb_put supersedes", MDB_BAD_VALSIZE);
            return;
        }
        memcpy (skey, item->supersedes, tlen);
        skey[tlen] = 0;
        memcpy (skey + tlen + 1, key, 8);
        s_put (t, ob->supersedes, "mdb_put supersedes", skey, tlen + 9, item->voids ? "v" : "c", 1, 0);
    }
}

//  True when the collector rejected the event SEQ.
static bool
s_rejected (s_txn_t *t, uint64_t seq)
{
    uint8_t key[8];
    s_be_put (key, seq);
    MDB_val v;
    return s_get (t, t->ob->rejects, "mdb_get rejects", key, 8, &v);
}

int
ml_outbox_append (ml_outbox_t *self, ml_outbox_item_t *items, size_t count, bool dry_run)
{
    for (size_t i = 0; i < count; i++)
        if (!items[i].ref || !*items[i].ref || strlen (items[i].ref) > 255) {
            snprintf (self->error, sizeof self->error, "item %zu: missing or overlong ref", i);
            return ML_EINVAL;
        }
    //  new_idx[k] is the index of the item that got seq first + k: finds in-call duplicates
    size_t *new_idx = malloc ((count ? count : 1) * sizeof *new_idx);
    if (!new_idx)
        return ML_ENOMEM;
    s_txn_t t;
    s_begin (self, &t);
    uint64_t first = s_meta_get (&t, "next_seq", 1), next = first;
    size_t n_new = 0;
    bool conflict = false;
    for (size_t i = 0; i < count && !t.ret; i++) {
        ml_outbox_item_t *item = &items[i];
        uint8_t sha[32];
        ml_sha256 (item->data, item->len, sha);
        item->same_as = -1;
        MDB_val v;
        if (s_get (&t, self->refs, "mdb_get refs", item->ref, strlen (item->ref), &v)
        &&  v.mv_size == 8 + 32) {
            item->seq = s_be_get (v.mv_data);
            item->status = memcmp ((uint8_t *) v.mv_data + 8, sha, 32) == 0? ML_EDUP: ML_ECONFLICT;
            if (item->seq >= first && item->seq < next)
                item->same_as = (long) new_idx[item->seq - first];
            //  the fixed version of an event the collector rejected takes over its ref
            bool fixes = item->status == ML_ECONFLICT && item->same_as < 0 && s_rejected (&t, item->seq);
            if (!fixes) {
                conflict |= item->status == ML_ECONFLICT;
                continue;
            }
        }
        item->status = 0;
        item->seq = next++;
        new_idx[n_new++] = i;
        s_put_event (&t, item, item->seq, sha);
    }
    free (new_idx);
    if (next != first)
        s_meta_put (&t, "next_seq", next);
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
    MDB_cursor *cur;
    int rc = mdb_cursor_open (t.txn, self->events, &cur);
    if (rc) {
        s_fail (&t, "mdb_cursor_open", rc);
        s_read_end (&t);
        return t.ret;
    }
    uint8_t key[8];
    s_be_put (key, from);
    MDB_val k = { 8, key }, v;
    size_t n = 0;
    rc = mdb_cursor_get (cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && n < max) {
        self->entries[n++] = (ml_outbox_entry_t) { s_be_get (k.mv_data), v.mv_data, v.mv_size };
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    int ret;
    if (rc && rc != MDB_NOTFOUND) {
        s_fail (&t, "mdb_cursor_get events", rc);
        ret = t.ret;
    }
    else
        ret = fn (self->entries, n, arg);
    s_read_end (&t);
    return ret;
}

//  The ref of the stored event SEQ, written into BUF ("" when unknown).
static const char *
s_ref_of (s_txn_t *t, uint64_t seq, char *buf, size_t len)
{
    uint8_t key[8];
    s_be_put (key, seq);
    MDB_val v;
    buf[0] = 0;
    if (s_get (t, t->ob->events, "mdb_get events", key, 8, &v)) {
        Massline__Event *ev = massline__event__unpack (NULL, v.mv_size, v.mv_data);
        if (ev && ev->ref)
            snprintf (buf, len, "%s", ev->ref);
        if (ev)
            massline__event__free_unpacked (ev, NULL);
    }
    return buf;
}

int
ml_outbox_ack (ml_outbox_t *self, uint64_t through, const ml_outbox_reject_t *rejects,
               size_t count, int64_t now)
{
    s_txn_t t;
    s_begin (self, &t);
    if (through > s_meta_get (&t, "acked_seq", 0))
        s_meta_put (&t, "acked_seq", through);
    for (size_t i = 0; i < count; i++) {
        const ml_outbox_reject_t *r = &rejects[i];
        char refbuf[256];
        const char *ref = r->ref && *r->ref ? r->ref : s_ref_of (&t, r->seq, refbuf, sizeof refbuf);
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
        s_put (&t, self->rejects, "mdb_put rejects", key, 8, val, lc + lr + lf, 0);
        free (val);
    }
    s_meta_put (&t, "last_contact", (uint64_t) now);
    return s_commit (&t);
}

//  Moves the seq in the last 8 bytes of every key of DBI up by OFFSET, keeping the values (and
//  the order, so the keys go back with MDB_APPEND).
static void
s_shift_keys (s_txn_t *t, MDB_dbi dbi, uint64_t offset)
{
    uint64_t n = s_entries (t, dbi);
    MDB_cursor *cur = NULL;
    MDB_val *keys = calloc (n ? n : 1, sizeof *keys);
    MDB_val *vals = calloc (n ? n : 1, sizeof *vals);
    size_t got = 0;
    int rc = !keys || !vals ? ENOMEM : t->ret ? 0 : mdb_cursor_open (t->txn, dbi, &cur);
    if (rc)
        s_fail (t, "renumber", rc);
    if (cur) {
        //  copy out first: keys and values live in pages the drop below frees
        MDB_val k, v;
        for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0 && got < n;
             rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
            if (k.mv_size < 8)
                continue;
            keys[got] = (MDB_val) { k.mv_size, malloc (k.mv_size) };
            vals[got] = (MDB_val) { v.mv_size, malloc (v.mv_size ? v.mv_size : 1) };
            if (!keys[got].mv_data || !vals[got].mv_data) {
                free (keys[got].mv_data);
                free (vals[got].mv_data);
                s_fail (t, "renumber", ENOMEM);
                break;
            }
            memcpy (keys[got].mv_data, k.mv_data, k.mv_size);
            memcpy (vals[got++].mv_data, v.mv_data, v.mv_size);
        }
        mdb_cursor_close (cur);
        if (rc && rc != MDB_NOTFOUND)
            s_fail (t, "mdb_cursor_get", rc);
        if (!t->ret && (rc = mdb_drop (t->txn, dbi, 0)))
            s_fail (t, "mdb_drop", rc);
    }
    for (size_t i = 0; i < got; i++) {
        uint8_t *seq = (uint8_t *) keys[i].mv_data + keys[i].mv_size - 8;
        s_be_put (seq, s_be_get (seq) + offset);
        s_put (t, dbi, "mdb_put renumber", keys[i].mv_data, keys[i].mv_size,
               vals[i].mv_data, vals[i].mv_size, MDB_APPEND);
        free (keys[i].mv_data);
        free (vals[i].mv_data);
    }
    free (keys);
    free (vals);
}

//  Adds OFFSET to the seq in the first 8 bytes of every value of DBI.
static void
s_shift_values (s_txn_t *t, MDB_dbi dbi, uint64_t offset)
{
    MDB_cursor *cur;
    if (t->ret)
        return;
    int rc = mdb_cursor_open (t->txn, dbi, &cur);
    if (rc) {
        s_fail (t, "mdb_cursor_open", rc);
        return;
    }
    MDB_val k, v;
    for (rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT)) {
        if (v.mv_size < 8)
            continue;
        uint8_t *val = malloc (v.mv_size);
        if (!val) {
            rc = ENOMEM;
            break;
        }
        memcpy (val, v.mv_data, v.mv_size);
        s_be_put (val, s_be_get (val) + offset);
        MDB_val nv = { v.mv_size, val };
        rc = mdb_cursor_put (cur, &k, &nv, MDB_CURRENT);
        free (val);
        if (rc)
            break;
    }
    mdb_cursor_close (cur);
    if (rc && rc != MDB_NOTFOUND)
        s_fail (t, "renumber", rc);
}

int
ml_outbox_adopt (ml_outbox_t *self, uint64_t next_seq)
{
    s_txn_t t;
    s_begin (self, &t);
    uint64_t events = s_entries (&t, self->events);
    bool contact = s_meta_get (&t, "last_contact", 0) || s_meta_get (&t, "acked_seq", 0);
    uint64_t next = s_meta_get (&t, "next_seq", 1);
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
        s_meta_put (&t, "renumbered", s_meta_get (&t, "renumbered", 0) + offset);
    }
    else
        next = next_seq;
    s_meta_put (&t, "next_seq", next);
    s_meta_put (&t, "acked_seq", next_seq - 1);
    return s_commit (&t);
}

int
ml_outbox_stat (ml_outbox_t *self, ml_outbox_stat_t *stat)
{
    s_txn_t t;
    if (s_read_begin (self, &t))
        return t.ret;
    memset (stat, 0, sizeof *stat);
    stat->next_seq = s_meta_get (&t, "next_seq", 1);
    stat->acked_seq = s_meta_get (&t, "acked_seq", 0);
    stat->last_contact = (int64_t) s_meta_get (&t, "last_contact", 0);
    stat->renumbered = s_meta_get (&t, "renumbered", 0);
    stat->events = s_entries (&t, self->events);
    stat->rejected = s_entries (&t, self->rejects);
    s_read_end (&t);
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
    MDB_cursor *cur;
    int rc = mdb_cursor_open (t.txn, self->rejects, &cur);
    if (rc) {
        s_fail (&t, "mdb_cursor_open", rc);
        s_read_end (&t);
        return t.ret;
    }
    MDB_val k, v;
    int ret = 0;
    rc = mdb_cursor_get (cur, &k, &v, MDB_FIRST);
    while (rc == 0 && ret == 0) {
        //  the value is three NUL-terminated strings; refuse anything else
        const char *p = v.mv_data, *end = p + v.mv_size;
        const char *parts[3] = { "", "", "" };
        for (int i = 0; i < 3 && p < end; i++) {
            const char *nul = memchr (p, 0, (size_t) (end - p));
            if (!nul)
                break;
            parts[i] = p;
            p = nul + 1;
        }
        ml_outbox_reject_t r = { s_be_get (k.mv_data), parts[0], parts[1], parts[2], NULL, 0 };
        MDB_val src;
        if (s_get (&t, self->sources, "mdb_get sources", k.mv_data, 8, &src)
        &&  src.mv_size > 0 && ((char *) src.mv_data)[src.mv_size - 1] == 0)
            r.source = src.mv_data;
        MDB_val refval;
        if (*r.ref && s_get (&t, self->refs, "mdb_get refs", r.ref, strlen (r.ref), &refval)
        &&  refval.mv_size == 8 + 32 && s_be_get (refval.mv_data) != r.seq)
            r.replaced_by = s_be_get (refval.mv_data);
        ret = fn (&r, arg);
        rc = mdb_cursor_get (cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close (cur);
    if (rc && rc != MDB_NOTFOUND && ret == 0) {
        s_fail (&t, "mdb_cursor_get rejects", rc);
        ret = t.ret;
    }
    s_read_end (&t);
    return ret;
}

static bool
s_has (ml_outbox_t *self, MDB_dbi dbi, const char *id)
{
    s_txn_t t;
    if (!id || !*id || s_read_begin (self, &t))
        return false;
    MDB_val v;
    bool found = s_get (&t, dbi, "mdb_get roster", id, strlen (id), &v);
    s_read_end (&t);
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
s_load (s_txn_t *t, uint64_t seq, bool *bad)
{
    uint8_t key[8];
    s_be_put (key, seq);
    MDB_val v;
    *bad = false;
    if (!s_get (t, t->ob->events, "mdb_get events", key, 8, &v))
        return NULL;
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (v.mv_data, v.mv_size, &verr);
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
    *ev_p = s_load (&t, seq, &bad);
    s_read_end (&t);
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
    MDB_cursor *cur = NULL;
    MDB_val val;
    if (!s_get (&t, self->refs, "mdb_get refs", ref, rlen, &val) || val.mv_size != 8 + 32)
        goto done;
    v->seq = v->version_seq = s_be_get (val.mv_data);
    v->rejected = s_rejected (&t, v->seq);
    snprintf (v->version_ref, sizeof v->version_ref, "%s", ref);
    bool bad;
    ret = ML_EINVAL;
    if (!(version = s_load (&t, v->seq, &bad)))
        goto done;
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
    int rc = mdb_cursor_open (t.txn, self->supersedes, &cur);
    if (rc) {
        s_fail (&t, "mdb_cursor_open", rc);
        goto done;
    }
    MDB_val k = { rlen + 1, prefix };
    for (rc = mdb_cursor_get (cur, &k, &val, MDB_SET_RANGE); rc == 0 && !v->voided;
         rc = mdb_cursor_get (cur, &k, &val, MDB_NEXT)) {
        if (k.mv_size != rlen + 9 || memcmp (k.mv_data, prefix, rlen + 1) != 0)
            break;
        uint64_t seq = s_be_get ((uint8_t *) k.mv_data + rlen + 1);
        if (s_rejected (&t, seq))
            continue;
        if (val.mv_size == 1 && *(char *) val.mv_data == 'v') {
            v->voided = true;
            continue;
        }
        Massline__Event *next = s_load (&t, seq, &bad);
        if (!next || next->body_case != MASSLINE__EVENT__BODY_CORRECTION || !next->correction->event) {
            ml_event_free (&next);
            goto done;
        }
        ml_event_free (&version);
        version = next;
        v->version_seq = seq;
        snprintf (v->version_ref, sizeof v->version_ref, "%s", next->ref ? next->ref : "");
    }
    if (rc && rc != MDB_NOTFOUND) {
        s_fail (&t, "mdb_cursor_get supersedes", rc);
        goto done;
    }
    ret = (*ev_p = s_version_copy (version, ref)) ? 0 : ML_ENOMEM;
done:
    if (cur)
        mdb_cursor_close (cur);
    ml_event_free (&version);
    s_read_end (&t);
    return t.ret ? t.ret : ret;
}
