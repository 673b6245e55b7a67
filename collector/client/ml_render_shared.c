/* ml_render_shared.c -- what the format renderers share (ml_render_shared.h): labels, display
   width, text fit for a terminal, and readers of report values. The bottom of the renderers: the
   format files and ml_render.c call it, it calls none of them. */
#include <assert.h>
#include <errno.h>
#include <math.h>
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

//  Every status and severity a report can carry (rules.md v2 adds exempted and no_data).
static const s_label_t s_status_labels [] = {
    { "met", "达标" }, { "unmet", "未达标" }, { "warning", "提醒" },
    { "not_applicable", "不适用" }, { "exempted", "已豁免" }, { "no_data", "无数据" },
    { NULL, NULL }
};
static const s_label_t s_role_labels [] = {
    { "main_leader", "主要领导" }, { "leader", "班子成员" }, { "org_head", "党组织书记" },
    { "party_member", "党员" }, { "rep_city", "市党代表" }, { "rep_unit", "单位党代表" },
    { "seconded", "挂职干部" }, { NULL, NULL }
};
static const s_label_t s_severity_labels [] = {
    { "violation", "硬性" }, { "warning", "提醒" }, { "info", "参考" }, { NULL, NULL }
};

//  Every metric a report can carry: the collector's counters (collector/ml_metrics.c) and what
//  the report derives from them, with the system it belongs to. One table for every format.
typedef struct {
    const char *key;                //  the JSON key
    const char *label;              //  what a reader sees
    int system;                     //  1..ML_RENDER_SYSTEMS
} s_metric_t;

static const s_metric_t s_metrics [] = {
    { "research_plans", "调研计划", 1 }, { "research_trips", "调研次数", 1 },
    { "research_days", "调研天数", 1 }, { "stationed_days", "驻点天数", 1 },
    { "unannounced_trips", "随机调研次数", 1 }, { "research_reports", "调研报告", 1 },
    { "work_items", "推进工作任务", 1 }, { "results_exchanges", "调研成果交流", 1 },
    { "contact_points", "联系点", 2 }, { "paired_families", "结对家庭", 2 },
    { "contact_visits", "联系点走访", 2 }, { "practical_deeds", "办实事", 2 },
    { "reception_days", "接访天数", 4 }, { "reception_months", "接访月数", 4 },
    { "reception_half_months", "接访半月数", 4 }, { "reception_announced", "提前公布接访", 4 },
    { "reception_fixed_point", "定点接访", 4 }, { "reception_open", "公开接访", 4 },
    { "reception_key_appointment", "重点约访", 4 }, { "reception_thematic", "专题接访", 4 },
    { "reception_visit_with_case", "带案下访", 4 },
    { "reception_home_return_visit", "上门回访", 4 }, { "case_visits", "带案下访/约访", 4 },
    { "petitions", "信访事项", 4 },
    { "talks", "谈心谈话", 5 }, { "talks_team_member", "与班子成员谈心", 5 },
    { "talks_department", "与分管部门谈心", 5 }, { "talks_contact_point", "与联系点谈心", 5 },
    { "talks_party_member", "与党员谈心", 5 }, { "talks_masses", "与群众谈心", 5 },
    { "talks_member", "与所属党员谈心", 5 }, { "talks_remote", "电话/上门谈心", 5 },
    { "talk_coverage", "谈心覆盖率", 5 },
    { "opinions", "群众意见", 6 },
    { "commitments", "承诺", 7 }, { "commitments_annual", "年度承诺", 7 },
    { "commitments_instant", "即时承诺", 7 },
    { "rep_activities", "党代表活动", 8 }, { "rep_studio_reception", "驻室接待", 8 },
    { "rep_advice", "建言献策", 8 }, { "rep_service", "参与服务", 8 },
    { "rep_exchange", "交流研讨", 8 }, { "rep_inspection", "视察调研", 8 },
    { "rep_committee_meeting", "列席党委会议", 8 }, { "rep_proposal", "提议", 8 },
    { NULL, NULL, 0 }
};

