/* main.c -- massline-collector: set up a bureau (init, keygen), run the daemon (serve), verify the store (check). */
#include "ml_cli.h"
#include "ml_config.h"
#include "ml_err.h"
#include "ml_init.h"
#include "ml_keys.h"
#include "ml_log.h"
#include "ml_serve.h"
#include "ml_store.h"

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "massline-collector"

//  Loads collector.ini. Returns 0 or prints the error and returns 2.
static int
s_load_config (const char *path, ml_collector_config_t *cfg)
{
    char err[1024];
    memset (cfg, 0, sizeof *cfg);
    if (ml_config_load (path, ml_collector_opts, cfg, err, sizeof err)) {
        ml_die_msg ("%s", err);
        return 2;
    }
    return 0;
}

// ---------------------------------------------------------------------------

static int
s_cmd_init (int argc, char **argv, const char *config)
{
    (void) config;
    const char *dir = NULL, *ingest = NULL, *query = NULL, *state_dir = NULL;
    ml_init_unit_t *units = calloc ((size_t) argc + 1, sizeof *units);
    size_t nunits = 0;
    char err[1024];
    int code = 2;
    if (!units) {
        ml_die_msg ("init: out of memory");
        return 1;
    }
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        bool takes = strcmp (arg, "--unit") == 0 || strcmp (arg, "--ingest") == 0
                  || strcmp (arg, "--query") == 0 || strcmp (arg, "--state-dir") == 0;
        if (takes && i + 1 >= argc) {
            code = ml_cli_usage_error ("init: %s needs a value", arg);
            goto done;
        }
        if (strcmp (arg, "--unit") == 0) {
            if (ml_init_parse_unit (argv[++i], &units[nunits], err, sizeof err)) {
                code = ml_cli_usage_error ("init: %s", err);
                goto done;
            }
            nunits++;
        }
        else
        if (strcmp (arg, "--ingest") == 0)
            ingest = argv[++i];
        else
        if (strcmp (arg, "--query") == 0)
            query = argv[++i];
        else
        if (strcmp (arg, "--state-dir") == 0)
            state_dir = argv[++i];
        else
        if (arg[0] == '-' || dir) {
            code = ml_cli_usage_error ("init: unexpected argument '%s'", arg);
            goto done;
        }
        else
            dir = arg;
    }
    if (!dir || !nunits) {
        code = ml_cli_usage_error ("init: usage: init DIR --unit ID[:NAME]... [--ingest ENDPOINT] [--query ENDPOINT] [--state-dir DIR]");
        goto done;
    }
    int rc = ml_init_bureau (dir, units, nunits, ingest, query, state_dir, stdout, err, sizeof err);
    if (rc) {
        ml_die_msg ("init: %s", err);
        code = rc == ML_EINVAL ? 2 : 1;
        goto done;
    }
    printf ("bureau ready in %s: start it with `" PROG " -c %s/collector.ini serve`; "
            "copy %s/agents/ID/ to each unit\n", dir, dir, dir);
    code = 0;
done:
    free (units);
    return code;
}

static int
s_cmd_keygen (int argc, char **argv, const char *config)
{
    (void) config;
    if (argc != 1 || argv[0][0] == '-')
        return ml_cli_usage_error ("keygen: usage: keygen PREFIX");
    char err[1024];
    if (ml_keys_write (argv[0], NULL, err, sizeof err)) {
        ml_die_msg ("keygen: %s", err);
        return 1;
    }
    printf ("wrote %s.pub\nwrote %s.key\n", argv[0], argv[0]);
    return 0;
}

static volatile sig_atomic_t s_stop;

static void
s_on_signal (int sig)
{
    (void) sig;
    s_stop = 1;
}

