/* ml_serve.c -- the collector daemon: CURVE ingest and query ROUTERs, the ZAP handler, group commit.

   Threads. The main thread polls the ZAP REP socket and the ingest ROUTER. CURVE handshakes run
   in libzmq's I/O thread, which waits for our ZAP reply. Ingest drains every Batch already
   queued, applies them all in one LMDB write transaction, commits once, and only then sends the
   acks (design.md "Delivery"). Queries never run here: the query ROUTER belongs to its own
   thread, which queues each request, fair between keys and bounded ("busy" when full), for
   worker threads that answer from their own read transactions (ml_serve_query.c); LMDB readers
   never wait for the writer, nor it for them, so a report does not hold up a Hello or a batch.

   Writes stay one at a time: a query that writes (review, watch, sample draw|finding: listed in
   ml_query_dispatch.c, s_writers) is answered by its worker in its own write transaction
   while it holds the writer lock, which the main thread holds for each group commit (with the
   freeze after it) and each Hello; LMDB would serialize the transactions anyway, the lock keeps
   a multi-transaction step such as the freeze whole. */
#include "ml_serve.h"
#include "ml_date.h"
#include "ml_err.h"
#include "ml_keys.h"
#include "ml_log.h"
#include "ml_relay.h"
#include "ml_tier.h"
#include "ml_query_chain.h"
#include "ml_chain.h"
#include "ml_registry.h"
#include "ml_serve_msg.h"
#include "ml_serve_query.h"
#include "ml_store.h"
#include "ml_wire.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define GROUP_BATCHES 16            //  at most this many batches per write transaction
#define GROUP_EVENTS 20000          //  ... or about this many events (bigger txns cost more CPU per event)

const ml_opt_t ml_collector_opts[] = {
    { "collector", "data_dir", ML_OPT_PATH, "data", offsetof (ml_collector_config_t, data_dir),
      "LMDB environment of the collector (created if missing)" },
    { "collector", "ingest", ML_OPT_STR, "tcp://127.0.0.1:7701", offsetof (ml_collector_config_t, ingest),
      "ROUTER endpoint agents connect to (CURVE server)" },
    { "collector", "query", ML_OPT_STR, "tcp://127.0.0.1:7702", offsetof (ml_collector_config_t, query),
      "ROUTER endpoint the massline client connects to (CURVE server)" },
    { "collector", "public_key", ML_OPT_KEY, "keys/collector.pub", offsetof (ml_collector_config_t, public_key),
      "the collector's public key: a file or the 40-char Z85 text" },
    { "collector", "secret_key", ML_OPT_PATH, "keys/collector.key", offsetof (ml_collector_config_t, secret_key),
      "the collector's secret key file; must be mode 0600" },
    { "collector", "registry", ML_OPT_PATH, "registry.ini", offsetof (ml_collector_config_t, registry),
      "units, agent keys and client keys" },
    { "collector", "rules", ML_OPT_PATH, "rules.ini", offsetof (ml_collector_config_t, rules),
      "the rule file the reports judge by; a bad one stops the start (FILE:LINE: reason)" },
    { "collector", "map_size_mb", ML_OPT_INT, "4096", offsetof (ml_collector_config_t, map_size_mb),
      "LMDB map size in MB" },
    { "collector", "max_frame_bytes", ML_OPT_INT, "8388608", offsetof (ml_collector_config_t, max_frame_bytes),
      "bigger frames are refused (ZMQ_MAXMSGSIZE)" },
    { "collector", "due_day", ML_OPT_INT, "10", offsetof (ml_collector_config_t, due_day),
      "a month's ledger is due by this day of the next month (1-28; completeness)" },
    { "collector", "upstream", ML_OPT_STR, "", offsetof (ml_collector_config_t, upstream),
      "the higher tier's upstream.ini (relative to this file): accepted years are reported there" },
    { "collector", "tier", ML_OPT_STR, "bureau", offsetof (ml_collector_config_t, tier),
      "bureau, or committee: a higher tier that takes only its member collectors' reports" },
    { "collector", "query_workers", ML_OPT_INT, "2", offsetof (ml_collector_config_t, query_workers),
      "threads that answer queries, each from its own read transaction (1-64)" },
    { "collector", "query_queue", ML_OPT_INT, "64", offsetof (ml_collector_config_t, query_queue),
      "queries that may wait for a worker (one key: half); more are answered busy (1-100000)" },
    { "collector", "query_cache", ML_OPT_INT, "1", offsetof (ml_collector_config_t, query_cache),
      "1: read-only reports are answered again from memory until the store changes; 0: always computed" },
    { NULL, NULL, 0, NULL, 0, NULL }
};

