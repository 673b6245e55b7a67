/* client_sample.c -- massline sample draw|show|verify|finding|appraise|list|size: spot-check
   samples. Every verb but size asks the collector ('sample VERB' queries); size is local. */
#include "ml_client.h"
#include "ml_err.h"
#include "ml_log.h"
#include "ml_render.h"
#include "ml_sample.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OPTS 16

//  The words of one subcommand: positional ones and --name value / --name=value / --flag.
typedef struct {
    const char *pos[4];
    int npos;
    const char *name[MAX_OPTS];
    const char *value[MAX_OPTS];        //  NULL for a flag
    int nopts;
} s_words_t;

static int s_usage (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

static int
s_usage (const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof line, fmt, ap);
    va_end (ap);
    ml_die_msg ("sample %s (try massline sample help)", line);
    return 2;
}

//  Splits ARGV by the names of VALUED options ("year", ...) and FLAGS ("json", ...), each a
//  NULL-terminated list. Returns 0 or 2 after printing the usage error.
static int
s_split (const char *verb, int argc, char **argv, const char *const *valued, const char *const *flags,
         int maxpos, s_words_t *w)
{
    memset (w, 0, sizeof *w);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp (a, "--", 2) != 0 || !a[2]) {
            if (w->npos >= maxpos)
                return s_usage ("%s: unexpected argument '%s'", verb, a);
            w->pos[w->npos++] = a;
            continue;
        }
        const char *name = a + 2, *eq = strchr (name, '=');
        size_t len = eq ? (size_t) (eq - name) : strlen (name);
        bool found = false;
        for (int v = 0; valued[v] && !found; v++)
            if (strlen (valued[v]) == len && strncmp (valued[v], name, len) == 0) {
                found = true;
                if (!eq && i + 1 >= argc)
                    return s_usage ("%s: --%s needs a value", verb, valued[v]);
                if (w->nopts == MAX_OPTS)
                    return s_usage ("%s: too many options", verb);
                w->name[w->nopts] = valued[v];
                w->value[w->nopts++] = eq ? eq + 1 : argv[++i];
            }
        for (int f = 0; flags[f] && !found; f++)
            if (!eq && strcmp (flags[f], name) == 0) {
                found = true;
                if (w->nopts == MAX_OPTS)
                    return s_usage ("%s: too many options", verb);
                w->name[w->nopts] = flags[f];
                w->value[w->nopts++] = NULL;
            }
        if (!found)
            return s_usage ("%s: unknown option '%s'", verb, a);
    }
    return 0;
}

//  The value of option NAME (the last one given), or NULL.
static const char *
s_opt (const s_words_t *w, const char *name)
{
    const char *value = NULL;
    for (int i = 0; i < w->nopts; i++)
        if (strcmp (w->name[i], name) == 0)
            value = w->value[i] ? w->value[i] : "";
    return value;
}

//  The reply of query COMMAND with the options of W named in KEYS as key=value arguments
//  (dashes become underscores), after the EXTRA ones. NULL and *CODE on failure.
static json_t *
s_ask (const char *config, const char *command, const s_words_t *w, const char *const *keys,
       char **extra, int nextra, int *code)
{
    char *args[MAX_OPTS + 8];
    int n = 0;
    for (int i = 0; i < nextra; i++)
        args[n++] = extra[i];
    for (int i = 0; i < w->nopts; i++)
        for (int k = 0; keys[k]; k++)
            if (strcmp (w->name[i], keys[k]) == 0) {
                char key[32];
                snprintf (key, sizeof key, "%s", keys[k]);
                for (char *c = key; *c; c++)
                    *c = *c == '-' ? '_' : *c;
                if (asprintf (&args[n], "%s=%s", key, w->value[i] ? w->value[i] : "yes") < 0) {
                    *code = 1;
                    goto fail;
                }
                n++;
            }
    json_t *reply = ml_client_query (config, command, n, args, code);
    for (int i = nextra; i < n; i++)
        free (args[i]);
    return reply;
fail:
    for (int i = nextra; i < n; i++)
        free (args[i]);
    ml_die_msg ("%s: out of memory", command);
    return NULL;
}

