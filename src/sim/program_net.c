/* pimstream sim: a compiled program's transfers over the network.
 *
 * A flow's id is its instruction << 32 | its index among the
 * instruction's flows << 1 | whether it passes a memory controller, so
 * its ends can be recovered for the observer and off-chip time counted. */
#include "program.h"

#include <stdlib.h>
#include <string.h>

static uint64_t flow_id(uint32_t instr, uint32_t k, int memory)
{
    return ((uint64_t)instr << 32) | ((uint64_t)k << 1) | (uint64_t)memory;
}

/* The network node of a transfer's end: memory is controller `mc`. */
static uint32_t end_node(const runner *r, uint32_t node, uint32_t mc)
{
    return node == PIM_NODE_MEMORY ? r->net->mcs[mc] : r->net->place[node];
}

/* Flow k of instruction `in`: its ends and bytes (as begin_flows made it);
 * *mc is the controller it passes, or UINT32_MAX. */
static void flow_of(const runner *r, const pim_instr *in, uint32_t k, uint32_t *from, uint32_t *to,
                    double *bytes, uint32_t *mc)
{
    const pim_sim_network *n = r->net;
    *mc = UINT32_MAX;
    if (in->op == PIM_I_LOAD_W) {
        *mc = in->macro % n->nmcs; /* tiles interleave over the controllers */
        *from = n->mcs[*mc];
        *to = n->place[in->node];
        *bytes = (double)in->bytes;
        return;
    }
    if (in->op == PIM_I_VEC) { /* a KV read, interleaved over every controller */
        *mc = k;
        *from = n->mcs[k];
        *to = n->place[in->node];
        *bytes = (double)in->bytes / n->nmcs;
        return;
    }
    int memory = in->op == PIM_I_LOAD_A || in->op == PIM_I_STORE_A;
    uint32_t split = memory ? n->nmcs : 1;
    const pim_xfer *x = &r->prog->xfers[in->xfer_first + k / split];
    if (memory)
        *mc = k % split;
    *from = end_node(r, x->from, k % split);
    *to = end_node(r, x->to, k % split);
    *bytes = x->bytes / split;
}

/* How many flows an instruction starts. */
static uint32_t flow_count(const runner *r, const pim_instr *in)
{
    switch (in->op) {
    case PIM_I_LOAD_W:
        return in->bytes ? 1 : 0;
    case PIM_I_VEC:
        return in->bytes ? r->net->nmcs : 0;
    case PIM_I_LOAD_A:
    case PIM_I_STORE_A:
        return in->nxfers * r->net->nmcs;
    case PIM_I_SEND:
    case PIM_I_JOIN:
        return in->nxfers;
    default:
        return 0;
    }
}

/* The network nodes of the group of transfer k (same source and group) of
 * a multicast send into r->dsts; how many (0 when k is not the group's
 * first: an earlier transfer started its tree). */
static uint32_t group_of(runner *r, const pim_instr *in, uint32_t k)
{
    const pim_xfer *xs = &r->prog->xfers[in->xfer_first], *x = &xs[k];
    for (uint32_t j = 0; j < k; j++)
        if (xs[j].group == x->group && xs[j].from == x->from)
            return 0;
    uint32_t n = 0;
    for (uint32_t j = k; j < in->nxfers; j++) {
        if (xs[j].group != x->group || xs[j].from != x->from)
            continue;
        if (!pim_grow((void **)&r->dsts, &r->dsts_cap, n, sizeof *r->dsts)) {
            r->oom = 1;
            return 0;
        }
        r->dsts[n++] = r->net->place[xs[j].to];
    }
    return n;
}

/* A send with multicast: each group of transfers with the same data is
 * one tree from its source; the rest go alone. */
