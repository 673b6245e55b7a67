/* test_faults.c -- issue 6's fault matrix: an agent whose clock is ahead, a storm of unregistered
   connections, a collector with a new key, and a collector whose LMDB map is full. */
#include "ml_harness.h"
#include "ml_wire.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

// ---------------------------------------------------------------------------
// Helpers

//  The entry of UNIT in `massline status --json`'s "units" array, or NULL. Borrowed.
static json_t *
s_unit (json_t *status, const char *unit)
{
    size_t i;
    json_t *entry;
    json_array_foreach (json_object_get (status, "units"), i, entry) {
        json_t *id = json_object_get (entry, "unit");
        if (json_is_string (id) && strcmp (json_string_value (id), unit) == 0)
            return entry;
    }
    return NULL;
}

//  Writes the person P001 and N talks of UNIT to a JSONL file and imports it into the outbox.
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

static char *
s_collector_log (void)
{
    char *log = ml_h_read (ml_h_str ("%s/collector.err", ml_h_dir ()));
    return log ? log : ml_h_str ("%s", "");
}

typedef struct {
    const char *needle;
    int at_least;           //  lines wanted
    pid_t watch;            //  a process that must stay alive meanwhile (0: none)
} s_log_wait_t;

static bool
s_log_reached (void *arg)
{
    s_log_wait_t *wait = arg;
    if (ml_h_count_lines (s_collector_log (), wait->needle) >= wait->at_least)
        return true;
    cr_assert (ml_h_alive (ml_h_collector_pid ()), "the collector died; log:\n%s", s_collector_log ());
    cr_assert (!wait->watch || ml_h_alive (wait->watch), "a watched process died (exit %d)",
               ml_h_wait (wait->watch, 0));
    return false;
}

//  Waits up to TIMEOUT_MS until the collector's log holds AT_LEAST lines containing NEEDLE.
static void
s_wait_log (const char *needle, int at_least, pid_t watch, int timeout_ms)
{
    s_log_wait_t wait = { needle, at_least, watch };
    cr_assert (ml_h_until (s_log_reached, &wait, timeout_ms),
               "the collector's log has %d lines with '%s' after %d ms, wanted %d",
               ml_h_count_lines (s_collector_log (), needle), needle, timeout_ms, at_least);
}

static bool
s_nothing_pending (void *arg)
{
    const char *unit = arg;
    return ml_h_agent_field (unit, "pending") == 0;
}

// ---------------------------------------------------------------------------

Test (integration, clock_ahead_at_the_agent_is_refused_by_the_collector, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();                    //  today 2026-11-26 (set by ml_h_init)
    s_import ("H001", 0);                       //  the person P001 only
    const char *ini = ml_h_agent_ini ("H001");

    //  The agent's clock says 2027-06-01, so a talk of 2027-03-01 is in its past.
    setenv ("MASSLINE_TODAY", "2027-06-01", 1);
    ml_h_out_t out;
    int code = ml_h_run (&out, 30000, ML_AGENT, "-c", ini, "record", "talk", "date=2027-03-01",
                         "person=P001", "with=王芳", "with_category=masses", "form=individual",
                         "mode=in_person", NULL);
    setenv ("MASSLINE_TODAY", "2026-11-26", 1);
    cr_assert_eq (code, 0, "record with the agent's clock ahead exited %d: %s", code, out.err);
    char *ref = strtok (out.out, " \t\r\n");
    cr_assert_not_null (ref, "record printed no ref");
    ref = ml_h_str ("%s", ref);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 2);

    code = ml_h_run (&out, 60000, ML_AGENT, "-c", ini, "flush", NULL);
    cr_assert_eq (code, 0, "flush exited %d: %s", code, out.err);

    //  The agent lists the talk as rejected, with the collector's reason.
    json_t *mine = ml_h_agent_status_json ("H001");
    cr_assert_not_null (mine);
    cr_assert_eq (json_integer_value (json_object_get (mine, "pending")), 0);
    json_t *rejected = json_object_get (mine, "rejected");
    cr_assert (json_is_array (rejected) && json_array_size (rejected) == 1,
               "the agent should list 1 rejected event: %s", json_dumps (mine, JSON_COMPACT));
    json_t *r = json_array_get (rejected, 0);
    cr_assert_str_eq (json_string_value (json_object_get (r, "ref")), ref);
    const char *reason = json_string_value (json_object_get (r, "reason"));
    cr_assert (reason && strstr (reason, "after today"), "reason: %s", reason ? reason : "(none)");
    cr_assert (strstr (reason, "2027-03-01 > 2026-11-26"), "the reason should compare with the "
               "collector's today: %s", reason);
    json_decref (mine);

    //  The collector counts it as rejected for H001 and stored only the person.
    json_t *status = ml_h_status_json ();
    cr_assert_not_null (status);
    json_t *entry = s_unit (status, "H001");
    cr_assert_not_null (entry, "no H001 in the collector's status");
    cr_assert_eq (json_integer_value (json_object_get (entry, "rejected")), 1, "H001: rejected");
    cr_assert_eq (json_integer_value (json_object_get (entry, "events")), 1, "H001: events");
    json_decref (status);
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);
    size_t ngot;
    char **got = ml_h_collector_refs (&ngot);
    char *want[] = { "H001/H001-P001" };
    ml_h_assert_same (want, 1, got, ngot);
    ml_h_pass ();
}

