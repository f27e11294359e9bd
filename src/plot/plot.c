/* pimstream plot: sweeps and runs drawn with PLplot (see plot.h).
 *
 * PLplot keeps its drawing state in the library, so pictures are drawn
 * one at a time by the command (never from a sweep's threads). Every
 * value is checked before PLplot sees it: PLplot's own errors end the
 * process. */
#include "pimstream/plot.h"

#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot_internal.h"

#define WIDTH 960
#define HEIGHT 600
#define SERIES_MAX 12

/* colour map 0: background, ink, then the series (Tableau 10, a palette
 * chosen to stay apart for the common colour-vision deficiencies) */
static const unsigned char PALETTE[][3] = {
    {255, 255, 255}, {30, 30, 30},    {31, 119, 180},  {255, 127, 14},  {44, 160, 44},
    {214, 39, 40},   {148, 103, 189}, {140, 86, 75},   {227, 119, 194}, {127, 127, 127},
    {188, 189, 34},  {23, 190, 207},  {174, 199, 232}, {255, 187, 120}, {200, 200, 200}};
enum { INK = PLOT_INK, FIRST_SERIES = PLOT_FIRST_SERIES, GRID = PLOT_GRID };

const char *pim_plot_format(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot && strcmp(dot, ".svg") == 0)
        return "svg";
    if (dot && strcmp(dot, ".png") == 0)
        return "png";
    return NULL;
}

int plot_begin(void *fp, const char *format, int panels)
{
    /* plend closes the stream it was given: it gets its own, on a
     * duplicate of the caller's descriptor (which the caller commits) */
    fflush(fp);
    int fd = dup(fileno(fp));
    FILE *own = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!own) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    plsdev(strcmp(format, "svg") == 0 ? "svg" : "pngcairo");
    plsfile(own);
    plspage(0, 0, WIDTH, panels > 1 ? HEIGHT * (panels + 1) / 2 : HEIGHT, 0, 0);
    plscmap0n((PLINT)(sizeof PALETTE / sizeof PALETTE[0]));
    for (int i = 0; i < (int)(sizeof PALETTE / sizeof PALETTE[0]); i++)
        plscol0(i, PALETTE[i][0], PALETTE[i][1], PALETTE[i][2]);
    plssub(1, panels);
    plinit();
    plschr(0, 0.85);
    return 1;
}

void plot_axes(const char *xopt, const char *yopt)
{
    char grid_x[16], grid_y[16];
    snprintf(grid_x, sizeof grid_x, "g%s", strchr(xopt, 'l') ? "l" : "");
    snprintf(grid_y, sizeof grid_y, "g%s", strchr(yopt, 'l') ? "l" : "");
    plcol0(GRID);
    plwidth(1);
    plbox(strchr(xopt, 'n') ? grid_x : "", 0, 0, grid_y, 0, 0);
    plcol0(INK);
    plbox(xopt, 0, 0, yopt, 0, 0);
}

void plot_bar(double x0, double x1, double y0, double y1, int color)
{
    PLFLT xs[4] = {x0, x0, x1, x1}, ys[4] = {y0, y1, y1, y0};
    plcol0(color);
    plfill(4, xs, ys);
}

void plot_legend(PLINT n, const char **text, const PLINT *colors)
{
    PLFLT w, h, scales[32], widths[32];
    PLINT opt[32], patterns[32], ink[32];
    for (PLINT i = 0; i < n && i < 32; i++) {
        opt[i] = PL_LEGEND_COLOR_BOX;
        patterns[i] = 0;
        scales[i] = 0.8;
        widths[i] = 1;
        ink[i] = INK; /* the boxes carry the colour; the text stays readable */
    }
    pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             PL_POSITION_RIGHT | PL_POSITION_OUTSIDE | PL_POSITION_VIEWPORT, 0.02, 0.0, 0.05, 0,
             INK, 1, 0, 0, n < 32 ? n : 32, opt, 1.0, 0.9, 2.0, 0.0, ink, text, colors, patterns,
             scales, widths, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
}

