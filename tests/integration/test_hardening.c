/* test_hardening.c -- issue 16, items 4 and 7-10, through the real programs: an agent backs off
   while the collector is full and logs once per change; no field forges a log line (a query's
   command, a batch's unit, a spool file's name); a ledger cell with a NUL byte, a UTF-8 ledger
   with one GBK line and a user-given ref of the derived form "~" + 24 hex digits are refused. */
#include "ml_harness.h"
#include "ml_wire.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <iconv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zmq.h>

// ---------------------------------------------------------------------------
// Helpers

//  The file DIR/NAME, or "" when it cannot be read. Owned by the harness.
static char *
s_log (const char *name)
{
    char *log = ml_h_read (ml_h_str ("%s/%s", ml_h_dir (), name));
    return log ? log : ml_h_str ("%s", "");
}

static int
s_lines (const char *text)
{
    int n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

static void
s_sleep_ms (int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep (&ts, &ts) != 0)
        ;
}

//  True when the file ARG exists.
static bool
s_exists (void *arg)
{
    struct stat st;
    return stat (arg, &st) == 0;
}

//  Writes LEN bytes of DATA to PATH.
static void
s_write_bytes (const char *path, const char *data, size_t len)
{
    FILE *f = fopen (path, "wb");
    cr_assert_not_null (f, "%s: cannot write", path);
    cr_assert_eq (fwrite (data, 1, len, f), len);
    cr_assert_eq (fclose (f), 0);
}

//  Runs `massline-agent -c UNIT's ini ARGS...`; returns the exit code, output in OUT.
#define s_agent(out, unit, ...) \
    ml_h_run ((out), 120000, ML_AGENT, "-c", ml_h_agent_ini (unit), __VA_ARGS__, NULL)

static const char s_persons[] = "人员编号,姓名,职务类别,开始日期\n"
                                "P001,张伟,主要领导,2025-01-01\n"
                                "P002,李娜,班子成员,2025-01-01\n";

//  Imports the two persons of s_persons into UNIT's outbox.
static void
s_import_persons (const char *unit)
{
    char *path = ml_h_str ("%s/人员台账.csv", ml_h_dir ());
    ml_h_write (path, s_persons);
    ml_h_out_t out;
    int code = s_agent (&out, unit, "import", path);
    cr_assert_eq (code, 0, "import of the persons exited %d: %s", code, out.err);
}

//  Asserts that every line of LOG is one line of the program: none starts with "FORGED" (what
//  the tests put after a line break) and no byte is a control character other than the line end.
static void
s_assert_one_line_each (const char *log, const char *what)
{
    for (const char *line = log; *line; ) {
        cr_assert (strncmp (line, "FORGED", 6) != 0, "%s: a forged line:\n%s", what, log);
        const char *end = strchr (line, '\n');
        if (!end)
            end = line + strlen (line);
        for (const char *c = line; c < end; c++)
            cr_assert ((unsigned char) *c >= 0x20 && *c != 0x7f,
                       "%s: control byte 0x%02x in a log line:\n%s", what, (unsigned char) *c, log);
        line = *end ? end + 1 : end;
    }
}

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

static void *s_ctx;

//  A DEALER with the key pair of the program configured in INI, connected to the collector's
//  ENDPOINT key ("ingest" or "query").
static void *
s_socket (const char *ini, const char *endpoint)
{
    if (!s_ctx)
        s_ctx = zmq_ctx_new ();
    void *sock = zmq_socket (s_ctx, ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt (sock, ZMQ_LINGER, &linger, sizeof linger);
    const char *cini = ml_h_collector_ini ();
    cr_assert_eq (zmq_setsockopt (sock, ZMQ_CURVE_SERVERKEY, s_key_file (ml_h_ini_path (cini, "public_key")), 40), 0);
    cr_assert_eq (zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY, s_key_file (ml_h_ini_path (ini, "public_key")), 40), 0);
    cr_assert_eq (zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, s_key_file (ml_h_ini_path (ini, "secret_key")), 40), 0);
    cr_assert_eq (zmq_connect (sock, ml_h_ini_get (cini, endpoint)), 0);
    return sock;
}

