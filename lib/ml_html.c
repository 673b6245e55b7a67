/* ml_html.c -- HTML built safely: one formatter, one escaper for text, one for attributes. */
#include "ml_html.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ml_html {
    char *buf;                          //  NUL-terminated text
    size_t len;                         //  bytes used, without the NUL
    size_t cap;                         //  bytes allocated
    bool failed;                        //  an allocation failed: sticky
};

ml_html_t *
ml_html_new (void)
{
    ml_html_t *self = calloc (1, sizeof *self);
    if (self && !(self->buf = calloc (1, self->cap = 1024))) {
        free (self);
        self = NULL;
    }
    return self;
}

void
ml_html_destroy (ml_html_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->buf);
    free (*self_p);
    *self_p = NULL;
}

static void
s_put (ml_html_t *self, const char *s, size_t n)
{
    if (self->failed)
        return;
    if (self->len + n + 1 > self->cap) {
        size_t cap = self->cap;
        while (self->len + n + 1 > cap)
            cap *= 2;
        char *grown = realloc (self->buf, cap);
        if (!grown) {
            self->failed = true;
            return;
        }
        self->buf = grown;
        self->cap = cap;
    }
    memcpy (self->buf + self->len, s, n);
    self->len += n;
    self->buf[self->len] = 0;
}

//  Appends S, each byte that needs it replaced by an entity. ATTR: attribute rules.
static void
s_escape (ml_html_t *self, const char *s, bool attr)
{
    if (!s)
        return;
    const char *run = s;
    for (const char *c = s; ; c++) {
        const char *ent = NULL;
        char num[8];
        unsigned char b = (unsigned char) *c;
        switch (b) {
            case '&': ent = "&amp;"; break;
            case '<': ent = "&lt;"; break;
            case '>': ent = "&gt;"; break;
            case '"': ent = "&quot;"; break;
            case '\'': ent = "&#39;"; break;
            default:
                if (attr && (b == '`' || b == '=' || (b < 0x20 && b != 0) || b == 0x7F)) {
                    snprintf (num, sizeof num, "&#%u;", b);
                    ent = num;
                }
                else
                if (!attr && b < 0x20 && b != 0 && b != '\n' && b != '\t' && b != '\r')
                    ent = "\xEF\xBF\xBD";       //  U+FFFD: control characters have no place in text
        }
        if (ent || !b) {
            s_put (self, run, (size_t) (c - run));
            if (!b)
                break;
            s_put (self, ent, strlen (ent));
            run = c + 1;
        }
    }
}

void
ml_html_text (ml_html_t *self, const char *s)
{
    s_escape (self, s, false);
}

void
ml_html_attr (ml_html_t *self, const char *s)
{
    s_escape (self, s, true);
}

//  Percent-encodes S: everything but the unreserved characters of RFC 3986.
static void
s_url (ml_html_t *self, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *) (s ? s : ""); *c; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')
        ||  *c == '-' || *c == '.' || *c == '_' || *c == '~')
            s_put (self, (const char *) c, 1);
        else {
            char enc[3] = { '%', hex[*c >> 4], hex[*c & 15] };
            s_put (self, enc, 3);
        }
    }
}

void
ml_html_f (ml_html_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    const char *run = fmt;
    for (const char *c = fmt; *c; c++) {
        if (*c != '%')
            continue;
        s_put (self, run, (size_t) (c - run));
        char num[64];
        const char *s;
        switch (*++c) {
            case 't': ml_html_text (self, va_arg (ap, const char *)); break;
            case 'a': ml_html_attr (self, va_arg (ap, const char *)); break;
            case 'u': s_url (self, va_arg (ap, const char *)); break;
            case 'r':
                s = va_arg (ap, const char *);
                if (s)
                    s_put (self, s, strlen (s));
                break;
            case 'd':
                snprintf (num, sizeof num, "%d", va_arg (ap, int));
                s_put (self, num, strlen (num));
                break;
            case 'L':
                snprintf (num, sizeof num, "%lld", va_arg (ap, long long));
                s_put (self, num, strlen (num));
                break;
            case 'F':
                snprintf (num, sizeof num, "%.1f", va_arg (ap, double));
                s_put (self, num, strlen (num));
                break;
            case '%': s_put (self, "%", 1); break;
            default:
                //  a programming error: show it rather than guess an argument
                s_put (self, "[bad format]", 12);
                c--;
        }
        run = c + 1;
    }
    s_put (self, run, strlen (run));
    va_end (ap);
}

const char *
ml_html_str (const ml_html_t *self)
{
    return self->failed ? "" : self->buf;
}

size_t
ml_html_len (const ml_html_t *self)
{
    return self->failed ? 0 : self->len;
}

char *
ml_html_take (ml_html_t **self_p, size_t *len)
{
    ml_html_t *self = *self_p;
    char *text = NULL;
    if (!self->failed) {
        text = self->buf;
        *len = self->len;
        self->buf = NULL;
    }
    ml_html_destroy (self_p);
    return text;
}
