/* ml_desk_pages.c -- the desk's status page (pending, delivered, rejected with the bureau's
   reasons, the bureau's decisions on the unit's years, closing a month, submitting the year),
   the outbox list with correct and withdraw, and those commands, run as massline-agent runs them. */
#include "ml_desk.h"
#include "ml_date.h"
#include "ml_err.h"
#include "ml_event.h"
#include "ml_i18n.h"
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
    return !state ? "" : strcmp (state, "accepted") == 0 ? _("accepted") : strcmp (state, "returned") == 0
         ? _("returned") : strcmp (state, "submitted") == 0 ? _("submitted, awaiting review")
         : strcmp (state, "draft") == 0 ? _("not submitted") : state;
}

static int
s_reject_row (const ml_outbox_reject_t *rj, void *arg)
{
    ml_html_f (arg, "<tr><td>%L</td><td>%t</td><td>%t</td><td class=\"bad\">%t</td><td>%t</td></tr>",
               (long long) rj->seq, rj->source ? rj->source : "", rj->ref ? rj->ref : "", rj->reason,
               rj->replaced_by ? _("recorded again") : _("correct or withdraw it under “Recorded”"));
    return 0;
}

//  <option>s of the roster's persons ("周建华（P001）").
static void
s_person_options (ml_html_t *h, const ml_roster_t *roster)
{
    ml_html_f (h, "<option value=\"\">%t</option>", _("(choose)"));
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
        desk_error (r, 500, _("Cannot read the outbox"));
        return;
    }
    ml_html_f (body, "<h1>%t</h1><table id=\"counts\">"
               "<tr><th>%t</th><td id=\"pending\">%L</td></tr>"
               "<tr><th>%t</th><td id=\"delivered\">%L</td></tr>"
               "<tr><th>%t</th><td id=\"rejected\">%L</td></tr></table>", _("Where the ledgers stand"),
               _("pending"), (long long) st.pending, _("delivered"), (long long) st.acked,
               _("rejected"), (long long) st.rejected);
    if (st.rejected) {
        ml_html_f (body, "<h2>%t</h2><table id=\"rejects\"><tr><th>%t</th><th>%t</th>"
                   "<th>%t</th><th>%t</th><th>%t</th></tr>", _("Records the bureau rejected"), _("No."),
                   _("Source"), _("Ref"), _("Reason"), _("What to do"));
        ml_outbox_rejects (ob, s_reject_row, body);
        ml_html_f (body, "</table>");
    }
    //  the bureau's decisions on the unit's years (from its last Welcome)
    char *text = ml_outbox_years (ob);
    json_t *years = text ? json_loads (text, 0, NULL) : NULL;
    free (text);
    ml_html_f (body, "<h2>%t</h2>", _("Annual submission"));
    if (!json_array_size (years))
        ml_html_f (body, "<p id=\"years\">%t</p>", _("The bureau has not decided on any year yet."));
    else {
        ml_html_f (body, "<table id=\"years\"><tr><th>%t</th><th>%t</th><th>%t</th><th>%t</th>"
                   "<th>%t</th><th>%t</th></tr>", _("Year"), _("State"), _("Version"), _("Reviewer"),
                   _("Date"), _("Opinion"));
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
    ml_html_f (body, "<h2>%t</h2><form method=\"post\" action=\"/close\" id=\"close-form\">"
               "<input type=\"hidden\" name=\"csrf\" value=\"%a\">"
               "<label>%t <input name=\"month\" id=\"month\" type=\"month\" required placeholder=\"2026-03\"></label>"
               "<button type=\"submit\" id=\"close\">%t</button></form>", _("Closing a month"),
               r->session.csrf, _("Month"), _("This month's ledgers are complete"));
    ml_html_f (body, "<h2>%t</h2><form method=\"post\" action=\"/submit\" id=\"submit-form\">"
               "<input type=\"hidden\" name=\"csrf\" value=\"%a\">"
               "<label>%t <input name=\"year\" id=\"year\" required pattern=\"[0-9]{4}\" value=\"%.4s\"></label>",
               _("Annual submission"), r->session.csrf, _("Year"), today);
    const char *roles[3][2] = { { "filler", N_("Filled in by") }, { "reviewer", N_("Reviewer") },
                                { "approver", N_("Approved by") } };
    for (int i = 0; i < 3; i++) {
        ml_html_f (body, "<label>%t <select name=\"%a\" id=\"%a\" required>", _(roles[i][1]), roles[i][0],
                   roles[i][0]);
        s_person_options (body, &roster);
        ml_html_f (body, "</select></label>");
    }
    ml_html_f (body, "<button type=\"submit\" id=\"submit-year\">%t</button></form>",
               _("Submit the year's ledgers"));
    ml_roster_free (&roster);
    desk_page (r, 200, _("Where the ledgers stand"), &body);
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
        desk_error (r, 500, _("Cannot read the outbox"));
        return;
    }
    char intro[512];
    snprintf (intro, sizeof intro, _("The latest %d records, the newest first. To correct one, choose "
                                     "the column and write the new value; to withdraw one, give the reason."),
              S_LIST_MAX);
    ml_html_f (body, "<h1>%t</h1><p>%t</p>"
               "<table id=\"outbox\"><tr><th>%t</th><th>%t</th><th>%t</th><th>%t</th><th>%t</th>"
               "<th>%t</th><th>%t</th></tr>", _("Recorded"), intro, _("No."), _("Ledger"), _("Ref"),
               _("Content"), _("State"), _("Correct"), _("Withdraw"));
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
        const char *state = is_rejected ? _("rejected") : (uint64_t) seq > st.acked_seq ? _("pending")
                          : _("delivered");
        json_t *shown = json_deep_copy (ev);
        json_object_del (shown, "kind");
        json_object_del (shown, "ref");
        char *text = shown ? json_dumps (shown, JSON_COMPACT) : NULL;
        ml_html_f (body, "<tr id=\"seq-%L\"><td>%L</td><td>%t</td><td>%t</td><td>%t</td><td%r>%t</td>",
                   seq, seq, ledger ? ledger : kind ? kind : _("(content reclaimed)"), ref, text ? text : "",
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
            ml_html_f (body, "</select> <input name=\"value\" size=\"12\" required> <button type=\"submit\">%t</button>"
                       "</form></td><td><form method=\"post\" action=\"/void\">"
                       "<input type=\"hidden\" name=\"csrf\" value=\"%a\"><input type=\"hidden\" name=\"ref\" value=\"%a\">"
                       "<input name=\"reason\" size=\"10\" required placeholder=\"%a\"> "
                       "<button type=\"submit\">%t</button></form></td></tr>", _("Correct"), r->session.csrf,
                       ref, _("Why withdrawn"), _("Withdraw"));
        }
        else
            ml_html_f (body, "<td></td><td></td></tr>");
        json_decref (shown);
    }
    ml_html_f (body, "</table>");
    json_decref (l.rows);
    json_decref (rejected);
    desk_page (r, 200, _("Recorded"), &body);
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
    desk_result (r, code == 0, title, code == 0 ? ok_text : _("Not done, because:"), out);
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
        desk_error (r, 400, _("Choose the column to correct and write its new value"));
        return;
    }
    char *word = NULL;
    if (asprintf (&word, "%s=%s", key, value) < 0) {
        desk_error (r, 500, _("Out of memory"));
        return;
    }
    char *argv[] = { "correct", (char *) ref, word, NULL };
    s_run (r, argv, _("Correcting a record"), _("The correction is recorded and goes to the bureau "
                                              "with the next connection."));
    free (word);
}

