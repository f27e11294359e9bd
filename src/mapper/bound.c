/* pimstream mapper: lower bounds for the branch and bound.
 *
 * Every bound is admissible: it never exceeds the objective of any mapping
 * that completes the decided levels (tests check the search against
 * evaluating every mapping). It adds the counts the decided levels fix,
 * the MACs, compulsory DRAM traffic, the accesses every MAC makes at the
 * innermost keeper of each tensor shared at most by the multicast or
 * reduction still possible below, the reads of partial sums, and the
 * cycles of the compute on every usable instance and of each level's
 * decided (or compulsory) traffic through its bandwidth. */
#include "mapper_internal.h"

#include <math.h>
#include <string.h>

/* The largest factor of `dim` a fan-out can take (its constraints, its
 * mesh), before what is left of the dimension. */
uint64_t pim_mapper_fan_cap(const pim_hlevel *l, int dim)
{
    if (l->fixed[dim])
        return l->fixed[dim];
    /* the mesh (or its axis) less what the fixed factors sharing it take */
    uint64_t mesh = l->axis[dim] == PIM_AXIS_X   ? l->mesh_x
                    : l->axis[dim] == PIM_AXIS_Y ? l->mesh_y
                                                 : (uint64_t)l->mesh_x * l->mesh_y;
    for (int d = 0; d < PIM_DIMS; d++)
        if (d != dim && l->fixed[d] && (!l->axis[dim] || l->axis[d] == l->axis[dim]))
            mesh /= l->fixed[d] <= mesh ? l->fixed[d] : mesh;
    if (!mesh)
        mesh = 1;
    return l->max[dim] && l->max[dim] < mesh ? l->max[dim] : mesh;
}

/* Upper bound on the product of the spatial factors of `dims` (a mask)
 * in fan-outs [from, to), given what is left of each dimension. */
static uint64_t spatial_cap(const search *s, uint32_t from, uint32_t to, unsigned dims,
                            const uint64_t rem[PIM_DIMS])
{
    uint64_t per_dim[PIM_DIMS] = {1, 1, 1}, meshes = 1;
    for (uint32_t j = from; j < to; j++) {
        if (s->h->level[j].kind != PIM_HL_FANOUT)
            continue;
        meshes *= s->mesh_used[j];
        for (int d = 0; d < PIM_DIMS; d++)
            if (per_dim[d] <= rem[d])
                per_dim[d] *= s->fan_used[j][d];
    }
    uint64_t p = 1;
    for (int d = 0; d < PIM_DIMS; d++)
        if (dims & (1u << d))
            p *= per_dim[d] < rem[d] ? per_dim[d] : rem[d];
    return p < meshes ? p : meshes;
}

/* Does k divide size[0] x size[1] x size[2]? (Take from k, dimension by
 * dimension, what it shares with each: per prime, greedy is exact.) */
static int divides_product(uint64_t k, const uint64_t size[PIM_DIMS])
{
    for (int d = 0; d < PIM_DIMS && k > 1; d++)
        for (uint64_t g; k > 1 && (g = pim_gcd(k, size[d])) > 1;)
            k /= g;
    return k == 1;
}

/* The largest k up to mesh that divides the GEMM's size product (1 always
 * does); past a bounded scan of a huge mesh, the mesh itself (looser, still
 * a bound). */
static uint64_t usable_instances(uint64_t mesh, const uint64_t size[PIM_DIMS])
{
    for (uint64_t k = mesh; k >= 1 && mesh - k <= 100000; k--)
        if (divides_product(k, size))
            return k;
    return mesh;
}

/* What a fan-out can actually use: a factor of a dimension divides it, and
 * the factors of all dimensions multiply to a divisor of their product; so
 * a mesh of 108 holds at most 64 instances of a power-of-two GEMM. */
