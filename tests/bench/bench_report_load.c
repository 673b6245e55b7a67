/* bench_report_load.c -- fills a collector's store with synthetic history for `ops/bench report`,
   through the store's own apply (validation, refs, roster, counters, cases: all of it), in big
   write transactions, without agents or sockets: the benchmark measures queries, not ingest.

     bench_report_load DATA_DIR MAP_MB UNITS PERSONS EVENTS FIRST_YEAR LAST_YEAR [TSV]

   UNITS units U001.. (agents named like their unit, as `massline-collector init` writes them),
   PERSONS persons spread over them (a leadership team, three branch secretaries, party members,
   two representatives and a seconded cadre per unit), EVENTS events spread evenly over the
   units and the years FIRST_YEAR..LAST_YEAR, with roughly the mix of a year of
   ops/demo-data (trips, reception days, talks, opinions with their assignment and closing,
   petitions, commitments, visits, deeds, representatives' activities), and each unit's twelve
   month closes (period_close) of every year, for the completeness report. Deterministic.
   With TSV, also writes every event as one row for PostgreSQL's COPY:
     unit, person (\N for unit-level events), kind, day, end_day, sub
   Prints "loaded N events in S s (R events/s)". */
#include "ml_err.h"
#include "ml_event.h"
#include "ml_store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TXN_EVENTS 200000           //  events per write transaction

static uint64_t s_rng = 0x9E3779B97F4A7C15ull;

static uint32_t
s_rand (uint32_t n)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return (uint32_t) (s_rng % n);
}

//  The events of one unit and year, packed, before they are applied as one batch.
typedef struct {
    ml_envelope_t *env;
    size_t n, cap;
    uint64_t next_seq;              //  per unit (= per agent)
} s_batch_t;

typedef struct {
    const char *unit;
    int persons;                    //  persons of this unit: P001..
    int year;
    int nref;                       //  refs of this unit so far (kept across years)
    s_batch_t *batch;
    FILE *tsv;
} s_gen_t;

//  Adds one event given as JSON (printf format) to the batch; the TSV row is written by caller.
static void __attribute__ ((format (printf, 2, 3)))
s_add (s_gen_t *g, const char *fmt, ...)
{
    char json[1024];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (json, sizeof json, fmt, ap);
    va_end (ap);
    ml_verr_t verr;
    char why[512];
    Massline__Event *ev = ml_event_from_jsonl (json, strlen (json), &verr);
    if (!ev) {
        fprintf (stderr, "bench_report_load: %s: %s\n", json, ml_verr_text (&verr, why, sizeof why));
        exit (1);
    }
    s_batch_t *b = g->batch;
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 4096;
        b->env = realloc (b->env, b->cap * sizeof *b->env);
        if (!b->env)
            exit (1);
    }
    size_t len;
    uint8_t *data = ml_event_pack (ev, &len);
    ml_event_free (&ev);
    b->env[b->n++] = (ml_envelope_t) { b->next_seq++, data, len };
}

static void
s_tsv (s_gen_t *g, const char *person, const char *kind, const char *day, const char *end, const char *sub)
{
    if (g->tsv)
        fprintf (g->tsv, "%s\t%s\t%s\t%s\t%s\t%s\n", g->unit, person ? person : "\\N", kind, day,
                 end ? end : day, sub ? sub : "\\N");
}

//  A random day of the year as text; DAYS later (clamped to 31 Dec) into LATER when not NULL.
static void
s_day (int year, char *buf, int later_days, char *later)
{
    ml_day_t first = ml_date_from_ymd (year, 1, 1), last = ml_date_from_ymd (year, 12, 31);
    ml_day_t d = first + (ml_day_t) s_rand ((uint32_t) (last - first + 1));
    ml_date_format (d, buf);
    if (later)
        ml_date_format (d + later_days > last ? last : d + later_days, later);
}

