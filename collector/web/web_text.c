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
    [W_PRINT_HINT] = { "Printed from massline", "由群众路线工作台账系统打印" },
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
