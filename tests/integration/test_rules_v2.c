/* test_rules_v2.c -- the readings of rules v2 (issue 11) at their boundaries, through the real
   agent -> collector -> client path: each scenario is a small ledger imported by a unit's agent,
   each verdict is read from `massline report ... --format json`. The expected values are worked
   out from the regulation and rules.md v2 in the comments, not taken from the program. */
#include "ml_harness.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <string.h>

static ml_h_out_t s_out;

//  Writes TEXT to a fresh file and has UNIT's agent import it and flush it to the collector.
static void
s_deliver (const char *unit, const char *text)
{
    static int seq;
    char *file = ml_h_str ("%s/ledger-%d.jsonl", ml_h_dir (), ++seq);
    ml_h_write (file, text);
    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, ML_AGENT, "-c", ml_h_agent_ini (unit), "import", file, NULL);
    cr_assert_eq (code, 0, "import into %s exited %d: %s", unit, code, out.err);
    code = ml_h_run (&out, 120000, ML_AGENT, "-c", ml_h_agent_ini (unit), "flush", "--timeout", "60", NULL);
    cr_assert_eq (code, 0, "flush of %s exited %d: %s", unit, code, out.err);
}

//  `massline report unit-annual --unit UNIT --year YEAR [--as-of AS_OF] --format json`, parsed.
static json_t *
s_annual (const char *unit, const char *year, const char *as_of)
{
    char *argv[16];
    int n = 0;
    argv[n++] = (char *) ML_CLIENT;
    argv[n++] = "-c";
    argv[n++] = (char *) ml_h_client_ini ();
    argv[n++] = "report";
    argv[n++] = "unit-annual";
    argv[n++] = "--unit";
    argv[n++] = (char *) unit;
    argv[n++] = "--year";
    argv[n++] = (char *) year;
    if (as_of) {
        argv[n++] = "--as-of";
        argv[n++] = (char *) as_of;
    }
    argv[n++] = "--format";
    argv[n++] = "json";
    argv[n] = NULL;
    int code = ml_h_runv (&s_out, 60000, argv);
    cr_assert_eq (code, 0, "report %s %s exited %d: %s", unit, year, code, s_out.err);
    json_error_t jerr;
    json_t *report = json_loads (s_out.out, 0, &jerr);
    cr_assert_not_null (report, "not JSON (%s): %.300s", jerr.text, s_out.out);
    return report;
}

static json_t *
s_find (json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *item;
    json_array_foreach (arr, i, item) {
        const char *v = json_string_value (json_object_get (item, key));
        if (v && strcmp (v, value) == 0)
            return item;
    }
    return NULL;
}

static json_t *
s_rule (json_t *report, const char *person, const char *rule)
{
    json_t *rules;
    if (person) {
        json_t *p = s_find (json_object_get (report, "persons"), "person", person);
        cr_assert_not_null (p, "no person %s in the report", person);
        rules = json_object_get (p, "rules");
    }
    else
        rules = json_object_get (report, "unit_rules");
    json_t *r = s_find (rules, "rule", rule);
    cr_assert_not_null (r, "%s has no rule %s", person ? person : "the unit", rule);
    return r;
}

//  Asserts STATUS, ACTUAL and REQUIRED of RULE of PERSON (NULL: a unit rule) in REPORT.
static json_t *
s_expect (json_t *report, const char *person, const char *rule, const char *status, long actual,
          long required, const char *why)
{
    json_t *r = s_rule (report, person, rule);
    const char *got = json_string_value (json_object_get (r, "status"));
    cr_assert (got && strcmp (got, status) == 0, "%s %s (%s): status %s, expected %s",
               person ? person : "unit", rule, why, got, status);
    cr_assert_eq (json_integer_value (json_object_get (r, "actual")), actual,
                  "%s %s (%s): actual %lld, expected %ld", person ? person : "unit", rule, why,
                  json_integer_value (json_object_get (r, "actual")), actual);
    cr_assert_eq (json_integer_value (json_object_get (r, "required")), required,
                  "%s %s (%s): required %lld, expected %ld", person ? person : "unit", rule, why,
                  json_integer_value (json_object_get (r, "required")), required);
    return r;
}

//  `massline-collector check` is clean.
static void
s_check (const char *when)
{
    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, ML_COLLECTOR, "-c", ml_h_collector_ini (), "check", NULL);
    cr_assert_eq (code, 0, "check %s exited %d: %s%s", when, code, out.out, out.err);
    cr_assert (strstr (out.out, "check: ok"), "check %s: %s", when, out.out);
}

