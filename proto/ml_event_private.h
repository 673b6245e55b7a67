/* ml_event_private.h -- what the pieces of the event module share: ml_event_json.c (JSON <->
   Event), ml_event_kv.c (key=value words), ml_event_validate.c (semantic checks) call down into
   ml_event.c (field classes, text helpers, access through descriptors, bytes and refs), never
   back up. Not for use outside proto/ml_event*.c. */
#ifndef ML_EVENT_PRIVATE_H
#define ML_EVENT_PRIVATE_H

#include "ml_event.h"

#include <stdbool.h>
#include <stddef.h>

#define ML_EVT_MAX_FIELDS 64    //  more fields than any message of massline.proto has
#define ML_EVT_CLIP 48          //  bytes of a user-supplied value quoted in an error
#define ML_EVT_DESC (&massline__event__descriptor)
#define ML_EVT_MEMBER(type, msg, offset) ((type *) ((char *) (msg) + (offset)))

//  What a string field holds, known from its name (the names are the JSON keys).
typedef enum {
    ML_EVT_TEXT,            //  free text: UTF-8, at most ML_TEXT_MAX bytes
    ML_EVT_DATE,            //  YYYY-MM-DD
    ML_EVT_ID,              //  1..ML_ID_MAX bytes of [A-Za-z0-9._-]
    ML_EVT_REF,             //  an id, or a derived ref "~" + 24 hex digits
    ML_EVT_MONTH,           //  YYYY-MM (period_close)
    ML_EVT_DOC,             //  a report's document: UTF-8, at most ML_REPORT_DOC_MAX bytes
    ML_EVT_HEX              //  a SHA-256: 64 lowercase hex digits (digest, chain_head)
} ml_evt_class_t;

//  True when A and B are the same string.
bool ml_evt_streq (const char *a, const char *b);

//  The class of string field NAME.
ml_evt_class_t ml_evt_class_of (const char *name);

//  Copies TEXT into OUT (SIZE bytes) for quoting in an error line: whole UTF-8 characters
//  only, invalid bytes and control characters as '?', "..." when cut. Returns OUT.
char *ml_evt_clip (const char *text, char *out, size_t size);

//  Fills ERR with field PREFIX+NAME and a formatted reason; returns ML_EINVAL.
int ml_evt_fail (ml_verr_t *err, const char *prefix, const char *name, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

//  Fills ERR with "out of memory"; returns ML_ENOMEM.
int ml_evt_oom (ml_verr_t *err);

//  Writes "a, b, c" (the names of ENUM's values, in number order) into BUF.
char *ml_evt_enum_names (const ProtobufCEnumDescriptor *desc, char *buf, size_t size);

//  True when S is an id: 1..ML_ID_MAX bytes of [A-Za-z0-9._-].
bool ml_evt_id_ok (const char *s);

//  An id, or the form ml_event_ensure_ref derives: "~" and 24 lowercase hex digits.
bool ml_evt_ref_ok (const char *s);

//  Checks free text; returns NULL when fine, or the reason.
const char *ml_evt_text_problem (const char *s, bool required);

//  Checks UTF-8 text of at most MAX bytes; returns NULL when fine, or the reason (TOO_LONG
//  when longer).
const char *ml_evt_text_problem_max (const char *s, bool required, size_t max,
                                     const char *too_long);

//  The oneof field of Event named KIND, or NULL.
const ProtobufCFieldDescriptor *ml_evt_kind_field (const char *kind);

//  The field of EV's body, or NULL when no body is set; *BODY_P gets the body.
const ProtobufCFieldDescriptor *ml_evt_body (const Massline__Event *ev, ProtobufCMessage **body_p);

//  True when optional scalar F of MSG is present (required ones always are).
bool ml_evt_present (const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f);

//  A new, initialised message of DESC (malloc'd), or NULL.
ProtobufCMessage *ml_evt_new (const ProtobufCMessageDescriptor *desc);

#endif
