/* ml_forward.c -- the forwarding loop: one DEALER socket per connection, Hello/Welcome, windowed
   Batches, Acks written back to the outbox. See ml_forward.h and design.md "Delivery".

   States: DOWN (no socket; waiting out a back-off) -> CONNECTING (socket made; ZMQ_IMMEDIATE
   makes it writable only once the CURVE handshake is done) -> HELLO (Hello sent, awaiting
   Welcome) -> STREAM (sending batches from send_seq on, at most `window` unacknowledged).
   Any silence longer than ack_timeout while awaiting an answer, a lost connection or a
   collector Error drops the socket; the next socket starts over with Hello, so a late reply
   from an old connection can never be mistaken for a current one.

   Back-off: each drop doubles it, from 100 ms to 5 s. A Welcome resets it, unless the collector
   refuses our batches (an Error such as "full"): then only an Ack, real progress, resets it, so
   a full collector sees one Hello and one batch every 5 s, not ten a second. The refusal is
   logged when it starts or changes, and its end once ("takes batches again").

   Nothing counts as acknowledged unless the collector applied these very bytes: a Welcome that
   expects a seq beyond our acked_seq makes us send the seqs in between again, and the collector
   compares them with what it stored (a copied bundle or a restored outbox would otherwise have
   its events taken for duplicates and dropped). It refuses a difference with an Error
   "conflict"; `flush` stops there, `run` backs off, and `status` shows it (docs/delivery.md).
   A batch stays under the collector's max_frame_bytes; an event too big for any frame goes
   without its bytes (Batch.withheld), to be rejected rather than to block the unit. */
#include "ml_forward.h"
#include "ml_err.h"
#include "ml_log.h"
#include "ml_wire.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define S_BACKOFF_MIN_MS 100
#define S_BACKOFF_MAX_MS 5000
#define S_IDLE_POLL_MS 50          //  how often an idle forwarder looks for new events

typedef enum { S_DOWN, S_CONNECTING, S_HELLO, S_STREAM } s_state_t;

struct ml_forward {
    ml_outbox_t *outbox;        //  borrowed
    char *endpoint;             //  collector ingest endpoint
    char *unit;                 //  unit named in agent.ini, or NULL
    char server_key[41], public_key[41], secret_key[41];
    size_t batch_size, window;
    int ack_timeout_ms;
    void *ctx;                  //  ZeroMQ context
    void *sock;                 //  DEALER to the collector, NULL while DOWN
    void *mon;                  //  PAIR receiving the DEALER's monitor events
    unsigned generation;        //  sockets made so far (names the monitor endpoint)
    s_state_t state;
    int64_t since;              //  when CONNECTING began
    int64_t last_heard;         //  when we last heard from (or first spoke to) the collector
    int64_t reconnect_at;       //  DOWN until then
    int backoff_ms;             //  next back-off
    bool refused;               //  the collector refuses our batches (full...): keep backing off
    char refusal[32];           //  the Error code of that refusal, logged once per change
    bool warned_unreachable;    //  "cannot reach" said once per outage
    int trouble;                //  last handshake trouble logged (monitor event), 0: none
    uint64_t send_seq;          //  next seq to send
    uint64_t top;               //  highest seq in the outbox (cached)
    uint64_t acked;             //  acked_seq of the outbox (cached)
    uint64_t events;            //  events in the outbox (cached)
    uint64_t renumbered;        //  the outbox's renumbering offset (cached)
    uint64_t *inflight;         //  last seq of each unacknowledged batch, oldest first
    size_t n_inflight;
    Massline__Envelope *envs;   //  batch_size envelopes, reused for every batch
    Massline__Envelope **env_ptrs;
    Massline__Withheld *held;   //  batch_size withheld notes, likewise
    Massline__Withheld **held_ptrs;
    size_t frame_max;           //  the collector's max_frame_bytes (as its Welcome said)
    size_t event_max;           //  the biggest event a frame carries
    Massline__Frame *welcome;   //  a Welcome whose rejects wait for the Ack through its
                                //  next_seq - 1 (those seqs are being compared), or NULL
    uint64_t target;            //  ml_forward_run's TARGET: nonzero (flush) ends on a conflict
    Massline__Frame **acks;     //  Acks received but not yet written to the outbox (owned)
    size_t n_acks, max_acks;
    int64_t ack_log_at;         //  acks are logged at most once a second
    uint64_t ack_log_through;   //  highest through_seq not yet logged, 0: none
    uint64_t ack_log_rejects;   //  rejects received since the last log line
    ml_forward_tick_fn *tick;   //  called every tick_ms, or NULL
    void *tick_arg;
    int tick_ms;
    int64_t tick_at;            //  when the next call is due
};

