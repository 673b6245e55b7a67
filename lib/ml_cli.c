/* ml_cli.c -- the shared command line of massline-agent, massline-collector and massline. */
#include "ml_cli.h"
#include "ml_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
ml_cli_usage_error (const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof line, fmt, ap);
    va_end (ap);
    ml_die_msg ("%s (try --help)", line);
    return 2;
}

static bool
s_is_help (const char *arg)
{
    return strcmp (arg, "-h") == 0 || strcmp (arg, "--help") == 0;
}

//  The command named ARG, or NULL after printing "unknown command" (the caller returns 2).
static const ml_cli_command_t *
s_command (const ml_cli_t *cli, const char *arg)
{
    for (const ml_cli_command_t *c = cli->commands; c->name; c++)
        if (strcmp (c->name, arg) == 0)
            return c;
    ml_cli_usage_error ("unknown command '%s'", arg);
    return NULL;
}

//  The parse proper; REST (argc + 1 slots) collects the command's words.
static int
s_main (const ml_cli_t *cli, int argc, char **argv, char **rest)
{
    const char *config = cli->default_config;
    const ml_cli_command_t *cmd = NULL;
    int nrest = 0;
    bool options = true;            //  false after "--"
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (options && cli->double_dash && strcmp (arg, "--") == 0) {
            options = false;
            continue;
        }
        if (!options) {
            if (cmd)
                rest[nrest++] = argv[i];
            else
            if (!(cmd = s_command (cli, arg)))
                return 2;
            continue;
        }
        if (cmd && cli->command_help && s_is_help (arg)) {
            char *help[] = { "help", NULL };
            return cmd->run (1, help, config);
        }
        if (s_is_help (arg)) {
            cli->help ();
            return 0;
        }
        if (strcmp (arg, "-V") == 0 || strcmp (arg, "--version") == 0) {
            printf ("%s %s\n", cli->prog, ML_VERSION);
            return 0;
        }
        if (strcmp (arg, "-c") == 0 || strcmp (arg, "--config") == 0) {
            if (i + 1 >= argc)
                return ml_cli_usage_error ("%s needs a file", arg);
            config = argv[++i];
        }
        else
        if (strncmp (arg, "--config=", 9) == 0)
            config = arg + 9;
        else
        if (!cmd && arg[0] != '-') {
            if (!(cmd = s_command (cli, arg)))
                return 2;
        }
        else
        if (!cmd)
            return ml_cli_usage_error ("unknown option '%s'", arg);
        else
            rest[nrest++] = argv[i];
    }
    if (!cmd)
        return ml_cli_usage_error ("%s", cli->which);
    return cmd->run (nrest, rest, config);
}

int
ml_cli_main (const ml_cli_t *cli, int argc, char **argv)
{
    ml_log_init (cli->prog, ML_LOG_INFO);
    char **rest = calloc ((size_t) argc + 1, sizeof *rest);
    if (!rest)
        return 1;
    int code = s_main (cli, argc, argv, rest);
    free (rest);
    return code;
}
