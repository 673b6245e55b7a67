/* web_main.c -- massline-web: the bureau's console in a browser. `user add|list|disable|passwd`
   keep the accounts; `serve` runs the HTTP server until SIGTERM; `audit` prints the audit log. */
#include "web.h"
#include "ml_accounts_cli.h"
#include "ml_cli.h"
#include "ml_err.h"
#include "ml_i18n.h"
#include "ml_log.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zmq.h>

#define PROG "massline-web"

static int
s_user (int argc, char **argv, const char *config)
{
    if (argc == 0)
        return ml_cli_usage_error ("user: add, list, disable or passwd?");
    const char *verb = argv[0], *name = argc > 1 ? argv[1] : NULL, *role = NULL, *unit = NULL;
    bool json = false;
    bool list = strcmp (verb, "list") == 0;
    if (!list && strcmp (verb, "add") && strcmp (verb, "disable") && strcmp (verb, "passwd"))
        return ml_cli_usage_error ("user: unknown verb '%s' (add, list, disable, passwd)", verb);
    for (int i = list ? 1 : 2; i < argc; i++) {
        bool takes = strcmp (argv[i], "--role") == 0 || strcmp (argv[i], "--unit") == 0;
        if (takes && i + 1 >= argc)
            return ml_cli_usage_error ("user: %s needs a value", argv[i]);
        if (strcmp (verb, "add") == 0 && strcmp (argv[i], "--role") == 0)
            role = argv[++i];
        else
        if (strcmp (verb, "add") == 0 && strcmp (argv[i], "--unit") == 0)
            unit = argv[++i];
        else
        if (list && strcmp (argv[i], "--json") == 0)
            json = true;
        else
            return ml_cli_usage_error ("user %s: unexpected argument '%s'", verb, argv[i]);
    }
    if (!list && !name)
        return ml_cli_usage_error ("user %s: which account?", verb);
    if (strcmp (verb, "add") == 0 && !role)
        return ml_cli_usage_error ("user add: --role staff|auditor|reviewer|leader|unit is required");
    web_t web;
    int code = web_open (&web, config, false);
    if (code)
        return code;
    if (list) {
        ml_account_t *accounts;
        size_t n;
        int rc = ml_accounts_list (web.accounts, &accounts, &n);
        if (!rc && json) {
            json_t *arr = json_array ();
            for (size_t i = 0; i < n; i++)
                json_array_append_new (arr, json_pack ("{s:s, s:s, s:s?, s:b}", "name", accounts[i].name,
                                       "role", accounts[i].role, "unit",
                                       accounts[i].unit[0] ? accounts[i].unit : NULL,
                                       "disabled", accounts[i].disabled));
            char *text = json_dumps (arr, JSON_INDENT (2));
            printf ("%s\n", text ? text : "[]");
            free (text);
            json_decref (arr);
        }
        else
        if (!rc)
            for (size_t i = 0; i < n; i++)
                printf ("%s\t%s\t%s\t%s\n", accounts[i].name, accounts[i].role,
                        accounts[i].unit[0] ? accounts[i].unit : "-", accounts[i].disabled ? "disabled" : "active");
        if (!rc)
            free (accounts);
        else {
            ml_die_msg ("user list: cannot read the accounts");
            code = rc == ML_EINVAL ? 2 : 1;
        }
    }
    else {
        const char *done;
        code = ml_accounts_cli_change (web.accounts, verb, name, role, unit, role, &done);
        if (!code)
            printf ("%s: account %s: %s\n", PROG, name, done);
    }
    web_close (&web);
    return code;
}

static void
s_print_audit (void *arg, const char *json)
{
    (void) arg;
    printf ("%s\n", json);
}

static int
s_audit (int argc, char **argv, const char *config)
{
    (void) argv;
    if (argc)
        return ml_cli_usage_error ("audit takes no arguments");
    web_t web;
    int code = web_open (&web, config, false);
    if (code)
        return code;
    if (ml_accounts_audit_each (web.accounts, s_print_audit, NULL)) {
        ml_die_msg ("audit: cannot read the audit log");
        code = 1;
    }
    web_close (&web);
    return code;
}

