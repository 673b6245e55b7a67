/* test_xlsx.c -- `massline-agent import` of .xlsx ledgers: a workbook written by libxlsxwriter
   and one built as Excel writes it import as the same CSV does (same refs); bad rows are named
   by the sheet's row and the header as written; corrupt, encrypted and bombed workbooks, and
   the templates' sample rows, are refused with nothing recorded; full-width input. */
#include "ml_harness.h"
#include "ml_date.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>
#include <zip.h>

static const char s_persons[] =
    "人员编号,姓名,党组织,职务类别,开始日期\r\n"
    "P001,张伟,B01,主要领导,2024-01-01\r\n"
    "P002,李娜,B01,班子成员,2024-01-01\r\n";

//  The reception rows every form of the ledger holds: 日期, 人员编号, 接访方式, 公布日期, 备注.
static const char *const s_rows[][5] = {
    { "2026-01-15", "P001", "定点接访", "2026-01-10", "" },
    { "2026-02-12", "P001", "公开接访", "2026-02-05", "门诊楼一楼, 接待室" },
    { "2026-03-12", "P002", "带案下访", "", "" },
};
#define N_ROWS 3
static const char *const s_headers[] = { "日期", "人员编号", "接访方式", "公布日期", "备注" };

static const char *
s_csv (const char *name)
{
    char *text = ml_h_str ("编号,日期,人员编号,接访方式,公布日期,备注\r\n");
    for (int r = 0; r < N_ROWS; r++)
        text = ml_h_str ("%s,%s,%s,%s,%s,%s%s%s\r\n", text, s_rows[r][0], s_rows[r][1], s_rows[r][2],
                         s_rows[r][3], *s_rows[r][4] ? "\"" : "", s_rows[r][4], *s_rows[r][4] ? "\"" : "");
    const char *path = ml_h_str ("%s/%s", ml_h_dir (), name);
    ml_h_write (path, text);
    return path;
}

static const char *
s_by_libxlsxwriter (const char *name)
{
    const char *path = ml_h_str ("%s/%s", ml_h_dir (), name);
    lxw_workbook *wb = workbook_new (path);
    lxw_worksheet *ws = workbook_add_worksheet (wb, "Sheet1");
    lxw_format *date = workbook_add_format (wb);
    format_set_num_format (date, "yyyy/m/d");
    for (int c = 0; c < 5; c++)
        worksheet_write_string (ws, 0, (lxw_col_t) c, s_headers[c], NULL);
    for (int r = 0; r < N_ROWS; r++)
        for (int c = 0; c < 5; c++) {
            int y, m, d;
            if ((c == 0 || c == 3) && sscanf (s_rows[r][c], "%d-%d-%d", &y, &m, &d) == 3) {
                lxw_datetime dt = { y, m, d, 0, 0, 0 };
                worksheet_write_datetime (ws, (lxw_row_t) r + 1, (lxw_col_t) c, &dt, date);
            }
            else if (*s_rows[r][c])
                worksheet_write_string (ws, (lxw_row_t) r + 1, (lxw_col_t) c, s_rows[r][c], NULL);
        }
    cr_assert_eq (workbook_close (wb), LXW_NO_ERROR);
    return path;
}

//  Writes a zip of the NULL-ended (name, text) PARTS to PATH.
static void
s_zip (const char *path, const char *const *parts)
{
    int e;
    zip_t *zip = zip_open (path, ZIP_CREATE | ZIP_TRUNCATE, &e);
    cr_assert_not_null (zip);
    for (int i = 0; parts[i]; i += 2) {
        zip_source_t *src = zip_source_buffer (zip, parts[i + 1], strlen (parts[i + 1]), 0);
        cr_assert (zip_file_add (zip, parts[i], src, ZIP_FL_ENC_UTF_8) >= 0);
    }
    cr_assert_eq (zip_close (zip), 0);
}

#define S_NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
             "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""

