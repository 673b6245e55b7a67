/* ml_desk_report.c -- 本单位报表: the unit's own unit-annual report for a year, asked of the
   collector's query endpoint ([agent] query) with this agent's own key, as an agent key may ask
   (the collector answers an agent key its own unit's unit-annual and cadre only). Shown as the
   unit's figures and persons, and downloaded as the files `massline report unit-annual` writes
   (the client library's renderers: PDF, HTML, CSV, JSON). */
#include "ml_desk.h"
#include "ml_ask.h"
#include "ml_date.h"
#include "ml_keys.h"
#include "ml_log.h"
#include "ml_render.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The year asked for: ?year=YYYY, else this year. Returns it, or 0 when malformed.
static int
s_year (desk_req_t *r)
{
    const char *given = ml_http_query (r->http, "year");
    if (!given || !*given) {
        char today[11];
        ml_date_format (ml_date_today (), today);
        return atoi (today);
    }
    if (strlen (given) != 4 || strspn (given, "0123456789") != 4)
        return 0;
    return atoi (given);
}

//  The unit this agent's key speaks for (agent.ini [agent] unit).
static const char *
s_unit (desk_req_t *r)
{
    return r->desk->cfg.unit && *r->desk->cfg.unit ? r->desk->cfg.unit : NULL;
}

//  What a clerk reads for the collector's error CODE (MSG goes to the log).
static const char *
s_why (const char *code)
{
    return strcmp (code, "denied") == 0 ? "局里的采集端拒绝了本单位的查询（本单位只能查看自己的报表）"
         : strcmp (code, "not_found") == 0 ? "局里没有这一年度本单位的报表"
         : strcmp (code, "invalid") == 0 ? "查询条件有误"
         : strcmp (code, "busy") == 0 ? "局里的采集端正忙，请稍后再试"
         : "连不上局里的采集端，请稍后再试或联系信息科";
}

//  Asks the collector for the unit's unit-annual of YEAR. Returns the report, or NULL after
//  answering the request with an error page.
static json_t *
s_ask (desk_req_t *r, int year)
{
    const ml_agent_config_t *cfg = &r->desk->cfg;
    if (!cfg->query || !*cfg->query || !s_unit (r)) {
        desk_error (r, 503, "agent.ini 未设置局里采集端的查询地址（[agent] query）或本单位编号"
                    "（[agent] unit），请联系信息科");
        return NULL;
    }
    char pub[ML_KEY_LEN + 1], secret[ML_KEY_LEN + 1], err[1024];
    if (ml_key_read_public (cfg->public_key, pub, err, sizeof err)
    ||  ml_key_read_secret (cfg->secret_key, secret, err, sizeof err)) {
        ml_error ("desk: reports: %s", err);
        desk_error (r, 500, "读取本单位的密钥失败，请联系信息科");
        return NULL;
    }
    ml_ask_peer_t peer = { cfg->query, cfg->collector_key, pub, secret, 10000, NULL, NULL, NULL, NULL };
    char unit[128], syear[32], code[64], msg[1024];
    snprintf (unit, sizeof unit, "unit=%s", s_unit (r));
    snprintf (syear, sizeof syear, "year=%d", year);
    char *args[] = { unit, syear };
    json_t *report = ml_ask_call (&peer, "report unit-annual", 2, args, code, sizeof code, msg, sizeof msg);
    memset (secret, 0, sizeof secret);
    if (!report) {
        ml_warn ("desk: reports: %s", msg);
        desk_error (r, strcmp (code, "denied") == 0 ? 403 : strcmp (code, "not_found") == 0 ? 404 : 502,
                    s_why (code));
    }
    return report;
}

//  Counts RULES (an array of {status}) by status into MET, UNMET, WARN.
static void
s_count (const json_t *rules, long long *met, long long *unmet, long long *warn)
{
    *met = *unmet = *warn = 0;
    size_t i;
    json_t *rule;
    json_array_foreach (rules, i, rule) {
        const char *status = json_string_value (json_object_get (rule, "status"));
        if (!status)
            continue;
        *met += strcmp (status, "met") == 0;
        *unmet += strcmp (status, "unmet") == 0;
        *warn += strcmp (status, "warning") == 0;
    }
}

static long long
s_int (const json_t *obj, const char *key)
{
    return (long long) json_integer_value (json_object_get (obj, key));
}

