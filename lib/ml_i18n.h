/* ml_i18n.h -- the clerk's language: GNU gettext (in glibc) with the "massline" domain.
   Text a clerk reads (ledger errors, the spool's .errors.txt, --help) is written as _("English")
   and translated by po/<lang>.po when the locale asks for it; N_() marks a string in a table,
   translated where it is used. Operators' log lines stay English: don't mark them.
   Header only, so that every program can use it without another library. */
#ifndef ML_I18N_H
#define ML_I18N_H

#include <libintl.h>
#include <locale.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

//  As ml_i18n_init, but where the environment names no language (C, C.UTF-8 or POSIX, as
//  under systemd) the messages are in LANG (e.g. "zh_CN"): the web pages a clerk reads default
//  to Chinese, whatever the server's locale.
static inline void
ml_i18n_init_default (const char *lang)
{
    ml_i18n_init ();
    const char *now = setlocale (LC_MESSAGES, NULL);
    const char *language = getenv ("LANGUAGE");
    bool none = !now || !strcmp (now, "POSIX") || (now[0] == 'C' && (!now[1] || now[1] == '.'));
    if (none && !(language && *language)
    &&  setlocale (LC_MESSAGES, "C.UTF-8"))
        setenv ("LANGUAGE", lang, 1);   //  glibc honours LANGUAGE under C.UTF-8, not under C
}

#endif
