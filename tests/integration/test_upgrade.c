/* test_upgrade.c -- store format upgrades: a collector store written by format 1 (kept as
   `mdb_dump -a` text in tests/fixtures/store-v1/, with the ledger it was made from) is loaded with
   mdb_load and read by the current collector, which keeps taking deliveries on it; a store of a
   newer, missing or malformed format is refused by serve and check, untouched, in one line that
   names the format found and the format supported. Expected numbers are counted here from the
   fixture's source ledger, never taken from the collector. */
#include "ml_harness.h"
#include "ml_store.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

//  The unit tests/fixtures/make-store-v1.sh imports the ledger into (agent id H003 as well).
#define FIXTURE_UNIT "H003"

//  The quotas of 镇卫党发〔2014〕38号 the report assertions use (the regulation's text, not the code).
#define CONTACT_VISITS_MIN 2    //  （二）3: leading cadres go to their contact point at least twice a year
#define REP_UNIT_MIN       6    //  （八）1: a unit party representative, at least 6 studio activities a year

//  The meta key and value as mdb_dump writes them (bytevalue format: hex, one leading space).
#define HEX_FORMAT_KEY " 666f726d61745f76657273696f6e\n"     //  "format_version"

//  ---------------------------------------------------------------------------
//  Helpers: the fixture, LMDB tools, dump edits

//  $MASSLINE_SOURCE_ROOT/tests/fixtures/store-v1/NAME.
static const char *
s_fixture (const char *name)
{
    const char *root = getenv ("MASSLINE_SOURCE_ROOT");
    cr_assert_not_null (root, "MASSLINE_SOURCE_ROOT is not set (run through meson test)");
    return ml_h_str ("%s/tests/fixtures/store-v1/%s", root, name);
}

//  The full path of PROG found on $PATH; fails the test when it is missing.
static const char *
s_which (const char *prog)
{
    const char *path = getenv ("PATH");
    char *copy = ml_h_str ("%s", path ? path : "/usr/bin:/bin");
    for (char *save = NULL, *dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save)) {
        char *full = ml_h_str ("%s/%s", *dir ? dir : ".", prog);
        if (access (full, X_OK) == 0)
            return full;
    }
    cr_assert_fail ("%s is not on PATH (it is in lmdb-utils, which ops/lib.sh installs)", prog);
    return NULL;
}

//  The fixture's dump text.
static const char *
s_fixture_dump (void)
{
    const char *text = ml_h_read (s_fixture ("data.dump"));
    cr_assert_not_null (text, "%s: %s", s_fixture ("data.dump"), strerror (errno));
    return text;
}

//  TEXT with its only occurrence of FROM replaced by TO; fails when FROM occurs 0 or 2+ times.
static const char *
s_replace_once (const char *text, const char *from, const char *to)
{
    const char *hit = strstr (text, from);
    cr_assert_not_null (hit, "the dump does not hold %s", from);
    cr_assert_null (strstr (hit + 1, from), "the dump holds %s more than once", from);
    return ml_h_str ("%.*s%s%s", (int) (hit - text), text, to, hit + strlen (from));
}

//  TEXT with meta's format_version set to HEX (mdb_dump bytevalue: "32" is "2"), or removed (NULL).
static const char *
s_with_format (const char *text, const char *hex)
{
    return s_replace_once (text, HEX_FORMAT_KEY " 31\n",
                           hex ? ml_h_str (HEX_FORMAT_KEY " %s\n", hex) : "");
}

//  TEXT without database NAME (its header and data, from VERSION=3 to DATA=END).
static const char *
s_without_db (const char *text, const char *name)
{
    const char *head = ml_h_str ("VERSION=3\nformat=bytevalue\ndatabase=%s\n", name);
    const char *start = strstr (text, head);
    cr_assert_not_null (start, "the dump has no database %s", name);
    const char *end = strstr (start, "DATA=END\n");
    cr_assert_not_null (end);
    end += strlen ("DATA=END\n");
    return ml_h_str ("%.*s%s", (int) (start - text), text, end);
}

