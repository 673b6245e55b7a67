/* ml_event.c -- what every part of the event module stands on: the class of each string field,
   text helpers, access to messages through the protobuf-c descriptors (so that massline.proto is
   the one description of every kind), the accessors, and bytes, hashes and refs. JSON is
   ml_event_json.c, key=value ml_event_kv.c, validation ml_event_validate.c. */
#include "ml_event_private.h"
#include "ml_err.h"
#include "ml_pb.h"

#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_STR_(x) #x
#define S_STR(x) S_STR_ (x)

bool
ml_evt_streq (const char *a, const char *b)
{
    return strcmp (a, b) == 0;
}

ml_evt_class_t
ml_evt_class_of (const char *name)
{
    static const char *const dates[] = { "date", "end", "to", "from", "deadline", "announced",
                                         "feedback", "term_from", "term_to", "answered", NULL };
    static const char *const ids[] = { "person", "org", "head", "case", "opinion", "commitment",
                                       "signed_by", "filler", "reviewer", "approver", "about",
                                       "appeal", "rule", NULL };
    for (int i = 0; dates[i]; i++)
        if (ml_evt_streq (name, dates[i]))
            return ML_EVT_DATE;
    for (int i = 0; ids[i]; i++)
        if (ml_evt_streq (name, ids[i]))
            return ML_EVT_ID;
    if (ml_evt_streq (name, "ref") || ml_evt_streq (name, "supersedes") || ml_evt_streq (name, "secondment"))
        return ML_EVT_REF;
    if (ml_evt_streq (name, "month"))
        return ML_EVT_MONTH;
    if (ml_evt_streq (name, "document"))
        return ML_EVT_DOC;
    if (ml_evt_streq (name, "digest") || ml_evt_streq (name, "chain_head"))
        return ML_EVT_HEX;
    return ML_EVT_TEXT;
}

//  ---------------------------------------------------------------------------
//  Text helpers

//  Length of the valid UTF-8 character at P (1..4), or 0 when P starts an invalid sequence.
//  Never reads past a NUL. Rejects overlong forms, surrogates and code points above U+10FFFF.
static size_t
s_utf8_char (const unsigned char *p)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0;
    if (c < 0xE0)
        return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c < 0xF0) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0))
            return 0;
        return 3;
    }
    if (c < 0xF5) {
        if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
            return 0;
        return 4;
    }
    return 0;
}

//  Copies TEXT into OUT (SIZE bytes) for quoting in an error line: whole UTF-8 characters
//  only, invalid bytes and control characters as '?', "..." when cut. Returns OUT.
char *
ml_evt_clip (const char *text, char *out, size_t size)
{
    const unsigned char *p = (const unsigned char *) text;
    size_t o = 0;
    while (*p) {
        size_t n = s_utf8_char (p);
        bool bad = n == 0 || *p < 0x20 || *p == 0x7F;
        size_t need = bad ? 1 : n;
        if (o + need + 4 > size) {
            memcpy (out + o, "...", 3);
            o += 3;
            break;
        }
        if (bad)
            out[o] = '?';
        else
            memcpy (out + o, p, n);
        o += need;
        p += bad ? 1 : n;
    }
    out[o] = 0;
    return out;
}

//  Fills ERR with field PREFIX+NAME and a formatted reason; returns ML_EINVAL.
int __attribute__ ((format (printf, 4, 5)))
ml_evt_fail (ml_verr_t *err, const char *prefix, const char *name, const char *fmt, ...)
{
    snprintf (err->field, sizeof err->field, "%s%s", prefix, name);
    va_list args;
    va_start (args, fmt);
    vsnprintf (err->reason, sizeof err->reason, fmt, args);
    va_end (args);
    return ML_EINVAL;
}

int
ml_evt_oom (ml_verr_t *err)
{
    ml_evt_fail (err, "", "", "out of memory");
    return ML_ENOMEM;
}

//  Writes "a, b, c" (the names of ENUM's values, in number order) into BUF.
char *
ml_evt_enum_names (const ProtobufCEnumDescriptor *desc, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < desc->n_values && o < size; i++)
        o += snprintf (buf + o, size - o, "%s%s", i ? ", " : "", desc->values[i].name);
    return buf;
}