//  A person line: PERSON of UNIT with ROLES (JSON list text).
#define PERSON(unit, p, roles) \
    "{\"kind\":\"person\",\"ref\":\"" unit "-PS-" p "\",\"person\":\"" p "\",\"name\":\"干部" p "\"," \
    "\"org\":\"B01\",\"roles\":" roles "}\n"
#define TRIP(unit, n, p, from, to) \
    "{\"kind\":\"research_trip\",\"ref\":\"" unit "-RT-" n "\",\"date\":\"" from "\",\"person\":\"" p "\"," \
    "\"end\":\"" to "\",\"place\":\"某镇卫生院\",\"stationed\":false,\"unannounced\":false,\"topic\":\"调研\"}\n"
#define RECEPTION(unit, n, p, day) \
    "{\"kind\":\"reception_day\",\"ref\":\"" unit "-RD-" n "\",\"date\":\"" day "\",\"person\":\"" p "\"," \
    "\"mode\":\"fixed_point\",\"announced\":\"" day "\"}\n"
#define LEADER_FROM(d) "[{\"role\":\"leader\",\"from\":\"" d "\"}]"
#define DEED(n, p, day, whom) \
    "{\"kind\":\"practical_deed\",\"ref\":\"H001-PD-" n "\",\"date\":\"" day "\",\"person\":\"" p "\"," \
    "\"beneficiary\":\"" whom "\",\"title\":\"义诊\"}\n"

//  ---------------------------------------------------------------------------
//  Roster time (V1, V3), role-bound counting, as-of to the day (V6), secondments (V8), own
//  contact point (V9): one 2025 ledger of H001, a met and an unmet person at each boundary.

static const char s_h001[] =
    //  V1: a leader from 15 March holds April-December whole: 9 months; 1.3f owes
    //  ceil(30 x 9 / 12) = ceil(22.5) = 23 days. P101 has 23 (1-23 April), P102 22 (1-22 April).
    PERSON ("H001", "P101", LEADER_FROM ("2025-03-15"))
    PERSON ("H001", "P102", LEADER_FROM ("2025-03-15"))
    "{\"kind\":\"org\",\"ref\":\"H001-OG-B01\",\"org\":\"B01\",\"name\":\"第一党支部\",\"head\":\"P101\"}\n"
    TRIP ("H001", "0101", "P101", "2025-04-01", "2025-04-23")
    TRIP ("H001", "0102", "P102", "2025-04-01", "2025-04-22")
    //  1 July: July-December whole, 6 months: 1.3f owes 30 x 6 / 12 = 15. P103 15 days, P104 14.
    //  A trip before the role (June) is not the leader's time and does not count (V2).
    PERSON ("H001", "P103", LEADER_FROM ("2025-07-01"))
    PERSON ("H001", "P104", LEADER_FROM ("2025-07-01"))
    TRIP ("H001", "0103", "P103", "2025-09-01", "2025-09-15")
    TRIP ("H001", "0104", "P104", "2025-09-01", "2025-09-14")
    TRIP ("H001", "0105", "P104", "2025-06-20", "2025-06-24")
    //  V3: leader to 9 July, main leader from 10 July. 4.1b judges the half months wholly as
    //  leader: January-June, 12 (1-15 July is not wholly leader). 4.1a judges August-December
    //  (5) and July, held wholly by the two roles together: 6. P105 receives on 2 and 16 of
    //  January-June, on 5 July (still as leader: it counts for the mixed month) and on 5
    //  August-December: 12/12 and 6/6. P106 the same without July: 4.1a 5/6, July missed.
#define V3_ROLES "[{\"role\":\"leader\",\"from\":\"2025-01-01\",\"to\":\"2025-07-09\"}," \
                 "{\"role\":\"main_leader\",\"from\":\"2025-07-10\"}]"
