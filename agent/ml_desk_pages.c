/* ml_desk_pages.c -- the desk's status page (pending, delivered, rejected with the bureau's
   reasons, the bureau's decisions on the unit's years, closing a month, submitting the year),
   the outbox list with correct and withdraw, and those commands, run as massline-agent runs them. */
#include "ml_desk.h"
#include "ml_date.h"
#include "ml_err.h"
#include "ml_event.h"
#include "ml_ledger.h"
#include "ml_log.h"
#include "ml_roster.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LIST_MAX 300                  //  events shown on /outbox (the latest)

static const char *
s_state_text (const char *state)
{
    return !state ? "" : strcmp (state, "accepted") == 0 ? "已通过" : strcmp (state, "returned") == 0
         ? "已退回" : strcmp (state, "submitted") == 0 ? "已报送，待审核" : strcmp (state, "draft") == 0
         ? "未报送" : state;
}

static int
s_reject_row (const ml_outbox_reject_t *rj, void *arg)
{
    ml_html_f (arg, "<tr><td>%L</td><td>%t</td><td>%t</td><td class=\"bad\">%t</td><td>%t</td></tr>",
               (long long) rj->seq, rj->source ? rj->source : "", rj->ref ? rj->ref : "", rj->reason,
               rj->replaced_by ? "已重新记录" : "请在“已记录”中更正或作废");
    return 0;
}

//  <option>s of the roster's persons ("周建华（P001）").
static void
s_person_options (ml_html_t *h, const ml_roster_t *roster)
{
    ml_html_f (h, "<option value=\"\">（请选择）</option>");
    for (size_t i = 0; i < roster->count; i++)
        ml_html_f (h, "<option value=\"%a\">%t（%t）</option>", roster->persons[i].id,
                   roster->persons[i].name, roster->persons[i].id);
}

void
desk_home (desk_req_t *r)
{
    ml_outbox_t *ob = r->desk->outbox;
    ml_outbox_stat_t st;
    ml_html_t *body = ml_html_new ();
    if (!body || ml_outbox_stat (ob, &st)) {
        ml_html_destroy (&body);
        desk_error (r, 500, "读取发件箱失败");
        return;
    }
    ml_html_f (body, "<h1>填报情况</h1><table id=\"counts\">"
               "<tr><th>待发送</th><td id=\"pending\">%L</td></tr>"
               "<tr><th>已送达</th><td id=\"delivered\">%L</td></tr>"
               "<tr><th>被退回</th><td id=\"rejected\">%L</td></tr></table>",
               (long long) st.pending, (long long) st.acked, (long long) st.rejected);
    if (st.rejected) {
        ml_html_f (body, "<h2>被局里退回的记录</h2><table id=\"rejects\"><tr><th>序号</th><th>来源</th>"
                   "<th>编号</th><th>原因</th><th>处理</th></tr>");
        ml_outbox_rejects (ob, s_reject_row, body);
        ml_html_f (body, "</table>");
    }
    //  the bureau's decisions on the unit's years (from its last Welcome)
    char *text = ml_outbox_years (ob);
    json_t *years = text ? json_loads (text, 0, NULL) : NULL;
    free (text);
    ml_html_f (body, "<h2>年度报送</h2>");
    if (!json_array_size (years))
        ml_html_f (body, "<p id=\"years\">局里尚无年度审核意见。</p>");
    else {
        ml_html_f (body, "<table id=\"years\"><tr><th>年度</th><th>状态</th><th>版本</th><th>审核人</th>"
                   "<th>时间</th><th>意见</th></tr>");
        size_t i;
        json_t *y;
        json_array_foreach (years, i, y) {
            const char *at = json_string_value (json_object_get (y, "decided_at"));
            char day[11];
            snprintf (day, sizeof day, "%.10s", at ? at : "");
            ml_html_f (body, "<tr><td>%L</td><td>%t</td><td>%L</td><td>%t</td><td>%t</td><td>%t</td></tr>",
                       (long long) json_integer_value (json_object_get (y, "year")),
                       s_state_text (json_string_value (json_object_get (y, "state"))),
                       (long long) json_integer_value (json_object_get (y, "version")),
                       json_string_value (json_object_get (y, "decided_by")), day,
                       json_string_value (json_object_get (y, "reason")));
        }
        ml_html_f (body, "</table>");
    }
    json_decref (years);
    //  close a month, submit a year
    char today[11];
    ml_date_format (ml_date_today (), today);
    ml_roster_t roster;
    if (ml_roster_load (ob, &roster))
        memset (&roster, 0, sizeof roster);
    ml_html_f (body, "<h2>月度确认</h2><form method=\"post\" action=\"/close\" id=\"close-form\">"
               "<input type=\"hidden\" name=\"csrf\" value=\"%a\">"
               "<label>月份 <input name=\"month\" id=\"month\" type=\"month\" required placeholder=\"2026-03\"></label>"
               "<button type=\"submit\" id=\"close\">确认本月台账已填完</button></form>",
               r->session.csrf);
    ml_html_f (body, "<h2>年度报送</h2><form method=\"post\" action=\"/submit\" id=\"submit-form\">"
               "<input type=\"hidden\" name=\"csrf\" value=\"%a\">"
               "<label>年度 <input name=\"year\" id=\"year\" required pattern=\"[0-9]{4}\" value=\"%.4s\"></label>",
               r->session.csrf, today);
    const char *roles[3][2] = { { "filler", "填报人" }, { "reviewer", "审核人" }, { "approver", "负责人" } };
    for (int i = 0; i < 3; i++) {
        ml_html_f (body, "<label>%t <select name=\"%a\" id=\"%a\" required>", roles[i][1], roles[i][0], roles[i][0]);
        s_person_options (body, &roster);
        ml_html_f (body, "</select></label>");
    }
    ml_html_f (body, "<button type=\"submit\" id=\"submit-year\">报送年度台账</button></form>");
    ml_roster_free (&roster);
    desk_page (r, 200, "填报情况", &body);
}

