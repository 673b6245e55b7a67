/* ml_log.h -- one-line log messages on stderr, readable in a terminal and in journald. */
#ifndef ML_LOG_H
#define ML_LOG_H

typedef enum { ML_LOG_ERROR = 3, ML_LOG_WARN = 4, ML_LOG_INFO = 6, ML_LOG_DEBUG = 7 } ml_log_level_t;

//  Sets the program name used as prefix and the lowest level printed (default INFO).
//  Under systemd (JOURNAL_STREAM set) lines get a <N> priority prefix and no timestamp.
void ml_log_init (const char *progname, ml_log_level_t min_level);

//  Prints "TIMESTAMP PROG: LEVEL: message" as one line on stderr.
void ml_log (ml_log_level_t level, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

//  Prints "PROG: message" on stderr: the plain one-line error a CLI user sees.
void ml_die_msg (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

//  The program name given to ml_log_init ("massline" before it is called).
const char *ml_progname (void);

#define ml_error(...) ml_log (ML_LOG_ERROR, __VA_ARGS__)
#define ml_warn(...)  ml_log (ML_LOG_WARN, __VA_ARGS__)
#define ml_info(...)  ml_log (ML_LOG_INFO, __VA_ARGS__)
#define ml_debug(...) ml_log (ML_LOG_DEBUG, __VA_ARGS__)

#endif
