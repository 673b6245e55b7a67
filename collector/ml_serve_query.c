/* ml_serve_query.c -- the collector's query endpoint: a ROUTER thread, a bounded queue fair between
   keys, and worker threads that answer from their own LMDB transactions (ml_serve_query.h).

   The query thread receives each request, unpacks it and puts it in its key's lane (the key is
   the ZAP user id; for a gateway, the account it asks for). A free worker takes the oldest request
   of the next lane in turn (round robin), never two of one connection at once (a client that
   pipelines gets its answers in order), answers it with its own transactions, and hands the packed
   answer back over inproc to the query thread, which alone sends on the ROUTER. At most
   cfg.queue requests wait, one key's at most half: the next one is answered Error "busy" at once
   rather than left to time out. A query that writes holds the daemon's writer lock (ml_serve.c).

   Reports that only read are answered through the cache (ml_query_cache.h): once who asks has been
   judged (ml_query_dispatch_check), an answer computed at the same store generation for the same
   day, scope, command and arguments is sent again; fifty clerks' dashboards cost one roll-up. */
#include "ml_serve_query.h"
#include "ml_err.h"
#include "ml_log.h"
#include "ml_query_cache.h"
#include "ml_query_dispatch.h"
#include "ml_serve_msg.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define QUERY_DRAIN 64                  //  requests taken from the ROUTER per poll round
#define WORKER_NICE 10                  //  workers yield the CPU to ingest when both want it
#define LANE_KEY (ML_ID_MAX + 64 + ML_ACCOUNT_MAX * 4 + 2)
#define CACHE_KEY 2048                  //  longer keys are answered without the cache

typedef struct s_lane s_lane_t;

//  A request, from the ROUTER to a worker and back.
typedef struct s_job {
    struct s_job *next;                 //  in its lane while it waits, then in the in-flight list
    uint8_t rid[256];                   //  the connection it came on
    size_t rid_len;
    bool delim;
    const ml_principal_t *who;
    Massline__Frame *frame;             //  the request (freed by the worker)
    s_lane_t *lane;
    uint8_t *out;                       //  the packed answer (NULL: none could be made)
    size_t outlen;
} s_job_t;

//  The requests of one key.
struct s_lane {
    char key[LANE_KEY];                 //  "" when the lane is free
    s_job_t *head, *tail;               //  waiting, oldest first
    size_t waiting;
    size_t held;                        //  waiting, being answered, or answered and not yet sent
};

struct ml_serve_query {
    ml_serve_query_cfg_t cfg;
    size_t per_key;                     //  requests of one key that may wait
    char endpoint[64];                  //  inproc: answers from the workers
    void *answers;                      //  PULL, the query thread's
    pthread_t thread;
    bool started;
    pthread_t *workers;
    int nworkers;                       //  started
    atomic_bool quit;                   //  the query thread stops
    ml_query_cache_t *cache;            //  report answers per store generation (shared by workers)
    //  under lock:
    pthread_mutex_t lock;
    pthread_cond_t ready;               //  a request may be taken, or stop
    bool stop;                          //  the workers stop
    s_lane_t *lanes;                    //  cfg.queue + cfg.workers lanes (each holds >= 1 request)
    size_t nlanes;
    size_t next_lane;                   //  round robin
    size_t waiting;
    s_job_t *inflight;                  //  taken by a worker, answer not yet sent
    bool full;                          //  answering "busy" (logged once per state change)
    unsigned long busy;                 //  answered "busy" since
};

static void
s_job_free (s_job_t **job_p)
{
    if (!*job_p)
        return;
    ml_wire_free (&(*job_p)->frame);
    free ((*job_p)->out);
    free (*job_p);
    *job_p = NULL;
}

// ---------------------------------------------------------------------------
// Answers, made on a worker thread.

static void
s_reply (s_job_t *job, Massline__Frame *frame)
{
    free (job->out);
    job->out = ml_wire_pack (frame, &job->outlen);
    if (!job->out)
        ml_error ("out of memory packing a reply");
}

static void
s_reply_error (s_job_t *job, const char *code, const char *message)
{
    free (job->out);
    job->out = ml_serve_pack_error (code, message, &job->outlen);
    if (!job->out)
        ml_error ("out of memory packing a reply");
}

