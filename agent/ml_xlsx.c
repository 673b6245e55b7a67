/* ml_xlsx.c -- the first sheet of an .xlsx workbook as rows of text: libzip for the archive,
   expat for workbook.xml, its relationships, sharedStrings.xml, styles.xml and the sheet. */
#include "ml_xlsx.h"
#include "ml_date.h"
#include "ml_err.h"
#include "ml_i18n.h"

#include <errno.h>
#include <expat.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

const ml_xlsx_limits_t ml_xlsx_default_limits = {
    .max_file = 64u << 20, .max_total = 1u << 30, .max_ratio = 200,
    .max_rows = 1000000, .max_cols = 256, .max_cell = 32767,
};

//  A growing array of bytes; cells and strings live in one, each NUL-terminated.
typedef struct {
    char *data;
    size_t len, cap;
} s_buf_t;

typedef struct {
    int row, col1, col2;        //  a merged range's first row and its columns (1-based)
} s_merge_t;

struct ml_xlsx {
    char *path;
    char *sheet;                //  the sheet's name
    ml_xlsx_limits_t lim;
    zip_t *zip;
    size_t total;               //  uncompressed bytes read so far
    bool date1904;
    char err[512];              //  the first failure, "reason" (without the path)
    //  shared strings and styles
    s_buf_t sst;                //  the strings' text
    size_t *sst_at;             //  where each starts in sst
    size_t n_sst, cap_sst;
    unsigned char *xf_date;     //  per cell format (cellXfs): a date format?
    size_t n_xf;
    int *fmt_id;                //  custom number formats: ids ...
    unsigned char *fmt_date;    //  ... and whether each is a date format
    size_t n_fmt;
    //  the sheet
    s_buf_t text;               //  every cell's text; offset 0 is ""
    size_t *cell_at;            //  each cell's offset in text, row after row
    size_t n_cells, cap_cells;
    size_t *row_first;          //  index in cell_at of each row's first cell
    int *row_num;               //  each row's sheet number
    size_t n_rows, cap_rows;
    size_t skip;                //  leading title rows left out
    s_merge_t *merges;
    size_t n_merges, cap_merges;
};

//  ---------------------------------------------------------------------------
//  Small helpers

static int
s_fail (ml_xlsx_t *self, const char *fmt, ...)
{
    if (!*self->err) {
        va_list args;
        va_start (args, fmt);
        vsnprintf (self->err, sizeof self->err, fmt, args);
        va_end (args);
    }
    return ML_EINVAL;
}

static int
s_grow (void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t cap2 = *cap ? *cap : 64;
    while (cap2 < need)
        cap2 *= 2;
    void *grown = realloc (*p, cap2 * size);
    if (!grown)
        return ML_ENOMEM;
    *p = grown;
    *cap = cap2;
    return 0;
}

