/* ml_render.c -- report JSON (docs/reports.md) rendered as json, csv, text or html: checks the
   report, picks its kind and hands it to the format's file (ml_render_text.c, ml_render_csv.c,
   ml_render_html.c); holds what those share (ml_render_shared.h): labels, display width, and
   readers of report values. */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_render.h"
#include "ml_render_shared.h"

//  =========================================================================
//  Labels: Chinese names of the enums that appear in reports
//  =========================================================================

typedef struct {
    const char *key;                //  the JSON value
    const char *label;              //  what a reader sees
} s_label_t;

//  Short labels of the eight systems (rules.md), used in chart axes and CSV headers.
const char *const ml_render_system_short [ML_RENDER_SYSTEMS + 1] = {
    NULL, "调研蹲点", "联系点", "挂职", "接访", "谈心", "征求意见", "承诺践诺", "党代表"
};
//  Full names, for when a report does not carry them.
const char *const ml_render_system_long [ML_RENDER_SYSTEMS + 1] = {
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

const char *
ml_render_status_label (const char *status)
{
    return s_label (s_status_labels, status);
}

const char *
ml_render_severity_label (const char *severity)
{
    return s_label (s_severity_labels, severity);
}

const char *
ml_render_metric_label (const char *metric)
{
    return s_label (s_metric_labels, metric);
}

const char *
ml_render_case_label (const char *key)
{
    return s_label (s_case_labels, key);
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

const char *
ml_render_str (const json_t *obj, const char *key)
{
    return json_string_value (json_object_get (obj, key));
}

const char *
ml_render_or (const char *str, const char *fallback)
{
    return str? str: fallback;
}

//  Integer value of KEY in OBJ; 0 when absent or not a number.
json_int_t
ml_render_int (const json_t *obj, const char *key)
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
const char *
ml_render_value (const json_t *value, char *buf, size_t size, const char *missing)
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
const char *
ml_render_required (const json_t *rule, char *buf, size_t size, const char *missing)
{
    char low [32], high [32];
    const char *min = ml_render_value (json_object_get (rule, "required"), low, sizeof low, NULL);
    const char *max = ml_render_value (json_object_get (rule, "max"), high, sizeof high, NULL);
    if (!min)
        return missing;
    snprintf (buf, size, max? "%s-%s": "%s", min, max);
    return buf;
}

//  Roles ("main_leader", or {"role": ...}) joined with "、".
const char *
ml_render_roles (const json_t *roles, char *buf, size_t size)
{
    size_t index;
    json_t *role;
    buf [0] = 0;
    json_array_foreach (roles, index, role) {
        const char *name = json_is_object (role)? ml_render_str (role, "role"): json_string_value (role);
        if (!name)
            continue;
        if (buf [0])
            s_cat (buf, size, "、");
        s_cat (buf, size, s_label (s_role_labels, name));
    }
    return buf [0]? buf: "-";
}

//  One missed period for a reader: months as is, half-months "2025-03-a" as "2025-03上".
const char *
ml_render_period (const char *period, char *buf, size_t size)
{
    size_t len = strlen (period);
    if (len == 9 && period [7] == '-' && (period [8] == 'a' || period [8] == 'b'))
        snprintf (buf, size, "%.7s%s", period, period [8] == 'a'? "上": "下");
    else
        snprintf (buf, size, "%s", period);
    return buf;
}

//  Missed periods joined with "、".
const char *
ml_render_missed (const json_t *missed, char *buf, size_t size)
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
        s_cat (buf, size, ml_render_period (json_string_value (item), one, sizeof one));
    }
    return buf;
}

//  met / (met + unmet) of a summary or system entry; -1 when nothing was met or unmet.
double
ml_render_ratio (const json_t *counts)
{
    json_int_t met = ml_render_int (counts, "met"), unmet = ml_render_int (counts, "unmet");
    return met + unmet > 0? (double) met / (double) (met + unmet): -1;
}

//  A unit's compliance: its "compliance" key, else computed from its summary.
double
ml_render_compliance (const json_t *unit)
{
    json_t *value = json_object_get (unit, "compliance");
    if (json_is_number (value))
        return json_number_value (value);
    double ratio = ml_render_ratio (json_object_get (unit, "summary"));
    return ratio < 0? 1: ratio;
}

int
ml_render_lagging (const json_t *unit)
{
    return ml_render_compliance (unit) < ML_RENDER_LAG_BELOW;
}

//  "93.3%", or MISSING for a negative ratio (nothing checked).
const char *
ml_render_pct (double ratio, char *buf, size_t size, const char *missing)
{
    if (ratio < 0)
        return missing;
    snprintf (buf, size, "%.1f%%", ratio * 100);
    return buf;
}

