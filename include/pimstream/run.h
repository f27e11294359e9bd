/* pimstream run: one run of a model on an architecture, as a value.
 *
 * It builds the plan, lets the schedule search pick per-layer parameters
 * (each candidate timed by the simulator, never by a formula), simulates
 * the chosen plan, and counts energy. `auto` simulates every strategy with
 * its tuned parameters and keeps the fastest, so it is never slower than
 * the best fixed strategy. Runs share nothing, so sweeps may use threads. */
#ifndef PIMSTREAM_RUN_H
#define PIMSTREAM_RUN_H

#include "pimstream/cut.h"
#include "pimstream/energy.h"
#include "pimstream/place.h"
#include "pimstream/sim.h"

typedef struct {
    const pim_model *model;
    const pim_arch *arch;
    pim_plan_opts opts;          /* strategy may be AUTO */
    const pim_sim_observer *obs; /* sees the final simulation only, in the model's own
                                  * layer indices (a cut layer's parts as the layer) */
    unsigned threads;            /* for auto's candidates; 0: one per CPU */
    pim_sim_opts sim;            /* every simulation of the run */
    /* gpp and auto also simulate gpp on the model with its layers wider
     * than the chip cut in column parts (pim_cut) and keep it when
     * faster; no_cut: only the model as given */
    int no_cut;
    /* Partitioned runs: a compiled program instead of a plan's dispatcher. */
    pim_partitioner partitioner; /* NONE: the plan and its schedules */
    pim_objective objective;
    uint64_t seed; /* compass-ga, random placement */
    pim_weights weights;
    pim_placement placement; /* on a network-on-chip */
    /* several models at once (pim_model_concat): where each one's layers
     * start, and their names; nmodels 0 or 1: one model */
    const uint32_t *model_first;
    const char *const *model_names;
    uint32_t nmodels;
} pim_run_config;

/* One of several models run at once: its own pipeline's figures, and its
 * traffic on the network's links, alone or shared with another model. */
typedef struct {
    char name[64];
    uint32_t first, count; /* its layers */
    double done;           /* the cycle its batch finished */
    double inferences_per_second, steady_inferences_per_second;
    double link_bytes;   /* bytes x links its transfers crossed */
    double shared_bytes; /* of which on links another model used too */
} pim_model_run;

typedef struct {
    char name[64];
    pim_op_kind kind;
    uint64_t cycles;           /* time this layer added to the run's end */
    double done;               /* when it finished */
    uint64_t weight_bytes;     /* the layer's weights, once */
    uint64_t bytes;            /* bytes written into macros (x chunks) */
    uint64_t offchip_bytes;    /* bytes over the off-chip channel (weights, KV cache, spills) */
    uint64_t activation_bytes; /* spilled: its output written out, its inputs read back */
    const char *policy;        /* dynamic matmuls: "digital" or "pim"; else NULL */
    uint64_t macs, tiles, vectors, loads, chunks;
    const char *bound; /* "bandwidth", "macro" or "digital" */
} pim_layer_result;

typedef struct {
    pim_strategy requested;
    uint64_t batch;
    pim_plan plan; /* the plan that ran (strategy is concrete) */
    /* the model with its wide layers cut, when that ran (cut.layers_cut > 0):
     * plan, sim and layers are then its layers (a part named "<layer>#<q>") */
    pim_cut cut;
    pim_sim_result sim;
    /* gpp: each load order's cycles at the end of its own search, by
     * pim_load_order; all 0 when the orders were not compared (a fixed
     * vectors per load, a run near its bound or too long) */
    uint64_t order_cycles[PIM_ORDERS];
    uint64_t bandwidth_cycles; /* bytes / B */
    uint64_t macro_cycles;     /* macro busy time / N */
    uint64_t digital_cycles;   /* vector-unit time */
    uint64_t noc_cycles;       /* the busiest network link's bytes / its width */
    /* the tight lower bound (pim_plan_lower_bound) for runs of a plan; for
     * compiled programs the largest of the bounds above */
    uint64_t tight_cycles;
    uint64_t chain_cycles; /* plans: the bound's part over the graph, the largest of: */
    uint64_t path_cycles, capacity_cycles, turnover_cycles, barriers_cycles, drain_cycles;
    /* the argument that sets tight_cycles: bandwidth, macro, digital,
     * network, or a plan's (pim_plan_bound_binding); a value, not a
     * pointer, so a result copies whole */
    char tight_term[12];
    double efficiency;            /* tight_cycles / cycles */
    double offchip_busy_fraction; /* time with a transfer active / run time */
    double bandwidth_utilization; /* off-chip bytes / (B x run time) */
    /* Runs of a plan: where the macros' time went, each a fraction of N x
     * run time (they sum to 1): computing; writing; holding a written tile
     * through the overhead o of each load, then waiting (for its inputs,
     * or for the schedule: ping-pong's other half, in-situ's last write);
     * and holding no tile (waiting for the channel, for the schedule, or
     * for nothing left to load). */
    struct {
        int known; /* a run of a plan (not a compiled program) */
        double compute, write, overhead, wait, idle;
    } macro_time;
    double seconds;
    double inferences_per_second;
    double tops;                 /* 2 x MACs per second, 1e12 */
    uint64_t weight_bytes, macs; /* the model's, for the whole batch */
    pim_counts counts;
    pim_energy energy;
    pim_layer_result *layers;
    /* RRAM wear, averaged over every cell of the chip (weights streamed
     * through all macros in turn): writes per cell per second, and the
     * chip's lifetime at that rate (0 when the endurance is not given). */
    double writes_per_cell_per_second;
    double lifetime_seconds;
    /* partitioned runs (partitioner != NONE) */
    pim_partitioner partitioner;
    pim_objective objective;
    pim_unit *units;
    uint32_t nunits;
    pim_pool unit_preds; /* the units' producer lists */
    pim_compiled compiled;
    pim_program program;
    double compile_seconds;
    double edp; /* joules x seconds, whole batch */
    /* weights: stream or resident, as it ran; resident runs report their
     * one-time load apart (the figures above are the inference alone) */
    pim_weights weights;
    double setup_cycles, setup_pj;
    pim_sim_result setup_sim;
    /* one partition: images completed per second once the pipeline is
     * full (the batch's first to last completion; 0: not measured) */
    double steady_inferences_per_second;
    /* on a network-on-chip */
    int has_noc;
    pim_noc noc;
    uint32_t *mcs, nmcs; /* memory controllers' nodes */
    double packet_bytes;
    pim_placement placement;
    uint32_t *place; /* logical node -> network node */
    double place_cost;
    pim_model_run *models; /* several models at once */
    uint32_t nmodels;
    uint32_t shared_links;         /* links that carried more than one model's transfers */
    uint32_t candidates;           /* simulations the search ran */
    uint64_t search_events;        /* events over all of them (one stopped early: its rival's) */
    uint64_t search_jumped_events; /* of which jumped over in steady states */
    uint32_t search_aborted;       /* simulations stopped once they could not win */
    double wall_seconds;
} pim_run_result;

pim_status pim_run(const pim_run_config *c, pim_run_result *out, pim_error *err);
void pim_run_result_free(pim_run_result *r);

#endif
