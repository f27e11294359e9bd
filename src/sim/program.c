/* pimstream sim: executing a compiled program.
 *
 * An instruction starts when every instruction it waits for is done. MVMs
 * take their cycles on their macros; digital layers queue for the chip's
 * vector units (or, with layout.vector_nodes, for their nodes' own); joins
 * and barriers take no time unless they move data.
 *
 * Off chip, without a network: weight loads are channel clients at the
 * macro's port speed; boundary loads and stores and a decoder's KV reads
 * are DMA streams that share the channel on equal terms (ceil(B/s)
 * clients, as in the plan engine); sends and reductions are free.
 *
 * On a network (pim_sim_network): every transfer is a flow over its route
 * (src/noc/flow.c), sharing links with every other. Off-chip data enters
 * and leaves at the memory controllers, each a resource of B / controllers
 * bytes per cycle: a tile's weights come from one controller (tiles
 * interleave over them by macro) at most at the macro's port speed; other
 * off-chip data is interleaved over all controllers. Weight streaming,
 * activations and compute contend in one simulation. */
#include "program.h"

#include <stdlib.h>
#include <string.h>

#define PART_BITS 7 /* channel client = instruction << 7 | stream part */

static void add_dma(runner *r, uint32_t id, uint64_t bytes)
{
    uint32_t parts = pim_chan_stream_parts(&r->chan, bytes);
    for (uint32_t j = 0; j < parts; j++) {
        uint64_t share = bytes / parts + (j < bytes % parts ? 1 : 0);
        if (!pim_chan_add(&r->chan, r->now, ((uint64_t)id << PART_BITS) | j, share))
            r->oom = 1;
    }
    r->parts_left[id] += parts;
}

void pim_runner_timer(runner *r, double t, uint32_t id)
{
    if (!pim_heap_push(&r->timers, t, id))
        r->oom = 1;
}

/* Off-chip traffic of an instruction over the channel (no network). */
static int begin_channel(runner *r, uint32_t id, const pim_instr *in)
{
    if (in->op == PIM_I_LOAD_W) {
        if (!pim_chan_add(&r->chan, r->now, (uint64_t)id << PART_BITS, in->bytes))
            r->oom = 1;
        r->parts_left[id] = 1;
        return 1;
    }
    int offchip = in->op == PIM_I_VEC || in->op == PIM_I_LOAD_A || in->op == PIM_I_STORE_A;
    if (offchip && in->bytes)
        add_dma(r, id, in->bytes);
    return offchip && in->bytes;
}

/* Begin instruction id now; zero-time ones go on the finish stack. */
static void begin(runner *r, uint32_t id)
{
    const pim_instr *in = &r->prog->code[id];
    r->start[id] = r->now;
    if (in->op == PIM_I_LOAD_W || in->op == PIM_I_VEC || in->op == PIM_I_LOAD_A ||
        in->op == PIM_I_STORE_A)
        r->res->offchip_bytes += in->bytes;
    if (in->op == PIM_I_VEC) { /* its time on the vector units; a KV read beside it */
        double *unit = r->node_vec_free ? &r->node_vec_free[in->node] : &r->vec_free;
        double s = r->now > *unit ? r->now : *unit;
        *unit = s + in->cycles;
        pim_runner_timer(r, *unit, id);
        r->parts_left[id] = 1;
    }
    if (in->op == PIM_I_MVM) {
        pim_runner_timer(r, r->now + in->cycles, id);
        return;
    }
    int moving = r->net ? pim_runner_begin_flows(r, id, in) > 0 : begin_channel(r, id, in);
    if (!moving && in->op != PIM_I_VEC)
        r->stack[r->nstack++] = id;
}

