/* pimstream sim: the event engine for plans (load streams driven by a
 * dispatcher). The off-chip channel is channel.h's processor sharing;
 * steady.c jumps over whole periods of a steady state. */
#include "engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- channel ---------------------------------------------------------- */

/* Push a timer. While an event is handled its timer is still the heap's
 * top (on_timer pops it late), and the first push takes its place. */
static int timer_push(engine *e, double t, uint64_t key)
{
    if (e->top_spent) {
        e->top_spent = 0;
        pim_heap_replace_top(&e->timers, t, key);
        return 1;
    }
    return pim_heap_push(&e->timers, t, key);
}

static void chan_add(engine *e, uint32_t client, uint64_t bytes)
{
    if (!pim_chan_add(&e->chan, e->now, client, bytes))
        e->oom = 1;
}

/* Start a macro's write: over the channel, or from on chip at port speed. */
static void start_write(engine *e, uint32_t m)
{
    macro_state *ms = &e->macros[m];
    ms->write_start = e->now;
    if (!ms->onchip) {
        chan_add(e, m, ms->bytes);
        return;
    }
    double end = e->now + (double)ms->bytes / e->chan.port_speed;
    if (!timer_push(e, end, EV_KEY(EV_LOCAL_WRITE_DONE, m)))
        e->oom = 1;
}

static uint32_t stream_slot(engine *e)
{
    if (e->free_stream != NONE) {
        uint32_t s = e->free_stream;
        e->free_stream = e->streams[s].next_free;
        return s;
    }
    if (!pim_grow((void **)&e->streams, &e->streams_cap, e->nstreams, sizeof *e->streams)) {
        e->oom = 1;
        return NONE;
    }
    return e->nstreams++;
}

/* Move `bytes` for segment (or chunk) `piece` of layer l as streams; each
 * part is one more thing the segment, or the chunk's read, waits for. */
static void start_streams(engine *e, uint32_t l, uint64_t piece, uint64_t bytes, uint32_t kind)
{
    uint32_t parts = pim_chan_stream_parts(&e->chan, bytes);
    for (uint32_t i = 0; i < parts; i++) {
        uint32_t s = stream_slot(e);
        if (s == NONE)
            return;
        e->streams[s].layer = l;
        e->streams[s].piece = piece;
        e->streams[s].bytes = bytes / parts + (i < bytes % parts ? 1 : 0);
        e->streams[s].kind = kind;
        if (kind == ST_READ)
            e->layers[l].read_left[piece]++;
        else
            e->layers[l].left[piece]++;
        chan_add(e, e->plan->macros + s, e->streams[s].bytes);
    }
}

/* ---- layers ----------------------------------------------------------- */

/* The units of macro m's step ms->seg (a load of one step: its chunk),
 * and the segment they are (ms->unit_seg). */
static void set_step(engine *e, macro_state *ms)
{
    if (e->layers[ms->layer].interleaved) {
        const pim_layer_plan *lp = &e->plan->layers[ms->layer];
        ms->unit_seg = pim_plan_step_segment(lp, ms->chunk, ms->seg % e->layers[ms->layer].steps);
        ms->step_first = pim_plan_segment_start(lp, ms->unit_seg);
        ms->step_end = pim_plan_segment_start(lp, ms->unit_seg + 1);
        return;
    }
    ms->unit_seg = ms->seg;
    if (e->layers[ms->layer].steps == 1) {
        ms->step_first = ms->first;
        ms->step_end = ms->first + ms->vectors;
        return;
    }
    /* pim_plan_segment_start, with the chunk already known */
    uint64_t steps = e->layers[ms->layer].steps, j = ms->seg % steps;
    ms->step_first = ms->first + pim_mul_div(ms->vectors, j, steps);
    ms->step_end = ms->first + pim_mul_div(ms->vectors, j + 1, steps);
}

