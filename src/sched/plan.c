/* pimstream sched: building plans and walking their loads. */
#include "progress.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *pim_strategy_name(pim_strategy s)
{
    switch (s) {
    case PIM_SCHED_AUTO:
        return "auto";
    case PIM_SCHED_GPP:
        return "gpp";
    case PIM_SCHED_PINGPONG:
        return "pingpong";
    case PIM_SCHED_INSITU:
        return "insitu";
    }
    return "?";
}

int pim_strategy_parse(const char *s, pim_strategy *out)
{
    static const pim_strategy all[] = {PIM_SCHED_AUTO, PIM_SCHED_GPP, PIM_SCHED_PINGPONG,
                                       PIM_SCHED_INSITU};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (strcmp(s, pim_strategy_name(all[i])) == 0) {
            *out = all[i];
            return 1;
        }
    return 0;
}

/* Vectors through a layer for the whole batch, kept below 2^48 so that
 * vectors x cycles per vector stays exact in a double. */
#define MAX_VECTORS (1ull << 48)
/* Each load is two events; at ~35 M events/s, 2^31 loads is two minutes. */
#define MAX_LOADS (1ull << 31)
/* Simulated times stay exact in a double and fit a uint64 cycle count. */
#define MAX_WORK ((double)(1ull << 52))

static uint64_t default_chunks(const pim_plan *p, const pim_layer_plan *l, uint32_t fixed_b)
{
    if (fixed_b)
        return pim_ceil_div(l->vectors, fixed_b);
    if (l->tiling.tiles <= p->macros)
        return 1; /* resident: each tile written once, reused for every vector */
    return pim_ceil_div(l->vectors, p->vectors_per_load_max);
}

static pim_status plan_layer(const pim_plan *p, const pim_layer *src, const pim_arch *a,
                             uint64_t batch, pim_layer_plan *l, pim_error *err)
{
    memset(l, 0, sizeof *l);
    l->preds = src->npreds ? p->pred_items + src->pred_first : NULL; /* NULL + 0 is UB */
    l->npreds = src->npreds;
    pim_map_layer_arch(src, a, &l->tiling);
    uint64_t in_elems, out_elems, bits = a->macro.input_bits;
    pim_layer_io_elems(src, &in_elems, &out_elems);
    if (out_elems > (UINT64_MAX / 64) / batch)
        return pim_fail(err, PIM_EINPUT, "layer %s: more than 2^58 output activations", src->name);
    l->out_bytes = pim_ceil_div(out_elems * batch * bits, 8); /* bits <= 64 */
    uint64_t lanes = (uint64_t)pim_arch_total_cores(a) * a->core.vector_lanes;
    if (pim_layer_is_stationary(src)) {
        pim_matrix mx;
        pim_layer_matrix(src, &mx);
        if (mx.vectors > MAX_VECTORS / batch)
            return pim_fail(err, PIM_EINPUT, "layer %s: more than 2^48 input vectors", src->name);
        l->vectors = mx.vectors * batch;
    } else if (src->kind == PIM_OP_DYN_MATMUL) {
        l->dynamic = 1;
        if (a->dynamic_matmul == PIM_DYN_PIM) {
            /* one operand written into macros for each use: every sequence
             * of the batch and every head has its own k x n matrix */
            pim_layer g = {.kind = PIM_OP_GEMM,
                           .m = src->m,
                           .k = src->k,
                           .n = src->n,
                           .heads = src->heads * batch};
            pim_map_layer_arch(&g, a, &l->tiling);
            l->vectors = src->m;
            l->onchip_writes = !src->kv_cache;
        } else {
            l->digital_cycles = pim_ceil_div(pim_layer_macs(src) * batch, lanes);
            if (src->kv_cache) /* past K or V, int8 like every activation here */
                l->stream_bytes =
                    src->heads * src->k * src->n * batch * pim_ceil_div(a->macro.input_bits, 8);
        }
    } else {
        l->digital_cycles = pim_ceil_div(src->vec_elems * batch, lanes);
    }
    return PIM_OK;
}

