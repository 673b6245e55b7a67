/* test_import.c -- `massline-agent import` reports every bad row with file, line and field, and is all-or-nothing. */
#include "ml_harness.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

//  One row of the test file: its JSON text and, for a bad row, the field its error must name
//  ("" for a row that is not JSON at all, "a|b" when either field is a fair answer).
typedef struct {
    const char *json;
    const char *bad_field;      //  NULL: a valid row
} s_row_t;

static const s_row_t s_rows[] = {
    { "{\"kind\":\"person\",\"ref\":\"I-P001\",\"person\":\"P001\",\"name\":\"张伟\","
      "\"roles\":[{\"role\":\"leader\",\"from\":\"2025-01-01\"}]}", NULL },
    { "{\"kind\":\"talk\",\"ref\":\"I-T1\",\"date\":\"2025-03-05\",\"person\":\"P001\",\"with\":\"王芳\","
      "\"with_category\":\"masses\",\"form\":\"individual\",\"mode\":\"in_person\"}", NULL },
    //  end before date
    { "{\"kind\":\"research_trip\",\"ref\":\"I-B1\",\"date\":\"2025-04-10\",\"person\":\"P001\","
      "\"end\":\"2025-04-01\",\"place\":\"丹阳\"}", "end" },
    { "{\"kind\":\"talk\",\"ref\":\"I-T2\",\"date\":\"2025-03-06\",\"person\":\"P001\",\"with\":\"李娜\","
      "\"with_category\":\"department\"}", NULL },
    //  unknown enum value
    { "{\"kind\":\"reception_day\",\"ref\":\"I-B2\",\"date\":\"2025-05-10\",\"person\":\"P001\","
      "\"mode\":\"walk\"}", "mode" },
    //  unknown person
    { "{\"kind\":\"talk\",\"ref\":\"I-B3\",\"date\":\"2025-03-07\",\"person\":\"P999\",\"with\":\"王芳\","
      "\"with_category\":\"masses\"}", "person" },
    //  group_size must be at least 1
    { "{\"kind\":\"petition_case\",\"ref\":\"I-B4\",\"date\":\"2025-06-01\",\"case\":\"C1\","
      "\"person\":\"P001\",\"group_size\":0}", "group_size" },
    { "{\"kind\":\"research_trip\",\"ref\":\"I-R1\",\"date\":\"2025-04-01\",\"person\":\"P001\","
      "\"end\":\"2025-04-03\",\"place\":\"丹阳\",\"stationed\":false,\"unannounced\":true,\"topic\":\"基层调研\"}", NULL },
    //  both person and org
    { "{\"kind\":\"commitment\",\"ref\":\"I-B5\",\"date\":\"2025-02-01\",\"commitment\":\"K1\","
      "\"person\":\"P001\",\"org\":\"O1\",\"type\":\"annual\",\"deadline\":\"2025-12-31\","
      "\"content\":\"缩短候诊时间\"}", "person|org" },
    //  not JSON
    { "{\"kind\":\"talk\",\"date\":", "" },
    //  unknown key
    { "{\"kind\":\"talk\",\"ref\":\"I-B6\",\"date\":\"2025-03-08\",\"person\":\"P001\",\"with\":\"王芳\","
      "\"with_category\":\"masses\",\"colour\":\"red\"}", "colour" },
    //  after today (2026-11-26)
    { "{\"kind\":\"talk\",\"ref\":\"I-B7\",\"date\":\"2026-12-01\",\"person\":\"P001\",\"with\":\"王芳\","
      "\"with_category\":\"masses\"}", "date" },
    { "{\"kind\":\"reception_day\",\"ref\":\"I-RD1\",\"date\":\"2025-05-10\",\"person\":\"P001\","
      "\"mode\":\"fixed_point\",\"announced\":\"2025-05-01\"}", NULL },
    //  a required key missing
    { "{\"kind\":\"talk\",\"ref\":\"I-B8\",\"date\":\"2025-03-09\",\"person\":\"P001\",\"with\":\"王芳\"}",
      "with_category" },
    //  unknown kind
    { "{\"kind\":\"party\",\"ref\":\"I-B9\",\"date\":\"2025-03-09\"}", "kind" },
    //  wrong type
    { "{\"kind\":\"research_trip\",\"ref\":\"I-B10\",\"date\":\"2025-04-01\",\"person\":\"P001\","
      "\"end\":\"2025-04-03\",\"stationed\":\"yes\"}", "stationed" },
    //  not a real day
    { "{\"kind\":\"talk\",\"ref\":\"I-B11\",\"date\":\"2025-02-30\",\"person\":\"P001\",\"with\":\"王芳\","
      "\"with_category\":\"masses\"}", "date" },
    { "{\"kind\":\"talk\",\"ref\":\"I-T3\",\"date\":\"2025-03-10\",\"person\":\"P001\",\"with\":\"刘洋\","
      "\"with_category\":\"party_member\",\"form\":\"collective\",\"mode\":\"phone\"}", NULL },
};
#define N_ROWS (int) (sizeof s_rows / sizeof s_rows[0])

