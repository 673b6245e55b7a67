/* test_tier_kill.c -- upper tiers under crashes and abuse (issue 13), through the real programs:
   the committee SIGKILLed three times while a bureau relays 50 decided versions (exactly 50
   stored once each, seals verified, check clean at both); the bureau SIGKILLed between its
   acceptance and the relay (the document still goes up, once); an oversized document sent by a
   hand-made CURVE sender with a member's key, refused at the committee with a reason while the
   committee goes on serving; and three tiers, hospital -> bureau -> committee -> province. */
#include "ml_harness.h"
#include "ml_event.h"
#include "ml_sample.h"
#include "ml_wire.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define T 60000
#define T_RELAY 180000                  //  a relay's wait spans a killed peer's restart

static void
s_ok (const char *what, char *const *argv)
{
    ml_h_out_t out = { NULL, NULL };
    int rc = ml_h_runv (&out, T, argv);
    cr_assert_eq (rc, 0, "%s: exit %d\nstdout: %s\nstderr: %s", what, rc, out.out, out.err);
}

#define OK(what, ...) s_ok (what, (char *const[]) { __VA_ARGS__, NULL })

static const char *
s_ini (const char *dir)
{
    return ml_h_str ("%s/collector.ini", dir);
}

//  A collector folder NAME with a reviewer: a committee of MEMBERS (ID:NAME, NULL-ended) when
//  MEMBERS is given, otherwise a bureau of H001.
static const char *
s_init (const char *name, const char *const *members)
{
    const char *dir = ml_h_str ("%s/%s", ml_h_dir (), name);
    char *argv[32] = { (char *) ML_COLLECTOR, "init", (char *) dir, "--ingest",
                       ml_h_str ("tcp://127.0.0.1:%d", ml_h_free_port ()), "--query",
                       ml_h_str ("tcp://127.0.0.1:%d", ml_h_free_port ()) };
    int n = 7;
    if (members) {
        argv[n++] = "--tier";
        argv[n++] = "committee";
        for (; *members; members++) {
            argv[n++] = "--member";
            argv[n++] = (char *) *members;
        }
    }
    else {
        argv[n++] = "--unit";
        argv[n++] = "H001:医院";
    }
    argv[n] = NULL;
    s_ok ("init", argv);
    OK ("staff add", (char *) ML_COLLECTOR, "-c", (char *) s_ini (dir), "staff", "add", "rev",
        "--role", "reviewer");
    return dir;
}

//  DIR's collector.ini reports to HIGHER as MEMBER.
static void
s_attach (const char *dir, const char *higher, const char *member)
{
    FILE *f = fopen (s_ini (dir), "a");
    cr_assert (f);
    fprintf (f, "upstream = %s/members/%s/upstream.ini\n", higher, member);
    fclose (f);
}

static pid_t
s_start (const char *dir)
{
    pid_t pid = ml_h_spawn (ml_h_str ("%s.serve", strrchr (dir, '/') + 1), ML_COLLECTOR, "-c",
                            s_ini (dir), "serve", NULL);
    cr_assert (pid > 0);
    return pid;
}

