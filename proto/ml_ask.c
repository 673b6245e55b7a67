/* ml_ask.c -- one request to a collector's query endpoint over CURVE (ml_ask.h): a DEALER
   socket per call (or one kept between calls: ml_ask_conn_t), a monitor on its handshake to tell
   a refused key from a collector that is not there, and a short growing pause before asking
   again when the collector answers "busy". */
#include "ml_ask.h"
#include "ml_keys.h"
#include "ml_wire.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

// ---------------------------------------------------------------------------
// Telling a refused key from a collector that is not there.

//  Watches SOCK's handshakes on a PAIR socket (its own inproc name, so that threads sharing a
//  context do not meet); returns it or NULL.
static void *
s_monitor (void *ctx, void *sock)
{
    int events = ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
               | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_CONNECTED;
    char endpoint[64];
    snprintf (endpoint, sizeof endpoint, "inproc://massline-client-monitor-%p", sock);
    void *mon = NULL;
    int zero = 0;
    if (zmq_socket_monitor (sock, endpoint, events)
    ||  !(mon = zmq_socket (ctx, ZMQ_PAIR))
    ||  zmq_setsockopt (mon, ZMQ_LINGER, &zero, sizeof zero)
    ||  zmq_connect (mon, endpoint)) {
        if (mon)
            zmq_close (mon);
        return NULL;
    }
    return mon;
}

//  Reads the monitor's pending events: the last handshake failure (0: none) into *FAILED, and
//  whether a TCP connection was made into *CONNECTED.
static void
s_monitor_read (void *mon, int *failed, bool *connected)
{
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    while (mon && zmq_msg_recv (&msg, mon, ZMQ_DONTWAIT) >= 0) {
        uint16_t event = 0;
        if (zmq_msg_size (&msg) >= 2)
            memcpy (&event, zmq_msg_data (&msg), 2);
        while (zmq_msg_more (&msg))     //  the endpoint part
            zmq_msg_recv (&msg, mon, 0);
        if (event == ZMQ_EVENT_CONNECTED)
            *connected = true;
        else
            *failed = event;
    }
    zmq_msg_close (&msg);
}

//  Waits up to PEER's timeout for an answer on SOCK. Returns 1 when one is there, else 0 with
//  MSG saying why: the collector refused our key, the handshake failed, or no answer came.
static int
s_wait_answer (void *sock, void *mon, const ml_ask_peer_t *peer, char *code, size_t codelen,
               char *msg, size_t msglen)
{
    zmq_pollitem_t items[2] = { { sock, 0, ZMQ_POLLIN, 0 }, { mon, 0, ZMQ_POLLIN, 0 } };
    int failed = 0;
    bool connected = false;
    struct timespec t0, now;
    clock_gettime (CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime (CLOCK_MONOTONIC, &now);
        long left = peer->timeout_ms - ((now.tv_sec - t0.tv_sec) * 1000
                                        + (now.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0)
            break;
        if (zmq_poll (items, mon ? 2 : 1, left) < 0 && zmq_errno () != EINTR)
            break;
        if (items[0].revents & ZMQ_POLLIN)
            return 1;
        s_monitor_read (mon, &failed, &connected);
        if (failed == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
            snprintf (code, codelen, "denied");
            snprintf (msg, msglen, "the collector at %s refused this client's key (public_key %s "
                      "is not in its registry): ask the bureau to add it to registry.ini as "
                      "[client NAME] key = %s", peer->query, peer->public_key, peer->public_key);
            return 0;
        }
    }
    if (failed)
        snprintf (msg, msglen, "no answer from %s within %g s: the CURVE handshake failed; is "
                  "collector_key the collector's public key?", peer->query, peer->timeout_ms / 1000.0);
    else
        snprintf (msg, msglen, "no answer from %s within %g s%s", peer->query,
                  peer->timeout_ms / 1000.0,
                  connected || !mon ? "" : " (no connection: is the collector running there?)");
    return 0;
}

struct ml_ask_conn {
    void *sock;                         //  the DEALER socket, NULL until the first call
    void *mon;                          //  its handshake monitor
};

ml_ask_conn_t *
ml_ask_conn_new (void)
{
    return calloc (1, sizeof (ml_ask_conn_t));
}

static void
s_close (void *sock, void *mon)
{
    if (sock) {
        zmq_socket_monitor (sock, NULL, 0);
        zmq_close (sock);
    }
    if (mon)
        zmq_close (mon);
}

void
ml_ask_conn_destroy (ml_ask_conn_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_close ((*self_p)->sock, (*self_p)->mon);
    free (*self_p);
    *self_p = NULL;
}

static Massline__Frame *
s_exchange_once (ml_ask_conn_t *conn, const ml_ask_peer_t *peer, const char *what,
                 Massline__Frame *request, char *code, size_t codelen, char *msg, size_t msglen)
{
    Massline__Frame *reply = NULL;
    //  a kept connection: its socket while it has one, else a new one that it keeps
    if (!peer->ctx)
        conn = NULL;
    bool answered = false;              //  a frame came back: the socket is in step
    void *ctx = peer->ctx ? peer->ctx : zmq_ctx_new ();
    void *sock = conn && conn->sock ? conn->sock : NULL;
    void *mon = conn && conn->sock ? conn->mon : NULL;
    char err[1024];
    int zero = 0;
    snprintf (code, codelen, "unreachable");
    if (!sock
    &&  (!ctx || !(sock = zmq_socket (ctx, ZMQ_DEALER))
         ||  zmq_setsockopt (sock, ZMQ_LINGER, &zero, sizeof zero)
         ||  zmq_setsockopt (sock, ZMQ_CURVE_SERVERKEY, peer->collector_key, ML_KEY_LEN + 1)
         ||  zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY, peer->public_key, ML_KEY_LEN + 1)
         ||  zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, peer->secret_key, ML_KEY_LEN + 1)
         ||  !(mon = s_monitor (ctx, sock))
         ||  zmq_connect (sock, peer->query))) {
        snprintf (msg, msglen, "%s: cannot connect to %s: %s", what, peer->query, zmq_strerror (zmq_errno ()));
        goto done;
    }
    size_t len;
    uint8_t *buf = ml_wire_pack (request, &len);
    int sent = buf ? zmq_send (sock, buf, len, 0) : -1;
    free (buf);
    if (sent < 0 || !s_wait_answer (sock, mon, peer, code, codelen, msg, msglen))
        goto done;
    zmq_msg_t zmsg;
    zmq_msg_init (&zmsg);
    if (zmq_msg_recv (&zmsg, sock, 0) >= 0) {
        int wcode;
        reply = ml_wire_unpack (zmq_msg_data (&zmsg), zmq_msg_size (&zmsg), &wcode, err, sizeof err);
        answered = reply != NULL;
        if (!reply) {
            snprintf (code, codelen, "protocol");
            snprintf (msg, msglen, "%s: the collector's answer: %s", what, err);
        }
    }
    zmq_msg_close (&zmsg);
    if (reply && reply->msg_case == MASSLINE__FRAME__MSG_ERROR) {
        snprintf (code, codelen, "%s", reply->error->code);
        snprintf (msg, msglen, "%s: the collector refused: %s: %s", what, reply->error->code,
                  reply->error->message);
        ml_wire_free (&reply);
    }
    if (reply)
        code[0] = msg[0] = 0;