//  Answers JOB with the JSON TEXT.
static void
s_reply_json (s_job_t *job, char *text)
{
    Massline__QueryReply reply = MASSLINE__QUERY_REPLY__INIT;
    reply.json = text;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_QUERY_REPLY;
    frame.query_reply = &reply;
    s_reply (job, &frame);
}

static void
s_status (ml_serve_query_t *self, s_job_t *job)
{
    const ml_principal_t *who = job->who;
    if (who->kind == ML_PRINCIPAL_GATEWAY) {
        ml_warn ("query status by %s refused: a gateway asks only on behalf of an account", who->user_id);
        s_reply_error (job, "denied",
                      "a gateway asks only on behalf of an account (QueryRequest)");
        return;
    }
    ml_info ("query status by %s", who->user_id);
    int rc = 0;
    ml_store_txn_t *txn = ml_store_begin (self->cfg.store, false, &rc);
    if (!txn) {
        s_reply_error (job, "storage", ml_strerror (rc));
        return;
    }
    size_t nunits = ml_registry_unit_count (self->cfg.registry);
    size_t nprin = ml_registry_principal_count (self->cfg.registry);
    Massline__UnitStatus *units = calloc (nunits ? nunits : 1, sizeof *units);
    Massline__UnitStatus **uptrs = calloc (nunits ? nunits : 1, sizeof *uptrs);
    Massline__AgentStatus *agents = calloc (nprin ? nprin : 1, sizeof *agents);
    Massline__AgentStatus **aptrs = calloc (nprin ? nprin : 1, sizeof *aptrs);
    if (!units || !uptrs || !agents || !aptrs) {
        s_reply_error (job, "storage", "out of memory");
        goto done;
    }
    Massline__StatusReply reply = MASSLINE__STATUS_REPLY__INIT;
    size_t nu = 0, na = 0;
    for (size_t i = 0; i < nunits; i++) {
        const ml_unit_t *unit = ml_registry_unit_at (self->cfg.registry, i);
        //  An agent key sees only its own unit.
        if (who->kind == ML_PRINCIPAL_AGENT && strcmp (unit->id, who->unit) != 0)
            continue;
        Massline__UnitStatus *us = &units[nu];
        massline__unit_status__init (us);
        ml_unit_counts_t counts;
        ml_store_unit (txn, unit->id, &counts);
        us->unit = (char *) unit->id;
        us->name = unit->name;
        us->events = counts.events;
        us->rejected = counts.rejected;
        us->agents = &aptrs[na];
        for (size_t j = 0; j < nprin; j++) {
            const ml_principal_t *p = ml_registry_principal_at (self->cfg.registry, j);
            if (p->kind != ML_PRINCIPAL_AGENT || strcmp (p->unit, unit->id) != 0)
                continue;
            ml_agent_state_t st;
            Massline__AgentStatus *as = &agents[na];
            massline__agent_status__init (as);
            as->agent = (char *) p->id;
            if (ml_store_agent (txn, p->id, &st) == 0) {
                as->acked_seq = st.hwm;
                as->has_last_seen = st.last_seen != 0;
                as->last_seen = st.last_seen;
            }
            aptrs[na++] = as;
            us->n_agents++;
        }
        reply.events += us->events;
        uptrs[nu++] = us;
    }
    reply.units = uptrs;
    reply.n_units = nu;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_STATUS_REPLY;
    frame.status_reply = &reply;
    s_reply (job, &frame);
done:
    ml_store_abort (&txn);
    free (units);
    free (uptrs);
    free (agents);
    free (aptrs);
}

