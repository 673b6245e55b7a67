/* web_pages.c -- massline-web's pages: the dashboard (roll-up heat map, completeness, watch list),
   a unit's year, a person's rules. Every figure comes from the collector's report JSON as the
   CLI gets it; every text goes through ml_html_f's escapers. */
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
s_str (const json_t *obj, const char *key)
{
    const char *s = json_string_value (json_object_get (obj, key));
    return s ? s : "";
}

static long long
s_int (const json_t *obj, const char *key)
{
    const json_t *v = json_object_get (obj, key);
    return json_is_integer (v) ? (long long) json_integer_value (v) : (long long) json_number_value (v);
}

//  Asks report KIND with arguments "year=Y" and, when given, "unit=U", "person=P".
static json_t *
s_report (web_req_t *r, const char *kind, int year, const char *unit, const char *person, bool quiet)
{
    char command[64], y[32], u[160], p[160], *args[3];
    int n = 0;
    snprintf (command, sizeof command, "report %s", kind);
    snprintf (y, sizeof y, "year=%d", year);
    args[n++] = y;
    if (unit) {
        snprintf (u, sizeof u, "unit=%s", unit);
        args[n++] = u;
    }
    if (person) {
        snprintf (p, sizeof p, "person=%s", person);
        args[n++] = p;
    }
    return web_ask (r, command, n, args, quiet);
}

//  The CSS class of a heat-map cell: how much of what was checked was met.
static const char *
s_heat (long long met, long long checked)
{
    if (checked == 0)
        return "h-none";
    return met == checked ? "h-all" : met * 5 >= checked * 4 ? "h-high" : met * 2 >= checked ? "h-mid" : "h-low";
}

void
web_year_form (ml_html_t *h, const char *action, int year)
{
    ml_html_f (h, "<form class=\"year\" method=\"get\" action=\"%a\"><label>%t "
               "<input name=\"year\" id=\"year\" value=\"%d\" inputmode=\"numeric\" size=\"4\"></label>"
               "<button type=\"submit\">%t</button></form>", action, web_text (W_YEAR), year,
               web_text (W_SHOW));
}

//  Links to the report KIND for UNIT, PERSON (either may be NULL) and YEAR in every format.
void
web_downloads (ml_html_t *h, const char *kind, const char *unit, const char *person, int year)
{
    static const char *const fmts[] = { "pdf", "html", "csv", "json" };
    ml_html_f (h, "<p class=\"downloads\">%t:", web_text (W_DOWNLOADS));
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
        ml_html_f (h, " <a id=\"dl-%a\" href=\"/reports/%u.%u?year=%d", fmts[i], kind, fmts[i], year);
        if (unit)
            ml_html_f (h, "&amp;unit=%u", unit);
        if (person)
            ml_html_f (h, "&amp;person=%u", person);
        ml_html_f (h, "\">%t</a>", fmts[i]);
    }
    ml_html_f (h, "</p>");
}

// ---------------------------------------------------------------------------
// The dashboard.

//  The dashboard shows the watch list's first rows, the count of all, and a link to the
//  whole list (/watchlist): at 3,000 persons the whole one is megabytes of HTML on every visit.
#define WEB_DASHBOARD_WATCH_ROWS 50

