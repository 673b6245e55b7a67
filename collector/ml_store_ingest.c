/* ml_store_ingest.c -- applying a batch exactly once: sequence checks, validation against the
   roster, the locks of accepted years (ml_store_chain.c), the one derivation
   (ml_store_derive.c), then the event (chained and counted for completeness) or its reject
   stored. */
#include "ml_store_db.h"
#include "ml_tier.h"
#include "ml_err.h"

#include <inttypes.h>
#include <stdlib.h>

typedef struct {
    ml_store_derive_t *x;
    const char *unit;
} s_roster_ctx_t;

static bool
s_roster_has (s_roster_ctx_t *c, int db, const char *id)
{
    uint8_t key[KEY_MAX];
    size_t klen = ml_store_key2 (key, c->unit, id);
    ml_db_val_t v;
    return klen && ml_db_get (c->x->d.t, c->x->d.dbi[db], key, klen, &v);
}

static bool
s_has_person (void *ctx, const char *person)
{
    return s_roster_has (ctx, DB_PERSONS, person);
}

static bool
s_has_org (void *ctx, const char *org)
{
    return s_roster_has (ctx, DB_ORGS, org);
}

void
ml_batch_result_free (ml_batch_result_t *res)
{
    free (res->rejects);
    memset (res, 0, sizeof *res);
}

//  The next free reject slot of RES, zeroed, or NULL when out of memory.
static ml_reject_t *
s_reject_slot (ml_batch_result_t *res)
{
    if (res->nrejects == res->cap) {
        size_t cap = res->cap ? 2 * res->cap : 16;
        ml_reject_t *grown = realloc (res->rejects, cap * sizeof *grown);
        if (!grown)
            return NULL;
        res->rejects = grown;
        res->cap = cap;
    }
    ml_reject_t *rej = &res->rejects[res->nrejects];
    rej->code[0] = rej->reason[0] = rej->ref[0] = 0;    //  no memset: this runs per event
    return rej;
}

//  Validates, derives and stores one new envelope.
static int
s_ingest_one (ml_store_txn_t *t, const char *agent, const char *unit, const ml_envelope_t *env,
              const ml_vctx_t *vctx, ml_chain_batch_t *chain, int64_t now,
              ml_batch_result_t *res)
{
    ml_store_derive_t *x = &t->x;
    ml_reject_t *rej = s_reject_slot (res);
    if (!rej) {
        ml_db_fail (&t->db, ML_ENOMEM, "ingest: out of memory");
        return t->db.ret;
    }
    rej->seq = env->seq;
    uint8_t key[KEY_MAX];
    size_t klen = ml_store_key_event (key, unit, agent, env->seq);
    ml_verr_t verr;
    char text[sizeof rej->reason];
    int rc;
    Massline__Event *ev = !env->data ? NULL : ml_event_unpack (env->data, env->len, &verr);
    if (!env->data)
        rc = ml_store_reject (rej, "too_big", "the event is %zu bytes packed, more than a frame to "
                              "the collector may carry (its max_frame_bytes): split it", env->len);
    else
    if (!ev)
        rc = ml_store_reject (rej, "invalid", "%s", ml_verr_text (&verr, text, sizeof text));
    else {
        if (ml_event_validate (ev, vctx, &verr) != 0)
            rc = ml_store_reject (rej, "invalid", "%s", ml_verr_text (&verr, text, sizeof text));
        else
        if ((rc = ml_store_tier_admit (t, ev, rej)) == 0
        &&  (rc = ml_store_chain_admit (chain, ev, rej)) == 0)
            rc = ml_store_derive_event (x, unit, key, klen, env->data, env->len, ev, rej);
        if (rc == ML_EINVAL && ev->ref)
            snprintf (rej->ref, sizeof rej->ref, "%s", ev->ref);
    }
    if (rc == 0) {
        ml_db_put (&t->db, t->store->dbi[DB_EVENTS], key, klen, env->data, env->len, 0);
        ml_store_log_append (t, key, klen);
        ml_store_chain_stored (chain, ev, agent, env->data, env->len, vctx->today, now);
        ml_store_tier_received (t, unit, ev, env->data, env->len, now);
        res->stored++;
    }
    else
    if (rc == ML_EDUP)
        res->duplicates++;
    else
    if (rc == ML_EINVAL) {
        uint8_t val[REJECT_VALUE_MAX];
        ml_db_put (&t->db, t->store->dbi[DB_REJECTS], key, klen, val,
                   ml_store_reject_value (val, rej), 0);
        ml_store_derive_reject (x, unit);
        res->nrejects++;
    }
    ml_event_free (&ev);
    return t->db.ret;
}

