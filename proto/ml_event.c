/* ml_event.c -- activity events: JSON <-> Event <-> bytes and validation, driven by the
   protobuf-c descriptors so that massline.proto is the one description of every kind. */
#include "ml_event.h"
#include "ml_err.h"
#include "ml_pb.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_FIELDS 64     //  more fields than any message of massline.proto has
#define S_CLIP 48           //  bytes of a user-supplied value quoted in an error
#define S_STR_(x) #x
#define S_STR(x) S_STR_ (x)

static const ProtobufCMessageDescriptor *const s_event_desc = &massline__event__descriptor;

//  What a string field holds, known from its name (the names are the JSON keys).
typedef enum {
    S_TEXT,                 //  free text: UTF-8, at most ML_TEXT_MAX bytes
    S_DATE,                 //  YYYY-MM-DD
    S_ID,                   //  1..ML_ID_MAX bytes of [A-Za-z0-9._-]
    S_REF,                  //  an id, or a derived ref "~" + 24 hex digits
    S_MONTH,                //  YYYY-MM (period_close)
    S_DOC,                  //  a report's document: UTF-8, at most ML_REPORT_DOC_MAX bytes
    S_HEX                   //  a SHA-256: 64 lowercase hex digits (digest, chain_head)
} s_class_t;

static bool
s_streq (const char *a, const char *b)
{
    return strcmp (a, b) == 0;
}

static s_class_t
s_class_of (const char *name)
{
    static const char *const dates[] = { "date", "end", "to", "from", "deadline", "announced",
                                         "feedback", "term_from", "term_to", "answered", NULL };
    static const char *const ids[] = { "person", "org", "head", "case", "opinion", "commitment",
                                       "signed_by", "filler", "reviewer", "approver", "about",
                                       "appeal", "rule", NULL };
    for (int i = 0; dates[i]; i++)
        if (s_streq (name, dates[i]))
            return S_DATE;
    for (int i = 0; ids[i]; i++)
        if (s_streq (name, ids[i]))
            return S_ID;
    if (s_streq (name, "ref") || s_streq (name, "supersedes") || s_streq (name, "secondment"))
        return S_REF;
    if (s_streq (name, "month"))
        return S_MONTH;
    if (s_streq (name, "document"))
        return S_DOC;
    if (s_streq (name, "digest") || s_streq (name, "chain_head"))
        return S_HEX;
    return S_TEXT;
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
static char *
s_clip (const char *text, char *out, size_t size)
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
static int __attribute__ ((format (printf, 4, 5)))
s_fail (ml_verr_t *err, const char *prefix, const char *name, const char *fmt, ...)
{
    snprintf (err->field, sizeof err->field, "%s%s", prefix, name);
    va_list args;
    va_start (args, fmt);
    vsnprintf (err->reason, sizeof err->reason, fmt, args);
    va_end (args);
    return ML_EINVAL;
}

static int
s_oom (ml_verr_t *err)
{
    s_fail (err, "", "", "out of memory");
    return ML_ENOMEM;
}

//  Writes "a, b, c" (the names of ENUM's values, in number order) into BUF.
static char *
s_enum_names (const ProtobufCEnumDescriptor *desc, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < desc->n_values && o < size; i++)
        o += snprintf (buf + o, size - o, "%s%s", i ? ", " : "", desc->values[i].name);
    return buf;
}

