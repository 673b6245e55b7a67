/* web_text.c -- massline-web's words: one row per text, the English msgid and the Chinese shown.
   (The gettext step: msgid -> msgstr of po/zh_CN.po, web_text -> dgettext.) */
#include "web_text.h"

#include <string.h>

static const struct {
    const char *msgid;                  //  English, the future gettext msgid
    const char *zh;                     //  what the page shows
} s_text[W_COUNT] = {
    [W_TITLE] = { "massline: the bureau's console", "群众路线工作台账 · 局机关工作台" },
    [W_LOGIN] = { "Sign in", "登录" },
    [W_LOGOUT] = { "Sign out", "退出" },
    [W_USER] = { "Account", "账号" },
    [W_PASSWORD] = { "Password", "密码" },
    [W_LOGIN_BAD] = { "Wrong account or password.", "账号或密码错误。" },
    [W_LOGIN_THROTTLED] = { "Too many failed attempts; try again later.", "失败次数过多，请稍后再试。" },
    [W_LOGIN_EXPIRED] = { "Your session has ended; please sign in again.", "会话已结束，请重新登录。" },
    [W_DASHBOARD] = { "Dashboard", "总览" },
    [W_YEAR] = { "Year", "年度" },
    [W_SHOW] = { "Show", "查看" },
    [W_HEATMAP] = { "Roll-up: units by system (rules met / checked)", "汇总：各单位 × 八项制度（达标条目 / 检查条目）" },
    [W_UNIT] = { "Unit", "单位" },
    [W_UNITS] = { "Units", "单位" },
    [W_PERSONS] = { "Persons", "人员" },
    [W_COMPLIANCE] = { "Compliance", "达标率" },
    [W_MET] = { "Met", "达标" },
    [W_UNMET] = { "Unmet", "未达标" },
    [W_WARNINGS] = { "Warnings", "提醒" },
    [W_CHECKED] = { "Checked", "检查条目" },
    [W_WATCHLIST] = { "Watch list", "预警名单" },
    [W_PERSON] = { "Person", "人员" },
    [W_NAME] = { "Name", "姓名" },
    [W_RULE] = { "Rule", "条款" },
    [W_ACTUAL] = { "Actual", "实际" },
    [W_REQUIRED] = { "Required", "要求" },
    [W_STATUS] = { "Status", "状态" },
    [W_SEVERITY] = { "Severity", "性质" },
    [W_MISSED] = { "Periods missed", "缺漏期间" },
    [W_NONE] = { "None.", "无。" },
    [W_UNIT_RULES] = { "Rules for the unit", "单位条款" },
    [W_RULE_TEXT] = { "Requirement", "要求内容" },
    [W_DOWNLOADS] = { "Download", "下载" },
    [W_COMPLETENESS] = { "Reporting completeness", "报送完整性" },
    [W_REPORTING_RATE] = { "Reporting rate", "报送率" },
    [W_TIMELINESS_RATE] = { "Timeliness", "及时率" },
    [W_ON_TIME] = { "on time", "按时" },
    [W_LATE] = { "late", "逾期" },
    [W_MISSING] = { "missing", "未报送" },
    [W_NOT_DUE] = { "not due", "未到期" },
    [W_DECISIONS] = { "Awaiting a decision", "待审核" },
    [W_FORBIDDEN] = { "You may not see this page.", "您无权查看此页面。" },
    [W_NOT_FOUND] = { "No such page.", "页面不存在。" },
    [W_BAD_REQUEST] = { "The request is not valid.", "请求无效。" },
    [W_UNAVAILABLE] = { "The collector did not answer; try again shortly.", "数据中心未响应，请稍后再试。" },
    [W_CSRF] = { "The form has expired; reload the page and try again.", "表单已失效，请刷新页面后重试。" },
    [W_BACK] = { "Back to the dashboard", "返回总览" },
    [W_SIGNED_IN_AS] = { "Signed in as", "当前账号" },
    [W_ROLE_STAFF] = { "staff", "工作人员" },
    [W_ROLE_AUDITOR] = { "auditor", "审计" },
    [W_ROLE_REVIEWER] = { "reviewer", "审核人" },
    [W_ROLE_LEADER] = { "leader", "领导" },
    [W_ROLE_UNIT] = { "unit", "单位" },
    [W_ST_MET] = { "met", "达标" },
    [W_ST_UNMET] = { "unmet", "未达标" },
    [W_ST_WARNING] = { "warning", "提醒" },
    [W_ST_NA] = { "not applicable", "不适用" },
    [W_ST_EXEMPTED] = { "exempted", "已豁免" },
    [W_ST_NO_DATA] = { "no data", "无数据" },
    [W_ORG] = { "Branch", "支部" },
    [W_ROLES] = { "Roles", "职务" },
    [W_AS_OF] = { "as of", "统计截至" },
    [W_LEGEND] = { "All met / at least 80 % / at least half / less / nothing checked",
                   "全部达标 / 八成以上 / 半数以上 / 不足半数 / 无检查条目" },
    [W_NOTHING_CHECKED] = { "nothing checked", "无检查条目" },
    [W_SYSTEM] = { "System", "制度" },
    [W_UNIT_ANNUAL] = { "Unit annual report", "单位年度报告" },
    [W_CADRE] = { "Cadre annex", "干部述职附件" },
    [W_ROLLUP] = { "Roll-up", "汇总报告" },
    [W_YS_DRAFT] = { "draft", "未报送" },
    [W_YS_SUBMITTED] = { "submitted", "已报送待审核" },
    [W_YS_RETURNED] = { "returned", "已退回" },
    [W_YS_ACCEPTED] = { "accepted", "已审核通过" },
    [W_PRINT_HINT] = { "Printed from massline", "由群众路线工作台账系统打印" },
    [W_EVENTS_BEHIND] = { "The events behind this figure", "查看此数据背后的记录" },
    [W_EVENTS] = { "Events", "原始记录" },
    [W_DATE] = { "Date", "日期" },
    [W_KIND] = { "Kind", "类别" },
    [W_REF] = { "Ref", "编号" },
    [W_RECORDED_BY] = { "Recorded by", "录入来源" },
    [W_HISTORY] = { "Provenance", "来历（更正与作废）" },
    [W_STATE] = { "State", "状态" },
    [W_EV_CURRENT] = { "current", "有效" },
    [W_EV_CORRECTED] = { "corrected", "已更正" },
    [W_EV_VOIDED] = { "voided", "已作废" },
    [W_ACT_RECORDED] = { "recorded", "录入" },
    [W_ACT_CORRECTION] = { "correction", "更正" },
    [W_ACT_VOID] = { "void", "作废" },
    [W_MATCH_MEASURES] = { "Events that count towards the rule's measures", "计入该条款统计口径的记录" },
    [W_MATCH_PERSON] = { "Events naming the person", "涉及该人员的记录" },
    [W_MATCH_UNIT] = { "Events of the unit", "本单位的记录" },
    [W_TRUNCATED] = { "Only the first 1000 are listed.", "仅列出前1000条。" },
    [W_DETAILS] = { "Details", "详情" },
    [W_AWAITING] = { "Submitted years awaiting review", "待审核的年度报送" },
    [W_REVIEW] = { "Year-end review", "年度审核" },
    [W_OPEN] = { "Open", "打开" },
    [W_SUBMITTED_AT] = { "Submitted", "报送时间" },
    [W_VERSION] = { "Version", "版本" },
    [W_FILLER] = { "Filled in by", "填报人" },
    [W_ACCEPT] = { "Accept", "审核通过" },
    [W_RETURN] = { "Return with a reason", "退回（须说明理由）" },
    [W_REASON] = { "Reason", "理由" },
    [W_LEADER_READONLY] = { "Leaders read; only reviewers decide.", "领导账号只读；仅审核人可作出审核决定。" },
    [W_NOT_SUBMITTED] = { "This year is not awaiting a decision.", "该年度不在待审核状态。" },
    [W_DECIDED] = { "Decision recorded.", "审核决定已记录。" },
    [W_YEAR_STATE] = { "State of the year", "年度状态" },
    [W_DECIDED_BY] = { "Decided by", "审核人" },
    [W_BULLETIN] = { "Bulletin", "通报" },
    [W_PERIOD] = { "Period (2025-03 or 2025-Q1)", "期间（如 2025-03 或 2025-Q1）" },
    [W_RANK] = { "Rank", "排名" },
    [W_SAMPLES] = { "Spot-check samples", "抽查样本" },
    [W_SAMPLE] = { "Sample", "样本" },
    [W_DRAW] = { "Draw a sample", "抽取样本" },
    [W_SEED] = { "Seed (digits rolled on ten-sided dice)", "随机种子（十面骰掷出的数字）" },
    [W_SIZE] = { "Size", "样本量" },
    [W_POPULATION] = { "Population", "总体" },
    [W_STRATA] = { "Strata", "分层" },
    [W_WITNESSES] = { "Witnesses' names", "见证人姓名" },
    [W_DRAWN_BY] = { "Drawn by", "抽取人" },
    [W_DRAWN_AT] = { "Drawn at", "抽取时间" },
    [W_EXAMINED] = { "Examined", "已核查" },
    [W_CHECKLIST] = { "Checklist", "核查清单" },
    [W_ITEM] = { "Item", "条目" },
    [W_VERIFY_HOW] = { "How to verify", "核查方法" },
    [W_FINDING] = { "Finding", "核查结果" },
    [W_NOTE] = { "Note", "备注" },
    [W_RECORD] = { "Record", "记录" },
    [W_R_OK] = { "ok", "属实" },
    [W_R_DEVIATION] = { "deviation", "不符" },
    [W_R_NOT_FOUND] = { "not found", "未找到" },
    [W_APPRAISAL] = { "Appraisal", "评估" },
    [W_DEVIATIONS] = { "Deviations", "不符数" },
    [W_UPPER_BOUND] = { "Upper bound", "偏差率上限" },
    [W_CONCLUSION] = { "Conclusion", "结论" },
    [W_VERIFY] = { "Verify: draw it again from the store", "验证：从数据重新推导样本" },
    [W_VERIFY_OK] = { "The sample re-derives exactly from the seed and today's store.", "样本可由种子与当前数据完全重现。" },
    [W_VERIFY_DIFF] = { "The sample does NOT re-derive: the population changed.", "样本无法重现：总体已发生变化。" },
    [W_SIGNATURES] = { "Signatures", "签字" },
    [W_PENDING] = { "Pending", "待核查" },
};

