/* fuzz_ledger.c -- libFuzzer target: CSV ledgers (台账) as the importer reads them.
   The first input byte picks the file name (which decides the ledger's kind: 接访台账.csv,
   人员台账.csv, ..., or mixed.csv, whose rows name their kind in a 类型 column); the rest is
   the file. Each row goes through ml_event_from_json, ensure_ref and validation, and a refused
   row's field is mapped back to the header the file used, as the importer reports it. */
#include <jansson.h>

#include "fuzz_common.h"
#include "ml_err.h"
#include "ml_ledger.h"

static const char *const s_names[] = {
    "接访台账.csv", "人员台账.csv", "信访案件台账.csv", "mixed.csv",
    "作废台账.csv", "承诺台账.csv", "2025年调研报告台账(一月).csv", "talk.csv",
};
#define S_NAMES (sizeof s_names / sizeof s_names[0])

typedef struct {
    ml_ledger_t *ledger;
    int last_line;
    size_t rows;
} s_state_t;

static int
s_row (void *arg, int line, const json_t *obj, const char *field, const char *reason)
{
    s_state_t *state = arg;
    if (line < 1)
        abort ();                       //  every row has a real line number
    state->last_line = line;
    state->rows++;
    if (!obj) {
        if (!field || !reason || !reason[0])
            abort ();                   //  a refused row always says where and why
        return 0;
    }
    ml_verr_t err;
    memset (&err, 0, sizeof err);
    Massline__Event *ev = ml_event_from_json (obj, &err);
    if (ev && ml_event_ensure_ref (ev) != ML_OK)
        abort ();
    if (ev && fuzz_validate (ev) != ML_OK) {
        ml_vctx_t ctx = fuzz_vctx ();
        ml_event_validate (ev, &ctx, &err);
    }
    if (err.field[0])
        (void) strlen (ml_ledger_header (state->ledger, err.field));
    if (ev) {
        size_t len;
        free (ml_event_pack (ev, &len));
    }
    ml_event_free (&ev);
    return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *path = fuzz_write (s_names[data[0] % S_NAMES], data + 1, size - 1);
    char err[1024] = "";
    ml_ledger_t *ledger = ml_ledger_open (path, err, sizeof err);
    if (!ledger) {
        if (!err[0])
            abort ();                   //  a refused file always says why
    }
    else {
        const char *kind = ml_ledger_kind (ledger);
        if (kind && !ml_ledger_name (kind))
            abort ();                   //  a kind from the file name is a known ledger
        (void) strlen (ml_ledger_encoding (ledger));
        s_state_t state = { ledger, 0, 0 };
        if (ml_ledger_each (ledger, s_row, &state) != 0)
            abort ();                   //  s_row never stops the walk
        ml_ledger_destroy (&ledger);
        if (ledger)
            abort ();
    }
    unlink (path);
    return 0;
}
