/* pimstream sched: what the macros do and when they may start.
 *
 * A plan turns each stationary layer into a stream of loads: a load writes
 * one tile into a macro, then applies it to a chunk of input vectors.
 * Loads run layer by layer in topological order; inside a layer, chunk by
 * chunk, all tiles of a chunk in turn (so a chunk's partial sums complete
 * together in the result buffers).
 *
 * A dispatcher (in-situ, naive ping-pong, generalized ping-pong) decides
 * which macro takes the next load and when its write and its compute may
 * start. It talks to the engine only through pim_sched_port: the engine
 * owns time and decides when things finish. */
#ifndef PIMSTREAM_SCHED_H
#define PIMSTREAM_SCHED_H

#include "pimstream/arch.h"
#include "pimstream/map.h"
#include "pimstream/workload.h"

typedef enum { PIM_SCHED_AUTO, PIM_SCHED_GPP, PIM_SCHED_PINGPONG, PIM_SCHED_INSITU } pim_strategy;

const char *pim_strategy_name(pim_strategy s);
int pim_strategy_parse(const char *s, pim_strategy *out);

typedef struct {
    pim_tiling tiling;
    uint64_t vectors;        /* input vectors through each tile, whole batch */
    uint64_t chunks;         /* vector chunks; loads = tiles x chunks */
    uint64_t digital_cycles; /* vector ops and dynamic matmuls: digital unit time */
    uint64_t stream_bytes;   /* read from off chip by the digital unit (a KV cache) */
    int onchip_writes;       /* tiles come from on-chip activations, not the channel */
    int dynamic;             /* a dynamic matmul (reported with its policy) */
    const uint32_t *preds;   /* producers, in the plan's own copy of the model's lists */
    uint32_t npreds;
    /* Progress, for inter-layer pipelining: a layer's work is `units` in
     * order (a stationary layer's input vectors; a digital layer's, those of
     * its first producer; a dynamic matmul's, its samples), in `images`
     * equal runs (one per image). A consumer's unit needs its producers'
     * units up to the same place in the same image, or for a convolution
     * (rows_in > 0) the input rows its output row reaches:
     * row x stride + reach - pad (ISAAC's inter-layer pipeline). */
    uint64_t units, images;
    uint32_t rows_in, cols_out, row_stride, row_reach, row_pad;
    uint64_t pieces; /* digital layers: jobs of the vector unit, in unit order */
    /* A stationary load computes its chunk in steps of at most step_max
     * vectors (the result buffer's depth, drained between steps; one
     * output row for a convolution whose row fits it): each step reports
     * its outputs and waits only for its own inputs. */
    uint32_t step_max;
    /* At most this many of its loads hold macros at once (0: any), unless
     * every layer the picker may take from is at its cap; the search sets
     * it (pim_plan_balanced_cap). */
    uint32_t macros_max;
    /* Generalized ping-pong: at most this many writes under way when one
     * of its loads starts writing (its stagger group; 0: the plan's,
     * pim_plan_write_slots). The search may give a layer gpp's floor or
     * ceil of B/s or naive ping-pong's N/2 (any size from 1 to N runs). */
    uint32_t write_slots;
    /* Activations (src/sched/spill.c): what it writes for the whole batch;
     * whether that went off chip because the buffer was full (written out
     * as its segments complete, read back by each consumer); and the
     * spilled producers' bytes it reads back (a stationary layer chunk by
     * chunk before computing it, a digital one while computing). */
    uint64_t out_bytes;
    int spilled;
    uint64_t spill_in_bytes;
    /* Its copies take its steps in turn (set with the rows order,
     * pim_plan_set_order): step j of chunk c is the layer's (j x chunks +
     * c)-th in unit order, so the copies' outputs grow together in row
     * order, as a pipeline's replicated layer makes them, instead of each
     * copy's own run of rows (pim_plan_interleaved()). */
    int interleaved;
} pim_layer_plan;

/* The order generalized ping-pong gives out loads in (pim_load_picker). */
typedef enum {
    PIM_ORDER_LAYER,
    PIM_ORDER_DATAFLOW,
    PIM_ORDER_READY,
    PIM_ORDER_EAGER,
    PIM_ORDER_ROWS
} pim_load_order;
#define PIM_ORDERS 5

const char *pim_load_order_name(pim_load_order o);

