/* ml_render_pdf_parts.c -- the building blocks of the PDF documents: what the report's fields
   say in Chinese, the red head, info rows and the standard tables (ml_render_pdf_parts.h). */
#include <stdio.h>
#include <string.h>

#include "ml_render.h"
#include "ml_render_pdf_parts.h"

//  "2025-12-31" as "2025年12月31日"; anything else as is.
const char *
ml_pdf_cn_date (const char *iso, char *buf, size_t size)
{
    int year, month, day;
    if (!iso || sscanf (iso, "%4d-%2d-%2d", &year, &month, &day) != 3)
        return ml_render_or (iso, "");
    snprintf (buf, size, "%d年%d月%d日", year, month, day);
    return buf;
}

//  A label without its English gloss ("信访事项 Petitions" -> "信访事项").
static const char *
s_zh (const char *label, char *buf, size_t size)
{
    const char *space = strstr (label, " ");
    if (!space || !((space [1] >= 'A' && space [1] <= 'Z') || (space [1] >= 'a' && space [1] <= 'z')))
        return label;
    snprintf (buf, size, "%.*s", (int) (space - label), label);
    return buf;
}

//  The report's year as text in BUF ("2025"), or its period's year for a bulletin; "" if none.
const char *
ml_pdf_year (const json_t *report, char *buf, size_t size)
{
    char number [32];
    const char *year = ml_render_value (json_object_get (report, "year"), number, sizeof number, NULL);
    const char *period = ml_render_str (report, "period");
    snprintf (buf, size, "%.4s", year? year: period? period: "");
    return buf;
}

//  The document's version: its submission's, else 1.
json_int_t
ml_pdf_version (const json_t *report)
{
    json_int_t version = ml_render_int (json_object_get (report, "submission"), "version");
    return version > 0? version: 1;
}

//  The period the report covers: "2025年1月1日至2025年12月31日".
const char *
ml_pdf_period (const json_t *report, char *buf, size_t size)
{
    char from [64], to [64], iso_from [32], iso_to [32], year [32];
    const char *start = ml_render_str (report, "from"), *end = ml_render_str (report, "to");
    if (!start) {
        snprintf (iso_from, sizeof iso_from, "%.4s-01-01", ml_pdf_year (report, year, sizeof year));
        start = iso_from;
    }
    if (!end) {
        const char *as_of = ml_render_str (report, "as_of");
        snprintf (iso_to, sizeof iso_to, "%.4s-12-31", ml_pdf_year (report, year, sizeof year));
        end = as_of && strcmp (as_of, iso_to) < 0? as_of: iso_to;
    }
    snprintf (buf, size, "%s至%s", ml_pdf_cn_date (start, from, sizeof from), ml_pdf_cn_date (end, to, sizeof to));
    return buf;
}

//  "张建国（P001）" for person ID of the report (WITH_ID 0: "张建国"), or ID alone; "" for NULL.
const char *
ml_pdf_person_name (const json_t *report, const char *id, int with_id, char *buf, size_t size)
{
    if (!id)
        return "";
    size_t index;
    json_t *person;
    json_array_foreach (json_object_get (report, "persons"), index, person)
        if (ml_render_str (person, "person") && strcmp (ml_render_str (person, "person"), id) == 0
        &&  ml_render_str (person, "name")) {
            snprintf (buf, size, with_id? "%s（%s）": "%s", ml_render_str (person, "name"), id);
            return buf;
        }
    json_t *one = json_object_get (report, "person");
    if (ml_render_str (one, "person") && strcmp (ml_render_str (one, "person"), id) == 0
    &&  ml_render_str (one, "name")) {
        snprintf (buf, size, with_id? "%s（%s）": "%s", ml_render_str (one, "name"), id);
        return buf;
    }
    return id;
}

const char *
ml_pdf_state_label (const char *state)
{
    static const char *const labels [][2] = {
        { "draft", "草稿" }, { "submitted", "已报送" }, { "returned", "已退回" },
        { "accepted", "已审核通过" }
    };
    for (size_t i = 0; state && i < sizeof labels / sizeof labels [0]; i++)
        if (strcmp (labels [i][0], state) == 0)
            return labels [i][1];
    return ml_render_or (state, "未报送");
}

