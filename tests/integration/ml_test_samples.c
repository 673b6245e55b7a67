/* ml_test_samples.c -- the sampling tests' shared helpers (ml_test_samples.h). */
#include "ml_test_samples.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// ---------------------------------------------------------------------------
// Memory that lives until the end of the test.

static void *s_owned[256];
static size_t s_nowned;

void *
ml_hs_alloc (size_t size)
{
    cr_assert_lt (s_nowned, sizeof s_owned / sizeof s_owned[0]);
    void *p = calloc (1, size);
    cr_assert_not_null (p);
    return s_owned[s_nowned++] = p;
}

void
ml_hs_fini (void)
{
    while (s_nowned)
        free (s_owned[--s_nowned]);
    ml_h_fini ();
}

// ---------------------------------------------------------------------------
// Running the client.

//  Runs `massline -c INI ARGS...` (NULL-terminated); returns the exit code, output in *OUT.
static int
s_cli_v (ml_h_out_t *out, const char *ini, va_list ap)
{
    char *argv[64] = { (char *) ML_CLIENT, "-c", (char *) ini };
    int n = 3;
    for (const char *a = va_arg (ap, const char *); a; a = va_arg (ap, const char *)) {
        cr_assert_lt (n, 62);
        argv[n++] = (char *) a;
    }
    argv[n] = NULL;
    return ml_h_runv (out, 120000, argv);
}

int
ml_hs_cli (ml_h_out_t *out, const char *ini, ...)
{
    va_list ap;
    va_start (ap, ini);
    int code = s_cli_v (out, ini, ap);
    va_end (ap);
    return code;
}

//  Runs `massline -c INI ARGS... --json`, asserts exit code WANT and returns the parsed output.
static json_t *
s_cli_json_v (int want, const char *ini, va_list ap)
{
    char *argv[64] = { (char *) ML_CLIENT, "-c", (char *) ini };
    int n = 3;
    for (const char *a = va_arg (ap, const char *); a; a = va_arg (ap, const char *)) {
        cr_assert_lt (n, 62);
        argv[n++] = (char *) a;
    }
    argv[n++] = "--json";
    argv[n] = NULL;
    ml_h_out_t out;
    int code = ml_h_runv (&out, 120000, argv);
    cr_assert_eq (code, want, "massline %s %s exited %d: %s", argv[3], argv[4], code, out.err);
    json_error_t jerr;
    json_t *json = json_loads (out.out, 0, &jerr);
    cr_assert_not_null (json, "massline %s %s --json: not JSON (%s): %.400s", argv[3], argv[4],
                        jerr.text, out.out);
    return json;
}

json_t *
ml_hs_cli_json (const char *ini, ...)
{
    va_list ap;
    va_start (ap, ini);
    json_t *json = s_cli_json_v (0, ini, ap);
    va_end (ap);
    return json;
}

//  The same for a command that must exit 1 (verify of a sample that no longer matches).
json_t *
ml_hs_cli_json_1 (const char *ini, ...)
{
    va_list ap;
    va_start (ap, ini);
    json_t *json = s_cli_json_v (1, ini, ap);
    va_end (ap);
    return json;
}

const char *
ml_hs_str (const json_t *obj, const char *key)
{
    return json_string_value (json_object_get (obj, key));
}

long
ml_hs_int (const json_t *obj, const char *key)
{
    json_t *v = json_object_get (obj, key);
    cr_assert (json_is_integer (v), "'%s' is not an integer", key);
    return (long) json_integer_value (v);
}

//  The stratum ID of a draw/show/verify reply.
json_t *
ml_hs_stratum (const json_t *reply, const char *id)
{
    size_t i;
    json_t *s;
    json_array_foreach (json_object_get (reply, "strata"), i, s)
        if (strcmp (ml_hs_str (s, "stratum"), id) == 0)
            return s;
    cr_assert_fail ("no stratum %s in the reply", id);
    return NULL;
}

//  The items of stratum ID as a harness-owned array of strings; *N gets how many.
char **
ml_hs_items (const json_t *reply, const char *id, size_t *n)
{
    json_t *items = json_object_get (ml_hs_stratum (reply, id), "items");
    *n = json_array_size (items);
    char **out = ml_hs_alloc ((*n + 1) * sizeof (char *));
    for (size_t i = 0; i < *n; i++)
        out[i] = ml_h_str ("%s", json_string_value (json_array_get (items, i)));
    return out;
}

// ---------------------------------------------------------------------------
// The bureau with the demo year imported.

const char *
ml_hs_source (const char *rel)
{
    const char *root = getenv ("MASSLINE_SOURCE_ROOT");
    cr_assert (root, "MASSLINE_SOURCE_ROOT is not set (run through meson test)");
    return ml_h_str ("%s/%s", root, rel);
}