static void
s_heatmap (ml_html_t *h, const json_t *rollup, int year)
{
    const json_t *systems = json_object_get (rollup, "systems");
    const json_t *units = json_object_get (rollup, "units");
    size_t i, j;
    const json_t *u, *sys;
    ml_html_f (h, "<section><h2>%t</h2><p class=\"note\">%t %t</p><div class=\"scroll\">"
               "<table class=\"heat\" id=\"heatmap\"><thead><tr><th>%t</th>", web_text (W_HEATMAP),
               web_text (W_AS_OF), s_str (rollup, "as_of"), web_text (W_UNIT));
    json_array_foreach (systems, j, sys)
        ml_html_f (h, "<th title=\"%a\">%L</th>", s_str (sys, "name"), s_int (sys, "system"));
    ml_html_f (h, "<th>%t</th></tr></thead><tbody>", web_text (W_COMPLIANCE));
    json_array_foreach (units, i, u) {
        const char *id = s_str (u, "unit");
        ml_html_f (h, "<tr><th><a href=\"/units/%u?year=%d\">%t</a></th>", id, year, s_str (u, "unit_name"));
        const json_t *cells = json_object_get (u, "systems");
        json_array_foreach (cells, j, sys) {
            long long met = s_int (sys, "met"), checked = s_int (sys, "checked");
            ml_html_f (h, "<td class=\"%a\" data-unit=\"%a\" data-system=\"%L\" data-met=\"%L\" "
                       "data-checked=\"%L\"><a href=\"/units/%u?year=%d#s%L\">%L/%L</a></td>",
                       s_heat (met, checked), id, s_int (sys, "system"), met, checked, id, year,
                       s_int (sys, "system"), met, checked);
        }
        const json_t *sum = json_object_get (u, "summary");
        ml_html_f (h, "<td class=\"num\" data-unit=\"%a\" data-met=\"%L\" data-unmet=\"%L\">%F%%</td></tr>",
                   id, s_int (sum, "met"), s_int (sum, "unmet"),
                   100.0 * json_number_value (json_object_get (u, "compliance")));
    }
    ml_html_f (h, "</tbody></table></div><p class=\"legend\"><span class=\"sw h-all\"></span>"
               "<span class=\"sw h-high\"></span><span class=\"sw h-mid\"></span><span class=\"sw h-low\">"
               "</span><span class=\"sw h-none\"></span> %t</p></section>", web_text (W_LEGEND));
}

void
web_completeness_grid (ml_html_t *h, const json_t *report)
{
    const json_t *units = json_object_get (report, "units"), *u, *m;
    size_t i, j;
    ml_html_f (h, "<section><h2>%t</h2><div class=\"scroll\"><table class=\"grid\" id=\"completeness\">"
               "<thead><tr><th>%t</th>", web_text (W_COMPLETENESS), web_text (W_UNIT));
    for (int month = 1; month <= 12; month++)
        ml_html_f (h, "<th>%d</th>", month);
    ml_html_f (h, "<th>%t</th><th>%t</th></tr></thead><tbody>", web_text (W_REPORTING_RATE),
               web_text (W_TIMELINESS_RATE));
    json_array_foreach (units, i, u) {
        ml_html_f (h, "<tr><th>%t</th>", s_str (u, "unit"));
        json_array_foreach (json_object_get (u, "months"), j, m)
            ml_html_f (h, "<td class=\"c-%a\" title=\"%a\">%t</td>", s_str (m, "status"), s_str (m, "closed"),
                       web_status_text (s_str (m, "status")));
        ml_html_f (h, "<td class=\"num\">%F%%</td><td class=\"num\">%F%%</td></tr>",
                   100.0 * json_number_value (json_object_get (u, "reporting_rate")),
                   100.0 * json_number_value (json_object_get (u, "timeliness_rate")));
    }
    ml_html_f (h, "</tbody></table></div></section>");
}

