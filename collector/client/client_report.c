/* client_report.c -- `massline report KIND ...`: asks the collector for a report (one QueryRequest
   "report KIND" with key=value arguments) and renders its JSON as text, json, csv, html or pdf. */
#include "ml_client.h"
#include "ml_config.h"
#include "ml_date.h"
#include "ml_err.h"
#include "ml_log.h"
#include "ml_render.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char s_usage[] =
    "usage: massline -c client.ini report KIND [OPTIONS]\n"
    "\n"
    "  report unit-annual --unit U --year Y      a unit's year: every person, every rule (R.1)\n"
    "  report rollup --year Y                    the bureau roll-up over all units (R.2)\n"
    "  report cadre --unit U --person P --year Y one cadre's annex for the duty report (R.3)\n"
    "  report bulletin --period 2025-03|2025-Q1  progress to the period's end, units ranked (S.2)\n"
    "  report watchlist --year Y                 persons and units with unmet rules (S.3)\n"
    "  report completeness --year Y              per unit and month: on time, late, missing;\n"
    "                                            reporting and timeliness rates\n"
    "  report supervision --year Y               rectification of the watch list's rows: talked,\n"
    "                                            rectified on time, late, overdue, open (S.3)\n"
    "  report verify FILE                        is FILE a sealed document, does the store agree\n"
    "\n"
    "unit-annual of a submitted or accepted year shows the sealed (frozen) document; --live\n"
    "shows the current data instead.\n"
    "\n"
    "options:\n"
    "  --as-of DATE       judge deadlines and pro-rating on DATE (YYYY-MM-DD; default today,\n"
    "                     or 31 December for a past year; bulletin: the period's last day)\n"
    "  --format FORMAT    json, csv (UTF-8 with BOM), text (aligned columns), html (one A4\n"
    "                     page with an SVG chart) or pdf (the official A4 document; needs -o).\n"
    "                     Default: from the -o file's extension (.json .csv .txt .html .pdf;\n"
    "                     any other extension is refused), else text on a terminal and json\n"
    "                     when the output is piped or redirected (> file): add --format text\n"
    "  -o FILE            write to FILE (replaced only when the report is complete); -o - is\n"
    "                     standard output (a pdf only into a pipe or file, never a terminal)\n"
    "\n"
    "Staff and auditor keys read every report; an agent key only its own unit's unit-annual\n"
    "and cadre. Exit status: 0 ok, 1 refused or no answer, 2 bad usage.\n";

//  Options, as bits; the same names travel as the query's key=value arguments.
enum { O_UNIT = 1, O_PERSON = 2, O_YEAR = 4, O_PERIOD = 8, O_AS_OF = 16, O_COUNT = 5 };
static const char *const s_opt_names[O_COUNT] = { "--unit", "--person", "--year", "--period", "--as-of" };
static const char *const s_arg_names[O_COUNT] = { "unit", "person", "year", "period", "as_of" };

typedef struct {
    const char *name;
    unsigned needs, takes;
} s_kind_t;

static const s_kind_t s_kinds[] = {
    { "unit-annual", O_UNIT | O_YEAR, O_AS_OF },
    { "rollup", O_YEAR, O_AS_OF },
    { "cadre", O_UNIT | O_PERSON | O_YEAR, O_AS_OF },
    { "bulletin", O_PERIOD, 0 },
    { "watchlist", O_YEAR, O_AS_OF },
    { "completeness", O_YEAR, O_AS_OF },
    { "supervision", O_YEAR, O_AS_OF },
};

static int s_usage_error (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

static int
s_usage_error (const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof line, fmt, ap);
    va_end (ap);
    ml_die_msg ("report: %s (try 'massline report help')", line);
    return 2;
}

//  The format named by the extension of PATH, or -1.
static int
s_format_of_path (const char *path)
{
    static const struct { const char *ext; ml_format_t format; } exts[] = {
        { ".json", ML_FORMAT_JSON }, { ".csv", ML_FORMAT_CSV }, { ".txt", ML_FORMAT_TEXT },
        { ".html", ML_FORMAT_HTML }, { ".htm", ML_FORMAT_HTML }, { ".pdf", ML_FORMAT_PDF },
    };
    const char *dot = path ? strrchr (path, '.') : NULL;
    for (size_t i = 0; dot && i < sizeof exts / sizeof exts[0]; i++)
        if (strcasecmp (dot, exts[i].ext) == 0)
            return (int) exts[i].format;
    return -1;
}