//  A Batch waiting for the group commit.
typedef struct {
    uint8_t rid[256];
    size_t rid_len;
    bool delim;
    const ml_principal_t *who;
    Massline__Frame *frame;             //  owns the envelopes
    ml_batch_result_t res;              //  reused from group to group
    const char *errcode;                //  NULL: acknowledge; else refuse with this Error code
    char errmsg[512];
} s_pending_t;

struct ml_serve {
    void *ctx;
    void *zap;                          //  REP on inproc://zeromq.zap.01
    void *ingest;                       //  ROUTER for agents
    void *query;                        //  ROUTER for clients
    ml_registry_t *registry;
    ml_ruleset_t *rules;                //  the rule file, for the reports
    ml_store_t *store;
    char ingest_ep[256];
    char query_ep[256];
    s_pending_t pending[GROUP_BATCHES];
    size_t npending;
    ml_envelope_t *envs;                //  reused envelope array
    size_t envcap;
    long max_frame_bytes;               //  told to agents in Welcome
    const ml_principal_t *conflict_who; //  the last conflict warned about (once, not per retry)
    uint64_t conflict_seq;
    int due_day;                        //  completeness: a month is due by this day of the next
    ml_relay_t *relay;                  //  the upstream relay thread, or NULL (no [upstream])
    int query_workers;                  //  [collector] query_workers
    int query_queue;                    //  [collector] query_queue
    bool query_cache;                   //  [collector] query_cache
    pthread_mutex_t writer;             //  one writer at a time: a group, a Hello, a query that writes
    bool writer_ready;
};

// ---------------------------------------------------------------------------
// Setup.

static void *
s_server_socket (ml_serve_t *self, const char *secret, const char *domain, long max_frame,
                 const char *endpoint, char *err, size_t errlen)
{
    void *sock = zmq_socket (self->ctx, ZMQ_ROUTER);
    int one = 1, zero = 0;
    int64_t maxmsg = max_frame;
    if (!sock
    ||  zmq_setsockopt (sock, ZMQ_LINGER, &zero, sizeof zero)
    ||  zmq_setsockopt (sock, ZMQ_CURVE_SERVER, &one, sizeof one)
    ||  zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, secret, ML_KEY_LEN + 1)
    ||  zmq_setsockopt (sock, ZMQ_ZAP_DOMAIN, domain, strlen (domain))
    ||  zmq_setsockopt (sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg)
    ||  zmq_bind (sock, endpoint)) {
        snprintf (err, errlen, "cannot bind %s %s: %s", domain, endpoint, zmq_strerror (zmq_errno ()));
        if (sock)
            zmq_close (sock);
        return NULL;
    }
    return sock;
}

