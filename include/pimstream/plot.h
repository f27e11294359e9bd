/* pimstream plot: pictures of sweeps and of runs, drawn with PLplot
 * (SVG or PNG by the output's extension).
 *
 * A sweep's results.csv is read back as a table (RFC 4180, a header row,
 * every row as wide); `pim_plot_sweep` draws one field against another,
 * one line (or group of bars) per value of a grouping key, and can mark
 * the Pareto front of two fields to minimise. `pim_plot_run` draws a
 * run's energy breakdown as stacked bars and its per-layer cycles
 * coloured by the bound that limits each layer. */
#ifndef PIMSTREAM_PLOT_H
#define PIMSTREAM_PLOT_H

#include "pimstream/run.h"

typedef struct {
    char **names; /* the header */
    uint32_t ncols;
    char **cells; /* row-major, nrows x ncols */
    uint64_t nrows;
} pim_table;

pim_status pim_table_from_csv(const char *text, size_t len, const char *origin, pim_table *out,
                              pim_error *err);
pim_status pim_table_load(const char *path, pim_table *out, pim_error *err);
void pim_table_free(pim_table *t);
int pim_table_column(const pim_table *t, const char *name); /* -1: none */

typedef struct {
    const char *x, *y;               /* column names */
    const char *group;               /* NULL: one series */
    const char *pareto_x, *pareto_y; /* both or neither: mark the front (lower is better) */
    int bars;                        /* bars instead of lines (x taken as categories) */
    int log_x, log_y;                /* log scales (every value must be > 0) */
} pim_plot_opts;

/* Draw into `fp` (a FILE* opened for writing); `format` "svg" or "png". */
pim_status pim_plot_sweep(const pim_table *t, const pim_plot_opts *o, void *fp, const char *format,
                          pim_error *err);
pim_status pim_plot_run(const pim_model *m, const pim_run_result *r, void *fp, const char *format,
                        pim_error *err);

/* Several runs side by side (compare): each one's energy as a stacked bar,
 * and each one's cycles; labels[i] names run i under its bars. */
pim_status pim_plot_runs(const pim_run_result *const *runs, const char *const *labels, uint32_t n,
                         void *fp, const char *format, pim_error *err);

/* The output format an output path asks for ("svg", "png"), or NULL. */
const char *pim_plot_format(const char *path);

/* The Pareto front of points (x[i], y[i]), both minimised: on_front[i] is
 * 1 when no other point is at least as good in both and better in one. */
void pim_pareto_front(const double *x, const double *y, uint64_t n, uint8_t *on_front);

#endif
