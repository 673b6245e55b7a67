/* ml_rules.c -- the rule file loader: table-driven keys, every problem as "FILE:LINE: reason". */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "massline.pb-c.h"
#include "ml_cases.h"
#include "ml_config.h"
#include "ml_err.h"
#include "ml_metrics.h"
#include "ml_rules.h"

struct ml_ruleset {
    char *id;                                //  [ruleset] id
    char *system_names[ML_SYSTEMS + 1];      //  [system N] name, index 1..ML_SYSTEMS
    int complaints;                          //  [supervision] complaints
    ml_rule_t *rules;
    size_t n, cap;
};

//  ---------------------------------------------------------------------------
//  Measures beyond the counters: name, source, case kind

typedef struct {
    const char *name;
    int source;
    int case_kind;
} s_measure_t;

static const s_measure_t s_measures[ML_MEASURE_END - ML_MEASURE_CONTACT_POINTS] = {
    { "contact_points", ML_SOURCE_PERSON, 0 },
    { "paired_families", ML_SOURCE_PERSON, 0 },
    { "duplicate_assignments", ML_SOURCE_UNIT, 0 },
    { "mailboxes", ML_SOURCE_UNIT, 0 },
    { "secondments", ML_SOURCE_CASE, ML_CASE_SECONDMENT },
    { "secondment_months", ML_SOURCE_CASE, ML_CASE_SECONDMENT },
    { "secondment_mentor", ML_SOURCE_CASE, ML_CASE_SECONDMENT },
    { "secondment_review_delay", ML_SOURCE_CASE, ML_CASE_SECONDMENT },
    { "petition_record", ML_SOURCE_CASE, ML_CASE_PETITION },
    { "petition_overdue", ML_SOURCE_CASE, ML_CASE_PETITION },
    { "petition_unsigned", ML_SOURCE_CASE, ML_CASE_PETITION },
    { "petition_leader_received", ML_SOURCE_CASE, ML_CASE_PETITION },
    { "opinion_assigned", ML_SOURCE_CASE, ML_CASE_OPINION },
    { "opinion_overdue", ML_SOURCE_CASE, ML_CASE_OPINION },
    { "opinion_feedback", ML_SOURCE_CASE, ML_CASE_OPINION },
    { "commitment_published", ML_SOURCE_CASE, ML_CASE_COMMITMENT },
    { "commitment_overdue", ML_SOURCE_CASE, ML_CASE_COMMITMENT },
    { "commitment_evaluated", ML_SOURCE_CASE, ML_CASE_COMMITMENT },
    { "secondment_training", ML_SOURCE_CASE, ML_CASE_SECONDMENT },
    { "secondment_liaison", ML_SOURCE_CASE, ML_CASE_SECONDMENT },
    { "appeal_overdue", ML_SOURCE_CASE, ML_CASE_APPEAL },
    { "petition_coordinated", ML_SOURCE_CASE, ML_CASE_PETITION },
    { "own_mailboxes", ML_SOURCE_PERSON, 0 },
    { "opinion_claimed", ML_SOURCE_CASE, ML_CASE_OPINION },
    { "studios", ML_SOURCE_UNIT, 0 },
};

const char *
ml_measure_name (int id)
{
    if (id >= ML_MEASURE_CONTACT_POINTS && id < ML_MEASURE_END)
        return s_measures[id - ML_MEASURE_CONTACT_POINTS].name;
    return ml_metric_name (id);
}

int
ml_measure_source (int id, int *case_kind)
{
    if (case_kind)
        *case_kind = 0;
    if (id >= ML_MEASURE_CONTACT_POINTS && id < ML_MEASURE_END) {
        const s_measure_t *m = &s_measures[id - ML_MEASURE_CONTACT_POINTS];
        if (case_kind)
            *case_kind = m->case_kind;
        return m->source;
    }
    return ml_metric_name (id) ? ML_SOURCE_AGG : 0;
}

