/* test_outbox.c -- the agent's durable outbox on a real LMDB in a temp dir: durability, seqs,
   duplicates and conflicts, acks and rejects, all-or-nothing appends, a full map, a data file
   at the file size limit, and the versions of a ref (corrections, voids, fixed rejects). */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "massline.pb-c.h"
#include "ml_err.h"
#include "ml_outbox.h"
#include "ml_event.h"
#include "ml_test.h"

static const char *s_path;       //  the outbox folder inside the test's temp folder

static void
s_setup (void)
{
    t_dir_setup ();
    s_path = t_path ("outbox");
}

TestSuite (outbox, .init = s_setup, .fini = t_dir_teardown);

static ml_outbox_t *
s_open (size_t map_size)
{
    char err[512] = "";
    ml_outbox_t *ob = ml_outbox_open (s_path, map_size, err, sizeof err);
    cr_assert_not_null (ob, "open: %s", err);
    return ob;
}

//  A packed talk event with REF and NOTE (which makes contents differ); caller frees.
static uint8_t *
s_talk (const char *ref, const char *note, size_t *len)
{
    Massline__Event ev = MASSLINE__EVENT__INIT;
    Massline__Talk talk = MASSLINE__TALK__INIT;
    talk.date = "2026-03-05";
    talk.person = "P001";
    talk.with = "王芳";
    talk.with_category = MASSLINE__TALK__WITH_CATEGORY__masses;
    ev.ref = (char *) ref;
    ev.note = (char *) note;
    ev.body_case = MASSLINE__EVENT__BODY_TALK;
    ev.talk = &talk;
    *len = massline__event__get_packed_size (&ev);
    uint8_t *buf = malloc (*len);
    massline__event__pack (&ev, buf);
    return buf;
}

//  Items of N talks with refs PREFIX1..PREFIXn (note NOTE), sources "f.jsonl:LINE".
typedef struct {
    ml_outbox_item_t items[16];
    char refs[16][32];
    char sources[16][32];
    size_t n;
} s_batch_t;

static void
s_batch (s_batch_t *b, size_t n, const char *prefix, const char *note)
{
    memset (b, 0, sizeof *b);
    b->n = n;
    for (size_t i = 0; i < n; i++) {
        snprintf (b->refs[i], sizeof b->refs[i], "%s%zu", prefix, i + 1);
        snprintf (b->sources[i], sizeof b->sources[i], "f.jsonl:%zu", i + 1);
        b->items[i].ref = b->refs[i];
        b->items[i].source = b->sources[i];
        b->items[i].data = s_talk (b->refs[i], note, &b->items[i].len);
    }
}

static void
s_batch_free (s_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++)
        free ((void *) b->items[i].data);
}

static ml_outbox_stat_t
s_stat (ml_outbox_t *ob)
{
    ml_outbox_stat_t st;
    cr_assert_eq (ml_outbox_stat (ob, &st), 0, "stat: %s", ml_outbox_error (ob));
    return st;
}

//  What ml_outbox_read handed to the visitor, copied out.
typedef struct {
    size_t count;
    uint64_t seqs[64];
    size_t lens[64];
    uint8_t *data[64];
} s_read_t;

static int
s_copy_entries (const ml_outbox_entry_t *entries, size_t count, void *arg)
{
    s_read_t *r = arg;
    r->count = count;
    for (size_t i = 0; i < count && i < 64; i++) {
        r->seqs[i] = entries[i].seq;
        r->lens[i] = entries[i].len;
        r->data[i] = malloc (entries[i].len);
        memcpy (r->data[i], entries[i].data, entries[i].len);
    }
    return 7;   //  the visitor's result is passed back
}

static void
s_read_free (s_read_t *r)
{
    for (size_t i = 0; i < r->count && i < 64; i++)
        free (r->data[i]);
}

