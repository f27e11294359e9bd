/* pimstream noc: topologies and deterministic routes.
 *
 * Every topology becomes nodes with places and directed links; routes are
 * precomputed into a next-link table, so a route costs a lookup per hop.
 * Dimension order (x, then y, then tiers) on meshes, tori (the shorter way
 * around, the + way on a tie) and stacks; elsewhere shortest paths in
 * per-hop latency (router pipeline + link), ties to the lower-numbered
 * link, found by a Dijkstra search from every destination. */
#include "pimstream/noc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NODES 4096 /* the next-link table holds nodes^2 entries */

const char *pim_topology_name(pim_topology t)
{
    static const char *const names[] = {"mesh", "torus", "chiplets", "stack3d", "custom"};
    return t <= PIM_TOPO_CUSTOM ? names[t] : "?";
}

const char *pim_link_class_name(pim_link_class c)
{
    static const char *const names[] = {"onchip", "interposer", "vertical"};
    return c < PIM_LINK_CLASSES ? names[c] : "?";
}

/* Join a and b both ways. `unique`: the caller knows the pair is new (a
 * grid); lists and petals may repeat a pair, which is then joined once. */
static int join(pim_noc *n, uint32_t *cap, uint32_t a, uint32_t b, pim_link_class cls, int unique)
{
    for (uint32_t i = 0; !unique && i < n->nlinks; i++)
        if (n->links[i].from == a && n->links[i].to == b)
            return 1;
    if (a == b)
        return 1;
    for (int dir = 0; dir < 2; dir++) {
        if (!pim_grow((void **)&n->links, cap, n->nlinks, sizeof *n->links))
            return 0;
        n->links[n->nlinks++] = (pim_noc_link){dir ? b : a, dir ? a : b, cls};
    }
    return 1;
}

/* A k x m mesh (with wrap-around links for a torus) of nodes starting at
 * `base`, placed at (x0 + x, y0 + y, z). */
static int grid(pim_noc *n, uint32_t *cap, uint32_t base, uint32_t k, uint32_t m, int32_t x0,
                int32_t y0, int32_t z, int wrap)
{
    for (uint32_t y = 0; y < m; y++)
        for (uint32_t x = 0; x < k; x++) {
            uint32_t id = base + y * k + x;
            n->x[id] = x0 + (int32_t)x;
            n->y[id] = y0 + (int32_t)y;
            n->z[id] = z;
            if (x + 1 < k && !join(n, cap, id, id + 1, PIM_LINK_ONCHIP, 1))
                return 0;
            if (y + 1 < m && !join(n, cap, id, id + k, PIM_LINK_ONCHIP, 1))
                return 0;
            if (wrap && x == k - 1 && k > 2 && !join(n, cap, id, id - x, PIM_LINK_ONCHIP, 1))
                return 0;
            if (wrap && y == m - 1 && m > 2 && !join(n, cap, id, base + x, PIM_LINK_ONCHIP, 1))
                return 0;
        }
    return 1;
}

void pim_noc_curve_cell(uint32_t w, uint32_t h, uint32_t i, uint32_t *x, uint32_t *y)
{
    if (w == h && w && (w & (w - 1)) == 0) { /* Hilbert's d2xy */
        uint32_t rx, ry, t = i;
        *x = *y = 0;
        for (uint32_t s = 1; s < w; s *= 2) {
            rx = 1 & (t / 2);
            ry = 1 & (t ^ rx);
            if (ry == 0) {
                if (rx == 1) {
                    *x = s - 1 - *x;
                    *y = s - 1 - *y;
                }
                uint32_t tmp = *x;
                *x = *y;
                *y = tmp;
            }
            *x += s * rx;
            *y += s * ry;
            t /= 4;
        }
        return;
    }
    w = w ? w : 1;
    *y = i / w;
    *x = *y % 2 ? w - 1 - i % w : i % w;
}

/* Chiplets: each a k x m mesh; their gateways (each chiplet's middle
 * node) joined by the interposer network. */
