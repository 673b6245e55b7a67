/* test_tier.c -- upper tiers (issue 13) through the real programs: a committee and two member
   bureaus, each with a hospital; the bureaus decide their year (review bureau) and the relay
   carries the roll-up up through the agents' exactly-once protocol; the committee lists both,
   seals verified, check clean; a restatement goes up as version 2 beside version 1; a return
   at the committee; report events with a wrong digest or tier version sent with a member's key
   are refused with reasons while the committee keeps serving. A bureau of two units whose year
   goes up by itself when its last unit is accepted (not before; review bureau then sends
   nothing twice), `massline status` there showing the report pending, delivered and returned
   with the committee's reason; review bureau refused where there is no higher tier. */
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
        //  its compliance figures: the bureau's own roll-up summary, as it was sent
        json_t *own = s_query (i ? b2 : b1, (char *const[]) { "report", "rollup", "--year", "2025",
                                                              "--format", "json", NULL });
        json_t *figures = json_object_get (m, "figures");
        char *got = json_dumps (figures, JSON_SORT_KEYS | JSON_COMPACT);
        cr_assert (json_equal (figures, json_object_get (own, "summary")), "B0%d's figures: %s", i + 1,
                   got ? got : "(null)");
        free (got);
        json_decref (own);
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

// ---------------------------------------------------------------------------
// The bureau's year goes up by itself

//  A bureau of H001 and H002 reporting to COMMITTEE as MEMBER.
static const char *
s_bureau2 (const char *name, const char *committee, const char *member)
{
    const char *dir = ml_h_str ("%s/%s", ml_h_dir (), name);
    OK ("init bureau", (char *) ML_COLLECTOR, "init", (char *) dir, "--unit", "H001:医院",
        "--unit", "H002:卫生院", "--ingest", ml_h_str ("tcp://127.0.0.1:%d", ml_h_free_port ()),
        "--query", ml_h_str ("tcp://127.0.0.1:%d", ml_h_free_port ()));
    OK ("staff add", (char *) ML_COLLECTOR, "-c", ml_h_str ("%s/collector.ini", dir), "staff",
        "add", "rev", "--role", "reviewer");
    if (committee) {
        FILE *f = fopen (ml_h_str ("%s/collector.ini", dir), "a");
        cr_assert (f);
        fprintf (f, "upstream = %s/members/%s/upstream.ini\n", committee, member);
        fclose (f);
    }
    return dir;
}

//  UNIT of BUREAU: its roster, and its 2025 submitted and sent.
static void
s_unit_submits (const char *bureau, const char *unit)
{
    const char *agent = ml_h_str ("%s/agents/%s/agent.ini", bureau, unit);
    for (int i = 1; i <= 3; i++)
        OK ("person", (char *) ML_AGENT, "-c", (char *) agent, "record", "person",
            ml_h_str ("person=P00%d", i), ml_h_str ("name=名%d", i),
            "roles=[{\"role\":\"leader\",\"from\":\"2020-01-01\"}]");
    OK ("submit", (char *) ML_AGENT, "-c", (char *) agent, "submit", "2025", "--filler", "P001",
        "--reviewer", "P002", "--approver", "P003");
    OK ("flush", (char *) ML_AGENT, "-c", (char *) agent, "flush", "--timeout", "30");
}

//  `massline status --json` at DIR: its "upstream" (the caller's).
static json_t *
s_upstream (const char *dir)
{
    json_t *st = s_query (dir, (char *const[]) { "status", "--json", NULL });
    cr_assert (json_object_get (st, "units"), "status --json lost its units");
    json_t *up = json_incref (json_object_get (st, "upstream"));
    json_decref (st);
    cr_assert (up, "status --json has no upstream key");
    return up;
}

typedef struct {
    const char *bureau;
    const char *state;
} s_state_t;

//  True when the bureau's only report upward is in state W->state.
static bool
s_upstream_is (void *arg)
{
    s_state_t *w = arg;
    json_t *up = s_upstream (w->bureau);
    const char *state = json_string_value (json_object_get (json_array_get (up, 0), "state"));
    bool is = json_array_size (up) == 1 && state && strcmp (state, w->state) == 0;
    json_decref (up);
    return is;
}

typedef struct {
    const char *bureau;
    int version;
    const char *state;
} s_version_t;

//  True when the bureau's report of version W->version is in state W->state.
static bool
s_version_is (void *arg)
{
    s_version_t *w = arg;
    json_t *up = s_upstream (w->bureau), *d;
    size_t i;
    bool is = false;
    json_array_foreach (up, i, d)
        if (json_integer_value (json_object_get (d, "version")) == w->version) {
            const char *state = json_string_value (json_object_get (d, "state"));
            is = state && strcmp (state, w->state) == 0;
        }
    json_decref (up);
    return is;
}

