/* pimstream sim: jumping over the periods of a steady state.
 *
 * Inside a big layer most loads are alike (one chunk, one tile extent), and
 * after a few of them the engine's state repeats up to a shift in time: the
 * same macros write and compute the same things at the same offsets from
 * now (and hold their tiles since the same offsets: the time a load holds
 * its tile is counted when it ends), and the channel's clients have the
 * same bytes left. From then on
 * every period is a copy of the last, so the engine can add whole periods
 * at once: time, the channel's virtual clock, every pending event and
 * every counter move by M times what one period moved them, and the load
 * cursor passes M periods' loads.
 *
 * When is that exact? The state (relative to now) at the snapshot S0 and
 * at the check S1 are equal, and what happens in a period depends only on
 * the state at its start and the loads handed out in it. So the next M
 * periods copy the last one if (1) they hand out loads alike to the
 * period's (the run of alike loads from the snapshot covers them), (2) no
 * event from outside the macros fires in the period nor in them (a
 * digital piece, a stream: the jump ends a period before the first
 * pending one), (3) no segment completes in the period nor in them (all
 * live loads and the M periods' loads are of one chunk that still has
 * loads left after the jump), and (4) the loads live after the jump are
 * alike too (every live load at S1 was handed out after S0, so the
 * matching ones after the jump were handed out inside the run). Waiting
 * macros and digital streams on the channel end a steady state (they tie
 * the macros to other layers), and any difference in the state, however
 * small beyond float noise, means no jump.
 *
 * A check runs when one watched macro takes a load; the states at the last
 * four checks are kept, so periods of up to four of its loads are found. A
 * state whose live loads are not yet all of the next load's chunk (the
 * first loads of a chunk) is not kept: nothing before it can repeat after
 * it, and the next check waits for the macro holding the oldest load. In
 * dataflow or ready order (sched's picker) a period's loads must all come
 * from one layer's cursor. */
#include "engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { M_IDLE = 0, M_CHANNEL = 1, M_TIMER = 2 }; /* M_TIMER + an event kind */

struct steady_macro {
    uint32_t layer, mode;
    uint64_t bytes, vectors, chunk, seg, serial;
    double due;   /* its pending event, from now (the channel's: virtual bytes left) */
    double since; /* when its write or compute began, from now */
    double held;  /* when its load's write ended, from now (0: none held) */
};

void steady_init(engine *e, int on)
{
    pim_steady *s = &e->steady;
    memset(s, 0, sizeof *s);
    s->on = on;
}

/* The snapshots, at the first check: a short simulation never checks, and
 * with thousands of macros they would cost it more than its events (a
 * sweep of small runs spent most of its time clearing them). */
static int steady_alloc(engine *e)
{
    pim_steady *s = &e->steady;
    uint32_t n = e->plan->macros ? e->plan->macros : 1;
    for (int i = 0; i <= STEADY_SNAPS; i++) {
        s->snaps[i].macros = calloc(n, sizeof *s->snaps[i].macros);
        s->snaps[i].queue = calloc(n, sizeof *s->snaps[i].queue);
        if (!s->snaps[i].macros || !s->snaps[i].queue) {
            e->oom = 1;
            return 0;
        }
    }
    return 1;
}

void steady_free(engine *e)
{
    for (int i = 0; i <= STEADY_SNAPS; i++) {
        free(e->steady.snaps[i].macros);
        free(e->steady.snaps[i].queue);
        e->steady.snaps[i].macros = NULL;
        e->steady.snaps[i].queue = NULL;
    }
}

/* The channel's virtual clock as of now (it only advances at its events). */
static double chan_vnow(const pim_channel *c, double now)
{
    return c->active ? c->vtime + (now - c->vlast) * pim_chan_rate(c) : c->vtime;
}

static double chan_busy_now(const engine *e)
{
    return e->res->channel_busy + (e->chan.active ? e->now - e->chan.vlast : 0);
}

/* Each macro's pending event, relative to now; 0 when the state cannot be
 * steady (a digital stream on the channel). */
