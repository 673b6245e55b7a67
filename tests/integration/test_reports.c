/* test_reports.c -- the five reports end to end: the demo ledgers go through real agents into a
   real collector; `massline report` asks over CURVE and renders json, csv, text and html. The
   assertions are the deliberate breaks of ops/demo-data/README.md. */
#include "ml_harness.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

//  ---------------------------------------------------------------------------
//  Helpers

//  A demo ledger: $MASSLINE_SOURCE_ROOT/ops/demo-data/NAME.
static const char *
s_demo (const char *name)
{
    const char *root = getenv ("MASSLINE_SOURCE_ROOT");
    cr_assert_not_null (root, "MASSLINE_SOURCE_ROOT is not set (run through meson test)");
    return ml_h_str ("%s/ops/demo-data/%s", root, name);
}

//  Imports FILE into UNIT's agent and flushes it to the collector.
static void
s_deliver (const char *unit, const char *file)
{
    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, ML_AGENT, "-c", ml_h_agent_ini (unit), "import", file, NULL);
    cr_assert_eq (code, 0, "import %s exited %d: %s", file, code, out.err);
    code = ml_h_run (&out, 120000, ML_AGENT, "-c", ml_h_agent_ini (unit), "flush", "--timeout", "60", NULL);
    cr_assert_eq (code, 0, "flush of %s exited %d: %s", unit, code, out.err);
}

//  A bureau with a running collector that holds the demo year of H001..H003.
static void
s_demo_bureau (void)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    for (int u = 0; u < ML_H_UNITS; u++)
        s_deliver (ml_h_units[u], s_demo (ml_h_str ("%s.jsonl", ml_h_units[u])));
}

//  Runs `massline -c CLIENT_INI report WORDS...` (NULL-terminated); returns the exit code.
static int
s_report_with (ml_h_out_t *out, const char *client_ini, const char *word, ...)
{
    char *argv[32];
    int n = 0;
    argv[n++] = (char *) ML_CLIENT;
    argv[n++] = "-c";
    argv[n++] = (char *) client_ini;
    argv[n++] = "report";
    va_list ap;
    va_start (ap, word);
    for (const char *w = word; w && n < 31; w = va_arg (ap, const char *))
        argv[n++] = (char *) w;
    va_end (ap);
    argv[n] = NULL;
    return ml_h_runv (out, 60000, argv);
}

#define s_report(out, ...) s_report_with (out, ml_h_client_ini (), __VA_ARGS__, NULL)

//  The JSON of `massline report ARGS... --format json` as the bureau's auditor; asserts exit 0.
#define s_json(...) s_json_of (s_report_with (&s_out, ml_h_client_ini (), __VA_ARGS__, \
                                              "--format", "json", NULL))

static ml_h_out_t s_out;

static json_t *
s_json_of (int code)
{
    cr_assert_eq (code, 0, "report exited %d: %s", code, s_out.err);
    json_error_t jerr;
    json_t *report = json_loads (s_out.out, 0, &jerr);
    cr_assert_not_null (report, "not JSON (%s): %.300s", jerr.text, s_out.out);
    return report;
}

//  The element of array ARR whose KEY is the string VALUE (NULL matches a JSON null), or NULL.
static json_t *
s_find (json_t *arr, const char *key, const char *value)
{
    size_t i;
    json_t *item;
    json_array_foreach (arr, i, item) {
        const char *v = json_string_value (json_object_get (item, key));
        if ((!value && !v) || (value && v && strcmp (v, value) == 0))
            return item;
    }
    return NULL;
}

//  Rule RULE of person PERSON in a unit-annual report; asserts it is there.
static json_t *
s_rule (json_t *report, const char *person, const char *rule)
{
    json_t *p = s_find (json_object_get (report, "persons"), "person", person);
    cr_assert_not_null (p, "no person %s in the report", person);
    json_t *r = s_find (json_object_get (p, "rules"), "rule", rule);
    cr_assert_not_null (r, "person %s has no rule %s", person, rule);
    return r;
}

//  Asserts that rule R has STATUS, ACTUAL and REQUIRED.
static void
s_assert_rule (json_t *r, const char *status, long actual, long required, const char *what)
{
    const char *got = json_string_value (json_object_get (r, "status"));
    cr_assert (got && strcmp (got, status) == 0, "%s: status %s, expected %s", what, got, status);
    cr_assert_eq (json_integer_value (json_object_get (r, "actual")), actual, "%s: actual", what);
    cr_assert_eq (json_integer_value (json_object_get (r, "required")), required, "%s: required", what);
}

