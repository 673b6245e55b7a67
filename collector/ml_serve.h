/* ml_serve.h -- the collector daemon: CURVE ingest and query ROUTERs, the ZAP handler, group commit;
   queries are answered on worker threads (ml_serve_query.h). */
#ifndef ML_SERVE_H
#define ML_SERVE_H

#include <signal.h>
#include <stddef.h>

#include "ml_config.h"

//  collector.ini, [collector] (docs/config.md).
typedef struct {
    char *data_dir;                     //  LMDB environment
    char *ingest;                       //  ROUTER endpoint for agents
    char *query;                        //  ROUTER endpoint for `massline`
    char *public_key;                   //  the collector's public key (Z85 text)
    char *secret_key;                   //  path of the secret key file (mode 0600)
    char *registry;                     //  path of registry.ini
    char *rules;                        //  path of the rule file (rules.ini), loaded at startup
    long map_size_mb;                   //  LMDB map size
    long max_frame_bytes;               //  ZMQ_MAXMSGSIZE of both ROUTERs
    long due_day;                       //  a month's ledger is due by this day of the next month
    char *upstream;                     //  upstream.ini of the higher tier ("": none; docs/tiers.md)
    char *tier;                         //  "bureau" or "committee" (takes only members' reports)
    long query_workers;                 //  threads that answer queries
    long query_queue;                   //  queries that may wait for a worker; more: "busy"
    long query_cache;                   //  1: keep read-only report answers per store generation
} ml_collector_config_t;

//  The option table of collector.ini (for ml_config_load and --help).
extern const ml_opt_t ml_collector_opts[];

typedef struct ml_serve ml_serve_t;

//  Sets up the daemon from CFG: reads the secret key (must be 0600), loads the registry and the
//  rule file, opens the store, binds the ZAP handler and both ROUTERs. Returns NULL and writes
//  one line into ERR on failure ("rules.ini:12: ..." for a bad rule file); *CODE is 2 when the
//  setup is bad (key mode, registry, rule file, data dir), 1 otherwise.
ml_serve_t *ml_serve_new (const ml_collector_config_t *cfg, int *code, char *err, size_t errlen);

//  Serves until *STOP becomes nonzero (set it from a SIGTERM/SIGINT handler): starts the query
//  threads, runs ingest on this thread, stops them. Returns 0 on a clean stop, or a negative
//  ml_err_t when the sockets failed or the threads could not start.
int ml_serve_run (ml_serve_t *self, volatile sig_atomic_t *stop);

//  Closes sockets and store and sets *SELF_P to NULL. Safe on NULL.
void ml_serve_destroy (ml_serve_t **self_p);

#endif
