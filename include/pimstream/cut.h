/* pimstream cut: a layer too wide for the chip, cut into column parts.
 *
 * A stationary layer of T tiles on N < T macros cannot hold all its tiles
 * at once: its tiles are rewritten for every chunk of input vectors (one
 * load's worth, the result buffer's depth), so with more vectors than that
 * its weights cross the channel once per chunk. Cut along its outputs
 * (columns of the weight matrix, on tile boundaries) into parts of at most
 * N tiles each, every part is a layer that fits: each of its tiles is
 * written once and takes every vector. The same MACs and weights; each
 * part reads the whole input (spilled inputs come back once per part), and
 * the consumers read every part. Whether the cut model runs faster is the
 * schedule search's call (src/run). */
#ifndef PIMSTREAM_CUT_H
#define PIMSTREAM_CUT_H

#include "pimstream/map.h"

typedef struct {
    pim_model model;     /* the cut model, in the original's topological order */
    uint32_t *origin;    /* its layer i is part of the original's layer origin[i] */
    uint32_t layers_cut; /* original layers cut (0: the model is a copy) */
} pim_cut;

/* How many parts layer l is cut into on `macros` macros at this batch: 1
 * when it fits, when its vectors are one load's worth or fewer (its tiles
 * are written once anyway), or when it cannot be cut (groups, heads, a
 * transposed conv, or one column of its tiles is already more than the
 * macros). */
uint32_t pim_cut_parts(const pim_layer *l, const pim_arch *a, uint32_t macros, uint64_t batch);
/* m with every layer pim_cut_parts cuts cut into the fewest
 * parts of at most `macros` tiles (named "<layer>#<part>"), their column
 * tiles as even as whole tiles allow; each consumer reads all the parts. */
pim_status pim_cut_model(const pim_model *m, const pim_arch *a, uint32_t macros, uint64_t batch,
                         pim_cut *out, pim_error *err);
void pim_cut_free(pim_cut *s);

#endif
