/* pimstream sim: executing a compiled program.
 *
 * An instruction starts when every instruction it waits for is done. Weight
 * loads are off-chip channel clients at the macro's port speed; boundary
 * loads and stores and a decoder's KV reads are DMA streams that share the
 * channel on equal terms (ceil(B/s) clients, as in the plan engine); MVMs
 * take their cycles on their macros; digital layers queue for the chip's
 * vector units; sends, receives, joins and barriers take no time (the
 * network is ideal, as everywhere in pimstream). */
#include "channel.h"
#include "pimstream/sim.h"

#include <stdlib.h>
#include <string.h>

#define PART_BITS 7 /* channel client = instruction << 7 | stream part */

typedef struct {
    const pim_program *prog;
    const pim_compiled *comp;
    const pim_sim_observer *obs;
    pim_sim_result *res;
    pim_heap timers;
    pim_channel chan;
    double now, vec_free;
    uint32_t *indeg, *succ_first, *succ;
    uint32_t *parts_left;
    double *start;
    uint32_t *stack;
    uint32_t nstack;
    uint64_t done;
    int oom;
} runner;

static void add_dma(runner *r, uint32_t id, uint64_t bytes)
{
    uint32_t parts = pim_chan_stream_parts(&r->chan, bytes);
    for (uint32_t j = 0; j < parts; j++) {
        uint64_t share = bytes / parts + (j < bytes % parts ? 1 : 0);
        if (!pim_chan_add(&r->chan, r->now, ((uint64_t)id << PART_BITS) | j, share))
            r->oom = 1;
    }
    r->parts_left[id] += parts;
    r->res->offchip_bytes += bytes;
}

static void timer(runner *r, double t, uint32_t id)
{
    if (!pim_heap_push(&r->timers, t, id))
        r->oom = 1;
}

/* Begin instruction id now; zero-time ones go on the finish stack. */
static void begin(runner *r, uint32_t id)
{
    const pim_instr *in = &r->prog->code[id];
    r->start[id] = r->now;
    switch (in->op) {
    case PIM_I_LOAD_W:
        if (!pim_chan_add(&r->chan, r->now, (uint64_t)id << PART_BITS, in->bytes))
            r->oom = 1;
        r->parts_left[id] = 1;
        r->res->offchip_bytes += in->bytes;
        return;
    case PIM_I_MVM:
        timer(r, r->now + in->cycles, id);
        return;
    case PIM_I_VEC: {
        double s = r->now > r->vec_free ? r->now : r->vec_free;
        r->vec_free = s + in->cycles;
        timer(r, r->vec_free, id);
        r->parts_left[id] = 1;
        if (in->bytes)
            add_dma(r, id, in->bytes);
        return;
    }
    case PIM_I_LOAD_A:
    case PIM_I_STORE_A:
        if (in->bytes) {
            add_dma(r, id, in->bytes);
            return;
        }
        break;
    default:
        break;
    }
    r->stack[r->nstack++] = id;
}

static void layer_done(runner *r, const pim_instr *in)
{
    uint32_t l = r->comp->units[in->unit].layer;
    if (r->now > r->res->layer_done[l])
        r->res->layer_done[l] = r->now;
}

static void observe(runner *r, const pim_instr *in)
{
    uint32_t layer = r->comp->units[in->unit].layer;
    double t0 = r->start[in - r->prog->code];
    if (in->op == PIM_I_LOAD_W) {
        r->res->bytes_written += in->bytes;
        r->res->macro_busy += r->now - t0;
        r->res->loads++;
        if (r->obs && r->obs->interval)
            r->obs->interval(r->obs->ud, in->macro, 1, t0, r->now, in->bytes, layer);
    } else if (in->op == PIM_I_MVM) {
        r->res->macro_busy += (r->now - t0) * in->macro_count;
        for (uint32_t m = 0; r->obs && r->obs->interval && m < in->macro_count; m++)
            r->obs->interval(r->obs->ud, in->macro + m, 0, t0, r->now, 0, layer);
    }
}

/* Finish everything on the stack, starting what they release. */
static void drain(runner *r)
{
    while (r->nstack && !r->oom) {
        uint32_t id = r->stack[--r->nstack];
        const pim_instr *in = &r->prog->code[id];
        observe(r, in);
        if (in->op == PIM_I_JOIN || in->op == PIM_I_STORE_A)
            layer_done(r, in); /* a layer is done when its output is stored too */
        if (in->op == PIM_I_BARRIER && in->partition < r->res->partitions)
            r->res->partition_done[in->partition] = r->now;
        r->done++;
        if (r->now > r->res->end)
            r->res->end = r->now;
        for (uint32_t k = r->succ_first[id]; k < r->succ_first[id + 1]; k++)
            if (--r->indeg[r->succ[k]] == 0)
                begin(r, r->succ[k]);
    }
}

