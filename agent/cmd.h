/* cmd.h -- massline-agent's commands (main.c holds the table that runs them): cmd_record.c
   record, import and refs, and the one way an event is recorded; cmd_correct.c correct and void;
   cmd_chain.c close and submit; cmd_status.c status; cmd_template.c template. The commands call
   down into cmd_record.c, never into each other otherwise. */
#ifndef ML_AGENT_CMD_H
#define ML_AGENT_CMD_H

#include "ml_agent.h"
#include "ml_event.h"
#include "ml_outbox.h"

enum { EXIT_WORK = ML_AGENT_EXIT_WORK, EXIT_USAGE = ML_AGENT_EXIT_USAGE };

//  Each command: runs with agent.ini's CFG on the words after the command; returns the exit
//  code (0, EXIT_WORK or EXIT_USAGE), having printed why.
int ml_cmd_record (const ml_agent_config_t *cfg, int argc, char **argv);
int ml_cmd_import (const ml_agent_config_t *cfg, int argc, char **argv);
int ml_cmd_refs (const ml_agent_config_t *cfg, int argc, char **argv);
int ml_cmd_correct (const ml_agent_config_t *cfg, int argc, char **argv);
int ml_cmd_void (const ml_agent_config_t *cfg, int argc, char **argv);
int ml_cmd_close (const ml_agent_config_t *cfg, int argc, char **argv);
int ml_cmd_submit (const ml_agent_config_t *cfg, int argc, char **argv);
int ml_cmd_status (const ml_agent_config_t *cfg, int argc, char **argv);

//  template needs no configuration.
int ml_cmd_template (int argc, char **argv);

//  Validates EV and appends it to OUTBOX with source "record" (and what it supersedes); prints
//  its ref. CMD names the command in messages. Returns 0 or EXIT_WORK (printed).
int ml_cmd_record_event (ml_outbox_t *outbox, const char *cmd, Massline__Event *ev);

#endif
