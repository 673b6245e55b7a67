/* ml_client.h -- one request to the collector's query endpoint (ml_client_ask.c over proto/ml_ask,
   in the client library that massline and massline-web share), and the massline client's
   subcommands. */
#ifndef ML_CLIENT_H
#define ML_CLIENT_H

#include <jansson.h>
#include <stdio.h>

#include "ml_ask.h"
#include "ml_wire.h"

//  Where and as whom to ask (proto/ml_ask.h).
typedef ml_ask_peer_t ml_client_peer_t;

//  ml_ask_exchange and ml_ask_call (a "busy" collector is asked again a few times), under the
//  names the client library's callers know.
Massline__Frame *ml_client_exchange (const ml_client_peer_t *peer, const char *what,
                                     Massline__Frame *request, char *code, size_t codelen,
                                     char *msg, size_t msglen);
json_t *ml_client_call (const ml_client_peer_t *peer, const char *command, int nargs, char **args,
                        char *code, size_t codelen, char *msg, size_t msglen);

//  As ml_client_exchange, for the client config CONFIG (client.ini); prints why on failure and
//  sets *CODE (1 no answer/refused, 2 config).
Massline__Frame *ml_client_ask (const char *config, const char *what, Massline__Frame *request, int *code);

//  Prints the [client] options of client.ini for --help.
void ml_client_print_config_help (FILE *out);

//  Sends QueryRequest{COMMAND, ARGS ("key=value")} to the collector named in the client config
//  CONFIG and returns its JSON answer (the caller's to free). On failure prints one line on stderr
//  (no answer, refused with the collector's code and message, bad config), sets *CODE to the exit
//  code (1 the work failed, 2 config) and returns NULL.
json_t *ml_client_query (const char *config, const char *command, int nargs, char **args, int *code);

//  As ml_client_query, but prints nothing (bad config aside): on failure fills ECODE with the
//  collector's error code ("denied", "unknown", ..., or "unreachable") and MSG, returns NULL.
json_t *ml_client_query_quiet (const char *config, const char *command, int nargs, char **args,
                               char *ecode, size_t ecodelen, char *msg, size_t msglen);

//  `massline report ...` and `massline sample ...`: ARGV are the words after the command name.
//  Return the exit code.
int ml_client_report (int argc, char **argv, const char *config);
int ml_client_sample (int argc, char **argv, const char *config);

//  `massline review accept|return UNIT YEAR [--reason TEXT]` and `massline report verify FILE`
//  (client_chain.c). Return the exit code.
int ml_client_review (int argc, char **argv, const char *config);
int ml_client_verify (int argc, char **argv, const char *config);

//  `massline watch talk|notice|progress|close ...` (client_watch.c). Returns the exit code.
int ml_client_watch (int argc, char **argv, const char *config);
//  The upper tiers' commands (client_tier.c): `review bureau YEAR [--reason TEXT]`; `report
//  members --year Y` and `report show MEMBER YEAR [...]` (ARGV[0] "members" or "show").
int ml_client_review_bureau (int argc, char **argv, const char *config);
int ml_client_tier_report (int argc, char **argv, const char *config);
//  For `massline status`: the reports sent upward (`status upstream`: JSON null when the
//  collector reports to no higher tier, or the key may not ask, or the collector does not know
//  the query: nothing said), else an array), or NULL when not answered (said on stderr); and
//  its lines under the status table (nothing for null).
json_t *ml_client_tier_upstream (const char *config);
void ml_client_tier_upstream_print (const json_t *upstream);

#include <stddef.h>
#include "ml_render.h"

//  Hands client.ini's [document] settings to the PDF renderer (client_report.c). 0, or 2 said.
int ml_client_document_settings (const char *config);


#endif
