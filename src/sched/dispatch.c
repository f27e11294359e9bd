/* pimstream sched: the three write/compute schedules.
 *
 * in-situ: all macros in use rewrite together, then all compute
 *          (Wang & Yan, arXiv 2411.13054, "in situ write/compute").
 * naive ping-pong: two halves; one half computes while the other rewrites,
 *          and the halves swap when both are done.
 * generalized ping-pong: at most k macros write at once, so the off-chip
 *          channel is busy from the start and never oversubscribed (k =
 *          floor(B/s), each at its full port speed, or ceil(B/s) when
 *          B/s is not whole: pim_plan_write_slots); a macro rewrites as
 *          soon as its compute ends and the channel has room, else it
 *          queues; a layer may have a stagger group of its own (the
 *          search's choice), which counts when its loads start writing.
 *          The groups' stagger (one write-time apart) follows
 *          from the limit and survives layer boundaries: when a whole
 *          layer waits for its inputs and its macros end together, they
 *          take the channel a group at a time again instead of all at
 *          once at B/N each. Each macro's write starts as soon as it is
 *          its turn, then it computes when its inputs exist. */
#include "pimstream/sched.h"

#include <stdlib.h>
#include <string.h>

int pim_dispatch_init(pim_dispatcher *d, const pim_plan *p)
{
    memset(d, 0, sizeof *d);
    d->strategy = p->strategy;
    d->macros = p->macros;
    if (d->strategy == PIM_SCHED_PINGPONG && d->macros < 2)
        d->strategy = PIM_SCHED_INSITU; /* one macro has no other half */
    d->group_size = pim_plan_write_slots(p);
    if (d->strategy != PIM_SCHED_GPP)
        return 1;
    d->queue = calloc(d->macros ? d->macros : 1, sizeof *d->queue);
    if (!d->queue)
        return 0;
    if (!pim_plan_mixed_write_slots(p))
        return 1;
    d->group_of = calloc(p->count, sizeof *d->group_of);
    if (!d->group_of)
        return 0;
    for (uint32_t i = 0; i < p->count; i++)
        d->group_of[i] = pim_plan_layer_write_slots(p, i);
    return 1;
}

void pim_dispatch_free(pim_dispatcher *d)
{
    free(d->queue);
    free(d->group_of);
    d->queue = NULL;
    d->group_of = NULL;
}

/* GPP: whether the next load may start writing now: fewer than the
 * group's writes are under way. With groups per layer, that is the group
 * of the layer the load would come from (the engine's next load does not
 * depend on which idle macro takes it); none left also passes, and the
 * write then finds nothing. */
static int gpp_room(const pim_dispatcher *d, const pim_sched_port *port)
{
    if (!d->group_of)
        return d->writing < d->group_size;
    uint32_t l = port->next_layer(port->engine);
    return l == PIM_NO_LAYER || d->writing < d->group_of[l];
}

/* GPP: queued macros take loads, longest-queued first, while there is room. */
static void gpp_drain(pim_dispatcher *d, const pim_sched_port *port, double now)
{
    while (d->queue_count && gpp_room(d, port)) {
        uint32_t m = d->queue[d->queue_head];
        d->queue_head = (d->queue_head + 1) % d->macros;
        d->queue_count--;
        if (!port->write(port->engine, m, now)) {
            d->queue_count = 0; /* no loads left for anyone */
            return;
        }
        d->writing++;
    }
}

/* GPP: macro m writes now if there is room, else it queues. With one
 * group for all layers the queue is empty whenever there is room (it
 * drains then), so the check is the group's alone, on every load; with
 * groups per layer the room may come back without a write ending (the
 * next load is another layer's), so m queues behind the others and the
 * queue drains. */
static void gpp_request(pim_dispatcher *d, const pim_sched_port *port, uint32_t m, double now)
{
    if (!d->group_of && d->writing < d->group_size) {
        if (port->write(port->engine, m, now))
            d->writing++;
        return;
    }
    d->queue[(d->queue_head + d->queue_count++) % d->macros] = m;
    if (d->group_of)
        gpp_drain(d, port, now);
}

/* GPP: a write ended; queued macros take its place. */
static void gpp_next(pim_dispatcher *d, const pim_sched_port *port, double now)
{
    d->writing--;
    gpp_drain(d, port, now);
}

static uint32_t half_start(const pim_dispatcher *d, uint32_t half)
{
    return half ? d->macros / 2 : 0;
}

static uint32_t half_size(const pim_dispatcher *d, uint32_t half)
{
    return half ? d->macros - d->macros / 2 : d->macros / 2;
}

/* Load macros [first, first+n) from `at`; returns how many got a load. */
static uint32_t load_range(const pim_sched_port *port, uint32_t first, uint32_t n, double at)
{
    uint32_t k = 0;
    while (k < n && port->write(port->engine, first + k, at))
        k++;
    return k;
}

void pim_dispatch_start(pim_dispatcher *d, const pim_sched_port *port)
{
    switch (d->strategy) {
    case PIM_SCHED_GPP:
        for (uint32_t m = 0; m < d->macros; m++)
            gpp_request(d, port, m, 0);
        return;
    case PIM_SCHED_INSITU:
        d->written_count = d->writing = load_range(port, 0, d->macros, 0);
        return;
    case PIM_SCHED_PINGPONG:
    case PIM_SCHED_AUTO:
        d->phase = 0;
        d->written_count = d->writing = load_range(port, 0, half_size(d, 0), 0);
        return;
    }
}

/* Ping-pong: when the writing half is loaded and the computing half is
 * done, the loaded half computes and the other half starts writing. */
static void pingpong_advance(pim_dispatcher *d, const pim_sched_port *port, double now)
{
    if (d->writing || d->computing)
        return;
    double t = pim_dmax(now, d->ready_max);
    uint32_t loaded = d->phase % 2, first = half_start(d, loaded);
    for (uint32_t i = 0; i < d->written_count; i++)
        port->compute(port->engine, first + i, t);
    d->computing = d->written_count;
    d->phase++;
    uint32_t half = d->phase % 2;
    d->written_count = d->writing = load_range(port, half_start(d, half), half_size(d, half), t);
    d->ready_max = t;
}

void pim_dispatch_written(pim_dispatcher *d, const pim_sched_port *port, uint32_t m, double now,
                          double ready_at)
{
    switch (d->strategy) {
    case PIM_SCHED_GPP:
        port->compute(port->engine, m, ready_at);
        gpp_next(d, port, now);
        return;
    case PIM_SCHED_INSITU:
        d->ready_max = pim_dmax(d->ready_max, ready_at);
        if (--d->writing == 0) {
            for (uint32_t i = 0; i < d->written_count; i++)
                port->compute(port->engine, i, d->ready_max);
            d->computing = d->written_count;
        }
        return;
    case PIM_SCHED_PINGPONG:
    case PIM_SCHED_AUTO:
        d->ready_max = pim_dmax(d->ready_max, ready_at);
        d->writing--;
        pingpong_advance(d, port, now);
        return;
    }
}

void pim_dispatch_idle(pim_dispatcher *d, const pim_sched_port *port, uint32_t m, double now)
{
    switch (d->strategy) {
    case PIM_SCHED_GPP:
        gpp_request(d, port, m, now);
        return;
    case PIM_SCHED_INSITU:
        if (--d->computing == 0) {
            d->ready_max = now;
            d->written_count = d->writing = load_range(port, 0, d->macros, now);
        }
        return;
    case PIM_SCHED_PINGPONG:
    case PIM_SCHED_AUTO:
        d->computing--;
        pingpong_advance(d, port, now);
        return;
    }
}