static long
s_int (json_t *obj, const char *path1, const char *path2)
{
    json_t *v = json_object_get (obj, path1);
    if (path2)
        v = json_object_get (v, path2);
    cr_assert (json_is_integer (v), "%s.%s is not a number", path1, path2 ? path2 : "");
    return (long) json_integer_value (v);
}

//  ---------------------------------------------------------------------------

Test (integration, reports_show_the_demo_breaks, .init = ml_h_init, .fini = ml_h_fini)
{
    s_demo_bureau ();

    //  H001 (README: 1.3b, 4.1b, 4.2a, 6.3b, 4.3c, 7.3; P006 pro-rated from July).
    json_t *r = s_json ("unit-annual", "--unit", "H001", "--year", "2025");
    cr_assert_str_eq (json_string_value (json_object_get (r, "report")), "unit-annual");
    cr_assert_str_eq (json_string_value (json_object_get (r, "unit_name")), "镇江市第一人民医院");
    cr_assert_str_eq (json_string_value (json_object_get (r, "as_of")), "2025-12-31");
    cr_assert_str_eq (json_string_value (json_object_get (r, "rules_version")), "zhenjiang-2014");
    cr_assert_eq (json_array_size (json_object_get (r, "persons")), 15);
    //  52 research days, not 54: the correction on line 700 counts, the superseded row does not.
    s_assert_rule (s_rule (r, "P002", "1.3b"), "unmet", 52, 60, "H001 P002 1.3b");
    json_t *rule = s_rule (r, "P004", "4.1b");
    s_assert_rule (rule, "unmet", 23, 24, "H001 P004 4.1b");
    cr_assert_str_eq (json_string_value (json_array_get (json_object_get (rule, "missed"), 0)), "2025-03-b");
    cr_assert_eq (json_array_size (json_object_get (rule, "missed")), 1);
    cr_assert_str_eq (json_string_value (json_object_get (s_rule (r, "P003", "4.2a"), "status")), "unmet");
    s_assert_rule (s_rule (r, "P006", "1.3f"), "met", 18, 15, "H001 P006 1.3f (pro-rated)");
    s_assert_rule (s_rule (r, "P006", "4.1b"), "met", 12, 12, "H001 P006 4.1b (July-December)");
    cr_assert_eq (s_int (json_object_get (r, "cases"), "petitions", "unsigned"), 1);
    cr_assert_eq (s_int (json_object_get (r, "cases"), "opinions", "overdue"), 1);
    cr_assert_eq (s_int (json_object_get (r, "cases"), "commitments", "overdue"), 1);
    cr_assert_str_eq (json_string_value (json_object_get (
        s_find (json_object_get (r, "unit_rules"), "rule", "4.3c"), "status")), "unmet");
    long h001_met = s_int (r, "summary", "met"), h001_checked = s_int (r, "summary", "rules_checked");
    json_decref (r);

    //  H002 (README: 1.3a, 4.1c, 2.1c warning, 6.3a, 4.3d, 5.1b).
    r = s_json ("unit-annual", "--unit", "H002", "--year", "2025");
    cr_assert_str_eq (json_string_value (json_object_get (s_rule (r, "P003", "1.3a"), "status")), "unmet");
    s_assert_rule (s_rule (r, "P005", "4.1c"), "unmet", 3, 4, "H002 P005 4.1c");
    s_assert_rule (s_rule (r, "P008", "5.1b"), "unmet", 2, 3, "H002 P008 5.1b (one member talked to once)");
    json_t *units = json_object_get (r, "unit_rules");
    cr_assert_str_eq (json_string_value (json_object_get (s_find (units, "rule", "2.1c"), "status")), "warning");
    cr_assert_str_eq (json_string_value (json_object_get (s_find (units, "rule", "6.3a"), "status")), "unmet");
    cr_assert_str_eq (json_string_value (json_object_get (s_find (units, "rule", "4.3d"), "status")), "unmet");
    json_decref (r);

    //  H003 (README: 1.3g, 4.1a in August, 1.3d, 3.2a, 8.1b, 4.3b; 4.3c met after a correction).
    r = s_json ("unit-annual", "--unit", "H003", "--year", "2025");
    units = json_object_get (r, "unit_rules");
    s_assert_rule (s_find (units, "rule", "1.3g"), "unmet", 0, 1, "H003 1.3g");
    cr_assert_str_eq (json_string_value (json_object_get (s_find (units, "rule", "4.3b"), "status")), "unmet");
    cr_assert_str_eq (json_string_value (json_object_get (s_find (units, "rule", "4.3c"), "status")), "met");
    rule = s_rule (r, "P001", "4.1a");
    s_assert_rule (rule, "unmet", 11, 12, "H003 P001 4.1a");
    cr_assert_str_eq (json_string_value (json_array_get (json_object_get (rule, "missed"), 0)), "2025-08");
    s_assert_rule (s_rule (r, "P004", "1.3d"), "unmet", 0, 1, "H003 P004 1.3d");
    s_assert_rule (s_rule (r, "P008", "8.1b"), "unmet", 4, 6, "H003 P008 8.1b");
    s_assert_rule (s_rule (r, "P009", "3.2a"), "unmet", 0, 1, "H003 P009 3.2a");
    json_decref (r);

    //  rollup: three units, in id order; H003's system 1 carries the unmet 1.3g.
    r = s_json ("rollup", "--year", "2025");
    units = json_object_get (r, "units");
    cr_assert_eq (json_array_size (units), 3);
    cr_assert_str_eq (json_string_value (json_object_get (json_array_get (units, 0), "unit")), "H001");
    cr_assert_str_eq (json_string_value (json_object_get (json_array_get (units, 2), "unit")), "H003");
    json_t *h001 = json_array_get (units, 0), *h003 = json_array_get (units, 2);
    cr_assert_eq (s_int (h001, "summary", "met"), h001_met, "rollup and unit-annual disagree on H001");
    cr_assert_eq (s_int (h001, "summary", "rules_checked"), h001_checked);
    cr_assert_eq (s_int (h001, "persons", NULL), 15);
    json_t *sys1 = json_array_get (json_object_get (h003, "systems"), 0);
    cr_assert_eq (s_int (sys1, "system", NULL), 1);
    cr_assert (s_int (sys1, "unmet", NULL) >= 2, "H003 system 1 (1.3g, 1.3d) shows no unmet rules");
    json_decref (r);

    //  cadre: one element of unit-annual's persons, with its unit and year.
    r = s_json ("cadre", "--unit", "H001", "--person", "P002", "--year", "2025");
    cr_assert_str_eq (json_string_value (json_object_get (json_object_get (r, "person"), "name")), "沈立新");
    s_assert_rule (s_find (json_object_get (json_object_get (r, "person"), "rules"), "rule", "1.3b"),
                   "unmet", 52, 60, "cadre P002 1.3b");
    json_decref (r);

    //  bulletin: the first quarter, three units ranked.
    r = s_json ("bulletin", "--period", "2025-Q1");
    cr_assert_str_eq (json_string_value (json_object_get (r, "from")), "2025-01-01");
    cr_assert_str_eq (json_string_value (json_object_get (r, "to")), "2025-03-31");
    cr_assert_eq (json_array_size (json_object_get (r, "units")), 3);
    for (int i = 0; i < 3; i++)
        cr_assert_eq (s_int (json_array_get (json_object_get (r, "units"), (size_t) i), "rank", NULL), i + 1);
    json_decref (r);

    //  watchlist: persons and units with unmet rules; unit-level rows have person null.
    r = s_json ("watchlist", "--year", "2025");
    json_t *rows = json_object_get (r, "rows"), *row;
    size_t i;
    bool p002 = false, h003_13g = false;
    json_array_foreach (rows, i, row) {
        const char *unit = json_string_value (json_object_get (row, "unit"));
        const char *person = json_string_value (json_object_get (row, "person"));
        const char *id = json_string_value (json_object_get (row, "rule"));
        if (!strcmp (unit, "H001") && person && !strcmp (person, "P002") && !strcmp (id, "1.3b"))
            p002 = s_int (row, "actual", NULL) == 52 && s_int (row, "required", NULL) == 60;
        if (!strcmp (unit, "H003") && !person && !strcmp (id, "1.3g"))
            h003_13g = true;
    }
    cr_assert (p002, "watchlist lacks H001 P002 1.3b 52/60");
    cr_assert (h003_13g, "watchlist lacks H003's 1.3g");
    cr_assert_eq (json_array_size (json_object_get (r, "units")), 3);
    json_decref (r);

    //  The store the reports came from checks out.
    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, ML_COLLECTOR, "-c", ml_h_collector_ini (), "check", NULL);
    cr_assert_eq (code, 0, "check exited %d: %s%s", code, out.out, out.err);
    ml_h_pass ();
}

