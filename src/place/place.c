/* pimstream place: curves, random, and the optimized search (place.h). */
#include "pimstream/place.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *pim_placement_name(pim_placement p)
{
    static const char *const names[] = {"row-major", "snake", "hilbert", "random", "optimized"};
    return p <= PIM_PLACE_OPTIMIZED ? names[p] : "?";
}

int pim_placement_parse(const char *s, pim_placement *out)
{
    for (int p = 0; p <= PIM_PLACE_OPTIMIZED; p++)
        if (!strcmp(s, pim_placement_name((pim_placement)p))) {
            *out = (pim_placement)p;
            return 1;
        }
    return 0;
}

/* ---- orders ----------------------------------------------------------- */

typedef struct {
    int64_t key;
    uint32_t node;
} keyed;

static int by_key(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key ? 1 : (x->node > y->node) - (x->node < y->node);
}

/* Position of (x, y) along a Hilbert curve over a 2^p square. */
static int64_t hilbert_index(uint32_t side, uint32_t x, uint32_t y)
{
    int64_t d = 0;
    for (uint32_t s = side / 2; s > 0; s /= 2) {
        uint32_t rx = (x & s) > 0, ry = (y & s) > 0;
        d += (int64_t)s * s * ((3 * rx) ^ ry);
        if (ry == 0) { /* rotate the quadrant */
            if (rx == 1) {
                x = side - 1 - x;
                y = side - 1 - y;
            }
            uint32_t t = x;
            x = y;
            y = t;
        }
    }
    return d;
}

static uint32_t pow2_at_least(uint32_t v)
{
    uint32_t p = 1;
    while (p < v)
        p *= 2;
    return p;
}

/* A sort key per node for a curve: nodes in key order are the curve. */
static int64_t curve_key(const pim_noc *n, pim_placement p, uint32_t node)
{
    const pim_noc_spec *s = &n->spec;
    int64_t x = n->x[node], y = n->y[node], z = n->z[node];
    if (s->topology == PIM_TOPO_CUSTOM)
        return node;
    if (s->topology == PIM_TOPO_CHIPLETS) { /* chiplet by chiplet, then inside */
        uint32_t c = n->chiplet[node], cx = c % s->cx, cy = c / s->cx;
        uint32_t lx = (uint32_t)(x - (int64_t)cx * (s->k + 1)),
                 ly = (uint32_t)(y - (int64_t)cy * (s->m + 1));
        if (p == PIM_PLACE_ROW_MAJOR) /* the package's rows, across chiplets */
            return y * 4096 + x;
        int64_t chip = p == PIM_PLACE_HILBERT
                           ? hilbert_index(pow2_at_least(s->cx > s->cy ? s->cx : s->cy), cx, cy)
                           : (cy % 2 ? (int64_t)cy * s->cx + (s->cx - 1 - cx) : (int64_t)c);
        int64_t inside =
            p == PIM_PLACE_HILBERT
                ? hilbert_index(pow2_at_least(s->k > s->m ? s->k : s->m), lx, ly)
                : (ly % 2 ? (int64_t)ly * s->k + (s->k - 1 - lx) : (int64_t)ly * s->k + lx);
        return chip * 4096 * 4096 + inside;
    }
    uint32_t k = s->k, m = s->m;
    int64_t in_tier;
    if (p == PIM_PLACE_ROW_MAJOR)
        in_tier = y * k + x;
    else if (p == PIM_PLACE_SNAKE)
        in_tier = y % 2 ? y * k + (k - 1 - x) : y * k + x;
    else
        in_tier = hilbert_index(pow2_at_least(k > m ? k : m), (uint32_t)x, (uint32_t)y);
    /* stacks: tier by tier, every other tier walked backwards so
     * consecutive tiers meet where one ends and the next begins */
    int64_t span = (int64_t)pow2_at_least(k > m ? k : m) * pow2_at_least(k > m ? k : m);
    if (p != PIM_PLACE_ROW_MAJOR && z % 2)
        in_tier = span - 1 - in_tier;
    return z * span + in_tier;
}

static pim_status curve(const pim_noc *n, pim_placement p, uint32_t *perm, pim_error *err)
{
    keyed *k = malloc(n->nodes * sizeof *k);
    if (!k)
        return pim_fail(err, PIM_EINTERNAL, "place: out of memory");
    for (uint32_t i = 0; i < n->nodes; i++)
        k[i] = (keyed){curve_key(n, p, i), i};
    qsort(k, n->nodes, sizeof *k, by_key);
    for (uint32_t i = 0; i < n->nodes; i++)
        perm[i] = k[i].node;
    free(k);
    return PIM_OK;
}