static bool
s_year_ok (const char *text)
{
    if (strlen (text) != 4)
        return false;
    for (int i = 0; i < 4; i++)
        if (!isdigit ((unsigned char) text[i]))
            return false;
    int year = atoi (text);
    return year >= 1900 && year <= 2999;
}

//  client.ini [document] (docs/config.md): what a PDF document prints that the report need not carry.
typedef struct {
    char *issuer;                       //  issuing body at the red head; "" for the default
    char *number_prefix;                //  document number prefix; "" for the default
} s_document_t;

static const ml_opt_t s_document_opts[] = {
    { "document", "issuer", ML_OPT_STR, "", offsetof (s_document_t, issuer),
      "issuing body printed in red at the head of PDF documents (default 中共镇江市卫生局委员会)" },
    { "document", "number_prefix", ML_OPT_STR, "", offsetof (s_document_t, number_prefix),
      "prefix of PDF document numbers, as in 镇卫党台〔2025〕H001-1 (default 镇卫党台)" },
    { NULL, NULL, 0, NULL, 0, NULL }
};

//  Hands client.ini's [document] settings to the PDF renderer. Returns 0, or 2 after saying why.
static int
s_document_settings (const char *config)
{
    s_document_t doc = { 0 };
    char err[1024];
    int rc = ml_config_load (config, s_document_opts, &doc, err, sizeof err);
    if (!rc) {
        ml_document_t settings = { doc.issuer[0] ? doc.issuer : NULL,
                                   doc.number_prefix[0] ? doc.number_prefix : NULL };
        rc = ml_render_set_document (&settings);
        if (rc)
            snprintf (err, sizeof err, "%s: [document]: issuer or number_prefix longer than 255 bytes",
                      config);
    }
    ml_config_free (s_document_opts, &doc);
    if (rc)
        ml_die_msg ("%s", err);
    return rc ? 2 : 0;
}

int
ml_client_document_settings (const char *config)
{
    return s_document_settings (config);
}

//  Writes REPORT in FORMAT to PATH (NULL or "-": stdout); a file is written beside it and renamed. A
//  sealed document carries its id (ml_render_file).
static int
s_output (const json_t *report, ml_format_t format, const char *path)
{
    char err[4400] = "", tmp[4200], *buf = NULL;
    size_t len = 0;
    int rc = ml_render_file (report, format, &buf, &len, err, sizeof err);
    if (rc) {
        ml_die_msg ("report: %s", err[0] ? err : "cannot render the report");
        return 1;
    }
    if (!path || strcmp (path, "-") == 0) {
        rc = fwrite (buf, 1, len, stdout) != len || fflush (stdout);
        free (buf);
        if (rc)
            ml_die_msg ("report: cannot write the output: %s", strerror (errno));
        return rc ? 1 : 0;
    }
    snprintf (tmp, sizeof tmp, "%s.tmp", path);
    FILE *out = fopen (tmp, "wb");
    if (!out) {
        free (buf);
        ml_die_msg ("report: %s: cannot create: %s", tmp, strerror (errno));
        return 1;
    }
    if (fwrite (buf, 1, len, out) != len)
        rc = ML_EIO;
    free (buf);
    if (fclose (out) != 0 || rc) {
        rc = ML_EIO;
        snprintf (err, sizeof err, "%s: cannot write: %s", tmp, strerror (errno));
    }
    if (!rc && rename (tmp, path) != 0) {
        rc = ML_EIO;
        snprintf (err, sizeof err, "%s: cannot replace: %s", path, strerror (errno));
    }
    if (rc) {
        unlink (tmp);
        ml_die_msg ("report: %s", err[0] ? err : "cannot write the output");
        return 1;
    }
    return 0;
}

