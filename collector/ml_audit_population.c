/* ml_audit_population.c -- the population of a draw read from the store (events, persons,
   units) and the selection over it: per stratum the share, the items in ticket order and the
   population digest (docs/sampling.md). */
#include "ml_audit_private.h"
#include "ml_err.h"
#include "ml_pb.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---------------------------------------------------------------------------
// The store, in one of its transactions, through its functions only.

int
ml_audit_store_fail (char *err, size_t errlen, int code, const char *what)
{
    return ml_audit_fail (err, errlen, code, "store: %s: %s", what, ml_strerror (code));
}

ml_store_txn_t *
ml_audit_begin (ml_store_t *store, bool write, int *rc, char *err, size_t errlen)
{
    *rc = 0;
    ml_store_txn_t *txn = ml_store_begin (store, write, rc);
    if (!txn) {
        *rc = *rc ? *rc : ML_EIO;
        ml_audit_store_fail (err, errlen, *rc, "cannot begin a transaction");
    }
    return txn;
}

int
ml_audit_end (ml_store_txn_t **txn_p, bool commit, char *err, size_t errlen)
{
    if (!*txn_p)
        return 0;
    if (!commit) {
        ml_store_abort (txn_p);
        return 0;
    }
    int rc = ml_store_commit (txn_p);
    return rc ? ml_audit_store_fail (err, errlen, rc, "commit") : 0;
}

// ---------------------------------------------------------------------------
// Reading events without unpacking them: the population scan touches every current event of the
// store, so it reads the two strings it needs (kind is in refs; the date) straight from the
// protobuf wire format. The sampled items are unpacked in full for the checklist.

//  The date (YYYY-MM-DD, not NUL-terminated) of the current version of an event of body case
//  KIND stored as BYTES; CORRECTED when BYTES is the correction that holds it.
static bool
s_event_date (const uint8_t *bytes, size_t len, uint32_t kind, bool corrected, const uint8_t **date,
              size_t *dlen)
{
    const uint8_t *v = bytes, *body;
    size_t vlen = len, blen;
    if (corrected) {
        static _Thread_local uint32_t inner_field;      //  per thread: query workers
        if (!inner_field)
            inner_field = protobuf_c_message_descriptor_get_field_by_name (
                              &massline__correction__descriptor, "event")->id;
        const uint8_t *c;
        size_t clen;
        if (!ml_pb_field (bytes, len, MASSLINE__EVENT__BODY_CORRECTION, &c, &clen)
        ||  !ml_pb_field (c, clen, inner_field, &v, &vlen))
            return false;
    }
    return ml_pb_field (v, vlen, kind, &body, &blen)
        && ml_pb_field (body, blen, ml_audit_date_field (kind), date, dlen);
}

Massline__Event *
ml_audit_load_event (ml_store_txn_t *txn, const char *unit, const char *ref,
                     const Massline__Event **body, int *state)
{
    ml_store_ref_t r;
    if (ml_store_event (txn, unit, ref, &r)) {
        *state = ML_AUDIT_GONE;
        return NULL;
    }
    *state = r.voided ? ML_AUDIT_VOIDED : ML_AUDIT_PRESENT;
    const uint8_t *data;
    size_t len;
    if (ml_store_ref_event (&r, &data, &len))
        return NULL;
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (data, len, &verr);
    if (ev)
        *body = ev->body_case == MASSLINE__EVENT__BODY_CORRECTION ? ev->correction->event : ev;
    return ev;
}

//  The roster entry in DATA, LEN unpacked, or NULL when it is not one.
static Massline__Event *
s_unpack_person (const uint8_t *data, size_t len)
{
    ml_verr_t verr;
    Massline__Event *ev = ml_event_unpack (data, len, &verr);
    if (ev && ev->body_case != MASSLINE__EVENT__BODY_PERSON)
        ml_event_free (&ev);
    return ev;
}

Massline__Event *
ml_audit_load_person (ml_store_txn_t *txn, const char *unit, const char *person)
{
    const uint8_t *data;
    size_t len;
    return ml_store_person (txn, unit, person, &data, &len) ? NULL : s_unpack_person (data, len);
}

