/* ml_test_event.c -- the event tests' shared fixture and judges (ml_test_event.h). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_event.h"
#include "ml_test.h"
#include "ml_test_event.h"

static bool
s_has_person (void *ctx, const char *person)
{
    (void) ctx;
    static const char *const known[] = { "P1", "P2", "P3", "H1", NULL };
    for (int i = 0; known[i]; i++)
        if (strcmp (person, known[i]) == 0)
            return true;
    return false;
}

static bool
s_has_org (void *ctx, const char *org)
{
    (void) ctx;
    return strcmp (org, "B1") == 0 || strcmp (org, "B2") == 0;
}

ml_vctx_t t_ev_ctx;

void
t_ev_setup (void)
{
    t_ev_ctx.has_person = s_has_person;
    t_ev_ctx.has_org = s_has_org;
    t_ev_ctx.ctx = NULL;
    cr_assert_eq (ml_date_parse ("2026-11-26", &t_ev_ctx.today), ML_OK);
}

//  JSON -> pack -> unpack -> JSON must give the same bytes and the same JSON text, and the
//  unpacked event must still validate.
void
t_ev_check_round_trip (const Massline__Event *ev, const char *what)
{
    size_t len1, len2;
    uint8_t *bytes1 = ml_event_pack (ev, &len1);
    cr_assert (bytes1);
    ml_verr_t err;
    Massline__Event *back = ml_event_unpack (bytes1, len1, &err);
    cr_assert (back, "%s: unpack failed", what);
    cr_expect_eq (ml_event_validate (back, &t_ev_ctx, &err), ML_OK, "%s: unpacked event invalid", what);

    json_t *j1 = ml_event_to_json (ev);
    json_t *j2 = ml_event_to_json (back);
    cr_assert (j1 && j2, "%s: to_json failed", what);
    char *t1 = json_dumps (j1, JSON_COMPACT);
    char *t2 = json_dumps (j2, JSON_COMPACT);
    cr_expect_str_eq (t1, t2, "%s: JSON differs after pack/unpack", what);
    cr_expect (strncmp (t1, "{\"kind\":", 8) == 0, "%s: kind is not first: %s", what, t1);

    Massline__Event *again = ml_event_from_json (j1, &err);
    cr_assert (again, "%s: to_json output does not parse back: %s", what, err.reason);
    uint8_t *bytes2 = ml_event_pack (again, &len2);
    cr_expect (len1 == len2 && memcmp (bytes1, bytes2, len1) == 0, "%s: bytes differ after round trip", what);

    free (t1);
    free (t2);
    json_decref (j1);
    json_decref (j2);
    free (bytes1);
    free (bytes2);
    ml_event_free (&back);
    ml_event_free (&again);
}

//  Parses and validates LINE; returns "ok" or the error text in BUF.
const char *
t_ev_judge (const char *line, char *buf, size_t size)
{
    ml_verr_t err;
    Massline__Event *ev = ml_event_from_jsonl (line, strlen (line), &err);
    if (ev && ml_event_validate (ev, &t_ev_ctx, &err) == ML_OK) {
        t_ev_check_round_trip (ev, line);
        ml_event_free (&ev);
        return "ok";
    }
    ml_event_free (&ev);
    return ml_verr_text (&err, buf, size);
}

void
t_ev_run (const t_ev_case_t *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *json = t_json (cases[i].line);
        char buf[512];
        cr_expect_str_eq (t_ev_judge (json, buf, sizeof buf), cases[i].expect, "case %zu: %s", i, json);
        free (json);
    }
}

//  Parses an event from key=value words (NULL-terminated) and validates it.
const char *
t_ev_judge_kv (const char *kind, const char *const *words, char *buf, size_t size)
{
    int argc = 0;
    while (words[argc])
        argc++;
    ml_verr_t err;
    Massline__Event *ev = ml_event_from_kv (kind, argc, (char *const *) words, &err);
    if (ev && ml_event_validate (ev, &t_ev_ctx, &err) == ML_OK) {
        ml_event_free (&ev);
        return "ok";
    }
    ml_event_free (&ev);
    return ml_verr_text (&err, buf, size);
}
