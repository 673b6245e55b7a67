/* ml_query_chain.h -- the reporting chain's queries (issue 12): the bureau's review decisions,
   the completeness report, unit-annual as a frozen document, verification of a sealed document;
   and the freezing of documents after ingest and decisions. Who may ask: ml_query_dispatch.c. */
#ifndef ML_QUERY_CHAIN_H
#define ML_QUERY_CHAIN_H

#include "ml_query.h"

//  review accept|return: unit= year= [reason=] (reason= required for return). Decides, freezes
//  the acceptance's document, answers {"unit", "year", "submission": {...}}.
ml_query_fn ml_query_chain_review;

//  report completeness: year= [as_of=]. Per unit and month on_time | late | missing | not_due.
ml_query_fn ml_query_chain_completeness;
ml_query_check_fn ml_query_chain_completeness_check;

//  report unit-annual: the frozen document of a submitted or accepted year, unless live=1 (or the
//  year has none): then the live report; both carry "submission".
ml_query_fn ml_query_chain_unit_annual;
ml_query_check_fn ml_query_chain_unit_annual_check;

//  report verify: unit= year= n=: the sealed document N of UNIT's YEAR, whether its stored JSON
//  still has its digest and whether the chain recomputed up to its head still agrees.
ml_query_fn ml_query_chain_verify;

//  Freezes every document waiting to be made (a submission or restatement that ingest applied,
//  an acceptance): the unit-annual JSON with its submission object and document record. Returns
//  the count frozen or a failure (< 0).
int ml_query_chain_freeze (ml_store_t *store, const ml_registry_t *registry,
                           const ml_ruleset_t *rules);

//  The submission object of interfaces.md ("Shapes fixed for v2") of UNIT's YEAR, read in a
//  fresh read transaction of STORE. NULL when out of memory or the store fails.
json_t *ml_query_chain_submission (ml_store_t *store, const char *unit, int year);

#endif