Test (outbox, commit_survives_close_and_reopen)
{
    ml_outbox_t *ob = s_open (0);
    s_batch_t b;
    s_batch (&b, 3, "R", NULL);
    cr_assert_eq (ml_outbox_append (ob, b.items, b.n, false), 0, "%s", ml_outbox_error (ob));
    ml_outbox_close (&ob);
    cr_assert_null (ob);
    ml_outbox_close (&ob);   //  safe on NULL

    ob = s_open (0);
    ml_outbox_stat_t st = s_stat (ob);
    cr_expect_eq (st.next_seq, 4);
    cr_expect_eq (st.events, 3);
    cr_expect_eq (st.pending, 3);
    cr_expect_eq (st.acked_seq, 0);
    s_read_t r = { 0 };
    cr_assert_eq (ml_outbox_read (ob, 1, 10, s_copy_entries, &r), 7);
    cr_assert_eq (r.count, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_expect_eq (r.seqs[i], i + 1);
        cr_assert_eq (r.lens[i], b.items[i].len);
        cr_expect_eq (memcmp (r.data[i], b.items[i].data, r.lens[i]), 0, "event %zu bytes", i + 1);
    }
    s_read_free (&r);
    ml_outbox_close (&ob);
    s_batch_free (&b);
}

Test (outbox, seqs_are_consecutive_across_appends)
{
    ml_outbox_t *ob = s_open (0);
    s_batch_t a, b;
    s_batch (&a, 2, "A", NULL);
    s_batch (&b, 3, "B", NULL);
    cr_assert_eq (ml_outbox_append (ob, a.items, a.n, false), 0);
    cr_assert_eq (ml_outbox_append (ob, b.items, b.n, false), 0);
    cr_expect_eq (a.items[0].seq, 1);
    cr_expect_eq (a.items[1].seq, 2);
    for (size_t i = 0; i < 3; i++) {
        cr_expect_eq (b.items[i].status, 0);
        cr_expect_eq (b.items[i].seq, 3 + i);
    }
    //  a read from the middle, limited in size, stays consecutive
    s_read_t r = { 0 };
    ml_outbox_read (ob, 3, 2, s_copy_entries, &r);
    cr_assert_eq (r.count, 2);
    cr_expect_eq (r.seqs[0], 3);
    cr_expect_eq (r.seqs[1], 4);
    cr_expect_eq (memcmp (r.data[0], b.items[0].data, b.items[0].len), 0);
    s_read_free (&r);
    //  past the end: the visitor sees no entries
    s_read_t none = { .count = 99 };
    ml_outbox_read (ob, 6, 10, s_copy_entries, &none);
    cr_expect_eq (none.count, 0);
    cr_expect_eq (s_stat (ob).next_seq, 6);
    ml_outbox_close (&ob);
    s_batch_free (&a);
    s_batch_free (&b);
}

Test (outbox, duplicate_ref_with_same_content_is_skipped)
{
    ml_outbox_t *ob = s_open (0);
    s_batch_t a, again;
    s_batch (&a, 2, "D", "same");
    s_batch (&again, 2, "D", "same");
    cr_assert_eq (ml_outbox_append (ob, a.items, a.n, false), 0);
    cr_assert_eq (ml_outbox_append (ob, again.items, again.n, false), 0);
    for (size_t i = 0; i < 2; i++) {
        cr_expect_eq (again.items[i].status, ML_EDUP);
        cr_expect_eq (again.items[i].seq, i + 1, "the seq of the event already there");
        cr_expect_eq (again.items[i].same_as, -1);
    }
    ml_outbox_stat_t st = s_stat (ob);
    cr_expect_eq (st.events, 2);
    cr_expect_eq (st.next_seq, 3);

    //  the same row twice in one call: the second is a duplicate of the first
    s_batch_t twice;
    s_batch (&twice, 1, "E", NULL);
    twice.items[1] = twice.items[0];
    twice.n = 2;
    cr_assert_eq (ml_outbox_append (ob, twice.items, 2, false), 0);
    cr_expect_eq (twice.items[0].status, 0);
    cr_expect_eq (twice.items[0].seq, 3);
    cr_expect_eq (twice.items[1].status, ML_EDUP);
    cr_expect_eq (twice.items[1].same_as, 0);
    cr_expect_eq (s_stat (ob).events, 3);
    twice.n = 1;
    ml_outbox_close (&ob);
    s_batch_free (&a);
    s_batch_free (&again);
    s_batch_free (&twice);
}

