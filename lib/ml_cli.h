/* ml_cli.h -- the command line of a git-style program: -c FILE, --help, --version, a subcommand. */
#ifndef ML_CLI_H
#define ML_CLI_H

#include <stdbool.h>

//  A subcommand: RUN gets the words after its name and the -c file.
typedef struct {
    const char *name;
    int (*run) (int argc, char **argv, const char *config);
    const char *usage;           //  e.g. "-c client.ini status [--json]"
    const char *help;            //  one or two lines for --help
} ml_cli_command_t;

//  The program: its name, default config, subcommands (NULL-terminated) and full help.
typedef struct {
    const char *prog;
    const char *default_config;
    const ml_cli_command_t *commands;
    void (*help) (void);         //  prints the whole --help text
    const char *which;           //  "which command? ..." when none is given
    bool command_help;           //  --help after a command runs it with the word "help"
    bool double_dash;            //  "--" ends the options: every later word is the command's
} ml_cli_t;

//  Parses -c/--config FILE (or --config=FILE), -h/--help, -V/--version (anywhere, up
//  to a "--" when the program takes one) and the subcommand in ARGV, then runs it with the other
//  words. Returns the exit code: the command's, 0 for help/version, 2 for bad usage (printed as
//  one line, "PROG: unknown option '-x' (try --help)").
int ml_cli_main (const ml_cli_t *cli, int argc, char **argv);

//  Prints "PROG: MESSAGE (try --help)" and returns 2, the exit code of bad usage.
int ml_cli_usage_error (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

#endif
