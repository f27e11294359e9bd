/* Private to src/mapper: the search's state, shared by the search
 * (mapper.c) and its bounds (bound.c). */
#ifndef PIMSTREAM_MAPPER_INTERNAL_H
#define PIMSTREAM_MAPPER_INTERNAL_H

#include "pimstream/mapper.h"

/* One choice at a level: its loops and what it keeps, with the bound on
 * every mapping below it. */
typedef struct {
    uint64_t factor[PIM_DIMS];
    uint8_t order[PIM_DIMS], axis[PIM_DIMS], keep;
    uint32_t index; /* enumeration order: ties keep it, so results repeat */
    double bound;
} choice;

typedef struct {
    choice *items;
    uint32_t count, cap;
} choices;

typedef struct {
    const pim_hier *h;
    const pim_gemm *g;
    pim_mapper_objective objective;
    int bound; /* 0: exhaustive */
    uint32_t compute;
    uint64_t size[PIM_DIMS];
    uint8_t must_keep_below[PIM_HIER_MAX_LEVELS + 1]; /* tensors some level >= i must keep */
    /* what levels [i, compute) can take of each dimension at most (0: no
     * limit), and what their fixed factors need */
    uint64_t absorb[PIM_HIER_MAX_LEVELS + 1][PIM_DIMS];
    uint64_t need[PIM_HIER_MAX_LEVELS + 1][PIM_DIMS];
    uint64_t *div[PIM_DIMS];                          /* each dimension's divisors, ascending */
    uint64_t mesh_used[PIM_HIER_MAX_LEVELS];          /* a fan-out's most usable instances */
    uint64_t fan_used[PIM_HIER_MAX_LEVELS][PIM_DIMS]; /* and its largest usable factors */
    uint64_t *cand[PIM_HIER_MAX_LEVELS][PIM_DIMS];    /* per level: the factors a node may take */
    uint32_t ndiv[PIM_DIMS];
    double cycles_floor; /* cycles no mapping can beat (compulsory reads, bandwidth) */
    pim_mapping m;
    choices kids[PIM_HIER_MAX_LEVELS]; /* each level's choices, reused */
    int failed;                        /* out of memory */
    uint64_t budget;                   /* choices the search may weigh (0: no limit) */
    pim_mapper_best *best;
    pim_nest_result scratch;
} search;

/* bound.c: what the fan-outs can use (once per search), the cycles no
 * mapping beats (once per search), and the lower bound on the objective of
 * every mapping that completes levels [0, depth) as decided. */
void pim_mapper_usable_fanouts(search *s);
void pim_mapper_cycles_floor(search *s);
double pim_mapper_lower_bound(search *s, uint32_t depth, const uint64_t rem[PIM_DIMS]);
/* The most of dimension d a fan-out can take: fixed, bounded, its mesh. */
uint64_t pim_mapper_fan_cap(const pim_hlevel *l, int dim);

#endif