//  The entry for system NUMBER in a "systems" array, or NULL.
const json_t *
ml_render_system (const json_t *systems, int number)
{
    size_t index;
    json_t *entry;
    json_array_foreach (systems, index, entry)
        if (ml_render_int (entry, "system") == number)
            return entry;
    return NULL;
}

//  "met/checked" of system NUMBER, or "-" when it had nothing checked.
const char *
ml_render_system_cell (const json_t *systems, int number, char *buf, size_t size)
{
    const json_t *entry = ml_render_system (systems, number);
    if (!entry || ml_render_int (entry, "checked") <= 0)
        return "-";
    snprintf (buf, size, "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
              ml_render_int (entry, "met"), ml_render_int (entry, "checked"));
    return buf;
}

//  Per-system counts of a list of rule entries, shaped like unit-annual "systems"
//  (all eight). Used for the cadre report, whose person carries only rules.
json_t *
ml_render_systems_of_rules (const json_t *rules)
{
    json_int_t counts [ML_RENDER_SYSTEMS + 1][3] = { { 0 } };
    size_t index;
    json_t *rule;
    json_array_foreach (rules, index, rule) {
        json_int_t number = ml_render_int (rule, "system");
        const char *status = ml_render_or (ml_render_str (rule, "status"), "");
        if (number < 1 || number > ML_RENDER_SYSTEMS)
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
    for (int number = 1; number <= ML_RENDER_SYSTEMS; number++)
        json_array_append_new (systems, json_pack ("{s:i, s:s, s:I, s:I, s:I, s:I}",
            "system", number, "name", ml_render_system_long [number],
            "checked", counts [number][0] + counts [number][1] + counts [number][2],
            "met", counts [number][0], "unmet", counts [number][1],
            "warnings", counts [number][2]));
    return systems;
}

//  Totals of a "systems" array, shaped like a report "summary".
json_t *
ml_render_summary_of_systems (const json_t *systems)
{
    json_int_t checked = 0, met = 0, unmet = 0, warnings = 0;
    size_t index;
    json_t *entry;
    json_array_foreach (systems, index, entry) {
        checked += ml_render_int (entry, "checked");
        met += ml_render_int (entry, "met");
        unmet += ml_render_int (entry, "unmet");
        warnings += ml_render_int (entry, "warnings");
    }
    return json_pack ("{s:I, s:I, s:I, s:I}", "rules_checked", checked,
                      "met", met, "unmet", unmet, "warnings", warnings);
}

//  =========================================================================
//  Dispatch
//  =========================================================================

typedef struct {
    const char *name;               //  value of "report"
    const char *key;                //  the member the renderers need
    int is_object;                  //  KEY is an object (else an array of objects)
    ml_render_kind_t kind;
} s_kind_t;

static const s_kind_t s_kinds [] = {
    { "unit-annual", "persons", 0, ML_RENDER_UNIT_ANNUAL },
    { "rollup", "units", 0, ML_RENDER_ROLLUP },
    { "cadre", "person", 1, ML_RENDER_CADRE },
    { "bulletin", "units", 0, ML_RENDER_BULLETIN },
    { "watchlist", "rows", 0, ML_RENDER_WATCHLIST },
    { "completeness", "units", 0, ML_RENDER_COMPLETENESS },
};

//  The renderer of each format but json (the report as is), one file each. A new format
//  (pdf) adds its value to ml_format_t, its name to s_format_names, and its entry point here.
typedef int (s_format_fn) (const json_t *report, ml_render_kind_t kind, FILE *out);
static s_format_fn *const s_formats [] = {
    [ML_FORMAT_CSV] = ml_render_csv,
    [ML_FORMAT_TEXT] = ml_render_text,
    [ML_FORMAT_HTML] = ml_render_html,
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
    const char *name = ml_render_str (report, "report");
    if (!name)
        return s_fail (err, errlen, ML_EINVAL, "report: missing 'report' (the report kind)");
    const s_kind_t *kind = NULL;
    for (size_t i = 0; i < sizeof s_kinds / sizeof s_kinds [0]; i++)
        if (strcmp (s_kinds [i].name, name) == 0)
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
    if (format == ML_FORMAT_JSON) {
        //  15 digits: 0.93 stays 0.93, not 0.93000000000000005
        if (json_dumpf (report, mem, JSON_INDENT (2) | JSON_REAL_PRECISION (15)) == 0)
            fputc ('\n', mem);
        else
            rc = ML_ENOMEM;
    }
    else
    if (kind->kind == ML_RENDER_COMPLETENESS && format <= ML_FORMAT_HTML)
        rc = ml_render_completeness (report, format, mem);
    else
    if ((unsigned) format < sizeof s_formats / sizeof s_formats [0] && s_formats [format])
        rc = s_formats [format] (report, kind->kind, mem);
    else
        rc = ML_EINVAL;
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