/* Macro m computes its next step (segment ms->seg) from `at`. */
static void start_compute(engine *e, uint32_t m, double at)
{
    macro_state *ms = &e->macros[m];
    ms->compute_start = at;
    double end = at + (double)(ms->step_end - ms->step_first) * e->plan->cycles_per_vector;
    if (!timer_push(e, end, EV_KEY(EV_COMPUTE_DONE, m)))
        e->oom = 1;
}

/* Have the producers of layer l made what its first `upto` units read?
 * Inputs only grow, so the largest answer yes is remembered: most loads of
 * a layer ask about a prefix already known ready. */
static int inputs_ready(engine *e, uint32_t l, uint64_t upto)
{
    const pim_layer_plan *lp = &e->plan->layers[l];
    if (upto <= e->layers[l].ready_upto)
        return 1;
    for (uint32_t k = 0; k < lp->npreds; k++)
        if (e->layers[lp->preds[k]].units_done < pim_plan_need(e->plan, lp->preds[k], l, upto))
            return 0;
    e->layers[l].ready_upto = upto;
    return 1;
}

/* One digital unit per chip: pieces take it in the order they become
 * ready; a piece's off-chip reads stream meanwhile, and it ends when both
 * do. */
static void start_piece(engine *e, uint32_t l, uint64_t k)
{
    const pim_layer_plan *lp = &e->plan->layers[l];
    layer_state *ls = &e->layers[l];
    double start = e->now > e->vector_unit_free ? e->now : e->vector_unit_free;
    ls->piece_start[k] = start;
    e->vector_unit_free = start + (double)pim_split(lp->digital_cycles, k, k + 1, lp->pieces);
    if (!timer_push(e, e->vector_unit_free, EV_KEY(EV_DIGITAL_DONE, l)))
        e->oom = 1;
    uint64_t bytes = pim_split(lp->stream_bytes, k, k + 1, lp->pieces);
    if (bytes)
        start_streams(e, l, k, bytes, ST_PIECE);
    bytes = pim_plan_spill_in(lp, pim_plan_segment_start(lp, k), pim_plan_segment_start(lp, k + 1));
    if (bytes)
        start_streams(e, l, k, bytes, ST_PIECE_SPILL);
}

/* The chunks whose read-back is complete, in order. */
static void advance_reads(layer_state *ls)
{
    while (ls->reads_done < ls->next_read && ls->read_left[ls->reads_done] == 0)
        ls->reads_done++;
}

/* A stationary chunk's spilled inputs are read back before its macros
 * compute it, one chunk ahead of the oldest unfinished one (double
 * buffering), once its producers have written them. */
static void start_reads(engine *e, uint32_t l)
{
    const pim_layer_plan *lp = &e->plan->layers[l];
    layer_state *ls = &e->layers[l];
    uint64_t steps = ls->steps;
    while (ls->next_read < lp->chunks && ls->next_read <= ls->done_segments / steps + 1 &&
           inputs_ready(e, l, pim_plan_segment_start(lp, (ls->next_read + 1) * steps))) {
        uint64_t c = ls->next_read++;
        uint64_t bytes = pim_plan_spill_in(lp, pim_plan_segment_start(lp, c * steps),
                                           pim_plan_segment_start(lp, (c + 1) * steps));
        if (bytes)
            start_streams(e, l, c, bytes, ST_READ);
    }
    advance_reads(ls);
}

/* May macro m compute its next step: do the producer units it reads
 * exist, and has its chunk's spilled input come back? */
static int step_ready(engine *e, uint32_t m)
{
    const macro_state *ms = &e->macros[m];
    return inputs_ready(e, ms->layer, ms->step_end) &&
           (!e->layers[ms->layer].read_left || ms->chunk < e->layers[ms->layer].reads_done);
}

/* Start what of layer l its inputs now allow: waiting macros in chunk
 * order, digital pieces in order. */
