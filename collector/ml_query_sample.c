/* ml_query_sample.c -- the 'sample ...' queries: who may do what, arguments, and the log line
   of every draw and finding. The work is in ml_audit.c. */
#include "ml_query.h"
#include "ml_err.h"
#include "ml_log.h"
#include "ml_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Who may ask for a verb.
typedef enum { S_READ, S_WRITE } s_need_t;

typedef struct {
    const char *verb;
    s_need_t need;
    int (*run) (const ml_query_t *q, json_t **reply, char *err, size_t errlen);
} s_verb_t;

//  The value of argument KEY, or fails the query naming it.
static const char *
s_need_arg (const ml_query_t *q, const char *key, char *err, size_t errlen)
{
    const char *value = ml_query_arg (q, key);
    if (!value || !*value)
        snprintf (err, errlen, "%s: missing", key);
    return value && *value ? value : NULL;
}

//  True when argument KEY is "yes" (flags such as population_list=yes).
static bool
s_flag (const ml_query_t *q, const char *key)
{
    const char *value = ml_query_arg (q, key);
    return value && (strcmp (value, "yes") == 0 || strcmp (value, "1") == 0 || strcmp (value, "true") == 0);
}

//  Parses argument KEY as a rate in (0, 1), DEFLT when absent.
static int
s_rate_arg (const ml_query_t *q, const char *key, double deflt, double *out, char *err, size_t errlen)
{
    const char *value = ml_query_arg (q, key);
    *out = deflt;
    if (!value)
        return 0;
    char *end;
    *out = strtod (value, &end);
    if (!*value || *end || !(*out > 0 && *out < 1)) {
        snprintf (err, errlen, "%s: a number between 0 and 1 (e.g. 0.95), not '%s'", key, value);
        return ML_EINVAL;
    }
    return 0;
}

static int
s_draw (const ml_query_t *q, json_t **reply, char *err, size_t errlen)
{
    ml_audit_params_t p;
    ml_audit_params_init (&p);
    for (size_t i = 0; i < q->n_args; i++) {
        char key[32];
        const char *eq = strchr (q->args[i], '=');
        if (!eq || eq - q->args[i] >= (long) sizeof key) {
            snprintf (err, errlen, "argument '%.40s': not key=value", q->args[i]);
            return ML_EINVAL;
        }
        snprintf (key, sizeof key, "%.*s", (int) (eq - q->args[i]), q->args[i]);
        int rc = ml_audit_params_set (&p, key, eq + 1, err, errlen);
        if (rc)
            return rc;
    }
    int rc = ml_audit_params_check (&p, err, errlen);
    if (!rc)
        rc = ml_audit_draw (q->store, q->registry, &p, q->who->user_id, reply, err, errlen);
    if (!rc) {
        json_t *s = *reply;
        ml_info ("sample %s drawn by %s: %s of %d, seed %s, size %zu in %zu strata, population %"
                 JSON_INTEGER_FORMAT " (digest %s), record digest %s",
                 json_string_value (json_object_get (s, "sample")), q->who->user_id,
                 json_string_value (json_object_get (s, "population")), p.year, p.seed, p.size,
                 json_array_size (json_object_get (s, "strata")),
                 json_integer_value (json_object_get (s, "population_size")),
                 json_string_value (json_object_get (s, "digest")),
                 json_string_value (json_object_get (s, "record_digest")));
    }
    return rc;
}

static int
s_show (const ml_query_t *q, json_t **reply, char *err, size_t errlen)
{
    const char *id = s_need_arg (q, "sample", err, errlen);
    if (!id)
        return ML_EINVAL;
    int rc = ml_audit_get (q->store, id, reply, err, errlen);
    if (rc || !s_flag (q, "population_list"))
        return rc;
    //  The current population of each stratum, from a verification (which says whether it is
    //  still the population the sample was drawn from).
    json_t *check = NULL;
    rc = ml_audit_verify (q->store, q->registry, id, true, &check, err, errlen);
    if (rc) {
        json_decref (*reply);
        *reply = NULL;
        return rc;
    }
    size_t h, k;
    json_t *s, *now;
    json_array_foreach (json_object_get (*reply, "strata"), h, s)
        json_array_foreach (json_object_get (check, "strata"), k, now)
            if (json_equal (json_object_get (s, "stratum"), json_object_get (now, "stratum"))) {
                json_object_set (s, "population_ids", json_object_get (now, "population_ids"));
                json_object_set (s, "digest_now", json_object_get (now, "digest_now"));
            }
    json_object_set (*reply, "matches", json_object_get (check, "matches"));
    json_decref (check);
    return 0;
}

