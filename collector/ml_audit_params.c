/* ml_audit_params.c -- what a draw asks for: the parameters of a sample, checked and frozen,
   the activity kinds an event sample may hold, and what to examine on site per kind. */
#include "ml_audit_private.h"
#include "ml_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// ---------------------------------------------------------------------------
// Small helpers the other files of the module use (here, at its bottom, so that the arrows
// between its files go one way: ml_audit -> ml_audit_population -> ml_audit_params).

int
ml_audit_fail (char *err, size_t errlen, int code, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (err, errlen, fmt, ap);
    va_end (ap);
    return code;
}

int
ml_audit_strcmp_p (const void *a, const void *b)
{
    return strcmp (*(const char *const *) a, *(const char *const *) b);
}

// ---------------------------------------------------------------------------
// Kinds: the oneof members of Event whose message has a required date are the activity kinds
// a sample of events may hold (not person, org, correction, void).

const ProtobufCFieldDescriptor *
ml_audit_kind_field (const char *name)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field_by_name (&massline__event__descriptor, name);
    if (!f || !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || f->type != PROTOBUF_C_TYPE_MESSAGE
    ||  f->id >= ML_AUDIT_MAX_CASE)
        return NULL;
    return f;
}

uint32_t
ml_audit_date_field (uint32_t kind)
{
    static _Thread_local uint32_t cache[ML_AUDIT_MAX_CASE];     //  per thread: query workers
    static _Thread_local bool ready;
    if (!ready) {
        for (unsigned i = 0; i < massline__event__descriptor.n_fields; i++) {
            const ProtobufCFieldDescriptor *f = &massline__event__descriptor.fields[i];
            if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) || f->type != PROTOBUF_C_TYPE_MESSAGE
            ||  f->id >= ML_AUDIT_MAX_CASE)
                continue;
            const ProtobufCFieldDescriptor *d =
                protobuf_c_message_descriptor_get_field_by_name (f->descriptor, "date");
            if (d && d->label == PROTOBUF_C_LABEL_REQUIRED && d->type == PROTOBUF_C_TYPE_STRING)
                cache[f->id] = d->id;
        }
        ready = true;
    }
    return kind < ML_AUDIT_MAX_CASE ? cache[kind] : 0;
}

static const char *
s_kind_name (uint32_t kind)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field (&massline__event__descriptor, kind);
    return f ? f->name : "?";
}

//  Every activity kind, as a bit set.
static uint64_t
s_all_kinds (void)
{
    uint64_t all = 0;
    for (uint32_t k = 0; k < ML_AUDIT_MAX_CASE; k++)
        if (ml_audit_date_field (k))
            all |= (uint64_t) 1 << k;
    return all;
}

//  What to examine on site, per kind (one line each).
static const struct { const char *kind; const char *text; } s_verify_texts[] = {
    { "research_plan",        "年度调研计划（制定日期）" },
    { "research_trip",        "调研日程与调研报告" },
    { "research_report",      "调研报告原件" },
    { "work_item",            "工作事项台账与办理记录" },
    { "results_exchange",     "调研成果交流会记录" },
    { "contact_point",        "联系点确定文件" },
    { "paired_family",        "结对帮扶户登记表" },
    { "contact_visit",        "联系点走访记录" },
    { "practical_deed",       "办实事记录与受益方确认" },
    { "secondment",           "挂职派遣文件与导师安排" },
    { "secondment_review",    "挂职考核材料" },
    { "reception_day",        "接待登记簿/签到表及提前公布的通知" },
    { "petition_case",        "接访事项纪要与答复意见书" },
    { "petition_closed",      "办结报告与签收的答复意见书" },
    { "talk",                 "谈心谈话记录本" },
    { "opinion",              "意见征集记录" },
    { "opinion_assigned",     "意见交办单" },
    { "opinion_closed",       "办结反馈与公开记录" },
    { "mailbox",              "意见箱/信箱开启记录" },
    { "commitment",           "承诺书及公开记录" },
    { "commitment_fulfilled", "承诺兑现材料" },
    { "commitment_evaluated", "承诺评议记录" },
    { "rep_activity",         "党代表活动记录" },
    { "persons",              "个人履职台账：调研、接待、谈心谈话、联系点记录" },
    { "units",                "单位年度台账、制度文件与上报材料" },
};

