/* client.c -- massline: the staff and auditor client; speaks only the collector's query protocol. */
#include "ml_client.h"
#include "ml_cli.h"
#include "ml_config.h"
#include "ml_err.h"
#include "ml_keys.h"
#include "ml_log.h"
#include "ml_render.h"
#include "ml_wire.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define PROG "massline"

//  client.ini, [client] (docs/config.md).
typedef struct {
    char *query;                        //  the collector's query endpoint
    char *collector_key;                //  its public key (Z85 text)
    char *public_key;                   //  ours (Z85 text)
    char *secret_key;                   //  path of our secret key file (mode 0600)
    long timeout_ms;                    //  how long to wait for an answer
} s_config_t;

static const ml_opt_t s_opts[] = {
    { "client", "query", ML_OPT_STR, "tcp://127.0.0.1:7702", offsetof (s_config_t, query),
      "the collector's query endpoint" },
    { "client", "collector_key", ML_OPT_KEY, "collector.pub", offsetof (s_config_t, collector_key),
      "the collector's public key: a file or the 40-char Z85 text" },
    { "client", "public_key", ML_OPT_KEY, "admin.pub", offsetof (s_config_t, public_key),
      "this client's public key: a file or the 40-char Z85 text" },
    { "client", "secret_key", ML_OPT_PATH, "admin.key", offsetof (s_config_t, secret_key),
      "this client's secret key file; must be mode 0600" },
    { "client", "timeout_ms", ML_OPT_INT, "10000", offsetof (s_config_t, timeout_ms),
      "how long to wait for the collector's answer" },
    { NULL, NULL, 0, NULL, 0, NULL }
};

// ---------------------------------------------------------------------------
// Talking to the collector.

//  Sends REQUEST to the collector of CONFIG and waits for one answer. Returns the reply frame,
//  or NULL after printing why; *CODE is the exit code then (1 no answer/refused, 2 config).
static Massline__Frame *
s_ask (const char *config, const char *what, Massline__Frame *request, int *code)
{
    s_config_t cfg = { 0 };
    char err[1024], secret[ML_KEY_LEN + 1];
    Massline__Frame *reply = NULL;
    void *ctx = NULL, *sock = NULL;
    *code = 2;
    if (ml_config_load (config, s_opts, &cfg, err, sizeof err)
    ||  ml_key_read_secret (cfg.secret_key, secret, err, sizeof err)) {
        ml_die_msg ("%s", err);
        goto done;
    }
    *code = 1;
    ctx = zmq_ctx_new ();
    sock = ctx ? zmq_socket (ctx, ZMQ_DEALER) : NULL;
    int zero = 0;
    if (!sock
    ||  zmq_setsockopt (sock, ZMQ_LINGER, &zero, sizeof zero)
    ||  zmq_setsockopt (sock, ZMQ_CURVE_SERVERKEY, cfg.collector_key, ML_KEY_LEN + 1)
    ||  zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY, cfg.public_key, ML_KEY_LEN + 1)
    ||  zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, secret, ML_KEY_LEN + 1)
    ||  zmq_connect (sock, cfg.query)) {
        ml_die_msg ("%s: cannot connect to %s: %s", what, cfg.query, zmq_strerror (zmq_errno ()));
        goto done;
    }
    size_t len;
    uint8_t *buf = ml_wire_pack (request, &len);
    int sent = buf ? zmq_send (sock, buf, len, 0) : -1;
    free (buf);
    zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
    if (sent < 0 || zmq_poll (&item, 1, cfg.timeout_ms) <= 0) {
        ml_die_msg ("no answer from %s within %g s", cfg.query, cfg.timeout_ms / 1000.0);
        goto done;
    }
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    if (zmq_msg_recv (&msg, sock, 0) >= 0) {
        int wcode;
        reply = ml_wire_unpack (zmq_msg_data (&msg), zmq_msg_size (&msg), &wcode, err, sizeof err);
        if (!reply)
            ml_die_msg ("%s: the collector's answer: %s", what, err);
    }
    zmq_msg_close (&msg);
    if (reply && reply->msg_case == MASSLINE__FRAME__MSG_ERROR) {
        ml_die_msg ("%s: the collector refused: %s: %s", what, reply->error->code, reply->error->message);
        ml_wire_free (&reply);
    }
    if (reply)
        *code = 0;
done:
    memset (secret, 0, sizeof secret);
    if (sock)
        zmq_close (sock);
    if (ctx)
        zmq_ctx_term (ctx);
    ml_config_free (s_opts, &cfg);
    return reply;
}

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
s_status_json (const Massline__StatusReply *reply)
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
    Massline__Frame *reply = s_ask (config, "status", &frame, &code);
    if (!reply)
        return code;
    if (reply->msg_case != MASSLINE__FRAME__MSG_STATUS_REPLY) {
        ml_die_msg ("status: the collector answered with something else (frame case %d)", reply->msg_case);
        ml_wire_free (&reply);
        return 1;
    }
    code = json ? s_status_json (reply->status_reply) : s_status_table (reply->status_reply);
    ml_wire_free (&reply);
    return code;
}

json_t *
ml_client_query (const char *config, const char *command, int nargs, char **args, int *code)
{
    Massline__QueryRequest request = MASSLINE__QUERY_REQUEST__INIT;
    request.command = (char *) command;
    request.args = args;
    request.n_args = (size_t) nargs;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_QUERY_REQUEST;
    frame.query_request = &request;
    Massline__Frame *reply = s_ask (config, command, &frame, code);
    if (!reply)
        return NULL;
    json_t *json = NULL;
    if (reply->msg_case != MASSLINE__FRAME__MSG_QUERY_REPLY)
        ml_die_msg ("%s: the collector answered with something else (frame case %d)", command, reply->msg_case);
    else {
        json_error_t jerr;
        json = json_loads (reply->query_reply->json, 0, &jerr);
        if (!json)
            ml_die_msg ("%s: the collector's answer is not JSON: %s", command, jerr.text);
    }
    ml_wire_free (&reply);
    *code = json ? 0 : 1;
    return json;
}

static const ml_cli_command_t s_commands[] = {
    { "status", s_cmd_status, "-c client.ini status [--json]",
      "the collector's health: per unit the events stored and rejected, per agent the acked\n"
      "      seq and when it was last seen; --json prints {\"events\": N, \"units\": [...]}" },
    { "report", ml_client_report, "-c client.ini report KIND ...",
      "unit-annual, rollup, cadre, bulletin, watchlist reports in text, json, csv or html\n"
      "      (massline report --help)" },
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
    ml_config_print_help (stdout, s_opts);
    printf ("\nexit status: 0 ok, 1 the work failed (no answer, refused), 2 bad usage or configuration\n");
}

static const ml_cli_t s_cli = { PROG, "client.ini", s_commands, s_help, "which command? status, report or sample", true, false };

int
main (int argc, char **argv)
{
    return ml_cli_main (&s_cli, argc, argv);
}