static int
s_measure_by_name (const char *name)
{
    for (int id = ML_MEASURE_CONTACT_POINTS; id < ML_MEASURE_END; id++)
        if (strcmp (s_measures[id - ML_MEASURE_CONTACT_POINTS].name, name) == 0)
            return id;
    return ml_metric_by_name (name);
}

const char *
ml_severity_name (int severity)
{
    return severity == ML_SEVERITY_WARNING ? "warning"
         : severity == ML_SEVERITY_INFO ? "info" : "violation";
}

//  ---------------------------------------------------------------------------
//  Loading state

typedef struct {
    ml_ruleset_t *set;
    const char *path;
    char *err;
    size_t errlen;
    bool failed;
    char section[80];                        //  the current section as written
    ml_rule_t *rule;                         //  the rule being read, or NULL
    int system;                              //  the [system N] being read, or 0
    uint32_t seen;                           //  keys given in this section (bit per table row)
} s_load_t;

static void __attribute__ ((format (printf, 3, 4)))
s_fail (s_load_t *self, int line, const char *fmt, ...)
{
    if (self->failed)
        return;
    self->failed = true;
    int n = line > 0 ? snprintf (self->err, self->errlen, "%s:%d: ", self->path, line)
                     : snprintf (self->err, self->errlen, "%s: ", self->path);
    va_list args;
    va_start (args, fmt);
    if (n >= 0 && (size_t) n < self->errlen)
        vsnprintf (self->err + n, self->errlen - (size_t) n, fmt, args);
    va_end (args);
}

//  Splits VALUE at commas into trimmed words; calls FN for each. Returns FN's first reason.
static const char *
s_words (const char *value, const char *(*fn) (ml_rule_t *, const char *), ml_rule_t *rule)
{
    char buf[256];
    if (strlen (value) >= sizeof buf)
        return "list too long";
    snprintf (buf, sizeof buf, "%s", value);
    char *save = NULL;
    int words = 0;
    for (char *w = strtok_r (buf, ",", &save); w; w = strtok_r (NULL, ",", &save)) {
        while (*w == ' ' || *w == '\t')
            w++;
        char *end = w + strlen (w);
        while (end > w && (end[-1] == ' ' || end[-1] == '\t'))
            *--end = 0;
        const char *why = fn (rule, w);
        if (why)
            return why;
        words++;
    }
    return words ? NULL : "empty list";
}

//  A reason with the offending word; static storage is fine, the loader is not reentrant per call
//  and the text is copied into ERR at once.
static _Thread_local char s_why[160];

static const char *
s_why_word (const char *what, const char *word)
{
    snprintf (s_why, sizeof s_why, "%s '%.100s'", what, word);
    return s_why;
}

//  ---------------------------------------------------------------------------
//  Rule keys: one setter each, driven by s_rule_keys

static const char *
s_applies_word (ml_rule_t *r, const char *w)
{
    const ProtobufCEnumValue *role
        = protobuf_c_enum_descriptor_get_value_by_name (&massline__role__id__descriptor, w);
    if (role)
        r->roles |= 1u << role->value;
    else if (strcmp (w, "unit") == 0)
        r->unit = true;
    else if (strcmp (w, "org") == 0)
        r->org = true;
    else if (strncmp (w, "case:", 5) == 0 && ml_case_kind_by_name (w + 5))
        r->case_kind = ml_case_kind_by_name (w + 5);
    else
        return s_why_word ("unknown role", w);
    return NULL;
}

static const char *
s_set_applies (ml_rule_t *r, const char *v)
{
    return s_words (v, s_applies_word, r);
}

static const char *
s_measure_word (ml_rule_t *r, const char *w)
{
    int id = s_measure_by_name (w);
    if (!id)
        return s_why_word ("unknown metric", w);
    if (r->nmeasures == ML_RULE_MEASURES_MAX)
        return "too many metrics";
    r->measures[r->nmeasures++] = id;
    return NULL;
}

static const char *
s_set_metric (ml_rule_t *r, const char *v)
{
    return s_words (v, s_measure_word, r);
}