void pim_mapper_usable_fanouts(search *s)
{
    for (uint32_t j = 0; j < s->compute; j++) {
        const pim_hlevel *l = &s->h->level[j];
        if (l->kind != PIM_HL_FANOUT)
            continue;
        s->mesh_used[j] = usable_instances((uint64_t)l->mesh_x * l->mesh_y, s->size);
        for (int d = 0; d < PIM_DIMS; d++) {
            uint64_t cap = pim_mapper_fan_cap(l, d), f = cap;
            while (f > 1 && s->size[d] % f)
                f--;
            s->fan_used[j][d] = f;
        }
    }
}

static unsigned irrelevant_dims(int t)
{
    unsigned mask = 0;
    for (int d = 0; d < PIM_DIMS; d++)
        if (!pim_tensor_has_dim(t, d))
            mask |= 1u << d;
    return mask;
}

/* The energy of the compulsory accesses at tensor t's innermost keeper,
 * if it is level k: every MAC reads (A, B) or updates (Z) there, shared
 * only by the multicast or reduction of the fan-outs below. */
static double innermost_pj(const search *s, uint32_t k, int t, double x_above,
                           const uint64_t rem[PIM_DIMS], uint32_t depth)
{
    const pim_hlevel *l = &s->h->level[k];
    uint32_t from = k < depth ? depth : k + 1;
    double x = x_above * (double)spatial_cap(s, from, s->compute, irrelevant_dims(t), rem);
    double words = (double)s->size[0] * s->size[1] * s->size[2] / x;
    if (t != PIM_TENSOR_Z)
        return words * l->read_pj / l->block;
    /* every update but each instance's first of an output also reads it;
     * the instances hold each output once per K-split above them */
    double split = 1;
    for (uint32_t j = 0; j < k && j < depth; j++)
        if (s->h->level[j].kind == PIM_HL_FANOUT)
            split *= (double)s->m.factor[j][PIM_DIM_K];
    if (k > depth)
        split *= (double)spatial_cap(s, depth, k, 1u << PIM_DIM_K, rem);
    double first = (double)s->size[0] * s->size[1] * split, reads = words - first;
    return (words * l->update_pj + (reads > 0 ? reads * l->read_pj : 0)) / l->block;
}

static int irrelevant_dim(int t)
{
    return t == PIM_TENSOR_A ? PIM_DIM_N : t == PIM_TENSOR_B ? PIM_DIM_M : PIM_DIM_K;
}

/* The most reuse tensor t can still find below `depth` and in the decided
 * loops just above it: loops over the dimension that does not index it,
 * spatial (multicast or reduction) or temporal (a tile kept while they
 * turn), and the innermost run of such loops already decided above. */
static double reuse_cap(const search *s, uint32_t depth, const uint64_t rem[PIM_DIMS], int t)
{
    int irr = irrelevant_dim(t);
    double below = (double)spatial_cap(s, depth, s->compute, 1u << irr, rem);
    for (uint32_t j = depth; j < s->compute; j++) {
        const pim_hlevel *l = &s->h->level[j];
        if (l->kind == PIM_HL_STORAGE)
            below *= (double)(l->fixed[irr] ? l->fixed[irr] : l->max[irr] ? l->max[irr] : rem[irr]);
        if (below >= (double)rem[irr]) {
            below = (double)rem[irr] * spatial_cap(s, depth, s->compute, 1u << irr, rem);
            break;
        }
    }
    /* the deepest decided storage level counts as if its loop over that
     * dimension were innermost: the bound then holds for all its orders,
     * so the search bounds one of them for all (each_order) */
    double run = 1;
    int deepest = 1;
    for (uint32_t j = depth; j-- > 0;) {
        if (s->h->level[j].kind != PIM_HL_STORAGE)
            continue;
        if (deepest) {
            deepest = 0;
            run *= (double)s->m.factor[j][irr];
            for (int d = 0; d < PIM_DIMS; d++)
                if (d != irr && s->m.factor[j][d] > 1)
                    return below * run;
            continue;
        }
        for (int k = PIM_DIMS; k-- > 0;) {
            int d = s->m.order[j][k];
            if (s->m.factor[j][d] == 1)
                continue;
            if (d != irr)
                return below * run;
            run *= (double)s->m.factor[j][d];
        }
    }
    return below * run;
}

