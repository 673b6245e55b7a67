/* ml_query.h -- the collector's QueryRequests: reports (issue 3) and samples (issue 4).
   A request is a command ("report unit-annual", "sample draw") with "key=value" arguments; the
   answer is one JSON object, or an error code and a one-line message. One table in ml_query.c
   says which handler answers each command and who may ask it. */
#ifndef ML_QUERY_H
#define ML_QUERY_H

#include "ml_query_request.h"

//  Answers Q: finds its command, checks who asks, runs the handler. On success returns 0 and
//  sets *REPLY (the caller's to free). On failure returns a negative ml_err_t and fills CODE
//  (e.g. "denied", "invalid", "unknown") and MSG (one line).
int ml_query_handle (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                     char *msg, size_t msglen);

#endif
