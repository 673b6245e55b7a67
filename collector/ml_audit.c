/* ml_audit.c -- the frozen records of the audit: draw and freeze a sample with its on-site
   checklist, read it back with its findings, verify it against the data now, record findings,
   list the samples. The population and selection are in ml_audit_population.c. */
#include "ml_audit_private.h"
#include "ml_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// ---------------------------------------------------------------------------
// Small helpers.

//  "2026-11-26T08:00:00Z" for now.
static void
s_now_iso (char buf[32])
{
    time_t t = time (NULL);
    struct tm tm;
    strftime (buf, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r (&t, &tm));
}

// ---------------------------------------------------------------------------
// The checklist: what the inspector takes on site, one entry per item.

static void
s_set_str (json_t *obj, const char *key, const char *value)
{
    if (value && *value)
        json_object_set_new (obj, key, json_string (value));
}

//  Adds the name of PERSON of UNIT to ENTRY.
static void
s_add_name (ml_store_txn_t *txn, json_t *entry, const char *unit, const char *person)
{
    Massline__Event *pev = person ? ml_audit_load_person (txn, unit, person) : NULL;
    if (pev)
        s_set_str (entry, "name", pev->person->name);
    ml_event_free (&pev);
}

//  Fills ENTRY for event item UNIT/REF.
static void
s_details_event (ml_store_txn_t *txn, json_t *entry, const char *unit, const char *ref)
{
    const Massline__Event *body = NULL;
    int state;
    Massline__Event *ev = ml_audit_load_event (txn, unit, ref, &body, &state);
    if (!ev)
        return;
    const char *kind = ml_event_kind (body);
    s_set_str (entry, "kind", kind);
    s_set_str (entry, "date", ml_event_str (body, "date"));
    const char *person = ml_event_str (body, "person");
    s_set_str (entry, "person", person);
    s_add_name (txn, entry, unit, person);
    static const char *const subjects[] = { "case", "opinion", "commitment", "point", "family",
                                            "with", "host", "channel", "end", NULL };
    for (int i = 0; subjects[i]; i++) {
        const char *s = ml_event_str (body, subjects[i]);
        if (s) {
            json_object_set_new (entry, "subject", json_sprintf ("%s %s", subjects[i], s));
            break;
        }
    }
    json_object_set_new (entry, "verify", json_string (ml_audit_verify_text (kind ? kind : "")));
    ml_event_free (&ev);
}

//  Fills ENTRY for person item UNIT/PERSON: name and roles held in YEAR.
static void
s_details_person (ml_store_txn_t *txn, json_t *entry, const char *unit, const char *person, int year)
{
    s_set_str (entry, "person", person);
    json_object_set_new (entry, "kind", json_string ("person"));
    Massline__Event *pev = ml_audit_load_person (txn, unit, person);
    if (pev) {
        s_set_str (entry, "name", pev->person->name);
        char first[16], last[16], roles[512] = "";
        snprintf (first, sizeof first, "%04d-01-01", year);
        snprintf (last, sizeof last, "%04d-12-31", year);
        size_t used = 0;
        for (size_t i = 0; i < pev->person->n_roles; i++) {
            const Massline__Role *r = pev->person->roles[i];
            const ProtobufCEnumValue *e =
                protobuf_c_enum_descriptor_get_value (&massline__role__id__descriptor, (int) r->role);
            if (e && strcmp (r->from, last) <= 0 && (!r->to || strcmp (r->to, first) >= 0)
            &&  used + strlen (e->name) + 2 < sizeof roles)
                used += (size_t) snprintf (roles + used, sizeof roles - used, "%s%s", used ? "," : "", e->name);
        }
        s_set_str (entry, "subject", roles);
    }
    ml_event_free (&pev);
    json_object_set_new (entry, "verify", json_string (ml_audit_verify_text ("persons")));
}