static void part_done(runner *r, uint32_t id)
{
    if (--r->parts_left[id] == 0)
        r->stack[r->nstack++] = id;
}

static void run(runner *r)
{
    drain(r);
    while (!r->oom) {
        double tc = pim_chan_next(&r->chan);
        if (r->timers.count && r->timers.items[0].t <= tc) {
            pim_event ev = pim_heap_pop(&r->timers);
            r->now = ev.t;
            uint32_t id = (uint32_t)ev.key;
            if (r->prog->code[id].op == PIM_I_VEC)
                part_done(r, id);
            else
                r->stack[r->nstack++] = id;
        } else if (r->chan.active) {
            r->now = tc;
            uint32_t id = (uint32_t)(pim_chan_pop(&r->chan, tc) >> PART_BITS);
            if (r->prog->code[id].op == PIM_I_LOAD_W)
                timer(r, r->now + r->prog->overhead, id); /* the load's fixed overhead */
            else
                part_done(r, id);
        } else {
            break;
        }
        r->res->events++;
        drain(r);
    }
}

static int build_succ(runner *r)
{
    const pim_program *p = r->prog;
    r->succ_first = calloc((size_t)p->count + 1, sizeof *r->succ_first);
    r->succ = malloc((p->ndeps ? p->ndeps : 1) * sizeof *r->succ);
    r->indeg = malloc((p->count ? p->count : 1) * sizeof *r->indeg);
    uint32_t *fill = calloc((size_t)p->count + 1, sizeof *fill);
    int ok = r->succ_first && r->succ && r->indeg && fill;
    for (uint32_t i = 0; ok && i < p->count; i++) {
        r->indeg[i] = p->code[i].ndeps;
        for (uint32_t k = 0; k < p->code[i].ndeps; k++)
            r->succ_first[p->deps[p->code[i].dep_first + k] + 1]++;
    }
    for (uint32_t i = 0; ok && i < p->count; i++)
        r->succ_first[i + 1] += r->succ_first[i];
    for (uint32_t i = 0; ok && i < p->count; i++)
        for (uint32_t k = 0; k < p->code[i].ndeps; k++) {
            uint32_t d = p->deps[p->code[i].dep_first + k];
            r->succ[r->succ_first[d] + fill[d]++] = i;
        }
    free(fill);
    return ok;
}

pim_status pim_simulate_program(const pim_program *p, const pim_compiled *c, uint32_t layers,
                                const pim_sim_observer *obs, pim_sim_result *out, pim_error *err)
{
    memset(out, 0, sizeof *out);
    runner r = {.prog = p, .comp = c, .obs = obs, .res = out};
    r.chan.bandwidth = p->bandwidth;
    r.chan.port_speed = p->port;
    r.chan.busy = &out->channel_busy;
    r.chan.obs = obs;
    out->layers = layers;
    out->layer_done = calloc(layers ? layers : 1, sizeof *out->layer_done);
    out->partitions = c->nparts;
    out->partition_done = calloc(c->nparts ? c->nparts : 1, sizeof *out->partition_done);
    r.parts_left = calloc(p->count ? p->count : 1, sizeof *r.parts_left);
    r.start = calloc(p->count ? p->count : 1, sizeof *r.start);
    r.stack = malloc((p->count ? p->count : 1) * sizeof *r.stack);
    int ok = out->layer_done && out->partition_done && r.parts_left && r.start && r.stack &&
             build_succ(&r) && pim_heap_init(&r.timers, 1024) && pim_heap_init(&r.chan.heap, 1024);
    for (uint32_t i = 0; ok && i < p->count; i++)
        if (r.indeg[i] == 0)
            begin(&r, i);
    if (ok)
        run(&r);
    int oom = !ok || r.oom;
    uint64_t unfinished = p->count - r.done;
    pim_heap_free(&r.timers);
    pim_heap_free(&r.chan.heap);
    free(r.indeg);
    free(r.succ);
    free(r.succ_first);
    free(r.parts_left);
    free(r.start);
    free(r.stack);
    if (oom || unfinished) {
        pim_sim_result_free(out);
        if (oom)
            return pim_fail(err, PIM_EINTERNAL, "simulation: out of memory");
        return pim_fail(err, PIM_EINTERNAL, "program stalled with %llu instructions undone",
                        (unsigned long long)unfinished);
    }
    out->cycles = pim_sim_whole_cycles(out->end);
    return PIM_OK;
}
