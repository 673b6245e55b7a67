/* test_render_html.c -- the HTML renderer: self-contained pages naming every unit, escaping. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_render.h"
#include "ml_test_render.h"

//  -------------------------------------------------------------------------
//  HTML

Test (render, html_every_kind_is_self_contained_and_names_every_unit)
{
    json_t *report = t_rn_fixture ("rollup");
    char *html = t_rn_render (report, ML_FORMAT_HTML);
    t_rn_check_html (html);
    size_t index;
    json_t *unit;
    json_array_foreach (json_object_get (report, "units"), index, unit)
        cr_assert (strstr (html, json_string_value (json_object_get (unit, "unit_name"))));
    const char *labels [] = { "调研蹲点", "联系点", "挂职", "接访", "谈心", "征求意见", "承诺践诺", "党代表" };
    for (size_t i = 0; i < 8; i++)
        cr_assert (strstr (html, labels [i]));
    cr_assert_eq (t_rn_count (html, "<tr class=\"lag\">"), 2);
    cr_assert_eq (t_rn_count (html, "<rect"), 8 * 9 + 7, "8 units x 9 cells + 7 legend boxes");
    json_decref (report);
    free (html);

    report = t_rn_fixture ("bulletin");
    html = t_rn_render (report, ML_FORMAT_HTML);
    t_rn_check_html (html);
    json_array_foreach (json_object_get (report, "units"), index, unit)
        cr_assert (strstr (html, json_string_value (json_object_get (unit, "unit_name"))));
    json_decref (report);
    free (html);

    report = t_rn_fixture ("unit_annual");
    html = t_rn_render (report, ML_FORMAT_HTML);
    t_rn_check_html (html);
    cr_assert (strstr (html, "镇江市第一人民医院"));
    json_t *person;
    json_array_foreach (json_object_get (report, "persons"), index, person)
        cr_assert (strstr (html, json_string_value (json_object_get (person, "name"))));
    cr_assert (strstr (html, "<td class=\"unmet\">未达标</td>"));
    json_decref (report);
    free (html);

    report = t_rn_fixture ("watchlist");
    html = t_rn_render (report, ML_FORMAT_HTML);
    t_rn_check_html (html);
    json_array_foreach (json_object_get (report, "units"), index, unit)
        cr_assert (strstr (html, json_string_value (json_object_get (unit, "unit_name"))));
    json_decref (report);
    free (html);

    report = t_rn_fixture ("cadre");
    html = t_rn_render (report, ML_FORMAT_HTML);
    t_rn_check_html (html);
    cr_assert (strstr (html, "张建国"));
    json_decref (report);
    free (html);
}

Test (render, html_escapes_names)
{
    json_t *report = t_rn_fixture ("rollup");
    json_t *unit = json_array_get (json_object_get (report, "units"), 2);
    json_object_set_new (unit, "unit_name", json_string ("<script>alert('x')</script> & \"医院\""));
    char *html = t_rn_render (report, ML_FORMAT_HTML);
    t_rn_check_html (html);        //  which also finds no "<script"
    cr_assert (strstr (html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;医院&quot;"));
    json_decref (report);
    free (html);

    report = t_rn_fixture ("unit_annual");
    json_t *person = json_array_get (json_object_get (report, "persons"), 0);
    json_object_set_new (person, "name", json_string ("<script>张</script>"));
    html = t_rn_render (report, ML_FORMAT_HTML);
    t_rn_check_html (html);
    cr_assert (strstr (html, "&lt;script&gt;张&lt;/script&gt;"));
    json_decref (report);
    free (html);
}
