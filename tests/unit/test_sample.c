/* test_sample.c -- spot-check samples: tickets, selection (against the documented shell
   one-liner), allocation, digests, sample sizes and Clopper-Pearson appraisal. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_sample.h"
#include "ml_test.h"

//  The commands of docs/sampling.md, verbatim; the test checks the document holds them.
static const char *s_one_liner =
    "while IFS= read -r id || [ -n \"$id\" ]; do printf '%s %s\\n' \"$(printf '%s,%s' \"$SEED\" "
    "\"$id\" | sha256sum | cut -d' ' -f1)\" \"$id\"; done < items.txt | LC_ALL=C sort | "
    "head -n \"$SIZE\" | cut -d' ' -f2-";
static const char *s_digest_liner = "LC_ALL=C sort items.txt | sha256sum | cut -d' ' -f1";

static const char *s_seed = "3546311556112163624615351222";
static const char *s_vector[] = { "H001", "H002", "H003", "H004", "H005",
                                  "H006", "H007", "H008", "H009", "H010" };

static void
s_setup (void)
{
    cr_assert (sodium_init () >= 0);
    t_dir_setup ();
}

TestSuite (sample, .init = s_setup, .fini = t_dir_teardown);

//  Writes IDS to items.txt in the temp dir, one per line.
static void
s_write_items (const char **ids, size_t n)
{
    FILE *f = fopen (t_path ("items.txt"), "w");
    cr_assert (f);
    for (size_t i = 0; i < n; i++)
        fprintf (f, "%s\n", ids[i]);
    cr_assert (fclose (f) == 0);
}

//  Runs SCRIPT with bash in the temp dir (SEED and SIZE in its environment) and returns
//  its output lines; *COUNT gets how many. The script goes through the environment, so it
//  reaches bash exactly as written.
static char **
s_run (const char *script, const char *seed, size_t size, size_t *count)
{
    char sizetext[32], cmd[256];
    snprintf (sizetext, sizeof sizetext, "%zu", size);
    cr_assert (setenv ("SEED", seed, 1) == 0);
    cr_assert (setenv ("SIZE", sizetext, 1) == 0);
    cr_assert (setenv ("ML_SCRIPT", script, 1) == 0);
    snprintf (cmd, sizeof cmd, "cd %s && /bin/bash -c \"$ML_SCRIPT\"", t_dir ());
    FILE *p = popen (cmd, "r");
    cr_assert (p);
    char **lines = NULL, *line = NULL;
    size_t cap = 0;
    ssize_t len;
    *count = 0;
    while ((len = getline (&line, &cap, p)) > 0) {
        if (line[len - 1] == '\n')
            line[len - 1] = '\0';
        lines = realloc (lines, (*count + 1) * sizeof (char *));
        lines[(*count)++] = strdup (line);
    }
    free (line);
    cr_assert (pclose (p) == 0, "the shell command failed");
    return lines;
}

static void
s_free_lines (char **lines, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free (lines[i]);
    free (lines);
}

//  Asserts that the documented one-liner and ml_sample_select agree on IDS.
static void
s_assert_one_liner_agrees (const char *seed, const char **ids, size_t n, size_t size)
{
    s_write_items (ids, n);
    size_t want = size < n ? size : n, got;
    size_t *chosen = calloc (want + 1, sizeof (size_t));
    cr_assert (ml_sample_select (seed, ids, n, size, chosen) == 0);
    char **lines = s_run (s_one_liner, seed, size, &got);
    cr_assert_eq (got, want, "shell chose %zu items, C chose %zu", got, want);
    for (size_t i = 0; i < want; i++)
        cr_assert_str_eq (lines[i], ids[chosen[i]], "item %zu differs", i);
    s_free_lines (lines, got);
    free (chosen);
}

//  The ids of CHOSEN, for comparing samples of differently ordered inputs.
static void
s_assert_same_ids (const char **a_ids, const size_t *a, const char **b_ids, const size_t *b,
                   size_t n)
{
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq (a_ids[a[i]], b_ids[b[i]], "item %zu differs", i);
}

//  N random ids shaped like event ids, some with UTF-8 and spaces; caller frees.
static char **
s_random_ids (size_t n)
{
    static const char *units[] = { "h01", "h02", "病区3", "cdc", "a b" };
    char **ids = calloc (n, sizeof (char *));
    for (size_t i = 0; i < n; i++) {
        //  The index makes ids distinct; the random part makes their order arbitrary.
        cr_assert (asprintf (&ids[i], "%s/%u-%zu", units[randombytes_uniform (5)],
                             randombytes_uniform (1000000), i) > 0);
    }
    return ids;
}

static void
s_free_ids (char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free (ids[i]);
    free (ids);
}

//  ---------------------------------------------------------------------------------------
//  Tickets and selection

Test (sample, ticket_is_hex_sha256_of_seed_comma_id)
{
    char hex[ML_SAMPLE_HEX_LEN];
    ml_sample_ticket (s_seed, "H001", hex);
    //  printf '%s,%s' 3546311556112163624615351222 H001 | sha256sum
    cr_assert_str_eq (hex, "15538900f9c066f145b7bfd9d30a41d61799c210b0a4cd09fde1505fad07277a");
    unsigned char raw[ML_SAMPLE_TICKET_LEN], want[ML_SAMPLE_TICKET_LEN];
    ml_sample_ticket_raw (s_seed, "H001xyz", 4, raw);
    cr_assert (sodium_hex2bin (want, sizeof want, hex, 64, NULL, NULL, NULL) == 0);
    cr_assert (memcmp (raw, want, sizeof raw) == 0, "the raw ticket honours LEN");
}

Test (sample, test_vector_of_issue_4)
{
    size_t chosen[4];
    cr_assert (ml_sample_select (s_seed, s_vector, 10, 4, chosen) == 0);
    const char *want[] = { "H001", "H008", "H002", "H009" };
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq (s_vector[chosen[i]], want[i]);
}

Test (sample, documented_one_liner_agrees_on_test_vector)
{
    s_assert_one_liner_agrees (s_seed, s_vector, 10, 4);
    //  Size above the population: every item, in ticket order, both ways.
    s_assert_one_liner_agrees (s_seed, s_vector, 10, 100);
}

Test (sample, documented_one_liner_agrees_on_random_ids_and_seed, .timeout = 60)
{
    char seed[32];
    snprintf (seed, sizeof seed, "%u%u", randombytes_random (), randombytes_random ());
    size_t n = 250;                    //  the shell forks 3 processes per id: keep it modest
    char **ids = s_random_ids (n);
    s_assert_one_liner_agrees (seed, (const char **) ids, n, 25);
    s_free_ids (ids, n);
}

Test (sample, documentation_holds_the_tested_commands)
{
    const char *path = t_source_path ("docs/sampling.md");
    FILE *f = fopen (path, "r");
    cr_assert (f, "cannot open %s", path);
    static char text[65536];
    size_t len = fread (text, 1, sizeof text - 1, f);
    text[len] = '\0';
    fclose (f);
    cr_assert (strstr (text, s_one_liner), "docs/sampling.md lost the selection one-liner");
    cr_assert (strstr (text, s_digest_liner), "docs/sampling.md lost the digest one-liner");
}

Test (sample, ties_broken_by_id_bytewise)
{
    //  Equal tickets only happen if SHA-256 collides, so tickets are given here.
    const char *ids[] = { "u/b", "u/a", "u/c", "u/ab", "z" };
    unsigned char tickets[5 * ML_SAMPLE_TICKET_LEN];
    memset (tickets, 0x55, sizeof tickets);
    tickets[4 * ML_SAMPLE_TICKET_LEN] = 0x10;   //  "z" has the smallest ticket
    size_t chosen[5];
    cr_assert (ml_sample_select_tickets (tickets, ids, 5, 5, chosen) == 0);
    const char *want[] = { "z", "u/a", "u/ab", "u/b", "u/c" };
    for (size_t i = 0; i < 5; i++)
        cr_assert_str_eq (ids[chosen[i]], want[i]);
    //  With room for three, the ties are cut by id too.
    cr_assert (ml_sample_select_tickets (tickets, ids, 5, 3, chosen) == 0);
    for (size_t i = 0; i < 3; i++)
        cr_assert_str_eq (ids[chosen[i]], want[i]);
}

Test (sample, input_order_does_not_change_the_sample)
{
    size_t n = 2000;
    char **ids = s_random_ids (n);
    char **shuffled = calloc (n, sizeof (char *));
    memcpy (shuffled, ids, n * sizeof (char *));
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = randombytes_uniform ((uint32_t) i + 1);
        char *tmp = shuffled[i];
        shuffled[i] = shuffled[j];
        shuffled[j] = tmp;
    }
    size_t a[50], b[50];
    cr_assert (ml_sample_select ("seed", (const char **) ids, n, 50, a) == 0);
    cr_assert (ml_sample_select ("seed", (const char **) shuffled, n, 50, b) == 0);
    s_assert_same_ids ((const char **) ids, a, (const char **) shuffled, b, 50);
    free (shuffled);
    s_free_ids (ids, n);
}

Test (sample, other_strata_do_not_change_a_stratum)
{
    //  A stratified draw: group by unit, allocate, select per group. Unit A's share is
    //  fixed (equal allocation); unit B grows tenfold.
    size_t na = 500, nb = 500, nb_more = 5000;
    char **a = calloc (na, sizeof (char *)), **b = calloc (nb_more, sizeof (char *));
    for (size_t i = 0; i < na; i++)
        cr_assert (asprintf (&a[i], "A/%zu", i) > 0);
    for (size_t i = 0; i < nb_more; i++)
        cr_assert (asprintf (&b[i], "B/%zu", i) > 0);
    size_t before[2], after[2], pop_before[2] = { na, nb }, pop_after[2] = { na, nb_more };
    cr_assert (ml_sample_allocate (ML_SAMPLE_EQUAL, pop_before, 2, 40, 0, before) == 0);
    cr_assert (ml_sample_allocate (ML_SAMPLE_EQUAL, pop_after, 2, 40, 0, after) == 0);
    cr_assert (before[0] == 20 && after[0] == 20);
    size_t s1[20], s2[20];
    cr_assert (ml_sample_select ("s", (const char **) a, na, before[0], s1) == 0);
    cr_assert (ml_sample_select ("s", (const char **) a, na, after[0], s2) == 0);
    cr_assert (memcmp (s1, s2, sizeof s1) == 0);
    //  Proportional shares move when B grows (20 -> 4 of 40), but A keeps its first items.
    cr_assert (ml_sample_allocate (ML_SAMPLE_PROPORTIONAL, pop_after, 2, 40, 0, after) == 0);
    cr_assert_eq (after[0], 4);
    cr_assert (ml_sample_select ("s", (const char **) a, na, after[0], s2) == 0);
    cr_assert (memcmp (s1, s2, 4 * sizeof (size_t)) == 0);
    s_free_ids (a, na);
    s_free_ids (b, nb_more);
}

Test (sample, samples_are_nested)
{
    size_t n = 1000;
    char **ids = s_random_ids (n);
    size_t small[10], large[30];
    cr_assert (ml_sample_select ("nest", (const char **) ids, n, 10, small) == 0);
    cr_assert (ml_sample_select ("nest", (const char **) ids, n, 30, large) == 0);
    cr_assert (memcmp (small, large, sizeof small) == 0, "size 10 is not a prefix of size 30");
    s_free_ids (ids, n);
}

Test (sample, size_at_least_population_returns_all_in_ticket_order)
{
    size_t chosen[10];
    memset (chosen, 0xff, sizeof chosen);
    cr_assert (ml_sample_select (s_seed, s_vector, 10, 1000, chosen) == 0);
    bool seen[10] = { false };
    char prev[ML_SAMPLE_HEX_LEN] = "";
    for (size_t i = 0; i < 10; i++) {
        cr_assert (chosen[i] < 10 && !seen[chosen[i]]);
        seen[chosen[i]] = true;
        char hex[ML_SAMPLE_HEX_LEN];
        ml_sample_ticket (s_seed, s_vector[chosen[i]], hex);
        cr_assert (strcmp (prev, hex) < 0, "not in ticket order at %zu", i);
        strcpy (prev, hex);
    }
    //  Size 0 and an empty stratum choose nothing and touch nothing.
    size_t untouched = 77;
    cr_assert (ml_sample_select (s_seed, s_vector, 10, 0, &untouched) == 0);
    cr_assert (ml_sample_select (s_seed, s_vector, 0, 5, &untouched) == 0);
    cr_assert_eq (untouched, 77);
}

//  ---------------------------------------------------------------------------------------
//  Allocation

static void
s_assert_alloc (ml_sample_alloc_t method, const size_t *pop, size_t nstrata, size_t size,
                size_t minimum, const size_t *want)
{
    size_t out[16];
    cr_assert (ml_sample_allocate (method, pop, nstrata, size, minimum, out) == 0);
    for (size_t h = 0; h < nstrata; h++)
        cr_assert_eq (out[h], want[h], "stratum %zu: got %zu, want %zu", h, out[h], want[h]);
}

Test (sample, allocation_proportional_600_300_100)
{
    s_assert_alloc (ML_SAMPLE_PROPORTIONAL, (size_t[]) { 600, 300, 100 }, 3, 100, 0,
                    (size_t[]) { 60, 30, 10 });
}

Test (sample, allocation_largest_remainder_ties_by_stratum_order)
{
    //  Quotas 33.33 each: the first stratum takes the left-over item.
    s_assert_alloc (ML_SAMPLE_PROPORTIONAL, (size_t[]) { 100, 100, 100 }, 3, 100, 0,
                    (size_t[]) { 34, 33, 33 });
    s_assert_alloc (ML_SAMPLE_EQUAL, (size_t[]) { 50, 70, 90 }, 3, 10, 0,
                    (size_t[]) { 4, 3, 3 });
    //  Largest remainder, not order: 7 * 10/13 = 5.38, 7 * 3/13 = 1.62 -> 5/2.
    s_assert_alloc (ML_SAMPLE_PROPORTIONAL, (size_t[]) { 10, 3 }, 2, 7, 0,
                    (size_t[]) { 5, 2 });
}

Test (sample, allocation_minimum_and_capacity)
{
    //  The small stratum is raised to the minimum; the rest is shared 600:300.
    s_assert_alloc (ML_SAMPLE_PROPORTIONAL, (size_t[]) { 600, 300, 100 }, 3, 100, 20,
                    (size_t[]) { 53, 27, 20 });
    //  A stratum below the minimum gives all it has.
    s_assert_alloc (ML_SAMPLE_PROPORTIONAL, (size_t[]) { 1000, 3 }, 2, 50, 5,
                    (size_t[]) { 47, 3 });
    //  Equal shares of 10 do not fit in a stratum of 2: its excess goes to the others.
    s_assert_alloc (ML_SAMPLE_EQUAL, (size_t[]) { 2, 100, 100 }, 3, 30, 0,
                    (size_t[]) { 2, 14, 14 });
    //  Two strata full, the third takes the rest.
    s_assert_alloc (ML_SAMPLE_EQUAL, (size_t[]) { 1000, 4, 8 }, 3, 30, 0,
                    (size_t[]) { 18, 4, 8 });
    //  Both bounds in one round: at 14/3 each, A and B are below the minimum of 5 and C
    //  above its 3 items; C's excess is larger, so C is filled and A and B share 11.
    s_assert_alloc (ML_SAMPLE_EQUAL, (size_t[]) { 100, 100, 3 }, 3, 14, 5,
                    (size_t[]) { 6, 5, 3 });
    //  Two strata raised at once (B to the minimum, C to all it has).
    s_assert_alloc (ML_SAMPLE_PROPORTIONAL, (size_t[]) { 1000, 10, 2 }, 3, 100, 5,
                    (size_t[]) { 93, 5, 2 });
    //  Empty strata get nothing; size above the total gives everything.
    s_assert_alloc (ML_SAMPLE_EQUAL, (size_t[]) { 0, 5, 0 }, 3, 3, 1,
                    (size_t[]) { 0, 3, 0 });
    s_assert_alloc (ML_SAMPLE_PROPORTIONAL, (size_t[]) { 4, 5, 6 }, 3, 100, 0,
                    (size_t[]) { 4, 5, 6 });
}

Test (sample, allocation_refuses_minimums_that_do_not_fit)
{
    size_t out[3];
    cr_assert_eq (ml_sample_allocate (ML_SAMPLE_PROPORTIONAL, (size_t[]) { 600, 300, 100 }, 3,
                                      50, 20, out), ML_EINVAL);
    //  Minimums that just fit are fine.
    s_assert_alloc (ML_SAMPLE_PROPORTIONAL, (size_t[]) { 600, 300, 100 }, 3, 60, 20,
                    (size_t[]) { 20, 20, 20 });
}

Test (sample, allocation_properties_on_random_strata)
{
    for (int round = 0; round < 2000; round++) {
        size_t nstrata = 1 + randombytes_uniform (8), pop[8], out[8], total = 0;
        for (size_t h = 0; h < nstrata; h++)
            total += pop[h] = randombytes_uniform (4) ? randombytes_uniform (500) : 0;
        size_t size = randombytes_uniform ((uint32_t) total + 20);
        size_t minimum = randombytes_uniform (2) ? randombytes_uniform (10) : 0;
        ml_sample_alloc_t method = randombytes_uniform (2) ? ML_SAMPLE_EQUAL : ML_SAMPLE_PROPORTIONAL;
        size_t lows = 0;
        for (size_t h = 0; h < nstrata; h++)
            lows += pop[h] < minimum ? pop[h] : minimum;
        int rc = ml_sample_allocate (method, pop, nstrata, size, minimum, out);
        if (lows > size && size < total) {
            cr_assert_eq (rc, ML_EINVAL);
            continue;
        }
        cr_assert_eq (rc, 0);
        size_t sum = 0;
        for (size_t h = 0; h < nstrata; h++) {
            cr_assert (out[h] <= pop[h], "round %d: stratum over its population", round);
            cr_assert (size >= total || out[h] >= (pop[h] < minimum ? pop[h] : minimum));
            sum += out[h];
        }
        cr_assert_eq (sum, size < total ? size : total, "round %d: shares do not add up", round);
        //  Plain proportional (no bound binds): each share is its quota rounded up or down.
        if (method == ML_SAMPLE_PROPORTIONAL && minimum == 0 && size < total)
            for (size_t h = 0; h < nstrata; h++) {
                size_t floor_q = size * pop[h] / total;
                cr_assert (out[h] == floor_q || (out[h] == floor_q + 1 && size * pop[h] % total),
                           "round %d: stratum %zu off its quota", round, h);
            }
    }
}

//  ---------------------------------------------------------------------------------------
//  Digests

Test (sample, population_digest_matches_sort_sha256sum)
{
    size_t n = 200;
    char **ids = s_random_ids (n);
    s_write_items ((const char **) ids, n);
    char hex[ML_SAMPLE_HEX_LEN];
    cr_assert (ml_sample_digest_population ((const char **) ids, n, hex) == 0);
    size_t got;
    char **lines = s_run (s_digest_liner, "", 0, &got);
    cr_assert_eq (got, 1);
    cr_assert_str_eq (lines[0], hex);
    s_free_lines (lines, got);
    //  The order of the input does not matter, and the caller's array is untouched.
    char *first = ids[0];
    ids[0] = ids[n - 1];
    ids[n - 1] = first;
    char again[ML_SAMPLE_HEX_LEN];
    cr_assert (ml_sample_digest_population ((const char **) ids, n, again) == 0);
    cr_assert_str_eq (again, hex);
    cr_assert_eq (ids[n - 1], first);
    s_free_ids (ids, n);
    //  Known value: the empty population is the SHA-256 of nothing.
    cr_assert (ml_sample_digest_population (NULL, 0, hex) == 0);
    cr_assert_str_eq (hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

Test (sample, record_digest_is_sha256_hex)
{
    char hex[ML_SAMPLE_HEX_LEN];
    ml_sample_digest ("abc", 3, hex);
    cr_assert_str_eq (hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

//  ---------------------------------------------------------------------------------------
//  Sample sizes

typedef struct {
    double c, t, e;
    size_t n, k;
} s_plan_t;

//  The reference values of issue 4.
static const s_plan_t s_reference[] = {
    { 0.95, 0.05, 0.00, 59, 0 },
    { 0.90, 0.05, 0.00, 45, 0 },
    { 0.95, 0.10, 0.00, 29, 0 },
    { 0.95, 0.02, 0.00, 149, 0 },
    { 0.95, 0.04, 0.01, 156, 2 },
    { 0.95, 0.05, 0.02, 181, 4 },
};
#define S_NREF (sizeof s_reference / sizeof s_reference[0])

Test (sample, zero_deviation_plans)
{
    for (size_t i = 0; i < 4; i++) {
        size_t n = 0, k = 99;
        cr_assert (ml_sample_size_zero (s_reference[i].c, s_reference[i].t, &n, &k) == 0);
        cr_assert_eq (n, s_reference[i].n, "C %g T %g: n %zu", s_reference[i].c, s_reference[i].t, n);
        cr_assert_eq (k, 0);
    }
    //  An exact quotient: ln(0.25)/ln(0.5) = 2, not 3.
    size_t n, k;
    cr_assert (ml_sample_size_zero (0.75, 0.5, &n, &k) == 0);
    cr_assert_eq (n, 2);
}

Test (sample, binomial_plans_reproduce_reference_values)
{
    for (size_t i = 0; i < S_NREF; i++) {
        const s_plan_t *r = &s_reference[i];
        size_t n = 0, k = 99;
        cr_assert (ml_sample_size_binomial (r->c, r->t, r->e, &n, &k) == 0);
        cr_assert (n == r->n && k == r->k, "C %g T %g E %g: got %zu (%zu), want %zu (%zu)",
                   r->c, r->t, r->e, n, k, r->n, r->k);
    }
}

Test (sample, plans_refuse_bad_parameters)
{
    size_t n = 7, k = 7;
    cr_assert_eq (ml_sample_size_binomial (1.0, 0.05, 0, &n, &k), ML_EINVAL);
    cr_assert_eq (ml_sample_size_binomial (0.95, 0.0, 0, &n, &k), ML_EINVAL);
    cr_assert_eq (ml_sample_size_binomial (0.95, 0.05, 0.05, &n, &k), ML_EINVAL);
    cr_assert_eq (ml_sample_size_binomial (0.95, 0.05, -0.01, &n, &k), ML_EINVAL);
    cr_assert_eq (ml_sample_size_zero (0.95, 1.0, &n, &k), ML_EINVAL);
    cr_assert_eq (ml_sample_size_hypergeometric (0.95, 0.05, 0, 0, &n, &k), ML_EINVAL);
    cr_assert (n == 7 && k == 7, "outputs touched on failure");
    //  E just under T needs millions of items: refused, not searched for.
    cr_assert_eq (ml_sample_size_binomial (0.95, 0.05, 0.0499, &n, &k), ML_ENOTFOUND);
    cr_assert_eq (ml_sample_size_zero (0.95, 1e-6, &n, &k), ML_ENOTFOUND);
}

Test (sample, hypergeometric_converges_to_binomial)
{
    for (size_t i = 0; i < S_NREF; i++) {
        const s_plan_t *r = &s_reference[i];
        size_t n, k;
        cr_assert (ml_sample_size_hypergeometric (r->c, r->t, r->e, 1000000, &n, &k) == 0);
        cr_assert (n == r->n && k == r->k, "N 1e6, C %g T %g E %g: got %zu (%zu)",
                   r->c, r->t, r->e, n, k);
    }
}

Test (sample, hypergeometric_small_populations_need_fewer)
{
    //  Independently computed with exact integer binomial coefficients (Python math.comb).
    static const size_t want100[S_NREF][2] = {
        { 45, 0 }, { 37, 0 }, { 25, 0 }, { 78, 0 }, { 75, 1 }, { 81, 2 } };
    static const size_t want1000[S_NREF][2] = {
        { 57, 0 }, { 44, 0 }, { 29, 0 }, { 138, 0 }, { 148, 2 }, { 146, 3 } };
    for (size_t i = 0; i < S_NREF; i++) {
        const s_plan_t *r = &s_reference[i];
        size_t n, k;
        cr_assert (ml_sample_size_hypergeometric (r->c, r->t, r->e, 100, &n, &k) == 0);
        cr_assert (n == want100[i][0] && k == want100[i][1], "N 100 row %zu: %zu (%zu)", i, n, k);
        cr_assert (n < r->n);
        cr_assert (ml_sample_size_hypergeometric (r->c, r->t, r->e, 1000, &n, &k) == 0);
        cr_assert (n == want1000[i][0] && k == want1000[i][1], "N 1000 row %zu: %zu (%zu)", i, n, k);
    }
}

Test (sample, hypergeometric_never_exceeds_population)
{
    for (size_t N = 1; N <= 300; N++)
        for (size_t i = 0; i < S_NREF; i++) {
            const s_plan_t *r = &s_reference[i];
            size_t n, k;
            cr_assert (ml_sample_size_hypergeometric (r->c, r->t, r->e, N, &n, &k) == 0);
            cr_assert (n >= 1 && n <= N, "N %zu row %zu: n %zu", N, i, n);
            cr_assert (n <= r->n, "N %zu row %zu: n %zu above the binomial", N, i, n);
        }
    //  Ten items, 5% tolerable: one deviation could hide anywhere, so look at all ten.
    size_t n, k;
    cr_assert (ml_sample_size_hypergeometric (0.95, 0.05, 0, 10, &n, &k) == 0);
    cr_assert (n == 10 && k == 0);
    //  7% of 100 is 7 deviations, though 0.07 * 100 is 7.000000000000001 in binary.
    cr_assert (ml_sample_size_hypergeometric (0.95, 0.07, 0, 100, &n, &k) == 0);
    cr_assert (n == 34 && k == 0, "n %zu: D was not 7", n);
    //  No n qualifies when E and T round to the same count: a census with k = D - 1.
    cr_assert (ml_sample_size_hypergeometric (0.95, 0.10, 0.09, 10, &n, &k) == 0);
    cr_assert (n == 10 && k == 0);
}

//  ---------------------------------------------------------------------------------------
//  Appraisal

Test (sample, clopper_pearson_reference_values)
{
    //  To two decimals of a percent, as issue 4 gives them ...
    cr_assert_eq (lround (ml_sample_upper_bound (59, 0, 0.95) * 10000), 495);
    cr_assert_eq (lround (ml_sample_upper_bound (150, 3, 0.95) * 10000), 509);
    cr_assert_eq (lround (ml_sample_upper_bound (150, 6, 0.95) * 10000), 774);
    //  ... and to 1e-9 against an independent computation (exact sums, bisection).
    cr_assert_float_eq (ml_sample_upper_bound (59, 0, 0.95), 0.04950760988822695, 1e-9);
    cr_assert_float_eq (ml_sample_upper_bound (150, 3, 0.95), 0.05087706797852393, 1e-9);
    cr_assert_float_eq (ml_sample_upper_bound (150, 6, 0.95), 0.0774179971598718, 1e-9);
}

Test (sample, clopper_pearson_edges)
{
    cr_assert_eq (ml_sample_upper_bound (10, 10, 0.95), 1.0);
    cr_assert_eq (ml_sample_upper_bound (0, 0, 0.95), 1.0);
    cr_assert (isnan (ml_sample_upper_bound (10, 11, 0.95)));
    cr_assert (isnan (ml_sample_upper_bound (10, 1, 1.0)));
    //  k = n - 1 has a closed form too: 1 - p^n = alpha, p = (1 - alpha)^(1/n).
    cr_assert_float_eq (ml_sample_upper_bound (20, 19, 0.95), pow (0.95, 1.0 / 20), 1e-12);
    //  More deviations, or more confidence, never lower the bound.
    double prev = 0;
    for (size_t k = 0; k <= 150; k++) {
        double u = ml_sample_upper_bound (150, k, 0.95);
        cr_assert (u > prev, "k %zu: %g not above %g", k, u, prev);
        cr_assert (ml_sample_upper_bound (150, k, 0.99) >= u);
        prev = u;
    }
    //  Large samples stay finite and sensible.
    double u = ml_sample_upper_bound (1000000, 50000, 0.95);
    cr_assert (u > 0.05 && u < 0.0504, "%g", u);
}

Test (sample, plans_and_bounds_agree)
{
    //  Finding the acceptable number of deviations supports "below T".
    for (size_t i = 0; i < S_NREF; i++) {
        const s_plan_t *r = &s_reference[i];
        double u = ml_sample_upper_bound (r->n, r->k, r->c);
        cr_assert (u <= r->t, "row %zu: bound %g above %g", i, u, r->t);
        char text[200];
        cr_assert (ml_sample_conclude (u, r->t, r->c, text, sizeof text));
        //  One deviation more does not.
        cr_assert (ml_sample_upper_bound (r->n, r->k + 1, r->c) > r->t);
    }
}

Test (sample, appraise_one_stratum)
{
    ml_sample_appraisal_t a;
    ml_sample_stratum_t s = { .population = 5000, .n = 150, .deviations = 6 };
    cr_assert (ml_sample_appraise_stratum (&s, 0.95, &a) == 0);
    cr_assert (a.n == 150 && a.deviations == 6 && a.confidence == 0.95);
    cr_assert_float_eq (a.rate, 0.04, 1e-15);
    cr_assert_float_eq (a.upper_bound, ml_sample_upper_bound (150, 6, 0.95), 1e-15);
    //  A census knows its rate.
    s = (ml_sample_stratum_t) { .population = 40, .n = 40, .deviations = 2 };
    cr_assert (ml_sample_appraise_stratum (&s, 0.95, &a) == 0);
    cr_assert_float_eq (a.upper_bound, 0.05, 1e-15);
    //  Impossible findings are refused.
    s = (ml_sample_stratum_t) { .population = 40, .n = 10, .deviations = 11 };
    cr_assert_eq (ml_sample_appraise_stratum (&s, 0.95, &a), ML_EINVAL);
    s = (ml_sample_stratum_t) { .population = 40, .n = 41, .deviations = 0 };
    cr_assert_eq (ml_sample_appraise_stratum (&s, 0.95, &a), ML_EINVAL);
}

//  Reference values of the effective-size bound, computed independently of this code with
//  Debian's python3-scipy 1.10.1: U(n, k, C) = scipy.stats.beta.ppf (C, k + 1, n - k), and for
//  a design n* = 1 / sum (W_h^2 / n_h), k* = n* sum (W_h k_h / n_h), W_h = N_h / sum N_h
//  (the script: rate, n*, k*, then beta.ppf, printed with %.17g).

Test (sample, clopper_pearson_at_real_sizes_reference_values)
{
    static const struct { double n, k, c, want; } ref[] = {
        { 37.5, 2.25, 0.95, 0.16759117442403221 },
        { 10.7, 0.3, 0.90, 0.23363028366775962 },
        { 150.3, 6.2, 0.99, 0.096040991613988907 },
        { 7.5, 0, 0.95, 0.3292984130754788 },
        { 5.5, 5.0, 0.95, 0.9996584550683052 },
        { 1000.5, 49.7, 0.95, 0.062501047812955332 },
        { 2.5, 1.25, 0.95, 0.95641655541850767 },
        { 2.9411764705882351, 0.88235294117647045, 0.95, 0.85086468237068658 },
        { 43.478260869565219, 1.0869565217391306, 0.95, 0.10754684397572628 },
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        double u = ml_sample_upper_bound_real (ref[i].n, ref[i].k, ref[i].c);
        cr_assert_float_eq (u, ref[i].want, 1e-10, "n %g, k %g: %.17g, scipy %.17g", ref[i].n,
                            ref[i].k, u, ref[i].want);
    }
}

Test (sample, clopper_pearson_at_real_sizes_edges)
{
    //  Whole numbers give the integer bound itself, bit for bit.
    cr_assert_eq (ml_sample_upper_bound_real (20, 1, 0.95), ml_sample_upper_bound (20, 1, 0.95));
    cr_assert_eq (ml_sample_upper_bound_real (150, 6, 0.95), ml_sample_upper_bound (150, 6, 0.95));
    cr_assert_eq (ml_sample_upper_bound_real (19.9999999999999, 0.99999999999999989, 0.95),
                  ml_sample_upper_bound (20, 1, 0.95));
    //  ... and the incomplete beta is continuous into them.
    cr_assert_float_eq (ml_sample_upper_bound_real (20, 1.000001, 0.95), ml_sample_upper_bound (20, 1, 0.95), 1e-6);
    cr_assert_float_eq (ml_sample_upper_bound_real (150.000001, 6, 0.95), ml_sample_upper_bound (150, 6, 0.95), 1e-6);
    //  k* = n*: nothing bounds the rate below 1; n* = 0: nothing known.
    cr_assert_eq (ml_sample_upper_bound_real (7.25, 7.25, 0.95), 1.0);
    cr_assert_eq (ml_sample_upper_bound_real (0, 0, 0.95), 1.0);
    cr_assert (isnan (ml_sample_upper_bound_real (7.25, 7.5, 0.95)));
    cr_assert (isnan (ml_sample_upper_bound_real (-1, 0, 0.95)));
    cr_assert (isnan (ml_sample_upper_bound_real (NAN, 0, 0.95)));
    cr_assert (isnan (ml_sample_upper_bound_real (10.5, 1, 1.0)));
    //  More deviations or more confidence never lower it; a larger n* with the same rate does.
    double prev = 0;
    for (double k = 0.25; k < 30; k += 0.5) {
        double u = ml_sample_upper_bound_real (30.5, k, 0.95);
        cr_assert (u > prev, "k %g: %g not above %g", k, u, prev);
        cr_assert (ml_sample_upper_bound_real (30.5, k, 0.99) > u);
        cr_assert (ml_sample_upper_bound_real (61, 2 * k, 0.95) < u);
        prev = u;
    }
}

Test (sample, appraise_proportional_strata_is_the_pooled_bound)
{
    //  Issue 11: 20 items in proportional strata 12/6/2, one deviation. The old sum of
    //  per-stratum bounds said 39.875905198454631% (scipy, as above); the pooled exact bound
    //  of a self-weighting sample is 21.610616420684731%.
    ml_sample_stratum_t strata[] = {
        { .population = 60, .n = 12, .deviations = 1 },
        { .population = 30, .n = 6, .deviations = 0 },
        { .population = 10, .n = 2, .deviations = 0 },
    };
    ml_sample_appraisal_t a;
    cr_assert (ml_sample_appraise (strata, 3, 0.95, &a) == 0);
    cr_assert (a.n == 20 && a.deviations == 1 && a.confidence == 0.95);
    cr_assert_float_eq (a.rate, 0.05, 1e-15);
    cr_assert_float_eq (a.effective_n, 20, 1e-12);
    cr_assert_float_eq (a.effective_deviations, 1, 1e-12);
    cr_assert_str_eq (a.method, ML_SAMPLE_METHOD_KISH);
    cr_assert_eq (a.upper_bound, ml_sample_upper_bound (20, 1, 0.95));
    cr_assert_float_eq (a.upper_bound, 0.21610616420684731, 1e-12);
    //  Wherever the deviation is: still a self-weighting sample.
    strata[0].deviations = 0;
    strata[2].deviations = 1;
    cr_assert (ml_sample_appraise (strata, 3, 0.95, &a) == 0);
    cr_assert_eq (a.upper_bound, ml_sample_upper_bound (20, 1, 0.95));
    //  600/300/100 with 60/30/10 and 0/3/1 deviations: the pooled U(100, 4) = 0.089196250158879872.
    ml_sample_stratum_t big[] = {
        { .population = 600, .n = 60, .deviations = 0 },
        { .population = 300, .n = 30, .deviations = 3 },
        { .population = 100, .n = 10, .deviations = 1 },
    };
    cr_assert (ml_sample_appraise (big, 3, 0.95, &a) == 0);
    cr_assert_float_eq (a.rate, 0.6 * 0 + 0.3 * 0.1 + 0.1 * 0.1, 1e-15);
    cr_assert_eq (a.upper_bound, ml_sample_upper_bound (100, 4, 0.95));
    cr_assert_float_eq (a.upper_bound, 0.089196250158879872, 1e-12);
}

Test (sample, appraise_unequal_strata_at_the_effective_size)
{
    //  Equal allocation over 600/300/100: 20 each, 0/1/2 deviations. rate 0.025, n* =
    //  43.478260869565219, k* = 1.0869565217391306, bound 0.10754684397572628 (scipy).
    ml_sample_stratum_t strata[] = {
        { .population = 600, .n = 20, .deviations = 0 },
        { .population = 300, .n = 20, .deviations = 1 },
        { .population = 100, .n = 20, .deviations = 2 },
    };
    ml_sample_appraisal_t a;
    cr_assert (ml_sample_appraise (strata, 3, 0.95, &a) == 0);
    cr_assert_str_eq (a.method, ML_SAMPLE_METHOD_KISH);
    cr_assert_float_eq (a.rate, 0.025, 1e-15);
    cr_assert_float_eq (a.effective_n, 43.478260869565219, 1e-12);
    cr_assert_float_eq (a.effective_deviations, 1.0869565217391306, 1e-12);
    cr_assert_float_eq (a.upper_bound, 0.10754684397572628, 1e-10);
    cr_assert_eq (a.unexamined, 0);
    //  The per-stratum bounds it replaces would have said 0.6 U(20,0) + 0.3 U(20,1) + 0.1 U(20,2).
    double old = 0.6 * ml_sample_upper_bound (20, 0, 0.95) + 0.3 * ml_sample_upper_bound (20, 1, 0.95)
               + 0.1 * ml_sample_upper_bound (20, 2, 0.95);
    cr_assert (a.upper_bound < old - 0.05, "%g, old %g", a.upper_bound, old);
    //  One stratum alone is its own Clopper-Pearson bound, exactly as before.
    cr_assert (ml_sample_appraise (&strata[1], 1, 0.95, &a) == 0);
    cr_assert_eq (a.upper_bound, ml_sample_upper_bound (20, 1, 0.95));
    cr_assert_str_eq (a.method, ML_SAMPLE_METHOD_CP);
    //  Examined strata that are all censuses know the rate.
    ml_sample_stratum_t census[] = {
        { .population = 40, .n = 40, .deviations = 2 },
        { .population = 10, .n = 10, .deviations = 0 },
    };
    cr_assert (ml_sample_appraise (census, 2, 0.95, &a) == 0);
    cr_assert_str_eq (a.method, ML_SAMPLE_METHOD_CENSUS);
    cr_assert_float_eq (a.upper_bound, 0.04, 1e-15);
    cr_assert (ml_sample_appraise (&census[0], 1, 0.95, &a) == 0);
    cr_assert_eq (a.upper_bound, 0.05);
}

Test (sample, appraise_unexamined_stratum_counts_fully_against)
{
    ml_sample_stratum_t strata[] = {
        { .population = 900, .n = 59, .deviations = 0 },
        { .population = 100, .n = 0, .deviations = 0 },
    };
    ml_sample_appraisal_t a;
    cr_assert (ml_sample_appraise (strata, 2, 0.95, &a) == 0);
    cr_assert_float_eq (a.rate, 0.0, 1e-15);
    cr_assert_float_eq (a.upper_bound, 0.9 * ml_sample_upper_bound (59, 0, 0.95) + 0.1, 1e-15);
    cr_assert_float_eq (a.unexamined, 0.1, 1e-15);
    //  Several examined strata: the effective-size bound over them (W_h = N_h / 900: rate
    //  1/60, n* = 36, k* = 0.6, U = 0.10799379317785272 by scipy), the unexamined 10% at rate 1.
    ml_sample_stratum_t three[] = {
        { .population = 600, .n = 20, .deviations = 0 },
        { .population = 300, .n = 20, .deviations = 1 },
        { .population = 100, .n = 0, .deviations = 0 },
    };
    cr_assert (ml_sample_appraise (three, 3, 0.95, &a) == 0);
    cr_assert_float_eq (a.rate, 1.0 / 60, 1e-15);
    cr_assert_float_eq (a.effective_n, 36, 1e-12);
    cr_assert_float_eq (a.upper_bound, 0.19719441386006747, 1e-10);
    //  Nothing examined at all: nothing known.
    three[0].n = three[1].n = three[1].deviations = 0;
    cr_assert (ml_sample_appraise (three, 3, 0.95, &a) == 0);
    cr_assert_eq (a.upper_bound, 1.0);
    cr_assert_str_eq (a.method, ML_SAMPLE_METHOD_NONE);
    //  The rate is estimated from the examined strata only.
    strata[0].deviations = 5;
    strata[0].n = 50;
    cr_assert (ml_sample_appraise (strata, 2, 0.95, &a) == 0);
    cr_assert_float_eq (a.rate, 0.1, 1e-15);
    //  Nothing to appraise, or an impossible stratum: refused.
    ml_sample_stratum_t empty = { 0, 0, 0 };
    cr_assert_eq (ml_sample_appraise (&empty, 1, 0.95, &a), ML_EINVAL);
    strata[1].deviations = 1;
    cr_assert_eq (ml_sample_appraise (strata, 2, 0.95, &a), ML_EINVAL);
}

Test (sample, conclusion_texts)
{
    char text[200];
    cr_assert (ml_sample_conclude (ml_sample_upper_bound (59, 0, 0.95), 0.05, 0.95, text,
                                   sizeof text));
    cr_assert_str_eq (text, "the deviation rate is below 5% with 95% confidence");
    cr_assert (!ml_sample_conclude (ml_sample_upper_bound (150, 6, 0.95), 0.05, 0.95, text,
                                    sizeof text));
    cr_assert_str_eq (text, "cannot conclude that the deviation rate is below 5% with 95% "
                      "confidence (upper bound 7.74%)");
    //  Equal is not below.
    cr_assert (!ml_sample_conclude (0.025, 0.025, 0.9, text, sizeof text));
    cr_assert_str_eq (text, "cannot conclude that the deviation rate is below 2.5% with 90% "
                      "confidence (upper bound 2.5%)");
}
