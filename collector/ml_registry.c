/* ml_registry.c -- parse registry.ini into units and key holders, with file:line errors.
   A small INI reader of its own (inih gives no line numbers to the handler): "[type id]"
   sections, "key = value" lines, ';' or '#' comment lines, "; comment" after a value. */
#include "ml_registry.h"
#include "ml_err.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SEC_UNIT, SEC_AGENT, SEC_CLIENT, SEC_GATEWAY, SEC_COUNT };
enum { K_NAME, K_UNIT, K_KEY, K_ROLE, K_COUNT };
static const char *s_key_names[K_COUNT] = { "name", "unit", "key", "role" };
//  Which keys each section type takes (bit per K_*).
static const unsigned s_allowed[] = {
    [SEC_UNIT] = 1u << K_NAME,
    [SEC_AGENT] = 1u << K_UNIT | 1u << K_KEY,
    [SEC_CLIENT] = 1u << K_ROLE | 1u << K_KEY,
    [SEC_GATEWAY] = 1u << K_KEY,
};
static const char *s_sec_names[SEC_COUNT] = { "unit", "agent", "client", "gateway" };

//  Role names, as in registry.ini and in a gateway's on-behalf queries.
static const struct {
    const char *name;
    ml_role_t role;
} s_roles[] = {
    { "staff", ML_ROLE_STAFF },
    { "auditor", ML_ROLE_AUDITOR },
    { "reviewer", ML_ROLE_REVIEWER },
    { "leader", ML_ROLE_LEADER },
    { NULL, ML_ROLE_NONE }
};

struct ml_registry {
    ml_unit_t *units;
    size_t nunits;
    ml_principal_t *principals;
    size_t nprincipals;
    int *unit_lines;                    //  per principal: line of its unit = (for errors)
};

//  Parser state: the section being read.
typedef struct {
    ml_registry_t *reg;
    const char *path;
    char *err;
    size_t errlen;
    int type;                           //  SEC_*, or -1 before the first section
    int line;                           //  line of the section header
    size_t index;                       //  index into units or principals
    int seen[K_COUNT];                  //  line where each key was given, 0 if not yet
} s_parser_t;

static int
s_fail (s_parser_t *p, int line, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));

static int
s_fail (s_parser_t *p, int line, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (reason, sizeof reason, fmt, ap);
    va_end (ap);
    snprintf (p->err, p->errlen, "%s:%d: %s", p->path, line, reason);
    return ML_EINVAL;
}

bool
ml_registry_id_ok (const char *id)
{
    size_t len = strlen (id);
    if (len == 0 || len > ML_ID_MAX)
        return false;
    for (const char *c = id; *c; c++)
        if (!isalnum ((unsigned char) *c) && *c != '.' && *c != '_' && *c != '-')
            return false;
    return true;
}

int
ml_registry_role_parse (const char *name, ml_role_t *role)
{
    for (int i = 0; s_roles[i].name; i++)
        if (strcmp (name, s_roles[i].name) == 0) {
            *role = s_roles[i].role;
            return 0;
        }
    return ML_EINVAL;
}

//  "staff or auditor", "staff, auditor or reviewer": the role names for messages.
static const char *
s_role_names (void)
{
    static _Thread_local char names[128];           //  per thread: query workers
    size_t at = 0, n = 0;
    while (s_roles[n].name)
        n++;
    names[0] = 0;
    for (size_t i = 0; i < n && at < sizeof names; i++)
        at += (size_t) snprintf (names + at, sizeof names - at, "%s%s",
                                 i == 0 ? "" : i + 1 == n ? " or " : ", ", s_roles[i].name);
    return names;
}

static char *
s_trim (char *s)
{
    while (isspace ((unsigned char) *s))
        s++;
    size_t len = strlen (s);
    while (len > 0 && isspace ((unsigned char) s[len - 1]))
        s[--len] = 0;
    return s;
}

