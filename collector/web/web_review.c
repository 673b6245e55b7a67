/* web_review.c -- the bureau's decisions and its overviews: the dashboard's "awaiting review"
   slot (the collector's `review pending`), a unit-year's review page with its frozen document and,
   for reviewer accounts, accept / return-with-reason (POST, CSRF-checked by the router; leaders see
   and cannot act), the completeness grid as a page, the ranked bulletin and the watch list. */
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Pages every account but a unit account may see.
static bool
s_bureau_only (web_req_t *r)
{
    if (!web_role_is (r, "unit"))
        return true;
    web_error (r, 403, W_FORBIDDEN);
    return false;
}

bool
web_decisions_section (web_req_t *r, ml_html_t *h, int year)
{
    char y[16], *args[1] = { y };
    snprintf (y, sizeof y, "year=%d", year);
    json_t *rep = web_ask (r, "review pending", 1, args, true);
    if (!rep)
        return !r->errored;             //  a collector without the chain's decisions: no section
    const json_t *years = json_object_get (rep, "years"), *row;
    size_t i;
    ml_html_f (h, "<section><h2>%t</h2>", web_text (W_AWAITING));
    if (json_array_size (years) == 0)
        ml_html_f (h, "<p id=\"decisions\">%t</p>", web_text (W_NONE));
    else {
        ml_html_f (h, "<div class=\"scroll\"><table id=\"decisions\"><thead><tr><th>%t</th><th>%t</th>"
                   "<th>%t</th><th>%t</th><th>%t</th><th></th></tr></thead><tbody>", web_text (W_UNIT),
                   web_text (W_YEAR), web_text (W_VERSION), web_text (W_SUBMITTED_AT), web_text (W_FILLER));
        json_array_foreach (years, i, row)
            ml_html_f (h, "<tr data-unit=\"%a\"><td>%t</td><td>%L</td><td class=\"num\">%L</td><td>%t</td>"
                       "<td>%t</td><td><a class=\"review\" href=\"/review/%u/%L\">%t</a></td></tr>",
                       web_str (row, "unit"), web_str (row, "unit_name"), web_int (row, "year"),
                       web_int (row, "version"), web_str (row, "submitted_at"), web_str (row, "filler"),
                       web_str (row, "unit"), web_int (row, "year"), web_text (W_OPEN));
        ml_html_f (h, "</tbody></table></div>");
    }
    ml_html_f (h, "</section>");
    json_decref (rep);
    return true;
}

static int
s_year_seg (const char *text)
{
    return strlen (text) == 4 && strspn (text, "0123456789") == 4 && atoi (text) >= 1900 ? atoi (text) : 0;
}