const char *
ml_audit_verify_text (const char *kind)
{
    for (size_t i = 0; i < sizeof s_verify_texts / sizeof s_verify_texts[0]; i++)
        if (strcmp (s_verify_texts[i].kind, kind) == 0)
            return s_verify_texts[i].text;
    return "原始台账记录";
}

// ---------------------------------------------------------------------------
// Parameters.

const char *const ml_audit_pop_names[3] = { "events", "persons", "units" };

void
ml_audit_params_init (ml_audit_params_t *p)
{
    memset (p, 0, sizeof *p);
    p->population = ML_AUDIT_EVENTS;
    p->by_unit = -1;
    p->allocation = ML_SAMPLE_PROPORTIONAL;
}

//  Parses a decimal size_t in [MIN, 10^9]; false when VALUE is not one.
static bool
s_parse_count (const char *value, size_t min, size_t *out)
{
    if (!*value || strspn (value, "0123456789") != strlen (value) || strlen (value) > 10)
        return false;
    unsigned long long v = strtoull (value, NULL, 10);
    if (v < min || v > 1000000000ULL)
        return false;
    *out = (size_t) v;
    return true;
}

static int
s_set_kinds (ml_audit_params_t *p, const char *value, char *err, size_t errlen)
{
    p->kinds = 0;
    const char *s = value;
    while (*s) {
        size_t len = strcspn (s, ",");
        char name[64];
        snprintf (name, sizeof name, "%.*s", (int) (len < sizeof name ? len : sizeof name - 1), s);
        const ProtobufCFieldDescriptor *f = len ? ml_audit_kind_field (name) : NULL;
        if (!f)
            return ml_audit_fail (err, errlen, ML_EINVAL, "kinds: unknown kind '%.*s'", (int) len, s);
        if (!ml_audit_date_field (f->id))
            return ml_audit_fail (err, errlen, ML_EINVAL, "kinds: '%s' is not an activity kind (%s)", name,
                                  strcmp (name, "person") == 0 ? "use --population persons"
                                                               : "corrections and voids are not items");
        p->kinds |= (uint64_t) 1 << f->id;
        s += len;
        if (*s == ',')
            s++;
    }
    if (!p->kinds)
        return ml_audit_fail (err, errlen, ML_EINVAL, "kinds: empty list");
    return 0;
}

int
ml_audit_params_set (ml_audit_params_t *p, const char *key, const char *value,
                     char *err, size_t errlen)
{
    size_t n;
    if (strcmp (key, "year") == 0) {
        if (!s_parse_count (value, 1900, &n) || n > 2999)
            return ml_audit_fail (err, errlen, ML_EINVAL, "year: not a year (%s)", value);
        p->year = (int) n;
    }
    else
    if (strcmp (key, "seed") == 0) {
        size_t len = strlen (value);
        if (strspn (value, "0123456789") != len)
            return ml_audit_fail (err, errlen, ML_EINVAL, "seed: decimal digits only (from ten-sided dice), "
                                  "got '%.40s'", value);
        if (len < ML_AUDIT_SEED_MIN || len > ML_AUDIT_SEED_MAX)
            return ml_audit_fail (err, errlen, ML_EINVAL, "seed: needs %d to %d decimal digits rolled on "
                                  "ten-sided dice; got %zu", ML_AUDIT_SEED_MIN, ML_AUDIT_SEED_MAX, len);
        memcpy (p->seed, value, len + 1);
    }
    else
    if (strcmp (key, "size") == 0) {
        if (!s_parse_count (value, 1, &p->size))
            return ml_audit_fail (err, errlen, ML_EINVAL, "size: not a positive whole number (%s)", value);
    }
    else
    if (strcmp (key, "minimum") == 0) {
        if (!s_parse_count (value, 0, &p->minimum))
            return ml_audit_fail (err, errlen, ML_EINVAL, "minimum: not a whole number (%s)", value);
    }
    else
    if (strcmp (key, "population") == 0) {
        int i = strcmp (value, "events") == 0 ? 0 : strcmp (value, "persons") == 0 ? 1
              : strcmp (value, "units") == 0 ? 2 : -1;
        if (i < 0)
            return ml_audit_fail (err, errlen, ML_EINVAL, "population: events, persons or units, not '%s'", value);
        p->population = (ml_audit_pop_kind_t) i;
    }
    else
    if (strcmp (key, "kinds") == 0)
        return s_set_kinds (p, value, err, errlen);
    else
    if (strcmp (key, "strata") == 0) {
        if (strcmp (value, "unit") != 0 && strcmp (value, "none") != 0)
            return ml_audit_fail (err, errlen, ML_EINVAL, "strata: unit or none, not '%s'", value);
        p->by_unit = strcmp (value, "unit") == 0;
    }
    else
    if (strcmp (key, "allocation") == 0) {
        if (strcmp (value, "proportional") == 0)
            p->allocation = ML_SAMPLE_PROPORTIONAL;
        else
        if (strcmp (value, "equal") == 0)
            p->allocation = ML_SAMPLE_EQUAL;
        else
            return ml_audit_fail (err, errlen, ML_EINVAL, "allocation: proportional or equal, not '%s'", value);
    }
    else
        return ml_audit_fail (err, errlen, ML_EINVAL, "unknown parameter '%s'", key);
    return 0;
}

