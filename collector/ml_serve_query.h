/* ml_serve_query.h -- the collector's query endpoint: one thread owns the query ROUTER and puts
   each request in a bounded queue that is fair between keys; worker threads answer from their own
   LMDB transactions, so queries never hold up ingest (ml_serve.c says how writes are kept in order). */
#ifndef ML_SERVE_QUERY_H
#define ML_SERVE_QUERY_H

#include <pthread.h>
#include <stddef.h>

#include "ml_registry.h"
#include "ml_rules.h"
#include "ml_store.h"

typedef struct {
    void *ctx;                          //  the daemon's ZeroMQ context
    void *router;                       //  the bound query ROUTER: from now on the query thread's
    ml_store_t *store;                  //  shared; every worker begins its own transactions
    const ml_registry_t *registry;
    const ml_ruleset_t *rules;
    int due_day;
    pthread_mutex_t *writer;            //  held while a query that writes is answered
    int workers;                        //  threads that answer (>= 1)
    int queue;                          //  requests waiting for a worker, at most; a key at most
                                        //  half of them (at least 1); beyond that Error "busy"
    bool cache;                         //  keep read-only report answers per store generation
} ml_serve_query_cfg_t;

typedef struct ml_serve_query ml_serve_query_t;

//  Starts the query thread and CFG->workers workers. Returns NULL and says why in ERR.
ml_serve_query_t *ml_serve_query_start (const ml_serve_query_cfg_t *cfg, char *err, size_t errlen);

//  Stops the threads (a query being answered is finished first), drops what still waits, and sets
//  *SELF_P to NULL. The ROUTER is the caller's again. Safe on NULL.
void ml_serve_query_stop (ml_serve_query_t **self_p);

#endif
