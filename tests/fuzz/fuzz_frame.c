/* fuzz_frame.c -- libFuzzer target: bytes off the wire (ml_wire_unpack), and for a Batch every
   envelope's event through ml_event_unpack and ml_event_validate, as the collector does.
   Properties: an event that unpacked unpacks again after packing; an event that passes
   validation turns into JSON and back into an event that passes validation too. */
#include <jansson.h>

#include "fuzz_common.h"
#include "ml_err.h"
#include "ml_wire.h"

//  Reads every byte of S, so that ASan sees a string that is not what it claims to be.
static size_t
s_touch (const char *s)
{
    return s ? strlen (s) : 0;
}

static size_t
s_touch_rejects (Massline__Reject **rejects, size_t n)
{
    size_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += rejects[i]->seq + s_touch (rejects[i]->code) + s_touch (rejects[i]->reason)
               + s_touch (rejects[i]->ref);
    return sum;
}

//  What the collector does with one envelope's bytes.
static void
s_event (const ProtobufCBinaryData *bytes)
{
    ml_verr_t err;
    Massline__Event *ev = ml_event_unpack (bytes->data, bytes->len, &err);
    if (!ev)
        return;
    (void) ml_event_kind (ev);
    (void) s_touch (ml_event_str (ev, "person"));
    ml_day_t day;
    (void) ml_event_date (ev, &day);
    if (fuzz_validate (ev) == ML_OK) {
        //  A valid event always has a JSON form, and that form is a valid event again.
        json_t *obj = ml_event_to_json (ev);
        if (!obj)
            abort ();
        Massline__Event *again = ml_event_from_json (obj, &err);
        if (!again || fuzz_validate (again) != ML_OK) {
            char *text = json_dumps (obj, JSON_COMPACT);
            fprintf (stderr, "valid event's JSON refused: %s\n  %s: %s\n", text,
                     err.field, err.reason);
            abort ();
        }
        json_decref (obj);
        ml_event_free (&again);
    }
    else {
        json_t *obj = ml_event_to_json (ev);     //  may be NULL (not UTF-8, unknown enum)
        json_decref (obj);
    }
    //  The collector repacks what it received (a correction's inner event goes to the roster)
    //  and unpacks it later: what unpacked once must unpack again after packing.
    size_t len;
    uint8_t *packed = ml_event_pack (ev, &len);
    if (!packed)
        abort ();
    Massline__Event *again = ml_event_unpack (packed, len, &err);
    if (!again) {
        fprintf (stderr, "a received event, packed again, does not unpack\n");
        abort ();
    }
    if (again->body_case != ev->body_case)
        abort ();
    ml_event_free (&again);
    free (packed);
    ml_event_free (&ev);
}

static void
s_fields (const Massline__Frame *frame)
{
    volatile size_t sum = frame->version_minor;
    switch (frame->msg_case) {
        case MASSLINE__FRAME__MSG_HELLO:
            sum += frame->hello->acked_seq + frame->hello->next_seq;
            break;
        case MASSLINE__FRAME__MSG_WELCOME:
            sum += frame->welcome->next_seq + s_touch (frame->welcome->unit)
                   + s_touch_rejects (frame->welcome->rejects, frame->welcome->n_rejects);
            break;
        case MASSLINE__FRAME__MSG_BATCH:
            sum += s_touch (frame->batch->unit);
            for (size_t i = 0; i < frame->batch->n_events; i++) {
                sum += frame->batch->events[i]->seq;
                s_event (&frame->batch->events[i]->event);
            }
            break;
        case MASSLINE__FRAME__MSG_ACK:
            sum += frame->ack->through_seq
                   + s_touch_rejects (frame->ack->rejects, frame->ack->n_rejects);
            break;
        case MASSLINE__FRAME__MSG_ERROR:
            sum += s_touch (frame->error->code) + s_touch (frame->error->message);
            break;
        case MASSLINE__FRAME__MSG_STATUS_REPLY:
            sum += frame->status_reply->events;
            for (size_t i = 0; i < frame->status_reply->n_units; i++) {
                const Massline__UnitStatus *u = frame->status_reply->units[i];
                sum += s_touch (u->unit) + s_touch (u->name) + u->events + u->rejected;
                for (size_t k = 0; k < u->n_agents; k++)
                    sum += s_touch (u->agents[k]->agent) + u->agents[k]->acked_seq
                           + (size_t) u->agents[k]->last_seen;
            }
            break;
        case MASSLINE__FRAME__MSG_QUERY_REQUEST:
            sum += s_touch (frame->query_request->command);
            for (size_t i = 0; i < frame->query_request->n_args; i++)
                sum += s_touch (frame->query_request->args[i]);
            break;
        case MASSLINE__FRAME__MSG_QUERY_REPLY: {
            //  The client parses the reply's JSON text.
            json_error_t jerr;
            json_t *obj = json_loads (frame->query_reply->json, 0, &jerr);
            json_decref (obj);
            break;
        }
        default:
            break;
    }
    (void) sum;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    int code = 0;
    char err[256] = "";
    Massline__Frame *frame = ml_wire_unpack (data, size, &code, err, sizeof err);
    if (!frame) {
        if ((code != ML_EINVAL && code != ML_EPROTO) || !err[0])
            abort ();                   //  a refused frame always has a code and a reason
        return 0;
    }
    s_fields (frame);

    //  What decoded packs again (massline never repacks a received frame, so whether protobuf-c
    //  reads its own output back is not asked here; for events it is, in s_event).
    size_t len;
    uint8_t *packed = ml_wire_pack (frame, &len);
    if (!packed)
        abort ();
    free (packed);
    ml_wire_free (&frame);
    return 0;
}
