/* pimstream compile: partitions for models larger than the chip, and the
 * program that runs them (COMPASS, Park et al., DATE 2025, arXiv 2501.06780).
 *
 * A model's layers, in topological order, become units: a stationary layer
 * whose tiles exceed the chip is cut by column tiles into slices that fit.
 * A partition is a contiguous range of units whose tiles fit on the chip:
 * its weights are written, it runs layer-pipelined over the batch (spare
 * macros hold copies of the slowest layers), its boundary activations go to
 * off-chip memory and come back for the next partition. Partitioners choose
 * the ranges with a cost model; the run's figures come from simulating the
 * emitted program, never from the cost model. */
#ifndef PIMSTREAM_COMPILE_H
#define PIMSTREAM_COMPILE_H

#include "pimstream/sched.h"

#include <stdio.h>

typedef enum {
    PIM_PART_NONE = 0, /* no partitioning: the plan and its dispatcher */
    PIM_PART_OPTIMAL,
    PIM_PART_COMPASS_GA,
    PIM_PART_GREEDY,
    PIM_PART_LAYERWISE,
    PIM_PART_WHOLE /* the whole model in one partition (resident weights) */
} pim_partitioner;

/* Weights streamed into the macros as the program runs, or resident: all
 * in place before the first image (the PIM presumption of ISAAC, NeuroSim
 * and the manycores), their one-time load reported apart; auto: resident
 * when the model fits. */
typedef enum { PIM_WEIGHTS_STREAM, PIM_WEIGHTS_RESIDENT, PIM_WEIGHTS_AUTO } pim_weights;

const char *pim_weights_name(pim_weights w);
int pim_weights_parse(const char *s, pim_weights *out);

typedef enum { PIM_OBJ_THROUGHPUT = 0, PIM_OBJ_LATENCY, PIM_OBJ_EDP } pim_objective;

const char *pim_partitioner_name(pim_partitioner p);
int pim_partitioner_parse(const char *s, pim_partitioner *out);
const char *pim_objective_name(pim_objective o);
int pim_objective_parse(const char *s, pim_objective *out);

/* One unit of compilation: a layer, or a column slice of one. */
typedef struct {
    uint32_t layer;         /* the model layer it comes from */
    uint32_t slice, slices; /* which slice of how many (1 when whole) */
    pim_tiling tiling;      /* the layer's (slices hold tiles [tile_first, +tiles)) */
    uint64_t tile_first;
    uint64_t tiles;          /* macros one copy takes (0: digital) */
    uint64_t bytes;          /* weight bytes of one copy */
    uint64_t max_tile_bytes; /* the largest single tile */
    uint64_t vectors;        /* input vectors per image, per copy of all tiles */
    uint64_t digital_cycles; /* per image, on the vector units */
    uint64_t stream_bytes;   /* per image, read from off chip (a KV cache) */
    uint64_t in_bytes;       /* per image, read from off chip when it has no producer */
    uint64_t out_bytes;      /* per image, its output activations */
    const uint32_t *preds;   /* producer units (a sliced producer once per slice); any number */
    uint32_t npreds;
} pim_unit;

/* What the cost model needs of the chip, per image and per cycle. */
typedef struct {
    uint64_t macros;          /* N */
    double bandwidth;         /* B, bytes per cycle */
    double port;              /* s, bytes per cycle per macro write */
    double overhead;          /* o, cycles per tile load */
    double cycles_per_vector; /* t */
    double batch;
    /* energy per action (pJ) and static power (pJ per cycle), for edp */
    double pj_weight_byte;    /* written into a macro and read from off chip */
    double pj_act_byte;       /* activation byte off chip and back */
    double pj_per_cycle;      /* leakage of the powered macros */
    double pj_fixed;          /* MACs, vector ops: the same for every partitioning */
    const uint32_t *last_use; /* per unit: the last unit reading it (UINT32_MAX: none) */
    pim_compile_model model;  /* the architecture's compile section (arch.h) */
} pim_cost_params;

typedef struct {
    double cycles, pj;
} pim_cost;