Test (integration, every_report_in_every_format, .init = ml_h_init, .fini = ml_h_fini)
{
    s_demo_bureau ();
    const char *kinds[5][7] = {
        { "unit-annual", "--unit", "H001", "--year", "2025", NULL },
        { "rollup", "--year", "2025", NULL },
        { "cadre", "--unit", "H001", "--person", "P002", "--year", "2025" },
        { "bulletin", "--period", "2025-03", NULL },
        { "watchlist", "--year", "2025", "--as-of", "2025-12-31", NULL },
    };
    const char *formats[4] = { "json", "csv", "text", "html" };
    for (int k = 0; k < 5; k++)
        for (int f = 0; f < 4; f++) {
            const char *const *a = kinds[k];
            ml_h_out_t out;
            int code = s_report (&out, a[0], "--format", formats[f], a[1], a[2], a[3], a[4], a[5], a[6]);
            const char *what = ml_h_str ("%s as %s", a[0], formats[f]);
            cr_assert_eq (code, 0, "%s exited %d: %s", what, code, out.err);
            cr_assert_str_empty (out.err, "%s wrote to stderr: %s", what, out.err);
            //  Each carries Chinese text of the demo: a unit's name, or the cadre's.
            const char *name = k == 2 ? "沈立新" : "镇江市第一人民医院";
            cr_assert (strstr (out.out, name), "%s lacks %s: %.300s", what, name, out.out);
            if (f == 0) {
                json_t *r = json_loads (out.out, 0, NULL);
                cr_assert_not_null (r, "%s is not JSON", what);
                cr_assert_str_eq (json_string_value (json_object_get (r, "report")), a[0]);
                json_decref (r);
            }
            if (f == 1) {
                cr_assert (strncmp (out.out, "\xEF\xBB\xBF", 3) == 0, "%s does not start with a BOM", what);
                cr_assert (strstr (out.out, "\r\n"), "%s has no CRLF line ends", what);
            }
            if (f == 2)
                cr_assert (out.out[0] != '{' && strstr (out.out, "\n"), "%s: %.200s", what, out.out);
            if (f == 3) {
                cr_assert (strncmp (out.out, "<!DOCTYPE html>", 15) == 0, "%s: %.100s", what, out.out);
                cr_assert (strstr (out.out, "</html>"), "%s is not complete", what);
                if (k != 2)
                    cr_assert (strstr (out.out, "<svg"), "%s has no inline SVG chart", what);
            }
        }

    //  -o FILE: the format follows the extension; nothing else lands on stdout.
    char *path = ml_h_str ("%s/rollup.html", ml_h_dir ());
    ml_h_out_t out;
    int code = s_report (&out, "rollup", "--year", "2025", "-o", path);
    cr_assert_eq (code, 0, "rollup -o exited %d: %s", code, out.err);
    cr_assert_str_empty (out.out);
    char *html = ml_h_read (path);
    cr_assert (html && strstr (html, "<svg") && strstr (html, "镇江市中医院"), "%s", path);
    //  Piped without --format: JSON.
    code = s_report (&out, "rollup", "--year", "2025");
    cr_assert_eq (code, 0);
    cr_assert_eq (out.out[0], '{', "piped output is not JSON: %.100s", out.out);
    ml_h_pass ();
}

