/* ml_metrics.h -- the metric catalogue: what one event adds to the per-year counters (`agg`).

   ml_metrics_of is a pure function of one event (no roster, no other state), so the store can
   apply -1 x the old version and +1 x the new one for corrections and voids, and `check` can
   recompute every counter from the event log. A counter row is keyed by
   (year, unit, person, metric, month, sub); see ml_agg_key for the byte layout. */
#ifndef ML_METRICS_H
#define ML_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_event.h"

//  Metric ids. They are stored in LMDB keys: never renumber, only append.
typedef enum {
    ML_METRIC_NONE = 0,
    ML_METRIC_RESEARCH_PLANS = 1,           //  research_plan events (1.3a)
    ML_METRIC_RESEARCH_TRIPS = 2,           //  research_trip events, by start month
    ML_METRIC_RESEARCH_DAYS = 3,            //  inclusive days of trips, split at month ends (1.3b/f)
    ML_METRIC_STATIONED_DAYS = 4,           //  the same for trips flagged stationed (1.3c)
    ML_METRIC_UNANNOUNCED_TRIPS = 5,        //  trips flagged unannounced (1.2)
    ML_METRIC_RESEARCH_REPORTS = 6,         //  (1.3d)
    ML_METRIC_WORK_ITEMS = 7,               //  (1.3e)
    ML_METRIC_RESULTS_EXCHANGES = 8,        //  unit level (1.3g)
    ML_METRIC_CONTACT_VISITS = 9,           //  sub = the point visited (2.3a, V9)
    ML_METRIC_PRACTICAL_DEEDS = 10,         //  sub = the beneficiary, as a point's sub (2.3b, V9; format 3)
    ML_METRIC_RECEPTION_DAYS = 11,          //  sub "a" (days 1-15) or "b" (16-end) (4.1a/b)
    ML_METRIC_RECEPTION_ANNOUNCED = 12,     //  reception days announced before the day (4.2a)
    ML_METRIC_RECEPTION_FIXED_POINT = 13,   //  reception days by mode (4.2b, 4.1c)
    ML_METRIC_RECEPTION_OPEN = 14,
    ML_METRIC_RECEPTION_KEY_APPOINTMENT = 15,
    ML_METRIC_RECEPTION_THEMATIC = 16,
    ML_METRIC_RECEPTION_VISIT_WITH_CASE = 17,
    ML_METRIC_RECEPTION_HOME_RETURN_VISIT = 18,
    ML_METRIC_TALKS = 19,                   //  every talk (5)
    ML_METRIC_TALKS_TEAM_MEMBER = 20,       //  talks by with_category (5.1a)
    ML_METRIC_TALKS_DEPARTMENT = 21,
    ML_METRIC_TALKS_CONTACT_POINT = 22,
    ML_METRIC_TALKS_PARTY_MEMBER = 23,
    ML_METRIC_TALKS_MASSES = 24,
    ML_METRIC_TALKS_MEMBER = 25,            //  sub = the `with` person id (5.1b)
    ML_METRIC_TALKS_REMOTE = 26,            //  talks by phone or home visit (5.3)
    ML_METRIC_OPINIONS = 27,                //  unit level: opinions received (6.2a)
    ML_METRIC_PETITIONS = 28,               //  unit level: petition cases received (4.3)
    ML_METRIC_COMMITMENTS_ANNUAL = 29,      //  by person; an org's: person "", sub = org (7.1a)
    ML_METRIC_COMMITMENTS_INSTANT = 30,     //  the same for instant commitments (7.1b)
    ML_METRIC_REP_STUDIO_RECEPTION = 31,    //  representatives' activities (8.1, 8.2)
    ML_METRIC_REP_ADVICE = 32,
    ML_METRIC_REP_SERVICE = 33,
    ML_METRIC_REP_EXCHANGE = 34,
    ML_METRIC_REP_INSPECTION = 35,
    ML_METRIC_REP_COMMITTEE_MEETING = 36,
    ML_METRIC_REP_PROPOSAL = 37,
    ML_METRIC_ACTIVITY_DAYS = 38,           //  unit level, sub = org: unified activity days (7.0)
    ML_METRIC_SECONDMENT_LIAISONS = 39,     //  unit level, sub = the secondment's ref (3.2e)
    ML_METRIC_COUNT                         //  one past the last id
} ml_metric_t;