Test (integration, bureau_year_goes_up_when_its_last_unit_is_accepted, .init = ml_h_init,
      .fini = ml_h_fini)
{
    setenv ("MASSLINE_TODAY", "2026-01-15", 1);
    const char *com = s_init ("committee", true);
    const char *bur = s_bureau2 ("b01", com, "B01");
    s_coll_t c[2] = { { com, s_start (com) }, { bur, s_start (bur) } };
    const char *rev = ml_h_str ("%s/staff/rev.ini", bur);
    s_unit_submits (bur, "H001");
    s_unit_submits (bur, "H002");
    json_t *up = s_upstream (bur);
    cr_assert (json_is_array (up) && json_array_size (up) == 0, "a report before any decision");
    json_decref (up);
    //  one unit accepted: the year stays at the bureau (nothing kept for the relay, nothing sent)
    OK ("accept H001", (char *) ML_CLIENT, "-c", (char *) rev, "review", "accept", "H001", "2025");
    up = s_upstream (bur);
    cr_assert_eq (json_array_size (up), 0, "the year went up with a unit not accepted");
    json_decref (up);
    //  the last unit accepted: the bureau's year goes up in the same decision, no review bureau
    ml_h_out_t out;
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", rev, "review", "accept", "H002", "2025",
                            NULL), 0, "%s", out.err);
    cr_assert (strstr (out.out, "every unit accepted"), "%s", out.out);
    s_wait_t w = { com, "B01", 1 };
    cr_assert (ml_h_until (s_has_docs, &w, T), "the bureau's year never reached the committee");
    s_state_t st = { bur, "delivered" };
    cr_assert (ml_h_until (s_upstream_is, &st, T), "status never showed the report delivered");
    //  the reviewer's decision after it sends nothing twice
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", rev, "review", "bureau", "2025", NULL), 0,
                  "%s", out.err);
    cr_assert (strstr (out.out, "nothing new to send"), "%s", out.out);
    up = s_upstream (bur);
    json_t *d = json_array_get (up, 0);
    cr_assert_eq (json_array_size (up), 1);
    cr_assert_str_eq (json_string_value (json_object_get (d, "kind")), "rollup");
    cr_assert_eq (json_integer_value (json_object_get (d, "year")), 2025);
    cr_assert_eq (json_integer_value (json_object_get (d, "version")), 1);
    json_decref (up);
    json_t *all = s_members (com);
    json_t *docs = json_object_get (s_member (all, "B01"), "documents");
    cr_assert_eq (json_array_size (docs), 1, "a second document went up");
    cr_assert_str_eq (json_string_value (json_object_get (json_array_get (docs, 0), "seal")),
                      "verified");
    json_decref (all);
    json_t *show = s_query (com, (char *const[]) { "report", "show", "B01", "2025", NULL });
    json_t *bureau = json_object_get (show, "bureau");
    cr_assert_str_eq (json_string_value (json_object_get (bureau, "decided_as")), "all_units_accepted");
    cr_assert_eq (json_array_size (json_object_get (bureau, "units_not_accepted")), 0);
    json_decref (show);
    //  the committee returns it: the bureau's status says so, with the reason
    OK ("return", (char *) ML_CLIENT, "-c", ml_h_str ("%s/staff/rev.ini", com), "review", "return",
        "B01", "2025", "--reason", "缺少说明");
    st.state = "returned";
    cr_assert (ml_h_until (s_upstream_is, &st, T), "status never showed the report returned");
    up = s_upstream (bur);
    cr_assert_str_eq (json_string_value (json_object_get (json_array_get (up, 0), "reason")), "缺少说明");
    json_decref (up);
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", rev, "status", NULL), 0, "%s", out.err);
    cr_assert (strstr (out.out, "rollup 2025 version 1: returned: 缺少说明"), "%s", out.out);
    //  the bureau answers the return: nothing changed in its units, so it must say why, and
    //  then version 2 goes up beside version 1
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", rev, "review", "bureau", "2025", NULL), 1,
                  "%s", out.out);
    cr_assert (strstr (out.err, "returned") && strstr (out.err, "--reason"), "%s", out.err);
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", rev, "review", "bureau", "2025", "--reason",
                            "说明：两个单位均已审核", NULL), 0, "%s", out.err);
    cr_assert (strstr (out.out, "version 2 of the roll-up kept"), "%s", out.out);
    w.docs = 2;
    cr_assert (ml_h_until (s_has_docs, &w, T), "version 2 never reached the committee");
    s_version_t v2 = { bur, 2, "delivered" };
    cr_assert (ml_h_until (s_version_is, &v2, T), "status never showed version 2 delivered");
    up = s_upstream (bur);
    cr_assert_eq (json_array_size (up), 2);
    cr_assert_str_eq (json_string_value (json_object_get (json_array_get (up, 0), "state")), "returned");
    json_decref (up);
    show = s_query (com, (char *const[]) { "report", "show", "B01", "2025", "2", NULL });
    cr_assert_str_eq (json_string_value (json_object_get (json_object_get (show, "bureau"), "reason")),
                      "说明：两个单位均已审核");
    json_decref (show);
    //  the same decision again: version 2 is not returned, nothing new to send
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", rev, "review", "bureau", "2025", "--reason",
                            "说明：两个单位均已审核", NULL), 0, "%s", out.err);
    cr_assert (strstr (out.out, "version 2 of the roll-up was kept already"), "%s", out.out);
    all = s_members (com);
    cr_assert_eq (json_array_size (json_object_get (s_member (all, "B01"), "documents")), 2);
    json_decref (all);
    //  an agent's key may ask `status` but not `status upstream`: status says nothing of it
    const char *adir = ml_h_str ("%s/agents/H001", bur);
    char *aini = ml_h_read (ml_h_str ("%s/agent.ini", adir));
    const char *q = strstr (aini, "\nquery = ");
    cr_assert (q, "%s", aini);
    q += strlen ("\nquery = ");
    const char *cini = ml_h_str ("%s/client.ini", adir);
    ml_h_write (cini, ml_h_str ("[client]\nquery = %.*s\ncollector_key = collector.pub\n"
                                "public_key = agent.pub\nsecret_key = agent.key\n",
                                (int) strcspn (q, "\n"), q));
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", cini, "status", NULL), 0, "%s", out.err);
    cr_assert_str_eq (out.err, "", "status with an agent's key said: %s", out.err);
    cr_assert (strstr (out.out, "total:") && !strstr (out.out, "upstream"), "%s", out.out);
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", cini, "status", "--json", NULL), 0, "%s",
                  out.err);
    cr_assert_str_eq (out.err, "", "status --json with an agent's key said: %s", out.err);
    json_t *ast = json_loads (out.out, 0, NULL);
    cr_assert (ast && json_is_null (json_object_get (ast, "upstream")), "%s", out.out);
    json_decref (ast);
    //  the committee reports to no one: review bureau is refused there, with one line
    cr_assert_neq (ml_h_run (&out, T, ML_CLIENT, "-c", ml_h_str ("%s/staff/rev.ini", com), "review",
                             "bureau", "2025", "--reason", "x", NULL), 0);
    cr_assert (strstr (out.err, "no higher tier"), "%s", out.err);
    up = s_upstream (com);
    cr_assert (json_is_null (up), "a committee without upstream shows upstream reports");
    json_decref (up);
    for (int i = 1; i >= 0; i--)
        cr_assert_eq (ml_h_stop (c[i].pid, SIGTERM), 0);
    OK ("check", (char *) ML_COLLECTOR, "-c", ml_h_str ("%s/collector.ini", bur), "check");
    OK ("check", (char *) ML_COLLECTOR, "-c", ml_h_str ("%s/collector.ini", com), "check");
    ml_h_pass ();
}