static void release(engine *e, uint32_t l)
{
    const pim_layer_plan *lp = &e->plan->layers[l];
    layer_state *ls = &e->layers[l];
    if (ls->read_left)
        start_reads(e, l);
    while (ls->waiting != NONE) {
        macro_state *ms = &e->macros[ls->waiting];
        if (!step_ready(e, ls->waiting))
            break;
        uint32_t m = ls->waiting;
        ls->waiting = ms->next_waiting;
        e->waiting_count--;
        start_compute(e, m, ms->compute_at > e->now ? ms->compute_at : e->now);
    }
    while (!lp->tiling.tiles && ls->next_piece < lp->pieces &&
           inputs_ready(e, l, pim_plan_segment_start(lp, ls->next_piece + 1)))
        start_piece(e, l, ls->next_piece++);
}

static void layer_finish(engine *e, uint32_t l)
{
    e->res->layer_done[l] = e->now;
    if (e->now > e->res->end)
        e->res->end = e->now;
}

/* Segment k of layer l lost one outstanding part. Once computed, a
 * spilled output's share is written off chip first; when the complete
 * prefix grows, its consumers may go on. */
static void segment_part_done(engine *e, uint32_t l, uint64_t k)
{
    layer_state *ls = &e->layers[l];
    const pim_layer_plan *lp = &e->plan->layers[l];
    if (--ls->left[k] != 0)
        return;
    if (ls->out_started && !ls->out_started[k]) {
        ls->out_started[k] = 1;
        uint64_t bytes = pim_plan_spill_out(lp, k);
        if (bytes)
            start_streams(e, l, k, bytes, ST_OUT);
        if (ls->left[k])
            return;
    }
    if (k != ls->done_segments)
        return;
    while (ls->done_segments < ls->segments && ls->left[ls->done_segments] == 0) {
        if (!lp->tiling.tiles && e->obs && e->obs->segment) {
            uint64_t s = ls->done_segments;
            e->obs->segment(e->obs->ud, l, pim_plan_segment_start(lp, s),
                            pim_plan_segment_start(lp, s + 1), ls->piece_start[s], e->now);
        }
        ls->done_segments++;
        e->outside++;
    }
    ls->units_done = ls->done_segments == ls->segments
                         ? lp->units
                         : pim_plan_segment_start(lp, ls->done_segments);
    if (ls->done_segments == ls->segments)
        layer_finish(e, l);
    if (ls->read_left)
        release(e, l); /* its own reads may run further ahead */
    for (uint32_t i = e->succ_first[l]; i < e->succ_first[l + 1]; i++)
        release(e, e->succ[i]);
}

/* A part of chunk c's read-back arrived. */
static void read_part_done(engine *e, uint32_t l, uint64_t c)
{
    layer_state *ls = &e->layers[l];
    if (--ls->read_left[c] != 0)
        return;
    advance_reads(ls);
    release(e, l);
}

/* Macro m waits for its step's inputs, after every waiting macro of an
 * earlier step. */
static void wait_inputs(engine *e, uint32_t m, double at)
{
    macro_state *ms = &e->macros[m];
    layer_state *ls = &e->layers[ms->layer];
    ms->compute_at = at;
    ms->next_waiting = NONE;
    e->waiting_count++;
    if (ls->waiting == NONE) {
        ls->waiting = ls->waiting_tail = m;
        return;
    }
    if (e->macros[ls->waiting_tail].unit_seg <= ms->unit_seg) {
        e->macros[ls->waiting_tail].next_waiting = m;
        ls->waiting_tail = m;
        return;
    }
    uint32_t *link = &ls->waiting;
    while (e->macros[*link].unit_seg <= ms->unit_seg)
        link = &e->macros[*link].next_waiting;
    ms->next_waiting = *link;
    *link = m;
}

/* ---- the port the dispatcher drives ----------------------------------- */

static int picker_ready(void *eng, uint32_t l, uint64_t upto)
{
    return inputs_ready(eng, l, upto);
}

