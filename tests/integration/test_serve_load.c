/* test_serve_load.c -- queries do not stall ingest (issue 16 item 3): pipelined queries do not hold
   up an agent's Hello, one unit's reports do not stop another unit's delivery, a full query queue
   answers "busy" at once and leaves room for other keys, and every answer is still the right one.
   Hand-made CURVE DEALERs stand for the clients; the real agent delivers. Order, not time. */
#include "ml_harness.h"
#include "ml_wire.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#define T 120000                        //  ms: a command's limit (never asserted as a time)
#define SEED "48172938475610293847561029"
#define PIPELINED 48
#define REPORTERS 20

static void *s_ctx;

static void
s_fini (void)
{
    if (s_ctx)
        zmq_ctx_term (s_ctx);
    s_ctx = NULL;
    ml_h_fini ();
}

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

//  A DEALER with the keys of the program configured by INI, connected to the collector's
//  ENDPOINT_KEY ("query" or "ingest").
static void *
s_dealer (const char *ini, const char *endpoint_key)
{
    if (!s_ctx)
        s_ctx = zmq_ctx_new ();
    void *sock = zmq_socket (s_ctx, ZMQ_DEALER);
    const char *cini = ml_h_collector_ini ();
    char *server = s_key_file (ml_h_ini_path (cini, "public_key"));
    char *pub = s_key_file (ml_h_ini_path (ini, "public_key"));
    char *sec = s_key_file (ml_h_ini_path (ini, "secret_key"));
    int linger = 0;
    zmq_setsockopt (sock, ZMQ_LINGER, &linger, sizeof linger);
    cr_assert_eq (zmq_setsockopt (sock, ZMQ_CURVE_SERVERKEY, server, 40), 0);
    cr_assert_eq (zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY, pub, 40), 0);
    cr_assert_eq (zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, sec, 40), 0);
    char *endpoint = ml_h_ini_get (cini, endpoint_key);
    cr_assert_eq (zmq_connect (sock, endpoint), 0, "connect %s: %s", endpoint, zmq_strerror (zmq_errno ()));
    return sock;
}

static void
s_send (void *sock, Massline__Frame *frame)
{
    size_t len;
    uint8_t *buf = ml_wire_pack (frame, &len);
    cr_assert_not_null (buf);
    cr_assert_eq (zmq_send (sock, buf, len, 0), (int) len, "send: %s", zmq_strerror (zmq_errno ()));
    free (buf);
}

//  Sends QueryRequest COMMAND with ARGS (N of them).
static void
s_ask (void *sock, const char *command, const char *const *args, size_t n)
{
    Massline__QueryRequest request = MASSLINE__QUERY_REQUEST__INIT;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    request.command = (char *) command;
    request.args = (char **) args;
    request.n_args = n;
    frame.msg_case = MASSLINE__FRAME__MSG_QUERY_REQUEST;
    frame.query_request = &request;
    s_send (sock, &frame);
}

static void
s_hello (void *sock)
{
    Massline__Hello hello = MASSLINE__HELLO__INIT;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_HELLO;
    frame.hello = &hello;
    s_send (sock, &frame);
}

//  Receives one frame without waiting (NULL when none is there).
static Massline__Frame *
s_recv (void *sock)
{
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    if (zmq_msg_recv (&msg, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&msg);
        return NULL;
    }
    while (zmq_msg_more (&msg)) {
        zmq_msg_close (&msg);
        zmq_msg_init (&msg);
        cr_assert (zmq_msg_recv (&msg, sock, 0) >= 0);
    }
    int code;
    char err[256];
    Massline__Frame *frame = ml_wire_unpack (zmq_msg_data (&msg), zmq_msg_size (&msg), &code, err, sizeof err);
    cr_assert_not_null (frame, "the collector sent a bad frame: %s", err);
    zmq_msg_close (&msg);
    return frame;
}

