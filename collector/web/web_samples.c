/* web_samples.c -- spot-check samples in the console: the list, the draw form (seed, size,
   population, strata, witnesses' names) for auditors, a sample's checklist to print with a finding
   form per item (auditors), its appraisal, and "verify", which has the collector re-derive the
   sample from its seed and today's store. Staff read samples; auditors draw and record; the
   collector judges every query again. The witnesses' names go to the console's audit log with the
   draw (the collector's sample record has no field for them) and are printed on the checklist. */
#include "web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_WITNESS "sample-draw"         //  the audit entry of a draw: "ID; witnesses: NAMES"

static bool
s_may_read (web_req_t *r)
{
    if (web_role_is (r, "staff") || web_role_is (r, "auditor"))
        return true;
    web_error (r, 403, W_FORBIDDEN);
    return false;
}

static bool
s_may_write (web_req_t *r)
{
    if (web_role_is (r, "auditor"))
        return true;
    web_error (r, 403, W_FORBIDDEN);
    return false;
}

static void
s_draw_form (web_req_t *r, ml_html_t *h, int year)
{
    ml_html_f (h, "<section class=\"draw\"><h2>%t</h2><form method=\"post\" action=\"/samples\" "
               "class=\"grid-form\">", web_text (W_DRAW));
    web_csrf_field (r, h);
    ml_html_f (h, "<label>%t <input name=\"year\" id=\"draw-year\" value=\"%d\" size=\"4\" required></label>"
               "<label>%t <input name=\"seed\" id=\"draw-seed\" inputmode=\"numeric\" required></label>"
               "<label>%t <input name=\"size\" id=\"draw-size\" inputmode=\"numeric\" value=\"10\" required></label>"
               "<label>%t <select name=\"population\" id=\"draw-population\"><option value=\"events\">events"
               "</option><option value=\"persons\">persons</option><option value=\"units\">units</option>"
               "</select></label><label>%t <select name=\"strata\" id=\"draw-strata\"><option value=\"unit\">"
               "unit</option><option value=\"none\">none</option></select></label>"
               "<label>%t <input name=\"witnesses\" id=\"draw-witnesses\" maxlength=\"200\" required></label>"
               "<button type=\"submit\" id=\"draw\">%t</button></form></section>",
               web_text (W_YEAR), year, web_text (W_SEED), web_text (W_SIZE), web_text (W_POPULATION),
               web_text (W_STRATA), web_text (W_WITNESSES), web_text (W_DRAW));
}

void
web_samples_page (web_req_t *r)
{
    if (!s_may_read (r))
        return;
    int year = web_year (r);
    json_t *rep = web_ask (r, "sample list", 0, NULL, false);
    if (!rep)
        return;
    ml_html_t *h = ml_html_new ();
    if (h) {
        ml_html_f (h, "<h1>%t</h1><section><div class=\"scroll\"><table id=\"samples\"><thead><tr>"
                   "<th>%t</th><th>%t</th><th>%t</th><th>%t</th><th>%t</th><th>%t</th><th>%t</th>"
                   "</tr></thead><tbody>", web_text (W_SAMPLES), web_text (W_SAMPLE), web_text (W_YEAR),
                   web_text (W_POPULATION), web_text (W_SIZE), web_text (W_EXAMINED), web_text (W_DRAWN_BY),
                   web_text (W_DRAWN_AT));
        const json_t *s;
        size_t i;
        json_array_foreach (json_object_get (rep, "samples"), i, s)
            ml_html_f (h, "<tr><td><a class=\"sample\" href=\"/samples/%u\">%t</a></td><td>%L</td><td>%t</td>"
                       "<td class=\"num\">%L</td><td class=\"num\">%L</td><td>%t</td><td>%t</td></tr>",
                       web_str (s, "sample"), web_str (s, "sample"), web_int (s, "year"),
                       web_str (s, "population"), web_int (s, "size"), web_int (s, "examined"),
                       web_str (s, "drawn_by"), web_str (s, "drawn_at"));
        ml_html_f (h, "</tbody></table></div></section>");
        if (web_role_is (r, "auditor"))
            s_draw_form (r, h, year ? year : 2025);
    }
    json_decref (rep);
    web_page (r, 200, web_text (W_SAMPLES), &h);
}

void
web_samples_draw (web_req_t *r)
{
    if (!s_may_write (r))
        return;
    static const char *const keys[] = { "year", "seed", "size", "population", "strata", NULL };
    char *args[5];
    int n = 0;
    for (const char *const *k = keys; *k; k++) {
        const char *v = ml_http_form (r->http, *k);
        if (v && *v && asprintf (&args[n], "%s=%s", *k, v) >= 0)
            n++;
    }
    const char *witnesses = ml_http_form (r->http, "witnesses");
    json_t *rep = NULL;
    if (!witnesses || !*witnesses || strlen (witnesses) > 200)
        web_error (r, 400, W_BAD_REQUEST);
    else
        rep = web_ask (r, "sample draw", n, args, false);
    for (int i = 0; i < n; i++)
        free (args[i]);
    if (!rep)
        return;
    const char *id = web_str (rep, "sample");
    char what[320], to[200];
    snprintf (what, sizeof what, "%.64s; witnesses: %s", id, witnesses);
    ml_accounts_audit (r->web->accounts, r->now, r->session.account.name, ml_http_peer (r->http),
                       S_WITNESS, what);
    snprintf (to, sizeof to, "/samples/%s", id);
    json_decref (rep);
    ml_http_redirect (r->http, to);
}