typedef struct {
    pim_strategy strategy;            /* never AUTO: auto picks a concrete plan */
    uint32_t macros;                  /* N in use */
    double write_bytes_per_cycle;     /* s, each write's port speed (RRAM: fractional) */
    uint64_t bandwidth;               /* B, off-chip bytes per cycle */
    uint32_t overhead;                /* o, cycles per load */
    uint32_t cycles_per_vector;       /* t */
    uint32_t vectors_per_load_max;    /* b_max while tiles are rewritten */
    uint32_t macros_per_core;         /* for naming macros in traces */
    uint64_t activation_buffer_bytes; /* 0: unlimited */
    pim_load_order order; /* generalized ping-pong's; the others always take layer order */
    /* Generalized ping-pong's writes at once, the size of its stagger
     * groups (pim_plan_write_slots); 0: floor(B/s) */
    uint32_t write_slots;
    pim_layer_plan *layers;
    uint32_t count;
    uint32_t *pred_items; /* every layer's producers (owned: the plan outlives no model) */
} pim_plan;

typedef struct {
    pim_strategy strategy;
    uint64_t batch;
    uint64_t bandwidth;             /* 0: the architecture's */
    uint32_t macros;                /* 0: all */
    uint32_t write_bytes_per_cycle; /* 0: the port's maximum */
    uint32_t vectors_per_load;      /* 0: chosen per layer */
} pim_plan_opts;

/* Build a plan with each layer's default chunking: one chunk when its tiles
 * fit in the macros in use (each tile written once), else chunks of at most
 * vectors_per_load (or b_max) vectors, balanced. */
pim_status pim_plan_build(const pim_model *m, const pim_arch *a, const pim_plan_opts *o,
                          pim_plan *out, pim_error *err);
void pim_plan_free(pim_plan *p);
/* A copy of its own (layers and producer lists), for a search to change. */
pim_status pim_plan_copy(const pim_plan *src, pim_plan *out, pim_error *err);
/* A plan of one layer of `src`, with no dependences (for per-layer search). */
pim_status pim_plan_single(const pim_plan *src, uint32_t layer, pim_plan *out, pim_error *err);
/* Generalized ping-pong lets k macros write at once, each at min(s, B/k).
 * k = floor(B/s) writes each at its full port speed; when B/s is not
 * whole that leaves B - k s of the channel idle, and ceil(B/s) fills it
 * at B/k each (slower writes hold their macros longer). The plan's k
 * (write_slots, or floor(B/s) when 0), within 1..N. */
uint32_t pim_plan_write_slots(const pim_plan *p);
/* Bytes a cycle one write moves at most: its port's s, and from off chip
 * no more than B (alone on the channel). */
double pim_plan_write_rate(const pim_plan *p, int onchip);
/* The choices of k: floor(B/s) first, and ceil(B/s) when that differs;
 * how many (1 or 2). */
uint32_t pim_plan_write_slot_options(const pim_plan *p, uint32_t out[2]);
/* Layer `layer`'s stagger group: its own write_slots, else the plan's. */
uint32_t pim_plan_layer_write_slots(const pim_plan *p, uint32_t layer);
/* Whether some layer's stagger group differs from the plan's. */
int pim_plan_mixed_write_slots(const pim_plan *p);
/* Chunk counts a layer may use: fewest rewrites first. The default is [0]. */
uint32_t pim_plan_chunk_options(const pim_plan *p, uint32_t layer, uint64_t *out, uint32_t cap);

/* A lower bound on the cycles of every schedule of a plan (src/sched/bound.c
 * gives the proofs): the channel, the macros, the vector unit, and the
 * chain of layer dependences with each layer's own limits. The tight bound
 * is the largest; a failed allocation only loosens `chain` (to 0). */
typedef struct {
    double channel, macros, digital, chain;
    /* parts of chain: the longest dependence path alone (layers, prefixes,
     * full layers), and the arguments over all layers at once */
    double path, capacity, turnover, barriers, drain;
    double tight;
} pim_plan_bound;

void pim_plan_lower_bound(const pim_plan *p, pim_plan_bound *out);
/* The argument that sets b's tight bound: "bandwidth" (channel), "macro",
 * "digital", "path", "capacity", "turnover", "barriers" or "drain"; on a tie the
 * first of these (the simpler argument). */
const char *pim_plan_bound_binding(const pim_plan_bound *b);

/* Units of producer `pred` that layer `layer`'s first `upto` units need. */
uint64_t pim_plan_need(const pim_plan *p, uint32_t pred, uint32_t layer, uint64_t upto);
/* A layer's work in order: a stationary layer's chunks, each cut into
 * steps (segment k is step k % steps of chunk k / steps; interleaved,
 * step k / chunks of chunk k % chunks), a digital layer's pieces;
 * segment k covers units [start(k), start(k + 1)). A step has the same
 * length either way. */
