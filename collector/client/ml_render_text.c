/* ml_render_text.c -- reports as text for a terminal: aligned tables whose columns are
   measured by display width (CJK counts 2), headings in Chinese and English. */
#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_render.h"
#include "ml_render_shared.h"

//  =========================================================================
//  Text: tables aligned by display width
//  =========================================================================

typedef struct {
    const char *align;              //  'l' or 'r' per column; its length is the column count
    size_t ncols;                   //  number of columns
    char **cells;                   //  row-major, the header row first
    size_t ncells;                  //  cells added so far
    size_t cap;                     //  cells allocated
    int failed;                     //  an allocation failed
} s_table_t;

static void
s_table_init (s_table_t *self, const char *align)
{
    memset (self, 0, sizeof *self);
    self->align = align;
    self->ncols = strlen (align);
}

//  Adds the next cell (printf-style). Control characters become spaces (ml_text_safe) and
//  runs of spaces one space, so a cell never breaks a line or looks like a column gap.
static void
s_table_cell (s_table_t *self, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));
static void
s_table_cell (s_table_t *self, const char *format, ...)
{
    char *cell = NULL;
    va_list args;
    va_start (args, format);
    int len = vasprintf (&cell, format, args);
    va_end (args);
    if (len < 0) {
        self->failed = 1;
        return;
    }
    if (self->ncells == self->cap) {
        size_t cap = self->cap? self->cap * 2: 64;
        char **cells = realloc (self->cells, cap * sizeof *cells);
        if (!cells) {
            free (cell);
            self->failed = 1;
            return;
        }
        self->cells = cells;
        self->cap = cap;
    }
    ml_text_safe (cell, cell, (size_t) len + 1);
    char *to = cell;
    for (const char *from = cell; *from; from++) {
        if (*from == ' ' && (to == cell || to [-1] == ' '))
            continue;
        *to++ = *from;
    }
    if (to > cell && to [-1] == ' ')
        to--;
    *to = 0;
    self->cells [self->ncells++] = cell;
}

static void
s_table_str (s_table_t *self, const char *str)
{
    s_table_cell (self, "%s", ml_render_or (str, "-"));
}

static void
s_table_spaces (FILE *out, int count)
{
    for (; count > 0; count--)
        fputc (' ', out);
}

//  Prints the table under INDENT: header, a dashed rule, the rows; columns two spaces
//  apart, padded by display width, no trailing spaces. Frees the table. Returns 0 or
//  ML_ENOMEM.
static int
s_table_print (s_table_t *self, FILE *out, const char *indent)
{
    int rc = self->failed? ML_ENOMEM: 0;
    int *widths = calloc (self->ncols, sizeof *widths);
    if (!widths)
        rc = ML_ENOMEM;
    if (rc)
        goto done;
    assert (self->ncells % self->ncols == 0);
    if (self->ncells == 0)
        goto done;
    for (size_t i = 0; i < self->ncells; i++) {
        int width = ml_display_width (self->cells [i]);
        if (width > widths [i % self->ncols])
            widths [i % self->ncols] = width;
    }
    size_t nrows = self->ncells / self->ncols;
    for (size_t row = 0; row <= nrows; row++) {
        //  Row 1 is the dashed rule under the header.
        size_t source = row == 0? 0: row - 1;
        int pending = 0;        //  spaces owed before the next cell is printed
        fputs (indent, out);
        for (size_t col = 0; col < self->ncols; col++) {
            const char *cell = self->cells [source * self->ncols + col];
            int width = ml_display_width (cell);
            if (col > 0)
                pending += 2;
            if (self->align [col] == 'r')
                pending += widths [col] - (row == 1? widths [col]: width);
            if (row == 1) {
                s_table_spaces (out, pending);
                for (int dash = 0; dash < widths [col]; dash++)
                    fputc ('-', out);
                pending = 0;
                continue;
            }
            if (*cell) {
                s_table_spaces (out, pending);
                fputs (cell, out);
                pending = 0;
            }
            if (self->align [col] != 'r')
                pending += widths [col] - width;
        }
        fputc ('\n', out);
    }
done:
    free (widths);
    for (size_t i = 0; i < self->ncells; i++)
        free (self->cells [i]);
    free (self->cells);
    memset (self, 0, sizeof *self);
    return rc;
}