int64_t
ml_forward_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
s_free_buf (void *data, void *hint)
{
    (void) hint;
    free (data);
}

//  Packs FRAME and sends it without blocking. Returns 0, 1 when it would block, or ML_EIO.
static int
s_send (ml_forward_t *self, Massline__Frame *frame)
{
    size_t len;
    uint8_t *buf = ml_wire_pack (frame, &len);
    if (!buf)
        return ML_ENOMEM;
    zmq_msg_t msg;
    zmq_msg_init_data (&msg, buf, len, s_free_buf, NULL);
    if (zmq_msg_send (&msg, self->sock, ZMQ_DONTWAIT) >= 0)
        return 0;
    int e = errno;
    zmq_msg_close (&msg);
    if (e == EAGAIN)
        return 1;
    ml_error ("cannot send to collector %s: %s", self->endpoint, zmq_strerror (e));
    return ML_EIO;
}

static void
s_close_socket (ml_forward_t *self)
{
    if (self->sock) {
        zmq_socket_monitor (self->sock, NULL, 0);
        zmq_close (self->sock);
        self->sock = NULL;
    }
    if (self->mon) {
        zmq_close (self->mon);
        self->mon = NULL;
    }
}

//  Drops the connection and schedules the next one after a growing back-off.
static void
s_drop (ml_forward_t *self)
{
    s_close_socket (self);
    ml_wire_free (&self->welcome);      //  the next Welcome brings its rejects again
    self->state = S_DOWN;
    self->n_inflight = 0;
    self->reconnect_at = ml_forward_now_ms () + self->backoff_ms;
    self->backoff_ms *= 2;
    if (self->backoff_ms > S_BACKOFF_MAX_MS)
        self->backoff_ms = S_BACKOFF_MAX_MS;
}

static int
s_setopt_int (void *sock, int opt, int value)
{
    return zmq_setsockopt (sock, opt, &value, sizeof value);
}

//  Makes a DEALER with our CURVE keys and options, watched by a monitor, connecting to the
//  collector. Returns 0 or ML_EINVAL (bad key or endpoint; ERR says which).
static int
s_open_socket (ml_forward_t *self, char *err, size_t errlen)
{
    self->sock = zmq_socket (self->ctx, ZMQ_DEALER);
    if (!self->sock) {
        snprintf (err, errlen, "cannot create a socket: %s", zmq_strerror (errno));
        return ML_EIO;
    }
    if (zmq_setsockopt (self->sock, ZMQ_CURVE_SERVERKEY, self->server_key, 41)
    ||  zmq_setsockopt (self->sock, ZMQ_CURVE_PUBLICKEY, self->public_key, 41)
    ||  zmq_setsockopt (self->sock, ZMQ_CURVE_SECRETKEY, self->secret_key, 41)) {
        snprintf (err, errlen, "CURVE keys not accepted: %s", zmq_strerror (errno));
        goto fail;
    }
    s_setopt_int (self->sock, ZMQ_LINGER, 0);
    s_setopt_int (self->sock, ZMQ_IMMEDIATE, 1);
    s_setopt_int (self->sock, ZMQ_HEARTBEAT_IVL, 1000);
    s_setopt_int (self->sock, ZMQ_HEARTBEAT_TIMEOUT, 5000);
    s_setopt_int (self->sock, ZMQ_HEARTBEAT_TTL, 10000);
    s_setopt_int (self->sock, ZMQ_RECONNECT_IVL, 100);
    s_setopt_int (self->sock, ZMQ_RECONNECT_IVL_MAX, 5000);
    s_setopt_int (self->sock, ZMQ_HANDSHAKE_IVL, self->ack_timeout_ms);

    char monep[64];
    snprintf (monep, sizeof monep, "inproc://ml-forward-%p-%u", (void *) self, ++self->generation);
    int events = ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED
               | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
               | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
    if (zmq_socket_monitor (self->sock, monep, events)
    ||  !(self->mon = zmq_socket (self->ctx, ZMQ_PAIR))
    ||  s_setopt_int (self->mon, ZMQ_LINGER, 0)
    ||  zmq_connect (self->mon, monep)) {
        snprintf (err, errlen, "cannot monitor the socket: %s", zmq_strerror (errno));
        goto fail;
    }
    if (zmq_connect (self->sock, self->endpoint)) {
        snprintf (err, errlen, "collector = %s: cannot connect: %s", self->endpoint,
                  zmq_strerror (errno));
        goto fail;
    }
    self->state = S_CONNECTING;
    self->since = ml_forward_now_ms ();
    return 0;
fail:
    s_close_socket (self);
    return ML_EINVAL;
}