static int port_write(void *eng, uint32_t m, double at)
{
    engine *e = eng;
    pim_load ld;
    if (!pim_picker_next(&e->picker, e->outside, picker_ready, e, &ld))
        return 0;
    macro_state *ms = &e->macros[m];
    ms->serial = e->issued++;
    e->live++;
    /* no check before every macro has had a load: the first fill never
     * repeats, and a short run then never pays for the snapshots */
    if (e->steady.on && e->issued > e->plan->macros &&
        (m == e->steady.ref || e->issued - e->steady.last_check > 2ull * e->plan->macros)) {
        e->steady.ref = m; /* check the state once this event is over */
        e->steady.due = 1;
    }
    ms->layer = ld.layer;
    ms->bytes = ld.bytes;
    ms->vectors = ld.vectors;
    ms->chunk = ld.chunk;
    ms->seg = ld.chunk * e->layers[ld.layer].steps;
    ms->first = ld.first;
    ms->onchip = ld.onchip;
    set_step(e, ms);
    if (at > e->now) {
        if (!timer_push(e, at, EV_KEY(EV_WRITE_START, m)))
            e->oom = 1;
        return 1;
    }
    start_write(e, m);
    return 1;
}

static uint32_t port_next_layer(void *eng)
{
    engine *e = eng;
    return pim_picker_peek(&e->picker, e->outside, picker_ready, e);
}

static void port_compute(void *eng, uint32_t m, double at)
{
    engine *e = eng;
    if (at < e->now)
        at = e->now;
    if (step_ready(e, m))
        start_compute(e, m, at);
    else
        wait_inputs(e, m, at);
}

/* ---- events ----------------------------------------------------------- */

/* A macro's write (and its overhead) is done: the schedule says when it
 * may compute. */
static void write_finished(engine *e, uint32_t m)
{
    macro_state *ms = &e->macros[m];
    e->res->bytes_written += ms->bytes;
    e->res->macro_busy += e->now - ms->write_start;
    ms->write_end = e->now;
    ms->holding = 1;
    if (e->obs && e->obs->interval)
        e->obs->interval(e->obs->ud, m, 1, ms->write_start, e->now, ms->bytes, ms->layer);
    pim_dispatch_written(&e->disp, &e->port, m, e->now, e->now + e->plan->overhead);
}

static void on_channel_done(engine *e)
{
    e->now = pim_chan_next(&e->chan);
    uint32_t client = (uint32_t)pim_chan_pop(&e->chan, e->now);
    if (client < e->plan->macros) {
        e->res->offchip_bytes += e->macros[client].bytes;
        write_finished(e, client);
        return;
    }
    stream_state *s = &e->streams[client - e->plan->macros];
    e->outside++;
    e->res->offchip_bytes += s->bytes;
    if (s->kind != ST_PIECE)
        e->res->activation_bytes += s->bytes;
    uint32_t layer = s->layer, kind = s->kind;
    uint64_t piece = s->piece;
    s->next_free = e->free_stream;
    e->free_stream = client - e->plan->macros;
    if (kind == ST_READ)
        read_part_done(e, layer, piece);
    else
        segment_part_done(e, layer, piece);
}

/* Macro m computed a step: its outputs count; it goes on to the next step
 * of its load when that one's inputs exist, or, the load done, to the
 * dispatcher. */
static void step_done(engine *e, uint32_t m)
{
    macro_state *ms = &e->macros[m];
    e->res->macro_busy += e->now - ms->compute_start;
    e->res->macro_compute += e->now - ms->compute_start;
    if (e->obs && e->obs->interval)
        e->obs->interval(e->obs->ud, m, 0, ms->compute_start, e->now, 0, ms->layer);
    if (e->obs && e->obs->segment)
        e->obs->segment(e->obs->ud, ms->layer, ms->step_first, ms->step_end, ms->compute_start,
                        e->now);
    uint64_t seg = ms->unit_seg;
    int last = ++ms->seg % e->layers[ms->layer].steps == 0;
    segment_part_done(e, ms->layer, seg);
    if (!last) {
        set_step(e, ms);
        if (step_ready(e, m))
            start_compute(e, m, e->now);
        else
            wait_inputs(e, m, e->now);
        return;
    }
    e->res->loads++;
    e->res->macro_loaded += e->now - ms->write_end;
    ms->holding = 0;
    e->live--;
    pim_picker_done(&e->picker, ms->layer); /* its layer's live loads, kept by the picker */
    pim_dispatch_idle(&e->disp, &e->port, m, e->now);
}

