/* ml_query_watch.c -- rectification to closure (rules.md V14) at the collector: the bureau's
   records (watch talk|notice|progress|close), the supervision report, and the watch list with
   the rows of earlier years that are still overdue. Reads and writes the records through
   ml_watch.h only; reports through ml_report.h and ml_query_report.h. Who may ask:
   ml_query_dispatch.c. */
#include "ml_query_watch.h"
#include "ml_query_report.h"
#include "ml_cases.h"
#include "ml_report.h"
#include "ml_store_source.h"
#include "ml_watch.h"

#include "ml_date.h"
#include "ml_err.h"
#include "ml_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  A date argument KEY of Q into *DAY: 0, ML_ENOTFOUND when absent (*DAY ML_NODAY), or a failure.
static int
s_date_arg (const ml_query_t *q, const char *key, ml_day_t *day, char *code, size_t codelen,
            char *msg, size_t msglen)
{
    const char *v = ml_query_arg (q, key);
    *day = ML_NODAY;
    if (!v)
        return ML_ENOTFOUND;
    if (ml_date_parse (v, day))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "%s: not a date (%.20s)", key, v);
    return 0;
}

static json_t *
s_day (ml_day_t day)
{
    char buf[16];
    return day == ML_NODAY ? json_null () : json_string (ml_date_format (day, buf));
}

//  Now as unix s, on the collector's day (MASSLINE_TODAY when set, as the chain's decisions).
static int64_t
s_now (void)
{
    int64_t now = (int64_t) time (NULL);
    return (int64_t) ml_date_today () * 86400 + now % 86400;
}

// ---------------------------------------------------------------------------
// A row as JSON: {"unit", "person", "year", "rule", "state", "deadline", "talks": [...],
// "notice", "progress": [...], "closed", "closed_by", ...}

typedef struct {
    json_t *talks, *progress, *notice, *closure;
} s_records_t;

static int
s_record_json (void *arg, const ml_watch_record_t *rec)
{
    s_records_t *r = arg;
    char at[32];
    json_t *o = json_pack ("{s:i, s:s, s:s}", "n", (int) rec->n, "recorded_by", rec->who,
                           "recorded_at", ml_query_iso (rec->at, at, sizeof at));
    if (!o)
        return ML_ENOMEM;
    json_object_set_new (o, "note", rec->note[0] ? json_string (rec->note) : json_null ());
    switch (rec->kind) {
        case ML_WATCH_TALK:
            json_object_set_new (o, "date", s_day (rec->day));
            json_object_set_new (o, "by", json_string (rec->by));
            json_array_append_new (r->talks, o);
            break;
        case ML_WATCH_NOTICE:
            json_object_set_new (o, "deadline", s_day (rec->day));
            json_decref (r->notice);
            r->notice = o;
            break;
        case ML_WATCH_PROGRESS:
            json_object_set_new (o, "date", s_day (rec->day));
            json_array_append_new (r->progress, o);
            break;
        case ML_WATCH_CLOSE:
            json_object_set_new (o, "date", s_day (rec->day));
            json_object_set_new (o, "by", json_string (rec->by));
            json_decref (r->closure);
            r->closure = o;
            break;
        default:
            json_decref (o);
    }
    return 0;
}

//  Row S in full as of AS_OF (its records read in TXN); NULL on failure.
static json_t *
s_row_json (ml_store_txn_t *txn, const ml_watch_state_t *s, ml_day_t as_of, const char *unit_name)
{
    s_records_t r = { json_array (), json_array (), NULL, NULL };
    int rc = ml_watch_records_each (txn, &s->row, s_record_json, &r);
    json_t *row = rc || !r.talks || !r.progress ? NULL : json_object ();
    if (row) {
        json_object_set_new (row, "unit", json_string (s->row.unit));
        json_object_set_new (row, "unit_name", json_string (unit_name ? unit_name : s->row.unit));
        json_object_set_new (row, "person", json_string (s->row.person));
        json_object_set_new (row, "year", json_integer (s->row.year));
        json_object_set_new (row, "rule", s->row.rule[0] ? json_string (s->row.rule) : json_null ());
        json_object_set_new (row, "state", json_string (ml_watch_state_name (s, as_of)));
        json_object_set_new (row, "opened", s_day (s->opened));
        json_object_set_new (row, "deadline", s_day (s->deadline));
        json_object_set_new (row, "talks", r.talks);
        json_object_set_new (row, "notice", r.notice ? r.notice : json_null ());
        json_object_set_new (row, "progress", r.progress);
        json_object_set_new (row, "closed", s_day (s->closed));
        json_object_set_new (row, "closed_by", r.closure
                             ? json_incref (json_object_get (r.closure, "by")) : json_null ());
        json_object_set_new (row, "closure", r.closure ? r.closure : json_null ());
        return row;
    }
    json_decref (r.talks);
    json_decref (r.progress);
    json_decref (r.notice);
    json_decref (r.closure);
    return NULL;
}

