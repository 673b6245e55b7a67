/* test_render_pdf.c -- the official PDF documents, rendered for real and read back with poppler
   (pdftotext, pdffonts, pdfinfo): title, unit, signature names, page numbers, embedded CJK
   fonts, A4 pages, byte-identical renders, the digest in the footer. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_render.h"
#include "ml_test.h"

TestSuite (render_pdf, .init = t_dir_setup, .fini = t_dir_teardown);

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

//  Renders REPORT as PDF into NAME in the temp folder; returns its path.
static const char *
s_render (const json_t *report, const char *name)
{
    const char *path = t_path ("%s", name);
    FILE *out = fopen (path, "wb");
    cr_assert (out, "%s: cannot create", path);
    char err [256] = "";
    int rc = ml_render (report, ML_FORMAT_PDF, out, err, sizeof err);
    cr_assert_eq (fclose (out), 0);
    cr_assert_eq (rc, 0, "pdf render failed: %s", err);
    return path;
}

//  The standard output of the shell COMMAND (printf-formatted); asserts exit 0. Caller frees.
static char *
s_run (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
static char *
s_run (const char *fmt, ...)
{
    char command [2048];
    va_list args;
    va_start (args, fmt);
    vsnprintf (command, sizeof command, fmt, args);
    va_end (args);
    FILE *pipe = popen (command, "r");
    cr_assert (pipe, "%s: cannot run", command);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream (&text, &len);
    char buf [4096];
    size_t got;
    while ((got = fread (buf, 1, sizeof buf, pipe)) > 0)
        fwrite (buf, 1, got, mem);
    fclose (mem);
    int status = pclose (pipe);
    cr_assert_eq (status, 0, "%s exited with status %d", command, status);
    return text;
}

static char *
s_text (const char *pdf)
{
    return s_run ("pdftotext -layout '%s' -", pdf);
}

//  The page count pdfinfo reports.
static int
s_pages (const char *pdf)
{
    char *info = s_run ("pdfinfo '%s'", pdf);
    const char *at = strstr (info, "Pages:");
    cr_assert (at, "pdfinfo: no page count: %s", info);
    int pages = atoi (at + 6);
    free (info);
    return pages;
}

//  Asserts that TEXT carries "第 n 页 共 PAGES 页" for every page and not for one more.
static void
s_assert_page_numbers (const char *text, int pages)
{
    char line [64];
    for (int page = 1; page <= pages; page++) {
        snprintf (line, sizeof line, "第 %d 页 共 %d 页", page, pages);
        cr_assert (strstr (text, line), "no '%s' in the text", line);
    }
    snprintf (line, sizeof line, "第 %d 页", pages + 1);
    cr_assert_null (strstr (text, line), "a page %d beyond %d", pages + 1, pages);
}

//  Asserts that the line of TEXT holding LABEL also holds WORD.
static void
s_assert_line_has (const char *text, const char *label, const char *word)
{
    const char *at = strstr (text, label);
    cr_assert (at, "no '%s' in the text", label);
    const char *start = at, *end = strchr (at, '\n');
    while (start > text && start [-1] != '\n')
        start--;
    if (!end)
        end = at + strlen (at);
    cr_assert (memmem (start, (size_t) (end - start), word, strlen (word)),
               "'%s' is not on the line of '%s': %.*s", word, label, (int) (end - start), start);
}

//  The unit-annual fixture with a submission accepted by the bureau.
static json_t *
s_submitted (void)
{
    json_t *report = s_fixture ("unit_annual");
    json_object_set_new (report, "submission", json_pack ("{s:s, s:i, s:s, s:s, s:s, s:s, s:s}",
        "state", "accepted", "version", 2, "filler", "P004", "reviewer", "P003",
        "approver", "P001", "decided_by", "周审核", "decided_at", "2026-01-20T09:30:00Z"));
    return report;
}

//  A unit-annual of COUNT persons: the fixture's four again and again, each named anew.
static json_t *
s_many_persons (int count)
{
    json_t *report = s_fixture ("unit_annual");
    json_t *persons = json_object_get (report, "persons"), *many = json_array ();
    for (int i = 0; i < count; i++) {
        json_t *person = json_deep_copy (json_array_get (persons, (size_t) i % json_array_size (persons)));
        char id [16], name [64];
        snprintf (id, sizeof id, "T%03d", i + 1);
        snprintf (name, sizeof name, "测试人员%02d号", i + 1);
        json_object_set_new (person, "person", json_string (id));
        json_object_set_new (person, "name", json_string (name));
        json_array_append_new (many, person);
    }
    json_object_set_new (report, "persons", many);
    return report;
}

//  -------------------------------------------------------------------------

Test (render_pdf, unit_annual_shows_head_unit_signature_names_and_pages)
{
    json_t *report = s_submitted ();
    const char *pdf = s_render (report, "H001-2025.pdf");
    char *text = s_text (pdf);
    int pages = s_pages (pdf);
    cr_assert_gt (pages, 1, "the fixture's persons fit on one page?");
    const char *wanted [] = {
        "中共镇江市卫生局委员会", "直接联系群众工作单位年度报告", "镇江市第一人民医院",
        "镇卫党台〔2025〕H001-2", "填报人", "审核人", "负责人", "日", "盖章",
        "王芳", "李明", "张建国", "已审核通过", "周审核",
        "2025年1月1日至2025年12月31日", "分制度达标情况", "人员履职明细"
    };
    for (size_t i = 0; i < sizeof wanted / sizeof wanted [0]; i++)
        cr_assert (strstr (text, wanted [i]), "no '%s' in:\n%s", wanted [i], text);
    s_assert_page_numbers (text, pages);
    //  The names stand in the signature block: 填报人 王芳 审核人 李明 / 负责人 张建国.
    s_assert_line_has (text, "填报人：", "王芳");
    s_assert_line_has (text, "填报人：", "李明");
    s_assert_line_has (text, "负责人：", "张建国");
    //  Chinese labels only: no metric key or status key of the JSON shows.
    const char *keys [] = { "research_days", "reception_months", "unmet", "not_applicable", "main_leader" };
    for (size_t i = 0; i < sizeof keys / sizeof keys [0]; i++)
        cr_assert_null (strstr (text, keys [i]), "raw key '%s' in the document", keys [i]);
    //  The footer carries the digest of the report on every page.
    char digest [65];
    cr_assert_eq (ml_render_digest (report, digest), 0);
    size_t count = 0;
    for (const char *at = strstr (text, digest); at; at = strstr (at + 1, digest))
        count++;
    cr_assert_eq (count, (size_t) pages, "digest %s on %zu of %d pages", digest, count, pages);
    free (text);
    json_decref (report);
}

Test (render_pdf, without_a_submission_the_signature_lines_are_blank)
{
    json_t *report = s_fixture ("unit_annual");
    char *text = s_text (s_render (report, "draft.pdf"));
    cr_assert (strstr (text, "未报送"), "%s", text);
    cr_assert (strstr (text, "填报人") && strstr (text, "负责人"), "%s", text);
    cr_assert (strstr (text, "镇卫党台〔2025〕H001-1"), "%s", text);
    //  The line of 填报人 and 审核人 carries no name.
    const char *line = strstr (text, "填报人：");
    cr_assert (line);
    const char *end = strchr (line, '\n');
    cr_assert (end && !memmem (line, (size_t) (end - line), "王芳", strlen ("王芳"))
                   && !memmem (line, (size_t) (end - line), "李明", strlen ("李明")),
               "a name on an unsigned document: %.*s", (int) (end - line), line);
    free (text);
    json_decref (report);
}

Test (render_pdf, cjk_fonts_are_embedded)
{
    json_t *report = s_submitted ();
    char *fonts = s_run ("pdffonts '%s'", s_render (report, "fonts.pdf"));
    int cjk = 0, lines = 0;
    char *save = NULL;
    for (char *line = strtok_r (fonts, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
        if (strncmp (line, "name", 4) == 0 || strncmp (line, "----", 4) == 0)
            continue;
        char name [256], type1 [64], type2 [64], type3 [64], encoding [64], emb [8];
        //  "ABCDEF+NotoSansCJKsc-Regular  CID Type 0C  Identity-H  yes yes yes  9  0"
        cr_assert_eq (sscanf (line, "%255s %63s %63s %63s %63s %7s", name, type1, type2, type3,
                              encoding, emb), 6, "pdffonts line: %s", line);
        cr_assert_str_eq (emb, "yes", "font not embedded: %s", line);
        cjk += strstr (name, "CJK") != NULL;
        lines++;
    }
    cr_assert_geq (cjk, 2, "CJK fonts: %d of %d", cjk, lines);
    free (fonts);
    json_decref (report);
}

Test (render_pdf, forty_persons_stay_on_a4_and_all_appear)
{
    json_t *report = s_many_persons (40);
    const char *pdf = s_render (report, "forty.pdf");
    char *info = s_run ("pdfinfo -f 1 -l 999 '%s'", pdf);
    int pages = s_pages (pdf);
    //  Every page A4 portrait: 595.276 x 841.89 points.
    size_t sizes = 0;
    for (const char *at = strstr (info, "\nPage "); at; at = strstr (at + 1, "\nPage ")) {
        double width = 0, height = 0;
        int page;
        if (sscanf (at, "\nPage %d size: %lf x %lf pts", &page, &width, &height) != 3)
            continue;           //  the "rot:" line
        cr_assert (width > 595 && width < 596 && height > 841 && height < 842,
                   "page %d is %g x %g", page, width, height);
        sizes++;
    }
    cr_assert_eq (sizes, (size_t) pages, "%zu page sizes for %d pages:\n%s", sizes, pages, info);
    char *text = s_text (pdf);
    for (int i = 1; i <= 40; i++) {
        char name [64];
        snprintf (name, sizeof name, "测试人员%02d号", i);
        cr_assert (strstr (text, name), "person %d is missing", i);
    }
    s_assert_page_numbers (text, pages);
    free (text);
    free (info);
    json_decref (report);
}

Test (render_pdf, the_same_report_gives_the_same_bytes)
{
    json_t *report = s_submitted ();
    const char *one = s_render (report, "one.pdf");
    const char *two = s_render (report, "two.pdf");
    char *same = s_run ("cmp '%s' '%s' && echo same", one, two);
    cr_assert_str_eq (same, "same\n");
    free (same);
    //  The creation date is the decision's, not the clock's.
    char *info = s_run ("pdfinfo -isodates '%s'", one);
    cr_assert (strstr (info, "2026-01-20T09:30:00"), "%s", info);
    free (info);
    //  A changed report is a different document.
    json_object_set_new (json_object_get (report, "submission"), "version", json_integer (3));
    char *diff = s_run ("cmp -s '%s' '%s' || echo differ", one, s_render (report, "three.pdf"));
    cr_assert_str_eq (diff, "differ\n");
    free (diff);
    json_decref (report);
}

Test (render_pdf, rollup_and_cadre_are_documents_too)
{
    json_t *rollup = s_fixture ("rollup");
    const char *pdf = s_render (rollup, "rollup.pdf");
    char *text = s_text (pdf);
    cr_assert (strstr (text, "直接联系群众工作全局汇总") && strstr (text, "镇卫党台〔2025〕汇总-1")
            && strstr (text, "镇江市中医院") && strstr (text, "各单位达标情况"), "%s", text);
    s_assert_page_numbers (text, s_pages (pdf));
    free (text);
    json_decref (rollup);
    json_t *cadre = s_fixture ("cadre");
    pdf = s_render (cadre, "cadre.pdf");
    text = s_text (pdf);
    const char *name = json_string_value (json_object_get (json_object_get (cadre, "person"), "name"));
    cr_assert (strstr (text, "领导干部述职述廉附件") && strstr (text, name)
            && strstr (text, "填报人"), "%s", text);
    s_assert_page_numbers (text, s_pages (pdf));
    free (text);
    json_decref (cadre);
}

Test (render_pdf, issuer_comes_from_the_report_else_the_settings)
{
    json_t *report = s_fixture ("unit_annual");
    ml_document_t doc = { "中共示例市卫生健康委员会", "示卫党" };
    cr_assert_eq (ml_render_set_document (&doc), 0);
    char *text = s_text (s_render (report, "set.pdf"));
    cr_assert (strstr (text, "中共示例市卫生健康委员会") && strstr (text, "示卫党〔2025〕H001-1"), "%s", text);
    cr_assert_null (strstr (text, "中共镇江市卫生局委员会"));
    free (text);
    json_object_set_new (report, "issuer", json_string ("中共报告中的委员会"));
    text = s_text (s_render (report, "own.pdf"));
    cr_assert (strstr (text, "中共报告中的委员会"), "%s", text);
    free (text);
    char long_name [300];
    memset (long_name, 'x', sizeof long_name - 1);
    long_name [sizeof long_name - 1] = 0;
    ml_document_t too_long = { long_name, NULL };
    cr_assert_eq (ml_render_set_document (&too_long), ML_EINVAL);
    cr_assert_eq (ml_render_set_document (NULL), 0);
    json_object_del (report, "issuer");
    text = s_text (s_render (report, "default.pdf"));
    cr_assert (strstr (text, "中共镇江市卫生局委员会") && strstr (text, "镇卫党台〔2025〕"), "%s", text);
    free (text);
    json_decref (report);
}

Test (render_pdf, digest_is_over_canonical_json)
{
    json_t *a = json_loads ("{\"report\": \"rollup\", \"year\": 2025, \"units\": [], \"名\": \"镇江\"}", 0, NULL);
    json_t *b = json_loads ("{\"名\": \"镇江\", \"units\": [], \"year\": 2025, \"report\": \"rollup\"}", 0, NULL);
    char da [65], db [65];
    cr_assert_eq (ml_render_digest (a, da), 0);
    cr_assert_eq (ml_render_digest (b, db), 0);
    cr_assert_str_eq (da, db, "key order changed the digest");
    //  sha256 of the canonical text, as docs/reports.md says: printf '%s' TEXT | sha256sum
    char *sum = s_run ("printf '%%s' '{\"report\":\"rollup\",\"units\":[],\"year\":2025,\"名\":\"镇江\"}' | sha256sum");
    cr_assert (strncmp (sum, da, 64) == 0, "digest %s, sha256sum %s", da, sum);
    free (sum);
    json_object_set_new (b, "year", json_integer (2026));
    cr_assert_eq (ml_render_digest (b, db), 0);
    cr_assert_str_neq (da, db);
    json_decref (a);
    json_decref (b);
}

//  A completeness report (issue 12) of COUNT units, twelve months each: on time, late,
//  missing, and not yet due for December.
static json_t *
s_completeness (int count)
{
    static const char *const statuses [] = { "on_time", "on_time", "late", "missing" };
    json_t *units = json_array ();
    for (int u = 0; u < count; u++) {
        json_t *months = json_array ();
        for (int m = 1; m <= 12; m++) {
            char month [32], due [48];
            snprintf (month, sizeof month, "2025-%02d", m);
            snprintf (due, sizeof due, "%s-10", m == 12? "2026-01": month);
            json_array_append_new (months, json_pack ("{s:s, s:s, s:s, s:i}", "month", month,
                "status", m == 12? "not_due": statuses [(m + u) % 4], "due", due, "late_additions", 0));
        }
        char id [16], name [64];
        snprintf (id, sizeof id, "U%03d", u + 1);
        snprintf (name, sizeof name, "报送测试单位%02d号", u + 1);
        json_array_append_new (units, json_pack ("{s:s, s:s, s:o, s:f, s:f}", "unit", id,
            "unit_name", name, "months", months, "reporting_rate", 0.75, "timeliness_rate", 0.5));
    }
    return json_pack ("{s:s, s:i, s:i, s:s, s:o}", "report", "completeness", "year", 2025,
                      "due_day", 10, "as_of", "2025-12-20", "units", units);
}

static json_t *
s_supervision (void)
{
    json_t *rows = json_pack ("[{s:s, s:s, s:s, s:i, s:s, s:s, s:s}]", "unit", "U001",
        "unit_name", "督查测试单位", "person", "P001", "year", 2025, "rule", "1.1",
        "state", "overdue", "deadline", "2026-03-31");
    return json_pack ("{s:s, s:i, s:s, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i}, s:o}",
        "report", "supervision", "year", 2025, "as_of", "2026-04-01", "counts",
        "opened", 1, "talked", 1, "rectified_on_time", 0, "rectified_late", 0, "overdue", 1,
        "open", 0, "carried_over", 0, "rows", rows);
}

//  Every kind the renderer knows (ml_render.c s_kinds) gives a PDF with its title and pages:
//  none of them may fall through to a missing body.
Test (render_pdf, every_kind_renders)
{
    struct { const char *name; json_t *report; const char *title; } kinds [] = {
        { "unit-annual", s_fixture ("unit_annual"), "直接联系群众工作单位年度报告" },
        { "rollup", s_fixture ("rollup"), "直接联系群众工作全局汇总" },
        { "cadre", s_fixture ("cadre"), "领导干部述职述廉附件" },
        { "bulletin", s_fixture ("bulletin"), "直接联系群众工作进度通报" },
        { "watchlist", s_fixture ("watchlist"), "督查名单" },
        { "completeness", s_completeness (3), "台账报送情况" },
        { "supervision", s_supervision (), "督查整改情况" },
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds [0]; i++) {
        cr_assert_str_eq (json_string_value (json_object_get (kinds [i].report, "report")), kinds [i].name);
        char name [64];
        snprintf (name, sizeof name, "%s.pdf", kinds [i].name);
        const char *pdf = s_render (kinds [i].report, name);
        char *text = s_text (pdf);
        cr_assert (strstr (text, kinds [i].title), "%s: no '%s' in: %s", kinds [i].name, kinds [i].title, text);
        s_assert_page_numbers (text, s_pages (pdf));
        free (text);
        json_decref (kinds [i].report);
    }
}

Test (render_pdf, completeness_is_a_units_by_months_grid_on_a4)
{
    json_t *report = s_completeness (60);
    const char *pdf = s_render (report, "completeness.pdf");
    char *text = s_text (pdf), *info = s_run ("pdfinfo '%s'", pdf);
    cr_assert (strstr (info, "595.276 x 841.89") || strstr (info, "595.28 x 841.89"), "not A4: %s", info);
    cr_assert (strstr (text, "镇卫党台〔2025〕报送-1"), "%s", text);
    s_assert_line_has (text, "报送测试单位01号", "75.0%");
    s_assert_line_has (text, "报送测试单位01号", "50.0%");
    s_assert_line_has (text, "1月", "12月");
    for (int u = 1; u <= 60; u++) {
        char name [64];
        snprintf (name, sizeof name, "报送测试单位%02d号", u);
        cr_assert (strstr (text, name), "no '%s' in the text", name);
    }
    int pages = s_pages (pdf);
    cr_assert_gt (pages, 1, "60 units on one page");
    s_assert_page_numbers (text, pages);
    free (info);
    free (text);
    json_decref (report);
}

//  The organisation a person belongs to is shown by the org ledger's name, as the HTML and text
//  reports show it, not by its code alone.
Test (render_pdf, organisations_are_shown_by_name)
{
    json_t *cadre = s_fixture ("cadre");
    char *text = s_text (s_render (cadre, "cadre-org.pdf"));
    s_assert_line_has (text, "所在组织", "院党委");
    free (text);
    json_decref (cadre);
    json_t *report = s_fixture ("unit_annual");
    text = s_text (s_render (report, "unit-org.pdf"));
    cr_assert (strstr (text, "外科党支部") && strstr (text, "护理党支部"), "no branch names: %s", text);
    free (text);
    json_decref (report);
}
