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
#include "pimstream/workload.h"

typedef enum {
    PIM_MAPPER_EDP = 0,
    PIM_MAPPER_ENERGY = 1,
    PIM_MAPPER_DELAY = 2
} pim_mapper_objective;

/* The search's default budget in choices weighed (one to two million a
 * second): six times the most any layer shape of a zoo model needs on a
 * shipped hierarchy (3.37 M, www-rf-analog6t-isoarea on gpt2-small-decode),
 * so their results stay proven best, while a deep hierarchy stops within
 * seconds with its best so far instead of searching for minutes. */
#define PIM_MAPPER_BUDGET 20000000

int pim_mapper_objective_parse(const char *s, pim_mapper_objective *out);
const char *pim_mapper_objective_name(pim_mapper_objective o);

typedef struct {
    pim_mapping mapping;
    pim_nest_result result;
    int found;           /* 0: no mapping fits */
    uint64_t considered; /* complete mappings evaluated */
    uint64_t pruned;     /* partial mappings cut (by the bound or by capacity) */
    uint64_t weighed;    /* choices generated and bounded: the search's work */
    int stopped;         /* 1: the budget ran out; the best found, not proven best */
    double seconds;
} pim_mapper_best;

/* The objective's value of a result (lower is better): pJ x cycles, pJ, or
 * cycles. */
double pim_mapper_cost(pim_mapper_objective o, const pim_nest_result *r);
/* Search; `out->found` is 0 when no mapping fits the hierarchy (or, with
 * `out->stopped`, none was found within the budget). */
pim_status pim_mapper_search(const pim_hier *h, const pim_gemm *g, pim_mapper_objective o,
                             pim_mapper_best *out, pim_error *err);
/* The same within a budget of `budget` choices weighed (0: no limit). */
pim_status pim_mapper_search_within(const pim_hier *h, const pim_gemm *g, pim_mapper_objective o,
                                    uint64_t budget, pim_mapper_best *out, pim_error *err);
/* Every mapping of the space evaluated, none pruned: the reference the
 * search is tested against on small problems. */
pim_status pim_mapper_exhaustive(const pim_hier *h, const pim_gemm *g, pim_mapper_objective o,
                                 pim_mapper_best *out, pim_error *err);

#endif

/* The WWW study's priority-based dataflow for this GEMM (constraints/main.py
 * v2.2, FACTS.md 5.2) as fixed factors and permutations on the levels of a
 * CiM design of the study's shape (a bank fan-out over a CiM primitive,
 * an optional shared memory, DRAM). The mapper then only chooses what the
 * study left free (whether the shared memory also keeps the weights). */
pim_status pim_priority_constrain(pim_hier *h, const pim_gemm *g, pim_error *err);

/* ---- a network: every stationary layer mapped ------------------------- */

/* The stationary-weight layers of a model as GEMMs, batch included: M
 * input vectors (per sample x batch), N outputs and K reduction per group,
 * repeated for each group (a convolution lowered to its weight matrix).
 * The caller frees *out. */
pim_status pim_model_gemms(const pim_model *m, uint64_t batch, pim_gemm **out, uint32_t *n,
                           pim_error *err);

typedef struct {
    pim_gemm gemm;
    uint32_t same_as; /* the first layer of this shape (whose search it shares) */
    pim_mapper_best best;
} pim_mapper_layer;

typedef struct {
    pim_mapper_layer *layers;
    uint32_t count;
    uint32_t unmapped; /* layers nothing fits (left out of the totals) */
    int given;         /* a given mapping evaluated, no search */
    /* totals: layers one after another, each `repeat` times */
    uint64_t macs;
    double cycles, unscaled_cycles, energy_pj, unscaled_energy_pj;
    uint64_t considered, pruned; /* over the distinct shapes searched */
    uint64_t weighed, budget;    /* choices weighed, and each search's budget (0: none) */
    uint32_t stopped;            /* distinct shapes whose search the budget stopped */
    double seconds;              /* wall time of the whole mapping */
} pim_mapper_network;

/* How a network's searches run: `threads` at a time (0: one per CPU),
 * each within `budget` choices weighed (0: no limit). */
typedef struct {
    unsigned threads;
    uint64_t budget;
} pim_mapper_run;

/* Map every layer (each distinct shape once); with `given`, evaluate that
 * mapping for a one-GEMM model. */
pim_status pim_mapper_network_run(const pim_hier *h, const pim_gemm *gemms, uint32_t n,
                                  pim_mapper_objective o, const pim_mapping *given,
                                  const pim_mapper_run *run, pim_mapper_network *out,
                                  pim_error *err);
/* The same with the study's priority dataflow constraining each layer. */
pim_status pim_mapper_network_priority(const pim_hier *h, const pim_gemm *gemms, uint32_t n,
                                       pim_mapper_objective o, const pim_mapper_run *run,
                                       pim_mapper_network *out, pim_error *err);
void pim_mapper_network_free(pim_mapper_network *net);
