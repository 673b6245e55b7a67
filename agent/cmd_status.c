/* cmd_status.c -- massline-agent status: what the outbox holds and the collector said last
   (pending, acknowledged, rejected and why, the bureau's word on the unit's years). */
#include "cmd.h"
#include "ml_i18n.h"
#include "ml_err.h"
#include "ml_ledger.h"
#include "ml_log.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  Prints the bureau's word on the unit's years as the collector last said it (text), or adds it
//  to OBJ as "years" (json).
static void
s_status_years (ml_outbox_t *outbox, json_t *obj)
{
    char *text = ml_outbox_years (outbox);
    json_error_t jerr;
    json_t *years = text ? json_loads (text, 0, &jerr) : NULL;
    free (text);
    if (obj) {
        json_object_set_new (obj, "years", years ? years : json_array ());
        return;
    }
    size_t i;
    json_t *y;
    if (json_array_size (years))
        printf ("years at the bureau:\n");
    json_array_foreach (years, i, y) {
        const char *state = json_string_value (json_object_get (y, "state"));
        printf ("  %lld: %s (version %lld)", (long long) json_integer_value (json_object_get (y, "year")),
                state, (long long) json_integer_value (json_object_get (y, "version")));
        const char *at = json_string_value (json_object_get (y, "decided_at"));
        if (json_string_value (json_object_get (y, "decided_by")))
            printf (" by %s on %.10s", json_string_value (json_object_get (y, "decided_by")),
                    at ? at : "");
        if (json_string_value (json_object_get (y, "reason")))
            printf (": %s%s", strcmp (state, "returned") == 0 ? "returned because " : "",
                    json_string_value (json_object_get (y, "reason")));
        printf ("\n");
    }
    json_decref (years);
}

