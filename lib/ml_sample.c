/* ml_sample.c -- spot-check samples: seeded selection, allocation, digests, sizes, appraisal. */
#include "ml_sample.h"
#include "ml_err.h"

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

//  ---------------------------------------------------------------------------------------
//  Selection: a bounded max-heap keeps the SIZE smallest (ticket, id) pairs seen so far.

typedef struct {
    unsigned char ticket[ML_SAMPLE_TICKET_LEN];  //  binary SHA-256 of "seed,id"
    const char *id;                    //  borrowed from the caller's array
    size_t index;                      //  position in the caller's array
} s_entry_t;

//  Orders entries by ticket, then id bytewise, then index (only equal for duplicate ids).
static int
s_entry_cmp (const s_entry_t *a, const s_entry_t *b)
{
    int rc = memcmp (a->ticket, b->ticket, ML_SAMPLE_TICKET_LEN);
    if (rc == 0)
        rc = strcmp (a->id, b->id);
    if (rc == 0)
        rc = (a->index > b->index) - (a->index < b->index);
    return rc;
}

static int
s_entry_qsort_cmp (const void *a, const void *b)
{
    return s_entry_cmp (a, b);
}

typedef struct {
    s_entry_t *items;                  //  heap array, largest at items[0]
    size_t count;                      //  entries held
    size_t size;                       //  entries wanted
} s_heap_t;

static void
s_heap_sift_up (s_heap_t *heap, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (s_entry_cmp (&heap->items[parent], &heap->items[i]) >= 0)
            break;
        s_entry_t tmp = heap->items[parent];
        heap->items[parent] = heap->items[i];
        heap->items[i] = tmp;
        i = parent;
    }
}

static void
s_heap_sift_down (s_heap_t *heap, size_t i)
{
    while (true) {
        size_t largest = i, left = 2 * i + 1, right = left + 1;
        if (left < heap->count && s_entry_cmp (&heap->items[left], &heap->items[largest]) > 0)
            largest = left;
        if (right < heap->count && s_entry_cmp (&heap->items[right], &heap->items[largest]) > 0)
            largest = right;
        if (largest == i)
            break;
        s_entry_t tmp = heap->items[largest];
        heap->items[largest] = heap->items[i];
        heap->items[i] = tmp;
        i = largest;
    }
}

//  Offers an entry: kept if the heap is not full or it beats the largest held.
static void
s_heap_offer (s_heap_t *heap, const s_entry_t *entry)
{
    if (heap->count < heap->size) {
        heap->items[heap->count++] = *entry;
        s_heap_sift_up (heap, heap->count - 1);
    }
    else
    if (heap->size > 0 && s_entry_cmp (entry, &heap->items[0]) < 0) {
        heap->items[0] = *entry;
        s_heap_sift_down (heap, 0);
    }
}

//  Sorts what the heap holds into ticket order, writes the indices, frees the heap.
static void
s_heap_finish (s_heap_t *heap, size_t *chosen)
{
    qsort (heap->items, heap->count, sizeof (s_entry_t), s_entry_qsort_cmp);
    for (size_t i = 0; i < heap->count; i++)
        chosen[i] = heap->items[i].index;
    free (heap->items);
    heap->items = NULL;
}

static int
s_heap_init (s_heap_t *heap, size_t n, size_t size)
{
    heap->count = 0;
    heap->size = size < n ? size : n;
    heap->items = malloc ((heap->size ? heap->size : 1) * sizeof (s_entry_t));
    return heap->items ? 0 : ML_ENOMEM;
}

//  Hashing state after absorbing "seed,", so each item costs one update of its id.
static void
s_seed_state (const char *seed, crypto_hash_sha256_state *state)
{
    if (sodium_init () < 0)
        abort ();                      //  no usable libsodium: nothing can work
    crypto_hash_sha256_init (state);
    crypto_hash_sha256_update (state, (const unsigned char *) seed, strlen (seed));
    crypto_hash_sha256_update (state, (const unsigned char *) ",", 1);
}

static void
s_ticket_from (const crypto_hash_sha256_state *seeded, const char *id, size_t len,
               unsigned char ticket[ML_SAMPLE_TICKET_LEN])
{
    crypto_hash_sha256_state state = *seeded;
    crypto_hash_sha256_update (&state, (const unsigned char *) id, len);
    crypto_hash_sha256_final (&state, ticket);
}

