/* Private to src/compile: where a unit's data lives on the network.
 *
 * A unit's copies sit on consecutive macros, so on consecutive logical
 * nodes. Its input reaches every node that holds one of its row blocks
 * (a node holding several column tiles of one row block needs it once);
 * the outputs of a column group leave from the node that holds its first
 * tile (the column's owner), where the partial sums of the group's other
 * row tiles are reduced. Copies share a unit's vectors equally: copy c of
 * r computes the image's vectors [c/r, (c+1)/r) (output positions), and
 * reads the matching part of its input, so data moves between copies
 * whose ranges overlap. */
#ifndef PIMSTREAM_COMPILE_SPREAD_H
#define PIMSTREAM_COMPILE_SPREAD_H

#include "pimstream/compile.h"

typedef struct {
    uint32_t node;
    double lo, hi;           /* the copy's range of the image's vectors */
    double share;            /* inputs: fraction of an input vector this node reads;
                              * outputs: fraction of an output vector that leaves from it */
    uint32_t row_lo, row_hi; /* inputs: the row block it is for (a node holding several
                              * has a share for each): nodes with the same read the
                              * same data */
} pim_share;

/* Bytes that move from producer share a to consumer share b when the
 * producer's outputs are `bytes` per image. */
double pim_share_bytes(const pim_share *a, const pim_share *b, double bytes);

typedef struct {
    pim_share *items;
    uint32_t count, cap;
} pim_share_list;

typedef struct {
    pim_xfer *items;
    uint32_t count, cap;
} pim_xfer_list;

/* What a unit's placement spreads: its input and output shares per node
 * and its partial sums per image (appended to the lists). A digital unit
 * (no tiles: activations, pooling, additions) works where its first
 * producer's outputs are (`like`, that producer's output shares, which
 * then reach it without crossing the network), or at `home` when its
 * producers are off chip. 0 when out of memory. */
typedef struct {
    const pim_unit *unit;
    uint32_t replicas, base_macro, home;
    uint32_t macros_per_node, psum_bytes;
    const pim_share *like;
    uint32_t nlike;
} pim_spread_in;

int pim_unit_spread(const pim_spread_in *s, pim_share_list *in, pim_share_list *out,
                    pim_xfer_list *psums);

#endif
