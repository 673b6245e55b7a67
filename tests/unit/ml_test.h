/* ml_test.h -- what every unit test may share: a fresh temp folder per test, paths and files in
   it, files of the source tree, and events from JSON lines. Linked into every unit test.
   Helpers shared between test files are t_<verb>, as a file's own are s_<verb>. Each helper
   fails the running test (criterion assert) rather than returning an error. */
#ifndef ML_TEST_H
#define ML_TEST_H

#include <stddef.h>

#include "ml_date.h"
#include "ml_event.h"

//  Creates this test's temp folder, /tmp/ml-test-SUITE-XXXXXX. Use as a suite's .init, or call
//  first from a suite's own setup:  TestSuite (keys, .init = t_dir_setup, .fini = t_dir_teardown);
void t_dir_setup (void);

//  Removes the temp folder and everything in it (no shell), then frees the strings that t_path,
//  t_write and t_source_path returned. Safe when t_dir_setup was not called.
void t_dir_teardown (void);

//  The temp folder, without a trailing slash.
const char *t_dir (void);

//  The path of the printf-formatted NAME inside the temp folder: "t_dir()/NAME". The string is
//  the fixture's and lives until t_dir_teardown.
const char *t_path (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

//  Writes TEXT to NAME in the temp folder (replacing it) and returns its path, as t_path.
const char *t_write (const char *name, const char *text);

//  Writes LEN bytes of DATA to NAME in the temp folder and returns its path, as t_path.
const char *t_write_bytes (const char *name, const void *data, size_t len);

//  The path of the printf-formatted REL in the source tree ($MASSLINE_SOURCE_ROOT, which meson
//  test sets), as t_path.
const char *t_source_path (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

//  A copy of QUOTED with every ' turned into ", so that JSON in C strings stays readable:
//  t_json ("{'kind':'talk'}") is {"kind":"talk"}. Caller frees.
char *t_json (const char *quoted);

//  The event of one JSONL line, checked by ml_event_validate as of TODAY with every person and
//  org known. Fails the test, naming the line and the reason, when either step refuses it.
//  Caller frees with ml_event_free.
Massline__Event *t_event (const char *json, ml_day_t today);

#endif
