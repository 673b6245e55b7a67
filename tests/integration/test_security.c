/* test_security.c -- the collector refuses unknown keys, cross-unit writes and bad frames, and
   both daemons refuse world-readable secret keys. Uses a hand-made CURVE DEALER client. */
#include "ml_harness.h"
#include "ml_wire.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

// ---------------------------------------------------------------------------
// A hand-made agent: DEALER + CURVE to the collector's ingest endpoint, with a socket monitor.

typedef struct {
    void *sock;         //  DEALER
    void *monitor;      //  PAIR receiving the DEALER's socket events
} s_client_t;

static void *s_ctx;

//  First line of a key file (40 Z85 characters).
static char *
s_key_file (const char *path)
{
    char *text = ml_h_read (path);
    cr_assert_not_null (text, "%s: cannot read", path);
    text[strcspn (text, "\r\n")] = 0;
    cr_assert_eq (strlen (text), 40, "%s: not a Z85 key", path);
    return text;
}

//  Connects with the key pair PUB/SEC (Z85 text) to the collector's ingest endpoint.
static s_client_t
s_connect (const char *pub, const char *sec)
{
    static int monitors;
    if (!s_ctx)
        s_ctx = zmq_ctx_new ();
    s_client_t client;
    client.sock = zmq_socket (s_ctx, ZMQ_DEALER);
    const char *ini = ml_h_collector_ini ();
    char *server = s_key_file (ml_h_ini_path (ini, "public_key"));
    int linger = 0;
    zmq_setsockopt (client.sock, ZMQ_LINGER, &linger, sizeof linger);
    cr_assert_eq (zmq_setsockopt (client.sock, ZMQ_CURVE_SERVERKEY, server, 40), 0);
    cr_assert_eq (zmq_setsockopt (client.sock, ZMQ_CURVE_PUBLICKEY, pub, 40), 0);
    cr_assert_eq (zmq_setsockopt (client.sock, ZMQ_CURVE_SECRETKEY, sec, 40), 0);
    char *endpoint = ml_h_str ("inproc://monitor-%d", ++monitors);
    cr_assert_eq (zmq_socket_monitor (client.sock, endpoint, ZMQ_EVENT_ALL), 0);
    client.monitor = zmq_socket (s_ctx, ZMQ_PAIR);
    zmq_setsockopt (client.monitor, ZMQ_LINGER, &linger, sizeof linger);
    cr_assert_eq (zmq_connect (client.monitor, endpoint), 0);
    char *ingest = ml_h_ini_get (ini, "ingest");
    cr_assert_eq (zmq_connect (client.sock, ingest), 0, "connect %s: %s", ingest, zmq_strerror (zmq_errno ()));
    return client;
}

//  Connects with the registered key pair of UNIT's agent.
static s_client_t
s_connect_as (const char *unit)
{
    const char *ini = ml_h_agent_ini (unit);
    return s_connect (s_key_file (ml_h_ini_path (ini, "public_key")),
                      s_key_file (ml_h_ini_path (ini, "secret_key")));
}

static void
s_close (s_client_t *client)
{
    zmq_socket_monitor (client->sock, NULL, 0);
    zmq_close (client->monitor);
    zmq_close (client->sock);
}

//  Waits up to TIMEOUT_MS for one of the socket events in MASK. Returns the event (its value
//  in *VALUE when not NULL), or 0.
static int
s_wait_event (s_client_t *client, int mask, int timeout_ms, int *value)
{
    zmq_pollitem_t item = { client->monitor, 0, ZMQ_POLLIN, 0 };
    while (zmq_poll (&item, 1, timeout_ms) > 0) {
        zmq_msg_t msg;
        zmq_msg_init (&msg);
        zmq_msg_recv (&msg, client->monitor, 0);
        uint16_t event;
        uint32_t event_value;
        memcpy (&event, zmq_msg_data (&msg), 2);
        memcpy (&event_value, (char *) zmq_msg_data (&msg) + 2, 4);
        zmq_msg_close (&msg);
        zmq_msg_init (&msg);
        zmq_msg_recv (&msg, client->monitor, 0);   //  the endpoint
        zmq_msg_close (&msg);
        if (event & mask) {
            if (value)
                *value = (int) event_value;
            return event;
        }
    }
    return 0;
}

static void
s_send_bytes (s_client_t *client, const void *data, size_t len)
{
    cr_assert_eq (zmq_send (client->sock, data, len, 0), (int) len, "send: %s", zmq_strerror (zmq_errno ()));
}

