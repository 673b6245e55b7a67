/* ml_db.h -- the one LMDB layer of massline: environments, transactions that keep their first
   error (after Knot DNS's knot_lmdb_txn_t), thin get/put/del/cursor calls, keys.

   A transaction carries a sticky ret: once a call fails, every later call does nothing and the
   caller checks once, at ml_db_commit. Failures are explained once, in the environment's error
   text ("mdb_txn_commit: short write: No space left on device"), which each thread keeps for
   itself. Values handed out are LMDB's own memory: valid until the transaction ends or writes to
   that database.

   Threads (MDB_NOTLS): any thread may begin a transaction and use it alone; read transactions
   of several threads run side by side and never wait for the one writer, nor it for them.
   Database handles (ml_db_table) must be opened while no other thread opens one. */
#ifndef ML_DB_H
#define ML_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ml_db ml_db_t;
typedef unsigned int ml_db_dbi_t;           //  a named database of an environment

//  A key or a value: LEN bytes at DATA (laid out as LMDB's MDB_val, so nothing is copied).
typedef struct {
    size_t len;
    void *data;
} ml_db_val_t;

//  A transaction. On the caller's stack; the fields are read-only for the caller.
typedef struct {
    ml_db_t *db;
    void *txn;                              //  the LMDB transaction, NULL when none
    int ret;                                //  0 or the first failure as ml_err_t (sticky)
} ml_db_txn_t;

//  A cursor over one database of a transaction.
typedef struct {
    ml_db_txn_t *t;
    void *cur;                              //  the LMDB cursor, NULL when none
    ml_db_dbi_t dbi;
} ml_db_cursor_t;

//  Flags of ml_db_open.
#define ML_DB_RDONLY    0x01                //  open read-only
#define ML_DB_NOSYNC    0x02                //  no fsync at commit (scratch environments)
//  Flags of ml_db_table and ml_db_put.
#define ML_DB_CREATE    0x04                //  ml_db_table: create the database if missing
#define ML_DB_APPEND    0x08                //  ml_db_put: KEY sorts after every key (faster)
#define ML_DB_NOOVERWRITE 0x10              //  ml_db_put: keep an existing KEY, give ML_EEXIST

//  Opens the LMDB environment in the existing folder DIR with a map of MAP_SIZE bytes and room
//  for MAX_DBS named databases. Returns NULL and says why in ERR (short writes explained).
ml_db_t *ml_db_open (const char *dir, size_t map_size, unsigned max_dbs, unsigned flags,
                     char *err, size_t errlen);

//  Closes the environment and sets *SELF_P to NULL. Safe on NULL. Transactions must be gone.
void ml_db_close (ml_db_t **self_p);

//  The folder of the environment (borrowed).
const char *ml_db_dir (const ml_db_t *self);

//  The size of the map in bytes (as another process may have grown it).
size_t ml_db_map_size (ml_db_t *self);

//  The id of the last committed write transaction that a read transaction begun now sees (by any
//  process): it grows with every commit that changed something, so an answer read while it was N
//  is still true while it is N. Read it BEFORE the read transaction whose answer it will label:
//  that one sees this state or a newer one. 0: unknown (a read transaction could not begin).
uint64_t ml_db_generation (ml_db_t *self);

//  The last failure of this thread in SELF, one line ("mdb_put events: MDB_MAP_FULL: ..."); ""
//  when none.
const char *ml_db_error (const ml_db_t *self);

//  Sets this thread's error text (a module's own failure that ml_db_error should give).
void ml_db_set_error (ml_db_t *self, const char *text);

//  Begins a transaction into *T (write: the one writer). When another process grew the map,
//  adopts its size and tries again. Returns T->ret.
int ml_db_begin (ml_db_t *self, ml_db_txn_t *t, bool write);

//  Commits T (a read transaction too: that keeps the database handles it opened), or aborts it
//  when a call failed. Returns the first failure, or 0. T is ended either way.
int ml_db_commit (ml_db_txn_t *t);

//  Discards T. Safe on an ended transaction.
void ml_db_abort (ml_db_txn_t *t);

//  Read transactions kept for reuse: ml_db_reset releases T's snapshot, ml_db_renew takes a new
//  one (and clears T->ret). Returns T->ret.
void ml_db_reset (ml_db_txn_t *t);
int ml_db_renew (ml_db_txn_t *t);

//  Sets T's sticky failure CODE (an ml_err_t) with the text "WHAT", unless T failed already.
void ml_db_fail (ml_db_txn_t *t, int code, const char *what);

