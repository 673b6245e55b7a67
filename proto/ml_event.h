/* ml_event.h -- activity events: JSON <-> Event <-> protobuf bytes, and validation.
   One module used by both the agent and the collector, so both judge an event the same way.
   Events are Massline__Event structs from massline.pb-c.h; everything this module returns is
   malloc'd and freed with ml_event_free (protobuf_c_message_free_unpacked underneath). */
#ifndef ML_EVENT_H
#define ML_EVENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "massline.pb-c.h"
#include "ml_date.h"

#define ML_ID_MAX 64       //  ids (ref, person, org, case, ...): 1..64 bytes of [A-Za-z0-9._-];
                           //  ref and supersedes may also be a derived ref "~" + 24 hex digits
#define ML_TEXT_MAX 2000   //  free text (title, note, measures, ...): at most 2000 bytes of UTF-8
#define ML_REPORT_DOC_MAX 4194304   //  a `report` event's document: at most 4 MiB of UTF-8 (a
                                    //  40-page roll-up's JSON is well under 1 MiB; docs/tiers.md)
#define ML_TIER_VERSION 1  //  the tier protocol a `report` event speaks (its tier_version)

//  What was wrong with an event: the field (JSON key; "" when the whole event) and why.
//  ml_verr_text renders it as "field 'date': not a date (2026-13-01)" or just the reason.
typedef struct {
    char field[64];
    char reason[320];
} ml_verr_t;

//  Writes the one-line text of ERR into BUF and returns BUF.
const char *ml_verr_text (const ml_verr_t *err, char *buf, size_t len);

//  What semantic validation needs from its caller: the roster seen so far and today.
typedef struct {
    bool (*has_person) (void *ctx, const char *person);   //  NULL: every person is known
    bool (*has_org) (void *ctx, const char *org);         //  NULL: every org is known
    void *ctx;
    ml_day_t today;                                       //  events dated after this are refused
} ml_vctx_t;

//  Builds an event from a JSON object (keys of interfaces.md). Checks: "kind" present and known,
//  no unknown keys, JSON types, enum values, required keys. Returns NULL and fills ERR on failure.
Massline__Event *ml_event_from_json (const json_t *obj, ml_verr_t *err);

//  Parses one JSONL line (LEN bytes, need not be NUL-terminated) with ml_event_from_json.
Massline__Event *ml_event_from_jsonl (const char *line, size_t len, ml_verr_t *err);

//  Builds an event of KIND from "key=value" words, as typed after `massline-agent record KIND`.
//  Values are text; booleans take true/false/1/0/是/否, numbers decimal. "roles" takes a JSON list,
//  "event" a JSON object; a word without '=' or a repeated key is an error, and so is a ref that
//  ml_event_user_ref_problem refuses.
Massline__Event *ml_event_from_kv (const char *kind, int argc, char *const *argv, ml_verr_t *err);

//  The JSON object of EV (kind first, then ref, note and the kind's keys). Caller owns the result;
//  NULL when out of memory or when EV holds text that is not UTF-8 or an unknown enum number.
json_t *ml_event_to_json (const Massline__Event *ev);

//  Semantic checks: ids well-formed, dates real days, event date not after CTX->today, end/to/
//  deadline not before date, text lengths, UTF-8, roster (person, head, signed_by, commitment
//  org, about) known, group_size >= 1, commitment and exemption have exactly one of person/org, correction's inner
//  event valid. CTX must not be NULL. Returns 0 or ML_EINVAL with ERR filled.
int ml_event_validate (const Massline__Event *ev, const ml_vctx_t *ctx, ml_verr_t *err);

//  The kind name ("talk"), or NULL when no body is set.
const char *ml_event_kind (const Massline__Event *ev);

//  True when NAME is a known kind.
bool ml_event_kind_known (const char *name);

//  The body's string field NAME ("person", "date", "case"...), or NULL when absent or not a
//  string field of this kind. Borrowed.
const char *ml_event_str (const Massline__Event *ev, const char *name);

//  The event's date as a day number. Returns ML_ENOTFOUND when the kind has no date set.
int ml_event_date (const Massline__Event *ev, ml_day_t *day);

//  Sets ev->ref from the content when absent: "~" followed by the first 24 hex digits of
//  SHA-256 over the packed event without ref and note. So the same row always gets the same ref.
int ml_event_ensure_ref (Massline__Event *ev);

//  Why REF, given by a person (record, a ledger row, a JSONL line), cannot be used, or NULL when
//  it can: refs starting with "~" are reserved for those ml_event_ensure_ref derives, so that a
//  row can never take the ref another row's content derives. Validation (agent and collector)
//  accepts the derived form; only input from people is checked with this.
const char *ml_event_user_ref_problem (const char *ref);

//  Packs EV into a malloc'd buffer; *LEN gets its size. NULL on out of memory.
uint8_t *ml_event_pack (const Massline__Event *ev, size_t *len);

//  Unpacks bytes (as stored or received). NULL and ERR "not a valid event encoding" on failure.
Massline__Event *ml_event_unpack (const uint8_t *data, size_t len, ml_verr_t *err);

//  SHA-256 of LEN bytes at DATA into OUT.
void ml_sha256 (const uint8_t *data, size_t len, uint8_t out[32]);

//  Frees an event and sets *EV_P to NULL. Safe on NULL.
void ml_event_free (Massline__Event **ev_p);

#endif