//  The unit's roster: P001-P002 main leaders, P003-P006 leaders, P007-P009 branch secretaries
//  of B01-B03, P010 city and P011 unit representative, P012 seconded, the rest party members.
static void
s_roster (s_gen_t *g, int first_year)
{
    for (int b = 1; b <= 3; b++) {
        s_add (g, "{\"kind\":\"org\",\"ref\":\"OG-B%02d\",\"org\":\"B%02d\",\"name\":\"第%d党支部\"}", b, b, b);
        s_tsv (g, NULL, "org", "2000-01-01", NULL, NULL);
    }
    for (int p = 1; p <= g->persons; p++) {
        const char *role = p <= 2 ? "main_leader" : p <= 6 ? "leader" : p <= 9 ? "org_head" : "party_member";
        char extra[256] = "";
        //  Representatives serve five-year terms, as in the demo ledgers.
        if (p == 10)
            snprintf (extra, sizeof extra, ",{\"role\":\"rep_city\",\"from\":\"%d-01-01\",\"frontline\":true,"
                      "\"term_from\":\"2021-09-01\",\"term_to\":\"2026-08-31\"}", first_year);
        if (p == 11)
            snprintf (extra, sizeof extra, ",{\"role\":\"rep_unit\",\"from\":\"%d-01-01\","
                      "\"term_from\":\"2022-06-01\",\"term_to\":\"2027-05-31\"}", first_year);
        if (p == 12)
            snprintf (extra, sizeof extra, ",{\"role\":\"seconded\",\"from\":\"%d-01-01\",\"category\":\"reserve\"}",
                      first_year);
        s_add (g, "{\"kind\":\"person\",\"ref\":\"PS-P%03d\",\"person\":\"P%03d\",\"name\":\"人员%03d\","
               "\"org\":\"B%02d\",\"roles\":[{\"role\":\"%s\",\"from\":\"%d-01-01\"},"
               "{\"role\":\"party_member\",\"from\":\"%d-01-01\"}%s]}",
               p, p, p, p <= 9 ? (p <= 6 ? 3 : p - 6) : 1 + p % 3, role, first_year, first_year, extra);
        s_tsv (g, NULL, "person", "2000-01-01", NULL, NULL);
    }
}

