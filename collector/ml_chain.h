/* ml_chain.h -- the reporting chain in the store (issue 12, design.md "v2: the reporting chain"):
   a SHA-256 hash chain per unit over its stored events in ingest order, the months a unit has
   closed (completeness), the state of each unit's year (draft -> submitted -> accepted |
   returned -> ...) with every transition, and the documents frozen on submission and on
   acceptance. Ingest keeps all of it in the batch's write transaction (ml_store_ingest.c); these
   functions read it, and make the bureau's decisions, in any store transaction. Byte layout:
   ml_store_db.h. */
#ifndef ML_CHAIN_H
#define ML_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_store.h"

typedef enum {
    ML_YEAR_DRAFT = 0,                  //  nothing submitted yet
    ML_YEAR_SUBMITTED = 1,              //  by the unit, waiting for the bureau
    ML_YEAR_RETURNED = 2,               //  by the bureau, with a reason: the unit submits again
    ML_YEAR_ACCEPTED = 3                //  locked: only a restatement reopens it
} ml_year_state_t;

//  "draft", "submitted", "returned", "accepted".
const char *ml_year_state_name (ml_year_state_t state);

//  A chain head: the digest over a unit's first COUNT stored events (all zero when COUNT is 0).
typedef struct {
    uint64_t count;
    uint8_t head[32];
} ml_chain_head_t;

#define ML_CHAIN_WHO_MAX (ML_ID_MAX + 8)

//  Where a unit's year stands.
typedef struct {
    int year;
    ml_year_state_t state;
    uint32_t version;                   //  1 from the first submission; +1 per restatement
    uint32_t transitions;               //  how many transitions are stored (numbered 1..)
    bool unfrozen;                      //  the last submission's document is not made yet
    int64_t submitted_at;               //  unix s of the last submission (or restatement)
    int64_t decided_at;                 //  unix s of the last decision, 0: none
    ml_chain_head_t chain;              //  the unit's chain head at the last submission/acceptance
    char filler[ML_ID_MAX + 1];         //  填报人, 审核人, 负责人: persons of the roster
    char reviewer[ML_ID_MAX + 1];
    char approver[ML_ID_MAX + 1];
    char decided_by[ML_CHAIN_WHO_MAX];  //  the bureau's reviewer of the last decision
    char reason[512];                   //  the last return's reason, or a restatement's
} ml_year_t;

//  One transition of a year.
typedef struct {
    uint32_t n;                         //  1, 2, ...
    ml_year_state_t state;              //  the state it led to
    uint32_t version;
    int64_t at;                         //  unix s
    char who[ML_CHAIN_WHO_MAX];         //  agent id (submission, restatement) or reviewer
    char why[512];                      //  reason ("" when none)
} ml_transition_t;

//  A frozen document (borrowed JSON: valid until the transaction ends or writes).
typedef struct {
    char unit[ML_ID_MAX + 1];
    int year;
    uint32_t n;                         //  the transition that froze it
    ml_year_state_t state;              //  submitted or accepted
    uint32_t version;
    int64_t at;
    ml_chain_head_t chain;
    uint8_t digest[32];                 //  SHA-256 of the JSON text as frozen
    char decided_by[ML_CHAIN_WHO_MAX];
    const char *json;                   //  the frozen JSON text (not NUL-terminated)
    size_t len;
} ml_document_t;

//  The chain head of UNIT as stored. 0 (zero head when the unit has no events) or the failure.
int ml_chain_head (ml_store_txn_t *txn, const char *unit, ml_chain_head_t *out);

//  Recomputes UNIT's chain over its first AT->count events in the log and compares with
//  AT->head. Returns 0 when it agrees; ML_ECONFLICT with WHY filled ("the chain of H001 over its
//  first 120 events is now 3f2a..., the document says 9b1c...: an event behind it changed") or
//  the failure.
int ml_chain_verify (ml_store_txn_t *txn, const char *unit, const ml_chain_head_t *at, char *why,
                     size_t whylen);

//  Recomputes every unit's chain from the log and compares it with the stored heads: REPORT
//  gets one line per unit that differs; *UNITS the units chained. Returns the count of mismatches
//  (>= 0) or a failure (< 0).
int ml_chain_check (ml_store_txn_t *txn, void (*report) (void *arg, const char *line), void *arg,
                    uint64_t *units);

//  UNIT's YEAR into *OUT: 0, or ML_ENOTFOUND with *OUT a draft (version 0).
int ml_chain_year (ml_store_txn_t *txn, const char *unit, int year, ml_year_t *out);

//  Calls FN for every stored year of UNIT (NULL: every unit), in key order.
typedef int (ml_chain_year_fn) (void *arg, const char *unit, const ml_year_t *year);
int ml_chain_years_each (ml_store_txn_t *txn, const char *unit, ml_chain_year_fn *fn, void *arg);

//  Calls FN for each transition of UNIT's YEAR, in order.
typedef int (ml_chain_transition_fn) (void *arg, const ml_transition_t *t);
int ml_chain_transitions_each (ml_store_txn_t *txn, const char *unit, int year,
                               ml_chain_transition_fn *fn, void *arg);

//  The bureau's decision (write TXN): a submitted year of UNIT becomes accepted (locked) or
//  returned (REASON required), decided by WHO at NOW; the transition is stored and the chain
//  head of the acceptance kept in the year. *OUT gets the new state. ML_ECONFLICT with ERR when
//  the year is not submitted ("H001 2025 is accepted, not submitted").
int ml_chain_decide (ml_store_txn_t *txn, const char *unit, int year, bool accept, const char *who,
                     const char *reason, int64_t now, ml_year_t *out, char *err, size_t errlen);

//  Freezes JSON (LEN bytes) as the document of UNIT's YEAR at its last transition (write TXN):
//  with the year's state, version, chain head and SHA-256; clears the year's unfrozen flag.
int ml_chain_freeze (ml_store_txn_t *txn, const char *unit, int year, const char *json,
                     size_t len);

//  The document of UNIT's YEAR frozen by transition N (0: the latest). 0 or ML_ENOTFOUND.
int ml_chain_document (ml_store_txn_t *txn, const char *unit, int year, uint32_t n,
                       ml_document_t *out);

//  UNIT's month (YEAR, MONTH 1..12): 0 with the collector's day it arrived in *CLOSED and the
//  events dated in it that arrived afterwards in *LATE; ML_ENOTFOUND when not closed.
int ml_chain_period (ml_store_txn_t *txn, const char *unit, int year, int month,
                     ml_day_t *closed, uint64_t *late);

//  The chain step: OUT = SHA-256 (PREV || BYTES).
void ml_chain_step (const uint8_t prev[32], const uint8_t *bytes, size_t len, uint8_t out[32]);

#endif
