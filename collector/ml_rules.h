/* ml_rules.h -- the rule file (rules are data): loading and validating e.g. zhenjiang-2014.ini.

   The file has a [ruleset] section (id, zh, en), one [system N] section per system (name, en) and
   one [rule ID] section per rule of rules.md:

     [rule 1.3b]
     system = 1
     applies = main_leader          ; roles, `unit`, `org` (each party organisation), `case:KIND`
     metric = research_days         ; a measure, or several separated by commas (summed)
     period = year                  ; year | month | half_month | term | case
     min = 60                       ; whole numbers; `max` too
     severity = violation           ; violation | warning | info
     zh = ...   en = ...   clause = （一）3

   Optional keys: `max`, `max_is = guide` (a maximum that is shown, not judged: 1.3c), `due = 3`
   (the count is judged at the end of that month of the year, or of the role's DUEth month for a
   role that starts later: 1.3a, 7.1a), `of = metric,...` (coverage: actual = metric, required =
   `of`: 4.2a), `per = member` (the minimum applies to each branch member: 5.1b), `category =
   reserve|new_recruit` and `frontline = true` (which role holders), `group_size = N` (case:petition:
   only cases of at least N people: 4.3d), `days = N` (a time limit in days: 4.2c answered within
   60 days of receipt, 7.2 published within 30 days of the commitment), `mixed_with = ROLE` (4.1a:
   a month wholly held by the rule's roles and ROLE together, by neither alone, is judged by this
   rule too: rules.md V3).

   An optional [supervision] section sets `complaints = N`: the watch list names a person with
   at least N opinions or appeals about them in a year (rules.md V13, P5; default 3). */
#ifndef ML_RULES_H
#define ML_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ML_RULE_ID_MAX 15
#define ML_RULE_MEASURES_MAX 8
#define ML_SYSTEMS 8                        //  systems are numbered 1..ML_SYSTEMS

typedef enum { ML_PERIOD_YEAR = 1, ML_PERIOD_MONTH, ML_PERIOD_HALF_MONTH, ML_PERIOD_TERM,
               ML_PERIOD_CASE } ml_period_t;

typedef enum { ML_SEVERITY_VIOLATION = 1, ML_SEVERITY_WARNING, ML_SEVERITY_INFO } ml_severity_t;

//  Measures the rule file can name beyond the counters of ml_metrics.h (whose ids are below 100).
typedef enum {
    ML_MEASURE_CONTACT_POINTS = 100,        //  person: contact point assignments valid in the year (2.1a)
    ML_MEASURE_PAIRED_FAMILIES,             //  person: paired families (2.1b)
    ML_MEASURE_DUPLICATE_ASSIGNMENTS,       //  unit: points/families held by more than one person (2.1c)
    ML_MEASURE_MAILBOXES,                   //  unit: mailbox channels recorded by the year's end (6.2b)
    ML_MEASURE_SECONDMENTS,                 //  case (own secondment): 1 when recorded (3.2c)
    ML_MEASURE_SECONDMENT_MONTHS,           //  case (own secondment): whole months of the term (3.1)
    ML_MEASURE_SECONDMENT_MENTOR,           //  case (own secondment): 1 when a mentor is named (3.2a)
    ML_MEASURE_SECONDMENT_REVIEW_DELAY,     //  case (own secondment): days from term end to review (3.2b)
    ML_MEASURE_PETITION_RECORD,             //  case: measures, responsible and deadline all present (4.3a)
    ML_MEASURE_PETITION_OVERDUE,            //  case: 1 when overdue (4.3b)
    ML_MEASURE_PETITION_UNSIGNED,           //  case (closed): 1 when not signed by the receiver (4.3c)
    ML_MEASURE_PETITION_LEADER_RECEIVED,    //  case: 1 when received by a leading cadre (4.3d)
    ML_MEASURE_OPINION_ASSIGNED,            //  case: assigned with department and deadline (6.3a)
    ML_MEASURE_OPINION_OVERDUE,             //  case (assigned): 1 when overdue (6.3b)
    ML_MEASURE_OPINION_FEEDBACK,            //  case (closed): 1 when feedback recorded (6.1)
    ML_MEASURE_COMMITMENT_PUBLISHED,        //  case: 1 when a publication is recorded (7.2)
    ML_MEASURE_COMMITMENT_OVERDUE,          //  case: 1 when overdue (7.3)
    ML_MEASURE_COMMITMENT_EVALUATED,        //  case (judged in its deadline's year, P7): 1 when evaluated (7.4)
    ML_MEASURE_SECONDMENT_TRAINING,         //  case (own secondment): 1 when trained by the term's end (3.2d)
    ML_MEASURE_SECONDMENT_LIAISON,          //  case (own secondment): liaisons in the year (3.2e)
    ML_MEASURE_APPEAL_OVERDUE,              //  case: 1 when unanswered `days` after receipt (4.2c)
    ML_MEASURE_PETITION_COORDINATED,        //  case (high profile): 1 when a main_leader coordinated (4.3e)
    ML_MEASURE_OWN_MAILBOXES,               //  person: mailboxes naming the person, or no one (6.2b, P4)
    ML_MEASURE_OPINION_CLAIMED,             //  case (assigned): 1 when a cadre claimed it (6.3c)
    ML_MEASURE_STUDIOS,                     //  unit: representatives' studios valid in the year (8.1c)
    ML_MEASURE_END
} ml_measure_t;

