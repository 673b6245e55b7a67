/* bench_report_query.c -- times report queries against a running collector, request to reply,
   over one CURVE connection as the client in CLIENT_INI (the `massline` client's protocol:
   a QueryRequest frame out, a QueryReply with the report's JSON back, parsed).

     bench_report_query CLIENT_INI RUNS COMMAND [key=value...]
       e.g. bench_report_query staff/admin.ini 9 "report rollup" year=2025

   One warm-up request, then RUNS timed ones. Prints
     "query runs=N median_ms=M min_ms=A max_ms=B bytes=S". Exits 1 on any failure. */
#include "ml_config.h"
#include "ml_keys.h"
#include "ml_wire.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

typedef struct {
    char *query, *collector_key, *public_key, *secret_key;
    long timeout_ms;
} s_config_t;

static const ml_opt_t s_opts[] = {
    { "client", "query", ML_OPT_STR, NULL, offsetof (s_config_t, query), "" },
    { "client", "collector_key", ML_OPT_KEY, NULL, offsetof (s_config_t, collector_key), "" },
    { "client", "public_key", ML_OPT_KEY, NULL, offsetof (s_config_t, public_key), "" },
    { "client", "secret_key", ML_OPT_PATH, NULL, offsetof (s_config_t, secret_key), "" },
    { "client", "timeout_ms", ML_OPT_INT, "60000", offsetof (s_config_t, timeout_ms), "" },
    { NULL, NULL, 0, NULL, 0, NULL }
};

static double
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

//  One request and its reply; returns the reply's JSON size, or 0 after printing why.
static size_t
s_ask (void *sock, const uint8_t *req, size_t reqlen, long timeout_ms)
{
    if (zmq_send (sock, req, reqlen, 0) < 0)
        return 0;
    zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll (&item, 1, timeout_ms) <= 0) {
        fprintf (stderr, "bench_report_query: no answer within %ld ms\n", timeout_ms);
        return 0;
    }
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    size_t size = 0;
    if (zmq_msg_recv (&msg, sock, 0) >= 0) {
        int code;
        char err[256];
        Massline__Frame *reply = ml_wire_unpack (zmq_msg_data (&msg), zmq_msg_size (&msg), &code, err, sizeof err);
        if (reply && reply->msg_case == MASSLINE__FRAME__MSG_QUERY_REPLY) {
            json_error_t jerr;
            json_t *json = json_loads (reply->query_reply->json, 0, &jerr);
            size = json ? strlen (reply->query_reply->json) : 0;
            json_decref (json);
        }
        else
        if (reply && reply->msg_case == MASSLINE__FRAME__MSG_ERROR)
            fprintf (stderr, "bench_report_query: refused: %s: %s\n", reply->error->code, reply->error->message);
        else
            fprintf (stderr, "bench_report_query: bad answer: %s\n", reply ? "unexpected frame" : err);
        ml_wire_free (&reply);
    }
    zmq_msg_close (&msg);
    return size;
}

int
main (int argc, char **argv)
{
    if (argc < 4) {
        fprintf (stderr, "usage: bench_report_query CLIENT_INI RUNS COMMAND [key=value...]\n");
        return 2;
    }
    int runs = atoi (argv[2]);
    s_config_t cfg = { 0 };
    char err[1024], secret[ML_KEY_LEN + 1];
    if (runs < 1 || ml_config_load (argv[1], s_opts, &cfg, err, sizeof err)
    ||  ml_key_read_secret (cfg.secret_key, secret, err, sizeof err)) {
        fprintf (stderr, "bench_report_query: %s\n", runs < 1 ? "RUNS must be positive" : err);
        return 2;
    }
    void *ctx = zmq_ctx_new ();
    void *sock = zmq_socket (ctx, ZMQ_DEALER);
    int zero = 0;
    if (zmq_setsockopt (sock, ZMQ_LINGER, &zero, sizeof zero)
    ||  zmq_setsockopt (sock, ZMQ_CURVE_SERVERKEY, cfg.collector_key, ML_KEY_LEN + 1)
    ||  zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY, cfg.public_key, ML_KEY_LEN + 1)
    ||  zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, secret, ML_KEY_LEN + 1)
    ||  zmq_connect (sock, cfg.query)) {
        fprintf (stderr, "bench_report_query: cannot connect to %s: %s\n", cfg.query, zmq_strerror (zmq_errno ()));
        return 1;
    }
    Massline__QueryRequest request = MASSLINE__QUERY_REQUEST__INIT;
    request.command = argv[3];
    request.args = argv + 4;
    request.n_args = (size_t) (argc - 4);
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_QUERY_REQUEST;
    frame.query_request = &request;
    size_t reqlen;
    uint8_t *req = ml_wire_pack (&frame, &reqlen);
    double *ms = calloc ((size_t) runs, sizeof *ms);
    size_t bytes = req && ms ? s_ask (sock, req, reqlen, cfg.timeout_ms) : 0;     //  warm-up
    for (int r = 0; bytes && r < runs; r++) {
        double t0 = s_now_ms ();
        bytes = s_ask (sock, req, reqlen, cfg.timeout_ms);
        ms[r] = s_now_ms () - t0;
    }
    int code = bytes ? 0 : 1;
    if (bytes) {
        qsort (ms, (size_t) runs, sizeof *ms, s_cmp);
        printf ("query runs=%d median_ms=%.3f min_ms=%.3f max_ms=%.3f bytes=%zu\n", runs,
                runs % 2 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2, ms[0], ms[runs - 1], bytes);
    }
    free (ms);
    free (req);
    zmq_close (sock);
    zmq_ctx_term (ctx);
    ml_config_free (s_opts, &cfg);
    return code;
}