static void layer_done(runner *r, const pim_instr *in)
{
    uint32_t l = r->comp->units[in->unit].layer;
    if (r->now > r->res->layer_done[l])
        r->res->layer_done[l] = r->now;
    if (in->image >= r->res->images)
        return;
    if (r->now > r->res->image_done[in->image])
        r->res->image_done[in->image] = r->now;
    double *cell = &r->res->layer_image_done[(size_t)l * r->res->images + in->image];
    *cell = r->now > *cell ? r->now : *cell;
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
        if (r->net)
            pim_runner_finished(r, id, in);
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

void pim_runner_part_done(runner *r, uint32_t id)
{
    if (--r->parts_left[id] == 0)
        r->stack[r->nstack++] = id;
}

/* The next event of the timers, the channel or the network, handled. */
static int step(runner *r)
{
    double tc = pim_chan_next(&r->chan);
    double tn = r->net ? pim_flownet_next(r->flows) : INFINITY;
    double tt = r->timers.count ? r->timers.items[0].t : INFINITY;
    if (tt <= tc && tt <= tn && r->timers.count) {
        pim_event ev = pim_heap_pop(&r->timers);
        r->now = ev.t;
        uint32_t id = (uint32_t)ev.key;
        if (r->prog->code[id].op == PIM_I_VEC)
            pim_runner_part_done(r, id);
        else
            r->stack[r->nstack++] = id;
    } else if (tn <= tc && r->net && tn < INFINITY) {
        r->now = tn;
        pim_runner_flow_event(r);
    } else if (r->chan.active) {
        r->now = tc;
        uint32_t id = (uint32_t)(pim_chan_pop(&r->chan, tc) >> PART_BITS);
        if (r->prog->code[id].op == PIM_I_LOAD_W)
            pim_runner_timer(r, r->now + r->prog->overhead, id); /* the load's fixed overhead */
        else
            pim_runner_part_done(r, id);
    } else {
        return 0;
    }
    r->res->events++;
    return 1;
}

static void run(runner *r)
{
    drain(r);
    while (!r->oom && step(r))
        drain(r);
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

static uint32_t batch_of(const pim_program *p)
{
    uint32_t images = 0;
    for (uint32_t i = 0; i < p->count; i++)
        if (p->code[i].op == PIM_I_JOIN && p->code[i].image + 1 > images)
            images = p->code[i].image + 1;
    return images;
}

static int runner_init(runner *r, const pim_program *p, const pim_compiled *c, uint32_t layers,
                       pim_sim_result *out)
{
    r->chan.bandwidth = p->bandwidth;
    r->chan.port_speed = p->port;
    r->chan.busy = &out->channel_busy;
    r->chan.obs = r->net ? NULL : r->obs;
    out->layers = layers;
    out->layer_done = calloc(layers ? layers : 1, sizeof *out->layer_done);
    out->partitions = c->nparts;
    out->partition_done = calloc(c->nparts ? c->nparts : 1, sizeof *out->partition_done);
    out->images = batch_of(p);
    out->image_done = calloc(out->images ? out->images : 1, sizeof *out->image_done);
    out->layer_image_done = calloc((size_t)(layers ? layers : 1) * (out->images ? out->images : 1),
                                   sizeof *out->layer_image_done);
    r->parts_left = calloc(p->count ? p->count : 1, sizeof *r->parts_left);
    r->start = calloc(p->count ? p->count : 1, sizeof *r->start);
    r->stack = malloc((p->count ? p->count : 1) * sizeof *r->stack);
    if (p->layout.vector_nodes &&
        !(r->node_vec_free = calloc(p->nodes ? p->nodes : 1, sizeof *r->node_vec_free)))
        return 0;
    return out->layer_done && out->partition_done && out->image_done && out->layer_image_done &&
           r->parts_left && r->start && r->stack && build_succ(r) &&
           pim_heap_init(&r->timers, 1024) && pim_heap_init(&r->chan.heap, 1024);
}

static void runner_free(runner *r)
{
    pim_heap_free(&r->timers);
    pim_heap_free(&r->chan.heap);
    free(r->indeg);
    free(r->succ);
    free(r->succ_first);
    free(r->parts_left);
    free(r->start);
    free(r->stack);
    free(r->node_vec_free);
}

pim_status pim_simulate_program(const pim_program *p, const pim_compiled *c, uint32_t layers,
                                const pim_sim_network *net, const pim_sim_observer *obs,
                                pim_sim_result *out, pim_error *err)
{
    memset(out, 0, sizeof *out);
    runner r = {.prog = p, .comp = c, .obs = obs, .res = out, .net = net};
    int ok = runner_init(&r, p, c, layers, out);
    if (ok && net) {
        pim_status st = pim_runner_net_init(&r, err);
        if (st) {
            runner_free(&r);
            pim_sim_result_free(out);
            return st;
        }
    }
    for (uint32_t i = 0; ok && i < p->count; i++)
        if (r.indeg[i] == 0)
            begin(&r, i);
    if (ok)
        run(&r);
    if (net)
        pim_runner_net_finish(&r);
    int oom = !ok || r.oom;
    uint64_t unfinished = p->count - r.done;
    runner_free(&r);
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
