/* ml_render_pdf_page.h -- the page engine of the PDF documents (private to collector/client/):
   A4 geometry, fonts and colours, paragraphs, headings and ruled tables that break over pages
   with their header repeated, the footer on every page. ml_render_pdf.c says what goes on them. */
#ifndef ML_RENDER_PDF_PAGE_H
#define ML_RENDER_PDF_PAGE_H

#include <cairo.h>
#include <jansson.h>
#include <pango/pangocairo.h>

#include "ml_render_shared.h"

//  A4 portrait, in points.
#define ML_PDF_PAGE_W    595.276
#define ML_PDF_PAGE_H    841.890
#define ML_PDF_LEFT      57.0            //  20 mm
#define ML_PDF_RIGHT     45.0            //  16 mm
#define ML_PDF_WIDTH     (ML_PDF_PAGE_W - ML_PDF_LEFT - ML_PDF_RIGHT)
#define ML_PDF_TOP       57.0            //  20 mm
#define ML_PDF_BOTTOM    774.0           //  the body stops here; the footer is below
#define ML_PDF_PAD       3.0             //  cell padding
#define ML_PDF_MAX_COLS  16

//  Sans (黑体-like) for tables and headings, serif (宋体-like) for the title and running text.
typedef enum {
    F_BODY,                         //  sans 9: table cells
    F_BOLD,                         //  sans bold 9: table headers
    F_SMALL,                        //  sans 8: notes
    F_NARROW,                       //  sans 8.5: the wide units tables
    F_MONO,                         //  sans mono 7: the footer's digest
    F_TEXT,                         //  serif 10.5: running text, signature block
    F_TEXT_BOLD,                    //  serif bold 10.5
    F_HEAD,                         //  sans bold 12: section headings
    F_TITLE,                        //  serif bold 18: the title
    F_ISSUER,                       //  serif bold 25: the issuing body (red)
    F_COUNT
} ml_pdf_font_t;

typedef enum { C_INK, C_RED, C_GREY, C_GREEN, C_AMBER } ml_pdf_color_t;
extern const double ml_pdf_rgb [][3];

typedef struct {
    const char *title;              //  header text
    double width;                   //  points; 0: shares what the others leave
    PangoAlignment align;
} ml_pdf_col_t;

typedef struct {
    const ml_pdf_col_t *cols;
    int ncols;
    int header;                     //  has a header row, repeated on each page
    double x [ML_PDF_MAX_COLS], w [ML_PDF_MAX_COLS];
} ml_pdf_table_t;

typedef struct {
    const char *text;               //  NULL: empty
    ml_pdf_color_t color;
    size_t bold;                    //  how many leading bytes are bold
} ml_pdf_cell_t;

typedef struct {
    cairo_t *cr;
    PangoContext *pango;
    PangoFontDescription *fonts [F_COUNT];
    int draw;                       //  0: the measuring pass, 1: the drawing pass
    int page, pages;                //  this page (from 1); how many (known when drawing)
    double y;                       //  top of the free space
    const json_t *report;
    ml_render_kind_t kind;
    const char *issuer;             //  the issuing body: the report's, the configured or the default
    char number [512];              //  the document number
    char digest [65];               //  ml_render_digest of the report
    char footer [600];              //  the footer's second line (ml_render_pdf.c s_footer_text)
    const ml_pdf_table_t *table;    //  its header repeats after a page break; or NULL
} ml_pdf_doc_t;

//  Loads the fonts into DOC (its pango context set); ml_pdf_fonts_free frees them.
void ml_pdf_fonts_load (ml_pdf_doc_t *doc);
void ml_pdf_fonts_free (ml_pdf_doc_t *doc);

//  A new layout of TEXT in FONT, wrapped at WIDTH points (0: not wrapped). Caller unrefs.
PangoLayout *ml_pdf_layout (ml_pdf_doc_t *doc, ml_pdf_font_t font, const char *text, double width,
                            PangoAlignment align);

//  The height of LAYOUT in points.
double ml_pdf_height (PangoLayout *layout);

//  Draws LAYOUT with its top left at X, Y in COLOR (only in the drawing pass).
void ml_pdf_show (ml_pdf_doc_t *doc, PangoLayout *layout, double x, double y, ml_pdf_color_t color);

//  The footer of the current page: "第 n 页 共 m 页" and DOC's footer line (drawing pass only).
void ml_pdf_footer (ml_pdf_doc_t *doc);

//  Starts a new page unless HEIGHT more points fit on this one.
void ml_pdf_need (ml_pdf_doc_t *doc, double height);

//  A paragraph across the text width; AFTER points of space follow it.
void ml_pdf_para (ml_pdf_doc_t *doc, ml_pdf_font_t font, ml_pdf_color_t color, PangoAlignment align,
                  const char *text, double after);

//  A numbered section heading ("一、TEXT"), kept with what follows; *NUMBER counts from 0.
void ml_pdf_heading (ml_pdf_doc_t *doc, int *number, const char *text);

//  Places NCOLS columns (at most ML_PDF_MAX_COLS) across the text width; HEADER: a header row.
void ml_pdf_table_init (ml_pdf_table_t *table, const ml_pdf_col_t *cols, int ncols, int header);

//  Starts TABLE: its header now and after each page break until ml_pdf_table_end.
void ml_pdf_table_begin (ml_pdf_doc_t *doc, const ml_pdf_table_t *table);
void ml_pdf_table_end (ml_pdf_doc_t *doc);

//  One row of NCELLS cells (the table's columns, or 1 spanning them all) in FONT on a grey
//  SHADE (0: none), ruled; on a new page (header repeated) unless it fits with KEEP more points.
void ml_pdf_row (ml_pdf_doc_t *doc, const ml_pdf_table_t *table, const ml_pdf_cell_t *cells,
                 int ncells, ml_pdf_font_t font, double shade, double keep);

#endif
