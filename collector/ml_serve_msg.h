/* ml_serve_msg.h -- messages on the collector's ROUTERs (ingest and query): receiving one with its
   routing id and who sent it, unpacking it, sending a Frame or an Error back. Private to the
   daemon (ml_serve.c, ml_serve_query.c); a socket is used by one thread only. */
#ifndef ML_SERVE_MSG_H
#define ML_SERVE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <zmq.h>

#include "ml_registry.h"
#include "ml_wire.h"

//  One message from a ROUTER: routing id, optional empty delimiter, payload.
typedef struct {
    uint8_t rid[256];
    size_t rid_len;
    bool delim;                         //  sent REQ-style with an empty delimiter frame
    zmq_msg_t payload;
    const ml_principal_t *who;          //  from the ZAP user id
} ml_serve_msg_t;

//  Receives one message from SOCK without waiting; its sender from REGISTRY. Returns 0 (close
//  M->payload when done), ML_ENOTFOUND when none is queued, or ML_EINVAL when it had no payload
//  or no known user id (dropped, logged).
int ml_serve_recv (void *sock, const ml_registry_t *registry, ml_serve_msg_t *m);

//  Unpacks the payload of M; on failure answers Error{malformed|version} on SOCK, logs (WHERE:
//  "ingest", "query") and returns NULL. Free the frame with ml_wire_free.
Massline__Frame *ml_serve_unpack (void *sock, ml_serve_msg_t *m, const char *where);

//  Sends LEN bytes of BUF to the peer RID (after an empty frame when DELIM), without waiting.
void ml_serve_send_bytes (void *sock, const uint8_t *rid, size_t rid_len, bool delim,
                          const void *buf, size_t len);

//  Packs FRAME and sends it to the peer RID.
void ml_serve_send (void *sock, const uint8_t *rid, size_t rid_len, bool delim,
                    Massline__Frame *frame);

//  Sends Error{CODE, MESSAGE} to the peer RID.
void ml_serve_send_error (void *sock, const uint8_t *rid, size_t rid_len, bool delim,
                          const char *code, const char *message);

//  Packs Error{CODE, MESSAGE} into a malloc'd buffer (*LEN bytes); NULL when out of memory.
uint8_t *ml_serve_pack_error (const char *code, const char *message, size_t *len);

#endif
