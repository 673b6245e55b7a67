/* ml_sample.h -- spot-check samples: seeded selection, allocation over strata, digests,
   attribute sample sizes and exact appraisal. Definitions and formulas: docs/sampling.md. */
#ifndef ML_SAMPLE_H
#define ML_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>

#define ML_SAMPLE_HEX_LEN 65           //  64 lowercase hex digits and a NUL
#define ML_SAMPLE_TICKET_LEN 32        //  a binary ticket: the raw SHA-256
#define ML_SAMPLE_MAX_PLAN 100000      //  sample-size searches give up above this n

//  ---------------------------------------------------------------------------------------
//  Selection

//  Writes into HEX the ticket of ITEM_ID under SEED: the lowercase hex SHA-256 of the
//  UTF-8 bytes of SEED "," ITEM_ID.
void ml_sample_ticket (const char *seed, const char *item_id, char hex[ML_SAMPLE_HEX_LEN]);

//  The same ticket in binary, for an id of LEN bytes (need not be NUL-terminated).
void ml_sample_ticket_raw (const char *seed, const char *id, size_t len,
                           unsigned char ticket[ML_SAMPLE_TICKET_LEN]);

//  Draws one stratum: picks the min(SIZE, N) items of IDS (N distinct NUL-terminated ids)
//  with the smallest tickets under SEED, ties by id (bytewise, as strcmp and LC_ALL=C sort),
//  and writes their indices into CHOSEN in ticket order. O(N log SIZE), IDS untouched.
//  Returns 0 or ML_ENOMEM.
int ml_sample_select (const char *seed, const char **ids, size_t n, size_t size, size_t *chosen);

//  As ml_sample_select, with the tickets already computed: TICKETS holds N binary tickets
//  of ML_SAMPLE_TICKET_LEN bytes each, in the order of IDS. Returns 0 or ML_ENOMEM.
int ml_sample_select_tickets (const unsigned char *tickets, const char **ids, size_t n,
                              size_t size, size_t *chosen);

//  How a sample size is shared among strata.
typedef enum {
    ML_SAMPLE_PROPORTIONAL,            //  in proportion to each stratum's population
    ML_SAMPLE_EQUAL,                   //  the same number from each non-empty stratum
} ml_sample_alloc_t;

//  Shares SIZE items among NSTRATA strata of populations POP (strata in id order; the
//  order breaks rounding ties) and writes each stratum's share into OUT. Each share is at
//  least min(MINIMUM, POP[h]) and at most POP[h]; what a stratum cannot hold goes to the
//  others; fractions are rounded by largest remainder. SIZE >= total gives every item.
//  Returns 0, or ML_EINVAL if the minimums alone exceed SIZE or the total exceeds 2^32.
int ml_sample_allocate (ml_sample_alloc_t method, const size_t *pop, size_t nstrata,
                        size_t size, size_t minimum, size_t *out);

//  ---------------------------------------------------------------------------------------
//  Digests

//  Writes into HEX the SHA-256 of the N ids sorted bytewise, each followed by "\n" (the
//  same as `LC_ALL=C sort items.txt | sha256sum`). IDS untouched. Returns 0 or ML_ENOMEM.
int ml_sample_digest_population (const char **ids, size_t n, char hex[ML_SAMPLE_HEX_LEN]);

//  Writes into HEX the SHA-256 of LEN bytes of DATA, a canonical record the caller built.
void ml_sample_digest (const void *data, size_t len, char hex[ML_SAMPLE_HEX_LEN]);

//  ---------------------------------------------------------------------------------------
//  Sample sizes (attribute sampling). CONFIDENCE C and TOLERABLE rate T in (0, 1);
//  EXPECTED rate E in [0, T). Each returns 0 and sets *N (items to examine) and *K (most
//  deviations that still support "rate below T"), ML_EINVAL on bad parameters, or
//  ML_ENOTFOUND if no plan has n <= ML_SAMPLE_MAX_PLAN (E too close to T).

//  Zero-deviation plan: n = ceil (ln (1 - C) / ln (1 - T)), k = 0.
int ml_sample_size_zero (double confidence, double tolerable, size_t *n, size_t *k);

//  Binomial plan: the smallest n with P(X <= k | n, T) <= 1 - C, where k = ceil (n E).
int ml_sample_size_binomial (double confidence, double tolerable, double expected,
                             size_t *n, size_t *k);

