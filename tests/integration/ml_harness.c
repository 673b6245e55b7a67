/* ml_harness.c -- temp dirs, child processes, polling and a massline bureau for the integration tests. */
#include "ml_harness.h"
#include "ml_date.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <lmdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *const ml_h_units[ML_H_UNITS] = { "H001", "H002", "H003" };

#define MAX_CHILDREN 1024

typedef struct {
    pid_t pid;          //  0: free slot
    bool reaped;        //  waitpid has returned it
    int code;           //  exit code or 128 + signal, once reaped
} s_child_t;

static char s_dir[256];                 //  the test's temp dir
static bool s_passed;                   //  ml_h_pass reached
static s_child_t s_children[MAX_CHILDREN];
static void **s_arena;                  //  strings handed out, freed at fini
static size_t s_arena_n, s_arena_cap;
static int s_runs;                      //  counter for ml_h_run capture files
static char *s_bureau;                  //  DIR/bureau once initialised
static pid_t s_collector;               //  running collector, or 0

// ---------------------------------------------------------------------------
// Memory, strings, files

static void *
s_keep (void *ptr)
{
    cr_assert_not_null (ptr, "out of memory");
    if (s_arena_n == s_arena_cap) {
        s_arena_cap = s_arena_cap ? 2 * s_arena_cap : 64;
        s_arena = realloc (s_arena, s_arena_cap * sizeof *s_arena);
        cr_assert_not_null (s_arena, "out of memory");
    }
    s_arena[s_arena_n++] = ptr;
    return ptr;
}

char *
ml_h_str (const char *fmt, ...)
{
    va_list args;
    va_start (args, fmt);
    char *str = NULL;
    int rc = vasprintf (&str, fmt, args);
    va_end (args);
    cr_assert (rc >= 0, "out of memory");
    return s_keep (str);
}

char *
ml_h_read (const char *path)
{
    FILE *file = fopen (path, "rb");
    if (!file)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc (cap);
    size_t got;
    while (buf && (got = fread (buf + len, 1, cap - len - 1, file)) > 0) {
        len += got;
        if (cap - len - 1 == 0)
            buf = realloc (buf, cap *= 2);
    }
    fclose (file);
    cr_assert_not_null (buf, "out of memory");
    buf[len] = 0;
    return s_keep (buf);
}

void
ml_h_write (const char *path, const char *text)
{
    FILE *file = fopen (path, "wb");
    cr_assert_not_null (file, "%s: cannot write: %s", path, strerror (errno));
    fputs (text, file);
    cr_assert_eq (fclose (file), 0, "%s: cannot write: %s", path, strerror (errno));
}

int
ml_h_count_lines (const char *text, const char *needle)
{
    int count = 0;
    while (text && *text) {
        const char *end = strchr (text, '\n');
        size_t len = end ? (size_t) (end - text) : strlen (text);
        char *line = strndup (text, len);
        if (line && strstr (line, needle))
            count++;
        free (line);
        text += len + (end ? 1 : 0);
    }
    return count;
}

static int
s_remove_entry (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st; (void) flag; (void) ftw;
    remove (path);
    return 0;
}

// ---------------------------------------------------------------------------
// Setup and teardown

static rlim_t s_fsize_limit = RLIM_INFINITY;   //  ml_h_fsize_limit

