/* ml_test_store.h -- the fixture of the store tests (test_store, test_store_ingest,
   test_store_source, test_store_check, test_store_audit): a fresh LMDB store in the test's temp
   folder, batches built from JSON lines (' for ") and applied, the counts read back, check, and
   the raw LMDB under the store for the tests that look past it or corrupt it. Events are
   validated as of 2026-11-26. */
#ifndef ML_TEST_STORE_H
#define ML_TEST_STORE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_date.h"
#include "ml_store.h"
#include "ml_test.h"

//  Suite .init and .fini: a temp folder (t_dir_setup) with a 64 MB store in it; the teardown
//  closes the store and removes the folder.
void t_store_setup (void);
void t_store_teardown (void);

//  The open store (NULL between t_store_close and t_store_open).
ml_store_t *t_store (void);
//  Opens the store in t_dir () with a map of MAP_MB megabytes (after t_store_close).
void t_store_open (long map_mb);
//  Closes the store.
void t_store_close (void);
//  The day events are validated as of: 2026-11-26.
ml_day_t t_store_today (void);

//  A batch under construction: packed events and their seqs.
typedef struct {
    ml_envelope_t env[64];
    size_t n;
} t_batch_t;

//  Adds the event in JSON (with ' for ") at SEQ.
void t_batch_add (t_batch_t *b, uint64_t seq, const char *quoted);
//  Frees the events of B and empties it.
void t_batch_free (t_batch_t *b);
//  Applies B for AGENT of UNIT in one transaction and commits; asserts success.
void t_apply (const char *agent, const char *unit, t_batch_t *b, ml_batch_result_t *res);

//  The counts of UNIT, and the state of AGENT, each read in a transaction of its own.
ml_unit_counts_t t_unit_counts (const char *unit);
ml_agent_state_t t_agent_state (const char *agent);

//  Runs ml_store_check; asserts it could run and returns 0 or ML_ECONFLICT. The mismatch lines
//  it reported, one a line, are t_check_lines () until the next t_check.
int t_check (ml_check_stats_t *stats);
const char *t_check_lines (void);

//  The store's LMDB opened directly (the store must be closed), a transaction, and database DB.
typedef struct {
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
} t_raw_t;

t_raw_t t_raw_open (const char *db, bool write);
//  Commits (COMMIT) or aborts the transaction and closes the environment.
void t_raw_close (t_raw_t *raw, bool commit);
//  The number of entries in database DB (closes the store around the look, reopens it at 64 MB).
size_t t_entries (const char *db);

//  Events in JSON with ' for ", for t_batch_add. Person ID's record has ref R-ID; talks are P1's.
#define T_PERSON(id) "{'kind':'person','ref':'R-" id "','person':'" id "','name':'张伟'," \
                     "'roles':[{'role':'leader','from':'2025-01-01'}]}"
#define T_TALK(ref, date, with) "{'kind':'talk','ref':'" ref "','date':'" date "','person':'P1'," \
                                "'with':'" with "','with_category':'masses'}"
#define T_TRIP(ref, from, to) "{'kind':'research_trip','ref':'" ref "','date':'" from "','person':'P1'," \
                              "'end':'" to "','place':'丹阳市导墅镇卫生院','stationed':false," \
                              "'unannounced':false,'topic':'医保'}"
#define T_PETITION(ref, date, id) "{'kind':'petition_case','ref':'" ref "','date':'" date "','case':'" id "'," \
                                  "'person':'P1','group_size':1,'measures':'m','responsible':'护理部'," \
                                  "'deadline':'2025-12-01'}"

#endif