//  =========================================================================
//  Rule texts, listed once under the tables that name the rules
//  =========================================================================

//  Collects rule id -> text of RULES into TEXTS (first text wins).
static void
s_collect_texts (json_t *texts, const json_t *rules)
{
    size_t index;
    json_t *rule;
    json_array_foreach (rules, index, rule) {
        const char *id = ml_render_str (rule, "rule"), *text = ml_render_str (rule, "text");
        if (id && text && !json_object_get (texts, id))
            json_object_set_new (texts, id, json_string (text));
    }
}

//  All rule texts of a unit-annual report, or of a cadre's person, in first-seen order.
static json_t *
s_rule_texts (const json_t *persons, const json_t *unit_rules)
{
    json_t *texts = json_object ();
    size_t index;
    json_t *person;
    json_array_foreach (persons, index, person)
        s_collect_texts (texts, json_object_get (person, "rules"));
    s_collect_texts (texts, unit_rules);
    return texts;
}

//  =========================================================================
//  Text renderers
//  =========================================================================

#define S_SAFE 512                  //  bytes of a heading's value; longer ones are cut

//  STR (FALLBACK when NULL) fit for a terminal, in BUF (S_SAFE bytes).
static const char *
s_safe (const char *str, const char *fallback, char buf [S_SAFE])
{
    return ml_text_safe (ml_render_or (str, fallback), buf, S_SAFE);
}

//  "年度 Year: 2025  截至 As of: 2025-12-31  规则版本 Rules: zhenjiang-2014"
static void
s_text_meta (const json_t *report, FILE *out)
{
    char year [32], safe [3][S_SAFE];
    fprintf (out, "年度 Year: %s  截至 As of: %s  规则版本 Rules: %s\n",
             s_safe (ml_render_value (json_object_get (report, "year"), year, sizeof year, "-"),
                     "-", safe [0]),
             s_safe (ml_render_str (report, "as_of"), "-", safe [1]),
             s_safe (ml_render_str (report, "rules_version"), "-", safe [2]));
}

static void
s_text_summary (const json_t *summary, FILE *out)
{
    char rate [32];
    fprintf (out, "汇总 Summary: 检查 Checked %" JSON_INTEGER_FORMAT "  达标 Met %" JSON_INTEGER_FORMAT
             "  未达标 Unmet %" JSON_INTEGER_FORMAT "  提醒 Warnings %" JSON_INTEGER_FORMAT
             "  达标率 Rate %s\n",
             ml_render_int (summary, "rules_checked"), ml_render_int (summary, "met"),
             ml_render_int (summary, "unmet"), ml_render_int (summary, "warnings"),
             ml_render_pct (ml_render_ratio (summary), rate, sizeof rate, "-"));
}

//  The rule rows of a person or of the unit: rule, required, actual, status, missed.
static int
s_text_rules (const json_t *rules, FILE *out, const char *indent)
{
    s_table_t table;
    s_table_init (&table, "lrrll");
    s_table_str (&table, "规则 Rule");
    s_table_str (&table, "要求 Required");
    s_table_str (&table, "实际 Actual");
    s_table_str (&table, "状态 Status");
    s_table_str (&table, "未达月份 Missed");
    size_t index;
    json_t *rule;
    json_array_foreach (rules, index, rule) {
        char required [64], actual [64], missed [2048];
        s_table_str (&table, ml_render_str (rule, "rule"));
        s_table_str (&table, ml_render_required (rule, required, sizeof required, "-"));
        s_table_str (&table, ml_render_value (json_object_get (rule, "actual"), actual, sizeof actual, "-"));
        s_table_str (&table, ml_render_status_label (ml_render_str (rule, "status")));
        s_table_str (&table, ml_render_rule_note (rule, missed, sizeof missed));
    }
    return s_table_print (&table, out, indent);
}

