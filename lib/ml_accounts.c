/* ml_accounts.c -- accounts, sessions, login throttling and the audit log of the web programs,
   in their own LMDB environment. Records are small JSON objects. */
#include "ml_accounts.h"
#include "ml_db.h"
#include "ml_err.h"
#include "ml_log.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define S_MAP_SIZE (256u << 20)
#define S_SEEN_STEP 60                  //  a session's last use is written at most once a minute

enum { T_ACCOUNTS, T_SESSIONS, T_THROTTLE, T_AUDIT, T_COUNT };
static const char *s_tables[T_COUNT] = { "accounts", "sessions", "throttle", "audit" };

struct ml_accounts {
    ml_db_t *db;
    ml_db_dbi_t dbi[T_COUNT];           //  opened once, used by every thread
    ml_accounts_limits_t limits;
};

ml_accounts_t *
ml_accounts_open (const char *dir, const ml_accounts_limits_t *limits, char *err, size_t errlen)
{
    if (sodium_init () < 0) {
        snprintf (err, errlen, "libsodium cannot start");
        return NULL;
    }
    if (mkdir (dir, 0700) && errno != EEXIST) {
        snprintf (err, errlen, "%s: cannot create: %s", dir, strerror (errno));
        return NULL;
    }
    ml_accounts_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    self->limits = *limits;
    self->db = ml_db_open (dir, S_MAP_SIZE, T_COUNT, 0, err, errlen);
    if (!self->db)
        goto fail;
    ml_db_txn_t t;
    ml_db_begin (self->db, &t, true);
    for (int i = 0; i < T_COUNT; i++)
        ml_db_table (&t, s_tables[i], ML_DB_CREATE, &self->dbi[i]);
    if (ml_db_commit (&t)) {
        snprintf (err, errlen, "%s: %s", dir, ml_db_error (self->db));
        goto fail;
    }
    return self;
fail:
    ml_accounts_close (&self);
    return NULL;
}

void
ml_accounts_close (ml_accounts_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_db_close (&(*self_p)->db);
    free (*self_p);
    *self_p = NULL;
}

// ---------------------------------------------------------------------------
// Records.

static int
s_put_json (ml_db_txn_t *t, ml_db_dbi_t dbi, const void *key, size_t klen, json_t *obj)
{
    char *text = obj ? json_dumps (obj, JSON_COMPACT) : NULL;
    json_decref (obj);
    if (!text) {
        ml_db_fail (t, ML_ENOMEM, "out of memory");
        return ML_ENOMEM;
    }
    int rc = ml_db_put (t, dbi, key, klen, text, strlen (text), 0);
    free (text);
    return rc;
}

static json_t *
s_get_json (ml_db_txn_t *t, ml_db_dbi_t dbi, const void *key, size_t klen)
{
    ml_db_val_t v;
    if (!ml_db_get (t, dbi, key, klen, &v))
        return NULL;
    return json_loadb (v.data, v.len, 0, NULL);
}

static void
s_account_from (const char *name, json_t *rec, ml_account_t *a)
{
    memset (a, 0, sizeof *a);
    snprintf (a->name, sizeof a->name, "%s", name);
    snprintf (a->role, sizeof a->role, "%s", json_string_value (json_object_get (rec, "role")) ?: "");
    snprintf (a->unit, sizeof a->unit, "%s", json_string_value (json_object_get (rec, "unit")) ?: "");
    a->disabled = json_is_true (json_object_get (rec, "disabled"));
    a->created = json_integer_value (json_object_get (rec, "created"));
}

bool
ml_accounts_name_ok (const char *name)
{
    size_t len = name ? strlen (name) : 0;
    if (len == 0 || len > ML_ACCOUNT_NAME_MAX || name[0] == ' ' || name[len - 1] == ' ')
        return false;
    for (const unsigned char *c = (const unsigned char *) name; *c; c++)
        if (*c < 0x20 || *c == 0x7F)
            return false;
    //  valid UTF-8 (jansson checks it for us)
    json_t *s = json_string (name);
    json_decref (s);
    return s != NULL;
}

static bool
s_role_ok (const ml_accounts_t *self, const char *role)
{
    for (const char *const *r = self->limits.roles; r && *r; r++)
        if (strcmp (*r, role) == 0)
            return true;
    return false;
}