//  The checklist of the drawn STRATA.
static json_t *
s_checklist (ml_store_txn_t *txn, const ml_registry_t *registry, const ml_audit_params_t *p,
             const json_t *strata)
{
    json_t *list = json_array ();
    size_t h, i, no = 0;
    json_t *s, *item;
    json_array_foreach (strata, h, s) {
        json_array_foreach (json_object_get (s, "items"), i, item) {
            const char *id = json_string_value (item);
            json_t *entry = json_pack ("{s:I, s:s, s:O}", "no", (json_int_t) ++no, "item", id,
                                       "stratum", json_object_get (s, "stratum"));
            if (!entry || json_array_append_new (list, entry)) {
                json_decref (list);
                return NULL;
            }
            char unit[ML_ID_MAX + 1];
            const char *rest = p->population == ML_AUDIT_UNITS ? NULL : ml_audit_split_item (id, unit);
            if (p->population == ML_AUDIT_UNITS) {
                const ml_unit_t *u = ml_registry_unit (registry, id);
                s_set_str (entry, "unit", id);
                s_set_str (entry, "name", u ? u->name : NULL);
                json_object_set_new (entry, "kind", json_string ("unit"));
                json_object_set_new (entry, "verify", json_string (ml_audit_verify_text ("units")));
                continue;
            }
            if (!rest)
                continue;
            s_set_str (entry, "unit", unit);
            if (p->population == ML_AUDIT_EVENTS)
                s_details_event (txn, entry, unit, rest);
            else
                s_details_person (txn, entry, unit, rest, p->year);
        }
    }
    return list;
}

// ---------------------------------------------------------------------------
// Frozen records.

typedef struct {
    size_t plen;                        //  "S2025-"
    long last;                          //  the highest number of the year so far
} s_ids_t;

static int
s_on_id (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    (void) val, (void) vlen;
    s_ids_t *ids = arg;
    if (klen > ids->plen) {
        char num[24];
        snprintf (num, sizeof num, "%.*s", (int) (klen - ids->plen), (const char *) key + ids->plen);
        long n = strtol (num, NULL, 10);
        ids->last = n > ids->last ? n : ids->last;
    }
    return 0;
}

//  The next free id of YEAR: "S2025-001", "S2025-002"...
static int
s_next_id (ml_store_txn_t *txn, int year, char *id, size_t idlen)
{
    char prefix[16];
    s_ids_t ids = { (size_t) snprintf (prefix, sizeof prefix, "S%04d-", year), 0 };
    int rc = ml_store_table_each (txn, ML_STORE_SAMPLES, prefix, ids.plen, s_on_id, &ids);
    if (rc)
        return rc;
    snprintf (id, idlen, "%s%03ld", prefix, ids.last + 1);
    return 0;
}

//  Reads the frozen record ID: parsed, with its digest checked. *TEXT, *TLEN (optional) get the
//  stored text (borrowed from the transaction).
static int
s_read_record (ml_store_txn_t *txn, const char *id, json_t **record, char hex[ML_SAMPLE_HEX_LEN],
               const char **text, size_t *tlen, char *err, size_t errlen)
{
    *record = NULL;
    const void *val;
    size_t vlen;
    int rc = ml_store_table_get (txn, ML_STORE_SAMPLES, id, strlen (id), &val, &vlen);
    if (rc == ML_ENOTFOUND)
        return ml_audit_fail (err, errlen, ML_ENOTFOUND, "no sample '%s' (massline sample list)", id);
    if (rc)
        return ml_audit_store_fail (err, errlen, rc, "samples");
    const char *v = val;
    if (vlen < ML_SAMPLE_HEX_LEN || v[ML_SAMPLE_HEX_LEN - 1] != '\n')
        return ml_audit_fail (err, errlen, ML_ECONFLICT, "sample %s: stored record is malformed", id);
    const char *body = v + ML_SAMPLE_HEX_LEN;
    size_t blen = vlen - ML_SAMPLE_HEX_LEN;
    ml_sample_digest (body, blen, hex);
    if (memcmp (hex, v, ML_SAMPLE_HEX_LEN - 1) != 0)
        return ml_audit_fail (err, errlen, ML_ECONFLICT, "sample %s: stored record does not match its "
                              "digest %.64s (now %s)", id, v, hex);
    json_error_t jerr;
    *record = json_loadb (body, blen, 0, &jerr);
    if (!*record)
        return ml_audit_fail (err, errlen, ML_ECONFLICT, "sample %s: stored record is not JSON: %s", id, jerr.text);
    if (text) {
        *text = body;
        *tlen = blen;
    }
    return 0;
}

typedef struct {
    size_t plen;                        //  "S2025-001\0"
    json_t *findings;
} s_findings_t;

