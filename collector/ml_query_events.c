/* ml_query_events.c -- `events unit=U year=Y [person=P] [kind=K] [rule=R]`: the events behind a
   number. Reads one unit's stored events (every version) through ml_store_unit_events_each,
   keeps those that match, and gives each with its provenance: the agent and seq that recorded
   it, and the corrections and voids of its ref in the order they arrived. With rule=, an event
   matches when it adds to one of the rule's counted measures (ml_metrics_of) for the person. */
#include "ml_query_events.h"
#include "ml_metrics.h"

#include "ml_date.h"
#include "ml_err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_EVENTS 1000               //  listed at most; "truncated" says when more matched

//  What is asked.
typedef struct {
    const char *unit, *person, *kind;
    int year;
    const ml_rule_t *rule;              //  rule=, or NULL
    bool by_metric;                     //  the rule has counted measures: match on those
} s_ask_t;

int
ml_query_events_check (const ml_query_t *q, char *code, size_t codelen, char *msg, size_t msglen)
{
    static const char *const keys[] = { "unit", "year", "person", "kind", "rule", NULL };
    for (size_t i = 0; i < q->n_args; i++) {
        const char *eq = strchr (q->args[i], '=');
        bool ok = false;
        for (const char *const *k = keys; eq && *k; k++)
            ok = ok || (strlen (*k) == (size_t) (eq - q->args[i])
                        && strncmp (q->args[i], *k, strlen (*k)) == 0);
        if (!ok)
            return ML_QUERY_FAIL (ML_EINVAL, "invalid", "events: unknown argument '%.40s' (unit, "
                           "year, person, kind, rule)", q->args[i]);
    }
    const char *unit = ml_query_arg (q, "unit"), *year = ml_query_arg (q, "year");
    const char *person = ml_query_arg (q, "person"), *kind = ml_query_arg (q, "kind");
    if (!unit || !ml_registry_id_ok (unit))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "events needs unit=UNIT");
    if (!year || strlen (year) != 4 || strspn (year, "0123456789") != 4 || atoi (year) < 1900)
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "events needs year=YYYY");
    if (person && !ml_registry_id_ok (person))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "person: not an id (%.70s)", person);
    if (kind && !ml_event_kind_known (kind))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "kind: unknown kind '%.40s'", kind);
    return 0;
}

// ---------------------------------------------------------------------------
// Matching one version of an event.

static bool
s_counts_for (const s_ask_t *a, const ml_delta_t *d)
{
    if (d->year != a->year || (a->person && strcmp (d->person, a->person) != 0))
        return false;
    for (size_t i = 0; i < a->rule->nmeasures; i++)
        if (a->rule->measures[i] == d->metric)
            return true;
    for (size_t i = 0; i < a->rule->nof; i++)
        if (a->rule->of[i] == d->metric)
            return true;
    return false;
}

//  Does EV (a plain event, not a correction or void) match A?
static bool
s_match (const s_ask_t *a, const Massline__Event *ev)
{
    static const char *const person_keys[] = { "person", "head", "with", "signed_by", "about", NULL };
    const char *kind = ml_event_kind (ev);
    ml_day_t day;
    int y, m, d;
    if (!kind || (a->kind && strcmp (kind, a->kind) != 0) || ml_event_date (ev, &day))
        return false;
    ml_date_to_ymd (day, &y, &m, &d);
    if (y != a->year && !a->by_metric)
        return false;
    ml_delta_t *deltas = NULL;
    size_t n = 0;
    bool hit = false;
    if (a->by_metric) {
        if (ml_metrics_of (ev, 1, &deltas, &n) == 0)
            for (size_t i = 0; i < n && !hit; i++)
                hit = s_counts_for (a, &deltas[i]);
        free (deltas);
        return hit;
    }
    if (!a->person)
        return true;
    for (const char *const *k = person_keys; *k && !hit; k++) {
        const char *v = ml_event_str (ev, *k);
        hit = v && strcmp (v, a->person) == 0;
    }
    if (!hit && ml_metrics_of (ev, 1, &deltas, &n) == 0)
        for (size_t i = 0; i < n && !hit; i++)
            hit = strcmp (deltas[i].person, a->person) == 0;
    free (deltas);
    return hit;
}

// ---------------------------------------------------------------------------
// The walk: pass 1 the corrections and voids, pass 2 the events they and the filter name.

typedef struct {
    char target[ML_ID_MAX + 1];         //  the ref corrected or voided
    json_t *entry;                      //  its history entry
    json_t *current;                    //  a correction's new version (JSON), or NULL
    bool matches;                       //  a correction whose new version matches
    bool is_void;
} s_control_t;