//  The witnesses named at the draw of sample ID, from the audit log.
typedef struct {
    char prefix[96];
    char names[256];
} s_witness_t;

static void
s_on_audit (void *arg, const char *text)
{
    s_witness_t *w = arg;
    json_t *e = json_loads (text, 0, NULL);
    const char *what = web_str (e, "what"), *detail = web_str (e, "detail");
    if (strcmp (what, S_WITNESS) == 0 && strncmp (detail, w->prefix, strlen (w->prefix)) == 0)
        snprintf (w->names, sizeof w->names, "%s", detail + strlen (w->prefix));
    json_decref (e);
}

static void
s_appraisal (ml_html_t *h, const json_t *a)
{
    const json_t *o = json_object_get (a, "overall");
    ml_html_f (h, "<section id=\"appraisal\"><h2>%t</h2><table class=\"kv\"><tbody>"
               "<tr><th>%t</th><td class=\"num\">%L</td></tr><tr><th>%t</th><td class=\"num\">%L</td></tr>"
               "<tr><th>%t</th><td class=\"num\">%L</td></tr><tr><th>%t</th><td class=\"num\">%F%%</td></tr>"
               "<tr><th>%t</th><td id=\"conclusion\">%t</td></tr></tbody></table></section>",
               web_text (W_APPRAISAL), web_text (W_EXAMINED), web_int (o, "n"), web_text (W_DEVIATIONS),
               web_int (o, "deviations"), web_text (W_PENDING), web_int (a, "pending"),
               web_text (W_UPPER_BOUND), 100.0 * json_number_value (json_object_get (o, "upper_bound")),
               web_text (W_CONCLUSION), web_str (o, "conclusion"));
}

static void
s_verify (ml_html_t *h, const json_t *v)
{
    bool ok = json_is_true (json_object_get (v, "matches"));
    ml_html_f (h, "<section id=\"verify\" class=\"%r\"><h2>%t</h2><p id=\"verify-result\" class=\"%r\">%t</p>",
               ok ? "ok" : "bad", web_text (W_VERIFY), ok ? "ok" : "error",
               web_text (ok ? W_VERIFY_OK : W_VERIFY_DIFF));
    const json_t *d;
    size_t i;
    json_array_foreach (json_object_get (v, "differences"), i, d) {
        char *text = json_dumps (d, JSON_COMPACT | JSON_ENCODE_ANY);
        ml_html_f (h, "<p class=\"note\">%t</p>", text);
        free (text);
    }
    ml_html_f (h, "<p class=\"note\">record %t · population %t → %t</p></section>",
               web_str (v, "record_digest"), web_str (v, "digest"), web_str (v, "digest_now"));
}

static void
s_checklist (web_req_t *r, ml_html_t *h, const char *id, const json_t *sample)
{
    bool auditor = web_role_is (r, "auditor");
    ml_html_f (h, "<section><h2>%t</h2><div class=\"scroll\"><table id=\"checklist\"><thead><tr><th>#</th>"
               "<th>%t</th><th>%t</th><th>%t</th><th>%t</th><th>%t</th><th>%t</th></tr></thead><tbody>",
               web_text (W_CHECKLIST), web_text (W_ITEM), web_text (W_UNIT), web_text (W_DETAILS),
               web_text (W_VERIFY_HOW), web_text (W_FINDING), web_text (W_NOTE));
    const json_t *e;
    size_t i;
    json_array_foreach (json_object_get (sample, "checklist"), i, e) {
        const json_t *f = json_object_get (e, "finding");
        const char *item = web_str (e, "item");
        ml_html_f (h, "<tr id=\"item-%L\" data-item=\"%a\"><td class=\"num\">%L</td><td>%t</td><td>%t</td>"
                   "<td>%t %t %t %t</td><td>%t</td>", web_int (e, "no"), item, web_int (e, "no"), item,
                   web_str (e, "unit"), web_str (e, "kind"), web_str (e, "date"), web_str (e, "name"),
                   web_str (e, "subject"), web_str (e, "verify"));
        if (auditor) {
            ml_html_f (h, "<td colspan=\"2\"><form method=\"post\" class=\"finding\" action=\"/samples/%u/findings\">",
                       id);
            web_csrf_field (r, h);
            static const char *const results[] = { "ok", "deviation", "not_found" };
            ml_html_f (h, "<input type=\"hidden\" name=\"item\" value=\"%a\"><select name=\"result\">", item);
            for (int k = 0; k < 3; k++)
                ml_html_f (h, "<option value=\"%a\"%r>%t</option>", results[k],
                           strcmp (web_str (f, "result"), results[k]) == 0 ? " selected" : "",
                           web_status_text (results[k]));
            ml_html_f (h, "</select> <input name=\"note\" maxlength=\"500\" value=\"%a\"> "
                       "<button type=\"submit\">%t</button><span class=\"recorded\">%t</span></form></td></tr>",
                       web_str (f, "note"), web_text (W_RECORD), f ? web_status_text (web_str (f, "result")) : "");
        }
        else
            ml_html_f (h, "<td class=\"recorded\">%t</td><td>%t</td></tr>",
                       f ? web_status_text (web_str (f, "result")) : "", web_str (f, "note"));
    }
    ml_html_f (h, "</tbody></table></div></section>");
}