Test (outbox, duplicate_ref_with_other_content_is_a_conflict)
{
    ml_outbox_t *ob = s_open (0);
    s_batch_t a, changed;
    s_batch (&a, 1, "C", "first");
    s_batch (&changed, 1, "C", "second");
    cr_assert_eq (ml_outbox_append (ob, a.items, 1, false), 0);
    cr_assert_eq (ml_outbox_append (ob, changed.items, 1, false), ML_ECONFLICT);
    cr_expect_eq (changed.items[0].status, ML_ECONFLICT);
    cr_expect_eq (changed.items[0].seq, 1);
    cr_expect_eq (changed.items[0].same_as, -1);
    cr_expect_eq (s_stat (ob).events, 1);

    //  within one call: the second row conflicts with the first, and nothing is written
    s_batch_t pair;
    s_batch (&pair, 1, "K", "one");
    size_t len;
    pair.items[1] = pair.items[0];
    pair.items[1].data = s_talk ("K1", "two", &len);
    pair.items[1].len = len;
    pair.n = 2;
    cr_assert_eq (ml_outbox_append (ob, pair.items, 2, false), ML_ECONFLICT);
    cr_expect_eq (pair.items[1].status, ML_ECONFLICT);
    cr_expect_eq (pair.items[1].same_as, 0);
    ml_outbox_stat_t st = s_stat (ob);
    cr_expect_eq (st.events, 1);
    cr_expect_eq (st.next_seq, 2);
    ml_outbox_close (&ob);
    s_batch_free (&a);
    s_batch_free (&changed);
    s_batch_free (&pair);
}

Test (outbox, multi_event_append_is_all_or_nothing)
{
    ml_outbox_t *ob = s_open (0);
    s_batch_t first;
    s_batch (&first, 1, "X", "old");
    cr_assert_eq (ml_outbox_append (ob, first.items, 1, false), 0);

    //  five rows, the third in conflict with the stored X1, the first defining a person
    s_batch_t rows;
    s_batch (&rows, 5, "M", NULL);
    rows.items[0].person = "P042";
    free ((void *) rows.items[2].data);
    rows.items[2].ref = "X1";
    rows.items[2].data = s_talk ("X1", "new", &rows.items[2].len);
    cr_assert_eq (ml_outbox_append (ob, rows.items, 5, false), ML_ECONFLICT);
    cr_expect_eq (rows.items[2].status, ML_ECONFLICT);
    ml_outbox_stat_t st = s_stat (ob);
    cr_expect_eq (st.events, 1, "nothing of the failed append is stored");
    cr_expect_eq (st.next_seq, 2, "no seq is used up");
    cr_expect_not (ml_outbox_has_person (ob, "P042"), "the roster is unchanged too");
    s_read_t r = { 0 };
    ml_outbox_read (ob, 2, 10, s_copy_entries, &r);
    cr_expect_eq (r.count, 0);

    //  a dry run of the good rows says what would happen and writes nothing
    rows.items[2].ref = rows.refs[2];
    free ((void *) rows.items[2].data);
    rows.items[2].data = s_talk (rows.refs[2], NULL, &rows.items[2].len);
    cr_assert_eq (ml_outbox_append (ob, rows.items, 5, true), 0);
    cr_expect_eq (rows.items[4].seq, 6);
    cr_expect_eq (s_stat (ob).events, 1);
    cr_expect_not (ml_outbox_has_person (ob, "P042"));

    //  corrected, the whole batch goes in at once
    cr_assert_eq (ml_outbox_append (ob, rows.items, 5, false), 0);
    for (size_t i = 0; i < 5; i++)
        cr_expect_eq (rows.items[i].seq, 2 + i);
    cr_expect_eq (s_stat (ob).events, 6);
    cr_expect (ml_outbox_has_person (ob, "P042"));
    cr_expect_not (ml_outbox_has_person (ob, "P043"));
    ml_outbox_close (&ob);
    s_batch_free (&first);
    s_batch_free (&rows);
}