//  Per-system counts: system, name, checked, met, unmet, warnings, rate.
static int
s_text_systems (const json_t *systems, FILE *out)
{
    s_table_t table;
    s_table_init (&table, "rlrrrrr");
    s_table_str (&table, "制度 System");
    s_table_str (&table, "名称 Name");
    s_table_str (&table, "检查 Checked");
    s_table_str (&table, "达标 Met");
    s_table_str (&table, "未达标 Unmet");
    s_table_str (&table, "提醒 Warnings");
    s_table_str (&table, "达标率 Rate");
    size_t index;
    json_t *entry;
    json_array_foreach (systems, index, entry) {
        json_int_t number = ml_render_int (entry, "system");
        char rate [32];
        s_table_cell (&table, "%" JSON_INTEGER_FORMAT, number);
        s_table_str (&table, ml_render_or (ml_render_str (entry, "name"),
                     number >= 1 && number <= ML_RENDER_SYSTEMS? ml_render_system_long [number]: "-"));
        s_table_cell (&table, "%" JSON_INTEGER_FORMAT, ml_render_int (entry, "checked"));
        s_table_cell (&table, "%" JSON_INTEGER_FORMAT, ml_render_int (entry, "met"));
        s_table_cell (&table, "%" JSON_INTEGER_FORMAT, ml_render_int (entry, "unmet"));
        s_table_cell (&table, "%" JSON_INTEGER_FORMAT, ml_render_int (entry, "warnings"));
        s_table_str (&table, ml_render_pct (ml_render_ratio (entry), rate, sizeof rate, "-"));
    }
    return s_table_print (&table, out, "");
}

//  Orders rule ids like version numbers, so "4.10" would follow "4.9".
static int
s_compare_ids (const void *a, const void *b)
{
    return strverscmp (*(const char *const *) a, *(const char *const *) b);
}

//  "规则说明 Rule texts" section: each rule id once with its text.
static int
s_text_rule_texts (const json_t *texts, FILE *out)
{
    if (json_object_size (texts) == 0)
        return 0;
    s_table_t table;
    s_table_init (&table, "ll");
    s_table_str (&table, "规则 Rule");
    s_table_str (&table, "内容 Text");
    //  Listed in clause order: 1.3a, 1.3b, ..., 2.1a, ...
    size_t count = 0;
    const char **ids = calloc (json_object_size (texts), sizeof *ids);
    const char *id;
    json_t *text;
    if (!ids)
        table.failed = 1;
    else
        json_object_foreach ((json_t *) texts, id, text)
            ids [count++] = id;
    qsort (ids, count, sizeof *ids, s_compare_ids);
    for (size_t i = 0; i < count; i++) {
        s_table_str (&table, ids [i]);
        s_table_str (&table, ml_render_str (texts, ids [i]));
    }
    free (ids);
    fprintf (out, "\n规则说明 Rule texts\n");
    return s_table_print (&table, out, "");
}

//  The metrics of SYSTEM (0: every one; -1: those of no known system) as "调研天数 62  驻点天数 5"
//  (SEP between two) into BUF; "" when none.
static const char *
s_metrics_of (const json_t *metrics, int system, const char *sep, char *buf, size_t size)
{
    const char *key;
    json_t *value;
    size_t len = 0;
    buf [0] = 0;
    json_object_foreach ((json_t *) metrics, key, value) {
        char number [64], safe [S_SAFE];
        int of = ml_render_metric_system (key);
        if ((system > 0 && of != system) || (system < 0 && of != 0))
            continue;
        int wrote = snprintf (buf + len, size - len, "%s%s %s", len? sep: "",
                              s_safe (ml_render_metric_label (key), "-", safe),
                              ml_render_value (value, number, sizeof number, "-"));
        if (wrote < 0 || (size_t) wrote >= size - len) {
            buf [len] = 0;      //  what does not fit whole is left out
            break;
        }
        len += (size_t) wrote;
    }
    return buf;
}

//  "  指标 Metrics: 调研天数 62  驻点天数 5"
static void
s_text_metrics (const json_t *metrics, FILE *out)
{
    char line [4096];
    if (json_object_size (metrics) > 0)
        fprintf (out, "  指标 Metrics: %s\n", s_metrics_of (metrics, 0, "  ", line, sizeof line));
}