void
ml_sample_ticket_raw (const char *seed, const char *id, size_t len,
                      unsigned char ticket[ML_SAMPLE_TICKET_LEN])
{
    assert (seed && id);
    crypto_hash_sha256_state seeded;
    s_seed_state (seed, &seeded);
    s_ticket_from (&seeded, id, len, ticket);
}

void
ml_sample_ticket (const char *seed, const char *item_id, char hex[ML_SAMPLE_HEX_LEN])
{
    unsigned char ticket[ML_SAMPLE_TICKET_LEN];
    ml_sample_ticket_raw (seed, item_id, strlen (item_id), ticket);
    sodium_bin2hex (hex, ML_SAMPLE_HEX_LEN, ticket, sizeof ticket);
}

int
ml_sample_select (const char *seed, const char **ids, size_t n, size_t size, size_t *chosen)
{
    assert (seed && (ids || n == 0) && (chosen || size == 0 || n == 0));
    s_heap_t heap;
    if (s_heap_init (&heap, n, size))
        return ML_ENOMEM;
    crypto_hash_sha256_state seeded;
    s_seed_state (seed, &seeded);
    for (size_t i = 0; i < n; i++) {
        s_entry_t entry = { .id = ids[i], .index = i };
        s_ticket_from (&seeded, ids[i], strlen (ids[i]), entry.ticket);
        s_heap_offer (&heap, &entry);
    }
    s_heap_finish (&heap, chosen);
    return 0;
}

int
ml_sample_select_tickets (const unsigned char *tickets, const char **ids, size_t n,
                          size_t size, size_t *chosen)
{
    assert ((tickets && ids) || n == 0);
    s_heap_t heap;
    if (s_heap_init (&heap, n, size))
        return ML_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        s_entry_t entry = { .id = ids[i], .index = i };
        memcpy (entry.ticket, tickets + i * ML_SAMPLE_TICKET_LEN, ML_SAMPLE_TICKET_LEN);
        s_heap_offer (&heap, &entry);
    }
    s_heap_finish (&heap, chosen);
    return 0;
}

//  ---------------------------------------------------------------------------------------
//  Allocation: share_h = clamp (lambda w_h, lo_h, hi_h) with lambda such that the shares
//  sum to SIZE (water-filling), w_h = POP[h] or 1, lo_h = min (MINIMUM, POP[h]), hi_h =
//  POP[h]; then largest-remainder rounding. All arithmetic is exact in 64-bit integers: the
//  shares of the free strata are R w_h / W with R = SIZE minus the fixed shares and W the
//  free strata's total weight, and every product is at most 2^32 * 2^32.

typedef enum { S_FREE, S_AT_LOW, S_AT_HIGH } s_fix_t;