typedef struct {
    size_t count;
    ml_outbox_reject_t rejects[8];
    char text[8][4][128];   //  copies of code, reason, ref, source
} s_rejects_t;

static int
s_copy_reject (const ml_outbox_reject_t *r, void *arg)
{
    s_rejects_t *out = arg;
    size_t i = out->count++;
    snprintf (out->text[i][0], 128, "%s", r->code);
    snprintf (out->text[i][1], 128, "%s", r->reason);
    snprintf (out->text[i][2], 128, "%s", r->ref);
    snprintf (out->text[i][3], 128, "%s", r->source ? r->source : "(null)");
    out->rejects[i] = (ml_outbox_reject_t) { r->seq, out->text[i][0], out->text[i][1],
                                             out->text[i][2], out->text[i][3], r->replaced_by };
    return 0;
}

Test (outbox, ack_moves_pending_to_acked_and_keeps_rejects)
{
    ml_outbox_t *ob = s_open (0);
    s_batch_t b;
    s_batch (&b, 5, "T", NULL);
    cr_assert_eq (ml_outbox_append (ob, b.items, 5, false), 0);
    ml_outbox_stat_t st = s_stat (ob);
    cr_expect_eq (st.pending, 5);
    cr_expect_eq (st.acked, 0);
    cr_expect_eq (st.rejected, 0);
    cr_expect_eq (st.last_contact, 0);

    //  the collector acknowledges 1..3 and rejects 2 (without naming its ref)
    ml_outbox_reject_t rej = { 2, "invalid", "field 'person': unknown person (P001)", NULL, NULL, 0 };
    cr_assert_eq (ml_outbox_ack (ob, 3, &rej, 1, 1767225600), 0, "%s", ml_outbox_error (ob));
    st = s_stat (ob);
    cr_expect_eq (st.acked_seq, 3);
    cr_expect_eq (st.pending, 2);
    cr_expect_eq (st.acked, 2);
    cr_expect_eq (st.rejected, 1);
    cr_expect_eq (st.last_contact, 1767225600);

    s_rejects_t got = { 0 };
    cr_assert_eq (ml_outbox_rejects (ob, s_copy_reject, &got), 0);
    cr_assert_eq (got.count, 1);
    cr_expect_eq (got.rejects[0].seq, 2);
    cr_expect_str_eq (got.rejects[0].code, "invalid");
    cr_expect_str_eq (got.rejects[0].reason, "field 'person': unknown person (P001)");
    cr_expect_str_eq (got.rejects[0].ref, "T2", "the ref comes from the stored event");
    cr_expect_str_eq (got.rejects[0].source, "f.jsonl:2");

    //  an older ack never moves acked_seq back; the rest of the events are then acknowledged
    cr_assert_eq (ml_outbox_ack (ob, 1, NULL, 0, 1767225601), 0);
    cr_expect_eq (s_stat (ob).acked_seq, 3);
    cr_assert_eq (ml_outbox_ack (ob, 5, NULL, 0, 1767225602), 0);
    ml_outbox_close (&ob);

    //  and all of it is durable
    ob = s_open (0);
    st = s_stat (ob);
    cr_expect_eq (st.pending, 0);
    cr_expect_eq (st.acked, 4);
    cr_expect_eq (st.rejected, 1);
    cr_expect_eq (st.events, 5, "acknowledged events are kept");
    cr_expect_eq (st.last_contact, 1767225602);
    ml_outbox_close (&ob);
    s_batch_free (&b);
}

