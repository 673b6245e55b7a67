/* ml_http.h -- the HTTP server of the web programs (massline-web, the unit desk) over
   libmicrohttpd: limits, security headers, cookies and form bodies in one place.

   Every response carries a Content-Security-Policy without inline script (unless the handler
   sets its own, also script-free), X-Content-Type-Options, Referrer-Policy, X-Frame-Options and
   Cache-Control: no-store. Cookies are always HttpOnly; SameSite=Strict; Path=/, and Secure
   under TLS. A request body over the limit is refused with 413 before it is read; an idle
   connection is dropped after the timeout; up to max_connections are served at once. */
#ifndef ML_HTTP_H
#define ML_HTTP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ml_http ml_http_t;
typedef struct ml_http_req ml_http_req_t;

typedef struct {
    const char *listen;                 //  "HOST:PORT" ("127.0.0.1:7780", "[::1]:7780", "0.0.0.0:80")
    const char *tls_cert;               //  PEM certificate file, or NULL/"" for plain HTTP
    const char *tls_key;                //  PEM key file (with tls_cert)
    size_t max_body;                    //  largest request body accepted, bytes
    unsigned max_connections;           //  connections served at once
    unsigned timeout_s;                 //  an idle connection is closed after this
    unsigned threads;                   //  worker threads
} ml_http_config_t;

//  Handles one request: must answer it with ml_http_respond (else the client gets a 500).
//  Runs on one of the server's threads; several run at once.
typedef void ml_http_handler_fn (void *app, ml_http_req_t *req);

//  Starts serving CONFIG with HANDLER(APP, request). Returns NULL and one line in ERR when the
//  address, the TLS files or the server cannot be set up.
ml_http_t *ml_http_start (const ml_http_config_t *config, ml_http_handler_fn *handler, void *app,
                          char *err, size_t errlen);

//  Stops the server (waits for running handlers) and sets *SELF_P to NULL. Safe on NULL.
void ml_http_stop (ml_http_t **self_p);

//  The port actually listened on (useful with port 0).
unsigned ml_http_port (const ml_http_t *self);

//  The request: method ("GET", "POST"), path (percent-decoded), the client's address text.
const char *ml_http_method (const ml_http_req_t *req);
const char *ml_http_path (const ml_http_req_t *req);
const char *ml_http_peer (const ml_http_req_t *req);
bool ml_http_is_tls (const ml_http_req_t *req);

//  The value of query argument, form field (application/x-www-form-urlencoded body), cookie or
//  header NAME, or NULL. Borrowed until the response is sent.
const char *ml_http_query (ml_http_req_t *req, const char *name);
const char *ml_http_form (ml_http_req_t *req, const char *name);
const char *ml_http_cookie (ml_http_req_t *req, const char *name);
const char *ml_http_header (ml_http_req_t *req, const char *name);

//  The query arguments as "key=value" strings (the caller frees the array and the strings) into
//  *ARGS; returns their count (or -1 when out of memory). Skips the arguments named in SKIP (NULL-
//  terminated, may be NULL).
int ml_http_query_args (ml_http_req_t *req, const char *const *skip, char ***args);

//  Adds a response header (copied). Content-Security-Policy given here replaces the default.
void ml_http_add_header (ml_http_req_t *req, const char *name, const char *value);

//  Sets cookie NAME=VALUE (VALUE of [A-Za-z0-9_-]) for MAX_AGE seconds (0: delete it), with
//  HttpOnly; SameSite=Strict; Path=/ and Secure under TLS.
void ml_http_set_cookie (ml_http_req_t *req, const char *name, const char *value, long max_age);

//  Answers with STATUS, CONTENT_TYPE and BODY of LEN bytes (copied). Once per request.
void ml_http_respond (ml_http_req_t *req, unsigned status, const char *content_type,
                      const char *body, size_t len);

//  Answers with a 303 redirect to LOCATION (a path of this site).
void ml_http_redirect (ml_http_req_t *req, const char *location);

// ---------------------------------------------------------------------------
// Uploads: multipart/form-data bodies (ml_http_part.c). A multipart body may hold any bytes
// (NUL included); the other bodies still may not.

//  The request body as received (NUL-terminated after LEN bytes), or NULL when none.
const char *ml_http_body (ml_http_req_t *req, size_t *len);

//  One part of a multipart/form-data body.
typedef struct {
    char name[64];                      //  its form field name
    char filename[256];                 //  the file name the browser sent ("" for a plain field),
                                        //  without any folder part
    const char *data;                   //  its bytes (borrowed from the body; not NUL-terminated)
    size_t len;
} ml_http_part_t;

//  True when the request is multipart/form-data.
bool ml_http_is_multipart (ml_http_req_t *req);

//  The first part named NAME of a multipart/form-data body into *PART. False when the request
//  is not multipart, the body is malformed, or no part has that name.
bool ml_http_part (ml_http_req_t *req, const char *name, ml_http_part_t *part);

//  The form field NAME as text, from either kind of form body: a url-encoded field, or a
//  multipart part without a file name copied into BUF (LEN bytes; NULL when longer or holding
//  a NUL). NULL when absent.
const char *ml_http_field (ml_http_req_t *req, const char *name, char *buf, size_t len);

#endif