static char *
s_iso8601 (int64_t t, char *buf, size_t len)
{
    time_t tt = (time_t) t;
    struct tm tm;
    gmtime_r (&tt, &tm);
    strftime (buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

static int
s_reject_json (const ml_outbox_reject_t *r, void *arg)
{
    json_t *obj = json_pack ("{s:s, s:s, s:s, s:I, s:s?}", "ref", r->ref, "code", r->code,
                             "reason", r->reason, "seq", (json_int_t) r->seq, "source", r->source);
    if (obj && r->replaced_by)
        json_object_set_new (obj, "replaced_by", json_integer ((json_int_t) r->replaced_by));
    if (!obj || json_array_append_new (arg, obj))
        return ML_ENOMEM;
    return 0;
}

//  The collector's REASON for rejecting event SEQ, said where the event came from: a reason
//  naming a field, about an event from a CSV ledger, names it as the ledger's template does:
//  "接访台账.csv:14: field '公布日期': not a date (2026/2/30)". Written into BUF.
static const char *
s_reject_message (ml_outbox_t *outbox, uint64_t seq, const char *source, const char *reason,
                  char *buf, size_t len)
{
    char named[600];
    const char *quote = strncmp (reason, "field '", 7) == 0 ? strchr (reason + 7, '\'') : NULL;
    size_t slen = source ? strlen (source) : 0;
    const char *colon = source ? strrchr (source, ':') : NULL;
    bool ledger = colon && ((colon - source >= 4 && strncasecmp (colon - 4, ".csv", 4) == 0)
                         || (colon - source >= 5 && strncasecmp (colon - 5, ".xlsx", 5) == 0));
    Massline__Event *ev = NULL;
    if (quote && ledger && ml_outbox_get (outbox, seq, &ev) == 0) {
        char key[128];
        snprintf (key, sizeof key, "%.*s", (int) (quote - reason - 7), reason + 7);
        //  a correction's fields are its inner event's ("event.date")
        const Massline__Event *plain = ev->body_case == MASSLINE__EVENT__BODY_CORRECTION
                                    && strncmp (key, "event.", 6) == 0 ? ev->correction->event : ev;
        const char *kind = plain ? ml_event_kind (plain) : NULL;
        if (kind) {
            snprintf (named, sizeof named, "field '%s'%s", ml_ledger_label (kind, key), quote + 1);
            reason = named;
        }
    }
    if (slen)
        snprintf (buf, len, "%s: %s", source, reason);
    else
        snprintf (buf, len, "seq %llu: %s", (unsigned long long) seq, reason);
    ml_event_free (&ev);
    return buf;
}

int
ml_cmd_status (const ml_agent_config_t *cfg, int argc, char **argv)
{
    bool as_json = false;
    for (int i = 0; i < argc; i++)
        if (strcmp (argv[i], "--json") == 0)
            as_json = true;
        else {
            ml_die_msg (_("status: unexpected argument '%s' (try --help)"), argv[i]);
            return EXIT_USAGE;
        }
    ml_outbox_t *outbox = ml_agent_open_outbox (cfg, "status");
    if (!outbox)
        return EXIT_WORK;
    int ret = EXIT_WORK, rc;
    ml_outbox_stat_t st;
    char when[32];
    if ((rc = ml_outbox_stat (outbox, &st)))
        goto fail;
    //  a refusal that keeps events pending (another outbox's events under their seqs)
    char trouble[1024];
    uint64_t trouble_seq;
    bool troubled = ml_outbox_trouble (outbox, &trouble_seq, trouble, sizeof trouble);
    //  the rejected events, copied out of the outbox's read, then each said where it came from
    json_t *rejected = json_array ();
    if (!rejected || (rc = ml_outbox_rejects (outbox, s_reject_json, rejected))) {
        json_decref (rejected);
        goto fail;
    }
    size_t i;
    json_t *r;
    json_array_foreach (rejected, i, r) {
        char message[1024];
        s_reject_message (outbox, (uint64_t) json_integer_value (json_object_get (r, "seq")),
                          json_string_value (json_object_get (r, "source")),
                          json_string_value (json_object_get (r, "reason")), message, sizeof message);
        json_object_set_new (r, "message", json_string (message));
    }
    if (as_json) {
        json_t *obj = json_pack ("{s:I, s:I, s:o, s:o, s:I, s:I}",
            "pending", (json_int_t) st.pending, "acked", (json_int_t) st.acked,
            "last_contact", st.last_contact ? json_string (s_iso8601 (st.last_contact, when,
                                                   sizeof when)) : json_null (),
            "rejected", rejected,
            "acked_seq", (json_int_t) st.acked_seq, "next_seq", (json_int_t) st.next_seq);
        if (obj && troubled)
            json_object_set_new (obj, "refused", json_pack ("{s:I, s:s}", "seq",
                                 (json_int_t) trouble_seq, "reason", trouble));
        if (obj)
            s_status_years (outbox, obj);
        char *text = obj ? json_dumps (obj, JSON_PRESERVE_ORDER) : NULL;
        json_decref (obj);
        if (!text) {
            rc = ML_ENOMEM;
            goto fail;
        }
        printf ("%s\n", text);
        free (text);
    }
    else {
        printf ("outbox: %s\n", cfg->outbox);
        printf ("pending: %llu\n", (unsigned long long) st.pending);
        printf ("acknowledged: %llu\n", (unsigned long long) st.acked);
        printf ("rejected: %llu\n", (unsigned long long) st.rejected);
        printf ("last contact: %s\n",
                st.last_contact ? s_iso8601 (st.last_contact, when, sizeof when) : "never");
        if (troubled)
            printf ("refused: %s\n", trouble);
        if (st.rejected)
            printf ("rejected events:\n");
        json_array_foreach (rejected, i, r) {
            json_t *fixed = json_object_get (r, "replaced_by");
            printf ("  %s  [%s; ref %s, seq %lld", json_string_value (json_object_get (r, "message")),
                    json_string_value (json_object_get (r, "code")),
                    json_string_value (json_object_get (r, "ref")),
                    (long long) json_integer_value (json_object_get (r, "seq")));
            if (fixed)
                printf ("; fixed version recorded as seq %lld", (long long) json_integer_value (fixed));
            printf ("]\n");
        }
        json_decref (rejected);
        s_status_years (outbox, NULL);
    }
    ret = 0;
    goto done;
fail:
    ml_die_msg (_("status: outbox %s: %s"), cfg->outbox,
                rc == ML_ENOMEM ? ml_strerror (rc) : ml_outbox_error (outbox));
done:
    ml_outbox_close (&outbox);
    return ret;
}
