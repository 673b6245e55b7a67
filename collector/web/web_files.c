/* web_files.c -- what massline-web serves as files: the reports (/reports/KIND.FMT?..., the same
   bytes as `massline report KIND ... --format FMT`, rendered by the client library) and the one
   style sheet (no script anywhere). */
#include "web.h"
#include "ml_log.h"
#include "ml_render.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  One PDF at a time: cairo and pango's font machinery is not ours to share across threads.
static pthread_mutex_t s_pdf_lock = PTHREAD_MUTEX_INITIALIZER;

//  web.ini [document]: what a PDF document prints that the report need not carry; the same keys as
//  client.ini [document] (docs/config.md), so the console's PDF is the CLI's.
typedef struct {
    char *issuer;
    char *number_prefix;
} s_document_t;

static const ml_opt_t s_document_opts[] = {
    { "document", "issuer", ML_OPT_STR, "", offsetof (s_document_t, issuer),
      "issuing body printed in red at the head of PDF documents (default 中共镇江市卫生局委员会)" },
    { "document", "number_prefix", ML_OPT_STR, "", offsetof (s_document_t, number_prefix),
      "prefix of PDF document numbers (default 镇卫党台)" },
    { NULL, NULL, 0, NULL, 0, NULL }
};

int
web_document_settings (const char *config)
{
    s_document_t doc = { 0 };
    char err[1024];
    int rc = ml_config_load (config, s_document_opts, &doc, err, sizeof err);
    if (!rc) {
        ml_document_t settings = { doc.issuer[0] ? doc.issuer : NULL,
                                   doc.number_prefix[0] ? doc.number_prefix : NULL };
        rc = ml_render_set_document (&settings);
        if (rc)
            snprintf (err, sizeof err, "%s: [document]: issuer or number_prefix longer than 255 bytes", config);
    }
    ml_config_free (s_document_opts, &doc);
    if (rc)
        ml_die_msg ("%s", err);
    return rc ? 2 : 0;
}

//  The reports a file can be asked for, and the query keys each passes on (as the CLI's options).
static const char *const s_kinds[] = { "unit-annual", "rollup", "cadre", "bulletin", "watchlist", NULL };
static const char *const s_keys[] = { "unit", "person", "year", "period", "as_of", NULL };