static const char *
s_unit_name (const ml_query_t *q, const char *unit)
{
    const ml_unit_t *u = ml_registry_unit (q->registry, unit);
    return u && u->name ? u->name : unit;
}

// ---------------------------------------------------------------------------
// watch talk | notice | progress | close

static const struct {
    const char *verb;
    ml_watch_kind_t kind;
    const char *needs[3];               //  arguments it needs beside the row
} s_verbs[] = {
    { "watch talk", ML_WATCH_TALK, { "date", "by", NULL } },
    { "watch notice", ML_WATCH_NOTICE, { "deadline", NULL } },
    { "watch progress", ML_WATCH_PROGRESS, { "note", NULL } },
    { "watch close", ML_WATCH_CLOSE, { "date", "by", NULL } },
};

//  The row (unit= person= year= [rule=]) and record of Q, checked; *KIND its verb's kind.
static int
s_record_args (const ml_query_t *q, ml_watch_row_t *row, ml_watch_record_t *rec, char *code,
               size_t codelen, char *msg, size_t msglen)
{
    static const char *const allowed[] = { "unit", "person", "year", "rule", "date", "by",
                                           "deadline", "note", NULL };
    size_t v = 0;
    while (v < sizeof s_verbs / sizeof s_verbs[0] && strcmp (s_verbs[v].verb, q->command))
        v++;
    if (v == sizeof s_verbs / sizeof s_verbs[0])
        return ML_QUERY_FAIL (ML_EINVAL, "unknown", "unknown query '%s'", q->command);
    int rc = ml_query_only (q, allowed, code, codelen, msg, msglen);
    if (rc)
        return rc;
    memset (row, 0, sizeof *row);
    memset (rec, 0, sizeof *rec);
    rec->kind = s_verbs[v].kind;
    const char *unit = ml_query_arg (q, "unit"), *person = ml_query_arg (q, "person");
    const char *rule = ml_query_arg (q, "rule"), *by = ml_query_arg (q, "by");
    const char *note = ml_query_arg (q, "note");
    if (!unit || !ml_registry_id_ok (unit))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "%s needs unit=UNIT", q->command);
    if (!person || !ml_registry_id_ok (person))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "%s needs person=PERSON (an id)", q->command);
    if (!ml_query_year_ok (ml_query_arg (q, "year"), &row->year))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "%s needs year=YYYY (the watch list's year)", q->command);
    if (rule && (!*rule || !ml_registry_id_ok (rule)))
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "rule: not a rule id (%.40s)", rule);
    for (int i = 0; s_verbs[v].needs[i]; i++) {
        const char *val = ml_query_arg (q, s_verbs[v].needs[i]);
        if (!val || !*val)
            return ML_QUERY_FAIL (ML_EINVAL, "invalid", "%s needs %s=", q->command, s_verbs[v].needs[i]);
    }
    ml_day_t day = ML_NODAY, today = ml_date_today ();
    char d1[16], d2[16];
    const char *dkey = rec->kind == ML_WATCH_NOTICE ? "deadline" : "date";
    if (rec->kind != ML_WATCH_PROGRESS
        && (rc = s_date_arg (q, dkey, &day, code, codelen, msg, msglen)))
        return rc;
    if (rec->kind == ML_WATCH_PROGRESS)
        day = today;
    if (rec->kind == ML_WATCH_NOTICE && day < today)
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "deadline: %s is before today (%s)",
                       ml_date_format (day, d1), ml_date_format (today, d2));
    if ((rec->kind == ML_WATCH_TALK || rec->kind == ML_WATCH_CLOSE) && day > today)
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "date: %s is after today (%s): record it when it "
                       "has happened", ml_date_format (day, d1), ml_date_format (today, d2));
    if ((rec->kind == ML_WATCH_TALK || rec->kind == ML_WATCH_CLOSE)
        && ml_date_from_ymd (row->year, 1, 1) > day)
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "date: %s is before the watch list's year %d",
                       ml_date_format (day, d1), row->year);
    if (by && strlen (by) >= ML_WATCH_BY_MAX)
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "by: longer than %d bytes", ML_WATCH_BY_MAX - 1);
    if (note && strlen (note) >= ML_WATCH_NOTE_MAX)
        return ML_QUERY_FAIL (ML_EINVAL, "invalid", "note: longer than %d bytes", ML_WATCH_NOTE_MAX - 1);
    if (!ml_registry_unit (q->registry, unit))
        return ML_QUERY_FAIL (ML_ENOTFOUND, "not_found", "unit: unknown unit '%s'", unit);
    snprintf (row->unit, sizeof row->unit, "%s", unit);
    snprintf (row->person, sizeof row->person, "%s", person);
    snprintf (row->rule, sizeof row->rule, "%s", rule ? rule : "");
    rec->day = day;
    rec->at = s_now ();
    snprintf (rec->who, sizeof rec->who, "%s", q->who->user_id);
    snprintf (rec->by, sizeof rec->by, "%s", by && rec->kind != ML_WATCH_PROGRESS
                                             && rec->kind != ML_WATCH_NOTICE ? by : "");
    snprintf (rec->note, sizeof rec->note, "%s", note ? note : "");
    return 0;
}

