/* pimstream run: the network a compiled program runs on.
 *
 * The architecture's noc section is built into a network; the program's
 * transfers between logical nodes, summed over the batch, are the traffic
 * the placement weighs; the placement maps the logical nodes onto the
 * network's nodes. */
#include "run_internal.h"

#include <stdlib.h>
#include <string.h>

/* Bytes between logical nodes over the whole program (memory excluded:
 * the controllers sit where they sit, whatever the placement). */
static pim_status traffic_of(const pim_program *p, uint32_t nodes, pim_traffic_matrix *t,
                             pim_error *err)
{
    t->nodes = nodes;
    t->bytes = calloc((size_t)nodes * nodes, sizeof *t->bytes);
    if (!t->bytes)
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    for (uint32_t x = 0; x < p->nxfers; x++) {
        const pim_xfer *e = &p->xfers[x];
        if (e->from < nodes && e->to < nodes)
            t->bytes[(size_t)e->from * nodes + e->to] += e->bytes;
    }
    return PIM_OK;
}

pim_status pim_run_network_build(const pim_arch *a, pim_run_result *out, pim_error *err)
{
    pim_noc_spec spec;
    uint32_t *pairs = NULL;
    pim_status st = pim_arch_noc_spec(a, &spec, &pairs, &out->mcs, &out->nmcs, err);
    if (!st)
        st = pim_noc_build(&spec, &out->noc, err);
    free(pairs);
    out->noc.spec.pairs = NULL; /* freed: the routes are built */
    out->noc.spec.npairs = 0;
    out->has_noc = !st;
    return st;
}

pim_status pim_run_place(const pim_run_config *c, pim_run_result *out, pim_error *err)
{
    const pim_noc *n = &out->noc;
    if (out->program.nodes > n->nodes)
        return pim_fail(err, PIM_EINTERNAL, "the program uses %u nodes, the network has %u",
                        out->program.nodes, n->nodes);
    pim_traffic_matrix t = {0};
    pim_status st = traffic_of(&out->program, n->nodes, &t, err);
    out->place = st ? NULL : malloc(n->nodes * sizeof *out->place);
    if (!st && !out->place)
        st = pim_fail(err, PIM_EINTERNAL, "out of memory");
    if (!st)
        st = pim_place(n, c->placement, &t, c->seed, out->place, err);
    if (!st)
        out->place_cost = pim_place_cost(n, &t, out->place);
    out->placement = c->placement;
    free(t.bytes);
    return st;
}

void pim_run_network_of(const pim_run_result *out, pim_sim_network *net)
{
    *net = (pim_sim_network){.noc = &out->noc,
                             .place = out->place,
                             .mcs = out->mcs,
                             .nmcs = out->nmcs,
                             .packet_bytes = out->packet_bytes};
}
