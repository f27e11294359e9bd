/* pimstream noc: transfers as flows sharing links.
 *
 * Each flow crosses a list of resources (its source's injection port, the
 * links of its route, its destination's ejection port). On each it holds
 * an equal share with the flows crossing it; it moves at the least of its
 * shares, so no resource ever carries more than its width (processor
 * sharing, as the off-chip channel does). When its bytes have all gone
 * through, it frees its resources and its last byte arrives the route's
 * latency later. A change in a resource's flows changes the rates of the
 * flows on it only: each is brought up to date and, when its rate moved,
 * rescheduled. Each flow has one pending event (its last byte through, or
 * its arrival) in an indexed heap, updated in place: a reschedule costs
 * O(log flows) and the heap never holds more than the flows in flight. */
#include "pimstream/noc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MOVING = 1, ARRIVING = 2 };

typedef struct {
    double bytes, remaining, rate, last, latency, packet_bytes, rate_cap;
    double when;           /* its pending event */
    uint32_t first, count; /* its resources: res[first .. first + count) */
    uint32_t *own;         /* a multicast tree's resources and their places (2 x count),
                            * instead of res/at; NULL for a unicast flow */
    uint32_t copies;       /* destinations it delivers to */
    uint32_t hops, state, next_free;
    uint32_t hpos; /* place in the event heap (NONE: not in it) */
    uint64_t id;
} flow;

struct pim_flownet {
    const pim_noc *noc;
    uint32_t nres; /* links, then injection ports, then ejection ports */
    double *cap;
    /* per resource: the part of its width packets of vc_bytes[r] can use
     * (vc_limit), kept for the last packet size asked: the flows of a run
     * share one packet size, and the rate of every member is asked for at
     * every change on its route */
    double *vc_part, *vc_bytes; /* links and ports only: resources added later are no ports */
    uint32_t **members, *nmem, *capmem; /* the flows on each resource */
    flow *flows;
    uint32_t nflows, capflows, free_head, active;
    uint32_t *res, *at; /* per flow slot, `stride` entries: its resources and
                         * each one's place in members[] */
    uint32_t stride, *route;
    uint32_t *mark, stamp; /* per link: last tree that took it (building a tree) */
    uint32_t *heap, nheap; /* flow slots by pending event time, a binary min-heap */
    double now;
    pim_flownet_stats stats;
};

#define NONE UINT32_MAX

/* ---- the event heap: one pending event per flow, keyed (when, slot) --- */

static int before(const pim_flownet *f, uint32_t a, uint32_t b)
{
    const flow *x = &f->flows[a], *y = &f->flows[b];
    return x->when < y->when || (x->when == y->when && a < b);
}

static void heap_place(pim_flownet *f, uint32_t at, uint32_t slot)
{
    f->heap[at] = slot;
    f->flows[slot].hpos = at;
}

static void sift_up(pim_flownet *f, uint32_t at)
{
    uint32_t slot = f->heap[at];
    while (at > 0 && before(f, slot, f->heap[(at - 1) / 2])) {
        heap_place(f, at, f->heap[(at - 1) / 2]);
        at = (at - 1) / 2;
    }
    heap_place(f, at, slot);
}

static void sift_down(pim_flownet *f, uint32_t at)
{
    uint32_t slot = f->heap[at];
    for (;;) {
        uint32_t c = 2 * at + 1;
        if (c >= f->nheap)
            break;
        if (c + 1 < f->nheap && before(f, f->heap[c + 1], f->heap[c]))
            c++;
        if (!before(f, f->heap[c], slot))
            break;
        heap_place(f, at, f->heap[c]);
        at = c;
    }
    heap_place(f, at, slot);
}

/* Set flow slot's pending event to time t (the heap has room: one entry
 * per flow slot). */
static void schedule(pim_flownet *f, uint32_t slot, double t)
{
    flow *w = &f->flows[slot];
    w->when = t;
    if (w->hpos == NONE) {
        heap_place(f, f->nheap++, slot);
        sift_up(f, w->hpos);
        return;
    }
    sift_up(f, w->hpos);
    sift_down(f, w->hpos);
}

