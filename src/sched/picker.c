/* pimstream sched: which load a free macro takes next (see sched.h). */
#include "pimstream/sched.h"

#include <stdlib.h>

const char *pim_load_order_name(pim_load_order o)
{
    return o == PIM_ORDER_DATAFLOW ? "dataflow"
           : o == PIM_ORDER_READY  ? "ready"
           : o == PIM_ORDER_EAGER  ? "eager"
           : o == PIM_ORDER_ROWS   ? "rows"
                                   : "layer";
}

int pim_picker_init(pim_load_picker *k, const pim_plan *p, pim_load_order order)
{
    *k = (pim_load_picker){.plan = p, .order = order};
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->count; i++)
        n += p->layers[i].tiling.tiles ? 1 : 0;
    k->cursors = pim_xcalloc(n, sizeof *k->cursors);
    k->cursor_of = pim_xcalloc(p->count, sizeof *k->cursor_of);
    k->live = pim_xcalloc(n, sizeof *k->live);
    k->credit = pim_xcalloc(n, sizeof *k->credit);
    if (!k->cursors || !k->cursor_of || !k->live || !k->credit) {
        pim_picker_free(k);
        return 0;
    }
    for (uint32_t i = 0; i < p->count; i++)
        if (p->layers[i].tiling.tiles) {
            k->cursor_of[i] = k->count;
            pim_cursor_init_layer(&k->cursors[k->count++], p, i);
        }
    return 1;
}

void pim_picker_free(pim_load_picker *k)
{
    free(k->cursors);
    free(k->cursor_of);
    free(k->live);
    free(k->credit);
    k->cursors = NULL;
    k->cursor_of = NULL;
    k->live = NULL;
    k->credit = NULL;
}

/* Units whose inputs the next load of cursor c reads (up to its last
 * step's). A load taken out of order must be able to run to its end:
 * were it to wait halfway for inputs, macros holding such loads could
 * starve the layers that make those inputs. */
static uint64_t chunk_end(const pim_load_cursor *c)
{
    const pim_layer_plan *l = &c->plan->layers[c->layer];
    if (pim_plan_interleaved(l))
        return pim_plan_step_end(l, c->chunk, pim_plan_steps(l) - 1);
    return c->first + c->chunk_vectors; /* settled by pim_cursor_alike */
}

/* Units of stationary layer q whose every load has been given out: the
 * prefix before the first step of the next chunk. */
static uint64_t given_out(const pim_load_picker *k, uint32_t q)
{
    const pim_load_cursor *c = &k->cursors[k->cursor_of[q]];
    const pim_layer_plan *l = &k->plan->layers[q];
    if (c->layer != q || c->chunk >= l->chunks)
        return l->units; /* the cursor is past its layer */
    return pim_plan_segment_start(l, pim_plan_step_segment(l, c->chunk, 0));
}

/* Whether cursor i's layer holds as many macros as it may. */
static int at_cap(const pim_load_picker *k, uint32_t i)
{
    uint32_t cap = k->plan->layers[k->cursors[i].layer].macros_max;
    return cap && k->live[i] >= cap;
}

/* Whether cursor i's loads were taken past a capped layer that has loads
 * left to give (fallback()): they may wait on those, so they cover
 * nothing yet. Once every capped layer they were taken past has given out
 * all of its loads, they wait only on loads given out, as any other. */
static int on_credit(const pim_load_picker *k, uint32_t i)
{
    if (!k->credit[i])
        return 0;
    for (uint32_t j = k->credit[i] - 1; j < i; j++)
        if (k->plan->layers[k->cursors[j].layer].macros_max && pim_cursor_alike(&k->cursors[j]))
            return 1;
    return 0;
}

/* Digital layers looked through for what they read; past that depth a
 * load is not taken early (DenseNet's concatenations read every earlier
 * one: looking through all of them would cost more than it finds). */
#define COVER_DEPTH 4

/* Whether layer l's first `upto` units read only units that loads already
 * given out make, directly or through digital layers. Those loads hold
 * macros and wait, in turn, only on loads given out before them (by
 * induction from the first load), so a load taken on this ends. */
static int covered(const pim_load_picker *k, uint32_t l, uint64_t upto, int depth)
{
    const pim_plan *p = k->plan;
    const pim_layer_plan *lp = &p->layers[l];
    for (uint32_t i = 0; i < lp->npreds; i++) {
        uint32_t q = lp->preds[i];
        uint64_t need = pim_plan_need(p, q, l, upto);
        if (!need)
            continue;
        if (p->layers[q].tiling.tiles) {
            if (need > given_out(k, q) || on_credit(k, k->cursor_of[q]))
                return 0;
        } else if (depth >= COVER_DEPTH) {
            return 0;
        } else {
            /* a digital layer's units exist a whole piece at a time, and
             * the piece reads its producers up to its own end */
            const pim_layer_plan *ql = &p->layers[q];
            uint64_t whole = pim_plan_segment_start(ql, pim_plan_segment_of(ql, need - 1) + 1);
            if (!covered(k, q, whole, depth + 1))
                return 0;
        }
    }
    return 1;
}

