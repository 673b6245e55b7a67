/* web_app.c -- massline-web's front: web.ini, the router, sign-in and sign-out, the session and
   CSRF checks every request passes, the page layout, error pages, and asking the collector on
   behalf of the signed-in account. */
#include "web.h"
#include "ml_web_session.h"
#include "ml_client.h"
#include "ml_err.h"
#include "ml_log.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define S_COOKIE "ml_session"
#define S_PRE_COOKIE "ml_login"         //  the login form's CSRF token (double submit)

const char *const web_roles[] = { "staff", "auditor", "reviewer", "leader", "unit", NULL };

const ml_opt_t web_opts[] = {
    { "web", "listen", ML_OPT_STR, "127.0.0.1:7780", offsetof (web_config_t, listen),
      "HOST:PORT to serve on (an IPv6 host in brackets)" },
    { "web", "data_dir", ML_OPT_PATH, "web-data", offsetof (web_config_t, data_dir),
      "the accounts, sessions and audit log (LMDB)" },
    { "web", "query", ML_OPT_STR, "tcp://127.0.0.1:7702", offsetof (web_config_t, query),
      "the collector's query endpoint" },
    { "web", "collector_key", ML_OPT_KEY, "keys/collector.pub", offsetof (web_config_t, collector_key),
      "the collector's public key: a file or the 40-char Z85 text" },
    { "web", "public_key", ML_OPT_KEY, "keys/web.pub", offsetof (web_config_t, public_key),
      "massline-web's gateway key, registered as [gateway web] in registry.ini" },
    { "web", "secret_key", ML_OPT_PATH, "keys/web.key", offsetof (web_config_t, secret_key),
      "its secret key file; must be mode 0600" },
    { "web", "tls_cert", ML_OPT_STR, "", offsetof (web_config_t, tls_cert),
      "PEM certificate for HTTPS (empty: plain HTTP, e.g. behind a reverse proxy)" },
    { "web", "tls_key", ML_OPT_STR, "", offsetof (web_config_t, tls_key),
      "PEM private key for HTTPS" },
    { "web", "timeout_ms", ML_OPT_INT, "10000", offsetof (web_config_t, timeout_ms),
      "how long to wait for the collector's answer" },
    { "web", "session_idle_s", ML_OPT_INT, "1800", offsetof (web_config_t, session_idle_s),
      "a session ends after this many seconds unused" },
    { "web", "session_max_s", ML_OPT_INT, "43200", offsetof (web_config_t, session_max_s),
      "and this many seconds after sign-in, whatever" },
    { "web", "login_max_failures", ML_OPT_INT, "5", offsetof (web_config_t, login_max_failures),
      "failed sign-ins of one account within the window before it is refused" },
    { "web", "login_max_failures_addr", ML_OPT_INT, "20", offsetof (web_config_t, login_max_failures_addr),
      "failed sign-ins from one address within the window before it is refused" },
    { "web", "login_window_s", ML_OPT_INT, "900", offsetof (web_config_t, login_window_s),
      "the throttling window, seconds" },
    { "web", "max_body_bytes", ML_OPT_INT, "1048576", offsetof (web_config_t, max_body_bytes),
      "the largest request body accepted" },
    { "web", "max_connections", ML_OPT_INT, "4000", offsetof (web_config_t, max_connections),
      "connections served at once" },
    { "web", "connection_timeout_s", ML_OPT_INT, "30", offsetof (web_config_t, connection_timeout_s),
      "an idle connection is closed after this many seconds" },
    { "web", "threads", ML_OPT_INT, "4", offsetof (web_config_t, threads),
      "worker threads" },
    { "web", "page_max_age_s", ML_OPT_INT, "10", offsetof (web_config_t, page_max_age_s),
      "the dashboard and unit page: while one request makes the page anew after a change, others "
      "get the previous one if its data is at most this many seconds old (0: all wait for the new)" },
    { "web", "fast_hash", ML_OPT_INT, "0", offsetof (web_config_t, fast_hash),
      "1: the cheapest argon2id (tests only; never in production)" },
    { NULL, NULL, 0, NULL, 0, NULL }
};

