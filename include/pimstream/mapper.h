/* pimstream mapper: the best mapping of a GEMM onto a hierarchy, proven
 * best over the whole space.
 *
 * The space: every factorisation of M, N and K over the levels (temporal
 * at storage levels, spatial at fan-outs, within the meshes), every loop
 * order that can count differently (per level, which dimension is
 * innermost: the counts depend on nothing else), and every keep/bypass
 * choice the architecture leaves free; all under the levels' constraints.
 * A depth-first search from the backing store inward keeps every count
 * that is already decided and bounds the rest from below (compulsory
 * accesses at the innermost keepers, MAC energy, the compute's cycles on
 * every instance that can still be used), and cuts a branch whose bound
 * cannot beat the best mapping found. So the result is the optimum and
 * the same on every run. */
#ifndef PIMSTREAM_MAPPER_H
#define PIMSTREAM_MAPPER_H

#include "pimstream/nest.h"

typedef enum { PIM_MAP_EDP = 0, PIM_MAP_ENERGY = 1, PIM_MAP_DELAY = 2 } pim_map_objective;

int pim_map_objective_parse(const char *s, pim_map_objective *out);
const char *pim_map_objective_name(pim_map_objective o);

typedef struct {
    pim_mapping mapping;
    pim_nest_result result;
    int found;           /* 0: no mapping fits */
    uint64_t considered; /* complete mappings evaluated */
    uint64_t pruned;     /* partial mappings cut (by the bound or by capacity) */
    double seconds;
} pim_map_best;

/* The objective's value of a result (lower is better): pJ x cycles, pJ, or
 * cycles. */
double pim_map_cost(pim_map_objective o, const pim_nest_result *r);
/* Search; `out->found` is 0 when no mapping fits the hierarchy. */
pim_status pim_map_search(const pim_hier *h, const pim_gemm *g, pim_map_objective o,
                          pim_map_best *out, pim_error *err);
/* Every mapping of the space evaluated, none pruned: the reference the
 * search is tested against on small problems. */
pim_status pim_map_exhaustive(const pim_hier *h, const pim_gemm *g, pim_map_objective o,
                              pim_map_best *out, pim_error *err);

#endif
