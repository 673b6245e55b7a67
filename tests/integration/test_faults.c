/* test_faults.c -- issue 6's fault matrix: an agent whose clock is ahead, a storm of unregistered
   connections, a collector with a new key, a collector whose LMDB map is full, and an agent whose
   disk is full (a real full tmpfs, and the file size limit). */
#include "ml_date.h"
#include "ml_harness.h"
#include "ml_wire.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
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
    cr_assert_eq (ml_h_stop (agent, SIGTERM), 0, "agent run should exit 0 on SIGTERM");
    ml_h_assert_stored_once ("H001", STORM_EVENTS);
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
    ml_h_assert_stored_once ("H001", 20);
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
    ml_h_assert_stored_once ("H001", FULL_EVENTS);
    code = ml_h_run (&out, 120000, ML_COLLECTOR, "-c", ml_h_collector_ini (), "check", NULL);
    cr_assert_eq (code, 0, "check exited %d: %s%s", code, out.out, out.err);
    ml_h_pass ();
}

// ---------------------------------------------------------------------------
// Disk full at the agent: `record` fails with a clear error and the outbox stays intact.

#define DF_IMPORTED 200         //  talks imported before the disk fills up
#define DF_MAX_RECORDS 3000     //  records tried before giving up on filling the disk

static char s_mnt[512];         //  the tmpfs the test mounted, "" when none

//  Fini of the disk-full tests: unmounts what the test left mounted (lazily, so the temp dir can
//  go), then the harness's fini.
static void
s_df_fini (void)
{
    if (*s_mnt)
        umount2 (s_mnt, MNT_DETACH);
    s_mnt[0] = 0;
    ml_h_fini ();
}

