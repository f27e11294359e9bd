/* pimstream compile: where a unit's inputs, outputs and partial sums are. */
#include "spread.h"

#include <stdlib.h>

double pim_share_bytes(const pim_share *a, const pim_share *b, double bytes)
{
    double lo = a->lo > b->lo ? a->lo : b->lo, hi = a->hi < b->hi ? a->hi : b->hi;
    return hi > lo ? bytes * (hi - lo) * a->share * b->share : 0;
}

/* Nodes come in non-decreasing order (tiles in macro order), so a node's
 * share of the same copy (and, for inputs, the same row block) merges into
 * the list's last item. */
static int add_share(pim_share_list *l, uint32_t first, pim_share s)
{
    /* only the unit's own shares (from `first` on): the list holds its
     * partition's units one after another */
    pim_share *last = l->count > first ? &l->items[l->count - 1] : NULL;
    if (last && last->node == s.node && last->lo == s.lo && last->hi == s.hi &&
        last->row_lo == s.row_lo) {
        last->share += s.share;
        return 1;
    }
    if (!pim_grow((void **)&l->items, &l->cap, l->count, sizeof *l->items))
        return 0;
    l->items[l->count++] = s;
    return 1;
}

/* Partial sums merge per (from, to) among the unit's own, which are few. */
static int add_psum(pim_xfer_list *l, uint32_t first, uint32_t from, uint32_t to, double bytes)
{
    for (uint32_t k = first; k < l->count; k++)
        if (l->items[k].from == from && l->items[k].to == to) {
            l->items[k].bytes += bytes;
            return 1;
        }
    if (!pim_grow((void **)&l->items, &l->cap, l->count, sizeof *l->items))
        return 0;
    l->items[l->count++] = (pim_xfer){from, to, bytes, 0};
    return 1;
}

/* One copy of the unit, its first tile at macro `base`, computing `vectors`
 * vectors per image, the range [lo, hi) of them. owner: scratch, one per
 * column tile; first: where the unit's own inputs, outputs and partial
 * sums start in the lists. */
static int spread_copy(const pim_spread_in *s, uint32_t base, double vectors, double lo, double hi,
                       uint32_t *owner, pim_share_list *in, pim_share_list *out,
                       pim_xfer_list *psums, const uint32_t *first)
{
    const pim_unit *v = s->unit;
    const pim_tiling *t = &v->tiling;
    uint64_t per_block = t->row_tiles * t->col_tiles, last_block = UINT64_MAX;
    uint64_t last_row = UINT64_MAX;
    uint32_t last_in_node = UINT32_MAX;
    double rows = (double)t->groups * (double)t->rows, cols = (double)t->groups * (double)t->cols;
    for (uint64_t k = 0; k < v->tiles; k++) {
        uint64_t tile = v->tile_first + k;
        uint64_t block = tile / per_block, rest = tile % per_block;
        uint64_t row = block * t->row_tiles + rest / t->col_tiles, ct = rest % t->col_tiles;
        uint32_t node = (uint32_t)((base + k) / s->macros_per_node);
        pim_tile_extent_t e;
        pim_tile_extent(t, tile, &e);
        if (block != last_block) {
            for (uint64_t c = 0; c < t->col_tiles; c++)
                owner[c] = UINT32_MAX;
            last_block = block;
        }
        if (row != last_row || node != last_in_node) {
            pim_share sh = {node,          lo,           hi, (double)(e.groups * e.rows) / rows,
                            (uint32_t)row, (uint32_t)row};
            if (!add_share(in, first[0], sh))
                return 0;
            last_row = row;
            last_in_node = node;
        }
        if (owner[ct] == UINT32_MAX) {
            owner[ct] = node;
            pim_share sh = {node, lo, hi, (double)(e.groups * e.cols) / cols, 0, 0};
            if (!add_share(out, first[1], sh))
                return 0;
        } else if (owner[ct] != node) {
            double bytes = vectors * (double)(e.groups * e.cols) * s->psum_bytes;
            if (!add_psum(psums, first[2], node, owner[ct], bytes))
                return 0;
        }
    }
    return 1;
}

int pim_unit_spread(const pim_spread_in *s, pim_share_list *in, pim_share_list *out,
                    pim_xfer_list *psums)
{
    const pim_unit *v = s->unit;
    pim_share whole = {s->home, 0, 1, 1, 0, 0};
    const uint32_t first[3] = {in->count, out->count, psums->count}; /* the unit's own */
    if (!v->tiles && !s->nlike)
        return add_share(in, first[0], whole) && add_share(out, first[1], whole);
    for (uint32_t k = 0; !v->tiles && k < s->nlike; k++)
        if (!add_share(in, first[0], s->like[k]) || !add_share(out, first[1], s->like[k]))
            return 0;
    if (!v->tiles)
        return 1;
    uint32_t *owner = malloc(v->tiling.col_tiles * sizeof *owner);
    if (!owner)
        return 0;
    int ok = 1;
    for (uint32_t c = 0; c < s->replicas && ok; c++) {
        /* copy c computes its share of the image's vectors */
        uint64_t lo = v->vectors * c / s->replicas, hi = v->vectors * (c + 1) / s->replicas;
        uint32_t out_first = out->count;
        ok = spread_copy(s, s->base_macro + c * (uint32_t)v->tiles, (double)(hi - lo),
                         (double)c / s->replicas, (double)(c + 1) / s->replicas, owner, in, out,
                         psums, first);
        /* the outputs that leave from each owner, as a fraction of the copy's
         * (a slice holds some of the layer's columns: all of its own) */
        double total = 0;
        for (uint32_t k = out_first; ok && k < out->count; k++)
            total += out->items[k].share;
        for (uint32_t k = out_first; ok && total > 0 && k < out->count; k++)
            out->items[k].share /= total;
    }
    free(owner);
    return ok;
}
