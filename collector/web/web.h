/* web.h -- massline-web, the bureau's console: what its files share. The configuration (web.ini),
   the running program, one request as the pages see it, and the calls every page makes. */
#ifndef WEB_H
#define WEB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include <pthread.h>

#include "ml_accounts.h"
#include "ml_ask.h"
#include "ml_config.h"
#include "ml_html.h"
#include "ml_http.h"
#include "ml_keys.h"
#include "web_text.h"

//  web.ini, [web] (docs/web.md).
typedef struct {
    char *listen;                       //  HOST:PORT
    char *data_dir;                     //  the accounts' LMDB environment
    char *query;                        //  the collector's query endpoint
    char *collector_key;                //  its public key (Z85 text)
    char *public_key;                   //  the gateway key (Z85 text)
    char *secret_key;                   //  its secret key file
    char *tls_cert;                     //  PEM files for HTTPS, or ""
    char *tls_key;
    long timeout_ms;                    //  wait for the collector
    long session_idle_s;
    long session_max_s;
    long login_max_failures;
    long login_max_failures_addr;
    long login_window_s;
    long max_body_bytes;
    long max_connections;
    long connection_timeout_s;
    long threads;
    long fast_hash;                     //  tests only: cheapest argon2id
    long page_max_age_s;                //  a kept page of an earlier generation: sent while this young
} web_config_t;

extern const ml_opt_t web_opts[];

//  The roles a massline-web account may have.
extern const char *const web_roles[];

typedef struct web_cache web_cache_t;

//  Connections to the collector kept idle between requests (more are made when all are in use).
#define WEB_CONNS 32

//  The running program.
typedef struct {
    web_config_t cfg;
    ml_accounts_t *accounts;
    char secret[ML_KEY_LEN + 1];        //  the gateway's secret key
    void *zmq;                          //  one ZeroMQ context for every query
    pthread_mutex_t conns_lock;         //  the idle connections to the collector (serve only)
    ml_ask_conn_t *conns[WEB_CONNS];
    size_t n_conns;
    web_cache_t *cache;                 //  pages kept per store generation (serve only)
} web_t;

//  One request, as a page handler sees it.
typedef struct {
    web_t *web;
    ml_http_req_t *http;
    int64_t now;
    bool signed_in;
    ml_session_t session;               //  when signed in
    bool errored;                       //  an error page was answered
} web_req_t;

//  Loads CONFIG (web.ini) into *WEB, opens the accounts. 0, or prints why and returns 2 / 1.
int web_open (web_t *web, const char *config, bool with_key);
void web_close (web_t *web);

//  The HTTP handler: routes, checks the session and CSRF, answers.
void web_handle (void *app, ml_http_req_t *http);

//  Readies and ends serving: the connections to the collector kept between requests (reused, one
//  request at a time each; made again after a failure) and the page cache. 0, or -1.
int web_serve_open (web_t *web);
void web_serve_close (web_t *web);

//  Asks the collector COMMAND with ARGS on behalf of R's account, over a kept connection. Returns
//  the JSON answer, or NULL with CODE and MSG (ml_ask_call); answers nothing to the request.
json_t *web_call (web_req_t *r, const char *command, int nargs, char **args, char *code,
                  size_t codelen, char *msg, size_t msglen);

//  Asks the collector COMMAND with ARGS on behalf of R's account. Returns the JSON answer, or NULL
//  after answering the request with an error page (403 denied, 404, 400 invalid, 502); when
//  QUIET_UNKNOWN, a command the collector does not know returns NULL without answering.
json_t *web_ask (web_req_t *r, const char *command, int nargs, char **args, bool quiet_unknown);

//  A page: the layout around BODY (taken), with TITLE; sent with STATUS.
void web_page (web_req_t *r, unsigned status, const char *title, ml_html_t **body);

//  An error page with STATUS and TEXT; 403s are audited with the account.
void web_error (web_req_t *r, unsigned status, web_text_t text);

//  The same with DETAIL (the collector's one-line reason, escaped) under it; NULL: none.
void web_error_detail (web_req_t *r, unsigned status, web_text_t text, const char *detail);

//  May R's account see unit UNIT? (every account but a unit account; that one its own unit)
bool web_may_see_unit (const web_req_t *r, const char *unit);

