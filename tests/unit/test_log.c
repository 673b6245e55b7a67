/* test_log.c -- ml_log_escape, the one neutraliser every log line goes through, and the lines
   ml_log and ml_die_msg write: one line per call whatever the fields hold. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ml_log.h"

static const char *
s_esc (const char *in, size_t outlen)
{
    static char out[512];
    cr_assert_leq (outlen, sizeof out);
    return ml_log_escape (in, out, outlen);
}

Test (log, escape_neutralises_controls_and_keeps_text)
{
    struct { const char *in, *want; } cases[] = {
        { "plain ASCII, punctuation: ~!@#$%^&*()\\", "plain ASCII, punctuation: ~!@#$%^&*()\\" },
        { "镇江市第一人民医院 接访台账.csv", "镇江市第一人民医院 接访台账.csv" },
        { "a\r\nFORGED line", "a\\r\\nFORGED line" },
        { "tab\there", "tab\\there" },
        { "\x1b[2Jclear", "\\x1b[2Jclear" },
        { "bell\a nul-less \x01\x1f", "bell\\x07 nul-less \\x01\\x1f" },
        { "del\x7f", "del\\x7f" },
        { "C1 NEL \xc2\x85 CSI \xc2\x9b end", "C1 NEL \\xc2\\x85 CSI \\xc2\\x9b end" },
        { "\xc2\xa0nbsp stays", "\xc2\xa0nbsp stays" },
        { "GBK \xd5\xc5\xc8\xfd", "GBK \\xd5\\xc5\\xc8\\xfd" },
        { "lone \x9b and cut \xe5\xbc", "lone \\x9b and cut \\xe5\\xbc" },
        { "overlong \xc0\xaf surrogate \xed\xa0\x80", "overlong \\xc0\\xaf surrogate \\xed\\xa0\\x80" },
        { "emoji \xf0\x9f\x98\x80", "emoji \xf0\x9f\x98\x80" },
        { "", "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_str_eq (s_esc (cases[i].in, 512), cases[i].want, "case %zu", i);
}

Test (log, escape_cuts_between_characters)
{
    cr_assert_str_eq (s_esc ("abcdef", 4), "abc");
    cr_assert_str_eq (s_esc ("ab\ncd", 4), "ab", "an escape is never cut in half");
    cr_assert_str_eq (s_esc ("ab\ncd", 5), "ab\\n");
    cr_assert_str_eq (s_esc ("a张三", 5), "a张", "a character is never cut in half");
    cr_assert_str_eq (s_esc ("x", 1), "");
}

//  Runs FN with stderr sent to a temp file; returns what was written (caller frees).
static char *
s_capture (void (*fn) (void))
{
    char path[] = "/tmp/ml-test-log-XXXXXX";
    int fd = mkstemp (path);
    cr_assert_geq (fd, 0);
    fflush (stderr);
    int saved = dup (2);
    dup2 (fd, 2);
    fn ();
    fflush (stderr);
    dup2 (saved, 2);
    close (saved);
    FILE *f = fdopen (fd, "r");
    rewind (f);
    static char buf[4096];
    size_t n = fread (buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose (f);
    unlink (path);
    return strdup (buf);
}

static void
s_log_forged (void)
{
    ml_log_init ("massline-test", ML_LOG_INFO);
    ml_info ("query %s by %s", "report\r\n2026-01-01T00:00:00.000Z massline-collector: error: FORGED\x1b[2J",
             "client:admin");
    ml_die_msg ("%s:2: field '%s': bad", "x\nFORGED.csv", "备注");
}

Test (log, every_line_is_one_line)
{
    char *text = s_capture (s_log_forged);
    int lines = 0;
    for (char *c = text; *c; c++) {
        lines += *c == '\n';
        cr_assert ((unsigned char) *c >= 0x20 || *c == '\n', "control byte 0x%02x in: %s", *c, text);
    }
    cr_assert_eq (lines, 2, "two calls, two lines: %s", text);
    cr_assert (strstr (text, "massline-test: info: query report\\r\\n2026-01-01T00:00:00.000Z "
                             "massline-collector: error: FORGED\\x1b[2J by client:admin\n"), "%s", text);
    cr_assert (strstr (text, "massline-test: x\\nFORGED.csv:2: field '备注': bad\n"), "%s", text);
    free (text);
}
