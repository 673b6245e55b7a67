/* client_watch.c -- `massline watch talk|notice|progress|close --unit U --person P --year Y
   [--rule R] ...`: the bureau records rectification on a watch-list row (rules.md S.3, V14).
   One QueryRequest "watch VERB" with key=value arguments; prints the row as it stands after. */
#include "ml_client.h"
#include "ml_log.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_usage[] =
    "usage: massline -c client.ini watch VERB --unit U --person P --year Y [--rule R] ...\n"
    "\n"
    "  watch talk --date D --by NAME [--note TEXT]      the admonishment talk (诫勉谈话)\n"
    "  watch notice --deadline D [--note TEXT]          the rectification notice (限期整改)\n"
    "  watch progress --note TEXT                       a progress note\n"
    "  watch close --date D --by NAME [--note TEXT]     the bureau's verified closure\n"
    "\n"
    "A row is the unit, person and year of the watch list (and the rule, when given). A row has\n"
    "one notice; after its closure nothing more is recorded on it. A row past its deadline and\n"
    "not closed is overdue and stays on every later year's watch list until closed.\n"
    "--json prints the row as JSON. Staff and reviewer keys record; others are refused.\n"
    "Exit status: 0 recorded, 1 refused or no answer, 2 bad usage.\n";

static const char *const s_opts[] = { "unit", "person", "year", "rule", "date", "by", "deadline",
                                      "note", NULL };

int
ml_client_watch (int argc, char **argv, const char *config)
{
    const char *verb = argc > 0 ? argv[0] : NULL;
    if (verb && (strcmp (verb, "help") == 0 || strcmp (verb, "--help") == 0)) {
        fputs (s_usage, stdout);
        return 0;
    }
    if (!verb || (strcmp (verb, "talk") && strcmp (verb, "notice") && strcmp (verb, "progress")
                  && strcmp (verb, "close"))) {
        ml_die_msg ("watch: which record? talk, notice, progress or close (massline watch help)");
        return 2;
    }
    const char *value[8] = { NULL };
    bool as_json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp (argv[i], "--json") == 0) {
            as_json = true;
            continue;
        }
        const char *eq = strncmp (argv[i], "--", 2) == 0 ? strchr (argv[i], '=') : NULL;
        size_t nlen = eq ? (size_t) (eq - argv[i]) : strlen (argv[i]);
        int o = 0;
        while (s_opts[o] && !(strncmp (argv[i], "--", 2) == 0 && strlen (s_opts[o]) == nlen - 2
                              && strncmp (argv[i] + 2, s_opts[o], nlen - 2) == 0))
            o++;
        if (!s_opts[o]) {
            ml_die_msg ("watch %s: unexpected argument '%s' (massline watch help)", verb, argv[i]);
            return 2;
        }
        if (!eq && i + 1 >= argc) {
            ml_die_msg ("watch %s: %s needs a value", verb, argv[i]);
            return 2;
        }
        value[o] = eq ? eq + 1 : argv[++i];
    }
    static const char *const needs[][3] = {
        { "talk", "date", "by" }, { "notice", "deadline", NULL }, { "progress", "note", NULL },
        { "close", "date", "by" }
    };
    for (int o = 0; o < 3; o++)
        if (!value[o]) {
            ml_die_msg ("watch %s: needs --%s (a row is --unit U --person P --year Y)", verb, s_opts[o]);
            return 2;
        }
    for (size_t k = 0; k < sizeof needs / sizeof needs[0]; k++)
        for (int j = 1; j < 3 && strcmp (needs[k][0], verb) == 0; j++)
            for (int o = 0; needs[k][j] && s_opts[o]; o++)
                if (strcmp (s_opts[o], needs[k][j]) == 0 && (!value[o] || !*value[o])) {
                    ml_die_msg ("watch %s: needs --%s", verb, needs[k][j]);
                    return 2;
                }
    char command[32], *args[8];
    int nargs = 0, code = 0;
    snprintf (command, sizeof command, "watch %s", verb);
    for (int o = 0; s_opts[o]; o++)
        if (value[o] && asprintf (&args[nargs], "%s=%s", s_opts[o], value[o]) >= 0)
            nargs++;
    json_t *reply = ml_client_query (config, command, nargs, args, &code);
    for (int i = 0; i < nargs; i++)
        free (args[i]);
    if (!reply)
        return code ? code : 1;
    json_t *row = json_object_get (reply, "row");
    if (as_json) {
        char *text = json_dumps (reply, JSON_INDENT (2) | JSON_PRESERVE_ORDER);
        printf ("%s\n", text ? text : "{}");
        free (text);
    }
    else {
        const char *rule = json_string_value (json_object_get (row, "rule"));
        const char *deadline = json_string_value (json_object_get (row, "deadline"));
        const char *closed = json_string_value (json_object_get (row, "closed"));
        printf ("%s %s %s%s%s: %s recorded (record %lld); the row is %s: %zu talk%s%s%s%s%s\n",
                value[0], value[1], value[2], rule ? " " : "", rule ? rule : "", verb,
                (long long) json_integer_value (json_object_get (reply, "n")),
                json_string_value (json_object_get (row, "state")),
                json_array_size (json_object_get (row, "talks")),
                json_array_size (json_object_get (row, "talks")) == 1 ? "" : "s",
                deadline ? ", deadline " : "", deadline ? deadline : "",
                closed ? ", closed " : "", closed ? closed : "");
    }
    json_decref (reply);
    return 0;
}
