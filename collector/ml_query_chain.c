/* ml_query_chain.c -- the reporting chain's queries (ml_query_chain.h): review decisions,
   completeness, unit-annual as a frozen document, verify; and freezing documents. Reads and
   writes the chain through ml_chain.h only; reports through ml_report.h. */
#include "ml_query_chain.h"
#include "ml_query_report.h"
#include "ml_query_tier.h"
#include "ml_chain.h"
#include "ml_report.h"
#include "ml_store_source.h"

#include "ml_date.h"
#include "ml_err.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// ---------------------------------------------------------------------------
// The submission object and the frozen documents.

static json_t *
s_submission (const ml_year_t *y)
{
    char at[32];
    json_t *o = json_object ();
    if (!o)
        return NULL;
    json_object_set_new (o, "state", json_string (ml_year_state_name (y->state)));
    json_object_set_new (o, "version", json_integer (y->version));
    json_object_set_new (o, "filler", y->filler[0] ? json_string (y->filler) : json_null ());
    json_object_set_new (o, "reviewer", y->reviewer[0] ? json_string (y->reviewer) : json_null ());
    json_object_set_new (o, "approver", y->approver[0] ? json_string (y->approver) : json_null ());
    json_object_set_new (o, "decided_by", y->decided_by[0] ? json_string (y->decided_by) : json_null ());
    json_object_set_new (o, "decided_at", y->decided_at ? json_string (ml_query_iso (y->decided_at, at, sizeof at))
                                                        : json_null ());
    json_object_set_new (o, "reason", y->reason[0] ? json_string (y->reason) : json_null ());
    json_object_set_new (o, "submitted_at", y->submitted_at
                         ? json_string (ml_query_iso (y->submitted_at, at, sizeof at)) : json_null ());
    return o;
}

json_t *
ml_query_chain_submission (ml_store_t *store, const char *unit, int year)
{
    int rc;
    ml_store_txn_t *txn = ml_store_begin (store, false, &rc);
    if (!txn)
        return NULL;
    ml_year_t y;
    rc = ml_chain_year (txn, unit, year, &y);
    ml_store_abort (&txn);
    return rc && rc != ML_ENOTFOUND ? NULL : s_submission (&y);
}

//  The document id: "UNIT/YEAR/N".
static char *
s_doc_id (const char *unit, int year, uint32_t n, char *buf, size_t len)
{
    snprintf (buf, len, "%s/%d/%u", unit, year, n);
    return buf;
}

//  The frozen document D as JSON: its text parsed, with document.digest and document.sealed_at
//  added (the same for unit-annual and verify, so a re-rendered file is byte for byte the same).
static json_t *
s_frozen (const ml_document_t *d)
{
    json_error_t jerr;
    json_t *obj = json_loadb (d->json, d->len, JSON_DECODE_ANY, &jerr);
    json_t *doc = obj ? json_object_get (obj, "document") : NULL;
    if (!doc) {
        json_decref (obj);
        return NULL;
    }
    char hex[65], at[32];
    ml_query_hex (d->digest, 32, hex);
    json_object_set_new (doc, "digest", json_string (hex));
    json_object_set_new (doc, "sealed_at", json_string (ml_query_iso (d->at, at, sizeof at)));
    return obj;
}

static int
s_by_id (const void *a, const void *b)
{
    return strcmp ((*(const ml_unit_t *const *) a)->id, (*(const ml_unit_t *const *) b)->id);
}

//  The registry's units in id order: a malloc'd array of *N.
static const ml_unit_t **
s_sorted_units (const ml_registry_t *registry, size_t *n)
{
    *n = ml_registry_unit_count (registry);
    const ml_unit_t **units = calloc (*n ? *n : 1, sizeof *units);
    for (size_t i = 0; units && i < *n; i++)
        units[i] = ml_registry_unit_at (registry, i);
    if (units)
        qsort (units, *n, sizeof *units, s_by_id);
    return units;
}

