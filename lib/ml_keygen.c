/* ml_keygen.c -- generating a CURVE key pair into key files (ml_keys.h): the one part of the
   key files that needs libzmq, kept apart so that programs that only read keys (massline-agent)
   do not link it. */
#include "ml_keys.h"
#include "ml_err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

//  Writes TEXT and a newline to a new file PATH with MODE; fails if it exists.
static int
s_write_new (const char *path, const char *text, mode_t mode, char *err, size_t errlen)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0) {
        snprintf (err, errlen, "%s: cannot create: %s", path, strerror (errno));
        return errno == EEXIST ? ML_EEXIST : ML_EIO;
    }
    fchmod (fd, mode);   //  not subject to the umask
    size_t len = strlen (text);
    int ok = write (fd, text, len) == (ssize_t) len && write (fd, "\n", 1) == 1 && fsync (fd) == 0;
    ok = close (fd) == 0 && ok;
    if (!ok) {
        snprintf (err, errlen, "%s: cannot write: %s", path, strerror (errno));
        unlink (path);
        return ML_EIO;
    }
    return ML_OK;
}

int
ml_keys_write (const char *prefix, char *pub, char *err, size_t errlen)
{
    char public_key[ML_KEY_LEN + 1], secret_key[ML_KEY_LEN + 1];
    if (zmq_curve_keypair (public_key, secret_key) != 0) {
        snprintf (err, errlen, "cannot generate a CURVE key pair: %s", zmq_strerror (zmq_errno ()));
        return ML_EIO;
    }
    char pub_path[4096], key_path[4096];
    snprintf (pub_path, sizeof pub_path, "%s.pub", prefix);
    snprintf (key_path, sizeof key_path, "%s.key", prefix);
    if (access (pub_path, F_OK) == 0 || access (key_path, F_OK) == 0) {
        snprintf (err, errlen, "%s.pub or %s.key already exists; not overwriting", prefix, prefix);
        return ML_EEXIST;
    }
    int rc = s_write_new (key_path, secret_key, 0600, err, errlen);
    if (rc == ML_OK) {
        rc = s_write_new (pub_path, public_key, 0644, err, errlen);
        if (rc)
            unlink (key_path);
    }
    if (rc == ML_OK && pub)
        memcpy (pub, public_key, ML_KEY_LEN + 1);
    memset (secret_key, 0, sizeof secret_key);
    return rc;
}