int
web_open (web_t *web, const char *config, bool with_key)
{
    char err[1024];
    memset (web, 0, sizeof *web);
    if (ml_config_load (config, web_opts, &web->cfg, err, sizeof err)) {
        ml_die_msg ("%s", err);
        return 2;
    }
    //  the TLS files are relative to web.ini, as the other paths
    char **tls[2] = { &web->cfg.tls_cert, &web->cfg.tls_key };
    for (int i = 0; i < 2; i++)
        if (**tls[i]) {
            char *path = ml_config_resolve (config, *tls[i]);
            free (*tls[i]);
            *tls[i] = path;
        }
    if (with_key && ml_key_read_secret (web->cfg.secret_key, web->secret, err, sizeof err)) {
        ml_die_msg ("%s", err);
        return 2;
    }
    ml_accounts_limits_t limits = {
        web_roles, web->cfg.session_idle_s, web->cfg.session_max_s, web->cfg.login_max_failures,
        web->cfg.login_max_failures_addr, web->cfg.login_window_s, web->cfg.fast_hash != 0
    };
    web->accounts = ml_accounts_open (web->cfg.data_dir, &limits, err, sizeof err);
    if (!web->accounts) {
        ml_die_msg ("%s", err);
        return 1;
    }
    return 0;
}

void
web_close (web_t *web)
{
    ml_accounts_close (&web->accounts);
    memset (web->secret, 0, sizeof web->secret);
    ml_config_free (web_opts, &web->cfg);
}

// ---------------------------------------------------------------------------
// Layout and errors.

void
web_page (web_req_t *r, unsigned status, const char *title, ml_html_t **body)
{
    ml_html_t *h = ml_html_new ();
    if (!h) {
        ml_html_destroy (body);
        ml_http_respond (r->http, 500, "text/plain; charset=utf-8", "out of memory\n", 14);
        return;
    }
    ml_html_f (h, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
               "<title>%t · %t</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head>\n<body>"
               "<header><a class=\"brand\" href=\"/\">%t</a>",
               title, web_text (W_TITLE), web_text (W_TITLE));
    if (r->signed_in && strcmp (r->session.account.role, "unit") != 0) {
        ml_html_f (h, "<nav><a href=\"/\">%t</a><a href=\"/completeness\">%t</a><a href=\"/bulletin\">%t</a>"
                   "<a href=\"/watchlist\">%t</a>", web_text (W_DASHBOARD), web_text (W_COMPLETENESS),
                   web_text (W_BULLETIN), web_text (W_WATCHLIST));
        if (strcmp (r->session.account.role, "staff") == 0 || strcmp (r->session.account.role, "auditor") == 0)
            ml_html_f (h, "<a href=\"/samples\" id=\"nav-samples\">%t</a>", web_text (W_SAMPLES));
        ml_html_f (h, "</nav>");
    }
    if (r->signed_in)
        ml_html_f (h, "<span class=\"who\">%t: <b id=\"account\">%t</b> (%t%r%t)</span>"
                   "<form class=\"logout\" method=\"post\" action=\"/logout\">"
                   "<input type=\"hidden\" name=\"csrf\" value=\"%a\">"
                   "<button type=\"submit\" id=\"logout\">%t</button></form>",
                   web_text (W_SIGNED_IN_AS), r->session.account.name,
                   web_role_text (r->session.account.role), r->session.account.unit[0] ? " " : "",
                   r->session.account.unit, r->session.csrf, web_text (W_LOGOUT));
    ml_html_f (h, "</header>\n<main>%r</main>\n<footer>%t</footer></body></html>\n",
               *body ? ml_html_str (*body) : "", web_text (W_PRINT_HINT));
    ml_html_destroy (body);
    size_t len;
    char *text = ml_html_take (&h, &len);
    if (!text) {
        ml_http_respond (r->http, 500, "text/plain; charset=utf-8", "out of memory\n", 14);
        return;
    }
    ml_http_respond (r->http, status, "text/html; charset=utf-8", text, len);
    free (text);
}

void
web_error (web_req_t *r, unsigned status, web_text_t text)
{
    web_error_detail (r, status, text, NULL);
}

