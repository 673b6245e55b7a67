/* ml_store.h -- the collector's LMDB store: applies batches exactly once, answers status, checks itself.

   Databases (keys are bytes; "a\0b" means a, a NUL byte, b; seq is 8 bytes big-endian):
     events   unit\0agent\0seq  -> the packed Event as received (source of truth, append-only)
     log      8-byte BE index   -> events key, in the order events were applied (replayed by check)
     rejects  unit\0agent\0seq  -> code\0reason\0ref
     agents   agent             -> hwm (8 BE), last_seen (8 BE, unix s), unit
     refs     unit\0ref         -> flags (1), kind (1), sha256 of the first version (32), events key
     persons  unit\0person      -> source ref\0packed Event of the current version
     orgs     unit\0org         -> source ref\0packed Event of the current version
     units    unit              -> events (8 BE), rejected (8 BE)
     meta     "format_version"  -> "3"; "log_next" -> 8 BE
     agg      ml_agg_key (year, unit, person, metric, month, sub) -> counter (8 BE, signed)
     cases    ml_case_db_key (unit\0kind id) -> ml_case_pack'ed state of the case
     case_years unit\0year(2 BE) kind id -> the same state, by the year a petition, opinion or
              commitment was opened (year 0: every other case): a report reads only its year
   events, log, rejects and agents are primary; refs, persons, orgs, units, agg, cases and
   case_years are derived from the log by one function, used by ingest (in the batch's write
   transaction) and by ml_store_check alike. A correction moves the derived state from the
   superseded version to the new one, a void takes the voided version out. The same layout in
   code is ml_store_db.h, private to the store's own files (ml_store*.c). */
#ifndef ML_STORE_H
#define ML_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_event.h"

#define ML_STORE_FORMAT 3

typedef struct ml_store ml_store_t;
typedef struct ml_store_txn ml_store_txn_t;

//  One event of a batch as received: its seq and its packed bytes (borrowed). DATA NULL with LEN
//  > 0 stands for an event of LEN bytes the agent held back as too big to send: it is rejected.
typedef struct {
    uint64_t seq;
    const uint8_t *data;
    size_t len;
} ml_envelope_t;

//  A rejected event: what the agent's operator sees.
typedef struct {
    uint64_t seq;
    char code[24];                  //  "invalid", "ref_conflict", "bad_correction", "bad_void"
    char reason[512];               //  one line
    char ref[ML_ID_MAX + 1];        //  "" when unknown
} ml_reject_t;

//  What applying one batch did. Reuse it across batches; free with ml_batch_result_free.
typedef struct {
    uint64_t through_seq;           //  every seq <= this is applied, rejected or a duplicate
    uint64_t first_new;             //  first and last seq above the old high-water mark (0 if none)
    uint64_t last_new;
    size_t stored;                  //  events stored
    size_t duplicates;              //  seq at or below the hwm, or same ref with same content
    ml_reject_t *rejects;           //  the rejected events of this batch (grows as needed)
    size_t nrejects;
    size_t cap;                     //  allocated entries of rejects
    uint64_t conflict_seq;          //  with ML_ECONFLICT: the seq whose content differs
} ml_batch_result_t;

//  State of an agent as stored.
typedef struct {
    uint64_t hwm;                   //  highest seq applied, rejected or skipped
    int64_t last_seen;              //  unix seconds, 0 = never
    char unit[ML_ID_MAX + 1];
} ml_agent_state_t;

//  Counters of a unit.
typedef struct {
    uint64_t events;
    uint64_t rejected;
} ml_unit_counts_t;

//  What ml_store_check found.
typedef struct {
    uint64_t events;
    uint64_t rejects;
    uint64_t units;
    uint64_t agents;
    uint64_t mismatches;
} ml_check_stats_t;

//  Called once per mismatch with one line of text naming it ("unit H001: stored events=10 but
//  the log has 11").
typedef void (ml_check_fn) (void *arg, const char *line);

//  Opens the store in DIR (creating DIR and the databases unless READONLY) with a map of
//  MAP_SIZE_MB megabytes. Returns NULL and writes a one-line reason into ERR on failure.
ml_store_t *ml_store_open (const char *dir, long map_size_mb, bool readonly, char *err, size_t errlen);

//  Closes the store and sets *SELF_P to NULL. Safe on NULL. Open transactions must be gone.
void ml_store_close (ml_store_t **self_p);

//  The store's last failure in one line: the LMDB call and database that failed, then why, a short
//  write explained ("...: short write: No space left on device"); "" when none. Borrowed: for the
//  log line that goes with an ML_EFULL or ML_EIO from ml_store_commit. Cleared by ml_store_begin.
const char *ml_store_error (const ml_store_t *self);

