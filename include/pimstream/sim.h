/* pimstream sim: the discrete-event engine.
 *
 * The engine owns time. Resources: macros (idle, writing, waiting, computing;
 * a macro never writes and computes at once), the shared off-chip channel
 * (active writes share B fairly, each capped at its port speed s), the
 * digital vector unit, and layer data dependences. A dispatcher from sched
 * decides what starts and when it may; the engine decides when it ends. */
#ifndef PIMSTREAM_SIM_H
#define PIMSTREAM_SIM_H

#include "pimstream/compile.h"

/* Optional callbacks, for traces and for the physical checks in tests. */
typedef struct {
    void *ud;
    /* A macro was busy from t0 to t1: writing (bytes > 0) or computing. */
    void (*interval)(void *ud, uint32_t macro, int writing, double t0, double t1, uint64_t bytes,
                     uint32_t layer);
    /* The channel moved `rate` bytes/cycle in total from t0 to t1. */
    void (*channel)(void *ud, double t0, double t1, double rate);
    /* On a network: `bytes` left network node `from` for node `to` from t0
     * until t1 (its last byte through; it arrives the route's latency
     * later), for `layer`. */
    void (*transfer)(void *ud, uint32_t from, uint32_t to, double t0, double t1, double bytes,
                     uint32_t layer);
    /* Plans: units [first, end) of `layer` computed from t0 to t1 (one
     * macro's chunk, or a digital piece from the vector unit to its end). */
    void (*segment)(void *ud, uint32_t layer, uint64_t first, uint64_t end, double t0, double t1);
} pim_sim_observer;

/* The network a compiled program runs on: its logical nodes placed on the
 * network's nodes, and the memory controllers where off-chip data enters
 * and leaves, each with an equal share of the off-chip bandwidth. */
typedef struct {
    const pim_noc *noc;
    const uint32_t *place; /* logical node -> network node */
    const uint32_t *mcs;   /* memory controllers' nodes */
    uint32_t nmcs;
    double packet_bytes; /* transfers are cut into packets of this (0: streams) */
} pim_sim_network;

/* What the network carried. */
typedef struct {
    double bytes_injected, bytes_delivered, offchip_bytes;
    double bit_hops, router_bits, class_bits[PIM_LINK_CLASSES];
    double energy_pj; /* the flows' own pricing (the energy model prices the bits again) */
    double hops_sum;
    uint64_t flows;
    double peak_load;   /* highest load of a link or port over its width */
    double *link_bytes; /* per link */
    uint32_t nlinks;
    double *layer_comm;    /* per layer: cycles its images waited on the network (sum) */
    double *layer_compute; /* per layer: cycles its images computed (sum) */
} pim_sim_noc;

typedef struct {
    double end;      /* cycle the last layer finished (exact) */
    uint64_t cycles; /* end rounded up to whole cycles */
    uint64_t events;
    uint64_t loads;
    uint64_t bytes_written;    /* bytes written into macros (from off or on chip) */
    uint64_t offchip_bytes;    /* bytes that crossed the off-chip channel */
    uint64_t activation_bytes; /* of which spilled activations, out and back */
    double channel_busy;       /* cycles with at least one write active */
    double macro_busy;         /* macro-cycles writing or computing */
    /* Plans: of those, computing; and macro-cycles holding a written tile,
     * from a write's end to its load's last compute (computing, the
     * overhead o, waiting for inputs or for the schedule). With the rest
     * (writing, and no tile at all) they make up N x end. */
    double macro_compute, macro_loaded;
    double *layer_done; /* per layer: when its last work finished */
    uint32_t layers;
    double *partition_done; /* compiled programs: when each partition's barrier passed */
    uint32_t partitions;
    double *image_done; /* compiled programs: when each image's last output was done */
    uint32_t images;
    double *layer_image_done; /* compiled programs: layer l's image i at [l * images + i] */
    int has_noc;
    pim_sim_noc noc;
    /* Plans: steady-state periods jumped over, and the events they held
     * (counted in `events` as if simulated one by one). */
    uint64_t jumps, jumped_events;
    int aborted; /* stopped at pim_sim_opts.deadline: end is INFINITY */
} pim_sim_result;

typedef struct {
    /* Simulate every event even where the state repeats (the engine
     * otherwise jumps whole periods of a steady state, with the same
     * results: src/sim/steady.c). */
    int step_by_step;
    /* Stop once the run provably ends after this cycle (0: never): the
     * weights not yet through the channel cross at B, and the macro time
     * not yet spent runs on N macros. The result then says `aborted` and
     * holds no figures; a run ending within float noise of the deadline
     * runs to its end. A search gives the best end so far, so a candidate
     * that cannot beat it costs only the part that shows so. */
    double deadline;
} pim_sim_opts;

pim_status pim_simulate(const pim_plan *plan, const pim_sim_observer *obs, pim_sim_result *out,
                        pim_error *err);
/* The same with options (NULL: the defaults). */
pim_status pim_simulate_opts(const pim_plan *plan, const pim_sim_opts *opts,
                             const pim_sim_observer *obs, pim_sim_result *out, pim_error *err);
/* Run a compiled program (pim_program_build) to its end, over a network
 * (NULL: an ideal one and the off-chip channel). */
pim_status pim_simulate_program(const pim_program *p, const pim_compiled *c, uint32_t layers,
                                const pim_sim_network *net, const pim_sim_observer *obs,
                                pim_sim_result *out, pim_error *err);
void pim_sim_result_free(pim_sim_result *r);

/* An exact time as whole cycles: rounded up, forgiving float noise. */
uint64_t pim_sim_whole_cycles(double t);
/* Whole cycles from one time to a later one (0 if not later): spans that
 * follow each other add up to the whole cycles of the last. */
uint64_t pim_cycles_between(double from, double to);

#endif
