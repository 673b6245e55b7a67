/* ml_import.c -- one ledger file into the outbox, all or nothing (see ml_import.h). */
#include "ml_import.h"
#include "ml_err.h"
#include "ml_i18n.h"
#include "ml_ledger.h"
#include "ml_resemble.h"
#include "ml_roster.h"
#include "ml_log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
    size_t event_max;           //  the biggest packed event the collector takes (frame_max less framing)
    size_t frame_max;           //  its max_frame_bytes
    ml_outbox_item_t *items;    //  good rows, in file order (data, ref, source... owned)
    size_t *lines;              //  line of each item
    size_t n_items, max_items;
    s_bad_t *bad;               //  bad rows
    size_t n_bad, max_bad;
    s_set_t persons, orgs;      //  defined by this file's rows so far
    bool progress;              //  stderr is a terminal: show progress
    int64_t progress_at;        //  ms of the last progress line
    FILE *copy;                 //  error lines also go here (borrowed), or NULL
    ml_ledger_t *ledger;        //  the CSV ledger being read: names fields by its headers
    char *ref_header;           //  the headers of the ref and note columns of a CSV ledger
    char *note_header;          //  (kept after the ledger is closed), or NULL
    size_t note_changes;        //  rows skipped because only their note changed
    ml_roster_t roster;         //  names of the persons, for rows that name one (loaded once)
    bool roster_loaded;
    char **rkeys;               //  per item: kind, person, date of a new row to compare with the
    size_t max_rkeys;           //  recorded events (ml_resemble.h), or NULL
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
    self->event_max = ml_outbox_event_max (outbox, &self->frame_max);
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
        free ((void *) self->items[i].supersedes);
    }
    free (self->items);
    free (self->lines);
    for (size_t i = 0; i < self->n_bad; i++)
        free (self->bad[i].text);
    free (self->bad);
    s_set_free (&self->persons);
    s_set_free (&self->orgs);
    ml_roster_free (&self->roster);
    for (size_t i = 0; i < self->max_rkeys; i++)
        free (self->rkeys[i]);
    free (self->rkeys);
    ml_ledger_destroy (&self->ledger);
    free (self->ref_header);
    free (self->note_header);
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
ml_import_copy_errors (ml_import_t *self, FILE *copy)
{
    self->copy = copy;
}

//  Prints one error line "PROG: FILE[:LINE]: TEXT" (LINE 0: about the whole file) and copies it.
static void
s_report (ml_import_t *self, size_t line, const char *text)
{
    char where[64] = "";
    if (line)
        snprintf (where, sizeof where, ":%zu", line);
    ml_die_msg ("%s%s: %s", self->file, where, text);
    if (self->copy)
        fprintf (self->copy, "%s%s: %s\n", self->file, where, text);
}

//  The name of event key KEY in this file: a CSV ledger's own header, else KEY.
static const char *
s_field_name (ml_import_t *self, const char *key)
{
    if (strcmp (key, "ref") == 0 && self->ref_header)
        return self->ref_header;
    if (strcmp (key, "note") == 0 && self->note_header)
        return self->note_header;
    return self->ledger ? ml_ledger_header (self->ledger, key) : key;
}

//  The reasons the event's checks give (proto/, shared with the collector, English), as the clerk
//  reads them: the catalogue has each one's words; a reason "WORDS (VALUE)" or "WORDS 'VALUE'"
//  keeps its value as it is.
static const char *const s_check_reasons[] = {
    N_("missing"), N_("not a date"), N_("after today"), N_("not a month YYYY-MM"),
    N_("after this month"), N_("not a valid id"), N_("must be at least 1"), N_("unknown person"),
    N_("unknown org"), N_("before"), N_("expected true or false"), N_("expected a whole number"),
    N_("out of range"), N_("cannot correct with a correction or void"),
    N_("give exactly one of 'person' and 'org'"), N_("not a year that can be submitted"), NULL
};

static const char *
s_reason_text (const char *reason, char *buf, size_t len)
{
    for (const char *const *r = s_check_reasons; *r; r++) {
        size_t n = strlen (*r);
        if (strncmp (reason, *r, n) == 0 && (reason[n] == '\0' || reason[n] == ' ')) {
            snprintf (buf, len, "%s%s", _(*r), reason + n);
            return buf;
        }
    }
    return reason;
}