static int
s_on_finding (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    s_findings_t *f = arg;
    if (klen <= f->plen)
        return 0;
    char item[2 * ML_ID_MAX + 8];
    snprintf (item, sizeof item, "%.*s", (int) (klen - f->plen), (const char *) key + f->plen);
    json_t *list = json_loadb (val, vlen, 0, NULL);
    if (json_is_array (list))
        json_object_set_new (f->findings, item, list);
    else
        json_decref (list);
    return 0;
}

//  The findings of sample ID: an object item -> array of findings (oldest first).
static int
s_read_findings (ml_store_txn_t *txn, const char *id, json_t **findings, char *err, size_t errlen)
{
    *findings = json_object ();
    if (!*findings)
        return ml_audit_fail (err, errlen, ML_ENOMEM, "findings: out of memory");
    s_findings_t f = { strlen (id) + 1, *findings };
    int rc = ml_store_table_each (txn, ML_STORE_FINDINGS, id, f.plen, s_on_finding, &f);
    return rc ? ml_audit_store_fail (err, errlen, rc, "findings") : 0;
}

//  Sample ID as ml_audit_get answers, in the open transaction TXN.
static int
s_get (ml_store_txn_t *txn, const char *id, json_t **sample, char *err, size_t errlen)
{
    char hex[ML_SAMPLE_HEX_LEN];
    const char *text;
    size_t tlen;
    json_t *findings = NULL;
    int rc = s_read_record (txn, id, sample, hex, &text, &tlen, err, errlen);
    if (!rc)
        rc = s_read_findings (txn, id, &findings, err, errlen);
    if (rc) {
        json_decref (*sample);
        *sample = NULL;
        return rc;
    }
    json_object_set_new (*sample, "record_digest", json_string (hex));
    json_object_set_new (*sample, "record", json_stringn (text, tlen));
    size_t i, examined = 0;
    json_t *entry;
    json_array_foreach (json_object_get (*sample, "checklist"), i, entry) {
        json_t *list = json_object_get (findings, json_string_value (json_object_get (entry, "item")));
        size_t n = json_array_size (list);
        json_object_set (entry, "finding", n ? json_array_get (list, n - 1) : json_null ());
        if (n > 1)
            json_object_set_new (entry, "earlier_findings", json_integer ((json_int_t) n - 1));
        examined += n > 0;
    }
    json_object_set_new (*sample, "examined", json_integer ((json_int_t) examined));
    json_decref (findings);
    //  The keys of interfaces.md first, for people reading the JSON; the rest as stored.
    json_t *ordered = json_object ();
    static const char *const first[] = { "sample", "seed", "population", "digest", "strata", NULL };
    for (int f = 0; ordered && first[f]; f++)
        json_object_set (ordered, first[f], json_object_get (*sample, first[f]));
    if (ordered && json_object_update_missing (ordered, *sample) == 0) {
        json_decref (*sample);
        *sample = ordered;
    }
    else
        json_decref (ordered);
    return 0;
}

int
ml_audit_get (ml_store_t *store, const char *id, json_t **sample, char *err, size_t errlen)
{
    *sample = NULL;
    int rc;
    ml_store_txn_t *txn = ml_audit_begin (store, false, &rc, err, errlen);
    if (!txn)
        return rc;
    rc = s_get (txn, id, sample, err, errlen);
    ml_audit_end (&txn, true, err, errlen);
    return rc;
}

