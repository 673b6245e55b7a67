/* ml_store_tier.c -- upper tiers in the store (ml_tier.h): the reports a bureau owes upward
   (tier_out) and the reports a committee received (tier_in), in the store's own tables.
   Keys: tier_in  member \0 year(4 BE) version(4 BE) kind;  tier_out  year(4 BE) version(4 BE) kind.
   Values: at (8 BE, unix s) then the packed `report` event.
   tier_out also keeps rows of year 0 (never a report's year): 0(4) -> the last queue seq (8 BE);
   0(4) seq(8 BE) -> the key of the report queued with that seq (so the relay reads only what
   is new); 0(4) "relay" -> the relay's last word on what it sent (JSON, ml_store_tier_relay). */
#include "ml_tier.h"
#include "ml_store_db.h"
#include "ml_err.h"

#include <stdlib.h>
#include <string.h>

static void
s_be32_put (uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24);
    p[1] = (uint8_t) (v >> 16);
    p[2] = (uint8_t) (v >> 8);
    p[3] = (uint8_t) v;
}

static uint32_t
s_be32_get (const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

void
ml_store_tier_set (ml_store_t *self, bool upper)
{
    self->upper_tier = upper;
}

void
ml_store_tier_set_upstream (ml_store_t *self, bool upstream)
{
    self->upstream = upstream;
}

bool
ml_store_tier_upstream (const ml_store_t *self)
{
    return self->upstream;
}

//  The queue seq of the last report kept in tier_out (0: none, or only reports kept before
//  there were seqs).
static uint64_t
s_last_seq (ml_store_txn_t *txn)
{
    static const uint8_t key[4] = { 0 };
    const void *val;
    size_t vlen;
    if (ml_store_table_get (txn, ML_STORE_TIER_OUT, key, 4, &val, &vlen) || vlen != 8)
        return 0;
    return ml_db_be64_get (val);
}

int
ml_store_tier_admit (ml_store_txn_t *txn, const Massline__Event *ev, ml_reject_t *rej)
{
    bool report = ev->body_case == MASSLINE__EVENT__BODY_REPORT;
    if (txn->store->upper_tier && !report)
        return ml_store_reject (rej, "wrong_tier", "a higher tier takes only report events from "
                                "its member collectors, not %s", ml_event_kind (ev));
    if (!txn->store->upper_tier && report)
        return ml_store_reject (rej, "wrong_tier", "report events go to a higher tier (a "
                                "collector set up with init --tier committee), not to a bureau");
    return 0;
}

static size_t
s_key (uint8_t *key, size_t max, const char *member, int year, uint32_t version, const char *kind)
{
    size_t ml = member ? strlen (member) + 1 : 0, kl = strlen (kind);
    if (ml > ML_ID_MAX + 1 || kl > ML_ID_MAX || ml + 8 + kl > max)
        return 0;
    if (member)
        memcpy (key, member, ml);
    s_be32_put (key + ml, (uint32_t) year);
    s_be32_put (key + ml + 4, version);
    memcpy (key + ml + 8, kind, kl);
    return ml + 8 + kl;
}

static int
s_put (ml_store_txn_t *txn, ml_store_table_t table, const uint8_t *key, size_t klen, int64_t at,
       const uint8_t *data, size_t len, bool overwrite)
{
    uint8_t *val = malloc (8 + len);
    if (!val) {
        ml_db_fail (&txn->db, ML_ENOMEM, "tier: out of memory");
        return ML_ENOMEM;
    }
    ml_db_be64_put (val, (uint64_t) at);
    memcpy (val + 8, data, len);
    int rc = ml_store_table_put (txn, table, key, klen, val, 8 + len, overwrite);
    free (val);
    return rc;
}

void
ml_store_tier_received (ml_store_txn_t *txn, const char *member, const Massline__Event *ev,
                        const uint8_t *data, size_t len, int64_t now)
{
    if (ev->body_case != MASSLINE__EVENT__BODY_REPORT)
        return;
    const Massline__Report *r = ev->report;
    uint8_t key[2 * ML_ID_MAX + 16];
    size_t klen = s_key (key, sizeof key, member, (int) r->year, r->version, r->report);
    //  the same document sent again under another ref keeps its first arrival
    if (klen)
        s_put (txn, ML_STORE_TIER_IN, key, klen, now, data, len, false);
}

int
ml_store_tier_queue (ml_store_txn_t *txn, int year, uint32_t version, const char *kind,
                     int64_t at, const uint8_t *data, size_t len)
{
    uint8_t key[ML_ID_MAX + 16];
    size_t klen = s_key (key, sizeof key, NULL, year, version, kind);
    if (!klen)
        return ML_EINVAL;
    int rc = s_put (txn, ML_STORE_TIER_OUT, key, klen, at, data, len, false);
    if (rc)
        return rc;
    //  its queue seq: the relay reads the reports kept after the last one it copied
    uint64_t seq = s_last_seq (txn) + 1;
    uint8_t ikey[12] = { 0 }, sval[8];
    ml_db_be64_put (ikey + 4, seq);
    ml_db_be64_put (sval, seq);
    rc = ml_store_table_put (txn, ML_STORE_TIER_OUT, ikey, 12, key, klen, true);
    return rc ? rc : ml_store_table_put (txn, ML_STORE_TIER_OUT, ikey, 4, sval, 8, true);
}

typedef struct {
    bool in;
    int year;
    ml_tier_doc_fn *fn;
    void *arg;
} s_walk_t;

static int
s_row (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    s_walk_t *w = arg;
    const uint8_t *k = key;
    ml_tier_doc_t d = { .member = "" };
    size_t ml = 0;
    if (w->in) {
        const uint8_t *nul = memchr (k, 0, klen);
        if (!nul || (size_t) (nul - k) > ML_ID_MAX)
            return 0;
        ml = (size_t) (nul - k) + 1;
        memcpy (d.member, k, ml);
    }
    if (klen < ml + 8 || klen - ml - 8 > ML_ID_MAX || vlen < 8)
        return 0;
    d.year = (int) s_be32_get (k + ml);
    if (d.year == 0)
        return 0;                       //  tier_out's own rows (seqs, the relay's word)
    d.version = s_be32_get (k + ml + 4);
    memcpy (d.kind, k + ml + 8, klen - ml - 8);
    d.kind[klen - ml - 8] = 0;
    d.at = (int64_t) ml_db_be64_get (val);
    d.data = (const uint8_t *) val + 8;
    d.len = vlen - 8;
    if (w->year && d.year != w->year)
        return 0;
    return w->fn (w->arg, &d);
}

int
ml_store_tier_each (ml_store_txn_t *txn, bool in, const char *member, int year,
                    ml_tier_doc_fn *fn, void *arg)
{
    s_walk_t w = { in, year, fn, arg };
    uint8_t prefix[ML_ID_MAX + 8];
    size_t plen = 0;
    if (in && member) {
        plen = strlen (member) + 1;
        if (plen > ML_ID_MAX + 1)
            return ML_EINVAL;
        memcpy (prefix, member, plen);
        if (year) {
            s_be32_put (prefix + plen, (uint32_t) year);
            plen += 4;
        }
    }
    else
    if (!in && year) {
        s_be32_put (prefix, (uint32_t) year);
        plen = 4;
    }
    return ml_store_table_each (txn, in ? ML_STORE_TIER_IN : ML_STORE_TIER_OUT, prefix, plen,
                                s_row, &w);
}

int
ml_store_tier_since (ml_store_txn_t *txn, uint64_t after, uint64_t *last, ml_tier_doc_fn *fn,
                     void *arg)
{
    *last = s_last_seq (txn);
    int rc = txn->db.ret;
    if (!fn)
        return rc;                      //  only the last seq
    for (uint64_t seq = after + 1; seq <= *last && !rc; seq++) {
        uint8_t ikey[12] = { 0 };
        const void *key, *val;
        size_t klen, vlen;
        ml_db_be64_put (ikey + 4, seq);
        if (ml_store_table_get (txn, ML_STORE_TIER_OUT, ikey, 12, &key, &klen)
        ||  ml_store_table_get (txn, ML_STORE_TIER_OUT, key, klen, &val, &vlen))
            continue;                   //  not there: nothing to copy
        s_walk_t w = { false, 0, fn, arg };
        rc = s_row (&w, key, klen, val, vlen);
    }
    return rc ? rc : txn->db.ret;
}

static const uint8_t s_relay_key[9] = { 0, 0, 0, 0, 'r', 'e', 'l', 'a', 'y' };

int
ml_store_tier_set_relay (ml_store_txn_t *txn, const char *json)
{
    return ml_store_table_put (txn, ML_STORE_TIER_OUT, s_relay_key, sizeof s_relay_key, json,
                               strlen (json), true);
}

char *
ml_store_tier_relay (ml_store_txn_t *txn)
{
    const void *val;
    size_t vlen;
    if (ml_store_table_get (txn, ML_STORE_TIER_OUT, s_relay_key, sizeof s_relay_key, &val, &vlen))
        return NULL;
    char *text = malloc (vlen + 1);
    if (text) {
        memcpy (text, val, vlen);
        text[vlen] = 0;
    }
    return text;
}
