/* ml_query_tier.c -- the upper tiers' queries (ml_query_tier.h).
     review bureau   year= [reason=]                  the bureau's own year -> a `report` event
     status upstream                                  at a bureau: its reports and their state
     report members  year=                            at a committee: each member's documents
     report show     member= year= [version=] [kind=] at a committee: a member's document */
#include "ml_query_tier.h"
#include "ml_chain.h"
#include "ml_date.h"
#include "ml_db.h"
#include "ml_err.h"
#include "ml_event.h"
#include "ml_log.h"
#include "ml_report.h"
#include "ml_store_source.h"
#include "ml_tier.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
s_units (void *ctx, ml_unit_fn *fn, void *arg)
{
    const ml_registry_t *registry = ctx;
    int rc = 0;
    for (size_t i = 0; i < ml_registry_unit_count (registry) && !rc; i++) {
        const ml_unit_t *u = ml_registry_unit_at (registry, i);
        rc = fn (arg, u->id, u->name);
    }
    return rc;
}

// ---------------------------------------------------------------------------
// review bureau, and the bureau's year decided by its last unit's acceptance

//  The latest roll-up of a year kept in tier_out (borrowed from the transaction).
typedef struct {
    uint32_t version;
    const uint8_t *data;
    size_t len;
} s_last_t;

static int
s_last_version (void *arg, const ml_tier_doc_t *doc)
{
    s_last_t *last = arg;
    if (strcmp (doc->kind, "rollup") == 0 && doc->version > last->version)
        *last = (s_last_t) { doc->version, doc->data, doc->len };
    return 0;
}

//  True when LAST is a roll-up of every unit accepted whose chain head is HEXHEAD: nothing has
//  happened since that the higher tier does not have.
static bool
s_same (const s_last_t *last, const char *hexhead)
{
    if (!last->version)
        return false;
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (last->data, last->len, &verr);
    bool same = false;
    if (ev && ev->body_case == MASSLINE__EVENT__BODY_REPORT && ev->report->chain_head
    &&  strcmp (ev->report->chain_head, hexhead) == 0) {
        json_t *doc = json_loads (ev->report->document, 0, NULL);
        json_t *missing = json_object_get (json_object_get (doc, "bureau"), "units_not_accepted");
        same = json_is_array (missing) && json_array_size (missing) == 0;
        json_decref (doc);
    }
    ml_event_free (&ev);
    return same;
}

//  When the relay's word (ml_store_tier_relay) on version VERSION of YEAR's roll-up is that the
//  higher tier returned or refused it: "returned" or "refused", with its reason in REASON;
//  else NULL (pending, delivered, accepted, or no word yet).
static const char *
s_answered (ml_store_txn_t *txn, int year, uint32_t version, char *reason, size_t len)
{
    char *word = ml_store_tier_relay (txn), ref[96];
    json_t *all = word ? json_loads (word, 0, NULL) : NULL;
    free (word);
    snprintf (ref, sizeof ref, "tier-%d-v%u-rollup", year, version);
    json_t *w = json_object_get (all, ref);
    const char *state = json_string_value (json_object_get (w, "state"));
    const char *answer = NULL;
    if (state && (strcmp (state, "returned") == 0 || strcmp (state, "refused") == 0)) {
        answer = strcmp (state, "returned") == 0 ? "returned" : "refused";
        const char *why = json_string_value (json_object_get (w, "reason"));
        snprintf (reason, len, "%s", why && *why ? why : "no reason given");
    }
    json_decref (all);
    return answer;
}

