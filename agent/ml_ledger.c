/* ml_ledger.c -- CSV and .xlsx ledgers (台账) to JSON events: header mapping by English key or
   Chinese name, cell conversion (ml_cell's normal forms, enum labels), person rows merged.
   Reading the file is ml_ledger_read.c; the names are ml_ledger_table.c. */
#include "ml_ledger_private.h"
#include "ml_cell.h"
#include "ml_err.h"
#include "ml_i18n.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

//  ---------------------------------------------------------------------------
//  Header

static char *
s_trim (char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen (s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = 0;
    return s;
}

static int
s_header (ml_ledger_t *self, char *err, size_t errlen)
{
    if (self->nrows == 0) {
        snprintf (err, errlen, _("%s: empty file (a ledger needs a header row)"), self->path);
        return ML_EINVAL;
    }
    size_t ncols = self->row_cells[0];
    if (ncols > ML_LEDGER_MAX_COLS) {
        snprintf (err, errlen, _("%s: more than %d columns"), self->path, ML_LEDGER_MAX_COLS);
        return ML_EINVAL;
    }
    bool has_kind = false;
    for (size_t c = 0; c < ncols; c++)
        if (self->nul && self->nul[self->row_start[0] + c]) {
            snprintf (err, errlen, _("%s:%d: the header of column %zu contains a NUL byte"), self->path,
                      self->row_line[0], c + 1);
            return ML_EINVAL;
        }
    for (size_t c = 0; c < ncols; c++) {
        char *header = s_trim (self->rows[self->row_start[0] + c]);
        self->cols[c].header = header;
        self->cols[c].key = *header ? ml_ledger_key_of_header (header) : NULL;
        if (*header && !self->cols[c].key) {
            snprintf (err, errlen, _("%s: column '%s' is not a ledger column"), self->path, header);
            return ML_EINVAL;
        }
        has_kind |= self->cols[c].key && strcmp (self->cols[c].key, "kind") == 0;
    }
    self->ncols = ncols;
    if (has_kind)
        return ML_OK;
    const char *kind = ml_ledger_kind_of_path (self->path);
    if (!kind) {
        snprintf (err, errlen, _("%s: cannot tell which ledger this is: name the file after it "
                  "(e.g. 接访台账.csv or reception_day.csv) or add a 类型 column"), self->path);
        return ML_EINVAL;
    }
    self->kind = strdup (kind);
    for (size_t c = 0; c < ncols; c++) {
        const char *key = self->cols[c].key;
        if (key && !ml_ledger_is_column (kind, key)) {
            snprintf (err, errlen, _("%s: column '%s' is not a column of %s (%s)"), self->path,
                      self->cols[c].header, ml_ledger_name (kind), kind);
            return ML_EINVAL;
        }
        self->cols[c].field = key ? ml_ledger_field_of (kind, key) : NULL;
    }
    //  Every required field needs a column (person ledgers: the role is optional).
    const ProtobufCMessageDescriptor *desc = ml_ledger_body_desc (kind);
    for (unsigned i = 0; desc && i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (f->label != PROTOBUF_C_LABEL_REQUIRED || f->type == PROTOBUF_C_TYPE_MESSAGE)
            continue;
        bool found = false;
        for (size_t c = 0; c < ncols && !found; c++)
            found = self->cols[c].key && strcmp (self->cols[c].key, f->name) == 0;
        if (!found) {
            snprintf (err, errlen, _("%s: missing column '%s' (%s) of %s"), self->path,
                      ml_ledger_kind_label (kind, f->name), f->name, ml_ledger_name (kind));
            return ML_EINVAL;
        }
    }
    return ML_OK;
}

ml_ledger_t *
ml_ledger_open (const char *path, char *err, size_t errlen)
{
    ml_ledger_t *self = calloc (1, sizeof *self);
    if (!self || !(self->path = strdup (path))) {
        snprintf (err, errlen, _("%s: out of memory"), path);
        free (self);
        return NULL;
    }
    if (ml_ledger_read (self, err, errlen) || s_header (self, err, errlen))
        ml_ledger_destroy (&self);
    return self;
}

void
ml_ledger_destroy (ml_ledger_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_ledger_t *self = *self_p;
    free (self->rows);
    free (self->cells);
    free (self->nul);
    free (self->row_start);
    free (self->row_cells);
    free (self->row_line);
    free (self->text);
    free (self->kind);
    free (self->path);
    free (self);
    *self_p = NULL;
}

const char *
ml_ledger_kind (const ml_ledger_t *self)
{
    return self->kind;
}

const char *
ml_ledger_encoding (const ml_ledger_t *self)
{
    return self->encoding;
}

const char *
ml_ledger_header (const ml_ledger_t *self, const char *key)
{
    const char *last = strrchr (key, '.');
    last = last ? last + 1 : key;
    if (strncmp (last, "roles[", 6) == 0)
        return last;
    for (size_t c = 0; c < self->ncols; c++)
        if (self->cols[c].key && strcmp (self->cols[c].key, last) == 0)
            return self->cols[c].header;
    return key;
}

//  ---------------------------------------------------------------------------
//  Rows

//  Converts CELL for FIELD into a JSON value; NULL with REASON when it cannot be.
static json_t *
s_cell_value (const ProtobufCFieldDescriptor *f, const char *key, const char *cell, char *reason, size_t len)
{
    if (!f)
        return json_string (cell);
    switch (f->type) {
        case PROTOBUF_C_TYPE_BOOL:
            //  ml_cell wrote every form of yes and no as 是 or 否
            if (strcmp (cell, "是") == 0 || strcmp (cell, "否") == 0)
                return json_boolean (strcmp (cell, "是") == 0);
            snprintf (reason, len, _("expected 是 or 否 (%s)"), cell);
            return NULL;
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_INT32: {
            char *end;
            errno = 0;
            long v = strtol (cell, &end, 10);
            if (errno || end == cell || *end) {
                snprintf (reason, len, _("expected a whole number (%s)"), cell);
                return NULL;
            }
            return json_integer (v);
        }
        case PROTOBUF_C_TYPE_ENUM: {
            for (const ml_ledger_enum_label_t *e = ml_ledger_enum_labels; e->key; e++)
                if (strcmp (e->key, key) == 0 && strcmp (e->label, cell) == 0
                &&  protobuf_c_enum_descriptor_get_value_by_name (f->descriptor, e->value))
                    return json_string (e->value);
            if (protobuf_c_enum_descriptor_get_value_by_name (f->descriptor, cell))
                return json_string (cell);
            //  neither: name the values as the ledger writes them
            size_t used = (size_t) snprintf (reason, len, _("unknown value '%s' (expected one of"), cell);
            const char *sep = " ";
            for (const ml_ledger_enum_label_t *e = ml_ledger_enum_labels; e->key && used < len; e++)
                if (strcmp (e->key, key) == 0
                &&  protobuf_c_enum_descriptor_get_value_by_name (f->descriptor, e->value)) {
                    used += (size_t) snprintf (reason + used, len - used, "%s%s", sep, e->label);
                    sep = ", ";
                }
            if (used < len)
                snprintf (reason + used, len - used, ")");
            return NULL;
        }
        default:
            break;
    }
    return json_string (cell);
}

//  How ml_cell reads a cell of column KEY (field F, NULL for ref, note, ...). Text that was
//  accepted as typed before stays so (a row already recorded keeps its derived ref); codes of
//  persons and orgs, numbers and choices, which had to be ASCII, are folded.
static ml_cell_type_t
s_cell_type (const ProtobufCFieldDescriptor *f, const char *key)
{
    static const char *const roster[] = { "person", "org", "head", "signed_by", NULL };
    if (!f)
        return ML_CELL_NOTE;
    if (f->type == PROTOBUF_C_TYPE_BOOL)
        return ML_CELL_BOOL;
    if (f->type != PROTOBUF_C_TYPE_STRING)
        return ML_CELL_CODE;
    for (int i = 0; roster[i]; i++)
        if (strcmp (key, roster[i]) == 0)
            return ML_CELL_CODE;
    return ML_CELL_TEXT;
}

//  Builds the JSON of row R; NULL with FIELD/REASON when a cell is wrong.
static json_t *
s_row_json (ml_ledger_t *self, size_t r, const char **field, char *reason, size_t len)
{
    char **cells = self->rows + self->row_start[r];
    const unsigned char *nul = self->nul + self->row_start[r];
    size_t n = self->row_cells[r];
    //  a cell cut at a NUL byte would import silently changed: refuse the row (JSONL does too)
    for (size_t c = 0; c < n; c++)
        if (nul[c]) {
            *field = c < self->ncols && *self->cols[c].header ? self->cols[c].header : "";
            snprintf (reason, len, _("contains a NUL byte%s"), **field ? "" : _(" (a column without header)"));
            return NULL;
        }
    const char *kind = self->kind;
    for (size_t c = 0; c < n && c < self->ncols && !kind; c++)
        if (self->cols[c].key && strcmp (self->cols[c].key, "kind") == 0) {
            const char *cell = s_trim (cells[c]);
            const char *named = ml_ledger_kind_named (cell);
            kind = named ? named : cell;
        }
    if (!kind || !*kind) {
        *field = "类型";
        snprintf (reason, len, _("missing"));
        return NULL;
    }
    json_t *obj = json_object (), *role = json_object ();
    json_object_set_new (obj, "kind", json_string (kind));
    for (size_t c = 0; c < n; c++) {
        char *raw = s_trim (cells[c]);
        if (!*raw)
            continue;
        if (c >= self->ncols || !self->cols[c].key) {
            *field = c < self->ncols ? self->cols[c].header : "";
            snprintf (reason, len, _("a value in column %zu, which has no header (%s)"), c + 1, raw);
            goto fail;
        }
        const char *key = self->cols[c].key;
        if (strcmp (key, "kind") == 0)
            continue;
        const ProtobufCFieldDescriptor *f = self->cols[c].field;
        if (!self->kind)          //  per-row kinds: look the field up for this row's kind
            f = ml_ledger_field_of (kind, key);
        char buf[1024];
        const char *cell = ml_cell_normalise (raw, s_cell_type (f, key), buf, sizeof buf);
        if (strcmp (key, "ref") == 0 && strcmp (cell, ML_LEDGER_SAMPLE) == 0) {
            *field = self->cols[c].header;
            snprintf (reason, len, _("the template's sample row (%s): delete it, it is no record"),
                      ML_LEDGER_SAMPLE);
            goto fail;
        }
        json_t *value = s_cell_value (f, key, cell, reason, len);
        if (!value) {
            *field = self->cols[c].header;
            if (!*reason)       //  json_string refused it: a BOM file that is not UTF-8 after all
                snprintf (reason, len, _("not valid UTF-8"));
            goto fail;
        }
        bool into_role = strcmp (kind, "person") == 0 && ml_ledger_is_role_key (key);
        json_object_set_new (into_role ? role : obj, key, value);
    }
    if (json_object_size (role))
        json_object_set_new (obj, "roles", json_pack ("[O]", role));
    json_decref (role);
    //  A row naming the ref it replaces is a correction of that event.
    json_t *supersedes = json_object_get (obj, "supersedes");
    if (supersedes && strcmp (kind, "void") != 0) {
        json_t *inner = json_deep_copy (obj);
        json_object_del (inner, "supersedes");
        json_object_set (inner, "ref", supersedes);
        json_t *corr = json_pack ("{s:s, s:O, s:o}", "kind", "correction", "supersedes", supersedes, "event", inner);
        json_decref (obj);
        return corr;
    }
    return obj;
fail:
    json_decref (role);
    json_decref (obj);
    return NULL;
}

static bool
s_row_empty (ml_ledger_t *self, size_t r)
{
    for (size_t c = 0; c < self->row_cells[r]; c++)
        if (*s_trim (self->rows[self->row_start[r] + c]) || self->nul[self->row_start[r] + c])
            return false;
    return true;
}

int
ml_ledger_each (ml_ledger_t *self, ml_ledger_row_fn fn, void *arg)
{
    bool persons = self->kind && strcmp (self->kind, "person") == 0;
    json_t *merged = json_object ();       //  person id -> event, for person ledgers
    json_t *order = json_array ();         //  [event, line] in first-seen order
    int rc = 0;
    for (size_t r = 1; r < self->nrows && rc == 0; r++) {
        if (s_row_empty (self, r))
            continue;
        const char *field = "";
        char reason[256] = "";
        json_t *obj = s_row_json (self, r, &field, reason, sizeof reason);
        if (!obj) {
            rc = fn (arg, self->row_line[r], NULL, field, reason);
            continue;
        }
        const char *id = persons ? json_string_value (json_object_get (obj, "person")) : NULL;
        json_t *earlier = id ? json_object_get (merged, id) : NULL;
        if (earlier) {
            json_t *roles = json_object_get (obj, "roles");
            if (roles)
                json_array_extend (json_object_get (earlier, "roles"), roles);
            json_decref (obj);
            continue;
        }
        if (id) {
            if (!json_object_get (obj, "roles"))
                json_object_set_new (obj, "roles", json_array ());
            json_object_set (merged, id, obj);
            json_array_append_new (order, json_pack ("[o,i]", obj, self->row_line[r]));
            continue;
        }
        rc = fn (arg, self->row_line[r], obj, NULL, NULL);
        json_decref (obj);
    }
    size_t i;
    json_t *pair;
    json_array_foreach (order, i, pair) {
        if (rc)
            break;
        json_t *obj = json_array_get (pair, 0);
        if (json_array_size (json_object_get (obj, "roles")) == 0)
            json_object_del (obj, "roles");
        rc = fn (arg, (int) json_integer_value (json_array_get (pair, 1)), obj, NULL, NULL);
    }
    json_decref (order);
    json_decref (merged);
    return rc;
}