Test (integration, unit_annual_as_an_official_pdf, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    s_deliver ("H001", s_demo ("H001.jsonl"));
    //  client.ini with a [document] section naming the issuing body.
    const char *ini = ml_h_str ("%s.document.ini", ml_h_client_ini ());
    ml_h_write (ini, ml_h_str ("%s\n[document]\nissuer = 中共测试市卫生健康委员会\n",
                               ml_h_read (ml_h_client_ini ())));
    const char *pdf = ml_h_str ("%s/H001-2025.pdf", ml_h_dir ());
    ml_h_out_t out;
    int code = s_report_with (&out, ini, "unit-annual", "--unit", "H001", "--year", "2025",
                              "--format", "pdf", "-o", pdf, NULL);
    cr_assert_eq (code, 0, "pdf exited %d: %s", code, out.err);
    cr_assert_str_empty (out.out, "a pdf on stdout besides -o");
    code = ml_h_run (&out, 60000, "/usr/bin/pdftotext", "-layout", pdf, "-", NULL);
    cr_assert_eq (code, 0, "pdftotext %s exited %d: %s", pdf, code, out.err);
    cr_assert (strstr (out.out, "镇江市第一人民医院") && strstr (out.out, "中共测试市卫生健康委员会")
            && strstr (out.out, "第 1 页 共 "), "%.600s", out.out);
    //  -o FILE.pdf alone picks pdf.
    pdf = ml_h_str ("%s/rollup.pdf", ml_h_dir ());
    code = s_report (&out, "rollup", "--year", "2025", "-o", pdf);
    cr_assert_eq (code, 0, "rollup -o %s exited %d: %s", pdf, code, out.err);
    char *bytes = ml_h_read (pdf);
    cr_assert (bytes && strncmp (bytes, "%PDF-", 5) == 0, "%s is not a PDF", pdf);
    ml_h_pass ();
}