//  True when PERSON holds a role on some day of YEAR.
static bool
s_person_in_year (const Massline__Person *person, int year)
{
    char first[16], last[16];
    snprintf (first, sizeof first, "%04d-01-01", year);
    snprintf (last, sizeof last, "%04d-12-31", year);
    for (size_t i = 0; i < person->n_roles; i++) {
        const Massline__Role *r = person->roles[i];
        if (strcmp (r->from, last) <= 0 && (!r->to || strcmp (r->to, first) >= 0))
            return true;
    }
    return false;
}

// ---------------------------------------------------------------------------
// The population.

typedef struct {
    char *buf;                          //  ids and stratum ids, NUL-terminated, back to back
    size_t len, cap;
    size_t *items;                      //  offset of each item id
    size_t nitems, icap;
    size_t *strata;                     //  per stratum: offset of its id, index of its first item
    size_t nstrata, scap;
    size_t last_len;                    //  length of the last stratum's id
} s_build_t;

static bool
s_grow (void **ptr, size_t *cap, size_t need, size_t each)
{
    if (need <= *cap)
        return true;
    size_t cap2 = *cap ? *cap : 1024;
    while (cap2 < need)
        cap2 *= 2;
    void *grown = realloc (*ptr, cap2 * each);
    if (!grown)
        return false;
    *ptr = grown;
    *cap = cap2;
    return true;
}

//  Appends A, then B (may be NULL) after a '/', as one string; returns its offset or SIZE_MAX.
static size_t
s_put_text (s_build_t *b, const char *a, size_t alen, const char *bb, size_t blen)
{
    size_t need = b->len + alen + (bb ? 1 + blen : 0) + 1;
    if (!s_grow ((void **) &b->buf, &b->cap, need, 1))
        return SIZE_MAX;
    size_t off = b->len;
    memcpy (b->buf + b->len, a, alen);
    b->len += alen;
    if (bb) {
        b->buf[b->len++] = '/';
        memcpy (b->buf + b->len, bb, blen);
        b->len += blen;
    }
    b->buf[b->len++] = 0;
    return off;
}

//  Starts a stratum named ID unless the last one has that name.
static bool
s_stratum (s_build_t *b, const char *id, size_t idlen)
{
    if (b->nstrata && b->last_len == idlen
    &&  memcmp (b->buf + b->strata[2 * (b->nstrata - 1)], id, idlen) == 0)
        return true;
    if (!s_grow ((void **) &b->strata, &b->scap, 2 * (b->nstrata + 1), sizeof (size_t)))
        return false;
    size_t off = s_put_text (b, id, idlen, NULL, 0);
    if (off == SIZE_MAX)
        return false;
    b->strata[2 * b->nstrata] = off;
    b->strata[2 * b->nstrata + 1] = b->nitems;
    b->nstrata++;
    b->last_len = idlen;
    return true;
}

//  Adds the item "A/B" (B NULL: "A") to the current stratum.
static bool
s_item (s_build_t *b, const char *a, size_t alen, const char *bb, size_t blen)
{
    if (!s_grow ((void **) &b->items, &b->icap, b->nitems + 1, sizeof (size_t)))
        return false;
    size_t off = s_put_text (b, a, alen, bb, blen);
    if (off == SIZE_MAX)
        return false;
    b->items[b->nitems++] = off;
    return true;
}

//  Adds the item "UNIT/ID" under its stratum (UNIT, or "all").
static bool
s_item_of (s_build_t *b, const char *unit, const char *id, bool by_unit)
{
    size_t ulen = strlen (unit);
    return s_stratum (b, by_unit ? unit : ML_AUDIT_ALL, by_unit ? ulen : strlen (ML_AUDIT_ALL))
        && s_item (b, unit, ulen, id, strlen (id));
}

typedef struct {
    const ml_audit_params_t *p;
    s_build_t *b;
    char year[8];                       //  "2025-"
} s_scan_t;

static int
s_on_ref (void *arg, const ml_store_ref_t *r)
{
    s_scan_t *s = arg;
    if (r->control || r->voided || r->kind < 0 || r->kind >= ML_AUDIT_MAX_CASE
    ||  !(s->p->kinds >> r->kind & 1))
        return 0;
    //  The store keeps its place in the events beside the refs: most of these cost one step.
    const uint8_t *data, *date;
    size_t len, dlen;
    int rc = ml_store_ref_event (r, &data, &len);
    if (rc)
        return rc == ML_ENOTFOUND ? 0 : rc;
    if (!s_event_date (data, len, (uint32_t) r->kind, r->corrected, &date, &dlen)
    ||  dlen != 10 || memcmp (date, s->year, 5) != 0)
        return 0;
    return s_item_of (s->b, r->unit, r->ref, s->p->by_unit) ? 0 : ML_ENOMEM;
}

