/* main.c -- massline-agent: records a unit's events in a durable outbox and forwards them to
   the bureau's collector. Commands: record, import, run, flush, status (interfaces.md). */
#include "ml_config.h"
#include "ml_date.h"
#include "ml_err.h"
#include "ml_event.h"
#include "ml_forward.h"
#include "ml_import.h"
#include "ml_keys.h"
#include "ml_log.h"
#include "ml_outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_WORK = 1, EXIT_USAGE = 2 };   //  exit statuses besides 0 (interfaces.md)

//  agent.ini, as described by s_opts.
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
} s_config_t;

static const ml_opt_t s_opts[] = {
    { "agent", "id", ML_OPT_STR, NULL, offsetof (s_config_t, id),
      "this agent's id in the collector's registry (for logs)" },
    { "agent", "unit", ML_OPT_STR, "", offsetof (s_config_t, unit),
      "the unit recorded for (for logs; the collector decides it from the key)" },
    { "agent", "outbox", ML_OPT_PATH, "outbox", offsetof (s_config_t, outbox),
      "folder of the durable outbox (LMDB; created if missing)" },
    { "agent", "collector", ML_OPT_STR, NULL, offsetof (s_config_t, collector),
      "the collector's ingest endpoint, e.g. tcp://127.0.0.1:7701" },
    { "agent", "collector_key", ML_OPT_KEY, NULL, offsetof (s_config_t, collector_key),
      "the collector's public key: a file, or the 40-character Z85 text" },
    { "agent", "public_key", ML_OPT_PATH, "agent.pub", offsetof (s_config_t, public_key),
      "this agent's public key file" },
    { "agent", "secret_key", ML_OPT_PATH, "agent.key", offsetof (s_config_t, secret_key),
      "this agent's secret key file; must be mode 0600" },
    { "agent", "batch_size", ML_OPT_INT, "1000", offsetof (s_config_t, batch_size),
      "events per batch (1..100000)" },
    { "agent", "window", ML_OPT_INT, "8", offsetof (s_config_t, window),
      "batches in flight without an acknowledgement (1..1000)" },
    { "agent", "ack_timeout_ms", ML_OPT_INT, "5000", offsetof (s_config_t, ack_timeout_ms),
      "reconnect when the collector says nothing for this long (100..600000)" },
    { NULL, NULL, 0, NULL, 0, NULL }
};

static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal (int sig)
{
    (void) sig;
    s_stop = 1;
}

static void
s_catch_signals (void)
{
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;   //  no SA_RESTART: a blocking poll returns at once
    sigaction (SIGTERM, &sa, NULL);
    sigaction (SIGINT, &sa, NULL);
}

static void
s_help (void)
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
"  import FILE...             import .jsonl ledgers, all or nothing per file: every bad line is\n"
"                             reported as FILE:LINE: field 'x': reason and nothing of that file\n"
"                             is recorded; lines already recorded are skipped\n"
"  run                        forward the outbox to the collector until SIGTERM/SIGINT;\n"
"                             reconnects by itself\n"
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

//  Loads and checks agent.ini. Returns 0 or EXIT_USAGE (message printed).
static int
s_load_config (const char *path, s_config_t *cfg)
{
    char err[512];
    memset (cfg, 0, sizeof *cfg);
    if (ml_config_load (path, s_opts, cfg, err, sizeof err)) {
        ml_die_msg ("%s", err);
        return EXIT_USAGE;
    }
    struct { const char *name; long value, min, max; } ranges[] = {
        { "batch_size", cfg->batch_size, 1, 100000 },
        { "window", cfg->window, 1, 1000 },
        { "ack_timeout_ms", cfg->ack_timeout_ms, 100, 600000 } };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (ranges[i].value < ranges[i].min || ranges[i].value > ranges[i].max) {
            ml_die_msg ("%s: %s: must be from %ld to %ld (%ld)", path, ranges[i].name,
                        ranges[i].min, ranges[i].max, ranges[i].value);
            return EXIT_USAGE;
        }
    return 0;
}

