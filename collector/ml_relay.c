/* ml_relay.c -- the upstream relay (ml_relay.h): tier_out -> outbox (by ref) -> higher tier. */
#include "ml_relay.h"
#include "ml_config.h"
#include "ml_db.h"
#include "ml_err.h"
#include "ml_event.h"
#include "ml_forward.h"
#include "ml_keys.h"
#include "ml_log.h"
#include "ml_outbox.h"
#include "ml_tier.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RELAY_IDLE_MS 300               //  how often an idle relay looks at tier_out again
#define RELAY_EXCHANGE_MS 2000          //  longest single forwarding run between looks
#define RELAY_LISTEN_MS 2000            //  an idle relay says Hello this long after sending,
#define RELAY_LISTEN_MAX_MS 60000       //  then twice as long each time, up to this: to hear the
                                        //  higher tier's word on its years (a return)
#define RELAY_LISTEN_RUN_MS 1000        //  how long it stays to hear the Welcome

typedef struct {
    char *endpoint;
    char *collector_key;
    char *public_key;
    char *secret_key;
} s_upstream_t;

static const ml_opt_t s_upstream_opts[] = {
    { "upstream", "endpoint", ML_OPT_STR, NULL, offsetof (s_upstream_t, endpoint),
      "the higher collector's ingest endpoint, e.g. tcp://committee:7701" },
    { "upstream", "collector_key", ML_OPT_KEY, "collector.pub", offsetof (s_upstream_t, collector_key),
      "the higher collector's public key" },
    { "upstream", "public_key", ML_OPT_KEY, "member.pub", offsetof (s_upstream_t, public_key),
      "this collector's member key there (public)" },
    { "upstream", "secret_key", ML_OPT_PATH, "member.key", offsetof (s_upstream_t, secret_key),
      "this collector's member key there (secret, mode 0600)" },
    { NULL, NULL, 0, NULL, 0, NULL }
};

struct ml_relay {
    ml_store_t *store;
    ml_outbox_t *outbox;
    ml_forward_t *forward;
    pthread_t thread;
    bool started;
    volatile sig_atomic_t stop;
    bool copied;                        //  tier_out read whole once (at start)...
    uint64_t cursor;                    //  ...and up to this queue seq since
    json_t *conflicts;                  //  {"REF": reason}: reports not sent, since the outbox
                                        //  holds other bytes under their ref (said once each)
    char said[128];                     //  the outbox's marks when the relay's word was kept
    int64_t listen_at;                  //  when an idle relay next says Hello (monotonic ms)
    int64_t listen_every;               //  and then after how long
};

const char *
ml_relay_outbox_dir (const char *data_dir, char *buf, size_t len)
{
    snprintf (buf, len, "%s/upstream-outbox", data_dir);
    return buf;
}

typedef struct {
    ml_outbox_item_t *items;
    char (*refs)[96];
    uint8_t **data;
    size_t n, cap;
} s_copy_t;

static int
s_collect (void *arg, const ml_tier_doc_t *doc)
{
    s_copy_t *c = arg;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 8;
        ml_outbox_item_t *items = realloc (c->items, cap * sizeof *items);
        if (items)
            c->items = items;
        char (*refs)[96] = realloc (c->refs, cap * sizeof *refs);
        if (refs)
            c->refs = refs;
        uint8_t **data = realloc (c->data, cap * sizeof *data);
        if (data)
            c->data = data;
        if (!items || !refs || !data)
            return ML_ENOMEM;
        c->cap = cap;
    }
    uint8_t *copy = malloc (doc->len ? doc->len : 1);
    if (!copy)
        return ML_ENOMEM;
    memcpy (copy, doc->data, doc->len);
    c->data[c->n] = copy;
    snprintf (c->refs[c->n], sizeof c->refs[c->n], "tier-%d-v%u-%s", doc->year, doc->version,
              doc->kind);
    c->items[c->n] = (ml_outbox_item_t) { .data = copy, .len = doc->len, .source = "relay" };
    c->n++;
    return 0;
}