Test (integration, report_errors_are_one_line_with_the_right_exit_code, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    s_deliver ("H001", s_demo ("H001.jsonl"));
    ml_h_out_t out;
    //  Refused by the collector: exit 1.
    int code = s_report (&out, "unit-annual", "--unit", "H009", "--year", "2025");
    cr_assert_eq (code, 1);
    cr_assert_str_eq (out.err, "massline: report unit-annual: the collector refused: not_found: "
                               "unit: unknown unit 'H009'\n");
    code = s_report (&out, "cadre", "--unit", "H001", "--person", "P999", "--year", "2025");
    cr_assert_eq (code, 1);
    cr_assert (strstr (out.err, "person: no person 'P999' in unit 'H001'"), "%s", out.err);
    //  Bad usage: exit 2, one line, nothing asked.
    code = s_report (&out, "unit-annual", "--unit", "H001", "--year", "20x5");
    cr_assert_eq (code, 2);
    cr_assert_str_eq (out.err, "massline: report: --year: not a year (20x5) (try 'massline report help')\n");
    code = s_report (&out, "rollup");
    cr_assert_eq (code, 2);
    cr_assert (strstr (out.err, "rollup needs --year"), "%s", out.err);
    code = s_report (&out, "bulletin", "--period", "2025-13");
    cr_assert_eq (code, 2);
    code = s_report (&out, "rollup", "--year", "2025", "--format", "pdf");
    cr_assert_eq (code, 2);
    code = s_report (&out, "rollup", "--year", "2025", "--unit", "H001");
    cr_assert_eq (code, 2);
    cr_assert_eq (ml_h_count_lines (out.err, "massline"), 1, "%s", out.err);
    ml_h_pass ();
}

Test (integration, an_agent_key_reads_only_its_own_unit, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    s_deliver ("H001", s_demo ("H001.jsonl"));
    //  A client config holding H001's agent key.
    const char *agent_ini = ml_h_agent_ini ("H001");
    char *dir = ml_h_str ("%.*s", (int) (strrchr (agent_ini, '/') - agent_ini), agent_ini);
    char *ini = ml_h_str ("%s/client.ini", dir);
    ml_h_write (ini, ml_h_str ("[client]\nquery = %s\ncollector_key = collector.pub\n"
                               "public_key = agent.pub\nsecret_key = agent.key\n",
                               ml_h_ini_get (ml_h_client_ini (), "query")));
    ml_h_out_t out;
    int code = s_report_with (&out, ini, "unit-annual", "--unit", "H001", "--year", "2025",
                              "--format", "json", NULL);
    cr_assert_eq (code, 0, "its own unit: exit %d: %s", code, out.err);
    cr_assert (strstr (out.out, "\"unit\":\"H001\"") || strstr (out.out, "\"unit\": \"H001\""));
    code = s_report_with (&out, ini, "cadre", "--unit", "H001", "--person", "P002", "--year", "2025", NULL);
    cr_assert_eq (code, 0, "its own cadre: exit %d: %s", code, out.err);

    code = s_report_with (&out, ini, "unit-annual", "--unit", "H002", "--year", "2025", NULL);
    cr_assert_eq (code, 1);
    cr_assert_str_eq (out.err, "massline: report unit-annual: the collector refused: denied: "
                               "the agent key of unit H001 may not read unit H002\n");
    cr_assert_str_empty (out.out);
    const char *all[3][3] = { { "rollup", "--year", "2025" }, { "bulletin", "--period", "2025-Q1" },
                              { "watchlist", "--year", "2025" } };
    for (int i = 0; i < 3; i++) {
        code = s_report_with (&out, ini, all[i][0], all[i][1], all[i][2], NULL);
        cr_assert_eq (code, 1, "%s by an agent key exited %d", all[i][0], code);
        cr_assert (strstr (out.err, "denied: "), "%s: %s", all[i][0], out.err);
        cr_assert_str_empty (out.out);
    }
    //  The refusals are logged with who asked.
    char *log = ml_h_read (ml_h_str ("%s/collector.err", ml_h_dir ()));
    cr_assert (strstr (log, "query report unit-annual unit=H002 year=2025 by agent:H001"), "%s", log);
    cr_assert (strstr (log, "refused: denied"), "%s", log);
    ml_h_pass ();
}

