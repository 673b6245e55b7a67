/* ml_event_json.c -- JSON objects (the keys of interfaces.md) to events and back, driven by the
   protobuf-c descriptors. */
#include "ml_event_private.h"
#include "ml_err.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    void *member = ML_EVT_MEMBER (char, msg, f->offset);
    char sub[sizeof err->field];
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t n = json_is_array (val) ? json_array_size (val) : 0;
        bool ok = json_is_array (val);
        for (size_t i = 0; ok && i < n; i++)
            ok = json_is_object (json_array_get (val, i));
        if (!ok)
            return ml_evt_fail (err, prefix, f->name, "expected a list of objects");
        ProtobufCMessage **items = calloc (n ? n : 1, sizeof *items);
        if (!items)
            return ml_evt_oom (err);
        //  Attached first, so that the event's destructor frees whatever was built.
        *(ProtobufCMessage ***) member = items;
        *ML_EVT_MEMBER (size_t, msg, f->quantifier_offset) = n;
        for (size_t i = 0; i < n; i++) {
            if (!(items[i] = ml_evt_new (f->descriptor)))
                return ml_evt_oom (err);
            snprintf (sub, sizeof sub, "%s%s[%zu].", prefix, f->name, i);
            int rc = s_message_from_json (items[i], json_array_get (val, i), NULL, sub, kind, err);
            if (rc)
                return rc;
        }
        return ML_OK;
    }
    if (!json_is_object (val))
        return ml_evt_fail (err, prefix, f->name, "expected an object");
    snprintf (sub, sizeof sub, "%s%s.", prefix, f->name);
    if (f->descriptor == ML_EVT_DESC) {
        Massline__Event *inner = s_event_from_json (val, sub, err);
        if (!inner)
            return ML_EINVAL;
        *(ProtobufCMessage **) member = &inner->base;
        return ML_OK;
    }
    ProtobufCMessage *child = ml_evt_new (f->descriptor);
    if (!child)
        return ml_evt_oom (err);
    *(ProtobufCMessage **) member = child;
    return s_message_from_json (child, val, NULL, sub, kind, err);
}

//  Sets field F of MSG from the JSON value VAL (not null).
static int
s_field_from_json (ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f, const json_t *val,
                   const char *prefix, const char *kind, ml_verr_t *err)
{
    void *member = ML_EVT_MEMBER (char, msg, f->offset);
    switch (f->type) {
        case PROTOBUF_C_TYPE_STRING: {
            if (!json_is_string (val))
                return ml_evt_fail (err, prefix, f->name, "expected a string");
            char *copy = strdup (json_string_value (val));
            if (!copy)
                return ml_evt_oom (err);
            *(char **) member = copy;
            return ML_OK;       //  a string's presence is its pointer
        }
        case PROTOBUF_C_TYPE_BOOL:
            if (!json_is_boolean (val))
                return ml_evt_fail (err, prefix, f->name, "expected true or false");
            *(protobuf_c_boolean *) member = json_is_true (val);
            break;
        case PROTOBUF_C_TYPE_UINT32: {
            if (!json_is_integer (val))
                return ml_evt_fail (err, prefix, f->name, "expected a whole number");
            json_int_t v = json_integer_value (val);
            if (v < 0 || v > UINT32_MAX)
                return ml_evt_fail (err, prefix, f->name, "out of range (%" JSON_INTEGER_FORMAT ")", v);
            *(uint32_t *) member = (uint32_t) v;
            break;
        }
        case PROTOBUF_C_TYPE_ENUM: {
            if (!json_is_string (val))
                return ml_evt_fail (err, prefix, f->name, "expected a string");
            const ProtobufCEnumValue *ev
                = protobuf_c_enum_descriptor_get_value_by_name (f->descriptor, json_string_value (val));
            if (!ev) {
                char clip[ML_EVT_CLIP], names[200];
                return ml_evt_fail (err, prefix, f->name, "unknown value '%s' (expected one of %s)",
                               ml_evt_clip (json_string_value (val), clip, sizeof clip),
                               ml_evt_enum_names (f->descriptor, names, sizeof names));
            }
            *(int *) member = ev->value;
            break;
        }
        case PROTOBUF_C_TYPE_MESSAGE:
            return s_child_from_json (msg, f, val, prefix, kind, err);
        default:
            //  massline.proto uses no other types in events; a new one needs code here.
            return ml_evt_fail (err, prefix, f->name, "field type %d is not supported", (int) f->type);
    }
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL)
        *ML_EVT_MEMBER (protobuf_c_boolean, msg, f->quantifier_offset) = 1;
    return ML_OK;
}