static bool
s_id_ok (const char *s)
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
static bool
s_ref_ok (const char *s)
{
    if (s[0] != '~')
        return s_id_ok (s);
    size_t n = 1;
    while ((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f'))
        n++;
    return n == 25 && s[n] == 0;
}

//  Checks free text of at most MAX bytes; returns NULL when fine, or the reason.
static const char *
s_text_problem_max (const char *s, bool required, size_t max, const char *too_long)
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

static const char *
s_text_problem (const char *s, bool required)
{
    return s_text_problem_max (s, required, ML_TEXT_MAX, "longer than " S_STR (ML_TEXT_MAX) " bytes");
}

//  ---------------------------------------------------------------------------
//  Generic access to messages through their descriptors

#define S_MEMBER(type, msg, offset) ((type *) ((char *) (msg) + (offset)))

//  The oneof field of Event named KIND, or NULL.
static const ProtobufCFieldDescriptor *
s_kind_field (const char *kind)
{
    const ProtobufCFieldDescriptor *f
        = protobuf_c_message_descriptor_get_field_by_name (s_event_desc, kind);
    return f && (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ? f : NULL;
}

//  The field of EV's body, or NULL when no body is set; *BODY_P gets the body.
static const ProtobufCFieldDescriptor *
s_body (const Massline__Event *ev, ProtobufCMessage **body_p)
{
    if (ev->body_case == MASSLINE__EVENT__BODY__NOT_SET)
        return NULL;
    const ProtobufCFieldDescriptor *f
        = protobuf_c_message_descriptor_get_field (s_event_desc, ev->body_case);
    if (!f || !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
        return NULL;
    ProtobufCMessage *body = *S_MEMBER (ProtobufCMessage *, ev, f->offset);
    if (!body)
        return NULL;
    if (body_p)
        *body_p = body;
    return f;
}

//  True when optional scalar F of MSG is present (required ones always are).
static bool
s_present (const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f)
{
    if (f->label == PROTOBUF_C_LABEL_REQUIRED)
        return true;
    return *S_MEMBER (protobuf_c_boolean, msg, f->quantifier_offset);
}

static ProtobufCMessage *
s_new (const ProtobufCMessageDescriptor *desc)
{
    ProtobufCMessage *msg = malloc (desc->sizeof_message);
    if (msg)
        protobuf_c_message_init (desc, msg);
    return msg;
}

//  ---------------------------------------------------------------------------
//  JSON -> Event

static Massline__Event *s_event_from_json (const json_t *obj, const char *prefix, ml_verr_t *err);
static int s_message_from_json (ProtobufCMessage *msg, const json_t *obj, Massline__Event *ev,
                                const char *prefix, const char *kind, ml_verr_t *err);

//  Sets message field F of MSG: a list of objects (person.roles), a whole event
//  (correction.event) or a plain object.
static int
s_child_from_json (ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, const json_t *val,
                   const char *prefix, const char *kind, ml_verr_t *err)
{
    void *member = S_MEMBER (char, msg, f->offset);
    char sub[sizeof err->field];
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t n = json_is_array (val) ? json_array_size (val) : 0;
        bool ok = json_is_array (val);
        for (size_t i = 0; ok && i < n; i++)
            ok = json_is_object (json_array_get (val, i));
        if (!ok)
            return s_fail (err, prefix, f->name, "expected a list of objects");
        ProtobufCMessage **items = calloc (n ? n : 1, sizeof *items);
        if (!items)
            return s_oom (err);
        //  Attached first, so that the event's destructor frees whatever was built.
        *(ProtobufCMessage ***) member = items;
        *S_MEMBER (size_t, msg, f->quantifier_offset) = n;
        for (size_t i = 0; i < n; i++) {
            if (!(items[i] = s_new (f->descriptor)))
                return s_oom (err);
            snprintf (sub, sizeof sub, "%s%s[%zu].", prefix, f->name, i);
            int rc = s_message_from_json (items[i], json_array_get (val, i), NULL, sub, kind, err);
            if (rc)
                return rc;
        }
        return ML_OK;
    }
    if (!json_is_object (val))
        return s_fail (err, prefix, f->name, "expected an object");
    snprintf (sub, sizeof sub, "%s%s.", prefix, f->name);
    if (f->descriptor == s_event_desc) {
        Massline__Event *inner = s_event_from_json (val, sub, err);
        if (!inner)
            return ML_EINVAL;
        *(ProtobufCMessage **) member = &inner->base;
        return ML_OK;
    }
    ProtobufCMessage *child = s_new (f->descriptor);
    if (!child)
        return s_oom (err);
    *(ProtobufCMessage **) member = child;
    return s_message_from_json (child, val, NULL, sub, kind, err);
}

//  Sets field F of MSG from the JSON value VAL (not null).
static int
s_field_from_json (ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, const json_t *val,
                   const char *prefix, const char *kind, ml_verr_t *err)
{
    void *member = S_MEMBER (char, msg, f->offset);
    switch (f->type) {
        case PROTOBUF_C_TYPE_STRING: {
            if (!json_is_string (val))
                return s_fail (err, prefix, f->name, "expected a string");
            char *copy = strdup (json_string_value (val));
            if (!copy)
                return s_oom (err);
            *(char **) member = copy;
            return ML_OK;       //  a string's presence is its pointer
        }
        case PROTOBUF_C_TYPE_BOOL:
            if (!json_is_boolean (val))
                return s_fail (err, prefix, f->name, "expected true or false");
            *(protobuf_c_boolean *) member = json_is_true (val);
            break;
        case PROTOBUF_C_TYPE_UINT32: {
            if (!json_is_integer (val))
                return s_fail (err, prefix, f->name, "expected a whole number");
            json_int_t v = json_integer_value (val);
            if (v < 0 || v > UINT32_MAX)
                return s_fail (err, prefix, f->name, "out of range (%" JSON_INTEGER_FORMAT ")", v);
            *(uint32_t *) member = (uint32_t) v;
            break;
        }
        case PROTOBUF_C_TYPE_ENUM: {
            if (!json_is_string (val))
                return s_fail (err, prefix, f->name, "expected a string");
            const ProtobufCEnumValue *ev
                = protobuf_c_enum_descriptor_get_value_by_name (f->descriptor, json_string_value (val));
            if (!ev) {
                char clip[S_CLIP], names[200];
                return s_fail (err, prefix, f->name, "unknown value '%s' (expected one of %s)",
                               s_clip (json_string_value (val), clip, sizeof clip),
                               s_enum_names (f->descriptor, names, sizeof names));
            }
            *(int *) member = ev->value;
            break;
        }
        case PROTOBUF_C_TYPE_MESSAGE:
            return s_child_from_json (msg, f, val, prefix, kind, err);
        default:
            //  massline.proto uses no other types in events; a new one needs code here.
            return s_fail (err, prefix, f->name, "field type %d is not supported", (int) f->type);
    }
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL)
        *S_MEMBER (protobuf_c_boolean, msg, f->quantifier_offset) = 1;
    return ML_OK;
}

//  Fills MSG from the keys of OBJ. For an event body EV is the event: then "kind" is skipped
//  and Event's own fields (ref, note) go to EV. Null values count as absent.
static int
s_message_from_json (ProtobufCMessage *msg, const json_t *obj, Massline__Event *ev,
                     const char *prefix, const char *kind, ml_verr_t *err)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    assert (desc->n_fields <= S_MAX_FIELDS);
    uint32_t seen = 0;
    const char *key;
    json_t *val;
    json_object_foreach ((json_t *) obj, key, val) {
        ProtobufCMessage *target = msg;
        const ProtobufCFieldDescriptor *f = NULL;
        if (ev) {
            if (s_streq (key, "kind"))
                continue;
            f = protobuf_c_message_descriptor_get_field_by_name (s_event_desc, key);
            if (f && !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
                target = &ev->base;
            else
                f = NULL;
        }
        if (!f)
            f = protobuf_c_message_descriptor_get_field_by_name (desc, key);
        if (!f) {
            char clip[S_CLIP];
            return s_fail (err, prefix, s_clip (key, clip, sizeof clip),
                           "unknown key for kind '%s'", kind);
        }
        if (json_is_null (val))
            continue;
        if (target == msg)
            seen |= 1u << (f - desc->fields);
        int rc = s_field_from_json (target, f, val, prefix, kind, err);
        if (rc)
            return rc;
    }
    for (unsigned i = 0; i < desc->n_fields; i++)
        if (desc->fields[i].label == PROTOBUF_C_LABEL_REQUIRED && !(seen & (1u << i)))
            return s_fail (err, prefix, desc->fields[i].name, "missing");
    return ML_OK;
}

//  Builds the event of OBJ (an object); PREFIX names where it sits ("" or "event.").
static Massline__Event *
s_event_from_json (const json_t *obj, const char *prefix, ml_verr_t *err)
{
    json_t *jkind = json_object_get (obj, "kind");
    if (!jkind || json_is_null (jkind)) {
        s_fail (err, prefix, "kind", "missing");
        return NULL;
    }
    if (!json_is_string (jkind)) {
        s_fail (err, prefix, "kind", "expected a string");
        return NULL;
    }
    const char *kind = json_string_value (jkind);
    const ProtobufCFieldDescriptor *bf = s_kind_field (kind);
    if (!bf) {
        char clip[S_CLIP];
        s_fail (err, prefix, "kind", "unknown kind '%s'", s_clip (kind, clip, sizeof clip));
        return NULL;
    }
    Massline__Event *ev = (Massline__Event *) s_new (s_event_desc);
    ProtobufCMessage *body = s_new (bf->descriptor);
    if (!ev || !body) {
        free (ev);
        free (body);
        s_oom (err);
        return NULL;
    }
    ev->body_case = bf->id;
    *S_MEMBER (ProtobufCMessage *, ev, bf->offset) = body;
    if (s_message_from_json (body, obj, ev, prefix, kind, err)) {
        ml_event_free (&ev);
        return NULL;
    }
    return ev;
}

Massline__Event *
ml_event_from_json (const json_t *obj, ml_verr_t *err)
{
    ml_verr_t spare;
    if (!err)
        err = &spare;
    if (!json_is_object (obj)) {
        s_fail (err, "", "", "not a JSON object");
        return NULL;
    }
    return s_event_from_json (obj, "", err);
}

Massline__Event *
ml_event_from_jsonl (const char *line, size_t len, ml_verr_t *err)
{
    ml_verr_t spare;
    if (!err)
        err = &spare;
    json_error_t jerr;
    json_t *obj = json_loadb (line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
    if (!obj) {
        char clip[160];
        s_fail (err, "", "", "not valid JSON: %s (column %d)",
                s_clip (jerr.text, clip, sizeof clip), jerr.column);
        return NULL;
    }
    Massline__Event *ev = ml_event_from_json (obj, err);
    json_decref (obj);
    return ev;
}

//  ---------------------------------------------------------------------------
//  key=value words -> Event (through a JSON object, so the checks are the same)

//  The JSON value for the text VALUE of field F, or NULL with ERR filled.
static json_t *
s_kv_value (const ProtobufCFieldDescriptor *f, const char *value, ml_verr_t *err)
{
    switch (f->type) {
        case PROTOBUF_C_TYPE_BOOL:
            if (s_streq (value, "true") || s_streq (value, "1") || s_streq (value, "是"))
                return json_true ();
            if (s_streq (value, "false") || s_streq (value, "0") || s_streq (value, "否"))
                return json_false ();
            s_fail (err, "", f->name, "expected true or false");
            return NULL;
        case PROTOBUF_C_TYPE_UINT32: {
            const char *p = value + (*value == '-');
            if (!*p || strspn (p, "0123456789") != strlen (p)) {
                s_fail (err, "", f->name, "expected a whole number");
                return NULL;
            }
            errno = 0;
            long long v = strtoll (value, NULL, 10);
            if (errno == ERANGE) {
                char clip[S_CLIP];
                s_fail (err, "", f->name, "out of range (%s)", s_clip (value, clip, sizeof clip));
                return NULL;
            }
            return json_integer (v);
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
            json_error_t jerr;
            json_t *v = json_loads (value, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
            if (!v) {
                char clip[160];
                s_fail (err, "", f->name, "not valid JSON: %s (column %d)",
                        s_clip (jerr.text, clip, sizeof clip), jerr.column);
            }
            return v;
        }
        default:
            //  Strings and enum names. Not checked for UTF-8 here: validation reports it
            //  with the field's name.
            return json_string_nocheck (value);
    }
}

Massline__Event *
ml_event_from_kv (const char *kind, int argc, char *const *argv, ml_verr_t *err)
{
    ml_verr_t spare;
    if (!err)
        err = &spare;
    char clip[S_CLIP];
    const ProtobufCFieldDescriptor *bf = kind ? s_kind_field (kind) : NULL;
    if (!bf) {
        if (kind)
            s_fail (err, "", "kind", "unknown kind '%s'", s_clip (kind, clip, sizeof clip));
        else
            s_fail (err, "", "kind", "missing");
        return NULL;
    }
    Massline__Event *ev = NULL;
    json_t *obj = json_object ();
    if (!obj || json_object_set_new (obj, "kind", json_string (bf->name))) {
        s_oom (err);
        goto done;
    }
    for (int i = 0; i < argc; i++) {
        const char *eq = strchr (argv[i], '=');
        if (!eq || eq == argv[i]) {
            s_fail (err, "", "", "expected key=value, got '%s'", s_clip (argv[i], clip, sizeof clip));
            goto done;
        }
        char key[ML_ID_MAX + 1];
        size_t klen = (size_t) (eq - argv[i]);
        snprintf (key, sizeof key, "%.*s", (int) klen, argv[i]);
        const ProtobufCFieldDescriptor *f
            = protobuf_c_message_descriptor_get_field_by_name (s_event_desc, key);
        if (!f || (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            f = protobuf_c_message_descriptor_get_field_by_name (bf->descriptor, key);
        if (klen >= sizeof key || (!f && !s_streq (key, "kind"))) {
            s_fail (err, "", s_clip (key, clip, sizeof clip), "unknown key for kind '%s'", bf->name);
            goto done;
        }
        if (json_object_get (obj, key)) {
            s_fail (err, "", key, "given twice");
            goto done;
        }
        json_t *val = s_kv_value (f, eq + 1, err);
        if (!val || json_object_set_new (obj, f->name, val))
            goto done;
    }
    ev = ml_event_from_json (obj, err);
    const char *problem = ev && ev->ref ? ml_event_user_ref_problem (ev->ref) : NULL;
    if (problem) {
        s_fail (err, "", "ref", "%s", problem);
        ml_event_free (&ev);
    }
done:
    json_decref (obj);
    return ev;
}

//  ---------------------------------------------------------------------------
//  Event -> JSON

static json_t *s_event_to_json (const Massline__Event *ev);

//  Adds the present fields of MSG to OBJ (oneof members skipped). Returns 0 or -1 when a
//  value cannot be JSON (text not UTF-8, unknown enum number) or memory ran out.
static int
s_message_to_json (const ProtobufCMessage *msg, json_t *obj)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        const void *member = S_MEMBER (const char, msg, f->offset);
        json_t *val = NULL;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            continue;
        switch (f->type) {
            case PROTOBUF_C_TYPE_STRING:
                if (!*(char *const *) member)
                    continue;
                val = json_string (*(char *const *) member);
                break;
            case PROTOBUF_C_TYPE_BOOL:
                if (!s_present (msg, f))
                    continue;
                val = json_boolean (*(const protobuf_c_boolean *) member);
                break;
            case PROTOBUF_C_TYPE_UINT32:
                if (!s_present (msg, f))
                    continue;
                val = json_integer (*(const uint32_t *) member);
                break;
            case PROTOBUF_C_TYPE_ENUM: {
                if (!s_present (msg, f))
                    continue;
                const ProtobufCEnumValue *ev
                    = protobuf_c_enum_descriptor_get_value (f->descriptor, *(const int *) member);
                val = ev ? json_string (ev->name) : NULL;
                break;
            }
            case PROTOBUF_C_TYPE_MESSAGE:
                if (f->label == PROTOBUF_C_LABEL_REPEATED) {
                    size_t n = *S_MEMBER (const size_t, msg, f->quantifier_offset);
                    ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *) member;
                    if (n == 0)
                        continue;
                    val = json_array ();
                    for (size_t k = 0; val && k < n; k++) {
                        json_t *item = json_object ();
                        if (json_array_append_new (val, item) || s_message_to_json (items[k], item)) {
                            json_decref (val);
                            val = NULL;
                        }
                    }
                }
                else {
                    const ProtobufCMessage *child = *(ProtobufCMessage *const *) member;
                    if (!child)
                        continue;
                    if (child->descriptor == s_event_desc)
                        val = s_event_to_json ((const Massline__Event *) child);
                    else if ((val = json_object ()) && s_message_to_json (child, val)) {
                        json_decref (val);
                        val = NULL;
                    }
                }
                break;
            default:
                break;
        }
        if (!val || json_object_set_new (obj, f->name, val))
            return -1;
    }
    return 0;
}

static json_t *
s_event_to_json (const Massline__Event *ev)
{
    ProtobufCMessage *body = NULL;
    const ProtobufCFieldDescriptor *bf = s_body (ev, &body);
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    if ((bf && json_object_set_new (obj, "kind", json_string (bf->name)))
        || s_message_to_json (&ev->base, obj)            //  ref, note
        || (bf && s_message_to_json (body, obj))) {
        json_decref (obj);
        return NULL;
    }
    return obj;
}

json_t *
ml_event_to_json (const Massline__Event *ev)
{
    return ev ? s_event_to_json (ev) : NULL;
}

//  ---------------------------------------------------------------------------
//  Validation

//  Where a check runs: the context, the error prefix and the event's kind.
typedef struct {
    const ml_vctx_t *ctx;
    const char *prefix;     //  "", "event.", "roles[0]." ...
    const char *kind;       //  kind name of the event being checked
    bool body;              //  MSG is an event's body: its "date" is limited by today
    ml_verr_t *err;
} s_check_t;

static int s_validate_event (const Massline__Event *ev, const ml_vctx_t *ctx, const char *prefix,
                             ml_verr_t *err);
static int s_validate_message (const ProtobufCMessage *msg, const s_check_t *chk);

//  Checks the string S of field F, of class CLS; *DAY gets a date's day number.
static int
s_check_string (const s_check_t *chk, const ProtobufCFieldDescriptor *f, s_class_t cls,
                const char *s, ml_day_t *day)
{
    char clip[S_CLIP];
    ml_day_t day_of_month;
    switch (cls) {
        case S_DATE:
            if (ml_date_parse (s, day) != ML_OK)
                return s_fail (chk->err, chk->prefix, f->name, "not a date (%s)",
                               s_clip (s, clip, sizeof clip));
            if (chk->body && s_streq (f->name, "date") && *day > chk->ctx->today) {
                char today[11];
                return s_fail (chk->err, chk->prefix, f->name, "after today (%s > %s)", s,
                               ml_date_format (chk->ctx->today, today));
            }
            return ML_OK;
        case S_MONTH: {
            char day[16];
            if (strlen (s) != 7 || snprintf (day, sizeof day, "%s-01", s) != 10
            ||  ml_date_parse (day, &day_of_month) != ML_OK)
                return s_fail (chk->err, chk->prefix, f->name, "not a month YYYY-MM (%s)",
                               s_clip (s, clip, sizeof clip));
            if (day_of_month > chk->ctx->today)
                return s_fail (chk->err, chk->prefix, f->name, "after this month (%s)", s);
            return ML_OK;
        }
        case S_DOC: {
            size_t n = strlen (s);
            if (n > ML_REPORT_DOC_MAX)
                return s_fail (chk->err, chk->prefix, f->name, "%zu bytes, more than a report "
                               "may carry (%d bytes)", n, ML_REPORT_DOC_MAX);
            const char *problem = s_text_problem_max (s, true, ML_REPORT_DOC_MAX, "too long");
            return problem ? s_fail (chk->err, chk->prefix, f->name, "%s", problem) : ML_OK;
        }
        case S_HEX:
            if (strlen (s) == 64 && strspn (s, "0123456789abcdef") == 64)
                return ML_OK;
            return s_fail (chk->err, chk->prefix, f->name, "not a SHA-256 in hex (64 digits 0-9a-f)");
        case S_ID:
        case S_REF:
            if (cls == S_ID ? s_id_ok (s) : s_ref_ok (s))
                return ML_OK;
            return s_fail (chk->err, chk->prefix, f->name, "not a valid id (%s)",
                           s_clip (s, clip, sizeof clip));
        default: {
            const char *problem = s_text_problem (s, f->label == PROTOBUF_C_LABEL_REQUIRED);
            return problem ? s_fail (chk->err, chk->prefix, f->name, "%s", problem) : ML_OK;
        }
    }
}

//  Where an ordered date must not be before: "end" >= "date", "to" >= "from" (or "date"),
//  "deadline" >= "date", "term_to" >= "term_from". NULL for other fields.
static const char *
s_start_of (const ProtobufCMessageDescriptor *desc, const char *name)
{
    if (s_streq (name, "term_to"))
        return "term_from";
    if (s_streq (name, "to"))
        return protobuf_c_message_descriptor_get_field_by_name (desc, "from") ? "from" : "date";
    if (s_streq (name, "end") || s_streq (name, "deadline"))
        return "date";
    return NULL;
}

//  Checks message field F of MSG: each role, or correction's inner event.
static int
s_validate_child (const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                  const s_check_t *chk)
{
    const void *member = S_MEMBER (const char, msg, f->offset);
    char sub[sizeof chk->err->field];
    s_check_t item = { chk->ctx, sub, chk->kind, false, chk->err };
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t n = *S_MEMBER (const size_t, msg, f->quantifier_offset);
        ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *) member;
        for (size_t k = 0; k < n; k++) {
            snprintf (sub, sizeof sub, "%s%s[%zu].", chk->prefix, f->name, k);
            int rc = s_validate_message (items[k], &item);
            if (rc)
                return rc;
        }
        return ML_OK;
    }
    const ProtobufCMessage *child = *(ProtobufCMessage *const *) member;
    if (!child)
        return f->label == PROTOBUF_C_LABEL_REQUIRED
               ? s_fail (chk->err, chk->prefix, f->name, "missing") : ML_OK;
    snprintf (sub, sizeof sub, "%s%s.", chk->prefix, f->name);
    if (child->descriptor != s_event_desc)
        return s_validate_message (child, &item);
    //  correction.event: a plain event, checked like one.
    uint32_t inner = ((const Massline__Event *) child)->body_case;
    if (inner == MASSLINE__EVENT__BODY_CORRECTION || inner == MASSLINE__EVENT__BODY_VOID)
        return s_fail (chk->err, chk->prefix, f->name, "cannot correct with a correction or void");
    return s_validate_event ((const Massline__Event *) child, chk->ctx, sub, chk->err);
}

//  Checks every field of MSG, then the order of its dates.
static int
s_validate_message (const ProtobufCMessage *msg, const s_check_t *chk)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    assert (desc->n_fields <= S_MAX_FIELDS);
    ml_day_t days[S_MAX_FIELDS];
    uint64_t dated = 0;         //  bit i: days[i] holds field i's date
    ml_verr_t *err = chk->err;
    int rc;

    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        const void *member = S_MEMBER (const char, msg, f->offset);
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            continue;           //  the body, checked by the caller
        switch (f->type) {
            case PROTOBUF_C_TYPE_STRING: {
                const char *s = *(char *const *) member;
                if (!s) {
                    if (f->label == PROTOBUF_C_LABEL_REQUIRED)
                        return s_fail (err, chk->prefix, f->name, "missing");
                    break;
                }
                s_class_t cls = s_class_of (f->name);
                if ((rc = s_check_string (chk, f, cls, s, &days[i])))
                    return rc;
                if (cls == S_DATE)
                    dated |= 1ull << i;
                break;
            }
            case PROTOBUF_C_TYPE_ENUM: {
                int v = *(const int *) member;
                if (s_present (msg, f) && !protobuf_c_enum_descriptor_get_value (f->descriptor, v)) {
                    char names[200];
                    return s_fail (err, chk->prefix, f->name, "unknown value '%d' (expected one of %s)",
                                   v, s_enum_names (f->descriptor, names, sizeof names));
                }
                break;
            }
            case PROTOBUF_C_TYPE_UINT32:
                if (s_present (msg, f) && *(const uint32_t *) member < 1)
                    return s_fail (err, chk->prefix, f->name, "must be at least 1");
                break;
            case PROTOBUF_C_TYPE_MESSAGE:
                if ((rc = s_validate_child (msg, f, chk)))
                    return rc;
                break;
            default:
                break;
        }
    }
    //  Dates in order.
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const char *start = (dated & (1ull << i)) ? s_start_of (desc, desc->fields[i].name) : NULL;
        if (!start)
            continue;
        unsigned j = (unsigned) (protobuf_c_message_descriptor_get_field_by_name (desc, start)
                                 - desc->fields);
        if ((dated & (1ull << j)) && days[i] < days[j]) {
            char a[11], b[11];
            return s_fail (err, chk->prefix, desc->fields[i].name, "before '%s' (%s < %s)", start,
                           ml_date_format (days[i], a), ml_date_format (days[j], b));
        }
    }
    return ML_OK;
}