//  H001's P002 research days as the collector reports them now.
static json_t *
s_p002_13b (void)
{
    json_t *r = s_json ("cadre", "--unit", "H001", "--person", "P002", "--year", "2025");
    json_t *rule = json_incref (s_find (json_object_get (json_object_get (r, "person"), "rules"),
                                        "rule", "1.3b"));
    json_decref (r);
    cr_assert_not_null (rule);
    return rule;
}

Test (integration, later_corrections_and_voids_move_the_report, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    s_deliver ("H001", s_demo ("H001.jsonl"));
    json_t *rule = s_p002_13b ();
    s_assert_rule (rule, "unmet", 52, 60, "before");
    json_decref (rule);

    //  The trip of line 673 (now one day, after line 700's correction) really took 9 days.
    const char *trip = "{\"kind\":\"research_trip\",\"ref\":\"H001-RT-0115\",\"date\":\"2025-11-03\","
                       "\"person\":\"P002\",\"end\":\"2025-11-11\",\"place\":\"丹徒区谷阳镇卫生院\","
                       "\"stationed\":false,\"unannounced\":true,\"topic\":\"卒中急救地图运行情况\"}";
    char *file = ml_h_str ("%s/late.jsonl", ml_h_dir ());
    ml_h_write (file, ml_h_str ("{\"kind\":\"correction\",\"ref\":\"H001-CR-0900\",\"supersedes\":"
                                "\"H001-RT-0115\",\"event\":%s}\n", trip));
    s_deliver ("H001", file);
    rule = s_p002_13b ();
    s_assert_rule (rule, "met", 60, 60, "after the correction (52 - 1 + 9)");
    json_decref (rule);

    //  Voiding the trip takes all its days out.
    file = ml_h_str ("%s/void.jsonl", ml_h_dir ());
    ml_h_write (file, "{\"kind\":\"void\",\"ref\":\"H001-VD-0900\",\"supersedes\":\"H001-RT-0115\","
                      "\"reason\":\"录入重复\"}\n");
    s_deliver ("H001", file);
    rule = s_p002_13b ();
    s_assert_rule (rule, "unmet", 51, 60, "after the void");
    json_decref (rule);

    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, ML_COLLECTOR, "-c", ml_h_collector_ini (), "check", NULL);
    cr_assert_eq (code, 0, "check exited %d: %s%s", code, out.out, out.err);
    cr_assert (strstr (out.out, "check: ok"), "%s", out.out);
    ml_h_pass ();
}

//  Replaces the first line of the [rule ID] section of the bureau's rules.ini that starts with
//  KEY by NEWLINE; returns that line's number.
static int
s_edit_rule (const char *id, const char *key, const char *newline)
{
    char *path = ml_h_str ("%s/rules.ini", ml_h_bureau ());
    char *text = ml_h_read (path);
    cr_assert_not_null (text);
    char *section = strstr (text, ml_h_str ("[rule %s]\n", id));
    cr_assert_not_null (section, "no [rule %s] in %s", id, path);
    char *line = strstr (section, ml_h_str ("\n%s", key));
    cr_assert_not_null (line);
    line++;
    int lineno = 1;
    for (char *p = text; p < line; p++)
        lineno += *p == '\n';
    char *end = strchr (line, '\n');
    ml_h_write (path, ml_h_str ("%.*s%s%s", (int) (line - text), text, newline, end));
    return lineno;
}

