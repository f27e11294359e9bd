/* pimstream compile: units and the partition cost model.
 *
 * A partition runs its units layer-pipelined: image i+1 enters a layer as
 * soon as image i leaves it, so after the pipeline fills, one image comes
 * out per slowest stage (ISAAC, ISCA 2016, Sec. 5; COMPASS Sec. III). */
#include "pimstream/compile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t act_bytes(uint64_t elems, uint32_t bits)
{
    return pim_ceil_div(elems * bits, 8);
}

static pim_status add_unit(pim_unit **u, uint32_t *n, uint32_t *cap, const pim_unit *v,
                           pim_error *err)
{
    if (!pim_grow((void **)u, cap, *n, sizeof **u))
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    (*u)[(*n)++] = *v;
    return PIM_OK;
}

/* A unit reads every slice of each producer layer `l`: units
 * [first[l], first[l] + count[l]). Their indices go to `pool`; v->preds
 * is set once the pool stops moving (pim_units_build). */
static pim_status link_preds(const pim_model *m, const pim_layer *src, const uint32_t *first,
                             const uint32_t *count, pim_pool *pool, pim_unit *v, uint32_t *at,
                             pim_error *err)
{
    const uint32_t *preds = pim_layer_preds(m, src);
    v->npreds = 0;
    *at = pool->count;
    for (uint32_t k = 0; k < src->npreds; k++)
        for (uint32_t s = 0; s < count[preds[k]]; s++) {
            uint32_t q = first[preds[k]] + s, unused;
            if (!pim_pool_add(pool, &q, 1, &unused))
                return pim_fail(err, PIM_EINTERNAL, "out of memory");
            v->npreds++;
        }
    return PIM_OK;
}

pim_status pim_units_build(const pim_model *m, const pim_arch *a, const pim_plan *p, pim_unit **out,
                           uint32_t *n, pim_pool *pool, pim_error *err)
{
    *out = NULL;
    *n = 0;
    uint32_t *at = NULL, at_cap = 0; /* per unit: where its producers start in the pool */
    uint32_t cap = 0, bits = a->macro.input_bits;
    uint32_t *first = pim_xcalloc(m->count, sizeof *first);
    uint32_t *count = pim_xcalloc(m->count, sizeof *count);
    pim_status st = first && count ? PIM_OK : pim_fail(err, PIM_EINTERNAL, "out of memory");
    for (uint32_t i = 0; i < m->count && !st; i++) {
        const pim_layer *src = &m->layers[i];
        const pim_layer_plan *lp = &p->layers[i];
        if (lp->dynamic && lp->tiling.tiles) {
            st =
                pim_fail(err, PIM_EINPUT,
                         "layer %s: partitioning supports dynamic_matmul: digital only", src->name);
            break;
        }
        uint64_t in, outs;
        pim_layer_io_elems(src, &in, &outs);
        uint64_t tiles = lp->tiling.tiles;
        uint64_t slices = tiles > p->macros ? pim_ceil_div(tiles, p->macros) : 1;
        first[i] = *n;
        count[i] = (uint32_t)slices;
        for (uint64_t s = 0; s < slices && !st; s++) {
            pim_unit v = {.layer = i, .slice = (uint32_t)s, .slices = (uint32_t)slices};
            v.tiling = lp->tiling;
            v.tile_first = tiles * s / slices;
            v.tiles = tiles * (s + 1) / slices - v.tile_first;
            for (uint64_t t = 0; t < v.tiles; t++) {
                uint64_t b = pim_tile_bytes(&lp->tiling, v.tile_first + t);
                v.bytes += b;
                if (b > v.max_tile_bytes)
                    v.max_tile_bytes = b;
            }
            v.vectors = lp->vectors;
            v.digital_cycles = lp->digital_cycles;
            v.stream_bytes = lp->stream_bytes;
            v.in_bytes = src->npreds ? 0 : act_bytes(in, bits);
            v.out_bytes =
                act_bytes(outs, bits) * (s + 1) / slices - act_bytes(outs, bits) * s / slices;
            if (!pim_grow((void **)&at, &at_cap, *n, sizeof *at))
                st = pim_fail(err, PIM_EINTERNAL, "out of memory");
            if (!st)
                st = link_preds(m, src, first, count, pool, &v, &at[*n], err);
            if (!st)
                st = add_unit(out, n, &cap, &v, err);
        }
    }
    /* A unit without producers may leave the pool empty (items NULL):
     * NULL + 0 is undefined in C, so such a unit gets no pointer. */
    for (uint32_t i = 0; i < *n && !st; i++)
        (*out)[i].preds = (*out)[i].npreds ? pool->items + at[i] : NULL;
    free(at);
    free(first);
    free(count);
    if (st) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return st;
}

