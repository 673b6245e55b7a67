/* ml_render_html.c -- reports as HTML: one self-contained page per report, printable on A4,
   with inline CSS and SVG charts (a heat map of units x systems, stacked bars per system). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_render.h"
#include "ml_render_shared.h"

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
    "table.metrics { table-layout: fixed; font-size: 9pt }\n"
    "table.metrics tbody th { background: none; font-weight: normal; white-space: nowrap }\n"
    "p.metrics { font-size: 9pt; margin: 2pt 0 }\n"
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
    "footer { margin-top: 14pt; border-top: 1px solid #ccc; padding-top: 3pt }\n"
    //  The cadre annex is one A4 page (rules.md R.3): tighter type, a shorter chart.
    "body.annex { font-size: 9pt; line-height: 1.3 }\n"
    "body.annex h2 { font-size: 11pt; margin: 7pt 0 3pt }\n"
    "body.annex .kpis { margin: 4pt 0 } body.annex .kpis b { font-size: 12pt }\n"
    "body.annex th, body.annex td { padding: 1pt 3pt }\n"
    "body.annex table.rules { font-size: 8.5pt }\n"
    "body.annex svg.chart { width: auto; max-height: 42mm }\n"
    "body.annex footer { margin-top: 6pt }\n";

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

//  The document up to the end of the <h1>: TITLE (Chinese) and SUBTITLE (English); the body
//  gets the class BODY_CLASS when not NULL.
static void
s_html_head (FILE *out, const char *title, const char *subtitle, const char *context,
             const char *body_class)
{
    fprintf (out, "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
    if (context) {
        s_html (out, context);
        fputc (' ', out);
    }
    s_html (out, title);
    fprintf (out, "</title>\n<style>\n%s</style>\n</head>\n<body%s%s%s>\n<header>\n<h1>", s_css,
             body_class? " class=\"": "", body_class? body_class: "", body_class? "\"": "");
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
    const char *value = ml_render_value (json_object_get (report, "year"), year, sizeof year, NULL);
    fprintf (out, "<p class=\"meta\">");
    if (value) {
        fprintf (out, "年度 Year ");
        s_html (out, value);
        fprintf (out, " · ");
    }
    if (ml_render_str (report, "as_of")) {
        fprintf (out, "截至 As of ");
        s_html (out, ml_render_str (report, "as_of"));
        fprintf (out, " · ");
    }
    fprintf (out, "规则版本 Rules ");
    s_html (out, ml_render_str (report, "rules_version"));
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
             ml_render_int (summary, "rules_checked"), ml_render_int (summary, "met"),
             ml_render_int (summary, "unmet"), ml_render_int (summary, "warnings"),
             ml_render_pct (ratio, rate, sizeof rate, "-"));
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

//  Heat map of compliance per unit (rows) x system (columns), plus a total column.
static void
s_svg_heatmap (FILE *out, const json_t *units)
{
    const int cell_w = 58, cell_h = 24, top = 46, legend_h = 62;
    size_t nunits = json_array_size (units), index;
    json_t *unit;
    int label_w = 120;
    json_array_foreach (units, index, unit) {
        int width = 7 * (ml_display_width (ml_render_str (unit, "unit_name")) + 3) + 16;
        if (width > label_w)
            label_w = width;
    }
    int width = label_w + (ML_RENDER_SYSTEMS + 1) * cell_w + 8;
    int height = top + (int) nunits * cell_h + legend_h;
    fprintf (out, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 %d %d\" "
             "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"各单位分制度达标率 compliance by unit and system\">\n",
             width, height, width, height);
    for (int col = 0; col <= ML_RENDER_SYSTEMS; col++) {
        int x = label_w + col * cell_w + cell_w / 2;
        if (col < ML_RENDER_SYSTEMS)
            fprintf (out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#666\">%d</text>"
                     "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                     x, top - 24, col + 1, x, top - 8, ml_render_system_short [col + 1]);
        else
            fprintf (out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-weight=\"bold\">合计</text>\n",
                     x, top - 8);
    }
    json_array_foreach (units, index, unit) {
        json_t *systems = json_object_get (unit, "systems");
        int y = top + (int) index * cell_h;
        fprintf (out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", label_w - 8, y + cell_h / 2 + 4);
        if (ml_render_lagging (unit))
            fprintf (out, "<tspan fill=\"#b3141b\">" ML_RENDER_LAG_MARK " </tspan>");
        s_html (out, ml_render_or (ml_render_str (unit, "unit_name"), ml_render_str (unit, "unit")));
        fprintf (out, "</text>\n");
        for (int col = 0; col <= ML_RENDER_SYSTEMS; col++) {
            const json_t *entry = col < ML_RENDER_SYSTEMS? ml_render_system (systems, col + 1): NULL;
            double ratio = col < ML_RENDER_SYSTEMS? ml_render_ratio (entry): ml_render_compliance (unit);
            char color [16];
            int dark, x = label_w + col * cell_w;
            s_heat_color (ratio, color, sizeof color, &dark);
            fprintf (out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"%s><title>",
                     x + 1, y + 1, cell_w - 2, cell_h - 2, color,
                     col == ML_RENDER_SYSTEMS? " stroke=\"#333\" stroke-width=\"0.8\"": "");
            s_html (out, ml_render_str (unit, "unit_name"));
            fprintf (out, " · %s", col < ML_RENDER_SYSTEMS? ml_render_system_short [col + 1]: "合计");
            if (entry)
                fprintf (out, ": 达标 %" JSON_INTEGER_FORMAT " / 检查 %" JSON_INTEGER_FORMAT,
                         ml_render_int (entry, "met"), ml_render_int (entry, "checked"));
            fprintf (out, "</title></rect>");
            //  Written as the tables write it (ml_render_pct), so cell and table agree.
            char pct [32];
            if (ratio >= 0)
                fprintf (out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\"%s>%s</text>",
                         x + cell_w / 2, y + cell_h / 2 + 4, dark? " style=\"fill:#fff\"": "",
                         ml_render_pct (ratio, pct, sizeof pct, ""));
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
            fprintf (out, "<text x=\"%d\" y=\"%d\" fill=\"#666\">%s%.0f%%</text>\n", x + 20, y + 13,
                     i == 0? "≤": "", marks [i] * 100);
        else
            fprintf (out, "<text x=\"%d\" y=\"%d\" fill=\"#666\">无检查项</text>\n", x + 20, y + 13);
    }
    fprintf (out, "<text x=\"%d\" y=\"%d\" fill=\"#666\">" ML_RENDER_LAG_MARK " 达标率低于 %.0f%% 的单位</text>\n",
             label_w, y + 36, ML_RENDER_LAG_BELOW * 100);
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
            fprintf (out, "<tspan fill=\"#b3141b\">" ML_RENDER_LAG_MARK " </tspan>");
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
    s_bar_t bars [ML_RENDER_SYSTEMS];
    char labels [ML_RENDER_SYSTEMS][64];
    for (int number = 1; number <= ML_RENDER_SYSTEMS; number++) {
        const json_t *entry = ml_render_system (systems, number);
        s_bar_t *bar = &bars [number - 1];
        char rate [32];
        snprintf (labels [number - 1], sizeof labels [0], "%d %s", number, ml_render_system_short [number]);
        bar->label = labels [number - 1];
        bar->lag = 0;
        bar->seg [0] = ml_render_int (entry, "met");
        bar->seg [1] = ml_render_int (entry, "warnings");
        bar->seg [2] = ml_render_int (entry, "unmet");
        if (ml_render_int (entry, "checked") > 0)
            snprintf (bar->note, sizeof bar->note, "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT " %s",
                      ml_render_int (entry, "met"), ml_render_int (entry, "checked"),
                      ml_render_pct (ml_render_ratio (entry), rate, sizeof rate, ""));
        else
            snprintf (bar->note, sizeof bar->note, "无检查项");
    }
    s_svg_bars (out, bars, ML_RENDER_SYSTEMS, names, "分制度达标情况 compliance by system");
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
        const char *status = ml_render_or (ml_render_str (rule, "status"), "");
        int known = strcmp (status, "met") == 0 || strcmp (status, "unmet") == 0
                 || strcmp (status, "warning") == 0 || strcmp (status, "not_applicable") == 0;
        fprintf (out, "<tr>");
        s_html_cell (out, "td", NULL, ml_render_str (rule, "rule"));
        s_html_cell (out, "td", NULL, ml_render_or (ml_render_str (rule, "text"), ""));
        s_html_cell (out, "td", "n", ml_render_required (rule, required, sizeof required, "-"));
        s_html_cell (out, "td", "n",
                     ml_render_value (json_object_get (rule, "actual"), actual, sizeof actual, "-"));
        s_html_cell (out, "td", known? status: NULL, ml_render_status_label (ml_render_str (rule, "status")));
        //  Each period unbroken; lines break only between periods.
        fprintf (out, "<td>");
        json_array_foreach (json_object_get (rule, "missed"), at, period) {
            char one [64];
            if (!json_string_value (period))
                continue;
            fprintf (out, "%s<span class=\"nw\">", at > 0? "、": "");
            s_html (out, ml_render_period (json_string_value (period), one, sizeof one));
            fprintf (out, "</span>");
        }
        char extra [1024];
        if (*ml_render_rule_extra (rule, extra, sizeof extra)) {
            fprintf (out, "%s", json_array_size (json_object_get (rule, "missed"))? "；": "");
            s_html (out, extra);
        }
        fprintf (out, "</td></tr>\n");
    }
    fprintf (out, "</tbody>\n</table>\n");
}

//  The metrics of SYSTEM (0: every one; -1: those of no known system) as unbreakable
//  "调研天数 <b>62</b>" items; lines break only between items. Returns how many it wrote.
static int
s_html_metric_items (FILE *out, const json_t *metrics, int system)
{
    const char *key;
    json_t *value;
    int count = 0;
    json_object_foreach ((json_t *) metrics, key, value) {
        char buf [64];
        int of = ml_render_metric_system (key);
        if ((system > 0 && of != system) || (system < 0 && of != 0))
            continue;
        fprintf (out, "%s<span class=\"nw\">", count++? "　": "");
        s_html (out, ml_render_metric_label (key));
        fprintf (out, " <b>");
        s_html (out, ml_render_value (value, buf, sizeof buf, "-"));
        fprintf (out, "</b></span>");
    }
    return count;
}

//  A person's metrics as one flowing line (unit-annual).
static void
s_html_metrics (FILE *out, const json_t *metrics)
{
    if (json_object_size (metrics) == 0)
        return;
    fprintf (out, "<p class=\"metrics\">工作量 ");
    s_html_metric_items (out, metrics, 0);
    fprintf (out, "</p>\n");
}

//  The cadre annex's metrics: one row per system with its metrics side by side, so that any
//  number of metrics fits the page's width; metrics of no known system under "其他".
static void
s_html_metrics_by_system (FILE *out, const json_t *metrics)
{
    fprintf (out, "<table class=\"metrics\">\n<colgroup><col style=\"width:16%%\"><col></colgroup>\n"
             "<thead><tr><th>制度</th><th>工作量</th></tr></thead>\n<tbody>\n");
    for (int system = 1; system <= ML_RENDER_SYSTEMS + 1; system++) {
        const char *key;
        json_t *value;
        int any = 0, wanted = system <= ML_RENDER_SYSTEMS? system: 0;
        json_object_foreach ((json_t *) metrics, key, value)
            any |= ml_render_metric_system (key) == wanted;
        if (!any)
            continue;
        fprintf (out, "<tr><th>%s</th><td>",
                 system <= ML_RENDER_SYSTEMS? ml_render_system_short [system]: "其他");
        s_html_metric_items (out, metrics, system <= ML_RENDER_SYSTEMS? system: -1);
        fprintf (out, "</td></tr>\n");
    }
    fprintf (out, "</tbody>\n</table>\n");
}

static void
s_html_person (FILE *out, const json_t *person)
{
    char roles [512];
    fprintf (out, "<div class=\"person\">\n<h3>");
    s_html (out, ml_render_str (person, "name"));
    fprintf (out, "<small>");
    s_html (out, ml_render_str (person, "person"));
    fprintf (out, " · ");
    s_html (out, ml_render_roles (json_object_get (person, "roles"), roles, sizeof roles));
    char org [512];
    if (ml_render_org (person, org, sizeof org)) {
        fprintf (out, " · ");
        s_html (out, org);
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
        s_html_cell (out, "th", NULL, ml_render_case_label (kind));
        fprintf (out, "<td>");
        json_object_foreach (counts, key, value) {
            char buf [64];
            s_html (out, ml_render_case_label (key));
            fputc (' ', out);
            s_html (out, ml_render_value (value, buf, sizeof buf, "-"));
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
        json_int_t number = ml_render_int (entry, "system");
        char cell [64];
        fprintf (out, "<tr><td>%" JSON_INTEGER_FORMAT " ", number);
        s_html (out, ml_render_or (ml_render_str (entry, "name"),
                number >= 1 && number <= ML_RENDER_SYSTEMS? ml_render_system_long [number]: "-"));
        fprintf (out, "</td><td class=\"n\">%" JSON_INTEGER_FORMAT "</td><td class=\"n\">%" JSON_INTEGER_FORMAT
                 "</td><td class=\"n\">%" JSON_INTEGER_FORMAT "</td><td class=\"n\">%" JSON_INTEGER_FORMAT "</td>",
                 ml_render_int (entry, "checked"), ml_render_int (entry, "met"),
                 ml_render_int (entry, "unmet"), ml_render_int (entry, "warnings"));
        s_html_cell (out, "td", "n", ml_render_pct (ml_render_ratio (entry), cell, sizeof cell, "-"));
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
    s_html_head (out, "直接联系群众工作单位年度报告", "Unit annual report",
                 ml_render_str (report, "unit_name"), NULL);
    fprintf (out, "<p class=\"meta\">单位 Unit <b>");
    s_html (out, ml_render_str (report, "unit_name"));
    fprintf (out, "</b> (");
    s_html (out, ml_render_str (report, "unit"));
    fprintf (out, ")</p>\n");
    if (ml_render_no_data (report))
        fprintf (out, "<p class=\"meta\">状态 Status <b class=\"not_applicable\">无数据</b> no data"
                 "（本年度无人员名册和党组织 no roster and no organisation this year）</p>\n");
    s_html_meta (out, report);
    s_html_kpis (out, summary, ml_render_ratio (summary), "人数 Persons",
                 (json_int_t) json_array_size (persons));
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
    s_html_head (out, "领导干部述职述廉附件：直接联系群众", "Cadre annex",
                 ml_render_str (person, "name"), "annex");
    fprintf (out, "<p class=\"meta\">姓名 Name <b>");
    s_html (out, ml_render_str (person, "name"));
    fprintf (out, "</b> (");
    s_html (out, ml_render_str (person, "person"));
    fprintf (out, ") · 单位 Unit ");
    s_html (out, ml_render_str (report, "unit_name"));
    fprintf (out, " · 职务 Roles ");
    s_html (out, ml_render_roles (json_object_get (person, "roles"), roles, sizeof roles));
    char org [512];
    if (ml_render_org (person, org, sizeof org)) {
        fprintf (out, " · 党组织 Org ");
        s_html (out, org);
    }
    fprintf (out, "</p>\n");
    s_html_meta (out, report);
    json_t *systems = ml_render_systems_of_rules (rules);
    json_t *summary = ml_render_summary_of_systems (systems);
    s_html_kpis (out, summary, ml_render_ratio (summary), NULL, 0);
    fprintf (out, "<h2>分制度 By system</h2>\n");
    s_svg_systems (out, systems);
    if (json_object_size (json_object_get (person, "metrics")) > 0) {
        fprintf (out, "<h2>工作量 Metrics</h2>\n");
        s_html_metrics_by_system (out, json_object_get (person, "metrics"));
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
    for (int number = 1; number <= ML_RENDER_SYSTEMS; number++)
        fprintf (out, "<th class=\"n\">%s</th>", ml_render_system_short [number]);
    fprintf (out, "<th class=\"n\">未达标</th><th class=\"n\">达标率</th></tr></thead>\n<tbody>\n");
    size_t index;
    json_t *unit;
    json_array_foreach (units, index, unit) {
        json_t *systems = json_object_get (unit, "systems");
        int lag = ml_render_lagging (unit);
        char rate [32];
        fprintf (out, "<tr%s>", lag? " class=\"lag\"": "");
        if (ranked)
            fprintf (out, "<td class=\"n\">%" JSON_INTEGER_FORMAT "</td>", ml_render_int (unit, "rank"));
        fprintf (out, "<td>%s", lag? "<span class=\"mark\">" ML_RENDER_LAG_MARK "</span> ": "");
        s_html (out, ml_render_str (unit, "unit_name"));
        fprintf (out, " <small>");
        s_html (out, ml_render_str (unit, "unit"));
        fprintf (out, "</small></td>");
        if (!ranked)
            fprintf (out, "<td class=\"n\">%" JSON_INTEGER_FORMAT "</td>", ml_render_int (unit, "persons"));
        for (int number = 1; number <= ML_RENDER_SYSTEMS; number++) {
            char cell [64];
            const json_t *entry = ml_render_system (systems, number);
            double ratio = ml_render_ratio (entry);
            s_html_cell (out, "td", ratio >= 0 && ratio < ML_RENDER_LAG_BELOW? "n unmet": "n",
                         ml_render_system_cell (systems, number, cell, sizeof cell));
        }
        fprintf (out, "<td class=\"n\">%" JSON_INTEGER_FORMAT "</td>",
                 ml_render_int (json_object_get (unit, "summary"), "unmet"));
        s_html_cell (out, "td", "n", ml_render_pct (ml_render_compliance (unit), rate, sizeof rate, ml_render_unit_dash (unit)));
        fprintf (out, "</tr>\n");
    }
    fprintf (out, "</tbody>\n</table>\n<p class=\"legend\">各制度列为 达标/检查 (met/checked)；"
             "<span class=\"mark\">" ML_RENDER_LAG_MARK "</span> 达标率低于 %.0f%%，需重点关注；红字为达标率低于 %.0f%% 的制度。</p>\n",
             ML_RENDER_LAG_BELOW * 100, ML_RENDER_LAG_BELOW * 100);
}

static int
s_html_rollup (const json_t *report, FILE *out)
{
    json_t *units = json_object_get (report, "units");
    json_t *summary = json_object_get (report, "summary");
    s_html_head (out, "直接联系群众工作全局汇总", "Bureau roll-up", NULL, NULL);
    s_html_meta (out, report);
    s_html_kpis (out, summary, ml_render_ratio (summary), "单位 Units",
                 (json_int_t) json_array_size (units));
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
    s_html_head (out, "直接联系群众工作进度通报", "Progress bulletin",
                 ml_render_str (report, "period"), NULL);
    fprintf (out, "<p class=\"meta\">期间 Period <b>");
    s_html (out, ml_render_str (report, "period"));
    fprintf (out, "</b> (");
    s_html (out, ml_render_str (report, "from"));
    fprintf (out, " 至 ");
    s_html (out, ml_render_str (report, "to"));
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
    s_html_head (out, "督查名单", "Watch list: admonishment and rectification", NULL, NULL);
    s_html_meta (out, report);
    size_t count = json_array_size (units), index;
    if (count > 0) {
        s_bar_t *bars = calloc (count, sizeof *bars);
        if (!bars)
            return ML_ENOMEM;
        json_t *unit;
        json_array_foreach (units, index, unit) {
            bars [index].label = ml_render_or (ml_render_str (unit, "unit_name"),
                                          ml_render_or (ml_render_str (unit, "unit"), "-"));
            bars [index].seg [2] = ml_render_int (unit, "unmet");
            snprintf (bars [index].note, sizeof bars [index].note, "%" JSON_INTEGER_FORMAT,
                      ml_render_int (unit, "unmet"));
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
        const char *severity = ml_render_str (row, "severity");
        fprintf (out, "<tr>");
        s_html_cell (out, "td", NULL, ml_render_str (row, "unit_name"));
        fprintf (out, "<td>");
        if (ml_render_str (row, "person")) {
            s_html (out, ml_render_str (row, "name"));
            fprintf (out, " <small>");
            s_html (out, ml_render_str (row, "person"));
            fprintf (out, "</small>");
        }
        else
            fprintf (out, "（单位）");
        fprintf (out, "</td>");
        s_html_cell (out, "td", NULL, ml_render_str (row, "rule"));
        s_html_cell (out, "td", NULL, ml_render_or (ml_render_str (row, "text"), ""));
        s_html_cell (out, "td", severity && strcmp (severity, "warning") == 0? "warning": "unmet",
                     ml_render_severity_label (severity));
        s_html_cell (out, "td", "n",
                     ml_render_value (json_object_get (row, "actual"), actual, sizeof actual, "-"));
        s_html_cell (out, "td", "n", ml_render_required (row, required, sizeof required, "-"));
        fprintf (out, "</tr>\n");
    }
    fprintf (out, "</tbody>\n</table>\n");
    s_html_foot (out, "watchlist");
    return 0;
}

//  =========================================================================
//  Entry point
//  =========================================================================

typedef int (s_kind_fn) (const json_t *report, FILE *out);

int
ml_render_html (const json_t *report, ml_render_kind_t kind, FILE *out)
{
    static s_kind_fn *const renderers [ML_RENDER_KINDS] = {
        [ML_RENDER_UNIT_ANNUAL] = s_html_unit_annual,
        [ML_RENDER_ROLLUP] = s_html_rollup,
        [ML_RENDER_CADRE] = s_html_cadre,
        [ML_RENDER_BULLETIN] = s_html_bulletin,
        [ML_RENDER_WATCHLIST] = s_html_watchlist,
    };
    assert ((unsigned) kind < ML_RENDER_KINDS);
    return renderers [kind] (report, out);
}
