/* test_ledger.c -- CSV ledgers: encodings, quoting, line numbers, header names, cell conversion,
   templates that the importer reads back and that match ops/templates, and CSV imports into a
   real outbox. */
#include <criterion/criterion.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_event.h"
#include "ml_import.h"
#include "ml_ledger.h"
#include "ml_outbox.h"
#include "ml_test.h"

TestSuite (ledger, .init = t_dir_setup, .fini = t_dir_teardown);

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
    const char *path = t_write_bytes ("2025年接访台账.csv", data, strlen (data));
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
}

Test (ledger, gb18030_is_read_through_iconv)
{
    iconv_t cd = iconv_open ("GB18030", "UTF-8");
    char out[1024];
    char *src = (char *) s_reception, *dst = out;
    size_t left = strlen (s_reception), room = sizeof out;
    cr_assert_neq (iconv (cd, &src, &left, &dst, &room), (size_t) -1);
    iconv_close (cd);
    const char *path = t_write_bytes ("接访台账.csv", out, (size_t) (dst - out));
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
        const char *path = t_write_bytes (cases[i].name, cases[i].text, strlen (cases[i].text));
        char err[512] = "";
        ml_ledger_t *ledger = ml_ledger_open (path, err, sizeof err);
        cr_assert_null (ledger, "case %zu", i);
        cr_assert (strstr (err, cases[i].want), "case %zu: got '%s'", i, err);
        cr_assert (strncmp (err, path, strlen (path)) == 0, "case %zu names the file: %s", i, err);
    }
}

Test (ledger, cell_errors_and_booleans)
{
    const char *text = "date,person,end,stationed,unannounced\n"
                       "2025-05-06,P001,2025-05-08,是,否\n"
                       "2025-05-10,P001,2025/2/30,可能,否\n";
    const char *path = t_write_bytes ("research_trip.csv", text, strlen (text));
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
}

Test (ledger, bad_date_is_left_for_the_validator)
{
    const char *text = "日期,人员编号,接访方式,公布日期\n2025-03-05,P001,定点接访,2026/2/30\n";
    const char *path = t_write_bytes ("接访台账.csv", text, strlen (text));
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
}

Test (ledger, person_rows_merge_roles)
{
    const char *text = "人员编号,姓名,党组织,职务类别,开始日期,结束日期\n"
                       "P001,张伟,B01,主要领导,2025-01-01,\n"
                       "P002,李娜,B01,班子成员,2025-07-01,\n"
                       "P001,张伟,B01,市党代表,2022-01-01,2026-12-31\n";
    const char *path = t_write_bytes ("人员台账.csv", text, strlen (text));
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
}

Test (ledger, correction_row)
{
    const char *text = "编号,日期,人员编号,接访方式,更正编号\n,2025-03-06,P001,定点接访,H001-RD-0001\n";
    const char *path = t_write_bytes ("接访台账.csv", text, strlen (text));
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
        const char *path = t_path ("%s.csv", ml_ledger_name (kinds[i]));
        FILE *f = fopen (path, "wb");
        cr_assert_eq (ml_ledger_template (kinds[i], f), 0, "%s", kinds[i]);
        fclose (f);
        char err[512] = "";
        ml_ledger_t *ledger = ml_ledger_open (path, err, sizeof err);
        cr_assert (ledger, "%s: %s", kinds[i], err);
        cr_assert_str_eq (ml_ledger_kind (ledger), kinds[i]);
        s_got_t got = { 0 };
        ml_ledger_each (ledger, s_collect, &got);
        //  the sample row, marked 示例, is refused; unmarked, it is a valid event
        cr_assert_eq (got.nerrors, 1, "%s: the sample row is refused", kinds[i]);
        cr_assert (strstr (got.errors[0], "编号: the template's sample row (示例)"), "%s", got.errors[0]);
        ml_ledger_destroy (&ledger);
        char *text = NULL;
        size_t len = 0;
        FILE *mem = open_memstream (&text, &len);
        ml_ledger_template (kinds[i], mem);
        fclose (mem);
        char *mark = strstr (text, "\n示例,");
        cr_assert (mark, "%s: the sample row starts with 示例", kinds[i]);
        memmove (mark + 1, mark + 1 + strlen ("示例"), strlen (mark + 1 + strlen ("示例")) + 1);
        t_write_bytes (ml_ledger_name (kinds[i]), text, strlen (text));
        free (text);
        ledger = ml_ledger_open (t_path ("%s", ml_ledger_name (kinds[i])), err, sizeof err);
        cr_assert (ledger, "%s: %s", kinds[i], err);
        got = (s_got_t) { 0 };
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
    }
}

