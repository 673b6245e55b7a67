/* test_cli.c -- the command line the three programs share (lib/ml_cli.c): -V, --version, --help,
   -c/--config, unknown options and commands behave the same in massline-agent,
   massline-collector and massline: exit 0 for help and version, 2 for bad usage with one line on
   stderr that names the program. */
#include "ml_harness.h"

#include <criterion/criterion.h>
#include <string.h>

typedef struct {
    const char *env;                    //  the harness's variable for the binary
    const char *prog;                   //  the name it prints
    const char *configured;             //  a command that reads its configuration file
} s_prog_t;

static const s_prog_t s_progs[] = {
    { "ML_AGENT", "massline-agent", "status" },
    { "ML_COLLECTOR", "massline-collector", "check" },
    { "ML_CLIENT", "massline", "status" },
};
#define S_PROGS (sizeof s_progs / sizeof s_progs[0])

//  Runs P with up to three words (NULL ends them early); returns the exit code, output in OUT.
static int
s_run (const s_prog_t *p, ml_h_out_t *out, const char *a, const char *b, const char *c)
{
    const char *bin = ml_h_bin (p->env);
    int code = ml_h_run (out, 60000, bin, a, b, c, NULL);
    cr_assert_neq (code, -1, "%s %s: did not finish", p->prog, a ? a : "");
    return code;
}

//  Asserts that OUT is a usage error of P: exit 2, nothing on stdout, and the one line
//  "PROG: WANT" on stderr (WANT NULL: any text after "PROG: ").
static void
s_assert_usage (const s_prog_t *p, int code, const ml_h_out_t *out, const char *want, const char *what)
{
    cr_assert_eq (code, 2, "%s %s: exit %d, not 2 (stderr: %s)", p->prog, what, code, out->err);
    cr_assert_str_empty (out->out, "%s %s: printed on stdout: %s", p->prog, what, out->out);
    size_t len = strlen (out->err);
    cr_assert (len > 0 && out->err[len - 1] == '\n' && strchr (out->err, '\n') == out->err + len - 1,
               "%s %s: not one line on stderr: '%s'", p->prog, what, out->err);
    char *prefix = ml_h_str ("%s: ", p->prog);
    cr_assert (strncmp (out->err, prefix, strlen (prefix)) == 0,
               "%s %s: the error does not name the program: %s", p->prog, what, out->err);
    if (want)
        cr_assert_str_eq (out->err, ml_h_str ("%s: %s\n", p->prog, want), "%s %s", p->prog, what);
}

Test (cli, version_is_one_line_with_the_program_name, .init = ml_h_init, .fini = ml_h_fini)
{
    static const char *const words[] = { "-V", "--version" };
    for (size_t i = 0; i < S_PROGS; i++)
        for (size_t w = 0; w < 2; w++) {
            ml_h_out_t out;
            int code = s_run (&s_progs[i], &out, words[w], NULL, NULL);
            cr_assert_eq (code, 0, "%s %s: exit %d (stderr: %s)", s_progs[i].prog, words[w], code, out.err);
            cr_assert_str_eq (out.out, ml_h_str ("%s %s\n", s_progs[i].prog, ML_VERSION),
                              "%s %s", s_progs[i].prog, words[w]);
            cr_assert_str_empty (out.err, "%s %s: %s", s_progs[i].prog, words[w], out.err);
        }
    ml_h_pass ();
}

Test (cli, help_has_the_same_shape, .init = ml_h_init, .fini = ml_h_fini)
{
    for (size_t i = 0; i < S_PROGS; i++) {
        const s_prog_t *p = &s_progs[i];
        //  global, short and long, and after a command
        const char *runs[][2] = { { "--help", NULL }, { "-h", NULL }, { p->configured, "--help" } };
        for (size_t r = 0; r < 3; r++) {
            ml_h_out_t out;
            const char *what = ml_h_str ("%s%s%s", runs[r][0], runs[r][1] ? " " : "",
                                         runs[r][1] ? runs[r][1] : "");
            int code = s_run (p, &out, runs[r][0], runs[r][1], NULL);
            cr_assert_eq (code, 0, "%s %s: exit %d (stderr: %s)", p->prog, what, code, out.err);
            cr_assert_str_empty (out.err, "%s %s: %s", p->prog, what, out.err);
            char *usage = ml_h_str ("usage: %s [-c FILE] COMMAND [ARGS]\n", p->prog);
            cr_assert (strncmp (out.out, usage, strlen (usage)) == 0, "%s %s: %s", p->prog, what, out.out);
            static const char *const lines[] = {
                "\ncommands:\n", "\noptions:\n",
                "\n  -c, --config FILE   ", "\n  -h, --help          this text\n",
                "\n  -V, --version       the version\n",
                "\nexit status: 0 ok, 1 the work failed",
            };
            for (size_t l = 0; l < sizeof lines / sizeof lines[0]; l++)
                cr_assert (strstr (out.out, lines[l]), "%s %s: no '%s' in:\n%s", p->prog, what,
                           lines[l], out.out);
        }
    }
    ml_h_pass ();
}