Test (integration, bureau_without_upstream_keeps_its_year, .init = ml_h_init, .fini = ml_h_fini)
{
    setenv ("MASSLINE_TODAY", "2026-01-15", 1);
    const char *bur = s_bureau2 ("b01", NULL, NULL);
    pid_t pid = s_start (bur);
    const char *rev = ml_h_str ("%s/staff/rev.ini", bur);
    s_unit_submits (bur, "H001");
    s_unit_submits (bur, "H002");
    ml_h_out_t out;
    OK ("accept H001", (char *) ML_CLIENT, "-c", (char *) rev, "review", "accept", "H001", "2025");
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", rev, "review", "accept", "H002", "2025",
                            NULL), 0, "%s", out.err);
    cr_assert (!strstr (out.out, "every unit accepted"), "%s", out.out);
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", rev, "review", "bureau", "2025", NULL), 1);
    cr_assert (strstr (out.err, "no higher tier"), "%s", out.err);
    cr_assert (!strchr (out.err, '\n') || strchr (out.err, '\n') == out.err + strlen (out.err) - 1,
               "not one line: %s", out.err);
    json_t *up = s_upstream (bur);
    cr_assert (json_is_null (up));
    json_decref (up);
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", rev, "status", NULL), 0, "%s", out.err);
    cr_assert (!strstr (out.out, "upstream"), "%s", out.out);
    cr_assert_eq (ml_h_stop (pid, SIGTERM), 0);
    ml_h_pass ();
}

