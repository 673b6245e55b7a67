/* ml_desk_main.c -- massline-agent-web: the unit desk's program, which massline-agent execs for
   `user` and `web` (as it execs massline-agent-forward for `run`), so that massline-agent's local
   commands never load libmicrohttpd. `user add|list|disable|passwd` keep the desk's accounts;
   `web` serves the desk until SIGTERM. */
#include "ml_desk.h"
#include "ml_accounts_cli.h"
#include "ml_config.h"
#include "ml_err.h"
#include "ml_i18n.h"
#include "ml_log.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

enum { EXIT_WORK = ML_AGENT_EXIT_WORK, EXIT_USAGE = ML_AGENT_EXIT_USAGE };

static int
s_user (desk_t *desk, int argc, char **argv)
{
    const char *verb = argc ? argv[0] : "", *name = argc > 1 ? argv[1] : NULL;
    bool list = strcmp (verb, "list") == 0;
    if (!list && strcmp (verb, "add") && strcmp (verb, "disable") && strcmp (verb, "passwd")) {
        ml_die_msg ("user: add, list, disable or passwd? (try --help)");
        return EXIT_USAGE;
    }
    if ((list && argc > 1) || (!list && argc != 2)) {
        ml_die_msg (list ? "user list takes no arguments" : "user %s NAME: one account name", verb);
        return EXIT_USAGE;
    }
    if (list) {
        ml_account_t *accounts;
        size_t n;
        int rc = ml_accounts_list (desk->accounts, &accounts, &n);
        if (rc == 0) {
            for (size_t i = 0; i < n; i++)
                printf ("%s\t%s\t%s\n", accounts[i].name, accounts[i].role,
                        accounts[i].disabled ? "disabled" : "active");
            free (accounts);
            return 0;
        }
        ml_die_msg ("user list: cannot read the accounts");
        return rc == ML_EINVAL ? EXIT_USAGE : EXIT_WORK;
    }
    const char *done;
    int code = ml_accounts_cli_change (desk->accounts, verb, name, "clerk", NULL, NULL, &done);
    if (!code)
        printf ("massline-agent: desk account %s: %s\n", name, done);
    return code;
}

static int
s_web (desk_t *desk, int argc)
{
    if (argc) {
        ml_die_msg ("web takes no arguments");
        return EXIT_USAGE;
    }
    sigset_t stop;
    sigemptyset (&stop);
    sigaddset (&stop, SIGTERM);
    sigaddset (&stop, SIGINT);
    pthread_sigmask (SIG_BLOCK, &stop, NULL);
    signal (SIGPIPE, SIG_IGN);
    if (!(desk->outbox = ml_agent_open_outbox (&desk->cfg, "web")))
        return EXIT_WORK;
    //  the TLS files are relative to agent.ini, as the other paths
    char *tls[2] = { NULL, NULL };
    const char *given[2] = { desk->cfg.web_tls_cert, desk->cfg.web_tls_key };
    for (int i = 0; i < 2; i++)
        if (given[i] && *given[i])
            tls[i] = ml_config_resolve (desk->config, given[i]);
    ml_http_config_t http = {
        desk->cfg.web_listen, tls[0], tls[1], (size_t) desk->cfg.web_max_body_bytes, 64, 60,
        1        //  one thread: the outbox handle serves one request at a time
    };
    char err[1024];
    ml_http_t *server = ml_http_start (&http, desk_handle, desk, err, sizeof err);
    int code = 0;
    if (!server) {
        ml_error ("web: %s", err);
        code = EXIT_WORK;
    }
    else {
        ml_info ("desk: serving %s on %s (port %u) for %s", tls[0] ? "https" : "http",
                 desk->cfg.web_listen, ml_http_port (server), desk->cfg.id);
        int sig;
        sigwait (&stop, &sig);
        ml_info ("desk: stopping on signal %d", sig);
        ml_http_stop (&server);
    }
    free (tls[0]);
    free (tls[1]);
    return code;
}

int
main (int argc, char **argv)
{
    ml_log_init ("massline-agent", ML_LOG_INFO);
    ml_i18n_init_default ("zh_CN");     //  the desk speaks Chinese unless told otherwise
    prctl (PR_SET_NAME, "massline-agent", 0, 0, 0);
    ml_agent_args_t args;
    int ret;
    if (!ml_agent_args_parse (&args, argc, argv, &ret)) {
        ml_agent_args_free (&args);
        return ret;
    }
    bool user = args.cmd && strcmp (args.cmd, "user") == 0;
    bool web = args.cmd && strcmp (args.cmd, "web") == 0;
    if (!user && !web) {
        ml_die_msg ("this program does user and web; the other commands are massline-agent's");
        ml_agent_args_free (&args);
        return EXIT_USAGE;
    }
    desk_t desk;
    memset (&desk, 0, sizeof desk);
    ret = ml_agent_config_load (args.config, &desk.cfg);
    if (!ret)
        ret = desk_open (&desk, args.config);
    if (!ret)
        ret = user ? s_user (&desk, args.nargs, args.args) : s_web (&desk, args.nargs);
    desk_close (&desk);
    ml_agent_config_free (&desk.cfg);
    ml_agent_args_free (&args);
    return ret;
}
