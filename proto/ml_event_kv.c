/* ml_event_kv.c -- key=value words (as typed after `massline-agent record KIND`) to an event,
   through a JSON object so that the checks are those of ml_event_from_json. */
#include "ml_event_private.h"
#include "ml_err.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  ---------------------------------------------------------------------------
//  key=value words -> Event (through a JSON object, so the checks are the same)

//  The JSON value for the text VALUE of field F, or NULL with ERR filled.
static json_t *
s_kv_value (const ProtobufCFieldDescriptor *f, const char *value, ml_verr_t *err)
{
    switch (f->type) {
        case PROTOBUF_C_TYPE_BOOL:
            if (ml_evt_streq (value, "true") || ml_evt_streq (value, "1") || ml_evt_streq (value, "是"))
                return json_true ();
            if (ml_evt_streq (value, "false") || ml_evt_streq (value, "0") || ml_evt_streq (value, "否"))
                return json_false ();
            ml_evt_fail (err, "", f->name, "expected true or false");
            return NULL;
        case PROTOBUF_C_TYPE_UINT32: {
            const char *p = value + (*value == '-');
            if (!*p || strspn (p, "0123456789") != strlen (p)) {
                ml_evt_fail (err, "", f->name, "expected a whole number");
                return NULL;
            }
            errno = 0;
            long long v = strtoll (value, NULL, 10);
            if (errno == ERANGE) {
                char clip[ML_EVT_CLIP];
                ml_evt_fail (err, "", f->name, "out of range (%s)", ml_evt_clip (value, clip, sizeof clip));
                return NULL;
            }
            return json_integer (v);
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
            json_error_t jerr;
            json_t *v = json_loads (value, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
            if (!v) {
                char clip[160];
                ml_evt_fail (err, "", f->name, "not valid JSON: %s (column %d)",
                        ml_evt_clip (jerr.text, clip, sizeof clip), jerr.column);
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
    char clip[ML_EVT_CLIP];
    const ProtobufCFieldDescriptor *bf = kind ? ml_evt_kind_field (kind) : NULL;
    if (!bf) {
        if (kind)
            ml_evt_fail (err, "", "kind", "unknown kind '%s'", ml_evt_clip (kind, clip, sizeof clip));
        else
            ml_evt_fail (err, "", "kind", "missing");
        return NULL;
    }
    Massline__Event *ev = NULL;
    json_t *obj = json_object ();
    if (!obj || json_object_set_new (obj, "kind", json_string (bf->name))) {
        ml_evt_oom (err);
        goto done;
    }
    for (int i = 0; i < argc; i++) {
        const char *eq = strchr (argv[i], '=');
        if (!eq || eq == argv[i]) {
            ml_evt_fail (err, "", "", "expected key=value, got '%s'", ml_evt_clip (argv[i], clip, sizeof clip));
            goto done;
        }
        char key[ML_ID_MAX + 1];
        size_t klen = (size_t) (eq - argv[i]);
        snprintf (key, sizeof key, "%.*s", (int) klen, argv[i]);
        const ProtobufCFieldDescriptor *f
            = protobuf_c_message_descriptor_get_field_by_name (ML_EVT_DESC, key);
        if (!f || (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            f = protobuf_c_message_descriptor_get_field_by_name (bf->descriptor, key);
        if (klen >= sizeof key || (!f && !ml_evt_streq (key, "kind"))) {
            ml_evt_fail (err, "", ml_evt_clip (key, clip, sizeof clip), "unknown key for kind '%s'", bf->name);
            goto done;
        }
        if (json_object_get (obj, key)) {
            ml_evt_fail (err, "", key, "given twice");
            goto done;
        }
        json_t *val = s_kv_value (f, eq + 1, err);
        if (!val || json_object_set_new (obj, f->name, val))
            goto done;
    }
    ev = ml_event_from_json (obj, err);
    const char *problem = ev && ev->ref ? ml_event_user_ref_problem (ev->ref) : NULL;
    if (problem) {
        ml_evt_fail (err, "", "ref", "%s", problem);
        ml_event_free (&ev);
    }
done:
    json_decref (obj);
    return ev;
}
