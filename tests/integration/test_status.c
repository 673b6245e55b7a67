/* test_status.c -- `massline status --json` shows every unit's event count and each agent's acked_seq. */
#include "ml_harness.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <string.h>

//  The entry of UNIT in the status reply's "units" array, or NULL. Borrowed.
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

Test (integration, status_reports_units_and_agents, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    //  H001 sends 1 + 10 events, H002 1 + 25, H003 nothing.
    const int talks[ML_H_UNITS] = { 10, 25, 0 };
    for (int u = 0; u < 2; u++) {
        const char *unit = ml_h_units[u];
        char *path = ml_h_str ("%s/%s.jsonl", ml_h_dir (), unit);
        ml_h_write_events (path, unit, 1, talks[u]);
        ml_h_out_t out;
        int code = ml_h_run (&out, 60000, ML_AGENT, "-c", ml_h_agent_ini (unit), "import", path, NULL);
        cr_assert_eq (code, 0, "import exited %d: %s", code, out.err);
        code = ml_h_run (&out, 120000, ML_AGENT, "-c", ml_h_agent_ini (unit), "flush", NULL);
        cr_assert_eq (code, 0, "flush exited %d: %s", code, out.err);
    }

    json_t *status = ml_h_status_json ();
    cr_assert_not_null (status, "massline status --json failed");
    char *text = json_dumps (status, JSON_COMPACT);
    cr_log_info ("status: %s", text);
    free (text);
    cr_assert (json_is_array (json_object_get (status, "units")));
    cr_assert_eq (json_array_size (json_object_get (status, "units")), ML_H_UNITS);
    cr_assert_eq (json_integer_value (json_object_get (status, "events")), 11 + 26);

    for (int u = 0; u < ML_H_UNITS; u++) {
        const char *unit = ml_h_units[u];
        json_t *entry = s_unit (status, unit);
        cr_assert_not_null (entry, "no unit %s in status", unit);
        long want = talks[u] ? talks[u] + 1 : 0;
        cr_assert (json_is_integer (json_object_get (entry, "events")), "%s: events", unit);
        cr_assert_eq (json_integer_value (json_object_get (entry, "events")), want, "%s: events", unit);
        cr_assert_eq (json_integer_value (json_object_get (entry, "rejected")), 0, "%s: rejected", unit);
        json_t *agents = json_object_get (entry, "agents");
        cr_assert (json_is_array (agents), "%s: agents is not a list", unit);
        //  The agent of the unit has acknowledged every event it sent (seqs start at 1).
        json_t *agent = NULL, *a;
        size_t i;
        json_array_foreach (agents, i, a)
            if (json_is_string (json_object_get (a, "agent"))
            && strcmp (json_string_value (json_object_get (a, "agent")), unit) == 0)
                agent = a;
        if (!want) {
            //  H003 never connected: if listed, it has acknowledged nothing.
            cr_assert (!agent || json_integer_value (json_object_get (agent, "acked_seq")) == 0);
            continue;
        }
        cr_assert_not_null (agent, "%s: its agent is not listed", unit);
        cr_assert (json_is_integer (json_object_get (agent, "acked_seq")), "%s: acked_seq", unit);
        cr_assert_eq (json_integer_value (json_object_get (agent, "acked_seq")), want, "%s: acked_seq", unit);
        json_t *seen = json_object_get (agent, "last_seen");
        cr_assert (json_is_string (seen) && strlen (json_string_value (seen)) >= 19,
                   "%s: last_seen should be ISO 8601 text", unit);

        //  The agent's own view agrees.
        json_t *mine = ml_h_agent_status_json (unit);
        cr_assert_not_null (mine);
        cr_assert_eq (json_integer_value (json_object_get (mine, "pending")), 0);
        cr_assert_eq (json_integer_value (json_object_get (mine, "acked")), want);
        cr_assert (json_is_string (json_object_get (mine, "last_contact")), "%s: last_contact", unit);
        cr_assert (json_is_array (json_object_get (mine, "rejected")));
        cr_assert_eq (json_array_size (json_object_get (mine, "rejected")), 0);
        json_decref (mine);
    }
    json_decref (status);
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);
    ml_h_pass ();
}
