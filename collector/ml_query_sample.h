/* ml_query_sample.h -- the "sample VERB" queries (issue 4), one handler (ml_query_fn) per verb:
   their arguments and the log line of every draw, verification and finding; the work is in
   ml_samples.c. Who may ask is the dispatcher's table (ml_query_dispatch.c). Codes: "invalid",
   "not_found", "corrupt", "full", "denied", "storage", "internal". */
#ifndef ML_QUERY_SAMPLE_H
#define ML_QUERY_SAMPLE_H

#include "ml_query.h"

int ml_query_sample_draw (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                          char *msg, size_t msglen);
int ml_query_sample_show (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                          char *msg, size_t msglen);
int ml_query_sample_verify (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                            char *msg, size_t msglen);
int ml_query_sample_finding (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                             char *msg, size_t msglen);
int ml_query_sample_appraise (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                              char *msg, size_t msglen);
int ml_query_sample_list (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                          char *msg, size_t msglen);

#endif
