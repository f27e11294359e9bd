/* pimstream compile: the partitioners.
 *
 * optimal:    dynamic programming over the topological order. For time
 *             objectives f[j] = min_i f[i] + cost(i, j) is exact because
 *             partitions run one after another and costs add. EDP is a
 *             product, so each prefix keeps its Pareto front of
 *             (energy, time) and the best product is picked at the end.
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

static const char *const PARTITIONERS[] = {"none", "optimal", "compass-ga", "greedy", "layerwise"};
static const char *const OBJECTIVES[] = {"throughput", "latency", "edp"};

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
    return (unsigned)p < 5 ? PARTITIONERS[p] : "?";
}

int pim_partitioner_parse(const char *s, pim_partitioner *out)
{
    int i = name_index(PARTITIONERS, 1, 5, s); /* "none" is not a choice */
    if (i >= 0)
        *out = (pim_partitioner)i;
    return i >= 0;
}

const char *pim_objective_name(pim_objective o)
{
    return (unsigned)o < 3 ? OBJECTIVES[o] : "?";
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

int pim_cost_of_starts(const pim_unit *units, uint32_t n, const pim_cost_params *cp,
                       const uint32_t *starts, uint32_t nparts, pim_cost *out)
{
    out->cycles = out->pj = 0;
    for (uint32_t p = 0; p < nparts; p++) {
        uint32_t end = p + 1 < nparts ? starts[p + 1] : n;
        pim_cost c;
        if (end <= starts[p] ||
            !pim_partition_cost(units, starts[p], end - starts[p], cp, NULL, NULL, &c))
            return 0;
        out->cycles += c.cycles;
        out->pj += c.pj;
    }
    return 1;
}

/* ---- optimal ---------------------------------------------------------- */

typedef struct {
    double pj, cycles;
    uint32_t from, index; /* the prefix end and front entry it extends */
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

/* Fronts over prefixes: fr[j] holds the Pareto-optimal costs of units
 * [0, j). With a time objective each front keeps its single fastest point. */
static pim_status dp(const pim_unit *u, uint32_t n, const pim_cost_params *cp, pim_objective o,
                     uint32_t **starts, uint32_t *nparts, pim_error *err)
{
    front *fr = pim_xcalloc((size_t)n + 1, sizeof *fr);
    pim_status st = fr ? PIM_OK : pim_fail(err, PIM_EINTERNAL, "out of memory");
    if (!st && !pim_grow((void **)&fr[0].pts, &fr[0].cap, 0, sizeof *fr[0].pts))
        st = pim_fail(err, PIM_EINTERNAL, "out of memory");
    if (!st)
        fr[0].pts[fr[0].count++] = (front_point){0, 0, UINT32_MAX, 0};
    for (uint32_t j = 1; j <= n && !st; j++) {
        uint64_t tiles = 0;
        for (uint32_t i = j; i-- > 0 && !st;) {
            tiles += u[i].tiles;
            if (tiles > cp->macros)
                break; /* longer ranges only add tiles */
            pim_cost c;
            if (!pim_partition_cost(u, i, j - i, cp, NULL, NULL, &c))
                continue;
            for (uint32_t k = 0; k < fr[i].count && !st; k++) {
                front_point q = {fr[i].pts[k].pj + c.pj, fr[i].pts[k].cycles + c.cycles, i, k};
                if (o != PIM_OBJ_EDP && fr[j].count) {
                    if (q.cycles < fr[j].pts[0].cycles)
                        fr[j].pts[0] = q;
                    continue;
                }
                if (!pim_grow((void **)&fr[j].pts, &fr[j].cap, fr[j].count, sizeof q))
                    st = pim_fail(err, PIM_EINTERNAL, "out of memory");
                else
                    fr[j].pts[fr[j].count++] = q;
            }
        }
        if (o == PIM_OBJ_EDP)
            prune(&fr[j]);
    }
    if (!st) {
        uint32_t best = 0;
        for (uint32_t k = 1; k < fr[n].count; k++)
            if (pim_objective_value(o, cp, (pim_cost){fr[n].pts[k].cycles, fr[n].pts[k].pj}) <
                pim_objective_value(o, cp, (pim_cost){fr[n].pts[best].cycles, fr[n].pts[best].pj}))
                best = k;
        uint32_t count = 0;
        for (uint32_t j = n, k = best; j > 0; count++) {
            const front_point *q = &fr[j].pts[k];
            j = q->from;
            k = q->index;
        }
        *starts = pim_xcalloc(count ? count : 1, sizeof **starts);
        if (!*starts)
            st = pim_fail(err, PIM_EINTERNAL, "out of memory");
        *nparts = count;
        for (uint32_t j = n, k = best, p = count; j > 0 && !st;) {
            const front_point *q = &fr[j].pts[k];
            (*starts)[--p] = q->from;
            j = q->from;
            k = q->index;
        }
    }
    for (uint32_t j = 0; fr && j <= n; j++)
        free(fr[j].pts);
    free(fr);
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

/* xorshift64*: a small, well-known generator; the GA must replay exactly. */
static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static double rng_unit(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

#define GA_POPULATION 100 /* COMPASS Sec. IV */
#define GA_GENERATIONS 30

static void mutate(uint8_t *g, uint32_t n, uint64_t *rng)
{
    for (uint32_t k = 1; k < n; k++)
        if (rng_unit(rng) < 1.0 / n)
            g[k] ^= 1;
    if (n > 2 && rng_unit(rng) < 0.5) { /* move one boundary by one unit */
        uint32_t k = 1 + (uint32_t)(rng_next(rng) % (n - 1));
        uint32_t to = rng_next(rng) & 1 ? k + 1 : k - 1;
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
        double density = rng_unit(&rng) * 0.5;
        for (uint32_t k = 0; k < n; k++)
            pop[i * g + k] = rng_unit(&rng) < density;
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
                int a = (int)(rng_next(&rng) % GA_POPULATION);
                int b = (int)(rng_next(&rng) % GA_POPULATION);
                pick[p] = fit[a] <= fit[b] ? a : b;
            }
            uint8_t *child = next + i * g;
            uint32_t at = n > 1 ? (uint32_t)(rng_next(&rng) % n) : 0;
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

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static pim_status choose(const pim_unit *u, uint32_t n, const pim_cost_params *cp,
                         pim_partitioner which, pim_objective o, uint64_t seed, uint32_t **starts,
                         uint32_t *nparts, pim_error *err)
{
    if (which == PIM_PART_OPTIMAL)
        return dp(u, n, cp, o, starts, nparts, err);
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
    double t0 = wall();
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
    for (uint32_t p = 0; p < nparts && !st; p++) {
        pim_partition *pt = &out->parts[out->nparts++];
        pt->first = starts[p];
        pt->count = (p + 1 < nparts ? starts[p + 1] : n) - starts[p];
        pt->replicas = pim_xcalloc(pt->count, sizeof *pt->replicas);
        if (!pt->replicas || !pim_partition_cost(units, pt->first, pt->count, &search, pt->replicas,
                                                 NULL, &pt->cost))
            st = pim_fail(err, PIM_EINTERNAL, "compile: partition %u does not fit", p);
        out->total.cycles += pt->cost.cycles;
        out->total.pj += pt->cost.pj;
    }
    free(starts);
    if (st) {
        pim_compiled_free(out);
        return st;
    }
    out->units = units;
    out->nunits = n;
    out->search_seconds = wall() - t0;
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
