/* test_tier.c -- upper tiers (issue 13) through the real programs: a committee and two member
   bureaus, each with a hospital; the bureaus decide their year (review bureau) and the relay
   carries the roll-up up through the agents' exactly-once protocol; the committee lists both,
   seals verified, check clean; a restatement goes up as version 2 beside version 1; a return
   at the committee; report events with a wrong digest or tier version sent with a member's key
   are refused with reasons while the committee keeps serving. */
#include "ml_harness.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T 60000

typedef struct {
    const char *dir;
    pid_t pid;
} s_coll_t;

static void
s_ok (const char *what, char *const *argv)
{
    ml_h_out_t out = { NULL, NULL };
    int rc = ml_h_runv (&out, T, argv);
    cr_assert_eq (rc, 0, "%s: exit %d\nstdout: %s\nstderr: %s", what, rc, out.out, out.err);
}

#define OK(what, ...) s_ok (what, (char *const[]) { __VA_ARGS__, NULL })

//  A collector folder NAME: a committee of B01, B02 (COMMITTEE) or a bureau of H001.
static const char *
s_init (const char *name, bool committee)
{
    const char *dir = ml_h_str ("%s/%s", ml_h_dir (), name);
    const char *ingest = ml_h_str ("tcp://127.0.0.1:%d", ml_h_free_port ());
    const char *query = ml_h_str ("tcp://127.0.0.1:%d", ml_h_free_port ());
    if (committee)
        OK ("init committee", (char *) ML_COLLECTOR, "init", (char *) dir, "--tier", "committee",
            "--member", "B01:卫生局", "--member", "B02:教育局", "--ingest", (char *) ingest,
            "--query", (char *) query);
    else
        OK ("init bureau", (char *) ML_COLLECTOR, "init", (char *) dir, "--unit", "H001:医院",
            "--ingest", (char *) ingest, "--query", (char *) query);
    OK ("staff add", (char *) ML_COLLECTOR, "-c", ml_h_str ("%s/collector.ini", dir), "staff",
        "add", "rev", "--role", "reviewer");
    return dir;
}

static pid_t
s_start (const char *dir)
{
    pid_t pid = ml_h_spawn (ml_h_str ("%s.serve", strrchr (dir, '/') + 1), ML_COLLECTOR, "-c",
                            ml_h_str ("%s/collector.ini", dir), "serve", NULL);
    cr_assert (pid > 0);
    return pid;
}