//  One draw of the event mix: 1 to 3 events (an opinion comes with its assignment and closing).
//  Returns the number of events added.
static int
s_draw (s_gen_t *g)
{
    char day[16], later[16], person[16], other[16];
    int leaders = 6, w = (int) s_rand (662), n = 1;
    snprintf (person, sizeof person, "P%03d", 1 + (int) s_rand ((uint32_t) leaders));
    s_day (g->year, day, 0, NULL);
    int ref = ++g->nref;
    if ((w -= 170) < 0) {
        int len = (int) s_rand (5);
        s_day (g->year, day, len, later);
        bool stationed = s_rand (10) == 0;
        s_add (g, "{\"kind\":\"research_trip\",\"ref\":\"E%d\",\"date\":\"%s\",\"person\":\"%s\",\"end\":\"%s\","
               "\"place\":\"丹阳市导墅镇卫生院\",\"stationed\":%s,\"unannounced\":false,\"topic\":\"基层调研\"}",
               ref, day, person, later, stationed ? "true" : "false");
        s_tsv (g, person, "research_trip", day, later, stationed ? "stationed" : NULL);
    }
    else if ((w -= 130) < 0) {
        s_day (g->year, day, 0, NULL);
        s_add (g, "{\"kind\":\"reception_day\",\"ref\":\"E%d\",\"date\":\"%s\",\"person\":\"%s\","
               "\"mode\":\"fixed_point\",\"announced\":\"%s\"}", ref, day, person, day);
        s_tsv (g, person, "reception_day", day, NULL, atoi (day + 8) <= 15 ? "a" : "b");
    }
    else if ((w -= 110) < 0) {
        //  Leaders talk with the masses; branch secretaries with their members.
        bool branch = s_rand (2) == 0;
        if (branch) {
            snprintf (person, sizeof person, "P%03d", 7 + (int) s_rand (3));
            snprintf (other, sizeof other, "P%03d", 10 + (int) s_rand ((uint32_t) (g->persons - 9)));
        }
        s_add (g, "{\"kind\":\"talk\",\"ref\":\"E%d\",\"date\":\"%s\",\"person\":\"%s\",\"with\":\"%s\","
               "\"with_category\":\"%s\",\"form\":\"individual\",\"mode\":\"in_person\"}", ref, day, person,
               branch ? other : "群众", branch ? "party_member" : "masses");
        s_tsv (g, person, "talk", day, NULL, branch ? other : "masses");
    }
    else if ((w -= 110) < 0) {
        char id[32];
        snprintf (id, sizeof id, "YJ%d-%d", g->year, ref);
        s_day (g->year, day, 5, later);
        s_add (g, "{\"kind\":\"opinion\",\"ref\":\"E%d\",\"date\":\"%s\",\"opinion\":\"%s\",\"channel\":\"forum\","
               "\"topic\":\"就医流程\"}", ref, day, id);
        s_tsv (g, NULL, "opinion", day, NULL, NULL);
        s_add (g, "{\"kind\":\"opinion_assigned\",\"ref\":\"E%da\",\"date\":\"%s\",\"opinion\":\"%s\","
               "\"department\":\"医务处\",\"deadline\":\"%d-12-31\"}", ref, day, id, g->year);
        s_tsv (g, NULL, "opinion_assigned", day, NULL, NULL);
        s_add (g, "{\"kind\":\"opinion_closed\",\"ref\":\"E%dc\",\"date\":\"%s\",\"opinion\":\"%s\","
               "\"adopted\":true,\"feedback\":\"%s\"}", ref, later, id, later);
        s_tsv (g, NULL, "opinion_closed", later, NULL, NULL);
        n = 3;
    }
    else if ((w -= 27) < 0) {
        char id[32];
        snprintf (id, sizeof id, "XF%d-%d", g->year, ref);
        s_day (g->year, day, 10, later);
        s_add (g, "{\"kind\":\"petition_case\",\"ref\":\"E%d\",\"date\":\"%s\",\"case\":\"%s\",\"person\":\"%s\","
               "\"group_size\":1,\"measures\":\"约谈\",\"responsible\":\"护理部\",\"deadline\":\"%d-12-31\"}",
               ref, day, id, person, g->year);
        s_tsv (g, person, "petition_case", day, NULL, NULL);
        s_add (g, "{\"kind\":\"petition_closed\",\"ref\":\"E%dc\",\"date\":\"%s\",\"case\":\"%s\",\"signed_by\":\"%s\"}",
               ref, later, id, person);
        s_tsv (g, NULL, "petition_closed", later, NULL, NULL);
        n = 2;
    }
    else if ((w -= 28) < 0) {
        char id[32];
        snprintf (id, sizeof id, "CN%d-%d", g->year, ref);
        snprintf (person, sizeof person, "P%03d", 10 + (int) s_rand ((uint32_t) (g->persons - 9)));
        s_day (g->year, day, 30, later);
        s_add (g, "{\"kind\":\"commitment\",\"ref\":\"E%d\",\"date\":\"%s\",\"commitment\":\"%s\",\"person\":\"%s\","
               "\"type\":\"instant\",\"deadline\":\"%d-12-31\",\"published\":\"公开栏\",\"content\":\"缩短候诊时间\"}",
               ref, day, id, person, g->year);
        s_tsv (g, person, "commitment", day, NULL, "instant");
        s_add (g, "{\"kind\":\"commitment_fulfilled\",\"ref\":\"E%df\",\"date\":\"%s\",\"commitment\":\"%s\"}",
               ref, later, id);
        s_tsv (g, NULL, "commitment_fulfilled", later, NULL, NULL);
        s_add (g, "{\"kind\":\"commitment_evaluated\",\"ref\":\"E%de\",\"date\":\"%s\",\"commitment\":\"%s\","
               "\"grade\":\"good\",\"method\":\"masses\"}", ref, later, id);
        s_tsv (g, NULL, "commitment_evaluated", later, NULL, NULL);
        n = 3;
    }
    else if ((w -= 30) < 0) {
        s_add (g, "{\"kind\":\"contact_visit\",\"ref\":\"E%d\",\"date\":\"%s\",\"person\":\"%s\",\"point\":\"SQ%s\"}",
               ref, day, person, person);
        s_tsv (g, person, "contact_visit", day, NULL, NULL);
    }
    else if ((w -= 13) < 0) {
        s_add (g, "{\"kind\":\"practical_deed\",\"ref\":\"E%d\",\"date\":\"%s\",\"person\":\"%s\","
               "\"beneficiary\":\"SQ%s\",\"title\":\"义诊\"}", ref, day, person, person);
        s_tsv (g, person, "practical_deed", day, NULL, NULL);
    }
    else if ((w -= 22) < 0) {
        snprintf (person, sizeof person, "P%03d", 10 + (int) s_rand (2));
        s_add (g, "{\"kind\":\"rep_activity\",\"ref\":\"E%d\",\"date\":\"%s\",\"person\":\"%s\","
               "\"activity\":\"studio_reception\"}", ref, day, person);
        s_tsv (g, person, "rep_activity", day, NULL, "studio_reception");
    }
    else if ((w -= 9) < 0) {
        s_add (g, "{\"kind\":\"research_report\",\"ref\":\"E%d\",\"date\":\"%s\",\"person\":\"%s\","
               "\"title\":\"调研报告\"}", ref, day, person);
        s_tsv (g, person, "research_report", day, NULL, NULL);
    }
    else if ((w -= 7) < 0) {
        s_add (g, "{\"kind\":\"research_plan\",\"ref\":\"E%d\",\"date\":\"%s\",\"person\":\"%s\"}",
               ref, day, person);
        s_tsv (g, person, "research_plan", day, NULL, NULL);
    }
    else if ((w -= 3) < 0) {
        s_add (g, "{\"kind\":\"work_item\",\"ref\":\"E%d\",\"date\":\"%s\",\"person\":\"%s\",\"title\":\"项目\"}",
               ref, day, person);
        s_tsv (g, person, "work_item", day, NULL, NULL);
    }
    else {
        s_add (g, "{\"kind\":\"results_exchange\",\"ref\":\"E%d\",\"date\":\"%s\"}", ref, day);
        s_tsv (g, NULL, "results_exchange", day, NULL, NULL);
    }
    return n;
}