//  Current events of P's kinds dated in P's year.
static int
s_scan_events (ml_store_txn_t *txn, const ml_audit_params_t *p, s_build_t *b, char *err, size_t errlen)
{
    s_scan_t s = { .p = p, .b = b };
    snprintf (s.year, sizeof s.year, "%04d-", p->year);
    //  Room for every ref at once: growing a million-entry array costs more than it saves.
    uint64_t n;
    int rc = ml_store_ref_count (txn, &n);
    if (rc)
        return ml_audit_store_fail (err, errlen, rc, "refs");
    if (!s_grow ((void **) &b->items, &b->icap, n + 1, sizeof (size_t))
    ||  !s_grow ((void **) &b->buf, &b->cap, 24 * (n + 1), 1))
        return ml_audit_fail (err, errlen, ML_ENOMEM, "population: out of memory");
    rc = ml_store_refs_each (txn, s_on_ref, &s);
    if (rc == ML_ENOMEM)
        return ml_audit_fail (err, errlen, ML_ENOMEM, "population: out of memory");
    return rc ? ml_audit_store_fail (err, errlen, rc, "refs") : 0;
}

static int
s_on_person (void *arg, const char *unit, const char *person, const uint8_t *data, size_t len)
{
    s_scan_t *s = arg;
    Massline__Event *ev = s_unpack_person (data, len);
    bool ok = !ev || !s_person_in_year (ev->person, s->p->year)
           || s_item_of (s->b, unit, person, s->p->by_unit);
    ml_event_free (&ev);
    return ok ? 0 : ML_ENOMEM;
}

//  Roster persons with a role in P's year.
static int
s_scan_persons (ml_store_txn_t *txn, const ml_audit_params_t *p, s_build_t *b, char *err, size_t errlen)
{
    s_scan_t s = { .p = p, .b = b };
    int rc = ml_store_persons_each (txn, s_on_person, &s);
    if (rc == ML_ENOMEM)
        return ml_audit_fail (err, errlen, ML_ENOMEM, "population: out of memory");
    return rc ? ml_audit_store_fail (err, errlen, rc, "persons") : 0;
}

//  The registry's units, in id order.
static int
s_scan_units (const ml_registry_t *registry, const ml_audit_params_t *p, s_build_t *b,
              char *err, size_t errlen)
{
    size_t n = ml_registry_unit_count (registry);
    const char **ids = malloc ((n ? n : 1) * sizeof *ids);
    if (!ids)
        return ml_audit_fail (err, errlen, ML_ENOMEM, "population: out of memory");
    for (size_t i = 0; i < n; i++)
        ids[i] = ml_registry_unit_at (registry, i)->id;
    qsort (ids, n, sizeof *ids, ml_audit_strcmp_p);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        const char *stratum = p->by_unit ? ids[i] : ML_AUDIT_ALL;
        ok = s_stratum (b, stratum, strlen (stratum)) && s_item (b, ids[i], strlen (ids[i]), NULL, 0);
    }
    free (ids);
    return ok ? 0 : ml_audit_fail (err, errlen, ML_ENOMEM, "population: out of memory");
}

void
ml_audit_pop_destroy (ml_audit_pop_t **pop_p)
{
    if (!pop_p || !*pop_p)
        return;
    ml_audit_pop_t *pop = *pop_p;
    free (pop->strata);
    free (pop->ptrs);
    free (pop->arena);
    free (pop);
    *pop_p = NULL;
}