//  ---------------------------------------------------------------------------
//  Templates: the committed files are what the generator writes, byte for byte

Test (ledger, committed_templates_are_what_the_generator_writes)
{
    size_t kinds = 0;
    for (size_t i = 0; ml_ledger_kind_at (i); i++, kinds++) {
        const char *kind = ml_ledger_kind_at (i);
        char *made = NULL;
        size_t made_len = 0;
        FILE *out = open_memstream (&made, &made_len);
        cr_assert_eq (ml_ledger_template (kind, out), 0, "%s", kind);
        fclose (out);
        const char *path = t_source_path ("ops/templates/%s.csv", ml_ledger_name (kind));
        FILE *in = fopen (path, "rb");
        cr_assert_not_null (in, "%s is missing: run massline-agent template --all ops/templates", path);
        char *committed = malloc (made_len + 2);
        size_t got = fread (committed, 1, made_len + 1, in);
        fclose (in);
        cr_assert (got == made_len && memcmp (committed, made, made_len) == 0,
                   "%s differs from what `massline-agent template %s` writes: regenerate it with "
                   "massline-agent template --all ops/templates", path, kind);
        free (committed);
        free (made);
    }
    cr_assert_eq (kinds, 33, "one template per kind of ledger, void included");
    cr_assert_str_eq (ml_ledger_kind_at (kinds - 1), "void");
    //  and no stray template the generator no longer writes
    char *cmd;
    cr_assert (asprintf (&cmd, "ls '%s' | grep -c '\\.csv$'", t_source_path ("ops/templates")) > 0);
    FILE *ls = popen (cmd, "r");
    int files = -1;
    cr_assert_eq (fscanf (ls, "%d", &files), 1);
    pclose (ls);
    free (cmd);
    cr_assert_eq ((size_t) files, kinds, "ops/templates holds %d CSV files for %zu ledgers", files, kinds);
}

Test (ledger, names_kinds_and_labels)
{
    cr_assert_str_eq (ml_ledger_kind_named ("接访台账"), "reception_day");
    cr_assert_str_eq (ml_ledger_kind_named ("reception_day"), "reception_day");
    cr_assert_str_eq (ml_ledger_kind_named ("作废台账"), "void");
    cr_assert_null (ml_ledger_kind_named ("correction"), "corrections are rows, not a ledger");
    cr_assert_null (ml_ledger_kind_named ("账"));
    cr_assert_str_eq (ml_ledger_label ("reception_day", "announced"), "公布日期");
    cr_assert_str_eq (ml_ledger_label ("reception_day", "mode"), "接访方式");
    cr_assert_str_eq (ml_ledger_label ("talk", "mode"), "谈话方式");
    cr_assert_str_eq (ml_ledger_label ("reception_day", "event.announced"), "公布日期");
    cr_assert_str_eq (ml_ledger_label ("person", "roles[1].from"), "开始日期");
    cr_assert_str_eq (ml_ledger_label ("talk", "colour"), "colour");
    cr_assert_str_eq (ml_ledger_label ("talk", ""), "");
}

