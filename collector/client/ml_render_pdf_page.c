/* ml_render_pdf_page.c -- the page engine of the PDF documents: text laid out with pango,
   ruled tables that continue over pages with their header repeated, the footer of each page. */
#include <assert.h>
#include <string.h>

#include "ml_render_pdf_page.h"

static const char *const s_font_names [F_COUNT] = {
    "Noto Sans CJK SC 9", "Noto Sans CJK SC Bold 9", "Noto Sans CJK SC 8", "Noto Sans CJK SC 8.5",
    "Noto Sans Mono CJK SC 7", "Noto Serif CJK SC 10.5", "Noto Serif CJK SC Bold 10.5",
    "Noto Sans CJK SC Bold 12", "Noto Serif CJK SC Bold 18", "Noto Serif CJK SC Bold 25"
};

const double ml_pdf_rgb [][3] = {
    { 0.10, 0.10, 0.10 }, { 0.78, 0.05, 0.05 }, { 0.40, 0.40, 0.40 },
    { 0.10, 0.48, 0.24 }, { 0.64, 0.35, 0.00 }
};

void
ml_pdf_fonts_load (ml_pdf_doc_t *doc)
{
    for (int i = 0; i < F_COUNT; i++)
        doc->fonts [i] = pango_font_description_from_string (s_font_names [i]);
}

void
ml_pdf_fonts_free (ml_pdf_doc_t *doc)
{
    for (int i = 0; i < F_COUNT; i++) {
        pango_font_description_free (doc->fonts [i]);
        doc->fonts [i] = NULL;
    }
}

PangoLayout *
ml_pdf_layout (ml_pdf_doc_t *doc, ml_pdf_font_t font, const char *text, double width, PangoAlignment align)
{
    PangoLayout *layout = pango_layout_new (doc->pango);
    pango_layout_set_font_description (layout, doc->fonts [font]);
    pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
    if (width > 0)
        pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
    pango_layout_set_alignment (layout, align);
    pango_layout_set_text (layout, text? text: "", -1);
    return layout;
}

double
ml_pdf_height (PangoLayout *layout)
{
    int width, height;
    pango_layout_get_size (layout, &width, &height);
    return (double) height / PANGO_SCALE;
}

void
ml_pdf_show (ml_pdf_doc_t *doc, PangoLayout *layout, double x, double y, ml_pdf_color_t color)
{
    if (!doc->draw)
        return;
    cairo_set_source_rgb (doc->cr, ml_pdf_rgb [color][0], ml_pdf_rgb [color][1], ml_pdf_rgb [color][2]);
    cairo_move_to (doc->cr, x, y);
    pango_cairo_show_layout (doc->cr, layout);
}


void
ml_pdf_footer (ml_pdf_doc_t *doc)
{
    if (!doc->draw)
        return;
    char text [64];
    double y = ML_PDF_BOTTOM + 14;
    cairo_set_source_rgb (doc->cr, 0.6, 0.6, 0.6);
    cairo_set_line_width (doc->cr, 0.5);
    cairo_move_to (doc->cr, ML_PDF_LEFT, y);
    cairo_line_to (doc->cr, ML_PDF_LEFT + ML_PDF_WIDTH, y);
    cairo_stroke (doc->cr);
    snprintf (text, sizeof text, "第 %d 页 共 %d 页", doc->page, doc->pages);
    PangoLayout *layout = ml_pdf_layout (doc, F_BODY, text, ML_PDF_WIDTH, PANGO_ALIGN_CENTER);
    //  Wide spaces, so that text extraction (pdftotext -layout) keeps them.
    PangoAttrList *attrs = pango_attr_list_new ();
    for (char *space = strchr (text, ' '); space; space = strchr (space + 1, ' ')) {
        PangoAttribute *wide = pango_attr_letter_spacing_new (3 * PANGO_SCALE);
        wide->start_index = (guint) (space - text);
        wide->end_index = wide->start_index + 1;
        pango_attr_list_insert (attrs, wide);
    }
    pango_layout_set_attributes (layout, attrs);
    pango_attr_list_unref (attrs);
    ml_pdf_show (doc, layout, ML_PDF_LEFT, y + 4, C_INK);
    double height = ml_pdf_height (layout);
    g_object_unref (layout);
    layout = ml_pdf_layout (doc, F_MONO, doc->footer, ML_PDF_WIDTH, PANGO_ALIGN_CENTER);
    ml_pdf_show (doc, layout, ML_PDF_LEFT, y + 6 + height, C_GREY);
    g_object_unref (layout);
}

static void s_table_header (ml_pdf_doc_t *doc, const ml_pdf_table_t *table);

static void
s_new_page (ml_pdf_doc_t *doc)
{
    ml_pdf_footer (doc);
    if (doc->draw)
        cairo_show_page (doc->cr);
    doc->page++;
    doc->y = ML_PDF_TOP;
    if (doc->table)
        s_table_header (doc, doc->table);
}

//  Starts a new page unless HEIGHT more points fit on this one.
void
ml_pdf_need (ml_pdf_doc_t *doc, double height)
{
    if (doc->y + height > ML_PDF_BOTTOM && doc->y > ML_PDF_TOP)
        s_new_page (doc);
}

