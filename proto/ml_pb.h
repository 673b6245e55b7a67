/* ml_pb.h -- the protobuf wire format read by hand, for the two places that must look at bytes
   before or instead of unpacking them: ml_event_unpack's checks (nesting depth, field 0) and
   the audit's population scan (one date out of every stored event, without unpacking). */
#ifndef ML_PB_H
#define ML_PB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

//  One field of a message as it lies on the wire.
typedef struct {
    uint32_t number;                    //  field number, 1 or more
    unsigned wire;                      //  wire type: 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit
    uint64_t varint;                    //  the value of a varint field
    const uint8_t *data;                //  the bytes of a fixed or length-delimited field (borrowed)
    size_t len;                         //  their number
} ml_pb_field_t;

//  Reads the field at *P (before END) into *F and moves *P past it. Returns 1, 0 when *P is at
//  END, or -1 when the bytes are not a field: cut short, numbered 0 or above 2^32-1, a group,
//  an unknown wire type.
int ml_pb_next (const uint8_t **p, const uint8_t *end, ml_pb_field_t *f);

//  Finds length-delimited field FIELD in the message of LEN bytes at BUF (the last one, as a
//  decoder would) and points *VAL, *VLEN at its bytes. False when absent or when BUF is not a
//  message (ml_pb_next fails somewhere in it).
bool ml_pb_field (const uint8_t *buf, size_t len, uint32_t field, const uint8_t **val, size_t *vlen);

#endif