void
desk_reports_page (desk_req_t *r)
{
    int year = s_year (r);
    if (!year) {
        desk_error (r, 400, "年度应为四位数字，如 2025");
        return;
    }
    json_t *report = s_ask (r, year);
    if (!report)
        return;
    ml_html_t *body = ml_html_new ();
    json_t *summary = json_object_get (report, "summary");
    ml_html_f (body, "<h1>本单位报表</h1><form method=\"get\" action=\"/reports\" id=\"year-form\">"
               "<label>年度 <input name=\"year\" id=\"year\" value=\"%d\" pattern=\"[0-9]{4}\" required></label>"
               "<button type=\"submit\">查看</button></form>", year);
    ml_html_f (body, "<h2>%t %d 年度执行情况（截至 %t）</h2><table id=\"summary\">"
               "<tr><th>检查条目</th><td id=\"rules_checked\">%L</td></tr>"
               "<tr><th>达标</th><td id=\"met\">%L</td></tr>"
               "<tr><th>未达标</th><td id=\"unmet\">%L</td></tr>"
               "<tr><th>提醒</th><td id=\"warnings\">%L</td></tr></table>",
               json_string_value (json_object_get (report, "unit_name")), year,
               json_string_value (json_object_get (report, "as_of")),
               s_int (summary, "rules_checked"), s_int (summary, "met"), s_int (summary, "unmet"),
               s_int (summary, "warnings"));
    ml_html_f (body, "<p id=\"downloads\">下载：");
    static const char *const formats[][2] = { { "pdf", "PDF 公文" }, { "html", "网页" },
                                              { "csv", "表格（CSV）" }, { "json", "JSON" } };
    for (size_t f = 0; f < sizeof formats / sizeof *formats; f++)
        ml_html_f (body, "<a href=\"/reports/download?year=%d&amp;format=%u\" id=\"download-%a\">%t</a> ",
                   year, formats[f][0], formats[f][0], formats[f][1]);
    ml_html_f (body, "</p><h2>人员</h2><table id=\"persons\"><tr><th>编号</th><th>姓名</th>"
               "<th>达标</th><th>未达标</th><th>提醒</th></tr>");
    size_t i;
    json_t *person;
    json_array_foreach (json_object_get (report, "persons"), i, person) {
        long long met, unmet, warn;
        s_count (json_object_get (person, "rules"), &met, &unmet, &warn);
        const char *id = json_string_value (json_object_get (person, "person"));
        ml_html_f (body, "<tr data-person=\"%a\"><td>%t</td><td>%t</td><td class=\"met\">%L</td>"
                   "<td class=\"%r\">%L</td><td class=\"warnings\">%L</td></tr>", id, id,
                   json_string_value (json_object_get (person, "name")), met,
                   unmet ? "unmet bad" : "unmet", unmet, warn);
    }
    ml_html_f (body, "</table>");
    json_decref (report);
    desk_page (r, 200, "本单位报表", &body);
}

void
desk_reports_download (desk_req_t *r)
{
    int year = s_year (r);
    ml_format_t format;
    const char *name = ml_http_query (r->http, "format");
    if (!year || !name || strcmp (name, "text") == 0 || ml_format_parse (name, &format)) {
        desk_error (r, 404, "没有这个文件");
        return;
    }
    json_t *report = s_ask (r, year);
    if (!report)
        return;
    //  the CLI's bytes (massline report unit-annual, client_chain.c ml_client_render): a sealed
    //  document carries its id after the text, in an HTML comment in HTML, in Keywords in a PDF
    char *bytes = NULL, err[512] = "";
    size_t len = 0;
    FILE *out = open_memstream (&bytes, &len);
    int rc = out ? ml_render (report, format, out, err, sizeof err) : -1;
    const char *sealed = json_string_value (json_object_get (json_object_get (report, "document"), "id"));
    if (!rc && sealed && format == ML_FORMAT_HTML)
        fprintf (out, "<!-- massline-document: %s -->\n", sealed);
    else
    if (!rc && sealed && format != ML_FORMAT_JSON && format != ML_FORMAT_PDF)
        fprintf (out, "massline-document: %s\n", sealed);
    if (out)
        fclose (out);
    json_decref (report);
    if (rc) {
        ml_warn ("desk: rendering unit-annual %d as %s: %s", year, name, err);
        free (bytes);
        desk_error (r, 502, "生成报表文件失败");
        return;
    }
    static const char *const types[] = {
        [ML_FORMAT_JSON] = "application/json; charset=utf-8",
        [ML_FORMAT_CSV] = "text/csv; charset=utf-8",
        [ML_FORMAT_TEXT] = "text/plain; charset=utf-8",
        [ML_FORMAT_HTML] = "text/html; charset=utf-8",
        [ML_FORMAT_PDF] = "application/pdf",
    };
    char disposition[160];
    snprintf (disposition, sizeof disposition, "attachment; filename=\"unit-annual-%s-%d.%s\"",
              s_unit (r), year, ml_format_name (format));
    ml_http_add_header (r->http, "Content-Disposition", disposition);
    //  the report's HTML is one self-contained page: its own inline style and SVG, never script
    if (format == ML_FORMAT_HTML)
        ml_http_add_header (r->http, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    ml_info ("desk: %s downloaded unit-annual %d as %s", r->session.account.name, year, name);
    ml_http_respond (r->http, 200, types[format], bytes, len);
    free (bytes);
}
