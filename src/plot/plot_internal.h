/* Private to src/plot: the page, palette and pieces both pictures use. */
#ifndef PIMSTREAM_PLOT_INTERNAL_H
#define PIMSTREAM_PLOT_INTERNAL_H

#include <plplot.h>

/* colour map 0 indices: background, ink, the series, a light grey */
enum { PLOT_INK = 1, PLOT_FIRST_SERIES = 2, PLOT_SERIES_COLORS = 10, PLOT_GRID = 14 };

/* A page of `panels` panels, one above the other, written to fp. */
int plot_begin(void *fp, const char *format, int panels); /* 0: no stream */
/* A light grid, then the frame and ticks (PLplot plbox options). */
void plot_axes(const char *xopt, const char *yopt);
void plot_bar(double x0, double x1, double y0, double y1, int color);
/* A legend of n colour boxes (at most 32) right of the viewport. */
void plot_legend(PLINT n, const char **text, const PLINT *colors);

#endif
