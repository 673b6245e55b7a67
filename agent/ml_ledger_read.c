/* ml_ledger_read.c -- a ledger file into cells: encoding detection (UTF-8 with or without BOM,
   GB18030, never reinterpreting valid UTF-8), libcsv parsing with the line each row starts on,
   and an .xlsx workbook's first sheet through ml_xlsx. */
#include "ml_ledger_private.h"
#include "ml_err.h"
#include "ml_i18n.h"
#include "ml_xlsx.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool
s_valid_utf8 (const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (!len || i + len > n || (len == 2 && c < 0xC2))
            return false;
        for (size_t k = 1; k < len; k++)
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
        i += len;
    }
    return true;
}

//  For a file that is not valid UTF-8: the first line that is not, when another line holds
//  UTF-8 text beyond ASCII (a UTF-8 file with a part in another encoding, e.g. one cell pasted
//  from a GBK file), else 0. Lines end at LF, CR LF or a lone CR, as s_row_lines counts them.
//  A line of GB18030 text is very unlikely to be valid UTF-8 with a character of 3 or more
//  bytes, which every Chinese character in UTF-8 is.
static int
s_mixed_line (const unsigned char *p, size_t n)
{
    int line = 1, first_bad = 0;
    bool utf8_text = false;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && p[i] != '\n' && !(p[i] == '\r' && !(i + 1 < n && p[i + 1] == '\n')))
            continue;
        const unsigned char *l = p + start;
        size_t len = i - start;
        if (!s_valid_utf8 (l, len)) {
            if (!first_bad)
                first_bad = line;
        }
        else
            for (size_t k = 0; k < len && !utf8_text; k++)
                utf8_text = l[k] >= 0xE0;
        start = i + 1;
        line++;
    }
    return utf8_text ? first_bad : 0;
}

static char *
s_from_gb18030 (const char *in, size_t len, size_t *out_len)
{
    iconv_t cd = iconv_open ("UTF-8", "GB18030");
    if (cd == (iconv_t) -1)
        return NULL;
    size_t cap = len * 2 + 16;
    char *out = malloc (cap);
    char *src = (char *) in, *dst = out;
    size_t left = len, room = cap - 1;
    size_t rc = out ? iconv (cd, &src, &left, &dst, &room) : (size_t) -1;
    iconv_close (cd);
    if (rc == (size_t) -1) {
        free (out);
        return NULL;
    }
    *dst = 0;
    *out_len = (size_t) (dst - out);
    return out;
}

