/* ml_init.c -- `massline-collector init`: write a complete bureau (configs, keys, registry, bundles).
   Every path inside the written files is relative, so DIR and each agent bundle can be moved;
   but with a state folder (--state-dir /var/lib/massline, for the systemd units, whose /etc is
   read-only) the data_dir, outbox and spool are absolute paths in it. */
#include "ml_init.h"
#include "ml_err.h"
#include "ml_keys.h"
#include "ml_registry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

//  The default rule file (collector/rules/zhenjiang-2014.ini), compiled in by ml_embed.
extern const char ml_rules_default[];

#define DEFAULT_INGEST "tcp://127.0.0.1:7701"
#define DEFAULT_QUERY  "tcp://127.0.0.1:7702"

int
ml_init_parse_unit (const char *arg, ml_init_unit_t *unit, char *err, size_t errlen)
{
    const char *colon = strchr (arg, ':');
    size_t idlen = colon ? (size_t) (colon - arg) : strlen (arg);
    snprintf (unit->id, sizeof unit->id, "%.*s", (int) (idlen < ML_ID_MAX ? idlen : ML_ID_MAX), arg);
    const char *name = colon ? colon + 1 : unit->id;
    if (idlen > ML_ID_MAX || !ml_registry_id_ok (unit->id)) {
        snprintf (err, errlen, "unit '%.*s': an id is 1 to %d characters of A-Z a-z 0-9 . _ -",
                  (int) idlen, arg, ML_ID_MAX);
        return ML_EINVAL;
    }
    if (!*name || strlen (name) >= sizeof unit->name || strpbrk (name, ";\r\n")) {
        snprintf (err, errlen, "unit %s: the name must be 1 to %zu bytes without ';' or line breaks",
                  unit->id, sizeof unit->name - 1);
        return ML_EINVAL;
    }
    snprintf (unit->name, sizeof unit->name, "%s", name);
    return 0;
}

//  Writes TEXT to a new file DIR/REL with MODE (never overwrites) and prints its path.
static int
s_write (const char *dir, const char *rel, const char *text, mode_t mode, FILE *out, char *err, size_t errlen)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s", dir, rel);
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        snprintf (err, errlen, "%s: cannot create: %s", path, strerror (errno));
        return errno == EEXIST ? ML_EEXIST : ML_EIO;
    }
    fchmod (fd, mode);
    size_t len = strlen (text);
    bool ok = write (fd, text, len) == (ssize_t) len && fsync (fd) == 0;
    ok = close (fd) == 0 && ok;
    if (!ok) {
        snprintf (err, errlen, "%s: cannot write: %s", path, strerror (errno));
        return ML_EIO;
    }
    if (out)
        fprintf (out, "wrote %s\n", path);
    return 0;
}

//  Creates DIR/REL (REL may be "") and missing parents with MODE; an existing directory is fine.
static int
s_mkdir (const char *dir, const char *rel, mode_t mode, char *err, size_t errlen)
{
    char path[4096];
    snprintf (path, sizeof path, "%s%s%s", dir, *rel ? "/" : "", rel);
    for (char *slash = strchr (path + 1, '/'); slash; slash = strchr (slash + 1, '/')) {
        *slash = 0;
        mkdir (path, 0755);         //  a parent: failures show up below
        *slash = '/';
    }
    if (mkdir (path, mode) && errno != EEXIST) {
        snprintf (err, errlen, "%s: cannot create: %s", path, strerror (errno));
        return ML_EIO;
    }
    return 0;
}

//  Writes a key pair DIR/PREFIX.pub|.key, prints both paths and fills PUB.
static int
s_keys (const char *dir, const char *prefix, char *pub, FILE *out, char *err, size_t errlen)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s", dir, prefix);
    int rc = ml_keys_write (path, pub, err, errlen);
    if (!rc && out)
        fprintf (out, "wrote %s.pub\nwrote %s.key\n", path, path);
    return rc;
}

//  The endpoint to connect to for a bound ENDPOINT: a wildcard host becomes 127.0.0.1.
static void
s_connect_endpoint (const char *endpoint, char *buf, size_t len, bool *changed)
{
    const char *host = strstr (endpoint, "://");
    host = host ? host + 3 : endpoint;
    const char *port = strrchr (host, ':');
    bool wild = port && ((port - host == 1 && *host == '*') || strncmp (host, "0.0.0.0:", 8) == 0);
    if (wild) {
        snprintf (buf, len, "%.*s127.0.0.1%s", (int) (host - endpoint), endpoint, port);
        *changed = true;
    }
    else
        snprintf (buf, len, "%s", endpoint);
}