// ---------------------------------------------------------------------------

#define STORM_TOTAL 1000        //  connection attempts from unregistered keys
#define STORM_BATCH 50          //  open at once
#define STORM_EVENTS 5000       //  talks the registered agent delivers meanwhile

//  First line of a key file (40 Z85 characters).
static char *
s_key_file (const char *path)
{
    char *text = ml_h_read (path);
    cr_assert_not_null (text, "%s: cannot read", path);
    text[strcspn (text, "\r\n")] = 0;
    cr_assert_eq (strlen (text), 40, "%s: not a Z85 key", path);
    return text;
}

Test (integration, unregistered_connection_storm_does_not_stop_delivery, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    //  Small batches, so that the delivery is still going on while the storm runs.
    ml_h_ini_set (ml_h_agent_ini ("H001"), "batch_size", "10");
    ml_h_ini_set (ml_h_agent_ini ("H001"), "window", "1");
    s_import ("H001", STORM_EVENTS);
    ml_h_collector_start ();
    pid_t agent = ml_h_spawn ("agent-H001", ML_AGENT, "-c", ml_h_agent_ini ("H001"), "run", NULL);

    const char *ini = ml_h_collector_ini ();
    char *server = s_key_file (ml_h_ini_path (ini, "public_key"));
    char *ingest = ml_h_ini_get (ini, "ingest");
    void *ctx = zmq_ctx_new ();
    cr_assert_not_null (ctx);
    const char *needle = "refused unregistered key";
    int before = ml_h_count_lines (s_collector_log (), needle);
    int answered = 0;
    for (int done = 0; done < STORM_TOTAL; done += STORM_BATCH) {
        void *socks[STORM_BATCH];
        for (int i = 0; i < STORM_BATCH; i++) {
            char pub[41], sec[41];
            cr_assert_eq (zmq_curve_keypair (pub, sec), 0);
            socks[i] = zmq_socket (ctx, ZMQ_DEALER);
            cr_assert_not_null (socks[i]);
            int linger = 0;
            zmq_setsockopt (socks[i], ZMQ_LINGER, &linger, sizeof linger);
            cr_assert_eq (zmq_setsockopt (socks[i], ZMQ_CURVE_SERVERKEY, server, 40), 0);
            cr_assert_eq (zmq_setsockopt (socks[i], ZMQ_CURVE_PUBLICKEY, pub, 40), 0);
            cr_assert_eq (zmq_setsockopt (socks[i], ZMQ_CURVE_SECRETKEY, sec, 40), 0);
            cr_assert_eq (zmq_connect (socks[i], ingest), 0, "connect %s: %s", ingest,
                          zmq_strerror (zmq_errno ()));
            Massline__Hello hello = MASSLINE__HELLO__INIT;
            Massline__Frame frame = MASSLINE__FRAME__INIT;
            frame.msg_case = MASSLINE__FRAME__MSG_HELLO;
            frame.hello = &hello;
            size_t len;
            uint8_t *buf = ml_wire_pack (&frame, &len);
            cr_assert_not_null (buf);
            zmq_send (socks[i], buf, len, ZMQ_DONTWAIT);    //  queued until the handshake (never)
            free (buf);
        }
        //  Keep the batch open until the collector has refused each of its keys.
        s_wait_log (needle, before + done + STORM_BATCH, agent, 60000);
        if (done == 0)
            cr_log_info ("first storm batch refused with the collector at %ld of %d events",
                         ml_h_collector_events ("H001"), STORM_EVENTS + 1);
        zmq_pollitem_t items[STORM_BATCH];
        for (int i = 0; i < STORM_BATCH; i++)
            items[i] = (zmq_pollitem_t) { socks[i], 0, ZMQ_POLLIN, 0 };
        cr_assert (zmq_poll (items, STORM_BATCH, 100) >= 0);
        for (int i = 0; i < STORM_BATCH; i++) {
            answered += (items[i].revents & ZMQ_POLLIN) != 0;
            zmq_close (socks[i]);
        }
    }
    zmq_ctx_term (ctx);
    cr_assert_eq (answered, 0, "%d unregistered connections got an answer", answered);
    cr_log_info ("storm done with the collector at %ld of %d events",
                 ml_h_collector_events ("H001"), STORM_EVENTS + 1);

    //  The registered agent still delivers everything; the collector lives on.
    cr_assert (ml_h_until (s_nothing_pending, "H001", 120000), "the agent still has pending events "
               "after the storm: %ld", ml_h_agent_field ("H001", "pending"));
    cr_assert (ml_h_alive (agent), "the agent died");
    cr_assert (ml_h_alive (ml_h_collector_pid ()), "the collector died");
    cr_assert_eq (ml_h_collector_events ("H001"), STORM_EVENTS + 1);
    cr_assert_eq (ml_h_collector_events (NULL), STORM_EVENTS + 1);
    cr_assert_eq (ml_h_stop (agent, SIGTERM), 0, "agent run should exit 0 on SIGTERM");
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);

    size_t nwant, ngot;
    const char *const units[] = { "H001" };
    char **want = ml_h_expected_refs (units, 1, STORM_EVENTS, &nwant);
    char **got = ml_h_collector_refs (&ngot);
    ml_h_assert_same (want, nwant, got, ngot);
    ml_h_pass ();
}

