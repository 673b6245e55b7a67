/* ml_agent.c -- the command line, agent.ini and --help of massline-agent, shared with
   massline-agent-forward (its network half). */
#include "ml_agent.h"
#include "ml_config.h"
#include "ml_log.h"

#include <errno.h>
#include <grp.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const ml_opt_t s_opts[] = {
    { "agent", "id", ML_OPT_STR, NULL, offsetof (ml_agent_config_t, id),
      "this agent's id in the collector's registry (for logs)" },
    { "agent", "unit", ML_OPT_STR, "", offsetof (ml_agent_config_t, unit),
      "the unit recorded for (for logs; the collector decides it from the key)" },
    { "agent", "outbox", ML_OPT_PATH, "outbox", offsetof (ml_agent_config_t, outbox),
      "folder of the durable outbox (LMDB; created if missing)" },
    { "agent", "collector", ML_OPT_STR, NULL, offsetof (ml_agent_config_t, collector),
      "the collector's ingest endpoint, e.g. tcp://127.0.0.1:7701" },
    { "agent", "collector_key", ML_OPT_KEY, NULL, offsetof (ml_agent_config_t, collector_key),
      "the collector's public key: a file, or the 40-character Z85 text" },
    { "agent", "public_key", ML_OPT_PATH, "agent.pub", offsetof (ml_agent_config_t, public_key),
      "this agent's public key file" },
    { "agent", "secret_key", ML_OPT_PATH, "agent.key", offsetof (ml_agent_config_t, secret_key),
      "this agent's secret key file; must be mode 0600" },
    { "agent", "batch_size", ML_OPT_INT, "1000", offsetof (ml_agent_config_t, batch_size),
      "events per batch (1..100000)" },
    { "agent", "window", ML_OPT_INT, "8", offsetof (ml_agent_config_t, window),
      "batches in flight without an acknowledgement (1..1000)" },
    { "agent", "ack_timeout_ms", ML_OPT_INT, "5000", offsetof (ml_agent_config_t, ack_timeout_ms),
      "reconnect when the collector says nothing for this long (100..600000)" },
    { "agent", "spool", ML_OPT_PATH, "spool", offsetof (ml_agent_config_t, spool),
      "folder `run` watches for ledgers to import (.csv, .jsonl); done/ and failed/ inside" },
    { "agent", "outbox_max_mb", ML_OPT_INT, "1024", offsetof (ml_agent_config_t, outbox_max_mb),
      "the outbox's size limit in MiB (4..1048576); acknowledged events' bytes beyond a quarter of it are reclaimed" },
    { "agent", "spool_group", ML_OPT_STR, "", offsetof (ml_agent_config_t, spool_group),
      "a group whose members may drop ledgers into the spool folder without root (the folder\n"
      "      is then made group-writable, setgid, mode 2770); empty: only the agent's user" },
    { "agent", "query", ML_OPT_STR, "", offsetof (ml_agent_config_t, query),
      "the collector's query endpoint, e.g. tcp://127.0.0.1:7702: the desk reads the unit's own\n"
      "      reports there with this agent's key (empty: the desk shows no reports)" },
    { "web", "listen", ML_OPT_STR, "127.0.0.1:7781", offsetof (ml_agent_config_t, web_listen),
      "the unit desk (massline-agent web): HOST:PORT to serve on" },
    { "web", "data_dir", ML_OPT_PATH, "desk-data", offsetof (ml_agent_config_t, web_data_dir),
      "the desk's accounts, sessions and audit log (LMDB)" },
    { "web", "tls_cert", ML_OPT_STR, "", offsetof (ml_agent_config_t, web_tls_cert),
      "PEM certificate for HTTPS (empty: plain HTTP, e.g. behind a reverse proxy)" },
    { "web", "tls_key", ML_OPT_STR, "", offsetof (ml_agent_config_t, web_tls_key),
      "PEM private key for HTTPS" },
    { "web", "max_body_bytes", ML_OPT_INT, "16777216", offsetof (ml_agent_config_t, web_max_body_bytes),
      "the largest upload accepted, bytes" },
    { "web", "session_idle_s", ML_OPT_INT, "1800", offsetof (ml_agent_config_t, web_session_idle_s),
      "a session ends after this many seconds unused" },
    { "web", "session_max_s", ML_OPT_INT, "43200", offsetof (ml_agent_config_t, web_session_max_s),
      "and this many seconds after sign-in, whatever" },
    { "web", "fast_hash", ML_OPT_INT, "0", offsetof (ml_agent_config_t, web_fast_hash),
      "1: the cheapest argon2id (tests only; never in production)" },
    { NULL, NULL, 0, NULL, 0, NULL }
};

