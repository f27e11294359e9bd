/* pimstream nest: Timeloop's counting rules on a loop nest.
 *
 * For each tensor, its keepers are visited from the compute outward; each
 * one's counts follow from its tile (the loops at and below it that index
 * the tensor), its visits (the temporal loops above it, less the innermost
 * run that does not index it: the tile stays put across those), and the
 * totals of the keeper below it, divided by the multicast (read-only
 * tensors) or spatial reduction (outputs) of the fan-outs in between.
 * FACTS.md 6.1-6.5 states each rule with the reference line it matches. */
#include "pimstream/nest.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* the temporal order a level's permutation asks for (innermost first),
 * outer to inner; dimensions it leaves out go outermost */
static void order_from_permutation(const char *perm, uint8_t order[PIM_DIMS])
{
    int n = 0;
    size_t len = strlen(perm);
    for (int d = 0; d < PIM_DIMS; d++)
        if (!strchr(perm, pim_dim_name(d)[0]))
            order[n++] = (uint8_t)d;
    for (size_t i = len; i-- > 0;)
        order[n++] = (uint8_t)pim_dim_parse(perm[i]);
}

void pim_mapping_init(const pim_hier *h, pim_mapping *m)
{
    memset(m, 0, sizeof *m);
    for (uint32_t i = 0; i < h->nlevels; i++) {
        const pim_hlevel *l = &h->level[i];
        for (int d = 0; d < PIM_DIMS; d++) {
            m->factor[i][d] = 1;
            m->order[i][d] = (uint8_t)d;
            m->axis[i][d] = l->axis[d] ? l->axis[d] : PIM_AXIS_Y;
        }
        if (l->permutation[0])
            order_from_permutation(l->permutation, m->order[i]);
        if (l->kind == PIM_HL_STORAGE)
            m->keep[i] = (uint8_t)(PIM_ALL_TENSORS & ~l->bypass);
    }
}

static uint64_t dim_size(const pim_gemm *g, int d)
{
    return d == PIM_DIM_M ? g->m : d == PIM_DIM_N ? g->n : g->k;
}

/* ---- the counts ------------------------------------------------------- */

typedef struct {
    const pim_hier *h;
    const pim_mapping *m;
    uint32_t compute; /* index of the compute level */
} nest;

static uint64_t relevant_product(const nest *n, uint32_t level, int tensor)
{
    uint64_t p = 1;
    for (int d = 0; d < PIM_DIMS; d++)
        if (pim_tensor_has_dim(tensor, d))
            p *= n->m->factor[level][d];
    return p;
}

static uint64_t irrelevant_product(const nest *n, uint32_t level, int tensor)
{
    for (int d = 0; d < PIM_DIMS; d++)
        if (!pim_tensor_has_dim(tensor, d))
            return n->m->factor[level][d];
    return 1;
}

/* Words of the tensor one instance of `level` holds: every loop at or
 * below it that indexes the tensor. */
static uint64_t tile(const nest *n, uint32_t level, int tensor)
{
    uint64_t t = 1;
    for (uint32_t j = level; j < n->compute; j++)
        t *= relevant_product(n, j, tensor);
    return t;
}

/* How often the tile is brought in: the temporal loops above, inner to
 * outer, without the innermost run that does not index the tensor. */
static uint64_t visits(const nest *n, uint32_t level, int tensor)
{
    uint64_t v = 1;
    int resident = 1;
    for (uint32_t j = level; j-- > 0;) {
        if (n->h->level[j].kind != PIM_HL_STORAGE)
            continue;
        for (int i = PIM_DIMS; i-- > 0;) {
            int d = n->m->order[j][i];
            uint64_t f = n->m->factor[j][d];
            if (f == 1)
                continue;
            if (resident && !pim_tensor_has_dim(tensor, d))
                continue;
            resident = 0;
            v *= f;
        }
    }
    return v;
}

/* Distinct words one instance ever holds. */
static uint64_t partition(const nest *n, uint32_t level, int tensor)
{
    uint64_t p = tile(n, level, tensor);
    for (uint32_t j = 0; j < level; j++)
        if (n->h->level[j].kind == PIM_HL_STORAGE)
            p *= relevant_product(n, j, tensor);
    return p;
}

