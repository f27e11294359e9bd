/* Private to src/run: the network part of a compiled run (network.c). */
#ifndef PIMSTREAM_RUN_INTERNAL_H
#define PIMSTREAM_RUN_INTERNAL_H

#include "pimstream/run.h"

/* The architecture's network, its memory controllers, into out. */
pim_status pim_run_network_build(const pim_arch *a, pim_run_result *out, pim_error *err);
/* Place out->program's logical nodes on out->noc (c->placement, seeded by
 * c->seed) by the program's own traffic. */
pim_status pim_run_place(const pim_run_config *c, pim_run_result *out, pim_error *err);
/* The simulator's view of the placed network. */
void pim_run_network_of(const pim_run_result *out, pim_sim_network *net);

#endif