Test (ledger, unknown_enum_value_names_the_chinese_values)
{
    const char *text = "日期,人员编号,谈话对象,对象类别,谈话方式\n"
                       "2025-01-02,P001,王芳,群众,上门\n"
                       "2025-01-03,P001,王芳,群众,定点接访\n"
                       "2025-01-04,P001,王芳,masses,phone\n";
    const char *path = t_write_bytes ("谈心谈话台账.csv", text, strlen (text));
    char err[512] = "";
    ml_ledger_t *ledger = ml_ledger_open (path, err, sizeof err);
    cr_assert (ledger, "%s", err);
    s_got_t got = { 0 };
    ml_ledger_each (ledger, s_collect, &got);
    cr_assert_eq (got.nrows, 2);
    cr_assert_str_eq (s_str (got.rows[0], "mode"), "home_visit");
    cr_assert_str_eq (s_str (got.rows[1], "mode"), "phone", "the English value is taken too");
    cr_assert_eq (got.nerrors, 1);
    cr_assert_str_eq (got.errors[0], "3: 谈话方式: unknown value '定点接访' (expected one of 当面, 电话, 上门)",
                      "a reception mode is no talk mode");
    s_free (&got);
    ml_ledger_destroy (&ledger);
}

//  ---------------------------------------------------------------------------
//  Importing a CSV ledger into a real outbox (ml_import)

//  Imports PATH as NAME into OB; the error lines go to *ERRORS (caller frees).
static int
s_import (ml_outbox_t *ob, const char *path, const char *name, char **errors,
          size_t *recorded, size_t *skipped)
{
    size_t len = 0;
    *errors = NULL;
    FILE *copy = open_memstream (errors, &len);
    ml_import_t *imp = ml_import_new (ob, name, ml_date_from_ymd (2026, 11, 26));
    ml_import_copy_errors (imp, copy);
    *recorded = *skipped = 99;
    int rc = ml_import_read_csv (imp, path);
    if (rc == 0)
        rc = ml_import_commit (imp, recorded, skipped);
    ml_import_destroy (&imp);
    fclose (copy);
    return rc;
}

static ml_outbox_t *
s_outbox (void)
{
    char err[512] = "";
    ml_outbox_t *ob = ml_outbox_open (t_path ("outbox"), 0, err, sizeof err);
    cr_assert_not_null (ob, "%s", err);
    return ob;
}

static uint64_t
s_events (ml_outbox_t *ob)
{
    ml_outbox_stat_t st;
    cr_assert_eq (ml_outbox_stat (ob, &st), 0);
    return st.events;
}

static const char s_persons[] = "人员编号,姓名,职务类别,开始日期\n"
                                "P001,张伟,主要领导,2025-01-01\n"
                                "P002,李娜,班子成员,2025-01-01\n";

Test (ledger, import_names_the_files_headers_and_is_all_or_nothing)
{
    ml_outbox_t *ob = s_outbox ();
    char *errors;
    size_t recorded, skipped;
    const char *persons = t_write_bytes ("人员台账.csv", s_persons, strlen (s_persons));
    cr_assert_eq (s_import (ob, persons, "人员台账.csv", &errors, &recorded, &skipped), 0, "%s", errors);
    cr_assert_eq (recorded, 2);
    free (errors);

    const char *bad = "编号,日期,人员编号,接访方式,公布日期,备注\n"
                      "JF-1,2025-03-05,P001,定点接访,2025-02-28,\n"
                      "JF-2,2025-03-06,P001,定点接访,2026/2/30,\n"
                      "JF-3,2025-03-07,P009,公开接访,,\n"
                      "JF-4,2026-12-01,P002,公开接访,,\n"
                      "JF-5,2025-03-08,P002,公开接访,,\n";
    const char *path = t_write_bytes ("接访台账.csv", bad, strlen (bad));
    cr_assert_eq (s_import (ob, path, "接访台账.csv", &errors, &recorded, &skipped), ML_EINVAL);
    cr_assert_str_eq (errors,
        "接访台账.csv:3: field '公布日期': not a date (2026/2/30)\n"
        "接访台账.csv:4: field '人员编号': unknown person 'P009'\n"
        "接访台账.csv:5: field '日期': after today (2026-12-01 > 2026-11-26)\n");
    cr_assert_eq (s_events (ob), 2, "nothing of the file is recorded");
    free (errors);

    //  a wrong ledger is one line about the file
    const char *headless = "日期,接访方式\n2025-03-05,定点接访\n";
    path = t_write_bytes ("接访台账.csv", headless, strlen (headless));
    cr_assert_eq (s_import (ob, path, "接访台账.csv", &errors, &recorded, &skipped), ML_EINVAL);
    cr_assert_str_eq (errors, "接访台账.csv: missing column '人员编号' (person) of 接访台账\n");
    free (errors);
    ml_outbox_close (&ob);
}

