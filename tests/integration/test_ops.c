/* test_ops.c -- the operator's rough edges (issue 16, items 13, 15, 16), through the real
   programs: what massline says about a refused key and a wrong -c file, report files with an
   extension it does not write, error priorities in the journal, the spool's symlinks and FIFOs,
   a full disk at the collector, and the outbox's size setting with reclaim of acknowledged
   events. */
#include "ml_harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

// ---------------------------------------------------------------------------
// 13. The client says what went wrong.

Test (integration, client_names_a_key_the_collector_does_not_know, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_collector_start ();
    //  A staff member's own key pair, never added to registry.ini.
    char *staff = ml_h_str ("%s/bureau/staff", ml_h_dir ());
    char *prefix = ml_h_str ("%s/stranger", staff);
    ml_h_out_t out;
    cr_assert_eq (ml_h_run (&out, 30000, ML_COLLECTOR, "keygen", prefix, NULL), 0, "keygen: %s", out.err);
    char *ini = ml_h_str ("%s/stranger.ini", staff);
    ml_h_write (ini, ml_h_read (ml_h_client_ini ()));
    ml_h_ini_set (ini, "public_key", "stranger.pub");
    ml_h_ini_set (ini, "secret_key", "stranger.key");
    ml_h_ini_set (ini, "timeout_ms", "3000");
    int code = ml_h_run (&out, 60000, ML_CLIENT, "-c", ini, "status", NULL);
    cr_assert_eq (code, 1, "status with an unregistered key exited %d: %s", code, out.err);
    char *pub = ml_h_read (ml_h_str ("%s.pub", prefix));
    pub[strcspn (pub, "\r\n")] = 0;
    cr_assert (strstr (out.err, "refused this client's key"), "the client should say its key was "
               "refused, not that no answer came: %s", out.err);
    cr_assert (strstr (out.err, pub), "the client should name its key %s: %s", pub, out.err);
    cr_assert_eq (ml_h_count_lines (out.err, "massline:"), 1, "one line: %s", out.err);
    ml_h_pass ();
}

Test (integration, client_says_which_file_it_expected, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    ml_h_out_t out;
    int code = ml_h_run (&out, 30000, ML_CLIENT, "-c", ml_h_agent_ini ("H001"), "status", NULL);
    cr_assert_eq (code, 2, "-c agent.ini exited %d: %s", code, out.err);
    cr_assert (strstr (out.err, "an agent's configuration ([agent])"), "said: %s", out.err);
    cr_assert (strstr (out.err, "[client]"), "should say a [client] file was expected: %s", out.err);
    cr_assert_null (strstr (out.err, "admin.key"), "misleading: %s", out.err);

    code = ml_h_run (&out, 30000, ML_CLIENT, "-c", ml_h_collector_ini (), "status", NULL);
    cr_assert_eq (code, 2, "-c collector.ini exited %d: %s", code, out.err);
    cr_assert (strstr (out.err, "the collector's configuration ([collector])"), "said: %s", out.err);

    char *folder = ml_h_str ("%s/bureau/staff", ml_h_dir ());
    code = ml_h_run (&out, 30000, ML_CLIENT, "-c", folder, "status", NULL);
    cr_assert_eq (code, 2, "-c FOLDER exited %d: %s", code, out.err);
    cr_assert (strstr (out.err, ml_h_str ("%s: a folder, not a file", folder)), "said: %s", out.err);
    cr_assert (strstr (out.err, "client.ini"), "should name the file expected: %s", out.err);
    ml_h_pass ();
}

// ---------------------------------------------------------------------------
// 15. Report files: an extension massline does not write is refused.

