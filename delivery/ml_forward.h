/* ml_forward.h -- forwards the outbox to the collector over ZeroMQ (DEALER, CURVE client):
   Hello/Welcome at every (re)connect, then windowed batches of consecutive events, acks and
   rejects written back to the outbox. Together with the collector's idempotent apply this
   gives every event exactly one effect (design.md, "Delivery"). */
#ifndef ML_FORWARD_H
#define ML_FORWARD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_outbox.h"

typedef struct ml_forward ml_forward_t;

//  What the forwarder needs to know; the strings are copied by ml_forward_new.
typedef struct {
    const char *endpoint;       //  the collector's ingest endpoint, e.g. tcp://127.0.0.1:7701
    const char *server_key;     //  the collector's public key, 40-char Z85
    const char *public_key;     //  this agent's public key, Z85
    const char *secret_key;     //  this agent's secret key, Z85
    const char *unit;           //  the unit agent.ini names (only to warn on a mismatch), or NULL
    size_t batch_size;          //  events per Batch
    size_t window;              //  Batches in flight without an Ack
    int ack_timeout_ms;         //  reconnect when the collector says nothing for this long
} ml_forward_cfg_t;

//  Creates a forwarder for OUTBOX (borrowed; must outlive it). No connection is made yet.
//  Returns NULL and writes the reason into ERR on failure.
ml_forward_t *ml_forward_new (ml_outbox_t *outbox, const ml_forward_cfg_t *cfg,
                              char *err, size_t errlen);

//  Closes the socket and frees the forwarder; sets *SELF_P to NULL. Safe on NULL.
void ml_forward_destroy (ml_forward_t **self_p);

//  Makes ml_forward_run call FN (ARG) about every EVERY_MS milliseconds, whatever the state of
//  the connection (the spool folder is watched this way). The time FN takes does not count as
//  the collector's silence. FN NULL: no calls.
typedef void (ml_forward_tick_fn) (void *arg);
void ml_forward_on_tick (ml_forward_t *self, ml_forward_tick_fn *fn, void *arg, int every_ms);

//  Forwards, reconnecting as needed, until the outbox's acked_seq reaches TARGET (0: never;
//  a seq as numbered when the call starts: moved along if the outbox is renumbered),
//  the monotonic clock passes DEADLINE_MS (ml_forward_now_ms; 0: no deadline), or *STOP is set.
//  Returns 0 (target reached, or stopped), ML_ETIMEDOUT, ML_EPROTO when the collector speaks
//  another protocol version or knows seqs this outbox never had (logged), or the outbox's error.
int ml_forward_run (ml_forward_t *self, uint64_t target, int64_t deadline_ms,
                    volatile sig_atomic_t *stop);

//  The monotonic clock in milliseconds.
int64_t ml_forward_now_ms (void);

#endif