Test (cli, missing_config_file_is_bad_usage, .init = ml_h_init, .fini = ml_h_fini)
{
    char *missing = ml_h_str ("%s/no-such.ini", ml_h_dir ());
    char *eq = ml_h_str ("--config=%s", missing);
    for (size_t i = 0; i < S_PROGS; i++) {
        const s_prog_t *p = &s_progs[i];
        const char *runs[][3] = {
            { "-c", missing, p->configured }, { "--config", missing, p->configured },
            { eq, p->configured, NULL }, { p->configured, "-c", missing },
        };
        for (size_t r = 0; r < 4; r++) {
            ml_h_out_t out;
            int code = s_run (p, &out, runs[r][0], runs[r][1], runs[r][2]);
            const char *what = ml_h_str ("%s %s %s", runs[r][0], runs[r][1], runs[r][2] ? runs[r][2] : "");
            s_assert_usage (p, code, &out, NULL, what);
            cr_assert (strstr (out.err, missing), "%s %s: the error does not name the file: %s",
                       p->prog, what, out.err);
        }
        //  -c and --config without a file
        ml_h_out_t out;
        int code = s_run (p, &out, "-c", NULL, NULL);
        s_assert_usage (p, code, &out, "-c needs a file (try --help)", "-c");
        code = s_run (p, &out, "--config", NULL, NULL);
        s_assert_usage (p, code, &out, "--config needs a file (try --help)", "--config");
    }
    ml_h_pass ();
}

Test (cli, unknown_option_and_command_are_bad_usage, .init = ml_h_init, .fini = ml_h_fini)
{
    for (size_t i = 0; i < S_PROGS; i++) {
        const s_prog_t *p = &s_progs[i];
        ml_h_out_t out;
        int code = s_run (p, &out, "--no-such-option", NULL, NULL);
        s_assert_usage (p, code, &out, "unknown option '--no-such-option' (try --help)", "--no-such-option");
        code = s_run (p, &out, "-x", p->configured, NULL);
        s_assert_usage (p, code, &out, "unknown option '-x' (try --help)", "-x");
        code = s_run (p, &out, "no-such-command", NULL, NULL);
        s_assert_usage (p, code, &out, "unknown command 'no-such-command' (try --help)", "no-such-command");
        code = s_run (p, &out, NULL, NULL, NULL);
        s_assert_usage (p, code, &out, NULL, "(no command)");
        cr_assert (strstr (out.err, ": which command? ") && strstr (out.err, " (try --help)\n"),
                   "%s without a command: %s", p->prog, out.err);
    }
    ml_h_pass ();
}

//  massline-agent takes --config as the others do, for its own commands and for run and flush,
//  which it hands to massline-agent-forward; "--" ends its options.
Test (cli, agent_takes_config_everywhere, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    const char *ini = ml_h_agent_ini ("H001");
    char *eq = ml_h_str ("--config=%s", ini);
    ml_h_out_t out;
    //  nothing recorded yet: flush has nothing to wait for, but must read agent.ini and the keys
    int code = ml_h_run (&out, 60000, ML_AGENT, "flush", "--config", ini, "--timeout", "5", NULL);
    cr_assert_eq (code, 0, "flush --config: exit %d: %s", code, out.err);
    code = ml_h_run (&out, 60000, ML_AGENT, eq, "record", "person", "person=P001", "name=Wang",
                     "roles=[{\"role\":\"main_leader\",\"from\":\"2025-01-01\"}]", NULL);
    cr_assert_eq (code, 0, "record with --config=: exit %d: %s", code, out.err);
    code = ml_h_run (&out, 60000, ML_AGENT, "--config", ini, "status", "--json", NULL);
    cr_assert_eq (code, 0, "status with --config: exit %d: %s", code, out.err);
    json_error_t jerr;
    json_t *status = json_loads (out.out, 0, &jerr);
    cr_assert_not_null (status, "status --json: %s: %s", jerr.text, out.out);
    cr_assert_eq (json_integer_value (json_object_get (status, "pending")), 1, "%s", out.out);
    json_decref (status);
    //  after "--" even -V is the command's
    code = ml_h_run (&out, 60000, ML_AGENT, "-c", ini, "--", "status", "-V", NULL);
    cr_assert_eq (code, 2, "status -- -V: exit %d: %s", code, out.err);
    cr_assert_str_eq (out.err, "massline-agent: status: unexpected argument '-V' (try --help)\n");
    ml_h_pass ();
}
