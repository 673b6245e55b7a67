/* test_rules.c -- the rule file (ml_rules): the shipped zhenjiang-2014.ini holds every rule of
   rules.md, a bad file is refused with file, line and reason, and the file alone decides a
   threshold. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_rules.h"
#include "ml_test_engine.h"

TestSuite (rules, .init = t_engine_setup, .fini = t_engine_teardown);

//  The rule ids of rules.md, in its order.
static const char *s_rule_ids[] = {
    "1.3a", "1.3b", "1.3c", "1.3d", "1.3e", "1.3f", "1.3g", "1.2",
    "2.1a", "2.1b", "2.1c", "2.3a", "2.3b",
    "3.1a", "3.1b", "3.2a", "3.2b", "3.2c", "3.2d", "3.2e",
    "4.1a", "4.1b", "4.1c", "4.2a", "4.2b", "4.2c", "4.3a", "4.3b", "4.3c", "4.3d", "4.3e",
    "5.1a", "5.1b", "5.3",
    "6.2a", "6.2b", "6.3a", "6.3b", "6.3c", "6.1",
    "7.0", "7.1a", "7.1b", "7.2", "7.3", "7.4",
    "8.1a", "8.1b", "8.1c", "8.2a", "8.2b", "8.2c",
};

//  Appends to MISSING the rule ids of the spec's rules.md (when it is at hand) that the shipped
//  file lacks: those of the table "Clauses added in v2" when V2, all the others when not.
static void
s_rules_md_missing (bool v2, char *missing, size_t size)
{
    *missing = 0;
    FILE *md = fopen ("/work/shared/spec/rules.md", "r");
    char line[2048], id[16];
    bool in_v2 = false;
    while (md && fgets (line, sizeof line, md)) {
        if (strstr (line, "Clauses added in v2"))
            in_v2 = true;
        else
        if (in_v2 && line[0] != '|' && line[0] != '\n')
            in_v2 = false;
        if (sscanf (line, "| %15[0-9.a-z] |", id) == 1 && id[1] == '.' && in_v2 == v2
        &&  !ml_ruleset_find (t_rules (), id)) {
            size_t len = strlen (missing);
            snprintf (missing + len, size - len, " %s", id);
        }
    }
    if (md)
        fclose (md);
}

Test (rules, shipped_file_has_every_rule_of_rules_md)
{
    size_t n = sizeof s_rule_ids / sizeof s_rule_ids[0];
    cr_assert_str_eq (ml_ruleset_id (t_rules ()), "zhenjiang-2014");
    cr_assert_eq (ml_ruleset_size (t_rules ()), n);
    for (size_t i = 0; i < n; i++) {
        const ml_rule_t *rule = ml_ruleset_find (t_rules (), s_rule_ids[i]);
        cr_assert (rule, "rule %s is missing", s_rule_ids[i]);
        cr_assert (rule->zh && *rule->zh && rule->en && *rule->en && rule->clause, "%s", rule->id);
        cr_assert_eq (rule->system, s_rule_ids[i][0] - '0', "%s", rule->id);
    }
    //  And rules.md itself, when the spec is at hand, names no other rule -- but for the clauses
    //  its v2 added, which the next test lists until the rule file has them.
    char missing[512];
    s_rules_md_missing (false, missing, sizeof missing);
    cr_assert_str_eq (missing, "", "rules.md rules not in the file:%s", missing);
    for (int s = 1; s <= ML_SYSTEMS; s++)
        cr_assert (*ml_ruleset_system_name (t_rules (), s), "system %d has no name", s);
    cr_assert_str_eq (ml_ruleset_system_name (t_rules (), 4), "定期接待群众来访下访制度");
}

//  The clauses rules.md v2 added (3.2d, 3.2e, 4.2c, ...) come with issue 11 (rules v2); until the
//  rule file has them this test says which are missing and is skipped, not passed.
Test (rules, shipped_file_has_the_clauses_added_in_v2)
{
    char missing[512];
    s_rules_md_missing (true, missing, sizeof missing);
    cr_assert_str_eq (missing, "", "rules.md v2 clauses not in the rule file:%s", missing);
    //  Their settings: 4.2c and 7.2 carry their time limits, 4.1a judges mixed months (V3).
    cr_assert_eq (ml_ruleset_find (t_rules (), "4.2c")->days, 60);
    cr_assert_eq (ml_ruleset_find (t_rules (), "7.2")->days, 30);
    cr_assert (ml_ruleset_find (t_rules (), "4.1a")->mixed_roles);
    cr_assert_eq (ml_ruleset_complaints (t_rules ()), 3);
}

Test (rules, shipped_file_lines_fit_the_ini_reader)
{
    FILE *f = fopen (t_rules_path (), "r");
    cr_assert (f);
    char line[1024];
    int n = 0;
    while (fgets (line, sizeof line, f)) {
        n++;
        cr_assert_lt (strlen (line), 199, "line %d is %zu bytes; the INI reader stops at 199", n,
                      strlen (line));
    }
    fclose (f);
}

Test (rules, informational_rules_are_severity_info)
{
    const char *info[] = { "1.2", "3.2c", "4.2b", "5.3", "6.2a", "7.0", "7.1b" };
    for (size_t i = 0; i < sizeof info / sizeof info[0]; i++)
        cr_assert_eq (ml_ruleset_find (t_rules (), info[i])->severity, ML_SEVERITY_INFO, "%s", info[i]);
    cr_assert_eq (ml_ruleset_find (t_rules (), "2.1c")->severity, ML_SEVERITY_WARNING);
    cr_assert_eq (ml_ruleset_find (t_rules (), "1.3b")->min, 60);
}

static const char *s_base =
    "[ruleset]\n"                         //  1
    "id = t\n"                            //  2
    "[system 1]\n"                        //  3
    "name = 调研\n"                        //  4
    "[rule 1.3b]\n"                       //  5
    "system = 1\n"                        //  6
    "applies = main_leader\n"             //  7
    "metric = research_days\n"            //  8
    "period = year\n"                     //  9
    "min = 60\n"                          //  10
    "severity = violation\n"              //  11
    "zh = 调研不少于2个月\n"                 //  12
    "en = two months\n"                   //  13
    "clause = （一）3\n";                   //  14

//  Loads BASE with FROM replaced by TO; returns the error (or "" when it loaded).
static const char *
s_load_error (const char *from, const char *to)
{
    static char err[512];
    char text[2048];
    const char *at = strstr (s_base, from);
    cr_assert (at, "%s is not in the base file", from);
    snprintf (text, sizeof text, "%.*s%s%s", (int) (at - s_base), s_base, to, at + strlen (from));
    err[0] = 0;
    ml_ruleset_t *set = ml_ruleset_load (t_write ("bad.ini", text), err, sizeof err);
    if (set)
        ml_ruleset_destroy (&set);
    //  Keep only what follows the folder, for readable expectations.
    const char *name = strstr (err, "bad.ini");
    return name ? name : err;
}

Test (rules, a_bad_rule_file_is_refused_with_file_line_and_reason)
{
    cr_assert_str_eq (s_load_error ("", ""), "");
    cr_assert_str_eq (s_load_error ("min = 60\n", "min = 60\nmni = 3\n"),
                      "bad.ini:11: rule 1.3b: unknown key 'mni'");
    cr_assert_str_eq (s_load_error ("research_days", "research_dayz"),
                      "bad.ini:8: rule 1.3b: metric: unknown metric 'research_dayz'");
    cr_assert_str_eq (s_load_error ("main_leader", "main_leader, boss"),
                      "bad.ini:7: rule 1.3b: applies: unknown role 'boss'");
    cr_assert_str_eq (s_load_error ("min = 60", "min = sixty"),
                      "bad.ini:10: rule 1.3b: min: not a whole number: 'sixty'");
    cr_assert_str_eq (s_load_error ("min = 60", "min = 6.5"),
                      "bad.ini:10: rule 1.3b: min: not a whole number: '6.5'");
    cr_assert_str_eq (s_load_error ("period = year", "period = decade"),
                      "bad.ini:9: rule 1.3b: period: unknown value 'decade'");
    cr_assert_str_eq (s_load_error ("min = 60", "min = 60\nmin = 50"),
                      "bad.ini:11: rule 1.3b: 'min' given twice");
    cr_assert_str_eq (s_load_error ("zh = 调研不少于2个月\n", ""),
                      "bad.ini:6: rule 1.3b: 'zh' is missing");
    cr_assert_str_eq (s_load_error ("[rule 1.3b]", "[rul 1.3b]"), "bad.ini:6: unknown section [rul 1.3b]");
    cr_assert_str_eq (s_load_error ("system = 1\n", "system = 9\n"),
                      "bad.ini:6: rule 1.3b: system: out of range: '9'");
    cr_assert_str_eq (s_load_error ("period = year", "period = case"),
                      "bad.ini:6: rule 1.3b: period = case needs a case metric");
    cr_assert_str_eq (s_load_error ("main_leader", "case:petition"),
                      "bad.ini:6: rule 1.3b: applies = case:KIND needs period = case");
    cr_assert_str_eq (s_load_error ("period = year", "period = month\nmax_is = guide"),
                      "bad.ini:6: rule 1.3b: max_is needs max");
}

Test (rules, a_duplicate_rule_id_is_refused)
{
    char text[2048];
    snprintf (text, sizeof text, "%s[rule 1.3c]\nsystem = 1\n[rule 1.3b]\nsystem = 1\n", s_base);
    char err[512] = "";
    cr_assert_null (ml_ruleset_load (t_write ("dup.ini", text), err, sizeof err));
    cr_assert_str_eq (strstr (err, "dup.ini"), "dup.ini:18: rule 1.3b: duplicate rule id");
}

Test (rules, a_missing_file_is_named)
{
    char err[512] = "";
    cr_assert_null (ml_ruleset_load ("/nonexistent/rules.ini", err, sizeof err));
    cr_assert_str_eq (err, "/nonexistent/rules.ini: cannot open: No such file or directory");
}

Test (rules, changing_a_threshold_in_the_file_changes_the_verdict)
{
    t_person ("H001", "P1", "王书记", NULL, T_MAIN);
    t_trip ("P1", "2025-03-01", "2025-03-31", false);
    t_trip ("P1", "2025-06-01", "2025-06-24", false);           //  55 days
    t_expect ("P1", "1.3b", "unmet", 55, 60);
    //  A copy of the shipped file with 50 instead of 60, no code change.
    FILE *in = fopen (t_rules_path (), "r");
    cr_assert (in);
    char line[1024];
    const char *path = t_path ("edited.ini");
    FILE *out = fopen (path, "w");
    bool in_rule = false, edited = false;
    while (fgets (line, sizeof line, in)) {
        if (line[0] == '[')
            in_rule = strcmp (line, "[rule 1.3b]\n") == 0;
        if (in_rule && strcmp (line, "min = 60\n") == 0) {
            strcpy (line, "min = 50\n");
            edited = true;
        }
        fputs (line, out);
    }
    fclose (in);
    fclose (out);
    cr_assert (edited);
    char err[512];
    ml_ruleset_t *edited_rules = ml_ruleset_load (path, err, sizeof err);
    cr_assert (edited_rules, "%s", err);
    const ml_ruleset_t *shipped = t_use_rules (edited_rules);
    t_expect ("P1", "1.3b", "met", 55, 50);
    t_use_rules (shipped);
    ml_ruleset_destroy (&edited_rules);
}