static char *
s_hash (const ml_accounts_t *self, const char *password)
{
    char *hash = malloc (crypto_pwhash_STRBYTES);
    unsigned long long ops = self->limits.fast_hash ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
    size_t mem = self->limits.fast_hash ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
    if (hash && crypto_pwhash_str_alg (hash, password, strlen (password), ops, mem,
                                       crypto_pwhash_ALG_ARGON2ID13) != 0) {
        free (hash);
        hash = NULL;
    }
    return hash;
}

static int
s_password_ok (const char *password, char *err, size_t errlen)
{
    if (!password || strlen (password) < 8 || strlen (password) > 1024) {
        snprintf (err, errlen, "a password is 8 to 1024 bytes");
        return ML_EINVAL;
    }
    return 0;
}

int
ml_accounts_add (ml_accounts_t *self, const char *name, const char *role, const char *unit,
                 const char *password, char *err, size_t errlen)
{
    if (!ml_accounts_name_ok (name)) {
        snprintf (err, errlen, "an account name is 1 to %d bytes of UTF-8 without control "
                  "characters or spaces at either end", ML_ACCOUNT_NAME_MAX);
        return ML_EINVAL;
    }
    if (!role || !s_role_ok (self, role)) {
        snprintf (err, errlen, "account %s: unknown role '%s'", name, role ? role : "");
        return ML_EINVAL;
    }
    bool unit_role = strcmp (role, "unit") == 0;
    if (unit_role != (unit && *unit) || (unit && strlen (unit) > ML_ACCOUNT_UNIT_MAX)) {
        snprintf (err, errlen, unit_role ? "account %s: role unit needs --unit U"
                                         : "account %s: only role unit takes --unit", name);
        return ML_EINVAL;
    }
    int rc = s_password_ok (password, err, errlen);
    char *hash = rc ? NULL : s_hash (self, password);
    if (rc)
        return rc;
    if (!hash) {
        snprintf (err, errlen, "cannot hash the password (out of memory)");
        return ML_ENOMEM;
    }
    json_t *rec = json_pack ("{s:s, s:s, s:s, s:b, s:I}", "role", role, "unit", unit_role ? unit : "",
                             "hash", hash, "disabled", 0, "created", (json_int_t) time (NULL));
    sodium_memzero (hash, crypto_pwhash_STRBYTES);
    free (hash);
    ml_db_txn_t t;
    ml_db_begin (self->db, &t, true);
    ml_db_val_t v;
    if (ml_db_get (&t, self->dbi[T_ACCOUNTS], name, strlen (name), &v)) {
        ml_db_abort (&t);
        json_decref (rec);
        snprintf (err, errlen, "account %s exists already", name);
        return ML_EEXIST;
    }
    s_put_json (&t, self->dbi[T_ACCOUNTS], name, strlen (name), rec);
    rc = ml_db_commit (&t);
    if (rc)
        snprintf (err, errlen, "%s", ml_db_error (self->db));
    return rc;
}

//  Changes NAME's record: a new password hash (HASH), or disabled.
static int
s_change (ml_accounts_t *self, const char *name, const char *hash, char *err, size_t errlen)
{
    ml_db_txn_t t;
    ml_db_begin (self->db, &t, true);
    json_t *rec = s_get_json (&t, self->dbi[T_ACCOUNTS], name, strlen (name));
    if (!rec) {
        ml_db_abort (&t);
        snprintf (err, errlen, "no account %s", name);
        return ML_ENOTFOUND;
    }
    json_object_set_new (rec, "disabled", json_boolean (hash == NULL));
    if (hash)
        json_object_set_new (rec, "hash", json_string (hash));
    s_put_json (&t, self->dbi[T_ACCOUNTS], name, strlen (name), rec);
    //  a disabled account's sessions end now; a new password ends the old sessions too
    ml_db_cursor_t c;
    ml_db_val_t k, v;
    if (ml_db_cursor_open (&t, self->dbi[T_SESSIONS], &c)) {
        for (bool ok = ml_db_first (&c, &k, &v); ok; ok = ml_db_next (&c, &k, &v)) {
            json_t *s = json_loadb (v.data, v.len, 0, NULL);
            const char *acct = json_string_value (json_object_get (s, "account"));
            if (acct && strcmp (acct, name) == 0)
                ml_db_del (&t, self->dbi[T_SESSIONS], k.data, k.len);
            json_decref (s);
        }
        ml_db_cursor_close (&c);
    }
    int rc = ml_db_commit (&t);
    if (rc)
        snprintf (err, errlen, "%s", ml_db_error (self->db));
    return rc;
}