//  A report or sample query: logged with who asked, answered with JSON or an Error.
static void
s_query_request (ml_serve_query_t *self, s_job_t *job, const Massline__QueryRequest *request)
{
    char line[512] = "";
    size_t used = 0;
    for (size_t i = 0; i < request->n_args && used < sizeof line - 2; i++)
        used += (size_t) snprintf (line + used, sizeof line - used, " %s", request->args[i]);
    for (char *c = line; *c; c++)
        if ((unsigned char) *c < 0x20)
            *c = ' ';           //  a note with a line break must not break the log line
    //  A gateway (massline-web) asks on behalf of an account and is judged as that account;
    //  nobody else may name one. Both are logged.
    ml_principal_t behalf;
    const ml_principal_t *who = job->who;
    char by[256];
    bool named = request->on_behalf_account || request->on_behalf_role || request->on_behalf_unit;
    char code[32] = "", msg[512] = "";
    if (named || who->kind == ML_PRINCIPAL_GATEWAY) {
        char account[ML_ACCOUNT_MAX * 4 + 1] = "";
        snprintf (account, sizeof account, "%s", request->on_behalf_account ? request->on_behalf_account : "");
        for (char *c = account; *c; c++)
            if ((unsigned char) *c < 0x20)
                *c = '?';
        snprintf (by, sizeof by, "%s for account %s (%.16s%s%.64s)", who->user_id, account,
                  request->on_behalf_role ? request->on_behalf_role : "no role",
                  request->on_behalf_unit ? " " : "", request->on_behalf_unit ? request->on_behalf_unit : "");
        int rc = ml_registry_on_behalf (self->cfg.registry, who, request->on_behalf_account,
                                        request->on_behalf_role, request->on_behalf_unit, &behalf,
                                        msg, sizeof msg);
        if (rc) {
            ml_warn ("query %s by %s refused: denied: %s", request->command, by, msg);
            s_reply_error (job, "denied", msg);
            return;
        }
        who = &behalf;
    }
    else
        snprintf (by, sizeof by, "%s", who->user_id);
    //  `generation`: the store's generation, for whoever asks (massline-web labels the pages it
    //  keeps with it); not logged, as massline-web asks it before every page it may have kept
    if (strcmp (request->command, "generation") == 0 && request->n_args == 0) {
        char text[64];
        snprintf (text, sizeof text, "{\"generation\": %llu}",
                  (unsigned long long) ml_store_generation (self->cfg.store));
        s_reply_json (job, text);
        return;
    }
    ml_info ("query %s%s by %s", request->command, line, by);
    ml_query_t q = { self->cfg.store, self->cfg.registry, who, request->command, request->args, request->n_args,
                     self->cfg.rules, self->cfg.due_day };
    //  Who asks is judged first, then a kept answer is looked for: the generation is read before
    //  the handler begins its transaction, so a kept answer is never older than its label.
    char key[CACHE_KEY];
    ml_query_cache_slot_t *claim = NULL;
    char *text = NULL;
    if (self->cache && ml_query_cache_wants (request->command)
    &&  ml_query_cache_key (&q, (int) ml_date_today (), key, sizeof key)) {
        if (ml_query_dispatch_check (&q, code, sizeof code, msg, sizeof msg) != 0) {
            ml_warn ("query %s by %s refused: %s: %s", request->command, by, code, msg);
            s_reply_error (job, code, msg);
            return;
        }
        uint64_t generation = ml_store_generation (self->cfg.store);
        if (generation)                 //  0: unknown, computed without the cache
            text = ml_query_cache_get (self->cache, key, generation, &claim);
    }
    if (!text) {
        json_t *answer = NULL;
        if (ml_query_dispatch (&q, &answer, code, sizeof code, msg, sizeof msg) != 0) {
            ml_query_cache_put (self->cache, claim, NULL);
            ml_warn ("query %s by %s refused: %s: %s", request->command, by, code, msg);
            s_reply_error (job, code, msg);
            return;
        }
        text = json_dumps (answer, JSON_COMPACT);
        json_decref (answer);
        ml_query_cache_put (self->cache, claim, text);
        if (!text) {
            s_reply_error (job, "internal", "out of memory");
            return;
        }
    }
    s_reply_json (job, text);
    free (text);
}

//  Answers JOB (a StatusRequest or a QueryRequest); a query that writes holds the writer lock.
static void
s_answer (ml_serve_query_t *self, s_job_t *job)
{
    if (job->frame->msg_case == MASSLINE__FRAME__MSG_STATUS_REQUEST) {
        s_status (self, job);
        return;
    }
    const Massline__QueryRequest *request = job->frame->query_request;
    bool writes = self->cfg.writer && ml_query_dispatch_writes (request->command);
    if (writes)
        pthread_mutex_lock (self->cfg.writer);
    s_query_request (self, job, request);
    if (writes)
        pthread_mutex_unlock (self->cfg.writer);
}

// ---------------------------------------------------------------------------
// The queue (all under self->lock).