void
web_error_detail (web_req_t *r, unsigned status, web_text_t text, const char *detail)
{
    r->errored = true;
    if (status == 403)
        ml_accounts_audit (r->web->accounts, r->now, r->signed_in ? r->session.account.name : NULL,
                           ml_http_peer (r->http), "denied", ml_http_path (r->http));
    ml_html_t *body = ml_html_new ();
    if (body)
        ml_html_f (body, "<h1>%d</h1><p class=\"error\" id=\"error\">%t</p>%r%t%r<p><a href=\"/\">%t</a></p>",
                   (int) status, web_text (text), detail ? "<p class=\"note\" id=\"detail\">" : "", detail,
                   detail ? "</p>" : "", web_text (W_BACK));
    web_page (r, status, web_text (text), &body);
}

// ---------------------------------------------------------------------------
// Asking the collector.

int
web_serve_open (web_t *web)
{
    pthread_mutex_init (&web->conns_lock, NULL);
    web->n_conns = 0;
    web->cache = web_cache_new ();
    return web->cache ? 0 : -1;
}

void
web_serve_close (web_t *web)
{
    for (size_t i = 0; i < web->n_conns; i++)
        ml_ask_conn_destroy (&web->conns[i]);
    web->n_conns = 0;
    pthread_mutex_destroy (&web->conns_lock);
    web_cache_destroy (&web->cache);
}

json_t *
web_call (web_req_t *r, const char *command, int nargs, char **args, char *code, size_t codelen,
          char *msg, size_t msglen)
{
    web_t *web = r->web;
    const web_config_t *cfg = &web->cfg;
    const ml_account_t *a = &r->session.account;
    //  an idle kept connection, else a new one (kept afterwards while fewer than WEB_CONNS idle)
    ml_ask_conn_t *conn = NULL;
    if (web->zmq) {
        pthread_mutex_lock (&web->conns_lock);
        if (web->n_conns)
            conn = web->conns[--web->n_conns];
        pthread_mutex_unlock (&web->conns_lock);
        if (!conn)
            conn = ml_ask_conn_new ();
    }
    ml_client_peer_t peer = {
        cfg->query, cfg->collector_key, cfg->public_key, web->secret, cfg->timeout_ms,
        web->zmq, a->name, a->role, a->unit[0] ? a->unit : NULL
    };
    json_t *json = ml_ask_call_on (conn, &peer, command, nargs, args, code, codelen, msg, msglen);
    if (conn) {
        pthread_mutex_lock (&web->conns_lock);
        if (web->n_conns < WEB_CONNS)
            web->conns[web->n_conns++] = conn;
        else
            ml_ask_conn_destroy (&conn);
        pthread_mutex_unlock (&web->conns_lock);
    }
    return json;
}

json_t *
web_ask (web_req_t *r, const char *command, int nargs, char **args, bool quiet_unknown)
{
    const ml_account_t *a = &r->session.account;
    char code[64], msg[1024];
    json_t *json = web_call (r, command, nargs, args, code, sizeof code, msg, sizeof msg);
    if (json)
        return json;
    if (quiet_unknown && strcmp (code, "unknown") == 0)
        return NULL;
    ml_warn ("%s for %s: %s", command, a->name, msg);
    if (strcmp (code, "denied") == 0)
        web_error (r, 403, W_FORBIDDEN);
    else
    if (strcmp (code, "invalid") == 0)
        web_error_detail (r, 400, W_BAD_REQUEST, msg);      //  what to correct in the form
    else
    if (strcmp (code, "not_found") == 0 || strcmp (code, "unknown") == 0)
        web_error (r, 404, W_NOT_FOUND);
    else
    if (strcmp (code, "conflict") == 0)
        web_error_detail (r, 409, W_NOT_SUBMITTED, msg);
    else
        web_error (r, 502, W_UNAVAILABLE);
    return NULL;
}

bool
web_role_is (const web_req_t *r, const char *role)
{
    return strcmp (r->session.account.role, role) == 0;
}

const char *
web_str (const json_t *obj, const char *key)
{
    const char *s = json_string_value (json_object_get (obj, key));
    return s ? s : "";
}