typedef struct {
    uint32_t first, count; /* units [first, first + count) */
    uint32_t *replicas;    /* per unit of the range */
    pim_cost cost;         /* the cost model's estimate at the run's batch */
} pim_partition;

typedef struct {
    const pim_unit *units; /* not owned */
    uint32_t nunits;
    pim_partition *parts;
    uint32_t nparts;
    pim_cost total;    /* the search's cost: what the partitioner minimised */
    pim_cost estimate; /* the cost model at the run's batch (the latency search times one image) */
    double search_seconds;
} pim_compiled;

/* Units of a plan (built with batch 1: per-image figures). Their producer
 * lists live in `preds`, which the caller frees after the units. */
pim_status pim_units_build(const pim_model *m, const pim_arch *a, const pim_plan *p, pim_unit **out,
                           uint32_t *n, pim_pool *preds, pim_error *err);
/* Macros one copy of every unit takes: the model fits when this is at
 * most the chip's macros. */
uint64_t pim_units_macros(const pim_unit *u, uint32_t n);
/* For pim_cost_params.last_use. */
void pim_units_last_use(const pim_unit *u, uint32_t n, uint32_t *out);
/* Timing of the chip from its plan; the energy prices are the caller's
 * (run derives them from the energy model). */
void pim_cost_params_init(const pim_plan *p, uint64_t batch, pim_cost_params *out);
/* A partition as the cost model sees it on its own (as a first
 * partition), which is also what its successor sees of it: when its
 * weights are all in, when each unit's macros fall free, and how much
 * boundary traffic shares the channel with the successor's weight loads.
 * The caller owns the arrays (count entries each). */
typedef struct {
    uint32_t first, count;
    uint32_t *replicas;  /* per unit of the range */
    double *free_at;     /* per unit: its last image done */
    double duration;     /* cycles, run as a first partition */
    double written;      /* its last weight in, from its start */
    double io_bytes;     /* boundary bytes per image, in and out */
    double out_bytes;    /* of which stored */
    double weight_bytes; /* written, copies included */
    double stage;        /* the slowest stage */
} pim_part_shape;

/* Shape of units [first, first+count) with the replication that minimises
 * its slowest stage for the budget that runs it fastest on its own.
 * Returns 0 when the range does not fit on the chip. */
int pim_partition_shape(const pim_unit *u, uint32_t first, uint32_t count,
                        const pim_cost_params *cp, pim_part_shape *s);
/* The shape's times for its current replicas (first, count and replicas
 * set): what pim_partition_shape computes for the budget it keeps. */
void pim_partition_retime(const pim_unit *u, const pim_cost_params *cp, pim_part_shape *s);
/* Cost of `cur` run right after `prev` (NULL: first), counted from prev's
 * end: its weight loads overlap prev's compute where prev's macros are
 * free and the channel has room, and its first layers start while later
 * ones still load. scratch: cur->count doubles. */
pim_cost pim_partition_after(const pim_unit *u, const pim_part_shape *prev,
                             const pim_part_shape *cur, const pim_cost_params *cp, double *scratch);
/* The objective's value of a total cost: what partitioners minimise. */
double pim_objective_value(pim_objective o, const pim_cost_params *cp, pim_cost total);

/* Choose partitions. `seed` feeds compass-ga. Boundaries are the first unit
 * of each partition after the first. */
pim_status pim_compile(const pim_unit *units, uint32_t n, const pim_cost_params *cp,
                       pim_partitioner which, pim_objective obj, uint64_t seed, pim_compiled *out,
                       pim_error *err);
/* Cost of an explicit partitioning (starts: first unit of each partition,
 * starts[0] = 0, increasing), each partition after the one before; 0 when
 * a range does not fit. Tests use it for brute force. */
int pim_cost_of_starts(const pim_unit *units, uint32_t n, const pim_cost_params *cp,
                       const uint32_t *starts, uint32_t nparts, pim_cost *out);
void pim_compiled_free(pim_compiled *c);

/* ---- the program ------------------------------------------------------ */

