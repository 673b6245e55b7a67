/* test_ledger.c -- CSV ledgers: encodings, quoting, line numbers, header names, cell conversion,
   and templates that the importer reads back. */
#include <criterion/criterion.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_event.h"
#include "ml_ledger.h"

static char s_dir[] = "/tmp/ml-test-ledger-XXXXXX";

static void
s_setup (void)
{
    cr_assert (mkdtemp (s_dir));
}

static void
s_teardown (void)
{
    char cmd[128];
    snprintf (cmd, sizeof cmd, "rm -rf %s", s_dir);
    cr_assert (system (cmd) == 0);
}

TestSuite (ledger, .init = s_setup, .fini = s_teardown);

static char *
s_write (const char *name, const char *data, size_t len)
{
    char *path;
    cr_assert (asprintf (&path, "%s/%s", s_dir, name) > 0);
    FILE *f = fopen (path, "wb");
    cr_assert (f);
    fwrite (data, 1, len, f);
    fclose (f);
    return path;
}

typedef struct {
    int lines[64];
    json_t *rows[64];
    char errors[8][256];
    int nrows, nerrors;
} s_got_t;

static int
s_collect (void *arg, int line, const json_t *obj, const char *field, const char *reason)
{
    s_got_t *got = arg;
    if (obj) {
        got->lines[got->nrows] = line;
        got->rows[got->nrows++] = json_deep_copy (obj);
    }
    else
        snprintf (got->errors[got->nerrors++], 256, "%d: %s: %s", line, field, reason);
    return 0;
}

static void
s_free (s_got_t *got)
{
    for (int i = 0; i < got->nrows; i++)
        json_decref (got->rows[i]);
}

static const char *
s_str (const json_t *obj, const char *key)
{
    return json_string_value (json_object_get (obj, key));
}

static const char s_reception[] =
    "日期,人员编号,接访方式,公布日期,备注,,\r\n"
    "2025/3/5,P001,定点接访,2025年2月28日,\"门诊楼一楼, 接待室\",,\r\n"
    "\r\n"
    "2025-03-20,P002,open,2025-3-18,\"两行\r\n备注\",,\r\n"
    "2025-04-02,P001,带案下访,,,,\r\n"
    ",,,,,,\r\n"
    ",,,,,,\r\n";

Test (ledger, utf8_bom_chinese_headers_quotes_and_lines)
{
    char data[1024] = "\xEF\xBB\xBF";
    strcat (data, s_reception);
    char *path = s_write ("2025年接访台账.csv", data, strlen (data));
    char err[512] = "";
    ml_ledger_t *ledger = ml_ledger_open (path, err, sizeof err);
    cr_assert (ledger, "%s", err);
    cr_assert_str_eq (ml_ledger_kind (ledger), "reception_day");
    cr_assert_str_eq (ml_ledger_encoding (ledger), "utf-8 (BOM)");
    s_got_t got = { 0 };
    cr_assert_eq (ml_ledger_each (ledger, s_collect, &got), 0);
    cr_assert_eq (got.nerrors, 0, "%s", got.errors[0]);
    cr_assert_eq (got.nrows, 3, "trailing empty rows are skipped");
    cr_assert_eq (got.lines[0], 2);
    cr_assert_eq (got.lines[1], 4, "the blank line 3 is counted");
    cr_assert_eq (got.lines[2], 6, "a quoted line break moves later rows down");
    cr_assert_str_eq (s_str (got.rows[0], "date"), "2025-03-05");
    cr_assert_str_eq (s_str (got.rows[0], "announced"), "2025-02-28");
    cr_assert_str_eq (s_str (got.rows[0], "mode"), "fixed_point");
    cr_assert_str_eq (s_str (got.rows[0], "note"), "门诊楼一楼, 接待室");
    cr_assert_str_eq (s_str (got.rows[1], "note"), "两行\r\n备注");
    cr_assert_str_eq (s_str (got.rows[1], "mode"), "open");
    cr_assert_str_eq (s_str (got.rows[2], "mode"), "visit_with_case");
    cr_assert_null (json_object_get (got.rows[2], "announced"), "an empty cell is no key");
    cr_assert_str_eq (ml_ledger_header (ledger, "announced"), "公布日期");
    s_free (&got);
    ml_ledger_destroy (&ledger);
    cr_assert_null (ledger);
    free (path);
}

