/* ml_render_pdf.c -- reports as official A4 documents in PDF (cairo + pango, the Noto CJK fonts
   embedded): the issuing body in red, the document number, title, reporting unit and period,
   tables that continue over pages with their header repeated, the signature block with a place
   for the seal, and "第 n 页 共 m 页" with the document's digest on every page. The same report
   gives the same bytes: nothing comes from the clock (the PDF's dates are the report's). This
   file is the document's frame (number, metadata, signature, footers, the dispatch by kind);
   ml_render_pdf_reports.c says what each kind says, from the blocks in ml_render_pdf_parts.c;
   ml_render_pdf_page.c lays it out on pages. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <sodium.h>

#include "ml_err.h"
#include "ml_render.h"
#include "ml_render_pdf_page.h"
#include "ml_render_pdf_parts.h"
#include "ml_render_pdf_reports.h"

static const char s_default_issuer [] = "中共镇江市卫生局委员会";
static const char s_default_prefix [] = "镇卫党台";
static char s_issuer [256];         //  ml_render_set_document; "" for the default
static char s_prefix [256];

//  =========================================================================
//  Settings and the digest
//  =========================================================================

int
ml_render_set_document (const ml_document_t *doc)
{
    const char *issuer = doc && doc->issuer? doc->issuer: "";
    const char *prefix = doc && doc->number_prefix? doc->number_prefix: "";
    if (strlen (issuer) >= sizeof s_issuer || strlen (prefix) >= sizeof s_prefix)
        return ML_EINVAL;
    strcpy (s_issuer, issuer);
    strcpy (s_prefix, prefix);
    return 0;
}

int
ml_render_digest (const json_t *report, char hex [65])
{
    //  The canonical form (docs/reports.md): keys sorted, no white space, UTF-8 as is,
    //  reals with 15 significant digits.
    char *canonical = json_dumps (report, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION (15)
                                          | JSON_ENCODE_ANY);
    if (!canonical)
        return ML_ENOMEM;
    unsigned char hash [crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (hash, (const unsigned char *) canonical, strlen (canonical));
    sodium_bin2hex (hex, 65, hash, sizeof hash);
    free (canonical);
    return 0;
}


//  The second footer line, under the page number. This is the one place the footer text comes
//  from: the seal (the unit's hash-chain head, the frozen document's state) joins it here.
static void
s_footer_text (const ml_pdf_doc_t *doc, char *buf, size_t size)
{
    snprintf (buf, size, "%.400s　文档摘要 SHA-256：%.64s", doc->number, doc->digest);
}

//  The document number (docs/reports.md): PREFIX〔YEAR〕SUBJECT-VERSION.
static void
s_number (ml_pdf_doc_t *doc)
{
    const json_t *report = doc->report;
    char year [32], subject [160];
    const char *unit = ml_render_or (ml_render_str (report, "unit"), "");
    switch (doc->kind) {
        case ML_RENDER_UNIT_ANNUAL:
            snprintf (subject, sizeof subject, "%.60s", unit);
            break;
        case ML_RENDER_CADRE:
            snprintf (subject, sizeof subject, "%.60s-%.60s", unit,
                      ml_render_or (ml_render_str (json_object_get (report, "person"), "person"), ""));
            break;
        case ML_RENDER_ROLLUP:
            snprintf (subject, sizeof subject, "汇总");
            break;
        case ML_RENDER_BULLETIN:
            snprintf (subject, sizeof subject, "通报%.60s",
                      ml_render_or (ml_render_str (report, "period"), ""));
            break;
        case ML_RENDER_COMPLETENESS:
            snprintf (subject, sizeof subject, "报送");
            break;
        default:
            snprintf (subject, sizeof subject, "督查");
    }
    snprintf (doc->number, sizeof doc->number, "%s〔%s〕%s-%" JSON_INTEGER_FORMAT,
              s_prefix [0]? s_prefix: s_default_prefix, ml_pdf_year (report, year, sizeof year),
              subject, ml_pdf_version (report));
}

//  The PDF's creation date: the decision on the submission, else the report's as_of (or
//  period end, or year end). ISO 8601 "YYYY-MM-DDThh:mm:ss", as cairo takes it.
static void
s_doc_date (const json_t *report, char *buf, size_t size)
{
    const json_t *submission = json_object_get (report, "submission");
    const char *candidates [] = {
        ml_render_str (submission, "decided_at"), ml_render_str (submission, "submitted_at"),
        ml_render_str (report, "as_of"), ml_render_str (report, "to")
    };
    int year, month, day, hour, minute, second;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates [0]; i++) {
        const char *date = candidates [i];
        if (!date || sscanf (date, "%4d-%2d-%2d", &year, &month, &day) != 3)
            continue;
        if (sscanf (date, "%*4d-%*2d-%*2dT%2d:%2d:%2d", &hour, &minute, &second) != 3)
            hour = minute = second = 0;
        snprintf (buf, size, "%04d-%02d-%02dT%02d:%02d:%02d", year, month, day, hour, minute, second);
        return;
    }
    char text [32];
    snprintf (buf, size, "%.4s-12-31T00:00:00", ml_pdf_year (report, text, sizeof text));
    if (strlen (buf) != 19)
        snprintf (buf, size, "2000-01-01T00:00:00");
}

//  One underlined signature field: LABEL at X, the NAME (may be "") on a line of WIDTH points.
static void
s_sign_field (ml_pdf_doc_t *doc, double x, double y, const char *label, const char *name, double width)
{
    PangoLayout *layout = ml_pdf_layout (doc, F_TEXT, label, 0, PANGO_ALIGN_LEFT);
    int lw, lh;
    pango_layout_get_size (layout, &lw, &lh);
    double label_w = (double) lw / PANGO_SCALE, height = (double) lh / PANGO_SCALE;
    ml_pdf_show (doc, layout, x, y, C_INK);
    g_object_unref (layout);
    layout = ml_pdf_layout (doc, F_TEXT, name, width - label_w, PANGO_ALIGN_CENTER);
    ml_pdf_show (doc, layout, x + label_w, y, C_INK);
    g_object_unref (layout);
    if (doc->draw) {
        cairo_set_source_rgb (doc->cr, 0.2, 0.2, 0.2);
        cairo_set_line_width (doc->cr, 0.6);
        cairo_move_to (doc->cr, x + label_w, y + height + 1);
        cairo_line_to (doc->cr, x + width, y + height + 1);
        cairo_stroke (doc->cr);
    }
}

//  填报人 / 审核人 / 负责人 / 日期 with the submission's names (blank lines without one), and
//  the circle where the unit's seal goes.
static void
s_signature (ml_pdf_doc_t *doc)
{
    const json_t *submission = json_object_get (doc->report, "submission");
    char filler [256], reviewer [256], approver [256], date [64];
    const char *when = ml_render_str (submission, "submitted_at");
    ml_pdf_need (doc, 150);
    double y = doc->y + 18, radius = 59.5;     //  a 42 mm seal
    double cx = ML_PDF_LEFT + ML_PDF_WIDTH - radius - 12, cy = y + radius;
    s_sign_field (doc, ML_PDF_LEFT, y + 14, "填报人：",
                  ml_pdf_person_name (doc->report, ml_render_str (submission, "filler"), 0, filler, sizeof filler), 155);
    s_sign_field (doc, ML_PDF_LEFT + 175, y + 14, "审核人：",
                  ml_pdf_person_name (doc->report, ml_render_str (submission, "reviewer"), 0, reviewer, sizeof reviewer), 155);
    s_sign_field (doc, ML_PDF_LEFT, y + 64, "负责人：",
                  ml_pdf_person_name (doc->report, ml_render_str (submission, "approver"), 0, approver, sizeof approver), 155);
    s_sign_field (doc, ML_PDF_LEFT + 175, y + 64, "日　期：", when? ml_pdf_cn_date (when, date, sizeof date): "", 155);
    if (doc->draw) {
        static const double dash [] = { 3, 2 };
        cairo_set_source_rgb (doc->cr, 0.75, 0.45, 0.45);
        cairo_set_line_width (doc->cr, 0.8);
        cairo_set_dash (doc->cr, dash, 2, 0);
        cairo_new_sub_path (doc->cr);
        cairo_arc (doc->cr, cx, cy, radius, 0, 2 * G_PI);
        cairo_stroke (doc->cr);
        cairo_set_dash (doc->cr, NULL, 0, 0);
    }
    PangoLayout *layout = ml_pdf_layout (doc, F_TEXT, "（盖章）", 2 * radius, PANGO_ALIGN_CENTER);
    ml_pdf_show (doc, layout, cx - radius, cy - ml_pdf_height (layout) / 2, C_GREY);
    g_object_unref (layout);
    doc->y = cy + radius + 10;
}

//  =========================================================================
//  Entry point
//  =========================================================================

static cairo_status_t
s_write (void *closure, const unsigned char *data, unsigned int length)
{
    return fwrite (data, 1, length, (FILE *) closure) == length?
           CAIRO_STATUS_SUCCESS: CAIRO_STATUS_WRITE_ERROR;
}

typedef void (s_kind_fn) (ml_pdf_doc_t *doc);

int
ml_render_pdf (const json_t *report, ml_render_kind_t kind, FILE *out)
{
    static s_kind_fn *const bodies [ML_RENDER_KINDS] = {
        [ML_RENDER_UNIT_ANNUAL] = ml_pdf_unit_annual,
        [ML_RENDER_ROLLUP] = ml_pdf_rollup,
        [ML_RENDER_CADRE] = ml_pdf_cadre,
        [ML_RENDER_BULLETIN] = ml_pdf_bulletin,
        [ML_RENDER_WATCHLIST] = ml_pdf_watchlist,
        [ML_RENDER_COMPLETENESS] = ml_pdf_completeness,
        [ML_RENDER_SUPERVISION] = ml_pdf_supervision,
    };
    static const char *const titles [ML_RENDER_KINDS] = {
        "直接联系群众工作单位年度报告", "直接联系群众工作全局汇总", "领导干部述职述廉附件：直接联系群众",
        "直接联系群众工作进度通报", "督查名单", "台账报送情况", "督查整改情况"
    };
    assert ((unsigned) kind < ML_RENDER_KINDS);
    if (!bodies [kind])
        return ML_EINVAL;              //  a kind with no body: refused, never a NULL call
    ml_pdf_doc_t doc = { .report = report, .kind = kind };
    doc.issuer = ml_render_or (ml_render_str (report, "issuer"), s_issuer [0]? s_issuer: s_default_issuer);
    if (ml_render_digest (report, doc.digest))
        return ML_ENOMEM;
    s_number (&doc);
    s_footer_text (&doc, doc.footer, sizeof doc.footer);
    char date [32], title [600];
    s_doc_date (report, date, sizeof date);
    snprintf (title, sizeof title, "%.400s %s", doc.number, titles [kind]);
    cairo_surface_t *surface = cairo_pdf_surface_create_for_stream (s_write, out, ML_PDF_PAGE_W, ML_PDF_PAGE_H);
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_AUTHOR, doc.issuer);
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_SUBJECT, doc.digest);
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "massline " ML_VERSION);
    //  a sealed document's id, where `massline report verify` finds it (client_chain.c)
    const char *sealed = ml_render_str (json_object_get (report, "document"), "id");
    char keywords [200];
    snprintf (keywords, sizeof keywords, ML_DOCUMENT_MARK "%.150s", sealed? sealed: "");
    if (sealed)
        cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_KEYWORDS, keywords);
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_MOD_DATE, date);
    doc.cr = cairo_create (surface);
    doc.pango = pango_cairo_create_context (doc.cr);
    pango_cairo_context_set_resolution (doc.pango, 72);     //  font sizes in points
    ml_pdf_fonts_load (&doc);
    //  Twice: the first pass only measures, so that every page can say how many there are.
    for (doc.draw = 0; doc.draw < 2; doc.draw++) {
        doc.page = 1;
        doc.y = ML_PDF_TOP;
        doc.table = NULL;
        bodies [kind] (&doc);
        s_signature (&doc);
        doc.pages = doc.page;
    }
    ml_pdf_footer (&doc);
    cairo_show_page (doc.cr);
    ml_pdf_fonts_free (&doc);
    g_object_unref (doc.pango);
    cairo_destroy (doc.cr);
    cairo_surface_finish (surface);
    cairo_status_t status = cairo_surface_status (surface);
    cairo_surface_destroy (surface);
    return status == CAIRO_STATUS_SUCCESS? 0: ML_ENOMEM;
}