ml_serve_t *
ml_serve_new (const ml_collector_config_t *cfg, int *code, char *err, size_t errlen)
{
    char secret[ML_KEY_LEN + 1];
    ml_serve_t *self = calloc (1, sizeof *self);
    *code = 2;
    if (!self) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    if (cfg->max_frame_bytes < 1024) {
        snprintf (err, errlen, "max_frame_bytes must be at least 1024 (%ld)", cfg->max_frame_bytes);
        goto fail;
    }
    if (ml_key_read_secret (cfg->secret_key, secret, err, errlen))
        goto fail;
    self->registry = ml_registry_load (cfg->registry, err, errlen);
    if (!self->registry)
        goto fail;
    self->rules = ml_ruleset_load (cfg->rules, err, errlen);
    if (!self->rules)
        goto fail;
    self->store = ml_store_open (cfg->data_dir, cfg->map_size_mb, false, err, errlen);
    if (!self->store)
        goto fail;
    if (cfg->due_day < 1 || cfg->due_day > 28) {
        snprintf (err, errlen, "due_day must be a day 1 to 28 (%ld)", cfg->due_day);
        goto fail;
    }
    self->due_day = (int) cfg->due_day;
    if (cfg->query_workers < 1 || cfg->query_workers > 64) {
        snprintf (err, errlen, "query_workers must be 1 to 64 (%ld)", cfg->query_workers);
        goto fail;
    }
    if (cfg->query_queue < 1 || cfg->query_queue > 100000) {
        snprintf (err, errlen, "query_queue must be 1 to 100000 (%ld)", cfg->query_queue);
        goto fail;
    }
    if (cfg->query_cache != 0 && cfg->query_cache != 1) {
        snprintf (err, errlen, "query_cache must be 0 or 1 (%ld)", cfg->query_cache);
        goto fail;
    }
    self->query_workers = (int) cfg->query_workers;
    self->query_queue = (int) cfg->query_queue;
    self->query_cache = cfg->query_cache != 0;
    pthread_mutex_init (&self->writer, NULL);
    self->writer_ready = true;
    if (strcmp (cfg->tier, "bureau") != 0 && strcmp (cfg->tier, "committee") != 0) {
        snprintf (err, errlen, "tier must be bureau or committee (%s)", cfg->tier);
        goto fail;
    }
    ml_store_tier_set (self->store, strcmp (cfg->tier, "committee") == 0);
    if (cfg->upstream && *cfg->upstream) {
        self->relay = ml_relay_start (self->store, cfg->upstream, cfg->data_dir, err, errlen);
        if (!self->relay)
            goto fail;
    }
    *code = 1;
    self->max_frame_bytes = cfg->max_frame_bytes;
    snprintf (self->ingest_ep, sizeof self->ingest_ep, "%s", cfg->ingest);
    snprintf (self->query_ep, sizeof self->query_ep, "%s", cfg->query);
    self->ctx = zmq_ctx_new ();
    self->zap = self->ctx ? zmq_socket (self->ctx, ZMQ_REP) : NULL;
    //  The ZAP handler must be bound before the CURVE servers, or handshakes skip it.
    if (!self->zap || zmq_bind (self->zap, ZAP_ENDPOINT)) {
        snprintf (err, errlen, "cannot start the ZAP handler: %s", zmq_strerror (zmq_errno ()));
        goto fail;
    }
    self->ingest = s_server_socket (self, secret, "ingest", cfg->max_frame_bytes, cfg->ingest, err, errlen);
    if (!self->ingest)
        goto fail;
    self->query = s_server_socket (self, secret, "query", cfg->max_frame_bytes, cfg->query, err, errlen);
    if (!self->query)
        goto fail;
    memset (secret, 0, sizeof secret);
    return self;
fail:
    memset (secret, 0, sizeof secret);
    ml_serve_destroy (&self);
    return NULL;
}

void
ml_serve_destroy (ml_serve_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_serve_t *self = *self_p;
    for (size_t i = 0; i < GROUP_BATCHES; i++) {
        ml_wire_free (&self->pending[i].frame);
        ml_batch_result_free (&self->pending[i].res);
    }
    ml_relay_stop (&self->relay);       //  before the store it reads
    if (self->ingest)
        zmq_close (self->ingest);
    if (self->query)
        zmq_close (self->query);
    if (self->zap)
        zmq_close (self->zap);
    if (self->ctx)
        zmq_ctx_term (self->ctx);
    ml_store_close (&self->store);
    ml_registry_destroy (&self->registry);
    ml_ruleset_destroy (&self->rules);
    if (self->writer_ready)
        pthread_mutex_destroy (&self->writer);
    free (self->envs);
    free (self);
    *self_p = NULL;
}

// ---------------------------------------------------------------------------
// ZAP: only registered keys get in; agents on ingest, agents and clients on query.

static void
s_zap_reply (void *sock, zmq_msg_t *request_id, const char *status, const char *text, const char *user)
{
    zmq_send (sock, "1.0", 3, ZMQ_SNDMORE);
    zmq_send (sock, zmq_msg_data (request_id), zmq_msg_size (request_id), ZMQ_SNDMORE);
    zmq_send (sock, status, strlen (status), ZMQ_SNDMORE);
    zmq_send (sock, text, strlen (text), ZMQ_SNDMORE);
    zmq_send (sock, user, strlen (user), ZMQ_SNDMORE);
    zmq_send (sock, "", 0, 0);
}

//  Compares frame MSG with the text S.
static bool
s_msg_is (zmq_msg_t *msg, const char *s)
{
    return zmq_msg_size (msg) == strlen (s) && memcmp (zmq_msg_data (msg), s, strlen (s)) == 0;
}

