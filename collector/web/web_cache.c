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

   A fixed table of WEB_CACHE_ENTRIES bodies under one mutex, at most WEB_CACHE_BYTES in all; a
   new one takes a free slot, else a stale one, else the least recently used. */
#include "web.h"
#include "ml_date.h"
#include "ml_log.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEB_CACHE_ENTRIES 64
#define WEB_CACHE_BYTES (64u << 20)

typedef struct {
    char *key;                          //  NULL: free
    uint64_t gen;
    char *body;
    size_t len;
    uint64_t used;                      //  the clock when last sent or kept
} s_entry_t;

struct web_cache {
    pthread_mutex_t lock;
    s_entry_t entries[WEB_CACHE_ENTRIES];
    size_t bytes;
    uint64_t clock;
    uint64_t newest;                    //  the highest generation seen
    uint64_t hits, kept;                //  bodies sent again; kept
};

web_cache_t *
web_cache_new (void)
{
    web_cache_t *self = calloc (1, sizeof *self);
    if (self)
        pthread_mutex_init (&self->lock, NULL);
    return self;
}

static void
s_clear (web_cache_t *self, s_entry_t *e)
{
    if (e->key)
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
    ml_info ("page cache: %llu pages sent again, %llu made", (unsigned long long) self->hits,
             (unsigned long long) self->kept);
    for (size_t i = 0; i < WEB_CACHE_ENTRIES; i++)
        s_clear (self, &self->entries[i]);
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

bool
web_cache_send (web_req_t *r, const char *page, int year, const char *title, web_kept_t *kept)
{
    web_cache_t *self = r->web->cache;
    const ml_account_t *a = &r->session.account;
    kept->ok = false;
    if (!self)
        return false;
    if (!s_generation (r, &kept->gen))
        return r->errored;              //  answered already: the collector is not there
    //  \x1f separates the fields; no role, unit id or page name holds one
    int n = snprintf (kept->key, sizeof kept->key, "%ld\x1f%s\x1f%s\x1f%s\x1f%d", (long) ml_date_today (),
                      a->role, a->unit, page, year);
    if (n < 0 || (size_t) n >= sizeof kept->key)
        return false;
    kept->ok = true;
    ml_html_t *body = NULL;
    pthread_mutex_lock (&self->lock);
    if (kept->gen > self->newest)
        self->newest = kept->gen;
    for (size_t i = 0; i < WEB_CACHE_ENTRIES; i++) {
        s_entry_t *e = &self->entries[i];
        if (e->key && e->gen == kept->gen && strcmp (e->key, kept->key) == 0) {
            e->used = ++self->clock;
            self->hits++;
            body = ml_html_new ();
            if (body)
                ml_html_f (body, "%r", e->body);
            break;
        }
    }
    pthread_mutex_unlock (&self->lock);
    if (!body)
        return false;
    web_page (r, 200, title, &body);
    return true;
}

//  A slot for a new body: a free one (when FREE_OK), else the stale or least recently used one
//  other than BUT. NULL when there is none.
static s_entry_t *
s_victim (web_cache_t *self, const s_entry_t *but, bool free_ok)
{
    s_entry_t *best = NULL;
    for (size_t i = 0; i < WEB_CACHE_ENTRIES; i++) {
        s_entry_t *e = &self->entries[i];
        if (!e->key) {
            if (free_ok)
                return e;
            continue;
        }
        if (e == but)
            continue;
        bool stale = e->gen < self->newest, best_stale = best && best->gen < self->newest;
        if (!best || (stale && !best_stale) || (stale == best_stale && e->used < best->used))
            best = e;
    }
    return best;
}

void
web_cache_keep (web_req_t *r, const web_kept_t *kept, const ml_html_t *body)
{
    web_cache_t *self = r->web->cache;
    //  a page that went wrong on the way (an error answered) is not kept
    if (!self || !kept->ok || !body || r->errored)
        return;
    size_t len = ml_html_len (body);
    if (len > WEB_CACHE_BYTES / 4)
        return;
    char *key = strdup (kept->key), *copy = malloc (len + 1);
    if (!key || !copy) {
        free (key);
        free (copy);
        return;
    }
    memcpy (copy, ml_html_str (body), len + 1);
    pthread_mutex_lock (&self->lock);
    s_entry_t *slot = NULL;
    for (size_t i = 0; i < WEB_CACHE_ENTRIES && !slot; i++)
        if (self->entries[i].key && strcmp (self->entries[i].key, key) == 0)
            slot = &self->entries[i];   //  the same page, kept before (or meanwhile)
    if (!slot || slot->gen <= kept->gen) {
        if (!slot)
            slot = s_victim (self, NULL, true);
        s_clear (self, slot);
        while (self->bytes + len > WEB_CACHE_BYTES) {
            s_entry_t *victim = s_victim (self, slot, false);
            if (!victim)
                break;
            s_clear (self, victim);
        }
        slot->key = key;
        slot->gen = kept->gen;
        slot->body = copy;
        slot->len = len;
        slot->used = ++self->clock;
        self->bytes += len;
        self->kept++;
        key = copy = NULL;
    }
    pthread_mutex_unlock (&self->lock);
    free (key);
    free (copy);
}
