/* ml_desk_app.c -- the unit desk's front: accounts opened, the router, sign-in and sign-out,
   the session and CSRF checks every request passes, the layout, error and result pages, and
   running massline-agent for the commands the desk offers. */
#include "ml_desk.h"
#include "ml_web_session.h"
#include "ml_err.h"
#include "ml_i18n.h"
#include "ml_log.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define S_COOKIE "ml_desk"
#define S_PRE_COOKIE "ml_desk_login"    //  the sign-in form's CSRF token (double submit)

extern char **environ;

const char *const desk_roles[] = { "clerk", NULL };

int
desk_open (desk_t *desk, const char *config)
{
    char err[1024];
    desk->config = config;
    ml_accounts_limits_t limits = {
        desk_roles, desk->cfg.web_session_idle_s, desk->cfg.web_session_max_s, 5, 20, 900,
        desk->cfg.web_fast_hash != 0
    };
    desk->accounts = ml_accounts_open (desk->cfg.web_data_dir, &limits, err, sizeof err);
    if (!desk->accounts) {
        ml_die_msg ("%s", err);
        return 1;
    }
    return 0;
}

void
desk_close (desk_t *desk)
{
    ml_accounts_close (&desk->accounts);
    ml_outbox_close (&desk->outbox);
}

// ---------------------------------------------------------------------------
// Layout, errors, results.

static const char s_css[] =
    "body{font-family:\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif;margin:0;color:#222}"
    "header{background:#8b1a1a;color:#fff;padding:.6em 1em;display:flex;gap:1.2em;align-items:center;flex-wrap:wrap}"
    "header a{color:#fff;text-decoration:none}header .brand{font-weight:bold}"
    "header form{margin:0 0 0 auto}main{padding:1em;max-width:1100px}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left}"
    "th{background:#f3f3f3}td.bad,th.bad{background:#fdd;outline:2px solid #c00}"
    ".error{color:#a00}.ok{color:#060;font-weight:bold}label{display:block;margin:.4em 0}"
    "input,select,button{font-size:1em}fieldset{margin:.6em 0}\n";

void
desk_style (desk_req_t *r)
{
    ml_http_add_header (r->http, "Cache-Control", "max-age=3600");
    ml_http_respond (r->http, 200, "text/css; charset=utf-8", s_css, sizeof s_css - 1);
}

