/* ml_accounts_cli.c -- `user add|disable|passwd` for the web programs (ml_accounts_cli.h). */
#include "ml_accounts_cli.h"
#include "ml_err.h"
#include "ml_log.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

int
ml_accounts_read_password (char *buf, size_t len)
{
    struct termios old, quiet;
    bool tty = isatty (STDIN_FILENO) && tcgetattr (STDIN_FILENO, &old) == 0;
    if (tty) {
        fprintf (stderr, "password: ");
        quiet = old;
        quiet.c_lflag &= (tcflag_t) ~ECHO;
        tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    bool ok = fgets (buf, (int) len, stdin) != NULL;
    if (tty) {
        tcsetattr (STDIN_FILENO, TCSAFLUSH, &old);
        fprintf (stderr, "\n");
    }
    if (!ok) {
        ml_die_msg ("user: no password on standard input");
        return 2;
    }
    buf[strcspn (buf, "\r\n")] = 0;
    return 0;
}

int
ml_accounts_cli_change (ml_accounts_t *accounts, const char *verb, const char *name,
                        const char *role, const char *unit, const char *detail,
                        const char **done)
{
    char err[512] = "", password[1100] = "";
    int rc = 0, code = 0;
    if (strcmp (verb, "disable") == 0)
        rc = ml_accounts_disable (accounts, name, err, sizeof err);
    else {
        code = ml_accounts_read_password (password, sizeof password);
        if (!code && strcmp (verb, "add") == 0)
            rc = ml_accounts_add (accounts, name, role, unit, password, err, sizeof err);
        else
        if (!code)
            rc = ml_accounts_passwd (accounts, name, password, err, sizeof err);
        memset (password, 0, sizeof password);
    }
    if (!code && rc) {
        ml_die_msg ("user %s: %s", verb, err);
        code = rc == ML_EINVAL ? 2 : 1;
    }
    if (!code) {
        ml_accounts_audit (accounts, (int64_t) time (NULL), name, "command line", verb, detail);
        *done = strcmp (verb, "add") == 0 ? "added"
              : strcmp (verb, "disable") == 0 ? "disabled" : "password set";
    }
    return code;
}
