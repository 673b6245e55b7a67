/* ml_client_ask.c -- one request to the collector's query endpoint over CURVE: the call that the
   massline client and massline-web share (client.ini [client], or a peer filled by the caller). */
#include "ml_client.h"
#include "ml_config.h"
#include "ml_keys.h"
#include "ml_log.h"
#include "ml_wire.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zmq.h>

//  client.ini, [client] (docs/config.md).
typedef struct {
    char *query;                        //  the collector's query endpoint
    char *collector_key;                //  its public key (Z85 text)
    char *public_key;                   //  ours (Z85 text)
    char *secret_key;                   //  path of our secret key file (mode 0600)
    long timeout_ms;                    //  how long to wait for an answer
} s_config_t;

static const ml_opt_t s_opts[] = {
    { "client", "query", ML_OPT_STR, "tcp://127.0.0.1:7702", offsetof (s_config_t, query),
      "the collector's query endpoint" },
    { "client", "collector_key", ML_OPT_KEY, "collector.pub", offsetof (s_config_t, collector_key),
      "the collector's public key: a file or the 40-char Z85 text" },
    { "client", "public_key", ML_OPT_KEY, "admin.pub", offsetof (s_config_t, public_key),
      "this client's public key: a file or the 40-char Z85 text" },
    { "client", "secret_key", ML_OPT_PATH, "admin.key", offsetof (s_config_t, secret_key),
      "this client's secret key file; must be mode 0600" },
    { "client", "timeout_ms", ML_OPT_INT, "10000", offsetof (s_config_t, timeout_ms),
      "how long to wait for the collector's answer" },
    { NULL, NULL, 0, NULL, 0, NULL }
};

void
ml_client_print_config_help (FILE *out)
{
    ml_config_print_help (out, s_opts);
}

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
s_wait_answer (void *sock, void *mon, const ml_client_peer_t *peer, char *code, size_t codelen,
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

Massline__Frame *
ml_client_exchange (const ml_client_peer_t *peer, const char *what, Massline__Frame *request,
                    char *code, size_t codelen, char *msg, size_t msglen)
{
    Massline__Frame *reply = NULL;
    void *ctx = peer->ctx ? peer->ctx : zmq_ctx_new ();
    void *sock = ctx ? zmq_socket (ctx, ZMQ_DEALER) : NULL;
    void *mon = NULL;
    char err[1024];
    int zero = 0;
    snprintf (code, codelen, "unreachable");
    if (!sock
    ||  zmq_setsockopt (sock, ZMQ_LINGER, &zero, sizeof zero)
    ||  zmq_setsockopt (sock, ZMQ_CURVE_SERVERKEY, peer->collector_key, ML_KEY_LEN + 1)
    ||  zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY, peer->public_key, ML_KEY_LEN + 1)
    ||  zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, peer->secret_key, ML_KEY_LEN + 1)
    ||  !(mon = s_monitor (ctx, sock))
    ||  zmq_connect (sock, peer->query)) {
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
    if (sock) {
        zmq_socket_monitor (sock, NULL, 0);
        zmq_close (sock);
    }
    if (mon)
        zmq_close (mon);
    if (ctx && !peer->ctx)
        zmq_ctx_term (ctx);
    return reply;
}

json_t *
ml_client_call (const ml_client_peer_t *peer, const char *command, int nargs, char **args,
                char *code, size_t codelen, char *msg, size_t msglen)
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
    Massline__Frame *reply = ml_client_exchange (peer, command, &frame, code, codelen, msg, msglen);
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

//  Sections seen in an INI file, to tell a client.ini from the other programs' files.
typedef struct {
    bool client, agent, collector;
} s_sections_t;

static int
s_section_seen (void *user, const char *section, const char *name, const char *value, int lineno)
{
    (void) name, (void) value, (void) lineno;
    s_sections_t *seen = user;
    seen->client |= strcmp (section, "client") == 0;
    seen->agent |= strcmp (section, "agent") == 0;
    seen->collector |= strcmp (section, "collector") == 0;
    return 1;
}

//  Refuses a CONFIG that names a folder or another program's file, saying what was expected
//  (otherwise the defaults apply and the error is a misleading "cannot open admin.key").
//  Returns 0, or 2 after saying why; a file that cannot be opened is left to ml_config_load.
static int
s_config_kind (const char *config)
{
    static const char expect[] = "massline needs a client's configuration with a [client] "
                                 "section (client.ini; init writes BUREAU/staff/admin.ini)";
    struct stat st;
    if (stat (config, &st) == 0 && S_ISDIR (st.st_mode)) {
        ml_die_msg ("%s: a folder, not a file; %s", config, expect);
        return 2;
    }
    s_sections_t seen = { false, false, false };
    if (ml_ini_parse (config, s_section_seen, &seen) < 0 || seen.client)
        return 0;
    ml_die_msg ("%s: %s; %s", config,
                seen.agent ? "an agent's configuration ([agent]), for massline-agent"
                : seen.collector ? "the collector's configuration ([collector]), for massline-collector"
                : "no [client] section", expect);
    return 2;
}

//  Loads client.ini CONFIG into CFG and the secret key into SECRET; prints why not.
static int
s_load (const char *config, s_config_t *cfg, char *secret, ml_client_peer_t *peer)
{
    char err[1024];
    if (s_config_kind (config))
        return 2;
    if (ml_config_load (config, s_opts, cfg, err, sizeof err)
    ||  ml_key_read_secret (cfg->secret_key, secret, err, sizeof err)) {
        ml_die_msg ("%s", err);
        return 2;
    }
    memset (peer, 0, sizeof *peer);
    peer->query = cfg->query;
    peer->collector_key = cfg->collector_key;
    peer->public_key = cfg->public_key;
    peer->secret_key = secret;
    peer->timeout_ms = cfg->timeout_ms;
    return 0;
}

Massline__Frame *
ml_client_ask (const char *config, const char *what, Massline__Frame *request, int *code)
{
    s_config_t cfg = { 0 };
    char secret[ML_KEY_LEN + 1] = "", ecode[64], msg[1024];
    ml_client_peer_t peer;
    Massline__Frame *reply = NULL;
    *code = s_load (config, &cfg, secret, &peer);
    if (!*code) {
        reply = ml_client_exchange (&peer, what, request, ecode, sizeof ecode, msg, sizeof msg);
        if (!reply)
            ml_die_msg ("%s", msg);
        *code = reply ? 0 : 1;
    }
    memset (secret, 0, sizeof secret);
    ml_config_free (s_opts, &cfg);
    return reply;
}

json_t *
ml_client_query (const char *config, const char *command, int nargs, char **args, int *code)
{
    s_config_t cfg = { 0 };
    char secret[ML_KEY_LEN + 1] = "", ecode[64], msg[1024];
    ml_client_peer_t peer;
    json_t *json = NULL;
    *code = s_load (config, &cfg, secret, &peer);
    if (!*code) {
        json = ml_client_call (&peer, command, nargs, args, ecode, sizeof ecode, msg, sizeof msg);
        if (!json)
            ml_die_msg ("%s", msg);
        *code = json ? 0 : 1;
    }
    memset (secret, 0, sizeof secret);
    ml_config_free (s_opts, &cfg);
    return json;
}
