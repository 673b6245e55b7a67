/* ml_store_check.c -- the store proves itself: replays the event log through the one derivation
   (ml_store_derive.c) into a scratch environment and compares every derived database with the
   stored one; checks the high-water marks against the stored seqs. */
#include "ml_store_db.h"
#include "ml_chain.h"
#include "ml_err.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#define CHECK_CHUNK   50000     //  events per scratch transaction

//  The databases rebuilt from the log.
static const int s_derived_dbs[] = { DB_UNITS, DB_REFS, DB_PERSONS, DB_ORGS, DB_AGG, DB_CASES,
                                     DB_CASE_YEARS, DB_AGGD };

typedef struct {
    char agent[ML_ID_MAX + 1];
    uint64_t max_seq;
} s_agent_max_t;

typedef struct {
    ml_check_fn *report;
    void *arg;
    ml_check_stats_t *stats;
    s_agent_max_t *agents;              //  highest stored seq per agent
    size_t nagents, cap;
} s_check_t;

// ---------------------------------------------------------------------------
// Saying what differs.

//  Renders an events key as "U/A/S" into BUF.
static const char *
s_key_event_text (const uint8_t *key, size_t len, char *buf, size_t buflen)
{
    char unit[ML_ID_MAX + 1], agent[ML_ID_MAX + 1];
    uint64_t seq;
    if (ml_store_key_event_parse (key, len, unit, agent, &seq))
        snprintf (buf, buflen, "%s/%s/%" PRIu64, unit, agent, seq);
    else
        snprintf (buf, buflen, "(malformed key of %zu bytes)", len);
    return buf;
}

//  Renders "a\0b" as "a/b" into BUF.
static const char *
s_key2_text (const uint8_t *key, size_t len, char *buf, size_t buflen)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < buflen; i++)
        buf[n++] = key[i] ? (char) key[i] : '/';
    buf[n] = 0;
    return buf;
}

static void
s_mismatch (s_check_t *c, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_mismatch (s_check_t *c, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof line, fmt, ap);
    va_end (ap);
    c->stats->mismatches++;
    if (c->report)
        c->report (c->arg, line);
}

//  Notes that AGENT has SEQ stored (in events or rejects).
static int
s_note_seq (s_check_t *c, const char *agent, uint64_t seq)
{
    for (size_t i = c->nagents; i-- > 0; )
        if (strcmp (c->agents[i].agent, agent) == 0) {
            if (seq > c->agents[i].max_seq)
                c->agents[i].max_seq = seq;
            return 0;
        }
    if (c->nagents == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        s_agent_max_t *grown = realloc (c->agents, cap * sizeof *grown);
        if (!grown)
            return ML_ENOMEM;
        c->agents = grown;
        c->cap = cap;
    }
    s_agent_max_t *a = &c->agents[c->nagents++];
    snprintf (a->agent, sizeof a->agent, "%s", agent);
    a->max_seq = seq;
    return 0;
}

//  Renders a counter value ("54"), or what stands instead of one, into BUF.
static const char *
s_agg_text (const ml_db_val_t *v, char *buf, size_t len)
{
    if (!v)
        snprintf (buf, len, "nothing");
    else
    if (v->len != 8)
        snprintf (buf, len, "a value of %zu bytes", v->len);
    else
        snprintf (buf, len, "%" PRId64, ml_agg_value_unpack (v->data));
    return buf;
}