//  Points the bureau's collector.ini at a new data dir DIR/store-NAME and mdb_loads DUMP into it.
//  Returns the data dir.
static const char *
s_load (const char *name, const char *dump)
{
    const char *data = ml_h_str ("%s/store-%s", ml_h_dir (), name);
    const char *file = ml_h_str ("%s/%s.dump", ml_h_dir (), name);
    ml_h_write (file, dump);
    cr_assert_eq (mkdir (data, 0700), 0, "mkdir %s: %s", data, strerror (errno));
    ml_h_ini_set (ml_h_collector_ini (), "data_dir", data);
    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, s_which ("mdb_load"), "-f", file, data, NULL);
    cr_assert_eq (code, 0, "mdb_load %s exited %d: %s", file, code, out.err);
    return data;
}

//  `mdb_dump -a DATA`: every named database as text.
static const char *
s_dump (const char *data)
{
    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, s_which ("mdb_dump"), "-a", data, NULL);
    cr_assert_eq (code, 0, "mdb_dump %s exited %d: %s", data, code, out.err);
    return out.out;
}

//  A file's bytes (malloc'd, the caller frees) and their count.
static char *
s_slurp (const char *path, size_t *len)
{
    FILE *file = fopen (path, "rb");
    cr_assert_not_null (file, "%s: %s", path, strerror (errno));
    cr_assert_eq (fseek (file, 0, SEEK_END), 0);
    long size = ftell (file);
    cr_assert (size >= 0);
    rewind (file);
    char *buf = malloc ((size_t) size + 1);
    cr_assert_not_null (buf, "out of memory");
    size_t got = fread (buf, 1, (size_t) size, file);
    fclose (file);
    cr_assert_eq (got, (size_t) size, "%s: short read", path);
    *len = (size_t) size;
    return buf;
}

//  What a data dir holds: its dump text and the bytes of data.mdb (malloc'd).
typedef struct {
    const char *dump;
    char *bytes;
    size_t len;
} s_snapshot_t;

static s_snapshot_t
s_snapshot (const char *data)
{
    s_snapshot_t snap = { s_dump (data), NULL, 0 };
    snap.bytes = s_slurp (ml_h_str ("%s/data.mdb", data), &snap.len);
    return snap;
}

static void
s_assert_unchanged (const s_snapshot_t *before, const char *data, const char *what)
{
    s_snapshot_t after = s_snapshot (data);
    bool same = after.len == before->len && memcmp (after.bytes, before->bytes, after.len) == 0;
    free (after.bytes);
    cr_assert_str_eq (after.dump, before->dump, "%s changed the store's content", what);
    cr_assert (same, "%s wrote to %s/data.mdb", what, data);
}

//  True when TEXT is exactly one non-empty line ending in a newline.
static bool
s_one_line (const char *text)
{
    size_t len = strlen (text);
    return len > 1 && text[len - 1] == '\n' && strchr (text, '\n') == text + len - 1;
}

//  Runs `massline-collector -c collector.ini COMMAND` on the store in DATA and asserts that it
//  refuses it: exits non-zero (no crash, no serving: serve is given 20 s to give up) without
//  touching it. Returns its stderr.
static const char *
s_assert_refused (const char *data, const char *command)
{
    s_snapshot_t before = s_snapshot (data);
    ml_h_out_t out;
    int code = ml_h_run (&out, 20000, ML_COLLECTOR, "-c", ml_h_collector_ini (), command, NULL);
    cr_assert_neq (code, -1, "%s kept running on %s: %s", command, data, out.err);
    cr_assert (code > 0 && code < 128, "%s exited %d on %s, expected a refusal: %s%s",
               command, code, data, out.out, out.err);
    s_assert_unchanged (&before, data, command);
    free (before.bytes);
    return out.err;
}

