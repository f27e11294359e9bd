/* pimstream sched: which load a free macro takes next (see sched.h). */
#include "pimstream/sched.h"

#include <stdlib.h>

const char *pim_load_order_name(pim_load_order o)
{
    return o == PIM_ORDER_DATAFLOW ? "dataflow" : o == PIM_ORDER_READY ? "ready" : "layer";
}

int pim_picker_init(pim_load_picker *k, const pim_plan *p, pim_load_order order)
{
    *k = (pim_load_picker){.plan = p, .order = order};
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->count; i++)
        n += p->layers[i].tiling.tiles ? 1 : 0;
    k->cursors = pim_xcalloc(n, sizeof *k->cursors);
    if (!k->cursors)
        return 0;
    for (uint32_t i = 0; i < p->count; i++)
        if (p->layers[i].tiling.tiles)
            pim_cursor_init_layer(&k->cursors[k->count++], p, i);
    return 1;
}

void pim_picker_free(pim_load_picker *k)
{
    free(k->cursors);
    k->cursors = NULL;
}

/* Units whose inputs the next load of cursor c reads. A load taken out of
 * order must be able to run to its end: were it to wait halfway for
 * inputs, macros holding such loads could starve the layers that make
 * those inputs. */
static uint64_t chunk_end(const pim_load_cursor *c)
{
    return c->first + c->chunk_vectors; /* settled by pim_cursor_alike */
}

static int cursor_ready(const pim_load_picker *k, uint32_t i, pim_ready_fn ready, void *ctx)
{
    pim_load_cursor *c = &k->cursors[i];
    return pim_cursor_alike(c) && ready(ctx, c->layer, chunk_end(c));
}

/* The cursor the order picks among [first, end) when one is ready, else
 * `count` (none). Dataflow order looks past the first only: it falls back
 * on the first anyway. */
static uint32_t ready_pick(const pim_load_picker *k, uint32_t end, pim_ready_fn ready, void *ctx)
{
    if (k->order == PIM_ORDER_READY) {
        for (uint32_t i = k->first; i < end; i++)
            if (cursor_ready(k, i, ready, ctx))
                return i;
        return k->count;
    }
    for (uint32_t i = end; i-- > k->first + 1;)
        if (cursor_ready(k, i, ready, ctx))
            return i;
    return k->count;
}

int pim_picker_next(pim_load_picker *k, uint64_t era, pim_ready_fn ready, void *ctx, pim_load *out)
{
    while (k->first < k->count && !pim_cursor_alike(&k->cursors[k->first])) {
        k->first++;
        k->idle_era = 0; /* the window moved */
    }
    if (k->first == k->count)
        return 0;
    uint32_t pick = k->first;
    if (k->order != PIM_ORDER_LAYER && k->idle_era != era + 1) {
        uint32_t end =
            k->count - k->first > PIM_PICK_WINDOW ? k->first + PIM_PICK_WINDOW + 1 : k->count;
        uint32_t found = ready_pick(k, end, ready, ctx);
        k->idle_era = found == k->count ? era + 1 : 0;
        pick = found == k->count ? k->first : found;
    }
    k->picked = pick;
    return pim_cursor_next(&k->cursors[pick], out);
}
