/* ml_desk_ledger.c -- ledgers at the desk: uploading a whole file (.xlsx or CSV) and filling one
   row in a form. Both go through ml_import_file, the path `massline-agent import` takes: all or
   nothing, rows already recorded skipped. The result is the counts ("已记录 48 条，跳过已有 12
   条"), or every bad row with the sheet's own row number and the column as its header writes
   it, that cell marked. */
#include "ml_desk.h"
#include "ml_i18n.h"
#include "ml_err.h"
#include "ml_import.h"
#include "ml_ledger.h"
#include "ml_log.h"
#include "ml_roster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define S_COLUMNS_MAX 64

// ---------------------------------------------------------------------------
// The import and its result.

//  Shows the import's error lines (ERRORS, "NAME:LINE: field 'H': reason" or "NAME: reason")
//  as a table: row, column, reason.
static void
s_error_table (ml_html_t *h, const char *name, const char *errors)
{
    size_t nlen = strlen (name);
    ml_html_f (h, "<table id=\"errors\"><tr><th>%t</th><th>%t</th><th>%t</th></tr>", _("Row"),
               _("Column"), _("Problem"));
    for (const char *p = errors; *p;) {
        size_t n = strcspn (p, "\n");
        char line[2048];
        snprintf (line, sizeof line, "%.*s", (int) n, p);
        p += n + (p[n] == '\n');
        const char *rest = line;
        char row[32] = "", column[512] = "";
        if (strncmp (rest, name, nlen) == 0 && rest[nlen] == ':') {
            rest += nlen + 1;
            size_t digits = strspn (rest, "0123456789");
            if (digits && digits < sizeof row && rest[digits] == ':') {
                snprintf (row, sizeof row, "%.*s", (int) digits, rest);
                rest += digits + 1;
            }
            rest += *rest == ' ';
        }
        //  "field '%s': %s" as the import wrote it, in the clerk's language
        const char *fmt = _("field '%s': %s"), *first = strstr (fmt, "%s");
        const char *second = first ? strstr (first + 2, "%s") : NULL;
        size_t plen = first ? (size_t) (first - fmt) : 0;
        if (second && strncmp (rest, fmt, plen) == 0) {
            char mid[32];
            snprintf (mid, sizeof mid, "%.*s", (int) (second - first - 2), first + 2);
            const char *q = *mid ? strstr (rest + plen, mid) : NULL;
            if (q) {
                snprintf (column, sizeof column, "%.*s", (int) (q - rest - plen), rest + plen);
                rest = q + strlen (mid);
            }
        }
        if (!*rest)
            continue;
        ml_html_f (h, "<tr class=\"error-row\"><td class=\"row\">%t</td><td class=\"%r\">%t</td>"
                   "<td>%t</td></tr>", row, *column ? "bad column" : "column", column, rest);
    }
    ml_html_f (h, "</table>");
}

//  Imports the file at PATH, named NAME in messages and sources, and answers with the result.
static void
s_import (desk_req_t *r, const char *path, const char *name, const char *title)
{
    char *errors = NULL;
    size_t elen = 0, recorded = 0, skipped = 0;
    FILE *copy = open_memstream (&errors, &elen);
    int rc = copy ? ml_import_file (r->desk->outbox, path, name, copy, &recorded, &skipped, NULL, NULL)
                  : ML_ENOMEM;
    if (copy)
        fclose (copy);
    char detail[256];
    snprintf (detail, sizeof detail, "%s: %s", name, rc ? ml_strerror (rc) : "ok");
    ml_accounts_audit (r->desk->accounts, r->now, r->session.account.name, ml_http_peer (r->http),
                       "import", detail);
    ml_html_t *body = ml_html_new ();
    if (!body) {
        free (errors);
        desk_page (r, 500, title, &body);
        return;
    }
    ml_html_f (body, "<h1>%t</h1><p>%t%t</p>", title, _("File: "), name);
    if (rc == 0) {
        char counts[256];
        snprintf (counts, sizeof counts, _("%zu recorded, %zu already recorded skipped"), recorded,
                  skipped);
        ml_html_f (body, "<p class=\"ok\" id=\"result\">%t</p>", counts);
    }
    else {
        ml_html_f (body, "<p class=\"error\" id=\"result\">%t</p>",
                   rc == ML_EINVAL ? _("The rows below have problems: nothing of this file is recorded. "
                                       "Correct them in the sheet and upload it again.")
                                   : _("Nothing recorded (a storage error); please ask the IT office."));
        s_error_table (body, name, errors ? errors : "");
    }
    ml_html_f (body, "<p><a href=\"/upload\">%t</a> · <a href=\"/form\">%t</a> · "
               "<a href=\"/outbox\">%t</a></p>", _("Upload another"), _("Fill in a row"),
               _("See what is recorded"));
    free (errors);
    desk_page (r, rc == 0 ? 200 : 422, title, &body);
}