//  Appends formatted text to a malloc'd string *S (NULL at first). Returns false when out of memory.
static bool
s_cat (char **s, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static bool
s_cat (char **s, const char *fmt, ...)
{
    char *more = NULL;
    va_list ap;
    va_start (ap, fmt);
    int rc = vasprintf (&more, fmt, ap);
    va_end (ap);
    if (rc < 0)
        return false;
    char *joined = NULL;
    rc = asprintf (&joined, "%s%s", *s ? *s : "", more);
    free (more);
    if (rc < 0)
        return false;
    free (*s);
    *s = joined;
    return true;
}

static bool
s_exists (const char *dir, const char *rel)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s", dir, rel);
    return access (path, F_OK) == 0;
}

int
ml_init_bureau (const char *dir, const ml_init_unit_t *units, size_t nunits, const char *ingest,
                const char *query, const char *state_dir, FILE *out, char *err, size_t errlen)
{
    ingest = ingest ? ingest : DEFAULT_INGEST;
    query = query ? query : DEFAULT_QUERY;
    if (state_dir && (state_dir[0] != '/' || strlen (state_dir) > 1024 || strpbrk (state_dir, ";\r\n"))) {
        snprintf (err, errlen, "--state-dir: an absolute folder such as /var/lib/massline (got %s)",
                  state_dir);
        return ML_EINVAL;
    }
    //  where the agents' and the collector's writable state goes: beside the ini, or STATE_DIR/
    char state[1100] = "";
    if (state_dir)
        snprintf (state, sizeof state, "%s%s", state_dir,
                  state_dir[strlen (state_dir) - 1] == '/' ? "" : "/");
    if (nunits == 0) {
        snprintf (err, errlen, "init needs at least one --unit ID[:NAME]");
        return ML_EINVAL;
    }
    for (size_t i = 0; i < nunits; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp (units[i].id, units[j].id) == 0) {
                snprintf (err, errlen, "unit %s is given twice", units[i].id);
                return ML_EINVAL;
            }
    if (!strstr (ingest, "://") || !strstr (query, "://") || strpbrk (ingest, " ;\r\n")
    ||  strpbrk (query, " ;\r\n")) {
        snprintf (err, errlen, "endpoints look like tcp://HOST:PORT (got %s and %s)", ingest, query);
        return ML_EINVAL;
    }
    if (s_exists (dir, "collector.ini") || s_exists (dir, "registry.ini")) {
        snprintf (err, errlen, "%s already holds a bureau (%s/%s exists); not overwriting", dir, dir,
                  s_exists (dir, "collector.ini") ? "collector.ini" : "registry.ini");
        return ML_EEXIST;
    }
    char ingest_c[512], query_c[512], pub[ML_KEY_LEN + 1], collector_pub[ML_KEY_LEN + 1];
    bool changed = false;
    s_connect_endpoint (ingest, ingest_c, sizeof ingest_c, &changed);
    s_connect_endpoint (query, query_c, sizeof query_c, &changed);
    char *registry = NULL, *text = NULL, *collector_pub_file = NULL;
    int rc = s_mkdir (dir, "", 0755, err, errlen);
    if (!rc)
        rc = s_mkdir (dir, "keys", 0700, err, errlen);
    if (!rc)
        rc = s_mkdir (dir, "agents", 0755, err, errlen);
    if (!rc)
        rc = s_mkdir (dir, "staff", 0700, err, errlen);
    if (!rc)
        rc = s_keys (dir, "keys/collector", collector_pub, out, err, errlen);
    if (rc)
        goto done;
    if (!s_cat (&collector_pub_file, "%s\n", collector_pub))
        goto nomem;

    if (!s_cat (&registry, "; the unit registry of the massline collector: units, agent keys, client keys\n"))
        goto nomem;
    for (size_t i = 0; i < nunits; i++)
        if (!s_cat (&registry, "\n[unit %s]\nname = %s\n", units[i].id, units[i].name))
            goto nomem;
    for (size_t i = 0; i < nunits && !rc; i++) {
        const ml_init_unit_t *u = &units[i];
        char sub[ML_ID_MAX + 16], rel[ML_ID_MAX + 64];
        snprintf (sub, sizeof sub, "agents/%s", u->id);
        rc = s_mkdir (dir, sub, 0700, err, errlen);
        snprintf (rel, sizeof rel, "%s/agent", sub);
        if (!rc)
            rc = s_keys (dir, rel, pub, out, err, errlen);
        free (text);
        text = NULL;
        if (!rc && !s_cat (&text,
                "; massline-agent of unit %s (%s), written by massline-collector init.\n"
                "; Copy this folder to the unit's machine: the paths below are relative to it.\n"
                "[agent]\n"
                "id = %s\n"
                "unit = %s\n"
                "outbox = %soutbox\n"
                "spool = %sspool\n"
                "collector = %s\n"
                "collector_key = collector.pub\n"
                "public_key = agent.pub\n"
                "secret_key = agent.key\n"
                "batch_size = 1000\n"
                "window = 8\n"
                "ack_timeout_ms = 5000\n"
                "; the desk's reports page asks here, with this agent's key, for the unit's own reports\n"
                "query = %s\n"
                "\n"
                "; the unit desk (massline-agent web; docs/clerk.zh.md): the defaults, to change here\n"
                "[web]\n"
                "; listen = 127.0.0.1:7781\n"
                "; data_dir = desk-data\n"
                "; tls_cert = desk.crt.pem\n"
                "; tls_key = desk.key.pem\n"
                "; max_body_bytes = 16777216\n"
                "; session_idle_s = 1800\n"
                "; session_max_s = 43200\n",
                u->id, u->name, u->id, u->id, state, state, ingest_c, query_c))
            goto nomem;
        snprintf (rel, sizeof rel, "%s/agent.ini", sub);
        if (!rc)
            rc = s_write (dir, rel, text, 0644, out, err, errlen);
        snprintf (rel, sizeof rel, "%s/collector.pub", sub);
        if (!rc)
            rc = s_write (dir, rel, collector_pub_file, 0644, out, err, errlen);
        if (!rc && !s_cat (&registry, "\n[agent %s]\nunit = %s\nkey = %s\n", u->id, u->id, pub))
            goto nomem;
    }
    if (!rc)
        rc = s_keys (dir, "staff/admin", pub, out, err, errlen);
    if (rc)
        goto done;
    if (!s_cat (&registry, "\n[client admin]\nrole = auditor\nkey = %s\n", pub))
        goto nomem;
    free (text);
    text = NULL;
    if (!s_cat (&text,
            "; the massline client of the bureau's auditor, written by massline-collector init.\n"
            "[client]\n"
            "query = %s\n"
            "collector_key = collector.pub\n"
            "public_key = admin.pub\n"
            "secret_key = admin.key\n"
            "timeout_ms = 10000\n", query_c))
        goto nomem;
    rc = s_write (dir, "staff/admin.ini", text, 0644, out, err, errlen);
    if (!rc)
        rc = s_write (dir, "staff/collector.pub", collector_pub_file, 0644, out, err, errlen);
    //  massline-web: its gateway key, registered; web.ini beside collector.ini
    if (!rc)
        rc = s_keys (dir, "keys/web", pub, out, err, errlen);
    if (!rc && !s_cat (&registry, "\n; massline-web: asks on behalf of its accounts, judged as each\n"
                       "[gateway web]\nkey = %s\n", pub))
        goto nomem;
    free (text);
    text = NULL;
    if (!rc && !s_cat (&text,
            "; massline-web, the bureau's console, written by massline-collector init (docs/web.md).\n"
            "; Accounts: massline-web -c web.ini user add NAME --role staff (password on stdin).\n"
            "[web]\n"
            "listen = 127.0.0.1:7780\n"
            "data_dir = web-data\n"
            "query = %s\n"
            "collector_key = keys/collector.pub\n"
            "public_key = keys/web.pub\n"
            "secret_key = keys/web.key\n"
            "; tls_cert = web.crt\n"
            "; tls_key = web.key.pem\n", query_c))
        goto nomem;
    if (!rc)
        rc = s_write (dir, "web.ini", text, 0644, out, err, errlen);
    if (!rc)
        rc = s_write (dir, "registry.ini", registry, 0644, out, err, errlen);
    free (text);
    text = NULL;
    if (!rc && !s_cat (&text,
            "; massline-collector, written by massline-collector init (docs/config.md).\n"
            "[collector]\n"
            "data_dir = %sdata\n"
            "ingest = %s\n"
            "query = %s\n"
            "public_key = keys/collector.pub\n"
            "secret_key = keys/collector.key\n"
            "registry = registry.ini\n"
            "rules = rules.ini\n"
            "map_size_mb = 4096\n"
            "max_frame_bytes = 8388608\n", state, ingest, query))
        goto nomem;
    if (!rc)
        rc = s_write (dir, "rules.ini", ml_rules_default, 0644, out, err, errlen);
    if (!rc)
        rc = s_write (dir, "collector.ini", text, 0644, out, err, errlen);
    if (!rc && changed && out)
        fprintf (out, "note: the agents and the client connect to 127.0.0.1; edit 'collector' in "
                      "agents/*/agent.ini and 'query' in staff/admin.ini to the bureau's address\n");
    goto done;
nomem:
    snprintf (err, errlen, "out of memory");
    rc = ML_ENOMEM;
done:
    free (collector_pub_file);
    free (registry);
    free (text);
    return rc;
}

