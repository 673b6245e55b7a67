/* bench_ingest.c -- the baselines of `ops/bench ingest`: (a) raw transport, the same serialized
   batches DEALER -> ROUTER over CURVE with no processing; (b) raw storage, the same event bytes
   appended to LMDB in the same batch size with durable commits. Also `gen`, which writes the
   JSONL the end-to-end run imports, so all three measure the same events.

     bench_ingest transport EVENTS BATCH
     bench_ingest storage DIR EVENTS BATCH
     bench_ingest gen UNIT EVENTS > FILE.jsonl
   Each measurement prints one line: "NAME events=N seconds=S rate=R". */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "massline.pb-c.h"
#include "ml_wire.h"

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
s_fail (const char *what)
{
    fprintf (stderr, "bench_ingest: %s\n", what);
    exit (1);
}

//  The event the agent would send for line SEQ of `gen`'s output: a talk with a unique ref.
static uint8_t *
s_event_bytes (const char *unit, long seq, size_t *len)
{
    char ref[64], date[16], with[32];
    snprintf (ref, sizeof ref, "%s-T%08ld", unit, seq);
    snprintf (date, sizeof date, "2025-%02ld-%02ld", seq % 12 + 1, seq % 28 + 1);
    snprintf (with, sizeof with, "群众%ld", seq % 997);
    Massline__Talk talk = MASSLINE__TALK__INIT;
    talk.date = date;
    talk.person = "P001";
    talk.with = with;
    talk.with_category = MASSLINE__TALK__WITH_CATEGORY__masses;
    talk.has_form = 1;
    talk.form = MASSLINE__TALK__FORM__individual;
    talk.has_mode = 1;
    talk.mode = MASSLINE__TALK__MODE__in_person;
    Massline__Event ev = MASSLINE__EVENT__INIT;
    ev.ref = ref;
    ev.body_case = MASSLINE__EVENT__BODY_TALK;
    ev.talk = &talk;
    *len = massline__event__get_packed_size (&ev);
    uint8_t *buf = malloc (*len);
    massline__event__pack (&ev, buf);
    return buf;
}

//  Packs the Batch frame holding seqs FIRST..FIRST+COUNT-1.
static uint8_t *
s_batch_frame (long first, long count, size_t *len)
{
    Massline__Envelope *envs = calloc (count, sizeof *envs);
    Massline__Envelope **ptrs = calloc (count, sizeof *ptrs);
    for (long i = 0; i < count; i++) {
        massline__envelope__init (&envs[i]);
        envs[i].seq = first + i;
        envs[i].event.data = s_event_bytes ("B001", first + i, &envs[i].event.len);
        ptrs[i] = &envs[i];
    }
    Massline__Batch batch = MASSLINE__BATCH__INIT;
    batch.n_events = count;
    batch.events = ptrs;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_BATCH;
    frame.batch = &batch;
    uint8_t *buf = ml_wire_pack (&frame, len);
    for (long i = 0; i < count; i++)
        free (envs[i].event.data);
    free (envs);
    free (ptrs);
    return buf;
}

