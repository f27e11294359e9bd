/* pimstream report: Chrome trace-event JSON (opens in Perfetto), one
 * complete event per macro write and compute interval, streamed.
 *
 * Times are cycles (one trace "microsecond" per cycle) printed with every
 * digit a double needs, and each duration is chosen so that ts + dur reads
 * back as the interval's exact end: a compute never appears to overlap the
 * write that follows it. On a network, the busiest links get a track each
 * (process "network links"), showing the transfers that crossed them. */
#include "pimstream/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A duration d with t0 + d == t1 in double arithmetic, as a reader adds
 * them; t1 - t0 itself can be off by an ulp. */
static double exact_duration(double t0, double t1)
{
    double d = t1 - t0;
    for (int i = 0; i < 4 && t0 + d != t1; i++)
        d = nextafter(d, t0 + d < t1 ? INFINITY : -INFINITY);
    return d;
}

static void on_interval(void *ud, uint32_t macro, int writing, double t0, double t1, uint64_t bytes,
                        uint32_t layer)
{
    pim_trace *t = ud;
    const pim_trace_window *w = &t->window;
    if (t1 < w->from || t0 > w->to || layer < w->first_layer || layer > w->last_layer)
        return;
    pim_json *j = &t->json;
    pim_json_obj(j, NULL);
    pim_json_str(j, "name", writing ? "write" : "compute");
    pim_json_str(j, "ph", "X");
    pim_json_u64(j, "pid", macro / t->macros_per_core);
    pim_json_u64(j, "tid", macro % t->macros_per_core);
    pim_json_f64_exact(j, "ts", t0);
    pim_json_f64_exact(j, "dur", exact_duration(t0, t1));
    pim_json_obj(j, "args");
    if (writing)
        pim_json_u64(j, "bytes", bytes);
    pim_json_str(j, "layer", t->model->layers[layer].name);
    pim_json_end(j, '}');
    pim_json_end(j, '}');
    t->written++;
}

static void on_transfer(void *ud, uint32_t from, uint32_t to, double t0, double t1, double bytes,
                        uint32_t layer)
{
    pim_trace *t = ud;
    const pim_trace_window *w = &t->window;
    if (t1 < w->from || t0 > w->to || layer < w->first_layer || layer > w->last_layer || t->oom)
        return;
    if (!pim_grow((void **)&t->transfers, &t->cap, t->ntransfers, sizeof *t->transfers)) {
        t->oom = 1; /* the tracks are left out; the run goes on */
        return;
    }
    t->transfers[t->ntransfers++] = (pim_trace_transfer){from, to, layer, t0, t1, bytes};
}

void pim_trace_begin(pim_trace *t, FILE *f, const pim_model *m, uint32_t macros_per_core,
                     const pim_trace_window *window)
{
    t->transfers = NULL;
    t->ntransfers = t->cap = 0;
    t->oom = 0;
    t->model = m;
    t->macros_per_core = macros_per_core ? macros_per_core : 1;
    t->written = 0;
    t->window = window ? *window : (pim_trace_window){0, INFINITY, 0, UINT32_MAX};
    pim_json_init(&t->json, f, 0);
    pim_json_obj(&t->json, NULL);
    pim_json_str(&t->json, "displayTimeUnit", "ns");
    pim_json_obj(&t->json, "otherData");
    pim_json_str(&t->json, "time_unit", "cycles");
    pim_json_end(&t->json, '}');
    pim_json_arr(&t->json, "traceEvents");
    t->obs = (pim_sim_observer){t, on_interval, NULL, on_transfer, NULL};
}

/* The `tracks` links that carried the most bytes, most first. */
static uint32_t top_links(const pim_trace *t, const pim_noc *n, const double *bytes, uint32_t *top,
                          uint32_t tracks)
{
    uint32_t count = 0;
    for (uint32_t l = 0; l < n->nlinks; l++) {
        if (bytes[l] <= 0)
            continue;
        uint32_t at = count < tracks ? count++ : tracks;
        for (; at > 0 && bytes[top[at - 1]] < bytes[l]; at--)
            if (at < tracks)
                top[at] = top[at - 1];
        if (at < tracks)
            top[at] = l;
    }
    (void)t;
    return count;
}

