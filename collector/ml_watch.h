/* ml_watch.h -- rectification to closure (rules.md S.3, V14) in the store: per watch-list row
   (unit + person + year, + rule when given) the bureau's admonishment talks (诫勉谈话), its
   rectification notice with a deadline (限期整改), progress notes and the verified closure, each
   a record with who entered it and when. They are the bureau's decisions, not events: entered
   through queries (ml_query_watch.c) in a store write transaction, never rebuilt by check.
   Byte layout: ml_store_db.h ("rectify"). */
#ifndef ML_WATCH_H
#define ML_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_date.h"
#include "ml_store.h"

typedef enum {
    ML_WATCH_TALK = 1,                  //  诫勉谈话: date, by whom
    ML_WATCH_NOTICE = 2,                //  限期整改: the deadline (one notice per row)
    ML_WATCH_PROGRESS = 3,              //  a progress note
    ML_WATCH_CLOSE = 4                  //  the bureau's verified closure: date, by whom (last)
} ml_watch_kind_t;

//  "talk", "notice", "progress", "close"; "?" otherwise.
const char *ml_watch_kind_name (ml_watch_kind_t kind);

#define ML_WATCH_WHO_MAX (ML_ID_MAX + 96)     //  the key that entered it (an account@gateway too)
#define ML_WATCH_BY_MAX 128                   //  a name as typed: 王建国
#define ML_WATCH_NOTE_MAX 1024

//  A watch-list row: unit + person + year (+ rule; "" when the row is the person's whole year).
typedef struct {
    char unit[ML_ID_MAX + 1];
    char person[ML_ID_MAX + 1];
    int year;
    char rule[ML_ID_MAX + 1];
} ml_watch_row_t;

//  One record of a row.
typedef struct {
    uint32_t n;                         //  1, 2, ... in the order entered
    ml_watch_kind_t kind;
    ml_day_t day;                       //  talk, close: the date given; notice: the deadline;
                                        //  progress: the day it was entered
    int64_t at;                         //  unix s when it was entered
    char who[ML_WATCH_WHO_MAX];         //  the key (user id) that entered it
    char by[ML_WATCH_BY_MAX];           //  talk, close: who talked or verified ("" otherwise)
    char note[ML_WATCH_NOTE_MAX];
} ml_watch_record_t;

//  Where a row stands, from its records.
typedef struct {
    ml_watch_row_t row;
    uint32_t records;                   //  how many
    uint32_t talks;
    uint32_t progress;
    ml_day_t opened;                    //  the day its first record was entered
    ml_day_t deadline;                  //  the notice's; ML_NODAY without a notice
    ml_day_t closed;                    //  the closure's date; ML_NODAY while open
} ml_watch_state_t;

//  What a row is on day AS_OF: "open", "overdue" (past its deadline, not closed by AS_OF; a
//  closure dated after AS_OF does not count yet),
//  "rectified_on_time" (closed on or before the deadline, or closed without one) or
//  "rectified_late" (closed after it).
const char *ml_watch_state_name (const ml_watch_state_t *s, ml_day_t as_of);

//  Whether S is overdue on some day from FROM to TO: its deadline D passed (day > D) and it was
//  not closed by that day. A row overdue in a later year stays on that year's watch list.
bool ml_watch_overdue_within (const ml_watch_state_t *s, ml_day_t from, ml_day_t to);

//  Adds REC (its kind, day, by, note, who; REC->at as given) to ROW in write TXN; REC->n is set.
//  *OUT gets the row's state after it. Refused with ML_ECONFLICT and ERR ("H001 P001 2025 was
//  closed on 2025-03-20 by 王书记: nothing more is recorded on it") when the row is closed, or
//  already has a notice (a second one); ML_EINVAL for a row or record that cannot be stored
//  (an id too long). Else 0 or the store's failure.
int ml_watch_add (ml_store_txn_t *txn, const ml_watch_row_t *row, ml_watch_record_t *rec,
                  ml_watch_state_t *out, char *err, size_t errlen);

//  The state of ROW into *OUT: 0, or ML_ENOTFOUND (no record; *OUT empty).
int ml_watch_state (ml_store_txn_t *txn, const ml_watch_row_t *row, ml_watch_state_t *out);

//  Calls FN for every row with records, in key order (unit, person, year, rule); stops at its
//  first non-zero return, which it returns.
typedef int (ml_watch_row_fn) (void *arg, const ml_watch_state_t *s);
int ml_watch_rows_each (ml_store_txn_t *txn, ml_watch_row_fn *fn, void *arg);

//  Calls FN for every record of ROW in order; as ml_watch_rows_each.
typedef int (ml_watch_record_fn) (void *arg, const ml_watch_record_t *rec);
int ml_watch_records_each (ml_store_txn_t *txn, const ml_watch_row_t *row,
                           ml_watch_record_fn *fn, void *arg);

#endif
