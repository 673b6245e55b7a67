/* ml_db.c -- the one LMDB layer of massline (see ml_db.h): the only file that calls mdb_*. */
#include "ml_db.h"
#include "ml_err.h"

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

//  ml_db_val_t is handed to LMDB as an MDB_val: same layout, no copies.
static_assert (sizeof (ml_db_val_t) == sizeof (MDB_val)
               && offsetof (ml_db_val_t, len) == offsetof (MDB_val, mv_size)
               && offsetof (ml_db_val_t, data) == offsetof (MDB_val, mv_data), "ml_db_val_t is MDB_val");
#define MV(v) ((MDB_val *) (v))

#define NAMES_MAX 64                        //  database handles with a name for messages

struct ml_db {
    MDB_env *env;
    char *dir;
    char names[NAMES_MAX][24];              //  name of each database handle, for messages
};

//  The last failure is kept per thread and environment: the collector's query workers read while
//  its ingest thread writes, and each explains its own failure (ml_db_error). A few slots per
//  thread: a thread rarely uses more than two environments (check: the store and its scratch).
#define ERR_SLOTS 4
static _Thread_local struct {
    const ml_db_t *db;                      //  the environment of this slot, NULL when free
    char text[256];                         //  its last failure, one line
} s_err[ERR_SLOTS];
static _Thread_local unsigned s_err_next;   //  the slot taken next when all are in use

//  This thread's error text of DB; a slot is taken for it when CLAIM (else NULL when none).
static char *
s_error_text (const ml_db_t *db, bool claim)
{
    for (int i = 0; i < ERR_SLOTS; i++)
        if (s_err[i].db == db)
            return s_err[i].text;
    if (!claim)
        return NULL;
    unsigned i = ERR_SLOTS;
    for (unsigned j = 0; j < ERR_SLOTS && i == ERR_SLOTS; j++)
        if (!s_err[j].db)
            i = j;
    if (i == ERR_SLOTS)
        i = s_err_next++ % ERR_SLOTS;
    s_err[i].db = db;
    s_err[i].text[0] = 0;
    return s_err[i].text;
}

int
ml_db_err (int rc)
{
    switch (rc) {
        case 0:             return ML_OK;
        case MDB_NOTFOUND:  return ML_ENOTFOUND;
        case MDB_KEYEXIST:  return ML_EEXIST;
        case MDB_MAP_FULL:
        case MDB_TXN_FULL:
        case ENOSPC:
        case EDQUOT:
        case EFBIG:         return ML_EFULL;     //  the file size limit (ulimit -f)
        case ENOMEM:        return ML_ENOMEM;
        default:            return ML_EIO;
    }
}

// ---------------------------------------------------------------------------
// Explaining failures.

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

//  Records the LMDB failure RC of OP (on database DBI, or none when DBI is NAMES_MAX) in T.
static void
s_fail (ml_db_txn_t *t, const char *op, ml_db_dbi_t dbi, int rc)
{
    if (t->ret)
        return;
    char why[192];
    rc = s_explain (t->db->dir, rc, why, sizeof why);
    t->ret = ml_db_err (rc);
    if (t->ret == ML_EEXIST || t->ret == ML_ENOTFOUND)
        t->ret = ML_EIO;                    //  as a failure, these are the store's inconsistency
    const char *name = dbi < NAMES_MAX ? t->db->names[dbi] : "";
    snprintf (s_error_text (t->db, true), sizeof s_err[0].text, "%s%s%s: %s", op, *name ? " " : "",
              name, why);
}

void
ml_db_fail (ml_db_txn_t *t, int code, const char *what)
{
    if (t->ret)
        return;
    t->ret = code;
    snprintf (s_error_text (t->db, true), sizeof s_err[0].text, "%s", what);
}

// ---------------------------------------------------------------------------
// Environments and transactions.

