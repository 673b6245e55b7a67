/* test_watch.c -- rectification to closure (rules.md S.3, V14) through the real programs: a row
   talked, noticed, progressed and closed on time; a row overdue, carried onto the next year's
   watch list and closed late; a row still open; wrong keys refused (an agent key, a leader, the
   auditor); the counts of `report supervision` against what was done; check clean. The
   collector's day is set with MASSLINE_TODAY (restarting it when the day moves). */
#include "ml_harness.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T 60000

static void
s_day (const char *day)
{
    setenv ("MASSLINE_TODAY", day, 1);
    if (ml_h_collector_pid ())
        ml_h_collector_stop (SIGTERM);
    ml_h_collector_start ();
}

static ml_h_out_t
s_run_ok (const char *what, char *const *argv)
{
    ml_h_out_t out = { NULL, NULL };
    int rc = ml_h_runv (&out, T, argv);
    cr_assert_eq (rc, 0, "%s: exit %d\nstdout: %s\nstderr: %s", what, rc, out.out, out.err);
    return out;
}

#define RUN_OK(what, ...) s_run_ok (what, (char *const[]) { __VA_ARGS__, NULL })

//  A client key of ROLE named NAME, added before the collector starts.
static const char *
s_key (const char *name, const char *role)
{
    ml_h_bureau ();
    RUN_OK ("staff add", (char *) ML_COLLECTOR, "-c", (char *) ml_h_collector_ini (), "staff", "add",
            (char *) name, "--role", (char *) role);
    return ml_h_str ("%s/staff/%s.ini", ml_h_bureau (), name);
}

//  A client config holding H001's agent key.
static const char *
s_agent_client (void)
{
    const char *agent_ini = ml_h_agent_ini ("H001");
    char *ini = ml_h_str ("%.*s/client.ini", (int) (strrchr (agent_ini, '/') - agent_ini), agent_ini);
    ml_h_write (ini, ml_h_str ("[client]\nquery = %s\ncollector_key = collector.pub\n"
                               "public_key = agent.pub\nsecret_key = agent.key\n",
                               ml_h_ini_get (ml_h_client_ini (), "query")));
    return ini;
}

//  massline -c CLIENT watch ARGS...; returns the exit code, OUT what it printed.
#define WATCH(out, client, ...) \
    ml_h_runv (out, T, (char *const[]) { (char *) ML_CLIENT, "-c", (char *) (client), "watch", \
                                         __VA_ARGS__, NULL })

static json_t *
s_report (const char *client, const char *kind, const char *year, const char *as_of)
{
    ml_h_out_t out;
    int rc = as_of
        ? ml_h_run (&out, T, ML_CLIENT, "-c", client, "report", kind, "--year", year, "--as-of",
                    as_of, "--format", "json", NULL)
        : ml_h_run (&out, T, ML_CLIENT, "-c", client, "report", kind, "--year", year, "--format",
                    "json", NULL);
    cr_assert_eq (rc, 0, "report %s %s: exit %d: %s", kind, year, rc, out.err);
    json_error_t jerr;
    json_t *j = json_loads (out.out, 0, &jerr);
    cr_assert (j, "not JSON: %s", out.out);
    return j;
}

//  Asserts the counts of `report supervision --year YEAR` (as of AS_OF, NULL: today).
static json_t *
s_counts (const char *year, const char *as_of, int opened, int talked, int on_time, int late,
          int overdue, int open, int carried)
{
    json_t *r = s_report (ml_h_client_ini (), "supervision", year, as_of);
    json_t *c = json_object_get (r, "counts");
    const char *keys[] = { "opened", "talked", "rectified_on_time", "rectified_late", "overdue",
                           "open", "carried_over" };
    int want[] = { opened, talked, on_time, late, overdue, open, carried };
    for (int i = 0; i < 7; i++)
        cr_assert_eq (json_integer_value (json_object_get (c, keys[i])), want[i],
                      "supervision %s as of %s: %s is %lld, not %d", year, as_of ? as_of : "today",
                      keys[i], (long long) json_integer_value (json_object_get (c, keys[i])), want[i]);
    return r;
}