int
ml_audit_params_check (ml_audit_params_t *p, char *err, size_t errlen)
{
    if (!p->year)
        return ml_audit_fail (err, errlen, ML_EINVAL, "year: missing (--year YYYY)");
    if (!p->seed[0])
        return ml_audit_fail (err, errlen, ML_EINVAL, "seed: missing (--seed DIGITS, at least %d rolled on "
                              "ten-sided dice)", ML_AUDIT_SEED_MIN);
    if (!p->size)
        return ml_audit_fail (err, errlen, ML_EINVAL, "size: missing (--size N)");
    if (p->kinds && p->population != ML_AUDIT_EVENTS)
        return ml_audit_fail (err, errlen, ML_EINVAL, "kinds: only for --population events");
    if (p->population == ML_AUDIT_EVENTS && !p->kinds)
        p->kinds = s_all_kinds ();
    if (p->by_unit < 0)
        p->by_unit = p->population != ML_AUDIT_UNITS;
    return 0;
}

// ---------------------------------------------------------------------------
// The parameters in a frozen record.

json_t *
ml_audit_params_json (const ml_audit_params_t *p)
{
    json_t *obj = json_pack ("{s:s, s:i, s:s, s:s, s:s, s:I, s:I}",
                             "population", ml_audit_pop_names[p->population], "year", p->year,
                             "seed", p->seed, "strata_by", p->by_unit ? "unit" : "none",
                             "allocation", p->allocation == ML_SAMPLE_EQUAL ? "equal" : "proportional",
                             "size", (json_int_t) p->size, "minimum", (json_int_t) p->minimum);
    if (obj && p->population == ML_AUDIT_EVENTS) {
        json_t *kinds = json_array ();
        for (uint32_t k = 0; k < ML_AUDIT_MAX_CASE; k++)
            if (p->kinds >> k & 1)
                json_array_append_new (kinds, json_string (s_kind_name (k)));
        json_object_set_new (obj, "kinds", kinds);
    }
    return obj;
}

int
ml_audit_params_of (const json_t *sample, ml_audit_params_t *p, char *err, size_t errlen)
{
    ml_audit_params_init (p);
    static const char *const keys[] = { "population", "year", "seed", "strata_by", "allocation",
                                        "size", "minimum", NULL };
    for (int i = 0; keys[i]; i++) {
        const json_t *v = json_object_get (sample, keys[i]);
        char text[ML_AUDIT_SEED_MAX + 1];
        if (json_is_integer (v))
            snprintf (text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value (v));
        else
        if (json_is_string (v))
            snprintf (text, sizeof text, "%s", json_string_value (v));
        else
            return ml_audit_fail (err, errlen, ML_EINVAL, "sample record: no '%s'", keys[i]);
        int rc = ml_audit_params_set (p, strcmp (keys[i], "strata_by") == 0 ? "strata" : keys[i],
                                      text, err, errlen);
        if (rc)
            return rc;
    }
    size_t i;
    json_t *k;
    json_array_foreach (json_object_get (sample, "kinds"), i, k) {
        const ProtobufCFieldDescriptor *f = ml_audit_kind_field (json_string_value (k) ? json_string_value (k) : "");
        if (!f)
            return ml_audit_fail (err, errlen, ML_EINVAL, "sample record: unknown kind");
        p->kinds |= (uint64_t) 1 << f->id;
    }
    return ml_audit_params_check (p, err, errlen);
}