done:
    if (conn && answered) {
        conn->sock = sock;              //  kept for the next call
        conn->mon = mon;
    }
    else {
        //  no answer: a late one must not be taken for the next call's, so this socket goes
        s_close (sock, mon);
        if (conn)
            conn->sock = conn->mon = NULL;
    }
    if (ctx && !peer->ctx)
        zmq_ctx_term (ctx);
    return reply;
}

static Massline__Frame *
s_exchange (ml_ask_conn_t *conn, const ml_ask_peer_t *peer, const char *what,
            Massline__Frame *request, char *code, size_t codelen, char *msg, size_t msglen)
{
    long pause_ms = ML_ASK_BUSY_PAUSE_MS;
    for (int attempt = 0; ; attempt++) {
        Massline__Frame *reply = s_exchange_once (conn, peer, what, request, code, codelen, msg, msglen);
        if (reply || strcmp (code, "busy") != 0 || attempt == ML_ASK_BUSY_RETRIES)
            return reply;
        struct timespec pause = { pause_ms / 1000, (pause_ms % 1000) * 1000000L };
        while (nanosleep (&pause, &pause) && errno == EINTR)
            ;
        pause_ms *= 2;
    }
}

Massline__Frame *
ml_ask_exchange (const ml_ask_peer_t *peer, const char *what, Massline__Frame *request,
                 char *code, size_t codelen, char *msg, size_t msglen)
{
    return s_exchange (NULL, peer, what, request, code, codelen, msg, msglen);
}

json_t *
ml_ask_call (const ml_ask_peer_t *peer, const char *command, int nargs, char **args,
             char *code, size_t codelen, char *msg, size_t msglen)
{
    return ml_ask_call_on (NULL, peer, command, nargs, args, code, codelen, msg, msglen);
}

json_t *
ml_ask_call_on (ml_ask_conn_t *conn, const ml_ask_peer_t *peer, const char *command, int nargs,
                char **args, char *code, size_t codelen, char *msg, size_t msglen)
{
    Massline__QueryRequest request = MASSLINE__QUERY_REQUEST__INIT;
    request.command = (char *) command;
    request.args = args;
    request.n_args = (size_t) nargs;
    request.on_behalf_account = (char *) peer->account;
    request.on_behalf_role = (char *) peer->role;
    request.on_behalf_unit = peer->unit && *peer->unit ? (char *) peer->unit : NULL;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_QUERY_REQUEST;
    frame.query_request = &request;
    Massline__Frame *reply = s_exchange (conn, peer, command, &frame, code, codelen, msg, msglen);
    if (!reply)
        return NULL;
    json_t *json = NULL;
    if (reply->msg_case != MASSLINE__FRAME__MSG_QUERY_REPLY) {
        snprintf (code, codelen, "protocol");
        snprintf (msg, msglen, "%s: the collector answered with something else (frame case %d)",
                  command, reply->msg_case);
    }
    else {
        json_error_t jerr;
        json = json_loads (reply->query_reply->json, 0, &jerr);
        if (!json) {
            snprintf (code, codelen, "protocol");
            snprintf (msg, msglen, "%s: the collector's answer is not JSON: %s", command, jerr.text);
        }
    }
    ml_wire_free (&reply);
    return json;
}