//  The red head: issuing body, document number, a red rule; then the title and subtitle.
void
ml_pdf_head (ml_pdf_doc_t *doc, const char *title, const char *subtitle)
{
    PangoLayout *layout = ml_pdf_layout (doc, F_ISSUER, doc->issuer, ML_PDF_WIDTH, PANGO_ALIGN_CENTER);
    PangoAttrList *attrs = pango_attr_list_new ();
    pango_attr_list_insert (attrs, pango_attr_letter_spacing_new (2 * PANGO_SCALE));
    pango_layout_set_attributes (layout, attrs);
    pango_attr_list_unref (attrs);
    doc->y += 8;
    ml_pdf_show (doc, layout, ML_PDF_LEFT, doc->y, C_RED);
    doc->y += ml_pdf_height (layout) + 10;
    g_object_unref (layout);
    ml_pdf_para (doc, F_TEXT, C_INK, PANGO_ALIGN_CENTER, doc->number, 4);
    if (doc->draw) {
        cairo_set_source_rgb (doc->cr, ml_pdf_rgb [C_RED][0], ml_pdf_rgb [C_RED][1], ml_pdf_rgb [C_RED][2]);
        cairo_rectangle (doc->cr, ML_PDF_LEFT, doc->y, ML_PDF_WIDTH, 1.8);
        cairo_fill (doc->cr);
    }
    doc->y += 18;
    ml_pdf_para (doc, F_TITLE, C_INK, PANGO_ALIGN_CENTER, title, 4);
    if (subtitle)
        ml_pdf_para (doc, F_TEXT, C_INK, PANGO_ALIGN_CENTER, subtitle, 10);
}

//  Label/value rows (ROWS: label, value, label, value; a NULL label ends): two pairs to a
//  row, or one spanning it when the second label is "".
void
ml_pdf_info (ml_pdf_doc_t *doc, const char *const *rows)
{
    static const ml_pdf_col_t cols [] = {
        { "", 64, PANGO_ALIGN_CENTER }, { "", 0, PANGO_ALIGN_LEFT },
        { "", 64, PANGO_ALIGN_CENTER }, { "", 0, PANGO_ALIGN_LEFT }
    };
    ml_pdf_table_t two, one;
    ml_pdf_table_init (&two, cols, 4, 0);
    ml_pdf_table_init (&one, cols, 2, 0);
    for (int i = 0; rows [i]; i += 4) {
        ml_pdf_cell_t cells [4] = {
            { rows [i], C_INK, strlen (rows [i]) }, { rows [i + 1], C_INK, 0 },
            { rows [i + 2], C_INK, strlen (rows [i + 2]) }, { rows [i + 3], C_INK, 0 }
        };
        ml_pdf_row (doc, rows [i + 2][0]? &two: &one, cells, rows [i + 2][0]? 4: 2, F_BODY, 0.97, 0);
    }
    doc->y += 10;
}

//  The headline figures: [count label,] checked, met, unmet, warnings, rate.
void
ml_pdf_kpis (ml_pdf_doc_t *doc, const json_t *summary, const char *count_label, json_int_t count)
{
    static const ml_pdf_col_t cols [] = {
        { "", 0, PANGO_ALIGN_CENTER }, { "检查项", 0, PANGO_ALIGN_CENTER },
        { "达标", 0, PANGO_ALIGN_CENTER }, { "未达标", 0, PANGO_ALIGN_CENTER },
        { "提醒", 0, PANGO_ALIGN_CENTER }, { "达标率", 0, PANGO_ALIGN_CENTER }
    };
    ml_pdf_col_t mine [6];
    memcpy (mine, cols, sizeof mine);
    mine [0].title = count_label;
    int first = count_label? 0: 1;
    ml_pdf_table_t table;
    ml_pdf_table_init (&table, mine + first, 6 - first, 1);
    char text [6][32];
    snprintf (text [0], sizeof text [0], "%" JSON_INTEGER_FORMAT, count);
    snprintf (text [1], sizeof text [1], "%" JSON_INTEGER_FORMAT, ml_render_int (summary, "rules_checked"));
    snprintf (text [2], sizeof text [2], "%" JSON_INTEGER_FORMAT, ml_render_int (summary, "met"));
    snprintf (text [3], sizeof text [3], "%" JSON_INTEGER_FORMAT, ml_render_int (summary, "unmet"));
    snprintf (text [4], sizeof text [4], "%" JSON_INTEGER_FORMAT, ml_render_int (summary, "warnings"));
    const char *rate = ml_render_pct (ml_render_ratio (summary), text [5], sizeof text [5], "-");
    ml_pdf_cell_t cells [6];
    for (int i = 0; i < 6; i++)
        cells [i] = (ml_pdf_cell_t) { i == 5? rate: text [i], i == 3 && ml_render_int (summary, "unmet") > 0? C_RED: C_INK, 0 };
    ml_pdf_table_begin (doc, &table);
    ml_pdf_row (doc, &table, cells + first, 6 - first, F_BOLD, 0, 0);
    ml_pdf_table_end (doc);
}