static int cursor_ready(const pim_load_picker *k, uint32_t i, pim_ready_fn ready, void *ctx)
{
    pim_load_cursor *c = &k->cursors[i];
    if (!pim_cursor_alike(c) || at_cap(k, i))
        return 0;
    if (k->order != PIM_ORDER_EAGER)
        return ready(ctx, c->layer, chunk_end(c));
    const pim_layer_plan *l = &k->plan->layers[c->layer];
    uint64_t first_step = pim_plan_step_end(l, c->chunk, 0);
    return ready(ctx, c->layer, first_step) &&
           (ready(ctx, c->layer, chunk_end(c)) || covered(k, c->layer, chunk_end(c), 0));
}

/* The cursor the order picks among [first, end) when one is ready, else
 * `count` (none). Dataflow and eager order look past the first only: they
 * fall back on the first anyway. */
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

/* With nothing ready, the next load in layer order: the first layer's,
 * or past layers at their cap (the first's if all are). Loads taken past
 * a capped layer C may wait on C's loads not yet given out, but they are
 * only taken while C holds its cap, so they hold at most N - cap macros
 * and C gets its macros back as its own loads end: it cannot be starved,
 * as long as they are not taken to cover other loads while C has loads
 * left (on_credit()). Without that mark, eager order stalled on 14 of
 * the 2,000 random capped plans tests/test_sim.c runs: the macros C's ended
 * loads freed went to consumers counted as covered by loads taken past C,
 * all waiting on C's next chunk, which then got no macro. */
static uint32_t fallback(const pim_load_picker *k, uint32_t end, uint32_t *passed)
{
    for (uint32_t i = k->first; i < end; i++) {
        if (!pim_cursor_alike(&k->cursors[i]))
            continue;
        if (!at_cap(k, i))
            return i;
        if (*passed == k->count)
            *passed = i;
    }
    *passed = k->count;
    return k->first;
}

/* The cursor the next load comes from, or `count` when none is left;
 * *passed: the first capped cursor it was taken past, else `count`. */
static uint32_t choose(pim_load_picker *k, uint64_t era, pim_ready_fn ready, void *ctx,
                       uint32_t *passed)
{
    *passed = k->count;
    while (k->first < k->count && !pim_cursor_alike(&k->cursors[k->first])) {
        k->first++;
        k->idle_era = 0; /* the window moved */
    }
    if (k->first == k->count)
        return k->count;
    uint32_t end =
        k->count - k->first > PIM_PICK_WINDOW ? k->first + PIM_PICK_WINDOW + 1 : k->count;
    uint32_t pick = k->count;
    if (k->order != PIM_ORDER_LAYER && k->order != PIM_ORDER_ROWS && k->idle_era != era + 1) {
        pick = ready_pick(k, end, ready, ctx);
        k->idle_era = pick == k->count ? era + 1 : 0;
    }
    return pick == k->count ? fallback(k, end, passed) : pick;
}

/* Only caches change (the window's start, a look that found nothing), so
 * a pim_picker_next in the same state takes a load of this layer. */
uint32_t pim_picker_peek(pim_load_picker *k, uint64_t era, pim_ready_fn ready, void *ctx)
{
    uint32_t passed, pick = choose(k, era, ready, ctx, &passed);
    return pick == k->count ? PIM_NO_LAYER : k->cursors[pick].layer;
}

int pim_picker_next(pim_load_picker *k, uint64_t era, pim_ready_fn ready, void *ctx, pim_load *out)
{
    uint32_t passed, pick = choose(k, era, ready, ctx, &passed);
    if (pick == k->count)
        return 0;
    k->picked = pick;
    if (passed < pick && (!k->credit[pick] || k->credit[pick] > passed + 1))
        k->credit[pick] = passed + 1;
    pim_load_cursor *c = &k->cursors[pick];
    uint64_t chunk = c->chunk;
    int given = pim_cursor_next(c, out);
    k->live[pick] += given ? 1 : 0;
    if (k->order == PIM_ORDER_EAGER && c->chunk != chunk)
        k->idle_era = 0; /* a chunk wholly given out may cover a consumer */
    return given;
}

void pim_picker_done(pim_load_picker *k, uint32_t layer)
{
    k->live[k->cursor_of[layer]]--;
}
