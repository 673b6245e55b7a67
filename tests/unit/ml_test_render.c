/* ml_test_render.c -- the renderer tests' shared helpers (ml_test_render.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_render.h"
#include "ml_test_render.h"

//  Loads tests/unit/data/render_NAME.json.
json_t *
t_rn_fixture (const char *name)
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
char *
t_rn_render_rc (const json_t *report, ml_format_t format, int *rc, char *err, size_t errlen)
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
char *
t_rn_render (const json_t *report, ml_format_t format)
{
    char err [256] = "";
    int rc;
    char *text = t_rn_render_rc (report, format, &rc, err, sizeof err);
    cr_assert_eq (rc, 0, "render %s failed: %s", ml_format_name (format), err);
    cr_assert (text && *text);
    return text;
}

size_t
t_rn_count (const char *haystack, const char *needle)
{
    size_t count = 0;
    for (const char *at = strstr (haystack, needle); at; at = strstr (at + 1, needle))
        count++;
    return count;
}

//  Parses CSV (RFC 4180, CRLF records, after the BOM) into an array of arrays of strings.
json_t *
t_rn_csv_parse (const char *text)
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
char *
t_rn_csv_header (const json_t *records)
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
size_t
t_rn_csv_column (const json_t *records, const char *name)
{
    json_t *value;
    size_t index;
    json_array_foreach (json_array_get (records, 0), index, value)
        if (strcmp (json_string_value (value), name) == 0)
            return index;
    cr_assert_fail ("csv: no column %s", name);
    return 0;
}

const char *
t_rn_csv_field (const json_t *records, size_t row, size_t col)
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
int
t_rn_check_tables (const char *text)
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
const char *
t_rn_line_with (const char *text, const char *needle)
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
void
t_rn_check_html (const char *html)
{
    cr_assert (strncmp (html, "<!DOCTYPE html>", 15) == 0);
    cr_assert (strstr (html, "<html lang=\"zh-CN\">"));
    cr_assert (strstr (html, "<meta charset=\"utf-8\">"));
    cr_assert (strstr (html, "@page { size: A4; margin: 15mm }"));
    cr_assert (strstr (html, "\"Noto Sans CJK SC\", \"Source Han Sans SC\", \"Microsoft YaHei\""));
    cr_assert_eq (t_rn_count (html, "<table"), t_rn_count (html, "</table>"));
    cr_assert_gt (t_rn_count (html, "<table"), 0);
    cr_assert_eq (t_rn_count (html, "<tr"), t_rn_count (html, "</tr>"));
    cr_assert_eq (t_rn_count (html, "<svg"), 1);
    cr_assert_eq (t_rn_count (html, "</svg>"), 1);
    cr_assert_eq (t_rn_count (html, "<html"), 1);
    cr_assert (strstr (html, "</body>\n</html>\n"));
    //  Self-contained: nothing fetched from elsewhere.
    cr_assert_null (strstr (html, "<script"));
    cr_assert_null (strstr (html, "<link"));
    cr_assert_null (strstr (html, "src="));
    cr_assert_null (strstr (html, "url("));
    cr_assert_null (strstr (html, "@import"));
}
