/* ml_eval_judge.c -- judging: statuses, results, and the count-quota rules (yearly, due,
   coverage, monthly and half-monthly, per member, per term). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_eval_private.h"

#define S_TERM_YEARS_MAX 11                 //  years of a term read (terms are five years)

//  ---------------------------------------------------------------------------
//  Judging

bool
ml_ev_within (const ml_rule_t *rule, int64_t v)
{
    return (!rule->has_min || v >= rule->min)
        && (!rule->has_max || rule->max_is_guide || v <= rule->max);
}

//  A failed judgement: unmet, or warning for a rule of severity warning; info never fails.
void
ml_ev_fail_status (ml_result_t *res)
{
    const ml_rule_t *rule = res->rule;
    if (rule->severity == ML_SEVERITY_INFO)
        res->status = ML_STATUS_MET;
    else
        res->status = rule->severity == ML_SEVERITY_WARNING ? ML_STATUS_WARNING : ML_STATUS_UNMET;
}

//  Status of a value ACTUAL against REQUIRED (and the rule's max).
void
ml_ev_judge (ml_result_t *res, int64_t actual, int64_t required)
{
    const ml_rule_t *rule = res->rule;
    res->actual = actual;
    res->required = required;
    bool ok = actual >= required
           && (!rule->has_max || rule->max_is_guide || actual <= rule->max);
    res->status = ML_STATUS_MET;
    if (!ok)
        ml_ev_fail_status (res);
}

//  A coverage result: OK of JUDGED items passed (the rule's min/max applied to each item).
void
ml_ev_judge_coverage (ml_result_t *res, int64_t ok, int64_t judged)
{
    res->actual = ok;
    res->required = judged;
    res->has_max = false;
    res->status = ML_STATUS_MET;
    if (judged == 0)
        res->status = ML_STATUS_NA;
    else if (ok < judged)
        ml_ev_fail_status (res);
}

ml_result_t *
ml_ev_result (ml_unit_eval_t *ue, const ml_rule_t *rule, int pidx)
{
    ml_ev_priv_t *priv = ue->priv;
    if (ue->nresults == priv->results_cap) {
        size_t cap = priv->results_cap ? priv->results_cap * 2 : 64;
        ml_result_t *results = realloc (ue->results, cap * sizeof *results);
        if (!results) {
            ml_ev_fail (ue, ML_ENOMEM, "results");
            return NULL;
        }
        ue->results = results;
        priv->results_cap = cap;
    }
    ml_result_t *res = &ue->results[ue->nresults++];
    memset (res, 0, sizeof *res);
    res->rule = rule;
    res->person = pidx;
    res->status = ML_STATUS_NA;
    res->required = rule->has_min ? rule->min : 0;
    res->has_max = rule->has_max;
    res->max = rule->max;
    return res;
}

//  The days a result counts (V2): a person's days in the rule's roles, else the whole window.
static int
s_spans (ml_unit_eval_t *ue, const ml_rule_t *rule, int pidx, ml_day_t *from, ml_day_t *to)
{
    if (pidx >= 0)
        return ml_ev_spans (ue, &ue->persons[pidx], rule, from, to);
    from[0] = ml_ev_month_start (ue->year, 1);
    to[0] = ue->to;
    return from[0] <= to[0];
}

//  A yearly quota (V1, V11, P1): counted on the days in role (V2) up to `to` (V6); due in full
//  months in role: ceil (N x months / 12) once the year has ended, floor (N x months elapsed / 12)
//  before; a share of 0 is not judged. TOUCH is unused (kept for org rules' callers).
void
ml_ev_yearly (ml_unit_eval_t *ue, ml_result_t *res, uint32_t touch, int pidx, const char *sub)
{
    (void) touch;
    const ml_rule_t *rule = res->rule;
    ml_day_t from[ML_EV_SPANS_MAX], to[ML_EV_SPANS_MAX];
    int n = s_spans (ue, rule, pidx, from, to);
    int months = ml_ev_popcount (ml_ev_span_months (ue, from, to, n));
    int64_t actual = 0;
    for (int i = 0; i < n; i++)
        actual += ml_ev_value_days (ue, rule, pidx, sub, from[i], to[i]);
    int64_t min = rule->has_min ? rule->min : 0;
    bool year_end = ue->as_of >= ml_date_from_ymd (ue->year, 12, 31);
    int64_t required = year_end ? ml_ev_ceil_div (min * months, 12) : min * months / 12;
    ml_ev_judge (res, actual, required);
    if (rule->severity != ML_SEVERITY_INFO && (months == 0 || (min > 0 && required == 0)))
        res->status = ML_STATUS_NA;   //  no whole month in role, or nothing due yet
}

//  A `due` rule (1.3a, 7.1a: recorded by the end of Q1): counted up to the due month, which
//  moves to the role's DUEth month when the role starts later in the year.
void
ml_ev_due (ml_unit_eval_t *ue, ml_result_t *res, uint32_t touch, int pidx, const char *sub)
{
    const ml_rule_t *rule = res->rule;
    int first = touch ? __builtin_ctz (touch) + 1 : 1;
    int due = first + rule->due - 1;
    if (due > 12)
        due = 12;
    //  P3: done by the due day is on time; counted on the days in role (V2) up to it (V6).
    ml_day_t due_day = ml_ev_month_end (ue->year, due);
    ml_day_t from[ML_EV_SPANS_MAX], to[ML_EV_SPANS_MAX];
    int n = pidx >= 0 ? s_spans (ue, rule, pidx, from, to) : 0;
    int64_t actual = 0;
    if (pidx < 0)
        actual = ml_ev_value_days (ue, rule, pidx, sub, ml_ev_month_start (ue->year, 1), due_day);
    for (int i = 0; i < n; i++)
        if (from[i] <= due_day)
            actual += ml_ev_value_days (ue, rule, pidx, sub, from[i], to[i] < due_day ? to[i] : due_day);
    ml_ev_judge (res, actual, rule->has_min ? rule->min : 0);
    if (res->status != ML_STATUS_MET && due_day >= ue->to)
        res->status = ML_STATUS_NA;   //  not due yet: late from the day after (P3)
}

//  4.2a: actual = the rule's metrics, required = the `of` metrics (each reception day announced).
void
ml_ev_coverage (ml_unit_eval_t *ue, ml_result_t *res, int pidx)
{
    const ml_rule_t *rule = res->rule;
    int last = ml_ev_last_month (ue);
    ml_ev_judge_coverage (res, ml_ev_sum_of (ue, rule->measures, rule->nmeasures, pidx, last),
                      ml_ev_sum_of (ue, rule->of, rule->nof, pidx, last));
}

static void
s_missed (ml_result_t *res, int year, int month, const char *half)
{
    if (res->nmissed < ML_MISSED_MAX)
        snprintf (res->missed[res->nmissed++], sizeof res->missed[0], "%04d-%02d%s%s", year,
                  month, half ? "-" : "", half ? half : "");
}

//  V3, P12: months held wholly by RULE's roles and its `mixed_with` roles together, by neither
//  alone (a change from leader to main_leader on 10 July: July), ended by `to`.
static uint32_t
s_mixed_months (ml_unit_eval_t *ue, const ml_person_t *p, const ml_rule_t *rule)
{
    ml_rule_t both = *rule, other = *rule;
    both.roles |= rule->mixed_roles;
    other.roles = rule->mixed_roles;
    ml_day_t from[ML_EV_SPANS_MAX], to[ML_EV_SPANS_MAX];
    int n = ml_ev_spans (ue, p, &both, from, to);
    return ml_ev_span_months (ue, from, to, n) & ~ml_ev_full_mask (ue, p, rule)
         & ~ml_ev_full_mask (ue, p, &other);
}

//  4.1a/b: every month (or half-month) fully in role and ended by `to` needs `min`.
void
ml_ev_periodic (ml_unit_eval_t *ue, ml_result_t *res, const ml_person_t *p, int pidx)
{
    const ml_rule_t *rule = res->rule;
    bool halves = rule->period == ML_PERIOD_HALF_MONTH;
    uint32_t mask = halves ? ml_ev_half_mask (ue, p, rule) : ml_ev_full_mask (ue, p, rule);
    if (!halves && rule->mixed_roles)
        mask |= s_mixed_months (ue, p, rule);
    int checked = 0, met = 0;
    for (int i = 0; i < (halves ? 24 : 12); i++) {
        if (!(mask & (1u << i)))
            continue;
        int month = halves ? i / 2 + 1 : i + 1;
        const char *half = halves ? (i % 2 ? "b" : "a") : NULL;
        checked++;
        if (ml_ev_value (ue, rule, pidx, half, month, month) >= rule->min)
            met++;
        else
            s_missed (res, ue->year, month, half);
    }
    ml_ev_judge_coverage (res, met, checked);
}

//  5.1b (V4, P1): the org_head owes each party member of the branch `min` talks pro-rated by
//  the member's whole months as a member in the year: ceil at year end, floor before; a member
//  owed nothing yet is not judged.
void
ml_ev_per_member (ml_unit_eval_t *ue, ml_result_t *res, const ml_person_t *head, uint32_t touch)
{
    const char *org = head->org;
    for (size_t i = 0; i < ue->norgs; i++)
        if (strcmp (ue->orgs[i].head, head->id) == 0)
            org = ue->orgs[i].id;
    int head_months = ml_ev_popcount (touch & ml_ev_elapsed_mask (ue));
    bool year_end = ue->as_of >= ml_date_from_ymd (ue->year, 12, 31);
    ml_rule_t member = *res->rule;
    member.roles = 1u << MASSLINE__ROLE__ID__party_member;
    member.frontline = false;
    int pidx = (int) (head - ue->persons), members = 0, covered = 0;
    for (size_t i = 0; *org && head_months && i < ue->npersons; i++) {
        const ml_person_t *p = &ue->persons[i];
        if (p == head || strcmp (p->org, org) != 0
            || !(ml_eval_roles (ue, p) & (1u << MASSLINE__ROLE__ID__party_member)))
            continue;
        ml_day_t from[ML_EV_SPANS_MAX], to[ML_EV_SPANS_MAX];
        int n = ml_ev_spans (ue, p, &member, from, to);
        int months = ml_ev_popcount (ml_ev_span_months (ue, from, to, n));
        int64_t quota = year_end ? ml_ev_ceil_div (res->rule->min * months, 12)
                                 : res->rule->min * months / 12;
        if (quota == 0)
            continue;
        members++;
        if (ml_ev_value (ue, res->rule, pidx, p->id, 1, ml_ev_last_month (ue)) >= quota)
            covered++;
    }
    ml_ev_judge_coverage (res, covered, members);
}

typedef struct {
    const ml_rule_t *rule;
    int from, to;                           //  months
    int64_t sum;
} s_term_sum_t;

static int
s_on_term_row (void *arg, const ml_delta_t *row)
{
    s_term_sum_t *t = arg;
    if (row->month < t->from || row->month > t->to)
        return 0;
    for (size_t i = 0; i < t->rule->nmeasures; i++)
        if (row->metric == t->rule->measures[i])
            t->sum += row->amount;
    return 0;
}

//  The sum of RULE's metrics for person P over months FROM..TO of YEAR: the evaluated year from
//  its loaded counters, an earlier one by reading only P's rows (a term is a handful of persons;
//  their units' whole earlier years would cost a rollup as much as the year itself).
static int64_t
s_term_sum (ml_unit_eval_t *ue, const ml_rule_t *rule, const ml_person_t *p, int year,
            int from, int to)
{
    ml_ev_priv_t *priv = ue->priv;
    int64_t sum = 0;
    if (year == ue->year) {
        for (size_t i = 0; i < rule->nmeasures; i++)
            sum += ml_ev_sum (&priv->year, (int) (p - ue->persons), rule->measures[i], NULL, from, to);
        return sum;
    }
    s_term_sum_t t = { rule, from, to, 0 };
    int rc = priv->src->agg_person (priv->src->ctx, ue->unit, year, p->id, s_on_term_row, &t);
    if (rc)
        ml_ev_fail (ue, rc, "reading counters");
    return t.sum;
}

//  8.2b/c: counted over the representative's term; unmet only once the term has ended.
void
ml_ev_term (ml_unit_eval_t *ue, ml_result_t *res, const ml_person_t *p)
{
    const ml_rule_t *rule = res->rule;
    const ml_roster_role_t *role = NULL;
    for (size_t i = 0; i < p->nroles; i++)
        if (ml_ev_role_matches (rule, &p->roles[i]))
            role = &p->roles[i];      //  the latest listed
    if (!role)
        return;
    ml_day_t from = role->term_from != ML_NODAY ? role->term_from : role->from;
    ml_day_t end = role->term_from != ML_NODAY ? role->term_to : role->to;
    ml_day_t until = end != ML_NODAY && end < ue->to ? end : ue->to;
    int y1, m1, d1, y2, m2, d2;
    ml_date_to_ymd (from, &y1, &m1, &d1);
    ml_date_to_ymd (until, &y2, &m2, &d2);
    if (y1 < y2 - S_TERM_YEARS_MAX + 1) {
        y1 = y2 - S_TERM_YEARS_MAX + 1;   //  terms are five years; older counters are not read
        m1 = 1;
    }
    int64_t actual = 0;
    for (int y = y1; y <= y2; y++)
        actual += s_term_sum (ue, rule, p, y, y == y1 ? m1 : 1, y == y2 ? m2 : 12);
    ml_ev_judge (res, actual, rule->min);
    if (res->status != ML_STATUS_MET && (end == ML_NODAY || end > ue->to))
        res->status = ML_STATUS_NA;   //  the term is still running
}