pim_status pim_plan_build(const pim_model *m, const pim_arch *a, const pim_plan_opts *o,
                          pim_plan *out, pim_error *err)
{
    memset(out, 0, sizeof *out);
    if (o->batch == 0 || o->batch > (1u << 24))
        return pim_fail(err, PIM_EINPUT, "--batch %llu: must be in 1..16777216",
                        (unsigned long long)o->batch);
    out->strategy = o->strategy == PIM_SCHED_AUTO ? PIM_SCHED_GPP : o->strategy;
    out->macros = o->macros ? o->macros : pim_arch_total_macros(a);
    out->write_bytes_per_cycle =
        o->write_bytes_per_cycle ? o->write_bytes_per_cycle : pim_arch_write_bytes_per_cycle(a);
    out->bandwidth = o->bandwidth ? o->bandwidth : a->offchip.bytes_per_cycle;
    out->overhead = a->macro.write_overhead_cycles;
    out->cycles_per_vector = pim_macro_is_analog(&a->macro) ? pim_analog_cycles_per_vector(a)
                                                            : a->macro.compute_cycles_per_vector;
    out->vectors_per_load_max = a->macro.result_vectors_max;
    out->macros_per_core = a->core.macros;
    out->layers = pim_xcalloc(m->count, sizeof *out->layers);
    out->pred_items = pim_xcalloc(m->preds.count, sizeof *out->pred_items);
    if (!out->layers || !out->pred_items) {
        pim_plan_free(out);
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    }
    if (m->preds.count)
        memcpy(out->pred_items, m->preds.items, m->preds.count * sizeof *out->pred_items);
    out->count = m->count;
    uint64_t loads = 0;
    double work = 0;
    for (uint32_t i = 0; i < m->count; i++) {
        pim_status st = plan_layer(out, &m->layers[i], a, o->batch, &out->layers[i], err);
        if (st) {
            pim_plan_free(out);
            return st;
        }
        pim_layer_plan *l = &out->layers[i];
        if (l->tiling.tiles)
            l->chunks = default_chunks(out, l, o->vectors_per_load);
        l->step_max = out->vectors_per_load_max; /* pim_plan_progress may cut it to a row */
        pim_plan_progress(out, i, &m->layers[i], o->batch);
        loads += pim_plan_loads(out, i);
        /* compute time at one macro and the digital unit's: bounds every time */
        work += (double)l->tiling.tiles * (double)l->vectors * out->cycles_per_vector +
                (double)l->digital_cycles;
    }
    int placed = pim_plan_place_activations(out, a->activation_buffer_bytes);
    if (placed <= 0) {
        pim_plan_free(out);
        return placed < 0 ? pim_fail(err, PIM_EINPUT,
                                     "%s at batch %llu: more than 2^60 bytes of spilled "
                                     "activations; use a smaller --batch",
                                     m->name, (unsigned long long)o->batch)
                          : pim_fail(err, PIM_EINTERNAL, "out of memory");
    }
    work += (double)pim_plan_offchip_bytes(out) / (double)out->bandwidth; /* channel time */
    if (work > MAX_WORK) {
        pim_plan_free(out);
        return pim_fail(err, PIM_EINPUT,
                        "%s at batch %llu: more than 2^52 cycles of work to simulate; use a "
                        "smaller --batch",
                        m->name, (unsigned long long)o->batch);
    }
    if (loads > MAX_LOADS) {
        pim_plan_free(out);
        return pim_fail(err, PIM_EINPUT,
                        "%s: %llu tile loads at batch %llu is more than the %llu this simulator "
                        "runs in minutes; use a smaller --batch",
                        m->name, (unsigned long long)loads, (unsigned long long)o->batch,
                        (unsigned long long)MAX_LOADS);
    }
    return PIM_OK;
}

void pim_plan_free(pim_plan *p)
{
    free(p->layers);
    free(p->pred_items);
    p->pred_items = NULL;
    p->layers = NULL;
    p->count = 0;
}

