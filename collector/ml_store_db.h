/* ml_store_db.h -- the store's byte layout, and what the store's pieces share: ml_store.c (open,
   close, transactions, agents, units, hello), ml_store_derive.c (the one derivation),
   ml_store_ingest.c (apply_batch), ml_store_source.c (the reports' source), ml_store_check.c and
   ml_store_audit.c (reading for the audit). The one file that knows how keys and values are laid
   out (ml_store.h tells the same in words). Not for use outside collector/ml_store*.c. */
#ifndef ML_STORE_DB_H
#define ML_STORE_DB_H

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "ml_cases.h"
#include "ml_db.h"
#include "ml_metrics.h"
#include "ml_store.h"
#include "ml_store_source.h"

// ---------------------------------------------------------------------------
// Databases.

enum { DB_EVENTS, DB_LOG, DB_REJECTS, DB_AGENTS, DB_REFS, DB_PERSONS, DB_ORGS, DB_UNITS, DB_META,
       DB_AGG, DB_CASES, DB_CASE_YEARS, DB_AGGD, DB_COUNT };

//  Their names in the environment, indexed by DB_*.
extern const char *const ml_store_db_names[DB_COUNT];

//  The other modules' tables (ml_store_table_t), by name.
extern const char *const ml_store_table_names[ML_STORE_TABLES];

#define ML_STORE_MAX_DBS 32             //  named databases an environment has room for

//  The reporting chain's databases (issue 12; ml_store_chain.c), in ml_store_t.cdbi. Created
//  by any writable open when missing (the chain heads then built from the log); a read-only open
//  of a store without them reads them as empty (cabsent).
enum { CDB_CHAIN, CDB_PERIODS, CDB_YEARS, CDB_TRANSITIONS, CDB_DOCUMENTS, CDB_COUNT };
extern const char *const ml_store_chain_db_names[CDB_COUNT];

//  meta keys: format_version -> "3" (ASCII); log_next -> 8 BE. Format 1 had no aggd, kept one
//  case_years bucket per case and secondments by person; format 2 counted practical deeds without
//  their beneficiary: ml_store_open upgrades either in place by rebuilding every derived database
//  from the event log (ml_store_rebuild).
#define META_FORMAT     "format_version"
#define META_LOG_NEXT   "log_next"

// ---------------------------------------------------------------------------
// Keys. "a\0b" is a, a NUL byte, b; ids are at most ML_ID_MAX bytes; seq is 8 bytes BE.

#define KEY_MAX       (2 * (ML_ID_MAX + 1) + 8)

//  Writes "a\0b" into BUF (KEY_MAX bytes). Returns its length, 0 when an id is too long.
static inline size_t
ml_store_key2 (uint8_t *buf, const char *a, const char *b)
{
    size_t la = strlen (a), lb = strlen (b);
    if (la > ML_ID_MAX || lb > ML_ID_MAX)
        return 0;
    return ml_db_key2 (buf, KEY_MAX, a, la, b, lb);
}

//  Writes the events (and rejects) key unit\0agent\0seq into BUF (KEY_MAX bytes). Returns its
//  length, 0 when an id is too long.
static inline size_t
ml_store_key_event (uint8_t *buf, const char *unit, const char *agent, uint64_t seq)
{
    size_t len = ml_store_key2 (buf, unit, agent);
    if (!len)
        return 0;
    buf[len++] = 0;
    ml_db_be64_put (buf + len, seq);
    return len + 8;
}