static const char *
s_of_word (ml_rule_t *r, const char *w)
{
    int id = ml_metric_by_name (w);
    if (!id)
        return s_why_word ("unknown counter metric", w);
    if (r->nof == ML_RULE_MEASURES_MAX)
        return "too many metrics";
    r->of[r->nof++] = id;
    return NULL;
}

static const char *
s_set_of (ml_rule_t *r, const char *v)
{
    return s_words (v, s_of_word, r);
}

//  A whole number in LO..HI into *OUT, or a reason.
static const char *
s_number (const char *v, long long lo, long long hi, int64_t *out)
{
    char *end;
    errno = 0;
    long long n = strtoll (v, &end, 10);
    if (!*v || *end || errno)
        return s_why_word ("not a whole number:", v);
    if (n < lo || n > hi)
        return s_why_word ("out of range:", v);
    *out = n;
    return NULL;
}

static const char *
s_set_system (ml_rule_t *r, const char *v)
{
    int64_t n = 0;
    const char *why = s_number (v, 1, ML_SYSTEMS, &n);
    r->system = (int) n;
    return why;
}

static const char *
s_set_min (ml_rule_t *r, const char *v)
{
    r->has_min = true;
    return s_number (v, 0, 1000000, &r->min);
}

static const char *
s_set_max (ml_rule_t *r, const char *v)
{
    r->has_max = true;
    return s_number (v, 0, 1000000, &r->max);
}

static const char *
s_set_due (ml_rule_t *r, const char *v)
{
    int64_t n = 0;
    const char *why = s_number (v, 1, 12, &n);
    r->due = (int) n;
    return why;
}

static const char *
s_set_group_size (ml_rule_t *r, const char *v)
{
    int64_t n = 0;
    const char *why = s_number (v, 1, 100000, &n);
    r->group_size = (uint32_t) n;
    return why;
}

//  Looks WORD up in the NULL-terminated NAMES; *OUT = index + 1.
static const char *
s_choice (const char *word, const char *const *names, int *out)
{
    for (int i = 0; names[i]; i++)
        if (strcmp (names[i], word) == 0) {
            *out = i + 1;
            return NULL;
        }
    return s_why_word ("unknown value", word);
}

static const char *
s_set_period (ml_rule_t *r, const char *v)
{
    static const char *const names[] = { "year", "month", "half_month", "term", "case", NULL };
    return s_choice (v, names, &r->period);
}

static const char *
s_set_severity (ml_rule_t *r, const char *v)
{
    static const char *const names[] = { "violation", "warning", "info", NULL };
    return s_choice (v, names, &r->severity);
}

static const char *
s_set_category (ml_rule_t *r, const char *v)
{
    static const char *const names[] = { "reserve", "new_recruit", NULL };
    return s_choice (v, names, &r->category);
}

static const char *
s_set_max_is (ml_rule_t *r, const char *v)
{
    static const char *const names[] = { "limit", "guide", NULL };
    int which = 0;
    const char *why = s_choice (v, names, &which);
    r->max_is_guide = which == 2;
    return why;
}

static const char *
s_set_per (ml_rule_t *r, const char *v)
{
    static const char *const names[] = { "member", NULL };
    int which = 0;
    const char *why = s_choice (v, names, &which);
    r->per_member = which == 1;
    return why;
}

static const char *
s_set_frontline (ml_rule_t *r, const char *v)
{
    static const char *const names[] = { "false", "true", NULL };
    int which = 0;
    const char *why = s_choice (v, names, &which);
    r->frontline = which == 2;
    return why;
}

static const char *
s_set_days (ml_rule_t *r, const char *v)
{
    int64_t n = 0;
    const char *why = s_number (v, 1, 3660, &n);
    r->days = (int) n;
    return why;
}

static const char *
s_mixed_word (ml_rule_t *r, const char *w)
{
    const ProtobufCEnumValue *role
        = protobuf_c_enum_descriptor_get_value_by_name (&massline__role__id__descriptor, w);
    if (!role)
        return s_why_word ("unknown role", w);
    r->mixed_roles |= 1u << role->value;
    return NULL;
}

static const char *
s_set_mixed_with (ml_rule_t *r, const char *v)
{
    return s_words (v, s_mixed_word, r);
}

