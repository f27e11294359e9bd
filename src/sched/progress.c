/* pimstream sched: how far each layer has to be for its consumers.
 *
 * Layers pipeline at the granularity of their units (pim_layer_plan): a
 * consumer's unit waits only for the producer units it reads, as in ISAAC's
 * inter-layer pipeline (Shafiee et al., ISCA 2016, sec. 4): a convolution's
 * output row r reads input rows up to r x stride + (kernel - 1) x dilation -
 * pad; a matrix's vector v reads vector v; a vector op's row reads the same
 * row. Attention (a dynamic matmul) reads its whole sample. */
#include "progress.h"

/* Digital layers run as at most this many vector-unit jobs: enough that a
 * consumer starts early, few enough to cost nothing to simulate. */
#define MAX_PIECES 64

static uint64_t or1(uint64_t v)
{
    return v ? v : 1;
}

/* ceil(a x b / c), without overflow (pim_mul_div is the floor). */
static uint64_t mul_div_up(uint64_t a, uint64_t b, uint64_t c)
{
    unsigned __int128 x = (unsigned __int128)a * b;
    return (uint64_t)(x / c + (x % c ? 1 : 0));
}

static void conv_rows(const pim_layer *src, pim_layer_plan *l)
{
    if (src->kind != PIM_OP_CONV || src->transposed)
        return;      /* a transposed conv's vectors are its input pixels: same place */
    if (src->in_d) { /* 3-D: the depth axis is the outer one */
        l->rows_in = src->in_d;
        l->cols_out = src->out_h * src->out_w;
        l->row_stride = (uint32_t)or1(src->stride_d);
        l->row_reach = (src->kd ? src->kd - 1 : 0) * (uint32_t)or1(src->dil_d);
        l->row_pad = src->pad_d;
    } else {
        l->rows_in = src->in_h;
        l->cols_out = src->out_w;
        l->row_stride = (uint32_t)or1(src->stride_h);
        l->row_reach = (src->kh ? src->kh - 1 : 0) * (uint32_t)or1(src->dil_h);
        l->row_pad = src->pad_h;
    }
    if (!l->rows_in || !l->cols_out || (l->units / l->images) % l->cols_out) {
        l->rows_in = 0;
        return;
    }
    /* Its loads report their outputs an output row at a time when a row
     * fits the result buffer (the pipeline's granularity): consumers read
     * whole rows, so a step of several rows held them back for the rest
     * of the step (MobileNet-V2 at B = 32: 254,528 -> 228,639 cycles,
     * DenseNet-121 at 128 423,642 -> 385,126). */
    if (l->cols_out < l->step_max)
        l->step_max = l->cols_out;
}

void pim_plan_progress(pim_plan *p, uint32_t i, const pim_layer *src, uint64_t batch)
{
    pim_layer_plan *l = &p->layers[i];
    if (l->tiling.tiles && l->dynamic) { /* attention in macros: whole inputs */
        l->units = or1(l->vectors);
        l->images = 0;
    } else if (l->tiling.tiles) {
        l->units = or1(l->vectors);
        l->images = batch * (src->kind == PIM_OP_CONV ? or1(src->images) : 1);
        if (l->units % l->images)
            l->images = 0;
        else
            conv_rows(src, l);
    } else if (l->dynamic || !l->npreds) {
        l->units = l->images = batch;
    } else { /* a vector op goes row by row with its first producer */
        l->units = p->layers[l->preds[0]].units;
        l->images = p->layers[l->preds[0]].images;
    }
    l->pieces = l->tiling.tiles ? 0 : (l->units < MAX_PIECES ? l->units : MAX_PIECES);
}

