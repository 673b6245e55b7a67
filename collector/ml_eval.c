/* ml_eval.c -- judges the rules of a rule set for one unit and year from counters, roster, cases. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_eval.h"

#define S_TERM_YEARS_MAX 11                 //  years of a term read (terms are five years)

//  A counter row, kept small (24 bytes) so that a unit's year stays in cache.
typedef struct {
    int32_t pidx;                           //  person index; -1 unit-level; -2 not in the roster
    uint8_t metric, month;
    uint32_t sub;                           //  offset of the sub in the year's `subs`; 0 = ""
    int64_t amount;
} s_row_t;

typedef struct {
    int year;
    s_row_t *rows;
    size_t n, cap;
    char *subs;                             //  NUL-terminated subs one after another; [0] = ""
    size_t nsubs, capsubs;
} s_year_t;

typedef struct {
    const ml_source_t *src;
    s_year_t year;                          //  the evaluated year's counters
    size_t results_cap, cases_cap;
    int rc;                                 //  first failure while loading
    char *err;
    size_t errlen;
} s_priv_t;

static void s_fail (ml_unit_eval_t *ue, int rc, const char *what);

//  ---------------------------------------------------------------------------
//  Calendar helpers

static ml_day_t
s_month_start (int year, int month)
{
    return ml_date_from_ymd (year, month, 1);
}

static ml_day_t
s_month_end (int year, int month)
{
    return (month == 12 ? ml_date_from_ymd (year + 1, 1, 1) : ml_date_from_ymd (year, month + 1, 1)) - 1;
}

//  The last month of the year whose counters count: the month of `to` (0 when `to` is earlier).
static int
s_last_month (const ml_unit_eval_t *ue)
{
    int y, m, d;
    ml_date_to_ymd (ue->to, &y, &m, &d);
    return y < ue->year ? 0 : y > ue->year ? 12 : m;
}

//  Months (bit m-1) that ended on or before `to`.
static uint32_t
s_elapsed_mask (const ml_unit_eval_t *ue)
{
    uint32_t mask = 0;
    for (int m = 1; m <= 12; m++)
        if (s_month_end (ue->year, m) <= ue->to)
            mask |= 1u << (m - 1);
    return mask;
}

static int
s_popcount (uint32_t v)
{
    return __builtin_popcount (v);
}

static int64_t
s_ceil_div (int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

//  ---------------------------------------------------------------------------
//  Roles

static bool
s_role_matches (const ml_rule_t *rule, const ml_roster_role_t *role)
{
    if (!(rule->roles & (1u << role->role)))
        return false;
    return !rule->frontline || role->frontline;
}

//  Months of the year touched by the range FROM..TO (TO ML_NODAY: open).
static uint32_t
s_touch (int year, ml_day_t from, ml_day_t to)
{
    uint32_t mask = 0;
    for (int m = 1; m <= 12; m++)
        if (from <= s_month_end (year, m) && (to == ML_NODAY || to >= s_month_start (year, m)))
            mask |= 1u << (m - 1);
    return mask;
}

//  Months of the year touched by the person's roles that RULE names.
static uint32_t
s_touch_mask (const ml_unit_eval_t *ue, const ml_person_t *p, const ml_rule_t *rule)
{
    uint32_t mask = 0;
    for (size_t i = 0; i < p->nroles; i++)
        if (s_role_matches (rule, &p->roles[i]))
            mask |= s_touch (ue->year, p->roles[i].from, p->roles[i].to);
    return mask;
}

static bool
s_in_role (const ml_person_t *p, const ml_rule_t *rule, ml_day_t from, ml_day_t to)
{
    for (size_t i = 0; i < p->nroles; i++) {
        const ml_roster_role_t *r = &p->roles[i];
        if (s_role_matches (rule, r) && r->from <= from && (r->to == ML_NODAY || r->to >= to))
            return true;
    }
    return false;
}

//  Half-months (bit 2*(m-1) for days 1-15, +1 for 16-end) fully in role and ended by `to`.
static uint32_t
s_half_mask (const ml_unit_eval_t *ue, const ml_person_t *p, const ml_rule_t *rule)
{
    uint32_t mask = 0;
    for (int h = 0; h < 24; h++) {
        int m = h / 2 + 1;
        ml_day_t from = h % 2 ? ml_date_from_ymd (ue->year, m, 16) : s_month_start (ue->year, m);
        ml_day_t to = h % 2 ? s_month_end (ue->year, m) : ml_date_from_ymd (ue->year, m, 15);
        if (to <= ue->to && s_in_role (p, rule, from, to))
            mask |= 1u << h;
    }
    return mask;
}

//  Months fully in role and ended by `to`.
static uint32_t
s_full_mask (const ml_unit_eval_t *ue, const ml_person_t *p, const ml_rule_t *rule)
{
    uint32_t mask = 0;
    for (int m = 1; m <= 12; m++)
        if (s_month_end (ue->year, m) <= ue->to
            && s_in_role (p, rule, s_month_start (ue->year, m), s_month_end (ue->year, m)))
            mask |= 1u << (m - 1);
    return mask;
}

uint32_t
ml_eval_roles (const ml_unit_eval_t *self, const ml_person_t *p)
{
    uint32_t roles = 0;
    ml_day_t start = s_month_start (self->year, 1);
    for (size_t i = 0; i < p->nroles; i++)
        if (p->roles[i].from <= self->to && (p->roles[i].to == ML_NODAY || p->roles[i].to >= start))
            roles |= 1u << p->roles[i].role;
    return roles;
}

//  True when person ID holds main_leader or leader on DAY (4.3d: a leadership member).
static bool
s_leading_on (const ml_unit_eval_t *ue, const char *id, ml_day_t day);

//  ---------------------------------------------------------------------------
//  Counters

//  Orders rows as the agg keys do: person, metric, month, sub. ARG is the year's subs.
static int
s_row_cmp (const void *a, const void *b, void *arg)
{
    const s_row_t *x = a, *y = b;
    if (x->pidx != y->pidx)
        return x->pidx < y->pidx ? -1 : 1;
    if (x->metric != y->metric)
        return x->metric < y->metric ? -1 : 1;
    if (x->month != y->month)
        return x->month < y->month ? -1 : 1;
    const char *subs = arg;
    return strcmp (subs + x->sub, subs + y->sub);
}

//  Keeps SUB in the year's arena and returns its offset (0 for "").
static int
s_intern (s_year_t *y, const char *sub, uint32_t *offset)
{
    *offset = 0;
    size_t len = strlen (sub);
    if (len == 0)
        return 0;
    if (y->nsubs + len + 1 > y->capsubs) {
        size_t cap = y->capsubs ? y->capsubs * 2 : 1024;
        while (cap < y->nsubs + len + 1)
            cap *= 2;
        char *subs = realloc (y->subs, cap);
        if (!subs)
            return ML_ENOMEM;
        y->subs = subs;
        y->capsubs = cap;
    }
    *offset = (uint32_t) y->nsubs;
    memcpy (y->subs + y->nsubs, sub, len + 1);
    y->nsubs += len + 1;
    return 0;
}

static int
s_person_cmp (const void *a, const void *b)
{
    return strcmp (((const ml_person_t *) a)->id, ((const ml_person_t *) b)->id);
}

//  bsearch's order of an id (the key) against a person.
static int
s_id_cmp (const void *id, const void *person)
{
    return strcmp (id, ((const ml_person_t *) person)->id);
}

//  Index of person ID, -1 for "" (unit level), -2 when not in the roster.
static int
s_pidx (const ml_unit_eval_t *ue, const char *id)
{
    if (!*id)
        return -1;
    const ml_person_t *p = bsearch (id, ue->persons, ue->npersons, sizeof *p, s_id_cmp);
    return p ? (int) (p - ue->persons) : -2;
}

typedef struct {
    ml_unit_eval_t *ue;
    s_year_t *y;
} s_load_rows_t;

static int
s_on_row (void *arg, const ml_delta_t *row)
{
    s_load_rows_t *l = arg;
    s_year_t *y = l->y;
    if (row->year != y->year || row->month < 1 || row->month > 12 || row->amount == 0)
        return 0;
    if (y->n == y->cap) {
        size_t cap = y->cap ? y->cap * 2 : 256;
        s_row_t *rows = realloc (y->rows, cap * sizeof *rows);
        if (!rows)
            return ML_ENOMEM;
        y->rows = rows;
        y->cap = cap;
    }
    s_row_t *r = &y->rows[y->n++];
    r->pidx = s_pidx (l->ue, row->person);
    r->metric = (uint8_t) row->metric;
    r->month = (uint8_t) row->month;
    r->amount = row->amount;
    return s_intern (y, row->sub, &r->sub);
}

//  Loads the counters of the evaluated year. Returns 0 or the source's error (reported).
static int
s_load_year (ml_unit_eval_t *ue)
{
    s_priv_t *priv = ue->priv;
    s_year_t *y = &priv->year;
    y->year = ue->year;
    s_load_rows_t l = { ue, y };
    int rc = ML_ENOMEM;
    if ((y->subs = malloc (1024))) {
        y->subs[0] = 0;            //  offset 0 is ""
        y->nsubs = 1;
        y->capsubs = 1024;
        rc = priv->src->agg (priv->src->ctx, ue->unit, y->year, s_on_row, &l);
    }
    if (rc) {
        s_fail (ue, rc, "reading counters");
        return rc;
    }
    //  The store hands rows in key order, which is this order unless persons are unknown.
    for (size_t i = 1; i < y->n; i++)
        if (s_row_cmp (&y->rows[i - 1], &y->rows[i], y->subs) > 0) {
            qsort_r (y->rows, y->n, sizeof *y->rows, s_row_cmp, y->subs);
            break;
        }
    return 0;
}

//  Sums METRIC over months FROM..TO for person index PIDX (INT32_MIN: every row), SUB (NULL: any).
static int64_t
s_sum (const s_year_t *y, int pidx, int metric, const char *sub, int from, int to)
{
    if (!y)
        return 0;
    size_t lo = 0, hi = y->n;
    if (pidx != INT32_MIN) {
        //  Lower bound of (pidx, metric).
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            const s_row_t *r = &y->rows[mid];
            if (r->pidx < pidx || (r->pidx == pidx && r->metric < metric))
                lo = mid + 1;
            else
                hi = mid;
        }
        hi = y->n;
    }
    int64_t sum = 0;
    for (size_t i = lo; i < hi; i++) {
        const s_row_t *r = &y->rows[i];
        if (pidx != INT32_MIN && (r->pidx != pidx || r->metric != metric))
            break;
        if (r->metric == metric && r->month >= from && r->month <= to
            && (!sub || strcmp (sub, y->subs + r->sub) == 0))
            sum += r->amount;
    }
    return sum;
}

int64_t
ml_eval_sum (const ml_unit_eval_t *self, const char *person, int metric, const char *sub,
             int from, int to)
{
    s_priv_t *priv = self->priv;
    int pidx = person ? s_pidx (self, person) : INT32_MIN;
    return s_sum (&priv->year, pidx, metric, sub, from, to);
}

//  ---------------------------------------------------------------------------
//  Measures beyond the counters

//  Assignments of KIND valid during the window: made by `to`, not ended before 1 January.
static bool
s_assignment_valid (const ml_unit_eval_t *ue, const ml_case_t *c, int kind)
{
    return c->key.kind == kind && (c->flags & ML_CASE_OPENED) && c->opened <= ue->to
        && (c->to == ML_NODAY || c->to >= s_month_start (ue->year, 1));
}

int64_t
ml_eval_assignments (const ml_unit_eval_t *ue, const char *person, int kind)
{
    int64_t n = 0;
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

static int64_t
s_unit_measure (const ml_unit_eval_t *ue, int measure)
{
    if (measure == ML_MEASURE_DUPLICATE_ASSIGNMENTS)
        return s_duplicates (ue, ML_CASE_CONTACT_POINT) + s_duplicates (ue, ML_CASE_PAIRED_FAMILY);
    int64_t n = 0;
    for (size_t i = 0; i < ue->ncases; i++) {
        const ml_case_t *c = &ue->cases[i];
        if (c->key.kind == ML_CASE_MAILBOX && (c->flags & ML_CASE_OPENED) && c->opened <= ue->to)
            n++;
    }
    return n;
}

//  The sum of RULE's measures over months FROM..TO: PIDX a person, -1 an org's or unit-level
//  rows with SUB, INT32_MIN the whole unit.
static int64_t
s_value (ml_unit_eval_t *ue, const ml_rule_t *rule, int pidx, const char *sub, int from, int to)
{
    s_priv_t *priv = ue->priv;
    int64_t sum = 0;
    for (size_t i = 0; i < rule->nmeasures; i++) {
        int id = rule->measures[i];
        int src = ml_measure_source (id, NULL);
        if (src == ML_SOURCE_AGG)
            sum += s_sum (&priv->year, pidx, id, sub, from, to);
        else if (src == ML_SOURCE_PERSON && pidx >= 0)
            sum += ml_eval_assignments (ue, ue->persons[pidx].id, id == ML_MEASURE_CONTACT_POINTS
                                     ? ML_CASE_CONTACT_POINT : ML_CASE_PAIRED_FAMILY);
        else if (src == ML_SOURCE_UNIT)
            sum += s_unit_measure (ue, id);
    }
    return sum;
}

static int64_t
s_sum_of (ml_unit_eval_t *ue, const int *metrics, size_t n, int pidx, int to)
{
    s_priv_t *priv = ue->priv;
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += s_sum (&priv->year, pidx, metrics[i], NULL, 1, to);
    return sum;
}

//  Whole months of a term FROM..TO (inclusive): 2025-01-01..2025-06-30 is 6.
static int64_t
s_term_months (ml_day_t from, ml_day_t to)
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
    if (id == ML_MEASURE_SECONDMENT_MONTHS) {
        //  3.1: judged as soon as the term is recorded.
        *v = s_term_months (c->from, c->to);
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
        default:
            //  4.3d: the receiver held main_leader or leader on the day the case was opened.
            *v = s_leading_on (ue, c->person, c->opened);
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

//  7.2-7.4 on commitment C.
static bool
s_commitment_value (const ml_unit_eval_t *ue, int id, const ml_case_t *c, int64_t *v)
{
    int y, m, d;
    switch (id) {
        case ML_MEASURE_COMMITMENT_PUBLISHED:
            *v = (c->flags & ML_CASE_PUBLISHED) != 0;
            return true;
        case ML_MEASURE_COMMITMENT_OVERDUE:
            //  7.3: due by its deadline, or 31 December of its year (ml_case_due).
            *v = ml_case_overdue (c, ue->as_of);
            return true;
        default:
            //  7.4: annual commitments only, evaluated at year end: an absent evaluation is
            //  judged from 31 December of the commitment's year.
            if (c->category != MASSLINE__COMMITMENT__TYPE__annual)
                return false;
            *v = c->grades[0] || c->grades[1] || c->grades[2] || c->grades[3];
            ml_date_to_ymd (c->opened, &y, &m, &d);
            return *v || ue->as_of >= ml_date_from_ymd (y, 12, 31);
    }
}

static bool
s_case_value (const ml_unit_eval_t *ue, const ml_rule_t *rule, int id, const ml_case_t *c,
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
    return kind == ML_CASE_COMMITMENT && s_commitment_value (ue, id, c, v);
}

//  ---------------------------------------------------------------------------
//  Judging

static bool
s_within (const ml_rule_t *rule, int64_t v)
{
    return (!rule->has_min || v >= rule->min)
        && (!rule->has_max || rule->max_is_guide || v <= rule->max);
}

//  A failed judgement: unmet, or warning for a rule of severity warning; info never fails.
static void
s_fail_status (ml_result_t *res)
{
    const ml_rule_t *rule = res->rule;
    if (rule->severity == ML_SEVERITY_INFO)
        res->status = ML_STATUS_MET;
    else
        res->status = rule->severity == ML_SEVERITY_WARNING ? ML_STATUS_WARNING : ML_STATUS_UNMET;
}

//  Status of a value ACTUAL against REQUIRED (and the rule's max).
static void
s_judge (ml_result_t *res, int64_t actual, int64_t required)
{
    const ml_rule_t *rule = res->rule;
    res->actual = actual;
    res->required = required;
    bool ok = actual >= required
           && (!rule->has_max || rule->max_is_guide || actual <= rule->max);
    res->status = ML_STATUS_MET;
    if (!ok)
        s_fail_status (res);
}

//  A coverage result: OK of JUDGED items passed (the rule's min/max applied to each item).
static void
s_judge_coverage (ml_result_t *res, int64_t ok, int64_t judged)
{
    res->actual = ok;
    res->required = judged;
    res->has_max = false;
    res->status = ML_STATUS_MET;
    if (judged == 0)
        res->status = ML_STATUS_NA;
    else if (ok < judged)
        s_fail_status (res);
}

static ml_result_t *
s_result (ml_unit_eval_t *ue, const ml_rule_t *rule, int pidx)
{
    s_priv_t *priv = ue->priv;
    if (ue->nresults == priv->results_cap) {
        size_t cap = priv->results_cap ? priv->results_cap * 2 : 64;
        ml_result_t *results = realloc (ue->results, cap * sizeof *results);
        if (!results) {
            s_fail (ue, ML_ENOMEM, "results");
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

//  A yearly quota over the months TOUCH (all 12 for units and orgs), pro-rated to `to`.
static void
s_yearly (ml_unit_eval_t *ue, ml_result_t *res, uint32_t touch, int pidx, const char *sub)
{
    const ml_rule_t *rule = res->rule;
    int months = s_popcount (touch & s_elapsed_mask (ue));
    int64_t actual = s_value (ue, rule, pidx, sub, 1, s_last_month (ue));
    int64_t required = s_ceil_div ((rule->has_min ? rule->min : 0) * months, 12);
    s_judge (res, actual, required);
    if (months == 0 && rule->severity != ML_SEVERITY_INFO)
        res->status = ML_STATUS_NA;   //  nothing due yet
}

//  A `due` rule (1.3a, 7.1a: recorded by the end of Q1): counted up to the due month, which
//  moves to the role's DUEth month when the role starts later in the year.
static void
s_due (ml_unit_eval_t *ue, ml_result_t *res, uint32_t touch, int pidx, const char *sub)
{
    const ml_rule_t *rule = res->rule;
    int first = touch ? __builtin_ctz (touch) + 1 : 1;
    int due = first + rule->due - 1;
    if (due > 12)
        due = 12;
    int last = s_last_month (ue);
    s_judge (res, s_value (ue, rule, pidx, sub, 1, due < last ? due : last),
             rule->has_min ? rule->min : 0);
    if (res->status != ML_STATUS_MET && s_month_end (ue->year, due) > ue->to)
        res->status = ML_STATUS_NA;   //  not due yet
}

//  4.2a: actual = the rule's metrics, required = the `of` metrics (each reception day announced).
static void
s_coverage (ml_unit_eval_t *ue, ml_result_t *res, int pidx)
{
    const ml_rule_t *rule = res->rule;
    int last = s_last_month (ue);
    s_judge_coverage (res, s_sum_of (ue, rule->measures, rule->nmeasures, pidx, last),
                      s_sum_of (ue, rule->of, rule->nof, pidx, last));
}

static void
s_missed (ml_result_t *res, int year, int month, const char *half)
{
    if (res->nmissed < ML_MISSED_MAX)
        snprintf (res->missed[res->nmissed++], sizeof res->missed[0], "%04d-%02d%s%s", year,
                  month, half ? "-" : "", half ? half : "");
}

//  4.1a/b: every month (or half-month) fully in role and ended by `to` needs `min`.
static void
s_periodic (ml_unit_eval_t *ue, ml_result_t *res, const ml_person_t *p, int pidx)
{
    const ml_rule_t *rule = res->rule;
    bool halves = rule->period == ML_PERIOD_HALF_MONTH;
    uint32_t mask = halves ? s_half_mask (ue, p, rule) : s_full_mask (ue, p, rule);
    int checked = 0, met = 0;
    for (int i = 0; i < (halves ? 24 : 12); i++) {
        if (!(mask & (1u << i)))
            continue;
        int month = halves ? i / 2 + 1 : i + 1;
        const char *half = halves ? (i % 2 ? "b" : "a") : NULL;
        checked++;
        if (s_value (ue, rule, pidx, half, month, month) >= rule->min)
            met++;
        else
            s_missed (res, ue->year, month, half);
    }
    s_judge_coverage (res, met, checked);
}

//  5.1b: the org_head owes `min` talks (pro-rated) to each party member of the branch.
static void
s_per_member (ml_unit_eval_t *ue, ml_result_t *res, const ml_person_t *head, uint32_t touch)
{
    const char *org = head->org;
    for (size_t i = 0; i < ue->norgs; i++)
        if (strcmp (ue->orgs[i].head, head->id) == 0)
            org = ue->orgs[i].id;
    int months = s_popcount (touch & s_elapsed_mask (ue));
    int64_t quota = s_ceil_div (res->rule->min * months, 12);
    int pidx = (int) (head - ue->persons), members = 0, covered = 0;
    for (size_t i = 0; *org && months && i < ue->npersons; i++) {
        const ml_person_t *p = &ue->persons[i];
        if (p == head || strcmp (p->org, org) != 0
            || !(ml_eval_roles (ue, p) & (1u << MASSLINE__ROLE__ID__party_member)))
            continue;
        members++;
        if (s_value (ue, res->rule, pidx, p->id, 1, s_last_month (ue)) >= quota)
            covered++;
    }
    s_judge_coverage (res, covered, members);
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
    s_priv_t *priv = ue->priv;
    int64_t sum = 0;
    if (year == ue->year) {
        for (size_t i = 0; i < rule->nmeasures; i++)
            sum += s_sum (&priv->year, (int) (p - ue->persons), rule->measures[i], NULL, from, to);
        return sum;
    }
    s_term_sum_t t = { rule, from, to, 0 };
    int rc = priv->src->agg_person (priv->src->ctx, ue->unit, year, p->id, s_on_term_row, &t);
    if (rc)
        s_fail (ue, rc, "reading counters");
    return t.sum;
}

//  8.2b/c: counted over the representative's term; unmet only once the term has ended.
static void
s_term (ml_unit_eval_t *ue, ml_result_t *res, const ml_person_t *p)
{
    const ml_rule_t *rule = res->rule;
    const ml_roster_role_t *role = NULL;
    for (size_t i = 0; i < p->nroles; i++)
        if (s_role_matches (rule, &p->roles[i]))
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
    s_judge (res, actual, rule->min);
    if (res->status != ML_STATUS_MET && (end == ML_NODAY || end > ue->to))
        res->status = ML_STATUS_NA;   //  the term is still running
}

static const ml_case_t *
s_find_case (const ml_unit_eval_t *ue, int kind, const char *id)
{
    for (size_t i = 0; i < ue->ncases; i++)
        if (ue->cases[i].key.kind == kind && strcmp (ue->cases[i].key.id, id) == 0
            && (ue->cases[i].flags & ML_CASE_OPENED))
            return &ue->cases[i];
    return NULL;
}

//  3.x: a rule on the person's own secondment (category from the record, else from the role);
//  not listed for a person of another category.
static void
s_person_case (ml_unit_eval_t *ue, const ml_rule_t *rule, const ml_person_t *p)
{
    const ml_case_t *c = s_find_case (ue, ML_CASE_SECONDMENT, p->id);
    if (rule->category) {
        int category = c ? c->category : 0;
        for (size_t i = 0; !category && i < p->nroles; i++)
            if (p->roles[i].role == MASSLINE__ROLE__ID__seconded)
                category = p->roles[i].category;
        if (category != rule->category)
            return;
    }
    ml_result_t *res = s_result (ue, rule, (int) (p - ue->persons));
    int64_t v;
    if (res && s_case_value (ue, rule, rule->measures[0], c, &v))
        s_judge (res, v, rule->has_min ? rule->min : 0);
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
    ml_result_t *res = s_result (ue, rule, pidx);
    if (!res)
        return;
    if (rule->period == ML_PERIOD_MONTH || rule->period == ML_PERIOD_HALF_MONTH)
        s_periodic (ue, res, p, pidx);
    else if (rule->period == ML_PERIOD_TERM)
        s_term (ue, res, p);
    else if (rule->per_member)
        s_per_member (ue, res, p, touch);
    else if (rule->nof)
        s_coverage (ue, res, pidx);
    else if (rule->due)
        s_due (ue, res, touch, pidx, NULL);
    else
        s_yearly (ue, res, touch, pidx, NULL);
}

//  7.1a for each party organisation: orgs meeting the rule of those judged.
static void
s_org_rule (ml_unit_eval_t *ue, const ml_rule_t *rule)
{
    ml_result_t *res = s_result (ue, rule, -1);
    if (!res)
        return;
    int judged = 0, ok = 0;
    for (size_t i = 0; i < ue->norgs; i++) {
        ml_result_t one = { .rule = rule };
        if (rule->due)
            s_due (ue, &one, 0xfff, -1, ue->orgs[i].id);
        else
            s_yearly (ue, &one, 0xfff, -1, ue->orgs[i].id);
        judged += one.status != ML_STATUS_NA;
        ok += one.status == ML_STATUS_MET;
    }
    s_judge_coverage (res, ok, judged);
}

//  4.3, 6.x, 7.2-7.4: cases of the kind opened in the window; each must be within min/max.
static void
s_case_rule (ml_unit_eval_t *ue, const ml_rule_t *rule)
{
    ml_result_t *res = s_result (ue, rule, -1);
    if (!res)
        return;
    ml_day_t start = s_month_start (ue->year, 1);
    int judged = 0, ok = 0;
    for (size_t i = 0; i < ue->ncases; i++) {
        const ml_case_t *c = &ue->cases[i];
        int64_t v;
        if (c->key.kind != rule->case_kind || !(c->flags & ML_CASE_OPENED) || c->opened < start
            || c->opened > ue->to || c->group_size < rule->group_size
            || !s_case_value (ue, rule, rule->measures[0], c, &v))
            continue;
        judged++;
        ok += s_within (rule, v);
    }
    s_judge_coverage (res, ok, judged);
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
    ml_result_t *res = s_result (ue, rule, -1);
    if (!res)
        return;
    if (rule->nof)
        s_coverage (ue, res, INT32_MIN);
    else if (rule->due)
        s_due (ue, res, 0xfff, INT32_MIN, NULL);
    else
        s_yearly (ue, res, 0xfff, INT32_MIN, NULL);
}

static void
s_tally (ml_unit_eval_t *ue)
{
    for (size_t i = 0; i < ue->nresults; i++) {
        const ml_result_t *r = &ue->results[i];
        if (r->rule->severity == ML_SEVERITY_INFO || r->status == ML_STATUS_NA)
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
            uint32_t touch = s_touch_mask (ue, p, rule);
            if (rule->roles && (touch & ((1u << s_last_month (ue)) - 1)))
                s_person_rule (ue, rule, p, touch);
        }
    }
    for (size_t r = 0; r < n; r++) {
        const ml_rule_t *rule = ml_ruleset_rule (rules, r);
        if (rule->unit || rule->org || rule->case_kind)
            s_unit_rule (ue, rule);
    }
    s_tally (ue);
}

//  ---------------------------------------------------------------------------
//  Loading roster and cases

static bool
s_leading_on (const ml_unit_eval_t *ue, const char *id, ml_day_t day)
{
    int pidx = s_pidx (ue, id);
    if (pidx < 0)
        return false;
    const ml_person_t *p = &ue->persons[pidx];
    for (size_t i = 0; i < p->nroles; i++) {
        const ml_roster_role_t *r = &p->roles[i];
        bool leading = r->role == MASSLINE__ROLE__ID__main_leader
                    || r->role == MASSLINE__ROLE__ID__leader;
        if (leading && r->from <= day && (r->to == ML_NODAY || r->to >= day))
            return true;
    }
    return false;
}

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
    s_priv_t *priv = ue->priv;
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

static void
s_fail (ml_unit_eval_t *ue, int rc, const char *what)
{
    s_priv_t *priv = ue->priv;
    if (priv->rc)
        return;
    priv->rc = rc;
    snprintf (priv->err, priv->errlen, "unit %s: %s: %s", ue->unit, what, ml_strerror (rc));
}

static int
s_load (ml_unit_eval_t *ue, const ml_source_t *src)
{
    int rc = src->persons (src->ctx, ue->unit, s_on_person, ue);
    if (rc) {
        s_fail (ue, rc, "reading persons");
        return rc;
    }
    if (ue->npersons)          //  qsort of NULL is undefined even for 0 items
        qsort (ue->persons, ue->npersons, sizeof *ue->persons, s_person_cmp);
    ml_day_t start = s_month_start (ue->year, 1);
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
        s_fail (ue, rc, "reading orgs");
        return rc;
    }
    if ((rc = src->cases (src->ctx, ue->unit, s_on_case, ue))) {
        s_fail (ue, rc, "reading cases");
        return rc;
    }
    return s_load_year (ue);
}

ml_unit_eval_t *
ml_eval_unit (const ml_ruleset_t *rules, const ml_source_t *src, const char *unit,
              const char *unit_name, int year, ml_day_t as_of, char *err, size_t errlen)
{
    ml_unit_eval_t *ue = calloc (1, sizeof *ue);
    s_priv_t *priv = calloc (1, sizeof *priv);
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
    ue->last_month = s_last_month (ue);
    s_load (ue, src);
    if (!priv->rc)
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
    s_priv_t *priv = self->priv;
    if (priv) {
        free (priv->year.rows);
        free (priv->year.subs);
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
        default: return "not_applicable";
    }
}

ml_day_t
ml_eval_default_as_of (int year, ml_day_t today)
{
    ml_day_t dec31 = ml_date_from_ymd (year, 12, 31);
    return today > dec31 ? dec31 : today;
}
