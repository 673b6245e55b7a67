/* test_keys.c -- key files: generation, mode 0600 enforcement, refusing to overwrite. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ml_err.h"
#include "ml_keys.h"
#include "ml_test.h"

TestSuite (keys, .init = t_dir_setup, .fini = t_dir_teardown);

Test (keys, write_then_read_back)
{
    char path[300], pub[ML_KEY_LEN + 1], pub2[ML_KEY_LEN + 1], sec[ML_KEY_LEN + 1];
    char err[512] = "";
    const char *prefix = t_path ("agent");
    cr_assert_eq (ml_keys_write (prefix, pub, err, sizeof err), 0, "%s", err);
    cr_assert (ml_key_is_z85 (pub));
    snprintf (path, sizeof path, "%s.key", prefix);
    struct stat st;
    cr_assert_eq (stat (path, &st), 0);
    cr_assert_eq (st.st_mode & 0777, 0600);
    cr_assert_eq (ml_key_read_secret (path, sec, err, sizeof err), 0, "%s", err);
    cr_assert_str_neq (sec, pub);
    snprintf (path, sizeof path, "%s.pub", prefix);
    cr_assert_eq (ml_key_read_public (path, pub2, err, sizeof err), 0, "%s", err);
    cr_assert_str_eq (pub, pub2);
}

Test (keys, refuses_to_overwrite)
{
    char err[512] = "";
    const char *prefix = t_path ("c");
    cr_assert_eq (ml_keys_write (prefix, NULL, err, sizeof err), 0);
    cr_assert_eq (ml_keys_write (prefix, NULL, err, sizeof err), ML_EEXIST);
    cr_assert (strstr (err, "already exists"), "%s", err);
}

Test (keys, world_readable_secret_is_refused)
{
    char path[300], sec[ML_KEY_LEN + 1], err[512] = "", want[1024];
    const char *prefix = t_path ("w");
    cr_assert_eq (ml_keys_write (prefix, NULL, err, sizeof err), 0);
    snprintf (path, sizeof path, "%s.key", prefix);
    cr_assert_eq (chmod (path, 0644), 0);
    cr_assert_eq (ml_key_read_secret (path, sec, err, sizeof err), ML_EPERM);
    snprintf (want, sizeof want, "%s: secret key is accessible by others (mode 0644); run chmod 600 %s", path, path);
    cr_assert_str_eq (err, want);
}

Test (keys, z85_shape)
{
    cr_assert (ml_key_is_z85 ("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"));
    cr_assert_not (ml_key_is_z85 ("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf"));
    cr_assert_not (ml_key_is_z85 ("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]y~7"));
    cr_assert_not (ml_key_is_z85 (NULL));
}
