/* test_delivery.c -- exactly-once delivery across collector kills, agent kills and an offline collector. */
#include "ml_harness.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

#define N_EVENTS 20000          //  talks per agent (plus one person event)

typedef struct {
    long at_least;          //  events to wait for
    const pid_t *agents;    //  processes that must stay alive meanwhile
    int nagents;
    long seen;              //  the last total seen
} s_total_wait_t;

static bool
s_total_reached (void *arg)
{
    s_total_wait_t *wait = arg;
    wait->seen = ml_h_collector_events (NULL);
    if (wait->seen >= wait->at_least)
        return true;
    for (int i = 0; i < wait->nagents; i++)
        cr_assert (ml_h_alive (wait->agents[i]), "agent %d died (exit %d)", i, ml_h_wait (wait->agents[i], 0));
    cr_assert (ml_h_alive (ml_h_collector_pid ()), "the collector died by itself");
    return false;
}

//  Polls the collector until its total event count reaches AT_LEAST; aborts after 120 s or when
//  one of the NAGENTS processes in AGENTS dies. Returns the count seen.
static long
s_wait_total (long at_least, const pid_t *agents, int nagents)
{
    s_total_wait_t wait = { at_least, agents, nagents, -1 };
    cr_assert (ml_h_until (s_total_reached, &wait, 120000),
               "the collector did not reach %ld events within 120 s (last seen %ld)", at_least, wait.seen);
    return wait.seen;
}

static bool
s_all_agents_done (void *arg)
{
    (void) arg;
    for (int u = 0; u < ML_H_UNITS; u++)
        if (ml_h_agent_field (ml_h_units[u], "pending") != 0)
            return false;
    return true;
}

//  Makes UNIT's agent send small batches, so a stream of 20,000 events takes long enough for a
//  test to kill something in the middle of it; and reconnect quickly after a kill.
static void
s_slow_agent (const char *unit, const char *batch_size)
{
    ml_h_ini_set (ml_h_agent_ini (unit), "batch_size", batch_size);
    ml_h_ini_set (ml_h_agent_ini (unit), "window", "1");
    ml_h_ini_set (ml_h_agent_ini (unit), "ack_timeout_ms", "2000");
}

static void
s_import (const char *unit, int n)
{
    char *path = ml_h_str ("%s/%s.jsonl", ml_h_dir (), unit);
    ml_h_write_events (path, unit, 1, n);
    ml_h_out_t out;
    int code = ml_h_run (&out, 300000, ML_AGENT, "-c", ml_h_agent_ini (unit), "import", path, NULL);
    cr_assert_eq (code, 0, "import %s exited %d: %s", path, code, out.err);
    cr_assert_eq (ml_h_agent_field (unit, "pending"), n + 1, "%s: pending after import", unit);
}

Test (integration, delivery_survives_collector_kills, .init = ml_h_init, .fini = ml_h_fini)
{
    const long total = ML_H_UNITS * (N_EVENTS + 1);
    ml_h_bureau ();
    for (int u = 0; u < ML_H_UNITS; u++) {
        s_slow_agent (ml_h_units[u], "20");
        s_import (ml_h_units[u], N_EVENTS);
    }
    ml_h_collector_start ();
    pid_t agents[ML_H_UNITS];
    for (int u = 0; u < ML_H_UNITS; u++)
        agents[u] = ml_h_spawn (ml_h_str ("agent-%s", ml_h_units[u]), ML_AGENT,
                                "-c", ml_h_agent_ini (ml_h_units[u]), "run", NULL);

    //  SIGKILL the collector three times in the middle of the stream, restarting it each time.
    const double marks[] = { 0.15, 0.40, 0.70 };
    for (int k = 0; k < 3; k++) {
        long seen = s_wait_total ((long) (marks[k] * total), agents, ML_H_UNITS);
        cr_assert_lt (seen, total, "kill %d: the stream had already ended (%ld events)", k + 1, seen);
        cr_assert_eq (ml_h_collector_stop (SIGKILL), 128 + SIGKILL);
        cr_log_info ("killed the collector at %ld of %ld events", seen, total);
        ml_h_collector_start ();
    }
    cr_assert (ml_h_until (s_all_agents_done, NULL, 180000), "agents still have pending events after 180 s");

    for (int u = 0; u < ML_H_UNITS; u++)
        cr_assert_eq (ml_h_collector_events (ml_h_units[u]), N_EVENTS + 1, "%s: events", ml_h_units[u]);
    cr_assert_eq (ml_h_collector_events (NULL), total);
    for (int u = 0; u < ML_H_UNITS; u++) {
        cr_assert_eq (ml_h_agent_field (ml_h_units[u], "acked"), N_EVENTS + 1);
        cr_assert_eq (ml_h_stop (agents[u], SIGTERM), 0, "agent run should exit 0 on SIGTERM");
    }
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0, "serve should exit 0 on SIGTERM");

    //  Every ref sent is stored exactly once, and nothing else.
    size_t nwant, ngot;
    char **want = ml_h_expected_refs (ml_h_units, ML_H_UNITS, N_EVENTS, &nwant);
    char **got = ml_h_collector_refs (&ngot);
    ml_h_assert_same (want, nwant, got, ngot);

    ml_h_out_t out;
    int code = ml_h_run (&out, 300000, ML_COLLECTOR, "-c", ml_h_collector_ini (), "check", NULL);
    cr_assert_eq (code, 0, "check exited %d: %s%s", code, out.out, out.err);
    ml_h_pass ();
}

