/* ml_query_cache.h -- the collector's answers to report queries, kept while the store has not
   changed, so that fifty clerks opening the dashboard at once cost one roll-up, not fifty.

   An answer is kept under a key (ml_query_cache_key: the day it is asked on, who asks as far as an
   answer may depend on it, the command and its arguments) and the store's generation
   (ml_store_generation) read before the answer's transaction began. It is served only to a later
   query with the same key while the generation is the same: any committed write (an ingest, a
   decision, a watch record) makes every kept answer stale. One computation per key and
   generation at a time (single flight): a second asker waits for the first one's answer rather
   than computing it again.

   Bounded: at most ML_QUERY_CACHE_ENTRIES answers and ML_QUERY_CACHE_BYTES bytes of JSON; an
   answer larger than a quarter of that is not kept; the least recently used one goes first, stale
   ones before. Who may ask is decided before the cache is asked (ml_query_dispatch_check); the
   cache decides nothing. Thread safe: the query workers share one. */
#ifndef ML_QUERY_CACHE_H
#define ML_QUERY_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_query.h"

#define ML_QUERY_CACHE_ENTRIES 64
#define ML_QUERY_CACHE_BYTES (64u << 20)

typedef struct ml_query_cache ml_query_cache_t;
typedef struct ml_query_cache_slot ml_query_cache_slot_t;

//  A new, empty cache; NULL when out of memory.
ml_query_cache_t *ml_query_cache_new (void);

//  Frees the cache and sets *SELF_P to NULL. Safe on NULL. No query may be in it.
void ml_query_cache_destroy (ml_query_cache_t **self_p);

//  True when the answer to COMMAND may be kept: reports that only read, and whose answer depends
//  on nothing but the store, the day and the arguments (not on who asks within a scope).
bool ml_query_cache_wants (const char *command);

//  The key of Q asked on day TODAY, into KEY: the day, the asker's kind, role and unit (an
//  agent's or a unit account's scope), the command and every argument. Returns false when it does
//  not fit (then the query is not cached).
bool ml_query_cache_key (const ml_query_t *q, int today, char *key, size_t len);

//  The answer kept under KEY at generation GEN: a copy (the caller's to free), waiting first while
//  another query computes it. NULL when there is none: then *CLAIM is the caller's to fill with
//  ml_query_cache_put (it MUST be, answered or not), or NULL when nothing can be kept now.
char *ml_query_cache_get (ml_query_cache_t *self, const char *key, uint64_t gen,
                          ml_query_cache_slot_t **claim);

//  Keeps TEXT (copied; NULL: no answer, e.g. an error) in CLAIM and wakes who waits for it.
void ml_query_cache_put (ml_query_cache_t *self, ml_query_cache_slot_t *claim, const char *text);

//  Counts since the cache was made: answers served from it, and computed into it.
void ml_query_cache_counts (ml_query_cache_t *self, uint64_t *hits, uint64_t *misses);

#endif