//  The workbook as Excel writes it: a merged title row, the header in shared strings, dates as
//  serials in two date formats, 人员编号 as inline strings, an empty trailing row. SHEET_DATA
//  (NULL: from s_rows) replaces the sheet's rows.
static const char *
s_by_hand (const char *name, const char *sheet_data)
{
    //  shared strings: the headers, the modes, the note; the title
    char *sst = ml_h_str ("<sst " S_NS ">");
    for (int c = 0; c < 5; c++)
        sst = ml_h_str ("%s<si><t>%s</t></si>", sst, s_headers[c]);
    for (int r = 0; r < N_ROWS; r++)
        sst = ml_h_str ("%s<si><t>%s</t><phoneticPr fontId=\"1\"/></si><si><r><t>%.9s</t></r><r><rPr><b/></rPr>"
                        "<t xml:space=\"preserve\">%s</t></r></si>", sst, s_rows[r][2], s_rows[r][4],
                        strlen (s_rows[r][4]) > 9 ? s_rows[r][4] + 9 : "");
    sst = ml_h_str ("%s<si><t>2026年接访台账</t></si></sst>", sst);
    int title = 5 + 2 * N_ROWS;
    char *data = ml_h_str ("<sheetData><row r=\"1\" spans=\"1:5\" ht=\"30\" customHeight=\"1\">"
                           "<c r=\"A1\" s=\"3\" t=\"s\"><v>%d</v></c><c r=\"B1\" s=\"3\"/><c r=\"E1\" s=\"3\"/></row>"
                           "<row r=\"2\" spans=\"1:5\">", title);
    for (int c = 0; c < 5; c++)
        data = ml_h_str ("%s<c r=\"%c2\" t=\"s\"><v>%d</v></c>", data, 'A' + c, c);
    data = ml_h_str ("%s</row>", data);
    for (int r = 0; r < N_ROWS; r++) {
        int row = r + 3;
        data = ml_h_str ("%s<row r=\"%d\" spans=\"1:5\">", data, row);
        for (int c = 0; c < 5; c++) {
            ml_day_t day;
            if (!*s_rows[r][c])
                continue;
            if ((c == 0 || c == 3) && ml_date_parse (s_rows[r][c], &day) == 0)
                data = ml_h_str ("%s<c r=\"%c%d\" s=\"%d\"><v>%d</v></c>", data, 'A' + c, row, c == 0 ? 1 : 2,
                                 day - ml_date_from_ymd (1899, 12, 30));
            else if (c == 1)
                data = ml_h_str ("%s<c r=\"%c%d\" t=\"inlineStr\"><is><t>%s</t></is></c>", data, 'A' + c, row,
                                 s_rows[r][c]);
            else
                data = ml_h_str ("%s<c r=\"%c%d\" t=\"s\"><v>%d</v></c>", data, 'A' + c, row,
                                 5 + 2 * r + (c == 4));
        }
        data = ml_h_str ("%s</row>", data);
    }
    data = ml_h_str ("%s<row r=\"%d\" spans=\"1:5\"><c r=\"A%d\" s=\"1\"/><c r=\"E%d\" s=\"0\"/></row>"
                     "</sheetData><mergeCells count=\"1\"><mergeCell ref=\"A1:E1\"/></mergeCells>",
                     data, N_ROWS + 3, N_ROWS + 3, N_ROWS + 3);
    const char *path = ml_h_str ("%s/%s", ml_h_dir (), name);
    const char *parts[] = {
        "[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
            "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
            "<Default Extension=\"xml\" ContentType=\"application/xml\"/></Types>",
        "_rels/.rels", "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
            "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
            "officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>",
        "xl/workbook.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n<workbook " S_NS ">"
            "<workbookPr defaultThemeVersion=\"166925\"/><sheets><sheet name=\"接访\" sheetId=\"1\" r:id=\"rId1\"/>"
            "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels", "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/"
            "relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/"
            "2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>",
        "xl/styles.xml", "<styleSheet " S_NS "><numFmts count=\"1\"><numFmt numFmtId=\"176\" "
            "formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;;@\"/></numFmts><cellXfs count=\"4\">"
            "<xf numFmtId=\"0\"/><xf numFmtId=\"14\" applyNumberFormat=\"1\"/><xf numFmtId=\"176\" "
            "applyNumberFormat=\"1\"/><xf numFmtId=\"0\"><alignment horizontal=\"center\"/></xf></cellXfs></styleSheet>",
        "xl/sharedStrings.xml", sst,
        "xl/worksheets/sheet1.xml", ml_h_str ("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
            "<worksheet " S_NS "><dimension ref=\"A1:E%d\"/>%s</worksheet>", N_ROWS + 3,
            sheet_data ? sheet_data : data),
        NULL,
    };
    s_zip (path, parts);
    return path;
}

//  The refs `refs FILE` gives, one a line in file order.
static char *
s_refs (const char *file)
{
    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "refs", file, NULL);
    cr_assert_eq (code, 0, "refs %s exited %d: %s", file, code, out.err);
    char *refs = ml_h_str ("%s", "");
    for (char *line = out.out; line && *line; ) {
        char *tab = strchr (line, '\t');
        cr_assert_not_null (tab, "%s", out.out);
        refs = ml_h_str ("%s%.*s\n", refs, (int) strcspn (tab + 1, "\t"), tab + 1);
        line = strchr (line, '\n');
        line = line ? line + 1 : NULL;
    }
    return refs;
}

