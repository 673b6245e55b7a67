/* ml_render_pdf_reports.h -- the bodies of the PDF documents, one per report kind (private to
   collector/client/). ml_render_pdf.c calls them between the page set-up and the signature. */
#ifndef ML_RENDER_PDF_REPORTS_H
#define ML_RENDER_PDF_REPORTS_H

#include "ml_render_pdf_page.h"

//  Each draws the body of one kind of document on DOC: its head, info rows, sections and
//  tables (ml_render_pdf.c adds the signature block and footers).
void ml_pdf_unit_annual (ml_pdf_doc_t *doc);

void ml_pdf_cadre (ml_pdf_doc_t *doc);

void ml_pdf_rollup (ml_pdf_doc_t *doc);

void ml_pdf_bulletin (ml_pdf_doc_t *doc);

void ml_pdf_watchlist (ml_pdf_doc_t *doc);

//  Completeness and timeliness (issue 12): units x months, each month on time (✓), late (迟),
//  missing (✗) or not yet due (·), then the two rates. 15 columns: fits A4 portrait.
void ml_pdf_completeness (ml_pdf_doc_t *doc);

//  Rectification (S.3, V14): the counts, then one row per watch-list row.
void ml_pdf_supervision (ml_pdf_doc_t *doc);

#endif
