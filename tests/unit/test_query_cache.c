/* test_query_cache.c -- the collector's kept report answers (ml_query_cache.c), with real threads:
   one computation per key and generation while others wait, an answer not kept computed by each
   asker at once, a new generation never served an older answer, and a bounded table. */
#include "ml_query_cache.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define WAITERS 6

typedef struct {
    ml_query_cache_t *cache;
    const char *key;
    uint64_t gen;
    char *text;                         //  what get gave
    ml_query_cache_slot_t *claim;       //  and the claim it gave
} s_asker_t;

static void *
s_ask (void *arg)
{
    s_asker_t *a = arg;
    a->text = ml_query_cache_get (a->cache, a->key, a->gen, &a->claim);
    if (a->claim)                       //  it must be let go, or the others would wait for ever
        ml_query_cache_put (a->cache, a->claim, NULL);
    return NULL;
}

//  WAITERS threads ask KEY at GEN while the first asker holds its claim; then the first asker
//  puts TEXT and the threads are joined.
static void
s_ask_while_computing (ml_query_cache_t *cache, const char *key, uint64_t gen, const char *text,
                       s_asker_t askers[WAITERS])
{
    ml_query_cache_slot_t *claim = NULL;
    char *none = ml_query_cache_get (cache, key, gen, &claim);
    cr_assert_null (none, "an empty cache answered");
    cr_assert_not_null (claim, "the first asker computes");
    pthread_t threads[WAITERS];
    for (int i = 0; i < WAITERS; i++) {
        askers[i] = (s_asker_t) { cache, key, gen, NULL, NULL };
        cr_assert_eq (pthread_create (&threads[i], NULL, s_ask, &askers[i]), 0);
    }
    ml_query_cache_put (cache, claim, text);
    for (int i = 0; i < WAITERS; i++)
        pthread_join (threads[i], NULL);
}

Test (query_cache, one_computation_while_others_wait)
{
    ml_query_cache_t *cache = ml_query_cache_new ();
    cr_assert_not_null (cache);
    s_asker_t askers[WAITERS];
    s_ask_while_computing (cache, "k", 7, "{\"units\":1}", askers);
    for (int i = 0; i < WAITERS; i++) {
        cr_assert_null (askers[i].claim, "asker %d computed it again", i);
        cr_assert_not_null (askers[i].text, "asker %d got nothing", i);
        cr_assert_str_eq (askers[i].text, "{\"units\":1}");
        free (askers[i].text);
    }
    uint64_t hits, misses;
    ml_query_cache_counts (cache, &hits, &misses);
    cr_assert_eq (hits, WAITERS);
    cr_assert_eq (misses, 1);
    ml_query_cache_destroy (&cache);
    cr_assert_null (cache);
}

//  An answer that is not kept (an error, or too big) is computed by every asker at once: none of
//  them is handed a claim to compute it alone while the others wait again.
Test (query_cache, an_answer_not_kept_is_computed_by_each_asker_at_once)
{
    ml_query_cache_t *cache = ml_query_cache_new ();
    s_asker_t askers[WAITERS];
    s_ask_while_computing (cache, "k", 7, NULL, askers);
    for (int i = 0; i < WAITERS; i++) {
        cr_assert_null (askers[i].text, "asker %d got an answer that was never given", i);
        cr_assert_null (askers[i].claim, "asker %d was made to compute it alone", i);
    }
    //  a new generation is asked anew, and kept
    ml_query_cache_slot_t *claim = NULL;
    cr_assert_null (ml_query_cache_get (cache, "k", 8, &claim));
    cr_assert_not_null (claim, "generation 8 is computed to be kept");
    ml_query_cache_put (cache, claim, "[]");
    char *text = ml_query_cache_get (cache, "k", 8, &claim);
    cr_assert_str_eq (text, "[]");
    cr_assert_null (claim);
    free (text);
    ml_query_cache_destroy (&cache);
}

Test (query_cache, a_new_generation_never_gets_an_older_answer)
{
    ml_query_cache_t *cache = ml_query_cache_new ();
    ml_query_cache_slot_t *claim = NULL;
    cr_assert_null (ml_query_cache_get (cache, "rollup", 1, &claim));
    ml_query_cache_put (cache, claim, "old");
    cr_assert_null (ml_query_cache_get (cache, "rollup", 2, &claim), "generation 2 got generation 1's answer");
    cr_assert_not_null (claim);
    ml_query_cache_put (cache, claim, "new");
    char *text = ml_query_cache_get (cache, "rollup", 2, &claim);
    cr_assert_str_eq (text, "new");
    free (text);
    cr_assert_null (ml_query_cache_get (cache, "other", 2, &claim), "another key got this one's answer");
    ml_query_cache_put (cache, claim, NULL);
    ml_query_cache_destroy (&cache);
}

//  More keys than slots: every one is still computed and kept (older ones give way), and the
//  most recent are answered from the table.
Test (query_cache, more_keys_than_slots_give_way_to_the_newest)
{
    ml_query_cache_t *cache = ml_query_cache_new ();
    char key[32];
    for (int i = 0; i < 3 * ML_QUERY_CACHE_ENTRIES; i++) {
        snprintf (key, sizeof key, "key-%d", i);
        ml_query_cache_slot_t *claim = NULL;
        cr_assert_null (ml_query_cache_get (cache, key, 1, &claim));
        cr_assert_not_null (claim, "key %d found no slot", i);
        ml_query_cache_put (cache, claim, key);
    }
    ml_query_cache_slot_t *claim = NULL;
    snprintf (key, sizeof key, "key-%d", 3 * ML_QUERY_CACHE_ENTRIES - 1);
    char *text = ml_query_cache_get (cache, key, 1, &claim);
    cr_assert_not_null (text, "the newest answer is gone");
    cr_assert_str_eq (text, key);
    free (text);
    cr_assert_null (ml_query_cache_get (cache, "key-0", 1, &claim), "the oldest was kept beyond the bound");
    ml_query_cache_put (cache, claim, NULL);
    ml_query_cache_destroy (&cache);
}
