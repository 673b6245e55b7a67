/* ml_i18n.h -- the clerk's language: GNU gettext (in glibc) with the "massline" domain.
   Text a clerk reads (ledger errors, the spool's .errors.txt, --help) is written as _("English")
   and translated by po/<lang>.po when the locale asks for it; N_() marks a string in a table,
   translated where it is used. Operators' log lines stay English: don't mark them.
   Header only, so that every program can use it without another library. */
#ifndef ML_I18N_H
#define ML_I18N_H

#include <libintl.h>
#include <locale.h>
#include <stdlib.h>

#define ML_TEXTDOMAIN "massline"
#define _(s) gettext (s)
#define N_(s) (s)

#ifndef ML_LOCALEDIR
#define ML_LOCALEDIR "/usr/local/share/locale"
#endif

//  Picks the messages' language from the environment (LC_ALL, LC_MESSAGES, LANG, LANGUAGE) and
//  finds the catalogues in $MASSLINE_LOCALEDIR, else in the installed locale directory. Only
//  LC_MESSAGES is taken from the environment: numbers, dates and character classes stay C's, as
//  before. The text is UTF-8 whatever the locale's charset, like the ledgers it talks about.
static inline void
ml_i18n_init (void)
{
    setlocale (LC_MESSAGES, "");
    const char *dir = getenv ("MASSLINE_LOCALEDIR");
    bindtextdomain (ML_TEXTDOMAIN, dir && *dir ? dir : ML_LOCALEDIR);
    bind_textdomain_codeset (ML_TEXTDOMAIN, "UTF-8");
    textdomain (ML_TEXTDOMAIN);
}

#endif