static const char *
s_set_text (char **field, const char *v)
{
    free (*field);
    *field = strdup (v);
    return *field ? NULL : "out of memory";
}

static const char *s_set_zh (ml_rule_t *r, const char *v) { return s_set_text (&r->zh, v); }
static const char *s_set_en (ml_rule_t *r, const char *v) { return s_set_text (&r->en, v); }
static const char *s_set_clause (ml_rule_t *r, const char *v) { return s_set_text (&r->clause, v); }

typedef struct {
    const char *name;
    const char *(*set) (ml_rule_t *rule, const char *value);
    bool required;
} s_key_t;

static const s_key_t s_rule_keys[] = {
    { "system", s_set_system, true },
    { "applies", s_set_applies, true },
    { "metric", s_set_metric, true },
    { "period", s_set_period, true },
    { "severity", s_set_severity, true },
    { "zh", s_set_zh, true },
    { "en", s_set_en, true },
    { "clause", s_set_clause, true },
    { "min", s_set_min, false },
    { "max", s_set_max, false },
    { "max_is", s_set_max_is, false },
    { "due", s_set_due, false },
    { "of", s_set_of, false },
    { "per", s_set_per, false },
    { "category", s_set_category, false },
    { "frontline", s_set_frontline, false },
    { "group_size", s_set_group_size, false },
    { "days", s_set_days, false },
    { "mixed_with", s_set_mixed_with, false },
    { NULL, NULL, false },
};

//  ---------------------------------------------------------------------------
//  Sections

static ml_rule_t *
s_find (ml_ruleset_t *self, const char *id)
{
    for (size_t i = 0; i < self->n; i++)
        if (strcmp (self->rules[i].id, id) == 0)
            return &self->rules[i];
    return NULL;
}

static bool
s_rule_id_ok (const char *id)
{
    size_t len = strlen (id);
    return len > 0 && len <= ML_RULE_ID_MAX
        && strspn (id, "0123456789.abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == len;
}

//  Starts section NAME (first seen at LINE).
static void
s_begin (s_load_t *self, const char *name, int line)
{
    ml_ruleset_t *set = self->set;
    snprintf (self->section, sizeof self->section, "%s", name);
    self->rule = NULL;
    self->system = 0;
    self->seen = 0;
    if (strcmp (name, "ruleset") == 0 || strcmp (name, "supervision") == 0)
        return;
    if (strncmp (name, "system ", 7) == 0) {
        int64_t n = 0;
        if (s_number (name + 7, 1, ML_SYSTEMS, &n))
            s_fail (self, line, "[%s]: systems are numbered 1 to %d", name, ML_SYSTEMS);
        else if (set->system_names[n])
            s_fail (self, line, "[%s]: duplicate system", name);
        self->system = (int) n;
        return;
    }
    if (strncmp (name, "rule ", 5) != 0) {
        s_fail (self, line, "unknown section [%.60s]", name);
        return;
    }
    const char *id = name + 5;
    if (!s_rule_id_ok (id))
        s_fail (self, line, "[%.60s]: not a rule id", name);
    else if (s_find (set, id))
        s_fail (self, line, "rule %s: duplicate rule id", id);
    else if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        ml_rule_t *rules = realloc (set->rules, cap * sizeof *rules);
        if (!rules) {
            s_fail (self, line, "out of memory");
            return;
        }
        set->rules = rules;
        set->cap = cap;
    }
    if (self->failed)
        return;
    self->rule = &set->rules[set->n++];
    memset (self->rule, 0, sizeof *self->rule);
    snprintf (self->rule->id, sizeof self->rule->id, "%s", id);
    self->rule->line = line;
}

static void
s_rule_key (s_load_t *self, const char *name, const char *value, int line)
{
    for (int i = 0; s_rule_keys[i].name; i++) {
        if (strcmp (s_rule_keys[i].name, name) != 0)
            continue;
        if (self->seen & (1u << i)) {
            s_fail (self, line, "rule %s: '%s' given twice", self->rule->id, name);
            return;
        }
        self->seen |= 1u << i;
        const char *why = s_rule_keys[i].set (self->rule, value);
        if (why)
            s_fail (self, line, "rule %s: %s: %s", self->rule->id, name, why);
        return;
    }
    s_fail (self, line, "rule %s: unknown key '%.40s'", self->rule->id, name);
}