// ---------------------------------------------------------------------------

//  Renames FROM to TO; aborts the test on failure.
static void
s_rename (const char *from, const char *to)
{
    cr_assert_eq (rename (from, to), 0, "rename %s -> %s failed", from, to);
}

Test (integration, collector_with_a_new_key_keeps_agent_outbox, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    const char *ini = ml_h_collector_ini ();
    char *pub = ml_h_ini_path (ini, "public_key");
    char *sec = ml_h_ini_path (ini, "secret_key");
    cr_assert (strlen (pub) > 4 && strcmp (pub + strlen (pub) - 4, ".pub") == 0, "%s", pub);
    char *prefix = ml_h_str ("%.*s", (int) strlen (pub) - 4, pub);
    cr_assert_str_eq (sec, ml_h_str ("%s.key", prefix), "keygen writes PREFIX.pub and PREFIX.key");
    //  The staff client keeps its own copy of the collector's public key.
    char *client_copy = ml_h_ini_path (ml_h_client_ini (), "collector_key");
    char *old_pub = s_key_file (pub);

    //  Move the original key pair aside and write a new one in its place.
    s_rename (pub, ml_h_str ("%s.orig", pub));
    s_rename (sec, ml_h_str ("%s.orig", sec));
    ml_h_out_t out;
    int code = ml_h_run (&out, 30000, ML_COLLECTOR, "keygen", prefix, NULL);
    cr_assert_eq (code, 0, "keygen exited %d: %s", code, out.err);
    char *new_pub = s_key_file (pub);
    cr_assert_str_neq (new_pub, old_pub);
    //  Only the staff client learns the new key (so `massline status` can watch the collector).
    ml_h_write (client_copy, ml_h_str ("%s\n", new_pub));
    ml_h_collector_start ();

    //  The agent still holds the old key: nothing goes through, nothing is lost.
    s_import ("H001", 20);
    code = ml_h_run (&out, 60000, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "flush", "--timeout", "5", NULL);
    cr_assert_eq (code, 1, "flush to a collector with another key exited %d, expected 1: %s", code, out.err);
    cr_log_info ("flush with the old collector key said: %s", out.err);
    cr_assert (strstr (out.err, "handshake") && strstr (out.err, "collector_key"),
               "flush should say the handshake failed and name collector_key: %s", out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 21);
    cr_assert_eq (ml_h_agent_field ("H001", "acked"), 0);
    cr_assert_eq (ml_h_collector_events (NULL), 0);
    cr_assert (ml_h_alive (ml_h_collector_pid ()));
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);

    //  Put the original key pair back (and the client's copy): everything arrives, once.
    cr_assert_eq (remove (pub), 0);
    cr_assert_eq (remove (sec), 0);
    s_rename (ml_h_str ("%s.orig", pub), pub);
    s_rename (ml_h_str ("%s.orig", sec), sec);
    ml_h_write (client_copy, ml_h_str ("%s\n", old_pub));
    ml_h_collector_start ();
    code = ml_h_run (&out, 60000, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "flush", NULL);
    cr_assert_eq (code, 0, "flush with the original key exited %d: %s", code, out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 0);
    cr_assert_eq (ml_h_agent_field ("H001", "acked"), 21);
    cr_assert_eq (ml_h_collector_events ("H001"), 21);
    cr_assert_eq (ml_h_collector_events (NULL), 21);
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);

    size_t nwant, ngot;
    const char *const units[] = { "H001" };
    char **want = ml_h_expected_refs (units, 1, 20, &nwant);
    char **got = ml_h_collector_refs (&ngot);
    ml_h_assert_same (want, nwant, got, ngot);
    ml_h_pass ();
}