//  Loads DUMP as NAME and asserts that serve and check both refuse it untouched, in one line that
//  names the data dir, the format FOUND and the format this collector reads.
static void
s_assert_format_refused (const char *name, const char *dump, const char *found)
{
    const char *data = s_load (name, dump);
    const char *commands[] = { "check", "serve" };
    for (int i = 0; i < 2; i++) {
        const char *err = s_assert_refused (data, commands[i]);
        cr_assert (s_one_line (err), "%s on %s: not one line: %s", commands[i], name, err);
        cr_assert (strstr (err, data), "%s on %s: the message does not name %s: %s",
                   commands[i], name, data, err);
        cr_assert (strstr (err, ml_h_str ("format %s ", found)),
                   "%s on %s: the message does not name the format found (%s): %s",
                   commands[i], name, found, err);
        cr_assert (strstr (err, ml_h_str ("reads %d", ML_STORE_FORMAT)),
                   "%s on %s: the message does not name the format it reads (%d): %s",
                   commands[i], name, ML_STORE_FORMAT, err);
    }
}

//  ---------------------------------------------------------------------------
//  The fixture's source ledger, counted independently of the collector

typedef struct {
    size_t rows;            //  lines of source.jsonl: one event each
    char **refs;            //  "UNIT/REF" of every row, sorted
    json_t *current;        //  ref -> the current version of each event (corrections applied,
                            //  voided events and the correction/void rows themselves left out)
} s_source_t;

static s_source_t
s_source (void)
{
    const char *path = s_fixture ("source.jsonl");
    char *text = ml_h_read (path);
    cr_assert_not_null (text, "%s: %s", path, strerror (errno));
    s_source_t src = { 0, NULL, json_object () };
    size_t cap = 1;
    for (const char *p = text; *p; p++)
        cap += *p == '\n';
    src.refs = calloc (cap, sizeof *src.refs);
    cr_assert_not_null (src.refs, "out of memory");
    for (char *save = NULL, *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save)) {
        json_error_t jerr;
        json_t *ev = json_loads (line, 0, &jerr);
        cr_assert_not_null (ev, "%s:%zu: %s", path, src.rows + 1, jerr.text);
        const char *kind = json_string_value (json_object_get (ev, "kind"));
        const char *ref = json_string_value (json_object_get (ev, "ref"));
        const char *supersedes = json_string_value (json_object_get (ev, "supersedes"));
        cr_assert (kind && ref, "%s:%zu: no kind or ref", path, src.rows + 1);
        src.refs[src.rows++] = ml_h_str ("%s/%s", FIXTURE_UNIT, ref);
        if (strcmp (kind, "correction") == 0) {
            cr_assert_not_null (json_object_get (src.current, supersedes), "%s: correction of %s", path, supersedes);
            json_object_set (src.current, supersedes, json_object_get (ev, "event"));
        }
        else
        if (strcmp (kind, "void") == 0) {
            cr_assert_eq (json_object_del (src.current, supersedes), 0, "%s: void of %s", path, supersedes);
        }
        else
            json_object_set (src.current, ref, ev);
        json_decref (ev);
    }
    ml_h_sort (src.refs, src.rows);
    return src;
}

static void
s_source_free (s_source_t *src)
{
    free (src->refs);
    json_decref (src->current);
    memset (src, 0, sizeof *src);
}

//  Current events of KIND by PERSON dated in YEAR; when FIELD is given, only those whose FIELD is
//  one of the NULL-terminated VALUES.
static int
s_count (const s_source_t *src, const char *kind, const char *person, int year,
         const char *field, const char *const *values)
{
    int n = 0;
    const char *ref;
    json_t *ev;
    json_object_foreach (src->current, ref, ev) {
        const char *k = json_string_value (json_object_get (ev, "kind"));
        const char *p = json_string_value (json_object_get (ev, "person"));
        const char *date = json_string_value (json_object_get (ev, "date"));
        if (!k || strcmp (k, kind) || !p || strcmp (p, person) || !date || atoi (date) != year)
            continue;
        bool match = !field;
        const char *v = field ? json_string_value (json_object_get (ev, field)) : NULL;
        for (int i = 0; v && values[i]; i++)
            match |= strcmp (v, values[i]) == 0;
        n += match;
    }
    return n;
}