//  Per system: checked, met, unmet, warnings, rate.
void
ml_pdf_systems (ml_pdf_doc_t *doc, const json_t *systems)
{
    static const ml_pdf_col_t cols [] = {
        { "制度", 0, PANGO_ALIGN_LEFT }, { "检查", 48, PANGO_ALIGN_RIGHT },
        { "达标", 48, PANGO_ALIGN_RIGHT }, { "未达标", 48, PANGO_ALIGN_RIGHT },
        { "提醒", 48, PANGO_ALIGN_RIGHT }, { "达标率", 56, PANGO_ALIGN_RIGHT }
    };
    ml_pdf_table_t table;
    ml_pdf_table_init (&table, cols, 6, 1);
    ml_pdf_table_begin (doc, &table);
    size_t index;
    json_t *entry;
    json_array_foreach (systems, index, entry) {
        json_int_t number = ml_render_int (entry, "system");
        char text [6][160];
        snprintf (text [0], sizeof text [0], "%" JSON_INTEGER_FORMAT ". %s", number,
                  ml_render_or (ml_render_str (entry, "name"),
                  number >= 1 && number <= ML_RENDER_SYSTEMS? ml_render_system_long [number]: "-"));
        const char *keys [] = { "checked", "met", "unmet", "warnings" };
        for (int i = 0; i < 4; i++)
            snprintf (text [i + 1], sizeof text [i + 1], "%" JSON_INTEGER_FORMAT, ml_render_int (entry, keys [i]));
        const char *rate = ml_render_pct (ml_render_ratio (entry), text [5], sizeof text [5], "-");
        ml_pdf_cell_t cells [6];
        for (int i = 0; i < 6; i++)
            cells [i] = (ml_pdf_cell_t) { i == 5? rate: text [i], i == 3 && ml_render_int (entry, "unmet") > 0? C_RED: C_INK, 0 };
        ml_pdf_row (doc, &table, cells, 6, F_BODY, 0, 0);
    }
    ml_pdf_table_end (doc);
}

static const ml_pdf_col_t s_rule_cols [] = {
    { "规则", 40, PANGO_ALIGN_CENTER }, { "内容", 0, PANGO_ALIGN_LEFT },
    { "要求", 40, PANGO_ALIGN_RIGHT }, { "实际", 40, PANGO_ALIGN_RIGHT },
    { "结果", 46, PANGO_ALIGN_CENTER }, { "未完成期间", 112, PANGO_ALIGN_LEFT }
};

static ml_pdf_color_t
s_status_color (const char *status)
{
    if (!status)
        return C_INK;
    if (strcmp (status, "unmet") == 0)
        return C_RED;
    if (strcmp (status, "warning") == 0)
        return C_AMBER;
    if (strcmp (status, "met") == 0)
        return C_GREEN;
    return C_GREY;
}