//  Waits (up to the command limit) for one frame on SOCK.
static Massline__Frame *
s_wait (void *sock)
{
    zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
    cr_assert_gt (zmq_poll (&item, 1, T), 0, "no answer from the collector");
    return s_recv (sock);
}

//  The answer FRAME as text: its JSON, or "busy" for Error busy; fails on any other Error.
static char *
s_answer (Massline__Frame *frame, int *busy)
{
    if (frame->msg_case == MASSLINE__FRAME__MSG_ERROR) {
        cr_assert_str_eq (frame->error->code, "busy", "unexpected Error %s: %s", frame->error->code,
                          frame->error->message);
        cr_assert (strstr (frame->error->message, "query_queue"), "%s", frame->error->message);
        (*busy)++;
        return NULL;
    }
    cr_assert_eq (frame->msg_case, MASSLINE__FRAME__MSG_QUERY_REPLY, "frame case %d", frame->msg_case);
    return ml_h_str ("%s", frame->query_reply->json);
}

// ---------------------------------------------------------------------------
// The bureau: H001 with EVENTS talks delivered, a sample drawn over them.

static const char *const s_verify_args[] = { "sample=S2025-001" };
static const char *const s_report_args[] = { "unit=H001", "year=2025" };

//  Sets the collector's query settings, delivers H001's events and draws S2025-001.
static void
s_bureau (int events, const char *workers, const char *queue)
{
    ml_h_bureau ();
    ml_h_ini_set (ml_h_collector_ini (), "query_workers", workers);
    ml_h_ini_set (ml_h_collector_ini (), "query_queue", queue);
    const char *file = ml_h_str ("%s/H001.jsonl", ml_h_dir ());
    ml_h_write_events (file, "H001", 1, events);
    cr_assert_eq (ml_h_run (NULL, T, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "import", file, NULL), 0);
    ml_h_collector_start ();
    ml_h_out_t out;
    cr_assert_eq (ml_h_run (&out, T, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "flush", NULL), 0, "%s", out.err);
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", ml_h_client_ini (), "sample", "draw", "--year", "2025",
                            "--seed", SEED, "--size", "30", "--json", NULL), 0, "%s%s", out.out, out.err);
}

//  The answer to one query asked alone: what every answer under load must equal.
static char *
s_reference (const char *ini, const char *command, const char *const *args, size_t n)
{
    void *sock = s_dealer (ini, "query");
    s_ask (sock, command, args, n);
    int busy = 0;
    Massline__Frame *frame = s_wait (sock);
    char *json = s_answer (frame, &busy);
    cr_assert_not_null (json, "a query asked alone was answered busy");
    ml_wire_free (&frame);
    zmq_close (sock);
    return json;
}

// ---------------------------------------------------------------------------

Test (serve_load, pipelined_queries_do_not_hold_up_a_hello, .init = ml_h_init, .fini = s_fini,
      .timeout = 600)
{
    //  One worker: the 48 verifications are answered one after the other.
    s_bureau (20000, "1", "128");
    char *want = s_reference (ml_h_client_ini (), "sample verify", s_verify_args, 1);
    cr_assert (strstr (want, "\"matches\":true"), "%s", want);

    void *queries = s_dealer (ml_h_client_ini (), "query");
    for (int i = 0; i < PIPELINED; i++)
        s_ask (queries, "sample verify", s_verify_args, 1);
    //  The first answer is there: the collector is working through the others now. Then an
    //  agent connects and says Hello.
    int answers = 0, busy = 0, at_welcome = -1;
    Massline__Frame *first = s_wait (queries);
    cr_assert_str_eq (s_answer (first, &busy), want, "answer 1 differs from the one asked alone");
    ml_wire_free (&first);
    answers++;
    void *agent = s_dealer (ml_h_agent_ini ("H002"), "ingest");
    s_hello (agent);

    zmq_pollitem_t items[] = { { queries, 0, ZMQ_POLLIN, 0 }, { agent, 0, ZMQ_POLLIN, 0 } };
    while (answers < PIPELINED || at_welcome < 0) {
        cr_assert_gt (zmq_poll (items, 2, T), 0, "no answer (%d of %d; welcome %d)", answers,
                      PIPELINED, at_welcome);
        Massline__Frame *frame;
        while ((frame = s_recv (agent))) {
            cr_assert_eq (frame->msg_case, MASSLINE__FRAME__MSG_WELCOME, "frame case %d", frame->msg_case);
            at_welcome = answers;
            ml_wire_free (&frame);
        }
        while ((frame = s_recv (queries))) {
            char *json = s_answer (frame, &busy);
            cr_assert_str_eq (json, want, "answer %d differs from the one asked alone", answers + 1);
            answers++;
            ml_wire_free (&frame);
        }
    }
    cr_assert_eq (busy, 0, "48 fit the queue of 128");
    cr_assert_lt (at_welcome, PIPELINED, "the Welcome waited for all %d verifications", PIPELINED);
    zmq_close (queries);
    zmq_close (agent);
    ml_h_pass ();
}

