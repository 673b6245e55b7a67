/* test_xlsx.c -- the .xlsx reader: workbooks written by libxlsxwriter and built by hand from the
   XML parts Excel writes (shared and inline strings, date serials and formats, the 1900 leap-year
   bug, empty cells and rows, a merged title), and the workbooks it must refuse. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "ml_xlsx.h"
#include "ml_test.h"

TestSuite (xlsx, .init = t_dir_setup, .fini = t_dir_teardown);

#define S_NS "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" " \
             "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""

//  A workbook as Excel writes it, from its sheet, shared strings and styles (NULL: the part is
//  left out), with WORKBOOK_PR in workbook.xml. Returns its path.
static const char *
s_book (const char *name, const char *sheet_data, const char *sst, const char *styles,
        const char *workbook_pr)
{
    const char *path = t_path ("%s", name);
    char *parts[][2] = {
        { "[Content_Types].xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
          "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
          "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
          "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
          "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
          "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
          "</Types>" },
        { "_rels/.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
          "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
          "<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>"
          "</Relationships>" },
        { "xl/workbook.xml", NULL },
        { "xl/_rels/workbook.xml.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
          "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
          "<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
          "<Relationship Id=\"rId9\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"/xl/worksheets/sheet2.xml\"/>"
          "</Relationships>" },
        { "xl/worksheets/sheet1.xml", NULL },
        { "xl/worksheets/sheet2.xml", "<worksheet " S_NS "><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\">"
          "<is><t>说明</t></is></c></row></sheetData></worksheet>" },
        { "xl/sharedStrings.xml", NULL },
        { "xl/styles.xml", NULL },
    };
    char *workbook, *sheet, *strings = NULL, *style = NULL;
    cr_assert (asprintf (&workbook, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
                         "<workbook " S_NS "><workbookPr %s/><sheets><sheet name=\"接访台账\" sheetId=\"1\" "
                         "r:id=\"rId3\"/><sheet name=\"填写说明\" sheetId=\"2\" r:id=\"rId9\"/></sheets></workbook>",
                         workbook_pr ? workbook_pr : "") > 0);
    cr_assert (asprintf (&sheet, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\r\n"
                         "<worksheet " S_NS "><dimension ref=\"A1:G9\"/>%s</worksheet>", sheet_data) > 0);
    if (sst)
        cr_assert (asprintf (&strings, "<sst " S_NS ">%s</sst>", sst) > 0);
    if (styles)
        cr_assert (asprintf (&style, "<styleSheet " S_NS ">%s</styleSheet>", styles) > 0);
    parts[2][1] = workbook;
    parts[4][1] = sheet;
    parts[6][1] = strings;
    parts[7][1] = style;
    int e;
    zip_t *zip = zip_open (path, ZIP_CREATE | ZIP_TRUNCATE, &e);
    cr_assert_not_null (zip);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        if (!parts[i][1])
            continue;
        zip_source_t *src = zip_source_buffer (zip, parts[i][1], strlen (parts[i][1]), 0);
        cr_assert (zip_file_add (zip, parts[i][0], src, ZIP_FL_ENC_UTF_8) >= 0);
    }
    cr_assert_eq (zip_close (zip), 0, "%s", zip_strerror (zip));
    free (workbook);
    free (sheet);
    free (strings);
    free (style);
    return path;
}

//  Styles with cell formats 0 General, 1 built-in 14 (m/d/yyyy), 2 custom 年月日, 3 custom time
//  h:mm, 4 custom [Red]0.00, 5 built-in 31 (the Chinese yyyy年m月d日).
static const char s_styles[] =
    "<numFmts count=\"3\"><numFmt numFmtId=\"176\" formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\"/>"
    "<numFmt numFmtId=\"177\" formatCode=\"h:mm\"/><numFmt numFmtId=\"178\" formatCode=\"[Red]0.00\"/></numFmts>"
    "<cellXfs count=\"6\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\" applyNumberFormat=\"1\"/>"
    "<xf numFmtId=\"176\" applyNumberFormat=\"1\"/><xf numFmtId=\"177\"/><xf numFmtId=\"178\"/>"
    "<xf numFmtId=\"31\"/></cellXfs>";

static ml_xlsx_t *
s_open (const char *path)
{
    char err[512] = "";
    ml_xlsx_t *book = ml_xlsx_open (path, NULL, err, sizeof err);
    cr_assert_not_null (book, "%s", err);
    return book;
}

//  The error opening PATH under LIMITS (NULL: the defaults); fails when it opens.
static const char *
s_refused (const char *path, const ml_xlsx_limits_t *limits)
{
    static char err[512];
    err[0] = 0;
    ml_xlsx_t *book = ml_xlsx_open (path, limits, err, sizeof err);
    cr_assert_null (book, "%s opened, but should not", path);
    cr_assert (strncmp (err, path, strlen (path)) == 0, "the reason names the file: %s", err);
    return err;
}

Test (xlsx, a_sheet_as_excel_writes_it)
{
    const char *sst =
        "<si><t>日期</t></si><si><t>人员编号</t></si><si><r><t>接访</t></r><r><rPr><b/></rPr><t>方式</t></r></si>"
        "<si><t>定点接访</t><rPh sb=\"0\" eb=\"2\"><t>ていてん</t></rPh></si><si><t xml:space=\"preserve\"> 备 注 </t></si>";
    const char *data =
        "<sheetData>"
        "<row r=\"1\" spans=\"1:5\"><c r=\"A1\" t=\"inlineStr\"><is><t>2026年接访台账</t></is></c><c r=\"B1\" s=\"0\"/></row>"
        "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>0</v></c><c r=\"B2\" t=\"s\"><v>1</v></c><c r=\"C2\" t=\"s\"><v>2</v></c>"
        "<c r=\"E2\" t=\"s\"><v>4</v></c></row>"
        "<row r=\"4\"><c r=\"A4\" s=\"1\"><v>45721</v></c><c r=\"B4\" t=\"inlineStr\"><is><t>P001</t></is></c>"
        "<c r=\"C4\" t=\"s\"><v>3</v></c><c r=\"D4\"><v>3</v></c><c r=\"E4\" t=\"b\"><v>1</v></c></row>"
        "<row r=\"5\"><c r=\"A5\" s=\"2\"><v>45722.75</v></c><c r=\"C5\" t=\"str\"><f>C4</f><v>定点接访</v></c>"
        "<c r=\"D5\" s=\"3\"><v>0.5</v></c><c r=\"E5\" s=\"4\"><v>12.5</v></c></row>"
        "<row r=\"6\"><c r=\"A6\" s=\"5\"><v>45723</v></c><c r=\"B6\" t=\"e\"><v>#N/A</v></c></row>"
        "<row r=\"7\" spans=\"1:5\"><c r=\"A7\" s=\"1\"/><c r=\"B7\" t=\"inlineStr\"><is><t></t></is></c></row>"
        "<row r=\"8\"/>"
        "</sheetData><mergeCells count=\"1\"><mergeCell ref=\"A1:E1\"/></mergeCells>";
    ml_xlsx_t *book = s_open (s_book ("接访台账.xlsx", data, sst, s_styles, NULL));
    cr_assert_str_eq (ml_xlsx_sheet (book), "接访台账");
    cr_assert_eq (ml_xlsx_rows (book), 4, "the merged title and the empty rows are left out");
    cr_assert_eq (ml_xlsx_row_number (book, 0), 2);
    cr_assert_eq (ml_xlsx_row_cells (book, 0), 5);
    cr_assert_str_eq (ml_xlsx_cell (book, 0, 2), "接访方式", "rich text runs joined");
    cr_assert_str_eq (ml_xlsx_cell (book, 0, 3), "", "an empty cell between values");
    cr_assert_str_eq (ml_xlsx_cell (book, 0, 4), " 备 注 ", "text as written");
    cr_assert_eq (ml_xlsx_row_number (book, 1), 4, "the sheet's own row number");
    cr_assert_str_eq (ml_xlsx_cell (book, 1, 0), "2025-03-05", "serial in built-in format 14");
    cr_assert_str_eq (ml_xlsx_cell (book, 1, 1), "P001", "inline string");
    cr_assert_str_eq (ml_xlsx_cell (book, 1, 2), "定点接访", "shared string without its phonetic run");
    cr_assert_str_eq (ml_xlsx_cell (book, 1, 3), "3", "a number as stored");
    cr_assert_str_eq (ml_xlsx_cell (book, 1, 4), "TRUE");
    cr_assert_str_eq (ml_xlsx_cell (book, 2, 0), "2025-03-06", "custom 年月日 format; the time of day dropped");
    cr_assert_str_eq (ml_xlsx_cell (book, 2, 2), "定点接访", "a formula's cached string");
    cr_assert_str_eq (ml_xlsx_cell (book, 2, 3), "0.5", "h:mm is a time, not a date");
    cr_assert_str_eq (ml_xlsx_cell (book, 2, 4), "12.5", "[Red] is no date");
    cr_assert_str_eq (ml_xlsx_cell (book, 3, 0), "2025-03-07", "built-in Chinese format 31");
    cr_assert_str_eq (ml_xlsx_cell (book, 3, 1), "#N/A");
    cr_assert_str_eq (ml_xlsx_cell (book, 3, 9), "", "past the row's end");
    ml_xlsx_destroy (&book);
    ml_xlsx_destroy (&book);
}

Test (xlsx, the_1900_leap_year_bug_and_the_1904_date_system)
{
    const char *data = "<sheetData><row r=\"1\"><c r=\"A1\" s=\"1\"><v>1</v></c><c r=\"B1\" s=\"1\"><v>59</v></c>"
                       "<c r=\"C1\" s=\"1\"><v>60</v></c><c r=\"D1\" s=\"1\"><v>61</v></c>"
                       "<c r=\"E1\" s=\"1\"><v>0</v></c><c r=\"F1\" s=\"1\"><v>-3</v></c></row></sheetData>";
    ml_xlsx_t *book = s_open (s_book ("a.xlsx", data, NULL, s_styles, NULL));
    cr_assert_str_eq (ml_xlsx_cell (book, 0, 0), "1900-01-01");
    cr_assert_str_eq (ml_xlsx_cell (book, 0, 1), "1900-02-28");
    cr_assert_str_eq (ml_xlsx_cell (book, 0, 2), "1900-02-29", "Excel's day that never was, kept to be refused");
    cr_assert_str_eq (ml_xlsx_cell (book, 0, 3), "1900-03-01");
    cr_assert_str_eq (ml_xlsx_cell (book, 0, 4), "0", "no date before day 1");
    cr_assert_str_eq (ml_xlsx_cell (book, 0, 5), "-3");
    ml_xlsx_destroy (&book);
    book = s_open (s_book ("b.xlsx", data, NULL, s_styles, "date1904=\"1\""));
    cr_assert_str_eq (ml_xlsx_cell (book, 0, 0), "1904-01-02");
    cr_assert_str_eq (ml_xlsx_cell (book, 0, 3), "1904-03-02");
    ml_xlsx_destroy (&book);
}

Test (xlsx, a_workbook_written_by_libxlsxwriter)
{
    const char *path = t_path ("w.xlsx");
    lxw_workbook *wb = workbook_new (path);
    lxw_worksheet *ws = workbook_add_worksheet (wb, "联系点台账");
    lxw_format *date = workbook_add_format (wb);
    format_set_num_format (date, "yyyy-mm-dd");
    worksheet_write_string (ws, 0, 0, "日期", NULL);
    worksheet_write_string (ws, 0, 2, "联系点", NULL);
    lxw_datetime dt = { 2026, 1, 5, 0, 0, 0 };
    worksheet_write_datetime (ws, 1, 0, &dt, date);
    worksheet_write_number (ws, 1, 1, 42, NULL);
    worksheet_write_string (ws, 1, 2, "丹徒区上党镇卫生院", NULL);
    worksheet_write_boolean (ws, 2, 1, 0, NULL);
    worksheet_write_blank (ws, 3, 0, date);
    cr_assert_eq (workbook_close (wb), LXW_NO_ERROR);
    ml_xlsx_t *book = s_open (path);
    cr_assert_eq (ml_xlsx_rows (book), 3);
    cr_assert_str_eq (ml_xlsx_cell (book, 0, 1), "");
    cr_assert_str_eq (ml_xlsx_cell (book, 1, 0), "2026-01-05");
    cr_assert_str_eq (ml_xlsx_cell (book, 1, 1), "42");
    cr_assert_str_eq (ml_xlsx_cell (book, 1, 2), "丹徒区上党镇卫生院");
    cr_assert_eq (ml_xlsx_row_cells (book, 2), 2, "a row up to its last value");
    cr_assert_str_eq (ml_xlsx_cell (book, 2, 1), "FALSE");
    ml_xlsx_destroy (&book);
}

Test (xlsx, a_template_has_its_columns_a_frozen_header_and_no_sample_on_the_data_sheet)
{
    char err[512];
    const char *path = t_path ("接访台账.xlsx");
    cr_assert_eq (ml_xlsx_template ("reception_day", path, err, sizeof err), 0, "%s", err);
    ml_xlsx_t *book = s_open (path);
    cr_assert_str_eq (ml_xlsx_sheet (book), "接访台账");
    cr_assert_eq (ml_xlsx_rows (book), 1, "the header alone: the sample is on 填写说明");
    const char *headers[] = { "编号", "日期", "人员编号", "接访方式", "公布日期", "备注", "更正编号" };
    for (size_t c = 0; c < 7; c++)
        cr_assert_str_eq (ml_xlsx_cell (book, 0, c), headers[c]);
    ml_xlsx_destroy (&book);
    //  the parts Excel reads for a frozen row, a dropdown and date cells
    char *cmd;
    cr_assert (asprintf (&cmd, "unzip -p '%s' xl/worksheets/sheet1.xml xl/styles.xml xl/workbook.xml", path) > 0);
    FILE *p = popen (cmd, "r");
    char *xml = calloc (1, 1 << 20);
    size_t n = fread (xml, 1, (1 << 20) - 1, p);
    pclose (p);
    free (cmd);
    cr_assert (n > 0, "unzip read the template");
    cr_assert (strstr (xml, "state=\"frozen\""));
    cr_assert (strstr (xml, "<formula1>\"定点接访,公开接访,重点约访,专题接访,带案下访,上门回访\"</formula1>"));
    cr_assert (strstr (xml, "formatCode=\"yyyy\\-mm\\-dd\"") || strstr (xml, "formatCode=\"yyyy-mm-dd\""));
    cr_assert (strstr (xml, "name=\"填写说明\""));
    free (xml);
    cr_assert_eq (ml_xlsx_template ("correction", path, err, sizeof err), -1, "no ledger, no template");
}

Test (xlsx, files_that_are_no_workbook_are_refused_with_the_reason)
{
    cr_assert (strstr (s_refused (t_write ("a.xlsx", "日期,人员编号\n"), NULL), "not an .xlsx workbook"));
    //  an OLE compound document holding EncryptionInfo: what Excel saves with a password
    char ole[4096] = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    memcpy (ole + 1024, "E\0n\0c\0r\0y\0p\0t\0i\0o\0n\0I\0n\0f\0o", 27);
    cr_assert (strstr (s_refused (t_write_bytes ("secret.xlsx", ole, sizeof ole), NULL), "encrypted"));
    memset (ole + 1024, 0, 30);
    cr_assert (strstr (s_refused (t_write_bytes ("old.xlsx", ole, sizeof ole), NULL), ".xls file"));
    //  a zip cut short
    const char *good = s_book ("good.xlsx", "<sheetData/>", NULL, NULL, NULL);
    FILE *f = fopen (good, "rb");
    char buf[400];
    size_t n = fread (buf, 1, sizeof buf, f);
    fclose (f);
    cr_assert (strstr (s_refused (t_write_bytes ("cut.xlsx", buf, n), NULL), "corrupt"));
    //  a zip that is no workbook
    cr_assert (strstr (s_refused (s_book ("x.xlsx", "<sheetData><row r=\"1\">", NULL, NULL, NULL), NULL),
                       "not well-formed"));
}

Test (xlsx, an_encrypted_part_is_refused)
{
    const char *path = t_path ("enc.xlsx");
    int e;
    zip_t *zip = zip_open (path, ZIP_CREATE | ZIP_TRUNCATE, &e);
    static const char wb[] = "<workbook " S_NS "><sheets><sheet name=\"S\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
    zip_int64_t i = zip_file_add (zip, "xl/workbook.xml", zip_source_buffer (zip, wb, strlen (wb), 0), 0);
    cr_assert (i >= 0);
    cr_assert_eq (zip_file_set_encryption (zip, (zip_uint64_t) i, ZIP_EM_AES_256, "geheim"), 0);
    cr_assert_eq (zip_close (zip), 0);
    cr_assert (strstr (s_refused (path, NULL), "encrypted"));
}

Test (xlsx, zip_bombs_and_the_other_limits)
{
    //  50 MB of blanks in the sheet: compressed about 1000:1
    size_t big = 50u << 20;
    char *data = malloc (big + 64);
    memset (data, ' ', big);
    strcpy (data + big, "<sheetData/>");
    const char *bomb = s_book ("bomb.xlsx", data, NULL, NULL, NULL);
    free (data);
    cr_assert (strstr (s_refused (bomb, NULL), "zip bomb"), "%s", s_refused (bomb, NULL));
    ml_xlsx_limits_t lim = ml_xlsx_default_limits;
    lim.max_ratio = 100000;
    lim.max_total = 10u << 20;
    cr_assert (strstr (s_refused (bomb, &lim), "more than the 10485760 allowed"));
    lim = ml_xlsx_default_limits;
    lim.max_file = 1000;
    cr_assert (strstr (s_refused (bomb, &lim), "more than the 1000 an .xlsx ledger may have"));
    const char *rows = s_book ("rows.xlsx", "<sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>长长的一段文字</t></is></c></row>"
                               "<row r=\"5\"><c r=\"C5\"><v>1</v></c></row></sheetData>", NULL, NULL, NULL);
    lim = ml_xlsx_default_limits;
    lim.max_rows = 4;
    cr_assert (strstr (s_refused (rows, &lim), "row 5: more than 4 rows"));
    lim = ml_xlsx_default_limits;
    lim.max_cell = 10;
    cr_assert (strstr (s_refused (rows, &lim), "sheet '接访台账', cell A1: more than 10 bytes"), "%s", s_refused (rows, &lim));
    lim = ml_xlsx_default_limits;
    lim.max_cols = 2;
    cr_assert (strstr (s_refused (rows, &lim), "cell C5: a value past column 2"));
    ml_xlsx_t *book = s_open (rows);
    cr_assert_eq (ml_xlsx_rows (book), 2, "within the default limits");
    ml_xlsx_destroy (&book);
}
