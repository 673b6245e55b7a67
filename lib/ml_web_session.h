/* ml_web_session.h -- the web programs' (massline-web, the unit desk) sign-in, session and CSRF
   plumbing between a request (ml_http) and the accounts (ml_accounts): the sign-in form's
   double-submit token, signing in and out with a session cookie, the session every request
   must have and the CSRF token every POST must carry. Each refusal is audited here; the page
   that says so is the program's. Each program names its own cookies. */
#ifndef ML_WEB_SESSION_H
#define ML_WEB_SESSION_H

#include "ml_accounts.h"
#include "ml_http.h"

#include <stdbool.h>
#include <stdint.h>

//  The request's method as *GET (GET or HEAD) and *POST. Answers what every web program answers
//  alike: another method (405 "method not allowed") and GET /favicon.ico (404, empty). True when
//  the request is answered so.
bool ml_web_answered (ml_http_req_t *http, bool *get, bool *post);

//  The sign-in form's CSRF token into TOKEN (ML_TOKEN_HEX + 1 bytes): the one in cookie
//  PRE_COOKIE while the browser keeps it (a second tab, or the browser's own fetch of
//  /favicon.ico, must not invalidate the form already shown), else a fresh one; (re)sets the
//  cookie for an hour.
void ml_web_login_token (ml_http_req_t *http, const char *pre_cookie, char *token);

//  A sign-in form POSTed at NOW. False in *CSRF_OK when its "csrf" field is not PRE_COOKIE's
//  token: refused (audited "csrf-refused") before any login. Else the result of the login with
//  the form's user and password: on ML_LOGIN_OK the session is in *SESSION, its token is cookie
//  COOKIE for MAX_S seconds and PRE_COOKIE is cleared; the caller redirects.
ml_login_t ml_web_login (ml_accounts_t *accounts, ml_http_req_t *http, const char *cookie,
                         const char *pre_cookie, long max_s, int64_t now, ml_session_t *session,
                         bool *csrf_ok);

//  The live session of cookie COOKIE at NOW into *SESSION: true when signed in. When not, a
//  stale cookie is cleared, and a GET is redirected to /login; a POST is audited ("denied")
//  and the caller answers it (403).
bool ml_web_session (ml_accounts_t *accounts, ml_http_req_t *http, const char *cookie, bool post,
                     int64_t now, ml_session_t *session);

//  True when GIVEN (the POST's "csrf" field) is SESSION's CSRF token; else audits the refusal
//  ("csrf-refused" of the request's path) and the caller answers it (403).
bool ml_web_csrf_ok (ml_accounts_t *accounts, ml_http_req_t *http, const ml_session_t *session,
                     const char *given, int64_t now);

//  Signs SESSION out (its cookie COOKIE ends), audits "logout" and redirects to /login.
void ml_web_logout (ml_accounts_t *accounts, ml_http_req_t *http, const char *cookie,
                    const ml_session_t *session, int64_t now);

#endif
