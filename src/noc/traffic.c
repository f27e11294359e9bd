/* pimstream noc: synthetic traffic, the network researcher's check.
 *
 * Patterns as the network literature defines them (Dally and Towles,
 * "Principles and Practices of Interconnection Networks", ch. 3), applied
 * in every dimension of a k x m grid (node y * k + x): uniform (a random
 * destination, the sender itself included), transpose (x, y) -> (y, x),
 * bitcomp (every bit of the node id complemented: N - 1 - id), neighbor
 * (x + 1, y + 1, mod the sides), tornado (x + floor((k - 1) / 2), likewise
 * in y), hotspot (a random one of the given nodes).
 *
 * Batch mode: every node sends P packets of F flits back to back, each
 * starting when the one before has left the node; the figure is the cycle
 * the last flit arrives. Rate mode: every node makes a packet with
 * probability X each cycle (a source queue holds what it cannot send yet);
 * latency from a packet's making to its last flit's arrival, accepted
 * throughput over the measured window. */
#include "pimstream/noc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *pim_traffic_name(pim_traffic t)
{
    static const char *const names[] = {"uniform",  "transpose", "bitcomp",
                                        "neighbor", "tornado",   "hotspot"};
    return t <= PIM_TRAFFIC_HOTSPOT ? names[t] : "?";
}

int pim_traffic_parse(const char *s, pim_traffic *out)
{
    for (int t = 0; t <= PIM_TRAFFIC_HOTSPOT; t++)
        if (!strcmp(s, pim_traffic_name((pim_traffic)t))) {
            *out = (pim_traffic)t;
            return 1;
        }
    return 0;
}

/* The grid a pattern works on: a mesh's or torus's k x m, a stack's tier
 * (tiers kept), or chiplets' global rows and columns. */
static void grid_of(const pim_noc *n, uint32_t *k, uint32_t *m)
{
    const pim_noc_spec *s = &n->spec;
    *k = s->topology == PIM_TOPO_CUSTOM ? n->nodes : s->k;
    *m = s->topology == PIM_TOPO_CUSTOM ? 1 : s->m;
}

uint32_t pim_traffic_dest(const pim_noc *n, const pim_noc_bench *b, uint32_t src, uint64_t *rng)
{
    uint32_t N = n->nodes, k, m;
    grid_of(n, &k, &m);
    uint32_t per = k * m, base = src - src % per, at = src % per, x = at % k, y = at / k;
    switch (b->pattern) {
    case PIM_TRAFFIC_UNIFORM:
        return (uint32_t)(pim_rng_next(rng) % N);
    case PIM_TRAFFIC_TRANSPOSE:
        return k == m ? base + x * k + y : src;
    case PIM_TRAFFIC_BITCOMP:
        return N - 1 - src;
    case PIM_TRAFFIC_NEIGHBOR:
        return base + ((y + 1) % m) * k + (x + 1) % k;
    case PIM_TRAFFIC_TORNADO:
        return base + ((y + (m - 1) / 2) % m) * k + (x + (k - 1) / 2) % k;
    case PIM_TRAFFIC_HOTSPOT:
        return b->nhotspots ? b->hotspots[pim_rng_next(rng) % b->nhotspots] : 0;
    }
    return src;
}

/* The channel-load bound: per unit of injection (a flit per node per
 * cycle), the expected load on every link and port; the throughput no
 * router can beat is the width over the largest load. */
