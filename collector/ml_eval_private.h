/* ml_eval_private.h -- what the pieces of the rule engine share (ml_eval.c the per-unit driver,
   ml_eval_time.c time and counters, ml_eval_measure.c measures and case values, ml_eval_judge.c
   judging). Not for use outside collector/ml_eval*.c. */
#ifndef ML_EVAL_PRIVATE_H
#define ML_EVAL_PRIVATE_H

#include "ml_eval.h"

//  A counter row, kept small (24 bytes) so that a unit's year stays in cache.
typedef struct {
    int32_t pidx;                           //  person index; -1 unit-level; -2 not in the roster
    uint8_t metric, month;
    uint32_t sub;                           //  offset of the sub in the year's `subs`; 0 = ""
    int64_t amount;
} ml_ev_row_t;

typedef struct {
    int year;
    ml_ev_row_t *rows;
    size_t n, cap;
    char *subs;                             //  NUL-terminated subs one after another; [0] = ""
    size_t nsubs, capsubs;
} ml_ev_year_t;

typedef struct {
    const ml_source_t *src;
    ml_ev_year_t year;                          //  the evaluated year's counters
    ml_ev_year_t days[13];                      //  per month: rows by day (`month` = the day)
    uint16_t days_loaded;                       //  bit m: days[m] is loaded
    size_t results_cap, cases_cap;
    int rc;                                 //  first failure while loading
    char *err;
    size_t errlen;
} ml_ev_priv_t;


// ---------------------------------------------------------------------------
// ml_eval_time.c

ml_day_t ml_ev_month_start (int year, int month);

ml_day_t ml_ev_month_end (int year, int month);

//  The last month of the year whose counters count: the month of `to` (0 when `to` is earlier).
int ml_ev_last_month (const ml_unit_eval_t *ue);

//  Months (bit m-1) that ended on or before `to`.
uint32_t ml_ev_elapsed_mask (const ml_unit_eval_t *ue);

int ml_ev_popcount (uint32_t v);

int64_t ml_ev_ceil_div (int64_t a, int64_t b);

bool ml_ev_role_matches (const ml_rule_t *rule, const ml_roster_role_t *role);

//  Months of the year touched by the range FROM..TO (TO ML_NODAY: open).
uint32_t ml_ev_touch (int year, ml_day_t from, ml_day_t to);

//  Months of the year touched by the person's roles that RULE names.
uint32_t ml_ev_touch_mask (const ml_unit_eval_t *ue, const ml_person_t *p, const ml_rule_t *rule);

bool ml_ev_in_role (const ml_person_t *p, const ml_rule_t *rule, ml_day_t from, ml_day_t to);

//  Half-months (bit 2*(m-1) for days 1-15, +1 for 16-end) fully in role and ended by `to`.
uint32_t ml_ev_half_mask (const ml_unit_eval_t *ue, const ml_person_t *p, const ml_rule_t *rule);

//  Months fully in role and ended by `to`.
uint32_t ml_ev_full_mask (const ml_unit_eval_t *ue, const ml_person_t *p, const ml_rule_t *rule);

int ml_ev_person_cmp (const void *a, const void *b);

//  Index of person ID, -1 for "" (unit level), -2 when not in the roster.
int ml_ev_pidx (const ml_unit_eval_t *ue, const char *id);

//  Loads the counters of the evaluated year. Returns 0 or the source's error (reported).
int ml_ev_load_year (ml_unit_eval_t *ue);

//  Sums METRIC over months FROM..TO for person index PIDX (INT32_MIN: every row), SUB (NULL: any).
int64_t ml_ev_sum (const ml_ev_year_t *y, int pidx, int metric, const char *sub, int from, int to);

// ---------------------------------------------------------------------------
// ml_eval_measure.c

//  The sum of RULE's measures over months FROM..TO: PIDX a person, -1 an org's or unit-level
//  rows with SUB, INT32_MIN the whole unit.
int64_t ml_ev_value (ml_unit_eval_t *ue, const ml_rule_t *rule, int pidx, const char *sub, int from, int to);

int64_t ml_ev_sum_of (ml_unit_eval_t *ue, const int *metrics, size_t n, int pidx, int to);

