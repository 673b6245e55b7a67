/* ml_test.c -- the shared unit-test fixture: a temp folder per test and the strings that name
   things in it. Criterion runs each test in its own process, so the state here is per test. */
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_test.h"

static char s_dir[256];                 //  this test's temp folder; "" before setup
static char **s_strings;                //  what t_path and friends returned, freed at teardown
static size_t s_nstrings, s_capstrings;

//  Keeps STR until teardown and returns it.
static const char *
s_keep (char *str)
{
    cr_assert (str);
    if (s_nstrings == s_capstrings) {
        s_capstrings = s_capstrings ? s_capstrings * 2 : 16;
        s_strings = realloc (s_strings, s_capstrings * sizeof *s_strings);
        cr_assert (s_strings);
    }
    s_strings[s_nstrings++] = str;
    return str;
}

void
t_dir_setup (void)
{
    const char *suite = criterion_current_suite ? criterion_current_suite->name : "unit";
    snprintf (s_dir, sizeof s_dir, "/tmp/ml-test-%s-XXXXXX", suite);
    cr_assert (mkdtemp (s_dir), "mkdtemp %s: %s", s_dir, strerror (errno));
}

static int
s_remove (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st, (void) flag, (void) ftw;
    if (remove (path) == 0)
        return 0;
    cr_log_error ("cannot remove %s: %s", path, strerror (errno));
    return -1;
}

void
t_dir_teardown (void)
{
    if (*s_dir) {
        //  Depth first, not following links: the contents before their folder.
        int rc = nftw (s_dir, s_remove, 16, FTW_DEPTH | FTW_PHYS);
        cr_expect_eq (rc, 0, "the temp folder %s was not removed", s_dir);
        *s_dir = '\0';
    }
    for (size_t i = 0; i < s_nstrings; i++)
        free (s_strings[i]);
    free (s_strings);
    s_strings = NULL;
    s_nstrings = s_capstrings = 0;
}

const char *
t_dir (void)
{
    cr_assert (*s_dir, "no temp folder: the suite needs .init = t_dir_setup");
    return s_dir;
}

const char *
t_path (const char *fmt, ...)
{
    char *name, *path;
    va_list args;
    va_start (args, fmt);
    cr_assert (vasprintf (&name, fmt, args) >= 0);
    va_end (args);
    cr_assert (asprintf (&path, "%s/%s", t_dir (), name) > 0);
    free (name);
    return s_keep (path);
}

const char *
t_write_bytes (const char *name, const void *data, size_t len)
{
    const char *path = t_path ("%s", name);
    FILE *f = fopen (path, "wb");
    cr_assert (f, "%s: %s", path, strerror (errno));
    cr_assert_eq (fwrite (data, 1, len, f), len, "%s: short write", path);
    cr_assert_eq (fclose (f), 0, "%s: %s", path, strerror (errno));
    return path;
}

const char *
t_write (const char *name, const char *text)
{
    return t_write_bytes (name, text, strlen (text));
}

const char *
t_source_path (const char *fmt, ...)
{
    const char *root = getenv ("MASSLINE_SOURCE_ROOT");
    cr_assert (root, "MASSLINE_SOURCE_ROOT is not set (run through meson test)");
    char *rel, *path;
    va_list args;
    va_start (args, fmt);
    cr_assert (vasprintf (&rel, fmt, args) >= 0);
    va_end (args);
    cr_assert (asprintf (&path, "%s/%s", root, rel) > 0);
    free (rel);
    return s_keep (path);
}

char *
t_json (const char *quoted)
{
    char *json = strdup (quoted);
    cr_assert (json);
    for (char *p = json; *p; p++)
        if (*p == '\'')
            *p = '"';
    return json;
}

Massline__Event *
t_event (const char *json, ml_day_t today)
{
    ml_verr_t err;
    char why[512];
    Massline__Event *ev = ml_event_from_jsonl (json, strlen (json), &err);
    cr_assert (ev, "%s: %s", json, ml_verr_text (&err, why, sizeof why));
    ml_vctx_t ctx = { NULL, NULL, NULL, today };
    cr_assert_eq (ml_event_validate (ev, &ctx, &err), 0, "%s: %s", json,
                  ml_verr_text (&err, why, sizeof why));
    return ev;
}