static int
s_units (void *ctx, ml_unit_fn *fn, void *arg)
{
    size_t n;
    const ml_unit_t **units = s_sorted_units (ctx, &n);
    if (!units)
        return ML_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = fn (arg, units[i]->id, units[i]->name);
    free (units);
    return rc;
}

typedef struct {
    char unit[ML_ID_MAX + 1];
    int year;
} s_todo_t;

typedef struct {
    s_todo_t *todo;
    size_t n, cap;
} s_todos_t;

static int
s_collect_unfrozen (void *arg, const char *unit, const ml_year_t *y)
{
    s_todos_t *t = arg;
    if (!y->unfrozen)
        return 0;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 8;
        s_todo_t *grown = realloc (t->todo, cap * sizeof *grown);
        if (!grown)
            return ML_ENOMEM;
        t->todo = grown;
        t->cap = cap;
    }
    snprintf (t->todo[t->n].unit, sizeof t->todo[t->n].unit, "%s", unit);
    t->todo[t->n++].year = y->year;
    return 0;
}

//  Freezes UNIT's YEAR in write TXN: the unit-annual report with submission and document.
static int
s_freeze_one (ml_store_txn_t *txn, const ml_registry_t *registry, const ml_ruleset_t *rules,
              const char *unit, int year)
{
    ml_year_t y;
    int rc = ml_chain_year (txn, unit, year, &y);
    if (rc)
        return rc;
    ml_source_t src;
    ml_store_source (txn, s_units, (void *) registry, year, &src);
    ml_report_ctx_t ctx = { rules, &src, ml_date_today () };
    char err[512] = "", id[ML_ID_MAX + 32], head[65];
    json_t *report = ml_report_unit_annual (&ctx, unit, year, ML_NODAY, err, sizeof err);
    if (!report)
        return ML_EIO;
    ml_query_hex (y.chain.head, 32, head);
    json_object_set_new (report, "submission", s_submission (&y));
    json_object_set_new (report, "document", json_pack ("{s:s, s:s, s:i, s:i, s:s, s:I, s:s}",
        "id", s_doc_id (unit, year, y.transitions, id, sizeof id), "unit", unit, "year", year,
        "version", (int) y.version, "state", ml_year_state_name (y.state),
        "chain_count", (json_int_t) y.chain.count, "chain_head", head));
    char *text = json_dumps (report, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref (report);
    if (!text)
        return ML_ENOMEM;
    rc = ml_chain_freeze (txn, unit, year, text, strlen (text));
    free (text);
    return rc;
}

int
ml_query_chain_freeze (ml_store_t *store, const ml_registry_t *registry, const ml_ruleset_t *rules)
{
    int rc;
    ml_store_txn_t *txn = ml_store_begin (store, false, &rc);
    if (!txn)
        return rc;
    s_todos_t todos = { 0 };
    rc = ml_chain_years_each (txn, NULL, s_collect_unfrozen, &todos);
    ml_store_abort (&txn);
    if (rc || !todos.n || !rules) {
        free (todos.todo);
        return rc;
    }
    if (!(txn = ml_store_begin (store, true, &rc))) {
        free (todos.todo);
        return rc;
    }
    for (size_t i = 0; i < todos.n && !rc; i++)
        rc = s_freeze_one (txn, registry, rules, todos.todo[i].unit, todos.todo[i].year);
    if (rc)
        ml_store_abort (&txn);
    else
        rc = ml_store_commit (&txn);
    free (todos.todo);
    return rc ? rc : (int) todos.n;
}

// ---------------------------------------------------------------------------
// review accept | return

int
ml_query_chain_review (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                       char *msg, size_t msglen)
{
    static const char *const allowed[] = { "unit", "year", "reason", NULL };
    bool accept = strcmp (q->command, "review accept") == 0;
    const char *unit, *reason = ml_query_arg (q, "reason");
    int year, rc = ml_query_only (q, allowed, code, codelen, msg, msglen);
    if (rc || (rc = ml_query_unit_year (q, &unit, &year, code, codelen, msg, msglen)))
        return rc;
    if (!accept && (!reason || !*reason))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "review return needs a reason (--reason TEXT): the "
                       "unit reads it");
    if (reason && strlen (reason) > 500)
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "reason: longer than 500 bytes");
    ml_store_txn_t *txn = ml_store_begin (q->store, true, &rc);
    if (!txn)
        return ML_QUERY_FAIL (rc, "storage", "cannot write the store: %s", ml_strerror (rc));
    ml_year_t y;
    char err[256];
    int64_t now = (int64_t) time (NULL);
    now = (int64_t) ml_date_today () * 86400 + now % 86400;     //  MASSLINE_TODAY, when set
    rc = ml_chain_decide (txn, unit, year, accept, q->who->id, reason, now, &y, err, sizeof err);
    if (rc == ML_ECONFLICT) {
        ml_store_abort (&txn);
        return ML_QUERY_FAIL (rc, "conflict", "%s", err);
    }
    if (!rc && accept && q->rules)
        rc = s_freeze_one (txn, q->registry, q->rules, unit, year);
    json_t *upstream = NULL;            //  the last unit accepted: the bureau's year goes up
    if (!rc && accept)
        rc = ml_query_tier_accepted (q, txn, year, &upstream);
    if (rc)
        ml_store_abort (&txn);
    else
        rc = ml_store_commit (&txn);
    if (rc) {
        json_decref (upstream);
        return ML_QUERY_FAIL (rc, "storage", "the decision could not be stored: %s", ml_strerror (rc));
    }
    *reply = json_pack ("{s:s, s:i, s:o}", "unit", unit, "year", year, "submission",
                        s_submission (&y));
    if (*reply && upstream)
        json_object_set_new (*reply, "upstream", upstream);
    else
        json_decref (upstream);
    return *reply ? 0 : ML_QUERY_FAIL (ML_ENOMEM, "internal", "out of memory");
}