Test (ledger, reimport_adds_only_what_is_new)
{
    ml_outbox_t *ob = s_outbox ();
    char *errors;
    size_t recorded, skipped;
    const char *persons = t_write_bytes ("人员台账.csv", s_persons, strlen (s_persons));
    cr_assert_eq (s_import (ob, persons, "人员台账.csv", &errors, &recorded, &skipped), 0, "%s", errors);
    free (errors);
    //  rows without 编号: their refs come from their content
    char text[1024] = "日期,人员编号,接访方式,公布日期,备注\n"
                      "2025-03-05,P001,定点接访,2025-02-28,门诊楼\n"
                      "2025/3/6,P002,公开接访,,\n";
    const char *path = t_write_bytes ("接访台账.csv", text, strlen (text));
    cr_assert_eq (s_import (ob, path, "接访台账.csv", &errors, &recorded, &skipped), 0, "%s", errors);
    cr_assert_eq (recorded, 2);
    free (errors);
    cr_assert_eq (s_import (ob, path, "接访台账.csv", &errors, &recorded, &skipped), 0, "%s", errors);
    cr_assert_eq (recorded, 0, "the same file again adds nothing");
    cr_assert_eq (skipped, 2);
    free (errors);

    //  extended by a row, and the note of the first row edited: only the new row is new
    strcat (text, "2025-03-09,P001,专题接访,2025-03-01,\n");
    char *edited = strstr (text, "门诊楼");
    memcpy (edited, "急诊楼", strlen ("急诊楼"));
    path = t_write_bytes ("接访台账.csv", text, strlen (text));
    cr_assert_eq (s_import (ob, path, "接访台账.csv", &errors, &recorded, &skipped), 0, "%s", errors);
    cr_assert_eq (recorded, 1);
    cr_assert_eq (skipped, 2, "the row with another note is the same event, kept as recorded");
    cr_assert_eq (s_events (ob), 2 + 3);
    free (errors);

    //  any other cell changed: a new event (the old one is to be voided)
    edited = strstr (text, "2025/3/6");
    memcpy (edited, "2025/3/7", strlen ("2025/3/7"));
    path = t_write_bytes ("接访台账.csv", text, strlen (text));
    cr_assert_eq (s_import (ob, path, "接访台账.csv", &errors, &recorded, &skipped), 0, "%s", errors);
    cr_assert_eq (recorded, 1);
    free (errors);
    ml_outbox_close (&ob);
}