ml_db_t *
ml_db_open (const char *dir, size_t map_size, unsigned max_dbs, unsigned flags,
            char *err, size_t errlen)
{
    ml_db_t *self = calloc (1, sizeof *self);
    if (!self || !(self->dir = strdup (dir))) {
        snprintf (err, errlen, "out of memory");
        free (self);
        return NULL;
    }
    unsigned mflags = MDB_NOTLS;
    if (flags & ML_DB_RDONLY)
        mflags |= MDB_RDONLY;
    if (flags & ML_DB_NOSYNC)
        mflags |= MDB_NOSYNC | MDB_NOMETASYNC;
    int rc = mdb_env_create (&self->env);
    if (!rc)
        rc = mdb_env_set_maxdbs (self->env, max_dbs);
    if (!rc)
        rc = mdb_env_set_mapsize (self->env, map_size);
    if (!rc)
        rc = mdb_env_open (self->env, dir, mflags, 0600);
    if (rc) {
        s_explain (dir, rc, err, errlen);
        ml_db_close (&self);
    }
    return self;
}

void
ml_db_close (ml_db_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_db_t *self = *self_p;
    for (int i = 0; i < ERR_SLOTS; i++)     //  this thread's slot; another thread's is reused
        if (s_err[i].db == self)
            s_err[i].db = NULL;
    if (self->env)
        mdb_env_close (self->env);
    free (self->dir);
    free (self);
    *self_p = NULL;
}

const char *
ml_db_dir (const ml_db_t *self)
{
    return self->dir;
}

size_t
ml_db_map_size (ml_db_t *self)
{
    MDB_envinfo info;
    return mdb_env_info (self->env, &info) == 0 ? info.me_mapsize : 0;
}

uint64_t
ml_db_generation (ml_db_t *self)
{
    //  Not mdb_env_info's me_last_txnid: a commit writes the meta page (and waits for the disk)
    //  before it lets new readers see it, so for that while the meta is ahead of what a read
    //  transaction begun now sees, and an answer computed from the older state would be labelled
    //  with the newer generation. The id of a read transaction is what readers see.
    MDB_txn *txn;
    if (mdb_txn_begin (self->env, NULL, MDB_RDONLY, &txn) != 0)
        return 0;
    uint64_t id = (uint64_t) mdb_txn_id (txn);
    mdb_txn_abort (txn);
    return id;
}

const char *
ml_db_error (const ml_db_t *self)
{
    const char *text = s_error_text (self, false);
    return text ? text : "";
}

void
ml_db_set_error (ml_db_t *self, const char *text)
{
    char *slot = s_error_text (self, *text != 0);
    if (slot)
        snprintf (slot, sizeof s_err[0].text, "%s", text);
}

int
ml_db_begin (ml_db_t *self, ml_db_txn_t *t, bool write)
{
    *t = (ml_db_txn_t) { .db = self };
    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin (self->env, NULL, write ? 0 : MDB_RDONLY, &txn);
    if (rc == MDB_MAP_RESIZED) {
        //  another process grew the map: adopt its size and try again
        mdb_env_set_mapsize (self->env, 0);
        rc = mdb_txn_begin (self->env, NULL, write ? 0 : MDB_RDONLY, &txn);
    }
    if (rc)
        s_fail (t, "mdb_txn_begin", NAMES_MAX, rc);
    else
        t->txn = txn;
    return t->ret;
}

int
ml_db_commit (ml_db_txn_t *t)
{
    if (!t->txn)
        return t->ret;
    if (t->ret)
        mdb_txn_abort (t->txn);
    else {
        int rc = mdb_txn_commit (t->txn);   //  frees the txn even when it fails
        if (rc)
            s_fail (t, "mdb_txn_commit", NAMES_MAX, rc);
    }
    t->txn = NULL;
    return t->ret;
}

void
ml_db_abort (ml_db_txn_t *t)
{
    if (t->txn)
        mdb_txn_abort (t->txn);
    t->txn = NULL;
}

void
ml_db_reset (ml_db_txn_t *t)
{
    if (t->txn)
        mdb_txn_reset (t->txn);
}

