/* ml_spool.h -- the spool folder `massline-agent run` watches: a ledger (.csv or .jsonl) put
   into it is imported with ml_import_file (all or nothing, one outbox transaction), then moved
   to done/, or to failed/ with NAME.errors.txt beside it (the error lines). The move comes after
   the commit, so after a crash in between the file is imported again, finds everything recorded
   already, and moves on: nothing is imported twice or in part. */
#ifndef ML_SPOOL_H
#define ML_SPOOL_H

#include <stddef.h>

#include "ml_outbox.h"

typedef struct ml_spool ml_spool_t;

#define ML_SPOOL_LOOK_MS 500        //  how often `run` looks at the folder

//  Watches the folder DIR for OUTBOX (borrowed; must outlive it), making DIR, DIR/done and
//  DIR/failed when missing. Returns NULL with a reason naming DIR in ERR when it cannot.
ml_spool_t *ml_spool_new (const char *dir, ml_outbox_t *outbox, char *err, size_t errlen);

//  Frees the watcher and sets *SELF_P to NULL. Safe on NULL.
void ml_spool_destroy (ml_spool_t **self_p);

//  One look at the folder (an ml_forward_tick_fn): when no ledger file in it is new or has
//  changed since the last look, imports each, persons first, then orgs, then the other ledgers
//  in template order (voids last), then by name, and moves it. Dotfiles, folders and files of
//  other names are left alone. A file that could not be imported or moved for want of storage
//  or permissions stays and is tried again a minute later. Logs what it does.
void ml_spool_look (void *self);

#endif