Test (outbox, empty_outbox_adopts_the_collectors_numbering)
{
    ml_outbox_t *ob = s_open (0);
    cr_assert_eq (ml_outbox_adopt (ob, 501), 0);
    ml_outbox_stat_t st = s_stat (ob);
    cr_expect_eq (st.next_seq, 501);
    cr_expect_eq (st.acked_seq, 500);
    cr_expect_eq (st.pending, 0);
    cr_expect_eq (st.acked, 0);
    s_batch_t b;
    s_batch (&b, 2, "N", NULL);
    cr_assert_eq (ml_outbox_append (ob, b.items, 2, false), 0);
    cr_expect_eq (b.items[0].seq, 501);
    st = s_stat (ob);
    cr_expect_eq (st.pending, 2);
    cr_expect_eq (ml_outbox_adopt (ob, 900), ML_EEXIST, "an outbox with events keeps its numbering");
    cr_expect_eq (s_stat (ob).next_seq, 503);
    ml_outbox_close (&ob);
    s_batch_free (&b);
}

Test (outbox, never_sent_events_are_renumbered_to_follow_the_collector)
{
    ml_outbox_t *ob = s_open (0);
    s_batch_t b;
    s_batch (&b, 3, "S", NULL);
    b.items[0].person = "P007";
    cr_assert_eq (ml_outbox_append (ob, b.items, 3, false), 0);
    //  no collector ever answered this outbox: its events take the seqs the collector expects
    cr_assert_eq (ml_outbox_adopt (ob, 101), 0, "%s", ml_outbox_error (ob));
    ml_outbox_stat_t st = s_stat (ob);
    cr_expect_eq (st.next_seq, 104);
    cr_expect_eq (st.acked_seq, 100);
    cr_expect_eq (st.pending, 3);
    cr_expect_eq (st.renumbered, 100, "seq 1 became 101");
    s_read_t r = { 0 };
    ml_outbox_read (ob, 1, 10, s_copy_entries, &r);
    cr_assert_eq (r.count, 3);
    for (size_t i = 0; i < 3; i++) {
        cr_expect_eq (r.seqs[i], 101 + i);
        cr_expect_eq (memcmp (r.data[i], b.items[i].data, b.items[i].len), 0, "bytes kept in order");
    }
    s_read_free (&r);
    //  refs, sources and the roster follow the new numbers
    cr_assert_eq (ml_outbox_append (ob, b.items, 3, false), 0);
    cr_expect_eq (b.items[1].status, ML_EDUP);
    cr_expect_eq (b.items[1].seq, 102);
    cr_expect (ml_outbox_has_person (ob, "P007"));
    ml_outbox_reject_t rej = { 103, "invalid", "why", NULL, NULL, 0 };
    cr_assert_eq (ml_outbox_ack (ob, 103, &rej, 1, 5), 0);
    s_rejects_t got = { 0 };
    ml_outbox_rejects (ob, s_copy_reject, &got);
    cr_assert_eq (got.count, 1);
    cr_expect_str_eq (got.rejects[0].ref, "S3");
    cr_expect_str_eq (got.rejects[0].source, "f.jsonl:3");
    //  once a collector has answered, the numbers are final
    cr_expect_eq (ml_outbox_adopt (ob, 500), ML_EEXIST);
    cr_expect_eq (s_stat (ob).next_seq, 104);
    ml_outbox_close (&ob);
    s_batch_free (&b);
}

Test (outbox, full_map_fails_cleanly_and_keeps_what_was_committed)
{
    ml_outbox_t *ob = s_open (1 << 20);   //  1 MiB
    static char note[3000];
    memset (note, 'x', sizeof note - 1);
    size_t committed = 0;
    int rc = 0;
    for (int round = 0; round < 1000 && rc == 0; round++) {
        char prefix[16];
        snprintf (prefix, sizeof prefix, "F%d-", round);
        s_batch_t b;
        s_batch (&b, 10, prefix, note);
        rc = ml_outbox_append (ob, b.items, b.n, false);
        if (rc == 0)
            committed += b.n;
        s_batch_free (&b);
    }
    cr_assert_eq (rc, ML_EFULL, "a 1 MiB outbox should fill up (rc %d)", rc);
    cr_expect (strstr (ml_outbox_error (ob), "MDB_MAP_FULL"), "error: %s", ml_outbox_error (ob));
    cr_assert_gt (committed, 0);
    ml_outbox_stat_t st = s_stat (ob);
    cr_expect_eq (st.events, committed, "the failed batch left nothing behind");
    cr_expect_eq (st.next_seq, committed + 1);
    //  acks still fit (they change little), and the outbox reopens intact
    cr_expect_eq (ml_outbox_ack (ob, committed, NULL, 0, 1), 0, "%s", ml_outbox_error (ob));
    ml_outbox_close (&ob);
    ob = s_open (1 << 20);
    cr_expect_eq (s_stat (ob).events, committed);
    ml_outbox_close (&ob);
}