//  A paragraph across the text width; AFTER points of space follow it.
void
ml_pdf_para (ml_pdf_doc_t *doc, ml_pdf_font_t font, ml_pdf_color_t color, PangoAlignment align, const char *text,
        double after)
{
    PangoLayout *layout = ml_pdf_layout (doc, font, text, ML_PDF_WIDTH, align);
    double height = ml_pdf_height (layout);
    ml_pdf_need (doc, height);
    ml_pdf_show (doc, layout, ML_PDF_LEFT, doc->y, color);
    doc->y += height + after;
    g_object_unref (layout);
}

//  A section heading ("一、分制度达标情况"), kept with 60 points of what follows.
void
ml_pdf_heading (ml_pdf_doc_t *doc, int *number, const char *text)
{
    static const char *const numerals [] = { "一", "二", "三", "四", "五", "六", "七", "八", "九", "十" };
    char line [256];
    snprintf (line, sizeof line, "%s、%s", numerals [*number % 10], text);
    (*number)++;
    doc->y += 6;
    ml_pdf_need (doc, 80);
    ml_pdf_para (doc, F_HEAD, C_INK, PANGO_ALIGN_LEFT, line, 5);
}

//  Places the table's columns across the text width.
void
ml_pdf_table_init (ml_pdf_table_t *table, const ml_pdf_col_t *cols, int ncols, int header)
{
    assert (ncols > 0 && ncols <= ML_PDF_MAX_COLS);
    double fixed = 0;
    int flexible = 0;
    for (int i = 0; i < ncols; i++) {
        fixed += cols [i].width;
        flexible += cols [i].width <= 0;
    }
    double share = flexible? (ML_PDF_WIDTH - fixed) / flexible: 0;
    double x = ML_PDF_LEFT;
    for (int i = 0; i < ncols; i++) {
        table->x [i] = x;
        table->w [i] = cols [i].width > 0? cols [i].width: share;
        x += table->w [i];
    }
    table->cols = cols;
    table->ncols = ncols;
    table->header = header;
}

//  One row of NCELLS cells (the table's columns, or 1 spanning them all) in FONT on a grey
//  SHADE background (0: none), vertically centred, ruled. It moves to a new page (header
//  repeated) when it does not fit with KEEP more points.
void
ml_pdf_row (ml_pdf_doc_t *doc, const ml_pdf_table_t *table, const ml_pdf_cell_t *cells, int ncells, ml_pdf_font_t font,
       double shade, double keep)
{
    assert (ncells == 1 || ncells == table->ncols);
    PangoLayout *layouts [ML_PDF_MAX_COLS];
    double heights [ML_PDF_MAX_COLS], height = 0;
    for (int i = 0; i < ncells; i++) {
        double width = ncells == 1? ML_PDF_WIDTH: table->w [i];
        layouts [i] = ml_pdf_layout (doc, font, cells [i].text, width - 2 * ML_PDF_PAD,
                                ncells == 1? PANGO_ALIGN_LEFT: table->cols [i].align);
        if (cells [i].bold > 0) {
            PangoAttrList *attrs = pango_attr_list_new ();
            PangoAttribute *bold = pango_attr_weight_new (PANGO_WEIGHT_BOLD);
            bold->start_index = 0;
            bold->end_index = (guint) cells [i].bold;
            pango_attr_list_insert (attrs, bold);
            pango_layout_set_attributes (layouts [i], attrs);
            pango_attr_list_unref (attrs);
        }
        heights [i] = ml_pdf_height (layouts [i]);
        if (heights [i] > height)
            height = heights [i];
    }
    height += 2 * ML_PDF_PAD;
    if (doc->y + height + keep > ML_PDF_BOTTOM)
        ml_pdf_need (doc, height + keep);
    for (int i = 0; i < ncells && doc->draw; i++) {
        double x = ncells == 1? ML_PDF_LEFT: table->x [i], width = ncells == 1? ML_PDF_WIDTH: table->w [i];
        if (shade > 0) {
            cairo_set_source_rgb (doc->cr, shade, shade, shade);
            cairo_rectangle (doc->cr, x, doc->y, width, height);
            cairo_fill (doc->cr);
        }
        ml_pdf_show (doc, layouts [i], x + ML_PDF_PAD, doc->y + (height - heights [i]) / 2, cells [i].color);
        cairo_set_source_rgb (doc->cr, 0.25, 0.25, 0.25);
        cairo_set_line_width (doc->cr, 0.5);
        cairo_rectangle (doc->cr, x, doc->y, width, height);
        cairo_stroke (doc->cr);
    }
    for (int i = 0; i < ncells; i++)
        g_object_unref (layouts [i]);
    doc->y += height;
}

static void
s_table_header (ml_pdf_doc_t *doc, const ml_pdf_table_t *table)
{
    ml_pdf_cell_t cells [ML_PDF_MAX_COLS];
    for (int i = 0; i < table->ncols; i++)
        cells [i] = (ml_pdf_cell_t) { table->cols [i].title, C_INK, 0 };
    ml_pdf_row (doc, table, cells, table->ncols, F_BOLD, 0.90, 0);
}

//  Starts TABLE: its header (kept with a row) now and after each page break until ml_pdf_table_end.
void
ml_pdf_table_begin (ml_pdf_doc_t *doc, const ml_pdf_table_t *table)
{
    if (table->header) {
        ml_pdf_need (doc, 90);
        s_table_header (doc, table);
    }
    doc->table = table->header? table: NULL;
}

void
ml_pdf_table_end (ml_pdf_doc_t *doc)
{
    doc->table = NULL;
    doc->y += 8;
}