//  The rows of a rules table (its header is the caller's).
static void
s_rule_rows (ml_pdf_doc_t *doc, const ml_pdf_table_t *table, const json_t *rules)
{
    size_t index;
    json_t *rule;
    json_array_foreach (rules, index, rule) {
        char required [64], actual [64], missed [2048];
        const char *status = ml_render_str (rule, "status");
        ml_pdf_cell_t cells [6] = {
            { ml_render_or (ml_render_str (rule, "rule"), "-"), C_INK, 0 },
            { ml_render_or (ml_render_str (rule, "text"), ""), C_INK, 0 },
            { ml_render_required (rule, required, sizeof required, "-"), C_INK, 0 },
            { ml_render_value (json_object_get (rule, "actual"), actual, sizeof actual, "-"), C_INK, 0 },
            { ml_render_status_label (status), s_status_color (status), 0 },
            { ml_render_rule_note (rule, missed, sizeof missed), C_INK, 0 }
        };
        ml_pdf_row (doc, table, cells, 6, F_BODY, 0, 0);
    }
}

void
ml_pdf_rules (ml_pdf_doc_t *doc, const json_t *rules)
{
    ml_pdf_table_t table;
    ml_pdf_table_init (&table, s_rule_cols, 6, 1);
    ml_pdf_table_begin (doc, &table);
    s_rule_rows (doc, &table, rules);
    ml_pdf_table_end (doc);
}

//  "调研天数 62　驻点天数 6": metrics with a Chinese label (unknown keys are left out).
const char *
ml_pdf_metrics_text (const json_t *metrics, char *buf, size_t size)
{
    const char *key;
    json_t *value;
    size_t len = 0;
    buf [0] = 0;
    json_object_foreach ((json_t *) metrics, key, value) {
        char number [64];
        const char *label = ml_render_metric_label (key);
        if (label == key || len >= size)
            continue;
        int n = snprintf (buf + len, size - len, "%s%s %s", len? "　": "", label,
                          ml_render_value (value, number, sizeof number, "-"));
        if (n < 0 || (size_t) n >= size - len) {
            buf [len] = 0;
            break;
        }
        len += (size_t) n;
    }
    return buf;
}

//  Counts of a person's rules by status: met, unmet, warning, and the rules not met ("1.3b、4.1a").
static void
s_person_counts (const json_t *rules, json_int_t counts [4], char *open, size_t size)
{
    static const char *const statuses [] = { "met", "unmet", "warning" };
    size_t index, len = 0;
    json_t *rule;
    counts [0] = counts [1] = counts [2] = counts [3] = 0;
    open [0] = 0;
    json_array_foreach (rules, index, rule) {
        const char *status = ml_render_or (ml_render_str (rule, "status"), "");
        counts [3]++;
        for (int i = 0; i < 3; i++)
            if (strcmp (status, statuses [i]) == 0) {
                counts [i]++;
                if (i > 0 && ml_render_str (rule, "rule") && len + 80 < size)
                    len += (size_t) snprintf (open + len, size - len, "%s%s", len? "、": "",
                                              ml_render_str (rule, "rule"));
            }
    }
}

