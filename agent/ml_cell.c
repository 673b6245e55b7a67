/* ml_cell.c -- ledger cells as clerks type them, normalised (see ml_cell.h). */
#include "ml_cell.h"
#include "ml_date.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

//  The length of the space at P (ASCII space or tab, U+3000, U+00A0), or 0.
static size_t
s_space (const char *p)
{
    if (*p == ' ' || *p == '\t')
        return 1;
    if (strncmp (p, "\xE3\x80\x80", 3) == 0)
        return 3;
    if (strncmp (p, "\xC2\xA0", 2) == 0)
        return 2;
    return 0;
}

//  The ASCII character the full-width form (U+FF01..U+FF5E) or ideographic space at P stands
//  for, or 0.
static char
s_fullwidth (const unsigned char *p)
{
    if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80)
        return ' ';
    if (p[0] != 0xEF)
        return 0;
    unsigned cp = 0xF000 | (unsigned) (p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    if ((p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || cp < 0xFF01 || cp > 0xFF5E)
        return 0;
    return (char) (cp - 0xFEE0);
}

//  Copies CELL (N bytes) into BUF folding full-width forms; with ASCII_ONLY, fails (returns
//  false) when CELL holds any other non-ASCII character.
static bool
s_fold (const char *cell, size_t n, char *buf, size_t len, bool ascii_only)
{
    size_t o = 0;
    for (size_t i = 0; i < n; ) {
        const unsigned char *p = (const unsigned char *) cell + i;
        char c = p[0] >= 0x80 && i + 3 <= n ? s_fullwidth (p) : 0;
        size_t step = c ? 3 : 1;
        if (!c) {
            if (p[0] >= 0x80 && ascii_only)
                return false;
            c = (char) p[0];
        }
        if (o + 1 >= len)
            return false;
        buf[o++] = c;
        i += step;
    }
    buf[o] = 0;
    return true;
}

static bool
s_in (const char *cell, const char *const *words)
{
    for (int i = 0; words[i]; i++)
        if (strcasecmp (cell, words[i]) == 0)
            return true;
    return false;
}

const char *
ml_cell_normalise (const char *cell, ml_cell_type_t type, char *buf, size_t len)
{
    size_t s;
    while ((s = s_space (cell)))
        cell += s;
    size_t n = strlen (cell);
    for (bool more = true; more && n; ) {
        more = false;
        for (size_t k = 1; k <= 3 && k <= n && !more; k++)
            if (s_space (cell + n - k) == k) {
                n -= k;
                more = true;
            }
    }
    if (n >= len)
        return cell;                 //  too long to be anything but text: left as it is
    bool folded = (type == ML_CELL_CODE || type == ML_CELL_BOOL) && s_fold (cell, n, buf, len, true);
    if (type == ML_CELL_TEXT) {
        //  a date may mix Chinese (年月日) with full-width digits: fold a copy to try it
        char tmp[64];
        ml_day_t day;
        if (n < sizeof tmp && s_fold (cell, n, tmp, sizeof tmp, false)
        &&  ml_date_parse_loose (tmp, &day) == 0 && len >= 11)
            return ml_date_format (day, buf);
    }
    if (type == ML_CELL_BOOL) {
        static const char *const yes[] = { "是", "y", "yes", "true", "1", "√", "✓", "✔", "对", NULL };
        static const char *const no[] = { "否", "n", "no", "false", "0", "×", "✗", "✘", "错", NULL };
        if (!folded) {
            memcpy (buf, cell, n);
            buf[n] = 0;
        }
        if (s_in (buf, yes))
            return strcpy (buf, "是");
        if (s_in (buf, no))
            return strcpy (buf, "否");
        return buf;
    }
    if (folded)
        return buf;
    memcpy (buf, cell, n);
    buf[n] = 0;
    return buf;
}
