/* test_eval_v2.c -- the readings of rules.md v2 at their boundaries, on the in-memory store:
   whole months (V1), activity counted for the role that owes it (V2), as of a day in the middle of
   a trip (V6), cases across New Year (V7), each secondment its own case (V8). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_eval.h"
#include "ml_test_engine.h"

TestSuite (eval_v2, .init = t_engine_setup, .fini = t_engine_teardown);

//  unit-annual of H001 for YEAR as of AS_OF.
static json_t *
s_annual (int year, const char *as_of)
{
    ml_report_ctx_t ctx = t_ctx ();
    char err[512] = "";
    json_t *r = ml_report_unit_annual (&ctx, "H001", year, as_of ? t_day (as_of) : ML_NODAY,
                                       err, sizeof err);
    cr_assert (r, "%s", err);
    return r;
}

Test (eval_v2, v1_a_role_from_15_march_owes_nine_whole_months)
{
    t_person ("H001", "L1", "乙", NULL, "[{\"role\":\"leader\",\"from\":\"2025-03-15\"}]");
    t_trip ("L1", "2025-04-01", "2025-04-23", false);          //  23 days
    t_expect ("L1", "1.3f", "met", 23, 23);                     //  ceil (30 x 9 / 12) = 23
    t_person ("H001", "L2", "丙", NULL, "[{\"role\":\"leader\",\"from\":\"2025-03-15\"}]");
    t_trip ("L2", "2025-04-01", "2025-04-22", false);
    t_expect ("L2", "1.3f", "unmet", 22, 23);
}

Test (eval_v2, v2_research_days_count_for_the_role_held_on_those_days)
{
    //  Leader until 30 June, principal leader from 1 July.
    t_person ("H001", "P1", "甲", NULL, "[{\"role\":\"leader\",\"from\":\"2020-01-01\",\"to\":\"2025-06-30\"},"
              "{\"role\":\"main_leader\",\"from\":\"2025-07-01\"}]");
    t_trip ("P1", "2025-05-01", "2025-05-30", false);          //  30 days as leader
    t_trip ("P1", "2025-06-20", "2025-07-09", false);          //  11 as leader, 9 as main leader
    t_trip ("P1", "2025-09-01", "2025-09-21", false);          //  21 as main leader
    json_t *r = s_annual (2025, NULL);
    t_expect_in (r, "P1", "1.3b", "met", 30, 30);               //  ceil (60 x 6 / 12); 9 + 21
    t_expect_in (r, "P1", "1.3f", "met", 41, 15);               //  ceil (30 x 6 / 12); 30 + 11
    json_decref (r);
}

Test (eval_v2, v6_as_of_the_middle_of_a_trip_counts_the_days_so_far)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_trip ("P1", "2025-01-13", "2025-01-22", false);
    json_t *r = s_annual (2025, "2025-01-15");
    json_t *e = t_entry (r, "P1", "1.3b");
    cr_assert (e);
    cr_assert_eq (t_int (e, "actual"), 3);
    json_decref (r);
    //  A plan dated 15 January is not seen as of 1 January.
    t_put ("H001", "{\"kind\":\"research_plan\",\"date\":\"2025-01-15\",\"person\":\"P1\"}");
    r = s_annual (2025, "2025-01-01");
    e = t_entry (r, "P1", "1.3a");
    cr_assert (!e || t_int (e, "actual") == 0);
    json_decref (r);
}

Test (eval_v2, v7_a_case_over_new_year_is_late_in_the_year_it_closes)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_petition ("X1", "2024-12-20", "P1", 1, "2025-01-10", true);
    t_petition_closed ("X1", "2025-01-15", "P1");
    json_t *r = s_annual (2024, NULL);
    t_expect_in (r, NULL, "4.3b", "met", 1, 1);                 //  open, not yet due on 31 Dec
    json_decref (r);
    r = s_annual (2025, NULL);
    t_expect_in (r, NULL, "4.3b", "unmet", 0, 1);               //  closed 5 days late
    t_expect_in (r, NULL, "4.3c", "met", 1, 1);                 //  judged in the year it closed
    json_decref (r);
    //  Closed on time: met in both years.
    t_petition ("X2", "2024-12-20", "P1", 1, "2025-01-10", true);
    t_petition_closed ("X2", "2025-01-10", "P1");
    r = s_annual (2025, NULL);
    t_expect_in (r, NULL, "4.3b", "unmet", 1, 2);
    json_decref (r);
}

Test (eval_v2, v8_two_secondments_are_two_cases)
{
    t_person ("H001", "S1", "丁", NULL, "[{\"role\":\"seconded\",\"from\":\"2024-01-01\",\"category\":\"reserve\"}]");
    t_put ("H001", "{\"kind\":\"secondment\",\"ref\":\"GZ1\",\"date\":\"2024-01-01\",\"person\":\"S1\","
           "\"category\":\"reserve\",\"host\":\"甲社区\",\"from\":\"2024-01-01\",\"to\":\"2024-12-31\",\"mentor\":\"导师甲\"}");
    t_put ("H001", "{\"kind\":\"secondment_review\",\"date\":\"2025-01-20\",\"person\":\"S1\",\"secondment\":\"GZ1\"}");
    t_put ("H001", "{\"kind\":\"secondment\",\"ref\":\"GZ2\",\"date\":\"2025-02-01\",\"person\":\"S1\","
           "\"category\":\"reserve\",\"host\":\"乙社区\",\"from\":\"2025-02-01\",\"to\":\"2025-07-31\"}");
    json_t *r = s_annual (2025, NULL);
    //  The second term has no mentor (3.2a) and no review of its own (3.2b): the first term's
    //  review is not counted for it.
    t_expect_in (r, "S1", "3.2a", "unmet", 0, 1);
    json_t *e = t_entry (r, "S1", "3.2b");
    cr_assert (e);
    cr_assert_str_eq (json_string_value (json_object_get (e, "status")), "unmet");
    //  3.1a: the six-month second term, ending in 2025, is too short.
    e = t_entry (r, "S1", "3.1a");
    cr_assert (e);
    cr_assert_str_eq (json_string_value (json_object_get (e, "status")), "unmet");
    json_decref (r);
    r = s_annual (2024, NULL);
    t_expect_in (r, "S1", "3.2a", "met", 1, 1);
    json_decref (r);
}

//  V9: 2.3b counts a deed only when its beneficiary is the cadre's own contact point or paired
//  family on the deed's day: not a colleague's point, not a point assigned the day after.
Test (eval_v2, v9_a_deed_counts_for_the_own_point_or_family_on_its_day)
{
    t_person ("H001", "L1", "乙", NULL, T_LEADER);
    t_person ("H001", "L2", "丙", NULL, T_LEADER);
    t_person ("H001", "L3", "丁", NULL, T_LEADER);
    t_person ("H001", "L4", "戊", NULL, T_LEADER);
    t_put ("H001", "{\"kind\":\"contact_point\",\"date\":\"2025-01-02\",\"person\":\"L1\",\"point\":\"甲社区卫生服务中心\"}");
    t_put ("H001", "{\"kind\":\"contact_point\",\"date\":\"2025-01-02\",\"person\":\"L2\",\"point\":\"乙镇卫生院\"}");
    t_put ("H001", "{\"kind\":\"contact_point\",\"date\":\"2025-06-11\",\"person\":\"L3\",\"point\":\"丙镇卫生院\"}");
    t_put ("H001", "{\"kind\":\"paired_family\",\"date\":\"2025-01-02\",\"person\":\"L4\",\"family\":\"甲社区卫生服务中心\"}");
    t_put ("H001", "{\"kind\":\"contact_point\",\"date\":\"2025-01-02\",\"person\":\"L4\",\"point\":\"甲社区卫生服务中心\"}");
    const char *deed = "{\"kind\":\"practical_deed\",\"date\":\"%s\",\"person\":\"%s\","
                       "\"beneficiary\":\"%s\",\"title\":\"义诊\"}";
    t_put ("H001", deed, "2025-06-10", "L1", "甲社区卫生服务中心");      //  own point: met
    t_put ("H001", deed, "2025-06-10", "L2", "甲社区卫生服务中心");      //  L1's point: unmet
    t_put ("H001", deed, "2025-06-10", "L3", "丙镇卫生院");              //  assigned 11 June: unmet
    t_put ("H001", deed, "2025-06-10", "L4", "甲社区卫生服务中心");      //  point and family: once
    json_t *r = s_annual (2025, NULL);
    t_expect_in (r, "L1", "2.3b", "met", 1, 1);
    t_expect_in (r, "L2", "2.3b", "unmet", 0, 1);
    t_expect_in (r, "L3", "2.3b", "unmet", 0, 1);
    t_expect_in (r, "L4", "2.3b", "met", 1, 1);
    json_decref (r);
    //  A deed on the day the point is assigned counts.
    t_put ("H001", deed, "2025-06-11", "L3", "丙镇卫生院");
    r = s_annual (2025, NULL);
    t_expect_in (r, "L3", "2.3b", "met", 1, 1);
    json_decref (r);
}

Test (eval_v2, v5_a_year_without_roster_or_organisation_is_no_data)
{
    t_person ("H001", "P1", "甲", NULL, "[{\"role\":\"main_leader\",\"from\":\"2025-01-01\"}]");
    json_t *r = s_annual (2024, NULL);
    cr_assert_str_eq (json_string_value (json_object_get (r, "status")), "no_data");
    cr_assert_eq (json_array_size (json_object_get (r, "unit_rules")), 0);
    json_decref (r);
    r = s_annual (2025, NULL);
    cr_assert_null (json_object_get (r, "status"));
    json_decref (r);
}

//  ---------------------------------------------------------------------------
//  Clauses added in v2, each met and unmet at its boundary

static const char *
s_status (json_t *r, const char *person, const char *rule)
{
    json_t *e = t_entry (r, person, rule);
    cr_assert (e, "no %s for %s", rule, person ? person : "the unit");
    return json_string_value (json_object_get (e, "status"));
}

Test (eval_v2, c4_2c_an_appeal_is_answered_within_60_days)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_put ("H001", "{\"kind\":\"appeal\",\"date\":\"2025-03-01\",\"appeal\":\"A1\",\"channel\":\"mailbox\","
           "\"person\":\"P1\",\"answered\":\"2025-04-30\"}");           //  day 60
    t_expect (NULL, "4.2c", "met", 1, 1);
    t_put ("H001", "{\"kind\":\"appeal\",\"date\":\"2025-03-01\",\"appeal\":\"A2\",\"channel\":\"hotline\","
           "\"person\":\"P1\",\"answered\":\"2025-05-01\"}");           //  day 61
    t_expect (NULL, "4.2c", "unmet", 1, 2);
    //  Open: not late on day 60 (as of 30 April), late from day 61.
    t_put ("H001", "{\"kind\":\"appeal\",\"date\":\"2025-03-01\",\"appeal\":\"A3\",\"channel\":\"weibo\",\"person\":\"P1\"}");
    json_t *r = t_annual ("2025-04-30");
    t_expect_in (r, NULL, "4.2c", "met", 3, 3);                      //  A2 is not yet late either
    json_decref (r);
}

Test (eval_v2, c4_3e_a_high_profile_petition_is_coordinated_by_a_principal_leader)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_person ("H001", "L1", "乙", NULL, "[{\"role\":\"leader\",\"from\":\"2020-01-01\"}]");
    t_put ("H001", "{\"kind\":\"petition_case\",\"date\":\"2025-03-01\",\"case\":\"X1\",\"person\":\"L1\","
           "\"measures\":\"m\",\"responsible\":\"r\",\"deadline\":\"2025-04-01\",\"high_profile\":true}");
    t_put ("H001", "{\"kind\":\"petition_case\",\"date\":\"2025-03-01\",\"case\":\"X2\",\"person\":\"L1\","
           "\"measures\":\"m\",\"responsible\":\"r\",\"deadline\":\"2025-04-01\"}");   //  not flagged: not judged
    t_put ("H001", "{\"kind\":\"case_action\",\"date\":\"2025-03-05\",\"case\":\"X1\",\"person\":\"L1\",\"action\":\"coordination\"}");
    json_t *r = t_annual (NULL);
    t_expect_in (r, NULL, "4.3e", "unmet", 0, 1);                    //  a leader, not a principal one
    json_t *cases = json_object_get (t_entry (r, NULL, "4.3e"), "cases");
    cr_assert_str_eq (json_string_value (json_object_get (json_array_get (cases, 0), "owner")), "L1");
    json_decref (r);
    t_put ("H001", "{\"kind\":\"case_action\",\"date\":\"2025-03-06\",\"case\":\"X1\",\"person\":\"P1\",\"action\":\"coordination\"}");
    t_expect (NULL, "4.3e", "met", 1, 1);
}

Test (eval_v2, c6_3c_an_assigned_opinion_names_its_cadre)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_put ("H001", "{\"kind\":\"opinion\",\"date\":\"2025-03-01\",\"opinion\":\"O1\",\"channel\":\"hotline\",\"topic\":\"s\"}");
    t_put ("H001", "{\"kind\":\"opinion_assigned\",\"date\":\"2025-03-02\",\"opinion\":\"O1\",\"department\":\"d\",\"deadline\":\"2025-04-01\"}");
    t_expect (NULL, "6.3c", "unmet", 0, 1);
    t_put ("H001", "{\"kind\":\"opinion_assigned\",\"date\":\"2025-03-02\",\"opinion\":\"O1\",\"department\":\"d\","
           "\"deadline\":\"2025-04-01\",\"person\":\"P1\"}");
    t_expect (NULL, "6.3c", "met", 1, 1);
}

Test (eval_v2, c7_2_a_publication_within_30_days_and_7_4_for_every_commitment)
{
    t_person ("H001", "M1", "党员", "B01", "[{\"role\":\"party_member\",\"from\":\"2020-01-01\"}]");
    t_put ("H001", "{\"kind\":\"commitment\",\"date\":\"2025-03-01\",\"commitment\":\"C1\",\"person\":\"M1\","
           "\"type\":\"instant\",\"content\":\"c\",\"published\":\"2025-03-31\"}");   //  day 30
    t_put ("H001", "{\"kind\":\"commitment\",\"date\":\"2025-03-01\",\"commitment\":\"C2\",\"person\":\"M1\","
           "\"type\":\"instant\",\"content\":\"c\",\"published\":\"2025-04-01\"}");   //  day 31
    t_put ("H001", "{\"kind\":\"commitment_evaluated\",\"date\":\"2025-12-20\",\"commitment\":\"C1\",\"method\":\"self\",\"grade\":\"good\"}");
    json_t *r = t_annual (NULL);
    t_expect_in (r, NULL, "7.2", "unmet", 1, 2);
    t_expect_in (r, NULL, "7.4", "unmet", 1, 2);                     //  instant ones too (P7)
    json_decref (r);
}

Test (eval_v2, c3_2d_3_2e_training_and_liaison_per_secondment)
{
    t_person ("H001", "S1", "丁", NULL, "[{\"role\":\"seconded\",\"from\":\"2025-01-01\",\"category\":\"reserve\"}]");
    t_put ("H001", "{\"kind\":\"secondment\",\"ref\":\"GZ1\",\"date\":\"2025-01-01\",\"person\":\"S1\",\"category\":\"reserve\","
           "\"host\":\"甲社区\",\"from\":\"2025-01-01\",\"to\":\"2025-11-30\",\"mentor\":\"导师\"}");
    json_t *r = t_annual ("2025-11-29");
    cr_assert_str_eq (s_status (r, "S1", "3.2d"), "not_applicable");   //  inside the term: pending
    json_decref (r);
    r = t_annual ("2025-11-30");
    cr_assert_str_eq (s_status (r, "S1", "3.2d"), "unmet");            //  the term's last day: judged
    json_decref (r);
    r = t_annual (NULL);
    cr_assert_str_eq (s_status (r, "S1", "3.2d"), "unmet");
    cr_assert_str_eq (s_status (r, "S1", "3.2e"), "warning");
    json_decref (r);
    t_put ("H001", "{\"kind\":\"secondment_training\",\"date\":\"2025-11-30\",\"secondment\":\"GZ1\",\"person\":\"S1\"}");
    t_put ("H001", "{\"kind\":\"secondment_liaison\",\"date\":\"2025-06-01\",\"secondment\":\"GZ1\",\"person\":\"S1\"}");
    r = t_annual (NULL);
    cr_assert_str_eq (s_status (r, "S1", "3.2d"), "met");
    cr_assert_str_eq (s_status (r, "S1", "3.2e"), "met");
    json_decref (r);
}

//  3.2d for a term ending 31 December: judged by that year's year-end report (as of 31 Dec), pending
//  before; training on the last day counts.
Test (eval_v2, c3_2d_a_term_ending_31_december_is_judged_at_that_year_end)
{
    t_person ("H001", "S1", "丁", NULL, "[{\"role\":\"seconded\",\"from\":\"2025-01-01\",\"category\":\"reserve\"}]");
    t_person ("H001", "S2", "戊", NULL, "[{\"role\":\"seconded\",\"from\":\"2025-01-01\",\"category\":\"reserve\"}]");
    const char *term = "{\"kind\":\"secondment\",\"ref\":\"%s\",\"date\":\"2025-01-01\",\"person\":\"%s\","
                       "\"category\":\"reserve\",\"host\":\"甲社区\",\"from\":\"2025-01-01\",\"to\":\"2025-12-31\","
                       "\"mentor\":\"导师\"}";
    t_put ("H001", term, "GZ1", "S1");
    t_put ("H001", term, "GZ2", "S2");
    t_put ("H001", "{\"kind\":\"secondment_training\",\"date\":\"2025-12-31\",\"secondment\":\"GZ1\",\"person\":\"S1\"}");
    json_t *r = t_annual ("2025-12-30");
    cr_assert_str_eq (s_status (r, "S2", "3.2d"), "not_applicable");   //  inside the term
    json_decref (r);
    r = t_annual (NULL);                                               //  the year-end report
    cr_assert_str_eq (s_status (r, "S1", "3.2d"), "met");
    cr_assert_str_eq (s_status (r, "S2", "3.2d"), "unmet");
    json_decref (r);
}

Test (eval_v2, c8_1c_a_studio_only_where_there_are_representatives)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    json_t *r = t_annual (NULL);
    cr_assert_str_eq (s_status (r, NULL, "8.1c"), "not_applicable");
    json_decref (r);
    t_person ("H001", "R1", "代表", NULL, "[{\"role\":\"rep_unit\",\"from\":\"2020-01-01\"}]");
    t_expect (NULL, "8.1c", "unmet", 0, 1);
    t_put ("H001", "{\"kind\":\"rep_studio\",\"date\":\"2024-01-01\",\"studio\":\"ST1\",\"reception_schedule\":\"每月5日\","
           "\"from\":\"2024-01-01\",\"to\":\"2024-12-31\"}");
    t_expect (NULL, "8.1c", "unmet", 0, 1);                          //  ended before the year
    t_put ("H001", "{\"kind\":\"rep_studio\",\"date\":\"2024-01-01\",\"studio\":\"ST2\",\"reception_schedule\":\"每月5日\","
           "\"from\":\"2024-01-01\"}");
    t_expect (NULL, "8.1c", "met", 1, 1);
}

Test (eval_v2, v12_an_exemption_turns_the_verdict_into_exempted_with_its_reason)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_person ("H001", "P2", "乙", NULL, T_MAIN);
    t_put ("H001", "{\"kind\":\"exemption\",\"date\":\"2025-02-01\",\"rule\":\"4.1c\",\"person\":\"P1\",\"from\":\"2025-01-01\","
           "\"to\":\"2025-12-31\",\"reason\":\"援疆一年\",\"approved_by\":\"局党委\"}");
    json_t *r = t_annual (NULL);
    json_t *e = t_entry (r, "P1", "4.1c");
    cr_assert_str_eq (json_string_value (json_object_get (e, "status")), "exempted");
    cr_assert_str_eq (json_string_value (json_object_get (e, "reason")), "援疆一年");
    cr_assert_str_eq (s_status (r, "P2", "4.1c"), "unmet");          //  only the person named
    json_decref (r);
    //  Not yet recorded as of 31 January: the verdict stands.
    r = t_annual ("2025-01-31");
    cr_assert_str_neq (s_status (r, "P1", "4.1c"), "exempted");
    json_decref (r);
}

Test (eval_v2, v3_a_change_on_10_july_leaves_july_judged_under_4_1a)
{
    t_person ("H001", "P1", "甲", NULL, "[{\"role\":\"leader\",\"from\":\"2020-01-01\",\"to\":\"2025-07-09\"},"
              "{\"role\":\"main_leader\",\"from\":\"2025-07-10\"}]");
    t_receptions ("P1", 1, 6, true, NULL);
    t_receptions ("P1", 8, 12, false, NULL);
    json_t *r = t_annual (NULL);
    json_t *e = t_entry (r, "P1", "4.1a");
    cr_assert_str_eq (json_string_value (json_object_get (e, "status")), "unmet");
    cr_assert_str_eq (json_string_value (json_array_get (json_object_get (e, "missed"), 0)), "2025-07");
    json_decref (r);
    t_reception ("P1", "2025-07-20", "fixed_point", "2025-07-01");   //  as main leader: counts for July
    r = t_annual (NULL);
    cr_assert_str_eq (s_status (r, "P1", "4.1a"), "met");
    cr_assert_eq (t_int (t_entry (r, "P1", "4.1a"), "required"), 6);  //  July to December
    json_decref (r);
}

Test (eval_v2, v4_a_member_joining_in_july_is_owed_one_talk)
{
    t_person ("H001", "S1", "书记", "B01", "[{\"role\":\"org_head\",\"from\":\"2020-01-01\"}]");
    t_person ("H001", "M1", "新党员", "B01", "[{\"role\":\"party_member\",\"from\":\"2025-07-01\"}]");
    t_expect ("S1", "5.1b", "unmet", 0, 1);
    t_talk ("S1", "2025-09-01", "M1", "party_member", "in_person");
    t_expect ("S1", "5.1b", "met", 1, 1);
}

Test (eval_v2, v13_three_complaints_about_a_cadre_put_them_on_the_watch_list)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    for (int i = 1; i <= 3; i++)
        t_put ("H001", "{\"kind\":\"%s\",\"date\":\"2025-0%d-01\",\"%s\":\"K%d\",\"channel\":\"%s\",%s\"about\":\"P1\"}",
               i < 3 ? "opinion" : "appeal", i + 1, i < 3 ? "opinion" : "appeal", i,
               i < 3 ? "hotline" : "letter", i < 3 ? "\"topic\":\"s\"," : "\"person\":\"P1\",\"answered\":\"2025-04-02\",");
    ml_report_ctx_t ctx = t_ctx ();
    char err[256];
    json_t *w = ml_report_watchlist (&ctx, 2025, ML_NODAY, err, sizeof err);
    cr_assert (w, "%s", err);
    json_t *row = t_find (json_object_get (w, "rows"), "rule", "S.3");
    cr_assert (row, "no S.3 row");
    cr_assert_str_eq (json_string_value (json_object_get (row, "person")), "P1");
    cr_assert_eq (t_int (row, "actual"), 3);
    cr_assert_eq (t_int (row, "required"), 3);
    json_decref (w);
    w = ml_report_watchlist (&ctx, 2025, t_day ("2025-03-15"), err, sizeof err);
    cr_assert_null (t_find (json_object_get (w, "rows"), "rule", "S.3"));   //  two so far
    json_decref (w);
}