typedef struct {
    const s_ask_t *ask;
    s_control_t *controls;
    size_t ncontrols, cap;
    json_t *events;                     //  the matching events (pass 2)
    size_t matched;
    int rc;
} s_walk_t;

static json_t *
s_provenance (const char *action, const char *ref, const char *date, const char *agent,
              uint64_t seq)
{
    return json_pack ("{s:s, s:s?, s:s?, s:s, s:I}", "action", action, "ref", ref, "date", date,
                      "agent", agent, "seq", (json_int_t) seq);
}

static int
s_on_control (void *arg, const char *agent, uint64_t seq, const uint8_t *data, size_t len)
{
    s_walk_t *w = arg;
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (data, len, &verr);
    if (!ev)
        return 0;
    bool corr = ev->body_case == MASSLINE__EVENT__BODY_CORRECTION && ev->correction;
    bool vd = ev->body_case == MASSLINE__EVENT__BODY_VOID && ev->void_;
    if (!corr && !vd) {
        ml_event_free (&ev);
        return 0;
    }
    if (w->ncontrols == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 16;
        s_control_t *grown = realloc (w->controls, cap * sizeof *grown);
        if (!grown) {
            ml_event_free (&ev);
            return w->rc = ML_ENOMEM;
        }
        w->controls = grown;
        w->cap = cap;
    }
    s_control_t *c = &w->controls[w->ncontrols];
    memset (c, 0, sizeof *c);
    snprintf (c->target, sizeof c->target, "%s", corr ? ev->correction->supersedes : ev->void_->supersedes);
    c->is_void = vd;
    c->entry = s_provenance (corr ? "correction" : "void", ev->ref,
                             corr ? ev->correction->date : ev->void_->date, agent, seq);
    if (c->entry && vd && ev->void_->reason)
        json_object_set_new (c->entry, "reason", json_string (ev->void_->reason));
    const char *restate = corr ? ev->correction->restatement_reason : ev->void_->restatement_reason;
    if (c->entry && restate)
        json_object_set_new (c->entry, "restatement_reason", json_string (restate));
    if (corr && ev->correction->event) {
        c->current = ml_event_to_json (ev->correction->event);
        c->matches = s_match (w->ask, ev->correction->event);
    }
    if (ev->note && c->entry)
        json_object_set_new (c->entry, "note", json_string (ev->note));
    ml_event_free (&ev);
    w->ncontrols++;
    return c->entry ? 0 : (w->rc = ML_ENOMEM);
}

static int
s_on_event (void *arg, const char *agent, uint64_t seq, const uint8_t *data, size_t len)
{
    s_walk_t *w = arg;
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (data, len, &verr);
    if (!ev)
        return 0;
    if (ev->body_case == MASSLINE__EVENT__BODY_CORRECTION || ev->body_case == MASSLINE__EVENT__BODY_VOID
    ||  !ev->ref) {
        ml_event_free (&ev);
        return 0;
    }
    bool hit = s_match (w->ask, ev);
    for (size_t i = 0; i < w->ncontrols && !hit; i++)
        hit = w->controls[i].matches && strcmp (w->controls[i].target, ev->ref) == 0;
    if (!hit) {
        ml_event_free (&ev);
        return 0;
    }
    w->matched++;
    if (json_array_size (w->events) >= S_MAX_EVENTS) {
        ml_event_free (&ev);
        return 0;
    }
    ml_day_t day;
    char date[16] = "";
    if (ml_event_date (ev, &day) == 0)
        ml_date_format (day, date);
    json_t *history = json_array ();
    json_t *first = s_provenance ("recorded", ev->ref, date[0] ? date : NULL, agent, seq);
    json_array_append_new (history, first);
    json_t *current = ml_event_to_json (ev);
    const char *state = "current";
    for (size_t i = 0; i < w->ncontrols; i++) {
        s_control_t *c = &w->controls[i];
        if (strcmp (c->target, ev->ref) != 0)
            continue;
        json_array_append (history, c->entry);
        if (c->is_void)
            state = "voided";
        else {
            if (strcmp (state, "voided") != 0)
                state = "corrected";
            if (c->current) {
                json_decref (current);
                current = json_incref (c->current);
            }
        }
    }
    json_t *row = json_pack ("{s:s, s:s, s:s, s:s, s:I, s:s, s:o, s:o}", "ref", ev->ref,
                             "kind", ml_event_kind (ev), "date", date, "agent", agent,
                             "seq", (json_int_t) seq, "state", state,
                             "event", current ? current : json_null (), "history", history);
    ml_event_free (&ev);
    if (!row || json_array_append_new (w->events, row))
        return w->rc = ML_ENOMEM;
    return 0;
}

