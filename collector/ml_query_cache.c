/* ml_query_cache.c -- report answers kept per store generation, one computation per key at a
   time, bounded (ml_query_cache.h).

   A fixed table of ML_QUERY_CACHE_ENTRIES slots under one mutex. A slot is free, being computed
   (its key and generation set, no text: who asks the same waits on the condition variable), or
   holds an answer, or says that the answer at its generation was not kept (an error, or too big:
   who asks it then computes it at once, side by side, rather than one after another). A slot is taken for a new key from the free ones, else from those that hold an
   answer of an older generation, else the least recently used answer; when every slot is being
   computed the query is answered without the cache. */
#include "ml_query_cache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { S_FREE = 0, S_BUSY, S_READY, S_UNKEPT } s_state_t;

struct ml_query_cache_slot {
    s_state_t state;
    char *key;
    uint64_t gen;
    char *text;                         //  S_READY: the answer (JSON)
    size_t len;
    uint64_t used;                      //  the clock when last served or filled
};

struct ml_query_cache {
    pthread_mutex_t lock;
    pthread_cond_t filled;              //  a slot being computed was filled or let go
    ml_query_cache_slot_t slots[ML_QUERY_CACHE_ENTRIES];
    size_t bytes;                       //  of every S_READY text
    uint64_t clock;
    uint64_t newest;                    //  the highest generation seen
    uint64_t hits, misses;
};

//  The reports whose answer is the same for everyone who may ask them with the same arguments on
//  the same day at the same generation. Not: commands that write, samples (verify logs who
//  verified), report verify.
static const char *const s_cached[] = {
    "report unit-annual", "report rollup", "report cadre", "report bulletin", "report watchlist",
    "report completeness", "report supervision", "review pending", "events", NULL
};

bool
ml_query_cache_wants (const char *command)
{
    for (const char *const *c = s_cached; command && *c; c++)
        if (strcmp (*c, command) == 0)
            return true;
    return false;
}

bool
ml_query_cache_key (const ml_query_t *q, int today, char *key, size_t len)
{
    const ml_principal_t *who = q->who;
    //  fields are separated by \x1f, which no argument holds (the query thread turns control
    //  characters into spaces only in its log line, so check here)
    int n = snprintf (key, len, "%d\x1f%d\x1f%d\x1f%s\x1f%s", today, (int) who->kind, (int) who->role,
                      who->unit, q->command);
    if (n < 0 || (size_t) n >= len)
        return false;
    size_t used = (size_t) n;
    for (size_t i = 0; i < q->n_args; i++) {
        if (strchr (q->args[i], '\x1f'))
            return false;
        n = snprintf (key + used, len - used, "\x1f%s", q->args[i]);
        if (n < 0 || (size_t) n >= len - used)
            return false;
        used += (size_t) n;
    }
    return true;
}

ml_query_cache_t *
ml_query_cache_new (void)
{
    ml_query_cache_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->filled, NULL);
    return self;
}

static void
s_slot_clear (ml_query_cache_t *self, ml_query_cache_slot_t *slot)
{
    if (slot->state == S_READY)
        self->bytes -= slot->len;
    free (slot->key);
    free (slot->text);
    memset (slot, 0, sizeof *slot);
}

void
ml_query_cache_destroy (ml_query_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_query_cache_t *self = *self_p;
    for (size_t i = 0; i < ML_QUERY_CACHE_ENTRIES; i++)
        s_slot_clear (self, &self->slots[i]);
    pthread_cond_destroy (&self->filled);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

static ml_query_cache_slot_t *
s_find (ml_query_cache_t *self, const char *key, uint64_t gen)
{
    for (size_t i = 0; i < ML_QUERY_CACHE_ENTRIES; i++) {
        ml_query_cache_slot_t *slot = &self->slots[i];
        if (slot->state != S_FREE && slot->gen == gen && strcmp (slot->key, key) == 0)
            return slot;
    }
    return NULL;
}

//  A slot for a new answer: a free one (unless ANSWERS_ONLY), else the oldest answer of an older generation, else the
//  least recently used answer. NULL when every slot is being computed.
static ml_query_cache_slot_t *
s_victim (ml_query_cache_t *self, bool answers_only)
{
    ml_query_cache_slot_t *best = NULL;
    for (size_t i = 0; i < ML_QUERY_CACHE_ENTRIES; i++) {
        ml_query_cache_slot_t *slot = &self->slots[i];
        if (slot->state == S_FREE && !answers_only)
            return slot;
        if (slot->state != S_READY && (answers_only || slot->state != S_UNKEPT))
            continue;
        bool stale = slot->gen < self->newest, best_stale = best && best->gen < self->newest;
        if (!best || (stale && !best_stale) || (stale == best_stale && slot->used < best->used))
            best = slot;
    }
    return best;
}

char *
ml_query_cache_get (ml_query_cache_t *self, const char *key, uint64_t gen,
                    ml_query_cache_slot_t **claim)
{
    *claim = NULL;
    char *copy = NULL;
    pthread_mutex_lock (&self->lock);
    if (gen > self->newest)
        self->newest = gen;
    for (;;) {
        ml_query_cache_slot_t *slot = s_find (self, key, gen);
        if (slot && slot->state == S_BUSY) {
            pthread_cond_wait (&self->filled, &self->lock);
            continue;                   //  filled, or let go: look again
        }
        if (slot && slot->state == S_UNKEPT) {
            slot->used = ++self->clock;
            self->misses++;             //  computed by the asker, without a claim
            break;
        }
        if (slot) {
            copy = malloc (slot->len + 1);
            if (copy) {
                memcpy (copy, slot->text, slot->len + 1);
                slot->used = ++self->clock;
                self->hits++;
            }
            break;
        }
        slot = s_victim (self, false);
        if (slot) {
            char *k = strdup (key);
            if (k) {
                s_slot_clear (self, slot);
                slot->state = S_BUSY;
                slot->key = k;
                slot->gen = gen;
                *claim = slot;
            }
        }
        self->misses++;
        break;
    }
    pthread_mutex_unlock (&self->lock);
    return copy;
}

void
ml_query_cache_put (ml_query_cache_t *self, ml_query_cache_slot_t *claim, const char *text)
{
    if (!claim)
        return;
    size_t len = text ? strlen (text) : 0;
    char *copy = text && len <= ML_QUERY_CACHE_BYTES / 4 ? malloc (len + 1) : NULL;
    if (copy)
        memcpy (copy, text, len + 1);
    pthread_mutex_lock (&self->lock);
    if (copy) {
        //  room first: the least recently used answers go
        while (self->bytes + len > ML_QUERY_CACHE_BYTES) {
            ml_query_cache_slot_t *victim = s_victim (self, true);
            if (!victim)
                break;
            s_slot_clear (self, victim);
        }
        claim->state = S_READY;
        claim->text = copy;
        claim->len = len;
        claim->used = ++self->clock;
        self->bytes += len;
    }
    else {
        //  no answer to keep: who waits for it, and who asks it at this generation, computes it
        free (claim->text);
        claim->text = NULL;
        claim->len = 0;
        claim->state = S_UNKEPT;
        claim->used = ++self->clock;
    }
    pthread_cond_broadcast (&self->filled);
    pthread_mutex_unlock (&self->lock);
}

void
ml_query_cache_counts (ml_query_cache_t *self, uint64_t *hits, uint64_t *misses)
{
    pthread_mutex_lock (&self->lock);
    *hits = self->hits;
    *misses = self->misses;
    pthread_mutex_unlock (&self->lock);
}
