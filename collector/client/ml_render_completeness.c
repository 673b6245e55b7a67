/* ml_render_completeness.c -- the completeness report (issue 12) in text, csv and html: per unit
   the reporting and timeliness rates, per month on time (按时), late (迟报), missing (未报送) or
   not yet due; as DHIS2's reporting-rate summary. */
#include "ml_render_shared.h"
#include "ml_render.h"
#include "ml_err.h"

#include <string.h>

static const char *
s_mark (const char *status)
{
    if (!status)
        return "?";
    if (strcmp (status, "on_time") == 0)
        return "✓";
    if (strcmp (status, "late") == 0)
        return "迟";
    if (strcmp (status, "missing") == 0)
        return "✗";
    return "·";
}

static const char *
s_rate (const json_t *unit, const char *key, char *buf, size_t len)
{
    json_t *r = json_object_get (unit, key);
    if (!json_is_number (r))
        return "-";
    snprintf (buf, len, "%.1f%%", json_number_value (r) * 100.0);
    return buf;
}

int
ml_render_completeness (const json_t *report, ml_format_t format, FILE *out)
{
    json_t *units = json_object_get (report, "units"), *unit, *month;
    size_t i, j;
    char a[16], b[16];
    json_int_t year = ml_render_int (report, "year");
    if (format == ML_FORMAT_CSV) {
        fputs ("\xEF\xBB\xBF" "单位,单位名称,月份,状态,报送日期,截止日期,迟报补录,报送率,及时率\r\n", out);
        json_array_foreach (units, i, unit) {
            json_array_foreach (json_object_get (unit, "months"), j, month)
                fprintf (out, "%s,\"%s\",%s,%s,%s,%s,%lld,%s,%s\r\n",
                         ml_render_or (ml_render_str (unit, "unit"), ""),
                         ml_render_or (ml_render_str (unit, "unit_name"), ""),
                         ml_render_or (ml_render_str (month, "month"), ""),
                         ml_render_or (ml_render_str (month, "status"), ""),
                         ml_render_or (ml_render_str (month, "closed"), ""),
                         ml_render_or (ml_render_str (month, "due"), ""),
                         (long long) ml_render_int (month, "late_additions"),
                         s_rate (unit, "reporting_rate", a, sizeof a),
                         s_rate (unit, "timeliness_rate", b, sizeof b));
        }
        return 0;
    }
    if (format == ML_FORMAT_HTML) {
        fprintf (out, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<title>%lld 年度台账报送情况 Completeness</title>\n<style>\nbody{font-family:"
                 "sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;"
                 "padding:2px 6px;text-align:center}.missing{background:#fdd}.late{background:#ffd}"
                 ".on_time{background:#dfd}\n</style>\n</head>\n<body>\n<h1>%lld 年度台账报送情况 "
                 "<small>Completeness and timeliness</small></h1>\n<p>截止日 Due: 次月 %lld 日 · "
                 "as of %s · ✓ 按时 on time · 迟 迟报 late · ✗ 未报送 missing · · 未到期 not due</p>\n"
                 "<table>\n<tr><th>单位 Unit</th>", (long long) year, (long long) year,
                 (long long) ml_render_int (report, "due_day"),
                 ml_render_or (ml_render_str (report, "as_of"), ""));
        for (int m = 1; m <= 12; m++)
            fprintf (out, "<th>%d月</th>", m);
        fputs ("<th>报送率 Reporting</th><th>及时率 Timeliness</th></tr>\n", out);
        json_array_foreach (units, i, unit) {
            fputs ("<tr><td>", out);
            ml_render_html_text (out, ml_render_str (unit, "unit_name"));
            fputs (" (", out);
            ml_render_html_text (out, ml_render_str (unit, "unit"));
            fputs (")</td>", out);
            json_array_foreach (json_object_get (unit, "months"), j, month) {
                const char *st = ml_render_str (month, "status");
                fprintf (out, "<td class=\"%s\" title=\"%s\">%s</td>", st ? st : "",
                         ml_render_or (ml_render_str (month, "closed"), ""), s_mark (st));
            }
            fprintf (out, "<td>%s</td><td>%s</td></tr>\n", s_rate (unit, "reporting_rate", a, sizeof a),
                     s_rate (unit, "timeliness_rate", b, sizeof b));
        }
        fputs ("</table>\n<footer>massline completeness</footer>\n</body>\n</html>\n", out);
        return 0;
    }
    fprintf (out, "台账报送情况 Completeness %lld (due: day %lld of the next month; as of %s)\n"
             "✓ on time  迟 late  ✗ missing  · not due\n\n",
             (long long) year, (long long) ml_render_int (report, "due_day"),
             ml_render_or (ml_render_str (report, "as_of"), ""));
    fputs ("unit      01 02 03 04 05 06 07 08 09 10 11 12  reporting  timeliness\n", out);
    json_array_foreach (units, i, unit) {
        fprintf (out, "%-8s ", ml_render_or (ml_render_str (unit, "unit"), "?"));
        json_array_foreach (json_object_get (unit, "months"), j, month) {
            const char *mark = s_mark (ml_render_str (month, "status"));
            fprintf (out, " %s%s", mark, ml_display_width (mark) == 1 ? " " : "");
        }
        fprintf (out, "  %9s  %10s%s\n", s_rate (unit, "reporting_rate", a, sizeof a),
                 s_rate (unit, "timeliness_rate", b, sizeof b),
                 json_is_true (json_object_get (unit, "no_data")) ? "  no_data" : "");
    }
    return 0;
}
