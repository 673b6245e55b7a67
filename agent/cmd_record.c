/* cmd_record.c -- massline-agent record, import and refs, and the one way every command records
   an event: validated against the outbox's roster and today, then appended. */
#include "cmd.h"
#include "ml_i18n.h"
#include "ml_date.h"
#include "ml_err.h"
#include "ml_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ml_import.h"

// ---------------------------------------------------------------------------------------------
// recording one event

//  The roster for one recorded event: the outbox's, plus what the event itself defines.
typedef struct {
    ml_outbox_t *outbox;
    const char *person;         //  id a `person` event defines, or NULL
    const char *org;            //  id an `org` event defines, or NULL
} s_roster_t;

static bool
s_roster_person (void *ctx, const char *id)
{
    s_roster_t *r = ctx;
    return (r->person && strcmp (r->person, id) == 0) || ml_outbox_has_person (r->outbox, id);
}

static bool
s_roster_org (void *ctx, const char *id)
{
    s_roster_t *r = ctx;
    return (r->org && strcmp (r->org, id) == 0) || ml_outbox_has_org (r->outbox, id);
}

//  The roster and today, as `record` validates with.
static ml_vctx_t
s_vctx (s_roster_t *roster)
{
    return (ml_vctx_t) { s_roster_person, s_roster_org, roster, ml_date_today () };
}

//  Validates EV and appends it to OUTBOX with source "record" (and what it supersedes); prints
//  its ref. CMD names the command in messages. Returns 0 or EXIT_WORK (printed).
int
ml_cmd_record_event (ml_outbox_t *outbox, const char *cmd, Massline__Event *ev)
{
    const Massline__Event *plain = ev->body_case == MASSLINE__EVENT__BODY_CORRECTION
                                 ? ev->correction->event : ev;
    s_roster_t roster = { outbox,
        plain->body_case == MASSLINE__EVENT__BODY_PERSON ? plain->person->person : NULL,
        plain->body_case == MASSLINE__EVENT__BODY_ORG ? plain->org->org : NULL };
    ml_vctx_t vctx = s_vctx (&roster);
    ml_verr_t err = { "", "" };
    char text[512];
    if (ml_event_validate (ev, &vctx, &err)) {
        ml_die_msg ("%s: %s", cmd, ml_verr_text (&err, text, sizeof text));
        return EXIT_WORK;
    }
    ml_outbox_item_t item = { .ref = ev->ref, .source = "record",
                              .person = roster.person, .org = roster.org };
    if (ev->body_case == MASSLINE__EVENT__BODY_CORRECTION)
        item.supersedes = ev->correction->supersedes;
    if (ev->body_case == MASSLINE__EVENT__BODY_VOID) {
        item.supersedes = ev->void_->supersedes;
        item.voids = true;
    }
    uint8_t *data = ml_event_pack (ev, &item.len);
    if (!data) {
        ml_die_msg ("%s: %s", cmd, ml_strerror (ML_ENOMEM));
        return EXIT_WORK;
    }
    size_t frame_max, event_max = ml_outbox_event_max (outbox, &frame_max);
    if (item.len > event_max) {
        ml_die_msg (_("%s: the event is %zu bytes packed, more than the collector takes "
                    "(max_frame_bytes %zu, less %d bytes of framing): nothing recorded"), cmd,
                    item.len, frame_max, ML_BATCH_FRAMING);
        free (data);
        return EXIT_WORK;
    }
    item.data = data;
    int rc = ml_outbox_append (outbox, &item, 1, false);
    free (data);
    if (rc == 0) {
        printf ("%s\n", ev->ref);
        if (item.status == ML_EDUP)
            ml_die_msg (_("%s: %s was already recorded (seq %llu); nothing added"), cmd, ev->ref,
                        (unsigned long long) item.seq);
        return 0;
    }
    if (rc == ML_ECONFLICT)
        ml_die_msg (_("%s: field 'ref': already recorded with different content (%s)"), cmd, ev->ref);
    else
        ml_die_msg (_("%s: nothing recorded: outbox %s: %s (%s)"), cmd, ml_outbox_dir (outbox),
                    ml_strerror (rc), ml_outbox_error (outbox));
    return EXIT_WORK;
}