void
desk_page (desk_req_t *r, unsigned status, const char *title, ml_html_t **body)
{
    ml_html_t *h = ml_html_new ();
    if (!h) {
        ml_html_destroy (body);
        ml_http_respond (r->http, 500, "text/plain; charset=utf-8", "out of memory\n", 14);
        return;
    }
    const char *unit = r->desk->cfg.unit && *r->desk->cfg.unit ? r->desk->cfg.unit : r->desk->cfg.id;
    ml_html_f (h, "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
               "<title>%t · %t</title><link rel=\"stylesheet\" href=\"/static/style.css\"></head>\n"
               "<body><header><a class=\"brand\" href=\"/\">%t · %t</a>", title, _("Ledger desk"),
               _("Ledger desk"), unit);
    if (r->signed_in)
        ml_html_f (h, "<a href=\"/upload\">%t</a><a href=\"/form\">%t</a>"
                   "<a href=\"/outbox\">%t</a><a href=\"/reports\">%t</a>"
                   "<span class=\"who\">%t<b id=\"account\">%t</b></span>"
                   "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"%a\">"
                   "<button type=\"submit\" id=\"logout\">%t</button></form>",
                   _("Upload a ledger"), _("Fill in a row"), _("Recorded"), _("The unit's reports"),
                   _("Signed in: "), r->session.account.name, r->session.csrf, _("Sign out"));
    ml_html_f (h, "</header>\n<main>%r</main></body></html>\n", *body ? ml_html_str (*body) : "");
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
desk_error (desk_req_t *r, unsigned status, const char *text)
{
    if (status == 403)
        ml_accounts_audit (r->desk->accounts, r->now, r->signed_in ? r->session.account.name : NULL,
                           ml_http_peer (r->http), "denied", ml_http_path (r->http));
    ml_html_t *body = ml_html_new ();
    if (body)
        ml_html_f (body, "<h1>%d</h1><p class=\"error\" id=\"error\">%t</p><p><a href=\"/\">%t</a></p>",
                   (int) status, text, _("Back to the start page"));
    desk_page (r, status, text, &body);
}

void
desk_result (desk_req_t *r, bool ok, const char *title, const char *message, const char *output)
{
    ml_html_t *body = ml_html_new ();
    if (!body) {
        desk_page (r, 500, title, &body);
        return;
    }
    ml_html_f (body, "<h1>%t</h1>", title);
    if (ok)
        ml_html_f (body, "<p class=\"ok\" id=\"result\">%t</p>", message);
    else {
        ml_html_f (body, "<p class=\"error\" id=\"result\">%t</p><ul id=\"errors\">", message);
        const char *p = output ? output : "";
        while (*p) {
            size_t n = strcspn (p, "\n");
            char line[2048];
            snprintf (line, sizeof line, "%.*s", (int) n, p);
            //  the agent's lines begin "massline-agent: "; the clerk needs what follows
            const char *text = strncmp (line, "massline-agent: ", 16) == 0 ? line + 16 : line;
            if (*text)
                ml_html_f (body, "<li class=\"error\">%t</li>", text);
            p += n + (p[n] == '\n');
        }
        ml_html_f (body, "</ul>");
    }
    ml_html_f (body, "<p><a href=\"/\">%t</a> · <a href=\"/outbox\">%t</a></p>",
               _("Back to the start page"), _("See what is recorded"));
    desk_page (r, ok ? 200 : 422, title, &body);
}

// ---------------------------------------------------------------------------
// Running massline-agent.

//  massline-agent beside this program (the build tree, or bindir's sibling libexecdir), else
//  the installed one.
static void
s_agent_path (char *path, size_t len)
{
    char self[4096];
    ssize_t n = readlink ("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = 0;
        char *slash = strrchr (self, '/');
        if (slash) {
            snprintf (path, len, "%.*s/massline-agent", (int) (slash - self), self);
            if (access (path, X_OK) == 0)
                return;
        }
    }
    snprintf (path, len, "%s", ML_BINDIR "/massline-agent");
}

int
desk_agent (desk_req_t *r, char *const *argv, char **out)
{
    *out = NULL;
    char path[4200];
    s_agent_path (path, sizeof path);
    size_t argc = 0;
    while (argv[argc])
        argc++;
    char **full = calloc (argc + 4, sizeof *full);
    int fds[2];
    if (!full || pipe2 (fds, O_CLOEXEC)) {
        free (full);
        return -1;
    }
    full[0] = path;
    full[1] = "-c";
    full[2] = (char *) r->desk->config;
    memcpy (full + 3, argv, argc * sizeof *argv);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init (&fa);
    posix_spawn_file_actions_adddup2 (&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2 (&fa, fds[1], 2);
    posix_spawn_file_actions_addopen (&fa, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    int rc = posix_spawn (&pid, path, &fa, NULL, full, environ);
    posix_spawn_file_actions_destroy (&fa);
    free (full);
    close (fds[1]);
    if (rc) {
        close (fds[0]);
        ml_error ("cannot start %s: %s", path, strerror (rc));
        return -1;
    }
    size_t len = 0;
    FILE *mem = open_memstream (out, &len);
    char buf[4096];
    ssize_t got;
    while ((got = read (fds[0], buf, sizeof buf)) > 0 || (got < 0 && errno == EINTR))
        if (got > 0 && mem)
            fwrite (buf, 1, (size_t) got, mem);
    close (fds[0]);
    if (mem)
        fclose (mem);
    int status;
    while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
        ;
    ml_info ("desk: %s ran %s %s: exit %d", r->signed_in ? r->session.account.name : "-",
             "massline-agent", argv[0], WIFEXITED (status) ? WEXITSTATUS (status) : -1);
    return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

// ---------------------------------------------------------------------------
// Sign in, sign out.

static void
s_login_form (desk_req_t *r, unsigned status, const char *user, const char *message)
{
    char token[ML_TOKEN_HEX + 1];
    ml_web_login_token (r->http, S_PRE_COOKIE, token);
    ml_html_t *body = ml_html_new ();
    if (body) {
        ml_html_f (body, "<section class=\"login\"><h1>%t</h1>", _("Sign in"));
        if (message)
            ml_html_f (body, "<p class=\"error\" id=\"error\">%t</p>", message);
        ml_html_f (body, "<form method=\"post\" action=\"/login\">"
                   "<input type=\"hidden\" name=\"csrf\" value=\"%a\">"
                   "<label>%t <input name=\"user\" id=\"user\" value=\"%a\" autocomplete=\"username\" required></label>"
                   "<label>%t <input name=\"password\" id=\"password\" type=\"password\" "
                   "autocomplete=\"current-password\" required></label>"
                   "<button type=\"submit\" id=\"submit\">%t</button></form></section>",
                   token, _("Account"), user ? user : "", _("Password"), _("Sign in"));
    }
    desk_page (r, status, _("Sign in"), &body);
}

static void
s_login_post (desk_req_t *r)
{
    bool csrf_ok;
    ml_login_t rc = ml_web_login (r->desk->accounts, r->http, S_COOKIE, S_PRE_COOKIE,
                                  r->desk->cfg.web_session_max_s, r->now, &r->session, &csrf_ok);
    if (!csrf_ok) {
        desk_error (r, 403, _("The page has expired; reload it and try again (the security check failed)"));
        return;
    }
    if (rc == ML_LOGIN_OK) {
        ml_http_redirect (r->http, "/");
        return;
    }
    s_login_form (r, rc == ML_LOGIN_THROTTLED ? 429 : 401, ml_http_form (r->http, "user"),
                  rc == ML_LOGIN_THROTTLED ? _("Too many failed attempts; try again later")
                                           : _("Wrong account or password"));
}

// ---------------------------------------------------------------------------
// The router.

void
desk_handle (void *app, ml_http_req_t *http)
{
    desk_req_t r;
    memset (&r, 0, sizeof r);
    r.desk = app;
    r.http = http;
    r.now = (int64_t) time (NULL);
    const char *path = ml_http_path (http);
    bool get, post;
    if (ml_web_answered (http, &get, &post))
        return;
    if (get && strcmp (path, "/static/style.css") == 0) {
        desk_style (&r);
        return;
    }
    if (strcmp (path, "/login") == 0) {
        if (post)
            s_login_post (&r);
        else
            s_login_form (&r, 200, NULL, NULL);
        return;
    }
    r.signed_in = ml_web_session (r.desk->accounts, http, S_COOKIE, post, r.now, &r.session);
    if (!r.signed_in) {
        if (post)
            desk_error (&r, 403, _("Please sign in (the session has ended)"));
        return;
    }
    //  every POST carries the session's CSRF token (an upload in its multipart body)
    char csrf[ML_TOKEN_HEX + 2];
    if (post && !ml_web_csrf_ok (r.desk->accounts, http, &r.session,
                                 ml_http_field (http, "csrf", csrf, sizeof csrf), r.now)) {
        desk_error (&r, 403, _("The page has expired; reload it and try again (the security check failed)"));
        return;
    }
    if (post && strcmp (path, "/logout") == 0)
        ml_web_logout (r.desk->accounts, http, S_COOKIE, &r.session, r.now);
    else if (get && strcmp (path, "/") == 0) desk_home (&r);
    else if (get && strcmp (path, "/outbox") == 0) desk_outbox_page (&r);
    else if (get && strcmp (path, "/upload") == 0) desk_upload_form (&r);
    else if (post && strcmp (path, "/upload") == 0) desk_upload_post (&r);
    else if (get && strcmp (path, "/form") == 0) desk_form_page (&r);
    else if (post && strcmp (path, "/form") == 0) desk_form_post (&r);
    else if (post && strcmp (path, "/correct") == 0) desk_correct_post (&r);
    else if (post && strcmp (path, "/void") == 0) desk_void_post (&r);
    else if (post && strcmp (path, "/close") == 0) desk_close_post (&r);
    else if (post && strcmp (path, "/submit") == 0) desk_submit_post (&r);
    else if (get && strcmp (path, "/reports") == 0) desk_reports_page (&r);
    else if (get && strcmp (path, "/reports/cadre") == 0) desk_cadre_page (&r);
    else if (get && strcmp (path, "/reports/download") == 0) desk_reports_download (&r);
    else
        desk_error (&r, 404, _("No such page"));
}
