/* ml_xlsx_template.c -- a ledger's template as an .xlsx workbook (libxlsxwriter), from the same
   columns as the CSV template (ml_ledger_column): the data sheet without a sample row, and an
   instructions sheet that shows it. */
#include "ml_xlsx.h"
#include "ml_err.h"
#include "ml_i18n.h"
#include "ml_ledger.h"

#include <string.h>
#include <xlsxwriter.h>

//  A width for a column: wide for prose, narrow for codes and choices.
static double
s_width (const ml_ledger_column_t *col)
{
    static const char *const wide[] = { "place", "topic", "title", "point", "family", "beneficiary",
        "host", "measures", "with", "content", "published", "channel", "note", "reason", NULL };
    for (int i = 0; wide[i]; i++)
        if (strcmp (col->key, wide[i]) == 0)
            return 30;
    return col->date ? 12 : 14;
}

//  The instructions sheet: what to fill where, and the sample row.
static void
s_instructions (lxw_worksheet *ws, const char *kind, lxw_format *bold, lxw_format *head)
{
    const char *name = ml_ledger_name (kind);
    char line[512];
    lxw_row_t r = 0;
    snprintf (line, sizeof line, "《%s》导入模板：填写说明", name);
    worksheet_write_string (ws, r++, 0, line, bold);
    snprintf (line, sizeof line, "1. 在「%s」工作表第 2 行起逐行填写，每行一条记录；第 1 行表头请勿修改。"
              "导入时只读取第一个工作表。", name);
    worksheet_write_string (ws, r++, 0, line, NULL);
    worksheet_write_string (ws, r++, 0, "2. 带下拉箭头的列请从列表中选择；是/否列填“是”或“否”。", NULL);
    worksheet_write_string (ws, r++, 0, "3. 日期写作 2025-03-05，也可写 2025/3/5、2025.3.5 或 2025年3月5日。", NULL);
    worksheet_write_string (ws, r++, 0, "4. 编号可以不填，由系统生成；重复导入同一文件不会重复记录。", NULL);
    if (strcmp (kind, "void") != 0)
        worksheet_write_string (ws, r++, 0, "5. 更正已记录的一行：照常填写整行，并在“更正编号”中写上原记录的编号。", NULL);
    snprintf (line, sizeof line, "本工作表只作说明，不会被导入。下面是一行示例（编号“%s”的行导入时会被拒绝）：",
              ML_LEDGER_SAMPLE);
    worksheet_write_string (ws, ++r, 0, line, NULL);
    r++;
    ml_ledger_column_t col;
    for (lxw_col_t c = 0; ml_ledger_column (kind, c, &col); c++) {
        worksheet_write_string (ws, r, c, col.header, head);
        worksheet_write_string (ws, r + 1, c, col.sample, NULL);
    }
    worksheet_set_column (ws, 0, 0, 16, NULL);
}

int
ml_xlsx_template (const char *kind, const char *path, char *err, size_t errlen)
{
    ml_ledger_column_t col;
    if (!ml_ledger_column (kind, 0, &col))
        return ML_EINVAL;
    lxw_workbook *wb = workbook_new (path);
    if (!wb) {
        snprintf (err, errlen, _("%s: cannot create the workbook"), path);
        return ML_EIO;
    }
    lxw_worksheet *data = workbook_add_worksheet (wb, ml_ledger_name (kind));
    lxw_worksheet *help = workbook_add_worksheet (wb, "填写说明");
    lxw_format *head = workbook_add_format (wb);
    format_set_bold (head);
    format_set_bg_color (head, 0xDDEBF7);
    format_set_border (head, LXW_BORDER_THIN);
    lxw_format *bold = workbook_add_format (wb);
    format_set_bold (bold);
    lxw_format *date = workbook_add_format (wb);
    format_set_num_format (date, "yyyy-mm-dd");
    lxw_format *text = workbook_add_format (wb);
    format_set_num_format (text, "@");         //  codes like 001 stay as typed
    for (lxw_col_t c = 0; ml_ledger_column (kind, c, &col); c++) {
        worksheet_write_string (data, 0, c, col.header, head);
        worksheet_set_column (data, c, c, s_width (&col), col.date ? date : text);
        if (!col.choices[0])
            continue;
        lxw_data_validation dv = { 0 };
        dv.validate = LXW_VALIDATION_TYPE_LIST;
        dv.value_list = (char **) col.choices;     //  libxlsxwriter only reads it
        dv.error_title = "请从列表中选择";
        dv.error_message = "这一列只能填写下拉列表中的值。";
        lxw_error bad = worksheet_data_validation_range (data, 1, c, LXW_ROW_MAX - 1, c, &dv);
        if (bad != LXW_NO_ERROR) {
            //  e.g. a list past Excel's 255 characters: the table has outgrown the format
            snprintf (err, errlen, _("%s: column %s: %s"), path, col.header, lxw_strerror (bad));
            workbook_close (wb);
            return ML_EIO;
        }
    }
    worksheet_freeze_panes (data, 1, 0);
    s_instructions (help, kind, bold, head);
    lxw_error rc = workbook_close (wb);
    if (rc != LXW_NO_ERROR) {
        snprintf (err, errlen, "%s: %s", path, lxw_strerror (rc));
        return ML_EIO;
    }
    return 0;
}
