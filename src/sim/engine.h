/* Private to src/sim: the plan engine's state, shared by engine.c (the
 * events) and steady.c (the jumps over a steady state's periods). */
#ifndef PIMSTREAM_SIM_ENGINE_H
#define PIMSTREAM_SIM_ENGINE_H

#include "channel.h"

enum { EV_WRITE_START = 0, EV_COMPUTE_DONE = 1, EV_DIGITAL_DONE = 2, EV_LOCAL_WRITE_DONE = 3 };
#define EV_KEY(kind, id) (((uint64_t)(kind) << 32) | (uint64_t)(id))
#define NONE UINT32_MAX

typedef struct {
    uint32_t layer;
    uint64_t bytes, vectors, chunk, first;
    int onchip;
    uint64_t serial;               /* which load it is, in the order loads were given out */
    uint64_t seg;                  /* the step it computes next: its chunk's, in chunk order */
    uint64_t unit_seg;             /* the segment of its layer's units that step computes */
    uint64_t step_first, step_end; /* that step's units */
    double write_start, write_end, compute_start, compute_at;
    int holding;           /* its load is written and not done (write_end counts) */
    uint32_t next_waiting; /* intrusive list of macros waiting on their inputs */
} macro_state;

/* A layer's progress: its segments (chunks or digital pieces) complete out
 * of order; the complete prefix is what consumers may read. */
typedef struct {
    uint64_t segments, done_segments, units_done;
    uint64_t ready_upto; /* its first units known to have their inputs */
    uint32_t *left;      /* per segment: loads or parts outstanding */
    uint64_t steps;      /* stationary: steps per load (pim_plan_steps) */
    int interleaved;     /* its copies take their steps in turn (pim_plan_interleaved) */
    double *piece_start; /* digital: when each piece took the vector unit */
    uint64_t next_piece; /* digital: the next piece to start */
    uint64_t vector_done;
    uint32_t waiting, waiting_tail; /* by unit segment, so the head is the first ready */
    /* spilled activations (src/sched/spill.c) */
    uint8_t *out_started;           /* per segment: its output's write-out began */
    uint32_t *read_left;            /* stationary, per chunk: read-back parts left */
    uint64_t next_read, reads_done; /* chunks whose reads began; complete prefix */
} layer_state;

/* Off-chip transfers that are not weight writes are split into ceil(B/s)
 * streams, each a channel client like one macro port (a multi-channel
 * DMA), so they compete with weight writes on equal terms; channel clients
 * with ids >= macros are streams. A stream carries a digital piece's reads
 * (a KV cache) or its spilled inputs, a segment's spilled output, or a
 * stationary chunk's spilled inputs (which its macros wait for). */
enum { ST_PIECE, ST_PIECE_SPILL, ST_OUT, ST_READ };

typedef struct {
    uint32_t layer;
    uint64_t piece; /* the segment, or the chunk it reads for */
    uint64_t bytes;
    uint32_t kind;
    uint32_t next_free;
} stream_state;

/* What steady.c keeps between its checks (see there): the state at the
 * last few checks, relative to their `now`. */
typedef struct steady_macro steady_macro;
typedef struct {
    double now, vnow, vlast_rel, ready_max_rel, channel_busy, macro_busy, macro_compute,
        macro_loaded;
    uint64_t issued, events, loads, bytes_written, offchip_bytes, alike, outside, chunk, tile;
    uint32_t layer, writing, computing, written_count, phase, queue_count, chan_active, picked;
    double outside_at; /* the first pending event not of a macro */
    steady_macro *macros;
    uint32_t *queue;
} steady_snap;

#define STEADY_SNAPS 4 /* periods of up to four checks are found */

typedef struct {
    int on, due;
    uint32_t ref;                        /* the macro whose next load triggers a check */
    uint64_t last_check;                 /* loads given out at the last check */
    steady_snap snaps[STEADY_SNAPS + 1]; /* the last checks', and this one's */
    uint32_t count, newest;
} pim_steady;

typedef struct {
    const pim_plan *plan;
    const pim_sim_observer *obs;
    pim_dispatcher disp;
    pim_sched_port port;
    pim_load_picker picker;
    pim_heap timers;
    pim_channel chan;
    double now;
    double vector_unit_free;
    macro_state *macros;
    layer_state *layers;
    uint32_t *left_pool, *read_pool;
    uint8_t *out_pool;
    double *start_pool;
    stream_state *streams;
    uint32_t nstreams, streams_cap, free_stream;
    uint32_t *succ, *succ_first; /* successors of each layer, CSR */
    pim_sim_result *res;
    uint64_t issued;        /* loads given out so far */
    uint64_t live;          /* of those, not done (on a macro: writing, waiting, computing) */
    uint64_t outside;       /* events not of a macro, and segments completed */
    int top_spent;          /* the timers' top is the event being handled */
    uint32_t waiting_count; /* macros waiting for their inputs */
    pim_steady steady;
    /* pim_sim_opts.deadline (0: none) and what its check needs: the
     * off-chip weights, the largest tile, every load's least macro time
     * (writes at their fastest, computes), and the most of that least
     * time one write or step holds (what a live load may have done that
     * macro_busy does not count yet; see deadline_init) */
    double deadline, weight_bytes, tile_max, macro_work, activity_max;
    int oom;
} engine;

void steady_init(engine *e, int on);
void steady_free(engine *e);
/* Called after an event in which the watched macro took a load: compare
 * the state with the snapshot and jump whole periods when it repeats. */
void steady_check(engine *e);

#endif
