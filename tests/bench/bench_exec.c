/* bench_exec.c -- runs a command N times and prints the median and p99 of its wall-clock time.
     bench_exec N COMMAND [ARGS...]     ("{}" in an argument is replaced by the run number)
   Prints: "exec runs=N median_ms=M p99_ms=P max_ms=X". Exits 1 if any run fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

static int
s_cmp (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

int
main (int argc, char **argv)
{
    if (argc < 3) {
        fprintf (stderr, "usage: bench_exec N COMMAND [ARGS...]\n");
        return 2;
    }
    int runs = atoi (argv[1]);
    double *ms = calloc (runs, sizeof *ms);
    char **args = calloc (argc, sizeof *args);
    for (int r = 0; r < runs; r++) {
        for (int i = 2; i < argc; i++) {
            const char *mark = strstr (argv[i], "{}");
            if (!mark) {
                args[i - 2] = argv[i];
                continue;
            }
            char *arg = malloc (strlen (argv[i]) + 16);
            sprintf (arg, "%.*s%d%s", (int) (mark - argv[i]), argv[i], r, mark + 2);
            args[i - 2] = arg;
        }
        struct timespec t0, t1;
        clock_gettime (CLOCK_MONOTONIC, &t0);
        pid_t pid = fork ();
        if (pid == 0) {
            int null = open ("/dev/null", 1);
            dup2 (null, 1);
            execv (args[0], args);
            _exit (127);
        }
        int status;
        waitpid (pid, &status, 0);
        clock_gettime (CLOCK_MONOTONIC, &t1);
        ms[r] = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
        if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
            fprintf (stderr, "bench_exec: run %d failed (status %d)\n", r, status);
            return 1;
        }
        for (int i = 2; i < argc; i++)
            if (args[i - 2] != argv[i])
                free (args[i - 2]);
    }
    qsort (ms, runs, sizeof *ms, s_cmp);
    int p99 = (int) (runs * 0.99 + 0.5) - 1;
    printf ("exec runs=%d median_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", runs, ms[runs / 2],
            ms[p99 < 0 ? 0 : p99], ms[runs - 1]);
    free (ms);
    free (args);
    return 0;
}