static void
s_batch_clear (s_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++)
        free ((void *) b->env[i].data);
    b->n = 0;
}

int
main (int argc, char **argv)
{
    if (argc < 8 || argc > 9) {
        fprintf (stderr, "usage: bench_report_load DATA_DIR MAP_MB UNITS PERSONS EVENTS FIRST_YEAR LAST_YEAR [TSV]\n");
        return 2;
    }
    const char *dir = argv[1];
    long map_mb = atol (argv[2]);
    int units = atoi (argv[3]), persons = atoi (argv[4]);
    long events = atol (argv[5]);
    int first = atoi (argv[6]), last = atoi (argv[7]);
    if (units < 1 || units > 999 || persons < 12 * units || events < 1 || first > last) {
        fprintf (stderr, "bench_report_load: need 1..999 units, at least 12 persons per unit, first <= last year\n");
        return 2;
    }
    FILE *tsv = argc == 9 ? fopen (argv[8], "w") : NULL;
    if (argc == 9 && !tsv) {
        fprintf (stderr, "bench_report_load: cannot write %s\n", argv[8]);
        return 1;
    }
    char err[512];
    ml_store_t *store = ml_store_open (dir, map_mb, false, err, sizeof err);
    if (!store) {
        fprintf (stderr, "bench_report_load: %s\n", err);
        return 1;
    }
    struct timespec t0, t1;
    clock_gettime (CLOCK_MONOTONIC, &t0);
    s_batch_t *batches = calloc ((size_t) units, sizeof *batches);
    int *nrefs = calloc ((size_t) units, sizeof *nrefs);
    long per_unit_year = events / units / (last - first + 1), loaded = 0, in_txn = 0;
    ml_day_t today = ml_date_today ();
    ml_batch_result_t res = { 0 };
    int code = 0;
    ml_store_txn_t *txn = NULL;
    //  Year by year, unit by unit: one batch per unit and year, many batches per transaction.
    for (int year = first; year <= last; year++)
        for (int u = 0; u < units; u++) {
            char unit[16];
            snprintf (unit, sizeof unit, "U%03d", u + 1);
            int np = persons / units + (u < persons % units);
            s_gen_t g = { unit, np, year, nrefs[u], &batches[u], tsv };
            if (batches[u].next_seq == 0) {
                batches[u].next_seq = 1;
                s_roster (&g, first);
            }
            for (long n = 0; n < per_unit_year; )
                n += s_draw (&g);
            //  the unit closes each month of the year (the completeness report's input); not
            //  in the TSV: PostgreSQL's queries sum the metric events only
            for (int m = 1; m <= 12; m++)
                s_add (&g, "{\"kind\":\"period_close\",\"ref\":\"close-%d-%02d\",\"date\":\"%d-%02d-28\","
                       "\"month\":\"%d-%02d\"}", year, m, year, m, year, m);
            nrefs[u] = g.nref;
            if (!txn && !(txn = ml_store_begin (store, true, &code))) {
                fprintf (stderr, "bench_report_load: begin: %s\n", ml_strerror (code));
                return 1;
            }
            s_batch_t *b = &batches[u];
            int rc = ml_store_apply_batch (txn, unit, unit, b->env, b->n, today, (int64_t) time (NULL),
                                           &res, err, sizeof err);
            if (rc || res.nrejects) {
                fprintf (stderr, "bench_report_load: apply: %s %s %s\n", ml_strerror (rc), err,
                         res.nrejects ? res.rejects[0].reason : "");
                return 1;
            }
            loaded += (long) res.stored;
            in_txn += (long) res.stored;
            s_batch_clear (b);
            if (in_txn >= TXN_EVENTS) {
                if ((rc = ml_store_commit (&txn))) {
                    fprintf (stderr, "bench_report_load: commit: %s\n", ml_strerror (rc));
                    return 1;
                }
                in_txn = 0;
            }
        }
    if (txn && (code = ml_store_commit (&txn))) {
        fprintf (stderr, "bench_report_load: commit: %s\n", ml_strerror (code));
        return 1;
    }
    clock_gettime (CLOCK_MONOTONIC, &t1);
    double secs = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf ("loaded %ld events in %.1f s (%.0f events/s)\n", loaded, secs, (double) loaded / secs);
    for (int u = 0; u < units; u++)
        free (batches[u].env);
    free (batches);
    free (nrefs);
    ml_batch_result_free (&res);
    ml_store_close (&store);
    if (tsv && fclose (tsv) != 0) {
        fprintf (stderr, "bench_report_load: cannot write %s\n", argv[8]);
        return 1;
    }
    return 0;
}