//  Sends FRAME on SOCK and waits (20 s) for the collector's answer; asserts one came.
static Massline__Frame *
s_exchange (void *sock, Massline__Frame *frame)
{
    size_t len;
    uint8_t *buf = ml_wire_pack (frame, &len);
    cr_assert_eq (zmq_send (sock, buf, len, 0), (int) len);
    free (buf);
    zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
    cr_assert_gt (zmq_poll (&item, 1, 20000), 0, "no answer from the collector");
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
    Massline__Frame *reply = ml_wire_unpack (zmq_msg_data (&msg), zmq_msg_size (&msg), &code, err, sizeof err);
    zmq_msg_close (&msg);
    cr_assert_not_null (reply, "a bad frame from the collector: %s", err);
    return reply;
}

// ---------------------------------------------------------------------------
// Item 4: back-off while the collector is full

#define FULL_EVENTS 20000       //  talks that cannot fit in a 1 MB map
#define FULL_PERIOD_MS 10000    //  the period in which refusals and log lines are counted

typedef struct {
    const char *log;            //  file under the test dir
    const char *needle;
} s_log_has_t;

static bool
s_log_has (void *arg)
{
    s_log_has_t *w = arg;
    cr_assert (ml_h_alive (ml_h_collector_pid ()), "the collector died");
    return ml_h_count_lines (s_log (w->log), w->needle) > 0;
}

static bool
s_nothing_pending (void *arg)
{
    return ml_h_agent_field (arg, "pending") == 0;
}

Test (integration, agent_backs_off_while_the_collector_is_full_and_logs_once_per_change,
      .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_ini_set (ml_h_collector_ini (), "map_size_mb", "1");
    char *path = ml_h_str ("%s/H001.jsonl", ml_h_dir ());
    ml_h_write_events (path, "H001", 1, FULL_EVENTS);
    ml_h_out_t out;
    int code = ml_h_run (&out, 300000, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "import", path, NULL);
    cr_assert_eq (code, 0, "import exited %d: %s", code, out.err);
    ml_h_collector_start ();
    pid_t agent = ml_h_spawn ("agent-H001", ML_AGENT, "-c", ml_h_agent_ini ("H001"), "run", NULL);

    //  Both sides have seen the collector full; then count what happens in a period.
    s_log_has_t full = { "collector.err", "storage full" };
    cr_assert (ml_h_until (s_log_has, &full, 120000), "the collector never said it is full");
    s_log_has_t told = { "agent-H001.err", "full" };
    cr_assert (ml_h_until (s_log_has, &told, 60000), "the agent never said the collector is full");
    const char *hello = "connected; expects seq";
    int hellos = ml_h_count_lines (s_log ("collector.err"), hello);
    int clines = s_lines (s_log ("collector.err"));
    int alines = s_lines (s_log ("agent-H001.err"));
    s_sleep_ms (FULL_PERIOD_MS);
    cr_assert (ml_h_alive (agent), "the agent died on a full collector");
    hellos = ml_h_count_lines (s_log ("collector.err"), hello) - hellos;
    clines = s_lines (s_log ("collector.err")) - clines;
    alines = s_lines (s_log ("agent-H001.err")) - alines;
    cr_log_info ("in %d ms of a full collector: %d reconnects, %d collector and %d agent log lines",
                 FULL_PERIOD_MS, hellos, clines, alines);
    //  A back-off of 100 ms doubling to its cap of 5 s reconnects about 7 times in 10 s.
    cr_assert_lt (hellos, 15, "%d refusals in %d ms: the back-off does not grow", hellos, FULL_PERIOD_MS);
    cr_assert_lt (clines, 40, "%d collector log lines in %d ms:\n%s", clines, FULL_PERIOD_MS,
                  s_log ("collector.err"));
    cr_assert_leq (alines, 1, "%d agent log lines in %d ms (one per change wanted):\n%s", alines,
                   FULL_PERIOD_MS, s_log ("agent-H001.err"));

    //  Room again: the running agent delivers everything, once, and says so once.
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);
    ml_h_ini_set (ml_h_collector_ini (), "map_size_mb", "256");
    ml_h_collector_start ();
    cr_assert (ml_h_until (s_nothing_pending, "H001", 180000), "the agent did not deliver after the "
               "collector had room again; its log:\n%s", s_log ("agent-H001.err"));
    char *alog = s_log ("agent-H001.err");
    cr_assert_eq (ml_h_count_lines (alog, "refuses batches"), 1, "agent log:\n%s", alog);
    cr_assert_eq (ml_h_count_lines (alog, "takes batches again"), 1, "agent log:\n%s", alog);
    cr_assert_eq (ml_h_stop (agent, SIGTERM), 0, "agent run should exit 0 on SIGTERM");
    ml_h_assert_stored_once ("H001", FULL_EVENTS);
    ml_h_pass ();
}