//  Months of YEAR in which PERSON has a current reception_day.
static int
s_reception_months (const s_source_t *src, const char *person, int year)
{
    bool month[13] = { false };
    const char *ref;
    json_t *ev;
    json_object_foreach (src->current, ref, ev) {
        const char *k = json_string_value (json_object_get (ev, "kind"));
        const char *p = json_string_value (json_object_get (ev, "person"));
        const char *date = json_string_value (json_object_get (ev, "date"));
        if (k && strcmp (k, "reception_day") == 0 && p && strcmp (p, person) == 0
        &&  date && strlen (date) == 10 && atoi (date) == year) {
            int m = atoi (date + 5);
            cr_assert (m >= 1 && m <= 12, "%s: bad date %s", ref, date);
            month[m] = true;
        }
    }
    int n = 0;
    for (int m = 1; m <= 12; m++)
        n += month[m];
    return n;
}

#define MAX_IDS 64

//  Fills IDS (MAX_IDS entries, strings harness-owned) with the persons who hold ROLE from the
//  first day of YEAR to its last; returns how many.
static size_t
s_persons_with (const s_source_t *src, const char *role, int year, const char **ids)
{
    size_t n = 0;
    const char *from_max = ml_h_str ("%04d-01-01", year), *to_min = ml_h_str ("%04d-12-31", year);
    const char *ref;
    json_t *ev;
    json_object_foreach (src->current, ref, ev) {
        const char *k = json_string_value (json_object_get (ev, "kind"));
        if (!k || strcmp (k, "person") || n >= MAX_IDS)
            continue;
        size_t i;
        json_t *r;
        json_array_foreach (json_object_get (ev, "roles"), i, r) {
            const char *name = json_string_value (json_object_get (r, "role"));
            const char *from = json_string_value (json_object_get (r, "from"));
            const char *to = json_string_value (json_object_get (r, "to"));
            if (name && strcmp (name, role) == 0 && from && strcmp (from, from_max) <= 0
            &&  (!to || strcmp (to, to_min) >= 0)) {
                ids[n++] = ml_h_str ("%s", json_string_value (json_object_get (ev, "person")));
                break;
            }
        }
    }
    return n;
}

//  Number of current person events.
static size_t
s_person_count (const s_source_t *src)
{
    size_t n = 0;
    const char *ref;
    json_t *ev;
    json_object_foreach (src->current, ref, ev)
        n += strcmp (json_string_value (json_object_get (ev, "kind")), "person") == 0;
    return n;
}

//  The line of source.jsonl whose ref is REF (harness-owned, with its newline), or fails.
static const char *
s_source_line (const char *ref)
{
    char *text = ml_h_read (s_fixture ("source.jsonl"));
    const char *needle = ml_h_str ("\"ref\": \"%s\"", ref);
    for (char *save = NULL, *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
        if (strstr (line, needle))
            return ml_h_str ("%s\n", line);
    cr_assert_fail ("source.jsonl has no row with ref %s", ref);
    return NULL;
}

//  ---------------------------------------------------------------------------
//  Reports and agents

//  `massline report unit-annual --unit FIXTURE_UNIT --year YEAR --format json`, parsed.
static json_t *
s_unit_annual (int year)
{
    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, ML_CLIENT, "-c", ml_h_client_ini (), "report", "unit-annual",
                         "--unit", FIXTURE_UNIT, "--year", ml_h_str ("%d", year), "--format", "json", NULL);
    cr_assert_eq (code, 0, "report exited %d: %s", code, out.err);
    json_error_t jerr;
    json_t *report = json_loads (out.out, 0, &jerr);
    cr_assert_not_null (report, "not JSON (%s): %.300s", jerr.text, out.out);
    return report;
}

//  Rule RULE of PERSON in a unit-annual report; fails when it is not there.
static json_t *
s_rule (json_t *report, const char *person, const char *rule)
{
    size_t i, j;
    json_t *p, *r;
    json_array_foreach (json_object_get (report, "persons"), i, p) {
        if (strcmp (json_string_value (json_object_get (p, "person")), person))
            continue;
        json_array_foreach (json_object_get (p, "rules"), j, r)
            if (strcmp (json_string_value (json_object_get (r, "rule")), rule) == 0)
                return r;
        cr_assert_fail ("person %s has no rule %s", person, rule);
    }
    cr_assert_fail ("no person %s in the report", person);
    return NULL;
}

