/* ml_outbox.h -- the agent's durable outbox: events numbered by seq in an LMDB environment,
   kept until (and after) the collector acknowledges them. Safe to use from several processes at
   once (record, import, run, flush, status): LMDB serialises the writers. */
#ifndef ML_OUTBOX_H
#define ML_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "massline.pb-c.h"

typedef struct ml_outbox ml_outbox_t;

#define ML_OUTBOX_MAP_SIZE ((size_t) 1 << 30)   //  default LMDB map size: 1 GiB (outbox_max_mb)

//  One event to append, and what happened to it.
typedef struct {
    const uint8_t *data;        //  the packed event (stored as is)
    size_t len;                 //  its size in bytes
    const char *ref;            //  its ref (unit-unique; required)
    const char *source;         //  where it came from: "FILE:LINE" or "record"
    const char *person;         //  id this event defines in the roster (a `person` event), or NULL
    const char *org;            //  id this event defines in the roster (an `org` event), or NULL
    const char *supersedes;     //  the ref a `correction` or `void` replaces, or NULL
    bool voids;                 //  with SUPERSEDES: the event is a `void`
    int status;                 //  out: 0 appended, ML_EDUP same ref and content already there,
                                //  ML_ECONFLICT same ref with different content
    uint64_t seq;               //  out: seq given (0), or seq of the event already there
    long same_as;               //  out: for EDUP/ECONFLICT, the index of the earlier item of
                                //  this same call holding the ref, or -1 when it was there before
} ml_outbox_item_t;

//  A stored event as read back; DATA points into the database and is valid only in the visitor.
typedef struct {
    uint64_t seq;
    const uint8_t *data;
    size_t len;
} ml_outbox_entry_t;

//  A rejected event, as the collector explained it.
typedef struct {
    uint64_t seq;
    const char *code;           //  machine-readable ("invalid", "ref_conflict", ...)
    const char *reason;         //  one human-readable line
    const char *ref;            //  ref of the event (NULL: looked up from the outbox)
    const char *source;         //  when listed: "FILE:LINE", "record", or NULL when unknown
    uint64_t replaced_by;       //  when listed: seq of a later event that took over the ref
                                //  (its fixed version), or 0
} ml_outbox_reject_t;

//  Counters and marks, read in one transaction.
typedef struct {
    uint64_t next_seq;          //  the seq the next appended event gets (first is 1)
    uint64_t acked_seq;         //  every seq <= this is acknowledged (applied or rejected)
    uint64_t events;            //  events stored (acknowledged ones are kept)
    uint64_t pending;           //  events with seq > acked_seq
    uint64_t rejected;          //  events the collector rejected
    uint64_t acked;             //  events acknowledged and accepted (events - pending - rejected)
    int64_t last_contact;       //  unix seconds of the last answer from the collector, 0: never
    uint64_t renumbered;        //  how far ml_outbox_adopt has moved the seqs, in total: a seq
                                //  S read when this was R is now S + (renumbered - R)
    uint64_t reclaimed;         //  acknowledged events whose bytes were reclaimed (in EVENTS)
    uint64_t reclaimed_seq;     //  the highest seq reclaimed, 0: none
} ml_outbox_stat_t;

//  Opens (creating if needed) the outbox in the folder DIR. MAP_SIZE 0 means ML_OUTBOX_MAP_SIZE.
//  Returns NULL on failure and writes a one-line reason naming DIR into ERR.
ml_outbox_t *ml_outbox_open (const char *dir, size_t map_size, char *err, size_t errlen);

//  Closes the outbox and sets *SELF_P to NULL. Safe on NULL.
void ml_outbox_close (ml_outbox_t **self_p);

//  The folder the outbox lives in. Borrowed.
const char *ml_outbox_dir (ml_outbox_t *self);

//  The text of the last storage failure ("mdb_put events: the map is full ..."). A short write, which
//  LMDB reports as a bare EIO, is said with its cause when one is found: "mdb_txn_commit: short
//  write: No space left on device", or "... File too large: data.mdb reached the file size
//  limit of N bytes". Borrowed.
const char *ml_outbox_error (ml_outbox_t *self);

//  Appends ITEMS in one durable write transaction, numbering new events consecutively. Items
//  whose ref is already stored (or earlier in ITEMS) with the same bytes are skipped (EDUP).
//  An item whose ref is stored with other bytes conflicts, unless the collector rejected the
//  stored event: then the item is its fixed version, appended, and the ref points at it.
//  If any item conflicts, nothing is written and ML_ECONFLICT is returned; the statuses tell
//  which. With DRY_RUN nothing is written either way (statuses and seqs are what would be).
//  Returns 0, ML_ECONFLICT, ML_EFULL (map or disk full: nothing written) or ML_EIO.
int ml_outbox_append (ml_outbox_t *self, ml_outbox_item_t *items, size_t count, bool dry_run);

//  Calls FN once with up to MAX consecutive stored events from seq FROM on (fewer at the end,
//  none when there are none), all read in one read transaction. Returns FN's result, or
//  ML_EIO. The entries and their bytes are valid only during FN.
typedef int (ml_outbox_visit_fn) (const ml_outbox_entry_t *entries, size_t count, void *arg);
int ml_outbox_read (ml_outbox_t *self, uint64_t from, size_t max, ml_outbox_visit_fn *fn, void *arg);