void
desk_void_post (desk_req_t *r)
{
    const char *ref = ml_http_form (r->http, "ref"), *reason = ml_http_form (r->http, "reason");
    if (!s_filled (ref) || !s_filled (reason) || ref[0] == '-') {
        desk_error (r, 400, _("A withdrawal needs its reason"));
        return;
    }
    char *reason_arg = NULL;
    if (asprintf (&reason_arg, "--reason=%s", reason) < 0) {
        desk_error (r, 500, _("Out of memory"));
        return;
    }
    char *argv[] = { "void", (char *) ref, reason_arg, NULL };
    s_run (r, argv, _("Withdrawing a record"), _("The withdrawal is recorded and goes to the bureau "
                                               "with the next connection."));
    free (reason_arg);
}

void
desk_close_post (desk_req_t *r)
{
    const char *month = ml_http_form (r->http, "month");
    if (!s_filled (month) || month[0] == '-') {
        desk_error (r, 400, _("Give the month (e.g. 2026-03)"));
        return;
    }
    char *argv[] = { "close", (char *) month, NULL };
    char ok[256];
    snprintf (ok, sizeof ok, _("The ledgers of %s are confirmed complete."), month);
    s_run (r, argv, _("Closing a month"), ok);
}

void
desk_submit_post (desk_req_t *r)
{
    const char *year = ml_http_form (r->http, "year"), *filler = ml_http_form (r->http, "filler");
    const char *reviewer = ml_http_form (r->http, "reviewer"), *approver = ml_http_form (r->http, "approver");
    if (!s_filled (year) || !s_filled (filler) || !s_filled (reviewer) || !s_filled (approver)
    ||  year[0] == '-') {
        desk_error (r, 400, _("Give the year and choose who filled in, reviewed and approved"));
        return;
    }
    char *argv[] = { "submit", (char *) year, "--filler", (char *) filler, "--reviewer",
                     (char *) reviewer, "--approver", (char *) approver, NULL };
    s_run (r, argv, _("Annual submission"), _("Submitted; the bureau's decision will show on the "
                                             "start page."));
}
