/* ml_store_chain_ingest.c -- the reporting chain's part of ingest (ml_store_db.h, "Ingest's
   hooks"): a batch of one unit loads its chain head, closed months and years; each event is
   admitted against the locks (a closed month, an accepted year), then chained and counted into
   the periods and year states; the batch's end writes the head. Writes its records through
   ml_store_chain_db.h, the same as ml_store_chain.c does. */
#include "ml_chain.h"
#include "ml_store_db.h"
#include "ml_store_chain_db.h"
#include "ml_err.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

// ---------------------------------------------------------------------------
// Ingest's hooks.

struct ml_chain_batch {
    ml_store_txn_t *t;
    char unit[ML_ID_MAX + 1];
    ml_chain_head_t head;
    bool dirty;
    int *closed;                        //  closed months of the unit: year * 12 + month - 1
    size_t nclosed, capclosed;
    ml_year_t *years;                   //  the unit's stored years
    size_t nyears, capyears;
    bool any_accepted;
    int restate[2];                     //  accepted years the admitted restatement reopens
    int nrestate;
};

static int
s_load_year (void *arg, const char *unit, const ml_year_t *y)
{
    (void) unit;
    ml_chain_batch_t *b = arg;
    if (b->nyears == b->capyears) {
        size_t cap = b->capyears ? 2 * b->capyears : 4;
        ml_year_t *grown = realloc (b->years, cap * sizeof *grown);
        if (!grown)
            return ML_ENOMEM;
        b->years = grown;
        b->capyears = cap;
    }
    b->years[b->nyears++] = *y;
    b->any_accepted |= y->state == ML_YEAR_ACCEPTED;
    return 0;
}

static bool
s_add_closed (ml_chain_batch_t *b, int m)
{
    if (b->nclosed == b->capclosed) {
        size_t cap = b->capclosed ? 2 * b->capclosed : 32;
        int *grown = realloc (b->closed, cap * sizeof *grown);
        if (!grown)
            return false;
        b->closed = grown;
        b->capclosed = cap;
    }
    b->closed[b->nclosed++] = m;
    return true;
}

ml_chain_batch_t *
ml_store_chain_batch_begin (ml_store_txn_t *t, const char *unit)
{
    ml_chain_batch_t *b = calloc (1, sizeof *b);
    if (!b) {
        ml_db_fail (&t->db, ML_ENOMEM, "chain: out of memory");
        return NULL;
    }
    b->t = t;
    snprintf (b->unit, sizeof b->unit, "%s", unit);
    ml_chain_head (t, unit, &b->head);
    if (ml_chain_years_each (t, unit, s_load_year, b) == ML_ENOMEM)
        ml_db_fail (&t->db, ML_ENOMEM, "chain: out of memory");
    ml_db_cursor_t c;
    ml_db_val_t k, v;
    size_t plen = strlen (unit) + 1;
    if (!t->db.ret && ml_db_cursor_open (&t->db, t->store->cdbi[CDB_PERIODS], &c)) {
        for (bool ok = ml_db_seek (&c, unit, plen, &k, &v); ok; ok = ml_db_next (&c, &k, &v)) {
            if (k.len != plen + 3 || memcmp (k.data, unit, plen) != 0)
                break;
            const uint8_t *kp = (const uint8_t *) k.data + plen;
            if (!s_add_closed (b, (kp[0] << 8 | kp[1]) * 12 + kp[2] - 1)) {
                ml_db_fail (&t->db, ML_ENOMEM, "chain: out of memory");
                break;
            }
        }
        ml_db_cursor_close (&c);
    }
    return b;
}

void
ml_store_chain_batch_end (ml_chain_batch_t **b_p)
{
    ml_chain_batch_t *b = *b_p;
    if (!b)
        return;
    if (b->dirty && !b->t->db.ret)
        ml_store_chain_head_put (b->t, b->unit, &b->head);
    free (b->closed);
    free (b->years);
    free (b);
    *b_p = NULL;
}

static ml_year_t *
s_year_of (ml_chain_batch_t *b, int year)
{
    for (size_t i = 0; i < b->nyears; i++)
        if (b->years[i].year == year)
            return &b->years[i];
    return NULL;
}

//  The year of DATE (YYYY-MM-DD or YYYY-MM), or 0.
static int
s_year_of_text (const char *date)
{
    if (!date || strlen (date) < 7)
        return 0;
    return atoi (date);
}

//  The date's year of the event stored as the current version of REF of B's unit, or 0.
static int
s_target_year (ml_chain_batch_t *b, const char *ref)
{
    uint8_t key[KEY_MAX];
    size_t klen = ml_store_key2 (key, b->unit, ref);
    ml_db_val_t rv, ev;
    if (!klen || !ml_db_get (&b->t->db, b->t->store->dbi[DB_REFS], key, klen, &rv)
        || rv.len <= REF_HEAD
        || !ml_db_get (&b->t->db, b->t->store->dbi[DB_EVENTS], (uint8_t *) rv.data + REF_HEAD,
                       rv.len - REF_HEAD, &ev))
        return 0;
    ml_verr_t verr;
    Massline__Event *old = ml_event_unpack (ev.data, ev.len, &verr);
    if (!old)
        return 0;
    const Massline__Event *body = old->body_case == MASSLINE__EVENT__BODY_CORRECTION
                                ? old->correction->event : old;
    int year = body->body_case == MASSLINE__EVENT__BODY_PERIOD_CLOSE
             ? s_year_of_text (body->period_close->month) : s_year_of_text (ml_event_str (body, "date"));
    ml_event_free (&old);
    return year;
}

