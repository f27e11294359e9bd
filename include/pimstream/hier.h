/* pimstream hier: an architecture as a tree of storage levels, from the
 * backing store (DRAM) down to compute, in the form Timeloop and Accelergy
 * describe one (and the WWW study, arXiv 2312.15896, uses).
 *
 * Levels are listed outermost first. A storage level holds tiles of the
 * three tensors of a GEMM Z[m][n] += A[m][k] * B[n][k] (A inputs, B
 * weights, Z outputs); a fan-out level multiplies the instances of every
 * level below it (a mesh X x Y); the last level computes: a MAC array, or
 * the unit cell of a compute-in-memory primitive. A CiM primitive given in
 * YAML expands into the levels the study uses: a fan-out of Rp rows by Cp
 * columns, an input buffer, an output buffer, the weight storage that
 * computes (Rh x Ch weights per cell) and the unit.
 *
 * Each level may carry mapping constraints (fixed or bounded loop factors,
 * a loop order, the mesh axis a dimension's spatial loop takes, tensors it
 * must keep or bypass), the architecture's own and a user's alike. */
#ifndef PIMSTREAM_HIER_H
#define PIMSTREAM_HIER_H

#include "pimstream/arch.h"
#include "pimstream/base.h"

enum { PIM_DIM_M, PIM_DIM_N, PIM_DIM_K, PIM_DIMS };
enum { PIM_TENSOR_A, PIM_TENSOR_B, PIM_TENSOR_Z, PIM_TENSORS };
#define PIM_TENSOR_BIT(t) (1u << (t))
#define PIM_ALL_TENSORS 7u

/* The dimensions a tensor is indexed by: A {M,K}, B {N,K}, Z {M,N}. */
static inline int pim_tensor_has_dim(int tensor, int dim)
{
    return dim != (tensor == PIM_TENSOR_A   ? PIM_DIM_N
                   : tensor == PIM_TENSOR_B ? PIM_DIM_M
                                            : PIM_DIM_K);
}

typedef enum { PIM_HL_STORAGE, PIM_HL_FANOUT, PIM_HL_COMPUTE } pim_hlevel_kind;
typedef enum { PIM_AXIS_ANY = 0, PIM_AXIS_X = 1, PIM_AXIS_Y = 2 } pim_axis;

#define PIM_HIER_MAX_LEVELS 16
#define PIM_HIER_NAME 32

/* What a CiM primitive is (WWW's template, FACTS.md 4.1): Rp x Cp cells
 * compute in parallel, each holding Rh x Ch weights used one after
 * another; a MAC step takes `latency` cycles. */
typedef struct {
    char name[PIM_HIER_NAME];
    uint32_t rp, cp, rh, ch;
    double latency;
    double mac_pj;   /* per MAC */
    double write_pj; /* per write of one storage block (Ch weights) */
    double area_x;   /* area relative to the SRAM it replaces (iso-area scaling) */
} pim_cim_primitive;

typedef struct {
    char name[PIM_HIER_NAME];
    pim_hlevel_kind kind;
    uint32_t line; /* where the YAML declared it (0: built) */
    /* storage */
    uint64_t capacity;                   /* words per instance; 0: unbounded */
    uint32_t block;                      /* words per access (an access's energy covers a block) */
    double read_bw, write_bw;            /* words per cycle per instance; 0: unlimited */
    double read_pj, write_pj, update_pj; /* per block access */
    double leak_pj;                      /* per cycle per instance */
    double area_um2;                     /* per instance */
    uint8_t keep, bypass;                /* tensors kept / bypassed; neither: the mapper's choice */
    /* fan-out */
    uint32_t mesh_x, mesh_y;
    /* compute */
    double mac_pj;
    double latency; /* cycles one MAC step takes (1 for a MAC array) */
    int cim;        /* a CiM primitive's unit (its latency scales the cycles) */
    /* constraints on mappings: 0 means free */
    uint64_t fixed[PIM_DIMS]; /* the factor must be this */
    uint64_t max[PIM_DIMS];   /* the factor must be at most this */
    uint8_t axis[PIM_DIMS];   /* fan-out: the mesh axis a dimension takes */
    char permutation[4];      /* temporal order, innermost first (Timeloop's way): "MKN" */
} pim_hlevel;