pim_status pim_plan_copy(const pim_plan *src, pim_plan *out, pim_error *err)
{
    size_t preds = 0; /* the lists' extent: each layer's is a range of pred_items */
    for (uint32_t i = 0; i < src->count; i++)
        if (src->layers[i].npreds) {
            size_t end = (size_t)(src->layers[i].preds - src->pred_items) + src->layers[i].npreds;
            preds = end > preds ? end : preds;
        }
    *out = *src;
    out->layers = pim_xcalloc(src->count, sizeof *out->layers);
    out->pred_items = pim_xcalloc(preds, sizeof *out->pred_items);
    if (!out->layers || !out->pred_items) {
        pim_plan_free(out);
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    }
    memcpy(out->layers, src->layers, src->count * sizeof *out->layers);
    if (preds)
        memcpy(out->pred_items, src->pred_items, preds * sizeof *out->pred_items);
    for (uint32_t i = 0; i < src->count; i++)
        if (src->layers[i].npreds)
            out->layers[i].preds = out->pred_items + (src->layers[i].preds - src->pred_items);
    return PIM_OK;
}

pim_status pim_plan_single(const pim_plan *src, uint32_t layer, pim_plan *out, pim_error *err)
{
    *out = *src;
    out->pred_items = NULL; /* one layer alone has no producers */
    out->layers = pim_xcalloc(1, sizeof *out->layers);
    if (!out->layers)
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    out->layers[0] = src->layers[layer];
    out->layers[0].npreds = 0;
    out->layers[0].preds = NULL;
    /* alone, nothing waits for its outputs: its loads compute their chunk
     * in one go, at the same times, with fewer events (except that a
     * spilled output's writes then start at the chunk's end, not per step:
     * alone it is timed a little slower than in the network) */
    out->layers[0].step_max = 0;
    out->count = 1;
    return PIM_OK;
}

uint32_t pim_plan_chunk_options(const pim_plan *p, uint32_t layer, uint64_t *out, uint32_t cap)
{
    const pim_layer_plan *l = &p->layers[layer];
    uint32_t n = 0;
    out[n++] = l->chunks;
    if (!l->tiling.tiles || l->chunks != 1)
        return n; /* rewritten layers stream at the chosen vectors per load */
    /* A resident layer may be replicated into idle macros: r copies each take
     * 1/r of the vectors, at r times the write traffic. */
    uint64_t most = p->macros / l->tiling.tiles;
    if (most > l->vectors)
        most = l->vectors;
    for (uint64_t r = 2; r <= most && n < cap; r *= 2)
        out[n++] = r;
    if (most > 1 && out[n - 1] != most && n < cap)
        out[n++] = most;
    return n;
}

static uint32_t slots_within(const pim_plan *p, double k)
{
    if (k < 1)
        return 1;
    return k > (double)p->macros ? p->macros : (uint32_t)k;
}

uint32_t pim_plan_write_slot_options(const pim_plan *p, uint32_t out[2])
{
    double ratio = (double)p->bandwidth / p->write_bytes_per_cycle;
    out[0] = slots_within(p, floor(ratio));
    out[1] = slots_within(p, ceil(ratio));
    return out[1] != out[0] ? 2 : 1;
}

double pim_plan_write_rate(const pim_plan *p, int onchip)
{
    double rate = p->write_bytes_per_cycle;
    if (!onchip && (double)p->bandwidth < rate)
        rate = (double)p->bandwidth;
    return rate;
}

uint32_t pim_plan_write_slots(const pim_plan *p)
{
    uint32_t options[2];
    pim_plan_write_slot_options(p, options);
    return p->write_slots ? slots_within(p, p->write_slots) : options[0];
}

uint32_t pim_plan_layer_write_slots(const pim_plan *p, uint32_t layer)
{
    uint32_t own = p->layers[layer].write_slots;
    return own ? slots_within(p, own) : pim_plan_write_slots(p);
}

int pim_plan_mixed_write_slots(const pim_plan *p)
{
    uint32_t k = pim_plan_write_slots(p);
    for (uint32_t i = 0; i < p->count; i++)
        if (p->layers[i].tiling.tiles && pim_plan_layer_write_slots(p, i) != k)
            return 1;
    return 0;
}

uint64_t pim_plan_loads(const pim_plan *p, uint32_t layer)
{
    const pim_layer_plan *l = &p->layers[layer];
    return l->tiling.tiles * l->chunks;
}

