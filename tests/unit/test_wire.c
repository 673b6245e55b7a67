/* test_wire.c -- Frame packing: round trip, malformed bytes, other protocol versions. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_event.h"
#include "ml_wire.h"

Test (wire, hello_round_trip)
{
    Massline__Hello hello = MASSLINE__HELLO__INIT;
    hello.acked_seq = 41;
    hello.has_next_seq = 1;
    hello.next_seq = 57;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_HELLO;
    frame.hello = &hello;
    size_t len;
    uint8_t *bytes = ml_wire_pack (&frame, &len);
    cr_assert (bytes);
    cr_expect_eq (frame.version_major, ML_PROTO_MAJOR, "pack stamps our version");

    int code = 0;
    char err[128] = "";
    Massline__Frame *back = ml_wire_unpack (bytes, len, &code, err, sizeof err);
    cr_assert (back, "%s", err);
    cr_expect_eq (back->version_major, ML_PROTO_MAJOR);
    cr_expect (back->has_version_minor && back->version_minor == ML_PROTO_MINOR);
    cr_expect_eq (back->msg_case, MASSLINE__FRAME__MSG_HELLO);
    cr_expect_eq (back->hello->acked_seq, 41);
    cr_expect (back->hello->has_next_seq && back->hello->next_seq == 57);
    ml_wire_free (&back);
    cr_expect_null (back);
    ml_wire_free (&back);   //  safe on NULL
    free (bytes);
}

Test (wire, batch_carries_events_byte_for_byte)
{
    const char *line = "{\"kind\":\"research_report\",\"date\":\"2026-04-10\",\"person\":\"P1\","
                       "\"title\":\"关于门诊流程优化的调研报告\"}";
    ml_verr_t verr;
    Massline__Event *ev = ml_event_from_jsonl (line, strlen (line), &verr);
    cr_assert (ev);
    size_t ev_len;
    uint8_t *ev_bytes = ml_event_pack (ev, &ev_len);

    Massline__Envelope envs[2] = { MASSLINE__ENVELOPE__INIT, MASSLINE__ENVELOPE__INIT };
    Massline__Envelope *env_p[2] = { &envs[0], &envs[1] };
    for (int i = 0; i < 2; i++) {
        envs[i].seq = 100 + (uint64_t) i;
        envs[i].event.data = ev_bytes;
        envs[i].event.len = ev_len;
    }
    Massline__Batch batch = MASSLINE__BATCH__INIT;
    batch.unit = "H01";
    batch.n_events = 2;
    batch.events = env_p;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_BATCH;
    frame.batch = &batch;

    size_t len;
    uint8_t *bytes = ml_wire_pack (&frame, &len);
    int code = 0;
    char err[128];
    Massline__Frame *back = ml_wire_unpack (bytes, len, &code, err, sizeof err);
    cr_assert (back, "%s", err);
    cr_assert_eq (back->msg_case, MASSLINE__FRAME__MSG_BATCH);
    cr_expect_str_eq (back->batch->unit, "H01");
    cr_assert_eq (back->batch->n_events, 2);
    for (int i = 0; i < 2; i++) {
        Massline__Envelope *env = back->batch->events[i];
        cr_expect_eq (env->seq, 100 + (uint64_t) i);
        cr_assert_eq (env->event.len, ev_len);
        cr_expect (memcmp (env->event.data, ev_bytes, ev_len) == 0);
        Massline__Event *inner = ml_event_unpack (env->event.data, env->event.len, &verr);
        cr_assert (inner);
        cr_expect_str_eq (ml_event_str (inner, "title"), "关于门诊流程优化的调研报告");
        ml_event_free (&inner);
    }
    ml_wire_free (&back);
    free (bytes);
    free (ev_bytes);
    ml_event_free (&ev);
}

Test (wire, malformed_bytes_are_einval)
{
    const uint8_t junk[] = { 0xff, 0xff, 0xff };
    int code = 0;
    char err[128] = "";
    cr_expect_null (ml_wire_unpack (junk, sizeof junk, &code, err, sizeof err));
    cr_expect_eq (code, ML_EINVAL);
    cr_expect_str_eq (err, "malformed frame (3 bytes are not a massline Frame)");

    //  an empty message lacks the required version: malformed too
    code = 0;
    cr_expect_null (ml_wire_unpack ((const uint8_t *) "", 0, &code, err, sizeof err));
    cr_expect_eq (code, ML_EINVAL);
    cr_expect_str_eq (err, "malformed frame (0 bytes are not a massline Frame)");

    //  a truncated good frame
    Massline__StatusRequest req = MASSLINE__STATUS_REQUEST__INIT;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_STATUS_REQUEST;
    frame.status_request = &req;
    Massline__QueryRequest query = MASSLINE__QUERY_REQUEST__INIT;
    query.command = "report unit-annual";
    frame.msg_case = MASSLINE__FRAME__MSG_QUERY_REQUEST;
    frame.query_request = &query;
    size_t len;
    uint8_t *bytes = ml_wire_pack (&frame, &len);
    cr_assert_gt (len, 6);
    code = 0;
    cr_expect_null (ml_wire_unpack (bytes, len - 3, &code, err, sizeof err));
    cr_expect_eq (code, ML_EINVAL);
    free (bytes);
}

Test (wire, other_major_version_is_eproto)
{
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.version_major = 9;
    Massline__StatusRequest req = MASSLINE__STATUS_REQUEST__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_STATUS_REQUEST;
    frame.status_request = &req;
    //  packed by hand: ml_wire_pack would stamp our own version
    size_t len = massline__frame__get_packed_size (&frame);
    uint8_t *bytes = malloc (len);
    massline__frame__pack (&frame, bytes);
    int code = 0;
    char err[128] = "";
    cr_expect_null (ml_wire_unpack (bytes, len, &code, err, sizeof err));
    cr_expect_eq (code, ML_EPROTO);
    cr_expect_str_eq (err, "protocol version 9 is not supported (this side speaks 1)");
    free (bytes);

    //  another minor version of our major is fine
    frame.version_major = ML_PROTO_MAJOR;
    frame.has_version_minor = 1;
    frame.version_minor = 7;
    len = massline__frame__get_packed_size (&frame);
    bytes = malloc (len);
    massline__frame__pack (&frame, bytes);
    Massline__Frame *back = ml_wire_unpack (bytes, len, &code, err, sizeof err);
    cr_assert (back, "%s", err);
    cr_expect_eq (back->version_minor, 7);
    ml_wire_free (&back);
    free (bytes);
}