static void used_instances(const nest *n, pim_nest_result *r)
{
    uint64_t used = 1;
    for (uint32_t j = 0; j <= n->compute; j++) {
        r->used[j] = used;
        if (n->h->level[j].kind == PIM_HL_FANOUT)
            for (int d = 0; d < PIM_DIMS; d++)
                used *= n->m->factor[j][d];
    }
}

/* Counts of tensor t at its keepers above `depth` (the compute when the
 * mapping is whole). The innermost of them waits for what lies below:
 * only its tile, partition and fills are decided; it is returned in
 * *pending with the multicast (reduction) of the fan-outs under it. */
static void count_tensor(const nest *n, int tensor, uint32_t depth, pim_nest_result *r,
                         uint32_t *pending, uint64_t *pending_x)
{
    uint32_t child = depth;
    uint64_t child_total = r->macs;
    int decided = depth == n->compute;
    *pending = UINT32_MAX;
    for (uint32_t L = depth; L-- > 0;) {
        if (n->h->level[L].kind != PIM_HL_STORAGE || !(n->m->keep[L] & PIM_TENSOR_BIT(tensor)))
            continue;
        uint64_t x = 1; /* multicast (A, B) or spatial reduction (Z) in between */
        for (uint32_t j = L + 1; j < child; j++)
            if (n->h->level[j].kind == PIM_HL_FANOUT)
                x *= irrelevant_product(n, j, tensor);
        pim_access *a = &r->acc[L][tensor];
        a->tile = tile(n, L, tensor);
        a->partition = partition(n, L, tensor);
        uint64_t v = visits(n, L, tensor), total = decided ? child_total / x / r->used[L] : 0;
        uint64_t brought = L == 0 ? 0 : a->tile * v;
        if (tensor != PIM_TENSOR_Z) {
            a->reads = total;
            a->fills = brought;
        } else {
            /* the first update of each output skips its read; a partial-sum
             * tile comes back down on every visit but the first */
            a->updates = total;
            a->reads = total > a->partition ? total - a->partition : 0;
            a->fills = brought > a->partition ? brought - a->partition : 0;
        }
        if (!decided)
            *pending = L, *pending_x = x;
        decided = 1;
        child_total = a->tile * v * r->used[L];
        child = L;
    }
}

/* ---- cycles and energy -------------------------------------------------- */

static uint64_t ceil_div_double(uint64_t words, double bw)
{
    return (uint64_t)ceil((double)words / bw - 1e-9);
}

/* Every level's cycles: the compute's, or what its bandwidth needs for its
 * reads and for its fills and updates, per instance (Timeloop's rule). */
static void level_cycles(const nest *n, pim_nest_result *r)
{
    r->unscaled_cycles = r->compute_cycles;
    uint64_t mem = 0;
    int mem_level = -1;
    for (uint32_t L = 0; L < n->compute; L++) {
        const pim_hlevel *l = &n->h->level[L];
        uint64_t c = r->compute_cycles, reads = 0, writes = 0;
        for (int t = 0; t < PIM_TENSORS; t++) {
            reads += r->acc[L][t].reads;
            writes += r->acc[L][t].fills + r->acc[L][t].updates;
        }
        if (l->kind == PIM_HL_STORAGE && l->read_bw > 0 && ceil_div_double(reads, l->read_bw) > c)
            c = ceil_div_double(reads, l->read_bw);
        if (l->kind == PIM_HL_STORAGE && l->write_bw > 0 &&
            ceil_div_double(writes, l->write_bw) > c)
            c = ceil_div_double(writes, l->write_bw);
        r->level_cycles[L] = c;
        if (c > mem)
            mem = c, mem_level = (int)L;
    }
    r->level_cycles[n->compute] = r->compute_cycles;
    if (mem > r->unscaled_cycles)
        r->unscaled_cycles = mem;
    /* a CiM primitive's MAC step takes `latency` cycles */
    double compute = (double)r->compute_cycles * n->h->level[n->compute].latency;
    r->cycles = compute >= (double)mem ? compute : (double)mem;
    r->bound_level = compute >= (double)mem ? -1 : mem_level;
}