// ---------------------------------------------------------------------------

#define FULL_EVENTS 20000       //  talks that cannot fit in a 1 MB map

Test (integration, collector_map_full_refuses_then_resumes, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_ini_set (ml_h_collector_ini (), "map_size_mb", "1");
    s_import ("H001", FULL_EVENTS);
    ml_h_collector_start ();
    pid_t agent = ml_h_spawn ("agent-H001", ML_AGENT, "-c", ml_h_agent_ini ("H001"), "run", NULL);

    //  The collector refuses batches it cannot store, and stays up and answering.
    s_wait_log ("storage full", 1, agent, 60000);
    json_t *status = ml_h_status_json ();
    cr_assert_not_null (status, "massline status failed while the storage is full");
    long stored = (long) json_integer_value (json_object_get (status, "events"));
    json_decref (status);
    cr_assert_lt (stored, FULL_EVENTS + 1, "all events fit in a 1 MB map");
    cr_log_info ("storage full at %ld of %d events", stored, FULL_EVENTS + 1);
    cr_assert_gt (ml_h_agent_field ("H001", "pending"), 0);
    cr_assert (ml_h_alive (agent), "the agent died on a full collector");
    cr_assert_eq (ml_h_stop (agent, SIGTERM), 0, "agent run should exit 0 on SIGTERM");
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0, "serve should exit 0 on SIGTERM with a full map");

    //  With a bigger map everything arrives, exactly once.
    ml_h_ini_set (ml_h_collector_ini (), "map_size_mb", "256");
    ml_h_collector_start ();
    ml_h_out_t out;
    int code = ml_h_run (&out, 120000, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "flush", NULL);
    cr_assert_eq (code, 0, "flush after raising map_size_mb exited %d: %s", code, out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 0);
    cr_assert_eq (ml_h_agent_field ("H001", "acked"), FULL_EVENTS + 1);
    cr_assert_eq (ml_h_collector_events ("H001"), FULL_EVENTS + 1);
    cr_assert_eq (ml_h_collector_events (NULL), FULL_EVENTS + 1);
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);

    size_t nwant, ngot;
    const char *const units[] = { "H001" };
    char **want = ml_h_expected_refs (units, 1, FULL_EVENTS, &nwant);
    char **got = ml_h_collector_refs (&ngot);
    ml_h_assert_same (want, nwant, got, ngot);
    code = ml_h_run (&out, 120000, ML_COLLECTOR, "-c", ml_h_collector_ini (), "check", NULL);
    cr_assert_eq (code, 0, "check exited %d: %s%s", code, out.out, out.err);
    ml_h_pass ();
}
