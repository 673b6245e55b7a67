/* test_registry.c -- registry.ini: units, agents and clients; every mistake named as FILE:LINE: reason. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_registry.h"
#include "ml_test.h"

static const char *s_path;             //  registry.ini in the temp folder

static void
s_setup (void)
{
    t_dir_setup ();
    s_path = t_path ("registry.ini");
}

TestSuite (registry, .init = s_setup, .fini = t_dir_teardown);

#define K1 "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
#define K2 "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
#define K3 "b8loV^tt{Wvs9Fx!&QF0yjbDnu/A9>DE9y[4.Q.n"

static void
s_write (const char *text)
{
    t_write ("registry.ini", text);
}

//  Loading TEXT fails with "PATH:REST".
static void
s_fails (const char *text, const char *rest)
{
    s_write (text);
    char err[512], want[512];
    ml_registry_t *reg = ml_registry_load (s_path, err, sizeof err);
    cr_assert_null (reg, "loaded, but expected: %s", rest);
    snprintf (want, sizeof want, "%s:%s", s_path, rest);
    cr_assert_str_eq (err, want);
}

static const char s_good[] =
    "; the bureau's units\n"
    "[unit H001]\n"
    "name = 镇江市第一人民医院   ; a comment\n"
    "\n"
    "[unit H002]\n"
    "\n"
    "[agent H001]\n"
    "unit = H001\n"
    "key = " K1 "\n"
    "\n"
    "[agent H002-b]\n"
    "key = " K2 "\n"
    "unit = H002\n"
    "\n"
    "# staff\n"
    "[client admin]\n"
    "role = auditor\n"
    "key = " K3 "\n";

Test (registry, parses_a_good_registry)
{
    s_write (s_good);
    char err[512];
    ml_registry_t *reg = ml_registry_load (s_path, err, sizeof err);
    cr_assert_not_null (reg, "%s", err);
    cr_assert_eq (ml_registry_unit_count (reg), 2);
    cr_assert_str_eq (ml_registry_unit_at (reg, 0)->name, "镇江市第一人民医院");
    cr_assert_str_eq (ml_registry_unit (reg, "H002")->name, "H002", "the name defaults to the id");
    cr_assert_null (ml_registry_unit (reg, "H003"));
    cr_assert_eq (ml_registry_principal_count (reg), 3);
    cr_assert_eq (ml_registry_count (reg, ML_PRINCIPAL_AGENT), 2);
    cr_assert_eq (ml_registry_count (reg, ML_PRINCIPAL_CLIENT), 1);

    const ml_principal_t *p = ml_registry_by_key (reg, K2);
    cr_assert_not_null (p);
    cr_assert_eq (p->kind, ML_PRINCIPAL_AGENT);
    cr_assert_str_eq (p->id, "H002-b");
    cr_assert_str_eq (p->unit, "H002");
    cr_assert_str_eq (p->user_id, "agent:H002-b");
    cr_assert_eq (ml_registry_by_user_id (reg, "agent:H002-b"), p);

    p = ml_registry_by_user_id (reg, "client:admin");
    cr_assert_not_null (p);
    cr_assert_eq (p->kind, ML_PRINCIPAL_CLIENT);
    cr_assert_eq (p->role, ML_ROLE_AUDITOR);
    cr_assert_str_eq (p->key, K3);
    cr_assert_null (ml_registry_by_user_id (reg, "agent:admin"));
    cr_assert_null (ml_registry_by_key (reg, "0000000000000000000000000000000000000000"));
    ml_registry_destroy (&reg);
    cr_assert_null (reg);
    ml_registry_destroy (&reg);
}

Test (registry, the_same_key_twice_is_refused)
{
    s_fails ("[unit H001]\n[agent A]\nunit = H001\nkey = " K1 "\n[client admin]\nrole = staff\nkey = " K1 "\n",
             "7: key: the same key is already registered for agent:A");
}

Test (registry, a_key_given_twice_in_a_section_is_refused)
{
    s_fails ("[unit H001]\n[agent A]\nunit = H001\nunit = H001\nkey = " K1 "\n",
             "4: key 'unit' given twice in [agent A] (first at line 3)");
}

Test (registry, a_section_given_twice_is_refused)
{
    s_fails ("[unit H001]\nname = a\n[unit H001]\n", "3: [unit H001] is given twice");
}

Test (registry, an_unknown_role_is_refused)
{
    s_fails ("[client boss]\nrole = emperor\nkey = " K1 "\n",
             "2: role: unknown role 'emperor' (expected staff, auditor, reviewer or leader)");
}

Test (registry, a_bad_z85_key_is_refused)
{
    s_fails ("[unit H001]\n[agent A]\nunit = H001\nkey = tooshort\n",
             "4: key: not a 40-character Z85 key (tooshort)");
    s_fails ("[unit H001]\n[agent A]\nunit = H001\nkey = " "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf\"" "\n",
             "4: key: not a 40-character Z85 key (rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf\")");
}

Test (registry, an_agent_without_unit_is_refused)
{
    s_fails ("[unit H001]\n\n[agent A]\nkey = " K1 "\n\n[unit H002]\n", "3: [agent A] has no unit");
    s_fails ("[unit H001]\n[agent A]\nkey = " K1 "\n", "2: [agent A] has no unit");
}

Test (registry, an_agent_of_an_undeclared_unit_is_refused)
{
    s_fails ("[unit H001]\n[agent A]\nunit = H009\nkey = " K1 "\n",
             "3: unit: [agent A] names unit H009, but there is no [unit H009]");
}

Test (registry, other_mistakes_are_named)
{
    s_fails ("[client admin]\nkey = " K1 "\n", "1: [client admin] has no role");
    s_fails ("[agent A]\nunit = H001\n", "1: [agent A] has no key");
    s_fails ("[hospital H1]\n", "1: unknown section [hospital] (expected [unit ID], [agent ID] or [client ID])");
    s_fails ("[unit H 1]\n", "1: [unit H 1]: an id is 1 to 64 characters of A-Z a-z 0-9 . _ -");
    s_fails ("[unit]\n", "1: [unit ]: an id is 1 to 64 characters of A-Z a-z 0-9 . _ -");
    s_fails ("name = x\n", "1: key 'name' outside any section");
    s_fails ("[unit H1]\nkey = " K1 "\n", "2: unknown key 'key' in [unit H1]");
    s_fails ("[unit H1]\njust words\n", "2: expected [type id] or key = value");
}

Test (registry, a_missing_file_is_named)
{
    char err[512];
    cr_assert_null (ml_registry_load ("/nonexistent/registry.ini", err, sizeof err));
    cr_assert_str_eq (err, "/nonexistent/registry.ini: No such file or directory");
}