void
ml_import_bad_row (ml_import_t *self, size_t line, const ml_verr_t *err)
{
    char text[512], reason[sizeof err->reason + 64];
    const char *why = s_reason_text (err->reason, reason, sizeof reason);
    if (*err->field)
        snprintf (text, sizeof text, _("field '%s': %s"), s_field_name (self, err->field), why);
    else
        snprintf (text, sizeof text, "%s", why);
    s_note_bad (self, line, text);
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
    //  what the event defines in the roster; a correction defines what its new version does
    const Massline__Event *plain = ev;
    if (ev->body_case == MASSLINE__EVENT__BODY_CORRECTION) {
        item->supersedes = strdup (ev->correction->supersedes);
        plain = ev->correction->event;
    }
    if (ev->body_case == MASSLINE__EVENT__BODY_VOID) {
        item->supersedes = strdup (ev->void_->supersedes);
        item->voids = true;
    }
    const char *person = plain->body_case == MASSLINE__EVENT__BODY_PERSON ? plain->person->person : NULL;
    const char *org = plain->body_case == MASSLINE__EVENT__BODY_ORG ? plain->org->org : NULL;
    item->person = person ? strdup (person) : NULL;
    item->org = org ? strdup (org) : NULL;
    self->lines[self->n_items++] = line;   //  counted now so destroy frees what was allocated
    if (!item->source || !item->data || !item->ref || (person && !item->person)
    ||  (org && !item->org) || (ev->body_case == MASSLINE__EVENT__BODY_CORRECTION && !item->supersedes)
    ||  (ev->body_case == MASSLINE__EVENT__BODY_VOID && !item->supersedes))
        return ML_ENOMEM;
    return 0;
}

void
ml_import_row (ml_import_t *self, size_t line, Massline__Event **ev_p)
{
    Massline__Event *ev = *ev_p;
    *ev_p = NULL;
    ml_verr_t err = { "", "" };
    const char *problem = ml_event_user_ref_problem (ev->ref);
    if (problem) {
        snprintf (err.field, sizeof err.field, "ref");
        snprintf (err.reason, sizeof err.reason, "%s", problem);
        ml_import_bad_row (self, line, &err);
        ml_event_free (&ev);
        return;
    }
    int rc = ml_event_ensure_ref (ev);
    //  a row defining a person or org makes it known to itself and to the rows after it
    const Massline__Event *plain = ev->body_case == MASSLINE__EVENT__BODY_CORRECTION
                                 ? ev->correction->event : ev;
    if (!rc && plain && plain->body_case == MASSLINE__EVENT__BODY_PERSON && plain->person->person)
        rc = s_set_add (&self->persons, plain->person->person);
    if (!rc && plain && plain->body_case == MASSLINE__EVENT__BODY_ORG && plain->org->org)
        rc = s_set_add (&self->orgs, plain->org->org);
    if (rc) {
        snprintf (err.reason, sizeof err.reason, "%s", ml_strerror (rc));
        ml_import_bad_row (self, line, &err);
    }
    else {
        ml_vctx_t vctx = { s_has_person, s_has_org, self, self->today };
        size_t size = protobuf_c_message_get_packed_size (&ev->base);
        if (size > self->event_max) {
            //  it would stall the unit at the collector: refuse it where it enters
            snprintf (err.reason, sizeof err.reason, _("the event is %zu bytes packed, more than the "
                      "collector takes (max_frame_bytes %zu, less %d bytes of framing): split it"),
                      size, self->frame_max, ML_BATCH_FRAMING);
            ml_import_bad_row (self, line, &err);
        }
        else
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
        char file[512];
        fprintf (stderr, "\r%s: %zu lines read, %zu bad", ml_log_escape (self->file, file, sizeof file),
                 line, self->n_bad);
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
        char text[512];
        snprintf (text, sizeof text, _("cannot read: %s"), strerror (errno));
        s_report (self, 0, text);
        return ML_EIO;
    }
    return 0;
}

