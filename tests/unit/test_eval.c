/* test_eval.c -- rule evaluation (ml_eval): each rule of rules.md met, unmet or not yet due,
   pro-rated to the as-of day and to a role taken mid-year, read from the counters and rosters
   of an in-memory store. Rules judged on case lifecycles are in test_cases.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_eval.h"
#include "ml_test_engine.h"

TestSuite (eval, .init = t_engine_setup, .fini = t_engine_teardown);

//  ---------------------------------------------------------------------------
//  1. Field research

Test (eval, r1_3b_sixty_research_days_meet_fifty_nine_do_not)
{
    t_person ("H001", "P1", "王书记", NULL, T_MAIN);
    t_person ("H001", "P2", "赵院长", NULL, T_MAIN);
    t_trip ("P1", "2025-03-01", "2025-03-31", false);             //  31 days
    t_trip ("P1", "2025-06-01", "2025-06-29", false);             //  29 days
    t_trip ("P2", "2025-03-01", "2025-03-31", false);
    t_trip ("P2", "2025-06-01", "2025-06-28", false);             //  28 days
    json_t *report = t_annual (NULL);
    t_expect_in (report, "P1", "1.3b", "met", 60, 60);
    t_expect_in (report, "P2", "1.3b", "unmet", 59, 60);
    json_t *p1 = t_find (json_object_get (report, "persons"), "person", "P1");
    cr_assert_eq (t_int (json_object_get (p1, "metrics"), "research_days"), 60);
    json_decref (report);
}

Test (eval, r1_3b_a_trip_over_new_year_counts_its_days_in_each_year)
{
    t_person ("H001", "P1", "王书记", NULL, T_MAIN);
    t_trip ("P1", "2025-12-02", "2026-01-10", false);            //  30 days in 2025
    t_expect ("P1", "1.3b", "unmet", 30, 60);
}

Test (eval, r1_3c_stationed_five_days_meet_four_do_not_eight_still_meet)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_person ("H001", "P2", "乙", NULL, T_MAIN);
    t_person ("H001", "P3", "丙", NULL, T_MAIN);
    t_trip ("P1", "2025-04-07", "2025-04-11", true);
    t_trip ("P2", "2025-04-07", "2025-04-10", true);
    t_trip ("P2", "2025-05-07", "2025-05-20", false);            //  not stationed: not counted
    t_trip ("P3", "2025-04-07", "2025-04-14", true);
    json_t *report = t_annual (NULL);
    t_expect_in (report, "P1", "1.3c", "met", 5, 5);
    t_expect_in (report, "P2", "1.3c", "unmet", 4, 5);
    t_expect_in (report, "P3", "1.3c", "met", 8, 5);
    cr_assert_eq (t_int (t_entry (report, "P3", "1.3c"), "max"), 7);
    json_decref (report);
}

Test (eval, r1_3f_leader_thirty_days_and_the_july_starter_owes_half)
{
    t_person ("H001", "L1", "李副院长", NULL, T_LEADER);
    t_person ("H001", "L2", "周副院长", NULL, T_LEADER);
    t_person ("H001", "L3", "新副院长", NULL, T_LEADER_JULY);
    t_person ("H001", "L4", "新副书记", NULL, T_LEADER_JULY);
    t_trip ("L1", "2025-05-01", "2025-05-30", false);
    t_trip ("L2", "2025-05-01", "2025-05-29", false);
    t_trip ("L3", "2025-09-01", "2025-09-15", false);
    t_trip ("L4", "2025-09-01", "2025-09-14", false);
    json_t *report = t_annual (NULL);
    t_expect_in (report, "L1", "1.3f", "met", 30, 30);
    t_expect_in (report, "L2", "1.3f", "unmet", 29, 30);
    t_expect_in (report, "L3", "1.3f", "met", 15, 15);
    t_expect_in (report, "L4", "1.3f", "unmet", 14, 15);
    //  1.3b is the main leader's: not listed for a leader.
    cr_assert_null (t_entry (report, "L1", "1.3b"));
    json_decref (report);
}

Test (eval, r1_3a_plan_by_end_of_q1_and_by_the_third_month_for_a_late_starter)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_person ("H001", "P2", "乙", NULL, T_LEADER);
    t_person ("H001", "L3", "丙", NULL, T_LEADER_JULY);
    t_put ("H001", "{\"kind\":\"research_plan\",\"date\":\"2025-03-31\",\"person\":\"P1\"}");
    t_put ("H001", "{\"kind\":\"research_plan\",\"date\":\"2025-04-01\",\"person\":\"P2\"}");
    t_put ("H001", "{\"kind\":\"research_plan\",\"date\":\"2025-08-20\",\"person\":\"L3\"}");
    json_t *report = t_annual (NULL);
    t_expect_in (report, "P1", "1.3a", "met", 1, 1);
    t_expect_in (report, "P2", "1.3a", "unmet", 0, 1);
    t_expect_in (report, "L3", "1.3a", "met", 1, 1);
    json_decref (report);
    //  Before the end of Q1 a missing plan is not due yet.
    report = t_annual ("2025-03-15");
    t_expect_in (report, "P2", "1.3a", "not_applicable", 0, 1);
    json_decref (report);
}

Test (eval, r1_3d_r1_3e_report_and_work_item)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_person ("H001", "P2", "乙", NULL, T_MAIN);
    t_person ("H001", "L1", "丙", NULL, T_LEADER);
    t_put ("H001", "{\"kind\":\"research_report\",\"date\":\"2025-10-01\",\"person\":\"P1\",\"title\":\"基层医疗调研\"}");
    t_put ("H001", "{\"kind\":\"work_item\",\"date\":\"2025-10-01\",\"person\":\"P1\",\"title\":\"家庭医生签约\"}");
    t_put ("H001", "{\"kind\":\"research_report\",\"date\":\"2025-10-01\",\"person\":\"L1\",\"title\":\"x\"}");
    json_t *report = t_annual (NULL);
    t_expect_in (report, "P1", "1.3d", "met", 1, 1);
    t_expect_in (report, "P1", "1.3e", "met", 1, 1);
    t_expect_in (report, "P2", "1.3d", "unmet", 0, 1);
    t_expect_in (report, "P2", "1.3e", "unmet", 0, 1);
    t_expect_in (report, "L1", "1.3d", "met", 1, 1);
    cr_assert_null (t_entry (report, "L1", "1.3e"));
    json_decref (report);
}

Test (eval, r1_3g_results_exchange_is_a_unit_rule)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);            //  V5: a unit with a roster is judged
    t_expect (NULL, "1.3g", "unmet", 0, 1);
    t_put ("H001", "{\"kind\":\"results_exchange\",\"date\":\"2025-12-01\"}");
    t_expect (NULL, "1.3g", "met", 1, 1);
}

Test (eval, r1_2_unannounced_trips_are_counted_never_unmet)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_expect ("P1", "1.2", "met", 0, 0);
    t_put ("H001", "{\"kind\":\"research_trip\",\"date\":\"2025-04-01\",\"person\":\"P1\","
           "\"end\":\"2025-04-01\",\"unannounced\":true}");
    json_t *report = t_annual (NULL);
    t_expect_in (report, "P1", "1.2", "met", 1, 0);
    cr_assert_str_eq (json_string_value (json_object_get (t_entry (report, "P1", "1.2"), "severity")),
                      "info");
    json_decref (report);
}

//  ---------------------------------------------------------------------------
//  2. Contact points

Test (eval, r2_1a_r2_1b_assignments_valid_during_the_year)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_person ("H001", "L1", "乙", NULL, T_LEADER);
    //  Assigned in 2024 without an end: still valid in 2025.
    t_put ("H001", "{\"kind\":\"contact_point\",\"date\":\"2024-02-01\",\"person\":\"P1\",\"point\":\"CHC-01\"}");
    t_put ("H001", "{\"kind\":\"paired_family\",\"date\":\"2024-02-01\",\"person\":\"P1\",\"family\":\"F-01\"}");
    //  Ended before 2025: does not count.
    t_put ("H001", "{\"kind\":\"contact_point\",\"date\":\"2024-02-01\",\"person\":\"L1\",\"point\":\"CHC-02\","
           "\"to\":\"2024-12-31\"}");
    json_t *report = t_annual (NULL);
    t_expect_in (report, "P1", "2.1a", "met", 1, 1);
    t_expect_in (report, "P1", "2.1b", "met", 1, 1);
    t_expect_in (report, "L1", "2.1a", "unmet", 0, 1);
    t_expect_in (report, "L1", "2.1b", "unmet", 0, 1);
    json_decref (report);
}

Test (eval, r2_1c_a_contact_point_shared_by_two_cadres_is_a_warning)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_person ("H001", "L1", "乙", NULL, T_LEADER);
    t_put ("H001", "{\"kind\":\"contact_point\",\"date\":\"2025-02-01\",\"person\":\"P1\",\"point\":\"CHC-01\"}");
    t_put ("H001", "{\"kind\":\"contact_point\",\"date\":\"2025-02-01\",\"person\":\"L1\",\"point\":\"CHC-02\"}");
    t_expect (NULL, "2.1c", "met", 0, 0);
    t_put ("H001", "{\"kind\":\"paired_family\",\"date\":\"2025-02-01\",\"person\":\"L1\",\"family\":\"F-01\"}");
    t_put ("H001", "{\"kind\":\"contact_point\",\"date\":\"2025-03-01\",\"person\":\"L1\",\"point\":\"CHC-01\"}");
    json_t *report = t_annual (NULL);
    t_expect_in (report, NULL, "2.1c", "warning", 1, 0);
    json_t *summary = json_object_get (report, "summary");
    cr_assert_eq (t_int (summary, "warnings"), 1);
    json_decref (report);
}

Test (eval, r2_3a_r2_3b_visits_and_deeds)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_person ("H001", "L1", "乙", NULL, T_LEADER);
    t_put ("H001", "{\"kind\":\"contact_point\",\"date\":\"2025-01-01\",\"person\":\"P1\",\"point\":\"CHC-01\"}");
    t_put ("H001", "{\"kind\":\"contact_point\",\"date\":\"2025-01-01\",\"person\":\"L1\",\"point\":\"CHC-02\"}");
    for (int i = 1; i <= 2; i++)
        t_put ("H001", "{\"kind\":\"contact_visit\",\"date\":\"2025-0%d-10\",\"person\":\"P1\",\"point\":\"CHC-01\"}", i);
    t_put ("H001", "{\"kind\":\"contact_visit\",\"date\":\"2025-05-10\",\"person\":\"L1\",\"point\":\"CHC-02\"}");
    //  V9: a visit to someone else's point does not count for 2.3a.
    t_put ("H001", "{\"kind\":\"contact_visit\",\"date\":\"2025-06-10\",\"person\":\"L1\",\"point\":\"CHC-01\"}");
    //  V9: a deed counts for 2.3b when its beneficiary is the cadre's own point or family.
    t_put ("H001", "{\"kind\":\"paired_family\",\"date\":\"2025-01-01\",\"person\":\"P1\",\"family\":\"F-01\"}");
    t_put ("H001", "{\"kind\":\"practical_deed\",\"date\":\"2025-05-10\",\"person\":\"P1\","
           "\"beneficiary\":\"F-01\",\"title\":\"协调就医\"}");
    t_put ("H001", "{\"kind\":\"practical_deed\",\"date\":\"2025-05-11\",\"person\":\"L1\","
           "\"beneficiary\":\"F-01\",\"title\":\"协调就医\"}");
    json_t *report = t_annual (NULL);
    t_expect_in (report, "P1", "2.3a", "met", 2, 2);
    t_expect_in (report, "L1", "2.3a", "unmet", 1, 2);
    t_expect_in (report, "P1", "2.3b", "met", 1, 1);
    t_expect_in (report, "L1", "2.3b", "unmet", 0, 1);
    json_decref (report);
}

//  ---------------------------------------------------------------------------
//  3. Secondments

static void
s_seconded (const char *id, const char *category, const char *from, const char *to,
            const char *mentor)
{
    char roles[256];
    snprintf (roles, sizeof roles, "[{\"role\":\"seconded\",\"from\":\"%s\",\"to\":\"%s\","
              "\"category\":\"%s\"}]", from, to, category);
    t_person ("H001", id, id, NULL, roles);
    if (mentor)
        t_put ("H001", "{\"kind\":\"secondment\",\"date\":\"%s\",\"person\":\"%s\",\"category\":\"%s\","
               "\"host\":\"丹徒区卫生院\",\"from\":\"%s\",\"to\":\"%s\",\"mentor\":\"%s\"}",
               from, id, category, from, to, mentor);
    else
        t_put ("H001", "{\"kind\":\"secondment\",\"date\":\"%s\",\"person\":\"%s\",\"category\":\"%s\","
               "\"host\":\"丹徒区卫生院\",\"from\":\"%s\",\"to\":\"%s\"}", from, id, category, from, to);
}

Test (eval, r3_1a_reserve_six_months_is_too_short_eighteen_is_fine)
{
    s_seconded ("S1", "reserve", "2025-01-01", "2025-06-30", "P1");
    s_seconded ("S2", "reserve", "2024-07-01", "2025-12-31", "P1");
    s_seconded ("S3", "reserve", "2023-01-01", "2025-12-31", "P1");
    json_t *report = t_annual (NULL);
    t_expect_in (report, "S1", "3.1a", "unmet", 6, 12);
    t_expect_in (report, "S2", "3.1a", "met", 18, 12);
    t_expect_in (report, "S3", "3.1a", "unmet", 36, 12);      //  over the 2-year maximum
    cr_assert_eq (t_int (t_entry (report, "S2", "3.1a"), "max"), 24);
    cr_assert_null (t_entry (report, "S1", "3.1b"));          //  another category's rule
    json_decref (report);
}

Test (eval, r3_1b_new_recruit_at_least_a_year)
{
    s_seconded ("S1", "new_recruit", "2025-01-01", "2025-12-31", "P1");
    s_seconded ("S2", "new_recruit", "2025-01-02", "2025-12-31", "P1");
    json_t *report = t_annual (NULL);
    t_expect_in (report, "S1", "3.1b", "met", 12, 12);
    t_expect_in (report, "S2", "3.1b", "unmet", 11, 12);
    cr_assert_null (t_entry (report, "S1", "3.1a"));
    json_decref (report);
}

Test (eval, r3_2a_a_missing_mentor_is_unmet)
{
    s_seconded ("S1", "reserve", "2025-01-01", "2025-12-31", "P1");
    s_seconded ("S2", "reserve", "2025-01-01", "2025-12-31", NULL);
    json_t *report = t_annual (NULL);
    t_expect_in (report, "S1", "3.2a", "met", 1, 1);
    t_expect_in (report, "S2", "3.2a", "unmet", 0, 1);
    t_expect_in (report, "S2", "3.2c", "met", 1, 0);          //  informational
    json_decref (report);
}

Test (eval, r3_2b_review_within_thirty_days_of_term_end)
{
    s_seconded ("S1", "reserve", "2024-06-01", "2025-05-31", "P1");
    s_seconded ("S2", "reserve", "2024-06-01", "2025-05-31", "P1");
    s_seconded ("S3", "reserve", "2024-06-01", "2025-05-31", "P1");
    t_put ("H001", "{\"kind\":\"secondment_review\",\"date\":\"2025-06-30\",\"person\":\"S1\"}");
    t_put ("H001", "{\"kind\":\"secondment_review\",\"date\":\"2025-07-01\",\"person\":\"S2\"}");
    json_t *report = t_annual (NULL);
    t_expect_in (report, "S1", "3.2b", "met", 30, 0);
    t_expect_in (report, "S2", "3.2b", "unmet", 31, 0);
    t_expect_in (report, "S3", "3.2b", "unmet", 214, 0);      //  never reviewed, by 31 Dec
    json_decref (report);
    //  Within the 30 days an absent review is not due yet.
    report = t_annual ("2025-06-20");
    t_expect_in (report, "S3", "3.2b", "not_applicable", -1, -1);
    json_decref (report);
}

//  ---------------------------------------------------------------------------
//  4. Reception (petition cases: test_cases.c)

Test (eval, r4_1a_main_leader_who_misses_march)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_person ("H001", "P2", "乙", NULL, T_MAIN);
    t_receptions ("P1", 1, 12, false, NULL);
    t_receptions ("P2", 1, 12, false, "2025-03");
    json_t *report = t_annual (NULL);
    t_expect_in (report, "P1", "4.1a", "met", 12, 12);
    t_expect_in (report, "P2", "4.1a", "unmet", 11, 12);
    json_t *missed = json_object_get (t_entry (report, "P2", "4.1a"), "missed");
    cr_assert_eq (json_array_size (missed), 1);
    cr_assert_str_eq (json_string_value (json_array_get (missed, 0)), "2025-03");
    cr_assert_null (json_object_get (t_entry (report, "P1", "4.1a"), "missed"));
    json_t *p2 = t_find (json_object_get (report, "persons"), "person", "P2");
    cr_assert_eq (t_int (json_object_get (p2, "metrics"), "reception_months"), 11);
    cr_assert_eq (t_int (json_object_get (p2, "metrics"), "reception_half_months"), 11);
    json_decref (report);
}

Test (eval, r4_1b_leader_who_misses_one_half_month)
{
    t_person ("H001", "L1", "甲", NULL, T_LEADER);
    t_person ("H001", "L2", "乙", NULL, T_LEADER);
    t_receptions ("L1", 1, 12, true, NULL);
    t_receptions ("L2", 1, 12, true, "2025-05-b");
    json_t *report = t_annual (NULL);
    t_expect_in (report, "L1", "4.1b", "met", 24, 24);
    t_expect_in (report, "L2", "4.1b", "unmet", 23, 24);
    json_t *missed = json_object_get (t_entry (report, "L2", "4.1b"), "missed");
    cr_assert_eq (json_array_size (missed), 1);
    cr_assert_str_eq (json_string_value (json_array_get (missed, 0)), "2025-05-b");
    json_decref (report);
}

Test (eval, r4_1b_a_july_starter_owes_only_july_to_december)
{
    t_person ("H001", "L3", "新副院长", NULL, T_LEADER_JULY);
    t_person ("H001", "L4", "新副书记", NULL,
              "[{\"role\":\"leader\",\"from\":\"2025-07-10\"}]");
    t_receptions ("L3", 7, 12, true, NULL);
    t_receptions ("L4", 7, 12, true, NULL);
    json_t *report = t_annual (NULL);
    t_expect_in (report, "L3", "4.1b", "met", 12, 12);
    //  Taking the role on 10 July: 1-15 July is not fully in role.
    t_expect_in (report, "L4", "4.1b", "met", 11, 11);
    json_decref (report);
}

Test (eval, r4_1c_case_visits_and_key_appointments_four_a_year)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_person ("H001", "L1", "乙", NULL, T_LEADER);
    for (int m = 1; m <= 3; m++) {
        t_reception ("P1", m == 1 ? "2025-01-05" : m == 2 ? "2025-02-05" : "2025-03-05",
                     "visit_with_case", "2025-01-01");
        t_reception ("L1", m == 1 ? "2025-01-05" : m == 2 ? "2025-02-05" : "2025-03-05",
                     "key_appointment", "2025-01-01");
    }
    t_reception ("P1", "2025-04-05", "key_appointment", "2025-04-01");
    t_reception ("L1", "2025-04-05", "open", "2025-04-01");
    json_t *report = t_annual (NULL);
    t_expect_in (report, "P1", "4.1c", "met", 4, 4);
    t_expect_in (report, "L1", "4.1c", "unmet", 3, 4);
    t_expect_in (report, "L1", "4.2b", "met", 4, 0);          //  informational: days counted
    json_decref (report);
}

Test (eval, r4_2a_every_reception_day_announced_before_the_day)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_person ("H001", "P2", "乙", NULL, T_MAIN);
    t_person ("H001", "P3", "丙", NULL, T_MAIN);
    t_reception ("P1", "2025-02-10", "open", "2025-02-01");
    t_reception ("P1", "2025-03-10", "open", "2025-03-09");
    t_reception ("P2", "2025-02-10", "open", "2025-02-01");
    t_reception ("P2", "2025-03-10", "open", "2025-03-10");     //  the same day: not in advance
    t_reception ("P2", "2025-04-10", "thematic", NULL);
    json_t *report = t_annual (NULL);
    t_expect_in (report, "P1", "4.2a", "met", 2, 2);
    t_expect_in (report, "P2", "4.2a", "unmet", 1, 3);
    t_expect_in (report, "P3", "4.2a", "not_applicable", 0, 0);
    json_decref (report);
}

//  ---------------------------------------------------------------------------
//  5. Talks

Test (eval, r5_1a_two_talks_with_departments_contact_point_or_masses)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_person ("H001", "L1", "乙", NULL, T_LEADER);
    t_talk ("P1", "2025-03-01", "D1", "department", "in_person");
    t_talk ("P1", "2025-06-01", "群众代表", "masses", "in_person");
    t_talk ("L1", "2025-03-01", "D1", "department", "in_person");
    t_talk ("L1", "2025-06-01", "P1", "team_member", "in_person");   //  not this rule's kind
    json_t *report = t_annual (NULL);
    t_expect_in (report, "P1", "5.1a", "met", 2, 2);
    t_expect_in (report, "L1", "5.1a", "unmet", 1, 2);
    json_decref (report);
}

Test (eval, r5_1b_a_branch_where_one_member_got_only_one_talk)
{
    t_put ("H001", "{\"kind\":\"org\",\"org\":\"B1\",\"name\":\"内科党支部\",\"head\":\"S1\"}");
    t_person ("H001", "S1", "支部书记", "B1", "[{\"role\":\"org_head\",\"from\":\"2020-01-01\"},"
              "{\"role\":\"party_member\",\"from\":\"2020-01-01\"}]");
    const char *members[] = { "M1", "M2", "M3" };
    for (int i = 0; i < 3; i++)
        t_person ("H001", members[i], members[i], "B1",
                  "[{\"role\":\"party_member\",\"from\":\"2020-01-01\"}]");
    //  Someone of another branch does not count.
    t_person ("H001", "M9", "外科党员", "B2", "[{\"role\":\"party_member\",\"from\":\"2020-01-01\"}]");
    for (int i = 0; i < 3; i++) {
        t_talk ("S1", "2025-03-01", members[i], "party_member", "in_person");
        t_talk ("S1", "2025-09-01", members[i], "party_member", i == 2 ? "phone" : "in_person");
    }
    t_expect ("S1", "5.1b", "met", 3, 3);
    //  Void M2's second talk: M2 has one talk left.
    const char *talk = NULL;
    for (size_t i = 0; i < t_stored_count (); i++) {
        const Massline__Event *stored = t_stored_event (i);
        if (stored->body_case == MASSLINE__EVENT__BODY_TALK && !strcmp (stored->talk->with, "M2")
            && !strcmp (stored->talk->date, "2025-09-01"))
            talk = t_stored_ref (i);
    }
    cr_assert (talk);
    t_put ("H001", "{\"kind\":\"void\",\"supersedes\":\"%s\",\"reason\":\"录入错误\"}", talk);
    json_t *report = t_annual (NULL);
    t_expect_in (report, "S1", "5.1b", "unmet", 2, 3);
    t_expect_in (report, "S1", "5.3", "met", 1, 0);           //  the phone talk, counted
    json_decref (report);
}

Test (eval, r5_1b_the_head_may_be_given_by_role_and_branch_alone)
{
    t_person ("H001", "S1", "支部书记", "B1", "[{\"role\":\"org_head\",\"from\":\"2020-01-01\"}]");
    t_person ("H001", "M1", "党员", "B1", "[{\"role\":\"party_member\",\"from\":\"2020-01-01\"}]");
    t_talk ("S1", "2025-03-01", "M1", "party_member", "home_visit");
    t_expect ("S1", "5.1b", "unmet", 0, 1);
    t_talk ("S1", "2025-04-01", "M1", "party_member", "in_person");
    t_expect ("S1", "5.1b", "met", 1, 1);
}

//  ---------------------------------------------------------------------------
//  6. Opinions (opinion cases: test_cases.c)

Test (eval, r6_2b_a_mailbox_recorded_earlier_still_stands)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_expect ("P1", "6.2b", "unmet", 0, 1);
    //  A mailbox naming no one (v1) counts for every principal leader (P4).
    t_put ("H001", "{\"kind\":\"mailbox\",\"date\":\"2024-06-01\",\"channel\":\"院长信箱\"}");
    t_expect ("P1", "6.2b", "met", 1, 1);
}

Test (eval, r6_2b_each_principal_leader_needs_a_mailbox_of_their_own)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_person ("H001", "P2", "乙", NULL, T_MAIN);
    t_put ("H001", "{\"kind\":\"mailbox\",\"date\":\"2024-06-01\",\"channel\":\"书记信箱\",\"person\":\"P1\"}");
    t_expect ("P1", "6.2b", "met", 1, 1);
    t_expect ("P2", "6.2b", "unmet", 0, 1);
}

//  ---------------------------------------------------------------------------
//  7. Commitments (their lifecycle: test_cases.c)

Test (eval, r7_1a_annual_commitment_made_after_q1_is_unmet)
{
    t_person ("H001", "M1", "党员甲", "B1", "[{\"role\":\"party_member\",\"from\":\"2020-01-01\"}]");
    t_person ("H001", "M2", "党员乙", "B1", "[{\"role\":\"party_member\",\"from\":\"2020-01-01\"}]");
    t_commitment ("K1", "2025-02-10", "M1", "annual", NULL, true);
    t_commitment ("K2", "2025-04-02", "M2", "annual", NULL, true);
    t_commitment ("K3", "2025-05-01", "M2", "instant", "2025-05-31", true);
    json_t *report = t_annual (NULL);
    t_expect_in (report, "M1", "7.1a", "met", 1, 1);
    t_expect_in (report, "M2", "7.1a", "unmet", 0, 1);
    //  The branch B1 made none: the organisation part of 7.1a.
    t_expect_in (report, NULL, "7.1a", "unmet", 0, 1);
    t_expect_in (report, NULL, "7.1b", "met", 1, 0);
    json_decref (report);
    t_commitment ("K4", "2025-01-20", "B1", "annual", NULL, true);
    t_expect (NULL, "7.1a", "met", 1, 1);
}

//  ---------------------------------------------------------------------------
//  8. Representatives

static void
s_activities (const char *person, const char *activity, int n)
{
    for (int i = 1; i <= n; i++)
        t_put ("H001", "{\"kind\":\"rep_activity\",\"date\":\"2025-%02d-12\",\"person\":\"%s\","
               "\"activity\":\"%s\"}", i, person, activity);
}

Test (eval, r8_1a_r8_1b_studio_activities_of_city_and_unit_representatives)
{
    t_person ("H001", "R1", "市代表甲", NULL, "[{\"role\":\"rep_city\",\"from\":\"2021-09-01\"}]");
    t_person ("H001", "R2", "市代表乙", NULL, "[{\"role\":\"rep_city\",\"from\":\"2021-09-01\"}]");
    t_person ("H001", "R3", "院代表甲", NULL, "[{\"role\":\"rep_unit\",\"from\":\"2021-09-01\"}]");
    t_person ("H001", "R4", "院代表乙", NULL, "[{\"role\":\"rep_unit\",\"from\":\"2021-09-01\"}]");
    s_activities ("R1", "studio_reception", 2);
    s_activities ("R1", "advice", 2);
    s_activities ("R2", "service", 3);
    s_activities ("R2", "inspection", 1);                      //  not a studio activity
    s_activities ("R3", "exchange", 6);
    s_activities ("R4", "exchange", 5);
    json_t *report = t_annual (NULL);
    t_expect_in (report, "R1", "8.1a", "met", 4, 4);
    t_expect_in (report, "R2", "8.1a", "unmet", 3, 4);
    t_expect_in (report, "R3", "8.1b", "met", 6, 6);
    t_expect_in (report, "R4", "8.1b", "unmet", 5, 6);
    t_expect_in (report, "R2", "8.2a", "met", 1, 1);
    t_expect_in (report, "R1", "8.2a", "unmet", 0, 1);
    cr_assert_null (t_entry (report, "R1", "8.1b"));
    json_decref (report);
}

Test (eval, r8_2b_r8_2c_counted_over_the_term_judged_at_its_end)
{
    t_person ("H001", "R1", "甲", NULL, "[{\"role\":\"rep_city\",\"from\":\"2021-07-01\","
              "\"term_from\":\"2021-07-01\",\"term_to\":\"2026-06-30\",\"frontline\":true}]");
    t_person ("H001", "R2", "乙", NULL, "[{\"role\":\"rep_unit\",\"from\":\"2020-07-01\","
              "\"term_from\":\"2020-07-01\",\"term_to\":\"2025-06-30\",\"frontline\":true}]");
    t_person ("H001", "R3", "丙", NULL, "[{\"role\":\"rep_unit\",\"from\":\"2020-07-01\","
              "\"term_from\":\"2020-07-01\",\"term_to\":\"2025-06-30\"}]");
    t_person ("H001", "R4", "丁", NULL, "[{\"role\":\"rep_city\",\"from\":\"2020-07-01\","
              "\"term_from\":\"2020-07-01\",\"term_to\":\"2025-06-30\",\"frontline\":true}]");
    t_put ("H001", "{\"kind\":\"rep_activity\",\"date\":\"2025-07-06\",\"person\":\"R4\",\"activity\":\"proposal\"}");
    //  R1 attended a committee meeting in 2023: found in an earlier year's counters.
    t_put ("H001", "{\"kind\":\"rep_activity\",\"date\":\"2023-05-06\",\"person\":\"R1\",\"activity\":\"committee_meeting\"}");
    t_put ("H001", "{\"kind\":\"rep_activity\",\"date\":\"2022-05-06\",\"person\":\"R2\",\"activity\":\"proposal\"}");
    json_t *report = t_annual (NULL);
    t_expect_in (report, "R1", "8.2b", "met", 1, 1);
    t_expect_in (report, "R1", "8.2c", "not_applicable", 0, 1);   //  term runs to 2026
    t_expect_in (report, "R2", "8.2b", "unmet", 0, 1);            //  term ended without one
    t_expect_in (report, "R2", "8.2c", "met", 1, 1);
    cr_assert_null (t_entry (report, "R3", "8.2c"));              //  not front-line
    t_expect_in (report, "R4", "8.2c", "unmet", 0, 1);            //  proposed after the term
    json_decref (report);
}

//  A proposal (8.2c) or committee meeting (8.2b) of PERSON on DAY.
static void
s_rep (const char *person, const char *day, const char *activity)
{
    t_put ("H001", "{\"kind\":\"rep_activity\",\"date\":\"%s\",\"person\":\"%s\",\"activity\":\"%s\"}",
           day, person, activity);
}

Test (eval, r8_2_term_counts_every_year_of_the_term_and_only_the_persons_own_counters)
{
    t_person ("H001", "R1", "甲", NULL, "[{\"role\":\"rep_city\",\"from\":\"2021-07-01\","
              "\"term_from\":\"2021-07-01\",\"term_to\":\"2025-06-30\",\"frontline\":true}]");
    //  R10's id starts with R1's; R10's term ended in an earlier year (the role goes on).
    t_person ("H001", "R10", "乙", NULL, "[{\"role\":\"rep_unit\",\"from\":\"2020-01-01\","
              "\"term_from\":\"2020-01-01\",\"term_to\":\"2024-03-31\",\"frontline\":true}]");
    s_rep ("R1", "2020-12-15", "proposal");          //  before the term's year
    s_rep ("R1", "2021-06-30", "proposal");          //  the month before the term
    s_rep ("R1", "2021-07-01", "proposal");          //  counted: the term's first month
    s_rep ("R1", "2023-01-15", "proposal");          //  counted
    s_rep ("R1", "2024-12-31", "proposal");          //  counted
    s_rep ("R1", "2025-06-30", "proposal");          //  counted: the term's last month
    s_rep ("R1", "2025-07-01", "proposal");          //  after the term
    s_rep ("R1", "2022-11-11", "committee_meeting");
    s_rep ("R1", "2024-02-02", "committee_meeting");
    s_rep ("R10", "2020-01-20", "proposal");
    s_rep ("R10", "2022-08-08", "proposal");
    s_rep ("R10", "2023-08-08", "proposal");
    s_rep ("R10", "2024-03-31", "proposal");         //  counted: the term's last month
    s_rep ("R10", "2024-04-01", "proposal");         //  after R10's term
    s_rep ("R10", "2025-02-01", "proposal");         //  after R10's term
    t_put ("H001", "{\"kind\":\"results_exchange\",\"date\":\"2023-03-03\"}");   //  unit level
    json_t *report = t_annual (NULL);
    t_expect_in (report, "R1", "8.2c", "met", 4, 1);
    t_expect_in (report, "R1", "8.2b", "met", 2, 1);
    t_expect_in (report, "R10", "8.2c", "met", 4, 1);
    t_expect_in (report, "R10", "8.2b", "unmet", 0, 1);
    json_decref (report);
    //  The year 2024 evaluated: R1's term runs on, its years up to 2024 are counted.
    ml_report_ctx_t ctx = t_ctx ();
    char err[512] = "";
    report = ml_report_unit_annual (&ctx, "H001", 2024, ML_NODAY, err, sizeof err);
    cr_assert (report, "%s", err);
    t_expect_in (report, "R1", "8.2c", "met", 3, 1);
    t_expect_in (report, "R1", "8.2b", "met", 2, 1);
    t_expect_in (report, "R10", "8.2c", "met", 4, 1);
    json_decref (report);
}

Test (eval, r8_2_terms_that_ended_long_ago_still_read_every_year)
{
    //  Three representatives whose terms together span 2010-2024, besides the year 2025: each
    //  of those sixteen years is read (an earlier engine kept twelve and read 0 after them).
    t_person ("H001", "R1", "甲", NULL, "[{\"role\":\"rep_unit\",\"from\":\"2010-01-01\","
              "\"term_from\":\"2010-01-01\",\"term_to\":\"2014-12-31\"}]");
    t_person ("H001", "R2", "乙", NULL, "[{\"role\":\"rep_unit\",\"from\":\"2015-01-01\","
              "\"term_from\":\"2015-01-01\",\"term_to\":\"2019-12-31\"}]");
    t_person ("H001", "R3", "丙", NULL, "[{\"role\":\"rep_unit\",\"from\":\"2020-01-01\","
              "\"term_from\":\"2020-01-01\",\"term_to\":\"2024-12-31\"}]");
    s_rep ("R1", "2010-01-05", "committee_meeting");
    s_rep ("R2", "2019-12-05", "committee_meeting");
    s_rep ("R3", "2024-12-05", "committee_meeting");
    s_rep ("R3", "2021-12-05", "committee_meeting");
    json_t *report = t_annual (NULL);
    t_expect_in (report, "R1", "8.2b", "met", 1, 1);
    t_expect_in (report, "R2", "8.2b", "met", 1, 1);
    t_expect_in (report, "R3", "8.2b", "met", 2, 1);
    json_decref (report);
}

//  ---------------------------------------------------------------------------
//  Corrections, the as-of day and the period

Test (eval, a_correction_moves_research_days_to_the_right_totals)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_put ("H001", "{\"kind\":\"research_trip\",\"ref\":\"T1\",\"date\":\"2025-03-01\",\"person\":\"P1\","
           "\"end\":\"2025-03-31\",\"stationed\":true}");
    t_trip ("P1", "2025-06-01", "2025-06-29", false);
    t_expect ("P1", "1.3b", "met", 60, 60);
    t_put ("H001", "{\"kind\":\"correction\",\"supersedes\":\"T1\",\"event\":{\"kind\":\"research_trip\","
           "\"ref\":\"T1\",\"date\":\"2025-03-01\",\"person\":\"P1\",\"end\":\"2025-03-30\"}}");
    json_t *report = t_annual (NULL);
    t_expect_in (report, "P1", "1.3b", "unmet", 59, 60);
    t_expect_in (report, "P1", "1.3c", "unmet", 0, 5);
    json_decref (report);
    t_put ("H001", "{\"kind\":\"void\",\"supersedes\":\"T1\",\"reason\":\"重复录入\"}");
    t_expect ("P1", "1.3b", "unmet", 29, 60);
}

Test (eval, a_mid_year_as_of_pro_rates_yearly_quotas_and_checks_elapsed_months)
{
    t_realistic_unit ();
    json_t *r = t_annual ("2025-03-31");
    cr_assert_str_eq (json_string_value (json_object_get (r, "as_of")), "2025-03-31");
    t_expect_in (r, "P1", "1.3b", "met", 31, 15);             //  60 x 3 / 12
    t_expect_in (r, "L1", "1.3f", "unmet", 0, 7);             //  P1: floor (30 x 3 / 12) before year end
    t_expect_in (r, "P1", "4.1a", "met", 3, 3);
    t_expect_in (r, "L1", "4.1b", "met", 6, 6);
    t_expect_in (r, "P1", "1.3d", "not_applicable", 0, 0);    //  V11: a yearly 1 is not due before December
    json_decref (r);
    //  Mid-month: only completed months are owed; V6: only the days up to the as-of day count.
    r = t_annual ("2025-03-20");
    t_expect_in (r, "P1", "1.3b", "met", 20, 10);
    t_expect_in (r, "P1", "4.1a", "met", 2, 2);
    json_decref (r);
}

Test (eval, default_as_of_is_today_or_the_last_day_of_a_past_year)
{
    cr_assert_eq (ml_eval_default_as_of (2025, t_day ("2026-01-15")), t_day ("2025-12-31"));
    cr_assert_eq (ml_eval_default_as_of (2026, t_day ("2026-01-15")), t_day ("2026-01-15"));
    ml_report_ctx_t ctx = t_ctx ();
    char err[256];
    json_t *r = ml_report_unit_annual (&ctx, "H001", 2026, ML_NODAY, err, sizeof err);
    cr_assert (r, "%s", err);
    cr_assert_str_eq (json_string_value (json_object_get (r, "as_of")), "2026-01-15");
    json_decref (r);
}

Test (eval, bulletin_progress_is_pro_rated_to_the_period)
{
    //  10 research days by the end of February meet the two-month share (10) of 60.
    t_weak_unit ();
    ml_report_ctx_t ctx = t_ctx ();
    char err[256];
    ml_unit_eval_t *ue = ml_eval_unit (t_rules (), t_memsource (), "H002", "x", 2025,
                                       t_day ("2025-02-28"), err, sizeof err);
    cr_assert (ue, "%s", err);
    const ml_result_t *res = NULL;
    for (size_t i = 0; i < ue->nresults; i++)
        if (!strcmp (ue->results[i].rule->id, "1.3b"))
            res = &ue->results[i];
    cr_assert (res);
    cr_assert_eq (res->status, ML_STATUS_MET);
    cr_assert_eq (res->required, 10);
    ml_eval_free (&ue);
    json_t *r = ml_report_bulletin (&ctx, "2025-03", err, sizeof err);
    cr_assert (r, "%s", err);
    json_decref (r);
}
