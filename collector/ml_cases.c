/* ml_cases.c -- case lifecycles folded from events, packed to bytes for the `cases` db. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "ml_cases.h"
#include "ml_err.h"

static const char *s_kind_names[ML_CASE_KINDS] = {
    [ML_CASE_PETITION] = "petition",
    [ML_CASE_OPINION] = "opinion",
    [ML_CASE_COMMITMENT] = "commitment",
    [ML_CASE_SECONDMENT] = "secondment",
    [ML_CASE_CONTACT_POINT] = "contact_point",
    [ML_CASE_PAIRED_FAMILY] = "paired_family",
    [ML_CASE_MAILBOX] = "mailbox",
    [ML_CASE_REVIEW] = "review",
    [ML_CASE_APPEAL] = "appeal",
    [ML_CASE_EXEMPTION] = "exemption",
    [ML_CASE_STUDIO] = "studio",
};

const char *
ml_case_kind_name (int kind)
{
    return kind > 0 && kind < ML_CASE_KINDS ? s_kind_names[kind] : NULL;
}

int
ml_case_kind_by_name (const char *name)
{
    for (int k = 1; name && k < ML_CASE_KINDS; k++)
        if (strcmp (s_kind_names[k], name) == 0)
            return k;
    return 0;
}

//  ---------------------------------------------------------------------------
//  Which case an event touches

static int
s_key (ml_case_key_t *key, int kind, const char *a, const char *b)
{
    key->kind = kind;
    if (!a)
        return ML_EINVAL;
    if (b)
        snprintf (key->id, sizeof key->id, "%.*s/%.*s", ML_ID_MAX, a, ML_ID_MAX, b);
    else
        snprintf (key->id, sizeof key->id, "%s", a);
    return ML_OK;
}

int
ml_case_key_of (const Massline__Event *ev, ml_case_key_t *key)
{
    return ml_case_key_of_ref (ev, NULL, key);
}

int
ml_case_key_of_ref (const Massline__Event *ev, const char *ref, ml_case_key_t *key)
{
    memset (key, 0, sizeof *key);
    const char *own = ref ? ref : ev->ref;
    switch (ev->body_case) {
        case MASSLINE__EVENT__BODY_PETITION_CASE:
            return s_key (key, ML_CASE_PETITION, ev->petition_case->case_, NULL);
        case MASSLINE__EVENT__BODY_PETITION_CLOSED:
            return s_key (key, ML_CASE_PETITION, ev->petition_closed->case_, NULL);
        case MASSLINE__EVENT__BODY_OPINION:
            return s_key (key, ML_CASE_OPINION, ev->opinion->opinion, NULL);
        case MASSLINE__EVENT__BODY_OPINION_ASSIGNED:
            return s_key (key, ML_CASE_OPINION, ev->opinion_assigned->opinion, NULL);
        case MASSLINE__EVENT__BODY_OPINION_CLOSED:
            return s_key (key, ML_CASE_OPINION, ev->opinion_closed->opinion, NULL);
        case MASSLINE__EVENT__BODY_COMMITMENT:
            return s_key (key, ML_CASE_COMMITMENT, ev->commitment->commitment, NULL);
        case MASSLINE__EVENT__BODY_COMMITMENT_FULFILLED:
            return s_key (key, ML_CASE_COMMITMENT, ev->commitment_fulfilled->commitment, NULL);
        case MASSLINE__EVENT__BODY_COMMITMENT_EVALUATED:
            return s_key (key, ML_CASE_COMMITMENT, ev->commitment_evaluated->commitment, NULL);
        case MASSLINE__EVENT__BODY_SECONDMENT:
            return s_key (key, ML_CASE_SECONDMENT, own, NULL);
        case MASSLINE__EVENT__BODY_SECONDMENT_REVIEW:
            if (ev->secondment_review->secondment)
                return s_key (key, ML_CASE_SECONDMENT, ev->secondment_review->secondment, NULL);
            return s_key (key, ML_CASE_REVIEW, own, NULL);
        case MASSLINE__EVENT__BODY_SECONDMENT_TRAINING:
            return s_key (key, ML_CASE_SECONDMENT, ev->secondment_training->secondment, NULL);
        case MASSLINE__EVENT__BODY_APPEAL:
            return s_key (key, ML_CASE_APPEAL, ev->appeal->appeal, NULL);
        case MASSLINE__EVENT__BODY_EXEMPTION:
            return s_key (key, ML_CASE_EXEMPTION, own, NULL);
        case MASSLINE__EVENT__BODY_REP_STUDIO:
            return s_key (key, ML_CASE_STUDIO, ev->rep_studio->studio, NULL);
        case MASSLINE__EVENT__BODY_CASE_ACTION:
            if (ev->case_action->action == MASSLINE__CASE_ACTION__ACTION__visit)
                return ML_ENOTFOUND;        //  a visit is recorded, not judged
            return s_key (key, ML_CASE_PETITION, ev->case_action->case_, NULL);
        case MASSLINE__EVENT__BODY_CONTACT_POINT:
            return s_key (key, ML_CASE_CONTACT_POINT, ev->contact_point->person,
                          ev->contact_point->point);
        case MASSLINE__EVENT__BODY_PAIRED_FAMILY:
            return s_key (key, ML_CASE_PAIRED_FAMILY, ev->paired_family->person,
                          ev->paired_family->family);
        case MASSLINE__EVENT__BODY_MAILBOX:
            return s_key (key, ML_CASE_MAILBOX, ev->mailbox->channel, NULL);
        case MASSLINE__EVENT__BODY_CORRECTION:
            if (ev->correction->event)
                return ml_case_key_of_ref (ev->correction->event, ref, key);
            return ML_ENOTFOUND;
        default:
            return ML_ENOTFOUND;
    }
}

void
ml_case_init (ml_case_t *self, const ml_case_key_t *key)
{
    memset (self, 0, sizeof *self);
    self->key = *key;
    self->opened = self->deadline = self->closed = self->assigned = ML_NODAY;
    self->feedback = self->from = self->to = self->reviewed = ML_NODAY;
    self->coordinated = self->published = self->trained = ML_NODAY;
}

//  ---------------------------------------------------------------------------
//  Applying and reverting: ON sets the fields an event kind owns, !ON clears them.

typedef struct {
    ml_case_t *c;
    bool on;
    int rc;                          //  sticky: the first bad date
} s_apply_t;

static void
s_flag (s_apply_t *a, uint32_t flag, bool value)
{
    if (a->on && value)
        a->c->flags |= flag;
    else
        a->c->flags &= ~flag;
}

//  Sets *FIELD to the date TEXT (absent text: ML_NODAY) or clears it.
static void
s_date (s_apply_t *a, ml_day_t *field, const char *text)
{
    *field = ML_NODAY;
    if (a->on && text && ml_date_parse (text, field)) {
        *field = ML_NODAY;
        a->rc = ML_EINVAL;
    }
}

static void
s_text (s_apply_t *a, char *field, const char *text)
{
    snprintf (field, ML_ID_MAX + 1, "%s", a->on && text ? text : "");
}

//  Free text cut to ML_CASE_TEXT_MAX bytes at a character boundary.
static void
s_long_text (s_apply_t *a, char *field, const char *text)
{
    size_t len = a->on && text ? strlen (text) : 0;
    if (len > ML_CASE_TEXT_MAX) {
        len = ML_CASE_TEXT_MAX;
        while (len > 0 && ((unsigned char) text[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy (field, text ? text : "", len);
    field[len] = 0;
}

static void
s_petition (s_apply_t *a, const Massline__PetitionCase *p)
{
    s_flag (a, ML_CASE_OPENED, true);
    s_date (a, &a->c->opened, p->date);
    s_text (a, a->c->person, p->person);
    a->c->group_size = a->on ? (p->has_group_size ? p->group_size : 1) : 0;
    //  4.3a: a record names measures, a responsible unit/department and a deadline.
    s_flag (a, ML_CASE_MEASURES, p->measures && *p->measures);
    s_flag (a, ML_CASE_RESPONSIBLE, p->responsible && *p->responsible);
    s_date (a, &a->c->deadline, p->deadline);
    s_flag (a, ML_CASE_HIGH_PROFILE, p->has_high_profile && p->high_profile);
}

static void
s_opinion_assigned (s_apply_t *a, const Massline__OpinionAssigned *o)
{
    s_flag (a, ML_CASE_ASSIGNED, true);
    s_date (a, &a->c->assigned, o->date);
    s_flag (a, ML_CASE_DEPARTMENT, o->department && *o->department);
    s_date (a, &a->c->deadline, o->deadline);
    s_text (a, a->c->owner, o->person);
}

static void
s_opinion_closed (s_apply_t *a, const Massline__OpinionClosed *o)
{
    s_flag (a, ML_CASE_CLOSED, true);
    s_date (a, &a->c->closed, o->date);
    s_flag (a, ML_CASE_ADOPTED, o->has_adopted && o->adopted);
    s_date (a, &a->c->feedback, o->feedback);
}

static void
s_commitment (s_apply_t *a, const Massline__Commitment *c)
{
    s_flag (a, ML_CASE_OPENED, true);
    s_date (a, &a->c->opened, c->date);
    s_text (a, a->c->person, c->person);
    s_text (a, a->c->org, c->org);
    a->c->category = a->on ? (int) c->type : 0;
    s_date (a, &a->c->deadline, c->deadline);
    s_flag (a, ML_CASE_PUBLISHED, c->published && *c->published);
    //  P9: a dated publication dates it; channel text (v1) is published on the commitment's day.
    ml_day_t day;
    a->c->published = ML_NODAY;
    if (a->on && c->published && *c->published)
        a->c->published = ml_date_parse (c->published, &day) == 0 ? day : a->c->opened;
}

static void
s_evaluated (s_apply_t *a, const Massline__CommitmentEvaluated *e)
{
    int method = (int) e->method;
    if (method < 1 || method > 4) {
        a->rc = ML_EINVAL;
        return;
    }
    a->c->grades[method - 1] = a->on ? (int) e->grade : 0;
}

static void
s_secondment (s_apply_t *a, const Massline__Secondment *s)
{
    s_flag (a, ML_CASE_OPENED, true);
    s_date (a, &a->c->opened, s->date);
    s_text (a, a->c->person, s->person);
    a->c->category = a->on ? (int) s->category : 0;
    s_date (a, &a->c->from, s->from);
    s_date (a, &a->c->to, s->to);
    s_flag (a, ML_CASE_MENTOR, s->mentor && *s->mentor);
}

//  An assignment: a contact point (with an optional end) or a paired family.
static void
s_assignment (s_apply_t *a, const char *date, const char *person, const char *target,
              const char *to)
{
    s_flag (a, ML_CASE_OPENED, true);
    s_date (a, &a->c->opened, date);
    s_text (a, a->c->person, person);
    s_text (a, a->c->target, target);
    s_date (a, &a->c->to, to);
}

static void
s_apply (s_apply_t *a, const Massline__Event *ev)
{
    ml_case_t *c = a->c;
    switch (ev->body_case) {
        case MASSLINE__EVENT__BODY_PETITION_CASE:
            s_petition (a, ev->petition_case);
            break;
        case MASSLINE__EVENT__BODY_PETITION_CLOSED:
            s_flag (a, ML_CASE_CLOSED, true);
            s_date (a, &c->closed, ev->petition_closed->date);
            s_text (a, c->signer, ev->petition_closed->signed_by);
            break;
        case MASSLINE__EVENT__BODY_OPINION:
            s_flag (a, ML_CASE_OPENED, true);
            s_date (a, &c->opened, ev->opinion->date);
            s_text (a, c->about, ev->opinion->about);
            c->category = a->on ? (int) ev->opinion->channel : 0;
            break;
        case MASSLINE__EVENT__BODY_OPINION_ASSIGNED:
            s_opinion_assigned (a, ev->opinion_assigned);
            break;
        case MASSLINE__EVENT__BODY_OPINION_CLOSED:
            s_opinion_closed (a, ev->opinion_closed);
            break;
        case MASSLINE__EVENT__BODY_COMMITMENT:
            s_commitment (a, ev->commitment);
            break;
        case MASSLINE__EVENT__BODY_COMMITMENT_FULFILLED:
            s_flag (a, ML_CASE_CLOSED, true);
            s_date (a, &c->closed, ev->commitment_fulfilled->date);
            break;
        case MASSLINE__EVENT__BODY_COMMITMENT_EVALUATED:
            s_evaluated (a, ev->commitment_evaluated);
            break;
        case MASSLINE__EVENT__BODY_SECONDMENT:
            s_secondment (a, ev->secondment);
            break;
        case MASSLINE__EVENT__BODY_SECONDMENT_REVIEW:
            if (c->key.kind == ML_CASE_REVIEW) {        //  resolved to a term by ml_eval (P8)
                s_flag (a, ML_CASE_OPENED, true);
                s_date (a, &c->opened, ev->secondment_review->date);
                s_text (a, c->person, ev->secondment_review->person);
            }
            else {
                s_flag (a, ML_CASE_REVIEWED, true);
                s_date (a, &c->reviewed, ev->secondment_review->date);
            }
            break;
        case MASSLINE__EVENT__BODY_SECONDMENT_TRAINING:
            s_flag (a, ML_CASE_TRAINED, true);
            s_date (a, &c->trained, ev->secondment_training->date);
            break;
        case MASSLINE__EVENT__BODY_APPEAL: {
            const Massline__Appeal *p = ev->appeal;
            s_flag (a, ML_CASE_OPENED, true);
            s_date (a, &c->opened, p->date);
            s_text (a, c->person, p->person);
            s_text (a, c->about, p->about);
            c->category = a->on ? (int) p->channel : 0;
            s_flag (a, ML_CASE_CLOSED, p->answered != NULL);
            s_date (a, &c->closed, p->answered);
            break;
        }
        case MASSLINE__EVENT__BODY_EXEMPTION: {
            const Massline__Exemption *x = ev->exemption;
            s_flag (a, ML_CASE_OPENED, true);
            s_date (a, &c->opened, x->date);
            s_text (a, c->target, x->rule);
            s_text (a, c->person, x->person);
            s_text (a, c->org, x->org);
            s_date (a, &c->from, x->from);
            s_date (a, &c->to, x->to);
            s_text (a, c->signer, "");
            s_long_text (a, c->text, x->reason);
            break;
        }
        case MASSLINE__EVENT__BODY_REP_STUDIO: {
            const Massline__RepStudio *s = ev->rep_studio;
            s_flag (a, ML_CASE_OPENED, true);
            s_date (a, &c->opened, s->date);
            s_date (a, &c->from, s->from);
            s_date (a, &c->to, s->to);
            break;
        }
        case MASSLINE__EVENT__BODY_CASE_ACTION: {
            const Massline__CaseAction *x = ev->case_action;
            if (x->action == MASSLINE__CASE_ACTION__ACTION__coordination) {
                s_flag (a, ML_CASE_COORDINATED, true);
                s_text (a, c->coordinator, x->person);
                s_date (a, &c->coordinated, x->date);
            }
            else {
                s_flag (a, ML_CASE_HANDED_OVER, true);
                s_text (a, c->owner, x->person);
            }
            break;
        }
        case MASSLINE__EVENT__BODY_CONTACT_POINT: {
            const Massline__ContactPoint *p = ev->contact_point;
            s_assignment (a, p->date, p->person, p->point, p->to);
            break;
        }
        case MASSLINE__EVENT__BODY_PAIRED_FAMILY: {
            const Massline__PairedFamily *f = ev->paired_family;
            s_assignment (a, f->from ? f->from : f->date, f->person, f->family, f->to);
            break;
        }
        case MASSLINE__EVENT__BODY_MAILBOX:
            s_flag (a, ML_CASE_OPENED, true);
            s_date (a, &c->opened, ev->mailbox->date);
            s_text (a, c->person, ev->mailbox->person);
            break;
        default:
            a->rc = ML_EINVAL;
    }
}

int
ml_case_apply (ml_case_t *self, const Massline__Event *ev, int sign)
{
    assert (self && ev && (sign == 1 || sign == -1));
    if (ev->body_case == MASSLINE__EVENT__BODY_CORRECTION)
        return ev->correction->event ? ml_case_apply (self, ev->correction->event, sign)
                                     : ML_EINVAL;
    ml_case_key_t key;
    if (ml_case_key_of_ref (ev, self->key.id, &key) || key.kind != self->key.kind
        || strcmp (key.id, self->key.id) != 0)
        return ML_EINVAL;
    s_apply_t a = { self, sign > 0, ML_OK };
    s_apply (&a, ev);
    return a.rc;
}

bool
ml_case_empty (const ml_case_t *self)
{
    uint32_t events = ML_CASE_OPENED | ML_CASE_ASSIGNED | ML_CASE_CLOSED | ML_CASE_REVIEWED
                    | ML_CASE_TRAINED | ML_CASE_COORDINATED | ML_CASE_HANDED_OVER;
    for (int i = 0; i < 4; i++)
        if (self->grades[i])
            return false;
    return (self->flags & events) == 0;
}

//  ---------------------------------------------------------------------------
//  Bytes: version 2, kind, flags (4 BE), category, grades (4), group_size (4 BE), eleven dates
//  (4 BE each), then id, person, org, signer, target, owner, about, coordinator, text each
//  NUL-terminated. (Version 1 stores are rebuilt from the event log when upgraded.)

#define S_PACK_VERSION 2
#define S_DATES 11
#define S_FIXED (1 + 1 + 4 + 1 + 4 + 4 + S_DATES * 4)

static uint8_t *
s_put32 (uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) (v >> 24);
    p[1] = (uint8_t) (v >> 16);
    p[2] = (uint8_t) (v >> 8);
    p[3] = (uint8_t) v;
    return p + 4;
}

static uint32_t
s_get32 (const uint8_t *p)
{
    return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static uint8_t *
s_put_str (uint8_t *p, const char *s)
{
    size_t len = strlen (s) + 1;
    memcpy (p, s, len);
    return p + len;
}

//  The date fields in their packed order.
static ml_day_t *
s_dates (ml_case_t *c, int i)
{
    ml_day_t *dates[S_DATES] = { &c->opened, &c->deadline, &c->closed, &c->assigned,
                                 &c->feedback, &c->from, &c->to, &c->reviewed,
                                 &c->coordinated, &c->published, &c->trained };
    return dates[i];
}

size_t
ml_case_pack (const ml_case_t *self, uint8_t *buf)
{
    ml_case_t *c = (ml_case_t *) self;     //  s_dates only reads through it here
    uint8_t *p = buf;
    *p++ = S_PACK_VERSION;
    *p++ = (uint8_t) c->key.kind;
    p = s_put32 (p, c->flags);
    *p++ = (uint8_t) c->category;
    for (int i = 0; i < 4; i++)
        *p++ = (uint8_t) c->grades[i];
    p = s_put32 (p, c->group_size);
    for (int i = 0; i < S_DATES; i++)
        p = s_put32 (p, (uint32_t) *s_dates (c, i));
    p = s_put_str (p, c->key.id);
    p = s_put_str (p, c->person);
    p = s_put_str (p, c->org);
    p = s_put_str (p, c->signer);
    p = s_put_str (p, c->target);
    p = s_put_str (p, c->owner);
    p = s_put_str (p, c->about);
    p = s_put_str (p, c->coordinator);
    p = s_put_str (p, c->text);
    return (size_t) (p - buf);
}

//  Reads a NUL-terminated string of at most MAX bytes into OUT.
static int
s_get_str (const uint8_t **p, const uint8_t *end, char *out, size_t max)
{
    const uint8_t *nul = memchr (*p, 0, (size_t) (end - *p));
    if (!nul || (size_t) (nul - *p) > max)
        return ML_EINVAL;
    memcpy (out, *p, (size_t) (nul - *p) + 1);
    *p = nul + 1;
    return ML_OK;
}

int
ml_case_unpack (const uint8_t *buf, size_t len, ml_case_t *self)
{
    memset (self, 0, sizeof *self);
    if (len < S_FIXED || buf[0] != S_PACK_VERSION || buf[1] == 0 || buf[1] >= ML_CASE_KINDS)
        return ML_EINVAL;
    const uint8_t *p = buf + 1, *end = buf + len;
    self->key.kind = *p++;
    self->flags = s_get32 (p);
    p += 4;
    self->category = *p++;
    for (int i = 0; i < 4; i++)
        self->grades[i] = *p++;
    self->group_size = s_get32 (p);
    p += 4;
    for (int i = 0; i < S_DATES; i++, p += 4)
        *s_dates (self, i) = (ml_day_t) s_get32 (p);
    if (s_get_str (&p, end, self->key.id, ML_CASE_ID_MAX)
        || s_get_str (&p, end, self->person, ML_ID_MAX)
        || s_get_str (&p, end, self->org, ML_ID_MAX)
        || s_get_str (&p, end, self->signer, ML_ID_MAX)
        || s_get_str (&p, end, self->target, ML_ID_MAX)
        || s_get_str (&p, end, self->owner, ML_ID_MAX)
        || s_get_str (&p, end, self->about, ML_ID_MAX)
        || s_get_str (&p, end, self->coordinator, ML_ID_MAX)
        || s_get_str (&p, end, self->text, ML_CASE_TEXT_MAX) || p != end)
        return ML_EINVAL;
    return ML_OK;
}

size_t
ml_case_db_key (const char *unit, const ml_case_key_t *key, uint8_t *buf)
{
    size_t ulen = strnlen (unit, ML_ID_MAX), ilen = strnlen (key->id, ML_CASE_ID_MAX);
    memcpy (buf, unit, ulen);
    buf[ulen] = 0;
    buf[ulen + 1] = (uint8_t) key->kind;
    memcpy (buf + ulen + 2, key->id, ilen);
    return ulen + 2 + ilen;
}

//  ---------------------------------------------------------------------------
//  Judgments

ml_day_t
ml_case_due (const ml_case_t *self)
{
    if (self->deadline != ML_NODAY)
        return self->deadline;
    if (self->key.kind == ML_CASE_COMMITMENT && self->opened != ML_NODAY) {
        int y, m, d;
        ml_date_to_ymd (self->opened, &y, &m, &d);
        return ml_date_from_ymd (y, 12, 31);
    }
    return ML_NODAY;
}

bool
ml_case_closed_by (const ml_case_t *self, ml_day_t as_of)
{
    return (self->flags & ML_CASE_CLOSED) && self->closed != ML_NODAY && self->closed <= as_of;
}

bool
ml_case_overdue (const ml_case_t *self, ml_day_t as_of)
{
    ml_day_t due = ml_case_due (self);
    if (due == ML_NODAY)
        return false;
    if (ml_case_closed_by (self, as_of))
        return self->closed > due;
    return as_of > due;
}
