/* Private to src/sim: the program runner, shared by its channel part
 * (program.c) and its network part (program_net.c). */
#ifndef PIMSTREAM_SIM_PROGRAM_H
#define PIMSTREAM_SIM_PROGRAM_H

#include "channel.h"
#include "pimstream/sim.h"

typedef struct {
    const pim_program *prog;
    const pim_compiled *comp;
    const pim_sim_observer *obs;
    pim_sim_result *res;
    pim_heap timers;
    pim_channel chan;
    double now, vec_free;
    double *node_vec_free; /* layout.vector_nodes: each node's own vector units */
    uint32_t *indeg, *succ_first, *succ;
    uint32_t *parts_left;
    double *start;
    uint32_t *stack;
    uint32_t nstack;
    uint64_t done;
    int oom;
    /* on a network */
    const pim_sim_network *net;
    pim_flownet *flows;
    uint32_t *mc_res;       /* per memory controller: its flownet resource */
    uint32_t offchip_flows; /* moving through a controller now */
    double offchip_since;
    double *finish;           /* per instruction: when it was done */
    uint32_t *dsts, dsts_cap; /* scratch: a multicast tree's destinations */
} runner;

void pim_runner_timer(runner *r, double t, uint32_t id);
/* One part of instruction id is done; the last finishes it. */
void pim_runner_part_done(runner *r, uint32_t id);

/* The network part: set up (after the runner), start an instruction's
 * flows (returns how many), handle the network's next event, note a
 * finished instruction, and copy the network's totals into the result. */
pim_status pim_runner_net_init(runner *r, pim_error *err);
uint32_t pim_runner_begin_flows(runner *r, uint32_t id, const pim_instr *in);
void pim_runner_flow_event(runner *r);
void pim_runner_finished(runner *r, uint32_t id, const pim_instr *in);
void pim_runner_net_finish(runner *r);

#endif