//  True when a request of JOB's connection is being answered (its answers keep their order).
static bool
s_connection_busy (ml_serve_query_t *self, const s_job_t *job)
{
    for (const s_job_t *f = self->inflight; f; f = f->next)
        if (f->rid_len == job->rid_len && memcmp (f->rid, job->rid, job->rid_len) == 0)
            return true;
    return false;
}

//  Takes the next request to answer: the oldest one of the next lane in turn whose connection
//  has nothing being answered. NULL when there is none.
static s_job_t *
s_take (ml_serve_query_t *self)
{
    for (size_t k = 0; k < self->nlanes && self->waiting; k++) {
        size_t i = (self->next_lane + k) % self->nlanes;
        s_lane_t *lane = &self->lanes[i];
        if (!lane->waiting)
            continue;
        for (s_job_t **at = &lane->head, *prev = NULL; *at; prev = *at, at = &(*at)->next) {
            s_job_t *job = *at;
            if (s_connection_busy (self, job))
                continue;
            *at = job->next;
            if (lane->tail == job)
                lane->tail = prev;
            lane->waiting--;
            self->waiting--;
            self->next_lane = (i + 1) % self->nlanes;
            job->next = self->inflight;
            self->inflight = job;
            return job;
        }
    }
    return NULL;
}

static s_lane_t *
s_lane_find (ml_serve_query_t *self, const char *key)
{
    for (size_t i = 0; i < self->nlanes; i++)
        if (self->lanes[i].key[0] && strcmp (self->lanes[i].key, key) == 0)
            return &self->lanes[i];
    return NULL;
}

static s_lane_t *
s_lane_new (ml_serve_query_t *self, const char *key)
{
    for (size_t i = 0; i < self->nlanes; i++)
        if (!self->lanes[i].key[0]) {
            s_lane_t *lane = &self->lanes[i];
            memset (lane, 0, sizeof *lane);
            snprintf (lane->key, sizeof lane->key, "%s", key);
            return lane;
        }
    return NULL;                        //  cannot be: every lane in use holds a request
}

// ---------------------------------------------------------------------------
// The workers.

static void *
s_worker (void *arg)
{
    ml_serve_query_t *self = arg;
    //  Under a flood of reports the workers would take every core from ingest: they run at a
    //  lower priority (Linux: nice applies to this thread alone), so queries get what is left.
    setpriority (PRIO_PROCESS, (id_t) syscall (SYS_gettid), WORKER_NICE);
    void *push = zmq_socket (self->cfg.ctx, ZMQ_PUSH);
    if (!push || zmq_connect (push, self->endpoint)) {
        ml_error ("query worker: cannot reach the query thread: %s", zmq_strerror (zmq_errno ()));
        if (push)
            zmq_close (push);
        return NULL;
    }
    pthread_mutex_lock (&self->lock);
    for (;;) {
        s_job_t *job = NULL;
        while (!self->stop && !(job = s_take (self)))
            pthread_cond_wait (&self->ready, &self->lock);
        if (!job)
            break;
        pthread_mutex_unlock (&self->lock);
        s_answer (self, job);
        ml_wire_free (&job->frame);
        //  the pointer goes back; the query thread sends the answer and frees the job
        while (zmq_send (push, &job, sizeof job, 0) < 0 && zmq_errno () == EINTR)
            ;
        pthread_mutex_lock (&self->lock);
    }
    pthread_mutex_unlock (&self->lock);
    zmq_close (push);
    return NULL;
}

// ---------------------------------------------------------------------------
// The query thread.

//  The lane of a request: who asks; for a gateway, the account it asks for.
static void
s_lane_key (const ml_principal_t *who, const Massline__Frame *frame, char *key, size_t len)
{
    const Massline__QueryRequest *r = frame->msg_case == MASSLINE__FRAME__MSG_QUERY_REQUEST
                                    ? frame->query_request : NULL;
    if (who->kind == ML_PRINCIPAL_GATEWAY && r && r->on_behalf_account)
        snprintf (key, len, "%s/%.*s", who->user_id, ML_ACCOUNT_MAX * 4, r->on_behalf_account);
    else
        snprintf (key, len, "%s", who->user_id);
}