static int
s_buf_add (s_buf_t *b, const char *s, size_t n)
{
    if (s_grow ((void **) &b->data, &b->cap, b->len + n + 1, 1))
        return ML_ENOMEM;
    memcpy (b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
    return 0;
}

//  The local part of an expat name "namespace|local".
static const char *
s_local (const XML_Char *name)
{
    const char *bar = strrchr (name, '|');
    return bar ? bar + 1 : name;
}

static const char *
s_attr (const XML_Char **atts, const char *local)
{
    for (int i = 0; atts[i]; i += 2)
        if (strcmp (s_local (atts[i]), local) == 0)
            return atts[i + 1];
    return NULL;
}

//  Parses a cell reference "BC12" into its column (1-based) and row; 0 when absent or bad.
static void
s_cell_ref (const char *ref, int *col, int *row)
{
    *col = *row = 0;
    const char *p = ref;
    long c = 0, r = 0;
    while (p && *p >= 'A' && *p <= 'Z' && c <= 16384)
        c = c * 26 + (*p++ - 'A' + 1);
    while (p && *p >= '0' && *p <= '9' && r <= 2000000)
        r = r * 10 + (*p++ - '0');
    if (p && !*p && c && c <= 16384 && r) {
        *col = (int) c;
        *row = (int) r;
    }
    else
    if (p && p != ref && (*p == 0 || *p == ':') && c && c <= 16384 && r == 0)
        *col = (int) c;
}

//  The column name of COL (1-based): "A", "AB".
static char *
s_col_name (int col, char *buf)
{
    char tmp[8];
    int n = 0;
    for (; col > 0 && n < 7; col = (col - 1) / 26)
        tmp[n++] = (char) ('A' + (col - 1) % 26);
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = 0;
    return buf;
}

//  ---------------------------------------------------------------------------
//  Reading one part of the archive through expat, within the limits

typedef struct {
    ml_xlsx_t *self;
    XML_Parser parser;
    const char *part;
    //  the part being read keeps its state here
    int depth_text;             //  > 0: inside a text element to collect (t, v)
    int in_phonetic;            //  inside rPh (phonetic runs are no text of the string)
    s_buf_t chars;              //  the text collected for the current string or cell
    int row, col;               //  the current row and cell (1-based)
    char type[12];              //  the cell's t attribute
    long style;                 //  the cell's s attribute
    size_t row_cells0;          //  cells of the current row when it started
    bool in_cellxfs, in_sheets, in_si;
    char *rid;                  //  workbook.xml: the first sheet's r:id
    char *target;               //  its relationship target
} s_read_t;

static void
s_stop (s_read_t *rd)
{
    XML_StopParser (rd->parser, XML_FALSE);
}

static void XMLCALL
s_chars (void *arg, const XML_Char *s, int len)
{
    s_read_t *rd = arg;
    if (rd->depth_text <= 0 || rd->in_phonetic)
        return;
    if (rd->chars.len + (size_t) len > rd->self->lim.max_cell) {
        char col[8];
        if (rd->row)
            s_fail (rd->self, _("cell %s%d: more than %zu bytes"), s_col_name (rd->col, col), rd->row,
                    rd->self->lim.max_cell);
        else
            s_fail (rd->self, _("%s: a text longer than %zu bytes"), rd->part, rd->self->lim.max_cell);
        s_stop (rd);
        return;
    }
    if (s_buf_add (&rd->chars, s, (size_t) len)) {
        s_fail (rd->self, _("out of memory"));
        s_stop (rd);
    }
}

//  Reads part NAME of the archive through a parser with handlers START and END (and s_chars).
//  A missing part is ML_ENOTFOUND (no message); any other failure is noted in self->err.
static int
s_read_part (ml_xlsx_t *self, const char *name, s_read_t *rd, XML_StartElementHandler start,
             XML_EndElementHandler end)
{
    zip_stat_t st;
    zip_int64_t index = zip_name_locate (self->zip, name, 0);
    if (index < 0)
        return ML_ENOTFOUND;
    if (zip_stat_index (self->zip, (zip_uint64_t) index, 0, &st) != 0)
        return s_fail (self, "%s: %s", name, zip_strerror (self->zip));
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
        return s_fail (self, _("%s is encrypted: save the workbook without a password"), name);
    //  a zip bomb says so in its directory; one that lies is caught while reading
    if ((st.valid & ZIP_STAT_SIZE) && st.size > self->lim.max_total - self->total)
        return s_fail (self, _("%s: %llu bytes uncompressed, more than the %zu allowed (a zip bomb?)"),
                       name, (unsigned long long) st.size, self->lim.max_total);
    if ((st.valid & ZIP_STAT_SIZE) && (st.valid & ZIP_STAT_COMP_SIZE) && st.size > 4096
    &&  st.size / (st.comp_size ? st.comp_size : 1) > self->lim.max_ratio)
        return s_fail (self, _("%s: compressed %llu:1, more than %zu:1 (a zip bomb?)"), name,
                       (unsigned long long) (st.size / (st.comp_size ? st.comp_size : 1)),
                       self->lim.max_ratio);
    zip_file_t *file = zip_fopen_index (self->zip, (zip_uint64_t) index, 0);
    if (!file) {
        int ze = zip_error_code_zip (zip_get_error (self->zip));
        if (ze == ZIP_ER_NOPASSWD || ze == ZIP_ER_WRONGPASSWD || ze == ZIP_ER_ENCRNOTSUPP)
            return s_fail (self, _("%s is encrypted: save the workbook without a password"), name);
        return s_fail (self, "%s: %s", name, zip_strerror (self->zip));
    }
    XML_Parser parser = XML_ParserCreateNS (NULL, '|');
    if (!parser) {
        zip_fclose (file);
        return s_fail (self, _("out of memory"));
    }
    rd->self = self;
    rd->parser = parser;
    rd->part = name;
    XML_SetUserData (parser, rd);
    XML_SetElementHandler (parser, start, end);
    XML_SetCharacterDataHandler (parser, s_chars);
    char *chunk = malloc (1 << 16);
    zip_uint64_t seen = 0;
    int rc = chunk ? 0 : s_fail (self, _("out of memory"));
    while (!rc) {
        zip_int64_t n = zip_fread (file, chunk, 1 << 16);
        if (n < 0) {
            rc = s_fail (self, _("%s: corrupt (%s)"), name, zip_file_strerror (file));
            break;
        }
        seen += (zip_uint64_t) n;
        self->total += (size_t) n;
        if (self->total > self->lim.max_total
        ||  ((st.valid & ZIP_STAT_COMP_SIZE) && seen > 4096
            && seen / (st.comp_size ? st.comp_size : 1) > self->lim.max_ratio)) {
            rc = s_fail (self, _("%s: expands past the limits (a zip bomb?)"), name);
            break;
        }
        if (XML_Parse (parser, chunk, (int) n, n == 0) == XML_STATUS_ERROR) {
            if (!*self->err)
                s_fail (self, _("%s:%lu: not well-formed XML (%s)"), name,
                        (unsigned long) XML_GetCurrentLineNumber (parser),
                        XML_ErrorString (XML_GetErrorCode (parser)));
            rc = ML_EINVAL;
            break;
        }
        if (n == 0)
            break;
    }
    if (!rc && *self->err)
        rc = ML_EINVAL;
    free (chunk);
    XML_ParserFree (parser);
    zip_fclose (file);
    free (rd->chars.data);
    rd->chars = (s_buf_t) { 0 };
    return rc;
}

//  ---------------------------------------------------------------------------
//  workbook.xml and its relationships: which part is the first sheet

static void XMLCALL
s_workbook_start (void *arg, const XML_Char *name, const XML_Char **atts)
{
    s_read_t *rd = arg;
    const char *local = s_local (name);
    if (strcmp (local, "workbookPr") == 0) {
        const char *v = s_attr (atts, "date1904");
        rd->self->date1904 = v && (strcmp (v, "1") == 0 || strcmp (v, "true") == 0);
    }
    if (strcmp (local, "sheet") == 0 && !rd->rid) {
        const char *sheet = s_attr (atts, "name"), *id = s_attr (atts, "id");
        rd->rid = strdup (id ? id : "");
        rd->self->sheet = strdup (sheet ? sheet : "");
    }
}

static void XMLCALL
s_rels_start (void *arg, const XML_Char *name, const XML_Char **atts)
{
    s_read_t *rd = arg;
    const char *id = s_attr (atts, "Id"), *target = s_attr (atts, "Target");
    if (strcmp (s_local (name), "Relationship") == 0 && id && target && rd->rid
    &&  strcmp (id, rd->rid) == 0 && !rd->target) {
        //  relative to xl/, or absolute in the package
        size_t len = strlen (target) + 4;
        if ((rd->target = malloc (len)))
            snprintf (rd->target, len, "%s%s", *target == '/' ? "" : "xl/", *target == '/' ? target + 1 : target);
    }
}

static void XMLCALL
s_no_end (void *arg, const XML_Char *name)
{
    (void) arg;
    (void) name;
}

//  ---------------------------------------------------------------------------
//  sharedStrings.xml: <si> holds <t>, or runs <r><t>; <rPh> is phonetic, not text

static void XMLCALL
s_sst_start (void *arg, const XML_Char *name, const XML_Char **atts)
{
    (void) atts;
    s_read_t *rd = arg;
    const char *local = s_local (name);
    if (strcmp (local, "si") == 0) {
        rd->in_si = true;
        rd->chars.len = 0;
        if (rd->chars.data)
            rd->chars.data[0] = 0;
    }
    else if (strcmp (local, "rPh") == 0)
        rd->in_phonetic++;
    else if (strcmp (local, "t") == 0 && rd->in_si)
        rd->depth_text++;
}

static void XMLCALL
s_sst_end (void *arg, const XML_Char *name)
{
    s_read_t *rd = arg;
    ml_xlsx_t *self = rd->self;
    const char *local = s_local (name);
    if (strcmp (local, "rPh") == 0)
        rd->in_phonetic--;
    else if (strcmp (local, "t") == 0 && rd->in_si)
        rd->depth_text--;
    else if (strcmp (local, "si") == 0) {
        rd->in_si = false;
        if (s_grow ((void **) &self->sst_at, &self->cap_sst, self->n_sst + 1, sizeof (size_t))) {
            s_fail (self, _("out of memory"));
            s_stop (rd);
            return;
        }
        self->sst_at[self->n_sst++] = self->sst.len;
        if (s_buf_add (&self->sst, rd->chars.data ? rd->chars.data : "", rd->chars.len)
        ||  s_buf_add (&self->sst, "", 1)) {
            s_fail (self, _("out of memory"));
            s_stop (rd);
        }
    }
}

//  ---------------------------------------------------------------------------
//  styles.xml: which cell formats show dates

//  True for a built-in date format: 14-22 (the time-only 18-21 counted, as Excel's "dates"),
//  and the Chinese locale's 27-31, 36, 50-54, 57, 58.
static bool
s_builtin_date (long id)
{
    return (id >= 14 && id <= 22) || (id >= 27 && id <= 31) || id == 36 || (id >= 50 && id <= 54)
        || id == 57 || id == 58;
}

//  True for a custom format code that shows a date: y, m or d outside quotes, brackets ([Red],
//  [$-804]) and escapes; an m beside h or s only (h:mm) is minutes.
static bool
s_code_is_date (const char *code)
{
    bool ymd = false, m = false, hs = false;
    for (const char *p = code; *p; p++) {
        if (*p == '"') {
            const char *q = strchr (p + 1, '"');
            if (!q)
                break;
            p = q;
        }
        else if (*p == '[') {
            const char *q = strchr (p + 1, ']');
            if (!q)
                break;
            p = q;
        }
        else if (*p == '\\' && p[1])
            p++;
        else if (*p == 'y' || *p == 'Y' || *p == 'd' || *p == 'D' || *p == 'e')
            ymd = true;
        else if (*p == 'm' || *p == 'M')
            m = true;
        else if (*p == 'h' || *p == 'H' || *p == 's' || *p == 'S')
            hs = true;
    }
    return ymd || (m && !hs);
}

static void XMLCALL
s_styles_start (void *arg, const XML_Char *name, const XML_Char **atts)
{
    s_read_t *rd = arg;
    ml_xlsx_t *self = rd->self;
    const char *local = s_local (name);
    if (strcmp (local, "numFmt") == 0) {
        const char *id = s_attr (atts, "numFmtId"), *code = s_attr (atts, "formatCode");
        size_t cap = self->n_fmt;
        if (!id || !code)
            return;
        if (s_grow ((void **) &self->fmt_id, &cap, self->n_fmt + 1, sizeof (int))
        ||  (cap = self->n_fmt, s_grow ((void **) &self->fmt_date, &cap, self->n_fmt + 1, 1))) {
            s_fail (self, _("out of memory"));
            s_stop (rd);
            return;
        }
        self->fmt_id[self->n_fmt] = atoi (id);
        self->fmt_date[self->n_fmt++] = s_code_is_date (code);
    }
    else if (strcmp (local, "cellXfs") == 0)
        rd->in_cellxfs = true;
    else if (strcmp (local, "xf") == 0 && rd->in_cellxfs) {
        const char *id = s_attr (atts, "numFmtId");
        long fmt = id ? atol (id) : 0;
        bool date = s_builtin_date (fmt);
        for (size_t i = 0; i < self->n_fmt; i++)
            if (self->fmt_id[i] == fmt)
                date = self->fmt_date[i];
        size_t cap = self->n_xf;
        if (s_grow ((void **) &self->xf_date, &cap, self->n_xf + 1, 1)) {
            s_fail (self, _("out of memory"));
            s_stop (rd);
            return;
        }
        self->xf_date[self->n_xf++] = date;
    }
}

static void XMLCALL
s_styles_end (void *arg, const XML_Char *name)
{
    s_read_t *rd = arg;
    if (strcmp (s_local (name), "cellXfs") == 0)
        rd->in_cellxfs = false;
}

//  ---------------------------------------------------------------------------
//  The sheet

//  Serial SERIAL of the workbook's date system as "YYYY-MM-DD" in BUF; false when it is no date.
static bool
s_serial_date (const ml_xlsx_t *self, const char *serial, char *buf)
{
    char *end;
    double v = strtod (serial, &end);
    if (end == serial || *end || !(v >= 1 && v < 2958466))   //  up to 9999-12-31
        return false;
    long days = (long) floor (v);
    if (self->date1904)
        return ml_date_format (ml_date_from_ymd (1904, 1, 1) + days, buf), true;
    if (days == 60) {
        //  Lotus's and Excel's 1900-02-29, which never was: left for the date check to refuse
        strcpy (buf, "1900-02-29");
        return true;
    }
    ml_date_format (ml_date_from_ymd (1899, 12, days < 60 ? 31 : 30) + days, buf);
    return true;
}

//  Ends the current cell: its value, as text, into the current row at its column.
static int
s_cell_done (s_read_t *rd)
{
    ml_xlsx_t *self = rd->self;
    const char *v = rd->chars.data ? rd->chars.data : "";
    char tmp[16];
    char col[8];
    if (strcmp (rd->type, "s") == 0) {
        char *end;
        unsigned long i = strtoul (v, &end, 10);
        if (end == v || *end || i >= self->n_sst)
            return s_fail (self, _("cell %s%d: no shared string %s"), s_col_name (rd->col, col), rd->row, v);
        v = self->sst.data + self->sst_at[i];
    }
    else if (strcmp (rd->type, "b") == 0)
        v = strcmp (v, "1") == 0 ? "TRUE" : "FALSE";
    else if (strcmp (rd->type, "d") == 0 && strlen (v) >= 10) {
        memcpy (tmp, v, 10);            //  an ISO date-time cell: its date
        tmp[10] = 0;
        v = tmp;
    }
    else if ((!*rd->type || strcmp (rd->type, "n") == 0) && rd->style >= 0
         &&  (size_t) rd->style < self->n_xf && self->xf_date[rd->style] && s_serial_date (self, v, tmp))
        v = tmp;
    if (!*v)
        return 0;
    if ((size_t) rd->col > self->lim.max_cols)
        return s_fail (self, _("cell %s%d: a value past column %zu"), s_col_name (rd->col, col), rd->row,
                       self->lim.max_cols);
    //  the row's cells so far, then empty ones up to this column
    size_t have = self->n_cells - rd->row_cells0;
    if ((size_t) rd->col <= have) {
        //  out of order (no application writes that): the later value wins
        size_t at = self->text.len;
        if (s_buf_add (&self->text, v, strlen (v) + 1))
            return ML_ENOMEM;
        self->cell_at[rd->row_cells0 + (size_t) rd->col - 1] = at;
        return 0;
    }
    if (s_grow ((void **) &self->cell_at, &self->cap_cells, rd->row_cells0 + (size_t) rd->col,
                sizeof (size_t)))
        return ML_ENOMEM;
    while (self->n_cells < rd->row_cells0 + (size_t) rd->col - 1)
        self->cell_at[self->n_cells++] = 0;
    self->cell_at[self->n_cells++] = self->text.len;
    return s_buf_add (&self->text, v, strlen (v) + 1);
}

static void XMLCALL
s_sheet_start (void *arg, const XML_Char *name, const XML_Char **atts)
{
    s_read_t *rd = arg;
    ml_xlsx_t *self = rd->self;
    const char *local = s_local (name);
    if (strcmp (local, "row") == 0) {
        const char *r = s_attr (atts, "r");
        long num = r ? atol (r) : rd->row + 1;
        if (num <= rd->row || num > (long) self->lim.max_rows) {
            if (num > (long) self->lim.max_rows)
                s_fail (self, _("row %ld: more than %zu rows"), num, self->lim.max_rows);
            else
                s_fail (self, _("row %ld after row %d: rows out of order"), num, rd->row);
            s_stop (rd);
            return;
        }
        rd->row = (int) num;
        rd->col = 0;
        rd->row_cells0 = self->n_cells;
    }
    else if (strcmp (local, "c") == 0) {
        int col, row;
        s_cell_ref (s_attr (atts, "r"), &col, &row);
        rd->col = col ? col : rd->col + 1;
        const char *t = s_attr (atts, "t"), *s = s_attr (atts, "s");
        snprintf (rd->type, sizeof rd->type, "%s", t ? t : "");
        rd->style = s ? atol (s) : -1;
        rd->chars.len = 0;
        if (rd->chars.data)
            rd->chars.data[0] = 0;
    }
    else if (strcmp (local, "v") == 0 || (strcmp (local, "t") == 0 && strcmp (rd->type, "inlineStr") == 0))
        rd->depth_text++;
    else if (strcmp (local, "rPh") == 0)
        rd->in_phonetic++;
    else if (strcmp (local, "mergeCell") == 0) {
        const char *ref = s_attr (atts, "ref");
        const char *colon = ref ? strchr (ref, ':') : NULL;
        int c1, r1, c2, r2;
        if (!colon)
            return;
        char first[32];
        snprintf (first, sizeof first, "%.*s", (int) (colon - ref), ref);
        s_cell_ref (first, &c1, &r1);
        s_cell_ref (colon + 1, &c2, &r2);
        if (c1 && r1 && c2 > c1
        &&  s_grow ((void **) &self->merges, &self->cap_merges, self->n_merges + 1, sizeof (s_merge_t)) == 0)
            self->merges[self->n_merges++] = (s_merge_t) { r1, c1, c2 };
    }
}

static void XMLCALL
s_sheet_end (void *arg, const XML_Char *name)
{
    s_read_t *rd = arg;
    ml_xlsx_t *self = rd->self;
    const char *local = s_local (name);
    if (strcmp (local, "v") == 0 || (strcmp (local, "t") == 0 && strcmp (rd->type, "inlineStr") == 0))
        rd->depth_text--;
    else if (strcmp (local, "rPh") == 0)
        rd->in_phonetic--;
    else if (strcmp (local, "c") == 0) {
        int rc = s_cell_done (rd);
        if (rc) {
            if (rc == ML_ENOMEM)
                s_fail (self, _("out of memory"));
            s_stop (rd);
        }
        rd->type[0] = 0;
    }
    else if (strcmp (local, "row") == 0 && self->n_cells > rd->row_cells0) {
        if (s_grow ((void **) &self->row_first, &self->cap_rows, self->n_rows + 1, sizeof (size_t))) {
            s_fail (self, _("out of memory"));
            s_stop (rd);
            return;
        }
        size_t cap = self->n_rows;
        if (s_grow ((void **) &self->row_num, &cap, self->n_rows + 1, sizeof (int))) {
            s_fail (self, _("out of memory"));
            s_stop (rd);
            return;
        }
        self->row_first[self->n_rows] = rd->row_cells0;
        self->row_num[self->n_rows++] = rd->row;
    }
}

static size_t
s_raw_cells (const ml_xlsx_t *self, size_t r)
{
    size_t end = r + 1 < self->n_rows ? self->row_first[r + 1] : self->n_cells;
    return end - self->row_first[r];
}

//  Leading rows whose only value is a cell merged across columns: titles above the header.
static void
s_skip_titles (ml_xlsx_t *self)
{
    while (self->skip + 1 < self->n_rows) {
        size_t r = self->skip, values = 0, first = 0;
        for (size_t c = 0; c < s_raw_cells (self, r); c++)
            if (self->cell_at[self->row_first[r] + c] && !values++)
                first = c + 1;
        bool merged = false;
        for (size_t m = 0; m < self->n_merges && !merged; m++)
            merged = self->merges[m].row == self->row_num[r] && (size_t) self->merges[m].col1 == first;
        if (values != 1 || !merged)
            break;
        self->skip++;
    }
}

//  ---------------------------------------------------------------------------

//  True when the UTF-16 name of an encrypted workbook's stream is anywhere in F.
static bool
s_has_encryption_info (FILE *f)
{
    static const char info[] = "E\0n\0c\0r\0y\0p\0t\0i\0o\0n\0I\0n\0f\0o";
    char buf[8192 + sizeof info];
    size_t keep = 0, n;
    rewind (f);
    while ((n = fread (buf + keep, 1, 8192, f)) > 0) {
        size_t len = keep + n;
        if (memmem (buf, len, info, sizeof info - 1))
            return true;
        keep = len < sizeof info ? len : sizeof info - 1;     //  a name across two reads
        memmove (buf, buf + len - keep, keep);
    }
    return false;
}

//  What the first bytes of PATH say: 0 a zip archive, else the reason it is no workbook.
static int
s_check_file (ml_xlsx_t *self)
{
    struct stat st;
    FILE *f = fopen (self->path, "rb");
    if (!f || fstat (fileno (f), &st) != 0) {
        s_fail (self, _("cannot open: %s"), strerror (errno));
        if (f)
            fclose (f);
        return ML_EIO;
    }
    int rc = 0;
    unsigned char head[8];
    size_t n = fread (head, 1, sizeof head, f);
    if ((size_t) st.st_size > self->lim.max_file)
        rc = s_fail (self, _("%lld bytes, more than the %zu an .xlsx ledger may have"),
                     (long long) st.st_size, self->lim.max_file);
    else
    //  an OLE compound document: an encrypted workbook (its parts inside EncryptionInfo and
    //  EncryptedPackage streams) or an Excel 97-2003 .xls
    if (n == 8 && memcmp (head, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0)
        rc = s_has_encryption_info (f)
           ? s_fail (self, _("the workbook is encrypted (password-protected): save it again "
                     "without a password (文件 - 信息 - 保护工作簿)"))
           : s_fail (self, _("an Excel 97-2003 .xls file, not .xlsx: save it as Excel 工作簿 (.xlsx)"));
    else
    if (n < 4 || memcmp (head, "PK\x03\x04", 4) != 0)
        rc = s_fail (self, _("not an .xlsx workbook (no zip archive)"));
    fclose (f);
    return rc;
}

static int
s_load (ml_xlsx_t *self)
{
    int rc = s_check_file (self);
    if (rc)
        return rc;
    int zerr = 0;
    if (!(self->zip = zip_open (self->path, ZIP_RDONLY, &zerr))) {
        zip_error_t ze;
        zip_error_init_with_code (&ze, zerr);
        s_fail (self, _("corrupt .xlsx: %s"), zip_error_strerror (&ze));
        zip_error_fini (&ze);
        return ML_EINVAL;
    }
    if (zip_get_num_entries (self->zip, 0) > 10000)
        return s_fail (self, _("more than 10000 parts in the archive"));
    s_read_t rd = { 0 };
    rc = s_read_part (self, "xl/workbook.xml", &rd, s_workbook_start, s_no_end);
    if (rc == ML_ENOTFOUND)
        rc = s_fail (self, _("no xl/workbook.xml: not an .xlsx workbook"));
    if (!rc && rd.rid)
        rc = s_read_part (self, "xl/_rels/workbook.xml.rels", &rd, s_rels_start, s_no_end);
    if (rc == ML_ENOTFOUND)
        rc = 0;              //  no relationships: the sheet where every application puts it
    char *sheet = rd.target ? rd.target : strdup ("xl/worksheets/sheet1.xml");
    free (rd.rid);
    if (!sheet)
        return ML_ENOMEM;
    if (!rc) {
        s_read_t sst = { 0 }, styles = { 0 }, data = { 0 };
        rc = s_read_part (self, "xl/sharedStrings.xml", &sst, s_sst_start, s_sst_end);
        if (rc == ML_ENOTFOUND)
            rc = 0;
        if (!rc)
            rc = s_read_part (self, "xl/styles.xml", &styles, s_styles_start, s_styles_end);
        if (rc == ML_ENOTFOUND)
            rc = 0;
        if (!rc && s_buf_add (&self->text, "", 1))       //  offset 0: the empty cell
            rc = ML_ENOMEM;
        if (!rc)
            rc = s_read_part (self, sheet, &data, s_sheet_start, s_sheet_end);
        if (rc == ML_ENOTFOUND)
            rc = s_fail (self, _("no %s: the workbook's first sheet is missing"), sheet);
    }
    free (sheet);
    if (!rc)
        s_skip_titles (self);
    return rc;
}

ml_xlsx_t *
ml_xlsx_open (const char *path, const ml_xlsx_limits_t *limits, char *err, size_t errlen)
{
    ml_xlsx_t *self = calloc (1, sizeof *self);
    if (!self || !(self->path = strdup (path))) {
        snprintf (err, errlen, _("%s: out of memory"), path);
        free (self);
        return NULL;
    }
    self->lim = limits ? *limits : ml_xlsx_default_limits;
    int rc = s_load (self);
    if (rc) {
        s_fail (self, "%s", ml_strerror (rc));     //  when nothing more was said
        if (self->sheet && *self->sheet && strncmp (self->err, "cell ", 5) == 0)
            snprintf (err, errlen, _("%s: sheet '%s', %s"), path, self->sheet, self->err);
        else
            snprintf (err, errlen, "%s: %s", path, self->err);
        ml_xlsx_destroy (&self);
    }
    else {
        zip_discard (self->zip);
        self->zip = NULL;
    }
    return self;
}

void
ml_xlsx_destroy (ml_xlsx_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_xlsx_t *self = *self_p;
    if (self->zip)
        zip_discard (self->zip);
    free (self->sst.data);
    free (self->sst_at);
    free (self->xf_date);
    free (self->fmt_id);
    free (self->fmt_date);
    free (self->text.data);
    free (self->cell_at);
    free (self->row_first);
    free (self->row_num);
    free (self->merges);
    free (self->sheet);
    free (self->path);
    free (self);
    *self_p = NULL;
}

const char *
ml_xlsx_sheet (const ml_xlsx_t *self)
{
    return self->sheet ? self->sheet : "";
}

size_t
ml_xlsx_rows (const ml_xlsx_t *self)
{
    return self->n_rows - self->skip;
}

int
ml_xlsx_row_number (const ml_xlsx_t *self, size_t r)
{
    return self->row_num[r + self->skip];
}

size_t
ml_xlsx_row_cells (const ml_xlsx_t *self, size_t r)
{
    return s_raw_cells (self, r + self->skip);
}

const char *
ml_xlsx_cell (const ml_xlsx_t *self, size_t r, size_t c)
{
    if (c >= ml_xlsx_row_cells (self, r))
        return "";
    return self->text.data + self->cell_at[self->row_first[r + self->skip] + c];
}
