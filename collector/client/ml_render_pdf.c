/* ml_render_pdf.c -- reports as official A4 documents in PDF (cairo + pango, the Noto CJK fonts
   embedded): the issuing body in red, the document number, title, reporting unit and period,
   tables that continue over pages with their header repeated, the signature block with a place
   for the seal, and "第 n 页 共 m 页" with the document's digest on every page. The same report
   gives the same bytes: nothing comes from the clock (the PDF's dates are the report's). This
   file says what the documents say; ml_render_pdf_page.c lays it out on pages. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <sodium.h>

#include "ml_err.h"
#include "ml_render.h"
#include "ml_render_pdf_page.h"

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

//  =========================================================================
//  What the documents say
//  =========================================================================

//  "2025-12-31" as "2025年12月31日"; anything else as is.
static const char *
s_cn_date (const char *iso, char *buf, size_t size)
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
static const char *
s_year (const json_t *report, char *buf, size_t size)
{
    char number [32];
    const char *year = ml_render_value (json_object_get (report, "year"), number, sizeof number, NULL);
    const char *period = ml_render_str (report, "period");
    snprintf (buf, size, "%.4s", year? year: period? period: "");
    return buf;
}

//  The document's version: its submission's, else 1.
static json_int_t
s_version (const json_t *report)
{
    json_int_t version = ml_render_int (json_object_get (report, "submission"), "version");
    return version > 0? version: 1;
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
              s_prefix [0]? s_prefix: s_default_prefix, s_year (report, year, sizeof year),
              subject, s_version (report));
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
    snprintf (buf, size, "%.4s-12-31T00:00:00", s_year (report, text, sizeof text));
    if (strlen (buf) != 19)
        snprintf (buf, size, "2000-01-01T00:00:00");
}

//  The period the report covers: "2025年1月1日至2025年12月31日".
static const char *
s_period (const json_t *report, char *buf, size_t size)
{
    char from [64], to [64], iso_from [32], iso_to [32], year [32];
    const char *start = ml_render_str (report, "from"), *end = ml_render_str (report, "to");
    if (!start) {
        snprintf (iso_from, sizeof iso_from, "%.4s-01-01", s_year (report, year, sizeof year));
        start = iso_from;
    }
    if (!end) {
        const char *as_of = ml_render_str (report, "as_of");
        snprintf (iso_to, sizeof iso_to, "%.4s-12-31", s_year (report, year, sizeof year));
        end = as_of && strcmp (as_of, iso_to) < 0? as_of: iso_to;
    }
    snprintf (buf, size, "%s至%s", s_cn_date (start, from, sizeof from), s_cn_date (end, to, sizeof to));
    return buf;
}

//  "张建国（P001）" for person ID of the report (WITH_ID 0: "张建国"), or ID alone; "" for NULL.
static const char *
s_person_name (const json_t *report, const char *id, int with_id, char *buf, size_t size)
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

static const char *
s_state_label (const char *state)
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
static void
s_head (ml_pdf_doc_t *doc, const char *title, const char *subtitle)
{
    const char *issuer = ml_render_str (doc->report, "issuer");
    if (!issuer)
        issuer = s_issuer [0]? s_issuer: s_default_issuer;
    PangoLayout *layout = ml_pdf_layout (doc, F_ISSUER, issuer, ML_PDF_WIDTH, PANGO_ALIGN_CENTER);
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
static void
s_info (ml_pdf_doc_t *doc, const char *const *rows)
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
static void
s_kpis (ml_pdf_doc_t *doc, const json_t *summary, const char *count_label, json_int_t count)
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
static void
s_systems (ml_pdf_doc_t *doc, const json_t *systems)
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

static void
s_rules (ml_pdf_doc_t *doc, const json_t *rules)
{
    ml_pdf_table_t table;
    ml_pdf_table_init (&table, s_rule_cols, 6, 1);
    ml_pdf_table_begin (doc, &table);
    s_rule_rows (doc, &table, rules);
    ml_pdf_table_end (doc);
}

//  "调研天数 62　驻点天数 6": metrics with a Chinese label (unknown keys are left out).
static const char *
s_metrics_text (const json_t *metrics, char *buf, size_t size)
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
static void
s_persons (ml_pdf_doc_t *doc, const json_t *persons)
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
        char text [6][32], roles [512], open [1024];
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
            { ml_render_or (ml_render_str (person, "org"), "-"), C_INK, 0 },
            { text [1], C_INK, 0 }, { text [2], C_INK, 0 },
            { text [3], counts [1] > 0? C_RED: C_INK, 0 }, { text [4], C_INK, 0 },
            { open, counts [1] > 0? C_RED: C_INK, 0 }
        };
        ml_pdf_row (doc, &table, cells, 10, F_BODY, 0, 0);
    }
    ml_pdf_table_end (doc);
}

//  Every person's every rule: one table, a shaded row per person (name, roles, metrics).
static void
s_person_rules (ml_pdf_doc_t *doc, const json_t *persons)
{
    ml_pdf_table_t table;
    ml_pdf_table_init (&table, s_rule_cols, 6, 1);
    ml_pdf_table_begin (doc, &table);
    size_t index;
    json_t *person;
    json_array_foreach (persons, index, person) {
        char line [4096], roles [512], metrics [2048];
        int bold = snprintf (line, sizeof line, "%s（%s）", ml_render_or (ml_render_str (person, "name"), "-"),
                             ml_render_or (ml_render_str (person, "person"), "-"));
        size_t len = strlen (line);
        snprintf (line + len, sizeof line - len, "　%s%s%s", ml_render_roles (json_object_get (person, "roles"), roles, sizeof roles),
                  ml_render_str (person, "org")? "　": "", ml_render_or (ml_render_str (person, "org"), ""));
        s_metrics_text (json_object_get (person, "metrics"), metrics, sizeof metrics);
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

static void
s_cases (ml_pdf_doc_t *doc, const json_t *cases)
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
static void
s_units (ml_pdf_doc_t *doc, const json_t *units, int ranked)
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
                  s_person_name (doc->report, ml_render_str (submission, "filler"), 0, filler, sizeof filler), 155);
    s_sign_field (doc, ML_PDF_LEFT + 175, y + 14, "审核人：",
                  s_person_name (doc->report, ml_render_str (submission, "reviewer"), 0, reviewer, sizeof reviewer), 155);
    s_sign_field (doc, ML_PDF_LEFT, y + 64, "负责人：",
                  s_person_name (doc->report, ml_render_str (submission, "approver"), 0, approver, sizeof approver), 155);
    s_sign_field (doc, ML_PDF_LEFT + 175, y + 64, "日　期：", when? s_cn_date (when, date, sizeof date): "", 155);
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
//  The documents
//  =========================================================================

//  The info rows about a submission: state and version, and the bureau's decision.
static void
s_submission_text (const json_t *report, char *state, size_t ssize, char *decision, size_t dsize)
{
    const json_t *submission = json_object_get (report, "submission");
    snprintf (state, ssize, "%s（第 %" JSON_INTEGER_FORMAT " 版）",
              s_state_label (ml_render_str (submission, "state")), s_version (report));
    if (!submission)
        snprintf (state, ssize, "未报送");
    char date [64];
    const char *by = ml_render_str (submission, "decided_by"), *reason = ml_render_str (submission, "reason");
    decision [0] = 0;
    if (!by && !reason)
        return;
    snprintf (decision, dsize, "%s%s%s%s%s", ml_render_or (by, "-"),
              ml_render_str (submission, "decided_at")? "　": "",
              s_cn_date (ml_render_str (submission, "decided_at"), date, sizeof date),
              reason? "　理由：": "", ml_render_or (reason, ""));
}

static void
s_unit_annual (ml_pdf_doc_t *doc)
{
    const json_t *report = doc->report;
    json_t *persons = json_object_get (report, "persons");
    char unit [512], year [32], period [160], state [160], decision [1024], subtitle [64];
    int section = 0;
    snprintf (unit, sizeof unit, "%s（%s）", ml_render_or (ml_render_str (report, "unit_name"), "-"),
              ml_render_or (ml_render_str (report, "unit"), "-"));
    snprintf (subtitle, sizeof subtitle, "（%s年度）", s_year (report, year, sizeof year));
    s_submission_text (report, state, sizeof state, decision, sizeof decision);
    s_head (doc, "直接联系群众工作单位年度报告", subtitle);
    const char *info [] = {
        "报送单位", unit, "报告年度", year,
        "报告期间", s_period (report, period, sizeof period),
        ml_render_no_data (report)? "数据情况": "", ml_render_no_data (report)? "无数据（本年度无人员名册和党组织）": "",
        "报送状态", state, "规则版本", ml_render_or (ml_render_str (report, "rules_version"), "-"),
        decision [0]? "审核情况": NULL, decision, "", "", NULL
    };
    s_info (doc, info);
    s_kpis (doc, json_object_get (report, "summary"), "人数", (json_int_t) json_array_size (persons));
    if (json_array_size (json_object_get (report, "systems")) > 0) {
        ml_pdf_heading (doc, &section, "分制度达标情况");
        s_systems (doc, json_object_get (report, "systems"));
    }
    ml_pdf_heading (doc, &section, "人员履职情况");
    s_persons (doc, persons);
    ml_pdf_heading (doc, &section, "人员履职明细");
    s_person_rules (doc, persons);
    if (json_array_size (json_object_get (report, "unit_rules")) > 0) {
        ml_pdf_heading (doc, &section, "单位规则");
        s_rules (doc, json_object_get (report, "unit_rules"));
    }
    if (json_object_size (json_object_get (report, "cases")) > 0) {
        ml_pdf_heading (doc, &section, "案件办理");
        s_cases (doc, json_object_get (report, "cases"));
    }
}

static void
s_cadre (ml_pdf_doc_t *doc)
{
    const json_t *report = doc->report;
    json_t *person = json_object_get (report, "person");
    json_t *rules = json_object_get (person, "rules");
    char name [256], unit [512], roles [512], year [32], period [160], subtitle [64], metrics [2048];
    int section = 0;
    snprintf (name, sizeof name, "%s（%s）", ml_render_or (ml_render_str (person, "name"), "-"),
              ml_render_or (ml_render_str (person, "person"), "-"));
    snprintf (unit, sizeof unit, "%s（%s）", ml_render_or (ml_render_str (report, "unit_name"), "-"),
              ml_render_or (ml_render_str (report, "unit"), "-"));
    snprintf (subtitle, sizeof subtitle, "（%s年度）", s_year (report, year, sizeof year));
    s_head (doc, "领导干部述职述廉附件：直接联系群众", subtitle);
    const char *info [] = {
        "姓　　名", name, "职　　务", ml_render_roles (json_object_get (person, "roles"), roles, sizeof roles),
        "所在单位", unit, "所在组织", ml_render_or (ml_render_str (person, "org"), "-"),
        "报告期间", s_period (report, period, sizeof period), "", "",
        "报告年度", year, "规则版本", ml_render_or (ml_render_str (report, "rules_version"), "-"), NULL
    };
    s_info (doc, info);
    json_t *systems = ml_render_systems_of_rules (rules);
    json_t *summary = ml_render_summary_of_systems (systems);
    s_kpis (doc, summary, NULL, 0);
    ml_pdf_heading (doc, &section, "分制度达标情况");
    s_systems (doc, systems);
    if (s_metrics_text (json_object_get (person, "metrics"), metrics, sizeof metrics) [0]) {
        ml_pdf_heading (doc, &section, "工作量");
        ml_pdf_para (doc, F_TEXT, C_INK, PANGO_ALIGN_LEFT, metrics, 8);
    }
    ml_pdf_heading (doc, &section, "履职情况");
    s_rules (doc, rules);
    json_decref (summary);
    json_decref (systems);
}

//  Per-system totals over the units of a rollup.
static json_t *
s_sum_systems (const json_t *units)
{
    json_t *systems = json_array ();
    for (int number = 1; number <= ML_RENDER_SYSTEMS; number++) {
        json_int_t sums [4] = { 0 };
        const char *keys [] = { "checked", "met", "unmet", "warnings" };
        size_t index;
        json_t *unit;
        json_array_foreach (units, index, unit)
            for (int i = 0; i < 4; i++)
                sums [i] += ml_render_int (ml_render_system (json_object_get (unit, "systems"), number), keys [i]);
        json_array_append_new (systems, json_pack ("{s:i, s:s, s:I, s:I, s:I, s:I}", "system", number,
            "name", ml_render_system_long [number], "checked", sums [0], "met", sums [1],
            "unmet", sums [2], "warnings", sums [3]));
    }
    return systems;
}

static void
s_rollup (ml_pdf_doc_t *doc)
{
    const json_t *report = doc->report;
    json_t *units = json_object_get (report, "units");
    char year [32], period [160], subtitle [64], count [32];
    int section = 0;
    snprintf (subtitle, sizeof subtitle, "（%s年度）", s_year (report, year, sizeof year));
    snprintf (count, sizeof count, "%zu", json_array_size (units));
    s_head (doc, "直接联系群众工作全局汇总", subtitle);
    const char *info [] = {
        "报告年度", year, "规则版本", ml_render_or (ml_render_str (report, "rules_version"), "-"),
        "报告期间", s_period (report, period, sizeof period), "", "", NULL
    };
    s_info (doc, info);
    s_kpis (doc, json_object_get (report, "summary"), "单位数", (json_int_t) json_array_size (units));
    ml_pdf_heading (doc, &section, "分制度达标情况");
    json_t *systems = s_sum_systems (units);
    s_systems (doc, systems);
    json_decref (systems);
    ml_pdf_heading (doc, &section, "各单位达标情况");
    s_units (doc, units, 0);
}

static void
s_bulletin (ml_pdf_doc_t *doc)
{
    const json_t *report = doc->report;
    char period [160];
    int section = 0;
    s_head (doc, "直接联系群众工作进度通报", ml_render_str (report, "period"));
    const char *info [] = {
        "通报期间", s_period (report, period, sizeof period), "", "",
        "规则版本", ml_render_or (ml_render_str (report, "rules_version"), "-"), "", "", NULL
    };
    s_info (doc, info);
    ml_pdf_para (doc, F_TEXT, C_INK, PANGO_ALIGN_LEFT, "要求按期末折算，按达标率排名。", 6);
    ml_pdf_heading (doc, &section, "排名");
    s_units (doc, json_object_get (report, "units"), 1);
}

static void
s_watchlist (ml_pdf_doc_t *doc)
{
    static const ml_pdf_col_t cols [] = {
        { "单位", 96, PANGO_ALIGN_LEFT }, { "姓名", 56, PANGO_ALIGN_LEFT },
        { "规则", 34, PANGO_ALIGN_CENTER }, { "内容", 0, PANGO_ALIGN_LEFT },
        { "性质", 34, PANGO_ALIGN_CENTER }, { "实际", 36, PANGO_ALIGN_RIGHT },
        { "要求", 36, PANGO_ALIGN_RIGHT }
    };
    const json_t *report = doc->report;
    json_t *rows = json_object_get (report, "rows");
    char year [32], period [160], subtitle [64], count [32];
    int section = 0;
    snprintf (subtitle, sizeof subtitle, "（%s年度）", s_year (report, year, sizeof year));
    snprintf (count, sizeof count, "%zu", json_array_size (rows));
    s_head (doc, "督查名单", subtitle);
    const char *info [] = {
        "报告期间", s_period (report, period, sizeof period), "", "",
        "报告年度", year, "未达标项", count, NULL
    };
    s_info (doc, info);
    ml_pdf_heading (doc, &section, "未达标项");
    ml_pdf_table_t table;
    ml_pdf_table_init (&table, cols, 7, 1);
    ml_pdf_table_begin (doc, &table);
    size_t index;
    json_t *row;
    json_array_foreach (rows, index, row) {
        char name [256], actual [64], required [64];
        const char *severity = ml_render_str (row, "severity");
        if (ml_render_str (row, "person"))
            snprintf (name, sizeof name, "%s（%s）", ml_render_or (ml_render_str (row, "name"), "-"),
                      ml_render_str (row, "person"));
        else
            snprintf (name, sizeof name, "（单位）");
        ml_pdf_cell_t cells [7] = {
            { ml_render_or (ml_render_str (row, "unit_name"), ml_render_or (ml_render_str (row, "unit"), "-")), C_INK, 0 },
            { name, C_INK, 0 }, { ml_render_or (ml_render_str (row, "rule"), "-"), C_INK, 0 },
            { ml_render_or (ml_render_str (row, "text"), ""), C_INK, 0 },
            { ml_render_severity_label (severity), severity && strcmp (severity, "warning") == 0? C_AMBER: C_RED, 0 },
            { ml_render_value (json_object_get (row, "actual"), actual, sizeof actual, "-"), C_INK, 0 },
            { ml_render_required (row, required, sizeof required, "-"), C_INK, 0 }
        };
        ml_pdf_row (doc, &table, cells, 7, F_BODY, 0, 0);
    }
    ml_pdf_table_end (doc);
}

//  Completeness and timeliness (issue 12): units x months, each month on time (✓), late (迟),
//  missing (✗) or not yet due (·), then the two rates. 15 columns: fits A4 portrait.
static void
s_completeness (ml_pdf_doc_t *doc)
{
    static const char *const months [12] = {
        "1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"
    };
    ml_pdf_col_t cols [15];
    cols [0] = (ml_pdf_col_t) { "单位", 0, PANGO_ALIGN_LEFT };
    for (int m = 0; m < 12; m++)
        cols [1 + m] = (ml_pdf_col_t) { months [m], 26, PANGO_ALIGN_CENTER };
    cols [13] = (ml_pdf_col_t) { "报送率", 38, PANGO_ALIGN_RIGHT };
    cols [14] = (ml_pdf_col_t) { "及时率", 38, PANGO_ALIGN_RIGHT };
    const json_t *report = doc->report;
    json_t *units = json_object_get (report, "units");
    char year [32], period [160], subtitle [64], count [32], due [64];
    int section = 0;
    snprintf (subtitle, sizeof subtitle, "（%s年度）", s_year (report, year, sizeof year));
    snprintf (count, sizeof count, "%zu", json_array_size (units));
    snprintf (due, sizeof due, "次月%" JSON_INTEGER_FORMAT "日", ml_render_int (report, "due_day"));
    s_head (doc, "台账报送情况", subtitle);
    const char *info [] = {
        "报告期间", s_period (report, period, sizeof period), "", "",
        "报告年度", year, "单位数", count, "报送截止", due,
        "截至日期", ml_render_or (ml_render_str (report, "as_of"), "-"), NULL
    };
    s_info (doc, info);
    ml_pdf_heading (doc, &section, "各单位逐月报送");
    ml_pdf_table_t table;
    ml_pdf_table_init (&table, cols, 15, 1);
    ml_pdf_table_begin (doc, &table);
    size_t index;
    json_t *unit;
    json_array_foreach (units, index, unit) {
        char name [256], rates [2][32];
        ml_pdf_cell_t cells [15] = { { NULL, C_INK, 0 } };
        snprintf (name, sizeof name, "%s%s",
                  ml_render_or (ml_render_str (unit, "unit_name"), ml_render_or (ml_render_str (unit, "unit"), "-")),
                  json_is_true (json_object_get (unit, "no_data"))? "（无数据）": "");
        cells [0] = (ml_pdf_cell_t) { name, C_INK, 0 };
        json_t *list = json_object_get (unit, "months"), *month;
        for (int m = 0; m < 12; m++) {
            //  by its "month" ("YYYY-MM") where it has one, else by position
            month = json_array_get (list, (size_t) m);
            size_t j;
            json_t *each;
            json_array_foreach (list, j, each) {
                const char *key = ml_render_str (each, "month");
                if (key && strlen (key) == 7 && atoi (key + 5) == m + 1)
                    month = each;
            }
            const char *status = ml_render_str (month, "status");
            const char *mark = !month? "": !status? "?":
                               strcmp (status, "on_time") == 0? "✓": strcmp (status, "late") == 0? "迟":
                               strcmp (status, "missing") == 0? "✗": "·";
            ml_pdf_color_t color = !status? C_INK: strcmp (status, "on_time") == 0? C_GREEN:
                                   strcmp (status, "late") == 0? C_AMBER:
                                   strcmp (status, "missing") == 0? C_RED: C_GREY;
            cells [1 + m] = (ml_pdf_cell_t) { mark, color, 0 };
        }
        const char *keys [2] = { "reporting_rate", "timeliness_rate" };
        for (int r = 0; r < 2; r++) {
            json_t *rate = json_object_get (unit, keys [r]);
            if (json_is_number (rate))
                snprintf (rates [r], sizeof rates [r], "%.1f%%", json_number_value (rate) * 100.0);
            else
                snprintf (rates [r], sizeof rates [r], "-");
            cells [13 + r] = (ml_pdf_cell_t) { rates [r], C_INK, 0 };
        }
        ml_pdf_row (doc, &table, cells, 15, F_NARROW, 0, 0);
    }
    ml_pdf_table_end (doc);
    doc->y -= 4;
    ml_pdf_para (doc, F_SMALL, C_GREY, PANGO_ALIGN_LEFT,
                 "注：✓ 按时报送；迟 迟报；✗ 未报送；· 未到期。报送率为已报送月数占应报送月数之比，"
                 "及时率为按时报送月数占应报送月数之比。", 8);
}

//  Rectification (S.3, V14): the counts, then one row per watch-list row.
static void
s_supervision (ml_pdf_doc_t *doc)
{
    static const ml_pdf_col_t cols [] = {
        { "单位", 96, PANGO_ALIGN_LEFT }, { "人员", 48, PANGO_ALIGN_LEFT },
        { "年度", 34, PANGO_ALIGN_CENTER }, { "规则", 34, PANGO_ALIGN_CENTER },
        { "状态", 58, PANGO_ALIGN_CENTER }, { "诫勉谈话", 0, PANGO_ALIGN_LEFT },
        { "整改期限", 60, PANGO_ALIGN_CENTER }, { "销号", 60, PANGO_ALIGN_CENTER }
    };
    const json_t *report = doc->report, *counts = json_object_get (report, "counts");
    json_t *rows = json_object_get (report, "rows");
    char year [32], subtitle [64], n [7][32];
    const char *keys [7] = { "opened", "talked", "rectified_on_time", "rectified_late", "overdue",
                             "open", "carried_over" };
    int section = 0;
    for (int i = 0; i < 7; i++)
        snprintf (n [i], sizeof n [i], "%" JSON_INTEGER_FORMAT, ml_render_int (counts, keys [i]));
    snprintf (subtitle, sizeof subtitle, "（%s年度）", s_year (report, year, sizeof year));
    s_head (doc, "督查整改情况", subtitle);
    const char *info [] = {
        "报告年度", year, "截至日期", ml_render_or (ml_render_str (report, "as_of"), "-"),
        "立项", n [0], "诫勉谈话", n [1], "按期整改", n [2], "逾期整改", n [3],
        "逾期未整改", n [4], "整改中", n [5], "往年结转", n [6], "", "", NULL
    };
    s_info (doc, info);
    ml_pdf_heading (doc, &section, "督查整改明细");
    ml_pdf_table_t table;
    ml_pdf_table_init (&table, cols, 8, 1);
    ml_pdf_table_begin (doc, &table);
    size_t index;
    json_t *row;
    json_array_foreach (rows, index, row) {
        char talks [1024], ry [32], closed [256];
        const char *state = ml_render_str (row, "state");
        snprintf (ry, sizeof ry, "%" JSON_INTEGER_FORMAT "%s", ml_render_int (row, "year"),
                  json_is_true (json_object_get (row, "carried_over"))? " 结转": "");
        snprintf (closed, sizeof closed, "%s %s", ml_render_or (ml_render_str (row, "closed"), "-"),
                  ml_render_or (ml_render_str (row, "closed_by"), ""));
        ml_pdf_cell_t cells [8] = {
            { ml_render_or (ml_render_str (row, "unit_name"), ml_render_or (ml_render_str (row, "unit"), "-")), C_INK, 0 },
            { ml_render_or (ml_render_str (row, "person"), "-"), C_INK, 0 }, { ry, C_INK, 0 },
            { ml_render_or (ml_render_str (row, "rule"), "-"), C_INK, 0 },
            { ml_render_supervision_state (state),
              state && strcmp (state, "overdue") == 0? C_RED:
              state && strcmp (state, "rectified_late") == 0? C_AMBER: C_INK, 0 },
            { ml_render_supervision_talks (row, talks, sizeof talks), C_INK, 0 },
            { ml_render_or (ml_render_str (row, "deadline"), "-"), C_INK, 0 }, { closed, C_INK, 0 }
        };
        ml_pdf_row (doc, &table, cells, 8, F_BODY, 0, 0);
    }
    ml_pdf_table_end (doc);
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
        [ML_RENDER_UNIT_ANNUAL] = s_unit_annual,
        [ML_RENDER_ROLLUP] = s_rollup,
        [ML_RENDER_CADRE] = s_cadre,
        [ML_RENDER_BULLETIN] = s_bulletin,
        [ML_RENDER_WATCHLIST] = s_watchlist,
        [ML_RENDER_COMPLETENESS] = s_completeness,
        [ML_RENDER_SUPERVISION] = s_supervision,
    };
    static const char *const titles [ML_RENDER_KINDS] = {
        "直接联系群众工作单位年度报告", "直接联系群众工作全局汇总", "领导干部述职述廉附件：直接联系群众",
        "直接联系群众工作进度通报", "督查名单", "台账报送情况", "督查整改情况"
    };
    assert ((unsigned) kind < ML_RENDER_KINDS);
    if (!bodies [kind])
        return ML_EINVAL;              //  a kind with no body: refused, never a NULL call
    ml_pdf_doc_t doc = { .report = report, .kind = kind };
    if (ml_render_digest (report, doc.digest))
        return ML_ENOMEM;
    s_number (&doc);
    s_footer_text (&doc, doc.footer, sizeof doc.footer);
    char date [32], title [600];
    s_doc_date (report, date, sizeof date);
    snprintf (title, sizeof title, "%.400s %s", doc.number, titles [kind]);
    cairo_surface_t *surface = cairo_pdf_surface_create_for_stream (s_write, out, ML_PDF_PAGE_W, ML_PDF_PAGE_H);
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_AUTHOR,
        ml_render_or (ml_render_str (report, "issuer"), s_issuer [0]? s_issuer: s_default_issuer));
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_SUBJECT, doc.digest);
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "massline " ML_VERSION);
    //  a sealed document's id, where `massline report verify` finds it (client_chain.c)
    const char *sealed = ml_render_str (json_object_get (report, "document"), "id");
    char keywords [200];
    snprintf (keywords, sizeof keywords, "massline-document: %.150s", sealed? sealed: "");
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