//  The store's generation: grows with every committed write (by any process). An answer read from
//  a transaction begun after the generation was N holds while it is still N (ml_query_cache.h).
uint64_t ml_store_generation (ml_store_t *self);

//  Begins a transaction (one writer at a time). Returns NULL and sets *CODE on failure.
ml_store_txn_t *ml_store_begin (ml_store_t *self, bool write, int *code);

//  Commits (write) or ends (read) the transaction and sets *TXN_P to NULL. When any call in the
//  transaction failed, nothing is committed and that first error comes back: ML_EFULL when the
//  map or the disk is full, ML_EIO otherwise.
int ml_store_commit (ml_store_txn_t **txn_p);

//  Discards the transaction and sets *TXN_P to NULL. Safe on NULL.
void ml_store_abort (ml_store_txn_t **txn_p);

//  Applies a batch of AGENT (whose unit is UNIT, from the registry) in write transaction TXN:
//  seqs at or below the agent's hwm are duplicates; the rest are validated (roster from TXN,
//  TODAY), checked against the refs, then stored or rejected; the hwm and last_seen (NOW) move.
//  Envelope seqs must be consecutive and the first new one must be hwm+1: otherwise nothing is
//  applied, ML_EPROTO comes back and ERR says "expected seq 8, got 12". A seq at or below the
//  hwm is a duplicate only if its bytes are the ones stored under it (or, where none are stored,
//  its ref is the one rejected there / already holds these bytes): otherwise nothing is applied,
//  ML_ECONFLICT comes back, RES->conflict_seq names the seq and ERR says why. Other failures are
//  LMDB failures, sticky in TXN. RES is reset and filled.
int ml_store_apply_batch (ml_store_txn_t *txn, const char *agent, const char *unit,
                          const ml_envelope_t *env, size_t n, ml_day_t today, int64_t now,
                          ml_batch_result_t *res, char *err, size_t errlen);

//  Frees the rejects of RES and zeroes it.
void ml_batch_result_free (ml_batch_result_t *res);

//  Reads AGENT's state; ML_ENOTFOUND (and a zeroed *OUT) when it never sent anything.
int ml_store_agent (ml_store_txn_t *txn, const char *agent, ml_agent_state_t *out);

//  Reads UNIT's counters; zeros when it has none.
int ml_store_unit (ml_store_txn_t *txn, const char *unit, ml_unit_counts_t *out);

//  Handles a Hello from AGENT of UNIT in write transaction TXN: sets *HWM, notes last_seen = NOW,
//  and returns in *REJECTS (malloc'd, caller frees; *N entries) the stored rejects of this agent
//  with seq in (ACKED_SEQ, hwm].
int ml_store_hello (ml_store_txn_t *txn, const char *agent, const char *unit, uint64_t acked_seq,
                    int64_t now, uint64_t *hwm, ml_reject_t **rejects, size_t *n);

//  ---------------------------------------------------------------------------------------------
//  Reading for the audit (spot-check samples): the store's data through functions, never through
//  its databases or byte layout. TXN is any transaction of the store (read or write); borrowed
//  pointers stay valid until TXN ends or writes. LMDB failures are sticky in TXN as everywhere.

//  A ref as ml_store_refs_each and ml_store_event give it.
typedef struct {
    const char *unit;               //  NUL-terminated, borrowed
    char ref[ML_ID_MAX + 1];        //  the ref
    int kind;                       //  body case of the ref's event (Massline__Event's body_case);
                                    //  for a correction's or void's own ref: CORRECTION or VOID
    bool control;                   //  the own ref of a correction or a void
    bool corrected;                 //  the current version is held by a correction (see below)
    bool voided;                    //  voided: counts nowhere any more
    const void *ekey_;              //  private to the store
    size_t eklen_;
    void *walk_;
} ml_store_ref_t;

//  Called for each ref; a non-zero return stops the walk and is returned by it.
typedef int (ml_store_ref_fn) (void *arg, const ml_store_ref_t *ref);

//  The number of refs in the store (every unit, control refs included), in *N.
int ml_store_ref_count (ml_store_txn_t *txn, uint64_t *n);

//  Calls FN for every ref of every unit in key order (unit, then ref). FN may call
//  ml_store_ref_event on the ref it is given (the walk keeps its place in the event log, so doing
//  that for most refs costs about one step each). Returns 0, FN's non-zero return, or the error.
int ml_store_refs_each (ml_store_txn_t *txn, ml_store_ref_fn *fn, void *arg);

