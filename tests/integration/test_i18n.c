/* test_i18n.c -- the clerk's language (design.md "v2: languages"): the real massline-agent with
   the catalogue meson built (MASSLINE_LOCALEDIR points at it) imports a bad ledger and says why
   in Chinese under a Chinese locale, and in English, word for word as before, under C. The
   zh_CN.UTF-8 locale is made with localedef into the test's directory (LOCPATH) when the system
   lacks it, so the test needs no root. */
#include "ml_harness.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define s_agent(out, ini, ...) ml_h_run (out, 300000, ML_AGENT, "-c", ini, __VA_ARGS__, NULL)

static const char s_persons[] = "人员编号,姓名,职务类别,开始日期\r\n"
                                "P001,周建华,班子成员,2025-01-01\r\n";

//  Three bad rows: a value not in the list, the template's sample row, a date that is none.
static const char s_bad[] = "编号,日期,人员编号,接访方式,公布日期\r\n"
                            "JF-1,2026-01-15,P001,走访,2026-01-10\r\n"
                            "示例,2026-01-16,P001,定点接访,2026-01-10\r\n"
                            "JF-3,2026-01-17,P001,定点接访,2026/2/30\r\n";

//  The environment of a child: only the variables given pick the language.
static void
s_locale (const char *lang, const char *language)
{
    unsetenv ("LC_ALL");
    unsetenv ("LC_MESSAGES");
    setenv ("LANG", lang, 1);
    if (language)
        setenv ("LANGUAGE", language, 1);
    else
        unsetenv ("LANGUAGE");
}

//  Makes zh_CN.UTF-8 usable by the children: the system's, or one made with localedef into the
//  test's directory.
static void
s_zh_locale (void)
{
    ml_h_out_t out;
    if (ml_h_run (&out, 10000, "/usr/bin/locale", "-a", NULL) == 0
        && (strstr (out.out, "zh_CN.utf8\n") || strstr (out.out, "zh_CN.UTF-8\n")))
        return;
    char *dir = ml_h_str ("%s/locale", ml_h_dir ());
    mkdir (dir, 0755);
    int code = ml_h_run (&out, 120000, "/usr/bin/localedef", "-i", "zh_CN", "-f", "UTF-8",
                         ml_h_str ("%s/zh_CN.UTF-8", dir), NULL);
    cr_assert (code == 0 || code == 1, "localedef exited %d: %s", code, out.err);   // 1: warnings
    setenv ("LOCPATH", dir, 1);
}

static const char *
s_setup (void)
{
    cr_assert_not_null (getenv ("MASSLINE_LOCALEDIR"), "meson passes the built catalogue");
    ml_h_bureau ();
    const char *ini = ml_h_agent_ini ("H001");
    char *persons = ml_h_str ("%s/人员台账.csv", ml_h_dir ());
    ml_h_write (persons, s_persons);
    ml_h_out_t out;
    cr_assert_eq (s_agent (&out, ini, "import", persons), 0, "%s", out.err);
    return ini;
}

//  Imports the bad ledger; asserts it fails and each of WANT (NULL-ended) is one line of stderr.
static void
s_import_says (const char *ini, const char *const want[])
{
    char *path = ml_h_str ("%s/接访台账.csv", ml_h_dir ());
    ml_h_write (path, s_bad);
    ml_h_out_t out;
    cr_assert_eq (s_agent (&out, ini, "import", path), 1, "%s", out.err);
    for (int i = 0; want[i]; i++)
        cr_assert_eq (ml_h_count_lines (out.err, ml_h_str ("massline-agent: %s:%s", path, want[i])), 1,
                      "missing: %s\nin: %s", want[i], out.err);
}

Test (i18n, a_chinese_locale_gives_the_reasons_in_chinese, .init = ml_h_init, .fini = ml_h_fini)
{
    const char *ini = s_setup ();
    s_zh_locale ();
    s_locale ("zh_CN.UTF-8", NULL);
    const char *const want[] = {
        "2: 字段 '接访方式'：无效的值“走访” (应为以下之一: 定点接访, 公开接访, 重点约访, 专题接访, 带案下访, 上门回访)",
        "3: 字段 '编号'：这是模板的示例行（示例）：请删除，它不是真实记录",
        "4: 字段 '公布日期'：不是日期 (2026/2/30)",
        " 此文件的内容一条也没有记录",
        NULL };
    s_import_says (ini, want);

    ml_h_out_t out;
    cr_assert_eq (ml_h_run (&out, 10000, ML_AGENT, "--help", NULL), 0);
    cr_assert (strstr (out.out, "用法：massline-agent [-c 文件] 命令 [参数]"), "%s", out.out);
    cr_assert (strstr (out.out, "导入台账"), "%s", out.out);
    ml_h_pass ();
}

//  LANGUAGE chooses the messages under any locale but C (glibc), e.g. C.UTF-8, which every
//  system has.
Test (i18n, language_zh_cn_under_c_utf8_gives_chinese_too, .init = ml_h_init, .fini = ml_h_fini)
{
    const char *ini = s_setup ();
    s_locale ("C.UTF-8", "zh_CN");
    const char *const want[] = { "4: 字段 '公布日期'：不是日期 (2026/2/30)", NULL };
    s_import_says (ini, want);
    ml_h_pass ();
}

Test (i18n, the_c_locale_keeps_the_english_text, .init = ml_h_init, .fini = ml_h_fini)
{
    const char *ini = s_setup ();
    s_locale ("C", "zh_CN");   //  glibc ignores LANGUAGE under C: scripts see English
    const char *const want[] = {
        "2: field '接访方式': unknown value '走访' (expected one of 定点接访, 公开接访, 重点约访, "
        "专题接访, 带案下访, 上门回访)",
        "3: field '编号': the template's sample row (示例): delete it, it is no record",
        "4: field '公布日期': not a date (2026/2/30)",
        " nothing recorded from this file",
        NULL };
    s_import_says (ini, want);
    ml_h_out_t out;
    cr_assert_eq (ml_h_run (&out, 10000, ML_AGENT, "--help", NULL), 0);
    cr_assert (strstr (out.out, "usage: massline-agent [-c FILE] COMMAND [ARGS]"), "%s", out.out);
    ml_h_pass ();
}