//  Asserts rule R's actual, and when REQUIRED >= 0 its required and met/unmet status.
static void
s_assert_rule (json_t *r, long actual, long required, const char *what)
{
    cr_assert_eq (json_integer_value (json_object_get (r, "actual")), actual,
                  "%s: actual %lld, counted %ld in the source", what,
                  (long long) json_integer_value (json_object_get (r, "actual")), actual);
    if (required < 0)
        return;
    cr_assert_eq (json_integer_value (json_object_get (r, "required")), required, "%s: required", what);
    const char *status = json_string_value (json_object_get (r, "status"));
    const char *want = actual >= required ? "met" : "unmet";
    cr_assert (status && strcmp (status, want) == 0, "%s: status %s, expected %s", what, status, want);
}

//  Imports FILE into the unit's agent and flushes it to the collector.
static void
s_deliver (const char *file)
{
    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, ML_AGENT, "-c", ml_h_agent_ini (FIXTURE_UNIT), "import", file, NULL);
    cr_assert_eq (code, 0, "import %s exited %d: %s", file, code, out.err);
    code = ml_h_run (&out, 120000, ML_AGENT, "-c", ml_h_agent_ini (FIXTURE_UNIT), "flush", "--timeout", "60", NULL);
    cr_assert_eq (code, 0, "flush exited %d: %s", code, out.err);
}

//  Asserts that `massline-collector check` passes and prints exactly these totals.
static void
s_assert_check (size_t events, size_t rejects)
{
    ml_h_out_t out;
    int code = ml_h_run (&out, 120000, ML_COLLECTOR, "-c", ml_h_collector_ini (), "check", NULL);
    cr_assert_eq (code, 0, "check exited %d: %s%s", code, out.out, out.err);
    cr_assert_str_eq (out.out, ml_h_str ("check: ok: %zu events, %zu rejects, 1 units, 1 agents\n",
                                         events, rejects));
}

//  ---------------------------------------------------------------------------

Test (integration, v1_store_is_read_by_the_current_collector, .init = ml_h_init, .fini = ml_h_fini)
{
    s_source_t src = s_source ();
    s_load ("v1", s_fixture_dump ());

    //  serve upgrades the store to this format: what is derived is rebuilt from the event log.
    ml_h_collector_start ();
    cr_assert_eq (ml_h_collector_events (FIXTURE_UNIT), (long) src.rows);
    json_t *r = s_unit_annual (2025);
    cr_assert_eq (json_array_size (json_object_get (r, "persons")), s_person_count (&src));

    //  2.3a: every leading cadre's contact visits (the source voids one of them).
    const char *leading[] = { "main_leader", "leader" };
    size_t checked = 0;
    const char *ids[MAX_IDS];
    for (int k = 0; k < 2; k++) {
        size_t n = s_persons_with (&src, leading[k], 2025, ids);
        for (size_t i = 0; i < n; i++, checked++)
            s_assert_rule (s_rule (r, ids[i], "2.3a"), s_count (&src, "contact_visit", ids[i], 2025, NULL, NULL),
                           CONTACT_VISITS_MIN, ml_h_str ("%s 2.3a", ids[i]));
    }
    cr_assert_gt (checked, 0, "the fixture has no leading cadre");

    //  2.3b: the fixture's deeds are all for the cadre's own point or family (V9).
    for (int k = 0; k < 2; k++) {
        size_t n = s_persons_with (&src, leading[k], 2025, ids);
        for (size_t i = 0; i < n; i++)
            s_assert_rule (s_rule (r, ids[i], "2.3b"), s_count (&src, "practical_deed", ids[i], 2025, NULL, NULL),
                           1, ml_h_str ("%s 2.3b", ids[i]));
    }

    //  4.1a: months in which the main leader received visitors (a reception day every month).
    size_t n = s_persons_with (&src, "main_leader", 2025, ids);
    cr_assert_gt (n, 0, "the fixture has no main leader");
    s_assert_rule (s_rule (r, ids[0], "4.1a"), s_reception_months (&src, ids[0], 2025), 12,
                   ml_h_str ("%s 4.1a", ids[0]));

    //  8.1b: a unit representative's studio activities (not proposals, inspections, meetings).
    static const char *const studio[] = { "studio_reception", "advice", "service", "exchange", NULL };
    n = s_persons_with (&src, "rep_unit", 2025, ids);
    cr_assert_gt (n, 0, "the fixture has no unit representative");
    s_assert_rule (s_rule (r, ids[0], "8.1b"), s_count (&src, "rep_activity", ids[0], 2025, "activity", studio),
                   REP_UNIT_MIN, ml_h_str ("%s 8.1b", ids[0]));
    json_decref (r);

    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);
    //  check replays the old log with today's derivation and finds what the upgrade stored.
    s_assert_check (src.rows, 0);
    size_t nrefs;
    char **refs = ml_h_collector_refs (&nrefs);
    ml_h_assert_same (src.refs, src.rows, refs, nrefs);
    s_source_free (&src);
    ml_h_pass ();
}