uint32_t pim_plan_balanced_cap(const pim_plan *p, uint32_t layer)
{
    const pim_layer_plan *l = &p->layers[layer];
    uint64_t loads = pim_plan_loads(p, layer), n = p->macros;
    if (!l->tiling.tiles || l->dynamic || 2 * loads <= n || loads > PIM_CAP_MAX_ROUNDS * n)
        return 0;
    uint64_t rounds = pim_ceil_div(loads, n);
    uint64_t cap = pim_ceil_div(loads, rounds < 2 ? 2 : rounds);
    return cap < n ? (uint32_t)cap : 0;
}

uint64_t pim_plan_chunk_vectors(const pim_layer_plan *l, uint64_t chunk)
{
    uint64_t base = l->vectors / l->chunks, extra = l->vectors % l->chunks;
    return base + (chunk < extra ? 1 : 0);
}

uint64_t pim_plan_bytes(const pim_plan *p)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < p->count; i++)
        total += pim_tiling_bytes(&p->layers[i].tiling) * p->layers[i].chunks;
    return total;
}

uint64_t pim_plan_offchip_bytes(const pim_plan *p)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < p->count; i++) {
        const pim_layer_plan *l = &p->layers[i];
        if (!l->onchip_writes)
            total += pim_tiling_bytes(&l->tiling) * l->chunks;
        total += l->stream_bytes;
    }
    return total + pim_plan_activation_bytes(p);
}

void pim_cursor_init(pim_load_cursor *c, const pim_plan *p)
{
    *c = (pim_load_cursor){.plan = p, .end_layer = p->count};
}

void pim_cursor_init_layer(pim_load_cursor *c, const pim_plan *p, uint32_t layer)
{
    *c = (pim_load_cursor){.plan = p, .layer = layer, .end_layer = layer + 1};
}

/* Loads go chunk by chunk, every tile of a chunk in turn; the cursor keeps
 * its place, and the bytes and vectors its loads share, instead of
 * dividing a load index (it is on the engine's path for every load). */
static void cursor_next_chunk(pim_load_cursor *c)
{
    c->tile = c->run_end = 0;
    c->first += c->chunk_vectors;
    c->chunk++;
    c->chunk_vectors = 0;
}

/* Move to a layer with loads left, and fill the caches for the next load. */
static int cursor_settle(pim_load_cursor *c)
{
    const pim_plan *p = c->plan;
    while (c->layer < c->end_layer &&
           (!p->layers[c->layer].tiling.tiles || c->chunk >= p->layers[c->layer].chunks)) {
        c->layer++;
        c->tile = c->chunk = c->first = c->run_end = c->chunk_vectors = 0;
    }
    if (c->layer >= c->end_layer)
        return 0;
    const pim_layer_plan *l = &p->layers[c->layer];
    if (c->tile >= c->run_end) {
        c->run_end = c->tile + pim_tile_run(&l->tiling, c->tile);
        c->run_bytes = pim_tile_bytes(&l->tiling, c->tile);
    }
    if (!c->chunk_vectors)
        c->chunk_vectors = pim_plan_chunk_vectors(l, c->chunk);
    return 1;
}

uint64_t pim_cursor_alike(pim_load_cursor *c)
{
    return cursor_settle(c) ? c->run_end - c->tile : 0;
}

void pim_cursor_skip(pim_load_cursor *c, uint64_t n)
{
    c->tile += n; /* a run of alike loads never crosses a chunk's end */
    if (c->tile == c->plan->layers[c->layer].tiling.tiles)
        cursor_next_chunk(c);
}

int pim_cursor_next(pim_load_cursor *c, pim_load *out)
{
    if (!cursor_settle(c))
        return 0;
    const pim_layer_plan *l = &c->plan->layers[c->layer];
    out->layer = c->layer;
    out->bytes = c->run_bytes;
    out->vectors = c->chunk_vectors;
    out->chunk = c->chunk;
    out->first = c->first;
    out->onchip = l->onchip_writes;
    if (++c->tile == l->tiling.tiles)
        cursor_next_chunk(c);
    return 1;
}