static int
s_transport (long events, long batch)
{
    void *ctx = zmq_ctx_new ();
    char server_pub[41], server_sec[41], client_pub[41], client_sec[41];
    zmq_curve_keypair (server_pub, server_sec);
    zmq_curve_keypair (client_pub, client_sec);
    //  CURVE without ZAP: the baseline measures encryption and transport, not authentication.
    void *router = zmq_socket (ctx, ZMQ_ROUTER);
    int one = 1;
    zmq_setsockopt (router, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt (router, ZMQ_CURVE_SECRETKEY, server_sec, 40);
    if (zmq_bind (router, "tcp://127.0.0.1:*") != 0)
        s_fail ("bind");
    char endpoint[256];
    size_t elen = sizeof endpoint;
    zmq_getsockopt (router, ZMQ_LAST_ENDPOINT, endpoint, &elen);
    void *dealer = zmq_socket (ctx, ZMQ_DEALER);
    zmq_setsockopt (dealer, ZMQ_CURVE_SERVERKEY, server_pub, 40);
    zmq_setsockopt (dealer, ZMQ_CURVE_PUBLICKEY, client_pub, 40);
    zmq_setsockopt (dealer, ZMQ_CURVE_SECRETKEY, client_sec, 40);
    zmq_connect (dealer, endpoint);

    long nbatches = (events + batch - 1) / batch;
    size_t len;
    uint8_t *frame = s_batch_frame (1, batch, &len);
    //  Handshake first so that the clock measures steady-state transport.
    zmq_send (dealer, "hi", 2, 0);
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    zmq_msg_recv (&msg, router, 0);
    zmq_msg_recv (&msg, router, 0);

    const int window = 8;
    double t0 = s_now ();
    long sent = 0, received = 0, acked = 0;
    zmq_msg_t rid;
    zmq_msg_init (&rid);
    while (acked < nbatches) {
        while (sent < nbatches && sent - acked < window) {
            zmq_send (dealer, frame, len, 0);
            sent++;
        }
        //  The router takes one batch and answers a small ack, as the collector would.
        zmq_msg_recv (&rid, router, 0);
        zmq_msg_recv (&msg, router, 0);
        received++;
        zmq_send (router, zmq_msg_data (&rid), zmq_msg_size (&rid), ZMQ_SNDMORE);
        zmq_send (router, "ack", 3, 0);
        char ack[16];
        zmq_recv (dealer, ack, sizeof ack, 0);
        acked++;
    }
    double secs = s_now () - t0;
    printf ("transport events=%ld seconds=%.3f rate=%.0f bytes_per_batch=%zu\n",
            nbatches * batch, secs, nbatches * batch / secs, len);
    zmq_msg_close (&msg);
    zmq_msg_close (&rid);
    free (frame);
    zmq_close (dealer);
    zmq_close (router);
    zmq_ctx_term (ctx);
    return 0;
}

static int
s_storage (const char *dir, long events, long batch)
{
    MDB_env *env;
    MDB_dbi dbi;
    MDB_txn *txn;
    if (mdb_env_create (&env) || mdb_env_set_mapsize (env, 8UL << 30) || mdb_env_set_maxdbs (env, 4)
        || mdb_env_open (env, dir, 0, 0644))
        s_fail ("cannot open LMDB environment");
    mdb_txn_begin (env, NULL, 0, &txn);
    mdb_dbi_open (txn, "events", MDB_CREATE, &dbi);
    mdb_txn_commit (txn);

    //  The same bytes as the transport run, prepared before the clock starts.
    size_t *lens = malloc (batch * sizeof *lens);
    uint8_t **bytes = malloc (batch * sizeof *bytes);
    for (long i = 0; i < batch; i++)
        bytes[i] = s_event_bytes ("B001", i + 1, &lens[i]);

    double t0 = s_now ();
    for (long seq = 1; seq <= events; ) {
        if (mdb_txn_begin (env, NULL, 0, &txn))
            s_fail ("txn");
        for (long i = 0; i < batch && seq <= events; i++, seq++) {
            uint8_t key[6 + 8];
            memcpy (key, "B001\0B", 6);     //  unit, NUL, agent-ish prefix, then big-endian seq
            for (int b = 0; b < 8; b++)
                key[6 + b] = (uint8_t) (seq >> (56 - 8 * b));
            MDB_val k = { sizeof key, key }, v = { lens[i], bytes[i] };
            if (mdb_put (txn, dbi, &k, &v, MDB_APPEND))
                s_fail ("put");
        }
        if (mdb_txn_commit (txn))
            s_fail ("commit");
    }
    double secs = s_now () - t0;
    printf ("storage events=%ld seconds=%.3f rate=%.0f\n", events, secs, events / secs);
    for (long i = 0; i < batch; i++)
        free (bytes[i]);
    free (bytes);
    free (lens);
    mdb_env_close (env);
    return 0;
}

static int
s_gen (const char *unit, long events)
{
    printf ("{\"kind\":\"person\",\"ref\":\"%s-P001\",\"person\":\"P001\",\"name\":\"张伟\","
            "\"roles\":[{\"role\":\"leader\",\"from\":\"2025-01-01\"}]}\n", unit);
    for (long seq = 1; seq <= events; seq++)
        printf ("{\"kind\":\"talk\",\"ref\":\"%s-T%08ld\",\"date\":\"2025-%02ld-%02ld\",\"person\":\"P001\","
                "\"with\":\"群众%ld\",\"with_category\":\"masses\",\"form\":\"individual\",\"mode\":\"in_person\"}\n",
                unit, seq, seq % 12 + 1, seq % 28 + 1, seq % 997);
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc == 4 && strcmp (argv[1], "transport") == 0)
        return s_transport (atol (argv[2]), atol (argv[3]));
    if (argc == 5 && strcmp (argv[1], "storage") == 0)
        return s_storage (argv[2], atol (argv[3]), atol (argv[4]));
    if (argc == 4 && strcmp (argv[1], "gen") == 0)
        return s_gen (argv[2], atol (argv[3]));
    fprintf (stderr, "usage: bench_ingest transport EVENTS BATCH | storage DIR EVENTS BATCH | gen UNIT EVENTS\n");
    return 2;
}
