/* client_chain.c -- the reporting chain at the client (issue 12): `massline review accept|return
   UNIT YEAR [--reason TEXT]` and `massline report verify FILE`, which re-renders the frozen JSON
   as a sealed document's file (ml_render_file, its id included) and compares bytes. */
#include "ml_client.h"
#include "ml_err.h"
#include "ml_log.h"
#include "ml_render.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

//  The document id of REPORT ("H001/2025/3"), or NULL when it is not a sealed document.
static const char *
s_doc_id (const json_t *report)
{
    return json_string_value (json_object_get (json_object_get (report, "document"), "id"));
}

// ---------------------------------------------------------------------------
// review

int
ml_client_review (int argc, char **argv, const char *config)
{
    const char *verb = argc > 0 ? argv[0] : NULL, *unit = NULL, *year = NULL, *reason = NULL;
    bool as_json = false;
    if (verb && strcmp (verb, "bureau") == 0)
        return ml_client_review_bureau (argc - 1, argv + 1, config);
    for (int i = 1; i < argc; i++)
        if (strcmp (argv[i], "--reason") == 0 && i + 1 < argc)
            reason = argv[++i];
        else
        if (strncmp (argv[i], "--reason=", 9) == 0)
            reason = argv[i] + 9;
        else
        if (strcmp (argv[i], "--json") == 0)
            as_json = true;
        else
        if (!unit && argv[i][0] != '-')
            unit = argv[i];
        else
        if (!year && argv[i][0] != '-')
            year = argv[i];
        else {
            ml_die_msg ("review: unexpected argument '%s'", argv[i]);
            return 2;
        }
    if (!verb || (strcmp (verb, "accept") && strcmp (verb, "return")) || !unit || !year) {
        ml_die_msg ("review: usage: review accept|return UNIT YEAR [--reason TEXT]");
        return 2;
    }
    if (strcmp (verb, "return") == 0 && (!reason || !*reason)) {
        ml_die_msg ("review return: give the reason the unit will read (--reason TEXT)");
        return 2;
    }
    char command[32], *args[3];
    int nargs = 0, code = 0;
    snprintf (command, sizeof command, "review %s", verb);
    if (asprintf (&args[nargs], "unit=%s", unit) >= 0)
        nargs++;
    if (asprintf (&args[nargs], "year=%s", year) >= 0)
        nargs++;
    if (reason && asprintf (&args[nargs], "reason=%s", reason) >= 0)
        nargs++;
    json_t *reply = ml_client_query (config, command, nargs, args, &code);
    for (int i = 0; i < nargs; i++)
        free (args[i]);
    if (!reply)
        return code ? code : 1;
    json_t *sub = json_object_get (reply, "submission");
    if (as_json) {
        char *text = json_dumps (reply, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
        printf ("%s\n", text ? text : "{}");
        free (text);
    }
    else
        printf ("%s %s: %s (version %lld) by %s at %s%s%s\n", unit, year,
                json_string_value (json_object_get (sub, "state")),
                (long long) json_integer_value (json_object_get (sub, "version")),
                json_string_value (json_object_get (sub, "decided_by")),
                json_string_value (json_object_get (sub, "decided_at")),
                reason ? ": " : "", reason ? reason : "");
    json_t *up = json_object_get (reply, "upstream");
    if (!as_json && up)                 //  the last unit accepted: the bureau's year went up
        printf ("bureau %s: every unit accepted; version %lld of the roll-up kept for the higher "
                "tier (%s), sha256 %s\n", year, (long long) json_integer_value (json_object_get (up,
                "version")), json_string_value (json_object_get (up, "state")),
                json_string_value (json_object_get (up, "digest")));
    json_decref (reply);
    return 0;
}

// ---------------------------------------------------------------------------
// report verify FILE

//  Reads PATH whole into *BUF (NUL-terminated), *LEN. 0 or -1 (printed).
static int
s_slurp (const char *path, char **buf, size_t *len)
{
    FILE *f = fopen (path, "rb");
    if (!f) {
        ml_die_msg ("report verify: %s: %s", path, strerror (errno));
        return -1;
    }
    size_t cap = 1 << 16;
    *buf = malloc (cap + 1);
    *len = 0;
    size_t n;
    while (*buf && (n = fread (*buf + *len, 1, cap - *len, f)) > 0) {
        *len += n;
        if (*len == cap) {
            char *grown = realloc (*buf, 2 * cap + 1);
            if (!grown) {
                free (*buf);
                *buf = NULL;
            }
            *buf = grown;
            cap *= 2;
        }
    }
    fclose (f);
    if (!*buf) {
        ml_die_msg ("report verify: %s: out of memory", path);
        return -1;
    }
    (*buf)[*len] = 0;
    return 0;
}

//  Finds the document id in the file's bytes: the mark, or JSON's document.id. Into ID.
static bool
s_find_id (const char *buf, size_t len, char *id, size_t idlen)
{
    const char *at = memmem (buf, len, ML_DOCUMENT_MARK, strlen (ML_DOCUMENT_MARK));
    if (at) {
        at += strlen (ML_DOCUMENT_MARK);
        size_t n = strcspn (at, " \r\n<>\"()\\");
        snprintf (id, idlen, "%.*s", (int) n, at);
        return n > 0;
    }
    json_error_t jerr;
    json_t *obj = json_loadb (buf, len, 0, &jerr);
    const char *s = s_doc_id (obj);
    if (s)
        snprintf (id, idlen, "%s", s);
    json_decref (obj);
    return s != NULL;
}

int
ml_client_verify (int argc, char **argv, const char *config)
{
    if (argc != 1) {
        ml_die_msg ("report verify: usage: report verify FILE");
        return 2;
    }
    const char *path = argv[0];
    char *file = NULL, id[160], unit[80], *args[3];
    size_t flen;
    if (s_slurp (path, &file, &flen))
        return 1;
    int year = 0, n = 0, code = 0;
    if (!s_find_id (file, flen, id, sizeof id)
        || sscanf (id, "%79[^/]/%d/%d", unit, &year, &n) != 3) {
        printf ("%s: not a sealed massline document (no document id in it)\n", path);
        free (file);
        return 1;
    }
    int nargs = 0;
    if (asprintf (&args[nargs], "unit=%s", unit) >= 0)
        nargs++;
    if (asprintf (&args[nargs], "year=%d", year) >= 0)
        nargs++;
    if (asprintf (&args[nargs], "n=%d", n) >= 0)
        nargs++;
    json_t *reply = ml_client_query (config, "report verify", nargs, args, &code);
    for (int i = 0; i < nargs; i++)
        free (args[i]);
    if (!reply) {
        free (file);
        return code ? code : 1;
    }
    json_t *doc = json_object_get (reply, "document"), *frozen = json_object_get (reply, "frozen");
    //  the file against the frozen JSON re-rendered in each format: one must match byte for byte
    bool same = false;
    size_t best = 0;
    ml_format_t formats[] = { ML_FORMAT_JSON, ML_FORMAT_HTML, ML_FORMAT_TEXT, ML_FORMAT_CSV,
                              ML_FORMAT_PDF };
    if (flen > 5 && memcmp (file, "%PDF-", 5) == 0 && ml_client_document_settings (config)) {
        json_decref (reply);
        free (file);
        return 2;
    }
    for (size_t f = 0; f < sizeof formats / sizeof formats[0] && !same && json_is_object (frozen); f++) {
        char *buf, err[256];
        size_t len;
        if (ml_render_file (frozen, formats[f], &buf, &len, err, sizeof err))
            continue;
        size_t i = 0;
        while (i < len && i < flen && buf[i] == file[i])
            i++;
        same = i == len && len == flen;
        if (i > best)
            best = i;
        free (buf);
    }
    char when[16];
    snprintf (when, sizeof when, "%.10s", json_string_value (json_object_get (doc, "sealed_at")));
    const char *state = json_string_value (json_object_get (doc, "state"));
    bool agrees = json_is_true (json_object_get (reply, "store_agrees"));
    printf ("%s: sealed document %s of %s %d version %lld, %s %s", path, id, unit, year,
            (long long) json_integer_value (json_object_get (doc, "version")), state, when);
    if (json_string_value (json_object_get (doc, "decided_by")) && strcmp (state, "accepted") == 0)
        printf (" (by %s)", json_string_value (json_object_get (doc, "decided_by")));
    printf ("; digest %.16s...\n", json_string_value (json_object_get (doc, "digest")));
    int ret = 0;
    if (!same) {
        size_t line = 1;
        for (size_t i = 0; i < best && i < flen; i++)
            line += file[i] == '\n';
        printf ("  the file differs from the sealed document: first at byte %zu (line %zu)\n",
                best, line);
        ret = 1;
    }
    if (!agrees) {
        printf ("  the store no longer agrees: %s\n", json_string_value (json_object_get (reply, "why")));
        ret = 1;
    }
    if (!ret)
        printf ("sealed document of %s %d version %lld, %s %s; the store agrees\n", unit, year,
                (long long) json_integer_value (json_object_get (doc, "version")), state, when);
    json_decref (reply);
    free (file);
    return ret;
}
