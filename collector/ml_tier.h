/* ml_tier.h -- upper tiers in the store (issue 13, docs/tiers.md). At a bureau with [upstream]:
   the `report` events its acceptances produce, kept in the store in the same write transaction
   as the acceptance (table tier_out), until the relay copies them into the upstream outbox (by
   ref, so a copy repeated after a crash is a no-op). At a committee: the `report` events its
   member bureaus sent (table tier_in), and the rule that a committee takes nothing else. */
#ifndef ML_TIER_H
#define ML_TIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "massline.pb-c.h"
#include "ml_store.h"

//  Makes SELF a committee's store (UPPER) or a bureau's: a committee takes only `report` events
//  from its members; a bureau refuses them from its units. Call before serving.
void ml_store_tier_set (ml_store_t *self, bool upper);

//  Notes that a relay reports SELF's years upward ([upstream]; ml_relay_start), or no longer.
//  Only then does an acceptance produce a report (ml_query_tier.h).
void ml_store_tier_set_upstream (ml_store_t *self, bool upstream);
bool ml_store_tier_upstream (const ml_store_t *self);

//  At ingest (ml_store_ingest.c): 0 when EV may be stored here, or ML_EINVAL with REJ filled
//  ("wrong_tier": "a committee takes only report events from its member bureaus").
int ml_store_tier_admit (ml_store_txn_t *txn, const Massline__Event *ev, ml_reject_t *rej);

//  At ingest, after EV (packed: DATA, LEN) from MEMBER was stored: keeps it in tier_in when it
//  is a `report` event, with NOW (unix s) as its arrival. Failures are sticky in TXN.
void ml_store_tier_received (ml_store_txn_t *txn, const char *member, const Massline__Event *ev,
                             const uint8_t *data, size_t len, int64_t now);

//  A report kept in tier_in or tier_out: the event is borrowed (valid until TXN ends or writes).
typedef struct {
    char member[ML_ID_MAX + 1];         //  tier_in: who sent it ("" in tier_out)
    int year;
    uint32_t version;
    char kind[ML_ID_MAX + 1];           //  the document's report kind: "rollup"
    int64_t at;                         //  unix s: arrival (tier_in) or acceptance (tier_out)
    const uint8_t *data;                //  the packed `report` event
    size_t len;
} ml_tier_doc_t;

//  Calls FN for each report in tier_in (IN) or tier_out, of MEMBER (NULL: all; tier_in only) and
//  YEAR (0: all), in key order: member, year, version, kind. Returns 0, FN's non-zero result, or
//  the failure.
typedef int (ml_tier_doc_fn) (void *arg, const ml_tier_doc_t *doc);
int ml_store_tier_each (ml_store_txn_t *txn, bool in, const char *member, int year,
                        ml_tier_doc_fn *fn, void *arg);

//  Keeps the packed `report` event DATA (LEN bytes) of YEAR, VERSION and KIND in tier_out (write
//  TXN), accepted at AT, with the next queue seq. ML_EEXIST when that document is there already
//  (not sticky).
int ml_store_tier_queue (ml_store_txn_t *txn, int year, uint32_t version, const char *kind,
                         int64_t at, const uint8_t *data, size_t len);

//  Calls FN for each report of tier_out queued with a seq above AFTER, in seq order (point reads:
//  the cost is the new reports', not tier_out's), and sets *LAST to the last seq given (those
//  kept before there were seqs have none: read them with ml_store_tier_each). Returns 0, FN's
//  non-zero result, or the failure.
int ml_store_tier_since (ml_store_txn_t *txn, uint64_t after, uint64_t *last, ml_tier_doc_fn *fn,
                         void *arg);

//  The relay's last word on what it sent (JSON text: {"REF": {"state": "delivered" | "returned"
//  | "refused", "reason": TEXT}}): kept in tier_out (write TXN) for `massline status`, and read
//  back (malloc'd, caller frees; NULL when none was kept).
int ml_store_tier_set_relay (ml_store_txn_t *txn, const char *json);
char *ml_store_tier_relay (ml_store_txn_t *txn);

#endif
