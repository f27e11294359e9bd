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
#include "mapper_internal.h"

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
        return pim_mapper_fan_cap(l, d);
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
    if (s->budget && s->best->weighed == s->budget) { /* spent: stays so to the end */
        s->best->stopped = 1;
        return;
    }
    s->best->weighed++;
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
               : s->bound && i + 1 < s->compute ? pim_mapper_lower_bound(s, i + 1, next)
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
    for (uint32_t k = 0; k < kids->count && !s->failed && !s->best->stopped; k++) {
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
                             int bound, uint64_t budget, pim_mapper_best *out, pim_error *err)
{
    double t0 = pim_wall_seconds();
    memset(out, 0, sizeof *out);
    if (!g->m || !g->n || !g->k)
        return pim_fail(err, PIM_EINPUT, "mapper: %s has a zero dimension", g->name);
    search *s = pim_xcalloc(1, sizeof *s);
    if (!s)
        return pim_fail(err, PIM_EINTERNAL, "mapper: out of memory");
    *s = (search){.h = h, .g = g, .objective = o, .bound = bound, .budget = budget, .best = out};
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
    pim_mapper_usable_fanouts(s);
    limits(s);
    pim_mapper_cycles_floor(s);
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
    out->seconds = pim_wall_seconds() - t0;
    return st;
}

pim_status pim_mapper_search(const pim_hier *h, const pim_gemm *g, pim_mapper_objective o,
                             pim_mapper_best *out, pim_error *err)
{
    return run_search(h, g, o, 1, PIM_MAPPER_BUDGET, out, err);
}

pim_status pim_mapper_search_within(const pim_hier *h, const pim_gemm *g, pim_mapper_objective o,
                                    uint64_t budget, pim_mapper_best *out, pim_error *err)
{
    return run_search(h, g, o, 1, budget, out, err);
}

pim_status pim_mapper_exhaustive(const pim_hier *h, const pim_gemm *g, pim_mapper_objective o,
                                 pim_mapper_best *out, pim_error *err)
{
    return run_search(h, g, o, 0, 0, out, err);
}
