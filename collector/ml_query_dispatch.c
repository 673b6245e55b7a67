/* ml_query_dispatch.c -- the dispatch of QueryRequests: one table of every command, its handler and who
   may ask it. The handlers check their own arguments and do the work (ml_query_report.c,
   ml_query_sample.c); who may ask is decided here, for all of them.

   Who may ask: staff and auditor keys read every report; an agent key reads only its own unit's
   unit-annual and cadre (rollup, bulletin and watchlist cover and rank every unit, so an agent key
   is refused them rather than shown a one-unit ranking). Agents never see samples; staff may read
   them; only auditors draw them and record findings. Reviewer and leader keys read reports like
   staff; only reviewer keys decide on a submitted year (review accept|return). An agent key may
   verify its own unit's sealed documents.
   Rectification (rules.md S.3, V14) is the bureau's work: staff and reviewer keys record talks,
   notices, progress and closures (watch ...); leaders and auditors read the supervision report
   like every report but record nothing; an agent key never sees it. */
#include "ml_query_dispatch.h"
#include "ml_query_chain.h"
#include "ml_query_events.h"
#include "ml_query_report.h"
#include "ml_query_sample.h"
#include "ml_query_watch.h"
#include "ml_query_tier.h"

#include "ml_err.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

//  Who may ask a command: bits.
enum {
    S_STAFF = 1,                        //  client keys with the staff role
    S_AUDITOR = 2,                      //  client keys with the auditor role
    S_OWN_UNIT = 4,                     //  agent keys, about their own unit (argument unit=)
    S_REVIEWER = 8,                     //  client keys with the reviewer role
    S_LEADER = 16,                      //  client keys with the leader role
    S_READERS = S_STAFF | S_AUDITOR,
    S_REPORTS = S_READERS | S_REVIEWER | S_LEADER
};

typedef struct {
    const char *command;                //  "report KIND" or "sample VERB"
    unsigned who;                       //  who may ask (S_ bits)
    ml_query_check_fn *check;           //  arguments checked before who asks, or NULL
    ml_query_fn *run;                   //  the handler
} s_query_t;

//  The families are listed in these orders in the "unknown" messages.
static const s_query_t s_queries[] = {
    { "report unit-annual", S_REPORTS | S_OWN_UNIT, ml_query_chain_unit_annual_check,
                                                    ml_query_chain_unit_annual },
    { "report rollup",      S_REPORTS,              ml_query_report_check, ml_query_report },
    { "report cadre",       S_REPORTS | S_OWN_UNIT, ml_query_report_check, ml_query_report },
    { "report bulletin",    S_REPORTS,              ml_query_report_check, ml_query_report },
    { "report watchlist",   S_REPORTS,              ml_query_watch_watchlist_check, ml_query_watch_watchlist },
    { "report completeness", S_REPORTS,             ml_query_chain_completeness_check,
                                                    ml_query_chain_completeness },
    { "report verify",      S_REPORTS | S_OWN_UNIT, NULL, ml_query_chain_verify },
    { "report supervision", S_REPORTS,              ml_query_watch_supervision_check,
                                                    ml_query_watch_supervision },
    { "watch talk",         S_STAFF | S_REVIEWER,   ml_query_watch_check, ml_query_watch_record },
    { "watch notice",       S_STAFF | S_REVIEWER,   ml_query_watch_check, ml_query_watch_record },
    { "watch progress",     S_STAFF | S_REVIEWER,   ml_query_watch_check, ml_query_watch_record },
    { "watch close",        S_STAFF | S_REVIEWER,   ml_query_watch_check, ml_query_watch_record },
    { "review accept",      S_REVIEWER,             NULL, ml_query_chain_review },
    { "review return",      S_REVIEWER,             NULL, ml_query_chain_review },
    { "review bureau",      S_REVIEWER,             NULL, ml_query_tier_review_bureau },
    { "report members",     S_REPORTS,              NULL, ml_query_tier_members },
    { "report show",        S_REPORTS,              NULL, ml_query_tier_show },
    { "status upstream",    S_REPORTS,              NULL, ml_query_tier_upstream },
    { "review pending",     S_REPORTS,              NULL, ml_query_review_pending },
    { "events",             S_REPORTS | S_OWN_UNIT, ml_query_events_check, ml_query_events },
    { "sample draw",        S_AUDITOR,              NULL, ml_query_sample_draw },
    { "sample show",        S_READERS,              NULL, ml_query_sample_show },
    { "sample verify",      S_READERS,              NULL, ml_query_sample_verify },
    { "sample finding",     S_AUDITOR,              NULL, ml_query_sample_finding },
    { "sample appraise",    S_READERS,              NULL, ml_query_sample_appraise },
    { "sample list",        S_READERS,              NULL, ml_query_sample_list },
    { NULL, 0, NULL, NULL }
};

#define S_REPORT "report "
#define S_SAMPLE "sample "

static bool
s_prefixed (const char *command, const char *prefix)
{
    return strncmp (command, prefix, strlen (prefix)) == 0;
}

//  The words after PREFIX of the table's commands that have it, "a, b, c", into BUF.
static const char *
s_names (const char *prefix, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (const s_query_t *row = s_queries; row->command; row++)
        if (s_prefixed (row->command, prefix) && at < len)
            at += (size_t) snprintf (buf + at, len - at, "%s%s", at ? ", " : "",
                                     row->command + strlen (prefix));
    return buf;
}