int
ml_sample_allocate (ml_sample_alloc_t method, const size_t *pop, size_t nstrata,
                    size_t size, size_t minimum, size_t *out)
{
    assert ((pop && out) || nstrata == 0);
    uint64_t total = 0, lows = 0;
    for (size_t h = 0; h < nstrata; h++) {
        total += pop[h];
        lows += pop[h] < minimum ? pop[h] : minimum;
    }
    if (total > UINT32_MAX)
        return ML_EINVAL;
    if (size >= total) {
        memcpy (out, pop, nstrata * sizeof (size_t));
        return 0;
    }
    if (lows > size)
        return ML_EINVAL;

    s_fix_t *fix = calloc (nstrata ? nstrata : 1, sizeof (s_fix_t));
    uint64_t *rem = calloc (nstrata ? nstrata : 1, sizeof (uint64_t));
    if (!fix || !rem) {
        free (fix);
        free (rem);
        return ML_ENOMEM;
    }
    uint64_t R, W;
    //  Each round fixes at least one stratum at a bound, so at most NSTRATA rounds.
    while (true) {
        R = size, W = 0;
        for (size_t h = 0; h < nstrata; h++) {
            uint64_t lo = pop[h] < minimum ? pop[h] : minimum;
            if (fix[h] == S_AT_LOW)
                R -= lo;
            else
            if (fix[h] == S_AT_HIGH)
                R -= pop[h];
            else
            if (pop[h] > 0)
                W += method == ML_SAMPLE_EQUAL ? 1 : pop[h];
        }
        if (W == 0)
            break;
        //  At lambda = R/W: how far the free strata below lo and above hi stray (times W).
        uint64_t deficit = 0, excess = 0;
        for (size_t h = 0; h < nstrata; h++) {
            if (fix[h] != S_FREE || pop[h] == 0)
                continue;
            uint64_t w = method == ML_SAMPLE_EQUAL ? 1 : pop[h];
            uint64_t lo = pop[h] < minimum ? pop[h] : minimum;
            if (R * w < lo * W)
                deficit += lo * W - R * w;
            if (R * w > pop[h] * W)
                excess += R * w - pop[h] * W;
        }
        if (deficit == 0 && excess == 0)
            break;
        //  Clamping adds DEFICIT and removes EXCESS: if that leaves too many, the true
        //  lambda is smaller, so the strata below lo stay there; else those above hi do.
        bool fix_low = deficit >= excess, fix_high = excess >= deficit;
        for (size_t h = 0; h < nstrata; h++) {
            if (fix[h] != S_FREE || pop[h] == 0)
                continue;
            uint64_t w = method == ML_SAMPLE_EQUAL ? 1 : pop[h];
            uint64_t lo = pop[h] < minimum ? pop[h] : minimum;
            if (fix_low && R * w < lo * W)
                fix[h] = S_AT_LOW;
            if (fix_high && R * w > pop[h] * W)
                fix[h] = S_AT_HIGH;
        }
    }
    //  Floors, then one more item to each of the largest remainders (ties: lower index).
    uint64_t given = 0;
    for (size_t h = 0; h < nstrata; h++) {
        uint64_t w = method == ML_SAMPLE_EQUAL ? 1 : pop[h];
        if (fix[h] == S_AT_LOW)
            out[h] = pop[h] < minimum ? pop[h] : minimum;
        else
        if (fix[h] == S_AT_HIGH)
            out[h] = pop[h];
        else
        if (pop[h] == 0)
            out[h] = 0;
        else {
            out[h] = (size_t) (R * w / W);
            rem[h] = R * w % W;
        }
        given += out[h];
    }
    assert (given <= size);
    for (; given < size; given++) {
        size_t best = nstrata;
        for (size_t h = 0; h < nstrata; h++)
            if (rem[h] > 0 && (best == nstrata || rem[h] > rem[best]))
                best = h;
        assert (best < nstrata);
        out[best]++;
        rem[best] = 0;
    }
    free (fix);
    free (rem);
    return 0;
}

//  ---------------------------------------------------------------------------------------
//  Digests

static int
s_strcmp_p (const void *a, const void *b)
{
    return strcmp (*(const char *const *) a, *(const char *const *) b);
}

int
ml_sample_digest_population (const char **ids, size_t n, char hex[ML_SAMPLE_HEX_LEN])
{
    assert (ids || n == 0);
    const char **sorted = malloc ((n ? n : 1) * sizeof (char *));
    if (!sorted)
        return ML_ENOMEM;
    if (n)
        memcpy (sorted, ids, n * sizeof (char *));
    qsort (sorted, n, sizeof (char *), s_strcmp_p);
    if (sodium_init () < 0)
        abort ();
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init (&state);
    for (size_t i = 0; i < n; i++) {
        crypto_hash_sha256_update (&state, (const unsigned char *) sorted[i], strlen (sorted[i]));
        crypto_hash_sha256_update (&state, (const unsigned char *) "\n", 1);
    }
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final (&state, digest);
    sodium_bin2hex (hex, ML_SAMPLE_HEX_LEN, digest, sizeof digest);
    free (sorted);
    return 0;
}

void
ml_sample_digest (const void *data, size_t len, char hex[ML_SAMPLE_HEX_LEN])
{
    assert (data || len == 0);
    if (sodium_init () < 0)
        abort ();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (digest, data ? data : (const void *) "", len);
    sodium_bin2hex (hex, ML_SAMPLE_HEX_LEN, digest, sizeof digest);
}

//  ---------------------------------------------------------------------------------------
//  Distributions. Each CDF starts from one term computed in log space with lgamma and
//  walks the tail that is smaller (away from the mean), where successive terms shrink,
//  with the ratio of neighbouring terms; it stops when a term no longer matters.

#define S_NEGLIGIBLE 1e-18

static double
s_lchoose (double n, double k)
{
    return lgamma (n + 1) - lgamma (k + 1) - lgamma (n - k + 1);
}