static ml_h_out_t
s_import (const char *file, int expect)
{
    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "import", file, NULL);
    cr_assert_eq (code, expect, "import %s exited %d: %s%s", file, code, out.out, out.err);
    return out;
}

static void
s_setup (void)
{
    ml_h_bureau ();
    ml_h_write (ml_h_str ("%s/人员台账.csv", ml_h_dir ()), s_persons);
    s_import (ml_h_str ("%s/人员台账.csv", ml_h_dir ()), 0);
}

Test (xlsx, workbooks_by_libxlsxwriter_and_as_excel_writes_them_import_as_the_csv,
      .init = ml_h_init, .fini = ml_h_fini)
{
    s_setup ();
    const char *csv = s_csv ("接访台账.csv");
    const char *lxw = s_by_libxlsxwriter ("2026年接访台账.xlsx");
    const char *hand = s_by_hand ("接访台账（一季度）.xlsx", NULL);
    char *refs = s_refs (csv);
    cr_assert_eq (ml_h_count_lines (refs, "~"), N_ROWS, "%s", refs);
    cr_assert_str_eq (s_refs (lxw), refs);
    cr_assert_str_eq (s_refs (hand), refs);
    ml_h_out_t out = s_import (hand, 0);
    cr_assert (strstr (out.out, ": 3 events recorded, 0 already recorded"), "%s", out.out);
    out = s_import (lxw, 0);
    cr_assert (strstr (out.out, ": 0 events recorded, 3 already recorded"), "%s", out.out);
    out = s_import (csv, 0);
    cr_assert (strstr (out.out, ": 0 events recorded, 3 already recorded"), "%s", out.out);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 2 + N_ROWS);
    ml_h_pass ();
}

Test (xlsx, a_bad_row_is_named_by_the_sheets_row_and_header_and_nothing_is_recorded,
      .init = ml_h_init, .fini = ml_h_fini)
{
    s_setup ();
    //  row 4: an unknown mode; row 6: a date that never was (serial 60, Excel's 1900-02-29)
    const char *data =
        "<sheetData><row r=\"1\"><c r=\"A1\" t=\"s\"><v>11</v></c></row>"
        "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c><c r=\"B2\" t=\"s\"><v>1</v></c><c r=\"C2\" t=\"s\"><v>2</v></c></row>"
        "<row r=\"3\"><c r=\"A3\" s=\"1\"><v>46037</v></c><c r=\"B3\" t=\"inlineStr\"><is><t>P001</t></is></c>"
        "<c r=\"C3\" t=\"s\"><v>5</v></c></row>"
        "<row r=\"4\"><c r=\"A4\" s=\"1\"><v>46038</v></c><c r=\"B4\" t=\"inlineStr\"><is><t>P001</t></is></c>"
        "<c r=\"C4\" t=\"inlineStr\"><is><t>散步</t></is></c></row>"
        "<row r=\"6\"><c r=\"A6\" s=\"1\"><v>60</v></c><c r=\"B6\" t=\"inlineStr\"><is><t>P002</t></is></c>"
        "<c r=\"C6\" t=\"s\"><v>5</v></c></row></sheetData><mergeCells><mergeCell ref=\"A1:C1\"/></mergeCells>";
    const char *file = s_by_hand ("接访台账.xlsx", data);
    long before = ml_h_agent_field ("H001", "pending");
    ml_h_out_t out = s_import (file, 1);
    cr_assert (strstr (out.err, "接访台账.xlsx:4: field '接访方式': unknown value '散步'"), "%s", out.err);
    cr_assert (strstr (out.err, "接访台账.xlsx:6: field '日期'"), "%s", out.err);
    cr_assert (strstr (out.err, "接访台账.xlsx: nothing recorded from this file"), "%s", out.err);
    cr_assert_eq (ml_h_count_lines (out.err, "接访台账.xlsx:3"), 0, "row 3 is good: %s", out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), before);
    ml_h_pass ();
}