Test (integration, report_refuses_an_extension_it_does_not_write, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();             //  no collector: the refusal comes before any question
    const char *exts[] = { "xlsx", "docx", "XLS" };
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        char *path = ml_h_str ("%s/rollup.%s", ml_h_dir (), exts[i]);
        ml_h_out_t out;
        int code = ml_h_run (&out, 30000, ML_CLIENT, "-c", ml_h_client_ini (), "report", "rollup",
                             "--year", "2026", "-o", path, NULL);
        cr_assert_eq (code, 2, "-o %s exited %d: %s", path, code, out.err);
        cr_assert (strstr (out.err, ml_h_str ("does not write '.%s' files", exts[i])), "said: %s", out.err);
        cr_assert (strstr (out.err, ".json, .csv, .txt, .html or .pdf"), "said: %s", out.err);
        cr_assert (access (path, F_OK) != 0, "%s was written", path);
    }
    ml_h_pass ();
}

Test (integration, report_help_documents_the_default_format, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_out_t out;
    int code = ml_h_run (&out, 30000, ML_CLIENT, "report", "help", NULL);
    cr_assert_eq (code, 0);
    cr_assert (strstr (out.out, "any other extension is refused"), "help: %s", out.out);
    cr_assert (strstr (out.out, "(> file)"), "help should say a redirect gets json: %s", out.out);
    char *readme = ml_h_read (ml_h_str ("%s/README.md", getenv ("MASSLINE_SOURCE_ROOT")));
    cr_assert_not_null (readme);
    cr_assert (strstr (readme, "any other extension is refused"), "README's Reports paragraph");
    ml_h_pass ();
}

// ---------------------------------------------------------------------------
// 16. Journal priorities, the spool's odd files, a full disk at the collector, the outbox's size.

Test (integration, fatal_start_up_errors_carry_error_priority_in_the_journal, .init = ml_h_init,
      .fini = ml_h_fini)
{
    ml_h_bureau ();
    char *bad = ml_h_str ("%s/bad.ini", ml_h_dir ());
    ml_h_write (bad, "[collector]\nmap_size_mb = many\n");
    //  JOURNAL_STREAM names the stream systemd connected to stderr: its device and inode.
    const char *progs[][3] = { { ML_COLLECTOR, "serve", "massline-collector: " },
                               { ML_AGENT, "status", "massline-agent: " },
                               { ML_CLIENT, "status", "massline: " } };
    for (size_t i = 0; i < 3; i++) {
        char *script = ml_h_str ("JOURNAL_STREAM=$(stat -L -c %%d:%%i /proc/self/fd/2) exec \"$0\" -c \"$1\" \"$2\"");
        ml_h_out_t out;
        int code = ml_h_run (&out, 30000, "/bin/sh", "-c", script, progs[i][0], bad, progs[i][1], NULL);
        cr_assert_eq (code, 2, "%s with a bad configuration exited %d: %s", progs[i][0], code, out.err);
        cr_assert (strncmp (out.err, ml_h_str ("<3>%s", progs[i][2]), strlen (progs[i][2]) + 3) == 0,
                   "under the journal the fatal error should start with <3>: %s", out.err);
        //  a child that inherited JOURNAL_STREAM but writes elsewhere: no priority prefix
        code = ml_h_run (&out, 30000, "/usr/bin/env", "JOURNAL_STREAM=1:1", progs[i][0], "-c", bad,
                         progs[i][1], NULL);
        cr_assert (strncmp (out.err, progs[i][2], strlen (progs[i][2])) == 0, "said: %s", out.err);
    }
    ml_h_pass ();
}

typedef struct {
    const char *path;
    const char *needle;
} s_log_wait_t;

static bool
s_log_has (void *arg)
{
    s_log_wait_t *w = arg;
    char *text = ml_h_read (w->path);
    return text && strstr (text, w->needle);
}

