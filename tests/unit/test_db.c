/* test_db.c -- the one LMDB layer: sticky first error, commit giving it back, map full, the map
   grown by another handle, keys, and a short write explained. Real LMDB in a temp dir. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ml_db.h"
#include "ml_err.h"
#include "ml_test.h"

TestSuite (db, .init = t_dir_setup, .fini = t_dir_teardown);

static ml_db_t *
s_open (size_t map_size)
{
    char err[256] = "";
    ml_db_t *db = ml_db_open (t_dir (), map_size, 4, 0, err, sizeof err);
    cr_assert_not_null (db, "open: %s", err);
    return db;
}

//  Opens (creating) table "t" in a committed transaction.
static ml_db_dbi_t
s_table (ml_db_t *db)
{
    ml_db_txn_t t;
    ml_db_dbi_t dbi = 0;
    cr_assert_eq (ml_db_begin (db, &t, true), 0);
    cr_assert_eq (ml_db_table (&t, "t", ML_DB_CREATE, &dbi), 0);
    cr_assert_eq (ml_db_commit (&t), 0);
    return dbi;
}

Test (db, the_first_error_sticks_and_commit_returns_it)
{
    ml_db_t *db = s_open (1 << 20);
    ml_db_dbi_t dbi = s_table (db);
    ml_db_txn_t t;
    cr_assert_eq (ml_db_begin (db, &t, true), 0);
    cr_assert_eq (ml_db_put (&t, dbi, "a", 1, "1", 1, 0), 0);
    //  an empty key is refused by LMDB: the first failure
    cr_assert_eq (ml_db_put (&t, dbi, "", 0, "x", 1, 0), ML_EIO);
    cr_assert_str_eq (ml_db_error (db), "mdb_put t: MDB_BAD_VALSIZE: Unsupported size of key/DB name/data, or wrong DUPFIXED size");
    //  every later call is a no-op
    cr_assert_eq (ml_db_put (&t, dbi, "b", 1, "2", 1, 0), ML_EIO);
    ml_db_val_t v;
    cr_assert_not (ml_db_get (&t, dbi, "a", 1, &v));
    ml_db_fail (&t, ML_ENOMEM, "later");
    cr_assert_eq (t.ret, ML_EIO, "the first error stays");
    cr_assert_eq (ml_db_commit (&t), ML_EIO);
    cr_assert_null (t.txn);

    //  nothing of it was committed
    cr_assert_eq (ml_db_begin (db, &t, false), 0);
    cr_assert_not (ml_db_get (&t, dbi, "a", 1, &v));
    cr_assert_eq (t.ret, 0, "absent is no failure");
    ml_db_abort (&t);
    ml_db_close (&db);
    cr_assert_null (db);
}

Test (db, put_get_del_walk_and_nooverwrite)
{
    ml_db_t *db = s_open (1 << 20);
    ml_db_dbi_t dbi = s_table (db);
    ml_db_txn_t t;
    cr_assert_eq (ml_db_begin (db, &t, true), 0);
    const char *keys[] = { "a\0x", "b\0y", "b\0z", "c" };
    size_t lens[] = { 3, 3, 3, 1 };
    for (int i = 0; i < 4; i++)
        cr_assert_eq (ml_db_put (&t, dbi, keys[i], lens[i], "v", 1, ML_DB_APPEND), 0);
    cr_assert_eq (ml_db_put (&t, dbi, "c", 1, "w", 1, ML_DB_NOOVERWRITE), ML_EEXIST);
    cr_assert_eq (t.ret, 0, "ML_EEXIST is not sticky");
    cr_assert_eq (ml_db_count (&t, dbi), 4);
    char seen[64] = "";
    ml_db_cursor_t c;
    cr_assert (ml_db_cursor_open (&t, dbi, &c));
    ml_db_val_t k, v;
    for (bool ok = ml_db_seek (&c, "b", 2, &k, &v); ok; ok = ml_db_next (&c, &k, &v)) {
        const char *b;
        size_t blen;
        if (ml_db_key2_split (k.data, k.len, &b, &blen))
            strncat (seen, b, blen);
    }
    ml_db_cursor_close (&c);
    cr_assert_str_eq (seen, "yz", "from b\\0 on, the composite keys' second parts");
    cr_assert (ml_db_del (&t, dbi, "c", 1));
    cr_assert_not (ml_db_del (&t, dbi, "c", 1));
    cr_assert_eq (ml_db_commit (&t), 0);
    ml_db_close (&db);
}

Test (db, map_full_is_storage_full)
{
    ml_db_t *db = s_open (64 << 10);
    ml_db_dbi_t dbi = s_table (db);
    ml_db_txn_t t;
    cr_assert_eq (ml_db_begin (db, &t, true), 0);
    static char big[2000];
    uint8_t key[8];
    for (uint64_t i = 0; i < 1000 && !t.ret; i++) {
        ml_db_be64_put (key, i);
        ml_db_put (&t, dbi, key, 8, big, sizeof big, ML_DB_APPEND);
    }
    cr_assert_eq (t.ret, ML_EFULL);
    cr_assert (strstr (ml_db_error (db), "MDB_MAP_FULL"), "%s", ml_db_error (db));
    cr_assert_eq (ml_db_commit (&t), ML_EFULL);
    ml_db_close (&db);
}

Test (db, a_map_grown_elsewhere_is_adopted)
{
    ml_db_t *a = s_open (64 << 10);
    ml_db_dbi_t dbi = s_table (a);
    //  another process, with a bigger map, writes more than A's map holds
    static char big[2000];
    uint8_t key[8];
    ml_db_txn_t t;
    pid_t pid = fork ();
    cr_assert (pid >= 0);
    if (pid == 0) {
        ml_db_t *b = s_open (4 << 20);
        bool ok = ml_db_begin (b, &t, true) == 0
               && ml_db_table (&t, "t", 0, &dbi) == 0;
        for (uint64_t i = 0; i < 500 && ok; i++) {
            ml_db_be64_put (key, i);
            ok = ml_db_put (&t, dbi, key, 8, big, sizeof big, ML_DB_APPEND) == 0;
        }
        ok = ok && ml_db_commit (&t) == 0;
        ml_db_close (&b);
        _exit (ok ? 0 : 1);
    }
    int status;
    cr_assert_eq (waitpid (pid, &status, 0), pid);
    cr_assert (WIFEXITED (status) && WEXITSTATUS (status) == 0, "the other process failed");
    //  A begins after the growth: LMDB says MDB_MAP_RESIZED, ml_db adopts the size and goes on
    cr_assert_eq (ml_db_begin (a, &t, true), 0, "%s", ml_db_error (a));
    cr_assert_eq (ml_db_count (&t, dbi), 500);
    ml_db_be64_put (key, 500);
    cr_assert_eq (ml_db_put (&t, dbi, key, 8, big, sizeof big, ML_DB_APPEND), 0);
    cr_assert_eq (ml_db_commit (&t), 0);
    ml_db_close (&a);
}

Test (db, keys)
{
    uint8_t be[8];
    ml_db_be64_put (be, 0x0102030405060708ULL);
    cr_assert (memcmp (be, "\x01\x02\x03\x04\x05\x06\x07\x08", 8) == 0);
    cr_assert_eq (ml_db_be64_get (be), 0x0102030405060708ULL);
    uint8_t a[8], b[8];
    ml_db_be64_put (a, 255);
    ml_db_be64_put (b, 256);
    cr_assert_lt (memcmp (a, b, 8), 0, "big-endian numbers sort as numbers");
    uint8_t key[16];
    cr_assert_eq (ml_db_key2 (key, sizeof key, "H001", 4, "T1", 2), 7);
    cr_assert (memcmp (key, "H001\0T1", 7) == 0);
    cr_assert_eq (ml_db_key2 (key, 6, "H001", 4, "T1", 2), 0, "does not fit");
    const char *rest;
    size_t rlen;
    cr_assert (ml_db_key2_split (key, 7, &rest, &rlen));
    cr_assert_eq (rlen, 2);
    cr_assert (memcmp (rest, "T1", 2) == 0);
    cr_assert_not (ml_db_key2_split ("H001", 4, &rest, &rlen));
}

//  A commit that crosses the file size limit comes up short (LMDB: a bare EIO); ml_db says why.
//  In a child, so the limit does not touch the test runner.
Test (db, a_short_write_is_explained)
{
    ml_db_t *db = s_open (64 << 20);
    ml_db_dbi_t dbi = s_table (db);
    const char *path = t_path ("data.mdb");
    struct stat st;
    cr_assert_eq (stat (path, &st), 0);
    struct rlimit rl;
    cr_assert_eq (getrlimit (RLIMIT_FSIZE, &rl), 0);
    rl.rlim_cur = (rlim_t) st.st_size + 2048;
    cr_assert (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= rl.rlim_cur);
    signal (SIGXFSZ, SIG_IGN);
    cr_assert_eq (setrlimit (RLIMIT_FSIZE, &rl), 0);
    ml_db_txn_t t;
    cr_assert_eq (ml_db_begin (db, &t, true), 0);
    static char big[3000];
    uint8_t key[8];
    for (uint64_t i = 0; i < 40; i++) {
        ml_db_be64_put (key, i);
        ml_db_put (&t, dbi, key, 8, big, sizeof big, ML_DB_APPEND);
    }
    int rc = ml_db_commit (&t);
    struct rlimit none = { RLIM_INFINITY, RLIM_INFINITY };
    none.rlim_max = rl.rlim_max;
    none.rlim_cur = rl.rlim_max;
    setrlimit (RLIMIT_FSIZE, &none);
    cr_assert_eq (rc, ML_EFULL, "the file size limit is storage full (%s)", ml_db_error (db));
    char want[160];
    snprintf (want, sizeof want, "mdb_txn_commit: short write: File too large: data.mdb reached "
              "the file size limit of %llu bytes", (unsigned long long) rl.rlim_cur);
    cr_assert_str_eq (ml_db_error (db), want);
    ml_db_close (&db);
}
