/* ml_render_supervision.c -- the supervision report (rules.md S.3, V14) in text, csv and html:
   the counts (opened, talked, rectified on time, late, overdue, open) and one line per
   watch-list row with its talks, deadline and closure. The PDF is in ml_render_pdf.c. */
#include "ml_render_shared.h"
#include "ml_render.h"
#include "ml_err.h"

#include <stdbool.h>
#include <string.h>

static const struct {
    const char *key, *label;
} s_counts[] = {
    { "opened", "立项 opened" }, { "talked", "诫勉谈话 talked" },
    { "rectified_on_time", "按期整改 on time" }, { "rectified_late", "逾期整改 late" },
    { "overdue", "逾期未整改 overdue" }, { "open", "整改中 open" },
    { "carried_over", "往年结转 carried over" },
};

const char *
ml_render_supervision_state (const char *state)
{
    static const struct { const char *key, *label; } labels[] = {
        { "open", "整改中" }, { "overdue", "逾期未整改" }, { "rectified_on_time", "按期整改" },
        { "rectified_late", "逾期整改" }
    };
    for (size_t i = 0; state && i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp (labels[i].key, state) == 0)
            return labels[i].label;
    return ml_render_or (state, "-");
}

//  The talks of ROW as "2025-02-01 王书记；2025-05-03 李书记" into BUF.
const char *
ml_render_supervision_talks (const json_t *row, char *buf, size_t size)
{
    size_t at = 0, i;
    json_t *talk;
    buf[0] = 0;
    json_array_foreach (json_object_get (row, "talks"), i, talk)
        if (at < size)
            at += (size_t) snprintf (buf + at, size - at, "%s%s %s", i ? "；" : "",
                                     ml_render_or (ml_render_str (talk, "date"), ""),
                                     ml_render_or (ml_render_str (talk, "by"), ""));
    return buf;
}

//  CSV field: quoted, quotes doubled.
static void
s_csv (FILE *out, const char *s, bool last)
{
    fputc ('"', out);
    for (; s && *s; s++) {
        if (*s == '"')
            fputc ('"', out);
        fputc (*s, out);
    }
    fputs (last ? "\"\r\n" : "\",", out);
}

