/* ml_xlsx.h -- .xlsx workbooks for ledgers: the first sheet read as rows of text cells, as Excel
   and WPS save it (libzip opens the file, expat reads the sheet, shared strings and styles),
   within limits that refuse zip bombs; and a ledger's template written as .xlsx (libxlsxwriter). */
#ifndef ML_XLSX_H
#define ML_XLSX_H

#include <stddef.h>
#include <stdio.h>

typedef struct ml_xlsx ml_xlsx_t;

//  What a workbook may hold; a workbook past any limit is refused with the reason.
typedef struct {
    size_t max_file;         //  bytes of the .xlsx file
    size_t max_total;        //  bytes of all the XML parts read, uncompressed
    size_t max_ratio;        //  uncompressed : compressed of any part
    size_t max_rows;         //  the last row number of the sheet
    size_t max_cols;         //  the last column holding a value
    size_t max_cell;         //  bytes of one cell's text
} ml_xlsx_limits_t;

//  The limits ml_xlsx_open applies: 64 MiB file, 1 GiB of XML, ratio 200, 1,000,000 rows,
//  256 columns, 32,767 bytes a cell.
extern const ml_xlsx_limits_t ml_xlsx_default_limits;

//  Reads the first sheet of the workbook at PATH under LIMITS (NULL: the defaults). Cells come
//  as text: shared and inline strings as written, a number in a date format (built-in formats
//  14-22 and the Chinese ones, or a custom one with y, m or d) as "YYYY-MM-DD" (1900 and 1904
//  date systems, Excel's 1900-02-29 kept as that impossible date), TRUE/FALSE, other numbers as
//  stored. Empty rows are left out; so is a title above the header: a leading row whose only
//  value is a cell merged across several columns. Returns NULL with "PATH: reason" in ERR for
//  a file that is no workbook, is encrypted (or an old .xls), is corrupt, or passes a limit.
ml_xlsx_t *ml_xlsx_open (const char *path, const ml_xlsx_limits_t *limits, char *err, size_t errlen);

//  Frees the workbook and sets *SELF_P to NULL. Safe on NULL.
void ml_xlsx_destroy (ml_xlsx_t **self_p);

//  The name of the sheet read ("接访台账", "Sheet1"). Borrowed.
const char *ml_xlsx_sheet (const ml_xlsx_t *self);

//  The number of rows read (non-empty rows, title left out).
size_t ml_xlsx_rows (const ml_xlsx_t *self);

//  The sheet's own number of row R (0-based index into the rows read): what Excel shows.
int ml_xlsx_row_number (const ml_xlsx_t *self, size_t r);

//  The cells of row R: up to its last value, empty cells "" in between.
size_t ml_xlsx_row_cells (const ml_xlsx_t *self, size_t r);

//  The text of cell C of row R ("" past the end). Borrowed, valid until the workbook is freed.
const char *ml_xlsx_cell (const ml_xlsx_t *self, size_t r, size_t c);

//  Writes the .xlsx template of ledger KIND to PATH: a data sheet named after the ledger with
//  its Chinese headers (the same table as the CSV template), the header row frozen, a dropdown
//  for every column with choices, date-formatted date columns; and a sheet 填写说明 with the
//  instructions and the sample row, which is therefore never imported. Returns 0, ML_EINVAL
//  for a kind without a ledger, or ML_EIO with the reason in ERR.
int ml_xlsx_template (const char *kind, const char *path, char *err, size_t errlen);

#endif
