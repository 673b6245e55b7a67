/* ml_event_validate.c -- the semantic checks of an event: ids, dates, text, the order of dates,
   the roster, and a correction's inner event. */
#include "ml_event_private.h"
#include "ml_err.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

//  ---------------------------------------------------------------------------
//  Validation

//  Where a check runs: the context, the error prefix and the event's kind.
typedef struct {
    const ml_vctx_t *ctx;
    const char *prefix;     //  "", "event.", "roles[0]." ...
    const char *kind;       //  kind name of the event being checked
    bool body;              //  MSG is an event's body: its "date" is limited by today
    ml_verr_t *err;
} s_check_t;

static int s_validate_event (const Massline__Event *ev, const ml_vctx_t *ctx, const char *prefix,
                             ml_verr_t *err);
static int s_validate_message (const ProtobufCMessage *msg, const s_check_t *chk);

//  Checks the string S of field F, of class CLS; *DAY gets a date's day number.
static int
s_check_string (const s_check_t *chk, const ProtobufCFieldDescriptor *f, ml_evt_class_t cls,
                const char *s, ml_day_t *day)
{
    char clip[ML_EVT_CLIP];
    ml_day_t day_of_month;
    switch (cls) {
        case ML_EVT_DATE:
            if (ml_date_parse (s, day) != ML_OK)
                return ml_evt_fail (chk->err, chk->prefix, f->name, "not a date (%s)",
                               ml_evt_clip (s, clip, sizeof clip));
            if (chk->body && ml_evt_streq (f->name, "date") && *day > chk->ctx->today) {
                char today[11];
                return ml_evt_fail (chk->err, chk->prefix, f->name, "after today (%s > %s)", s,
                               ml_date_format (chk->ctx->today, today));
            }
            return ML_OK;
        case ML_EVT_MONTH: {
            char day[16];
            if (strlen (s) != 7 || snprintf (day, sizeof day, "%s-01", s) != 10
            ||  ml_date_parse (day, &day_of_month) != ML_OK)
                return ml_evt_fail (chk->err, chk->prefix, f->name, "not a month YYYY-MM (%s)",
                               ml_evt_clip (s, clip, sizeof clip));
            if (day_of_month > chk->ctx->today)
                return ml_evt_fail (chk->err, chk->prefix, f->name, "after this month (%s)", s);
            return ML_OK;
        }
        case ML_EVT_DOC: {
            size_t n = strlen (s);
            if (n > ML_REPORT_DOC_MAX)
                return ml_evt_fail (chk->err, chk->prefix, f->name, "%zu bytes, more than a "
                                    "report may carry (%d bytes)", n, ML_REPORT_DOC_MAX);
            const char *problem = ml_evt_text_problem_max (s, true, ML_REPORT_DOC_MAX, "too long");
            return problem ? ml_evt_fail (chk->err, chk->prefix, f->name, "%s", problem) : ML_OK;
        }
        case ML_EVT_HEX:
            if (strlen (s) == 64 && strspn (s, "0123456789abcdef") == 64)
                return ML_OK;
            return ml_evt_fail (chk->err, chk->prefix, f->name,
                                "not a SHA-256 in hex (64 digits 0-9a-f)");
        case ML_EVT_ID:
        case ML_EVT_REF:
            if (cls == ML_EVT_ID ? ml_evt_id_ok (s) : ml_evt_ref_ok (s))
                return ML_OK;
            return ml_evt_fail (chk->err, chk->prefix, f->name, "not a valid id (%s)",
                           ml_evt_clip (s, clip, sizeof clip));
        default: {
            const char *problem = ml_evt_text_problem (s, f->label == PROTOBUF_C_LABEL_REQUIRED);
            return problem ? ml_evt_fail (chk->err, chk->prefix, f->name, "%s", problem) : ML_OK;
        }
    }
}

//  Where an ordered date must not be before: "end" >= "date", "to" >= "from" (or "date"),
//  "deadline" >= "date", "term_to" >= "term_from". NULL for other fields.
static const char *
s_start_of (const ProtobufCMessageDescriptor *desc, const char *name)
{
    if (ml_evt_streq (name, "term_to"))
        return "term_from";
    if (ml_evt_streq (name, "to"))
        return protobuf_c_message_descriptor_get_field_by_name (desc, "from") ? "from" : "date";
    if (ml_evt_streq (name, "end") || ml_evt_streq (name, "deadline"))
        return "date";
    return NULL;
}

