/* ml_relay.h -- the collector's upstream relay (issue 13, docs/tiers.md): a thread that copies
   the reports its acceptances kept in the store (tier_out) into a durable outbox by ref, and
   forwards that outbox to the higher collector named by [upstream] over the agents' exactly-once
   protocol (delivery/ml_outbox, ml_forward). The copy is idempotent, so a crash anywhere between
   the acceptance and the higher tier's acknowledgement loses nothing and sends nothing twice. */
#ifndef ML_RELAY_H
#define ML_RELAY_H

#include <stddef.h>

#include "ml_store.h"

typedef struct ml_relay ml_relay_t;

//  Reads UPSTREAM_INI ([upstream]: endpoint, collector_key, public_key, secret_key; key paths
//  relative to that file), opens the relay's outbox in DATA_DIR/upstream-outbox and starts the
//  thread over STORE (borrowed; must outlive the relay). NULL with one line in ERR on failure.
ml_relay_t *ml_relay_start (ml_store_t *store, const char *upstream_ini, const char *data_dir,
                            char *err, size_t errlen);

//  Stops the thread (it ends its current exchange first), closes the outbox, frees; *SELF_P NULL.
void ml_relay_stop (ml_relay_t **self_p);

//  The folder of the relay's outbox for DATA_DIR, into BUF: what `massline status` reads.
const char *ml_relay_outbox_dir (const char *data_dir, char *buf, size_t len);

#endif