ml_forward_t *
ml_forward_new (ml_outbox_t *outbox, const ml_forward_cfg_t *cfg, char *err, size_t errlen)
{
    ml_forward_t *self = calloc (1, sizeof *self);
    if (!self)
        goto nomem;
    self->outbox = outbox;
    self->batch_size = cfg->batch_size ? cfg->batch_size : 1000;
    self->window = cfg->window ? cfg->window : 8;
    self->ack_timeout_ms = cfg->ack_timeout_ms > 0 ? cfg->ack_timeout_ms : 5000;
    self->backoff_ms = S_BACKOFF_MIN_MS;
    snprintf (self->server_key, sizeof self->server_key, "%s", cfg->server_key);
    snprintf (self->public_key, sizeof self->public_key, "%s", cfg->public_key);
    snprintf (self->secret_key, sizeof self->secret_key, "%s", cfg->secret_key);
    self->endpoint = strdup (cfg->endpoint);
    self->unit = cfg->unit && *cfg->unit ? strdup (cfg->unit) : NULL;
    self->inflight = calloc (self->window, sizeof *self->inflight);
    self->envs = calloc (self->batch_size, sizeof *self->envs);
    self->env_ptrs = calloc (self->batch_size, sizeof *self->env_ptrs);
    self->held = calloc (self->batch_size, sizeof *self->held);
    self->held_ptrs = calloc (self->batch_size, sizeof *self->held_ptrs);
    self->ctx = zmq_ctx_new ();
    if (!self->endpoint || !self->inflight || !self->envs || !self->env_ptrs || !self->held
    ||  !self->held_ptrs || !self->ctx)
        goto nomem;
    for (size_t i = 0; i < self->batch_size; i++) {
        massline__envelope__init (&self->envs[i]);
        self->env_ptrs[i] = &self->envs[i];
        massline__withheld__init (&self->held[i]);
        self->held_ptrs[i] = &self->held[i];
    }
    self->event_max = ml_outbox_event_max (outbox, &self->frame_max);
    //  a first socket, closed again at once, proves the keys and the endpoint usable
    if (s_open_socket (self, err, errlen))
        goto fail;
    s_close_socket (self);
    self->state = S_DOWN;
    return self;
nomem:
    snprintf (err, errlen, "out of memory");
fail:
    ml_forward_destroy (&self);
    return NULL;
}

void
ml_forward_destroy (ml_forward_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_forward_t *self = *self_p;
    s_close_socket (self);
    if (self->ctx)
        zmq_ctx_term (self->ctx);
    free (self->endpoint);
    free (self->unit);
    for (size_t i = 0; i < self->n_acks; i++)
        ml_wire_free (&self->acks[i]);
    free (self->acks);
    free (self->inflight);
    free (self->envs);
    free (self->env_ptrs);
    free (self->held);
    free (self->held_ptrs);
    ml_wire_free (&self->welcome);
    explicit_bzero (self->secret_key, sizeof self->secret_key);
    free (self);
    *self_p = NULL;
}

//  Re-reads acked_seq, the top seq and the event count from the outbox.
static int
s_refresh (ml_forward_t *self)
{
    ml_outbox_stat_t st;
    int rc = ml_outbox_stat (self->outbox, &st);
    if (rc) {
        ml_error ("outbox %s: %s", ml_outbox_dir (self->outbox), ml_outbox_error (self->outbox));
        return rc;
    }
    self->acked = st.acked_seq;
    self->top = st.next_seq - 1;
    self->events = st.events;
    self->renumbered = st.renumbered;
    return 0;
}

static void
s_log_acks (ml_forward_t *self, bool force)
{
    int64_t now = ml_forward_now_ms ();
    if (!self->ack_log_through || (!force && now - self->ack_log_at < 1000))
        return;
    ml_info ("acknowledged through %llu (%llu rejected)",
             (unsigned long long) self->ack_log_through, (unsigned long long) self->ack_log_rejects);
    self->ack_log_at = now;
    self->ack_log_through = 0;
    self->ack_log_rejects = 0;
}

//  Keeps the bureau's word on the unit's years (from a Welcome or an Ack) in the outbox, for
//  `status`.
static void
s_keep_years (ml_forward_t *self, Massline__YearState *const *years, size_t n)
{
    json_t *list = json_array ();
    for (size_t i = 0; list && i < n; i++) {
        const Massline__YearState *y = years[i];
        json_array_append_new (list, json_pack ("{s:i, s:s, s:i, s:s?, s:s?, s:s?}",
            "year", (int) y->year, "state", y->state, "version", (int) y->version,
            "decided_by", y->decided_by, "decided_at", y->decided_at, "reason", y->reason));
    }
    char *text = list ? json_dumps (list, JSON_COMPACT) : NULL;
    if (text && ml_outbox_set_years (self->outbox, text))
        ml_warn ("outbox %s: cannot keep the bureau's decisions: %s", ml_outbox_dir (self->outbox),
                 ml_outbox_error (self->outbox));
    free (text);
    json_decref (list);
}

