/* ml_query_pending.c -- `review pending [year=Y]`: the years submitted and awaiting the bureau's
   decision, for the console's "awaiting review" slot. Reads the chain through ml_chain.h only. */
#include "ml_query_events.h"
#include "ml_chain.h"

#include "ml_err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const ml_query_t *q;
    int year;                           //  0: every year
    json_t *list;
} s_pending_t;

static int
s_on_year (void *arg, const char *unit, const ml_year_t *y)
{
    s_pending_t *p = arg;
    if (y->state != ML_YEAR_SUBMITTED || (p->year && y->year != p->year))
        return 0;
    const ml_unit_t *u = ml_registry_unit (p->q->registry, unit);
    char at[32] = "";
    if (y->submitted_at)
        ml_query_iso (y->submitted_at, at, sizeof at);
    json_t *row = json_pack ("{s:s, s:s, s:i, s:i, s:s?, s:s?}", "unit", unit,
                             "unit_name", u && u->name ? u->name : unit, "year", y->year,
                             "version", (int) y->version, "submitted_at", at[0] ? at : NULL,
                             "filler", y->filler[0] ? y->filler : NULL);
    return !row || json_array_append_new (p->list, row) ? ML_ENOMEM : 0;
}

int
ml_query_review_pending (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                         char *msg, size_t msglen)
{
    const char *year = ml_query_arg (q, "year");
    for (size_t i = 0; i < q->n_args; i++)
        if (strncmp (q->args[i], "year=", 5) != 0)
            return ML_QUERY_FAIL (ML_EINVAL, "invalid",
                                  "review pending: unknown argument '%.40s' (year)", q->args[i]);
    if (year && (strlen (year) != 4 || strspn (year, "0123456789") != 4))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "review pending: year=YYYY");
    int rc;
    ml_store_txn_t *txn = ml_store_begin (q->store, false, &rc);
    if (!txn)
        return ML_QUERY_FAIL (rc, "storage", "cannot read the store: %s", ml_strerror (rc));
    s_pending_t p = { q, year ? atoi (year) : 0, json_array () };
    rc = p.list ? ml_chain_years_each (txn, NULL, s_on_year, &p) : ML_ENOMEM;
    ml_store_abort (&txn);
    if (rc) {
        json_decref (p.list);
        return ML_QUERY_FAIL (rc, "storage", "review pending: %s", ml_strerror (rc));
    }
    *reply = json_pack ("{s:s, s:o}", "query", "review pending", "years", p.list);
    return *reply ? 0 : ML_ENOMEM;
}
