/* ml_query_dispatch.h -- which handler answers a QueryRequest (ml_query.h), and whether who asks
   may ask it: one table in ml_query_dispatch.c. */
#ifndef ML_QUERY_DISPATCH_H
#define ML_QUERY_DISPATCH_H

#include <stdbool.h>

#include "ml_query.h"

//  Answers Q: finds its command, checks who asks, runs the handler. On success returns 0 and
//  sets *REPLY (the caller's to free). On failure returns a negative ml_err_t and fills CODE
//  (e.g. "denied", "invalid", "unknown") and MSG (one line).
int ml_query_dispatch (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                       char *msg, size_t msglen);

//  The checks of ml_query_dispatch without the answer: 0 when Q's command exists, its arguments
//  are valid and who asks may ask it; else fails as ml_query_dispatch does (ml_query_cache.h: who
//  may ask is decided before an answer is looked up).
int ml_query_dispatch_check (const ml_query_t *q, char *code, size_t codelen, char *msg,
                             size_t msglen);

//  True when COMMAND writes to the store (review accept, sample draw...): the collector answers
//  those one at a time, in turn with ingest. False for an unknown command.
bool ml_query_dispatch_writes (const char *command);

#endif