static int
s_handler (void *user, const char *section, const char *name, const char *value, int line)
{
    s_load_t *self = user;
    if (self->failed)
        return 1;
    if (strcmp (section, self->section) != 0)
        s_begin (self, section, line);
    if (self->failed)
        return 1;
    ml_ruleset_t *set = self->set;
    if (self->rule)
        s_rule_key (self, name, value, line);
    else if (self->system && strcmp (name, "name") == 0)
        s_set_text (&set->system_names[self->system], value);
    else if (self->system && strcmp (name, "en") == 0)
        ;   //  the English name is for readers of the file
    else if (strcmp (section, "ruleset") == 0 && strcmp (name, "id") == 0)
        s_set_text (&set->id, value);
    else if (strcmp (section, "ruleset") == 0 && (!strcmp (name, "zh") || !strcmp (name, "en")))
        ;
    else if (strcmp (section, "supervision") == 0 && strcmp (name, "complaints") == 0) {
        int64_t n = 0;
        const char *why = s_number (value, 1, 1000, &n);
        if (why)
            s_fail (self, line, "[supervision] complaints: %s", why);
        set->complaints = (int) n;
    }
    else
        s_fail (self, line, "[%.60s]: unknown key '%.40s'", section, name);
    return 1;
}

//  ---------------------------------------------------------------------------
//  Checks once a rule is complete: which keys go together

static const char *
s_check_measures (const ml_rule_t *r)
{
    for (size_t i = 0; i < r->nmeasures; i++) {
        int kind, src = ml_measure_source (r->measures[i], &kind);
        bool person = r->roles != 0;
        if (r->period == ML_PERIOD_CASE && src != ML_SOURCE_CASE)
            return "period = case needs a case metric";
        if (r->period != ML_PERIOD_CASE && src == ML_SOURCE_CASE)
            return "a case metric needs period = case";
        if (src == ML_SOURCE_CASE && kind == ML_CASE_SECONDMENT && (!person || r->case_kind))
            return "secondment metrics apply to persons (applies = seconded)";
        if (src == ML_SOURCE_CASE && kind != ML_CASE_SECONDMENT && kind != r->case_kind)
            return "this case metric needs applies = case:<its kind>";
        if (src == ML_SOURCE_PERSON && !person)
            return "this metric applies to persons";
        if (src == ML_SOURCE_UNIT && (!r->unit || person || r->org))
            return "this metric needs applies = unit";
        if (r->nmeasures > 1 && src != ML_SOURCE_AGG)
            return "only counter metrics can be summed";
    }
    return NULL;
}

static const char *
s_check_rule (const ml_rule_t *r)
{
    int targets = (r->roles || r->org) + r->unit + (r->case_kind != 0);
    if (targets != 1)
        return "applies: give roles (and/or org), or unit, or one case:KIND";
    const char *why = s_check_measures (r);
    if (why)
        return why;
    if (r->case_kind && r->period != ML_PERIOD_CASE)
        return "applies = case:KIND needs period = case";
    if (r->max_is_guide && !r->has_max)
        return "max_is needs max";
    if (r->severity != ML_SEVERITY_INFO && !r->has_min && !r->has_max && !r->nof)
        return "needs min or max (or of, or severity = info)";
    if (r->has_min && r->has_max && r->min > r->max)
        return "min is above max";
    if ((r->period == ML_PERIOD_MONTH || r->period == ML_PERIOD_HALF_MONTH || r->period == ML_PERIOD_TERM)
        && !r->roles)
        return "month, half_month and term periods apply to roles";
    if (r->due && r->period != ML_PERIOD_YEAR)
        return "due needs period = year";
    if (r->nof && (r->period != ML_PERIOD_YEAR || r->due || r->per_member))
        return "of needs period = year (without due or per)";
    if (r->per_member && (r->nmeasures != 1 || r->measures[0] != ML_METRIC_TALKS_MEMBER
                          || r->roles != 1u << MASSLINE__ROLE__ID__org_head || r->org))
        return "per = member needs metric = talks_member and applies = org_head";
    if (r->group_size && r->case_kind != ML_CASE_PETITION)
        return "group_size needs applies = case:petition";
    if (r->mixed_roles && r->period != ML_PERIOD_MONTH)
        return "mixed_with needs period = month";
    if (r->category && (!(r->roles & (1u << MASSLINE__ROLE__ID__seconded))
                        || r->period != ML_PERIOD_CASE))
        return "category needs applies = seconded and period = case";
    return NULL;
}