static int capture_macros(const engine *e, steady_snap *s)
{
    uint32_t n = e->plan->macros;
    s->outside_at = INFINITY;
    for (uint32_t m = 0; m < n; m++) {
        const macro_state *ms = &e->macros[m];
        s->macros[m] = (steady_macro){.layer = ms->layer,
                                      .mode = M_IDLE,
                                      .bytes = ms->bytes,
                                      .vectors = ms->vectors,
                                      .chunk = ms->chunk,
                                      .seg = ms->seg,
                                      .serial = ms->serial,
                                      .held = ms->holding ? ms->write_end - e->now : 0};
    }
    for (uint32_t i = 0; i < e->timers.count; i++) {
        const pim_event *ev = &e->timers.items[i];
        uint32_t id = (uint32_t)ev->key, kind = (uint32_t)(ev->key >> 32);
        if (kind == EV_DIGITAL_DONE) {
            s->outside_at = ev->t < s->outside_at ? ev->t : s->outside_at;
            continue;
        }
        steady_macro *sm = &s->macros[id];
        sm->mode = M_TIMER + kind;
        sm->due = ev->t - e->now;
        sm->since = kind == EV_COMPUTE_DONE       ? e->macros[id].compute_start - e->now
                    : kind == EV_LOCAL_WRITE_DONE ? e->macros[id].write_start - e->now
                                                  : 0;
    }
    for (uint32_t i = 0; i < e->chan.heap.count; i++) {
        const pim_event *ev = &e->chan.heap.items[i];
        if (ev->key >= n)
            return 0;
        s->macros[ev->key].mode = M_CHANNEL;
        s->macros[ev->key].due = ev->t - s->vnow;
        s->macros[ev->key].since = e->macros[ev->key].write_start - e->now;
    }
    return 1;
}

/* The whole state now into s; 0 when it cannot be steady (a macro waits
 * for its inputs, or a stream is on the channel). */
static int capture(engine *e, steady_snap *s)
{
    const pim_dispatcher *d = &e->disp;
    const pim_sim_result *r = e->res;
    if (e->waiting_count)
        return 0;
    s->now = e->now;
    s->vnow = chan_vnow(&e->chan, e->now);
    s->vlast_rel = e->chan.vlast - e->now;
    s->chan_active = e->chan.active;
    s->channel_busy = chan_busy_now(e);
    s->macro_busy = r->macro_busy;
    s->macro_compute = r->macro_compute;
    s->macro_loaded = r->macro_loaded;
    s->issued = e->issued;
    s->outside = e->outside;
    s->events = r->events;
    s->loads = r->loads;
    s->bytes_written = r->bytes_written;
    s->offchip_bytes = r->offchip_bytes;
    pim_load_cursor *c = &e->picker.cursors[e->picker.picked];
    s->picked = e->picker.picked;
    s->alike = pim_cursor_alike(c);
    s->layer = c->layer;
    s->chunk = c->chunk;
    s->tile = c->tile;
    s->writing = d->writing;
    s->computing = d->computing;
    s->written_count = d->written_count;
    s->phase = d->phase;
    s->ready_max_rel = d->strategy == PIM_SCHED_GPP ? 0 : d->ready_max - e->now;
    s->queue_count = d->queue_count;
    for (uint32_t i = 0; i < d->queue_count; i++)
        s->queue[i] = d->queue[(d->queue_head + i) % d->macros];
    return s->alike && capture_macros(e, s);
}

/* Is macro m idle in the generalized ping-pong queue (its last load is
 * spent, so what it held does not matter)? */
static int queued(const engine *e, const steady_snap *s, uint32_t m)
{
    return e->disp.strategy == PIM_SCHED_GPP && s->macros[m].mode == M_IDLE;
}

/* Do all live loads match the next one to be given out? Until they do
 * (the first loads of a chunk), the state cannot repeat. Else the
 * macro with the oldest live load: once it has a new one, they will. */