//  Checks message field F of MSG: each role, or correction's inner event.
static int
s_validate_child (const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                  const s_check_t *chk)
{
    const void *member = ML_EVT_MEMBER (const char, msg, f->offset);
    char sub[sizeof chk->err->field];
    s_check_t item = { chk->ctx, sub, chk->kind, false, chk->err };
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t n = *ML_EVT_MEMBER (const size_t, msg, f->quantifier_offset);
        ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *) member;
        for (size_t k = 0; k < n; k++) {
            snprintf (sub, sizeof sub, "%s%s[%zu].", chk->prefix, f->name, k);
            int rc = s_validate_message (items[k], &item);
            if (rc)
                return rc;
        }
        return ML_OK;
    }
    const ProtobufCMessage *child = *(ProtobufCMessage *const *) member;
    if (!child)
        return f->label == PROTOBUF_C_LABEL_REQUIRED
               ? ml_evt_fail (chk->err, chk->prefix, f->name, "missing") : ML_OK;
    snprintf (sub, sizeof sub, "%s%s.", chk->prefix, f->name);
    if (child->descriptor != ML_EVT_DESC)
        return s_validate_message (child, &item);
    //  correction.event: a plain event, checked like one.
    uint32_t inner = ((const Massline__Event *) child)->body_case;
    if (inner == MASSLINE__EVENT__BODY_CORRECTION || inner == MASSLINE__EVENT__BODY_VOID)
        return ml_evt_fail (chk->err, chk->prefix, f->name, "cannot correct with a correction or void");
    return s_validate_event ((const Massline__Event *) child, chk->ctx, sub, chk->err);
}

//  Checks every field of MSG, then the order of its dates.
static int
s_validate_message (const ProtobufCMessage *msg, const s_check_t *chk)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    assert (desc->n_fields <= ML_EVT_MAX_FIELDS);
    ml_day_t days[ML_EVT_MAX_FIELDS];
    uint64_t dated = 0;         //  bit i: days[i] holds field i's date
    ml_verr_t *err = chk->err;
    int rc;

    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        const void *member = ML_EVT_MEMBER (const char, msg, f->offset);
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            continue;           //  the body, checked by the caller
        switch (f->type) {
            case PROTOBUF_C_TYPE_STRING: {
                const char *s = *(char *const *) member;
                if (!s) {
                    if (f->label == PROTOBUF_C_LABEL_REQUIRED)
                        return ml_evt_fail (err, chk->prefix, f->name, "missing");
                    break;
                }
                ml_evt_class_t cls = ml_evt_class_of (f->name);
                if ((rc = s_check_string (chk, f, cls, s, &days[i])))
                    return rc;
                if (cls == ML_EVT_DATE)
                    dated |= 1ull << i;
                break;
            }
            case PROTOBUF_C_TYPE_ENUM: {
                int v = *(const int *) member;
                if (ml_evt_present (msg, f) && !protobuf_c_enum_descriptor_get_value (f->descriptor, v)) {
                    char names[200];
                    return ml_evt_fail (err, chk->prefix, f->name, "unknown value '%d' (expected one of %s)",
                                   v, ml_evt_enum_names (f->descriptor, names, sizeof names));
                }
                break;
            }
            case PROTOBUF_C_TYPE_UINT32:
                if (ml_evt_present (msg, f) && *(const uint32_t *) member < 1)
                    return ml_evt_fail (err, chk->prefix, f->name, "must be at least 1");
                break;
            case PROTOBUF_C_TYPE_MESSAGE:
                if ((rc = s_validate_child (msg, f, chk)))
                    return rc;
                break;
            default:
                break;
        }
    }
    //  Dates in order.
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const char *start = (dated & (1ull << i)) ? s_start_of (desc, desc->fields[i].name) : NULL;
        if (!start)
            continue;
        unsigned j = (unsigned) (protobuf_c_message_descriptor_get_field_by_name (desc, start)
                                 - desc->fields);
        if ((dated & (1ull << j)) && days[i] < days[j]) {
            char a[11], b[11];
            return ml_evt_fail (err, chk->prefix, desc->fields[i].name, "before '%s' (%s < %s)", start,
                           ml_date_format (days[i], a), ml_date_format (days[j], b));
        }
    }
    return ML_OK;
}