//  Roster: the people and orgs an event of KIND names must be known.
static int
s_check_roster (const ProtobufCMessage *body, const s_check_t *chk)
{
    const ml_vctx_t *ctx = chk->ctx;
    const ProtobufCMessageDescriptor *desc = body->descriptor;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (f->type != PROTOBUF_C_TYPE_STRING)
            continue;
        const char *s = *S_MEMBER (char *const, body, f->offset);
        if (!s)
            continue;
        bool person = (s_streq (f->name, "person") && !s_streq (chk->kind, "person"))
                      || s_streq (f->name, "head") || s_streq (f->name, "signed_by")
                      || s_streq (f->name, "filler") || s_streq (f->name, "reviewer")
                      || s_streq (f->name, "approver") || s_streq (f->name, "about");
        bool org = s_streq (f->name, "org") && (s_streq (chk->kind, "commitment")
                                               || s_streq (chk->kind, "activity_day")
                                               || s_streq (chk->kind, "exemption"));
        if (person && ctx->has_person && !ctx->has_person (ctx->ctx, s))
            return s_fail (chk->err, chk->prefix, f->name, "unknown person '%s'", s);
        if (org && ctx->has_org && !ctx->has_org (ctx->ctx, s))
            return s_fail (chk->err, chk->prefix, f->name, "unknown org '%s'", s);
    }
    return ML_OK;
}