int
ml_audit_draw (ml_store_t *store, const ml_registry_t *registry,
               const ml_audit_params_t *p, const char *who, json_t **sample,
               char *err, size_t errlen)
{
    *sample = NULL;
    ml_audit_pop_t *pop = NULL;
    json_t *record = NULL;
    char *text = NULL, *value = NULL;
    int rc;
    ml_store_txn_t *txn = ml_audit_begin (store, true, &rc, err, errlen);
    if (!txn)
        return rc;
    //  One write transaction: the population read and the id taken are one consistent state.
    rc = ml_audit_population_in (txn, registry, p, &pop, err, errlen);
    if (rc)
        goto done;
    if (pop->total == 0) {
        rc = ml_audit_fail (err, errlen, ML_EINVAL, "nothing to draw from: no %s in %d%s",
                            ml_audit_pop_names[p->population], p->year,
                            p->population == ML_AUDIT_EVENTS ? " of the kinds asked" : "");
        goto done;
    }
    char hex[ML_SAMPLE_HEX_LEN], id[64], now[32];
    json_t *strata = ml_audit_select (pop, p, false, hex, &rc, err, errlen);
    if (!strata)
        goto done;
    rc = s_next_id (txn, p->year, id, sizeof id);
    if (rc) {
        json_decref (strata);
        rc = ml_audit_store_fail (err, errlen, rc, "samples");
        goto done;
    }
    s_now_iso (now);
    record = ml_audit_params_json (p);
    json_t *checklist = s_checklist (txn, registry, p, strata);
    if (!record || !checklist
    ||  json_object_set_new (record, "algorithm", json_string (ML_AUDIT_ALGORITHM))
    ||  json_object_set_new (record, "sample", json_string (id))
    ||  json_object_set_new (record, "drawn_by", json_string (who))
    ||  json_object_set_new (record, "drawn_at", json_string (now))
    ||  json_object_set_new (record, "digest", json_string (hex))
    ||  json_object_set_new (record, "population_size", json_integer ((json_int_t) pop->total))
    ||  json_object_set_new (record, "strata", json_incref (strata))
    ||  json_object_set_new (record, "checklist", json_incref (checklist))) {
        json_decref (strata);
        json_decref (checklist);
        rc = ml_audit_fail (err, errlen, ML_ENOMEM, "draw: out of memory");
        goto done;
    }
    json_decref (strata);
    json_decref (checklist);
    //  Canonical text: compact, keys sorted, UTF-8 as is. The digest goes in front of it.
    text = json_dumps (record, JSON_COMPACT | JSON_SORT_KEYS);
    size_t tlen = text ? strlen (text) : 0;
    value = text ? malloc (ML_SAMPLE_HEX_LEN + tlen) : NULL;
    if (!value) {
        rc = ml_audit_fail (err, errlen, ML_ENOMEM, "draw: out of memory");
        goto done;
    }
    ml_sample_digest (text, tlen, value);
    value[ML_SAMPLE_HEX_LEN - 1] = '\n';
    memcpy (value + ML_SAMPLE_HEX_LEN, text, tlen);
    rc = ml_store_table_put (txn, ML_STORE_SAMPLES, id, strlen (id), value, ML_SAMPLE_HEX_LEN + tlen, false);
    if (rc) {
        rc = ml_audit_store_fail (err, errlen, rc, "samples");
        goto done;
    }
    rc = ml_audit_end (&txn, true, err, errlen);
    if (!rc)
        rc = ml_audit_get (store, id, sample, err, errlen);
done:
    ml_audit_end (&txn, false, err, errlen);
    ml_audit_pop_destroy (&pop);
    json_decref (record);
    free (text);
    free (value);
    return rc;
}

// ---------------------------------------------------------------------------
// Verification.

//  Why ITEM is not in the population of P now.
static void
s_why_gone (ml_store_txn_t *txn, const ml_registry_t *registry, const ml_audit_params_t *p, const char *item,
            char *buf, size_t len)
{
    char unit[ML_ID_MAX + 1];
    const char *rest = ml_audit_split_item (item, unit);
    snprintf (buf, len, "no longer in the population");
    if (p->population == ML_AUDIT_UNITS) {
        if (!ml_registry_unit (registry, item))
            snprintf (buf, len, "no longer in the registry");
        return;
    }
    if (!rest)
        return;
    if (p->population == ML_AUDIT_PERSONS) {
        Massline__Event *pev = ml_audit_load_person (txn, unit, rest);
        snprintf (buf, len, pev ? "no role in %d any more" : "no longer in the roster", p->year);
        ml_event_free (&pev);
        return;
    }
    const Massline__Event *body = NULL;
    int state;
    Massline__Event *ev = ml_audit_load_event (txn, unit, rest, &body, &state);
    if (state != ML_AUDIT_PRESENT) {
        snprintf (buf, len, state == ML_AUDIT_GONE ? "no longer in the store" : "voided since the draw");
        ml_event_free (&ev);
        return;
    }
    const char *date = ev ? ml_event_str (body, "date") : NULL;
    if (date)
        snprintf (buf, len, "corrected since the draw: now dated %s", date);
    ml_event_free (&ev);
}

