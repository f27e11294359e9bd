/* pimstream plot: one run's picture (see plot.h): where the energy went,
 * as a stacked bar, where the macros' time went (runs of a plan), and what
 * each layer added to the run's time, coloured by the bound that limits
 * the layer. */
#include "pimstream/plot.h"

#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <string.h>

#include "plot_internal.h"

/* Parts under 1% of the total go together as "other" (a legend of thirty
 * slivers reads as noise). */
#define SMALL_PART 0.01
#define PARTS_MAX 12

static int chosen_parts(const pim_run_result *const *runs, uint32_t n, int *parts);

/* One stacked bar of n shares (fractions of a whole, in order), each
 * named with its percentage in the legend: the panel both the energy
 * and the macro time are drawn in. */
static void share_panel(PLINT n, const double *share, const char *const *name, const PLINT *colors,
                        const char *ylabel, const char *title)
{
    char labels[PARTS_MAX + 1][96];
    const char *text[PARTS_MAX + 1];
    double base = 0;
    pladv(0);
    plvpor(0.1, 0.62, 0.12, 0.86);
    plwind(-0.6, 0.6, 0, 100);
    plot_axes("bc", "bcnstv");
    for (PLINT k = 0; k < n; k++) {
        snprintf(labels[k], sizeof labels[k], "%s %.1f%%", name[k], 100 * share[k]);
        text[k] = labels[k];
        double top = fmin(base + share[k], 1);
        plot_bar(-0.3, 0.3, 100 * base, 100 * top, colors[k]);
        base = top;
    }
    plot_legend(n, text, colors);
    plcol0(PLOT_INK);
    pllab("", ylabel, title);
}

static void energy_panel(const pim_run_result *r)
{
    double total = r->energy.total > 0 ? r->energy.total : 1, sum = 0;
    double share[PARTS_MAX + 1];
    const char *name[PARTS_MAX + 1];
    int parts[PARTS_MAX];
    PLINT n = chosen_parts(&r, 1, parts), colors[PARTS_MAX + 1];
    for (PLINT k = 0; k < n; k++) {
        share[k] = r->energy.part[parts[k]] / total;
        name[k] = pim_energy_part_name(parts[k]);
        colors[k] = PLOT_FIRST_SERIES + k % PLOT_SERIES_COLORS;
        sum += share[k];
    }
    if (1 - sum >= 0.0005) { /* shown as at least 0.1% */
        share[n] = 1 - sum;
        name[n] = "other parts";
        colors[n++] = PLOT_GRID;
    }
    char title[160];
    snprintf(title, sizeof title, "energy: %.4g %s in all, by part",
             r->energy.total >= 1e9 ? r->energy.total * 1e-9 : r->energy.total * 1e-6,
             r->energy.total >= 1e9 ? "mJ" : "uJ");
    share_panel(n, share, name, colors, "share of the run's energy (%)", title);
}

/* Where the macros' time went (pim_run_result.macro_time): its five
 * parts in a fixed order and colours, so pictures of different runs
 * compare at a glance. */
static void macro_time_panel(const pim_run_result *r)
{
    const double share[5] = {r->macro_time.compute, r->macro_time.write, r->macro_time.overhead,
                             r->macro_time.wait, r->macro_time.idle};
    static const char *const name[5] = {"computing", "writing", "overhead", "waiting with a tile",
                                        "without a tile"};
    const PLINT colors[5] = {PLOT_FIRST_SERIES + 1, PLOT_FIRST_SERIES, PLOT_FIRST_SERIES + 3,
                             PLOT_FIRST_SERIES + 2, PLOT_GRID};
    char title[160];
    snprintf(title, sizeof title, "macro time: %u macros x %llu cycles", r->plan.macros,
             (unsigned long long)r->sim.cycles);
    share_panel(5, share, name, colors, "share of the macros' time (%)", title);
}

static int bound_color(const char *bound)
{
    return strcmp(bound, "bandwidth") == 0 ? PLOT_FIRST_SERIES
           : strcmp(bound, "macro") == 0   ? PLOT_FIRST_SERIES + 1
                                           : PLOT_FIRST_SERIES + 2;
}

static void layer_panel(const pim_model *m, const pim_run_result *r)
{
    double most = 1;
    for (uint32_t i = 0; i < m->count; i++)
        most = (double)r->layers[i].cycles > most ? (double)r->layers[i].cycles : most;
    pladv(0);
    plvpor(0.1, 0.62, 0.14, 0.86);
    plwind(-0.5, m->count - 0.5, 0, most * 1.05);
    plot_axes("bcnst", "bcnstv");
    for (uint32_t i = 0; i < m->count; i++)
        if (r->layers[i].cycles)
            plot_bar(i - 0.4, i + 0.4, 0, (double)r->layers[i].cycles,
                     bound_color(r->layers[i].bound));
    const char *text[3] = {"bandwidth-bound", "macro-bound", "digital-bound"};
    PLINT colors[3] = {PLOT_FIRST_SERIES, PLOT_FIRST_SERIES + 1, PLOT_FIRST_SERIES + 2};
    plot_legend(3, text, colors);
    char title[200];
    snprintf(title, sizeof title, "cycles each layer adds to the run (%llu in all)",
             (unsigned long long)r->sim.cycles);
    plcol0(PLOT_INK);
    pllab("layer (index, in the model's order)", "cycles", title);
}

