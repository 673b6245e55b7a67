/* ml_wire.c -- pack and unpack Frames, refusing other protocol major versions. */
#include "ml_wire.h"
#include "ml_err.h"

#include <stdio.h>
#include <stdlib.h>

uint8_t *
ml_wire_pack (Massline__Frame *frame, size_t *len)
{
    frame->version_major = ML_PROTO_MAJOR;
    frame->has_version_minor = 1;
    frame->version_minor = ML_PROTO_MINOR;
    size_t size = massline__frame__get_packed_size (frame);
    uint8_t *buf = malloc (size ? size : 1);
    if (!buf)
        return NULL;
    *len = massline__frame__pack (frame, buf);
    return buf;
}

Massline__Frame *
ml_wire_unpack (const uint8_t *data, size_t len, int *code, char *err, size_t errlen)
{
    Massline__Frame *frame = massline__frame__unpack (NULL, len, data);
    if (!frame) {
        *code = ML_EINVAL;
        snprintf (err, errlen, "malformed frame (%zu bytes are not a massline Frame)", len);
        return NULL;
    }
    if (frame->version_major != ML_PROTO_MAJOR) {
        *code = ML_EPROTO;
        snprintf (err, errlen, "protocol version %u is not supported (this side speaks %d)",
                  frame->version_major, ML_PROTO_MAJOR);
        massline__frame__free_unpacked (frame, NULL);
        return NULL;
    }
    return frame;
}

void
ml_wire_free (Massline__Frame **frame_p)
{
    if (frame_p && *frame_p) {
        massline__frame__free_unpacked (*frame_p, NULL);
        *frame_p = NULL;
    }
}