long long
web_int (const json_t *obj, const char *key)
{
    const json_t *v = json_object_get (obj, key);
    return json_is_integer (v) ? (long long) json_integer_value (v) : (long long) json_number_value (v);
}

void
web_csrf_field (web_req_t *r, ml_html_t *h)
{
    ml_html_f (h, "<input type=\"hidden\" name=\"csrf\" value=\"%a\">", r->session.csrf);
}

bool
web_may_see_unit (const web_req_t *r, const char *unit)
{
    if (strcmp (r->session.account.role, "unit") != 0)
        return true;
    return unit && strcmp (unit, r->session.account.unit) == 0;
}

int
web_year (web_req_t *r)
{
    const char *text = ml_http_query (r->http, "year");
    if (!text) {
        time_t now = (time_t) r->now;
        struct tm tm;
        localtime_r (&now, &tm);
        return tm.tm_year + 1900;
    }
    char *end;
    long year = strtol (text, &end, 10);
    return strlen (text) == 4 && !*end && year >= 1900 && year <= 2999 ? (int) year : 0;
}

// ---------------------------------------------------------------------------
// Sign in, sign out.

static void
s_login_form (web_req_t *r, unsigned status, const char *user, web_text_t message, bool show)
{
    char token[ML_TOKEN_HEX + 1];
    ml_web_login_token (r->http, S_PRE_COOKIE, token);
    ml_html_t *body = ml_html_new ();
    if (!body) {
        web_page (r, 500, web_text (W_LOGIN), &body);
        return;
    }
    ml_html_f (body, "<section class=\"login\"><h1>%t</h1>", web_text (W_LOGIN));
    if (show)
        ml_html_f (body, "<p class=\"error\" id=\"error\">%t</p>", web_text (message));
    ml_html_f (body, "<form method=\"post\" action=\"/login\">"
               "<input type=\"hidden\" name=\"csrf\" value=\"%a\">"
               "<label>%t <input name=\"user\" id=\"user\" value=\"%a\" autocomplete=\"username\" required></label>"
               "<label>%t <input name=\"password\" id=\"password\" type=\"password\" "
               "autocomplete=\"current-password\" required></label>"
               "<button type=\"submit\" id=\"submit\">%t</button></form></section>",
               token, web_text (W_USER), user ? user : "", web_text (W_PASSWORD), web_text (W_LOGIN));
    web_page (r, status, web_text (W_LOGIN), &body);
}

static void
s_login_post (web_req_t *r)
{
    bool csrf_ok;
    ml_login_t rc = ml_web_login (r->web->accounts, r->http, S_COOKIE, S_PRE_COOKIE,
                                  r->web->cfg.session_max_s, r->now, &r->session, &csrf_ok);
    if (!csrf_ok) {
        web_error (r, 403, W_CSRF);
        return;
    }
    if (rc == ML_LOGIN_OK) {
        ml_http_redirect (r->http, strcmp (r->session.account.role, "unit") == 0 ? "/unit" : "/");
        return;
    }
    s_login_form (r, rc == ML_LOGIN_THROTTLED ? 429 : 401, ml_http_form (r->http, "user"),
                  rc == ML_LOGIN_THROTTLED ? W_LOGIN_THROTTLED : W_LOGIN_BAD, true);
}

static void
s_logout (web_req_t *r)
{
    ml_web_logout (r->web->accounts, r->http, S_COOKIE, &r->session, r->now);
}

// ---------------------------------------------------------------------------
// The router.

//  Splits PATH after PREFIX into up to N segments ("/units/H001/persons/P1"). False when the
//  path has more, or an empty one.
static bool
s_segments (const char *path, char seg[][128], int n, int *count)
{
    *count = 0;
    const char *p = strcmp (path, "/") == 0 ? "" : path;
    while (*p == '/' && *count < n) {
        p++;
        size_t len = strcspn (p, "/");
        if (len == 0 || len >= 128)
            return false;
        snprintf (seg[*count], 128, "%.*s", (int) len, p);
        (*count)++;
        p += len;
    }
    return *p == 0;
}

