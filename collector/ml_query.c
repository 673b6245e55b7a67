/* ml_query.c -- the arguments of a query request. */
#include "ml_query.h"

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
