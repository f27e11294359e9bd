/* pimstream compile: the partitioners.
 *
 * optimal:    dynamic programming over the topological order. A partition's
 *             cost depends on itself and the one before it (its weight
 *             loads overlap that one's compute), so a state is the last
 *             partition [i, j) of a prefix: f[i, j] = min_h f[h, i] +
 *             cost([i, j) after [h, i)), exact for time objectives because
 *             costs add. EDP is a product, so each state keeps its Pareto
 *             front of (energy, time) and the best product is picked at
 *             the end.
 * compass-ga: COMPASS's genetic algorithm (population 100, 30 generations)
 *             over partition boundaries, deterministic from a seed.
 * greedy:     fill each partition until the next unit does not fit.
 * layerwise:  one stationary layer (with the digital layers after it) per
 *             partition.
 * Every partitioner replicates inside a partition with the same exact
 * allocator (units.c), so they differ only in where they cut. */
#include "pimstream/compile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const PARTITIONERS[] = {"none",   "optimal",   "compass-ga",
                                           "greedy", "layerwise", "whole"};
static const char *const OBJECTIVES[] = {"throughput", "latency", "edp"};
static const char *const WEIGHTS[] = {"stream", "resident", "auto"};

/* Index of s in names[first..n), or -1. */
static int name_index(const char *const *names, int first, int n, const char *s)
{
    for (int i = first; i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

const char *pim_partitioner_name(pim_partitioner p)
{
    return (unsigned)p < 6 ? PARTITIONERS[p] : "?";
}

int pim_partitioner_parse(const char *s, pim_partitioner *out)
{
    int i = name_index(PARTITIONERS, 1, 6, s); /* "none" is not a choice */
    if (i >= 0)
        *out = (pim_partitioner)i;
    return i >= 0;
}

const char *pim_objective_name(pim_objective o)
{
    return (unsigned)o < 3 ? OBJECTIVES[o] : "?";
}

const char *pim_weights_name(pim_weights w)
{
    return (unsigned)w < 3 ? WEIGHTS[w] : "?";
}

int pim_weights_parse(const char *s, pim_weights *out)
{
    int i = name_index(WEIGHTS, 0, 3, s);
    if (i >= 0)
        *out = (pim_weights)i;
    return i >= 0;
}

int pim_objective_parse(const char *s, pim_objective *out)
{
    int i = name_index(OBJECTIVES, 0, 3, s);
    if (i >= 0)
        *out = (pim_objective)i;
    return i >= 0;
}

double pim_objective_value(pim_objective o, const pim_cost_params *cp, pim_cost total)
{
    if (o == PIM_OBJ_EDP)
        return (total.pj + cp->pj_fixed) * total.cycles;
    return total.cycles;
}

/* Storage for the shapes of disjoint ranges of n units: a range's arrays
 * sit at its first unit, so they never overlap. */
typedef struct {
    uint32_t *replicas;
    double *free_at, *scratch; /* scratch: n + 1, for pim_partition_after */
} unit_arrays;

static int arrays_alloc(unit_arrays *a, size_t n)
{
    a->replicas = malloc((n + 1) * sizeof *a->replicas);
    a->free_at = malloc((n + 1) * sizeof *a->free_at);
    a->scratch = malloc((n + 1) * sizeof *a->scratch);
    return a->replicas && a->free_at && a->scratch;
}

static void arrays_free(unit_arrays *a)
{
    free(a->replicas);
    free(a->free_at);
    free(a->scratch);
}

static int shape_at(const pim_unit *u, uint32_t first, uint32_t count, const pim_cost_params *cp,
                    const unit_arrays *a, size_t at, pim_part_shape *s)
{
    memset(s, 0, sizeof *s);
    s->replicas = a->replicas + at;
    s->free_at = a->free_at + at;
    return pim_partition_shape(u, first, count, cp, s);
}

/* Shapes and costs of a partitioning, each partition after the one before.
 * With `keep`, each range keeps the replicas already in a->replicas (at
 * its first unit) and is only timed; else its replication is chosen and
 * left there. */
static int cost_parts(const pim_unit *units, uint32_t n, const pim_cost_params *cp,
                      const uint32_t *starts, uint32_t nparts, const unit_arrays *a, int keep,
                      pim_cost *each, pim_cost *total)
{
    pim_part_shape shape[2];
    total->cycles = total->pj = 0;
    for (uint32_t p = 0; p < nparts; p++) {
        uint32_t end = p + 1 < nparts ? starts[p + 1] : n;
        pim_part_shape *cur = &shape[p & 1], *prev = p ? &shape[(p - 1) & 1] : NULL;
        if (end <= starts[p] || end > n)
            return 0;
        if (keep) {
            *cur = (pim_part_shape){.first = starts[p],
                                    .count = end - starts[p],
                                    .replicas = a->replicas + starts[p],
                                    .free_at = a->free_at + starts[p]};
            pim_partition_retime(units, cp, cur);
        } else if (!shape_at(units, starts[p], end - starts[p], cp, a, starts[p], cur)) {
            return 0;
        }
        pim_cost c = pim_partition_after(units, prev, cur, cp, a->scratch);
        if (each)
            each[p] = c;
        total->cycles += c.cycles;
        total->pj += c.pj;
    }
    return 1;
}

int pim_cost_of_starts(const pim_unit *units, uint32_t n, const pim_cost_params *cp,
                       const uint32_t *starts, uint32_t nparts, pim_cost *out)
{
    unit_arrays a;
    int ok = arrays_alloc(&a, n) && cost_parts(units, n, cp, starts, nparts, &a, 0, NULL, out);
    arrays_free(&a);
    return ok;
}

/* ---- optimal ---------------------------------------------------------- */

typedef struct {
    double pj, cycles;
    uint32_t from, index; /* the state (previous partition) and front entry it extends */
} front_point;

typedef struct {
    front_point *pts;
    uint32_t count, cap;
} front;

static int by_cycles(const void *a, const void *b)
{
    const front_point *x = a, *y = b;
    if (x->cycles != y->cycles)
        return x->cycles < y->cycles ? -1 : 1;
    return x->pj < y->pj ? -1 : x->pj > y->pj;
}

/* Keep only points no other point beats in both energy and time. */
static void prune(front *f)
{
    qsort(f->pts, f->count, sizeof *f->pts, by_cycles);
    uint32_t kept = 0;
    for (uint32_t i = 0; i < f->count; i++)
        if (kept == 0 || f->pts[i].pj < f->pts[kept - 1].pj)
            f->pts[kept++] = f->pts[i];
    f->count = kept;
}

/* Entries the optimal partitioner may keep for its shapes (all ranges that
 * fit, summed over their units): 12 bytes each. */
#define DP_MAX_SHAPE_UNITS (8u << 20)

/* The states of the search: every range [i, j) that fits. A partition's
 * cost depends on the one before it (its writes overlap that one's
 * compute), so a state is the last partition of a prefix, and its front
 * holds the Pareto-optimal (energy, time) of the prefixes ending with it.
 * Ranges ending at j are state off[j] + (j - 1 - i), i >= lo[j]. */
typedef struct {
    const pim_unit *u;
    uint32_t n;
    const pim_cost_params *cp;
    pim_objective obj;
    uint32_t *lo, *off, nstates;
    uint32_t *first; /* per state: its range's first unit */
    pim_part_shape *shapes;
    unit_arrays arena; /* shapes' arrays, at each state's running offset */
    front *fronts;
} dp_search;

static pim_status search_init(dp_search *S, pim_error *err)
{
    uint32_t n = S->n;
    S->lo = malloc(((size_t)n + 1) * sizeof *S->lo);
    S->off = malloc(((size_t)n + 2) * sizeof *S->off);
    if (!S->lo || !S->off)
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    uint64_t entries = 0, tiles = 0;
    S->off[1] = 0;
    for (uint32_t j = 1, i = 0; j <= n; j++) { /* i: the earliest start that fits */
        tiles += S->u[j - 1].tiles;
        while (tiles > S->cp->macros)
            tiles -= S->u[i++].tiles;
        S->lo[j] = i;
        S->off[j + 1] = S->off[j] + (j - i);
        entries += (uint64_t)(j - i) * (j - i + 1) / 2;
    }
    if (entries > DP_MAX_SHAPE_UNITS)
        return pim_fail(err, PIM_EINPUT,
                        "compile: %u units, up to %u per partition: too many ranges for the "
                        "optimal partitioner; use compass-ga or greedy",
                        n, n - S->lo[n]);
    S->nstates = S->off[n + 1];
    S->first = malloc(((size_t)S->nstates + 1) * sizeof *S->first);
    S->shapes = malloc(((size_t)S->nstates + 1) * sizeof *S->shapes);
    S->fronts = pim_xcalloc((size_t)S->nstates + 1, sizeof *S->fronts);
    if (!S->first || !S->shapes || !S->fronts || !arrays_alloc(&S->arena, entries + n))
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    size_t at = 0;
    for (uint32_t j = 1; j <= n; j++)
        for (uint32_t i = j; i-- > S->lo[j];) {
            uint32_t s = S->off[j] + (j - 1 - i);
            S->first[s] = i;
            if (!shape_at(S->u, i, j - i, S->cp, &S->arena, at, &S->shapes[s]))
                return pim_fail(err, PIM_EINTERNAL, "out of memory");
            at += j - i;
        }
    return PIM_OK;
}

static void search_free(dp_search *S)
{
    for (uint32_t s = 0; S->fronts && s < S->nstates; s++)
        free(S->fronts[s].pts);
    free(S->fronts);
    free(S->shapes);
    free(S->first);
    free(S->lo);
    free(S->off);
    arrays_free(&S->arena);
}

static int front_add(front *f, front_point q, pim_objective o)
{
    if (o != PIM_OBJ_EDP && f->count) { /* a time objective keeps the fastest */
        if (q.cycles < f->pts[0].cycles)
            f->pts[0] = q;
        return 1;
    }
    if (!pim_grow((void **)&f->pts, &f->cap, f->count, sizeof q))
        return 0;
    f->pts[f->count++] = q;
    return 1;
}

/* The front of state s = [i, j): after every state ending at i. */
static pim_status extend(dp_search *S, uint32_t s, uint32_t i, pim_error *err)
{
    front *f = &S->fronts[s];
    if (i == 0) {
        pim_cost c = pim_partition_after(S->u, NULL, &S->shapes[s], S->cp, S->arena.scratch);
        if (!front_add(f, (front_point){c.pj, c.cycles, UINT32_MAX, 0}, S->obj))
            return pim_fail(err, PIM_EINTERNAL, "out of memory");
        return PIM_OK;
    }
    for (uint32_t t = S->off[i]; t < S->off[i + 1]; t++) {
        pim_cost c =
            pim_partition_after(S->u, &S->shapes[t], &S->shapes[s], S->cp, S->arena.scratch);
        for (uint32_t k = 0; k < S->fronts[t].count; k++) {
            const front_point *p = &S->fronts[t].pts[k];
            if (!front_add(f, (front_point){p->pj + c.pj, p->cycles + c.cycles, t, k}, S->obj))
                return pim_fail(err, PIM_EINTERNAL, "out of memory");
        }
    }
    if (S->obj == PIM_OBJ_EDP)
        prune(f);
    return PIM_OK;
}

/* Walk back from the best final state to the partition starts. */
static pim_status trace_back(dp_search *S, uint32_t s, uint32_t k, uint32_t **starts,
                             uint32_t *nparts, pim_error *err)
{
    uint32_t count = 0;
    for (uint32_t x = s, y = k; x != UINT32_MAX; count++) {
        const front_point *q = &S->fronts[x].pts[y];
        x = q->from;
        y = q->index;
    }
    *starts = pim_xcalloc(count, sizeof **starts);
    if (!*starts)
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    *nparts = count;
    for (uint32_t x = s, y = k, p = count; x != UINT32_MAX;) {
        const front_point *q = &S->fronts[x].pts[y];
        (*starts)[--p] = S->first[x];
        x = q->from;
        y = q->index;
    }
    return PIM_OK;
}

static pim_status dp(const pim_unit *u, uint32_t n, const pim_cost_params *cp, pim_objective o,
                     uint32_t **starts, uint32_t *nparts, pim_error *err)
{
    dp_search S = {.u = u, .n = n, .cp = cp, .obj = o};
    pim_status st = search_init(&S, err);
    for (uint32_t j = 1; j <= n && !st; j++)
        for (uint32_t i = j; i-- > S.lo[j] && !st;)
            st = extend(&S, S.off[j] + (j - 1 - i), i, err);
    uint32_t best = UINT32_MAX, best_k = 0;
    double best_v = INFINITY;
    for (uint32_t s = st ? 0 : S.off[n]; s < S.off[n + 1] && !st; s++)
        for (uint32_t k = 0; k < S.fronts[s].count; k++) {
            const front_point *q = &S.fronts[s].pts[k];
            double v = pim_objective_value(o, cp, (pim_cost){q->cycles, q->pj});
            if (v < best_v) {
                best_v = v;
                best = s;
                best_k = k;
            }
        }
    if (!st && best == UINT32_MAX)
        st = pim_fail(err, PIM_EINTERNAL, "compile: no partitioning fits");
    if (!st)
        st = trace_back(&S, best, best_k, starts, nparts, err);
    search_free(&S);
    return st;
}

/* ---- cuts as a genome ------------------------------------------------- */

/* cut[k] = 1: a partition starts at unit k (cut[0] always). Splits ranges
 * that do not fit, as late as possible. */
static void repair(const pim_unit *u, uint32_t n, uint64_t macros, uint8_t *cut)
{
    uint64_t tiles = 0;
    cut[0] = 1;
    for (uint32_t k = 0; k < n; k++) {
        if (cut[k] || tiles + u[k].tiles > macros) {
            cut[k] = 1;
            tiles = 0;
        }
        tiles += u[k].tiles;
    }
}

static uint32_t starts_of(const uint8_t *cut, uint32_t n, uint32_t *starts)
{
    uint32_t m = 0;
    for (uint32_t k = 0; k < n; k++)
        if (cut[k])
            starts[m++] = k;
    return m;
}

static double genome_value(const pim_unit *u, uint32_t n, const pim_cost_params *cp,
                           pim_objective o, const uint8_t *cut, uint32_t *scratch)
{
    uint32_t m = starts_of(cut, n, scratch);
    pim_cost c;
    if (!pim_cost_of_starts(u, n, cp, scratch, m, &c))
        return INFINITY;
    return pim_objective_value(o, cp, c);
}

/* Walk the order; start a new partition when the next unit does not fit,
 * or (layerwise) at every stationary unit. */
static void greedy_cuts(const pim_unit *u, uint32_t n, uint64_t macros, int layerwise, uint8_t *cut)
{
    uint64_t tiles = 0;
    int seen = 0;
    for (uint32_t k = 0; k < n; k++) {
        cut[k] = 0;
        if (u[k].tiles && ((layerwise && seen) || tiles + u[k].tiles > macros)) {
            cut[k] = 1;
            tiles = 0;
        }
        seen |= u[k].tiles != 0;
        tiles += u[k].tiles;
    }
    cut[0] = 1;
}

#define GA_POPULATION 100 /* COMPASS Sec. IV */
#define GA_GENERATIONS 30

static void mutate(uint8_t *g, uint32_t n, uint64_t *rng)
{
    for (uint32_t k = 1; k < n; k++)
        if (pim_rng_unit(rng) < 1.0 / n)
            g[k] ^= 1;
    if (n > 2 && pim_rng_unit(rng) < 0.5) { /* move one boundary by one unit */
        uint32_t k = 1 + (uint32_t)(pim_rng_next(rng) % (n - 1));
        uint32_t to = pim_rng_next(rng) & 1 ? k + 1 : k - 1;
        if (g[k] && to > 0 && to < n && !g[to]) {
            g[k] = 0;
            g[to] = 1;
        }
    }
}

static pim_status genetic(const pim_unit *u, uint32_t n, const pim_cost_params *cp, pim_objective o,
                          uint64_t seed, uint8_t *best, pim_error *err)
{
    size_t g = n;
    uint8_t *pop = malloc(2 * GA_POPULATION * g);
    double *fit = malloc(GA_POPULATION * sizeof *fit);
    double *next_fit = malloc(GA_POPULATION * sizeof *next_fit);
    uint32_t *scratch = malloc((size_t)n * sizeof *scratch);
    if (!pop || !fit || !next_fit || !scratch) {
        free(pop);
        free(fit);
        free(next_fit);
        free(scratch);
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    }
    uint8_t *next = pop + GA_POPULATION * g;
    uint64_t rng = seed ? seed : 0x9E3779B97F4A7C15ull;
    for (int i = 0; i < GA_POPULATION; i++) {
        double density = pim_rng_unit(&rng) * 0.5;
        for (uint32_t k = 0; k < n; k++)
            pop[i * g + k] = pim_rng_unit(&rng) < density;
        repair(u, n, cp->macros, pop + i * g);
        fit[i] = genome_value(u, n, cp, o, pop + i * g, scratch);
    }
    for (int gen = 0; gen < GA_GENERATIONS; gen++) {
        int elite = 0;
        for (int i = 1; i < GA_POPULATION; i++)
            if (fit[i] < fit[elite])
                elite = i;
        memcpy(next, pop + elite * g, g);
        next_fit[0] = fit[elite];
        for (int i = 1; i < GA_POPULATION; i++) {
            int pick[2];
            for (int p = 0; p < 2; p++) { /* tournaments of two */
                int a = (int)(pim_rng_next(&rng) % GA_POPULATION);
                int b = (int)(pim_rng_next(&rng) % GA_POPULATION);
                pick[p] = fit[a] <= fit[b] ? a : b;
            }
            uint8_t *child = next + i * g;
            uint32_t at = n > 1 ? (uint32_t)(pim_rng_next(&rng) % n) : 0;
            memcpy(child, pop + pick[0] * g, at);
            memcpy(child + at, pop + pick[1] * g + at, g - at);
            mutate(child, n, &rng);
            repair(u, n, cp->macros, child);
            next_fit[i] = genome_value(u, n, cp, o, child, scratch);
        }
        memcpy(pop, next, GA_POPULATION * g);
        memcpy(fit, next_fit, GA_POPULATION * sizeof *fit);
    }
    int top = 0;
    for (int i = 1; i < GA_POPULATION; i++)
        if (fit[i] < fit[top])
            top = i;
    memcpy(best, pop + top * g, g);
    free(pop);
    free(fit);
    free(next_fit);
    free(scratch);
    return PIM_OK;
}

/* ---- driver ----------------------------------------------------------- */

static pim_status choose(const pim_unit *u, uint32_t n, const pim_cost_params *cp,
                         pim_partitioner which, pim_objective o, uint64_t seed, uint32_t **starts,
                         uint32_t *nparts, pim_error *err)
{
    if (which == PIM_PART_OPTIMAL)
        return dp(u, n, cp, o, starts, nparts, err);
    if (which == PIM_PART_WHOLE) {
        uint64_t need = pim_units_macros(u, n);
        if (need > cp->macros)
            return pim_fail(err, PIM_EINPUT,
                            "the model's weights take %llu macros, the chip has %llu: they "
                            "cannot all be in place at once (stream them: --weights stream)",
                            (unsigned long long)need, (unsigned long long)cp->macros);
        *starts = pim_xcalloc(1, sizeof **starts);
        *nparts = 1;
        return *starts ? PIM_OK : pim_fail(err, PIM_EINTERNAL, "out of memory");
    }
    uint8_t *cut = pim_xcalloc(n, 1);
    *starts = pim_xcalloc(n, sizeof **starts);
    pim_status st = cut && *starts ? PIM_OK : pim_fail(err, PIM_EINTERNAL, "out of memory");
    if (!st && which == PIM_PART_COMPASS_GA)
        st = genetic(u, n, cp, o, seed, cut, err);
    else if (!st)
        greedy_cuts(u, n, cp->macros, which == PIM_PART_LAYERWISE, cut);
    if (!st)
        *nparts = starts_of(cut, n, *starts);
    free(cut);
    return st;
}

pim_status pim_compile(const pim_unit *units, uint32_t n, const pim_cost_params *cp,
                       pim_partitioner which, pim_objective obj, uint64_t seed, pim_compiled *out,
                       pim_error *err)
{
    double t0 = pim_wall_seconds();
    memset(out, 0, sizeof *out);
    if (n == 0)
        return pim_fail(err, PIM_EINPUT, "the model has no layers to partition");
    pim_cost_params search = *cp;
    if (obj == PIM_OBJ_LATENCY)
        search.batch = 1; /* one image through the partitions, as fast as possible */
    uint32_t *starts = NULL, nparts = 0;
    pim_status st = choose(units, n, &search, which, obj, seed, &starts, &nparts, err);
    if (!st) {
        out->parts = pim_xcalloc(nparts ? nparts : 1, sizeof *out->parts);
        if (!out->parts)
            st = pim_fail(err, PIM_EINTERNAL, "out of memory");
    }
    unit_arrays a = {0};
    pim_cost *each = pim_xcalloc(nparts ? nparts : 1, sizeof *each);
    /* replication as the search chose it; costs at the run's batch (the
     * latency search times one image), so that the reported estimate
     * describes the program that runs */
    if (!st && (!arrays_alloc(&a, n) || !each ||
                !cost_parts(units, n, &search, starts, nparts, &a, 0, each, &out->total) ||
                (search.batch != cp->batch &&
                 !cost_parts(units, n, cp, starts, nparts, &a, 1, each, &out->estimate))))
        st = pim_fail(err, PIM_EINTERNAL, "compile: the partitions do not fit");
    for (uint32_t p = 0; p < nparts && !st; p++) {
        pim_partition *pt = &out->parts[out->nparts++];
        pt->first = starts[p];
        pt->count = (p + 1 < nparts ? starts[p + 1] : n) - starts[p];
        pt->cost = each[p];
        pt->replicas = pim_xcalloc(pt->count, sizeof *pt->replicas);
        if (!pt->replicas)
            st = pim_fail(err, PIM_EINTERNAL, "out of memory");
        else
            memcpy(pt->replicas, a.replicas + pt->first, pt->count * sizeof *pt->replicas);
    }
    if (search.batch == cp->batch)
        out->estimate = out->total;
    arrays_free(&a);
    free(each);
    free(starts);
    if (st) {
        pim_compiled_free(out);
        return st;
    }
    out->units = units;
    out->nunits = n;
    out->search_seconds = pim_wall_seconds() - t0;
    return PIM_OK;
}

void pim_compiled_free(pim_compiled *c)
{
    for (uint32_t p = 0; p < c->nparts; p++)
        free(c->parts[p].replicas);
    free(c->parts);
    c->parts = NULL;
    c->nparts = 0;
}
