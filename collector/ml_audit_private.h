/* ml_audit_private.h -- what the pieces of the audit module share: ml_audit.c (the frozen
   records: draw, get, verify, findings, list), ml_audit_params.c (parameters, kinds, on-site
   texts), ml_audit_population.c (the population and the selection over it) and
   ml_audit_appraise.c. Not for use outside collector/ml_audit*.c. */
#ifndef ML_AUDIT_PRIVATE_H
#define ML_AUDIT_PRIVATE_H

#include "ml_audit.h"
#include "ml_event.h"

#define ML_AUDIT_MAX_CASE 64            //  body cases are protobuf field numbers below this

//  Writes the one-line reason into ERR and returns CODE.
int ml_audit_fail (char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

//  strcmp over two (const char *) array elements, for qsort and bsearch.
int ml_audit_strcmp_p (const void *a, const void *b);

// ---------------------------------------------------------------------------
// Parameters and kinds (ml_audit_params.c).

//  "events", "persons", "units", indexed by ml_audit_pop_kind_t.
extern const char *const ml_audit_pop_names[3];

//  The field of Event that is the activity kind NAME (a oneof member message), or NULL.
const ProtobufCFieldDescriptor *ml_audit_kind_field (const char *name);

//  The field number of the required "date" of the message of body case KIND, or 0.
uint32_t ml_audit_date_field (uint32_t kind);

//  The parameters of P as they are frozen in a record. NULL when out of memory.
json_t *ml_audit_params_json (const ml_audit_params_t *p);

// ---------------------------------------------------------------------------
// The store, through its functions only (ml_audit_population.c).

//  Begins a transaction of STORE. NULL with *RC and ERR on failure.
ml_store_txn_t *ml_audit_begin (ml_store_t *store, bool write, int *rc, char *err, size_t errlen);

//  Ends *TXN_P (safe on NULL): commits when COMMIT, else aborts. Returns 0, or the first
//  failure of the transaction with ERR "store: ...".
int ml_audit_end (ml_store_txn_t **txn_p, bool commit, char *err, size_t errlen);

//  Fails with the store's error CODE while doing WHAT: ERR "store: WHAT: reason".
int ml_audit_store_fail (char *err, size_t errlen, int code, const char *what);

#define ML_AUDIT_PRESENT 0              //  the ref is stored and not voided
#define ML_AUDIT_GONE 1                 //  no such ref in the store
#define ML_AUDIT_VOIDED 2               //  the ref is voided

//  The current version of event UNIT/REF (unpacked; a correction's inner event in *BODY), or
//  NULL when gone or undecodable. *STATE: ML_AUDIT_PRESENT, ML_AUDIT_GONE or ML_AUDIT_VOIDED.
Massline__Event *ml_audit_load_event (ml_store_txn_t *txn, const char *unit, const char *ref,
                                      const Massline__Event **body, int *state);

//  The roster entry of PERSON in UNIT, unpacked, or NULL.
Massline__Event *ml_audit_load_person (ml_store_txn_t *txn, const char *unit, const char *person);

// ---------------------------------------------------------------------------
// The population and the selection (ml_audit_population.c).

//  The population of P in the open transaction TXN.
int ml_audit_population_in (ml_store_txn_t *txn, const ml_registry_t *registry,
                            const ml_audit_params_t *p, ml_audit_pop_t **pop,
                            char *err, size_t errlen);

//  Draws P over POP. Returns the strata array [{stratum, population, size, digest, items}]
//  (with LIST also "population_ids") and the overall digest in HEX, or NULL with ERR/*RC.
json_t *ml_audit_select (const ml_audit_pop_t *pop, const ml_audit_params_t *p, bool list,
                         char hex[ML_SAMPLE_HEX_LEN], int *rc, char *err, size_t errlen);

//  Splits ITEM "unit/rest" into UNIT (ML_ID_MAX + 1 bytes) and returns REST, or NULL.
const char *ml_audit_split_item (const char *item, char *unit);

#endif