void pim_cost_params_init(const pim_plan *p, uint64_t batch, pim_cost_params *out)
{
    memset(out, 0, sizeof *out);
    out->macros = p->macros;
    out->bandwidth = (double)p->bandwidth;
    out->port = p->write_bytes_per_cycle;
    out->overhead = p->overhead;
    out->cycles_per_vector = p->cycles_per_vector;
    out->batch = (double)batch;
}

/* ---- the slowest stage and its replication ---------------------------- */

/* Macros needed so that no copy of a unit handles more than q vectors. */
static uint64_t macros_for(const pim_unit *u, uint32_t first, uint32_t count, uint64_t q)
{
    uint64_t need = 0;
    for (uint32_t i = first; i < first + count; i++)
        if (u[i].tiles)
            need += u[i].tiles * pim_ceil_div(u[i].vectors, q);
    return need;
}

/* Replication that minimises the slowest stage within `budget` macros:
 * the smallest q (vectors per copy) whose copies fit, found by bisection
 * since the macros needed only fall as q grows. Exact: any allocation
 * whose slowest copy handles q vectors needs at least macros_for(q). */
static void balance(const pim_unit *u, uint32_t first, uint32_t count, uint64_t budget,
                    uint32_t *replicas)
{
    uint64_t lo = 1, hi = 1;
    for (uint32_t i = first; i < first + count; i++)
        if (u[i].tiles && u[i].vectors > hi)
            hi = u[i].vectors;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (macros_for(u, first, count, mid) <= budget)
            hi = mid;
        else
            lo = mid + 1;
    }
    for (uint32_t i = first; i < first + count; i++)
        replicas[i - first] = u[i].tiles ? (uint32_t)pim_ceil_div(u[i].vectors, lo) : 0;
}

/* Boundary traffic per image: inputs from outside the range (each producer
 * once), outputs consumed outside it or by nobody (the model's outputs). */
static double boundary_bytes(const pim_unit *u, uint32_t first, uint32_t count,
                             const uint32_t *last_use, double *out)
{
    double bytes = 0;
    *out = 0;
    for (uint32_t i = first; i < first + count; i++) {
        bytes += (double)(u[i].in_bytes + u[i].stream_bytes);
        if (last_use[i] == UINT32_MAX || last_use[i] >= first + count)
            *out += (double)u[i].out_bytes;
        for (uint32_t k = 0; k < u[i].npreds; k++) {
            uint32_t q = u[i].preds[k];
            if (q >= first)
                continue;
            int seen = 0; /* an earlier unit of the range read it already */
            for (uint32_t j = first; j < i && !seen; j++)
                for (uint32_t kk = 0; kk < u[j].npreds && !seen; kk++)
                    seen = u[j].preds[kk] == q;
            if (!seen)
                bytes += (double)u[q].out_bytes;
        }
    }
    return bytes + *out;
}

/* One unit's stage: cycles per image with r copies (digital: its own). */
static double unit_stage(const pim_unit *v, uint32_t r, const pim_cost_params *cp)
{
    if (!v->tiles)
        return (double)v->digital_cycles;
    return (double)pim_ceil_div(v->vectors, r) * cp->cycles_per_vector;
}

/* The slowest stage; the digital layers share the vector units, so theirs
 * add up. Sets the shape's totals that do not depend on time. */
static void shape_totals(const pim_unit *u, const pim_cost_params *cp, pim_part_shape *s)
{
    double digital = 0, slowest = 0;
    s->weight_bytes = 0;
    for (uint32_t k = 0; k < s->count; k++) {
        const pim_unit *v = &u[s->first + k];
        double stage = unit_stage(v, s->replicas[k], cp);
        digital += v->tiles ? 0 : stage;
        slowest = stage > slowest ? stage : slowest;
        s->weight_bytes += (double)v->bytes * s->replicas[k];
    }
    s->stage = fmax(slowest, digital);
}