Test (integration, agent_killed_during_flush_loses_nothing, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    s_slow_agent ("H001", "5");
    s_import ("H001", N_EVENTS);
    ml_h_collector_start ();
    pid_t flush = ml_h_spawn ("flush-1", ML_AGENT, "-c", ml_h_agent_ini ("H001"), "flush", NULL);

    //  SIGKILL the flush once the collector holds a tenth, but not all, of the events.
    long seen = s_wait_total ((N_EVENTS + 1) / 10, &flush, 1);
    cr_assert_eq (ml_h_stop (flush, SIGKILL), 128 + SIGKILL);
    cr_assert_lt (seen, N_EVENTS + 1, "the flush had already finished (%ld events)", seen);
    cr_log_info ("killed the flush at %ld of %d events", seen, N_EVENTS + 1);
    long pending = ml_h_agent_field ("H001", "pending");
    cr_assert (pending > 0 && pending <= N_EVENTS + 1, "pending after the kill: %ld", pending);

    //  Resume with the default batches, so they start mid-way through the old ones.
    ml_h_ini_set (ml_h_agent_ini ("H001"), "batch_size", "1000");
    ml_h_ini_set (ml_h_agent_ini ("H001"), "window", "8");
    ml_h_out_t out;
    int code = ml_h_run (&out, 300000, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "flush", NULL);
    cr_assert_eq (code, 0, "second flush exited %d: %s", code, out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 0);
    cr_assert_eq (ml_h_agent_field ("H001", "acked"), N_EVENTS + 1);
    ml_h_assert_stored_once ("H001", N_EVENTS);
    ml_h_pass ();
}

Test (integration, record_while_collector_down, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    const char *ini = ml_h_agent_ini ("H001");
    s_import ("H001", 0);       //  the person P001 only

    //  With no collector, record still commits to the outbox and prints the ref.
    enum { N = 5 };
    char *want[N + 1];
    want[0] = "H001/H001-P001";
    for (int i = 1; i <= N; i++) {
        ml_h_out_t out;
        int code = ml_h_run (&out, 30000, ML_AGENT, "-c", ini, "record", "talk",
                             ml_h_str ("date=2025-03-0%d", i), "person=P001", "with=王芳",
                             "with_category=masses", "form=individual", "mode=in_person", NULL);
        cr_assert_eq (code, 0, "record exited %d: %s", code, out.err);
        char *ref = strtok (out.out, " \t\r\n");
        cr_assert (ref && !strtok (NULL, " \t\r\n"), "record should print only the ref, printed '%s'", out.out);
        want[i] = ml_h_str ("H001/%s", ref);
    }
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), N + 1);

    ml_h_out_t out;
    int code = ml_h_run (&out, 30000, ML_AGENT, "-c", ini, "flush", "--timeout", "2", NULL);
    cr_assert_eq (code, 1, "flush with no collector exited %d, expected 1: %s", code, out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), N + 1);

    ml_h_collector_start ();
    code = ml_h_run (&out, 120000, ML_AGENT, "-c", ini, "flush", NULL);
    cr_assert_eq (code, 0, "flush exited %d: %s", code, out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 0);
    cr_assert_eq (ml_h_collector_events ("H001"), N + 1);
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);

    //  The collector holds exactly the person and the refs record printed.
    size_t ngot;
    char **got = ml_h_collector_refs (&ngot);
    ml_h_sort (want, N + 1);
    ml_h_assert_same (want, N + 1, got, ngot);
    ml_h_pass ();
}