Test (integration, the_rule_file_decides_and_a_bad_one_stops_the_start, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    //  A threshold is data: 1.3b at 50 days makes P002's 52 days enough, with no code change.
    s_edit_rule ("1.3b", "min", "min = 50");
    ml_h_collector_start ();
    s_deliver ("H001", s_demo ("H001.jsonl"));
    json_t *rule = s_p002_13b ();
    s_assert_rule (rule, "met", 52, 50, "1.3b with min = 50");
    json_decref (rule);
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);

    //  A bad rule file: the collector refuses to start, exit 2, FILE:LINE: reason.
    int lineno = s_edit_rule ("1.3b", "min", "min = sixty");
    ml_h_out_t out;
    int code = ml_h_run (&out, 30000, ML_COLLECTOR, "-c", ml_h_collector_ini (), "serve", NULL);
    cr_assert_eq (code, 2, "serve with a bad rule file exited %d: %s", code, out.err);
    char *where = ml_h_str ("rules.ini:%d: ", lineno);
    cr_assert (strstr (out.err, where), "no '%s' in: %s", where, out.err);
    cr_assert_eq (ml_h_count_lines (out.err, "massline-collector"), 1, "%s", out.err);
    ml_h_pass ();
}

//  ---------------------------------------------------------------------------
//  Issue 16 (items 5 and 6) and issue 11 (org names) through the real programs: names a
//  spreadsheet would run and names with terminal escapes, entered through an agent import.

//  A ledger of five cadres and their branch, the cadres' names are formulas or carry ESC, BEL, CR.
static const char s_evil_ledger[] =
    "{\"kind\": \"person\", \"ref\": \"EV-PS-1\", \"person\": \"P901\", \"name\": \"=HYPERLINK(\\\"http://x.example\\\",\\\"点\\\")\", "
    "\"org\": \"B07\", \"roles\": [{\"role\": \"main_leader\", \"from\": \"2025-01-01\"}]}\n"
    "{\"kind\": \"person\", \"ref\": \"EV-PS-2\", \"person\": \"P902\", \"name\": \"+1\", \"org\": \"B07\", "
    "\"roles\": [{\"role\": \"leader\", \"from\": \"2025-01-01\"}]}\n"
    "{\"kind\": \"person\", \"ref\": \"EV-PS-3\", \"person\": \"P903\", \"name\": \"@SUM(A1:A9)\", \"org\": \"B07\", "
    "\"roles\": [{\"role\": \"leader\", \"from\": \"2025-01-01\"}]}\n"
    "{\"kind\": \"person\", \"ref\": \"EV-PS-4\", \"person\": \"P904\", \"name\": \"-cmd|' /C calc'!A0\", \"org\": \"B07\", "
    "\"roles\": [{\"role\": \"leader\", \"from\": \"2025-01-01\"}]}\n"
    "{\"kind\": \"person\", \"ref\": \"EV-PS-5\", \"person\": \"P905\", \"name\": \"红\\u001b[2J\\u001b]0;x\\u0007\\r蓝\\u007f\", "
    "\"org\": \"B07\", \"roles\": [{\"role\": \"leader\", \"from\": \"2025-01-01\"}]}\n"
    "{\"kind\": \"org\", \"ref\": \"EV-OG-1\", \"org\": \"B07\", \"name\": \"行政后勤党支部\", \"head\": \"P901\"}\n";

//  A bureau whose H001 holds the ledger above.
static void
s_evil_bureau (void)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    const char *path = ml_h_str ("%s/evil.jsonl", ml_h_dir ());
    ml_h_write (path, s_evil_ledger);
    s_deliver ("H001", path);
}

//  Asserts that no field of CSV (after the BOM; RFC 4180) starts with = + - @ TAB or CR unless
//  it is a number; returns how many fields start with the guard '.
static int
s_csv_guarded (const char *csv, const char *what)
{
    cr_assert (strncmp (csv, "\xEF\xBB\xBF", 3) == 0, "%s: no BOM", what);
    int guarded = 0;
    bool start = true, quoted = false;
    for (const char *at = csv + 3; *at; at++) {
        if (start) {
            const char *c = at;
            if (*c == '"')
                c++;
            guarded += *c == '\'';
            if (*c && strchr ("=+-@\t\r", *c) && !(*c == '\r' && c == at)) {
                char *end;
                strtod (c, &end);
                cr_assert (end > c && strchr (",\"\r%", *end), "%s: a live formula at: %.40s", what, c);
            }
            start = false;
        }
        if (*at == '"')
            quoted = !quoted;
        else if (!quoted && (*at == ',' || *at == '\n'))
            start = true;
    }
    return guarded;
}