Test (integration, v1_store_takes_new_deliveries, .init = ml_h_init, .fini = ml_h_fini)
{
    s_source_t src = s_source ();
    s_load ("v1", s_fixture_dump ());
    ml_h_collector_start ();

    //  The bureau's H003 bundle is a new install: its outbox starts at seq 1 and adopts the old
    //  store's high-water mark. It sends the first contact visit's person (a duplicate), that
    //  visit itself (a duplicate by ref and content), two new visits, then another old visit
    //  with a different date (a ref conflict against the old refs).
    const char *first = NULL;
    const char *ref;
    json_t *ev;
    json_object_foreach (src.current, ref, ev)
        if (strcmp (json_string_value (json_object_get (ev, "kind")), "contact_visit") == 0
        &&  (!first || strcmp (ref, first) < 0))
            first = ml_h_str ("%s", ref);
    cr_assert_not_null (first, "the fixture has no contact visit");
    json_t *visit = json_object_get (src.current, first);
    const char *person = json_string_value (json_object_get (visit, "person"));
    const char *other = NULL;
    json_object_foreach (src.current, ref, ev)
        if (strcmp (json_string_value (json_object_get (ev, "kind")), "contact_visit") == 0
        &&  strcmp (json_string_value (json_object_get (ev, "person")), person) == 0 && strcmp (ref, first))
            other = ml_h_str ("%s", ref);
    cr_assert_not_null (other, "%s has one contact visit only", person);
    int before = s_count (&src, "contact_visit", person, 2025, NULL, NULL);

    json_t *fresh = json_deep_copy (visit);
    char *file = ml_h_str ("%s/new.jsonl", ml_h_dir ());
    char *lines = ml_h_str ("%s%s", s_source_line (ml_h_str ("%s-PS-%s", FIXTURE_UNIT, person)),
                            s_source_line (first));
    for (int i = 1; i <= 2; i++) {
        json_object_set_new (fresh, "ref", json_string (ml_h_str ("%s-UPGRADE-%d", FIXTURE_UNIT, i)));
        json_object_set_new (fresh, "date", json_string (ml_h_str ("2025-12-%02d", i)));
        char *line = json_dumps (fresh, JSON_COMPACT);
        lines = ml_h_str ("%s%s\n", lines, line);
        free (line);
    }
    json_decref (fresh);
    ml_h_write (file, lines);
    s_deliver (file);

    json_t *conflict = json_deep_copy (json_object_get (src.current, other));
    json_object_set_new (conflict, "date", json_string ("2025-12-31"));
    char *line = json_dumps (conflict, JSON_COMPACT);
    json_decref (conflict);
    ml_h_write (file = ml_h_str ("%s/conflict.jsonl", ml_h_dir ()), ml_h_str ("%s\n", line));
    free (line);
    s_deliver (file);

    cr_assert_eq (ml_h_collector_events (FIXTURE_UNIT), (long) src.rows + 2);
    json_t *status = ml_h_agent_status_json (FIXTURE_UNIT);
    cr_assert_not_null (status);
    json_t *rejected = json_object_get (status, "rejected");
    cr_assert_eq (json_array_size (rejected), 1, "the agent shows %zu rejects, expected the conflict",
                  json_array_size (rejected));
    cr_assert_str_eq (json_string_value (json_object_get (json_array_get (rejected, 0), "code")), "ref_conflict");
    cr_assert_str_eq (json_string_value (json_object_get (json_array_get (rejected, 0), "ref")), other);
    json_decref (status);

    json_t *r = s_unit_annual (2025);
    s_assert_rule (s_rule (r, person, "2.3a"), before + 2, -1, ml_h_str ("%s 2.3a after the delivery", person));
    json_decref (r);
    size_t rows = src.rows;
    s_source_free (&src);

    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);
    s_assert_check (rows + 2, 1);
    ml_h_pass ();
}