//  Packs FRAME with our protocol version and sends it.
static void
s_send (s_client_t *client, Massline__Frame *frame)
{
    size_t len;
    uint8_t *buf = ml_wire_pack (frame, &len);
    s_send_bytes (client, buf, len);
    free (buf);
}

//  Waits up to TIMEOUT_MS for a frame from the collector; NULL when none came.
static Massline__Frame *
s_recv (s_client_t *client, int timeout_ms)
{
    zmq_pollitem_t item = { client->sock, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll (&item, 1, timeout_ms) <= 0)
        return NULL;
    //  Keep the last part, in case the collector puts an empty delimiter first.
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    cr_assert (zmq_msg_recv (&msg, client->sock, 0) >= 0);
    while (zmq_msg_more (&msg)) {
        zmq_msg_close (&msg);
        zmq_msg_init (&msg);
        cr_assert (zmq_msg_recv (&msg, client->sock, 0) >= 0);
    }
    int code;
    char err[256];
    Massline__Frame *frame = ml_wire_unpack (zmq_msg_data (&msg), zmq_msg_size (&msg), &code, err, sizeof err);
    cr_assert_not_null (frame, "the collector sent a bad frame: %s", err);
    zmq_msg_close (&msg);
    return frame;
}

static void
s_send_hello (s_client_t *client)
{
    Massline__Hello hello = MASSLINE__HELLO__INIT;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_HELLO;
    frame.hello = &hello;
    s_send (client, &frame);
}

//  Sends Hello and asserts that a Welcome for UNIT comes back.
static void
s_hello (s_client_t *client, const char *unit)
{
    s_send_hello (client);
    Massline__Frame *reply = s_recv (client, 20000);
    cr_assert_not_null (reply, "no Welcome for %s", unit);
    cr_assert_eq (reply->msg_case, MASSLINE__FRAME__MSG_WELCOME, "expected a Welcome, got frame case %d",
                  reply->msg_case);
    cr_assert_str_eq (reply->welcome->unit, unit);
    ml_wire_free (&reply);
}

//  A Batch frame (version unset) of a person event and NTALKS talks with refs TAG-P and TAG-Tn,
//  seqs from 1, each talk's note PAD bytes long; caller frees with s_batch_free.
static Massline__Frame *
s_batch (const char *unit, const char *tag, int ntalks, size_t pad)
{
    int n = ntalks + 1;
    Massline__Frame *frame = calloc (1, sizeof *frame);
    Massline__Batch *batch = calloc (1, sizeof *batch);
    massline__frame__init (frame);
    massline__batch__init (batch);
    frame->msg_case = MASSLINE__FRAME__MSG_BATCH;
    frame->batch = batch;
    batch->unit = unit ? strdup (unit) : NULL;
    batch->n_events = (size_t) n;
    batch->events = calloc ((size_t) n, sizeof *batch->events);
    char *note = calloc (1, pad + 1);
    memset (note, 'x', pad);
    for (int i = 0; i < n; i++) {
        Massline__Event event = MASSLINE__EVENT__INIT;
        Massline__Person person = MASSLINE__PERSON__INIT;
        Massline__Role role = MASSLINE__ROLE__INIT, *roles[] = { &role };
        Massline__Talk talk = MASSLINE__TALK__INIT;
        if (i == 0) {
            event.ref = ml_h_str ("%s-P", tag);
            person.person = "P777";
            person.name = "赵六";
            role.role = MASSLINE__ROLE__ID__leader;
            role.from = "2025-01-01";
            person.n_roles = 1;
            person.roles = roles;
            event.body_case = MASSLINE__EVENT__BODY_PERSON;
            event.person = &person;
        }
        else {
            event.ref = ml_h_str ("%s-T%d", tag, i);
            event.note = pad ? note : NULL;
            talk.date = "2025-03-05";
            talk.person = "P777";
            talk.with = "王芳";
            talk.with_category = MASSLINE__TALK__WITH_CATEGORY__masses;
            event.body_case = MASSLINE__EVENT__BODY_TALK;
            event.talk = &talk;
        }
        Massline__Envelope *env = calloc (1, sizeof *env);
        massline__envelope__init (env);
        env->seq = (uint64_t) i + 1;
        env->event.len = massline__event__get_packed_size (&event);
        env->event.data = malloc (env->event.len);
        massline__event__pack (&event, env->event.data);
        batch->events[i] = env;
    }
    free (note);
    return frame;
}