//  The cadre annex's metrics: one row per system, its metrics side by side, so that any number
//  of metrics fits a page's width. Metrics of no known system come last, under "其他".
static int
s_text_metrics_by_system (const json_t *metrics, FILE *out)
{
    if (json_object_size (metrics) == 0)
        return 0;
    s_table_t table;
    s_table_init (&table, "ll");
    s_table_str (&table, "制度 System");
    s_table_str (&table, "工作量 Metrics");
    for (int system = 1; system <= ML_RENDER_SYSTEMS + 1; system++) {
        char line [4096];
        //  "、" between metrics: a table cell keeps no double space.
        s_metrics_of (metrics, system <= ML_RENDER_SYSTEMS? system: -1, "、", line, sizeof line);
        if (!line [0])
            continue;
        s_table_cell (&table, "%s", system <= ML_RENDER_SYSTEMS? ml_render_system_short [system]: "其他");
        s_table_str (&table, line);
    }
    fprintf (out, "\n工作量 Metrics\n");
    return s_table_print (&table, out, "");
}

//  One person: a heading line, metrics, then the rule table.
static int
s_text_person (const json_t *person, FILE *out)
{
    char roles [512], org [S_SAFE], safe [3][S_SAFE];
    const char *org_text = ml_render_org (person, org, sizeof org);
    fprintf (out, "\n%s (%s)  %s%s%s\n", s_safe (ml_render_str (person, "name"), "-", safe [0]),
             s_safe (ml_render_str (person, "person"), "-", safe [1]),
             ml_render_roles (json_object_get (person, "roles"), roles, sizeof roles),
             org_text? "  党组织 Org: ": "", s_safe (org_text, "", safe [2]));
    s_text_metrics (json_object_get (person, "metrics"), out);
    return s_text_rules (json_object_get (person, "rules"), out, "  ");
}

static void
s_text_cases (const json_t *cases, FILE *out)
{
    if (json_object_size (cases) == 0)
        return;
    fprintf (out, "\n案件 Cases\n");
    const char *kind, *key;
    json_t *counts, *value;
    json_object_foreach ((json_t *) cases, kind, counts) {
        char safe [2][S_SAFE];
        fprintf (out, "  %s:", s_safe (ml_render_case_label (kind), "-", safe [0]));
        json_object_foreach (counts, key, value) {
            char buf [64];
            fprintf (out, "  %s %s", s_safe (ml_render_case_label (key), "-", safe [0]),
                     s_safe (ml_render_value (value, buf, sizeof buf, "-"), "-", safe [1]));
        }
        fprintf (out, "\n");
    }
}

static int
s_text_unit_annual (const json_t *report, FILE *out)
{
    json_t *persons = json_object_get (report, "persons");
    json_t *unit_rules = json_object_get (report, "unit_rules");
    json_t *systems = json_object_get (report, "systems");
    int rc = 0;
    char safe [2][S_SAFE];
    fprintf (out, "直接联系群众工作单位年度报告 Unit annual report\n");
    fprintf (out, "单位 Unit: %s (%s)\n", s_safe (ml_render_str (report, "unit_name"), "-", safe [0]),
             s_safe (ml_render_str (report, "unit"), "-", safe [1]));
    if (ml_render_no_data (report))
        fprintf (out, "状态 Status: 无数据 no data（本年度无人员名册和党组织 no roster and no organisation this year）\n");
    s_text_meta (report, out);
    s_text_summary (json_object_get (report, "summary"), out);
    if (json_array_size (systems) > 0) {
        fprintf (out, "\n分制度 By system\n");
        rc = s_text_systems (systems, out);
    }
    fprintf (out, "\n人员 Persons: %zu\n", json_array_size (persons));
    size_t index;
    json_t *person;
    json_array_foreach (persons, index, person)
        if (rc == 0)
            rc = s_text_person (person, out);
    if (rc == 0 && json_array_size (unit_rules) > 0) {
        fprintf (out, "\n单位规则 Unit rules\n");
        rc = s_text_rules (unit_rules, out, "  ");
    }
    s_text_cases (json_object_get (report, "cases"), out);
    json_t *texts = s_rule_texts (persons, unit_rules);
    if (rc == 0)
        rc = s_text_rule_texts (texts, out);
    json_decref (texts);
    return rc;
}

