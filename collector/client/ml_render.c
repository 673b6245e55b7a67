/* ml_render.c -- report JSON (docs/reports.md) rendered as json, csv, text or html. */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_render.h"

#define S_LAG_BELOW 0.80            //  units with compliance below this get the lag mark
#define S_LAG_MARK "▲"
#define S_NSYSTEMS 8
#define S_BOM "\xEF\xBB\xBF"

//  =========================================================================
//  Labels: Chinese names of the enums that appear in reports
//  =========================================================================

typedef struct {
    const char *key;                //  the JSON value
    const char *label;              //  what a reader sees
} s_label_t;

//  Short labels of the eight systems (rules.md), used in chart axes and CSV headers.
static const char *s_system_short [S_NSYSTEMS + 1] = {
    NULL, "调研蹲点", "联系点", "挂职", "接访", "谈心", "征求意见", "承诺践诺", "党代表"
};
//  Full names, for when a report does not carry them.
static const char *s_system_long [S_NSYSTEMS + 1] = {
    NULL, "领导干部调研蹲点制度", "领导干部基层联系点制度", "机关干部到基层挂职任职制度",
    "定期接待群众来访下访制度", "与干部群众谈心制度", "征集处理群众意见制度",
    "基层党组织和党员承诺践诺服务群众制度", "党代表直接联系群众制度"
};

static const s_label_t s_status_labels [] = {
    { "met", "达标" }, { "unmet", "未达标" }, { "warning", "提醒" },
    { "not_applicable", "不适用" }, { NULL, NULL }
};
static const s_label_t s_role_labels [] = {
    { "main_leader", "主要领导" }, { "leader", "班子成员" }, { "org_head", "党组织书记" },
    { "party_member", "党员" }, { "rep_city", "市党代表" }, { "rep_unit", "单位党代表" },
    { "seconded", "挂职干部" }, { NULL, NULL }
};
static const s_label_t s_severity_labels [] = {
    { "violation", "硬性" }, { "warning", "提醒" }, { NULL, NULL }
};
//  Metric names the rule engine uses; an unknown metric is shown by its key.
static const s_label_t s_metric_labels [] = {
    { "research_days", "调研天数" }, { "stationed_days", "驻点天数" },
    { "unannounced_trips", "随机调研次数" }, { "research_reports", "调研报告" },
    { "work_items", "推进工作任务" }, { "contact_points", "联系点" },
    { "paired_families", "结对家庭" }, { "contact_visits", "联系点走访" },
    { "practical_deeds", "办实事" }, { "reception_days", "接访天数" },
    { "reception_months", "接访月数" }, { "reception_half_months", "接访半月数" },
    { "case_visits", "带案下访/约访" }, { "talks", "谈心谈话" },
    { "talk_coverage", "谈心覆盖率" }, { "commitments", "承诺" },
    { "rep_activities", "党代表活动" }, { NULL, NULL }
};
static const s_label_t s_case_labels [] = {
    { "petitions", "信访事项 Petitions" }, { "opinions", "群众意见 Opinions" },
    { "commitments", "承诺事项 Commitments" },
    { "received", "受理" }, { "closed", "办结" }, { "overdue", "逾期" },
    { "unsigned", "未签署" }, { "assigned", "交办" }, { "closed_on_time", "按时办结" },
    { "made", "作出" }, { "fulfilled", "兑现" }, { "evaluated", "测评" }, { NULL, NULL }
};

//  Returns the label of KEY in TABLE, KEY itself when unknown, "-" when KEY is NULL.
static const char *
s_label (const s_label_t *table, const char *key)
{
    if (!key)
        return "-";
    for (; table->key; table++)
        if (strcmp (table->key, key) == 0)
            return table->label;
    return key;
}

//  =========================================================================
//  Display width of UTF-8 text in a terminal
//  =========================================================================

typedef struct {
    uint32_t lo, hi;                //  inclusive range of code points
} s_range_t;

//  Combining marks, zero-width and format characters: 0 columns.
static const s_range_t s_zero_width [] = {
    { 0x0300, 0x036F }, { 0x0483, 0x0489 }, { 0x0591, 0x05BD }, { 0x0610, 0x061A },
    { 0x064B, 0x065F }, { 0x1AB0, 0x1AFF }, { 0x1DC0, 0x1DFF }, { 0x200B, 0x200F },
    { 0x202A, 0x202E }, { 0x2060, 0x2064 }, { 0x20D0, 0x20FF }, { 0x302A, 0x302D },
    { 0x3099, 0x309A }, { 0xFE00, 0xFE0F }, { 0xFE20, 0xFE2F }, { 0xFEFF, 0xFEFF },
    { 0xE0100, 0xE01EF }
};
//  East Asian wide and full-width characters: 2 columns.
static const s_range_t s_double_width [] = {
    { 0x1100, 0x115F }, { 0x231A, 0x231B }, { 0x2329, 0x232A }, { 0x2E80, 0x303E },
    { 0x3041, 0x33FF }, { 0x3400, 0x4DBF }, { 0x4E00, 0x9FFF }, { 0xA000, 0xA4CF },
    { 0xA960, 0xA97F }, { 0xAC00, 0xD7A3 }, { 0xF900, 0xFAFF }, { 0xFE10, 0xFE19 },
    { 0xFE30, 0xFE6F }, { 0xFF00, 0xFF60 }, { 0xFFE0, 0xFFE6 }, { 0x1F300, 0x1F64F },
    { 0x1F900, 0x1F9FF }, { 0x20000, 0x2FFFD }, { 0x30000, 0x3FFFD }
};

static int
s_in (const s_range_t *ranges, size_t count, uint32_t cp)
{
    for (size_t i = 0; i < count; i++)
        if (cp >= ranges [i].lo && cp <= ranges [i].hi)
            return 1;
    return 0;
}

//  Decodes the UTF-8 sequence at S into *CP and returns its length in bytes.
//  An invalid or truncated sequence yields U+FFFD and a length of 1.
static size_t
s_utf8_next (const unsigned char *s, uint32_t *cp)
{
    uint32_t value, least;
    size_t len;
    if (s [0] < 0x80) {
        *cp = s [0];
        return 1;
    }
    if ((s [0] & 0xE0) == 0xC0)      { len = 2; value = s [0] & 0x1F; least = 0x80; }
    else if ((s [0] & 0xF0) == 0xE0) { len = 3; value = s [0] & 0x0F; least = 0x800; }
    else if ((s [0] & 0xF8) == 0xF0) { len = 4; value = s [0] & 0x07; least = 0x10000; }
    else {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s [i] & 0xC0) != 0x80) {   //  also stops at the terminating NUL
            *cp = 0xFFFD;
            return 1;
        }
        value = (value << 6) | (s [i] & 0x3F);
    }
    if (value < least || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = value;
    return len;
}

int
ml_display_width (const char *utf8)
{
    if (!utf8)
        return 0;
    int width = 0;
    const unsigned char *s = (const unsigned char *) utf8;
    while (*s) {
        uint32_t cp;
        s += s_utf8_next (s, &cp);
        if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0))
            continue;
        if (s_in (s_zero_width, sizeof s_zero_width / sizeof s_zero_width [0], cp))
            continue;
        width += s_in (s_double_width, sizeof s_double_width / sizeof s_double_width [0], cp)? 2: 1;
    }
    return width;
}

//  =========================================================================
//  Reading report values
//  =========================================================================

static const char *
s_str (const json_t *obj, const char *key)
{
    return json_string_value (json_object_get (obj, key));
}

static const char *
s_or (const char *str, const char *fallback)
{
    return str? str: fallback;
}

//  Integer value of KEY in OBJ; 0 when absent or not a number.
static json_int_t
s_int (const json_t *obj, const char *key)
{
    json_t *value = json_object_get (obj, key);
    if (json_is_integer (value))
        return json_integer_value (value);
    if (json_is_real (value))
        return (json_int_t) json_real_value (value);
    return 0;
}

//  Formats VALUE (a number, string or bool) into BUF and returns it; returns MISSING
//  for anything else. Reals get at most two decimals.
static const char *
s_value (const json_t *value, char *buf, size_t size, const char *missing)
{
    if (json_is_integer (value))
        snprintf (buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value (value));
    else
    if (json_is_real (value)) {
        snprintf (buf, size, "%.2f", json_real_value (value));
        char *end = buf + strlen (buf);
        while (end > buf && end [-1] == '0')
            *--end = 0;
        if (end > buf && end [-1] == '.')
            *--end = 0;
    }
    else
    if (json_is_string (value))
        return json_string_value (value);
    else
    if (json_is_boolean (value))
        return json_is_true (value)? "是": "否";
    else
        return missing;
    return buf;
}

//  Appends STR to the string in BUF only if it fits whole (never cuts a character).
static void
s_cat (char *buf, size_t size, const char *str)
{
    size_t len = strlen (buf);
    if (len + strlen (str) < size)
        strcpy (buf + len, str);
}

