/* ml_query.c -- the arguments of a query request, and the handlers' argument helpers
   (ml_query.h): one set for every ml_query_*.c. */
#include "ml_query.h"

#include "ml_err.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
ml_query_fail (int rc, char *code, size_t codelen, const char *what, char *msg, size_t msglen,
               const char *fmt, ...)
{
    snprintf (code, codelen, "%s", what);
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (msg, msglen, fmt, ap);
    va_end (ap);
    return rc;
}

bool
ml_query_year_ok (const char *text, int *year)
{
    if (!text || strlen (text) != 4)
        return false;
    for (int i = 0; i < 4; i++)
        if (!isdigit ((unsigned char) text[i]))
            return false;
    *year = atoi (text);
    return *year >= 1900 && *year <= 2999;
}

int
ml_query_only (const ml_query_t *q, const char *const *allowed, char *code, size_t codelen,
               char *msg, size_t msglen)
{
    for (size_t i = 0; i < q->n_args; i++) {
        const char *eq = strchr (q->args[i], '=');
        size_t klen = eq ? (size_t) (eq - q->args[i]) : 0;
        bool ok = false;
        for (int a = 0; allowed[a] && !ok; a++)
            ok = eq && strlen (allowed[a]) == klen && strncmp (q->args[i], allowed[a], klen) == 0;
        if (!ok)
            return ML_QUERY_FAIL (ML_EINVAL, "invalid", "%s: unexpected argument '%.40s'",
                                  q->command, q->args[i]);
    }
    return 0;
}

int
ml_query_unit_year (const ml_query_t *q, const char **unit, int *year, char *code,
                    size_t codelen, char *msg, size_t msglen)
{
    *unit = ml_query_arg (q, "unit");
    if (!*unit || !ml_registry_id_ok (*unit))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "%s needs unit=UNIT", q->command);
    if (!ml_query_year_ok (ml_query_arg (q, "year"), year))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "%s needs year=YYYY", q->command);
    if (!ml_registry_unit (q->registry, *unit))
        return ML_QUERY_FAIL (ML_ENOTFOUND, "not_found", "unit: unknown unit '%s'", *unit);
    return 0;
}

int
ml_query_year_as_of (const ml_query_t *q, int *year, ml_day_t *as_of, char *code,
                     size_t codelen, char *msg, size_t msglen)
{
    static const char *const allowed[] = { "year", "as_of", NULL };
    int rc = ml_query_only (q, allowed, code, codelen, msg, msglen);
    if (rc)
        return rc;
    if (!ml_query_year_ok (ml_query_arg (q, "year"), year))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "%s needs year=YYYY", q->command);
    const char *v = ml_query_arg (q, "as_of");
    *as_of = ml_date_today ();
    if (v && ml_date_parse (v, as_of))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "as_of: not a date (%.20s)", v);
    return 0;
}

char *
ml_query_iso (int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t) t;
    struct tm tm;
    if (!gmtime_r (&tt, &tm) || !strftime (buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
        buf[0] = 0;
    return buf;
}

void
ml_query_hex (const uint8_t *bin, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[bin[i] >> 4];
        out[2 * i + 1] = digits[bin[i] & 15];
    }
    out[2 * n] = 0;
}
