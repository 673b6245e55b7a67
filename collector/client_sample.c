/* client_sample.c -- massline sample ... (being written). */
#include "ml_client.h"
#include "ml_log.h"

int
ml_client_sample (int argc, char **argv, const char *config)
{
    (void) argc;
    (void) argv;
    (void) config;
    ml_die_msg ("sample: not available yet");
    return 1;
}