//  P(X <= k) for X ~ Binomial(n, p).
static double
s_binom_cdf (size_t k, size_t n, double p)
{
    if (k >= n || p <= 0)
        return 1.0;
    if (p >= 1)
        return 0.0;
    double q = 1 - p;
    bool lower = k <= n * p;           //  sum P(X <= k) directly, else 1 - P(X > k)
    size_t i = lower ? k : k + 1;
    double term = exp (s_lchoose (n, i) + i * log (p) + (n - i) * log1p (-p));
    double sum = term;
    if (lower)
        for (; i > 0 && term > sum * S_NEGLIGIBLE; i--) {
            term *= i * q / ((n - i + 1) * p);
            sum += term;
        }
    else
        for (; i < n && term > sum * S_NEGLIGIBLE; i++) {
            term *= (n - i) * p / ((i + 1) * q);
            sum += term;
        }
    return lower ? sum : 1.0 - sum;
}

//  P(X <= k) for X ~ Hypergeometric: n drawn from N items of which D are deviations.
static double
s_hyper_cdf (size_t k, size_t N, size_t D, size_t n)
{
    size_t lo = n > N - D ? n - (N - D) : 0;
    size_t hi = n < D ? n : D;
    if (k >= hi)
        return 1.0;
    if (k < lo)
        return 0.0;
    double good = (double) (N - D);
    bool lower = (double) k * N <= (double) n * D;
    size_t x = lower ? k : k + 1;
    double term = exp (s_lchoose (D, x) + s_lchoose (good, n - x) - s_lchoose (N, n));
    double sum = term;
    if (lower)
        for (; x > lo && term > sum * S_NEGLIGIBLE; x--) {
            term *= (double) x * (good - n + x) / ((double) (D - x + 1) * (n - x + 1));
            sum += term;
        }
    else
        for (; x < hi && term > sum * S_NEGLIGIBLE; x++) {
            term *= (double) (D - x) * (n - x) / ((double) (x + 1) * (good - n + x + 1));
            sum += term;
        }
    return lower ? sum : 1.0 - sum;
}

//  ceil, forgiving the last bits of a product like 300 * 0.01 = 3.0000000000000004.
static size_t
s_ceil (double x)
{
    return (size_t) ceil (x - 1e-9);
}

//  ---------------------------------------------------------------------------------------
//  Sample sizes

static bool
s_plan_valid (double C, double T, double E)
{
    return C > 0 && C < 1 && T > 0 && T < 1 && E >= 0 && E < T;
}

//  Smallest n with (1 - T)^n <= 1 - C; no plan with deviations can be smaller.
static size_t
s_zero_n (double C, double T)
{
    double alpha = 1 - C;
    size_t n = (size_t) fmax (1, ceil (log (alpha) / log1p (-T)));
    while (n > 1 && pow (1 - T, (double) (n - 1)) <= alpha)
        n--;
    while (pow (1 - T, (double) n) > alpha)
        n++;
    return n;
}

int
ml_sample_size_zero (double confidence, double tolerable, size_t *n, size_t *k)
{
    if (!s_plan_valid (confidence, tolerable, 0))
        return ML_EINVAL;
    size_t size = s_zero_n (confidence, tolerable);
    if (size > ML_SAMPLE_MAX_PLAN)
        return ML_ENOTFOUND;
    *n = size;
    *k = 0;
    return 0;
}

//  The one search behind both plans: POPULATION 0 means binomial (infinite population).
static int
s_plan (double C, double T, double E, size_t population, size_t *n, size_t *k)
{
    if (!s_plan_valid (C, T, E))
        return ML_EINVAL;
    double alpha = 1 - C;
    size_t D = population ? s_ceil (T * population) : 0;
    if (population && D == 0)
        D = 1;                         //  any tolerable rate above zero tolerates one
    size_t limit = population && population < ML_SAMPLE_MAX_PLAN ? population : ML_SAMPLE_MAX_PLAN;
    //  Without replacement fewer items can do, so only the binomial search may skip ahead.
    for (size_t size = population ? 1 : s_zero_n (C, T); size <= limit; size++) {
        size_t accept = s_ceil (size * E);
        double p = population ? s_hyper_cdf (accept, population, D, size)
                              : s_binom_cdf (accept, size, T);
        if (p <= alpha) {
            *n = size;
            *k = accept;
            return 0;
        }
    }
    if (population && population <= ML_SAMPLE_MAX_PLAN) {
        *n = population;               //  a census: the rate will be known exactly
        *k = D - 1;
        return 0;
    }
    return ML_ENOTFOUND;
}

