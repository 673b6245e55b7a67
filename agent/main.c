/* main.c -- massline-agent: records a unit's events in a durable outbox and forwards them to
   the bureau's collector. Commands: record, import, refs, correct, void, close, submit, template,
   status here
   (cmd_*.c, cmd.h; this file keeps the command table and the exec of the forwarder);
   run and flush (forwarding, and the spool folder) in massline-agent-forward, which this program
   execs for them with the command line as parsed here (interfaces.md, ml_agent.h). The command
   line is lib/ml_cli's, as for massline-collector and massline. */
#include "cmd.h"
#include "ml_cli.h"
#include "ml_err.h"
#include "ml_i18n.h"
#include "ml_log.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "massline-agent"

// ---------------------------------------------------------------------------------------------

//  Execs massline-agent-forward with the command line ARGV: the one beside this program (the
//  build tree) if there is one, else the installed one in ML_LIBEXECDIR. SIGTERM and SIGINT stay
//  blocked across the exec until the forwarder has its handlers. Returns only on failure:
//  EXIT_WORK (printed).
static int
s_exec_prog (const char *cmd, const char *prog, char **argv)
{
    sigset_t set, old;
    sigemptyset (&set);
    sigaddset (&set, SIGTERM);
    sigaddset (&set, SIGINT);
    sigprocmask (SIG_BLOCK, &set, &old);
    char self[4096], path[4096];
    ssize_t len = readlink ("/proc/self/exe", self, sizeof self);
    char *slash = len > 0 && len < (ssize_t) sizeof self ? memrchr (self, '/', (size_t) len) : NULL;
    if (slash && snprintf (path, sizeof path, "%.*s/%s", (int) (slash - self), self,
                           prog) < (int) sizeof path && access (path, X_OK) == 0)
        execv (path, argv);
    snprintf (path, sizeof path, "%s/%s", ML_LIBEXECDIR, prog);
    execv (path, argv);
    int error = errno;
    sigprocmask (SIG_SETMASK, &old, NULL);
    ml_die_msg ("%s: cannot start %s: %s", cmd, path, strerror (error));
    return EXIT_WORK;
}

// ---------------------------------------------------------------------------------------------
// The command table: what ml_cli runs for each command word.

static char *s_argv0;                  //  this program as started (the forwarder's argv[0])

//  The network's commands: massline-agent-forward reads the command line again, as parsed here
//  (-c CONFIG -- CMD ARGS...), and agent.ini with it.
static int
s_exec_cmd (const char *prog, const char *cmd, int argc, char **argv, const char *config)
{
    char **fargv = calloc ((size_t) argc + 6, sizeof *fargv);
    if (!fargv) {
        ml_die_msg ("%s: %s", cmd, ml_strerror (ML_ENOMEM));
        return EXIT_WORK;
    }
    char *head[] = { s_argv0, "-c", (char *) config, "--", (char *) cmd };
    memcpy (fargv, head, sizeof head);
    memcpy (fargv + 5, argv, (size_t) argc * sizeof *argv);
    int ret = s_exec_prog (cmd, prog, fargv);
    free (fargv);
    return ret;
}

static int
s_forward (const char *cmd, int argc, char **argv, const char *config)
{
    return s_exec_cmd (ML_FORWARD_PROG, cmd, argc, argv, config);
}

//  The unit desk's commands: massline-agent-web (libmicrohttpd), as the forwarder is execed.
static int
s_run_user (int argc, char **argv, const char *config)
{
    return s_exec_cmd (ML_DESK_PROG, "user", argc, argv, config);
}

static int
s_run_web (int argc, char **argv, const char *config)
{
    return s_exec_cmd (ML_DESK_PROG, "web", argc, argv, config);
}

//  Runs RUN with agent.ini loaded from CONFIG. Returns RUN's exit code, or EXIT_USAGE (printed).
static int
s_configured (int (*run) (const ml_agent_config_t *, int, char **), int argc, char **argv,
              const char *config)
{
    ml_agent_config_t cfg;
    int ret = ml_agent_config_load (config, &cfg);
    //  record and import may just die on a signal: an LMDB transaction is all or nothing
    if (ret == 0)
        ret = run (&cfg, argc, argv);
    ml_agent_config_free (&cfg);
    return ret;
}

static int
s_run_record (int argc, char **argv, const char *config)
{
    return s_configured (ml_cmd_record, argc, argv, config);
}

static int
s_run_import (int argc, char **argv, const char *config)
{
    return s_configured (ml_cmd_import, argc, argv, config);
}

static int
s_run_refs (int argc, char **argv, const char *config)
{
    return s_configured (ml_cmd_refs, argc, argv, config);
}

static int
s_run_correct (int argc, char **argv, const char *config)
{
    return s_configured (ml_cmd_correct, argc, argv, config);
}

static int
s_run_void (int argc, char **argv, const char *config)
{
    return s_configured (ml_cmd_void, argc, argv, config);
}

static int
s_run_close (int argc, char **argv, const char *config)
{
    return s_configured (ml_cmd_close, argc, argv, config);
}

static int
s_run_submit (int argc, char **argv, const char *config)
{
    return s_configured (ml_cmd_submit, argc, argv, config);
}

static int
s_run_template (int argc, char **argv, const char *config)
{
    (void) config;                      //  templates need no configuration
    return ml_cmd_template (argc, argv);
}

static int
s_run_run (int argc, char **argv, const char *config)
{
    return s_forward ("run", argc, argv, config);
}

static int
s_run_flush (int argc, char **argv, const char *config)
{
    return s_forward ("flush", argc, argv, config);
}

static int
s_run_status (int argc, char **argv, const char *config)
{
    return s_configured (ml_cmd_status, argc, argv, config);
}

