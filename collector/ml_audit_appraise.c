/* ml_audit_appraise.c -- the appraisal of a sample's findings: per stratum and overall, the
   deviation rate and its upper bound at a confidence, against the tolerable rate. The overall
   bound is ml_sample_appraise's: Clopper-Pearson at the Kish effective size (docs/sampling.md). */
#include "ml_audit_private.h"
#include "ml_err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

// ---------------------------------------------------------------------------
// Appraisal.

//  A number for JSON: reals as they are, NaN as null.
static json_t *
s_real (double x)
{
    return isfinite (x) ? json_real (x) : json_null ();
}

//  The JSON of one appraisal: of stratum S (its id, population and size first), or overall.
static json_t *
s_appraisal_json (const json_t *s, const ml_sample_appraisal_t *a, size_t not_found, double tolerable)
{
    char text[256];
    bool below = ml_sample_conclude (a->upper_bound, tolerable, a->confidence, text, sizeof text);
    json_t *out = s ? json_pack ("{s:O, s:O, s:O}", "stratum", json_object_get (s, "stratum"),
                                 "population", json_object_get (s, "population"),
                                 "size", json_object_get (s, "size"))
                    : json_object ();
    json_t *rest = json_pack ("{s:I, s:I, s:I, s:o, s:o, s:f, s:f, s:b, s:s, s:s}", "n", (json_int_t) a->n,
                              "deviations", (json_int_t) a->deviations, "not_found", (json_int_t) not_found,
                              "rate", a->n ? s_real (a->rate) : json_null (),
                              "upper_bound", s_real (a->upper_bound), "confidence", a->confidence,
                              "tolerable", tolerable, "below_tolerable", below, "conclusion", text,
                              "method", a->method);
    //  Overall: the size and count the bound was computed at, and the share it charges at rate 1.
    json_t *overall = s ? NULL
                        : json_pack ("{s:o, s:o, s:f}", "effective_n", s_real (a->effective_n),
                                     "effective_deviations", s_real (a->effective_deviations),
                                     "unexamined_share", a->unexamined);
    if (!out || !rest || (!s && !overall) || json_object_update (out, rest)
        || (overall && json_object_update (out, overall))) {
        json_decref (out);
        out = NULL;
    }
    json_decref (rest);
    json_decref (overall);
    return out;
}

int
ml_audit_appraise (const json_t *sample, double confidence, double tolerable,
                   json_t **appraisal, char *err, size_t errlen)
{
    *appraisal = NULL;
    if (!(confidence > 0 && confidence < 1))
        return ml_audit_fail (err, errlen, ML_EINVAL, "confidence: between 0 and 1 (e.g. 0.95), not %g", confidence);
    if (!(tolerable > 0 && tolerable < 1))
        return ml_audit_fail (err, errlen, ML_EINVAL, "tolerable: between 0 and 1 (e.g. 0.05), not %g", tolerable);
    json_t *strata = json_object_get (sample, "strata");
    size_t h_n = json_array_size (strata), pending = 0;
    ml_sample_stratum_t *st = calloc (h_n ? h_n : 1, sizeof *st);
    size_t *nf = calloc (h_n ? h_n : 1, sizeof *nf);
    json_t *out = json_array ();
    int rc = ML_ENOMEM;
    if (!st || !nf || !out)
        goto done;
    size_t h, i, total_nf = 0;
    json_t *s, *entry;
    json_array_foreach (strata, h, s)
        st[h].population = (size_t) json_integer_value (json_object_get (s, "population"));
    json_array_foreach (json_object_get (sample, "checklist"), i, entry) {
        const char *stratum = json_string_value (json_object_get (entry, "stratum"));
        const char *result = json_string_value (json_object_get (json_object_get (entry, "finding"), "result"));
        json_array_foreach (strata, h, s)
            if (stratum && strcmp (json_string_value (json_object_get (s, "stratum")), stratum) == 0)
                break;
        if (h == h_n)
            continue;
        if (!result) {
            pending++;
            continue;
        }
        st[h].n++;
        //  not_found counts as a deviation: a record that cannot be shown is not a kept one.
        if (strcmp (result, "ok") != 0)
            st[h].deviations++;
        if (strcmp (result, "not_found") == 0)
            nf[h]++, total_nf++;
    }
    json_array_foreach (strata, h, s) {
        ml_sample_appraisal_t a;
        if (ml_sample_appraise_stratum (&st[h], confidence, &a)) {
            rc = ml_audit_fail (err, errlen, ML_EINVAL, "stratum %s: %zu findings for a population of %zu",
                                json_string_value (json_object_get (s, "stratum")), st[h].n, st[h].population);
            goto done;
        }
        if (json_array_append_new (out, s_appraisal_json (s, &a, nf[h], tolerable)))
            goto done;
    }
    ml_sample_appraisal_t all;
    if (ml_sample_appraise (st, h_n, confidence, &all)) {
        rc = ml_audit_fail (err, errlen, ML_EINVAL, "sample %s: nothing to appraise",
                            json_string_value (json_object_get (sample, "sample")));
        goto done;
    }
    *appraisal = json_pack ("{s:O, s:o, s:o, s:I, s:s}", "sample", json_object_get (sample, "sample"),
                            "overall", s_appraisal_json (NULL, &all, total_nf, tolerable), "strata", out,
                            "pending", (json_int_t) pending,
                            "counting", "not_found counts as a deviation");
    out = NULL;
    rc = *appraisal ? 0 : ML_ENOMEM;
done:
    if (rc == ML_ENOMEM)
        ml_audit_fail (err, errlen, rc, "appraise: out of memory");
    free (st);
    free (nf);
    json_decref (out);
    return rc;
}
