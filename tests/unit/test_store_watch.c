/* test_store_watch.c -- rectification records in the store (ml_watch.h): records kept in the
   order entered with who and when; a row's state read from them (talks, deadline, closure);
   one notice per row and nothing after the closure; rows told apart by unit, person, year and
   rule; overdue as of a day and within a later year; kept across a reopen; check untouched. */
#include "ml_watch.h"
#include "ml_cases.h"
#include "ml_err.h"
#include "ml_test.h"
#include "ml_test_store.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

TestSuite (store_watch, .init = t_store_setup, .fini = t_store_teardown);

static ml_day_t
s_d (const char *iso)
{
    ml_day_t d;
    cr_assert_eq (ml_date_parse (iso, &d), 0, "%s", iso);
    return d;
}

static ml_watch_row_t
s_rowkey (const char *unit, const char *person, int year, const char *rule)
{
    ml_watch_row_t row;
    memset (&row, 0, sizeof row);
    snprintf (row.unit, sizeof row.unit, "%s", unit);
    snprintf (row.person, sizeof row.person, "%s", person);
    snprintf (row.rule, sizeof row.rule, "%s", rule);
    row.year = year;
    return row;
}

//  Adds a record of KIND on DAY to ROW in a transaction of its own; returns the code, *OUT the
//  state after, ERR why.
static int
s_add (const ml_watch_row_t *row, ml_watch_kind_t kind, const char *day, const char *by,
       const char *note, ml_watch_state_t *out, char *err, size_t errlen)
{
    int rc = 0;
    ml_store_txn_t *t = ml_store_begin (t_store (), true, &rc);
    cr_assert (t, "begin: %d", rc);
    ml_watch_record_t rec = { .kind = kind, .day = s_d (day), .at = (int64_t) s_d ("2025-01-10") * 86400 + 3600 };
    snprintf (rec.who, sizeof rec.who, "client:off1");
    snprintf (rec.by, sizeof rec.by, "%s", by);
    snprintf (rec.note, sizeof rec.note, "%s", note);
    ml_watch_state_t s;
    rc = ml_watch_add (t, row, &rec, out ? out : &s, err, errlen);
    if (rc)
        ml_store_abort (&t);
    else
        cr_assert_eq (ml_store_commit (&t), 0);
    return rc;
}

#define ADD(row, kind, day, by, note) \
    cr_assert_eq (s_add (row, kind, day, by, note, NULL, err, sizeof err), 0, "%s", err)

static ml_watch_state_t
s_state (const ml_watch_row_t *row, int want)
{
    int rc = 0;
    ml_store_txn_t *t = ml_store_begin (t_store (), false, &rc);
    cr_assert (t);
    ml_watch_state_t s;
    cr_assert_eq (ml_watch_state (t, row, &s), want);
    ml_store_abort (&t);
    return s;
}

typedef struct {
    ml_watch_record_t recs[8];
    int n;
} s_recs_t;

static int
s_collect (void *arg, const ml_watch_record_t *rec)
{
    s_recs_t *r = arg;
    if (r->n < 8)
        r->recs[r->n++] = *rec;
    return 0;
}