static uint32_t begin_trees(runner *r, uint32_t id, const pim_instr *in)
{
    uint32_t started = 0;
    pim_flow_opts o = {.packet_bytes = r->net->packet_bytes, .resource = PIM_NO_RESOURCE};
    for (uint32_t k = 0; k < in->nxfers && !r->oom; k++) {
        const pim_xfer *x = &r->prog->xfers[in->xfer_first + k];
        uint32_t n = x->group ? group_of(r, in, k) : 1;
        if (!x->group)
            r->dsts[0] = r->net->place[x->to];
        if (!n || x->bytes <= 0)
            continue;
        if (!pim_flownet_add_tree(r->flows, r->now, r->net->place[x->from], r->dsts, n, x->bytes,
                                  &o, flow_id(id, k, 0)))
            r->oom = 1;
        started++;
    }
    r->parts_left[id] += started;
    return started;
}

uint32_t pim_runner_begin_flows(runner *r, uint32_t id, const pim_instr *in)
{
    if (in->op == PIM_I_SEND && r->prog->layout.multicast)
        return begin_trees(r, id, in);
    uint32_t n = flow_count(r, in), started = 0;
    for (uint32_t k = 0; k < n && !r->oom; k++) {
        uint32_t from, to, mc;
        double bytes;
        flow_of(r, in, k, &from, &to, &bytes, &mc);
        if (bytes <= 0)
            continue;
        pim_flow_opts o = {.packet_bytes = r->net->packet_bytes,
                           .rate_cap = in->op == PIM_I_LOAD_W ? r->prog->port : 0,
                           .resource = mc == UINT32_MAX ? PIM_NO_RESOURCE : r->mc_res[mc]};
        if (!pim_flownet_add(r->flows, r->now, from, to, bytes, &o,
                             flow_id(id, k, mc != UINT32_MAX))) {
            r->oom = 1;
            break;
        }
        if (mc != UINT32_MAX && r->offchip_flows++ == 0)
            r->offchip_since = r->now;
        started++;
    }
    if (in->op == PIM_I_LOAD_W)
        r->parts_left[id] = started;
    else
        r->parts_left[id] += started;
    return started;
}

/* A flow's bytes are all through: its links are free; count off-chip time
 * and show the transfer. */
static void flow_drained(runner *r, uint64_t fid)
{
    uint32_t id = (uint32_t)(fid >> 32), k = (uint32_t)(fid >> 1) & 0x7fffffffu;
    if ((fid & 1) && --r->offchip_flows == 0)
        r->res->channel_busy += r->now - r->offchip_since;
    if (!r->obs || !r->obs->transfer)
        return;
    const pim_instr *in = &r->prog->code[id];
    uint32_t from, to, mc, layer = r->comp->units[in->unit].layer;
    double bytes;
    flow_of(r, in, k, &from, &to, &bytes, &mc);
    const pim_xfer *x = in->nxfers ? &r->prog->xfers[in->xfer_first + k] : NULL;
    if (in->op != PIM_I_SEND || !r->prog->layout.multicast || !x->group) {
        r->obs->transfer(r->obs->ud, from, to, r->start[id], r->now, bytes, layer);
        return;
    }
    uint32_t n = group_of(r, in, k); /* a tree: a transfer to each destination */
    for (uint32_t d = 0; d < n; d++)
        r->obs->transfer(r->obs->ud, from, r->dsts[d], r->start[id], r->now, bytes, layer);
}

void pim_runner_flow_event(runner *r)
{
    uint64_t fid = 0;
    int rc = pim_flownet_step(r->flows, &fid);
    if (rc < 0) {
        r->oom = 1;
        return;
    }
    if (rc == 2) {
        flow_drained(r, fid);
        return;
    }
    if (rc != 1)
        return;
    uint32_t id = (uint32_t)(fid >> 32);
    if (r->prog->code[id].op == PIM_I_LOAD_W)
        pim_runner_timer(r, r->now + r->prog->overhead, id); /* the load's fixed overhead */
    else
        pim_runner_part_done(r, id);
}