//  The persons of a unit-annual report, one row each.
void
ml_pdf_persons (ml_pdf_doc_t *doc, const json_t *persons)
{
    static const ml_pdf_col_t cols [] = {
        { "序号", 26, PANGO_ALIGN_CENTER }, { "姓名", 52, PANGO_ALIGN_LEFT },
        { "编号", 36, PANGO_ALIGN_CENTER }, { "职务", 0, PANGO_ALIGN_LEFT },
        { "所在组织", 64, PANGO_ALIGN_LEFT }, { "检查", 30, PANGO_ALIGN_RIGHT },
        { "达标", 30, PANGO_ALIGN_RIGHT }, { "未达标", 34, PANGO_ALIGN_RIGHT },
        { "提醒", 30, PANGO_ALIGN_RIGHT }, { "未达标及提醒项", 96, PANGO_ALIGN_LEFT }
    };
    ml_pdf_table_t table;
    ml_pdf_table_init (&table, cols, 10, 1);
    ml_pdf_table_begin (doc, &table);
    size_t index;
    json_t *person;
    json_array_foreach (persons, index, person) {
        char text [6][32], roles [512], open [1024], org [512];
        json_int_t counts [4];
        s_person_counts (json_object_get (person, "rules"), counts, open, sizeof open);
        snprintf (text [0], sizeof text [0], "%zu", index + 1);
        snprintf (text [1], sizeof text [1], "%" JSON_INTEGER_FORMAT, counts [3]);
        for (int i = 0; i < 3; i++)
            snprintf (text [i + 2], sizeof text [i + 2], "%" JSON_INTEGER_FORMAT, counts [i]);
        ml_pdf_cell_t cells [10] = {
            { text [0], C_INK, 0 },
            { ml_render_or (ml_render_str (person, "name"), "-"), C_INK, 0 },
            { ml_render_or (ml_render_str (person, "person"), "-"), C_INK, 0 },
            { ml_render_roles (json_object_get (person, "roles"), roles, sizeof roles), C_INK, 0 },
            { ml_render_or (ml_render_org (person, org, sizeof org), "-"), C_INK, 0 },
            { text [1], C_INK, 0 }, { text [2], C_INK, 0 },
            { text [3], counts [1] > 0? C_RED: C_INK, 0 }, { text [4], C_INK, 0 },
            { open, counts [1] > 0? C_RED: C_INK, 0 }
        };
        ml_pdf_row (doc, &table, cells, 10, F_BODY, 0, 0);
    }
    ml_pdf_table_end (doc);
}

//  Every person's every rule: one table, a shaded row per person (name, roles, metrics).
void
ml_pdf_person_rules (ml_pdf_doc_t *doc, const json_t *persons)
{
    ml_pdf_table_t table;
    ml_pdf_table_init (&table, s_rule_cols, 6, 1);
    ml_pdf_table_begin (doc, &table);
    size_t index;
    json_t *person;
    json_array_foreach (persons, index, person) {
        char line [4096], roles [512], metrics [2048], org [512];
        int bold = snprintf (line, sizeof line, "%s（%s）", ml_render_or (ml_render_str (person, "name"), "-"),
                             ml_render_or (ml_render_str (person, "person"), "-"));
        size_t len = strlen (line);
        const char *org_text = ml_render_org (person, org, sizeof org);
        snprintf (line + len, sizeof line - len, "　%s%s%s", ml_render_roles (json_object_get (person, "roles"), roles, sizeof roles),
                  org_text? "　": "", ml_render_or (org_text, ""));
        ml_pdf_metrics_text (json_object_get (person, "metrics"), metrics, sizeof metrics);
        if (metrics [0]) {
            len = strlen (line);
            snprintf (line + len, sizeof line - len, "\n工作量：%s", metrics);
        }
        ml_pdf_cell_t cell = { line, C_INK, bold > 0 && (size_t) bold < sizeof line? (size_t) bold: 0 };
        ml_pdf_row (doc, &table, &cell, 1, F_BODY, 0.95, 40);
        s_rule_rows (doc, &table, json_object_get (person, "rules"));
    }
    ml_pdf_table_end (doc);
}

void
ml_pdf_cases (ml_pdf_doc_t *doc, const json_t *cases)
{
    static const ml_pdf_col_t cols [] = {
        { "事项", 110, PANGO_ALIGN_LEFT }, { "办理情况", 0, PANGO_ALIGN_LEFT }
    };
    ml_pdf_table_t table;
    ml_pdf_table_init (&table, cols, 2, 1);
    ml_pdf_table_begin (doc, &table);
    const char *kind, *key;
    json_t *counts, *value;
    json_object_foreach ((json_t *) cases, kind, counts) {
        char name [128], line [1024] = "", label [128], number [64];
        size_t len = 0;
        json_object_foreach (counts, key, value)
            if (len + 160 < sizeof line)
                len += (size_t) snprintf (line + len, sizeof line - len, "%s%s %s", len? "　": "",
                                          s_zh (ml_render_case_label (key), label, sizeof label),
                                          ml_render_value (value, number, sizeof number, "-"));
        ml_pdf_cell_t cells [2] = {
            { s_zh (ml_render_case_label (kind), name, sizeof name), C_INK, 0 }, { line, C_INK, 0 }
        };
        ml_pdf_row (doc, &table, cells, 2, F_BODY, 0, 0);
    }
    ml_pdf_table_end (doc);
}