Test (store_watch, records_are_kept_in_order_with_who_and_when_and_make_the_state)
{
    char err[256] = "";
    ml_watch_row_t a = s_rowkey ("H001", "P001", 2024, "1.3b");
    s_state (&a, ML_ENOTFOUND);
    ADD (&a, ML_WATCH_TALK, "2025-01-08", "王书记", "调研天数不足");
    ADD (&a, ML_WATCH_NOTICE, "2025-03-31", "", "");
    ADD (&a, ML_WATCH_PROGRESS, "2025-02-01", "", "已补调研 20 天");
    ADD (&a, ML_WATCH_TALK, "2025-02-15", "李书记", "");
    ml_watch_state_t s = s_state (&a, 0);
    cr_assert_eq (s.records, 4);
    cr_assert_eq (s.talks, 2);
    cr_assert_eq (s.progress, 1);
    cr_assert_eq (s.deadline, s_d ("2025-03-31"));
    cr_assert_eq (s.closed, ML_NODAY);
    cr_assert_eq (s.opened, s_d ("2025-01-10"));
    cr_assert_str_eq (ml_watch_state_name (&s, s_d ("2025-03-31")), "open", "due on the day: not late");
    cr_assert_str_eq (ml_watch_state_name (&s, s_d ("2025-04-01")), "overdue");

    ml_watch_state_t after;
    cr_assert_eq (s_add (&a, ML_WATCH_CLOSE, "2025-03-20", "张局长", "已整改", &after, err, sizeof err), 0);
    cr_assert_eq (after.closed, s_d ("2025-03-20"));
    cr_assert_str_eq (ml_watch_state_name (&after, s_d ("2025-12-31")), "rectified_on_time");
    cr_assert_str_eq (ml_watch_state_name (&after, s_d ("2025-03-19")), "open",
                      "a closure dated after the day asked about does not count yet");
    ml_watch_state_t on_the_day = after;
    on_the_day.closed = on_the_day.deadline;
    cr_assert_str_eq (ml_watch_state_name (&on_the_day, s_d ("2025-12-31")), "rectified_on_time",
                      "closed on the deadline is on time (P3)");
    on_the_day.closed = on_the_day.deadline + 1;
    cr_assert_str_eq (ml_watch_state_name (&on_the_day, s_d ("2025-12-31")), "rectified_late");

    s_recs_t r = { .n = 0 };
    int rc = 0;
    ml_store_txn_t *t = ml_store_begin (t_store (), false, &rc);
    cr_assert_eq (ml_watch_records_each (t, &a, s_collect, &r), 0);
    ml_store_abort (&t);
    cr_assert_eq (r.n, 5);
    ml_watch_kind_t kinds[] = { ML_WATCH_TALK, ML_WATCH_NOTICE, ML_WATCH_PROGRESS, ML_WATCH_TALK,
                                ML_WATCH_CLOSE };
    for (int i = 0; i < 5; i++) {
        cr_assert_eq (r.recs[i].n, (uint32_t) i + 1);
        cr_assert_eq (r.recs[i].kind, kinds[i]);
        cr_assert_str_eq (r.recs[i].who, "client:off1");
        cr_assert_eq (r.recs[i].at, (int64_t) s_d ("2025-01-10") * 86400 + 3600);
    }
    cr_assert_str_eq (r.recs[0].by, "王书记");
    cr_assert_str_eq (r.recs[0].note, "调研天数不足");
    cr_assert_str_eq (r.recs[2].note, "已补调研 20 天");
    cr_assert_str_eq (r.recs[4].by, "张局长");
}

Test (store_watch, one_notice_per_row_and_nothing_after_the_closure)
{
    char err[256] = "";
    ml_watch_row_t b = s_rowkey ("H002", "P005", 2024, "");
    ADD (&b, ML_WATCH_NOTICE, "2025-02-28", "", "");
    cr_assert_eq (s_add (&b, ML_WATCH_NOTICE, "2025-06-30", "", "", NULL, err, sizeof err), ML_ECONFLICT);
    cr_assert (strstr (err, "H002 P005 2024 already has its rectification notice, deadline 2025-02-28"),
               "%s", err);
    ADD (&b, ML_WATCH_CLOSE, "2025-06-10", "张局长", "");
    ml_watch_state_t s = s_state (&b, 0);
    cr_assert_str_eq (ml_watch_state_name (&s, s_d ("2025-07-01")), "rectified_late");
    cr_assert_str_eq (ml_watch_state_name (&s, s_d ("2025-06-05")), "overdue");
    for (ml_watch_kind_t k = ML_WATCH_TALK; k <= ML_WATCH_CLOSE; k++) {
        cr_assert_eq (s_add (&b, k, "2025-06-11", "x", "y", NULL, err, sizeof err), ML_ECONFLICT);
        cr_assert (strstr (err, "was closed on 2025-06-10"), "%s", err);
    }
    cr_assert_eq (s_state (&b, 0).records, 2, "refused records are not stored");
    //  rows that cannot be keys
    ml_watch_row_t bad = s_rowkey ("H001", "", 2024, "");
    cr_assert_eq (s_add (&bad, ML_WATCH_TALK, "2025-01-01", "x", "", NULL, err, sizeof err), ML_EINVAL);
    bad = s_rowkey ("H001", "P1", 1800, "");
    cr_assert_eq (s_add (&bad, ML_WATCH_TALK, "2025-01-01", "x", "", NULL, err, sizeof err), ML_EINVAL);
}