uint64_t pim_plan_need(const pim_plan *p, uint32_t pred, uint32_t layer, uint64_t upto)
{
    const pim_layer_plan *from = &p->layers[pred], *to = &p->layers[layer];
    if (upto == 0)
        return 0;
    if (!to->images || !from->images || to->images != from->images)
        return from->units;
    uint64_t per_to = to->units / to->images, per_from = from->units / from->images;
    uint64_t image = (upto - 1) / per_to, place = (upto - 1) % per_to;
    uint64_t within;
    if (to->rows_in && per_from % to->rows_in == 0) {
        uint64_t reach = place / to->cols_out * to->row_stride + to->row_reach;
        uint64_t rows = reach < to->row_pad ? 0 : reach - to->row_pad + 1;
        within = (rows < to->rows_in ? rows : to->rows_in) * (per_from / to->rows_in);
    } else {
        within = mul_div_up(place + 1, per_from, per_to);
    }
    return image * per_from + within;
}

uint64_t pim_plan_steps(const pim_layer_plan *l)
{
    if (!l->tiling.tiles || !l->step_max)
        return 1;
    return or1(pim_ceil_div(pim_ceil_div(l->vectors, l->chunks), l->step_max));
}

uint64_t pim_plan_segments(const pim_layer_plan *l)
{
    return l->tiling.tiles ? l->chunks * pim_plan_steps(l) : l->pieces;
}

int pim_plan_interleaved(const pim_layer_plan *l)
{
    return l->interleaved && l->tiling.tiles && l->chunks > 1 && !l->spill_in_bytes &&
           pim_plan_steps(l) > 1;
}

uint64_t pim_plan_step_segment(const pim_layer_plan *l, uint64_t chunk, uint64_t j)
{
    return pim_plan_interleaved(l) ? j * l->chunks + chunk : chunk * pim_plan_steps(l) + j;
}

/* Interleaved: row j holds step j of every chunk, in chunk order; the
 * first vectors % chunks chunks are one vector longer, and their step j
 * as long as in chunk order, so each load computes what it would. */
static uint64_t interleaved_start(const pim_layer_plan *l, uint64_t k)
{
    uint64_t steps = pim_plan_steps(l), j = k / l->chunks, c = k % l->chunks;
    uint64_t base = l->vectors / l->chunks, extra = l->vectors % l->chunks;
    uint64_t longer = c < extra ? c : extra;
    uint64_t rows =
        extra * pim_mul_div(base + 1, j, steps) + (l->chunks - extra) * pim_mul_div(base, j, steps);
    uint64_t long_step = pim_mul_div(base + 1, j + 1, steps) - pim_mul_div(base + 1, j, steps);
    uint64_t short_step = pim_mul_div(base, j + 1, steps) - pim_mul_div(base, j, steps);
    return rows + longer * long_step + (c - longer) * short_step;
}

/* Chunks are balanced (the first vectors % chunks of them one vector
 * longer), and so are the steps inside a chunk. */
uint64_t pim_plan_segment_start(const pim_layer_plan *l, uint64_t k)
{
    if (!l->tiling.tiles)
        return pim_mul_div(k, l->units, l->pieces);
    if (pim_plan_interleaved(l))
        return interleaved_start(l, k);
    uint64_t steps = pim_plan_steps(l), c = k / steps, j = k % steps;
    uint64_t base = l->vectors / l->chunks, extra = l->vectors % l->chunks;
    uint64_t first = c * base + (c < extra ? c : extra);
    return first + pim_mul_div(base + (c < extra ? 1 : 0), j, steps);
}

uint64_t pim_plan_step_end(const pim_layer_plan *l, uint64_t chunk, uint64_t j)
{
    return pim_plan_segment_start(l, pim_plan_step_segment(l, chunk, j) + 1);
}

void pim_plan_set_order(pim_plan *p, pim_load_order order)
{
    p->order = order;
    for (uint32_t i = 0; i < p->count; i++)
        p->layers[i].interleaved = order == PIM_ORDER_ROWS;
}

uint64_t pim_plan_segment_of(const pim_layer_plan *l, uint64_t u)
{
    uint64_t lo = 0, hi = pim_plan_segments(l) - 1;
    while (lo < hi) { /* the last segment starting at or before u */
        uint64_t mid = lo + (hi - lo + 1) / 2;
        if (pim_plan_segment_start(l, mid) <= u)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}