//  After ml_outbox_append refused C's items with ML_ECONFLICT: the reports whose ref the outbox
//  holds with other bytes (the store restored from a backup while the outbox was kept, say)
//  are set aside -- said once, and shown by `status upstream` as refused -- and the others
//  appended. Returns what the last append returned.
static int
s_conflicts (ml_relay_t *self, s_copy_t *c)
{
    int rc = ML_ECONFLICT;
    while (rc == ML_ECONFLICT) {
        size_t n = 0;
        for (size_t i = 0; i < c->n; i++) {
            if (c->items[i].status != ML_ECONFLICT) {
                c->items[n++] = c->items[i];
                continue;
            }
            const char *ref = c->items[i].ref;
            if (json_object_get (self->conflicts, ref))
                continue;
            char why[400];
            snprintf (why, sizeof why, "not sent: the upstream outbox holds another document "
                      "under %s (the store restored from a backup?); decide the year again to "
                      "send a new version", ref);
            ml_warn ("upstream relay: %s: its upstream outbox holds other bytes under this ref "
                     "(outbox seq %llu; was the store restored from a backup?): this report is "
                     "not sent, `status upstream` shows it refused", ref,
                     (unsigned long long) c->items[i].seq);
            json_object_set_new (self->conflicts, ref, json_string (why));
        }
        if (n == c->n || n == 0)
            return n ? rc : 0;
        c->n = n;
        for (size_t i = 0; i < n; i++)
            c->items[i].status = 0;
        rc = ml_outbox_append (self->outbox, c->items, c->n, false);
    }
    return rc;
}

//  Copies the reports of tier_out into the outbox: at start all of them (those already there are
//  skipped by ref, so a copy repeated after a crash is a no-op), then only those queued since
//  the last copy (ml_store_tier_since: an idle relay reads one row).
static int
s_copy (ml_relay_t *self)
{
    s_copy_t c = { 0 };
    int rc;
    uint64_t last = 0;
    ml_store_txn_t *txn = ml_store_begin (self->store, false, &rc);
    if (!txn)
        return rc;
    rc = ml_store_tier_since (txn, self->copied ? self->cursor : 0, &last,
                              self->copied ? s_collect : NULL, &c);
    if (!rc && !self->copied)
        rc = ml_store_tier_each (txn, false, NULL, 0, s_collect, &c);
    ml_store_abort (&txn);
    for (size_t i = 0; i < c.n; i++)
        c.items[i].ref = c.refs[i];
    if (!rc && c.n)
        rc = ml_outbox_append (self->outbox, c.items, c.n, false);
    if (rc == ML_ECONFLICT)
        rc = s_conflicts (self, &c);
    if (!rc || rc == ML_EDUP) {
        self->copied = true;
        self->cursor = last;
    }
    for (size_t i = 0; i < c.n; i++)
        free (c.data[i]);
    free (c.items);
    free (c.refs);
    free (c.data);
    return rc;
}

// ---------------------------------------------------------------------------
// The relay's word on what it sent, kept in the store for `massline status`

typedef struct {
    ml_relay_t *self;
    json_t *word;                       //  {"REF": {"state", "reason"}}
    json_t *years;                      //  the higher tier's last word on our years, or NULL
    json_t *before;                     //  the word kept before (ml_store_tier_relay), or NULL
    uint64_t acked_seq;
} s_word_t;

static int
s_reject_reason (const ml_outbox_reject_t *reject, void *arg)
{
    json_t *rejects = arg;
    char seq[32];
    snprintf (seq, sizeof seq, "%llu", (unsigned long long) reject->seq);
    json_object_set_new (rejects, seq, json_string (reject->reason ? reject->reason : ""));
    return 0;
}