//  Whole months of a term FROM..TO (inclusive): 2025-01-01..2025-06-30 is 6.
int64_t ml_ev_term_months (ml_day_t from, ml_day_t to);

//  The year commitment C's evaluation (7.4) is judged in (P7).
int ml_ev_commitment_year (const ml_case_t *c);

bool ml_ev_case_value (const ml_unit_eval_t *ue, const ml_rule_t *rule, int id, const ml_case_t *c,
              int64_t *v);

// ---------------------------------------------------------------------------
// ml_eval_judge.c

bool ml_ev_within (const ml_rule_t *rule, int64_t v);

//  A failed judgement: unmet, or warning for a rule of severity warning; info never fails.
void ml_ev_fail_status (ml_result_t *res);

//  Status of a value ACTUAL against REQUIRED (and the rule's max).
void ml_ev_judge (ml_result_t *res, int64_t actual, int64_t required);

//  A coverage result: OK of JUDGED items passed (the rule's min/max applied to each item).
void ml_ev_judge_coverage (ml_result_t *res, int64_t ok, int64_t judged);

ml_result_t * ml_ev_result (ml_unit_eval_t *ue, const ml_rule_t *rule, int pidx);

//  A yearly quota over the months TOUCH (all 12 for units and orgs), pro-rated to `to`.
void ml_ev_yearly (ml_unit_eval_t *ue, ml_result_t *res, uint32_t touch, int pidx, const char *sub);

//  A `due` rule (1.3a, 7.1a: recorded by the end of Q1): counted up to the due month, which
//  moves to the role's DUEth month when the role starts later in the year.
void ml_ev_due (ml_unit_eval_t *ue, ml_result_t *res, uint32_t touch, int pidx, const char *sub);

//  4.2a: actual = the rule's metrics, required = the `of` metrics (each reception day announced).
void ml_ev_coverage (ml_unit_eval_t *ue, ml_result_t *res, int pidx);

//  4.1a/b: every month (or half-month) fully in role and ended by `to` needs `min`.
void ml_ev_periodic (ml_unit_eval_t *ue, ml_result_t *res, const ml_person_t *p, int pidx);

//  5.1b: the org_head owes `min` talks (pro-rated) to each party member of the branch.
void ml_ev_per_member (ml_unit_eval_t *ue, ml_result_t *res, const ml_person_t *head, uint32_t touch);

//  8.2b/c: counted over the representative's term; unmet only once the term has ended.
void ml_ev_term (ml_unit_eval_t *ue, ml_result_t *res, const ml_person_t *p);

// ---------------------------------------------------------------------------
// ml_eval.c

bool ml_ev_leading_on (const ml_unit_eval_t *ue, const char *id, ml_day_t day);

//  True when person ID held main_leader on DAY (4.3e).
bool ml_ev_main_leader_on (const ml_unit_eval_t *ue, const char *id, ml_day_t day);

void ml_ev_fail (ml_unit_eval_t *ue, int rc, const char *what);

// ---------------------------------------------------------------------------
// Roster time to the day (rules.md V1-V6)

#define ML_EV_SPANS_MAX 16

//  The days of the window [1 January, to] on which P held a role RULE names (a representative's
//  term cuts it too), merged, in order, into FROM[i]..TO[i]. Returns their number.
int ml_ev_spans (const ml_unit_eval_t *ue, const ml_person_t *p, const ml_rule_t *rule,
                 ml_day_t *from, ml_day_t *to);

//  Months (bit m-1) lying wholly inside one of the N spans.
uint32_t ml_ev_span_months (const ml_unit_eval_t *ue, const ml_day_t *from, const ml_day_t *to, int n);

//  The sum of counter METRIC of PIDX with SUB (NULL any) over the days FROM..TO of the year
//  (cut to the window): whole months from the month counters, cut months from the day counters.
int64_t ml_ev_sum_days (ml_unit_eval_t *ue, int pidx, int metric, const char *sub, ml_day_t from,
                        ml_day_t to);

//  The sum of RULE's measures over the days FROM..TO (ml_ev_value to the day).
int64_t ml_ev_value_days (ml_unit_eval_t *ue, const ml_rule_t *rule, int pidx, const char *sub,
                          ml_day_t from, ml_day_t to);

#endif
