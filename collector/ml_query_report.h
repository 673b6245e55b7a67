/* ml_query_report.h -- the "report KIND" queries (issue 3): their arguments, and the report built
   from the store's aggregates. Who may ask is the dispatcher's table (ml_query_dispatch.c). */
#ifndef ML_QUERY_REPORT_H
#define ML_QUERY_REPORT_H

#include "ml_query.h"

//  Checks the kind and arguments of a "report KIND" query (ml_query_check_fn): "invalid" names
//  the argument. The dispatcher runs it before it checks who asks.
int ml_query_report_check (const ml_query_t *q, char *code, size_t codelen, char *msg, size_t msglen);

//  Answers a "report KIND" query with the report (ml_query_fn): "not_found" for an unknown unit
//  or person, "unavailable" without a rule file, "storage" when the store cannot be read.
int ml_query_report (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                     char *msg, size_t msglen);

#endif
