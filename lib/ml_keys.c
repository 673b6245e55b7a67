/* ml_keys.c -- CURVE key files: Z85 text, one key per file, secret keys mode 0600. */
#include "ml_keys.h"
#include "ml_err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

bool
ml_key_is_z85 (const char *s)
{
    static const char z85[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
    if (!s || strlen (s) != ML_KEY_LEN)
        return false;
    for (const char *p = s; *p; p++)
        if (!strchr (z85, *p))
            return false;
    return true;
}

static int
s_read_key (const char *path, char *out, char *err, size_t errlen)
{
    FILE *file = fopen (path, "r");
    if (!file) {
        snprintf (err, errlen, "%s: cannot open: %s", path, strerror (errno));
        return ML_EIO;
    }
    char line[128] = "";
    if (!fgets (line, sizeof line, file))
        line[0] = 0;
    fclose (file);
    line[strcspn (line, "\r\n")] = 0;
    if (!ml_key_is_z85 (line)) {
        snprintf (err, errlen, "%s: not a 40-character Z85 key", path);
        return ML_EINVAL;
    }
    memcpy (out, line, ML_KEY_LEN + 1);
    return ML_OK;
}

int
ml_key_read_public (const char *path, char *out, char *err, size_t errlen)
{
    return s_read_key (path, out, err, errlen);
}

int
ml_key_read_secret (const char *path, char *out, char *err, size_t errlen)
{
    struct stat st;
    if (stat (path, &st) != 0) {
        snprintf (err, errlen, "%s: cannot open: %s", path, strerror (errno));
        return ML_EIO;
    }
    if (st.st_mode & 077) {
        snprintf (err, errlen, "%s: secret key is accessible by others (mode %04o); run chmod 600 %s",
                  path, (unsigned) (st.st_mode & 07777), path);
        return ML_EPERM;
    }
    return s_read_key (path, out, err, errlen);
}