Test (xlsx, corrupt_encrypted_and_bombed_workbooks_are_refused, .init = ml_h_init, .fini = ml_h_fini)
{
    s_setup ();
    long before = ml_h_agent_field ("H001", "pending");
    //  cut short
    const char *good = s_by_hand ("good.xlsx", NULL);
    char *bytes = ml_h_read (good);
    const char *cut = ml_h_str ("%s/接访台账-cut.xlsx", ml_h_dir ());
    FILE *f = fopen (cut, "wb");
    fwrite (bytes, 1, 700, f);
    fclose (f);
    ml_h_out_t out = s_import (cut, 1);
    cr_assert (strstr (out.err, "接访台账-cut.xlsx: corrupt"), "%s", out.err);
    //  saved with a password: an OLE compound document with EncryptionInfo
    char ole[2048] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    memcpy (ole + 1024, "E\0n\0c\0r\0y\0p\0t\0i\0o\0n\0I\0n\0f\0o", 27);
    const char *enc = ml_h_str ("%s/接访台账-pw.xlsx", ml_h_dir ());
    f = fopen (enc, "wb");
    fwrite (ole, 1, sizeof ole, f);
    fclose (f);
    out = s_import (enc, 1);
    cr_assert (strstr (out.err, "接访台账-pw.xlsx: the workbook is encrypted"), "%s", out.err);
    //  a sheet of 100 MB that zips to 100 kB
    size_t big = 100u << 20;
    char *blank = malloc (big + 1);
    memset (blank, ' ', big);
    blank[big] = 0;
    const char *bomb = ml_h_str ("%s/接访台账-bomb.xlsx", ml_h_dir ());
    const char *parts[] = { "xl/workbook.xml", "<workbook " S_NS "><sheets><sheet name=\"S\" sheetId=\"1\" "
                            "r:id=\"rId1\"/></sheets></workbook>", "xl/worksheets/sheet1.xml", blank, NULL };
    s_zip (bomb, parts);
    free (blank);
    out = s_import (bomb, 1);
    cr_assert (strstr (out.err, "接访台账-bomb.xlsx: xl/worksheets/sheet1.xml: compressed"), "%s", out.err);
    cr_assert (strstr (out.err, "zip bomb"), "%s", out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), before, "nothing recorded");
    ml_h_pass ();
}

Test (xlsx, the_templates_sample_row_cannot_be_imported, .init = ml_h_init, .fini = ml_h_fini)
{
    s_setup ();
    long before = ml_h_agent_field ("H001", "pending");
    const char *csv = ml_h_str ("%s/接访台账.csv", ml_h_dir ());
    const char *xlsx = ml_h_str ("%s/接访台账.xlsx", ml_h_dir ());
    ml_h_out_t out;
    cr_assert_eq (ml_h_run (&out, 60000, ML_AGENT, "template", "接访台账", "-o", csv, NULL), 0, "%s", out.err);
    cr_assert_eq (ml_h_run (&out, 60000, ML_AGENT, "template", "--xlsx", "接访台账", "-o", xlsx, NULL), 0, "%s", out.err);
    cr_assert_eq (ml_h_run (&out, 60000, ML_AGENT, "template", "--xlsx", "接访台账", NULL), 2, "--xlsx needs -o");
    out = s_import (csv, 1);
    cr_assert (strstr (out.err, "接访台账.csv:2: field '编号': the template's sample row (示例)"), "%s", out.err);
    //  the workbook's sample is on its 填写说明 sheet: the data sheet holds the header alone
    out = s_import (xlsx, 0);
    cr_assert (strstr (out.out, "接访台账.xlsx: 0 events recorded"), "%s", out.out);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), before);
    //  every ledger has one
    const char *dir = ml_h_str ("%s/xlsx", ml_h_dir ());
    cr_assert_eq (ml_h_run (&out, 60000, ML_AGENT, "template", "--xlsx", "--all", dir, NULL), 0, "%s", out.err);
    cr_assert_not_null (ml_h_read (ml_h_str ("%s/作废台账.xlsx", dir)));
    ml_h_pass ();
}

Test (xlsx, full_width_input_imports_as_ascii, .init = ml_h_init, .fini = ml_h_fini)
{
    s_setup ();
    const char *ascii = ml_h_str ("%s/调研台账.csv", ml_h_dir ());
    ml_h_write (ascii, "日期,人员编号,调研结束日期,地点,是否驻点,是否随机调研,主题\r\n"
                       "2026-03-02,P001,2026-03-06,丹徒区上党镇卫生院,是,否,远程会诊（试点）\r\n"
                       "2026-04-08,P002,2026-04-09,京口区健康路社区,否,是,家庭医生\r\n");
    const char *wide = ml_h_str ("%s/调研台账-全角.csv", ml_h_dir ());
    ml_h_write (wide, "日期,人员编号,调研结束日期,地点,是否驻点,是否随机调研,主题\r\n"
                      "２０２６－０３－０２,Ｐ００１,2026.3.6,丹徒区上党镇卫生院,√,×,远程会诊（试点）\r\n"
                      "\xE3\x80\x80２０２６年４月８日,P002 ,２０２６．４．９,京口区健康路社区,N,Y,家庭医生\r\n");
    cr_assert_str_eq (s_refs (wide), s_refs (ascii));
    ml_h_out_t out = s_import (wide, 0);
    cr_assert (strstr (out.out, ": 2 events recorded"), "%s", out.out);
    out = s_import (ascii, 0);
    cr_assert (strstr (out.out, ": 0 events recorded, 2 already recorded"), "%s", out.out);
    ml_h_pass ();
}