bool
ml_agent_args_parse (ml_agent_args_t *args, int argc, char **argv, int *code)
{
    *args = (ml_agent_args_t) { "agent.ini", NULL, 0, calloc ((size_t) argc + 1, sizeof (char *)) };
    bool options = true;
    *code = ML_AGENT_EXIT_USAGE;
    if (!args->args) {
        *code = ML_AGENT_EXIT_WORK;
        return false;
    }
    for (int i = 1; i < argc; i++) {
        if (options && strcmp (argv[i], "--") == 0)
            options = false;
        else
        if (options && strcmp (argv[i], "-c") == 0) {
            if (++i == argc) {
                ml_die_msg ("-c: missing FILE (try --help)");
                return false;
            }
            args->config = argv[i];
        }
        else
        if (options && (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)) {
            ml_agent_help ();
            *code = 0;
            return false;
        }
        else
        if (options && strcmp (argv[i], "--version") == 0) {
            printf ("massline-agent %s\n", ML_VERSION);
            *code = 0;
            return false;
        }
        else
        if (!args->cmd) {
            if (options && argv[i][0] == '-') {
                ml_die_msg ("unknown option '%s' (try --help)", argv[i]);
                return false;
            }
            args->cmd = argv[i];
        }
        else
            args->args[args->nargs++] = argv[i];
    }
    *code = 0;
    return true;
}

void
ml_agent_args_free (ml_agent_args_t *args)
{
    free (args->args);
    args->args = NULL;
}

int
ml_agent_config_load (const char *path, ml_agent_config_t *cfg)
{
    char err[512];
    memset (cfg, 0, sizeof *cfg);
    if (ml_config_load (path, s_opts, cfg, err, sizeof err)) {
        ml_die_msg ("%s", err);
        return ML_AGENT_EXIT_USAGE;
    }
    struct { const char *name; long value, min, max; } ranges[] = {
        { "batch_size", cfg->batch_size, 1, 100000 },
        { "window", cfg->window, 1, 1000 },
        { "ack_timeout_ms", cfg->ack_timeout_ms, 100, 600000 },
        { "outbox_max_mb", cfg->outbox_max_mb, 4, 1048576 } };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (ranges[i].value < ranges[i].min || ranges[i].value > ranges[i].max) {
            ml_die_msg ("%s: %s: must be from %ld to %ld (%ld)", path, ranges[i].name,
                        ranges[i].min, ranges[i].max, ranges[i].value);
            return ML_AGENT_EXIT_USAGE;
        }
    return 0;
}

void
ml_agent_config_free (ml_agent_config_t *cfg)
{
    ml_config_free (s_opts, cfg);
}

ml_outbox_t *
ml_agent_open_outbox (const ml_agent_config_t *cfg, const char *cmd)
{
    char err[512];
    ml_outbox_t *outbox = ml_outbox_open (cfg->outbox, (size_t) cfg->outbox_max_mb << 20, err, sizeof err);
    if (!outbox)
        ml_die_msg ("%s: %s", cmd, err);
    return outbox;
}