/* Each access's energy: a block's energy per access of a block. */
static void access_energy(const nest *n, uint32_t depth, pim_nest_result *r)
{
    for (uint32_t L = 0; L < depth; L++) {
        const pim_hlevel *l = &n->h->level[L];
        if (l->kind != PIM_HL_STORAGE)
            continue;
        double per = (double)r->used[L] / l->block;
        for (int t = 0; t < PIM_TENSORS; t++) {
            pim_access *a = &r->acc[L][t];
            double rd = per * (double)a->reads * l->read_pj;
            double fl = per * (double)a->fills * l->write_pj;
            double up = per * (double)a->updates * l->update_pj;
            a->energy_pj = rd + fl + up;
            r->read_pj[L] += rd;
            r->fill_pj[L] += fl;
            r->update_pj[L] += up;
        }
    }
}

static void energy(const nest *n, pim_nest_result *r)
{
    access_energy(n, n->compute, r);
    double dynamic = 0, leak_per_cycle = 0;
    for (uint32_t L = 0; L < n->compute; L++) {
        for (int t = 0; t < PIM_TENSORS; t++)
            dynamic += r->acc[L][t].energy_pj;
        double leak = n->h->level[L].leak_pj * (double)pim_hier_instances(n->h, L);
        leak_per_cycle += leak;
        r->leak_pj[L] = leak * r->cycles;
    }
    r->mac_pj = (double)r->macs * n->h->level[n->compute].mac_pj;
    dynamic += r->mac_pj;
    r->energy_pj = dynamic + leak_per_cycle * r->cycles;
    r->unscaled_energy_pj = dynamic + leak_per_cycle * (double)r->unscaled_cycles;
}

/* The study's post-processing (post-process/get_stats.py, FACTS.md 4.3),
 * literally: arithmetic cycles = compute cycles x the weight storage's
 * K and N factors x latency (the factors counted twice, FACTS.md 9.4);
 * memory cycles = reads or updates over the level's bandwidth (1 where it
 * has none), fills ignored; energy adds 0.05 pJ per temporal reduction. */
static void study(const nest *n, pim_nest_result *r)
{
    const pim_hlevel *unit = &n->h->level[n->compute];
    double storage_factors = 1, mem = 0, reductions = 0;
    for (uint32_t L = n->compute; L-- > 0;)
        if (n->h->level[L].kind == PIM_HL_STORAGE &&
            (n->m->keep[L] & PIM_TENSOR_BIT(PIM_TENSOR_B))) {
            storage_factors = (double)(n->m->factor[L][PIM_DIM_K] * n->m->factor[L][PIM_DIM_N]);
            break;
        }
    for (uint32_t L = 0; L < n->compute; L++) {
        const pim_hlevel *l = &n->h->level[L];
        double reads = 0, updates = 0;
        for (int t = 0; t < PIM_TENSORS; t++)
            reads += (double)r->acc[L][t].reads, updates += (double)r->acc[L][t].updates;
        reductions += (double)r->acc[L][PIM_TENSOR_Z].reads;
        double c = fmax(reads / (l->read_bw > 0 ? l->read_bw : 1),
                        updates / (l->write_bw > 0 ? l->write_bw : 1));
        if (l->kind == PIM_HL_STORAGE && c > mem)
            mem = c;
    }
    double arithmetic = (double)r->compute_cycles * storage_factors * unit->latency;
    r->study_cycles = unit->cim ? fmax(arithmetic, mem) : (double)r->unscaled_cycles;
    r->study_energy_pj = r->unscaled_energy_pj + (unit->cim ? 0.05 * reductions : 0);
}