static int
s_text_cadre (const json_t *report, FILE *out)
{
    json_t *person = json_object_get (report, "person");
    json_t *rules = json_object_get (person, "rules");
    char roles [512], org [S_SAFE], safe [2][S_SAFE];
    fprintf (out, "领导干部述职述廉附件：直接联系群众 Cadre annex\n");
    fprintf (out, "姓名 Name: %s (%s)\n", s_safe (ml_render_str (person, "name"), "-", safe [0]),
             s_safe (ml_render_str (person, "person"), "-", safe [1]));
    fprintf (out, "单位 Unit: %s (%s)\n", s_safe (ml_render_str (report, "unit_name"), "-", safe [0]),
             s_safe (ml_render_str (report, "unit"), "-", safe [1]));
    fprintf (out, "职务 Roles: %s\n",
             s_safe (ml_render_roles (json_object_get (person, "roles"), roles, sizeof roles), "-", safe [0]));
    if (ml_render_org (person, org, sizeof org))
        fprintf (out, "党组织 Org: %s\n", s_safe (org, "-", safe [0]));
    s_text_meta (report, out);
    json_t *systems = ml_render_systems_of_rules (rules);
    json_t *summary = ml_render_summary_of_systems (systems);
    s_text_summary (summary, out);
    int rc = s_text_metrics_by_system (json_object_get (person, "metrics"), out);
    fprintf (out, "\n履职情况 Rules\n");
    if (rc == 0)
        rc = s_text_rules (rules, out, "");
    json_t *texts = json_object ();
    s_collect_texts (texts, rules);
    if (rc == 0)
        rc = s_text_rule_texts (texts, out);
    json_decref (texts);
    json_decref (summary);
    json_decref (systems);
    return rc;
}

//  The unit table of rollup (RANKED false) and bulletin (RANKED true).
static int
s_text_units (const json_t *units, FILE *out, int ranked)
{
    s_table_t table;
    s_table_init (&table, ranked? "rllrrrrrrrrrrl": "llrrrrrrrrrrrl");
    if (ranked)
        s_table_str (&table, "名次");
    s_table_str (&table, "单位 Unit");
    s_table_str (&table, "名称 Name");
    if (!ranked)
        s_table_str (&table, "人数");
    for (int number = 1; number <= ML_RENDER_SYSTEMS; number++)
        s_table_cell (&table, "%d", number);
    s_table_str (&table, "未达标");
    s_table_str (&table, "达标率");
    s_table_str (&table, "关注");
    size_t index;
    json_t *unit;
    json_array_foreach (units, index, unit) {
        json_t *systems = json_object_get (unit, "systems");
        char rate [32];
        if (ranked)
            s_table_cell (&table, "%" JSON_INTEGER_FORMAT, ml_render_int (unit, "rank"));
        s_table_str (&table, ml_render_str (unit, "unit"));
        s_table_str (&table, ml_render_str (unit, "unit_name"));
        if (!ranked)
            s_table_cell (&table, "%" JSON_INTEGER_FORMAT, ml_render_int (unit, "persons"));
        for (int number = 1; number <= ML_RENDER_SYSTEMS; number++) {
            char cell [64];
            s_table_str (&table, ml_render_system_cell (systems, number, cell, sizeof cell));
        }
        s_table_cell (&table, "%" JSON_INTEGER_FORMAT,
                      ml_render_int (json_object_get (unit, "summary"), "unmet"));
        s_table_str (&table, ml_render_pct (ml_render_compliance (unit), rate, sizeof rate, ml_render_unit_dash (unit)));
        s_table_str (&table, ml_render_lagging (unit)? ML_RENDER_LAG_MARK: "");
    }
    fprintf (out, "制度 Systems (达标/检查 met/checked):");
    for (int number = 1; number <= ML_RENDER_SYSTEMS; number++)
        fprintf (out, "  %d %s", number, ml_render_system_short [number]);
    fprintf (out, "\n\n");
    int rc = s_table_print (&table, out, "");
    size_t lagging = 0;
    json_array_foreach (units, index, unit)
        lagging += ml_render_lagging (unit);
    fprintf (out, "\n" ML_RENDER_LAG_MARK " 达标率低于 %.0f%%，需重点关注 compliance below %.0f%%: %zu 个单位 units\n",
             ML_RENDER_LAG_BELOW * 100, ML_RENDER_LAG_BELOW * 100, lagging);
    return rc;
}

static int
s_text_rollup (const json_t *report, FILE *out)
{
    fprintf (out, "直接联系群众工作全局汇总 Bureau roll-up\n");
    s_text_meta (report, out);
    fprintf (out, "单位数 Units: %zu\n", json_array_size (json_object_get (report, "units")));
    s_text_summary (json_object_get (report, "summary"), out);
    fprintf (out, "\n");
    return s_text_units (json_object_get (report, "units"), out, 0);
}