//  A format-2 store (practical deeds counted without their beneficiary) is read-only refused with
//  the way out, and rebuilt by serve: 2.3b then counts only deeds for one's own point (V9), a
//  deed for a colleague's point delivered after the upgrade is not counted, and check is clean.
Test (integration, v2_store_is_rebuilt_with_deeds_by_beneficiary, .init = ml_h_init, .fini = ml_h_fini)
{
    s_source_t src = s_source ();
    const char *data = s_load ("v2", s_with_format (s_fixture_dump (), "32"));
    const char *err = s_assert_refused (data, "check");
    cr_assert (strstr (err, "format 2 must be upgraded") && strstr (err, "serve"),
               "check on a format-2 store does not say how to upgrade: %s", err);

    ml_h_collector_start ();
    cr_assert_eq (ml_h_collector_events (FIXTURE_UNIT), (long) src.rows);
    const char *ids[MAX_IDS];
    size_t n = s_persons_with (&src, "leader", 2025, ids);
    cr_assert_geq (n, 2, "the fixture has fewer than two leaders");
    //  A deed of the first leader for the second's contact point.
    const char *point = NULL;
    const char *ref;
    json_t *ev;
    json_object_foreach (src.current, ref, ev) {
        const char *k = json_string_value (json_object_get (ev, "kind"));
        const char *p = json_string_value (json_object_get (ev, "person"));
        if (k && p && strcmp (k, "contact_point") == 0 && strcmp (p, ids[1]) == 0)
            point = ml_h_str ("%s", json_string_value (json_object_get (ev, "point")));
    }
    cr_assert_not_null (point, "%s has no contact point in the fixture", ids[1]);
    const char *file = ml_h_str ("%s/deed.jsonl", ml_h_dir ());
    //  The new agent knows the person from the roster line it sends first (a duplicate).
    ml_h_write (file, ml_h_str ("%s{\"kind\":\"practical_deed\",\"ref\":\"UPG-PD-1\",\"date\":\"2025-12-01\","
                                "\"person\":\"%s\",\"beneficiary\":\"%s\",\"title\":\"义诊\"}\n",
                                s_source_line (ml_h_str ("%s-PS-%s", FIXTURE_UNIT, ids[0])), ids[0], point));
    s_deliver (file);
    json_t *r = s_unit_annual (2025);
    for (size_t i = 0; i < 2; i++)
        s_assert_rule (s_rule (r, ids[i], "2.3b"), s_count (&src, "practical_deed", ids[i], 2025, NULL, NULL),
                       1, ml_h_str ("%s 2.3b after the upgrade from format 2", ids[i]));
    json_decref (r);
    size_t rows = src.rows;
    s_source_free (&src);
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);
    s_assert_check (rows + 1, 0);                //  the fixture's events and the new deed
    ml_h_pass ();
}

