/* ml_http.c -- the web programs' HTTP server over libmicrohttpd: one place for limits, headers,
   cookies and form bodies, so no page handler has to remember them. */
#include "ml_http.h"
#include "ml_log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define S_MAX_HEADERS 16

//  The default policy: nothing but this site's own style sheet and images; no script at all.
#define S_CSP "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; " \
              "frame-ancestors 'none'; base-uri 'none'"

struct ml_http {
    struct MHD_Daemon *daemon;
    ml_http_handler_fn *handler;
    void *app;
    size_t max_body;
    bool tls;
    char *cert;                         //  PEM text (MHD keeps pointers to it)
    char *key;
};

struct ml_http_req {
    ml_http_t *server;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    char peer[64];                      //  the client's address
    char *body;                         //  the request body so far (NUL-terminated)
    size_t body_len;
    bool too_big;                       //  the body passed the limit: answer 413
    char **form;                        //  decoded form fields: name, value, name, value, ...
    size_t n_form;
    bool form_parsed;
    char *headers[S_MAX_HEADERS][2];    //  response headers to add
    size_t n_headers;
    bool responded;
};

// ---------------------------------------------------------------------------
// Forms: application/x-www-form-urlencoded.

static int
s_hex (char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

//  Decodes N bytes of S ('+' as space, %XX) into a new string.
static char *
s_decode (const char *s, size_t n)
{
    char *out = malloc (n + 1), *o = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+')
            *o++ = ' ';
        else
        if (s[i] == '%' && i + 2 < n && s_hex (s[i + 1]) >= 0 && s_hex (s[i + 2]) >= 0) {
            *o++ = (char) (s_hex (s[i + 1]) * 16 + s_hex (s[i + 2]));
            i += 2;
        }
        else
            *o++ = s[i];
    }
    *o = 0;
    return out;
}

static void
s_parse_form (ml_http_req_t *req)
{
    req->form_parsed = true;
    const char *type = MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, "Content-Type");
    if (!req->body || !type || strncasecmp (type, "application/x-www-form-urlencoded", 33) != 0)
        return;
    size_t fields = 1;
    for (const char *c = req->body; *c; c++)
        fields += *c == '&';
    req->form = calloc (fields * 2, sizeof *req->form);
    if (!req->form)
        return;
    const char *p = req->body;
    while (*p) {
        size_t n = strcspn (p, "&");
        const char *eq = memchr (p, '=', n);
        size_t klen = eq ? (size_t) (eq - p) : n;
        char *k = s_decode (p, klen);
        char *v = eq ? s_decode (eq + 1, n - klen - 1) : strdup ("");
        if (k && v && req->n_form < fields) {
            req->form[2 * req->n_form] = k;
            req->form[2 * req->n_form + 1] = v;
            req->n_form++;
        }
        else {
            free (k);
            free (v);
        }
        p += n;
        if (*p == '&')
            p++;
    }
}

// ---------------------------------------------------------------------------
// The request.

const char *
ml_http_method (const ml_http_req_t *req)
{
    return req->method;
}

const char *
ml_http_path (const ml_http_req_t *req)
{
    return req->path;
}

const char *
ml_http_peer (const ml_http_req_t *req)
{
    return req->peer;
}

bool
ml_http_is_tls (const ml_http_req_t *req)
{
    return req->server->tls;
}

