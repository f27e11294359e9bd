/* pimstream noc: transfers as flows sharing links.
 *
 * Each flow crosses a list of resources (its source's injection port, the
 * links of its route, its destination's ejection port). On each it holds
 * an equal share with the flows crossing it; it moves at the least of its
 * shares, so no resource ever carries more than its width (processor
 * sharing, as the off-chip channel does). When its bytes have all gone
 * through, it frees its resources and its last byte arrives the route's
 * latency later. A change in a resource's flows changes the rates of the
 * flows on it only: each is brought up to date and rescheduled. Events are
 * a heap of (time, flow, version); an event whose version is stale is
 * skipped, so a reschedule costs one push. */
#include "pimstream/noc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MOVING = 1, ARRIVING = 2 };

typedef struct {
    double bytes, remaining, rate, last, latency, packet_bytes, rate_cap;
    uint32_t first, count; /* its resources: res[first .. first + count) */
    uint32_t version, hops, state, next_free;
    uint64_t id;
} flow;

struct pim_flownet {
    const pim_noc *noc;
    uint32_t nres; /* links, then injection ports, then ejection ports */
    double *cap;
    uint32_t **members, *nmem, *capmem; /* the flows on each resource */
    flow *flows;
    uint32_t nflows, capflows, free_head, active;
    uint32_t *res, *at; /* per flow slot, `stride` entries: its resources and
                         * each one's place in members[] */
    uint32_t stride, *route;
    pim_heap events;
    double now;
    pim_flownet_stats stats;
};

#define NONE UINT32_MAX

static uint64_t event_key(uint32_t slot, uint32_t version, int arriving)
{
    return ((uint64_t)slot << 33) | ((uint64_t)version << 1) | (uint64_t)arriving;
}

pim_flownet *pim_flownet_new(const pim_noc *n, pim_error *err)
{
    pim_flownet *f = calloc(1, sizeof *f);
    if (!f) {
        pim_fail(err, PIM_EINTERNAL, "noc: out of memory");
        return NULL;
    }
    f->noc = n;
    f->nres = n->nlinks + 2 * n->nodes;
    f->stride = n->diameter + 3; /* ports, links and one more resource */
    f->cap = malloc(f->nres * sizeof *f->cap);
    f->members = calloc(f->nres, sizeof *f->members);
    f->nmem = calloc(f->nres, sizeof *f->nmem);
    f->capmem = calloc(f->nres, sizeof *f->capmem);
    f->route = malloc((n->diameter + 1) * sizeof *f->route);
    f->stats.link_bytes = calloc(n->nlinks ? n->nlinks : 1, sizeof *f->stats.link_bytes);
    f->free_head = NONE;
    if (!f->cap || !f->members || !f->nmem || !f->capmem || !f->route || !f->stats.link_bytes ||
        !pim_heap_init(&f->events, 64)) {
        pim_flownet_free(f);
        pim_fail(err, PIM_EINTERNAL, "noc: out of memory");
        return NULL;
    }
    for (uint32_t l = 0; l < n->nlinks; l++)
        f->cap[l] = n->spec.link[n->links[l].cls].bytes_per_cycle;
    for (uint32_t i = n->nlinks; i < f->nres; i++) /* ports: as wide as an on-chip link */
        f->cap[i] = n->spec.link[PIM_LINK_ONCHIP].bytes_per_cycle;
    return f;
}

void pim_flownet_free(pim_flownet *f)
{
    if (!f)
        return;
    for (uint32_t i = 0; f->members && i < f->nres; i++)
        free(f->members[i]);
    free(f->members);
    free(f->nmem);
    free(f->capmem);
    free(f->cap);
    free(f->flows);
    free(f->res);
    free(f->at);
    free(f->route);
    free(f->stats.link_bytes);
    pim_heap_free(&f->events);
    free(f);
}

const pim_flownet_stats *pim_flownet_stats_of(const pim_flownet *f)
{
    return &f->stats;
}

uint32_t pim_flownet_active(const pim_flownet *f)
{
    return f->active;
}

/* Is event e still what its flow will do? */
static int current(const pim_flownet *f, const pim_event *e)
{
    const flow *w = &f->flows[e->key >> 33];
    int arriving = (int)(e->key & 1);
    return w->version == (uint32_t)(e->key >> 1) && w->state == (arriving ? ARRIVING : MOVING);
}

double pim_flownet_next(pim_flownet *f)
{
    while (f->events.count && !current(f, &f->events.items[0]))
        pim_heap_pop(&f->events); /* rescheduled since */
    return f->events.count ? f->events.items[0].t : INFINITY;
}