/* Lower bound on the undecided energy of tensor t, with levels [0, depth)
 * decided: the reads (A, B) or updates (Z) of the pending keeper (the
 * innermost decided one) and those of the innermost keeper, which is
 * either the pending one or a level below. When the pending keeper must be
 * the innermost, *pending_words is the least it moves per instance (for
 * its bandwidth), else 0. */
static double pending_pj(const search *s, uint32_t depth, const uint64_t rem[PIM_DIMS], int t,
                         uint32_t pending, double x_pending, double *pending_words)
{
    *pending_words = 0;
    if (pending == UINT32_MAX)
        return 0;
    const pim_hlevel *p = &s->h->level[pending];
    double macs = (double)s->size[0] * s->size[1] * s->size[2];
    double per_word = (t == PIM_TENSOR_Z ? p->update_pj : p->read_pj) / p->block;
    double own = macs / (x_pending * reuse_cap(s, depth, rem, t)) * per_word;
    if (pending == 0) { /* every word leaves the backing store at least once */
        double words = 1;
        for (int d = 0; d < PIM_DIMS; d++)
            if (pim_tensor_has_dim(t, d))
                words *= (double)s->size[d];
        if (words * per_word > own)
            own = words * per_word;
    }
    uint32_t first = pending + 1 > depth ? pending + 1 : depth; /* where deeper keepers start */
    int forced = (s->must_keep_below[first] >> t) & 1, alone = !forced;
    double as_innermost = INFINITY, deeper = INFINITY;
    if (!forced) {
        as_innermost = innermost_pj(s, pending, t, x_pending, rem, depth);
        if (own > as_innermost)
            as_innermost = own;
    }
    for (uint32_t k = first; k < s->compute; k++) {
        const pim_hlevel *l = &s->h->level[k];
        if (l->kind != PIM_HL_STORAGE || (l->bypass & PIM_TENSOR_BIT(t)))
            continue;
        alone = 0;
        /* with a level below forced to keep t, only levels at or below the
         * deepest such one can be the innermost keeper */
        if ((s->must_keep_below[k + 1] >> t) & 1)
            continue;
        double e = own + innermost_pj(s, k, t, 1, rem, depth);
        if (e < deeper)
            deeper = e;
    }
    if (alone) /* its reads (A, B) or updates (Z) per instance: every MAC's, shared */
        *pending_words =
            macs /
            (x_pending * (double)spatial_cap(s, depth, s->compute, irrelevant_dims(t), rem)) /
            (double)s->scratch.used[pending];
    double lb = as_innermost < deeper ? as_innermost : deeper;
    return isfinite(lb) ? lb : own;
}

/* Lower bound on the objective of every mapping that completes levels
 * [0, depth) as decided: the decided counts (evaluated on a copy whose
 * level `depth` holds all that is left), compulsory innermost accesses, MAC
 * energy, and the cycles of the compute on every instance still usable and
 * of the decided accesses through each level's bandwidth. */
