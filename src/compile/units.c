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

/* Units of producer layer `l`: [first[l], first[l] + count[l]). */
static pim_status link_preds(const pim_layer *src, const uint32_t *first, const uint32_t *count,
                             pim_unit *v, pim_error *err)
{
    v->npreds = 0;
    for (uint32_t k = 0; k < src->npreds; k++)
        for (uint32_t s = 0; s < count[src->preds[k]]; s++) {
            if (v->npreds == PIM_UNIT_PREDS)
                return pim_fail(err, PIM_EINPUT,
                                "layer %s: more than %d producer slices; use a larger chip",
                                src->name, PIM_UNIT_PREDS);
            v->preds[v->npreds++] = first[src->preds[k]] + s;
        }
    return PIM_OK;
}

pim_status pim_units_build(const pim_model *m, const pim_arch *a, const pim_plan *p, pim_unit **out,
                           uint32_t *n, pim_error *err)
{
    *out = NULL;
    *n = 0;
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
            st = link_preds(src, first, count, &v, err);
            if (!st)
                st = add_unit(out, n, &cap, &v, err);
        }
    }
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

typedef struct {
    double write, fill, steady, io_bytes, weight_bytes;
} stage_costs;

/* Boundary traffic per image: inputs from outside the range (each producer
 * once), outputs consumed outside it or by nobody (the model's outputs). */
static double boundary_bytes(const pim_unit *u, uint32_t first, uint32_t count,
                             const uint32_t *last_use)
{
    double bytes = 0;
    for (uint32_t i = first; i < first + count; i++) {
        bytes += (double)(u[i].in_bytes + u[i].stream_bytes);
        if (last_use[i] == UINT32_MAX || last_use[i] >= first + count)
            bytes += (double)u[i].out_bytes;
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
    return bytes;
}

static void stage_times(const pim_unit *u, uint32_t first, uint32_t count,
                        const pim_cost_params *cp, const uint32_t *rep, stage_costs *sc,
                        double *lat)
{
    double digital = 0, slowest = 0, wbytes = 0, max_tile = 0;
    sc->fill = 0;
    for (uint32_t i = first; i < first + count; i++) {
        const pim_unit *v = &u[i];
        double stage = (double)v->digital_cycles;
        if (v->tiles) {
            uint32_t r = rep[i - first];
            stage = (double)pim_ceil_div(v->vectors, r) * cp->cycles_per_vector;
            wbytes += (double)v->bytes * r;
            if ((double)v->max_tile_bytes > max_tile)
                max_tile = (double)v->max_tile_bytes;
        } else {
            digital += stage; /* digital layers share the vector units */
        }
        if (stage > slowest)
            slowest = stage;
        double before = 0;
        for (uint32_t k = 0; k < v->npreds; k++)
            if (v->preds[k] >= first && lat[v->preds[k] - first] > before)
                before = lat[v->preds[k] - first];
        lat[i - first] = before + stage;
        if (lat[i - first] > sc->fill)
            sc->fill = lat[i - first];
    }
    sc->weight_bytes = wbytes;
    sc->write = wbytes > 0 ? fmax(wbytes / cp->bandwidth, max_tile / cp->port) + cp->overhead : 0;
    sc->steady = fmax(slowest, digital);
}

static pim_cost cost_of(const stage_costs *sc, const pim_cost_params *cp)
{
    double io = sc->io_bytes / cp->bandwidth; /* per image */
    double steady = fmax(sc->steady, io);
    double compute = fmax(sc->fill + (cp->batch - 1) * steady, cp->batch * io);
    pim_cost c;
    c.cycles = sc->write + compute;
    c.pj = sc->weight_bytes * cp->pj_weight_byte + cp->batch * sc->io_bytes * cp->pj_act_byte +
           c.cycles * cp->pj_per_cycle;
    return c;
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

int pim_partition_cost(const pim_unit *u, uint32_t first, uint32_t count, const pim_cost_params *cp,
                       uint32_t *replicas, double *stage, pim_cost *out)
{
    uint64_t tiles = 0;
    for (uint32_t i = first; i < first + count; i++)
        tiles += u[i].tiles;
    if (tiles > cp->macros || count == 0)
        return 0;
    uint32_t *rep = malloc(2 * (size_t)count * sizeof *rep);
    double *lat = malloc(count * sizeof *lat);
    if (!rep || !lat) {
        free(rep);
        free(lat);
        return 0;
    }
    uint32_t *best_rep = rep + count;
    stage_costs sc;
    double io = boundary_bytes(u, first, count, cp->last_use);
    /* Replicas cost writes; at a small batch fewer can be faster. Try
     * budgets from one copy up to the whole chip, doubling, and keep the
     * fastest; each budget's replication is exact for its slowest stage. */
    pim_cost best = {INFINITY, INFINITY};
    double best_stage = 0;
    for (uint64_t budget = tiles ? tiles : 1;; budget *= 2) {
        if (budget > cp->macros)
            budget = cp->macros;
        balance(u, first, count, budget, rep);
        stage_times(u, first, count, cp, rep, &sc, lat);
        sc.io_bytes = io;
        pim_cost c = cost_of(&sc, cp);
        if (c.cycles < best.cycles) {
            best = c;
            best_stage = sc.steady;
            memcpy(best_rep, rep, count * sizeof *rep);
        }
        if (budget == cp->macros || tiles == 0)
            break;
    }
    if (replicas)
        memcpy(replicas, best_rep, count * sizeof *rep);
    if (stage)
        *stage = best_stage;
    *out = best;
    free(rep);
    free(lat);
    return 1;
}
