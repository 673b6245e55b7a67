/* web_cache.c -- massline-web's pages kept while the collector's store has not changed: the body
   of a page that is the same for every visitor of one scope (the dashboard, a unit's page), so
   that fifty clerks opening it at once cost one rendering, not fifty (web.h).

   A kept body is labelled with the store's generation, asked of the collector (`generation`)
   before the page's reports are asked: it is sent only while the generation is the same, so any
   committed write (an ingest, a decision) makes it stale, and it is never older than its label.
   Its key names the day, the page and its arguments, and the account's role and unit: a unit
   account is only ever sent what was rendered for its own unit and role, after the page checked
   that it may see it. What is personal (the account's name, its CSRF token) is in the layout
   around the body, made for each request (web_page).

   One making at a time per key and generation (as collector/ml_query_cache.c): the first request
   that misses claims a slot and makes the page; who asks the same meanwhile waits for it on the
   condition variable, at most the collector's timeout (timeout_ms), then makes the page itself
   without keeping it. A maker that fails lets its slot go and wakes the waiters: one of them
   claims it next. A claimed slot is never taken for another page, and the table is freed only
   after the HTTP server has stopped, so a claim stays valid until web_cache_done.

   Stale while revalidate (page_max_age_s > 0): while one request makes the page of a new
   generation, whoever asks the same key meanwhile is sent the newest kept body of an earlier
   generation at once instead of waiting, if its generation was last found to be the store's (the
   `generation` asked by the request that made it or was sent it as the newest) at most
   page_max_age_s seconds ago; and no second making of that key starts while one is under way (one
   making per key at a time, whatever the generation). A body past the bound is never sent: then
   the visitor waits, as with 0. The key (day, role, unit, page, year) is the same as for the
   newest, so neither another day's nor another scope's body is ever sent. Every page sent begins
   with that time (web_cache_stamped: the data was the store's then), made for each request, not
   kept in the body. A request that finds no one making the key makes it itself and waits for it,
   so one visitor alone always sees the newest page.

   A fixed table of WEB_CACHE_ENTRIES slots under one mutex, at most WEB_CACHE_BYTES of bodies; a
   new one takes a free slot, else a stale body, else the least recently used one; when every slot
   is being made the page is made without the cache. */
#include "web.h"
#include "ml_date.h"
#include "ml_log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WEB_CACHE_ENTRIES 64
#define WEB_CACHE_BYTES (64u << 20)

typedef enum { S_FREE = 0, S_BUSY, S_READY } s_state_t;

typedef struct {
    s_state_t state;
    char *key;                          //  S_BUSY, S_READY
    uint64_t gen;
    char *body;                         //  S_READY
    size_t len;
    uint64_t used;                      //  the clock when last sent or kept
    struct timespec seen;               //  when its generation was last the store's: asked by the
    int64_t seen_at;                    //  request that made it or was sent it (monotonic; unix s)
} s_entry_t;

struct web_cache {
    pthread_mutex_t lock;
    pthread_cond_t done;                //  a slot being made was filled or let go
    s_entry_t entries[WEB_CACHE_ENTRIES];
    size_t bytes;                       //  of every S_READY body
    uint64_t clock;
    uint64_t newest;                    //  the highest generation seen
    uint64_t hits, kept;                //  bodies sent again; kept
    uint64_t earlier;                   //  of them sent again, an earlier generation's (young)
};

web_cache_t *
web_cache_new (void)
{
    web_cache_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    pthread_condattr_t attr;
    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);     //  the bounded wait: not the wall clock
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->done, &attr);
    pthread_condattr_destroy (&attr);
    return self;
}

static void
s_clear (web_cache_t *self, s_entry_t *e)
{
    if (e->state == S_READY)
        self->bytes -= e->len;
    free (e->key);
    free (e->body);
    memset (e, 0, sizeof *e);
}

void
web_cache_destroy (web_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    web_cache_t *self = *self_p;
    ml_info ("page cache: %llu pages sent again, %llu made, %llu of an earlier generation sent",
             (unsigned long long) self->hits, (unsigned long long) self->kept,
             (unsigned long long) self->earlier);
    for (size_t i = 0; i < WEB_CACHE_ENTRIES; i++)
        s_clear (self, &self->entries[i]);
    pthread_cond_destroy (&self->done);
    pthread_mutex_destroy (&self->lock);
    free (self);
    *self_p = NULL;
}