//  The locked year's reject: "2025 is locked for H001 since 2026-01-20 (accepted by NAME);
//  record a restatement".
static int
s_locked (ml_chain_batch_t *b, const ml_year_t *y, ml_reject_t *rej, const char *what)
{
    char day[16];
    return ml_store_reject (rej, "locked", "%d is locked for %s since %s (accepted by %s); %s",
                            y->year, b->unit, ml_store_chain_iso_day (y->decided_at, day, sizeof day),
                            y->decided_by, what);
}

int
ml_store_chain_admit (ml_chain_batch_t *b, const Massline__Event *ev, ml_reject_t *rej)
{
    b->nrestate = 0;
    if (ev->body_case == MASSLINE__EVENT__BODY_YEAR_SUBMISSION) {
        ml_year_t *y = s_year_of (b, (int) ev->year_submission->year);
        if (y && y->state == ML_YEAR_ACCEPTED)
            return s_locked (b, y, rej, "it cannot be submitted again; record a restatement");
        if (y && y->state == ML_YEAR_SUBMITTED) {
            char day[16];
            return ml_store_reject (rej, "submitted", "%d is submitted already for %s (version %u, "
                                    "%s); wait for the bureau's decision", y->year, b->unit,
                                    y->version, ml_store_chain_iso_day (y->submitted_at, day, sizeof day));
        }
        return 0;
    }
    if (ev->body_case == MASSLINE__EVENT__BODY_REPORT) {
        //  at a higher tier: a member's roll-up submits its year; a version at or below an
        //  accepted one is refused, another document of the version under review is taken
        const Massline__Report *r = ev->report;
        ml_year_t *y = s_year_of (b, (int) r->year);
        if (y && y->state == ML_YEAR_ACCEPTED && r->version <= y->version)
            return s_locked (b, y, rej, "send a restatement (a higher version)");
        return 0;
    }
    if (!b->any_accepted)
        return 0;
    int years[2] = { 0, 0 };
    const char *restatement = NULL;
    switch (ev->body_case) {
        case MASSLINE__EVENT__BODY_CORRECTION:
            years[0] = s_year_of_text (ml_event_str (ev->correction->event, "date"));
            years[1] = s_target_year (b, ev->correction->supersedes);
            restatement = ev->correction->restatement_reason;
            break;
        case MASSLINE__EVENT__BODY_VOID:
            years[0] = s_target_year (b, ev->void_->supersedes);
            restatement = ev->void_->restatement_reason;
            break;
        case MASSLINE__EVENT__BODY_PERIOD_CLOSE:
            years[0] = s_year_of_text (ev->period_close->month);
            break;
        default:
            years[0] = s_year_of_text (ml_event_str (ev, "date"));
            break;
    }
    for (int i = 0; i < 2; i++) {
        ml_year_t *y = years[i] ? s_year_of (b, years[i]) : NULL;
        if (!y || y->state != ML_YEAR_ACCEPTED || (i == 1 && years[1] == years[0]))
            continue;
        if (!restatement || !*restatement)
            return s_locked (b, y, rej, "record a restatement (a correction or void with "
                             "restatement_reason)");
        b->restate[b->nrestate++] = y->year;
    }
    return 0;
}

//  Counts an event dated DATE that arrived after its month was closed.
static void
s_late_addition (ml_chain_batch_t *b, const char *date)
{
    int y = s_year_of_text (date), m = date && strlen (date) >= 7 ? atoi (date + 5) : 0;
    int id = y * 12 + m - 1;
    bool closed = false;
    for (size_t i = b->nclosed; i-- > 0 && !closed;)
        closed = b->closed[i] == id;
    if (!closed)
        return;
    uint8_t key[KEY_MAX + 1];
    size_t klen = ml_store_chain_period_key (key, b->unit, y, m);
    ml_db_val_t v;
    uint8_t val[PERIOD_VALUE_LEN];
    if (!klen || !ml_db_get (&b->t->db, b->t->store->cdbi[CDB_PERIODS], key, klen, &v)
        || v.len != PERIOD_VALUE_LEN)
        return;
    memcpy (val, v.data, PERIOD_VALUE_LEN);
    ml_db_be64_put (val + 4, ml_db_be64_get (val + 4) + 1);
    ml_db_put (&b->t->db, b->t->store->cdbi[CDB_PERIODS], key, klen, val, PERIOD_VALUE_LEN, 0);
}