//  Handles one ZAP request: version, request id, domain, address, identity, mechanism, key.
static void
s_zap_one (ml_serve_t *self)
{
    zmq_msg_t part[8];                  //  a request has 7 frames; extra ones are dropped
    int n = 0;
    bool more = true;
    while (more) {
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        if (zmq_msg_recv (&msg, self->zap, 0) < 0) {
            zmq_msg_close (&msg);
            break;
        }
        more = zmq_msg_more (&msg);
        if (n < 8) {
            zmq_msg_init (&part[n]);
            zmq_msg_move (&part[n++], &msg);
        }
        zmq_msg_close (&msg);
    }
    if (n < 2) {
        for (int i = 0; i < n; i++)
            zmq_msg_close (&part[i]);
        return;
    }
    char domain[32] = "", address[64] = "", key[ML_KEY_LEN + 1] = "";
    if (n > 2)
        snprintf (domain, sizeof domain, "%.*s", (int) zmq_msg_size (&part[2]), (char *) zmq_msg_data (&part[2]));
    if (n > 3)
        snprintf (address, sizeof address, "%.*s", (int) zmq_msg_size (&part[3]), (char *) zmq_msg_data (&part[3]));
    bool curve = n >= 7 && s_msg_is (&part[0], "1.0") && s_msg_is (&part[5], "CURVE")
              && zmq_msg_size (&part[6]) == 32;
    if (curve)
        zmq_z85_encode (key, zmq_msg_data (&part[6]), 32);

    const ml_principal_t *who = curve ? ml_registry_by_key (self->registry, key) : NULL;
    bool ingest = strcmp (domain, "ingest") == 0;
    if (!curve)
        ml_warn ("refused a handshake without a CURVE key on %s from %s", domain, address);
    else
    if (!who)
        ml_warn ("refused unregistered key %s on %s from %s", key, domain, address);
    else
    if (ingest && who->kind != ML_PRINCIPAL_AGENT)
        ml_warn ("refused key %s of %s on ingest from %s (only agents may send events)",
                 key, who->user_id, address);
    else
    if (!ingest && strcmp (domain, "query") != 0) {
        ml_warn ("refused key %s of %s on unknown ZAP domain '%s'", key, who->user_id, domain);
        who = NULL;
    }
    bool ok = who && (!ingest || who->kind == ML_PRINCIPAL_AGENT);
    if (ok)
        ml_debug ("accepted %s on %s from %s", who->user_id, domain, address);
    s_zap_reply (self->zap, &part[1], ok ? "200" : "400", ok ? "OK" : "key not registered",
                 ok ? who->user_id : "");
    for (int i = 0; i < n; i++)
        zmq_msg_close (&part[i]);
}

static void
s_reject_to_pb (const ml_reject_t *r, Massline__Reject *pb)
{
    massline__reject__init (pb);
    pb->seq = r->seq;
    pb->code = (char *) r->code;
    pb->reason = (char *) r->reason;
    pb->ref = r->ref[0] ? (char *) r->ref : NULL;
}

//  Fills PTRS/ARRAY (N entries, malloc'd into *ARRAY) for a repeated Reject field.
static Massline__Reject **
s_rejects_to_pb (const ml_reject_t *rejects, size_t n, Massline__Reject **array)
{
    *array = NULL;
    if (!n)
        return NULL;
    Massline__Reject **ptrs = malloc (n * sizeof *ptrs);
    *array = malloc (n * sizeof **array);
    if (!ptrs || !*array) {
        free (ptrs);
        free (*array);
        *array = NULL;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        s_reject_to_pb (&rejects[i], &(*array)[i]);
        ptrs[i] = &(*array)[i];
    }
    return ptrs;
}

// ---------------------------------------------------------------------------
// Ingest.

//  Marks the envelopes of BATCH (in self->envs) that the agent held back as too big to send
//  (Batch.withheld, with an empty event): DATA NULL, LEN their size; the store rejects them.
static void
s_withheld (ml_serve_t *self, const Massline__Batch *batch)
{
    uint64_t first = batch->n_events ? batch->events[0]->seq : 0;
    for (size_t i = 0; i < batch->n_withheld; i++) {
        const Massline__Withheld *w = batch->withheld[i];
        if (w->seq < first || w->seq - first >= batch->n_events)
            continue;
        ml_envelope_t *env = &self->envs[w->seq - first];
        if (env->seq == w->seq && env->len == 0 && w->size > 0)
            *env = (ml_envelope_t) { w->seq, NULL, (size_t) w->size };
    }
}

