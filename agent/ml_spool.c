/* ml_spool.c -- the spool folder `massline-agent run` watches (see ml_spool.h). A file is taken
   when nothing in the folder has changed for one look (500 ms apart): files being copied in grow
   between looks, and files put in together are taken together, in ledger order. */
#include "ml_spool.h"
#include "ml_err.h"
#include "ml_import.h"
#include "ml_ledger.h"
#include "ml_log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_RETRY_MS 60000            //  a file that could not be imported or moved waits this long

static int64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

//  A file seen in the spool folder.
typedef struct {
    char *name;
    off_t size;                 //  size and mtime at the last look: a file still being
    struct timespec mtime;      //  written changes between two looks
    bool seen;                  //  seen by the current look
    int64_t retry_at;           //  not before then (ms, s_now_ms), 0: now
    bool odd;                   //  not a regular file (a symlink, FIFO, folder): never taken
} s_file_t;

struct ml_spool {
    char *dir;                  //  the spool folder
    ml_outbox_t *outbox;        //  borrowed
    s_file_t *files;
    size_t n_files, max_files;
    bool broken;                //  the folder could not be read (said once)
};

//  What the spool will not take, in words for the log.
static const char *
s_odd_kind (mode_t mode)
{
    return S_ISLNK (mode) ? "a symbolic link" : S_ISFIFO (mode) ? "a FIFO" : S_ISDIR (mode) ? "a folder"
         : S_ISSOCK (mode) ? "a socket" : "a device or other special file";
}

static int
s_count_lines (const char *text)
{
    int n = 0;
    for (; text && *text; text++)
        n += *text == '\n';
    return n;
}

//  Creates DIR/SUB (SUB NULL: DIR itself) if missing. Returns 0 or -1 (errno set).
static int
s_mkdir (const char *dir, const char *sub)
{
    char path[4096];
    snprintf (path, sizeof path, "%s%s%s", dir, sub ? "/" : "", sub ? sub : "");
    if (mkdir (path, 0775) == 0 || errno == EEXIST)
        return 0;
    return -1;
}

//  Creates the spool folder with done/ and failed/. Returns 0, or -1 with errno set.
static int
s_prepare (const char *dir)
{
    return s_mkdir (dir, NULL) || s_mkdir (dir, "done") || s_mkdir (dir, "failed") ? -1 : 0;
}

static bool
s_exists (const char *path)
{
    struct stat st;
    return lstat (path, &st) == 0;
}

//  A name for NAME in DIR/SUB that is not taken (nor NAME.errors.txt beside it): NAME itself,
//  else "STEM.2.EXT", "STEM.3.EXT"... Writes it into OUT.
static void
s_free_name (const char *dir, const char *sub, const char *name, char *out, size_t len)
{
    const char *dot = strrchr (name, '.');
    int stem = dot ? (int) (dot - name) : (int) strlen (name);
    for (int n = 1; n < 100000; n++) {
        if (n == 1)
            snprintf (out, len, "%s", name);
        else
            snprintf (out, len, "%.*s.%d%s", stem, name, n, dot ? dot : "");
        char path[4096], errors[4200];
        snprintf (path, sizeof path, "%s/%s/%s", dir, sub, out);
        snprintf (errors, sizeof errors, "%s.errors.txt", path);
        if (!s_exists (path) && !s_exists (errors))
            return;
    }
}