// ---------------------------------------------------------------------------
// Item 7: log injection

#define FORGED "\r\nFORGED: massline-collector: error: agent H002 deleted everything\x1b[2J\x7f"

Test (integration, query_command_and_batch_unit_cannot_forge_collector_log_lines,
      .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    //  a staff key and an agent key ask with a command holding CR, LF, ESC and DEL
    const char *inis[] = { ml_h_client_ini (), ml_h_agent_ini ("H001") };
    for (int i = 0; i < 2; i++) {
        void *sock = s_socket (inis[i], "query");
        Massline__QueryRequest request = MASSLINE__QUERY_REQUEST__INIT;
        char *args[] = { "year=2026" };
        request.command = "report rollup" FORGED;
        request.args = args;
        request.n_args = 1;
        Massline__Frame frame = MASSLINE__FRAME__INIT;
        frame.msg_case = MASSLINE__FRAME__MSG_QUERY_REQUEST;
        frame.query_request = &request;
        Massline__Frame *reply = s_exchange (sock, &frame);
        ml_wire_free (&reply);
        zmq_close (sock);
    }
    //  an agent sends a batch claiming a unit with a line break in it
    void *sock = s_socket (ml_h_agent_ini ("H001"), "ingest");
    Massline__Batch batch = MASSLINE__BATCH__INIT;
    batch.unit = "H002" FORGED;
    Massline__Frame frame = MASSLINE__FRAME__INIT;
    frame.msg_case = MASSLINE__FRAME__MSG_BATCH;
    frame.batch = &batch;
    Massline__Frame *reply = s_exchange (sock, &frame);
    cr_assert_eq (reply->msg_case, MASSLINE__FRAME__MSG_ERROR, "a batch for another unit was taken");
    ml_wire_free (&reply);
    zmq_close (sock);
    zmq_ctx_term (s_ctx);
    s_ctx = NULL;

    char *log = s_log ("collector.err");
    cr_assert_geq (ml_h_count_lines (log, "FORGED"), 3, "every event is logged:\n%s", log);
    s_assert_one_line_each (log, "collector log");
    cr_assert (strstr (log, "\\r\\nFORGED") && strstr (log, "\\x1b[2J"),
               "the control characters show as escapes:\n%s", log);
    ml_h_pass ();
}

Test (integration, spool_file_name_cannot_forge_agent_log_lines,
      .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    const char *ini = ml_h_agent_ini ("H003");
    char *spool = ml_h_str ("%s/agents/H003/spool", ml_h_bureau ());
    ml_h_spawn ("agent-run", ML_AGENT, "-c", ini, "run", NULL);
    cr_assert (ml_h_until (s_exists, ml_h_str ("%s/failed", spool), 20000), "run creates the spool folder");
    //  a ledger whose name forges a line, with a bad row so that its errors name it too
    const char *name = "x" FORGED "接访台账.csv";
    char *tmp = ml_h_str ("%s/.part", spool);
    ml_h_write (tmp, "日期,人员编号,接访方式\n2026-03-01,P404,定点接访\n");
    cr_assert_eq (rename (tmp, ml_h_str ("%s/%s", spool, name)), 0);
    cr_assert (ml_h_until (s_exists, ml_h_str ("%s/failed/%s", spool, name), 20000),
               "the bad ledger was not moved to failed/: %s", s_log ("agent-run.err"));
    char *log = s_log ("agent-run.err");
    cr_assert_geq (ml_h_count_lines (log, "FORGED"), 2, "the import and its error are logged:\n%s", log);
    s_assert_one_line_each (log, "agent log");
    ml_h_pass ();
}

