/* ml_test_samples.h -- what the sampling tests (test_samples.c, test_samples_findings.c) share:
   memory that lives until the end of a test, running `massline` (text or --json), reading its
   replies, the harness bureau with the demo year imported, and the demo population recomputed
   from the JSONL files without massline. Each helper fails the running test on error. */
#ifndef ML_TEST_SAMPLES_H
#define ML_TEST_SAMPLES_H

#include "ml_harness.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

//  Zeroed memory freed by ml_hs_fini.
void *ml_hs_alloc (size_t size);

//  The tests' .fini: frees what ml_hs_alloc gave, then ml_h_fini.
void ml_hs_fini (void);

//  Runs `massline -c INI ARGS...` (NULL-terminated); returns the exit code, output in *OUT.
int ml_hs_cli (ml_h_out_t *out, const char *ini, ...) __attribute__ ((sentinel));

//  Runs `massline -c INI ARGS... --json`, asserts exit code 0 and returns the parsed output.
json_t *ml_hs_cli_json (const char *ini, ...) __attribute__ ((sentinel));

//  The same for a command that must exit 1 (verify of a sample that no longer matches).
json_t *ml_hs_cli_json_1 (const char *ini, ...) __attribute__ ((sentinel));

//  The string / integer KEY of OBJ (asserted present).
const char *ml_hs_str (const json_t *obj, const char *key);
long ml_hs_int (const json_t *obj, const char *key);

//  The stratum ID of a draw/show/verify reply.
json_t *ml_hs_stratum (const json_t *reply, const char *id);

//  The items of stratum ID as a harness-owned array of strings; *N gets how many.
char **ml_hs_items (const json_t *reply, const char *id, size_t *n);

//  The path of REL in the source tree (MASSLINE_SOURCE_ROOT).
const char *ml_hs_source (const char *rel);

//  Imports FILE into UNIT's outbox and flushes it to the collector.
void ml_hs_import (const char *unit, const char *file);

//  Records one event KIND with key=value WORDS (NULL-terminated) in UNIT and flushes it.
void ml_hs_record (const char *unit, const char *kind, ...) __attribute__ ((sentinel));

//  Sets up the harness bureau, starts its collector and imports ops/demo-data/H00[123].jsonl.
void ml_hs_demo_bureau (void);

//  The current version of every ref of UNIT's demo file (json null when voided), by ref.
json_t *ml_hs_demo_current (const char *unit);

//  True when KIND is in the comma list KINDS (NULL: every activity kind).
bool ml_hs_kind_in (const char *kind, const char *kinds);

//  Sorted ids "UNIT/REF" of UNIT's current demo events of KINDS dated in 2025 (harness-owned).
char **ml_hs_demo_population (const char *unit, const char *kinds, size_t *n);

#endif
