/* ml_import.h -- importing one ledger file into the outbox, all or nothing. A reader (JSONL
   here; CSV later) turns each row into an event and feeds it with ml_import_row; the import
   validates it against the roster (the outbox's plus this file's earlier rows) and, when every
   row of the file is good, commits them all in one outbox transaction. */
#ifndef ML_IMPORT_H
#define ML_IMPORT_H

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

//  Feeds the event read from row LINE: takes it (*EV_P becomes NULL), gives it a ref if it has
//  none, validates it, and keeps it for the commit, or notes why the row is bad.
void ml_import_row (ml_import_t *self, size_t line, Massline__Event **ev_p);

//  Notes that row LINE could not be read as an event, for the reason in ERR.
void ml_import_bad_row (ml_import_t *self, size_t line, const ml_verr_t *err);

//  Reads IN as JSONL (one event object per line; blank lines skipped) and feeds every row.
//  Shows progress on stderr when it is a terminal. Returns 0, or ML_EIO (a read error, printed).
int ml_import_read_jsonl (ml_import_t *self, FILE *in);

//  If every row is good, commits them in one outbox transaction, skipping rows already there
//  with the same content; *RECORDED and *SKIPPED get the counts. Otherwise commits nothing and
//  prints each bad row, in line order, as "PROG: FILE:LINE: field 'x': reason" (rows whose ref
//  is already recorded with other content included). Returns 0, ML_EINVAL (bad rows), or the
//  outbox's ML_EFULL / ML_EIO (printed).
int ml_import_commit (ml_import_t *self, size_t *recorded, size_t *skipped);

#endif