int
ml_agent_spool_group (const ml_agent_config_t *cfg)
{
    if (!cfg->spool_group || !*cfg->spool_group)
        return 0;
    struct group *g = getgrnam (cfg->spool_group);
    if (!g) {
        ml_die_msg ("spool_group: no group named '%s'", cfg->spool_group);
        return -1;
    }
    //  The folder 2770 (setgid: what is dropped in stays the group's); done/ and failed/ 0770
    //  (a move keeps a file's group). Only what differs is changed: under systemd's
    //  RestrictSUIDSGID= the setgid bit cannot be set, so make the folder with it beforehand
    //  (tmpfiles.d: d /var/spool/massline 2770 massline GROUP -).
    const char *subs[] = { "", "/done", "/failed" };
    for (int i = 0; i < 3; i++) {
        char path[4096];
        snprintf (path, sizeof path, "%s%s", cfg->spool, subs[i]);
        struct stat st;
        mode_t want = i == 0 ? 02770 : 0770;
        if (stat (path, &st)
        ||  (st.st_gid != g->gr_gid && chown (path, (uid_t) -1, g->gr_gid))
        ||  ((st.st_mode & 07777) != want && chmod (path, want))) {
            ml_die_msg ("spool_group: %s: cannot give it to group %s (mode %o): %s", path,
                        cfg->spool_group, (unsigned) want, strerror (errno));
            return -1;
        }
    }
    return 0;
}

void
ml_agent_config_help (FILE *out)
{
    ml_config_print_help (out, s_opts);
}

void
ml_agent_help (void)
{
    printf (
"usage: massline-agent [-c FILE] COMMAND [ARGS...]\n"
"\n"
"Records a unit's direct-contact activity events in a durable outbox and forwards them to\n"
"the bureau's massline-collector, exactly once, over CURVE-encrypted ZeroMQ.\n"
"\n"
"commands:\n"
"  record KIND key=value...   validate one event and commit it to the outbox; prints its ref.\n"
"                             KIND is an event kind (person, org, research_trip, reception_day,\n"
"                             talk, ...); keys as in the JSONL ledger, lists (roles) as JSON\n"
"  import FILE...             import ledgers: .jsonl, or .csv (UTF-8 with or without BOM, or\n"
"                             GB18030; Chinese headers as in the templates), all or nothing per\n"
"                             file: every bad row is reported as FILE:LINE: field 'x': reason and\n"
"                             nothing of that file is recorded; rows already recorded are skipped\n"
"  refs FILE...               print the ref each row of a ledger gets, and whether it is\n"
"                             recorded (FILE:LINE, REF, new or recorded); records nothing\n"
"  correct REF key=value...   record a correction of event REF: its current version with the\n"
"                             keys given changed (key= removes an optional key); prints its ref\n"
"  void REF --reason TEXT     record that event REF is withdrawn; prints the void's ref\n"
"  template KIND [-o FILE]    write the CSV template of a ledger (KIND: reception_day or\n"
"                             接访台账, ...; stdout by default)\n"
"  template --all DIR         write every template into DIR, named after the ledgers\n"
"  template --list            list the ledgers: kind and Chinese name\n"
"  run                        forward the outbox to the collector until SIGTERM/SIGINT;\n"
"                             reconnects by itself. Also watches the spool folder: a .csv or\n"
"                             .jsonl file put there (copy it elsewhere, then move it in) is\n"
"                             imported and moved to done/, or to failed/ with NAME.errors.txt\n"
"  flush [--timeout SECONDS]  forward until everything recorded so far is acknowledged\n"
"                             (default 60 s; exit 1 on timeout); waits for a running `run`\n"
"                             instead when one is forwarding\n"
"  status [--json]            pending, acknowledged and rejected counts, last contact, and the\n"
"                             rejected events with the collector's reasons\n"
"\n"
"options:\n"
"  -c FILE     configuration file (default agent.ini)\n"
"  --help      this help\n"
"  --version   print the version\n"
"\n"
"exit status: 0 success; 1 the work failed (a bad row, a timeout); 2 bad usage or configuration\n"
"\n"
"configuration options:\n");
    ml_config_print_help (stdout, s_opts);
    printf (
"\n"
"environment: MASSLINE_TODAY=YYYY-MM-DD fixes \"today\"; MASSLINE_DEBUG=1 prints debug lines\n");
}