/* Transfers that overlap in time on one link go to separate lanes (a
 * trace viewer nests, not overlaps, events of one track): link k's lane j
 * is track k * LANES + j. */
#define LANES 8

static void link_track_names(pim_trace *t, const pim_noc *n, const uint32_t *top, uint32_t count,
                             const unsigned char *used, uint32_t pid)
{
    pim_json *j = &t->json;
    pim_json_obj(j, NULL);
    pim_json_str(j, "name", "process_name");
    pim_json_str(j, "ph", "M");
    pim_json_u64(j, "pid", pid);
    pim_json_obj(j, "args");
    pim_json_str(j, "name", "network links (busiest)");
    pim_json_end(j, '}');
    pim_json_end(j, '}');
    for (uint32_t k = 0; k < count * LANES; k++) {
        if (k % LANES && !(used[k / LANES] >> (k % LANES) & 1))
            continue; /* a lane no transfer needed */
        char name[64];
        const pim_noc_link *l = &n->links[top[k / LANES]];
        snprintf(name, sizeof name, "link %u->%u (%s)%s", l->from, l->to,
                 pim_link_class_name(l->cls), k % LANES ? ", overlapping" : "");
        pim_json_obj(j, NULL);
        pim_json_str(j, "name", "thread_name");
        pim_json_str(j, "ph", "M");
        pim_json_u64(j, "pid", pid);
        pim_json_u64(j, "tid", k);
        pim_json_obj(j, "args");
        pim_json_str(j, "name", name);
        pim_json_end(j, '}');
        pim_json_end(j, '}');
    }
}

static void link_event(pim_trace *t, const pim_trace_transfer *x, uint32_t pid, uint32_t track)
{
    pim_json *j = &t->json;
    char name[48];
    snprintf(name, sizeof name, "%u->%u", x->from, x->to);
    pim_json_obj(j, NULL);
    pim_json_str(j, "name", name);
    pim_json_str(j, "ph", "X");
    pim_json_u64(j, "pid", pid);
    pim_json_u64(j, "tid", track);
    pim_json_f64_exact(j, "ts", x->t0);
    pim_json_f64_exact(j, "dur", exact_duration(x->t0, x->t1));
    pim_json_obj(j, "args");
    pim_json_f64(j, "bytes", x->bytes);
    pim_json_str(j, "layer", t->model->layers[x->layer].name);
    pim_json_end(j, '}');
    pim_json_end(j, '}');
    t->written++;
}

typedef struct {
    double t0;
    uint32_t i;
} by_start;

static int earlier(const void *a, const void *b)
{
    const by_start *x = a, *y = b;
    return x->t0 < y->t0 ? -1 : x->t0 > y->t0 ? 1 : (x->i > y->i) - (x->i < y->i);
}

/* Each transfer on the busiest links, in order of start, on the first lane
 * of its link free by then (the last lane when none is). */
static void link_events(pim_trace *t, const pim_noc *n, const uint32_t *rank, uint32_t count,
                        uint32_t pid, uint32_t *route, unsigned char *used)
{
    by_start *order = malloc((t->ntransfers ? t->ntransfers : 1) * sizeof *order);
    double *free_at = calloc((size_t)count * LANES + 1, sizeof *free_at);
    for (uint32_t i = 0; order && free_at && i < t->ntransfers; i++)
        order[i] = (by_start){t->transfers[i].t0, i};
    if (order && free_at)
        qsort(order, t->ntransfers, sizeof *order, earlier);
    for (uint32_t k = 0; order && free_at && k < t->ntransfers; k++) {
        const pim_trace_transfer *x = &t->transfers[order[k].i];
        uint32_t hops = pim_noc_route(n, x->from, x->to, route);
        for (uint32_t h = 0; h < hops; h++) {
            uint32_t r = rank[route[h]], lane = 0;
            if (r == UINT32_MAX)
                continue;
            while (lane + 1 < LANES && free_at[r * LANES + lane] > x->t0)
                lane++;
            free_at[r * LANES + lane] = x->t1;
            used[r] |= (unsigned char)(1u << lane);
            link_event(t, x, pid, r * LANES + lane);
        }
    }
    free(order);
    free(free_at);
}