//  Roster: the people and orgs an event of KIND names must be known.
static int
s_check_roster (const ProtobufCMessage *body, const s_check_t *chk)
{
    const ml_vctx_t *ctx = chk->ctx;
    const ProtobufCMessageDescriptor *desc = body->descriptor;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        if (f->type != PROTOBUF_C_TYPE_STRING)
            continue;
        const char *s = *ML_EVT_MEMBER (char *const, body, f->offset);
        if (!s)
            continue;
        bool person = (ml_evt_streq (f->name, "person") && !ml_evt_streq (chk->kind, "person"))
                      || ml_evt_streq (f->name, "head") || ml_evt_streq (f->name, "signed_by")
                      || ml_evt_streq (f->name, "filler") || ml_evt_streq (f->name, "reviewer")
                      || ml_evt_streq (f->name, "approver") || ml_evt_streq (f->name, "about");
        bool org = ml_evt_streq (f->name, "org") && (ml_evt_streq (chk->kind, "commitment")
                                               || ml_evt_streq (chk->kind, "activity_day")
                                               || ml_evt_streq (chk->kind, "exemption"));
        if (person && ctx->has_person && !ctx->has_person (ctx->ctx, s))
            return ml_evt_fail (chk->err, chk->prefix, f->name, "unknown person '%s'", s);
        if (org && ctx->has_org && !ctx->has_org (ctx->ctx, s))
            return ml_evt_fail (chk->err, chk->prefix, f->name, "unknown org '%s'", s);
    }
    return ML_OK;
}

static int
s_validate_event (const Massline__Event *ev, const ml_vctx_t *ctx, const char *prefix,
                  ml_verr_t *err)
{
    ProtobufCMessage *body = NULL;
    const ProtobufCFieldDescriptor *bf = ml_evt_body (ev, &body);
    if (!bf)
        return ml_evt_fail (err, prefix, "kind", "missing");
    s_check_t chk = { ctx, prefix, bf->name, false, err };
    int rc = s_validate_message (&ev->base, &chk);     //  ref, note
    chk.body = true;
    if (rc || (rc = s_validate_message (body, &chk)))
        return rc;
    if (ev->body_case == MASSLINE__EVENT__BODY_COMMITMENT) {
        const Massline__Commitment *c = ev->commitment;
        if (!c->person == !c->org)
            return ml_evt_fail (err, prefix, "person", "give exactly one of 'person' and 'org'");
    }
    if (ev->body_case == MASSLINE__EVENT__BODY_YEAR_SUBMISSION) {
        int y, m, d;
        ml_date_to_ymd (ctx->today, &y, &m, &d);
        if (ev->year_submission->year < 2000 || (int) ev->year_submission->year > y)
            return ml_evt_fail (err, prefix, "year", "not a year that can be submitted (%u)",
                           ev->year_submission->year);
    }
    if (ev->body_case == MASSLINE__EVENT__BODY_REPORT) {
        const Massline__Report *r = ev->report;
        if (r->tier_version != ML_TIER_VERSION)
            return ml_evt_fail (err, prefix, "tier_version", "this collector speaks tier version "
                                "%d, not %u: upgrade the lower or the higher tier",
                                ML_TIER_VERSION, r->tier_version);
        if (!ml_evt_id_ok (r->report))
            return ml_evt_fail (err, prefix, "report", "not a valid id");
        uint8_t sha[32];
        char hex[65];
        ml_sha256 ((const uint8_t *) r->document, strlen (r->document), sha);
        for (int i = 0; i < 32; i++)
            snprintf (hex + 2 * i, 3, "%02x", sha[i]);
        if (strcmp (hex, r->digest) != 0)
            return ml_evt_fail (err, prefix, "digest", "the document does not match its digest "
                                "(its SHA-256 is %.16s..., the event says %.16s...): altered on "
                                "the way", hex, r->digest);
    }
    if (ev->body_case == MASSLINE__EVENT__BODY_EXEMPTION) {
        const Massline__Exemption *x = ev->exemption;
        if (!x->person == !x->org)
            return ml_evt_fail (err, prefix, "person", "give exactly one of 'person' and 'org'");
    }
    return s_check_roster (body, &chk);
}

int
ml_event_validate (const Massline__Event *ev, const ml_vctx_t *ctx, ml_verr_t *err)
{
    ml_verr_t spare;
    assert (ev && ctx);
    return s_validate_event (ev, ctx, "", err ? err : &spare);
}
