/* ml_log.h -- one-line log messages on stderr, readable in a terminal and in journald. */
#ifndef ML_LOG_H
#define ML_LOG_H

#include <stddef.h>

typedef enum { ML_LOG_ERROR = 3, ML_LOG_WARN = 4, ML_LOG_INFO = 6, ML_LOG_DEBUG = 7 } ml_log_level_t;

//  Sets the program name used as prefix and the lowest level printed (default INFO).
//  Under systemd (JOURNAL_STREAM set) lines get a <N> priority prefix and no timestamp.
void ml_log_init (const char *progname, ml_log_level_t min_level);

//  Prints "TIMESTAMP PROG: LEVEL: message" as one line on stderr; the formatted message goes
//  through ml_log_escape, so no field can break the line or send terminal controls.
void ml_log (ml_log_level_t level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

//  Prints "PROG: message" on stderr: the plain one-line error a CLI user sees (escaped as ml_log).
void ml_die_msg (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

//  Copies IN into OUT (OUTLEN bytes, OUTLEN > 0; always NUL-terminated, cut only between
//  characters) with what could break or dress up a log line escaped: CR, LF and TAB as \r \n
//  \t; other C0 controls (ESC: \x1b), DEL, C1 controls (U+0080..U+009F) and bytes that are no
//  UTF-8 as \xNN for each byte. Valid UTF-8 text otherwise passes unchanged. Returns OUT.
char *ml_log_escape (const char *in, char *out, size_t outlen);

//  The program name given to ml_log_init ("massline" before it is called).
const char *ml_progname (void);

#define ml_error(...) ml_log (ML_LOG_ERROR, __VA_ARGS__)
#define ml_warn(...)  ml_log (ML_LOG_WARN, __VA_ARGS__)
#define ml_info(...)  ml_log (ML_LOG_INFO, __VA_ARGS__)
#define ml_debug(...) ml_log (ML_LOG_DEBUG, __VA_ARGS__)

#endif