/* Bring a moving flow's remaining bytes up to time t. */
static void advance(flow *w, double t)
{
    if (w->state == MOVING && t > w->last) {
        w->remaining -= w->rate * (t - w->last);
        if (w->remaining < 0)
            w->remaining = 0;
    }
    w->last = t;
}

static void advance_members(pim_flownet *f, uint32_t r, double t)
{
    for (uint32_t i = 0; i < f->nmem[r]; i++)
        advance(&f->flows[f->members[r][i]], t);
}

/* The part of resource r's width a flow's packets can use (noc.h). */
static double vc_limit(const pim_flownet *f, uint32_t r, double packet_bytes)
{
    const pim_router_params *rp = &f->noc->spec.router;
    if (!rp->vcs || packet_bytes <= 0 || r >= f->noc->nlinks + 2 * f->noc->nodes)
        return 1;                            /* a resource of its own is not a router's port */
    double flits = packet_bytes / f->cap[r]; /* a flit is a cycle of the link's width */
    flits = flits < 1 ? 1 : flits;
    double packets = rp->vcs * flits / (flits + rp->head_cycles);
    double hop = rp->pipeline_cycles + f->noc->spec.link[PIM_LINK_ONCHIP].latency_cycles;
    double credits = rp->vc_flits && hop > 0 ? rp->vcs * rp->vc_flits / hop : INFINITY;
    double limit = packets < credits ? packets : credits;
    return limit < 1 ? limit : 1;
}

/* A flow's rate: the least of its equal shares (and of its cap). */
static double share_rate(const pim_flownet *f, const flow *w)
{
    double rate = w->rate_cap > 0 ? w->rate_cap : INFINITY;
    for (uint32_t k = 0; k < w->count; k++) {
        uint32_t r = f->res[w->first + k];
        double share = f->cap[r] * vc_limit(f, r, w->packet_bytes) / f->nmem[r];
        rate = share < rate ? share : rate;
    }
    return rate;
}

static int reschedule(pim_flownet *f, uint32_t slot)
{
    flow *w = &f->flows[slot];
    w->rate = share_rate(f, w);
    w->version++;
    return pim_heap_push(&f->events, w->last + w->remaining / w->rate,
                         event_key(slot, w->version, 0));
}

/* New rates for every flow on resource r; the peak load seen. */
static int rerate_members(pim_flownet *f, uint32_t r)
{
    double load = 0;
    int ok = 1;
    for (uint32_t i = 0; i < f->nmem[r] && ok; i++) {
        ok = reschedule(f, f->members[r][i]);
        load += f->flows[f->members[r][i]].rate;
    }
    if (load / f->cap[r] > f->stats.peak_load)
        f->stats.peak_load = load / f->cap[r];
    return ok;
}

/* A free flow slot; slots are reused, so memory follows the flows in
 * flight, not all flows ever. */
static uint32_t new_slot(pim_flownet *f)
{
    if (f->free_head != NONE) {
        uint32_t s = f->free_head;
        f->free_head = f->flows[s].next_free;
        return s;
    }
    uint32_t cap = f->capflows;
    if (!pim_grow((void **)&f->flows, &f->capflows, f->nflows, sizeof *f->flows))
        return NONE;
    if (f->capflows != cap) {
        size_t entries = (size_t)f->capflows * f->stride;
        uint32_t *res = realloc(f->res, entries * sizeof *res);
        if (res)
            f->res = res;
        uint32_t *at = res ? realloc(f->at, entries * sizeof *at) : NULL;
        if (!res || !at) {
            f->capflows = cap;
            return NONE;
        }
        f->at = at;
    }
    f->flows[f->nflows].version = 0;
    return f->nflows++;
}

uint32_t pim_flownet_resource(pim_flownet *f, double bytes_per_cycle)
{
    uint32_t r = f->nres, n = r + 1;
    double *cap = realloc(f->cap, n * sizeof *cap);
    if (cap)
        f->cap = cap;
    uint32_t **members = cap ? realloc(f->members, n * sizeof *members) : NULL;
    if (members)
        f->members = members;
    uint32_t *nmem = members ? realloc(f->nmem, n * sizeof *nmem) : NULL;
    if (nmem)
        f->nmem = nmem;
    uint32_t *capmem = nmem ? realloc(f->capmem, n * sizeof *capmem) : NULL;
    if (!capmem)
        return PIM_NO_RESOURCE;
    f->capmem = capmem;
    f->cap[r] = bytes_per_cycle;
    f->members[r] = NULL;
    f->nmem[r] = f->capmem[r] = 0;
    f->nres = n;
    return r;
}

