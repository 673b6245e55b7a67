/* ml_desk_report.c -- 本单位报表: the unit's own reports for a year, asked of the collector's
   query endpoint ([agent] query) with this agent's own key, as an agent key may ask (the
   collector answers an agent key its own unit's unit-annual and cadre only): the unit-annual
   as the unit's figures and persons, each person's cadre annex (述职述廉附件), and both downloaded
   as the files `massline report unit-annual|cadre` writes (ml_render_file: PDF, HTML, CSV, JSON). */
#include "ml_desk.h"
#include "ml_ask.h"
#include "ml_date.h"
#include "ml_i18n.h"
#include "ml_keys.h"
#include "ml_log.h"
#include "ml_render.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_PERSON_MAX 64                 //  a person code's bytes at most (P001, ...)
#define S_ASK_MS 3000                   //  how long a report may take to come from the bureau

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

//  The person asked for (?person=P001): a code of 1..S_PERSON_MAX bytes without control
//  characters or spaces, else NULL. The collector says whether the unit has such a person.
static const char *
s_person (desk_req_t *r)
{
    const char *given = ml_http_query (r->http, "person");
    size_t len = given ? strlen (given) : 0;
    if (!len || len > S_PERSON_MAX)
        return NULL;
    for (const unsigned char *c = (const unsigned char *) given; *c; c++)
        if (*c <= ' ' || *c == 0x7f)
            return NULL;
    return given;
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
    return strcmp (code, "denied") == 0
           ? _("The bureau's collector refused the unit's query (a unit may see only its own reports)")
         : strcmp (code, "not_found") == 0
           ? _("The bureau has no such report of this unit for this year")
         : strcmp (code, "invalid") == 0 ? _("The query is not valid")
         : strcmp (code, "busy") == 0 ? _("The bureau's collector is busy; please try again later")
         : _("Cannot reach the bureau's collector; please try again later or ask the IT office");
}