Test (ledger, correction_rows_make_the_next_version)
{
    ml_outbox_t *ob = s_outbox ();
    char *errors;
    size_t recorded, skipped;
    const char *persons = t_write_bytes ("人员台账.csv", s_persons, strlen (s_persons));
    cr_assert_eq (s_import (ob, persons, "人员台账.csv", &errors, &recorded, &skipped), 0, "%s", errors);
    free (errors);
    const char *first = "编号,日期,人员编号,接访方式,公布日期\nJF-1,2025-03-05,P001,定点接访,2025-02-28\n";
    const char *path = t_write_bytes ("接访台账.csv", first, strlen (first));
    cr_assert_eq (s_import (ob, path, "接访台账.csv", &errors, &recorded, &skipped), 0, "%s", errors);
    free (errors);
    //  the fixed row names the ref it corrects in 更正编号; its own errors name the file's headers
    const char *fix = "日期,人员编号,接访方式,公布日期,更正编号\n"
                      "2025-03-05,P001,定点接访,2025-03-01,JF-1\n"
                      "2025-03-05,P001,定点接访,2025/2/30,JF-2\n";
    path = t_write_bytes ("接访台账更正.csv", fix, strlen (fix));
    cr_assert_eq (s_import (ob, path, "接访台账更正.csv", &errors, &recorded, &skipped), ML_EINVAL);
    cr_assert_str_eq (errors, "接访台账更正.csv:3: field '公布日期': not a date (2025/2/30)\n",
                      "the inner event's field is named by the file's header; got: %s", errors);
    free (errors);
    path = t_write_bytes ("接访台账更正.csv", fix, strlen (fix) - strlen ("2025-03-05,P001,定点接访,2025/2/30,JF-2\n"));
    cr_assert_eq (s_import (ob, path, "接访台账更正.csv", &errors, &recorded, &skipped), 0, "%s", errors);
    cr_assert_eq (recorded, 1);
    Massline__Event *ev = NULL;
    ml_outbox_version_t v;
    cr_assert_eq (ml_outbox_current (ob, "JF-1", &ev, &v), 0);
    cr_assert_str_eq (ev->reception_day->announced, "2025-03-01");
    cr_assert_neq (v.version_seq, v.seq, "the version is the correction's");
    ml_event_free (&ev);
    free (errors);
    ml_outbox_close (&ob);
}

//  ---------------------------------------------------------------------------
//  Issue 16: NUL bytes, UTF-8 files with a line in another encoding, derived-form refs

Test (ledger, nul_byte_in_a_cell_refuses_the_row)
{
    static const char text[] = "日期,人员编号,接访方式,公布日期,备注,\n"
                               "2025-03-05,P001,定点接访,2025-02-28,门诊楼,\n"
                               "2025-03-06,P001,定点接访,2025-02-28,门诊\0楼,\n"
                               ",,,,,\0\n";
    const char *path = t_write_bytes ("接访台账.csv", text, sizeof text - 1);
    char err[512] = "";
    ml_ledger_t *ledger = ml_ledger_open (path, err, sizeof err);
    cr_assert (ledger, "%s", err);
    s_got_t got = { 0 };
    cr_assert_eq (ml_ledger_each (ledger, s_collect, &got), 0);
    cr_assert_eq (got.nrows, 1);
    cr_assert_eq (got.nerrors, 2, "a cell cut at a NUL is no good row, nor is a row of a NUL");
    cr_assert_str_eq (got.errors[0], "3: 备注: contains a NUL byte");
    cr_assert_str_eq (got.errors[1], "4: : contains a NUL byte (a column without header)");
    s_free (&got);
    ml_ledger_destroy (&ledger);

    static const char header[] = "日期,人员\0编号,接访方式\n2025-03-05,P001,定点接访\n";
    path = t_write_bytes ("接访台账.csv", header, sizeof header - 1);
    cr_assert_null (ml_ledger_open (path, err, sizeof err));
    char *want;
    cr_assert (asprintf (&want, "%s:1: the header of column 2 contains a NUL byte", path) > 0);
    cr_assert_str_eq (err, want);
    free (want);
}