//  Asks COMMAND about the sample W names first: "sample=ID", then the options in KEYS.
static json_t *
s_ask_sample (const char *config, const char *command, const s_words_t *w,
              const char *const *keys, int *code)
{
    char *id = NULL;
    if (asprintf (&id, "sample=%s", w->pos[0]) < 0) {
        *code = 1;
        return NULL;
    }
    json_t *reply = s_ask (config, command, w, keys, &id, 1, code);
    free (id);
    return reply;
}

//  Prints JSON pretty and returns 0.
static int
s_print_json (const json_t *json)
{
    //  15 significant digits: 0.6, not 0.59999999999999998.
    char *text = json_dumps (json, JSON_INDENT (2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION (15));
    if (!text) {
        ml_die_msg ("sample: out of memory");
        return 1;
    }
    printf ("%s\n", text);
    free (text);
    return 0;
}

// ---------------------------------------------------------------------------
// Tables that line up with Chinese text.

#define MAX_COLS 10

typedef struct {
    int ncols;
    bool right[MAX_COLS];               //  right-aligned columns
    char **cells;                       //  row after row
    size_t nrows, cap;
} s_table_t;

static void s_row (s_table_t *t, ...);

//  Adds a row of t->ncols cells (const char *; NULL prints as "-"), each made fit for a
//  terminal (ml_text_safe): a name with ESC or CR cannot reach the terminal.
static void
s_row (s_table_t *t, ...)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 32;
        char **grown = realloc (t->cells, cap * (size_t) t->ncols * sizeof *grown);
        if (!grown)
            return;
        t->cells = grown;
        t->cap = cap;
    }
    va_list ap;
    va_start (ap, t);
    for (int c = 0; c < t->ncols; c++) {
        const char *text = va_arg (ap, const char *);
        char *cell = strdup (text ? text : "-");
        if (cell)
            ml_text_safe (cell, cell, strlen (cell) + 1);
        t->cells[t->nrows * (size_t) t->ncols + (size_t) c] = cell;
    }
    va_end (ap);
    t->nrows++;
}

//  Prints the table indented by INDENT spaces and frees it.
static void
s_table_print (s_table_t *t, int indent)
{
    int width[MAX_COLS] = { 0 };
    for (size_t r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) {
            int w = ml_display_width (t->cells[r * (size_t) t->ncols + (size_t) c]);
            width[c] = w > width[c] ? w : width[c];
        }
    for (size_t r = 0; r < t->nrows; r++) {
        printf ("%*s", indent, "");
        for (int c = 0; c < t->ncols; c++) {
            char *cell = t->cells[r * (size_t) t->ncols + (size_t) c];
            int pad = width[c] - ml_display_width (cell);
            bool last = c == t->ncols - 1;
            if (t->right[c])
                printf ("%*s%s", pad, "", cell);
            else
                printf ("%s%*s", cell, last ? 0 : pad, "");
            printf (last ? "\n" : "  ");
            free (cell);
        }
    }
    free (t->cells);
    memset (t, 0, sizeof *t);
}

static const char *
s_str (const json_t *obj, const char *key)
{
    return json_string_value (json_object_get (obj, key));
}

//  An integer member as text in BUF.
static const char *
s_int (const json_t *obj, const char *key, char buf[32])
{
    json_t *v = json_object_get (obj, key);
    if (!json_is_integer (v))
        return NULL;
    snprintf (buf, 32, "%" JSON_INTEGER_FORMAT, json_integer_value (v));
    return buf;
}

//  A rate member as a percentage in BUF with at most two decimals ("6.67%", "95%"), "-" when
//  null.
static const char *
s_pct (const json_t *obj, const char *key, char buf[32])
{
    json_t *v = json_object_get (obj, key);
    if (!json_is_number (v))
        return "-";
    snprintf (buf, 32, "%.2f", 100 * json_number_value (v));
    char *end = buf + strlen (buf) - 1;
    while (*end == '0')
        *end-- = 0;
    if (*end == '.')
        *end = 0;
    strcat (buf, "%");
    return buf;
}