void
web_watchlist_table (ml_html_t *h, const json_t *report, int year, size_t max_rows)
{
    const json_t *rows = json_object_get (report, "rows"), *row;
    //  asked with limit=: the collector sent the first rows and the count of all
    const json_t *all = json_object_get (report, "rows_total");
    size_t i, total = json_is_integer (all) ? (size_t) json_integer_value (all) : json_array_size (rows);
    ml_html_f (h, "<section><h2>%t</h2>", web_text (W_WATCHLIST));
    if (json_array_size (rows) == 0) {
        ml_html_f (h, "<p>%t</p></section>", web_text (W_NONE));
        return;
    }
    ml_html_f (h, "<div class=\"scroll\"><table id=\"watchlist\"><thead><tr><th>%t</th><th>%t</th>"
               "<th>%t</th><th>%t</th><th>%t</th><th>%t</th></tr></thead><tbody>", web_text (W_UNIT),
               web_text (W_PERSON), web_text (W_RULE), web_text (W_RULE_TEXT), web_text (W_ACTUAL),
               web_text (W_REQUIRED));
    json_array_foreach (rows, i, row) {
        if (max_rows && i == max_rows)
            break;
        const char *unit = s_str (row, "unit"), *person = s_str (row, "person");
        ml_html_f (h, "<tr><td><a href=\"/units/%u?year=%d\">%t</a></td><td>", unit, year,
                   s_str (row, "unit_name"));
        if (*person)
            ml_html_f (h, "<a href=\"/units/%u/persons/%u?year=%d\">%t</a>", unit, person, year,
                       s_str (row, "name"));
        ml_html_f (h, "</td><td>%t</td><td>%t</td><td class=\"num\">%L</td><td class=\"num\">%L</td></tr>",
                   s_str (row, "rule"), s_str (row, "text"), s_int (row, "actual"), s_int (row, "required"));
    }
    ml_html_f (h, "</tbody></table></div>");
    if (max_rows && total > max_rows)
        ml_html_f (h, "<p class=\"note\" id=\"watch-more\">%t %L / %L · <a href=\"/watchlist?year=%d\">%t</a></p>",
                   web_text (W_WATCH_SHOWN), (long long) max_rows, (long long) total, year,
                   web_text (W_WATCH_ALL));
    ml_html_f (h, "</section>");
}

void
web_dashboard (web_req_t *r)
{
    if (strcmp (r->session.account.role, "unit") == 0) {
        web_unit_page (r, r->session.account.unit);
        return;
    }
    int year = web_year (r);
    if (!year) {
        web_error (r, 400, W_BAD_REQUEST);
        return;
    }
    web_kept_t kept;
    if (web_cache_send (r, "dashboard", year, web_text (W_DASHBOARD), &kept))
        return;
    //  made here: every way out below goes through web_cache_done (others may wait for it)
    ml_html_t *h = NULL;
    json_t *watch = NULL, *completeness = NULL;
    char y[32], limit[32], *args[2] = { y, limit };
    json_t *rollup = s_report (r, "rollup", year, NULL, NULL, false);
    if (!rollup)
        goto done;
    snprintf (y, sizeof y, "year=%d", year);
    snprintf (limit, sizeof limit, "limit=%d", WEB_DASHBOARD_WATCH_ROWS);
    watch = web_ask (r, "report watchlist", 2, args, false);
    if (!watch)
        goto done;
    //  the reporting chain's reports, when this collector has them
    completeness = s_report (r, "completeness", year, NULL, NULL, true);
    h = ml_html_new ();
    if (h) {
        ml_html_f (h, "<h1>%t <span id=\"page-year\">%d</span></h1>", web_text (W_DASHBOARD), year);
        web_year_form (h, "/", year);
        s_heatmap (h, rollup, year);
        web_downloads (h, "rollup", NULL, NULL, year);
        if (completeness)
            web_completeness_grid (h, completeness);
        if (!web_decisions_section (r, h, year))
            goto done;                  //  answered with its error page
        web_watchlist_table (h, watch, year, WEB_DASHBOARD_WATCH_ROWS);
        web_downloads (h, "watchlist", NULL, NULL, year);
    }
done:
    web_cache_done (r, &kept, h);
    json_decref (rollup);
    json_decref (watch);
    json_decref (completeness);
    if (!r->errored) {
        web_cache_stamped (&h, &kept);
        web_page (r, 200, web_text (W_DASHBOARD), &h);
    }
    ml_html_destroy (&h);
}

// ---------------------------------------------------------------------------
// A unit; a person.