Test (ledger, gb18030_is_read_through_iconv)
{
    iconv_t cd = iconv_open ("GB18030", "UTF-8");
    char out[1024];
    char *src = (char *) s_reception, *dst = out;
    size_t left = strlen (s_reception), room = sizeof out;
    cr_assert_neq (iconv (cd, &src, &left, &dst, &room), (size_t) -1);
    iconv_close (cd);
    char *path = s_write ("接访台账.csv", out, (size_t) (dst - out));
    char err[512] = "";
    ml_ledger_t *ledger = ml_ledger_open (path, err, sizeof err);
    cr_assert (ledger, "%s", err);
    cr_assert_str_eq (ml_ledger_encoding (ledger), "gb18030");
    s_got_t got = { 0 };
    ml_ledger_each (ledger, s_collect, &got);
    cr_assert_eq (got.nrows, 3);
    cr_assert_str_eq (s_str (got.rows[0], "note"), "门诊楼一楼, 接待室");
    cr_assert_str_eq (s_str (got.rows[2], "mode"), "visit_with_case");
    s_free (&got);
    ml_ledger_destroy (&ledger);
    free (path);
}

Test (ledger, header_errors_name_the_column)
{
    struct { const char *name, *text, *want; } cases[] = {
        { "接访台账.csv", "日期,人员编号,接访方式,颜色\n", "column '颜色' is not a ledger column" },
        { "接访台账.csv", "日期,人员编号,谈话对象,接访方式\n", "column '谈话对象' is not a column of 接访台账 (reception_day)" },
        { "接访台账.csv", "日期,接访方式\n", "missing column '人员编号' (person) of 接访台账" },
        { "ledger.csv", "日期,人员编号\n", "cannot tell which ledger this is" },
        { "接访台账.csv", "", "empty file" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = s_write (cases[i].name, cases[i].text, strlen (cases[i].text));
        char err[512] = "";
        ml_ledger_t *ledger = ml_ledger_open (path, err, sizeof err);
        cr_assert_null (ledger, "case %zu", i);
        cr_assert (strstr (err, cases[i].want), "case %zu: got '%s'", i, err);
        cr_assert (strncmp (err, path, strlen (path)) == 0, "case %zu names the file: %s", i, err);
        free (path);
    }
}

Test (ledger, cell_errors_and_booleans)
{
    const char *text = "date,person,end,stationed,unannounced\n"
                       "2025-05-06,P001,2025-05-08,是,否\n"
                       "2025-05-10,P001,2025/2/30,可能,否\n";
    char *path = s_write ("research_trip.csv", text, strlen (text));
    char err[512] = "";
    ml_ledger_t *ledger = ml_ledger_open (path, err, sizeof err);
    cr_assert (ledger, "%s", err);
    s_got_t got = { 0 };
    ml_ledger_each (ledger, s_collect, &got);
    cr_assert_eq (got.nrows, 1);
    cr_assert (json_is_true (json_object_get (got.rows[0], "stationed")));
    cr_assert (json_is_false (json_object_get (got.rows[0], "unannounced")));
    cr_assert_eq (got.nerrors, 1);
    cr_assert_str_eq (got.errors[0], "3: stationed: expected 是 or 否 (可能)");
    s_free (&got);
    ml_ledger_destroy (&ledger);
    free (path);
}

Test (ledger, bad_date_is_left_for_the_validator)
{
    const char *text = "日期,人员编号,接访方式,公布日期\n2025-03-05,P001,定点接访,2026/2/30\n";
    char *path = s_write ("接访台账.csv", text, strlen (text));
    char err[512] = "";
    ml_ledger_t *ledger = ml_ledger_open (path, err, sizeof err);
    s_got_t got = { 0 };
    ml_ledger_each (ledger, s_collect, &got);
    ml_verr_t verr;
    Massline__Event *ev = ml_event_from_json (got.rows[0], &verr);
    cr_assert (ev);
    ml_vctx_t ctx = { NULL, NULL, NULL, ml_date_from_ymd (2026, 11, 26) };
    cr_assert_neq (ml_event_validate (ev, &ctx, &verr), 0);
    cr_assert_str_eq (verr.field, "announced");
    cr_assert_str_eq (ml_ledger_header (ledger, verr.field), "公布日期");
    cr_assert (strstr (verr.reason, "2026/2/30"), "%s", verr.reason);
    ml_event_free (&ev);
    s_free (&got);
    ml_ledger_destroy (&ledger);
    free (path);
}

Test (ledger, person_rows_merge_roles)
{
    const char *text = "人员编号,姓名,党组织,职务类别,开始日期,结束日期\n"
                       "P001,张伟,B01,主要领导,2025-01-01,\n"
                       "P002,李娜,B01,班子成员,2025-07-01,\n"
                       "P001,张伟,B01,市党代表,2022-01-01,2026-12-31\n";
    char *path = s_write ("人员台账.csv", text, strlen (text));
    char err[512] = "";
    ml_ledger_t *ledger = ml_ledger_open (path, err, sizeof err);
    cr_assert (ledger, "%s", err);
    s_got_t got = { 0 };
    ml_ledger_each (ledger, s_collect, &got);
    cr_assert_eq (got.nrows, 2);
    cr_assert_eq (got.lines[0], 2);
    json_t *roles = json_object_get (got.rows[0], "roles");
    cr_assert_eq (json_array_size (roles), 2);
    cr_assert_str_eq (s_str (json_array_get (roles, 1), "role"), "rep_city");
    ml_verr_t verr;
    Massline__Event *ev = ml_event_from_json (got.rows[0], &verr);
    cr_assert (ev, "%s: %s", verr.field, verr.reason);
    ml_event_free (&ev);
    s_free (&got);
    ml_ledger_destroy (&ledger);
    free (path);
}

Test (ledger, correction_row)
{
    const char *text = "编号,日期,人员编号,接访方式,更正编号\n,2025-03-06,P001,定点接访,H001-RD-0001\n";
    char *path = s_write ("接访台账.csv", text, strlen (text));
    char err[512] = "";
    ml_ledger_t *ledger = ml_ledger_open (path, err, sizeof err);
    cr_assert (ledger, "%s", err);
    s_got_t got = { 0 };
    ml_ledger_each (ledger, s_collect, &got);
    cr_assert_eq (got.nrows, 1);
    cr_assert_str_eq (s_str (got.rows[0], "kind"), "correction");
    cr_assert_str_eq (s_str (got.rows[0], "supersedes"), "H001-RD-0001");
    json_t *inner = json_object_get (got.rows[0], "event");
    cr_assert_str_eq (s_str (inner, "ref"), "H001-RD-0001");
    cr_assert_str_eq (s_str (inner, "date"), "2025-03-06");
    s_free (&got);
    ml_ledger_destroy (&ledger);
    free (path);
}

Test (ledger, every_template_reads_back_as_a_valid_event)
{
    const char *kinds[] = { "person", "org", "research_plan", "research_trip", "research_report",
                            "work_item", "results_exchange", "contact_point", "paired_family",
                            "contact_visit", "practical_deed", "secondment", "secondment_review",
                            "reception_day", "petition_case", "petition_closed", "talk", "opinion",
                            "opinion_assigned", "opinion_closed", "mailbox", "commitment",
                            "commitment_fulfilled", "commitment_evaluated", "rep_activity", "void" };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        char *path;
        cr_assert (asprintf (&path, "%s/%s.csv", s_dir, ml_ledger_name (kinds[i])) > 0);
        FILE *f = fopen (path, "wb");
        cr_assert_eq (ml_ledger_template (kinds[i], f), 0, "%s", kinds[i]);
        fclose (f);
        char err[512] = "";
        ml_ledger_t *ledger = ml_ledger_open (path, err, sizeof err);
        cr_assert (ledger, "%s: %s", kinds[i], err);
        cr_assert_str_eq (ml_ledger_kind (ledger), kinds[i]);
        s_got_t got = { 0 };
        ml_ledger_each (ledger, s_collect, &got);
        cr_assert_eq (got.nrows, 1, "%s: %s", kinds[i], got.errors[0]);
        //  A commitment's template names a person; an org's sample would need both, so drop org.
        if (strcmp (kinds[i], "commitment") == 0)
            json_object_del (got.rows[0], "org");
        ml_verr_t verr;
        Massline__Event *ev = ml_event_from_json (got.rows[0], &verr);
        cr_assert (ev, "%s: %s: %s", kinds[i], verr.field, verr.reason);
        ml_vctx_t ctx = { NULL, NULL, NULL, ml_date_from_ymd (2026, 11, 26) };
        cr_assert_eq (ml_event_validate (ev, &ctx, &verr), 0, "%s: %s: %s", kinds[i], verr.field, verr.reason);
        ml_event_free (&ev);
        s_free (&got);
        ml_ledger_destroy (&ledger);
        free (path);
    }
}
