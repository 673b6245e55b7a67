/* ml_query_report.c -- the "report KIND" queries: checks the arguments, then builds the report
   (ml_report.h) from the store's aggregates in one read transaction.

   Arguments are key=value words:
     report unit-annual  unit= year= [as_of=]         R.1, one unit
     report rollup       year= [as_of=]               R.2, every unit
     report cadre        unit= person= year= [as_of=] R.3, one cadre of one unit
     report bulletin     period=                      S.2, every unit ranked, to the period's end
     report watchlist    year= [as_of=]               S.3, every unit
   as_of defaults to today, or 31 December for a past year (ml_eval_default_as_of).

   Who may ask which report is in the dispatcher's table (ml_query_dispatch.c), checked after the
   arguments (ml_query_report_check) and before the report is built. */

#include "ml_query_report.h"
#include "ml_report.h"
#include "ml_store_source.h"

#include "ml_date.h"
#include "ml_err.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The arguments, as bits.
enum { A_UNIT = 1, A_PERSON = 2, A_YEAR = 4, A_PERIOD = 8, A_AS_OF = 16, A_COUNT = 5 };
static const char *const s_arg_names[A_COUNT] = { "unit", "person", "year", "period", "as_of" };

typedef struct {
    const char *name;
    unsigned needs;                     //  required arguments
    unsigned takes;                     //  optional ones
} s_kind_t;

static const s_kind_t s_kinds[] = {
    { "unit-annual", A_UNIT | A_YEAR, A_AS_OF },
    { "rollup", A_YEAR, A_AS_OF },
    { "cadre", A_UNIT | A_PERSON | A_YEAR, A_AS_OF },
    { "bulletin", A_PERIOD, 0 },
    { "watchlist", A_YEAR, A_AS_OF },
};
#define S_KINDS (sizeof s_kinds / sizeof s_kinds[0])

//  The parsed request.
typedef struct {
    const s_kind_t *kind;
    const char *value[A_COUNT];         //  borrowed from the query; NULL when not given
    int year;
    ml_day_t as_of;                     //  ML_NODAY: the default
} s_request_t;

#define S_INVALID(...) ML_QUERY_FAIL (ML_EINVAL, "invalid", __VA_ARGS__)

//  Parses and checks Q's kind and arguments into R.
static int
s_parse (const ml_query_t *q, s_request_t *r, char *code, size_t codelen, char *msg, size_t msglen)
{
    const char *name = q->command + strlen ("report ");
    memset (r, 0, sizeof *r);
    r->as_of = ML_NODAY;
    for (size_t i = 0; i < S_KINDS; i++)
        if (strcmp (s_kinds[i].name, name) == 0)
            r->kind = &s_kinds[i];
    if (!r->kind)
        return ml_query_fail (ML_EINVAL, code, codelen, "unknown", msg, msglen,
                       "unknown report '%.40s' (unit-annual, rollup, cadre, bulletin, watchlist)", name);
    unsigned seen = 0;
    for (size_t i = 0; i < q->n_args; i++) {
        const char *arg = q->args[i], *eq = strchr (arg, '=');
        size_t klen = eq ? (size_t) (eq - arg) : strlen (arg);
        int a = 0;
        while (a < A_COUNT && !(strlen (s_arg_names[a]) == klen && strncmp (arg, s_arg_names[a], klen) == 0))
            a++;
        if (!eq || a == A_COUNT || !((r->kind->needs | r->kind->takes) & (1u << a)))
            return S_INVALID ("report %s: unexpected argument '%.40s'", name, arg);
        if (seen & (1u << a))
            return S_INVALID ("report %s: %s given twice", name, s_arg_names[a]);
        seen |= 1u << a;
        r->value[a] = eq + 1;
    }
    for (int a = 0; a < A_COUNT; a++)
        if ((r->kind->needs & (1u << a)) && !(seen & (1u << a)))
            return S_INVALID ("report %s needs %s=", name, s_arg_names[a]);

    const char *v;
    if ((v = r->value[2]) && !ml_query_year_ok (v, &r->year))
        return S_INVALID ("year: not a year (%.20s)", v);
    if ((v = r->value[0]) && !ml_registry_id_ok (v))
        return S_INVALID ("unit: not a unit id (%.70s)", v);
    if ((v = r->value[1]) && !ml_registry_id_ok (v))
        return S_INVALID ("person: not a person id (%.70s)", v);
    if ((v = r->value[4])) {
        if (ml_date_parse (v, &r->as_of))
            return S_INVALID ("as_of: not a date (%.20s)", v);
        if (r->as_of < ml_date_from_ymd (r->year, 1, 1))
            return S_INVALID ("as_of: %s is before the year %d", v, r->year);
    }
    if ((v = r->value[3])) {
        ml_day_t from, to;
        int m, d;
        if (ml_date_period (v, &from, &to))
            return S_INVALID ("period: not a month (2025-03) or a quarter (2025-Q1): '%.20s'", v);
        ml_date_to_ymd (from, &r->year, &m, &d);
    }
    return 0;
}

