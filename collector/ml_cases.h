/* ml_cases.h -- case lifecycles: petitions, opinions, commitments, secondments, and the standing
   assignments (contact points, paired families, mailboxes) whose validity spans years.

   A case is a small fixed struct folded from the events that name it. Each event kind owns a
   disjoint set of fields, so applying an event sets its fields and reverting it (sign -1) clears
   them again: the store reverts the old version and applies the new one for a correction, and
   reverts for a void, whatever order the events came in. One event per (case, kind) is assumed
   (a second opinion_assigned replaces the first; reverting either clears the assignment);
   evaluations are kept per method. */
#ifndef ML_CASES_H
#define ML_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_event.h"

//  Case kinds. Stored in LMDB keys: never renumber.
typedef enum {
    ML_CASE_PETITION = 1,           //  id = case (4.3)
    ML_CASE_OPINION = 2,            //  id = opinion (6.3, 6.1)
    ML_CASE_COMMITMENT = 3,         //  id = commitment (7.2-7.4)
    ML_CASE_SECONDMENT = 4,         //  id = the secondment event's ref: each term its own case (V8)
    ML_CASE_CONTACT_POINT = 5,      //  id = person "/" point (2.1a, 2.1c)
    ML_CASE_PAIRED_FAMILY = 6,      //  id = person "/" family (2.1b, 2.1c)
    ML_CASE_MAILBOX = 7,            //  id = channel, cut to ML_CASE_ID_MAX bytes (6.2b)
    ML_CASE_REVIEW = 8,             //  id = ref of a secondment_review naming no term (P8)
    ML_CASE_APPEAL = 9,             //  id = appeal (4.2c)
    ML_CASE_EXEMPTION = 10,         //  id = ref of the exemption (V12)
    ML_CASE_STUDIO = 11,            //  id = studio (8.1c)
    ML_CASE_KINDS                   //  one past the last kind
} ml_case_kind_t;

#define ML_NODAY INT32_MIN                 //  a date that is absent
#define ML_CASE_ID_MAX (2 * ML_ID_MAX + 1)
#define ML_CASE_TEXT_MAX 240
#define ML_CASE_PACK_MAX 1280              //  ml_case_pack never writes more
#define ML_CASE_KEY_MAX (ML_ID_MAX + 2 + ML_CASE_ID_MAX)

//  Flags of ml_case_t.
enum {
    ML_CASE_OPENED = 1 << 0,        //  the opening event is present
    ML_CASE_ASSIGNED = 1 << 1,      //  opinion_assigned is present
    ML_CASE_CLOSED = 1 << 2,        //  petition_closed / opinion_closed / commitment_fulfilled
    ML_CASE_REVIEWED = 1 << 3,      //  secondment_review is present
    ML_CASE_MEASURES = 1 << 4,      //  petition: measures recorded
    ML_CASE_RESPONSIBLE = 1 << 5,   //  petition: responsible unit/department recorded
    ML_CASE_DEPARTMENT = 1 << 6,    //  opinion: assigned department recorded
    ML_CASE_ADOPTED = 1 << 7,       //  opinion: adopted
    ML_CASE_PUBLISHED = 1 << 8,     //  commitment: a publication recorded
    ML_CASE_MENTOR = 1 << 9,        //  secondment: a mentor assigned
    ML_CASE_HIGH_PROFILE = 1 << 10, //  petition: wide scope or high public concern (4.3e)
    ML_CASE_TRAINED = 1 << 11,      //  secondment: special training recorded (3.2d)
    ML_CASE_COORDINATED = 1 << 12,  //  petition: a coordination action recorded (4.3e)
    ML_CASE_HANDED_OVER = 1 << 13,  //  petition: handed over to `owner` (V10)
};

//  Which case an event touches.
typedef struct {
    int kind;                               //  ml_case_kind_t
    char id[ML_CASE_ID_MAX + 1];
} ml_case_key_t;