//  A private folder for one import's file: made under $TMPDIR (or /tmp), mode 0700.
static bool
s_tmpdir (char *dir, size_t len)
{
    const char *base = getenv ("TMPDIR");
    snprintf (dir, len, "%s/massline-desk.XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp (dir) != NULL;
}

static bool
s_write (const char *path, const char *data, size_t len)
{
    FILE *f = fopen (path, "wbx");
    if (!f)
        return false;
    bool ok = fwrite (data, 1, len, f) == len;
    return fclose (f) == 0 && ok;
}

// ---------------------------------------------------------------------------
// Upload.

static bool
s_suffix (const char *name, const char *suffix)
{
    size_t n = strlen (name), s = strlen (suffix);
    return n > s && strcasecmp (name + n - s, suffix) == 0;
}

//  The ledgers as <option>s (value: kind), SELECTED chosen.
static void
s_kind_options (ml_html_t *h, const char *selected, bool none)
{
    if (none)
        ml_html_f (h, "<option value=\"\">%t</option>", _("(from the file's name)"));
    const char *kind;
    for (size_t i = 0; (kind = ml_ledger_kind_at (i)); i++)
        ml_html_f (h, "<option value=\"%a\"%r>%t</option>", kind,
                   selected && strcmp (selected, kind) == 0 ? " selected" : "", ml_ledger_name (kind));
}

void
desk_upload_form (desk_req_t *r)
{
    ml_html_t *body = ml_html_new ();
    if (body) {
        ml_html_f (body, "<h1>%t</h1><p>%t</p>"
                   "<form method=\"post\" action=\"/upload\" enctype=\"multipart/form-data\" id=\"upload-form\">"
                   "<input type=\"hidden\" name=\"csrf\" value=\"%a\">"
                   "<label>%t <input type=\"file\" name=\"file\" id=\"file\" accept=\".xlsx,.csv\" required></label>"
                   "<label>%t <select name=\"kind\" id=\"kind\">", _("Upload a ledger"),
                   _("Files saved by Excel or WPS as .xlsx, and .csv files. A file whose name holds "
                     "the ledger's name (such as “2026年3月接访台账.xlsx”) will do, or choose the ledger "
                     "below. A file is recorded whole or not at all; rows recorded before are skipped."),
                   r->session.csrf, _("File"), _("Ledger"));
        s_kind_options (body, NULL, true);
        ml_html_f (body, "</select></label><button type=\"submit\" id=\"upload\">%t</button></form>",
                   _("Upload and record"));
    }
    desk_page (r, 200, _("Upload a ledger"), &body);
}

void
desk_upload_post (desk_req_t *r)
{
    ml_http_part_t part;
    if (!ml_http_part (r->http, "file", &part) || !part.filename[0]) {
        desk_error (r, 400, _("Choose the file to upload"));
        return;
    }
    const char *name = part.filename;
    bool xlsx = s_suffix (name, ".xlsx");
    if (!xlsx && !s_suffix (name, ".csv")) {
        desk_error (r, 400, _("Only .xlsx and .csv files can be uploaded"));
        return;
    }
    if (name[0] == '.' || strchr (name, '/')) {
        desk_error (r, 400, _("The file's name will not do; rename the file and upload it again"));
        return;
    }
    //  the kind from the field, else from the file's name (as at the command line)
    char kindbuf[64];
    const char *kind = ml_http_field (r->http, "kind", kindbuf, sizeof kindbuf);
    if (kind && *kind && !ml_ledger_name (kind)) {
        desk_error (r, 400, _("No such ledger"));
        return;
    }
    char dir[4096], path[4400];
    if (!s_tmpdir (dir, sizeof dir)) {
        ml_error ("desk: cannot make a folder for an upload: %s", strerror (errno));
        desk_error (r, 500, _("The server cannot keep the uploaded file"));
        return;
    }
    if (kind && *kind)
        snprintf (path, sizeof path, "%s/%s%s", dir, ml_ledger_name (kind), xlsx ? ".xlsx" : ".csv");
    else
        snprintf (path, sizeof path, "%s/%s", dir, name);
    if (!s_write (path, part.data, part.len)) {
        ml_error ("desk: cannot write %s: %s", path, strerror (errno));
        desk_error (r, 500, _("The server cannot keep the uploaded file"));
    }
    else
        s_import (r, path, name, _("Upload result"));
    unlink (path);
    rmdir (dir);
}

// ---------------------------------------------------------------------------
// One row in a form.

//  True when column KEY of KIND names a person of the roster.
static bool
s_person_key (const char *kind, const char *key)
{
    return strcmp (kind, "person") != 0 && (strcmp (key, "person") == 0 || strcmp (key, "head") == 0
                                          || strcmp (key, "signed_by") == 0);
}

void
desk_form_page (desk_req_t *r)
{
    const char *kind = ml_http_query (r->http, "kind");
    ml_html_t *body = ml_html_new ();
    if (!body) {
        desk_page (r, 500, _("Fill in a row"), &body);
        return;
    }
    if (!kind || !ml_ledger_name (kind)) {
        ml_html_f (body, "<h1>%t</h1><p>%t</p><ul id=\"ledgers\">", _("Fill in a row"),
                   _("Choose the ledger:"));
        const char *k;
        for (size_t i = 0; (k = ml_ledger_kind_at (i)); i++)
            ml_html_f (body, "<li><a href=\"/form?kind=%u\">%t</a></li>", k, ml_ledger_name (k));
        ml_html_f (body, "</ul>");
        desk_page (r, 200, _("Fill in a row"), &body);
        return;
    }
    ml_roster_t roster;
    if (ml_roster_load (r->desk->outbox, &roster))
        memset (&roster, 0, sizeof roster);
    ml_html_f (body, "<h1>%t</h1><form method=\"post\" action=\"/form\" id=\"row-form\">"
               "<input type=\"hidden\" name=\"csrf\" value=\"%a\"><input type=\"hidden\" name=\"kind\" value=\"%a\">",
               ml_ledger_name (kind), r->session.csrf, kind);
    ml_ledger_column_t col;
    for (size_t i = 0; i < S_COLUMNS_MAX && ml_ledger_column (kind, i, &col); i++) {
        if (strcmp (col.key, "ref") == 0 || strcmp (col.key, "supersedes") == 0)
            continue;                   //  编号 derived, 更正编号 from the outbox page
        ml_html_f (body, "<label>%t ", col.header);
        if (col.choices[0]) {
            ml_html_f (body, "<select name=\"c%d\" id=\"c-%a\"><option value=\"\"></option>", (int) i, col.key);
            for (int c = 0; c < 32 && col.choices[c]; c++)
                ml_html_f (body, "<option>%t</option>", col.choices[c]);
            ml_html_f (body, "</select>");
        }
        else
        if (s_person_key (kind, col.key) && roster.count) {
            ml_html_f (body, "<select name=\"c%d\" id=\"c-%a\"><option value=\"\"></option>", (int) i, col.key);
            for (size_t p = 0; p < roster.count; p++)
                ml_html_f (body, "<option value=\"%a\">%t（%t）</option>", roster.persons[p].id,
                           roster.persons[p].name, roster.persons[p].id);
            ml_html_f (body, "</select>");
        }
        else
            ml_html_f (body, "<input name=\"c%d\" id=\"c-%a\"%r placeholder=\"%a\">", (int) i, col.key,
                       col.date ? " type=\"date\"" : "", col.sample);
        ml_html_f (body, "</label>");
    }
    ml_html_f (body, "<button type=\"submit\" id=\"record\">%t</button></form>", _("Record this row"));
    ml_roster_free (&roster);
    desk_page (r, 200, ml_ledger_name (kind), &body);
}

//  Writes CELL as one CSV field.
static void
s_csv_cell (FILE *f, const char *cell)
{
    if (!strpbrk (cell, ",\"\r\n")) {
        fputs (cell, f);
        return;
    }
    fputc ('"', f);
    for (const char *c = cell; *c; c++) {
        if (*c == '"')
            fputc ('"', f);
        fputc (*c, f);
    }
    fputc ('"', f);
}

void
desk_form_post (desk_req_t *r)
{
    const char *kind = ml_http_form (r->http, "kind");
    if (!kind || !ml_ledger_name (kind)) {
        desk_error (r, 400, _("No such ledger"));
        return;
    }
    //  the row as a one-row CSV ledger: the same import as a file
    char *csv = NULL;
    size_t len = 0;
    FILE *f = open_memstream (&csv, &len);
    if (!f) {
        desk_error (r, 500, _("Out of memory"));
        return;
    }
    ml_ledger_column_t col;
    size_t n = 0;
    for (size_t i = 0; i < S_COLUMNS_MAX && ml_ledger_column (kind, i, &col); i++, n++) {
        if (i)
            fputc (',', f);
        s_csv_cell (f, col.header);
    }
    fputs ("\r\n", f);
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        char field[16];
        snprintf (field, sizeof field, "c%zu", i);
        const char *v = ml_http_form (r->http, field);
        if (i)
            fputc (',', f);
        s_csv_cell (f, v ? v : "");
        any |= v && *v;
    }
    fputs ("\r\n", f);
    fclose (f);
    if (!csv || !any) {
        free (csv);
        desk_error (r, 400, _("Fill in at least one column"));
        return;
    }
    char dir[4096], path[4400], name[256];
    snprintf (name, sizeof name, "网页填报-%s.csv", ml_ledger_name (kind));
    if (!s_tmpdir (dir, sizeof dir)) {
        free (csv);
        desk_error (r, 500, _("The server cannot keep what was filled in"));
        return;
    }
    snprintf (path, sizeof path, "%s/%s.csv", dir, ml_ledger_name (kind));
    if (s_write (path, csv, len))
        s_import (r, path, name, _("The row's result"));
    else
        desk_error (r, 500, _("The server cannot keep what was filled in"));
    free (csv);
    unlink (path);
    rmdir (dir);
}
