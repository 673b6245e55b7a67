/* ml_test_event.h -- what the event tests (test_event.c, test_event_kinds.c) share: a fixed
   today and a small roster (persons P1 P2 P3 H1, orgs B1 B2), and judging JSON lines and
   key=value words as "ok" or the exact error text. */
#ifndef ML_TEST_EVENT_H
#define ML_TEST_EVENT_H

#include <stddef.h>

#include "ml_event.h"

//  The validation context: today 2026-11-26 and the roster above. Set by t_ev_setup.
extern ml_vctx_t t_ev_ctx;

//  The suites' .init: fills t_ev_ctx.
void t_ev_setup (void);

//  JSON -> pack -> unpack -> JSON must give the same bytes and the same JSON text, and the
//  unpacked event must still validate (criterion expectations; WHAT names the event).
void t_ev_check_round_trip (const Massline__Event *ev, const char *what);

//  Parses and validates LINE; returns "ok" (after the round trip) or the error text in BUF.
const char *t_ev_judge (const char *line, char *buf, size_t size);

//  Parses an event from key=value words (NULL-terminated) and validates it: "ok" or the error.
const char *t_ev_judge_kv (const char *kind, const char *const *words, char *buf, size_t size);

typedef struct {
    const char *line;       //  JSON with ' for "
    const char *expect;     //  "ok" or the exact error text
} t_ev_case_t;

//  Expects each case's line (t_json quoting) to judge as its EXPECT.
void t_ev_run (const t_ev_case_t *cases, size_t n);

#define T_EV_RUN(cases) t_ev_run (cases, sizeof (cases) / sizeof (cases)[0])

#endif