//  The rules of UNIT or of PERSON (NULL: the unit's own rules); each rule's id opens the events
//  behind its figure.
static void
s_rules_table (ml_html_t *h, const json_t *rules, const char *id, const char *unit, const char *person,
               int year)
{
    const json_t *rule;
    size_t i;
    ml_html_f (h, "<div class=\"scroll\"><table class=\"rules\" id=\"%a\"><thead><tr><th>%t</th><th>%t</th>"
               "<th>%t</th><th>%t</th><th>%t</th><th>%t</th></tr></thead><tbody>", id, web_text (W_RULE),
               web_text (W_RULE_TEXT), web_text (W_STATUS), web_text (W_ACTUAL), web_text (W_REQUIRED),
               web_text (W_MISSED));
    json_array_foreach (rules, i, rule) {
        const char *status = s_str (rule, "status");
        ml_html_f (h, "<tr class=\"st-%a\" data-rule=\"%a\"><td><a class=\"rule-events\" href=\"/units/%u",
                   status, s_str (rule, "rule"), unit);
        if (person)
            ml_html_f (h, "/persons/%u", person);
        ml_html_f (h, "/events?year=%d&amp;rule=%u\" title=\"%a\">%t</a></td><td>%t</td><td>%t</td>"
                   "<td class=\"num\">%L</td><td class=\"num\">%L</td><td>", year, s_str (rule, "rule"),
                   web_text (W_EVENTS_BEHIND), s_str (rule, "rule"), s_str (rule, "text"),
                   web_status_text (status), s_int (rule, "actual"), s_int (rule, "required"));
        const json_t *missed = json_object_get (rule, "missed"), *m;
        size_t j;
        json_array_foreach (missed, j, m)
            ml_html_f (h, "%r%t", j ? " " : "", json_string_value (m));
        ml_html_f (h, "</td></tr>");
    }
    ml_html_f (h, "</tbody></table></div>");
}