static int clean(const engine *e, const steady_snap *s, uint32_t *oldest)
{
    pim_load_cursor c = e->picker.cursors[e->picker.picked];
    pim_load next;
    uint64_t serial = UINT64_MAX;
    int ok = pim_cursor_next(&c, &next);
    for (uint32_t m = 0; m < e->plan->macros; m++) {
        const steady_macro *a = &s->macros[m];
        if (queued(e, s, m))
            continue;
        if (a->serial < serial) {
            serial = a->serial;
            *oldest = m;
        }
        if (a->layer != next.layer || a->chunk != next.chunk || a->bytes != next.bytes ||
            a->vectors != next.vectors)
            ok = 0;
    }
    return ok;
}

/* Equal up to float noise: times are sums of exact rates, but taken
 * relative to a `now` of up to ~1e10 cycles they keep ~1e-6 of it. */
static int near(double a, double b, double scale)
{
    return fabs(a - b) <= 1e-13 * (scale + 1);
}

static int same_macro(const steady_macro *a, const steady_macro *b, double scale)
{
    return a->mode == b->mode && a->layer == b->layer && a->bytes == b->bytes &&
           a->vectors == b->vectors && a->chunk == b->chunk && a->seg == b->seg &&
           near(a->due, b->due, scale) && near(a->since, b->since, scale) &&
           near(a->held, b->held, scale);
}

/* Is `now` the state `then` was, one or more periods later? Its live loads
 * must all have been given out since `then` (condition 4). */
static int repeats(const engine *e, const steady_snap *then, const steady_snap *now)
{
    double scale = now->now;
    if (now->issued == then->issued || now->now <= then->now || now->outside != then->outside ||
        now->picked != then->picked || now->tile - then->tile != now->issued - then->issued ||
        now->loads - then->loads != now->issued - then->issued || now->layer != then->layer ||
        now->chunk != then->chunk || now->chan_active != then->chan_active ||
        !near(now->vlast_rel, then->vlast_rel, scale) || now->writing != then->writing ||
        now->computing != then->computing || now->written_count != then->written_count ||
        (now->phase - then->phase) % 2 || !near(now->ready_max_rel, then->ready_max_rel, scale) ||
        now->queue_count != then->queue_count)
        return 0;
    if (memcmp(now->queue, then->queue, now->queue_count * sizeof *now->queue) != 0)
        return 0;
    for (uint32_t m = 0; m < e->plan->macros; m++)
        if (!same_macro(&now->macros[m], &then->macros[m], scale) ||
            (!queued(e, now, m) && now->macros[m].serial < then->issued))
            return 0;
    return 1;
}

/* The outstanding parts of step j's segment of the chunk a steady state
 * is in: every load of the chunk counts once in each of its steps'
 * segments (in chunk order one run of them, interleaved one per row). */
static uint32_t *chunk_segment(const engine *e, const steady_snap *now, uint64_t j)
{
    const pim_layer_plan *lp = &e->plan->layers[now->layer];
    return &e->layers[now->layer].left[pim_plan_step_segment(lp, now->chunk, j)];
}

/* How many periods may be added: the run of alike loads from `then` must
 * cover them (condition 1), no outside event may fall inside them (2),
 * and the chunk must keep loads after them (3). */
static uint64_t periods_allowed(const engine *e, const steady_snap *then, const steady_snap *now)
{
    uint64_t per_loads = now->issued - then->issued;
    if (then->alike != per_loads + now->alike)
        return 0;
    uint64_t periods = now->alike / per_loads;
    if (now->outside_at < INFINITY) {
        double room = floor((now->outside_at - now->now) / (now->now - then->now)) - 1;
        if (room < (double)periods)
            periods = room > 0 ? (uint64_t)room : 0;
    }
    uint64_t left = UINT64_MAX;
    for (uint64_t j = 0; j < e->layers[now->layer].steps; j++) {
        uint32_t parts = *chunk_segment(e, now, j);
        left = parts < left ? parts : left;
    }
    while (periods && periods * per_loads >= left)
        periods--;
    return periods;
}

/* Move every pending event of the macros, their start times and the
 * channel's clock on by `periods` periods of dt cycles and dv bytes. */
