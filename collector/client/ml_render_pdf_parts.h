/* ml_render_pdf_parts.h -- the building blocks the PDF documents are made of (private to
   collector/client/): the report's dates, period, year and names in Chinese, the red head, the
   info rows, the headline figures and the tables of systems, rules, persons, cases and units.
   ml_render_pdf_reports.c puts them together into documents; ml_render_pdf.c adds the number,
   the signature and the footers. Built on ml_render_pdf_page.c alone. */
#ifndef ML_RENDER_PDF_PARTS_H
#define ML_RENDER_PDF_PARTS_H

#include "ml_render_pdf_page.h"

//  "2025-12-31" as "2025年12月31日"; anything else as is.
const char *ml_pdf_cn_date (const char *iso, char *buf, size_t size);

//  The report's year as text in BUF ("2025"), or its period's year for a bulletin; "" if none.
const char *ml_pdf_year (const json_t *report, char *buf, size_t size);

//  The document's version: its submission's, else 1.
json_int_t ml_pdf_version (const json_t *report);

//  The period the report covers: "2025年1月1日至2025年12月31日".
const char *ml_pdf_period (const json_t *report, char *buf, size_t size);

//  "张建国（P001）" for person ID of the report (WITH_ID 0: "张建国"), or ID alone; "" for NULL.
const char *ml_pdf_person_name (const json_t *report, const char *id, int with_id, char *buf, size_t size);

//  A submission state in Chinese ("accepted" -> "已审核通过"); "未报送" for NULL.
const char *ml_pdf_state_label (const char *state);

//  The red head: issuing body, document number, a red rule; then the title and subtitle.
void ml_pdf_head (ml_pdf_doc_t *doc, const char *title, const char *subtitle);

//  Label/value rows (ROWS: label, value, label, value; a NULL label ends): two pairs to a
//  row, or one spanning it when the second label is "".
void ml_pdf_info (ml_pdf_doc_t *doc, const char *const *rows);

//  The headline figures: [count label,] checked, met, unmet, warnings, rate.
void ml_pdf_kpis (ml_pdf_doc_t *doc, const json_t *summary, const char *count_label, json_int_t count);

//  Per system: checked, met, unmet, warnings, rate.
void ml_pdf_systems (ml_pdf_doc_t *doc, const json_t *systems);

//  A rules table (rule, content, status, actual, required), header included.
void ml_pdf_rules (ml_pdf_doc_t *doc, const json_t *rules);

//  "调研天数 62　驻点天数 6": metrics with a Chinese label (unknown keys are left out).
const char *ml_pdf_metrics_text (const json_t *metrics, char *buf, size_t size);

//  The persons of a unit-annual report, one row each.
void ml_pdf_persons (ml_pdf_doc_t *doc, const json_t *persons);

//  Every person's every rule: one table, a shaded row per person (name, roles, metrics).
void ml_pdf_person_rules (ml_pdf_doc_t *doc, const json_t *persons);

//  The cases a unit handled, by kind.
void ml_pdf_cases (ml_pdf_doc_t *doc, const json_t *cases);

//  Units x systems ("met/checked"), unmet and rate; RANKED adds the rank (bulletin).
void ml_pdf_units (ml_pdf_doc_t *doc, const json_t *units, int ranked);

#endif
