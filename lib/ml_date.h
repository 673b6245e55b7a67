/* ml_date.h -- calendar dates as day numbers, ISO text, and "today" (overridable for tests). */
#ifndef ML_DATE_H
#define ML_DATE_H

#include <stdbool.h>
#include <stdint.h>

//  A date is the number of days since 1970-01-01 (proleptic Gregorian).
typedef int32_t ml_day_t;

//  Parses exactly "YYYY-MM-DD" (years 1900..2999, a real calendar day). Returns 0 or ML_EINVAL.
int ml_date_parse (const char *text, ml_day_t *day);

//  Parses the ledger forms too: "2026-03-05", "2026/3/5", "2026年3月5日", "2026-3-5".
int ml_date_parse_loose (const char *text, ml_day_t *day);

//  Writes "YYYY-MM-DD" into BUF (at least 11 bytes) and returns BUF.
char *ml_date_format (ml_day_t day, char *buf);

//  Day number from a civil date; no validation.
ml_day_t ml_date_from_ymd (int year, int month, int mday);

//  Splits a day number into year, month (1..12) and day of month (1..31).
void ml_date_to_ymd (ml_day_t day, int *year, int *month, int *mday);

//  Parses PERIOD, a month "2025-03" or a quarter "2025-Q1" (years 1900..2999), into its first
//  day *FROM and last day *TO. Returns 0, or ML_EINVAL for anything else (a year alone, "2025-Q5",
//  "2025-13", NULL); then *FROM and *TO are unspecified.
int ml_date_period (const char *period, ml_day_t *from, ml_day_t *to);

//  Today in local time, or the date in $MASSLINE_TODAY (YYYY-MM-DD) when set: a hook
//  for tests and demos that need a fixed "today".
ml_day_t ml_date_today (void);

#endif