//  The year asked (?year=), else the current one; 0 when given but not a year.
int web_year (web_req_t *r);

//  R's account has role ROLE ("reviewer", "auditor", ...).
bool web_role_is (const web_req_t *r, const char *role);

//  The string KEY of OBJ ("" when absent); the number KEY of OBJ (0 when absent).
const char *web_str (const json_t *obj, const char *key);
long long web_int (const json_t *obj, const char *key);

//  Appends the hidden CSRF field of R's session to a form being built.
void web_csrf_field (web_req_t *r, ml_html_t *h);

//  Pages kept per store generation (web_cache.c): the body of a page that is the same for every
//  visitor with the same role and unit. A page asks web_cache_send first (after checking that R
//  may see it): true when R was answered: the kept body in R's layout (made by another request
//  meanwhile, waited for), or the error page when the collector did not answer the generation.
//  Else it makes the page and, on EVERY way out after that, calls web_cache_done with the same
//  KEPT and its body (NULL when it has none): kept when no error was answered, and those waiting
//  for it are woken (a page that claimed its making and never says so holds them the timeout).
typedef struct {
    bool ok;                            //  the generation is known: the page may be kept
    uint64_t gen;
    char key[512];
    void *claim;                        //  this request makes the page (web_cache.c's slot)
    int64_t read_at;                    //  when the page's data was the store's (unix s)
} web_kept_t;
web_cache_t *web_cache_new (void);
void web_cache_destroy (web_cache_t **self_p);
bool web_cache_send (web_req_t *r, const char *page, int year, const char *title, web_kept_t *kept);
void web_cache_done (web_req_t *r, web_kept_t *kept, const ml_html_t *body);
//  *BODY (a kept page's) with, before it, the time its data was the store's (KEPT's read_at, local
//  time: when the generation was asked), so that a visitor sent the previous generation's page
//  (page_max_age_s) knows how current it is. Not kept: made for each request.
void web_cache_stamped (ml_html_t **body, const web_kept_t *kept);

//  The pages (web_pages.c) and the files (web_files.c).
void web_dashboard (web_req_t *r);
void web_unit_page (web_req_t *r, const char *unit);
void web_person_page (web_req_t *r, const char *unit, const char *person);
void web_report_file (web_req_t *r, const char *name);
void web_style (web_req_t *r);

//  The reporting completeness grid (web_pages.c), for the dashboard and /completeness.
void web_completeness_grid (ml_html_t *h, const json_t *report);
void web_watchlist_table (ml_html_t *h, const json_t *report, int year, size_t max_rows);
void web_downloads (ml_html_t *h, const char *kind, const char *unit, const char *person, int year);
void web_year_form (ml_html_t *h, const char *action, int year);

//  The events behind a number (web_events.c): /units/U[/persons/P]/events?year=&rule=&kind=.
void web_events_page (web_req_t *r, const char *unit, const char *person);

//  Year-end review (web_review.c): the dashboard's "awaiting review" slot, /review/U/Y (GET: the
//  frozen document and, for reviewers, the forms; POST: the decision), /completeness?year=Y.
//  web_decisions_section: false when it answered R with an error page (then the page stops).
bool web_decisions_section (web_req_t *r, ml_html_t *h, int year);
void web_review_page (web_req_t *r, const char *unit, const char *year);
void web_review_post (web_req_t *r, const char *unit, const char *year);
void web_completeness_page (web_req_t *r);

//  Ranked bulletin and the watch list as pages (web_review.c): /bulletin?period=P, /watchlist?year=Y.
void web_bulletin_page (web_req_t *r);
void web_watchlist_page (web_req_t *r);

//  Samples (web_samples.c): /samples (list; POST: draw), /samples/ID (checklist, findings,
//  appraisal; ?verify=1), POST /samples/ID/findings.
void web_samples_page (web_req_t *r);
void web_samples_draw (web_req_t *r);
void web_sample_page (web_req_t *r, const char *id);
void web_sample_finding (web_req_t *r, const char *id);

//  Hands web.ini's [document] settings to the PDF renderer, once before serving. 0, or 2 after
//  saying why.
int web_document_settings (const char *config);

#endif
