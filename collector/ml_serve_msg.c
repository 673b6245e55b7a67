/* ml_serve_msg.c -- messages on the collector's ROUTERs: receive, unpack, send (ml_serve_msg.h). */
#include "ml_serve_msg.h"
#include "ml_err.h"
#include "ml_log.h"

#include <stdlib.h>
#include <string.h>

int
ml_serve_recv (void *sock, const ml_registry_t *registry, ml_serve_msg_t *m)
{
    zmq_msg_t part;
    zmq_msg_init (&part);
    if (zmq_msg_recv (&part, sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&part);
        return ML_ENOTFOUND;
    }
    m->rid_len = zmq_msg_size (&part) < sizeof m->rid ? zmq_msg_size (&part) : sizeof m->rid;
    memcpy (m->rid, zmq_msg_data (&part), m->rid_len);
    int more = zmq_msg_more (&part);
    zmq_msg_close (&part);
    m->delim = false;
    zmq_msg_init (&m->payload);
    int frames = 0;
    while (more) {
        zmq_msg_t next;
        zmq_msg_init (&next);
        zmq_msg_recv (&next, sock, 0);
        more = zmq_msg_more (&next);
        if (frames++ == 0 && more && zmq_msg_size (&next) == 0)
            m->delim = true;
        if (more)
            zmq_msg_close (&next);
        else {
            zmq_msg_move (&m->payload, &next);      //  releases the empty payload
            zmq_msg_close (&next);
        }
    }
    const char *user = frames ? zmq_msg_gets (&m->payload, "User-Id") : NULL;
    m->who = user ? ml_registry_by_user_id (registry, user) : NULL;
    if (!frames || !m->who) {
        ml_warn ("dropped a message without payload or known user id (%s)", user ? user : "none");
        zmq_msg_close (&m->payload);
        return ML_EINVAL;
    }
    return 0;
}

void
ml_serve_send_bytes (void *sock, const uint8_t *rid, size_t rid_len, bool delim,
                     const void *buf, size_t len)
{
    zmq_send (sock, rid, rid_len, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    if (delim)
        zmq_send (sock, "", 0, ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send (sock, buf, len, ZMQ_DONTWAIT);
}

void
ml_serve_send (void *sock, const uint8_t *rid, size_t rid_len, bool delim, Massline__Frame *frame)
{
    size_t len;
    uint8_t *buf = ml_wire_pack (frame, &len);
    if (!buf) {
        ml_error ("out of memory packing a reply");
        return;
    }
    ml_serve_send_bytes (sock, rid, rid_len, delim, buf, len);
    free (buf);
}

uint8_t *
ml_serve_pack_error (const char *code, const char *message, size_t *len)
{
    Massline__Error error = MASSLINE__ERROR__INIT;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    error.code = (char *) code;
    error.message = (char *) message;
    frame.msg_case = MASSLINE__FRAME__MSG_ERROR;
    frame.error = &error;
    return ml_wire_pack (&frame, len);
}

void
ml_serve_send_error (void *sock, const uint8_t *rid, size_t rid_len, bool delim, const char *code,
                     const char *message)
{
    size_t len;
    uint8_t *buf = ml_serve_pack_error (code, message, &len);
    if (!buf) {
        ml_error ("out of memory packing a reply");
        return;
    }
    ml_serve_send_bytes (sock, rid, rid_len, delim, buf, len);
    free (buf);
}

Massline__Frame *
ml_serve_unpack (void *sock, ml_serve_msg_t *m, const char *where)
{
    int code;
    char why[256];
    Massline__Frame *frame = ml_wire_unpack (zmq_msg_data (&m->payload), zmq_msg_size (&m->payload),
                                             &code, why, sizeof why);
    if (!frame) {
        ml_warn ("%s: %s from %s: refused", where, why, m->who->user_id);
        ml_serve_send_error (sock, m->rid, m->rid_len, m->delim,
                             code == ML_EPROTO ? "version" : "malformed", why);
    }
    else
    if (frame->msg_case == MASSLINE__FRAME__MSG__NOT_SET) {
        ml_warn ("%s: an empty frame from %s: refused", where, m->who->user_id);
        ml_serve_send_error (sock, m->rid, m->rid_len, m->delim, "malformed", "a frame without a message");
        ml_wire_free (&frame);
    }
    return frame;
}
