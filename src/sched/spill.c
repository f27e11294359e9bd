/* pimstream sched: the on-chip activation buffer and what spills from it.
 *
 * A layer's output stays in the chip's activation buffer from the moment
 * the layer starts producing it until its last consumer (in the plan's
 * layer order) is done with it. Layers are placed in that order, as a
 * linear scan allocates registers: an output that fits in what the live
 * outputs leave free stays on chip; one that does not is spilled, written
 * off chip as it is produced and read back by every consumer, over the
 * chip's one off-chip channel, shared with the weights being streamed.
 *
 * The whole batch's output is held, not a line buffer's few rows: that is
 * the layer-by-layer view the buffer sizes of ISAAC and NeuroSim assume
 * (a pipelined design that frees rows as they are consumed needs less).
 * First fit in layer order is not an optimal allocation (spilling a larger
 * output that lives longer could keep two smaller ones); it is the simple
 * rule a compiler without lookahead follows, stated so users can judge. */
#include "progress.h"

#include <stdlib.h>

uint64_t pim_plan_spill_out(const pim_layer_plan *l, uint64_t k)
{
    if (!l->spilled)
        return 0;
    return pim_split(l->out_bytes, pim_plan_segment_start(l, k), pim_plan_segment_start(l, k + 1),
                     l->units);
}

uint64_t pim_plan_spill_in(const pim_layer_plan *l, uint64_t from, uint64_t to)
{
    return pim_split(l->spill_in_bytes, from, to, l->units);
}

uint64_t pim_plan_activation_bytes(const pim_plan *p)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < p->count; i++)
        total += (p->layers[i].spilled ? p->layers[i].out_bytes : 0) + p->layers[i].spill_in_bytes;
    return total;
}

int pim_plan_place_activations(pim_plan *p, uint64_t buffer_bytes)
{
    p->activation_buffer_bytes = buffer_bytes;
    if (!buffer_bytes || !p->count)
        return 1;
    uint32_t *last = malloc(p->count * sizeof *last);
    uint64_t *release = calloc(p->count + 1, sizeof *release); /* bytes freed at layer i */
    if (!last || !release) {
        free(last);
        free(release);
        return 0;
    }
    for (uint32_t i = 0; i < p->count; i++) {
        last[i] = i; /* an output nobody reads is held while it is written */
        for (uint32_t k = 0; k < p->layers[i].npreds; k++)
            if (last[p->layers[i].preds[k]] < i)
                last[p->layers[i].preds[k]] = i;
    }
    uint64_t live = 0;
    double moved = 0;
    for (uint32_t i = 0; i < p->count; i++) {
        pim_layer_plan *l = &p->layers[i];
        live -= release[i];
        l->spilled = l->out_bytes > buffer_bytes - live;
        if (!l->spilled) {
            live += l->out_bytes;
            release[last[i] + 1] += l->out_bytes;
        }
        for (uint32_t k = 0; k < l->npreds; k++)
            if (p->layers[l->preds[k]].spilled)
                l->spill_in_bytes += p->layers[l->preds[k]].out_bytes;
        moved += (double)(l->spilled ? l->out_bytes : 0) + (double)l->spill_in_bytes;
    }
    free(last);
    free(release);
    return moved <= (double)(1ull << 60) ? 1 : -1;
}