Test (integration, spool_says_why_it_leaves_symlinks_and_fifos, .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    const char *ini = ml_h_agent_ini ("H001");
    char *spool = ml_h_str ("%s/spool", ml_h_dir ());
    ml_h_ini_set (ini, "spool", spool);
    cr_assert_eq (mkdir (spool, 0700), 0);
    char *real = ml_h_str ("%s/real.jsonl", ml_h_dir ());
    ml_h_write_events (real, "H001", 1, 2);
    cr_assert_eq (symlink (real, ml_h_str ("%s/linked.jsonl", spool)), 0);
    cr_assert_eq (mkfifo (ml_h_str ("%s/pipe.jsonl", spool), 0600), 0);
    pid_t agent = ml_h_spawn ("agent", ML_AGENT, "-c", ini, "run", NULL);
    char *log = ml_h_str ("%s/agent.err", ml_h_dir ());
    s_log_wait_t w1 = { log, "spool: linked.jsonl: a symbolic link, not a regular file; left where it is" };
    s_log_wait_t w2 = { log, "spool: pipe.jsonl: a FIFO, not a regular file; left where it is" };
    cr_assert (ml_h_until (s_log_has, &w1, 30000), "no line about the symlink: %s", ml_h_read (log));
    cr_assert (ml_h_until (s_log_has, &w2, 30000), "no line about the FIFO: %s", ml_h_read (log));
    usleep (1500 * 1000);           //  three more looks: said once, not at every look
    cr_assert_eq (ml_h_count_lines (ml_h_read (log), "linked.jsonl"), 1, "%s", ml_h_read (log));
    cr_assert (ml_h_alive (agent), "the agent died");
    cr_assert_eq (ml_h_stop (agent, SIGTERM), 0);
    cr_assert_eq (ml_h_agent_field ("H001", "next_seq"), 1, "nothing is imported through a link");
    ml_h_pass ();
}

static char s_mnt[512];

static void
s_fini (void)
{
    if (*s_mnt)
        umount2 (s_mnt, MNT_DETACH);
    s_mnt[0] = 0;
    ml_h_fini ();
}

