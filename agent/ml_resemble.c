/* ml_resemble.c -- recorded events by kind, person and date (ml_resemble.h). */
#include "ml_resemble.h"
#include "ml_event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CHUNK 1000

typedef struct {
    char *key;                  //  kind, person, date (or NULL)
    char *ref;
} s_entry_t;

struct ml_resemble {
    s_entry_t *by_ref;          //  sorted by ref
    s_entry_t **by_key;         //  the entries with a key, sorted by key
    size_t count, n_keys, max;
    uint64_t next;
    bool failed;
};

static char *
s_key (const char *kind, const char *person, const char *date)
{
    char *key = NULL;
    if (!kind || !person || !date || !*person || !*date
    ||  strcmp (kind, "correction") == 0 || strcmp (kind, "void") == 0
    ||  strcmp (kind, "person") == 0 || strcmp (kind, "org") == 0)
        return NULL;
    return asprintf (&key, "%s\x1f%s\x1f%s", kind, person, date) < 0 ? NULL : key;
}

char *
ml_resemble_key (const json_t *obj)
{
    return s_key (json_string_value (json_object_get (obj, "kind")),
                  json_string_value (json_object_get (obj, "person")),
                  json_string_value (json_object_get (obj, "date")));
}

static int
s_visit (const ml_outbox_entry_t *entries, size_t count, void *arg)
{
    ml_resemble_t *self = arg;
    for (size_t i = 0; i < count; i++) {
        self->next = entries[i].seq + 1;
        ml_verr_t err;
        Massline__Event *ev = entries[i].len ? ml_event_unpack (entries[i].data, entries[i].len, &err) : NULL;
        if (!ev || !ev->ref) {
            ml_event_free (&ev);
            continue;
        }
        if (self->count == self->max) {
            size_t max = self->max ? 2 * self->max : 256;
            s_entry_t *grown = realloc (self->by_ref, max * sizeof *grown);
            if (!grown) {
                ml_event_free (&ev);
                self->failed = true;
                return 1;
            }
            self->by_ref = grown;
            self->max = max;
        }
        s_entry_t *e = &self->by_ref[self->count];
        e->ref = strdup (ev->ref);
        e->key = s_key (ml_event_kind (ev), ml_event_str (ev, "person"), ml_event_str (ev, "date"));
        ml_event_free (&ev);
        if (!e->ref) {
            free (e->key);
            self->failed = true;
            return 1;
        }
        self->count++;
    }
    return 0;
}

static int
s_by_ref (const void *a, const void *b)
{
    return strcmp (((const s_entry_t *) a)->ref, ((const s_entry_t *) b)->ref);
}

static int
s_by_key (const void *a, const void *b)
{
    return strcmp ((*(s_entry_t *const *) a)->key, (*(s_entry_t *const *) b)->key);
}

ml_resemble_t *
ml_resemble_load (ml_outbox_t *outbox)
{
    ml_resemble_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->next = 1;
    for (;;) {
        uint64_t from = self->next;
        if (ml_outbox_read (outbox, from, S_CHUNK, s_visit, self) || self->failed) {
            ml_resemble_destroy (&self);
            return NULL;
        }
        if (self->next == from)
            break;
    }
    if (self->count)
        qsort (self->by_ref, self->count, sizeof *self->by_ref, s_by_ref);
    self->by_key = calloc (self->count + 1, sizeof *self->by_key);
    if (!self->by_key) {
        ml_resemble_destroy (&self);
        return NULL;
    }
    for (size_t i = 0; i < self->count; i++)
        if (self->by_ref[i].key)
            self->by_key[self->n_keys++] = &self->by_ref[i];
    if (self->n_keys)
        qsort (self->by_key, self->n_keys, sizeof *self->by_key, s_by_key);
    return self;
}

void
ml_resemble_destroy (ml_resemble_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_resemble_t *self = *self_p;
    for (size_t i = 0; i < self->count; i++) {
        free (self->by_ref[i].key);
        free (self->by_ref[i].ref);
    }
    free (self->by_ref);
    free (self->by_key);
    free (self);
    *self_p = NULL;
}

bool
ml_resemble_has_ref (const ml_resemble_t *self, const char *ref)
{
    s_entry_t probe = { NULL, (char *) ref };
    return self->count && bsearch (&probe, self->by_ref, self->count, sizeof probe, s_by_ref);
}

const char *
ml_resemble_find (const ml_resemble_t *self, const char *key)
{
    s_entry_t probe = { (char *) key, NULL }, *pp = &probe;
    s_entry_t **hit = self->n_keys ? bsearch (&pp, self->by_key, self->n_keys, sizeof pp, s_by_key) : NULL;
    return hit ? (*hit)->ref : NULL;
}