void
web_unit_page (web_req_t *r, const char *unit)
{
    if (!web_may_see_unit (r, unit)) {
        web_error (r, 403, W_FORBIDDEN);
        return;
    }
    int year = web_year (r);
    if (!year) {
        web_error (r, 400, W_BAD_REQUEST);
        return;
    }
    //  kept per unit, role and the account's own unit (checked above that it may see UNIT)
    char page[192];
    snprintf (page, sizeof page, "unit %s", unit);
    web_kept_t kept;
    if (web_cache_send (r, page, year, web_text (W_UNIT_ANNUAL), &kept))
        return;
    json_t *rep = s_report (r, "unit-annual", year, unit, NULL, false);
    if (!rep) {
        web_cache_done (r, &kept, NULL);    //  others waiting for it make it (or get the error)
        return;
    }
    ml_html_t *h = ml_html_new ();
    char base[200];
    snprintf (base, sizeof base, "/units/%s", unit);
    if (h) {
        const json_t *sum = json_object_get (rep, "summary"), *p, *sys;
        size_t i;
        ml_html_f (h, "<h1><span id=\"unit-name\">%t</span> · %d</h1>", s_str (rep, "unit_name"), year);
        web_year_form (h, base, year);
        ml_html_f (h, "<p class=\"summary\">%t %L · %t %L · %t %L · %t %L · %t %t</p>", web_text (W_CHECKED),
                   s_int (sum, "rules_checked"), web_text (W_MET), s_int (sum, "met"), web_text (W_UNMET),
                   s_int (sum, "unmet"), web_text (W_WARNINGS), s_int (sum, "warnings"), web_text (W_AS_OF),
                   s_str (rep, "as_of"));
        ml_html_f (h, "<section><h2>%t</h2><div class=\"scroll\"><table id=\"systems\"><thead><tr><th>%t</th>"
                   "<th>%t</th><th>%t</th><th>%t</th></tr></thead><tbody>", web_text (W_SYSTEM),
                   web_text (W_SYSTEM), web_text (W_CHECKED), web_text (W_MET), web_text (W_UNMET));
        json_array_foreach (json_object_get (rep, "systems"), i, sys)
            ml_html_f (h, "<tr id=\"s%L\" class=\"%a\"><td>%L %t</td><td class=\"num\">%L</td>"
                       "<td class=\"num\">%L</td><td class=\"num\">%L</td></tr>", s_int (sys, "system"),
                       s_heat (s_int (sys, "met"), s_int (sys, "checked")), s_int (sys, "system"),
                       s_str (sys, "name"), s_int (sys, "checked"), s_int (sys, "met"), s_int (sys, "unmet"));
        ml_html_f (h, "</tbody></table></div></section><section><h2>%t</h2><div class=\"scroll\">"
                   "<table id=\"persons\"><thead><tr><th>%t</th><th>%t</th><th>%t</th><th>%t</th>"
                   "<th>%t</th></tr></thead><tbody>", web_text (W_PERSONS), web_text (W_NAME),
                   web_text (W_ROLES), web_text (W_ORG), web_text (W_MET), web_text (W_UNMET));
        json_array_foreach (json_object_get (rep, "persons"), i, p) {
            long long met = 0, unmet = 0;
            const json_t *rule, *role;
            size_t j;
            json_array_foreach (json_object_get (p, "rules"), j, rule) {
                met += strcmp (s_str (rule, "status"), "met") == 0;
                unmet += strcmp (s_str (rule, "status"), "unmet") == 0;
            }
            ml_html_f (h, "<tr><td><a class=\"person\" href=\"/units/%u/persons/%u?year=%d\">%t</a></td><td>",
                       unit, s_str (p, "person"), year, s_str (p, "name"));
            json_array_foreach (json_object_get (p, "roles"), j, role)
                ml_html_f (h, "%r%t", j ? "、" : "", json_string_value (role));
            ml_html_f (h, "</td><td>%t</td><td class=\"num\">%L</td><td class=\"num%r\">%L</td></tr>",
                       s_str (p, "org"), met, unmet ? " bad" : "", unmet);
        }
        ml_html_f (h, "</tbody></table></div></section><section><h2>%t</h2>", web_text (W_UNIT_RULES));
        s_rules_table (h, json_object_get (rep, "unit_rules"), "unit-rules", unit, NULL, year);
        ml_html_f (h, "</section>");
        web_downloads (h, "unit-annual", unit, NULL, year);
    }
    web_cache_done (r, &kept, h);
    json_decref (rep);
    web_cache_stamped (&h, &kept);
    web_page (r, 200, web_text (W_UNIT_ANNUAL), &h);
}

void
web_person_page (web_req_t *r, const char *unit, const char *person)
{
    if (!web_may_see_unit (r, unit)) {
        web_error (r, 403, W_FORBIDDEN);
        return;
    }
    int year = web_year (r);
    if (!year) {
        web_error (r, 400, W_BAD_REQUEST);
        return;
    }
    json_t *rep = s_report (r, "cadre", year, unit, person, false);
    if (!rep)
        return;
    ml_html_t *h = ml_html_new ();
    if (h) {
        const json_t *p = json_object_get (rep, "person"), *role;
        size_t j;
        ml_html_f (h, "<p class=\"crumbs\"><a href=\"/units/%u?year=%d\">%t</a> ›</p>"
                   "<h1><span id=\"person-name\">%t</span> · %d</h1><p>", unit, year,
                   s_str (rep, "unit_name"), s_str (p, "name"), year);
        json_array_foreach (json_object_get (p, "roles"), j, role)
            ml_html_f (h, "%r%t", j ? "、" : "", json_string_value (role));
        ml_html_f (h, " · %t %t</p>", web_text (W_AS_OF), s_str (rep, "as_of"));
        s_rules_table (h, json_object_get (p, "rules"), "person-rules", unit, person, year);
        web_downloads (h, "cadre", unit, person, year);
    }
    json_decref (rep);
    web_page (r, 200, web_text (W_CADRE), &h);
}