//  Writes an acknowledgement through THROUGH, with the rejects of the COUNT lists in LISTS, to
//  the outbox in one durable transaction (which also records the contact).
static int
s_store_ack (ml_forward_t *self, uint64_t through, Massline__Reject **const *lists,
             const size_t *counts, size_t count)
{
    size_t total = 0, n = 0;
    for (size_t i = 0; i < count; i++)
        total += counts[i];
    ml_outbox_reject_t *rs = calloc (total ? total : 1, sizeof *rs);
    if (!rs)
        return ML_ENOMEM;
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < counts[i]; j++) {
            Massline__Reject *r = lists[i][j];
            rs[n++] = (ml_outbox_reject_t) { r->seq, r->code, r->reason, r->ref, NULL, 0 };
            ml_debug ("collector rejected seq %llu%s%s: %s: %s", (unsigned long long) r->seq,
                      r->ref ? " ref " : "", r->ref ? r->ref : "", r->code, r->reason);
        }
    int rc = ml_outbox_ack (self->outbox, through, rs, n, (int64_t) time (NULL));
    free (rs);
    if (rc) {
        ml_error ("outbox %s: cannot record the acknowledgement: %s",
                  ml_outbox_dir (self->outbox), ml_outbox_error (self->outbox));
        return rc;
    }
    if (through > self->acked)
        self->acked = through;
    if (through > self->ack_log_through)
        self->ack_log_through = through;
    self->ack_log_rejects += n;
    return 0;
}

//  Writes the Acks received so far to the outbox, all in one transaction, and frees them.
static int
s_store_acks (ml_forward_t *self)
{
    if (self->n_acks == 0)
        return 0;
    Massline__Reject ***lists = calloc (self->n_acks + 1, sizeof *lists);
    size_t *counts = calloc (self->n_acks + 1, sizeof *counts);
    uint64_t through = 0;
    if (!lists || !counts) {
        free (lists);
        free (counts);
        return ML_ENOMEM;
    }
    for (size_t i = 0; i < self->n_acks; i++) {
        Massline__Ack *ack = self->acks[i]->ack;
        if (ack->through_seq > through)
            through = ack->through_seq;
        lists[i] = ack->rejects;
        counts[i] = ack->n_rejects;
    }
    //  the seqs the Welcome claimed are confirmed now: its rejects go with them
    Massline__Welcome *w = self->welcome ? self->welcome->welcome : NULL;
    bool confirmed = w && through + 1 >= w->next_seq;
    if (confirmed) {
        lists[self->n_acks] = w->rejects;
        counts[self->n_acks] = w->n_rejects;
    }
    int rc = s_store_ack (self, through, (Massline__Reject **const *) lists, counts,
                          self->n_acks + confirmed);
    if (confirmed)
        ml_wire_free (&self->welcome);
    Massline__Ack *last = self->acks[self->n_acks - 1]->ack;
    if (last->n_years)
        s_keep_years (self, last->years, last->n_years);
    free (lists);
    free (counts);
    for (size_t i = 0; i < self->n_acks; i++)
        ml_wire_free (&self->acks[i]);
    self->n_acks = 0;
    s_log_acks (self, false);
    return rc;
}

