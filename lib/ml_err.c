/* ml_err.c -- messages for ml_err_t. */
#include "ml_err.h"


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