//  ml_ledger_each's callback: one row (or the reason it is no event) into the import.
//  A person named by name (unique in the roster) becomes its 人员编号 in a copy of OBJ (*COPY),
//  an ambiguous name a bad row. Returns 0, or ML_EINVAL (noted as a bad row).
static int
s_names (ml_import_t *self, int line, const json_t *obj, json_t **copy)
{
    const char *kind = json_string_value (json_object_get (obj, "kind"));
    if (!kind)
        return 0;
    if (strcmp (kind, "person") == 0) {
        //  this file's persons are named for its later rows
        const char *id = json_string_value (json_object_get (obj, "person"));
        const char *name = json_string_value (json_object_get (obj, "name"));
        if (id && name && (self->roster_loaded || !ml_roster_load (self->outbox, &self->roster))) {
            self->roster_loaded = true;
            ml_roster_add (&self->roster, id, name);
        }
        return 0;
    }
    const char *key;
    json_t *value;
    json_object_foreach ((json_t *) obj, key, value) {
        if (!ml_roster_is_person_key (key) || !json_is_string (value)
        ||  s_has_person (self, json_string_value (value)))
            continue;
        if (!self->roster_loaded && ml_roster_load (self->outbox, &self->roster))
            return 0;                   //  validation then says the person is unknown
        self->roster_loaded = true;
        const char *id;
        ml_verr_t err = { "", "" };
        if (ml_roster_resolve (&self->roster, json_string_value (value), s_has_person, self, &id,
                               err.reason, sizeof err.reason)) {
            snprintf (err.field, sizeof err.field, "%s", key);
            ml_import_bad_row (self, (size_t) line, &err);
            return ML_EINVAL;
        }
        if (id && !*copy)
            *copy = json_deep_copy (obj);
        if (id && *copy)
            json_object_set_new (*copy, key, json_string (id));
    }
    return 0;
}

//  A row without a ref of its own gets a key for the resemblance check (*RKEY); one whose 编号
//  is 新增 (another event indeed) loses that word (its ref is then derived) and gets none.
//  Returns false when out of memory (then the row goes on unchecked).
static bool
s_resemble_key (ml_import_t *self, const json_t *obj, json_t **copy, char **rkey)
{
    (void) self;
    const json_t *row = *copy ? *copy : obj;
    const char *ref = json_string_value (json_object_get (row, "ref"));
    if (ref && strcmp (ref, ML_RESEMBLE_NEW) == 0) {
        if (!*copy && !(*copy = json_deep_copy (obj)))
            return false;
        json_object_del (*copy, "ref");
        return true;
    }
    if (!ref)
        *rkey = ml_resemble_key (row);
    return true;
}

//  Keeps RKEY (taken) for item I. 0 or ML_ENOMEM.
static int
s_keep_rkey (ml_import_t *self, size_t i, char *rkey)
{
    if (i >= self->max_rkeys) {
        size_t max = self->max_items > i ? self->max_items : i + 1;
        char **grown = realloc (self->rkeys, max * sizeof *grown);
        if (!grown)
            return ML_ENOMEM;
        memset (grown + self->max_rkeys, 0, (max - self->max_rkeys) * sizeof *grown);
        self->rkeys = grown;
        self->max_rkeys = max;
    }
    self->rkeys[i] = rkey;
    return 0;
}

static int
s_csv_row (void *arg, int line, const json_t *obj, const char *field, const char *reason)
{
    ml_import_t *self = arg;
    ml_verr_t err = { "", "" };
    json_t *named = NULL;
    char *rkey = NULL;
    if (obj && s_names (self, line, obj, &named))
        ;
    else
    if (obj && !s_resemble_key (self, obj, &named, &rkey))
        ;
    else
    if (!obj) {
        snprintf (err.field, sizeof err.field, "%s", field ? field : "");
        snprintf (err.reason, sizeof err.reason, "%s", reason ? reason : "");
        ml_import_bad_row (self, (size_t) line, &err);
    }
    else {
        Massline__Event *ev = ml_event_from_json (named ? named : obj, &err);
        size_t kept = self->n_items;
        if (ev)
            ml_import_row (self, (size_t) line, &ev);
        else
            ml_import_bad_row (self, (size_t) line, &err);
        if (rkey && self->n_items == kept + 1 && s_keep_rkey (self, kept, rkey) == 0)
            rkey = NULL;
    }
    free (rkey);
    json_decref (named);
    if ((self->n_items + self->n_bad) % 1024 == 0)
        s_progress (self, (size_t) line, false);
    return 0;
}