//  The row of PERSON in REPORT's rows, or NULL.
static json_t *
s_row (json_t *report, const char *person)
{
    size_t i;
    json_t *row;
    json_array_foreach (json_object_get (report, "rows"), i, row)
        if (json_string_value (json_object_get (row, "person"))
            && strcmp (json_string_value (json_object_get (row, "person")), person) == 0)
            return row;
    return NULL;
}

//  The carried-over row of PERSON in a watch list, or NULL.
static json_t *
s_carried (json_t *report, const char *person)
{
    size_t i;
    json_t *row;
    json_array_foreach (json_object_get (report, "rows"), i, row)
        if (json_is_true (json_object_get (row, "carried_over"))
            && strcmp (json_string_value (json_object_get (row, "person")), person) == 0)
            return row;
    return NULL;
}

static const char *
s_str (json_t *obj, const char *key)
{
    return json_string_value (json_object_get (obj, key));
}

Test (integration, talk_notice_progress_close_overdue_carried_and_closed_late, .init = ml_h_init,
      .fini = ml_h_fini)
{
    const char *staff = s_key ("off1", "staff"), *rev = s_key ("rev1", "reviewer");
    const char *leader = s_key ("lead1", "leader"), *auditor = ml_h_client_ini ();
    s_day ("2025-01-10");
    const char *agent = s_agent_client ();
    ml_h_out_t out;
    //  H002's roster names P005: a carried row carries the name
    RUN_OK ("person", (char *) ML_AGENT, "-c", (char *) ml_h_agent_ini ("H002"), "record", "person",
            "person=P005", "name=赵五", "roles=[{\"role\":\"leader\",\"from\":\"2020-01-01\"}]");
    RUN_OK ("flush", (char *) ML_AGENT, "-c", (char *) ml_h_agent_ini ("H002"), "flush", "--timeout", "30");

    //  row A (H001 P001 2024 1.3b): talk, notice, progress
    cr_assert_eq (WATCH (&out, staff, "talk", "--unit", "H001", "--person", "P001", "--year", "2024",
                         "--rule", "1.3b", "--date", "2025-01-08", "--by", "王书记", "--note",
                         "调研天数不足"), 0, "%s", out.err);
    cr_assert (strstr (out.out, "H001 P001 2024 1.3b: talk recorded (record 1); the row is open: "
                       "1 talk"), "%s", out.out);
    cr_assert_eq (WATCH (&out, staff, "notice", "--unit", "H001", "--person", "P001", "--year", "2024",
                         "--rule", "1.3b", "--deadline", "2025-03-31"), 0, "%s", out.err);
    cr_assert (strstr (out.out, "deadline 2025-03-31"), "%s", out.out);
    //  a row has one notice
    cr_assert_eq (WATCH (&out, staff, "notice", "--unit", "H001", "--person", "P001", "--year", "2024",
                         "--rule", "1.3b", "--deadline", "2025-06-30"), 1);
    cr_assert (strstr (out.err, "already has its rectification notice, deadline 2025-03-31"), "%s", out.err);
    cr_assert_eq (WATCH (&out, rev, "progress", "--unit", "H001", "--person", "P001", "--year", "2024",
                         "--rule", "1.3b", "--note", "已补调研 20 天"), 0, "%s", out.err);
    //  row B (H002 P005 2024, the person's whole year): a notice only; row C: a talk only
    cr_assert_eq (WATCH (&out, staff, "notice", "--unit", "H002", "--person", "P005", "--year", "2024",
                         "--deadline", "2025-02-28", "--note", "限期两个月"), 0, "%s", out.err);
    cr_assert_eq (WATCH (&out, staff, "talk", "--unit", "H003", "--person", "P009", "--year", "2024",
                         "--date", "2025-01-09", "--by", "李书记"), 0, "%s", out.err);

    //  wrong keys: an agent key, a leader and the auditor record nothing
    const char *wrong[][2] = { { agent, "an agent key" }, { leader, "a leader" },
                               { auditor, "an auditor" } };
    for (int i = 0; i < 3; i++) {
        cr_assert_eq (WATCH (&out, wrong[i][0], "talk", "--unit", "H001", "--person", "P002", "--year",
                             "2024", "--date", "2025-01-08", "--by", "x"), 1, "%s", wrong[i][1]);
        cr_assert (strstr (out.err, "denied") && strstr (out.err, wrong[i][1])
                   && strstr (out.err, "only the bureau's staff and reviewer keys"), "%s", out.err);
    }
    //  bad requests: a talk that has not happened yet, a deadline already past, no --by
    cr_assert_eq (WATCH (&out, staff, "talk", "--unit", "H001", "--person", "P002", "--year", "2024",
                         "--date", "2025-02-01", "--by", "x"), 1);
    cr_assert (strstr (out.err, "after today"), "%s", out.err);
    cr_assert_eq (WATCH (&out, staff, "notice", "--unit", "H001", "--person", "P002", "--year", "2024",
                         "--deadline", "2025-01-01"), 1);
    cr_assert_eq (WATCH (&out, staff, "talk", "--unit", "H001", "--person", "P002", "--year", "2024",
                         "--date", "2025-01-08"), 2);
    cr_assert_eq (WATCH (&out, staff, "talk", "--unit", "H009", "--person", "P002", "--year", "2024",
                         "--date", "2025-01-08", "--by", "x"), 1);
    cr_assert (strstr (out.err, "unknown unit"), "%s", out.err);

    //  row A closed on time; nothing more is recorded on it
    s_day ("2025-03-20");
    cr_assert_eq (WATCH (&out, staff, "close", "--unit", "H001", "--person", "P001", "--year", "2024",
                         "--rule", "1.3b", "--date", "2025-03-20", "--by", "张局长"), 0, "%s", out.err);
    cr_assert (strstr (out.out, "rectified_on_time") && strstr (out.out, "closed 2025-03-20"), "%s",
               out.out);
    cr_assert_eq (WATCH (&out, staff, "progress", "--unit", "H001", "--person", "P001", "--year",
                         "2024", "--rule", "1.3b", "--note", "x"), 1);
    cr_assert (strstr (out.err, "was closed on 2025-03-20"), "%s", out.err);

    //  June: B is overdue, and on the 2025 watch list as a row carried over from 2024
    s_day ("2025-06-01");
    json_t *r = s_counts ("2024", NULL, 3, 2, 1, 0, 1, 1, 0);
    json_t *a = s_row (r, "P001");
    cr_assert_str_eq (s_str (a, "state"), "rectified_on_time");
    cr_assert_str_eq (s_str (a, "rule"), "1.3b");
    cr_assert_str_eq (s_str (a, "deadline"), "2025-03-31");
    cr_assert_str_eq (s_str (a, "closed"), "2025-03-20");
    cr_assert_str_eq (s_str (a, "closed_by"), "张局长");
    cr_assert_eq (json_array_size (json_object_get (a, "talks")), 1);
    cr_assert_str_eq (s_str (json_array_get (json_object_get (a, "talks"), 0), "by"), "王书记");
    cr_assert_str_eq (s_str (json_array_get (json_object_get (a, "talks"), 0), "recorded_by"),
                      "client:off1");
    cr_assert_str_eq (s_str (json_array_get (json_object_get (a, "progress"), 0), "recorded_by"),
                      "client:rev1");
    cr_assert_str_eq (s_str (s_row (r, "P005"), "state"), "overdue");
    cr_assert_str_eq (s_str (s_row (r, "P009"), "state"), "open");
    json_decref (r);
    r = s_report (auditor, "watchlist", "2025", NULL);
    json_t *b = s_carried (r, "P005");
    cr_assert (b, "the overdue row is on the next year's watch list");
    cr_assert_eq (json_integer_value (json_object_get (r, "carried_over")), 1);
    cr_assert (json_is_true (json_object_get (b, "carried_over")));
    cr_assert_eq (json_integer_value (json_object_get (b, "year")), 2024);
    cr_assert_str_eq (s_str (b, "rectification"), "overdue");
    cr_assert_str_eq (s_str (b, "name"), "赵五");
    cr_assert (!s_row (r, "P001") && !s_row (r, "P009"), "closed and not overdue rows are not carried");
    json_decref (r);
    r = s_report (auditor, "watchlist", "2024", NULL);
    cr_assert (s_row (r, "P005") && !s_carried (r, "P005"), "a row is not carried onto its own year");
    json_decref (r);
    //  the leader reads the report; an agent key does not
    json_decref (s_report (leader, "supervision", "2024", NULL));
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", agent, "report", "supervision", "--year", "2024",
                            NULL), 1);

    //  B closed late: counted late, and still on 2025's list (overdue during 2025), as closed late
    s_day ("2025-06-10");
    cr_assert_eq (WATCH (&out, staff, "close", "--unit", "H002", "--person", "P005", "--year", "2024",
                         "--date", "2025-06-10", "--by", "张局长", "--note", "已整改到位"), 0, "%s", out.err);
    cr_assert (strstr (out.out, "rectified_late"), "%s", out.out);
    json_decref (s_counts ("2024", NULL, 3, 2, 1, 1, 0, 1, 0));
    json_decref (s_counts ("2024", "2025-06-05", 3, 2, 1, 0, 1, 1, 0));
    json_decref (s_counts ("2024", "2025-01-10", 3, 2, 0, 0, 0, 3, 0));
    r = s_counts ("2025", NULL, 0, 0, 0, 0, 0, 0, 1);
    cr_assert (json_is_true (json_object_get (s_row (r, "P005"), "carried_over")));
    json_decref (r);
    r = s_report (auditor, "watchlist", "2025", NULL);
    cr_assert_str_eq (s_str (s_carried (r, "P005"), "rectification"), "rectified_late");
    json_decref (r);

    //  the other formats
    out = RUN_OK ("text", (char *) ML_CLIENT, "-c", (char *) auditor, "report", "supervision", "--year",
                  "2024", "--format", "text");
    cr_assert (strstr (out.out, "按期整改 on time 1") && strstr (out.out, "逾期整改")
               && strstr (out.out, "2025-01-08 王书记"), "%s", out.out);
    out = RUN_OK ("csv", (char *) ML_CLIENT, "-c", (char *) auditor, "report", "supervision", "--year",
                  "2024", "--format", "csv");
    cr_assert (strstr (out.out, "\"H002\",") && strstr (out.out, "\"逾期整改\"")
               && strstr (out.out, "\"2025-06-10\",\"张局长\""), "%s", out.out);
    const char *pdf = ml_h_str ("%s/supervision.pdf", ml_h_dir ());
    RUN_OK ("pdf", (char *) ML_CLIENT, "-c", (char *) auditor, "report", "supervision", "--year", "2024",
            "-o", (char *) pdf);
    char *bytes = ml_h_read (pdf);
    cr_assert (bytes && strncmp (bytes, "%PDF-", 5) == 0);
    out = RUN_OK ("html", (char *) ML_CLIENT, "-c", (char *) auditor, "report", "supervision",
                  "--year", "2024", "--format", "html");
    cr_assert (strstr (out.out, "督查整改情况") && strstr (out.out, "class=\"overdue\"") == NULL,
               "%s", out.out);

    ml_h_collector_stop (SIGTERM);
    RUN_OK ("check", (char *) ML_COLLECTOR, "-c", (char *) ml_h_collector_ini (), "check");
    ml_h_pass ();
}
