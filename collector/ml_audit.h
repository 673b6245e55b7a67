/* ml_audit.h -- the audit by spot-check samples in the collector's store: the population of a
   year, frozen draws, inspectors' findings and their appraisal (docs/sampling.md, issue 4). The
   selection mathematics is lib/ml_sample.h; this module is the bookkeeping around it.

   Two tables the store keeps for this module (keys are bytes; "a\0b" is a, NUL, b):
     ML_STORE_SAMPLES   sample id ("S2025-001") -> 64 hex digits of SHA-256 over the record, "\n",
                                                  the record (canonical JSON: compact, keys sorted)
     ML_STORE_FINDINGS  sample id\0item id      -> JSON array of findings, oldest first; the last counts
   A record is frozen once: algorithm, parameters, who drew it and when, the population digest
   per stratum and overall, the items of each stratum in ticket order and the on-site checklist.
   The population is read through the store's functions (refs, events, roster: ml_store.h), in
   the store's transactions; this module knows nothing of LMDB or of the store's byte layout. */
#ifndef ML_AUDIT_H
#define ML_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_registry.h"
#include "ml_sample.h"
#include "ml_store.h"

#define ML_AUDIT_ALGORITHM "massline-sample/1"     //  the selection of docs/sampling.md
#define ML_AUDIT_SEED_MIN 20            //  decimal digits at least (ten-sided dice)
#define ML_AUDIT_SEED_MAX 200
#define ML_AUDIT_ALL "all"              //  the one stratum of --strata none

typedef enum { ML_AUDIT_EVENTS, ML_AUDIT_PERSONS, ML_AUDIT_UNITS } ml_audit_pop_kind_t;

//  What to draw. Fill with ml_audit_params_init, ml_audit_params_set, ml_audit_params_check.
typedef struct {
    ml_audit_pop_kind_t population;     //  events (default), persons or units
    int year;                           //  0 until set
    uint64_t kinds;                     //  events: bit (1 << body case) per kind; 0 = all activity kinds
    int by_unit;                        //  1 strata by unit, 0 one stratum, -1 not set (default by population)
    ml_sample_alloc_t allocation;       //  proportional (default) or equal
    size_t size;                        //  items to draw in all; 0 until set
    size_t minimum;                     //  items per stratum at least (default 0)
    char seed[ML_AUDIT_SEED_MAX + 1];   //  "" until set
} ml_audit_params_t;

//  The population of a draw: item ids grouped by stratum, strata in id order (bytewise).
typedef struct {
    const char *id;                     //  stratum id: the unit, or "all"
    const char **ids;                   //  its item ids, ascending bytewise; borrowed from the pop
    size_t n;
} ml_audit_stratum_t;

typedef struct {
    ml_audit_stratum_t *strata;
    size_t nstrata;
    size_t total;                       //  items in all strata
    char *arena;                        //  (private) the ids' text
    const char **ptrs;                  //  (private) every id, stratum after stratum
} ml_audit_pop_t;

//  Sets P to the defaults: events of every activity kind, strata by unit (none for units),
//  proportional allocation, minimum 0; year, seed and size unset.
void ml_audit_params_init (ml_audit_params_t *p);

//  Sets one parameter from its text: year (1900..2999), seed (ML_AUDIT_SEED_MIN or more
//  decimal digits), size (>= 1), population (events|persons|units), kinds (k1,k2: event kinds
//  with a date, not person/org/correction/void), strata (unit|none), allocation
//  (proportional|equal), minimum (>= 0). Returns 0, or ML_EINVAL with ERR "seed: ...".
int ml_audit_params_set (ml_audit_params_t *p, const char *key, const char *value,
                         char *err, size_t errlen);

//  Checks that year, seed and size are set and that kinds go with events only; fills the
//  default strata. Returns 0 or ML_EINVAL with ERR.
int ml_audit_params_check (ml_audit_params_t *p, char *err, size_t errlen);