// ---------------------------------------------------------------------------
// Items 8-10: ledgers

Test (integration, ledger_cell_with_a_nul_byte_refuses_the_file,
      .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    s_import_persons ("H001");
    static const char text[] = "编号,日期,人员编号,接访方式,公布日期,备注\n"
                               "JF-1,2025-03-05,P001,定点接访,2025-02-28,门诊楼\n"
                               "JF-2,2025-03-06,P001,定点接访,2025-02-28,门诊\0楼一楼\n";
    char *path = ml_h_str ("%s/接访台账.csv", ml_h_dir ());
    s_write_bytes (path, text, sizeof text - 1);
    ml_h_out_t out;
    int code = s_agent (&out, "H001", "import", path);
    cr_log_info ("import said: %s", out.err);
    cr_assert_eq (code, 1, "a NUL byte in a cell was imported (exit %d): %s", code, out.err);
    cr_assert (strstr (out.err, "接访台账.csv:3: field '备注': ") && strstr (out.err, "NUL"),
               "the error names file:line, the header and the NUL: %s", out.err);
    cr_assert_eq (ml_h_count_lines (out.err, "接访台账.csv:"), 2, "one line for the row, one for "
                  "the file: %s", out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 2, "nothing of the file is recorded");
    ml_h_pass ();
}

//  TEXT converted from UTF-8 to GB18030; LEN gets its length. Owned by the harness.
static char *
s_gb18030 (const char *text, size_t *len)
{
    iconv_t cd = iconv_open ("GB18030", "UTF-8");
    cr_assert_neq (cd, (iconv_t) -1);
    size_t left = strlen (text), room = left * 2 + 16;
    char *out = ml_h_str ("%*s", (int) room, ""), *src = (char *) text, *dst = out;
    cr_assert_neq (iconv (cd, &src, &left, &dst, &room), (size_t) -1);
    iconv_close (cd);
    *len = (size_t) (dst - out);
    return out;
}

Test (integration, utf8_ledger_with_one_gbk_line_is_refused_naming_the_line,
      .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    s_import_persons ("H001");
    const char *head = "编号,日期,人员编号,接访方式,公布日期,备注\n"
                       "JF-1,2025-03-05,P001,定点接访,2025-02-28,张三\n";
    const char *tail = "JF-2,2025-03-06,P002,公开接访,2025-02-28,门诊楼\n";
    size_t glen;
    char *gbk = s_gb18030 (tail, &glen);
    char *mixed = ml_h_str ("%s%.*s", head, (int) glen, gbk);
    char *path = ml_h_str ("%s/接访台账.csv", ml_h_dir ());
    s_write_bytes (path, mixed, strlen (mixed));
    ml_h_out_t out;
    int code = s_agent (&out, "H001", "import", path);
    cr_log_info ("import said: %s", out.err);
    cr_assert_eq (code, 1, "a UTF-8 ledger with a GBK line was imported as GB18030 (exit %d): %s",
                  code, out.err);
    cr_assert (strstr (out.err, "接访台账.csv:3: not valid UTF-8"), "the error names line 3: %s", out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 2, "nothing of the file is recorded");

    //  the same ledger saved whole as GB18030 (Excel on Chinese Windows) imports as before
    char *whole = ml_h_str ("%s%s", head, tail);
    char *all = s_gb18030 (whole, &glen);
    s_write_bytes (path, all, glen);
    code = s_agent (&out, "H001", "import", path);
    cr_assert_eq (code, 0, "a GB18030 ledger exited %d: %s", code, out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 4);
    ml_h_pass ();
}