#define V3_DAYS(p, x) \
    RECEPTION ("H001", x "01", p, "2025-01-02") RECEPTION ("H001", x "02", p, "2025-01-16") \
    RECEPTION ("H001", x "03", p, "2025-02-03") RECEPTION ("H001", x "04", p, "2025-02-17") \
    RECEPTION ("H001", x "05", p, "2025-03-03") RECEPTION ("H001", x "06", p, "2025-03-17") \
    RECEPTION ("H001", x "07", p, "2025-04-02") RECEPTION ("H001", x "08", p, "2025-04-16") \
    RECEPTION ("H001", x "09", p, "2025-05-02") RECEPTION ("H001", x "10", p, "2025-05-16") \
    RECEPTION ("H001", x "11", p, "2025-06-02") RECEPTION ("H001", x "12", p, "2025-06-16") \
    RECEPTION ("H001", x "13", p, "2025-08-05") RECEPTION ("H001", x "14", p, "2025-09-05") \
    RECEPTION ("H001", x "15", p, "2025-10-09") RECEPTION ("H001", x "16", p, "2025-11-05") \
    RECEPTION ("H001", x "17", p, "2025-12-05")
    PERSON ("H001", "P105", V3_ROLES)
    PERSON ("H001", "P106", V3_ROLES)
    V3_DAYS ("P105", "05")
    RECEPTION ("H001", "0518", "P105", "2025-07-05")
    V3_DAYS ("P106", "06")
    //  V8: two secondments of one person, each its own case. 3.2d: each needs special training
    //  dated by its last day. P107 was trained for both terms: 1/1. P108 only for the first;
    //  the second (July-November) has none: 0/1, though the person has a training on record.
#define SECONDED "[{\"role\":\"seconded\",\"from\":\"2025-01-01\",\"category\":\"reserve\"}]"
#define SECONDMENT(p, n, from, to) \
    "{\"kind\":\"secondment\",\"ref\":\"H001-SM-" p n "\",\"date\":\"" from "\",\"person\":\"" p "\"," \
    "\"category\":\"reserve\",\"host\":\"某社区卫生服务中心\",\"from\":\"" from "\",\"to\":\"" to "\"," \
    "\"mentor\":\"主任 张某\"}\n"
