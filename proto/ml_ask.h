/* ml_ask.h -- one request to a collector's query endpoint over CURVE, and its answer: the call
   that every program asking the collector shares (massline, massline-web, the unit desk). In the
   massline-zmq library, as the one part of proto/ that needs libzmq. */
#ifndef ML_ASK_H
#define ML_ASK_H

#include <jansson.h>
#include <stddef.h>

#include "ml_wire.h"

//  A connection to the collector kept between calls (ml_ask_conn_new), for a program that asks
//  often (massline-web): one CURVE handshake, not one per call. Used by one thread at a time.
typedef struct ml_ask_conn ml_ask_conn_t;

//  Where and as whom to ask: the collector's endpoint and key, our key pair, how long to wait,
//  and (a gateway key only: massline-web) the account on whose behalf, its role and unit.
typedef struct {
    const char *query;                  //  the collector's query endpoint
    const char *collector_key;          //  its public key (Z85)
    const char *public_key;             //  ours (Z85)
    const char *secret_key;             //  ours (Z85 text, not a path)
    long timeout_ms;
    void *ctx;                          //  a ZeroMQ context to reuse, or NULL: one per call
    const char *account;                //  on behalf of (NULL: the key itself asks)
    const char *role;
    const char *unit;
} ml_ask_peer_t;

//  A new connection, not yet made (the first call through it makes it); NULL when out of memory.
//  A call that gets no answer (timeout, refused key, broken frame) closes its socket: the next call
//  connects again. Between calls ZeroMQ reconnects by itself (a collector restarted).
ml_ask_conn_t *ml_ask_conn_new (void);

//  Closes the connection and sets *SELF_P to NULL. Safe on NULL. Before the context is ended.
void ml_ask_conn_destroy (ml_ask_conn_t **self_p);

//  How often a "busy" answer (the collector's query queue is full) is asked again, after a pause
//  that starts at ML_ASK_BUSY_PAUSE_MS and doubles, before "busy" is the answer.
#define ML_ASK_BUSY_RETRIES  4
#define ML_ASK_BUSY_PAUSE_MS 50

//  Sends REQUEST (WHAT names it in messages) to PEER and waits for one answer; a "busy" answer is
//  asked again as above. Returns the reply frame (free with ml_wire_free), or NULL with CODE (the
//  collector's error code: "denied", "invalid", "not_found", "busy", ...; or "unreachable",
//  "protocol") and MSG (one line).
Massline__Frame *ml_ask_exchange (const ml_ask_peer_t *peer, const char *what,
                                  Massline__Frame *request, char *code, size_t codelen,
                                  char *msg, size_t msglen);

//  Sends QueryRequest{COMMAND, ARGS ("key=value"), on behalf of PEER's account} and returns the
//  JSON answer (the caller's to free), or NULL with CODE and MSG as ml_ask_exchange.
json_t *ml_ask_call (const ml_ask_peer_t *peer, const char *command, int nargs, char **args,
                     char *code, size_t codelen, char *msg, size_t msglen);

//  The same over CONN (kept between calls; PEER's context must be given), or a socket of its own
//  when CONN is NULL.
json_t *ml_ask_call_on (ml_ask_conn_t *conn, const ml_ask_peer_t *peer, const char *command,
                        int nargs, char **args, char *code, size_t codelen, char *msg, size_t msglen);

#endif
