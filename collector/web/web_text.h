/* web_text.h -- every word massline-web shows a user, in one table (web_text.c): Chinese, with the
   English msgid beside it, so that the gettext step (a zh_CN catalogue) is mechanical. */
#ifndef WEB_TEXT_H
#define WEB_TEXT_H

typedef enum {
    W_TITLE, W_LOGIN, W_LOGOUT, W_USER, W_PASSWORD, W_LOGIN_BAD, W_LOGIN_THROTTLED, W_LOGIN_EXPIRED,
    W_DASHBOARD, W_YEAR, W_SHOW, W_HEATMAP, W_UNIT, W_UNITS, W_PERSONS, W_COMPLIANCE, W_MET, W_UNMET,
    W_WARNINGS, W_CHECKED, W_WATCHLIST, W_PERSON, W_NAME, W_RULE, W_ACTUAL, W_REQUIRED, W_STATUS,
    W_SEVERITY, W_MISSED, W_NONE, W_UNIT_RULES, W_RULE_TEXT, W_DOWNLOADS, W_COMPLETENESS,
    W_REPORTING_RATE, W_TIMELINESS_RATE, W_ON_TIME, W_LATE, W_MISSING, W_NOT_DUE, W_DECISIONS,
    W_FORBIDDEN, W_NOT_FOUND, W_BAD_REQUEST, W_UNAVAILABLE, W_CSRF, W_BACK, W_SIGNED_IN_AS,
    W_ROLE_STAFF, W_ROLE_AUDITOR, W_ROLE_REVIEWER, W_ROLE_LEADER, W_ROLE_UNIT, W_ST_MET,
    W_ST_UNMET, W_ST_WARNING, W_ST_NA, W_ST_EXEMPTED, W_ST_NO_DATA, W_ORG, W_ROLES, W_AS_OF,
    W_LEGEND, W_NOTHING_CHECKED, W_SYSTEM, W_UNIT_ANNUAL, W_CADRE, W_ROLLUP, W_PRINT_HINT,
    W_COUNT
} web_text_t;

//  The text of ID in the page language (Chinese).
const char *web_text (web_text_t id);

//  The text of a report status ("met", "unmet", ...) or a role name; the word itself when unknown.
const char *web_status_text (const char *status);
const char *web_role_text (const char *role);

#endif