int
ml_accounts_passwd (ml_accounts_t *self, const char *name, const char *password, char *err, size_t errlen)
{
    int rc = s_password_ok (password, err, errlen);
    if (rc)
        return rc;
    char *hash = s_hash (self, password);
    if (!hash) {
        snprintf (err, errlen, "cannot hash the password (out of memory)");
        return ML_ENOMEM;
    }
    rc = s_change (self, name, hash, err, errlen);
    free (hash);
    return rc;
}

int
ml_accounts_disable (ml_accounts_t *self, const char *name, char *err, size_t errlen)
{
    return s_change (self, name, NULL, err, errlen);
}

int
ml_accounts_list (ml_accounts_t *self, ml_account_t **list, size_t *n)
{
    *list = NULL;
    *n = 0;
    ml_db_txn_t t;
    ml_db_begin (self->db, &t, false);
    uint64_t count = ml_db_count (&t, self->dbi[T_ACCOUNTS]);
    ml_account_t *out = calloc (count ? count : 1, sizeof *out);
    ml_db_cursor_t c;
    ml_db_val_t k, v;
    size_t i = 0;
    if (!out)
        ml_db_fail (&t, ML_ENOMEM, "out of memory");
    else
    if (ml_db_cursor_open (&t, self->dbi[T_ACCOUNTS], &c)) {
        for (bool ok = ml_db_first (&c, &k, &v); ok && i < count; ok = ml_db_next (&c, &k, &v)) {
            char name[ML_ACCOUNT_NAME_MAX + 1];
            snprintf (name, sizeof name, "%.*s", (int) k.len, (const char *) k.data);
            json_t *rec = json_loadb (v.data, v.len, 0, NULL);
            s_account_from (name, rec, &out[i++]);
            json_decref (rec);
        }
        ml_db_cursor_close (&c);
    }
    int rc = ml_db_commit (&t);
    if (rc)
        free (out);
    else {
        *list = out;
        *n = i;
    }
    return rc;
}

// ---------------------------------------------------------------------------
// Throttling: "u\0NAME" and "a\0ADDRESS" -> {"fails": n, "since": t}.

static size_t
s_throttle_key (char kind, const char *what, uint8_t *key, size_t cap)
{
    char k[2] = { kind, 0 };
    return ml_db_key2 (key, cap, k, 1, what, strlen (what));
}

//  The failures counted for KEY within the window at NOW.
static long
s_fails (ml_accounts_t *self, ml_db_txn_t *t, const uint8_t *key, size_t klen, int64_t now)
{
    json_t *rec = s_get_json (t, self->dbi[T_THROTTLE], key, klen);
    long fails = 0;
    if (rec && json_integer_value (json_object_get (rec, "since")) + self->limits.window_s > now)
        fails = (long) json_integer_value (json_object_get (rec, "fails"));
    json_decref (rec);
    return fails;
}

static void
s_count_failure (ml_accounts_t *self, ml_db_txn_t *t, const uint8_t *key, size_t klen, int64_t now)
{
    json_t *rec = s_get_json (t, self->dbi[T_THROTTLE], key, klen);
    int64_t since = rec ? json_integer_value (json_object_get (rec, "since")) : 0;
    long fails = rec ? (long) json_integer_value (json_object_get (rec, "fails")) : 0;
    json_decref (rec);
    if (since + self->limits.window_s <= now) {
        since = now;
        fails = 0;
    }
    s_put_json (t, self->dbi[T_THROTTLE], key, klen,
                json_pack ("{s:I, s:I}", "fails", (json_int_t) fails + 1, "since", (json_int_t) since));
}

// ---------------------------------------------------------------------------
// Sessions: SHA-256(token) -> {"account", "csrf", "created", "seen"}.