//  Splits an events key into UNIT, AGENT (ML_ID_MAX + 1 bytes each) and *SEQ; false when it is
//  not one.
static inline bool
ml_store_key_event_parse (const uint8_t *key, size_t len, char *unit, char *agent, uint64_t *seq)
{
    if (len < 12)
        return false;
    const uint8_t *end = key + len - 8;
    const uint8_t *nul1 = memchr (key, 0, (size_t) (end - key));
    if (!nul1 || nul1 - key > ML_ID_MAX || end[-1] != 0)
        return false;
    size_t alen = (size_t) (end - 1 - (nul1 + 1));
    if (alen > ML_ID_MAX || memchr (nul1 + 1, 0, alen))
        return false;
    memcpy (unit, key, (size_t) (nul1 - key));
    unit[nul1 - key] = 0;
    memcpy (agent, nul1 + 1, alen);
    agent[alen] = 0;
    *seq = ml_db_be64_get (end);
    return true;
}

//  case_years key: unit NUL year (2 BE) kind (1) id, i.e. the cases key (ml_case_db_key: unit
//  NUL kind id) with the year spliced in after the unit. BUF holds CASE_YEARS_KEY_MAX bytes.
#define CASE_YEARS_KEY_MAX (ML_CASE_KEY_MAX + 2)

static inline size_t
ml_store_case_years_key (const uint8_t *case_key, size_t len, int year, uint8_t *buf)
{
    size_t head = strnlen ((const char *) case_key, len) + 1;
    memcpy (buf, case_key, head);
    buf[head] = (uint8_t) (year >> 8);
    buf[head + 1] = (uint8_t) year;
    memcpy (buf + head + 2, case_key + head, len - head);
    return len + 2;
}

//  The reporting chain (ml_store_chain.c):
//    chain        unit                      -> count (8 BE), head (32): SHA-256 chain head
//    periods      unit\0 year (2 BE) month (1) -> closed day (4 BE, the collector's day of
//                                              arrival), late additions (8 BE)
//    years        unit\0 year (2 BE)        -> CHAIN_YEAR_HEAD bytes (below), then filler\0
//                                              reviewer\0approver\0decided_by\0reason
//    transitions  unit\0 year (2 BE) n (4 BE) -> state (1), version (4 BE), at (8 BE), who\0why
//    documents    unit\0 year (2 BE) n (4 BE) -> state (1), version (4 BE), at (8 BE),
//                                              chain count (8 BE), head (32), digest (32),
//                                              decided_by\0, the frozen JSON text
//  (n: the transition that froze it). year record head: state (1), flags (1), version (4 BE),
//  transitions (4 BE), submitted_at (8 BE), decided_at (8 BE), chain count (8 BE), head (32).
#define CHAIN_VALUE_LEN   40
#define PERIOD_VALUE_LEN  12
#define CHAIN_YEAR_HEAD   66
#define CHAIN_DOC_HEAD    85
#define CHAIN_YEAR_UNFROZEN 0x01        //  years flag: the last submission's document is not made

//  Writes unit\0 year (2 BE) into BUF (KEY_MAX bytes); returns its length, 0 when too long.
static inline size_t
ml_store_key_year (uint8_t *buf, const char *unit, int year)
{
    size_t ul = strlen (unit);
    if (ul > ML_ID_MAX)
        return 0;
    memcpy (buf, unit, ul + 1);
    buf[ul + 1] = (uint8_t) (year >> 8);
    buf[ul + 2] = (uint8_t) year;
    return ul + 3;
}

//  Rectification (rules.md V14; ml_store_watch.c): one database, created by any writable open
//  when missing; a read-only open of a store without it reads it as empty (ml_store_t.wabsent).
//    rectify      unit\0 person\0 year (2 BE) rule\0 n (4 BE) -> kind (1), day (4 BE), at (8 BE),
//                                              who\0 by\0 note
//  (rule "" for a row that is the person's whole year; n from 1 in the order entered).
#define WATCH_DB_NAME     "rectify"
#define WATCH_RECORD_HEAD 13

//  agg keys and values: ml_agg_key and ml_agg_value_pack (ml_metrics.h); aggd keys: ml_aggd_key
//  (the same deltas per day, a unit's month in one range), values as agg; cases values:
//  ml_case_pack (ml_cases.h).