// ---------------------------------------------------------------------------
// The store restored from a backup while the relay's outbox was kept

static void
s_cp (const char *from, const char *to)
{
    ml_h_out_t out;
    cr_assert_eq (ml_h_run (&out, T, "/bin/cp", from, to, NULL), 0, "cp %s %s: %s", from, to,
                  out.err);
}

static size_t
s_count (const char *text, const char *what)
{
    size_t n = 0;
    for (const char *p = text ? strstr (text, what) : NULL; p; p = strstr (p + 1, what))
        n++;
    return n;
}

Test (integration, relay_sets_aside_a_report_its_outbox_holds_otherwise, .init = ml_h_init,
      .fini = ml_h_fini)
{
    const char *com = s_init ("committee", true);
    const char *bur = s_bureau ("b01", com, "B01");
    const char *rev = ml_h_str ("%s/staff/rev.ini", bur);
    const char *mdb = ml_h_str ("%s/data/data.mdb", bur), *bak = ml_h_str ("%s.bak", mdb);
    s_coll_t c[2] = { { com, s_start (com) }, { bur, s_start (bur) } };
    s_hospital_event (bur);
    cr_assert_eq (ml_h_stop (c[1].pid, SIGTERM), 0);
    s_cp (mdb, bak);                    //  the backup: before the bureau decided its year
    c[1].pid = s_start (bur);
    OK ("review bureau", (char *) ML_CLIENT, "-c", (char *) rev, "review", "bureau", "2025",
        "--reason", "第一次");
    s_wait_t w = { com, "B01", 1 };
    cr_assert (ml_h_until (s_has_docs, &w, T), "version 1 never reached the committee");
    s_version_t v = { bur, 1, "delivered" };
    cr_assert (ml_h_until (s_version_is, &v, T), "status never showed version 1 delivered");
    //  the store restored, the outbox kept: the bureau decides its year again, as version 1
    //  with other bytes than the version 1 its relay sent
    cr_assert_eq (ml_h_stop (c[1].pid, SIGTERM), 0);
    s_cp (bak, mdb);
    c[1].pid = s_start (bur);
    ml_h_out_t out;
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", rev, "review", "bureau", "2025", "--reason",
                            "第二次", NULL), 0, "%s", out.err);
    cr_assert (strstr (out.out, "version 1 of the roll-up kept"), "%s", out.out);
    v.state = "refused";
    cr_assert (ml_h_until (s_version_is, &v, T), "status never showed the conflicting version 1 "
               "refused");
    json_t *up = s_upstream (bur);
    const char *reason = json_string_value (json_object_get (json_array_get (up, 0), "reason"));
    cr_assert (reason && strstr (reason, "tier-2025-v1-rollup"), "%s", reason);
    json_decref (up);
    //  the relay goes on: the next decision is version 2, and it goes up
    cr_assert_eq (ml_h_run (&out, T, ML_CLIENT, "-c", rev, "review", "bureau", "2025", "--reason",
                            "第三次", NULL), 0, "%s", out.err);
    cr_assert (strstr (out.out, "version 2 of the roll-up kept"), "%s", out.out);
    w.docs = 2;
    cr_assert (ml_h_until (s_has_docs, &w, T), "version 2 never reached the committee");
    v = (s_version_t) { bur, 2, "delivered" };
    cr_assert (ml_h_until (s_version_is, &v, T), "status never showed version 2 delivered");
    json_t *show = s_query (com, (char *const[]) { "report", "show", "B01", "2025", "1", NULL });
    cr_assert_str_eq (json_string_value (json_object_get (json_object_get (show, "bureau"), "reason")),
                      "第一次", "the committee's version 1 changed");
    json_decref (show);
    for (int i = 1; i >= 0; i--)
        cr_assert_eq (ml_h_stop (c[i].pid, SIGTERM), 0);
    //  said once, not at every look of the relay
    char *log = ml_h_read (ml_h_str ("%s/b01.serve.err", ml_h_dir ()));
    cr_assert_eq (s_count (log, "holds other bytes"), 1, "%s", log);
    OK ("check", (char *) ML_COLLECTOR, "-c", ml_h_str ("%s/collector.ini", bur), "check");
    OK ("check", (char *) ML_COLLECTOR, "-c", ml_h_str ("%s/collector.ini", com), "check");
    ml_h_pass ();
}