//  A rule's requirement: "60", or "5-7" when it has a maximum.
static const char *
s_required (const json_t *rule, char *buf, size_t size, const char *missing)
{
    char low [32], high [32];
    const char *min = s_value (json_object_get (rule, "required"), low, sizeof low, NULL);
    const char *max = s_value (json_object_get (rule, "max"), high, sizeof high, NULL);
    if (!min)
        return missing;
    snprintf (buf, size, max? "%s-%s": "%s", min, max);
    return buf;
}

//  Roles ("main_leader", or {"role": ...}) joined with "、".
static const char *
s_roles (const json_t *roles, char *buf, size_t size)
{
    size_t index;
    json_t *role;
    buf [0] = 0;
    json_array_foreach (roles, index, role) {
        const char *name = json_is_object (role)? s_str (role, "role"): json_string_value (role);
        if (!name)
            continue;
        if (buf [0])
            s_cat (buf, size, "、");
        s_cat (buf, size, s_label (s_role_labels, name));
    }
    return buf [0]? buf: "-";
}

//  One missed period for a reader: months as is, half-months "2025-03-a" as "2025-03上".
static const char *
s_period (const char *period, char *buf, size_t size)
{
    size_t len = strlen (period);
    if (len == 9 && period [7] == '-' && (period [8] == 'a' || period [8] == 'b'))
        snprintf (buf, size, "%.7s%s", period, period [8] == 'a'? "上": "下");
    else
        snprintf (buf, size, "%s", period);
    return buf;
}

//  Missed periods joined with "、".
static const char *
s_missed (const json_t *missed, char *buf, size_t size)
{
    size_t index;
    json_t *item;
    buf [0] = 0;
    json_array_foreach (missed, index, item) {
        char one [64];
        if (!json_string_value (item))
            continue;
        if (buf [0])
            s_cat (buf, size, "、");
        s_cat (buf, size, s_period (json_string_value (item), one, sizeof one));
    }
    return buf;
}

//  met / (met + unmet) of a summary or system entry; -1 when nothing was met or unmet.
static double
s_ratio (const json_t *counts)
{
    json_int_t met = s_int (counts, "met"), unmet = s_int (counts, "unmet");
    return met + unmet > 0? (double) met / (double) (met + unmet): -1;
}

//  A unit's compliance: its "compliance" key, else computed from its summary.
static double
s_compliance (const json_t *unit)
{
    json_t *value = json_object_get (unit, "compliance");
    if (json_is_number (value))
        return json_number_value (value);
    double ratio = s_ratio (json_object_get (unit, "summary"));
    return ratio < 0? 1: ratio;
}

static int
s_lagging (const json_t *unit)
{
    return s_compliance (unit) < S_LAG_BELOW;
}

//  "93.3%", or MISSING for a negative ratio (nothing checked).
static const char *
s_pct (double ratio, char *buf, size_t size, const char *missing)
{
    if (ratio < 0)
        return missing;
    snprintf (buf, size, "%.1f%%", ratio * 100);
    return buf;
}

//  The entry for system NUMBER in a "systems" array, or NULL.
static const json_t *
s_system (const json_t *systems, int number)
{
    size_t index;
    json_t *entry;
    json_array_foreach (systems, index, entry)
        if (s_int (entry, "system") == number)
            return entry;
    return NULL;
}

//  "met/checked" of system NUMBER, or "-" when it had nothing checked.
static const char *
s_system_cell (const json_t *systems, int number, char *buf, size_t size)
{
    const json_t *entry = s_system (systems, number);
    if (!entry || s_int (entry, "checked") <= 0)
        return "-";
    snprintf (buf, size, "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
              s_int (entry, "met"), s_int (entry, "checked"));
    return buf;
}

//  Per-system counts of a list of rule entries, shaped like unit-annual "systems"
//  (all eight). Used for the cadre report, whose person carries only rules.
static json_t *
s_systems_of_rules (const json_t *rules)
{
    json_int_t counts [S_NSYSTEMS + 1][3] = { { 0 } };
    size_t index;
    json_t *rule;
    json_array_foreach (rules, index, rule) {
        json_int_t number = s_int (rule, "system");
        const char *status = s_or (s_str (rule, "status"), "");
        if (number < 1 || number > S_NSYSTEMS)
            continue;
        if (strcmp (status, "met") == 0)
            counts [number][0]++;
        else
        if (strcmp (status, "unmet") == 0)
            counts [number][1]++;
        else
        if (strcmp (status, "warning") == 0)
            counts [number][2]++;
    }
    json_t *systems = json_array ();
    for (int number = 1; number <= S_NSYSTEMS; number++)
        json_array_append_new (systems, json_pack ("{s:i, s:s, s:I, s:I, s:I, s:I}",
            "system", number, "name", s_system_long [number],
            "checked", counts [number][0] + counts [number][1] + counts [number][2],
            "met", counts [number][0], "unmet", counts [number][1],
            "warnings", counts [number][2]));
    return systems;
}

//  Totals of a "systems" array, shaped like a report "summary".
static json_t *
s_summary_of_systems (const json_t *systems)
{
    json_int_t checked = 0, met = 0, unmet = 0, warnings = 0;
    size_t index;
    json_t *entry;
    json_array_foreach (systems, index, entry) {
        checked += s_int (entry, "checked");
        met += s_int (entry, "met");
        unmet += s_int (entry, "unmet");
        warnings += s_int (entry, "warnings");
    }
    return json_pack ("{s:I, s:I, s:I, s:I}", "rules_checked", checked,
                      "met", met, "unmet", unmet, "warnings", warnings);
}