static void on_timer(engine *e)
{
    pim_event ev = e->timers.items[0]; /* popped after it is handled */
    e->top_spent = 1;
    e->now = ev.t;
    uint32_t id = (uint32_t)ev.key, kind = (uint32_t)(ev.key >> 32);
    if (kind == EV_WRITE_START) {
        start_write(e, id);
    } else if (kind == EV_LOCAL_WRITE_DONE) {
        write_finished(e, id);
    } else if (kind == EV_COMPUTE_DONE) {
        step_done(e, id);
    } else {
        e->outside++;
        segment_part_done(e, id, e->layers[id].vector_done++);
    }
    if (e->top_spent) { /* nothing took its place */
        e->top_spent = 0;
        pim_heap_pop(&e->timers);
    }
}

/* Whether the run ends after the deadline whatever comes next: the
 * weights not yet through the channel (less a tile per write under way)
 * cross at B, and the macro time not yet spent (counted at its least,
 * less what each live load's current write or step may have done) runs
 * on N macros. By more than float noise: a run that ends within it of
 * the deadline runs to its end, and its caller compares the two. */
static int past_deadline(const engine *e)
{
    double bytes = e->weight_bytes - (double)e->res->offchip_bytes - e->chan.active * e->tile_max;
    double work = e->macro_work - e->res->macro_busy - (double)e->live * e->activity_max;
    double least = pim_dmax(bytes / e->chan.bandwidth, work / (double)e->plan->macros);
    return e->now + pim_dmax(least, 0) > e->deadline * (1 + 1e-9);
}

static void run(engine *e)
{
    while (!e->oom) {
        if (e->deadline > 0 && past_deadline(e)) {
            e->res->aborted = 1;
            return;
        }
        double tc = pim_chan_next(&e->chan);
        if (e->timers.count && e->timers.items[0].t <= tc)
            on_timer(e);
        else if (e->chan.active)
            on_channel_done(e);
        else
            break;
        e->res->events++;
        if (e->steady.due) {
            e->steady.due = 0;
            steady_check(e);
        }
    }
}

/* ---- setup ------------------------------------------------------------ */