Test (integration, newer_or_unknown_store_format_is_refused_untouched, .init = ml_h_init, .fini = ml_h_fini)
{
    const char *dump = s_fixture_dump ();
    char hex[8];
    snprintf (hex, sizeof hex, "%02x", '0' + ML_STORE_FORMAT + 1);
    s_assert_format_refused ("newer", s_with_format (dump, hex), ml_h_str ("%d", ML_STORE_FORMAT + 1));
    s_assert_format_refused ("ten", s_with_format (dump, "3130"), "10");      //  "1" is its prefix
    s_assert_format_refused ("zero", s_with_format (dump, "30"), "0");
    ml_h_pass ();
}

//  A format_version that is not a format number: refused untouched, naming what this collector
//  reads. (That the message is one line and shows the bytes found: the next test.)
Test (integration, malformed_format_version_is_refused_untouched, .init = ml_h_init, .fini = ml_h_fini)
{
    const char *dump = s_fixture_dump ();
    const char *values[][2] = {
        { "newline", "310a" },                  //  "1\n"
        { "binary", "0000000000000001" },       //  1 as 8 bytes big-endian, like log_next
        { "empty", "" },
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        const char *data = s_load (values[i][0], s_with_format (dump, values[i][1]));
        const char *commands[] = { "check", "serve" };
        for (int c = 0; c < 2; c++) {
            const char *err = s_assert_refused (data, commands[c]);
            cr_assert (strstr (err, ml_h_str ("reads %d", ML_STORE_FORMAT)),
                       "%s on %s: the message does not name the format it reads: %s",
                       commands[c], values[i][0], err);
        }
    }
    ml_h_pass ();
}

Test (integration, malformed_format_version_is_named_in_one_line, .init = ml_h_init, .fini = ml_h_fini)
{
    const char *dump = s_fixture_dump ();
    const char *values[] = { "310a", "0000000000000001", "" };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        const char *data = s_load (ml_h_str ("m%zu", i), s_with_format (dump, values[i]));
        const char *commands[] = { "check", "serve" };
        for (int c = 0; c < 2; c++) {
            const char *err = s_assert_refused (data, commands[c]);
            cr_assert (s_one_line (err), "%s: not one line: %s", commands[c], err);
            cr_assert (strstr (err, ml_h_str ("%zu bytes", strlen (values[i]) / 2)),
                       "%s: the message does not give the value's size: %s", commands[c], err);
            cr_assert (!*values[i] || strstr (err, values[i]),
                       "%s: the message does not show the value (%s): %s", commands[c], values[i], err);
        }
    }
    ml_h_pass ();
}

//  A store without format_version is no store this collector wrote: refused untouched, never
//  stamped with the current format and served.
Test (integration, store_without_format_version_is_refused, .init = ml_h_init, .fini = ml_h_fini)
{
    const char *data = s_load ("nokey", s_with_format (s_fixture_dump (), NULL));
    const char *commands[] = { "check", "serve" };
    for (int c = 0; c < 2; c++) {
        const char *err = s_assert_refused (data, commands[c]);
        cr_assert (s_one_line (err), "%s: not one line: %s", commands[c], err);
        cr_assert (strstr (err, "format_version") && strstr (err, ml_h_str ("reads %d", ML_STORE_FORMAT)),
                   "%s: unclear: %s", commands[c], err);
    }
    ml_h_pass ();
}

//  A store of this collector's format that lacks a database: refused untouched, never served
//  with the database created empty (which would show no cases). (A format-1 store is rebuilt
//  from its event log by serve, whatever derived databases it has.)
Test (integration, store_missing_a_database_is_refused, .init = ml_h_init, .fini = ml_h_fini)
{
    char hex[8];
    snprintf (hex, sizeof hex, "%02x", '0' + ML_STORE_FORMAT);
    const char *data = s_load ("nocases", s_without_db (s_with_format (s_fixture_dump (), hex),
                                                        "case_years"));
    const char *commands[] = { "check", "serve" };
    for (int c = 0; c < 2; c++) {
        const char *err = s_assert_refused (data, commands[c]);
        cr_assert (s_one_line (err), "%s: not one line: %s", commands[c], err);
        cr_assert (strstr (err, data) && strstr (err, "case_years"), "%s: unclear: %s", commands[c], err);
    }
    ml_h_pass ();
}