//  The state of one case. Dates are ML_NODAY when absent.
typedef struct {
    ml_case_key_t key;
    uint32_t flags;                         //  ML_CASE_*
    int category;                           //  secondment category, commitment type, opinion channel
    int grades[4];                          //  commitment grade per method (self, peer, masses,
                                            //  leader), 0 = not evaluated that way
    uint32_t group_size;                    //  petition: people in the group (>= 1)
    ml_day_t opened;                        //  date of the opening event (made, received, ...)
    ml_day_t deadline;                      //  petition, opinion, commitment
    ml_day_t closed;                        //  petition/opinion closed, commitment fulfilled
    ml_day_t assigned;                      //  opinion assigned
    ml_day_t feedback;                      //  opinion feedback published
    ml_day_t from;                          //  secondment from
    ml_day_t to;                            //  secondment to; contact point assignment end
    ml_day_t reviewed;                      //  secondment review
    char person[ML_ID_MAX + 1];             //  receiving leader / committed, seconded or assigned person
    char org[ML_ID_MAX + 1];                //  commitment made by an organisation
    char signer[ML_ID_MAX + 1];             //  petition reply signed by
    char target[ML_ID_MAX + 1];             //  contact point or family id; an exemption's rule
    char owner[ML_ID_MAX + 1];              //  petition handed over to / opinion claimed by (V10)
    char about[ML_ID_MAX + 1];              //  opinion, appeal: the person complained of (P5)
    char coordinator[ML_ID_MAX + 1];        //  petition: who coordinated (4.3e)
    ml_day_t coordinated;                   //  petition: when
    ml_day_t published;                     //  commitment: publication date (7.2, P9)
    ml_day_t trained;                       //  secondment: training date (3.2d)
    char text[ML_CASE_TEXT_MAX + 1];        //  exemption: reason (cut at a character)
} ml_case_t;

//  The kind's name ("petition"), or NULL.
const char *ml_case_kind_name (int kind);

//  The kind named NAME, or 0.
int ml_case_kind_by_name (const char *name);

//  Fills KEY with the case EV touches (a correction: the case of its inner event). Returns 0, or
//  ML_ENOTFOUND when EV touches no case (counted events, roster, voids). Cases keyed by the
//  event's own ref (secondments, exemptions, reviews naming no term) take REF when it is given
//  (the ref whose current version EV is: the target of a correction), else EV's ref.
int ml_case_key_of_ref (const Massline__Event *ev, const char *ref, ml_case_key_t *key);
int ml_case_key_of (const Massline__Event *ev, ml_case_key_t *key);

//  An empty case of KEY (no flags, no dates).
void ml_case_init (ml_case_t *self, const ml_case_key_t *key);

//  Applies (SIGN +1) or reverts (SIGN -1) EV, an event of SELF's case (a correction: its inner
//  event). Returns 0, or ML_EINVAL when EV does not touch this case or a date is invalid.
int ml_case_apply (ml_case_t *self, const Massline__Event *ev, int sign);

//  True when no event of the case remains: the store deletes the record.
bool ml_case_empty (const ml_case_t *self);

//  Packs SELF into BUF (ML_CASE_PACK_MAX bytes). Returns the length.
size_t ml_case_pack (const ml_case_t *self, uint8_t *buf);

//  Unpacks LEN bytes written by ml_case_pack. Returns 0 or ML_EINVAL.
int ml_case_unpack (const uint8_t *buf, size_t len, ml_case_t *self);

//  The `cases` db key: unit NUL kind (1 byte) id. BUF holds ML_CASE_KEY_MAX bytes. Returns length.
size_t ml_case_db_key (const char *unit, const ml_case_key_t *key, uint8_t *buf);

//  The deadline a case is judged against: its recorded deadline; for a commitment without one,
//  31 December of the year it was made (an annual commitment runs for its year). ML_NODAY if none.
ml_day_t ml_case_due (const ml_case_t *self);

//  True when the case is closed on or before AS_OF.
bool ml_case_closed_by (const ml_case_t *self, ml_day_t as_of);

//  Overdue at AS_OF (6.3b's reading, used for all cases): open past its due date, or closed
//  after it. A case without a due date is never overdue.
bool ml_case_overdue (const ml_case_t *self, ml_day_t as_of);

#endif