//  Answers a batch refused for a conflict: an Error naming the seq, and one warning per conflict
//  (naming agent and unit) however often the agent retries.
static void
s_refuse_conflict (ml_serve_t *self, s_pending_t *p)
{
    uint64_t seq = p->res.conflict_seq;
    if (self->conflict_who != p->who || self->conflict_seq != seq)
        ml_warn ("agent %s (unit %s): batch refused: %s; two outboxes use this key (a copied "
                 "bundle, or an outbox restored from a backup): its events are kept at the agent "
                 "until it has a key of its own", p->who->id, p->who->unit, p->errmsg);
    self->conflict_who = p->who;
    self->conflict_seq = seq;
    size_t used = strlen (p->errmsg);
    snprintf (p->errmsg + used, sizeof p->errmsg - used, "; the collector has other events from "
              "this key under these seqs: give a copied agent bundle (or an outbox restored from a "
              "backup) a key of its own (docs/delivery.md)");
    Massline__Error error = MASSLINE__ERROR__INIT;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    error.code = (char *) "conflict";
    error.message = p->errmsg;
    error.has_seq = seq != 0;
    error.seq = seq;
    frame.msg_case = MASSLINE__FRAME__MSG_ERROR;
    frame.error = &error;
    ml_serve_send (self->ingest, p->rid, p->rid_len, p->delim, &frame);
}

//  Applies pending batches [FROM, TO) in one write transaction and commits. Returns 0, or the
//  failure: then nothing of them is stored and their sequence verdicts are void.
static int
s_apply_range (ml_serve_t *self, size_t from, size_t to, ml_day_t today, int64_t now)
{
    int rc = 0;
    ml_store_txn_t *txn = ml_store_begin (self->store, true, &rc);
    for (size_t i = from; i < to && txn && !rc; i++) {
        s_pending_t *p = &self->pending[i];
        if (p->errcode)
            continue;
        Massline__Batch *batch = p->frame->batch;
        if (batch->n_events > self->envcap) {
            ml_envelope_t *grown = realloc (self->envs, batch->n_events * sizeof *grown);
            if (!grown) {
                rc = ML_ENOMEM;
                break;
            }
            self->envs = grown;
            self->envcap = batch->n_events;
        }
        for (size_t j = 0; j < batch->n_events; j++)
            self->envs[j] = (ml_envelope_t) { batch->events[j]->seq, batch->events[j]->event.data,
                                              batch->events[j]->event.len };
        s_withheld (self, batch);
        rc = ml_store_apply_batch (txn, p->who->id, p->who->unit, self->envs, batch->n_events,
                                   today, now, &p->res, p->errmsg, sizeof p->errmsg);
        if (rc == ML_EPROTO || rc == ML_ECONFLICT) {
            //  nothing of this batch was applied
            p->errcode = rc == ML_EPROTO ? "sequence" : "conflict";
            rc = 0;
        }
    }
    if (!txn)
        return rc;
    if (rc)
        ml_store_abort (&txn);
    else
        rc = ml_store_commit (&txn);
    for (size_t i = from; rc && i < to; i++)
        if (self->pending[i].errcode && (strcmp (self->pending[i].errcode, "sequence") == 0
                                     ||  strcmp (self->pending[i].errcode, "conflict") == 0))
            self->pending[i].errcode = NULL;
    return rc;
}

//  Marks pending batch P refused because the store failed with RC; the log says why (the store's
//  explanation: "... short write: No space left on device").
static void
s_refuse (ml_serve_t *self, s_pending_t *p, int rc)
{
    p->errcode = rc == ML_EFULL ? "full" : "storage";
    snprintf (p->errmsg, sizeof p->errmsg, "the collector could not store the batch: %s", ml_strerror (rc));
    if (rc == ML_EFULL)
        ml_error ("storage full: batch from agent %s refused: %s", p->who->id,
                  ml_store_error (self->store));
    else
        ml_error ("storage error (%s): batch from agent %s refused: %s", ml_strerror (rc), p->who->id,
                  ml_store_error (self->store));
}

