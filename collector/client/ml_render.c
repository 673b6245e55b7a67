/* ml_render.c -- report JSON (docs/reports.md) rendered as json, csv, text or html: checks the
   report, picks its kind and hands it to the format's file (ml_render_text.c, ml_render_csv.c,
   ml_render_html.c). What those share is in ml_render_shared.c. */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_render.h"
#include "ml_render_shared.h"

//  =========================================================================
//  Dispatch
//  =========================================================================

typedef struct {
    const char *name;               //  value of "report"
    const char *key;                //  the member the renderers need
    int is_object;                  //  KEY is an object (else an array of objects)
    ml_render_kind_t kind;
} s_kind_t;

static const s_kind_t s_kinds [] = {
    { "unit-annual", "persons", 0, ML_RENDER_UNIT_ANNUAL },
    { "rollup", "units", 0, ML_RENDER_ROLLUP },
    { "cadre", "person", 1, ML_RENDER_CADRE },
    { "bulletin", "units", 0, ML_RENDER_BULLETIN },
    { "watchlist", "rows", 0, ML_RENDER_WATCHLIST },
    { "completeness", "units", 0, ML_RENDER_COMPLETENESS },
    { "supervision", "rows", 0, ML_RENDER_SUPERVISION },
};

//  The renderer of each format but json (the report as is), one file each. A new format
//  (pdf) adds its value to ml_format_t, its name to s_format_names, and its entry point here.
typedef int (s_format_fn) (const json_t *report, ml_render_kind_t kind, FILE *out);
static s_format_fn *const s_formats [] = {
    [ML_FORMAT_CSV] = ml_render_csv,
    [ML_FORMAT_TEXT] = ml_render_text,
    [ML_FORMAT_HTML] = ml_render_html,
    [ML_FORMAT_PDF] = ml_render_pdf,
};

static const char *s_format_names [] = { "json", "csv", "text", "html", "pdf" };

int
ml_format_parse (const char *name, ml_format_t *format)
{
    assert (format);
    for (size_t i = 0; name && i < sizeof s_format_names / sizeof s_format_names [0]; i++)
        if (strcmp (name, s_format_names [i]) == 0) {
            *format = (ml_format_t) i;
            return 0;
        }
    return ML_EINVAL;
}

const char *
ml_format_name (ml_format_t format)
{
    return (unsigned) format < sizeof s_format_names / sizeof s_format_names [0]?
           s_format_names [format]: "?";
}

const char *
ml_format_content_type (ml_format_t format)
{
    static const char *const types [] = {
        [ML_FORMAT_JSON] = "application/json; charset=utf-8",
        [ML_FORMAT_CSV] = "text/csv; charset=utf-8",
        [ML_FORMAT_TEXT] = "text/plain; charset=utf-8",
        [ML_FORMAT_HTML] = "text/html; charset=utf-8",
        [ML_FORMAT_PDF] = "application/pdf",
    };
    return (unsigned) format < sizeof types / sizeof types [0] && types [format]?
           types [format]: "application/octet-stream";
}

static int
s_fail (char *err, size_t errlen, int rc, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));
static int
s_fail (char *err, size_t errlen, int rc, const char *format, ...)
{
    if (err && errlen > 0) {
        va_list args;
        va_start (args, format);
        vsnprintf (err, errlen, format, args);
        va_end (args);
    }
    return rc;
}

//  Finds the kind of REPORT and checks the member its renderers walk.
static int
s_check (const json_t *report, const s_kind_t **kind_p, char *err, size_t errlen)
{
    if (!json_is_object (report))
        return s_fail (err, errlen, ML_EINVAL, "report: not a JSON object");
    const char *name = ml_render_str (report, "report");
    if (!name)
        return s_fail (err, errlen, ML_EINVAL, "report: missing 'report' (the report kind)");
    const s_kind_t *kind = NULL;
    for (size_t i = 0; i < sizeof s_kinds / sizeof s_kinds [0]; i++)
        if (strcmp (s_kinds [i].name, name) == 0)
            kind = &s_kinds [i];
    if (!kind)
        return s_fail (err, errlen, ML_EINVAL, "report: unknown kind '%s'", name);
    json_t *member = json_object_get (report, kind->key);
    if (kind->is_object) {
        if (!json_is_object (member))
            return s_fail (err, errlen, ML_EINVAL, "%s report: '%s' is not an object", name, kind->key);
    }
    else {
        if (!json_is_array (member))
            return s_fail (err, errlen, ML_EINVAL, "%s report: '%s' is not an array", name, kind->key);
        size_t index;
        json_t *item;
        json_array_foreach (member, index, item)
            if (!json_is_object (item))
                return s_fail (err, errlen, ML_EINVAL, "%s report: %s[%zu] is not an object",
                               name, kind->key, index);
    }
    *kind_p = kind;
    return 0;
}