static const ml_cli_command_t s_commands[] = {
    { "record", s_run_record, "-c agent.ini record KIND key=value...",
      N_("validate one event and commit it to the outbox; prints its ref. KIND is an event kind\n"
      "      (person, org, research_trip, reception_day, talk, ...); keys as in the JSONL ledger,\n"
      "      lists (roles) as JSON") },
    { "import", s_run_import, "-c agent.ini import FILE...",
      N_("import ledgers: .jsonl, or .csv (UTF-8 with or without BOM, or GB18030; Chinese headers\n"
      "      as in the templates), or .xlsx (the first sheet; LINE is the sheet's row number),\n"
      "      all or nothing per file: every bad row is reported as\n"
      "      FILE:LINE: field 'x': reason and nothing of that file is recorded; rows already\n"
      "      recorded are skipped") },
    { "refs", s_run_refs, "-c agent.ini refs FILE...",
      N_("print the ref each row of a ledger gets, and whether it is recorded (FILE:LINE, REF,\n"
      "      new or recorded); records nothing") },
    { "correct", s_run_correct, "-c agent.ini correct REF key=value...",
      N_("record a correction of event REF: its current version with the keys given changed\n"
      "      (key= removes an optional key); prints its ref") },
    { "void", s_run_void, "-c agent.ini void REF --reason TEXT [--restatement TEXT]",
      N_("record that event REF is withdrawn; prints the void's ref. In a year the bureau has\n"
      "      accepted, a correction or void needs --restatement TEXT (correct takes it too):\n"
      "      the year then goes back to the bureau as a new version") },
    { "close", s_run_close, "-c agent.ini close YYYY-MM",
      N_("declare the unit's ledger for that month complete (period_close; due by the 10th of\n"
      "      the next month, or as the bureau set it); nothing to report is a close too") },
    { "submit", s_run_submit, "-c agent.ini submit YEAR --filler P --reviewer P --approver P",
      N_("submit the unit's year-end report to the bureau, naming 填报人, 审核人 and 负责人\n"
      "      (persons of the roster); `status` shows the bureau's decision after the next contact") },
    { "template", s_run_template,
      "template [--xlsx] KIND [-o FILE] | template [--xlsx] --all DIR | template --list",
      N_("write the CSV template of a ledger (KIND: reception_day or 接访台账, ...; stdout by\n"
      "      default), every template into DIR named after the ledgers, or list the ledgers:\n"
      "      kind and Chinese name; needs no configuration. --xlsx: an Excel workbook instead\n"
      "      (dropdowns, date cells, the sample row on its 填写说明 sheet); needs -o FILE") },
    { "run", s_run_run, "-c agent.ini run",
      N_("forward the outbox to the collector until SIGTERM/SIGINT; reconnects by itself. Also\n"
      "      watches the spool folder: a .csv or .jsonl file put there (copy it elsewhere, then\n"
      "      move it in) is imported and moved to done/, or to failed/ with NAME.errors.txt") },
    { "flush", s_run_flush, "-c agent.ini flush [--timeout SECONDS]",
      N_("forward until everything recorded so far is acknowledged (default 60 s; exit 1 on\n"
      "      timeout); waits for a running `run` instead when one is forwarding") },
    { "status", s_run_status, "-c agent.ini status [--json]",
      N_("pending, acknowledged and rejected counts, last contact, and the rejected events with\n"
      "      the collector's reasons") },
    { "user", s_run_user, "-c agent.ini user add|passwd|disable NAME | user list",
      N_("the unit desk's accounts (clerks): add one (password: one line on standard input),\n"
      "      set its password, disable it, or list them") },
    { "web", s_run_web, "-c agent.ini web",
      N_("serve the unit desk ([web] listen, http://127.0.0.1:7781/ by default) until SIGTERM:\n"
      "      upload ledgers, fill rows, see the outbox, correct, withdraw, close a month, submit") },
    { NULL, NULL, NULL, NULL }
};

static void
s_help (void)
{
    printf (_("usage: %s [-c FILE] COMMAND [ARGS]\n\n"
            "The massline agent: records a unit's direct-contact activity events in a durable\n"
            "outbox and forwards them to the bureau's massline-collector, exactly once, over\n"
            "CURVE-encrypted ZeroMQ.\n\ncommands:\n"), PROG);
    for (const ml_cli_command_t *c = s_commands; c->name; c++)
        printf ("  %s\n      %s\n", c->usage, _(c->help));
    printf (_("\noptions:\n"
            "  -c, --config FILE   the agent's configuration (default agent.ini)\n"
            "  -h, --help          this text\n"
            "  -V, --version       the version\n"
            "  --                  end of options: later words are the command's\n\n"
            "agent.ini:\n"));
    ml_agent_config_help (stdout);
    printf (_("\nenvironment: MASSLINE_TODAY=YYYY-MM-DD fixes \"today\"; MASSLINE_DEBUG=1 prints debug lines\n"
            "\nexit status: 0 ok, 1 the work failed (a bad row, a timeout), 2 bad usage or configuration\n"));
}

static const ml_cli_t s_cli = { PROG, "agent.ini", s_commands, s_help,
    "which command? record, import, refs, correct, void, close, submit, template, run, flush, status, user or web", false, true };

int
main (int argc, char **argv)
{
    //  Past ulimit -f a write fails (the outbox says so) instead of killing us; an ignored signal
    //  stays ignored across the exec of the forwarder.
    signal (SIGXFSZ, SIG_IGN);
    ml_i18n_init ();
    s_argv0 = argv[0];
    return ml_cli_main (&s_cli, argc, argv);
}