//  The unit's years for a Welcome or an Ack (the agent shows a return's reason in its status).
typedef struct {
    Massline__YearState **ptrs;
    size_t n, cap;
} s_years_t;

static int
s_year_to_pb (void *arg, const char *unit, const ml_year_t *y)
{
    (void) unit;
    s_years_t *ys = arg;
    if (ys->n == ys->cap) {
        size_t cap = ys->cap ? 2 * ys->cap : 4;
        Massline__YearState **grown = realloc (ys->ptrs, cap * sizeof *grown);
        if (!grown)
            return ML_ENOMEM;
        ys->ptrs = grown;
        ys->cap = cap;
    }
    Massline__YearState *pb = calloc (1, sizeof *pb);
    if (!pb)
        return ML_ENOMEM;
    massline__year_state__init (pb);
    pb->year = (uint32_t) y->year;
    pb->state = strdup (ml_year_state_name (y->state));
    pb->version = y->version;
    if (y->decided_by[0])
        pb->decided_by = strdup (y->decided_by);
    if (y->decided_at) {
        char at[32];
        time_t tt = (time_t) y->decided_at;
        struct tm tm;
        gmtime_r (&tt, &tm);
        strftime (at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", &tm);
        pb->decided_at = strdup (at);
    }
    if (y->reason[0])
        pb->reason = strdup (y->reason);
    ys->ptrs[ys->n++] = pb;
    return 0;
}

static void
s_years_free (s_years_t *ys)
{
    for (size_t i = 0; i < ys->n; i++) {
        free (ys->ptrs[i]->state);
        free (ys->ptrs[i]->decided_by);
        free (ys->ptrs[i]->decided_at);
        free (ys->ptrs[i]->reason);
        free (ys->ptrs[i]);
    }
    free (ys->ptrs);
}

//  Applies every pending batch in one write transaction, commits once, then answers each.
static void
s_flush_group (ml_serve_t *self)
{
    if (!self->npending)
        return;
    ml_day_t today = ml_date_today ();
    int64_t now = (int64_t) time (NULL);
    int rc = s_apply_range (self, 0, self->npending, today, now);
    //  A full map may still take the batches one by one: retry so that a big group does not
    //  block delivery that would fit. Otherwise refuse them all; the agents retry.
    for (size_t i = 0; rc && i < self->npending; i++) {
        int one = rc == ML_EFULL && self->npending > 1 ? s_apply_range (self, i, i + 1, today, now) : rc;
        if (one)
            s_refuse (self, &self->pending[i], one);
    }
    //  Answer in arrival order, then log one line per agent. Each ack tells the unit's years.
    int yrc = 0;
    ml_store_txn_t *ytxn = ml_store_begin (self->store, false, &yrc);
    for (size_t i = 0; i < self->npending; i++) {
        s_pending_t *p = &self->pending[i];
        if (p->errcode && strcmp (p->errcode, "conflict") == 0) {
            s_refuse_conflict (self, p);
            continue;
        }
        if (p->errcode) {
            if (strcmp (p->errcode, "sequence") == 0)
                ml_warn ("agent %s: batch refused: %s", p->who->id, p->errmsg);
            ml_serve_send_error (self->ingest, p->rid, p->rid_len, p->delim, p->errcode, p->errmsg);
            continue;
        }
        Massline__Ack ack = MASSLINE__ACK__INIT;
        Massline__Frame frame = MASSLINE__FRAME__INIT;
        Massline__Reject *array;
        ack.through_seq = p->res.through_seq;
        ack.rejects = s_rejects_to_pb (p->res.rejects, p->res.nrejects, &array);
        ack.n_rejects = ack.rejects ? p->res.nrejects : 0;
        s_years_t years = { 0 };
        if (ytxn)
            ml_chain_years_each (ytxn, p->who->unit, s_year_to_pb, &years);
        ack.years = years.ptrs;
        ack.n_years = years.n;
        frame.msg_case = MASSLINE__FRAME__MSG_ACK;
        frame.ack = &ack;
        ml_serve_send (self->ingest, p->rid, p->rid_len, p->delim, &frame);
        free (ack.rejects);
        free (array);
        s_years_free (&years);
    }
    ml_store_abort (&ytxn);
    for (size_t i = 0; i < self->npending; i++) {
        s_pending_t *p = &self->pending[i];
        if (p->errcode || !p->who)
            continue;
        size_t stored = 0, rejected = 0, dups = 0;
        uint64_t first = 0, last = 0;
        const ml_principal_t *who = p->who;
        for (size_t j = i; j < self->npending; j++) {
            s_pending_t *q = &self->pending[j];
            if (q->errcode || q->who != who)
                continue;
            stored += q->res.stored;
            rejected += q->res.nrejects;
            dups += q->res.duplicates;
            if (q->res.first_new && (!first || q->res.first_new < first))
                first = q->res.first_new;
            if (q->res.last_new > last)
                last = q->res.last_new;
            if (j > i)
                q->who = NULL;          //  logged with this one
        }
        if (first)
            ml_info ("agent %s: stored %zu events (seq %" PRIu64 "..%" PRIu64 "), %zu rejected%s",
                     who->id, stored, first, last, rejected, dups ? ", some duplicates skipped" : "");
        else
            ml_info ("agent %s: %zu duplicate events acknowledged, nothing new", who->id, dups);
    }
    for (size_t i = 0; i < self->npending; i++)
        ml_wire_free (&self->pending[i].frame);
    self->npending = 0;
    //  A submission or restatement just stored: its document is frozen now (ml_query_chain.h).
    int frozen = ml_query_chain_freeze (self->store, self->registry, self->rules);
    if (frozen > 0)
        ml_info ("froze %d submitted document%s", frozen, frozen == 1 ? "" : "s");
    else
    if (frozen < 0)
        ml_error ("could not freeze a submitted document: %s: %s", ml_strerror (frozen),
                  ml_store_error (self->store));
}

static void
s_hello (ml_serve_t *self, ml_serve_msg_t *m, Massline__Hello *hello)
{
    const ml_principal_t *who = m->who;
    int rc = 0;
    uint64_t hwm = 0;
    ml_reject_t *rejects = NULL;
    size_t n = 0;
    ml_store_txn_t *txn = ml_store_begin (self->store, true, &rc);
    if (txn)
        rc = ml_store_hello (txn, who->id, who->unit, hello->acked_seq, (int64_t) time (NULL),
                             &hwm, &rejects, &n);
    if (txn) {
        int crc = ml_store_commit (&txn);
        rc = rc ? rc : crc;
    }
    //  A full disk only loses the last_seen update; the answer itself was read.
    if (rc == ML_EFULL)
        ml_warn ("storage full: could not note that agent %s was seen: %s", who->id,
                 ml_store_error (self->store));
    else
    if (rc) {
        ml_error ("agent %s: cannot read its state: %s: %s", who->id, ml_strerror (rc),
                  ml_store_error (self->store));
        ml_serve_send_error (self->ingest, m->rid, m->rid_len, m->delim, "storage", ml_strerror (rc));
        free (rejects);
        return;
    }
    Massline__Welcome welcome = MASSLINE__WELCOME__INIT;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    Massline__Reject *array;
    welcome.next_seq = hwm + 1;
    welcome.unit = (char *) who->unit;
    welcome.rejects = s_rejects_to_pb (rejects, n, &array);
    welcome.n_rejects = welcome.rejects ? n : 0;
    welcome.has_max_frame_bytes = 1;
    welcome.max_frame_bytes = (uint64_t) self->max_frame_bytes;
    s_years_t years = { 0 };
    txn = ml_store_begin (self->store, false, &rc);
    if (txn)
        ml_chain_years_each (txn, who->unit, s_year_to_pb, &years);
    ml_store_abort (&txn);
    welcome.years = years.ptrs;
    welcome.n_years = years.n;
    frame.msg_case = MASSLINE__FRAME__MSG_WELCOME;
    frame.welcome = &welcome;
    ml_serve_send (self->ingest, m->rid, m->rid_len, m->delim, &frame);
    ml_info ("agent %s (unit %s) connected; expects seq %" PRIu64 "%s", who->id, who->unit, hwm + 1,
             n ? ", rejects resent" : "");
    free (welcome.rejects);
    free (array);
    free (rejects);
    s_years_free (&years);
}

//  Takes one ingest message: a Batch joins the group; anything else first flushes the group,
//  so that answers to one agent keep their order.
static void
s_ingest_one (ml_serve_t *self, ml_serve_msg_t *m, size_t *events)
{
    Massline__Frame *frame = ml_serve_unpack (self->ingest, m, "ingest");
    if (!frame) {
        s_flush_group (self);
        return;
    }
    const ml_principal_t *who = m->who;
    if (frame->msg_case == MASSLINE__FRAME__MSG_BATCH) {
        const char *claimed = frame->batch->unit;
        if (claimed && *claimed && strcmp (claimed, who->unit) != 0) {
            s_flush_group (self);
            ml_warn ("agent %s claimed unit %s; batch refused", who->id, claimed);
            char msg[256];
            snprintf (msg, sizeof msg, "this key belongs to unit %s, not %s", who->unit, claimed);
            ml_serve_send_error (self->ingest, m->rid, m->rid_len, m->delim, "unit", msg);
            ml_wire_free (&frame);
            return;
        }
        s_pending_t *p = &self->pending[self->npending++];
        memcpy (p->rid, m->rid, m->rid_len);
        p->rid_len = m->rid_len;
        p->delim = m->delim;
        p->who = who;
        p->frame = frame;
        p->errcode = NULL;
        *events += frame->batch->n_events;
        return;
    }
    s_flush_group (self);
    if (frame->msg_case == MASSLINE__FRAME__MSG_HELLO)
        s_hello (self, m, frame->hello);
    else {
        ml_warn ("ingest: unexpected message (frame case %d) from %s", frame->msg_case, who->user_id);
        ml_serve_send_error (self->ingest, m->rid, m->rid_len, m->delim, "unexpected",
                             "the ingest endpoint takes Hello and Batch");
    }
    ml_wire_free (&frame);
}

//  Drains the ingest socket (up to a group's worth), then commits the group; holds the writer
//  lock throughout (a Hello writes too).
static void
s_ingest_ready (ml_serve_t *self)
{
    size_t events = 0;
    pthread_mutex_lock (&self->writer);
    while (self->npending < GROUP_BATCHES && events < GROUP_EVENTS) {
        ml_serve_msg_t m;
        int rc = ml_serve_recv (self->ingest, self->registry, &m);
        if (rc == ML_ENOTFOUND)
            break;
        if (rc)
            continue;
        s_ingest_one (self, &m, &events);
        zmq_msg_close (&m.payload);
    }
    s_flush_group (self);
    pthread_mutex_unlock (&self->writer);
}

// ---------------------------------------------------------------------------
// The loop.

int
ml_serve_run (ml_serve_t *self, volatile sig_atomic_t *stop)
{
    ml_info ("serving ingest on %s, query on %s; %zu units, %zu agents, %zu client%s; rules %s (%zu)",
             self->ingest_ep, self->query_ep, ml_registry_unit_count (self->registry),
             ml_registry_count (self->registry, ML_PRINCIPAL_AGENT),
             ml_registry_count (self->registry, ML_PRINCIPAL_CLIENT),
             ml_registry_count (self->registry, ML_PRINCIPAL_CLIENT) == 1 ? "" : "s",
             ml_ruleset_id (self->rules), ml_ruleset_size (self->rules));
    char err[256];
    ml_serve_query_cfg_t qcfg = { self->ctx, self->query, self->store, self->registry, self->rules,
                                  self->due_day, &self->writer, self->query_workers,
                                  self->query_queue, self->query_cache };
    ml_serve_query_t *queries = ml_serve_query_start (&qcfg, err, sizeof err);
    if (!queries) {
        ml_error ("%s", err);
        return ML_EIO;
    }
    zmq_pollitem_t items[] = {
        { self->zap, 0, ZMQ_POLLIN, 0 },
        { self->ingest, 0, ZMQ_POLLIN, 0 },
    };
    int rc = 0;
    while (!*stop) {
        if (zmq_poll (items, 2, 500) < 0) {
            if (zmq_errno () == EINTR)
                continue;
            ml_error ("poll failed: %s", zmq_strerror (zmq_errno ()));
            rc = ML_EIO;
            break;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            int events = 0;
            size_t size = sizeof events;
            do
                s_zap_one (self);
            while (zmq_getsockopt (self->zap, ZMQ_EVENTS, &events, &size) == 0 && (events & ZMQ_POLLIN));
        }
        if (items[1].revents & ZMQ_POLLIN)
            s_ingest_ready (self);
    }
    ml_serve_query_stop (&queries);
    if (rc)
        return rc;
    ml_info ("stopping");
    return 0;
}