typedef struct {
    ml_watch_state_t s[8];
    int n;
} s_rows_t;

static int
s_rows (void *arg, const ml_watch_state_t *s)
{
    s_rows_t *r = arg;
    if (r->n < 8)
        r->s[r->n++] = *s;
    return 0;
}

Test (store_watch, rows_are_told_apart_by_unit_person_year_and_rule_and_kept_across_reopen)
{
    char err[256] = "";
    ml_watch_row_t rows[] = {
        s_rowkey ("H001", "P001", 2024, ""), s_rowkey ("H001", "P001", 2024, "1.3b"),
        s_rowkey ("H001", "P001", 2025, ""), s_rowkey ("H001", "P0010", 2024, ""),
        s_rowkey ("H002", "P001", 2024, "")
    };
    for (int i = 0; i < 5; i++)
        for (int j = 0; j <= i; j++)
            ADD (&rows[i], ML_WATCH_PROGRESS, "2025-01-10", "", "n");
    t_store_close ();
    t_store_open (64);
    s_rows_t got = { .n = 0 };
    int rc = 0;
    ml_store_txn_t *t = ml_store_begin (t_store (), false, &rc);
    cr_assert_eq (ml_watch_rows_each (t, s_rows, &got), 0);
    ml_store_abort (&t);
    cr_assert_eq (got.n, 5);
    for (int i = 0; i < 5; i++) {
        cr_assert_str_eq (got.s[i].row.unit, rows[i].unit, "row %d", i);
        cr_assert_str_eq (got.s[i].row.person, rows[i].person, "row %d", i);
        cr_assert_str_eq (got.s[i].row.rule, rows[i].rule, "row %d", i);
        cr_assert_eq (got.s[i].row.year, rows[i].year, "row %d", i);
        cr_assert_eq (got.s[i].records, (uint32_t) i + 1, "row %d", i);
    }
    //  the bureau's records are no events: check neither rebuilds nor questions them
    ml_check_stats_t st;
    cr_assert_eq (t_check (&st), 0, "%s", t_check_lines ());
    cr_assert_eq (t_entries ("rectify"), 15);
}

Test (store_watch, overdue_within_a_later_year_until_closed)
{
    ml_watch_state_t s = { .deadline = s_d ("2025-02-28"), .closed = ML_NODAY, .opened = ML_NODAY };
    ml_day_t y25 = s_d ("2025-01-01"), y26 = s_d ("2026-01-01");
    cr_assert (ml_watch_overdue_within (&s, y25, s_d ("2025-03-01")));
    cr_assert (!ml_watch_overdue_within (&s, y25, s_d ("2025-02-28")), "not late on the deadline");
    cr_assert (ml_watch_overdue_within (&s, y26, s_d ("2026-12-31")), "stays until closed");
    s.closed = s_d ("2025-06-10");
    cr_assert (ml_watch_overdue_within (&s, y25, s_d ("2025-12-31")), "overdue in 2025, closed late");
    cr_assert (!ml_watch_overdue_within (&s, y26, s_d ("2026-12-31")), "closed: gone from 2026");
    s.closed = s_d ("2025-02-20");
    cr_assert (!ml_watch_overdue_within (&s, y25, s_d ("2025-12-31")), "closed on time: never overdue");
    s.deadline = ML_NODAY;
    s.closed = ML_NODAY;
    cr_assert (!ml_watch_overdue_within (&s, y25, s_d ("2025-12-31")), "no notice, no deadline");
}