Test (serve_load, one_units_reports_do_not_stop_another_units_delivery, .init = ml_h_init,
      .fini = s_fini, .timeout = 600)
{
    s_bureau (20000, "1", "64");
    const char *h001 = ml_h_agent_ini ("H001");
    char *want = s_reference (h001, "report unit-annual", s_report_args, 2);
    const int n = 5000;
    const char *file = ml_h_str ("%s/H002.jsonl", ml_h_dir ());
    ml_h_write_events (file, "H002", 1, n);
    cr_assert_eq (ml_h_run (NULL, T, ML_AGENT, "-c", ml_h_agent_ini ("H002"), "import", file, NULL), 0);

    //  20 connections of H001's own key keep a unit-annual each always asked...
    void *reporters[REPORTERS];
    zmq_pollitem_t items[REPORTERS];
    for (int i = 0; i < REPORTERS; i++) {
        reporters[i] = s_dealer (h001, "query");
        items[i] = (zmq_pollitem_t) { reporters[i], 0, ZMQ_POLLIN, 0 };
        s_ask (reporters[i], "report unit-annual", s_report_args, 2);
    }
    //  ...while H002 delivers its events.
    pid_t flush = ml_h_spawn ("flush-H002", ML_AGENT, "-c", ml_h_agent_ini ("H002"), "flush", NULL);
    int answers = 0, busy = 0, status = -1;
    while ((status = ml_h_wait (flush, 0)) < 0) {
        zmq_poll (items, REPORTERS, 50);
        for (int i = 0; i < REPORTERS; i++) {
            Massline__Frame *frame;
            while ((frame = s_recv (reporters[i]))) {
                char *json = s_answer (frame, &busy);
                if (json)
                    cr_assert_str_eq (json, want, "answer %d differs from the one asked alone", answers + 1);
                answers++;
                ml_wire_free (&frame);
                s_ask (reporters[i], "report unit-annual", s_report_args, 2);
            }
        }
    }
    cr_assert_eq (status, 0, "H002's flush failed: %s", ml_h_read (ml_h_str ("%s/flush-H002.err", ml_h_dir ())));
    cr_assert_eq (ml_h_collector_events ("H002"), n + 1, "H002's events are all stored");
    //  the reports were being answered all along, and are still asked: each connection has one out
    cr_assert_eq (busy, 0, "20 connections fit the queue of 64 (a key: 32)");
    int outstanding = REPORTERS;
    while (outstanding) {
        for (int i = 0; i < REPORTERS; i++) {
            if (!reporters[i])
                continue;
            Massline__Frame *frame = s_wait (reporters[i]);
            char *json = s_answer (frame, &busy);
            cr_assert_str_eq (json, want);
            ml_wire_free (&frame);
            zmq_close (reporters[i]);
            reporters[i] = NULL;
            outstanding--;
        }
    }
    cr_log_info ("%d reports answered while H002 delivered %d events", answers, n);
    ml_h_pass ();
}