//  `massline ARGS` as DIR's reviewer, parsed; NULL when the client failed (DIR not answering).
static json_t *
s_try_query (const char *dir, char *const *args)
{
    char *argv[16] = { (char *) ML_CLIENT, "-c", ml_h_str ("%s/staff/rev.ini", dir) };
    int n = 3;
    for (; *args; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    ml_h_out_t out;
    if (ml_h_runv (&out, T, argv) != 0)
        return NULL;
    json_t *j = json_loads (out.out, 0, NULL);
    cr_assert (j, "not JSON: %s", out.out);
    return j;
}

static json_t *
s_query (const char *dir, char *const *args)
{
    json_t *j = s_try_query (dir, args);
    cr_assert (j, "%s: %s %s failed", dir, args[0], args[1]);
    return j;
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

//  The documents HIGHER holds from MEMBER for 2025 (borrowed from ALL, which the caller decrefs).
static json_t *
s_docs (const char *higher, const char *member, json_t **all)
{
    *all = s_query (higher, (char *const[]) { "report", "members", "--year", "2025", NULL });
    json_t *m = s_member (*all, member);
    cr_assert (m, "%s is not a member of %s", member, higher);
    return json_object_get (m, "documents");
}

typedef struct {
    const char *higher;
    const char *member;
    size_t docs;
} s_wait_t;

static bool
s_has_docs (void *arg)
{
    s_wait_t *w = arg;
    json_t *all = s_try_query (w->higher, (char *const[]) { "report", "members", "--year", "2025",
                                                            NULL });
    if (!all)
        return false;
    size_t n = json_array_size (json_object_get (s_member (all, w->member), "documents"));
    json_decref (all);
    return n >= w->docs;
}

//  Events of UNIT in DIR's store (`massline status --json`).
static long
s_events (const char *dir, const char *unit)
{
    json_t *st = s_query (dir, (char *const[]) { "status", "--json", NULL });
    long events = -1;
    size_t i;
    json_t *u;
    json_array_foreach (json_object_get (st, "units"), i, u)
        if (strcmp (json_string_value (json_object_get (u, "unit")), unit) == 0)
            events = (long) json_integer_value (json_object_get (u, "events"));
    json_decref (st);
    return events;
}

//  Asserts that HIGHER holds versions 1..N of MEMBER's 2025 roll-up, each once, each sealed,
//  and N report events of MEMBER in its log.
static void
s_assert_versions (const char *higher, const char *member, int n)
{
    json_t *all;
    json_t *docs = s_docs (higher, member, &all);
    cr_assert_eq (json_array_size (docs), (size_t) n, "%s holds %zu documents of %s, not %d",
                  higher, json_array_size (docs), member, n);
    char *seen = calloc ((size_t) n + 1, 1);
    size_t i;
    json_t *d;
    json_array_foreach (docs, i, d) {
        json_int_t v = json_integer_value (json_object_get (d, "version"));
        cr_assert (v >= 1 && v <= n, "version %lld out of 1..%d", (long long) v, n);
        cr_assert (!seen[v], "version %lld held twice", (long long) v);
        seen[v] = 1;
        cr_assert_str_eq (json_string_value (json_object_get (d, "seal")), "verified",
                          "version %lld", (long long) v);
    }
    free (seen);
    json_decref (all);
    cr_assert_eq (s_events (higher, member), n, "%s's log holds %ld events of %s, not %d", higher,
                  s_events (higher, member), member, n);
}

//  One event of DIR's hospital H001 stored there (a bureau reports nothing before any event).
static void
s_hospital_event (const char *dir)
{
    const char *agent = ml_h_str ("%s/agents/H001/agent.ini", dir);
    OK ("record", (char *) ML_AGENT, "-c", (char *) agent, "record", "person", "person=P001",
        "name=张三");
    OK ("flush", (char *) ML_AGENT, "-c", (char *) agent, "flush", "--timeout", "30");
}

static void
s_review_bureau (const char *dir, const char *reason)
{
    OK ("review bureau", (char *) ML_CLIENT, "-c", ml_h_str ("%s/staff/rev.ini", dir), "review",
        "bureau", "2025", "--reason", (char *) reason);
}

static void
s_check (const char *dir)
{
    OK ("check", (char *) ML_COLLECTOR, "-c", (char *) s_ini (dir), "check");
}

static const char *const s_b01[] = { "B01:卫生局", NULL };

Test (integration, committee_killed_three_times_during_50_relays, .init = ml_h_init,
      .fini = ml_h_fini)
{
    const char *com = s_init ("committee", s_b01);
    const char *bur = s_init ("b01", NULL);
    s_attach (bur, com, "B01");
    pid_t cp = s_start (com), bp = s_start (bur);
    s_hospital_event (bur);
    int kills = 0;
    for (int v = 1; v <= 50; v++) {
        s_review_bureau (bur, ml_h_str ("H001 未提交 (%d)", v));
        //  killed right after a decision (its relay in flight), restarted five decisions later
        if (v == 10 || v == 25 || v == 40) {
            ml_h_stop (cp, SIGKILL);
            cp = 0;
            kills++;
        }
        if (v == 15 || v == 30 || v == 45)
            cp = s_start (com);
    }
    cr_assert_eq (kills, 3);
    cr_assert (cp > 0);
    s_wait_t w = { com, "B01", 50 };
    cr_assert (ml_h_until (s_has_docs, &w, T_RELAY), "not all 50 versions arrived");
    s_assert_versions (com, "B01", 50);
    cr_assert_eq (ml_h_stop (bp, SIGTERM), 0);
    cr_assert_eq (ml_h_stop (cp, SIGTERM), 0);
    s_check (com);
    s_check (bur);
    ml_h_pass ();
}

Test (integration, bureau_killed_between_accepting_and_relaying, .init = ml_h_init,
      .fini = ml_h_fini)
{
    const char *com = s_init ("committee", s_b01);
    const char *bur = s_init ("b01", NULL);
    s_attach (bur, com, "B01");
    //  the committee is down: whatever the relay did before the kill, nothing reached it
    pid_t bp = s_start (bur);
    s_hospital_event (bur);
    s_review_bureau (bur, "H001 未提交");
    ml_h_stop (bp, SIGKILL);
    pid_t cp = s_start (com);
    json_t *all;
    cr_assert_eq (json_array_size (s_docs (com, "B01", &all)), 0);
    json_decref (all);
    bp = s_start (bur);
    s_wait_t w = { com, "B01", 1 };
    cr_assert (ml_h_until (s_has_docs, &w, T_RELAY), "the decided year never went up");
    //  a second restart of the bureau sends nothing again
    cr_assert_eq (ml_h_stop (bp, SIGTERM), 0);
    bp = s_start (bur);
    s_review_bureau (bur, "H001 未提交 (2)");
    w.docs = 2;
    cr_assert (ml_h_until (s_has_docs, &w, T_RELAY), "version 2 never went up");
    s_assert_versions (com, "B01", 2);
    cr_assert_eq (ml_h_stop (bp, SIGTERM), 0);
    cr_assert_eq (ml_h_stop (cp, SIGTERM), 0);
    s_check (com);
    s_check (bur);
    ml_h_pass ();
}

// ---------------------------------------------------------------------------
// A hand-made member: DEALER + CURVE with a member bundle's keys, sending what no collector's
// relay would (its own validation refuses an oversized document before it leaves).

static char *
s_key_file (const char *path)
{
    char *text = ml_h_read (path);
    cr_assert_not_null (text, "%s: cannot read", path);
    text[strcspn (text, "\r\n")] = 0;
    cr_assert_eq (strlen (text), 40, "%s: not a Z85 key", path);
    return text;
}

static void *
s_member_connect (void *ctx, const char *com, const char *member)
{
    const char *bundle = ml_h_str ("%s/members/%s", com, member);
    void *sock = zmq_socket (ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt (sock, ZMQ_LINGER, &linger, sizeof linger);
    cr_assert_eq (zmq_setsockopt (sock, ZMQ_CURVE_SERVERKEY,
                                  s_key_file (ml_h_str ("%s/collector.pub", bundle)), 40), 0);
    cr_assert_eq (zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY,
                                  s_key_file (ml_h_str ("%s/member.pub", bundle)), 40), 0);
    cr_assert_eq (zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY,
                                  s_key_file (ml_h_str ("%s/member.key", bundle)), 40), 0);
    char *endpoint = ml_h_ini_get (ml_h_str ("%s/upstream.ini", bundle), "endpoint");
    cr_assert_eq (zmq_connect (sock, endpoint), 0, "connect %s", endpoint);
    return sock;
}

static void
s_send (void *sock, Massline__Frame *frame)
{
    size_t len;
    uint8_t *buf = ml_wire_pack (frame, &len);
    cr_assert_eq (zmq_send (sock, buf, len, 0), (int) len, "send: %s", zmq_strerror (zmq_errno ()));
    free (buf);
}

static Massline__Frame *
s_recv (void *sock)
{
    zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
    cr_assert (zmq_poll (&item, 1, T) > 0, "the committee did not answer");
    zmq_msg_t msg;
    zmq_msg_init (&msg);
    cr_assert (zmq_msg_recv (&msg, sock, 0) >= 0);
    while (zmq_msg_more (&msg)) {
        zmq_msg_close (&msg);
        zmq_msg_init (&msg);
        cr_assert (zmq_msg_recv (&msg, sock, 0) >= 0);
    }
    int code;
    char err[256];
    Massline__Frame *f = ml_wire_unpack (zmq_msg_data (&msg), zmq_msg_size (&msg), &code, err,
                                         sizeof err);
    cr_assert_not_null (f, "the committee sent a bad frame: %s", err);
    zmq_msg_close (&msg);
    return f;
}

//  Sends one report event (version VERSION, a document of SIZE bytes with its true digest) as
//  seq SEQ and returns the committee's answer.
static Massline__Frame *
s_send_report (void *sock, uint64_t seq, uint32_t version, size_t size)
{
    char *doc = malloc (size + 1);
    cr_assert (doc);
    memset (doc, ' ', size);
    doc[0] = '{';
    doc[size - 1] = '}';
    doc[size] = 0;
    char digest[ML_SAMPLE_HEX_LEN];
    ml_sample_digest (doc, size, digest);
    Massline__Report r = MASSLINE__REPORT__INIT;
    r.date = "2026-01-05";
    r.year = 2025;
    r.report = "rollup";
    r.version = version;
    r.document = doc;
    r.digest = digest;
    r.chain_head = "0000000000000000000000000000000000000000000000000000000000000000";
    r.chain_events = 1;
    r.tier_version = 1;
    Massline__Event ev = MASSLINE__EVENT__INIT;
    ev.ref = ml_h_str ("raw-v%u", version);
    ev.body_case = MASSLINE__EVENT__BODY_REPORT;
    ev.report = &r;
    Massline__Envelope env = MASSLINE__ENVELOPE__INIT, *envs[] = { &env };
    env.seq = seq;
    env.event.len = massline__event__get_packed_size (&ev);
    env.event.data = malloc (env.event.len);
    massline__event__pack (&ev, env.event.data);
    Massline__Batch batch = MASSLINE__BATCH__INIT;
    batch.unit = "B01";
    batch.n_events = 1;
    batch.events = envs;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_BATCH;
    frame.batch = &batch;
    s_send (sock, &frame);
    free (env.event.data);
    free (doc);
    return s_recv (sock);
}

Test (integration, committee_refuses_an_oversized_report_and_goes_on, .init = ml_h_init,
      .fini = ml_h_fini)
{
    const char *com = s_init ("committee", s_b01);
    pid_t cp = s_start (com);
    void *ctx = zmq_ctx_new ();
    void *sock = s_member_connect (ctx, com, "B01");
    Massline__Hello hello = MASSLINE__HELLO__INIT;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_HELLO;
    frame.hello = &hello;
    s_send (sock, &frame);
    Massline__Frame *reply = s_recv (sock);
    cr_assert_eq (reply->msg_case, MASSLINE__FRAME__MSG_WELCOME, "frame case %d", reply->msg_case);
    cr_assert_str_eq (reply->welcome->unit, "B01");
    ml_wire_free (&reply);
    //  one byte over the limit: refused with the reason, acknowledged (the sender moves on)
    reply = s_send_report (sock, 1, 1, ML_REPORT_DOC_MAX + 1);
    cr_assert_eq (reply->msg_case, MASSLINE__FRAME__MSG_ACK, "frame case %d", reply->msg_case);
    cr_assert_eq (reply->ack->through_seq, 1);
    cr_assert_eq (reply->ack->n_rejects, 1);
    cr_assert_str_eq (reply->ack->rejects[0]->code, "invalid");
    cr_assert (strstr (reply->ack->rejects[0]->reason, "more than a report may carry"), "%s",
               reply->ack->rejects[0]->reason);
    ml_wire_free (&reply);
    //  the committee goes on serving: a document at the limit is taken on the same connection
    reply = s_send_report (sock, 2, 1, ML_REPORT_DOC_MAX);
    cr_assert_eq (reply->msg_case, MASSLINE__FRAME__MSG_ACK, "frame case %d", reply->msg_case);
    cr_assert_eq (reply->ack->through_seq, 2);
    cr_assert_eq (reply->ack->n_rejects, 0, "%s",
                  reply->ack->n_rejects ? reply->ack->rejects[0]->reason : "");
    ml_wire_free (&reply);
    zmq_close (sock);
    zmq_ctx_term (ctx);
    cr_assert (ml_h_alive (cp));
    s_assert_versions (com, "B01", 1);
    cr_assert_eq (ml_h_stop (cp, SIGTERM), 0);
    s_check (com);
    ml_h_pass ();
}

// ---------------------------------------------------------------------------

Test (integration, three_tiers_hospital_bureau_committee_province, .init = ml_h_init,
      .fini = ml_h_fini)
{
    static const char *const c01[] = { "C01:镇江市", NULL };
    const char *prov = s_init ("province", c01);
    const char *com = s_init ("committee", s_b01);
    const char *bur = s_init ("b01", NULL);
    s_attach (com, prov, "C01");
    s_attach (bur, com, "B01");
    pid_t pids[3] = { s_start (prov), s_start (com), s_start (bur) };
    s_hospital_event (bur);
    //  the bureau decides its year: its roll-up goes up to the committee
    s_review_bureau (bur, "H001 未提交");
    s_wait_t w = { com, "B01", 1 };
    cr_assert (ml_h_until (s_has_docs, &w, T_RELAY), "the bureau's roll-up never reached the committee");
    //  the committee decides its own year over its members: its document goes up to the province
    s_review_bureau (com, "B01 未审定");
    w = (s_wait_t) { prov, "C01", 1 };
    cr_assert (ml_h_until (s_has_docs, &w, T_RELAY), "the committee's report never reached the province");
    s_assert_versions (com, "B01", 1);
    s_assert_versions (prov, "C01", 1);
    //  the province sees no hospital and no bureau: only its member's report
    cr_assert_eq (s_events (prov, "B01"), -1);
    cr_assert_eq (s_events (prov, "H001"), -1);
    cr_assert_eq (s_events (com, "H001"), -1);
    for (int i = 2; i >= 0; i--)
        cr_assert_eq (ml_h_stop (pids[i], SIGTERM), 0);
    s_check (prov);
    s_check (com);
    s_check (bur);
    ml_h_pass ();
}