static int
s_text_bulletin (const json_t *report, FILE *out)
{
    char safe [4][S_SAFE];
    fprintf (out, "直接联系群众工作进度通报 Progress bulletin\n");
    fprintf (out, "期间 Period: %s (%s 至 %s)  规则版本 Rules: %s\n",
             s_safe (ml_render_str (report, "period"), "-", safe [0]),
             s_safe (ml_render_str (report, "from"), "-", safe [1]),
             s_safe (ml_render_str (report, "to"), "-", safe [2]),
             s_safe (ml_render_str (report, "rules_version"), "-", safe [3]));
    fprintf (out, "要求按期末折算，按达标率排名 Quotas pro-rated to the end of the period; units ranked by compliance\n\n");
    return s_text_units (json_object_get (report, "units"), out, 1);
}

static int
s_text_watchlist (const json_t *report, FILE *out)
{
    json_t *rows = json_object_get (report, "rows");
    json_t *units = json_object_get (report, "units");
    fprintf (out, "督查名单 Watch list（诫勉谈话、限期整改 admonishment and rectification）\n");
    s_text_meta (report, out);
    if (json_array_size (rows) == 0) {
        fprintf (out, "\n无未达标项 No unmet rules.\n");
        return 0;
    }
    s_table_t table;
    s_table_init (&table, "llllllrrl");
    s_table_str (&table, "单位 Unit");
    s_table_str (&table, "名称 Name");
    s_table_str (&table, "人员 Person");
    s_table_str (&table, "姓名 Name");
    s_table_str (&table, "规则 Rule");
    s_table_str (&table, "性质 Severity");
    s_table_str (&table, "实际 Actual");
    s_table_str (&table, "要求 Required");
    s_table_str (&table, "内容 Text");
    size_t index;
    json_t *row;
    json_array_foreach (rows, index, row) {
        char actual [64], required [64];
        const char *person = ml_render_str (row, "person");
        s_table_str (&table, ml_render_str (row, "unit"));
        s_table_str (&table, ml_render_str (row, "unit_name"));
        s_table_str (&table, person);
        s_table_str (&table, person? ml_render_str (row, "name"): "(单位)");
        s_table_str (&table, ml_render_str (row, "rule"));
        s_table_str (&table, ml_render_severity_label (ml_render_str (row, "severity")));
        s_table_str (&table, ml_render_value (json_object_get (row, "actual"), actual, sizeof actual, "-"));
        s_table_str (&table, ml_render_required (row, required, sizeof required, "-"));
        s_table_str (&table, ml_render_str (row, "text"));
    }
    fprintf (out, "\n未达标项 Unmet rules: %zu\n", json_array_size (rows));
    int rc = s_table_print (&table, out, "");
    if (rc || json_array_size (units) == 0)
        return rc;
    s_table_init (&table, "llr");
    s_table_str (&table, "单位 Unit");
    s_table_str (&table, "名称 Name");
    s_table_str (&table, "未达标 Unmet");
    json_t *unit;
    json_array_foreach (units, index, unit) {
        s_table_str (&table, ml_render_str (unit, "unit"));
        s_table_str (&table, ml_render_str (unit, "unit_name"));
        s_table_cell (&table, "%" JSON_INTEGER_FORMAT, ml_render_int (unit, "unmet"));
    }
    fprintf (out, "\n单位 Units\n");
    return s_table_print (&table, out, "");
}

//  =========================================================================
//  Entry point
//  =========================================================================

typedef int (s_kind_fn) (const json_t *report, FILE *out);

int
ml_render_text (const json_t *report, ml_render_kind_t kind, FILE *out)
{
    static s_kind_fn *const renderers [ML_RENDER_KINDS] = {
        [ML_RENDER_UNIT_ANNUAL] = s_text_unit_annual,
        [ML_RENDER_ROLLUP] = s_text_rollup,
        [ML_RENDER_CADRE] = s_text_cadre,
        [ML_RENDER_BULLETIN] = s_text_bulletin,
        [ML_RENDER_WATCHLIST] = s_text_watchlist,
    };
    assert ((unsigned) kind < ML_RENDER_KINDS);
    return renderers [kind] (report, out);
}
