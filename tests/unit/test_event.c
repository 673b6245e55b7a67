/* test_event.c -- events: the common keys and the JSON layer, key=value words, bytes, refs and
   accessors. The kinds one by one are test_event_kinds.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_event.h"
#include "ml_test.h"
#include "ml_test_event.h"

TestSuite (event, .init = t_ev_setup);

//  ---------------------------------------------------------------------------
//  Common keys and the JSON layer

Test (event, common_keys)
{
    t_ev_case_t cases[] = {
        { "{'kind':'research_plan','date':'2026-01-15','person':'P1','ref':'RP-2026.01_a','note':'年度调研计划'}", "ok" },
        { "{'date':'2026-01-15','person':'P1'}", "field 'kind': missing" },
        { "{'kind':null,'date':'2026-01-15','person':'P1'}", "field 'kind': missing" },
        { "{'kind':'foo','date':'2026-01-15'}", "field 'kind': unknown kind 'foo'" },
        { "{'kind':'ref','date':'2026-01-15'}", "field 'kind': unknown kind 'ref'" },
        { "{'kind':5,'date':'2026-01-15'}", "field 'kind': expected a string" },
        { "{'kind':'research_plan','date':'2026-01-15','person':'P1','ref':'R 1'}", "field 'ref': not a valid id (R 1)" },
        { "{'kind':'research_plan','date':'2026-01-15','person':'P1','ref':''}", "field 'ref': not a valid id ()" },
        { "{'kind':'research_plan','date':'2026-01-15','person':'P1','ref':'~abc'}", "field 'ref': not a valid id (~abc)" },
        { "{'kind':'research_plan','date':'2026-01-15','person':'P1','ref':'~0123456789abcdef01234567'}", "ok" },
        { "{'kind':'research_plan','date':'2026-01-15','person':'P1','ref':7}", "field 'ref': expected a string" },
        { "{'kind':'research_plan','date':'2026-01-15','person':'P1','note':false}", "field 'note': expected a string" },
        { "{'kind':'research_plan','date':'2026-01-15','person':'P1','note':''}", "ok" },
        { "{'kind':'research_plan','date':'2026-01-15','person':'P1','name':'张伟'}", "field 'name': unknown key for kind 'research_plan'" },
        //  a null value is the same as an absent key
        { "{'kind':'research_plan','date':'2026-01-15','person':'P1','note':null}", "ok" },
        { "{'kind':'research_plan','date':null,'person':'P1'}", "field 'date': missing" },
        { "[1,2]", "not a JSON object" },
        { "'research_plan'", "not a JSON object" },
        { "{'kind':'research_plan','date':'2026-01-15','person':'P1','date':'2026-01-16'}",
          "not valid JSON: duplicate object key near '\"date\"' (column 64)" },
    };
    T_EV_RUN (cases);
}

Test (event, bad_json_names_jansson_reason_and_column)
{
    ml_verr_t err;
    char buf[400];
    const char *line = "{\"kind\": \"talk\", \"date\": 2026-01-01}";
    cr_assert_null (ml_event_from_jsonl (line, strlen (line), &err));
    cr_expect_str_eq (err.field, "");
    cr_expect_str_eq (ml_verr_text (&err, buf, sizeof buf),
                      "not valid JSON: '}' expected near '-0' (column 31)");
    //  only LEN bytes are read: the rest of the buffer is not part of the line
    const char *two = "{\"kind\":\"results_exchange\",\"date\":\"2026-06-20\"}\n{garbage";
    Massline__Event *ev = ml_event_from_jsonl (two, strchr (two, '\n') - two, &err);
    cr_expect (ev);
    ml_event_free (&ev);
    cr_assert_null (ml_event_from_jsonl ("", 0, &err));
    cr_expect (strncmp (err.reason, "not valid JSON: ", 16) == 0, "%s", err.reason);
}

Test (event, text_limits_and_utf8)
{
    //  2000 bytes of text is fine, 2001 is not; 666 Chinese characters are 1998 bytes.
    char title[2100] = "";
    for (int i = 0; i < 666; i++)
        strcat (title, "调");
    strcat (title, "ab");
    cr_assert_eq (strlen (title), 2000);
    char line[2400], buf[400];
    snprintf (line, sizeof line, "{\"kind\":\"work_item\",\"date\":\"2026-05-06\",\"person\":\"P2\",\"title\":\"%s\"}", title);
    cr_expect_str_eq (t_ev_judge (line, buf, sizeof buf), "ok");
    strcat (title, "c");
    snprintf (line, sizeof line, "{\"kind\":\"work_item\",\"date\":\"2026-05-06\",\"person\":\"P2\",\"title\":\"%s\"}", title);
    cr_expect_str_eq (t_ev_judge (line, buf, sizeof buf), "field 'title': longer than 2000 bytes");
    snprintf (line, sizeof line, "{\"kind\":\"results_exchange\",\"date\":\"2026-06-20\",\"note\":\"%s\"}", title);
    cr_expect_str_eq (t_ev_judge (line, buf, sizeof buf), "field 'note': longer than 2000 bytes");

    //  Invalid UTF-8 cannot come through JSON (jansson refuses it), but it can through record.
    const char *const bad[][4] = {
        { "date=2026-04-10", "person=P1", "title=\xe5\x85", NULL },         //  cut short
        { "date=2026-04-10", "person=P1", "title=\xc0\xaf", NULL },         //  overlong '/'
        { "date=2026-04-10", "person=P1", "title=\xed\xa0\x80", NULL },     //  surrogate
        { "date=2026-04-10", "person=P1", "title=\xf4\x90\x80\x80", NULL }, //  above U+10FFFF
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_str_eq (t_ev_judge_kv ("research_report", bad[i], buf, sizeof buf),
                          "field 'title': not valid UTF-8", "case %zu", i);
    const char *const emoji[] = { "date=2026-04-10", "person=P1", "title=调研 \xf0\x9f\x93\x8b", NULL };
    cr_expect_str_eq (t_ev_judge_kv ("research_report", emoji, buf, sizeof buf), "ok");
    const char *const note[] = { "date=2026-04-10", "person=P1", "title=调研", "note=\xff", NULL };
    cr_expect_str_eq (t_ev_judge_kv ("research_report", note, buf, sizeof buf), "field 'note': not valid UTF-8");
    //  an invalid id is quoted safely: bad bytes as '?', long values cut
    const char *const id[] = { "date=2026-04-10", "person=P\xff\n1", "title=调研", NULL };
    cr_expect_str_eq (t_ev_judge_kv ("research_report", id, buf, sizeof buf), "field 'person': not a valid id (P??1)");
    const char *const longid[] = { "date=2026-04-10", "title=调研",
        "person=P12345678901234567890123456789012345678901234567890123456789012345", NULL };
    cr_expect_str_eq (t_ev_judge_kv ("research_report", longid, buf, sizeof buf),
                      "field 'person': not a valid id (P1234567890123456789012345678901234567890123...)");
}

//  ---------------------------------------------------------------------------
//  key=value words (massline-agent record)

Test (event, kv_values_and_errors)
{
    char buf[400];
    const char *const trip[] = { "date=2026-03-02", "person=P1", "end=2026-03-04", "stationed=是",
                                 "unannounced=0", "place=城西社区", NULL };
    ml_verr_t err;
    Massline__Event *ev = ml_event_from_kv ("research_trip", 6, (char *const *) trip, &err);
    cr_assert (ev, "%s", ml_verr_text (&err, buf, sizeof buf));
    cr_expect (ev->research_trip->has_stationed && ev->research_trip->stationed);
    cr_expect (ev->research_trip->has_unannounced && !ev->research_trip->unannounced);
    cr_expect_str_eq (ev->research_trip->place, "城西社区");
    ml_event_free (&ev);

    //  the same event through kv and through JSON packs to the same bytes
    const char *const petition[] = { "date=2026-04-02", "case=XF-2026-017", "person=P1", "group_size=6",
                                     "note=来访群众六人", NULL };
    ev = ml_event_from_kv ("petition_case", 5, (char *const *) petition, &err);
    cr_assert (ev);
    cr_expect (ev->petition_case->has_group_size && ev->petition_case->group_size == 6);
    const char *line = "{\"kind\":\"petition_case\",\"note\":\"来访群众六人\",\"group_size\":6,"
                       "\"person\":\"P1\",\"case\":\"XF-2026-017\",\"date\":\"2026-04-02\"}";
    Massline__Event *same = ml_event_from_jsonl (line, strlen (line), &err);
    cr_assert (same);
    size_t l1, l2;
    uint8_t *b1 = ml_event_pack (ev, &l1), *b2 = ml_event_pack (same, &l2);
    cr_expect (l1 == l2 && memcmp (b1, b2, l1) == 0);
    free (b1);
    free (b2);
    ml_event_free (&ev);
    ml_event_free (&same);

    struct {
        const char *kind;
        const char *words[6];
        const char *expect;
    } cases[] = {
        { "person", { "person=P1", "name=张伟", "roles=[{\"role\":\"leader\",\"from\":\"2024-01-01\"}]", NULL }, "ok" },
        { "correction", { "supersedes=RR-1", "event={\"kind\":\"results_exchange\",\"date\":\"2026-06-20\"}", NULL }, "ok" },
        { "research_trip", { "date=2026-03-02", "person=P1", "end=2026-03-04", "stationed=true", "unannounced=否", NULL }, "ok" },
        { "research_trip", { "date=2026-03-02", "person=P1", "end=2026-03-04", "stationed=maybe", NULL }, "field 'stationed': expected true or false" },
        { "research_trip", { "date=2026-03-02", "person=P1", "end=2026-03-04", "stationed=", NULL }, "field 'stationed': expected true or false" },
        { "petition_case", { "date=2026-04-02", "case=XF-1", "person=P1", "group_size=六", NULL }, "field 'group_size': expected a whole number" },
        { "petition_case", { "date=2026-04-02", "case=XF-1", "person=P1", "group_size=0x10", NULL }, "field 'group_size': expected a whole number" },
        { "petition_case", { "date=2026-04-02", "case=XF-1", "person=P1", "group_size=0", NULL }, "field 'group_size': must be at least 1" },
        { "petition_case", { "date=2026-04-02", "case=XF-1", "person=P1", "group_size=-3", NULL }, "field 'group_size': out of range (-3)" },
        { "petition_case", { "date=2026-04-02", "case=XF-1", "person=P1", "group_size=99999999999999999999", NULL },
          "field 'group_size': out of range (99999999999999999999)" },
        { "person", { "person=P1", "name=张伟", "roles=leader", NULL }, "field 'roles': not valid JSON: invalid token near 'leader' (column 6)" },
        { "person", { "person=P1", "name=张伟", "roles={\"role\":\"leader\"}", NULL }, "field 'roles': expected a list of objects" },
        { "correction", { "supersedes=RR-1", "event=[]", NULL }, "field 'event': expected an object" },
        { "talk", { "date=2026-05-20", "colour=red", NULL }, "field 'colour': unknown key for kind 'talk'" },
        { "talk", { "date=2026-05-20", "talk=x", NULL }, "field 'talk': unknown key for kind 'talk'" },
        { "talk", { "date=2026-05-20", "oops", NULL }, "expected key=value, got 'oops'" },
        { "talk", { "=2026-05-20", NULL }, "expected key=value, got '=2026-05-20'" },
        { "talk", { "date=2026-05-20", "date=2026-05-21", NULL }, "field 'date': given twice" },
        { "talk", { "kind=talk", NULL }, "field 'kind': given twice" },
        { "talk", { "date=2026-05-20", "person=P1", "with=群众", "with_category=masses", "mode=walk", NULL },
          "field 'mode': unknown value 'walk' (expected one of in_person, phone, home_visit)" },
        { "talk", { "date=2026-05-20", "person=P1", "with=群众", NULL }, "field 'with_category': missing" },
        { "memo", { "date=2026-05-20", NULL }, "field 'kind': unknown kind 'memo'" },
        { "research_plan", { "date=2026-01-15", "person=P1", "ref=RP-1", "note=计划", NULL }, "ok" },
        { "research_plan", { "date=2026-01-15", "person=P1", "ref=R 1", NULL }, "field 'ref': not a valid id (R 1)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_str_eq (t_ev_judge_kv (cases[i].kind, cases[i].words, buf, sizeof buf), cases[i].expect,
                          "case %zu: %s %s", i, cases[i].kind, cases[i].words[0]);
}

//  ---------------------------------------------------------------------------
//  Bytes, refs and accessors

static Massline__Event *
s_parse (const char *quoted)
{
    char *json = t_json (quoted);
    ml_verr_t err;
    Massline__Event *ev = ml_event_from_jsonl (json, strlen (json), &err);
    cr_assert (ev, "%s: %s", json, err.reason);
    free (json);
    return ev;
}

Test (event, ensure_ref_is_derived_from_content)
{
    const char *report = "{'kind':'research_report','date':'2026-04-10','person':'P1','title':'关于门诊流程优化的调研报告'%s}";
    char line[256];
    Massline__Event *evs[5];
    snprintf (line, sizeof line, report, "");
    evs[0] = s_parse (line);
    evs[1] = s_parse (line);
    snprintf (line, sizeof line, report, ",'note':'第二版备注'");
    evs[2] = s_parse (line);
    //  same content in another key order
    evs[3] = s_parse ("{'title':'关于门诊流程优化的调研报告','person':'P1','date':'2026-04-10','kind':'research_report'}");
    evs[4] = s_parse ("{'kind':'research_report','date':'2026-04-10','person':'P1','title':'关于门诊流程优化的调研报告。'}");
    for (int i = 0; i < 5; i++)
        cr_assert_eq (ml_event_ensure_ref (evs[i]), ML_OK);

    const char *ref = evs[0]->ref;
    cr_assert (ref);
    cr_expect_eq (strlen (ref), 25);
    cr_expect_eq (ref[0], '~');
    cr_expect_eq (strspn (ref + 1, "0123456789abcdef"), 24);
    cr_expect_str_eq (evs[1]->ref, ref, "same content, same ref");
    cr_expect_str_eq (evs[2]->ref, ref, "the note does not change the ref");
    cr_expect_str_eq (evs[2]->note, "第二版备注", "the note is kept");
    cr_expect_str_eq (evs[3]->ref, ref, "key order does not change the ref");
    cr_expect_str_neq (evs[4]->ref, ref, "different content, different ref");

    //  the derived ref is what a SHA-256 of the event without ref and note says
    char *note = evs[2]->note, *derived = evs[2]->ref;
    evs[2]->note = NULL;
    evs[2]->ref = NULL;
    size_t len;
    uint8_t *bytes = ml_event_pack (evs[2], &len), hash[32];
    ml_sha256 (bytes, len, hash);
    char hex[25];
    for (int i = 0; i < 12; i++)
        snprintf (hex + 2 * i, 3, "%02x", hash[i]);
    cr_expect_str_eq (derived + 1, hex);
    evs[2]->note = note;
    evs[2]->ref = derived;
    free (bytes);

    //  a derived ref is a valid ref, and an existing ref is left alone
    ml_verr_t err;
    cr_expect_eq (ml_event_validate (evs[0], &t_ev_ctx, &err), ML_OK, "%s", err.reason);
    Massline__Event *named = s_parse ("{'kind':'results_exchange','date':'2026-06-20','ref':'RX-1'}");
    cr_expect_eq (ml_event_ensure_ref (named), ML_OK);
    cr_expect_str_eq (named->ref, "RX-1");
    ml_event_free (&named);
    for (int i = 0; i < 5; i++)
        ml_event_free (&evs[i]);
}

Test (event, sha256_known_answer)
{
    uint8_t out[32];
    ml_sha256 ((const uint8_t *) "abc", 3, out);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf (hex + 2 * i, 3, "%02x", out[i]);
    cr_expect_str_eq (hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test (event, unpack_refuses_garbage)
{
    ml_verr_t err;
    char buf[400];
    const uint8_t junk[] = { 0xff, 0xff, 0xff, 0xff };
    cr_expect_null (ml_event_unpack (junk, sizeof junk, &err));
    cr_expect_str_eq (err.field, "");
    cr_expect_str_eq (ml_verr_text (&err, buf, sizeof buf), "not a valid event encoding");

    //  a body missing a required field does not decode either (proto2 required)
    const uint8_t no_title[] = { 0x72, 0x00 };     //  field 14 (research_report), empty body
    cr_expect_null (ml_event_unpack (no_title, sizeof no_title, &err));
    cr_expect_str_eq (err.reason, "not a valid event encoding");

    //  zero bytes decode to an event without a body, which does not validate
    Massline__Event *ev = ml_event_unpack ((const uint8_t *) "", 0, &err);
    cr_assert (ev);
    cr_expect_null (ml_event_kind (ev));
    cr_expect_eq (ml_event_validate (ev, &t_ev_ctx, &err), ML_EINVAL);
    cr_expect_str_eq (ml_verr_text (&err, buf, sizeof buf), "field 'kind': missing");
    ml_event_free (&ev);
    cr_expect_null (ev);
    ml_event_free (&ev);    //  safe twice
}

//  Fuzz finding (tests/fuzz/regress): protobuf-c reads a field numbered 0 when its tag is
//  written in two bytes, and then cannot read back what it repacks, so a stored event would no
//  longer unpack. ml_event_unpack refuses any field 0 before protobuf-c sees it.
Test (event, unpack_refuses_field_zero)
{
    ml_verr_t err;
    char buf[400];
    Massline__Event *ev = s_parse ("{'kind':'talk','date':'2026-05-20','person':'P1','with':'P2','with_category':'team_member'}");
    size_t len;
    uint8_t *good = ml_event_pack (ev, &len);
    cr_assert (good);
    ml_event_free (&ev);
    Massline__Event *back = ml_event_unpack (good, len, &err);
    cr_assert (back, "the event itself unpacks");
    ml_event_free (&back);

    static const uint8_t tails[][3] = {
        { 0x80, 0x00, 0x01 },       //  tag 0 as a two-byte varint, varint value 1
        { 0x00, 0x01, 0x00 },       //  tag 0 in one byte
        { 0x85, 0x00, 0x00 },       //  tag 0, wire type 5, cut short
    };
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        uint8_t *bad = malloc (len + 3);
        cr_assert (bad);
        memcpy (bad, good, len);
        memcpy (bad + len, tails[i], 3);
        cr_expect_null (ml_event_unpack (bad, len + 3, &err), "tail %zu", i);
        cr_expect_str_eq (ml_verr_text (&err, buf, sizeof buf), "not a valid event encoding");
        //  the same field 0 in front of the event
        memcpy (bad, tails[i], 3);
        memcpy (bad + 3, good, len);
        cr_expect_null (ml_event_unpack (bad, len + 3, &err), "head %zu", i);
        free (bad);
    }
    free (good);
}

//  Writes varint V just before *P, moving *P back.
static void
s_put_varint_back (uint8_t **p, size_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (uint8_t) ((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
        v >>= 7;
    } while (v);
    *p -= n;
    memcpy (*p, tmp, n);
}

//  An event of a talk wrapped in LEVELS corrections (event{correction{supersedes, event{...}}}),
//  built from the inside out at the end of BUF (of SIZE bytes). Returns the start; *LEN its size.
static uint8_t *
s_nested_corrections (uint8_t *buf, size_t size, size_t levels, size_t *len)
{
    Massline__Event *ev = s_parse ("{'kind':'talk','date':'2026-05-20','person':'P1','with':'P2','with_category':'team_member'}");
    size_t inner;
    uint8_t *bytes = ml_event_pack (ev, &inner);
    cr_assert (bytes && inner < size);
    ml_event_free (&ev);
    uint8_t *p = buf + size - inner;
    memcpy (p, bytes, inner);
    free (bytes);
    for (size_t i = 0; i < levels; i++) {
        cr_assert ((size_t) (p - buf) >= 32, "buffer too small for %zu levels", levels);
        size_t event_len = (size_t) (buf + size - p);
        s_put_varint_back (&p, event_len);
        *--p = 0x12;                                //  correction.event (2, bytes)
        p -= 3;
        memcpy (p, "\x0a\x01r", 3);                 //  correction.supersedes = "r"
        size_t correction_len = (size_t) (buf + size - p);
        s_put_varint_back (&p, correction_len);
        p -= 2;
        memcpy (p, "\x9a\x02", 2);                  //  event.correction (35, bytes)
    }
    *len = (size_t) (buf + size - p);
    return p;
}

//  Fuzz finding: a megabyte of corrections nested inside corrections overflowed the stack of
//  protobuf-c's unpack, the validator and the destructor. Real events nest 4 messages deep
//  (correction.event.person.roles); ml_event_unpack refuses more than 8 before unpacking.
Test (event, unpack_refuses_deep_nesting)
{
    ml_verr_t err;
    char buf[400];
    size_t size = 4 << 20, len;
    uint8_t *mem = malloc (size);
    cr_assert (mem);

    //  Each correction adds two levels (the correction, then its event) above the talk body.
    for (size_t levels = 0; levels <= 3; levels++) {
        uint8_t *bytes = s_nested_corrections (mem, size, levels, &len);
        Massline__Event *ev = ml_event_unpack (bytes, len, &err);
        cr_assert (ev, "%zu corrections deep unpacks", levels);
        Massline__Event *inner = ev;
        for (size_t i = 0; i < levels; i++) {
            cr_assert (inner->correction, "level %zu is a correction", i);
            cr_expect_str_eq (inner->correction->supersedes, "r");
            inner = inner->correction->event;
        }
        cr_assert (inner->talk, "the innermost event is the talk");
        cr_expect_str_eq (inner->talk->person, "P1");
        ml_event_free (&ev);
    }
    size_t too_deep[] = { 4, 5, 1000, 200000 };
    for (size_t i = 0; i < sizeof too_deep / sizeof too_deep[0]; i++) {
        uint8_t *bytes = s_nested_corrections (mem, size, too_deep[i], &len);
        cr_expect_null (ml_event_unpack (bytes, len, &err), "%zu corrections deep", too_deep[i]);
        cr_expect_str_eq (ml_verr_text (&err, buf, sizeof buf), "not a valid event encoding");
    }
    free (mem);
}

Test (event, validate_catches_what_bytes_can_carry)
{
    //  Bytes from the wire skip the JSON checks: an unknown enum number or a zero group size
    //  must still be refused.
    char buf[400];
    ml_verr_t err;
    Massline__Event *ev = s_parse ("{'kind':'reception_day','date':'2026-03-15','person':'P1','mode':'open'}");
    ev->reception_day->mode = 9;
    size_t len;
    uint8_t *bytes = ml_event_pack (ev, &len);
    Massline__Event *back = ml_event_unpack (bytes, len, &err);
    cr_assert (back);
    cr_expect_eq (ml_event_validate (back, &t_ev_ctx, &err), ML_EINVAL);
    cr_expect_str_eq (ml_verr_text (&err, buf, sizeof buf),
                      "field 'mode': unknown value '9' (expected one of fixed_point, open, key_appointment, thematic, visit_with_case, home_return_visit)");
    cr_expect_null (ml_event_to_json (back), "an unknown enum number has no JSON");
    free (bytes);
    ml_event_free (&back);
    ml_event_free (&ev);

    ev = s_parse ("{'kind':'research_report','date':'2026-04-10','person':'P1','title':'调研'}");
    free (ev->research_report->title);
    ev->research_report->title = strdup ("\xe8\xb0");
    bytes = ml_event_pack (ev, &len);
    back = ml_event_unpack (bytes, len, &err);
    cr_assert (back);
    cr_expect_eq (ml_event_validate (back, &t_ev_ctx, &err), ML_EINVAL);
    cr_expect_str_eq (ml_verr_text (&err, buf, sizeof buf), "field 'title': not valid UTF-8");
    cr_expect_null (ml_event_to_json (back), "text that is not UTF-8 has no JSON");
    free (bytes);
    ml_event_free (&back);
    ml_event_free (&ev);
}

Test (event, accessors)
{
    Massline__Event *ev = s_parse ("{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-017','person':'P1','group_size':6}");
    cr_expect_str_eq (ml_event_kind (ev), "petition_case");
    cr_expect_str_eq (ml_event_str (ev, "case"), "XF-2026-017");
    cr_expect_str_eq (ml_event_str (ev, "person"), "P1");
    cr_expect_null (ml_event_str (ev, "deadline"), "absent");
    cr_expect_null (ml_event_str (ev, "group_size"), "not a string");
    cr_expect_null (ml_event_str (ev, "title"), "not a field of this kind");
    ml_day_t day, want;
    cr_expect_eq (ml_event_date (ev, &day), ML_OK);
    ml_date_parse ("2026-04-02", &want);
    cr_expect_eq (day, want);
    ml_event_free (&ev);

    ev = s_parse ("{'kind':'org','org':'B1','name':'内科党支部'}");
    cr_expect_eq (ml_event_date (ev, &day), ML_ENOTFOUND);
    ml_event_free (&ev);

    //  validation with no roster callbacks knows everyone
    ml_vctx_t open = { NULL, NULL, NULL, t_ev_ctx.today };
    ev = s_parse ("{'kind':'commitment','date':'2026-01-20','commitment':'C1','org':'B9','type':'annual','content':'义诊'}");
    ml_verr_t err;
    cr_expect_eq (ml_event_validate (ev, &open, &err), ML_OK);
    cr_expect_eq (ml_event_validate (ev, &t_ev_ctx, &err), ML_EINVAL);
    ml_event_free (&ev);
}

Test (event, verr_text)
{
    ml_verr_t err = { "date", "not a date (x)" };
    char buf[64];
    cr_expect_str_eq (ml_verr_text (&err, buf, sizeof buf), "field 'date': not a date (x)");
    err.field[0] = 0;
    cr_expect_str_eq (ml_verr_text (&err, buf, sizeof buf), "not a date (x)");
    char small[8];
    cr_expect_str_eq (ml_verr_text (&err, small, sizeof small), "not a d");
}