// ---------------------------------------------------------------------------
// draw, show

static void
s_print_sample (const json_t *s)
{
    char b1[32], b2[32];
    printf ("sample %s  (%s)\n", s_str (s, "sample"), s_str (s, "algorithm"));
    printf ("  drawn by %s at %s\n", s_str (s, "drawn_by"), s_str (s, "drawn_at"));
    printf ("  population: %s of %s", s_str (s, "population"), s_int (s, "year", b1));
    json_t *kinds = json_object_get (s, "kinds");
    for (size_t i = 0; i < json_array_size (kinds); i++)
        printf ("%s%s", i ? "," : "; kinds ", json_string_value (json_array_get (kinds, i)));
    printf ("\n  strata: %s; %s allocation, minimum %s; size %s\n",
            strcmp (s_str (s, "strata_by"), "unit") == 0 ? "by unit" : "none",
            s_str (s, "allocation"), s_int (s, "minimum", b1), s_int (s, "size", b2));
    printf ("  seed: %s\n  population digest: %s\n  record digest: %s\n\n",
            s_str (s, "seed"), s_str (s, "digest"), s_str (s, "record_digest"));

    s_table_t t = { .ncols = 4, .right = { false, true, true, false } };
    s_row (&t, "stratum", "population", "drawn", "population digest (sha256 of the sorted ids)");
    size_t i;
    json_t *st;
    json_array_foreach (json_object_get (s, "strata"), i, st)
        s_row (&t, s_str (st, "stratum"), s_int (st, "population", b1), s_int (st, "size", b2),
               s_str (st, "digest"));
    size_t drawn = json_array_size (json_object_get (s, "checklist"));
    snprintf (b2, sizeof b2, "%zu", drawn);
    s_row (&t, "total", s_int (s, "population_size", b1), b2, "");
    s_table_print (&t, 2);

    printf ("\nchecklist: examine each item on site, then record what you found with\n"
            "  massline sample finding %s ITEM ok|deviation|not_found [--note TEXT]\n\n",
            s_str (s, "sample"));
    t = (s_table_t) { .ncols = 8, .right = { true } };
    s_row (&t, "no", "item", "unit", "person", "date", "kind", "verify on site", "finding");
    json_t *e;
    json_array_foreach (json_object_get (s, "checklist"), i, e) {
        char person[256];
        const char *p = s_str (e, "person"), *name = s_str (e, "name");
        snprintf (person, sizeof person, "%s%s%s", p ? p : "", p && name ? " " : "", name ? name : "");
        const char *kind = s_str (e, "kind");
        char what[512];
        snprintf (what, sizeof what, "%s%s%s", s_str (e, "verify") ? s_str (e, "verify") : "",
                  s_str (e, "subject") ? " · " : "", s_str (e, "subject") ? s_str (e, "subject") : "");
        const char *finding = s_str (json_object_get (e, "finding"), "result");
        s_row (&t, s_int (e, "no", b1), s_str (e, "item"), s_str (e, "unit"), *person ? person : NULL,
               s_str (e, "date"), kind, what, finding ? finding : "");
    }
    s_table_print (&t, 2);
}

static const char *const s_draw_keys[] = { "year", "seed", "size", "population", "kinds", "strata",
                                           "allocation", "minimum", NULL };

static int
s_draw (int argc, char **argv, const char *config)
{
    s_words_t w;
    static const char *const flags[] = { "json", NULL };
    int code = s_split ("draw", argc, argv, s_draw_keys, flags, 0, &w);
    if (code)
        return code;
    const char *seed = s_opt (&w, "seed");
    if (!s_opt (&w, "year") || !seed || !s_opt (&w, "size"))
        return s_usage ("draw: --year, --seed and --size are required");
    if (strspn (seed, "0123456789") != strlen (seed) || strlen (seed) < 20)
        return s_usage ("draw: --seed needs at least 20 decimal digits, rolled on ten-sided dice "
                        "in front of witnesses (got %zu characters)", strlen (seed));
    json_t *reply = s_ask (config, "sample draw", &w, s_draw_keys, NULL, 0, &code);
    if (!reply)
        return code;
    if (s_opt (&w, "json"))
        code = s_print_json (reply);
    else
        s_print_sample (reply);
    json_decref (reply);
    return code;
}

