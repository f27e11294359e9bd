/* Private to src/sched: setting a layer's progress units (progress.c). */
#ifndef PIMSTREAM_SCHED_PROGRESS_H
#define PIMSTREAM_SCHED_PROGRESS_H

#include "pimstream/sched.h"

/* Layer i's units, images, row rule and pieces; its producers' are set. */
void pim_plan_progress(pim_plan *p, uint32_t i, const pim_layer *src, uint64_t batch);
/* Which outputs the activation buffer holds and which spill (spill.c):
 * 1, or 0 when out of memory, -1 when the spilled bytes pass 2^60. */
int pim_plan_place_activations(pim_plan *p, uint64_t buffer_bytes);

#endif