//  Whether ENV, at or below the hwm, is what was applied under its seq. Cheap where it can be: an
//  applied event's bytes are stored under its seq and compared; a rejected one's ref is; one
//  skipped as a duplicate of its ref must still be the bytes that ref holds. Returns 0 (a true
//  duplicate), ML_ECONFLICT with WHY filled, or the sticky failure.
static int
s_same_as_stored (ml_store_txn_t *t, const char *agent, const char *unit, const ml_envelope_t *env,
                  char *why, size_t len)
{
    uint8_t key[KEY_MAX];
    size_t klen = ml_store_key_event (key, unit, agent, env->seq);
    ml_db_val_t v;
    if (ml_db_get (&t->db, t->store->dbi[DB_EVENTS], key, klen, &v)) {
        if (env->data && v.len == env->len && memcmp (v.data, env->data, v.len) == 0)
            return 0;
        snprintf (why, len, "seq %" PRIu64 " is not the event stored under it (%zu bytes stored, "
                  "%zu sent)", env->seq, v.len, env->data ? env->len : (size_t) 0);
        return ML_ECONFLICT;
    }
    ml_verr_t verr;
    Massline__Event *ev = !env->data ? NULL : ml_event_unpack (env->data, env->len, &verr);
    if (ev && ml_event_ensure_ref (ev) != 0)
        ml_db_fail (&t->db, ML_ENOMEM, "ingest: out of memory");
    bool same = false;
    if (t->db.ret)
        ;
    else
    if (ml_db_get (&t->db, t->store->dbi[DB_REJECTS], key, klen, &v)) {
        ml_reject_t rej;
        ml_store_reject_decode (&v, env->seq, &rej);
        //  no ref stored (undecodable, withheld): nothing cheap to compare
        same = !rej.ref[0] || (ev && strcmp (ev->ref, rej.ref) == 0);
        if (!same)
            snprintf (why, len, "seq %" PRIu64 " was rejected as ref %s, but now comes as %s",
                      env->seq, rej.ref, ev ? ev->ref : "an event without its bytes");
    }
    else {
        uint8_t rkey[KEY_MAX], sha[32] = { 0 };
        size_t rklen = ev ? ml_store_key2 (rkey, unit, ev->ref) : 0;
        if (ev)
            ml_sha256 (env->data, env->len, sha);
        same = rklen && ml_db_get (&t->db, t->store->dbi[DB_REFS], rkey, rklen, &v)
            && v.len >= REF_HEAD && memcmp ((uint8_t *) v.data + 2, sha, 32) == 0;
        if (!same)
            snprintf (why, len, "seq %" PRIu64 " (ref %s) is not the event applied under it",
                      env->seq, ev ? ev->ref : "unknown");
    }
    ml_event_free (&ev);
    return t->db.ret ? t->db.ret : same ? 0 : ML_ECONFLICT;
}

int
ml_store_apply_batch (ml_store_txn_t *txn, const char *agent, const char *unit,
                      const ml_envelope_t *env, size_t n, ml_day_t today, int64_t now,
                      ml_batch_result_t *res, char *err, size_t errlen)
{
    res->through_seq = res->first_new = res->last_new = 0;
    res->stored = res->duplicates = res->nrejects = 0;
    res->conflict_seq = 0;
    if (txn->db.ret)
        return txn->db.ret;
    if (!txn->write || strlen (agent) > ML_ID_MAX || strlen (unit) > ML_ID_MAX) {
        snprintf (err, errlen, "not a write transaction, or agent/unit id too long");
        return ML_EINVAL;
    }
    ml_agent_state_t st;
    int rc = ml_store_agent_read (&txn->x, agent, &st);
    if (rc && rc != ML_ENOTFOUND)
        return rc;
    //  Check the sequence first, so that a refused batch changes nothing.
    for (size_t i = 0; i < n; i++) {
        if (env[i].seq == 0 || (i > 0 && env[i].seq != env[i - 1].seq + 1)) {
            snprintf (err, errlen, "seqs in a batch must be consecutive from 1 up; got %" PRIu64
                      " after %" PRIu64, env[i].seq, i ? env[i - 1].seq : 0);
            return ML_EPROTO;
        }
    }
    if (n > 0 && env[0].seq > st.hwm + 1) {
        snprintf (err, errlen, "expected seq %" PRIu64 ", got %" PRIu64, st.hwm + 1, env[0].seq);
        return ML_EPROTO;
    }
    //  ...and what claims to be a duplicate (before anything is written, for the same reason)
    for (size_t i = 0; i < n && env[i].seq <= st.hwm; i++) {
        if ((rc = s_same_as_stored (txn, agent, unit, &env[i], err, errlen)) == ML_ECONFLICT)
            res->conflict_seq = env[i].seq;
        if (rc)
            return rc;
    }
    s_roster_ctx_t rctx = { &txn->x, unit };
    ml_vctx_t vctx = { s_has_person, s_has_org, &rctx, today };
    ml_chain_batch_t *chain = NULL;
    for (size_t i = 0; i < n; i++) {
        if (env[i].seq <= st.hwm) {
            res->duplicates++;
            continue;
        }
        if (!chain && !(chain = ml_store_chain_batch_begin (txn, unit)))
            return txn->db.ret;
        if (!res->first_new)
            res->first_new = env[i].seq;
        res->last_new = env[i].seq;
        if (s_ingest_one (txn, agent, unit, &env[i], &vctx, chain, now, res))
            break;
    }
    ml_store_chain_batch_end (&chain);
    if (txn->db.ret)
        return txn->db.ret;
    uint64_t hwm = res->last_new > st.hwm ? res->last_new : st.hwm;
    ml_store_agent_write (&txn->x, agent, unit, hwm, now);
    res->through_seq = n ? env[n - 1].seq : hwm;
    return txn->db.ret;
}
