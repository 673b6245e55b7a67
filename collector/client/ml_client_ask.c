/* ml_client_ask.c -- one request to the collector named in client.ini [client]: the massline
   client's configuration over proto/ml_ask (the call itself, shared with massline-web and the
   unit desk). */
#include "ml_client.h"
#include "ml_config.h"
#include "ml_keys.h"
#include "ml_log.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

void
ml_client_print_config_help (FILE *out)
{
    ml_config_print_help (out, s_opts);
}

Massline__Frame *
ml_client_exchange (const ml_client_peer_t *peer, const char *what, Massline__Frame *request,
                    char *code, size_t codelen, char *msg, size_t msglen)
{
    return ml_ask_exchange (peer, what, request, code, codelen, msg, msglen);
}

json_t *
ml_client_call (const ml_client_peer_t *peer, const char *command, int nargs, char **args,
                char *code, size_t codelen, char *msg, size_t msglen)
{
    return ml_ask_call (peer, command, nargs, args, code, codelen, msg, msglen);
}

//  Sections seen in an INI file, to tell a client.ini from the other programs' files.
typedef struct {
    bool client, agent, collector;
} s_sections_t;

static int
s_section_seen (void *user, const char *section, const char *name, const char *value, int lineno)
{
    (void) name, (void) value, (void) lineno;
    s_sections_t *seen = user;
    seen->client |= strcmp (section, "client") == 0;
    seen->agent |= strcmp (section, "agent") == 0;
    seen->collector |= strcmp (section, "collector") == 0;
    return 1;
}

//  Refuses a CONFIG that names a folder or another program's file, saying what was expected
//  (otherwise the defaults apply and the error is a misleading "cannot open admin.key").
//  Returns 0, or 2 after saying why; a file that cannot be opened is left to ml_config_load.
static int
s_config_kind (const char *config)
{
    static const char expect[] = "massline needs a client's configuration with a [client] "
                                 "section (client.ini; init writes BUREAU/staff/admin.ini)";
    struct stat st;
    if (stat (config, &st) == 0 && S_ISDIR (st.st_mode)) {
        ml_die_msg ("%s: a folder, not a file; %s", config, expect);
        return 2;
    }
    s_sections_t seen = { false, false, false };
    if (ml_ini_parse (config, s_section_seen, &seen) < 0 || seen.client)
        return 0;
    ml_die_msg ("%s: %s; %s", config,
                seen.agent ? "an agent's configuration ([agent]), for massline-agent"
                : seen.collector ? "the collector's configuration ([collector]), for massline-collector"
                : "no [client] section", expect);
    return 2;
}

//  Loads client.ini CONFIG into CFG and the secret key into SECRET; prints why not.
static int
s_load (const char *config, s_config_t *cfg, char *secret, ml_client_peer_t *peer)
{
    char err[1024];
    if (s_config_kind (config))
        return 2;
    if (ml_config_load (config, s_opts, cfg, err, sizeof err)
    ||  ml_key_read_secret (cfg->secret_key, secret, err, sizeof err)) {
        ml_die_msg ("%s", err);
        return 2;
    }
    memset (peer, 0, sizeof *peer);
    peer->query = cfg->query;
    peer->collector_key = cfg->collector_key;
    peer->public_key = cfg->public_key;
    peer->secret_key = secret;
    peer->timeout_ms = cfg->timeout_ms;
    return 0;
}

Massline__Frame *
ml_client_ask (const char *config, const char *what, Massline__Frame *request, int *code)
{
    s_config_t cfg = { 0 };
    char secret[ML_KEY_LEN + 1] = "", ecode[64], msg[1024];
    ml_client_peer_t peer;
    Massline__Frame *reply = NULL;
    *code = s_load (config, &cfg, secret, &peer);
    if (!*code) {
        reply = ml_ask_exchange (&peer, what, request, ecode, sizeof ecode, msg, sizeof msg);
        if (!reply)
            ml_die_msg ("%s", msg);
        *code = reply ? 0 : 1;
    }
    memset (secret, 0, sizeof secret);
    ml_config_free (s_opts, &cfg);
    return reply;
}

static json_t *
s_query (const char *config, const char *command, int nargs, char **args, int *code,
         char *ecode, size_t ecodelen, char *msg, size_t msglen)
{
    s_config_t cfg = { 0 };
    char secret[ML_KEY_LEN + 1] = "";
    ml_client_peer_t peer;
    json_t *json = NULL;
    *code = s_load (config, &cfg, secret, &peer);
    if (!*code) {
        json = ml_ask_call (&peer, command, nargs, args, ecode, ecodelen, msg, msglen);
        *code = json ? 0 : 1;
    }
    memset (secret, 0, sizeof secret);
    ml_config_free (s_opts, &cfg);
    return json;
}

json_t *
ml_client_query (const char *config, const char *command, int nargs, char **args, int *code)
{
    char ecode[64], msg[1024];
    json_t *json = s_query (config, command, nargs, args, code, ecode, sizeof ecode, msg,
                            sizeof msg);
    if (!json && *code == 1)
        ml_die_msg ("%s", msg);
    return json;
}

json_t *
ml_client_query_quiet (const char *config, const char *command, int nargs, char **args,
                       char *ecode, size_t ecodelen, char *msg, size_t msglen)
{
    int code = 0;
    snprintf (ecode, ecodelen, "config");
    snprintf (msg, msglen, "%s: cannot be read", config);
    return s_query (config, command, nargs, args, &code, ecode, ecodelen, msg, msglen);
}
