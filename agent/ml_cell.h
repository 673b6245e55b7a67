/* ml_cell.h -- a ledger cell as a clerk types it, in the form the importer reads: full-width
   digits, letters and punctuation (２０２５－０３－０５, Ｐ００１, ，) folded to ASCII, dates as
   2025.3.5 or 2025年3月5日 written 2025-03-05, and 是/否 in any of the ways people say it. */
#ifndef ML_CELL_H
#define ML_CELL_H

#include <stddef.h>

typedef enum {
    ML_CELL_NOTE,            //  text kept as typed (备注, 编号, 地点): what was stored stays the same
    ML_CELL_CODE,            //  a code, number or choice (人员编号, 来访人数, 接访方式)
    ML_CELL_TEXT,            //  a text field that may hold a date (日期, 主题)
    ML_CELL_BOOL,            //  是 or 否
} ml_cell_type_t;

//  The form of CELL the importer reads, for a column of TYPE: written into BUF (LEN bytes) and
//  returned, or CELL itself when nothing changes (borrowed either way). For every type, spaces
//  at either end (ASCII, ideographic, no-break) go. CODE and BOOL: a cell of ASCII characters
//  alone, full-width forms included, is folded to ASCII (Ｐ００１, ３); one with Chinese in it
//  stays as typed. TEXT: a date (2025-03-05, 2025/3/5, 2025.3.5, 2025年3月5日, full-width too)
//  becomes "2025-03-05", any other text stays as typed (so that the ref derived from a row
//  already recorded does not change). BOOL: 是 Y y yes true 1 √ ✓ 对 (any case) become "是",
//  否 N no false 0 × ✗ 错 become "否"; anything else is returned for the caller to refuse. A
//  cell too long for BUF (LEN: 16 or more) is returned as it is, leading spaces skipped.
const char *ml_cell_normalise (const char *cell, ml_cell_type_t type, char *buf, size_t len);

#endif