//  Decides the bureau's YEAR in the write TXN: its roll-up as it stands, with the decision
//  (WHO, REASON, BY: "reviewer" or "all_units_accepted"), becomes a `report` event kept in
//  tier_out for the relay. When every unit is accepted and the latest version already says so
//  over the same chain head, nothing new is kept: *REPLY says state "already" -- unless the
//  higher tier returned or refused that version (the relay's word) and the reviewer decides:
//  then a new version goes up, with a REASON required (ML_ECONFLICT). With units not
//  accepted, a REASON is required (ML_ECONFLICT). Fails as ml_query_fn does; TXN is left open.
static int
s_decide (const ml_query_t *q, ml_store_txn_t *txn, int year, const char *reason, const char *by,
          json_t **reply, char *code, size_t codelen, char *msg, size_t msglen)
{
    //  the units whose year is not accepted, and the bureau's head over its units' heads
    json_t *missing = json_array ();
    uint8_t head[32] = { 0 };
    uint64_t events = 0;
    int rc = 0;
    for (size_t i = 0; i < ml_registry_unit_count (q->registry) && !rc; i++) {
        const ml_unit_t *u = ml_registry_unit_at (q->registry, i);
        ml_year_t y;
        ml_chain_head_t h;
        int yrc = ml_chain_year (txn, u->id, year, &y);
        if (yrc && yrc != ML_ENOTFOUND)
            rc = yrc;
        else
        if (yrc || y.state != ML_YEAR_ACCEPTED)
            json_array_append_new (missing, json_string (u->id));
        if (!rc && !(rc = ml_chain_head (txn, u->id, &h))) {
            uint8_t step[ML_ID_MAX + 1 + 8 + 32];
            size_t n = strlen (u->id) + 1;
            memcpy (step, u->id, n);
            ml_db_be64_put (step + n, h.count);
            memcpy (step + n + 8, h.head, 32);
            ml_chain_step (head, step, n + 40, head);
            events += h.count;
        }
    }
    s_last_t last = { 0, NULL, 0 };
    if (!rc)
        rc = ml_store_tier_each (txn, false, NULL, year, s_last_version, &last);
    if (rc) {
        json_decref (missing);
        return ML_QUERY_FAIL (rc, "storage", "cannot read the store: %s", ml_strerror (rc));
    }
    char hexhead[65], day[16], ref[64], digest[65], answered[512] = "";
    ml_query_hex (head, 32, hexhead);
    bool same = json_array_size (missing) == 0 && s_same (&last, hexhead);
    const char *answer = same ? s_answered (txn, year, last.version, answered, sizeof answered)
                              : NULL;
    if (answer && strcmp (by, "reviewer") == 0 && (!reason || !*reason)) {
        //  the higher tier sent that version back: the reviewer answers with an explanation
        json_decref (missing);
        return ML_QUERY_FAIL (ML_ECONFLICT, "conflict", "version %u of %d was %s by the higher "
                              "tier (%s): send version %u with a reason that answers it "
                              "(--reason TEXT)", last.version, year, answer, answered,
                              last.version + 1);
    }
    if (same && !(answer && strcmp (by, "reviewer") == 0)) {
        //  the year went up already (by the last acceptance, or an earlier decision)
        Massline__Event *ev = ml_event_unpack (last.data, last.len, NULL);
        *reply = json_pack ("{s:i, s:i, s:s, s:s, s:s, s:o}", "year", year, "version",
                            (int) last.version, "report", "rollup", "digest",
                            ev && ev->report ? ev->report->digest : "", "state", "already",
                            "units_not_accepted", missing);
        ml_event_free (&ev);
        return *reply ? 0 : ML_QUERY_FAIL (ML_ENOMEM, "internal", "out of memory");
    }
    uint32_t version = last.version + 1;
    if (json_array_size (missing) && (!reason || !*reason)) {
        char list[512] = "";
        size_t i;
        json_t *v;
        json_array_foreach (missing, i, v)
            snprintf (list + strlen (list), sizeof list - strlen (list), "%s%s", i ? ", " : "",
                      json_string_value (v));
        json_decref (missing);
        return ML_QUERY_FAIL (ML_ECONFLICT, "conflict", "%d is not accepted for %s: decide the bureau's "
                       "year anyway with a reason (--reason TEXT) that the higher tier reads",
                       year, list);
    }
    if (events == 0 || events > UINT32_MAX) {
        json_decref (missing);
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "nothing to report: no unit has stored an event");
    }
    //  the roll-up as it stands, with the bureau's decision: the document
    ml_source_t src;
    ml_store_source (txn, s_units, (void *) q->registry, year, &src);
    ml_report_ctx_t ctx = { q->rules, &src, ml_date_today () };
    char err[512] = "";
    json_t *doc = q->rules ? ml_report_rollup (&ctx, year, ML_NODAY, err, sizeof err) : NULL;
    if (!doc) {
        json_decref (missing);
        return ML_QUERY_FAIL (ML_EIO, "internal", "the roll-up could not be built: %s", err);
    }
    ml_date_format (ml_date_today (), day);
    json_object_set_new (doc, "bureau", json_pack ("{s:i, s:i, s:s, s:s, s:s, s:I, s:s, s:O, s:s}",
        "year", year, "version", (int) version, "decided_by", q->who->id, "decided_at", day,
        "decided_as", by, "chain_events", (json_int_t) events, "chain_head", hexhead,
        "units_not_accepted", missing, "reason", reason ? reason : ""));
    char *text = json_dumps (doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref (doc);
    if (!text) {
        json_decref (missing);
        return ML_QUERY_FAIL (ML_ENOMEM, "internal", "out of memory");
    }
    uint8_t sha[32];
    ml_sha256 ((const uint8_t *) text, strlen (text), sha);
    ml_query_hex (sha, 32, digest);
    snprintf (ref, sizeof ref, "rollup-%d-v%u", year, version);
    Massline__Report r = MASSLINE__REPORT__INIT;
    r.date = day;
    r.year = (uint32_t) year;
    r.report = "rollup";
    r.version = version;
    r.document = text;
    r.digest = digest;
    r.chain_head = hexhead;
    r.chain_events = (uint32_t) events;
    r.tier_version = ML_TIER_VERSION;
    r.reason = reason && *reason ? (char *) reason : NULL;
    Massline__Event ev = MASSLINE__EVENT__INIT;
    ev.ref = ref;
    ev.body_case = MASSLINE__EVENT__BODY_REPORT;
    ev.report = &r;
    size_t len = 0;
    uint8_t *bytes = ml_event_pack (&ev, &len);
    int64_t now = (int64_t) ml_date_today () * 86400 + (int64_t) time (NULL) % 86400;
    rc = bytes ? ml_store_tier_queue (txn, year, version, "rollup", now, bytes, len) : ML_ENOMEM;
    free (bytes);
    free (text);
    if (rc) {
        json_decref (missing);
        return ML_QUERY_FAIL (rc, "storage", "the bureau's report could not be stored: %s",
                              ml_strerror (rc));
    }
    *reply = json_pack ("{s:i, s:i, s:s, s:s, s:s, s:o}", "year", year, "version", (int) version,
                        "report", "rollup", "digest", digest, "state", "pending",
                        "units_not_accepted", missing);
    return *reply ? 0 : ML_QUERY_FAIL (ML_ENOMEM, "internal", "out of memory");
}