const char *
web_text (web_text_t id)
{
    return id < W_COUNT && s_text[id].zh ? s_text[id].zh : "?";
}

static const struct {
    const char *word;
    web_text_t id;
} s_words[] = {
    { "met", W_ST_MET }, { "unmet", W_ST_UNMET }, { "warning", W_ST_WARNING },
    { "not_applicable", W_ST_NA }, { "exempted", W_ST_EXEMPTED }, { "no_data", W_ST_NO_DATA },
    { "on_time", W_ON_TIME }, { "late", W_LATE }, { "missing", W_MISSING }, { "not_due", W_NOT_DUE },
    { "staff", W_ROLE_STAFF }, { "auditor", W_ROLE_AUDITOR }, { "reviewer", W_ROLE_REVIEWER },
    { "leader", W_ROLE_LEADER }, { "unit", W_ROLE_UNIT },
    { "current", W_EV_CURRENT }, { "corrected", W_EV_CORRECTED }, { "voided", W_EV_VOIDED },
    { "recorded", W_ACT_RECORDED }, { "correction", W_ACT_CORRECTION }, { "void", W_ACT_VOID },
    { "draft", W_YS_DRAFT }, { "submitted", W_YS_SUBMITTED }, { "returned", W_YS_RETURNED },
    { "accepted", W_YS_ACCEPTED },
    { "ok", W_R_OK }, { "deviation", W_R_DEVIATION }, { "not_found", W_R_NOT_FOUND },
};

static const char *
s_word (const char *word)
{
    for (size_t i = 0; word && i < sizeof s_words / sizeof s_words[0]; i++)
        if (strcmp (s_words[i].word, word) == 0)
            return web_text (s_words[i].id);
    return word ? word : "";
}

const char *
web_status_text (const char *status)
{
    return s_word (status);
}

const char *
web_role_text (const char *role)
{
    return s_word (role);
}