static double channel_bound(const pim_noc *n, const pim_noc_bench *b)
{
    uint32_t N = n->nodes, R = n->nlinks + 2 * N;
    double *load = calloc(R, sizeof *load);
    uint32_t *route = malloc((n->diameter + 1) * sizeof *route);
    if (!load || !route) {
        free(load);
        free(route);
        return NAN;
    }
    uint64_t rng = 1;
    double port = n->spec.link[PIM_LINK_ONCHIP].bytes_per_cycle;
    for (uint32_t s = 0; s < N; s++) {
        uint32_t ndst = b->pattern == PIM_TRAFFIC_UNIFORM   ? N
                        : b->pattern == PIM_TRAFFIC_HOTSPOT ? b->nhotspots
                                                            : 1;
        for (uint32_t j = 0; j < ndst; j++) {
            uint32_t d = b->pattern == PIM_TRAFFIC_UNIFORM   ? j
                         : b->pattern == PIM_TRAFFIC_HOTSPOT ? b->hotspots[j]
                                                             : pim_traffic_dest(n, b, s, &rng);
            double w = 1.0 / ndst;
            uint32_t hops = pim_noc_route(n, s, d, route);
            for (uint32_t h = 0; h < hops; h++) /* flits per cycle of the link's width */
                load[route[h]] +=
                    w * b->flit_bytes / n->spec.link[n->links[route[h]].cls].bytes_per_cycle;
            load[n->nlinks + s] += w * b->flit_bytes / port;
            load[n->nlinks + N + d] += w * b->flit_bytes / port;
        }
    }
    double worst = 0;
    for (uint32_t r = 0; r < R; r++)
        worst = load[r] > worst ? load[r] : worst;
    free(load);
    free(route);
    return worst > 0 ? 1.0 / worst : INFINITY;
}

/* A node's traffic source: packets still to send (batch) or made and
 * waiting (rate mode: a ring of their making times). */
typedef struct {
    uint64_t left;
    int busy; /* its current packet has not yet left it */
    uint32_t queued, head, cap;
    double *made;
} source;

typedef struct {
    double start; /* made (rate mode) or begun (batch) */
    uint32_t src;
    int measured;
} packet;

typedef struct {
    const pim_noc *n;
    const pim_noc_bench *b;
    pim_flownet *f;
    source *src;
    packet *pk;
    uint32_t npk, cappk;
    uint64_t rng;
    double bytes;
    pim_error *err;
} bench;

static pim_status oom(bench *c)
{
    return pim_fail(c->err, PIM_EINTERNAL, "noc: out of memory");
}

/* Start node i's next packet now if it is idle and has one. */
static pim_status try_send(bench *c, uint32_t i, double now)
{
    source *s = &c->src[i];
    int rate_mode = c->b->packets == 0;
    if (s->busy || (rate_mode ? s->queued == 0 : s->left == 0))
        return PIM_OK;
    if (!pim_grow((void **)&c->pk, &c->cappk, c->npk, sizeof *c->pk))
        return oom(c);
    double made = now;
    if (rate_mode) {
        made = s->made[s->head];
        s->head = (s->head + 1) % s->cap;
        s->queued--;
    } else {
        s->left--;
    }
    c->pk[c->npk] = (packet){made, i, !rate_mode || made >= c->b->warmup};
    uint32_t d = pim_traffic_dest(c->n, c->b, i, &c->rng);
    pim_flow_opts o = {.packet_bytes = c->bytes, .resource = PIM_NO_RESOURCE};
    if (!pim_flownet_add(c->f, now, i, d, c->bytes, &o, c->npk++))
        return oom(c);
    s->busy = 1;
    return PIM_OK;
}

/* Rate mode: every node makes a packet with probability `rate` at cycle t. */
static pim_status make_packets(bench *c, double t)
{
    for (uint32_t i = 0; i < c->n->nodes; i++) {
        if (pim_rng_unit(&c->rng) >= c->b->rate)
            continue;
        source *s = &c->src[i];
        if (s->queued == s->cap) {
            uint32_t cap = s->cap ? s->cap * 2 : 16;
            double *ring = malloc(cap * sizeof *ring);
            if (!ring)
                return oom(c);
            for (uint32_t j = 0; j < s->queued; j++)
                ring[j] = s->made[(s->head + j) % s->cap];
            free(s->made);
            s->made = ring;
            s->head = 0;
            s->cap = cap;
        }
        s->made[(s->head + s->queued++) % s->cap] = t;
        pim_status st = try_send(c, i, t);
        if (st)
            return st;
    }
    return PIM_OK;
}