#define TRAINING(p, n, day) \
    "{\"kind\":\"secondment_training\",\"ref\":\"H001-ST-" p n "\",\"date\":\"" day "\",\"person\":\"" p "\"," \
    "\"secondment\":\"H001-SM-" p n "\"}\n"
    PERSON ("H001", "P107", SECONDED)
    PERSON ("H001", "P108", SECONDED)
    SECONDMENT ("P107", "A", "2025-01-01", "2025-05-31")
    SECONDMENT ("P107", "B", "2025-07-01", "2025-11-30")
    SECONDMENT ("P108", "A", "2025-01-01", "2025-05-31")
    SECONDMENT ("P108", "B", "2025-07-01", "2025-11-30")
    TRAINING ("P107", "A", "2025-01-03")
    TRAINING ("P107", "B", "2025-07-02")
    TRAINING ("P108", "A", "2025-01-03")
    //  V9: 2.3a counts visits to one's own contact point: P109 twice to 甲 (own): 2/2; P110
    //  once to 乙 (own) and once to 甲 (P109's): 1/2.
    PERSON ("H001", "P109", LEADER_FROM ("2025-01-01"))
    PERSON ("H001", "P110", LEADER_FROM ("2025-01-01"))
    "{\"kind\":\"contact_point\",\"ref\":\"H001-CP-P109\",\"date\":\"2025-01-10\",\"person\":\"P109\",\"point\":\"甲镇卫生院\"}\n"
    "{\"kind\":\"contact_point\",\"ref\":\"H001-CP-P110\",\"date\":\"2025-01-10\",\"person\":\"P110\",\"point\":\"乙镇卫生院\"}\n"
    "{\"kind\":\"contact_visit\",\"ref\":\"H001-CV-01\",\"date\":\"2025-03-01\",\"person\":\"P109\",\"point\":\"甲镇卫生院\"}\n"
    "{\"kind\":\"contact_visit\",\"ref\":\"H001-CV-02\",\"date\":\"2025-09-01\",\"person\":\"P109\",\"point\":\"甲镇卫生院\"}\n"
    "{\"kind\":\"contact_visit\",\"ref\":\"H001-CV-03\",\"date\":\"2025-03-02\",\"person\":\"P110\",\"point\":\"乙镇卫生院\"}\n"
    "{\"kind\":\"contact_visit\",\"ref\":\"H001-CV-04\",\"date\":\"2025-09-02\",\"person\":\"P110\",\"point\":\"甲镇卫生院\"}\n"
    //  V6: as of 30 June, January-June are whole: 1.3f owes floor(30 x 6 / 12) = 15. A trip of
    //  27 June-6 July counts 4 days (27-30 June). P111: 11 (3-13 March) + 4 = 15, met; P112:
    //  10 (3-12 March) + 4 = 14, unmet. By year end they have 21 and 20 days of 30.
    PERSON ("H001", "P111", LEADER_FROM ("2025-01-01"))
    PERSON ("H001", "P112", LEADER_FROM ("2025-01-01"))
    TRIP ("H001", "0111", "P111", "2025-03-03", "2025-03-13")
    TRIP ("H001", "0112", "P111", "2025-06-27", "2025-07-06")
    TRIP ("H001", "0113", "P112", "2025-03-03", "2025-03-12")
    TRIP ("H001", "0114", "P112", "2025-06-27", "2025-07-06")
    //  V9: 2.3b counts a practical deed only for the cadre's own point or paired family on the
    //  deed's day. P109 does one for 甲 (own): 1/1. P110 one for 甲 (P109's): 0/1. P113's point
    //  丙 is assigned from 11 June; a deed for 丙 on 10 June is not yet for the own point: 0/1.
    //  P114's deed is for the paired family: 1/1.
    PERSON ("H001", "P113", LEADER_FROM ("2025-01-01"))
    PERSON ("H001", "P114", LEADER_FROM ("2025-01-01"))
    "{\"kind\":\"contact_point\",\"ref\":\"H001-CP-P113\",\"date\":\"2025-06-11\",\"person\":\"P113\",\"point\":\"丙镇卫生院\"}\n"
    "{\"kind\":\"paired_family\",\"ref\":\"H001-PF-P114\",\"date\":\"2025-01-10\",\"person\":\"P114\",\"family\":\"丁村困难家庭（户主李某）\"}\n"
    DEED ("01", "P109", "2025-05-20", "甲镇卫生院")
    DEED ("02", "P110", "2025-05-20", "甲镇卫生院")
    DEED ("03", "P113", "2025-06-10", "丙镇卫生院")
    DEED ("04", "P114", "2025-08-20", "丁村困难家庭（户主李某）")
    //  3.2d for terms ending 31 December: judged by the 2025 year-end report (as of 31 December),
    //  pending as of 30 December. P115 is trained on the last day: 1/1; P116 is not: 0/1.
    PERSON ("H001", "P115", SECONDED)
    PERSON ("H001", "P116", SECONDED)
    SECONDMENT ("P115", "A", "2025-07-01", "2025-12-31")
    SECONDMENT ("P116", "A", "2025-07-01", "2025-12-31")
    TRAINING ("P115", "A", "2025-12-31");