int
ml_query_report_check (const ml_query_t *q, char *code, size_t codelen, char *msg, size_t msglen)
{
    s_request_t r;
    return s_parse (q, &r, code, codelen, msg, msglen);
}

static int
s_by_id (const void *a, const void *b)
{
    return strcmp ((*(const ml_unit_t *const *) a)->id, (*(const ml_unit_t *const *) b)->id);
}

//  The reports' units: the registry's, in id order (ml_source_units_fn).
static int
s_units (void *ctx, ml_unit_fn *fn, void *arg)
{
    const ml_registry_t *registry = ctx;
    size_t n = ml_registry_unit_count (registry);
    const ml_unit_t **units = calloc (n ? n : 1, sizeof *units);
    if (!units)
        return ML_ENOMEM;
    for (size_t i = 0; i < n; i++)
        units[i] = ml_registry_unit_at (registry, i);
    qsort (units, n, sizeof *units, s_by_id);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = fn (arg, units[i]->id, units[i]->name);
    free (units);
    return rc;
}

int
ml_query_report (const ml_query_t *q, json_t **reply, char *code, size_t codelen, char *msg, size_t msglen)
{
    s_request_t r;
    int rc = s_parse (q, &r, code, codelen, msg, msglen);
    if (rc)
        return rc;
    const char *unit = r.value[0], *person = r.value[1];
    if (unit && !ml_registry_unit (q->registry, unit))
        return ml_query_fail (ML_ENOTFOUND, code, codelen, "not_found", msg, msglen,
                       "unit: unknown unit '%s'", unit);
    if (!q->rules)
        return ml_query_fail (ML_EINVAL, code, codelen, "unavailable", msg, msglen,
                       "no rule file is loaded");

    ml_store_txn_t *txn = ml_store_begin (q->store, false, &rc);
    if (!txn)
        return ml_query_fail (rc, code, codelen, "storage", msg, msglen, "cannot read the store: %s",
                       ml_strerror (rc));
    ml_source_t src;
    ml_store_source (txn, s_units, (void *) q->registry, r.year, &src);
    ml_report_ctx_t ctx = { q->rules, &src, ml_date_today () };
    char err[512] = "";
    const char *kind = r.kind->name;
    json_t *report = NULL;
    if (strcmp (kind, "unit-annual") == 0)
        report = ml_report_unit_annual (&ctx, unit, r.year, r.as_of, err, sizeof err);
    else
    if (strcmp (kind, "rollup") == 0)
        report = ml_report_rollup (&ctx, r.year, r.as_of, err, sizeof err);
    else
    if (strcmp (kind, "cadre") == 0)
        report = ml_report_cadre (&ctx, unit, person, r.year, r.as_of, err, sizeof err);
    else
    if (strcmp (kind, "bulletin") == 0)
        report = ml_report_bulletin (&ctx, r.value[3], err, sizeof err);
    else
        report = ml_report_watchlist (&ctx, r.year, r.as_of, err, sizeof err);
    ml_store_abort (&txn);
    if (!report) {
        if (strncmp (err, "no person", 9) == 0)
            return ml_query_fail (ML_ENOTFOUND, code, codelen, "not_found", msg, msglen, "person: %s", err);
        return ml_query_fail (ML_EIO, code, codelen, "storage", msg, msglen, "report %s: %s", kind,
                       err[0] ? err : "could not be made");
    }
    *reply = report;
    return 0;
}