//  Imports FILE into UNIT's outbox and flushes it to the collector.
void
ml_hs_import (const char *unit, const char *file)
{
    ml_h_out_t out;
    int code = ml_h_run (&out, 120000, ML_AGENT, "-c", ml_h_agent_ini (unit), "import", file, NULL);
    cr_assert_eq (code, 0, "import %s exited %d: %s", file, code, out.err);
    code = ml_h_run (&out, 120000, ML_AGENT, "-c", ml_h_agent_ini (unit), "flush", NULL);
    cr_assert_eq (code, 0, "flush of %s exited %d: %s", unit, code, out.err);
}

//  Records one event KIND with key=value WORDS in UNIT and flushes it.
void
ml_hs_record (const char *unit, const char *kind, ...)
{
    char *argv[32] = { (char *) ML_AGENT, "-c", (char *) ml_h_agent_ini (unit), "record", (char *) kind };
    int n = 5;
    va_list ap;
    va_start (ap, kind);
    for (const char *a = va_arg (ap, const char *); a; a = va_arg (ap, const char *))
        argv[n++] = (char *) a;
    va_end (ap);
    argv[n] = NULL;
    ml_h_out_t out;
    int code = ml_h_runv (&out, 60000, argv);
    cr_assert_eq (code, 0, "record %s exited %d: %s", kind, code, out.err);
    code = ml_h_run (&out, 120000, ML_AGENT, "-c", ml_h_agent_ini (unit), "flush", NULL);
    cr_assert_eq (code, 0, "flush of %s exited %d: %s", unit, code, out.err);
}

//  Sets up the harness bureau, starts its collector and imports ops/demo-data/H00[123].jsonl.
void
ml_hs_demo_bureau (void)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    for (int u = 0; u < ML_H_UNITS; u++)
        ml_hs_import (ml_h_units[u], ml_hs_source (ml_h_str ("ops/demo-data/%s.jsonl", ml_h_units[u])));
}

// ---------------------------------------------------------------------------
// The population, recomputed from the JSONL files without massline.

//  The current version of every ref of UNIT's demo file (json null when voided), by ref.
json_t *
ml_hs_demo_current (const char *unit)
{
    const char *path = ml_hs_source (ml_h_str ("ops/demo-data/%s.jsonl", unit));
    FILE *file = fopen (path, "r");
    cr_assert_not_null (file, "%s", path);
    json_t *cur = json_object ();
    char line[8192];
    while (fgets (line, sizeof line, file)) {
        json_t *ev = json_loads (line, 0, NULL);
        cr_assert_not_null (ev, "%s: a line is not JSON", path);
        const char *kind = ml_hs_str (ev, "kind");
        if (strcmp (kind, "correction") == 0)
            json_object_set (cur, ml_hs_str (ev, "supersedes"), json_object_get (ev, "event"));
        else
        if (strcmp (kind, "void") == 0)
            json_object_set_new (cur, ml_hs_str (ev, "supersedes"), json_null ());
        else
            json_object_set (cur, ml_hs_str (ev, "ref"), ev);
        json_decref (ev);
    }
    fclose (file);
    return cur;
}

//  True when KIND is in the comma list KINDS (NULL: every activity kind).
bool
ml_hs_kind_in (const char *kind, const char *kinds)
{
    if (strcmp (kind, "person") == 0 || strcmp (kind, "org") == 0)
        return false;
    if (!kinds)
        return true;
    size_t len = strlen (kind);
    for (const char *p = kinds; p; p = strchr (p, ',') ? strchr (p, ',') + 1 : NULL)
        if (strncmp (p, kind, len) == 0 && (p[len] == ',' || !p[len]))
            return true;
    return false;
}

//  Sorted ids "UNIT/REF" of UNIT's current demo events of KINDS dated in 2025 (harness-owned).
char **
ml_hs_demo_population (const char *unit, const char *kinds, size_t *n)
{
    json_t *cur = ml_hs_demo_current (unit);
    char **ids = ml_hs_alloc ((json_object_size (cur) + 1) * sizeof (char *));
    *n = 0;
    const char *ref;
    json_t *ev;
    json_object_foreach (cur, ref, ev) {
        if (json_is_null (ev) || !ml_hs_kind_in (ml_hs_str (ev, "kind"), kinds))
            continue;
        const char *date = ml_hs_str (ev, "date");
        if (date && strncmp (date, "2025-", 5) == 0)
            ids[(*n)++] = ml_h_str ("%s/%s", unit, ref);
    }
    json_decref (cur);
    ml_h_sort (ids, *n);
    return ids;
}
