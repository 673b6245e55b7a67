/* test_delivery2.c -- delivery hardening (issue 16): another outbox's events under seqs the
   collector already has are refused loudly, not taken for duplicates; an event too big for a
   frame is refused where it enters, or rejected without stalling the events behind it. */
#include "ml_harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_import (const char *ini, const char *path, int want)
{
    ml_h_out_t out;
    int code = ml_h_run (&out, 300000, ML_AGENT, "-c", ini, "import", path, NULL);
    cr_assert_eq (code, want, "import %s exited %d (want %d): %s", path, code, want, out.err);
}

static json_t *
s_status_json (const char *ini)
{
    ml_h_out_t out;
    int code = ml_h_run (&out, 30000, ML_AGENT, "-c", ini, "status", "--json", NULL);
    cr_assert_eq (code, 0, "status exited %d: %s", code, out.err);
    json_t *obj = json_loads (out.out, 0, NULL);
    cr_assert_not_null (obj, "status --json: not JSON: %s", out.out);
    return obj;
}

//  Copy agents/H001 (key and agent.ini) to a second folder and run both: the copy's events sit
//  under seqs the collector already holds from the first. Today they are taken for duplicates.
Test (integration, copied_bundle_is_refused_not_dropped, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    const char *ini = ml_h_agent_ini ("H001");
    char *folder = ml_h_str ("%s", ini);
    *strrchr (folder, '/') = 0;
    char *copy = ml_h_str ("%s-copy", folder);
    char *cmd = ml_h_str ("cp -a '%s' '%s'", folder, copy);
    cr_assert_eq (system (cmd), 0, "%s", cmd);
    char *copy_ini = ml_h_str ("%s/agent.ini", copy);
    ml_h_collector_start ();

    //  the first machine: a person and three talks, delivered
    char *first = ml_h_str ("%s/first.jsonl", ml_h_dir ());
    ml_h_write_events (first, "H001", 1, 3);
    s_import (ini, first, 0);
    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, ML_AGENT, "-c", ini, "flush", NULL);
    cr_assert_eq (code, 0, "flush of the first exited %d: %s", code, out.err);
    cr_assert_eq (ml_h_collector_events ("H001"), 4);

    //  the copy: the same person, three other talks, as seqs 1..4 of the same key
    char *second = ml_h_str ("%s/second.jsonl", ml_h_dir ());
    ml_h_write_events (second, "H001", 101, 3);
    s_import (copy_ini, second, 0);
    code = ml_h_run (&out, 60000, ML_AGENT, "-c", copy_ini, "flush", "--timeout", "30", NULL);
    cr_assert_neq (code, 0, "flush of the copy exited 0 although its events were not stored: %s",
                   out.err);
    cr_assert (strstr (out.err, "refuses seq 2"), "flush does not name the refused seq: %s", out.err);
    cr_assert (strstr (out.err, "key of its own"), "flush does not say what to do: %s", out.err);

    //  its events stay pending, and status says why
    json_t *st = s_status_json (copy_ini);
    cr_assert_eq (json_integer_value (json_object_get (st, "pending")), 4,
                  "the copy's talks are not pending: %s", json_dumps (st, 0));
    json_t *refused = json_object_get (st, "refused");
    cr_assert_not_null (refused, "status --json does not show the refusal");
    cr_assert_eq (json_integer_value (json_object_get (refused, "seq")), 2);
    json_decref (st);
    code = ml_h_run (&out, 30000, ML_AGENT, "-c", copy_ini, "status", NULL);
    cr_assert_eq (code, 0);
    cr_assert (strstr (out.out, "refused: ") && strstr (out.out, "refuses seq 2"),
               "status does not show the refusal: %s", out.out);

    //  the collector kept the first machine's events and said so at warning level
    cr_assert_eq (ml_h_collector_events ("H001"), 4);
    char *log = ml_h_read (ml_h_str ("%s/collector.err", ml_h_dir ()));
    const char *line = strstr (log, "refused: seq 2");
    cr_assert_not_null (line, "the collector log does not name the conflict:\n%s", log);
    const char *bol = line;
    while (bol > log && bol[-1] != '\n')
        bol--;
    char *text = ml_h_str ("%.*s", (int) (strchr (line, '\n') - bol), bol);
    cr_assert (strstr (text, "warning") && strstr (text, "agent H001") && strstr (text, "unit H001"),
               "not a warning naming agent and unit: %s", text);

    //  the first machine goes on as before
    code = ml_h_run (&out, 60000, ML_AGENT, "-c", ini, "flush", NULL);
    cr_assert_eq (code, 0, "flush of the first again exited %d: %s", code, out.err);
    ml_h_pass ();
}

