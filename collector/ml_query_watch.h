/* ml_query_watch.h -- rectification to closure (rules.md S.3, V14) as queries: the bureau's
   records on a watch-list row, the supervision report, and the watch list that keeps the overdue
   rows of earlier years. Who may ask: ml_query_dispatch.c. */
#ifndef ML_QUERY_WATCH_H
#define ML_QUERY_WATCH_H

#include "ml_query.h"

//  watch talk|notice|progress|close: unit= person= year= [rule=] and date= by= (talk, close),
//  deadline= (notice), note= (progress; optional elsewhere). Adds the record (entered by the
//  asking key, now) and answers {"recorded": KIND, "n": N, "row": {...}}; "conflict" when the
//  row is closed or already has a notice. The check looks at the arguments only.
ml_query_fn ml_query_watch_record;
ml_query_check_fn ml_query_watch_check;

//  report supervision: year= [as_of=]. The rows of YEAR (and earlier rows still overdue in it)
//  with their records, and the counts: opened, talked, rectified_on_time, rectified_late,
//  overdue, open, carried_over (docs/reports.md).
ml_query_fn ml_query_watch_supervision;
ml_query_check_fn ml_query_watch_supervision_check;

//  report watchlist: the report of ml_query_report, plus the rows of earlier years overdue on
//  some day of its year up to its as_of ("carried_over": true). With limit=N (0 or more) only the
//  first N rows are sent, and "rows_total" counts them all (the dashboard shows 50 of thousands).
ml_query_fn ml_query_watch_watchlist;
ml_query_check_fn ml_query_watch_watchlist_check;

#endif
