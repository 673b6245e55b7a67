/* test_pb.c -- the protobuf wire format read by hand (ml_pb): fields walked and found in real
   packed events, and bytes that are not a message refused rather than misread. */
#include <criterion/criterion.h>
#include <string.h>

#include "ml_event.h"
#include "ml_pb.h"

//  Packs a talk event dated DATE; *LEN gets its size.
static uint8_t *
s_talk (const char *date, size_t *len)
{
    char line[256];
    snprintf (line, sizeof line, "{\"kind\":\"talk\",\"ref\":\"t1\",\"date\":\"%s\",\"person\":\"p1\","
              "\"with\":\"w\",\"with_category\":\"masses\"}", date);
    ml_verr_t err;
    Massline__Event *ev = ml_event_from_jsonl (line, strlen (line), &err);
    cr_assert_not_null (ev, "%s", err.reason);
    uint8_t *bytes = ml_event_pack (ev, len);
    ml_event_free (&ev);
    cr_assert_not_null (bytes);
    return bytes;
}

Test (pb, finds_a_string_inside_a_packed_message)
{
    size_t len, blen, dlen;
    uint8_t *bytes = s_talk ("2025-03-04", &len);
    const uint8_t *body, *date;
    cr_assert (ml_pb_field (bytes, len, MASSLINE__EVENT__BODY_TALK, &body, &blen));
    cr_assert (ml_pb_field (body, blen, 1, &date, &dlen));          //  Talk.date
    cr_expect_eq (dlen, 10);
    cr_expect (memcmp (date, "2025-03-04", 10) == 0);
    cr_expect_not (ml_pb_field (bytes, len, MASSLINE__EVENT__BODY_PERSON, &body, &blen),
                   "a body case that is not set is not found");
    cr_expect_not (ml_pb_field (bytes, len - 1, MASSLINE__EVENT__BODY_TALK, &body, &blen),
                   "a message cut short is refused, not half read");
    free (bytes);
}

Test (pb, the_last_of_a_repeated_field_counts)
{
    //  field 1 "a", field 2 varint 300, field 1 "bc", field 3 fixed64, field 4 fixed32
    const uint8_t msg[] = { 0x0a, 1, 'a', 0x10, 0xac, 0x02, 0x0a, 2, 'b', 'c',
                            0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x25, 1, 2, 3, 4 };
    const uint8_t *v;
    size_t vlen;
    cr_assert (ml_pb_field (msg, sizeof msg, 1, &v, &vlen));
    cr_expect (vlen == 2 && memcmp (v, "bc", 2) == 0);
    cr_expect_not (ml_pb_field (msg, sizeof msg, 2, &v, &vlen), "a varint is not length-delimited");

    const uint8_t *p = msg, *end = msg + sizeof msg;
    ml_pb_field_t f;
    cr_assert_eq (ml_pb_next (&p, end, &f), 1);
    cr_expect (f.number == 1 && f.wire == 2 && f.len == 1 && f.data == msg + 2);
    cr_assert_eq (ml_pb_next (&p, end, &f), 1);
    cr_expect (f.number == 2 && f.wire == 0 && f.varint == 300);
    cr_assert_eq (ml_pb_next (&p, end, &f), 1);
    cr_assert_eq (ml_pb_next (&p, end, &f), 1);
    cr_expect (f.number == 3 && f.wire == 1 && f.len == 8 && f.data == msg + 11);
    cr_assert_eq (ml_pb_next (&p, end, &f), 1);
    cr_expect (f.number == 4 && f.wire == 5 && f.len == 4);
    cr_expect_eq (ml_pb_next (&p, end, &f), 0, "the end of the message");
}

Test (pb, refuses_what_is_not_a_message)
{
    const uint8_t *v;
    size_t vlen;
    const uint8_t field0[] = { 0x82, 0x00, 1, 'x' };        //  field 0, tag in two bytes
    const uint8_t group[] = { 0x0b, 0x0c };                 //  start and end of group 1
    const uint8_t longer[] = { 0x0a, 5, 'a', 'b' };         //  says 5 bytes, holds 2
    const uint8_t cut[] = { 0x0a, 1, 'a', 0x10, 0x80 };     //  varint without its last byte
    const uint8_t type7[] = { 0x0f };
    cr_expect_not (ml_pb_field (field0, sizeof field0, 0, &v, &vlen));
    cr_expect_not (ml_pb_field (group, sizeof group, 1, &v, &vlen));
    cr_expect_not (ml_pb_field (longer, sizeof longer, 1, &v, &vlen));
    cr_expect_not (ml_pb_field (cut, sizeof cut, 1, &v, &vlen), "found before the bad bytes, still refused");
    cr_expect_not (ml_pb_field (type7, sizeof type7, 1, &v, &vlen));
    cr_expect_not (ml_pb_field (NULL, 0, 1, &v, &vlen));
    const uint8_t *p = cut, *end = cut + sizeof cut;
    ml_pb_field_t f;
    cr_expect_eq (ml_pb_next (&p, end, &f), 1);
    cr_expect_eq (ml_pb_next (&p, end, &f), -1);
}
