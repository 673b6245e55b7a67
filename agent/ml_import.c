/* ml_import.c -- one ledger file into the outbox, all or nothing (see ml_import.h). */
#include "ml_import.h"
#include "ml_err.h"
#include "ml_log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

//  A set of ids (open addressing, FNV-1a): the persons and orgs defined earlier in the file.
typedef struct {
    char **slots;
    size_t cap;                 //  a power of two, or 0
    size_t count;
} s_set_t;

//  A bad row, printed at the end in line order.
typedef struct {
    size_t line;
    size_t order;               //  keeps rows of the same line in the order found
    char *text;
} s_bad_t;

struct ml_import {
    ml_outbox_t *outbox;        //  borrowed
    char *file;                 //  the file name as given
    ml_day_t today;
    ml_outbox_item_t *items;    //  good rows, in file order (data, ref, source... owned)
    size_t *lines;              //  line of each item
    size_t n_items, max_items;
    s_bad_t *bad;               //  bad rows
    size_t n_bad, max_bad;
    s_set_t persons, orgs;      //  defined by this file's rows so far
    bool progress;              //  stderr is a terminal: show progress
    int64_t progress_at;        //  ms of the last progress line
};

static uint64_t
s_hash (const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (uint8_t) *s) * 1099511628211ULL;
    return h;
}

static bool
s_set_has (const s_set_t *set, const char *id)
{
    if (!set->cap || !id)
        return false;
    for (size_t i = s_hash (id) & (set->cap - 1); set->slots[i]; i = (i + 1) & (set->cap - 1))
        if (strcmp (set->slots[i], id) == 0)
            return true;
    return false;
}

static int
s_set_add (s_set_t *set, const char *id)
{
    if (!id || s_set_has (set, id))
        return 0;
    if ((set->count + 1) * 2 > set->cap) {
        s_set_t grown = { calloc (set->cap ? set->cap * 2 : 64, sizeof (char *)),
                          set->cap ? set->cap * 2 : 64, 0 };
        if (!grown.slots)
            return ML_ENOMEM;
        for (size_t i = 0; i < set->cap; i++)
            if (set->slots[i]) {
                size_t j = s_hash (set->slots[i]) & (grown.cap - 1);
                while (grown.slots[j])
                    j = (j + 1) & (grown.cap - 1);
                grown.slots[j] = set->slots[i];
                grown.count++;
            }
        free (set->slots);
        *set = grown;
    }
    size_t i = s_hash (id) & (set->cap - 1);
    while (set->slots[i])
        i = (i + 1) & (set->cap - 1);
    if (!(set->slots[i] = strdup (id)))
        return ML_ENOMEM;
    set->count++;
    return 0;
}

static void
s_set_free (s_set_t *set)
{
    for (size_t i = 0; i < set->cap; i++)
        free (set->slots[i]);
    free (set->slots);
    memset (set, 0, sizeof *set);
}

static int64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

ml_import_t *
ml_import_new (ml_outbox_t *outbox, const char *file, ml_day_t today)
{
    ml_import_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->outbox = outbox;
    self->today = today;
    self->progress = isatty (STDERR_FILENO);
    if (!(self->file = strdup (file)))
        ml_import_destroy (&self);
    return self;
}

void
ml_import_destroy (ml_import_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_import_t *self = *self_p;
    for (size_t i = 0; i < self->n_items; i++) {
        free ((void *) self->items[i].data);
        free ((void *) self->items[i].ref);
        free ((void *) self->items[i].source);
        free ((void *) self->items[i].person);
        free ((void *) self->items[i].org);
    }
    free (self->items);
    free (self->lines);
    for (size_t i = 0; i < self->n_bad; i++)
        free (self->bad[i].text);
    free (self->bad);
    s_set_free (&self->persons);
    s_set_free (&self->orgs);
    free (self->file);
    free (self);
    *self_p = NULL;
}

static void
s_note_bad (ml_import_t *self, size_t line, const char *text)
{
    if (self->n_bad == self->max_bad) {
        size_t max = self->max_bad ? self->max_bad * 2 : 16;
        s_bad_t *grown = realloc (self->bad, max * sizeof *grown);
        if (!grown)
            abort ();   //  out of memory while collecting errors: nothing sensible left to do
        self->bad = grown;
        self->max_bad = max;
    }
    char *copy = strdup (text);
    if (!copy)
        abort ();
    self->bad[self->n_bad] = (s_bad_t) { line, self->n_bad, copy };
    self->n_bad++;
}

void
ml_import_bad_row (ml_import_t *self, size_t line, const ml_verr_t *err)
{
    char text[512];
    s_note_bad (self, line, ml_verr_text (err, text, sizeof text));
}

static bool
s_has_person (void *ctx, const char *id)
{
    ml_import_t *self = ctx;
    return s_set_has (&self->persons, id) || ml_outbox_has_person (self->outbox, id);
}

static bool
s_has_org (void *ctx, const char *id)
{
    ml_import_t *self = ctx;
    return s_set_has (&self->orgs, id) || ml_outbox_has_org (self->outbox, id);
}