//  Takes a Welcome (*FRAME_P may be kept: then it becomes NULL).
static int
s_on_welcome (ml_forward_t *self, Massline__Frame **frame_p)
{
    Massline__Welcome *w = (*frame_p)->welcome;
    uint64_t expect = w->next_seq ? w->next_seq : 1;
    s_keep_years (self, w->years, w->n_years);
    //  while the collector refuses our batches, each retry's Welcome is no news
    ml_log (self->refused ? ML_LOG_DEBUG : ML_LOG_INFO, "connected to %s (unit %s); collector "
            "expects seq %llu", self->endpoint, w->unit, (unsigned long long) expect);
    if (self->unit && strcmp (self->unit, w->unit) != 0)
        ml_warn ("agent.ini names unit %s, but the collector holds this agent's key for unit %s",
                 self->unit, w->unit);
    int rc = s_refresh (self);
    if (rc)
        return rc;
    size_t frame_max = w->has_max_frame_bytes ? (size_t) w->max_frame_bytes : ML_FRAME_MAX_DEFAULT;
    if (frame_max != self->frame_max && (rc = ml_outbox_set_frame_max (self->outbox, frame_max))) {
        ml_error ("outbox %s: %s", ml_outbox_dir (self->outbox), ml_outbox_error (self->outbox));
        return rc;
    }
    self->event_max = ml_outbox_event_max (self->outbox, &self->frame_max);
    if (expect - 1 > self->top) {
        //  a new outbox (a replaced machine) goes on with the collector's numbering, as long as
        //  none of its events was ever sent
        uint64_t events = self->events, top = self->top;
        rc = ml_outbox_adopt (self->outbox, expect);
        if (rc == ML_EEXIST) {
            ml_error ("the collector has events through seq %llu from this agent, but outbox %s "
                      "only reaches seq %llu; not forwarding (wrong outbox for this key?)",
                      (unsigned long long) (expect - 1), ml_outbox_dir (self->outbox),
                      (unsigned long long) top);
            return ML_EPROTO;
        }
        if (rc) {
            ml_error ("outbox %s: %s", ml_outbox_dir (self->outbox), ml_outbox_error (self->outbox));
            return rc;
        }
        if ((rc = s_refresh (self)))
            return rc;
        if (events)
            ml_info ("outbox %s had never reached a collector; its %llu events are renumbered "
                     "%llu..%llu to follow the collector's", ml_outbox_dir (self->outbox),
                     (unsigned long long) events, (unsigned long long) (self->top - events + 1),
                     (unsigned long long) self->top);
        else
            ml_info ("outbox %s is empty; numbering continues at seq %llu as the collector expects",
                     ml_outbox_dir (self->outbox), (unsigned long long) expect);
    }
    if (expect <= self->acked)
        ml_warn ("collector expects seq %llu, but seqs through %llu were acknowledged before; "
                 "sending them again (collector restored from a backup?)",
                 (unsigned long long) expect, (unsigned long long) self->acked);
    //  also records the contact, which from now on forbids renumbering. Seqs the collector has
    //  but never acknowledged to us are sent again, for it to compare: they may be another
    //  outbox's events (a copied bundle, a restored outbox), and then ours are not duplicates.
    uint64_t through = expect - 1, verify = through > self->acked ? self->acked + 1 : 0;
    Massline__Reject **const lists[1] = { w->rejects };
    if ((rc = s_store_ack (self, verify ? self->acked : through, lists, &w->n_rejects, !verify)))
        return rc;
    if (verify) {
        ml_debug ("collector has seqs %llu..%llu, not acknowledged to us: sending them again",
                  (unsigned long long) verify, (unsigned long long) through);
        ml_wire_free (&self->welcome);
        self->welcome = *frame_p;
        *frame_p = NULL;
    }
    self->send_seq = verify ? verify : expect;
    self->n_inflight = 0;
    self->state = S_STREAM;
    if (!self->refused)         //  a Welcome is no progress while batches are refused
        self->backoff_ms = S_BACKOFF_MIN_MS;
    self->trouble = 0;
    self->warned_unreachable = false;
    return 0;
}

//  Takes an Ack (*FRAME_P becomes NULL): frees its batches' window credit at once; the Ack is
//  written to the outbox after the next batches went out (s_store_acks), so the collector
//  never waits for our disk. Returns 0 or ML_ENOMEM.
static int
s_on_ack (ml_forward_t *self, Massline__Frame **frame_p)
{
    if (self->n_acks == self->max_acks) {
        size_t max = self->max_acks ? self->max_acks * 2 : 16;
        Massline__Frame **grown = realloc (self->acks, max * sizeof *grown);
        if (!grown)
            return ML_ENOMEM;
        self->acks = grown;
        self->max_acks = max;
    }
    Massline__Frame *frame = *frame_p;
    *frame_p = NULL;
    self->acks[self->n_acks++] = frame;
    uint64_t through = frame->ack->through_seq;
    size_t done = 0;
    while (done < self->n_inflight && self->inflight[done] <= through)
        done++;
    memmove (self->inflight, self->inflight + done, (self->n_inflight - done) * sizeof *self->inflight);
    self->n_inflight -= done;
    if (through >= self->send_seq)
        self->send_seq = through + 1;
    ml_debug ("ack through %llu (%zu rejected)", (unsigned long long) through,
              frame->ack->n_rejects);
    if (self->refused) {
        ml_info ("collector %s takes batches again", self->endpoint);
        self->refused = false;
        self->refusal[0] = 0;
    }
    self->backoff_ms = S_BACKOFF_MIN_MS;
    return 0;
}

//  The collector refuses event SEQ because another outbox's event holds it: noted in the outbox
//  for `status`. Returns ML_ECONFLICT when this run has a target (flush), else 0 (retry).
static int
s_on_conflict (ml_forward_t *self, const Massline__Error *error)
{
    char text[1024];
    snprintf (text, sizeof text, "collector %s refuses seq %llu: %s", self->endpoint,
              (unsigned long long) error->seq, error->message);
    if (ml_outbox_set_trouble (self->outbox, error->seq, text))
        ml_error ("outbox %s: %s", ml_outbox_dir (self->outbox), ml_outbox_error (self->outbox));
    if (!self->target)
        return 0;
    ml_error ("%s; not forwarding", text);
    s_drop (self);
    return ML_ECONFLICT;
}