//  How a measure is obtained.
typedef enum {
    ML_SOURCE_AGG = 1,                      //  summed counter rows
    ML_SOURCE_PERSON,                       //  derived from the person's assignments
    ML_SOURCE_UNIT,                         //  derived from the unit's cases
    ML_SOURCE_CASE,                         //  one value per case (of measure_case_kind)
} ml_source_kind_t;

//  One rule as loaded. Read-only for callers.
typedef struct {
    char id[ML_RULE_ID_MAX + 1];            //  "1.3b"
    int line;                               //  line of the section's first key
    int system;                             //  1..ML_SYSTEMS
    uint32_t roles;                         //  bit (1 << role id) per role it applies to
    bool unit;                              //  applies = unit
    bool org;                               //  applies = org (each party organisation)
    int case_kind;                          //  applies = case:KIND (ml_case_kind_t), or 0
    int measures[ML_RULE_MEASURES_MAX];     //  summed
    size_t nmeasures;
    int of[ML_RULE_MEASURES_MAX];           //  coverage denominator (`of`)
    size_t nof;
    bool per_member;                        //  per = member
    int period;                             //  ml_period_t
    bool has_min, has_max;
    int64_t min, max;
    bool max_is_guide;                      //  max shown, not judged
    int due;                                //  month (1..12), 0 = none
    int severity;                           //  ml_severity_t
    int category;                           //  secondment category filter, 0 = any
    bool frontline;                         //  only front-line representatives
    uint32_t group_size;                    //  case filter, 0 = all
    int days;                               //  a time limit in days, 0 = none (`days`)
    uint32_t mixed_roles;                   //  `mixed_with`: bit per role (V3)
    char *zh, *en, *clause;
} ml_rule_t;

typedef struct ml_ruleset ml_ruleset_t;

//  Loads and checks the rule file PATH. Returns NULL and a one-line "FILE:LINE: reason" in ERR
//  on the first problem (unknown key/section/metric/role, a number that is not one, a duplicate
//  rule id or key, a missing key, keys that do not fit together).
ml_ruleset_t *ml_ruleset_load (const char *path, char *err, size_t errlen);

//  Frees the rule set and sets *SELF_P to NULL. Safe on NULL.
void ml_ruleset_destroy (ml_ruleset_t **self_p);

//  The rule set's id ("zhenjiang-2014"): reports carry it as rules_version.
const char *ml_ruleset_id (const ml_ruleset_t *self);

//  Number of rules and the Ith in file order.
size_t ml_ruleset_size (const ml_ruleset_t *self);
const ml_rule_t *ml_ruleset_rule (const ml_ruleset_t *self, size_t i);

//  The rule with ID, or NULL.
const ml_rule_t *ml_ruleset_find (const ml_ruleset_t *self, const char *id);

//  The Chinese name of system N (1..ML_SYSTEMS), or "" when the file gave none.
const char *ml_ruleset_system_name (const ml_ruleset_t *self, int system);

//  The watch list's complaints threshold ([supervision] complaints; 3 by default).
int ml_ruleset_complaints (const ml_ruleset_t *self);

//  The name of measure ID as the rule file writes it, or NULL.
const char *ml_measure_name (int id);

//  How measure ID is obtained (ml_source_kind_t), and for ML_SOURCE_CASE its case kind.
int ml_measure_source (int id, int *case_kind);

//  Status and severity words of the report JSON.
const char *ml_severity_name (int severity);

#endif