static uint32_t pop_event(pim_flownet *f)
{
    uint32_t slot = f->heap[0];
    f->flows[slot].hpos = NONE;
    if (--f->nheap) {
        heap_place(f, 0, f->heap[f->nheap]);
        sift_down(f, 0);
    }
    return slot;
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
    f->vc_part = malloc(f->nres * sizeof *f->vc_part);
    f->vc_bytes = malloc(f->nres * sizeof *f->vc_bytes);
    f->members = calloc(f->nres, sizeof *f->members);
    f->nmem = calloc(f->nres, sizeof *f->nmem);
    f->capmem = calloc(f->nres, sizeof *f->capmem);
    f->route = malloc((n->diameter + 1) * sizeof *f->route);
    f->stats.link_bytes = calloc(n->nlinks ? n->nlinks : 1, sizeof *f->stats.link_bytes);
    f->free_head = NONE;
    if (!f->cap || !f->vc_part || !f->vc_bytes || !f->members || !f->nmem || !f->capmem ||
        !f->route || !f->stats.link_bytes) {
        pim_flownet_free(f);
        pim_fail(err, PIM_EINTERNAL, "noc: out of memory");
        return NULL;
    }
    for (uint32_t l = 0; l < n->nlinks; l++)
        f->cap[l] = n->spec.link[n->links[l].cls].bytes_per_cycle;
    for (uint32_t i = n->nlinks; i < f->nres; i++) /* ports: as wide as an on-chip link */
        f->cap[i] = n->spec.link[PIM_LINK_ONCHIP].bytes_per_cycle;
    for (uint32_t i = 0; i < f->nres; i++)
        f->vc_bytes[i] = -1; /* no packet size asked yet */
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
    free(f->vc_part);
    free(f->vc_bytes);
    for (uint32_t i = 0; f->flows && i < f->nflows; i++)
        free(f->flows[i].own);
    free(f->flows);
    free(f->res);
    free(f->at);
    free(f->route);
    free(f->mark);
    free(f->stats.link_bytes);
    free(f->heap);
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

double pim_flownet_next(pim_flownet *f)
{
    return f->nheap ? f->flows[f->heap[0]].when : INFINITY;
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

/* A flow's resources and their places in the resources' member lists. */
static uint32_t *res_of(const pim_flownet *f, const flow *w)
{
    return w->own ? w->own : f->res + w->first;
}

static uint32_t *at_of(const pim_flownet *f, const flow *w)
{
    return w->own ? w->own + w->count : f->at + w->first;
}

/* The part of link or port r's width a flow's packets can use (noc.h). */
static double vc_limit_of(const pim_flownet *f, uint32_t r, double packet_bytes)
{
    const pim_router_params *rp = &f->noc->spec.router;
    if (!rp->vcs || packet_bytes <= 0)
        return 1;
    double flits = packet_bytes / f->cap[r]; /* a flit is a cycle of the link's width */
    flits = flits < 1 ? 1 : flits;
    double packets = rp->vcs * flits / (flits + rp->head_cycles);
    double hop = rp->pipeline_cycles + f->noc->spec.link[PIM_LINK_ONCHIP].latency_cycles;
    double credits = rp->vc_flits && hop > 0 ? rp->vcs * rp->vc_flits / hop : INFINITY;
    double limit = packets < credits ? packets : credits;
    return limit < 1 ? limit : 1;
}

static double vc_limit(pim_flownet *f, uint32_t r, double packet_bytes)
{
    if (r >= f->noc->nlinks + 2 * f->noc->nodes)
        return 1; /* a resource of its own (pim_flownet_resource) is not a router's port */
    if (f->vc_bytes[r] != packet_bytes) {
        f->vc_part[r] = vc_limit_of(f, r, packet_bytes);
        f->vc_bytes[r] = packet_bytes;
    }
    return f->vc_part[r];
}

/* A flow's share of resource r when n flows cross it. */
static double share_of(pim_flownet *f, uint32_t r, const flow *w, uint32_t n)
{
    return f->cap[r] * vc_limit(f, r, w->packet_bytes) / n;
}

/* A flow's rate: the least of its equal shares (and of its cap). */
static double share_rate(pim_flownet *f, const flow *w)
{
    double rate = w->rate_cap > 0 ? w->rate_cap : INFINITY;
    for (uint32_t k = 0; k < w->count; k++) {
        uint32_t r = res_of(f, w)[k];
        double share = share_of(f, r, w, f->nmem[r]);
        rate = share < rate ? share : rate;
    }
    return rate;
}

/* A moving flow's rate after a change on one of its resources; its event
 * moves only when the rate did. */
static void reschedule(pim_flownet *f, uint32_t slot)
{
    flow *w = &f->flows[slot];
    double rate = share_rate(f, w);
    if (rate == w->rate && w->hpos != NONE)
        return;
    w->rate = rate;
    schedule(f, slot, w->last + w->remaining / w->rate);
}

/* The flows on resource r after it went from `was` flows to its count:
 * a member whose share there fell below its rate now moves at that share;
 * one that was held back there (its share was its rate) and gained looks
 * at its whole route again; the rest keep their rates. Then the peak load. */
static void rerate_members(pim_flownet *f, uint32_t r, uint32_t was)
{
    double load = 0;
    uint32_t n = f->nmem[r];
    for (uint32_t i = 0; i < n; i++) {
        uint32_t slot = f->members[r][i];
        flow *w = &f->flows[slot];
        double now_share = share_of(f, r, w, n), old_share = share_of(f, r, w, was);
        if (now_share < w->rate) {
            w->rate = now_share;
            schedule(f, slot, w->last + w->remaining / w->rate);
        } else if (now_share > old_share && old_share <= w->rate) {
            reschedule(f, slot);
        }
        load += w->rate;
    }
    if (load / f->cap[r] > f->stats.peak_load)
        f->stats.peak_load = load / f->cap[r];
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
        if (at)
            f->at = at;
        uint32_t *heap = at ? realloc(f->heap, f->capflows * sizeof *heap) : NULL;
        if (!heap) {
            f->capflows = cap;
            return NONE;
        }
        f->heap = heap;
    }
    f->flows[f->nflows].hpos = NONE;
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

/* Put flow `slot` (its resource list set) on its resources at time now and
 * rate it and the flows it meets. */
static int join_flow(pim_flownet *f, uint32_t slot, double now)
{
    flow *w = &f->flows[slot];
    const uint32_t *res = res_of(f, w);
    uint32_t *at = at_of(f, w);
    f->now = now;
    for (uint32_t k = 0; k < w->count; k++) /* the old rates hold until now */
        advance_members(f, res[k], now);
    for (uint32_t k = 0; k < w->count; k++) {
        uint32_t r = res[k];
        if (!pim_grow((void **)&f->members[r], &f->capmem[r], f->nmem[r], sizeof **f->members))
            return 0;
        at[k] = f->nmem[r];
        f->members[r][f->nmem[r]++] = slot;
    }
    reschedule(f, slot); /* its own rate, then the others' on its way */
    for (uint32_t k = 0; k < w->count; k++)
        rerate_members(f, res[k], f->nmem[res[k]] - 1);
    f->active++;
    f->stats.bytes_injected += w->bytes * w->copies;
    return 1;
}

static double hop_latency(const pim_noc *n, uint32_t link)
{
    return n->spec.router.pipeline_cycles + n->spec.link[n->links[link].cls].latency_cycles;
}

static flow new_flow(double now, double bytes, const pim_flow_opts *o, uint64_t id)
{
    return (flow){.bytes = bytes,
                  .remaining = bytes,
                  .last = now,
                  .packet_bytes = o ? o->packet_bytes : 0,
                  .rate_cap = o ? o->rate_cap : 0,
                  .state = MOVING,
                  .id = id,
                  .copies = 1,
                  .hpos = NONE};
}

int pim_flownet_add(pim_flownet *f, double now, uint32_t src, uint32_t dst, double bytes,
                    const pim_flow_opts *o, uint64_t id)
{
    const pim_noc *n = f->noc;
    uint32_t hops = pim_noc_route(n, src, dst, f->route), slot = new_slot(f);
    if (slot == NONE)
        return 0;
    uint32_t first = slot * f->stride;
    flow *w = &f->flows[slot];
    int extra = o && o->resource != PIM_NO_RESOURCE && o->resource < f->nres;
    *w = new_flow(now, bytes, o, id);
    for (uint32_t h = 0; h < hops; h++)
        w->latency += hop_latency(n, f->route[h]);
    w->first = first;
    w->count = hops + 2 + (uint32_t)extra;
    w->hops = hops;
    f->res[first] = n->nlinks + src;
    memcpy(f->res + first + 1, f->route, hops * sizeof *f->route);
    f->res[first + hops + 1] = n->nlinks + n->nodes + dst;
    if (extra)
        f->res[first + hops + 2] = o->resource;
    return join_flow(f, slot, now);
}

/* The union of the routes from src to every destination: the links a
 * multicast tree crosses (each once, in first-seen order) into f->route's
 * scratch, returning how many; *latency is the longest route's. */
static uint32_t tree_links(pim_flownet *f, uint32_t src, const uint32_t *dsts, uint32_t ndst,
                           uint32_t *out, double *latency)
{
    const pim_noc *n = f->noc;
    uint32_t count = 0;
    f->stamp++;
    *latency = 0;
    for (uint32_t d = 0; d < ndst; d++) {
        uint32_t hops = pim_noc_route(n, src, dsts[d], f->route);
        double lat = 0;
        for (uint32_t h = 0; h < hops; h++) {
            uint32_t l = f->route[h];
            lat += hop_latency(n, l);
            if (f->mark[l] != f->stamp) {
                f->mark[l] = f->stamp;
                out[count++] = l;
            }
        }
        *latency = lat > *latency ? lat : *latency;
    }
    return count;
}

int pim_flownet_add_tree(pim_flownet *f, double now, uint32_t src, const uint32_t *dsts,
                         uint32_t ndst, double bytes, const pim_flow_opts *o, uint64_t id)
{
    const pim_noc *n = f->noc;
    if (ndst == 1)
        return pim_flownet_add(f, now, src, dsts[0], bytes, o, id);
    if (!f->mark && !(f->mark = calloc(n->nlinks ? n->nlinks : 1, sizeof *f->mark)))
        return 0;
    int extra = o && o->resource != PIM_NO_RESOURCE && o->resource < f->nres;
    /* at most every link, one injection port, every ejection port, one more */
    uint32_t cap = n->nlinks + ndst + 2;
    uint32_t *own = malloc(2 * (size_t)cap * sizeof *own), slot = own ? new_slot(f) : NONE;
    if (slot == NONE) {
        free(own);
        return 0;
    }
    flow *w = &f->flows[slot];
    *w = new_flow(now, bytes, o, id);
    w->hops = tree_links(f, src, dsts, ndst, own + 1, &w->latency);
    own[0] = n->nlinks + src;
    uint32_t count = w->hops + 1;
    for (uint32_t d = 0; d < ndst; d++)
        own[count++] = n->nlinks + n->nodes + dsts[d];
    if (extra)
        own[count++] = o->resource;
    w->own = own;
    w->count = count;
    w->copies = ndst;
    return join_flow(f, slot, now);
}

/* Take flow `slot` off resource entry k of its list (swap with the last). */
static void leave(pim_flownet *f, uint32_t slot, uint32_t k)
{
    flow *w = &f->flows[slot];
    uint32_t r = res_of(f, w)[k], pos = at_of(f, w)[k];
    uint32_t moved = f->members[r][--f->nmem[r]];
    f->members[r][pos] = moved;
    const flow *m = &f->flows[moved];
    const uint32_t *mres = res_of(f, m);
    for (uint32_t j = 0; j < m->count; j++)
        if (mres[j] == r) {
            at_of(f, m)[j] = pos;
            break;
        }
}

/* Its bytes are through: free the resources, then arrive after the route's
 * latency. */
static void drained(pim_flownet *f, uint32_t slot, double t)
{
    flow *w = &f->flows[slot];
    const uint32_t *res = res_of(f, w);
    for (uint32_t k = 0; k < w->count; k++)
        advance_members(f, res[k], t);
    for (uint32_t k = 0; k < w->count; k++)
        leave(f, slot, k);
    w->state = ARRIVING;
    schedule(f, slot, t + w->latency);
    for (uint32_t k = 0; k < w->count; k++)
        rerate_members(f, res[k], f->nmem[res[k]] + 1);
}

static void arrived(pim_flownet *f, uint32_t slot)
{
    flow *w = &f->flows[slot];
    pim_flownet_stats *s = &f->stats;
    const pim_noc *n = f->noc;
    double bits = w->bytes * 8;
    const uint32_t *res = res_of(f, w);
    s->bytes_delivered += w->bytes * w->copies; /* a tree delivers a copy to each */
    s->bit_hops += bits * w->hops;
    s->hops_sum += w->hops;
    s->flows++;
    s->energy_pj += bits * (w->hops + 1) * n->spec.router.pj_per_bit; /* routers on the way */
    s->router_bits += bits * (w->hops + 1);
    for (uint32_t k = 1; k <= w->hops; k++) {
        uint32_t l = res[k];
        s->link_bytes[l] += w->bytes;
        s->class_bits[n->links[l].cls] += bits;
        s->energy_pj += bits * n->spec.link[n->links[l].cls].pj_per_bit;
    }
    free(w->own);
    w->own = NULL;
    w->state = 0;
    w->next_free = f->free_head;
    f->free_head = slot;
    f->active--;
}

int pim_flownet_step(pim_flownet *f, uint64_t *id)
{
    if (!f->nheap)
        return 0;
    double t = pim_flownet_next(f);
    uint32_t slot = pop_event(f);
    flow *w = &f->flows[slot];
    f->now = t;
    *id = w->id;
    if (w->state == MOVING) {
        drained(f, slot, t);
        return 2;
    }
    arrived(f, slot);
    return 1;
}
