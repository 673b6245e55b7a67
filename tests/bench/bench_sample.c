/* bench_sample.c -- the helpers of `ops/bench sample`: load a collector's store with many events
   through the store's own ingest path (fast: no agents, no network), and the baseline, SHA-256 of
   the same item ids in a tight loop.

     bench_sample load DATADIR UNITS PER_UNIT    events of 2025 in units B001.., agent = unit
     bench_sample hash UNITS PER_UNIT SEED       tickets of the same ids, timed
   Each prints one line: "NAME events=N seconds=S [cpu=C] rate=R". */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ml_event.h"
#include "ml_store.h"

#define BATCH 20000

static double
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

//  CPU seconds of this process: on a busy machine a fairer yardstick than the wall clock.
static double
s_cpu (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
s_fail (const char *what)
{
    fprintf (stderr, "bench_sample: %s\n", what);
    exit (1);
}

//  Event SEQ (1 = the person) of a unit: a reception day, a contact visit or a talk of 2025.
static uint8_t *
s_event (long seq, size_t *len)
{
    char ref[32], date[16];
    snprintf (ref, sizeof ref, "R%07ld", seq);
    snprintf (date, sizeof date, "2025-%02ld-%02ld", seq % 12 + 1, seq % 28 + 1);
    Massline__Event ev = MASSLINE__EVENT__INIT;
    Massline__Person person = MASSLINE__PERSON__INIT;
    Massline__Role role = MASSLINE__ROLE__INIT, *roles[1] = { &role };
    Massline__ReceptionDay rd = MASSLINE__RECEPTION_DAY__INIT;
    Massline__ContactVisit cv = MASSLINE__CONTACT_VISIT__INIT;
    Massline__Talk talk = MASSLINE__TALK__INIT;
    ev.ref = ref;
    if (seq == 1) {
        person.person = "P001";
        person.name = "张伟";
        role.role = MASSLINE__ROLE__ID__leader;
        role.from = "2025-01-01";
        person.roles = roles;
        person.n_roles = 1;
        ev.body_case = MASSLINE__EVENT__BODY_PERSON;
        ev.person = &person;
    }
    else
    if (seq % 3 == 0) {
        rd.date = date;
        rd.person = "P001";
        rd.mode = MASSLINE__RECEPTION_DAY__MODE__open;
        ev.body_case = MASSLINE__EVENT__BODY_RECEPTION_DAY;
        ev.reception_day = &rd;
    }
    else
    if (seq % 3 == 1) {
        cv.date = date;
        cv.person = "P001";
        cv.point = "社区卫生服务中心";
        ev.body_case = MASSLINE__EVENT__BODY_CONTACT_VISIT;
        ev.contact_visit = &cv;
    }
    else {
        talk.date = date;
        talk.person = "P001";
        talk.with = "群众";
        talk.with_category = MASSLINE__TALK__WITH_CATEGORY__masses;
        ev.body_case = MASSLINE__EVENT__BODY_TALK;
        ev.talk = &talk;
    }
    return ml_event_pack (&ev, len);
}

static int
s_load (const char *dir, long units, long per_unit)
{
    char err[512];
    ml_store_t *store = ml_store_open (dir, 4096, false, err, sizeof err);
    if (!store)
        s_fail (err);
    ml_envelope_t *env = calloc (BATCH, sizeof *env);
    ml_batch_result_t res = { 0 };
    ml_day_t today = ml_date_from_ymd (2026, 11, 26);
    if (!env)
        s_fail ("out of memory");
    double t0 = s_now ();
    for (long u = 1; u <= units; u++) {
        char unit[32];
        snprintf (unit, sizeof unit, "B%03ld", u);
        for (long first = 1; first <= per_unit; first += BATCH) {
            size_t n = 0;
            for (long seq = first; seq < first + BATCH && seq <= per_unit; seq++, n++) {
                env[n].seq = (uint64_t) seq;
                env[n].data = s_event (seq, &env[n].len);
            }
            int code = 0;
            ml_store_txn_t *txn = ml_store_begin (store, true, &code);
            if (!txn
            ||  ml_store_apply_batch (txn, unit, unit, env, n, today, 1700000000, &res, err, sizeof err)
            ||  ml_store_commit (&txn))
                s_fail ("apply failed");
            if (res.nrejects)
                s_fail (res.rejects[0].reason);
            for (size_t i = 0; i < n; i++)
                free ((void *) env[i].data);
        }
    }
    double secs = s_now () - t0;
    long total = units * per_unit;
    printf ("load events=%ld seconds=%.3f rate=%.0f\n", total, secs, total / secs);
    ml_batch_result_free (&res);
    free (env);
    ml_store_close (&store);
    return 0;
}

//  The limit: one SHA-256 of "SEED,ID" per item id of the population, nothing else.
static int
s_hash (long units, long per_unit, const char *seed)
{
    long total = units * (per_unit - 1);
    char **ids = malloc ((size_t) total * sizeof *ids);
    long n = 0;
    for (long u = 1; u <= units; u++)
        for (long seq = 2; seq <= per_unit; seq++)
            if (asprintf (&ids[n++], "%s,B%03ld/R%07ld", seed, u, seq) < 0)
                s_fail ("out of memory");
    if (sodium_init () < 0)
        s_fail ("sodium_init");
    unsigned char out[crypto_hash_sha256_BYTES], acc = 0;
    double t0 = s_now (), c0 = s_cpu ();
    for (long i = 0; i < n; i++) {
        crypto_hash_sha256 (out, (const unsigned char *) ids[i], strlen (ids[i]));
        acc ^= out[0];
    }
    double secs = s_now () - t0, cpu = s_cpu () - c0;
    printf ("hash events=%ld seconds=%.3f cpu=%.3f rate=%.0f (xor %02x)\n", n, secs, cpu, n / secs, acc);
    for (long i = 0; i < n; i++)
        free (ids[i]);
    free (ids);
    return 0;
}

int
main (int argc, char **argv)
{
    if (argc == 5 && strcmp (argv[1], "load") == 0)
        return s_load (argv[2], atol (argv[3]), atol (argv[4]));
    if (argc == 5 && strcmp (argv[1], "hash") == 0)
        return s_hash (atol (argv[2]), atol (argv[3]), argv[4]);
    fprintf (stderr, "usage: bench_sample load DATADIR UNITS PER_UNIT | hash UNITS PER_UNIT SEED\n");
    return 2;
}