//  Collects rule id -> text of RULES into TEXTS (first text wins).
static void
s_collect_texts (json_t *texts, const json_t *rules)
{
    size_t index;
    json_t *rule;
    json_array_foreach (rules, index, rule) {
        const char *id = s_str (rule, "rule"), *text = s_str (rule, "text");
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

//  Adds the next cell (printf-style). Control characters become spaces and runs of
//  spaces one space, so a cell never breaks a line or looks like a column gap.
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
    char *to = cell;
    for (const char *from = cell; *from; from++) {
        char c = (unsigned char) *from < 0x20 || *from == 0x7F? ' ': *from;
        if (c == ' ' && (to == cell || to [-1] == ' '))
            continue;
        *to++ = c;
    }
    if (to > cell && to [-1] == ' ')
        to--;
    *to = 0;
    self->cells [self->ncells++] = cell;
}

static void
s_table_str (s_table_t *self, const char *str)
{
    s_table_cell (self, "%s", s_or (str, "-"));
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
//  Text renderers
//  =========================================================================

//  "年度 Year: 2025  截至 As of: 2025-12-31  规则版本 Rules: zhenjiang-2014"
static void
s_text_meta (const json_t *report, FILE *out)
{
    char year [32];
    fprintf (out, "年度 Year: %s  截至 As of: %s  规则版本 Rules: %s\n",
             s_value (json_object_get (report, "year"), year, sizeof year, "-"),
             s_or (s_str (report, "as_of"), "-"), s_or (s_str (report, "rules_version"), "-"));
}

static void
s_text_summary (const json_t *summary, FILE *out)
{
    char rate [32];
    fprintf (out, "汇总 Summary: 检查 Checked %" JSON_INTEGER_FORMAT "  达标 Met %" JSON_INTEGER_FORMAT
             "  未达标 Unmet %" JSON_INTEGER_FORMAT "  提醒 Warnings %" JSON_INTEGER_FORMAT
             "  达标率 Rate %s\n",
             s_int (summary, "rules_checked"), s_int (summary, "met"), s_int (summary, "unmet"),
             s_int (summary, "warnings"), s_pct (s_ratio (summary), rate, sizeof rate, "-"));
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
        char required [64], actual [64], missed [1024];
        s_table_str (&table, s_str (rule, "rule"));
        s_table_str (&table, s_required (rule, required, sizeof required, "-"));
        s_table_str (&table, s_value (json_object_get (rule, "actual"), actual, sizeof actual, "-"));
        s_table_str (&table, s_label (s_status_labels, s_str (rule, "status")));
        s_table_str (&table, s_missed (json_object_get (rule, "missed"), missed, sizeof missed));
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
        json_int_t number = s_int (entry, "system");
        char rate [32];
        s_table_cell (&table, "%" JSON_INTEGER_FORMAT, number);
        s_table_str (&table, s_or (s_str (entry, "name"),
                     number >= 1 && number <= S_NSYSTEMS? s_system_long [number]: "-"));
        s_table_cell (&table, "%" JSON_INTEGER_FORMAT, s_int (entry, "checked"));
        s_table_cell (&table, "%" JSON_INTEGER_FORMAT, s_int (entry, "met"));
        s_table_cell (&table, "%" JSON_INTEGER_FORMAT, s_int (entry, "unmet"));
        s_table_cell (&table, "%" JSON_INTEGER_FORMAT, s_int (entry, "warnings"));
        s_table_str (&table, s_pct (s_ratio (entry), rate, sizeof rate, "-"));
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
        s_table_str (&table, s_str (texts, ids [i]));
    }
    free (ids);
    fprintf (out, "\n规则说明 Rule texts\n");
    return s_table_print (&table, out, "");
}

//  "  指标 Metrics: 调研天数 62  驻点天数 5"
static void
s_text_metrics (const json_t *metrics, FILE *out)
{
    if (json_object_size (metrics) == 0)
        return;
    fprintf (out, "  指标 Metrics:");
    const char *key;
    json_t *value;
    const char *gap = " ";
    json_object_foreach ((json_t *) metrics, key, value) {
        char buf [64];
        fprintf (out, "%s%s %s", gap, s_label (s_metric_labels, key),
                 s_value (value, buf, sizeof buf, "-"));
        gap = "  ";
    }
    fprintf (out, "\n");
}

//  One person: a heading line, metrics, then the rule table.
static int
s_text_person (const json_t *person, FILE *out)
{
    char roles [512];
    const char *org = s_str (person, "org");
    fprintf (out, "\n%s (%s)  %s%s%s\n", s_or (s_str (person, "name"), "-"),
             s_or (s_str (person, "person"), "-"),
             s_roles (json_object_get (person, "roles"), roles, sizeof roles),
             org? "  党组织 Org: ": "", s_or (org, ""));
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
        fprintf (out, "  %s:", s_label (s_case_labels, kind));
        json_object_foreach (counts, key, value) {
            char buf [64];
            fprintf (out, "  %s %s", s_label (s_case_labels, key),
                     s_value (value, buf, sizeof buf, "-"));
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
    fprintf (out, "直接联系群众工作单位年度报告 Unit annual report\n");
    fprintf (out, "单位 Unit: %s (%s)\n", s_or (s_str (report, "unit_name"), "-"),
             s_or (s_str (report, "unit"), "-"));
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
    char roles [512];
    fprintf (out, "领导干部述职述廉附件：直接联系群众 Cadre annex\n");
    fprintf (out, "姓名 Name: %s (%s)\n", s_or (s_str (person, "name"), "-"),
             s_or (s_str (person, "person"), "-"));
    fprintf (out, "单位 Unit: %s (%s)\n", s_or (s_str (report, "unit_name"), "-"),
             s_or (s_str (report, "unit"), "-"));
    fprintf (out, "职务 Roles: %s\n", s_roles (json_object_get (person, "roles"), roles, sizeof roles));
    if (s_str (person, "org"))
        fprintf (out, "党组织 Org: %s\n", s_str (person, "org"));
    s_text_meta (report, out);
    json_t *systems = s_systems_of_rules (rules);
    json_t *summary = s_summary_of_systems (systems);
    s_text_summary (summary, out);
    s_text_metrics (json_object_get (person, "metrics"), out);
    fprintf (out, "\n履职情况 Rules\n");
    int rc = s_text_rules (rules, out, "");
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
    for (int number = 1; number <= S_NSYSTEMS; number++)
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
            s_table_cell (&table, "%" JSON_INTEGER_FORMAT, s_int (unit, "rank"));
        s_table_str (&table, s_str (unit, "unit"));
        s_table_str (&table, s_str (unit, "unit_name"));
        if (!ranked)
            s_table_cell (&table, "%" JSON_INTEGER_FORMAT, s_int (unit, "persons"));
        for (int number = 1; number <= S_NSYSTEMS; number++) {
            char cell [64];
            s_table_str (&table, s_system_cell (systems, number, cell, sizeof cell));
        }
        s_table_cell (&table, "%" JSON_INTEGER_FORMAT,
                      s_int (json_object_get (unit, "summary"), "unmet"));
        s_table_str (&table, s_pct (s_compliance (unit), rate, sizeof rate, "-"));
        s_table_str (&table, s_lagging (unit)? S_LAG_MARK: "");
    }
    fprintf (out, "制度 Systems (达标/检查 met/checked):");
    for (int number = 1; number <= S_NSYSTEMS; number++)
        fprintf (out, "  %d %s", number, s_system_short [number]);
    fprintf (out, "\n\n");
    int rc = s_table_print (&table, out, "");
    size_t lagging = 0;
    json_array_foreach (units, index, unit)
        lagging += s_lagging (unit);
    fprintf (out, "\n" S_LAG_MARK " 达标率低于 %.0f%%，需重点关注 compliance below %.0f%%: %zu 个单位 units\n",
             S_LAG_BELOW * 100, S_LAG_BELOW * 100, lagging);
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
    fprintf (out, "直接联系群众工作进度通报 Progress bulletin\n");
    fprintf (out, "期间 Period: %s (%s 至 %s)  规则版本 Rules: %s\n",
             s_or (s_str (report, "period"), "-"), s_or (s_str (report, "from"), "-"),
             s_or (s_str (report, "to"), "-"), s_or (s_str (report, "rules_version"), "-"));
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
        const char *person = s_str (row, "person");
        s_table_str (&table, s_str (row, "unit"));
        s_table_str (&table, s_str (row, "unit_name"));
        s_table_str (&table, person);
        s_table_str (&table, person? s_str (row, "name"): "(单位)");
        s_table_str (&table, s_str (row, "rule"));
        s_table_str (&table, s_label (s_severity_labels, s_str (row, "severity")));
        s_table_str (&table, s_value (json_object_get (row, "actual"), actual, sizeof actual, "-"));
        s_table_str (&table, s_required (row, required, sizeof required, "-"));
        s_table_str (&table, s_str (row, "text"));
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
        s_table_str (&table, s_str (unit, "unit"));
        s_table_str (&table, s_str (unit, "unit_name"));
        s_table_cell (&table, "%" JSON_INTEGER_FORMAT, s_int (unit, "unmet"));
    }
    fprintf (out, "\n单位 Units\n");
    return s_table_print (&table, out, "");
}

//  =========================================================================
//  CSV renderers: UTF-8 with BOM, CRLF, RFC 4180 quoting, one flat table each
//  =========================================================================

#define S_CSV_MAX 48                //  most fields in a row (rollup: 9 + 3 per system)

typedef struct {
    const char *fields [S_CSV_MAX]; //  the row's fields, borrowed or in bufs
    char bufs [S_CSV_MAX][48];      //  storage for formatted numbers
    size_t count;                   //  fields so far
} s_row_t;

static void
s_row_str (s_row_t *row, const char *str)
{
    assert (row->count < S_CSV_MAX);
    row->fields [row->count++] = s_or (str, "");
}

static void
s_row_int (s_row_t *row, json_int_t value)
{
    assert (row->count < S_CSV_MAX);
    snprintf (row->bufs [row->count], sizeof row->bufs [0], "%" JSON_INTEGER_FORMAT, value);
    row->fields [row->count] = row->bufs [row->count];
    row->count++;
}

//  A JSON value as a field; empty when absent.
static void
s_row_value (s_row_t *row, const json_t *value)
{
    assert (row->count < S_CSV_MAX);
    row->fields [row->count] = s_value (value, row->bufs [row->count], sizeof row->bufs [0], "");
    row->count++;
}

static void
s_row_pct (s_row_t *row, double ratio)
{
    assert (row->count < S_CSV_MAX);
    row->fields [row->count] = s_pct (ratio, row->bufs [row->count], sizeof row->bufs [0], "");
    row->count++;
}

//  Writes the row (quoting fields that hold a comma, quote, CR or LF) and empties it.
static void
s_row_end (s_row_t *row, FILE *out)
{
    for (size_t i = 0; i < row->count; i++) {
        const char *field = row->fields [i];
        if (i > 0)
            fputc (',', out);
        if (strpbrk (field, ",\"\r\n")) {
            fputc ('"', out);
            for (; *field; field++) {
                if (*field == '"')
                    fputc ('"', out);
                fputc (*field, out);
            }
            fputc ('"', out);
        }
        else
            fputs (field, out);
    }
    fputs ("\r\n", out);
    row->count = 0;
}

//  The header row from a NULL-terminated list.
static void
s_csv_header (FILE *out, s_row_t *row, const char *const *names)
{
    for (; *names; names++)
        s_row_str (row, *names);
    s_row_end (row, out);
}

static const char *const s_csv_rule_header [] = {
    "单位编号", "单位名称", "年度", "人员编号", "姓名", "角色", "制度", "规则", "内容",
    "性质", "状态", "要求", "上限", "实际", "未达月份", NULL
};

