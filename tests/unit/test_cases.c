/* test_cases.c -- case lifecycles (ml_cases): a petition, opinion, commitment or secondment
   folded from its events, packed as the store keeps it; then the rules judged on cases
   (4.3, 6.1, 6.3, 7.2-7.4) through the reports, corrections included. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_cases.h"
#include "ml_err.h"
#include "ml_test_engine.h"

TestSuite (cases, .init = t_engine_setup, .fini = t_engine_teardown);

//  An event from one JSONL line, as the ledger would give it; fails the test when invalid.
static Massline__Event *
s_ev (const char *json)
{
    return t_event (json, ml_date_from_ymd (2030, 1, 1));
}

//  ---------------------------------------------------------------------------
//  A case folded from its events

//  Applies the JSONL lines to a case and returns it.
static ml_case_t
s_case_of (const char *const *lines, size_t n)
{
    ml_case_t c;
    for (size_t i = 0; i < n; i++) {
        Massline__Event *ev = s_ev (lines[i]);
        ml_case_key_t key;
        cr_assert_eq (ml_case_key_of (ev, &key), 0, "%s", lines[i]);
        if (i == 0)
            ml_case_init (&c, &key);
        cr_assert_eq (ml_case_apply (&c, ev, 1), 0, "%s", lines[i]);
        ml_event_free (&ev);
    }
    return c;
}

static const char *s_petition[] = {
    "{\"kind\":\"petition_case\",\"date\":\"2025-03-01\",\"case\":\"X1\",\"person\":\"L1\","
    "\"group_size\":12,\"measures\":\"走访\",\"responsible\":\"医务处\",\"deadline\":\"2025-03-31\"}",
    "{\"kind\":\"petition_closed\",\"date\":\"2025-04-01\",\"case\":\"X1\",\"signed_by\":\"L2\"}",
};

Test (cases, a_petition_is_folded_from_its_events)
{
    ml_case_t c = s_case_of (s_petition, 2);
    cr_assert_eq (c.key.kind, ML_CASE_PETITION);
    cr_assert_str_eq (c.key.id, "X1");
    cr_assert_str_eq (c.person, "L1");
    cr_assert_str_eq (c.signer, "L2");
    cr_assert_eq (c.group_size, 12);
    cr_assert (c.flags & ML_CASE_MEASURES);
    cr_assert (c.flags & ML_CASE_RESPONSIBLE);
    cr_assert_eq (c.opened, t_day ("2025-03-01"));
    cr_assert_eq (c.deadline, t_day ("2025-03-31"));
    cr_assert_eq (c.closed, t_day ("2025-04-01"));
}

Test (cases, closed_one_day_late_is_overdue_on_the_deadline_is_not)
{
    ml_case_t c = s_case_of (s_petition, 2);
    cr_assert (ml_case_overdue (&c, t_day ("2025-12-31")));
    c.closed = t_day ("2025-03-31");
    cr_assert_not (ml_case_overdue (&c, t_day ("2025-12-31")));
    //  Open: overdue only after the deadline.
    c.flags &= ~ML_CASE_CLOSED;
    cr_assert_not (ml_case_overdue (&c, t_day ("2025-03-31")));
    cr_assert (ml_case_overdue (&c, t_day ("2025-04-01")));
    //  Closed after as_of counts as open on as_of.
    ml_case_t late = s_case_of (s_petition, 2);
    cr_assert_not (ml_case_closed_by (&late, t_day ("2025-03-20")));
    cr_assert_not (ml_case_overdue (&late, t_day ("2025-03-20")));
}

Test (cases, the_order_of_events_does_not_matter_and_revert_empties_the_case)
{
    const char *reversed[] = { s_petition[1], s_petition[0] };
    ml_case_t a = s_case_of (s_petition, 2), b = s_case_of (reversed, 2);
    uint8_t pa[ML_CASE_PACK_MAX], pb[ML_CASE_PACK_MAX];
    size_t la = ml_case_pack (&a, pa), lb = ml_case_pack (&b, pb);
    cr_assert_eq (la, lb);
    cr_assert (memcmp (pa, pb, la) == 0);
    for (int i = 1; i >= 0; i--) {
        Massline__Event *ev = s_ev (s_petition[i]);
        cr_assert_not (ml_case_empty (&a));
        cr_assert_eq (ml_case_apply (&a, ev, -1), 0);
        ml_event_free (&ev);
    }
    cr_assert (ml_case_empty (&a));
    cr_assert_eq (a.deadline, ML_NODAY);
    cr_assert_str_eq (a.signer, "");
}

Test (cases, a_corrected_opening_replaces_its_fields_and_keeps_the_closing)
{
    ml_case_t c = s_case_of (s_petition, 2);
    Massline__Event *old = s_ev (s_petition[0]);
    Massline__Event *fix = s_ev ("{\"kind\":\"correction\",\"supersedes\":\"x\",\"event\":"
                                 "{\"kind\":\"petition_case\",\"date\":\"2025-03-01\",\"case\":\"X1\","
                                 "\"person\":\"L2\",\"deadline\":\"2025-04-15\"}}");
    cr_assert_eq (ml_case_apply (&c, old, -1), 0);
    cr_assert_eq (ml_case_apply (&c, fix, 1), 0);
    cr_assert_str_eq (c.person, "L2");
    cr_assert_eq (c.group_size, 1);
    cr_assert_not (c.flags & ML_CASE_MEASURES);
    cr_assert_eq (c.deadline, t_day ("2025-04-15"));
    cr_assert_eq (c.closed, t_day ("2025-04-01"));
    cr_assert_not (ml_case_overdue (&c, t_day ("2025-12-31")));
    ml_event_free (&old);
    ml_event_free (&fix);
}

Test (cases, an_event_of_another_case_is_refused)
{
    ml_case_t c = s_case_of (s_petition, 1);
    Massline__Event *ev = s_ev ("{\"kind\":\"petition_closed\",\"date\":\"2025-04-01\",\"case\":\"X2\"}");
    cr_assert_eq (ml_case_apply (&c, ev, 1), ML_EINVAL);
    ml_event_free (&ev);
}

Test (cases, pack_and_unpack_round_trip_every_field)
{
    const char *lines[] = {
        "{\"kind\":\"commitment\",\"date\":\"2025-02-10\",\"commitment\":\"K1\",\"org\":\"B1\","
        "\"type\":\"annual\",\"published\":\"公开栏\",\"content\":\"x\"}",
        "{\"kind\":\"commitment_fulfilled\",\"date\":\"2025-11-01\",\"commitment\":\"K1\"}",
        "{\"kind\":\"commitment_evaluated\",\"date\":\"2025-12-20\",\"commitment\":\"K1\","
        "\"grade\":\"good\",\"method\":\"masses\"}",
    };
    ml_case_t c = s_case_of (lines, 3);
    uint8_t buf[ML_CASE_PACK_MAX];
    size_t len = ml_case_pack (&c, buf);
    ml_case_t back;
    cr_assert_eq (ml_case_unpack (buf, len, &back), 0);
    cr_assert_str_eq (back.key.id, "K1");
    cr_assert_str_eq (back.org, "B1");
    cr_assert_eq (back.category, MASSLINE__COMMITMENT__TYPE__annual);
    cr_assert_eq (back.grades[2], MASSLINE__COMMITMENT_EVALUATED__GRADE__good);
    cr_assert_eq (back.closed, t_day ("2025-11-01"));
    cr_assert_eq (back.deadline, ML_NODAY);
    cr_assert (back.flags & ML_CASE_PUBLISHED);
    cr_assert (memcmp (&back, &c, sizeof c) == 0, "unpack gives back what was packed");
    //  A commitment without a deadline is due on 31 December of its year.
    cr_assert_eq (ml_case_due (&back), t_day ("2025-12-31"));
    cr_assert_eq (ml_case_unpack (buf, len - 1, &back), ML_EINVAL);
    buf[0] = 9;
    cr_assert_eq (ml_case_unpack (buf, len, &back), ML_EINVAL);
}

Test (cases, every_case_kind_has_its_key)
{
    struct { const char *json; int kind; const char *id; } cases[] = {
        { "{\"kind\":\"opinion\",\"date\":\"2025-01-05\",\"opinion\":\"O1\",\"channel\":\"mailbox\"}", ML_CASE_OPINION, "O1" },
        { "{\"kind\":\"opinion_assigned\",\"date\":\"2025-01-05\",\"opinion\":\"O1\",\"department\":\"d\",\"deadline\":\"2025-02-01\"}", ML_CASE_OPINION, "O1" },
        { "{\"kind\":\"opinion_closed\",\"date\":\"2025-01-05\",\"opinion\":\"O1\",\"adopted\":true}", ML_CASE_OPINION, "O1" },
        { "{\"kind\":\"secondment_review\",\"ref\":\"R1\",\"date\":\"2025-01-05\",\"person\":\"P\"}", ML_CASE_REVIEW, "R1" },
        { "{\"kind\":\"secondment_review\",\"date\":\"2025-01-05\",\"person\":\"P\",\"secondment\":\"GZ1\"}", ML_CASE_SECONDMENT, "GZ1" },
        { "{\"kind\":\"secondment\",\"ref\":\"GZ2\",\"date\":\"2025-01-02\",\"person\":\"S1\",\"category\":\"reserve\",\"host\":\"h\",\"from\":\"2025-01-01\",\"to\":\"2025-06-30\"}", ML_CASE_SECONDMENT, "GZ2" },
        { "{\"kind\":\"secondment_training\",\"date\":\"2025-01-05\",\"person\":\"P\",\"secondment\":\"GZ1\"}", ML_CASE_SECONDMENT, "GZ1" },
        { "{\"kind\":\"appeal\",\"date\":\"2025-01-05\",\"appeal\":\"A1\",\"channel\":\"letter\",\"person\":\"P\"}", ML_CASE_APPEAL, "A1" },
        { "{\"kind\":\"exemption\",\"ref\":\"E1\",\"date\":\"2025-01-05\",\"rule\":\"4.1c\",\"person\":\"P\",\"from\":\"2025-01-01\",\"to\":\"2025-12-31\",\"reason\":\"病休\",\"approved_by\":\"局党委\"}", ML_CASE_EXEMPTION, "E1" },
        { "{\"kind\":\"case_action\",\"date\":\"2025-01-05\",\"case\":\"X1\",\"person\":\"P\",\"action\":\"coordination\"}", ML_CASE_PETITION, "X1" },
        { "{\"kind\":\"contact_point\",\"date\":\"2025-01-05\",\"person\":\"P\",\"point\":\"CP1\"}", ML_CASE_CONTACT_POINT, "P/CP1" },
        { "{\"kind\":\"paired_family\",\"date\":\"2025-01-05\",\"person\":\"P\",\"family\":\"F1\"}", ML_CASE_PAIRED_FAMILY, "P/F1" },
        { "{\"kind\":\"mailbox\",\"date\":\"2025-01-05\",\"channel\":\"书记信箱\"}", ML_CASE_MAILBOX, "书记信箱" },
        { "{\"kind\":\"correction\",\"supersedes\":\"r\",\"event\":{\"kind\":\"commitment_fulfilled\",\"date\":\"2025-01-05\",\"commitment\":\"K\"}}", ML_CASE_COMMITMENT, "K" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Massline__Event *ev = s_ev (cases[i].json);
        ml_case_key_t key;
        cr_assert_eq (ml_case_key_of (ev, &key), 0, "%s", cases[i].json);
        cr_assert_eq (key.kind, cases[i].kind, "%s", cases[i].json);
        cr_assert_str_eq (key.id, cases[i].id);
        ml_event_free (&ev);
    }
    Massline__Event *ev = s_ev ("{\"kind\":\"talk\",\"date\":\"2025-01-05\",\"person\":\"P\",\"with\":\"M\",\"with_category\":\"masses\"}");
    ml_case_key_t key;
    cr_assert_eq (ml_case_key_of (ev, &key), ML_ENOTFOUND);
    ml_event_free (&ev);
    uint8_t dbkey[ML_CASE_KEY_MAX];
    ml_case_key_t k = { ML_CASE_PETITION, "X1" };
    size_t len = ml_case_db_key ("H001", &k, dbkey);
    cr_assert_eq (len, 8);
    cr_assert (memcmp (dbkey, "H001\0\001X1", 8) == 0);
    cr_assert_str_eq (ml_case_kind_name (ML_CASE_SECONDMENT), "secondment");
    cr_assert_eq (ml_case_kind_by_name ("opinion"), ML_CASE_OPINION);
}

Test (cases, a_secondment_and_its_review)
{
    const char *lines[] = {
        ("{\"kind\":\"secondment\",\"ref\":\"GZ1\",\"date\":\"2025-01-02\",\"person\":\"S1\",\"category\":\"reserve\","
         "\"host\":\"某社区卫生服务中心\",\"from\":\"2025-01-01\",\"to\":\"2025-06-30\",\"mentor\":\"L1\"}"),
        "{\"kind\":\"secondment_review\",\"date\":\"2025-07-20\",\"person\":\"S1\",\"secondment\":\"GZ1\"}",
        "{\"kind\":\"secondment_training\",\"date\":\"2025-02-20\",\"person\":\"S1\",\"secondment\":\"GZ1\"}",
    };
    ml_case_t c = s_case_of (lines, 3);
    cr_assert_str_eq (c.key.id, "GZ1");                  //  V8: each term its own case, by its ref
    cr_assert (c.flags & ML_CASE_TRAINED);
    cr_assert_eq (c.trained, t_day ("2025-02-20"));
    cr_assert_eq (c.category, MASSLINE__SECONDMENT__CATEGORY__reserve);
    cr_assert (c.flags & ML_CASE_MENTOR);
    cr_assert (c.flags & ML_CASE_REVIEWED);
    cr_assert_eq (c.from, t_day ("2025-01-01"));
    cr_assert_eq (c.to, t_day ("2025-06-30"));
    cr_assert_eq (c.reviewed, t_day ("2025-07-20"));
}

//  ---------------------------------------------------------------------------
//  4.3 Petition cases

Test (cases, r4_3a_every_case_has_measures_responsible_and_deadline)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_petition ("X1", "2025-03-01", "P1", 1, "2025-03-31", true);
    t_expect (NULL, "4.3a", "met", 1, 1);
    t_petition ("X2", "2025-03-01", "P1", 1, "2025-03-31", false);
    t_expect (NULL, "4.3a", "unmet", 1, 2);
}

Test (cases, r4_3b_closed_one_day_late_is_overdue_on_the_deadline_is_not)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_petition ("X1", "2025-03-01", "P1", 1, "2025-03-31", true);
    t_petition_closed ("X1", "2025-03-31", "P1");
    t_expect (NULL, "4.3b", "met", 1, 1);
    t_petition ("X2", "2025-03-01", "P1", 1, "2025-03-31", true);
    t_petition_closed ("X2", "2025-04-01", "P1");
    json_t *report = t_annual (NULL);
    t_expect_in (report, NULL, "4.3b", "unmet", 1, 2);
    json_t *petitions = json_object_get (json_object_get (report, "cases"), "petitions");
    cr_assert_eq (t_int (petitions, "received"), 2);
    cr_assert_eq (t_int (petitions, "closed"), 2);
    cr_assert_eq (t_int (petitions, "overdue"), 1);
    json_decref (report);
    //  Still open past the deadline is overdue too; before it, not.
    t_petition ("X3", "2025-11-01", "P1", 1, "2025-11-30", true);
    report = t_annual ("2025-11-15");
    t_expect_in (report, NULL, "4.3b", "unmet", 2, 3);
    json_decref (report);
    t_expect (NULL, "4.3b", "unmet", 1, 3);
}

Test (cases, r4_3c_reply_signed_by_the_receiving_leader)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_person ("H001", "L1", "乙", NULL, T_LEADER);
    t_petition ("X1", "2025-03-01", "P1", 1, "2025-03-31", true);
    t_petition_closed ("X1", "2025-03-20", "P1");
    t_petition ("X2", "2025-03-01", "L1", 1, "2025-03-31", true);   //  open: not judged
    t_expect (NULL, "4.3c", "met", 1, 1);
    t_petition_closed ("X2", "2025-03-20", "P1");                   //  signed by someone else
    json_t *report = t_annual (NULL);
    t_expect_in (report, NULL, "4.3c", "unmet", 1, 2);
    cr_assert_eq (t_int (json_object_get (json_object_get (report, "cases"), "petitions"), "unsigned"), 1);
    json_decref (report);
}

Test (cases, r4_3d_group_petitions_received_by_a_leadership_member)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_person ("H001", "M1", "办事员", NULL, "[{\"role\":\"party_member\",\"from\":\"2020-01-01\"}]");
    t_petition ("X1", "2025-03-01", "M1", 2, "2025-03-31", true);   //  not a group of 5+
    t_expect (NULL, "4.3d", "not_applicable", 0, 0);
    t_petition ("X2", "2025-03-01", "P1", 30, "2025-03-31", true);
    t_expect (NULL, "4.3d", "met", 1, 1);
    t_petition ("X3", "2025-04-01", "M1", 8, "2025-04-30", true);
    t_expect (NULL, "4.3d", "unmet", 1, 2);
}

//  ---------------------------------------------------------------------------
//  6.1, 6.3 Opinions

static void
s_opinion (const char *id, const char *date, const char *channel)
{
    t_put ("H001", "{\"kind\":\"opinion\",\"date\":\"%s\",\"opinion\":\"%s\",\"channel\":\"%s\","
           "\"topic\":\"候诊时间\"}", date, id, channel);
}

Test (cases, r6_3a_r6_3b_assigned_and_closed_in_time)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);            //  V5: a unit with a roster is judged
    s_opinion ("O1", "2025-03-01", "hotline");
    s_opinion ("O2", "2025-03-01", "mailbox");
    t_put ("H001", "{\"kind\":\"opinion_assigned\",\"date\":\"2025-03-02\",\"opinion\":\"O1\","
           "\"department\":\"门诊部\",\"deadline\":\"2025-03-20\"}");
    t_put ("H001", "{\"kind\":\"opinion_closed\",\"date\":\"2025-03-20\",\"opinion\":\"O1\","
           "\"adopted\":true,\"feedback\":\"2025-03-25\"}");
    json_t *report = t_annual (NULL);
    t_expect_in (report, NULL, "6.3a", "unmet", 1, 2);
    t_expect_in (report, NULL, "6.3b", "met", 1, 1);
    t_expect_in (report, NULL, "6.1", "met", 1, 1);
    t_expect_in (report, NULL, "6.2a", "met", 2, 0);
    json_decref (report);
    t_put ("H001", "{\"kind\":\"opinion_assigned\",\"date\":\"2025-03-02\",\"opinion\":\"O2\","
           "\"department\":\"后勤\",\"deadline\":\"2025-03-20\"}");
    t_put ("H001", "{\"kind\":\"opinion_closed\",\"date\":\"2025-03-21\",\"opinion\":\"O2\",\"adopted\":false}");
    report = t_annual (NULL);
    t_expect_in (report, NULL, "6.3a", "met", 2, 2);
    t_expect_in (report, NULL, "6.3b", "unmet", 1, 2);        //  closed a day late
    t_expect_in (report, NULL, "6.1", "unmet", 1, 2);         //  no feedback recorded
    json_t *opinions = json_object_get (json_object_get (report, "cases"), "opinions");
    cr_assert_eq (t_int (opinions, "received"), 2);
    cr_assert_eq (t_int (opinions, "assigned"), 2);
    cr_assert_eq (t_int (opinions, "closed_on_time"), 1);
    cr_assert_eq (t_int (opinions, "overdue"), 1);
    json_decref (report);
}

//  ---------------------------------------------------------------------------
//  7.2-7.4 Commitments

Test (cases, r7_2_r7_3_r7_4_published_fulfilled_evaluated)
{
    t_person ("H001", "M1", "党员甲", NULL, "[{\"role\":\"party_member\",\"from\":\"2020-01-01\"}]");
    t_commitment ("K1", "2025-02-10", "M1", "annual", "2025-11-30", true);
    t_commitment ("K2", "2025-02-10", "M1", "annual", "2025-11-30", false);   //  never fulfilled
    t_put ("H001", "{\"kind\":\"commitment_fulfilled\",\"date\":\"2025-11-30\",\"commitment\":\"K1\"}");
    t_put ("H001", "{\"kind\":\"commitment_evaluated\",\"date\":\"2025-12-20\",\"commitment\":\"K1\","
           "\"grade\":\"excellent\",\"method\":\"masses\"}");
    json_t *report = t_annual (NULL);
    t_expect_in (report, NULL, "7.2", "unmet", 1, 2);
    t_expect_in (report, NULL, "7.3", "unmet", 1, 2);
    t_expect_in (report, NULL, "7.4", "unmet", 1, 2);
    json_t *commitments = json_object_get (json_object_get (report, "cases"), "commitments");
    cr_assert_eq (t_int (commitments, "made"), 2);
    cr_assert_eq (t_int (commitments, "fulfilled"), 1);
    cr_assert_eq (t_int (commitments, "evaluated"), 1);
    cr_assert_eq (t_int (commitments, "overdue"), 1);
    json_decref (report);
    //  In October nothing is overdue yet, and an unevaluated commitment is not due before year
    //  end (K2 is not judged; K1's evaluation is on record).
    report = t_annual ("2025-10-31");
    t_expect_in (report, NULL, "7.3", "met", 2, 2);
    t_expect_in (report, NULL, "7.4", "met", 1, 1);
    json_decref (report);
}

//  ---------------------------------------------------------------------------
//  Corrections

Test (cases, a_corrected_petition_close_changes_the_verdict)
{
    t_person ("H001", "P1", "甲", NULL, T_MAIN);
    t_petition ("X1", "2025-03-01", "P1", 1, "2025-03-31", true);
    t_put ("H001", "{\"kind\":\"petition_closed\",\"ref\":\"C1\",\"date\":\"2025-04-02\",\"case\":\"X1\","
           "\"signed_by\":\"P1\"}");
    t_expect (NULL, "4.3b", "unmet", 0, 1);
    t_put ("H001", "{\"kind\":\"correction\",\"supersedes\":\"C1\",\"event\":{\"kind\":\"petition_closed\","
           "\"ref\":\"C1\",\"date\":\"2025-03-28\",\"case\":\"X1\",\"signed_by\":\"P1\"}}");
    t_expect (NULL, "4.3b", "met", 1, 1);
}