//  Turns the offsets of B into a population (takes B's text), ids sorted within each stratum.
static ml_audit_pop_t *
s_pop_from (s_build_t *b)
{
    ml_audit_pop_t *pop = calloc (1, sizeof *pop);
    if (!pop)
        return NULL;
    pop->strata = calloc (b->nstrata ? b->nstrata : 1, sizeof *pop->strata);
    pop->ptrs = malloc ((b->nitems ? b->nitems : 1) * sizeof *pop->ptrs);
    if (!pop->strata || !pop->ptrs) {
        ml_audit_pop_destroy (&pop);
        return NULL;
    }
    pop->arena = b->buf;
    b->buf = NULL;
    pop->nstrata = b->nstrata;
    pop->total = b->nitems;
    for (size_t i = 0; i < b->nitems; i++)
        pop->ptrs[i] = pop->arena + b->items[i];
    for (size_t h = 0; h < b->nstrata; h++) {
        size_t first = b->strata[2 * h + 1];
        size_t end = h + 1 < b->nstrata ? b->strata[2 * h + 3] : b->nitems;
        ml_audit_stratum_t *s = &pop->strata[h];
        s->id = pop->arena + b->strata[2 * h];
        s->ids = pop->ptrs + first;
        s->n = end - first;
        //  Keys come sorted within a unit; one stratum over several units may need a sort.
        for (size_t i = 1; i < s->n; i++)
            if (strcmp (s->ids[i - 1], s->ids[i]) > 0) {
                qsort (s->ids, s->n, sizeof *s->ids, ml_audit_strcmp_p);
                break;
            }
    }
    return pop;
}

int
ml_audit_population_in (ml_store_txn_t *txn, const ml_registry_t *registry, const ml_audit_params_t *p,
                        ml_audit_pop_t **pop, char *err, size_t errlen)
{
    s_build_t b = { 0 };
    int rc = p->population == ML_AUDIT_EVENTS ? s_scan_events (txn, p, &b, err, errlen)
           : p->population == ML_AUDIT_PERSONS ? s_scan_persons (txn, p, &b, err, errlen)
           : s_scan_units (registry, p, &b, err, errlen);
    if (!rc) {
        *pop = s_pop_from (&b);
        if (!*pop)
            rc = ml_audit_fail (err, errlen, ML_ENOMEM, "population: out of memory");
    }
    free (b.buf);
    free (b.items);
    free (b.strata);
    return rc;
}

int
ml_audit_population (ml_store_t *store, const ml_registry_t *registry,
                     const ml_audit_params_t *p, ml_audit_pop_t **pop,
                     char *err, size_t errlen)
{
    *pop = NULL;
    int rc;
    ml_store_txn_t *txn = ml_audit_begin (store, false, &rc, err, errlen);
    if (!txn)
        return rc;
    rc = ml_audit_population_in (txn, registry, p, pop, err, errlen);
    ml_audit_end (&txn, rc == 0, err, errlen);
    return rc;
}

// ---------------------------------------------------------------------------
// Selection: per stratum the share, the items in ticket order and the population digest.

//  Feeds lines ("id\n") to one or two SHA-256 states through a buffer: a million short ids
//  cost a million library calls otherwise.
typedef struct {
    crypto_hash_sha256_state *a, *b;    //  B may be NULL
    size_t len;
    unsigned char buf[16384];
} s_lines_t;

static void
s_lines_flush (s_lines_t *l)
{
    crypto_hash_sha256_update (l->a, l->buf, l->len);
    if (l->b)
        crypto_hash_sha256_update (l->b, l->buf, l->len);
    l->len = 0;
}

static void
s_lines_add (s_lines_t *l, const char *id)
{
    size_t n = strlen (id);
    if (l->len + n + 1 > sizeof l->buf)
        s_lines_flush (l);
    if (n + 1 > sizeof l->buf) {
        crypto_hash_sha256_update (l->a, (const unsigned char *) id, n);
        crypto_hash_sha256_update (l->a, (const unsigned char *) "\n", 1);
        if (l->b) {
            crypto_hash_sha256_update (l->b, (const unsigned char *) id, n);
            crypto_hash_sha256_update (l->b, (const unsigned char *) "\n", 1);
        }
        return;
    }
    memcpy (l->buf + l->len, id, n);
    l->len += n;
    l->buf[l->len++] = '\n';
}

