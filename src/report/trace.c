/* pimstream report: Chrome trace-event JSON (opens in Perfetto), one
 * complete event per macro write and compute interval, streamed.
 *
 * Times are cycles (one trace "microsecond" per cycle) printed with every
 * digit a double needs, and each duration is chosen so that ts + dur reads
 * back as the interval's exact end: a compute never appears to overlap the
 * write that follows it. */
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

void pim_trace_begin(pim_trace *t, FILE *f, const pim_model *m, uint32_t macros_per_core,
                     const pim_trace_window *window)
{
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
    t->obs = (pim_sim_observer){t, on_interval, NULL, NULL};
}

void pim_trace_end(pim_trace *t)
{
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
