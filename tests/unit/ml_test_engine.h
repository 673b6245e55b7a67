/* ml_test_engine.h -- the fixture of the rule-engine tests (test_rules, test_eval, test_cases,
   test_report): the shipped rule file, an in-memory store behind an ml_source_t that keeps
   counters and cases exactly as the LMDB store does (same keys, same packing), events put in
   as JSON lines, and look-ups in the reports built from it. Unit H001 exists from the start;
   events are validated as of 2026-01-15, which is also the reports' today. */
#ifndef ML_TEST_ENGINE_H
#define ML_TEST_ENGINE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ml_eval.h"
#include "ml_metrics.h"
#include "ml_report.h"
#include "ml_rules.h"
#include "ml_test.h"

//  Roles lists for t_person.
#define T_MAIN "[{\"role\":\"main_leader\",\"from\":\"2020-01-01\"}]"
#define T_LEADER "[{\"role\":\"leader\",\"from\":\"2020-01-01\"}]"
#define T_LEADER_JULY "[{\"role\":\"leader\",\"from\":\"2025-07-01\"}]"

//  Suite .init and .fini: a temp folder (t_dir_setup), the shipped rules, an empty store with
//  unit H001 (镇江市第一人民医院); the teardown frees them all.
void t_engine_setup (void);
void t_engine_teardown (void);

//  ---------------------------------------------------------------------------
//  The rules and the store

//  The rules the reports use: the shipped collector/rules/zhenjiang-2014.ini, unless replaced.
const ml_ruleset_t *t_rules (void);
//  Makes RULES the rules the reports use and returns the previous ones (the caller keeps both).
const ml_ruleset_t *t_use_rules (const ml_ruleset_t *rules);
//  The path of the shipped rule file.
const char *t_rules_path (void);
//  The in-memory store, as the engine reads it.
const ml_source_t *t_memsource (void);

//  Declares unit ID with NAME.
void t_unit (const char *id, const char *name);
//  Forgets every unit (their events stay).
void t_units_clear (void);
//  Records one event of UNIT given as a JSONL line (printf format), as the ingest transaction
//  would: roster versions replace each other, corrections and voids undo what they supersede.
void t_put (const char *unit, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
//  Adds D to a counter of UNIT directly, without an event.
void t_counter_add (const char *unit, const ml_delta_t *d);
//  How many counter rows the store holds (after merging equal keys).
size_t t_counters (void);
//  The events stored (roster records, and each other event in its current version), by index.
size_t t_stored_count (void);
const Massline__Event *t_stored_event (size_t i);
const char *t_stored_ref (size_t i);

//  ---------------------------------------------------------------------------
//  Events of H001

//  A person of UNIT with ROLES (a JSON list) and an optional branch ORG.
void t_person (const char *unit, const char *id, const char *name, const char *org,
               const char *roles);
//  A research trip of PERSON from FROM to END.
void t_trip (const char *person, const char *from, const char *end, bool stationed);
//  A reception day on DATE, announced ANNOUNCED (NULL: not announced).
void t_reception (const char *person, const char *date, const char *mode, const char *announced);
//  Reception days on the 5th (and, with HALVES, the 20th) of months FROM..TO of 2025, except
//  SKIP ("2025-03" or "2025-05-b").
void t_receptions (const char *person, int from, int to, bool halves, const char *skip);
//  A petition case ID received by RECEIVER from a group of GROUP; COMPLETE: with measures and
//  responsible.
void t_petition (const char *id, const char *date, const char *receiver, int group,
                 const char *deadline, bool complete);
//  Closes petition ID on DATE, reply signed by SIGNER.
void t_petition_closed (const char *id, const char *date, const char *signer);
//  An individual talk of PERSON with WITH of CATEGORY.
void t_talk (const char *person, const char *date, const char *with, const char *category,
             const char *mode);
//  A commitment ID of WHO (an org when it starts with B, else a person).
void t_commitment (const char *id, const char *date, const char *who, const char *type,
                   const char *deadline, bool published);
//  H001 with a main leader who meets system 1, a leader who falls short, a branch and members.
void t_realistic_unit (void);
//  A second unit, H002, that does little.
void t_weak_unit (void);

//  ---------------------------------------------------------------------------
//  Looking at reports

//  The day of TEXT (YYYY-MM-DD).
ml_day_t t_day (const char *text);
//  The report context: t_rules (), t_memsource () and today 2026-01-15.
ml_report_ctx_t t_ctx (void);
//  unit-annual of H001 for 2025 as of AS_OF (NULL: the default, 31 Dec 2025). Caller decrefs.
json_t *t_annual (const char *as_of);
//  The item of LIST whose KEY is the string VALUE, or NULL.
json_t *t_find (json_t *list, const char *key, const char *value);
//  The entry of RULE for PERSON (NULL: unit_rules) in REPORT, or NULL when not listed.
json_t *t_entry (json_t *report, const char *person, const char *rule);
//  The integer KEY of OBJ; fails the test when it is not an integer.
long t_int (json_t *obj, const char *key);
//  Asserts RULE of PERSON (NULL: the unit) has STATUS, ACTUAL and REQUIRED (-1: not checked).
void t_expect_in (json_t *report, const char *person, const char *rule, const char *status,
                  long actual, long required);
//  t_expect_in on a fresh t_annual (NULL).
void t_expect (const char *person, const char *rule, const char *status, long actual,
               long required);

#endif