int
ml_query_tier_review_bureau (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                             char *msg, size_t msglen)
{
    static const char *const allowed[] = { "year", "reason", NULL };
    const char *reason = ml_query_arg (q, "reason");
    int year, rc = ml_query_only (q, allowed, code, codelen, msg, msglen);
    if (rc)
        return rc;
    if (!ml_query_year_ok (ml_query_arg (q, "year"), &year))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "review bureau needs year=YYYY");
    if (reason && strlen (reason) > 500)
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "reason: longer than 500 bytes");
    if (!ml_store_tier_upstream (q->store))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "review bureau: this collector reports to no "
                              "higher tier (no upstream = in its collector.ini): there is nowhere "
                              "to send its year");
    ml_store_txn_t *txn = ml_store_begin (q->store, true, &rc);
    if (!txn)
        return ML_QUERY_FAIL (rc, "storage", "cannot write the store: %s", ml_strerror (rc));
    rc = s_decide (q, txn, year, reason, "reviewer", reply, code, codelen, msg, msglen);
    if (rc || strcmp (json_string_value (json_object_get (*reply, "state")), "already") == 0)
        ml_store_abort (&txn);
    else
    if ((rc = ml_store_commit (&txn)) != 0) {
        json_decref (*reply);
        *reply = NULL;
        return ML_QUERY_FAIL (rc, "storage", "the bureau's report could not be stored: %s",
                              ml_strerror (rc));
    }
    return rc;
}

int
ml_query_tier_accepted (const ml_query_t *q, ml_store_txn_t *txn, int year, json_t **upstream)
{
    *upstream = NULL;
    if (!ml_store_tier_upstream (q->store) || !q->rules)
        return 0;
    for (size_t i = 0; i < ml_registry_unit_count (q->registry); i++) {
        ml_year_t y;
        int rc = ml_chain_year (txn, ml_registry_unit_at (q->registry, i)->id, year, &y);
        if (rc == ML_ENOTFOUND || (!rc && y.state != ML_YEAR_ACCEPTED))
            return 0;                   //  a unit still to decide: the year stays here
        if (rc)
            return rc;
    }
    char code[32], msg[512];
    int rc = s_decide (q, txn, year, NULL, "all_units_accepted", upstream, code, sizeof code, msg,
                       sizeof msg);
    if (rc == ML_EINVAL || rc == ML_EIO) {
        ml_warn ("the bureau's %d is accepted but cannot go up: %s", year, msg);
        return 0;                       //  nothing stored: the reviewer decides by hand
    }
    return rc;
}

// ---------------------------------------------------------------------------
// status upstream: what the bureau sent up, and what became of it

typedef struct {
    json_t *docs;
    json_t *word;                       //  the relay's word (ml_store_tier_relay), or NULL
} s_upstream_t;

