/* cmd_correct.c -- massline-agent correct and void: a correction is the event's current version
   with the keys given changed; a void withdraws it. Both record through ml_cmd_record_event. */
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

//  Looks REF up for CMD: its current version into *EV_P and where it stands into V. Returns 0,
//  or ML_ENOTFOUND, ML_EINVAL (REF is a correction or void itself) or the storage error (printed).
static int
s_current (ml_outbox_t *outbox, const char *cmd, const char *ref, Massline__Event **ev_p,
           ml_outbox_version_t *v)
{
    int rc = ml_outbox_current (outbox, ref, ev_p, v);
    if (rc && v->reclaimed)
        ml_die_msg (_("%s: %s was acknowledged long ago and its content reclaimed from the outbox "
                    "(outbox_max_mb); record the whole corrected event: record correction "
                    "supersedes=%s ..."), cmd, ref, ref);
    else
    if (rc == ML_ENOTFOUND)
        ml_die_msg (_("%s: %s is not in this agent's outbox (%s)"), cmd, ref, ml_outbox_dir (outbox));
    else
    if (rc)
        ml_die_msg ("%s: outbox %s: %s (%s)", cmd, ml_outbox_dir (outbox), ml_strerror (rc),
                    ml_outbox_error (outbox));
    else
    if (v->control) {
        const Massline__Event *ev = *ev_p;
        const char *target = ev->body_case == MASSLINE__EVENT__BODY_VOID ? ev->void_->supersedes
                                                                          : ev->correction->supersedes;
        ml_die_msg (_("%s: %s is itself a %s of %s; %s %s instead"), cmd, ref, ml_event_kind (ev),
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

int
ml_cmd_correct (const ml_agent_config_t *cfg, int argc, char **argv)
{
    const char *restatement = s_take_restatement (&argc, argv);
    if (argc < 2) {
        ml_die_msg (_("correct: usage: correct REF key=value... (try --help)"));
        return EXIT_USAGE;
    }
    const char *ref = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *eq = strchr (argv[i], '=');
        if (!eq || eq == argv[i]) {
            ml_die_msg (_("correct: '%s' is not key=value"), argv[i]);
            return EXIT_USAGE;
        }
        if (strncmp (argv[i], "ref=", 4) == 0 || strncmp (argv[i], "kind=", 5) == 0) {
            ml_die_msg (_("correct: %.*s cannot change: a correction keeps the kind and ref of %s "
                        "(void it and record a new event instead)"), (int) (eq - argv[i]), argv[i], ref);
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
        ml_die_msg (_("correct: %s is voided; record a new event instead"), ref);
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
        ml_die_msg (_("correct: %s already reads so (%s); nothing recorded"), ref, v.version_ref);
        ret = 0;
        goto done;
    }
    if (v.rejected && v.version_seq == v.seq) {
        //  the collector never took REF: its fixed version simply takes over the ref
        ml_die_msg (_("correct: %s was rejected by the collector; recording its fixed version "
                    "under the same ref"), ref);
        ret = ml_cmd_record_event (outbox, "correct", next);
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
    ret = ml_cmd_record_event (outbox, "correct", corr);
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

int
ml_cmd_void (const ml_agent_config_t *cfg, int argc, char **argv)
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
            ml_die_msg (_("void: unexpected argument '%s' (try --help)"), argv[i]);
            return EXIT_USAGE;
        }
    if (!ref || !reason || !*reason) {
        ml_die_msg (_("void: usage: void REF --reason TEXT (try --help)"));
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
        ml_die_msg (_("void: to void a ref this agent never recorded: massline-agent record void "
                    "supersedes=%s reason=TEXT"), ref);
    if (rc)
        goto done;
    if (v.voided) {
        ml_die_msg (_("void: %s is voided already; nothing recorded"), ref);
        ret = 0;
        goto done;
    }
    if (v.rejected && v.version_seq == v.seq) {
        ml_die_msg (_("void: %s was rejected by the collector, so it never counted; nothing recorded"), ref);
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
    ret = ml_cmd_record_event (outbox, "void", ev);
done:
    json_decref (obj);
    ml_event_free (&cur);
    ml_event_free (&ev);
    ml_outbox_close (&outbox);
    return ret;
}
