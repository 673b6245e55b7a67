/* ml_query_tier.h -- the upper tiers' queries (issue 13, docs/tiers.md): at a bureau, `review
   bureau` (its own year decided: the roll-up kept for the relay in the acceptance's
   transaction); at a committee, `report members` and `report show`. */
#ifndef ML_QUERY_TIER_H
#define ML_QUERY_TIER_H

#include "ml_query.h"

ml_query_fn ml_query_tier_review_bureau;
ml_query_fn ml_query_tier_members;
ml_query_fn ml_query_tier_show;

#endif