static int
s_validate_event (const Massline__Event *ev, const ml_vctx_t *ctx, const char *prefix,
                  ml_verr_t *err)
{
    ProtobufCMessage *body = NULL;
    const ProtobufCFieldDescriptor *bf = s_body (ev, &body);
    if (!bf)
        return s_fail (err, prefix, "kind", "missing");
    s_check_t chk = { ctx, prefix, bf->name, false, err };
    int rc = s_validate_message (&ev->base, &chk);     //  ref, note
    chk.body = true;
    if (rc || (rc = s_validate_message (body, &chk)))
        return rc;
    if (ev->body_case == MASSLINE__EVENT__BODY_COMMITMENT) {
        const Massline__Commitment *c = ev->commitment;
        if (!c->person == !c->org)
            return s_fail (err, prefix, "person", "give exactly one of 'person' and 'org'");
    }
    if (ev->body_case == MASSLINE__EVENT__BODY_YEAR_SUBMISSION) {
        int y, m, d;
        ml_date_to_ymd (ctx->today, &y, &m, &d);
        if (ev->year_submission->year < 2000 || (int) ev->year_submission->year > y)
            return s_fail (err, prefix, "year", "not a year that can be submitted (%u)",
                           ev->year_submission->year);
    }
    if (ev->body_case == MASSLINE__EVENT__BODY_REPORT) {
        const Massline__Report *r = ev->report;
        if (r->tier_version != ML_TIER_VERSION)
            return s_fail (err, prefix, "tier_version", "this collector speaks tier version %d, "
                           "not %u: upgrade the lower or the higher tier", ML_TIER_VERSION,
                           r->tier_version);
        if (!s_id_ok (r->report))
            return s_fail (err, prefix, "report", "not a valid id");
        uint8_t sha[32];
        char hex[65];
        ml_sha256 ((const uint8_t *) r->document, strlen (r->document), sha);
        for (int i = 0; i < 32; i++)
            snprintf (hex + 2 * i, 3, "%02x", sha[i]);
        if (strcmp (hex, r->digest) != 0)
            return s_fail (err, prefix, "digest", "the document does not match its digest (its "
                           "SHA-256 is %.16s..., the event says %.16s...): altered on the way",
                           hex, r->digest);
    }
    if (ev->body_case == MASSLINE__EVENT__BODY_EXEMPTION) {
        const Massline__Exemption *x = ev->exemption;
        if (!x->person == !x->org)
            return s_fail (err, prefix, "person", "give exactly one of 'person' and 'org'");
    }
    return s_check_roster (body, &chk);
}

