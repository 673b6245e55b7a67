/* ml_metrics.c -- the metric catalogue: events to counter deltas, and the agg key layout. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_err.h"
#include "ml_metrics.h"

//  Names as the rule file writes them, indexed by ml_metric_t.
static const char *s_names[ML_METRIC_COUNT] = {
    [ML_METRIC_RESEARCH_PLANS] = "research_plans",
    [ML_METRIC_RESEARCH_TRIPS] = "research_trips",
    [ML_METRIC_RESEARCH_DAYS] = "research_days",
    [ML_METRIC_STATIONED_DAYS] = "stationed_days",
    [ML_METRIC_UNANNOUNCED_TRIPS] = "unannounced_trips",
    [ML_METRIC_RESEARCH_REPORTS] = "research_reports",
    [ML_METRIC_WORK_ITEMS] = "work_items",
    [ML_METRIC_RESULTS_EXCHANGES] = "results_exchanges",
    [ML_METRIC_CONTACT_VISITS] = "contact_visits",
    [ML_METRIC_PRACTICAL_DEEDS] = "practical_deeds",
    [ML_METRIC_RECEPTION_DAYS] = "reception_days",
    [ML_METRIC_RECEPTION_ANNOUNCED] = "reception_announced",
    [ML_METRIC_RECEPTION_FIXED_POINT] = "reception_fixed_point",
    [ML_METRIC_RECEPTION_OPEN] = "reception_open",
    [ML_METRIC_RECEPTION_KEY_APPOINTMENT] = "reception_key_appointment",
    [ML_METRIC_RECEPTION_THEMATIC] = "reception_thematic",
    [ML_METRIC_RECEPTION_VISIT_WITH_CASE] = "reception_visit_with_case",
    [ML_METRIC_RECEPTION_HOME_RETURN_VISIT] = "reception_home_return_visit",
    [ML_METRIC_TALKS] = "talks",
    [ML_METRIC_TALKS_TEAM_MEMBER] = "talks_team_member",
    [ML_METRIC_TALKS_DEPARTMENT] = "talks_department",
    [ML_METRIC_TALKS_CONTACT_POINT] = "talks_contact_point",
    [ML_METRIC_TALKS_PARTY_MEMBER] = "talks_party_member",
    [ML_METRIC_TALKS_MASSES] = "talks_masses",
    [ML_METRIC_TALKS_MEMBER] = "talks_member",
    [ML_METRIC_TALKS_REMOTE] = "talks_remote",
    [ML_METRIC_OPINIONS] = "opinions",
    [ML_METRIC_PETITIONS] = "petitions",
    [ML_METRIC_COMMITMENTS_ANNUAL] = "commitments_annual",
    [ML_METRIC_COMMITMENTS_INSTANT] = "commitments_instant",
    [ML_METRIC_REP_STUDIO_RECEPTION] = "rep_studio_reception",
    [ML_METRIC_REP_ADVICE] = "rep_advice",
    [ML_METRIC_REP_SERVICE] = "rep_service",
    [ML_METRIC_REP_EXCHANGE] = "rep_exchange",
    [ML_METRIC_REP_INSPECTION] = "rep_inspection",
    [ML_METRIC_REP_COMMITTEE_MEETING] = "rep_committee_meeting",
    [ML_METRIC_REP_PROPOSAL] = "rep_proposal",
    [ML_METRIC_ACTIVITY_DAYS] = "activity_days",
    [ML_METRIC_SECONDMENT_LIAISONS] = "secondment_liaisons",
};

const char *
ml_metric_name (int metric)
{
    return metric > 0 && metric < ML_METRIC_COUNT ? s_names[metric] : NULL;
}

int
ml_metric_by_name (const char *name)
{
    for (int m = 1; name && m < ML_METRIC_COUNT; m++)
        if (strcmp (s_names[m], name) == 0)
            return m;
    return ML_METRIC_NONE;
}

//  ---------------------------------------------------------------------------
//  Building the delta list

typedef struct {
    ml_delta_t *items;
    size_t n, cap;
    int sign;
    int rc;                      //  sticky: the first failure
} s_list_t;

//  True when S can be a key part: an id of 1..ML_ID_MAX bytes of [A-Za-z0-9._-].
static bool
s_is_id (const char *s)
{
    size_t len = s ? strlen (s) : 0;
    return len > 0 && len <= ML_ID_MAX && strspn (s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                     "abcdefghijklmnopqrstuvwxyz"
                                                     "0123456789._-") == len;
}

const char *
ml_metric_point_sub (const char *point, char *out)
{
    if (s_is_id (point)) {
        snprintf (out, ML_SUB_MAX + 1, "%s", point);
        return out;
    }
    char cut[ML_ID_MAX + 1];
    snprintf (cut, sizeof cut, "%s", point ? point : "");
    uint8_t sha[32];
    ml_sha256 ((const uint8_t *) cut, strlen (cut), sha);
    out[0] = '~';
    for (int i = 0; i < 12; i++)
        snprintf (out + 1 + 2 * i, 3, "%02x", sha[i]);
    return out;
}

//  Adds AMOUNT (times the list's sign) to METRIC of PERSON in the month of DAY.
static void
s_add (s_list_t *self, ml_day_t day, int metric, const char *person, const char *sub,
       int64_t amount)
{
    if (self->rc)
        return;
    if (self->n == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 8;
        ml_delta_t *items = realloc (self->items, cap * sizeof *items);
        if (!items) {
            self->rc = ML_ENOMEM;
            return;
        }
        self->items = items;
        self->cap = cap;
    }
    ml_delta_t *d = &self->items[self->n++];
    memset (d, 0, sizeof *d);
    ml_date_to_ymd (day, &d->year, &d->month, &d->day);
    d->metric = metric;
    //  Ids are validated at ingest; an over-long one would not fit a key, so it is cut.
    snprintf (d->person, sizeof d->person, "%s", person ? person : "");
    snprintf (d->sub, sizeof d->sub, "%s", sub ? sub : "");
    d->amount = amount * self->sign;
}

//  Adds the inclusive days FROM..TO to METRIC, one delta per day, so a trip over New Year counts
//  in both years (rules.md: "split at year ends") and a trip cut by the as-of day or a change of
//  role counts the days on each side (V2, V6). Trips are validated to at most a year.
static void
s_add_days (s_list_t *self, ml_day_t from, ml_day_t to, int metric, const char *person)
{
    if (to - from > 366) {
        self->rc = ML_EINVAL;
        return;
    }
    for (ml_day_t day = from; day <= to && !self->rc; day++)
        s_add (self, day, metric, person, "", 1);
}

static int
s_trip (s_list_t *self, const Massline__ResearchTrip *t, ml_day_t day)
{
    ml_day_t end;
    if (ml_date_parse (t->end, &end) || end < day)
        return ML_EINVAL;
    s_add (self, day, ML_METRIC_RESEARCH_TRIPS, t->person, "", 1);
    s_add_days (self, day, end, ML_METRIC_RESEARCH_DAYS, t->person);
    if (t->has_stationed && t->stationed)
        s_add_days (self, day, end, ML_METRIC_STATIONED_DAYS, t->person);
    if (t->has_unannounced && t->unannounced)
        s_add (self, day, ML_METRIC_UNANNOUNCED_TRIPS, t->person, "", 1);
    return ML_OK;
}

//  A reception day counts in its half-month (sub a/b), by its mode, and as announced when the
//  announcement is dated before the day itself (4.2a: "提前公布", published in advance).
static void
s_reception (s_list_t *self, const Massline__ReceptionDay *r, ml_day_t day)
{
    int y, m, d;
    ml_date_to_ymd (day, &y, &m, &d);
    s_add (self, day, ML_METRIC_RECEPTION_DAYS, r->person, d <= 15 ? "a" : "b", 1);
    ml_day_t announced;
    if (r->announced && ml_date_parse (r->announced, &announced) == 0 && announced < day)
        s_add (self, day, ML_METRIC_RECEPTION_ANNOUNCED, r->person, "", 1);
    int mode = ML_METRIC_RECEPTION_FIXED_POINT + (int) r->mode - 1;
    if (mode >= ML_METRIC_RECEPTION_FIXED_POINT && mode <= ML_METRIC_RECEPTION_HOME_RETURN_VISIT)
        s_add (self, day, mode, r->person, "", 1);
}

//  A talk counts in total, by with_category, per counterpart (when `with` is a person id) and,
//  by phone or home visit, as remote (5.3: mobile and frail members reached that way).
static void
s_talk (s_list_t *self, const Massline__Talk *t, ml_day_t day)
{
    s_add (self, day, ML_METRIC_TALKS, t->person, "", 1);
    int cat = ML_METRIC_TALKS_TEAM_MEMBER + (int) t->with_category - 1;
    if (cat >= ML_METRIC_TALKS_TEAM_MEMBER && cat <= ML_METRIC_TALKS_MASSES)
        s_add (self, day, cat, t->person, "", 1);
    if (s_is_id (t->with))
        s_add (self, day, ML_METRIC_TALKS_MEMBER, t->person, t->with, 1);
    if (t->has_mode && t->mode != MASSLINE__TALK__MODE__in_person)
        s_add (self, day, ML_METRIC_TALKS_REMOTE, t->person, "", 1);
}

//  A person's commitment counts under the person; an organisation's under the unit, sub = org.
static void
s_commitment (s_list_t *self, const Massline__Commitment *c, ml_day_t day)
{
    int metric = c->type == MASSLINE__COMMITMENT__TYPE__instant ? ML_METRIC_COMMITMENTS_INSTANT
                                                                 : ML_METRIC_COMMITMENTS_ANNUAL;
    if (c->person)
        s_add (self, day, metric, c->person, "", 1);
    else if (c->org)
        s_add (self, day, metric, "", c->org, 1);
}

//  The deltas of one plain (not correction/void) event dated DAY.
static int
s_event (s_list_t *self, const Massline__Event *ev, ml_day_t day)
{
    switch (ev->body_case) {
        case MASSLINE__EVENT__BODY_RESEARCH_PLAN:
            s_add (self, day, ML_METRIC_RESEARCH_PLANS, ev->research_plan->person, "", 1);
            break;
        case MASSLINE__EVENT__BODY_RESEARCH_TRIP:
            return s_trip (self, ev->research_trip, day);
        case MASSLINE__EVENT__BODY_RESEARCH_REPORT:
            s_add (self, day, ML_METRIC_RESEARCH_REPORTS, ev->research_report->person, "", 1);
            break;
        case MASSLINE__EVENT__BODY_WORK_ITEM:
            s_add (self, day, ML_METRIC_WORK_ITEMS, ev->work_item->person, "", 1);
            break;
        case MASSLINE__EVENT__BODY_RESULTS_EXCHANGE:
            s_add (self, day, ML_METRIC_RESULTS_EXCHANGES, "", "", 1);
            break;
        case MASSLINE__EVENT__BODY_CONTACT_VISIT: {
            char sub[ML_SUB_MAX + 1];
            s_add (self, day, ML_METRIC_CONTACT_VISITS, ev->contact_visit->person,
                   ml_metric_point_sub (ev->contact_visit->point, sub), 1);
            break;
        }
        case MASSLINE__EVENT__BODY_PRACTICAL_DEED: {
            char sub[ML_SUB_MAX + 1];
            s_add (self, day, ML_METRIC_PRACTICAL_DEEDS, ev->practical_deed->person,
                   ml_metric_point_sub (ev->practical_deed->beneficiary, sub), 1);
            break;
        }
        case MASSLINE__EVENT__BODY_RECEPTION_DAY:
            s_reception (self, ev->reception_day, day);
            break;
        case MASSLINE__EVENT__BODY_PETITION_CASE:
            s_add (self, day, ML_METRIC_PETITIONS, "", "", 1);
            break;
        case MASSLINE__EVENT__BODY_TALK:
            s_talk (self, ev->talk, day);
            break;
        case MASSLINE__EVENT__BODY_OPINION:
            s_add (self, day, ML_METRIC_OPINIONS, "", "", 1);
            break;
        case MASSLINE__EVENT__BODY_COMMITMENT:
            s_commitment (self, ev->commitment, day);
            break;
        case MASSLINE__EVENT__BODY_REP_ACTIVITY: {
            int metric = ML_METRIC_REP_STUDIO_RECEPTION + (int) ev->rep_activity->activity - 1;
            if (metric >= ML_METRIC_REP_STUDIO_RECEPTION && metric <= ML_METRIC_REP_PROPOSAL)
                s_add (self, day, metric, ev->rep_activity->person, "", 1);
            break;
        }
        case MASSLINE__EVENT__BODY_ACTIVITY_DAY:
            s_add (self, day, ML_METRIC_ACTIVITY_DAYS, "", ev->activity_day->org, 1);
            break;
        case MASSLINE__EVENT__BODY_SECONDMENT_LIAISON:
            s_add (self, day, ML_METRIC_SECONDMENT_LIAISONS, "", ev->secondment_liaison->secondment, 1);
            break;
        default:
            //  Roster, secondments, case follow-ups, assignments, mailboxes: kept in `cases`
            //  or the roster, not counted here.
            break;
    }
    return ML_OK;
}

//  Kinds that add nothing: no date needed.
static bool
s_counts_nothing (const Massline__Event *ev)
{
    switch (ev->body_case) {
        case MASSLINE__EVENT__BODY_PERSON:
        case MASSLINE__EVENT__BODY_ORG:
        case MASSLINE__EVENT__BODY_VOID:
        case MASSLINE__EVENT__BODY__NOT_SET:
            return true;
        default:
            return false;
    }
}

int
ml_metrics_of (const Massline__Event *ev, int sign, ml_delta_t **deltas, size_t *n)
{
    assert (ev && deltas && n && (sign == 1 || sign == -1));
    *deltas = NULL;
    *n = 0;
    if (ev->body_case == MASSLINE__EVENT__BODY_CORRECTION)
        return ev->correction->event ? ml_metrics_of (ev->correction->event, sign, deltas, n)
                                     : ML_EINVAL;
    if (s_counts_nothing (ev))
        return ML_OK;
    ml_day_t day;
    if (ml_event_date (ev, &day))
        return ML_EINVAL;
    s_list_t list = { NULL, 0, 0, sign, ML_OK };
    int rc = s_event (&list, ev, day);
    if (!rc)
        rc = list.rc;
    if (rc) {
        free (list.items);
        return rc;
    }
    *deltas = list.items;
    *n = list.n;
    return ML_OK;
}

//  ---------------------------------------------------------------------------
//  Keys

size_t
ml_agg_prefix (int year, const char *unit, uint8_t *buf)
{
    size_t ulen = strnlen (unit, ML_ID_MAX);
    buf[0] = (uint8_t) (year >> 8);
    buf[1] = (uint8_t) year;
    memcpy (buf + 2, unit, ulen);
    buf[2 + ulen] = 0;
    return 3 + ulen;
}

size_t
ml_agg_key (const char *unit, const ml_delta_t *d, uint8_t *buf)
{
    size_t len = ml_agg_prefix (d->year, unit, buf);
    size_t plen = strnlen (d->person, ML_ID_MAX);
    memcpy (buf + len, d->person, plen);
    len += plen;
    buf[len++] = 0;
    buf[len++] = (uint8_t) d->metric;
    buf[len++] = (uint8_t) d->month;
    size_t slen = strnlen (d->sub, ML_SUB_MAX);
    memcpy (buf + len, d->sub, slen);
    return len + slen;
}

size_t
ml_aggd_prefix (int year, const char *unit, int month, uint8_t *buf)
{
    size_t len = ml_agg_prefix (year, unit, buf);
    buf[len++] = (uint8_t) month;
    return len;
}

size_t
ml_aggd_key (const char *unit, const ml_delta_t *d, uint8_t *buf)
{
    size_t len = ml_aggd_prefix (d->year, unit, d->month, buf);
    size_t plen = strnlen (d->person, ML_ID_MAX);
    memcpy (buf + len, d->person, plen);
    len += plen;
    buf[len++] = 0;
    buf[len++] = (uint8_t) d->metric;
    buf[len++] = (uint8_t) d->day;
    size_t slen = strnlen (d->sub, ML_SUB_MAX);
    memcpy (buf + len, d->sub, slen);
    return len + slen;
}

//  Copies the NUL-terminated part at *P (before END) into OUT; moves *P past the NUL.
static int
s_take (const uint8_t **p, const uint8_t *end, char *out)
{
    const uint8_t *nul = memchr (*p, 0, (size_t) (end - *p));
    if (!nul || nul - *p > ML_ID_MAX)
        return ML_EINVAL;
    memcpy (out, *p, (size_t) (nul - *p));
    out[nul - *p] = 0;
    *p = nul + 1;
    return ML_OK;
}

int
ml_agg_key_decode (const uint8_t *key, size_t len, ml_delta_t *d, char *unit)
{
    memset (d, 0, sizeof *d);
    char spare[ML_ID_MAX + 1];
    const uint8_t *p = key + 2, *end = key + len;
    if (len < 2 + 1 + 1 + 2)
        return ML_EINVAL;
    d->year = (key[0] << 8) | key[1];
    if (s_take (&p, end, unit ? unit : spare) || s_take (&p, end, d->person) || end - p < 2)
        return ML_EINVAL;
    d->metric = p[0];
    d->month = p[1];
    p += 2;
    if (end - p > ML_SUB_MAX || d->month < 1 || d->month > 12)
        return ML_EINVAL;
    memcpy (d->sub, p, (size_t) (end - p));
    d->sub[end - p] = 0;
    return ML_OK;
}

int
ml_aggd_key_decode (const uint8_t *key, size_t len, ml_delta_t *d, char *unit)
{
    memset (d, 0, sizeof *d);
    char spare[ML_ID_MAX + 1];
    const uint8_t *p = key + 2, *end = key + len;
    if (len < 2 + 1 + 1 + 1 + 2)
        return ML_EINVAL;
    d->year = (key[0] << 8) | key[1];
    if (s_take (&p, end, unit ? unit : spare) || end - p < 1)
        return ML_EINVAL;
    d->month = *p++;
    if (s_take (&p, end, d->person) || end - p < 2)
        return ML_EINVAL;
    d->metric = p[0];
    d->day = p[1];
    p += 2;
    if (end - p > ML_SUB_MAX || d->month < 1 || d->month > 12 || d->day < 1 || d->day > 31)
        return ML_EINVAL;
    memcpy (d->sub, p, (size_t) (end - p));
    d->sub[end - p] = 0;
    return ML_OK;
}

void
ml_agg_value_pack (int64_t amount, uint8_t out[8])
{
    uint64_t v = (uint64_t) amount;
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t) v;
}

int64_t
ml_agg_value_unpack (const uint8_t in[8])
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | in[i];
    return (int64_t) v;
}