Test (integration, roster_time_secondments_and_contact_points_at_their_boundaries,
      .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    s_deliver ("H001", s_h001);
    json_t *r = s_annual ("H001", "2025", NULL);
    s_expect (r, "P101", "1.3f", "met", 23, 23, "V1: from 15 March, 9 whole months");
    s_expect (r, "P102", "1.3f", "unmet", 22, 23, "V1: from 15 March, 9 whole months");
    s_expect (r, "P103", "1.3f", "met", 15, 15, "from 1 July, 6 whole months");
    s_expect (r, "P104", "1.3f", "unmet", 14, 15, "from 1 July; June's trip is before the role");
    s_expect (r, "P105", "4.1b", "met", 12, 12, "V3: half months wholly as leader");
    s_expect (r, "P105", "4.1a", "met", 6, 6, "V3: August-December and the mixed July");
    s_expect (r, "P106", "4.1b", "met", 12, 12, "V3: half months wholly as leader");
    json_t *rule = s_expect (r, "P106", "4.1a", "unmet", 5, 6, "V3: no reception day in July");
    json_t *missed = json_object_get (rule, "missed");
    cr_assert_eq (json_array_size (missed), 1);
    cr_assert_str_eq (json_string_value (json_array_get (missed, 0)), "2025-07");
    s_expect (r, "P107", "3.2d", "met", 1, 1, "V8: each term trained");
    s_expect (r, "P108", "3.2d", "unmet", 0, 1, "V8: the second term has no training");
    s_expect (r, "P109", "2.3a", "met", 2, 2, "V9: two visits to the own point");
    s_expect (r, "P110", "2.3a", "unmet", 1, 2, "V9: a colleague's point does not count");
    s_expect (r, "P111", "1.3f", "unmet", 21, 30, "the whole year");
    s_expect (r, "P109", "2.3b", "met", 1, 1, "V9: a deed for the own point");
    s_expect (r, "P110", "2.3b", "unmet", 0, 1, "V9: a deed for a colleague's point");
    s_expect (r, "P113", "2.3b", "unmet", 0, 1, "V9: a deed the day before the point is assigned");
    s_expect (r, "P114", "2.3b", "met", 1, 1, "V9: a deed for the paired family");
    s_expect (r, "P115", "3.2d", "met", 1, 1, "a term ending 31 December, trained on its last day");
    s_expect (r, "P116", "3.2d", "unmet", 0, 1, "a term ending 31 December, never trained");
    json_decref (r);

    r = s_annual ("H001", "2025", "2025-12-30");
    json_t *pending = s_rule (r, "P116", "3.2d");
    cr_assert_str_eq (json_string_value (json_object_get (pending, "status")), "not_applicable",
                      "3.2d as of 30 December, inside a term ending 31 December: pending");
    json_decref (r);

    r = s_annual ("H001", "2025", "2025-06-30");
    s_expect (r, "P111", "1.3f", "met", 15, 15, "V6: as of 30 June, 4 days of the trip");
    s_expect (r, "P112", "1.3f", "unmet", 14, 15, "V6: as of 30 June, 4 days of the trip");
    json_decref (r);
    s_check ("after the 2025 ledger");

    //  A correction dates P113's deed on the day the point is assigned: 2.3b flips to met.
    s_deliver ("H001", "{\"kind\":\"correction\",\"ref\":\"H001-CR-PD03\",\"supersedes\":\"H001-PD-03\",\"event\":"
                       "{\"kind\":\"practical_deed\",\"ref\":\"H001-PD-03\",\"date\":\"2025-06-11\",\"person\":\"P113\","
                       "\"beneficiary\":\"丙镇卫生院\",\"title\":\"义诊\"}}\n");
    r = s_annual ("H001", "2025", NULL);
    s_expect (r, "P113", "2.3b", "met", 1, 1, "V9: the deed on the day the point is assigned");
    json_decref (r);
    s_check ("after the correction of a deed");
    ml_h_pass ();
}

//  ---------------------------------------------------------------------------
//  Cases across years (V7) and a multi-year roster with corrections and voids (2024-2026).

static const char s_h002[] =
    PERSON ("H002", "P201", "[{\"role\":\"main_leader\",\"from\":\"2024-01-01\"}]")
    //  Two opinions opened 20 December 2024, deadline 10 January 2025: YJ-A closed on the
    //  deadline (on time), YJ-B on 15 January (late). 6.3b: in 2024 neither is late yet (2/2 met);
    //  in 2025 YJ-B is late (1/2, unmet, listed with its year of opening, 2024, and owner P201).
    "{\"kind\":\"opinion\",\"ref\":\"H002-OP-A\",\"date\":\"2024-12-20\",\"opinion\":\"YJ-A\","
    "\"channel\":\"forum\",\"topic\":\"门诊排队时间长\"}\n"
    "{\"kind\":\"opinion\",\"ref\":\"H002-OP-B\",\"date\":\"2024-12-20\",\"opinion\":\"YJ-B\","
    "\"channel\":\"forum\",\"topic\":\"停车难\"}\n"
    "{\"kind\":\"opinion_assigned\",\"ref\":\"H002-OA-A\",\"date\":\"2024-12-20\",\"opinion\":\"YJ-A\","
    "\"department\":\"医务科\",\"person\":\"P201\",\"deadline\":\"2025-01-10\"}\n"
    "{\"kind\":\"opinion_assigned\",\"ref\":\"H002-OA-B\",\"date\":\"2024-12-20\",\"opinion\":\"YJ-B\","
    "\"department\":\"医务科\",\"person\":\"P201\",\"deadline\":\"2025-01-10\"}\n"
    "{\"kind\":\"opinion_closed\",\"ref\":\"H002-OC-A\",\"date\":\"2025-01-10\",\"opinion\":\"YJ-A\","
    "\"adopted\":true,\"feedback\":\"2025-01-10\"}\n"
    "{\"kind\":\"opinion_closed\",\"ref\":\"H002-OC-B\",\"date\":\"2025-01-15\",\"opinion\":\"YJ-B\","
    "\"adopted\":true,\"feedback\":\"2025-01-15\"}\n";

