/* test_store_source.c -- metric counters and cases (issue 3): kept by the one derivation in the
   ingest transaction (ml_store_derive.c), through corrections and voids, and read back through
   the reports' data source (ml_store_source.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_store_source.h"
#include "ml_test_store.h"

TestSuite (store_source, .init = t_store_setup, .fini = t_store_teardown);

//  What the source gives for one unit and year: sums of counters and the cases listed.
typedef struct {
    int64_t days[13];                   //  research_days of P1 per month
    int64_t rows;                       //  agg rows
    char cases[512];                    //  "petition/XF1 opinion/YJ1 ..." in listing order
    int persons;
} s_seen_t;

static int
s_seen_unit (void *arg, const char *unit, const char *name)
{
    char *out = arg;
    strcat (out, unit);
    strcat (out, "=");
    strcat (out, name);
    strcat (out, " ");
    return 0;
}

static int
s_seen_row (void *arg, const ml_delta_t *row)
{
    s_seen_t *s = arg;
    s->rows++;
    cr_assert_neq (row->amount, 0, "a counter at 0 must be deleted");
    if (row->metric == ML_METRIC_RESEARCH_DAYS && strcmp (row->person, "P1") == 0)
        s->days[row->month] += row->amount;
    return 0;
}

static int
s_seen_case (void *arg, const ml_case_t *c)
{
    s_seen_t *s = arg;
    char one[ML_CASE_ID_MAX + 64];
    snprintf (one, sizeof one, "%s%s/%s%s", s->cases[0] ? " " : "", ml_case_kind_name (c->key.kind),
              c->key.id, (c->flags & ML_CASE_CLOSED) ? "(closed)" : "");
    strcat (s->cases, one);
    return 0;
}

static int
s_seen_person (void *arg, const Massline__Event *ev)
{
    s_seen_t *s = arg;
    cr_assert_eq (ev->body_case, MASSLINE__EVENT__BODY_PERSON);
    s->persons++;
    return 0;
}

static int
s_two_units (void *ctx, ml_unit_fn *fn, void *arg)
{
    (void) ctx;
    int rc = fn (arg, "H001", "一院");
    return rc ? rc : fn (arg, "H002", "二院");
}

//  Reads YEAR of UNIT through the store's data source.
static s_seen_t
s_read (const char *unit, int year)
{
    s_seen_t s;
    memset (&s, 0, sizeof s);
    int code;
    ml_store_txn_t *txn = ml_store_begin (t_store (), false, &code);
    cr_assert_not_null (txn);
    ml_source_t src;
    ml_store_source (txn, s_two_units, NULL, year, &src);
    cr_assert_eq (src.agg (src.ctx, unit, year, s_seen_row, &s), 0);
    cr_assert_eq (src.cases (src.ctx, unit, s_seen_case, &s), 0);
    cr_assert_eq (src.persons (src.ctx, unit, s_seen_person, &s), 0);
    ml_store_abort (&txn);
    return s;
}

static int64_t
s_days (const s_seen_t *s)
{
    int64_t sum = 0;
    for (int m = 1; m <= 12; m++)
        sum += s->days[m];
    return sum;
}

Test (store_source, counters_and_cases_follow_ingest_corrections_and_voids)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, T_TRIP ("RT1", "2025-11-03", "2025-11-05"));     //  3 days in November
    t_batch_add (&b, 3, T_TRIP ("RT2", "2025-03-30", "2025-04-02"));     //  2 in March, 2 in April
    t_batch_add (&b, 4, T_PETITION ("PC1", "2025-04-01", "XF1"));
    t_batch_add (&b, 5, "{'kind':'petition_closed','ref':'PX1','date':'2025-04-20','case':'XF1','signed_by':'P1'}");
    t_batch_add (&b, 6, "{'kind':'opinion','ref':'OP1','date':'2024-05-01','opinion':'YJ1','channel':'forum','topic':'t'}");
    t_batch_add (&b, 7, "{'kind':'contact_point','ref':'CP1','date':'2023-02-01','person':'P1','point':'SQ1'}");
    t_apply ("A1", "H001", &b, &res);
    t_batch_free (&b);
    cr_assert_eq (res.stored, 7);

    s_seen_t s = s_read ("H001", 2025);
    cr_assert_eq (s_days (&s), 7);
    cr_assert_eq (s.days[3], 2);
    cr_assert_eq (s.days[4], 2);
    cr_assert_eq (s.days[11], 3);
    //  A year's report sees the standing cases, the cases still open (V7: the 2024 opinion) and
    //  the closed cases open on a day of that year.
    cr_assert_str_eq (s.cases, "opinion/YJ1 contact_point/P1/SQ1 petition/XF1(closed)");
    cr_assert_eq (s.persons, 1);
    cr_assert_str_eq (s_read ("H001", 2024).cases, "opinion/YJ1 contact_point/P1/SQ1");
    cr_assert_str_eq (s_read ("H001", 0).cases, "petition/XF1(closed) opinion/YJ1 contact_point/P1/SQ1");
    cr_assert_eq (s_read ("H002", 2025).rows, 0);

    //  A correction moves the counters from the old version to the new one: 3 days become 1.
    //  A void takes its event out: the March and April rows are deleted, not left at 0.
    //  A correction of the petition's date moves its opening to the year 2024.
    t_batch_add (&b, 8, "{'kind':'correction','ref':'CR1','supersedes':'RT1','event':" T_TRIP ("RT1", "2025-11-03", "2025-11-03") "}");
    t_batch_add (&b, 9, "{'kind':'void','ref':'VD1','supersedes':'RT2','reason':'录入重复'}");
    t_batch_add (&b, 10, "{'kind':'correction','ref':'CR2','supersedes':'PC1','event':" T_PETITION ("PC1", "2024-12-30", "XF1") "}");
    t_apply ("A1", "H001", &b, &res);
    t_batch_free (&b);
    cr_assert_eq (res.stored, 3, "%zu rejects: %s", res.nrejects, res.nrejects ? res.rejects[0].reason : "");
    s = s_read ("H001", 2025);
    cr_assert_eq (s_days (&s), 1);
    cr_assert_eq (s.days[11], 1);
    //  V7: the petition, now opened 30 December 2024 and closed in April 2025, is judged in both.
    cr_assert_str_eq (s.cases, "opinion/YJ1 contact_point/P1/SQ1 petition/XF1(closed)");
    cr_assert_str_eq (s_read ("H001", 2024).cases, "opinion/YJ1 contact_point/P1/SQ1 petition/XF1(closed)");

    //  A second correction of the same ref supersedes the current version (the first correction).
    t_batch_add (&b, 11, "{'kind':'correction','ref':'CR3','supersedes':'RT1','event':" T_TRIP ("RT1", "2025-10-30", "2025-11-01") "}");
    t_apply ("A1", "H001", &b, &res);
    t_batch_free (&b);
    s = s_read ("H001", 2025);
    cr_assert_eq (s.days[10], 2);
    cr_assert_eq (s.days[11], 1);
    cr_assert_eq (s_days (&s), 3);

    //  The units come from the caller, in the caller's order.
    char units[128] = "";
    int code;
    ml_store_txn_t *txn = ml_store_begin (t_store (), false, &code);
    ml_source_t src;
    ml_store_source (txn, s_two_units, NULL, 2025, &src);
    cr_assert_eq (src.units (src.ctx, s_seen_unit, units), 0);
    ml_store_abort (&txn);
    cr_assert_str_eq (units, "H001=一院 H002=二院 ");

    ml_check_stats_t stats;
    cr_assert_eq (t_check (&stats), 0, "%s", t_check_lines ());
    ml_batch_result_free (&res);
}

//  The rows agg_person gives: checked to be of PERSON and YEAR; research_days summed.
typedef struct {
    const char *person;
    int year;
    int64_t rows, days;
} s_person_rows_t;

static int
s_person_row (void *arg, const ml_delta_t *row)
{
    s_person_rows_t *s = arg;
    cr_assert_str_eq (row->person, s->person);
    cr_assert_eq (row->year, s->year);
    s->rows++;
    if (row->metric == ML_METRIC_RESEARCH_DAYS)
        s->days += row->amount;
    return 0;
}

static s_person_rows_t
s_read_person (const char *unit, int year, const char *person)
{
    s_person_rows_t s = { person, year, 0, 0 };
    int code;
    ml_store_txn_t *txn = ml_store_begin (t_store (), false, &code);
    cr_assert_not_null (txn);
    ml_source_t src;
    ml_store_source (txn, s_two_units, NULL, year, &src);
    cr_assert_eq (src.agg_person (src.ctx, unit, year, person, s_person_row, &s), 0);
    ml_store_abort (&txn);
    return s;
}

Test (store_source, agg_person_reads_one_persons_counters_of_one_year_of_one_unit)
{
    t_batch_t b = { .n = 0 };
    ml_batch_result_t res = { 0 };
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, T_PERSON ("P10"));                                  //  P1's id is a prefix of it
    t_batch_add (&b, 3, T_TRIP ("RT1", "2024-12-30", "2025-01-02"));        //  2 days in 2024, 2 in 2025
    t_batch_add (&b, 4, T_TRIP ("RT2", "2024-03-01", "2024-03-03"));
    t_batch_add (&b, 5, "{'kind':'research_trip','ref':'RT3','date':'2024-03-01','person':'P10',"
                  "'end':'2024-03-10','place':'p','stationed':false,'unannounced':false,'topic':'t'}");
    t_batch_add (&b, 6, "{'kind':'opinion','ref':'OP1','date':'2024-05-01','opinion':'YJ1','channel':'forum','topic':'t'}");
    t_apply ("A1", "H001", &b, &res);
    t_batch_free (&b);
    t_batch_add (&b, 1, T_PERSON ("P1"));
    t_batch_add (&b, 2, T_TRIP ("RT1", "2024-06-01", "2024-06-30"));        //  the same person in H002
    t_apply ("A2", "H002", &b, &res);
    t_batch_free (&b);

    s_person_rows_t s = s_read_person ("H001", 2024, "P1");
    cr_assert_eq (s.days, 5);
    cr_assert_eq (s_read_person ("H001", 2025, "P1").days, 2);
    cr_assert_eq (s_read_person ("H001", 2024, "P10").days, 10);
    cr_assert_eq (s_read_person ("H002", 2024, "P1").days, 30);
    cr_assert_eq (s_read_person ("H001", 2023, "P1").rows, 0);
    cr_assert_eq (s_read_person ("H001", 2024, "P2").rows, 0);
    //  "" is the unit-level rows: the opinion.
    cr_assert_eq (s_read_person ("H001", 2024, "").rows, 1);
    //  Together the persons' rows are the year's.
    s_seen_t all = s_read ("H001", 2024);
    cr_assert_eq (all.rows, s.rows + s_read_person ("H001", 2024, "P10").rows + 1);
    ml_batch_result_free (&res);
}
