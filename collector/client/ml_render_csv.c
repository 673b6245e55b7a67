/* ml_render_csv.c -- reports as CSV: one flat table each, UTF-8 with a BOM (for Excel and WPS),
   CRLF line ends, RFC 4180 quoting. */
#include <assert.h>
#include <string.h>

#include "ml_err.h"
#include "ml_render.h"
#include "ml_render_shared.h"

#define S_BOM "\xEF\xBB\xBF"

//  =========================================================================
//  CSV renderers: UTF-8 with BOM, CRLF, RFC 4180 quoting, one flat table each
//  =========================================================================

#define S_CSV_MAX 48                //  most fields in a row (rollup: 9 + 3 per system)

typedef struct {
    const char *fields [S_CSV_MAX]; //  the row's fields, borrowed or in bufs
    char bufs [S_CSV_MAX][48];      //  storage for formatted numbers
    unsigned char text [S_CSV_MAX]; //  the field is text (may come from a ledger), not a number
    size_t count;                   //  fields so far
} s_row_t;

static void
s_row_str (s_row_t *row, const char *str)
{
    assert (row->count < S_CSV_MAX);
    row->text [row->count] = 1;
    row->fields [row->count++] = ml_render_or (str, "");
}

static void
s_row_int (s_row_t *row, json_int_t value)
{
    assert (row->count < S_CSV_MAX);
    snprintf (row->bufs [row->count], sizeof row->bufs [0], "%" JSON_INTEGER_FORMAT, value);
    row->text [row->count] = 0;
    row->fields [row->count] = row->bufs [row->count];
    row->count++;
}

//  A JSON value as a field; empty when absent.
static void
s_row_value (s_row_t *row, const json_t *value)
{
    assert (row->count < S_CSV_MAX);
    row->fields [row->count] = ml_render_value (value, row->bufs [row->count], sizeof row->bufs [0], "");
    row->text [row->count] = json_is_string (value);
    row->count++;
}

static void
s_row_pct (s_row_t *row, double ratio, const char *dash)
{
    assert (row->count < S_CSV_MAX);
    row->fields [row->count] = ml_render_pct (ratio, row->bufs [row->count], sizeof row->bufs [0], dash);
    row->text [row->count] = 0;
    row->count++;
}

//  Writes one field: RFC 4180 (quoted when it holds a comma, quote, CR or LF). A TEXT field
//  that a spreadsheet would take for a formula (OWASP "CSV injection": it starts with = + - @,
//  TAB or CR) gets a leading ' so that Excel and WPS show it as text. Numbers the report
//  computed are never text fields, so -3 stays a number. Every CSV cell goes through here.
static void
s_csv_field (FILE *out, const char *field, int text)
{
    int formula = text && field [0] && strchr ("=+-@\t\r", field [0]);
    int quote = strpbrk (field, ",\"\r\n") != NULL;
    if (quote)
        fputc ('"', out);
    if (formula)
        fputc ('\'', out);
    for (; *field; field++) {
        if (*field == '"')
            fputc ('"', out);
        fputc (*field, out);
    }
    if (quote)
        fputc ('"', out);
}