//  Queues the request M (FRAME, taken) for a worker, or answers "busy" when the queue or the key's
//  share of it is full.
static void
s_enqueue (ml_serve_query_t *self, ml_serve_msg_t *m, Massline__Frame *frame)
{
    char key[LANE_KEY], msg[256] = "";
    s_lane_key (m->who, frame, key, sizeof key);
    s_job_t *job = calloc (1, sizeof *job);
    pthread_mutex_lock (&self->lock);
    s_lane_t *lane = s_lane_find (self, key);
    size_t mine = lane ? lane->waiting : 0, waiting = self->waiting;
    if (!job)
        snprintf (msg, sizeof msg, "the collector is out of memory; ask again in a moment");
    else
    if (waiting >= (size_t) self->cfg.queue)
        snprintf (msg, sizeof msg, "the collector is busy: %zu queries wait to be answered "
                  "(query_queue = %d); ask again in a moment", waiting, self->cfg.queue);
    else
    if (mine >= self->per_key)
        snprintf (msg, sizeof msg, "the collector is busy: %zu queries of this key wait to be "
                  "answered (a key may have half of query_queue = %d); ask again when they are",
                  mine, self->cfg.queue);
    if (!msg[0] && (lane || (lane = s_lane_new (self, key)))) {
        memcpy (job->rid, m->rid, m->rid_len);
        job->rid_len = m->rid_len;
        job->delim = m->delim;
        job->who = m->who;
        job->frame = frame;
        job->lane = lane;
        if (lane->tail)
            lane->tail->next = job;
        else
            lane->head = job;
        lane->tail = job;
        lane->waiting++;
        lane->held++;
        self->waiting++;
        pthread_cond_signal (&self->ready);
        if (self->full)
            ml_info ("query queue: room again (%lu quer%s answered busy)", self->busy,
                     self->busy == 1 ? "y was" : "ies were");
        self->full = false;
        pthread_mutex_unlock (&self->lock);
        return;
    }
    if (!self->full)
        ml_warn ("query queue full: %zu waiting (query_queue = %d), %zu of them by %s: answering "
                 "busy", waiting, self->cfg.queue, mine, key);
    self->busy = self->full ? self->busy + 1 : 1;
    self->full = true;
    pthread_mutex_unlock (&self->lock);
    free (job);
    ml_wire_free (&frame);
    ml_serve_send_error (self->cfg.router, m->rid, m->rid_len, m->delim, "busy",
                         msg[0] ? msg : "the collector is busy; ask again in a moment");
}

//  Takes the requests queued on the ROUTER (up to a round's worth).
static void
s_requests (ml_serve_query_t *self)
{
    for (int i = 0; i < QUERY_DRAIN; i++) {
        ml_serve_msg_t m;
        int rc = ml_serve_recv (self->cfg.router, self->cfg.registry, &m);
        if (rc == ML_ENOTFOUND)
            break;
        if (rc)
            continue;
        Massline__Frame *frame = ml_serve_unpack (self->cfg.router, &m, "query");
        zmq_msg_close (&m.payload);
        if (!frame)
            continue;
        if (frame->msg_case == MASSLINE__FRAME__MSG_STATUS_REQUEST
        ||  frame->msg_case == MASSLINE__FRAME__MSG_QUERY_REQUEST) {
            s_enqueue (self, &m, frame);
            continue;
        }
        ml_warn ("query: unexpected message (frame case %d) from %s", frame->msg_case, m.who->user_id);
        ml_serve_send_error (self->cfg.router, m.rid, m.rid_len, m.delim, "unexpected",
                             "the query endpoint takes StatusRequest and QueryRequest");
        ml_wire_free (&frame);
    }
}

//  Ends JOB, answered or not: its connection and its lane's place are free again.
static void
s_release (ml_serve_query_t *self, s_job_t *job)
{
    pthread_mutex_lock (&self->lock);
    for (s_job_t **at = &self->inflight; *at; at = &(*at)->next)
        if (*at == job) {
            *at = job->next;
            break;
        }
    if (--job->lane->held == 0)
        job->lane->key[0] = 0;
    if (self->waiting)
        pthread_cond_signal (&self->ready);     //  a request of this connection may go now
    pthread_mutex_unlock (&self->lock);
    s_job_free (&job);
}

//  Sends the answers the workers made.
static void
s_answers (ml_serve_query_t *self, int flags)
{
    s_job_t *job;
    while (zmq_recv (self->answers, &job, sizeof job, flags) == (int) sizeof job) {
        if (job->out && self->cfg.router)
            ml_serve_send_bytes (self->cfg.router, job->rid, job->rid_len, job->delim, job->out,
                                 job->outlen);
        s_release (self, job);
    }
}