int pim_flownet_add(pim_flownet *f, double now, uint32_t src, uint32_t dst, double bytes,
                    const pim_flow_opts *o, uint64_t id)
{
    const pim_noc *n = f->noc;
    uint32_t hops = pim_noc_route(n, src, dst, f->route), slot = new_slot(f);
    if (slot == NONE)
        return 0;
    uint32_t first = slot * f->stride;
    double latency = 0;
    for (uint32_t h = 0; h < hops; h++)
        latency +=
            n->spec.router.pipeline_cycles + n->spec.link[n->links[f->route[h]].cls].latency_cycles;
    flow *w = &f->flows[slot];
    int extra = o && o->resource != PIM_NO_RESOURCE && o->resource < f->nres;
    *w = (flow){.bytes = bytes,
                .remaining = bytes,
                .last = now,
                .latency = latency,
                .packet_bytes = o ? o->packet_bytes : 0,
                .rate_cap = o ? o->rate_cap : 0,
                .first = first,
                .count = hops + 2 + (uint32_t)extra,
                .hops = hops,
                .state = MOVING,
                .id = id,
                .version = w->version};
    f->res[first] = n->nlinks + src;
    memcpy(f->res + first + 1, f->route, hops * sizeof *f->route);
    f->res[first + hops + 1] = n->nlinks + n->nodes + dst;
    if (extra)
        f->res[first + hops + 2] = o->resource;
    f->now = now;
    for (uint32_t k = 0; k < w->count; k++) /* the old rates hold until now */
        advance_members(f, f->res[first + k], now);
    for (uint32_t k = 0; k < w->count; k++) {
        uint32_t r = f->res[first + k];
        if (!pim_grow((void **)&f->members[r], &f->capmem[r], f->nmem[r], sizeof **f->members))
            return 0;
        f->at[first + k] = f->nmem[r];
        f->members[r][f->nmem[r]++] = slot;
    }
    int ok = 1;
    for (uint32_t k = 0; k < w->count && ok; k++)
        ok = rerate_members(f, f->res[first + k]);
    f->active++;
    f->stats.bytes_injected += bytes;
    return ok;
}

/* Take flow `slot` off resource entry k of its list (swap with the last). */
static void leave(pim_flownet *f, uint32_t slot, uint32_t k)
{
    flow *w = &f->flows[slot];
    uint32_t r = f->res[w->first + k], pos = f->at[w->first + k];
    uint32_t moved = f->members[r][--f->nmem[r]];
    f->members[r][pos] = moved;
    const flow *m = &f->flows[moved];
    for (uint32_t j = 0; j < m->count; j++)
        if (f->res[m->first + j] == r) {
            f->at[m->first + j] = pos;
            break;
        }
}

/* Its bytes are through: free the resources, then arrive after the route's
 * latency. */
static int drained(pim_flownet *f, uint32_t slot, double t)
{
    flow *w = &f->flows[slot];
    for (uint32_t k = 0; k < w->count; k++)
        advance_members(f, f->res[w->first + k], t);
    for (uint32_t k = 0; k < w->count; k++)
        leave(f, slot, k);
    w->state = ARRIVING;
    int ok = 1;
    for (uint32_t k = 0; k < w->count && ok; k++)
        ok = rerate_members(f, f->res[w->first + k]);
    w->version++;
    return ok && pim_heap_push(&f->events, t + w->latency, event_key(slot, w->version, 1));
}

static void arrived(pim_flownet *f, uint32_t slot)
{
    flow *w = &f->flows[slot];
    pim_flownet_stats *s = &f->stats;
    const pim_noc *n = f->noc;
    double bits = w->bytes * 8;
    s->bytes_delivered += w->bytes;
    s->bit_hops += bits * w->hops;
    s->hops_sum += w->hops;
    s->flows++;
    s->energy_pj += bits * (w->hops + 1) * n->spec.router.pj_per_bit; /* routers on the way */
    s->router_bits += bits * (w->hops + 1);
    for (uint32_t k = 1; k <= w->hops; k++) {
        uint32_t l = f->res[w->first + k];
        s->link_bytes[l] += w->bytes;
        s->class_bits[n->links[l].cls] += bits;
        s->energy_pj += bits * n->spec.link[n->links[l].cls].pj_per_bit;
    }
    w->state = 0;
    w->next_free = f->free_head;
    f->free_head = slot;
    f->active--;
}

int pim_flownet_step(pim_flownet *f, uint64_t *id)
{
    while (f->events.count) {
        pim_event e = pim_heap_pop(&f->events);
        uint32_t slot = (uint32_t)(e.key >> 33);
        int arriving = (int)(e.key & 1);
        flow *w = &f->flows[slot];
        if (!current(f, &e))
            continue; /* rescheduled since */
        f->now = e.t;
        *id = w->id;
        if (!arriving)
            return drained(f, slot, e.t) ? 2 : -1;
        arrived(f, slot);
        return 1;
    }
    return 0;
}
