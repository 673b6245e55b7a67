/* ml_query.h -- the collector's QueryRequests (reports, issue 3; samples, issue 4), as a handler
   gets them: who asks, the command ("report unit-annual", "sample draw"), its "key=value"
   arguments; and the handler's contract: one JSON object, or an error code and a one-line
   message. The handlers (ml_query_report.c, ml_query_sample.c) depend on this module; the
   dispatcher (ml_query_dispatch.c) depends on them. */
#ifndef ML_QUERY_H
#define ML_QUERY_H

#include <jansson.h>
#include <stddef.h>

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

#endif
