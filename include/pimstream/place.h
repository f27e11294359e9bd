/* pimstream place: where a compiled program's units sit on the network.
 *
 * A compiled program lays its units out in macro order, so consecutive
 * layers (and a layer's replicas) take consecutive macros; a node (a tile)
 * holds a fixed number of macros, so the program's macros fill "logical"
 * nodes 0, 1, 2, ... in that order. A placement maps logical nodes onto
 * the network's nodes: row-major (node i), snake (rows alternating
 * direction), hilbert (a space-filling curve; on chiplets the curve runs
 * chiplet by chiplet, Floret-style, and within each chiplet), random
 * (seeded), and optimized: a search that minimises traffic-weighted hops
 * (plus overload of the busiest link), started from the best curve and
 * accepting only improvements, so it never loses to the curves on the
 * cost it minimises. Following a curve keeps consecutive layers adjacent:
 * the dataflow-aware placement of the manycore papers. */
#ifndef PIMSTREAM_PLACE_H
#define PIMSTREAM_PLACE_H

#include "pimstream/noc.h"

typedef enum {
    PIM_PLACE_ROW_MAJOR,
    PIM_PLACE_SNAKE,
    PIM_PLACE_HILBERT,
    PIM_PLACE_RANDOM,
    PIM_PLACE_OPTIMIZED
} pim_placement;

const char *pim_placement_name(pim_placement p);
int pim_placement_parse(const char *s, pim_placement *out);

/* Traffic between logical nodes: bytes from i to j (a dense n x n matrix). */
typedef struct {
    uint32_t nodes;
    double *bytes; /* bytes[i * nodes + j] */
} pim_traffic_matrix;

/* The cost a placement is judged by: bytes x hops over every pair, plus
 * the busiest link's bytes (its overload) over the sum of link widths'
 * mean, so spreading load counts too. */
double pim_place_cost(const pim_noc *n, const pim_traffic_matrix *t, const uint32_t *perm);

/* perm[logical] = physical node, for every logical node 0 .. n->nodes - 1.
 * `t` is needed by optimized only (NULL elsewhere). */
pim_status pim_place(const pim_noc *n, pim_placement p, const pim_traffic_matrix *t, uint64_t seed,
                     uint32_t *perm, pim_error *err);

#endif