static int
s_serve (int argc, char **argv, const char *config)
{
    (void) argv;
    if (argc)
        return ml_cli_usage_error ("serve takes no arguments");
    ml_log_init (PROG, ML_LOG_INFO);
    //  Block the stop signals before any thread starts: only sigwait below takes them.
    sigset_t stop;
    sigemptyset (&stop);
    sigaddset (&stop, SIGTERM);
    sigaddset (&stop, SIGINT);
    pthread_sigmask (SIG_BLOCK, &stop, NULL);
    signal (SIGPIPE, SIG_IGN);
    //  Many idle connections must not run us out of descriptors: take what the hard limit allows.
    struct rlimit lim;
    if (getrlimit (RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit (RLIMIT_NOFILE, &lim);
    }
    web_t web;
    int code = web_document_settings (config);
    if (!code)
        code = web_open (&web, config, true);
    if (code)
        return code;
    web.zmq = zmq_ctx_new ();
    if (web.zmq && web_serve_open (&web)) {
        zmq_ctx_term (web.zmq);
        web.zmq = NULL;
    }
    ml_http_config_t http = {
        web.cfg.listen, web.cfg.tls_cert, web.cfg.tls_key, (size_t) web.cfg.max_body_bytes,
        (unsigned) web.cfg.max_connections, (unsigned) web.cfg.connection_timeout_s,
        (unsigned) web.cfg.threads
    };
    char err[1024];
    ml_http_t *server = web.zmq ? ml_http_start (&http, web_handle, &web, err, sizeof err) : NULL;
    if (!server) {
        ml_error ("%s", web.zmq ? err : "cannot start ZeroMQ");
        code = 1;
    }
    else {
        ml_info ("serving %s on %s (port %u), asking the collector at %s", web.cfg.tls_cert[0] ? "https" : "http",
                 web.cfg.listen, ml_http_port (server), web.cfg.query);
        int sig;
        sigwait (&stop, &sig);
        ml_info ("stopping on signal %d", sig);
        ml_http_stop (&server);
    }
    if (web.zmq) {
        web_serve_close (&web);         //  the kept connections, before the context ends
        zmq_ctx_term (web.zmq);
    }
    web_close (&web);
    return code;
}

static const ml_cli_command_t s_commands[] = {
    { "user", s_user, "-c web.ini user add NAME --role staff|auditor|reviewer|leader|unit [--unit U]",
      "add an account (password: one line on standard input); also: user list [--json],\n"
      "      user disable NAME, user passwd NAME (password on standard input)" },
    { "serve", s_serve, "-c web.ini serve",
      "serve the console (http://127.0.0.1:7780/ by default) until SIGTERM or SIGINT" },
    { "audit", s_audit, "-c web.ini audit",
      "print the audit log (sign-ins, refusals, downloads, decisions), one JSON object a line" },
    { NULL, NULL, NULL, NULL }
};

static void
s_help (void)
{
    printf ("usage: " PROG " [-c FILE] COMMAND [ARGS]\n\n"
            "The bureau's console in a browser: asks the collector on behalf of each signed-in\n"
            "account, with its own gateway key.\n\ncommands:\n");
    for (const ml_cli_command_t *c = s_commands; c->name; c++)
        printf ("  %s\n      %s\n", c->usage, c->help);
    printf ("\noptions:\n"
            "  -c, --config FILE   the configuration (default web.ini)\n"
            "  -h, --help          this text\n"
            "  -V, --version       the version\n\nweb.ini:\n");
    ml_config_print_help (stdout, web_opts);
    printf ("\nexit status: 0 ok, 1 the work failed, 2 bad usage or configuration\n");
}

static const ml_cli_t s_cli = { PROG, "web.ini", s_commands, s_help, "which command? user, serve or audit",
                                true, false };

//  Where the catalogue is not installed (massline-web run from its build tree, as ops/demo does),
//  the one meson built beside it: BUILD/po, the executable being BUILD/collector/web/massline-web.
static void
s_find_catalogue (void)
{
    const char *dir = getenv ("MASSLINE_LOCALEDIR");
    if ((dir && *dir) || access (ML_LOCALEDIR "/zh_CN/LC_MESSAGES/" ML_TEXTDOMAIN ".mo", R_OK) == 0)
        return;
    char exe[4096], mo[4200];
    ssize_t n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = 0;
    for (int up = 0; up < 3; up++) {
        char *slash = strrchr (exe, '/');
        if (!slash)
            return;
        *slash = 0;
    }
    snprintf (mo, sizeof mo, "%s/po/zh_CN/LC_MESSAGES/%s.mo", exe, ML_TEXTDOMAIN);
    if (access (mo, R_OK) == 0) {
        snprintf (mo, sizeof mo, "%s/po", exe);
        setenv ("MASSLINE_LOCALEDIR", mo, 1);
    }
}

int
main (int argc, char **argv)
{
    s_find_catalogue ();
    ml_i18n_init_default ("zh_CN");     //  the console speaks Chinese unless told otherwise
    return ml_cli_main (&s_cli, argc, argv);
}
