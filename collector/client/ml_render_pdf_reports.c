/* ml_render_pdf_reports.c -- the bodies of the PDF documents, one per report kind: the head,
   info rows and sections of a unit-annual report, a cadre's annex, the rollup, the bulletin,
   the watch list, completeness and supervision (ml_render_pdf_reports.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_render.h"
#include "ml_render_pdf_parts.h"
#include "ml_render_pdf_reports.h"

//  The info rows about a submission: state and version, and the bureau's decision.
static void
s_submission_text (const json_t *report, char *state, size_t ssize, char *decision, size_t dsize)
{
    const json_t *submission = json_object_get (report, "submission");
    snprintf (state, ssize, "%s（第 %" JSON_INTEGER_FORMAT " 版）",
              ml_pdf_state_label (ml_render_str (submission, "state")), ml_pdf_version (report));
    if (!submission)
        snprintf (state, ssize, "未报送");
    char date [64];
    const char *by = ml_render_str (submission, "decided_by"), *reason = ml_render_str (submission, "reason");
    decision [0] = 0;
    if (!by && !reason)
        return;
    snprintf (decision, dsize, "%s%s%s%s%s", ml_render_or (by, "-"),
              ml_render_str (submission, "decided_at")? "　": "",
              ml_pdf_cn_date (ml_render_str (submission, "decided_at"), date, sizeof date),
              reason? "　理由：": "", ml_render_or (reason, ""));
}

void
ml_pdf_unit_annual (ml_pdf_doc_t *doc)
{
    const json_t *report = doc->report;
    json_t *persons = json_object_get (report, "persons");
    char unit [512], year [32], period [160], state [160], decision [1024], subtitle [64];
    int section = 0;
    snprintf (unit, sizeof unit, "%s（%s）", ml_render_or (ml_render_str (report, "unit_name"), "-"),
              ml_render_or (ml_render_str (report, "unit"), "-"));
    snprintf (subtitle, sizeof subtitle, "（%s年度）", ml_pdf_year (report, year, sizeof year));
    s_submission_text (report, state, sizeof state, decision, sizeof decision);
    ml_pdf_head (doc, "直接联系群众工作单位年度报告", subtitle);
    const char *info [] = {
        "报送单位", unit, "报告年度", year,
        "报告期间", ml_pdf_period (report, period, sizeof period),
        ml_render_no_data (report)? "数据情况": "", ml_render_no_data (report)? "无数据（本年度无人员名册和党组织）": "",
        "报送状态", state, "规则版本", ml_render_or (ml_render_str (report, "rules_version"), "-"),
        decision [0]? "审核情况": NULL, decision, "", "", NULL
    };
    ml_pdf_info (doc, info);
    ml_pdf_kpis (doc, json_object_get (report, "summary"), "人数", (json_int_t) json_array_size (persons));
    if (json_array_size (json_object_get (report, "systems")) > 0) {
        ml_pdf_heading (doc, &section, "分制度达标情况");
        ml_pdf_systems (doc, json_object_get (report, "systems"));
    }
    ml_pdf_heading (doc, &section, "人员履职情况");
    ml_pdf_persons (doc, persons);
    ml_pdf_heading (doc, &section, "人员履职明细");
    ml_pdf_person_rules (doc, persons);
    if (json_array_size (json_object_get (report, "unit_rules")) > 0) {
        ml_pdf_heading (doc, &section, "单位规则");
        ml_pdf_rules (doc, json_object_get (report, "unit_rules"));
    }
    if (json_object_size (json_object_get (report, "cases")) > 0) {
        ml_pdf_heading (doc, &section, "案件办理");
        ml_pdf_cases (doc, json_object_get (report, "cases"));
    }
}

void
ml_pdf_cadre (ml_pdf_doc_t *doc)
{
    const json_t *report = doc->report;
    json_t *person = json_object_get (report, "person");
    json_t *rules = json_object_get (person, "rules");
    char name [256], unit [512], roles [512], year [32], period [160], subtitle [64], metrics [2048], org [512];
    int section = 0;
    snprintf (name, sizeof name, "%s（%s）", ml_render_or (ml_render_str (person, "name"), "-"),
              ml_render_or (ml_render_str (person, "person"), "-"));
    snprintf (unit, sizeof unit, "%s（%s）", ml_render_or (ml_render_str (report, "unit_name"), "-"),
              ml_render_or (ml_render_str (report, "unit"), "-"));
    snprintf (subtitle, sizeof subtitle, "（%s年度）", ml_pdf_year (report, year, sizeof year));
    ml_pdf_head (doc, "领导干部述职述廉附件：直接联系群众", subtitle);
    const char *info [] = {
        "姓　　名", name, "职　　务", ml_render_roles (json_object_get (person, "roles"), roles, sizeof roles),
        "所在单位", unit, "所在组织", ml_render_or (ml_render_org (person, org, sizeof org), "-"),
        "报告期间", ml_pdf_period (report, period, sizeof period), "", "",
        "报告年度", year, "规则版本", ml_render_or (ml_render_str (report, "rules_version"), "-"), NULL
    };
    ml_pdf_info (doc, info);
    json_t *systems = ml_render_systems_of_rules (rules);
    json_t *summary = ml_render_summary_of_systems (systems);
    ml_pdf_kpis (doc, summary, NULL, 0);
    ml_pdf_heading (doc, &section, "分制度达标情况");
    ml_pdf_systems (doc, systems);
    if (ml_pdf_metrics_text (json_object_get (person, "metrics"), metrics, sizeof metrics) [0]) {
        ml_pdf_heading (doc, &section, "工作量");
        ml_pdf_para (doc, F_TEXT, C_INK, PANGO_ALIGN_LEFT, metrics, 8);
    }
    ml_pdf_heading (doc, &section, "履职情况");
    ml_pdf_rules (doc, rules);
    json_decref (summary);
    json_decref (systems);
}

//  Per-system totals over the units of a rollup.
static json_t *
s_sum_systems (const json_t *units)
{
    json_t *systems = json_array ();
    for (int number = 1; number <= ML_RENDER_SYSTEMS; number++) {
        json_int_t sums [4] = { 0 };
        const char *keys [] = { "checked", "met", "unmet", "warnings" };
        size_t index;
        json_t *unit;
        json_array_foreach (units, index, unit)
            for (int i = 0; i < 4; i++)
                sums [i] += ml_render_int (ml_render_system (json_object_get (unit, "systems"), number), keys [i]);
        json_array_append_new (systems, json_pack ("{s:i, s:s, s:I, s:I, s:I, s:I}", "system", number,
            "name", ml_render_system_long [number], "checked", sums [0], "met", sums [1],
            "unmet", sums [2], "warnings", sums [3]));
    }
    return systems;
}

void
ml_pdf_rollup (ml_pdf_doc_t *doc)
{
    const json_t *report = doc->report;
    json_t *units = json_object_get (report, "units");
    char year [32], period [160], subtitle [64], count [32];
    int section = 0;
    snprintf (subtitle, sizeof subtitle, "（%s年度）", ml_pdf_year (report, year, sizeof year));
    snprintf (count, sizeof count, "%zu", json_array_size (units));
    ml_pdf_head (doc, "直接联系群众工作全局汇总", subtitle);
    const char *info [] = {
        "报告年度", year, "规则版本", ml_render_or (ml_render_str (report, "rules_version"), "-"),
        "报告期间", ml_pdf_period (report, period, sizeof period), "", "", NULL
    };
    ml_pdf_info (doc, info);
    ml_pdf_kpis (doc, json_object_get (report, "summary"), "单位数", (json_int_t) json_array_size (units));
    ml_pdf_heading (doc, &section, "分制度达标情况");
    json_t *systems = s_sum_systems (units);
    ml_pdf_systems (doc, systems);
    json_decref (systems);
    ml_pdf_heading (doc, &section, "各单位达标情况");
    ml_pdf_units (doc, units, 0);
}

void
ml_pdf_bulletin (ml_pdf_doc_t *doc)
{
    const json_t *report = doc->report;
    char period [160];
    int section = 0;
    ml_pdf_head (doc, "直接联系群众工作进度通报", ml_render_str (report, "period"));
    const char *info [] = {
        "通报期间", ml_pdf_period (report, period, sizeof period), "", "",
        "规则版本", ml_render_or (ml_render_str (report, "rules_version"), "-"), "", "", NULL
    };
    ml_pdf_info (doc, info);
    ml_pdf_para (doc, F_TEXT, C_INK, PANGO_ALIGN_LEFT, "要求按期末折算，按达标率排名。", 6);
    ml_pdf_heading (doc, &section, "排名");
    ml_pdf_units (doc, json_object_get (report, "units"), 1);
}

void
ml_pdf_watchlist (ml_pdf_doc_t *doc)
{
    static const ml_pdf_col_t cols [] = {
        { "单位", 96, PANGO_ALIGN_LEFT }, { "姓名", 56, PANGO_ALIGN_LEFT },
        { "规则", 34, PANGO_ALIGN_CENTER }, { "内容", 0, PANGO_ALIGN_LEFT },
        { "性质", 34, PANGO_ALIGN_CENTER }, { "实际", 36, PANGO_ALIGN_RIGHT },
        { "要求", 36, PANGO_ALIGN_RIGHT }
    };
    const json_t *report = doc->report;
    json_t *rows = json_object_get (report, "rows");
    char year [32], period [160], subtitle [64], count [32];
    int section = 0;
    snprintf (subtitle, sizeof subtitle, "（%s年度）", ml_pdf_year (report, year, sizeof year));
    snprintf (count, sizeof count, "%zu", json_array_size (rows));
    ml_pdf_head (doc, "督查名单", subtitle);
    const char *info [] = {
        "报告期间", ml_pdf_period (report, period, sizeof period), "", "",
        "报告年度", year, "未达标项", count, NULL
    };
    ml_pdf_info (doc, info);
    ml_pdf_heading (doc, &section, "未达标项");
    ml_pdf_table_t table;
    ml_pdf_table_init (&table, cols, 7, 1);
    ml_pdf_table_begin (doc, &table);
    size_t index;
    json_t *row;
    json_array_foreach (rows, index, row) {
        char name [256], actual [64], required [64];
        const char *severity = ml_render_str (row, "severity");
        if (ml_render_str (row, "person"))
            snprintf (name, sizeof name, "%s（%s）", ml_render_or (ml_render_str (row, "name"), "-"),
                      ml_render_str (row, "person"));
        else
            snprintf (name, sizeof name, "（单位）");
        ml_pdf_cell_t cells [7] = {
            { ml_render_or (ml_render_str (row, "unit_name"), ml_render_or (ml_render_str (row, "unit"), "-")), C_INK, 0 },
            { name, C_INK, 0 }, { ml_render_or (ml_render_str (row, "rule"), "-"), C_INK, 0 },
            { ml_render_or (ml_render_str (row, "text"), ""), C_INK, 0 },
            { ml_render_severity_label (severity), severity && strcmp (severity, "warning") == 0? C_AMBER: C_RED, 0 },
            { ml_render_value (json_object_get (row, "actual"), actual, sizeof actual, "-"), C_INK, 0 },
            { ml_render_required (row, required, sizeof required, "-"), C_INK, 0 }
        };
        ml_pdf_row (doc, &table, cells, 7, F_BODY, 0, 0);
    }
    ml_pdf_table_end (doc);
}

//  Completeness and timeliness (issue 12): units x months, each month on time (✓), late (迟),
//  missing (✗) or not yet due (·), then the two rates. 15 columns: fits A4 portrait.
void
ml_pdf_completeness (ml_pdf_doc_t *doc)
{
    static const char *const months [12] = {
        "1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"
    };
    ml_pdf_col_t cols [15];
    cols [0] = (ml_pdf_col_t) { "单位", 0, PANGO_ALIGN_LEFT };
    for (int m = 0; m < 12; m++)
        cols [1 + m] = (ml_pdf_col_t) { months [m], 26, PANGO_ALIGN_CENTER };
    cols [13] = (ml_pdf_col_t) { "报送率", 38, PANGO_ALIGN_RIGHT };
    cols [14] = (ml_pdf_col_t) { "及时率", 38, PANGO_ALIGN_RIGHT };
    const json_t *report = doc->report;
    json_t *units = json_object_get (report, "units");
    char year [32], period [160], subtitle [64], count [32], due [64];
    int section = 0;
    snprintf (subtitle, sizeof subtitle, "（%s年度）", ml_pdf_year (report, year, sizeof year));
    snprintf (count, sizeof count, "%zu", json_array_size (units));
    snprintf (due, sizeof due, "次月%" JSON_INTEGER_FORMAT "日", ml_render_int (report, "due_day"));
    ml_pdf_head (doc, "台账报送情况", subtitle);
    const char *info [] = {
        "报告期间", ml_pdf_period (report, period, sizeof period), "", "",
        "报告年度", year, "单位数", count, "报送截止", due,
        "截至日期", ml_render_or (ml_render_str (report, "as_of"), "-"), NULL
    };
    ml_pdf_info (doc, info);
    ml_pdf_heading (doc, &section, "各单位逐月报送");
    ml_pdf_table_t table;
    ml_pdf_table_init (&table, cols, 15, 1);
    ml_pdf_table_begin (doc, &table);
    size_t index;
    json_t *unit;
    json_array_foreach (units, index, unit) {
        char name [256], rates [2][32];
        ml_pdf_cell_t cells [15] = { { NULL, C_INK, 0 } };
        snprintf (name, sizeof name, "%s%s",
                  ml_render_or (ml_render_str (unit, "unit_name"), ml_render_or (ml_render_str (unit, "unit"), "-")),
                  json_is_true (json_object_get (unit, "no_data"))? "（无数据）": "");
        cells [0] = (ml_pdf_cell_t) { name, C_INK, 0 };
        json_t *list = json_object_get (unit, "months"), *month;
        for (int m = 0; m < 12; m++) {
            //  by its "month" ("YYYY-MM") where it has one, else by position
            month = json_array_get (list, (size_t) m);
            size_t j;
            json_t *each;
            json_array_foreach (list, j, each) {
                const char *key = ml_render_str (each, "month");
                if (key && strlen (key) == 7 && atoi (key + 5) == m + 1)
                    month = each;
            }
            const char *status = ml_render_str (month, "status");
            const char *mark = !month? "": !status? "?":
                               strcmp (status, "on_time") == 0? "✓": strcmp (status, "late") == 0? "迟":
                               strcmp (status, "missing") == 0? "✗": "·";
            ml_pdf_color_t color = !status? C_INK: strcmp (status, "on_time") == 0? C_GREEN:
                                   strcmp (status, "late") == 0? C_AMBER:
                                   strcmp (status, "missing") == 0? C_RED: C_GREY;
            cells [1 + m] = (ml_pdf_cell_t) { mark, color, 0 };
        }
        const char *keys [2] = { "reporting_rate", "timeliness_rate" };
        for (int r = 0; r < 2; r++) {
            json_t *rate = json_object_get (unit, keys [r]);
            if (json_is_number (rate))
                snprintf (rates [r], sizeof rates [r], "%.1f%%", json_number_value (rate) * 100.0);
            else
                snprintf (rates [r], sizeof rates [r], "-");
            cells [13 + r] = (ml_pdf_cell_t) { rates [r], C_INK, 0 };
        }
        ml_pdf_row (doc, &table, cells, 15, F_NARROW, 0, 0);
    }
    ml_pdf_table_end (doc);
    doc->y -= 4;
    ml_pdf_para (doc, F_SMALL, C_GREY, PANGO_ALIGN_LEFT,
                 "注：✓ 按时报送；迟 迟报；✗ 未报送；· 未到期。报送率为已报送月数占应报送月数之比，"
                 "及时率为按时报送月数占应报送月数之比。", 8);
}

//  Rectification (S.3, V14): the counts, then one row per watch-list row.
void
ml_pdf_supervision (ml_pdf_doc_t *doc)
{
    static const ml_pdf_col_t cols [] = {
        { "单位", 96, PANGO_ALIGN_LEFT }, { "人员", 48, PANGO_ALIGN_LEFT },
        { "年度", 34, PANGO_ALIGN_CENTER }, { "规则", 34, PANGO_ALIGN_CENTER },
        { "状态", 58, PANGO_ALIGN_CENTER }, { "诫勉谈话", 0, PANGO_ALIGN_LEFT },
        { "整改期限", 60, PANGO_ALIGN_CENTER }, { "销号", 60, PANGO_ALIGN_CENTER }
    };
    const json_t *report = doc->report, *counts = json_object_get (report, "counts");
    json_t *rows = json_object_get (report, "rows");
    char year [32], subtitle [64], n [7][32];
    const char *keys [7] = { "opened", "talked", "rectified_on_time", "rectified_late", "overdue",
                             "open", "carried_over" };
    int section = 0;
    for (int i = 0; i < 7; i++)
        snprintf (n [i], sizeof n [i], "%" JSON_INTEGER_FORMAT, ml_render_int (counts, keys [i]));
    snprintf (subtitle, sizeof subtitle, "（%s年度）", ml_pdf_year (report, year, sizeof year));
    ml_pdf_head (doc, "督查整改情况", subtitle);
    const char *info [] = {
        "报告年度", year, "截至日期", ml_render_or (ml_render_str (report, "as_of"), "-"),
        "立项", n [0], "诫勉谈话", n [1], "按期整改", n [2], "逾期整改", n [3],
        "逾期未整改", n [4], "整改中", n [5], "往年结转", n [6], "", "", NULL
    };
    ml_pdf_info (doc, info);
    ml_pdf_heading (doc, &section, "督查整改明细");
    ml_pdf_table_t table;
    ml_pdf_table_init (&table, cols, 8, 1);
    ml_pdf_table_begin (doc, &table);
    size_t index;
    json_t *row;
    json_array_foreach (rows, index, row) {
        char talks [1024], ry [32], closed [256];
        const char *state = ml_render_str (row, "state");
        snprintf (ry, sizeof ry, "%" JSON_INTEGER_FORMAT "%s", ml_render_int (row, "year"),
                  json_is_true (json_object_get (row, "carried_over"))? " 结转": "");
        snprintf (closed, sizeof closed, "%s %s", ml_render_or (ml_render_str (row, "closed"), "-"),
                  ml_render_or (ml_render_str (row, "closed_by"), ""));
        ml_pdf_cell_t cells [8] = {
            { ml_render_or (ml_render_str (row, "unit_name"), ml_render_or (ml_render_str (row, "unit"), "-")), C_INK, 0 },
            { ml_render_or (ml_render_str (row, "person"), "-"), C_INK, 0 }, { ry, C_INK, 0 },
            { ml_render_or (ml_render_str (row, "rule"), "-"), C_INK, 0 },
            { ml_render_supervision_state (state),
              state && strcmp (state, "overdue") == 0? C_RED:
              state && strcmp (state, "rectified_late") == 0? C_AMBER: C_INK, 0 },
            { ml_render_supervision_talks (row, talks, sizeof talks), C_INK, 0 },
            { ml_render_or (ml_render_str (row, "deadline"), "-"), C_INK, 0 }, { closed, C_INK, 0 }
        };
        ml_pdf_row (doc, &table, cells, 8, F_BODY, 0, 0);
    }
    ml_pdf_table_end (doc);
}