// ---------------------------------------------------------------------------
// Values.

//  refs: flags (1), kind (1: the body case), sha256 of the first version (32), events key of the
//  current version (of the voided one when voided).
#define REF_CONTROL   0x01      //  the own ref of a correction or a void: not supersedable
#define REF_CORRECTED 0x02      //  points at a correction; earlier versions stay in events
#define REF_VOIDED    0x04      //  voided: no longer counts
#define REF_HEAD      34        //  flags, kind, sha256; the events key follows

//  Writes a refs value into BUF (REF_HEAD + KEY_MAX bytes). Returns its length.
static inline size_t
ml_store_ref_value (uint8_t *buf, uint8_t flags, uint8_t kind, const uint8_t sha[32],
                    const uint8_t *ekey, size_t eklen)
{
    buf[0] = flags;
    buf[1] = kind;
    memcpy (buf + 2, sha, 32);
    memcpy (buf + REF_HEAD, ekey, eklen);
    return REF_HEAD + eklen;
}

//  persons, orgs: source ref NUL packed Event of the current version. Splits V: the event in
//  *DATA, *LEN; false when V is not a roster value.
static inline bool
ml_store_roster_split (const ml_db_val_t *v, const uint8_t **data, size_t *len)
{
    size_t rlen = strnlen (v->data, v->len);
    if (rlen >= v->len)
        return false;
    *data = (const uint8_t *) v->data + rlen + 1;
    *len = v->len - rlen - 1;
    return true;
}

//  agents: hwm (8 BE), last_seen (8 BE, unix s), unit. BUF holds AGENT_VALUE_MAX bytes.
#define AGENT_VALUE_MAX (16 + ML_ID_MAX)

static inline size_t
ml_store_agent_value (uint8_t *buf, const char *unit, uint64_t hwm, int64_t last_seen)
{
    size_t ulen = strnlen (unit, ML_ID_MAX);
    ml_db_be64_put (buf, hwm);
    ml_db_be64_put (buf + 8, (uint64_t) last_seen);
    memcpy (buf + 16, unit, ulen);
    return 16 + ulen;
}

//  Decodes an agents value into OUT; false when V is too short to be one.
static inline bool
ml_store_agent_decode (const ml_db_val_t *v, ml_agent_state_t *out)
{
    if (v->len < 16)
        return false;
    out->hwm = ml_db_be64_get (v->data);
    out->last_seen = (int64_t) ml_db_be64_get ((uint8_t *) v->data + 8);
    size_t ulen = v->len - 16 < ML_ID_MAX ? v->len - 16 : ML_ID_MAX;
    memcpy (out->unit, (uint8_t *) v->data + 16, ulen);
    out->unit[ulen] = 0;
    return true;
}

//  units: events (8 BE), rejected (8 BE).
#define UNIT_VALUE_LEN 16

//  rejects: code NUL reason NUL ref (the last field has no NUL). Writes REJ's into BUF
//  (REJECT_VALUE_MAX bytes); returns the length.
#define REJECT_VALUE_MAX (sizeof ((ml_reject_t *) 0)->code + sizeof ((ml_reject_t *) 0)->reason \
                          + sizeof ((ml_reject_t *) 0)->ref)

static inline size_t
ml_store_reject_value (uint8_t *buf, const ml_reject_t *rej)
{
    size_t cl = strlen (rej->code) + 1, rl = strlen (rej->reason) + 1, fl = strlen (rej->ref);
    memcpy (buf, rej->code, cl);
    memcpy (buf + cl, rej->reason, rl);
    memcpy (buf + cl + rl, rej->ref, fl);
    return cl + rl + fl;
}