Test (serve_load, a_full_queue_answers_busy_and_leaves_room_for_other_keys, .init = ml_h_init,
      .fini = s_fini, .timeout = 600)
{
    //  One worker and a queue of 2: a key may have one query waiting.
    s_bureau (20000, "1", "2");
    char *want = s_reference (ml_h_client_ini (), "sample verify", s_verify_args, 1);
    const char *h001 = ml_h_agent_ini ("H001");
    char *report = s_reference (h001, "report unit-annual", s_report_args, 2);

    void *flood = s_dealer (ml_h_client_ini (), "query");
    for (int i = 0; i < PIPELINED; i++)
        s_ask (flood, "sample verify", s_verify_args, 1);
    //  another key asks while the flood is queued: its query gets a place of its own
    void *other = s_dealer (h001, "query");
    s_ask (other, "report unit-annual", s_report_args, 2);

    int answers = 0, busy = 0;
    while (answers < PIPELINED) {
        Massline__Frame *frame = s_wait (flood);
        char *json = s_answer (frame, &busy);
        if (json)
            cr_assert_str_eq (json, want, "answer %d differs from the one asked alone", answers + 1);
        answers++;
        ml_wire_free (&frame);
    }
    cr_assert_gt (busy, 0, "48 pipelined queries with one worker and a queue of 2: some are busy");
    cr_assert_lt (busy, PIPELINED, "the first one is answered");
    int other_busy = 0;
    Massline__Frame *frame = s_wait (other);
    char *json = s_answer (frame, &other_busy);
    cr_assert_eq (other_busy, 0, "another key's query was refused busy behind the flood");
    cr_assert_str_eq (json, report);
    ml_wire_free (&frame);
    zmq_close (flood);
    zmq_close (other);

    //  busy is logged once per state change, not once per query
    char *log = ml_h_read (ml_h_str ("%s/collector.err", ml_h_dir ()));
    int full = ml_h_count_lines (log, "query queue full");
    cr_assert_gt (full, 0, "%s", log);
    cr_assert_leq (full, busy);
    ml_h_pass ();
}

//  query_cache = 0: every report is computed (what `ops/bench report` measures), the answers are
//  the cached collector's answers, and nothing is counted as sent again; a value other than 0 or
//  1 stops the collector at start with a line naming the setting.
Test (serve_load, query_cache_off_computes_every_answer, .init = ml_h_init, .fini = s_fini,
      .timeout = 300)
{
    s_bureau (200, "2", "64");
    char *cached = s_reference (ml_h_client_ini (), "report unit-annual", s_report_args, 2);
    char *again = s_reference (ml_h_client_ini (), "report unit-annual", s_report_args, 2);
    cr_assert_str_eq (again, cached, "the cached answer differs");
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);
    char *log = ml_h_read (ml_h_str ("%s/collector.err", ml_h_dir ()));
    cr_assert (strstr (log, "query cache: 1 answers sent again"), "the cache was not used: %s", log);

    ml_h_ini_set (ml_h_collector_ini (), "query_cache", "0");
    unlink (ml_h_str ("%s/collector.err", ml_h_dir ()));
    ml_h_collector_start ();
    for (int i = 0; i < 3; i++) {
        char *json = s_reference (ml_h_client_ini (), "report unit-annual", s_report_args, 2);
        cr_assert_str_eq (json, cached, "answer %d without the cache differs", i + 1);
    }
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);
    log = ml_h_read (ml_h_str ("%s/collector.err", ml_h_dir ()));
    cr_assert_null (strstr (log, "query cache:"), "query_cache = 0 kept answers: %s", log);

    ml_h_ini_set (ml_h_collector_ini (), "query_cache", "2");
    ml_h_out_t out;
    cr_assert_neq (ml_h_run (&out, T, ML_COLLECTOR, "-c", ml_h_collector_ini (), "serve", NULL), 0);
    cr_assert (strstr (out.err, "query_cache must be 0 or 1"), "%s", out.err);
    ml_h_pass ();
}