int
ml_client_report (int argc, char **argv, const char *config)
{
    if (argc == 0)
        return s_usage_error ("which report? unit-annual, rollup, cadre, bulletin or watchlist");
    if (strcmp (argv[0], "help") == 0) {
        fputs (s_usage, stdout);
        return 0;
    }
    if (strcmp (argv[0], "verify") == 0)
        return ml_client_verify (argc - 1, argv + 1, config);
    if (strcmp (argv[0], "members") == 0 || strcmp (argv[0], "show") == 0)
        return ml_client_tier_report (argc, argv, config);
    bool live = false;
    const s_kind_t *kind = NULL;
    for (size_t i = 0; i < sizeof s_kinds / sizeof s_kinds[0]; i++)
        if (strcmp (s_kinds[i].name, argv[0]) == 0)
            kind = &s_kinds[i];
    if (!kind)
        return s_usage_error ("unknown report '%s' (unit-annual, rollup, cadre, bulletin, watchlist, "
                              "completeness, supervision, verify)",
                              argv[0]);
    const char *value[O_COUNT] = { NULL };
    const char *path = NULL, *format_name = NULL;
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i], *val = NULL;
        char name[32];
        if (strcmp (opt, "--live") == 0 && strcmp (kind->name, "unit-annual") == 0) {
            live = true;
            continue;
        }
        const char *eq = strncmp (opt, "--", 2) == 0 ? strchr (opt, '=') : NULL;
        snprintf (name, sizeof name, "%.*s", eq ? (int) (eq - opt) : (int) strlen (opt), opt);
        if (eq)
            val = eq + 1;
        else
        if (i + 1 < argc)
            val = argv[++i];
        else
            return s_usage_error ("%s needs a value", opt);
        if (strcmp (name, "-o") == 0 || strcmp (name, "--output") == 0) {
            path = val;
            continue;
        }
        if (strcmp (name, "--format") == 0) {
            format_name = val;
            continue;
        }
        int o = 0;
        while (o < O_COUNT && strcmp (name, s_opt_names[o]) != 0)
            o++;
        if (o == O_COUNT)
            return s_usage_error ("unknown option '%s'", opt);
        if (!((kind->needs | kind->takes) & (1u << o)))
            return s_usage_error ("%s does not take %s", kind->name, name);
        if (value[o])
            return s_usage_error ("%s given twice", name);
        value[o] = val;
    }
    for (int o = 0; o < O_COUNT; o++)
        if ((kind->needs & (1u << o)) && !value[o])
            return s_usage_error ("%s needs %s", kind->name, s_opt_names[o]);
    ml_day_t day, to;
    int code = 0;
    if (value[2] && !s_year_ok (value[2]))
        return s_usage_error ("--year: not a year (%s)", value[2]);
    if (value[4] && ml_date_parse (value[4], &day))
        return s_usage_error ("--as-of: not a date (%s)", value[4]);
    if (value[3] && ml_date_period (value[3], &day, &to))
        return s_usage_error ("--period: not a month (2025-03) or a quarter (2025-Q1): '%s'", value[3]);

    //  The default: the -o file's extension; a file or pipe without one gets JSON (for programs),
    //  a terminal text. An extension we do not write (.xlsx) is refused, never filled with JSON.
    ml_format_t format = isatty (STDOUT_FILENO) ? ML_FORMAT_TEXT : ML_FORMAT_JSON;
    const char *base = path ? strrchr (path, '/') : NULL;
    base = base ? base + 1 : path;
    const char *ext = base ? strrchr (base, '.') : NULL;
    if (ext == base)
        ext = NULL;                     //  ".name": a hidden file without an extension
    if (path && s_format_of_path (path) >= 0)
        format = (ml_format_t) s_format_of_path (path);
    else
    if (path && strcmp (path, "-") != 0)
        format = ML_FORMAT_JSON;
    if (format_name && ml_format_parse (format_name, &format))
        return s_usage_error ("--format: json, csv, text, html or pdf (not '%s')", format_name);
    if (!format_name && ext && s_format_of_path (path) < 0)
        return s_usage_error ("-o %s: massline does not write '%s' files; name the file .json, .csv, "
                              ".txt, .html or .pdf, or give --format", path, ext);
    //  A PDF is bytes for a file: never on a terminal, to standard output only when asked (-o -).
    if (format == ML_FORMAT_PDF && !path)
        return s_usage_error ("a pdf goes to a file: add -o FILE.pdf (or -o - into a pipe)");
    if (format == ML_FORMAT_PDF && strcmp (path, "-") == 0 && isatty (STDOUT_FILENO))
        return s_usage_error ("-o -: will not write a pdf to a terminal");
    if (format == ML_FORMAT_PDF && (code = s_document_settings (config)))
        return code;

    char command[64], *args[O_COUNT + 1];
    int nargs = 0;
    snprintf (command, sizeof command, "report %s", kind->name);
    for (int o = 0; o < O_COUNT; o++)
        if (value[o] && asprintf (&args[nargs], "%s=%s", s_arg_names[o], value[o]) >= 0)
            nargs++;
    if (live && asprintf (&args[nargs], "live=1") >= 0)
        nargs++;
    json_t *report = ml_client_query (config, command, nargs, args, &code);
    for (int i = 0; i < nargs; i++)
        free (args[i]);
    if (!report)
        return code ? code : 1;
    code = s_output (report, format, path);
    json_decref (report);
    return code;
}