static int
s_word_doc (void *arg, const ml_tier_doc_t *doc)
{
    s_word_t *w = arg;
    char ref[96];
    snprintf (ref, sizeof ref, "tier-%d-v%u-%s", doc->year, doc->version, doc->kind);
    Massline__Event *ev = NULL;
    ml_outbox_version_t v;
    memset (&v, 0, sizeof v);
    int rc = ml_outbox_current (w->self->outbox, ref, &ev, &v);
    ml_event_free (&ev);
    if (rc == ML_EINVAL && v.reclaimed)
        v.seq = 0;                      //  acknowledged and accepted long ago: bytes reclaimed
    else
    if (rc)
        return 0;                       //  not copied yet: pending
    const char *state = NULL, *reason = "";
    json_t *conflict = json_object_get (w->self->conflicts, ref);
    if (conflict) {                     //  not sent: the outbox holds other bytes under REF
        json_object_set_new (w->word, ref, json_pack ("{s:s, s:O}", "state", "refused",
                             "reason", conflict));
        return 0;
    }
    if (v.rejected) {
        state = "refused";
        json_t *rejects = json_object ();
        ml_outbox_rejects (w->self->outbox, s_reject_reason, rejects);
        char seq[32];
        snprintf (seq, sizeof seq, "%llu", (unsigned long long) v.seq);
        json_t *r = json_object_get (rejects, seq);
        json_object_set_new (w->word, ref, json_pack ("{s:s, s:s}", "state", state, "reason",
                             r ? json_string_value (r) : ""));
        json_decref (rejects);
        return 0;
    }
    if (v.seq > w->acked_seq)
        return 0;                       //  sent, not acknowledged: pending
    state = "delivered";
    //  the higher tier speaks of a year's latest version only: what it said of an older one
    //  (returned, accepted) is kept from the word before
    json_t *was = json_object_get (w->before, ref);
    const char *said = json_string_value (json_object_get (was, "state"));
    if (said && (strcmp (said, "returned") == 0 || strcmp (said, "accepted") == 0)) {
        state = said;
        reason = json_string_value (json_object_get (was, "reason"));
    }
    size_t i;
    json_t *y;
    json_array_foreach (w->years, i, y)
        if (json_integer_value (json_object_get (y, "year")) == doc->year
        &&  json_integer_value (json_object_get (y, "version")) == (json_int_t) doc->version) {
            const char *st = json_string_value (json_object_get (y, "state"));
            if (st && strcmp (st, "returned") == 0) {
                state = "returned";
                reason = json_string_value (json_object_get (y, "reason"));
            }
            else
            if (st && strcmp (st, "accepted") == 0)
                state = "accepted";
        }
    json_object_set_new (w->word, ref, json_pack ("{s:s, s:s}", "state", state, "reason",
                         reason ? reason : ""));
    return 0;
}

//  Keeps the state of every report sent in the store when the outbox's marks have changed since
//  the last time (acknowledgements, refusals, the higher tier's word on our years).
static void
s_say (ml_relay_t *self)
{
    ml_outbox_stat_t st;
    if (ml_outbox_stat (self->outbox, &st) != 0)
        return;
    char *years = ml_outbox_years (self->outbox);
    char marks[128];
    uint8_t sha[32] = { 0 };
    if (years)
        ml_sha256 ((const uint8_t *) years, strlen (years), sha);
    snprintf (marks, sizeof marks, "%llu/%llu/%llu/%zu/%02x%02x%02x%02x%02x%02x%02x%02x",
              (unsigned long long) st.acked_seq, (unsigned long long) st.rejected,
              (unsigned long long) st.events, json_object_size (self->conflicts), sha[0], sha[1], sha[2], sha[3], sha[4], sha[5],
              sha[6], sha[7]);
    if (strcmp (marks, self->said) == 0) {
        free (years);
        return;
    }
    s_word_t w = { self, json_object (), years ? json_loads (years, 0, NULL) : NULL, NULL,
                   st.acked_seq };
    free (years);
    int rc;
    ml_store_txn_t *txn = ml_store_begin (self->store, true, &rc);
    if (txn) {
        char *before = ml_store_tier_relay (txn);
        w.before = before ? json_loads (before, 0, NULL) : NULL;
        free (before);
        rc = ml_store_tier_each (txn, false, NULL, 0, s_word_doc, &w);
        char *text = rc ? NULL : json_dumps (w.word, JSON_COMPACT | JSON_SORT_KEYS);
        rc = rc ? rc : text ? ml_store_tier_set_relay (txn, text) : ML_ENOMEM;
        free (text);
        if (rc)
            ml_store_abort (&txn);
        else
            rc = ml_store_commit (&txn);
    }
    if (rc)
        ml_warn ("upstream relay: cannot keep the state of its reports: %s", ml_strerror (rc));
    else
        snprintf (self->said, sizeof self->said, "%s", marks);
    json_decref (w.word);
    json_decref (w.years);
    json_decref (w.before);
}

