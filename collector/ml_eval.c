/* ml_eval.c -- judges the rules of a rule set for one unit and year: the per-unit driver, and
   loading the roster, organisations and cases from the source. Time and counters are in
   ml_eval_time.c, measures in ml_eval_measure.c, judging in ml_eval_judge.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_eval_private.h"

//  P8: a review naming no term reviews the person's latest term begun by the review's day.
static void
s_resolve_reviews (ml_unit_eval_t *ue)
{
    for (size_t i = 0; i < ue->ncases; i++) {
        const ml_case_t *r = &ue->cases[i];
        if (r->key.kind != ML_CASE_REVIEW || !(r->flags & ML_CASE_OPENED))
            continue;
        ml_case_t *best = NULL;
        for (size_t j = 0; j < ue->ncases; j++) {
            ml_case_t *c = &ue->cases[j];
            if (c->key.kind == ML_CASE_SECONDMENT && (c->flags & ML_CASE_OPENED)
                && strcmp (c->person, r->person) == 0 && c->from != ML_NODAY && c->from <= r->opened
                && (!best || c->from > best->from))
                best = c;
        }
        if (best && (!(best->flags & ML_CASE_REVIEWED) || best->reviewed > r->opened)) {
            best->flags |= ML_CASE_REVIEWED;
            best->reviewed = r->opened;
        }
    }
}

//  V12: the exemption of RULE for person PERSON or organisation (or unit) ORG that was recorded
//  by as_of and whose period touches the window; NULL when none.
static const ml_case_t *
s_exemption (const ml_unit_eval_t *ue, const ml_rule_t *rule, const char *person, const char *org)
{
    ml_day_t jan1 = ml_ev_month_start (ue->year, 1);
    for (size_t i = 0; i < ue->ncases; i++) {
        const ml_case_t *c = &ue->cases[i];
        if (c->key.kind != ML_CASE_EXEMPTION || !(c->flags & ML_CASE_OPENED) || c->opened > ue->as_of
            || strcmp (c->target, rule->id) != 0 || c->from == ML_NODAY || c->from > ue->to
            || (c->to != ML_NODAY && c->to < jan1))
            continue;
        if (person ? strcmp (c->person, person) == 0 : (org && strcmp (c->org, org) == 0))
            return c;
    }
    return NULL;
}

//  V12: turns the verdicts that an exemption covers into `exempted`, with its reason.
static void
s_exempt (ml_unit_eval_t *ue)
{
    for (size_t i = 0; i < ue->nresults; i++) {
        ml_result_t *r = &ue->results[i];
        if (r->status == ML_STATUS_EXEMPTED)
            continue;
        const ml_case_t *x = r->person >= 0 ? s_exemption (ue, r->rule, ue->persons[r->person].id, NULL)
                                            : s_exemption (ue, r->rule, NULL, ue->unit);
        if (x) {
            r->status = ML_STATUS_EXEMPTED;
            r->reason = x->text;
        }
    }
}

//  Whether secondment C is judged by RULE in the evaluated year (V8, P8): the term (with its
//  30-day review window) touches the year; 3.1 and 3.2d only in the year the term ends.
static bool
s_secondment_in_year (const ml_unit_eval_t *ue, const ml_rule_t *rule, const ml_case_t *c)
{
    ml_day_t jan1 = ml_date_from_ymd (ue->year, 1, 1), dec31 = ml_date_from_ymd (ue->year, 12, 31);
    if (c->from == ML_NODAY || c->to == ML_NODAY)
        return c->opened <= ue->to;
    int m = rule->measures[0];
    if (m == ML_MEASURE_SECONDMENT_MONTHS || m == ML_MEASURE_SECONDMENT_TRAINING)
        return c->to >= jan1 && c->to <= dec31;
    if (m == ML_MEASURE_SECONDMENT_LIAISON) {       //  P8: a year the term covers a whole month
        for (int month = 1; month <= 12; month++)
            if (c->from <= ml_ev_month_start (ue->year, month) && c->to >= ml_ev_month_end (ue->year, month)
                && ml_ev_month_start (ue->year, month) <= ue->to)
                return true;
        return false;
    }
    return c->from <= ue->to && c->to + 30 >= jan1;
}

//  3.x: a rule on each of the person's own secondments (V8: each term its own case; category
//  from the record, else from the role); the person's result is the first term that fails it.
static void
s_person_case (ml_unit_eval_t *ue, const ml_rule_t *rule, const ml_person_t *p)
{
    int role_category = 0;
    for (size_t i = 0; i < p->nroles; i++)
        if (p->roles[i].role == MASSLINE__ROLE__ID__seconded && p->roles[i].category)
            role_category = p->roles[i].category;
    ml_result_t *res = NULL;
    bool any = false;
    for (size_t i = 0; i < ue->ncases; i++) {
        const ml_case_t *c = &ue->cases[i];
        if (c->key.kind != ML_CASE_SECONDMENT || !(c->flags & ML_CASE_OPENED)
            || strcmp (c->person, p->id) != 0 || !s_secondment_in_year (ue, rule, c))
            continue;
        int category = c->category ? c->category : role_category;
        if (rule->category && category != rule->category)
            continue;
        any = true;
        if (!res && !(res = ml_ev_result (ue, rule, (int) (p - ue->persons))))
            return;
        int64_t v;
        ml_result_t one = *res;
        if (!ml_ev_case_value (ue, rule, rule->measures[0], c, &v))
            continue;
        ml_ev_judge (&one, v, rule->has_min ? rule->min : 0);
        if (res->status == ML_STATUS_NA || res->status == ML_STATUS_MET)
            *res = one;
    }
    if (!any && (!rule->category || role_category == rule->category)) {
        //  No secondment recorded: 3.2a has no mentor on record either.
        res = ml_ev_result (ue, rule, (int) (p - ue->persons));
        int64_t v;
        if (res && ml_ev_case_value (ue, rule, rule->measures[0], NULL, &v))
            ml_ev_judge (res, v, rule->has_min ? rule->min : 0);
    }
}

//  One rule for one person who holds one of its roles during the window.
static void
s_person_rule (ml_unit_eval_t *ue, const ml_rule_t *rule, const ml_person_t *p, uint32_t touch)
{
    int pidx = (int) (p - ue->persons);
    if (rule->period == ML_PERIOD_CASE) {
        s_person_case (ue, rule, p);
        return;
    }
    ml_result_t *res = ml_ev_result (ue, rule, pidx);
    if (!res)
        return;
    if (rule->period == ML_PERIOD_MONTH || rule->period == ML_PERIOD_HALF_MONTH)
        ml_ev_periodic (ue, res, p, pidx);
    else if (rule->period == ML_PERIOD_TERM)
        ml_ev_term (ue, res, p);
    else if (rule->per_member)
        ml_ev_per_member (ue, res, p, touch);
    else if (rule->nof)
        ml_ev_coverage (ue, res, pidx);
    else if (rule->due)
        ml_ev_due (ue, res, touch, pidx, NULL);
    else
        ml_ev_yearly (ue, res, touch, pidx, NULL);
}

//  7.1a for each party organisation: orgs meeting the rule of those judged.
static void
s_org_rule (ml_unit_eval_t *ue, const ml_rule_t *rule)
{
    ml_result_t *res = ml_ev_result (ue, rule, -1);
    if (!res)
        return;
    int judged = 0, ok = 0, exempted = 0;
    for (size_t i = 0; i < ue->norgs; i++) {
        const ml_case_t *x = s_exemption (ue, rule, NULL, ue->orgs[i].id);
        if (x) {                            //  V12: an exempted organisation is not judged
            exempted++;
            res->reason = x->text;
            continue;
        }
        ml_result_t one = { .rule = rule };
        if (rule->due)
            ml_ev_due (ue, &one, 0xfff, -1, ue->orgs[i].id);
        else
            ml_ev_yearly (ue, &one, 0xfff, -1, ue->orgs[i].id);
        judged += one.status != ML_STATUS_NA;
        ok += one.status == ML_STATUS_MET;
    }
    ml_ev_judge_coverage (res, ok, judged);
    if (exempted && !judged)
        res->status = ML_STATUS_EXEMPTED;
    else if (judged)
        res->reason = NULL;
}

//  4.3, 6.x, 7.2-7.4: cases of the kind opened in the window; each must be within min/max.
static bool
s_in_year (const ml_unit_eval_t *ue, ml_day_t day)
{
    return day != ML_NODAY && day >= ml_ev_month_start (ue->year, 1) && day <= ue->to;
}

//  Whether case C is judged by RULE in the evaluated year (V7, P7): rules without a deadline
//  once (4.3a in the year opened, 4.3c and 6.1 in the year closed, 7.2 in the year made, 7.4 in
//  the year its deadline falls), the others in every year the case is open on a day of.
static bool
s_case_in_year (const ml_unit_eval_t *ue, const ml_rule_t *rule, const ml_case_t *c)
{
    switch (rule->measures[0]) {
        case ML_MEASURE_PETITION_RECORD:
        case ML_MEASURE_PETITION_LEADER_RECEIVED:
        case ML_MEASURE_COMMITMENT_PUBLISHED:
            return s_in_year (ue, c->opened);
        case ML_MEASURE_PETITION_UNSIGNED:
        case ML_MEASURE_OPINION_FEEDBACK:
            return ml_case_closed_by (c, ue->as_of) && s_in_year (ue, c->closed);
        case ML_MEASURE_COMMITMENT_EVALUATED:
            return ml_ev_commitment_year (c) == ue->year && c->opened <= ue->to;
        default:
            //  Open on a day of the year: opened by `to`, not closed before 1 January.
            return c->opened <= ue->to
                && !(ml_case_closed_by (c, ue->as_of) && c->closed < ml_ev_month_start (ue->year, 1));
    }
}

static void
s_case_rule (ml_unit_eval_t *ue, const ml_rule_t *rule)
{
    ml_result_t *res = ml_ev_result (ue, rule, -1);
    if (!res)
        return;
    int judged = 0, ok = 0;
    for (size_t i = 0; i < ue->ncases; i++) {
        const ml_case_t *c = &ue->cases[i];
        int64_t v;
        if (c->key.kind != rule->case_kind || !(c->flags & ML_CASE_OPENED)
            || !s_case_in_year (ue, rule, c) || c->group_size < rule->group_size
            || !ml_ev_case_value (ue, rule, rule->measures[0], c, &v))
            continue;
        judged++;
        if (ml_ev_within (rule, v))
            ok++;
        else if (res->nfailed < ML_MISSED_MAX)
            res->failed[res->nfailed++] = (int32_t) i;
    }
    ml_ev_judge_coverage (res, ok, judged);
}

//  8.1c: judged only in a unit with a representative in the window; the studio must stand then.
static void
s_studio_rule (ml_unit_eval_t *ue, const ml_rule_t *rule, ml_result_t *res)
{
    uint32_t reps = (1u << MASSLINE__ROLE__ID__rep_city) | (1u << MASSLINE__ROLE__ID__rep_unit);
    bool any = false;
    for (size_t i = 0; !any && i < ue->npersons; i++)
        any = ue->persons[i].listed && (ml_eval_roles (ue, &ue->persons[i]) & reps);
    if (any)
        ml_ev_judge (res, ml_ev_value (ue, rule, INT32_MIN, NULL, 1, ue->last_month),
                     rule->has_min ? rule->min : 0);
}

static void
s_unit_rule (ml_unit_eval_t *ue, const ml_rule_t *rule)
{
    if (rule->case_kind) {
        s_case_rule (ue, rule);
        return;
    }
    if (rule->org) {
        s_org_rule (ue, rule);
        return;
    }
    ml_result_t *res = ml_ev_result (ue, rule, -1);
    if (!res)
        return;
    if (rule->measures[0] == ML_MEASURE_STUDIOS)
        s_studio_rule (ue, rule, res);
    else if (rule->nof)
        ml_ev_coverage (ue, res, INT32_MIN);
    else if (rule->due)
        ml_ev_due (ue, res, 0xfff, INT32_MIN, NULL);
    else
        ml_ev_yearly (ue, res, 0xfff, INT32_MIN, NULL);
}

static void
s_tally (ml_unit_eval_t *ue)
{
    for (size_t i = 0; i < ue->nresults; i++) {
        const ml_result_t *r = &ue->results[i];
        if (r->rule->severity == ML_SEVERITY_INFO || r->status == ML_STATUS_NA
            || r->status == ML_STATUS_EXEMPTED)
            continue;
        ml_tally_t *t[2] = { &ue->summary, &ue->systems[r->rule->system] };
        for (int k = 0; k < 2; k++) {
            t[k]->checked++;
            t[k]->met += r->status == ML_STATUS_MET;
            t[k]->unmet += r->status == ML_STATUS_UNMET;
            t[k]->warnings += r->status == ML_STATUS_WARNING;
        }
    }
}

static void
s_evaluate (ml_unit_eval_t *ue, const ml_ruleset_t *rules)
{
    size_t n = ml_ruleset_size (rules);
    for (size_t i = 0; i < ue->npersons; i++) {
        const ml_person_t *p = &ue->persons[i];
        for (size_t r = 0; r < n && p->listed; r++) {
            const ml_rule_t *rule = ml_ruleset_rule (rules, r);
            uint32_t touch = ml_ev_touch_mask (ue, p, rule);
            if (rule->roles && (touch & ((1u << ml_ev_last_month (ue)) - 1)))
                s_person_rule (ue, rule, p, touch);
        }
    }
    for (size_t r = 0; r < n; r++) {
        const ml_rule_t *rule = ml_ruleset_rule (rules, r);
        if (rule->unit || rule->org || rule->case_kind)
            s_unit_rule (ue, rule);
    }
    s_exempt (ue);
    s_tally (ue);
}

//  ---------------------------------------------------------------------------
//  Loading roster and cases


static ml_day_t
s_day_or_none (const char *text)
{
    ml_day_t day;
    return text && ml_date_parse (text, &day) == 0 ? day : ML_NODAY;
}

static int
s_on_person (void *arg, const Massline__Event *ev)
{
    ml_unit_eval_t *ue = arg;
    if (ev->body_case != MASSLINE__EVENT__BODY_PERSON)
        return 0;
    const Massline__Person *src = ev->person;
    ml_person_t *grown = realloc (ue->persons, (ue->npersons + 1) * sizeof *grown);
    if (!grown)
        return ML_ENOMEM;
    ue->persons = grown;
    ml_person_t *p = &ue->persons[ue->npersons++];
    memset (p, 0, sizeof *p);
    snprintf (p->id, sizeof p->id, "%s", src->person);
    snprintf (p->org, sizeof p->org, "%s", src->org ? src->org : "");
    p->name = strdup (src->name ? src->name : "");
    p->roles = calloc (src->n_roles ? src->n_roles : 1, sizeof *p->roles);
    if (!p->name || !p->roles)
        return ML_ENOMEM;
    for (size_t i = 0; i < src->n_roles; i++) {
        const Massline__Role *r = src->roles[i];
        ml_roster_role_t *role = &p->roles[p->nroles];
        role->from = s_day_or_none (r->from);
        if (role->from == ML_NODAY)
            continue;          //  validated at ingest; a bad one is skipped, not guessed
        role->role = (int) r->role;
        role->to = s_day_or_none (r->to);
        role->category = r->has_category ? (int) r->category : 0;
        role->frontline = r->has_frontline && r->frontline;
        role->term_from = s_day_or_none (r->term_from);
        role->term_to = s_day_or_none (r->term_to);
        p->nroles++;
    }
    return 0;
}

static int
s_add_org (ml_unit_eval_t *ue, const char *id, const char *head)
{
    for (size_t i = 0; i < ue->norgs; i++)
        if (strcmp (ue->orgs[i].id, id) == 0) {
            if (head && *head)
                snprintf (ue->orgs[i].head, sizeof ue->orgs[i].head, "%s", head);
            return 0;
        }
    ml_org_t *grown = realloc (ue->orgs, (ue->norgs + 1) * sizeof *grown);
    if (!grown)
        return ML_ENOMEM;
    ue->orgs = grown;
    ml_org_t *o = &ue->orgs[ue->norgs++];
    snprintf (o->id, sizeof o->id, "%s", id);
    snprintf (o->head, sizeof o->head, "%s", head ? head : "");
    return 0;
}

static int
s_on_org (void *arg, const Massline__Event *ev)
{
    if (ev->body_case != MASSLINE__EVENT__BODY_ORG)
        return 0;
    return s_add_org (arg, ev->org->org, ev->org->head);
}

static int
s_on_case (void *arg, const ml_case_t *c)
{
    ml_unit_eval_t *ue = arg;
    ml_ev_priv_t *priv = ue->priv;
    if (ue->ncases == priv->cases_cap) {
        size_t cap = priv->cases_cap ? priv->cases_cap * 2 : 16;
        ml_case_t *grown = realloc (ue->cases, cap * sizeof *grown);
        if (!grown)
            return ML_ENOMEM;
        ue->cases = grown;
        priv->cases_cap = cap;
    }
    ue->cases[ue->ncases++] = *c;
    return 0;
}


static int
s_load (ml_unit_eval_t *ue, const ml_source_t *src)
{
    int rc = src->persons (src->ctx, ue->unit, s_on_person, ue);
    if (rc) {
        ml_ev_fail (ue, rc, "reading persons");
        return rc;
    }
    if (ue->npersons)          //  qsort of NULL is undefined even for 0 items
        qsort (ue->persons, ue->npersons, sizeof *ue->persons, ml_ev_person_cmp);
    ml_day_t start = ml_ev_month_start (ue->year, 1);
    for (size_t i = 0; i < ue->npersons; i++) {
        ml_person_t *p = &ue->persons[i];
        for (size_t r = 0; r < p->nroles; r++)
            if (p->roles[r].from <= ue->to && (p->roles[r].to == ML_NODAY || p->roles[r].to >= start))
                p->listed = true;
    }
    rc = src->orgs (src->ctx, ue->unit, s_on_org, ue);
    //  Organisations named only by their members count too (7.1a).
    for (size_t i = 0; !rc && i < ue->npersons; i++)
        if (ue->persons[i].org[0])
            rc = s_add_org (ue, ue->persons[i].org, NULL);
    if (rc) {
        ml_ev_fail (ue, rc, "reading orgs");
        return rc;
    }
    if ((rc = src->cases (src->ctx, ue->unit, s_on_case, ue))) {
        ml_ev_fail (ue, rc, "reading cases");
        return rc;
    }
    s_resolve_reviews (ue);
    return ml_ev_load_year (ue);
}

ml_unit_eval_t *
ml_eval_unit (const ml_ruleset_t *rules, const ml_source_t *src, const char *unit,
              const char *unit_name, int year, ml_day_t as_of, char *err, size_t errlen)
{
    ml_unit_eval_t *ue = calloc (1, sizeof *ue);
    ml_ev_priv_t *priv = calloc (1, sizeof *priv);
    if (!ue || !priv || !(ue->unit_name = strdup (unit_name ? unit_name : ""))) {
        snprintf (err, errlen, "unit %s: out of memory", unit);
        free (priv);
        if (ue)
            free (ue->unit_name);
        free (ue);
        return NULL;
    }
    ue->priv = priv;
    priv->src = src;
    priv->err = err;
    priv->errlen = errlen;
    snprintf (ue->unit, sizeof ue->unit, "%s", unit);
    ue->year = year;
    ml_day_t dec31 = ml_date_from_ymd (year, 12, 31);
    ue->as_of = as_of;
    ue->to = as_of < dec31 ? as_of : dec31;
    ue->last_month = ml_ev_last_month (ue);
    s_load (ue, src);
    bool listed = ue->norgs > 0;
    for (size_t i = 0; !listed && i < ue->npersons; i++)
        listed = ue->persons[i].listed;
    ue->no_data = !listed;                  //  V5: never judged as 100 %
    if (!priv->rc && !ue->no_data)
        s_evaluate (ue, rules);
    if (priv->rc)
        ml_eval_free (&ue);
    return ue;
}

void
ml_eval_free (ml_unit_eval_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_unit_eval_t *self = *self_p;
    ml_ev_priv_t *priv = self->priv;
    if (priv) {
        free (priv->year.rows);
        free (priv->year.subs);
        for (int m = 0; m < 13; m++) {
            free (priv->days[m].rows);
            free (priv->days[m].subs);
        }
    }
    free (priv);
    for (size_t i = 0; i < self->npersons; i++) {
        free (self->persons[i].name);
        free (self->persons[i].roles);
    }
    free (self->persons);
    free (self->orgs);
    free (self->cases);
    free (self->results);
    free (self->unit_name);
    free (self);
    *self_p = NULL;
}

const char *
ml_status_name (int status)
{
    switch (status) {
        case ML_STATUS_MET: return "met";
        case ML_STATUS_UNMET: return "unmet";
        case ML_STATUS_WARNING: return "warning";
        case ML_STATUS_EXEMPTED: return "exempted";
        default: return "not_applicable";
    }
}

const char *
ml_eval_case_owner (const ml_unit_eval_t *self, const ml_case_t *c)
{
    switch (c->key.kind) {
        case ML_CASE_PETITION:
            return (c->flags & ML_CASE_HANDED_OVER) && c->owner[0] ? c->owner : c->person;
        case ML_CASE_OPINION:
            return c->owner;
        case ML_CASE_COMMITMENT:
            if (c->person[0] || !c->org[0])
                return c->person;
            for (size_t i = 0; i < self->norgs; i++)
                if (strcmp (self->orgs[i].id, c->org) == 0)
                    return self->orgs[i].head;
            return "";
        default:
            return c->person;
    }
}

ml_day_t
ml_eval_default_as_of (int year, ml_day_t today)
{
    ml_day_t dec31 = ml_date_from_ymd (year, 12, 31);
    return today > dec31 ? dec31 : today;
}