//  The population digests of docs/sampling.md (section 4) of every stratum of POP into
//  HEXES (ML_SAMPLE_HEX_LEN each) and of the whole population into HEX. The strata's ids are
//  sorted (s_pop_from), so each stratum is hashed as it lies; the whole population too when
//  the strata follow each other in byte order (unit ids where none is a prefix of another),
//  else ml_sample_digest_population sorts a copy first. Same bytes hashed either way.
static int
s_digests (const ml_audit_pop_t *pop, char *hexes, char hex[ML_SAMPLE_HEX_LEN])
{
    bool in_order = true;
    for (size_t h = 1; h < pop->nstrata && in_order; h++) {
        const ml_audit_stratum_t *x = &pop->strata[h - 1], *y = &pop->strata[h];
        in_order = strcmp (x->ids[x->n - 1], y->ids[0]) < 0;
    }
    if (sodium_init () < 0)
        return ML_EIO;
    s_lines_t *l = malloc (sizeof *l);
    if (!l)
        return ML_ENOMEM;
    crypto_hash_sha256_state all, one;
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_init (&all);
    for (size_t h = 0; h < pop->nstrata; h++) {
        const ml_audit_stratum_t *s = &pop->strata[h];
        crypto_hash_sha256_init (&one);
        l->a = &one;
        l->b = in_order ? &all : NULL;
        l->len = 0;
        for (size_t i = 0; i < s->n; i++)
            s_lines_add (l, s->ids[i]);
        s_lines_flush (l);
        crypto_hash_sha256_final (&one, digest);
        sodium_bin2hex (hexes + h * ML_SAMPLE_HEX_LEN, ML_SAMPLE_HEX_LEN, digest, sizeof digest);
    }
    free (l);
    if (!in_order)
        return ml_sample_digest_population (pop->ptrs, pop->total, hex);
    crypto_hash_sha256_final (&all, digest);
    sodium_bin2hex (hex, ML_SAMPLE_HEX_LEN, digest, sizeof digest);
    return 0;
}

json_t *
ml_audit_select (const ml_audit_pop_t *pop, const ml_audit_params_t *p, bool list,
                 char hex[ML_SAMPLE_HEX_LEN], int *rc, char *err, size_t errlen)
{
    size_t h_n = pop->nstrata;
    size_t *sizes = calloc (h_n ? 2 * h_n : 1, sizeof *sizes);
    size_t *chosen = NULL;
    char *hexes = malloc ((h_n ? h_n : 1) * ML_SAMPLE_HEX_LEN);
    json_t *strata = json_array ();
    *rc = ML_ENOMEM;
    if (!sizes || !hexes || !strata || s_digests (pop, hexes, hex))
        goto fail;
    size_t *pops = sizes + h_n, most = 0;
    for (size_t h = 0; h < h_n; h++)
        pops[h] = pop->strata[h].n;
    if (ml_sample_allocate (p->allocation, pops, h_n, p->size, p->minimum, sizes)) {
        *rc = ml_audit_fail (err, errlen, ML_EINVAL, "minimum: %zu per stratum over %zu strata does not "
                             "fit in a sample of %zu", p->minimum, h_n, p->size);
        goto fail;
    }
    for (size_t h = 0; h < h_n; h++)
        most = sizes[h] > most ? sizes[h] : most;
    chosen = malloc ((most ? most : 1) * sizeof *chosen);
    if (!chosen)
        goto fail;
    for (size_t h = 0; h < h_n; h++) {
        const ml_audit_stratum_t *s = &pop->strata[h];
        const char *shex = hexes + h * ML_SAMPLE_HEX_LEN;
        if (ml_sample_select (p->seed, s->ids, s->n, sizes[h], chosen))
            goto fail;
        json_t *items = json_array ();
        for (size_t i = 0; items && i < sizes[h]; i++)
            json_array_append_new (items, json_string (s->ids[chosen[i]]));
        json_t *one = json_pack ("{s:s, s:I, s:I, s:s, s:o*}", "stratum", s->id,
                                 "population", (json_int_t) s->n, "size", (json_int_t) sizes[h],
                                 "digest", shex, "items", items);
        if (!one || json_array_append_new (strata, one))
            goto fail;
        if (list) {
            json_t *ids = json_array ();
            for (size_t i = 0; ids && i < s->n; i++)
                json_array_append_new (ids, json_string (s->ids[i]));
            if (!ids || json_object_set_new (one, "population_ids", ids))
                goto fail;
        }
    }
    free (sizes);
    free (chosen);
    free (hexes);
    *rc = 0;
    return strata;
fail:
    if (*rc == ML_ENOMEM)
        ml_audit_fail (err, errlen, ML_ENOMEM, "draw: out of memory");
    free (sizes);
    free (chosen);
    free (hexes);
    json_decref (strata);
    return NULL;
}

const char *
ml_audit_split_item (const char *item, char *unit)
{
    const char *slash = strchr (item, '/');
    if (!slash || slash - item > ML_ID_MAX)
        return NULL;
    memcpy (unit, item, (size_t) (slash - item));
    unit[slash - item] = 0;
    return slash + 1;
}