#define ML_SUB_MAX ML_ID_MAX               //  longest sub (a person or org id)
#define ML_AGG_KEY_MAX (2 + ML_ID_MAX + 1 + ML_ID_MAX + 1 + 1 + 1 + ML_SUB_MAX)

//  One change of one counter.
typedef struct {
    int year;                               //  1900..2999
    int month;                              //  1..12
    int day;                                //  1..31: the day of the month it happened on
    int metric;                             //  ml_metric_t
    char person[ML_ID_MAX + 1];             //  "" for unit-level counters
    char sub[ML_SUB_MAX + 1];               //  "" or "a"/"b" or a counterpart id
    int64_t amount;                         //  +n (apply) or -n (revert)
} ml_delta_t;

//  The metric's name as used in the rule file ("research_days"), or NULL for an unknown id.
const char *ml_metric_name (int metric);

//  The counter sub of contact point POINT (free text): POINT itself when it is an id, else "~"
//  and 24 hex digits of SHA-256 over its first ML_ID_MAX bytes (as a case keeps it). OUT holds
//  ML_SUB_MAX + 1 bytes. Returns OUT.
const char *ml_metric_point_sub (const char *point, char *out);

//  The id of the metric named NAME, or ML_METRIC_NONE.
int ml_metric_by_name (const char *name);

//  Computes what event EV adds to the counters: fills *DELTAS (malloc'd, caller frees; NULL
//  when there are none) and *N. SIGN is +1 to apply and -1 to revert. A correction yields the
//  deltas of its inner event, a void none (the store reverts the superseded version itself).
//  Returns 0, ML_EINVAL for an event without a valid date, or ML_ENOMEM.
int ml_metrics_of (const Massline__Event *ev, int sign, ml_delta_t **deltas, size_t *n);

//  Encodes the agg key of D in UNIT into BUF (ML_AGG_KEY_MAX bytes):
//  year (2 bytes BE) unit NUL person NUL metric (1) month (1) sub. Returns the length.
//  Keys sort by year, unit, person, metric, month, sub: one cursor range gives a unit's year.
size_t ml_agg_key (const char *unit, const ml_delta_t *d, uint8_t *buf);

//  The prefix shared by all keys of (YEAR, UNIT): year (2 BE) unit NUL. Returns the length.
size_t ml_agg_prefix (int year, const char *unit, uint8_t *buf);

//  Decodes KEY (LEN bytes) into D (amount 0) and, when UNIT is not NULL, the unit into UNIT
//  (ML_ID_MAX + 1 bytes). Returns 0 or ML_EINVAL.
int ml_agg_key_decode (const uint8_t *key, size_t len, ml_delta_t *d, char *unit);

//  The day counters (aggd, store format 2) hold the same deltas per day, keyed so that one cursor
//  range gives a unit's month: year (2 BE) unit NUL month (1) person NUL metric (1) day (1) sub.
//  Reports read whole months from agg and the days of a month cut by a role change or the as-of
//  day from aggd. Returns the length; ML_AGG_KEY_MAX + 1 bytes.
size_t ml_aggd_key (const char *unit, const ml_delta_t *d, uint8_t *buf);

//  The prefix of (YEAR, UNIT, MONTH) in aggd. Returns the length.
size_t ml_aggd_prefix (int year, const char *unit, int month, uint8_t *buf);

//  Decodes an aggd KEY into D (amount 0) and, when UNIT is not NULL, the unit. 0 or ML_EINVAL.
int ml_aggd_key_decode (const uint8_t *key, size_t len, ml_delta_t *d, char *unit);

//  Counter values are 8 bytes, big-endian two's complement.
void ml_agg_value_pack (int64_t amount, uint8_t out[8]);
int64_t ml_agg_value_unpack (const uint8_t in[8]);

#endif