//  One row per rule of PERSON (NULL for unit-level rules) in the unit-annual layout.
static void
s_csv_rules (FILE *out, s_row_t *row, const json_t *report, const json_t *person,
             const json_t *rules)
{
    size_t index;
    json_t *rule;
    json_array_foreach (rules, index, rule) {
        char roles [512], missed [1024];
        json_int_t number = s_int (rule, "system");
        s_row_str (row, s_str (report, "unit"));
        s_row_str (row, s_str (report, "unit_name"));
        s_row_value (row, json_object_get (report, "year"));
        s_row_str (row, s_str (person, "person"));
        s_row_str (row, s_str (person, "name"));
        s_row_str (row, person? s_roles (json_object_get (person, "roles"), roles, sizeof roles): "");
        s_row_str (row, number >= 1 && number <= S_NSYSTEMS? s_system_short [number]: "");
        s_row_str (row, s_str (rule, "rule"));
        s_row_str (row, s_str (rule, "text"));
        s_row_str (row, s_str (rule, "severity")? s_label (s_severity_labels, s_str (rule, "severity")): "");
        s_row_str (row, s_label (s_status_labels, s_str (rule, "status")));
        s_row_value (row, json_object_get (rule, "required"));
        s_row_value (row, json_object_get (rule, "max"));
        s_row_value (row, json_object_get (rule, "actual"));
        s_row_str (row, s_missed (json_object_get (rule, "missed"), missed, sizeof missed));
        s_row_end (row, out);
    }
}

static int
s_csv_unit_annual (const json_t *report, FILE *out)
{
    s_row_t row = { .count = 0 };
    s_csv_header (out, &row, s_csv_rule_header);
    size_t index;
    json_t *person;
    json_array_foreach (json_object_get (report, "persons"), index, person)
        s_csv_rules (out, &row, report, person, json_object_get (person, "rules"));
    s_csv_rules (out, &row, report, NULL, json_object_get (report, "unit_rules"));
    return 0;
}

static int
s_csv_cadre (const json_t *report, FILE *out)
{
    s_row_t row = { .count = 0 };
    json_t *person = json_object_get (report, "person");
    s_csv_header (out, &row, s_csv_rule_header);
    s_csv_rules (out, &row, report, person, json_object_get (person, "rules"));
    return 0;
}

//  rollup and bulletin: one row per unit, totals then checked/met/unmet per system.
static int
s_csv_units (const json_t *report, FILE *out, int ranked)
{
    s_row_t row = { .count = 0 };
    char names [S_NSYSTEMS][3][48];
    s_row_str (&row, ranked? "期间": "年度");
    if (ranked)
        s_row_str (&row, "名次");
    s_row_str (&row, "单位编号");
    s_row_str (&row, "单位名称");
    if (!ranked)
        s_row_str (&row, "人数");
    s_row_str (&row, "检查");
    s_row_str (&row, "达标");
    s_row_str (&row, "未达标");
    s_row_str (&row, "提醒");
    s_row_str (&row, "达标率");
    for (int number = 1; number <= S_NSYSTEMS; number++) {
        const char *what [3] = { "检查", "达标", "未达标" };
        for (int i = 0; i < 3; i++) {
            snprintf (names [number - 1][i], sizeof names [0][0], "%s-%s",
                      s_system_short [number], what [i]);
            s_row_str (&row, names [number - 1][i]);
        }
    }
    s_row_end (&row, out);

    size_t index;
    json_t *unit;
    json_array_foreach (json_object_get (report, "units"), index, unit) {
        json_t *summary = json_object_get (unit, "summary");
        json_t *systems = json_object_get (unit, "systems");
        if (ranked) {
            s_row_str (&row, s_str (report, "period"));
            s_row_int (&row, s_int (unit, "rank"));
        }
        else
            s_row_value (&row, json_object_get (report, "year"));
        s_row_str (&row, s_str (unit, "unit"));
        s_row_str (&row, s_str (unit, "unit_name"));
        if (!ranked)
            s_row_int (&row, s_int (unit, "persons"));
        s_row_int (&row, s_int (summary, "rules_checked"));
        s_row_int (&row, s_int (summary, "met"));
        s_row_int (&row, s_int (summary, "unmet"));
        s_row_int (&row, s_int (summary, "warnings"));
        s_row_pct (&row, s_compliance (unit));
        for (int number = 1; number <= S_NSYSTEMS; number++) {
            const json_t *entry = s_system (systems, number);
            s_row_int (&row, s_int (entry, "checked"));
            s_row_int (&row, s_int (entry, "met"));
            s_row_int (&row, s_int (entry, "unmet"));
        }
        s_row_end (&row, out);
    }
    return 0;
}

static int
s_csv_rollup (const json_t *report, FILE *out)
{
    return s_csv_units (report, out, 0);
}

static int
s_csv_bulletin (const json_t *report, FILE *out)
{
    return s_csv_units (report, out, 1);
}

static int
s_csv_watchlist (const json_t *report, FILE *out)
{
    static const char *const header [] = {
        "年度", "单位编号", "单位名称", "人员编号", "姓名", "规则", "内容", "性质", "实际", "要求",
        "上限", NULL
    };
    s_row_t row = { .count = 0 };
    s_csv_header (out, &row, header);
    size_t index;
    json_t *item;
    json_array_foreach (json_object_get (report, "rows"), index, item) {
        s_row_value (&row, json_object_get (report, "year"));
        s_row_str (&row, s_str (item, "unit"));
        s_row_str (&row, s_str (item, "unit_name"));
        s_row_str (&row, s_str (item, "person"));
        s_row_str (&row, s_str (item, "name"));
        s_row_str (&row, s_str (item, "rule"));
        s_row_str (&row, s_str (item, "text"));
        s_row_str (&row, s_str (item, "severity")? s_label (s_severity_labels, s_str (item, "severity")): "");
        s_row_value (&row, json_object_get (item, "actual"));
        s_row_value (&row, json_object_get (item, "required"));
        s_row_value (&row, json_object_get (item, "max"));
        s_row_end (&row, out);
    }
    return 0;
}

//  =========================================================================
//  HTML renderers: one self-contained, printable A4 page per report
//  =========================================================================

static const char s_css [] =
    "@page { size: A4; margin: 15mm }\n"
    "body { font-family: \"Noto Sans CJK SC\", \"Source Han Sans SC\", \"Microsoft YaHei\", "
    "\"PingFang SC\", sans-serif; font-size: 10pt; color: #222; max-width: 180mm; "
    "margin: 8mm auto; line-height: 1.45 }\n"
    "h1 { font-size: 17pt; margin: 0 }\n"
    "h1 small { font-size: 10pt; color: #666; font-weight: normal; margin-left: 6pt }\n"
    "h2 { font-size: 12.5pt; margin: 14pt 0 5pt; padding-bottom: 2pt; border-bottom: 1.5px solid #8a1c1c }\n"
    "h3 { font-size: 11pt; margin: 10pt 0 3pt }\n"
    "h3 small { font-weight: normal; color: #555; margin-left: 6pt }\n"
    "h2, h3 { break-after: avoid; page-break-after: avoid }\n"
    ".meta, .legend, footer { color: #555; font-size: 9pt }\n"
    ".kpis { display: flex; flex-wrap: wrap; gap: 6pt; margin: 8pt 0 }\n"
    ".kpis div { border: 1px solid #ccc; border-radius: 3pt; padding: 3pt 9pt; min-width: 20mm }\n"
    ".kpis span { display: block; font-size: 8.5pt; color: #666 }\n"
    ".kpis b { font-size: 14pt }\n"
    "table { border-collapse: collapse; width: 100%; margin: 3pt 0 8pt }\n"
    "th, td { border: 1px solid #bbb; padding: 2pt 4pt; text-align: left; vertical-align: top }\n"
    "th { background: #eef1f5; font-weight: bold }\n"
    "table.wide { font-size: 8.5pt }\n"
    "table.rules { table-layout: fixed }\n"
    "table.metrics { width: auto; font-size: 9pt }\n"
    "table.metrics th, table.metrics td { min-width: 16mm }\n"
    ".nw, td.met, td.unmet, td.warning, td.not_applicable { white-space: nowrap }\n"
    "td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap }\n"
    "thead { display: table-header-group }\n"
    "tr { break-inside: avoid; page-break-inside: avoid }\n"
    ".met { color: #1a7a3c } .unmet { color: #b3141b; font-weight: bold } "
    ".warning { color: #a35a00 } .not_applicable { color: #888 }\n"
    "tr.lag td { background: #fdecea } .mark { color: #b3141b }\n"
    ".person { break-inside: avoid; page-break-inside: avoid }\n"
    "svg.chart { display: block; max-width: 100%; height: auto; margin: 4pt 0 }\n"
    "svg.chart text { font-family: inherit; font-size: 11px; fill: #222 }\n"
    "footer { margin-top: 14pt; border-top: 1px solid #ccc; padding-top: 3pt }\n";