uint64_t pim_plan_steps(const pim_layer_plan *l);
/* Whether layer l's copies take its steps in turn: interleaved, of more
 * than one chunk and step, reading no spilled inputs (a stationary
 * layer reads those back a chunk at a time). */
int pim_plan_interleaved(const pim_layer_plan *l);
/* The segment step j of chunk c computes, and where it ends: the prefix
 * of units whose inputs that step reads up to. */
uint64_t pim_plan_step_segment(const pim_layer_plan *l, uint64_t chunk, uint64_t j);
uint64_t pim_plan_step_end(const pim_layer_plan *l, uint64_t chunk, uint64_t j);
/* The plan's load order; the rows order interleaves every layer's copies. */
void pim_plan_set_order(pim_plan *p, pim_load_order order);
uint64_t pim_plan_segments(const pim_layer_plan *l);
uint64_t pim_plan_segment_start(const pim_layer_plan *l, uint64_t k);
/* The segment that holds unit u. */
uint64_t pim_plan_segment_of(const pim_layer_plan *l, uint64_t u);

uint64_t pim_plan_loads(const pim_plan *p, uint32_t layer);
/* Balanced rounds: a cap on stationary layer `layer`'s live loads
 * (macros_max) that keeps its rounds and leaves macros to the layers
 * around it, or 0 when none would. L loads on N < L macros run in
 * R = ceil(L / N) rounds anyway, and so they do at ceil(L / R) at once;
 * one round of more than N/2 loads becomes two rounds of half. Only up to
 * PIM_CAP_MAX_ROUNDS rounds: past that a cap frees fewer than N / R. */
#define PIM_CAP_MAX_ROUNDS 4
uint32_t pim_plan_balanced_cap(const pim_plan *p, uint32_t layer);
uint64_t pim_plan_chunk_vectors(const pim_layer_plan *l, uint64_t chunk);
uint64_t pim_plan_bytes(const pim_plan *p);            /* bytes written into macros */
uint64_t pim_plan_offchip_bytes(const pim_plan *p);    /* bytes over the off-chip channel */
uint64_t pim_plan_activation_bytes(const pim_plan *p); /* of which spilled activations */
/* Bytes of layer l's spilled activations: its output's share for segment
 * k (written out), or the share of its reads for units [from, to). */
uint64_t pim_plan_spill_out(const pim_layer_plan *l, uint64_t k);
uint64_t pim_plan_spill_in(const pim_layer_plan *l, uint64_t from, uint64_t to);

/* What a load is: its layer, bytes written, vectors computed, and whether
 * the bytes come from on chip (write ports only) or over the channel. */
typedef struct {
    uint32_t layer;
    uint64_t bytes;
    uint64_t vectors;
    uint64_t chunk; /* its segment: units [first, first + vectors) */
    uint64_t first;
    int onchip;
} pim_load;

/* Walks the plan's loads in order (or one layer's: pim_cursor_init_layer). */
typedef struct {
    const pim_plan *plan;
    uint32_t layer, end_layer;   /* stops before end_layer */
    uint64_t tile, chunk, first; /* the next load's, in its layer */
    /* cached (the cursor is on the engine's path for every load): tiles
     * before run_end are alike, of run_bytes; the chunk's vectors (0: not
     * known yet) */
    uint64_t run_end, run_bytes, chunk_vectors;
} pim_load_cursor;

void pim_cursor_init(pim_load_cursor *c, const pim_plan *p);
void pim_cursor_init_layer(pim_load_cursor *c, const pim_plan *p, uint32_t layer);
int pim_cursor_next(pim_load_cursor *c, pim_load *out);
/* How many of the next loads are alike (one layer, one chunk, one tile
 * extent): the first of them is the next pim_cursor_next gives. */
uint64_t pim_cursor_alike(pim_load_cursor *c);
/* Pass over n loads, n <= pim_cursor_alike(c). */
void pim_cursor_skip(pim_load_cursor *c, uint64_t n);

