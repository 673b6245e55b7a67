/* ml_config.h -- INI configuration described once as a table of options (Fluent Bit style).
   The same table drives parsing, defaults, validation and the options part of --help. */
#ifndef ML_CONFIG_H
#define ML_CONFIG_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    ML_OPT_STR,      //  char * (malloc'd; freed by ml_config_free)
    ML_OPT_PATH,     //  char *, a relative path is resolved against the config file's folder
    ML_OPT_INT,      //  long
    ML_OPT_KEY,      //  char *, a 40-char Z85 public key, or a path (resolved like PATH) to a
                     //  file holding one; stored as the key text itself
} ml_opt_type_t;

typedef struct {
    const char *section;     //  INI section, e.g. "agent"
    const char *name;        //  key within it
    ml_opt_type_t type;
    const char *def;         //  default as text, or NULL: the option is required
    size_t offset;           //  offsetof the field in the target struct
    const char *help;        //  one line for --help
} ml_opt_t;

//  Loads PATH into TARGET using OPTS (terminated by an entry with name == NULL).
//  Defaults are applied first. Unknown keys in a section named by OPTS, a missing required
//  option or a value of the wrong type fail with ML_EINVAL and a one-line message in ERR like
//  "agent.ini:7: batch_size: not a whole number (abc)". Sections not named by OPTS are ignored
//  (other modules may read them). Returns 0 or a negative ml_err_t.
int ml_config_load (const char *path, const ml_opt_t *opts, void *target, char *err, size_t errlen);

//  Frees the strings ml_config_load stored in TARGET. Safe to call twice.
void ml_config_free (const ml_opt_t *opts, void *target);

//  Prints the options as help text: "  [section] name = default   help".
void ml_config_print_help (FILE *out, const ml_opt_t *opts);

//  inih with line numbers (Debian's libinih is built without INI_HANDLER_LINENO): calls
//  HANDLER for each name=value with its line. Returns 0, -1 when PATH cannot be opened, or the
//  first line inih could not parse.
typedef int (*ml_ini_handler) (void *user, const char *section, const char *name,
                               const char *value, int lineno);
int ml_ini_parse (const char *path, ml_ini_handler handler, void *user);

//  Resolves REL against the folder of the file BASE_FILE (absolute REL is returned as is).
//  Returns a malloc'd string.
char *ml_config_resolve (const char *base_file, const char *rel);

#endif
