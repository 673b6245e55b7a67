/* bench_query_load.c -- a load of report clients on a running collector: CLIENTS connections as the
   client in CLIENT_INI, each with one query always outstanding (asked again as soon as it is
   answered), until SIGTERM or SIGINT.

     bench_query_load CLIENT_INI CLIENTS COMMAND [key=value...]
       e.g. bench_query_load agents/B001/client.ini 20 "report unit-annual" unit=B001 year=2025

   Prints "load clients=N answered=A busy=B failed=F timeouts=T max_ms=M" when stopped: answers
   (QueryReply), Error busy (asked again 100 ms later), other Errors, and queries not answered
   within timeout_ms (default 10000, as `massline`: asked again then). Exits 1 when a connection
   could not be made. */
#include "ml_config.h"
#include "ml_keys.h"
#include "ml_wire.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define MAX_CLIENTS 256

typedef struct {
    char *query, *collector_key, *public_key, *secret_key;
    long timeout_ms;
} s_config_t;

static const ml_opt_t s_opts[] = {
    { "client", "query", ML_OPT_STR, NULL, offsetof (s_config_t, query), "" },
    { "client", "collector_key", ML_OPT_KEY, NULL, offsetof (s_config_t, collector_key), "" },
    { "client", "public_key", ML_OPT_KEY, NULL, offsetof (s_config_t, public_key), "" },
    { "client", "secret_key", ML_OPT_PATH, NULL, offsetof (s_config_t, secret_key), "" },
    { "client", "timeout_ms", ML_OPT_INT, "10000", offsetof (s_config_t, timeout_ms), "" },
    { NULL, NULL, 0, NULL, 0, NULL }
};

static volatile sig_atomic_t s_stop;

static void
s_on_signal (int sig)
{
    (void) sig;
    s_stop = 1;
}

static double
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e3 + (double) ts.tv_nsec / 1e6;
}

int
main (int argc, char **argv)
{
    if (argc < 4) {
        fprintf (stderr, "usage: bench_query_load CLIENT_INI CLIENTS COMMAND [key=value...]\n");
        return 2;
    }
    int n = atoi (argv[2]);
    s_config_t cfg = { 0 };
    char err[1024], secret[ML_KEY_LEN + 1];
    if (n < 1 || n > MAX_CLIENTS || ml_config_load (argv[1], s_opts, &cfg, err, sizeof err)
    ||  ml_key_read_secret (cfg.secret_key, secret, err, sizeof err)) {
        fprintf (stderr, "bench_query_load: %s\n", n < 1 || n > MAX_CLIENTS ? "CLIENTS must be 1-256" : err);
        return 2;
    }
    signal (SIGTERM, s_on_signal);
    signal (SIGINT, s_on_signal);
    Massline__QueryRequest request = MASSLINE__QUERY_REQUEST__INIT;
    request.command = argv[3];
    request.args = argv + 4;
    request.n_args = (size_t) (argc - 4);
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_QUERY_REQUEST;
    frame.query_request = &request;
    size_t reqlen;
    uint8_t *req = ml_wire_pack (&frame, &reqlen);
    void *ctx = zmq_ctx_new ();
    void *socks[MAX_CLIENTS];
    zmq_pollitem_t items[MAX_CLIENTS];
    double asked[MAX_CLIENTS];
    double retry[MAX_CLIENTS];          //  after busy: ask again at this time (0: not waiting)
    int zero = 0;
    for (int i = 0; i < n; i++) {
        socks[i] = zmq_socket (ctx, ZMQ_DEALER);
        if (zmq_setsockopt (socks[i], ZMQ_LINGER, &zero, sizeof zero)
        ||  zmq_setsockopt (socks[i], ZMQ_CURVE_SERVERKEY, cfg.collector_key, ML_KEY_LEN + 1)
        ||  zmq_setsockopt (socks[i], ZMQ_CURVE_PUBLICKEY, cfg.public_key, ML_KEY_LEN + 1)
        ||  zmq_setsockopt (socks[i], ZMQ_CURVE_SECRETKEY, secret, ML_KEY_LEN + 1)
        ||  zmq_connect (socks[i], cfg.query)) {
            fprintf (stderr, "bench_query_load: cannot connect to %s: %s\n", cfg.query, zmq_strerror (zmq_errno ()));
            return 1;
        }
        items[i] = (zmq_pollitem_t) { socks[i], 0, ZMQ_POLLIN, 0 };
        zmq_send (socks[i], req, reqlen, 0);
        asked[i] = s_now_ms ();
        retry[i] = 0;
    }
    unsigned long answered = 0, busy = 0, failed = 0, timeouts = 0;
    double max_ms = 0;
    while (!s_stop) {
        if (zmq_poll (items, n, 100) < 0)
            continue;
        double now = s_now_ms ();
        for (int i = 0; i < n; i++) {
            if (retry[i] && now < retry[i])
                continue;
            if (retry[i])
                retry[i] = 0;
            else
            if (items[i].revents & ZMQ_POLLIN) {
                zmq_msg_t msg;
                zmq_msg_init (&msg);
                if (zmq_msg_recv (&msg, socks[i], 0) >= 0) {
                    int code;
                    Massline__Frame *reply = ml_wire_unpack (zmq_msg_data (&msg), zmq_msg_size (&msg),
                                                             &code, err, sizeof err);
                    if (reply && reply->msg_case == MASSLINE__FRAME__MSG_QUERY_REPLY)
                        answered++;
                    else
                    if (reply && reply->msg_case == MASSLINE__FRAME__MSG_ERROR
                        && strcmp (reply->error->code, "busy") == 0) {
                        busy++;
                        retry[i] = now + 100;       //  asked again in 100 ms
                    }
                    else
                        failed++;
                    ml_wire_free (&reply);
                }
                zmq_msg_close (&msg);
                if (now - asked[i] > max_ms)
                    max_ms = now - asked[i];
                if (retry[i])
                    continue;
            }
            else
            if (now - asked[i] > (double) cfg.timeout_ms)
                timeouts++;             //  as `massline` would: give up and ask again
            else
                continue;
            zmq_send (socks[i], req, reqlen, 0);
            asked[i] = now;
        }
    }
    printf ("load clients=%d answered=%lu busy=%lu failed=%lu timeouts=%lu max_ms=%.0f\n", n, answered,
            busy, failed, timeouts, max_ms);
    for (int i = 0; i < n; i++)
        zmq_close (socks[i]);
    zmq_ctx_term (ctx);
    free (req);
    ml_config_free (s_opts, &cfg);
    return 0;
}