//  Fills MSG from the keys of OBJ. For an event body EV is the event: then "kind" is skipped
//  and Event's own fields (ref, note) go to EV. Null values count as absent.
static int
s_message_from_json (ProtobufCMessage *msg, const json_t *obj, Massline__Event *ev,
                     const char *prefix, const char *kind, ml_verr_t *err)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    assert (desc->n_fields <= ML_EVT_MAX_FIELDS);
    uint32_t seen = 0;
    const char *key;
    json_t *val;
    json_object_foreach ((json_t *) obj, key, val) {
        ProtobufCMessage *target = msg;
        const ProtobufCFieldDescriptor *f = NULL;
        if (ev) {
            if (ml_evt_streq (key, "kind"))
                continue;
            f = protobuf_c_message_descriptor_get_field_by_name (ML_EVT_DESC, key);
            if (f && !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
                target = &ev->base;
            else
                f = NULL;
        }
        if (!f)
            f = protobuf_c_message_descriptor_get_field_by_name (desc, key);
        if (!f) {
            char clip[ML_EVT_CLIP];
            return ml_evt_fail (err, prefix, ml_evt_clip (key, clip, sizeof clip),
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
            return ml_evt_fail (err, prefix, desc->fields[i].name, "missing");
    return ML_OK;
}

//  Builds the event of OBJ (an object); PREFIX names where it sits ("" or "event.").
static Massline__Event *
s_event_from_json (const json_t *obj, const char *prefix, ml_verr_t *err)
{
    json_t *jkind = json_object_get (obj, "kind");
    if (!jkind || json_is_null (jkind)) {
        ml_evt_fail (err, prefix, "kind", "missing");
        return NULL;
    }
    if (!json_is_string (jkind)) {
        ml_evt_fail (err, prefix, "kind", "expected a string");
        return NULL;
    }
    const char *kind = json_string_value (jkind);
    const ProtobufCFieldDescriptor *bf = ml_evt_kind_field (kind);
    if (!bf) {
        char clip[ML_EVT_CLIP];
        ml_evt_fail (err, prefix, "kind", "unknown kind '%s'", ml_evt_clip (kind, clip, sizeof clip));
        return NULL;
    }
    Massline__Event *ev = (Massline__Event *) ml_evt_new (ML_EVT_DESC);
    ProtobufCMessage *body = ml_evt_new (bf->descriptor);
    if (!ev || !body) {
        free (ev);
        free (body);
        ml_evt_oom (err);
        return NULL;
    }
    ev->body_case = bf->id;
    *ML_EVT_MEMBER (ProtobufCMessage *, ev, bf->offset) = body;
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
        ml_evt_fail (err, "", "", "not a JSON object");
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
        ml_evt_fail (err, "", "", "not valid JSON: %s (column %d)",
                ml_evt_clip (jerr.text, clip, sizeof clip), jerr.column);
        return NULL;
    }
    Massline__Event *ev = ml_event_from_json (obj, err);
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
        const void *member = ML_EVT_MEMBER (const char, msg, f->offset);
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
                if (!ml_evt_present (msg, f))
                    continue;
                val = json_boolean (*(const protobuf_c_boolean *) member);
                break;
            case PROTOBUF_C_TYPE_UINT32:
                if (!ml_evt_present (msg, f))
                    continue;
                val = json_integer (*(const uint32_t *) member);
                break;
            case PROTOBUF_C_TYPE_ENUM: {
                if (!ml_evt_present (msg, f))
                    continue;
                const ProtobufCEnumValue *ev
                    = protobuf_c_enum_descriptor_get_value (f->descriptor, *(const int *) member);
                val = ev ? json_string (ev->name) : NULL;
                break;
            }
            case PROTOBUF_C_TYPE_MESSAGE:
                if (f->label == PROTOBUF_C_LABEL_REPEATED) {
                    size_t n = *ML_EVT_MEMBER (const size_t, msg, f->quantifier_offset);
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
                    if (child->descriptor == ML_EVT_DESC)
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
    const ProtobufCFieldDescriptor *bf = ml_evt_body (ev, &body);
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
