/* ml_err.h -- the one error enum of massline, and its messages. */
#ifndef ML_ERR_H
#define ML_ERR_H

//  Functions return 0 (ML_OK) or one of these negative codes.
typedef enum {
    ML_OK = 0,
    ML_EINVAL = -1,      //  bad input (a row, a value, a frame)
    ML_ENOMEM = -2,      //  out of memory
    ML_EIO = -3,         //  file system or LMDB failure
    ML_ENOTFOUND = -4,   //  no such thing
    ML_EEXIST = -5,      //  already there (refuses to overwrite)
    ML_ECONFLICT = -6,   //  same ref, different content
    ML_EPROTO = -7,      //  peer spoke a protocol we do not accept
    ML_EPERM = -8,       //  permissions (key mode, role)
    ML_ETIMEDOUT = -9,   //  gave up waiting
    ML_EFULL = -10,      //  LMDB map full or disk full
    ML_EDUP = -11,       //  exact duplicate (same ref, same content): not an error for callers that dedupe
} ml_err_t;

//  Returns a short English description of CODE (never NULL).
const char *ml_strerror (int code);

#endif