pim_status pim_plot_run(const pim_model *m, const pim_run_result *r, void *fp, const char *format,
                        pim_error *err)
{
    if (!plot_begin(fp, format, r->macro_time.known ? 3 : 2))
        return pim_fail(err, PIM_EINTERNAL, "plot: cannot open the output stream");
    energy_panel(r);
    if (r->macro_time.known)
        macro_time_panel(r);
    layer_panel(m, r);
    plend();
    return PIM_OK;
}

/* ---- several runs ----------------------------------------------------------- */

/* The parts worth a colour: at least SMALL_PART of some run's energy, the
 * largest first, at most PARTS_MAX; the rest are "other". */
static int chosen_parts(const pim_run_result *const *runs, uint32_t n, int *parts)
{
    double share[PIM_E_PARTS] = {0};
    for (uint32_t k = 0; k < n; k++)
        for (int i = 0; i < PIM_E_PARTS; i++) {
            double v =
                runs[k]->energy.total > 0 ? runs[k]->energy.part[i] / runs[k]->energy.total : 0;
            share[i] = v > share[i] ? v : share[i];
        }
    int count = 0;
    while (count < PARTS_MAX) {
        int best = -1;
        for (int i = 0; i < PIM_E_PARTS; i++)
            if (share[i] >= SMALL_PART && (best < 0 || share[i] > share[best]))
                best = i;
        if (best < 0)
            break;
        parts[count++] = best;
        share[best] = 0;
    }
    return count;
}

static void run_labels(const char *const *labels, uint32_t n)
{
    plcol0(PLOT_INK);
    plschr(0, n > 12 ? 0.6 : 0.8);
    for (uint32_t k = 0; k < n; k++)
        plmtex("bv", 0.6, (k + 0.5) / n, 1.0, labels[k]);
    plschr(0, 0.85);
}

static void runs_energy_panel(const pim_run_result *const *runs, const char *const *labels,
                              uint32_t n)
{
    int parts[PARTS_MAX];
    int np = chosen_parts(runs, n, parts);
    double most = 0, rest = 0;
    for (uint32_t k = 0; k < n; k++) {
        most = runs[k]->energy.total > most ? runs[k]->energy.total : most;
        double listed = 0;
        for (int j = 0; j < np; j++)
            listed += runs[k]->energy.part[parts[j]];
        rest = runs[k]->energy.total - listed > rest ? runs[k]->energy.total - listed : rest;
    }
    int shown = np + (rest >= 0.001 * most ? 1 : 0); /* "other" when it shows */
    most = most > 0 ? most * 1e-6 : 1;
    pladv(0);
    plvpor(0.1, 0.66, 0.34, 0.9);
    plwind(-0.5, n - 0.5, 0, most * 1.05);
    plot_axes("bc", "bcnstv");
    for (uint32_t k = 0; k < n; k++) {
        double base = 0;
        for (int j = 0; j < np; j++) {
            double v = runs[k]->energy.part[parts[j]] * 1e-6;
            plot_bar(k - 0.35, k + 0.35, base, base + v,
                     PLOT_FIRST_SERIES + j % PLOT_SERIES_COLORS);
            base += v;
        }
        plot_bar(k - 0.35, k + 0.35, base, runs[k]->energy.total * 1e-6, PLOT_GRID);
    }
    run_labels(labels, n);
    const char *text[PARTS_MAX + 1];
    PLINT colors[PARTS_MAX + 1];
    for (int j = 0; j < shown; j++) {
        text[j] = j < np ? pim_energy_part_name(parts[j]) : "other parts";
        colors[j] = j < np ? PLOT_FIRST_SERIES + j % PLOT_SERIES_COLORS : PLOT_GRID;
    }
    plot_legend(shown, text, colors);
    plcol0(PLOT_INK);
    pllab("", "energy (uJ)", "energy of each run, by part");
}

static void runs_cycles_panel(const pim_run_result *const *runs, const char *const *labels,
                              uint32_t n)
{
    double most = 1;
    for (uint32_t k = 0; k < n; k++)
        most = (double)runs[k]->sim.cycles > most ? (double)runs[k]->sim.cycles : most;
    pladv(0);
    plvpor(0.1, 0.66, 0.34, 0.9);
    plwind(-0.5, n - 0.5, 0, most * 1.05);
    plot_axes("bc", "bcnstv");
    for (uint32_t k = 0; k < n; k++)
        plot_bar(k - 0.35, k + 0.35, 0, (double)runs[k]->sim.cycles, PLOT_FIRST_SERIES);
    run_labels(labels, n);
    plcol0(PLOT_INK);
    pllab("", "cycles", "cycles of each run");
}

pim_status pim_plot_runs(const pim_run_result *const *runs, const char *const *labels, uint32_t n,
                         void *fp, const char *format, pim_error *err)
{
    if (!n)
        return pim_fail(err, PIM_EINPUT, "plot: no runs to draw");
    if (!plot_begin(fp, format, 2))
        return pim_fail(err, PIM_EINTERNAL, "plot: cannot open the output stream");
    runs_energy_panel(runs, labels, n);
    runs_cycles_panel(runs, labels, n);
    plend();
    return PIM_OK;
}