static void *
s_query_thread (void *arg)
{
    ml_serve_query_t *self = arg;
    zmq_pollitem_t items[] = {
        { self->cfg.router, 0, ZMQ_POLLIN, 0 },
        { self->answers, 0, ZMQ_POLLIN, 0 },
    };
    while (!atomic_load (&self->quit)) {
        if (zmq_poll (items, 2, 200) < 0) {
            if (zmq_errno () == EINTR)
                continue;
            ml_error ("query poll failed: %s", zmq_strerror (zmq_errno ()));
            break;
        }
        if (items[1].revents & ZMQ_POLLIN)
            s_answers (self, ZMQ_DONTWAIT);
        if (items[0].revents & ZMQ_POLLIN)
            s_requests (self);
    }
    return NULL;
}

// ---------------------------------------------------------------------------
// Start and stop.

ml_serve_query_t *
ml_serve_query_start (const ml_serve_query_cfg_t *cfg, char *err, size_t errlen)
{
    ml_serve_query_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    self->cfg = *cfg;
    self->per_key = cfg->queue / 2 > 0 ? (size_t) cfg->queue / 2 : 1;
    self->nlanes = (size_t) cfg->queue + (size_t) cfg->workers;
    atomic_init (&self->quit, false);
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->ready, NULL);
    snprintf (self->endpoint, sizeof self->endpoint, "inproc://massline-query-answers-%p", (void *) self);
    self->lanes = calloc (self->nlanes, sizeof *self->lanes);
    self->cache = cfg->cache ? ml_query_cache_new () : NULL;    //  NULL: every query is computed
    self->workers = calloc ((size_t) cfg->workers, sizeof *self->workers);
    self->answers = zmq_socket (cfg->ctx, ZMQ_PULL);
    if (!self->lanes || !self->workers || !self->answers || zmq_bind (self->answers, self->endpoint)) {
        snprintf (err, errlen, "cannot start the query workers: %s",
                  self->answers ? zmq_strerror (zmq_errno ()) : "out of memory");
        goto fail;
    }
    //  Signals stay with the thread that waits for them (the daemon's main loop).
    sigset_t all, old;
    sigfillset (&all);
    pthread_sigmask (SIG_BLOCK, &all, &old);
    int rc = 0;
    for (int i = 0; i < cfg->workers && !rc; i++)
        if (!(rc = pthread_create (&self->workers[i], NULL, s_worker, self)))
            self->nworkers++;
    if (!rc && !(rc = pthread_create (&self->thread, NULL, s_query_thread, self)))
        self->started = true;
    pthread_sigmask (SIG_SETMASK, &old, NULL);
    if (rc) {
        snprintf (err, errlen, "cannot start the query threads: %s", strerror (rc));
        goto fail;
    }
    return self;
fail:
    ml_serve_query_stop (&self);
    return NULL;
}

void
ml_serve_query_stop (ml_serve_query_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_serve_query_t *self = *self_p;
    atomic_store (&self->quit, true);
    pthread_mutex_lock (&self->lock);
    self->stop = true;
    pthread_cond_broadcast (&self->ready);
    pthread_mutex_unlock (&self->lock);
    for (int i = 0; i < self->nworkers; i++)
        pthread_join (self->workers[i], NULL);
    if (self->started)
        pthread_join (self->thread, NULL);
    if (self->answers) {
        s_answers (self, ZMQ_DONTWAIT);     //  answered after the query thread stopped: sent
        zmq_close (self->answers);
    }
    for (size_t i = 0; self->lanes && i < self->nlanes; i++)
        while (self->lanes[i].head) {
            s_job_t *job = self->lanes[i].head;
            self->lanes[i].head = job->next;
            s_job_free (&job);
        }
    if (self->cache) {
        uint64_t hits, misses;
        ml_query_cache_counts (self->cache, &hits, &misses);
        if (hits || misses)
            ml_info ("query cache: %llu answers sent again, %llu computed", (unsigned long long) hits,
                     (unsigned long long) misses);
        ml_query_cache_destroy (&self->cache);
    }
    pthread_cond_destroy (&self->ready);
    pthread_mutex_destroy (&self->lock);
    free (self->lanes);
    free (self->workers);
    free (self);
    *self_p = NULL;
}
