/* bench_web_load.c -- the load client of `ops/bench web`, in C so that fifty sessions cost the
   two shared cores little beside the server they measure (web_load.py, its Python twin, spent
   more time in its own threads than massline-web did in answering).

       bench_web_load URL USER PASSWORD SESSIONS REQUESTS PATH [PATH...]

   Signs SESSIONS sessions in (one thread and one keep-alive HTTP/1.1 connection each, not timed:
   GET /login for the CSRF token, POST /login), then, all threads at once, each asks every PATH in
   turn, REQUESTS times over after one warm-up round that is not counted. Prints one line per PATH
       web path=P sessions=S requests=N p50_ms=.. p90_ms=.. p99_ms=.. max_ms=.. errors=E
   and a total line; the figures are request sent to last byte of the body read, in the client.
   Exits 1 if any request is not answered 200 (303 for the sign-in). Plain HTTP only.
   With BENCH_WEB_WARMUP=0 in the environment there is no warm-up round: every request counts
   (`ops/bench web` times the first dashboard after a change of the store so). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *s_host, *s_port, *s_user, *s_password;
static int s_sessions, s_requests, s_npaths;
static int s_warmup = 1;                //  rounds not counted: 1, or 0 (BENCH_WEB_WARMUP=0)
static char **s_paths;
static pthread_barrier_t s_start;

typedef struct {
    int fd;
    char cookie[512];                   //  "ml_session=..."
    double *times;                      //  [path][request], ms
    int *errors;                        //  per path
    char *buf;                          //  the last response
    size_t cap;
} s_session_t;

static double
s_now_ms (void)
{
    struct timespec t;
    clock_gettime (CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int
s_connect (void)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
    if (getaddrinfo (s_host, s_port, &hints, &ai))
        return -1;
    int fd = socket (ai->ai_family, ai->ai_socktype, 0);
    if (fd >= 0 && connect (fd, ai->ai_addr, ai->ai_addrlen)) {
        close (fd);
        fd = -1;
    }
    freeaddrinfo (ai);
    int one = 1;
    if (fd >= 0)
        setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int
s_send_all (int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = send (fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t) n;
    }
    return 0;
}

//  Reads one response on S's connection into S->buf (headers, then the body at *BODY). Returns
//  the status, or -1. Only Content-Length bodies (what massline-web sends).
static int
s_read_response (s_session_t *s, char **body, size_t *body_len)
{
    size_t have = 0, head = 0, want = 0;
    for (;;) {
        if (have + 65536 > s->cap) {
            s->cap = (have + 65536) * 2;
            char *grown = realloc (s->buf, s->cap);
            if (!grown)
                return -1;
            s->buf = grown;
        }
        if (head && have >= want)
            break;
        ssize_t n = recv (s->fd, s->buf + have, s->cap - have - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        have += (size_t) n;
        s->buf[have] = 0;
        if (!head) {
            char *end = strstr (s->buf, "\r\n\r\n");
            if (!end)
                continue;
            head = (size_t) (end - s->buf) + 4;
            const char *cl = strcasestr (s->buf, "\r\nContent-Length:");
            if (!cl || cl > end)
                return -1;
            want = head + strtoul (cl + 17, NULL, 10);
        }
    }
    s->buf[want] = 0;
    *body = s->buf + head;
    *body_len = want - head;
    int status = 0;
    return sscanf (s->buf, "HTTP/1.%*d %d", &status) == 1 ? status : -1;
}

//  Sends REQ on S's connection (made again if the server closed it) and reads the answer.
static int
s_exchange (s_session_t *s, const char *req, char **body, size_t *len)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (s->fd < 0 && (s->fd = s_connect ()) < 0)
            return -1;
        if (s_send_all (s->fd, req, strlen (req)) == 0) {
            int status = s_read_response (s, body, len);
            if (status > 0)
                return status;
        }
        close (s->fd);
        s->fd = -1;
    }
    return -1;
}

//  The value of cookie NAME set in the last response's headers, into OUT.
static bool
s_set_cookie (const s_session_t *s, const char *name, char *out, size_t outlen)
{
    const char *end = strstr (s->buf, "\r\n\r\n");
    for (const char *p = s->buf; (p = strcasestr (p, "\r\nSet-Cookie: ")) && p < end; p += 2) {
        const char *v = p + 14;
        size_t nl = strlen (name);
        if (strncmp (v, name, nl) == 0 && v[nl] == '=') {
            size_t len = strcspn (v, ";\r");
            snprintf (out, outlen, "%.*s", (int) len, v);
            return true;
        }
    }
    return false;
}

static void
s_urlencode (const char *in, char *out, size_t outlen)
{
    size_t o = 0;
    for (const unsigned char *c = (const unsigned char *) in; *c && o + 4 < outlen; c++)
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || strchr ("-._~", *c))
            out[o++] = (char) *c;
        else
            o += (size_t) snprintf (out + o, outlen - o, "%%%02X", *c);
    out[o] = 0;
}

static int
s_sign_in (s_session_t *s)
{
    char req[4096], login[512], token[80], user[512], password[512], form[1200], *body;
    size_t len;
    snprintf (req, sizeof req, "GET /login HTTP/1.1\r\nHost: %s:%s\r\n\r\n", s_host, s_port);
    if (s_exchange (s, req, &body, &len) != 200 || !s_set_cookie (s, "ml_login", login, sizeof login))
        return -1;
    const char *t = strstr (body, "name=\"csrf\" value=\"");
    if (!t || sscanf (t + 19, "%64[0-9a-f]", token) != 1)
        return -1;
    s_urlencode (s_user, user, sizeof user);
    s_urlencode (s_password, password, sizeof password);
    snprintf (form, sizeof form, "csrf=%s&user=%s&password=%s", token, user, password);
    snprintf (req, sizeof req, "POST /login HTTP/1.1\r\nHost: %s:%s\r\nCookie: %s\r\n"
              "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
              s_host, s_port, login, strlen (form), form);
    if (s_exchange (s, req, &body, &len) != 303 || !s_set_cookie (s, "ml_session", s->cookie, sizeof s->cookie))
        return -1;
    return 0;
}

static void *
s_worker (void *arg)
{
    s_session_t *s = arg;
    pthread_barrier_wait (&s_start);
    for (int i = 1 - s_warmup; i <= s_requests; i++)
        for (int p = 0; p < s_npaths; p++) {
            char req[4096], *body;
            size_t len;
            snprintf (req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s:%s\r\nCookie: %s\r\n\r\n",
                      s_paths[p], s_host, s_port, s->cookie);
            double t0 = s_now_ms ();
            int status = s_exchange (s, req, &body, &len);
            double t1 = s_now_ms ();
            if (i == 0)
                continue;               //  the warm-up round
            s->times[p * s_requests + i - 1] = t1 - t0;
            s->errors[p] += status != 200;
        }
    return NULL;
}

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static double
s_pct (const double *v, size_t n, double p)
{
    size_t i = (size_t) (p * (double) n);
    return v[i < n ? i : n - 1];
}

int
main (int argc, char **argv)
{
    if (argc < 7) {
        fprintf (stderr, "usage: bench_web_load URL USER PASSWORD SESSIONS REQUESTS PATH [PATH...]\n");
        return 2;
    }
    static char host[256], port[16];
    if (sscanf (argv[1], "http://%255[^:/]:%15[0-9]", host, port) != 2) {
        fprintf (stderr, "bench_web_load: URL: http://HOST:PORT/ please, not %s\n", argv[1]);
        return 2;
    }
    s_host = host, s_port = port, s_user = argv[2], s_password = argv[3];
    s_sessions = atoi (argv[4]), s_requests = atoi (argv[5]);
    s_paths = argv + 6, s_npaths = argc - 6;
    if (s_sessions < 1 || s_requests < 1)
        return 2;
    const char *warmup = getenv ("BENCH_WEB_WARMUP");
    if (warmup && strcmp (warmup, "0") == 0)
        s_warmup = 0;
    s_session_t *sessions = calloc ((size_t) s_sessions, sizeof *sessions);
    for (int i = 0; i < s_sessions; i++) {
        sessions[i].fd = -1;
        sessions[i].times = calloc ((size_t) (s_npaths * s_requests), sizeof (double));
        sessions[i].errors = calloc ((size_t) s_npaths, sizeof (int));
        if (s_sign_in (&sessions[i])) {
            fprintf (stderr, "bench_web_load: sign-in as %s failed\n", s_user);
            return 1;
        }
    }
    pthread_barrier_init (&s_start, NULL, (unsigned) s_sessions + 1);
    pthread_t *threads = calloc ((size_t) s_sessions, sizeof *threads);
    for (int i = 0; i < s_sessions; i++)
        pthread_create (&threads[i], NULL, s_worker, &sessions[i]);
    pthread_barrier_wait (&s_start);
    double t0 = s_now_ms ();
    for (int i = 0; i < s_sessions; i++)
        pthread_join (threads[i], NULL);
    double wall = (s_now_ms () - t0) / 1e3;
    size_t n = (size_t) s_sessions * (size_t) s_requests;
    double *v = calloc (n, sizeof *v);
    int bad = 0;
    for (int p = 0; p < s_npaths; p++) {
        int errors = 0;
        for (int i = 0; i < s_sessions; i++) {
            memcpy (v + (size_t) i * (size_t) s_requests, sessions[i].times + p * s_requests,
                    (size_t) s_requests * sizeof *v);
            errors += sessions[i].errors[p];
        }
        qsort (v, n, sizeof *v, s_cmp);
        printf ("web path=%s sessions=%d requests=%zu p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f errors=%d\n",
                s_paths[p], s_sessions, n, s_pct (v, n, 0.50), s_pct (v, n, 0.90), s_pct (v, n, 0.99),
                v[n - 1], errors);
        bad += errors;
    }
    printf ("web total requests=%zu wall_s=%.1f rate=%.0f/s\n", n * (size_t) s_npaths, wall,
            (double) (n * (size_t) s_npaths) / wall);
    for (int i = 0; i < s_sessions; i++) {
        if (sessions[i].fd >= 0)
            close (sessions[i].fd);
        free (sessions[i].times);
        free (sessions[i].errors);
        free (sessions[i].buf);
    }
    free (sessions);
    free (threads);
    free (v);
    return bad ? 1 : 0;
}