//  The collector answered with an Error other than "version" (full, storage, ...): drop the
//  connection and retry after the back-off, which keeps growing until an Ack. Logged once
//  per change of the refusal, not once per refusal.
static void
s_on_refusal (ml_forward_t *self, const Massline__Error *error)
{
    if (!self->refused || strcmp (self->refusal, error->code) != 0)
        ml_log (strcmp (error->code, "full") == 0 ? ML_LOG_WARN : ML_LOG_ERROR,
                "collector %s refuses batches: %s: %s; retrying with a growing back-off (up to "
                "%d s)", self->endpoint, error->code, error->message, S_BACKOFF_MAX_MS / 1000);
    else
        ml_debug ("collector refused again: %s: %s", error->code, error->message);
    self->refused = true;
    snprintf (self->refusal, sizeof self->refusal, "%s", error->code);
    s_drop (self);
}

//  Handles one frame from the collector (*FRAME_P may be kept: then it becomes NULL). Returns
//  0, or a fatal ml_err_t.
static int
s_on_frame (ml_forward_t *self, Massline__Frame **frame_p)
{
    Massline__Frame *f = *frame_p;
    switch (f->msg_case) {
        case MASSLINE__FRAME__MSG_WELCOME:
            if (self->state != S_HELLO) {
                ml_debug ("unexpected Welcome ignored");
                return 0;
            }
            return s_on_welcome (self, frame_p);
        case MASSLINE__FRAME__MSG_ACK:   //  (in STREAM, s_recv_all takes them)
            ml_debug ("unexpected Ack ignored");
            return 0;
        case MASSLINE__FRAME__MSG_ERROR:
            if (strcmp (f->error->code, "version") == 0) {
                ml_error ("collector refused: %s: %s", f->error->code, f->error->message);
                return ML_EPROTO;
            }
            if (strcmp (f->error->code, "conflict") == 0 && f->error->has_seq) {
                int rc = s_on_conflict (self, f->error);
                if (rc)
                    return rc;
            }
            s_on_refusal (self, f->error);
            return 0;
        default:
            ml_warn ("collector %s sent an unexpected message (type %d); ignored",
                     self->endpoint, (int) f->msg_case);
            return 0;
    }
}

static int s_fill_window (ml_forward_t *self);