int
ml_sample_size_binomial (double confidence, double tolerable, double expected,
                         size_t *n, size_t *k)
{
    return s_plan (confidence, tolerable, expected, 0, n, k);
}

int
ml_sample_size_hypergeometric (double confidence, double tolerable, double expected,
                               size_t population, size_t *n, size_t *k)
{
    if (population == 0)
        return ML_EINVAL;
    return s_plan (confidence, tolerable, expected, population, n, k);
}

//  ---------------------------------------------------------------------------------------
//  Appraisal

double
ml_sample_upper_bound (size_t n, size_t k, double confidence)
{
    if (k > n || !(confidence > 0 && confidence < 1))
        return NAN;
    if (k == n)
        return 1.0;
    double alpha = 1 - confidence;
    if (k == 0)
        return 1 - pow (alpha, 1.0 / n);
    //  P(X <= k | n, p) falls as p grows: bisect for the p where it equals alpha.
    double lo = 0, hi = 1;
    for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
        double mid = (lo + hi) / 2;
        if (s_binom_cdf (k, n, mid) > alpha)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

//  The regularized incomplete beta function I_X(A, B) for A, B > 0: the continued fraction
//  of Numerical Recipes (Lentz's method) on the side of X where it converges fast, the
//  other side as 1 - I_(1-X)(B, A).
static double
s_beta_cf (double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    d = 1 / (fabs (d) < tiny ? tiny : d);
    double h = d;
    for (int m = 1; m < 100000; m++) {
        double aa = m * (b - m) * x / ((a - 1 + 2 * m) * (a + 2 * m));
        d = 1 + aa * d;
        c = 1 + aa / c;
        d = 1 / (fabs (d) < tiny ? tiny : d);
        c = fabs (c) < tiny ? tiny : c;
        h *= d * c;
        aa = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 1 + 2 * m));
        d = 1 + aa * d;
        c = 1 + aa / c;
        d = 1 / (fabs (d) < tiny ? tiny : d);
        c = fabs (c) < tiny ? tiny : c;
        double step = d * c;
        h *= step;
        if (fabs (step - 1) < 1e-16)
            break;
    }
    return h;
}

static double
s_beta_inc (double a, double b, double x)
{
    if (x <= 0)
        return 0;
    if (x >= 1)
        return 1;
    double front = exp (lgamma (a + b) - lgamma (a) - lgamma (b) + a * log (x) + b * log1p (-x));
    if (x < (a + 1) / (a + b + 2))
        return front * s_beta_cf (a, b, x) / a;
    return 1 - front * s_beta_cf (b, a, 1 - x) / b;
}

//  True when X is a whole number to within 1e-9 (relative above 1).
static bool
s_whole (double x)
{
    return fabs (x - round (x)) <= 1e-9 * fmax (1, x);
}