static ml_outbox_t *
s_open_outbox (const s_config_t *cfg, const char *cmd)
{
    char err[512];
    ml_outbox_t *outbox = ml_outbox_open (cfg->outbox, 0, err, sizeof err);
    if (!outbox)
        ml_die_msg ("%s: %s", cmd, err);
    return outbox;
}

// ---------------------------------------------------------------------------------------------
// record

//  The roster for one recorded event: the outbox's, plus what the event itself defines.
typedef struct {
    ml_outbox_t *outbox;
    const char *person;         //  id a `person` event defines, or NULL
    const char *org;            //  id an `org` event defines, or NULL
} s_roster_t;

static bool
s_roster_person (void *ctx, const char *id)
{
    s_roster_t *r = ctx;
    return (r->person && strcmp (r->person, id) == 0) || ml_outbox_has_person (r->outbox, id);
}

static bool
s_roster_org (void *ctx, const char *id)
{
    s_roster_t *r = ctx;
    return (r->org && strcmp (r->org, id) == 0) || ml_outbox_has_org (r->outbox, id);
}

static int
s_cmd_record (const s_config_t *cfg, int argc, char **argv)
{
    if (argc < 1) {
        ml_die_msg ("record: missing KIND (try --help)");
        return EXIT_USAGE;
    }
    ml_verr_t err = { "", "" };
    char text[512];
    Massline__Event *ev = ml_event_from_kv (argv[0], argc - 1, argv + 1, &err);
    if (!ev) {
        ml_die_msg ("record: %s", ml_verr_text (&err, text, sizeof text));
        return EXIT_WORK;
    }
    int ret = EXIT_WORK;
    uint8_t *data = NULL;
    ml_outbox_t *outbox = NULL;
    int rc = ml_event_ensure_ref (ev);
    if (rc) {
        ml_die_msg ("record: %s", ml_strerror (rc));
        goto done;
    }
    if (!(outbox = s_open_outbox (cfg, "record")))
        goto done;
    s_roster_t roster = { outbox,
        ev->body_case == MASSLINE__EVENT__BODY_PERSON ? ev->person->person : NULL,
        ev->body_case == MASSLINE__EVENT__BODY_ORG ? ev->org->org : NULL };
    ml_vctx_t vctx = { s_roster_person, s_roster_org, &roster, ml_date_today () };
    if (ml_event_validate (ev, &vctx, &err)) {
        ml_die_msg ("record: %s", ml_verr_text (&err, text, sizeof text));
        goto done;
    }
    ml_outbox_item_t item = { .ref = ev->ref, .source = "record",
                              .person = roster.person, .org = roster.org };
    if (!(data = ml_event_pack (ev, &item.len))) {
        ml_die_msg ("record: %s", ml_strerror (ML_ENOMEM));
        goto done;
    }
    item.data = data;
    rc = ml_outbox_append (outbox, &item, 1, false);
    if (rc == 0 && item.status == ML_EDUP) {
        printf ("%s\n", ev->ref);
        ml_die_msg ("record: %s was already recorded (seq %llu); nothing added", ev->ref,
                    (unsigned long long) item.seq);
        ret = 0;
    }
    else
    if (rc == 0) {
        printf ("%s\n", ev->ref);
        ret = 0;
    }
    else
    if (rc == ML_ECONFLICT)
        ml_die_msg ("record: field 'ref': already recorded with different content (%s)", ev->ref);
    else
        ml_die_msg ("record: nothing recorded: outbox %s: %s (%s)", cfg->outbox, ml_strerror (rc),
                    ml_outbox_error (outbox));
done:
    free (data);
    ml_event_free (&ev);
    ml_outbox_close (&outbox);
    return ret;
}

// ---------------------------------------------------------------------------------------------
// import

static bool
s_ends_with (const char *s, const char *suffix)
{
    size_t ls = strlen (s), lx = strlen (suffix);
    return ls >= lx && strcasecmp (s + ls - lx, suffix) == 0;
}