//  Hypergeometric plan for POPULATION items of which D = ceil (T N) deviate: the smallest
//  n <= N with P(X <= k) <= 1 - C, k = ceil (n E); if none, a census (n = N, k = D - 1).
int ml_sample_size_hypergeometric (double confidence, double tolerable, double expected,
                                   size_t population, size_t *n, size_t *k);

//  ---------------------------------------------------------------------------------------
//  Appraisal

//  Exact (Clopper-Pearson) one-sided upper bound at CONFIDENCE on the deviation rate after
//  K deviations in N items: the p with P(X <= K | N, p) = 1 - C (1 when K = N or N = 0).
//  Returns NaN if K > N or C is not in (0, 1).
double ml_sample_upper_bound (size_t n, size_t k, double confidence);

//  The same bound for real N >= K >= 0 (an effective size and count, need not be whole): the
//  CONFIDENCE quantile of Beta(K + 1, N - K), from the regularized incomplete beta function;
//  1 when K = N or N = 0, ml_sample_upper_bound itself when N and K are whole (to 1e-9).
//  Returns NaN if K > N, either is negative or not finite, or C is not in (0, 1).
double ml_sample_upper_bound_real (double n, double k, double confidence);

//  How an appraisal's upper bound was found (the `method` of `sample appraise`).
#define ML_SAMPLE_METHOD_CP "clopper-pearson"
#define ML_SAMPLE_METHOD_CENSUS "census (every item examined: the rate is known)"
#define ML_SAMPLE_METHOD_KISH "clopper-pearson at Kish effective size (Korn & Graubard 1998)"
#define ML_SAMPLE_METHOD_NONE "nothing examined"

//  What was found in one stratum.
typedef struct {
    size_t population;                 //  items in the stratum (N_h)
    size_t n;                          //  items examined (n_h <= N_h)
    size_t deviations;                 //  deviations found among them (k_h <= n_h)
} ml_sample_stratum_t;

//  An appraisal: what was found and what it says about the population.
typedef struct {
    size_t n;                          //  items examined
    size_t deviations;                 //  deviations found
    double rate;                       //  point estimate of the deviation rate
    double upper_bound;                //  one-sided upper bound at the confidence asked
    double confidence;                 //  that confidence
    const char *method;                //  how the bound was found: an ML_SAMPLE_METHOD_*
    double effective_n;                //  the n the bound was computed at (n*), NaN if none
    double effective_deviations;       //  the deviations at that size (k* = rate n*), or NaN
    double unexamined;                 //  population share of strata with nothing examined
} ml_sample_appraisal_t;

//  Appraises one stratum: rate k/n, upper bound Clopper-Pearson, or exactly k/N when the
//  whole stratum was examined. Returns 0 or ML_EINVAL (k > n, n > N, C not in (0, 1)).
int ml_sample_appraise_stratum (const ml_sample_stratum_t *stratum, double confidence,
                                ml_sample_appraisal_t *out);

//  Appraises NSTRATA strata together (docs/sampling.md, section 6). Over the examined strata
//  (n_h > 0), with W_h = N_h / (their population): rate = sum W_h k_h/n_h; effective size
//  n* = 1 / sum (W_h^2 / n_h) (Kish), k* = rate n*; bound U* = ml_sample_upper_bound_real
//  (n*, k*) (Korn & Graubard). One examined stratum gives its own bound, examined strata that
//  are all censuses their known rate. Strata not examined count at rate 1: the bound is
//  (1 - u) U* + u with u their population share. Returns 0 or ML_EINVAL (a stratum invalid,
//  C not in (0, 1), no population at all).
int ml_sample_appraise (const ml_sample_stratum_t *strata, size_t nstrata, double confidence,
                        ml_sample_appraisal_t *out);

//  Writes into BUF (LEN bytes) the plain conclusion for UPPER_BOUND against TOLERABLE:
//  "the deviation rate is below 5% with 95% confidence" or "cannot conclude that the
//  deviation rate is below 5% with 95% confidence (upper bound 7.74%)". Returns true for
//  the first (upper bound strictly below the tolerable rate).
bool ml_sample_conclude (double upper_bound, double tolerable, double confidence,
                         char *buf, size_t len);

#endif
