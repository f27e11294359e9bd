/* pimstream map: a stationary layer's weight matrix cut into macro tiles.
 *
 * A tile is the part of the matrix one macro holds. Rows (reduction) and
 * columns (outputs) are tiled; a weight wider than a cell takes several
 * columns (bit slicing); groups too small to fill a macro are packed along
 * its diagonal (several depthwise filters in one macro). */
#ifndef PIMSTREAM_MAP_H
#define PIMSTREAM_MAP_H

#include "pimstream/arch.h"
#include "pimstream/workload.h"

typedef struct {
    uint64_t rows, cols, groups;   /* the lowered matrix, per group */
    uint64_t tile_rows, tile_cols; /* macro capacity, in weights */
    uint64_t groups_per_tile;      /* diagonal packing; 1 when a group spans tiles */
    uint64_t group_blocks;         /* ceil(groups / groups_per_tile) */
    uint64_t row_tiles, col_tiles; /* tiles per group block */
    uint64_t tiles;
    uint32_t cell_bits, slices; /* bits a cell stores, cells per weight */
} pim_tiling;

/* Tile the layer for this macro; returns 0 tiles for non-stationary layers. */
void pim_map_layer(const pim_layer *l, const pim_macro *m, pim_tiling *out);
/* The same on an architecture: analog encodings take columns of their own. */
void pim_map_layer_arch(const pim_layer *l, const pim_arch *a, pim_tiling *out);

/* What tile `tile` holds: `groups` diagonal blocks of rows x cols weights
 * each (edge tiles are partial). It reads groups*rows inputs and drives
 * groups*cols outputs per vector. */
typedef struct {
    uint64_t groups, rows, cols;
} pim_tile_extent_t;

void pim_tile_extent(const pim_tiling *t, uint64_t tile, pim_tile_extent_t *out);
/* Bytes written into a macro to load tile `tile`, or a tile of extent e. */
uint64_t pim_tile_bytes(const pim_tiling *t, uint64_t tile);
uint64_t pim_extent_bytes(const pim_tiling *t, const pim_tile_extent_t *e);
/* Visit each class of tile (full or partial rows, columns and group
 * block) once, with how many tiles are of that class: at most eight calls,
 * however many tiles there are. */
void pim_tiling_classes(const pim_tiling *t,
                        void (*fn)(void *ctx, const pim_tile_extent_t *e, uint64_t count),
                        void *ctx);
/* How many tiles from `tile` on (it included) have its extent, in a row:
 * full tiles run until a partial column, row or group block begins. */
uint64_t pim_tile_run(const pim_tiling *t, uint64_t tile);
/* Sum of pim_tile_bytes over all tiles. */
uint64_t pim_tiling_bytes(const pim_tiling *t);
/* Activation bytes one input vector moves through all tiles: inputs read
 * plus partial sums written. */
uint64_t pim_tiling_buffer_bytes_per_vector(const pim_tiling *t, uint32_t input_bits,
                                            uint32_t psum_bytes);

#endif