void
web_sample_page (web_req_t *r, const char *id)
{
    if (!s_may_read (r))
        return;
    char arg[160], *args[1] = { arg };
    snprintf (arg, sizeof arg, "sample=%s", id);
    json_t *sample = web_ask (r, "sample show", 1, args, false);
    if (!sample)
        return;
    json_t *appraisal = web_ask (r, "sample appraise", 1, args, false);
    if (!appraisal) {
        json_decref (sample);
        return;
    }
    const char *v = ml_http_query (r->http, "verify");
    json_t *verify = v && strcmp (v, "1") == 0 ? web_ask (r, "sample verify", 1, args, false) : NULL;
    if (v && strcmp (v, "1") == 0 && !verify) {
        json_decref (sample);
        json_decref (appraisal);
        return;
    }
    s_witness_t w;
    snprintf (w.prefix, sizeof w.prefix, "%.64s; witnesses: ", id);
    w.names[0] = 0;
    ml_accounts_audit_each (r->web->accounts, s_on_audit, &w);
    ml_html_t *h = ml_html_new ();
    if (h) {
        ml_html_f (h, "<p class=\"crumbs\"><a href=\"/samples\">%t</a> ›</p><h1>%t <span id=\"sample-id\">%t"
                   "</span></h1><table class=\"kv\" id=\"sample-head\"><tbody><tr><th>%t</th><td>%L</td></tr>"
                   "<tr><th>%t</th><td>%t</td></tr><tr><th>%t</th><td id=\"seed\">%t</td></tr>"
                   "<tr><th>%t</th><td>%L</td></tr><tr><th>%t</th><td>%t</td></tr><tr><th>%t</th><td>%t</td></tr>"
                   "<tr><th>%t</th><td id=\"witnesses\">%t</td></tr><tr><th>SHA-256</th><td class=\"digest\">%t"
                   "</td></tr></tbody></table>", web_text (W_SAMPLES), web_text (W_SAMPLE), id, web_text (W_YEAR),
                   web_int (sample, "year"), web_text (W_POPULATION), web_str (sample, "population"),
                   web_text (W_SEED), web_str (sample, "seed"), web_text (W_SIZE), web_int (sample, "size"),
                   web_text (W_DRAWN_BY), web_str (sample, "drawn_by"), web_text (W_DRAWN_AT),
                   web_str (sample, "drawn_at"), web_text (W_WITNESSES), w.names, web_str (sample, "record_digest"));
        ml_html_f (h, "<p class=\"actions\"><a id=\"verify-link\" href=\"/samples/%u?verify=1\">%t</a></p>",
                   id, web_text (W_VERIFY));
        if (verify)
            s_verify (h, verify);
        s_checklist (r, h, id, sample);
        s_appraisal (h, appraisal);
        ml_html_f (h, "<section class=\"signatures\"><h2>%t</h2><p>%t: ________ &nbsp; %t: %t ________</p>"
                   "</section>", web_text (W_SIGNATURES), web_text (W_DRAWN_BY), web_text (W_WITNESSES), w.names);
    }
    json_decref (sample);
    json_decref (appraisal);
    json_decref (verify);
    web_page (r, 200, web_text (W_SAMPLE), &h);
}

void
web_sample_finding (web_req_t *r, const char *id)
{
    if (!s_may_write (r))
        return;
    const char *item = ml_http_form (r->http, "item"), *result = ml_http_form (r->http, "result");
    const char *note = ml_http_form (r->http, "note");
    if (!item || !*item || !result || !*result) {
        web_error (r, 400, W_BAD_REQUEST);
        return;
    }
    char *args[4];
    int n = 0;
    if (asprintf (&args[n], "sample=%s", id) >= 0)
        n++;
    if (asprintf (&args[n], "item=%s", item) >= 0)
        n++;
    if (asprintf (&args[n], "result=%s", result) >= 0)
        n++;
    if (note && *note && asprintf (&args[n], "note=%s", note) >= 0)
        n++;
    json_t *rep = n >= 3 ? web_ask (r, "sample finding", n, args, false) : NULL;
    for (int i = 0; i < n; i++)
        free (args[i]);
    if (!rep)
        return;
    json_decref (rep);
    char what[256], to[200];
    snprintf (what, sizeof what, "%.64s %.64s %.20s", id, item, result);
    ml_accounts_audit (r->web->accounts, r->now, r->session.account.name, ml_http_peer (r->http),
                       "finding", what);
    snprintf (to, sizeof to, "/samples/%s", id);
    ml_http_redirect (r->http, to);
}