//  Receives every waiting message; then sends what the freed window allows, and only then
//  writes the Acks to the outbox. Returns 0 or a fatal ml_err_t.
static int
s_recv_all (ml_forward_t *self)
{
    int rc = 0;
    while (self->sock && !rc) {
        //  take the last part of a multi-part message: a ROUTER may put an empty delimiter first
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        if (zmq_msg_recv (&msg, self->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close (&msg);
            break;
        }
        while (zmq_msg_more (&msg)) {
            zmq_msg_close (&msg);
            zmq_msg_init (&msg);
            if (zmq_msg_recv (&msg, self->sock, 0) < 0)
                break;
        }
        self->last_heard = ml_forward_now_ms ();
        int code = 0;
        char why[160];
        Massline__Frame *f = ml_wire_unpack (zmq_msg_data (&msg), zmq_msg_size (&msg),
                                             &code, why, sizeof why);
        zmq_msg_close (&msg);
        if (!f) {
            ml_error ("collector %s: %s", self->endpoint, why);
            if (code == ML_EPROTO)
                rc = ML_EPROTO;
            else
                s_drop (self);
        }
        else
        if (f->msg_case == MASSLINE__FRAME__MSG_ACK && self->state == S_STREAM)
            rc = s_on_ack (self, &f);
        else
        if ((rc = s_store_acks (self)) == 0)   //  what came before goes to disk first
            rc = s_on_frame (self, &f);
        ml_wire_free (&f);
    }
    if (!rc)
        rc = s_fill_window (self);
    int stored = s_store_acks (self);
    return rc ? rc : stored;
}

static void
s_on_monitor (ml_forward_t *self)
{
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    while (self->mon && zmq_msg_recv (&msg, self->mon, ZMQ_DONTWAIT) >= 0) {
        uint16_t event = 0;
        uint32_t value = 0;
        if (zmq_msg_size (&msg) >= 6) {
            memcpy (&event, zmq_msg_data (&msg), 2);
            memcpy (&value, (uint8_t *) zmq_msg_data (&msg) + 2, 4);
        }
        while (zmq_msg_more (&msg))   //  the endpoint part
            zmq_msg_recv (&msg, self->mon, 0);
        bool first = self->trouble != event;
        switch (event) {
            case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
                ml_debug ("CURVE handshake with %s done", self->endpoint);
                break;
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
                if (first)
                    ml_error ("collector %s refused this agent's key (ZAP status %u); is the "
                              "key in the collector's registry?", self->endpoint, value);
                self->trouble = event;
                break;
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
            case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
                if (first)
                    ml_error ("CURVE handshake with %s failed; is collector_key the collector's "
                              "public key?", self->endpoint);
                self->trouble = event;
                break;
            case ZMQ_EVENT_DISCONNECTED:
                if (self->state == S_HELLO || self->state == S_STREAM) {
                    ml_warn ("lost connection to collector %s; reconnecting", self->endpoint);
                    s_drop (self);
                }
                else if (!self->trouble) {
                    ml_warn ("collector %s closed the connection during the handshake (wrong "
                             "collector_key, or this agent's key not registered?)", self->endpoint);
                    self->trouble = event;
                }
                break;
            default:
                break;
        }
    }
    zmq_msg_close (&msg);
}

typedef struct {
    ml_forward_t *self;
    int result;                 //  0 sent, 1 would block / nothing to send, < 0 error
} s_batch_ctx_t;

//  Outbox visitor: packs the entries (consecutive from send_seq) into one Batch and sends it.
static int
s_batch_visit (const ml_outbox_entry_t *entries, size_t count, void *arg)
{
    s_batch_ctx_t *bc = arg;
    ml_forward_t *self = bc->self;
    bc->result = 1;
    if (count == 0)
        return 0;
    if (entries[0].seq != self->send_seq) {
        ml_error ("collector expects seq %llu, but outbox %s has no such event (next is %llu); "
                  "not forwarding", (unsigned long long) self->send_seq,
                  ml_outbox_dir (self->outbox), (unsigned long long) entries[0].seq);
        bc->result = ML_EPROTO;
        return 0;
    }
    //  as many as fit in a frame; one too big for any frame goes without its bytes
    size_t n = 0, n_held = 0, bytes = ML_BATCH_FRAMING;
    while (n < count && entries[n].seq == self->send_seq + n) {
        bool hold = entries[n].len > self->event_max;
        size_t size = (hold ? 0 : entries[n].len) + 64;
        if (n > 0 && bytes + size > self->frame_max)
            break;
        bytes += size;
        self->envs[n].seq = entries[n].seq;
        self->envs[n].event.data = hold ? NULL : (uint8_t *) entries[n].data;
        self->envs[n].event.len = hold ? 0 : entries[n].len;
        if (hold) {
            self->held[n_held].seq = entries[n].seq;
            self->held[n_held++].size = entries[n].len;
            ml_warn ("seq %llu is %zu bytes packed, more than a frame to collector %s may carry "
                     "(max_frame_bytes %zu): sent without it, to be rejected",
                     (unsigned long long) entries[n].seq, entries[n].len, self->endpoint,
                     self->frame_max);
        }
        n++;
    }
    Massline__Batch batch = MASSLINE__BATCH__INIT;
    batch.n_events = n;
    batch.events = self->env_ptrs;
    batch.n_withheld = n_held;
    batch.withheld = self->held_ptrs;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_BATCH;
    frame.batch = &batch;
    bc->result = s_send (self, &frame);
    if (bc->result == 0) {
        uint64_t last = self->send_seq + n - 1;
        if (self->n_inflight == 0)
            self->last_heard = ml_forward_now_ms ();   //  the ack clock starts now
        self->inflight[self->n_inflight++] = last;
        self->send_seq = last + 1;
        ml_debug ("sent batch %llu..%llu", (unsigned long long) (last - n + 1),
                  (unsigned long long) last);
    }
    return 0;
}

//  Sends batches while the window has room and the outbox has events; while the collector
//  refuses batches, one at a time (a probe: the rest would be refused out of sequence).
//  Returns 0 or ml_err_t.
static int
s_fill_window (ml_forward_t *self)
{
    size_t window = self->refused ? 1 : self->window;
    while (self->state == S_STREAM && self->n_inflight < window
       &&  self->send_seq <= self->top) {
        s_batch_ctx_t bc = { self, 0 };
        int rc = ml_outbox_read (self->outbox, self->send_seq, self->batch_size, s_batch_visit, &bc);
        if (rc) {
            ml_error ("outbox %s: %s", ml_outbox_dir (self->outbox), ml_outbox_error (self->outbox));
            return rc;
        }
        if (bc.result < 0)
            return bc.result;
        if (bc.result == 1)
            break;
    }
    return 0;
}

static int
s_send_hello (ml_forward_t *self)
{
    Massline__Hello hello = MASSLINE__HELLO__INIT;
    hello.acked_seq = self->acked;
    hello.has_next_seq = 1;
    hello.next_seq = self->top + 1;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_HELLO;
    frame.hello = &hello;
    int rc = s_send (self, &frame);
    if (rc == 0) {
        self->state = S_HELLO;
        self->last_heard = ml_forward_now_ms ();
        ml_debug ("Hello sent to %s (acked %llu, next %llu)", self->endpoint,
                  (unsigned long long) hello.acked_seq, (unsigned long long) hello.next_seq);
    }
    return rc < 0 ? rc : 0;
}

void
ml_forward_on_tick (ml_forward_t *self, ml_forward_tick_fn *fn, void *arg, int every_ms)
{
    self->tick = fn;
    self->tick_arg = arg;
    self->tick_ms = every_ms > 0 ? every_ms : 500;
    self->tick_at = 0;
}

//  Calls the tick when it is due; the time it takes is not the collector's silence.
static void
s_tick (ml_forward_t *self)
{
    int64_t now = ml_forward_now_ms ();
    if (!self->tick || now < self->tick_at)
        return;
    self->tick (self->tick_arg);
    int64_t took = ml_forward_now_ms () - now;
    self->last_heard += took;
    self->since += took;
    self->tick_at = now + took + self->tick_ms;
}

static int
s_min_timeout (int64_t timeout, int64_t until, int64_t now)
{
    if (until && until - now < timeout)
        timeout = until - now;
    return timeout < 0 ? 0 : (int) timeout;
}

int
ml_forward_run (ml_forward_t *self, uint64_t target, int64_t deadline_ms,
                volatile sig_atomic_t *stop)
{
    int ret = s_refresh (self);
    self->target = target;
    //  TARGET is in today's numbering; a renumbering (ml_outbox_adopt) moves it along
    uint64_t base = self->renumbered;
    while (!ret && !(stop && *stop)) {
        s_tick (self);
        if ((ret = s_refresh (self)))
            break;
        int64_t now = ml_forward_now_ms ();
        //  wake up for the next tick
        int64_t until = self->tick ? self->tick_at : 0;
        if (deadline_ms && (!until || deadline_ms < until))
            until = deadline_ms;
        if (target && self->acked >= target + (self->renumbered - base))
            break;
        if (deadline_ms && now >= deadline_ms) {
            ret = ML_ETIMEDOUT;
            break;
        }
        if (self->state == S_DOWN) {
            if (now < self->reconnect_at) {
                int ms = s_min_timeout (self->reconnect_at - now, until, now);
                struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
                nanosleep (&ts, NULL);
                continue;
            }
            char err[256];
            if ((ret = s_open_socket (self, err, sizeof err))) {
                ml_error ("%s", err);
                break;
            }
        }
        if ((ret = s_fill_window (self)))
            break;

        bool awaiting = self->state == S_HELLO || (self->state == S_STREAM && self->n_inflight > 0);
        int64_t timeout = S_IDLE_POLL_MS;
        if (awaiting) {
            int64_t left = self->last_heard + self->ack_timeout_ms - now;
            if (left <= 0) {
                ml_warn ("no answer from collector %s for %d s; reconnecting", self->endpoint,
                         (self->ack_timeout_ms + 999) / 1000);
                s_drop (self);
                continue;
            }
            timeout = left < 100 ? left : 100;
        }
        else
        if (self->state == S_CONNECTING && !self->warned_unreachable
        &&  now - self->since >= self->ack_timeout_ms) {
            ml_warn ("cannot reach collector %s yet; still trying", self->endpoint);
            self->warned_unreachable = true;
        }
        zmq_pollitem_t items[2] = {
            { self->sock, 0, ZMQ_POLLIN | (self->state == S_CONNECTING ? ZMQ_POLLOUT : 0), 0 },
            { self->mon, 0, ZMQ_POLLIN, 0 } };
        if (zmq_poll (items, 2, s_min_timeout (timeout, until, now)) < 0) {
            if (errno == EINTR)
                continue;
            ml_error ("zmq_poll: %s", zmq_strerror (errno));
            ret = ML_EIO;
            break;
        }
        if (items[1].revents & ZMQ_POLLIN)
            s_on_monitor (self);
        if (self->state == S_CONNECTING && (items[0].revents & ZMQ_POLLOUT))
            if ((ret = s_send_hello (self)))
                break;
        if (self->sock && (items[0].revents & ZMQ_POLLIN))
            if ((ret = s_recv_all (self)))
                break;
    }
    s_log_acks (self, true);
    s_close_socket (self);
    self->state = S_DOWN;
    self->reconnect_at = 0;
    return ret;
}