typedef enum {
    PIM_I_LOAD_W,  /* write a tile's weights into a macro, from off chip */
    PIM_I_MVM,     /* a layer's matrix-vector products for one image on one core */
    PIM_I_VEC,     /* a digital layer for one image on the vector units */
    PIM_I_LOAD_A,  /* a partition's boundary inputs for one image, from off chip */
    PIM_I_STORE_A, /* a layer's outputs for one image, to off chip */
    PIM_I_SEND,    /* a producer's outputs for one image to a consumer's nodes */
    PIM_I_BARRIER, /* end of a partition: all its stores are done */
    PIM_I_WRITTEN, /* a partition's weights are all loaded; the next one's loads wait for it */
    PIM_I_JOIN     /* a unit's image is done on every core (its partial sums reduced) */
} pim_instr_op;

/* Off chip, as the end of a transfer: the network's memory controllers. */
#define PIM_NODE_MEMORY UINT32_MAX

/* One transfer over the network between logical nodes (or memory). A
 * program's transfers are what its instructions move between nodes; on an
 * ideal network they take no time. */
typedef struct {
    uint32_t from, to;
    double bytes;
    uint32_t group; /* multicast: the transfers of one instruction with the same
                     * source and group (not 0) carry the same data, one tree */
} pim_xfer;

typedef struct {
    pim_instr_op op;
    uint32_t core, partition, unit;
    uint32_t image;
    uint32_t node;               /* the logical node it runs on (macro / macros per node) */
    uint32_t macro, macro_count; /* LOAD_W: one macro; MVM: a range */
    uint32_t tile;               /* LOAD_W: tile index */
    uint32_t from_unit;          /* SEND: the producer (unit is the consumer) */
    uint64_t bytes;
    double cycles;               /* MVM, VEC: duration */
    uint32_t dep_first, ndeps;   /* into pim_program.deps */
    uint32_t xfer_first, nxfers; /* into pim_program.xfers: SEND, JOIN (partial sums),
                                  * LOAD_A and STORE_A move these */
} pim_instr;

/* How the program's macros sit in the hardware: cores of macros, nodes
 * (the network's tiles) of cores; the partial sums' width; and which part
 * of the program to build. Resident weights split the program in two: the
 * one-time setup (every weight load) and the inference (no loads). */
typedef enum {
    PIM_PHASE_ALL,      /* weights loaded as the program runs (streamed) */
    PIM_PHASE_SETUP,    /* the weight loads only */
    PIM_PHASE_RESIDENT, /* the inference with every weight already in place */
} pim_phase;

typedef struct {
    uint32_t macros_per_core, cores_per_node;
    uint32_t psum_bytes; /* a partial sum sent to the column's owner */
    pim_phase phase;
    /* Digital layers: 0, one chip-wide vector unit takes each in turn; or the
     * chip's node count, each node's own units doing the part of the layer
     * whose data it holds (a manycore's tiles), at that share of the chip's
     * lanes. */
    uint32_t vector_nodes;
    int multicast; /* routers copy packets: inputs to tiles needing the same data go as
                    * one tree (transfers grouped, pim_xfer.group) */
} pim_layout;

typedef struct {
    pim_instr *code;
    uint32_t count, cap;
    uint32_t *deps; /* instruction indices each instruction waits for */
    uint64_t ndeps, deps_cap;
    pim_xfer *xfers;
    uint32_t nxfers, xfers_cap;
    pim_layout layout;
    uint32_t macros_per_core, macros_per_node;
    uint32_t nodes; /* logical nodes holding macros: 0 .. nodes - 1 */
    double bandwidth, port, overhead;
    uint32_t *load_window; /* per partition: weight loads in flight at once */
} pim_program;

/* Lower a compilation to a program for cp->batch images (cp->last_use
 * says which outputs leave their partition). */
pim_status pim_program_build(const pim_compiled *c, const pim_cost_params *cp,
                             const pim_layout *layout, pim_program *out, pim_error *err);
void pim_program_free(pim_program *p);
/* The program as text, one instruction per line, grouped by partition and
 * core; layer names from the model. */
void pim_program_write(FILE *f, const pim_program *p, const pim_compiled *c, const pim_model *m);

#endif
