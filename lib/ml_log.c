/* ml_log.c -- one-line log messages on stderr. */
#include "ml_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *s_progname = "massline";
static ml_log_level_t s_min = ML_LOG_INFO;
static int s_journal = 0;

void
ml_log_init (const char *progname, ml_log_level_t min_level)
{
    s_progname = progname;
    s_min = min_level;
    s_journal = getenv ("JOURNAL_STREAM") != NULL;
    const char *env = getenv ("MASSLINE_DEBUG");
    if (env && *env && *env != '0')
        s_min = ML_LOG_DEBUG;
}

const char *
ml_progname (void)
{
    return s_progname;
}

static const char *
s_level_name (ml_log_level_t level)
{
    switch (level) {
        case ML_LOG_ERROR: return "error";
        case ML_LOG_WARN:  return "warning";
        case ML_LOG_INFO:  return "info";
        default:           return "debug";
    }
}

void
ml_log (ml_log_level_t level, const char *fmt, ...)
{
    if (level > s_min)
        return;
    char line[2048];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof line, fmt, ap);
    va_end (ap);
    if (s_journal)
        fprintf (stderr, "<%d>%s: %s\n", (int) level, s_level_name (level), line);
    else {
        struct timespec ts;
        clock_gettime (CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r (&ts.tv_sec, &tm);
        char stamp[32];
        strftime (stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
        fprintf (stderr, "%s.%03ldZ %s: %s: %s\n", stamp, ts.tv_nsec / 1000000,
                 s_progname, s_level_name (level), line);
    }
}

void
ml_die_msg (const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof line, fmt, ap);
    va_end (ap);
    fprintf (stderr, "%s: %s\n", s_progname, line);
}