//  Reads the population of P from STORE (events: current versions, not voided, of P's kinds,
//  dated in P's year, ids "unit/ref"; persons: roster entries with a role in the year,
//  "unit/person"; units: REGISTRY's units, "unit"; REGISTRY may be NULL for the other two).
//  Returns 0 and *POP (destroy it), or an ml_err_t with ERR.
int ml_audit_population (ml_store_t *store, const ml_registry_t *registry,
                         const ml_audit_params_t *p, ml_audit_pop_t **pop,
                         char *err, size_t errlen);

//  Frees a population and sets *POP_P to NULL. Safe on NULL.
void ml_audit_pop_destroy (ml_audit_pop_t **pop_p);

//  Draws P from the current data and freezes it under a new id ("S2025-001") with WHO (the
//  drawer's ZAP user id) and the time, in one write transaction. REGISTRY as for
//  ml_audit_population (names units in the checklist). Returns 0 and *SAMPLE
//  (ml_audit_get's shape), or ML_EINVAL (nothing to draw from, minimums do not fit),
//  ML_EFULL, ML_EIO, with ERR.
int ml_audit_draw (ml_store_t *store, const ml_registry_t *registry,
                   const ml_audit_params_t *p, const char *who, json_t **sample,
                   char *err, size_t errlen);

//  The frozen sample ID: its record's keys, "record_digest", "record" (the stored text, so
//  that `jq -j .record | sha256sum` gives the digest) and, per checklist entry, its current
//  "finding" (null or {result, note, by, at}). Returns 0, ML_ENOTFOUND, or ML_ECONFLICT when
//  the stored record no longer matches its digest; ERR says which.
int ml_audit_get (ml_store_t *store, const char *id, json_t **sample, char *err, size_t errlen);

//  The sample parameters of a frozen SAMPLE (as returned by ml_audit_get) into P.
int ml_audit_params_of (const json_t *sample, ml_audit_params_t *p, char *err, size_t errlen);

//  Redraws sample ID from the current data with its frozen parameters and compares. *RESULT:
//  {"sample", "matches": bool, "digest", "digest_now", "differences": [text...],
//  "strata": [{"stratum", "population", "population_now", "digest", "digest_now", "items",
//  "items_now", "matches"}]}; with POPULATION_LIST each stratum also gets "population_ids" (the
//  current ids, sorted). Returns 0 (whether or not it matches) or an ml_err_t with ERR.
int ml_audit_verify (ml_store_t *store, const ml_registry_t *registry, const char *id,
                     bool population_list, json_t **result, char *err, size_t errlen);

//  Records finding RESULT (ok|deviation|not_found) with NOTE (may be NULL) by WHO at now on
//  ITEM of sample ID; a later finding on the same item replaces it in the appraisal (both are
//  kept). Returns 0 and *FINDING ({sample, item, result, note, by, at, replaces}), ML_ENOTFOUND
//  (no such sample, item not in it) or ML_EINVAL (bad result or note), with ERR.
int ml_audit_finding (ml_store_t *store, const char *id, const char *item, const char *result,
                      const char *note, const char *who, json_t **finding, char *err,
                      size_t errlen);

//  Appraises SAMPLE (from ml_audit_get) at CONFIDENCE against TOLERABLE: per stratum and
//  overall n (items with a finding), deviations (deviation + not_found), not_found, rate,
//  upper_bound, confidence, conclusion, method (an ML_SAMPLE_METHOD_*: per stratum exact
//  Clopper-Pearson, overall at the Kish effective size), and overall effective_n,
//  effective_deviations, unexamined_share. Returns 0 and *APPRAISAL, or ML_EINVAL with ERR.
int ml_audit_appraise (const json_t *sample, double confidence, double tolerable,
                       json_t **appraisal, char *err, size_t errlen);

//  Every frozen sample, oldest first: [{sample, year, population, size, drawn_by, drawn_at,
//  findings}]. Returns 0 and *LIST, or an ml_err_t with ERR.
int ml_audit_list (ml_store_t *store, json_t **list, char *err, size_t errlen);

//  What to examine on site for an item of KIND ("reception_day" -> the sign-in sheet and the
//  notice published in advance), in Chinese; "persons" and "units" for those populations.
const char *ml_audit_verify_text (const char *kind);

#endif