//  The index of VALUE in ARRAY, or -1.
static long
s_index_of (const json_t *array, const json_t *value)
{
    for (size_t j = 0; j < json_array_size (array); j++)
        if (json_equal (json_array_get (array, j), value))
            return (long) j;
    return -1;
}

//  True when the sorted array IDS of N holds ID.
static bool
s_holds (const char **ids, size_t n, const char *id)
{
    return bsearch (&id, ids, n, sizeof *ids, ml_audit_strcmp_p) != NULL;
}

static void s_differ (json_t *diffs, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
s_differ (json_t *diffs, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (line, sizeof line, fmt, ap);
    va_end (ap);
    json_array_append_new (diffs, json_string (line));
}

//  Compares one frozen stratum F with the same stratum S now (either may be NULL) and adds
//  the differences; the entry for the answer goes into OUT.
static bool
s_compare_stratum (ml_store_txn_t *txn, const ml_registry_t *registry, const ml_audit_params_t *p,
                   const ml_audit_stratum_t *now_pop, json_t *f, json_t *s, json_t *diffs, json_t *out)
{
    const char *id = json_string_value (json_object_get (f ? f : s, "stratum"));
    json_int_t pop_then = f ? json_integer_value (json_object_get (f, "population")) : 0;
    json_int_t pop_now = s ? json_integer_value (json_object_get (s, "population")) : 0;
    const char *dig_then = f ? json_string_value (json_object_get (f, "digest")) : NULL;
    const char *dig_now = s ? json_string_value (json_object_get (s, "digest")) : NULL;
    json_t *items_then = f ? json_object_get (f, "items") : NULL;
    json_t *items_now = s ? json_object_get (s, "items") : NULL;
    bool same = f && s && json_equal (items_then, items_now) && strcmp (dig_then, dig_now) == 0;
    json_t *entry = json_pack ("{s:s, s:I, s:I, s:o, s:o, s:O*, s:O*, s:b}", "stratum", id,
                               "population", pop_then, "population_now", pop_now,
                               "digest", dig_then ? json_string (dig_then) : json_null (),
                               "digest_now", dig_now ? json_string (dig_now) : json_null (),
                               "items", items_then, "items_now", items_now, "matches", same);
    if (s && json_object_get (s, "population_ids"))
        json_object_set (entry, "population_ids", json_object_get (s, "population_ids"));
    json_array_append_new (out, entry);
    if (same)
        return true;
    if (!s) {
        s_differ (diffs, "stratum %s: had %" JSON_INTEGER_FORMAT " items at the draw, none now", id, pop_then);
        return false;
    }
    if (!f) {
        s_differ (diffs, "stratum %s: not there at the draw, %" JSON_INTEGER_FORMAT " items now", id, pop_now);
        return false;
    }
    if (strcmp (dig_then, dig_now) != 0)
        s_differ (diffs, "stratum %s: population changed: %" JSON_INTEGER_FORMAT " items at the draw, %"
                  JSON_INTEGER_FORMAT " now (digest %.12s... now %.12s...)", id, pop_then, pop_now,
                  dig_then, dig_now);
    size_t i;
    json_t *item;
    bool moved = false;
    json_array_foreach (items_then, i, item) {
        const char *it = json_string_value (item);
        if (s_index_of (items_now, item) >= 0)
            continue;
        moved = true;
        char why[256];
        if (now_pop && s_holds (now_pop->ids, now_pop->n, it))
            snprintf (why, sizeof why, "still in the population but no longer drawn");
        else
            s_why_gone (txn, registry, p, it, why, sizeof why);
        s_differ (diffs, "item %s: %s", it, why);
    }
    json_array_foreach (items_now, i, item)
        if (s_index_of (items_then, item) < 0) {
            moved = true;
            s_differ (diffs, "item %s: drawn now but not at the draw", json_string_value (item));
        }
    if (!moved && !json_equal (items_then, items_now))
        s_differ (diffs, "stratum %s: the same items, drawn in another order", id);
    return false;
}

int
ml_audit_verify (ml_store_t *store, const ml_registry_t *registry, const char *id,
                 bool population_list, json_t **result, char *err, size_t errlen)
{
    *result = NULL;
    json_t *sample = NULL, *strata = NULL;
    ml_audit_pop_t *pop = NULL;
    ml_audit_params_t p;
    char hex[ML_SAMPLE_HEX_LEN], rhex[ML_SAMPLE_HEX_LEN];
    int rc;
    ml_store_txn_t *txn = ml_audit_begin (store, false, &rc, err, errlen);
    if (!txn)
        return rc;
    rc = s_read_record (txn, id, &sample, rhex, NULL, NULL, err, errlen);
    if (!rc)
        rc = ml_audit_params_of (sample, &p, err, errlen);
    if (!rc)
        rc = ml_audit_population_in (txn, registry, &p, &pop, err, errlen);
    if (rc)
        goto done;
    //  An empty population now draws nothing; compare against no strata.
    strata = pop->total ? ml_audit_select (pop, &p, population_list, hex, &rc, err, errlen) : json_array ();
    if (!pop->total)
        ml_sample_digest_population (NULL, 0, hex);
    if (!strata)
        goto done;
    json_t *diffs = json_array (), *out = json_array ();
    json_t *then = json_object_get (sample, "strata");
    bool all = true;
    //  Both lists are in stratum id order: merge them.
    size_t a = 0, b = 0, na = json_array_size (then), nb = json_array_size (strata);
    while (a < na || b < nb) {
        json_t *f = a < na ? json_array_get (then, a) : NULL;
        json_t *s = b < nb ? json_array_get (strata, b) : NULL;
        int cmp = !f ? 1 : !s ? -1 : strcmp (json_string_value (json_object_get (f, "stratum")),
                                             json_string_value (json_object_get (s, "stratum")));
        const ml_audit_stratum_t *now_pop = cmp >= 0 ? &pop->strata[b] : NULL;
        all = s_compare_stratum (txn, registry, &p, now_pop, cmp <= 0 ? f : NULL, cmp >= 0 ? s : NULL,
                                 diffs, out) && all;
        a += cmp <= 0;
        b += cmp >= 0;
    }
    const char *dig_then = json_string_value (json_object_get (sample, "digest"));
    if (!dig_then || strcmp (dig_then, hex) != 0) {
        all = false;
        s_differ (diffs, "population digest %.64s at the draw, %s now", dig_then ? dig_then : "?", hex);
    }
    *result = json_pack ("{s:s, s:b, s:s, s:s, s:s, s:o, s:o}", "sample", id, "matches", all,
                         "record_digest", rhex, "digest", dig_then ? dig_then : "", "digest_now", hex,
                         "differences", diffs, "strata", out);
    if (!*result)
        rc = ml_audit_fail (err, errlen, ML_ENOMEM, "verify: out of memory");
done:
    ml_audit_end (&txn, true, err, errlen);
    json_decref (sample);
    json_decref (strata);
    ml_audit_pop_destroy (&pop);
    return rc;
}

// ---------------------------------------------------------------------------
// Findings.

int
ml_audit_finding (ml_store_t *store, const char *id, const char *item, const char *result,
                  const char *note, const char *who, json_t **finding, char *err, size_t errlen)
{
    *finding = NULL;
    if (strcmp (result, "ok") != 0 && strcmp (result, "deviation") != 0 && strcmp (result, "not_found") != 0)
        return ml_audit_fail (err, errlen, ML_EINVAL, "result: ok, deviation or not_found, not '%s'", result);
    bool utf8 = true;
    if (note) {
        json_t *text = json_string (note);              //  NULL when not UTF-8
        utf8 = text != NULL;
        json_decref (text);
    }
    if (note && (strlen (note) > ML_TEXT_MAX || !utf8))
        return ml_audit_fail (err, errlen, ML_EINVAL, "note: at most %d bytes of UTF-8", ML_TEXT_MAX);
    json_t *record = NULL, *list = NULL;
    char *text = NULL;
    char hex[ML_SAMPLE_HEX_LEN], now[32];
    int rc;
    ml_store_txn_t *txn = ml_audit_begin (store, true, &rc, err, errlen);
    if (!txn)
        return rc;
    rc = s_read_record (txn, id, &record, hex, NULL, NULL, err, errlen);
    if (rc)
        goto done;
    bool in = false;
    size_t h, i;
    json_t *s, *it;
    json_array_foreach (json_object_get (record, "strata"), h, s)
        json_array_foreach (json_object_get (s, "items"), i, it)
            in = in || strcmp (json_string_value (it), item) == 0;
    if (!in) {
        rc = ml_audit_fail (err, errlen, ML_ENOTFOUND, "sample %s has no item '%s' (massline sample show %s)",
                            id, item, id);
        goto done;
    }
    size_t ilen = strlen (item), klen = strlen (id) + 1 + ilen;
    char *key = malloc (klen);
    if (!key) {
        rc = ml_audit_fail (err, errlen, ML_ENOMEM, "finding: out of memory");
        goto done;
    }
    memcpy (key, id, strlen (id) + 1);
    memcpy (key + strlen (id) + 1, item, ilen);
    const void *val;
    size_t vlen;
    int grc = ml_store_table_get (txn, ML_STORE_FINDINGS, key, klen, &val, &vlen);
    list = grc == 0 ? json_loadb (val, vlen, 0, NULL) : json_array ();
    if (!json_is_array (list)) {
        json_decref (list);
        list = json_array ();
    }
    size_t n = json_array_size (list);
    json_t *prev = n ? json_object_get (json_array_get (list, n - 1), "result") : NULL;
    s_now_iso (now);
    json_t *entry = json_pack ("{s:s, s:o, s:s, s:s}", "result", result,
                               "note", note ? json_string (note) : json_null (), "by", who, "at", now);
    json_array_append (list, entry);
    text = json_dumps (list, JSON_COMPACT);
    if (grc && grc != ML_ENOTFOUND)
        rc = ml_audit_store_fail (err, errlen, grc, "findings");
    else
    if (!text)
        rc = ml_audit_fail (err, errlen, ML_ENOMEM, "finding: out of memory");
    else {
        int prc = ml_store_table_put (txn, ML_STORE_FINDINGS, key, klen, text, strlen (text), true);
        rc = prc ? ml_audit_store_fail (err, errlen, prc, "findings") : ml_audit_end (&txn, true, err, errlen);
    }
    free (key);
    if (!rc) {
        *finding = json_pack ("{s:s, s:s, s:o}", "sample", id, "item", item,
                              "replaces", prev ? json_copy (prev) : json_null ());
        if (!*finding || json_object_update (*finding, entry)) {
            json_decref (*finding);
            rc = ml_audit_fail (err, errlen, ML_ENOMEM, "finding: out of memory");
        }
    }
    json_decref (entry);
done:
    ml_audit_end (&txn, false, err, errlen);
    json_decref (record);
    json_decref (list);
    free (text);
    return rc;
}

// ---------------------------------------------------------------------------
// The list.

typedef struct {
    ml_store_txn_t *txn;
    json_t *list;
} s_list_t;

static int
s_on_sample (void *arg, const void *key, size_t klen, const void *val, size_t vlen)
{
    (void) val, (void) vlen;
    s_list_t *l = arg;
    char id[64];
    snprintf (id, sizeof id, "%.*s", (int) (klen < 63 ? klen : 63), (const char *) key);
    json_t *sample;
    char serr[256];
    if (s_get (l->txn, id, &sample, serr, sizeof serr)) {
        json_array_append_new (l->list, json_pack ("{s:s, s:s}", "sample", id, "error", serr));
        return 0;
    }
    json_array_append_new (l->list, json_pack ("{s:s, s:O, s:O, s:O, s:O, s:O, s:O}", "sample", id,
                           "year", json_object_get (sample, "year"),
                           "population", json_object_get (sample, "population"),
                           "size", json_object_get (sample, "size"),
                           "drawn_by", json_object_get (sample, "drawn_by"),
                           "drawn_at", json_object_get (sample, "drawn_at"),
                           "examined", json_object_get (sample, "examined")));
    json_decref (sample);
    return 0;
}

int
ml_audit_list (ml_store_t *store, json_t **list, char *err, size_t errlen)
{
    *list = json_array ();
    int rc;
    ml_store_txn_t *txn = ml_audit_begin (store, false, &rc, err, errlen);
    if (txn) {
        s_list_t l = { txn, *list };
        rc = ml_store_table_each (txn, ML_STORE_SAMPLES, "", 0, s_on_sample, &l);
        if (rc)
            rc = ml_audit_store_fail (err, errlen, rc, "samples");
        ml_audit_end (&txn, true, err, errlen);
    }
    if (rc) {
        json_decref (*list);
        *list = NULL;
    }
    return rc;
}