//  The text of DIR/REL (malloc'd, NUL-terminated), or NULL with ERR.
static char *
s_read (const char *dir, const char *rel, char *err, size_t errlen)
{
    char path[4096];
    snprintf (path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen (path, "rb");
    char *buf = f ? calloc (1, 4096) : NULL;
    size_t n = buf ? fread (buf, 1, 4095, f) : 0;
    (void) n;
    if (f)
        fclose (f);
    if (!buf)
        snprintf (err, errlen, "cannot read %s", path);
    return buf;
}

int
ml_init_committee (const char *dir, const ml_init_unit_t *members, size_t n, const char *ingest,
                   const char *query, const char *state_dir, FILE *out, char *err, size_t errlen)
{
    int rc = ml_init_bureau (dir, members, n, ingest, query, state_dir, out, err, errlen);
    char ingest_c[512], rel[ML_ID_MAX + 64];
    bool changed = false;
    s_connect_endpoint (ingest ? ingest : DEFAULT_INGEST, ingest_c, sizeof ingest_c, &changed);
    if (!rc)
        rc = s_mkdir (dir, "members", 0755, err, errlen);
    for (size_t i = 0; i < n && !rc; i++) {
        static const char *const files[][3] = {
            { "agent.pub", "member.pub", "" }, { "agent.key", "member.key", "" },
            { "collector.pub", "collector.pub", "" } };
        snprintf (rel, sizeof rel, "members/%s", members[i].id);
        rc = s_mkdir (dir, rel, 0700, err, errlen);
        for (int f = 0; f < 3 && !rc; f++) {
            snprintf (rel, sizeof rel, "agents/%s/%s", members[i].id, files[f][0]);
            char *text = s_read (dir, rel, err, errlen);
            snprintf (rel, sizeof rel, "members/%s/%s", members[i].id, files[f][1]);
            rc = text ? s_write (dir, rel, text, f == 1 ? 0600 : 0644, out, err, errlen) : ML_EIO;
            free (text);
        }
        char *text = NULL;
        if (!rc && !s_cat (&text,
                "; the higher tier for member %s (%s), written by massline-collector init --tier.\n"
                "; Copy this folder to the member's collector and add to its collector.ini, in\n"
                "; [collector]:  upstream = PATH/upstream.ini   (docs/tiers.md)\n"
                "[upstream]\n"
                "endpoint = %s\n"
                "collector_key = collector.pub\n"
                "public_key = member.pub\n"
                "secret_key = member.key\n", members[i].id, members[i].name, ingest_c)) {
            snprintf (err, errlen, "out of memory");
            rc = ML_ENOMEM;
        }
        snprintf (rel, sizeof rel, "members/%s/upstream.ini", members[i].id);
        if (!rc)
            rc = s_write (dir, rel, text, 0644, out, err, errlen);
        free (text);
    }
    if (!rc) {
        char path[4096];
        snprintf (path, sizeof path, "%s/collector.ini", dir);
        FILE *f = fopen (path, "a");
        if (!f || fputs ("tier = committee\n", f) < 0) {
            snprintf (err, errlen, "cannot write %s", path);
            rc = ML_EIO;
        }
        if (f && fclose (f) && !rc) {
            snprintf (err, errlen, "cannot write %s", path);
            rc = ML_EIO;
        }
    }
    return rc;
}
