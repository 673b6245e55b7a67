/* ml_date.c -- calendar dates as day numbers (Howard Hinnant's civil-day algorithms). */
#include "ml_date.h"
#include "ml_err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

ml_day_t
ml_date_from_ymd (int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (ml_day_t) (era * 146097 + doe - 719468);
}

void
ml_date_to_ymd (ml_day_t z, int *year, int *month, int *mday)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    int d = doy - (153 * mp + 2) / 5 + 1;
    int m = mp + (mp < 10 ? 3 : -9);
    *year = yoe + era * 400 + (m <= 2);
    *month = m;
    *mday = d;
}

static int
s_days_in_month (int y, int m)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return days[m - 1];
}

static int
s_check (int y, int m, int d, ml_day_t *day)
{
    if (y < 1900 || y > 2999 || m < 1 || m > 12 || d < 1 || d > s_days_in_month (y, m))
        return ML_EINVAL;
    *day = ml_date_from_ymd (y, m, d);
    return ML_OK;
}

//  Reads 1..MAXLEN ASCII digits at *P into *OUT and advances *P.
static int
s_digits (const char **p, int minlen, int maxlen, int *out)
{
    int n = 0, v = 0;
    while (n < maxlen && **p >= '0' && **p <= '9') {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    if (n < minlen)
        return -1;
    *out = v;
    return 0;
}

int
ml_date_parse (const char *text, ml_day_t *day)
{
    if (!text || strlen (text) != 10 || text[4] != '-' || text[7] != '-')
        return ML_EINVAL;
    const char *p = text;
    int y, m, d;
    if (s_digits (&p, 4, 4, &y) || *p++ != '-' || s_digits (&p, 2, 2, &m) || *p++ != '-'
        || s_digits (&p, 2, 2, &d) || *p)
        return ML_EINVAL;
    return s_check (y, m, d, day);
}

int
ml_date_parse_loose (const char *text, ml_day_t *day)
{
    if (!text)
        return ML_EINVAL;
    const char *p = text;
    int y, m, d;
    if (s_digits (&p, 4, 4, &y))
        return ML_EINVAL;
    //  Separator style is taken from the first one and must repeat.
    const char *sep1 = NULL, *sep2 = NULL;
    if (*p == '-' || *p == '/' || *p == '.') {
        sep1 = *p == '-' ? "-" : *p == '/' ? "/" : ".";
        sep2 = sep1;
    }
    else if (strncmp (p, "年", 3) == 0) {
        sep1 = "年";
        sep2 = "月";
    }
    else
        return ML_EINVAL;
    p += strlen (sep1);
    if (s_digits (&p, 1, 2, &m) || strncmp (p, sep2, strlen (sep2)) != 0)
        return ML_EINVAL;
    p += strlen (sep2);
    if (s_digits (&p, 1, 2, &d))
        return ML_EINVAL;
    if (strcmp (sep1, "年") == 0 && strncmp (p, "日", 3) == 0)
        p += 3;
    if (*p)
        return ML_EINVAL;
    return s_check (y, m, d, day);
}

char *
ml_date_format (ml_day_t day, char *buf)
{
    int y, m, d;
    ml_date_to_ymd (day, &y, &m, &d);
    char tmp[48];
    snprintf (tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
    memcpy (buf, tmp, 10);
    buf[10] = 0;
    return buf;
}

int
ml_date_period (const char *period, ml_day_t *from, ml_day_t *to)
{
    if (!period)
        return ML_EINVAL;
    int year, n, len = 0;
    char q;
    if (sscanf (period, "%4d-%c%d%n", &year, &q, &n, &len) == 3 && q == 'Q' && len == 7
        && n >= 1 && n <= 4 && year >= 1900 && year <= 2999) {
        *from = ml_date_from_ymd (year, 3 * n - 2, 1);
        *to = (n == 4 ? ml_date_from_ymd (year + 1, 1, 1) : ml_date_from_ymd (year, 3 * n + 1, 1)) - 1;
        return ML_OK;
    }
    char text[16];
    if (strlen (period) != 7 || snprintf (text, sizeof text, "%s-01", period) < 0
        || ml_date_parse (text, from))
        return ML_EINVAL;
    int y, m, d;
    ml_date_to_ymd (*from, &y, &m, &d);
    *to = (m == 12 ? ml_date_from_ymd (y + 1, 1, 1) : ml_date_from_ymd (y, m + 1, 1)) - 1;
    return ML_OK;
}

ml_day_t
ml_date_today (void)
{
    const char *env = getenv ("MASSLINE_TODAY");
    ml_day_t day;
    if (env && *env && ml_date_parse (env, &day) == ML_OK)
        return day;
    time_t now = time (NULL);
    struct tm tm;
    localtime_r (&now, &tm);
    return ml_date_from_ymd (tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}