//  s_describe for agg ("agg H001/2025/P002/research_days/11: stored 54 but the log gives 52"),
//  cases ("case H001/petition/XF2025-010: ...") and case_years ("case H001/2025/petition/...").
static void
s_describe_counts (s_check_t *c, int db, const ml_db_val_t *key, const ml_db_val_t *s,
                   const ml_db_val_t *l)
{
    char a[32], b[32], name[ML_CASE_KEY_MAX + 64];
    const uint8_t *k = key->data;
    if (db == DB_AGG) {
        ml_delta_t d;
        char unit[ML_ID_MAX + 1];
        if (ml_agg_key_decode (k, key->len, &d, unit) != 0) {
            s_mismatch (c, "agg: a malformed key of %zu bytes", key->len);
            return;
        }
        const char *metric = ml_metric_name (d.metric);
        s_mismatch (c, "agg %s/%d/%s/%s/%02d%s%s: stored %s but the log gives %s", unit, d.year,
                    d.person[0] ? d.person : "-", metric ? metric : "?", d.month,
                    d.sub[0] ? "/" : "", d.sub, s_agg_text (s, a, sizeof a), s_agg_text (l, b, sizeof b));
        return;
    }
    //  unit NUL [year (2)] kind (1) id
    size_t ulen = strnlen ((const char *) k, key->len), at = ulen + 1;
    size_t fixed = db == DB_CASE_YEARS ? 3 : 1;
    if (at + fixed > key->len) {
        s_mismatch (c, "%s: a malformed key of %zu bytes", ml_store_db_names[db], key->len);
        return;
    }
    char year[16] = "";
    if (db == DB_CASE_YEARS)
        snprintf (year, sizeof year, "%d/", k[at] << 8 | k[at + 1]);
    const char *kind = ml_case_kind_name (k[at + fixed - 1]);
    snprintf (name, sizeof name, "%.*s/%s%s/%.*s", (int) ulen, (const char *) k, year,
              kind ? kind : "?", (int) (key->len - at - fixed), (const char *) k + at + fixed);
    const char *what = db == DB_CASES ? "case" : "case index";
    if (!s)
        s_mismatch (c, "%s %s: missing (the log has it)", what, name);
    else
    if (!l)
        s_mismatch (c, "%s %s: stored but the log has no such case", what, name);
    else
        s_mismatch (c, "%s %s: stored state differs from the log", what, name);
}

//  s_describe for units.
static void
s_describe_unit (s_check_t *c, const ml_db_val_t *key, const ml_db_val_t *s, const ml_db_val_t *l)
{
    char name[2 * ML_ID_MAX + 8];
    snprintf (name, sizeof name, "%.*s", (int) key->len, (char *) key->data);
    uint64_t sv[2] = { 0, 0 }, lv[2] = { 0, 0 };
    for (int i = 0; i < 2; i++) {
        if (s && s->len == UNIT_VALUE_LEN)
            sv[i] = ml_db_be64_get ((uint8_t *) s->data + 8 * i);
        if (l && l->len == UNIT_VALUE_LEN)
            lv[i] = ml_db_be64_get ((uint8_t *) l->data + 8 * i);
        if (sv[i] != lv[i])
            s_mismatch (c, "unit %s: stored %s=%" PRIu64 " but the log has %" PRIu64,
                        name, i ? "rejected" : "events", sv[i], lv[i]);
    }
    if ((s && s->len != UNIT_VALUE_LEN) || (l && l->len != UNIT_VALUE_LEN))
        s_mismatch (c, "unit %s: counters of %zu bytes (expected 16)", name, s ? s->len : l->len);
}

//  Says how entry KEY of derived database DB differs: S is the stored value, L the value the log
//  gives; either may be NULL (absent).
static void
s_describe (s_check_t *c, int db, const ml_db_val_t *key, const ml_db_val_t *s,
            const ml_db_val_t *l)
{
    char name[2 * ML_ID_MAX + 8], a[KEY_MAX + 32], b[KEY_MAX + 32];
    if (db == DB_AGG || db == DB_CASES || db == DB_CASE_YEARS) {
        s_describe_counts (c, db, key, s, l);
        return;
    }
    if (db == DB_UNITS) {
        s_describe_unit (c, key, s, l);
        return;
    }
    s_key2_text (key->data, key->len, name, sizeof name);
    if (db == DB_REFS) {
        if (s && s->len >= REF_HEAD)
            s_key_event_text ((uint8_t *) s->data + REF_HEAD, s->len - REF_HEAD, a, sizeof a);
        if (l && l->len >= REF_HEAD)
            s_key_event_text ((uint8_t *) l->data + REF_HEAD, l->len - REF_HEAD, b, sizeof b);
        if (!s)
            s_mismatch (c, "ref %s: missing from the index (the log has it at %s)", name, b);
        else
        if (!l)
            s_mismatch (c, "ref %s: indexed (at %s) but no event in the log has it", name, a);
        else
            s_mismatch (c, "ref %s: index says %s (flags 0x%x) but the log says %s (flags 0x%x)",
                        name, a, s->len ? *(uint8_t *) s->data : 0,
                        b, *(uint8_t *) l->data);
        return;
    }
    const char *what = db == DB_PERSONS ? "person" : db == DB_ORGS ? "org" : ml_store_db_names[db];
    if (!s)
        s_mismatch (c, "%s %s: missing from the roster (the log has it)", what, name);
    else
    if (!l)
        s_mismatch (c, "%s %s: in the roster but not in the log", what, name);
    else
        s_mismatch (c, "%s %s: roster entry differs from the log", what, name);
}

