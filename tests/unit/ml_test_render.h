/* ml_test_render.h -- what the renderer tests (test_render.c, test_render_csv.c,
   test_render_text.c, test_render_html.c) share: the report fixtures in tests/unit/data, rendering
   into a string, and reading back what a format wrote (CSV records, text tables, HTML pages). */
#ifndef ML_TEST_RENDER_H
#define ML_TEST_RENDER_H

#include <jansson.h>
#include <stddef.h>

#include "ml_render.h"

//  Loads tests/unit/data/render_NAME.json.
json_t *t_rn_fixture (const char *name);

//  Renders REPORT in FORMAT into a fresh string; *RC gets the return code.
char *t_rn_render_rc (const json_t *report, ml_format_t format, int *rc, char *err, size_t errlen);

//  Renders and asserts success.
char *t_rn_render (const json_t *report, ml_format_t format);

//  How many times NEEDLE occurs in HAYSTACK.
size_t t_rn_count (const char *haystack, const char *needle);

//  Parses CSV (RFC 4180, CRLF records, after the BOM) into an array of arrays of strings.
json_t *t_rn_csv_parse (const char *text);

//  The CSV header joined with commas, for an exact comparison.
char *t_rn_csv_header (const json_t *records);

//  Column of the CSV header named NAME.
size_t t_rn_csv_column (const json_t *records, const char *name);

//  The field of RECORDS at ROW, COL (NULL when out of range).
const char *t_rn_csv_field (const json_t *records, size_t row, size_t col);

//  Checks every table of a text report: each cell lies inside the dashed segment of its
//  column and touches its left or right edge. Returns the number of tables seen.
int t_rn_check_tables (const char *text);

//  The line of TEXT that contains NEEDLE (a static copy).
const char *t_rn_line_with (const char *text, const char *needle);

//  Common checks of an HTML page.
void t_rn_check_html (const char *html);

#endif
