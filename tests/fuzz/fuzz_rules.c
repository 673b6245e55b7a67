/* fuzz_rules.c -- libFuzzer target: rule files (collector/rules/NAME.ini) through ml_ruleset_load.
   Properties of a loaded rule set: it has an id and rules; every rule is found by its id, names
   a system 1..8, has 1..8 measures that all have names, a period and a
   severity, and min <= max. A refused file always says why. */
#include "fuzz_common.h"
#include "ml_rules.h"

static void
s_check (const ml_ruleset_t *set)
{
    if (!ml_ruleset_id (set) || ml_ruleset_size (set) == 0)
        abort ();
    for (int s = 1; s <= ML_SYSTEMS; s++)
        (void) strlen (ml_ruleset_system_name (set, s));
    for (size_t i = 0; i < ml_ruleset_size (set); i++) {
        const ml_rule_t *r = ml_ruleset_rule (set, i);
        if (!r || ml_ruleset_find (set, r->id) != r)
            abort ();                   //  ids are unique and found
        //  (Its system's name may be "": the loader takes an empty `name =`.)
        if (r->system < 1 || r->system > ML_SYSTEMS)
            abort ();
        if (r->nmeasures < 1 || r->nmeasures > ML_RULE_MEASURES_MAX || r->nof > ML_RULE_MEASURES_MAX)
            abort ();
        for (size_t m = 0; m < r->nmeasures; m++)
            if (!ml_measure_name (r->measures[m]) || !ml_measure_source (r->measures[m], NULL))
                abort ();
        for (size_t m = 0; m < r->nof; m++)
            if (!ml_measure_name (r->of[m]))
                abort ();
        if (r->period < ML_PERIOD_YEAR || r->period > ML_PERIOD_CASE)
            abort ();
        if (r->severity < ML_SEVERITY_VIOLATION || r->severity > ML_SEVERITY_INFO)
            abort ();
        if (r->has_min && r->has_max && r->min > r->max)
            abort ();
        if (r->due < 0 || r->due > 12 || !r->zh || !r->en || !r->clause)
            abort ();
        (void) strlen (ml_severity_name (r->severity));
    }
    if (ml_ruleset_find (set, "no such rule"))
        abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    const char *path = fuzz_write ("rules.ini", data, size);
    char err[512] = "";
    ml_ruleset_t *set = ml_ruleset_load (path, err, sizeof err);
    if (set) {
        s_check (set);
        ml_ruleset_destroy (&set);
        if (set)
            abort ();
    }
    else if (!err[0])
        abort ();                       //  a refused file always says why
    unlink (path);
    return 0;
}
