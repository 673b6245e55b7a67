/* cmd_chain.c -- massline-agent close and submit: the unit's side of the reporting chain
   (issue 12), recorded through ml_cmd_record_event. */
#include "cmd.h"
#include "ml_i18n.h"
#include "ml_date.h"
#include "ml_err.h"
#include "ml_log.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Records the event JSON OBJ (built here, so always well-formed) for CMD. Returns the exit code.
static int
s_record_json (const ml_agent_config_t *cfg, const char *cmd, json_t *obj)
{
    ml_verr_t err = { "", "" };
    char text[512];
    Massline__Event *ev = obj ? ml_event_from_json (obj, &err) : NULL;
    json_decref (obj);
    if (!ev) {
        ml_die_msg ("%s: %s", cmd, err.reason[0] ? ml_verr_text (&err, text, sizeof text)
                                                 : ml_strerror (ML_ENOMEM));
        return EXIT_WORK;
    }
    int ret = EXIT_WORK;
    ml_outbox_t *outbox = NULL;
    if (ml_event_ensure_ref (ev))
        ml_die_msg ("%s: %s", cmd, ml_strerror (ML_ENOMEM));
    else
    if ((outbox = ml_agent_open_outbox (cfg, cmd)))
        ret = ml_cmd_record_event (outbox, cmd, ev);
    ml_event_free (&ev);
    ml_outbox_close (&outbox);
    return ret;
}

int
ml_cmd_close (const ml_agent_config_t *cfg, int argc, char **argv)
{
    if (argc != 1) {
        ml_die_msg (_("close: usage: close YYYY-MM (try --help)"));
        return EXIT_USAGE;
    }
    char today[11], ref[32];
    //  one close per month: closing it again is the same event ("already recorded")
    snprintf (ref, sizeof ref, "close-%.7s", argv[0]);
    return s_record_json (cfg, "close", json_pack ("{s:s, s:s, s:s, s:s}", "kind", "period_close",
                          "ref", ref, "month", argv[0], "date",
                          ml_date_format (ml_date_today (), today)));
}

int
ml_cmd_submit (const ml_agent_config_t *cfg, int argc, char **argv)
{
    const char *year = NULL, *names[3] = { NULL, NULL, NULL };
    static const char *const opts[3] = { "--filler", "--reviewer", "--approver" };
    for (int i = 0; i < argc; i++) {
        int o = 0;
        while (o < 3 && strcmp (argv[i], opts[o]) != 0)
            o++;
        if (o < 3 && i + 1 < argc)
            names[o] = argv[++i];
        else
        if (o == 3 && !year && argv[i][0] != '-')
            year = argv[i];
        else {
            ml_die_msg (_("submit: unexpected argument '%s' (try --help)"), argv[i]);
            return EXIT_USAGE;
        }
    }
    char *end = NULL;
    long y = year ? strtol (year, &end, 10) : 0;
    if (!year || *end || y < 2000 || y > 2999 || !names[0] || !names[1] || !names[2]) {
        ml_die_msg (_("submit: usage: submit YEAR --filler P --reviewer P --approver P (try --help)"));
        return EXIT_USAGE;
    }
    char today[11], ref[48];
    //  every submission is its own event (a year returned by the bureau is submitted again): its
    //  ref carries the seq it will get
    ml_outbox_stat_t st = { .next_seq = 0 };
    ml_outbox_t *outbox = ml_agent_open_outbox (cfg, "submit");
    if (!outbox || ml_outbox_stat (outbox, &st)) {
        ml_outbox_close (&outbox);
        return EXIT_WORK;
    }
    ml_outbox_close (&outbox);
    snprintf (ref, sizeof ref, "submit-%ld-%llu", y, (unsigned long long) st.next_seq);
    return s_record_json (cfg, "submit", json_pack ("{s:s, s:s, s:i, s:s, s:s, s:s, s:s}",
                          "kind", "year_submission", "ref", ref, "year", (int) y,
                          "filler", names[0], "reviewer", names[1], "approver", names[2],
                          "date", ml_date_format (ml_date_today (), today)));
}
