/* Private to src/sim: the off-chip channel, shared by both engines.
 *
 * Processor sharing with a per-client cap: n active clients each move
 * min(s, B/n) bytes per cycle. All clients share one rate, so the channel
 * keeps a virtual clock V (bytes each active client has moved since the
 * start) and files each client under V_start + bytes; the next to finish is
 * the heap's minimum and a change in n only changes how fast V runs. Every
 * event is O(log n), however many clients share the channel. */
#ifndef PIMSTREAM_SIM_CHANNEL_H
#define PIMSTREAM_SIM_CHANNEL_H

#include "pimstream/sim.h"

#include <math.h>

typedef struct {
    pim_heap heap;
    double vtime, vlast; /* virtual clock and when it last advanced */
    double bandwidth, port_speed;
    uint32_t active;
    double *busy; /* cycles with at least one client active (accumulated) */
    const pim_sim_observer *obs;
} pim_channel;

static inline double pim_chan_rate(const pim_channel *c)
{
    double fair = c->bandwidth / c->active;
    return fair < c->port_speed ? fair : c->port_speed;
}

static inline void pim_chan_advance(pim_channel *c, double t)
{
    if (c->active && t > c->vlast) {
        double rate = pim_chan_rate(c);
        c->vtime += (t - c->vlast) * rate;
        *c->busy += t - c->vlast;
        if (c->obs && c->obs->channel)
            c->obs->channel(c->obs->ud, c->vlast, t, rate * c->active);
    }
    c->vlast = t;
}

/* When the next client finishes (INFINITY when none is active). */
static inline double pim_chan_next(const pim_channel *c)
{
    if (!c->active)
        return INFINITY;
    double dt = (c->heap.items[0].t - c->vtime) / pim_chan_rate(c);
    return c->vlast + (dt > 0 ? dt : 0);
}

/* Start moving `bytes` for `client` at time `now`; 0 when out of memory. */
static inline int pim_chan_add(pim_channel *c, double now, uint64_t client, uint64_t bytes)
{
    pim_chan_advance(c, now);
    c->active++;
    return pim_heap_push(&c->heap, c->vtime + (double)bytes, client);
}

/* Clients a DMA transfer of `bytes` is split into: ceil(B/s) (at most 64,
 * at most one per byte), so a transfer competes with weight writes for the
 * channel on equal terms and alone can fill it. */
static inline uint32_t pim_chan_stream_parts(const pim_channel *c, uint64_t bytes)
{
    uint64_t parts = (uint64_t)(c->bandwidth / c->port_speed);
    parts = parts < 1 ? 1 : parts > 64 ? 64 : parts;
    return (uint32_t)(parts > bytes ? bytes : parts);
}

/* Finish the next client at its time (pim_chan_next); returns its id. */
static inline uint64_t pim_chan_pop(pim_channel *c, double now)
{
    pim_chan_advance(c, now);
    c->active--;
    return pim_heap_pop(&c->heap).key;
}

#endif