int
ml_event_validate (const Massline__Event *ev, const ml_vctx_t *ctx, ml_verr_t *err)
{
    ml_verr_t spare;
    assert (ev && ctx);
    return s_validate_event (ev, ctx, "", err ? err : &spare);
}

const char *
ml_verr_text (const ml_verr_t *err, char *buf, size_t len)
{
    if (err->field[0])
        snprintf (buf, len, "field '%s': %s", err->field, err->reason);
    else
        snprintf (buf, len, "%s", err->reason);
    return buf;
}

//  ---------------------------------------------------------------------------
//  Accessors

const char *
ml_event_kind (const Massline__Event *ev)
{
    const ProtobufCFieldDescriptor *bf = ev ? s_body (ev, NULL) : NULL;
    return bf ? bf->name : NULL;
}

bool
ml_event_kind_known (const char *name)
{
    return name && s_kind_field (name) != NULL;
}

const char *
ml_event_str (const Massline__Event *ev, const char *name)
{
    ProtobufCMessage *body = NULL;
    if (!ev || !s_body (ev, &body))
        return NULL;
    const ProtobufCFieldDescriptor *f
        = protobuf_c_message_descriptor_get_field_by_name (body->descriptor, name);
    if (!f || f->type != PROTOBUF_C_TYPE_STRING)
        return NULL;
    return *S_MEMBER (char *const, body, f->offset);
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
    Massline__Event *ev = s_wire_ok (s_event_desc, data, len, S_MAX_DEPTH)
                          ? massline__event__unpack (NULL, len, data) : NULL;
    if (!ev && err)
        s_fail (err, "", "", "not a valid event encoding");
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
