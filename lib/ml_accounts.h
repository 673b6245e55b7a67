/* ml_accounts.h -- the web programs' accounts, sessions, login throttling and audit log, in their
   own LMDB environment (through ml_db).

   Passwords are kept as argon2id hashes (libsodium crypto_pwhash_str). A session is a random
   256-bit token (the cookie); only its SHA-256 is stored, with the account, a CSRF token, and the
   times that end it (idle and absolute). Logins are throttled per account and per client address:
   after MAX_FAILURES failures within WINDOW seconds, that account or address is refused until the
   window has passed, whatever the password. Every login, logout and decision is appended to the
   audit log. Thread-safe: each call is its own transaction. */
#ifndef ML_ACCOUNTS_H
#define ML_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ML_ACCOUNT_NAME_MAX 48          //  bytes of UTF-8 (the collector takes as many)
#define ML_ACCOUNT_UNIT_MAX 64
#define ML_TOKEN_HEX 64                 //  a session or CSRF token as hex

typedef struct ml_accounts ml_accounts_t;

typedef struct {
    char name[ML_ACCOUNT_NAME_MAX + 1];
    char role[16];                      //  staff, auditor, reviewer, leader, unit (or desk roles)
    char unit[ML_ACCOUNT_UNIT_MAX + 1]; //  role unit: the only unit it sees; "" otherwise
    bool disabled;
    int64_t created;                    //  Unix time
} ml_account_t;

typedef struct {
    ml_account_t account;               //  as stored now (a disabled account has no session)
    char csrf[ML_TOKEN_HEX + 1];        //  the token every form of this session carries
    int64_t created;                    //  login time
    int64_t seen;                       //  last request (coarse: updated once a minute)
} ml_session_t;

typedef struct {
    const char *const *roles;           //  the roles accounts may have (NULL-terminated)
    long idle_s;                        //  a session ends after this long unused
    long max_s;                         //  and this long after login, whatever
    long max_failures;                  //  failed logins allowed per account within the window
    long max_failures_addr;             //  and per client address
    long window_s;                      //  the throttling window
    bool fast_hash;                     //  tests only: libsodium's minimum cost, not interactive
} ml_accounts_limits_t;

typedef enum {
    ML_LOGIN_OK = 0,
    ML_LOGIN_BAD,                       //  unknown account, wrong password or disabled: one answer
    ML_LOGIN_THROTTLED                  //  too many failures for the account or the address
} ml_login_t;

//  Opens (creating) the accounts environment in folder DIR (created mode 0700 if missing) with
//  LIMITS (copied; ROLES must outlive the handle). NULL and one line in ERR on failure.
ml_accounts_t *ml_accounts_open (const char *dir, const ml_accounts_limits_t *limits, char *err,
                                 size_t errlen);

//  Closes the environment and sets *SELF_P to NULL. Safe on NULL.
void ml_accounts_close (ml_accounts_t **self_p);

//  True when NAME is a valid account name: 1..48 bytes of UTF-8 text without control characters
//  or spaces at either end (any other text: pages escape it).
bool ml_accounts_name_ok (const char *name);

//  Adds account NAME with ROLE (one of the limits' roles) and UNIT (required for role "unit",
//  else NULL) and PASSWORD (8 bytes or more). 0, ML_EEXIST, ML_EINVAL (a bad name, role, unit or
//  password) or a storage failure; one line in ERR.
int ml_accounts_add (ml_accounts_t *self, const char *name, const char *role, const char *unit,
                     const char *password, char *err, size_t errlen);

//  Sets NAME's password (and enables it again) / disables NAME (ending its sessions).
//  0, ML_ENOTFOUND, ML_EINVAL or a storage failure; one line in ERR.
int ml_accounts_passwd (ml_accounts_t *self, const char *name, const char *password, char *err,
                        size_t errlen);
int ml_accounts_disable (ml_accounts_t *self, const char *name, char *err, size_t errlen);

//  Every account in name order into *LIST (the caller frees it), their count in *N. 0 or a failure.
int ml_accounts_list (ml_accounts_t *self, ml_account_t **list, size_t *n);

//  Checks NAME and PASSWORD from client address PEER at time NOW. On ML_LOGIN_OK writes a new
//  session's token into TOKEN (ML_TOKEN_HEX + 1 bytes) and fills *SESSION. Failures are counted
//  for throttling; every outcome is audited.
ml_login_t ml_accounts_login (ml_accounts_t *self, const char *name, const char *password,
                              const char *peer, int64_t now, char *token, ml_session_t *session);

//  The live session of TOKEN at NOW into *SESSION: 0, or ML_ENOTFOUND when unknown, expired (idle
//  or absolute; then deleted) or its account is disabled or changed.
int ml_accounts_session (ml_accounts_t *self, const char *token, int64_t now, ml_session_t *session);

//  Ends the session of TOKEN (nothing when there is none).
void ml_accounts_logout (ml_accounts_t *self, const char *token);

//  Writes a fresh random 256-bit token as hex into HEX (ML_TOKEN_HEX + 1 bytes): for a form
//  that comes before any session (the sign-in form's CSRF token).
void ml_accounts_token (char *hex);

//  True when GIVEN is SESSION's CSRF token (compared in constant time).
bool ml_accounts_csrf_ok (const ml_session_t *session, const char *given);

//  Appends to the audit log: at NOW, ACCOUNT from PEER did WHAT (e.g. "login", "denied") with
//  DETAIL (may be NULL). Also logged as one line.
void ml_accounts_audit (ml_accounts_t *self, int64_t now, const char *account, const char *peer,
                        const char *what, const char *detail);

//  Calls FN for each audit entry, oldest first, as one JSON object text
//  {"at": ISO8601, "account", "peer", "what", "detail"}. Returns 0 or a failure.
typedef void ml_accounts_audit_fn (void *arg, const char *json);
int ml_accounts_audit_each (ml_accounts_t *self, ml_accounts_audit_fn *fn, void *arg);

#endif
