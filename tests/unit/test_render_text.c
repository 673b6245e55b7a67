/* test_render_text.c -- the text renderer: tables that line up, CJK widths, no control characters
   (issue 16). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_render.h"
#include "ml_test_render.h"

//  -------------------------------------------------------------------------
//  Text

Test (render, text_unit_annual_columns_line_up)
{
    json_t *report = t_rn_fixture ("unit_annual");
    char *text = t_rn_render (report, ML_FORMAT_TEXT);
    //  systems, four persons, unit rules, rule texts
    cr_assert_eq (t_rn_check_tables (text), 7, "%s", text);
    cr_assert (strstr (text, "规则 Rule  要求 Required  实际 Actual  状态 Status  未达月份 Missed"));
    cr_assert (strstr (text, "欧阳明华 (P002)") && strstr (text, "李明 (P003)"));
    const char *line = t_rn_line_with (text, "2025-02上、2025-07下、2025-08上");
    cr_assert (strstr (line, "4.1b") && strstr (line, "未达标"), "%s", line);
    cr_assert (strstr (t_rn_line_with (text, "  8.2c "), "不适用"));
    cr_assert (strstr (t_rn_line_with (text, "  1.3c "), "5-7"));
    cr_assert (strstr (text, "案件 Cases") && strstr (text, "受理 14"));
    json_decref (report);
    free (text);
}

Test (render, text_rollup_marks_lagging_units)
{
    json_t *report = t_rn_fixture ("rollup");
    char *text = t_rn_render (report, ML_FORMAT_TEXT);
    cr_assert_eq (t_rn_check_tables (text), 1, "%s", text);
    //  Names of 3 and 11 characters in the same table.
    cr_assert (strstr (text, "局机关") && strstr (text, "镇江市疾病预防控制中心"));
    const char *lagging [] = { "H004", "X001" }, *fine [] = { "H001", "H003", "J001" };
    for (size_t i = 0; i < 2; i++) {
        const char *line = t_rn_line_with (text, lagging [i]);
        cr_assert (strcmp (line + strlen (line) - strlen ("▲"), "▲") == 0, "not marked: %s", line);
    }
    for (size_t i = 0; i < 3; i++)
        cr_assert_null (strstr (t_rn_line_with (text, fine [i]), "▲"));
    cr_assert (strstr (text, "▲ 达标率低于 80%"), "no legend for the mark");
    cr_assert (strstr (t_rn_line_with (text, "H001 "), "100/108"));
    cr_assert (strstr (t_rn_line_with (text, "H001 "), "93.5%"));
    json_decref (report);
    free (text);
}

Test (render, text_bulletin_watchlist_cadre_line_up)
{
    json_t *report = t_rn_fixture ("bulletin");
    char *text = t_rn_render (report, ML_FORMAT_TEXT);
    cr_assert_eq (t_rn_check_tables (text), 1, "%s", text);
    cr_assert (strstr (text, "2025-Q1"));
    cr_assert (strstr (t_rn_line_with (text, "镇江市中心血站"), "▲"));
    //  ranked order kept: H003 first, X001 last
    cr_assert_lt (strstr (text, "H003") - text, strstr (text, "X001") - text);
    json_decref (report);
    free (text);

    report = t_rn_fixture ("watchlist");
    text = t_rn_render (report, ML_FORMAT_TEXT);
    cr_assert_eq (t_rn_check_tables (text), 2, "%s", text);
    cr_assert (strstr (t_rn_line_with (text, "1.3g"), "(单位)"));
    cr_assert (strstr (t_rn_line_with (text, "司马文静"), "4.1b"));
    json_decref (report);
    free (text);

    report = t_rn_fixture ("cadre");
    text = t_rn_render (report, ML_FORMAT_TEXT);
    cr_assert_eq (t_rn_check_tables (text), 3, "%s", text);     //  metrics by system, rules, texts
    cr_assert (strstr (text, "姓名 Name: 张建国 (P001)"));
    cr_assert (strstr (text, "达标率 Rate 92.3%"));
    json_decref (report);
    free (text);
}

Test (render, text_cell_with_newline_stays_on_its_line)
{
    json_t *report = t_rn_fixture ("rollup");
    json_t *unit = json_array_get (json_object_get (report, "units"), 0);
    json_object_set_new (unit, "unit_name", json_string ("镇江市第一\n人民医院  (总院)"));
    char *text = t_rn_render (report, ML_FORMAT_TEXT);
    cr_assert_eq (t_rn_check_tables (text), 1, "%s", text);
    cr_assert (strstr (t_rn_line_with (text, "H001"), "镇江市第一 人民医院 (总院)"));
    json_decref (report);
    free (text);
}


//  Asserts that TEXT holds no control character but LF: no ESC, BEL, CR, DEL or C1.
static void
s_assert_no_controls (const char *text, const char *what)
{
    for (const unsigned char *at = (const unsigned char *) text; *at; at++) {
        cr_assert (*at >= 0x20 || *at == '\n', "%s: control 0x%02x at byte %zu", what, *at,
                   (size_t) (at - (const unsigned char *) text));
        cr_assert (*at != 0x7F, "%s: DEL at byte %zu", what, (size_t) (at - (const unsigned char *) text));
        cr_assert (!(at [0] == 0xC2 && at [1] >= 0x80 && at [1] < 0xA0), "%s: a C1 control", what);
    }
}

Test (render, text_never_writes_control_characters_of_names)
{
    const char *evil = "张\x1b]0;pwned\a\x1b[2J\r李\x7f\xc2\x9b" "31m王";
    json_t *report = t_rn_fixture ("unit_annual");
    json_object_set_new (report, "unit_name", json_string (evil));
    json_object_set_new (report, "unit", json_string ("H\x1b[1m1"));
    json_t *person = json_array_get (json_object_get (report, "persons"), 0);
    json_object_set_new (person, "name", json_string (evil));
    json_object_set_new (person, "org_name", json_string (evil));
    json_object_set_new (json_object_get (person, "metrics"), "x\x1b[5m", json_integer (1));
    char *text = t_rn_render (report, ML_FORMAT_TEXT);
    s_assert_no_controls (text, "unit-annual");
    cr_assert (strstr (text, "单位 Unit: 张 ]0;pwned  [2J 李  31m王 (H [1m1)"), "%s", text);
    free (text);
    json_decref (report);

    report = t_rn_fixture ("cadre");
    person = json_object_get (report, "person");
    json_object_set_new (person, "name", json_string (evil));
    json_object_set_new (person, "org", json_string ("B\r01"));
    json_object_set_new (report, "unit_name", json_string (evil));
    json_object_set_new (json_object_get (person, "metrics"), "\x1b[5m", json_integer (1));
    text = t_rn_render (report, ML_FORMAT_TEXT);
    s_assert_no_controls (text, "cadre");
    cr_assert (strstr (text, "姓名 Name: 张 ]0;pwned  [2J 李  31m王 (P001)"), "%s", text);
    free (text);
    json_decref (report);

    const char *kinds [] = { "rollup", "bulletin", "watchlist" };
    for (size_t i = 0; i < 3; i++) {
        report = t_rn_fixture (kinds [i]);
        json_object_set_new (report, "rules_version", json_string (evil));
        json_object_set_new (report, "period", json_string (evil));
        json_object_set_new (report, "as_of", json_string (evil));
        text = t_rn_render (report, ML_FORMAT_TEXT);
        s_assert_no_controls (text, kinds [i]);
        free (text);
        json_decref (report);
    }
}

Test (render, text_safe_blanks_controls_and_cuts_on_a_character)
{
    char buf [64];
    cr_assert_str_eq (ml_text_safe ("a\x1b[31mb\a\r\n\tc\x7f", buf, sizeof buf), "a [31mb    c ");
    cr_assert_str_eq (ml_text_safe ("\xc2\x9b" "1m张", buf, sizeof buf), " 1m张");   //  C1 CSI
    cr_assert_str_eq (ml_text_safe ("\xff" "a", buf, sizeof buf), "?a");            //  not UTF-8
    cr_assert_str_eq (ml_text_safe ("\xef\xbf\xbd", buf, sizeof buf), "\xef\xbf\xbd");  //  U+FFFD itself
    cr_assert_str_eq (ml_text_safe (NULL, buf, sizeof buf), "");
    cr_assert_str_eq (ml_text_safe ("张三", buf, 5), "张");                           //  never half a character
    char in_place [] = "x\x1b" "y";
    cr_assert_str_eq (ml_text_safe (in_place, in_place, sizeof in_place), "x y");
}