int
ml_db_renew (ml_db_txn_t *t)
{
    t->ret = 0;
    int rc = mdb_txn_renew (t->txn);
    if (rc == MDB_MAP_RESIZED) {
        mdb_env_set_mapsize (t->db->env, 0);
        rc = mdb_txn_renew (t->txn);
    }
    if (rc)
        s_fail (t, "mdb_txn_renew", NAMES_MAX, rc);
    return t->ret;
}

int
ml_db_table (ml_db_txn_t *t, const char *name, unsigned flags, ml_db_dbi_t *dbi)
{
    if (t->ret)
        return t->ret;
    MDB_dbi d;
    int rc = mdb_dbi_open (t->txn, name, flags & ML_DB_CREATE ? MDB_CREATE : 0, &d);
    if (rc == MDB_NOTFOUND)
        return ML_ENOTFOUND;
    if (rc) {
        s_fail (t, "mdb_dbi_open", NAMES_MAX, rc);
        return t->ret;
    }
    if (d < NAMES_MAX)
        snprintf (t->db->names[d], sizeof t->db->names[d], "%s", name ? name : "");
    *dbi = d;
    return 0;
}

// ---------------------------------------------------------------------------
// Entries.

bool
ml_db_get (ml_db_txn_t *t, ml_db_dbi_t dbi, const void *key, size_t klen, ml_db_val_t *val)
{
    if (t->ret)
        return false;
    MDB_val k = { klen, (void *) key };
    int rc = mdb_get (t->txn, dbi, &k, MV (val));
    if (rc && rc != MDB_NOTFOUND)
        s_fail (t, "mdb_get", dbi, rc);
    return rc == 0;
}

int
ml_db_put (ml_db_txn_t *t, ml_db_dbi_t dbi, const void *key, size_t klen, const void *val,
           size_t vlen, unsigned flags)
{
    if (t->ret)
        return t->ret;
    MDB_val k = { klen, (void *) key }, v = { vlen, (void *) val };
    unsigned mflags = (flags & ML_DB_APPEND ? MDB_APPEND : 0)
                    | (flags & ML_DB_NOOVERWRITE ? MDB_NOOVERWRITE : 0);
    int rc = mdb_put (t->txn, dbi, &k, &v, mflags);
    if (rc == MDB_KEYEXIST && (flags & ML_DB_NOOVERWRITE))
        return ML_EEXIST;
    if (rc)
        s_fail (t, "mdb_put", dbi, rc);
    return t->ret;
}

bool
ml_db_del (ml_db_txn_t *t, ml_db_dbi_t dbi, const void *key, size_t klen)
{
    if (t->ret)
        return false;
    MDB_val k = { klen, (void *) key };
    int rc = mdb_del (t->txn, dbi, &k, NULL);
    if (rc && rc != MDB_NOTFOUND)
        s_fail (t, "mdb_del", dbi, rc);
    return rc == 0;
}

void
ml_db_empty (ml_db_txn_t *t, ml_db_dbi_t dbi)
{
    if (t->ret)
        return;
    int rc = mdb_drop (t->txn, dbi, 0);
    if (rc)
        s_fail (t, "mdb_drop", dbi, rc);
}

uint64_t
ml_db_count (ml_db_txn_t *t, ml_db_dbi_t dbi)
{
    MDB_stat st;
    if (t->ret)
        return 0;
    int rc = mdb_stat (t->txn, dbi, &st);
    if (rc) {
        s_fail (t, "mdb_stat", dbi, rc);
        return 0;
    }
    return st.ms_entries;
}

int
ml_db_cmp (ml_db_txn_t *t, ml_db_dbi_t dbi, const ml_db_val_t *a, const ml_db_val_t *b)
{
    return mdb_cmp (t->txn, dbi, MV (a), MV (b));
}

// ---------------------------------------------------------------------------
// Cursors.