//  Prints the current population ids (of STRATUM, or all) one per line, sorted bytewise.
static int
s_print_population (const json_t *s, const char *stratum)
{
    if (!json_is_true (json_object_get (s, "matches")))
        ml_die_msg ("sample %s: the data changed since the draw (massline sample verify %s); "
                    "this is today's population", s_str (s, "sample"), s_str (s, "sample"));
    size_t i, j;
    json_t *st, *id;
    bool found = false;
    json_array_foreach (json_object_get (s, "strata"), i, st) {
        if (stratum && strcmp (s_str (st, "stratum"), stratum) != 0)
            continue;
        found = true;
        json_array_foreach (json_object_get (st, "population_ids"), j, id)
            printf ("%s\n", json_string_value (id));
    }
    if (stratum && !found) {
        ml_die_msg ("sample %s has no stratum '%s'", s_str (s, "sample"), stratum);
        return 1;
    }
    return 0;
}

static int
s_show (int argc, char **argv, const char *config)
{
    s_words_t w;
    static const char *const valued[] = { "stratum", NULL };
    static const char *const flags[] = { "json", "population-list", NULL };
    int code = s_split ("show", argc, argv, valued, flags, 1, &w);
    if (code)
        return code;
    if (w.npos != 1)
        return s_usage ("show: which sample? (massline sample show ID)");
    if (s_opt (&w, "stratum") && !s_opt (&w, "population-list"))
        return s_usage ("show: --stratum goes with --population-list");
    static const char *const keys[] = { "population-list", NULL };
    json_t *reply = s_ask_sample (config, "sample show", &w, keys, &code);
    if (!reply)
        return code;
    if (s_opt (&w, "json"))
        code = s_print_json (reply);
    else
    if (s_opt (&w, "population-list"))
        code = s_print_population (reply, s_opt (&w, "stratum"));
    else
        s_print_sample (reply);
    json_decref (reply);
    return code;
}

// ---------------------------------------------------------------------------
// verify, finding, appraise, list

static int
s_verify (int argc, char **argv, const char *config)
{
    s_words_t w;
    static const char *const valued[] = { NULL };
    static const char *const flags[] = { "json", "population-list", NULL };
    int code = s_split ("verify", argc, argv, valued, flags, 1, &w);
    if (code)
        return code;
    if (w.npos != 1)
        return s_usage ("verify: which sample? (massline sample verify ID)");
    static const char *const keys[] = { "population-list", NULL };
    json_t *reply = s_ask_sample (config, "sample verify", &w, keys, &code);
    if (!reply)
        return code;
    bool matches = json_is_true (json_object_get (reply, "matches"));
    if (s_opt (&w, "json"))
        s_print_json (reply);
    else
    if (matches) {
        size_t items = 0, i;
        json_t *st;
        json_array_foreach (json_object_get (reply, "strata"), i, st)
            items += json_array_size (json_object_get (st, "items"));
        printf ("sample %s matches: the same population (digest %s) and the same %zu items in "
                "%zu strata\n", w.pos[0], s_str (reply, "digest"), items,
                json_array_size (json_object_get (reply, "strata")));
    }
    else {
        printf ("sample %s does not match the current data:\n", w.pos[0]);
        size_t i;
        json_t *d;
        json_array_foreach (json_object_get (reply, "differences"), i, d)
            printf ("  %s\n", json_string_value (d));
    }
    json_decref (reply);
    return matches ? 0 : 1;
}

