/* ml_query.c -- dispatch of QueryRequests to the report and sample handlers. */
#include "ml_query.h"
#include "ml_err.h"

#include <stdio.h>
#include <string.h>

const char *
ml_query_arg (const ml_query_t *q, const char *key)
{
    size_t len = strlen (key);
    for (size_t i = 0; i < q->n_args; i++)
        if (strncmp (q->args[i], key, len) == 0 && q->args[i][len] == '=')
            return q->args[i] + len + 1;
    return NULL;
}

int
ml_query_handle (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                 char *msg, size_t msglen)
{
    *reply = NULL;
    if (strncmp (q->command, "report ", 7) == 0)
        return ml_query_report (q, reply, code, codelen, msg, msglen);
    if (strncmp (q->command, "sample ", 7) == 0)
        return ml_query_sample (q, reply, code, codelen, msg, msglen);
    snprintf (code, codelen, "unknown");
    snprintf (msg, msglen, "unknown query '%s' (reports: 'report KIND', samples: 'sample VERB')", q->command);
    return ML_EINVAL;
}