//  Writes TEXT with & < > " ' escaped; "-" when TEXT is NULL.
static void
s_html (FILE *out, const char *text)
{
    if (!text)
        text = "-";
    for (; *text; text++) {
        switch (*text) {
            case '&': fputs ("&amp;", out); break;
            case '<': fputs ("&lt;", out); break;
            case '>': fputs ("&gt;", out); break;
            case '"': fputs ("&quot;", out); break;
            case '\'': fputs ("&#39;", out); break;
            default: fputc (*text, out);
        }
    }
}

//  <TAG class="CLASS">text</TAG>; CLASS may be NULL.
static void
s_html_cell (FILE *out, const char *tag, const char *class, const char *text)
{
    if (class)
        fprintf (out, "<%s class=\"%s\">", tag, class);
    else
        fprintf (out, "<%s>", tag);
    s_html (out, text);
    fprintf (out, "</%s>", tag);
}

//  The document up to the end of the <h1>: TITLE (Chinese) and SUBTITLE (English).
static void
s_html_head (FILE *out, const char *title, const char *subtitle, const char *context)
{
    fprintf (out, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    if (context) {
        s_html (out, context);
        fputc (' ', out);
    }
    s_html (out, title);
    fprintf (out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", s_css);
    s_html (out, title);
    fprintf (out, "<small>");
    s_html (out, subtitle);
    fprintf (out, "</small></h1>\n");
}

//  A meta line: "年度 2025 · 截至 2025-12-31 · 规则版本 zhenjiang-2014", ends the header.
static void
s_html_meta (FILE *out, const json_t *report)
{
    char year [32];
    const char *value = s_value (json_object_get (report, "year"), year, sizeof year, NULL);
    fprintf (out, "<p class=\"meta\">");
    if (value) {
        fprintf (out, "年度 Year ");
        s_html (out, value);
        fprintf (out, " · ");
    }
    if (s_str (report, "as_of")) {
        fprintf (out, "截至 As of ");
        s_html (out, s_str (report, "as_of"));
        fprintf (out, " · ");
    }
    fprintf (out, "规则版本 Rules ");
    s_html (out, s_str (report, "rules_version"));
    fprintf (out, "</p>\n</header>\n");
}

static void
s_html_foot (FILE *out, const char *kind)
{
    fprintf (out, "<footer>massline ");
    s_html (out, kind);
    fprintf (out, " · 依据《党员干部直接联系群众制度》实施办法（镇卫党发〔2014〕38号）</footer>\n"
             "</body>\n</html>\n");
}

//  The headline figures of a summary as boxes.
static void
s_html_kpis (FILE *out, const json_t *summary, double ratio, const char *extra_label,
             json_int_t extra)
{
    char rate [32];
    fprintf (out, "<div class=\"kpis\">\n");
    if (extra_label)
        fprintf (out, "<div><span>%s</span><b>%" JSON_INTEGER_FORMAT "</b></div>\n", extra_label, extra);
    fprintf (out, "<div><span>检查 Checked</span><b>%" JSON_INTEGER_FORMAT "</b></div>\n"
             "<div><span>达标 Met</span><b class=\"met\">%" JSON_INTEGER_FORMAT "</b></div>\n"
             "<div><span>未达标 Unmet</span><b class=\"unmet\">%" JSON_INTEGER_FORMAT "</b></div>\n"
             "<div><span>提醒 Warnings</span><b class=\"warning\">%" JSON_INTEGER_FORMAT "</b></div>\n"
             "<div><span>达标率 Rate</span><b>%s</b></div>\n</div>\n",
             s_int (summary, "rules_checked"), s_int (summary, "met"), s_int (summary, "unmet"),
             s_int (summary, "warnings"), s_pct (ratio, rate, sizeof rate, "-"));
}

//  Fill colour for a compliance RATIO: red below 50%, through amber at 80%, to green
//  at 100%; grey when nothing was checked (RATIO < 0). *DARK says whether white text is
//  needed on it.
static void
s_heat_color (double ratio, char *buf, size_t size, int *dark)
{
    static const struct { double at; int r, g, b; } stops [] = {
        { 0.5, 0xd7, 0x30, 0x27 }, { 0.7, 0xfc, 0x8d, 0x59 }, { 0.8, 0xfe, 0xe0, 0x8b },
        { 0.9, 0xa6, 0xd9, 0x6a }, { 1.0, 0x1a, 0x98, 0x50 }
    };
    size_t nstops = sizeof stops / sizeof stops [0];
    if (ratio < 0) {
        snprintf (buf, size, "#e4e4e4");
        *dark = 0;
        return;
    }
    if (ratio < stops [0].at)
        ratio = stops [0].at;
    size_t i = 1;
    while (i < nstops - 1 && ratio > stops [i].at)
        i++;
    double t = (ratio - stops [i - 1].at) / (stops [i].at - stops [i - 1].at);
    if (t > 1)
        t = 1;
    snprintf (buf, size, "#%02x%02x%02x",
              (int) (stops [i - 1].r + t * (stops [i].r - stops [i - 1].r) + 0.5),
              (int) (stops [i - 1].g + t * (stops [i].g - stops [i - 1].g) + 0.5),
              (int) (stops [i - 1].b + t * (stops [i].b - stops [i - 1].b) + 0.5));
    *dark = ratio < 0.6 || ratio > 0.97;
}

//  Whole percent, rounded down so that 99.6% never shows as 100%.
static int
s_whole_pct (double ratio)
{
    return (int) (ratio * 100 + 1e-9);
}

//  Heat map of compliance per unit (rows) x system (columns), plus a total column.
static void
s_svg_heatmap (FILE *out, const json_t *units)
{
    const int cell_w = 58, cell_h = 24, top = 46, legend_h = 62;
    size_t nunits = json_array_size (units), index;
    json_t *unit;
    int label_w = 120;
    json_array_foreach (units, index, unit) {
        int width = 7 * (ml_display_width (s_str (unit, "unit_name")) + 3) + 16;
        if (width > label_w)
            label_w = width;
    }
    int width = label_w + (S_NSYSTEMS + 1) * cell_w + 8;
    int height = top + (int) nunits * cell_h + legend_h;
    fprintf (out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 %d %d\" "
             "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"各单位分制度达标率 compliance by unit and system\">\n",
             width, height, width, height);
    for (int col = 0; col <= S_NSYSTEMS; col++) {
        int x = label_w + col * cell_w + cell_w / 2;
        if (col < S_NSYSTEMS)
            fprintf (out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#666\">%d</text>"
                     "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                     x, top - 24, col + 1, x, top - 8, s_system_short [col + 1]);
        else
            fprintf (out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">合计</text>\n",
                     x, top - 8);
    }
    json_array_foreach (units, index, unit) {
        json_t *systems = json_object_get (unit, "systems");
        int y = top + (int) index * cell_h;
        fprintf (out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 8, y + cell_h / 2 + 4);
        if (s_lagging (unit))
            fprintf (out, "<tspan fill=\"#b3141b\">" S_LAG_MARK " </tspan>");
        s_html (out, s_or (s_str (unit, "unit_name"), s_str (unit, "unit")));
        fprintf (out, "</text>\n");
        for (int col = 0; col <= S_NSYSTEMS; col++) {
            const json_t *entry = col < S_NSYSTEMS? s_system (systems, col + 1): NULL;
            double ratio = col < S_NSYSTEMS? s_ratio (entry): s_compliance (unit);
            char color [16];
            int dark, x = label_w + col * cell_w;
            s_heat_color (ratio, color, sizeof color, &dark);
            fprintf (out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"%s><title>",
                     x + 1, y + 1, cell_w - 2, cell_h - 2, color,
                     col == S_NSYSTEMS? " stroke=\"#333\" stroke-width=\"0.8\"": "");
            s_html (out, s_str (unit, "unit_name"));
            fprintf (out, " · %s", col < S_NSYSTEMS? s_system_short [col + 1]: "合计");
            if (entry)
                fprintf (out, ": 达标 %" JSON_INTEGER_FORMAT " / 检查 %" JSON_INTEGER_FORMAT,
                         s_int (entry, "met"), s_int (entry, "checked"));
            fprintf (out, "</title></rect>");
            if (ratio >= 0)
                fprintf (out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\"%s>%d%%</text>",
                         x + cell_w / 2, y + cell_h / 2 + 4,
                         dark? " style=\"fill:#fff\"": "", s_whole_pct (ratio));
            fprintf (out, "\n");
        }
    }
    //  Legend: the colour scale and the no-data grey.
    int y = top + (int) nunits * cell_h + 14;
    static const double marks [] = { 0.5, 0.6, 0.7, 0.8, 0.9, 1.0 };
    fprintf (out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" fill=\"#666\">达标率</text>\n",
             label_w - 8, y + 13);
    for (size_t i = 0; i <= sizeof marks / sizeof marks [0]; i++) {
        char color [16];
        int dark, x = label_w + (int) i * 52;
        int known = i < sizeof marks / sizeof marks [0];
        s_heat_color (known? marks [i]: -1, color, sizeof color, &dark);
        fprintf (out, "<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"16\" fill=\"%s\"/>", x, y, color);
        if (known)
            fprintf (out, "<text x=\"%d\" y=\"%d\" fill=\"#666\">%s%d%%</text>\n", x + 20, y + 13,
                     i == 0? "≤": "", s_whole_pct (marks [i]));
        else
            fprintf (out, "<text x=\"%d\" y=\"%d\" fill=\"#666\">无检查项</text>\n", x + 20, y + 13);
    }
    fprintf (out, "<text x=\"%d\" y=\"%d\" fill=\"#666\">" S_LAG_MARK " 达标率低于 %.0f%% 的单位</text>\n",
             label_w, y + 36, S_LAG_BELOW * 100);
    fprintf (out, "</svg>\n");
}

typedef struct {
    const char *label;              //  row label (borrowed)
    int lag;                        //  show the lag mark before the label
    json_int_t seg [3];             //  stacked segments: met, warnings, unmet
    char note [64];                 //  text after the bar
} s_bar_t;

//  Horizontal stacked bars, one per row; SEG_NAMES name the three segments for the
//  legend (NULL: not shown).
static void
s_svg_bars (FILE *out, const s_bar_t *bars, size_t count, const char *const seg_names [3],
            const char *aria)
{
    static const char *colors [3] = { "#1a9850", "#fdae61", "#d73027" };
    const int area = 380, row_h = 24, bar_h = 14, top = 6, legend_h = 30;
    int label_w = 110;
    json_int_t most = 1;
    for (size_t i = 0; i < count; i++) {
        int width = 7 * (ml_display_width (bars [i].label) + 3) + 16;
        if (width > label_w)
            label_w = width;
        json_int_t total = bars [i].seg [0] + bars [i].seg [1] + bars [i].seg [2];
        if (total > most)
            most = total;
    }
    int width = label_w + area + 120;
    int height = top + (int) count * row_h + legend_h;
    fprintf (out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 %d %d\" "
             "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s\">\n",
             width, height, width, height, aria);
    fprintf (out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>\n",
             label_w, top, label_w, top + (int) count * row_h);
    for (size_t i = 0; i < count; i++) {
        int y = top + (int) i * row_h;
        double x = label_w;
        fprintf (out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 8, y + row_h / 2 + 4);
        if (bars [i].lag)
            fprintf (out, "<tspan fill=\"#b3141b\">" S_LAG_MARK " </tspan>");
        s_html (out, bars [i].label);
        fprintf (out, "</text>\n");
        for (int s = 0; s < 3; s++) {
            double w = (double) area * (double) bars [i].seg [s] / (double) most;
            if (bars [i].seg [s] <= 0)
                continue;
            fprintf (out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
                     "<title>%s %" JSON_INTEGER_FORMAT "</title></rect>",
                     x, y + (row_h - bar_h) / 2, w, bar_h, colors [s],
                     seg_names [s]? seg_names [s]: "", bars [i].seg [s]);
            x += w;
        }
        fprintf (out, "<text x=\"%.1f\" y=\"%d\" fill=\"#444\">", x + 6, y + row_h / 2 + 4);
        s_html (out, bars [i].note);
        fprintf (out, "</text>\n");
    }
    int y = top + (int) count * row_h + 10, x = label_w;
    for (int s = 0; s < 3; s++) {
        if (!seg_names [s])
            continue;
        fprintf (out, "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"14\" fill=\"%s\"/>"
                 "<text x=\"%d\" y=\"%d\" fill=\"#666\">%s</text>\n",
                 x, y, colors [s], x + 18, y + 12, seg_names [s]);
        x += 18 + 7 * ml_display_width (seg_names [s]) + 24;
    }
    fprintf (out, "</svg>\n");
}

//  Bar chart of the eight systems: met / warnings / unmet per system.
static int
s_svg_systems (FILE *out, const json_t *systems)
{
    static const char *const names [3] = { "达标 met", "提醒 warning", "未达标 unmet" };
    s_bar_t bars [S_NSYSTEMS];
    char labels [S_NSYSTEMS][64];
    for (int number = 1; number <= S_NSYSTEMS; number++) {
        const json_t *entry = s_system (systems, number);
        s_bar_t *bar = &bars [number - 1];
        char rate [32];
        snprintf (labels [number - 1], sizeof labels [0], "%d %s", number, s_system_short [number]);
        bar->label = labels [number - 1];
        bar->lag = 0;
        bar->seg [0] = s_int (entry, "met");
        bar->seg [1] = s_int (entry, "warnings");
        bar->seg [2] = s_int (entry, "unmet");
        if (s_int (entry, "checked") > 0)
            snprintf (bar->note, sizeof bar->note, "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT " %s",
                      s_int (entry, "met"), s_int (entry, "checked"),
                      s_pct (s_ratio (entry), rate, sizeof rate, ""));
        else
            snprintf (bar->note, sizeof bar->note, "无检查项");
    }
    s_svg_bars (out, bars, S_NSYSTEMS, names, "分制度达标情况 compliance by system");
    return 0;
}

//  The rule table of a person or the unit, with the rule text.
static void
s_html_rules (FILE *out, const json_t *rules)
{
    fprintf (out, "<table class=\"rules\">\n<colgroup><col style=\"width:8%%\"><col><col style=\"width:7%%\">"
             "<col style=\"width:7%%\"><col style=\"width:9%%\"><col style=\"width:20%%\"></colgroup>\n"
             "<thead><tr><th>规则</th><th>内容</th><th class=\"n\">要求</th>"
             "<th class=\"n\">实际</th><th>状态</th><th>未达月份</th></tr></thead>\n<tbody>\n");
    size_t index, at;
    json_t *rule, *period;
    json_array_foreach (rules, index, rule) {
        char required [64], actual [64];
        const char *status = s_or (s_str (rule, "status"), "");
        int known = strcmp (status, "met") == 0 || strcmp (status, "unmet") == 0
                 || strcmp (status, "warning") == 0 || strcmp (status, "not_applicable") == 0;
        fprintf (out, "<tr>");
        s_html_cell (out, "td", NULL, s_str (rule, "rule"));
        s_html_cell (out, "td", NULL, s_or (s_str (rule, "text"), ""));
        s_html_cell (out, "td", "n", s_required (rule, required, sizeof required, "-"));
        s_html_cell (out, "td", "n", s_value (json_object_get (rule, "actual"), actual, sizeof actual, "-"));
        s_html_cell (out, "td", known? status: NULL, s_label (s_status_labels, s_str (rule, "status")));
        //  Each period unbroken; lines break only between periods.
        fprintf (out, "<td>");
        json_array_foreach (json_object_get (rule, "missed"), at, period) {
            char one [64];
            if (!json_string_value (period))
                continue;
            fprintf (out, "%s<span class=\"nw\">", at > 0? "、": "");
            s_html (out, s_period (json_string_value (period), one, sizeof one));
            fprintf (out, "</span>");
        }
        fprintf (out, "</td></tr>\n");
    }
    fprintf (out, "</tbody>\n</table>\n");
}

//  Metrics as a one-row table.
static void
s_html_metrics (FILE *out, const json_t *metrics)
{
    if (json_object_size (metrics) == 0)
        return;
    const char *key;
    json_t *value;
    fprintf (out, "<table class=\"metrics\">\n<thead><tr>");
    json_object_foreach ((json_t *) metrics, key, value)
        s_html_cell (out, "th", "n", s_label (s_metric_labels, key));
    fprintf (out, "</tr></thead>\n<tbody><tr>");
    json_object_foreach ((json_t *) metrics, key, value) {
        char buf [64];
        s_html_cell (out, "td", "n", s_value (value, buf, sizeof buf, "-"));
    }
    fprintf (out, "</tr></tbody>\n</table>\n");
}

static void
s_html_person (FILE *out, const json_t *person)
{
    char roles [512];
    fprintf (out, "<div class=\"person\">\n<h3>");
    s_html (out, s_str (person, "name"));
    fprintf (out, "<small>");
    s_html (out, s_str (person, "person"));
    fprintf (out, " · ");
    s_html (out, s_roles (json_object_get (person, "roles"), roles, sizeof roles));
    if (s_str (person, "org")) {
        fprintf (out, " · ");
        s_html (out, s_str (person, "org"));
    }
    fprintf (out, "</small></h3>\n");
    s_html_metrics (out, json_object_get (person, "metrics"));
    s_html_rules (out, json_object_get (person, "rules"));
    fprintf (out, "</div>\n");
}

static void
s_html_cases (FILE *out, const json_t *cases)
{
    if (json_object_size (cases) == 0)
        return;
    const char *kind, *key;
    json_t *counts, *value;
    fprintf (out, "<h2>案件办理 Cases</h2>\n<table>\n<tbody>\n");
    json_object_foreach ((json_t *) cases, kind, counts) {
        fprintf (out, "<tr>");
        s_html_cell (out, "th", NULL, s_label (s_case_labels, kind));
        fprintf (out, "<td>");
        json_object_foreach (counts, key, value) {
            char buf [64];
            s_html (out, s_label (s_case_labels, key));
            fputc (' ', out);
            s_html (out, s_value (value, buf, sizeof buf, "-"));
            fprintf (out, "　");
        }
        fprintf (out, "</td></tr>\n");
    }
    fprintf (out, "</tbody>\n</table>\n");
}

//  Per-system table under the bar chart.
static void
s_html_systems_table (FILE *out, const json_t *systems)
{
    fprintf (out, "<table>\n<thead><tr><th>制度</th><th class=\"n\">检查</th><th class=\"n\">达标</th>"
             "<th class=\"n\">未达标</th><th class=\"n\">提醒</th><th class=\"n\">达标率</th></tr></thead>\n<tbody>\n");
    size_t index;
    json_t *entry;
    json_array_foreach (systems, index, entry) {
        json_int_t number = s_int (entry, "system");
        char cell [64];
        fprintf (out, "<tr><td>%" JSON_INTEGER_FORMAT " ", number);
        s_html (out, s_or (s_str (entry, "name"),
                number >= 1 && number <= S_NSYSTEMS? s_system_long [number]: "-"));
        fprintf (out, "</td><td class=\"n\">%" JSON_INTEGER_FORMAT "</td><td class=\"n\">%" JSON_INTEGER_FORMAT
                 "</td><td class=\"n\">%" JSON_INTEGER_FORMAT "</td><td class=\"n\">%" JSON_INTEGER_FORMAT "</td>",
                 s_int (entry, "checked"), s_int (entry, "met"), s_int (entry, "unmet"),
                 s_int (entry, "warnings"));
        s_html_cell (out, "td", "n", s_pct (s_ratio (entry), cell, sizeof cell, "-"));
        fprintf (out, "</tr>\n");
    }
    fprintf (out, "</tbody>\n</table>\n");
}

static int
s_html_unit_annual (const json_t *report, FILE *out)
{
    json_t *persons = json_object_get (report, "persons");
    json_t *unit_rules = json_object_get (report, "unit_rules");
    json_t *systems = json_object_get (report, "systems");
    json_t *summary = json_object_get (report, "summary");
    s_html_head (out, "直接联系群众工作单位年度报告", "Unit annual report", s_str (report, "unit_name"));
    fprintf (out, "<p class=\"meta\">单位 Unit <b>");
    s_html (out, s_str (report, "unit_name"));
    fprintf (out, "</b> (");
    s_html (out, s_str (report, "unit"));
    fprintf (out, ")</p>\n");
    s_html_meta (out, report);
    s_html_kpis (out, summary, s_ratio (summary), "人数 Persons", (json_int_t) json_array_size (persons));
    if (json_array_size (systems) > 0) {
        fprintf (out, "<h2>分制度达标情况 By system</h2>\n");
        s_svg_systems (out, systems);
        s_html_systems_table (out, systems);
    }
    fprintf (out, "<h2>人员 Persons</h2>\n");
    size_t index;
    json_t *person;
    json_array_foreach (persons, index, person)
        s_html_person (out, person);
    if (json_array_size (unit_rules) > 0) {
        fprintf (out, "<h2>单位规则 Unit rules</h2>\n");
        s_html_rules (out, unit_rules);
    }
    s_html_cases (out, json_object_get (report, "cases"));
    s_html_foot (out, "unit-annual");
    return 0;
}

static int
s_html_cadre (const json_t *report, FILE *out)
{
    json_t *person = json_object_get (report, "person");
    json_t *rules = json_object_get (person, "rules");
    char roles [512];
    s_html_head (out, "领导干部述职述廉附件：直接联系群众", "Cadre annex", s_str (person, "name"));
    fprintf (out, "<p class=\"meta\">姓名 Name <b>");
    s_html (out, s_str (person, "name"));
    fprintf (out, "</b> (");
    s_html (out, s_str (person, "person"));
    fprintf (out, ") · 单位 Unit ");
    s_html (out, s_str (report, "unit_name"));
    fprintf (out, " · 职务 Roles ");
    s_html (out, s_roles (json_object_get (person, "roles"), roles, sizeof roles));
    fprintf (out, "</p>\n");
    s_html_meta (out, report);
    json_t *systems = s_systems_of_rules (rules);
    json_t *summary = s_summary_of_systems (systems);
    s_html_kpis (out, summary, s_ratio (summary), NULL, 0);
    fprintf (out, "<h2>分制度 By system</h2>\n");
    s_svg_systems (out, systems);
    if (json_object_size (json_object_get (person, "metrics")) > 0) {
        fprintf (out, "<h2>工作量 Metrics</h2>\n");
        s_html_metrics (out, json_object_get (person, "metrics"));
    }
    fprintf (out, "<h2>履职情况 Rules</h2>\n");
    s_html_rules (out, rules);
    s_html_foot (out, "cadre");
    json_decref (summary);
    json_decref (systems);
    return 0;
}

//  Unit table of rollup (RANKED false) and bulletin (RANKED true).
static void
s_html_units_table (FILE *out, const json_t *units, int ranked)
{
    fprintf (out, "<table class=\"wide\">\n<thead><tr>%s<th>单位</th>%s",
             ranked? "<th class=\"n\">名次</th>": "", ranked? "": "<th class=\"n\">人数</th>");
    for (int number = 1; number <= S_NSYSTEMS; number++)
        fprintf (out, "<th class=\"n\">%s</th>", s_system_short [number]);
    fprintf (out, "<th class=\"n\">未达标</th><th class=\"n\">达标率</th></tr></thead>\n<tbody>\n");
    size_t index;
    json_t *unit;
    json_array_foreach (units, index, unit) {
        json_t *systems = json_object_get (unit, "systems");
        int lag = s_lagging (unit);
        char rate [32];
        fprintf (out, "<tr%s>", lag? " class=\"lag\"": "");
        if (ranked)
            fprintf (out, "<td class=\"n\">%" JSON_INTEGER_FORMAT "</td>", s_int (unit, "rank"));
        fprintf (out, "<td>%s", lag? "<span class=\"mark\">" S_LAG_MARK "</span> ": "");
        s_html (out, s_str (unit, "unit_name"));
        fprintf (out, " <small>");
        s_html (out, s_str (unit, "unit"));
        fprintf (out, "</small></td>");
        if (!ranked)
            fprintf (out, "<td class=\"n\">%" JSON_INTEGER_FORMAT "</td>", s_int (unit, "persons"));
        for (int number = 1; number <= S_NSYSTEMS; number++) {
            char cell [64];
            const json_t *entry = s_system (systems, number);
            double ratio = s_ratio (entry);
            s_html_cell (out, "td", ratio >= 0 && ratio < S_LAG_BELOW? "n unmet": "n",
                         s_system_cell (systems, number, cell, sizeof cell));
        }
        fprintf (out, "<td class=\"n\">%" JSON_INTEGER_FORMAT "</td>",
                 s_int (json_object_get (unit, "summary"), "unmet"));
        s_html_cell (out, "td", "n", s_pct (s_compliance (unit), rate, sizeof rate, "-"));
        fprintf (out, "</tr>\n");
    }
    fprintf (out, "</tbody>\n</table>\n<p class=\"legend\">各制度列为 达标/检查 (met/checked)；"
             "<span class=\"mark\">" S_LAG_MARK "</span> 达标率低于 %.0f%%，需重点关注；红字为达标率低于 %.0f%% 的制度。</p>\n",
             S_LAG_BELOW * 100, S_LAG_BELOW * 100);
}

static int
s_html_rollup (const json_t *report, FILE *out)
{
    json_t *units = json_object_get (report, "units");
    json_t *summary = json_object_get (report, "summary");
    s_html_head (out, "直接联系群众工作全局汇总", "Bureau roll-up", NULL);
    s_html_meta (out, report);
    s_html_kpis (out, summary, s_ratio (summary), "单位 Units", (json_int_t) json_array_size (units));
    fprintf (out, "<h2>各单位分制度达标率 Compliance by unit and system</h2>\n");
    s_svg_heatmap (out, units);
    fprintf (out, "<h2>单位明细 Units</h2>\n");
    s_html_units_table (out, units, 0);
    s_html_foot (out, "rollup");
    return 0;
}

static int
s_html_bulletin (const json_t *report, FILE *out)
{
    json_t *units = json_object_get (report, "units");
    s_html_head (out, "直接联系群众工作进度通报", "Progress bulletin", s_str (report, "period"));
    fprintf (out, "<p class=\"meta\">期间 Period <b>");
    s_html (out, s_str (report, "period"));
    fprintf (out, "</b> (");
    s_html (out, s_str (report, "from"));
    fprintf (out, " 至 ");
    s_html (out, s_str (report, "to"));
    fprintf (out, ") · 要求按期末折算，按达标率排名</p>\n");
    s_html_meta (out, report);
    fprintf (out, "<h2>各单位分制度达标率 Compliance by unit and system</h2>\n");
    s_svg_heatmap (out, units);
    fprintf (out, "<h2>排名 Ranking</h2>\n");
    s_html_units_table (out, units, 1);
    s_html_foot (out, "bulletin");
    return 0;
}

static int
s_html_watchlist (const json_t *report, FILE *out)
{
    static const char *const names [3] = { NULL, NULL, "未达标项 unmet rules" };
    json_t *rows = json_object_get (report, "rows");
    json_t *units = json_object_get (report, "units");
    s_html_head (out, "督查名单", "Watch list: admonishment and rectification", NULL);
    s_html_meta (out, report);
    size_t count = json_array_size (units), index;
    if (count > 0) {
        s_bar_t *bars = calloc (count, sizeof *bars);
        if (!bars)
            return ML_ENOMEM;
        json_t *unit;
        json_array_foreach (units, index, unit) {
            bars [index].label = s_or (s_str (unit, "unit_name"), s_or (s_str (unit, "unit"), "-"));
            bars [index].seg [2] = s_int (unit, "unmet");
            snprintf (bars [index].note, sizeof bars [index].note, "%" JSON_INTEGER_FORMAT,
                      s_int (unit, "unmet"));
        }
        fprintf (out, "<h2>各单位未达标项 Unmet rules by unit</h2>\n");
        s_svg_bars (out, bars, count, names, "各单位未达标项 unmet rules by unit");
        free (bars);
    }
    fprintf (out, "<h2>未达标项 Unmet rules (%zu)</h2>\n", json_array_size (rows));
    if (json_array_size (rows) == 0) {
        fprintf (out, "<p>无未达标项 No unmet rules.</p>\n");
        s_html_foot (out, "watchlist");
        return 0;
    }
    fprintf (out, "<table>\n<thead><tr><th>单位</th><th>姓名</th><th>规则</th><th>内容</th>"
             "<th>性质</th><th class=\"n\">实际</th><th class=\"n\">要求</th></tr></thead>\n<tbody>\n");
    json_t *row;
    json_array_foreach (rows, index, row) {
        char actual [64], required [64];
        const char *severity = s_str (row, "severity");
        fprintf (out, "<tr>");
        s_html_cell (out, "td", NULL, s_str (row, "unit_name"));
        fprintf (out, "<td>");
        if (s_str (row, "person")) {
            s_html (out, s_str (row, "name"));
            fprintf (out, " <small>");
            s_html (out, s_str (row, "person"));
            fprintf (out, "</small>");
        }
        else
            fprintf (out, "（单位）");
        fprintf (out, "</td>");
        s_html_cell (out, "td", NULL, s_str (row, "rule"));
        s_html_cell (out, "td", NULL, s_or (s_str (row, "text"), ""));
        s_html_cell (out, "td", severity && strcmp (severity, "warning") == 0? "warning": "unmet",
                     s_label (s_severity_labels, severity));
        s_html_cell (out, "td", "n", s_value (json_object_get (row, "actual"), actual, sizeof actual, "-"));
        s_html_cell (out, "td", "n", s_required (row, required, sizeof required, "-"));
        fprintf (out, "</tr>\n");
    }
    fprintf (out, "</tbody>\n</table>\n");
    s_html_foot (out, "watchlist");
    return 0;
}

//  =========================================================================
//  Dispatch
//  =========================================================================

typedef int (s_render_fn) (const json_t *report, FILE *out);

typedef struct {
    const char *kind;               //  value of "report"
    const char *key;                //  the member the renderers need
    int is_object;                  //  KEY is an object (else an array of objects)
    s_render_fn *text, *csv, *html;
} s_kind_t;

static const s_kind_t s_kinds [] = {
    { "unit-annual", "persons", 0, s_text_unit_annual, s_csv_unit_annual, s_html_unit_annual },
    { "rollup", "units", 0, s_text_rollup, s_csv_rollup, s_html_rollup },
    { "cadre", "person", 1, s_text_cadre, s_csv_cadre, s_html_cadre },
    { "bulletin", "units", 0, s_text_bulletin, s_csv_bulletin, s_html_bulletin },
    { "watchlist", "rows", 0, s_text_watchlist, s_csv_watchlist, s_html_watchlist },
};

static const char *s_format_names [] = { "json", "csv", "text", "html" };

int
ml_format_parse (const char *name, ml_format_t *format)
{
    assert (format);
    for (size_t i = 0; name && i < sizeof s_format_names / sizeof s_format_names [0]; i++)
        if (strcmp (name, s_format_names [i]) == 0) {
            *format = (ml_format_t) i;
            return 0;
        }
    return ML_EINVAL;
}

const char *
ml_format_name (ml_format_t format)
{
    return (unsigned) format < sizeof s_format_names / sizeof s_format_names [0]?
           s_format_names [format]: "?";
}

static int
s_fail (char *err, size_t errlen, int rc, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));
static int
s_fail (char *err, size_t errlen, int rc, const char *format, ...)
{
    if (err && errlen > 0) {
        va_list args;
        va_start (args, format);
        vsnprintf (err, errlen, format, args);
        va_end (args);
    }
    return rc;
}

//  Finds the kind of REPORT and checks the member its renderers walk.
static int
s_check (const json_t *report, const s_kind_t **kind_p, char *err, size_t errlen)
{
    if (!json_is_object (report))
        return s_fail (err, errlen, ML_EINVAL, "report: not a JSON object");
    const char *name = s_str (report, "report");
    if (!name)
        return s_fail (err, errlen, ML_EINVAL, "report: missing 'report' (the report kind)");
    const s_kind_t *kind = NULL;
    for (size_t i = 0; i < sizeof s_kinds / sizeof s_kinds [0]; i++)
        if (strcmp (s_kinds [i].kind, name) == 0)
            kind = &s_kinds [i];
    if (!kind)
        return s_fail (err, errlen, ML_EINVAL, "report: unknown kind '%s'", name);
    json_t *member = json_object_get (report, kind->key);
    if (kind->is_object) {
        if (!json_is_object (member))
            return s_fail (err, errlen, ML_EINVAL, "%s report: '%s' is not an object", name, kind->key);
    }
    else {
        if (!json_is_array (member))
            return s_fail (err, errlen, ML_EINVAL, "%s report: '%s' is not an array", name, kind->key);
        size_t index;
        json_t *item;
        json_array_foreach (member, index, item)
            if (!json_is_object (item))
                return s_fail (err, errlen, ML_EINVAL, "%s report: %s[%zu] is not an object",
                               name, kind->key, index);
    }
    *kind_p = kind;
    return 0;
}

int
ml_render (const json_t *report, ml_format_t format, FILE *out, char *err, size_t errlen)
{
    assert (out);
    const s_kind_t *kind = NULL;
    char *buf = NULL;
    size_t len = 0;
    int rc = 0;
    if (format != ML_FORMAT_JSON && (rc = s_check (report, &kind, err, errlen)))
        return rc;
    if (format == ML_FORMAT_JSON && !json_is_object (report))
        return s_fail (err, errlen, ML_EINVAL, "report: not a JSON object");
    FILE *mem = open_memstream (&buf, &len);
    if (!mem)
        return s_fail (err, errlen, ML_ENOMEM, "report: out of memory");
    switch (format) {
        case ML_FORMAT_JSON:
            //  15 digits: 0.93 stays 0.93, not 0.93000000000000005
            if (json_dumpf (report, mem, JSON_INDENT (2) | JSON_REAL_PRECISION (15)) == 0)
                fputc ('\n', mem);
            else
                rc = ML_ENOMEM;
            break;
        case ML_FORMAT_CSV:
            fputs (S_BOM, mem);
            rc = kind->csv (report, mem);
            break;
        case ML_FORMAT_TEXT:
            rc = kind->text (report, mem);
            break;
        case ML_FORMAT_HTML:
            rc = kind->html (report, mem);
            break;
        default:
            rc = ML_EINVAL;
    }
    if (fclose (mem) != 0 && rc == 0)
        rc = ML_ENOMEM;
    if (rc == ML_EINVAL)
        s_fail (err, errlen, rc, "report: unknown format %d", (int) format);
    else
    if (rc)
        s_fail (err, errlen, rc, "report: out of memory while rendering %s", ml_format_name (format));
    else
    if (fwrite (buf, 1, len, out) != len || fflush (out) != 0)
        rc = s_fail (err, errlen, ML_EIO, "report: cannot write the %s output: %s",
                     ml_format_name (format), strerror (errno));
    free (buf);
    return rc;
}