static int
s_read (ml_ledger_t *self, char *err, size_t errlen)
{
    FILE *file = fopen (self->path, "rb");
    if (!file) {
        snprintf (err, errlen, _("%s: cannot open: %s"), self->path, strerror (errno));
        return ML_EIO;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc (cap);
    size_t n;
    while (buf && (n = fread (buf + len, 1, cap - len - 1, file)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *grown = realloc (buf, cap *= 2);
            if (!grown)
                free (buf);
            buf = grown;
        }
    }
    fclose (file);
    if (!buf) {
        snprintf (err, errlen, _("%s: out of memory"), self->path);
        return ML_ENOMEM;
    }
    buf[len] = 0;
    if (len >= 3 && memcmp (buf, "\xEF\xBB\xBF", 3) == 0) {
        memmove (buf, buf + 3, len - 2);
        len -= 3;
        self->encoding = "utf-8 (BOM)";
    }
    else if (s_valid_utf8 ((unsigned char *) buf, len))
        self->encoding = "utf-8";
    else {
        //  never reinterpret valid UTF-8: GB18030 only when no part of the file is UTF-8 text
        int bad = s_mixed_line ((unsigned char *) buf, len);
        if (bad) {
            free (buf);
            snprintf (err, errlen, _("%s:%d: not valid UTF-8, while the rest of the file is; save "
                      "the whole file again as UTF-8 (or all of it as GB18030)"), self->path, bad);
            return ML_EINVAL;
        }
        size_t out_len;
        char *utf8 = s_from_gb18030 (buf, len, &out_len);
        free (buf);
        if (!utf8) {
            snprintf (err, errlen, _("%s: neither UTF-8 nor GB18030 text"), self->path);
            return ML_EINVAL;
        }
        buf = utf8;
        len = out_len;
        self->encoding = "gb18030";
    }
    self->text = buf;
    self->size = len;
    return ML_OK;
}

//  Parsing: libcsv hands us fields and row ends; a separate scan of the text finds the line each
//  non-empty row starts on (libcsv skips empty lines and counts no lines).
typedef struct {
    ml_ledger_t *self;
    size_t cap_cells, ncells, cap_rows;
    size_t *offset;             //  where each cell starts in self->cells
    unsigned char *nul;         //  whether each cell held a NUL byte
    size_t used, cap;           //  bytes of self->cells used, allocated
    int failed;
} s_parse_t;

static void
s_on_field (void *data, size_t len, void *arg)
{
    s_parse_t *p = arg;
    ml_ledger_t *self = p->self;
    if (p->failed)
        return;
    if (p->ncells + 1 >= p->cap_cells) {
        p->cap_cells = p->cap_cells ? p->cap_cells * 2 : 1024;
        size_t *grown = realloc (p->offset, p->cap_cells * sizeof *grown);
        if (!grown) {
            p->failed = 1;
            return;
        }
        p->offset = grown;
        unsigned char *nul = realloc (p->nul, p->cap_cells);
        if (!nul) {
            p->failed = 1;
            return;
        }
        p->nul = nul;
    }
    if (p->used + len + 1 > p->cap) {
        size_t cap = p->cap ? p->cap : 1 << 16;
        while (p->used + len + 1 > cap)
            cap *= 2;
        char *grown = realloc (self->cells, cap);
        if (!grown) {
            p->failed = 1;
            return;
        }
        self->cells = grown;
        p->cap = cap;
    }
    memcpy (self->cells + p->used, data ? data : "", len);
    self->cells[p->used + len] = 0;
    p->nul[p->ncells] = data && memchr (data, 0, len) != NULL;
    p->offset[p->ncells++] = p->used;
    p->used += len + 1;
}

static void
s_on_row (int c, void *arg)
{
    (void) c;
    s_parse_t *p = arg;
    ml_ledger_t *self = p->self;
    if (self->nrows + 1 >= p->cap_rows) {
        p->cap_rows = p->cap_rows ? p->cap_rows * 2 : 256;
        size_t *starts = realloc (self->row_start, p->cap_rows * sizeof *starts);
        size_t *cells = starts ? realloc (self->row_cells, p->cap_rows * sizeof *cells) : NULL;
        if (starts)
            self->row_start = starts;
        if (cells)
            self->row_cells = cells;
        if (!starts || !cells) {
            p->failed = 1;
            return;
        }
    }
    size_t first = self->nrows ? self->row_start[self->nrows - 1] + self->row_cells[self->nrows - 1] : 0;
    self->row_start[self->nrows] = first;
    self->row_cells[self->nrows] = p->ncells - first;
    self->nrows++;
}

//  The first line of each non-empty logical row (quotes may hold line breaks).
static int *
s_row_lines (const char *text, size_t len, size_t *count)
{
    size_t cap = 256, n = 0;
    int *lines = malloc (cap * sizeof *lines);
    int line = 1;
    bool in_quote = false, row_has_text = false;
    int row_line = 1;
    for (size_t i = 0; lines && i <= len; i++) {
        char c = i < len ? text[i] : '\n';
        if (c == '"')
            in_quote = !in_quote;
        bool brk = !in_quote && (c == '\n' || c == '\r');
        if (!brk) {
            if (!row_has_text)
                row_line = line;
            row_has_text = true;
            if (c == '\n' || c == '\r')
                line += !(c == '\r' && i + 1 < len && text[i + 1] == '\n');
            continue;
        }
        if (row_has_text) {
            if (n == cap) {
                int *grown = realloc (lines, (cap *= 2) * sizeof *lines);
                if (!grown) {
                    free (lines);
                    return NULL;
                }
                lines = grown;
            }
            lines[n++] = row_line;
        }
        row_has_text = false;
        if (c == '\r' && i + 1 < len && text[i + 1] == '\n')
            i++;
        line++;
    }
    *count = n;
    return lines;
}

//  The cells stay where they are now: points self->rows at them.
static void
s_parse_done (s_parse_t *p)
{
    ml_ledger_t *self = p->self;
    if (!p->failed && !(self->rows = malloc ((p->ncells ? p->ncells : 1) * sizeof *self->rows)))
        p->failed = 1;
    for (size_t i = 0; !p->failed && i < p->ncells; i++)
        self->rows[i] = self->cells + p->offset[i];
    free (p->offset);
    self->nul = p->nul;
}

//  An .xlsx ledger: the rows of its first sheet as s_parse would give them, each numbered as
//  the sheet numbers it.
static int
s_read_xlsx (ml_ledger_t *self, char *err, size_t errlen)
{
    ml_xlsx_t *book = ml_xlsx_open (self->path, NULL, err, errlen);
    if (!book)
        return ML_EINVAL;
    s_parse_t p = { self, 0, 0, 0, NULL, NULL, 0, 0, 0 };
    size_t rows = ml_xlsx_rows (book);
    if (!(self->row_line = malloc ((rows + 1) * sizeof *self->row_line)))
        p.failed = 1;
    for (size_t r = 0; r < rows && !p.failed; r++) {
        for (size_t c = 0; c < ml_xlsx_row_cells (book, r); c++) {
            const char *cell = ml_xlsx_cell (book, r, c);
            s_on_field ((void *) cell, strlen (cell), &p);
        }
        s_on_row (0, &p);
        self->row_line[r] = ml_xlsx_row_number (book, r);
    }
    ml_xlsx_destroy (&book);
    s_parse_done (&p);
    self->encoding = "xlsx";
    if (p.failed)
        snprintf (err, errlen, _("%s: out of memory"), self->path);
    return p.failed ? ML_ENOMEM : ML_OK;
}

static int
s_parse (ml_ledger_t *self, char *err, size_t errlen)
{
    struct csv_parser parser;
    if (csv_init (&parser, 0) != 0)
        return ML_ENOMEM;
    s_parse_t p = { self, 0, 0, 0, NULL, NULL, 0, 0, 0 };
    size_t done = csv_parse (&parser, self->text, self->size, s_on_field, s_on_row, &p);
    csv_fini (&parser, s_on_field, s_on_row, &p);
    csv_free (&parser);
    s_parse_done (&p);
    if (p.failed || done != self->size) {
        snprintf (err, errlen, _("%s: cannot parse as CSV"), self->path);
        return ML_EINVAL;
    }
    size_t nlines;
    self->row_line = s_row_lines (self->text, self->size, &nlines);
    if (!self->row_line)
        return ML_ENOMEM;
    if (nlines != self->nrows) {
        //  Should not happen; fall back to row numbers rather than wrong lines.
        free (self->row_line);
        self->row_line = malloc ((self->nrows + 1) * sizeof *self->row_line);
        if (!self->row_line)
            return ML_ENOMEM;
        for (size_t i = 0; i < self->nrows; i++)
            self->row_line[i] = (int) i + 1;
    }
    return ML_OK;
}

int
ml_ledger_read (ml_ledger_t *self, char *err, size_t errlen)
{
    size_t len = strlen (self->path);
    bool xlsx = len >= 5 && strcasecmp (self->path + len - 5, ".xlsx") == 0;
    return xlsx ? s_read_xlsx (self, err, errlen) : s_read (self, err, errlen) || s_parse (self, err, errlen);
}