const char *
ml_http_query (ml_http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value (req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
ml_http_form (ml_http_req_t *req, const char *name)
{
    if (!req->form_parsed)
        s_parse_form (req);
    for (size_t i = 0; i < req->n_form; i++)
        if (strcmp (req->form[2 * i], name) == 0)
            return req->form[2 * i + 1];
    return NULL;
}

const char *
ml_http_body (ml_http_req_t *req, size_t *len)
{
    *len = req->body_len;
    return req->body;
}

const char *
ml_http_cookie (ml_http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value (req->conn, MHD_COOKIE_KIND, name);
}

const char *
ml_http_header (ml_http_req_t *req, const char *name)
{
    return MHD_lookup_connection_value (req->conn, MHD_HEADER_KIND, name);
}

typedef struct {
    const char *const *skip;
    char **args;
    int n;
    bool failed;
} s_args_t;

static enum MHD_Result
s_arg (void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void) kind;
    s_args_t *a = cls;
    for (const char *const *s = a->skip; s && *s; s++)
        if (strcmp (*s, key) == 0)
            return MHD_YES;
    char **grown = realloc (a->args, (size_t) (a->n + 1) * sizeof *grown);
    char *kv = NULL;
    if (!grown || asprintf (&kv, "%s=%s", key, value ? value : "") < 0) {
        if (grown)
            a->args = grown;
        a->failed = true;
        return MHD_NO;
    }
    a->args = grown;
    a->args[a->n++] = kv;
    return MHD_YES;
}

int
ml_http_query_args (ml_http_req_t *req, const char *const *skip, char ***args)
{
    s_args_t a = { skip, NULL, 0, false };
    MHD_get_connection_values (req->conn, MHD_GET_ARGUMENT_KIND, s_arg, &a);
    if (a.failed) {
        for (int i = 0; i < a.n; i++)
            free (a.args[i]);
        free (a.args);
        *args = NULL;
        return -1;
    }
    *args = a.args;
    return a.n;
}

// ---------------------------------------------------------------------------
// The response.

void
ml_http_add_header (ml_http_req_t *req, const char *name, const char *value)
{
    if (req->n_headers == S_MAX_HEADERS)
        return;
    char *n = strdup (name), *v = strdup (value);
    if (!n || !v) {
        free (n);
        free (v);
        return;
    }
    req->headers[req->n_headers][0] = n;
    req->headers[req->n_headers][1] = v;
    req->n_headers++;
}

void
ml_http_set_cookie (ml_http_req_t *req, const char *name, const char *value, long max_age)
{
    char line[512];
    snprintf (line, sizeof line, "%s=%s; Path=/; Max-Age=%ld; HttpOnly; SameSite=Strict%s", name,
              max_age > 0 ? value : "", max_age > 0 ? max_age : 0L,
              req->server->tls ? "; Secure" : "");
    ml_http_add_header (req, MHD_HTTP_HEADER_SET_COOKIE, line);
}

static bool
s_has_header (const ml_http_req_t *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcasecmp (req->headers[i][0], name) == 0)
            return true;
    return false;
}

