/* ml_http_part.c -- multipart/form-data bodies (RFC 7578) for the web programs' uploads: the
   boundary from Content-Type, then each part's Content-Disposition name and filename. Parsed on
   each call straight from the body ml_http kept: a form has a few parts, and nothing is copied. */
#include "ml_http.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define S_BOUNDARY_MAX 70               //  RFC 2046

//  The boundary of CONTENT_TYPE ("multipart/form-data; boundary=XYZ", maybe quoted) into OUT.
static bool
s_boundary (const char *type, char *out, size_t len)
{
    if (!type || strncasecmp (type, "multipart/form-data", 19) != 0)
        return false;
    const char *b = strcasestr (type, "boundary=");
    if (!b)
        return false;
    b += 9;
    size_t n;
    if (*b == '"') {
        b++;
        n = strcspn (b, "\"");
    }
    else
        n = strcspn (b, "; \t");
    if (n == 0 || n > S_BOUNDARY_MAX || n + 1 > len)
        return false;
    memcpy (out, b, n);
    out[n] = 0;
    return true;
}

bool
ml_http_is_multipart (ml_http_req_t *req)
{
    char boundary[S_BOUNDARY_MAX + 1];
    return s_boundary (ml_http_header (req, "Content-Type"), boundary, sizeof boundary);
}

//  The value of parameter KEY (name, filename) in the Content-Disposition header line LINE of
//  LEN bytes, into OUT; a folder part of a file name is dropped (old browsers send C:\x\y.csv).
static bool
s_param (const char *line, size_t len, const char *key, char *out, size_t outlen)
{
    size_t klen = strlen (key);
    for (size_t i = 0; i + klen + 2 < len; i++) {
        bool start = i > 0 && (line[i - 1] == ';' || line[i - 1] == ' ');
        if (!start || strncasecmp (line + i, key, klen) != 0 || line[i + klen] != '=')
            continue;
        const char *v = line + i + klen + 1;
        const char *end = line + len;
        size_t n;
        if (*v == '"') {
            v++;
            const char *q = memchr (v, '"', (size_t) (end - v));
            n = q ? (size_t) (q - v) : (size_t) (end - v);
        }
        else {
            n = 0;
            while (v + n < end && v[n] != ';' && v[n] != ' ')
                n++;
        }
        const char *base = v;
        for (size_t j = 0; j < n; j++)
            if (v[j] == '/' || v[j] == '\\')
                base = v + j + 1;
        n -= (size_t) (base - v);
        if (n + 1 > outlen)
            return false;
        memcpy (out, base, n);
        out[n] = 0;
        return true;
    }
    return false;
}

bool
ml_http_part (ml_http_req_t *req, const char *name, ml_http_part_t *part)
{
    char boundary[S_BOUNDARY_MAX + 1], delim[S_BOUNDARY_MAX + 8];
    if (!s_boundary (ml_http_header (req, "Content-Type"), boundary, sizeof boundary))
        return false;
    size_t blen, dlen = (size_t) snprintf (delim, sizeof delim, "--%s", boundary);
    const char *body = ml_http_body (req, &blen);
    if (!body)
        return false;
    const char *end = body + blen;
    const char *p = memmem (body, blen, delim, dlen);
    while (p) {
        p += dlen;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            return false;                       //  the closing delimiter
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
            return false;
        p += 2;
        const char *head_end = memmem (p, (size_t) (end - p), "\r\n\r\n", 4);
        if (!head_end)
            return false;
        memset (part, 0, sizeof *part);
        bool named = false;
        for (const char *line = p; line < head_end;) {
            const char *eol = memmem (line, (size_t) (head_end + 2 - line), "\r\n", 2);
            size_t llen = (size_t) (eol - line);
            if (llen > 20 && strncasecmp (line, "Content-Disposition:", 20) == 0) {
                named = s_param (line, llen, "name", part->name, sizeof part->name);
                s_param (line, llen, "filename", part->filename, sizeof part->filename);
            }
            line = eol + 2;
        }
        const char *data = head_end + 4;
        //  the part ends at CRLF before the next delimiter
        char next[S_BOUNDARY_MAX + 10];
        size_t nlen = (size_t) snprintf (next, sizeof next, "\r\n%s", delim);
        const char *stop = memmem (data, (size_t) (end - data), next, nlen);
        if (!stop)
            return false;
        if (named && strcmp (part->name, name) == 0) {
            part->data = data;
            part->len = (size_t) (stop - data);
            return true;
        }
        p = stop + 2;
    }
    return false;
}

const char *
ml_http_field (ml_http_req_t *req, const char *name, char *buf, size_t len)
{
    if (!ml_http_is_multipart (req))
        return ml_http_form (req, name);
    ml_http_part_t part;
    if (!ml_http_part (req, name, &part) || part.filename[0] || part.len + 1 > len
    ||  memchr (part.data, 0, part.len))
        return NULL;
    memcpy (buf, part.data, part.len);
    buf[part.len] = 0;
    return buf;
}
