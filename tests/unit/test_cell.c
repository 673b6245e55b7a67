/* test_cell.c -- ledger cells as clerks type them: full-width forms, dates, 是/否. */
#include <criterion/criterion.h>
#include <string.h>

#include "ml_cell.h"

static const char *
s_norm (const char *cell, ml_cell_type_t type)
{
    static char buf[256];
    return ml_cell_normalise (cell, type, buf, sizeof buf);
}

Test (cell, full_width_digits_and_punctuation_fold_to_ascii)
{
    cr_assert_str_eq (s_norm ("Ｐ００１", ML_CELL_CODE), "P001");
    cr_assert_str_eq (s_norm ("ＸＦ２０２５－００１", ML_CELL_CODE), "XF2025-001");
    cr_assert_str_eq (s_norm ("３", ML_CELL_CODE), "3");
    cr_assert_str_eq (s_norm ("１，２", ML_CELL_CODE), "1,2");
    cr_assert_str_eq (s_norm ("\xE3\x80\x80P001 \xC2\xA0", ML_CELL_CODE), "P001", "ideographic and no-break spaces trimmed");
}

Test (cell, prose_with_chinese_stays_as_typed)
{
    cr_assert_str_eq (s_norm ("困难家庭（李某），２户", ML_CELL_TEXT), "困难家庭（李某），２户");
    cr_assert_str_eq (s_norm ("（李某）", ML_CELL_CODE), "（李某）");
    cr_assert_str_eq (s_norm ("ＸＦ２０２５－００１", ML_CELL_TEXT), "ＸＦ２０２５－００１",
                      "text accepted as typed before keeps its derived ref");
    cr_assert_str_eq (s_norm ("２０２５．３．５", ML_CELL_NOTE), "２０２５．３．５", "a note is never rewritten");
    cr_assert_str_eq (s_norm ("  备注 ", ML_CELL_NOTE), "备注");
}

Test (cell, dates_in_every_form_clerks_type)
{
    const char *forms[] = { "2025-03-05", "2025-3-5", "2025/3/5", "2025.3.5", "2025年3月5日",
                            "２０２５－０３－０５", "２０２５．３．５", "２０２５年３月５日", "２０２５／３／５",
                            "\xE3\x80\x80" "2025.03.05 ", NULL };
    for (int i = 0; forms[i]; i++)
        cr_assert_str_eq (s_norm (forms[i], ML_CELL_TEXT), "2025-03-05", "%s", forms[i]);
    cr_assert_str_eq (s_norm ("2025.2.30", ML_CELL_TEXT), "2025.2.30", "no such day: left for the check to refuse");
    cr_assert_str_eq (s_norm ("２０２５．２．３０", ML_CELL_TEXT), "２０２５．２．３０", "nor a full-width one");
    cr_assert_str_eq (s_norm ("2025.3.5", ML_CELL_CODE), "2025.3.5", "only text fields hold dates");
}

Test (cell, yes_and_no_in_every_form)
{
    const char *yes[] = { "是", "Y", "y", "Yes", "TRUE", "true", "1", "√", "✓", "对", "Ｙ", "１", NULL };
    const char *no[] = { "否", "N", "n", "no", "FALSE", "0", "×", "✗", "错", "Ｎ", NULL };
    for (int i = 0; yes[i]; i++)
        cr_assert_str_eq (s_norm (yes[i], ML_CELL_BOOL), "是", "%s", yes[i]);
    for (int i = 0; no[i]; i++)
        cr_assert_str_eq (s_norm (no[i], ML_CELL_BOOL), "否", "%s", no[i]);
    cr_assert_str_eq (s_norm ("也许", ML_CELL_BOOL), "也许", "anything else is the caller's to refuse");
}

Test (cell, a_cell_longer_than_the_buffer_is_returned_as_it_is)
{
    char big[600];
    memset (big, 'A', sizeof big - 1);
    big[sizeof big - 1] = 0;
    char buf[64];
    cr_assert_eq (ml_cell_normalise (big, ML_CELL_CODE, buf, sizeof buf), big);
}
