/* test_render.c -- report renderers: display width, format names, json, errors and sparse reports,
   and what every format shows alike (issue 11). The formats: test_render_csv.c, _text.c, _html.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_render.h"
#include "ml_test_render.h"

//  -------------------------------------------------------------------------
//  Display width and format names

Test (render, display_width_counts_cjk_twice_and_combining_marks_zero)
{
    cr_assert_eq (ml_display_width ("镇江市第一人民医院"), 18);
    cr_assert_eq (ml_display_width ("H001"), 4);
    cr_assert_eq (ml_display_width ("e\xCC\x81"), 1);           //  e + U+0301
    cr_assert_eq (ml_display_width (""), 0);
    cr_assert_eq (ml_display_width (NULL), 0);
    cr_assert_eq (ml_display_width ("张建国 (P001)"), 13);
    cr_assert_eq (ml_display_width ("、，。"), 6);                //  CJK punctuation
    cr_assert_eq (ml_display_width ("ＡＢ１"), 6);                //  full-width forms
    cr_assert_eq (ml_display_width ("\xF0\xA0\x80\x80"), 2);    //  U+20000, extension B
    cr_assert_eq (ml_display_width ("a\tb"), 2);                 //  control: 0
    cr_assert_eq (ml_display_width ("\xFF" "a\xE4\xB8"), 4);    //  invalid bytes: 1 each
}

Test (render, format_names_parse)
{
    ml_format_t format = ML_FORMAT_TEXT;
    cr_assert_eq (ml_format_parse ("json", &format), 0);
    cr_assert_eq (format, ML_FORMAT_JSON);
    cr_assert_eq (ml_format_parse ("csv", &format), 0);
    cr_assert_eq (format, ML_FORMAT_CSV);
    cr_assert_eq (ml_format_parse ("html", &format), 0);
    cr_assert_eq (format, ML_FORMAT_HTML);
    cr_assert_eq (ml_format_parse ("text", &format), 0);
    cr_assert_eq (format, ML_FORMAT_TEXT);
    cr_assert_eq (ml_format_parse ("pdf", &format), 0);
    cr_assert_eq (format, ML_FORMAT_PDF);
    format = ML_FORMAT_TEXT;
    cr_assert_eq (ml_format_parse ("TEXT", &format), ML_EINVAL);
    cr_assert_eq (format, ML_FORMAT_TEXT, "a bad name changed the format");
    cr_assert_str_eq (ml_format_name (ML_FORMAT_HTML), "html");
}

//  -------------------------------------------------------------------------
//  JSON

Test (render, json_is_the_report_pretty_and_unescaped)
{
    const char *kinds [] = { "unit_annual", "rollup", "cadre", "bulletin", "watchlist" };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds [0]; i++) {
        json_t *report = t_rn_fixture (kinds [i]);
        char *text = t_rn_render (report, ML_FORMAT_JSON);
        json_error_t error;
        json_t *back = json_loads (text, 0, &error);
        cr_assert (back, "%s: %s", kinds [i], error.text);
        cr_assert (json_equal (report, back), "%s: json output differs from the report", kinds [i]);
        cr_assert (strstr (text, "镇江市") && !strstr (text, "\\u"), "%s: UTF-8 escaped", kinds [i]);
        cr_assert (strncmp (text, "{\n  \"report\": ", 14) == 0, "%s: not indented by 2", kinds [i]);
        cr_assert_null (strstr (text, "0000000"), "%s: reals printed with noise digits", kinds [i]);
        json_decref (back);
        json_decref (report);
        free (text);
    }
}


//  -------------------------------------------------------------------------
//  Errors and sparse reports

Test (render, bad_reports_fail_with_a_message_and_write_nothing)
{
    struct { const char *json; const char *err; } cases [] = {
        { "{\"year\": 2025}", "report: missing 'report' (the report kind)" },
        { "{\"report\": \"monthly\"}", "report: unknown kind 'monthly'" },
        { "{\"report\": \"rollup\", \"units\": {}}", "rollup report: 'units' is not an array" },
        { "{\"report\": \"watchlist\"}", "watchlist report: 'rows' is not an array" },
        { "{\"report\": \"cadre\", \"person\": []}", "cadre report: 'person' is not an object" },
        { "{\"report\": \"bulletin\", \"units\": [{}, 3]}", "bulletin report: units[1] is not an object" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        json_t *report = json_loads (cases [i].json, 0, NULL);
        cr_assert (report);
        for (ml_format_t format = ML_FORMAT_CSV; format <= ML_FORMAT_HTML; format++) {
            char err [256] = "";
            int rc;
            char *text = t_rn_render_rc (report, format, &rc, err, sizeof err);
            cr_assert_eq (rc, ML_EINVAL, "%s", cases [i].json);
            cr_assert_str_eq (err, cases [i].err);
            cr_assert_str_eq (text, "", "output written on failure");
            free (text);
        }
        json_decref (report);
    }
}

Test (render, unknown_format_fails_and_writes_nothing)
{
    json_t *report = t_rn_fixture ("rollup");
    const int formats [] = { ML_FORMAT_PDF + 1, 99, -1 };
    for (size_t i = 0; i < sizeof formats / sizeof formats [0]; i++) {
        char err [256] = "", want [64];
        int rc;
        char *text = t_rn_render_rc (report, (ml_format_t) formats [i], &rc, err, sizeof err);
        cr_assert_eq (rc, ML_EINVAL, "format %d", formats [i]);
        snprintf (want, sizeof want, "report: unknown format %d", formats [i]);
        cr_assert_str_eq (err, want);
        cr_assert_str_eq (text, "", "output written for format %d", formats [i]);
        free (text);
    }
    cr_assert_str_eq (ml_format_name ((ml_format_t) 99), "?");
    json_decref (report);
}

Test (render, write_failure_is_eio)
{
    json_t *report = t_rn_fixture ("rollup");
    FILE *full = fopen ("/dev/full", "w");
    cr_assert (full);
    char err [256] = "";
    cr_assert_eq (ml_render (report, ML_FORMAT_HTML, full, err, sizeof err), ML_EIO);
    cr_assert (strncmp (err, "report: cannot write the html output: ", 38) == 0, "%s", err);
    fclose (full);
    json_decref (report);
}

Test (render, sparse_reports_render_in_every_format)
{
    const char *sparse [] = {
        "{\"report\": \"rollup\", \"units\": [{\"unit\": \"H9\"}]}",
        "{\"report\": \"bulletin\", \"units\": []}",
        "{\"report\": \"unit-annual\", \"persons\": [{\"person\": \"P1\", \"rules\": [{\"rule\": \"1.3a\"}]}]}",
        "{\"report\": \"cadre\", \"person\": {}}",
        "{\"report\": \"watchlist\", \"rows\": []}",
    };
    for (size_t i = 0; i < sizeof sparse / sizeof sparse [0]; i++) {
        json_t *report = json_loads (sparse [i], 0, NULL);
        cr_assert (report);
        for (ml_format_t format = ML_FORMAT_JSON; format <= ML_FORMAT_HTML; format++) {
            char *text = t_rn_render (report, format);
            if (format == ML_FORMAT_TEXT)
                t_rn_check_tables (text);
            if (format == ML_FORMAT_HTML)
                cr_assert_eq (t_rn_count (text, "<table"), t_rn_count (text, "</table>"));
            if (format == ML_FORMAT_CSV)
                json_decref (t_rn_csv_parse (text));
            free (text);
        }
        json_decref (report);
    }
}

//  -------------------------------------------------------------------------
//  Issue 11: the cadre annex on A4 with Chinese labels; statuses, orgs, rounding

//  Every metric key the collector writes (collector/ml_metrics.c and ml_report.c s_metrics).
static const char *const s_metric_keys [] = {
    "research_plans", "research_trips", "research_days", "stationed_days", "unannounced_trips",
    "research_reports", "work_items", "results_exchanges", "contact_visits", "practical_deeds",
    "reception_days", "reception_announced", "reception_fixed_point", "reception_open",
    "reception_key_appointment", "reception_thematic", "reception_visit_with_case",
    "reception_home_return_visit", "talks", "talks_team_member", "talks_department",
    "talks_contact_point", "talks_party_member", "talks_masses", "talks_member", "talks_remote",
    "opinions", "petitions", "commitments_annual", "commitments_instant", "rep_studio_reception",
    "rep_advice", "rep_service", "rep_exchange", "rep_inspection", "rep_committee_meeting",
    "rep_proposal", "reception_months", "reception_half_months", "contact_points",
    "paired_families", NULL
};

//  Whether KEY shows in TEXT as a word of its own (not inside another key, not in a CSS name).
static int
s_shows_key (const char *text, const char *key)
{
    size_t len = strlen (key);
    for (const char *at = strstr (text, key); at; at = strstr (at + 1, key)) {
        char before = at > text? at [-1]: ' ', after = at [len];
        int word = before == '_' || (before >= 'a' && before <= 'z');
        word |= after == '_' || (after >= 'a' && after <= 'z') || after == '"' || after == '-';
        if (!word)
            return 1;
    }
    return 0;
}

//  The widest row of an HTML page's tables: the most cells (th or td) in one <tr>.
static size_t
s_widest_row (const char *html)
{
    size_t widest = 0;
    for (const char *tr = strstr (html, "<tr"); tr; tr = strstr (tr + 1, "<tr")) {
        const char *end = strstr (tr, "</tr>");
        cr_assert (end);
        size_t cells = 0;
        for (const char *at = tr; at && at < end; at = strstr (at + 1, "<t"))
            if (strncmp (at, "<td", 3) == 0 || strncmp (at, "<th", 3) == 0)
                cells += strncmp (at, "<thead", 6) != 0;
        if (cells > widest)
            widest = cells;
    }
    return widest;
}

Test (render, cadre_annex_names_every_metric_in_chinese_grouped_by_system)
{
    json_t *report = t_rn_fixture ("cadre");
    json_t *metrics = json_object_get (json_object_get (report, "person"), "metrics");
    for (size_t i = 0; s_metric_keys [i]; i++)
        json_object_set_new (metrics, s_metric_keys [i], json_integer ((json_int_t) i + 1));
    cr_assert_geq (json_object_size (metrics), 26);
    for (ml_format_t format = ML_FORMAT_TEXT; format <= ML_FORMAT_HTML; format++) {
        char *text = t_rn_render (report, format);
        for (size_t i = 0; s_metric_keys [i]; i++)
            cr_assert_not (s_shows_key (text, s_metric_keys [i]), "%s shows the raw key %s",
                           ml_format_name (format), s_metric_keys [i]);
        free (text);
    }
    //  Text: one row per system, its metrics side by side; tables line up.
    char *text = t_rn_render (report, ML_FORMAT_TEXT);
    cr_assert_eq (t_rn_check_tables (text), 3, "%s", text);
    const char *line = t_rn_line_with (text, "提前公布接访");
    cr_assert (strncmp (line, "接访", 6) == 0 && strstr (line, "定点接访") && strstr (line, "接访天数"),
               "reception metrics are not on the 接访 row: %s", line);
    cr_assert (strncmp (t_rn_line_with (text, "与班子成员谈心"), "谈心", 6) == 0);
    cr_assert (strncmp (t_rn_line_with (text, "驻室接待"), "党代表", 9) == 0);
    free (text);
    //  HTML: no table row wider than the rule table (six columns); metrics by system.
    char *html = t_rn_render (report, ML_FORMAT_HTML);
    t_rn_check_html (html);
    cr_assert_leq (s_widest_row (html), 6, "a table row of %zu cells", s_widest_row (html));
    cr_assert (strstr (html, "<tr><th>接访</th><td>"), "no 接访 row in the metrics table");
    cr_assert_null (strstr (html, "min-width: 16mm"));
    cr_assert (strstr (html, "<body class=\"annex\">"), "the annex lacks its one-page layout");
    json_decref (report);
    free (html);
}

Test (render, every_status_and_severity_is_translated_in_every_format)
{
    json_t *report = t_rn_fixture ("unit_annual");
    json_t *rules = json_object_get (json_array_get (json_object_get (report, "persons"), 0), "rules");
    json_object_set_new (json_array_get (rules, 0), "severity", json_string ("info"));
    json_object_set_new (json_array_get (rules, 1), "status", json_string ("exempted"));
    json_object_set_new (json_array_get (rules, 2), "status", json_string ("no_data"));
    char *text = t_rn_render (report, ML_FORMAT_CSV);
    json_t *records = t_rn_csv_parse (text);
    size_t severity = t_rn_csv_column (records, "性质"), status = t_rn_csv_column (records, "状态");
    cr_assert_str_eq (t_rn_csv_field (records, 1, severity), "参考");
    cr_assert_str_eq (t_rn_csv_field (records, 2, status), "已豁免");
    cr_assert_str_eq (t_rn_csv_field (records, 3, status), "无数据");
    cr_assert_null (strstr (text, "info"));
    json_decref (records);
    free (text);
    for (ml_format_t format = ML_FORMAT_TEXT; format <= ML_FORMAT_HTML; format++) {
        text = t_rn_render (report, format);
        cr_assert (strstr (text, "已豁免") && strstr (text, "无数据"), "%s", ml_format_name (format));
        cr_assert_not (s_shows_key (text, "exempted") || s_shows_key (text, "no_data"),
                       "%s shows a raw status", ml_format_name (format));
        free (text);
    }
    json_decref (report);

    report = t_rn_fixture ("watchlist");
    json_object_set_new (json_array_get (json_object_get (report, "rows"), 0), "severity",
                         json_string ("info"));
    for (ml_format_t format = ML_FORMAT_CSV; format <= ML_FORMAT_HTML; format++) {
        text = t_rn_render (report, format);
        cr_assert (strstr (text, "参考"), "%s: info untranslated", ml_format_name (format));
        cr_assert_not (s_shows_key (text, "info"), "%s shows 'info'", ml_format_name (format));
        free (text);
    }
    json_decref (report);
}

Test (render, persons_show_their_org_by_name_with_its_code)
{
    json_t *report = t_rn_fixture ("unit_annual");
    char *text = t_rn_render (report, ML_FORMAT_TEXT);
    cr_assert (strstr (t_rn_line_with (text, "欧阳明华 (P002)"), "党组织 Org: 医务党支部 (B01)"), "%s", text);
    free (text);
    text = t_rn_render (report, ML_FORMAT_HTML);
    cr_assert (strstr (text, "医务党支部 (B01)"));
    free (text);
    //  Without a name (an older collector): the code alone.
    json_object_del (json_array_get (json_object_get (report, "persons"), 1), "org_name");
    text = t_rn_render (report, ML_FORMAT_TEXT);
    cr_assert (strstr (t_rn_line_with (text, "欧阳明华 (P002)"), "党组织 Org: B01"));
    free (text);
    json_decref (report);

    report = t_rn_fixture ("cadre");
    text = t_rn_render (report, ML_FORMAT_TEXT);
    cr_assert (strstr (text, "党组织 Org: 院党委 (D01)\n"), "%s", text);
    free (text);
    text = t_rn_render (report, ML_FORMAT_HTML);
    cr_assert (strstr (text, "党组织 Org 院党委 (D01)"));
    free (text);
    json_decref (report);
}

Test (render, heat_map_and_tables_round_alike_half_up)
{
    json_t *report = t_rn_fixture ("rollup");
    json_t *h001 = json_array_get (json_object_get (report, "units"), 0);
    //  0.947 and 0.9475 (whose double lies just below): 94.7 % and 94.8 % everywhere.
    json_object_set_new (h001, "compliance", json_real (0.947));
    json_t *sys1 = json_array_get (json_object_get (h001, "systems"), 0);
    json_object_set_new (sys1, "met", json_integer (379));
    json_object_set_new (sys1, "unmet", json_integer (21));
    json_object_set_new (sys1, "checked", json_integer (400));
    char *html = t_rn_render (report, ML_FORMAT_HTML);
    cr_assert (strstr (html, ">94.7%</text>"), "heat map cell of 0.947 is not 94.7%%");
    cr_assert (strstr (html, ">94.8%</text>"), "heat map cell of 379/400 is not 94.8%%");
    cr_assert (strstr (html, "<td class=\"n\">94.7%</td>"), "table cell of 0.947 is not 94.7%%");
    cr_assert_null (strstr (html, ">94%</text>"));
    free (html);
    char *text = t_rn_render (report, ML_FORMAT_TEXT);
    cr_assert (strstr (t_rn_line_with (text, "H001 "), "94.7%"));
    free (text);
    json_object_set_new (h001, "compliance", json_real (0.9475));
    html = t_rn_render (report, ML_FORMAT_HTML);
    cr_assert (strstr (html, "<td class=\"n\">94.8%</td>"), "0.9475 is not rounded half up");
    free (html);
    text = t_rn_render (report, ML_FORMAT_CSV);
    json_t *records = t_rn_csv_parse (text);
    cr_assert_str_eq (t_rn_csv_field (records, 1, t_rn_csv_column (records, "达标率")), "94.8%");
    json_decref (records);
    free (text);
    json_decref (report);
}
