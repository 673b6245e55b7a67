/* ml_query_events.h -- the events behind a number (issue 14): read-only queries for the
   bureau's console and the CLI. Who may ask: ml_query_dispatch.c. */
#ifndef ML_QUERY_EVENTS_H
#define ML_QUERY_EVENTS_H

#include "ml_query.h"

//  events: unit= year= [person=] [kind=] [rule=]. The unit's events dated in YEAR (of PERSON;
//  of KIND; that count towards RULE's measures), each with the agent and seq that recorded it,
//  its current version and its history (the corrections and voids of its ref), by date.
ml_query_fn ml_query_events;
ml_query_check_fn ml_query_events_check;

//  review pending: [year=]. The years submitted and awaiting the bureau's decision (every
//  unit; of YEAR when given): unit, year, version, submitted_at, filler. (ml_query_pending.c)
ml_query_fn ml_query_review_pending;

#endif
