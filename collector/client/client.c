/* client.c -- massline: the staff and auditor client; speaks only the collector's query protocol. */
#include "ml_client.h"
#include "ml_cli.h"
#include "ml_err.h"
#include "ml_log.h"
#include "ml_render.h"
#include "ml_wire.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROG "massline"

// ---------------------------------------------------------------------------
// Text columns that line up with Chinese names.

//  Prints TEXT padded with spaces to WIDTH columns (right-aligned when RIGHT), then two spaces.
static void
s_cell (const char *text, int width, bool right, bool last)
{
    int pad = width - ml_display_width (text);
    if (right)
        printf ("%*s%s", pad > 0 ? pad : 0, "", text);
    else
        printf ("%s%*s", text, last ? 0 : (pad > 0 ? pad : 0), "");
    printf (last ? "\n" : "  ");
}

#define COLS 7

static void
s_row (char cells[COLS][160], int widths[COLS])
{
    static const bool right[COLS] = { false, false, true, true, false, true, false };
    for (int i = 0; i < COLS; i++)
        s_cell (cells[i], widths[i], right[i], i == COLS - 1);
}

// ---------------------------------------------------------------------------
// status

static void
s_time_text (int64_t t, bool iso, char *buf, size_t len)
{
    time_t tt = (time_t) t;
    struct tm tm;
    if (iso)
        strftime (buf, len, "%Y-%m-%dT%H:%M:%SZ", gmtime_r (&tt, &tm));
    else
        strftime (buf, len, "%Y-%m-%d %H:%M:%S", localtime_r (&tt, &tm));
}

static int
s_status_json (const Massline__StatusReply *reply, json_t *upstream)
{
    json_t *units = json_array ();
    for (size_t i = 0; i < reply->n_units; i++) {
        const Massline__UnitStatus *u = reply->units[i];
        json_t *agents = json_array ();
        for (size_t j = 0; j < u->n_agents; j++) {
            const Massline__AgentStatus *a = u->agents[j];
            char seen[32];
            if (a->has_last_seen)
                s_time_text (a->last_seen, true, seen, sizeof seen);
            json_array_append_new (agents, json_pack ("{s:s, s:I, s:o}", "agent", a->agent,
                                   "acked_seq", (json_int_t) a->acked_seq,
                                   "last_seen", a->has_last_seen ? json_string (seen) : json_null ()));
        }
        json_array_append_new (units, json_pack ("{s:s, s:s, s:I, s:I, s:o}", "unit", u->unit,
                               "name", u->name ? u->name : u->unit, "events", (json_int_t) u->events,
                               "rejected", (json_int_t) u->rejected, "agents", agents));
    }
    json_t *root = json_pack ("{s:I, s:o}", "events", (json_int_t) reply->events, "units", units);
    if (root && upstream)               //  the reports sent to a higher tier (docs/tiers.md)
        json_object_set (root, "upstream", upstream);
    char *text = root ? json_dumps (root, JSON_PRESERVE_ORDER) : NULL;
    json_decref (root);
    if (!text) {
        ml_die_msg ("status: out of memory");
        return 1;
    }
    printf ("%s\n", text);
    free (text);
    return 0;
}

static int
s_status_table (const Massline__StatusReply *reply)
{
    //  Two passes over the rows: measure, then print.
    char cells[COLS][160];
    int widths[COLS] = { 0 };
    static const char *const head[COLS] = { "unit", "name", "events", "rejected", "agent", "acked seq", "last seen" };
    for (int pass = 0; pass < 2; pass++) {
        for (int c = 0; c < COLS; c++)
            snprintf (cells[c], sizeof cells[c], "%s", head[c]);
        if (pass == 0)
            for (int c = 0; c < COLS; c++)
                widths[c] = ml_display_width (cells[c]);
        else
            s_row (cells, widths);
        for (size_t i = 0; i < reply->n_units; i++) {
            const Massline__UnitStatus *u = reply->units[i];
            for (size_t j = 0; j < (u->n_agents ? u->n_agents : 1); j++) {
                const Massline__AgentStatus *a = u->n_agents ? u->agents[j] : NULL;
                snprintf (cells[0], sizeof cells[0], "%s", j ? "" : u->unit);
                snprintf (cells[1], sizeof cells[1], "%s", j ? "" : u->name ? u->name : u->unit);
                cells[2][0] = cells[3][0] = 0;
                if (!j) {
                    snprintf (cells[2], sizeof cells[2], "%" PRIu64, u->events);
                    snprintf (cells[3], sizeof cells[3], "%" PRIu64, u->rejected);
                }
                snprintf (cells[4], sizeof cells[4], "%s", a ? a->agent : "-");
                if (a)
                    snprintf (cells[5], sizeof cells[5], "%" PRIu64, a->acked_seq);
                else
                    snprintf (cells[5], sizeof cells[5], "-");
                if (a && a->has_last_seen)
                    s_time_text (a->last_seen, false, cells[6], sizeof cells[6]);
                else
                    snprintf (cells[6], sizeof cells[6], "%s", a ? "never" : "-");
                for (int c = 0; c < COLS && pass == 0; c++) {
                    int w = ml_display_width (cells[c]);
                    widths[c] = w > widths[c] ? w : widths[c];
                }
                if (pass == 1)
                    s_row (cells, widths);
            }
        }
    }
    printf ("total: %" PRIu64 " events in %zu unit%s\n", reply->events, reply->n_units,
            reply->n_units == 1 ? "" : "s");
    return 0;
}