int
ml_query_watch_check (const ml_query_t *q, char *code, size_t codelen, char *msg, size_t msglen)
{
    ml_watch_row_t row;
    ml_watch_record_t rec;
    return s_record_args (q, &row, &rec, code, codelen, msg, msglen);
}

int
ml_query_watch_record (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                       char *msg, size_t msglen)
{
    ml_watch_row_t row;
    ml_watch_record_t rec;
    int rc = s_record_args (q, &row, &rec, code, codelen, msg, msglen);
    if (rc)
        return rc;
    ml_store_txn_t *txn = ml_store_begin (q->store, true, &rc);
    if (!txn)
        return ML_QUERY_FAIL (rc, "storage", "cannot write the store: %s", ml_strerror (rc));
    ml_watch_state_t s;
    char err[512] = "";
    rc = ml_watch_add (txn, &row, &rec, &s, err, sizeof err);
    if (rc == ML_ECONFLICT || rc == ML_EINVAL) {
        ml_store_abort (&txn);
        ml_warn ("%s %s %s %d%s%s by %s refused: %s", q->command, row.unit, row.person, row.year,
                 row.rule[0] ? " " : "", row.rule, rec.who, err);
        return ML_QUERY_FAIL (rc, rc == ML_ECONFLICT ? "conflict" : "invalid", "%s", err);
    }
    json_t *out = rc ? NULL : s_row_json (txn, &s, ml_date_today (), s_unit_name (q, row.unit));
    if (rc || !out) {
        ml_store_abort (&txn);
        json_decref (out);
        return ML_QUERY_FAIL (rc ? rc : ML_ENOMEM, "storage", "the record could not be stored: %s",
                       ml_strerror (rc ? rc : ML_ENOMEM));
    }
    rc = ml_store_commit (&txn);
    if (rc) {
        json_decref (out);
        return ML_QUERY_FAIL (rc, "storage", "the record could not be stored: %s", ml_strerror (rc));
    }
    char day[16];
    ml_info ("%s %s %s %d%s%s: record %u (%s %s%s%s) entered by %s; the row is %s",
             q->command, row.unit, row.person, row.year, row.rule[0] ? " " : "", row.rule, rec.n,
             ml_watch_kind_name (rec.kind), ml_date_format (rec.day, day), rec.by[0] ? " by " : "",
             rec.by, rec.who, ml_watch_state_name (&s, ml_date_today ()));
    *reply = json_pack ("{s:s, s:i, s:o}", "recorded", ml_watch_kind_name (rec.kind), "n",
                        (int) rec.n, "row", out);
    return *reply ? 0 : ML_QUERY_FAIL (ML_ENOMEM, "internal", "out of memory");
}

// ---------------------------------------------------------------------------
// report supervision

int
ml_query_watch_supervision_check (const ml_query_t *q, char *code, size_t codelen, char *msg,
                                  size_t msglen)
{
    int year;
    ml_day_t as_of;
    return ml_query_year_as_of (q, &year, &as_of, code, codelen, msg, msglen);
}

typedef struct {
    const ml_query_t *q;
    ml_store_txn_t *txn;
    int year;
    ml_day_t as_of;
    json_t *rows;
    int opened, talked, on_time, late, overdue, open, carried;
} s_supervision_t;

