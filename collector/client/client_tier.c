/* client_tier.c -- the upper tiers' commands of massline (docs/tiers.md):
     review bureau YEAR [--reason TEXT]                       at a bureau (reviewer)
     report members --year Y                                  at a committee: JSON
     report show MEMBER YEAR [VERSION] [--format F] [-o FILE]   a member's document
   (VERSION positional: massline takes --version for itself) */
#include "ml_client.h"
#include "ml_cli.h"
#include "ml_err.h"
#include "ml_log.h"
#include "ml_render.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
s_print_json (json_t *reply)
{
    char *text = json_dumps (reply, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
    printf ("%s\n", text ? text : "{}");
    free (text);
    json_decref (reply);
    return 0;
}

static int
s_ask (const char *config, const char *command, char **args, int nargs, json_t **reply)
{
    int code = 0;
    *reply = ml_client_query (config, command, nargs, args, &code);
    for (int i = 0; i < nargs; i++)
        free (args[i]);
    return *reply ? 0 : code ? code : 1;
}

int
ml_client_review_bureau (int argc, char **argv, const char *config)
{
    const char *year = NULL, *reason = NULL;
    for (int i = 0; i < argc; i++)
        if (strcmp (argv[i], "--reason") == 0 && i + 1 < argc)
            reason = argv[++i];
        else
        if (strncmp (argv[i], "--reason=", 9) == 0)
            reason = argv[i] + 9;
        else
        if (!year && argv[i][0] != '-')
            year = argv[i];
        else
        if (strcmp (argv[i], "--json") != 0) {
            ml_die_msg ("review bureau: unexpected argument '%s'", argv[i]);
            return 2;
        }
    if (!year) {
        ml_die_msg ("review bureau: usage: review bureau YEAR [--reason TEXT]");
        return 2;
    }
    char *args[2];
    int nargs = 0;
    if (asprintf (&args[nargs], "year=%s", year) >= 0)
        nargs++;
    if (reason && asprintf (&args[nargs], "reason=%s", reason) >= 0)
        nargs++;
    json_t *reply;
    int code = s_ask (config, "review bureau", args, nargs, &reply);
    if (code)
        return code;
    const char *state = json_string_value (json_object_get (reply, "state"));
    bool already = state && strcmp (state, "already") == 0;
    printf ("bureau %s: version %lld of the roll-up %s for the higher tier (%s), sha256 %s\n",
            year, (long long) json_integer_value (json_object_get (reply, "version")),
            already ? "was kept already" : "kept", already ? "nothing new to send" : "pending",
            json_string_value (json_object_get (reply, "digest")));
    json_t *missing = json_object_get (reply, "units_not_accepted");
    for (size_t i = 0; i < json_array_size (missing); i++)
        printf ("%s%s%s", i ? ", " : "units not accepted: ",
                json_string_value (json_array_get (missing, i)),
                i + 1 == json_array_size (missing) ? "\n" : "");
    json_decref (reply);
    return 0;
}

int
ml_client_tier_report (int argc, char **argv, const char *config)
{
    bool members = strcmp (argv[0], "members") == 0;
    const char *pos[3] = { NULL, NULL, NULL }, *year = NULL, *format_name = NULL, *path = NULL;
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        const char **slot = strcmp (argv[i], "--year") == 0 ? &year
                          : strcmp (argv[i], "--format") == 0 ? &format_name
                          : strcmp (argv[i], "-o") == 0 || strcmp (argv[i], "--output") == 0 ? &path
                          : NULL;
        if (slot && i + 1 < argc)
            *slot = argv[++i];
        else
        if (!slot && argv[i][0] != '-' && npos < 3)
            pos[npos++] = argv[i];
        else
            return ml_cli_usage_error ("report %s: unexpected argument '%s'", argv[0], argv[i]);
    }
    char *args[4];
    int nargs = 0;
    json_t *reply;
    if (members) {
        if (!year || npos)
            return ml_cli_usage_error ("report members: usage: report members --year Y");
        if (asprintf (&args[nargs], "year=%s", year) >= 0)
            nargs++;
        int code = s_ask (config, "report members", args, nargs, &reply);
        return code ? code : s_print_json (reply);
    }
    const char *version = pos[2];
    if (npos < 2)
        return ml_cli_usage_error ("report show: usage: report show MEMBER YEAR [VERSION] "
                                   "[--format json|text|html|pdf] [-o FILE]");
    if (asprintf (&args[nargs], "member=%s", pos[0]) >= 0)
        nargs++;
    if (asprintf (&args[nargs], "year=%s", pos[1]) >= 0)
        nargs++;
    if (version && asprintf (&args[nargs], "version=%s", version) >= 0)
        nargs++;
    ml_format_t format = ML_FORMAT_JSON;
    if (format_name && ml_format_parse (format_name, &format))
        return ml_cli_usage_error ("--format: json, csv, text, html or pdf (not '%s')", format_name);
    if (format == ML_FORMAT_PDF && (!path || strcmp (path, "-") == 0))
        return ml_cli_usage_error ("a pdf goes to a file: add -o FILE.pdf");
    int code = s_ask (config, "report show", args, nargs, &reply);
    if (code)
        return code;
    if (format == ML_FORMAT_JSON && !path)
        return s_print_json (reply);
    if (format == ML_FORMAT_PDF && (code = ml_client_document_settings (config))) {
        json_decref (reply);
        return code;
    }
    char *buf = NULL, err[512];
    size_t len = 0;
    json_object_del (reply, "tier");    //  the document as the member froze it
    int rc = ml_render_file (reply, format, &buf, &len, err, sizeof err);
    json_decref (reply);
    if (rc) {
        ml_die_msg ("report show: %s", err);
        free (buf);
        return 1;
    }
    FILE *f = path && strcmp (path, "-") ? fopen (path, "wb") : stdout;
    if (!f || fwrite (buf, 1, len, f) != len) {
        ml_die_msg ("report show: cannot write %s", path);
        free (buf);
        return 1;
    }
    if (f != stdout)
        fclose (f);
    free (buf);
    return 0;
}

// ---------------------------------------------------------------------------
// status: the reports this collector sent to its higher tier

json_t *
ml_client_tier_upstream (const char *config)
{
    //  asked quietly: only report roles may ask it, and an older collector does not know it;
    //  either way this collector shows no higher tier, and `status` says what it always said
    char ecode[64] = "", msg[1024] = "";
    json_t *reply = ml_client_query_quiet (config, "status upstream", 0, NULL, ecode,
                                           sizeof ecode, msg, sizeof msg);
    if (!reply && (strcmp (ecode, "denied") == 0 || strcmp (ecode, "unknown") == 0))
        return json_null ();
    if (!reply)
        ml_die_msg ("%s", msg);
    json_t *up = reply ? json_incref (json_object_get (reply, "upstream")) : NULL;
    json_decref (reply);
    return up;
}

void
ml_client_tier_upstream_print (const json_t *upstream)
{
    if (!json_is_array (upstream))
        return;                         //  no higher tier
    size_t n = json_array_size (upstream);
    printf ("upstream: %zu report%s sent to the higher tier\n", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        const json_t *d = json_array_get (upstream, i);
        const char *reason = json_string_value (json_object_get (d, "reason"));
        printf ("  %s %lld version %lld: %s%s%s\n", json_string_value (json_object_get (d, "kind")),
                (long long) json_integer_value (json_object_get (d, "year")),
                (long long) json_integer_value (json_object_get (d, "version")),
                json_string_value (json_object_get (d, "state")), reason && *reason ? ": " : "",
                reason && *reason ? reason : "");
    }
}