// ---------------------------------------------------------------------------
// report completeness

int
ml_query_chain_completeness_check (const ml_query_t *q, char *code, size_t codelen, char *msg,
                                   size_t msglen)
{
    int year;
    ml_day_t as_of;
    return ml_query_year_as_of (q, &year, &as_of, code, codelen, msg, msglen);
}

//  Rate N / D rounded to 4 places, or null when nothing was due.
static json_t *
s_rate (int n, int d)
{
    return d ? json_real ((double) (int) ((double) n * 10000.0 / d + 0.5) / 10000.0) : json_null ();
}

int
ml_query_chain_completeness (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                             char *msg, size_t msglen)
{
    int year;
    ml_day_t as_of;
    int rc = ml_query_year_as_of (q, &year, &as_of, code, codelen, msg, msglen);
    if (rc)
        return rc;
    int due_day = q->due_day >= 1 && q->due_day <= 28 ? q->due_day : 10;
    ml_store_txn_t *txn = ml_store_begin (q->store, false, &rc);
    if (!txn)
        return ML_QUERY_FAIL (rc, "storage", "cannot read the store: %s", ml_strerror (rc));
    size_t n;
    const ml_unit_t **units = s_sorted_units (q->registry, &n);
    char day[16];
    json_t *list = json_array ();
    for (size_t u = 0; units && list && u < n && !rc; u++) {
        const char *unit = units[u]->id;
        int expected = 0, on_time = 0, late = 0, missing = 0;
        json_t *months = json_array ();
        for (int m = 1; m <= 12 && months; m++) {
            ml_day_t closed, due = ml_date_from_ymd (m == 12 ? year + 1 : year, m == 12 ? 1 : m + 1,
                                                     due_day);
            uint64_t added = 0;
            int prc = ml_chain_period (txn, unit, year, m, &closed, &added);
            if (prc && prc != ML_ENOTFOUND) {
                rc = prc;
                break;
            }
            const char *status;
            if (prc == 0) {
                status = closed <= due ? "on_time" : "late";
                *(closed <= due ? &on_time : &late) += 1;
                expected++;
            }
            else
            if (as_of > due) {
                status = "missing";
                missing++;
                expected++;
            }
            else
                status = "not_due";
            char month[8], dd[16];
            snprintf (month, sizeof month, "%04d-%02d", year, m);
            json_t *row = json_pack ("{s:s, s:s, s:o, s:s, s:I}", "month", month, "status", status,
                                     "closed", prc == 0 ? json_string (ml_date_format (closed, day))
                                                        : json_null (),
                                     "due", ml_date_format (due, dd), "late_additions",
                                     (json_int_t) added);
            if (!row || json_array_append_new (months, row))
                rc = ML_ENOMEM;
        }
        json_t *entry = months ? json_pack ("{s:s, s:s, s:o, s:o, s:i, s:i, s:i, s:i, s:b, s:o}",
            "unit", unit, "unit_name", units[u]->name ? units[u]->name : unit,
            "reporting_rate", s_rate (on_time + late, expected),
            "timeliness_rate", s_rate (on_time, expected),
            "expected", expected, "on_time", on_time, "late", late, "missing", missing,
            "no_data", on_time + late == 0, "months", months) : NULL;
        if (!entry || json_array_append_new (list, entry))
            rc = rc ? rc : ML_ENOMEM;
    }
    ml_store_abort (&txn);
    free (units);
    if (rc || !list) {
        json_decref (list);
        return ML_QUERY_FAIL (rc ? rc : ML_ENOMEM, "storage", "report completeness: %s",
                       ml_strerror (rc ? rc : ML_ENOMEM));
    }
    *reply = json_pack ("{s:s, s:i, s:i, s:s, s:o}", "report", "completeness", "year", year,
                        "due_day", due_day, "as_of", ml_date_format (as_of, day), "units", list);
    return *reply ? 0 : ML_QUERY_FAIL (ML_ENOMEM, "internal", "out of memory");
}

