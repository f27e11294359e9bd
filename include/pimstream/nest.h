/* pimstream nest: a GEMM mapped as a loop nest onto a hierarchy, and what
 * it costs.
 *
 * A mapping gives every level its loops: a storage level temporal loops
 * (an order and a factor per dimension), a fan-out level spatial loops (a
 * factor and a mesh axis per dimension); the factors of each dimension
 * multiply to its size. The model counts, per level and tensor, reads,
 * fills and updates exactly as Timeloop does (multicast of read-only
 * tensors, spatial reduction of partial sums, the first update of an
 * output skipping its read, tiles kept across loops that do not index
 * them), then cycles (compute and every level's bandwidth) and energy
 * (accesses x energy per block, MACs, leakage). FACTS.md 6 states the
 * rules and the repository's reference runs they reproduce. */
#ifndef PIMSTREAM_NEST_H
#define PIMSTREAM_NEST_H

#include "pimstream/hier.h"

/* One GEMM, Z[m][n] += A[m][k] B[n][k], done `repeat` times (groups of a
 * grouped convolution, heads). */
typedef struct {
    char name[64];
    uint64_t m, n, k, repeat;
} pim_gemm;

typedef struct {
    uint64_t factor[PIM_HIER_MAX_LEVELS][PIM_DIMS];
    uint8_t order[PIM_HIER_MAX_LEVELS][PIM_DIMS]; /* temporal: dimensions outer to inner */
    uint8_t axis[PIM_HIER_MAX_LEVELS][PIM_DIMS];  /* fan-out: PIM_AXIS_X or PIM_AXIS_Y */
    uint8_t keep[PIM_HIER_MAX_LEVELS];            /* storage: tensors kept (a mask) */
} pim_mapping;

/* A mapping with every factor 1, default orders (M, N, K outer to inner),
 * each dimension on the axis its level requires (else Y), and every
 * storage level keeping what it must and what is free. */
void pim_mapping_init(const pim_hier *h, pim_mapping *m);

typedef struct {
    uint64_t tile;                  /* words of the tensor one instance holds at once */
    uint64_t partition;             /* distinct words one instance ever holds */
    uint64_t reads, fills, updates; /* per instance */
    double energy_pj;               /* all instances */
} pim_access;

typedef struct {
    pim_access acc[PIM_HIER_MAX_LEVELS][PIM_TENSORS];
    uint64_t used[PIM_HIER_MAX_LEVELS];         /* instances in use */
    uint64_t level_cycles[PIM_HIER_MAX_LEVELS]; /* what the level's bandwidth allows */
    double read_pj[PIM_HIER_MAX_LEVELS], fill_pj[PIM_HIER_MAX_LEVELS];
    double update_pj[PIM_HIER_MAX_LEVELS], leak_pj[PIM_HIER_MAX_LEVELS];
    uint64_t macs;
    uint64_t compute_cycles; /* MAC steps of one compute instance */
    /* cycles with the compute's latency (a CiM primitive's MAC step takes
     * `latency` cycles): the figure pimstream reports */
    double cycles;
    /* Timeloop's: every MAC step one cycle (the study scales afterwards) */
    uint64_t unscaled_cycles;
    double mac_pj;
    double energy_pj;          /* leakage over `cycles` */
    double unscaled_energy_pj; /* leakage over `unscaled_cycles`, as Timeloop */
    double utilization;        /* MACs / (compute instances x unscaled cycles) */
    int bound_level;           /* the level whose bandwidth sets `cycles`; -1: the compute */
    /* the study's post-processing (get_stats.py, FACTS.md 4.3), for CiM */
    double study_cycles, study_energy_pj;
} pim_nest_result;

/* Check a mapping against the hierarchy's physics (factors multiply to the
 * GEMM, fan-outs fit their mesh, tiles fit capacities, the backing store
 * keeps everything); `strict` also checks the levels' constraints. */
pim_status pim_mapping_check(const pim_hier *h, const pim_gemm *g, const pim_mapping *m, int strict,
                             pim_error *err);
/* Counts, cycles and energy of a checked mapping (repeat not applied). */
void pim_nest_eval(const pim_hier *h, const pim_gemm *g, const pim_mapping *m, pim_nest_result *r);

/* What the levels above `depth` decide, for a search that has chosen only
 * them: `m` holds their loops and, at `depth`, all that is left of each
 * dimension. Every count of a keeper above `depth` whose child keeper is
 * above it too, and every keeper's tile, partition and fills; per tensor,
 * the innermost such keeper, whose reads or updates wait on the levels
 * below (UINT32_MAX when none), with the multicast of the fan-outs under
 * it. Access energies are filled in; cycles and leakage are not. */
void pim_nest_eval_decided(const pim_hier *h, uint64_t macs, const pim_mapping *m, uint32_t depth,
                           pim_nest_result *r, uint32_t pending[PIM_TENSORS],
                           uint64_t pending_x[PIM_TENSORS]);

/* A mapping from YAML: per level its loops, outer to inner, as in
 *   DRAM: [N8, M4]
 *   PE: [N16@Y, K16@X]
 *   SMEM: {loops: [M32, K16], keep: [A], bypass: [B]}
 * Levels left out have no loops. Checked against the GEMM. */
pim_status pim_mapping_from_yaml(const pim_hier *h, const pim_gemm *g, const char *text, size_t len,
                                 const char *origin, pim_mapping *out, pim_error *err);
pim_status pim_mapping_load(const pim_hier *h, const pim_gemm *g, const char *path,
                            pim_mapping *out, pim_error *err);
/* The mapping as the loop nest of each level, one line per level with
 * loops: "DRAM [N8 M4]", "PE sp{N16@Y K16@X}". */
void pim_mapping_format(const pim_hier *h, const pim_mapping *m, char *buf, size_t cap);
/* One level's loops, "[N8 M4]" or "sp{N16@Y K16@X}"; 0 when it has none. */
int pim_mapping_format_level(const pim_hier *h, const pim_mapping *m, uint32_t i, char *buf,
                             size_t cap);

#endif
