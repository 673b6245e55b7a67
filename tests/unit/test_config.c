/* test_config.c -- the table-driven INI loader: defaults, types, paths, keys, errors with lines. */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_config.h"
#include "ml_err.h"
#include "ml_test.h"

typedef struct {
    char *endpoint;
    char *outbox;
    char *server_key;
    long batch;
} s_conf_t;

static const ml_opt_t s_opts[] = {
    { "agent", "collector", ML_OPT_STR, "tcp://127.0.0.1:7701", offsetof (s_conf_t, endpoint), "collector endpoint" },
    { "agent", "outbox", ML_OPT_PATH, "outbox", offsetof (s_conf_t, outbox), "outbox folder" },
    { "agent", "collector_key", ML_OPT_KEY, NULL, offsetof (s_conf_t, server_key), "collector key" },
    { "agent", "batch_size", ML_OPT_INT, "1000", offsetof (s_conf_t, batch), "events per batch" },
    { NULL, NULL, 0, NULL, 0, NULL },
};

static const char *s_key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";

TestSuite (config, .init = t_dir_setup, .fini = t_dir_teardown);

Test (config, defaults_and_relative_paths)
{
    char text[256];
    snprintf (text, sizeof text, "[agent]\ncollector_key = %s\n[other]\nfoo = bar\n", s_key);
    const char *path = t_write ("a.ini", text);
    s_conf_t conf = { 0 };
    char err[256] = "";
    cr_assert_eq (ml_config_load (path, s_opts, &conf, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq (conf.endpoint, "tcp://127.0.0.1:7701");
    cr_assert_eq (conf.batch, 1000);
    cr_assert_str_eq (conf.outbox, t_path ("outbox"), "outbox resolved against the file's folder");
    cr_assert_str_eq (conf.server_key, s_key);
    ml_config_free (s_opts, &conf);
    cr_assert_null (conf.outbox);
    ml_config_free (s_opts, &conf);
}

Test (config, key_from_file)
{
    char text[128];
    snprintf (text, sizeof text, "%s\n", s_key);
    t_write ("collector.pub", text);
    const char *path = t_write ("b.ini", "[agent]\ncollector_key = collector.pub\nbatch_size = 50\n");
    s_conf_t conf = { 0 };
    char err[256] = "";
    cr_assert_eq (ml_config_load (path, s_opts, &conf, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq (conf.server_key, s_key);
    cr_assert_eq (conf.batch, 50);
    ml_config_free (s_opts, &conf);
}

Test (config, errors_name_file_line_and_option)
{
    struct { const char *text; const char *want; } cases[] = {
        { "[agent]\ncollector_key = %s\nbatch_size = abc\n", "c.ini:3: batch_size: not a whole number (abc)" },
        { "[agent]\ncollector_key = %s\ncolour = red\n", "c.ini:3: colour: unknown option in [agent]" },
        { "[agent]\nbatch_size = 5\n%.0s", "c.ini: collector_key: missing in [agent]" },
        { "[agent]\ncollector_key = nokey%s\n", "c.ini:2: collector_key: not a 40-character Z85 key nor a readable key file (nokey" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[256];
        snprintf (text, sizeof text, cases[i].text, s_key);
        const char *path = t_write ("c.ini", text);
        s_conf_t conf = { 0 };
        char err[512] = "";
        cr_assert_eq (ml_config_load (path, s_opts, &conf, err, sizeof err), ML_EINVAL, "case %zu", i);
        cr_assert (strncmp (err, t_dir (), strlen (t_dir ())) == 0, "case %zu: %s", i, err);
        const char *base = err + strlen (t_dir ()) + 1;
        cr_assert (strncmp (base, cases[i].want, strlen (cases[i].want)) == 0,
                   "case %zu: got '%s', want '%s'", i, base, cases[i].want);
        cr_assert_null (conf.endpoint, "nothing left allocated on failure");
    }
}

Test (config, missing_file)
{
    s_conf_t conf = { 0 };
    char err[256] = "";
    cr_assert_eq (ml_config_load ("/nonexistent/x.ini", s_opts, &conf, err, sizeof err), ML_EIO);
    cr_assert_str_eq (err, "/nonexistent/x.ini: cannot open: No such file or directory");
}