// ---------------------------------------------------------------------------------------------
// record

int
ml_cmd_record (const ml_agent_config_t *cfg, int argc, char **argv)
{
    if (argc < 1) {
        ml_die_msg (_("record: missing KIND (try --help)"));
        return EXIT_USAGE;
    }
    ml_verr_t err = { "", "" };
    char text[512];
    Massline__Event *ev = ml_event_from_kv (argv[0], argc - 1, argv + 1, &err);
    if (!ev) {
        ml_die_msg ("record: %s", ml_verr_text (&err, text, sizeof text));
        return EXIT_WORK;
    }
    int ret = EXIT_WORK;
    ml_outbox_t *outbox = NULL;
    int rc = ml_event_ensure_ref (ev);
    if (rc)
        ml_die_msg ("record: %s", ml_strerror (rc));
    else
    if ((outbox = ml_agent_open_outbox (cfg, "record")))
        ret = ml_cmd_record_event (outbox, "record", ev);
    ml_event_free (&ev);
    ml_outbox_close (&outbox);
    return ret;
}

// ---------------------------------------------------------------------------------------------
// import and refs

//  One line of `refs`: "FILE:LINE  REF  new | recorded (seq N) | recorded with other content".
static void
s_print_ref (void *arg, size_t line, const char *ref, int status, uint64_t seq)
{
    if (status == 0)
        printf ("%s:%zu\t%s\tnew\n", (const char *) arg, line, ref);
    else
        printf ("%s:%zu\t%s\trecorded%s (seq %llu)\n", (const char *) arg, line, ref,
                status != ML_ECONFLICT ? "" : ref[0] == '~' ? " with another note"
                                                            : " with other content",
                (unsigned long long) seq);
}

int
ml_cmd_refs (const ml_agent_config_t *cfg, int argc, char **argv)
{
    if (argc < 1) {
        ml_die_msg (_("refs: no FILE given (try --help)"));
        return EXIT_USAGE;
    }
    for (int i = 0; i < argc; i++)
        if (!ml_import_is_ledger (argv[i])) {
            ml_die_msg (_("%s: not a ledger file (expected a .csv, .xlsx or .jsonl file)"), argv[i]);
            return EXIT_USAGE;
        }
    ml_outbox_t *outbox = ml_agent_open_outbox (cfg, "refs");
    if (!outbox)
        return EXIT_WORK;
    int ret = 0;
    for (int i = 0; i < argc; i++) {
        size_t recorded, skipped;
        if (ml_import_file (outbox, argv[i], argv[i], NULL, &recorded, &skipped, s_print_ref, argv[i]))
            ret = EXIT_WORK;
    }
    fflush (stdout);
    ml_outbox_close (&outbox);
    return ret;
}

//  Imports one file named on the command line. Returns 0 or EXIT_WORK (messages printed).
static int
s_import_file (ml_outbox_t *outbox, const char *file)
{
    size_t recorded, skipped;
    if (ml_import_file (outbox, file, file, NULL, &recorded, &skipped, NULL, NULL))
        return EXIT_WORK;
    printf (_("%s: %zu events recorded, %zu already recorded\n"), file, recorded, skipped);
    fflush (stdout);
    return 0;
}

int
ml_cmd_import (const ml_agent_config_t *cfg, int argc, char **argv)
{
    if (argc < 1) {
        ml_die_msg (_("import: no FILE given (try --help)"));
        return EXIT_USAGE;
    }
    //  refuse what cannot be read before touching anything
    for (int i = 0; i < argc; i++)
        if (!ml_import_is_ledger (argv[i])) {
            ml_die_msg (_("%s: not a ledger file (expected a .csv, .xlsx or .jsonl file)"), argv[i]);
            return EXIT_USAGE;
        }
    ml_outbox_t *outbox = ml_agent_open_outbox (cfg, "import");
    if (!outbox)
        return EXIT_WORK;
    int ret = 0;
    for (int i = 0; i < argc; i++)
        if (s_import_file (outbox, argv[i]))
            ret = EXIT_WORK;
    ml_outbox_close (&outbox);
    return ret;
}