//  Fails Q, whose command is not in the table, with code "unknown".
static int
s_unknown (const ml_query_t *q, char *code, size_t codelen, char *msg, size_t msglen)
{
    char names[256];
    snprintf (code, codelen, "unknown");
    if (s_prefixed (q->command, S_REPORT))
        snprintf (msg, msglen, "unknown report '%.40s' (%s)", q->command + strlen (S_REPORT),
                  s_names (S_REPORT, names, sizeof names));
    else
    if (s_prefixed (q->command, S_SAMPLE))
        snprintf (msg, msglen, "unknown query '%s' (samples: %s)", q->command,
                  s_names (S_SAMPLE, names, sizeof names));
    else
        snprintf (msg, msglen, "unknown query '%s' (reports: 'report KIND', samples: 'sample VERB', "
                  "decisions: 'review accept|return', rectification: 'watch talk|notice|progress|close')",
                  q->command);
    return ML_EINVAL;
}

//  Returns 0 when who asks Q may ask ROW's command; else fails with code "denied".
static int
s_allowed (const ml_query_t *q, const s_query_t *row, char *code, size_t codelen, char *msg,
           size_t msglen)
{
    const ml_principal_t *who = q->who;
    bool agent = who->kind == ML_PRINCIPAL_AGENT;
    bool staff = who->kind == ML_PRINCIPAL_CLIENT && who->role == ML_ROLE_STAFF;
    bool auditor = who->kind == ML_PRINCIPAL_CLIENT && who->role == ML_ROLE_AUDITOR;
    bool reviewer = who->kind == ML_PRINCIPAL_CLIENT && who->role == ML_ROLE_REVIEWER;
    bool leader = who->kind == ML_PRINCIPAL_CLIENT && who->role == ML_ROLE_LEADER;
    const char *unit = ml_query_arg (q, "unit");
    if ((staff && (row->who & S_STAFF)) || (auditor && (row->who & S_AUDITOR))
    ||  (reviewer && (row->who & S_REVIEWER)) || (leader && (row->who & S_LEADER))
    ||  (agent && (row->who & S_OWN_UNIT) && unit && strcmp (unit, who->unit) == 0))
        return 0;
    snprintf (code, codelen, "denied");
    if (s_prefixed (row->command, "review ") && row->who == S_REVIEWER) {
        snprintf (msg, msglen, "%s: only reviewer keys decide on a submitted year; %s is %s",
                  q->command, who->user_id, agent ? "an agent key" : staff ? "staff"
                  : auditor ? "an auditor" : leader ? "a leader" : "no reviewer");
        return ML_EPERM;
    }
    if (s_prefixed (row->command, "watch ")) {
        snprintf (msg, msglen, "%s: only the bureau's staff and reviewer keys record "
                  "rectification; %s is %s", q->command, who->user_id, agent ? "an agent key"
                  : auditor ? "an auditor" : leader ? "a leader (reads only)" : "no staff key");
        return ML_EPERM;
    }
    if (s_prefixed (row->command, S_REPORT) || s_prefixed (row->command, "review ")
    ||  strcmp (row->command, "events") == 0) {
        if (!agent)
            snprintf (msg, msglen, "%s has no role that reads reports", who->user_id);
        else
        if (!(row->who & S_OWN_UNIT))
            snprintf (msg, msglen, "%s covers every unit; an agent key reads only its own unit's "
                      "unit-annual and cadre reports", s_prefixed (row->command, S_REPORT)
                      ? row->command + strlen (S_REPORT) : q->command);
        else
            snprintf (msg, msglen, "the agent key of unit %s may not read unit %.70s", who->unit,
                      unit ? unit : "");
    }
    else
    if (reviewer || leader)
        snprintf (msg, msglen, "%s: only staff and auditor keys may see samples; %s is a %s",
                  q->command, who->user_id, reviewer ? "reviewer" : "leader");
    else
        snprintf (msg, msglen, "%s: %s; %s is %s", q->command,
                  row->who & S_STAFF ? "only staff and auditor keys may see samples"
                                     : "only auditor keys may draw samples and record findings",
                  who->user_id, agent ? "an agent" : staff ? "staff" : "no client role");
    return ML_EPERM;
}

//  Finds Q's command, checks its arguments and who asks: its row, or NULL after failing.
static const s_query_t *
s_check (const ml_query_t *q, char *code, size_t codelen, char *msg, size_t msglen, int *rc)
{
    const s_query_t *row = s_queries;
    while (row->command && strcmp (row->command, q->command) != 0)
        row++;
    if (!row->command) {
        *rc = s_unknown (q, code, codelen, msg, msglen);
        return NULL;
    }
    //  a report's arguments first: a bad request is "invalid" whoever asks
    *rc = row->check ? row->check (q, code, codelen, msg, msglen) : 0;
    if (!*rc)
        *rc = s_allowed (q, row, code, codelen, msg, msglen);
    return *rc ? NULL : row;
}

int
ml_query_dispatch_check (const ml_query_t *q, char *code, size_t codelen, char *msg, size_t msglen)
{
    int rc = 0;
    s_check (q, code, codelen, msg, msglen, &rc);
    return rc;
}

int
ml_query_dispatch (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                   char *msg, size_t msglen)
{
    *reply = NULL;
    int rc = 0;
    const s_query_t *row = s_check (q, code, codelen, msg, msglen, &rc);
    return row ? row->run (q, reply, code, codelen, msg, msglen) : rc;
}

//  The commands that write to the store: the collector answers them one at a time, in turn with
//  ingest (ml_serve.c). A command that writes must be listed here.
static const char *const s_writers[] = {
    "review accept", "review return", "review bureau", "sample draw", "sample finding",
    "watch talk", "watch notice", "watch progress", "watch close", NULL
};

bool
ml_query_dispatch_writes (const char *command)
{
    for (const char *const *w = s_writers; *w; w++)
        if (strcmp (*w, command) == 0)
            return true;
    return false;
}