void
web_report_file (web_req_t *r, const char *name)
{
    char kind[64];
    const char *dot = strrchr (name, '.');
    ml_format_t format;
    bool known = false;
    if (dot && (size_t) (dot - name) < sizeof kind) {
        snprintf (kind, sizeof kind, "%.*s", (int) (dot - name), name);
        for (const char *const *k = s_kinds; *k; k++)
            known = known || strcmp (*k, kind) == 0;
    }
    //  text is for terminals
    if (!known || strcmp (dot + 1, "text") == 0 || ml_format_parse (dot + 1, &format)) {
        web_error (r, 404, W_NOT_FOUND);
        return;
    }
    const char *unit = ml_http_query (r->http, "unit");
    if (strcmp (r->session.account.role, "unit") == 0
    &&  ((strcmp (kind, "unit-annual") != 0 && strcmp (kind, "cadre") != 0) || !web_may_see_unit (r, unit))) {
        web_error (r, 403, W_FORBIDDEN);
        return;
    }
    char command[80], *args[8];
    int n = 0;
    snprintf (command, sizeof command, "report %s", kind);
    for (const char *const *k = s_keys; *k && n < 8; k++) {
        const char *v = ml_http_query (r->http, *k);
        if (!v && strcmp (*k, "as_of") == 0)
            v = ml_http_query (r->http, "as-of");
        if (v && asprintf (&args[n], "%s=%s", *k, v) >= 0)
            n++;
    }
    json_t *report = web_ask (r, command, n, args, false);
    for (int i = 0; i < n; i++)
        free (args[i]);
    if (!report)
        return;
    //  the CLI's bytes, a sealed document's id included (ml_render_file)
    char *bytes = NULL, err[512] = "";
    size_t len = 0;
    if (format == ML_FORMAT_PDF)
        pthread_mutex_lock (&s_pdf_lock);
    int rc = ml_render_file (report, format, &bytes, &len, err, sizeof err);
    if (format == ML_FORMAT_PDF)
        pthread_mutex_unlock (&s_pdf_lock);
    json_decref (report);
    if (rc) {
        ml_warn ("rendering %s: %s", name, err);
        free (bytes);
        web_error (r, 502, W_UNAVAILABLE);
        return;
    }
    char disposition[128];
    snprintf (disposition, sizeof disposition, "attachment; filename=\"%s\"", name);
    ml_http_add_header (r->http, "Content-Disposition", disposition);
    //  the report's HTML is one self-contained page: its own inline style and SVG, never script
    if (format == ML_FORMAT_HTML)
        ml_http_add_header (r->http, "Content-Security-Policy",
                            "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
    ml_accounts_audit (r->web->accounts, r->now, r->session.account.name, ml_http_peer (r->http),
                       "download", name);
    ml_http_respond (r->http, 200, ml_format_content_type (format), bytes, len);
    free (bytes);
}

static const char s_css[] =
    ":root{--ink:#1d2329;--line:#d5dae0;--accent:#b71c1c;--muted:#5f6b76}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;font:15px/1.5 \"Noto Sans CJK SC\",\"Microsoft YaHei\",\"PingFang SC\",sans-serif;"
    "color:var(--ink);background:#f6f7f9}\n"
    "header{display:flex;flex-wrap:wrap;align-items:center;gap:.5em 1em;padding:.6em 1em;"
    "background:var(--accent);color:#fff}\n"
    "header a.brand{color:#fff;font-weight:bold;text-decoration:none;margin-right:auto}\n"
    "header .who{font-size:.9em}\n"
    "header form.logout{margin:0}\n"
    "header button{background:#fff;color:var(--accent);border:0;border-radius:3px;padding:.2em .8em;cursor:pointer}\n"
    "main{max-width:1320px;margin:0 auto;padding:1em}\n"
    "h1{font-size:1.4em;margin:.3em 0}h2{font-size:1.15em;margin:1.2em 0 .4em}\n"
    "section{background:#fff;border:1px solid var(--line);border-radius:4px;padding:.6em 1em;margin:.8em 0}\n"
    ".scroll{overflow-x:auto}\n"
    "table{border-collapse:collapse;width:100%;font-size:.92em}\n"
    "th,td{border:1px solid var(--line);padding:.3em .5em;text-align:left;vertical-align:top}\n"
    "thead th{background:#eef1f4}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "td.bad{color:var(--accent);font-weight:bold}\n"
    "table.heat td{text-align:center;white-space:nowrap}\n"
    "table.heat td a{color:inherit;text-decoration:none;display:block}\n"
    ".h-all{background:#2e7d32;color:#fff}.h-high{background:#9ccc65}.h-mid{background:#ffe082}"
    ".h-low{background:#ef9a9a}.h-none{background:#eceff1;color:var(--muted)}\n"
    ".legend .sw{display:inline-block;width:1em;height:1em;margin-right:.15em;vertical-align:-.1em;"
    "border:1px solid var(--line)}\n"
    ".downloads a{display:inline-block;margin-left:.4em;padding:.1em .7em;border:1px solid var(--line);"
    "border-radius:3px;background:#fff;text-decoration:none}\n"
    ".c-on_time{background:#c8e6c9}.c-late{background:#ffe082}.c-missing{background:#ef9a9a}"
    ".c-not_due{color:var(--muted)}\n"
    "tr.st-unmet td{background:#fdecea}tr.st-warning td{background:#fff8e1}\n"
    ".note,.summary,.crumbs,footer{color:var(--muted);font-size:.9em}\n"
    ".error{color:var(--accent);font-weight:bold}\n"
    "form.year{display:flex;gap:.5em;align-items:center;margin:.4em 0}\n"
    "input{font:inherit;padding:.3em .4em;border:1px solid var(--line);border-radius:3px}\n"
    "button{font:inherit}\n"
    "section.login{max-width:22em;margin:3em auto}\n"
    "section.login label{display:block;margin:.6em 0}\n"
    "section.login input{width:100%}\n"
    "section.login button{margin-top:.6em;padding:.4em 1.4em;background:var(--accent);color:#fff;border:0;border-radius:3px}\n"
    "footer{text-align:center;padding:1em}\n"
    "header nav{display:flex;flex-wrap:wrap;gap:.2em .9em;font-size:.92em}header nav a{color:#fff}\n"
    "dl.fields{display:grid;grid-template-columns:max-content 1fr;gap:.1em .8em;margin:.3em 0;font-size:.9em}"
    "dl.fields dt{color:var(--muted)}dl.fields dd{margin:0;word-break:break-all}\n"
    "ol.history{margin:0;padding-left:1.2em;font-size:.9em}.prov{color:var(--muted);white-space:nowrap}\n"
    "tr.ev-voided td{text-decoration:line-through;color:var(--muted)}tr.ev-corrected td{background:#fff8e1}\n"
    "table.kv{width:auto}table.kv th{background:#eef1f4}.digest{font-family:monospace;font-size:.8em;word-break:break-all}\n"
    ".ys-submitted{color:#8a6d00;font-weight:bold}.ys-accepted{color:#2e7d32;font-weight:bold}"
    ".ys-returned{color:var(--accent);font-weight:bold}\n"
    "section.decide form{margin:.5em 0}section.decide textarea{width:100%;min-height:4em;font:inherit}\n"
    "section.decide button,form.grid-form button{padding:.3em 1.2em;background:var(--accent);color:#fff;"
    "border:0;border-radius:3px}\n"
    "form.grid-form{display:grid;grid-template-columns:repeat(auto-fill,minmax(14em,1fr));gap:.5em 1em;align-items:end}"
    "form.grid-form label{display:flex;flex-direction:column;font-size:.9em}\n"
    "form.finding{display:flex;flex-wrap:wrap;gap:.3em;align-items:center;margin:0}form.finding input{width:10em}\n"
    "#verify.ok{border-color:#2e7d32}#verify.bad{border-color:var(--accent)}#verify-result.ok{color:#2e7d32;font-weight:bold}\n"
    ".actions a{display:inline-block;padding:.2em .8em;border:1px solid var(--line);border-radius:3px;background:#fff}\n"
    "@media (max-width:640px){body{font-size:14px}main{padding:.5em}section{padding:.4em .5em}}\n"
    "@media print{header form,header nav,form.year,form.grid-form,section.decide,.actions,.downloads,footer{display:none}header{background:none;color:#000}"
    "header a.brand{color:#000}body{background:#fff}section{border:0;padding:0}"
    ".h-all,.h-high,.h-mid,.h-low,.h-none,tr.st-unmet td{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "table{font-size:10pt}a{color:inherit;text-decoration:none}}\n";

void
web_style (web_req_t *r)
{
    ml_http_respond (r->http, 200, "text/css; charset=utf-8", s_css, sizeof s_css - 1);
}
