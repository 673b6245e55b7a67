/* ml_query.h -- the collector's QueryRequests (reports, issue 3; samples, issue 4), as a handler
   gets them: who asks, the command ("report unit-annual", "sample draw"), its "key=value"
   arguments; and the handler's contract: one JSON object, or an error code and a one-line
   message; and the argument helpers every handler shares (one set, here). The handlers
   (ml_query_*.c) depend on this module; the dispatcher (ml_query_dispatch.c) depends on them. */
#ifndef ML_QUERY_H
#define ML_QUERY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_date.h"
#include "ml_registry.h"
#include "ml_rules.h"
#include "ml_store.h"

typedef struct {
    ml_store_t *store;                  //  the collector's store (the handler opens its own txns)
    const ml_registry_t *registry;
    const ml_principal_t *who;          //  who asks (from the ZAP user id)
    const char *command;                //  e.g. "report unit-annual"
    char **args;                        //  "key=value"
    size_t n_args;
    const ml_ruleset_t *rules;          //  the rule file loaded at startup (reports)
    int due_day;                        //  [collector] due_day: completeness (0: the default 10)
} ml_query_t;

//  A handler: answers Q. On success returns 0 and sets *REPLY (the caller's to free). On failure
//  returns a negative ml_err_t and fills CODE (e.g. "invalid", "not_found") and MSG (one line).
typedef int ml_query_fn (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                         char *msg, size_t msglen);

//  Checks Q's arguments only, without the store: returns 0, or fails as ml_query_fn does.
typedef int ml_query_check_fn (const ml_query_t *q, char *code, size_t codelen,
                               char *msg, size_t msglen);

//  The value of argument KEY, or NULL when not given. Borrowed.
const char *ml_query_arg (const ml_query_t *q, const char *key);

// ---------------------------------------------------------------------------
// The handlers' argument helpers. Each failing one fills CODE and MSG as ml_query_fn does.

//  Fills CODE with WHAT (e.g. "invalid") and MSG with FMT, and returns RC.
int ml_query_fail (int rc, char *code, size_t codelen, const char *what, char *msg, size_t msglen,
                   const char *fmt, ...) __attribute__ ((format (printf, 7, 8)));

//  ml_query_fail inside a handler, whose parameters are named code, codelen, msg, msglen.
#define ML_QUERY_FAIL(rc, what, ...) \
    ml_query_fail (rc, code, codelen, what, msg, msglen, __VA_ARGS__)

//  True when TEXT (may be NULL) is a year: four digits, 1900..2999, stored in *YEAR.
bool ml_query_year_ok (const char *text, int *year);

//  Checks that Q has only "key=value" arguments named in ALLOWED (NULL-terminated): 0, or
//  ML_EINVAL "invalid" "COMMAND: unexpected argument '...'".
int ml_query_only (const ml_query_t *q, const char *const *allowed, char *code, size_t codelen,
                   char *msg, size_t msglen);

//  The unit= and year= of Q, checked: a unit id the registry knows (else ML_ENOTFOUND
//  "not_found") and a year (ml_query_year_ok). *UNIT is borrowed from Q.
int ml_query_unit_year (const ml_query_t *q, const char **unit, int *year, char *code,
                        size_t codelen, char *msg, size_t msglen);

//  The year= and optional as_of= of a yearly report (no other argument): *AS_OF is today
//  (ml_date_today) when as_of= is not given.
int ml_query_year_as_of (const ml_query_t *q, int *year, ml_day_t *as_of, char *code,
                         size_t codelen, char *msg, size_t msglen);

//  Unix seconds T as UTC "YYYY-MM-DDThh:mm:ssZ" into BUF (LEN bytes; "" if T cannot be a
//  date). Returns BUF.
char *ml_query_iso (int64_t t, char *buf, size_t len);

//  N bytes of BIN as lowercase hex into OUT (2 * N + 1 bytes).
void ml_query_hex (const uint8_t *bin, size_t n, char *out);

#endif
