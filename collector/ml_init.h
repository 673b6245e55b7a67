/* ml_init.h -- `massline-collector init`: write a complete bureau (configs, keys, registry, bundles). */
#ifndef ML_INIT_H
#define ML_INIT_H

#include <stddef.h>
#include <stdio.h>

#include "ml_event.h"

//  A unit to set up: its id and its name (UTF-8, e.g. 镇江市第一人民医院).
typedef struct {
    char id[ML_ID_MAX + 1];
    char name[256];
} ml_init_unit_t;

//  Parses "ID" or "ID:NAME" (the name defaults to the id). Returns 0 or ML_EINVAL with ERR
//  saying why ("unit 'H 1': an id is 1 to 64 characters of A-Z a-z 0-9 . _ -").
int ml_init_parse_unit (const char *arg, ml_init_unit_t *unit, char *err, size_t errlen);

//  Writes a bureau into DIR (docs/config.md): collector.ini, keys/collector.pub|.key,
//  registry.ini, agents/ID/{agent.ini,agent.pub,agent.key,collector.pub} per unit and
//  staff/{admin.ini,admin.pub,admin.key,collector.pub} for an auditor-role client. INGEST and
//  QUERY are the endpoints (NULL: tcp://127.0.0.1:7701 and :7702). Prints each file written to
//  OUT. Returns 0; ML_EEXIST when DIR already holds a bureau (nothing is touched); ML_EINVAL for
//  bad arguments (duplicate unit); ML_EIO when a file cannot be written. ERR says why.
//  STATE_DIR (absolute, or NULL: beside the files) is where data_dir, each agent's outbox and
//  spool go: the StateDirectory of the systemd units, /var/lib/massline.
int ml_init_bureau (const char *dir, const ml_init_unit_t *units, size_t nunits, const char *ingest,
                    const char *query, const char *state_dir, FILE *out, char *err, size_t errlen);

//  Writes a higher tier (a committee) into DIR: a bureau whose units are MEMBERS (N), plus
//  members/ID/{upstream.ini,member.pub,member.key,collector.pub} per member (the bundle a member
//  collector names as upstream = in its collector.ini), and tier = committee in collector.ini.
//  Returns and fails as ml_init_bureau.
int ml_init_committee (const char *dir, const ml_init_unit_t *members, size_t n, const char *ingest,
                       const char *query, const char *state_dir, FILE *out, char *err,
                       size_t errlen);

#endif
