/* ml_query_report.c -- the 'report ...' queries (being written). */
#include "ml_query.h"
#include "ml_err.h"

#include <stdio.h>

int
ml_query_report (const ml_query_t *q, json_t **reply, char *code, size_t codelen, char *msg, size_t msglen)
{
    (void) reply;
    snprintf (code, codelen, "unsupported");
    snprintf (msg, msglen, "%s: not available yet", q->command);
    return ML_EINVAL;
}