int
ml_import_read_csv (ml_import_t *self, const char *path)
{
    char err[1024];
    self->progress_at = s_now_ms ();
    ml_ledger_destroy (&self->ledger);
    self->ledger = ml_ledger_open (path, err, sizeof err);
    if (!self->ledger) {
        //  ERR is "PATH: reason" or "PATH:LINE: reason"; name the file as this import does
        size_t plen = strlen (path), line = 0;
        const char *why = err;
        if (strncmp (err, path, plen) == 0 && strncmp (err + plen, ": ", 2) == 0)
            why = err + plen + 2;
        else
        if (strncmp (err, path, plen) == 0 && err[plen] == ':') {
            char *end;
            line = strtoul (err + plen + 1, &end, 10);
            why = strncmp (end, ": ", 2) == 0 ? end + 2 : err;
        }
        s_report (self, line, why);
        return ML_EINVAL;
    }
    //  keep the two headers the commit may name
    free (self->ref_header);
    free (self->note_header);
    self->ref_header = strdup (ml_ledger_header (self->ledger, "ref"));
    self->note_header = strdup (ml_ledger_header (self->ledger, "note"));
    ml_ledger_each (self->ledger, s_csv_row, self);
    s_progress (self, 0, true);
    //  the cells are no longer needed; the import keeps the events
    ml_ledger_destroy (&self->ledger);
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

//  True when ITEM conflicts with a stored event only through its note: a derived ref ("~...")
//  covers everything but the ref and the note.
static bool
s_note_only (const ml_outbox_item_t *item)
{
    return item->status == ML_ECONFLICT && item->same_as < 0 && item->ref[0] == '~';
}

//  Notes every item the outbox found in conflict (with an earlier row or a stored event),
//  except the note-only changes.
static void
s_note_conflicts (ml_import_t *self)
{
    const char *ref = s_field_name (self, "ref");
    for (size_t i = 0; i < self->n_items; i++) {
        ml_outbox_item_t *item = &self->items[i];
        if (item->status != ML_ECONFLICT || s_note_only (item))
            continue;
        char text[400];
        if (item->same_as >= 0 && item->ref[0] == '~')
            snprintf (text, sizeof text, _("the same event as line %zu with another note (%s)"),
                      self->lines[item->same_as], item->ref);
        else
        if (item->same_as >= 0)
            snprintf (text, sizeof text, _("field '%s': %s is also on line %zu with different content"),
                      ref, item->ref, self->lines[item->same_as]);
        else
            snprintf (text, sizeof text, _("field '%s': already recorded with different content (%s); "
                      "change it with massline-agent correct"), ref, item->ref);
        s_note_bad (self, self->lines[i], text);
    }
}

//  Appends the items but the note-only changes (nothing else conflicts): those are skipped and
//  named in a warning. Returns as ml_outbox_append.
static int
s_append_but_note_changes (ml_import_t *self, bool dry_run)
{
    ml_outbox_item_t *rest = malloc ((self->n_items ? self->n_items : 1) * sizeof *rest);
    size_t *index = malloc ((self->n_items ? self->n_items : 1) * sizeof *index);
    if (!rest || !index) {
        free (rest);
        free (index);
        return ML_ENOMEM;
    }
    size_t n = 0;
    self->note_changes = 0;
    for (size_t i = 0; i < self->n_items; i++)
        if (s_note_only (&self->items[i]))
            self->note_changes++;
        else {
            index[n] = i;
            rest[n++] = self->items[i];
        }
    int rc = ml_outbox_append (self->outbox, rest, n, dry_run);
    for (size_t k = 0; k < n; k++) {
        ml_outbox_item_t *item = &self->items[index[k]];
        item->status = rest[k].status;
        item->seq = rest[k].seq;
        item->same_as = rest[k].same_as >= 0 ? (long) index[rest[k].same_as] : -1;
    }
    free (rest);
    free (index);
    return rc;
}

//  Notes as bad every new row (derived ref not recorded) with the kind, person and date of a
//  recorded event: likely that event changed in the spreadsheet (ml_resemble.h).
static void
s_check_resemblance (ml_import_t *self)
{
    bool any = false;
    for (size_t i = 0; i < self->max_rkeys && !any; i++)
        any = self->rkeys[i] != NULL;
    ml_resemble_t *recorded = any ? ml_resemble_load (self->outbox) : NULL;
    if (!recorded)
        return;
    for (size_t i = 0; i < self->max_rkeys && i < self->n_items; i++) {
        const char *ref = self->items[i].ref;
        const char *like = self->rkeys[i] ? ml_resemble_find (recorded, self->rkeys[i]) : NULL;
        if (!like || ml_resemble_has_ref (recorded, ref))
            continue;
        char text[1024];
        snprintf (text, sizeof text, _("resembles the recorded event %s (same person, date and kind): "
                  "to change that event write %s in '%s'; for another event write %s in '%s'"),
                  like, like, self->ledger ? ml_ledger_header (self->ledger, "supersedes") : "更正编号",
                  ML_RESEMBLE_NEW, self->ref_header ? self->ref_header : "编号");
        s_note_bad (self, self->lines[i], text);
    }
    ml_resemble_destroy (&recorded);
}

int
ml_import_commit (ml_import_t *self, size_t *recorded, size_t *skipped)
{
    *recorded = *skipped = 0;
    s_check_resemblance (self);
    //  with bad rows already, a dry run still finds the ref conflicts among the good ones
    bool dry_run = self->n_bad > 0;
    int rc = ml_outbox_append (self->outbox, self->items, self->n_items, dry_run);
    if (rc == ML_ECONFLICT) {
        bool only_notes = true;
        for (size_t i = 0; i < self->n_items && only_notes; i++)
            only_notes = self->items[i].status != ML_ECONFLICT || s_note_only (&self->items[i]);
        if (only_notes)
            rc = s_append_but_note_changes (self, dry_run);
    }
    if (rc == ML_ECONFLICT)
        s_note_conflicts (self);
    else
    if (rc) {
        char text[512];
        snprintf (text, sizeof text, _("nothing recorded: outbox %s: %s (%s)"),
                  ml_outbox_dir (self->outbox), ml_strerror (rc), ml_outbox_error (self->outbox));
        s_report (self, 0, text);
        return rc;
    }
    if (self->n_bad) {
        qsort (self->bad, self->n_bad, sizeof *self->bad, s_bad_cmp);
        for (size_t i = 0; i < self->n_bad; i++)
            s_report (self, self->bad[i].line, self->bad[i].text);
        return ML_EINVAL;
    }
    for (size_t i = 0; i < self->n_items; i++) {
        ml_outbox_item_t *item = &self->items[i];
        if (item->status == 0)
            (*recorded)++;
        else
            (*skipped)++;
        if (s_note_only (item))
            ml_die_msg (_("%s:%zu: warning: field '%s': differs from the recorded event %s, which "
                        "is kept (to change it: massline-agent correct %s note=...)"), self->file,
                        self->lines[i], s_field_name (self, "note"), item->ref, item->ref);
    }
    return 0;
}

int
ml_import_refs (ml_import_t *self, ml_import_ref_fn *fn, void *arg)
{
    int rc = ml_outbox_append (self->outbox, self->items, self->n_items, true);
    if (rc && rc != ML_ECONFLICT) {
        char text[512];
        snprintf (text, sizeof text, _("outbox %s: %s (%s)"), ml_outbox_dir (self->outbox),
                  ml_strerror (rc), ml_outbox_error (self->outbox));
        s_report (self, 0, text);
        return rc;
    }
    for (size_t i = 0; i < self->n_items; i++) {
        const ml_outbox_item_t *item = &self->items[i];
        fn (arg, self->lines[i], item->ref, item->status, item->seq);
    }
    if (self->n_bad) {
        qsort (self->bad, self->n_bad, sizeof *self->bad, s_bad_cmp);
        for (size_t i = 0; i < self->n_bad; i++)
            s_report (self, self->bad[i].line, self->bad[i].text);
        return ML_EINVAL;
    }
    return 0;
}

bool
ml_import_is_ledger (const char *name)
{
    size_t len = strlen (name);
    return (len >= 4 && strcasecmp (name + len - 4, ".csv") == 0)
        || (len >= 5 && strcasecmp (name + len - 5, ".xlsx") == 0)
        || (len >= 6 && strcasecmp (name + len - 6, ".jsonl") == 0);
}

int
ml_import_file (ml_outbox_t *outbox, const char *path, const char *name, FILE *errors,
                size_t *recorded, size_t *skipped, ml_import_ref_fn *refs_fn, void *arg)
{
    *recorded = *skipped = 0;
    ml_import_t *self = ml_import_new (outbox, name, ml_date_today ());
    if (!self) {
        ml_die_msg ("%s: %s", name, ml_strerror (ML_ENOMEM));
        return ML_ENOMEM;
    }
    ml_import_copy_errors (self, errors);
    int rc;
    size_t len = strlen (path);
    if ((len >= 4 && strcasecmp (path + len - 4, ".csv") == 0)
    ||  (len >= 5 && strcasecmp (path + len - 5, ".xlsx") == 0))
        rc = ml_import_read_csv (self, path);      //  EINVAL: no ledger, one line printed
    else {
        FILE *in = fopen (path, "r");
        if (!in) {
            char text[512];
            snprintf (text, sizeof text, _("cannot open: %s"), strerror (errno));
            s_report (self, 0, text);
            rc = ML_EIO;
        }
        else {
            rc = ml_import_read_jsonl (self, in);
            fclose (in);
        }
    }
    if (rc == 0 && refs_fn)
        rc = ml_import_refs (self, refs_fn, arg);
    else
    if (rc == 0) {
        rc = ml_import_commit (self, recorded, skipped);
        if (rc == ML_EINVAL)
            ml_die_msg (_("%s: nothing recorded from this file"), name);
    }
    ml_import_destroy (&self);
    return rc;
}