// ---------------------------------------------------------------------------
// The outbox list.

typedef struct {
    json_t *rows;                       //  [{seq, kind, ref, json}]
    uint64_t next;
} s_list_t;

static int
s_list_visit (const ml_outbox_entry_t *entries, size_t count, void *arg)
{
    s_list_t *l = arg;
    for (size_t i = 0; i < count; i++) {
        l->next = entries[i].seq + 1;
        ml_verr_t err;
        Massline__Event *ev = entries[i].len ? ml_event_unpack (entries[i].data, entries[i].len, &err) : NULL;
        json_t *obj = ev ? ml_event_to_json (ev) : NULL;
        json_array_append_new (l->rows, json_pack ("{s:I, s:o?}", "seq", (json_int_t) entries[i].seq,
                                                   "event", obj));
        ml_event_free (&ev);
        if (json_array_size (l->rows) > S_LIST_MAX)
            json_array_remove (l->rows, 0);
    }
    return 0;
}

static int
s_reject_seq (const ml_outbox_reject_t *rj, void *arg)
{
    json_array_append_new (arg, json_integer ((json_int_t) rj->seq));
    return 0;
}

void
desk_outbox_page (desk_req_t *r)
{
    ml_outbox_t *ob = r->desk->outbox;
    ml_outbox_stat_t st;
    s_list_t l = { json_array (), 1 };
    json_t *rejected = json_array ();
    ml_html_t *body = ml_html_new ();
    int rc = !body || !l.rows || !rejected || ml_outbox_stat (ob, &st) || ml_outbox_rejects (ob, s_reject_seq, rejected);
    for (uint64_t from = 1; !rc; from = l.next) {
        rc = ml_outbox_read (ob, from, 1000, s_list_visit, &l);
        if (l.next == from)
            break;
    }
    if (rc) {
        json_decref (l.rows);
        json_decref (rejected);
        ml_html_destroy (&body);
        desk_error (r, 500, "读取发件箱失败");
        return;
    }
    ml_html_f (body, "<h1>已记录</h1><p>最近 %d 条，新记录在上。更正：选择要改的栏目并填写新值；作废：填写原因。</p>"
               "<table id=\"outbox\"><tr><th>序号</th><th>台账</th><th>编号</th><th>内容</th><th>状态</th>"
               "<th>更正</th><th>作废</th></tr>", S_LIST_MAX);
    for (size_t i = json_array_size (l.rows); i-- > 0;) {
        json_t *row = json_array_get (l.rows, i), *ev = json_object_get (row, "event");
        long long seq = (long long) json_integer_value (json_object_get (row, "seq"));
        bool is_rejected = false;
        size_t k;
        json_t *s;
        json_array_foreach (rejected, k, s)
            is_rejected |= json_integer_value (s) == seq;
        const char *kind = json_string_value (json_object_get (ev, "kind"));
        const char *ref = json_string_value (json_object_get (ev, "ref"));
        const char *ledger = kind ? ml_ledger_name (kind) : NULL;
        const char *state = is_rejected ? "被退回" : (uint64_t) seq > st.acked_seq ? "待发送" : "已送达";
        json_t *shown = json_deep_copy (ev);
        json_object_del (shown, "kind");
        json_object_del (shown, "ref");
        char *text = shown ? json_dumps (shown, JSON_COMPACT) : NULL;
        ml_html_f (body, "<tr id=\"seq-%L\"><td>%L</td><td>%t</td><td>%t</td><td>%t</td><td%r>%t</td>",
                   seq, seq, ledger ? ledger : kind ? kind : "（内容已清理）", ref, text ? text : "",
                   is_rejected ? " class=\"bad\"" : "", state);
        free (text);
        bool control = kind && (strcmp (kind, "correction") == 0 || strcmp (kind, "void") == 0);
        if (ref && kind && !control) {
            ml_html_f (body, "<td><form method=\"post\" action=\"/correct\">"
                       "<input type=\"hidden\" name=\"csrf\" value=\"%a\"><input type=\"hidden\" name=\"ref\" value=\"%a\">"
                       "<select name=\"key\">", r->session.csrf, ref);
            const char *key;
            json_t *value;
            json_object_foreach (shown, key, value)
                ml_html_f (body, "<option value=\"%a\">%t</option>", key, ml_ledger_label (kind, key));
            ml_html_f (body, "</select> <input name=\"value\" size=\"12\" required> <button type=\"submit\">更正</button>"
                       "</form></td><td><form method=\"post\" action=\"/void\">"
                       "<input type=\"hidden\" name=\"csrf\" value=\"%a\"><input type=\"hidden\" name=\"ref\" value=\"%a\">"
                       "<input name=\"reason\" size=\"10\" required placeholder=\"作废原因\"> "
                       "<button type=\"submit\">作废</button></form></td></tr>", r->session.csrf, ref);
        }
        else
            ml_html_f (body, "<td></td><td></td></tr>");
        json_decref (shown);
    }
    ml_html_f (body, "</table>");
    json_decref (l.rows);
    json_decref (rejected);
    desk_page (r, 200, "已记录", &body);
}

