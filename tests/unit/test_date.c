/* test_date.c -- day numbers, strict and ledger date forms, and the MASSLINE_TODAY hook. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <time.h>

#include "ml_date.h"
#include "ml_err.h"

static ml_day_t
s_day (const char *text)
{
    ml_day_t day = -1;
    cr_assert_eq (ml_date_parse (text, &day), ML_OK, "%s should parse", text);
    return day;
}

Test (date, known_day_numbers)
{
    cr_expect_eq (s_day ("1970-01-01"), 0);
    cr_expect_eq (s_day ("1970-01-02"), 1);
    cr_expect_eq (s_day ("2000-01-01"), 10957);
    cr_expect_eq (s_day ("2026-11-26"), 20783);
    cr_expect_eq (s_day ("1900-01-01"), -25567);
    cr_expect_eq (s_day ("2999-12-31"), 376199);
    cr_expect_eq (ml_date_from_ymd (2026, 11, 26), 20783);
}

Test (date, format_and_ymd_round_trip)
{
    char buf[11];
    cr_expect_str_eq (ml_date_format (20783, buf), "2026-11-26");
    cr_expect_str_eq (ml_date_format (0, buf), "1970-01-01");
    cr_expect_str_eq (ml_date_format (-25567, buf), "1900-01-01");
    //  every day 1900..2999 formats to text that parses back to it
    for (ml_day_t d = s_day ("1900-01-01"); d <= s_day ("2999-12-31"); d++) {
        int y, m, md;
        ml_date_to_ymd (d, &y, &m, &md);
        cr_assert_eq (ml_date_from_ymd (y, m, md), d);
        ml_day_t back;
        cr_assert_eq (ml_date_parse (ml_date_format (d, buf), &back), ML_OK, "%s", buf);
        cr_assert_eq (back, d, "%s", buf);
    }
}

Test (date, leap_years)
{
    ml_day_t day;
    cr_expect_eq (ml_date_parse ("2024-02-29", &day), ML_OK);
    cr_expect_eq (ml_date_parse ("2000-02-29", &day), ML_OK, "divisible by 400");
    cr_expect_eq (ml_date_parse ("2023-02-29", &day), ML_EINVAL);
    cr_expect_eq (ml_date_parse ("1900-02-29", &day), ML_EINVAL, "divisible by 100");
    cr_expect_eq (ml_date_parse ("2100-02-29", &day), ML_EINVAL);
    cr_expect_eq (s_day ("2024-03-01") - s_day ("2024-02-28"), 2);
    cr_expect_eq (s_day ("2023-03-01") - s_day ("2023-02-28"), 1);
    cr_expect_eq (s_day ("2025-01-01") - s_day ("2024-01-01"), 366);
}

Test (date, strict_form_refuses_everything_else)
{
    static const char *const bad[] = {
        "2026-02-30", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32",
        "1899-12-31", "3000-01-01", "2026-3-5", "2026/03/05", "2026年3月5日", "26-03-05",
        "2026-03-05 ", " 2026-03-05", "2026-03-05T00:00", "2026-0a-05", "+026-03-05", "",
        "2026-03", "２０２６-03-05",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ml_day_t day = 12345;
        cr_expect_eq (ml_date_parse (bad[i], &day), ML_EINVAL, "'%s' should be refused", bad[i]);
        cr_expect_eq (day, 12345, "'%s' must not touch the output", bad[i]);
    }
    ml_day_t day;
    cr_expect_eq (ml_date_parse (NULL, &day), ML_EINVAL);
}

Test (date, loose_ledger_forms)
{
    ml_day_t want = s_day ("2026-03-05");
    static const char *const good[] = {
        "2026-03-05", "2026-3-5", "2026/3/5", "2026/03/05", "2026.3.5", "2026年3月5日", "2026年03月05日",
        "2026年3月5",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        ml_day_t day = -1;
        cr_expect_eq (ml_date_parse_loose (good[i], &day), ML_OK, "'%s' should parse", good[i]);
        cr_expect_eq (day, want, "'%s'", good[i]);
    }
    static const char *const bad[] = {
        "2026/3-5", "2026-3/5", "2026年3-5", "2026/2/30", "2026年2月30日", "2026/13/1", "26/3/5",
        "2026/3/5/", "2026/3/5日", "2026年3月5日 ", "2026/003/5", "3/5/2026", "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ml_day_t day;
        cr_expect_eq (ml_date_parse_loose (bad[i], &day), ML_EINVAL, "'%s' should be refused", bad[i]);
    }
}

Test (date, today_honours_massline_today)
{
    cr_assert_eq (setenv ("MASSLINE_TODAY", "2026-11-26", 1), 0);
    cr_expect_eq (ml_date_today (), 20783);
    cr_assert_eq (setenv ("MASSLINE_TODAY", "2024-02-29", 1), 0);
    cr_expect_eq (ml_date_today (), s_day ("2024-02-29"));

    //  unset, empty or unparsable: the real local date
    time_t now = time (NULL);
    struct tm tm;
    localtime_r (&now, &tm);
    ml_day_t real = ml_date_from_ymd (tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    static const char *const ignored[] = { "", "tomorrow", "2026-02-30" };
    for (size_t i = 0; i < sizeof ignored / sizeof ignored[0]; i++) {
        cr_assert_eq (setenv ("MASSLINE_TODAY", ignored[i], 1), 0);
        ml_day_t today = ml_date_today ();
        cr_expect (today == real || today == real + 1, "'%s'", ignored[i]);   //  midnight may pass
    }
    cr_assert_eq (unsetenv ("MASSLINE_TODAY"), 0);
    ml_day_t today = ml_date_today ();
    cr_expect (today == real || today == real + 1);
}

static void
s_period (const char *period, const char *from, const char *to)
{
    ml_day_t f = -1, t = -1;
    cr_assert_eq (ml_date_period (period, &f, &t), ML_OK, "%s should parse", period);
    cr_expect_eq (f, s_day (from), "%s starts on %s", period, from);
    cr_expect_eq (t, s_day (to), "%s ends on %s", period, to);
}

Test (date, period_months_and_quarters)
{
    s_period ("2025-03", "2025-03-01", "2025-03-31");
    s_period ("2025-01", "2025-01-01", "2025-01-31");
    s_period ("2025-12", "2025-12-01", "2025-12-31");     //  the year turns
    s_period ("2024-02", "2024-02-01", "2024-02-29");     //  leap February
    s_period ("2025-02", "2025-02-01", "2025-02-28");
    s_period ("2025-Q1", "2025-01-01", "2025-03-31");
    s_period ("2025-Q2", "2025-04-01", "2025-06-30");
    s_period ("2025-Q3", "2025-07-01", "2025-09-30");
    s_period ("2025-Q4", "2025-10-01", "2025-12-31");
    s_period ("1900-Q1", "1900-01-01", "1900-03-31");
    s_period ("2999-12", "2999-12-01", "2999-12-31");
}

Test (date, period_refuses_everything_else)
{
    static const char *const bad[] = {
        "2025", "2025-", "2025-Q0", "2025-Q5", "2025-Q", "2025-Q01", " 2025-Q1",
        "2025-q1", "2025-H1", "2025-00", "2025-13", "2025-3", "2025-03-01", "2025/03", "1899-12",
        "1899-Q4", "3000-Q1", "3000-01", "+202-Q1", "", "2025-03x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ml_day_t from, to;
        cr_expect_eq (ml_date_period (bad[i], &from, &to), ML_EINVAL, "'%s' should be refused", bad[i]);
    }
    ml_day_t from, to;
    cr_expect_eq (ml_date_period (NULL, &from, &to), ML_EINVAL);
}
