/* ml_query_tier.h -- the upper tiers' queries (issue 13, docs/tiers.md): at a bureau, `review
   bureau` (its own year decided: the roll-up kept for the relay in the acceptance's
   transaction); at a committee, `report members` and `report show`. */
#ifndef ML_QUERY_TIER_H
#define ML_QUERY_TIER_H

#include "ml_query.h"

ml_query_fn ml_query_tier_review_bureau;

//  After `review accept` of a unit's YEAR in the write TXN (Q the accept): when this collector
//  reports upward ([upstream]) and every unit's YEAR is now accepted, decides the bureau's year
//  in the same transaction (its roll-up kept for the relay, as `review bureau` does), unless
//  that state went up already. *UPSTREAM: {year, version, report, digest, state} when a report
//  was kept (or was there already), else NULL. Returns 0 or the storage failure (sticky).
int ml_query_tier_accepted (const ml_query_t *q, ml_store_txn_t *txn, int year, json_t **upstream);
ml_query_fn ml_query_tier_members;
//  `status upstream`: {"upstream": null} without [upstream]; else {"upstream": [{kind, year,
//  version, digest, queued_at, state: pending | delivered | accepted | returned | refused,
//  reason}]} in year, version order (docs/tiers.md).
ml_query_fn ml_query_tier_upstream;
ml_query_fn ml_query_tier_show;

#endif