static int
s_cmd_serve (int argc, char **argv, const char *config)
{
    (void) argv;
    if (argc != 0)
        return ml_cli_usage_error ("serve: takes no arguments");
    ml_collector_config_t cfg;
    if (s_load_config (config, &cfg))
        return 2;
    char err[1024];
    int code;
    ml_serve_t *serve = ml_serve_new (&cfg, &code, err, sizeof err);
    ml_config_free (ml_collector_opts, &cfg);
    if (!serve) {
        ml_die_msg ("serve: %s", err);
        return code;
    }
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;      //  no SA_RESTART: the poll returns at once
    sigaction (SIGTERM, &sa, NULL);
    sigaction (SIGINT, &sa, NULL);
    signal (SIGXFSZ, SIG_IGN);        //  past ulimit -f a write fails (storage full), not the process
    int rc = ml_serve_run (serve, &s_stop);
    ml_serve_destroy (&serve);
    return rc ? 1 : 0;
}

static void
s_print_mismatch (void *arg, const char *line)
{
    (void) arg;
    printf ("check: %s\n", line);
}

static int
s_cmd_check (int argc, char **argv, const char *config)
{
    (void) argv;
    if (argc != 0)
        return ml_cli_usage_error ("check: takes no arguments");
    ml_collector_config_t cfg;
    if (s_load_config (config, &cfg))
        return 2;
    char err[1024];
    ml_store_t *store = ml_store_open (cfg.data_dir, cfg.map_size_mb, true, err, sizeof err);
    ml_config_free (ml_collector_opts, &cfg);
    if (!store) {
        ml_die_msg ("check: %s", err);
        return 2;
    }
    ml_check_stats_t stats;
    int rc = ml_store_check (store, NULL, s_print_mismatch, NULL, &stats, err, sizeof err);
    ml_store_close (&store);
    if (rc == 0) {
        printf ("check: ok: %" PRIu64 " events, %" PRIu64 " rejects, %" PRIu64 " units, %" PRIu64 " agents\n",
                stats.events, stats.rejects, stats.units, stats.agents);
        return 0;
    }
    if (rc == ML_ECONFLICT)
        ml_die_msg ("check: %" PRIu64 " mismatch%s between the stored state and the event log",
                    stats.mismatches, stats.mismatches == 1 ? "" : "es");
    else
        ml_die_msg ("check: %s", err);
    return 1;
}

// ---------------------------------------------------------------------------

static const ml_cli_command_t s_commands[] = {
    { "init", s_cmd_init, "init DIR --unit ID[:NAME]... [--ingest ENDPOINT] [--query ENDPOINT] [--state-dir DIR]",
      "write a bureau into DIR: collector.ini, keys/, registry.ini, one bundle per unit in\n"
      "      agents/ID/ (agent.ini and keys, to copy to that unit), staff/admin.ini for an auditor;\n"
      "      refuses to overwrite an existing setup. --state-dir /var/lib/massline puts data_dir\n"
      "      and the agents' outbox and spool there (absolute), as the systemd units need" },
    { "keygen", s_cmd_keygen, "keygen PREFIX",
      "write a CURVE key pair PREFIX.pub and PREFIX.key (mode 0600)" },
    { "serve", s_cmd_serve, "-c collector.ini serve",
      "run the ingest and query endpoints until SIGTERM/SIGINT" },
    { "check", s_cmd_check, "-c collector.ini check",
      "recompute everything derived from the event log and compare it with the store\n"
      "      (safe while serve runs); exit 0 when they match, 1 naming each mismatch" },
    { NULL, NULL, NULL, NULL }
};

static void
s_help (void)
{
    printf ("usage: " PROG " [-c FILE] COMMAND [ARGS]\n\n"
            "The massline collector: receives events from the units' agents over CURVE, stores them\n"
            "exactly once in LMDB, answers the massline client.\n\ncommands:\n");
    for (const ml_cli_command_t *c = s_commands; c->name; c++)
        printf ("  %s\n      %s\n", c->usage, c->help);
    printf ("\noptions:\n"
            "  -c, --config FILE   the collector's configuration (default collector.ini)\n"
            "  -h, --help          this text\n"
            "  -V, --version       the version\n\n"
            "collector.ini:\n");
    ml_config_print_help (stdout, ml_collector_opts);
    printf ("\nexit status: 0 ok, 1 the work failed, 2 bad usage or configuration\n");
}

static const ml_cli_t s_cli = { PROG, "collector.ini", s_commands, s_help, "which command? init, keygen, serve or check", false, false };

int
main (int argc, char **argv)
{
    return ml_cli_main (&s_cli, argc, argv);
}