//  Imports the stable file F and moves it to done/ or failed/. Returns 0, or -1 when it stays
//  (storage trouble, or the move failed): it is tried again later.
static int
s_take (ml_spool_t *self, s_file_t *f)
{
    char path[4096], moved[4096], final[1024], errpath[4200];
    snprintf (path, sizeof path, "%s/%s", self->dir, f->name);
    char *errtext = NULL;
    size_t errlen = 0;
    FILE *errors = open_memstream (&errtext, &errlen);
    size_t recorded = 0, skipped = 0;
    ml_info ("spool: importing %s", f->name);
    int rc = ml_import_file (self->outbox, path, f->name, errors, &recorded, &skipped, NULL, NULL);
    if (errors)
        fclose (errors);
    int ret = 0;
    if (rc == 0) {
        s_free_name (self->dir, "done", f->name, final, sizeof final);
        snprintf (moved, sizeof moved, "%s/done/%s", self->dir, final);
        if (rename (path, moved) == 0)
            ml_info ("spool: %s: %zu events recorded, %zu already recorded; moved to done/%s",
                     f->name, recorded, skipped, final);
        else {
            ml_error ("spool: %s: imported (%zu events recorded) but cannot move it to %s: %s; "
                      "will try again", f->name, recorded, moved, strerror (errno));
            ret = -1;
        }
    }
    else
    if (rc == ML_EINVAL) {
        //  the errors first, then the file: a crash in between only imports it again
        s_free_name (self->dir, "failed", f->name, final, sizeof final);
        snprintf (moved, sizeof moved, "%s/failed/%s", self->dir, final);
        snprintf (errpath, sizeof errpath, "%s.errors.txt", moved);
        //  A new file, never through a link: with spool_group the clerks may write in failed/, and
        //  a link planted under the errors' name must not make the agent overwrite what it points to
        int fd = open (errpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        FILE *out = fd >= 0 ? fdopen (fd, "w") : NULL;
        if (fd >= 0 && !out)
            close (fd);
        //  spool_group gave failed/ to the group (0770): its members (the clerks) read why, whatever
        //  the service's umask (systemd: UMask=0077), in a file of that group
        char failed[4200];
        struct stat st;
        snprintf (failed, sizeof failed, "%s/failed", self->dir);
        if (out && stat (failed, &st) == 0 && (st.st_mode & S_IRWXG) == S_IRWXG
        &&  fchown (fileno (out), (uid_t) -1, st.st_gid) == 0)
            fchmod (fileno (out), 0640);
        bool written = out && fputs (errtext ? errtext : "", out) >= 0;
        if (out && fclose (out) != 0)
            written = false;
        if (written && rename (path, moved) == 0)
            ml_warn ("spool: %s: nothing imported (%d errors); moved to failed/%s, the errors "
                     "are in failed/%s.errors.txt", f->name, s_count_lines (errtext), final, final);
        else {
            ml_error ("spool: %s: nothing imported, and cannot move it to %s (with %s): %s; "
                      "will try again", f->name, moved, errpath, strerror (errno));
            ret = -1;
        }
    }
    else {
        ml_error ("spool: %s: not imported (%s); will try again", f->name, ml_strerror (rc));
        ret = -1;
    }
    free (errtext);
    return ret;
}

//  The order files taken at the same look are imported in: persons, then orgs (the later
//  ledgers name them), then the other ledgers in template order, voids last; then by name.
static int
s_rank (const char *name)
{
    const char *kind = ml_ledger_kind_of_path (name);
    for (int i = 0; kind && ml_ledger_kind_at ((size_t) i); i++)
        if (strcmp (ml_ledger_kind_at ((size_t) i), kind) == 0)
            return i;
    return 2;       //  a JSONL file or an unnamed ledger: after persons and orgs
}

static int
s_cmp (const void *a, const void *b)
{
    const s_file_t *x = *(s_file_t *const *) a, *y = *(s_file_t *const *) b;
    int rx = s_rank (x->name), ry = s_rank (y->name);
    return rx != ry ? rx - ry : strcmp (x->name, y->name);
}

void
ml_spool_look (void *arg)
{
    ml_spool_t *self = arg;
    DIR *dir = opendir (self->dir);
    if (!dir) {
        if (!self->broken)
            ml_error ("spool folder %s: cannot read it: %s", self->dir, strerror (errno));
        self->broken = true;
        if (errno == ENOENT && s_prepare (self->dir) == 0)
            ml_info ("spool folder %s: made it again", self->dir);
        return;
    }
    if (self->broken)
        ml_info ("spool folder %s: readable again", self->dir);
    self->broken = false;
    for (size_t i = 0; i < self->n_files; i++)
        self->files[i].seen = false;
    int64_t now = s_now_ms ();
    struct dirent *de;
    size_t known = self->n_files;       //  files seen at an earlier look
    bool *ready = calloc (known ? known : 1, sizeof *ready);
    bool moving = false;                //  a file is new or still changing: wait
    while (ready && (de = readdir (dir)) != NULL) {
        struct stat st;
        if (de->d_name[0] == '.' || !ml_import_is_ledger (de->d_name)
        ||  fstatat (dirfd (dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        bool odd = !S_ISREG (st.st_mode);
        size_t i = 0;
        while (i < self->n_files && strcmp (self->files[i].name, de->d_name) != 0)
            i++;
        if (odd && i == self->n_files)
            //  never followed nor opened (a FIFO would block the agent); said once while it stays
            ml_warn ("spool: %s: %s, not a regular file; left where it is, not imported (copy the "
                     "ledger itself into %s)", de->d_name, s_odd_kind (st.st_mode), self->dir);
        if (i == self->n_files) {
            //  first sight: remember it, take it at the next look if it has not changed
            if (self->n_files == self->max_files) {
                size_t max = self->max_files ? self->max_files * 2 : 16;
                s_file_t *grown = realloc (self->files, max * sizeof *grown);
                if (!grown)
                    break;
                self->files = grown;
                self->max_files = max;
            }
            char *name = strdup (de->d_name);
            if (!name)
                break;
            self->files[self->n_files++] = (s_file_t) { name, st.st_size, st.st_mtim, true, 0, odd };
            moving |= !odd;
            continue;
        }
        s_file_t *f = &self->files[i];
        f->seen = true;
        if (f->odd || odd) {
            f->seen = f->odd == odd;    //  replaced by another kind: forgotten, new at the next look
            continue;
        }
        bool changed = f->size != st.st_size || f->mtime.tv_sec != st.st_mtim.tv_sec
                    || f->mtime.tv_nsec != st.st_mtim.tv_nsec;
        f->size = st.st_size;
        f->mtime = st.st_mtim;
        moving |= changed;
        ready[i] = !changed && now >= f->retry_at;
    }
    closedir (dir);
    //  take the ready files in ledger order
    s_file_t **take = calloc (known ? known : 1, sizeof *take);
    size_t n_take = 0;
    for (size_t i = 0; take && !moving && i < known; i++)
        if (ready[i])
            take[n_take++] = &self->files[i];
    qsort (take, n_take, sizeof *take, s_cmp);
    for (size_t k = 0; k < n_take; k++)
        if (s_take (self, take[k]) == 0)
            take[k]->seen = false;          //  gone from the folder: forgotten below
        else
            take[k]->retry_at = s_now_ms () + S_RETRY_MS;
    free (take);
    free (ready);
    //  forget files that are gone
    size_t kept = 0;
    for (size_t i = 0; i < self->n_files; i++)
        if (self->files[i].seen)
            self->files[kept++] = self->files[i];
        else
            free (self->files[i].name);
    self->n_files = kept;
}

ml_spool_t *
ml_spool_new (const char *dir, ml_outbox_t *outbox, char *err, size_t errlen)
{
    if (s_prepare (dir)) {
        snprintf (err, errlen, "%s: cannot make the spool folder (with done/ and failed/): %s",
                  dir, strerror (errno));
        return NULL;
    }
    ml_spool_t *self = calloc (1, sizeof *self);
    if (!self || !(self->dir = strdup (dir))) {
        snprintf (err, errlen, "%s: out of memory", dir);
        free (self);
        return NULL;
    }
    self->outbox = outbox;
    return self;
}

void
ml_spool_destroy (ml_spool_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ml_spool_t *self = *self_p;
    for (size_t i = 0; i < self->n_files; i++)
        free (self->files[i].name);
    free (self->files);
    free (self->dir);
    free (self);
    *self_p = NULL;
}