//  Writes the row and empties it.
static void
s_row_end (s_row_t *row, FILE *out)
{
    for (size_t i = 0; i < row->count; i++) {
        if (i > 0)
            fputc (',', out);
        s_csv_field (out, row->fields [i], row->text [i]);
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
        char roles [512], missed [2048];
        json_int_t number = ml_render_int (rule, "system");
        s_row_str (row, ml_render_str (report, "unit"));
        s_row_str (row, ml_render_str (report, "unit_name"));
        s_row_value (row, json_object_get (report, "year"));
        s_row_str (row, ml_render_str (person, "person"));
        s_row_str (row, ml_render_str (person, "name"));
        s_row_str (row, person? ml_render_roles (json_object_get (person, "roles"), roles, sizeof roles): "");
        s_row_str (row, number >= 1 && number <= ML_RENDER_SYSTEMS? ml_render_system_short [number]: "");
        s_row_str (row, ml_render_str (rule, "rule"));
        s_row_str (row, ml_render_str (rule, "text"));
        s_row_str (row, ml_render_str (rule, "severity")?
                   ml_render_severity_label (ml_render_str (rule, "severity")): "");
        s_row_str (row, ml_render_status_label (ml_render_str (rule, "status")));
        s_row_value (row, json_object_get (rule, "required"));
        s_row_value (row, json_object_get (rule, "max"));
        s_row_value (row, json_object_get (rule, "actual"));
        s_row_str (row, ml_render_rule_note (rule, missed, sizeof missed));
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
    if (ml_render_no_data (report)) {         //  rules.md V5: one row saying so, no rules
        json_t *entry = json_pack ("{ss}", "status", "no_data");
        json_t *none = json_pack ("[o]", entry);
        s_csv_rules (out, &row, report, NULL, none);
        json_decref (none);
    }
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
    char names [ML_RENDER_SYSTEMS][3][48];
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
    for (int number = 1; number <= ML_RENDER_SYSTEMS; number++) {
        const char *what [3] = { "检查", "达标", "未达标" };
        for (int i = 0; i < 3; i++) {
            snprintf (names [number - 1][i], sizeof names [0][0], "%s-%s",
                      ml_render_system_short [number], what [i]);
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
            s_row_str (&row, ml_render_str (report, "period"));
            s_row_int (&row, ml_render_int (unit, "rank"));
        }
        else
            s_row_value (&row, json_object_get (report, "year"));
        s_row_str (&row, ml_render_str (unit, "unit"));
        s_row_str (&row, ml_render_str (unit, "unit_name"));
        if (!ranked)
            s_row_int (&row, ml_render_int (unit, "persons"));
        s_row_int (&row, ml_render_int (summary, "rules_checked"));
        s_row_int (&row, ml_render_int (summary, "met"));
        s_row_int (&row, ml_render_int (summary, "unmet"));
        s_row_int (&row, ml_render_int (summary, "warnings"));
        s_row_pct (&row, ml_render_compliance (unit), ml_render_no_data (unit)? ml_render_status_label ("no_data"): "");
        for (int number = 1; number <= ML_RENDER_SYSTEMS; number++) {
            const json_t *entry = ml_render_system (systems, number);
            s_row_int (&row, ml_render_int (entry, "checked"));
            s_row_int (&row, ml_render_int (entry, "met"));
            s_row_int (&row, ml_render_int (entry, "unmet"));
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
        s_row_str (&row, ml_render_str (item, "unit"));
        s_row_str (&row, ml_render_str (item, "unit_name"));
        s_row_str (&row, ml_render_str (item, "person"));
        s_row_str (&row, ml_render_str (item, "name"));
        s_row_str (&row, ml_render_str (item, "rule"));
        s_row_str (&row, ml_render_str (item, "text"));
        s_row_str (&row, ml_render_str (item, "severity")?
                   ml_render_severity_label (ml_render_str (item, "severity")): "");
        s_row_value (&row, json_object_get (item, "actual"));
        s_row_value (&row, json_object_get (item, "required"));
        s_row_value (&row, json_object_get (item, "max"));
        s_row_end (&row, out);
    }
    return 0;
}

//  =========================================================================
//  Entry point
//  =========================================================================

typedef int (s_kind_fn) (const json_t *report, FILE *out);

int
ml_render_csv (const json_t *report, ml_render_kind_t kind, FILE *out)
{
    static s_kind_fn *const renderers [ML_RENDER_KINDS] = {
        [ML_RENDER_UNIT_ANNUAL] = s_csv_unit_annual,
        [ML_RENDER_ROLLUP] = s_csv_rollup,
        [ML_RENDER_CADRE] = s_csv_cadre,
        [ML_RENDER_BULLETIN] = s_csv_bulletin,
        [ML_RENDER_WATCHLIST] = s_csv_watchlist,
    };
    assert ((unsigned) kind < ML_RENDER_KINDS);
    fputs (S_BOM, out);
    return renderers [kind] (report, out);
}