//  Writes the rows (all, or only the valid ones) to PATH; returns how many were written.
static int
s_write_rows (const char *path, bool with_bad)
{
    char *text = ml_h_str ("%s", "");
    int n = 0;
    for (int i = 0; i < N_ROWS; i++)
        if (with_bad || !s_rows[i].bad_field) {
            text = ml_h_str ("%s%s\n", text, s_rows[i].json);
            n++;
        }
    ml_h_write (path, text);
    return n;
}

//  True when the error text AFTER "FILE:LINE: " names one of the fields in EXPECTED ("a|b").
static bool
s_names_field (const char *after, const char *expected)
{
    char *fields = strdup (expected);
    bool found = false;
    char *save;
    for (char *f = strtok_r (fields, "|", &save); f && !found; f = strtok_r (NULL, "|", &save)) {
        char *prefix = ml_h_str ("field '%s'", f);
        found = strncmp (after, prefix, strlen (prefix)) == 0;
    }
    free (fields);
    return found;
}

Test (integration, import_reports_every_bad_row, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    const char *ini = ml_h_agent_ini ("H001");
    char *path = ml_h_str ("%s/ledger.jsonl", ml_h_dir ());
    s_write_rows (path, true);

    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, ML_AGENT, "-c", ini, "import", path, NULL);
    cr_assert_eq (code, 1, "import of a file with bad rows exited %d, expected 1", code);

    //  Exactly one "massline-agent: FILE:LINE: ..." line per bad row, naming the field.
    int reported[N_ROWS + 1] = { 0 };
    char *prefix = ml_h_str ("massline-agent: %s:", path);
    char *stderr_text = ml_h_str ("%s", out.err), *save;
    for (char *line = strtok_r (out.err, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
        if (strncmp (line, prefix, strlen (prefix)))
            continue;
        char *end;
        long lineno = strtol (line + strlen (prefix), &end, 10);
        if (end == line + strlen (prefix) || *end != ':')
            continue;       //  a summary line about the whole file
        cr_assert (lineno >= 1 && lineno <= N_ROWS, "error for a line the file does not have: %s", line);
        const s_row_t *row = &s_rows[lineno - 1];
        cr_assert_not_null (row->bad_field, "line %ld is valid but was reported: %s", lineno, line);
        cr_assert (end[1] == ' ', "no space after FILE:LINE: in: %s", line);
        if (*row->bad_field)
            cr_assert (s_names_field (end + 2, row->bad_field),
                       "line %ld should name field '%s': %s", lineno, row->bad_field, line);
        reported[lineno]++;
    }
    for (int i = 0; i < N_ROWS; i++)
        if (s_rows[i].bad_field)
            cr_assert_eq (reported[i + 1], 1, "line %d (%s) reported %d times; stderr:\n%s",
                          i + 1, s_rows[i].json, reported[i + 1], stderr_text);

    //  All-or-nothing: not even the valid rows entered the outbox.
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 0);
    cr_assert_eq (ml_h_agent_field ("H001", "acked"), 0);

    //  Without the bad rows the file imports; importing it again adds nothing.
    char *good = ml_h_str ("%s/ledger-good.jsonl", ml_h_dir ());
    int n_good = s_write_rows (good, false);
    code = ml_h_run (&out, 60000, ML_AGENT, "-c", ini, "import", good, NULL);
    cr_assert_eq (code, 0, "import of the good rows exited %d: %s", code, out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), n_good);
    code = ml_h_run (&out, 60000, ML_AGENT, "-c", ini, "import", good, NULL);
    cr_assert_eq (code, 0, "re-import exited %d: %s", code, out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), n_good, "re-import added events");
    ml_h_pass ();
}