static void
s_check (s_load_t *self)
{
    ml_ruleset_t *set = self->set;
    if (!set->id)
        s_fail (self, 0, "[ruleset] id is missing");
    for (size_t i = 0; i < set->n && !self->failed; i++) {
        const ml_rule_t *r = &set->rules[i];
        //  Required keys: a missing one leaves its field empty.
        const char *missing = !r->system ? "system" : !r->nmeasures ? "metric"
                            : !r->period ? "period" : !r->severity ? "severity"
                            : !r->zh ? "zh" : !r->en ? "en" : !r->clause ? "clause"
                            : (!r->roles && !r->unit && !r->org && !r->case_kind) ? "applies" : NULL;
        if (missing) {
            s_fail (self, r->line, "rule %s: '%s' is missing", r->id, missing);
            break;
        }
        if (!set->system_names[r->system]) {
            s_fail (self, r->line, "rule %s: system %d has no [system %d] section", r->id,
                    r->system, r->system);
            break;
        }
        const char *why = s_check_rule (r);
        if (why)
            s_fail (self, r->line, "rule %s: %s", r->id, why);
    }
    if (!self->failed && set->n == 0)
        s_fail (self, 0, "no rules");
}

ml_ruleset_t *
ml_ruleset_load (const char *path, char *err, size_t errlen)
{
    ml_ruleset_t *set = calloc (1, sizeof *set);
    if (!set) {
        snprintf (err, errlen, "%s: out of memory", path);
        return NULL;
    }
    s_load_t self = { .set = set, .path = path, .err = err, .errlen = errlen };
    int rc = ml_ini_parse (path, s_handler, &self);
    if (rc < 0)
        snprintf (err, errlen, "%s: cannot open: %s", path, strerror (errno));
    else if (rc > 0)
        s_fail (&self, rc, "not an INI line");
    else
        s_check (&self);
    if (rc || self.failed)
        ml_ruleset_destroy (&set);
    return set;
}

void
ml_ruleset_destroy (ml_ruleset_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_ruleset_t *self = *self_p;
    for (size_t i = 0; i < self->n; i++) {
        free (self->rules[i].zh);
        free (self->rules[i].en);
        free (self->rules[i].clause);
    }
    for (int s = 0; s <= ML_SYSTEMS; s++)
        free (self->system_names[s]);
    free (self->rules);
    free (self->id);
    free (self);
    *self_p = NULL;
}

const char *
ml_ruleset_id (const ml_ruleset_t *self)
{
    return self->id;
}

size_t
ml_ruleset_size (const ml_ruleset_t *self)
{
    return self->n;
}

const ml_rule_t *
ml_ruleset_rule (const ml_ruleset_t *self, size_t i)
{
    return i < self->n ? &self->rules[i] : NULL;
}

const ml_rule_t *
ml_ruleset_find (const ml_ruleset_t *self, const char *id)
{
    return s_find ((ml_ruleset_t *) self, id);
}

int
ml_ruleset_complaints (const ml_ruleset_t *self)
{
    return self->complaints > 0 ? self->complaints : 3;
}

const char *
ml_ruleset_system_name (const ml_ruleset_t *self, int system)
{
    if (system < 1 || system > ML_SYSTEMS || !self->system_names[system])
        return "";
    return self->system_names[system];
}