void
web_review_page (web_req_t *r, const char *unit, const char *year_text)
{
    int year = s_year_seg (year_text);
    if (!year) {
        web_error (r, 404, W_NOT_FOUND);
        return;
    }
    if (!web_may_see_unit (r, unit)) {
        web_error (r, 403, W_FORBIDDEN);
        return;
    }
    char u[160], y[16], *args[2] = { u, y };
    snprintf (u, sizeof u, "unit=%s", unit);
    snprintf (y, sizeof y, "year=%d", year);
    //  the frozen document (what was submitted) and, live, where the year stands now
    json_t *rep = web_ask (r, "report unit-annual", 2, args, false);
    if (!rep)
        return;
    char live_arg[] = "live=1", *live_args[3] = { u, y, live_arg };
    json_t *live = web_ask (r, "report unit-annual", 3, live_args, false);
    if (!live) {
        json_decref (rep);
        return;
    }
    ml_html_t *h = ml_html_new ();
    if (h) {
        const json_t *sub = json_object_get (live, "submission"), *doc = json_object_get (rep, "document");
        const json_t *sum = json_object_get (rep, "summary"), *sys;
        const char *state = sub ? web_str (sub, "state") : "draft";
        ml_html_f (h, "<h1>%t · <span id=\"unit-name\">%t</span> · %d</h1>", web_text (W_REVIEW),
                   web_str (rep, "unit_name"), year);
        ml_html_f (h, "<section><table class=\"kv\" id=\"submission\"><tbody>"
                   "<tr><th>%t</th><td id=\"year-state\" class=\"ys-%a\">%t</td></tr>"
                   "<tr><th>%t</th><td>%L</td></tr><tr><th>%t</th><td>%t</td></tr>"
                   "<tr><th>%t</th><td>%t</td></tr><tr><th>%t</th><td>%t</td></tr>",
                   web_text (W_YEAR_STATE), state, web_status_text (state), web_text (W_VERSION),
                   web_int (sub, "version"), web_text (W_SUBMITTED_AT), web_str (sub, "submitted_at"),
                   web_text (W_FILLER), web_str (sub, "filler"), web_text (W_DECIDED_BY),
                   web_str (sub, "decided_by"));
        if (*web_str (sub, "reason"))
            ml_html_f (h, "<tr><th>%t</th><td>%t</td></tr>", web_text (W_REASON), web_str (sub, "reason"));
        if (doc)
            ml_html_f (h, "<tr><th>SHA-256</th><td class=\"digest\">%t</td></tr>", web_str (doc, "digest"));
        ml_html_f (h, "</tbody></table></section>");
        if (strcmp (state, "submitted") == 0 && web_role_is (r, "reviewer")) {
            ml_html_f (h, "<section class=\"decide\"><form method=\"post\" action=\"/review/%u/%d\">",
                       unit, year);
            web_csrf_field (r, h);
            ml_html_f (h, "<input type=\"hidden\" name=\"action\" value=\"accept\">"
                       "<button type=\"submit\" id=\"accept\">%t</button></form>"
                       "<form method=\"post\" action=\"/review/%u/%d\">", web_text (W_ACCEPT), unit, year);
            web_csrf_field (r, h);
            ml_html_f (h, "<input type=\"hidden\" name=\"action\" value=\"return\"><label>%t "
                       "<textarea name=\"reason\" id=\"reason\" maxlength=\"500\" required></textarea></label>"
                       "<button type=\"submit\" id=\"return\">%t</button></form></section>",
                       web_text (W_REASON), web_text (W_RETURN));
        }
        else
        if (strcmp (state, "submitted") == 0 && web_role_is (r, "leader"))
            ml_html_f (h, "<p class=\"note\" id=\"readonly\">%t</p>", web_text (W_LEADER_READONLY));
        ml_html_f (h, "<section><h2>%t</h2><p class=\"summary\">%t %L · %t %L · %t %L · %t %t</p>"
                   "<div class=\"scroll\"><table id=\"systems\"><thead><tr><th>%t</th><th>%t</th><th>%t</th>"
                   "<th>%t</th></tr></thead><tbody>", web_text (W_UNIT_ANNUAL), web_text (W_CHECKED),
                   web_int (sum, "rules_checked"), web_text (W_MET), web_int (sum, "met"), web_text (W_UNMET),
                   web_int (sum, "unmet"), web_text (W_AS_OF), web_str (rep, "as_of"), web_text (W_SYSTEM),
                   web_text (W_CHECKED), web_text (W_MET), web_text (W_UNMET));
        size_t i;
        json_array_foreach (json_object_get (rep, "systems"), i, sys)
            ml_html_f (h, "<tr><td>%L %t</td><td class=\"num\">%L</td><td class=\"num\">%L</td>"
                       "<td class=\"num\">%L</td></tr>", web_int (sys, "system"), web_str (sys, "name"),
                       web_int (sys, "checked"), web_int (sys, "met"), web_int (sys, "unmet"));
        ml_html_f (h, "</tbody></table></div><p><a href=\"/units/%u?year=%d\">%t</a></p></section>",
                   unit, year, web_str (rep, "unit_name"));
        web_downloads (h, "unit-annual", unit, NULL, year);
    }
    json_decref (rep);
    json_decref (live);
    web_page (r, 200, web_text (W_REVIEW), &h);
}

void
web_review_post (web_req_t *r, const char *unit, const char *year_text)
{
    int year = s_year_seg (year_text);
    if (!year) {
        web_error (r, 404, W_NOT_FOUND);
        return;
    }
    //  leaders read everything and change nothing; only reviewers decide
    if (!web_role_is (r, "reviewer")) {
        web_error (r, 403, W_FORBIDDEN);
        return;
    }
    const char *action = ml_http_form (r->http, "action"), *reason = ml_http_form (r->http, "reason");
    bool accept = action && strcmp (action, "accept") == 0;
    if (!accept && !(action && strcmp (action, "return") == 0)) {
        web_error (r, 400, W_BAD_REQUEST);
        return;
    }
    char u[160], y[16], *args[3] = { u, y, NULL }, *why = NULL;
    int n = 2;
    snprintf (u, sizeof u, "unit=%s", unit);
    snprintf (y, sizeof y, "year=%d", year);
    if (!accept && reason && asprintf (&why, "reason=%s", reason) >= 0)
        args[n++] = why;
    json_t *rep = web_ask (r, accept ? "review accept" : "review return", n, args, false);
    char what[320];
    snprintf (what, sizeof what, "%s %s %d%s%.200s", accept ? "accept" : "return", unit, year,
              why ? ": " : "", reason && why ? reason : "");
    free (why);
    if (!rep)
        return;
    json_decref (rep);
    ml_accounts_audit (r->web->accounts, r->now, r->session.account.name, ml_http_peer (r->http),
                       "decision", what);
    char to[200];
    snprintf (to, sizeof to, "/review/%s/%d", unit, year);
    ml_http_redirect (r->http, to);
}

