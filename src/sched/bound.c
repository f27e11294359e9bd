/* pimstream sched: a lower bound on every schedule of a plan.
 *
 * The bound holds for any order of loads and any assignment to macros that
 * obeys the plan's rules (a load writes its tile, waits the overhead o, then
 * applies it to its chunk's vectors on the same macro; a macro does one
 * thing at a time; the channel moves at most B bytes per cycle in total and
 * one write at most min(s, B); one vector unit; a layer computes only once
 * its producers are done). Five arguments, each a proof:
 *
 *  channel  every off-chip byte crosses at B; after the last byte a load
 *           still waits o and computes its vectors.
 *  macros   each load holds a macro for its write, o and its compute; N
 *           macros.
 *  digital  the vector unit runs every digital layer's cycles in turn.
 *  layers   layer l, alone: its loads hold at most min(N, loads) macros at
 *           once, so l ends no earlier than its macro time over that; its
 *           own bytes cross the channel before its last compute.
 *  chain    l starts computing after its producers are done (ES) and then
 *           runs its vectors on at most min(N, loads) macros, each chunk on
 *           one macro; the longest such path through the graph.
 *
 * tests/test_sched.c checks it against exhaustive search of every schedule
 * of small plans, and tests/test_sim.c against every simulation. */
#include "pimstream/sched.h"

#include <math.h>
#include <stdlib.h>

static double dmax(double a, double b)
{
    return a > b ? a : b;
}

/* Cycles a load's write takes at least: alone on the channel it still
 * moves at most min(s, B); from on chip at the port speed. */
static double write_floor(const pim_plan *p, uint64_t bytes, int onchip)
{
    double rate = p->write_bytes_per_cycle;
    if (!onchip && (double)p->bandwidth < rate)
        rate = (double)p->bandwidth;
    return (double)bytes / rate;
}

/* Sums over one layer's loads. */
typedef struct {
    double busy;     /* macro-cycles: writes, overheads, computes */
    double compute;  /* macro-cycles computing */
    double min_tail; /* least o + compute of one of its loads */
    double max_compute;
    double first_ready; /* earliest a write of this layer can be done (+ o) */
    uint64_t loads;
} layer_sums;

static void sum_layer(const pim_plan *p, uint32_t i, layer_sums *s)
{
    const pim_layer_plan *l = &p->layers[i];
    double t = p->cycles_per_vector;
    s->loads = pim_plan_loads(p, i);
    s->busy = s->compute = s->max_compute = 0;
    s->min_tail = s->first_ready = INFINITY;
    if (!s->loads)
        return;
    /* chunk sizes differ by at most one vector: the first `extra` are larger */
    uint64_t base = l->vectors / l->chunks, extra = l->vectors % l->chunks;
    double vmin = (double)(extra == l->chunks ? base + 1 : base);
    double vmax = (double)(extra ? base + 1 : base);
    double write_sum = 0, write_min = INFINITY;
    for (uint64_t k = 0; k < l->tiling.tiles; k++) {
        double w = write_floor(p, pim_tile_bytes(&l->tiling, k), l->onchip_writes);
        write_sum += w;
        if (w < write_min)
            write_min = w;
    }
    s->compute = (double)l->tiling.tiles * (double)l->vectors * t;
    s->busy = write_sum * (double)l->chunks + (double)s->loads * p->overhead + s->compute;
    s->min_tail = p->overhead + vmin * t;
    s->max_compute = vmax * t;
    s->first_ready = write_min + p->overhead;
}

void pim_plan_lower_bound(const pim_plan *p, pim_plan_bound *out)
{
    *out = (pim_plan_bound){0};
    double macro_busy = 0, offchip_tail = INFINITY, digital = 0, chain = 0;
    double *ef = calloc(p->count ? p->count : 1, sizeof *ef);
    for (uint32_t i = 0; i < p->count; i++) {
        const pim_layer_plan *l = &p->layers[i];
        layer_sums s;
        sum_layer(p, i, &s);
        macro_busy += s.busy;
        digital += (double)l->digital_cycles;
        if (l->stream_bytes)
            offchip_tail = 0; /* a digital read may be the channel's last */
        else if (s.loads && !l->onchip_writes && s.min_tail < offchip_tail)
            offchip_tail = s.min_tail;
        double es = 0; /* earliest any of l's work may start computing */
        for (uint32_t k = 0; ef && k < l->npreds; k++)
            es = dmax(es, ef[l->preds[k]]);
        double done;
        if (s.loads) {
            double width = (double)(s.loads < p->macros ? s.loads : p->macros);
            double own_bytes = l->onchip_writes ? 0 : (double)pim_tiling_bytes(&l->tiling);
            done = dmax(dmax(es, s.first_ready) + dmax(s.compute / width, s.max_compute),
                        s.busy / width);
            done = dmax(done, own_bytes * (double)l->chunks / (double)p->bandwidth + s.min_tail);
        } else {
            done = es + (double)l->digital_cycles;
        }
        done = dmax(done, (double)l->stream_bytes / (double)p->bandwidth);
        if (ef)
            ef[i] = done;
        chain = dmax(chain, done);
    }
    free(ef);
    double offchip = (double)pim_plan_offchip_bytes(p);
    out->channel =
        offchip / (double)p->bandwidth + (offchip > 0 && isfinite(offchip_tail) ? offchip_tail : 0);
    out->macros = macro_busy / (double)p->macros;
    out->digital = digital;
    out->chain = chain;
    out->tight = dmax(dmax(out->channel, out->macros), dmax(out->digital, out->chain));
}