// ---------------------------------------------------------------------------
// Walking.

//  Walks database DB of the store (S) and of the scratch environment (L) side by side and
//  reports every key that is missing on one side or has different values.
static int
s_compare (s_check_t *c, int db, ml_store_side_t *s, ml_store_side_t *l)
{
    ml_db_cursor_t cs, cl;
    ml_db_val_t sk, sv, lk, lv;
    ml_db_cursor_open (s->t, s->dbi[db], &cs);
    ml_db_cursor_open (l->t, l->dbi[db], &cl);
    bool hs = ml_db_first (&cs, &sk, &sv);
    bool hl = ml_db_first (&cl, &lk, &lv);
    while (hs || hl) {
        int cmp = !hs ? 1 : !hl ? -1 : ml_db_cmp (s->t, s->dbi[db], &sk, &lk);
        if (cmp < 0)
            s_describe (c, db, &sk, &sv, NULL);
        else
        if (cmp > 0)
            s_describe (c, db, &lk, NULL, &lv);
        else
        if (sv.len != lv.len || memcmp (sv.data, lv.data, sv.len) != 0)
            s_describe (c, db, &sk, &sv, &lv);
        if (cmp <= 0)
            hs = ml_db_next (&cs, &sk, &sv);
        if (cmp >= 0)
            hl = ml_db_next (&cl, &lk, &lv);
    }
    ml_db_cursor_close (&cs);
    ml_db_cursor_close (&cl);
    return s->t->ret ? s->t->ret : l->t->ret;
}

//  Applies the event the log entry LAST (events key V) names, in the replay of the log.
static void
s_check_apply (s_check_t *c, ml_store_derive_t *x, uint64_t last, const ml_db_val_t *v)
{
    char where[KEY_MAX + 32], unit[ML_ID_MAX + 1], agent[ML_ID_MAX + 1];
    uint64_t seq;
    if (!ml_store_key_event_parse (v->data, v->len, unit, agent, &seq)) {
        s_key_event_text (v->data, v->len, where, sizeof where);
        s_mismatch (c, "log entry %" PRIu64 ": %s", last, where);
        return;
    }
    //  WHERE names the event, rendered only when something is wrong.
#define WHERE s_key_event_text (v->data, v->len, where, sizeof where)
    ml_db_val_t bytes;
    if (!ml_db_get (x->p.t, x->p.dbi[DB_EVENTS], v->data, v->len, &bytes)) {
        if (!x->p.t->ret)
            s_mismatch (c, "log entry %" PRIu64 " points at a missing event %s", last, WHERE);
        return;
    }
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (bytes.data, bytes.len, &verr);
    if (!ev) {
        s_mismatch (c, "event %s: not a valid event encoding", WHERE);
        return;
    }
    ml_reject_t rej;
    rej.reason[0] = 0;
    int drc = ml_store_derive_event (x, unit, v->data, v->len, bytes.data, bytes.len, ev, &rej);
    if (drc == ML_EDUP)
        s_mismatch (c, "event %s: applied twice (ref %s repeats)", WHERE, ev->ref);
    else
    if (drc == ML_EINVAL)
        s_mismatch (c, "event %s: does not apply again: %s", WHERE, rej.reason);
#undef WHERE
    ml_event_free (&ev);
}