static int
s_supervision_row (void *arg, const ml_watch_state_t *s)
{
    s_supervision_t *x = arg;
    bool own = s->row.year == x->year;
    //  a row of an earlier year is listed while it is overdue on some day of this year
    bool carried = s->row.year < x->year
        && ml_watch_overdue_within (s, ml_date_from_ymd (x->year, 1, 1), x->as_of);
    if (s->opened != ML_NODAY && s->opened > x->as_of)
        return 0;                       //  entered after the day the report is as of
    if (!own && !carried)
        return 0;
    json_t *row = s_row_json (x->txn, s, x->as_of, s_unit_name (x->q, s->row.unit));
    if (!row)
        return ML_ENOMEM;
    json_object_set_new (row, "carried_over", json_boolean (carried));
    json_array_append_new (x->rows, row);
    if (carried) {
        x->carried++;
        return 0;
    }
    const char *state = ml_watch_state_name (s, x->as_of);
    x->opened++;
    x->talked += s->talks > 0;
    x->on_time += strcmp (state, "rectified_on_time") == 0;
    x->late += strcmp (state, "rectified_late") == 0;
    x->overdue += strcmp (state, "overdue") == 0;
    x->open += strcmp (state, "open") == 0;
    return 0;
}

int
ml_query_watch_supervision (const ml_query_t *q, json_t **reply, char *code, size_t codelen,
                            char *msg, size_t msglen)
{
    int year;
    ml_day_t as_of;
    int rc = ml_query_year_as_of (q, &year, &as_of, code, codelen, msg, msglen);
    if (rc)
        return rc;
    ml_store_txn_t *txn = ml_store_begin (q->store, false, &rc);
    if (!txn)
        return ML_QUERY_FAIL (rc, "storage", "cannot read the store: %s", ml_strerror (rc));
    s_supervision_t x = { q, txn, year, as_of, json_array (), 0, 0, 0, 0, 0, 0, 0 };
    rc = x.rows ? ml_watch_rows_each (txn, s_supervision_row, &x) : ML_ENOMEM;
    ml_store_abort (&txn);
    if (rc) {
        json_decref (x.rows);
        return ML_QUERY_FAIL (rc, "storage", "report supervision: %s", ml_strerror (rc));
    }
    char day[16];
    *reply = json_pack ("{s:s, s:i, s:s, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i}, s:o}",
                        "report", "supervision", "year", year, "as_of", ml_date_format (as_of, day),
                        "counts", "opened", x.opened, "talked", x.talked, "rectified_on_time",
                        x.on_time, "rectified_late", x.late, "overdue", x.overdue, "open", x.open,
                        "carried_over", x.carried, "rows", x.rows);
    return *reply ? 0 : ML_QUERY_FAIL (ML_ENOMEM, "internal", "out of memory");
}

// ---------------------------------------------------------------------------
// report watchlist, with the overdue rows of earlier years

typedef struct {
    const ml_query_t *q;
    int year;
    ml_day_t as_of;
    json_t *rows;
    ml_source_t src;                    //  the roster, for the names of the persons
} s_carry_t;

typedef struct {
    const char *person;
    char name[256];
} s_name_t;

static int
s_name_of (void *arg, const Massline__Event *ev)
{
    s_name_t *n = arg;
    if (ev->body_case == MASSLINE__EVENT__BODY_PERSON && ev->person->person && ev->person->name
        && strcmp (ev->person->person, n->person) == 0)
        snprintf (n->name, sizeof n->name, "%s", ev->person->name);
    return 0;
}

static int
s_no_units (void *ctx, ml_unit_fn *fn, void *arg)
{
    (void) ctx, (void) fn, (void) arg;
    return 0;
}

static int
s_carry_row (void *arg, const ml_watch_state_t *s)
{
    s_carry_t *c = arg;
    if (s->row.year >= c->year
        || !ml_watch_overdue_within (s, ml_date_from_ymd (c->year, 1, 1), c->as_of))
        return 0;
    char text[256], d[16];
    s_name_t name = { s->row.person, "" };
    if (c->src.persons)
        c->src.persons (c->src.ctx, s->row.unit, s_name_of, &name);
    snprintf (text, sizeof text, "逾期未整改：%d年度督查整改，限期 %s overdue rectification",
              s->row.year, ml_date_format (s->deadline, d));
    json_t *row = json_pack ("{s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:i, s:b, s:o, s:s, s:o}",
        "unit", s->row.unit, "unit_name", s_unit_name (c->q, s->row.unit), "person", s->row.person,
        "name", name.name[0] ? json_string (name.name) : json_null (), "rule", s->row.rule[0] ? json_string (s->row.rule) : json_null (),
        "text", text, "severity", "violation", "year", s->row.year, "carried_over", true,
        "deadline", s_day (s->deadline), "rectification", ml_watch_state_name (s, c->as_of),
        "closed", s_day (s->closed));
    return row && !json_array_append_new (c->rows, row) ? 0 : ML_ENOMEM;
}

