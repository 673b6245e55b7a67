/* ml_roster.c -- the unit's roster read back from the outbox (ml_roster.h). */
#include "ml_roster.h"
#include "ml_err.h"
#include "ml_i18n.h"
#include "ml_event.h"

#include <stdlib.h>
#include <string.h>

#define S_CHUNK 1000

typedef struct {
    ml_roster_t *roster;
    uint64_t next;              //  the seq after the last one read
    size_t max;                 //  capacity of roster->persons
    int rc;
} s_walk_t;

static int
s_cmp (const void *a, const void *b)
{
    return strcmp (((const ml_roster_person_t *) a)->id, ((const ml_roster_person_t *) b)->id);
}

static int
s_put (s_walk_t *w, const char *id, const char *name)
{
    ml_roster_t *r = w->roster;
    for (size_t i = 0; i < r->count; i++)
        if (strcmp (r->persons[i].id, id) == 0) {
            char *copy = strdup (name);
            if (!copy)
                return ML_ENOMEM;
            free (r->persons[i].name);
            r->persons[i].name = copy;
            return 0;
        }
    if (r->count == w->max) {
        size_t max = w->max ? 2 * w->max : 64;
        ml_roster_person_t *grown = realloc (r->persons, max * sizeof *grown);
        if (!grown)
            return ML_ENOMEM;
        r->persons = grown;
        w->max = max;
    }
    ml_roster_person_t *p = &r->persons[r->count];
    p->id = strdup (id);
    p->name = strdup (name);
    if (!p->id || !p->name) {
        free (p->id);
        free (p->name);
        return ML_ENOMEM;
    }
    r->count++;
    return 0;
}

static int
s_visit (const ml_outbox_entry_t *entries, size_t count, void *arg)
{
    s_walk_t *w = arg;
    for (size_t i = 0; i < count; i++) {
        w->next = entries[i].seq + 1;
        if (!entries[i].len)
            continue;                   //  reclaimed
        ml_verr_t err;
        Massline__Event *ev = ml_event_unpack (entries[i].data, entries[i].len, &err);
        if (!ev)
            continue;
        const Massline__Event *plain = ev->body_case == MASSLINE__EVENT__BODY_CORRECTION
                                     ? ev->correction->event : ev;
        int rc = 0;
        if (plain && plain->body_case == MASSLINE__EVENT__BODY_PERSON && plain->person->person
        &&  plain->person->name)
            rc = s_put (w, plain->person->person, plain->person->name);
        ml_event_free (&ev);
        if (rc)
            return rc;
    }
    return 0;
}

int
ml_roster_add (ml_roster_t *roster, const char *id, const char *name)
{
    size_t max = roster->count;         //  s_put grows it (capacity unknown here: exact)
    s_walk_t w = { roster, 0, max, 0 };
    return s_put (&w, id, name);
}

bool
ml_roster_is_person_key (const char *key)
{
    return strcmp (key, "person") == 0 || strcmp (key, "head") == 0 || strcmp (key, "signed_by") == 0;
}

int
ml_roster_resolve (const ml_roster_t *roster, const char *value, bool (*known) (void *, const char *),
                   void *arg, const char **id, char *reason, size_t len)
{
    *id = NULL;
    if (!value || !*value || known (arg, value))
        return 0;
    const ml_roster_person_t *first = NULL;
    size_t n = ml_roster_named (roster, value, &first);
    if (n == 1) {
        *id = first->id;
        return 0;
    }
    if (n == 0)
        return 0;
    int used = snprintf (reason, len, _("'%s' is the name of %zu persons of the roster ("), value, n);
    size_t shown = 0;
    for (size_t i = 0; i < roster->count && used >= 0 && (size_t) used < len; i++)
        if (strcmp (roster->persons[i].name, value) == 0)
            used += snprintf (reason + used, len - (size_t) used, "%s%s", shown++ ? ", " : "",
                              roster->persons[i].id);
    if (used >= 0 && (size_t) used < len)
        snprintf (reason + used, len - (size_t) used, _("): write the person's code instead"));
    return ML_EINVAL;
}

int
ml_roster_load (ml_outbox_t *outbox, ml_roster_t *roster)
{
    memset (roster, 0, sizeof *roster);
    s_walk_t w = { roster, 1, 0, 0 };
    for (;;) {
        uint64_t from = w.next;
        int rc = ml_outbox_read (outbox, from, S_CHUNK, s_visit, &w);
        if (rc) {
            ml_roster_free (roster);
            return rc;
        }
        if (w.next == from)
            break;
    }
    if (roster->count)
        qsort (roster->persons, roster->count, sizeof *roster->persons, s_cmp);
    return 0;
}

void
ml_roster_free (ml_roster_t *roster)
{
    for (size_t i = 0; i < roster->count; i++) {
        free (roster->persons[i].id);
        free (roster->persons[i].name);
    }
    free (roster->persons);
    memset (roster, 0, sizeof *roster);
}

const ml_roster_person_t *
ml_roster_find (const ml_roster_t *roster, const char *id)
{
    for (size_t i = 0; i < roster->count; i++)
        if (strcmp (roster->persons[i].id, id) == 0)
            return &roster->persons[i];
    return NULL;
}

size_t
ml_roster_named (const ml_roster_t *roster, const char *name, const ml_roster_person_t **first)
{
    size_t n = 0;
    for (size_t i = 0; i < roster->count; i++)
        if (strcmp (roster->persons[i].name, name) == 0 && n++ == 0 && first)
            *first = &roster->persons[i];
    return n;
}
