/* main.c -- massline-collector: set up a bureau (init, keygen), run the daemon (serve), verify the store (check). */
#include "ml_cli.h"
#include "ml_config.h"
#include "ml_err.h"
#include "ml_init.h"
#include "ml_keys.h"
#include "ml_log.h"
#include "ml_registry.h"
#include "ml_serve.h"
#include "ml_store.h"

#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

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
    if (cfg->upstream && *cfg->upstream) {   //  relative to collector.ini, like the other paths
        char *resolved = ml_config_resolve (path, cfg->upstream);
        if (!resolved) {
            ml_die_msg ("out of memory");
            return 2;
        }
        free (cfg->upstream);
        cfg->upstream = resolved;
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
    bool committee = false;
    if (!units) {
        ml_die_msg ("init: out of memory");
        return 1;
    }
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        bool takes = strcmp (arg, "--unit") == 0 || strcmp (arg, "--ingest") == 0
                  || strcmp (arg, "--query") == 0 || strcmp (arg, "--state-dir") == 0
                  || strcmp (arg, "--tier") == 0 || strcmp (arg, "--member") == 0;
        if (takes && i + 1 >= argc) {
            code = ml_cli_usage_error ("init: %s needs a value", arg);
            goto done;
        }
        if (strcmp (arg, "--tier") == 0) {
            if (strcmp (argv[++i], "committee") != 0) {
                code = ml_cli_usage_error ("init: --tier: committee is the one higher tier (not '%s')",
                                           argv[i]);
                goto done;
            }
            committee = true;
        }
        else
        if (strcmp (arg, "--unit") == 0 || strcmp (arg, "--member") == 0) {
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
    int rc = committee
           ? ml_init_committee (dir, units, nunits, ingest, query, state_dir, stdout, err, sizeof err)
           : ml_init_bureau (dir, units, nunits, ingest, query, state_dir, stdout, err, sizeof err);
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
// staff add: a client key with a role, registered (interfaces.md "Shapes fixed for v2")

static int
s_write_file (const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen (path, "wx");
    if (!f)
        return -1;
    fputs (text, f);
    int rc = fclose (f);
    chmod (path, mode);
    return rc;
}

static int
s_cmd_staff (int argc, char **argv, const char *config)
{
    const char *name = NULL, *role = NULL;
    if (argc < 1 || strcmp (argv[0], "add") != 0)
        return ml_cli_usage_error ("staff: usage: staff add NAME --role staff|auditor|reviewer|leader");
    for (int i = 1; i < argc; i++)
        if (strcmp (argv[i], "--role") == 0 && i + 1 < argc)
            role = argv[++i];
        else
        if (strncmp (argv[i], "--role=", 7) == 0)
            role = argv[i] + 7;
        else
        if (!name && argv[i][0] != '-')
            name = argv[i];
        else
            return ml_cli_usage_error ("staff add: unexpected argument '%s'", argv[i]);
    if (!name || !role)
        return ml_cli_usage_error ("staff: usage: staff add NAME --role staff|auditor|reviewer|leader");
    if (strcmp (role, "staff") && strcmp (role, "auditor") && strcmp (role, "reviewer")
    &&  strcmp (role, "leader"))
        return ml_cli_usage_error ("staff add: --role: unknown role '%s' (staff, auditor, reviewer "
                                   "or leader)", role);
    ml_collector_config_t cfg;
    if (s_load_config (config, &cfg))
        return 2;
    char err[1024];
    ml_registry_t *reg = ml_registry_load (cfg.registry, err, sizeof err);
    int ret = 1;
    if (!reg) {
        ml_die_msg ("staff add: %s", err);
        ret = 2;
        goto done;
    }
    if (!ml_registry_id_ok (name)) {
        ret = ml_cli_usage_error ("staff add: '%s' is not a name (1-64 of A-Z a-z 0-9 . _ -)", name);
        goto done;
    }
    for (size_t i = 0; i < ml_registry_principal_count (reg); i++)
        if (strcmp (ml_registry_principal_at (reg, i)->id, name) == 0
            && ml_registry_principal_at (reg, i)->kind == ML_PRINCIPAL_CLIENT) {
            ml_die_msg ("staff add: %s is registered already (%s)", name, cfg.registry);
            goto done;
        }
    //  staff/ beside the registry
    char dir[4096], path[4200], pub[ML_KEY_LEN + 1], text[2048];
    const char *slash = strrchr (cfg.registry, '/');
    snprintf (dir, sizeof dir, "%.*s%sstaff", slash ? (int) (slash - cfg.registry) : 0,
              cfg.registry, slash ? "/" : "");
    mkdir (dir, 0700);
    snprintf (path, sizeof path, "%s/%s", dir, name);
    if (ml_keys_write (path, pub, err, sizeof err)) {
        ml_die_msg ("staff add: %s", err);
        goto done;
    }
    snprintf (path, sizeof path, "%s/collector.pub", dir);
    snprintf (text, sizeof text, "%s\n", cfg.public_key);
    if (access (path, F_OK) != 0 && s_write_file (path, text, 0644)) {
        ml_die_msg ("staff add: %s: cannot write: %s", path, strerror (errno));
        goto done;
    }
    snprintf (path, sizeof path, "%s/%s.ini", dir, name);
    snprintf (text, sizeof text,
              "; the massline client of %s (role %s), written by massline-collector staff add.\n"
              "[client]\nquery = %s\ncollector_key = collector.pub\npublic_key = %s.pub\n"
              "secret_key = %s.key\ntimeout_ms = 10000\n", name, role, cfg.query, name, name);
    if (s_write_file (path, text, 0644)) {
        ml_die_msg ("staff add: %s: cannot write: %s", path, strerror (errno));
        goto done;
    }
    FILE *f = fopen (cfg.registry, "a");
    if (!f || fprintf (f, "\n[client %s]\nrole = %s\nkey = %s\n", name, role, pub) < 0 || fclose (f)) {
        ml_die_msg ("staff add: %s: cannot append: %s", cfg.registry, strerror (errno));
        goto done;
    }
    printf ("wrote %s/%s.pub\nwrote %s/%s.key\nwrote %s\nregistered [client %s] (role %s) in %s; "
            "restart the collector to let it in\n", dir, name, dir, name, path, name, role, cfg.registry);
    ret = 0;
done:
    ml_registry_destroy (&reg);
    ml_config_free (ml_collector_opts, &cfg);
    return ret;
}

// ---------------------------------------------------------------------------

static const ml_cli_command_t s_commands[] = {
    { "init", s_cmd_init, "init DIR --unit ID[:NAME]... | --tier committee --member ID[:NAME]... [--ingest ENDPOINT] [--query ENDPOINT] [--state-dir DIR]",
      "write a bureau into DIR: collector.ini, keys/, registry.ini, one bundle per unit in\n"
      "      agents/ID/ (agent.ini and keys, to copy to that unit), staff/admin.ini for an auditor;\n"
      "      refuses to overwrite an existing setup. --state-dir /var/lib/massline puts data_dir\n"
      "      and the agents' outbox and spool there (absolute), as the systemd units need" },
    { "keygen", s_cmd_keygen, "keygen PREFIX",
      "write a CURVE key pair PREFIX.pub and PREFIX.key (mode 0600)" },
    { "serve", s_cmd_serve, "-c collector.ini serve",
      "run the ingest and query endpoints until SIGTERM/SIGINT" },
    { "staff", s_cmd_staff, "-c collector.ini staff add NAME --role staff|auditor|reviewer|leader",
      "write staff/NAME.ini with its keys (beside the registry) and register it as a client\n"
      "      with that role; the collector lets it in from its next start" },
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

static const ml_cli_t s_cli = { PROG, "collector.ini", s_commands, s_help, "which command? init, keygen, staff, serve or check", false, false };

int
main (int argc, char **argv)
{
    return ml_cli_main (&s_cli, argc, argv);
}