//  Imports one file. Returns 0 or EXIT_WORK (messages printed).
static int
s_import_file (ml_outbox_t *outbox, const char *file)
{
    FILE *in = fopen (file, "r");
    if (!in) {
        ml_die_msg ("%s: cannot open: %s", file, strerror (errno));
        return EXIT_WORK;
    }
    ml_import_t *imp = ml_import_new (outbox, file, ml_date_today ());
    size_t recorded = 0, skipped = 0;
    int rc = imp ? ml_import_read_jsonl (imp, in) : ML_ENOMEM;
    if (rc == 0)
        rc = ml_import_commit (imp, &recorded, &skipped);
    fclose (in);
    ml_import_destroy (&imp);
    if (rc == ML_EINVAL)
        ml_die_msg ("%s: nothing recorded from this file", file);
    else
    if (rc == ML_ENOMEM)
        ml_die_msg ("%s: %s", file, ml_strerror (rc));
    if (rc)
        return EXIT_WORK;
    printf ("%s: %zu events recorded, %zu already recorded\n", file, recorded, skipped);
    fflush (stdout);
    return 0;
}

static int
s_cmd_import (const s_config_t *cfg, int argc, char **argv)
{
    if (argc < 1) {
        ml_die_msg ("import: no FILE given (try --help)");
        return EXIT_USAGE;
    }
    //  refuse what cannot be read before touching anything
    for (int i = 0; i < argc; i++) {
        if (s_ends_with (argv[i], ".csv")) {
            ml_die_msg ("%s: CSV ledgers are not supported yet", argv[i]);
            return EXIT_USAGE;
        }
        if (!s_ends_with (argv[i], ".jsonl")) {
            ml_die_msg ("%s: not a ledger file (expected a .jsonl file)", argv[i]);
            return EXIT_USAGE;
        }
    }
    ml_outbox_t *outbox = s_open_outbox (cfg, "import");
    if (!outbox)
        return EXIT_WORK;
    int ret = 0;
    for (int i = 0; i < argc; i++)
        if (s_import_file (outbox, argv[i]))
            ret = EXIT_WORK;
    ml_outbox_close (&outbox);
    return ret;
}

// ---------------------------------------------------------------------------------------------
// run and flush

//  Reads the keys and fills the forwarder's configuration. Returns 0 or EXIT_USAGE (printed).
static int
s_forward_cfg (const s_config_t *cfg, ml_forward_cfg_t *fcfg, char pub[41], char sec[41])
{
    char err[512];
    if (ml_key_read_secret (cfg->secret_key, sec, err, sizeof err)
    ||  ml_key_read_public (cfg->public_key, pub, err, sizeof err)) {
        ml_die_msg ("%s", err);
        return EXIT_USAGE;
    }
    *fcfg = (ml_forward_cfg_t) { cfg->collector, cfg->collector_key, pub, sec, cfg->unit,
                                 (size_t) cfg->batch_size, (size_t) cfg->window,
                                 (int) cfg->ack_timeout_ms };
    return 0;
}

//  Opens OUTBOX/forward.lock and tries to take it. Returns 1 taken, 0 held by another process,
//  -1 on error (printed). *FD_P keeps the file open across tries.
static int
s_forward_lock (const char *dir, int *fd_p)
{
    if (*fd_p < 0) {
        char path[4096];
        snprintf (path, sizeof path, "%s/forward.lock", dir);
        *fd_p = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (*fd_p < 0) {
            ml_die_msg ("%s: cannot open: %s", path, strerror (errno));
            return -1;
        }
    }
    if (flock (*fd_p, LOCK_EX | LOCK_NB) == 0)
        return 1;
    if (errno == EWOULDBLOCK || errno == EINTR)
        return 0;
    ml_die_msg ("%s/forward.lock: cannot lock: %s", dir, strerror (errno));
    return -1;
}

static void
s_sleep_ms (int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep (&ts, NULL);
}

