/* pimstream report: Chrome trace-event JSON (opens in Perfetto), one
 * complete event per macro write and compute interval, streamed. */
#include "pimstream/report.h"

static void on_interval(void *ud, uint32_t macro, int writing, double t0, double t1, uint64_t bytes,
                        uint32_t layer)
{
    pim_trace *t = ud;
    pim_json *j = &t->json;
    pim_json_obj(j, NULL);
    pim_json_str(j, "name", writing ? "write" : "compute");
    pim_json_str(j, "ph", "X");
    pim_json_u64(j, "pid", macro / t->macros_per_core);
    pim_json_u64(j, "tid", macro % t->macros_per_core);
    pim_json_f64(j, "ts", t0);
    pim_json_f64(j, "dur", t1 - t0);
    pim_json_obj(j, "args");
    if (writing)
        pim_json_u64(j, "bytes", bytes);
    pim_json_str(j, "layer", t->model->layers[layer].name);
    pim_json_end(j, '}');
    pim_json_end(j, '}');
}

void pim_trace_begin(pim_trace *t, FILE *f, const pim_model *m, uint32_t macros_per_core)
{
    t->model = m;
    t->macros_per_core = macros_per_core ? macros_per_core : 1;
    pim_json_init(&t->json, f, 0);
    pim_json_obj(&t->json, NULL);
    pim_json_str(&t->json, "displayTimeUnit", "ns");
    pim_json_obj(&t->json, "otherData");
    pim_json_str(&t->json, "time_unit", "cycles");
    pim_json_end(&t->json, '}');
    pim_json_arr(&t->json, "traceEvents");
    t->obs = (pim_sim_observer){t, on_interval, NULL};
}

void pim_trace_end(pim_trace *t)
{
    pim_json_end(&t->json, ']');
    pim_json_end(&t->json, '}');
    pim_json_finish(&t->json);
}