static bool
s_is (char seg[][128], int n, int want, const char *a, const char *b)
{
    return n == want && strcmp (seg[0], a) == 0 && (!b || strcmp (seg[n > 2 ? 2 : 1], b) == 0);
}

//  Every POST: the session and its CSRF token are checked already; each handler checks the role.
static void
s_route_post (web_req_t *r, char seg[][128], int n)
{
    if (s_is (seg, n, 1, "logout", NULL))
        s_logout (r);
    else
    if (s_is (seg, n, 3, "review", NULL))
        web_review_post (r, seg[1], seg[2]);
    else
    if (s_is (seg, n, 1, "samples", NULL))
        web_samples_draw (r);
    else
    if (s_is (seg, n, 3, "samples", "findings"))
        web_sample_finding (r, seg[1]);
    else
        web_error (r, 404, W_NOT_FOUND);
}

static void
s_route_get (web_req_t *r, char seg[][128], int n)
{
    if (n == 0)
        web_dashboard (r);
    else
    if (s_is (seg, n, 1, "unit", NULL)) {
        //  a unit account's home: its own unit page
        char to[192];
        snprintf (to, sizeof to, "/units/%s", r->session.account.unit);
        ml_http_redirect (r->http, r->session.account.unit[0] ? to : "/");
    }
    else
    if (s_is (seg, n, 2, "units", NULL))
        web_unit_page (r, seg[1]);
    else
    if (s_is (seg, n, 3, "units", "events"))
        web_events_page (r, seg[1], NULL);
    else
    if (n == 4 && strcmp (seg[0], "units") == 0 && strcmp (seg[2], "persons") == 0)
        web_person_page (r, seg[1], seg[3]);
    else
    if (n == 5 && strcmp (seg[0], "units") == 0 && strcmp (seg[2], "persons") == 0
    &&  strcmp (seg[4], "events") == 0)
        web_events_page (r, seg[1], seg[3]);
    else
    if (s_is (seg, n, 2, "reports", NULL))
        web_report_file (r, seg[1]);
    else
    if (s_is (seg, n, 3, "review", NULL))
        web_review_page (r, seg[1], seg[2]);
    else
    if (s_is (seg, n, 1, "completeness", NULL))
        web_completeness_page (r);
    else
    if (s_is (seg, n, 1, "bulletin", NULL))
        web_bulletin_page (r);
    else
    if (s_is (seg, n, 1, "watchlist", NULL))
        web_watchlist_page (r);
    else
    if (s_is (seg, n, 1, "samples", NULL))
        web_samples_page (r);
    else
    if (s_is (seg, n, 2, "samples", NULL))
        web_sample_page (r, seg[1]);
    else
        web_error (r, 404, W_NOT_FOUND);
}

void
web_handle (void *app, ml_http_req_t *http)
{
    web_req_t r;
    memset (&r, 0, sizeof r);
    r.web = app;
    r.http = http;
    r.now = (int64_t) time (NULL);
    const char *path = ml_http_path (http);
    bool get, post;
    if (ml_web_answered (http, &get, &post))
        return;
    if (get && strcmp (path, "/static/style.css") == 0) {
        web_style (&r);
        return;
    }
    if (strcmp (path, "/login") == 0) {
        if (post)
            s_login_post (&r);
        else
            s_login_form (&r, 200, NULL, W_LOGIN, false);
        return;
    }
    r.signed_in = ml_web_session (r.web->accounts, http, S_COOKIE, post, r.now, &r.session);
    if (!r.signed_in) {
        if (post)
            web_error (&r, 403, W_LOGIN_EXPIRED);
        return;
    }
    //  every POST carries the session's CSRF token; without it nothing is done
    if (post && !ml_web_csrf_ok (r.web->accounts, http, &r.session, ml_http_form (http, "csrf"),
                                 r.now)) {
        web_error (&r, 403, W_CSRF);
        return;
    }
    char seg[5][128];
    int n;
    if (!s_segments (path, seg, 5, &n)) {
        web_error (&r, 404, W_NOT_FOUND);
        return;
    }
    if (post)
        s_route_post (&r, seg, n);
    else
        s_route_get (&r, seg, n);
}