static pim_status check_bench(const pim_noc *n, const pim_noc_bench *b, pim_error *err)
{
    if (!b->flits || !(b->flit_bytes > 0) || (!b->packets && !(b->rate > 0 && b->rate <= 1)))
        return pim_fail(err, PIM_EINPUT,
                        "noc: needs flits >= 1 and --packets P or --rate in (0, 1]");
    if (b->pattern == PIM_TRAFFIC_HOTSPOT && !b->nhotspots)
        return pim_fail(err, PIM_EINPUT, "noc: hotspot traffic needs --hotspots");
    for (uint32_t i = 0; i < b->nhotspots; i++)
        if (b->hotspots[i] >= n->nodes)
            return pim_fail(err, PIM_EINPUT, "noc: hotspot %u is not a node (0..%u)",
                            b->hotspots[i], n->nodes - 1);
    if (b->pattern == PIM_TRAFFIC_TRANSPOSE && n->spec.k != n->spec.m)
        return pim_fail(err, PIM_EINPUT, "noc: transpose traffic needs a square grid");
    return PIM_OK;
}

pim_status pim_noc_bench_run(const pim_noc *n, const pim_noc_bench *b, pim_noc_bench_result *out,
                             pim_error *err)
{
    memset(out, 0, sizeof *out);
    pim_status st = check_bench(n, b, err);
    if (st)
        return st;
    uint32_t N = n->nodes;
    bench c = {.n = n,
               .b = b,
               .bytes = b->flits * b->flit_bytes,
               .err = err,
               .rng = b->seed ? b->seed : 0x9E3779B97F4A7C15ull};
    c.f = pim_flownet_new(n, err);
    c.src = calloc(N, sizeof *c.src);
    if (!c.f || !c.src) {
        pim_flownet_free(c.f);
        free(c.src);
        return c.f ? oom(&c) : err->status;
    }
    int rate_mode = b->packets == 0;
    double end = b->warmup + b->measure, next_cycle = 0, t = 0, latency_sum = 0;
    double window_flits = 0, limit = end + 4 * (b->measure > 0 ? b->measure : 1);
    uint64_t latencies = 0;
    for (uint32_t i = 0; i < N && !rate_mode && !st; i++) {
        c.src[i].left = b->packets;
        st = try_send(&c, i, 0);
    }
    while (!st) {
        double next = pim_flownet_next(c.f);
        if (rate_mode && next_cycle < end && next_cycle <= next) {
            t = next_cycle++;
            st = make_packets(&c, t);
            continue;
        }
        if (next == INFINITY || (rate_mode && next > limit))
            break;
        uint64_t id = 0;
        int r = pim_flownet_step(c.f, &id);
        t = next;
        if (r < 0)
            st = oom(&c);
        else if (r == 2) { /* its bytes have left the source: the next may go */
            c.src[c.pk[id].src].busy = 0;
            st = try_send(&c, c.pk[id].src, next);
        } else if (r == 1) {
            const packet *p = &c.pk[id];
            double lat = next - p->start;
            out->completion_cycles = next;
            out->packets++;
            out->flits += b->flits;
            if (p->measured && (!rate_mode || p->start < end)) {
                latency_sum += lat;
                latencies++;
                out->latency_max = lat > out->latency_max ? lat : out->latency_max;
            }
            if (rate_mode && next >= b->warmup && next < end)
                window_flits += b->flits;
        }
    }
    const pim_flownet_stats *fs = pim_flownet_stats_of(c.f);
    out->latency_avg = latencies ? latency_sum / (double)latencies : 0;
    out->hops_avg = fs->flows ? fs->hops_sum / (double)fs->flows : 0;
    double span = rate_mode ? b->measure : out->completion_cycles;
    out->accepted_flits_per_node_per_cycle =
        span > 0 ? (rate_mode ? window_flits : (double)out->flits) / (N * span) : 0;
    for (uint32_t l = 0; l < n->nlinks && out->completion_cycles > 0; l++) {
        double u = fs->link_bytes[l] /
                   (n->spec.link[n->links[l].cls].bytes_per_cycle * out->completion_cycles);
        out->max_link_utilization = u > out->max_link_utilization ? u : out->max_link_utilization;
    }
    out->bound_flits_per_node_per_cycle = channel_bound(n, b);
    pim_flownet_free(c.f);
    for (uint32_t i = 0; i < N; i++)
        free(c.src[i].made);
    free(c.src);
    free(c.pk);
    return st;
}