bool
ml_db_cursor_open (ml_db_txn_t *t, ml_db_dbi_t dbi, ml_db_cursor_t *c)
{
    *c = (ml_db_cursor_t) { .t = t, .dbi = dbi };
    if (t->ret)
        return false;
    MDB_cursor *cur;
    int rc = mdb_cursor_open (t->txn, dbi, &cur);
    if (rc) {
        s_fail (t, "mdb_cursor_open", dbi, rc);
        return false;
    }
    c->cur = cur;
    return true;
}

void
ml_db_cursor_close (ml_db_cursor_t *c)
{
    if (c->cur)
        mdb_cursor_close (c->cur);
    c->cur = NULL;
}

//  One cursor move: true when it landed, false at the end or after a failure.
static inline bool
s_move (ml_db_cursor_t *c, MDB_val *k, MDB_val *v, MDB_cursor_op op)
{
    if (c->t->ret || !c->cur)
        return false;
    int rc = mdb_cursor_get (c->cur, k, v, op);
    if (rc && rc != MDB_NOTFOUND)
        s_fail (c->t, "mdb_cursor_get", c->dbi, rc);
    return rc == 0;
}

bool
ml_db_first (ml_db_cursor_t *c, ml_db_val_t *k, ml_db_val_t *v)
{
    return s_move (c, MV (k), MV (v), MDB_FIRST);
}

bool
ml_db_next (ml_db_cursor_t *c, ml_db_val_t *k, ml_db_val_t *v)
{
    return s_move (c, MV (k), MV (v), MDB_NEXT);
}

bool
ml_db_seek (ml_db_cursor_t *c, const void *key, size_t klen, ml_db_val_t *k, ml_db_val_t *v)
{
    if (!klen)
        return s_move (c, MV (k), MV (v), MDB_FIRST);
    *k = (ml_db_val_t) { klen, (void *) key };
    return s_move (c, MV (k), MV (v), MDB_SET_RANGE);
}

bool
ml_db_find (ml_db_cursor_t *c, const void *key, size_t klen, ml_db_val_t *v)
{
    MDB_val k = { klen, (void *) key };
    return s_move (c, &k, MV (v), MDB_SET);
}

void
ml_db_cursor_replace (ml_db_cursor_t *c, const ml_db_val_t *k, const void *val, size_t vlen)
{
    if (c->t->ret)
        return;
    MDB_val v = { vlen, (void *) val };
    int rc = mdb_cursor_put (c->cur, MV (k), &v, MDB_CURRENT);
    if (rc)
        s_fail (c->t, "mdb_cursor_put", c->dbi, rc);
}

int
ml_db_each (ml_db_txn_t *t, ml_db_dbi_t dbi, const void *prefix, size_t plen,
            ml_db_each_fn *fn, void *arg)
{
    ml_db_cursor_t c;
    if (!ml_db_cursor_open (t, dbi, &c))
        return t->ret;
    ml_db_val_t k, v;
    int ret = 0;
    for (bool ok = ml_db_seek (&c, prefix, plen, &k, &v); ok && !ret; ok = ml_db_next (&c, &k, &v)) {
        if (plen && (k.len < plen || memcmp (k.data, prefix, plen) != 0))
            break;                      //  (memcmp may not take a NULL prefix, even for 0 bytes)
        ret = fn (arg, &k, &v);
    }
    ml_db_cursor_close (&c);
    return ret ? ret : t->ret;
}

// ---------------------------------------------------------------------------
// Keys.

size_t
ml_db_key2 (uint8_t *buf, size_t cap, const char *a, size_t alen, const char *b, size_t blen)
{
    if (alen + 1 + blen > cap)
        return 0;
    memcpy (buf, a, alen);
    buf[alen] = 0;
    memcpy (buf + alen + 1, b, blen);
    return alen + 1 + blen;
}

bool
ml_db_key2_split (const void *key, size_t len, const char **b, size_t *blen)
{
    const char *k = key;
    size_t alen = strnlen (k, len);
    if (alen >= len)
        return false;
    *b = k + alen + 1;
    *blen = len - alen - 1;
    return true;
}