static int
s_cmd_run (const s_config_t *cfg, int argc, char **argv)
{
    if (argc > 0) {
        ml_die_msg ("run: unexpected argument '%s' (try --help)", argv[0]);
        return EXIT_USAGE;
    }
    char pub[41], sec[41], err[512];
    ml_forward_cfg_t fcfg;
    int ret = s_forward_cfg (cfg, &fcfg, pub, sec);
    if (ret)
        return ret;
    ml_outbox_t *outbox = s_open_outbox (cfg, "run");
    ml_forward_t *fw = NULL;
    int lock_fd = -1;
    ret = EXIT_WORK;
    if (!outbox)
        goto done;
    if (!(fw = ml_forward_new (outbox, &fcfg, err, sizeof err))) {
        ml_die_msg ("run: %s", err);
        ret = EXIT_USAGE;
        goto done;
    }
    int locked;
    bool said = false;
    while ((locked = s_forward_lock (cfg->outbox, &lock_fd)) == 0 && !s_stop) {
        if (!said)
            ml_info ("another massline-agent is forwarding outbox %s; waiting for it to stop",
                     cfg->outbox);
        said = true;
        s_sleep_ms (100);
    }
    if (locked < 0)
        goto done;
    if (locked == 1) {
        ml_info ("agent %s forwarding outbox %s to %s", cfg->id, cfg->outbox, cfg->collector);
        int rc = ml_forward_run (fw, 0, 0, &s_stop);
        if (rc) {
            ml_error ("stopped forwarding: %s", ml_strerror (rc));
            goto done;
        }
    }
    ml_info ("stopped");
    ret = 0;
done:
    explicit_bzero (sec, sizeof sec);
    ml_forward_destroy (&fw);
    ml_outbox_close (&outbox);
    if (lock_fd >= 0)
        close (lock_fd);
    return ret;
}

//  Parses the SECONDS of --timeout. Returns 0 or EXIT_USAGE (printed).
static int
s_flush_args (int argc, char **argv, double *timeout, const char **timeout_text)
{
    for (int i = 0; i < argc; i++) {
        const char *value = NULL;
        if (strcmp (argv[i], "--timeout") == 0 && i + 1 < argc)
            value = argv[++i];
        else
        if (strncmp (argv[i], "--timeout=", 10) == 0)
            value = argv[i] + 10;
        else {
            ml_die_msg ("flush: unexpected argument '%s' (try --help)", argv[i]);
            return EXIT_USAGE;
        }
        char *end;
        errno = 0;
        *timeout = strtod (value, &end);
        if (errno || end == value || *end || !(*timeout > 0) || *timeout > 1e7) {
            ml_die_msg ("flush: --timeout: not a positive number of seconds (%s)", value);
            return EXIT_USAGE;
        }
        *timeout_text = value;
    }
    return 0;
}