void
ml_accounts_token (char *hex)
{
    uint8_t raw[32];
    randombytes_buf (raw, sizeof raw);
    sodium_bin2hex (hex, ML_TOKEN_HEX + 1, raw, sizeof raw);
}

static bool
s_session_key (const char *token, uint8_t key[crypto_hash_sha256_BYTES])
{
    if (!token || strlen (token) != ML_TOKEN_HEX)
        return false;
    crypto_hash_sha256 (key, (const unsigned char *) token, ML_TOKEN_HEX);
    return true;
}

ml_login_t
ml_accounts_login (ml_accounts_t *self, const char *name, const char *password, const char *peer,
                   int64_t now, char *token, ml_session_t *session)
{
    uint8_t ukey[ML_ACCOUNT_NAME_MAX + 8], akey[128];
    name = name ? name : "";
    password = password ? password : "";
    bool name_ok = ml_accounts_name_ok (name);
    size_t ulen = name_ok ? s_throttle_key ('u', name, ukey, sizeof ukey) : 0;
    size_t alen = s_throttle_key ('a', peer, akey, sizeof akey);
    //  1. throttled? the stored hash
    ml_db_txn_t t;
    ml_db_begin (self->db, &t, false);
    bool throttled = (ulen && s_fails (self, &t, ukey, ulen, now) >= self->limits.max_failures)
                  || (alen && s_fails (self, &t, akey, alen, now) >= self->limits.max_failures_addr);
    json_t *rec = name_ok ? s_get_json (&t, self->dbi[T_ACCOUNTS], name, strlen (name)) : NULL;
    ml_db_commit (&t);
    if (throttled) {
        json_decref (rec);
        ml_accounts_audit (self, now, name, peer, "login-throttled", NULL);
        return ML_LOGIN_THROTTLED;
    }
    //  2. the password, outside any transaction (argon2id takes a while); an unknown account
    //  costs the same as a known one
    const char *hash = json_string_value (json_object_get (rec, "hash"));
    bool ok = false;
    if (hash)
        ok = crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
    else {
        char *dummy = s_hash (self, "massline: no such account");
        free (dummy);
    }
    ml_account_t acct;
    s_account_from (name, rec, &acct);
    json_decref (rec);
    ok = ok && !acct.disabled && s_role_ok (self, acct.role);
    //  3. a session, or a failure counted
    ml_db_begin (self->db, &t, true);
    if (ok) {
        uint8_t skey[crypto_hash_sha256_BYTES];
        memset (session, 0, sizeof *session);
        session->account = acct;
        ml_accounts_token (token);
        ml_accounts_token (session->csrf);
        session->created = session->seen = now;
        s_session_key (token, skey);
        s_put_json (&t, self->dbi[T_SESSIONS], skey, sizeof skey,
                    json_pack ("{s:s, s:s, s:I, s:I}", "account", name, "csrf", session->csrf,
                               "created", (json_int_t) now, "seen", (json_int_t) now));
        if (ulen)
            ml_db_del (&t, self->dbi[T_THROTTLE], ukey, ulen);
    }
    else {
        if (ulen)
            s_count_failure (self, &t, ukey, ulen, now);
        if (alen)
            s_count_failure (self, &t, akey, alen, now);
    }
    if (ml_db_commit (&t)) {
        ml_error ("accounts: %s", ml_db_error (self->db));
        ok = false;
    }
    ml_accounts_audit (self, now, name, peer, ok ? "login" : "login-failed", NULL);
    return ok ? ML_LOGIN_OK : ML_LOGIN_BAD;
}

