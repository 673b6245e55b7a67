/* ml_wire.h -- the framing every ZeroMQ message of massline uses: one packed Frame. */
#ifndef ML_WIRE_H
#define ML_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "massline.pb-c.h"

#define ML_PROTO_MAJOR 1
#define ML_PROTO_MINOR 0

//  Sets FRAME's version to ours and packs it into a malloc'd buffer; *LEN gets its size.
uint8_t *ml_wire_pack (Massline__Frame *frame, size_t *len);

//  Unpacks a frame. On failure returns NULL, sets *CODE to ML_EINVAL ("malformed frame") or
//  ML_EPROTO ("protocol version 9 is not supported (this side speaks 1)") and writes the reason.
Massline__Frame *ml_wire_unpack (const uint8_t *data, size_t len, int *code, char *err, size_t errlen);

//  Frees a frame from ml_wire_unpack and sets *FRAME_P to NULL. Safe on NULL.
void ml_wire_free (Massline__Frame **frame_p);

#endif
