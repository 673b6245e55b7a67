/* client_report.c -- massline report ... (being written). */
#include "ml_client.h"
#include "ml_log.h"

int
ml_client_report (int argc, char **argv, const char *config)
{
    (void) argc;
    (void) argv;
    (void) config;
    ml_die_msg ("report: not available yet");
    return 1;
}
