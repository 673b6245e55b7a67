/* ml_roster.h -- the unit's roster as the outbox holds it: every person recorded (a `person`
   event, or the latest correction of one), with the name it was recorded under. For the desk's
   dropdowns and for ledgers that name a person by name instead of by code. */
#ifndef ML_ROSTER_H
#define ML_ROSTER_H

#include <stddef.h>

#include "ml_outbox.h"

typedef struct {
    char *id;                   //  人员编号 ("P001")
    char *name;                 //  姓名 ("周建华")
} ml_roster_person_t;

typedef struct {
    ml_roster_person_t *persons;    //  in id order
    size_t count;
} ml_roster_t;

//  Reads every person of OUTBOX into ROSTER (freed with ml_roster_free). 0, or the storage error.
int ml_roster_load (ml_outbox_t *outbox, ml_roster_t *roster);

//  Adds (or renames) person ID named NAME. 0 or ML_ENOMEM.
int ml_roster_add (ml_roster_t *roster, const char *id, const char *name);

//  Frees what ml_roster_load filled in. Safe twice.
void ml_roster_free (ml_roster_t *roster);

//  The person of ROSTER whose id is ID, or NULL.
const ml_roster_person_t *ml_roster_find (const ml_roster_t *roster, const char *id);

//  How many persons of ROSTER are named NAME; the first of them into *FIRST (may be NULL).
size_t ml_roster_named (const ml_roster_t *roster, const char *name, const ml_roster_person_t **first);

//  The keys of a ledger row that name a person of the roster (for a kind other than `person`).
bool ml_roster_is_person_key (const char *key);

//  A person named in ledger row OBJ's key KEY as a clerk may write it: the 人员编号, or the
//  name when the roster has one person of that name. KNOWN (with ARG) says whether an id is a
//  person already. Returns 0 and sets *ID to the id to record (borrowed; NULL: leave the cell as
//  it is, for validation to judge), or ML_EINVAL with REASON naming the candidates when the name
//  is ambiguous.
int ml_roster_resolve (const ml_roster_t *roster, const char *value, bool (*known) (void *, const char *),
                       void *arg, const char **id, char *reason, size_t len);

#endif