static int
s_cmd_flush (const s_config_t *cfg, int argc, char **argv)
{
    double timeout = 60;
    const char *timeout_text = "60";
    int ret = s_flush_args (argc, argv, &timeout, &timeout_text);
    if (ret)
        return ret;
    char pub[41], sec[41], err[512];
    ml_forward_cfg_t fcfg;
    if ((ret = s_forward_cfg (cfg, &fcfg, pub, sec)))
        return ret;
    int64_t deadline = ml_forward_now_ms () + (int64_t) (timeout * 1000);
    ml_outbox_t *outbox = s_open_outbox (cfg, "flush");
    ml_forward_t *fw = NULL;
    ml_outbox_stat_t st;
    int lock_fd = -1, rc = 0;
    ret = EXIT_WORK;
    if (!outbox)
        goto done;
    if (ml_outbox_stat (outbox, &st)) {
        ml_die_msg ("flush: outbox %s: %s", cfg->outbox, ml_outbox_error (outbox));
        goto done;
    }
    //  everything recorded so far; numbered as now (a first contact may renumber: see below)
    uint64_t target = st.next_seq - 1, base = st.renumbered;
    bool said = false;
    while (st.acked_seq < target + (st.renumbered - base)) {
        int locked = s_forward_lock (cfg->outbox, &lock_fd);
        if (locked < 0)
            goto done;
        if (locked == 1) {
            //  nobody else forwards: do it ourselves
            if (!fw && !(fw = ml_forward_new (outbox, &fcfg, err, sizeof err))) {
                ml_die_msg ("flush: %s", err);
                ret = EXIT_USAGE;
                goto done;
            }
            rc = ml_forward_run (fw, target + (st.renumbered - base), deadline, &s_stop);
            flock (lock_fd, LOCK_UN);
        }
        else {
            //  a `run` forwards this outbox: wait for its acknowledgements
            if (!said)
                ml_info ("a running massline-agent forwards outbox %s; waiting for the "
                         "collector to acknowledge seq %llu", cfg->outbox,
                         (unsigned long long) target);
            said = true;
            if (s_stop)
                rc = ML_EINVAL;
            else
            if (ml_forward_now_ms () >= deadline)
                rc = ML_ETIMEDOUT;
            else
                s_sleep_ms (50);
        }
        if (ml_outbox_stat (outbox, &st)) {
            ml_die_msg ("flush: outbox %s: %s", cfg->outbox, ml_outbox_error (outbox));
            goto done;
        }
        if (rc || s_stop)
            break;
    }
    target += st.renumbered - base;
    if (st.acked_seq >= target) {
        ml_debug ("flush: everything through seq %llu is acknowledged", (unsigned long long) target);
        ret = 0;
    }
    else {
        unsigned long long left = target - st.acked_seq;
        if (rc == ML_ETIMEDOUT)
            ml_die_msg ("flush: %llu events still unacknowledged after %s s", left, timeout_text);
        else
        if (s_stop)
            ml_die_msg ("flush: interrupted; %llu events still unacknowledged", left);
        else
            ml_die_msg ("flush: stopped (%s); %llu events still unacknowledged",
                        ml_strerror (rc), left);
    }
done:
    explicit_bzero (sec, sizeof sec);
    ml_forward_destroy (&fw);
    ml_outbox_close (&outbox);
    if (lock_fd >= 0)
        close (lock_fd);
    return ret;
}

// ---------------------------------------------------------------------------------------------
// status