// ---------------------------------------------------------------------------
// report unit-annual: frozen or live

//  Q without its live= argument, for the report's own checks (ARGS holds the kept pointers).
static ml_query_t
s_without_live (const ml_query_t *q, char **args, bool *live)
{
    ml_query_t copy = *q;
    copy.args = args;
    copy.n_args = 0;
    *live = false;
    for (size_t i = 0; i < q->n_args; i++)
        if (strncmp (q->args[i], "live=", 5) == 0)
            *live = strcmp (q->args[i] + 5, "0") != 0;
        else
            args[copy.n_args++] = q->args[i];
    return copy;
}

int
ml_query_chain_unit_annual_check (const ml_query_t *q, char *code, size_t codelen, char *msg,
                                  size_t msglen)
{
    char **args = calloc (q->n_args + 1, sizeof *args);
    if (!args)
        return ML_QUERY_FAIL (ML_ENOMEM, "internal", "out of memory");
    bool live;
    ml_query_t copy = s_without_live (q, args, &live);
    int rc = ml_query_report_check (&copy, code, codelen, msg, msglen);
    free (args);
    return rc;
}

int
ml_query_chain_unit_annual (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                            char *msg, size_t msglen)
{
    char **args = calloc (q->n_args + 1, sizeof *args);
    if (!args)
        return ML_QUERY_FAIL (ML_ENOMEM, "internal", "out of memory");
    bool live;
    ml_query_t copy = s_without_live (q, args, &live);
    const char *unit = ml_query_arg (q, "unit");
    int year = atoi (ml_query_arg (q, "year"));
    int rc = 0;
    if (!live && !ml_query_arg (q, "as_of")) {
        ml_store_txn_t *txn = ml_store_begin (q->store, false, &rc);
        ml_document_t d;
        if (txn && ml_chain_document (txn, unit, year, 0, &d) == 0)
            *reply = s_frozen (&d);
        ml_store_abort (&txn);
        if (*reply) {
            free (args);
            return 0;
        }
    }
    rc = ml_query_report (&copy, reply, code, codelen, msg, msglen);
    free (args);
    if (rc)
        return rc;
    json_t *sub = ml_query_chain_submission (q->store, unit, year);
    if (sub)
        json_object_set_new (*reply, "submission", sub);
    return 0;
}

