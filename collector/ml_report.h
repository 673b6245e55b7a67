/* ml_report.h -- the five reports of docs/reports.md as jansson objects: unit-annual (R.1),
   rollup (R.2), cadre (R.3), bulletin (S.2) and watchlist (S.3). Reports read counters, roster
   and cases through an ml_source_t; they never scan the event log. */
#ifndef ML_REPORT_H
#define ML_REPORT_H

#include <jansson.h>

#include "ml_eval.h"
#include "ml_rules.h"

//  What every report needs. TODAY gives the default as_of (the clock is the caller's business).
typedef struct {
    const ml_ruleset_t *rules;
    const ml_source_t *src;
    ml_day_t today;
} ml_report_ctx_t;

//  Each builder returns a new JSON object (caller decrefs), or NULL with a one-line reason in
//  ERR: "unknown unit 'H009'", "no person 'P9' in unit 'H001'", a source failure. AS_OF may be
//  ML_NODAY: then today, or 31 December for a past year.

json_t *ml_report_unit_annual (const ml_report_ctx_t *ctx, const char *unit, int year,
                               ml_day_t as_of, char *err, size_t errlen);

json_t *ml_report_rollup (const ml_report_ctx_t *ctx, int year, ml_day_t as_of,
                          char *err, size_t errlen);

json_t *ml_report_cadre (const ml_report_ctx_t *ctx, const char *unit, const char *person,
                         int year, ml_day_t as_of, char *err, size_t errlen);

//  PERIOD is a month "2025-03" or a quarter "2025-Q1"; progress is judged to its last day.
json_t *ml_report_bulletin (const ml_report_ctx_t *ctx, const char *period,
                            char *err, size_t errlen);

json_t *ml_report_watchlist (const ml_report_ctx_t *ctx, int year, ml_day_t as_of,
                             char *err, size_t errlen);

//  Appends CARRIED (rows of earlier years still overdue in the watch list's year: rectification,
//  V14; built by ml_query_watch.c) to WATCHLIST's rows, sets "carried_over" to their count and
//  sorts the rows again. Takes CARRIED (NULL: none).
void ml_report_watchlist_carry (json_t *watchlist, json_t *carried);

#endif
