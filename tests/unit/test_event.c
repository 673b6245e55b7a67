/* test_event.c -- events: JSON/kv -> Event, validation texts per kind, round trips, refs. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_event.h"
#include "ml_test.h"

//  ---------------------------------------------------------------------------
//  Fixture: a fixed today and a small roster.

static bool
s_has_person (void *ctx, const char *person)
{
    (void) ctx;
    static const char *const known[] = { "P1", "P2", "P3", "H1", NULL };
    for (int i = 0; known[i]; i++)
        if (strcmp (person, known[i]) == 0)
            return true;
    return false;
}

static bool
s_has_org (void *ctx, const char *org)
{
    (void) ctx;
    return strcmp (org, "B1") == 0 || strcmp (org, "B2") == 0;
}

static ml_vctx_t s_ctx;

static void
s_setup (void)
{
    s_ctx.has_person = s_has_person;
    s_ctx.has_org = s_has_org;
    s_ctx.ctx = NULL;
    cr_assert_eq (ml_date_parse ("2026-11-26", &s_ctx.today), ML_OK);
}

TestSuite (event, .init = s_setup);

//  ---------------------------------------------------------------------------
//  Helpers

//  JSON -> pack -> unpack -> JSON must give the same bytes and the same JSON text, and the
//  unpacked event must still validate.
static void
s_check_round_trip (const Massline__Event *ev, const char *what)
{
    size_t len1, len2;
    uint8_t *bytes1 = ml_event_pack (ev, &len1);
    cr_assert (bytes1);
    ml_verr_t err;
    Massline__Event *back = ml_event_unpack (bytes1, len1, &err);
    cr_assert (back, "%s: unpack failed", what);
    cr_expect_eq (ml_event_validate (back, &s_ctx, &err), ML_OK, "%s: unpacked event invalid", what);

    json_t *j1 = ml_event_to_json (ev);
    json_t *j2 = ml_event_to_json (back);
    cr_assert (j1 && j2, "%s: to_json failed", what);
    char *t1 = json_dumps (j1, JSON_COMPACT);
    char *t2 = json_dumps (j2, JSON_COMPACT);
    cr_expect_str_eq (t1, t2, "%s: JSON differs after pack/unpack", what);
    cr_expect (strncmp (t1, "{\"kind\":", 8) == 0, "%s: kind is not first: %s", what, t1);

    Massline__Event *again = ml_event_from_json (j1, &err);
    cr_assert (again, "%s: to_json output does not parse back: %s", what, err.reason);
    uint8_t *bytes2 = ml_event_pack (again, &len2);
    cr_expect (len1 == len2 && memcmp (bytes1, bytes2, len1) == 0, "%s: bytes differ after round trip", what);

    free (t1);
    free (t2);
    json_decref (j1);
    json_decref (j2);
    free (bytes1);
    free (bytes2);
    ml_event_free (&back);
    ml_event_free (&again);
}

//  Parses and validates LINE; returns "ok" or the error text in BUF.
static const char *
s_judge (const char *line, char *buf, size_t size)
{
    ml_verr_t err;
    Massline__Event *ev = ml_event_from_jsonl (line, strlen (line), &err);
    if (ev && ml_event_validate (ev, &s_ctx, &err) == ML_OK) {
        s_check_round_trip (ev, line);
        ml_event_free (&ev);
        return "ok";
    }
    ml_event_free (&ev);
    return ml_verr_text (&err, buf, size);
}

typedef struct {
    const char *line;       //  JSON with ' for "
    const char *expect;     //  "ok" or the exact error text
} s_case_t;

static void
s_run (const s_case_t *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *json = t_json (cases[i].line);
        char buf[512];
        cr_expect_str_eq (s_judge (json, buf, sizeof buf), cases[i].expect, "case %zu: %s", i, json);
        free (json);
    }
}

#define RUN(cases) s_run (cases, sizeof (cases) / sizeof (cases)[0])

//  Parses an event from key=value words (NULL-terminated) and validates it.
static const char *
s_judge_kv (const char *kind, const char *const *words, char *buf, size_t size)
{
    int argc = 0;
    while (words[argc])
        argc++;
    ml_verr_t err;
    Massline__Event *ev = ml_event_from_kv (kind, argc, (char *const *) words, &err);
    if (ev && ml_event_validate (ev, &s_ctx, &err) == ML_OK) {
        ml_event_free (&ev);
        return "ok";
    }
    ml_event_free (&ev);
    return ml_verr_text (&err, buf, size);
}

//  ---------------------------------------------------------------------------
//  Common keys and the JSON layer

Test (event, common_keys)
{
    s_case_t cases[] = {
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
    RUN (cases);
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
    cr_expect_str_eq (s_judge (line, buf, sizeof buf), "ok");
    strcat (title, "c");
    snprintf (line, sizeof line, "{\"kind\":\"work_item\",\"date\":\"2026-05-06\",\"person\":\"P2\",\"title\":\"%s\"}", title);
    cr_expect_str_eq (s_judge (line, buf, sizeof buf), "field 'title': longer than 2000 bytes");
    snprintf (line, sizeof line, "{\"kind\":\"results_exchange\",\"date\":\"2026-06-20\",\"note\":\"%s\"}", title);
    cr_expect_str_eq (s_judge (line, buf, sizeof buf), "field 'note': longer than 2000 bytes");

    //  Invalid UTF-8 cannot come through JSON (jansson refuses it), but it can through record.
    const char *const bad[][4] = {
        { "date=2026-04-10", "person=P1", "title=\xe5\x85", NULL },         //  cut short
        { "date=2026-04-10", "person=P1", "title=\xc0\xaf", NULL },         //  overlong '/'
        { "date=2026-04-10", "person=P1", "title=\xed\xa0\x80", NULL },     //  surrogate
        { "date=2026-04-10", "person=P1", "title=\xf4\x90\x80\x80", NULL }, //  above U+10FFFF
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_str_eq (s_judge_kv ("research_report", bad[i], buf, sizeof buf),
                          "field 'title': not valid UTF-8", "case %zu", i);
    const char *const emoji[] = { "date=2026-04-10", "person=P1", "title=调研 \xf0\x9f\x93\x8b", NULL };
    cr_expect_str_eq (s_judge_kv ("research_report", emoji, buf, sizeof buf), "ok");
    const char *const note[] = { "date=2026-04-10", "person=P1", "title=调研", "note=\xff", NULL };
    cr_expect_str_eq (s_judge_kv ("research_report", note, buf, sizeof buf), "field 'note': not valid UTF-8");
    //  an invalid id is quoted safely: bad bytes as '?', long values cut
    const char *const id[] = { "date=2026-04-10", "person=P\xff\n1", "title=调研", NULL };
    cr_expect_str_eq (s_judge_kv ("research_report", id, buf, sizeof buf), "field 'person': not a valid id (P??1)");
    const char *const longid[] = { "date=2026-04-10", "title=调研",
        "person=P12345678901234567890123456789012345678901234567890123456789012345", NULL };
    cr_expect_str_eq (s_judge_kv ("research_report", longid, buf, sizeof buf),
                      "field 'person': not a valid id (P1234567890123456789012345678901234567890123...)");
}

//  ---------------------------------------------------------------------------
//  One test per kind: a realistic valid event and each way it can be wrong.

Test (event, kind_person)
{
    s_case_t cases[] = {
        { "{'kind':'person','person':'P1','name':'张伟','org':'B1','date':'2024-01-01','roles':["
          "{'role':'main_leader','from':'2024-01-01'},"
          "{'role':'seconded','from':'2026-03-01','to':'2026-08-31','category':'reserve'},"
          "{'role':'rep_city','from':'2023-01-01','frontline':true,'term_from':'2023-01-01','term_to':'2027-12-31'}]}", "ok" },
        //  the person being declared need not be on the roster yet; roles may start ahead
        { "{'kind':'person','person':'P9','name':'李娜','roles':[{'role':'leader','from':'2027-01-01'}]}", "ok" },
        { "{'kind':'person','person':'P9','name':'李娜','roles':[]}", "ok" },
        { "{'kind':'person','person':'P1'}", "field 'name': missing" },
        { "{'kind':'person','name':'张伟'}", "field 'person': missing" },
        { "{'kind':'person','person':'P 1','name':'张伟'}", "field 'person': not a valid id (P 1)" },
        { "{'kind':'person','person':'P1','name':''}", "field 'name': empty" },
        { "{'kind':'person','person':'P1','name':['张伟']}", "field 'name': expected a string" },
        { "{'kind':'person','person':'P1','name':'张伟','date':'2027-01-05'}", "field 'date': after today (2027-01-05 > 2026-11-26)" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':{'role':'leader','from':'2024-01-01'}}", "field 'roles': expected a list of objects" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':['leader']}", "field 'roles': expected a list of objects" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'boss','from':'2024-01-01'}]}",
          "field 'roles[0].role': unknown value 'boss' (expected one of main_leader, leader, org_head, party_member, rep_city, rep_unit, seconded)" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'leader','from':'2024-01-01'},{'role':'leader'}]}", "field 'roles[1].from': missing" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'from':'2024-01-01'}]}", "field 'roles[0].role': missing" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'leader','from':'2026-13-01'}]}", "field 'roles[0].from': not a date (2026-13-01)" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'leader','from':'2025-02-01','to':'2025-01-01'}]}",
          "field 'roles[0].to': before 'from' (2025-01-01 < 2025-02-01)" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'rep_unit','from':'2023-01-01','term_from':'2023-01-01','term_to':'2022-12-31'}]}",
          "field 'roles[0].term_to': before 'term_from' (2022-12-31 < 2023-01-01)" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'rep_unit','from':'2023-01-01','frontline':'yes'}]}", "field 'roles[0].frontline': expected true or false" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'seconded','from':'2023-01-01','category':'veteran'}]}",
          "field 'roles[0].category': unknown value 'veteran' (expected one of reserve, new_recruit)" },
        { "{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'leader','from':'2024-01-01','colour':'red'}]}", "field 'roles[0].colour': unknown key for kind 'person'" },
        { "{'kind':'person','person':'P1','name':'张伟','colour':'red'}", "field 'colour': unknown key for kind 'person'" },
    };
    RUN (cases);
}

Test (event, kind_org)
{
    s_case_t cases[] = {
        { "{'kind':'org','org':'B1','name':'内科党支部','head':'P2','date':'2025-03-01'}", "ok" },
        { "{'kind':'org','org':'B3','name':'外科党支部'}", "ok" },
        { "{'kind':'org','org':'B1','name':'内科党支部','head':'P9'}", "field 'head': unknown person 'P9'" },
        { "{'kind':'org','org':'B/1','name':'内科党支部'}", "field 'org': not a valid id (B/1)" },
        { "{'kind':'org','name':'内科党支部'}", "field 'org': missing" },
        { "{'kind':'org','org':'B1'}", "field 'name': missing" },
        { "{'kind':'org','org':'B1','name':'内科党支部','date':'2025-02-29'}", "field 'date': not a date (2025-02-29)" },
        { "{'kind':'org','org':'B1','name':'内科党支部','colour':'red'}", "field 'colour': unknown key for kind 'org'" },
    };
    RUN (cases);
}

Test (event, kind_research_plan)
{
    s_case_t cases[] = {
        { "{'kind':'research_plan','date':'2026-01-15','person':'P1'}", "ok" },
        { "{'kind':'research_plan','date':'2026-11-26','person':'P1'}", "ok" },     //  today itself
        { "{'kind':'research_plan','person':'P1'}", "field 'date': missing" },
        { "{'kind':'research_plan','date':'2026-01-15'}", "field 'person': missing" },
        { "{'kind':'research_plan','date':'2026-01-15','person':'P9'}", "field 'person': unknown person 'P9'" },
        { "{'kind':'research_plan','date':'2026-02-30','person':'P1'}", "field 'date': not a date (2026-02-30)" },
        { "{'kind':'research_plan','date':'2026/01/15','person':'P1'}", "field 'date': not a date (2026/01/15)" },
        { "{'kind':'research_plan','date':'2026-11-27','person':'P1'}", "field 'date': after today (2026-11-27 > 2026-11-26)" },
        { "{'kind':'research_plan','date':20260115,'person':'P1'}", "field 'date': expected a string" },
        { "{'kind':'research_plan','date':'2026-01-15','person':'P1','title':'计划'}", "field 'title': unknown key for kind 'research_plan'" },
    };
    RUN (cases);
}

Test (event, kind_research_trip)
{
    s_case_t cases[] = {
        { "{'kind':'research_trip','date':'2026-03-02','person':'P1','end':'2026-03-04','place':'城西社区卫生服务中心',"
          "'stationed':true,'unannounced':false,'topic':'基层医疗服务能力'}", "ok" },
        //  the end of a trip may lie ahead of today
        { "{'kind':'research_trip','date':'2026-11-25','person':'P1','end':'2026-12-01','place':null}", "ok" },
        { "{'kind':'research_trip','date':'2026-03-02','person':'P1','end':'2026-03-02'}", "ok" },     //  a one-day trip
        { "{'kind':'research_trip','date':'2026-03-02','person':'P1','end':'2026-03-01'}", "field 'end': before 'date' (2026-03-01 < 2026-03-02)" },
        { "{'kind':'research_trip','date':'2026-03-02','person':'P1'}", "field 'end': missing" },
        { "{'kind':'research_trip','date':'2026-03-02','person':'P1','end':'2026-03-04','stationed':'yes'}", "field 'stationed': expected true or false" },
        { "{'kind':'research_trip','date':'2026-03-02','person':'P1','end':'2026-03-04','unannounced':1}", "field 'unannounced': expected true or false" },
        { "{'kind':'research_trip','date':'2026-03-02','person':'P1','end':'2026-03-04','topic':123}", "field 'topic': expected a string" },
        { "{'kind':'research_trip','date':'2026-03-02','person':'P1','end':'2026-3-4'}", "field 'end': not a date (2026-3-4)" },
        { "{'kind':'research_trip','date':'2027-03-02','person':'P1','end':'2027-03-04'}", "field 'date': after today (2027-03-02 > 2026-11-26)" },
        { "{'kind':'research_trip','date':'2026-03-02','person':'P9','end':'2026-03-04'}", "field 'person': unknown person 'P9'" },
    };
    RUN (cases);
}

Test (event, kind_research_report)
{
    s_case_t cases[] = {
        { "{'kind':'research_report','date':'2026-04-10','person':'P1','title':'关于门诊流程优化的调研报告'}", "ok" },
        { "{'kind':'research_report','date':'2026-04-10','person':'P1','title':''}", "field 'title': empty" },
        { "{'kind':'research_report','date':'2026-04-10','person':'P1'}", "field 'title': missing" },
        { "{'kind':'research_report','date':'2026-04-10','person':'P1','title':['调研']}", "field 'title': expected a string" },
        { "{'kind':'research_report','date':'2026-04-10','person':'P9','title':'调研报告'}", "field 'person': unknown person 'P9'" },
        { "{'kind':'research_report','date':'2026-04-31','person':'P1','title':'调研报告'}", "field 'date': not a date (2026-04-31)" },
        { "{'kind':'research_report','date':'2026-04-10','person':'P1','title':'调研报告','pages':12}", "field 'pages': unknown key for kind 'research_report'" },
    };
    RUN (cases);
}

Test (event, kind_work_item)
{
    s_case_t cases[] = {
        { "{'kind':'work_item','date':'2026-05-06','person':'P2','title':'缩短门诊患者候诊时间'}", "ok" },
        { "{'kind':'work_item','date':'2026-05-06','title':'缩短门诊患者候诊时间'}", "field 'person': missing" },
        { "{'kind':'work_item','date':'2026-05-06','person':'P9','title':'缩短门诊患者候诊时间'}", "field 'person': unknown person 'P9'" },
        { "{'kind':'work_item','date':'2026-05-06','person':'P2','title':''}", "field 'title': empty" },
        { "{'kind':'work_item','date':'2026-12-06','person':'P2','title':'缩短候诊时间'}", "field 'date': after today (2026-12-06 > 2026-11-26)" },
    };
    RUN (cases);
}

Test (event, kind_results_exchange)
{
    s_case_t cases[] = {
        { "{'kind':'results_exchange','date':'2026-06-20','note':'全院调研成果交流会'}", "ok" },
        { "{'kind':'results_exchange','note':'调研成果交流会'}", "field 'date': missing" },
        { "{'kind':'results_exchange','date':'2026-06-20','person':'P1'}", "field 'person': unknown key for kind 'results_exchange'" },
        { "{'kind':'results_exchange','date':'2026-06-31'}", "field 'date': not a date (2026-06-31)" },
    };
    RUN (cases);
}

Test (event, kind_contact_point)
{
    s_case_t cases[] = {
        { "{'kind':'contact_point','date':'2026-02-01','person':'P1','point':'城东街道社区卫生站','to':'2027-01-31'}", "ok" },
        { "{'kind':'contact_point','date':'2026-02-01','person':'P1','point':'城东街道社区卫生站','to':'2026-01-31'}",
          "field 'to': before 'date' (2026-01-31 < 2026-02-01)" },
        { "{'kind':'contact_point','date':'2026-02-01','person':'P1'}", "field 'point': missing" },
        { "{'kind':'contact_point','date':'2026-02-01','person':'P1','point':''}", "field 'point': empty" },
        { "{'kind':'contact_point','date':'2026-02-01','person':'P9','point':'城东街道'}", "field 'person': unknown person 'P9'" },
    };
    RUN (cases);
}

Test (event, kind_paired_family)
{
    s_case_t cases[] = {
        { "{'kind':'paired_family','date':'2026-02-10','person':'P3','family':'李大爷一家（独居老人）'}", "ok" },
        { "{'kind':'paired_family','date':'2026-02-10','person':'P3','family':''}", "field 'family': empty" },
        { "{'kind':'paired_family','date':'2026-02-10','person':'P3'}", "field 'family': missing" },
        { "{'kind':'paired_family','date':'2026-02-10','person':'P3','family':'李家','to':'2026-12-31'}", "ok" },
        { "{'kind':'paired_family','date':'2026-02-10','person':'P3','family':'李家','from':'2026-03-01','to':'2026-02-28'}", "field 'to': before 'from' (2026-02-28 < 2026-03-01)" },
    };
    RUN (cases);
}

Test (event, kind_contact_visit)
{
    s_case_t cases[] = {
        { "{'kind':'contact_visit','date':'2026-07-08','person':'P1','point':'城东街道社区卫生站'}", "ok" },
        { "{'kind':'contact_visit','date':'2026-11-27','person':'P1','point':'城东街道'}", "field 'date': after today (2026-11-27 > 2026-11-26)" },
        { "{'kind':'contact_visit','date':'2026-07-08','person':'P1'}", "field 'point': missing" },
        { "{'kind':'contact_visit','date':'2026-07-08','person':'P1','point':false}", "field 'point': expected a string" },
    };
    RUN (cases);
}

Test (event, kind_practical_deed)
{
    s_case_t cases[] = {
        { "{'kind':'practical_deed','date':'2026-08-15','person':'P2','beneficiary':'城东街道居民','title':'开展义诊活动，免费测量血压血糖'}", "ok" },
        { "{'kind':'practical_deed','date':'2026-08-15','person':'P2','title':'开展义诊活动'}", "field 'beneficiary': missing" },
        { "{'kind':'practical_deed','date':'2026-08-15','person':'P2','beneficiary':'居民'}", "field 'title': missing" },
        { "{'kind':'practical_deed','date':'2026-08-15','person':'P2','beneficiary':'','title':'义诊'}", "field 'beneficiary': empty" },
    };
    RUN (cases);
}

Test (event, kind_secondment)
{
    s_case_t cases[] = {
        { "{'kind':'secondment','date':'2026-01-05','person':'P3','category':'new_recruit','host':'市卫健委医政处',"
          "'from':'2026-01-05','to':'2026-12-31','mentor':'王主任'}", "ok" },
        { "{'kind':'secondment','date':'2026-01-05','person':'P3','category':'reserve','host':'市卫健委','from':'2026-02-01','to':'2026-01-20'}",
          "field 'to': before 'from' (2026-01-20 < 2026-02-01)" },
        { "{'kind':'secondment','date':'2026-01-05','person':'P3','category':'veteran','host':'市卫健委','from':'2026-01-05','to':'2026-12-31'}",
          "field 'category': unknown value 'veteran' (expected one of reserve, new_recruit)" },
        { "{'kind':'secondment','date':'2026-01-05','person':'P3','category':'reserve','from':'2026-01-05','to':'2026-12-31'}", "field 'host': missing" },
        { "{'kind':'secondment','date':'2026-01-05','person':'P3','category':'reserve','host':'市卫健委','from':'2026-01-05'}", "field 'to': missing" },
        { "{'kind':'secondment','date':'2026-01-05','person':'P3','host':'市卫健委','from':'2026-01-05','to':'2026-12-31'}", "field 'category': missing" },
        { "{'kind':'secondment','date':'2026-01-05','person':'P9','category':'reserve','host':'市卫健委','from':'2026-01-05','to':'2026-12-31'}",
          "field 'person': unknown person 'P9'" },
    };
    RUN (cases);
}

Test (event, kind_secondment_review)
{
    s_case_t cases[] = {
        { "{'kind':'secondment_review','date':'2026-09-30','person':'P3','note':'期中考核合格'}", "ok" },
        { "{'kind':'secondment_review','date':'2026-09-30'}", "field 'person': missing" },
        { "{'kind':'secondment_review','date':'2026-09-30','person':'P9'}", "field 'person': unknown person 'P9'" },
        { "{'kind':'secondment_review','date':'2026-09-30','person':'P3','grade':'good'}", "field 'grade': unknown key for kind 'secondment_review'" },
    };
    RUN (cases);
}

Test (event, kind_reception_day)
{
    s_case_t cases[] = {
        { "{'kind':'reception_day','date':'2026-03-15','person':'P1','mode':'fixed_point','announced':'2026-03-10'}", "ok" },
        { "{'kind':'reception_day','date':'2026-03-15','person':'P1','mode':'home_return_visit'}", "ok" },
        { "{'kind':'reception_day','date':'2026-03-15','person':'P1','mode':'walk'}",
          "field 'mode': unknown value 'walk' (expected one of fixed_point, open, key_appointment, thematic, visit_with_case, home_return_visit)" },
        { "{'kind':'reception_day','date':'2026-03-15','person':'P1','mode':3}", "field 'mode': expected a string" },
        { "{'kind':'reception_day','date':'2026-03-15','person':'P1'}", "field 'mode': missing" },
        { "{'kind':'reception_day','date':'2026-03-15','person':'P1','mode':'open','announced':'2026-3-10'}", "field 'announced': not a date (2026-3-10)" },
        { "{'kind':'reception_day','date':'2026-03-15','person':'P9','mode':'open'}", "field 'person': unknown person 'P9'" },
    };
    RUN (cases);
}

Test (event, kind_petition_case)
{
    s_case_t cases[] = {
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-017','person':'P1','group_size':6,"
          "'measures':'协调医保部门核实报销政策','responsible':'医务处','deadline':'2026-04-30'}", "ok" },
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-018','person':'P1'}", "ok" },
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-017','person':'P1','group_size':0}", "field 'group_size': must be at least 1" },
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-017','person':'P1','group_size':'6'}", "field 'group_size': expected a whole number" },
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-017','person':'P1','group_size':2.5}", "field 'group_size': expected a whole number" },
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-017','person':'P1','group_size':-1}", "field 'group_size': out of range (-1)" },
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-017','person':'P1','deadline':'2026-04-01'}", "field 'deadline': before 'date' (2026-04-01 < 2026-04-02)" },
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF 2026','person':'P1'}", "field 'case': not a valid id (XF 2026)" },
        { "{'kind':'petition_case','date':'2026-04-02','person':'P1'}", "field 'case': missing" },
        { "{'kind':'petition_case','date':'2026-04-02','case':'XF-2026-017','person':'P9'}", "field 'person': unknown person 'P9'" },
    };
    RUN (cases);
}

Test (event, kind_petition_closed)
{
    s_case_t cases[] = {
        { "{'kind':'petition_closed','date':'2026-04-28','case':'XF-2026-017','signed_by':'P2'}", "ok" },
        { "{'kind':'petition_closed','date':'2026-04-28','case':'XF-2026-017'}", "ok" },
        { "{'kind':'petition_closed','date':'2026-04-28','case':'XF-2026-017','signed_by':'P9'}", "field 'signed_by': unknown person 'P9'" },
        { "{'kind':'petition_closed','date':'2026-04-28','case':'XF-2026-017','signed_by':'王 院长'}", "field 'signed_by': not a valid id (王 院长)" },
        { "{'kind':'petition_closed','date':'2026-04-28'}", "field 'case': missing" },
    };
    RUN (cases);
}

Test (event, kind_talk)
{
    s_case_t cases[] = {
        { "{'kind':'talk','date':'2026-05-20','person':'P1','with':'科室护士长','with_category':'department','form':'individual','mode':'in_person'}", "ok" },
        { "{'kind':'talk','date':'2026-05-20','person':'P1','with':'P2','with_category':'team_member'}", "ok" },
        { "{'kind':'talk','date':'2026-05-20','person':'P1','with':'科室','with_category':'department','colour':'red'}", "field 'colour': unknown key for kind 'talk'" },
        { "{'kind':'talk','date':'2026-05-20','person':'P1','with':'科室','with_category':'boss'}",
          "field 'with_category': unknown value 'boss' (expected one of team_member, department, contact_point, party_member, masses)" },
        { "{'kind':'talk','date':'2026-05-20','person':'P1','with':'科室','with_category':'masses','form':'group'}",
          "field 'form': unknown value 'group' (expected one of individual, collective, random)" },
        { "{'kind':'talk','date':'2026-05-20','person':'P1','with':'科室','with_category':'masses','mode':'walk'}",
          "field 'mode': unknown value 'walk' (expected one of in_person, phone, home_visit)" },
        { "{'kind':'talk','date':'2026-05-20','person':'P1','with_category':'masses'}", "field 'with': missing" },
        { "{'kind':'talk','date':'2026-05-20','person':'P9','with':'群众','with_category':'masses'}", "field 'person': unknown person 'P9'" },
    };
    RUN (cases);
}

Test (event, kind_opinion)
{
    s_case_t cases[] = {
        { "{'kind':'opinion','date':'2026-06-01','opinion':'YJ-0601-01','channel':'hotline','topic':'希望延长周末门诊时间'}", "ok" },
        { "{'kind':'opinion','date':'2026-06-01','opinion':'YJ-0601-01','channel':'fax'}",
          "field 'channel': unknown value 'fax' (expected one of hearing, poll, hotline, card, forum, mailbox, weibo, wechat, web_forum, other)" },
        { "{'kind':'opinion','date':'2026-06-01','opinion':'YJ-0601-01'}", "field 'channel': missing" },
        { "{'kind':'opinion','date':'2026-06-01','opinion':'意见一','channel':'poll'}", "field 'opinion': not a valid id (意见一)" },
        { "{'kind':'opinion','date':'2026-06-01','opinion':'YJ-0601-01','channel':'poll','person':'P1'}", "field 'person': unknown key for kind 'opinion'" },
    };
    RUN (cases);
}

Test (event, kind_opinion_assigned)
{
    s_case_t cases[] = {
        { "{'kind':'opinion_assigned','date':'2026-06-03','opinion':'YJ-0601-01','department':'门诊部','deadline':'2026-06-30'}", "ok" },
        { "{'kind':'opinion_assigned','date':'2026-11-20','opinion':'YJ-1120-01','department':'门诊部','deadline':'2027-01-15'}", "ok" },
        { "{'kind':'opinion_assigned','date':'2026-06-03','opinion':'YJ-0601-01','department':'门诊部','deadline':'2026-06-02'}",
          "field 'deadline': before 'date' (2026-06-02 < 2026-06-03)" },
        { "{'kind':'opinion_assigned','date':'2026-06-03','opinion':'YJ-0601-01','department':'门诊部'}", "field 'deadline': missing" },
        { "{'kind':'opinion_assigned','date':'2026-06-03','opinion':'YJ-0601-01','deadline':'2026-06-30'}", "field 'department': missing" },
    };
    RUN (cases);
}

Test (event, kind_opinion_closed)
{
    s_case_t cases[] = {
        { "{'kind':'opinion_closed','date':'2026-06-28','opinion':'YJ-0601-01','adopted':true,'feedback':'2026-07-05'}", "ok" },
        { "{'kind':'opinion_closed','date':'2026-06-28','opinion':'YJ-0601-01','adopted':false}", "ok" },
        { "{'kind':'opinion_closed','date':'2026-06-28','opinion':'YJ-0601-01','adopted':'是'}", "field 'adopted': expected true or false" },
        { "{'kind':'opinion_closed','date':'2026-06-28','opinion':'YJ-0601-01','feedback':'七月五日'}", "field 'feedback': not a date (七月五日)" },
        { "{'kind':'opinion_closed','date':'2026-06-28'}", "field 'opinion': missing" },
    };
    RUN (cases);
}

Test (event, kind_mailbox)
{
    s_case_t cases[] = {
        { "{'kind':'mailbox','date':'2026-01-10','channel':'院长信箱'}", "ok" },
        { "{'kind':'mailbox','date':'2026-01-10','channel':''}", "field 'channel': empty" },
        { "{'kind':'mailbox','date':'2026-01-10'}", "field 'channel': missing" },
        { "{'kind':'mailbox','date':'2026-01-10','channel':{'name':'信箱'}}", "field 'channel': expected a string" },
    };
    RUN (cases);
}

Test (event, kind_commitment)
{
    s_case_t cases[] = {
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-01','person':'P1','type':'annual',"
          "'deadline':'2026-12-31','published':'院务公开栏','content':'全年开展义诊不少于12次'}", "ok" },
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-02','org':'B1','type':'instant','content':'一周内完成门诊标识改造'}", "ok" },
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-02','org':'B1','person':'P1','type':'instant','content':'改造标识'}",
          "field 'person': give exactly one of 'person' and 'org'" },
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-02','type':'instant','content':'改造标识'}",
          "field 'person': give exactly one of 'person' and 'org'" },
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-02','org':'B9','type':'instant','content':'改造标识'}", "field 'org': unknown org 'B9'" },
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-02','person':'P9','type':'instant','content':'改造标识'}", "field 'person': unknown person 'P9'" },
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-02','person':'P1','type':'monthly','content':'改造标识'}",
          "field 'type': unknown value 'monthly' (expected one of annual, instant)" },
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-02','person':'P1','type':'annual'}", "field 'content': missing" },
        { "{'kind':'commitment','date':'2026-01-20','commitment':'CN-2026-02','person':'P1','type':'annual','content':'义诊','deadline':'2025-12-31'}",
          "field 'deadline': before 'date' (2025-12-31 < 2026-01-20)" },
    };
    RUN (cases);
}

Test (event, kind_commitment_fulfilled)
{
    s_case_t cases[] = {
        { "{'kind':'commitment_fulfilled','date':'2026-11-20','commitment':'CN-2026-01'}", "ok" },
        { "{'kind':'commitment_fulfilled','date':'2026-11-20'}", "field 'commitment': missing" },
        { "{'kind':'commitment_fulfilled','date':'2026-11-20','commitment':'CN/01'}", "field 'commitment': not a valid id (CN/01)" },
        { "{'kind':'commitment_fulfilled','date':'2026-12-20','commitment':'CN-2026-01'}", "field 'date': after today (2026-12-20 > 2026-11-26)" },
    };
    RUN (cases);
}

Test (event, kind_commitment_evaluated)
{
    s_case_t cases[] = {
        { "{'kind':'commitment_evaluated','date':'2026-11-25','commitment':'CN-2026-01','grade':'excellent','method':'masses'}", "ok" },
        { "{'kind':'commitment_evaluated','date':'2026-11-25','commitment':'CN-2026-01','grade':'A','method':'masses'}",
          "field 'grade': unknown value 'A' (expected one of excellent, good, fair, poor)" },
        { "{'kind':'commitment_evaluated','date':'2026-11-25','commitment':'CN-2026-01','grade':'good','method':'vote'}",
          "field 'method': unknown value 'vote' (expected one of self, peer, masses, leader)" },
        { "{'kind':'commitment_evaluated','date':'2026-11-25','commitment':'CN-2026-01','grade':'good'}", "field 'method': missing" },
    };
    RUN (cases);
}

Test (event, kind_rep_activity)
{
    s_case_t cases[] = {
        { "{'kind':'rep_activity','date':'2026-03-12','person':'P2','activity':'studio_reception','note':'代表工作室接待群众5人'}", "ok" },
        { "{'kind':'rep_activity','date':'2026-03-12','person':'P2','activity':'party'}",
          "field 'activity': unknown value 'party' (expected one of studio_reception, advice, service, exchange, inspection, committee_meeting, proposal)" },
        { "{'kind':'rep_activity','date':'2026-03-12','person':'P2'}", "field 'activity': missing" },
        { "{'kind':'rep_activity','date':'2026-03-12','person':'P9','activity':'advice'}", "field 'person': unknown person 'P9'" },
    };
    RUN (cases);
}

Test (event, kind_correction)
{
    s_case_t cases[] = {
        { "{'kind':'correction','supersedes':'~0123456789abcdef01234567','date':'2026-04-12','event':"
          "{'kind':'research_report','date':'2026-04-10','person':'P1','title':'关于门诊流程优化的调研报告（修订稿）'}}", "ok" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'person','person':'P1','name':'张伟',"
          "'roles':[{'role':'leader','from':'2024-01-01'}]}}", "ok" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'research_report','date':'2026-04-31','person':'P1','title':'报告'}}",
          "field 'event.date': not a date (2026-04-31)" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'research_report','date':'2026-12-01','person':'P1','title':'报告'}}",
          "field 'event.date': after today (2026-12-01 > 2026-11-26)" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'research_report','date':'2026-04-10','person':'P9','title':'报告'}}",
          "field 'event.person': unknown person 'P9'" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'research_report','date':'2026-04-10','person':'P1','title':'报告','colour':'red'}}",
          "field 'event.colour': unknown key for kind 'research_report'" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'research_report','date':'2026-04-10','person':'P1'}}",
          "field 'event.title': missing" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'date':'2026-04-10','person':'P1'}}", "field 'event.kind': missing" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'memo'}}", "field 'event.kind': unknown kind 'memo'" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'person','person':'P1','name':'张伟','roles':[{'role':'leader','from':'2024-02-30'}]}}",
          "field 'event.roles[0].from': not a date (2024-02-30)" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'void','supersedes':'RR-2026-000','reason':'重复'}}",
          "field 'event': cannot correct with a correction or void" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':{'kind':'correction','supersedes':'RR-2026-000',"
          "'event':{'kind':'results_exchange','date':'2026-06-20'}}}", "field 'event': cannot correct with a correction or void" },
        { "{'kind':'correction','supersedes':'RR-2026-001','event':'research_report'}", "field 'event': expected an object" },
        { "{'kind':'correction','supersedes':'RR-2026-001'}", "field 'event': missing" },
        { "{'kind':'correction','event':{'kind':'results_exchange','date':'2026-06-20'}}", "field 'supersedes': missing" },
        { "{'kind':'correction','supersedes':'~xyz','event':{'kind':'results_exchange','date':'2026-06-20'}}", "field 'supersedes': not a valid id (~xyz)" },
        { "{'kind':'correction','supersedes':'RR-1','date':'2027-01-05','event':{'kind':'results_exchange','date':'2026-06-20'}}",
          "field 'date': after today (2027-01-05 > 2026-11-26)" },
    };
    RUN (cases);
}

Test (event, kind_void)
{
    s_case_t cases[] = {
        { "{'kind':'void','supersedes':'RR-2026-001','reason':'重复录入','date':'2026-04-12'}", "ok" },
        { "{'kind':'void','supersedes':'RR-2026-001'}", "field 'reason': missing" },
        { "{'kind':'void','supersedes':'RR-2026-001','reason':''}", "field 'reason': empty" },
        { "{'kind':'void','reason':'重复录入'}", "field 'supersedes': missing" },
        { "{'kind':'void','supersedes':'RR 1','reason':'重复录入'}", "field 'supersedes': not a valid id (RR 1)" },
        { "{'kind':'void','supersedes':'RR-1','reason':'重复录入','person':'P1'}", "field 'person': unknown key for kind 'void'" },
    };
    RUN (cases);
}

Test (event, kinds_of_rules_v2)
{
    s_case_t cases[] = {
        { "{'kind':'exemption','date':'2026-02-01','rule':'4.1c','person':'P1','from':'2026-01-01','to':'2026-12-31','reason':'长期病休','approved_by':'局党委'}", "ok" },
        { "{'kind':'exemption','date':'2026-02-01','rule':'4.1c','from':'2026-01-01','to':'2026-12-31','reason':'病休','approved_by':'局党委'}", "field 'person': give exactly one of 'person' and 'org'" },
        { "{'kind':'exemption','date':'2026-02-01','rule':'4.1c','person':'P1','from':'2026-03-01','to':'2026-01-31','reason':'病休','approved_by':'局党委'}", "field 'to': before 'from' (2026-01-31 < 2026-03-01)" },
        { "{'kind':'appeal','date':'2026-02-01','appeal':'XX-1','channel':'letter','person':'P1','answered':'2026-03-01','about':'P2'}", "ok" },
        { "{'kind':'appeal','date':'2026-02-01','appeal':'XX-1','channel':'card','person':'P1'}", "field 'channel': unknown value 'card' (expected one of letter, mailbox, hotline, weibo, other)" },
        { "{'kind':'appeal','date':'2026-02-01','appeal':'XX-1','channel':'letter','person':'P1','answered':'20260301'}", "field 'answered': not a date (20260301)" },
        { "{'kind':'case_action','date':'2026-02-01','case':'XF-1','person':'P1','action':'handover','note':'移交'}", "ok" },
        { "{'kind':'case_action','date':'2026-02-01','case':'XF-1','person':'P1'}", "field 'action': missing" },
        { "{'kind':'secondment_training','date':'2026-02-01','secondment':'GZ-1','person':'P1'}", "ok" },
        { "{'kind':'secondment_liaison','date':'2026-02-01','secondment':'~0123456789abcdef01234567','person':'P1'}", "ok" },
        { "{'kind':'rep_studio','date':'2026-02-01','studio':'党代表工作室','reception_schedule':'每月第一个星期三','from':'2026-01-01','to':'2026-12-31'}", "ok" },
        { "{'kind':'activity_day','date':'2026-02-01','org':'B1'}", "ok" },
        { "{'kind':'activity_day','date':'2026-02-01','org':'B01'}", "field 'org': unknown org 'B01'" },
        { "{'kind':'activity_day','date':'2026-02-01'}", "field 'org': missing" },
        { "{'kind':'petition_case','date':'2026-02-01','case':'XF-2','person':'P1','high_profile':true}", "ok" },
        { "{'kind':'opinion_assigned','date':'2026-02-01','opinion':'O1','department':'医务科','deadline':'2026-03-01','person':'P1'}", "ok" },
        { "{'kind':'opinion','date':'2026-02-01','opinion':'O1','channel':'hotline','about':'P2'}", "ok" },
        { "{'kind':'mailbox','date':'2026-02-01','channel':'院长信箱','person':'P1'}", "ok" },
        { "{'kind':'secondment_review','date':'2026-02-01','person':'P1','secondment':'GZ-1'}", "ok" },
        { "{'kind':'org','date':'2026-02-01','org':'B09','name':'第九支部','from':'2026-02-01','to':'2026-12-31'}", "ok" },
        { "{'kind':'commitment','date':'2026-02-01','commitment':'C1','person':'P1','type':'annual','published':'2026-02-05','content':'带教'}", "ok" },
        { "{'kind':'report','date':'2026-02-01','year':2025,'report':'rollup','version':1,'document':'{}','chain_head':'0000000000000000000000000000000000000000000000000000000000000000','chain_events':1,'digest':'44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a','tier_version':1}", "ok" },
        { "{'kind':'report','date':'2026-02-01','year':2025,'report':'rollup','version':1,'document':'{}','chain_head':'0000000000000000000000000000000000000000000000000000000000000000','chain_events':1,'digest':'0000000000000000000000000000000000000000000000000000000000000000','tier_version':1}", "field 'digest': the document does not match its digest (its SHA-256 is 44136fa355b3678a..., the event says 0000000000000000...): altered on the way" },
        { "{'kind':'report','date':'2026-02-01','year':2025,'report':'rollup','version':1,'document':'{}','chain_head':'0000000000000000000000000000000000000000000000000000000000000000','chain_events':1,'digest':'44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a','tier_version':2}", "field 'tier_version': this collector speaks tier version 1, not 2: upgrade the lower or the higher tier" },
        { "{'kind':'report','date':'2026-02-01','year':2025,'report':'rollup','version':1,'document':'{}','chain_head':'0000000000000000000000000000000000000000000000000000000000000000','chain_events':1,'digest':'XYZ','tier_version':1}", "field 'digest': not a SHA-256 in hex (64 digits 0-9a-f)" },
    };
    RUN (cases);
}

Test (event, every_kind_is_tested)
{
    //  The tests above cover these 34 kinds; a new kind in massline.proto must be added here.
    static const char *const kinds[] = { "person", "org", "research_plan", "research_trip",
        "research_report", "work_item", "results_exchange", "contact_point", "paired_family",
        "contact_visit", "practical_deed", "secondment", "secondment_review", "reception_day",
        "petition_case", "petition_closed", "talk", "opinion", "opinion_assigned", "opinion_closed",
        "mailbox", "commitment", "commitment_fulfilled", "commitment_evaluated", "rep_activity",
        "correction", "void", "exemption", "appeal", "case_action", "secondment_training",
        "secondment_liaison", "rep_studio", "activity_day", "period_close", "year_submission", "report" };
    size_t oneofs = 0;
    for (unsigned i = 0; i < massline__event__descriptor.n_fields; i++)
        oneofs += (massline__event__descriptor.fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0;
    cr_expect_eq (oneofs, sizeof kinds / sizeof kinds[0]);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        cr_expect (ml_event_kind_known (kinds[i]), "%s", kinds[i]);
    cr_expect_not (ml_event_kind_known ("ref"));
    cr_expect_not (ml_event_kind_known ("memo"));
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
        cr_expect_str_eq (s_judge_kv (cases[i].kind, cases[i].words, buf, sizeof buf), cases[i].expect,
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
    cr_expect_eq (ml_event_validate (evs[0], &s_ctx, &err), ML_OK, "%s", err.reason);
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
    cr_expect_eq (ml_event_validate (ev, &s_ctx, &err), ML_EINVAL);
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
    cr_expect_eq (ml_event_validate (back, &s_ctx, &err), ML_EINVAL);
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
    cr_expect_eq (ml_event_validate (back, &s_ctx, &err), ML_EINVAL);
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
    ml_vctx_t open = { NULL, NULL, NULL, s_ctx.today };
    ev = s_parse ("{'kind':'commitment','date':'2026-01-20','commitment':'C1','org':'B9','type':'annual','content':'义诊'}");
    ml_verr_t err;
    cr_expect_eq (ml_event_validate (ev, &open, &err), ML_OK);
    cr_expect_eq (ml_event_validate (ev, &s_ctx, &err), ML_EINVAL);
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