// ---------------------------------------------------------------------------
// report verify

int
ml_query_chain_verify (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                       char *msg, size_t msglen)
{
    static const char *const allowed[] = { "unit", "year", "n", NULL };
    const char *unit, *ntext = ml_query_arg (q, "n");
    int year, rc = ml_query_only (q, allowed, code, codelen, msg, msglen);
    if (rc || (rc = ml_query_unit_year (q, &unit, &year, code, codelen, msg, msglen)))
        return rc;
    long n = ntext ? strtol (ntext, NULL, 10) : 0;
    if (n <= 0 || n > 1000000)
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "report verify needs n=N (the document's number)");
    ml_store_txn_t *txn = ml_store_begin (q->store, false, &rc);
    if (!txn)
        return ML_QUERY_FAIL (rc, "storage", "cannot read the store: %s", ml_strerror (rc));
    ml_document_t d;
    char id[ML_ID_MAX + 32];
    rc = ml_chain_document (txn, unit, year, (uint32_t) n, &d);
    if (rc) {
        ml_store_abort (&txn);
        return rc == ML_ENOTFOUND
             ? ML_QUERY_FAIL (rc, "not_found", "no sealed document %s in the store",
                       s_doc_id (unit, year, (uint32_t) n, id, sizeof id))
             : ML_QUERY_FAIL (rc, "storage", "cannot read the store: %s", ml_strerror (rc));
    }
    uint8_t digest[32];
    ml_sha256 ((const uint8_t *) d.json, d.len, digest);
    bool digest_ok = memcmp (digest, d.digest, 32) == 0;
    char why[512] = "", head[65], at[32], hex[65];
    int vrc = ml_chain_verify (txn, unit, &d.chain, why, sizeof why);
    json_t *frozen = s_frozen (&d);
    ml_query_hex (d.chain.head, 32, head);
    ml_query_hex (d.digest, 32, hex);
    json_t *doc = json_pack ("{s:s, s:s, s:i, s:i, s:s, s:s, s:s?, s:I, s:s, s:s}",
        "id", s_doc_id (unit, year, d.n, id, sizeof id), "unit", unit, "year", year,
        "version", (int) d.version, "state", ml_year_state_name (d.state),
        "sealed_at", ml_query_iso (d.at, at, sizeof at), "decided_by", d.decided_by[0] ? d.decided_by : NULL,
        "chain_count", (json_int_t) d.chain.count, "chain_head", head, "digest", hex);
    ml_store_abort (&txn);
    if (vrc && vrc != ML_ECONFLICT) {
        json_decref (frozen);
        json_decref (doc);
        return ML_QUERY_FAIL (vrc, "storage", "cannot read the store: %s", ml_strerror (vrc));
    }
    if (!digest_ok)
        snprintf (why + strlen (why), sizeof why - strlen (why), "%sthe document's stored text no "
                  "longer has its recorded digest", why[0] ? "; " : "");
    *reply = json_pack ("{s:s, s:o, s:b, s:b, s:s, s:o}", "report", "verify", "document", doc,
                        "digest_ok", digest_ok, "store_agrees", vrc == 0 && digest_ok,
                        "why", why, "frozen", frozen ? frozen : json_null ());
    return *reply ? 0 : ML_QUERY_FAIL (ML_ENOMEM, "internal", "out of memory");
}