int
ml_render (const json_t *report, ml_format_t format, FILE *out, char *err, size_t errlen)
{
    assert (out);
    const s_kind_t *kind = NULL;
    char *buf = NULL;
    size_t len = 0;
    int rc = 0;
    if (format != ML_FORMAT_JSON && (rc = s_check (report, &kind, err, errlen)))
        return rc;
    if (format == ML_FORMAT_JSON && !json_is_object (report))
        return s_fail (err, errlen, ML_EINVAL, "report: not a JSON object");
    FILE *mem = open_memstream (&buf, &len);
    if (!mem)
        return s_fail (err, errlen, ML_ENOMEM, "report: out of memory");
    if (format == ML_FORMAT_JSON) {
        //  15 digits: 0.93 stays 0.93, not 0.93000000000000005
        if (json_dumpf (report, mem, JSON_INDENT (2) | JSON_REAL_PRECISION (15)) == 0)
            fputc ('\n', mem);
        else
            rc = ML_ENOMEM;
    }
    else
    if (kind->kind == ML_RENDER_COMPLETENESS && format <= ML_FORMAT_HTML)
        rc = ml_render_completeness (report, format, mem);
    else
    if (kind->kind == ML_RENDER_SUPERVISION && format <= ML_FORMAT_HTML)
        rc = ml_render_supervision (report, format, mem);
    else
    if ((unsigned) format < sizeof s_formats / sizeof s_formats [0] && s_formats [format])
        rc = s_formats [format] (report, kind->kind, mem);
    else
        rc = ML_EINVAL;
    if (fclose (mem) != 0 && rc == 0)
        rc = ML_ENOMEM;
    if (rc == ML_EINVAL)
        s_fail (err, errlen, rc, "report: unknown format %d", (int) format);
    else
    if (rc)
        s_fail (err, errlen, rc, "report: out of memory while rendering %s", ml_format_name (format));
    else
    if (fwrite (buf, 1, len, out) != len || fflush (out) != 0)
        rc = s_fail (err, errlen, ML_EIO, "report: cannot write the %s output: %s",
                     ml_format_name (format), strerror (errno));
    free (buf);
    return rc;
}

int
ml_render_file (const json_t *report, ml_format_t format, char **buf, size_t *len, char *err,
                size_t errlen)
{
    assert (buf && len);
    *buf = NULL;
    *len = 0;
    FILE *mem = open_memstream (buf, len);
    if (!mem)
        return s_fail (err, errlen, ML_ENOMEM, "report: out of memory");
    int rc = ml_render (report, format, mem, err, errlen);
    const char *id = ml_render_str (json_object_get (report, "document"), "id");
    //  the seal's id where a reader (and `massline report verify`) finds it; JSON carries it
    //  as document.id, a PDF in its Keywords (ml_render_pdf.c)
    if (!rc && id && format == ML_FORMAT_HTML)
        fprintf (mem, "<!-- " ML_DOCUMENT_MARK "%s -->\n", id);
    else
    if (!rc && id && format != ML_FORMAT_JSON && format != ML_FORMAT_PDF)
        fprintf (mem, ML_DOCUMENT_MARK "%s\n", id);
    if (fclose (mem) != 0 && rc == 0)
        rc = s_fail (err, errlen, ML_ENOMEM, "report: out of memory");
    if (rc) {
        free (*buf);
        *buf = NULL;
        *len = 0;
    }
    return rc;
}