void pim_nest_eval(const pim_hier *h, const pim_gemm *g, const pim_mapping *m, pim_nest_result *r)
{
    memset(r, 0, sizeof *r);
    nest n = {h, m, h->nlevels - 1};
    r->macs = g->m * g->n * g->k;
    used_instances(&n, r);
    r->compute_cycles = r->macs / r->used[n.compute];
    uint32_t pending;
    uint64_t x;
    for (int t = 0; t < PIM_TENSORS; t++)
        count_tensor(&n, t, n.compute, r, &pending, &x);
    level_cycles(&n, r);
    energy(&n, r);
    r->utilization =
        (double)r->macs / ((double)pim_hier_instances(h, n.compute) * (double)r->unscaled_cycles);
    study(&n, r);
}

void pim_nest_eval_decided(const pim_hier *h, uint64_t macs, const pim_mapping *m, uint32_t depth,
                           pim_nest_result *r, uint32_t pending[PIM_TENSORS],
                           uint64_t pending_x[PIM_TENSORS])
{
    /* only what levels above `depth` use: a search calls this per choice */
    memset(r->acc, 0, depth * sizeof r->acc[0]);
    memset(r->read_pj, 0, depth * sizeof r->read_pj[0]);
    memset(r->fill_pj, 0, depth * sizeof r->fill_pj[0]);
    memset(r->update_pj, 0, depth * sizeof r->update_pj[0]);
    nest n = {h, m, h->nlevels - 1};
    r->macs = macs;
    used_instances(&n, r);
    for (int t = 0; t < PIM_TENSORS; t++)
        count_tensor(&n, t, depth, r, &pending[t], &pending_x[t]);
    access_energy(&n, depth, r);
}

/* ---- checks ------------------------------------------------------------- */

static pim_status check_fanout(const pim_hier *h, uint32_t i, const pim_mapping *m, pim_error *err)
{
    const pim_hlevel *l = &h->level[i];
    uint64_t on[3] = {1, 1, 1};
    for (int d = 0; d < PIM_DIMS; d++) {
        int axis = m->axis[i][d];
        if (axis != PIM_AXIS_X && axis != PIM_AXIS_Y)
            return pim_fail(err, PIM_EINPUT, "mapping: %s: %s needs a mesh axis", l->name,
                            pim_dim_name(d));
        on[axis] *= m->factor[i][d];
    }
    if (on[PIM_AXIS_X] > l->mesh_x || on[PIM_AXIS_Y] > l->mesh_y)
        return pim_fail(err, PIM_EINPUT,
                        "mapping: %s: %llu x %llu instances used of a %u x %u mesh", l->name,
                        (unsigned long long)on[PIM_AXIS_X], (unsigned long long)on[PIM_AXIS_Y],
                        l->mesh_x, l->mesh_y);
    return PIM_OK;
}

static pim_status check_storage(const pim_hier *h, uint32_t i, const pim_mapping *m, pim_error *err)
{
    const pim_hlevel *l = &h->level[i];
    if ((m->keep[i] & l->bypass) || (l->keep & ~m->keep[i]))
        return pim_fail(err, PIM_EINPUT,
                        "mapping: %s keeps what the architecture bypasses, "
                        "or bypasses what it keeps",
                        l->name);
    if (!l->capacity)
        return PIM_OK;
    nest n = {h, m, h->nlevels - 1};
    uint64_t words = 0;
    for (int t = 0; t < PIM_TENSORS; t++)
        if (m->keep[i] & PIM_TENSOR_BIT(t))
            words += tile(&n, i, t);
    if (words > l->capacity)
        return pim_fail(err, PIM_EINPUT, "mapping: %s holds %llu words, its capacity is %llu",
                        l->name, (unsigned long long)words, (unsigned long long)l->capacity);
    return PIM_OK;
}

/* The order's loops with factors above 1 follow the permutation. */
static int follows_permutation(const pim_hlevel *l, const pim_mapping *m, uint32_t i)
{
    const char *perm = l->permutation;
    int last = -1;
    for (int k = PIM_DIMS; k-- > 0;) { /* inner to outer */
        int d = m->order[i][k];
        if (m->factor[i][d] == 1)
            continue;
        const char *at = strchr(perm, pim_dim_name(d)[0]);
        int pos = at ? (int)(at - perm) : 3;
        if (pos < last)
            return 0;
        last = pos;
    }
    return 1;
}