static char *
s_iso8601 (int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t) t;
    struct tm tm;
    gmtime_r (&tt, &tm);
    strftime (buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

static int
s_reject_json (const ml_outbox_reject_t *r, void *arg)
{
    json_t *obj = json_pack ("{s:s, s:s, s:s, s:I, s:s?}", "ref", r->ref, "code", r->code,
                             "reason", r->reason, "seq", (json_int_t) r->seq, "source", r->source);
    if (!obj || json_array_append_new (arg, obj))
        return ML_ENOMEM;
    return 0;
}

static int
s_reject_text (const ml_outbox_reject_t *r, void *arg)
{
    (void) arg;
    printf ("  %s (seq %llu, %s): %s: %s\n", *r->ref ? r->ref : "?", (unsigned long long) r->seq,
            r->source ? r->source : "source unknown", r->code, r->reason);
    return 0;
}

static int
s_cmd_status (const s_config_t *cfg, int argc, char **argv)
{
    bool as_json = false;
    for (int i = 0; i < argc; i++)
        if (strcmp (argv[i], "--json") == 0)
            as_json = true;
        else {
            ml_die_msg ("status: unexpected argument '%s' (try --help)", argv[i]);
            return EXIT_USAGE;
        }
    ml_outbox_t *outbox = s_open_outbox (cfg, "status");
    if (!outbox)
        return EXIT_WORK;
    int ret = EXIT_WORK, rc;
    ml_outbox_stat_t st;
    char when[32];
    if ((rc = ml_outbox_stat (outbox, &st)))
        goto fail;
    if (as_json) {
        json_t *rejected = json_array ();
        if (!rejected || (rc = ml_outbox_rejects (outbox, s_reject_json, rejected))) {
            json_decref (rejected);
            goto fail;
        }
        json_t *obj = json_pack ("{s:I, s:I, s:o, s:o, s:I, s:I}",
            "pending", (json_int_t) st.pending, "acked", (json_int_t) st.acked,
            "last_contact", st.last_contact ? json_string (s_iso8601 (st.last_contact, when,
                                                   sizeof when)) : json_null (),
            "rejected", rejected,
            "acked_seq", (json_int_t) st.acked_seq, "next_seq", (json_int_t) st.next_seq);
        char *text = obj ? json_dumps (obj, JSON_PRESERVE_ORDER) : NULL;
        json_decref (obj);
        if (!text) {
            rc = ML_ENOMEM;
            goto fail;
        }
        printf ("%s\n", text);
        free (text);
    }
    else {
        printf ("outbox: %s\n", cfg->outbox);
        printf ("pending: %llu\n", (unsigned long long) st.pending);
        printf ("acknowledged: %llu\n", (unsigned long long) st.acked);
        printf ("rejected: %llu\n", (unsigned long long) st.rejected);
        printf ("last contact: %s\n",
                st.last_contact ? s_iso8601 (st.last_contact, when, sizeof when) : "never");
        if (st.rejected) {
            printf ("rejected events:\n");
            if ((rc = ml_outbox_rejects (outbox, s_reject_text, NULL)))
                goto fail;
        }
    }
    ret = 0;
    goto done;
fail:
    ml_die_msg ("status: outbox %s: %s", cfg->outbox,
                rc == ML_ENOMEM ? ml_strerror (rc) : ml_outbox_error (outbox));
done:
    ml_outbox_close (&outbox);
    return ret;
}

// ---------------------------------------------------------------------------------------------

int
main (int argc, char **argv)
{
    ml_log_init ("massline-agent", ML_LOG_INFO);
    const char *config = "agent.ini";
    const char *cmd = NULL;
    char **args = calloc ((size_t) argc + 1, sizeof *args);
    int nargs = 0;
    bool options = true;
    if (!args)
        return EXIT_WORK;
    //  -c, --help and --version are taken anywhere before "--"; the rest is the command's
    for (int i = 1; i < argc; i++) {
        if (options && strcmp (argv[i], "--") == 0)
            options = false;
        else
        if (options && strcmp (argv[i], "-c") == 0) {
            if (++i == argc) {
                ml_die_msg ("-c: missing FILE (try --help)");
                free (args);
                return EXIT_USAGE;
            }
            config = argv[i];
        }
        else
        if (options && (strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0)) {
            s_help ();
            free (args);
            return 0;
        }
        else
        if (options && strcmp (argv[i], "--version") == 0) {
            printf ("massline-agent %s\n", ML_VERSION);
            free (args);
            return 0;
        }
        else
        if (!cmd) {
            if (options && argv[i][0] == '-') {
                ml_die_msg ("unknown option '%s' (try --help)", argv[i]);
                free (args);
                return EXIT_USAGE;
            }
            cmd = argv[i];
        }
        else
            args[nargs++] = argv[i];
    }
    int (*run) (const s_config_t *, int, char **) = NULL;
    if (!cmd)
        ml_die_msg ("no command given (try --help)");
    else
    if (strcmp (cmd, "record") == 0) run = s_cmd_record;
    else if (strcmp (cmd, "import") == 0) run = s_cmd_import;
    else if (strcmp (cmd, "run") == 0) run = s_cmd_run;
    else if (strcmp (cmd, "flush") == 0) run = s_cmd_flush;
    else if (strcmp (cmd, "status") == 0) run = s_cmd_status;
    else
        ml_die_msg ("unknown command '%s' (try --help)", cmd);
    s_config_t cfg;
    int ret = run ? s_load_config (config, &cfg) : EXIT_USAGE;
    if (run && ret == 0) {
        //  run and flush stop cleanly on a signal; record and import may just die: an LMDB
        //  transaction is all or nothing
        if (run == s_cmd_run || run == s_cmd_flush)
            s_catch_signals ();
        ret = run (&cfg, nargs, args);
    }
    if (run)
        ml_config_free (s_opts, &cfg);
    free (args);
    return ret;
}
