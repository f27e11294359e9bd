/* pimstream cut: cut layers wider than the chip into column parts. */
#include "pimstream/cut.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Only a plain matrix cuts along its columns: one group (a grouped conv's
 * groups already pack into tiles of their own), no batched heads, and not
 * transposed (its columns are output channels times kernel positions). */
static int cuttable(const pim_layer *l)
{
    if (l->kind == PIM_OP_CONV)
        return l->groups <= 1 && !l->transposed;
    return l->kind == PIM_OP_GEMM && l->heads <= 1;
}

uint32_t pim_cut_parts(const pim_layer *l, const pim_arch *a, uint32_t macros, uint64_t batch)
{
    if (!cuttable(l) || !macros)
        return 1;
    pim_matrix mx;
    pim_layer_matrix(l, &mx);
    if (mx.vectors <= a->macro.result_vectors_max / (batch ? batch : 1))
        return 1; /* one chunk: each tile is written once, cut or not */
    pim_tiling t;
    pim_map_layer_arch(l, a, &t);
    if (t.tiles <= macros)
        return 1;
    uint64_t column_height = t.group_blocks * t.row_tiles;
    uint64_t columns_per_part = macros / column_height;
    if (!columns_per_part) /* one column of tiles is already too tall */
        return 1;
    uint64_t parts = pim_ceil_div(t.col_tiles, columns_per_part);
    return parts > UINT32_MAX ? 1 : (uint32_t)parts;
}

/* The weight columns of part q of `parts`: whole column tiles, spread as
 * evenly as they go (the first C mod parts one tile wider), the last part
 * ending at the matrix's last column. */
static uint64_t part_columns(const pim_tiling *t, uint32_t q, uint32_t parts)
{
    uint64_t base = t->col_tiles / parts, wide = t->col_tiles % parts;
    uint64_t before = q * base + (q < wide ? q : wide);
    uint64_t tiles = base + (q < wide);
    uint64_t first = before * t->tile_cols, end = (before + tiles) * t->tile_cols;
    return (end < t->cols ? end : t->cols) - first;
}

/* "<name>#<q>" in a layer name's room, the name cut on a UTF-8 boundary. */
static void part_name(const char *name, uint32_t q, char *out, size_t cap)
{
    char suffix[16];
    int n = snprintf(suffix, sizeof suffix, "#%u", q);
    size_t keep = strlen(name), room = cap - 1 - (size_t)n;
    if (keep > room) {
        keep = room;
        while (keep > 0 && ((unsigned char)name[keep] & 0xC0) == 0x80)
            keep--;
    }
    snprintf(out, cap, "%.*s%s", (int)keep, name, suffix);
}

/* Layer i's producers in the cut model: every part of each. */
static pim_status cut_preds(const pim_model *m, const pim_layer *l, const uint32_t *first,
                            const uint32_t *parts, uint32_t **buf, uint32_t *cap, uint32_t *n,
                            pim_error *err)
{
    const uint32_t *preds = pim_layer_preds(m, l);
    *n = 0;
    for (uint32_t k = 0; k < l->npreds; k++)
        for (uint32_t q = 0; q < parts[preds[k]]; q++) {
            if (!pim_grow((void **)buf, cap, *n, sizeof **buf))
                return pim_fail(err, PIM_EINTERNAL, "out of memory");
            (*buf)[(*n)++] = first[preds[k]] + q;
        }
    return PIM_OK;
}

static pim_status add_parts(const pim_model *m, uint32_t i, const pim_arch *a, uint32_t parts,
                            const uint32_t *preds, uint32_t npreds, pim_cut *out, pim_error *err)
{
    const pim_layer *l = &m->layers[i];
    pim_tiling t;
    pim_map_layer_arch(l, a, &t);
    for (uint32_t q = 0; q < parts; q++) {
        pim_layer part = *l;
        if (parts > 1) {
            uint64_t cols = part_columns(&t, q, parts);
            if (l->kind == PIM_OP_CONV)
                part.out_c = (uint32_t)cols;
            else
                part.n = cols;
            part_name(l->name, q, part.name, sizeof part.name);
        }
        out->origin[out->model.count] = i;
        pim_status st = pim_model_add(&out->model, &part, preds, npreds, err);
        if (st)
            return st;
    }
    return PIM_OK;
}

static pim_status cut_all(const pim_model *m, const pim_arch *a, const uint32_t *parts,
                          uint32_t *first, pim_cut *out, pim_error *err)
{
    uint32_t *preds = NULL, cap = 0, npreds = 0;
    pim_status st = PIM_OK;
    for (uint32_t i = 0; i < m->count && !st; i++) {
        first[i] = out->model.count;
        st = cut_preds(m, &m->layers[i], first, parts, &preds, &cap, &npreds, err);
        if (!st)
            st = add_parts(m, i, a, parts[i], preds, npreds, out, err);
    }
    free(preds);
    return st;
}

pim_status pim_cut_model(const pim_model *m, const pim_arch *a, uint32_t macros, uint64_t batch,
                         pim_cut *out, pim_error *err)
{
    memset(out, 0, sizeof *out);
    pim_model_init(&out->model, m->name);
    memcpy(out->model.notes, m->notes, sizeof m->notes);
    memcpy(out->model.warnings, m->warnings, sizeof m->warnings);
    out->model.default_batch = m->default_batch;
    uint32_t *parts = pim_xcalloc(m->count + 1, sizeof *parts);
    uint32_t *first = pim_xcalloc(m->count + 1, sizeof *first);
    uint64_t total = 0;
    for (uint32_t i = 0; parts && i < m->count; i++) {
        parts[i] = pim_cut_parts(&m->layers[i], a, macros, batch);
        total += parts[i];
        out->layers_cut += parts[i] > 1;
    }
    pim_status st = PIM_OK;
    if (!parts || !first || total > UINT32_MAX ||
        !(out->origin = pim_xcalloc(total + 1, sizeof *out->origin)))
        st = pim_fail(err, PIM_EINTERNAL, "out of memory");
    else
        st = cut_all(m, a, parts, first, out, err);
    free(parts);
    free(first);
    if (st)
        pim_cut_free(out);
    return st;
}

void pim_cut_free(pim_cut *s)
{
    pim_model_free(&s->model);
    free(s->origin);
    s->origin = NULL;
    s->layers_cut = 0;
}