/* Cycles between images once the pipeline is full: the slowest stage,
 * unless the boundary traffic per image is slower. */
static double steady_of(const pim_part_shape *s, const pim_cost_params *cp)
{
    return fmax(s->stage, s->io_bytes / cp->bandwidth);
}

/* Move `bytes` through the channel from time t: before 0 (the previous
 * partition's compute) at `slow`, the rest at `fast`. */
static double advance(double t, double bytes, double slow, double fast)
{
    if (t < 0) {
        if (bytes <= -t * slow)
            return t + bytes / slow;
        bytes -= -t * slow;
        t = 0;
    }
    return t + bytes / fast;
}

/* A partition's timeline, with time 0 at the end of `prev` (the start of
 * cur when it comes first). Weights load in layout order a few tiles at a
 * time (program.c keeps just enough loads in flight to fill the channel),
 * each macro once prev's unit on it has finished its last image and prev's
 * weights are all in; prev's boundary traffic takes its share of the
 * channel until 0. A unit starts its first image when its weights and its
 * inputs are in (boundary inputs at 0), then the pipeline delivers one
 * image per slowest stage, unless the boundary traffic is slower. prev's
 * times come from its own timeline as a first partition, counted back
 * from its end: the shape does not depend on what came before it, which
 * keeps the search exact over shapes. Writes lat[] (per unit: its first
 * image done) and *written; returns cur's end. */
static double timeline(const pim_unit *u, const pim_part_shape *prev, const pim_part_shape *cur,
                       const pim_cost_params *cp, double *lat, double *written)
{
    static const pim_part_shape nothing; /* before the first partition */
    /* sequential partitions (COMPASS's execution model): nothing of cur
     * loads before prev has ended, and nothing of cur computes before its
     * weights are all in */
    prev = prev && !cp->model.sequential ? prev : &nothing;
    double gate = prev->written - prev->duration; /* prev's last weight in */
    double io_rate = prev->duration > 0 ? cp->batch * prev->io_bytes / prev->duration : 0;
    /* prev's traffic can fill the link when it is what bounds prev; the
     * channel still gives every client a share, so the loads keep a small
     * one (5%: our choice, low so as not to overstate the overlap) */
    double fast = cp->bandwidth, slow = fmax(fast - io_rate, 0.05 * fast);
    /* image 0's boundary inputs load at 0, sharing the channel with any
     * weights still loading; the last image's outputs store at the end */
    double in0 = (cur->io_bytes - cur->out_bytes) / fast, out_last = cur->out_bytes / fast;
    double t = gate, fill = 0;
    int inputs_passed = 0;
    uint32_t np = prev->count, k = 0;
    uint64_t pos = 0, kend = 0; /* cur's macro cursor; where prev's unit k-1 ends */
    *written = gate;
    for (uint32_t j = 0; j < cur->count; j++) { /* lat[j]: when unit j may start */
        const pim_unit *v = &u[cur->first + j];
        uint64_t end = pos + v->tiles * cur->replicas[j];
        double per_macro = v->tiles ? (double)v->bytes / (double)v->tiles : 0;
        double start = v->npreds == 0 && v->in_bytes ? in0 : -INFINITY;
        while (pos < end) {
            for (; k < np && kend <= pos; k++)
                kend += u[prev->first + k].tiles * prev->replicas[k];
            int held = kend > pos; /* prev's unit k-1 holds macro pos */
            uint64_t seg_end = held && kend < end ? kend : end;
            double tau = held ? fmax(prev->free_at[k - 1] - prev->duration, gate) : gate;
            t = advance(fmax(t, tau), (double)(seg_end - pos) * per_macro, slow, fast);
            if (t > 0 && !inputs_passed) {
                t += in0;
                inputs_passed = 1;
            }
            double ready = fmax(t, tau + (double)v->max_tile_bytes / cp->port) + cp->overhead;
            start = fmax(start, ready);
            *written = fmax(*written, ready);
            pos = seg_end;
        }
        lat[j] = start;
    }
    for (uint32_t j = 0; j < cur->count; j++) { /* lat[j]: its first image done */
        const pim_unit *v = &u[cur->first + j];
        double start = cp->model.sequential ? fmax(lat[j], *written) : lat[j];
        for (uint32_t x = 0; x < v->npreds; x++) {
            uint32_t q = v->preds[x];
            start = fmax(start, q >= cur->first ? lat[q - cur->first] : in0);
        }
        lat[j] = fmax(start, 0) + unit_stage(v, cur->replicas[j], cp);
        fill = fmax(fill, lat[j]);
    }
    /* the channel carries cur's weights from the gate and all its boundary
     * traffic from 0: neither can pass faster than B */
    double channel = fmax(t, 0) + cp->batch * cur->io_bytes / fast;
    return fmax(fill + (cp->batch - 1) * steady_of(cur, cp) + out_last, channel);
}