static int
s_upstream_doc (void *arg, const ml_tier_doc_t *d)
{
    s_upstream_t *u = arg;
    char ref[96], at[32];
    snprintf (ref, sizeof ref, "tier-%d-v%u-%s", d->year, d->version, d->kind);
    json_t *w = json_object_get (u->word, ref);
    const char *state = json_string_value (json_object_get (w, "state"));
    const char *reason = json_string_value (json_object_get (w, "reason"));
    Massline__Event *ev = ml_event_unpack (d->data, d->len, NULL);
    json_array_append_new (u->docs, json_pack ("{s:s, s:i, s:i, s:s, s:s, s:s, s:s}",
        "kind", d->kind, "year", d->year, "version", (int) d->version,
        "digest", ev && ev->body_case == MASSLINE__EVENT__BODY_REPORT ? ev->report->digest : "",
        "queued_at", ml_query_iso (d->at, at, sizeof at), "state", state ? state : "pending",
        "reason", reason ? reason : ""));
    ml_event_free (&ev);
    return 0;
}

int
ml_query_tier_upstream (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                        char *msg, size_t msglen)
{
    static const char *const allowed[] = { NULL };
    int rc = ml_query_only (q, allowed, code, codelen, msg, msglen);
    if (rc)
        return rc;
    if (!ml_store_tier_upstream (q->store)) {
        *reply = json_pack ("{s:o}", "upstream", json_null ());
        return *reply ? 0 : ML_QUERY_FAIL (ML_ENOMEM, "internal", "out of memory");
    }
    ml_store_txn_t *txn = ml_store_begin (q->store, false, &rc);
    if (!txn)
        return ML_QUERY_FAIL (rc, "storage", "cannot read the store: %s", ml_strerror (rc));
    char *word = ml_store_tier_relay (txn);
    s_upstream_t u = { json_array (), word ? json_loads (word, 0, NULL) : NULL };
    free (word);
    rc = ml_store_tier_each (txn, false, NULL, 0, s_upstream_doc, &u);
    ml_store_abort (&txn);
    json_decref (u.word);
    if (rc) {
        json_decref (u.docs);
        return ML_QUERY_FAIL (rc, "storage", "cannot read the store: %s", ml_strerror (rc));
    }
    *reply = json_pack ("{s:o}", "upstream", u.docs);
    return *reply ? 0 : ML_QUERY_FAIL (ML_ENOMEM, "internal", "out of memory");
}

// ---------------------------------------------------------------------------
// report members, report show (at a committee)

//  A stored `report` event's document: "verified" when its SHA-256 is its digest.
static const char *
s_seal (const Massline__Report *r)
{
    uint8_t sha[32];
    char hex[65];
    ml_sha256 ((const uint8_t *) r->document, strlen (r->document), sha);
    ml_query_hex (sha, 32, hex);
    return strcmp (hex, r->digest) == 0 ? "verified" : "mismatch";
}

typedef struct {
    json_t *docs;
    int year;
    int64_t first_rollup;               //  arrival of the first roll-up, 0: none
    json_t *figures;                    //  the latest roll-up's summary, or NULL
} s_member_t;