typedef struct {
    char name[64];
    char origin[256];
    char summary[160];
    double clock_mhz;
    uint32_t word_bits;
    uint32_t nlevels;
    pim_hlevel level[PIM_HIER_MAX_LEVELS];
    pim_cim_primitive cim; /* the primitive, when the compute is one (cim.name[0]) */
    uint32_t cim_first;    /* the index of the primitive's first level (its cell array) */
} pim_hier;

/* Load a preset by name or a YAML file by path (see the README for the
 * format); validated. */
pim_status pim_hier_load(const char *name_or_path, pim_hier *out, pim_error *err);
pim_status pim_hier_from_yaml(const char *text, size_t len, const char *origin, pim_hier *out,
                              pim_error *err);
/* Does this name or file describe a hierarchy (a preset of this module, or
 * a YAML file with a `levels:` key)? Never fails: an unreadable file is
 * left for the loader to report. */
int pim_hier_is_hier(const char *name_or_path);
/* Apply "LEVEL.key=value" (a level's YAML key; fanout sides as x, y;
 * factors as M, N, K; the primitive's fields as cim.rp and so on). */
pim_status pim_hier_set(pim_hier *h, const char *assignment, pim_error *err);
pim_status pim_hier_validate(const pim_hier *h, pim_error *err);
/* Add a user's mapping constraints, in the form the levels take them:
 *   SMEM: {factors: {M: 512, N: 1, K: 2}, permutation: MKN, bypass: [B]}
 *   CiMBank: {factors: {N: "<=4"}, axis: {N: Y}}
 * (factors fixed or bounded, a loop order innermost first, mesh axes,
 * tensors to keep or bypass, added to the architecture's own). */
pim_status pim_hier_constrain(pim_hier *h, const char *text, size_t len, const char *origin,
                              pim_error *err);
pim_status pim_hier_constrain_file(pim_hier *h, const char *path, pim_error *err);
/* A PIM chip as a hierarchy: off-chip memory, the fan-out of its tiles,
 * cores and macros, and each macro as a CiM primitive (one column per
 * cell, the macro's rows in parallel). */
pim_status pim_hier_from_arch(const pim_arch *a, pim_hier *out, pim_error *err);

/* Set the CiM primitive's energy per MAC (a PIM chip's analog macros are
 * priced by the energy model, which the caller consults). */
pim_status pim_hier_cim_mac_pj(pim_hier *h, double mac_pj, pim_error *err);
/* Index of the level named `name`, or -1. */
int pim_hier_find(const pim_hier *h, const char *name);
/* Area of the hierarchy (um2): every level's area per instance times its
 * instances (levels without an area count nothing). */
double pim_hier_area(const pim_hier *h);
/* Instances of level i: the product of the fan-outs above it. */
uint64_t pim_hier_instances(const pim_hier *h, uint32_t i);
/* The built-in CiM primitives (FACTS.md 4.1): NULL when unknown. */
const pim_cim_primitive *pim_cim_primitive_find(const char *name);

size_t pim_hier_preset_count(void);
const char *pim_hier_preset_name(size_t i);
void pim_hier_preset_summary(size_t i, char *buf, size_t cap);

const char *pim_dim_name(int dim);   /* "M", "N", "K" */
const char *pim_tensor_name(int t);  /* "A", "B", "Z" */
int pim_dim_parse(char c);           /* -1 when not M, N or K */
int pim_tensor_parse(const char *s); /* A/B/Z or inputs/weights/outputs; -1 */

#endif