void
ml_h_init (void)
{
    const char *tmp = getenv ("TMPDIR");
    snprintf (s_dir, sizeof s_dir, "%s/ml-integ-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    cr_assert_not_null (mkdtemp (s_dir), "mkdtemp: %s", strerror (errno));
    setenv ("MASSLINE_TODAY", "2026-11-26", 1);
    unsetenv ("MASSLINE_DEBUG");
    s_passed = false;
    s_bureau = NULL;
    s_fsize_limit = RLIM_INFINITY;
    s_collector = 0;
    memset (s_children, 0, sizeof s_children);
}

void
ml_h_fini (void)
{
    //  Never leave a process behind, whatever happened in the test.
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (s_children[i].pid && !s_children[i].reaped) {
            kill (s_children[i].pid, SIGKILL);
            waitpid (s_children[i].pid, NULL, 0);
            s_children[i].reaped = true;
        }
    if (!s_passed)
        cr_log_error ("test failed: kept its files in %s", s_dir);
    else
    if (getenv ("ML_KEEP_TMP"))
        cr_log_info ("ML_KEEP_TMP: kept the test's files in %s", s_dir);
    else
        nftw (s_dir, s_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    for (size_t i = 0; i < s_arena_n; i++)
        free (s_arena[i]);
    free (s_arena);
    s_arena = NULL;
    s_arena_n = s_arena_cap = 0;
}

//  Fails the test when TEXT (a child's stderr) holds a sanitizer report: builds with
//  -Db_sanitize=address,undefined then catch memory errors and UB in the binaries under test.
static void
s_assert_no_sanitizer_report (const char *text, const char *what)
{
    if (!text)
        return;
    const char *marks[] = { "runtime error:", "AddressSanitizer", "LeakSanitizer" };
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
        const char *hit = strstr (text, marks[i]);
        cr_assert_null (hit, "%s: sanitizer report: %.600s", what, hit);
    }
}

void
ml_h_pass (void)
{
    //  The logs of the daemons started with ml_h_spawn: DIR/LOG.err.
    DIR *dir = opendir (s_dir);
    cr_assert_not_null (dir, "%s: %s", s_dir, strerror (errno));
    struct dirent *entry;
    while ((entry = readdir (dir))) {
        size_t len = strlen (entry->d_name);
        if (len > 4 && strcmp (entry->d_name + len - 4, ".err") == 0) {
            char *path = ml_h_str ("%s/%s", s_dir, entry->d_name);
            s_assert_no_sanitizer_report (ml_h_read (path), path);
        }
    }
    closedir (dir);
    s_passed = true;
}

const char *
ml_h_dir (void)
{
    return s_dir;
}

const char *
ml_h_bin (const char *name)
{
    const char *path = getenv (name);
    cr_assert (path && *path, "$%s is not set (run the test through meson)", name);
    return path;
}

// ---------------------------------------------------------------------------
// Child processes

static s_child_t *
s_child (pid_t pid)
{
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (s_children[i].pid == pid)
            return &s_children[i];
    return NULL;
}

void
ml_h_fsize_limit (unsigned long long limit)
{
    s_fsize_limit = (rlim_t) limit;
}

pid_t
ml_h_spawnv (const char *log, char *const argv[])
{
    char out_path[512], err_path[512];
    snprintf (out_path, sizeof out_path, "%s/%s.out", s_dir, log);
    snprintf (err_path, sizeof err_path, "%s/%s.err", s_dir, log);
    s_child_t *slot = s_child (0);
    cr_assert_not_null (slot, "too many child processes");
    pid_t parent = getpid ();
    fflush (NULL);
    pid_t pid = fork ();
    cr_assert (pid >= 0, "fork: %s", strerror (errno));
    if (pid == 0) {
        //  Die with the test worker, even if it crashes before its fini runs.
        prctl (PR_SET_PDEATHSIG, SIGKILL);
        if (getppid () != parent)
            _exit (127);
        int in = open ("/dev/null", O_RDONLY);
        int out = open (out_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int err = open (err_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (in < 0 || out < 0 || err < 0)
            _exit (127);
        dup2 (in, 0);
        dup2 (out, 1);
        dup2 (err, 2);
        close_range (3, ~0U, 0);    //  nothing of the test worker (criterion's pipes) leaks in
        if (s_fsize_limit != RLIM_INFINITY) {
            struct rlimit rl = { s_fsize_limit, s_fsize_limit };
            if (setrlimit (RLIMIT_FSIZE, &rl) || signal (SIGXFSZ, SIG_IGN) == SIG_ERR) {
                dprintf (2, "setrlimit RLIMIT_FSIZE: %s\n", strerror (errno));
                _exit (127);
            }
        }
        execv (argv[0], argv);
        dprintf (2, "exec %s: %s\n", argv[0], strerror (errno));
        _exit (127);
    }
    slot->pid = pid;
    slot->reaped = false;
    return pid;
}

#define MAX_ARGS 64

//  Collects the NULL-terminated variadic arguments after PROG into ARGV.
#define S_COLLECT_ARGS(argv, prog) do { \
        va_list args; \
        va_start (args, prog); \
        int argc = 0; \
        argv[argc++] = (char *) prog; \
        char *arg; \
        while ((arg = va_arg (args, char *)) && argc < MAX_ARGS - 1) \
            argv[argc++] = arg; \
        argv[argc] = NULL; \
        va_end (args); \
    } while (0)

pid_t
ml_h_spawn (const char *log, const char *prog, ...)
{
    char *argv[MAX_ARGS];
    S_COLLECT_ARGS (argv, prog);
    return ml_h_spawnv (log, argv);
}

static void
s_sleep_ms (int ms)
{
    struct timespec ts = { ms / 1000, (long) (ms % 1000) * 1000000L };
    while (nanosleep (&ts, &ts) && errno == EINTR)
        ;
}

static long long
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ml_h_wait (pid_t pid, int timeout_ms)
{
    s_child_t *child = s_child (pid);
    cr_assert_not_null (child, "pid %d is not a child of this test", (int) pid);
    long long deadline = s_now_ms () + timeout_ms;
    while (!child->reaped) {
        int status;
        pid_t got = waitpid (pid, &status, WNOHANG);
        if (got == pid) {
            child->reaped = true;
            child->code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
            break;
        }
        cr_assert (got == 0 || errno == EINTR, "waitpid %d: %s", (int) pid, strerror (errno));
        if (s_now_ms () >= deadline)
            return -1;
        s_sleep_ms (5);
    }
    return child->code;
}

int
ml_h_stop (pid_t pid, int sig)
{
    s_child_t *child = s_child (pid);
    if (child && !child->reaped)
        kill (pid, sig);
    return ml_h_wait (pid, 30000);
}

bool
ml_h_alive (pid_t pid)
{
    s_child_t *child = s_child (pid);
    return child && ml_h_wait (pid, 0) == -1;
}

int
ml_h_runv (ml_h_out_t *out, int timeout_ms, char *const argv[])
{
    char log[32];
    snprintf (log, sizeof log, "run-%d", ++s_runs);
    pid_t pid = ml_h_spawnv (log, argv);
    int code = ml_h_wait (pid, timeout_ms);
    if (code == -1) {
        kill (pid, SIGKILL);
        ml_h_wait (pid, 30000);
        code = -1;
    }
    char *out_path = ml_h_str ("%s/%s.out", s_dir, log);
    char *err_path = ml_h_str ("%s/%s.err", s_dir, log);
    s_assert_no_sanitizer_report (ml_h_read (err_path), argv[0]);
    if (out) {
        out->out = ml_h_read (out_path);
        out->err = ml_h_read (err_path);
        if (!out->out)
            out->out = ml_h_str ("%s", "");
        if (!out->err)
            out->err = ml_h_str ("%s", "");
    }
    unlink (out_path);
    unlink (err_path);
    s_child (pid)->pid = 0;     //  reaped: free its slot for the next run
    return code;
}

int
ml_h_run (ml_h_out_t *out, int timeout_ms, const char *prog, ...)
{
    char *argv[MAX_ARGS];
    S_COLLECT_ARGS (argv, prog);
    return ml_h_runv (out, timeout_ms, argv);
}

bool
ml_h_until (bool (*pred) (void *arg), void *arg, int timeout_ms)
{
    long long deadline = s_now_ms () + timeout_ms;
    while (true) {
        if (pred (arg))
            return true;
        if (s_now_ms () >= deadline)
            return false;
        s_sleep_ms (50);
    }
}

//  Binds a TCP socket to a free loopback port; returns the port, the socket in *FD. The port is
//  below the kernel's ephemeral range: a port from that range, free when chosen, may be taken as
//  the local port of any client's outgoing connection before the daemon binds it ("Address
//  already in use" at a collector's start, seen under a loaded ops/test).
static int
s_bind_free_port (int *fd)
{
    static unsigned seed;
    if (!seed) {
        struct timespec now;
        clock_gettime (CLOCK_MONOTONIC, &now);
        seed = (unsigned) getpid () * 2654435761u ^ (unsigned) now.tv_nsec;
    }
    int low = 32768;
    FILE *range = fopen ("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (range) {
        if (fscanf (range, "%d", &low) != 1)
            low = 32768;
        fclose (range);
    }
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    for (int tries = 0; low > 12000 && tries < 200; tries++) {
        *fd = socket (AF_INET, SOCK_STREAM, 0);
        cr_assert (*fd >= 0, "socket: %s", strerror (errno));
        int port = 10000 + (int) (rand_r (&seed) % (unsigned) (low - 10000));
        addr.sin_port = htons ((uint16_t) port);
        if (bind (*fd, (struct sockaddr *) &addr, sizeof addr) == 0)
            return port;
        close (*fd);
    }
    //  no room below the range (or all taken): any free port
    *fd = socket (AF_INET, SOCK_STREAM, 0);
    cr_assert (*fd >= 0, "socket: %s", strerror (errno));
    addr.sin_port = 0;
    cr_assert_eq (bind (*fd, (struct sockaddr *) &addr, sizeof addr), 0, "bind: %s", strerror (errno));
    socklen_t len = sizeof addr;
    cr_assert_eq (getsockname (*fd, (struct sockaddr *) &addr, &len), 0);
    return ntohs (addr.sin_port);
}

int
ml_h_free_port (void)
{
    int fd;
    int port = s_bind_free_port (&fd);
    close (fd);
    return port;
}

// ---------------------------------------------------------------------------
// INI files

//  True when LINE (up to its newline) sets KEY.
static bool
s_line_sets (const char *line, const char *key)
{
    while (*line == ' ' || *line == '\t')
        line++;
    size_t len = strlen (key);
    if (strncmp (line, key, len))
        return false;
    line += len;
    while (*line == ' ' || *line == '\t')
        line++;
    return *line == '=';
}

void
ml_h_ini_set (const char *path, const char *key, const char *value)
{
    char *text = ml_h_read (path);
    cr_assert_not_null (text, "%s: cannot read", path);
    bool present = false;
    for (char *line = text; line; line = strchr (line, '\n') ? strchr (line, '\n') + 1 : NULL)
        present |= s_line_sets (line, key);
    //  Copy line by line: replace the line setting KEY, or add KEY after the first section header.
    char *result = ml_h_str ("%s", "");
    bool done = false;
    for (char *line = text; *line; ) {
        char *end = strchr (line, '\n');
        int len = end ? (int) (end - line) : (int) strlen (line);
        if (!done && present && s_line_sets (line, key)) {
            result = ml_h_str ("%s%s = %s\n", result, key, value);
            done = true;
        }
        else {
            result = ml_h_str ("%s%.*s\n", result, len, line);
            if (!done && !present && line[0] == '[') {
                result = ml_h_str ("%s%s = %s\n", result, key, value);
                done = true;
            }
        }
        line += len + (end ? 1 : 0);
    }
    cr_assert (done, "%s: no section to put %s in", path, key);
    ml_h_write (path, result);
}

char *
ml_h_ini_get (const char *path, const char *key)
{
    char *text = ml_h_read (path);
    cr_assert_not_null (text, "%s: cannot read", path);
    for (char *line = strtok (text, "\n"); line; line = strtok (NULL, "\n")) {
        if (!s_line_sets (line, key))
            continue;
        char *value = strchr (line, '=') + 1;
        char *comment = strchr (value, ';');
        if (comment)
            *comment = 0;
        while (*value == ' ' || *value == '\t')
            value++;
        size_t len = strlen (value);
        while (len && (value[len - 1] == ' ' || value[len - 1] == '\t' || value[len - 1] == '\r'))
            value[--len] = 0;
        return value;
    }
    return NULL;
}

char *
ml_h_ini_path (const char *path, const char *key)
{
    char *value = ml_h_ini_get (path, key);
    cr_assert_not_null (value, "%s: no %s", path, key);
    if (value[0] == '/')
        return value;
    const char *slash = strrchr (path, '/');
    return slash ? ml_h_str ("%.*s/%s", (int) (slash - path), path, value) : value;
}

// ---------------------------------------------------------------------------
// The bureau

const char *
ml_h_bureau (void)
{
    if (s_bureau)
        return s_bureau;
    char *dir = ml_h_str ("%s/bureau", s_dir);
    //  Hold both ports while choosing them, so they differ.
    int fd1, fd2;
    char *ingest = ml_h_str ("tcp://127.0.0.1:%d", s_bind_free_port (&fd1));
    char *query = ml_h_str ("tcp://127.0.0.1:%d", s_bind_free_port (&fd2));
    close (fd1);
    close (fd2);
    ml_h_out_t out;
    int code = ml_h_run (&out, 60000, ML_COLLECTOR, "init", dir,
                         "--unit", "H001:镇江市第一人民医院",
                         "--unit", "H002:镇江市第二人民医院",
                         "--unit", "H003:镇江市中医院",
                         "--ingest", ingest, "--query", query, NULL);
    cr_assert_eq (code, 0, "massline-collector init exited %d: %s%s", code, out.out, out.err);
    s_bureau = dir;
    return s_bureau;
}

const char *
ml_h_collector_ini (void)
{
    return ml_h_str ("%s/collector.ini", ml_h_bureau ());
}

const char *
ml_h_client_ini (void)
{
    return ml_h_str ("%s/staff/admin.ini", ml_h_bureau ());
}

const char *
ml_h_agent_ini (const char *unit)
{
    return ml_h_str ("%s/agents/%s/agent.ini", ml_h_bureau (), unit);
}

pid_t
ml_h_collector_pid (void)
{
    return s_collector;
}

pid_t
ml_h_collector_start (void)
{
    cr_assert_eq (s_collector, 0, "the collector is already running");
    s_collector = ml_h_spawn ("collector", ML_COLLECTOR, "-c", ml_h_collector_ini (), "serve", NULL);
    long long deadline = s_now_ms () + 60000;
    while (ml_h_collector_events (NULL) < 0) {
        if (!ml_h_alive (s_collector)) {
            int code = ml_h_wait (s_collector, 0);
            s_collector = 0;
            cr_assert_fail ("massline-collector serve exited %d at start: %s", code,
                      ml_h_read (ml_h_str ("%s/collector.err", s_dir)));
        }
        cr_assert (s_now_ms () < deadline, "the collector did not answer status within 60 s");
        s_sleep_ms (50);
    }
    return s_collector;
}

int
ml_h_collector_stop (int sig)
{
    cr_assert_neq (s_collector, 0, "the collector is not running");
    int code = ml_h_stop (s_collector, sig);
    s_collector = 0;
    return code;
}

static json_t *
s_run_json (char *const argv[])
{
    ml_h_out_t out;
    if (ml_h_runv (&out, 60000, argv) != 0)
        return NULL;
    json_error_t error;
    json_t *json = json_loads (out.out, 0, &error);
    cr_assert_not_null (json, "%s %s: not JSON (%s): %s", argv[0], argv[3], error.text, out.out);
    return json;
}

json_t *
ml_h_status_json (void)
{
    char *argv[] = { (char *) ML_CLIENT, "-c", (char *) ml_h_client_ini (), "status", "--json", NULL };
    return s_run_json (argv);
}

long
ml_h_collector_events (const char *unit)
{
    json_t *status = ml_h_status_json ();
    if (!status)
        return -1;
    long events = -1;
    if (!unit)
        events = json_is_integer (json_object_get (status, "events"))
               ? (long) json_integer_value (json_object_get (status, "events")) : -1;
    size_t i;
    json_t *entry;
    json_array_foreach (json_object_get (status, "units"), i, entry)
        if (unit && json_is_string (json_object_get (entry, "unit"))
        && strcmp (json_string_value (json_object_get (entry, "unit")), unit) == 0)
            events = (long) json_integer_value (json_object_get (entry, "events"));
    json_decref (status);
    return events;
}

json_t *
ml_h_agent_status_json (const char *unit)
{
    char *argv[] = { (char *) ML_AGENT, "-c", (char *) ml_h_agent_ini (unit), "status", "--json", NULL };
    return s_run_json (argv);
}

long
ml_h_agent_field (const char *unit, const char *field)
{
    json_t *status = ml_h_agent_status_json (unit);
    if (!status)
        return -1;
    json_t *value = json_object_get (status, field);
    long result = json_is_integer (value) ? (long) json_integer_value (value) : -1;
    json_decref (status);
    return result;
}

void
ml_h_write_events (const char *path, const char *unit, int first, int n)
{
    FILE *file = fopen (path, "w");
    cr_assert_not_null (file, "%s: %s", path, strerror (errno));
    fprintf (file, "{\"kind\":\"person\",\"ref\":\"%s-P001\",\"person\":\"P001\",\"name\":\"张伟\","
                   "\"roles\":[{\"role\":\"leader\",\"from\":\"2025-01-01\"}]}\n", unit);
    ml_day_t start = ml_date_from_ymd (2025, 1, 1);
    static const char *const with[] = { "王芳", "李娜", "刘洋", "陈静" };
    for (int i = first; i < first + n; i++) {
        char date[16];
        ml_date_format (start + i % 600, date);
        fprintf (file, "{\"kind\":\"talk\",\"ref\":\"%s-T%06d\",\"date\":\"%s\",\"person\":\"P001\","
                       "\"with\":\"%s\",\"with_category\":\"masses\",\"form\":\"individual\","
                       "\"mode\":\"in_person\"}\n", unit, i, date, with[i % 4]);
    }
    cr_assert_eq (fclose (file), 0, "%s: %s", path, strerror (errno));
}

static int
s_strcmp_p (const void *a, const void *b)
{
    return strcmp (*(char *const *) a, *(char *const *) b);
}

char **
ml_h_collector_refs (size_t *count)
{
    char *path = ml_h_ini_path (ml_h_collector_ini (), "data_dir");
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_cursor *cursor = NULL;
    MDB_dbi dbi;
    cr_assert_eq (mdb_env_create (&env), 0);
    mdb_env_set_maxdbs (env, 64);
    int rc = mdb_env_open (env, path, MDB_RDONLY, 0644);
    cr_assert_eq (rc, 0, "%s: cannot open the collector's LMDB: %s", path, mdb_strerror (rc));
    rc = mdb_txn_begin (env, NULL, MDB_RDONLY, &txn);
    cr_assert_eq (rc, 0, "%s: %s", path, mdb_strerror (rc));
    rc = mdb_dbi_open (txn, "refs", 0, &dbi);
    cr_assert_eq (rc, 0, "%s: no db 'refs': %s", path, mdb_strerror (rc));
    MDB_stat stat;
    mdb_stat (txn, dbi, &stat);
    char **refs = s_keep (calloc (stat.ms_entries + 1, sizeof *refs));
    size_t n = 0;
    MDB_val key, value;
    mdb_cursor_open (txn, dbi, &cursor);
    while (n < stat.ms_entries
       && mdb_cursor_get (cursor, &key, &value, n ? MDB_NEXT : MDB_FIRST) == 0) {
        //  Key: unit NUL ref (a trailing NUL is tolerated).
        const char *bytes = key.mv_data;
        size_t size = key.mv_size;
        while (size && bytes[size - 1] == 0)
            size--;
        const char *nul = memchr (bytes, 0, size);
        cr_assert_not_null (nul, "refs key without a NUL: %.*s", (int) size, bytes);
        refs[n++] = ml_h_str ("%.*s/%.*s", (int) (nul - bytes), bytes,
                              (int) (size - (size_t) (nul - bytes) - 1), nul + 1);
    }
    mdb_cursor_close (cursor);
    mdb_txn_abort (txn);
    mdb_env_close (env);
    qsort (refs, n, sizeof *refs, s_strcmp_p);
    *count = n;
    return refs;
}

char **
ml_h_expected_refs (const char *const units[], int nunits, int n, size_t *count)
{
    size_t total = (size_t) nunits * (size_t) (n + 1);
    char **refs = s_keep (calloc (total + 1, sizeof *refs));
    size_t k = 0;
    for (int u = 0; u < nunits; u++) {
        refs[k++] = ml_h_str ("%s/%s-P001", units[u], units[u]);
        for (int i = 1; i <= n; i++)
            refs[k++] = ml_h_str ("%s/%s-T%06d", units[u], units[u], i);
    }
    qsort (refs, k, sizeof *refs, s_strcmp_p);
    *count = k;
    return refs;
}

void
ml_h_assert_same (char **want, size_t nwant, char **got, size_t ngot)
{
    size_t i = 0, j = 0, missing = 0, extra = 0;
    char *first_missing = NULL, *first_extra = NULL;
    while (i < nwant || j < ngot) {
        int cmp = i == nwant ? 1 : j == ngot ? -1 : strcmp (want[i], got[j]);
        if (cmp < 0) {
            if (!missing++)
                first_missing = want[i];
            i++;
        }
        else
        if (cmp > 0) {
            if (!extra++)
                first_extra = got[j];
            j++;
        }
        else {
            i++;
            j++;
        }
    }
    cr_assert (missing == 0 && extra == 0,
               "expected %zu refs, got %zu: %zu missing (first %s), %zu unexpected (first %s)",
               nwant, ngot, missing, first_missing ? first_missing : "-",
               extra, first_extra ? first_extra : "-");
}

void
ml_h_sort (char **strs, size_t n)
{
    qsort (strs, n, sizeof *strs, s_strcmp_p);
}

void
ml_h_assert_stored_once (const char *unit, int talks)
{
    cr_assert_eq (ml_h_collector_events (unit), talks + 1);
    cr_assert_eq (ml_h_collector_events (NULL), talks + 1);
    cr_assert_eq (ml_h_collector_stop (SIGTERM), 0);
    size_t nwant, ngot;
    const char *const units[] = { unit };
    char **want = ml_h_expected_refs (units, 1, talks, &nwant);
    char **got = ml_h_collector_refs (&ngot);
    ml_h_assert_same (want, nwant, got, ngot);
}