//  Checks that the section just finished has what its type requires.
static int
s_end_section (s_parser_t *p)
{
    if (p->type == SEC_AGENT || p->type == SEC_CLIENT || p->type == SEC_GATEWAY) {
        ml_principal_t *pr = &p->reg->principals[p->index];
        const char *sec = s_sec_names[p->type];
        if (p->type == SEC_AGENT && !p->seen[K_UNIT])
            return s_fail (p, p->line, "[agent %s] has no unit", pr->id);
        if (p->type == SEC_CLIENT && !p->seen[K_ROLE])
            return s_fail (p, p->line, "[client %s] has no role", pr->id);
        if (!p->seen[K_KEY])
            return s_fail (p, p->line, "[%s %s] has no key", sec, pr->id);
    }
    return 0;
}

//  Starts section "[TYPE ID]" (TEXT is what is between the brackets).
static int
s_begin_section (s_parser_t *p, int line, char *text)
{
    int rc = s_end_section (p);
    if (rc)
        return rc;
    char *type = s_trim (text);
    char *id = type + strcspn (type, " \t");
    if (*id)
        *id++ = 0;
    id = s_trim (id);
    int t = -1;
    for (int i = 0; i < SEC_COUNT; i++)
        if (strcmp (type, s_sec_names[i]) == 0)
            t = i;
    if (t < 0)
        return s_fail (p, line, "unknown section [%s] (expected [unit ID], [agent ID] or [client ID])",
                       type);                  //  [gateway ID] is for massline-web alone: not offered
    if (!ml_registry_id_ok (id))
        return s_fail (p, line, "[%s %s]: an id is 1 to %d characters of A-Z a-z 0-9 . _ -",
                       type, id, ML_ID_MAX);
    ml_registry_t *reg = p->reg;
    memset (p->seen, 0, sizeof p->seen);
    p->type = t;
    p->line = line;
    if (t == SEC_UNIT) {
        if (ml_registry_unit (reg, id))
            return s_fail (p, line, "[unit %s] is given twice", id);
        ml_unit_t *grown = realloc (reg->units, (reg->nunits + 1) * sizeof *grown);
        if (!grown)
            return s_fail (p, line, "out of memory");
        reg->units = grown;
        p->index = reg->nunits++;
        ml_unit_t *u = &reg->units[p->index];
        snprintf (u->id, sizeof u->id, "%s", id);
        u->name = strdup (id);
        return u->name ? 0 : s_fail (p, line, "out of memory");
    }
    char user_id[ML_ID_MAX + 8];
    snprintf (user_id, sizeof user_id, "%s:%s", s_sec_names[t], id);
    if (ml_registry_by_user_id (reg, user_id))
        return s_fail (p, line, "[%s %s] is given twice", type, id);
    ml_principal_t *grown = realloc (reg->principals, (reg->nprincipals + 1) * sizeof *grown);
    if (grown)
        reg->principals = grown;
    int *lines = grown ? realloc (reg->unit_lines, (reg->nprincipals + 1) * sizeof *lines) : NULL;
    if (!lines)
        return s_fail (p, line, "out of memory");
    reg->unit_lines = lines;
    p->index = reg->nprincipals++;
    ml_principal_t *pr = &reg->principals[p->index];
    memset (pr, 0, sizeof *pr);
    pr->kind = t == SEC_AGENT ? ML_PRINCIPAL_AGENT : t == SEC_CLIENT ? ML_PRINCIPAL_CLIENT
             : ML_PRINCIPAL_GATEWAY;
    snprintf (pr->id, sizeof pr->id, "%s", id);
    snprintf (pr->user_id, sizeof pr->user_id, "%s", user_id);
    lines[p->index] = line;
    return 0;
}

