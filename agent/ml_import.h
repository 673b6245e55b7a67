/* ml_import.h -- importing one ledger file into the outbox, all or nothing. A reader (JSONL or
   CSV ledger) turns each row into an event and feeds it with ml_import_row; the import
   validates it against the roster (the outbox's plus this file's earlier rows) and, when every
   row of the file is good, commits them all in one outbox transaction. */
#ifndef ML_IMPORT_H
#define ML_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "massline.pb-c.h"
#include "ml_date.h"
#include "ml_event.h"
#include "ml_outbox.h"

typedef struct ml_import ml_import_t;

//  Starts an import of the file named FILE (used in messages and as the events' source
//  "FILE:LINE") into OUTBOX (borrowed). Events dated after TODAY are refused. NULL on no memory.
ml_import_t *ml_import_new (ml_outbox_t *outbox, const char *file, ml_day_t today);

//  Frees the import (and every row not committed); sets *SELF_P to NULL. Safe on NULL.
void ml_import_destroy (ml_import_t **self_p);

//  Feeds the event read from row LINE: takes it (*EV_P becomes NULL), refuses a ref of the form
//  reserved for derived refs ("~..."), gives it a ref if it has none, validates it, and keeps it
//  for the commit, or notes why the row is bad.
void ml_import_row (ml_import_t *self, size_t line, Massline__Event **ev_p);

//  Notes that row LINE could not be read as an event, for the reason in ERR.
void ml_import_bad_row (ml_import_t *self, size_t line, const ml_verr_t *err);

//  Also writes every error line, without the program name ("FILE:LINE: field 'x': reason"), to
//  COPY (borrowed; NULL: none). The spool folder keeps them in NAME.errors.txt.
void ml_import_copy_errors (ml_import_t *self, FILE *copy);

//  Reads IN as JSONL (one event object per line; blank lines skipped) and feeds every row.
//  Shows progress on stderr when it is a terminal. Returns 0, or ML_EIO (a read error, printed).
int ml_import_read_jsonl (ml_import_t *self, FILE *in);

//  Reads the CSV ledger at PATH (ml_ledger.h) and feeds every row; errors name the columns as
//  the file's header writes them ("field '公布日期'"). A file that is no ledger at all (unreadable,
//  no header, unknown or missing columns) gets one error "FILE: reason", printed at once; one
//  that is UTF-8 but for some lines gets "FILE:LINE: not valid UTF-8, ..." naming the first.
//  Returns 0, or ML_EINVAL for such a file (then there is nothing to commit).
int ml_import_read_csv (ml_import_t *self, const char *path);

//  If every row is good, commits them in one outbox transaction, skipping rows already there
//  with the same content; *RECORDED and *SKIPPED get the counts. A row whose derived ref (no
//  ref of its own) is already recorded with another note is the same event with an edited note:
//  skipped with a warning that names the ref to correct. Otherwise commits nothing and
//  prints each bad row, in line order, as "PROG: FILE:LINE: field 'x': reason" (rows whose ref
//  is already recorded with other content included). Returns 0, ML_EINVAL (bad rows), or the
//  outbox's ML_EFULL / ML_EIO (printed).
int ml_import_commit (ml_import_t *self, size_t *recorded, size_t *skipped);

//  What ml_import_refs says of each good row: its LINE, REF, and what the outbox holds: STATUS
//  0 (not recorded yet), ML_EDUP (recorded as SEQ) or ML_ECONFLICT (REF recorded as SEQ with
//  other content).
typedef void (ml_import_ref_fn) (void *arg, size_t line, const char *ref, int status, uint64_t seq);

//  Instead of a commit: calls FN for every good row in file order, recording nothing. Bad rows
//  are printed as by ml_import_commit. Returns 0, ML_EINVAL (some rows bad), or the storage error.
int ml_import_refs (ml_import_t *self, ml_import_ref_fn *fn, void *arg);

//  True when NAME ends in .csv or .jsonl (in any case): a ledger ml_import_file reads.
bool ml_import_is_ledger (const char *name);

//  The whole import of the ledger at PATH (.csv: ml_import_read_csv, else JSONL) in one call,
//  named NAME in messages and in the events' sources "NAME:LINE", events dated after today
//  refused: reads, checks and commits, all or nothing (after bad rows a last line "NAME:
//  nothing recorded from this file" is printed, not copied). Error lines also go to ERRORS
//  (NULL: nowhere else). With REFS_FN, records nothing and calls it for each good row instead,
//  as ml_import_refs. Returns 0 with the counts, ML_EINVAL (no ledger, or bad rows), or ML_EIO,
//  ML_ENOMEM or the outbox's error; every message is printed.
int ml_import_file (ml_outbox_t *outbox, const char *path, const char *name, FILE *errors,
                    size_t *recorded, size_t *skipped, ml_import_ref_fn *refs_fn, void *arg);

#endif