static void
s_batch_free (Massline__Frame *frame)
{
    Massline__Batch *batch = frame->batch;
    for (size_t i = 0; i < batch->n_events; i++) {
        free (batch->events[i]->event.data);
        free (batch->events[i]);
    }
    free (batch->events);
    free (batch->unit);
    free (batch);
    free (frame);
}

//  Packs FRAME as is (any version) into a malloc'd buffer.
static uint8_t *
s_pack_raw (Massline__Frame *frame, size_t *len)
{
    *len = massline__frame__get_packed_size (frame);
    uint8_t *buf = malloc (*len);
    cr_assert_not_null (buf);
    massline__frame__pack (frame, buf);
    return buf;
}

// ---------------------------------------------------------------------------
// Checks on the collector

//  True when no ref in the collector's store contains TAG.
static bool
s_nothing_stored (const char *tag)
{
    size_t n;
    char **refs = ml_h_collector_refs (&n);
    for (size_t i = 0; i < n; i++)
        if (strstr (refs[i], tag))
            return false;
    return true;
}

static char *
s_collector_log (void)
{
    char *log = ml_h_read (ml_h_str ("%s/collector.err", ml_h_dir ()));
    return log ? log : ml_h_str ("%s", "");
}

typedef struct {
    const char *needle;
    int more_than;
} s_log_wait_t;

static bool
s_log_has (void *arg)
{
    s_log_wait_t *wait = arg;
    return ml_h_count_lines (s_collector_log (), wait->needle) > wait->more_than;
}

//  Asserts that a new line of the collector's log mentions NEEDLE within 10 s; BEFORE is the
//  number of such lines before the act.
static void
s_assert_logged (const char *needle, int before, const char *what)
{
    s_log_wait_t wait = { needle, before };
    cr_assert (ml_h_until (s_log_has, &wait, 10000), "the collector did not log %s (%s); log:\n%s",
               what, needle, s_collector_log ());
}

static void
s_assert_nothing_stored (void)
{
    cr_assert_eq (ml_h_collector_events (NULL), 0, "the collector stored events from a refused client");
    cr_assert (s_nothing_stored ("EVIL"), "a ref from a refused frame is stored");
}

// ---------------------------------------------------------------------------

Test (integration, unregistered_key_is_refused, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    char pub[41], sec[41];
    cr_assert_eq (zmq_curve_keypair (pub, sec), 0);
    s_client_t client = s_connect (pub, sec);
    s_send_hello (&client);
    Massline__Frame *batch = s_batch ("H001", "EVIL-A", 3, 0);
    s_send (&client, batch);
    s_batch_free (batch);

    int status = 0;
    cr_assert_eq (s_wait_event (&client, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 20000, &status),
                  ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, "the CURVE handshake of an unknown key was not refused");
    cr_assert_null (s_recv (&client, 1500), "an unknown key got an answer");
    s_assert_logged (pub, 0, "the refused key");
    s_close (&client);

    cr_assert (ml_h_alive (ml_h_collector_pid ()));
    s_assert_nothing_stored ();
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);
    ml_h_pass ();
}

Test (integration, agent_cannot_write_another_unit, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    s_client_t client = s_connect_as ("H001");
    s_hello (&client, "H001");
    int before = ml_h_count_lines (s_collector_log (), "H002");
    Massline__Frame *batch = s_batch ("H002", "EVIL-B", 3, 0);
    s_send (&client, batch);
    s_batch_free (batch);

    Massline__Frame *reply = s_recv (&client, 20000);
    cr_assert_not_null (reply, "no answer to a Batch for another unit");
    cr_assert_eq (reply->msg_case, MASSLINE__FRAME__MSG_ERROR, "expected an Error, got frame case %d",
                  reply->msg_case);
    cr_assert_str_eq (reply->error->code, "unit");
    ml_wire_free (&reply);
    s_assert_logged ("H002", before, "the cross-unit batch");
    s_close (&client);

    cr_assert (ml_h_alive (ml_h_collector_pid ()));
    s_assert_nothing_stored ();
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);
    ml_h_pass ();
}