//  Writes a JSONL line: person PERSON of H001 with N roles.
static void
s_write_big_person (FILE *f, const char *person, long n)
{
    fprintf (f, "{\"kind\":\"person\",\"ref\":\"H001-%s\",\"person\":\"%s\",\"name\":\"李明\","
                "\"roles\":[", person, person);
    for (long i = 0; i < n; i++)
        fprintf (f, "%s{\"role\":\"party_member\",\"from\":\"2025-01-01\"}", i ? "," : "");
    fprintf (f, "]}\n");
}

//  A person with 700k roles (~11 MB packed) is over the collector's 8 MiB frame: import refuses
//  it, naming file, line, the size and the limit. Today it is imported with exit 0.
Test (integration, oversize_event_refused_at_import, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    char *path = ml_h_str ("%s/big.jsonl", ml_h_dir ());
    ml_h_write_events (path, "H001", 1, 2);
    FILE *f = fopen (path, "a");
    cr_assert_not_null (f, "%s: %s", path, strerror (errno));
    s_write_big_person (f, "P900", 700000);
    fclose (f);
    ml_h_out_t out;
    int code = ml_h_run (&out, 300000, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "import", path, NULL);
    cr_assert_eq (code, 1, "import of a 700k-role person exited %d: %s", code, out.err);
    cr_assert (strstr (out.err, "big.jsonl:4: ") && strstr (out.err, "max_frame_bytes 8388608"),
               "the error does not name the line and the limit: %s", out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 0, "something was recorded");
    ml_h_pass ();
}

//  An event already in the outbox that the collector cannot take (its max_frame_bytes is lower
//  than when the event was recorded) is rejected with a reason, and the events behind it are
//  delivered. Today the collector drops the connection and the unit stalls.
Test (integration, oversize_event_does_not_stall_the_unit, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_ini_set (ml_h_collector_ini (), "max_frame_bytes", "65536");
    const char *ini = ml_h_agent_ini ("H001");
    //  recorded before the agent ever heard the collector's limit: the default 8 MiB held
    char *path = ml_h_str ("%s/mixed.jsonl", ml_h_dir ());
    ml_h_write_events (path, "H001", 1, 0);
    FILE *f = fopen (path, "a");
    cr_assert_not_null (f);
    s_write_big_person (f, "P900", 6000);
    fclose (f);
    s_import (ini, path, 0);
    char *talks = ml_h_str ("%s/talks.jsonl", ml_h_dir ());
    ml_h_write_events (talks, "H001", 1, 300);
    s_import (ini, talks, 0);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 302);

    ml_h_collector_start ();
    ml_h_out_t out;
    int code = ml_h_run (&out, 120000, ML_AGENT, "-c", ini, "flush", "--timeout", "60", NULL);
    cr_assert_eq (code, 0, "flush exited %d: %s", code, out.err);
    cr_assert_eq (ml_h_collector_events ("H001"), 301, "the events behind the big one");
    json_t *st = ml_h_agent_status_json ("H001");
    cr_assert_eq (json_integer_value (json_object_get (st, "pending")), 0);
    json_t *rejected = json_object_get (st, "rejected");
    cr_assert_eq (json_array_size (rejected), 1, "%s", json_dumps (st, 0));
    json_t *r = json_array_get (rejected, 0);
    cr_assert_str_eq (json_string_value (json_object_get (r, "code")), "too_big");
    cr_assert_str_eq (json_string_value (json_object_get (r, "ref")), "H001-P900");
    cr_assert (strstr (json_string_value (json_object_get (r, "reason")), "max_frame_bytes"));
    json_decref (st);

    //  from now on the agent knows the limit: a new big event is refused where it enters
    char *again = ml_h_str ("%s/again.jsonl", ml_h_dir ());
    f = fopen (again, "w");
    cr_assert_not_null (f);
    s_write_big_person (f, "P901", 6000);
    fclose (f);
    code = ml_h_run (&out, 60000, ML_AGENT, "-c", ini, "import", again, NULL);
    cr_assert_eq (code, 1, "import of an event over the learned limit exited %d: %s", code, out.err);
    cr_assert (strstr (out.err, "again.jsonl:1: ") && strstr (out.err, "max_frame_bytes 65536"),
               "%s", out.err);
    ml_h_pass ();
}
