/* ml_pb.c -- the protobuf wire format read by hand: one field at a time, or one field found. */
#include "ml_pb.h"

//  Reads the varint at *P (before END) into *OUT and advances *P; false when it is cut short.
static bool
s_varint (const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; *p < end && shift < 64; shift += 7) {
        uint8_t b = *(*p)++;
        v |= (uint64_t) (b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

//  ml_pb_next, inlined into ml_pb_field: the audit's population scan calls that three times for
//  each of a million events.
static inline int
s_next (const uint8_t **p, const uint8_t *end, ml_pb_field_t *f)
{
    if (*p >= end)
        return 0;
    uint64_t key, n;
    if (!s_varint (p, end, &key) || key >> 3 == 0 || key >> 3 > UINT32_MAX)
        return -1;
    f->number = (uint32_t) (key >> 3);
    f->wire = (unsigned) (key & 7);
    f->varint = 0;
    f->data = *p;
    switch (f->wire) {
        case 0:
            if (!s_varint (p, end, &f->varint))
                return -1;
            f->len = 0;
            return 1;
        case 1:
        case 5:
            n = f->wire == 1 ? 8 : 4;
            break;
        case 2:
            if (!s_varint (p, end, &n))
                return -1;
            f->data = *p;
            break;
        default:                        //  groups (3, 4), which protobuf-c refuses too; 6, 7
            return -1;
    }
    if (n > (uint64_t) (end - *p))
        return -1;
    f->len = (size_t) n;
    *p += n;
    return 1;
}

int
ml_pb_next (const uint8_t **p, const uint8_t *end, ml_pb_field_t *f)
{
    return s_next (p, end, f);
}

bool
ml_pb_field (const uint8_t *buf, size_t len, uint32_t field, const uint8_t **val, size_t *vlen)
{
    if (len == 0)
        return false;                   //  (BUF may be NULL then)
    const uint8_t *p = buf, *end = buf + len;
    ml_pb_field_t f;
    bool found = false;
    int rc;
    while ((rc = s_next (&p, end, &f)) > 0)
        if (f.number == field && f.wire == 2) {
            *val = f.data;
            *vlen = f.len;
            found = true;
        }
    return rc == 0 && found;
}