void pim_trace_links(pim_trace *t, const pim_noc *n, uint32_t tracks)
{
    double *bytes = calloc(n->nlinks ? n->nlinks : 1, sizeof *bytes);
    uint32_t *route = malloc((n->diameter + 1) * sizeof *route);
    uint32_t *top = malloc((tracks ? tracks : 1) * sizeof *top);
    uint32_t *rank = malloc((n->nlinks ? n->nlinks : 1) * sizeof *rank);
    if (bytes && route && top && rank) {
        for (uint32_t i = 0; i < t->ntransfers; i++) {
            const pim_trace_transfer *x = &t->transfers[i];
            uint32_t hops = pim_noc_route(n, x->from, x->to, route);
            for (uint32_t h = 0; h < hops; h++)
                bytes[route[h]] += x->bytes;
        }
        uint32_t count = top_links(t, n, bytes, top, tracks);
        count = count < 256 ? count : 256; /* lanes are kept in a byte per track */
        uint32_t pid = 1u << 30;           /* after every core's */
        for (uint32_t l = 0; l < n->nlinks; l++)
            rank[l] = UINT32_MAX;
        for (uint32_t k = 0; k < count; k++)
            rank[top[k]] = k;
        unsigned char used[256] = {0}; /* per track: the lanes it needed */
        link_events(t, n, rank, count, pid, route, used);
        link_track_names(t, n, top, count, used, pid);
    }
    free(bytes);
    free(route);
    free(top);
    free(rank);
}

void pim_trace_end(pim_trace *t)
{
    free(t->transfers);
    t->transfers = NULL;
    pim_json_end(&t->json, ']');
    pim_json_end(&t->json, '}');
    pim_json_finish(&t->json);
}

/* A layer by index or by name. */
static int find_layer(const pim_model *m, const char *s, uint32_t *out)
{
    uint64_t i;
    if (pim_parse_u64(s, &i) && i < m->count) {
        *out = (uint32_t)i;
        return 1;
    }
    for (uint32_t k = 0; k < m->count; k++)
        if (strcmp(m->layers[k].name, s) == 0) {
            *out = k;
            return 1;
        }
    return 0;
}

pim_status pim_trace_window_parse(const char *spec, const pim_model *m, pim_trace_window *w,
                                  pim_error *err)
{
    *w = (pim_trace_window){0, INFINITY, 0, UINT32_MAX};
    char buf[256];
    if (strlen(spec) >= sizeof buf)
        return pim_fail(err, PIM_EINPUT, "--trace-window: too long");
    pim_strlcpy(buf, spec, sizeof buf);
    int layers = strncmp(buf, "layers:", 7) == 0;
    char *a = buf + (layers ? 7 : 0), *colon = strchr(a, ':'), *b = colon ? colon + 1 : NULL;
    if (!colon || strchr(b, ':'))
        return pim_fail(err, PIM_EINPUT,
                        "--trace-window %s: expected START:END (cycles) or layers:A:B", spec);
    *colon = '\0';
    if (layers) {
        if (!find_layer(m, a, &w->first_layer) || !find_layer(m, b, &w->last_layer) ||
            w->last_layer < w->first_layer)
            return pim_fail(err, PIM_EINPUT,
                            "--trace-window %s: A and B must be layers (index or name), A first",
                            spec);
        return PIM_OK;
    }
    if (!pim_parse_double(a, &w->from) || !pim_parse_double(b, &w->to) || w->from < 0 ||
        w->to < w->from)
        return pim_fail(err, PIM_EINPUT,
                        "--trace-window %s: START and END must be cycles, 0 <= START <= END", spec);
    return PIM_OK;
}
