/* main.c -- massline-agent: records a unit's events in a durable outbox and forwards them to
   the bureau's collector. Commands: record, import, refs, correct, void, close, submit, template,
   status here;
   run and flush (forwarding, and the spool folder) in massline-agent-forward, which this program
   execs for them with the command line as parsed here (interfaces.md, ml_agent.h). The command
   line is lib/ml_cli's, as for massline-collector and massline. */
#include "ml_agent.h"
#include "ml_cli.h"
#include "ml_date.h"
#include "ml_err.h"
#include "ml_event.h"
#include "ml_import.h"
#include "ml_ledger.h"
#include "ml_xlsx.h"
#include "ml_log.h"
#include "ml_outbox.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROG "massline-agent"

enum { EXIT_WORK = ML_AGENT_EXIT_WORK, EXIT_USAGE = ML_AGENT_EXIT_USAGE };

// ---------------------------------------------------------------------------------------------
// record

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

static int s_record_event (ml_outbox_t *outbox, const char *cmd, Massline__Event *ev);

static int
s_cmd_record (const ml_agent_config_t *cfg, int argc, char **argv)
{
    if (argc < 1) {
        ml_die_msg ("record: missing KIND (try --help)");
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
        ret = s_record_event (outbox, "record", ev);
    ml_event_free (&ev);
    ml_outbox_close (&outbox);
    return ret;
}

// ---------------------------------------------------------------------------------------------
// import

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

static int
s_cmd_refs (const ml_agent_config_t *cfg, int argc, char **argv)
{
    if (argc < 1) {
        ml_die_msg ("refs: no FILE given (try --help)");
        return EXIT_USAGE;
    }
    for (int i = 0; i < argc; i++)
        if (!ml_import_is_ledger (argv[i])) {
            ml_die_msg ("%s: not a ledger file (expected a .csv, .xlsx or .jsonl file)", argv[i]);
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
    printf ("%s: %zu events recorded, %zu already recorded\n", file, recorded, skipped);
    fflush (stdout);
    return 0;
}

static int
s_cmd_import (const ml_agent_config_t *cfg, int argc, char **argv)
{
    if (argc < 1) {
        ml_die_msg ("import: no FILE given (try --help)");
        return EXIT_USAGE;
    }
    //  refuse what cannot be read before touching anything
    for (int i = 0; i < argc; i++)
        if (!ml_import_is_ledger (argv[i])) {
            ml_die_msg ("%s: not a ledger file (expected a .csv, .xlsx or .jsonl file)", argv[i]);
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

// ---------------------------------------------------------------------------------------------
// correct and void

//  The roster and today, as `record` validates with.
static ml_vctx_t
s_vctx (s_roster_t *roster)
{
    return (ml_vctx_t) { s_roster_person, s_roster_org, roster, ml_date_today () };
}

//  Validates EV and appends it to OUTBOX with source "record" (and what it supersedes); prints
//  its ref. CMD names the command in messages. Returns 0 or EXIT_WORK (printed).
static int
s_record_event (ml_outbox_t *outbox, const char *cmd, Massline__Event *ev)
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
        ml_die_msg ("%s: the event is %zu bytes packed, more than the collector takes "
                    "(max_frame_bytes %zu, less %d bytes of framing): nothing recorded", cmd,
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
            ml_die_msg ("%s: %s was already recorded (seq %llu); nothing added", cmd, ev->ref,
                        (unsigned long long) item.seq);
        return 0;
    }
    if (rc == ML_ECONFLICT)
        ml_die_msg ("%s: field 'ref': already recorded with different content (%s)", cmd, ev->ref);
    else
        ml_die_msg ("%s: nothing recorded: outbox %s: %s (%s)", cmd, ml_outbox_dir (outbox),
                    ml_strerror (rc), ml_outbox_error (outbox));
    return EXIT_WORK;
}

//  Looks REF up for CMD: its current version into *EV_P and where it stands into V. Returns 0,
//  or ML_ENOTFOUND, ML_EINVAL (REF is a correction or void itself) or the storage error (printed).
static int
s_current (ml_outbox_t *outbox, const char *cmd, const char *ref, Massline__Event **ev_p,
           ml_outbox_version_t *v)
{
    int rc = ml_outbox_current (outbox, ref, ev_p, v);
    if (rc && v->reclaimed)
        ml_die_msg ("%s: %s was acknowledged long ago and its content reclaimed from the outbox "
                    "(outbox_max_mb); record the whole corrected event: record correction "
                    "supersedes=%s ...", cmd, ref, ref);
    else
    if (rc == ML_ENOTFOUND)
        ml_die_msg ("%s: %s is not in this agent's outbox (%s)", cmd, ref, ml_outbox_dir (outbox));
    else
    if (rc)
        ml_die_msg ("%s: outbox %s: %s (%s)", cmd, ml_outbox_dir (outbox), ml_strerror (rc),
                    ml_outbox_error (outbox));
    else
    if (v->control) {
        const Massline__Event *ev = *ev_p;
        const char *target = ev->body_case == MASSLINE__EVENT__BODY_VOID ? ev->void_->supersedes
                                                                          : ev->correction->supersedes;
        ml_die_msg ("%s: %s is itself a %s of %s; %s %s instead", cmd, ref, ml_event_kind (ev),
                    target, cmd, target);
        rc = ML_EINVAL;
    }
    if (rc)
        ml_event_free (ev_p);
    return rc;
}

//  The "key=value" words of EV's keys (kind and ref left out), as `record` takes them. Caller
//  frees each word and the array; *COUNT gets how many. NULL when out of memory.
static char **
s_event_words (const Massline__Event *ev, int *count)
{
    json_t *obj = ml_event_to_json (ev);
    char **words = obj ? calloc (json_object_size (obj) + 1, sizeof *words) : NULL;
    int n = 0;
    const char *key;
    json_t *value;
    json_object_foreach (obj, key, value) {
        if (!words)
            break;
        if (strcmp (key, "kind") == 0 || strcmp (key, "ref") == 0)
            continue;
        char *text = json_is_string (value) ? strdup (json_string_value (value))
                   : json_dumps (value, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text || asprintf (&words[n], "%s=%s", key, text) < 0)
            words[n] = NULL;
        free (text);
        if (!words[n++]) {
            while (n > 0)
                free (words[--n]);
            free (words);
            words = NULL;
        }
    }
    json_decref (obj);
    *count = n;
    return words;
}

//  Replaces or adds the word "KEY=..." of WORD in WORDS (an empty value removes the key).
//  WORDS has room for one more. Returns 0 or ML_ENOMEM.
static int
s_set_word (char **words, int *count, const char *word)
{
    size_t klen = (size_t) (strchr (word, '=') - word);
    int i = 0;
    while (i < *count && !(strncmp (words[i], word, klen + 1) == 0))
        i++;
    if (i < *count) {
        free (words[i]);
        words[i] = words[--*count];
        words[*count] = NULL;
    }
    if (word[klen + 1] == 0)
        return 0;
    if (!(words[*count] = strdup (word)))
        return ML_ENOMEM;
    ++*count;
    return 0;
}

//  "~" + 24 hex digits of SHA-256 over the packed correction CORR (without ref and note), a 0
//  byte and VERSION_REF: the same change of the same version always gets the same ref, and a
//  change back to an earlier state is still a new event.
static char *
s_correction_ref (Massline__Event *corr, const char *version_ref)
{
    char *note = corr->note;
    corr->note = NULL;
    size_t len;
    uint8_t *packed = ml_event_pack (corr, &len);
    corr->note = note;
    size_t vlen = strlen (version_ref);
    uint8_t *buf = packed ? realloc (packed, len + 1 + vlen) : NULL;
    if (!buf) {
        free (packed);
        return NULL;
    }
    buf[len] = 0;
    memcpy (buf + len + 1, version_ref, vlen);
    uint8_t hash[32];
    ml_sha256 (buf, len + 1 + vlen, hash);
    free (buf);
    char *ref = malloc (26);
    if (ref) {
        ref[0] = '~';
        for (int i = 0; i < 12; i++)
            snprintf (ref + 1 + 2 * i, 3, "%02x", hash[i]);
    }
    return ref;
}

//  Takes "--restatement TEXT" (or --restatement=TEXT) out of ARGV (*ARGC shrinks): the reason
//  that lets a correction or void into a year the bureau has accepted (locked). NULL when absent.
static const char *
s_take_restatement (int *argc, char **argv)
{
    const char *reason = NULL;
    int out = 0;
    for (int i = 0; i < *argc; i++)
        if (strcmp (argv[i], "--restatement") == 0 && i + 1 < *argc)
            reason = argv[++i];
        else
        if (strncmp (argv[i], "--restatement=", 14) == 0)
            reason = argv[i] + 14;
        else
            argv[out++] = argv[i];
    *argc = out;
    return reason;
}

static int
s_cmd_correct (const ml_agent_config_t *cfg, int argc, char **argv)
{
    const char *restatement = s_take_restatement (&argc, argv);
    if (argc < 2) {
        ml_die_msg ("correct: usage: correct REF key=value... (try --help)");
        return EXIT_USAGE;
    }
    const char *ref = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *eq = strchr (argv[i], '=');
        if (!eq || eq == argv[i]) {
            ml_die_msg ("correct: '%s' is not key=value", argv[i]);
            return EXIT_USAGE;
        }
        if (strncmp (argv[i], "ref=", 4) == 0 || strncmp (argv[i], "kind=", 5) == 0) {
            ml_die_msg ("correct: %.*s cannot change: a correction keeps the kind and ref of %s "
                        "(void it and record a new event instead)", (int) (eq - argv[i]), argv[i], ref);
            return EXIT_USAGE;
        }
    }
    ml_outbox_t *outbox = ml_agent_open_outbox (cfg, "correct");
    if (!outbox)
        return EXIT_WORK;
    int ret = EXIT_WORK, nwords = 0;
    char **words = NULL, text[512];
    Massline__Event *cur = NULL, *next = NULL, *corr = NULL;
    json_t *obj = NULL;
    ml_outbox_version_t v;
    if (s_current (outbox, "correct", ref, &cur, &v))
        goto done;
    if (v.voided) {
        ml_die_msg ("correct: %s is voided; record a new event instead", ref);
        goto done;
    }
    //  the current version's keys, with the changes: then built as `record` builds an event
    words = s_event_words (cur, &nwords);
    char **grown = words ? realloc (words, (size_t) (nwords + argc + 1) * sizeof *words) : NULL;
    if (!grown) {
        ml_die_msg ("correct: %s", ml_strerror (ML_ENOMEM));
        goto done;
    }
    words = grown;
    for (int i = 1; i < argc; i++)
        if (s_set_word (words, &nwords, argv[i])) {
            ml_die_msg ("correct: %s", ml_strerror (ML_ENOMEM));
            goto done;
        }
    ml_verr_t err = { "", "" };
    if (!(next = ml_event_from_kv (ml_event_kind (cur), nwords, words, &err))) {
        ml_die_msg ("correct: %s", ml_verr_text (&err, text, sizeof text));
        goto done;
    }
    if (!(next->ref = strdup (ref))) {
        ml_die_msg ("correct: %s", ml_strerror (ML_ENOMEM));
        goto done;
    }
    size_t la, lb;
    uint8_t *a = ml_event_pack (cur, &la), *b = ml_event_pack (next, &lb);
    bool same = a && b && la == lb && memcmp (a, b, la) == 0;
    free (a);
    free (b);
    if (same) {
        printf ("%s\n", v.version_ref);
        ml_die_msg ("correct: %s already reads so (%s); nothing recorded", ref, v.version_ref);
        ret = 0;
        goto done;
    }
    if (v.rejected && v.version_seq == v.seq) {
        //  the collector never took REF: its fixed version simply takes over the ref
        ml_die_msg ("correct: %s was rejected by the collector; recording its fixed version "
                    "under the same ref", ref);
        ret = s_record_event (outbox, "correct", next);
        goto done;
    }
    char today[11];
    json_t *inner = ml_event_to_json (next);
    obj = inner ? json_pack ("{s:s, s:s, s:s, s:o}", "kind", "correction", "supersedes", ref,
                             "date", ml_date_format (ml_date_today (), today), "event", inner) : NULL;
    if (obj && restatement)
        json_object_set_new (obj, "restatement_reason", json_string (restatement));
    if (!obj || !(corr = ml_event_from_json (obj, &err))
    ||  !(corr->ref = s_correction_ref (corr, v.version_ref))) {
        ml_die_msg ("correct: %s", obj && !corr ? ml_verr_text (&err, text, sizeof text)
                                                : ml_strerror (ML_ENOMEM));
        goto done;
    }
    ret = s_record_event (outbox, "correct", corr);
done:
    for (int i = 0; i < nwords; i++)
        free (words[i]);
    free (words);
    json_decref (obj);
    ml_event_free (&cur);
    ml_event_free (&next);
    ml_event_free (&corr);
    ml_outbox_close (&outbox);
    return ret;
}

static int
s_cmd_void (const ml_agent_config_t *cfg, int argc, char **argv)
{
    const char *restatement = s_take_restatement (&argc, argv);
    const char *ref = NULL, *reason = NULL;
    for (int i = 0; i < argc; i++)
        if (strcmp (argv[i], "--reason") == 0 && i + 1 < argc)
            reason = argv[++i];
        else
        if (strncmp (argv[i], "--reason=", 9) == 0)
            reason = argv[i] + 9;
        else
        if (!ref && argv[i][0] != '-')
            ref = argv[i];
        else {
            ml_die_msg ("void: unexpected argument '%s' (try --help)", argv[i]);
            return EXIT_USAGE;
        }
    if (!ref || !reason || !*reason) {
        ml_die_msg ("void: usage: void REF --reason TEXT (try --help)");
        return EXIT_USAGE;
    }
    ml_outbox_t *outbox = ml_agent_open_outbox (cfg, "void");
    if (!outbox)
        return EXIT_WORK;
    int ret = EXIT_WORK;
    Massline__Event *cur = NULL, *ev = NULL;
    json_t *obj = NULL;
    ml_outbox_version_t v;
    int rc = s_current (outbox, "void", ref, &cur, &v);
    if (rc == ML_ENOTFOUND)
        ml_die_msg ("void: to void a ref this agent never recorded: massline-agent record void "
                    "supersedes=%s reason=TEXT", ref);
    if (rc)
        goto done;
    if (v.voided) {
        ml_die_msg ("void: %s is voided already; nothing recorded", ref);
        ret = 0;
        goto done;
    }
    if (v.rejected && v.version_seq == v.seq) {
        ml_die_msg ("void: %s was rejected by the collector, so it never counted; nothing recorded", ref);
        ret = 0;
        goto done;
    }
    char today[11], text[512];
    ml_verr_t err = { "", "" };
    obj = json_pack ("{s:s, s:s, s:s, s:s}", "kind", "void", "supersedes", ref, "reason", reason,
                     "date", ml_date_format (ml_date_today (), today));
    if (obj && restatement)
        json_object_set_new (obj, "restatement_reason", json_string (restatement));
    if (!obj || !(ev = ml_event_from_json (obj, &err)) || ml_event_ensure_ref (ev)) {
        ml_die_msg ("void: %s", obj && !ev ? ml_verr_text (&err, text, sizeof text)
                                           : ml_strerror (ML_ENOMEM));
        goto done;
    }
    ret = s_record_event (outbox, "void", ev);
done:
    json_decref (obj);
    ml_event_free (&cur);
    ml_event_free (&ev);
    ml_outbox_close (&outbox);
    return ret;
}

// ---------------------------------------------------------------------------------------------
// close and submit (the reporting chain, issue 12)

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
        ret = s_record_event (outbox, cmd, ev);
    ml_event_free (&ev);
    ml_outbox_close (&outbox);
    return ret;
}

static int
s_cmd_close (const ml_agent_config_t *cfg, int argc, char **argv)
{
    if (argc != 1) {
        ml_die_msg ("close: usage: close YYYY-MM (try --help)");
        return EXIT_USAGE;
    }
    char today[11], ref[32];
    //  one close per month: closing it again is the same event ("already recorded")
    snprintf (ref, sizeof ref, "close-%.7s", argv[0]);
    return s_record_json (cfg, "close", json_pack ("{s:s, s:s, s:s, s:s}", "kind", "period_close",
                          "ref", ref, "month", argv[0], "date",
                          ml_date_format (ml_date_today (), today)));
}

static int
s_cmd_submit (const ml_agent_config_t *cfg, int argc, char **argv)
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
            ml_die_msg ("submit: unexpected argument '%s' (try --help)", argv[i]);
            return EXIT_USAGE;
        }
    }
    char *end = NULL;
    long y = year ? strtol (year, &end, 10) : 0;
    if (!year || *end || y < 2000 || y > 2999 || !names[0] || !names[1] || !names[2]) {
        ml_die_msg ("submit: usage: submit YEAR --filler P --reviewer P --approver P (try --help)");
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

// ---------------------------------------------------------------------------------------------
// template (needs no configuration)

//  Writes KIND's template to PATH (NULL: stdout), as .xlsx with XLSX. Returns 0 or EXIT_WORK
//  (printed).
static int
s_write_template (const char *kind, const char *path, bool xlsx)
{
    if (xlsx) {
        char err[600];
        if (ml_xlsx_template (kind, path, err, sizeof err) == 0)
            return 0;
        ml_die_msg ("template: %s", err);
        return EXIT_WORK;
    }
    FILE *out = path ? fopen (path, "wb") : stdout;
    if (!out) {
        ml_die_msg ("template: %s: cannot write: %s", path, strerror (errno));
        return EXIT_WORK;
    }
    int rc = ml_ledger_template (kind, out);
    if (path ? fclose (out) != 0 : fflush (out) != 0)
        rc = ML_EIO;
    if (rc) {
        ml_die_msg ("template: %s: cannot write: %s", path ? path : "stdout", strerror (errno));
        return EXIT_WORK;
    }
    return 0;
}

static int
s_cmd_template (int argc, char **argv)
{
    const char *kind = NULL, *out = NULL, *all = NULL;
    bool list = false, xlsx = false;
    for (int i = 0; i < argc; i++)
        if (strcmp (argv[i], "--xlsx") == 0)
            xlsx = true;
        else
        if (strcmp (argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else
        if (strcmp (argv[i], "--all") == 0 && i + 1 < argc)
            all = argv[++i];
        else
        if (strcmp (argv[i], "--list") == 0)
            list = true;
        else
        if (!kind && argv[i][0] != '-')
            kind = argv[i];
        else {
            ml_die_msg ("template: unexpected argument '%s' (try --help)", argv[i]);
            return EXIT_USAGE;
        }
    if (list + !!all + !!kind != 1 || (out && !kind) || (xlsx && list)) {
        ml_die_msg ("template: usage: template [--xlsx] KIND [-o FILE] | template [--xlsx] --all DIR "
                    "| template --list");
        return EXIT_USAGE;
    }
    if (xlsx && kind && !out) {
        ml_die_msg ("template: --xlsx needs -o FILE (a workbook is no text for stdout)");
        return EXIT_USAGE;
    }
    if (list) {
        for (size_t i = 0; ml_ledger_kind_at (i); i++)
            printf ("%-22s %s\n", ml_ledger_kind_at (i), ml_ledger_name (ml_ledger_kind_at (i)));
        return 0;
    }
    if (kind) {
        const char *known = ml_ledger_kind_named (kind);
        if (!known) {
            ml_die_msg ("template: no ledger '%s' (template --list shows them)", kind);
            return EXIT_USAGE;
        }
        return s_write_template (known, out, xlsx);
    }
    if (mkdir (all, 0777) && errno != EEXIST) {
        ml_die_msg ("template: %s: cannot create: %s", all, strerror (errno));
        return EXIT_WORK;
    }
    for (size_t i = 0; ml_ledger_kind_at (i); i++) {
        char path[4096];
        snprintf (path, sizeof path, "%s/%s.%s", all, ml_ledger_name (ml_ledger_kind_at (i)),
                  xlsx ? "xlsx" : "csv");
        if (s_write_template (ml_ledger_kind_at (i), path, xlsx))
            return EXIT_WORK;
    }
    return 0;
}

// ---------------------------------------------------------------------------------------------
// status

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

static int
s_cmd_status (const ml_agent_config_t *cfg, int argc, char **argv)
{
    bool as_json = false;
    for (int i = 0; i < argc; i++)
        if (strcmp (argv[i], "--json") == 0)
            as_json = true;
        else {
            ml_die_msg ("status: unexpected argument '%s' (try --help)", argv[i]);
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
    ml_die_msg ("status: outbox %s: %s", cfg->outbox,
                rc == ML_ENOMEM ? ml_strerror (rc) : ml_outbox_error (outbox));
done:
    ml_outbox_close (&outbox);
    return ret;
}

// ---------------------------------------------------------------------------------------------

//  Execs massline-agent-forward with the command line ARGV: the one beside this program (the
//  build tree) if there is one, else the installed one in ML_LIBEXECDIR. SIGTERM and SIGINT stay
//  blocked across the exec until the forwarder has its handlers. Returns only on failure:
//  EXIT_WORK (printed).
static int
s_exec_prog (const char *cmd, const char *prog, char **argv)
{
    sigset_t set, old;
    sigemptyset (&set);
    sigaddset (&set, SIGTERM);
    sigaddset (&set, SIGINT);
    sigprocmask (SIG_BLOCK, &set, &old);
    char self[4096], path[4096];
    ssize_t len = readlink ("/proc/self/exe", self, sizeof self);
    char *slash = len > 0 && len < (ssize_t) sizeof self ? memrchr (self, '/', (size_t) len) : NULL;
    if (slash && snprintf (path, sizeof path, "%.*s/%s", (int) (slash - self), self,
                           prog) < (int) sizeof path && access (path, X_OK) == 0)
        execv (path, argv);
    snprintf (path, sizeof path, "%s/%s", ML_LIBEXECDIR, prog);
    execv (path, argv);
    int error = errno;
    sigprocmask (SIG_SETMASK, &old, NULL);
    ml_die_msg ("%s: cannot start %s: %s", cmd, path, strerror (error));
    return EXIT_WORK;
}

// ---------------------------------------------------------------------------------------------
// The command table: what ml_cli runs for each command word.

static char *s_argv0;                  //  this program as started (the forwarder's argv[0])

//  The network's commands: massline-agent-forward reads the command line again, as parsed here
//  (-c CONFIG -- CMD ARGS...), and agent.ini with it.
static int
s_exec_cmd (const char *prog, const char *cmd, int argc, char **argv, const char *config)
{
    char **fargv = calloc ((size_t) argc + 6, sizeof *fargv);
    if (!fargv) {
        ml_die_msg ("%s: %s", cmd, ml_strerror (ML_ENOMEM));
        return EXIT_WORK;
    }
    char *head[] = { s_argv0, "-c", (char *) config, "--", (char *) cmd };
    memcpy (fargv, head, sizeof head);
    memcpy (fargv + 5, argv, (size_t) argc * sizeof *argv);
    int ret = s_exec_prog (cmd, prog, fargv);
    free (fargv);
    return ret;
}

static int
s_forward (const char *cmd, int argc, char **argv, const char *config)
{
    return s_exec_cmd (ML_FORWARD_PROG, cmd, argc, argv, config);
}

//  The unit desk's commands: massline-agent-web (libmicrohttpd), as the forwarder is execed.
static int
s_run_user (int argc, char **argv, const char *config)
{
    return s_exec_cmd (ML_DESK_PROG, "user", argc, argv, config);
}

static int
s_run_web (int argc, char **argv, const char *config)
{
    return s_exec_cmd (ML_DESK_PROG, "web", argc, argv, config);
}

//  Runs RUN with agent.ini loaded from CONFIG. Returns RUN's exit code, or EXIT_USAGE (printed).
static int
s_configured (int (*run) (const ml_agent_config_t *, int, char **), int argc, char **argv,
              const char *config)
{
    ml_agent_config_t cfg;
    int ret = ml_agent_config_load (config, &cfg);
    //  record and import may just die on a signal: an LMDB transaction is all or nothing
    if (ret == 0)
        ret = run (&cfg, argc, argv);
    ml_agent_config_free (&cfg);
    return ret;
}

static int
s_run_record (int argc, char **argv, const char *config)
{
    return s_configured (s_cmd_record, argc, argv, config);
}

static int
s_run_import (int argc, char **argv, const char *config)
{
    return s_configured (s_cmd_import, argc, argv, config);
}

static int
s_run_refs (int argc, char **argv, const char *config)
{
    return s_configured (s_cmd_refs, argc, argv, config);
}

static int
s_run_correct (int argc, char **argv, const char *config)
{
    return s_configured (s_cmd_correct, argc, argv, config);
}

static int
s_run_void (int argc, char **argv, const char *config)
{
    return s_configured (s_cmd_void, argc, argv, config);
}

static int
s_run_close (int argc, char **argv, const char *config)
{
    return s_configured (s_cmd_close, argc, argv, config);
}

static int
s_run_submit (int argc, char **argv, const char *config)
{
    return s_configured (s_cmd_submit, argc, argv, config);
}

static int
s_run_template (int argc, char **argv, const char *config)
{
    (void) config;                      //  templates need no configuration
    return s_cmd_template (argc, argv);
}

static int
s_run_run (int argc, char **argv, const char *config)
{
    return s_forward ("run", argc, argv, config);
}

static int
s_run_flush (int argc, char **argv, const char *config)
{
    return s_forward ("flush", argc, argv, config);
}

static int
s_run_status (int argc, char **argv, const char *config)
{
    return s_configured (s_cmd_status, argc, argv, config);
}

static const ml_cli_command_t s_commands[] = {
    { "record", s_run_record, "-c agent.ini record KIND key=value...",
      "validate one event and commit it to the outbox; prints its ref. KIND is an event kind\n"
      "      (person, org, research_trip, reception_day, talk, ...); keys as in the JSONL ledger,\n"
      "      lists (roles) as JSON" },
    { "import", s_run_import, "-c agent.ini import FILE...",
      "import ledgers: .jsonl, or .csv (UTF-8 with or without BOM, or GB18030; Chinese headers\n"
      "      as in the templates), or .xlsx (the first sheet; LINE is the sheet's row number),\n"
      "      all or nothing per file: every bad row is reported as\n"
      "      FILE:LINE: field 'x': reason and nothing of that file is recorded; rows already\n"
      "      recorded are skipped" },
    { "refs", s_run_refs, "-c agent.ini refs FILE...",
      "print the ref each row of a ledger gets, and whether it is recorded (FILE:LINE, REF,\n"
      "      new or recorded); records nothing" },
    { "correct", s_run_correct, "-c agent.ini correct REF key=value...",
      "record a correction of event REF: its current version with the keys given changed\n"
      "      (key= removes an optional key); prints its ref" },
    { "void", s_run_void, "-c agent.ini void REF --reason TEXT [--restatement TEXT]",
      "record that event REF is withdrawn; prints the void's ref. In a year the bureau has\n"
      "      accepted, a correction or void needs --restatement TEXT (correct takes it too):\n"
      "      the year then goes back to the bureau as a new version" },
    { "close", s_run_close, "-c agent.ini close YYYY-MM",
      "declare the unit's ledger for that month complete (period_close; due by the 10th of\n"
      "      the next month, or as the bureau set it); nothing to report is a close too" },
    { "submit", s_run_submit, "-c agent.ini submit YEAR --filler P --reviewer P --approver P",
      "submit the unit's year-end report to the bureau, naming 填报人, 审核人 and 负责人\n"
      "      (persons of the roster); `status` shows the bureau's decision after the next contact" },
    { "template", s_run_template,
      "template [--xlsx] KIND [-o FILE] | template [--xlsx] --all DIR | template --list",
      "write the CSV template of a ledger (KIND: reception_day or 接访台账, ...; stdout by\n"
      "      default), every template into DIR named after the ledgers, or list the ledgers:\n"
      "      kind and Chinese name; needs no configuration. --xlsx: an Excel workbook instead\n"
      "      (dropdowns, date cells, the sample row on its 填写说明 sheet); needs -o FILE" },
    { "run", s_run_run, "-c agent.ini run",
      "forward the outbox to the collector until SIGTERM/SIGINT; reconnects by itself. Also\n"
      "      watches the spool folder: a .csv or .jsonl file put there (copy it elsewhere, then\n"
      "      move it in) is imported and moved to done/, or to failed/ with NAME.errors.txt" },
    { "flush", s_run_flush, "-c agent.ini flush [--timeout SECONDS]",
      "forward until everything recorded so far is acknowledged (default 60 s; exit 1 on\n"
      "      timeout); waits for a running `run` instead when one is forwarding" },
    { "status", s_run_status, "-c agent.ini status [--json]",
      "pending, acknowledged and rejected counts, last contact, and the rejected events with\n"
      "      the collector's reasons" },
    { "user", s_run_user, "-c agent.ini user add|passwd|disable NAME | user list",
      "the unit desk's accounts (clerks): add one (password: one line on standard input),\n"
      "      set its password, disable it, or list them" },
    { "web", s_run_web, "-c agent.ini web",
      "serve the unit desk ([web] listen, http://127.0.0.1:7781/ by default) until SIGTERM:\n"
      "      upload ledgers, fill rows, see the outbox, correct, withdraw, close a month, submit" },
    { NULL, NULL, NULL, NULL }
};

static void
s_help (void)
{
    printf ("usage: " PROG " [-c FILE] COMMAND [ARGS]\n\n"
            "The massline agent: records a unit's direct-contact activity events in a durable\n"
            "outbox and forwards them to the bureau's massline-collector, exactly once, over\n"
            "CURVE-encrypted ZeroMQ.\n\ncommands:\n");
    for (const ml_cli_command_t *c = s_commands; c->name; c++)
        printf ("  %s\n      %s\n", c->usage, c->help);
    printf ("\noptions:\n"
            "  -c, --config FILE   the agent's configuration (default agent.ini)\n"
            "  -h, --help          this text\n"
            "  -V, --version       the version\n"
            "  --                  end of options: later words are the command's\n\n"
            "agent.ini:\n");
    ml_agent_config_help (stdout);
    printf ("\nenvironment: MASSLINE_TODAY=YYYY-MM-DD fixes \"today\"; MASSLINE_DEBUG=1 prints debug lines\n"
            "\nexit status: 0 ok, 1 the work failed (a bad row, a timeout), 2 bad usage or configuration\n");
}

static const ml_cli_t s_cli = { PROG, "agent.ini", s_commands, s_help,
    "which command? record, import, refs, correct, void, close, submit, template, run, flush, status, user or web", false, true };

int
main (int argc, char **argv)
{
    //  Past ulimit -f a write fails (the outbox says so) instead of killing us; an ignored signal
    //  stays ignored across the exec of the forwarder.
    signal (SIGXFSZ, SIG_IGN);
    s_argv0 = argv[0];
    return ml_cli_main (&s_cli, argc, argv);
}
