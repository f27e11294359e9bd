/* pimstream arch: the noc section as a network to build. */
#include "arch_internal.h"
#include "pimstream/arch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pim_arch_has_noc(const pim_arch *a)
{
    return a->noc.present;
}

uint32_t pim_arch_noc_nodes(const pim_arch *a)
{
    uint32_t per = a->noc.tiles_per_node > 1 ? a->noc.tiles_per_node : 1;
    return a->tiles > 1 ? a->tiles / per : a->cores;
}

/* Numbers in text separated by spaces, commas or dashes; at most cap. */
static int parse_numbers(const char *text, uint32_t *out, uint32_t cap, uint32_t *n)
{
    *n = 0;
    for (const char *p = text; *p;) {
        while (*p == ' ' || *p == ',' || *p == '-')
            p++;
        if (!*p)
            break;
        if (*p < '0' || *p > '9' || *n == cap)
            return 0;
        uint64_t v = 0;
        while (*p >= '0' && *p <= '9' && v < (1u << 20))
            v = v * 10 + (uint64_t)(*p++ - '0');
        if (v >= (1u << 20))
            return 0;
        out[(*n)++] = (uint32_t)v;
    }
    return 1;
}

static pim_status field_fail(const pim_arch *a, const char *path, const char *what, pim_error *err)
{
    const pim_arch_field *f = pim_arch_field_find(path);
    uint32_t line = f ? a->given[pim_arch_field_index(f)] : 0;
    if (line == PIM_ARCH_BY_FLAG)
        return pim_fail(err, PIM_EINPUT, "--set %s: %s", path, what);
    if (line)
        return pim_fail(err, PIM_EINPUT, "%s:%u: %s: %s", a->origin, line, path, what);
    return pim_fail(err, PIM_EINPUT, "%s: %s: %s", a->origin, path, what);
}

pim_status pim_arch_noc_spec(const pim_arch *a, pim_noc_spec *spec, uint32_t **pairs,
                             uint32_t **mcs, uint32_t *nmcs, pim_error *err)
{
    const pim_arch_noc *c = &a->noc;
    *pairs = NULL;
    *mcs = NULL;
    *nmcs = 0;
    *spec = (pim_noc_spec){.topology = c->topology,
                           .k = c->k ? c->k : 1,
                           .m = c->m ? c->m : 1,
                           .cx = c->chiplets_x ? c->chiplets_x : 1,
                           .cy = c->chiplets_y ? c->chiplets_y : 1,
                           .interposer = c->interposer,
                           .petals = c->petals,
                           .tiers = c->tiers ? c->tiers : 1,
                           .router = c->router};
    for (int k = 0; k < PIM_LINK_CLASSES; k++) /* a class left out is like on-chip links */
        spec->link[k] = c->link[k].bytes_per_cycle > 0 ? c->link[k] : c->link[PIM_LINK_ONCHIP];
    if (!(spec->link[PIM_LINK_ONCHIP].bytes_per_cycle > 0))
        return field_fail(a, "noc.onchip.bytes_per_cycle", "the links' width must be given", err);
    if (a->noc.tiles_per_node > 1 && (a->tiles <= 1 || a->tiles % a->noc.tiles_per_node))
        return field_fail(a, "noc.tiles_per_node", "must divide chip.tiles", err);
    uint32_t nodes = pim_arch_noc_nodes(a);
    spec->nodes = nodes;
    uint32_t *list = calloc(512, sizeof *list), n = 0;
    if (!list)
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    int custom = c->topology == PIM_TOPO_CUSTOM;
    int listed = c->topology == PIM_TOPO_CHIPLETS && c->interposer == PIM_INTERPOSER_LIST;
    if ((custom || listed) && (!parse_numbers(c->links, list, 512, &n) || n % 2 || !n)) {
        free(list);
        return field_fail(a, "noc.links", "expected pairs of node numbers: \"0-1 1-2 ...\"", err);
    }
    spec->pairs = list;
    spec->npairs = n / 2;
    *pairs = list;
    uint64_t count = custom ? nodes
                     : c->topology == PIM_TOPO_CHIPLETS
                         ? (uint64_t)spec->k * spec->m * spec->cx * spec->cy
                     : c->topology == PIM_TOPO_STACK3D ? (uint64_t)spec->k * spec->m * spec->tiers
                                                       : (uint64_t)spec->k * spec->m;
    if (count != nodes) {
        char what[160];
        snprintf(what, sizeof what, "the %s network has %llu nodes, the chip %u %s",
                 pim_topology_name(c->topology), (unsigned long long)count, nodes,
                 a->tiles <= 1               ? "cores"
                 : a->noc.tiles_per_node > 1 ? "nodes of noc.tiles_per_node tiles"
                                             : "tiles");
        return field_fail(a, "noc.k", what, err);
    }
    uint32_t *m = calloc(256, sizeof *m);
    if (!m)
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    *mcs = m;
    if (!parse_numbers(c->memory_controllers, m, 256, nmcs))
        return field_fail(a, "noc.memory_controllers", "expected node numbers: \"0 7 56 63\"", err);
    for (uint32_t i = 0; i < *nmcs; i++)
        if (m[i] >= nodes)
            return field_fail(a, "noc.memory_controllers", "a controller is not a node", err);
    if (!*nmcs) { /* the first and last node: memory sits at a chip's edges */
        m[(*nmcs)++] = 0;
        if (nodes > 1)
            m[(*nmcs)++] = nodes - 1;
    }
    return PIM_OK;
}
