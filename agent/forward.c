/* forward.c -- massline-agent-forward, the network half of massline-agent: `run` and `flush`,
   which forward the outbox to the collector over ZeroMQ. massline-agent execs it with its own
   command line for those two commands (ml_agent.h), so that the other commands, `record` above
   all, start without loading libzmq and what it pulls in. */
#include "ml_agent.h"
#include "ml_err.h"
#include "ml_i18n.h"
#include "ml_forward.h"
#include "ml_keys.h"
#include "ml_log.h"
#include "ml_outbox.h"
#include "ml_spool.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_WORK = ML_AGENT_EXIT_WORK, EXIT_USAGE = ML_AGENT_EXIT_USAGE };

static volatile sig_atomic_t s_stop = 0;

static void
s_on_signal (int sig)
{
    (void) sig;
    s_stop = 1;
}

//  Catches SIGTERM and SIGINT, then lets them in: massline-agent blocks them before it execs
//  this program, so that one sent meanwhile waits for the handler instead of killing us.
static void
s_catch_signals (void)
{
    struct sigaction sa;
    memset (&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;   //  no SA_RESTART: a blocking poll returns at once
    sigaction (SIGTERM, &sa, NULL);
    sigaction (SIGINT, &sa, NULL);
    sigset_t set;
    sigemptyset (&set);
    sigaddset (&set, SIGTERM);
    sigaddset (&set, SIGINT);
    sigprocmask (SIG_UNBLOCK, &set, NULL);
}

// ---------------------------------------------------------------------------------------------
// run and flush

//  Reads the keys and fills the forwarder's configuration. Returns 0 or EXIT_USAGE (printed).
static int
s_forward_cfg (const ml_agent_config_t *cfg, ml_forward_cfg_t *fcfg, char pub[41], char sec[41])
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
s_cmd_run (const ml_agent_config_t *cfg, int argc, char **argv)
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
    ml_outbox_t *outbox = ml_agent_open_outbox (cfg, "run");
    ml_forward_t *fw = NULL;
    ml_spool_t *spool = NULL;
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
        //  forwarding matters more than the spool: without one, forward all the same
        if ((spool = ml_spool_new (cfg->spool, outbox, err, sizeof err))) {
            ml_agent_spool_group (cfg);
            ml_info ("watching spool folder %s", cfg->spool);
            ml_forward_on_tick (fw, ml_spool_look, spool, ML_SPOOL_LOOK_MS);
        }
        else
            ml_error ("%s; not watching it", err);
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
    ml_spool_destroy (&spool);
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
s_cmd_flush (const ml_agent_config_t *cfg, int argc, char **argv)
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
    ml_outbox_t *outbox = ml_agent_open_outbox (cfg, "flush");
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

int
main (int argc, char **argv)
{
    ml_log_init ("massline-agent", ML_LOG_INFO);
    ml_i18n_init ();   //  the spool's .errors.txt is for the clerk
    //  the process name ps -C, pgrep -x and the journal's _COMM know it by, as before the split
    prctl (PR_SET_NAME, "massline-agent", 0, 0, 0);
    ml_agent_args_t args;
    int ret;
    if (!ml_agent_args_parse (&args, argc, argv, &ret)) {
        ml_agent_args_free (&args);
        return ret;
    }
    int (*run) (const ml_agent_config_t *, int, char **) = NULL;
    if (!args.cmd)
        ml_die_msg ("no command given (try --help)");
    else
    if (strcmp (args.cmd, "run") == 0) run = s_cmd_run;
    else if (strcmp (args.cmd, "flush") == 0) run = s_cmd_flush;
    else
        ml_die_msg ("unknown command '%s': this program does run and flush; the others are "
                    "massline-agent's", args.cmd);
    ml_agent_config_t cfg;
    ret = run ? ml_agent_config_load (args.config, &cfg) : EXIT_USAGE;
    if (run && ret == 0) {
        //  run and flush stop cleanly on a signal
        s_catch_signals ();
        ret = run (&cfg, args.nargs, args.args);
    }
    if (run)
        ml_agent_config_free (&cfg);
    ml_agent_args_free (&args);
    return ret;
}
