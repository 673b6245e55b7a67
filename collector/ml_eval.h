/* ml_eval.h -- rule evaluation for one unit and year: the data-source interface (implemented by
   the store over LMDB, by tests in memory), the roster and roles, and the results per rule.

   Reading of time (rules.md "Interpretation"): a unit is judged on the window from 1 January to
   `to` = min(as_of, 31 December). Counters are summed over the months up to the month of `to`.
   A yearly minimum is pro-rated: ceil(min x months / 12), where months are the months of the
   year that are both fully elapsed by `to` and touched by the person's role (so a role taken on
   1 July owes half; a bulletin to 31 March owes a quarter). Monthly and half-monthly rules check
   only periods that are fully elapsed and fully in role. A `due` rule is judged once its due
   month has ended. A term rule is judged at term end (met earlier when already reached). */
#ifndef ML_EVAL_H
#define ML_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_cases.h"
#include "ml_event.h"
#include "ml_metrics.h"
#include "ml_rules.h"

//  ---------------------------------------------------------------------------
//  Data source. Each listing calls FN once per item; FN returns 0 to go on, anything else
//  stops the listing, which then returns that value. A listing returns 0 or a negative ml_err_t.

typedef int (ml_unit_fn) (void *arg, const char *unit, const char *name);
typedef int (ml_row_fn) (void *arg, const ml_delta_t *row);       //  amount = the counter value
typedef int (ml_event_fn) (void *arg, const Massline__Event *ev);
typedef int (ml_case_fn) (void *arg, const ml_case_t *c);

typedef struct {
    int (*units) (void *ctx, ml_unit_fn *fn, void *arg);          //  every unit: id, name
    int (*agg_days) (void *ctx, const char *unit, int year, int month, ml_row_fn *fn,
                     void *arg);                                  //  one month's rows per day
    int (*agg) (void *ctx, const char *unit, int year, ml_row_fn *fn, void *arg);   //  agg rows
    int (*agg_person) (void *ctx, const char *unit, int year, const char *person,
                       ml_row_fn *fn, void *arg);                 //  of one person ("": unit level)
    int (*persons) (void *ctx, const char *unit, ml_event_fn *fn, void *arg);  //  current Person events
    int (*orgs) (void *ctx, const char *unit, ml_event_fn *fn, void *arg);     //  current Org events
    int (*cases) (void *ctx, const char *unit, ml_case_fn *fn, void *arg);     //  every case
    void *ctx;
} ml_source_t;

//  ---------------------------------------------------------------------------
//  Roster

typedef struct {
    int role;                               //  Massline__Role__Id
    ml_day_t from, to;                      //  to = ML_NODAY: open-ended
    int category;                           //  secondment category, 0 = none given
    bool frontline;
    ml_day_t term_from, term_to;            //  representative term, ML_NODAY when not given
} ml_roster_role_t;

typedef struct {
    char id[ML_ID_MAX + 1];
    char *name;
    char org[ML_ID_MAX + 1];                //  branch, "" when none
    ml_roster_role_t *roles;
    size_t nroles;
    bool listed;                            //  holds a role during the window
} ml_person_t;

typedef struct {
    char id[ML_ID_MAX + 1];
    char head[ML_ID_MAX + 1];               //  "" when not given
} ml_org_t;

//  ---------------------------------------------------------------------------
//  Results

typedef enum { ML_STATUS_MET = 1, ML_STATUS_UNMET, ML_STATUS_WARNING, ML_STATUS_NA,
               ML_STATUS_EXEMPTED } ml_status_t;

#define ML_MISSED_MAX 24

typedef struct {
    const ml_rule_t *rule;
    int person;                             //  index into persons, -1 for a unit-level result
    int status;                             //  ml_status_t
    int64_t actual, required;
    bool has_max;                           //  show max
    int64_t max;
    int nmissed;
    char missed[ML_MISSED_MAX][11];         //  "2025-03" or "2025-03-a"
    int nfailed;                            //  a case rule: the cases that failed it (V7, V10)
    int32_t failed[ML_MISSED_MAX];          //  indexes into the evaluation's cases
    const char *reason;                     //  ML_STATUS_EXEMPTED: the exemption's reason (V12)
} ml_result_t;

typedef struct {
    int checked, met, unmet, warnings;
} ml_tally_t;

typedef struct {
    char unit[ML_ID_MAX + 1];
    char *unit_name;
    int year;
    ml_day_t to;                            //  window end: min(as_of, 31 December)
    ml_day_t as_of;                         //  case deadlines are judged on this day
    int last_month;                         //  counters are summed over months 1..last_month
    ml_person_t *persons;                   //  sorted by id
    size_t npersons;
    ml_org_t *orgs;
    size_t norgs;
    ml_case_t *cases;
    size_t ncases;
    ml_result_t *results;                   //  by person (in persons order), then unit-level
    size_t nresults;
    bool no_data;                           //  V5, P11: no roster and no organisation that year
    ml_tally_t summary;
    ml_tally_t systems[ML_SYSTEMS + 1];     //  index 1..ML_SYSTEMS
    void *priv;                             //  the year's counters
} ml_unit_eval_t;

//  Judges every rule of RULES for UNIT (named UNIT_NAME) in YEAR as of AS_OF. Returns NULL with
//  a one-line reason in ERR when the source fails.
ml_unit_eval_t *ml_eval_unit (const ml_ruleset_t *rules, const ml_source_t *src,
                              const char *unit, const char *unit_name, int year, ml_day_t as_of,
                              char *err, size_t errlen);

//  Frees an evaluation and sets *SELF_P to NULL. Safe on NULL.
void ml_eval_free (ml_unit_eval_t **self_p);

//  The sum of counter METRIC of PERSON ("" unit-level, NULL every row) with SUB (NULL any) over
//  months FROM..TO of the evaluated year.
int64_t ml_eval_sum (const ml_unit_eval_t *self, const char *person, int metric, const char *sub,
                     int from, int to);

//  Assignments of KIND (ML_CASE_CONTACT_POINT, ML_CASE_PAIRED_FAMILY) PERSON holds in the window.
int64_t ml_eval_assignments (const ml_unit_eval_t *self, const char *person, int kind);

//  The roles (bit per role id) PERSON holds during the window.
uint32_t ml_eval_roles (const ml_unit_eval_t *self, const ml_person_t *person);

//  The person answerable for case C (V10, P6): a petition's first receiver or the cadre it was
//  handed over to, an opinion's claiming cadre, an appeal's handler, a commitment's maker or its
//  organisation's head. "" when none is known.
const char *ml_eval_case_owner (const ml_unit_eval_t *self, const ml_case_t *c);

//  Status word of the report JSON ("met", "unmet", "warning", "not_applicable", "exempted").
const char *ml_status_name (int status);

//  Default as_of of interfaces.md: TODAY for the current or a future year, 31 Dec for a past one.
ml_day_t ml_eval_default_as_of (int year, ml_day_t today);

#endif
