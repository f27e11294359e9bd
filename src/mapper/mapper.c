/* pimstream mapper: branch and bound over loop nests.
 *
 * Levels are decided from the backing store inward; at each storage level
 * first what it keeps (its tiles are then known, so capacity is checked
 * before any loop is chosen), then its factors, then its innermost loop;
 * at each fan-out its factors, placed on the mesh axes. Two orders of a
 * level's loops count differently only through their innermost loop (a
 * tile stays resident across the innermost run of loops that do not index
 * it, and each tensor is indexed by all but one dimension), so one order
 * per innermost dimension stands for all. Complete mappings are evaluated
 * by the model itself (pim_nest_eval), so the bound only decides what is
 * skipped, never what is reported. */
#include "pimstream/mapper.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int pim_mapper_objective_parse(const char *s, pim_mapper_objective *out)
{
    static const char *const names[] = {"edp", "energy", "delay"};
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (pim_mapper_objective)i;
            return 1;
        }
    return 0;
}

const char *pim_mapper_objective_name(pim_mapper_objective o)
{
    return o == PIM_MAPPER_ENERGY ? "energy" : o == PIM_MAPPER_DELAY ? "delay" : "edp";
}

double pim_mapper_cost(pim_mapper_objective o, const pim_nest_result *r)
{
    return o == PIM_MAPPER_ENERGY  ? r->energy_pj
           : o == PIM_MAPPER_DELAY ? r->cycles
                                   : r->energy_pj * r->cycles;
}

/* ties: delay breaks on energy, energy on cycles */
static int better(pim_mapper_objective o, const pim_nest_result *a, const pim_nest_result *b)
{
    double ca = pim_mapper_cost(o, a), cb = pim_mapper_cost(o, b);
    if (ca != cb)
        return ca < cb;
    return o == PIM_MAPPER_DELAY ? a->energy_pj < b->energy_pj
                                 : o == PIM_MAPPER_ENERGY && a->cycles < b->cycles;
}

/* One choice at a level: its loops and what it keeps, with the bound on
 * every mapping below it. */
typedef struct {
    uint64_t factor[PIM_DIMS];
    uint8_t order[PIM_DIMS], axis[PIM_DIMS], keep;
    uint32_t index; /* enumeration order: ties keep it, so results repeat */
    double bound;
} choice;

typedef struct {
    choice *items;
    uint32_t count, cap;
} choices;

typedef struct {
    const pim_hier *h;
    const pim_gemm *g;
    pim_mapper_objective objective;
    int bound; /* 0: exhaustive */
    uint32_t compute;
    uint64_t size[PIM_DIMS];
    uint8_t must_keep_below[PIM_HIER_MAX_LEVELS + 1]; /* tensors some level >= i must keep */
    /* what levels [i, compute) can take of each dimension at most (0: no
     * limit), and what their fixed factors need */
    uint64_t absorb[PIM_HIER_MAX_LEVELS + 1][PIM_DIMS];
    uint64_t need[PIM_HIER_MAX_LEVELS + 1][PIM_DIMS];
    uint64_t *div[PIM_DIMS];                          /* each dimension's divisors, ascending */
    uint64_t mesh_used[PIM_HIER_MAX_LEVELS];          /* a fan-out's most usable instances */
    uint64_t fan_used[PIM_HIER_MAX_LEVELS][PIM_DIMS]; /* and its largest usable factors */
    uint64_t *cand[PIM_HIER_MAX_LEVELS][PIM_DIMS];    /* per level: the factors a node may take */
    uint32_t ndiv[PIM_DIMS];
    double cycles_floor; /* cycles no mapping can beat (compulsory reads, bandwidth) */
    pim_mapping m;
    choices kids[PIM_HIER_MAX_LEVELS]; /* each level's choices, reused */
    int failed;                        /* out of memory */
    pim_mapper_best *best;
    pim_nest_result scratch;
} search;

/* ---- bounds ----------------------------------------------------------------- */

/* The largest factor of `dim` a fan-out can take (its constraints, its
 * mesh), before what is left of the dimension. */
static uint64_t fan_cap(const pim_hlevel *l, int dim)
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

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* Does k divide size[0] x size[1] x size[2]? (Take from k, dimension by
 * dimension, what it shares with each: per prime, greedy is exact.) */
static int divides_product(uint64_t k, const uint64_t size[PIM_DIMS])
{
    for (int d = 0; d < PIM_DIMS && k > 1; d++)
        for (uint64_t g; k > 1 && (g = gcd(k, size[d])) > 1;)
            k /= g;
    return k == 1;
}