//  Mounts a tmpfs with OPTS on MNT (created), in a private mount namespace of the test worker
//  when it can have one (then it cannot outlive the worker). Skips the test when mounting is not
//  permitted.
static void
s_mount_tmpfs (const char *mnt, const char *opts)
{
    cr_assert_eq (mkdir (mnt, 0700), 0, "mkdir %s: %s", mnt, strerror (errno));
    int unshared = unshare (CLONE_NEWNS) == 0 ? 0 : errno;
    if (!unshared)
        cr_assert_eq (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0,
                      "making / private in the test's mount namespace: %s", strerror (errno));
    if (mount ("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, opts) != 0) {
        int err = errno;
        cr_assert (err == EPERM || err == EACCES || err == ENODEV, "mount -t tmpfs -o %s %s: %s",
                   opts, mnt, strerror (err));
        char why[1024];
        snprintf (why, sizeof why, "cannot mount a tmpfs to fill up (mount -t tmpfs -o %s %s: %s): "
                  "needs root (CAP_SYS_ADMIN); file_size_limit_at_the_agent_... covers the same "
                  "path without privileges", opts, mnt, strerror (err));
        //  A skip ends the worker at once, without fini: clean up first.
        ml_h_pass ();
        ml_h_fini ();
        cr_skip_test ("%s", why);
    }
    if (unshared)
        cr_log_warn ("unshare (CLONE_NEWNS): %s; the tmpfs %s is in the shared mount namespace "
                     "(unmounted at fini)", strerror (unshared), mnt);
    snprintf (s_mnt, sizeof s_mnt, "%s", mnt);
}

//  Fills the file system of DIR with the file DIR/filler until only LEAVE bytes are free.
static void
s_fill (const char *dir, size_t leave)
{
    struct statvfs vfs;
    cr_assert_eq (statvfs (dir, &vfs), 0, "statvfs %s: %s", dir, strerror (errno));
    size_t avail = (size_t) vfs.f_bavail * vfs.f_frsize;
    cr_assert_gt (avail, leave, "%s: only %zu bytes free", dir, avail);
    char *path = ml_h_str ("%s/filler", dir);
    FILE *file = fopen (path, "wb");
    cr_assert_not_null (file, "%s: %s", path, strerror (errno));
    static const char block[4096];
    for (size_t left = avail - leave; left > 0; ) {
        size_t n = left < sizeof block ? left : sizeof block;
        cr_assert_eq (fwrite (block, 1, n, file), n, "%s: %s", path, strerror (errno));
        left -= n;
    }
    cr_assert_eq (fclose (file), 0, "%s: %s", path, strerror (errno));
}

//  Runs ARGV like ml_h_runv (60 s at most) with the file size limit at LIMIT bytes.
static int
s_run_fsize (ml_h_out_t *out, rlim_t limit, char *const argv[])
{
    ml_h_fsize_limit (limit);
    int code = ml_h_runv (out, 60000, argv);
    ml_h_fsize_limit (RLIM_INFINITY);
    return code;
}

//  `record`s talk I of H001 as ml_h_write_events writes it (so `refs` of that file finds it),
//  with the file size limit at LIMIT (RLIM_INFINITY: none). Returns the exit code.
static int
s_record_talk (int i, rlim_t limit, ml_h_out_t *out)
{
    static const char *const with[] = { "王芳", "李娜", "刘洋", "陈静" };
    char date[16];
    ml_date_format (ml_date_from_ymd (2025, 1, 1) + i % 600, date);
    char *argv[] = { (char *) ML_AGENT, "-c", (char *) ml_h_agent_ini ("H001"), "record", "talk",
                     ml_h_str ("ref=H001-T%06d", i), ml_h_str ("date=%s", date), "person=P001",
                     ml_h_str ("with=%s", with[i % 4]), "with_category=masses", "form=individual",
                     "mode=in_person", NULL };
    int code = limit == RLIM_INFINITY ? ml_h_runv (out, 30000, argv) : s_run_fsize (out, limit, argv);
    if (code == 0)
        cr_assert_str_eq (out->out, ml_h_str ("H001-T%06d\n", i), "record printed: %s", out->out);
    return code;
}

//  Records talks of H001 from FIRST on, one `record` each, until one fails; its exit code and
//  output go to *CODE and *FAIL. Returns the number of the last talk recorded.
static int
s_record_until_full (int first, rlim_t limit, int *code, ml_h_out_t *fail)
{
    for (int i = first; i < first + DF_MAX_RECORDS; i++)
        if ((*code = s_record_talk (i, limit, fail)) != 0) {
            cr_log_info ("the outbox was full after %d records (talk %d failed)", i - first, i);
            return i - 1;
        }
    cr_assert_fail ("%d records went through; the outbox never filled up", DF_MAX_RECORDS);
    return -1;
}

//  A failed `record`: exit 1, nothing on stdout, and one line on stderr that names the OUTBOX
//  and says REASON.
static void
s_assert_clear_error (int code, const ml_h_out_t *fail, const char *outbox, const char *reason)
{
    const char *err = fail->err;
    cr_log_info ("record on a full outbox said: %s", err);
    cr_assert_eq (code, 1, "record on a full outbox exited %d, expected 1: %s", code, err);
    cr_assert_str_empty (fail->out, "record printed a ref although it failed: %s", fail->out);
    size_t len = strlen (err);
    cr_assert (len > 0 && strchr (err, '\n') == err + len - 1,
               "record should print exactly one line on stderr: %s", err);
    cr_assert (strncmp (err, "massline-agent: record: ", 24) == 0, "who is speaking: %s", err);
    cr_assert (strstr (err, ml_h_str ("outbox %s:", outbox)), "the error should name the outbox "
               "%s: %s", outbox, err);
    cr_assert (strstr (err, reason), "the error should say '%s': %s", reason, err);
}

//  After the failed record of talk TALKS + 1: the outbox holds the person and talks 1..TALKS,
//  each at its own seq, and nothing of the failed talk, as `status` and `refs` see it.
static void
s_assert_outbox_kept (int talks)
{
    json_t *status = ml_h_agent_status_json ("H001");
    cr_assert_not_null (status, "agent status failed on a full outbox");
    long pending = (long) json_integer_value (json_object_get (status, "pending"));
    long next_seq = (long) json_integer_value (json_object_get (status, "next_seq"));
    long acked = (long) json_integer_value (json_object_get (status, "acked"));
    json_decref (status);
    cr_assert_eq (pending, talks + 1, "pending after the failed record");
    cr_assert_eq (next_seq, talks + 2, "next_seq after the failed record");
    cr_assert_eq (acked, 0);

    //  Line L of the ledger (the person, then talk L - 1) is recorded as seq L; the failed talk,
    //  the last line, is new.
    char *path = ml_h_str ("%s/H001-all.jsonl", ml_h_dir ());
    ml_h_write_events (path, "H001", 1, talks + 1);
    ml_h_out_t out;
    int code = ml_h_run (&out, 120000, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "refs", path, NULL);
    cr_assert_eq (code, 0, "refs on a full outbox exited %d: %s", code, out.err);
    cr_assert_eq (ml_h_count_lines (out.out, "\t"), talks + 2, "refs lines: %s", out.out);
    cr_assert_eq (ml_h_count_lines (out.out, "\tnew"), 1, "refs: %s", out.out);
    cr_assert_eq (ml_h_count_lines (out.out, "other content"), 0, "refs: %s", out.out);
    cr_assert (strstr (out.out, ml_h_str ("%s:1\tH001-P001\trecorded (seq 1)\n", path)), "%s", out.out);
    for (int i = 1; i <= talks; i++) {
        char *line = ml_h_str ("%s:%d\tH001-T%06d\trecorded (seq %d)\n", path, i + 1, i, i + 1);
        cr_assert (strstr (out.out, line), "refs should say %s", line);
    }
    char *failed = ml_h_str ("%s:%d\tH001-T%06d\tnew\n", path, talks + 2, talks + 1);
    cr_assert (strstr (out.out, failed), "refs should say %s", failed);
}

//  With room again: the talk that failed and two more are recorded, then exactly the person and
//  TALKS + 3 talks reach the collector, once.
static void
s_assert_resumes (int talks)
{
    ml_h_out_t out;
    for (int i = talks + 1; i <= talks + 3; i++) {
        int code = s_record_talk (i, RLIM_INFINITY, &out);
        cr_assert_eq (code, 0, "record of talk %d with room again exited %d: %s", i, code, out.err);
    }
    talks += 3;
    cr_assert_eq (ml_h_agent_field ("H001", "next_seq"), talks + 2);
    ml_h_collector_start ();
    int code = ml_h_run (&out, 120000, ML_AGENT, "-c", ml_h_agent_ini ("H001"), "flush", NULL);
    cr_assert_eq (code, 0, "flush exited %d: %s", code, out.err);
    cr_assert_eq (ml_h_agent_field ("H001", "pending"), 0);
    cr_assert_eq (ml_h_agent_field ("H001", "acked"), talks + 1);
    ml_h_assert_stored_once ("H001", talks);
}

Test (integration, disk_full_at_the_agent_record_fails_clearly_and_keeps_the_outbox,
      .init = ml_h_init, .fini = s_df_fini)
{
    ml_h_bureau ();
    char *disk = ml_h_str ("%s/disk", ml_h_dir ());
    s_mount_tmpfs (disk, "size=512k,mode=0700");
    char *outbox = ml_h_str ("%s/outbox", disk);
    ml_h_ini_set (ml_h_agent_ini ("H001"), "outbox", outbox);
    s_import ("H001", DF_IMPORTED);

    //  Other files take the disk but for 16 KiB. The first record after an import writes more
    //  new pages than that at once, so the disk fills up halfway through LMDB's write, which
    //  LMDB reports as a bare EIO: the error must still say why.
    s_fill (disk, 16 << 10);
    int code;
    ml_h_out_t fail;
    int talks = s_record_until_full (DF_IMPORTED + 1, RLIM_INFINITY, &code, &fail);
    s_assert_clear_error (code, &fail, outbox, "No space left on device");
    s_assert_outbox_kept (talks);

    //  80 KiB more: records fill them up, one at a time.
    cr_assert_eq (mount ("tmpfs", disk, "tmpfs", MS_REMOUNT | MS_NOSUID | MS_NODEV, "size=592k"), 0,
                  "remount %s with 80 KiB more: %s", disk, strerror (errno));
    talks = s_record_until_full (talks + 1, RLIM_INFINITY, &code, &fail);
    s_assert_clear_error (code, &fail, outbox, "No space left on device");
    s_assert_outbox_kept (talks);

    //  A new agent's first import on the full disk: LMDB writes its lock file through a memory
    //  map, where a missing page is a SIGBUS unless the outbox reserved the pages first.
    char *fresh = ml_h_str ("%s/outbox-H002", disk);
    ml_h_ini_set (ml_h_agent_ini ("H002"), "outbox", fresh);
    char *ledger = ml_h_str ("%s/H002.jsonl", ml_h_dir ());
    ml_h_write_events (ledger, "H002", 1, 1);
    code = ml_h_run (&fail, 30000, ML_AGENT, "-c", ml_h_agent_ini ("H002"), "import", ledger, NULL);
    cr_assert_eq (code, 1, "import into a new outbox on a full disk exited %d: %s", code, fail.err);
    cr_assert (strstr (fail.err, ml_h_str ("%s: cannot open the outbox: No space left on device\n",
                                           fresh)), "import said: %s", fail.err);

    cr_assert_eq (mount ("tmpfs", disk, "tmpfs", MS_REMOUNT | MS_NOSUID | MS_NODEV, "size=8m"), 0,
                  "remount %s bigger: %s", disk, strerror (errno));
    s_assert_resumes (talks);
    cr_assert_eq (umount (disk), 0, "umount %s: %s", disk, strerror (errno));
    s_mnt[0] = 0;
    ml_h_pass ();
}

Test (integration, file_size_limit_at_the_agent_record_fails_clearly_and_keeps_the_outbox,
      .init = ml_h_init, .fini = ml_h_fini)
{
    ml_h_bureau ();
    char *outbox = ml_h_str ("%s/outbox-H001", ml_h_dir ());
    ml_h_ini_set (ml_h_agent_ini ("H001"), "outbox", outbox);
    s_import ("H001", DF_IMPORTED);
    //  The data file may grow by a few pages more: records fill them up.
    struct stat st;
    char *data = ml_h_str ("%s/data.mdb", outbox);
    cr_assert_eq (stat (data, &st), 0, "%s: %s", data, strerror (errno));
    rlim_t limit = (rlim_t) st.st_size + 20 * 4096;
    int code;
    ml_h_out_t fail;
    int talks = s_record_until_full (DF_IMPORTED + 1, limit, &code, &fail);
    s_assert_clear_error (code, &fail, outbox, "File too large");
    cr_assert (strstr (fail.err, ml_h_str ("file size limit of %llu bytes", (unsigned long long) limit)),
               "the error should give the limit, %llu bytes: %s", (unsigned long long) limit, fail.err);
    s_assert_outbox_kept (talks);

    s_assert_resumes (talks);
    ml_h_pass ();
}