Test (integration, csv_of_every_report_neutralises_formula_names, .init = ml_h_init, .fini = ml_h_fini)
{
    s_evil_bureau ();
    const char *kinds[5][7] = {
        { "unit-annual", "--unit", "H001", "--year", "2025", NULL },
        { "rollup", "--year", "2025", NULL },
        { "cadre", "--unit", "H001", "--person", "P901", "--year", "2025" },
        { "bulletin", "--period", "2025-12", NULL },
        { "watchlist", "--year", "2025", "--as-of", "2025-12-31", NULL },
    };
    for (int k = 0; k < 5; k++) {
        const char *const *a = kinds[k];
        ml_h_out_t out;
        int code = s_report (&out, a[0], "--format", "csv", a[1], a[2], a[3], a[4], a[5], a[6]);
        cr_assert_eq (code, 0, "%s csv exited %d: %s", a[0], code, out.err);
        int guarded = s_csv_guarded (out.out, a[0]);
        if (k == 0 || k == 4) {
            //  Every formula name is there, behind its guard.
            cr_assert (strstr (out.out, ",\"'=HYPERLINK(\"\"http://x.example\"\",\"\"点\"\")\","),
                       "%s: %.600s", a[0], out.out);
            cr_assert (strstr (out.out, ",'+1,") && strstr (out.out, ",'@SUM(A1:A9),")
                       && strstr (out.out, ",'-cmd|' /C calc'!A0,"), "%s: %.600s", a[0], out.out);
            cr_assert_gt (guarded, 4, "%s", a[0]);
        }
        if (k == 2)
            cr_assert (strstr (out.out, ",\"'=HYPERLINK(") && guarded > 0, "cadre: %.600s", out.out);
    }
    ml_h_pass ();
}

//  Asserts that TEXT holds no control character but LF (no ESC, BEL, CR, DEL).
static void
s_no_controls (const char *text, const char *what)
{
    for (const unsigned char *at = (const unsigned char *) text; *at; at++)
        cr_assert ((*at >= 0x20 && *at != 0x7F) || *at == '\n', "%s: control 0x%02x in: %.80s", what,
                   *at, (const char *) at - 40 > text ? (const char *) at - 40 : text);
}

Test (integration, text_reports_keep_escapes_of_names_off_the_terminal, .init = ml_h_init, .fini = ml_h_fini)
{
    s_evil_bureau ();
    ml_h_out_t out;
    int code = s_report (&out, "unit-annual", "--unit", "H001", "--year", "2025", "--format", "text");
    cr_assert_eq (code, 0, "unit-annual exited %d: %s", code, out.err);
    s_no_controls (out.out, "unit-annual");
    cr_assert (strstr (out.out, "红 [2J ]0;x  蓝  (P905)"), "%.2000s", out.out);
    //  The branch by the name the org ledger gives it (issue 11).
    cr_assert (strstr (out.out, "党组织 Org: 行政后勤党支部 (B07)"), "%.2000s", out.out);
    code = s_report (&out, "cadre", "--unit", "H001", "--person", "P905", "--year", "2025", "--format", "text");
    cr_assert_eq (code, 0, "cadre exited %d: %s", code, out.err);
    s_no_controls (out.out, "cadre");
    cr_assert (strstr (out.out, "姓名 Name: 红 [2J ]0;x  蓝  (P905)\n"), "%.2000s", out.out);
    cr_assert (strstr (out.out, "党组织 Org: 行政后勤党支部 (B07)\n"), "%.2000s", out.out);
    code = s_report (&out, "watchlist", "--year", "2025", "--format", "text");
    cr_assert_eq (code, 0, "watchlist exited %d: %s", code, out.err);
    s_no_controls (out.out, "watchlist");
    //  JSON keeps the name as entered; only what reaches a terminal is cleaned.
    json_t *r = s_json ("cadre", "--unit", "H001", "--person", "P905", "--year", "2025");
    json_t *person = json_object_get (r, "person");
    cr_assert_str_eq (json_string_value (json_object_get (person, "name")), "红\x1b[2J\x1b]0;x\a\r蓝\x7f");
    cr_assert_str_eq (json_string_value (json_object_get (person, "org_name")), "行政后勤党支部");
    json_decref (r);
    ml_h_pass ();
}