static int build_graph(engine *e)
{
    const pim_plan *p = e->plan;
    e->succ_first = calloc(p->count + 1, sizeof *e->succ_first);
    uint32_t edges = 0;
    for (uint32_t i = 0; i < p->count; i++)
        edges += p->layers[i].npreds;
    e->succ = pim_xcalloc(edges, sizeof *e->succ);
    if (!e->succ_first || !e->succ)
        return 0;
    for (uint32_t i = 0; i < p->count; i++)
        for (uint32_t k = 0; k < p->layers[i].npreds; k++)
            e->succ_first[p->layers[i].preds[k] + 1]++;
    for (uint32_t i = 0; i < p->count; i++)
        e->succ_first[i + 1] += e->succ_first[i];
    uint32_t *fill = calloc(p->count + 1, sizeof *fill);
    if (!fill)
        return 0;
    for (uint32_t i = 0; i < p->count; i++)
        for (uint32_t k = 0; k < p->layers[i].npreds; k++) {
            uint32_t src = p->layers[i].preds[k];
            e->succ[e->succ_first[src] + fill[src]++] = i;
        }
    free(fill);
    uint64_t segments = 0, pieces = 0, spilled = 0, reads = 0;
    for (uint32_t i = 0; i < p->count; i++) {
        const pim_layer_plan *lp = &p->layers[i];
        segments += pim_plan_segments(lp);
        pieces += lp->tiling.tiles ? 0 : pim_plan_segments(lp);
        spilled += lp->spilled ? pim_plan_segments(lp) : 0;
        reads += lp->tiling.tiles && lp->spill_in_bytes ? lp->chunks : 0;
    }
    e->left_pool = pim_xcalloc(segments, sizeof *e->left_pool);
    e->start_pool = pim_xcalloc(pieces, sizeof *e->start_pool);
    e->out_pool = pim_xcalloc(spilled, sizeof *e->out_pool);
    e->read_pool = pim_xcalloc(reads, sizeof *e->read_pool);
    if (!e->left_pool || !e->start_pool || !e->out_pool || !e->read_pool)
        return 0;
    uint32_t *left = e->left_pool, *read = e->read_pool;
    uint8_t *out = e->out_pool;
    double *start = e->start_pool;
    for (uint32_t i = 0; i < p->count; i++) {
        const pim_layer_plan *lp = &p->layers[i];
        layer_state *ls = &e->layers[i];
        ls->segments = pim_plan_segments(lp);
        ls->steps = pim_plan_steps(lp);
        ls->interleaved = pim_plan_interleaved(lp);
        ls->left = left;
        left += ls->segments;
        for (uint64_t k = 0; k < ls->segments; k++) /* a piece: its vector job, + streams */
            ls->left[k] = lp->tiling.tiles ? (uint32_t)lp->tiling.tiles : 1;
        if (!lp->tiling.tiles) {
            ls->piece_start = start;
            start += ls->segments;
        }
        if (lp->spilled) {
            ls->out_started = out;
            out += ls->segments;
        }
        if (lp->tiling.tiles && lp->spill_in_bytes) {
            ls->read_left = read;
            read += lp->chunks;
        }
        ls->waiting = NONE;
    }
    return 1;
}

static void engine_free(engine *e)
{
    steady_free(e);
    pim_picker_free(&e->picker);
    pim_dispatch_free(&e->disp);
    pim_heap_free(&e->timers);
    pim_heap_free(&e->chan.heap);
    free(e->macros);
    free(e->layers);
    free(e->left_pool);
    free(e->start_pool);
    free(e->out_pool);
    free(e->read_pool);
    free(e->streams);
    free(e->succ);
    free(e->succ_first);
}

pim_status pim_simulate(const pim_plan *plan, const pim_sim_observer *obs, pim_sim_result *out,
                        pim_error *err)
{
    return pim_simulate_opts(plan, NULL, obs, out, err);
}

/* The deadline's constants (a watched run goes to its end). Macro time is
 * counted at its least: a write at pim_plan_write_rate, a step at t a
 * vector. macro_busy adds each finished write and step at its actual
 * length, at least that; one under way has done at most one whole write
 * or step of that least time, however slowly the shared channel moves it. */
static void deadline_init(engine *e, double deadline)
{
    const pim_plan *p = e->plan;
    double t = p->cycles_per_vector;
    e->deadline = deadline;
    for (uint32_t i = 0; i < p->count; i++) {
        const pim_layer_plan *l = &p->layers[i];
        if (!l->tiling.tiles)
            continue;
        double bytes = (double)pim_tiling_bytes(&l->tiling) * (double)l->chunks,
               tile = (double)pim_tile_bytes(&l->tiling, 0); /* tile 0 is the largest */
        if (!l->onchip_writes) {
            e->weight_bytes += bytes;
            e->tile_max = pim_dmax(e->tile_max, tile);
        }
        double rate = pim_plan_write_rate(p, l->onchip_writes);
        e->macro_work += bytes / rate + (double)l->tiling.tiles * (double)l->vectors * t;
        /* chunk 0 is the largest (balanced chunks), and so is its first step */
        double step = (double)pim_ceil_div(pim_plan_chunk_vectors(l, 0), pim_plan_steps(l));
        e->activity_max = pim_dmax(e->activity_max, pim_dmax(step * t, tile / rate));
    }
}

/* Observers see every event, so a run they watch goes step by step. */
static int watched(const pim_sim_observer *obs)
{
    return obs && (obs->interval || obs->channel || obs->transfer || obs->segment);
}