double
ml_sample_upper_bound_real (double n, double k, double confidence)
{
    if (!(confidence > 0 && confidence < 1) || !isfinite (n) || !isfinite (k) || n < 0 || k < 0
        || k > n * (1 + 1e-12))
        return NAN;
    if (s_whole (n) && s_whole (k))
        return ml_sample_upper_bound ((size_t) llround (n), (size_t) fmin (llround (k), llround (n)), confidence);
    if (k >= n)
        return 1.0;
    double alpha = 1 - confidence;
    if (k == 0)
        return 1 - pow (alpha, 1 / n);
    //  The upper tail of Beta(k + 1, n - k) above p, I_(1-p)(n - k, k + 1), falls as p grows:
    //  bisect for the p where it equals alpha (the tail keeps its precision for small alpha).
    double lo = 0, hi = 1;
    for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
        double mid = (lo + hi) / 2;
        if (s_beta_inc (n - k, k + 1, 1 - mid) > alpha)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

static bool
s_stratum_valid (const ml_sample_stratum_t *s)
{
    return s->deviations <= s->n && s->n <= s->population;
}

int
ml_sample_appraise_stratum (const ml_sample_stratum_t *stratum, double confidence,
                            ml_sample_appraisal_t *out)
{
    assert (stratum && out);
    if (!s_stratum_valid (stratum) || !(confidence > 0 && confidence < 1))
        return ML_EINVAL;
    *out = (ml_sample_appraisal_t) { .n = stratum->n, .deviations = stratum->deviations,
                                     .confidence = confidence, .method = ML_SAMPLE_METHOD_CP,
                                     .effective_n = (double) stratum->n,
                                     .effective_deviations = (double) stratum->deviations };
    out->rate = stratum->n ? (double) stratum->deviations / stratum->n : 0;
    if (stratum->n == 0) {
        out->method = ML_SAMPLE_METHOD_NONE;
        out->effective_n = out->effective_deviations = NAN;
        out->unexamined = stratum->population ? 1 : 0;
        out->upper_bound = 1;
    }
    else
    if (stratum->n == stratum->population) {
        out->method = ML_SAMPLE_METHOD_CENSUS;
        out->effective_n = out->effective_deviations = NAN;
        out->upper_bound = out->rate;  //  a census knows its rate
    }
    else
        out->upper_bound = ml_sample_upper_bound (stratum->n, stratum->deviations, confidence);
    return 0;
}

int
ml_sample_appraise (const ml_sample_stratum_t *strata, size_t nstrata, double confidence,
                    ml_sample_appraisal_t *out)
{
    assert ((strata || nstrata == 0) && out);
    if (!(confidence > 0 && confidence < 1))
        return ML_EINVAL;
    double total = 0, examined = 0;    //  population of all strata, of examined strata
    size_t nexamined = 0, last = 0;
    bool censuses = true;              //  every examined stratum examined in full
    for (size_t h = 0; h < nstrata; h++) {
        if (!s_stratum_valid (&strata[h]))
            return ML_EINVAL;
        total += strata[h].population;
        if (strata[h].n > 0) {
            examined += strata[h].population;
            nexamined++;
            last = h;
            censuses = censuses && strata[h].n == strata[h].population;
        }
    }
    if (total == 0)
        return ML_EINVAL;
    *out = (ml_sample_appraisal_t) { .confidence = confidence, .method = ML_SAMPLE_METHOD_NONE,
                                     .effective_n = NAN, .effective_deviations = NAN,
                                     .upper_bound = 1, .unexamined = 1 };
    double rate = 0, kish = 0;         //  sum W_h k_h / n_h, sum W_h^2 / n_h
    for (size_t h = 0; h < nstrata; h++) {
        out->n += strata[h].n;
        out->deviations += strata[h].deviations;
        if (strata[h].n > 0) {
            double w = strata[h].population / examined;
            rate += w * strata[h].deviations / strata[h].n;
            kish += w * w / strata[h].n;
        }
    }
    if (nexamined == 0)
        return 0;
    out->rate = rate;
    double bound;
    if (nexamined == 1) {              //  one stratum: its own bound, as it always was
        ml_sample_appraisal_t one;
        ml_sample_appraise_stratum (&strata[last], confidence, &one);
        out->method = one.method;
        out->effective_n = one.effective_n;
        out->effective_deviations = one.effective_deviations;
        bound = one.upper_bound;
    }
    else
    if (censuses) {
        out->method = ML_SAMPLE_METHOD_CENSUS;
        bound = rate;
    }
    else {
        out->method = ML_SAMPLE_METHOD_KISH;
        out->effective_n = 1 / kish;
        out->effective_deviations = fmin (rate * out->effective_n, out->effective_n);
        bound = ml_sample_upper_bound_real (out->effective_n, out->effective_deviations, confidence);
    }
    //  What was not examined may all be deviations: it counts at rate 1 for its share.
    out->unexamined = (total - examined) / total;
    if (examined < total)
        bound = examined / total * bound + (total - examined) / total;
    out->upper_bound = fmin (1.0, bound);
    return 0;
}

//  Writes 100 X as a percentage with at most two decimals: 0.05 -> "5", 0.0774 -> "7.74".
static void
s_percent (double x, char buf[32])
{
    snprintf (buf, 32, "%.2f", 100 * x);
    char *dot = strchr (buf, '.');
    if (dot) {
        char *end = buf + strlen (buf) - 1;
        while (end > dot && *end == '0')
            *end-- = '\0';
        if (end == dot)
            *end = '\0';
    }
}

bool
ml_sample_conclude (double upper_bound, double tolerable, double confidence,
                    char *buf, size_t len)
{
    char t[32], c[32], u[32];
    s_percent (tolerable, t);
    s_percent (confidence, c);
    s_percent (upper_bound, u);
    bool below = upper_bound < tolerable;
    if (below)
        snprintf (buf, len, "the deviation rate is below %s%% with %s%% confidence", t, c);
    else
        snprintf (buf, len, "cannot conclude that the deviation rate is below %s%% with %s%% "
                  "confidence (upper bound %s%%)", t, c, u);
    return below;
}
