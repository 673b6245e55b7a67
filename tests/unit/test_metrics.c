/* test_metrics.c -- the metric catalogue (ml_metrics): events to counter deltas, agg keys and
   counter values. Case lifecycles are in test_cases.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_metrics.h"
#include "ml_test.h"

//  An event from one JSONL line, as the ledger would give it; fails the test when invalid.
static Massline__Event *
s_ev (const char *json)
{
    return t_event (json, ml_date_from_ymd (2030, 1, 1));
}

//  ---------------------------------------------------------------------------
//  A tiny counter table: what the store does with deltas, in memory.

#define S_ROWS 256

typedef struct {
    ml_delta_t rows[S_ROWS];
    size_t n;
} s_table_t;

static void
s_table_apply (s_table_t *t, const ml_delta_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < t->n && !(t->rows[j].year == d[i].year && t->rows[j].month == d[i].month
                             && t->rows[j].metric == d[i].metric
                             && strcmp (t->rows[j].person, d[i].person) == 0
                             && strcmp (t->rows[j].sub, d[i].sub) == 0))
            j++;
        if (j == t->n) {
            cr_assert (t->n < S_ROWS);
            t->rows[t->n] = d[i];
            t->rows[t->n++].amount = 0;
        }
        t->rows[j].amount += d[i].amount;
    }
}

//  Applies EV with SIGN to T.
static void
s_table_event (s_table_t *t, const Massline__Event *ev, int sign)
{
    ml_delta_t *d;
    size_t n;
    cr_assert_eq (ml_metrics_of (ev, sign, &d, &n), 0);
    s_table_apply (t, d, n);
    free (d);
}

//  The total of METRIC for PERSON in YEAR (MONTH 0: all months), SUB NULL: any.
static int64_t
s_total (const s_table_t *t, int year, int month, int metric, const char *person, const char *sub)
{
    int64_t sum = 0;
    for (size_t i = 0; i < t->n; i++) {
        const ml_delta_t *r = &t->rows[i];
        if (r->year == year && (!month || r->month == month) && r->metric == metric
            && strcmp (r->person, person) == 0 && (!sub || strcmp (r->sub, sub) == 0))
            sum += r->amount;
    }
    return sum;
}

static s_table_t *
s_table_of (const char *json)
{
    s_table_t *t = calloc (1, sizeof *t);
    Massline__Event *ev = s_ev (json);
    s_table_event (t, ev, 1);
    ml_event_free (&ev);
    return t;
}

//  ---------------------------------------------------------------------------
//  Catalogue

Test (metrics, every_metric_has_a_name_that_maps_back)
{
    for (int m = 1; m < ML_METRIC_COUNT; m++) {
        const char *name = ml_metric_name (m);
        cr_assert (name, "metric %d has no name", m);
        cr_assert_eq (ml_metric_by_name (name), m, "%s", name);
    }
    cr_assert_null (ml_metric_name (0));
    cr_assert_null (ml_metric_name (ML_METRIC_COUNT));
    cr_assert_eq (ml_metric_by_name ("research_dayz"), ML_METRIC_NONE);
}

Test (metrics, research_days_are_inclusive_and_split_at_month_and_year_ends)
{
    s_table_t *t = s_table_of ("{\"kind\":\"research_trip\",\"date\":\"2024-12-30\",\"person\":\"P1\","
                               "\"end\":\"2025-01-02\",\"place\":\"CHC\",\"stationed\":true}");
    cr_assert_eq (s_total (t, 2024, 12, ML_METRIC_RESEARCH_DAYS, "P1", ""), 2);
    cr_assert_eq (s_total (t, 2025, 1, ML_METRIC_RESEARCH_DAYS, "P1", ""), 2);
    cr_assert_eq (s_total (t, 2024, 12, ML_METRIC_STATIONED_DAYS, "P1", ""), 2);
    cr_assert_eq (s_total (t, 2025, 1, ML_METRIC_STATIONED_DAYS, "P1", ""), 2);
    //  The trip itself counts once, in the month it starts.
    cr_assert_eq (s_total (t, 2024, 0, ML_METRIC_RESEARCH_TRIPS, "P1", ""), 1);
    cr_assert_eq (s_total (t, 2025, 0, ML_METRIC_RESEARCH_TRIPS, "P1", ""), 0);
    cr_assert_eq (s_total (t, 2024, 0, ML_METRIC_UNANNOUNCED_TRIPS, "P1", ""), 0);
    free (t);
}

Test (metrics, a_one_day_trip_is_one_day_and_unannounced_trips_are_counted)
{
    s_table_t *t = s_table_of ("{\"kind\":\"research_trip\",\"date\":\"2025-02-28\",\"person\":\"P1\","
                               "\"end\":\"2025-02-28\",\"unannounced\":true}");
    cr_assert_eq (s_total (t, 2025, 2, ML_METRIC_RESEARCH_DAYS, "P1", ""), 1);
    cr_assert_eq (s_total (t, 2025, 2, ML_METRIC_STATIONED_DAYS, "P1", ""), 0);
    cr_assert_eq (s_total (t, 2025, 2, ML_METRIC_UNANNOUNCED_TRIPS, "P1", ""), 1);
    free (t);
}

Test (metrics, a_long_trip_covers_every_month_it_touches)
{
    s_table_t *t = s_table_of ("{\"kind\":\"research_trip\",\"date\":\"2025-01-15\",\"person\":\"P1\","
                               "\"end\":\"2025-03-10\"}");
    cr_assert_eq (s_total (t, 2025, 1, ML_METRIC_RESEARCH_DAYS, "P1", ""), 17);
    cr_assert_eq (s_total (t, 2025, 2, ML_METRIC_RESEARCH_DAYS, "P1", ""), 28);
    cr_assert_eq (s_total (t, 2025, 3, ML_METRIC_RESEARCH_DAYS, "P1", ""), 10);
    cr_assert_eq (s_total (t, 2025, 0, ML_METRIC_RESEARCH_DAYS, "P1", ""), 55);
    free (t);
}

Test (metrics, reception_days_count_by_half_month_mode_and_announcement)
{
    s_table_t *t = calloc (1, sizeof *t);
    const char *lines[] = {
        "{\"kind\":\"reception_day\",\"date\":\"2025-03-15\",\"person\":\"L1\",\"mode\":\"open\","
        "\"announced\":\"2025-03-10\"}",
        "{\"kind\":\"reception_day\",\"date\":\"2025-03-16\",\"person\":\"L1\",\"mode\":\"visit_with_case\","
        "\"announced\":\"2025-03-16\"}",
        "{\"kind\":\"reception_day\",\"date\":\"2025-03-31\",\"person\":\"L1\",\"mode\":\"key_appointment\"}",
    };
    for (size_t i = 0; i < 3; i++) {
        Massline__Event *ev = s_ev (lines[i]);
        s_table_event (t, ev, 1);
        ml_event_free (&ev);
    }
    cr_assert_eq (s_total (t, 2025, 3, ML_METRIC_RECEPTION_DAYS, "L1", "a"), 1);   //  day 15
    cr_assert_eq (s_total (t, 2025, 3, ML_METRIC_RECEPTION_DAYS, "L1", "b"), 2);   //  16 and 31
    //  Announced the same day is not "in advance"; absent is not either (4.2a).
    cr_assert_eq (s_total (t, 2025, 3, ML_METRIC_RECEPTION_ANNOUNCED, "L1", ""), 1);
    cr_assert_eq (s_total (t, 2025, 3, ML_METRIC_RECEPTION_OPEN, "L1", ""), 1);
    cr_assert_eq (s_total (t, 2025, 3, ML_METRIC_RECEPTION_VISIT_WITH_CASE, "L1", ""), 1);
    cr_assert_eq (s_total (t, 2025, 3, ML_METRIC_RECEPTION_KEY_APPOINTMENT, "L1", ""), 1);
    cr_assert_eq (s_total (t, 2025, 3, ML_METRIC_RECEPTION_FIXED_POINT, "L1", ""), 0);
    free (t);
}

Test (metrics, talks_count_by_category_counterpart_and_remote_mode)
{
    s_table_t *t = s_table_of ("{\"kind\":\"talk\",\"date\":\"2025-05-06\",\"person\":\"S1\","
                               "\"with\":\"M1\",\"with_category\":\"party_member\",\"mode\":\"phone\"}");
    cr_assert_eq (s_total (t, 2025, 5, ML_METRIC_TALKS, "S1", ""), 1);
    cr_assert_eq (s_total (t, 2025, 5, ML_METRIC_TALKS_PARTY_MEMBER, "S1", ""), 1);
    cr_assert_eq (s_total (t, 2025, 5, ML_METRIC_TALKS_MEMBER, "S1", "M1"), 1);
    cr_assert_eq (s_total (t, 2025, 5, ML_METRIC_TALKS_REMOTE, "S1", ""), 1);
    cr_assert_eq (s_total (t, 2025, 5, ML_METRIC_TALKS_MASSES, "S1", ""), 0);
    free (t);
    //  A counterpart given as text (not an id) counts as a talk, not per member.
    t = s_table_of ("{\"kind\":\"talk\",\"date\":\"2025-05-06\",\"person\":\"L1\","
                    "\"with\":\"门诊部 护士 座谈\",\"with_category\":\"masses\",\"form\":\"collective\"}");
    cr_assert_eq (s_total (t, 2025, 5, ML_METRIC_TALKS_MASSES, "L1", ""), 1);
    cr_assert_eq (s_total (t, 2025, 5, ML_METRIC_TALKS_MEMBER, "L1", NULL), 0);
    cr_assert_eq (s_total (t, 2025, 5, ML_METRIC_TALKS_REMOTE, "L1", ""), 0);
    free (t);
}

Test (metrics, commitments_of_persons_and_of_organisations)
{
    s_table_t *t = s_table_of ("{\"kind\":\"commitment\",\"date\":\"2025-02-01\",\"commitment\":\"C1\","
                               "\"person\":\"M1\",\"type\":\"annual\",\"content\":\"x\"}");
    cr_assert_eq (s_total (t, 2025, 2, ML_METRIC_COMMITMENTS_ANNUAL, "M1", ""), 1);
    free (t);
    t = s_table_of ("{\"kind\":\"commitment\",\"date\":\"2025-02-01\",\"commitment\":\"C2\","
                    "\"org\":\"B1\",\"type\":\"instant\",\"content\":\"x\"}");
    cr_assert_eq (s_total (t, 2025, 2, ML_METRIC_COMMITMENTS_INSTANT, "", "B1"), 1);
    cr_assert_eq (s_total (t, 2025, 2, ML_METRIC_COMMITMENTS_ANNUAL, "", NULL), 0);
    free (t);
}

Test (metrics, every_counted_kind_lands_on_its_metric)
{
    struct { const char *json; int metric; const char *person; } cases[] = {
        { "{\"kind\":\"research_plan\",\"date\":\"2025-01-05\",\"person\":\"P\"}", ML_METRIC_RESEARCH_PLANS, "P" },
        { "{\"kind\":\"research_report\",\"date\":\"2025-01-05\",\"person\":\"P\",\"title\":\"t\"}", ML_METRIC_RESEARCH_REPORTS, "P" },
        { "{\"kind\":\"work_item\",\"date\":\"2025-01-05\",\"person\":\"P\",\"title\":\"t\"}", ML_METRIC_WORK_ITEMS, "P" },
        { "{\"kind\":\"results_exchange\",\"date\":\"2025-01-05\"}", ML_METRIC_RESULTS_EXCHANGES, "" },
        { "{\"kind\":\"contact_visit\",\"date\":\"2025-01-05\",\"person\":\"P\",\"point\":\"CP1\"}", ML_METRIC_CONTACT_VISITS, "P" },
        { "{\"kind\":\"practical_deed\",\"date\":\"2025-01-05\",\"person\":\"P\",\"beneficiary\":\"F1\",\"title\":\"t\"}", ML_METRIC_PRACTICAL_DEEDS, "P" },
        { "{\"kind\":\"opinion\",\"date\":\"2025-01-05\",\"opinion\":\"O1\",\"channel\":\"hotline\"}", ML_METRIC_OPINIONS, "" },
        { "{\"kind\":\"petition_case\",\"date\":\"2025-01-05\",\"case\":\"X1\",\"person\":\"P\"}", ML_METRIC_PETITIONS, "" },
        { "{\"kind\":\"rep_activity\",\"date\":\"2025-01-05\",\"person\":\"P\",\"activity\":\"studio_reception\"}", ML_METRIC_REP_STUDIO_RECEPTION, "P" },
        { "{\"kind\":\"rep_activity\",\"date\":\"2025-01-05\",\"person\":\"P\",\"activity\":\"exchange\"}", ML_METRIC_REP_EXCHANGE, "P" },
        { "{\"kind\":\"rep_activity\",\"date\":\"2025-01-05\",\"person\":\"P\",\"activity\":\"inspection\"}", ML_METRIC_REP_INSPECTION, "P" },
        { "{\"kind\":\"rep_activity\",\"date\":\"2025-01-05\",\"person\":\"P\",\"activity\":\"committee_meeting\"}", ML_METRIC_REP_COMMITTEE_MEETING, "P" },
        { "{\"kind\":\"rep_activity\",\"date\":\"2025-01-05\",\"person\":\"P\",\"activity\":\"proposal\"}", ML_METRIC_REP_PROPOSAL, "P" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        s_table_t *t = s_table_of (cases[i].json);
        cr_assert_eq (t->n, 1, "%s: %zu rows", cases[i].json, t->n);
        cr_assert_eq (t->rows[0].metric, cases[i].metric, "%s", cases[i].json);
        cr_assert_str_eq (t->rows[0].person, cases[i].person, "%s", cases[i].json);
        cr_assert_eq (t->rows[0].year, 2025);
        cr_assert_eq (t->rows[0].month, 1);
        cr_assert_eq (t->rows[0].amount, 1);
        free (t);
    }
}

Test (metrics, roster_and_case_follow_ups_count_nothing)
{
    const char *lines[] = {
        "{\"kind\":\"person\",\"person\":\"P\",\"name\":\"张三\",\"roles\":[{\"role\":\"leader\",\"from\":\"2020-01-01\"}]}",
        "{\"kind\":\"org\",\"org\":\"B1\",\"name\":\"第一支部\",\"head\":\"P\"}",
        "{\"kind\":\"petition_closed\",\"date\":\"2025-01-05\",\"case\":\"X1\",\"signed_by\":\"P\"}",
        "{\"kind\":\"secondment\",\"date\":\"2025-01-05\",\"person\":\"P\",\"category\":\"reserve\",\"host\":\"h\",\"from\":\"2025-01-01\",\"to\":\"2025-12-31\"}",
        "{\"kind\":\"contact_point\",\"date\":\"2025-01-05\",\"person\":\"P\",\"point\":\"CP1\"}",
        "{\"kind\":\"void\",\"supersedes\":\"r1\",\"reason\":\"typo\"}",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        Massline__Event *ev = s_ev (lines[i]);
        ml_delta_t *d = (ml_delta_t *) 1;
        size_t n = 99;
        cr_assert_eq (ml_metrics_of (ev, 1, &d, &n), 0, "%s", lines[i]);
        cr_assert_eq (n, 0, "%s", lines[i]);
        cr_assert_null (d);
        ml_event_free (&ev);
    }
}

Test (metrics, correction_moves_totals_from_old_to_new_version)
{
    s_table_t *t = calloc (1, sizeof *t);
    Massline__Event *old = s_ev ("{\"kind\":\"research_trip\",\"ref\":\"T1\",\"date\":\"2025-03-01\","
                                 "\"person\":\"P1\",\"end\":\"2025-03-20\",\"stationed\":true}");
    Massline__Event *other = s_ev ("{\"kind\":\"research_trip\",\"date\":\"2025-05-01\","
                                   "\"person\":\"P1\",\"end\":\"2025-05-10\"}");
    Massline__Event *fix = s_ev ("{\"kind\":\"correction\",\"supersedes\":\"T1\",\"event\":"
                                 "{\"kind\":\"research_trip\",\"ref\":\"T1\",\"date\":\"2025-03-25\","
                                 "\"person\":\"P1\",\"end\":\"2025-04-02\"}}");
    s_table_event (t, old, 1);
    s_table_event (t, other, 1);
    cr_assert_eq (s_total (t, 2025, 0, ML_METRIC_RESEARCH_DAYS, "P1", ""), 30);
    cr_assert_eq (s_total (t, 2025, 0, ML_METRIC_STATIONED_DAYS, "P1", ""), 20);
    //  The store: old version -1, new version +1, in one transaction.
    s_table_event (t, old, -1);
    s_table_event (t, fix, 1);
    cr_assert_eq (s_total (t, 2025, 3, ML_METRIC_RESEARCH_DAYS, "P1", ""), 7);
    cr_assert_eq (s_total (t, 2025, 4, ML_METRIC_RESEARCH_DAYS, "P1", ""), 2);
    cr_assert_eq (s_total (t, 2025, 0, ML_METRIC_RESEARCH_DAYS, "P1", ""), 19);
    cr_assert_eq (s_total (t, 2025, 0, ML_METRIC_STATIONED_DAYS, "P1", ""), 0);
    cr_assert_eq (s_total (t, 2025, 0, ML_METRIC_RESEARCH_TRIPS, "P1", ""), 2);
    //  A void of the corrected version: -1 of what is current.
    s_table_event (t, fix, -1);
    cr_assert_eq (s_total (t, 2025, 0, ML_METRIC_RESEARCH_DAYS, "P1", ""), 10);
    ml_event_free (&old);
    ml_event_free (&other);
    ml_event_free (&fix);
    free (t);
}

Test (metrics, a_correction_may_move_a_count_to_another_person_and_year)
{
    s_table_t *t = calloc (1, sizeof *t);
    Massline__Event *old = s_ev ("{\"kind\":\"contact_visit\",\"date\":\"2025-01-03\",\"person\":\"P1\",\"point\":\"A\"}");
    Massline__Event *fix = s_ev ("{\"kind\":\"correction\",\"supersedes\":\"x\",\"event\":"
                                 "{\"kind\":\"contact_visit\",\"date\":\"2024-12-30\",\"person\":\"P2\",\"point\":\"A\"}}");
    s_table_event (t, old, 1);
    s_table_event (t, old, -1);
    s_table_event (t, fix, 1);
    //  A visit counts under its point (V9: only visits to one's own point count for 2.3a).
    cr_assert_eq (s_total (t, 2025, 0, ML_METRIC_CONTACT_VISITS, "P1", "A"), 0);
    cr_assert_eq (s_total (t, 2024, 12, ML_METRIC_CONTACT_VISITS, "P2", "A"), 1);
    ml_event_free (&old);
    ml_event_free (&fix);
    free (t);
}

//  ---------------------------------------------------------------------------
//  Keys

Test (metrics, agg_keys_round_trip_and_group_by_year_and_unit)
{
    ml_delta_t d = { .year = 2025, .month = 3, .metric = ML_METRIC_TALKS_MEMBER, .amount = 1 };
    strcpy (d.person, "P001");
    strcpy (d.sub, "M007");
    uint8_t key[ML_AGG_KEY_MAX], prefix[ML_AGG_KEY_MAX];
    size_t len = ml_agg_key ("H001", &d, key);
    cr_assert_eq (len, 2 + 5 + 5 + 2 + 4);
    cr_assert_eq (key[0], 2025 >> 8);
    cr_assert_eq (key[1], 2025 & 0xff);
    size_t plen = ml_agg_prefix (2025, "H001", prefix);
    cr_assert_eq (plen, 7);
    cr_assert (memcmp (key, prefix, plen) == 0);
    //  Another unit whose id extends this one's does not share the prefix (the NUL ends it).
    uint8_t other[ML_AGG_KEY_MAX];
    size_t olen = ml_agg_key ("H0011", &d, other);
    cr_assert (olen >= plen && memcmp (other, prefix, plen) != 0);
    ml_delta_t back;
    char unit[ML_ID_MAX + 1];
    cr_assert_eq (ml_agg_key_decode (key, len, &back, unit), 0);
    cr_assert_str_eq (unit, "H001");
    cr_assert_eq (back.year, 2025);
    cr_assert_eq (back.month, 3);
    cr_assert_eq (back.metric, ML_METRIC_TALKS_MEMBER);
    cr_assert_str_eq (back.person, "P001");
    cr_assert_str_eq (back.sub, "M007");
    //  Unit-level rows (person "") sort before any person's rows.
    ml_delta_t u = d;
    u.person[0] = 0;
    uint8_t ukey[ML_AGG_KEY_MAX];
    size_t ulen = ml_agg_key ("H001", &u, ukey);
    cr_assert (memcmp (ukey, key, ulen < len ? ulen : len) < 0);
    cr_assert_eq (ml_agg_key_decode (key, 5, &back, NULL), ML_EINVAL);
}

Test (metrics, counter_values_are_signed_big_endian)
{
    uint8_t v[8];
    ml_agg_value_pack (-3, v);
    cr_assert_eq (v[0], 0xff);
    cr_assert_eq (ml_agg_value_unpack (v), -3);
    ml_agg_value_pack (258, v);
    cr_assert_eq (v[6], 1);
    cr_assert_eq (v[7], 2);
    cr_assert_eq (ml_agg_value_unpack (v), 258);
}