static pim_status check_constraints(const pim_hier *h, uint32_t i, const pim_mapping *m,
                                    pim_error *err)
{
    const pim_hlevel *l = &h->level[i];
    for (int d = 0; d < PIM_DIMS; d++) {
        uint64_t f = m->factor[i][d];
        if ((l->fixed[d] && f != l->fixed[d]) || (l->max[d] && f > l->max[d]))
            return pim_fail(err, PIM_EINPUT, "mapping: %s: factor %s%llu breaks its constraint",
                            l->name, pim_dim_name(d), (unsigned long long)f);
        if (l->kind == PIM_HL_FANOUT && l->axis[d] && f > 1 && m->axis[i][d] != l->axis[d])
            return pim_fail(err, PIM_EINPUT, "mapping: %s: %s must go on %s", l->name,
                            pim_dim_name(d), l->axis[d] == PIM_AXIS_X ? "X" : "Y");
    }
    if (l->permutation[0] && !follows_permutation(l, m, i))
        return pim_fail(err, PIM_EINPUT, "mapping: %s: loop order breaks permutation %s", l->name,
                        l->permutation);
    return PIM_OK;
}

pim_status pim_mapping_check(const pim_hier *h, const pim_gemm *g, const pim_mapping *m, int strict,
                             pim_error *err)
{
    for (int d = 0; d < PIM_DIMS; d++) {
        uint64_t p = 1;
        for (uint32_t i = 0; i < h->nlevels; i++) {
            if (m->factor[i][d] < 1)
                return pim_fail(err, PIM_EINPUT, "mapping: a factor of 0");
            if (h->level[i].kind == PIM_HL_COMPUTE && m->factor[i][d] != 1)
                return pim_fail(err, PIM_EINPUT, "mapping: the compute level has no loops");
            p *= m->factor[i][d];
            if (p > dim_size(g, d))
                break;
        }
        if (p != dim_size(g, d))
            return pim_fail(
                err, PIM_EINPUT, "mapping: the factors of %s multiply to %llu, not its size %llu",
                pim_dim_name(d), (unsigned long long)p, (unsigned long long)dim_size(g, d));
    }
    if (m->keep[0] != PIM_ALL_TENSORS)
        return pim_fail(err, PIM_EINPUT, "mapping: %s must keep A, B and Z", h->level[0].name);
    for (uint32_t i = 0; i + 1 < h->nlevels; i++) {
        pim_status st = h->level[i].kind == PIM_HL_FANOUT ? check_fanout(h, i, m, err)
                                                          : check_storage(h, i, m, err);
        if (!st && strict)
            st = check_constraints(h, i, m, err);
        if (st)
            return st;
    }
    return PIM_OK;
}

/* ---- text ----------------------------------------------------------------- */

int pim_mapping_format_level(const pim_hier *h, const pim_mapping *m, uint32_t i, char *buf,
                             size_t cap)
{
    int fan = h->level[i].kind == PIM_HL_FANOUT, any = 0;
    size_t n = (size_t)snprintf(buf, cap, "%s", fan ? "sp{" : "[");
    for (int k = 0; k < PIM_DIMS && n < cap; k++) {
        int d = m->order[i][k];
        if (m->factor[i][d] == 1)
            continue;
        n += (size_t)snprintf(buf + n, cap - n, "%s%s%llu%s", any ? " " : "", pim_dim_name(d),
                              (unsigned long long)m->factor[i][d],
                              !fan                          ? ""
                              : m->axis[i][d] == PIM_AXIS_X ? "@X"
                                                            : "@Y");
        any = 1;
    }
    if (n < cap)
        snprintf(buf + n, cap - n, "%s", fan ? "}" : "]");
    return any;
}

void pim_mapping_format(const pim_hier *h, const pim_mapping *m, char *buf, size_t cap)
{
    size_t at = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i + 1 < h->nlevels && at < cap; i++) {
        char loops[128];
        if (pim_mapping_format_level(h, m, i, loops, sizeof loops))
            at += (size_t)snprintf(buf + at, cap - at, "%s%s %s", at ? " / " : "", h->level[i].name,
                                   loops);
    }
}