/* Which load a macro takes next. In-situ and naive ping-pong take the
 * plan's loads in order, layer by layer (the textbook schedules), and so
 * may generalized ping-pong (PIM_ORDER_LAYER). It may also run the network
 * as a dataflow (PIM_ORDER_DATAFLOW): a free macro takes the next load of
 * the deepest layer (within a window of the first one with loads left)
 * whose next load's inputs all exist, so an image flows on through the
 * network instead of waiting at every layer for the whole batch; else the
 * next load in order, whose weights stream while its inputs are being
 * made. Or in layer order with ready loads first (PIM_ORDER_READY): the
 * first layer in order (within the window) whose next load's inputs all
 * exist, else the next load in order; the oldest layer finishes first, and
 * macros that would wait on it take later layers' ready work instead.
 * Or eagerly (PIM_ORDER_EAGER): as in dataflow order, but a load counts as
 * ready once its first step's inputs exist and the rest of its chunk reads
 * only units that loads already given out make (through digital layers);
 * a consumer then starts on a producer's first rows while the producer's
 * later rows are still being computed, and it can only wait on loads that
 * hold macros already, never on one that needs a macro it holds.
 * Or in rows order (PIM_ORDER_ROWS): layer order, the plan's copied layers
 * interleaved (pim_plan_set_order), so that a layer's output grows row by
 * row from the start and its consumers' loads, next in order, find their
 * first rows early instead of waiting for the first copy's whole run.
 * `ready` is the engine's answer to "do layer l's first `upto` units have
 * their inputs?"; `era` counts the engine's changes of what exists, so a
 * look that found nothing ready is not repeated until something changes
 * (or, in eager order, until a layer's chunk has been wholly given out). */
typedef int (*pim_ready_fn)(void *ctx, uint32_t layer, uint64_t upto);

#define PIM_PICK_WINDOW 16 /* stationary layers looked at past the first */

typedef struct {
    const pim_plan *plan;
    pim_load_order order;
    pim_load_cursor *cursors; /* one per stationary layer, in order */
    uint32_t count, first;    /* cursors; the first with loads left */
    uint32_t picked;          /* the cursor the last load came from */
    uint64_t idle_era;        /* the era a look found nothing ready in (+1) */
    uint32_t *cursor_of;      /* per layer: its cursor (stationary layers) */
    uint32_t *live;           /* per cursor: its loads given out and not done */
    uint32_t *credit; /* per cursor: 1 + the first capped cursor its loads were taken past */
} pim_load_picker;

/* 0 when out of memory. */
int pim_picker_init(pim_load_picker *k, const pim_plan *p, pim_load_order order);
void pim_picker_free(pim_load_picker *k);
int pim_picker_next(pim_load_picker *k, uint64_t era, pim_ready_fn ready, void *ctx, pim_load *out);
/* The layer of the load pim_picker_next would give now, without taking
 * it; PIM_NO_LAYER when none is left. */
#define PIM_NO_LAYER UINT32_MAX
uint32_t pim_picker_peek(pim_load_picker *k, uint64_t era, pim_ready_fn ready, void *ctx);
/* A load of stationary layer `layer` has computed its last step. */
void pim_picker_done(pim_load_picker *k, uint32_t layer);

/* The engine's side, as the dispatcher sees it. */
typedef struct {
    void *engine;
    /* Give macro m the next load, its write starting at `at`; 0 when none left. */
    int (*write)(void *engine, uint32_t m, double at);
    /* The layer whose load `write` would give now (PIM_NO_LAYER: none). */
    uint32_t (*next_layer)(void *engine);
    /* Let macro m compute its loaded tile from `at` (the engine also waits
     * for the layer's inputs). */
    void (*compute)(void *engine, uint32_t m, double at);
} pim_sched_port;

typedef struct {
    pim_strategy strategy;
    uint32_t macros;
    /* in-situ and ping-pong rounds */
    uint32_t writing, computing; /* outstanding in this phase */
    uint32_t phase;              /* ping-pong: which half writes */
    uint32_t written_count;      /* macros loaded in this round */
    double ready_max;            /* latest write-ready time in the round */
    /* generalized ping-pong: a write starts only while fewer than
     * group_size are under way (group_of[l] when the next load is layer
     * l's and layers' groups differ); idle macros queue in order */
    uint32_t group_size;
    uint32_t *group_of; /* per layer, when layers' groups differ (else NULL) */
    uint32_t *queue;    /* ring of idle macros, `macros` long */
    uint32_t queue_head, queue_count;
} pim_dispatcher;

/* 0 when out of memory. */
int pim_dispatch_init(pim_dispatcher *d, const pim_plan *p);
void pim_dispatch_free(pim_dispatcher *d);
void pim_dispatch_start(pim_dispatcher *d, const pim_sched_port *port);
void pim_dispatch_written(pim_dispatcher *d, const pim_sched_port *port, uint32_t m, double now,
                          double ready_at);
void pim_dispatch_idle(pim_dispatcher *d, const pim_sched_port *port, uint32_t m, double now);

#endif
