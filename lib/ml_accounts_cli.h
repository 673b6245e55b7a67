/* ml_accounts_cli.h -- the web programs' `user add|disable|passwd NAME` commands (massline-web,
   the unit desk's massline-agent user): the password from standard input, the change, its
   audit. Listing and the line printed after are each program's. */
#ifndef ML_ACCOUNTS_CLI_H
#define ML_ACCOUNTS_CLI_H

#include "ml_accounts.h"

#include <stddef.h>

//  Reads a password: one line of standard input (no echo on a terminal) into BUF. 0, or 2 (bad
//  usage, said on stderr) when there is none.
int ml_accounts_read_password (char *buf, size_t len);

//  `user VERB NAME` with VERB "add" (with ROLE and UNIT), "disable" or "passwd" on ACCOUNTS:
//  reads the password for add and passwd, makes the change and audits it ("command line", VERB,
//  DETAIL). 0 with *DONE set to "added", "disabled" or "password set"; or 2 (bad usage) or 1 (the
//  work failed), said on stderr as "user VERB: ...".
int ml_accounts_cli_change (ml_accounts_t *accounts, const char *verb, const char *name,
                            const char *role, const char *unit, const char *detail,
                            const char **done);

#endif
