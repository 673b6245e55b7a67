/* ml_config.c -- table-driven INI loading on top of inih. */
#include "ml_config.h"
#include "ml_err.h"
#include "ml_keys.h"

#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *path;        //  the file being read, for messages and path resolution
    const ml_opt_t *opts;
    void *target;
    char *err;               //  first error message
    size_t errlen;
    int failed;              //  set on the first error; later errors are ignored
} s_load_t;

static void
s_fail (s_load_t *self, int line, const char *name, const char *fmt, const char *value)
{
    if (self->failed)
        return;
    self->failed = 1;
    char reason[256];
    snprintf (reason, sizeof reason, fmt, value ? value : "");
    if (line > 0)
        snprintf (self->err, self->errlen, "%s:%d: %s: %s", self->path, line, name, reason);
    else
        snprintf (self->err, self->errlen, "%s: %s: %s", self->path, name, reason);
}

char *
ml_config_resolve (const char *base_file, const char *rel)
{
    if (rel[0] == '/' || !base_file)
        return strdup (rel);
    char *copy = strdup (base_file);
    if (!copy)
        return NULL;
    const char *dir = dirname (copy);
    char *out = NULL;
    if (strcmp (dir, ".") == 0)
        out = strdup (rel);
    else if (asprintf (&out, "%s/%s", dir, rel) < 0)
        out = NULL;
    free (copy);
    return out;
}

//  Stores VALUE into the field of OPT; returns 0 or a reason format for s_fail.
static const char *
s_store (s_load_t *self, const ml_opt_t *opt, const char *value)
{
    char *field = (char *) self->target + opt->offset;
    if (opt->type == ML_OPT_INT) {
        char *end;
        errno = 0;
        long v = strtol (value, &end, 10);
        if (errno || end == value || *end)
            return "not a whole number (%s)";
        *(long *) field = v;
        return NULL;
    }
    char *text = NULL;
    if (opt->type == ML_OPT_STR)
        text = strdup (value);
    else if (opt->type == ML_OPT_PATH)
        text = ml_config_resolve (self->path, value);
    else if (ml_key_is_z85 (value))
        text = strdup (value);
    else {
        char *file = ml_config_resolve (self->path, value);
        char key[ML_KEY_LEN + 1], why[512];
        int rc = file ? ml_key_read_public (file, key, why, sizeof why) : ML_ENOMEM;
        free (file);
        if (rc)
            return "not a 40-character Z85 key nor a readable key file (%s)";
        text = strdup (key);
    }
    if (!text)
        return "out of memory";
    free (*(char **) field);
    *(char **) field = text;
    return NULL;
}

static const ml_opt_t *
s_find (const ml_opt_t *opts, const char *section, const char *name, int *section_known)
{
    *section_known = 0;
    for (const ml_opt_t *opt = opts; opt->name; opt++) {
        if (strcmp (opt->section, section) != 0)
            continue;
        *section_known = 1;
        if (strcmp (opt->name, name) == 0)
            return opt;
    }
    return NULL;
}

static int
s_handler (void *user, const char *section, const char *name, const char *value, int lineno)
{
    s_load_t *self = user;
    int known;
    const ml_opt_t *opt = s_find (self->opts, section, name, &known);
    if (!known)
        return 1;            //  another module's section
    if (!opt) {
        s_fail (self, lineno, name, "unknown option in [%s]", section);
        return 1;
    }
    const char *why = s_store (self, opt, value);
    if (why)
        s_fail (self, lineno, name, why, value);
    return 1;
}

typedef struct {
    FILE *file;
    int lineno;              //  lines handed to inih so far
    ml_ini_handler handler;
    void *user;
} s_stream_t;

static char *
s_reader (char *str, int num, void *stream)
{
    s_stream_t *self = stream;
    char *line = fgets (str, num, self->file);
    if (line)
        self->lineno++;
    return line;
}

static int
s_trampoline (void *user, const char *section, const char *name, const char *value)
{
    s_stream_t *self = user;
    return self->handler (self->user, section, name, value, self->lineno);
}

int
ml_ini_parse (const char *path, ml_ini_handler handler, void *user)
{
    s_stream_t stream = { fopen (path, "r"), 0, handler, user };
    if (!stream.file)
        return -1;
    int rc = ini_parse_stream (s_reader, &stream, s_trampoline, &stream);
    fclose (stream.file);
    return rc;
}

int
ml_config_load (const char *path, const ml_opt_t *opts, void *target, char *err, size_t errlen)
{
    s_load_t self = { path, opts, target, err, errlen, 0 };
    for (const ml_opt_t *opt = opts; opt->name; opt++)
        if (opt->def && opt->type != ML_OPT_KEY) {
            const char *why = s_store (&self, opt, opt->def);
            if (why)
                s_fail (&self, 0, opt->name, why, opt->def);
        }
    int rc = ml_ini_parse (path, s_handler, &self);
    if (rc < 0) {
        snprintf (err, errlen, "%s: cannot open: %s", path, strerror (errno));
        ml_config_free (opts, target);
        return ML_EIO;
    }
    if (rc > 0 && !self.failed) {
        self.failed = 1;
        snprintf (err, errlen, "%s:%d: not an INI line", path, rc);
    }
    for (const ml_opt_t *opt = opts; opt->name && !self.failed; opt++) {
        char *field = (char *) target + opt->offset;
        if (opt->type != ML_OPT_INT && *(char **) field == NULL) {
            if (opt->def)
                s_store (&self, opt, opt->def);
            else
                s_fail (&self, 0, opt->name, "missing in [%s]", opt->section);
        }
    }
    if (self.failed) {
        ml_config_free (opts, target);
        return ML_EINVAL;
    }
    return ML_OK;
}

void
ml_config_free (const ml_opt_t *opts, void *target)
{
    for (const ml_opt_t *opt = opts; opt->name; opt++)
        if (opt->type != ML_OPT_INT) {
            char **field = (char **) ((char *) target + opt->offset);
            free (*field);
            *field = NULL;
        }
}

void
ml_config_print_help (FILE *out, const ml_opt_t *opts)
{
    const char *section = NULL;
    for (const ml_opt_t *opt = opts; opt->name; opt++) {
        if (!section || strcmp (section, opt->section) != 0) {
            section = opt->section;
            fprintf (out, "  [%s]\n", section);
        }
        char left[96];
        snprintf (left, sizeof left, "%s = %s", opt->name, opt->def ? opt->def : "(required)");
        fprintf (out, "    %-34s %s\n", left, opt->help);
    }
}