pim_status pim_simulate_opts(const pim_plan *plan, const pim_sim_opts *opts,
                             const pim_sim_observer *obs, pim_sim_result *out, pim_error *err)
{
    memset(out, 0, sizeof *out);
    engine e = {.plan = plan, .obs = obs, .res = out, .free_stream = NONE};
    e.chan.bandwidth = (double)plan->bandwidth;
    e.chan.port_speed = (double)plan->write_bytes_per_cycle;
    e.chan.busy = &out->channel_busy;
    e.chan.obs = obs;
    out->layers = plan->count;
    out->layer_done = calloc(plan->count ? plan->count : 1, sizeof *out->layer_done);
    e.macros = calloc(plan->macros, sizeof *e.macros);
    e.layers = calloc(plan->count ? plan->count : 1, sizeof *e.layers);
    int ok = out->layer_done && e.macros && e.layers &&
             pim_heap_init(&e.timers, plan->macros + 16) &&
             pim_heap_init(&e.chan.heap, plan->macros + 16) && build_graph(&e);
    if (!ok) {
        engine_free(&e);
        pim_sim_result_free(out);
        return pim_fail(err, PIM_EINTERNAL, "simulation: out of memory");
    }
    steady_init(&e, !(opts && opts->step_by_step) && !watched(obs)); /* sets oom if it must */
    if (opts && opts->deadline > 0 && !watched(obs))
        deadline_init(&e, opts->deadline);
    e.port = (pim_sched_port){
        .engine = &e, .write = port_write, .next_layer = port_next_layer, .compute = port_compute};
    if (!pim_picker_init(&e.picker, plan,
                         plan->strategy == PIM_SCHED_GPP ? plan->order : PIM_ORDER_LAYER))
        e.oom = 1;
    if (!pim_dispatch_init(&e.disp, plan))
        e.oom = 1;
    for (uint32_t i = 0; i < plan->count; i++)
        release(&e, i);
    if (!e.oom)
        pim_dispatch_start(&e.disp, &e.port);
    run(&e);
    int unfinished = 0;
    for (uint32_t i = 0; i < plan->count && !out->aborted; i++)
        unfinished += e.layers[i].done_segments != e.layers[i].segments;
    int oom = e.oom;
    engine_free(&e);
    if (oom || unfinished) {
        pim_sim_result_free(out);
        if (oom)
            return pim_fail(err, PIM_EINTERNAL, "simulation: out of memory");
        return pim_fail(err, PIM_EINTERNAL, "simulation stalled with %d layers unfinished",
                        unfinished);
    }
    if (out->aborted) {
        out->end = INFINITY; /* at or after the deadline */
        out->cycles = UINT64_MAX;
        return PIM_OK;
    }
    out->cycles = pim_sim_whole_cycles(out->end);
    return PIM_OK;
}

void pim_sim_result_free(pim_sim_result *r)
{
    free(r->layer_done);
    free(r->partition_done);
    free(r->image_done);
    free(r->layer_image_done);
    free(r->noc.link_bytes);
    free(r->noc.layer_comm);
    free(r->noc.layer_compute);
    r->layer_done = NULL;
    r->partition_done = NULL;
    r->image_done = NULL;
    r->layer_image_done = NULL;
    memset(&r->noc, 0, sizeof r->noc);
}

/* Times are sums of exact rates in doubles: their noise grows with their
 * size (a relative 1e-16 per operation, over up to ~1e6 of them), so the
 * forgiveness does too, never below 1e-6 of a cycle. */
uint64_t pim_sim_whole_cycles(double t)
{
    double noise = t > 1e6 ? t * 1e-12 : 1e-6;
    return t > noise ? (uint64_t)ceil(t - noise) : 0;
}

uint64_t pim_cycles_between(double from, double to)
{
    return to > from ? pim_sim_whole_cycles(to) - pim_sim_whole_cycles(from) : 0;
}