//  Decodes a rejects value V of SEQ into REJ.
static inline void
ml_store_reject_decode (const ml_db_val_t *v, uint64_t seq, ml_reject_t *rej)
{
    const char *p = v->data, *end = p + v->len;
    const char *fields[3] = { "", "", "" };
    int lens[3] = { 0, 0, 0 };
    for (int i = 0; i < 3 && p < end; i++) {
        fields[i] = p;
        lens[i] = (int) strnlen (p, (size_t) (end - p));
        p += lens[i] + 1;
    }
    memset (rej, 0, sizeof *rej);
    rej->seq = seq;
    snprintf (rej->code, sizeof rej->code, "%.*s", lens[0], fields[0]);
    snprintf (rej->reason, sizeof rej->reason, "%.*s", lens[1], fields[1]);
    snprintf (rej->ref, sizeof rej->ref, "%.*s", lens[2], fields[2]);
}

// ---------------------------------------------------------------------------
// The store and its transactions.

struct ml_store {
    ml_db_t *db;
    ml_db_dbi_t dbi[DB_COUNT];
    ml_db_dbi_t tdbi[ML_STORE_TABLES];  //  the other modules' tables...
    bool thas[ML_STORE_TABLES];         //  ...where they exist (made by their first put)
    pthread_mutex_t tlock;              //  guards tdbi/thas and opening a table (LMDB opens
                                        //  handles one thread at a time; query workers)
    bool readonly;
    ml_db_dbi_t cdbi[CDB_COUNT];        //  the reporting chain's databases...
    bool cabsent;                       //  ...absent (a read-only open of an older store)
    ml_db_dbi_t wdbi;                   //  rectification records (ml_store_watch.c)...
    bool wabsent;                       //  ...absent (a read-only open of an older store)
    bool upper_tier;                    //  a committee: takes only `report` events (ml_tier.h)
    bool upstream;                      //  a relay reports this store's years upward (ml_tier.h)
};

//  A transaction and the handles of its environment's databases.
typedef struct {
    ml_db_txn_t *t;
    const ml_db_dbi_t *dbi;
} ml_store_side_t;

//  Where derivation writes (d) and where it reads primary data (p): the same transaction at
//  ingest; the scratch environment and the store at check. The first failure of either is
//  sticky in its ml_db transaction (ml_store_derive_ret).
typedef struct {
    ml_store_side_t d;
    ml_store_side_t p;
    char unit[ML_ID_MAX + 1];           //  unit of the counter deltas below
    uint64_t dev;                       //  events not yet added to units[unit]
    uint64_t drej;                      //  rejects not yet added to units[unit]
} ml_store_derive_t;

//  The first failure of X's transactions, or 0.
static inline int
ml_store_derive_ret (const ml_store_derive_t *x)
{
    return x->d.t->ret ? x->d.t->ret : x->p.t->ret;
}

//  Where ml_store_refs_each is: the events cursor it keeps beside the refs.
typedef struct {
    struct ml_store_txn *t;
    ml_db_cursor_t ecur;                //  ecur.cur NULL: look events up one by one
    bool placed;                        //  ecur is on an entry
} ml_store_walk_t;

struct ml_store_txn {
    ml_db_txn_t db;                     //  the transaction, with its sticky failure
    ml_store_walk_t walk;               //  the walk of refs looked up by ml_store_event
    ml_store_t *store;
    bool write;
    ml_store_derive_t x;                //  x.d == x.p == db
    uint64_t log_next;                  //  next log index (0: not loaded yet)
    ml_source_units_fn *units;          //  the report source's units (ml_store_source)
    void *units_ctx;
    int year;                           //  its year: which case_years buckets it lists
    ml_db_dbi_t tdbi[ML_STORE_TABLES];  //  tables opened in this transaction...
    uint8_t tstate[ML_STORE_TABLES];    //  ...T_OPENED, or T_ABSENT when known not to exist
};
enum { T_UNKNOWN, T_OPENED, T_ABSENT };

// ---------------------------------------------------------------------------
// Shared by the pieces.