//  A leader from 2024 with one 30-day trip a year: 1.3f met in 2024 and 2025 (30 of 30) and in
//  2026 as of today (26 November: January-October whole, floor(30 x 10 / 12) = 25 owed).
static const char s_h003[] =
    PERSON ("H003", "P301", LEADER_FROM ("2024-01-01"))
    TRIP ("H003", "2024", "P301", "2024-03-01", "2024-03-30")
    TRIP ("H003", "2025", "P301", "2025-03-03", "2025-04-01")
    TRIP ("H003", "2026", "P301", "2026-03-02", "2026-03-31");

static void
s_p301 (long y2024, long y2025, long y2026, const char *when)
{
    json_t *r = s_annual ("H003", "2024", NULL);
    s_expect (r, "P301", "1.3f", y2024 >= 30 ? "met" : "unmet", y2024, 30, when);
    json_decref (r);
    r = s_annual ("H003", "2025", NULL);
    s_expect (r, "P301", "1.3f", y2025 >= 30 ? "met" : "unmet", y2025, 30, when);
    json_decref (r);
    r = s_annual ("H003", "2026", NULL);
    s_expect (r, "P301", "1.3f", y2026 >= 25 ? "met" : "unmet", y2026, 25, when);
    json_decref (r);
    s_check (when);
}

Test (integration, cases_across_years_and_corrections_over_three_years,
      .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    s_deliver ("H002", s_h002);
    json_t *r = s_annual ("H002", "2024", NULL);
    json_t *rule = s_expect (r, NULL, "6.3b", "met", 2, 2, "V7: both on time on 31 December 2024");
    cr_assert_null (json_object_get (rule, "cases"));
    json_decref (r);
    r = s_annual ("H002", "2025", NULL);
    rule = s_expect (r, NULL, "6.3b", "unmet", 1, 2, "V7: closed 15 January, 5 days late");
    json_t *cases = json_object_get (rule, "cases");
    cr_assert_eq (json_array_size (cases), 1, "one failing case, not the one closed on its deadline");
    json_t *c = json_array_get (cases, 0);
    cr_assert_str_eq (json_string_value (json_object_get (c, "case")), "YJ-B");
    cr_assert_eq (json_integer_value (json_object_get (c, "opened")), 2024);
    cr_assert_str_eq (json_string_value (json_object_get (c, "owner")), "P201");
    json_decref (r);
    s_check ("after the opinions");

    s_deliver ("H003", s_h003);
    s_p301 (30, 30, 30, "the three trips");
    //  A correction shortens the 2025 trip by a day (3 March-31 March: 29 days): 2025 flips.
    s_deliver ("H003", "{\"kind\":\"correction\",\"ref\":\"H003-CR-1\",\"supersedes\":\"H003-RT-2025\",\"event\":"
                       "{\"kind\":\"research_trip\",\"ref\":\"H003-RT-2025\",\"date\":\"2025-03-03\",\"person\":\"P301\","
                       "\"end\":\"2025-03-31\",\"place\":\"某镇卫生院\",\"stationed\":false,\"unannounced\":false,"
                       "\"topic\":\"调研\"}}\n");
    s_p301 (30, 29, 30, "after the correction of the 2025 trip");
    //  A void of the 2024 trip: 2024 flips, the other years stay.
    s_deliver ("H003", "{\"kind\":\"void\",\"ref\":\"H003-VD-1\",\"supersedes\":\"H003-RT-2024\","
                       "\"reason\":\"录入重复\"}\n");
    s_p301 (0, 29, 30, "after the void of the 2024 trip");
    //  A correction moves the 2026 trip to June 2025 (2 June-1 July, 30 days): 2025 flips back
    //  to met (59 days), 2026 to unmet (0 of 25).
    s_deliver ("H003", "{\"kind\":\"correction\",\"ref\":\"H003-CR-2\",\"supersedes\":\"H003-RT-2026\",\"event\":"
                       "{\"kind\":\"research_trip\",\"ref\":\"H003-RT-2026\",\"date\":\"2025-06-02\",\"person\":\"P301\","
                       "\"end\":\"2025-07-01\",\"place\":\"某镇卫生院\",\"stationed\":false,\"unannounced\":false,"
                       "\"topic\":\"调研\"}}\n");
    s_p301 (0, 59, 0, "after the 2026 trip moved to 2025");
    ml_h_pass ();
}