static json_t *
s_query (const char *dir, char *const *args)
{
    char *argv[16] = { (char *) ML_CLIENT, "-c", ml_h_str ("%s/staff/rev.ini", dir) };
    int n = 3;
    for (; *args; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    ml_h_out_t out;
    int rc = ml_h_runv (&out, T, argv);
    cr_assert_eq (rc, 0, "%s %s: exit %d: %s", argv[3], argv[4], rc, out.err);
    json_t *j = json_loads (out.out, 0, NULL);
    cr_assert (j, "not JSON: %s", out.out);
    return j;
}

static json_t *
s_members (const char *committee)
{
    return s_query (committee, (char *const[]) { "report", "members", "--year", "2025", NULL });
}

static json_t *
s_member (json_t *members, const char *id)
{
    size_t i;
    json_t *m;
    json_array_foreach (json_object_get (members, "members"), i, m)
        if (strcmp (json_string_value (json_object_get (m, "member")), id) == 0)
            return m;
    return NULL;
}

typedef struct {
    const char *committee;
    const char *member;
    size_t docs;
} s_wait_t;

static bool
s_has_docs (void *arg)
{
    s_wait_t *w = arg;
    json_t *all = s_members (w->committee);
    size_t n = json_array_size (json_object_get (s_member (all, w->member), "documents"));
    json_decref (all);
    return n >= w->docs;
}

//  A bureau of H001 with one event, reporting to COMMITTEE as MEMBER.
static const char *
s_bureau (const char *name, const char *committee, const char *member)
{
    const char *dir = s_init (name, false);
    FILE *f = fopen (ml_h_str ("%s/collector.ini", dir), "a");
    cr_assert (f);
    fprintf (f, "upstream = %s/members/%s/upstream.ini\n", committee, member);
    fclose (f);
    return dir;
}

static void
s_hospital_event (const char *bureau)
{
    const char *agent = ml_h_str ("%s/agents/H001/agent.ini", bureau);
    OK ("record", (char *) ML_AGENT, "-c", (char *) agent, "record", "person", "person=P001",
        "name=张三");
    OK ("flush", (char *) ML_AGENT, "-c", (char *) agent, "flush", "--timeout", "30");
}

Test (integration, two_bureaus_report_to_a_committee, .init = ml_h_init, .fini = ml_h_fini)
{
    const char *com = s_init ("committee", true);
    const char *b1 = s_bureau ("b01", com, "B01"), *b2 = s_bureau ("b02", com, "B02");
    s_coll_t c[3] = { { com, s_start (com) }, { b1, s_start (b1) }, { b2, s_start (b2) } };
    s_hospital_event (b1);
    s_hospital_event (b2);
    //  not every unit accepted: the bureau must give a reason
    ml_h_out_t out;
    cr_assert_neq (ml_h_run (&out, T, ML_CLIENT, "-c", ml_h_str ("%s/staff/rev.ini", b1), "review",
                             "bureau", "2025", NULL), 0);
    cr_assert (strstr (out.err, "H001"), "%s", out.err);
    OK ("review bureau", (char *) ML_CLIENT, "-c", ml_h_str ("%s/staff/rev.ini", b1), "review",
        "bureau", "2025", "--reason", "H001 未提交");
    OK ("review bureau", (char *) ML_CLIENT, "-c", ml_h_str ("%s/staff/rev.ini", b2), "review",
        "bureau", "2025", "--reason", "H001 未提交");
    s_wait_t w1 = { com, "B01", 1 }, w2 = { com, "B02", 1 };
    cr_assert (ml_h_until (s_has_docs, &w1, T), "B01's roll-up never arrived");
    cr_assert (ml_h_until (s_has_docs, &w2, T), "B02's roll-up never arrived");
    json_t *all = s_members (com);
    for (int i = 0; i < 2; i++) {
        json_t *m = s_member (all, i ? "B02" : "B01");
        cr_assert (json_is_true (json_object_get (m, "submitted")));
        json_t *docs = json_object_get (m, "documents");
        cr_assert_eq (json_array_size (docs), 1);
        cr_assert_str_eq (json_string_value (json_object_get (json_array_get (docs, 0), "seal")),
                          "verified");
    }
    json_decref (all);
    //  a restatement at B01 after relaying: version 2 goes up, the committee keeps both
    OK ("review bureau v2", (char *) ML_CLIENT, "-c", ml_h_str ("%s/staff/rev.ini", b1), "review",
        "bureau", "2025", "--reason", "重报");
    w1.docs = 2;
    cr_assert (ml_h_until (s_has_docs, &w1, T), "version 2 never arrived");
    json_t *show = s_query (com, (char *const[]) { "report", "show", "B01", "2025", "1", NULL });
    cr_assert_eq (json_integer_value (json_object_get (json_object_get (show, "tier"), "version")), 1);
    json_decref (show);
    //  a return at the committee
    OK ("return", (char *) ML_CLIENT, "-c", ml_h_str ("%s/staff/rev.ini", com), "review", "return",
        "B01", "2025", "--reason", "缺少说明");
    all = s_members (com);
    cr_assert_str_eq (json_string_value (json_object_get (s_member (all, "B01"), "state")),
                      "returned");
    json_decref (all);
    for (int i = 2; i >= 0; i--)
        cr_assert_eq (ml_h_stop (c[i].pid, SIGTERM), 0);
    OK ("check", (char *) ML_COLLECTOR, "-c", ml_h_str ("%s/collector.ini", com), "check");
    ml_h_pass ();
}

//  A member key used as an agent of the committee: what a forged or broken bureau could send.
static const char *
s_member_agent (const char *com, const char *member)
{
    const char *ini = ml_h_str ("%s/members/%s/agent.ini", com, member);
    char *up = ml_h_read (ml_h_str ("%s/members/%s/upstream.ini", com, member));
    const char *ep = strstr (up, "endpoint = ") + strlen ("endpoint = ");
    ml_h_write (ini, ml_h_str ("[agent]\nid = %s\nunit = %s\noutbox = outbox\nspool = spool\n"
                               "collector = %.*s\ncollector_key = collector.pub\n"
                               "public_key = member.pub\nsecret_key = member.key\n", member,
                               member, (int) strcspn (ep, "\n"), ep));
    return ini;
}

Test (integration, committee_refuses_bad_reports, .init = ml_h_init, .fini = ml_h_fini)
{
    const char *com = s_init ("committee", true);
    pid_t pid = s_start (com);
    const char *agent = s_member_agent (com, "B01");
    const char *zero = "0000000000000000000000000000000000000000000000000000000000000000";
    const char *jsonl = ml_h_str ("%s/bad.jsonl", ml_h_dir ());
    //  a digest that is not the document's; a tier version this committee does not speak;
    //  an ordinary event, which a committee never takes
    ml_h_write (jsonl, ml_h_str (
        "{\"kind\":\"report\",\"ref\":\"r1\",\"date\":\"2026-01-05\",\"year\":2025,\"report\":\"rollup\","
        "\"version\":1,\"document\":\"{}\",\"digest\":\"%s\",\"chain_head\":\"%s\",\"chain_events\":1,"
        "\"tier_version\":1}\n"
        "{\"kind\":\"report\",\"ref\":\"r2\",\"date\":\"2026-01-05\",\"year\":2025,\"report\":\"rollup\","
        "\"version\":1,\"document\":\"{}\",\"digest\":\"44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\","
        "\"chain_head\":\"%s\",\"chain_events\":1,\"tier_version\":9}\n"
        "{\"kind\":\"person\",\"ref\":\"p1\",\"person\":\"P001\",\"name\":\"张三\"}\n", zero, zero, zero));
    //  the sender runs the same validation as the committee: refused before they leave, with reasons
    ml_h_out_t out;
    cr_assert_neq (ml_h_run (&out, T, ML_AGENT, "-c", agent, "import", jsonl, NULL), 0);
    cr_assert (strstr (out.err, "does not match its digest"), "%s", out.err);
    cr_assert (strstr (out.err, "tier version 1, not 9"), "%s", out.err);
    //  an ordinary event passes the sender's checks; the committee refuses it
    ml_h_write (jsonl, "{\"kind\":\"person\",\"ref\":\"p1\",\"person\":\"P001\",\"name\":\"张三\"}\n");
    OK ("import", (char *) ML_AGENT, "-c", (char *) agent, "import", (char *) jsonl);
    ml_h_run (&out, T, ML_AGENT, "-c", agent, "flush", "--timeout", "30", NULL);
    ml_h_run (&out, T, ML_AGENT, "-c", agent, "status", NULL);
    cr_assert (strstr (out.out, "takes only report events"), "%s\n%s", out.out, out.err);
    json_t *all = s_members (com);      //  still serving, nothing stored
    cr_assert_eq (json_array_size (json_object_get (s_member (all, "B01"), "documents")), 0);
    json_decref (all);
    cr_assert_eq (ml_h_stop (pid, SIGTERM), 0);
    ml_h_pass ();
}