Test (outbox, bad_folder_is_reported)
{
    char err[512] = "";
    ml_outbox_t *ob = ml_outbox_open ("/proc/no/such/outbox", 0, err, sizeof err);
    cr_assert_null (ob);
    cr_expect (strstr (err, "/proc/no/such/outbox"), "the message names the folder: %s", err);
}

Test (outbox, short_write_at_the_file_size_limit_says_why_and_keeps_what_was_committed)
{
    ml_outbox_t *ob = s_open (0);
    s_batch_t b;
    s_batch (&b, 10, "A", NULL);
    cr_assert_eq (ml_outbox_append (ob, b.items, b.n, false), 0, "%s", ml_outbox_error (ob));
    s_batch_free (&b);
    size_t committed = 10;
    const char *data = t_path ("outbox/data.mdb");
    struct stat st;
    cr_assert_eq (stat (data, &st), 0, "%s", data);

    //  The limit half a page past the end: the write that crosses it comes up short, which LMDB
    //  reports as a bare EIO. With SIGXFSZ ignored the write fails instead of killing the test.
    struct rlimit old, rl;
    cr_assert_eq (getrlimit (RLIMIT_FSIZE, &old), 0);
    rl = old;
    rl.rlim_cur = (rlim_t) st.st_size + 2048;
    cr_assert (old.rlim_max == RLIM_INFINITY || old.rlim_max >= rl.rlim_cur);
    signal (SIGXFSZ, SIG_IGN);
    cr_assert_eq (setrlimit (RLIMIT_FSIZE, &rl), 0);
    static char note[3000];
    memset (note, 'x', sizeof note - 1);
    int rc = 0;
    for (int round = 0; round < 100 && rc == 0; round++) {
        char prefix[16];
        snprintf (prefix, sizeof prefix, "L%d-", round);
        s_batch (&b, 10, prefix, note);
        rc = ml_outbox_append (ob, b.items, b.n, false);
        if (rc == 0)
            committed += b.n;
        s_batch_free (&b);
    }
    cr_assert_eq (setrlimit (RLIMIT_FSIZE, &old), 0);
    cr_assert_neq (rc, 0, "the data file never reached the limit");
    char want[128];
    snprintf (want, sizeof want, "mdb_txn_commit: short write: File too large: data.mdb reached "
              "the file size limit of %llu bytes", (unsigned long long) rl.rlim_cur);
    cr_expect_str_eq (ml_outbox_error (ob), want);
    cr_expect_eq (rc, ML_EFULL, "the file size limit is storage full");

    //  Nothing of the failed batch is there; without the limit the next one goes in.
    ml_outbox_stat_t stat = s_stat (ob);
    cr_expect_eq (stat.events, committed);
    cr_expect_eq (stat.next_seq, committed + 1);
    s_batch (&b, 10, "B", note);
    cr_expect_eq (ml_outbox_append (ob, b.items, b.n, false), 0, "%s", ml_outbox_error (ob));
    s_batch_free (&b);
    cr_expect_eq (s_stat (ob).events, committed + 10);
    ml_outbox_close (&ob);
}