//  Opens the database NAME (ML_DB_CREATE: creating it) into *DBI. ML_ENOTFOUND, not sticky, when
//  it does not exist and may not be created; other failures are sticky.
int ml_db_table (ml_db_txn_t *t, const char *name, unsigned flags, ml_db_dbi_t *dbi);

//  Looks KEY up: true and *VAL when found; false when absent or after a failure (T->ret says).
bool ml_db_get (ml_db_txn_t *t, ml_db_dbi_t dbi, const void *key, size_t klen, ml_db_val_t *val);

//  Stores VAL under KEY (FLAGS: ML_DB_APPEND, ML_DB_NOOVERWRITE). Returns 0, ML_EEXIST (not
//  sticky) when NOOVERWRITE finds KEY, or the sticky failure.
int ml_db_put (ml_db_txn_t *t, ml_db_dbi_t dbi, const void *key, size_t klen, const void *val,
               size_t vlen, unsigned flags);

//  Deletes KEY; absent is no failure. True when something was deleted.
bool ml_db_del (ml_db_txn_t *t, ml_db_dbi_t dbi, const void *key, size_t klen);

//  Deletes every entry of DBI (the database stays).
void ml_db_empty (ml_db_txn_t *t, ml_db_dbi_t dbi);

//  The number of entries of DBI (0 after a failure).
uint64_t ml_db_count (ml_db_txn_t *t, ml_db_dbi_t dbi);

//  Compares two keys as DBI orders them (<0, 0, >0).
int ml_db_cmp (ml_db_txn_t *t, ml_db_dbi_t dbi, const ml_db_val_t *a, const ml_db_val_t *b);

//  Opens a cursor over DBI into *C. False after a failure.
bool ml_db_cursor_open (ml_db_txn_t *t, ml_db_dbi_t dbi, ml_db_cursor_t *c);

//  Closes the cursor. Safe when it is not open.
void ml_db_cursor_close (ml_db_cursor_t *c);

//  Moves the cursor and fills K, V: to the first entry; to the next one; to the first entry whose
//  key is >= KEY (KLEN 0: the first entry); to exactly KEY (K untouched). False at the end, when
//  absent, or after a failure (then C->t->ret says).
bool ml_db_first (ml_db_cursor_t *c, ml_db_val_t *k, ml_db_val_t *v);
bool ml_db_next (ml_db_cursor_t *c, ml_db_val_t *k, ml_db_val_t *v);
bool ml_db_seek (ml_db_cursor_t *c, const void *key, size_t klen, ml_db_val_t *k, ml_db_val_t *v);
bool ml_db_find (ml_db_cursor_t *c, const void *key, size_t klen, ml_db_val_t *v);

//  Replaces the value of the entry under the cursor.
void ml_db_cursor_replace (ml_db_cursor_t *c, const ml_db_val_t *k, const void *val, size_t vlen);

//  Called for each entry; a non-zero return stops the walk.
typedef int (ml_db_each_fn) (void *arg, const ml_db_val_t *k, const ml_db_val_t *v);

//  Calls FN for every entry of DBI whose key starts with PREFIX (PLEN bytes, 0: every entry), in
//  key order. Returns FN's non-zero return, or T->ret.
int ml_db_each (ml_db_txn_t *t, ml_db_dbi_t dbi, const void *prefix, size_t plen,
                ml_db_each_fn *fn, void *arg);

//  Translates an LMDB (or errno) return code: map/txn full, ENOSPC, EDQUOT and EFBIG (the file
//  size limit) are ML_EFULL, MDB_NOTFOUND is ML_ENOTFOUND, MDB_KEYEXIST ML_EEXIST.
int ml_db_err (int rc);

//  ---------------------------------------------------------------------------------------------
//  Keys.

//  8-byte big-endian numbers: they sort as numbers.
static inline void
ml_db_be64_put (uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t) v;
}

static inline uint64_t
ml_db_be64_get (const void *data)
{
    const uint8_t *p = data;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

//  Writes the composite key "a\0b" (A of ALEN bytes, B of BLEN) into BUF of CAP bytes. Returns its
//  length, 0 when it does not fit.
size_t ml_db_key2 (uint8_t *buf, size_t cap, const char *a, size_t alen, const char *b, size_t blen);

//  Splits a composite key "a\0b" of LEN bytes: A is KEY (NUL-terminated in the key), *B and
//  *BLEN the rest. False when KEY has no NUL.
bool ml_db_key2_split (const void *key, size_t len, const char **b, size_t *blen);

#endif