double pim_mapper_lower_bound(search *s, uint32_t depth, const uint64_t rem[PIM_DIMS])
{
    const pim_hier *h = s->h;
    uint32_t pending[PIM_TENSORS];
    uint64_t pending_x[PIM_TENSORS];
    double macs = (double)s->size[0] * s->size[1] * s->size[2];
    pim_nest_result *r = &s->scratch;
    /* levels below `depth` are undecided (factors 1): what is left goes at
     * `depth` for the tiles of the levels above */
    for (int d = 0; d < PIM_DIMS; d++)
        s->m.factor[depth][d] = rem[d];
    /* a storage level at `depth` keeps what it must: its tiles and fills,
     * and its parents' counts of those tensors, are decided already */
    uint32_t decided = depth;
    uint8_t keep = s->m.keep[depth];
    const pim_hlevel *at = &h->level[depth];
    /* (next to the compute, deciding it would decide the tensors it may
     * still keep, as if it bypassed them) */
    if (at->kind == PIM_HL_STORAGE &&
        (depth + 1 < s->compute || (at->keep | at->bypass) == PIM_ALL_TENSORS)) {
        s->m.keep[depth] = h->level[depth].keep;
        decided = depth + 1;
    }
    pim_nest_eval_decided(h, (uint64_t)macs, &s->m, decided, r, pending, pending_x);
    s->m.keep[depth] = keep;
    for (int d = 0; d < PIM_DIMS; d++)
        s->m.factor[depth][d] = 1;
    double e = macs * h->level[s->compute].mac_pj, leak = 0;
    double compute =
        macs / ((double)r->used[depth] * (double)spatial_cap(s, depth, s->compute, 7, rem));
    double cycles = compute * h->level[s->compute].latency;
    if (s->cycles_floor > cycles)
        cycles = s->cycles_floor;
    double reads[PIM_HIER_MAX_LEVELS] = {0}, writes[PIM_HIER_MAX_LEVELS] = {0};
    for (int t = 0; t < PIM_TENSORS; t++) {
        double words;
        e += pending_pj(s, depth, rem, t, pending[t], (double)pending_x[t], &words);
        if (words > 0)
            *(t == PIM_TENSOR_Z ? &writes[pending[t]] : &reads[pending[t]]) += words;
    }
    for (uint32_t L = 0; L < s->compute; L++) {
        const pim_hlevel *l = &h->level[L];
        if (l->kind != PIM_HL_STORAGE)
            continue;
        leak += l->leak_pj * (double)pim_hier_instances(h, L);
        if (L >= decided)
            continue;
        for (int t = 0; t < PIM_TENSORS; t++) {
            e += r->acc[L][t].energy_pj;
            reads[L] += (double)r->acc[L][t].reads;
            writes[L] += (double)(r->acc[L][t].fills + r->acc[L][t].updates);
        }
        if (l->read_bw > 0 && reads[L] / l->read_bw > cycles)
            cycles = reads[L] / l->read_bw;
        if (l->write_bw > 0 && writes[L] / l->write_bw > cycles)
            cycles = writes[L] / l->write_bw;
    }
    e += leak * cycles;
    return s->objective == PIM_MAPPER_ENERGY  ? e
           : s->objective == PIM_MAPPER_DELAY ? cycles
                                              : e * cycles;
}

/* Cycles no mapping beats: a level that must keep a tensor no level below
 * it can keep serves every MAC's operand (A, B) or update (Z) itself,
 * shared only by the multicast or reduction the fan-outs below allow, over
 * all its instances, through its bandwidth. */
void pim_mapper_cycles_floor(search *s)
{
    const uint64_t *size = s->size;
    double macs = (double)size[0] * size[1] * size[2];
    for (uint32_t k = 0; k < s->compute; k++) {
        const pim_hlevel *l = &s->h->level[k];
        if (l->kind != PIM_HL_STORAGE)
            continue;
        double reads = 0, writes = 0;
        for (int t = 0; t < PIM_TENSORS; t++) {
            if (!(l->keep & PIM_TENSOR_BIT(t)))
                continue;
            int below = 0;
            for (uint32_t j = k + 1; j < s->compute; j++)
                below |= s->h->level[j].kind == PIM_HL_STORAGE &&
                         !(s->h->level[j].bypass & PIM_TENSOR_BIT(t));
            if (below)
                continue;
            double x = (double)spatial_cap(s, k + 1, s->compute, irrelevant_dims(t), size);
            double inst = (double)spatial_cap(s, 0, k, 7, size);
            *(t == PIM_TENSOR_Z ? &writes : &reads) += macs / x / inst;
        }
        if (l->read_bw > 0 && reads / l->read_bw > s->cycles_floor)
            s->cycles_floor = reads / l->read_bw;
        if (l->write_bw > 0 && writes / l->write_bw > s->cycles_floor)
            s->cycles_floor = writes / l->write_bw;
    }
}