#define DERIVED "~0123456789abcdef01234567"

Test (integration, derived_ref_form_is_reserved_for_the_agent,
      .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    s_import_persons ("H001");
    ml_h_out_t out;

    //  given in 编号, in JSONL and to `record`: refused, one line each
    char *csv = ml_h_str ("%s/接访台账.csv", ml_h_dir ());
    ml_h_write (csv, "编号,日期,人员编号,接访方式\nJF-1,2025-03-05,P001,定点接访\n"
                     DERIVED ",2025-03-06,P001,定点接访\n");
    int code = s_agent (&out, "H001", "import", csv);
    cr_log_info ("import said: %s", out.err);
    cr_assert_eq (code, 1, "a derived-form 编号 was accepted: %s", out.err);
    cr_assert (strstr (out.err, "接访台账.csv:3: field '编号': ") && strstr (out.err, "~"), "%s", out.err);
    char *jsonl = ml_h_str ("%s/talks.jsonl", ml_h_dir ());
    ml_h_write (jsonl, "{\"kind\":\"reception_day\",\"ref\":\"" DERIVED "\",\"date\":\"2025-03-06\","
                       "\"person\":\"P001\",\"mode\":\"open\"}\n");
    code = s_agent (&out, "H001", "import", jsonl);
    cr_assert_eq (code, 1, "a derived-form ref in JSONL was accepted: %s", out.err);
    cr_assert (strstr (out.err, "talks.jsonl:1: field 'ref': "), "%s", out.err);
    code = s_agent (&out, "H001", "record", "reception_day", "date=2025-03-06", "person=P001",
                    "mode=open", "ref=" DERIVED);
    cr_log_info ("record said: %s", out.err);
    cr_assert_eq (code, 1, "record with a derived-form ref exited %d: %s", code, out.err);
    cr_assert (strstr (out.err, "field 'ref': ") && strstr (out.err, "~"), "%s", out.err);
    cr_assert_eq (ml_h_count_lines (out.err, "ref"), 1, "%s", out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 2, "nothing recorded");

    //  rows without 编号 still get derived refs; importing again adds nothing
    ml_h_write (csv, "日期,人员编号,接访方式\n2025-03-05,P001,定点接访\n2025-03-06,P002,公开接访\n");
    code = s_agent (&out, "H001", "import", csv);
    cr_assert_eq (code, 0, "%s", out.err);
    code = s_agent (&out, "H001", "import", csv);
    cr_assert_eq (code, 0, "%s", out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 4, "re-import is idempotent");
    code = s_agent (&out, "H001", "refs", csv);
    cr_assert_eq (code, 0, "%s", out.err);
    char *ref = strchr (out.out, '~');
    cr_assert_not_null (ref, "refs shows a derived ref: %s", out.out);
    ref = ml_h_str ("%.25s", ref);
    //  a correction row may name a derived ref in 更正编号
    char *fix = ml_h_str ("%s/接访台账更正.csv", ml_h_dir ());
    ml_h_write (fix, ml_h_str ("日期,人员编号,接访方式,公布日期,更正编号\n2025-03-05,P001,定点接访,"
                               "2025-03-01,%s\n", ref));
    code = s_agent (&out, "H001", "import", fix);
    cr_assert_eq (code, 0, "a correction of %s exited %d: %s", ref, code, out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 5);
    //  and the collector takes them all
    ml_h_collector_start ();
    code = ml_h_run (&out, 60000, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "flush", NULL);
    cr_assert_eq (code, 0, "flush exited %d: %s", code, out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 0);
    json_t *status = ml_h_agent_status_json ("H001");
    cr_assert_eq (json_array_size (json_object_get (status, "rejected")), 0, "the collector rejected some");
    json_decref (status);
    cr_assert_eq (ml_h_collector_events ("H001"), 5);
    ml_h_pass ();
}