//  Asks the collector for the unit's report KIND ("unit-annual", "cadre") of YEAR (and PERSON
//  for cadre). Returns the report, or NULL after answering the request with an error page.
static json_t *
s_ask (desk_req_t *r, const char *kind, int year, const char *person)
{
    const ml_agent_config_t *cfg = &r->desk->cfg;
    if (!cfg->query || !*cfg->query || !s_unit (r)) {
        desk_error (r, 503, _("agent.ini does not give the bureau's query address ([agent] query) "
                              "or this unit's code ([agent] unit); please ask the IT office"));
        return NULL;
    }
    char pub[ML_KEY_LEN + 1], secret[ML_KEY_LEN + 1], err[1024];
    if (ml_key_read_public (cfg->public_key, pub, err, sizeof err)
    ||  ml_key_read_secret (cfg->secret_key, secret, err, sizeof err)) {
        ml_error ("desk: reports: %s", err);
        desk_error (r, 500, _("Cannot read this unit's keys; please ask the IT office"));
        return NULL;
    }
    //  The desk serves one request at a time: a bureau out of reach must not hold up the clerks'
    //  uploads and forms for long (the outbox works without it)
    ml_ask_peer_t peer = { cfg->query, cfg->collector_key, pub, secret, S_ASK_MS, NULL, NULL, NULL, NULL };
    char command[64], unit[128], syear[32], sperson[S_PERSON_MAX + 8], code[64], msg[1024];
    snprintf (command, sizeof command, "report %s", kind);
    snprintf (unit, sizeof unit, "unit=%s", s_unit (r));
    snprintf (syear, sizeof syear, "year=%d", year);
    snprintf (sperson, sizeof sperson, "person=%s", person ? person : "");
    char *args[] = { unit, syear, sperson };
    json_t *report = ml_ask_call (&peer, command, person ? 3 : 2, args, code, sizeof code,
                                  msg, sizeof msg);
    memset (secret, 0, sizeof secret);
    if (!report) {
        ml_warn ("desk: reports: %s: %s", command, msg);
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

static const char *
s_str (const json_t *obj, const char *key)
{
    const char *s = json_string_value (json_object_get (obj, key));
    return s ? s : "";
}

//  The year form and the links to the files of the report at QUERY ("year=2025[&person=P001]",
//  already escaped for an attribute).
static void
s_year_form (ml_html_t *body, const char *action, int year, const char *person)
{
    ml_html_f (body, "<form method=\"get\" action=\"%a\" id=\"year-form\">", action);
    if (person)
        ml_html_f (body, "<input type=\"hidden\" name=\"person\" value=\"%a\">", person);
    ml_html_f (body, "<label>%t <input name=\"year\" id=\"year\" value=\"%d\" pattern=\"[0-9]{4}\" "
               "required></label><button type=\"submit\">%t</button></form>", _("Year"), year,
               _("Show"));
}

static void
s_downloads (ml_html_t *body, int year, const char *person)
{
    static const char *const formats[][2] = {
        { "pdf", N_("PDF document") }, { "html", N_("Web page") },
        { "csv", N_("Spreadsheet (CSV)") }, { "json", N_("JSON") } };
    ml_html_f (body, "<p id=\"downloads\">%t", _("Download: "));
    for (size_t f = 0; f < sizeof formats / sizeof *formats; f++) {
        ml_html_f (body, "<a href=\"/reports/download?year=%d&amp;format=%u", year, formats[f][0]);
        if (person)
            ml_html_f (body, "&amp;person=%u", person);
        ml_html_f (body, "\" id=\"download-%a\">%t</a> ", formats[f][0], _(formats[f][1]));
    }
    ml_html_f (body, "</p>");
}

void
desk_reports_page (desk_req_t *r)
{
    int year = s_year (r);
    if (!year) {
        desk_error (r, 400, _("The year has four digits, e.g. 2025"));
        return;
    }
    json_t *report = s_ask (r, "unit-annual", year, NULL);
    if (!report)
        return;
    ml_html_t *body = ml_html_new ();
    json_t *summary = json_object_get (report, "summary");
    ml_html_f (body, "<h1>%t</h1>", _("The unit's reports"));
    s_year_form (body, "/reports", year, NULL);
    char heading[512];
    snprintf (heading, sizeof heading, _("%s, %d: the rules as of %s"), s_str (report, "unit_name"),
              year, s_str (report, "as_of"));
    ml_html_f (body, "<h2>%t</h2><table id=\"summary\">"
               "<tr><th>%t</th><td id=\"rules_checked\">%L</td></tr>"
               "<tr><th>%t</th><td id=\"met\">%L</td></tr>"
               "<tr><th>%t</th><td id=\"unmet\">%L</td></tr>"
               "<tr><th>%t</th><td id=\"warnings\">%L</td></tr></table>",
               heading, _("Rules checked"), s_int (summary, "rules_checked"), _("Met"),
               s_int (summary, "met"), _("Unmet"), s_int (summary, "unmet"), _("Warnings"),
               s_int (summary, "warnings"));
    s_downloads (body, year, NULL);
    ml_html_f (body, "<h2>%t</h2><p>%t</p><table id=\"persons\"><tr><th>%t</th><th>%t</th>"
               "<th>%t</th><th>%t</th><th>%t</th><th>%t</th></tr>", _("Persons"),
               _("Each person's cadre report (the annex to the duty report) opens from the name."),
               _("Code"), _("Name"), _("Met"), _("Unmet"), _("Warnings"), _("Cadre report"));
    size_t i;
    json_t *person;
    json_array_foreach (json_object_get (report, "persons"), i, person) {
        long long met, unmet, warn;
        s_count (json_object_get (person, "rules"), &met, &unmet, &warn);
        const char *id = s_str (person, "person");
        ml_html_f (body, "<tr data-person=\"%a\"><td>%t</td><td><a href=\"/reports/cadre?year=%d&amp;"
                   "person=%u\" class=\"cadre\">%t</a></td><td class=\"met\">%L</td>"
                   "<td class=\"%r\">%L</td><td class=\"warnings\">%L</td>"
                   "<td><a href=\"/reports/download?year=%d&amp;format=pdf&amp;person=%u\" "
                   "class=\"cadre-pdf\">PDF</a></td></tr>", id, id, year, id, s_str (person, "name"),
                   met, unmet ? "unmet bad" : "unmet", unmet, warn, year, id);
    }
    ml_html_f (body, "</table>");
    json_decref (report);
    desk_page (r, 200, _("The unit's reports"), &body);
}

//  A rule's status as the clerk reads it.
static const char *
s_status (const char *status)
{
    return !status ? "" : strcmp (status, "met") == 0 ? _("met")
         : strcmp (status, "unmet") == 0 ? _("unmet")
         : strcmp (status, "warning") == 0 ? _("warning")
         : strcmp (status, "not_applicable") == 0 ? _("not applicable") : status;
}

//  A number of a rule (actual, required) as text: an integer, a decimal, or "" when absent.
static const char *
s_number (const json_t *value, char *buf, size_t size)
{
    if (json_is_integer (value))
        snprintf (buf, size, "%lld", (long long) json_integer_value (value));
    else
    if (json_is_real (value))
        snprintf (buf, size, "%g", json_real_value (value));
    else
        snprintf (buf, size, "%s", json_is_string (value) ? json_string_value (value) : "");
    return buf;
}

void
desk_cadre_page (desk_req_t *r)
{
    int year = s_year (r);
    const char *who = s_person (r);
    if (!year || !who) {
        desk_error (r, 400, !year ? _("The year has four digits, e.g. 2025")
                                  : _("Which person? (a person's code, e.g. P001)"));
        return;
    }
    json_t *report = s_ask (r, "cadre", year, who);
    if (!report)
        return;
    json_t *person = json_object_get (report, "person");
    json_t *rules = json_object_get (person, "rules");
    long long met, unmet, warn;
    s_count (rules, &met, &unmet, &warn);
    ml_html_t *body = ml_html_new ();
    ml_html_f (body, "<h1>%t</h1><p><a href=\"/reports?year=%d\" id=\"back\">%t</a></p>",
               _("Cadre report (annex to the duty report)"), year, _("Back to the unit's reports"));
    s_year_form (body, "/reports/cadre", year, who);
    ml_html_f (body, "<table id=\"cadre\"><tr><th>%t</th><td id=\"name\">%t</td></tr>"
               "<tr><th>%t</th><td id=\"person\">%t</td></tr><tr><th>%t</th><td>%t</td></tr>"
               "<tr><th>%t</th><td>%d</td></tr><tr><th>%t</th><td>%t</td></tr>"
               "<tr><th>%t</th><td id=\"met\">%L</td></tr><tr><th>%t</th><td id=\"unmet\">%L</td></tr>"
               "<tr><th>%t</th><td id=\"warnings\">%L</td></tr></table>",
               _("Name"), s_str (person, "name"), _("Code"), s_str (person, "person"), _("Unit"),
               s_str (report, "unit_name"), _("Year"), year, _("As of"), s_str (report, "as_of"),
               _("Met"), met, _("Unmet"), unmet, _("Warnings"), warn);
    s_downloads (body, year, who);
    ml_html_f (body, "<h2>%t</h2><table id=\"rules\"><tr><th>%t</th><th>%t</th><th>%t</th>"
               "<th>%t</th><th>%t</th></tr>", _("Rules"), _("Rule"), _("What it asks"), _("Status"),
               _("Actual"), _("Required"));
    size_t i;
    json_t *rule;
    json_array_foreach (rules, i, rule) {
        const char *status = json_string_value (json_object_get (rule, "status"));
        char actual[64], required[64];
        ml_html_f (body, "<tr data-rule=\"%a\"><td>%t</td><td>%t</td><td class=\"%r\">%t</td>"
                   "<td>%t</td><td>%t</td></tr>", s_str (rule, "rule"), s_str (rule, "rule"),
                   s_str (rule, "text"), status && strcmp (status, "unmet") == 0 ? "status bad" : "status",
                   s_status (status), s_number (json_object_get (rule, "actual"), actual, sizeof actual),
                   s_number (json_object_get (rule, "required"), required, sizeof required));
    }
    ml_html_f (body, "</table>");
    json_decref (report);
    desk_page (r, 200, _("Cadre report (annex to the duty report)"), &body);
}

void
desk_reports_download (desk_req_t *r)
{
    int year = s_year (r);
    ml_format_t format;
    const char *name = ml_http_query (r->http, "format");
    bool cadre = ml_http_query (r->http, "person") != NULL;
    const char *who = s_person (r);
    if (!year || !name || strcmp (name, "text") == 0 || ml_format_parse (name, &format)
    ||  (cadre && !who)) {
        desk_error (r, 404, _("No such file"));
        return;
    }
    json_t *report = s_ask (r, cadre ? "cadre" : "unit-annual", year, who);
    if (!report)
        return;
    //  the CLI's bytes (massline report unit-annual|cadre), a sealed document's id included
    char *bytes = NULL, err[512] = "";
    size_t len = 0;
    int rc = ml_render_file (report, format, &bytes, &len, err, sizeof err);
    json_decref (report);
    if (rc) {
        ml_warn ("desk: rendering %s %d as %s: %s", cadre ? "cadre" : "unit-annual", year, name, err);
        desk_error (r, 502, _("Cannot make the report's file"));
        return;
    }
    //  the person's code is a file name part only when it is a plain one (P001, B-03)
    char disposition[200];
    if (cadre && strspn (who, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
                 == strlen (who))
        snprintf (disposition, sizeof disposition, "attachment; filename=\"cadre-%s-%s-%d.%s\"",
                  s_unit (r), who, year, ml_format_name (format));
    else
        snprintf (disposition, sizeof disposition, "attachment; filename=\"%s-%s-%d.%s\"",
                  cadre ? "cadre" : "unit-annual", s_unit (r), year, ml_format_name (format));
    ml_http_add_header (r->http, "Content-Disposition", disposition);
    //  the report's HTML is one self-contained page: its own inline style and SVG, never script
    if (format == ML_FORMAT_HTML)
        ml_http_add_header (r->http, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    ml_info ("desk: %s downloaded %s %d%s%s as %s", r->session.account.name,
             cadre ? "cadre" : "unit-annual", year, cadre ? " " : "", cadre ? who : "", name);
    ml_http_respond (r->http, 200, ml_format_content_type (format), bytes, len);
    free (bytes);
}