//  Takes "NAME = VALUE" in the current section.
static int
s_key_value (s_parser_t *p, int line, const char *name, const char *value)
{
    if (p->type < 0)
        return s_fail (p, line, "key '%s' outside any section", name);
    int k = -1;
    for (int i = 0; i < K_COUNT; i++)
        if (strcmp (name, s_key_names[i]) == 0)
            k = i;
    const char *sec = s_sec_names[p->type];
    const char *id = p->type == SEC_UNIT ? p->reg->units[p->index].id : p->reg->principals[p->index].id;
    if (k < 0 || !(s_allowed[p->type] & (1u << k)))
        return s_fail (p, line, "unknown key '%s' in [%s %s]", name, sec, id);
    if (p->seen[k])
        return s_fail (p, line, "key '%s' given twice in [%s %s] (first at line %d)",
                       name, sec, id, p->seen[k]);
    p->seen[k] = line;
    if (k == K_NAME) {
        ml_unit_t *u = &p->reg->units[p->index];
        if (!*value)
            return s_fail (p, line, "name: empty");
        free (u->name);
        u->name = strdup (value);
        return u->name ? 0 : s_fail (p, line, "out of memory");
    }
    ml_principal_t *pr = &p->reg->principals[p->index];
    if (k == K_UNIT) {
        if (!ml_registry_id_ok (value))
            return s_fail (p, line, "unit: not a valid unit id (%s)", value);
        snprintf (pr->unit, sizeof pr->unit, "%s", value);
        p->reg->unit_lines[p->index] = line;
    }
    else
    if (k == K_ROLE) {
        if (ml_registry_role_parse (value, &pr->role))
            return s_fail (p, line, "role: unknown role '%s' (expected %s)", value, s_role_names ());
    }
    else {
        if (!ml_key_is_z85 (value))
            return s_fail (p, line, "key: not a 40-character Z85 key (%s)", value);
        const ml_principal_t *other = ml_registry_by_key (p->reg, value);
        if (other)
            return s_fail (p, line, "key: the same key is already registered for %s", other->user_id);
        snprintf (pr->key, sizeof pr->key, "%s", value);
    }
    return 0;
}

