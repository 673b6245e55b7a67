/* ml_ledger_private.h -- what the pieces of the ledger importer share: ml_ledger.c (open, header,
   rows to JSON) calls down into ml_ledger_read.c (the file's text and cells) and
   ml_ledger_table.c (the Chinese names of ledgers, columns and values); ml_ledger_template.c
   writes the templates from the same tables. Not for use outside agent/ml_ledger*.c. */
#ifndef ML_LEDGER_PRIVATE_H
#define ML_LEDGER_PRIVATE_H

#include "ml_ledger.h"
#include "massline.pb-c.h"

#include <stdbool.h>
#include <stddef.h>

#define ML_LEDGER_MAX_COLS 64

typedef struct {
    char *header;                            //  as written in the file
    const char *key;                         //  event key, or NULL for an ignored empty column
    const ProtobufCFieldDescriptor *field;   //  in the kind's message; NULL for ref/note/kind/...
} ml_ledger_col_t;

struct ml_ledger {
    char *path;
    char *kind;                      //  NULL when a kind column names it per row
    const char *encoding;
    char *text;                      //  the file as UTF-8
    size_t size;
    ml_ledger_col_t cols[ML_LEDGER_MAX_COLS];
    size_t ncols;
    char *cells;                     //  every parsed cell, NUL-terminated, one after the other
    unsigned char *nul;              //  per cell (as ROWS): 1 when it held a NUL byte, cut there
    char **rows;                     //  each cell in CELLS, row-major
    size_t *row_cells;               //  cells in each row
    size_t *row_start;               //  index into rows of each row's first cell
    int *row_line;                   //  first line of each row
    size_t nrows;
};

//  ---------------------------------------------------------------------------
//  ml_ledger_read.c

//  Reads SELF->path (CSV in UTF-8 or GB18030, or .xlsx) into SELF's text, cells, rows and row
//  lines, and sets its encoding. Returns 0, or an error with "PATH[:LINE]: reason" in ERR.
int ml_ledger_read (ml_ledger_t *self, char *err, size_t errlen);

//  ---------------------------------------------------------------------------
//  ml_ledger_table.c

typedef struct {
    const char *key;         //  the field, since one value name can mean two things
    const char *value;
    const char *label;
} ml_ledger_enum_label_t;

//  The Chinese names of enum values, per field; NULL-ended.
extern const ml_ledger_enum_label_t ml_ledger_enum_labels[];

//  The role columns of a person ledger (one row per role held); NULL-ended.
extern const char *const ml_ledger_role_keys[];

//  The header of KEY in KIND's template (KIND may be NULL), or KEY itself.
const char *ml_ledger_kind_label (const char *kind, const char *key);

//  The message descriptor of KIND's body, or NULL for an unknown kind.
const ProtobufCMessageDescriptor *ml_ledger_body_desc (const char *kind);

//  The field KEY of KIND as a ledger column sees it (person ledgers take the role's fields);
//  NULL for ref, note and the like.
const ProtobufCFieldDescriptor *ml_ledger_field_of (const char *kind, const char *key);

//  True when KEY is a column of KIND's ledger (its fields plus ref, note, supersedes).
bool ml_ledger_is_column (const char *kind, const char *key);

//  True when KEY is one of a person ledger's role columns.
bool ml_ledger_is_role_key (const char *key);

//  The event key a header names: the key itself or its Chinese name ("kind" for 类型); NULL
//  when it names none.
const char *ml_ledger_key_of_header (const char *header);

#endif