static int
s_by_date (const void *a, const void *b)
{
    json_t *const *x = a, *const *y = b;
    int c = strcmp (json_string_value (json_object_get (*x, "date")),
                    json_string_value (json_object_get (*y, "date")));
    return c ? c : strcmp (json_string_value (json_object_get (*x, "ref")),
                           json_string_value (json_object_get (*y, "ref")));
}

//  EVENTS sorted by date, then ref.
static json_t *
s_sorted (json_t *events)
{
    size_t n = json_array_size (events);
    json_t **rows = malloc ((n ? n : 1) * sizeof *rows);
    json_t *out = json_array ();
    if (!rows || !out) {
        free (rows);
        json_decref (out);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        rows[i] = json_array_get (events, i);
    qsort (rows, n, sizeof *rows, s_by_date);
    for (size_t i = 0; i < n; i++)
        json_array_append (out, rows[i]);
    free (rows);
    return out;
}

int
ml_query_events (const ml_query_t *q, json_t **reply, char *code, size_t codelen, char *msg,
                 size_t msglen)
{
    int rc = ml_query_events_check (q, code, codelen, msg, msglen);
    if (rc)
        return rc;
    s_ask_t ask = { ml_query_arg (q, "unit"), ml_query_arg (q, "person"), ml_query_arg (q, "kind"),
                    atoi (ml_query_arg (q, "year")), NULL, false };
    const ml_unit_t *u = ml_registry_unit (q->registry, ask.unit);
    if (!u) {
        snprintf (code, codelen, "not_found");
        snprintf (msg, msglen, "unit: unknown unit '%s'", ask.unit);
        return ML_ENOTFOUND;
    }
    const char *rule = ml_query_arg (q, "rule");
    if (rule) {
        ask.rule = q->rules ? ml_ruleset_find (q->rules, rule) : NULL;
        if (!ask.rule) {
            snprintf (code, codelen, "not_found");
            snprintf (msg, msglen, "rule: no rule '%.40s' in the rule file", rule);
            return ML_ENOTFOUND;
        }
        for (size_t i = 0; i < ask.rule->nmeasures; i++) {
            int ck;
            ask.by_metric = ask.by_metric || ml_measure_source (ask.rule->measures[i], &ck) == ML_SOURCE_AGG;
        }
    }
    ml_store_txn_t *txn = ml_store_begin (q->store, false, &rc);
    if (!txn) {
        snprintf (code, codelen, "storage");
        snprintf (msg, msglen, "cannot read the store: %s", ml_strerror (rc));
        return rc;
    }
    s_walk_t w = { &ask, NULL, 0, 0, json_array (), 0, 0 };
    rc = w.events ? ml_store_unit_events_each (txn, ask.unit, s_on_control, &w) : ML_ENOMEM;
    if (!rc)
        rc = ml_store_unit_events_each (txn, ask.unit, s_on_event, &w);
    ml_store_abort (&txn);
    for (size_t i = 0; i < w.ncontrols; i++) {
        json_decref (w.controls[i].entry);
        json_decref (w.controls[i].current);
    }
    free (w.controls);
    json_t *sorted = rc ? NULL : s_sorted (w.events);
    json_decref (w.events);
    if (!sorted) {
        snprintf (code, codelen, rc == ML_ENOMEM || !rc ? "internal" : "storage");
        snprintf (msg, msglen, "events: %s", ml_strerror (rc ? rc : ML_ENOMEM));
        return rc ? rc : ML_ENOMEM;
    }
    *reply = json_pack ("{s:s, s:s, s:s, s:i, s:s?, s:s?, s:s?, s:s, s:I, s:b, s:o}",
                        "query", "events", "unit", ask.unit, "unit_name", u->name ? u->name : ask.unit,
                        "year", ask.year, "person", ask.person, "kind", ask.kind, "rule", rule,
                        "match", ask.by_metric ? "measures" : ask.person ? "person" : "unit",
                        "matched", (json_int_t) w.matched, "truncated", w.matched > S_MAX_EVENTS,
                        "events", sorted);
    if (!*reply) {
        snprintf (code, codelen, "internal");
        snprintf (msg, msglen, "out of memory");
        return ML_ENOMEM;
    }
    return 0;
}