int
ml_render_supervision (const json_t *report, ml_format_t format, FILE *out)
{
    json_t *rows = json_object_get (report, "rows"), *row;
    json_t *counts = json_object_get (report, "counts");
    size_t i;
    char talks[1024], year[16];
    if (format == ML_FORMAT_CSV) {
        fputs ("\xEF\xBB\xBF" "单位,单位名称,人员,年度,规则,状态,谈话,整改期限,进展,销号日期,销号人,往年结转\r\n", out);
        json_array_foreach (rows, i, row) {
            char progress[16];
            snprintf (year, sizeof year, "%lld", (long long) ml_render_int (row, "year"));
            snprintf (progress, sizeof progress, "%zu", json_array_size (json_object_get (row, "progress")));
            s_csv (out, ml_render_str (row, "unit"), false);
            s_csv (out, ml_render_str (row, "unit_name"), false);
            s_csv (out, ml_render_str (row, "person"), false);
            s_csv (out, year, false);
            s_csv (out, ml_render_str (row, "rule"), false);
            s_csv (out, ml_render_supervision_state (ml_render_str (row, "state")), false);
            s_csv (out, ml_render_supervision_talks (row, talks, sizeof talks), false);
            s_csv (out, ml_render_str (row, "deadline"), false);
            s_csv (out, progress, false);
            s_csv (out, ml_render_str (row, "closed"), false);
            s_csv (out, ml_render_str (row, "closed_by"), false);
            s_csv (out, json_is_true (json_object_get (row, "carried_over")) ? "是" : "否", true);
        }
        return 0;
    }
    if (format == ML_FORMAT_HTML) {
        fprintf (out, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<title>%lld 年度督查整改情况 Supervision</title>\n<style>\nbody{font-family:"
                 "sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #999;"
                 "padding:2px 6px}.overdue{background:#fdd}.rectified_late{background:#ffd}"
                 ".rectified_on_time{background:#dfd}\n</style>\n</head>\n<body>\n<h1>%lld 年度督查"
                 "整改情况 <small>Supervision: rectification to closure</small></h1>\n<p>as of %s</p>\n"
                 "<table>\n<tr>", (long long) ml_render_int (report, "year"),
                 (long long) ml_render_int (report, "year"),
                 ml_render_or (ml_render_str (report, "as_of"), ""));
        for (size_t c = 0; c < sizeof s_counts / sizeof s_counts[0]; c++)
            fprintf (out, "<th>%s</th>", s_counts[c].label);
        fputs ("</tr>\n<tr>", out);
        for (size_t c = 0; c < sizeof s_counts / sizeof s_counts[0]; c++)
            fprintf (out, "<td>%lld</td>", (long long) ml_render_int (counts, s_counts[c].key));
        fputs ("</tr>\n</table>\n<h2>督查整改明细 Rows</h2>\n<table>\n<tr><th>单位 Unit</th>"
               "<th>人员 Person</th><th>年度 Year</th><th>规则 Rule</th><th>状态 State</th>"
               "<th>诫勉谈话 Talks</th><th>整改期限 Deadline</th><th>销号 Closed</th></tr>\n", out);
        json_array_foreach (rows, i, row) {
            const char *state = ml_render_str (row, "state");
            fprintf (out, "<tr class=\"%s\"><td>", state && !strchr (state, '"') ? state : "");
            ml_render_html_text (out, ml_render_str (row, "unit_name"));
            fputs ("</td><td>", out);
            ml_render_html_text (out, ml_render_str (row, "person"));
            fprintf (out, "</td><td>%lld%s</td><td>", (long long) ml_render_int (row, "year"),
                     json_is_true (json_object_get (row, "carried_over")) ? " 结转" : "");
            ml_render_html_text (out, ml_render_or (ml_render_str (row, "rule"), "-"));
            fprintf (out, "</td><td>%s</td><td>", ml_render_supervision_state (state));
            ml_render_html_text (out, ml_render_supervision_talks (row, talks, sizeof talks));
            fputs ("</td><td>", out);
            ml_render_html_text (out, ml_render_or (ml_render_str (row, "deadline"), "-"));
            fputs ("</td><td>", out);
            ml_render_html_text (out, ml_render_or (ml_render_str (row, "closed"), "-"));
            fputs (" ", out);
            ml_render_html_text (out, ml_render_or (ml_render_str (row, "closed_by"), ""));
            fputs ("</td></tr>\n", out);
        }
        fputs ("</table>\n<footer>massline supervision</footer>\n</body>\n</html>\n", out);
        return 0;
    }
    fprintf (out, "督查整改情况 Supervision %lld (as of %s)\n",
             (long long) ml_render_int (report, "year"),
             ml_render_or (ml_render_str (report, "as_of"), ""));
    for (size_t c = 0; c < sizeof s_counts / sizeof s_counts[0]; c++)
        fprintf (out, "%s%s %lld", c ? "  " : "", s_counts[c].label,
                 (long long) ml_render_int (counts, s_counts[c].key));
    fputs ("\n\n", out);
    if (json_array_size (rows) == 0) {
        fputs ("无督查整改记录 No rectification recorded.\n", out);
        return 0;
    }
    fputs ("unit      person    year   rule    state         deadline    closed      talks\n", out);
    json_array_foreach (rows, i, row) {
        char safe[3][160];
        const char *state = ml_render_supervision_state (ml_render_str (row, "state"));
        fprintf (out, "%-8s  %-8s  %lld%s  %-6s  %s%*s  %-10s  %-10s  %s\n",
                 ml_text_safe (ml_render_or (ml_render_str (row, "unit"), "?"), safe[0], sizeof safe[0]),
                 ml_text_safe (ml_render_or (ml_render_str (row, "person"), "?"), safe[1], sizeof safe[1]),
                 (long long) ml_render_int (row, "year"),
                 json_is_true (json_object_get (row, "carried_over")) ? "*" : " ",
                 ml_render_or (ml_render_str (row, "rule"), "-"), state,
                 12 - ml_display_width (state) > 0 ? 12 - ml_display_width (state) : 0, "",
                 ml_render_or (ml_render_str (row, "deadline"), "-"),
                 ml_render_or (ml_render_str (row, "closed"), "-"),
                 ml_text_safe (ml_render_supervision_talks (row, talks, sizeof talks), safe[2],
                               sizeof safe[2]));
    }
    if (ml_render_int (counts, "carried_over"))
        fputs ("* carried over: a row of an earlier year, overdue in this one\n", out);
    return 0;
}
