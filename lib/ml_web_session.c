/* ml_web_session.c -- sign-in, session and CSRF checks over HTTP (ml_web_session.h), the same for
   massline-web and the unit desk. */
#include "ml_web_session.h"

#include <stdio.h>
#include <string.h>

bool
ml_web_answered (ml_http_req_t *http, bool *get, bool *post)
{
    const char *method = ml_http_method (http);
    *get = strcmp (method, "GET") == 0 || strcmp (method, "HEAD") == 0;
    *post = strcmp (method, "POST") == 0;
    if (!*get && !*post) {
        ml_http_respond (http, 405, "text/plain; charset=utf-8", "method not allowed\n", 19);
        return true;
    }
    if (*get && strcmp (ml_http_path (http), "/favicon.ico") == 0) {
        ml_http_respond (http, 404, "text/plain; charset=utf-8", "", 0);
        return true;
    }
    return false;
}

void
ml_web_login_token (ml_http_req_t *http, const char *pre_cookie, char *token)
{
    const char *pre = ml_http_cookie (http, pre_cookie);
    if (pre && strlen (pre) == ML_TOKEN_HEX && strspn (pre, "0123456789abcdef") == ML_TOKEN_HEX)
        snprintf (token, ML_TOKEN_HEX + 1, "%s", pre);
    else
        ml_accounts_token (token);
    ml_http_set_cookie (http, pre_cookie, token, 3600);
}

ml_login_t
ml_web_login (ml_accounts_t *accounts, ml_http_req_t *http, const char *cookie,
              const char *pre_cookie, long max_s, int64_t now, ml_session_t *session,
              bool *csrf_ok)
{
    const char *pre = ml_http_cookie (http, pre_cookie);
    ml_session_t pre_session = { 0 };
    snprintf (pre_session.csrf, sizeof pre_session.csrf, "%s", pre ? pre : "");
    *csrf_ok = ml_accounts_csrf_ok (&pre_session, ml_http_form (http, "csrf"));
    if (!*csrf_ok) {
        ml_accounts_audit (accounts, now, NULL, ml_http_peer (http), "csrf-refused", "/login");
        return ML_LOGIN_BAD;
    }
    char token[ML_TOKEN_HEX + 1];
    ml_login_t rc = ml_accounts_login (accounts, ml_http_form (http, "user"),
                                       ml_http_form (http, "password"), ml_http_peer (http), now,
                                       token, session);
    if (rc == ML_LOGIN_OK) {
        ml_http_set_cookie (http, pre_cookie, "", 0);
        ml_http_set_cookie (http, cookie, token, max_s);
    }
    return rc;
}

bool
ml_web_session (ml_accounts_t *accounts, ml_http_req_t *http, const char *cookie, bool post,
                int64_t now, ml_session_t *session)
{
    if (ml_accounts_session (accounts, ml_http_cookie (http, cookie), now, session) == 0)
        return true;
    if (ml_http_cookie (http, cookie))
        ml_http_set_cookie (http, cookie, "", 0);
    if (post)
        ml_accounts_audit (accounts, now, NULL, ml_http_peer (http), "denied",
                           "POST without a session");
    else
        ml_http_redirect (http, "/login");
    return false;
}

bool
ml_web_csrf_ok (ml_accounts_t *accounts, ml_http_req_t *http, const ml_session_t *session,
                const char *given, int64_t now)
{
    if (ml_accounts_csrf_ok (session, given))
        return true;
    ml_accounts_audit (accounts, now, session->account.name, ml_http_peer (http), "csrf-refused",
                       ml_http_path (http));
    return false;
}

void
ml_web_logout (ml_accounts_t *accounts, ml_http_req_t *http, const char *cookie,
               const ml_session_t *session, int64_t now)
{
    ml_accounts_logout (accounts, ml_http_cookie (http, cookie));
    ml_accounts_audit (accounts, now, session->account.name, ml_http_peer (http), "logout", NULL);
    ml_http_set_cookie (http, cookie, "", 0);
    ml_http_redirect (http, "/login");
}