/* Axis labels with their units, for the fields sweeps and runs report. */
static const char *label_of(const char *name)
{
    static const char *const known[][2] = {
        {"cycles", "cycles"},
        {"seconds", "latency (s)"},
        {"inferences_per_second", "throughput (inferences/s)"},
        {"energy_pj", "energy (pJ)"},
        {"edp_js", "energy-delay product (J s)"},
        {"area_mm2", "area (mm#u2#d)"},
        {"efficiency", "efficiency (fraction of the tight bound)"},
        {"offchip_bytes", "off-chip traffic (bytes)"},
        {"partitions", "partitions"},
        {"bandwidth", "off-chip bandwidth (bytes/cycle)"},
        {"batch", "batch (inputs)"},
        {"chip.cores", "cores"},
        {"chip.core.macros", "macros per core"},
        {"chip.analog.adc_bits", "ADC resolution (bits)"},
        {"schedule.macros", "macros in use"},
        {"schedule.vectors_per_load", "vectors per load"},
        /* map */
        {"edp", "energy-delay product (pJ cycles)"},
        {"fj_per_mac", "energy per MAC (fJ)"},
        {"area_um2", "area (#gmm#u2#d)"},
        {"macs", "MACs"},
        {"mappings_considered", "mappings considered"},
        {"stopped_shapes", "layer shapes the budget stopped"},
        /* noc */
        {"rate", "injection rate (packets/node/cycle)"},
        {"completion_cycles", "completion (cycles)"},
        {"latency_avg", "average packet latency (cycles)"},
        {"latency_max", "largest packet latency (cycles)"},
        {"hops_avg", "average hops"},
        {"accepted_flits_per_node_per_cycle", "accepted throughput (flits/node/cycle)"},
        {"bound_flits_per_node_per_cycle", "channel-load bound (flits/node/cycle)"},
        {"max_link_utilization", "busiest link's utilization (fraction)"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(name, known[i][0]) == 0)
            return known[i][1];
    return name;
}

/* ---- reading the table's columns -------------------------------------------- */

static int parse_number(const char *s, double *out)
{
    char *end;
    if (!*s)
        return 0;
    *out = strtod(s, &end);
    return *end == '\0' && isfinite(*out);
}

static pim_status need_column(const pim_table *t, const char *name, const char *flag, int *col,
                              pim_error *err)
{
    *col = pim_table_column(t, name);
    if (*col >= 0)
        return PIM_OK;
    char list[1024] = "";
    for (uint32_t i = 0; i < t->ncols && strlen(list) < sizeof list - 80; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                 t->names[i]);
    return pim_fail(err, PIM_EINPUT, "%s %s: no such column (the table has: %s)", flag, name, list);
}

typedef struct {
    uint64_t row;
    double x, y, px, py;
    uint32_t group, category;
    uint8_t front;
} point;

typedef struct {
    point *pts;
    uint64_t n, skipped;
    char *groups[SERIES_MAX];
    uint32_t ngroups;
    char **categories;
    uint32_t ncategories;
    int numeric_x;
} series_set;

/* The plot's right edge (a fraction of the page): the legend to its right
 * needs room for its longest label (about 1.2% of the page per character
 * at the legend's text size). */
static double legend_room(const series_set *s)
{
    size_t longest = 12; /* "Pareto front" */
    for (uint32_t g = 0; g < s->ngroups; g++)
        if (s->groups[g] && strlen(s->groups[g]) > longest)
            longest = strlen(s->groups[g]);
    double right = 0.74 - 0.012 * (double)(longest > 12 ? longest - 12 : 0);
    return right < 0.5 ? 0.5 : right;
}

static uint32_t intern(char **names, uint32_t *n, uint32_t cap, const char *v)
{
    for (uint32_t i = 0; i < *n; i++)
        if (strcmp(names[i], v) == 0)
            return i;
    if (*n == cap)
        return cap;
    names[*n] = (char *)v;
    return (*n)++;
}

static const char *cell(const pim_table *t, uint64_t row, int col)
{
    return t->cells[row * t->ncols + (uint32_t)col];
}

/* The rows that ran (no error, numbers where numbers are needed). */
static pim_status collect(const pim_table *t, const pim_plot_opts *o, series_set *s, pim_error *err)
{
    int cx, cy, cg = -1, cpx = -1, cpy = -1, cerr = pim_table_column(t, "error");
    pim_status st = need_column(t, o->x, "--x", &cx, err);
    if (!st)
        st = need_column(t, o->y, "--y", &cy, err);
    if (!st && o->group)
        st = need_column(t, o->group, "--group", &cg, err);
    if (!st && o->pareto_x)
        st = need_column(t, o->pareto_x, "--pareto", &cpx, err);
    if (!st && o->pareto_y)
        st = need_column(t, o->pareto_y, "--pareto", &cpy, err);
    if (st)
        return st;
    s->pts = calloc(t->nrows + 1, sizeof *s->pts);
    s->categories = calloc(t->nrows + 1, sizeof *s->categories);
    if (!s->pts || !s->categories)
        return pim_fail(err, PIM_EINTERNAL, "plot: out of memory");
    s->numeric_x = !o->bars;
    for (uint64_t r = 0; r < t->nrows; r++) {
        point p = {.row = r};
        if ((cerr >= 0 && *cell(t, r, cerr)) || !parse_number(cell(t, r, cy), &p.y) ||
            (cpx >= 0 && !parse_number(cell(t, r, cpx), &p.px)) ||
            (cpy >= 0 && !parse_number(cell(t, r, cpy), &p.py)) || !*cell(t, r, cx)) {
            s->skipped++;
            continue;
        }
        if (!parse_number(cell(t, r, cx), &p.x))
            s->numeric_x = 0;
        p.group = cg >= 0 ? intern(s->groups, &s->ngroups, SERIES_MAX, cell(t, r, cg)) : 0;
        if (cg < 0)
            s->ngroups = 1;
        if (p.group == SERIES_MAX)
            return pim_fail(err, PIM_EINPUT, "--group %s: more than %d values; plot fewer",
                            o->group, SERIES_MAX);
        p.category = intern(s->categories, &s->ncategories, (uint32_t)t->nrows, cell(t, r, cx));
        s->pts[s->n++] = p;
    }
    if (!s->n)
        return pim_fail(err, PIM_EINPUT, "plot: no row has numbers in %s and %s", o->x, o->y);
    return PIM_OK;
}

/* ---- the Pareto front ------------------------------------------------------- */

void pim_pareto_front(const double *x, const double *y, uint64_t n, uint8_t *on_front)
{
    for (uint64_t i = 0; i < n; i++) {
        on_front[i] = 1;
        for (uint64_t j = 0; j < n && on_front[i]; j++)
            if (j != i && x[j] <= x[i] && y[j] <= y[i] && (x[j] < x[i] || y[j] < y[i]))
                on_front[i] = 0;
    }
}

static pim_status mark_front(series_set *s, pim_error *err)
{
    double *x = calloc(s->n + 1, sizeof *x), *y = calloc(s->n + 1, sizeof *y);
    uint8_t *f = calloc(s->n + 1, 1);
    if (!x || !y || !f) {
        free(x), free(y), free(f);
        return pim_fail(err, PIM_EINTERNAL, "plot: out of memory");
    }
    for (uint64_t i = 0; i < s->n; i++) {
        x[i] = s->pts[i].px;
        y[i] = s->pts[i].py;
    }
    pim_pareto_front(x, y, s->n, f);
    for (uint64_t i = 0; i < s->n; i++)
        s->pts[i].front = f[i];
    free(x), free(y), free(f);
    return PIM_OK;
}

/* ---- drawing ---------------------------------------------------------------- */

static double axis_value(double v, int log)
{
    return log ? log10(v) : v;
}

/* A range with a margin; bars stand on zero. */
static void range_of(const series_set *s, int y, int log, int bars, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (uint64_t i = 0; i < s->n; i++) {
        double v = axis_value(y ? s->pts[i].y : s->pts[i].x, log);
        *lo = v < *lo ? v : *lo;
        *hi = v > *hi ? v : *hi;
    }
    if (!log && y && bars && *lo > 0)
        *lo = 0;
    double pad = (*hi - *lo) * 0.05;
    if (pad == 0)
        pad = fabs(*hi) * 0.1 + (log ? 0.1 : 1);
    *lo -= bars && *lo == 0 ? 0 : pad;
    *hi += pad;
}

/* Log scale where every value is positive and they span 20x or more (a
 * sweep of bandwidths or sizes usually doubles). */
static int wants_log(const series_set *s, int y)
{
    double lo = INFINITY, hi = 0;
    for (uint64_t i = 0; i < s->n; i++) {
        double v = y ? s->pts[i].y : s->pts[i].x;
        if (v <= 0)
            return 0;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    return hi / lo >= 20;
}

static int by_group_then_x(const void *a, const void *b)
{
    const point *p = a, *q = b;
    if (p->group != q->group)
        return p->group < q->group ? -1 : 1;
    return p->x < q->x ? -1 : p->x > q->x ? 1 : (p->row > q->row) - (p->row < q->row);
}

/* Lines (with markers) when every group has exactly one point at each x
 * the table has (a curve); else a cloud of points (the other swept keys
 * vary within a group, and a line through them would mean nothing). */
static int one_per_x(const series_set *s)
{
    for (uint64_t i = 1; i < s->n; i++)
        if (s->pts[i].group == s->pts[i - 1].group && s->pts[i].x == s->pts[i - 1].x)
            return 0;
    return s->n == (uint64_t)s->ngroups * s->ncategories;
}

static void legend(const series_set *s, const pim_plot_opts *o, int lines, int with_front)
{
    PLINT n = (PLINT)s->ngroups + (with_front ? 1 : 0), opt[SERIES_MAX + 1], colors[SERIES_MAX + 1],
          styles[SERIES_MAX + 1], patterns[SERIES_MAX + 1], numbers[SERIES_MAX + 1];
    PLFLT widths[SERIES_MAX + 1], scales[SERIES_MAX + 1], box_scales[SERIES_MAX + 1];
    const char *text[SERIES_MAX + 1], *symbols[SERIES_MAX + 1];
    char front_label[128], group_labels[SERIES_MAX][96];
    for (PLINT i = 0; i < n; i++) {
        int front = with_front && i == n - 1;
        opt[i] = o->bars ? PL_LEGEND_COLOR_BOX
                         : (lines && !front ? PL_LEGEND_LINE : 0) | PL_LEGEND_SYMBOL;
        colors[i] = front ? INK : FIRST_SERIES + i;
        styles[i] = 1;
        patterns[i] = 0;
        numbers[i] = 1;
        widths[i] = 2;
        scales[i] = front ? 1.6 : 1.0;
        box_scales[i] = 0.8;
        symbols[i] = front ? "○" : "•";
        /* the values alone: the title names the grouping and its units */
        if (front)
            snprintf(front_label, sizeof front_label, "Pareto front");
        else
            snprintf(group_labels[i], sizeof group_labels[i], "%.90s",
                     o->group ? s->groups[i] : o->y);
        text[i] = front ? front_label : group_labels[i];
    }
    PLFLT w, h;
    pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
             PL_POSITION_RIGHT | PL_POSITION_OUTSIDE | PL_POSITION_VIEWPORT, 0.02, 0.0, 0.06, 0,
             INK, 1, 0, 0, n, opt, 1.0, 0.9, 2.0, 0.0, colors, text, colors, patterns, box_scales,
             widths, colors, styles, widths, colors, scales, numbers, symbols);
}

static void draw_lines(const series_set *s, int log_x, int log_y, int lines)
{
    PLFLT *x = malloc(s->n * sizeof *x), *y = malloc(s->n * sizeof *y);
    if (!x || !y) {
        free(x), free(y);
        return;
    }
    for (uint64_t i = 0; i < s->n;) {
        uint64_t j = i;
        PLINT k = 0;
        for (; j < s->n && s->pts[j].group == s->pts[i].group; j++, k++) {
            x[k] = axis_value(s->pts[j].x, log_x);
            y[k] = axis_value(s->pts[j].y, log_y);
        }
        plcol0(FIRST_SERIES + (PLINT)s->pts[i].group);
        plwidth(2);
        if (lines && k > 1)
            plline(k, x, y);
        plpoin(k, x, y, 17); /* Hershey's filled circle, centred like the ring */
        i = j;
    }
    free(x), free(y);
}

/* Rings around the front's points: drawn as arcs in world units (a font's
 * ring glyph does not sit centred on the point), round on the page. */
static void draw_front(const series_set *s, int log_x, int log_y, double xspan, double yspan)
{
    PLFLT xmin, xmax, ymin, ymax;
    plgvpd(&xmin, &xmax, &ymin, &ymax); /* the viewport's share of the page */
    double aspect = (xmax - xmin) * WIDTH / ((ymax - ymin) * HEIGHT);
    plcol0(INK);
    plwidth(1.5);
    for (uint64_t i = 0; i < s->n; i++)
        if (s->pts[i].front)
            plarc(axis_value(s->pts[i].x, log_x), axis_value(s->pts[i].y, log_y), 0.014 * xspan,
                  0.014 * yspan * aspect, 0, 360, 0, 0);
}

static void draw_bars(const series_set *s, double ylo)
{
    double slot = 0.8 / s->ngroups;
    for (uint64_t i = 0; i < s->n; i++) {
        const point *p = &s->pts[i];
        double x0 = p->category - 0.4 + slot * p->group;
        plot_bar(x0, x0 + slot * 0.9, ylo, p->y, FIRST_SERIES + (int)p->group);
    }
}

/* Category names under the bars (the x axis has no numbers then). */
static void category_labels(const series_set *s)
{
    plcol0(INK);
    for (uint32_t c = 0; c < s->ncategories; c++)
        plmtex("b", 1.2, (c + 0.5) / s->ncategories, 0.5, s->categories[c]);
}

pim_status pim_plot_sweep(const pim_table *t, const pim_plot_opts *o, void *fp, const char *format,
                          pim_error *err)
{
    series_set s = {0};
    pim_status st = collect(t, o, &s, err);
    if (!st && o->pareto_x)
        st = mark_front(&s, err);
    if (st) {
        free(s.pts);
        free(s.categories);
        return st;
    }
    int bars = o->bars || !s.numeric_x;
    if (!bars)
        qsort(s.pts, s.n, sizeof *s.pts, by_group_then_x);
    int log_x = !bars && (o->log_x || wants_log(&s, 0)), log_y = o->log_y || wants_log(&s, 1);
    for (uint64_t i = 0; i < s.n && !st; i++)
        if ((log_x && s.pts[i].x <= 0) || (log_y && s.pts[i].y <= 0))
            st = pim_fail(err, PIM_EINPUT,
                          "--log-%c: %s has a value of %g; a log axis needs every "
                          "value above 0",
                          log_x && s.pts[i].x <= 0 ? 'x' : 'y',
                          log_x && s.pts[i].x <= 0 ? o->x : o->y,
                          log_x && s.pts[i].x <= 0 ? s.pts[i].x : s.pts[i].y);
    if (st) {
        free(s.pts);
        free(s.categories);
        return st;
    }
    double xlo, xhi, ylo, yhi;
    range_of(&s, 1, log_y, bars, &ylo, &yhi);
    if (bars) {
        xlo = -0.5;
        xhi = s.ncategories - 0.5;
    } else {
        range_of(&s, 0, log_x, 0, &xlo, &xhi);
    }
    if (!plot_begin(fp, format, 1)) {
        free(s.pts);
        free(s.categories);
        return pim_fail(err, PIM_EINTERNAL, "plot: cannot open the output stream");
    }
    pladv(0);
    plvpor(0.11, legend_room(&s), 0.12, 0.86);
    plwind(xlo, xhi, ylo, yhi);
    char xopt[16], yopt[16];
    snprintf(xopt, sizeof xopt, "bc%s", bars ? "" : log_x ? "nstl" : "nst");
    snprintf(yopt, sizeof yopt, "bcnstv%s", log_y ? "l" : "");
    plot_axes(xopt, yopt);
    if (bars) {
        draw_bars(&s, ylo);
        category_labels(&s);
    } else {
        draw_lines(&s, log_x, log_y, one_per_x(&s));
    }
    if (o->pareto_x)
        draw_front(&s, log_x, log_y, xhi - xlo, yhi - ylo);
    plcol0(INK);
    char title[256];
    snprintf(title, sizeof title, "%s%s%s%llu points%s", o->group ? "by " : "",
             o->group ? label_of(o->group) : "", o->group ? ", " : "", (unsigned long long)s.n,
             s.skipped ? " (failed ones left out)" : "");
    pllab("", label_of(o->y), title);
    plmtex("b", bars ? 3.2 : 3.0, 0.5, 0.5, label_of(o->x));
    legend(&s, o, !bars && one_per_x(&s), o->pareto_x != NULL);
    plend();
    free(s.pts);
    free(s.categories);
    return PIM_OK;
}