//  Opens every database of DB into DBI in a fresh transaction; creates them and records the
//  format only when CREATE and the environment is new (holds no database yet). An existing store
//  must carry this collector's format_version and every database, or it is refused untouched
//  (ERR says why, naming DIR). (ml_store.c)
//  With UPGRADE not NULL, a writable store of format 1 or 2 is opened too (its new databases created)
//  and *UPGRADE set: the caller rebuilds it (ml_store_rebuild); read-only, it is refused.
int ml_store_open_dbs (ml_db_t *db, ml_db_dbi_t *dbi, bool readonly, bool create, const char *dir,
                       bool *upgrade, char *err, size_t errlen);

//  Reads AGENT's state from X's primary side: 0, ML_ENOTFOUND (and a zeroed *OUT), or the
//  failure. (ml_store.c)
int ml_store_agent_read (ml_store_derive_t *x, const char *agent, ml_agent_state_t *out);

//  Writes AGENT's state on X's primary side. (ml_store.c)
void ml_store_agent_write (ml_store_derive_t *x, const char *agent, const char *unit, uint64_t hwm,
                           int64_t last_seen);

//  Appends events key EKEY to the log of write transaction T. (ml_store.c)
void ml_store_log_append (ml_store_txn_t *t, const uint8_t *ekey, size_t eklen);

//  Opens (creating when writable) the reporting chain's databases of SELF; builds the chain
//  heads from the log when it creates them on a store that has events. (ml_store_chain.c)
int ml_store_chain_open (ml_store_t *self, const char *dir, char *err, size_t errlen);

//  Opens (creating when writable) the rectification database of SELF. (ml_store_watch.c)
int ml_store_watch_open (ml_store_t *self, const char *dir, char *err, size_t errlen);

//  Ingest's hooks (ml_store_chain.c): a batch of UNIT begins (loads the unit's chain head, its
//  closed months and its years), an event is admitted or refused (the locks: 0, or ML_EINVAL
//  with REJ filled), a stored event is chained and counted, the batch ends (writes the head).
typedef struct ml_chain_batch ml_chain_batch_t;
ml_chain_batch_t *ml_store_chain_batch_begin (ml_store_txn_t *t, const char *unit);
int ml_store_chain_admit (ml_chain_batch_t *b, const Massline__Event *ev, ml_reject_t *rej);
void ml_store_chain_stored (ml_chain_batch_t *b, const Massline__Event *ev, const char *agent,
                            const uint8_t *bytes, size_t len, ml_day_t today, int64_t now);
void ml_store_chain_batch_end (ml_chain_batch_t **b_p);

//  Fills REJ and returns ML_EINVAL: the event is rejected. (ml_store_derive.c)
int ml_store_reject (ml_reject_t *rej, const char *code, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

//  The one derivation: applies event EV (BYTES as received, stored under events key EKEY of UNIT)
//  to the derived state of X->d, reading primary data from X->p. Returns 0 when applied, ML_EDUP
//  for the same ref with the same content (nothing changes), ML_EINVAL with REJ filled when the
//  refs refuse it, or the sticky failure. Used by ingest and by check. (ml_store_derive.c)
int ml_store_derive_event (ml_store_derive_t *x, const char *unit, const uint8_t *ekey,
                           size_t eklen, const uint8_t *bytes, size_t len, Massline__Event *ev,
                           ml_reject_t *rej);

//  Rebuilds every derived database of the writable store SELF from its event log, in one write
//  transaction, and records this collector's format: the upgrade from format 1 or 2.
//  (ml_store_upgrade.c)
int ml_store_rebuild (ml_store_t *self, char *err, size_t errlen);

//  Counts a rejected event of UNIT. (ml_store_derive.c)
void ml_store_derive_reject (ml_store_derive_t *x, const char *unit);

//  Adds the counter deltas X caches to units[unit]. (ml_store_derive.c)
void ml_store_count_flush (ml_store_derive_t *x);

#endif