//  Reads one line (without its newline).
static int
s_line (s_parser_t *p, int line, char *text)
{
    if (line == 1 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
        text += 3;
    char *s = s_trim (text);
    if (*s == 0 || *s == ';' || *s == '#')
        return 0;
    if (*s == '[') {
        char *close = strchr (s, ']');
        if (!close || *s_trim (close + 1) != 0)
            return s_fail (p, line, "expected [type id]");
        *close = 0;
        return s_begin_section (p, line, s + 1);
    }
    char *eq = strchr (s, '=');
    if (!eq)
        return s_fail (p, line, "expected [type id] or key = value");
    *eq = 0;
    char *value = eq + 1;
    //  An inline comment starts with ';' after white space (Z85 has no ';').
    for (char *c = value; *c; c++)
        if (*c == ';' && (c == value || isspace ((unsigned char) c[-1]))) {
            *c = 0;
            break;
        }
    return s_key_value (p, line, s_trim (s), s_trim (value));
}

ml_registry_t *
ml_registry_load (const char *path, char *err, size_t errlen)
{
    ml_registry_t *reg = calloc (1, sizeof *reg);
    FILE *file = fopen (path, "r");
    char *buf = NULL;
    size_t cap = 0;
    s_parser_t p = { reg, path, err, errlen, -1, 0, 0, { 0 } };
    if (!reg) {
        snprintf (err, errlen, "%s: out of memory", path);
        goto fail;
    }
    if (!file) {
        snprintf (err, errlen, "%s: %s", path, strerror (errno));
        goto fail;
    }
    int line = 0;
    ssize_t len;
    while ((len = getline (&buf, &cap, file)) >= 0) {
        line++;
        if ((size_t) len != strlen (buf)) {
            s_fail (&p, line, "a NUL byte in the line");
            goto fail;
        }
        if (s_line (&p, line, buf))
            goto fail;
    }
    if (s_end_section (&p))
        goto fail;
    //  Every agent's unit must be declared somewhere in the file.
    for (size_t i = 0; i < reg->nprincipals; i++) {
        ml_principal_t *pr = &reg->principals[i];
        if (pr->kind == ML_PRINCIPAL_AGENT && !ml_registry_unit (reg, pr->unit)) {
            s_fail (&p, reg->unit_lines[i], "unit: [agent %s] names unit %s, but there is no [unit %s]",
                    pr->id, pr->unit, pr->unit);
            goto fail;
        }
    }
    free (buf);
    fclose (file);
    return reg;
fail:
    free (buf);
    if (file)
        fclose (file);
    ml_registry_destroy (&reg);
    return NULL;
}

void
ml_registry_destroy (ml_registry_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_registry_t *self = *self_p;
    for (size_t i = 0; i < self->nunits; i++)
        free (self->units[i].name);
    free (self->units);
    free (self->principals);
    free (self->unit_lines);
    free (self);
    *self_p = NULL;
}

size_t
ml_registry_unit_count (const ml_registry_t *self)
{
    return self->nunits;
}

const ml_unit_t *
ml_registry_unit_at (const ml_registry_t *self, size_t i)
{
    return i < self->nunits ? &self->units[i] : NULL;
}

const ml_unit_t *
ml_registry_unit (const ml_registry_t *self, const char *id)
{
    for (size_t i = 0; i < self->nunits; i++)
        if (strcmp (self->units[i].id, id) == 0)
            return &self->units[i];
    return NULL;
}

size_t
ml_registry_principal_count (const ml_registry_t *self)
{
    return self->nprincipals;
}

const ml_principal_t *
ml_registry_principal_at (const ml_registry_t *self, size_t i)
{
    return i < self->nprincipals ? &self->principals[i] : NULL;
}

size_t
ml_registry_count (const ml_registry_t *self, ml_principal_kind_t kind)
{
    size_t n = 0;
    for (size_t i = 0; i < self->nprincipals; i++)
        n += self->principals[i].kind == kind;
    return n;
}

const ml_principal_t *
ml_registry_by_key (const ml_registry_t *self, const char *key)
{
    for (size_t i = 0; i < self->nprincipals; i++)
        if (strcmp (self->principals[i].key, key) == 0)
            return &self->principals[i];
    return NULL;
}

const ml_principal_t *
ml_registry_by_user_id (const ml_registry_t *self, const char *user_id)
{
    for (size_t i = 0; i < self->nprincipals; i++)
        if (strcmp (self->principals[i].user_id, user_id) == 0)
            return &self->principals[i];
    return NULL;
}

//  An account name: 1..ML_ACCOUNT_MAX bytes, no control characters, no spaces at either end.
static bool
s_account_ok (const char *account)
{
    size_t len = strlen (account);
    if (len == 0 || len > ML_ACCOUNT_MAX || account[0] == ' ' || account[len - 1] == ' ')
        return false;
    for (const unsigned char *c = (const unsigned char *) account; *c; c++)
        if (*c < 0x20 || *c == 0x7F)
            return false;
    return true;
}

int
ml_registry_on_behalf (const ml_registry_t *self, const ml_principal_t *gateway,
                       const char *account, const char *role, const char *unit,
                       ml_principal_t *out, char *err, size_t errlen)
{
    memset (out, 0, sizeof *out);
    if (!gateway || gateway->kind != ML_PRINCIPAL_GATEWAY) {
        snprintf (err, errlen, "only a gateway key may ask on behalf of an account");
        return ML_EPERM;
    }
    if (!account || !s_account_ok (account)) {
        snprintf (err, errlen, "a gateway asks on behalf of an account: 1 to %d bytes, no control "
                  "characters", ML_ACCOUNT_MAX);
        return ML_EINVAL;
    }
    if (role && strcmp (role, "unit") == 0) {
        if (!unit || !ml_registry_unit (self, unit)) {
            snprintf (err, errlen, "account %s: role unit names no registered unit (%.64s)", account,
                      unit ? unit : "none");
            return ML_EINVAL;
        }
        out->kind = ML_PRINCIPAL_AGENT;
        snprintf (out->unit, sizeof out->unit, "%s", unit);
    }
    else {
        if (!role || ml_registry_role_parse (role, &out->role)) {
            snprintf (err, errlen, "account %s: unknown role '%.32s' (expected %s or unit)", account,
                      role ? role : "", s_role_names ());
            return ML_EINVAL;
        }
        if (unit && *unit) {
            snprintf (err, errlen, "account %s: only role unit names a unit", account);
            return ML_EINVAL;
        }
        out->kind = ML_PRINCIPAL_CLIENT;
    }
    snprintf (out->id, sizeof out->id, "%s", gateway->id);
    snprintf (out->key, sizeof out->key, "%s", gateway->key);
    //  "王芳@gateway:web" in the handlers' messages
    snprintf (out->user_id, sizeof out->user_id, "%.48s@%.72s", account, gateway->user_id);
    return 0;
}