static void *
s_run (void *arg)
{
    ml_relay_t *self = arg;
    while (!self->stop) {
        int rc = s_copy (self);
        if (rc && rc != ML_EDUP)
            ml_warn ("upstream relay: cannot copy the reports into its outbox: %s: %s",
                     ml_strerror (rc), ml_outbox_error (self->outbox));
        ml_outbox_stat_t st = { 0 };
        if (ml_outbox_stat (self->outbox, &st) == 0 && st.pending) {
            rc = ml_forward_run (self->forward, st.next_seq - 1,
                                 ml_forward_now_ms () + RELAY_EXCHANGE_MS, &self->stop);
            if (rc && rc != ML_ETIMEDOUT)
                ml_warn ("upstream relay: %s", ml_strerror (rc));
            s_say (self);
            self->listen_every = RELAY_LISTEN_MS;
            self->listen_at = ml_forward_now_ms () + self->listen_every;
            continue;
        }
        int64_t now = ml_forward_now_ms ();
        if (st.events && now >= self->listen_at) {
            //  nothing to send: a Hello now and then brings the higher tier's word down
            self->listen_every = self->listen_every ? 2 * self->listen_every : RELAY_LISTEN_MS;
            if (self->listen_every > RELAY_LISTEN_MAX_MS)
                self->listen_every = RELAY_LISTEN_MAX_MS;
            self->listen_at = now + self->listen_every;
            rc = ml_forward_run (self->forward, 0, now + RELAY_LISTEN_RUN_MS, &self->stop);
            if (rc && rc != ML_ETIMEDOUT)
                ml_warn ("upstream relay: %s", ml_strerror (rc));
        }
        s_say (self);
        struct timespec ts = { 0, RELAY_IDLE_MS * 1000000L };
        nanosleep (&ts, NULL);
    }
    return NULL;
}

ml_relay_t *
ml_relay_start (ml_store_t *store, const char *upstream_ini, const char *data_dir, char *err,
                size_t errlen)
{
    s_upstream_t up = { 0 };
    char pub[ML_KEY_LEN + 1], sec[ML_KEY_LEN + 1], dir[4096];
    ml_relay_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    self->store = store;
    self->conflicts = json_object ();
    if (!self->conflicts) {
        snprintf (err, errlen, "out of memory");
        free (self);
        return NULL;
    }
    if (ml_config_load (upstream_ini, s_upstream_opts, &up, err, errlen)
    ||  ml_key_read_secret (up.secret_key, sec, err, errlen))
        goto fail;
    snprintf (pub, sizeof pub, "%s", up.public_key);
    self->outbox = ml_outbox_open (ml_relay_outbox_dir (data_dir, dir, sizeof dir), 0, err, errlen);
    if (!self->outbox)
        goto fail;
    ml_forward_cfg_t fcfg = { up.endpoint, up.collector_key, pub, sec, NULL, 16, 4, 5000 };
    self->forward = ml_forward_new (self->outbox, &fcfg, err, errlen);
    if (!self->forward)
        goto fail;
    if (pthread_create (&self->thread, NULL, s_run, self) != 0) {
        snprintf (err, errlen, "cannot start the upstream relay thread");
        goto fail;
    }
    self->started = true;
    ml_store_tier_set_upstream (store, true);
    ml_info ("relaying accepted reports to %s (%s)", up.endpoint, upstream_ini);
    memset (sec, 0, sizeof sec);
    ml_config_free (s_upstream_opts, &up);
    return self;
fail:
    memset (sec, 0, sizeof sec);
    ml_config_free (s_upstream_opts, &up);
    ml_relay_stop (&self);
    return NULL;
}

void
ml_relay_stop (ml_relay_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_relay_t *self = *self_p;
    self->stop = 1;
    if (self->started) {
        pthread_join (self->thread, NULL);
        ml_store_tier_set_upstream (self->store, false);
    }
    ml_forward_destroy (&self->forward);
    ml_outbox_close (&self->outbox);
    json_decref (self->conflicts);
    free (self);
    *self_p = NULL;
}