static int
s_verify (const ml_query_t *q, json_t **reply, char *err, size_t errlen)
{
    const char *id = s_need_arg (q, "sample", err, errlen);
    if (!id)
        return ML_EINVAL;
    int rc = ml_audit_verify (q->store, q->registry, id, s_flag (q, "population_list"), reply, err, errlen);
    if (!rc)
        ml_info ("sample %s verified by %s: %s", id, q->who->user_id,
                 json_is_true (json_object_get (*reply, "matches")) ? "matches" : "differs");
    return rc;
}

static int
s_finding (const ml_query_t *q, json_t **reply, char *err, size_t errlen)
{
    const char *id = s_need_arg (q, "sample", err, errlen);
    const char *item = id ? s_need_arg (q, "item", err, errlen) : NULL;
    const char *result = item ? s_need_arg (q, "result", err, errlen) : NULL;
    if (!result)
        return ML_EINVAL;
    const char *note = ml_query_arg (q, "note");
    int rc = ml_audit_finding (q->store, id, item, result, note, q->who->user_id, reply, err, errlen);
    if (!rc) {
        //  The log stays one line per finding whatever the note holds.
        char line[160] = "";
        if (note)
            snprintf (line, sizeof line, "%s", note);
        for (char *c = line; *c; c++)
            *c = (unsigned char) *c < 0x20 ? ' ' : *c;
        ml_info ("sample %s: finding %s on %s by %s%s%s", id, result, item, q->who->user_id,
                 note ? ": " : "", line);
    }
    return rc;
}

static int
s_appraise (const ml_query_t *q, json_t **reply, char *err, size_t errlen)
{
    const char *id = s_need_arg (q, "sample", err, errlen);
    double confidence, tolerable;
    if (!id
    ||  s_rate_arg (q, "confidence", 0.95, &confidence, err, errlen)
    ||  s_rate_arg (q, "tolerable", 0.05, &tolerable, err, errlen))
        return ML_EINVAL;
    json_t *sample = NULL;
    int rc = ml_audit_get (q->store, id, &sample, err, errlen);
    if (!rc)
        rc = ml_audit_appraise (sample, confidence, tolerable, reply, err, errlen);
    json_decref (sample);
    return rc;
}

static int
s_list (const ml_query_t *q, json_t **reply, char *err, size_t errlen)
{
    json_t *list = NULL;
    int rc = ml_audit_list (q->store, &list, err, errlen);
    if (!rc)
        *reply = json_pack ("{s:o}", "samples", list);
    return rc;
}

static const s_verb_t s_verbs[] = {
    { "draw",     S_WRITE, s_draw },
    { "finding",  S_WRITE, s_finding },
    { "show",     S_READ,  s_show },
    { "verify",   S_READ,  s_verify },
    { "appraise", S_READ,  s_appraise },
    { "list",     S_READ,  s_list },
    { NULL, 0, NULL }
};

//  The query code of an ml_err_t.
static const char *
s_code (int rc)
{
    switch (rc) {
        case ML_EINVAL:    return "invalid";
        case ML_ENOTFOUND: return "not_found";
        case ML_ECONFLICT: return "corrupt";
        case ML_EFULL:     return "full";
        case ML_EPERM:     return "denied";
        default:           return "storage";
    }
}

int
ml_query_sample (const ml_query_t *q, json_t **reply, char *code, size_t codelen, char *msg, size_t msglen)
{
    *reply = NULL;
    const char *verb = q->command + strlen ("sample ");
    const s_verb_t *v = s_verbs;
    while (v->verb && strcmp (v->verb, verb) != 0)
        v++;
    if (!v->verb) {
        snprintf (code, codelen, "unknown");
        snprintf (msg, msglen, "unknown query '%s' (samples: draw, show, verify, finding, appraise, list)",
                  q->command);
        return ML_EINVAL;
    }
    //  Agents never see samples; staff may read them; only auditors draw and record findings.
    const ml_principal_t *who = q->who;
    bool auditor = who->kind == ML_PRINCIPAL_CLIENT && who->role == ML_ROLE_AUDITOR;
    bool staff = who->kind == ML_PRINCIPAL_CLIENT && who->role == ML_ROLE_STAFF;
    if (!(auditor || (staff && v->need == S_READ))) {
        snprintf (code, codelen, "denied");
        snprintf (msg, msglen, "%s: %s; %s is %s", q->command,
                  v->need == S_WRITE ? "only auditor keys may draw samples and record findings"
                                     : "only staff and auditor keys may see samples",
                  who->user_id, who->kind == ML_PRINCIPAL_AGENT ? "an agent" : staff ? "staff" : "no client role");
        return ML_EPERM;
    }
    int rc = v->run (q, reply, msg, msglen);
    if (rc) {
        json_decref (*reply);
        *reply = NULL;
        snprintf (code, codelen, "%s", s_code (rc));
        return rc;
    }
    if (!*reply) {
        snprintf (code, codelen, "internal");
        snprintf (msg, msglen, "%s: out of memory", q->command);
        return ML_ENOMEM;
    }
    return 0;
}
