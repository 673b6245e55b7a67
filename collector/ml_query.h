/* ml_query.h -- the collector's QueryRequest handlers: reports (issue 3) and samples (issue 4).
   A request is a command ("report unit-annual", "sample draw") with "key=value" arguments; the
   answer is one JSON object, or an error code and a one-line message. */
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
} ml_query_t;

//  The value of argument KEY, or NULL when not given. Borrowed.
const char *ml_query_arg (const ml_query_t *q, const char *key);

//  Answers Q: on success returns 0 and sets *REPLY (the caller's to free). On failure returns a
//  negative ml_err_t and fills CODE (e.g. "denied", "invalid", "unknown") and MSG (one line).
int ml_query_handle (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                     char *msg, size_t msglen);

//  The handlers behind ml_query_handle, one module each, same contract.
int ml_query_report (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                     char *msg, size_t msglen);
int ml_query_sample (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                     char *msg, size_t msglen);

#endif