static int
s_finding (int argc, char **argv, const char *config)
{
    s_words_t w;
    static const char *const valued[] = { "note", NULL };
    static const char *const flags[] = { "json", NULL };
    int code = s_split ("finding", argc, argv, valued, flags, 3, &w);
    if (code)
        return code;
    if (w.npos != 3)
        return s_usage ("finding: massline sample finding ID ITEM ok|deviation|not_found [--note TEXT]");
    const char *result = w.pos[2];
    if (strcmp (result, "ok") != 0 && strcmp (result, "deviation") != 0 && strcmp (result, "not_found") != 0)
        return s_usage ("finding: the result is ok, deviation or not_found, not '%s'", result);
    char *extra[3] = { NULL, NULL, NULL };
    if (asprintf (&extra[0], "sample=%s", w.pos[0]) < 0 || asprintf (&extra[1], "item=%s", w.pos[1]) < 0
    ||  asprintf (&extra[2], "result=%s", result) < 0)
        return 1;
    static const char *const keys[] = { "note", NULL };
    json_t *reply = s_ask (config, "sample finding", &w, keys, extra, 3, &code);
    for (int i = 0; i < 3; i++)
        free (extra[i]);
    if (!reply)
        return code;
    if (s_opt (&w, "json"))
        s_print_json (reply);
    else {
        const char *prev = s_str (reply, "replaces");
        printf ("sample %s, item %s: %s recorded by %s at %s%s%s%s\n", s_str (reply, "sample"),
                s_str (reply, "item"), s_str (reply, "result"), s_str (reply, "by"), s_str (reply, "at"),
                prev ? " (replaces " : "", prev ? prev : "", prev ? ")" : "");
    }
    json_decref (reply);
    return 0;
}

//  A real member as text in BUF with at most two decimals ("20", "43.48"), "-" when null.
static const char *
s_num (const json_t *obj, const char *key, char buf[32])
{
    json_t *v = json_object_get (obj, key);
    if (!json_is_number (v))
        return "-";
    snprintf (buf, 32, "%.2f", json_number_value (v));
    char *end = buf + strlen (buf) - 1;
    while (*end == '0')
        *end-- = 0;
    if (*end == '.')
        *end = 0;
    return buf;
}

//  How the bounds of appraisal ALL were found, then a blank line.
static void
s_appraise_method (const json_t *all)
{
    const char *method = s_str (all, "method");
    char n[32], k[32], u[32];
    printf ("overall upper bound: %s", method ? method : "-");
    if (method && strcmp (method, ML_SAMPLE_METHOD_KISH) == 0)
        printf (", n* = %s, k* = %s", s_num (all, "effective_n", n), s_num (all, "effective_deviations", k));
    printf ("\n");
    json_t *share = json_object_get (all, "unexamined_share");
    if (json_is_number (share) && json_number_value (share) > 0)
        printf ("(strata not examined, %s of the population, count as all deviations)\n",
                s_pct (all, "unexamined_share", u));
    printf ("per-stratum bounds: exact (clopper-pearson, or the rate of a stratum examined in full)\n\n");
}

static int
s_appraise (int argc, char **argv, const char *config)
{
    s_words_t w;
    static const char *const valued[] = { "confidence", "tolerable", NULL };
    static const char *const flags[] = { "json", NULL };
    int code = s_split ("appraise", argc, argv, valued, flags, 1, &w);
    if (code)
        return code;
    if (w.npos != 1)
        return s_usage ("appraise: which sample? (massline sample appraise ID)");
    json_t *reply = s_ask_sample (config, "sample appraise", &w, valued, &code);
    if (!reply)
        return code;
    if (s_opt (&w, "json")) {
        code = s_print_json (reply);
        json_decref (reply);
        return code;
    }
    json_t *all = json_object_get (reply, "overall");
    char b[8][32];
    printf ("sample %s: appraisal at %s confidence against a tolerable deviation rate of %s\n"
            "(%s; %s items still without a finding are left out)\n", w.pos[0],
            s_pct (all, "confidence", b[0]), s_pct (all, "tolerable", b[1]),
            s_str (reply, "counting"), s_int (reply, "pending", b[2]));
    s_appraise_method (all);
    s_table_t t = { .ncols = 8, .right = { false, true, true, true, true, true, true, true } };
    s_row (&t, "stratum", "population", "drawn", "examined", "deviations", "not found", "rate",
           "upper bound");
    size_t i;
    json_t *st;
    json_array_foreach (json_object_get (reply, "strata"), i, st)
        s_row (&t, s_str (st, "stratum"), s_int (st, "population", b[0]), s_int (st, "size", b[1]),
               s_int (st, "n", b[2]), s_int (st, "deviations", b[3]), s_int (st, "not_found", b[4]),
               s_pct (st, "rate", b[5]), s_pct (st, "upper_bound", b[6]));
    s_row (&t, "overall", "", "", s_int (all, "n", b[2]), s_int (all, "deviations", b[3]),
           s_int (all, "not_found", b[4]), s_pct (all, "rate", b[5]), s_pct (all, "upper_bound", b[6]));
    s_table_print (&t, 2);
    printf ("\n");
    json_array_foreach (json_object_get (reply, "strata"), i, st)
        if (json_array_size (json_object_get (reply, "strata")) > 1)
            printf ("  %s: %s\n", s_str (st, "stratum"), s_str (st, "conclusion"));
    printf ("  overall: %s\n", s_str (all, "conclusion"));
    json_decref (reply);
    return 0;
}