int
ml_accounts_session (ml_accounts_t *self, const char *token, int64_t now, ml_session_t *session)
{
    uint8_t skey[crypto_hash_sha256_BYTES];
    if (!s_session_key (token, skey))
        return ML_ENOTFOUND;
    ml_db_txn_t t;
    ml_db_begin (self->db, &t, false);
    json_t *s = s_get_json (&t, self->dbi[T_SESSIONS], skey, sizeof skey);
    const char *name = json_string_value (json_object_get (s, "account"));
    json_t *rec = name ? s_get_json (&t, self->dbi[T_ACCOUNTS], name, strlen (name)) : NULL;
    ml_db_commit (&t);
    int64_t created = json_integer_value (json_object_get (s, "created"));
    int64_t seen = json_integer_value (json_object_get (s, "seen"));
    bool live = s && rec && seen + self->limits.idle_s > now && created + self->limits.max_s > now;
    if (live) {
        memset (session, 0, sizeof *session);
        s_account_from (name, rec, &session->account);
        snprintf (session->csrf, sizeof session->csrf, "%s",
                  json_string_value (json_object_get (s, "csrf")) ?: "");
        session->created = created;
        session->seen = seen;
        live = !session->account.disabled && strlen (session->csrf) == ML_TOKEN_HEX;
    }
    bool write = s && (!live || now - seen >= S_SEEN_STEP);
    if (write) {
        ml_db_begin (self->db, &t, true);
        if (live) {
            json_object_set_new (s, "seen", json_integer (now));
            s_put_json (&t, self->dbi[T_SESSIONS], skey, sizeof skey, json_incref (s));
            session->seen = now;
        }
        else
            ml_db_del (&t, self->dbi[T_SESSIONS], skey, sizeof skey);
        if (ml_db_commit (&t))
            ml_error ("accounts: %s", ml_db_error (self->db));
    }
    json_decref (s);
    json_decref (rec);
    return live ? 0 : ML_ENOTFOUND;
}

void
ml_accounts_logout (ml_accounts_t *self, const char *token)
{
    uint8_t skey[crypto_hash_sha256_BYTES];
    if (!s_session_key (token, skey))
        return;
    ml_db_txn_t t;
    ml_db_begin (self->db, &t, true);
    ml_db_del (&t, self->dbi[T_SESSIONS], skey, sizeof skey);
    if (ml_db_commit (&t))
        ml_error ("accounts: %s", ml_db_error (self->db));
}

bool
ml_accounts_csrf_ok (const ml_session_t *session, const char *given)
{
    return given && strlen (given) == ML_TOKEN_HEX && strlen (session->csrf) == ML_TOKEN_HEX
        && sodium_memcmp (given, session->csrf, ML_TOKEN_HEX) == 0;
}

// ---------------------------------------------------------------------------
// The audit log: big-endian sequence number -> {"at", "account", "peer", "what", "detail"}.

void
ml_accounts_audit (ml_accounts_t *self, int64_t now, const char *account, const char *peer,
                   const char *what, const char *detail)
{
    char at[32];
    time_t tt = (time_t) now;
    struct tm tm;
    strftime (at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", gmtime_r (&tt, &tm));
    json_t *rec = json_pack ("{s:s, s:s?, s:s?, s:s, s:s?}", "at", at, "account", account, "peer", peer,
                             "what", what, "detail", detail);
    char *line = rec ? json_dumps (rec, JSON_COMPACT) : NULL;
    ml_info ("audit: %s", line ? line : what);
    free (line);
    ml_db_txn_t t;
    ml_db_begin (self->db, &t, true);
    //  entries are never deleted: the next number is the count + 1 (inside the write txn)
    uint64_t seq = ml_db_count (&t, self->dbi[T_AUDIT]) + 1;
    uint8_t key[8];
    ml_db_be64_put (key, seq);
    s_put_json (&t, self->dbi[T_AUDIT], key, sizeof key, rec);
    if (ml_db_commit (&t))
        ml_error ("audit: %s", ml_db_error (self->db));
}

typedef struct {
    ml_accounts_audit_fn *fn;
    void *arg;
} s_each_t;

static int
s_each_audit (void *arg, const ml_db_val_t *k, const ml_db_val_t *v)
{
    (void) k;
    s_each_t *e = arg;
    char *text = strndup (v->data, v->len);
    if (text)
        e->fn (e->arg, text);
    free (text);
    return 0;
}

int
ml_accounts_audit_each (ml_accounts_t *self, ml_accounts_audit_fn *fn, void *arg)
{
    s_each_t e = { fn, arg };
    ml_db_txn_t t;
    ml_db_begin (self->db, &t, false);
    ml_db_each (&t, self->dbi[T_AUDIT], NULL, 0, s_each_audit, &e);
    return ml_db_commit (&t);
}
