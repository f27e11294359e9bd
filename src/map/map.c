/* pimstream map: tiling of weight matrices onto macros. */
#include "pimstream/map.h"

#include <string.h>

static void map_with(const pim_layer *l, const pim_macro *m, uint64_t weight_columns,
                     pim_tiling *out);

void pim_map_layer(const pim_layer *l, const pim_macro *m, pim_tiling *out)
{
    map_with(l, m, pim_macro_weight_columns(m), out);
}

void pim_map_layer_arch(const pim_layer *l, const pim_arch *a, pim_tiling *out)
{
    map_with(l, &a->macro, pim_arch_weight_columns(a), out);
}

static void map_with(const pim_layer *l, const pim_macro *m, uint64_t weight_columns,
                     pim_tiling *out)
{
    memset(out, 0, sizeof *out);
    if (!pim_layer_is_stationary(l))
        return;
    pim_matrix mx;
    pim_layer_matrix(l, &mx);
    out->rows = mx.rows;
    out->cols = mx.cols;
    out->groups = mx.groups;
    out->cell_bits = m->cell_bits;
    out->slices = pim_macro_slices(m);
    out->tile_rows = m->rows;
    out->tile_cols = weight_columns;
    if (mx.groups > 1 && mx.rows <= out->tile_rows && mx.cols <= out->tile_cols) {
        uint64_t by_rows = out->tile_rows / mx.rows, by_cols = out->tile_cols / mx.cols;
        out->groups_per_tile = by_rows < by_cols ? by_rows : by_cols;
    } else {
        out->groups_per_tile = 1;
    }
    out->group_blocks = pim_ceil_div(mx.groups, out->groups_per_tile);
    out->row_tiles = pim_ceil_div(mx.rows, out->tile_rows);
    out->col_tiles = pim_ceil_div(mx.cols, out->tile_cols);
    out->tiles = out->group_blocks * out->row_tiles * out->col_tiles;
}

void pim_tile_extent(const pim_tiling *t, uint64_t tile, pim_tile_extent_t *out)
{
    uint64_t per_block = t->row_tiles * t->col_tiles;
    uint64_t block = tile / per_block, rest = tile % per_block;
    uint64_t rt = rest / t->col_tiles, ct = rest % t->col_tiles;
    uint64_t g = t->groups_per_tile;
    if (block == t->group_blocks - 1 && t->groups % g)
        g = t->groups % g; /* the last block holds the leftover groups */
    uint64_t r = t->rows - rt * t->tile_rows, c = t->cols - ct * t->tile_cols;
    out->groups = g;
    out->rows = r < t->tile_rows ? r : t->tile_rows;
    out->cols = c < t->tile_cols ? c : t->tile_cols;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Tiles go block by block, row by row, column by column; only the last
 * column, row and block may be partial. The run ends at the first tile
 * whose column, row or block class differs from this one's. */
uint64_t pim_tile_run(const pim_tiling *t, uint64_t tile)
{
    uint64_t per_block = t->row_tiles * t->col_tiles;
    uint64_t block = tile / per_block, rest = tile % per_block;
    uint64_t rt = rest / t->col_tiles, ct = rest % t->col_tiles;
    uint64_t end = t->tiles;
    if (t->cols % t->tile_cols && t->col_tiles > 1) /* a partial last column */
        end = min_u64(end, ct + 1 < t->col_tiles ? tile + (t->col_tiles - 1 - ct) : tile + 1);
    if (t->rows % t->tile_rows && t->row_tiles > 1) /* a partial last row */
        end = min_u64(end, rt + 1 < t->row_tiles
                               ? block * per_block + (t->row_tiles - 1) * t->col_tiles
                               : (block + 1) * per_block);
    if (t->groups % t->groups_per_tile && t->group_blocks > 1 && block + 1 < t->group_blocks)
        end = min_u64(end, (t->group_blocks - 1) * per_block); /* the partial last block */
    return end - tile;
}

/* Weights x their bits, rounded up to whole bytes per tile. */
static uint64_t bytes_for(const pim_tiling *t, uint64_t weights)
{
    return pim_ceil_div(weights * t->slices * t->cell_bits, 8);
}

uint64_t pim_extent_bytes(const pim_tiling *t, const pim_tile_extent_t *e)
{
    return bytes_for(t, e->groups * e->rows * e->cols);
}

uint64_t pim_tile_bytes(const pim_tiling *t, uint64_t tile)
{
    pim_tile_extent_t e;
    pim_tile_extent(t, tile, &e);
    return pim_extent_bytes(t, &e);
}

/* A dimension of length n cut into pieces of p: how many full pieces, and
 * the length of the partial one (0 when none). */
typedef struct {
    uint64_t count[2], len[2];
} cut;

static cut cut_of(uint64_t n, uint64_t p)
{
    cut c = {{n / p, n % p ? 1 : 0}, {p, n % p}};
    return c;
}

void pim_tiling_classes(const pim_tiling *t,
                        void (*fn)(void *ctx, const pim_tile_extent_t *e, uint64_t count),
                        void *ctx)
{
    if (!t->tiles)
        return;
    cut r = cut_of(t->rows, t->tile_rows), c = cut_of(t->cols, t->tile_cols);
    cut g = cut_of(t->groups, t->groups_per_tile);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++)
            for (int k = 0; k < 2; k++) {
                uint64_t count = r.count[i] * c.count[j] * g.count[k];
                pim_tile_extent_t e = {g.len[k], r.len[i], c.len[j]};
                if (count)
                    fn(ctx, &e, count);
            }
}

typedef struct {
    const pim_tiling *tiling;
    uint64_t sum;
} byte_sum;

static void add_bytes(void *ctx, const pim_tile_extent_t *e, uint64_t count)
{
    byte_sum *b = ctx;
    b->sum += count * bytes_for(b->tiling, e->groups * e->rows * e->cols);
}

uint64_t pim_tiling_bytes(const pim_tiling *t)
{
    byte_sum b = {t, 0};
    pim_tiling_classes(t, add_bytes, &b);
    return b.sum;
}

uint64_t pim_tiling_buffer_bytes_per_vector(const pim_tiling *t, uint32_t input_bits,
                                            uint32_t psum_bytes)
{
    /* Every tile reads its rows of the input and writes its columns of
     * partial sums; summed over tiles that is rows x col_tiles inputs and
     * cols x row_tiles partial sums per group. */
    uint64_t in_bytes = pim_ceil_div(t->groups * t->rows * t->col_tiles * input_bits, 8);
    return in_bytes + t->groups * t->cols * t->row_tiles * psum_bytes;
}