//  An item from one JSON event (ref set; what it supersedes filled in from the event); the
//  data is malloc'd: free it with s_item_free.
static ml_outbox_item_t
s_item (const char *json)
{
    ml_verr_t err;
    Massline__Event *ev = ml_event_from_jsonl (json, strlen (json), &err);
    cr_assert_not_null (ev, "%s: %s: %s", json, err.field, err.reason);
    ml_outbox_item_t item = { 0 };
    item.data = ml_event_pack (ev, &item.len);
    item.ref = strdup (ev->ref);
    item.source = "f.csv:2";
    if (ev->body_case == MASSLINE__EVENT__BODY_CORRECTION)
        item.supersedes = strdup (ev->correction->supersedes);
    if (ev->body_case == MASSLINE__EVENT__BODY_VOID) {
        item.supersedes = strdup (ev->void_->supersedes);
        item.voids = true;
    }
    ml_event_free (&ev);
    return item;
}

static void
s_item_free (ml_outbox_item_t *item)
{
    free ((void *) item->data);
    free ((void *) item->ref);
    free ((void *) item->supersedes);
}

//  Appends one JSON event; returns its seq.
static uint64_t
s_append_json (ml_outbox_t *ob, const char *json)
{
    ml_outbox_item_t item = s_item (json);
    cr_assert_eq (ml_outbox_append (ob, &item, 1, false), 0, "%s: %s", json, ml_outbox_error (ob));
    cr_assert_eq (item.status, 0, "%s", json);
    s_item_free (&item);
    return item.seq;
}

#define S_TALK(ref, with) "{\"kind\":\"talk\",\"ref\":\"" ref "\",\"date\":\"2026-03-05\"," \
    "\"person\":\"P001\",\"with\":\"" with "\",\"with_category\":\"masses\"}"
#define S_CORR(ref, target, with) "{\"kind\":\"correction\",\"ref\":\"" ref "\",\"supersedes\":\"" \
    target "\",\"event\":" S_TALK (target, with) "}"

//  The current version of REF: its "with", and where it was found.
static const char *
s_current_with (ml_outbox_t *ob, const char *ref, ml_outbox_version_t *v, char *buf)
{
    Massline__Event *ev = NULL;
    int rc = ml_outbox_current (ob, ref, &ev, v);
    cr_assert_eq (rc, 0, "current %s: %d", ref, rc);
    cr_assert_eq (ev->body_case, MASSLINE__EVENT__BODY_TALK);
    cr_assert_str_eq (ev->ref, ref, "the version carries the ref it is the version of");
    strcpy (buf, ev->talk->with);
    ml_event_free (&ev);
    return buf;
}

Test (outbox, current_version_follows_corrections_rejects_and_voids)
{
    ml_outbox_t *ob = s_open (0);
    char with[64];
    ml_outbox_version_t v;
    cr_assert_eq (s_append_json (ob, S_TALK ("T1", "王芳")), 1);
    cr_expect_str_eq (s_current_with (ob, "T1", &v, with), "王芳");
    cr_expect_eq (v.seq, 1);
    cr_expect_eq (v.version_seq, 1);
    cr_expect_str_eq (v.version_ref, "T1");
    cr_expect_not (v.control || v.voided || v.rejected);

    s_append_json (ob, S_TALK ("T2", "别人"));
    cr_assert_eq (s_append_json (ob, S_CORR ("C1", "T1", "李娜")), 3);
    cr_assert_eq (s_append_json (ob, S_CORR ("C2", "T1", "刘洋")), 4);
    cr_expect_str_eq (s_current_with (ob, "T1", &v, with), "刘洋", "the latest correction wins");
    cr_expect_eq (v.version_seq, 4);
    cr_expect_str_eq (v.version_ref, "C2");
    cr_expect_str_eq (s_current_with (ob, "T2", &v, with), "别人", "another ref is not touched");

    //  the collector rejects C2: C1 is the current version again
    ml_outbox_reject_t rej = { 4, "bad_correction", "no", NULL, NULL, 0 };
    cr_assert_eq (ml_outbox_ack (ob, 4, &rej, 1, 9), 0);
    cr_expect_str_eq (s_current_with (ob, "T1", &v, with), "李娜");
    cr_expect_str_eq (v.version_ref, "C1");

    //  a correction's own ref is no event to correct
    Massline__Event *ev = NULL;
    cr_assert_eq (ml_outbox_current (ob, "C1", &ev, &v), 0);
    cr_expect (v.control);
    cr_expect_eq (ev->body_case, MASSLINE__EVENT__BODY_CORRECTION);
    ml_event_free (&ev);

    //  a void ends the chain; the version before it is still there to see
    s_append_json (ob, "{\"kind\":\"void\",\"ref\":\"V1\",\"supersedes\":\"T1\",\"reason\":\"录入重复\"}");
    cr_expect_str_eq (s_current_with (ob, "T1", &v, with), "李娜");
    cr_expect (v.voided);
    cr_expect_eq (ml_outbox_current (ob, "T9", &ev, &v), ML_ENOTFOUND);
    cr_expect_null (ev);

    //  the stored events read back by seq
    cr_assert_eq (ml_outbox_get (ob, 2, &ev), 0);
    cr_expect_str_eq (ev->ref, "T2");
    ml_event_free (&ev);
    cr_expect_eq (ml_outbox_get (ob, 99, &ev), ML_ENOTFOUND);
    ml_outbox_close (&ob);
}