// ---------------------------------------------------------------------------
// The commands.

//  Runs massline-agent ARGV and shows the result page: OK_TEXT on success.
static void
s_run (desk_req_t *r, char *const *argv, const char *title, const char *ok_text)
{
    char *out = NULL;
    int code = desk_agent (r, argv, &out);
    ml_accounts_audit (r->desk->accounts, r->now, r->session.account.name, ml_http_peer (r->http),
                       argv[0], code == 0 ? "ok" : "failed");
    desk_result (r, code == 0, title, code == 0 ? ok_text : "未能完成，原因如下：", out);
    free (out);
}

static bool
s_filled (const char *s)
{
    return s && *s;
}

void
desk_correct_post (desk_req_t *r)
{
    const char *ref = ml_http_form (r->http, "ref"), *key = ml_http_form (r->http, "key");
    const char *value = ml_http_form (r->http, "value");
    if (!s_filled (ref) || !s_filled (key) || !value || strchr (key, '=') || ref[0] == '-') {
        desk_error (r, 400, "请选择要更正的栏目并填写新值");
        return;
    }
    char *word = NULL;
    if (asprintf (&word, "%s=%s", key, value) < 0) {
        desk_error (r, 500, "内存不足");
        return;
    }
    char *argv[] = { "correct", (char *) ref, word, NULL };
    s_run (r, argv, "更正记录", "已记录更正，将随下次连接报送。");
    free (word);
}

void
desk_void_post (desk_req_t *r)
{
    const char *ref = ml_http_form (r->http, "ref"), *reason = ml_http_form (r->http, "reason");
    if (!s_filled (ref) || !s_filled (reason) || ref[0] == '-') {
        desk_error (r, 400, "作废须填写原因");
        return;
    }
    char *reason_arg = NULL;
    if (asprintf (&reason_arg, "--reason=%s", reason) < 0) {
        desk_error (r, 500, "内存不足");
        return;
    }
    char *argv[] = { "void", (char *) ref, reason_arg, NULL };
    s_run (r, argv, "作废记录", "已记录作废，将随下次连接报送。");
    free (reason_arg);
}

void
desk_close_post (desk_req_t *r)
{
    const char *month = ml_http_form (r->http, "month");
    if (!s_filled (month) || month[0] == '-') {
        desk_error (r, 400, "请填写月份（如 2026-03）");
        return;
    }
    char *argv[] = { "close", (char *) month, NULL };
    char ok[128];
    snprintf (ok, sizeof ok, "已确认 %s 月台账填报完毕。", month);
    s_run (r, argv, "月度确认", ok);
}

void
desk_submit_post (desk_req_t *r)
{
    const char *year = ml_http_form (r->http, "year"), *filler = ml_http_form (r->http, "filler");
    const char *reviewer = ml_http_form (r->http, "reviewer"), *approver = ml_http_form (r->http, "approver");
    if (!s_filled (year) || !s_filled (filler) || !s_filled (reviewer) || !s_filled (approver)
    ||  year[0] == '-') {
        desk_error (r, 400, "请填写年度，并选择填报人、审核人和负责人");
        return;
    }
    char *argv[] = { "submit", (char *) year, "--filler", (char *) filler, "--reviewer",
                     (char *) reviewer, "--approver", (char *) approver, NULL };
    s_run (r, argv, "年度报送", "已报送，局里审核后将在首页显示结果。");
}
