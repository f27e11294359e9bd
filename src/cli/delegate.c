/* pimstream (the lean binary): plots and MPI sweeps run in pimstream-full.
 *
 * PLplot and OpenMPI bring some twenty shared libraries; loading them took
 * about 9 ms of every start, more than a whole small run. So the pimstream
 * most commands run links neither, and a command that draws (plot, or
 * --plot) or runs under an MPI launcher is handed, with its arguments as
 * given, to pimstream-full beside it, built from the same sources with
 * both. Only this file and full.c differ between the two. */
#include "cli.h"
#include "pimstream/plot.h"
#include "pimstream/sweep.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Does the command need PLplot or MPI? */
static int needs_full(int argc, char **argv)
{
    if (strcmp(argv[1], "plot") == 0)
        return 1;
    if (strcmp(argv[1], "sweep") == 0 && pim_sweep_mpi_launched())
        return 1;
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--plot") == 0)
            return 1;
    return 0;
}

int cli_delegate(int argc, char **argv)
{
    if (argc < 2 || !needs_full(argc, argv))
        return -1;
    char path[PIM_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - sizeof "pimstream-full");
    char *slash = NULL;
    if (n > 0) {
        path[n] = '\0';
        slash = strrchr(path, '/');
    }
    if (!slash) {
        fprintf(stderr, "pimstream: cannot find this program's directory to run "
                        "pimstream-full (plots and MPI sweeps live there)\n");
        return 1;
    }
    strcpy(slash + 1, "pimstream-full");
    execv(path, argv);
    fprintf(stderr,
            "pimstream: %s: %s (plots and MPI sweeps run in pimstream-full, built beside "
            "pimstream by make)\n",
            path, strerror(errno));
    return 1;
}

/* cli_delegate hands every command that reaches these to pimstream-full
 * first; they answer only if that test and the commands ever disagree. */
static pim_status elsewhere(pim_error *err)
{
    return pim_fail(err, PIM_EINTERNAL,
                    "this pimstream links no PLplot or MPI; pimstream-full does (run it)");
}

const char *pim_plot_format(const char *path)
{
    (void)path;
    return NULL;
}

pim_status pim_plot_sweep(const pim_table *t, const pim_plot_opts *o, void *fp, const char *format,
                          pim_error *err)
{
    (void)t, (void)o, (void)fp, (void)format;
    return elsewhere(err);
}

pim_status pim_plot_run(const pim_model *m, const pim_run_result *r, void *fp, const char *format,
                        pim_error *err)
{
    (void)m, (void)r, (void)fp, (void)format;
    return elsewhere(err);
}

pim_status pim_plot_runs(const pim_run_result *const *runs, const char *const *labels, uint32_t n,
                         void *fp, const char *format, pim_error *err)
{
    (void)runs, (void)labels, (void)n, (void)fp, (void)format;
    return elsewhere(err);
}

int pim_sweep_mpi_built(void)
{
    return 0;
}

pim_status pim_sweep_run_mpi(const pim_sweep *s, const pim_sweep_opts *o, pim_sweep_eval eval,
                             void *ctx, pim_sweep_stats *st, int *rank, pim_error *err)
{
    (void)s, (void)o, (void)eval, (void)ctx, (void)st;
    *rank = 0;
    return elsewhere(err);
}
