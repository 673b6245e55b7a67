/* bench_tier.c -- the two measured halves of `ops/bench tier` (tests/bench/tier.sh):

     bench_tier relay COMMITTEE_DIR MEMBERS BYTES WORKDIR
       For each member B001..: an outbox in WORKDIR/Bnnn holding one `report` event (a roll-up
       whose document is BYTES of JSON, its digest, tier version 1), appended by ref as the
       collector's upstream relay appends what tier_out holds (not timed). Then one forwarder
       per member (delivery/ml_forward.c, the relay's forwarder, configured as the relay
       configures it) with the member's key from COMMITTEE_DIR/members/Bnnn/, all started
       together on their own threads: the time from the first send to the last acknowledgement
       (each forwarder's CURVE handshake, Hello/Welcome, Batch and Ack included).
     bench_tier transport MEMBERS BYTES
       The same packed Batch frames (one report event each) from MEMBERS DEALER sockets to one
       ROUTER over CURVE, which answers each with a small ack: no work, handshakes done before
       the clock starts.
   Each prints one line: "NAME members=N bytes=B seconds=S". */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zmq.h>

#include "massline.pb-c.h"
#include "ml_err.h"
#include "ml_event.h"
#include "ml_forward.h"
#include "ml_keys.h"
#include "ml_outbox.h"
#include "ml_wire.h"

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
s_fail (const char *what, const char *detail)
{
    fprintf (stderr, "bench_tier: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit (1);
}

//  The packed `report` event member ID would relay: version 1 of its 2025 roll-up, whose
//  document is BYTES of JSON.
static uint8_t *
s_report (const char *id, size_t bytes, size_t *len)
{
    char *doc = malloc (bytes + 1), digest[65], head[65];
    if (!doc)
        s_fail ("out of memory", NULL);
    int n = snprintf (doc, bytes + 1, "{\"bench\":\"%s\",\"pad\":\"", id);
    memset (doc + n, 'x', bytes - (size_t) n - 2);
    memcpy (doc + bytes - 2, "\"}", 3);
    uint8_t sha[32];
    ml_sha256 ((const uint8_t *) doc, bytes, sha);
    for (int i = 0; i < 32; i++)
        snprintf (digest + 2 * i, 3, "%02x", sha[i]);
    memset (head, '0', 64);
    head[64] = 0;
    Massline__Report r = MASSLINE__REPORT__INIT;
    r.date = "2026-01-15";
    r.year = 2025;
    r.report = "rollup";
    r.version = 1;
    r.document = doc;
    r.digest = digest;
    r.chain_head = head;
    r.chain_events = 1;
    r.tier_version = ML_TIER_VERSION;
    Massline__Event ev = MASSLINE__EVENT__INIT;
    ev.ref = "tier-2025-v1-rollup";
    ev.body_case = MASSLINE__EVENT__BODY_REPORT;
    ev.report = &r;
    uint8_t *data = ml_event_pack (&ev, len);
    free (doc);
    if (!data)
        s_fail ("out of memory", NULL);
    return data;
}

// ---------------------------------------------------------------------------
// relay

typedef struct {
    ml_outbox_t *outbox;
    ml_forward_t *forward;
    pthread_barrier_t *start;
    double done;
    int rc;
} s_member_t;

static void *
s_forward (void *arg)
{
    s_member_t *m = arg;
    pthread_barrier_wait (m->start);
    m->rc = ml_forward_run (m->forward, 1, ml_forward_now_ms () + 300000, NULL);
    m->done = s_now ();
    return NULL;
}

//  The endpoint named in the bundle's upstream.ini, into BUF.
static void
s_endpoint (const char *ini, char *buf, size_t len)
{
    FILE *f = fopen (ini, "r");
    char line[1024];
    buf[0] = 0;
    while (f && fgets (line, sizeof line, f))
        if (strncmp (line, "endpoint", 8) == 0 && strchr (line, '=')) {
            const char *v = strchr (line, '=') + 1;
            v += strspn (v, " \t");
            snprintf (buf, len, "%.*s", (int) strcspn (v, " \t\r\n"), v);
        }
    if (f)
        fclose (f);
    if (!buf[0])
        s_fail ("no endpoint in", ini);
}

static int
s_relay (const char *committee, int members, size_t bytes, const char *work)
{
    s_member_t *m = calloc ((size_t) members, sizeof *m);
    pthread_t *threads = calloc ((size_t) members, sizeof *threads);
    pthread_barrier_t start;
    pthread_barrier_init (&start, NULL, (unsigned) members + 1);
    for (int i = 0; i < members; i++) {
        char id[16], dir[4096], endpoint[512], server[ML_KEY_LEN + 1], pub[ML_KEY_LEN + 1],
             sec[ML_KEY_LEN + 1], err[512];
        snprintf (id, sizeof id, "B%03d", i + 1);
        snprintf (dir, sizeof dir, "%s/members/%s/upstream.ini", committee, id);
        s_endpoint (dir, endpoint, sizeof endpoint);
        snprintf (dir, sizeof dir, "%s/members/%s/collector.pub", committee, id);
        if (ml_key_read_public (dir, server, err, sizeof err))
            s_fail (err, NULL);
        snprintf (dir, sizeof dir, "%s/members/%s/member.pub", committee, id);
        if (ml_key_read_public (dir, pub, err, sizeof err))
            s_fail (err, NULL);
        snprintf (dir, sizeof dir, "%s/members/%s/member.key", committee, id);
        if (ml_key_read_secret (dir, sec, err, sizeof err))
            s_fail (err, NULL);
        //  the relay's outbox, and the report appended by ref as the relay copies tier_out
        snprintf (dir, sizeof dir, "%s/%s", work, id);
        mkdir (dir, 0700);
        m[i].outbox = ml_outbox_open (dir, (size_t) 64 << 20, err, sizeof err);
        if (!m[i].outbox)
            s_fail (err, NULL);
        size_t len;
        uint8_t *data = s_report (id, bytes, &len);
        ml_outbox_item_t item = { .data = data, .len = len, .ref = "tier-2025-v1-rollup",
                                  .source = "relay" };
        int rc = ml_outbox_append (m[i].outbox, &item, 1, false);
        free (data);
        if (rc && rc != ML_EDUP)
            s_fail ("outbox append", ml_strerror (rc));
        ml_forward_cfg_t cfg = { endpoint, server, pub, sec, NULL, 16, 4, 5000 };
        m[i].forward = ml_forward_new (m[i].outbox, &cfg, err, sizeof err);
        if (!m[i].forward)
            s_fail (err, NULL);
        m[i].start = &start;
        if (pthread_create (&threads[i], NULL, s_forward, &m[i]) != 0)
            s_fail ("cannot start a thread", NULL);
    }
    double t0 = s_now (), last = t0;
    pthread_barrier_wait (&start);
    int failed = 0;
    for (int i = 0; i < members; i++) {
        pthread_join (threads[i], NULL);
        last = m[i].done > last ? m[i].done : last;
        failed += m[i].rc != 0;
        ml_forward_destroy (&m[i].forward);
        ml_outbox_close (&m[i].outbox);
    }
    printf ("relay members=%d bytes=%zu seconds=%.3f failed=%d\n", members, bytes, last - t0,
            failed);
    pthread_barrier_destroy (&start);
    free (threads);
    free (m);
    return failed ? 1 : 0;
}

// ---------------------------------------------------------------------------
// transport

static int
s_transport (int members, size_t bytes)
{
    void *ctx = zmq_ctx_new ();
    char server_pub[41], server_sec[41];
    zmq_curve_keypair (server_pub, server_sec);
    //  CURVE without ZAP: the baseline measures encryption and transport, not authentication.
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    int one = 1;
    zmq_setsockopt (router, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt (router, ZMQ_CURVE_SECRETKEY, server_sec, 40);
    if (zmq_bind (router, "tcp://127.0.0.1:*") != 0)
        s_fail ("bind", zmq_strerror (zmq_errno ()));
    char endpoint[256];
    size_t elen = sizeof endpoint;
    zmq_getsockopt (router, ZMQ_LAST_ENDPOINT, endpoint, &elen);
    void **dealers = calloc ((size_t) members, sizeof *dealers);
    uint8_t **frames = calloc ((size_t) members, sizeof *frames);
    size_t *lens = calloc ((size_t) members, sizeof *lens);
    zmq_msg_t msg, rid;
    zmq_msg_init (&msg);
    zmq_msg_init (&rid);
    for (int i = 0; i < members; i++) {
        char pub[41], sec[41], id[16];
        zmq_curve_keypair (pub, sec);
        dealers[i] = zmq_socket (ctx, ZMQ_DEALER);
        zmq_setsockopt (dealers[i], ZMQ_CURVE_SERVERKEY, server_pub, 40);
        zmq_setsockopt (dealers[i], ZMQ_CURVE_PUBLICKEY, pub, 40);
        zmq_setsockopt (dealers[i], ZMQ_CURVE_SECRETKEY, sec, 40);
        zmq_connect (dealers[i], endpoint);
        //  the Batch the forwarder sends: one envelope holding the member's report
        snprintf (id, sizeof id, "B%03d", i + 1);
        Massline__Envelope env = MASSLINE__ENVELOPE__INIT;
        env.seq = 1;
        env.event.data = s_report (id, bytes, &env.event.len);
        Massline__Envelope *envs[1] = { &env };
        Massline__Batch batch = MASSLINE__BATCH__INIT;
        batch.n_events = 1;
        batch.events = envs;
        Massline__Frame frame = MASSLINE__FRAME__INIT;
        frame.msg_case = MASSLINE__FRAME__MSG_BATCH;
        frame.batch = &batch;
        frames[i] = ml_wire_pack (&frame, &lens[i]);
        free (env.event.data);
        //  handshake first so that the clock measures transport
        zmq_send (dealers[i], "hi", 2, 0);
        zmq_msg_recv (&rid, router, 0);
        zmq_msg_recv (&msg, router, 0);
    }
    double t0 = s_now ();
    for (int i = 0; i < members; i++)
        zmq_send (dealers[i], frames[i], lens[i], 0);
    //  the router takes each frame and answers a small ack, as the committee would
    for (int i = 0; i < members; i++) {
        zmq_msg_recv (&rid, router, 0);
        zmq_msg_recv (&msg, router, 0);
        zmq_send (router, zmq_msg_data (&rid), zmq_msg_size (&rid), ZMQ_SNDMORE);
        zmq_send (router, "ack", 3, 0);
    }
    for (int i = 0; i < members; i++) {
        char ack[16];
        zmq_recv (dealers[i], ack, sizeof ack, 0);
    }
    double secs = s_now () - t0;
    printf ("transport members=%d bytes=%zu seconds=%.3f frame_bytes=%zu\n", members, bytes, secs,
            lens[0]);
    zmq_msg_close (&msg);
    zmq_msg_close (&rid);
    int linger = 0;
    for (int i = 0; i < members; i++) {
        zmq_setsockopt (dealers[i], ZMQ_LINGER, &linger, sizeof linger);
        zmq_close (dealers[i]);
        free (frames[i]);
    }
    zmq_close (router);
    zmq_ctx_term (ctx);
    free (dealers);
    free (frames);
    free (lens);
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc == 6 && strcmp (argv[1], "relay") == 0)
        return s_relay (argv[2], atoi (argv[3]), (size_t) atol (argv[4]), argv[5]);
    if (argc == 4 && strcmp (argv[1], "transport") == 0)
        return s_transport (atoi (argv[2]), (size_t) atol (argv[3]));
    fprintf (stderr, "usage: bench_tier relay COMMITTEE_DIR MEMBERS BYTES WORKDIR | "
             "transport MEMBERS BYTES\n");
    return 2;
}
