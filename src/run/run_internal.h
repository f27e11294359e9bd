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

/* Several models at once (models.c): an observer that counts each model's
 * bytes on every link (forwarding to the run's own observer), and the
 * per-model figures after the simulation. */
typedef struct {
    const pim_sim_observer *inner;
    const pim_noc *noc;
    const uint32_t *first;
    uint32_t nmodels;
    double *bytes; /* model x link */
    uint32_t *route;
    pim_sim_observer obs;
} model_traffic;

pim_status pim_run_models_watch(const pim_run_config *c, const pim_noc *n, model_traffic *m,
                                pim_error *err);
pim_status pim_run_models_finish(const pim_run_config *c, pim_run_result *out,
                                 const model_traffic *m, pim_error *err);
void pim_run_models_free(model_traffic *m);
/* Completions per second from a batch's image completion times. */
double pim_run_steady_rate(const double *done, uint32_t images, double clock_hz);

#endif