pim_cost pim_partition_after(const pim_unit *u, const pim_part_shape *prev,
                             const pim_part_shape *cur, const pim_cost_params *cp, double *scratch)
{
    double written;
    pim_cost c;
    /* sequential partitions owe nothing to the one before: cur as a first
     * partition, which its shape has timed already */
    c.cycles = cp->model.sequential ? cur->duration : timeline(u, prev, cur, cp, scratch, &written);
    c.pj = cur->weight_bytes * cp->pj_weight_byte + cp->batch * cur->io_bytes * cp->pj_act_byte +
           c.cycles * cp->pj_per_cycle;
    return c;
}

/* The shape as a first partition, for its replicas and boundary bytes:
 * its duration, when its weights are all in, and when each unit finishes
 * its last image. */
static void shape_times(const pim_unit *u, const pim_cost_params *cp, pim_part_shape *s)
{
    shape_totals(u, cp, s);
    s->duration = timeline(u, NULL, s, cp, s->free_at, &s->written);
    double steady = steady_of(s, cp);
    for (uint32_t k = 0; k < s->count; k++)
        s->free_at[k] += (cp->batch - 1) * steady;
}

void pim_partition_retime(const pim_unit *u, const pim_cost_params *cp, pim_part_shape *s)
{
    s->io_bytes = boundary_bytes(u, s->first, s->count, cp->last_use, &s->out_bytes);
    shape_times(u, cp, s);
}

uint64_t pim_units_macros(const pim_unit *u, uint32_t n)
{
    uint64_t macros = 0;
    for (uint32_t i = 0; i < n; i++)
        macros += u[i].tiles;
    return macros;
}

void pim_units_last_use(const pim_unit *u, uint32_t n, uint32_t *out)
{
    for (uint32_t i = 0; i < n; i++)
        out[i] = UINT32_MAX;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t k = 0; k < u[i].npreds; k++) {
            uint32_t q = u[i].preds[k];
            if (out[q] == UINT32_MAX || out[q] < i)
                out[q] = i;
        }
}

/* Replicas cost writes; at a small batch fewer can be faster. Budgets go
 * from one copy up to the whole chip, doubling; each budget's replication
 * is exact for its slowest stage, and the shape keeps the budget with the
 * least cost as a first partition. */
int pim_partition_shape(const pim_unit *u, uint32_t first, uint32_t count,
                        const pim_cost_params *cp, pim_part_shape *s)
{
    uint64_t tiles = 0;
    for (uint32_t i = first; i < first + count; i++)
        tiles += u[i].tiles;
    if (tiles > cp->macros || count == 0)
        return 0;
    s->first = first;
    s->count = count;
    s->io_bytes = boundary_bytes(u, first, count, cp->last_use, &s->out_bytes);
    double best = INFINITY;
    uint64_t best_budget = 0;
    for (uint64_t budget = tiles ? tiles : 1;; budget *= 2) {
        if (budget > cp->macros)
            budget = cp->macros;
        balance(u, first, count, budget, s->replicas);
        shape_times(u, cp, s);
        if (s->duration < best) {
            best = s->duration;
            best_budget = budget;
        }
        if (budget == cp->macros || tiles == 0 || cp->model.single_copy)
            break; /* single_copy: one copy of every unit */
    }
    balance(u, first, count, best_budget, s->replicas);
    shape_times(u, cp, s);
    return 1;
}
