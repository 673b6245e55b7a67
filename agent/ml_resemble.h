/* ml_resemble.h -- does a new ledger row resemble an event already recorded? A row whose ref is
   derived from its content ("~...") gets a new ref when any cell but 备注 changes, so a clerk who
   fixes a recorded row in the spreadsheet and imports it again would record a second event.
   The import asks here first: a new row with the same kind, person and date as a recorded
   event is refused, naming that event, unless the row says 更正编号 (a correction) or 新增 in
   编号 (another event indeed). */
#ifndef ML_RESEMBLE_H
#define ML_RESEMBLE_H

#include <jansson.h>
#include <stdbool.h>

#include "ml_outbox.h"

//  The 编号 that marks a row as another event indeed, not a change of a recorded one.
#define ML_RESEMBLE_NEW "新增"

typedef struct ml_resemble ml_resemble_t;

//  The key of ledger row OBJ (a JSON event): "kind\x1fperson\x1fdate", malloc'd; NULL when the
//  row has no person or no date, or is a correction, void, person or org.
char *ml_resemble_key (const json_t *obj);

//  Reads every recorded plain event of OUTBOX: its ref and key. NULL on failure (storage, memory).
ml_resemble_t *ml_resemble_load (ml_outbox_t *outbox);

//  Frees it, sets *SELF_P to NULL. Safe on NULL.
void ml_resemble_destroy (ml_resemble_t **self_p);

//  True when an event of ref REF is recorded.
bool ml_resemble_has_ref (const ml_resemble_t *self, const char *ref);

//  The ref of a recorded event with key KEY, or NULL. Borrowed.
const char *ml_resemble_find (const ml_resemble_t *self, const char *key);

#endif