//  Units x systems ("met/checked"), unmet and rate; RANKED adds the rank (bulletin).
void
ml_pdf_units (ml_pdf_doc_t *doc, const json_t *units, int ranked)
{
    ml_pdf_col_t cols [ML_PDF_MAX_COLS];
    int n = 0;
    if (ranked)
        cols [n++] = (ml_pdf_col_t) { "名次", 24, PANGO_ALIGN_CENTER };
    cols [n++] = (ml_pdf_col_t) { "单位", 0, PANGO_ALIGN_LEFT };
    if (!ranked)
        cols [n++] = (ml_pdf_col_t) { "人数", 24, PANGO_ALIGN_RIGHT };
    for (int number = 1; number <= ML_RENDER_SYSTEMS; number++)
        cols [n++] = (ml_pdf_col_t) { ml_render_system_short [number], 40, PANGO_ALIGN_CENTER };
    cols [n++] = (ml_pdf_col_t) { "未达标", 30, PANGO_ALIGN_RIGHT };
    cols [n++] = (ml_pdf_col_t) { "达标率", 38, PANGO_ALIGN_RIGHT };
    ml_pdf_table_t table;
    ml_pdf_table_init (&table, cols, n, 1);
    ml_pdf_table_begin (doc, &table);
    size_t index;
    json_t *unit;
    json_array_foreach (units, index, unit) {
        json_t *systems = json_object_get (unit, "systems");
        int lag = ml_render_lagging (unit);
        char text [ML_PDF_MAX_COLS][160];
        ml_pdf_cell_t cells [ML_PDF_MAX_COLS];
        int c = 0;
        if (ranked) {
            snprintf (text [c], sizeof text [c], "%" JSON_INTEGER_FORMAT, ml_render_int (unit, "rank"));
            cells [c] = (ml_pdf_cell_t) { text [c], C_INK, 0 }, c++;
        }
        snprintf (text [c], sizeof text [c], "%s%s", lag? ML_RENDER_LAG_MARK " ": "",
                  ml_render_or (ml_render_str (unit, "unit_name"), ml_render_or (ml_render_str (unit, "unit"), "-")));
        cells [c] = (ml_pdf_cell_t) { text [c], lag? C_RED: C_INK, 0 }, c++;
        if (!ranked) {
            snprintf (text [c], sizeof text [c], "%" JSON_INTEGER_FORMAT, ml_render_int (unit, "persons"));
            cells [c] = (ml_pdf_cell_t) { text [c], C_INK, 0 }, c++;
        }
        for (int number = 1; number <= ML_RENDER_SYSTEMS; number++) {
            double ratio = ml_render_ratio (ml_render_system (systems, number));
            cells [c] = (ml_pdf_cell_t) { ml_render_system_cell (systems, number, text [c], sizeof text [c]),
                                     ratio >= 0 && ratio < ML_RENDER_LAG_BELOW? C_RED: C_INK, 0 };
            c++;
        }
        snprintf (text [c], sizeof text [c], "%" JSON_INTEGER_FORMAT,
                  ml_render_int (json_object_get (unit, "summary"), "unmet"));
        cells [c] = (ml_pdf_cell_t) { text [c], C_INK, 0 }, c++;
        cells [c] = (ml_pdf_cell_t) { ml_render_pct (ml_render_compliance (unit), text [c], sizeof text [c], ml_render_unit_dash (unit)),
                                 lag? C_RED: C_INK, 0 }, c++;
        ml_pdf_row (doc, &table, cells, c, F_NARROW, 0, 0);
    }
    ml_pdf_table_end (doc);
    char note [256];
    snprintf (note, sizeof note, "注：各制度列为“达标/检查”；" ML_RENDER_LAG_MARK " 达标率低于 %.0f%%，需重点关注；"
              "红字为达标率低于 %.0f%% 的制度。", ML_RENDER_LAG_BELOW * 100, ML_RENDER_LAG_BELOW * 100);
    doc->y -= 4;
    ml_pdf_para (doc, F_SMALL, C_GREY, PANGO_ALIGN_LEFT, note, 8);
}

