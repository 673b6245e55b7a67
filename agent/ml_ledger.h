/* ml_ledger.h -- ledger spreadsheets (台账) saved as CSV: one kind of event per file, headers in
   English keys or the Chinese names staff write, UTF-8 (with or without BOM) or GB18030.
   Rows become JSON event objects for ml_event_from_json; the same table of columns writes the
   templates under ops/templates/, so templates and importer cannot drift apart. */
#ifndef ML_LEDGER_H
#define ML_LEDGER_H

#include <jansson.h>
#include <stdio.h>

typedef struct ml_ledger ml_ledger_t;

//  Reads and parses PATH. The kind comes from a kind/类型 column, else from the file name
//  (接访台账.csv, reception_day.csv, ...). Returns NULL with "PATH: reason" in ERR when the file
//  cannot be read, has no header, names unknown columns or lacks a required one, and with
//  "PATH:LINE: reason" when a header holds a NUL byte or when the file is UTF-8 but for some
//  lines (LINE: the first of them). Valid UTF-8 is never reinterpreted: a file is read as
//  GB18030 only when no line of it is UTF-8 text beyond ASCII.
ml_ledger_t *ml_ledger_open (const char *path, char *err, size_t errlen);

//  Closes the ledger and sets *SELF_P to NULL. Safe on NULL.
void ml_ledger_destroy (ml_ledger_t **self_p);

//  The kind of every row ("reception_day"), or NULL when the file has a kind column.
const char *ml_ledger_kind (const ml_ledger_t *self);

//  "utf-8", "utf-8 (BOM)" or "gb18030": how the file was read.
const char *ml_ledger_encoding (const ml_ledger_t *self);

//  Called for each data row: LINE is the row's first line in the file; OBJ its JSON event (borrowed),
//  or NULL when the row itself is wrong (a cell holding a NUL byte, too), with FIELD (the header
//  as written) and REASON.
typedef int (*ml_ledger_row_fn) (void *arg, int line, const json_t *obj, const char *field,
                                 const char *reason);

//  Calls FN for every non-empty data row in file order; stops when FN returns non-zero and
//  returns that value. Rows of a `person` ledger with the same 人员编号 are merged into one event
//  (one row per role); the event's line is its first row's.
int ml_ledger_each (ml_ledger_t *self, ml_ledger_row_fn fn, void *arg);

//  The header this file used for event key KEY ("公布日期" for "announced"), or KEY itself.
//  Nested keys like "event.date" or "roles[0].from" map through their last part. Borrowed.
const char *ml_ledger_header (const ml_ledger_t *self, const char *key);

//  The Chinese ledger name of KIND ("接访台账"), or NULL for an unknown kind.
const char *ml_ledger_name (const char *kind);

//  The I-th kind that has a ledger (0, 1, ...: person first, void last), NULL past the end.
const char *ml_ledger_kind_at (size_t i);

//  The kind a ledger NAME stands for: a kind ("reception_day") or a ledger name ("接访台账"),
//  or NULL when neither.
const char *ml_ledger_kind_named (const char *name);

//  The kind a file name names (接访台账.csv, 2026年3月接访台账.csv, reception_day.csv), or NULL.
const char *ml_ledger_kind_of_path (const char *path);

//  The header KIND's template writes for event key KEY ("公布日期" for reception_day's
//  "announced"), or KEY itself. Nested keys ("event.date", "roles[0].from") map through their
//  last part. Borrowed.
const char *ml_ledger_label (const char *kind, const char *key);

//  Writes the template of KIND: UTF-8 with BOM, CRLF, Chinese headers (编号, the kind's
//  columns, 备注, and 更正编号 for correction rows), one sample row. Returns 0, ML_EINVAL for a
//  kind without a ledger, or ML_EIO.
int ml_ledger_template (const char *kind, FILE *out);

#endif