//  Records an acknowledgement in one durable transaction: acked_seq = max (acked_seq, THROUGH),
//  stores REJECTS (replacing earlier ones for the same seq), sets last_contact to NOW, and
//  forgets a refusal (ml_outbox_set_trouble) of a seq <= THROUGH.
//  Acknowledged events' bytes are kept up to a quarter of the map size; beyond it the oldest
//  accepted ones are reclaimed (their ref, source and roster entries stay: re-import and `refs`
//  still know them; ml_outbox_get and ml_outbox_current then find no bytes).
//  Returns 0, ML_EFULL or ML_EIO.
int ml_outbox_ack (ml_outbox_t *self, uint64_t through, const ml_outbox_reject_t *rejects,
                   size_t count, int64_t now);

//  Makes the outbox continue the numbering of a collector that expects NEXT_SEQ (everything
//  below counts as acknowledged): an empty outbox just goes on from there; one whose events were
//  never sent (no collector ever answered it) renumbers them from NEXT_SEQ on, in order, in one
//  transaction. Returns 0, ML_EEXIST when the outbox has events and has heard from a collector
//  (or already numbers beyond NEXT_SEQ), or the storage error.
int ml_outbox_adopt (ml_outbox_t *self, uint64_t next_seq);

#define ML_FRAME_MAX_DEFAULT 8388608    //  a collector's max_frame_bytes until it names its own
#define ML_BATCH_FRAMING 256            //  bytes a Batch frame needs around one event

//  The biggest packed event the collector takes in a frame: the max_frame_bytes its last Welcome
//  named (ML_FRAME_MAX_DEFAULT before it named one; into *FRAME_MAX unless NULL) less
//  ML_BATCH_FRAMING. record and import refuse bigger events.
size_t ml_outbox_event_max (ml_outbox_t *self, size_t *frame_max);

//  Notes the max_frame_bytes a collector named in its Welcome. Returns 0 or the storage error.
int ml_outbox_set_frame_max (ml_outbox_t *self, uint64_t frame_max);

//  Notes that the collector refuses event SEQ for the reason TEXT (one line), until an
//  acknowledgement reaches SEQ (ml_outbox_ack clears it). Returns 0 or the storage error.
int ml_outbox_set_trouble (ml_outbox_t *self, uint64_t seq, const char *text);

//  The refusal ml_outbox_set_trouble noted, into BUF (LEN bytes) and *SEQ; false when none.
bool ml_outbox_trouble (ml_outbox_t *self, uint64_t *seq, char *buf, size_t len);

//  Reads the counters and marks into STAT. Returns 0 or ML_EIO.
int ml_outbox_stat (ml_outbox_t *self, ml_outbox_stat_t *stat);

//  Calls FN for each rejected event in seq order (with its ref, source and replaced_by filled
//  in), until FN returns non-zero. Returns FN's non-zero result, 0, or ML_EIO.
typedef int (ml_outbox_reject_fn) (const ml_outbox_reject_t *reject, void *arg);
int ml_outbox_rejects (ml_outbox_t *self, ml_outbox_reject_fn *fn, void *arg);

//  Where ml_outbox_current found the current version of a ref.
typedef struct {
    uint64_t seq;               //  seq of the ref's own event
    bool rejected;              //  the collector rejected the ref's own event
    bool control;               //  the ref's own event is a correction or void (then *EV_P is it)
    bool voided;                //  a void of the ref is recorded (not rejected)
    uint64_t version_seq;       //  seq of the event holding the current version
    char version_ref[256];      //  the ref of that event: the ref itself, or a correction's ref
    bool reclaimed;             //  REF's own event was acknowledged and its bytes reclaimed
                                //  (then ML_EINVAL is returned)
} ml_outbox_version_t;

//  Looks up the event REF and its latest version: REF's own event, replaced by the inner event
//  of each later correction of REF the collector has not rejected, in seq order (a void ends
//  the chain: V->voided, *EV_P the last version before it). *EV_P gets a plain event whose ref
//  is REF; caller frees it with ml_event_free. Returns 0, ML_ENOTFOUND when REF is not in the
//  outbox, ML_EINVAL when a stored event does not decode, or ML_EIO / ML_ENOMEM.
int ml_outbox_current (ml_outbox_t *self, const char *ref, Massline__Event **ev_p,
                       ml_outbox_version_t *v);

//  Reads the stored event SEQ into *EV_P (caller frees with ml_event_free). Returns 0,
//  ML_ENOTFOUND, ML_EINVAL (undecodable) or ML_EIO.
int ml_outbox_get (ml_outbox_t *self, uint64_t seq, Massline__Event **ev_p);

//  True when a `person` (or `org`) event defining ID is in the outbox.
bool ml_outbox_has_person (ml_outbox_t *self, const char *id);
bool ml_outbox_has_org (ml_outbox_t *self, const char *id);

//  Keeps JSON (a NUL-terminated array of {year, state, version, decided_by, decided_at, reason})
//  as the collector's last word on the unit's years, from its Welcome. Returns 0 or the failure.
int ml_outbox_set_years (ml_outbox_t *self, const char *json);

//  That JSON text (malloc'd, caller frees), or NULL when none was kept.
char *ml_outbox_years (ml_outbox_t *self);

#endif