static int
s_member_doc (void *arg, const ml_tier_doc_t *d)
{
    s_member_t *m = arg;
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (d->data, d->len, &verr);
    if (!ev || ev->body_case != MASSLINE__EVENT__BODY_REPORT) {
        ml_event_free (&ev);
        return 0;
    }
    const Massline__Report *r = ev->report;
    char at[32];
    time_t t = (time_t) d->at;
    struct tm tm;
    strftime (at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", gmtime_r (&t, &tm));
    json_array_append_new (m->docs, json_pack ("{s:s, s:i, s:i, s:s, s:s, s:s}", "kind", d->kind,
                           "year", d->year, "version", (int) d->version, "digest", r->digest,
                           "seal", s_seal (r), "received_at", at));
    if (strcmp (d->kind, "rollup") == 0) {
        if (!m->first_rollup || d->at < m->first_rollup)
            m->first_rollup = d->at;
        json_t *doc = json_loads (r->document, 0, NULL);
        json_t *totals = doc ? json_object_get (doc, "summary") : NULL;
        if (totals) {
            json_decref (m->figures);
            m->figures = json_incref (totals);
        }
        json_decref (doc);
    }
    ml_event_free (&ev);
    return 0;
}

int
ml_query_tier_members (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                       char *msg, size_t msglen)
{
    static const char *const allowed[] = { "year", NULL };
    int year, rc = ml_query_only (q, allowed, code, codelen, msg, msglen);
    if (rc)
        return rc;
    if (!ml_query_year_ok (ml_query_arg (q, "year"), &year))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "report members needs year=YYYY");
    ml_store_txn_t *txn = ml_store_begin (q->store, false, &rc);
    if (!txn)
        return ML_QUERY_FAIL (rc, "storage", "cannot read the store: %s", ml_strerror (rc));
    //  on time: the first roll-up arrived by 31 March of the next year (docs/tiers.md)
    int64_t due = ((int64_t) ml_date_from_ymd (year + 1, 3, 31) + 1) * 86400;
    json_t *members = json_array ();
    for (size_t i = 0; i < ml_registry_unit_count (q->registry) && !rc; i++) {
        const ml_unit_t *u = ml_registry_unit_at (q->registry, i);
        s_member_t m = { json_array (), year, 0, NULL };
        rc = ml_store_tier_each (txn, true, u->id, year, s_member_doc, &m);
        ml_year_t y;
        int yrc = ml_chain_year (txn, u->id, year, &y);
        json_t *row = json_pack ("{s:s, s:s, s:b, s:b, s:s, s:i, s:s, s:o, s:o}", "member", u->id,
            "name", u->name, "submitted", m.first_rollup != 0,
            "on_time", m.first_rollup != 0 && m.first_rollup < due,
            "state", yrc ? "draft" : ml_year_state_name (y.state), "version", yrc ? 0 : (int) y.version,
            "reason", yrc ? "" : y.reason, "figures", m.figures ? m.figures : json_null (),
            "documents", m.docs);
        json_array_append_new (members, row);
    }
    ml_store_abort (&txn);
    if (rc) {
        json_decref (members);
        return ML_QUERY_FAIL (rc, "storage", "cannot read the store: %s", ml_strerror (rc));
    }
    *reply = json_pack ("{s:s, s:i, s:o}", "report", "members", "year", year, "members", members);
    return *reply ? 0 : ML_QUERY_FAIL (ML_ENOMEM, "internal", "out of memory");
}

typedef struct {
    const char *kind;
    uint32_t version;                   //  0: the latest
    json_t *found;
} s_show_t;

static int
s_show_doc (void *arg, const ml_tier_doc_t *d)
{
    s_show_t *s = arg;
    if (strcmp (d->kind, s->kind) != 0 || (s->version && d->version != s->version))
        return 0;
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (d->data, d->len, &verr);
    if (!ev || ev->body_case != MASSLINE__EVENT__BODY_REPORT) {
        ml_event_free (&ev);
        return 0;
    }
    json_t *doc = json_loads (ev->report->document, 0, NULL);
    if (doc) {
        json_object_set_new (doc, "tier", json_pack ("{s:i, s:s, s:s, s:s}", "version",
                             (int) d->version, "digest", ev->report->digest, "seal",
                             s_seal (ev->report), "chain_head", ev->report->chain_head));
        json_decref (s->found);
        s->found = doc;
    }
    ml_event_free (&ev);
    return 0;
}

int
ml_query_tier_show (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                    char *msg, size_t msglen)
{
    static const char *const allowed[] = { "member", "year", "version", "kind", NULL };
    const char *member = ml_query_arg (q, "member"), *v = ml_query_arg (q, "version");
    int year, rc = ml_query_only (q, allowed, code, codelen, msg, msglen);
    if (rc)
        return rc;
    if (!member || !ml_registry_unit (q->registry, member))
        return ML_QUERY_FAIL (ML_ENOTFOUND, "not_found", "member: unknown member '%.64s'",
                       member ? member : "");
    if (!ml_query_year_ok (ml_query_arg (q, "year"), &year))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "report show needs year=YYYY");
    s_show_t s = { ml_query_arg (q, "kind") ? ml_query_arg (q, "kind") : "rollup",
                   v ? (uint32_t) strtoul (v, NULL, 10) : 0, NULL };
    ml_store_txn_t *txn = ml_store_begin (q->store, false, &rc);
    if (!txn)
        return ML_QUERY_FAIL (rc, "storage", "cannot read the store: %s", ml_strerror (rc));
    rc = ml_store_tier_each (txn, true, member, year, s_show_doc, &s);
    ml_store_abort (&txn);
    if (rc) {
        json_decref (s.found);
        return ML_QUERY_FAIL (rc, "storage", "cannot read the store: %s", ml_strerror (rc));
    }
    if (!s.found)
        return ML_QUERY_FAIL (ML_ENOTFOUND, "not_found", "%s has sent no %s document for %d%s", member,
                       s.kind, year, s.version ? " in that version" : "");
    *reply = s.found;
    return 0;
}