bool
ml_evt_id_ok (const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
              || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return n >= 1 && n <= ML_ID_MAX;
}

//  An id, or the form ml_event_ensure_ref derives: "~" and 24 lowercase hex digits.
bool
ml_evt_ref_ok (const char *s)
{
    if (s[0] != '~')
        return ml_evt_id_ok (s);
    size_t n = 1;
    while ((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f'))
        n++;
    return n == 25 && s[n] == 0;
}

const char *
ml_evt_text_problem_max (const char *s, bool required, size_t max, const char *too_long)
{
    const unsigned char *p = (const unsigned char *) s;
    while (*p) {
        if (*p < 0x80) {    //  ASCII fast path
            p++;
            continue;
        }
        size_t n = s_utf8_char (p);
        if (n == 0)
            return "not valid UTF-8";
        p += n;
    }
    if ((size_t) (p - (const unsigned char *) s) > max)
        return too_long;
    if (required && !*s)
        return "empty";
    return NULL;
}

//  Checks free text; returns NULL when fine, or the reason.
const char *
ml_evt_text_problem (const char *s, bool required)
{
    return ml_evt_text_problem_max (s, required, ML_TEXT_MAX,
                                    "longer than " S_STR (ML_TEXT_MAX) " bytes");
}

//  ---------------------------------------------------------------------------
//  Generic access to messages through their descriptors

//  The oneof field of Event named KIND, or NULL.
const ProtobufCFieldDescriptor *
ml_evt_kind_field (const char *kind)
{
    const ProtobufCFieldDescriptor *f
        = protobuf_c_message_descriptor_get_field_by_name (ML_EVT_DESC, kind);
    return f && (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ? f : NULL;
}

//  The field of EV's body, or NULL when no body is set; *BODY_P gets the body.
const ProtobufCFieldDescriptor *
ml_evt_body (const Massline__Event *ev, ProtobufCMessage **body_p)
{
    if (ev->body_case == MASSLINE__EVENT__BODY__NOT_SET)
        return NULL;
    const ProtobufCFieldDescriptor *f
        = protobuf_c_message_descriptor_get_field (ML_EVT_DESC, ev->body_case);
    if (!f || !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
        return NULL;
    ProtobufCMessage *body = *ML_EVT_MEMBER (ProtobufCMessage *, ev, f->offset);
    if (!body)
        return NULL;
    if (body_p)
        *body_p = body;
    return f;
}

//  True when optional scalar F of MSG is present (required ones always are).
bool
ml_evt_present (const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    if (f->label == PROTOBUF_C_LABEL_REQUIRED)
        return true;
    return *ML_EVT_MEMBER (protobuf_c_boolean, msg, f->quantifier_offset);
}

ProtobufCMessage *
ml_evt_new (const ProtobufCMessageDescriptor *desc)
{
    ProtobufCMessage *msg = malloc (desc->sizeof_message);
    if (msg)
        protobuf_c_message_init (desc, msg);
    return msg;
}

//  ---------------------------------------------------------------------------
//  Accessors

const char *
ml_event_kind (const Massline__Event *ev)
{
    const ProtobufCFieldDescriptor *bf = ev ? ml_evt_body (ev, NULL) : NULL;
    return bf ? bf->name : NULL;
}

bool
ml_event_kind_known (const char *name)
{
    return name && ml_evt_kind_field (name) != NULL;
}

const char *
ml_event_str (const Massline__Event *ev, const char *name)
{
    ProtobufCMessage *body = NULL;
    if (!ev || !ml_evt_body (ev, &body))
        return NULL;
    const ProtobufCFieldDescriptor *f
        = protobuf_c_message_descriptor_get_field_by_name (body->descriptor, name);
    if (!f || f->type != PROTOBUF_C_TYPE_STRING)
        return NULL;
    return *ML_EVT_MEMBER (char *const, body, f->offset);
}

int
ml_event_date (const Massline__Event *ev, ml_day_t *day)
{
    const char *date = ml_event_str (ev, "date");
    if (!date)
        return ML_ENOTFOUND;
    return ml_date_parse (date, day);
}

//  ---------------------------------------------------------------------------
//  Bytes, hashes and refs

static pthread_once_t s_sodium_once = PTHREAD_ONCE_INIT;

static void
s_sodium_init (void)
{
    //  Only picks the fastest implementations; SHA-256 works either way.
    if (sodium_init () < 0)
        abort ();
}

void
ml_sha256 (const uint8_t *data, size_t len, uint8_t out[32])
{
    pthread_once (&s_sodium_once, s_sodium_init);
    crypto_hash_sha256 (out, data, len);
}

uint8_t *
ml_event_pack (const Massline__Event *ev, size_t *len)
{
    size_t size = protobuf_c_message_get_packed_size (&ev->base);
    uint8_t *buf = malloc (size ? size : 1);
    if (!buf)
        return NULL;
    *len = protobuf_c_message_pack (&ev->base, buf);
    return buf;
}

//  Messages inside messages that an event may have: real ones go 4 deep (correction.event.roles).
#define S_MAX_DEPTH 8

//  Checks what protobuf-c does not, before it unpacks: that message fields of DESC in DATA nest at
//  most DEPTH more levels (protobuf-c, the validator and the destructor recurse once per level,
//  so a megabyte of nested corrections would exhaust the stack), and that no field is numbered 0
//  (protobuf-c reads a tag of 0 written in two or more bytes, then repacks it in one byte, which
//  it refuses: a stored event would no longer unpack). Groups, which protobuf-c refuses, too
//  (ml_pb_next refuses both).
static bool
s_wire_ok (const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len, int depth)
{
    if (len == 0)
        return true;            //  (DATA may be NULL then)
    const uint8_t *p = data, *end = data + len;
    ml_pb_field_t f;
    int rc;
    while ((rc = ml_pb_next (&p, end, &f)) > 0) {
        if (f.wire != 2)
            continue;
        //  A length-delimited message field is checked inside.
        const ProtobufCFieldDescriptor *fd = protobuf_c_message_descriptor_get_field (desc, f.number);
        if (fd && fd->type == PROTOBUF_C_TYPE_MESSAGE
            && (depth == 0 || !s_wire_ok (fd->descriptor, f.data, f.len, depth - 1)))
            return false;
    }
    return rc == 0;
}

Massline__Event *
ml_event_unpack (const uint8_t *data, size_t len, ml_verr_t *err)
{
    Massline__Event *ev = s_wire_ok (ML_EVT_DESC, data, len, S_MAX_DEPTH)
                          ? massline__event__unpack (NULL, len, data) : NULL;
    if (!ev && err)
        ml_evt_fail (err, "", "", "not a valid event encoding");
    return ev;
}

int
ml_event_ensure_ref (Massline__Event *ev)
{
    if (ev->ref)
        return ML_OK;
    //  Hash the event without its note (ref is absent already), then put the note back.
    char *note = ev->note;
    ev->note = NULL;
    size_t len;
    uint8_t *packed = ml_event_pack (ev, &len);
    ev->note = note;
    if (!packed)
        return ML_ENOMEM;
    uint8_t hash[32];
    ml_sha256 (packed, len, hash);
    free (packed);
    char *ref = malloc (26);
    if (!ref)
        return ML_ENOMEM;
    ref[0] = '~';
    sodium_bin2hex (ref + 1, 25, hash, 12);
    ev->ref = ref;
    return ML_OK;
}

const char *
ml_event_user_ref_problem (const char *ref)
{
    if (ref && ref[0] == '~')
        return "starts with '~', which is reserved for the refs the agent derives for rows "
               "without one (leave it empty, or give a ref of your own)";
    return NULL;
}

void
ml_event_free (Massline__Event **ev_p)
{
    if (ev_p && *ev_p) {
        protobuf_c_message_free_unpacked (&(*ev_p)->base, NULL);
        *ev_p = NULL;
    }
}

//  ---------------------------------------------------------------------------
//  Errors

const char *
ml_verr_text (const ml_verr_t *err, char *buf, size_t len)
{
    if (err->field[0])
        snprintf (buf, len, "field '%s': %s", err->field, err->reason);
    else
        snprintf (buf, len, "%s", err->reason);
    return buf;
}
