/* ml_desk.h -- massline-agent-web, the unit desk (`massline-agent web`): a hospital clerk's page
   beside the agent, in Chinese. What its files share: the running program, one request as the
   pages see it, and the calls every page makes. Built on the web programs' shared modules of
   lib/ (ml_http, ml_accounts, ml_html), writing to the outbox through the same import path as
   `massline-agent import` (ml_import_file), and running massline-agent itself for correct,
   void, close and submit, so that the desk has no path of its own into the outbox. */
#ifndef ML_DESK_H
#define ML_DESK_H

#include <stdbool.h>
#include <stdint.h>

#include "ml_accounts.h"
#include "ml_agent.h"
#include "ml_html.h"
#include "ml_http.h"
#include "ml_outbox.h"

//  The roles a desk account may have: one, the clerk.
extern const char *const desk_roles[];

//  The running program. The HTTP server runs one thread: the outbox handle is used by one
//  request at a time.
typedef struct {
    ml_agent_config_t cfg;
    const char *config;                 //  agent.ini as given (for massline-agent)
    ml_accounts_t *accounts;
    ml_outbox_t *outbox;                //  serving only
} desk_t;

//  One request.
typedef struct {
    desk_t *desk;
    ml_http_req_t *http;
    int64_t now;
    bool signed_in;
    ml_session_t session;
} desk_req_t;

//  Opens the accounts of CFG (loaded already) into DESK. 0, or 1 after saying why.
int desk_open (desk_t *desk, const char *config);
void desk_close (desk_t *desk);

//  The HTTP handler (ml_desk_app.c): routes, checks the session and CSRF, answers.
void desk_handle (void *app, ml_http_req_t *http);

//  A page: the layout around BODY (taken) with TITLE, sent with STATUS.
void desk_page (desk_req_t *r, unsigned status, const char *title, ml_html_t **body);

//  An error page with STATUS and TEXT (403s audited).
void desk_error (desk_req_t *r, unsigned status, const char *text);

//  Runs massline-agent -c CONFIG with ARGV (NULL-terminated; the words after the config), its
//  standard output and error into *OUT (malloc'd). Returns its exit status (or -1).
int desk_agent (desk_req_t *r, char *const *argv, char **out);

//  The result of a command or import as a page: OK's message, or the lines of OUTPUT as errors.
void desk_result (desk_req_t *r, bool ok, const char *title, const char *message, const char *output);

//  The pages (ml_desk_pages.c, ml_desk_ledger.c).
void desk_home (desk_req_t *r);
void desk_outbox_page (desk_req_t *r);
void desk_correct_post (desk_req_t *r);
void desk_void_post (desk_req_t *r);
void desk_close_post (desk_req_t *r);
void desk_submit_post (desk_req_t *r);
void desk_upload_form (desk_req_t *r);
void desk_upload_post (desk_req_t *r);
void desk_form_page (desk_req_t *r);
void desk_form_post (desk_req_t *r);
void desk_style (desk_req_t *r);
//  The unit's own reports, asked of the collector with the agent's key (ml_desk_report.c): the
//  unit-annual, a person's cadre annex (?person=), and either as the CLI's file.
void desk_reports_page (desk_req_t *r);
void desk_cadre_page (desk_req_t *r);
void desk_reports_download (desk_req_t *r);

#endif
