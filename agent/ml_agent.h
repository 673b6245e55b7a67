/* ml_agent.h -- what massline-agent and its network half, massline-agent-forward, share: the
   command line, agent.ini and --help. massline-agent does the local commands and execs
   massline-agent-forward with the same command line for `run` and `flush`, so that a `record`
   never loads ZeroMQ. */
#ifndef ML_AGENT_H
#define ML_AGENT_H

#include <stdbool.h>
#include <stdio.h>

#include "ml_outbox.h"

enum { ML_AGENT_EXIT_WORK = 1, ML_AGENT_EXIT_USAGE = 2 };   //  exit statuses besides 0 (interfaces.md)

//  agent.ini.
typedef struct {
    char *id;                   //  agent id in the collector's registry
    char *unit;                 //  unit, for logs ("" when not given)
    char *outbox;               //  outbox folder
    char *collector;            //  collector ingest endpoint
    char *collector_key;        //  collector public key, Z85 text
    char *public_key;           //  path of this agent's public key file
    char *secret_key;           //  path of this agent's secret key file (0600)
    long batch_size;            //  events per batch
    long window;                //  batches in flight
    long ack_timeout_ms;        //  silence that makes the forwarder reconnect
    char *spool;                //  spool folder watched by `run`
    long outbox_max_mb;         //  the outbox's size limit (LMDB map), MiB
    char *spool_group;          //  group that may drop files into the spool ("": none)
    char *query;                //  the collector's query endpoint, for the desk's reports ("": none)
    //  [web]: the unit desk (massline-agent web)
    char *web_listen;           //  HOST:PORT
    char *web_data_dir;         //  the desk's accounts (LMDB)
    char *web_tls_cert;         //  PEM files for HTTPS, or ""
    char *web_tls_key;
    long web_max_body_bytes;    //  the largest upload
    long web_session_idle_s;
    long web_session_max_s;
    long web_fast_hash;         //  tests only: cheapest argon2id
} ml_agent_config_t;

//  The command line: [-c FILE] COMMAND [ARGS...]; -c, --help and --version are taken anywhere
//  before "--", the other words after the command are its arguments.
typedef struct {
    const char *config;         //  -c FILE, or "agent.ini"
    const char *cmd;            //  the command, or NULL when none was given
    int nargs;                  //  how many words follow it
    char **args;                //  those words, NULL-terminated (the array is owned)
} ml_agent_args_t;

//  Parses ARGV (borrowed; must outlive ARGS). Returns true when a command (or none) is to be
//  dispatched; false when the work is done: --help or --version printed (*CODE 0), or bad usage
//  (or no memory) reported on stderr (*CODE 2 or 1). Free ARGS with ml_agent_args_free either way.
bool ml_agent_args_parse (ml_agent_args_t *args, int argc, char **argv, int *code);

//  Frees what ml_agent_args_parse allocated. Safe to call twice.
void ml_agent_args_free (ml_agent_args_t *args);

//  Loads and checks agent.ini from PATH into CFG. Returns 0, or ML_AGENT_EXIT_USAGE with the
//  reason printed ("agent.ini:7: batch_size: not a whole number (abc)").
int ml_agent_config_load (const char *path, ml_agent_config_t *cfg);

//  Frees the strings of CFG. Safe to call twice.
void ml_agent_config_free (ml_agent_config_t *cfg);

//  Opens CFG's outbox for command CMD. Returns NULL with "CMD: reason" printed on failure.
ml_outbox_t *ml_agent_open_outbox (const ml_agent_config_t *cfg, const char *cmd);

//  With spool_group set, makes CFG's spool folder and its done/ and failed/ belong to that
//  group, mode 2770 (setgid: files dropped in stay the group's), so that the group's members
//  drop ledgers in without root. Returns 0 (also when unset), or -1 with the reason printed.
int ml_agent_spool_group (const ml_agent_config_t *cfg);

//  Prints massline-agent's --help on stdout.
void ml_agent_help (void);

//  Prints agent.ini's keys with their defaults and help on OUT (for a --help).
void ml_agent_config_help (FILE *out);

#endif