Test (integration, disk_full_at_the_collector_is_logged_as_no_space, .init = ml_h_init, .fini = s_fini)
{
    ml_h_bureau ();
    char *disk = ml_h_str ("%s/disk", ml_h_dir ());
    cr_assert_eq (mkdir (disk, 0700), 0);
    if (unshare (CLONE_NEWNS) == 0)
        mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
    if (mount ("tmpfs", disk, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") != 0) {
        ml_h_pass ();
        ml_h_fini ();
        cr_skip_test ("cannot mount a tmpfs (needs root): %s", strerror (errno));
    }
    snprintf (s_mnt, sizeof s_mnt, "%s", disk);
    ml_h_ini_set (ml_h_collector_ini (), "data_dir", ml_h_str ("%s/data", disk));
    ml_h_collector_start ();
    char *ledger = ml_h_str ("%s/many.jsonl", ml_h_dir ());
    ml_h_write_events (ledger, "H001", 1, 20000);
    ml_h_out_t out;
    int code = ml_h_run (&out, 120000, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "import", ledger, NULL);
    cr_assert_eq (code, 0, "import: %s", out.err);
    pid_t agent = ml_h_spawn ("agent", ML_AGENT, "-c", ml_h_agent_ini ("H001"), "run", NULL);
    char *log = ml_h_str ("%s/collector.err", ml_h_dir ());
    s_log_wait_t w = { log, "storage full" };
    cr_assert (ml_h_until (s_log_has, &w, 120000), "the collector never said its storage was full: %s",
               ml_h_read (log));
    ml_h_stop (agent, SIGTERM);
    char *text = ml_h_read (log);
    cr_assert (strstr (text, "No space left on device"), "the collector should say no space: %s", text);
    cr_assert_null (strstr (text, "Input/output error"), "said input/output error: %s", text);
    ml_h_collector_stop (SIGTERM);
    ml_h_pass ();
}

//  Writes ROUND's N talks of H001 (refs H001-T<ROUND*N + i>), each with a 700-byte note, after
//  the person P001.
static void
s_write_big (const char *path, int round, int n)
{
    FILE *file = fopen (path, "w");
    cr_assert_not_null (file);
    fprintf (file, "{\"kind\":\"person\",\"ref\":\"H001-P001\",\"person\":\"P001\",\"name\":\"张伟\","
                   "\"roles\":[{\"role\":\"leader\",\"from\":\"2025-01-01\"}]}\n");
    char note[701];
    memset (note, 'n', 700);
    note[700] = 0;
    for (int i = 1 + round * n; i <= (round + 1) * n; i++)
        fprintf (file, "{\"kind\":\"talk\",\"ref\":\"H001-T%06d\",\"date\":\"2025-%02d-%02d\","
                       "\"person\":\"P001\",\"with\":\"王芳\",\"with_category\":\"masses\","
                       "\"form\":\"individual\",\"mode\":\"in_person\",\"note\":\"%s %d\"}\n",
                 i, 1 + i % 12, 1 + i % 28, note, i);
    cr_assert_eq (fclose (file), 0);
}

Test (integration, outbox_size_is_a_setting_and_acknowledged_events_are_reclaimed,
      .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    const char *ini = ml_h_agent_ini ("H001");
    ml_h_ini_set (ini, "outbox_max_mb", "4");
    ml_h_collector_start ();
    //  6 rounds of 1000 talks of ~750 bytes: more than 4 MiB of events, which a 4 MiB outbox
    //  takes only when it reclaims the acknowledged ones.
    enum { ROUNDS = 6, PER = 1000 };
    ml_h_out_t out;
    for (int r = 0; r < ROUNDS; r++) {
        char *ledger = ml_h_str ("%s/round-%d.jsonl", ml_h_dir (), r);
        s_write_big (ledger, r, PER);
        int code = ml_h_run (&out, 120000, ML_AGENT, "-c", ini, "import", ledger, NULL);
        cr_assert_eq (code, 0, "import of round %d into a 4 MiB outbox exited %d: %s", r, code, out.err);
        code = ml_h_run (&out, 120000, ML_AGENT, "-c", ini, "flush", "--timeout", "100", NULL);
        cr_assert_eq (code, 0, "flush of round %d: %s", r, out.err);
    }
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 0);
    cr_assert_eq (ml_h_agent_field ("H001", "acked"), ROUNDS * PER + 1, "acked counts reclaimed events");
    cr_assert_eq (ml_h_collector_events ("H001"), ROUNDS * PER + 1);
    //  Importing the first round again: still known, nothing recorded twice; `refs` knows them.
    char *first = ml_h_str ("%s/round-0.jsonl", ml_h_dir ());
    int code = ml_h_run (&out, 120000, ML_AGENT, "-c", ini, "import", first, NULL);
    cr_assert_eq (code, 0, "re-import: %s", out.err);
    cr_assert (strstr (out.out, ml_h_str (": 0 events recorded, %d already recorded", PER + 1)),
               "re-import said: %s", out.out);
    code = ml_h_run (&out, 120000, ML_AGENT, "-c", ini, "refs", first, NULL);
    cr_assert_eq (code, 0, "refs: %s", out.err);
    cr_assert_eq (ml_h_count_lines (out.out, "\tnew"), 0, "refs calls a reclaimed event new: %s", out.out);
    //  `correct` of a reclaimed event says why it cannot.
    code = ml_h_run (&out, 30000, ML_AGENT, "-c", ini, "correct", "H001-T000001", "with=李娜", NULL);
    cr_assert_neq (code, 0);
    cr_assert (strstr (out.err, "content reclaimed"), "correct said: %s", out.err);
    //  A setting out of range is bad configuration.
    ml_h_ini_set (ini, "outbox_max_mb", "1");
    code = ml_h_run (&out, 30000, ML_AGENT, "-c", ini, "status", NULL);
    cr_assert_eq (code, 2, "outbox_max_mb = 1: exit %d: %s", code, out.err);
    cr_assert (strstr (out.err, "outbox_max_mb: must be from 4"), "said: %s", out.err);
    ml_h_pass ();
}
