/* ml_client.h -- what the massline client's subcommands share: one request to the collector. */
#ifndef ML_CLIENT_H
#define ML_CLIENT_H

#include <jansson.h>

//  Sends QueryRequest{COMMAND, ARGS ("key=value")} to the collector named in the client config
//  CONFIG and returns its JSON answer (the caller's to free). On failure prints one line on stderr
//  (no answer, refused with the collector's code and message, bad config), sets *CODE to the exit
//  code (1 the work failed, 2 config) and returns NULL.
json_t *ml_client_query (const char *config, const char *command, int nargs, char **args, int *code);

//  `massline report ...` and `massline sample ...`: ARGV are the words after the command name.
//  Return the exit code.
int ml_client_report (int argc, char **argv, const char *config);
int ml_client_sample (int argc, char **argv, const char *config);

//  `massline review accept|return UNIT YEAR [--reason TEXT]` and `massline report verify FILE`
//  (client_chain.c). Return the exit code.
int ml_client_review (int argc, char **argv, const char *config);
int ml_client_verify (int argc, char **argv, const char *config);

#include <stddef.h>
#include "ml_render.h"

//  Hands client.ini's [document] settings to the PDF renderer (client_report.c). 0, or 2 said.
int ml_client_document_settings (const char *config);

//  Renders REPORT in FORMAT into *BUF (malloc'd), *LEN: ml_render, plus, for a sealed document,
//  its id ("massline-document: H001/2025/3") as the last line (an HTML comment in html).
int ml_client_render (const json_t *report, ml_format_t format, char **buf, size_t *len, char *err,
                      size_t errlen);

#endif