static int
s_list (int argc, char **argv, const char *config)
{
    s_words_t w;
    static const char *const valued[] = { NULL };
    static const char *const flags[] = { "json", NULL };
    int code = s_split ("list", argc, argv, valued, flags, 0, &w);
    if (code)
        return code;
    json_t *reply = s_ask (config, "sample list", &w, valued, NULL, 0, &code);
    if (!reply)
        return code;
    if (s_opt (&w, "json")) {
        code = s_print_json (reply);
        json_decref (reply);
        return code;
    }
    s_table_t t = { .ncols = 7, .right = { false, false, false, true, true } };
    s_row (&t, "sample", "year", "population", "size", "examined", "drawn by", "drawn at");
    size_t i;
    json_t *s;
    char b[3][32];
    json_array_foreach (json_object_get (reply, "samples"), i, s)
        s_row (&t, s_str (s, "sample"), s_int (s, "year", b[0]), s_str (s, "population"),
               s_int (s, "size", b[1]), s_int (s, "examined", b[2]), s_str (s, "drawn_by"),
               s_str (s, "drawn_at"));
    s_table_print (&t, 0);
    json_decref (reply);
    return 0;
}

// ---------------------------------------------------------------------------
// size (local)

//  Parses a rate: "0.95" or "95%". False unless in [LOW, 1).
static bool
s_parse_rate (const char *text, double low, double *out)
{
    char *end;
    double x = strtod (text, &end);
    if (end != text && *end == '%' && !end[1]) {
        x /= 100;
        end++;
    }
    *out = x;
    return end != text && !*end && x >= low && x < 1;
}