Test (ledger, nul_byte_import_is_all_or_nothing)
{
    ml_outbox_t *ob = s_outbox ();
    char *errors;
    size_t recorded, skipped;
    const char *persons = t_write_bytes ("人员台账.csv", s_persons, strlen (s_persons));
    cr_assert_eq (s_import (ob, persons, "人员台账.csv", &errors, &recorded, &skipped), 0, "%s", errors);
    free (errors);
    static const char text[] = "日期,人员编号,接访方式,备注\n"
                               "2025-03-05,P001,定点接访,好\n"
                               "2025-03-06,P00\0002,定点接访,\n";
    const char *path = t_write_bytes ("接访台账.csv", text, sizeof text - 1);
    cr_assert_eq (s_import (ob, path, "接访台账.csv", &errors, &recorded, &skipped), ML_EINVAL);
    cr_assert_str_eq (errors, "接访台账.csv:3: field '人员编号': contains a NUL byte\n");
    cr_assert_eq (s_events (ob), 2, "nothing of the file is recorded");
    free (errors);
    ml_outbox_close (&ob);
}

//  TEXT (UTF-8) in GB18030, into OUT; returns the length.
static size_t
s_to_gb18030 (const char *text, char *out, size_t cap)
{
    iconv_t cd = iconv_open ("GB18030", "UTF-8");
    char *src = (char *) text, *dst = out;
    size_t left = strlen (text), room = cap;
    cr_assert_neq (iconv (cd, &src, &left, &dst, &room), (size_t) -1);
    iconv_close (cd);
    return (size_t) (dst - out);
}

Test (ledger, utf8_file_with_a_gbk_line_is_refused_naming_the_line)
{
    const char *head = "日期,人员编号,接访方式,公布日期,备注\r\n"
                       "2025/3/5,P001,定点接访,2025年2月28日,张三\r\n";
    char data[1024];
    size_t len = strlen (head);
    memcpy (data, head, len);
    len += s_to_gb18030 ("2025-04-02,P001,带案下访,,门诊楼\r\n", data + len, sizeof data - len);
    memcpy (data + len, "2025-04-03,P001,带案下访,,\r\n", strlen ("2025-04-03,P001,带案下访,,\r\n"));
    len += strlen ("2025-04-03,P001,带案下访,,\r\n");
    const char *path = t_write_bytes ("接访台账.csv", data, len);
    char err[512] = "";
    cr_assert_null (ml_ledger_open (path, err, sizeof err), "valid UTF-8 was read as GB18030");
    char *want;
    cr_assert (asprintf (&want, "%s:3: not valid UTF-8, while the rest of the file is; save the "
                         "whole file again as UTF-8 (or all of it as GB18030)", path) > 0);
    cr_assert_str_eq (err, want);
    free (want);

    //  through the import: one line naming file and line
    ml_outbox_t *ob = s_outbox ();
    char *errors;
    size_t recorded, skipped;
    cr_assert_eq (s_import (ob, path, "接访台账.csv", &errors, &recorded, &skipped), ML_EINVAL);
    cr_assert_str_eq (errors, "接访台账.csv:3: not valid UTF-8, while the rest of the file is; save "
                      "the whole file again as UTF-8 (or all of it as GB18030)\n");
    free (errors);

    //  a GB18030 file whose only non-ASCII line is in GB18030 still reads as GB18030
    len = s_to_gb18030 ("date,person,mode,note\r\n2025-04-02,P001,open,门诊楼一楼\r\n", data, sizeof data);
    path = t_write_bytes ("reception_day.csv", data, len);
    ml_ledger_t *ledger = ml_ledger_open (path, err, sizeof err);
    cr_assert (ledger, "%s", err);
    cr_assert_str_eq (ml_ledger_encoding (ledger), "gb18030");
    s_got_t got = { 0 };
    ml_ledger_each (ledger, s_collect, &got);
    cr_assert_eq (got.nrows, 1);
    cr_assert_str_eq (s_str (got.rows[0], "note"), "门诊楼一楼");
    s_free (&got);
    ml_ledger_destroy (&ledger);
    ml_outbox_close (&ob);
}

