/* web_events.c -- the events behind a number: /units/U/events and /units/U/persons/P/events with
   ?year=Y [&rule=R] [&kind=K]. The collector's `events` query gives each event with the agent and
   seq that recorded it and its corrections and voids; this page shows them, every text escaped. */
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  The current version's fields, "key: value" (objects and lists as compact JSON).
static void
s_fields (ml_html_t *h, const json_t *event)
{
    const char *key;
    const json_t *v;
    ml_html_f (h, "<dl class=\"fields\">");
    json_object_foreach ((json_t *) event, key, v) {
        if (strcmp (key, "kind") == 0 || strcmp (key, "ref") == 0)
            continue;
        char num[64];
        char *text = NULL;
        const char *shown = json_string_value (v);
        if (!shown && json_is_integer (v)) {
            snprintf (num, sizeof num, "%lld", (long long) json_integer_value (v));
            shown = num;
        }
        else
        if (!shown && json_is_boolean (v))
            shown = json_is_true (v) ? "true" : "false";
        else
        if (!shown)
            shown = text = json_dumps (v, JSON_COMPACT | JSON_ENCODE_ANY);
        ml_html_f (h, "<dt>%t</dt><dd>%t</dd>", key, shown);
        free (text);
    }
    ml_html_f (h, "</dl>");
}

static void
s_history (ml_html_t *h, const json_t *history)
{
    const json_t *step;
    size_t i;
    ml_html_f (h, "<ol class=\"history\">");
    json_array_foreach (history, i, step) {
        ml_html_f (h, "<li class=\"act-%a\"><b>%t</b> %t · %t <span class=\"prov\">%t #%L</span>",
                   web_str (step, "action"), web_status_text (web_str (step, "action")),
                   web_str (step, "ref"), web_str (step, "date"), web_str (step, "agent"),
                   web_int (step, "seq"));
        if (json_object_get (step, "reason"))
            ml_html_f (h, " — %t: %t", web_text (W_REASON), web_str (step, "reason"));
        if (json_object_get (step, "restatement_reason"))
            ml_html_f (h, " — %t", web_str (step, "restatement_reason"));
        ml_html_f (h, "</li>");
    }
    ml_html_f (h, "</ol>");
}

void
web_events_page (web_req_t *r, const char *unit, const char *person)
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
    const char *rule = ml_http_query (r->http, "rule"), *kind = ml_http_query (r->http, "kind");
    if (kind && !*kind)
        kind = NULL;
    if (rule && !*rule)
        rule = NULL;
    char y[16], u[160], p[160], ru[80], k[80], *args[5];
    int n = 0;
    snprintf (u, sizeof u, "unit=%s", unit);
    args[n++] = u;
    snprintf (y, sizeof y, "year=%d", year);
    args[n++] = y;
    if (person) {
        snprintf (p, sizeof p, "person=%s", person);
        args[n++] = p;
    }
    if (rule) {
        snprintf (ru, sizeof ru, "rule=%.70s", rule);
        args[n++] = ru;
    }
    if (kind) {
        snprintf (k, sizeof k, "kind=%.70s", kind);
        args[n++] = k;
    }
    json_t *rep = web_ask (r, "events", n, args, false);
    if (!rep)
        return;
    ml_html_t *h = ml_html_new ();
    if (h) {
        const char *match = web_str (rep, "match");
        ml_html_f (h, "<p class=\"crumbs\"><a href=\"/units/%u?year=%d\">%t</a>", unit, year,
                   web_str (rep, "unit_name"));
        if (person)
            ml_html_f (h, " › <a href=\"/units/%u/persons/%u?year=%d\">%t</a>", unit, person, year, person);
        ml_html_f (h, " ›</p><h1>%t · %d%r%t</h1><p class=\"note\" id=\"match\">%t · %L</p>",
                   web_text (W_EVENTS), year, rule ? " · " : "", rule,
                   web_text (strcmp (match, "measures") == 0 ? W_MATCH_MEASURES
                             : strcmp (match, "person") == 0 ? W_MATCH_PERSON : W_MATCH_UNIT),
                   web_int (rep, "matched"));
        if (json_is_true (json_object_get (rep, "truncated")))
            ml_html_f (h, "<p class=\"note\">%t</p>", web_text (W_TRUNCATED));
        ml_html_f (h, "<section><div class=\"scroll\"><table id=\"events\"><thead><tr><th>%t</th>"
                   "<th>%t</th><th>%t</th><th>%t</th><th>%t</th><th>%t</th></tr></thead><tbody>",
                   web_text (W_DATE), web_text (W_KIND), web_text (W_REF), web_text (W_STATE),
                   web_text (W_RECORDED_BY), web_text (W_HISTORY));
        const json_t *ev;
        size_t i;
        json_array_foreach (json_object_get (rep, "events"), i, ev) {
            const char *state = web_str (ev, "state");
            ml_html_f (h, "<tr class=\"ev ev-%a\" id=\"ev-%a\" data-ref=\"%a\"><td>%t</td><td>%t</td>"
                       "<td><details><summary class=\"ref\">%t</summary>", state, web_str (ev, "ref"),
                       web_str (ev, "ref"), web_str (ev, "date"), web_str (ev, "kind"), web_str (ev, "ref"));
            s_fields (h, json_object_get (ev, "event"));
            ml_html_f (h, "</details></td><td>%t</td><td class=\"prov\">%t #%L</td><td>",
                       web_status_text (state), web_str (ev, "agent"), web_int (ev, "seq"));
            s_history (h, json_object_get (ev, "history"));
            ml_html_f (h, "</td></tr>");
        }
        ml_html_f (h, "</tbody></table></div></section>");
    }
    json_decref (rep);
    web_page (r, 200, web_text (W_EVENTS), &h);
}