/* A unit's image is done: its compute time (its first part's) and how
 * long it waited on the network (its slowest input send and its partial
 * sums' reduction). */
static void account_join(runner *r, uint32_t id, const pim_instr *in)
{
    const pim_program *p = r->prog;
    if (!in->ndeps)
        return;
    uint32_t first = p->deps[in->dep_first];
    const pim_instr *work = &p->code[first];
    double waited = 0;
    for (uint32_t k = 0; k < work->ndeps; k++) {
        uint32_t d = p->deps[work->dep_first + k];
        double t = r->finish[d] - r->start[d];
        if (p->code[d].op == PIM_I_SEND && t > waited)
            waited = t;
    }
    uint32_t layer = r->comp->units[in->unit].layer;
    r->res->noc.layer_compute[layer] += r->finish[first] - r->start[first];
    r->res->noc.layer_comm[layer] += waited + (r->now - r->start[id]);
}

void pim_runner_finished(runner *r, uint32_t id, const pim_instr *in)
{
    r->finish[id] = r->now;
    if (in->op == PIM_I_JOIN)
        account_join(r, id, in);
}

pim_status pim_runner_net_init(runner *r, pim_error *err)
{
    const pim_sim_network *n = r->net;
    pim_sim_noc *s = &r->res->noc;
    if (!n->nmcs || n->place == NULL)
        return pim_fail(err, PIM_EINTERNAL, "simulation: a network needs memory controllers");
    r->flows = pim_flownet_new(n->noc, err);
    if (!r->flows)
        return err->status;
    r->mc_res = malloc(n->nmcs * sizeof *r->mc_res);
    r->dsts_cap = 16;
    r->dsts = malloc(r->dsts_cap * sizeof *r->dsts);
    r->finish = calloc(r->prog->count ? r->prog->count : 1, sizeof *r->finish);
    s->layer_comm = calloc(r->res->layers ? r->res->layers : 1, sizeof *s->layer_comm);
    s->layer_compute = calloc(r->res->layers ? r->res->layers : 1, sizeof *s->layer_compute);
    int ok = r->mc_res && r->finish && s->layer_comm && s->layer_compute && r->dsts;
    for (uint32_t m = 0; ok && m < n->nmcs; m++) {
        r->mc_res[m] = pim_flownet_resource(r->flows, r->prog->bandwidth / n->nmcs);
        ok = r->mc_res[m] != PIM_NO_RESOURCE;
    }
    r->res->has_noc = 1;
    return ok ? PIM_OK : pim_fail(err, PIM_EINTERNAL, "simulation: out of memory");
}

void pim_runner_net_finish(runner *r)
{
    pim_sim_noc *s = &r->res->noc;
    if (r->flows) {
        const pim_flownet_stats *f = pim_flownet_stats_of(r->flows);
        s->bytes_injected = f->bytes_injected;
        s->bytes_delivered = f->bytes_delivered;
        s->bit_hops = f->bit_hops;
        s->router_bits = f->router_bits;
        memcpy(s->class_bits, f->class_bits, sizeof s->class_bits);
        s->energy_pj = f->energy_pj;
        s->hops_sum = f->hops_sum;
        s->flows = f->flows;
        s->peak_load = f->peak_load;
        s->offchip_bytes = (double)r->res->offchip_bytes;
        s->nlinks = r->net->noc->nlinks;
        s->link_bytes = malloc((s->nlinks ? s->nlinks : 1) * sizeof *s->link_bytes);
        if (s->link_bytes)
            memcpy(s->link_bytes, f->link_bytes, s->nlinks * sizeof *s->link_bytes);
        else
            r->oom = 1;
    }
    pim_flownet_free(r->flows);
    free(r->mc_res);
    free(r->finish);
    free(r->dsts);
    r->dsts = NULL;
    r->flows = NULL;
    r->mc_res = NULL;
    r->finish = NULL;
}
