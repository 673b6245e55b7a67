/* ml_eval_time.c -- time in the rule engine: the calendar, roster roles by month, and the year's
   counters loaded from the source and summed over months. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_eval_private.h"

//  ---------------------------------------------------------------------------
//  Calendar helpers

ml_day_t
ml_ev_month_start (int year, int month)
{
    return ml_date_from_ymd (year, month, 1);
}

ml_day_t
ml_ev_month_end (int year, int month)
{
    return (month == 12 ? ml_date_from_ymd (year + 1, 1, 1) : ml_date_from_ymd (year, month + 1, 1)) - 1;
}

//  The last month of the year whose counters count: the month of `to` (0 when `to` is earlier).
int
ml_ev_last_month (const ml_unit_eval_t *ue)
{
    int y, m, d;
    ml_date_to_ymd (ue->to, &y, &m, &d);
    return y < ue->year ? 0 : y > ue->year ? 12 : m;
}

//  Months (bit m-1) that ended on or before `to`.
uint32_t
ml_ev_elapsed_mask (const ml_unit_eval_t *ue)
{
    uint32_t mask = 0;
    for (int m = 1; m <= 12; m++)
        if (ml_ev_month_end (ue->year, m) <= ue->to)
            mask |= 1u << (m - 1);
    return mask;
}

int
ml_ev_popcount (uint32_t v)
{
    return __builtin_popcount (v);
}

int64_t
ml_ev_ceil_div (int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

//  ---------------------------------------------------------------------------
//  Roles

bool
ml_ev_role_matches (const ml_rule_t *rule, const ml_roster_role_t *role)
{
    if (!(rule->roles & (1u << role->role)))
        return false;
    return !rule->frontline || role->frontline;
}

//  Months of the year touched by the range FROM..TO (TO ML_NODAY: open).
uint32_t
ml_ev_touch (int year, ml_day_t from, ml_day_t to)
{
    uint32_t mask = 0;
    for (int m = 1; m <= 12; m++)
        if (from <= ml_ev_month_end (year, m) && (to == ML_NODAY || to >= ml_ev_month_start (year, m)))
            mask |= 1u << (m - 1);
    return mask;
}

//  Months of the year touched by the person's roles that RULE names.
uint32_t
ml_ev_touch_mask (const ml_unit_eval_t *ue, const ml_person_t *p, const ml_rule_t *rule)
{
    uint32_t mask = 0;
    for (size_t i = 0; i < p->nroles; i++)
        if (ml_ev_role_matches (rule, &p->roles[i]))
            mask |= ml_ev_touch (ue->year, p->roles[i].from, p->roles[i].to);
    return mask;
}

bool
ml_ev_in_role (const ml_person_t *p, const ml_rule_t *rule, ml_day_t from, ml_day_t to)
{
    for (size_t i = 0; i < p->nroles; i++) {
        const ml_roster_role_t *r = &p->roles[i];
        if (ml_ev_role_matches (rule, r) && r->from <= from && (r->to == ML_NODAY || r->to >= to))
            return true;
    }
    return false;
}

//  Half-months (bit 2*(m-1) for days 1-15, +1 for 16-end) fully in role and ended by `to`.
uint32_t
ml_ev_half_mask (const ml_unit_eval_t *ue, const ml_person_t *p, const ml_rule_t *rule)
{
    uint32_t mask = 0;
    for (int h = 0; h < 24; h++) {
        int m = h / 2 + 1;
        ml_day_t from = h % 2 ? ml_date_from_ymd (ue->year, m, 16) : ml_ev_month_start (ue->year, m);
        ml_day_t to = h % 2 ? ml_ev_month_end (ue->year, m) : ml_date_from_ymd (ue->year, m, 15);
        if (to <= ue->to && ml_ev_in_role (p, rule, from, to))
            mask |= 1u << h;
    }
    return mask;
}

//  Months fully in role and ended by `to`.
uint32_t
ml_ev_full_mask (const ml_unit_eval_t *ue, const ml_person_t *p, const ml_rule_t *rule)
{
    uint32_t mask = 0;
    for (int m = 1; m <= 12; m++)
        if (ml_ev_month_end (ue->year, m) <= ue->to
            && ml_ev_in_role (p, rule, ml_ev_month_start (ue->year, m), ml_ev_month_end (ue->year, m)))
            mask |= 1u << (m - 1);
    return mask;
}

uint32_t
ml_eval_roles (const ml_unit_eval_t *self, const ml_person_t *p)
{
    uint32_t roles = 0;
    ml_day_t start = ml_ev_month_start (self->year, 1);
    for (size_t i = 0; i < p->nroles; i++)
        if (p->roles[i].from <= self->to && (p->roles[i].to == ML_NODAY || p->roles[i].to >= start))
            roles |= 1u << p->roles[i].role;
    return roles;
}


//  ---------------------------------------------------------------------------
//  Counters

//  Orders rows as the agg keys do: person, metric, month, sub. ARG is the year's subs.
static int
s_row_cmp (const void *a, const void *b, void *arg)
{
    const ml_ev_row_t *x = a, *y = b;
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
s_intern (ml_ev_year_t *y, const char *sub, uint32_t *offset)
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

int
ml_ev_person_cmp (const void *a, const void *b)
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
int
ml_ev_pidx (const ml_unit_eval_t *ue, const char *id)
{
    if (!*id)
        return -1;
    const ml_person_t *p = bsearch (id, ue->persons, ue->npersons, sizeof *p, s_id_cmp);
    return p ? (int) (p - ue->persons) : -2;
}

typedef struct {
    ml_unit_eval_t *ue;
    ml_ev_year_t *y;
    bool by_day;                            //  day rows: `month` holds the day
} s_load_rows_t;

static int
s_on_row (void *arg, const ml_delta_t *row)
{
    s_load_rows_t *l = arg;
    ml_ev_year_t *y = l->y;
    if (row->year != y->year || row->month < 1 || row->month > 12 || row->amount == 0)
        return 0;
    int slot = l->by_day ? row->day : row->month;
    if (y->n == y->cap) {
        size_t cap = y->cap ? y->cap * 2 : 256;
        ml_ev_row_t *rows = realloc (y->rows, cap * sizeof *rows);
        if (!rows)
            return ML_ENOMEM;
        y->rows = rows;
        y->cap = cap;
    }
    ml_ev_row_t *r = &y->rows[y->n++];
    r->pidx = ml_ev_pidx (l->ue, row->person);
    r->metric = (uint8_t) row->metric;
    r->month = (uint8_t) slot;
    r->amount = row->amount;
    return s_intern (y, row->sub, &r->sub);
}

//  Loads the counters of the evaluated year. Returns 0 or the source's error (reported).
int
ml_ev_load_year (ml_unit_eval_t *ue)
{
    ml_ev_priv_t *priv = ue->priv;
    ml_ev_year_t *y = &priv->year;
    y->year = ue->year;
    s_load_rows_t l = { ue, y, false };
    int rc = ML_ENOMEM;
    if ((y->subs = malloc (1024))) {
        y->subs[0] = 0;            //  offset 0 is ""
        y->nsubs = 1;
        y->capsubs = 1024;
        rc = priv->src->agg (priv->src->ctx, ue->unit, y->year, s_on_row, &l);
    }
    if (rc) {
        ml_ev_fail (ue, rc, "reading counters");
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
int64_t
ml_ev_sum (const ml_ev_year_t *y, int pidx, int metric, const char *sub, int from, int to)
{
    if (!y)
        return 0;
    size_t lo = 0, hi = y->n;
    if (pidx != INT32_MIN) {
        //  Lower bound of (pidx, metric).
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            const ml_ev_row_t *r = &y->rows[mid];
            if (r->pidx < pidx || (r->pidx == pidx && r->metric < metric))
                lo = mid + 1;
            else
                hi = mid;
        }
        hi = y->n;
    }
    int64_t sum = 0;
    for (size_t i = lo; i < hi; i++) {
        const ml_ev_row_t *r = &y->rows[i];
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
    ml_ev_priv_t *priv = self->priv;
    int pidx = person ? ml_ev_pidx (self, person) : INT32_MIN;
    return ml_ev_sum (&priv->year, pidx, metric, sub, from, to);
}

//  ---------------------------------------------------------------------------
//  Roster time to the day (rules.md V1-V6)

static bool
s_role_counts (const ml_rule_t *rule, const ml_roster_role_t *r)
{
    return ml_ev_role_matches (rule, r);
}

int
ml_ev_spans (const ml_unit_eval_t *ue, const ml_person_t *p, const ml_rule_t *rule,
             ml_day_t *from, ml_day_t *to)
{
    ml_day_t lo = ml_ev_month_start (ue->year, 1), hi = ue->to;
    ml_day_t f[ML_EV_SPANS_MAX], t[ML_EV_SPANS_MAX];
    int n = 0;
    for (size_t i = 0; i < p->nroles && n < ML_EV_SPANS_MAX; i++) {
        const ml_roster_role_t *r = &p->roles[i];
        if (!s_role_counts (rule, r))
            continue;
        ml_day_t a = r->from, b = r->to == ML_NODAY ? hi : r->to;
        //  V2: representatives' activity counts only inside their term.
        if (r->term_from != ML_NODAY && r->term_from > a)
            a = r->term_from;
        if (r->term_to != ML_NODAY && r->term_to < b)
            b = r->term_to;
        a = a < lo ? lo : a;
        b = b > hi ? hi : b;
        if (a > b)
            continue;
        //  Insert in order of start.
        int k = n++;
        while (k > 0 && f[k - 1] > a) {
            f[k] = f[k - 1];
            t[k] = t[k - 1];
            k--;
        }
        f[k] = a;
        t[k] = b;
    }
    int m = 0;
    for (int i = 0; i < n; i++)
        if (m > 0 && f[i] <= to[m - 1] + 1) {
            if (t[i] > to[m - 1])
                to[m - 1] = t[i];
        }
        else {
            from[m] = f[i];
            to[m++] = t[i];
        }
    return m;
}

uint32_t
ml_ev_span_months (const ml_unit_eval_t *ue, const ml_day_t *from, const ml_day_t *to, int n)
{
    uint32_t mask = 0;
    for (int m = 1; m <= 12; m++)
        for (int i = 0; i < n; i++)
            if (from[i] <= ml_ev_month_start (ue->year, m) && to[i] >= ml_ev_month_end (ue->year, m))
                mask |= 1u << (m - 1);
    return mask;
}

//  Loads the day rows of MONTH once.
static ml_ev_year_t *
s_days (ml_unit_eval_t *ue, int month)
{
    ml_ev_priv_t *priv = ue->priv;
    ml_ev_year_t *y = &priv->days[month];
    if (priv->days_loaded & (1u << month))
        return y;
    priv->days_loaded |= 1u << month;
    y->year = ue->year;
    if (!priv->src->agg_days)
        return y;
    if (!(y->subs = malloc (256))) {
        ml_ev_fail (ue, ML_ENOMEM, "reading day counters");
        return y;
    }
    y->subs[0] = 0;
    y->nsubs = 1;
    y->capsubs = 256;
    s_load_rows_t l = { ue, y, true };
    int rc = priv->src->agg_days (priv->src->ctx, ue->unit, ue->year, month, s_on_row, &l);
    if (rc)
        ml_ev_fail (ue, rc, "reading day counters");
    else
        for (size_t i = 1; i < y->n; i++)
            if (s_row_cmp (&y->rows[i - 1], &y->rows[i], y->subs) > 0) {
                qsort_r (y->rows, y->n, sizeof *y->rows, s_row_cmp, y->subs);
                break;
            }
    return y;
}

int64_t
ml_ev_sum_days (ml_unit_eval_t *ue, int pidx, int metric, const char *sub, ml_day_t from,
                ml_day_t to)
{
    ml_ev_priv_t *priv = ue->priv;
    ml_day_t lo = ml_ev_month_start (ue->year, 1);
    from = from < lo ? lo : from;
    to = to > ue->to ? ue->to : to;
    int64_t sum = 0;
    for (int m = 1; m <= 12 && from <= to; m++) {
        ml_day_t ms = ml_ev_month_start (ue->year, m), me = ml_ev_month_end (ue->year, m);
        if (me < from || ms > to)
            continue;
        if (from <= ms && to >= me)
            sum += ml_ev_sum (&priv->year, pidx, metric, sub, m, m);
        else {
            int a = (int) ((from > ms ? from : ms) - ms) + 1, b = (int) ((to < me ? to : me) - ms) + 1;
            sum += ml_ev_sum (s_days (ue, m), pidx, metric, sub, a, b);
        }
    }
    return sum;
}

//  ---------------------------------------------------------------------------
//  Failures and the roster, shared by the pieces

void
ml_ev_fail (ml_unit_eval_t *ue, int rc, const char *what)
{
    ml_ev_priv_t *priv = ue->priv;
    if (priv->rc)
        return;
    priv->rc = rc;
    snprintf (priv->err, priv->errlen, "unit %s: %s: %s", ue->unit, what, ml_strerror (rc));
}

static bool
s_role_on (const ml_unit_eval_t *ue, const char *id, ml_day_t day, uint32_t roles)
{
    int pidx = ml_ev_pidx (ue, id);
    if (pidx < 0)
        return false;
    const ml_person_t *p = &ue->persons[pidx];
    for (size_t i = 0; i < p->nroles; i++) {
        const ml_roster_role_t *r = &p->roles[i];
        if ((roles & (1u << r->role)) && r->from <= day && (r->to == ML_NODAY || r->to >= day))
            return true;
    }
    return false;
}

bool
ml_ev_leading_on (const ml_unit_eval_t *ue, const char *id, ml_day_t day)
{
    return s_role_on (ue, id, day, (1u << MASSLINE__ROLE__ID__main_leader)
                                   | (1u << MASSLINE__ROLE__ID__leader));
}

bool
ml_ev_main_leader_on (const ml_unit_eval_t *ue, const char *id, ml_day_t day)
{
    return s_role_on (ue, id, day, 1u << MASSLINE__ROLE__ID__main_leader);
}
