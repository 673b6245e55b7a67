/* cmd_template.c -- massline-agent template: the ledgers' templates, as CSV or .xlsx, one, all
   or a list; needs no configuration. */
#include "cmd.h"
#include "ml_i18n.h"
#include "ml_err.h"
#include "ml_log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ml_ledger.h"
#include "ml_xlsx.h"

#include <strings.h>
#include <sys/stat.h>

//  Writes KIND's template to PATH (NULL: stdout), as .xlsx with XLSX. Returns 0 or EXIT_WORK
//  (printed).
static int
s_write_template (const char *kind, const char *path, bool xlsx)
{
    if (xlsx) {
        char err[600];
        if (ml_xlsx_template (kind, path, err, sizeof err) == 0)
            return 0;
        ml_die_msg ("template: %s", err);
        return EXIT_WORK;
    }
    FILE *out = path ? fopen (path, "wb") : stdout;
    if (!out) {
        ml_die_msg (_("template: %s: cannot write: %s"), path, strerror (errno));
        return EXIT_WORK;
    }
    int rc = ml_ledger_template (kind, out);
    if (path ? fclose (out) != 0 : fflush (out) != 0)
        rc = ML_EIO;
    if (rc) {
        ml_die_msg (_("template: %s: cannot write: %s"), path ? path : "stdout", strerror (errno));
        return EXIT_WORK;
    }
    return 0;
}

int
ml_cmd_template (int argc, char **argv)
{
    const char *kind = NULL, *out = NULL, *all = NULL;
    bool list = false, xlsx = false;
    for (int i = 0; i < argc; i++)
        if (strcmp (argv[i], "--xlsx") == 0)
            xlsx = true;
        else
        if (strcmp (argv[i], "-o") == 0 && i + 1 < argc)
            out = argv[++i];
        else
        if (strcmp (argv[i], "--all") == 0 && i + 1 < argc)
            all = argv[++i];
        else
        if (strcmp (argv[i], "--list") == 0)
            list = true;
        else
        if (!kind && argv[i][0] != '-')
            kind = argv[i];
        else {
            ml_die_msg (_("template: unexpected argument '%s' (try --help)"), argv[i]);
            return EXIT_USAGE;
        }
    if (list + !!all + !!kind != 1 || (out && !kind) || (xlsx && list)) {
        ml_die_msg (_("template: usage: template [--xlsx] KIND [-o FILE] | template [--xlsx] --all DIR "
                    "| template --list"));
        return EXIT_USAGE;
    }
    if (xlsx && kind && !out) {
        ml_die_msg (_("template: --xlsx needs -o FILE (a workbook is no text for stdout)"));
        return EXIT_USAGE;
    }
    if (list) {
        for (size_t i = 0; ml_ledger_kind_at (i); i++)
            printf ("%-22s %s\n", ml_ledger_kind_at (i), ml_ledger_name (ml_ledger_kind_at (i)));
        return 0;
    }
    if (kind) {
        const char *known = ml_ledger_kind_named (kind);
        if (!known) {
            ml_die_msg (_("template: no ledger '%s' (template --list shows them)"), kind);
            return EXIT_USAGE;
        }
        return s_write_template (known, out, xlsx);
    }
    if (mkdir (all, 0777) && errno != EEXIST) {
        ml_die_msg (_("template: %s: cannot create: %s"), all, strerror (errno));
        return EXIT_WORK;
    }
    for (size_t i = 0; ml_ledger_kind_at (i); i++) {
        char path[4096];
        snprintf (path, sizeof path, "%s/%s.%s", all, ml_ledger_name (ml_ledger_kind_at (i)),
                  xlsx ? "xlsx" : "csv");
        if (s_write_template (ml_ledger_kind_at (i), path, xlsx))
            return EXIT_WORK;
    }
    return 0;
}
