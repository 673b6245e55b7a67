/* ml_keys.h -- CURVE key files: generation, reading public keys, reading secret keys that must be 0600. */
#ifndef ML_KEYS_H
#define ML_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#define ML_KEY_LEN 40   //  Z85 text of a 32-byte CURVE key

//  True when S is exactly 40 Z85 characters.
bool ml_key_is_z85 (const char *s);

//  Writes PREFIX.pub (0644) and PREFIX.key (0600), each one line of Z85 text.
//  Refuses (ML_EEXIST) if either exists. Fills PUB (41 bytes) with the public key if not NULL.
//  (In ml_keygen.c: the only function here that needs libzmq.)
int ml_keys_write (const char *prefix, char *pub, char *err, size_t errlen);

//  Reads a public key file (first line, 40 Z85 chars) into OUT (41 bytes).
int ml_key_read_public (const char *path, char *out, char *err, size_t errlen);

//  Reads a secret key file into OUT (41 bytes). Fails with ML_EPERM and a message naming the
//  file and its mode when the file is readable or writable by group or others.
int ml_key_read_secret (const char *path, char *out, char *err, size_t errlen);

#endif