static int
s_size (int argc, char **argv)
{
    s_words_t w;
    static const char *const valued[] = { "confidence", "tolerable", "expected", "population", NULL };
    static const char *const flags[] = { "json", NULL };
    int code = s_split ("size", argc, argv, valued, flags, 0, &w);
    if (code)
        return code;
    double c, t, e = 0;
    const char *ct = s_opt (&w, "confidence"), *tt = s_opt (&w, "tolerable"), *et = s_opt (&w, "expected");
    const char *pt = s_opt (&w, "population");
    if (!ct || !tt)
        return s_usage ("size: --confidence and --tolerable are required (e.g. 0.95 and 0.05)");
    if (!s_parse_rate (ct, 1e-12, &c))
        return s_usage ("size: --confidence: a number between 0 and 1, not '%s'", ct);
    if (!s_parse_rate (tt, 1e-12, &t))
        return s_usage ("size: --tolerable: a number between 0 and 1, not '%s'", tt);
    if (et && (!s_parse_rate (et, 0, &e) || e >= t))
        return s_usage ("size: --expected: a rate from 0 up to below the tolerable rate, not '%s'", et);
    size_t population = 0;
    if (pt) {
        char *end;
        unsigned long long n = strtoull (pt, &end, 10);
        if (!*pt || *end || n < 1 || strspn (pt, "0123456789") != strlen (pt))
            return s_usage ("size: --population: a positive whole number, not '%s'", pt);
        population = (size_t) n;
    }
    size_t n, k;
    const char *plan = pt ? "hypergeometric" : e > 0 ? "binomial" : "zero-deviation";
    int rc = pt ? ml_sample_size_hypergeometric (c, t, e, population, &n, &k)
           : e > 0 ? ml_sample_size_binomial (c, t, e, &n, &k)
           : ml_sample_size_zero (c, t, &n, &k);
    if (rc == ML_ENOTFOUND) {
        ml_die_msg ("sample size: no plan of at most %d items: the expected rate is too close to "
                    "the tolerable one", ML_SAMPLE_MAX_PLAN);
        return 1;
    }
    if (rc)
        return s_usage ("size: these rates do not make a plan");
    if (s_opt (&w, "json")) {
        json_t *out = json_pack ("{s:I, s:I, s:f, s:f, s:f, s:o, s:s}", "size", (json_int_t) n,
                                 "acceptable_deviations", (json_int_t) k, "confidence", c,
                                 "tolerable", t, "expected", e,
                                 "population", pt ? json_integer ((json_int_t) population) : json_null (),
                                 "plan", plan);
        code = out ? s_print_json (out) : 1;
        json_decref (out);
        return code;
    }
    printf ("sample size %zu, accept at most %zu deviation%s (%g%% confidence, tolerable rate %g%%, "
            "expected %g%%, %s plan", n, k, k == 1 ? "" : "s", 100 * c, 100 * t, 100 * e, plan);
    if (pt)
        printf (" for a population of %zu", population);
    printf (")\n");
    return 0;
}

// ---------------------------------------------------------------------------

static void
s_help (void)
{
    printf ("usage: massline -c client.ini sample VERB ...\n\n"
            "  draw --year Y --seed DIGITS --size N [--population events|persons|units]\n"
            "       [--kinds k1,k2] [--strata unit|none] [--allocation proportional|equal]\n"
            "       [--minimum M]          draw and freeze a sample (auditor keys); the seed is\n"
            "                              20 or more digits rolled on ten-sided dice\n"
            "  show ID [--population-list [--stratum S]]\n"
            "                              the frozen sample and its checklist; with\n"
            "                              --population-list the current population ids, one a line\n"
            "  verify ID [--population-list] redraw from the current data; exit 1 when it differs\n"
            "  finding ID ITEM ok|deviation|not_found [--note TEXT]   (auditor keys)\n"
            "  appraise ID [--confidence 0.95] [--tolerable 0.05]\n"
            "                              deviation rate and exact upper bound, per stratum and\n"
            "                              overall; not_found counts as a deviation\n"
            "  list                        every frozen sample\n"
            "  size --confidence C --tolerable T [--expected E] [--population N]\n"
            "                              attribute-sampling plan (no collector needed)\n\n"
            "every verb takes --json. How to recompute a sample with sha256sum: docs/sampling.md\n");
}

int
ml_client_sample (int argc, char **argv, const char *config)
{
    if (argc < 1)
        return s_usage ("which verb? draw, show, verify, finding, appraise, list or size");
    const char *verb = argv[0];
    if (strcmp (verb, "help") == 0) {
        s_help ();
        return 0;
    }
    if (strcmp (verb, "draw") == 0)
        return s_draw (argc - 1, argv + 1, config);
    if (strcmp (verb, "show") == 0)
        return s_show (argc - 1, argv + 1, config);
    if (strcmp (verb, "verify") == 0)
        return s_verify (argc - 1, argv + 1, config);
    if (strcmp (verb, "finding") == 0)
        return s_finding (argc - 1, argv + 1, config);
    if (strcmp (verb, "appraise") == 0)
        return s_appraise (argc - 1, argv + 1, config);
    if (strcmp (verb, "list") == 0)
        return s_list (argc - 1, argv + 1, config);
    if (strcmp (verb, "size") == 0)
        return s_size (argc - 1, argv + 1);
    return s_usage ("unknown verb '%s' (draw, show, verify, finding, appraise, list, size)", verb);
}
