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
