/* ml_render_shared.h -- what the format renderers share (private to collector/client/): the
   report kinds, one entry point per format, the Chinese labels, and readers of report values.
   ml_render.c checks a report, picks its kind and calls the format's entry point. */
#ifndef ML_RENDER_SHARED_H
#define ML_RENDER_SHARED_H

#include <jansson.h>
#include <stdio.h>

#define ML_RENDER_SYSTEMS 8         //  the regulation's systems, numbered 1..8
#define ML_RENDER_LAG_BELOW 0.80    //  units with compliance below this get the lag mark
#define ML_RENDER_LAG_MARK "▲"

//  The report kinds, by their "report" value.
typedef enum {
    ML_RENDER_UNIT_ANNUAL,          //  "unit-annual": "persons", an array of objects
    ML_RENDER_ROLLUP,               //  "rollup": "units", an array of objects
    ML_RENDER_CADRE,                //  "cadre": "person", an object
    ML_RENDER_BULLETIN,             //  "bulletin": "units", an array of objects
    ML_RENDER_WATCHLIST,            //  "watchlist": "rows", an array of objects
    ML_RENDER_COMPLETENESS,         //  "completeness": "units" (ml_render_completeness.c)
    ML_RENDER_SUPERVISION,          //  "supervision": "rows" (ml_render_supervision.c)
    ML_RENDER_KINDS                 //  how many
} ml_render_kind_t;

//  ---------------------------------------------------------------------------
//  One entry point per format, one file each (ml_render_FORMAT.c). Each writes REPORT, a
//  report of KIND whose member (above) ml_render.c has checked, to OUT, a memory stream.
//  Return 0 or ML_ENOMEM. A new format (pdf: ml_render_pdf.c) adds its entry point here.

int ml_render_text (const json_t *report, ml_render_kind_t kind, FILE *out);
int ml_render_csv (const json_t *report, ml_render_kind_t kind, FILE *out);
int ml_render_html (const json_t *report, ml_render_kind_t kind, FILE *out);
int ml_render_pdf (const json_t *report, ml_render_kind_t kind, FILE *out);

//  The completeness report in text, csv or html (all formats in one file: it is one table).
#include "ml_render.h"
int ml_render_completeness (const json_t *report, ml_format_t format, FILE *out);

//  The supervision report (rectification, S.3) in text, csv or html; its PDF is in
//  ml_render_pdf.c. A row's state as a Chinese label ("逾期未整改"), and its talks as one line
//  "2025-02-01 王书记；..." in BUF.
int ml_render_supervision (const json_t *report, ml_format_t format, FILE *out);
const char *ml_render_supervision_state (const char *state);
const char *ml_render_supervision_talks (const json_t *row, char *buf, size_t size);

//  ---------------------------------------------------------------------------
//  Labels: Chinese names of what reports carry

//  Short names of the systems (chart axes, CSV headers) and full names (for when a report
//  does not carry them), indexed 1..ML_RENDER_SYSTEMS; [0] is NULL.
extern const char *const ml_render_system_short [ML_RENDER_SYSTEMS + 1];
extern const char *const ml_render_system_long [ML_RENDER_SYSTEMS + 1];

//  The label of a rule status ("met"), severity ("violation"), metric ("talks") or case
//  count ("petitions", "overdue"): the key itself when unknown, "-" when the key is NULL.
//  One table each, for every format: a value a report carries is never shown in English.
const char *ml_render_status_label (const char *status);
const char *ml_render_severity_label (const char *severity);
const char *ml_render_metric_label (const char *metric);
const char *ml_render_case_label (const char *key);

//  The system (1..ML_RENDER_SYSTEMS) METRIC belongs to; 0 when unknown.
int ml_render_metric_system (const char *metric);

//  ---------------------------------------------------------------------------
//  Reading report values. OBJ may be anything (NULL, not an object): a missing or mistyped
//  value gives the fallback, never a failure. Returned strings are borrowed from the report
//  or written into the caller's BUF.

//  The string value of KEY in OBJ, or NULL.
const char *ml_render_str (const json_t *obj, const char *key);

//  STR, or FALLBACK when STR is NULL.
const char *ml_render_or (const char *str, const char *fallback);

//  Integer value of KEY in OBJ (a real is truncated); 0 when absent or not a number.
json_int_t ml_render_int (const json_t *obj, const char *key);

//  Formats VALUE (a number, string or bool) into BUF and returns it; returns MISSING
//  for anything else. Reals get at most two decimals; bools are 是/否.
const char *ml_render_value (const json_t *value, char *buf, size_t size, const char *missing);

//  A rule's requirement: "60", or "5-7" when it has a maximum; MISSING when it has none.
const char *ml_render_required (const json_t *rule, char *buf, size_t size, const char *missing);

//  Roles ("main_leader", or {"role": ...}) as labels joined with "、"; "-" when none.
const char *ml_render_roles (const json_t *roles, char *buf, size_t size);

//  A person's party organisation: "内科党支部 (B01)" from "org_name" and "org", the code alone
//  when the report carries no name; NULL when the person has no organisation.
const char *ml_render_org (const json_t *person, char *buf, size_t size);

//  One missed period for a reader: months as is, half-months "2025-03-a" as "2025-03上".
const char *ml_render_period (const char *period, char *buf, size_t size);

//  Missed periods (an array of strings) joined with "、"; "" when none.
const char *ml_render_missed (const json_t *missed, char *buf, size_t size);

//  An exemption's reason and the failing cases of a rule entry ("" when none), and the missed
//  periods followed by those: the notes column of every format.
//  True when a unit (a rollup/bulletin entry or a unit-annual report) is "status": "no_data"
//  (rules.md V5, P11); its compliance is then -1, and the dash of its rate cells 无数据.
int ml_render_no_data (const json_t *unit);
const char *ml_render_unit_dash (const json_t *unit);

const char *ml_render_rule_extra (const json_t *rule, char *buf, size_t size);
const char *ml_render_rule_note (const json_t *rule, char *buf, size_t size);

//  met / (met + unmet) of a summary or system entry; -1 when nothing was met or unmet.
double ml_render_ratio (const json_t *counts);

//  A unit's compliance: its "compliance" key, else computed from its summary (1 when empty).
double ml_render_compliance (const json_t *unit);

//  Whether UNIT's compliance is below ML_RENDER_LAG_BELOW.
int ml_render_lagging (const json_t *unit);

//  "93.3%" (tenths rounded half up), or MISSING for a negative ratio (nothing checked). Every
//  percentage of every format, charts included, is written by it.
const char *ml_render_pct (double ratio, char *buf, size_t size, const char *missing);

//  The entry for system NUMBER in a "systems" array, or NULL.
const json_t *ml_render_system (const json_t *systems, int number);

//  "met/checked" of system NUMBER, or "-" when it had nothing checked.
const char *ml_render_system_cell (const json_t *systems, int number, char *buf, size_t size);

//  Per-system counts of a list of rule entries, shaped like unit-annual "systems" (all
//  eight), for the cadre report, whose person carries only rules. A new array (caller decrefs).
json_t *ml_render_systems_of_rules (const json_t *rules);

//  Totals of a "systems" array, shaped like a report "summary". A new object (caller decrefs).
json_t *ml_render_summary_of_systems (const json_t *systems);

//  Writes S (nothing when NULL) to OUT with < > & " escaped, for the element content of the
//  one-file reports' HTML (completeness, supervision).
void ml_render_html_text (FILE *out, const char *s);

#endif