//  Replays the log of the store (x->p) into the scratch environment SCRATCH (x->d, committed
//  every CHECK_CHUNK events). Returns the number of log entries in *NLOG.
static int
s_check_replay (s_check_t *c, ml_store_derive_t *x, ml_db_t *scratch, uint64_t *nlog)
{
    ml_db_cursor_t cur;
    ml_db_val_t k, v;
    uint64_t last = 0;
    *nlog = 0;
    ml_db_cursor_open (x->p.t, x->p.dbi[DB_LOG], &cur);
    for (bool ok = ml_db_first (&cur, &k, &v); ok && !ml_store_derive_ret (x);
         ok = ml_db_next (&cur, &k, &v)) {
        last = k.len == 8 ? ml_db_be64_get (k.data) : last;
        (*nlog)++;
        s_check_apply (c, x, last, &v);
        if (*nlog % CHECK_CHUNK == 0 && !ml_store_derive_ret (x)) {
            ml_store_count_flush (x);
            if (ml_db_commit (x->d.t) == 0)
                ml_db_begin (scratch, x->d.t, true);
        }
    }
    ml_db_cursor_close (&cur);
    if (ml_store_derive_ret (x))
        return ml_store_derive_ret (x);
    ml_db_val_t nv;
    uint64_t next = 1;
    if (ml_db_get (x->p.t, x->p.dbi[DB_META], META_LOG_NEXT, strlen (META_LOG_NEXT), &nv)
        && nv.len == 8)
        next = ml_db_be64_get (nv.data);
    if (*nlog && next <= last)
        s_mismatch (c, "meta: log_next=%" PRIu64 " but the log reaches %" PRIu64, next, last);
    return ml_store_derive_ret (x);
}

//  Walks the primary database DB (events or rejects): counts entries, notes each agent's
//  highest seq; for rejects also counts them per unit and checks no seq is both stored and
//  rejected.
static int
s_check_primary (s_check_t *c, ml_store_derive_t *x, int db, uint64_t *count)
{
    ml_db_cursor_t cur;
    ml_db_val_t k, v, other;
    *count = 0;
    ml_db_cursor_open (x->p.t, x->p.dbi[db], &cur);
    for (bool ok = ml_db_first (&cur, &k, &v); ok && !ml_store_derive_ret (x);
         ok = ml_db_next (&cur, &k, &v)) {
        char unit[ML_ID_MAX + 1], agent[ML_ID_MAX + 1];
        uint64_t seq;
        (*count)++;
        if (!ml_store_key_event_parse (k.data, k.len, unit, agent, &seq)) {
            s_mismatch (c, "%s: malformed key of %zu bytes", ml_store_db_names[db], k.len);
            continue;
        }
        if (s_note_seq (c, agent, seq))
            ml_db_fail (x->d.t, ML_ENOMEM, "check: out of memory");
        if (db == DB_REJECTS) {
            ml_store_derive_reject (x, unit);
            if (ml_db_get (x->p.t, x->p.dbi[DB_EVENTS], k.data, k.len, &other))
                s_mismatch (c, "agent %s: seq %" PRIu64 " of unit %s is both stored and rejected",
                            agent, seq, unit);
        }
    }
    ml_db_cursor_close (&cur);
    return ml_store_derive_ret (x);
}

//  Checks every agent's high-water mark against its highest stored seq.
static int
s_check_agents (s_check_t *c, ml_store_derive_t *x)
{
    for (size_t i = 0; i < c->nagents && !ml_store_derive_ret (x); i++) {
        ml_agent_state_t st;
        int rc = ml_store_agent_read (x, c->agents[i].agent, &st);
        if (rc == ML_ENOTFOUND)
            s_mismatch (c, "agent %s: has stored seqs up to %" PRIu64 " but no high-water mark",
                        c->agents[i].agent, c->agents[i].max_seq);
        else
        if (rc == 0 && st.hwm < c->agents[i].max_seq)
            s_mismatch (c, "agent %s: high-water mark %" PRIu64 " but seq %" PRIu64 " is stored",
                        c->agents[i].agent, st.hwm, c->agents[i].max_seq);
    }
    c->stats->agents = ml_db_count (x->p.t, x->p.dbi[DB_AGENTS]);
    return ml_store_derive_ret (x);
}

// ---------------------------------------------------------------------------
// The scratch environment.

typedef struct {
    char dir[4096];
    ml_db_t *db;
    ml_db_dbi_t dbi[DB_COUNT];
} s_scratch_t;