#define S_LIMIT_ARGS 16                 //  more arguments than the report takes: refused anyway
#define S_LIMIT_MAX 1000000000L

//  Q without its limit= argument into *REPORT (its args in ARGS), the limit into *LIMIT (-1: none).
static int
s_watch_limit (const ml_query_t *q, ml_query_t *report, char **args, long *limit, char *code,
               size_t codelen, char *msg, size_t msglen)
{
    *report = *q;
    report->args = args;
    report->n_args = 0;
    *limit = -1;
    for (size_t i = 0; i < q->n_args; i++) {
        const char *arg = q->args[i];
        if (strncmp (arg, "limit=", 6) != 0) {
            if (report->n_args == S_LIMIT_ARGS)
                return ML_QUERY_FAIL (ML_EINVAL, "invalid", "report watchlist: too many arguments");
            args[report->n_args++] = q->args[i];
            continue;
        }
        char *end;
        long n = strtol (arg + 6, &end, 10);
        if (*limit >= 0)
            return ML_QUERY_FAIL (ML_EINVAL, "invalid", "report watchlist: limit given twice");
        if (!arg[6] || *end || arg[6] == '-' || arg[6] == '+' || n < 0 || n > S_LIMIT_MAX)
            return ML_QUERY_FAIL (ML_EINVAL, "invalid", "limit: not a count of rows (%.20s)", arg + 6);
        *limit = n;
    }
    return 0;
}

int
ml_query_watch_watchlist_check (const ml_query_t *q, char *code, size_t codelen, char *msg,
                                size_t msglen)
{
    ml_query_t report;
    char *args[S_LIMIT_ARGS];
    long limit;
    int rc = s_watch_limit (q, &report, args, &limit, code, codelen, msg, msglen);
    return rc ? rc : ml_query_report_check (&report, code, codelen, msg, msglen);
}

int
ml_query_watch_watchlist (const ml_query_t *q_in, json_t **reply, char *code, size_t codelen,
                          char *msg, size_t msglen)
{
    ml_query_t report;
    char *args[S_LIMIT_ARGS];
    long limit;
    int rc = s_watch_limit (q_in, &report, args, &limit, code, codelen, msg, msglen);
    if (rc)
        return rc;
    const ml_query_t *q = &report;
    rc = ml_query_report (q, reply, code, codelen, msg, msglen);
    if (rc)
        return rc;
    ml_day_t as_of;
    s_carry_t c = { q, (int) json_integer_value (json_object_get (*reply, "year")), ML_NODAY,
                    json_array (), { .ctx = NULL } };
    const char *as_of_text = json_string_value (json_object_get (*reply, "as_of"));
    if (!as_of_text || ml_date_parse (as_of_text, &as_of))
        as_of = ml_date_today ();
    c.as_of = as_of;
    ml_store_txn_t *txn = ml_store_begin (q->store, false, &rc);
    if (txn && c.rows) {
        ml_store_source (txn, s_no_units, NULL, c.year, &c.src);
        rc = ml_watch_rows_each (txn, s_carry_row, &c);
    }
    ml_store_abort (&txn);
    if (rc || !c.rows) {
        json_decref (c.rows);
        json_decref (*reply);
        *reply = NULL;
        return ML_QUERY_FAIL (rc ? rc : ML_ENOMEM, "storage", "report watchlist: %s",
                       ml_strerror (rc ? rc : ML_ENOMEM));
    }
    if (json_array_size (c.rows))
        ml_report_watchlist_carry (*reply, c.rows);
    else {
        //  nothing carried over: the report's rows are sorted already (no second sort of them all)
        json_decref (c.rows);
        json_object_set_new (*reply, "carried_over", json_integer (0));
    }
    if (limit >= 0) {
        //  the first LIMIT rows of the sorted list; the count of all beside them
        json_t *rows = json_object_get (*reply, "rows");
        size_t total = json_array_size (rows);
        while (json_array_size (rows) > (size_t) limit)
            json_array_remove (rows, json_array_size (rows) - 1);
        json_object_set_new (*reply, "rows_total", json_integer ((json_int_t) total));
    }
    return 0;
}
