/* ml_test_engine.c -- the rule-engine fixture: an in-memory store that keeps counters and
   cases exactly as the LMDB store does (same keys, same packing), behind an ml_source_t, with
   the shipped rules, event builders and report look-ups. See ml_test_engine.h. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_cases.h"
#include "ml_err.h"
#include "ml_test_engine.h"

//  ---------------------------------------------------------------------------
//  An in-memory store: counters under ml_agg_key, cases packed under ml_case_db_key.

//  Day counters (the store's aggd) live in the same list behind a 0xFF byte: ml_aggd_key's order.
typedef struct {
    uint8_t key[ML_AGG_KEY_MAX + 2];
    size_t len;
    int64_t amount;
} s_agg_t;

typedef struct {
    uint8_t key[ML_CASE_KEY_MAX];
    size_t len;
    uint8_t val[ML_CASE_PACK_MAX];
    size_t vlen;
} s_case_row_t;

typedef struct {
    char unit[ML_ID_MAX + 1];
    char ref[ML_ID_MAX + 1];
    char id[ML_ID_MAX + 1];                 //  person or org id for roster events
    Massline__Event *ev;                    //  as stored (a correction holds the new version)
} s_stored_t;

static struct {
    char units[128][2][128];                //  id, name
    size_t nunits;
    s_agg_t *agg;                           //  sorted by key once `dirty` is cleared
    size_t nagg, capagg;
    bool dirty;
    s_case_row_t *cases;
    size_t ncases, capcases;
    s_stored_t *events;
    size_t nevents, capevents;
} s_db;

static ml_ruleset_t *s_shipped;          //  the shipped rule file, loaded at setup
static const ml_ruleset_t *s_rules;     //  the rules in use: s_shipped unless replaced
static const char *s_rules_path;        //  the shipped rule file

static void *
s_grow (void *items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return items;
    *cap = *cap ? *cap * 2 : 64;
    items = realloc (items, *cap * size);
    cr_assert (items);
    return items;
}

static void
s_agg_add (const char *unit, const ml_delta_t *d)
{
    s_db.agg = s_grow (s_db.agg, &s_db.capagg, s_db.nagg, sizeof *s_db.agg);
    s_agg_t *row = &s_db.agg[s_db.nagg++];
    row->len = ml_agg_key (unit, d, row->key);
    row->amount = d->amount;
    s_db.agg = s_grow (s_db.agg, &s_db.capagg, s_db.nagg, sizeof *s_db.agg);
    row = &s_db.agg[s_db.nagg++];
    row->key[0] = 0xFF;
    row->len = 1 + ml_aggd_key (unit, d, row->key + 1);
    row->amount = d->amount;
    s_db.dirty = true;
}

static int
s_agg_cmp (const void *a, const void *b)
{
    const s_agg_t *x = a, *y = b;
    int c = memcmp (x->key, y->key, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

//  Sorts the counters and merges equal keys; zero counters go, as the store deletes them.
static void
s_agg_settle (void)
{
    if (!s_db.dirty)
        return;
    qsort (s_db.agg, s_db.nagg, sizeof *s_db.agg, s_agg_cmp);
    size_t out = 0;
    for (size_t i = 0; i < s_db.nagg; i++) {
        if (out && s_agg_cmp (&s_db.agg[out - 1], &s_db.agg[i]) == 0)
            s_db.agg[out - 1].amount += s_db.agg[i].amount;
        else
            s_db.agg[out++] = s_db.agg[i];
        if (s_db.agg[out - 1].amount == 0 && (i + 1 == s_db.nagg
                                              || s_agg_cmp (&s_db.agg[out - 1], &s_db.agg[i + 1])))
            out--;
    }
    s_db.nagg = out;
    s_db.dirty = false;
}

//  Applies (SIGN +1) or reverts (-1) EV's counters and case in UNIT, as the ingest txn will.
static void
s_apply (const char *unit, const Massline__Event *ev, int sign)
{
    ml_delta_t *d;
    size_t n;
    cr_assert_eq (ml_metrics_of (ev, sign, &d, &n), 0);
    for (size_t i = 0; i < n; i++)
        s_agg_add (unit, &d[i]);
    free (d);
    ml_case_key_t key;
    if (ml_case_key_of (ev, &key))
        return;
    uint8_t dbkey[ML_CASE_KEY_MAX];
    size_t len = ml_case_db_key (unit, &key, dbkey), i = 0;
    while (i < s_db.ncases && !(s_db.cases[i].len == len && !memcmp (s_db.cases[i].key, dbkey, len)))
        i++;
    ml_case_t c;
    if (i < s_db.ncases)
        cr_assert_eq (ml_case_unpack (s_db.cases[i].val, s_db.cases[i].vlen, &c), 0);
    else {
        ml_case_init (&c, &key);
        s_db.cases = s_grow (s_db.cases, &s_db.capcases, s_db.ncases, sizeof *s_db.cases);
        s_db.ncases++;
        memcpy (s_db.cases[i].key, dbkey, len);
        s_db.cases[i].len = len;
    }
    cr_assert_eq (ml_case_apply (&c, ev, sign), 0);
    if (ml_case_empty (&c))
        s_db.cases[i] = s_db.cases[--s_db.ncases];
    else
        s_db.cases[i].vlen = ml_case_pack (&c, s_db.cases[i].val);
}

static s_stored_t *
s_find_event (const char *unit, const char *ref)
{
    for (size_t i = 0; i < s_db.nevents; i++)
        if (!strcmp (s_db.events[i].unit, unit) && !strcmp (s_db.events[i].ref, ref))
            return &s_db.events[i];
    return NULL;
}

//  The current version held by a stored event.
static const Massline__Event *
s_current (const s_stored_t *st)
{
    return st->ev->body_case == MASSLINE__EVENT__BODY_CORRECTION ? st->ev->correction->event : st->ev;
}

static void
s_store (const char *unit, Massline__Event *ev, const char *id)
{
    s_db.events = s_grow (s_db.events, &s_db.capevents, s_db.nevents, sizeof *s_db.events);
    s_stored_t *st = &s_db.events[s_db.nevents++];
    snprintf (st->unit, sizeof st->unit, "%s", unit);
    snprintf (st->ref, sizeof st->ref, "%s", ev->ref);
    snprintf (st->id, sizeof st->id, "%s", id ? id : "");
    st->ev = ev;
}

//  Records one event of UNIT given as a JSONL line (printf format), like an agent would.
void
t_put (const char *unit, const char *fmt, ...)
{
    char *json;
    va_list args;
    va_start (args, fmt);
    cr_assert (vasprintf (&json, fmt, args) > 0);
    va_end (args);
    Massline__Event *ev = t_event (json, ml_date_from_ymd (2026, 1, 15));
    cr_assert_eq (ml_event_ensure_ref (ev), 0);
    free (json);
    if (ev->body_case == MASSLINE__EVENT__BODY_PERSON || ev->body_case == MASSLINE__EVENT__BODY_ORG) {
        //  The roster keeps the latest version per id.
        const char *id = ev->body_case == MASSLINE__EVENT__BODY_PERSON ? ev->person->person
                                                                       : ev->org->org;
        for (size_t i = 0; i < s_db.nevents; i++)
            if (!strcmp (s_db.events[i].unit, unit) && !strcmp (s_db.events[i].id, id)
                && s_db.events[i].ev->body_case == ev->body_case) {
                ml_event_free (&s_db.events[i].ev);
                s_db.events[i].ev = ev;
                return;
            }
        s_store (unit, ev, id);
        return;
    }
    if (ev->body_case == MASSLINE__EVENT__BODY_CORRECTION
        || ev->body_case == MASSLINE__EVENT__BODY_VOID) {
        const char *ref = ev->body_case == MASSLINE__EVENT__BODY_VOID ? ev->void_->supersedes
                                                                      : ev->correction->supersedes;
        s_stored_t *old = s_find_event (unit, ref);
        cr_assert (old, "no event %s to supersede", ref);
        s_apply (unit, s_current (old), -1);
        ml_event_free (&old->ev);
        if (ev->body_case == MASSLINE__EVENT__BODY_VOID) {
            *old = s_db.events[--s_db.nevents];
            ml_event_free (&ev);
            return;
        }
        old->ev = ev;
        s_apply (unit, s_current (old), 1);
        return;
    }
    s_apply (unit, ev, 1);
    s_store (unit, ev, NULL);
}

void
t_unit (const char *id, const char *name)
{
    snprintf (s_db.units[s_db.nunits][0], 128, "%s", id);
    snprintf (s_db.units[s_db.nunits++][1], 128, "%s", name);
}

void
t_person (const char *unit, const char *id, const char *name, const char *org, const char *roles)
{
    if (org)
        t_put (unit, "{\"kind\":\"person\",\"person\":\"%s\",\"name\":\"%s\",\"org\":\"%s\",\"roles\":%s}",
               id, name, org, roles);
    else
        t_put (unit, "{\"kind\":\"person\",\"person\":\"%s\",\"name\":\"%s\",\"roles\":%s}",
               id, name, roles);
}

//  The source callbacks.

static int
s_src_units (void *ctx, ml_unit_fn *fn, void *arg)
{
    (void) ctx;
    for (size_t i = 0; i < s_db.nunits; i++) {
        int rc = fn (arg, s_db.units[i][0], s_db.units[i][1]);
        if (rc)
            return rc;
    }
    return 0;
}

//  Calls FN for the counters whose key starts with PROBE's.
static int
s_agg_range (const s_agg_t *probe, ml_row_fn *fn, void *arg)
{
    s_agg_settle ();
    //  A cursor range: the first key at or after the prefix, while the prefix matches.
    size_t lo = 0, hi = s_db.nagg;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s_agg_cmp (&s_db.agg[mid], probe) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < s_db.nagg; i++) {
        const s_agg_t *row = &s_db.agg[i];
        if (row->len < probe->len || memcmp (row->key, probe->key, probe->len) != 0)
            break;
        ml_delta_t d;
        if (row->key[0] == 0xFF)
            cr_assert_eq (ml_aggd_key_decode (row->key + 1, row->len - 1, &d, NULL), 0);
        else
            cr_assert_eq (ml_agg_key_decode (row->key, row->len, &d, NULL), 0);
        d.amount = row->amount;
        int rc = fn (arg, &d);
        if (rc)
            return rc;
    }
    return 0;
}

static int
s_src_agg (void *ctx, const char *unit, int year, ml_row_fn *fn, void *arg)
{
    (void) ctx;
    s_agg_t probe;
    probe.len = ml_agg_prefix (year, unit, probe.key);
    return s_agg_range (&probe, fn, arg);
}

static int
s_src_agg_days (void *ctx, const char *unit, int year, int month, ml_row_fn *fn, void *arg)
{
    (void) ctx;
    s_agg_t probe;
    probe.key[0] = 0xFF;
    probe.len = 1 + ml_aggd_prefix (year, unit, month, probe.key + 1);
    return s_agg_range (&probe, fn, arg);
}

static int
s_src_agg_person (void *ctx, const char *unit, int year, const char *person, ml_row_fn *fn,
                  void *arg)
{
    (void) ctx;
    s_agg_t probe;
    probe.len = ml_agg_prefix (year, unit, probe.key);
    size_t plen = strlen (person);
    cr_assert_leq (plen, ML_ID_MAX);
    memcpy (probe.key + probe.len, person, plen + 1);
    probe.len += plen + 1;
    return s_agg_range (&probe, fn, arg);
}

static int
s_src_roster (const char *unit, int body, ml_event_fn *fn, void *arg)
{
    for (size_t i = 0; i < s_db.nevents; i++)
        if (!strcmp (s_db.events[i].unit, unit) && (int) s_db.events[i].ev->body_case == body) {
            int rc = fn (arg, s_db.events[i].ev);
            if (rc)
                return rc;
        }
    return 0;
}

static int
s_src_persons (void *ctx, const char *unit, ml_event_fn *fn, void *arg)
{
    (void) ctx;
    return s_src_roster (unit, MASSLINE__EVENT__BODY_PERSON, fn, arg);
}

static int
s_src_orgs (void *ctx, const char *unit, ml_event_fn *fn, void *arg)
{
    (void) ctx;
    return s_src_roster (unit, MASSLINE__EVENT__BODY_ORG, fn, arg);
}

static int
s_src_cases (void *ctx, const char *unit, ml_case_fn *fn, void *arg)
{
    (void) ctx;
    size_t ulen = strlen (unit);
    for (size_t i = 0; i < s_db.ncases; i++) {
        if (s_db.cases[i].len <= ulen || memcmp (s_db.cases[i].key, unit, ulen + 1) != 0)
            continue;
        ml_case_t c;
        cr_assert_eq (ml_case_unpack (s_db.cases[i].val, s_db.cases[i].vlen, &c), 0);
        int rc = fn (arg, &c);
        if (rc)
            return rc;
    }
    return 0;
}

static const ml_source_t s_source = { .units = s_src_units, .agg = s_src_agg,
                                      .agg_days = s_src_agg_days,
                                      .agg_person = s_src_agg_person, .persons = s_src_persons,
                                      .orgs = s_src_orgs, .cases = s_src_cases };

void
t_engine_setup (void)
{
    t_dir_setup ();
    memset (&s_db, 0, sizeof s_db);
    s_rules_path = t_source_path ("collector/rules/zhenjiang-2014.ini");
    char err[512] = "";
    s_shipped = ml_ruleset_load (s_rules_path, err, sizeof err);
    cr_assert (s_shipped, "%s", err);
    s_rules = s_shipped;
    t_unit ("H001", "镇江市第一人民医院");
}

void
t_engine_teardown (void)
{
    for (size_t i = 0; i < s_db.nevents; i++)
        ml_event_free (&s_db.events[i].ev);
    free (s_db.events);
    free (s_db.agg);
    free (s_db.cases);
    ml_ruleset_destroy (&s_shipped);
    s_rules = NULL;
    t_dir_teardown ();
}

//  ---------------------------------------------------------------------------
//  Access for the tests

const ml_ruleset_t *
t_rules (void)
{
    return s_rules;
}

const ml_ruleset_t *
t_use_rules (const ml_ruleset_t *rules)
{
    const ml_ruleset_t *previous = s_rules;
    s_rules = rules;
    return previous;
}

const char *
t_rules_path (void)
{
    return s_rules_path;
}

const ml_source_t *
t_memsource (void)
{
    return &s_source;
}

void
t_units_clear (void)
{
    s_db.nunits = 0;
}

void
t_counter_add (const char *unit, const ml_delta_t *d)
{
    s_agg_add (unit, d);
}

size_t
t_counters (void)
{
    s_agg_settle ();
    return s_db.nagg;
}

size_t
t_stored_count (void)
{
    return s_db.nevents;
}

const Massline__Event *
t_stored_event (size_t i)
{
    cr_assert_lt (i, s_db.nevents);
    return s_db.events[i].ev;
}

const char *
t_stored_ref (size_t i)
{
    cr_assert_lt (i, s_db.nevents);
    return s_db.events[i].ref;
}

//  ---------------------------------------------------------------------------
//  Looking at reports

ml_day_t
t_day (const char *text)
{
    ml_day_t day;
    cr_assert_eq (ml_date_parse (text, &day), 0, "%s", text);
    return day;
}

ml_report_ctx_t
t_ctx (void)
{
    ml_report_ctx_t ctx = { s_rules, &s_source, t_day ("2026-01-15") };
    return ctx;
}

json_t *
t_annual (const char *as_of)
{
    ml_report_ctx_t ctx = t_ctx ();
    char err[512] = "";
    json_t *report = ml_report_unit_annual (&ctx, "H001", 2025, as_of ? t_day (as_of) : ML_NODAY,
                                            err, sizeof err);
    cr_assert (report, "%s", err);
    return report;
}

json_t *
t_find (json_t *list, const char *key, const char *value)
{
    size_t i;
    json_t *item;
    json_array_foreach (list, i, item) {
        const char *v = json_string_value (json_object_get (item, key));
        if (v && strcmp (v, value) == 0)
            return item;
    }
    return NULL;
}

json_t *
t_entry (json_t *report, const char *person, const char *rule)
{
    json_t *list = json_object_get (report, "unit_rules");
    if (person) {
        json_t *p = t_find (json_object_get (report, "persons"), "person", person);
        if (!p)
            return NULL;
        list = json_object_get (p, "rules");
    }
    return t_find (list, "rule", rule);
}

long
t_int (json_t *obj, const char *key)
{
    json_t *v = json_object_get (obj, key);
    cr_assert (json_is_integer (v), "'%s' is not an integer", key);
    return (long) json_integer_value (v);
}

void
t_expect_in (json_t *report, const char *person, const char *rule, const char *status,
             long actual, long required)
{
    json_t *e = t_entry (report, person, rule);
    cr_assert (e, "rule %s of %s is not in the report", rule, person ? person : "the unit");
    const char *got = json_string_value (json_object_get (e, "status"));
    char *dump = json_dumps (e, JSON_COMPACT);
    cr_assert_str_eq (got, status, "%s of %s: %s", rule, person ? person : "the unit", dump);
    if (actual >= 0)
        cr_assert_eq (t_int (e, "actual"), actual, "%s of %s: %s", rule, person, dump);
    if (required >= 0)
        cr_assert_eq (t_int (e, "required"), required, "%s of %s: %s", rule, person, dump);
    free (dump);
}

void
t_expect (const char *person, const char *rule, const char *status, long actual, long required)
{
    json_t *report = t_annual (NULL);
    t_expect_in (report, person, rule, status, actual, required);
    json_decref (report);
}

//  ---------------------------------------------------------------------------
//  Events of H001

void
t_trip (const char *person, const char *from, const char *end, bool stationed)
{
    t_put ("H001", "{\"kind\":\"research_trip\",\"date\":\"%s\",\"person\":\"%s\",\"end\":\"%s\","
           "\"place\":\"社区\",\"stationed\":%s}", from, person, end, stationed ? "true" : "false");
}

void
t_reception (const char *person, const char *date, const char *mode, const char *announced)
{
    if (announced)
        t_put ("H001", "{\"kind\":\"reception_day\",\"date\":\"%s\",\"person\":\"%s\",\"mode\":\"%s\","
               "\"announced\":\"%s\"}", date, person, mode, announced);
    else
        t_put ("H001", "{\"kind\":\"reception_day\",\"date\":\"%s\",\"person\":\"%s\",\"mode\":\"%s\"}",
               date, person, mode);
}

void
t_receptions (const char *person, int from, int to, bool halves, const char *skip)
{
    for (int m = from; m <= to; m++)
        for (int h = 0; h < (halves ? 2 : 1); h++) {
            char date[16], period[16], announced[16];
            snprintf (date, sizeof date, "2025-%02d-%02d", m, h ? 20 : 5);
            snprintf (announced, sizeof announced, "2025-%02d-%02d", m, h ? 16 : 1);
            snprintf (period, sizeof period, halves ? "2025-%02d-%c" : "2025-%02d", m, h ? 'b' : 'a');
            if (!skip || strcmp (skip, period) != 0)
                t_reception (person, date, "fixed_point", announced);
        }
}

void
t_petition (const char *id, const char *date, const char *receiver, int group,
            const char *deadline, bool complete)
{
    if (complete)
        t_put ("H001", "{\"kind\":\"petition_case\",\"date\":\"%s\",\"case\":\"%s\",\"person\":\"%s\","
               "\"group_size\":%d,\"measures\":\"约谈\",\"responsible\":\"医务处\",\"deadline\":\"%s\"}",
               date, id, receiver, group, deadline);
    else
        t_put ("H001", "{\"kind\":\"petition_case\",\"date\":\"%s\",\"case\":\"%s\",\"person\":\"%s\","
               "\"group_size\":%d,\"deadline\":\"%s\"}", date, id, receiver, group, deadline);
}

void
t_petition_closed (const char *id, const char *date, const char *signer)
{
    t_put ("H001", "{\"kind\":\"petition_closed\",\"date\":\"%s\",\"case\":\"%s\",\"signed_by\":\"%s\"}",
           date, id, signer);
}

void
t_talk (const char *person, const char *date, const char *with, const char *category,
        const char *mode)
{
    t_put ("H001", "{\"kind\":\"talk\",\"date\":\"%s\",\"person\":\"%s\",\"with\":\"%s\","
           "\"with_category\":\"%s\",\"form\":\"individual\",\"mode\":\"%s\"}", date, person, with,
           category, mode);
}

void
t_commitment (const char *id, const char *date, const char *who, const char *type,
              const char *deadline, bool published)
{
    char owner[96];
    snprintf (owner, sizeof owner, who[0] == 'B' ? "\"org\":\"%s\"" : "\"person\":\"%s\"", who);
    char extra[128] = "";
    if (deadline)
        snprintf (extra, sizeof extra, ",\"deadline\":\"%s\"", deadline);
    if (published)
        strcat (extra, ",\"published\":\"支部党员大会\"");
    t_put ("H001", "{\"kind\":\"commitment\",\"date\":\"%s\",\"commitment\":\"%s\",%s,\"type\":\"%s\","
           "\"content\":\"做好患者回访\"%s}", date, id, owner, type, extra);
}

void
t_realistic_unit (void)
{
    t_put ("H001", "{\"kind\":\"org\",\"org\":\"B1\",\"name\":\"机关党支部\",\"head\":\"S1\"}");
    t_person ("H001", "P1", "王书记", "B1", T_MAIN);
    t_person ("H001", "L1", "李副院长", "B1", T_LEADER);
    t_person ("H001", "S1", "张支书", "B1", "[{\"role\":\"org_head\",\"from\":\"2020-01-01\"},"
              "{\"role\":\"party_member\",\"from\":\"2020-01-01\"}]");
    t_person ("H001", "M1", "刘党员", "B1", "[{\"role\":\"party_member\",\"from\":\"2020-01-01\"}]");
    t_person ("H001", "X9", "离任者", NULL, "[{\"role\":\"leader\",\"from\":\"2015-01-01\",\"to\":\"2019-12-31\"}]");
    t_put ("H001", "{\"kind\":\"research_plan\",\"date\":\"2025-01-10\",\"person\":\"P1\"}");
    t_trip ("P1", "2025-03-01", "2025-03-31", false);
    t_trip ("P1", "2025-09-01", "2025-09-26", false);
    t_trip ("P1", "2025-10-08", "2025-10-12", true);              //  62 days, 5 stationed
    t_put ("H001", "{\"kind\":\"research_report\",\"date\":\"2025-11-01\",\"person\":\"P1\",\"title\":\"调研报告\"}");
    t_put ("H001", "{\"kind\":\"work_item\",\"date\":\"2025-11-01\",\"person\":\"P1\",\"title\":\"分级诊疗\"}");
    t_trip ("L1", "2025-05-01", "2025-05-20", false);              //  20 of 30 days
    t_receptions ("P1", 1, 12, false, NULL);
    t_receptions ("L1", 1, 12, true, NULL);
    t_put ("H001", "{\"kind\":\"results_exchange\",\"date\":\"2025-12-10\"}");
    t_put ("H001", "{\"kind\":\"mailbox\",\"date\":\"2025-01-02\",\"channel\":\"书记信箱\"}");
    t_petition ("X1", "2025-03-01", "P1", 1, "2025-03-31", true);
    t_petition_closed ("X1", "2025-03-30", "P1");
    t_talk ("S1", "2025-03-01", "M1", "party_member", "in_person");
    t_talk ("S1", "2025-09-01", "M1", "party_member", "in_person");
    t_commitment ("K1", "2025-02-10", "M1", "annual", "2025-11-30", true);
}

void
t_weak_unit (void)
{
    t_unit ("H002", "镇江市第二人民医院");
    t_put ("H002", "{\"kind\":\"person\",\"person\":\"P1\",\"name\":\"陈院长\",\"roles\":" T_MAIN "}");
    t_put ("H002", "{\"kind\":\"research_trip\",\"date\":\"2025-02-01\",\"person\":\"P1\",\"end\":\"2025-02-10\"}");
}