//  The store's generation, asked of the collector on R's account's behalf; false when not known:
//  a collector without the command (then the page is made as always), or none answering (then
//  R is answered with the error page, once, rather than after a second wait).
static bool
s_generation (web_req_t *r, uint64_t *gen)
{
    json_t *answer = web_ask (r, "generation", 0, NULL, true);
    json_t *value = json_object_get (answer, "generation");
    bool ok = json_is_integer (value) && json_integer_value (value) >= 0;
    if (ok)
        *gen = (uint64_t) json_integer_value (value);
    json_decref (answer);
    return ok;
}

static s_entry_t *
s_find (web_cache_t *self, const char *key, uint64_t gen)
{
    for (size_t i = 0; i < WEB_CACHE_ENTRIES; i++) {
        s_entry_t *e = &self->entries[i];
        if (e->state != S_FREE && e->gen == gen && strcmp (e->key, key) == 0)
            return e;
    }
    return NULL;
}

//  A slot for a new body: a free one (when FREE_OK), else the stale or least recently used body
//  other than BUT. Never one being made. NULL when there is none.
static s_entry_t *
s_victim (web_cache_t *self, const s_entry_t *but, bool free_ok)
{
    s_entry_t *best = NULL;
    for (size_t i = 0; i < WEB_CACHE_ENTRIES; i++) {
        s_entry_t *e = &self->entries[i];
        if (e->state == S_FREE && free_ok)
            return e;
        if (e->state != S_READY || e == but)
            continue;
        bool stale = e->gen < self->newest, best_stale = best && best->gen < self->newest;
        if (!best || (stale && !best_stale) || (stale == best_stale && e->used < best->used))
            best = e;
    }
    return best;
}

//  The newest READY body of KEY of a generation before GEN whose data is at most MAX_AGE_S old at
//  NOW; NULL when none (or MAX_AGE_S is 0). Also *MAKING: a slot of KEY is being made (any gen).
static s_entry_t *
s_earlier (web_cache_t *self, const char *key, uint64_t gen, long max_age_s, const struct timespec *now,
           bool *making)
{
    s_entry_t *best = NULL;
    *making = false;
    for (size_t i = 0; i < WEB_CACHE_ENTRIES; i++) {
        s_entry_t *e = &self->entries[i];
        if (e->state == S_FREE || strcmp (e->key, key) != 0)
            continue;
        if (e->state == S_BUSY) {
            *making = true;
            continue;
        }
        if (max_age_s <= 0 || e->gen >= gen)
            continue;
        //  age in ns, from the monotonic clock: a wall clock set back cannot make a body young
        int64_t age = (int64_t) (now->tv_sec - e->seen.tv_sec) * 1000000000LL + (now->tv_nsec - e->seen.tv_nsec);
        if (age < 0 || age > (int64_t) max_age_s * 1000000000LL)
            continue;
        if (!best || e->gen > best->gen)
            best = e;
    }
    return best;
}