void
ml_http_respond (ml_http_req_t *req, unsigned status, const char *content_type, const char *body,
                 size_t len)
{
    if (req->responded)
        return;
    req->responded = true;
    struct MHD_Response *resp = MHD_create_response_from_buffer (len, (void *) body,
                                                                 MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return;
    MHD_add_response_header (resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    for (size_t i = 0; i < req->n_headers; i++)
        MHD_add_response_header (resp, req->headers[i][0], req->headers[i][1]);
    if (!s_has_header (req, "Content-Security-Policy"))
        MHD_add_response_header (resp, "Content-Security-Policy", S_CSP);
    MHD_add_response_header (resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header (resp, "X-Frame-Options", "DENY");
    MHD_add_response_header (resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header (resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (req->server->tls)
        MHD_add_response_header (resp, "Strict-Transport-Security", "max-age=31536000");
    MHD_queue_response (req->conn, status, resp);
    MHD_destroy_response (resp);
}

void
ml_http_redirect (ml_http_req_t *req, const char *location)
{
    ml_http_add_header (req, MHD_HTTP_HEADER_LOCATION, location);
    ml_http_respond (req, MHD_HTTP_SEE_OTHER, "text/plain; charset=utf-8", "", 0);
}

static void
s_plain (ml_http_req_t *req, unsigned status, const char *text)
{
    ml_http_respond (req, status, "text/plain; charset=utf-8", text, strlen (text));
}

// ---------------------------------------------------------------------------
// libmicrohttpd's callbacks.

static void
s_req_free (ml_http_req_t *req)
{
    if (!req)
        return;
    free (req->body);
    for (size_t i = 0; i < 2 * req->n_form; i++)
        free (req->form[i]);
    free (req->form);
    for (size_t i = 0; i < req->n_headers; i++) {
        free (req->headers[i][0]);
        free (req->headers[i][1]);
    }
    free (req);
}

static void
s_peer_text (struct MHD_Connection *conn, char *buf, size_t len)
{
    const union MHD_ConnectionInfo *info = MHD_get_connection_info (conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf (buf, len, "?");
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop (AF_INET, &((const struct sockaddr_in *) (const void *) sa)->sin_addr, buf, (socklen_t) len);
    else
    if (sa->sa_family == AF_INET6)
        inet_ntop (AF_INET6, &((const struct sockaddr_in6 *) (const void *) sa)->sin6_addr, buf, (socklen_t) len);
}

static enum MHD_Result
s_access (void *cls, struct MHD_Connection *conn, const char *url, const char *method,
          const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void) version;
    ml_http_t *self = cls;
    ml_http_req_t *req = *con_cls;
    if (!req) {
        //  The first call: headers only. Refuse an announced oversize body before reading it.
        req = calloc (1, sizeof *req);
        if (!req)
            return MHD_NO;
        req->server = self;
        req->conn = conn;
        req->method = method;
        req->path = url;
        s_peer_text (conn, req->peer, sizeof req->peer);
        *con_cls = req;
        const char *cl = MHD_lookup_connection_value (conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull (cl, NULL, 10) > self->max_body) {
            ml_warn ("%s %s from %s: a body of %s bytes refused (limit %zu)", method, url, req->peer,
                     cl, self->max_body);
            s_plain (req, MHD_HTTP_CONTENT_TOO_LARGE, "request too large\n");
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (req->responded || req->too_big)
            return MHD_YES;
        if (req->body_len + n > self->max_body) {
            req->too_big = true;
            return MHD_YES;
        }
        char *grown = realloc (req->body, req->body_len + n + 1);
        if (!grown)
            return MHD_NO;
        memcpy (grown + req->body_len, upload_data, n);
        req->body = grown;
        req->body_len += n;
        req->body[req->body_len] = 0;
        return MHD_YES;
    }
    if (req->responded)
        return MHD_YES;
    if (req->too_big) {
        ml_warn ("%s %s from %s: a body over %zu bytes refused", method, url, req->peer, self->max_body);
        s_plain (req, MHD_HTTP_CONTENT_TOO_LARGE, "request too large\n");
        return MHD_YES;
    }
    //  a multipart body (an upload, ml_http_part.c) may hold any bytes; the others no NUL
    const char *type = MHD_lookup_connection_value (conn, MHD_HEADER_KIND, "Content-Type");
    bool multipart = type && strncasecmp (type, "multipart/form-data", 19) == 0;
    if (req->body && strlen (req->body) != req->body_len && !multipart) {
        s_plain (req, MHD_HTTP_BAD_REQUEST, "a NUL byte in the body\n");
        return MHD_YES;
    }
    self->handler (self->app, req);
    if (!req->responded)
        s_plain (req, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error\n");
    return MHD_YES;
}

static void
s_completed (void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void) cls;
    (void) conn;
    (void) toe;
    s_req_free (*con_cls);
    *con_cls = NULL;
}

static void
s_mhd_log (void *cls, const char *fmt, va_list ap)
{
    (void) cls;
    char line[512];
    vsnprintf (line, sizeof line, fmt, ap);
    line[strcspn (line, "\n")] = 0;
    ml_debug ("http: %s", line);
}

// ---------------------------------------------------------------------------
// Start and stop.

static char *
s_slurp (const char *path, char *err, size_t errlen)
{
    FILE *f = fopen (path, "r");
    char *text = NULL;
    size_t len = 0;
    if (!f) {
        snprintf (err, errlen, "%s: %s", path, strerror (errno));
        return NULL;
    }
    FILE *mem = open_memstream (&text, &len);
    char buf[4096];
    size_t n;
    while (mem && (n = fread (buf, 1, sizeof buf, f)) > 0)
        fwrite (buf, 1, n, mem);
    if (mem)
        fclose (mem);
    fclose (f);
    if (!text)
        snprintf (err, errlen, "%s: out of memory", path);
    return text;
}

//  Parses "HOST:PORT" / "[V6]:PORT" into SS.
static int
s_address (const char *listen, struct sockaddr_storage *ss, bool *v6, char *err, size_t errlen)
{
    char host[128];
    const char *colon = strrchr (listen, ':');
    memset (ss, 0, sizeof *ss);
    char *end;
    long port = colon ? strtol (colon + 1, &end, 10) : -1;
    if (!colon || *end || port < 0 || port > 65535 || (size_t) (colon - listen) >= sizeof host) {
        snprintf (err, errlen, "listen: expected HOST:PORT (got %s)", listen);
        return -1;
    }
    snprintf (host, sizeof host, "%.*s", (int) (colon - listen), listen);
    *v6 = host[0] == '[';
    if (*v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *) ss;
        host[strlen (host) - 1] = 0;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons ((uint16_t) port);
        if (inet_pton (AF_INET6, host + 1, &a->sin6_addr) != 1)
            goto bad;
    }
    else {
        struct sockaddr_in *a = (struct sockaddr_in *) ss;
        a->sin_family = AF_INET;
        a->sin_port = htons ((uint16_t) port);
        if (inet_pton (AF_INET, *host ? host : "0.0.0.0", &a->sin_addr) != 1)
            goto bad;
    }
    return 0;
bad:
    snprintf (err, errlen, "listen: '%s' is not a numeric IPv4 or [IPv6] address", host);
    return -1;
}

ml_http_t *
ml_http_start (const ml_http_config_t *config, ml_http_handler_fn *handler, void *app, char *err,
               size_t errlen)
{
    struct sockaddr_storage ss;
    bool v6;
    if (s_address (config->listen, &ss, &v6, err, errlen))
        return NULL;
    ml_http_t *self = calloc (1, sizeof *self);
    if (!self) {
        snprintf (err, errlen, "out of memory");
        return NULL;
    }
    self->handler = handler;
    self->app = app;
    self->max_body = config->max_body;
    self->tls = config->tls_cert && *config->tls_cert;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
    if (self->tls) {
        if (MHD_is_feature_supported (MHD_FEATURE_TLS) != MHD_YES) {
            snprintf (err, errlen, "tls_cert: this libmicrohttpd was built without TLS");
            goto fail;
        }
        if (!config->tls_key || !*config->tls_key) {
            snprintf (err, errlen, "tls_cert is set but tls_key is not");
            goto fail;
        }
        if (!(self->cert = s_slurp (config->tls_cert, err, errlen))
        ||  !(self->key = s_slurp (config->tls_key, err, errlen)))
            goto fail;
        flags |= MHD_USE_TLS;
    }
    //  one thread: no pool at all (a pool of 1 is ignored with a warning on stderr)
    bool pool = config->threads > 1;
    struct MHD_OptionItem opts[] = {
        { MHD_OPTION_SOCK_ADDR, 0, &ss },
        { MHD_OPTION_CONNECTION_LIMIT, config->max_connections, NULL },
        { MHD_OPTION_CONNECTION_TIMEOUT, config->timeout_s, NULL },
        { MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL },
        { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t) s_completed, NULL },
        { MHD_OPTION_EXTERNAL_LOGGER, (intptr_t) s_mhd_log, NULL },
        { pool ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_EXTERNAL_LOGGER,
          pool ? (intptr_t) config->threads : (intptr_t) s_mhd_log, NULL },
        { self->tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, self->cert },
        { self->tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, self->key },
        { MHD_OPTION_END, 0, NULL }
    };
    self->daemon = MHD_start_daemon (flags, 0, NULL, NULL, s_access, self,
                                     MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!self->daemon) {
        snprintf (err, errlen, "cannot serve on %s%s (address in use, or bad TLS files?)",
                  config->listen, self->tls ? " with TLS" : "");
        goto fail;
    }
    return self;
fail:
    ml_http_stop (&self);
    return NULL;
}

unsigned
ml_http_port (const ml_http_t *self)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info (self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

void
ml_http_stop (ml_http_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_http_t *self = *self_p;
    if (self->daemon)
        MHD_stop_daemon (self->daemon);
    free (self->cert);
    free (self->key);
    free (self);
    *self_p = NULL;
}