static void
s_close_month (ml_chain_batch_t *b, const char *month, ml_day_t today)
{
    int y = s_year_of_text (month), m = atoi (month + 5);
    uint8_t key[KEY_MAX + 1], val[PERIOD_VALUE_LEN] = { 0 };
    size_t klen = ml_store_chain_period_key (key, b->unit, y, m);
    ml_db_val_t v;
    if (!klen || ml_db_get (&b->t->db, b->t->store->cdbi[CDB_PERIODS], key, klen, &v))
        return;                         //  closed before: the first close counts
    ml_store_be32_put (val, (uint32_t) today);
    ml_db_put (&b->t->db, b->t->store->cdbi[CDB_PERIODS], key, klen, val, PERIOD_VALUE_LEN, 0);
    if (!s_add_closed (b, y * 12 + m - 1))
        ml_db_fail (&b->t->db, ML_ENOMEM, "chain: out of memory");
}

//  Y becomes submitted (a submission, or a restatement reopening it) by AGENT at NOW.
static void
s_submitted (ml_chain_batch_t *b, ml_year_t *y, const char *agent, const char *why, int64_t now)
{
    y->state = ML_YEAR_SUBMITTED;
    y->submitted_at = now;
    y->chain = b->head;
    y->unfrozen = true;
    ml_store_chain_transition_put (b->t, b->unit, y, agent, why, now);
    ml_store_chain_year_put (b->t, b->unit, y);
}

void
ml_store_chain_stored (ml_chain_batch_t *b, const Massline__Event *ev, const char *agent,
                       const uint8_t *bytes, size_t len, ml_day_t today, int64_t now)
{
    //  the collector's today (MASSLINE_TODAY when set) with the clock's time of day
    now = (int64_t) today * 86400 + (now % 86400 + 86400) % 86400;
    ml_chain_step (b->head.head, bytes, len, b->head.head);
    b->head.count++;
    b->dirty = true;
    switch (ev->body_case) {
        case MASSLINE__EVENT__BODY_PERIOD_CLOSE:
            s_close_month (b, ev->period_close->month, today);
            break;
        case MASSLINE__EVENT__BODY_YEAR_SUBMISSION: {
            const Massline__YearSubmission *s = ev->year_submission;
            ml_year_t *y = s_year_of (b, (int) s->year);
            if (!y) {
                ml_year_t fresh = { .year = (int) s->year };
                if (s_load_year (b, b->unit, &fresh)) {
                    ml_db_fail (&b->t->db, ML_ENOMEM, "chain: out of memory");
                    return;
                }
                y = &b->years[b->nyears - 1];
            }
            if (y->version == 0)
                y->version = 1;
            snprintf (y->filler, sizeof y->filler, "%s", s->filler);
            snprintf (y->reviewer, sizeof y->reviewer, "%s", s->reviewer);
            snprintf (y->approver, sizeof y->approver, "%s", s->approver);
            y->reason[0] = 0;
            s_submitted (b, y, agent, "", now);
            break;
        }
        case MASSLINE__EVENT__BODY_REPORT: {
            //  a member's roll-up (upper tier): its year becomes submitted as that version
            const Massline__Report *r = ev->report;
            ml_year_t *y = s_year_of (b, (int) r->year);
            if (strcmp (r->report, "rollup") != 0)
                break;
            if (!y) {
                ml_year_t fresh = { .year = (int) r->year };
                if (s_load_year (b, b->unit, &fresh)) {
                    ml_db_fail (&b->t->db, ML_ENOMEM, "chain: out of memory");
                    return;
                }
                y = &b->years[b->nyears - 1];
            }
            if (y->state == ML_YEAR_SUBMITTED && y->version == r->version)
                break;
            y->version = r->version;
            snprintf (y->reason, sizeof y->reason, "%s", r->reason ? r->reason : "");
            y->decided_by[0] = 0;
            y->decided_at = 0;
            s_submitted (b, y, agent, r->reason ? r->reason : "", now);
            y->unfrozen = false;        //  the document is the member's own (tier_in)
            ml_store_chain_year_put (b->t, b->unit, y);
            break;
        }
        case MASSLINE__EVENT__BODY_CORRECTION:
            s_late_addition (b, ml_event_str (ev->correction->event, "date"));
            break;
        case MASSLINE__EVENT__BODY_VOID:
            break;
        default:
            s_late_addition (b, ml_event_str (ev, "date"));
            break;
    }
    const char *why = ev->body_case == MASSLINE__EVENT__BODY_CORRECTION
                    ? ev->correction->restatement_reason
                    : ev->body_case == MASSLINE__EVENT__BODY_VOID ? ev->void_->restatement_reason : NULL;
    for (int i = 0; i < b->nrestate; i++) {
        ml_year_t *y = s_year_of (b, b->restate[i]);
        if (!y)
            continue;
        y->version++;
        snprintf (y->reason, sizeof y->reason, "%s", why ? why : "");
        y->decided_by[0] = 0;
        y->decided_at = 0;
        s_submitted (b, y, agent, why, now);
    }
    b->any_accepted = false;
    for (size_t i = 0; i < b->nyears; i++)
        b->any_accepted |= b->years[i].state == ML_YEAR_ACCEPTED;
    b->nrestate = 0;
}