static void shuffle(uint32_t *perm, uint32_t count, uint64_t seed)
{
    uint64_t s = seed ? seed : 0x9E3779B97F4A7C15ull;
    for (uint32_t i = 0; i < count; i++)
        perm[i] = i;
    for (uint32_t i = count; i > 1; i--) { /* Fisher-Yates */
        uint32_t j = (uint32_t)(pim_rng_next(&s) % i);
        uint32_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}

/* ---- cost ------------------------------------------------------------- */

static uint32_t *hop_matrix(const pim_noc *n)
{
    uint32_t N = n->nodes, *h = malloc((size_t)N * N * sizeof *h);
    uint32_t *route = malloc((n->diameter + 1) * sizeof *route);
    for (uint32_t a = 0; h && route && a < N; a++)
        for (uint32_t b = 0; b < N; b++)
            h[(size_t)a * N + b] = pim_noc_route(n, a, b, route);
    free(route);
    if (!route) {
        free(h);
        return NULL;
    }
    return h;
}

double pim_place_cost(const pim_noc *n, const pim_traffic_matrix *t, const uint32_t *perm)
{
    uint32_t N = n->nodes, *route = malloc((n->diameter + 1) * sizeof *route);
    double *load = calloc(n->nlinks ? n->nlinks : 1, sizeof *load), cost = 0, width = 0;
    if (!route || !load) {
        free(route);
        free(load);
        return INFINITY;
    }
    for (uint32_t i = 0; i < t->nodes && i < N; i++)
        for (uint32_t j = 0; j < t->nodes && j < N; j++) {
            double b = t->bytes[(size_t)i * t->nodes + j];
            if (b <= 0)
                continue;
            uint32_t hops = pim_noc_route(n, perm[i], perm[j], route);
            cost += b * hops;
            for (uint32_t h = 0; h < hops; h++)
                load[route[h]] += b;
        }
    double busiest = 0;
    for (uint32_t l = 0; l < n->nlinks; l++) {
        double w = n->spec.link[n->links[l].cls].bytes_per_cycle;
        width += w;
        busiest = load[l] / w > busiest ? load[l] / w : busiest;
    }
    /* overload: the busiest link's time, in bytes at the mean link width */
    if (n->nlinks)
        cost += busiest * (width / n->nlinks);
    free(route);
    free(load);
    return cost;
}

/* ---- the optimized search --------------------------------------------- */

/* Bytes from logical node i to j; nodes past the traffic's hold nothing. */
static double traffic(const pim_traffic_matrix *t, uint32_t i, uint32_t j)
{
    return i < t->nodes && j < t->nodes ? t->bytes[(size_t)i * t->nodes + j] : 0;
}

/* Change in bytes x hops if logical nodes a and b swap places. */
static double swap_delta(const uint32_t *hops, uint32_t N, const pim_traffic_matrix *t,
                         const uint32_t *perm, uint32_t a, uint32_t b)
{
    double d = 0;
    uint32_t pa = perm[a], pb = perm[b];
    for (uint32_t j = 0; j < t->nodes; j++) {
        if (j == a || j == b)
            continue;
        uint32_t pj = perm[j];
        d += traffic(t, a, j) * ((double)hops[(size_t)pb * N + pj] - hops[(size_t)pa * N + pj]);
        d += traffic(t, j, a) * ((double)hops[(size_t)pj * N + pb] - hops[(size_t)pj * N + pa]);
        d += traffic(t, b, j) * ((double)hops[(size_t)pa * N + pj] - hops[(size_t)pb * N + pj]);
        d += traffic(t, j, b) * ((double)hops[(size_t)pj * N + pa] - hops[(size_t)pj * N + pb]);
    }
    d += traffic(t, a, b) * ((double)hops[(size_t)pb * N + pa] - hops[(size_t)pa * N + pb]);
    d += traffic(t, b, a) * ((double)hops[(size_t)pa * N + pb] - hops[(size_t)pb * N + pa]);
    return d;
}

/* Pairwise swaps of a used logical node with any other, first
 * improvement, until a pass finds none (at most 50 passes). */
static void improve(const uint32_t *hops, uint32_t N, const pim_traffic_matrix *t, uint32_t *perm)
{
    for (int pass = 0; pass < 50; pass++) {
        int better = 0;
        for (uint32_t a = 0; a < t->nodes; a++)
            for (uint32_t b = a + 1; b < N; b++)
                if (swap_delta(hops, N, t, perm, a, b) < -1e-9) {
                    uint32_t tmp = perm[a];
                    perm[a] = perm[b];
                    perm[b] = tmp;
                    better = 1;
                }
        if (!better)
            return;
    }
}

static pim_status optimized(const pim_noc *n, const pim_traffic_matrix *t, uint32_t *perm,
                            pim_error *err)
{
    uint32_t N = n->nodes, *trial = malloc(N * sizeof *trial), *hops = hop_matrix(n);
    if (!trial || !hops) {
        free(trial);
        free(hops);
        return pim_fail(err, PIM_EINTERNAL, "place: out of memory");
    }
    double best = INFINITY;
    static const pim_placement curves[] = {PIM_PLACE_ROW_MAJOR, PIM_PLACE_SNAKE, PIM_PLACE_HILBERT};
    for (int c = 0; c < 3; c++) { /* the best curve, as it is and improved */
        pim_status st = curve(n, curves[c], trial, err);
        if (st) {
            free(trial);
            free(hops);
            return st;
        }
        for (int polish = 0; polish < 2; polish++) {
            if (polish)
                improve(hops, N, t, trial);
            double c_cost = pim_place_cost(n, t, trial);
            if (c_cost < best) {
                best = c_cost;
                memcpy(perm, trial, N * sizeof *perm);
            }
        }
    }
    free(trial);
    free(hops);
    return PIM_OK;
}

pim_status pim_place(const pim_noc *n, pim_placement p, const pim_traffic_matrix *t, uint64_t seed,
                     uint32_t *perm, pim_error *err)
{
    if (p == PIM_PLACE_RANDOM) {
        shuffle(perm, n->nodes, seed);
        return PIM_OK;
    }
    if (p == PIM_PLACE_OPTIMIZED) {
        if (!t || t->nodes > n->nodes)
            return pim_fail(err, PIM_EINTERNAL, "place: optimized placement needs the traffic");
        return optimized(n, t, perm, err);
    }
    return curve(n, p, perm, err);
}
