/* ml_eval_measure.c -- measures beyond the counters: assignments, duplicates, mailboxes, and
   the per-case values of secondments, petitions, opinions and commitments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_eval_private.h"

//  ---------------------------------------------------------------------------
//  Measures beyond the counters

//  Assignments of KIND valid during the window: made by `to`, not ended before 1 January.
static bool
s_assignment_valid (const ml_unit_eval_t *ue, const ml_case_t *c, int kind)
{
    return c->key.kind == kind && (c->flags & ML_CASE_OPENED) && c->opened <= ue->to
        && (c->to == ML_NODAY || c->to >= ml_ev_month_start (ue->year, 1));
}

int64_t
ml_eval_assignments (const ml_unit_eval_t *ue, const char *person, int kind)
{
    int64_t n = 0;
    if (kind == ML_CASE_MAILBOX) {
        //  6.2b (P4): mailboxes naming PERSON, or naming no one (v1: the unit's, for every leader).
        for (size_t i = 0; i < ue->ncases; i++) {
            const ml_case_t *c = &ue->cases[i];
            if (c->key.kind == ML_CASE_MAILBOX && (c->flags & ML_CASE_OPENED) && c->opened <= ue->to
                && (!c->person[0] || strcmp (c->person, person) == 0))
                n++;
        }
        return n;
    }
    for (size_t i = 0; i < ue->ncases; i++)
        if (s_assignment_valid (ue, &ue->cases[i], kind) && strcmp (ue->cases[i].person, person) == 0)
            n++;
    return n;
}

//  2.1c: targets (points, families) of KIND held by more than one person during the window.
static int64_t
s_duplicates (const ml_unit_eval_t *ue, int kind)
{
    int64_t dups = 0;
    for (size_t i = 0; i < ue->ncases; i++) {
        const ml_case_t *a = &ue->cases[i];
        if (!s_assignment_valid (ue, a, kind))
            continue;
        bool first = true, shared = false;
        for (size_t j = 0; j < ue->ncases; j++) {
            const ml_case_t *b = &ue->cases[j];
            if (j == i || !s_assignment_valid (ue, b, kind) || strcmp (a->target, b->target) != 0)
                continue;
            if (j < i)
                first = false;       //  the target is counted at its first record
            if (strcmp (a->person, b->person) != 0)
                shared = true;
        }
        if (shared && first)
            dups++;
    }
    return dups;
}

//  8.1c: studios valid on a day of the window (recorded by `to`, from..to touching it).
static int64_t
s_studios (const ml_unit_eval_t *ue)
{
    int64_t n = 0;
    ml_day_t jan1 = ml_ev_month_start (ue->year, 1);
    for (size_t i = 0; i < ue->ncases; i++) {
        const ml_case_t *c = &ue->cases[i];
        if (c->key.kind == ML_CASE_STUDIO && (c->flags & ML_CASE_OPENED) && c->opened <= ue->to
            && (c->from == ML_NODAY || c->from <= ue->to) && (c->to == ML_NODAY || c->to >= jan1))
            n++;
    }
    return n;
}

static int64_t
s_unit_measure (const ml_unit_eval_t *ue, int measure)
{
    if (measure == ML_MEASURE_DUPLICATE_ASSIGNMENTS)
        return s_duplicates (ue, ML_CASE_CONTACT_POINT) + s_duplicates (ue, ML_CASE_PAIRED_FAMILY);
    if (measure == ML_MEASURE_STUDIOS)
        return s_studios (ue);
    int64_t n = 0;
    for (size_t i = 0; i < ue->ncases; i++) {
        const ml_case_t *c = &ue->cases[i];
        if (c->key.kind == ML_CASE_MAILBOX && (c->flags & ML_CASE_OPENED) && c->opened <= ue->to)
            n++;
    }
    return n;
}

static int
s_assignment_kind (int measure)
{
    return measure == ML_MEASURE_CONTACT_POINTS ? ML_CASE_CONTACT_POINT
         : measure == ML_MEASURE_OWN_MAILBOXES ? ML_CASE_MAILBOX : ML_CASE_PAIRED_FAMILY;
}

//  The sum of RULE's measures over months FROM..TO: PIDX a person, -1 an org's or unit-level
//  rows with SUB, INT32_MIN the whole unit.
int64_t
ml_ev_value (ml_unit_eval_t *ue, const ml_rule_t *rule, int pidx, const char *sub, int from, int to)
{
    ml_ev_priv_t *priv = ue->priv;
    int64_t sum = 0;
    for (size_t i = 0; i < rule->nmeasures; i++) {
        int id = rule->measures[i];
        int src = ml_measure_source (id, NULL);
        if (src == ML_SOURCE_AGG)
            sum += ml_ev_sum (&priv->year, pidx, id, sub, from, to);
        else if (src == ML_SOURCE_PERSON && pidx >= 0)
            sum += ml_eval_assignments (ue, ue->persons[pidx].id, s_assignment_kind (id));
        else if (src == ML_SOURCE_UNIT)
            sum += s_unit_measure (ue, id);
    }
    return sum;
}

//  The days of case C (an assignment of the person) inside FROM..TO: *A..*B; false when none.
static bool
s_assigned (const ml_case_t *c, ml_day_t from, ml_day_t to, ml_day_t *a, ml_day_t *b)
{
    *a = c->opened > from ? c->opened : from;
    *b = c->to != ML_NODAY && c->to < to ? c->to : to;
    return *a <= *b;
}

//  V9: METRIC (contact visits, practical deeds) for the person's own assignments of kind KIND
//  (contact points; for deeds also paired families), each counted while it was assigned: the
//  counter's sub is the point or beneficiary. A family named like one of the person's points
//  counts only on the days the point did not already cover.
static int64_t
s_own (ml_unit_eval_t *ue, int pidx, int metric, bool families, ml_day_t from, ml_day_t to)
{
    const char *person = ue->persons[pidx].id;
    int64_t sum = 0;
    for (size_t i = 0; i < ue->ncases; i++) {
        const ml_case_t *c = &ue->cases[i];
        bool point = c->key.kind == ML_CASE_CONTACT_POINT;
        if (!(point || (families && c->key.kind == ML_CASE_PAIRED_FAMILY))
            || !(c->flags & ML_CASE_OPENED) || strcmp (c->person, person) != 0)
            continue;
        ml_day_t a, b;
        if (!s_assigned (c, from, to, &a, &b))
            continue;
        char sub[ML_SUB_MAX + 1];
        ml_metric_point_sub (c->target, sub);
        sum += ml_ev_sum_days (ue, pidx, metric, sub, a, b);
        for (size_t j = 0; !point && j < ue->ncases; j++) {
            const ml_case_t *o = &ue->cases[j];
            char osub[ML_SUB_MAX + 1];
            ml_day_t oa, ob;
            if (o->key.kind == ML_CASE_CONTACT_POINT && (o->flags & ML_CASE_OPENED)
                && strcmp (o->person, person) == 0 && s_assigned (o, a, b, &oa, &ob)
                && strcmp (ml_metric_point_sub (o->target, osub), sub) == 0)
                sum -= ml_ev_sum_days (ue, pidx, metric, sub, oa, ob);
        }
    }
    return sum;
}

int64_t
ml_ev_value_days (ml_unit_eval_t *ue, const ml_rule_t *rule, int pidx, const char *sub,
                  ml_day_t from, ml_day_t to)
{
    int64_t sum = 0;
    for (size_t i = 0; i < rule->nmeasures; i++) {
        int id = rule->measures[i];
        int src = ml_measure_source (id, NULL);
        if (src == ML_SOURCE_AGG && pidx >= 0
            && (id == ML_METRIC_CONTACT_VISITS || id == ML_METRIC_PRACTICAL_DEEDS))
            sum += s_own (ue, pidx, id, id == ML_METRIC_PRACTICAL_DEEDS, from, to);
        else if (src == ML_SOURCE_AGG)
            sum += ml_ev_sum_days (ue, pidx, id, sub, from, to);
        else if (src == ML_SOURCE_PERSON && pidx >= 0)
            sum += ml_eval_assignments (ue, ue->persons[pidx].id, s_assignment_kind (id));
        else if (src == ML_SOURCE_UNIT)
            sum += s_unit_measure (ue, id);
    }
    return sum;
}

int64_t
ml_ev_sum_of (ml_unit_eval_t *ue, const int *metrics, size_t n, int pidx, int to)
{
    ml_ev_priv_t *priv = ue->priv;
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += ml_ev_sum (&priv->year, pidx, metrics[i], NULL, 1, to);
    return sum;
}

//  Whole months of a term FROM..TO (inclusive): 2025-01-01..2025-06-30 is 6.
int64_t
ml_ev_term_months (ml_day_t from, ml_day_t to)
{
    int y1, m1, d1, y2, m2, d2;
    ml_date_to_ymd (from, &y1, &m1, &d1);
    ml_date_to_ymd (to + 1, &y2, &m2, &d2);
    return (int64_t) (y2 - y1) * 12 + (m2 - m1) - (d2 < d1 ? 1 : 0);
}

//  Case measures set *V and return true, or return false when the case is not judged (yet).
//  Deadlines are judged on as_of, even when it lies after the year.

//  3.x, on the person's own secondment C (NULL: none recorded).
static bool
s_secondment_value (const ml_unit_eval_t *ue, const ml_rule_t *rule, int id, const ml_case_t *c,
                    int64_t *v)
{
    ml_day_t as_of = ue->as_of;
    if (id == ML_MEASURE_SECONDMENTS || id == ML_MEASURE_SECONDMENT_MENTOR) {
        //  3.2a: no secondment record means no mentor on record either.
        *v = id == ML_MEASURE_SECONDMENTS ? c != NULL : c && (c->flags & ML_CASE_MENTOR);
        return true;
    }
    if (!c || c->from == ML_NODAY || c->to == ML_NODAY)
        return false;
    if (id == ML_MEASURE_SECONDMENT_TRAINING) {
        //  3.2d: training before or during the term; pending while as_of is before the term's
        //  last day. On that day the record is complete (later training does not count), so a
        //  term ending 31 December is judged by that year's year-end report.
        *v = (c->flags & ML_CASE_TRAINED) && c->trained <= c->to && c->trained <= as_of;
        return *v || as_of >= c->to;
    }
    if (id == ML_MEASURE_SECONDMENT_LIAISON) {
        //  3.2e: liaisons of the sending unit in the year (a unit counter, sub = the term's ref);
        //  pending until the year or the term has ended.
        ml_ev_priv_t *priv = ue->priv;
        *v = ml_ev_sum (&priv->year, -1, ML_METRIC_SECONDMENT_LIAISONS, c->key.id, 1, ue->last_month);
        return *v || as_of >= ml_date_from_ymd (ue->year, 12, 31) || as_of > c->to;
    }
    if (id == ML_MEASURE_SECONDMENT_MONTHS) {
        //  3.1: judged as soon as the term is recorded.
        *v = ml_ev_term_months (c->from, c->to);
        return true;
    }
    //  3.2b: due within `max` days of the term's end; until then an absent review is pending,
    //  after it the delay so far is the actual.
    if ((c->flags & ML_CASE_REVIEWED) && c->reviewed <= as_of) {
        *v = c->reviewed > c->to ? c->reviewed - c->to : 0;   //  early is on time
        return true;
    }
    *v = as_of - c->to;
    return c->to < as_of && !(rule->has_max && *v <= rule->max);
}

//  4.3a-d on petition C.
static bool
s_petition_value (const ml_unit_eval_t *ue, int id, const ml_case_t *c, int64_t *v)
{
    switch (id) {
        case ML_MEASURE_PETITION_RECORD:
            *v = (c->flags & ML_CASE_MEASURES) && (c->flags & ML_CASE_RESPONSIBLE)
              && c->deadline != ML_NODAY;
            return true;
        case ML_MEASURE_PETITION_OVERDUE:
            //  Without a deadline a case cannot be late; 4.3a reports the missing deadline.
            *v = ml_case_overdue (c, ue->as_of);
            return true;
        case ML_MEASURE_PETITION_UNSIGNED:
            //  4.3c: judged on closed cases; the signer must be the receiving leader.
            *v = !c->signer[0] || strcmp (c->signer, c->person) != 0;
            return ml_case_closed_by (c, ue->as_of);
        case ML_MEASURE_PETITION_COORDINATED:
            //  4.3e: high-profile cases only; a principal leader on the day coordinated it.
            *v = (c->flags & ML_CASE_COORDINATED) && c->coordinated <= ue->as_of
              && ml_ev_main_leader_on (ue, c->coordinator, c->coordinated);
            return (c->flags & ML_CASE_HIGH_PROFILE) != 0;
        default:
            //  4.3d: the receiver held main_leader or leader on the day the case was opened.
            *v = ml_ev_leading_on (ue, c->person, c->opened);
            return true;
    }
}

//  6.3a, 6.3b, 6.1 on opinion C.
static bool
s_opinion_value (const ml_unit_eval_t *ue, int id, const ml_case_t *c, int64_t *v)
{
    ml_day_t as_of = ue->as_of;
    switch (id) {
        case ML_MEASURE_OPINION_ASSIGNED:
            *v = (c->flags & ML_CASE_ASSIGNED) && c->assigned <= as_of
              && (c->flags & ML_CASE_DEPARTMENT) && c->deadline != ML_NODAY;
            return true;
        case ML_MEASURE_OPINION_CLAIMED:
            //  6.3c: judged on assigned opinions: a cadre named when assigned (V10).
            *v = c->owner[0] != 0;
            return (c->flags & ML_CASE_ASSIGNED) && c->assigned <= as_of;
        case ML_MEASURE_OPINION_OVERDUE:
            //  Only assigned opinions have a time limit; 6.3a reports the others.
            *v = ml_case_overdue (c, as_of);
            return c->deadline != ML_NODAY;
        default:
            //  6.1: each closed opinion needs feedback (a date) by as_of.
            *v = c->feedback != ML_NODAY && c->feedback <= as_of;
            return ml_case_closed_by (c, as_of);
    }
}

//  4.2c on appeal C: answered within `days` of receipt (judged on as_of).
static bool
s_appeal_value (const ml_unit_eval_t *ue, const ml_rule_t *rule, const ml_case_t *c, int64_t *v)
{
    ml_day_t due = rule->days ? c->opened + rule->days : ML_NODAY;
    bool answered = ml_case_closed_by (c, ue->as_of);
    *v = due != ML_NODAY && (answered ? c->closed > due : ue->as_of > due);
    return true;
}

//  The year a commitment's evaluation is judged in (P7): its deadline's, or for an instant one
//  or one without deadline, the year it was made.
int
ml_ev_commitment_year (const ml_case_t *c)
{
    int y, m, d;
    ml_day_t due = c->category == MASSLINE__COMMITMENT__TYPE__instant || c->deadline == ML_NODAY
                 ? c->opened : c->deadline;
    ml_date_to_ymd (due, &y, &m, &d);
    return y;
}

//  7.2-7.4 on commitment C.
static bool
s_commitment_value (const ml_unit_eval_t *ue, const ml_rule_t *rule, int id, const ml_case_t *c,
                    int64_t *v)
{
    switch (id) {
        case ML_MEASURE_COMMITMENT_PUBLISHED: {
            //  7.2 (P9): published within `days` of the commitment; pending until then.
            ml_day_t by = rule->days ? c->opened + rule->days : ML_NODAY;
            *v = (c->flags & ML_CASE_PUBLISHED) && c->published <= ue->as_of
              && (by == ML_NODAY || c->published <= by);
            return *v || by == ML_NODAY || ue->as_of > by;
        }
        case ML_MEASURE_COMMITMENT_OVERDUE:
            //  7.3: due by its deadline, or 31 December of its year (ml_case_due).
            *v = ml_case_overdue (c, ue->as_of);
            return true;
        default:
            //  7.4 (P7): every commitment, evaluated at the end of the year it is judged in; an
            //  absent evaluation is judged from 31 December of that year.
            *v = c->grades[0] || c->grades[1] || c->grades[2] || c->grades[3];
            return *v || ue->as_of >= ml_date_from_ymd (ml_ev_commitment_year (c), 12, 31);
    }
}

bool
ml_ev_case_value (const ml_unit_eval_t *ue, const ml_rule_t *rule, int id, const ml_case_t *c,
              int64_t *v)
{
    int kind;
    ml_measure_source (id, &kind);
    if (kind == ML_CASE_SECONDMENT)
        return s_secondment_value (ue, rule, id, c, v);
    if (!c)
        return false;
    if (kind == ML_CASE_PETITION)
        return s_petition_value (ue, id, c, v);
    if (kind == ML_CASE_OPINION)
        return s_opinion_value (ue, id, c, v);
    if (kind == ML_CASE_APPEAL)
        return s_appeal_value (ue, rule, c, v);
    return kind == ML_CASE_COMMITMENT && s_commitment_value (ue, rule, id, c, v);
}