static json_t *
s_year_report (web_req_t *r, const char *command, int year)
{
    char y[16], *args[1] = { y };
    snprintf (y, sizeof y, "year=%d", year);
    return web_ask (r, command, 1, args, false);
}

void
web_completeness_page (web_req_t *r)
{
    int year = web_year (r);
    if (!s_bureau_only (r))
        return;
    if (!year) {
        web_error (r, 400, W_BAD_REQUEST);
        return;
    }
    json_t *rep = s_year_report (r, "report completeness", year);
    if (!rep)
        return;
    ml_html_t *h = ml_html_new ();
    if (h) {
        ml_html_f (h, "<h1>%t · %d</h1><p class=\"note\">%t %t</p>", web_text (W_COMPLETENESS), year,
                   web_text (W_AS_OF), web_str (rep, "as_of"));
        web_year_form (h, "/completeness", year);
        web_completeness_grid (h, rep);
    }
    json_decref (rep);
    web_page (r, 200, web_text (W_COMPLETENESS), &h);
}

void
web_watchlist_page (web_req_t *r)
{
    int year = web_year (r);
    if (!s_bureau_only (r))
        return;
    if (!year) {
        web_error (r, 400, W_BAD_REQUEST);
        return;
    }
    json_t *rep = s_year_report (r, "report watchlist", year);
    if (!rep)
        return;
    ml_html_t *h = ml_html_new ();
    if (h) {
        ml_html_f (h, "<h1>%t · %d</h1>", web_text (W_WATCHLIST), year);
        web_year_form (h, "/watchlist", year);
        web_watchlist_table (h, rep, year, 0);
        web_downloads (h, "watchlist", NULL, NULL, year);
    }
    json_decref (rep);
    web_page (r, 200, web_text (W_WATCHLIST), &h);
}

void
web_bulletin_page (web_req_t *r)
{
    if (!s_bureau_only (r))
        return;
    const char *period = ml_http_query (r->http, "period");
    char deflt[16];
    if (!period || !*period) {
        int year = web_year (r);
        snprintf (deflt, sizeof deflt, "%d-Q1", year ? year : 2025);
        period = deflt;
    }
    char arg[64], *args[1] = { arg };
    snprintf (arg, sizeof arg, "period=%.40s", period);
    json_t *rep = web_ask (r, "report bulletin", 1, args, false);
    if (!rep)
        return;
    ml_html_t *h = ml_html_new ();
    if (h) {
        ml_html_f (h, "<h1>%t · <span id=\"period\">%t</span></h1><p class=\"note\">%t – %t</p>"
                   "<form class=\"year\" method=\"get\" action=\"/bulletin\"><label>%t "
                   "<input name=\"period\" id=\"period-input\" value=\"%a\" size=\"8\"></label>"
                   "<button type=\"submit\">%t</button></form>", web_text (W_BULLETIN), period,
                   web_str (rep, "from"), web_str (rep, "to"), web_text (W_PERIOD), period, web_text (W_SHOW));
        ml_html_f (h, "<section><div class=\"scroll\"><table id=\"bulletin\"><thead><tr><th>%t</th>"
                   "<th>%t</th><th>%t</th><th>%t</th><th>%t</th></tr></thead><tbody>", web_text (W_RANK),
                   web_text (W_UNIT), web_text (W_COMPLIANCE), web_text (W_MET), web_text (W_UNMET));
        const json_t *u, *sum;
        size_t i;
        json_array_foreach (json_object_get (rep, "units"), i, u) {
            sum = json_object_get (u, "summary");
            ml_html_f (h, "<tr data-unit=\"%a\"><td class=\"num rank\">", web_str (u, "unit"));
            if (json_object_get (u, "rank"))
                ml_html_f (h, "%L", web_int (u, "rank"));
            else
                ml_html_f (h, "%t", web_status_text (web_str (u, "status")));
            ml_html_f (h, "</td><td>%t</td><td class=\"num\">%F%%</td><td class=\"num\">%L</td>"
                       "<td class=\"num\">%L</td></tr>", web_str (u, "unit_name"),
                       100.0 * json_number_value (json_object_get (u, "compliance")), web_int (sum, "met"),
                       web_int (sum, "unmet"));
        }
        ml_html_f (h, "</tbody></table></div></section><p class=\"downloads\">%t:", web_text (W_DOWNLOADS));
        static const char *const fmts[] = { "pdf", "html", "csv", "json" };
        for (size_t f = 0; f < 4; f++)
            ml_html_f (h, " <a id=\"dl-%a\" href=\"/reports/bulletin.%u?period=%u\">%t</a>", fmts[f],
                       fmts[f], period, fmts[f]);
        ml_html_f (h, "</p>");
    }
    json_decref (rep);
    web_page (r, 200, web_text (W_BULLETIN), &h);
}