//  After Hello, sends DATA and expects an Error with code CODE back.
static void
s_send_bad (const char *what, const void *data, size_t len, const char *code)
{
    s_client_t client = s_connect_as ("H001");
    s_hello (&client, "H001");
    s_send_bytes (&client, data, len);
    Massline__Frame *reply = s_recv (&client, 20000);
    cr_assert_not_null (reply, "%s: no Error came back", what);
    cr_assert_eq (reply->msg_case, MASSLINE__FRAME__MSG_ERROR, "%s: answered with frame case %d",
                  what, reply->msg_case);
    cr_assert_str_eq (reply->error->code, code, "%s: Error code", what);
    ml_wire_free (&reply);
    s_close (&client);
    cr_assert (ml_h_alive (ml_h_collector_pid ()), "the collector died on %s", what);
}

Test (integration, bad_frames_do_not_hurt_the_collector, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_ini_set (ml_h_collector_ini (), "max_frame_bytes", "65536");
    ml_h_collector_start ();

    //  Bytes that are no Frame at all.
    const char garbage[] = "\xff\xfe\x01\x02 this is not a massline frame \x00\x07\x99";
    s_send_bad ("garbage", garbage, sizeof garbage, "malformed");

    //  A valid Batch cut short.
    Massline__Frame *batch = s_batch (NULL, "EVIL-C", 3, 0);
    size_t len;
    batch->version_major = ML_PROTO_MAJOR;
    uint8_t *buf = s_pack_raw (batch, &len);
    s_send_bad ("a truncated frame", buf, len - 5, "malformed");
    free (buf);

    //  A valid Batch from protocol version 9.
    batch->version_major = 9;
    buf = s_pack_raw (batch, &len);
    s_send_bad ("a version 9 frame", buf, len, "version");
    free (buf);
    s_batch_free (batch);

    //  A valid Batch bigger than max_frame_bytes: the connection is dropped.
    batch = s_batch (NULL, "EVIL-D", 80, 1500);
    batch->version_major = ML_PROTO_MAJOR;
    buf = s_pack_raw (batch, &len);
    s_batch_free (batch);
    cr_assert_gt (len, 65536);
    s_client_t client = s_connect_as ("H001");
    s_hello (&client, "H001");
    s_send_bytes (&client, buf, len);
    free (buf);
    cr_assert_eq (s_wait_event (&client, ZMQ_EVENT_DISCONNECTED, 20000, NULL), ZMQ_EVENT_DISCONNECTED,
                  "the collector kept the connection that sent an oversized frame");
    s_close (&client);
    cr_assert (ml_h_alive (ml_h_collector_pid ()), "the collector died on an oversized frame");
    s_assert_nothing_stored ();

    //  A normal agent still delivers, and nothing of the bad frames is stored.
    char *path = ml_h_str ("%s/H001.jsonl", ml_h_dir ());
    ml_h_write_events (path, "H001", 1, 10);
    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "import", path, NULL);
    cr_assert_eq (code, 0, "import exited %d: %s", code, out.err);
    code = ml_h_run (&out, 120000, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "flush", NULL);
    cr_assert_eq (code, 0, "flush after the bad frames exited %d: %s", code, out.err);
    ml_h_assert_stored_once ("H001", 10);
    ml_h_pass ();
}

// ---------------------------------------------------------------------------

//  Runs the command and asserts it exits 2 within 20 s naming KEY_PATH's file and its mode.
static void
s_assert_refuses_key (const char *what, const char *key_path, char *const argv[])
{
    ml_h_out_t out;
    int code = ml_h_runv (&out, 20000, argv);
    cr_assert_eq (code, 2, "%s with a 0644 secret key exited %d, expected 2; stderr: %s", what, code, out.err);
    const char *base = strrchr (key_path, '/') + 1;
    cr_assert (strstr (out.err, base), "%s: stderr does not name %s: %s", what, base, out.err);
    cr_assert (strstr (out.err, "0644"), "%s: stderr does not say the mode is 0644: %s", what, out.err);
}

Test (integration, collector_refuses_world_readable_secret_key, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    char *key = ml_h_ini_path (ml_h_collector_ini (), "secret_key");
    cr_assert_eq (chmod (key, 0644), 0, "%s", key);
    char *serve[] = { (char *) ML_COLLECTOR, "-c", (char *) ml_h_collector_ini (), "serve", NULL };
    s_assert_refuses_key ("massline-collector serve", key, serve);

    key = ml_h_ini_path (ml_h_agent_ini ("H001"), "secret_key");
    cr_assert_eq (chmod (key, 0644), 0, "%s", key);
    char *run[] = { (char *) ML_AGENT, "-c", (char *) ml_h_agent_ini ("H001"), "run", NULL };
    s_assert_refuses_key ("massline-agent run", key, run);
    ml_h_pass ();
}