static int chiplets(pim_noc *n, uint32_t *cap, const pim_noc_spec *s)
{
    uint32_t per = s->k * s->m, count = s->cx * s->cy;
    uint32_t gate = (s->m / 2) * s->k + s->k / 2;
    for (uint32_t c = 0; c < count; c++) {
        uint32_t cx = c % s->cx, cy = c / s->cx;
        if (!grid(n, cap, c * per, s->k, s->m, (int32_t)(cx * (s->k + 1)),
                  (int32_t)(cy * (s->m + 1)), 0, 0))
            return 0;
        for (uint32_t i = 0; i < per; i++)
            n->chiplet[c * per + i] = c;
    }
    if (s->interposer == PIM_INTERPOSER_MESH) {
        for (uint32_t c = 0; c < count; c++) {
            if (c % s->cx + 1 < s->cx &&
                !join(n, cap, c * per + gate, (c + 1) * per + gate, PIM_LINK_INTERPOSER, 1))
                return 0;
            if (c / s->cx + 1 < s->cy &&
                !join(n, cap, c * per + gate, (c + s->cx) * per + gate, PIM_LINK_INTERPOSER, 1))
                return 0;
        }
        return 1;
    }
    if (s->interposer == PIM_INTERPOSER_LIST) {
        for (uint32_t i = 0; i < s->npairs; i++)
            if (!join(n, cap, s->pairs[2 * i] * per + gate, s->pairs[2 * i + 1] * per + gate,
                      PIM_LINK_INTERPOSER, 0))
                return 0;
        return 1;
    }
    /* Floret-style petals: the chiplets in space-filling-curve order; the
     * first is the hub, the rest split into petals of consecutive chiplets,
     * each a chain that starts and ends at the hub */
    uint32_t *order = malloc(count * sizeof *order);
    if (!order)
        return 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t x, y;
        pim_noc_curve_cell(s->cx, s->cy, i, &x, &y);
        order[i] = y * s->cx + x;
    }
    uint32_t rest = count - 1, petals = s->petals ? s->petals : (uint32_t)ceil(sqrt((double)rest));
    petals = petals > rest ? rest : petals ? petals : 1;
    int ok = 1;
    for (uint32_t p = 0; p < petals && ok && rest; p++) {
        uint32_t first = 1 + rest * p / petals,
                 last = rest * (p + 1) / petals; /* order[first..last] */
        ok &=
            join(n, cap, order[0] * per + gate, order[first] * per + gate, PIM_LINK_INTERPOSER, 0);
        for (uint32_t i = first; ok && i < last; i++)
            ok &= join(n, cap, order[i] * per + gate, order[i + 1] * per + gate,
                       PIM_LINK_INTERPOSER, 0);
        ok &= join(n, cap, order[last] * per + gate, order[0] * per + gate, PIM_LINK_INTERPOSER, 0);
    }
    free(order);
    return ok;
}

static int stack(pim_noc *n, uint32_t *cap, const pim_noc_spec *s)
{
    uint32_t per = s->k * s->m;
    for (uint32_t t = 0; t < s->tiers; t++) {
        if (!grid(n, cap, t * per, s->k, s->m, 0, 0, (int32_t)t, 0))
            return 0;
        for (uint32_t i = 0; t + 1 < s->tiers && i < per; i++)
            if (!join(n, cap, t * per + i, (t + 1) * per + i, PIM_LINK_VERTICAL, 1))
                return 0;
    }
    return 1;
}

static int custom(pim_noc *n, uint32_t *cap, const pim_noc_spec *s)
{
    uint32_t side = (uint32_t)ceil(sqrt((double)s->nodes)); /* drawn on a grid */
    for (uint32_t i = 0; i < s->nodes; i++) {
        n->x[i] = (int32_t)(i % side);
        n->y[i] = (int32_t)(i / side);
    }
    for (uint32_t i = 0; i < s->npairs; i++)
        if (!join(n, cap, s->pairs[2 * i], s->pairs[2 * i + 1], PIM_LINK_ONCHIP, 0))
            return 0;
    return 1;
}

/* ---- routes ----------------------------------------------------------- */

/* Links out of (or into) each node, in ascending link order (CSR). */
typedef struct {
    uint32_t *first, *links;
} adjacency;

static int adjacency_build(const pim_noc *n, int incoming, adjacency *a)
{
    a->first = calloc(n->nodes + 1, sizeof *a->first);
    a->links = malloc((n->nlinks ? n->nlinks : 1) * sizeof *a->links);
    uint32_t *fill = malloc((n->nodes + 1) * sizeof *fill);
    int ok = a->first && a->links && fill;
    for (uint32_t l = 0; ok && l < n->nlinks; l++)
        a->first[(incoming ? n->links[l].to : n->links[l].from) + 1]++;
    for (uint32_t i = 0; ok && i < n->nodes; i++)
        a->first[i + 1] += a->first[i];
    for (uint32_t i = 0; ok && i <= n->nodes; i++)
        fill[i] = a->first[i];
    for (uint32_t l = 0; ok && l < n->nlinks; l++)
        a->links[fill[incoming ? n->links[l].to : n->links[l].from]++] = l;
    free(fill);
    return ok;
}

static void adjacency_free(adjacency *a)
{
    free(a->first);
    free(a->links);
}

