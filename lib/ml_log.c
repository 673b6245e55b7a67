/* ml_log.c -- one-line log messages on stderr; every message escaped (ml_log_escape) so that
   no logged field can forge a line or reach the terminal as a control sequence. */
#include "ml_log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

//  Length of the valid UTF-8 character at P (1..4), or 0 when P starts no valid character
//  (overlong forms, surrogates and code points above U+10FFFF are not valid).
static size_t
s_utf8_len (const unsigned char *p)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    for (size_t k = 1; k < n; k++)
        if ((p[k] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F)
    ||  (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
        return 0;
    return n;
}

char *
ml_log_escape (const char *in, char *out, size_t outlen)
{
    const unsigned char *p = (const unsigned char *) in;
    size_t used = 0;
    while (*p) {
        char unit[16];
        size_t n = s_utf8_len (p), len;
        //  C1 controls are U+0080..U+009F: C2 80..C2 9F
        bool plain = n > 1 ? !(p[0] == 0xC2 && p[1] <= 0x9F) : n == 1 && *p >= 0x20 && *p != 0x7F;
        if (plain) {
            memcpy (unit, p, n);
            len = n;
        }
        else {
            if (n == 0)
                n = 1;
            len = 0;
            for (size_t k = 0; k < n; k++) {
                unsigned c = p[k];
                len += (size_t) (c == '\r' ? snprintf (unit + len, sizeof unit - len, "\\r")
                               : c == '\n' ? snprintf (unit + len, sizeof unit - len, "\\n")
                               : c == '\t' ? snprintf (unit + len, sizeof unit - len, "\\t")
                               : snprintf (unit + len, sizeof unit - len, "\\x%02x", c));
            }
        }
        if (used + len + 1 > outlen)
            break;
        memcpy (out + used, unit, len);
        used += len;
        p += n;
    }
    out[used] = 0;
    return out;
}

//  Formats FMT with AP and escapes the result into LINE (LEN bytes).
static void
s_format (char *line, size_t len, const char *fmt, va_list ap)
{
    char raw[2048];
    vsnprintf (raw, sizeof raw, fmt, ap);
    ml_log_escape (raw, line, len);
}

void
ml_log (ml_log_level_t level, const char *fmt, ...)
{
    if (level > s_min)
        return;
    char line[4096];
    va_list ap;
    va_start (ap, fmt);
    s_format (line, sizeof line, fmt, ap);
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
    char line[4096];
    va_list ap;
    va_start (ap, fmt);
    s_format (line, sizeof line, fmt, ap);
    va_end (ap);
    fprintf (stderr, "%s: %s\n", s_progname, line);
}