static void s_help (void);

static int
s_cmd_status (int argc, char **argv, const char *config)
{
    bool json = false;
    if (argc == 1 && strcmp (argv[0], "help") == 0) {
        s_help ();                      //  `massline status --help`
        return 0;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp (argv[i], "--json") == 0)
            json = true;
        else
            return ml_cli_usage_error ("status: unexpected argument '%s'", argv[i]);
    }
    Massline__StatusRequest request = MASSLINE__STATUS_REQUEST__INIT;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_STATUS_REQUEST;
    frame.status_request = &request;
    int code;
    Massline__Frame *reply = ml_client_ask (config, "status", &frame, &code);
    if (!reply)
        return code;
    if (reply->msg_case != MASSLINE__FRAME__MSG_STATUS_REPLY) {
        ml_die_msg ("status: the collector answered with something else (frame case %d)", reply->msg_case);
        ml_wire_free (&reply);
        return 1;
    }
    json_t *upstream = ml_client_tier_upstream (config);
    code = json ? s_status_json (reply->status_reply, upstream) : s_status_table (reply->status_reply);
    if (!json)
        ml_client_tier_upstream_print (upstream);
    json_decref (upstream);
    ml_wire_free (&reply);
    return code;
}

static const ml_cli_command_t s_commands[] = {
    { "status", s_cmd_status, "-c client.ini status [--json]",
      "the collector's health: per unit the events stored and rejected, per agent the acked\n"
      "      seq and when it was last seen; --json prints {\"events\": N, \"units\": [...]}" },
    { "report", ml_client_report, "-c client.ini report KIND ...",
      "unit-annual, rollup, cadre, bulletin, watchlist reports in text, json, csv or html\n"
      "      (massline report --help)" },
    { "review", ml_client_review, "-c client.ini review accept|return UNIT YEAR [--reason TEXT]",
      "the bureau's decision on a unit's submitted year (reviewer keys): accept locks the\n"
      "      year and seals its document; return sends it back with the reason" },
    { "watch", ml_client_watch, "-c client.ini watch talk|notice|progress|close --unit U --person P --year Y ...",
      "rectification of a watch-list row (staff and reviewer keys): the admonishment talk,\n"
      "      the notice with its deadline, progress, the verified closure (massline watch help)" },
    { "sample", ml_client_sample, "-c client.ini sample draw|show|finding|appraise|size ...",
      "spot-check samples: draw, show, verify, finding, appraise, list, size\n"
      "      (massline sample --help)" },
    { NULL, NULL, NULL, NULL }
};

static void
s_help (void)
{
    printf ("usage: " PROG " [-c FILE] COMMAND [ARGS]\n\n"
            "The massline client for bureau staff and auditors: asks the collector over CURVE.\n\n"
            "commands:\n");
    for (const ml_cli_command_t *c = s_commands; c->name; c++)
        printf ("  %s\n      %s\n", c->usage, c->help);
    printf ("\noptions:\n"
            "  -c, --config FILE   the client's configuration (default client.ini)\n"
            "  -h, --help          this text\n"
            "  -V, --version       the version\n\n"
            "client.ini:\n");
    ml_client_print_config_help (stdout);
    printf ("\nexit status: 0 ok, 1 the work failed (no answer, refused), 2 bad usage or configuration\n");
}

static const ml_cli_t s_cli = { PROG, "client.ini", s_commands, s_help, "which command? status, report, review, watch or sample", true, false };

int
main (int argc, char **argv)
{
    return ml_cli_main (&s_cli, argc, argv);
}