static const s_label_t s_case_labels [] = {
    { "petitions", "信访事项 Petitions" }, { "opinions", "群众意见 Opinions" },
    { "commitments", "承诺事项 Commitments" },
    { "received", "受理" }, { "closed", "办结" }, { "overdue", "逾期" },
    { "unsigned", "未签署" }, { "assigned", "交办" }, { "closed_on_time", "按时办结" },
    { "made", "作出" }, { "fulfilled", "兑现" }, { "evaluated", "测评" },
    { "carried_over", "上年结转" }, { NULL, NULL }
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

static const s_metric_t *
s_metric (const char *key)
{
    for (const s_metric_t *metric = s_metrics; key && metric->key; metric++)
        if (strcmp (metric->key, key) == 0)
            return metric;
    return NULL;
}

const char *
ml_render_metric_label (const char *metric)
{
    const s_metric_t *known = s_metric (metric);
    return known? known->label: metric? metric: "-";
}

int
ml_render_metric_system (const char *metric)
{
    const s_metric_t *known = s_metric (metric);
    return known? known->system: 0;
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
//  Text fit for a terminal
//  =========================================================================

const char *
ml_text_safe (const char *utf8, char *buf, size_t size)
{
    assert (buf && size > 0);
    const unsigned char *from = (const unsigned char *) (utf8? utf8: "");
    size_t len = 0;
    while (*from) {
        uint32_t cp;
        size_t step = s_utf8_next (from, &cp);
        //  What replaces this character, and its length; never longer than the original,
        //  so that BUF may be UTF8 itself.
        const unsigned char *put = from;
        size_t put_len = step;
        if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
            put = (const unsigned char *) " ";
            put_len = 1;
        }
        else
        if (cp == 0xFFFD && step == 1) {
            put = (const unsigned char *) "?";
            put_len = 1;
        }
        if (len + put_len >= size)
            break;
        memmove (buf + len, put, put_len);
        len += put_len;
        from += step;
    }
    buf [len] = 0;
    return buf;
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

//  "内科党支部 (B01)", the code alone without a name, NULL without an organisation.
const char *
ml_render_org (const json_t *person, char *buf, size_t size)
{
    const char *org = ml_render_str (person, "org"), *name = ml_render_str (person, "org_name");
    if (!org || !*org)
        return NULL;
    if (name && *name && strcmp (name, org) != 0)
        snprintf (buf, size, "%s (%s)", name, org);
    else
        snprintf (buf, size, "%s", org);
    return buf;
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

//  What a rule entry adds beyond its missed periods: an exemption's reason (rules.md V12) and
//  the failing cases with the year each was opened and its owner (V7, V10).
const char *
ml_render_rule_extra (const json_t *rule, char *buf, size_t size)
{
    buf [0] = 0;
    const char *reason = ml_render_str (rule, "reason");
    if (reason) {
        s_cat (buf, size, "豁免理由：");
        s_cat (buf, size, reason);
    }
    size_t index;
    json_t *c;
    json_array_foreach (json_object_get (rule, "cases"), index, c) {
        char one [256];
        const char *owner = ml_render_str (c, "owner");
        snprintf (one, sizeof one, "%s%s（%lld年立%s%s）", buf [0]? "、": "",
                  ml_render_or (ml_render_str (c, "case"), "?"), (long long) ml_render_int (c, "opened"),
                  owner? "，责任人": "", owner? owner: "");
        s_cat (buf, size, one);
    }
    return buf;
}

//  The notes of a rule entry: missed periods, then ml_render_rule_extra.
const char *
ml_render_rule_note (const json_t *rule, char *buf, size_t size)
{
    char extra [1024];
    ml_render_missed (json_object_get (rule, "missed"), buf, size);
    if (*ml_render_rule_extra (rule, extra, sizeof extra)) {
        if (buf [0])
            s_cat (buf, size, "；");
        s_cat (buf, size, extra);
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

int
ml_render_no_data (const json_t *unit)
{
    const char *status = ml_render_str (unit, "status");
    return status && strcmp (status, "no_data") == 0;
}

const char *
ml_render_unit_dash (const json_t *unit)
{
    return ml_render_no_data (unit)? ml_render_status_label ("no_data"): "-";
}

//  A unit's compliance: its "compliance" key, else computed from its summary.
double
ml_render_compliance (const json_t *unit)
{
    if (ml_render_no_data (unit))
        return -1;                          //  rules.md V5, P11: never 100 %
    json_t *value = json_object_get (unit, "compliance");
    if (json_is_number (value))
        return json_number_value (value);
    double ratio = ml_render_ratio (json_object_get (unit, "summary"));
    return ratio < 0? 1: ratio;
}

int
ml_render_lagging (const json_t *unit)
{
    double ratio = ml_render_compliance (unit);
    return ratio >= 0 && ratio < ML_RENDER_LAG_BELOW;
}

//  "93.3%", or MISSING for a negative ratio (nothing checked). Tenths of a percent rounded half
//  up (0.9475 is 94.8%), whatever the binary value of the ratio: every figure and chart alike.
const char *
ml_render_pct (double ratio, char *buf, size_t size, const char *missing)
{
    if (ratio < 0)
        return missing;
    long long tenths = (long long) floor (ratio * 1000 + 0.5 + 1e-7);
    snprintf (buf, size, "%lld.%lld%%", tenths / 10, tenths % 10);
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

void
ml_render_html_text (FILE *out, const char *s)
{
    for (; s && *s; s++)
        if (*s == '<')
            fputs ("&lt;", out);
        else
        if (*s == '>')
            fputs ("&gt;", out);
        else
        if (*s == '&')
            fputs ("&amp;", out);
        else
        if (*s == '"')
            fputs ("&quot;", out);
        else
            fputc (*s, out);
}
