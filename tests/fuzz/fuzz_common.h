/* fuzz_common.h -- what the libFuzzer targets share: a fixed "today", a roster callback and a
   per-process scratch folder. Header-only: each target is one executable. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ml_date.h"
#include "ml_event.h"

//  Today for validation: fixed, so a run never depends on the clock.
#define FUZZ_TODAY_Y 2025
#define FUZZ_TODAY_M 12
#define FUZZ_TODAY_D 31

//  The roster: people and orgs whose id starts with 'X' are unknown, everyone else is known, so
//  both answers of the roster check are reachable.
static inline bool
fuzz_known (void *ctx, const char *id)
{
    (void) ctx;
    return id[0] != 'X';
}

static inline ml_vctx_t
fuzz_vctx (void)
{
    ml_vctx_t ctx = { fuzz_known, fuzz_known, NULL,
                      ml_date_from_ymd (FUZZ_TODAY_Y, FUZZ_TODAY_M, FUZZ_TODAY_D) };
    return ctx;
}

//  Validates EV and renders the error line, as the programs do; returns the validator's code.
static inline int
fuzz_validate (const Massline__Event *ev)
{
    ml_vctx_t ctx = fuzz_vctx ();
    ml_verr_t err;
    memset (&err, 0, sizeof err);
    int rc = ml_event_validate (ev, &ctx, &err);
    if (rc) {
        char line[512];
        ml_verr_text (&err, line, sizeof line);
        if (!line[0])
            abort ();                   //  a refused event always says why
    }
    return rc;
}

//  A per-process scratch folder (made once, removed at exit) and the files written into it.
static char fuzz_dir[256];

static inline void
fuzz_dir_cleanup (void)
{
    if (fuzz_dir[0]) {
        char cmd[300];
        snprintf (cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir);
        if (system (cmd) != 0)
            fprintf (stderr, "fuzz: cannot remove %s\n", fuzz_dir);
    }
}

static inline const char *
fuzz_scratch (void)
{
    if (!fuzz_dir[0]) {
        const char *tmp = getenv ("TMPDIR");
        snprintf (fuzz_dir, sizeof fuzz_dir, "%s/ml-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp (fuzz_dir)) {
            perror ("fuzz: mkdtemp");
            abort ();
        }
        atexit (fuzz_dir_cleanup);
    }
    return fuzz_dir;
}

//  Writes LEN bytes of DATA to the scratch file NAME; returns its path (static buffer).
static inline const char *
fuzz_write (const char *name, const uint8_t *data, size_t len)
{
    static char path[512];
    snprintf (path, sizeof path, "%s/%s", fuzz_scratch (), name);
    FILE *file = fopen (path, "wb");
    if (!file || fwrite (data, 1, len, file) != len || fclose (file) != 0) {
        perror (path);
        abort ();
    }
    return path;
}

#endif