/* What a fan-out can actually use: a factor of a dimension divides it, and
 * the factors of all dimensions multiply to a divisor of their product; so
 * a mesh of 108 holds at most 64 instances of a power-of-two GEMM. */
static void usable_fanouts(search *s)
{
    for (uint32_t j = 0; j < s->compute; j++) {
        const pim_hlevel *l = &s->h->level[j];
        if (l->kind != PIM_HL_FANOUT)
            continue;
        uint64_t mesh = (uint64_t)l->mesh_x * l->mesh_y, k = mesh;
        while (k > 1 && (mesh - k > 100000 || !divides_product(k, s->size)))
            k = mesh - k > 100000 ? 1 : k - 1; /* huge meshes: keep the mesh itself */
        s->mesh_used[j] = k > 1 || mesh == 1 ? k : mesh;
        for (int d = 0; d < PIM_DIMS; d++) {
            uint64_t cap = fan_cap(l, d), f = cap;
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
static double lower_bound(search *s, uint32_t depth, const uint64_t rem[PIM_DIMS])
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
static void cycles_floor(search *s)
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

/* ---- the search -------------------------------------------------------- */

static void leaf(search *s)
{
    pim_nest_eval(s->h, s->g, &s->m, &s->scratch);
    s->best->considered++;
    if (!s->best->found || better(s->objective, &s->scratch, &s->best->result)) {
        s->best->found = 1;
        s->best->mapping = s->m;
        s->best->result = s->scratch;
    }
}

/* Can levels [i, compute) take all that is left? */
static int can_finish(const search *s, uint32_t i, const uint64_t rem[PIM_DIMS])
{
    for (int d = 0; d < PIM_DIMS; d++)
        if ((s->absorb[i][d] && rem[d] > s->absorb[i][d]) || rem[d] % s->need[i][d])
            return 0;
    return 1;
}

/* The most of dimension d a level can take (0: no limit). */
static uint64_t level_cap(const pim_hlevel *l, int d)
{
    if (l->kind == PIM_HL_COMPUTE)
        return 1;
    if (l->fixed[d])
        return l->fixed[d];
    if (l->kind == PIM_HL_FANOUT)
        return fan_cap(l, d);
    return l->max[d];
}

static void limits(search *s)
{
    for (int d = 0; d < PIM_DIMS; d++) {
        s->absorb[s->compute][d] = 1;
        s->need[s->compute][d] = 1;
        for (uint32_t i = s->compute; i-- > 0;) {
            uint64_t cap = level_cap(&s->h->level[i], d), below = s->absorb[i + 1][d];
            s->absorb[i][d] = !cap || !below || cap > (1ull << 40) / below ? 0 : cap * below;
            s->need[i][d] =
                s->need[i + 1][d] * (s->h->level[i].fixed[d] ? s->h->level[i].fixed[d] : 1);
        }
    }
}

static int factor_allowed(const pim_hlevel *l, int d, uint64_t f)
{
    return (!l->fixed[d] || f == l->fixed[d]) && (!l->max[d] || f <= l->max[d]);
}

/* A fan-out's factors fit its mesh with each dimension on an axis it may
 * take; the mapping records the axes. */
static int place_axes(search *s, uint32_t i)
{
    const pim_hlevel *l = &s->h->level[i];
    for (unsigned pick = 0; pick < 8; pick++) { /* bit d: dimension d on X */
        uint64_t on[3] = {1, 1, 1};
        int ok = 1;
        for (int d = 0; d < PIM_DIMS; d++) {
            int axis = (pick >> d) & 1 ? PIM_AXIS_X : PIM_AXIS_Y;
            if (l->axis[d] && l->axis[d] != axis && s->m.factor[i][d] > 1)
                ok = 0;
            s->m.axis[i][d] = (uint8_t)(l->axis[d] ? l->axis[d] : axis);
            on[axis] *= s->m.factor[i][d];
        }
        if (ok && on[PIM_AXIS_X] <= l->mesh_x && on[PIM_AXIS_Y] <= l->mesh_y)
            return 1;
    }
    return 0;
}

/* Record the level's current choice (in s->m) with its bound; `bound` is
 * NAN when not known yet (else the bound of a choice that differs only in
 * this level's loop order, which no count the bound uses depends on: a
 * level's order changes only the visits of the levels below it). */
static void add_choice(search *s, uint32_t i, const uint64_t rem[PIM_DIMS], choices *out,
                       double bound)
{
    uint64_t next[PIM_DIMS];
    for (int d = 0; d < PIM_DIMS; d++)
        next[d] = rem[d] / s->m.factor[i][d];
    if (!can_finish(s, i + 1, next))
        return;
    if (!pim_grow((void **)&out->items, &out->cap, out->count, sizeof *out->items)) {
        s->failed = 1;
        return;
    }
    choice *c = &out->items[out->count];
    memcpy(c->factor, s->m.factor[i], sizeof c->factor);
    memcpy(c->order, s->m.order[i], sizeof c->order);
    memcpy(c->axis, s->m.axis[i], sizeof c->axis);
    c->keep = s->m.keep[i];
    c->index = out->count++;
    c->bound = !isnan(bound)                    ? bound
               : s->bound && i + 1 < s->compute ? lower_bound(s, i + 1, next)
                                                : 0;
}

/* The loop orders that count differently: one per dimension that can be
 * innermost (a factor above 1); the permutation, when given, fixes it. */
static void each_order(search *s, uint32_t i, const uint64_t rem[PIM_DIMS], choices *out)
{
    const pim_hlevel *l = &s->h->level[i];
    int tried = 0;
    for (int inner = 0; inner < PIM_DIMS && !l->permutation[0]; inner++) {
        if (s->m.factor[i][inner] == 1)
            continue;
        int n = 0;
        for (int d = 0; d < PIM_DIMS; d++)
            if (d != inner)
                s->m.order[i][n++] = (uint8_t)d;
        s->m.order[i][n] = (uint8_t)inner;
        uint32_t before = out->count;
        add_choice(s, i, rem, out, tried && out->count ? out->items[out->count - 1].bound : NAN);
        tried = tried || out->count > before;
    }
    if (!tried) /* a given permutation, or no loops here: one order */
        add_choice(s, i, rem, out, NAN);
}

/* The factors of dimension d level i may take with `rem` left: divisors
 * of rem within the level's constraints that leave the levels below
 * something they can take. */
static uint32_t candidates(const search *s, uint32_t i, int d, uint64_t rem, uint64_t *out)
{
    const pim_hlevel *l = &s->h->level[i];
    uint64_t below = s->absorb[i + 1][d], need = s->need[i + 1][d];
    uint32_t n = 0;
    for (uint32_t k = 0; k < s->ndiv[d] && s->div[d][k] <= rem; k++) {
        uint64_t f = s->div[d][k];
        if (rem % f || !factor_allowed(l, d, f) || (rem / f) % need || (below && rem / f > below))
            continue;
        out[n++] = f;
    }
    return n;
}

static void each_factors(search *s, uint32_t i, const uint64_t rem[PIM_DIMS], choices *out)
{
    const pim_hlevel *l = &s->h->level[i];
    uint64_t *cand[PIM_DIMS];
    uint32_t nc[PIM_DIMS];
    for (int d = 0; d < PIM_DIMS; d++) {
        cand[d] = s->cand[i][d];
        if (!(nc[d] = candidates(s, i, d, rem[d], cand[d])))
            return;
    }
    for (uint32_t a = 0; a < nc[0]; a++)
        for (uint32_t b = 0; b < nc[1]; b++)
            for (uint32_t c = 0; c < nc[2]; c++) {
                s->m.factor[i][0] = cand[0][a];
                s->m.factor[i][1] = cand[1][b];
                s->m.factor[i][2] = cand[2][c];
                if (l->kind != PIM_HL_FANOUT)
                    each_order(s, i, rem, out);
                else if (place_axes(s, i))
                    add_choice(s, i, rem, out, NAN);
            }
}

/* Words the level's kept tiles take: everything left below it. */
static uint64_t kept_words(uint8_t keep, const uint64_t rem[PIM_DIMS])
{
    uint64_t words = 0;
    for (int t = 0; t < PIM_TENSORS; t++)
        if (keep & PIM_TENSOR_BIT(t)) {
            uint64_t tile = 1;
            for (int d = 0; d < PIM_DIMS; d++)
                if (pim_tensor_has_dim(t, d))
                    tile *= rem[d];
            words += tile;
        }
    return words;
}

static int by_bound(const void *a, const void *b)
{
    const choice *x = a, *y = b;
    if (x->bound != y->bound)
        return x->bound < y->bound ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Level i: every choice (what a storage level keeps, if its tiles fit;
 * its loops), best bound first; the rest of the choices are cut at the
 * first whose bound cannot beat the best mapping found. */
static void expand(search *s, uint32_t i, const uint64_t rem[PIM_DIMS])
{
    const pim_hlevel *l = &s->h->level[i];
    choices *kids = &s->kids[i];
    kids->count = 0;
    uint8_t free_bits =
        l->kind == PIM_HL_STORAGE ? (uint8_t)(PIM_ALL_TENSORS & ~l->keep & ~l->bypass) : 0;
    for (unsigned sub = 0; sub < 8; sub++) {
        if (sub & ~free_bits)
            continue;
        s->m.keep[i] = (uint8_t)(l->keep | sub);
        if (l->kind == PIM_HL_STORAGE && l->capacity &&
            kept_words(s->m.keep[i], rem) > l->capacity) {
            s->best->pruned++;
            continue;
        }
        each_factors(s, i, rem, kids);
    }
    if (kids->count > 1)
        qsort(kids->items, kids->count, sizeof *kids->items, by_bound);
    for (uint32_t k = 0; k < kids->count && !s->failed; k++) {
        const choice *c = &kids->items[k];
        if (s->bound && s->best->found &&
            c->bound >= pim_mapper_cost(s->objective, &s->best->result) * (1 - 1e-12)) {
            s->best->pruned += kids->count - k;
            break;
        }
        uint64_t next[PIM_DIMS];
        for (int d = 0; d < PIM_DIMS; d++) {
            s->m.factor[i][d] = c->factor[d];
            s->m.order[i][d] = c->order[d];
            s->m.axis[i][d] = c->axis[d];
            next[d] = rem[d] / c->factor[d];
        }
        s->m.keep[i] = c->keep;
        if (i + 1 == s->compute)
            leaf(s);
        else
            expand(s, i + 1, next);
    }
    for (int d = 0; d < PIM_DIMS; d++)
        s->m.factor[i][d] = 1;
}

/* The divisors of x, ascending (x below 2^40: at most 6,720 of them). */
static uint64_t *divisors_of(uint64_t x, uint32_t *n)
{
    uint64_t *v = pim_xcalloc(7000, sizeof *v);
    if (!v)
        return NULL;
    uint32_t low = 0;
    for (uint64_t d = 1; d * d <= x; d++)
        if (x % d == 0)
            v[low++] = d;
    *n = low;
    for (uint32_t i = low; i-- > 0;)
        if (v[i] * v[i] != x)
            v[(*n)++] = x / v[i];
    return v;
}

static pim_status run_search(const pim_hier *h, const pim_gemm *g, pim_mapper_objective o,
                             int bound, pim_mapper_best *out, pim_error *err)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(out, 0, sizeof *out);
    if (!g->m || !g->n || !g->k)
        return pim_fail(err, PIM_EINPUT, "mapper: %s has a zero dimension", g->name);
    search *s = pim_xcalloc(1, sizeof *s);
    if (!s)
        return pim_fail(err, PIM_EINTERNAL, "mapper: out of memory");
    *s = (search){.h = h, .g = g, .objective = o, .bound = bound, .best = out};
    s->compute = h->nlevels - 1;
    s->size[0] = g->m, s->size[1] = g->n, s->size[2] = g->k;
    for (uint32_t i = s->compute; i-- > 0;)
        s->must_keep_below[i] =
            (uint8_t)(s->must_keep_below[i + 1] |
                      (h->level[i].kind == PIM_HL_STORAGE ? h->level[i].keep : 0));
    pim_status st = PIM_OK;
    for (int d = 0; d < PIM_DIMS && !st; d++) {
        if (!(s->div[d] = divisors_of(s->size[d], &s->ndiv[d])))
            st = pim_fail(err, PIM_EINTERNAL, "mapper: out of memory");
        for (uint32_t i = 0; i < h->nlevels && !st; i++)
            if (!(s->cand[i][d] = pim_xcalloc(s->ndiv[d] ? s->ndiv[d] : 1, sizeof(uint64_t))))
                st = pim_fail(err, PIM_EINTERNAL, "mapper: out of memory");
    }
    pim_mapping_init(h, &s->m);
    usable_fanouts(s);
    limits(s);
    cycles_floor(s);
    if (!st && can_finish(s, 0, s->size))
        expand(s, 0, s->size);
    if (!st && s->failed)
        st = pim_fail(err, PIM_EINTERNAL, "mapper: out of memory");
    for (int d = 0; d < PIM_DIMS; d++) {
        free(s->div[d]);
        for (uint32_t i = 0; i < h->nlevels; i++)
            free(s->cand[i][d]);
    }
    for (uint32_t i = 0; i < PIM_HIER_MAX_LEVELS; i++)
        free(s->kids[i].items);
    free(s);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    out->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    return st;
}

pim_status pim_mapper_search(const pim_hier *h, const pim_gemm *g, pim_mapper_objective o,
                             pim_mapper_best *out, pim_error *err)
{
    return run_search(h, g, o, 1, out, err);
}

pim_status pim_mapper_exhaustive(const pim_hier *h, const pim_gemm *g, pim_mapper_objective o,
                                 pim_mapper_best *out, pim_error *err)
{
    return run_search(h, g, o, 0, out, err);
}