#define S_DERIVED "~0123456789abcdef01234567"

Test (ledger, a_ref_of_the_derived_form_is_refused_from_people)
{
    ml_outbox_t *ob = s_outbox ();
    char *errors;
    size_t recorded, skipped;
    const char *persons = t_write_bytes ("人员台账.csv", s_persons, strlen (s_persons));
    cr_assert_eq (s_import (ob, persons, "人员台账.csv", &errors, &recorded, &skipped), 0, "%s", errors);
    free (errors);
    const char *csv = "编号,日期,人员编号,接访方式\n"
                      "JF-1,2025-03-05,P001,定点接访\n"
                      S_DERIVED ",2025-03-06,P001,定点接访\n"
                      "~x,2025-03-07,P001,定点接访\n";
    const char *path = t_write_bytes ("接访台账.csv", csv, strlen (csv));
    cr_assert_eq (s_import (ob, path, "接访台账.csv", &errors, &recorded, &skipped), ML_EINVAL);
    cr_assert_str_eq (errors,
        "接访台账.csv:3: field '编号': starts with '~', which is reserved for the refs the agent "
        "derives for rows without one (leave it empty, or give a ref of your own)\n"
        "接访台账.csv:4: field '编号': starts with '~', which is reserved for the refs the agent "
        "derives for rows without one (leave it empty, or give a ref of your own)\n");
    cr_assert_eq (s_events (ob), 2);
    free (errors);

    //  JSONL
    const char *jsonl = "{\"kind\":\"reception_day\",\"ref\":\"" S_DERIVED "\",\"date\":\"2025-03-06\","
                        "\"person\":\"P001\",\"mode\":\"open\"}\n";
    FILE *in = fmemopen ((void *) jsonl, strlen (jsonl), "r");
    size_t len = 0;
    errors = NULL;
    FILE *copy = open_memstream (&errors, &len);
    ml_import_t *imp = ml_import_new (ob, "talks.jsonl", ml_date_from_ymd (2026, 11, 26));
    ml_import_copy_errors (imp, copy);
    cr_assert_eq (ml_import_read_jsonl (imp, in), 0);
    cr_assert_eq (ml_import_commit (imp, &recorded, &skipped), ML_EINVAL);
    ml_import_destroy (&imp);
    fclose (copy);
    fclose (in);
    const char *want = "talks.jsonl:1: field 'ref': starts with '~'";
    cr_assert (strncmp (errors, want, strlen (want)) == 0, "%s", errors);
    free (errors);

    //  record's key=value words
    static char derived_ref[] = "ref=" S_DERIVED;
    char *words[] = { "date=2025-03-06", "person=P001", "mode=open", derived_ref };
    ml_verr_t err = { "", "" };
    Massline__Event *ev = ml_event_from_kv ("reception_day", 4, words, &err);
    cr_assert_null (ev);
    cr_assert_str_eq (err.field, "ref");
    words[3] = "ref=JF-9";
    ev = ml_event_from_kv ("reception_day", 4, words, &err);
    cr_assert_not_null (ev, "%s", err.reason);
    ml_event_free (&ev);

    //  the derived refs themselves: made for rows without 编号, corrected through 更正编号
    const char *plain = "日期,人员编号,接访方式\n2025-03-06,P001,定点接访\n";
    path = t_write_bytes ("接访台账.csv", plain, strlen (plain));
    cr_assert_eq (s_import (ob, path, "接访台账.csv", &errors, &recorded, &skipped), 0, "%s", errors);
    cr_assert_eq (recorded, 1);
    free (errors);
    cr_assert_eq (s_import (ob, path, "接访台账.csv", &errors, &recorded, &skipped), 0, "%s", errors);
    cr_assert_eq (recorded, 0, "the same row again is the same event");
    free (errors);
    cr_assert_eq (s_events (ob), 3);
    ml_outbox_close (&ob);
}
