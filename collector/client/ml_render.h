/* ml_render.h -- turns a report's JSON (docs/reports.md) into json, csv, text, html or pdf. */
#ifndef ML_RENDER_H
#define ML_RENDER_H

#include <stdio.h>
#include <jansson.h>

//  Output formats of `massline report ... --format`.
typedef enum {
    ML_FORMAT_JSON,     //  the report as is, pretty-printed, UTF-8 unescaped
    ML_FORMAT_CSV,      //  one flat table, UTF-8 with BOM, CRLF, RFC 4180 quoting
    ML_FORMAT_TEXT,     //  aligned columns for a terminal (CJK counted 2 columns wide)
    ML_FORMAT_HTML,     //  one self-contained printable A4 page with an inline SVG chart
    ML_FORMAT_PDF       //  the official A4 document (ml_render_pdf.c), fonts embedded
} ml_format_t;

//  Sets *format from NAME ("json", "csv", "text", "html" or "pdf"). Returns 0, or ML_EINVAL
//  for any other name (then *format is unchanged).
int ml_format_parse (const char *name, ml_format_t *format);

//  Returns the canonical name of FORMAT ("json", ...); "?" for a value out of range.
const char *ml_format_name (ml_format_t format);

//  The HTTP Content-Type of a file in FORMAT ("text/csv; charset=utf-8", ...), for the programs
//  that serve reports' files; "application/octet-stream" for a value out of range.
const char *ml_format_content_type (ml_format_t format);

//  Writes REPORT (a report object; its "report" key picks unit-annual, rollup, cadre,
//  bulletin or watchlist) to OUT in FORMAT. The output is built in memory first, so on
//  failure nothing is written. Returns 0; ML_EINVAL when REPORT lacks what the kind needs
//  (ERR gets e.g. "rollup report: 'units' is not an array"); ML_EIO when OUT fails;
//  ML_ENOMEM. ERR (ERRLEN bytes, may be NULL) gets a one-line message on failure.
int ml_render (const json_t *report, ml_format_t format, FILE *out, char *err, size_t errlen);

//  What a sealed document's file says its id with ("massline-document: H001/2025/3"): the last
//  line of text and csv, an HTML comment in html, the Keywords of a PDF (`massline report verify`).
#define ML_DOCUMENT_MARK "massline-document: "

//  Renders REPORT in FORMAT into *BUF (malloc'd, the caller frees), *LEN, as `massline report`
//  writes the file: ml_render, plus for a sealed document (one with document.id) its id after
//  the text (ML_DOCUMENT_MARK). Every program that hands out a report's file uses it, so the
//  bytes are the CLI's. Returns 0, or ml_render's errors (then *BUF is NULL and *LEN 0).
int ml_render_file (const json_t *report, ml_format_t format, char **buf, size_t *len, char *err,
                    size_t errlen);

//  Returns how many terminal columns UTF8 takes: CJK ideographs, CJK punctuation, kana,
//  hangul and full-width forms count 2, combining marks and zero-width characters 0,
//  everything else printable 1; control characters 0; each invalid byte 1. NULL is 0.
int ml_display_width (const char *utf8);

//  Copies UTF8 into BUF (SIZE bytes, > 0) fit for a terminal, and returns BUF: every control
//  character (C0, DEL, C1: ESC, BEL, CR, LF, ...) becomes a space and every byte that is not
//  valid UTF-8 a '?', so no name can move the cursor, ring the bell or start an escape
//  sequence. Cut on a character boundary when BUF is short; BUF may be UTF8 itself (cleaned
//  in place); NULL gives "". Everything massline writes to a terminal from data goes through it.
const char *ml_text_safe (const char *utf8, char *buf, size_t size);

//  ---------------------------------------------------------------------------
//  Official documents (pdf)

//  What a PDF document prints that a report need not carry (client.ini [document],
//  docs/config.md). A report's own "issuer" wins over ISSUER.
typedef struct {
    const char *issuer;             //  issuing body, the red head; NULL: 中共镇江市卫生局委员会
    const char *number_prefix;      //  document number prefix; NULL: 镇卫党台
} ml_document_t;

//  Sets what later pdf renders print (copied; NULL or NULL members: the defaults). Not
//  thread-safe: a program sets it once, before rendering. Returns ML_EINVAL when a value
//  is longer than 255 bytes (then nothing changes), else 0.
int ml_render_set_document (const ml_document_t *doc);

//  Writes into HEX (65 bytes) the document digest that a PDF prints in its footer: the
//  SHA-256, lower-case hex, of REPORT's canonical JSON (docs/reports.md "PDF documents").
//  Returns 0, or ML_ENOMEM.
int ml_render_digest (const json_t *report, char hex [65]);

#endif
