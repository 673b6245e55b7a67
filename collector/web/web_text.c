/* web_text.c -- massline-web's words: one row per text, its English msgid, translated through the
   project's gettext catalogue (lib/ml_i18n.h; po/zh_CN.po, the "# massline-web" block). The
   console speaks Chinese unless its environment names another language (web_main.c). */
#include "web_text.h"
#include "ml_i18n.h"

#include <string.h>

//  The English msgids, in context "web" (po/zh_CN.po, the "# massline-web" block): a word the
//  console shows may read differently from the same English elsewhere in massline.
#define NC_(ctx, s) ctx "\004" s

static const char *const s_text[W_COUNT] = {
    [W_TITLE] = NC_ ("web", "massline: the bureau's console"),
    [W_LOGIN] = NC_ ("web", "Sign in"),
    [W_LOGOUT] = NC_ ("web", "Sign out"),
    [W_USER] = NC_ ("web", "Account"),
    [W_PASSWORD] = NC_ ("web", "Password"),
    [W_LOGIN_BAD] = NC_ ("web", "Wrong account or password."),
    [W_LOGIN_THROTTLED] = NC_ ("web", "Too many failed attempts; try again later."),
    [W_LOGIN_EXPIRED] = NC_ ("web", "Your session has ended; please sign in again."),
    [W_DASHBOARD] = NC_ ("web", "Dashboard"),
    [W_YEAR] = NC_ ("web", "Year"),
    [W_SHOW] = NC_ ("web", "Show"),
    [W_HEATMAP] = NC_ ("web", "Roll-up: units by system (rules met / checked)"),
    [W_UNIT] = NC_ ("web", "Unit"),
    [W_UNITS] = NC_ ("web", "Units"),
    [W_PERSONS] = NC_ ("web", "Persons"),
    [W_COMPLIANCE] = NC_ ("web", "Compliance"),
    [W_MET] = NC_ ("web", "Met"),
    [W_UNMET] = NC_ ("web", "Unmet"),
    [W_WARNINGS] = NC_ ("web", "Warnings"),
    [W_CHECKED] = NC_ ("web", "Checked"),
    [W_WATCHLIST] = NC_ ("web", "Watch list"),
    [W_PERSON] = NC_ ("web", "Person"),
    [W_NAME] = NC_ ("web", "Name"),
    [W_RULE] = NC_ ("web", "Rule"),
    [W_ACTUAL] = NC_ ("web", "Actual"),
    [W_REQUIRED] = NC_ ("web", "Required"),
    [W_STATUS] = NC_ ("web", "Status"),
    [W_SEVERITY] = NC_ ("web", "Severity"),
    [W_MISSED] = NC_ ("web", "Periods missed"),
    [W_NONE] = NC_ ("web", "None."),
    [W_UNIT_RULES] = NC_ ("web", "Rules for the unit"),
    [W_RULE_TEXT] = NC_ ("web", "Requirement"),
    [W_DOWNLOADS] = NC_ ("web", "Download"),
    [W_COMPLETENESS] = NC_ ("web", "Reporting completeness"),
    [W_REPORTING_RATE] = NC_ ("web", "Reporting rate"),
    [W_TIMELINESS_RATE] = NC_ ("web", "Timeliness"),
    [W_ON_TIME] = NC_ ("web", "on time"),
    [W_LATE] = NC_ ("web", "late"),
    [W_MISSING] = NC_ ("web", "missing"),
    [W_NOT_DUE] = NC_ ("web", "not due"),
    [W_DECISIONS] = NC_ ("web", "Awaiting a decision"),
    [W_FORBIDDEN] = NC_ ("web", "You may not see this page."),
    [W_NOT_FOUND] = NC_ ("web", "No such page."),
    [W_BAD_REQUEST] = NC_ ("web", "The request is not valid."),
    [W_UNAVAILABLE] = NC_ ("web", "The collector did not answer; try again shortly."),
    [W_CSRF] = NC_ ("web", "The form has expired; reload the page and try again."),
    [W_BACK] = NC_ ("web", "Back to the dashboard"),
    [W_SIGNED_IN_AS] = NC_ ("web", "Signed in as"),
    [W_ROLE_STAFF] = NC_ ("web", "staff"),
    [W_ROLE_AUDITOR] = NC_ ("web", "auditor"),
    [W_ROLE_REVIEWER] = NC_ ("web", "reviewer"),
    [W_ROLE_LEADER] = NC_ ("web", "leader"),
    [W_ROLE_UNIT] = NC_ ("web", "unit"),
    [W_ST_MET] = NC_ ("web", "met"),
    [W_ST_UNMET] = NC_ ("web", "unmet"),
    [W_ST_WARNING] = NC_ ("web", "warning"),
    [W_ST_NA] = NC_ ("web", "not applicable"),
    [W_ST_EXEMPTED] = NC_ ("web", "exempted"),
    [W_ST_NO_DATA] = NC_ ("web", "no data"),
    [W_ORG] = NC_ ("web", "Branch"),
    [W_ROLES] = NC_ ("web", "Roles"),
    [W_AS_OF] = NC_ ("web", "as of"),
    [W_LEGEND] = NC_ ("web", "All met / at least 80 % / at least half / less / nothing checked"),
    [W_NOTHING_CHECKED] = NC_ ("web", "nothing checked"),
    [W_SYSTEM] = NC_ ("web", "System"),
    [W_UNIT_ANNUAL] = NC_ ("web", "Unit annual report"),
    [W_CADRE] = NC_ ("web", "Cadre annex"),
    [W_ROLLUP] = NC_ ("web", "Roll-up"),
    [W_YS_DRAFT] = NC_ ("web", "draft"),
    [W_YS_SUBMITTED] = NC_ ("web", "submitted"),
    [W_YS_RETURNED] = NC_ ("web", "returned"),
    [W_YS_ACCEPTED] = NC_ ("web", "accepted"),
    [W_PRINT_HINT] = NC_ ("web", "Printed from massline"),
    [W_EVENTS_BEHIND] = NC_ ("web", "The events behind this figure"),
    [W_EVENTS] = NC_ ("web", "Events"),
    [W_DATE] = NC_ ("web", "Date"),
    [W_KIND] = NC_ ("web", "Kind"),
    [W_REF] = NC_ ("web", "Ref"),
    [W_RECORDED_BY] = NC_ ("web", "Recorded by"),
    [W_HISTORY] = NC_ ("web", "Provenance"),
    [W_STATE] = NC_ ("web", "State"),
    [W_EV_CURRENT] = NC_ ("web", "current"),
    [W_EV_CORRECTED] = NC_ ("web", "corrected"),
    [W_EV_VOIDED] = NC_ ("web", "voided"),
    [W_ACT_RECORDED] = NC_ ("web", "recorded"),
    [W_ACT_CORRECTION] = NC_ ("web", "correction"),
    [W_ACT_VOID] = NC_ ("web", "void"),
    [W_MATCH_MEASURES] = NC_ ("web", "Events that count towards the rule's measures"),
    [W_MATCH_PERSON] = NC_ ("web", "Events naming the person"),
    [W_MATCH_UNIT] = NC_ ("web", "Events of the unit"),
    [W_TRUNCATED] = NC_ ("web", "Only the first 1000 are listed."),
    [W_DETAILS] = NC_ ("web", "Details"),
    [W_AWAITING] = NC_ ("web", "Submitted years awaiting review"),
    [W_REVIEW] = NC_ ("web", "Year-end review"),
    [W_OPEN] = NC_ ("web", "Open"),
    [W_SUBMITTED_AT] = NC_ ("web", "Submitted"),
    [W_VERSION] = NC_ ("web", "Version"),
    [W_FILLER] = NC_ ("web", "Filled in by"),
    [W_ACCEPT] = NC_ ("web", "Accept"),
    [W_RETURN] = NC_ ("web", "Return with a reason"),
    [W_REASON] = NC_ ("web", "Reason"),
    [W_LEADER_READONLY] = NC_ ("web", "Leaders read; only reviewers decide."),
    [W_NOT_SUBMITTED] = NC_ ("web", "This year is not awaiting a decision."),
    [W_DECIDED] = NC_ ("web", "Decision recorded."),
    [W_YEAR_STATE] = NC_ ("web", "State of the year"),
    [W_DECIDED_BY] = NC_ ("web", "Decided by"),
    [W_BULLETIN] = NC_ ("web", "Bulletin"),
    [W_PERIOD] = NC_ ("web", "Period (2025-03 or 2025-Q1)"),
    [W_RANK] = NC_ ("web", "Rank"),
    [W_SAMPLES] = NC_ ("web", "Spot-check samples"),
    [W_SAMPLE] = NC_ ("web", "Sample"),
    [W_DRAW] = NC_ ("web", "Draw a sample"),
    [W_SEED] = NC_ ("web", "Seed (digits rolled on ten-sided dice)"),
    [W_SIZE] = NC_ ("web", "Size"),
    [W_POPULATION] = NC_ ("web", "Population"),
    [W_STRATA] = NC_ ("web", "Strata"),
    [W_WITNESSES] = NC_ ("web", "Witnesses' names"),
    [W_DRAWN_BY] = NC_ ("web", "Drawn by"),
    [W_DRAWN_AT] = NC_ ("web", "Drawn at"),
    [W_EXAMINED] = NC_ ("web", "Examined"),
    [W_CHECKLIST] = NC_ ("web", "Checklist"),
    [W_ITEM] = NC_ ("web", "Item"),
    [W_VERIFY_HOW] = NC_ ("web", "How to verify"),
    [W_FINDING] = NC_ ("web", "Finding"),
    [W_NOTE] = NC_ ("web", "Note"),
    [W_RECORD] = NC_ ("web", "Record"),
    [W_R_OK] = NC_ ("web", "ok"),
    [W_R_DEVIATION] = NC_ ("web", "deviation"),
    [W_R_NOT_FOUND] = NC_ ("web", "not found"),
    [W_APPRAISAL] = NC_ ("web", "Appraisal"),
    [W_DEVIATIONS] = NC_ ("web", "Deviations"),
    [W_UPPER_BOUND] = NC_ ("web", "Upper bound"),
    [W_CONCLUSION] = NC_ ("web", "Conclusion"),
    [W_VERIFY] = NC_ ("web", "Verify: draw it again from the store"),
    [W_VERIFY_OK] = NC_ ("web", "The sample re-derives exactly from the seed and today's store."),
    [W_VERIFY_DIFF] = NC_ ("web", "The sample does NOT re-derive: the population changed."),
    [W_SIGNATURES] = NC_ ("web", "Signatures"),
    [W_PENDING] = NC_ ("web", "Pending"),
    [W_WATCH_SHOWN] = NC_ ("web", "Rows shown"),
    [W_WATCH_ALL] = NC_ ("web", "The whole watch list"),
    [W_DATA_AT] = NC_ ("web", "Data read at"),
};

const char *
web_text (web_text_t id)
{
    if (id >= W_COUNT || !s_text[id])
        return "?";
    //  pgettext: the catalogue's key is "web\004msgid"; untranslated, the msgid alone
    const char *key = s_text[id], *text = gettext (key);
    return text == key ? strchr (key, '\004') + 1 : text;
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
