/* ml_err.c -- messages for ml_err_t. */
#include "ml_err.h"

#include <errno.h>
#include <lmdb.h>

const char *
ml_strerror (int code)
{
    switch (code) {
        case ML_OK:        return "success";
        case ML_EINVAL:    return "invalid input";
        case ML_ENOMEM:    return "out of memory";
        case ML_EIO:       return "input/output error";
        case ML_ENOTFOUND: return "not found";
        case ML_EEXIST:    return "already exists";
        case ML_ECONFLICT: return "conflicts with an existing record";
        case ML_EPROTO:    return "protocol error";
        case ML_EPERM:     return "permission denied";
        case ML_ETIMEDOUT: return "timed out";
        case ML_EFULL:     return "storage full";
        case ML_EDUP:      return "duplicate";
        default:           return "unknown error";
    }
}

int
ml_err_from_mdb (int rc)
{
    switch (rc) {
        case 0:             return ML_OK;
        case MDB_NOTFOUND:  return ML_ENOTFOUND;
        case MDB_MAP_FULL:
        case MDB_TXN_FULL:
        case ENOSPC:
        case EDQUOT:
        case EFBIG:         return ML_EFULL;     //  the file size limit (ulimit -f)
        case ENOMEM:        return ML_ENOMEM;
        default:            return ML_EIO;
    }
}