static void
s_scratch_remove (s_scratch_t *sc)
{
    ml_db_close (&sc->db);
    if (sc->dir[0]) {
        char path[4200];
        snprintf (path, sizeof path, "%s/data.mdb", sc->dir);
        unlink (path);
        snprintf (path, sizeof path, "%s/lock.mdb", sc->dir);
        unlink (path);
        rmdir (sc->dir);
        sc->dir[0] = 0;
    }
}

static int
s_scratch_open (s_scratch_t *sc, const char *tmpdir, size_t map_size, char *err, size_t errlen)
{
    if (!tmpdir)
        tmpdir = getenv ("TMPDIR");
    snprintf (sc->dir, sizeof sc->dir, "%s/massline-check-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp (sc->dir)) {
        snprintf (err, errlen, "scratch dir %s: %s", sc->dir, strerror (errno));
        sc->dir[0] = 0;
        return ML_EIO;
    }
    char why[256];
    sc->db = ml_db_open (sc->dir, map_size, ML_STORE_MAX_DBS, ML_DB_NOSYNC, why, sizeof why);
    if (!sc->db)
        snprintf (err, errlen, "data dir %s: %s", sc->dir, why);
    if (!sc->db || ml_store_open_dbs (sc->db, sc->dbi, false, true, sc->dir, NULL, err, errlen)) {
        s_scratch_remove (sc);
        return ML_EIO;
    }
    return 0;
}

static void
s_chain_line (void *arg, const char *line)
{
    s_mismatch (arg, "%s", line);
}

//  The hash chains (ml_chain.h): every unit's head recomputed from the log and compared.
static int
s_check_chain (s_check_t *c, ml_store_t *self)
{
    int rc = 0;
    ml_store_txn_t *t = ml_store_begin (self, false, &rc);
    if (!t)
        return rc;
    uint64_t units;
    rc = ml_chain_check (t, s_chain_line, c, &units);
    ml_store_abort (&t);
    return rc < 0 ? rc : 0;
}

int
ml_store_check (ml_store_t *self, const char *tmpdir, ml_check_fn *report, void *arg,
                ml_check_stats_t *stats, char *err, size_t errlen)
{
    memset (stats, 0, sizeof *stats);
    s_check_t c = { report, arg, stats, NULL, 0, 0 };
    s_scratch_t sc = { .db = NULL };
    int rc = s_scratch_open (&sc, tmpdir, ml_db_map_size (self->db), err, errlen);
    if (rc)
        return rc;
    ml_db_txn_t store, scratch;
    ml_store_derive_t x = { .p = { &store, self->dbi }, .d = { &scratch, sc.dbi } };
    ml_db_begin (self->db, &store, false);
    ml_db_begin (sc.db, &scratch, true);

    uint64_t nlog = 0;
    rc = ml_store_derive_ret (&x);
    if (!rc)
        rc = s_check_replay (&c, &x, sc.db, &nlog);
    if (!rc)
        rc = s_check_primary (&c, &x, DB_EVENTS, &stats->events);
    if (!rc && stats->events != nlog)
        s_mismatch (&c, "events: %" PRIu64 " stored but the log lists %" PRIu64, stats->events, nlog);
    if (!rc)
        rc = s_check_primary (&c, &x, DB_REJECTS, &stats->rejects);
    if (!rc)
        rc = s_check_agents (&c, &x);
    ml_store_count_flush (&x);
    rc = rc ? rc : ml_store_derive_ret (&x);
    for (size_t i = 0; !rc && i < sizeof s_derived_dbs / sizeof s_derived_dbs[0]; i++)
        rc = s_compare (&c, s_derived_dbs[i], &x.p, &x.d);
    if (!rc)
        stats->units = ml_db_count (&scratch, sc.dbi[DB_UNITS]);
    if (!rc)
        rc = s_check_chain (&c, self);
    if (rc)
        snprintf (err, errlen, "check could not run: %s", ml_strerror (rc));
    ml_db_abort (&scratch);
    ml_db_abort (&store);
    s_scratch_remove (&sc);
    free (c.agents);
    if (rc)
        return rc;
    return stats->mismatches ? ML_ECONFLICT : 0;
}