//  The deadline of a wait for another request's making: the collector's timeout from now.
static struct timespec
s_deadline (long ms)
{
    struct timespec t;
    clock_gettime (CLOCK_MONOTONIC, &t);
    if (ms <= 0)
        ms = 10000;
    t.tv_sec += ms / 1000;
    t.tv_nsec += (ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

bool
web_cache_send (web_req_t *r, const char *page, int year, const char *title, web_kept_t *kept)
{
    web_cache_t *self = r->web->cache;
    const ml_account_t *a = &r->session.account;
    kept->ok = false;
    kept->claim = NULL;
    kept->read_at = 0;
    if (!self)
        return false;
    struct timespec read;
    clock_gettime (CLOCK_MONOTONIC, &read);
    kept->read_at = (int64_t) time (NULL);      //  before the generation: the data is at least this new
    if (!s_generation (r, &kept->gen))
        return r->errored;              //  answered already: the collector is not there
    //  \x1f separates the fields; no role, unit id or page name holds one
    int n = snprintf (kept->key, sizeof kept->key, "%ld\x1f%s\x1f%s\x1f%s\x1f%d", (long) ml_date_today (),
                      a->role, a->unit, page, year);
    if (n < 0 || (size_t) n >= sizeof kept->key)
        return false;
    kept->ok = true;
    ml_html_t *body = NULL;
    struct timespec deadline = s_deadline (r->web->cfg.timeout_ms);
    pthread_mutex_lock (&self->lock);
    if (kept->gen > self->newest)
        self->newest = kept->gen;
    for (;;) {
        s_entry_t *e = s_find (self, kept->key, kept->gen);
        if (!e || e->state == S_BUSY) {
            //  being made (or about to be, and one making is under way): a young earlier body
            struct timespec now;
            bool making;
            clock_gettime (CLOCK_MONOTONIC, &now);
            s_entry_t *prev = s_earlier (self, kept->key, kept->gen, r->web->cfg.page_max_age_s, &now,
                                         &making);
            if (prev && (e || making)) {
                prev->used = ++self->clock;
                self->hits++;
                self->earlier++;
                body = ml_html_new ();
                if (body)
                    ml_html_f (body, "%r", prev->body);
                kept->read_at = prev->seen_at;  //  the page says when it was the store's
                break;
            }
        }
        if (e && e->state == S_BUSY) {
            //  another request is making it: wait, then look again (filled, or let go)
            if (pthread_cond_timedwait (&self->done, &self->lock, &deadline) == ETIMEDOUT)
                break;                  //  too long: make it here, not kept
            continue;
        }
        if (e) {
            e->used = ++self->clock;
            self->hits++;
            if (read.tv_sec > e->seen.tv_sec || (read.tv_sec == e->seen.tv_sec && read.tv_nsec > e->seen.tv_nsec)) {
                e->seen = read;         //  its generation is still the store's: it is young again
                e->seen_at = kept->read_at;
            }
            body = ml_html_new ();
            if (body)
                ml_html_f (body, "%r", e->body);
            break;
        }
        e = s_victim (self, NULL, true);
        if (e) {
            char *key = strdup (kept->key);
            if (key) {
                s_clear (self, e);
                e->state = S_BUSY;
                e->key = key;
                e->gen = kept->gen;
                e->seen = read;
                e->seen_at = kept->read_at;
                kept->claim = e;
            }
        }
        break;
    }
    pthread_mutex_unlock (&self->lock);
    if (!body)
        return false;
    web_cache_stamped (&body, kept);
    web_page (r, 200, title, &body);
    return true;
}

void
web_cache_done (web_req_t *r, web_kept_t *kept, const ml_html_t *body)
{
    web_cache_t *self = r->web->cache;
    s_entry_t *slot = kept->claim;
    kept->claim = NULL;
    if (!self || !slot)
        return;
    //  a page that went wrong on the way (an error answered) is not kept
    size_t len = body && !r->errored ? ml_html_len (body) : 0;
    char *copy = body && !r->errored && len <= WEB_CACHE_BYTES / 4 ? malloc (len + 1) : NULL;
    if (copy)
        memcpy (copy, ml_html_str (body), len + 1);
    pthread_mutex_lock (&self->lock);
    if (copy) {
        //  the same page of older generations goes; then room: the least recently used go
        for (size_t i = 0; i < WEB_CACHE_ENTRIES; i++) {
            s_entry_t *e = &self->entries[i];
            if (e->state == S_READY && e->gen < slot->gen && strcmp (e->key, slot->key) == 0)
                s_clear (self, e);
        }
        while (self->bytes + len > WEB_CACHE_BYTES) {
            s_entry_t *victim = s_victim (self, slot, false);
            if (!victim)
                break;
            s_clear (self, victim);
        }
        slot->state = S_READY;
        slot->body = copy;
        slot->len = len;
        slot->used = ++self->clock;
        self->bytes += len;
        self->kept++;
    }
    else
        s_clear (self, slot);           //  nothing to keep: a waiter makes it next
    pthread_cond_broadcast (&self->done);
    pthread_mutex_unlock (&self->lock);
}

void
web_cache_stamped (ml_html_t **body, const web_kept_t *kept)
{
    if (!body || !*body)
        return;
    time_t at = (time_t) (kept->read_at ? kept->read_at : (int64_t) time (NULL));
    struct tm tm;
    char hms[16] = "";
    if (localtime_r (&at, &tm))
        strftime (hms, sizeof hms, "%H:%M:%S", &tm);
    ml_html_t *h = ml_html_new ();
    if (!h)
        return;                         //  the page without its time rather than none
    ml_html_f (h, "<p class=\"note data-at\" id=\"data-at\" data-at=\"%L\">%t %t</p>%r", (long long) at,
               web_text (W_DATA_AT), hms, ml_html_str (*body));
    ml_html_destroy (body);
    *body = h;
}