Test (outbox, versions_survive_a_renumbering)
{
    ml_outbox_t *ob = s_open (0);
    s_append_json (ob, S_TALK ("T1", "王芳"));
    s_append_json (ob, S_CORR ("C1", "T1", "李娜"));
    cr_assert_eq (ml_outbox_adopt (ob, 101), 0, "%s", ml_outbox_error (ob));
    char with[64];
    ml_outbox_version_t v;
    cr_expect_str_eq (s_current_with (ob, "T1", &v, with), "李娜");
    cr_expect_eq (v.seq, 101);
    cr_expect_eq (v.version_seq, 102);
    //  a reject of the renumbered correction is seen by its new seq
    ml_outbox_reject_t rej = { 102, "bad_correction", "no", NULL, NULL, 0 };
    cr_assert_eq (ml_outbox_ack (ob, 102, &rej, 1, 9), 0);
    cr_expect_str_eq (s_current_with (ob, "T1", &v, with), "王芳");
    ml_outbox_close (&ob);
}

Test (outbox, a_rejected_event_gives_its_ref_to_the_fixed_version)
{
    ml_outbox_t *ob = s_open (0);
    s_batch_t a, fixed, again;
    s_batch (&a, 1, "R", "first");
    s_batch (&fixed, 1, "R", "fixed");
    s_batch (&again, 1, "R", "third");
    cr_assert_eq (ml_outbox_append (ob, a.items, 1, false), 0);
    //  the same bytes again are a duplicate even after the reject: the bad row is not resent
    ml_outbox_reject_t rej = { 1, "invalid", "field 'person': unknown person (P001)", NULL, NULL, 0 };
    cr_assert_eq (ml_outbox_ack (ob, 1, &rej, 1, 9), 0);
    cr_assert_eq (ml_outbox_append (ob, a.items, 1, false), 0);
    cr_expect_eq (a.items[0].status, ML_EDUP);
    //  other bytes under the rejected ref are its fixed version
    cr_assert_eq (ml_outbox_append (ob, fixed.items, 1, false), 0, "%s", ml_outbox_error (ob));
    cr_expect_eq (fixed.items[0].status, 0);
    cr_expect_eq (fixed.items[0].seq, 2);
    s_rejects_t got = { 0 };
    ml_outbox_rejects (ob, s_copy_reject, &got);
    cr_assert_eq (got.count, 1);
    cr_expect_eq (got.rejects[0].replaced_by, 2, "the reject says it has been fixed");
    //  the fixed version was not rejected: changing it again is a conflict
    cr_expect_eq (ml_outbox_append (ob, again.items, 1, false), ML_ECONFLICT);
    cr_expect_eq (s_stat (ob).events, 2);
    ml_outbox_close (&ob);
    s_batch_free (&a);
    s_batch_free (&fixed);
    s_batch_free (&again);
}
