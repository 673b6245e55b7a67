/* ml_harness.h -- small helpers for the integration tests: a temp dir, child processes, polling,
   and a three-unit massline bureau set up with the real binaries on loopback. */
#ifndef ML_HARNESS_H
#define ML_HARNESS_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

//  Paths of the binaries under test, from $ML_AGENT, $ML_COLLECTOR and $ML_CLIENT (set by meson).
#define ML_AGENT     ml_h_bin ("ML_AGENT")
#define ML_COLLECTOR ml_h_bin ("ML_COLLECTOR")
#define ML_CLIENT    ml_h_bin ("ML_CLIENT")

//  The three units every bureau has.
#define ML_H_UNITS 3
extern const char *const ml_h_units[ML_H_UNITS];

//  Criterion .init/.fini of every integration test. Init makes a fresh temp dir and sets
//  MASSLINE_TODAY=2026-11-26 for all children. Fini SIGKILLs and reaps every child still running,
//  then removes the temp dir if ml_h_pass was reached (and $ML_KEEP_TMP is unset), else keeps it
//  and prints its path.
void ml_h_init (void);
void ml_h_fini (void);

//  Marks the test as passed (its last line), so fini removes the temp dir. First fails the test
//  if a daemon's log holds a sanitizer report (ml_h_run checks each command's stderr too).
void ml_h_pass (void);

//  The test's temp dir.
const char *ml_h_dir (void);

//  The value of environment variable NAME (a binary path); aborts the test when unset.
const char *ml_h_bin (const char *name);

//  A printf-formatted string owned by the harness (freed at fini).
char *ml_h_str (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

//  Starts PROG with the NULL-terminated arguments that follow; stdin is /dev/null, stdout and
//  stderr are appended to DIR/LOG.out and DIR/LOG.err. The child dies with the test worker.
pid_t ml_h_spawn (const char *log, const char *prog, ...) __attribute__ ((sentinel));
pid_t ml_h_spawnv (const char *log, char *const argv[]);

//  Waits up to TIMEOUT_MS for PID. Returns its exit code, 128 + signal if it was killed, or -1
//  when it is still running (left running).
int ml_h_wait (pid_t pid, int timeout_ms);

//  Sends SIG to PID and waits for it (30 s). Returns as ml_h_wait.
int ml_h_stop (pid_t pid, int sig);

//  True while PID runs (not yet exited or reaped).
bool ml_h_alive (pid_t pid);

//  What a finished command printed; strings owned by the harness.
typedef struct {
    char *out;
    char *err;
} ml_h_out_t;

//  Runs PROG with the NULL-terminated arguments, waits up to TIMEOUT_MS (then SIGKILLs it) and
//  captures stdout and stderr into OUT (may be NULL). Returns as ml_h_wait (-1 on timeout).
int ml_h_run (ml_h_out_t *out, int timeout_ms, const char *prog, ...) __attribute__ ((sentinel));
int ml_h_runv (ml_h_out_t *out, int timeout_ms, char *const argv[]);

//  Children started from now on run with the file size limit (ulimit -f) at LIMIT bytes and
//  SIGXFSZ ignored, so a write past it fails with EFBIG rather than killing them; RLIM_INFINITY
//  (the default, restored at init) for none.
void ml_h_fsize_limit (unsigned long long limit);

//  Polls PRED (ARG) every 50 ms until it returns true (then true) or TIMEOUT_MS pass (false).
bool ml_h_until (bool (*pred) (void *arg), void *arg, int timeout_ms);

//  Whole file as a string owned by the harness, or NULL when it cannot be read.
char *ml_h_read (const char *path);

//  Writes TEXT to PATH (truncating); aborts the test on failure.
void ml_h_write (const char *path, const char *text);

//  A loopback TCP port that was free a moment ago.
int ml_h_free_port (void);

//  Number of lines of TEXT (NULL: 0) that contain NEEDLE.
int ml_h_count_lines (const char *text, const char *needle);

//  The value of KEY in the INI file PATH (comment and blanks stripped), or NULL. Owned by the harness.
char *ml_h_ini_get (const char *path, const char *key);

//  The path in KEY of the INI file PATH, resolved against the file's folder; aborts when absent.
char *ml_h_ini_path (const char *path, const char *key);

// ---------------------------------------------------------------------------
// The bureau: `massline-collector init DIR/bureau` with units H001..H003 and free ports.

//  Runs init; aborts the test if it fails. Later calls return the same dir.
const char *ml_h_bureau (void);

//  Paths inside the bureau (owned by the harness).
const char *ml_h_collector_ini (void);
const char *ml_h_client_ini (void);
const char *ml_h_agent_ini (const char *unit);

//  Sets KEY = VALUE in the INI file PATH: replaces the line of KEY, or adds it after the first
//  section header.
void ml_h_ini_set (const char *path, const char *key, const char *value);

//  Starts `massline-collector serve` (stderr to DIR/collector.err) and waits until it answers
//  `massline status` (aborts the test after 60 s). Returns its pid.
pid_t ml_h_collector_start (void);

//  Sends SIG to the running collector and reaps it; returns as ml_h_wait.
int ml_h_collector_stop (int sig);

//  The running collector's pid, or 0.
pid_t ml_h_collector_pid (void);

//  `massline status --json` parsed, or NULL when the client failed. Caller decrefs.
json_t *ml_h_status_json (void);

//  Event count of UNIT (NULL: the total) from `massline status --json`; -1 when unavailable.
long ml_h_collector_events (const char *unit);

//  `massline-agent status --json` of UNIT parsed, or NULL when it failed. Caller decrefs.
json_t *ml_h_agent_status_json (const char *unit);

//  Integer field (e.g. "pending", "acked") of the agent's status --json; -1 when unavailable.
long ml_h_agent_field (const char *unit, const char *field);

//  Writes a JSONL file: person P001 of UNIT (ref UNIT-P001), then N talks with refs
//  UNIT-T000001..; FIRST is the number of the first talk (1 normally).
void ml_h_write_events (const char *path, const char *unit, int first, int n);

//  Sorted refs held by the collector: reads the `refs` db of DIR/bureau/data read-only and returns
//  "UNIT/REF" strings (owned by the harness); *COUNT gets how many. Aborts the test on failure.
char **ml_h_collector_refs (size_t *count);

//  Sorts N strings with strcmp.
void ml_h_sort (char **strs, size_t n);

//  Asserts that the sorted lists WANT and GOT hold the same strings; names the first differences.
void ml_h_assert_same (char **want, size_t nwant, char **got, size_t ngot);

//  Sorted "UNIT/REF" strings the tests expect for ml_h_write_events (UNIT, 1, N): person + talks.
char **ml_h_expected_refs (const char *const units[], int nunits, int n, size_t *count);

//  Asserts that the running collector holds exactly what ml_h_write_events (UNIT, 1, TALKS)
//  writes, once, and nothing else: UNIT's events and all events are TALKS + 1. Then stops the
//  collector (SIGTERM, exit 0) and compares the refs in its store with the expected ones.
void ml_h_assert_stored_once (const char *unit, int talks);

#endif