//  The stored bytes of the current version of REF (borrowed): the packed Event as received; when
//  REF->corrected it is the correction event whose inner `event` is the current version. Returns
//  0, ML_ENOTFOUND when the event log has no such event, or the LMDB error.
int ml_store_ref_event (const ml_store_ref_t *ref, const uint8_t **data, size_t *len);

//  Looks up REF of UNIT: fills *OUT (usable with ml_store_ref_event until TXN ends) and returns 0,
//  or ML_ENOTFOUND when the unit has no such ref.
int ml_store_event (ml_store_txn_t *txn, const char *unit, const char *ref, ml_store_ref_t *out);

//  The roster entry of PERSON in UNIT: the packed person Event of its current version (borrowed)
//  in *DATA, *LEN. ML_ENOTFOUND when the roster has no such person.
int ml_store_person (ml_store_txn_t *txn, const char *unit, const char *person,
                     const uint8_t **data, size_t *len);

//  Called for each roster person: UNIT and PERSON NUL-terminated, the packed person Event of its
//  current version (all borrowed). A non-zero return stops the walk and is returned by it.
typedef int (ml_store_person_fn) (void *arg, const char *unit, const char *person,
                                  const uint8_t *data, size_t len);

//  Calls FN for every person of every unit's roster, in key order (unit, then person).
int ml_store_persons_each (ml_store_txn_t *txn, ml_store_person_fn *fn, void *arg);

//  Called for each stored event of a unit: the AGENT that sent it (NUL-terminated), its SEQ and
//  the packed Event as received (all borrowed). A non-zero return stops the walk.
typedef int (ml_store_event_fn) (void *arg, const char *agent, uint64_t seq, const uint8_t *data,
                                 size_t len);

//  Calls FN for every stored event of UNIT (every version: corrections and voids are events of
//  their own), in key order (agent, then seq). Returns 0, FN's non-zero return, or the error.
int ml_store_unit_events_each (ml_store_txn_t *txn, const char *unit, ml_store_event_fn *fn,
                               void *arg);

//  Tables the store keeps for other modules, in its environment and its transactions (keys and
//  values are the module's bytes; the store does not read them). They are created by the first
//  put; until then they read as empty, so a store written before they existed serves unchanged.
typedef enum {
    ML_STORE_SAMPLES,               //  the audit's frozen sample records
    ML_STORE_FINDINGS,              //  the audit's findings
    ML_STORE_TIER_OUT,              //  upper tiers: reports a bureau owes upward (ml_tier.h)
    ML_STORE_TIER_IN,               //  upper tiers: reports a committee received
    ML_STORE_TABLES
} ml_store_table_t;

//  Looks KEY up in TABLE: 0 and the value (borrowed) in *VAL, *VLEN; ML_ENOTFOUND when absent.
int ml_store_table_get (ml_store_txn_t *txn, ml_store_table_t table, const void *key, size_t klen,
                        const void **val, size_t *vlen);

//  Stores VAL under KEY in TABLE (write transaction). Unless OVERWRITE, an existing KEY is kept
//  and ML_EEXIST comes back (not sticky: the transaction can go on). Other failures are sticky.
int ml_store_table_put (ml_store_txn_t *txn, ml_store_table_t table, const void *key, size_t klen,
                        const void *val, size_t vlen, bool overwrite);

//  Called for each row: key and value borrowed. A non-zero return stops the walk.
typedef int (ml_store_row_fn) (void *arg, const void *key, size_t klen, const void *val,
                               size_t vlen);

//  Calls FN for every row of TABLE whose key starts with PREFIX (PLEN bytes; 0: every row), in
//  key order. Returns 0, FN's non-zero return, or the error.
int ml_store_table_each (ml_store_txn_t *txn, ml_store_table_t table, const void *prefix,
                         size_t plen, ml_store_row_fn *fn, void *arg);

//  The reports' data source over a read transaction: ml_store_source in ml_store_source.h (kept
//  apart because ml_eval.h and ml_registry.h cannot yet be included together).

//  Recomputes everything derived from the event log in a scratch LMDB environment under TMPDIR
//  (NULL: $TMPDIR or /tmp) and compares it with what is stored; also checks the high-water marks
//  against the stored seqs. Calls REPORT for every mismatch. Fills STATS. Returns 0 when the
//  store is consistent, ML_ECONFLICT when mismatches were reported, or another ml_err_t when
//  the check itself could not run (ERR says why).
int ml_store_check (ml_store_t *self, const char *tmpdir, ml_check_fn *report, void *arg,
                    ml_check_stats_t *stats, char *err, size_t errlen);

#endif
