/* ml_report.c -- builds the report JSON of docs/reports.md from unit evaluations. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_report.h"

//  ---------------------------------------------------------------------------
//  Pieces

static json_t *
s_date (ml_day_t day)
{
    char buf[16];
    return json_string (ml_date_format (day, buf));
}

//  met / (met + unmet), 1 when nothing was checked; four decimals.
static double
s_compliance (const ml_tally_t *t)
{
    if (t->met + t->unmet == 0)
        return 1.0;
    return round (10000.0 * t->met / (t->met + t->unmet)) / 10000.0;
}

static json_t *
s_tally (const ml_tally_t *t, int system)
{
    json_t *obj = json_object ();
    if (system)
        json_object_set_new (obj, "system", json_integer (system));
    if (!system)
        json_object_set_new (obj, "rules_checked", json_integer (t->checked));
    else
        json_object_set_new (obj, "checked", json_integer (t->checked));
    json_object_set_new (obj, "met", json_integer (t->met));
    json_object_set_new (obj, "unmet", json_integer (t->unmet));
    json_object_set_new (obj, "warnings", json_integer (t->warnings));
    return obj;
}

//  The eight systems with their tallies; with NAMES (unit-annual) each carries its name.
static json_t *
s_systems (const ml_ruleset_t *rules, const ml_unit_eval_t *ue, bool names)
{
    json_t *list = json_array ();
    for (int s = 1; s <= ML_SYSTEMS; s++) {
        json_t *obj = s_tally (&ue->systems[s], s);
        if (names)
            json_object_set_new (obj, "name", json_string (ml_ruleset_system_name (rules, s)));
        json_array_append_new (list, obj);
    }
    return list;
}

//  The year of day DAY.
static int
s_year_of (ml_day_t day)
{
    int y, m, d;
    ml_date_to_ymd (day, &y, &m, &d);
    return y;
}

//  A case rule's failing cases (V7, V10): id, the year it was opened, its owner.
static json_t *
s_failed_cases (const ml_unit_eval_t *ue, const ml_result_t *res)
{
    json_t *list = json_array ();
    for (int i = 0; i < res->nfailed; i++) {
        const ml_case_t *c = &ue->cases[res->failed[i]];
        const char *owner = ml_eval_case_owner (ue, c);
        json_array_append_new (list, json_pack ("{sssiso}", "case", c->key.id, "opened",
                                                s_year_of (c->opened), "owner",
                                                *owner ? json_string (owner) : json_null ()));
    }
    return list;
}

static json_t *
s_rule (const ml_unit_eval_t *ue, const ml_result_t *res)
{
    const ml_rule_t *rule = res->rule;
    json_t *obj = json_object ();
    json_object_set_new (obj, "rule", json_string (rule->id));
    json_object_set_new (obj, "system", json_integer (rule->system));
    json_object_set_new (obj, "status", json_string (ml_status_name (res->status)));
    json_object_set_new (obj, "severity", json_string (ml_severity_name (rule->severity)));
    json_object_set_new (obj, "actual", json_integer (res->actual));
    json_object_set_new (obj, "required", json_integer (res->required));
    if (res->has_max)
        json_object_set_new (obj, "max", json_integer (res->max));
    if (res->nmissed) {
        json_t *missed = json_array ();
        for (int i = 0; i < res->nmissed; i++)
            json_array_append_new (missed, json_string (res->missed[i]));
        json_object_set_new (obj, "missed", missed);
    }
    if (res->nfailed)
        json_object_set_new (obj, "cases", s_failed_cases (ue, res));
    if (res->status == ML_STATUS_EXEMPTED)
        json_object_set_new (obj, "reason", json_string (res->reason ? res->reason : ""));
    json_object_set_new (obj, "text", json_string (rule->zh));
    return obj;
}

static const char *
s_role_name (int role)
{
    const ProtobufCEnumValue *v
        = protobuf_c_enum_descriptor_get_value (&massline__role__id__descriptor, role);
    return v ? v->name : "?";
}

//  Every counter of the person with a value in the window, plus months with reception days
//  and the assignments held.
static json_t *
s_metrics (const ml_unit_eval_t *ue, const ml_person_t *p)
{
    json_t *obj = json_object ();
    for (int m = 1; m < ML_METRIC_COUNT; m++) {
        int64_t v = ml_eval_sum (ue, p->id, m, NULL, 1, ue->last_month);
        if (v && m != ML_METRIC_TALKS_MEMBER)
            json_object_set_new (obj, ml_metric_name (m), json_integer (v));
    }
    int months = 0, halves = 0;
    for (int m = 1; m <= ue->last_month; m++) {
        months += ml_eval_sum (ue, p->id, ML_METRIC_RECEPTION_DAYS, NULL, m, m) > 0;
        halves += ml_eval_sum (ue, p->id, ML_METRIC_RECEPTION_DAYS, "a", m, m) > 0;
        halves += ml_eval_sum (ue, p->id, ML_METRIC_RECEPTION_DAYS, "b", m, m) > 0;
    }
    if (months)
        json_object_set_new (obj, "reception_months", json_integer (months));
    if (halves)
        json_object_set_new (obj, "reception_half_months", json_integer (halves));
    int64_t points = ml_eval_assignments (ue, p->id, ML_CASE_CONTACT_POINT);
    int64_t families = ml_eval_assignments (ue, p->id, ML_CASE_PAIRED_FAMILY);
    if (points)
        json_object_set_new (obj, "contact_points", json_integer (points));
    if (families)
        json_object_set_new (obj, "paired_families", json_integer (families));
    return obj;
}

//  One element of unit-annual "persons" (and the cadre report's "person").
static json_t *
s_person (const ml_unit_eval_t *ue, size_t pidx)
{
    const ml_person_t *p = &ue->persons[pidx];
    json_t *obj = json_object ();
    json_object_set_new (obj, "person", json_string (p->id));
    json_object_set_new (obj, "name", json_string (p->name));
    json_object_set_new (obj, "org", p->org[0] ? json_string (p->org) : json_null ());
    json_t *roles = json_array ();
    uint32_t held = ml_eval_roles (ue, p);
    for (int r = 1; r < 32; r++)
        if (held & (1u << r))
            json_array_append_new (roles, json_string (s_role_name (r)));
    json_object_set_new (obj, "roles", roles);
    json_object_set_new (obj, "metrics", s_metrics (ue, p));
    json_t *rules = json_array ();
    for (size_t i = 0; i < ue->nresults; i++)
        if (ue->results[i].person == (int) pidx)
            json_array_append_new (rules, s_rule (ue, &ue->results[i]));
    json_object_set_new (obj, "rules", rules);
    return obj;
}

static json_t *
s_counts (const char *k1, int v1, const char *k2, int v2, const char *k3, int v3,
          const char *k4, int v4)
{
    return json_pack ("{sisisisi}", k1, v1, k2, v2, k3, v3, k4, v4);
}

//  The "cases" block: cases opened in the window, judged on as_of.
static json_t *
s_cases (const ml_unit_eval_t *ue)
{
    int pet[4] = { 0 }, opi[4] = { 0 }, com[4] = { 0 };
    ml_day_t start = ml_date_from_ymd (ue->year, 1, 1), as_of = ue->as_of;
    for (size_t i = 0; i < ue->ncases; i++) {
        const ml_case_t *c = &ue->cases[i];
        if (!(c->flags & ML_CASE_OPENED) || c->opened < start || c->opened > ue->to)
            continue;
        bool closed = ml_case_closed_by (c, as_of), overdue = ml_case_overdue (c, as_of);
        int *t = c->key.kind == ML_CASE_PETITION ? pet : c->key.kind == ML_CASE_OPINION ? opi
               : c->key.kind == ML_CASE_COMMITMENT ? com : NULL;
        if (!t)
            continue;
        t[0]++;
        t[3] += overdue;
        if (c->key.kind == ML_CASE_PETITION) {
            t[1] += closed;
            t[2] += closed && (!c->signer[0] || strcmp (c->signer, c->person) != 0);
        }
        else if (c->key.kind == ML_CASE_OPINION) {
            t[1] += (c->flags & ML_CASE_ASSIGNED) && c->assigned <= as_of;
            t[2] += closed && !overdue;
        }
        else {
            t[1] += closed;
            t[2] += c->grades[0] || c->grades[1] || c->grades[2] || c->grades[3];
        }
    }
    json_t *obj = json_object ();
    json_object_set_new (obj, "petitions", s_counts ("received", pet[0], "closed", pet[1],
                                                     "unsigned", pet[2], "overdue", pet[3]));
    json_object_set_new (obj, "opinions", s_counts ("received", opi[0], "assigned", opi[1],
                                                    "closed_on_time", opi[2], "overdue", opi[3]));
    json_object_set_new (obj, "commitments", s_counts ("made", com[0], "fulfilled", com[1],
                                                       "evaluated", com[2], "overdue", com[3]));
    return obj;
}

//  A report object, its kind first.
static json_t *
s_head (const char *report)
{
    json_t *obj = json_object ();
    json_object_set_new (obj, "report", json_string (report));
    return obj;
}

static void
s_head_year (json_t *obj, const ml_report_ctx_t *ctx, int year, ml_day_t as_of)
{
    json_object_set_new (obj, "year", json_integer (year));
    json_object_set_new (obj, "as_of", s_date (as_of));
    json_object_set_new (obj, "rules_version", json_string (ml_ruleset_id (ctx->rules)));
}

//  ---------------------------------------------------------------------------
//  Units

typedef struct {
    char (*ids)[ML_ID_MAX + 1];
    char **names;
    size_t n;
    int rc;
} s_units_t;

static int
s_on_unit (void *arg, const char *unit, const char *name)
{
    s_units_t *u = arg;
    char (*ids)[ML_ID_MAX + 1] = realloc (u->ids, (u->n + 1) * sizeof *ids);
    if (ids)
        u->ids = ids;
    char **names = realloc (u->names, (u->n + 1) * sizeof *names);
    if (names)
        u->names = names;
    if (!ids || !names)
        return ML_ENOMEM;
    snprintf (u->ids[u->n], sizeof u->ids[0], "%s", unit);
    if (!(u->names[u->n] = strdup (name ? name : "")))
        return ML_ENOMEM;
    u->n++;
    return 0;
}

static void
s_units_free (s_units_t *u)
{
    for (size_t i = 0; i < u->n; i++)
        free (u->names[i]);
    free (u->names);
    free (u->ids);
    memset (u, 0, sizeof *u);
}

static int
s_units (const ml_report_ctx_t *ctx, s_units_t *u, char *err, size_t errlen)
{
    memset (u, 0, sizeof *u);
    int rc = ctx->src->units (ctx->src->ctx, s_on_unit, u);
    if (rc) {
        snprintf (err, errlen, "reading units: %s", ml_strerror (rc));
        s_units_free (u);
    }
    return rc;
}

static ml_day_t
s_as_of (const ml_report_ctx_t *ctx, int year, ml_day_t as_of)
{
    return as_of != ML_NODAY ? as_of : ml_eval_default_as_of (year, ctx->today);
}

//  Evaluates UNIT (which must be registered) for YEAR.
static ml_unit_eval_t *
s_eval_one (const ml_report_ctx_t *ctx, const char *unit, int year, ml_day_t as_of,
            char *err, size_t errlen)
{
    s_units_t units;
    if (s_units (ctx, &units, err, errlen))
        return NULL;
    ml_unit_eval_t *ue = NULL;
    size_t i = 0;
    while (i < units.n && strcmp (units.ids[i], unit) != 0)
        i++;
    if (i == units.n)
        snprintf (err, errlen, "unknown unit '%s'", unit);
    else
        ue = ml_eval_unit (ctx->rules, ctx->src, unit, units.names[i], year, as_of, err, errlen);
    s_units_free (&units);
    return ue;
}

//  ---------------------------------------------------------------------------
//  unit-annual and cadre

static int
s_on_org_name (void *arg, const Massline__Event *ev)
{
    if (ev->body_case == MASSLINE__EVENT__BODY_ORG && ev->org->name && ev->org->name[0])
        json_object_set_new (arg, ev->org->org, json_string (ev->org->name));
    return 0;
}

//  Sets PERSON's "org_name" from NAMES (org id -> the org ledger's name); null when unknown.
static void
s_org_name (const json_t *names, json_t *person)
{
    const char *org = json_string_value (json_object_get (person, "org"));
    json_t *name = org ? json_object_get (names, org) : NULL;
    json_object_set (person, "org_name", name ? name : json_null ());
}

//  Adds "org_name" to each of PERSONS (an array, or the cadre's one person), so that readers see
//  内科党支部 where the roster says B01. Without the org ledger the names stay null.
static void
s_org_names (const ml_report_ctx_t *ctx, const char *unit, json_t *persons)
{
    json_t *names = json_object ();
    if (ctx->src->orgs (ctx->src->ctx, unit, s_on_org_name, names) != 0)
        json_object_clear (names);
    size_t i;
    json_t *person;
    if (json_is_array (persons))
        json_array_foreach (persons, i, person)
            s_org_name (names, person);
    else
        s_org_name (names, persons);
    json_decref (names);
}

static json_t *
s_unit_annual (const ml_report_ctx_t *ctx, const ml_unit_eval_t *ue)
{
    json_t *obj = s_head ("unit-annual");
    json_object_set_new (obj, "unit", json_string (ue->unit));
    json_object_set_new (obj, "unit_name", json_string (ue->unit_name));
    s_head_year (obj, ctx, ue->year, ue->as_of);
    if (ue->no_data)
        json_object_set_new (obj, "status", json_string ("no_data"));   //  V5, P11
    json_t *persons = json_array (), *unit_rules = json_array ();
    for (size_t i = 0; i < ue->npersons; i++)
        if (ue->persons[i].listed)
            json_array_append_new (persons, s_person (ue, i));
    for (size_t i = 0; i < ue->nresults; i++)
        if (ue->results[i].person < 0)
            json_array_append_new (unit_rules, s_rule (ue, &ue->results[i]));
    s_org_names (ctx, ue->unit, persons);
    json_object_set_new (obj, "persons", persons);
    json_object_set_new (obj, "unit_rules", unit_rules);
    json_object_set_new (obj, "cases", s_cases (ue));
    json_object_set_new (obj, "summary", s_tally (&ue->summary, 0));
    json_object_set_new (obj, "systems", s_systems (ctx->rules, ue, true));
    return obj;
}

json_t *
ml_report_unit_annual (const ml_report_ctx_t *ctx, const char *unit, int year, ml_day_t as_of,
                       char *err, size_t errlen)
{
    ml_unit_eval_t *ue = s_eval_one (ctx, unit, year, s_as_of (ctx, year, as_of), err, errlen);
    if (!ue)
        return NULL;
    json_t *obj = s_unit_annual (ctx, ue);
    ml_eval_free (&ue);
    return obj;
}

json_t *
ml_report_cadre (const ml_report_ctx_t *ctx, const char *unit, const char *person, int year,
                 ml_day_t as_of, char *err, size_t errlen)
{
    ml_unit_eval_t *ue = s_eval_one (ctx, unit, year, s_as_of (ctx, year, as_of), err, errlen);
    if (!ue)
        return NULL;
    json_t *obj = NULL;
    size_t i = 0;
    while (i < ue->npersons && strcmp (ue->persons[i].id, person) != 0)
        i++;
    if (i == ue->npersons)
        snprintf (err, errlen, "no person '%s' in unit '%s'", person, unit);
    else {
        obj = s_head ("cadre");
        json_object_set_new (obj, "unit", json_string (ue->unit));
        json_object_set_new (obj, "unit_name", json_string (ue->unit_name));
        s_head_year (obj, ctx, year, ue->as_of);
        json_t *one = s_person (ue, i);
        s_org_names (ctx, ue->unit, one);
        json_object_set_new (obj, "person", one);
    }
    ml_eval_free (&ue);
    return obj;
}

//  ---------------------------------------------------------------------------
//  Over all units: rollup, bulletin, watchlist

//  Calls FN for the evaluation of every unit; stops at the first failure.
typedef int (s_unit_cb) (void *arg, const ml_unit_eval_t *ue);

static int
s_each_unit (const ml_report_ctx_t *ctx, int year, ml_day_t as_of, s_unit_cb *fn, void *arg,
             char *err, size_t errlen)
{
    s_units_t units;
    int rc = s_units (ctx, &units, err, errlen);
    for (size_t i = 0; !rc && i < units.n; i++) {
        ml_unit_eval_t *ue = ml_eval_unit (ctx->rules, ctx->src, units.ids[i], units.names[i],
                                           year, as_of, err, errlen);
        rc = ue ? fn (arg, ue) : ML_EIO;
        ml_eval_free (&ue);
    }
    s_units_free (&units);
    return rc;
}

static size_t
s_listed (const ml_unit_eval_t *ue)
{
    size_t n = 0;
    for (size_t i = 0; i < ue->npersons; i++)
        n += ue->persons[i].listed;
    return n;
}

static void
s_add_tally (ml_tally_t *sum, const ml_tally_t *t)
{
    sum->checked += t->checked;
    sum->met += t->met;
    sum->unmet += t->unmet;
    sum->warnings += t->warnings;
}

typedef struct {
    const ml_report_ctx_t *ctx;
    json_t *units;
    ml_tally_t total;
} s_rollup_t;

//  A unit's entry in rollup and bulletin.
static json_t *
s_unit_entry (const ml_report_ctx_t *ctx, const ml_unit_eval_t *ue)
{
    json_t *obj = json_object ();
    json_object_set_new (obj, "unit", json_string (ue->unit));
    json_object_set_new (obj, "unit_name", json_string (ue->unit_name));
    json_object_set_new (obj, "persons", json_integer ((json_int_t) s_listed (ue)));
    if (ue->no_data)
        json_object_set_new (obj, "status", json_string ("no_data"));   //  P11: no rank
    json_object_set_new (obj, "compliance", json_real (s_compliance (&ue->summary)));
    json_object_set_new (obj, "summary", s_tally (&ue->summary, 0));
    json_object_set_new (obj, "systems", s_systems (ctx->rules, ue, false));
    return obj;
}

static int
s_rollup_unit (void *arg, const ml_unit_eval_t *ue)
{
    s_rollup_t *r = arg;
    json_array_append_new (r->units, s_unit_entry (r->ctx, ue));
    s_add_tally (&r->total, &ue->summary);
    return 0;
}

json_t *
ml_report_rollup (const ml_report_ctx_t *ctx, int year, ml_day_t as_of, char *err, size_t errlen)
{
    as_of = s_as_of (ctx, year, as_of);
    s_rollup_t r = { ctx, json_array (), { 0 } };
    if (s_each_unit (ctx, year, as_of, s_rollup_unit, &r, err, errlen)) {
        json_decref (r.units);
        return NULL;
    }
    json_t *obj = s_head ("rollup");
    s_head_year (obj, ctx, year, as_of);
    json_t *systems = json_array ();
    for (int s = 1; s <= ML_SYSTEMS; s++)
        json_array_append_new (systems, json_pack ("{siss}", "system", s, "name",
                                                   ml_ruleset_system_name (ctx->rules, s)));
    json_object_set_new (obj, "systems", systems);
    json_object_set_new (obj, "units", r.units);
    json_object_set_new (obj, "summary", s_tally (&r.total, 0));
    return obj;
}

static int
s_rank_cmp (const void *a, const void *b)
{
    json_t *x = *(json_t *const *) a, *y = *(json_t *const *) b;
    double cx = json_real_value (json_object_get (x, "compliance"));
    double cy = json_real_value (json_object_get (y, "compliance"));
    bool nx = json_object_get (x, "status") != NULL, ny = json_object_get (y, "status") != NULL;
    if (nx != ny)
        return nx ? 1 : -1;                 //  units with no data last
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return strcmp (json_string_value (json_object_get (x, "unit")),
                   json_string_value (json_object_get (y, "unit")));
}

//  Units by compliance (highest first), ties by unit id, each with its rank.
static json_t *
s_ranked (json_t *units)
{
    size_t n = json_array_size (units);
    json_t **items = calloc (n ? n : 1, sizeof *items);
    json_t *ranked = json_array ();
    for (size_t i = 0; items && i < n; i++)
        items[i] = json_array_get (units, i);
    if (items)
        qsort (items, n, sizeof *items, s_rank_cmp);
    for (size_t i = 0; items && i < n; i++) {
        json_t *obj = json_object ();
        if (!json_object_get (items[i], "status"))
            json_object_set_new (obj, "rank", json_integer ((json_int_t) i + 1));
        json_object_update (obj, items[i]);
        json_object_del (obj, "persons");     //  a rollup key; the bulletin shows compliance
        json_array_append_new (ranked, obj);
    }
    free (items);
    json_decref (units);
    return ranked;
}

json_t *
ml_report_bulletin (const ml_report_ctx_t *ctx, const char *period, char *err, size_t errlen)
{
    ml_day_t from, to;
    if (ml_date_period (period, &from, &to)) {
        snprintf (err, errlen, "period: not a month (2025-03) or a quarter (2025-Q1): '%.20s'",
                  period);
        return NULL;
    }
    int year, m, d;
    ml_date_to_ymd (from, &year, &m, &d);
    s_rollup_t r = { ctx, json_array (), { 0 } };
    if (s_each_unit (ctx, year, to, s_rollup_unit, &r, err, errlen)) {
        json_decref (r.units);
        return NULL;
    }
    json_t *obj = s_head ("bulletin");
    json_object_set_new (obj, "period", json_string (period));
    json_object_set_new (obj, "from", s_date (from));
    json_object_set_new (obj, "to", s_date (to));
    json_object_set_new (obj, "rules_version", json_string (ml_ruleset_id (ctx->rules)));
    json_object_set_new (obj, "units", s_ranked (r.units));
    return obj;
}

typedef struct {
    json_t *rows;
    json_t *units;
    const ml_ruleset_t *rules;
} s_watch_t;

//  A watch-list row of UE for PERSON (NULL: unit level).
static json_t *
s_watch_row (const ml_unit_eval_t *ue, const ml_person_t *p, const char *rule, const char *text,
             int severity, int64_t actual, int64_t required)
{
    json_t *row = json_object ();
    json_object_set_new (row, "unit", json_string (ue->unit));
    json_object_set_new (row, "unit_name", json_string (ue->unit_name));
    json_object_set_new (row, "person", p ? json_string (p->id) : json_null ());
    json_object_set_new (row, "name", p ? json_string (p->name) : json_null ());
    json_object_set_new (row, "rule", json_string (rule));
    json_object_set_new (row, "text", json_string (text));
    json_object_set_new (row, "severity", json_string (ml_severity_name (severity)));
    json_object_set_new (row, "actual", json_integer (actual));
    json_object_set_new (row, "required", json_integer (required));
    return row;
}

//  V10: a failing case's row names its owner (a person of the roster when known) and the case.
static int
s_watch_cases (s_watch_t *w, const ml_unit_eval_t *ue, const ml_result_t *res)
{
    for (int i = 0; i < res->nfailed; i++) {
        const ml_case_t *c = &ue->cases[res->failed[i]];
        const char *owner = ml_eval_case_owner (ue, c);
        const ml_person_t *p = NULL;
        for (size_t k = 0; *owner && k < ue->npersons && !p; k++)
            if (strcmp (ue->persons[k].id, owner) == 0)
                p = &ue->persons[k];
        json_t *row = s_watch_row (ue, p, res->rule->id, res->rule->zh, res->rule->severity, 0, 1);
        if (!p && *owner)
            json_object_set_new (row, "person", json_string (owner));
        json_object_set_new (row, "case", json_string (c->key.id));
        json_object_set_new (row, "opened", json_integer (s_year_of (c->opened)));
        json_array_append_new (w->rows, row);
    }
    return res->nfailed;
}

//  V13, P5: persons with at least the threshold of opinions and appeals about them in the year.
static int
s_watch_complaints (s_watch_t *w, const ml_unit_eval_t *ue)
{
    int rows = 0, threshold = ml_ruleset_complaints (w->rules);
    ml_day_t jan1 = ml_date_from_ymd (ue->year, 1, 1);
    for (size_t k = 0; k < ue->npersons; k++) {
        const ml_person_t *p = &ue->persons[k];
        int n = 0;
        for (size_t i = 0; i < ue->ncases; i++) {
            const ml_case_t *c = &ue->cases[i];
            n += (c->key.kind == ML_CASE_OPINION || c->key.kind == ML_CASE_APPEAL)
              && (c->flags & ML_CASE_OPENED) && c->opened >= jan1 && c->opened <= ue->to
              && strcmp (c->about, p->id) == 0;
        }
        if (n >= threshold) {
            json_array_append_new (w->rows, s_watch_row (ue, p, "S.3", "群众意见大",
                                                         ML_SEVERITY_VIOLATION, n, threshold));
            rows++;
        }
    }
    return rows;
}

static int
s_watch_unit (void *arg, const ml_unit_eval_t *ue)
{
    s_watch_t *w = arg;
    int unmet = 0;
    //  Persons are in id order and their results come first, unit-level ones last; the rows
    //  are sorted by unit, person, rule below.
    for (size_t i = 0; i < ue->nresults; i++) {
        const ml_result_t *res = &ue->results[i];
        if (res->status != ML_STATUS_UNMET)
            continue;
        if (res->nfailed) {
            unmet += s_watch_cases (w, ue, res);
            continue;
        }
        unmet++;
        const ml_person_t *p = res->person >= 0 ? &ue->persons[res->person] : NULL;
        json_array_append_new (w->rows, s_watch_row (ue, p, res->rule->id, res->rule->zh,
                                                     res->rule->severity, res->actual, res->required));
    }
    unmet += s_watch_complaints (w, ue);
    if (unmet)
        json_array_append_new (w->units, json_pack ("{sssssi}", "unit", ue->unit, "unit_name",
                                                    ue->unit_name, "unmet", unmet));
    return 0;
}

//  Rows by unit, then person (unit-level rows, person null, first), then rule id, then case. The
//  four keys of each row are read once before the sort, not twice per comparison.
typedef struct {
    const char *key[4];
    json_t *row;
} s_sort_item_t;

static int
s_row_cmp (const void *a, const void *b)
{
    const s_sort_item_t *x = a, *y = b;
    for (int k = 0; k < 4; k++) {
        int c = strcmp (x->key[k], y->key[k]);
        if (c)
            return c;
    }
    return 0;
}

static void
s_sort_rows (json_t *rows)
{
    static const char *const keys[4] = { "unit", "person", "rule", "case" };
    size_t n = json_array_size (rows);
    s_sort_item_t *items = calloc (n ? n : 1, sizeof *items);
    if (!items)
        return;
    for (size_t i = 0; i < n; i++) {
        items[i].row = json_incref (json_array_get (rows, i));
        for (int k = 0; k < 4; k++) {
            const char *v = json_string_value (json_object_get (items[i].row, keys[k]));
            items[i].key[k] = v ? v : "";
        }
    }
    qsort (items, n, sizeof *items, s_row_cmp);
    json_array_clear (rows);
    for (size_t i = 0; i < n; i++)
        json_array_append_new (rows, items[i].row);
    free (items);
}

json_t *
ml_report_watchlist (const ml_report_ctx_t *ctx, int year, ml_day_t as_of, char *err,
                     size_t errlen)
{
    as_of = s_as_of (ctx, year, as_of);
    s_watch_t w = { json_array (), json_array (), ctx->rules };
    if (s_each_unit (ctx, year, as_of, s_watch_unit, &w, err, errlen)) {
        json_decref (w.rows);
        json_decref (w.units);
        return NULL;
    }
    s_sort_rows (w.rows);
    json_t *obj = s_head ("watchlist");
    s_head_year (obj, ctx, year, as_of);
    json_object_set_new (obj, "rows", w.rows);
    json_object_set_new (obj, "units", w.units);
    return obj;
}

//  Rectification (V14): rows of earlier years still overdue in this one, built by
//  ml_query_watch.c, join the watch list; the rows are sorted again.
void
ml_report_watchlist_carry (json_t *watchlist, json_t *carried)
{
    json_t *rows = json_object_get (watchlist, "rows");
    if (json_is_array (rows) && json_is_array (carried))
        json_array_extend (rows, carried);
    json_object_set_new (watchlist, "carried_over", json_integer ((json_int_t) json_array_size (carried)));
    json_decref (carried);
    s_sort_rows (rows);
}
