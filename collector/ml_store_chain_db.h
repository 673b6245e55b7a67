/* ml_store_chain_db.h -- the reporting chain's record writers, shared by the two halves of the
   chain in the store (private to collector/): ml_store_chain.c (open, verify, the reads, the
   decisions and documents) and ml_store_chain_ingest.c (ingest's hooks). Byte layouts in
   ml_store_db.h. */
#ifndef ML_STORE_CHAIN_DB_H
#define ML_STORE_CHAIN_DB_H

#include "ml_chain.h"
#include "ml_store_db.h"

static inline void
ml_store_be32_put (uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24);
    p[1] = (uint8_t) (v >> 16);
    p[2] = (uint8_t) (v >> 8);
    p[3] = (uint8_t) v;
}

static inline uint32_t
ml_store_be32_get (const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

//  T as a UTC day "YYYY-MM-DD" in BUF.
char *ml_store_chain_iso_day (int64_t t, char *buf, size_t len);

//  Stores year Y of UNIT (its years record).
void ml_store_chain_year_put (ml_store_txn_t *t, const char *unit, const ml_year_t *y);

//  Stores transition y->transitions + 1 of Y (state, version as in Y now) and counts it.
void ml_store_chain_transition_put (ml_store_txn_t *t, const char *unit, ml_year_t *y,
                                    const char *who, const char *why, int64_t at);

//  Stores UNIT's chain head H.
void ml_store_chain_head_put (ml_store_txn_t *t, const char *unit, const ml_chain_head_t *h);

//  The periods key of UNIT, YEAR, MONTH in KEY (KEY_MAX + 1 bytes); 0 for a bad unit.
size_t ml_store_chain_period_key (uint8_t *key, const char *unit, int year, int month);

#endif