static void shift_state(engine *e, double periods, double dt, double dv)
{
    for (uint32_t i = 0; i < e->timers.count; i++)
        if ((uint32_t)(e->timers.items[i].key >> 32) != EV_DIGITAL_DONE)
            e->timers.items[i].t += periods * dt;
    pim_heap_rebuild(&e->timers);
    for (uint32_t i = 0; i < e->chan.heap.count; i++)
        e->chan.heap.items[i].t += periods * dv;
    pim_heap_rebuild(&e->chan.heap);
    e->chan.vtime += periods * dv;
    e->chan.vlast += periods * dt;
    for (uint32_t m = 0; m < e->plan->macros; m++) {
        e->macros[m].write_start += periods * dt;
        e->macros[m].write_end += periods * dt;
        e->macros[m].compute_start += periods * dt;
        e->macros[m].compute_at += periods * dt;
    }
    if (e->disp.strategy != PIM_SCHED_GPP)
        e->disp.ready_max += periods * dt;
    e->now += periods * dt;
}

/* Add `periods` copies of the period from `then` to `now`. */
static void jump(engine *e, const steady_snap *then, const steady_snap *now, uint64_t periods)
{
    pim_sim_result *r = e->res;
    double p = (double)periods;
    uint64_t per_loads = now->issued - then->issued, events = now->events - then->events;
    r->events += periods * events;
    r->jumped_events += periods * events;
    r->jumps++;
    r->loads += periods * (now->loads - then->loads);
    r->bytes_written += periods * (now->bytes_written - then->bytes_written);
    r->offchip_bytes += periods * (now->offchip_bytes - then->offchip_bytes);
    r->channel_busy += p * (now->channel_busy - then->channel_busy);
    r->macro_busy += p * (now->macro_busy - then->macro_busy);
    r->macro_compute += p * (now->macro_compute - then->macro_compute);
    r->macro_loaded += p * (now->macro_loaded - then->macro_loaded);
    e->disp.phase += (uint32_t)(periods * (now->phase - then->phase));
    for (uint64_t j = 0; j < e->layers[now->layer].steps; j++)
        *chunk_segment(e, now, j) -= (uint32_t)(periods * per_loads);
    pim_cursor_skip(&e->picker.cursors[now->picked], periods * per_loads);
    e->issued += periods * per_loads;
    shift_state(e, p, now->now - then->now, now->vnow - then->vnow);
}

/* Keep this check's state (in `slot`, after the newest) as the newest
 * snapshot; the ring has one slot more than it keeps, so the next check
 * writes over the oldest. */
static void keep(pim_steady *s, uint32_t slot)
{
    s->newest = slot;
    s->count = s->count < STEADY_SNAPS ? s->count + 1 : STEADY_SNAPS;
}

void steady_check(engine *e)
{
    pim_steady *s = &e->steady;
    s->last_check = e->issued;
    /* No next load (capture() would fail), or loads of another layer than
     * the next one's still live (clean() would): scanning every macro to
     * find that out cost dataflow-order runs (whose layers interleave, so
     * the oldest load turns over every few loads) a third of their time.
     * The next check waits for this macro's next load. */
    pim_load_cursor *next = &e->picker.cursors[e->picker.picked];
    if (!pim_cursor_alike(next) || e->picker.live[e->picker.picked] != e->live) {
        s->count = 0;
        return;
    }
    if (!s->snaps[0].macros && !steady_alloc(e))
        return;
    uint32_t slot = (s->newest + 1) % (STEADY_SNAPS + 1);
    steady_snap *now = &s->snaps[slot];
    uint32_t oldest = s->ref;
    if (!capture(e, now) || !clean(e, now, &oldest)) {
        s->count = 0; /* nothing before a transition can repeat after it */
        s->ref = oldest;
        return;
    }
    for (uint32_t k = 0; k < s->count; k++) { /* newest first: shortest period */
        const steady_snap *then =
            &s->snaps[(s->newest + STEADY_SNAPS + 1 - k) % (STEADY_SNAPS + 1)];
        if (!repeats(e, then, now))
            continue;
        uint64_t periods = periods_allowed(e, then, now);
        if (periods) {
            jump(e, then, now, periods);
            s->count = 0;
            return;
        }
    }
    keep(s, slot);
}