/* The node one step from src toward dst in dimension order. */
static uint32_t dor_step(const pim_noc *n, uint32_t src, uint32_t dst)
{
    const pim_noc_spec *s = &n->spec;
    uint32_t per = s->k * s->m, k = s->k, m = s->m;
    uint32_t tier = src / per, dtier = dst / per, at = src % per, to = dst % per;
    int32_t x = (int32_t)(at % k), y = (int32_t)(at / k), dx = (int32_t)(to % k),
            dy = (int32_t)(to / k);
    int wrap = s->topology == PIM_TOPO_TORUS;
    if (x != dx) {
        int32_t fwd = ((dx - x) % (int32_t)k + (int32_t)k) % (int32_t)k; /* steps the + way */
        int plus = wrap && k > 2 ? fwd <= (int32_t)k - fwd : dx > x;
        x = plus ? (x + 1) % (int32_t)k : (x + (int32_t)k - 1) % (int32_t)k;
    } else if (y != dy) {
        int32_t fwd = ((dy - y) % (int32_t)m + (int32_t)m) % (int32_t)m;
        int plus = wrap && m > 2 ? fwd <= (int32_t)m - fwd : dy > y;
        y = plus ? (y + 1) % (int32_t)m : (y + (int32_t)m - 1) % (int32_t)m;
    } else {
        tier = dtier > tier ? tier + 1 : tier - 1;
    }
    return tier * per + (uint32_t)y * k + (uint32_t)x;
}

static double hop_cost(const pim_noc *n, uint32_t link)
{
    return n->spec.router.pipeline_cycles + n->spec.link[n->links[link].cls].latency_cycles;
}

/* Shortest paths to every destination: Dijkstra on the reversed links from
 * each destination; a node's next link is the one on a shortest path with
 * the lowest number. */
static int shortest_paths(pim_noc *n)
{
    uint32_t N = n->nodes;
    adjacency in;
    double *dist = malloc(N * sizeof *dist);
    pim_heap heap = {0};
    int ok = adjacency_build(n, 1, &in) && dist && pim_heap_init(&heap, N);
    for (uint32_t dst = 0; ok && dst < N; dst++) {
        for (uint32_t i = 0; i < N; i++) {
            dist[i] = INFINITY;
            n->next[(size_t)i * N + dst] = UINT32_MAX;
        }
        dist[dst] = 0;
        heap.count = 0;
        ok = pim_heap_push(&heap, 0, dst);
        while (ok && heap.count) {
            pim_event e = pim_heap_pop(&heap);
            uint32_t u = (uint32_t)e.key;
            if (e.t > dist[u])
                continue; /* a stale entry */
            for (uint32_t k = in.first[u]; k < in.first[u + 1] && ok; k++) {
                uint32_t l = in.links[k], v = n->links[l].from;
                double d = dist[u] + hop_cost(n, l);
                uint32_t *best = &n->next[(size_t)v * N + dst];
                if (d < dist[v] - 1e-12) {
                    dist[v] = d;
                    *best = l;
                    ok = pim_heap_push(&heap, d, v);
                } else if (fabs(d - dist[v]) <= 1e-12 && l < *best) {
                    *best = l;
                }
            }
        }
    }
    adjacency_free(&in);
    free(dist);
    pim_heap_free(&heap);
    return ok;
}

static int dor_paths(pim_noc *n)
{
    uint32_t N = n->nodes;
    adjacency out;
    if (!adjacency_build(n, 0, &out)) {
        adjacency_free(&out);
        return 0;
    }
    for (uint32_t src = 0; src < N; src++)
        for (uint32_t dst = 0; dst < N; dst++) {
            uint32_t l = UINT32_MAX, to = src == dst ? src : dor_step(n, src, dst);
            for (uint32_t k = out.first[src]; src != dst && k < out.first[src + 1]; k++)
                if (n->links[out.links[k]].to == to)
                    l = out.links[k];
            n->next[(size_t)src * N + dst] = l;
        }
    adjacency_free(&out);
    return 1;
}

uint32_t pim_noc_route(const pim_noc *n, uint32_t src, uint32_t dst, uint32_t *route)
{
    uint32_t hops = 0;
    while (src != dst && hops < n->nodes) {
        uint32_t l = n->next[(size_t)src * n->nodes + dst];
        if (l == UINT32_MAX)
            break;
        route[hops++] = l;
        src = n->links[l].to;
    }
    return hops;
}

double pim_noc_zero_load(const pim_noc *n, uint32_t src, uint32_t dst, double bytes)
{
    uint32_t *route = malloc((n->diameter + 1) * sizeof *route);
    if (!route)
        return INFINITY;
    uint32_t hops = pim_noc_route(n, src, dst, route);
    double t = 0, narrow = n->spec.link[PIM_LINK_ONCHIP].bytes_per_cycle; /* the ports */
    for (uint32_t h = 0; h < hops; h++) {
        t += hop_cost(n, route[h]);
        double w = n->spec.link[n->links[route[h]].cls].bytes_per_cycle;
        narrow = w < narrow ? w : narrow;
    }
    free(route);
    return t + bytes / narrow;
}

