/* ml_store_source.h -- the reports' data source (ml_source_t of ml_eval.h) over the store's LMDB,
   apart from ml_store.h so that the store's users need not see the rule engine. */
#ifndef ML_STORE_SOURCE_H
#define ML_STORE_SOURCE_H

#include "ml_eval.h"
#include "ml_store.h"

//  Lists the units the reports cover: FN (id, name) for each, in id order (ml_source_t.units).
typedef int (ml_source_units_fn) (void *ctx, ml_unit_fn *fn, void *arg);

//  Fills SRC with a data source over read transaction TXN, valid while TXN is open: units from
//  UNITS (UNITS_CTX); agg rows of (year, unit), or of (year, unit, person), by one cursor range;
//  the current person and org events of the unit; and the cases that can matter to a report of
//  YEAR: the standing ones (assignments, mailboxes, secondments) plus the petitions, opinions and
//  commitments opened in YEAR (ml_eval judges only those, so earlier years cost a report
//  nothing); YEAR 0 lists every case. Nothing here scans the event log.
void ml_store_source (ml_store_txn_t *txn, ml_source_units_fn *units, void *units_ctx, int year,
                      ml_source_t *src);

#endif