//  Keeps a good row for the commit. Returns 0 or ML_ENOMEM.
static int
s_keep (ml_import_t *self, size_t line, const Massline__Event *ev)
{
    if (self->n_items == self->max_items) {
        size_t max = self->max_items ? self->max_items * 2 : 256;
        ml_outbox_item_t *items = realloc (self->items, max * sizeof *items);
        if (items)
            self->items = items;
        size_t *lines = realloc (self->lines, max * sizeof *lines);
        if (lines)
            self->lines = lines;
        if (!items || !lines)
            return ML_ENOMEM;
        self->max_items = max;
    }
    ml_outbox_item_t *item = &self->items[self->n_items];
    memset (item, 0, sizeof *item);
    char source[64];
    snprintf (source, sizeof source, ":%zu", line);
    char *src = malloc (strlen (self->file) + strlen (source) + 1);
    if (src)
        strcat (strcpy (src, self->file), source);
    item->source = src;
    item->data = ml_event_pack (ev, &item->len);
    item->ref = strdup (ev->ref);
    if (ev->body_case == MASSLINE__EVENT__BODY_PERSON)
        item->person = strdup (ev->person->person);
    if (ev->body_case == MASSLINE__EVENT__BODY_ORG)
        item->org = strdup (ev->org->org);
    self->lines[self->n_items++] = line;   //  counted now so destroy frees what was allocated
    if (!item->source || !item->data || !item->ref
    ||  (ev->body_case == MASSLINE__EVENT__BODY_PERSON && !item->person)
    ||  (ev->body_case == MASSLINE__EVENT__BODY_ORG && !item->org))
        return ML_ENOMEM;
    return 0;
}

void
ml_import_row (ml_import_t *self, size_t line, Massline__Event **ev_p)
{
    Massline__Event *ev = *ev_p;
    *ev_p = NULL;
    ml_verr_t err = { "", "" };
    int rc = ml_event_ensure_ref (ev);
    //  a row defining a person or org makes it known to itself and to the rows after it
    if (!rc && ev->body_case == MASSLINE__EVENT__BODY_PERSON && ev->person->person)
        rc = s_set_add (&self->persons, ev->person->person);
    if (!rc && ev->body_case == MASSLINE__EVENT__BODY_ORG && ev->org->org)
        rc = s_set_add (&self->orgs, ev->org->org);
    if (rc) {
        snprintf (err.reason, sizeof err.reason, "%s", ml_strerror (rc));
        ml_import_bad_row (self, line, &err);
    }
    else {
        ml_vctx_t vctx = { s_has_person, s_has_org, self, self->today };
        if (ml_event_validate (ev, &vctx, &err))
            ml_import_bad_row (self, line, &err);
        else
        if ((rc = s_keep (self, line, ev))) {
            snprintf (err.reason, sizeof err.reason, "%s", ml_strerror (rc));
            ml_import_bad_row (self, line, &err);
        }
    }
    ml_event_free (&ev);
}

static void
s_progress (ml_import_t *self, size_t line, bool done)
{
    if (!self->progress)
        return;
    int64_t now = s_now_ms ();
    if (done)
        fprintf (stderr, "\r\033[K");
    else
    if (now - self->progress_at >= 250) {
        fprintf (stderr, "\r%s: %zu lines read, %zu bad", self->file, line, self->n_bad);
        self->progress_at = now;
    }
}

int
ml_import_read_jsonl (ml_import_t *self, FILE *in)
{
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t len;
    self->progress_at = s_now_ms ();
    while ((len = getline (&line, &cap, in)) >= 0) {
        lineno++;
        char *text = line;
        if (lineno == 1 && len >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0) {
            text += 3;     //  a UTF-8 byte order mark
            len -= 3;
        }
        while (len > 0 && strchr (" \t\r\n", text[len - 1]))
            len--;
        size_t skip = strspn (text, " \t");
        if ((size_t) len <= skip)
            continue;      //  blank line
        ml_verr_t err = { "", "" };
        Massline__Event *ev = ml_event_from_jsonl (text, (size_t) len, &err);
        if (ev)
            ml_import_row (self, lineno, &ev);
        else
            ml_import_bad_row (self, lineno, &err);
        if ((lineno & 1023) == 0)
            s_progress (self, lineno, false);
    }
    bool failed = ferror (in);
    free (line);
    s_progress (self, lineno, true);
    if (failed) {
        ml_die_msg ("%s: cannot read: %s", self->file, strerror (errno));
        return ML_EIO;
    }
    return 0;
}

static int
s_bad_cmp (const void *a, const void *b)
{
    const s_bad_t *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

//  Notes every item the outbox found in conflict (with an earlier row or a stored event).
static void
s_note_conflicts (ml_import_t *self)
{
    for (size_t i = 0; i < self->n_items; i++) {
        ml_outbox_item_t *item = &self->items[i];
        if (item->status != ML_ECONFLICT)
            continue;
        char text[400];
        if (item->same_as >= 0)
            snprintf (text, sizeof text, "field 'ref': %s is also on line %zu with different content",
                      item->ref, self->lines[item->same_as]);
        else
            snprintf (text, sizeof text, "field 'ref': already recorded with different content (%s)",
                      item->ref);
        s_note_bad (self, self->lines[i], text);
    }
}

int
ml_import_commit (ml_import_t *self, size_t *recorded, size_t *skipped)
{
    *recorded = *skipped = 0;
    //  with bad rows already, a dry run still finds the ref conflicts among the good ones
    bool dry_run = self->n_bad > 0;
    int rc = ml_outbox_append (self->outbox, self->items, self->n_items, dry_run);
    if (rc == ML_ECONFLICT)
        s_note_conflicts (self);
    else
    if (rc) {
        ml_die_msg ("%s: nothing recorded: outbox %s: %s (%s)", self->file,
                    ml_outbox_dir (self->outbox), ml_strerror (rc), ml_outbox_error (self->outbox));
        return rc;
    }
    if (self->n_bad) {
        qsort (self->bad, self->n_bad, sizeof *self->bad, s_bad_cmp);
        for (size_t i = 0; i < self->n_bad; i++)
            ml_die_msg ("%s:%zu: %s", self->file, self->bad[i].line, self->bad[i].text);
        return ML_EINVAL;
    }
    for (size_t i = 0; i < self->n_items; i++)
        if (self->items[i].status == 0)
            (*recorded)++;
        else
            (*skipped)++;
    return 0;
}