/* ---- building --------------------------------------------------------- */

static pim_status check_spec(const pim_noc_spec *s, uint32_t *nodes, pim_error *err)
{
    uint64_t count = 0;
    switch (s->topology) {
    case PIM_TOPO_MESH:
    case PIM_TOPO_TORUS:
        count = (uint64_t)s->k * s->m;
        break;
    case PIM_TOPO_CHIPLETS:
        count = (uint64_t)s->k * s->m * s->cx * s->cy;
        break;
    case PIM_TOPO_STACK3D:
        count = (uint64_t)s->k * s->m * s->tiers;
        break;
    case PIM_TOPO_CUSTOM:
        count = s->nodes;
        break;
    }
    if (count < 1 || count > MAX_NODES)
        return pim_fail(err, PIM_EINPUT, "noc: %llu nodes (a network has 1..%d)",
                        (unsigned long long)count, MAX_NODES);
    for (int c = 0; c < PIM_LINK_CLASSES; c++)
        if (!(s->link[c].bytes_per_cycle > 0) || s->link[c].latency_cycles < 0 ||
            s->link[c].pj_per_bit < 0)
            return pim_fail(err, PIM_EINPUT, "noc: %s links need a width > 0",
                            pim_link_class_name((pim_link_class)c));
    uint32_t limit = s->topology == PIM_TOPO_CHIPLETS ? s->cx * s->cy : (uint32_t)count;
    for (uint32_t i = 0; i < 2 * s->npairs; i++)
        if (s->pairs[i] >= limit)
            return pim_fail(err, PIM_EINPUT, "noc: link end %u is not a %s (0..%u)", s->pairs[i],
                            s->topology == PIM_TOPO_CHIPLETS ? "chiplet" : "node", limit - 1);
    *nodes = (uint32_t)count;
    return PIM_OK;
}

/* Every node must reach every other. */
static int connected(const pim_noc *n)
{
    for (uint32_t s = 0; s < n->nodes; s++)
        for (uint32_t d = 0; d < n->nodes; d++)
            if (s != d && n->next[(size_t)s * n->nodes + d] == UINT32_MAX)
                return 0;
    return 1;
}

pim_status pim_noc_build(const pim_noc_spec *spec, pim_noc *out, pim_error *err)
{
    memset(out, 0, sizeof *out);
    out->spec = *spec;
    uint32_t N = 0;
    pim_status st = check_spec(spec, &N, err);
    if (st)
        return st;
    out->nodes = N;
    out->x = calloc(N, sizeof *out->x);
    out->y = calloc(N, sizeof *out->y);
    out->z = calloc(N, sizeof *out->z);
    out->chiplet = calloc(N, sizeof *out->chiplet);
    out->next = malloc((size_t)N * N * sizeof *out->next);
    uint32_t cap = 0;
    int ok = out->x && out->y && out->z && out->chiplet && out->next;
    switch (spec->topology) {
    case PIM_TOPO_MESH:
    case PIM_TOPO_TORUS:
        ok = ok && grid(out, &cap, 0, spec->k, spec->m, 0, 0, 0, spec->topology == PIM_TOPO_TORUS);
        ok = ok && dor_paths(out);
        break;
    case PIM_TOPO_STACK3D:
        ok = ok && stack(out, &cap, spec) && dor_paths(out);
        break;
    case PIM_TOPO_CHIPLETS:
        ok = ok && chiplets(out, &cap, spec) && shortest_paths(out);
        break;
    case PIM_TOPO_CUSTOM:
        ok = ok && custom(out, &cap, spec) && shortest_paths(out);
        break;
    }
    if (!ok) {
        pim_noc_free(out);
        return pim_fail(err, PIM_EINTERNAL, "noc: out of memory");
    }
    if (!connected(out)) {
        pim_noc_free(out);
        return pim_fail(err, PIM_EINPUT, "noc: the %s network does not connect every node",
                        pim_topology_name(spec->topology));
    }
    uint32_t *route = malloc(N * sizeof *route);
    for (uint32_t s = 0; route && s < N; s++)
        for (uint32_t d = 0; d < N; d++) {
            uint32_t h = pim_noc_route(out, s, d, route);
            out->diameter = h > out->diameter ? h : out->diameter;
        }
    free(route);
    return PIM_OK;
}

void pim_noc_free(pim_noc *n)
{
    free(n->x);
    free(n->y);
    free(n->z);
    free(n->chiplet);
    free(n->links);
    free(n->next);
    memset(n, 0, sizeof *n);
}
