/* Shared by the fuzz targets: plan a model on an architecture and, when the
 * plan is small enough to simulate thousands of times a second, run it, so
 * fuzzed inputs reach the engine, the energy model and the search. */
#ifndef PIMSTREAM_FUZZ_RUN_H
#define PIMSTREAM_FUZZ_RUN_H

#include "pimstream/run.h"

#define FUZZ_MAX_LOADS 20000
/* Above this many loads the plan runs once with a fixed vectors per load,
 * not searched: gpp's search simulates each load order's plan dozens of
 * times, and a real model (ResNet-18, SqueezeNet: 18-25 s a seed under the
 * sanitizers) would outlast the fuzzer's per-input timeout. */
#define FUZZ_SEARCH_MAX_LOADS 500
#define FUZZ_FIXED_VECTORS_PER_LOAD 64
/* The whole-network search's budget (schedule.search_events) for the plans
 * that are searched: 41 one-tile layers of 496 vectors, searched in full,
 * took 866 simulations (1.2 s, 16 s under the sanitizers: past the
 * per-input timeout); capped, it still runs every pass. At 1 M events
 * that seed (corpus/onnx/many_one_tile_layers.onnx) took 4.2-5.3 s under
 * the sanitizers and 14 s on a loaded machine, a timeout; at 250 k, 2.1 s. */
#define FUZZ_SEARCH_EVENTS 250000
/* tiles x vectors: a layer whose few tiles each run millions of vectors
 * (a huge padding) is as slow to simulate as many loads */
#define FUZZ_MAX_TILE_VECTORS 2000000.0

static inline void fuzz_run_small(const pim_model *m, const pim_arch *a, uint64_t batch,
                                  pim_strategy strategy)
{
    pim_error err;
    pim_plan_opts o = {.strategy = PIM_SCHED_GPP, .batch = batch};
    pim_plan p;
    if (pim_plan_build(m, a, &o, &p, &err) != PIM_OK)
        return;
    uint64_t loads = 0;
    double tile_vectors = 0;
    for (uint32_t i = 0; i < p.count; i++) {
        loads += pim_plan_loads(&p, i);
        tile_vectors += (double)p.layers[i].tiling.tiles * (double)p.layers[i].vectors;
    }
    pim_plan_free(&p);
    if (loads > FUZZ_MAX_LOADS || tile_vectors > FUZZ_MAX_TILE_VECTORS ||
        pim_arch_total_macros(a) > (1u << 16))
        return;
    pim_arch capped = *a;
    capped.fix.search_events = FUZZ_SEARCH_EVENTS;
    pim_run_config c = {.model = m, .arch = &capped, .opts = o, .threads = 1};
    c.opts.strategy = strategy; /* auto searches: slower, more of the code */
    if (loads > FUZZ_SEARCH_MAX_LOADS)
        c.opts.vectors_per_load = FUZZ_FIXED_VECTORS_PER_LOAD;
    pim_run_result r;
    if (pim_run(&c, &r, &err) == PIM_OK)
        pim_run_result_free(&r);
    if (a->activation_buffer_bytes)
        return;
    /* again with a small activation buffer, so outputs spill and come back */
    pim_arch small = *a;
    small.activation_buffer_bytes = 4096;
    c.arch = &small;
    c.opts.strategy = PIM_SCHED_GPP;
    c.opts.vectors_per_load = FUZZ_FIXED_VECTORS_PER_LOAD; /* the spills, not the search */
    if (pim_run(&c, &r, &err) == PIM_OK)
        pim_run_result_free(&r);
}

#endif
