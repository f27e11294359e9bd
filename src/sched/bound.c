/* pimstream sched: a lower bound on every schedule of a plan.
 *
 * The bound holds for any order of loads and any assignment to macros that
 * obeys the plan's rules (a load writes its tile, waits the overhead o, then
 * applies it to its chunk's vectors on the same macro; a macro does one
 * thing at a time; the channel moves at most B bytes per cycle in total and
 * one write at most min(s, B); one vector unit; a segment computes only
 * once the producer units it reads exist, pim_plan_need). Each argument
 * is a proof:
 *
 *  channel  every off-chip byte crosses at B; after the last byte a load
 *           still waits o and computes its vectors, and then every
 *           consumer that reads all of its layer runs a segment, and so
 *           on down the graph (downstream()).
 *  macros   each load holds a macro for its write, o and its compute; N
 *           macros. The chip starts empty and the channel fills it: the
 *           macros wait for their first tiles in turn (fill_waits()).
 *  digital  the vector unit runs every digital layer's cycles in turn.
 *  layers   layer l, alone: its loads hold at most min(N, loads) macros at
 *           once, so l ends no earlier than its macro time over that, nor
 *           than ceil(loads / N) of its loads one after another on one
 *           macro; its own bytes cross the channel before its last compute.
 *  prefix   before l computes, the segments its first segment reads are
 *           done, and those they read, back through the graph: their
 *           macro work over N, bytes over B, vector-unit time; and at
 *           most N loads of the partly done ones are in progress then, so
 *           the others read their whole chunk (see prefix_start()).
 *  chain    l's first unit reads at least one unit of each producer, so l
 *           computes nothing before their first segments are done, nor
 *           before a producer it reads whole from its first unit is done,
 *           nor before its prefix (ES); from there it runs its vectors on at most min(N, loads)
 *           macros, each chunk on one macro, and at most N of its tiles
 *           were written before ES (a tile waiting to compute holds its
 *           macro), so the rest of its bytes cross after ES. Its last
 *           segment reads the whole of a producer (when it does) and ends
 *           a segment's time after that producer (EF); the longest path.
 *  full     a layer whose chunk has at least N tiles produces its first
 *           output no earlier than the stationary units its first chunk's
 *           last step reads are done: its own loads would otherwise hold
 *           every macro while waiting for them (see full_layer()); one of
 *           those loads then computes the rest of the chunk.
 *  occupancy the loads that must each have computed a step by a layer's
 *           first output cannot all hold a macro at once: the one
 *           written last began after all but N of the others ended
 *           (see occupancy_layer()).
 *  capacity the same holding argument for every layer at once, chunk
 *           by chunk: for a time T = some chunk's start bound (its
 *           layer's ES, its first segment's prefix), every load of the
 *           chunks starting no earlier writes all but N tiles' worth after
 *           T; the tiles written before T hold macros the prefix's work
 *           then lacks (hold_cycles()).
 *  release when a layer is done, the load that computed its last unit
 *           and every load already written whose last step needs it
 *           hold macros: past N - 1 of those, the rest cross the channel
 *           after (see release_after(); counted with capacity).
 *  turnover a load holds its macro from its write to its last compute, so
 *           at any time x the loads that have begun ended (and could end
 *           before x, their work done in the N x macro-cycles before it)
 *           or hold one of the N macros: the others carry the off-chip
 *           bytes less those of loads that could end before x and N tiles
 *           (see turnover()).
 *  barriers while attention that reads its producers whole runs on the
 *           vector unit, and a while around it (reach_of()), the channel
 *           carries little; while it runs the macros do little too: only
 *           the work of layers on neither side of it, and the writes of
 *           tiles that then wait for its end (see barriers()).
 *  drain    the last layers' loads, more than N, each end after their
 *           prefix is done; past N of them are written after that, one
 *           after another at B, so the macros that get theirs first idle
 *           while the others' tiles cross: the macros' work and those
 *           waits over N (see drain_of()).
 *
 * tests/test_bound.c checks it against exhaustive search of every schedule
 * of small plans, and tests/test_sim.c against every simulation. */
#include "pimstream/sched.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Cycles a load's write takes at least (pim_plan_write_rate). */
static double write_floor(const pim_plan *p, uint64_t bytes, int onchip)
{
    return (double)bytes / pim_plan_write_rate(p, onchip);
}

/* Sums over one layer's loads. */
typedef struct {
    double busy;     /* macro-cycles: writes, overheads, computes */
    double compute;  /* macro-cycles computing */
    double min_tail; /* least o + compute of one of its loads */
    double end_tail; /* the same, then the least latency after it (downstream()) */
    double max_compute;
    double first_ready;   /* earliest a write of this layer can be done (+ o) */
    double longest_write; /* its largest tile's write floor, with o */
    double chunk_writes;  /* macro-cycles writing one chunk's tiles, with o each */
    uint64_t loads;
    /* over the channel: its loads' weights, the largest of its tiles, and
     * everything it moves (weights and a digital layer's streams) */
    double weight_bytes, tile, channel_bytes;
} layer_sums;

typedef struct {
    const pim_plan *p;
    const pim_layer_plan *l;
    double sum, min, max;
} write_sums;

static void add_writes(void *ctx, const pim_tile_extent_t *e, uint64_t count)
{
    write_sums *w = ctx;
    double t = write_floor(w->p, pim_extent_bytes(&w->l->tiling, e), w->l->onchip_writes);
    w->sum += t * (double)count;
    if (t < w->min)
        w->min = t;
    if (t > w->max)
        w->max = t;
}

static void sum_layer(const pim_plan *p, uint32_t i, layer_sums *s)
{
    const pim_layer_plan *l = &p->layers[i];
    double t = p->cycles_per_vector;
    s->loads = pim_plan_loads(p, i);
    s->busy = s->compute = s->max_compute = s->chunk_writes = s->longest_write = 0;
    s->min_tail = s->first_ready = INFINITY;
    s->weight_bytes = s->tile = 0;
    s->channel_bytes = (double)l->stream_bytes;
    if (!s->loads)
        return;
    if (!l->onchip_writes) {
        s->weight_bytes = (double)pim_tiling_bytes(&l->tiling) * (double)l->chunks;
        s->tile = (double)pim_tile_bytes(&l->tiling, 0); /* tile 0 is the largest */
        s->channel_bytes += s->weight_bytes;
    }
    /* balanced chunks: the first is the largest, the last the smallest */
    double vmax = (double)pim_plan_chunk_vectors(l, 0);
    double vmin = (double)pim_plan_chunk_vectors(l, l->chunks - 1);
    write_sums w = {p, l, 0, INFINITY, 0};
    pim_tiling_classes(&l->tiling, add_writes, &w); /* at most 8 classes of tile */
    double write_sum = w.sum, write_min = w.min;
    s->compute = (double)l->tiling.tiles * (double)l->vectors * t;
    s->busy = write_sum * (double)l->chunks + (double)s->loads * p->overhead + s->compute;
    s->chunk_writes = write_sum + (double)l->tiling.tiles * p->overhead;
    s->min_tail = p->overhead + vmin * t;
    s->max_compute = vmax * t;
    s->first_ready = write_min + p->overhead;
    s->longest_write = w.max + p->overhead;
}

/* Cycles layer l's first and last segments take at least (a digital
 * layer's pieces differ by at most a cycle; a stationary layer's segments
 * are the steps its loads compute one after another). */
static void segment_times(const pim_plan *p, const pim_layer_plan *l, double *first, double *last)
{
    if (!l->tiling.tiles) {
        *first = *last = l->pieces ? (double)(l->digital_cycles / l->pieces) : 0;
        return;
    }
    uint64_t n = pim_plan_segments(l);
    *first = (double)pim_plan_segment_start(l, 1) * p->cycles_per_vector;
    *last = (double)(l->units - pim_plan_segment_start(l, n - 1)) * p->cycles_per_vector;
}

/* Prefix: before layer i computes anything, every segment its first
 * segment reads is done, and every segment those read, back through the
 * producers (a segment waits for all of its own inputs; units complete in
 * segment order). A stationary segment is done when all the layer's tiles
 * have been written for its chunk and have computed it, so each ancestor
 * a with its first U units done has had tiles x U vectors computed and
 * every chunk up to U's written (and, off chip, sent); a digital one ran
 * its pieces on the one vector unit. Those macro-cycles over N, bytes
 * over B and vector-unit cycles each bound i's start. The same for the
 * segment ending at unit `upto` (a later chunk's first).
 *
 * Residency: an ancestor a whose needed units end inside a chunk c is
 * partly done, and each of its t_a loads of chunk c has computed some of
 * c. Either one of them has computed all of c, and then the inputs of all
 * of c exist (a's producers need more: "a is extended"), or none has, and
 * all t_a hold a macro at i's start. At most N do, so the extended
 * ancestors carry at least (sum of t_a) - N tiles. Extending more only
 * adds work, so the prefix is at least, over every ancestor a alone, the
 * prefix with a extended, taken at the least value that such ancestors
 * with as many tiles reach (prefix_start()). */
/* Filling the chip. Every macro starts empty, and its first tile crosses
 * the channel: the macro whose first write is the k-th to end waits until
 * those k writes have moved their bytes at B, at least the k - 1 smallest
 * tiles of the plan and its own. The work the other terms count takes
 * each write at its fastest (pim_plan_write_rate, r), so until that first
 * write ends the macro spends at least (the k - 1 smallest tiles) / B -
 * tile (1/r - 1/B) cycles (tile: the largest, r <= B) outside that work:
 * by any time T, those k = 1..N waits (each at most T) add to the work
 * the N macros have done. Before a plan's other terms see it, it is the
 * start of a run at small B: 256 macros filled with 1 KB tiles at 8
 * bytes/cycle wait 16.3k cycles on average. Loads written from on-chip
 * activations (a dynamic matmul in PIM) do not wait for the channel: no
 * waits then. */
typedef struct {
    double *wait; /* ascending, each positive */
    double *sum;  /* sum[k]: wait[0] + ... + wait[k - 1] */
    uint32_t n;
} fill_waits;

/* A class of the plan's tiles: its bytes and how many loads write one. */
typedef struct {
    double bytes, loads;
} tile_class;

typedef struct {
    const pim_tiling *tiling;
    double chunks;
    tile_class *classes;
    size_t n;
} size_list;

static void add_size(void *ctx, const pim_tile_extent_t *e, uint64_t count)
{
    size_list *l = ctx;
    l->classes[l->n++] =
        (tile_class){(double)pim_extent_bytes(l->tiling, e), (double)count * l->chunks};
}

static int by_bytes(const void *x, const void *y)
{
    double a = ((const tile_class *)x)->bytes, b = ((const tile_class *)y)->bytes;
    return (a > b) - (a < b);
}

/* The plan's loads' tile sizes, smallest first, into l (room for eight
 * classes a layer); the largest tile into *largest. 0 when a load is
 * written on chip. */
static int tile_sizes(const pim_plan *p, size_list *l, double *largest)
{
    *largest = 0;
    for (uint32_t i = 0; i < p->count; i++) {
        const pim_layer_plan *lp = &p->layers[i];
        if (!lp->tiling.tiles)
            continue;
        if (lp->onchip_writes)
            return 0;
        l->tiling = &lp->tiling;
        l->chunks = (double)lp->chunks;
        pim_tiling_classes(&lp->tiling, add_size, l);
        *largest = pim_dmax(*largest, (double)pim_tile_bytes(&lp->tiling, 0));
    }
    qsort(l->classes, l->n, sizeof *l->classes, by_bytes);
    return 1;
}

/* The waits of the macros' first writes (none when out of memory: still a
 * bound). */
static fill_waits fill_waits_of(const pim_plan *p)
{
    fill_waits f = {calloc(p->macros + 1u, sizeof *f.wait), calloc(p->macros + 2u, sizeof *f.sum),
                    0};
    size_list l = {NULL, 0, calloc((size_t)p->count * 8 + 1, sizeof *l.classes), 0};
    double largest, bandwidth = (double)p->bandwidth;
    if (f.wait && f.sum && l.classes && tile_sizes(p, &l, &largest)) {
        double before = 0, slack = largest * (1 / pim_plan_write_rate(p, 0) - 1 / bandwidth);
        uint32_t k = 0; /* the macros' first writes, in the order they end */
        for (size_t j = 0; j < l.n && k < p->macros; j++)
            for (double c = 0; c < l.classes[j].loads && k < p->macros; c++, k++) {
                double wait = before / bandwidth - slack;
                if (wait > 0) {
                    f.wait[f.n] = wait;
                    f.sum[f.n + 1] = f.sum[f.n] + wait;
                    f.n++;
                }
                before += l.classes[j].bytes;
            }
    }
    free(l.classes);
    return f;
}

/* Macro-cycles the waits put outside the work by time T: each wait, at
 * most T. */
static double fill_idle(const fill_waits *f, double t)
{
    if (!f->n)
        return 0;
    uint32_t lo = 0, hi = f->n; /* the first wait at or above t */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->wait[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return f->sum[lo] + t * (double)(f->n - lo);
}

typedef struct {
    double value, work, tiles;
} extension;

/* Occupancy (occupancy_layer()): per layer, a bound on when each of its
 * loads ends (`end`), and on when the load its first output's set wrote
 * last ends (`late`, 0: none), with that set's largest `end`. `pairs`
 * holds one set's (end, loads) at a time. */
typedef struct {
    double value, count;
} end_count;

typedef struct {
    double *end, *late, *set_max;
    end_count *pairs;
} occupancy;

typedef struct {
    const pim_plan *p;
    const layer_sums *sums;
    uint64_t *need;      /* a zero per layer, left so */
    uint32_t *partial;   /* the ancestors a pass found partly done */
    extension *extended; /* one per partial ancestor */
    fill_waits fill;
    const double *first, *done; /* the chain's bounds, of the layers before */
    occupancy *occ;             /* NULL: the occupancy argument left out */
    tile_class *drain_classes;  /* room for the drain argument's tile classes */
} prefix_scan;

/* The walks back from a layer through its ancestors (prefix_pass(),
 * occupancy_layer()): units [0, upto) of layer i read units [0, need[q])
 * of each producer q. */
static void need_of_producers(const pim_plan *p, uint32_t i, uint64_t upto, uint64_t *need)
{
    const pim_layer_plan *l = &p->layers[i];
    for (uint32_t k = 0; k < l->npreds; k++) {
        uint64_t n = pim_plan_need(p, l->preds[k], i, upto);
        if (n > need[l->preds[k]])
            need[l->preds[k]] = n;
    }
}

/* The walk's next ancestor: the next layer below *a whose units it needs,
 * those into *units (its need cleared: need is left all zero); 0 when
 * none is left. */
static int next_needed(uint64_t *need, uint32_t *a, uint64_t *units)
{
    while (*a > 0) {
        --*a;
        if (need[*a]) {
            *units = need[*a];
            need[*a] = 0;
            return 1;
        }
    }
    return 0;
}

/* The chunks of stationary layer l whose loads began once its segment
 * seg is done: up to seg's; interleaved, each chunk has a step in seg's
 * row or an earlier one. */
static uint64_t chunks_begun(const pim_layer_plan *l, uint64_t seg)
{
    if (pim_plan_interleaved(l))
        return seg < l->chunks ? seg + 1 : l->chunks;
    return seg / pim_plan_steps(l) + 1;
}

/* One pass back from layer i: its prefix's bound, with `extended` (or
 * none: p->count) reading its whole partial chunk; partly done ancestors
 * into s->partial when count is given; into *stationary, when given, when
 * the stationary units of the prefix are done at least (the macro work
 * and bytes, and each stationary ancestor's chain end when all of it is
 * needed, else its first output: s->first and s->done). */
static double prefix_pass(prefix_scan *s, uint32_t i, uint64_t upto, uint32_t extended,
                          double *macro_work, uint32_t *count, double *stationary)
{
    const pim_plan *p = s->p;
    uint64_t *need = s->need;
    double macro = 0, bytes = 0, digital = 0, ends = 0;
    need_of_producers(p, i, upto, need);
    uint64_t units;
    for (uint32_t a = i; next_needed(need, &a, &units);) {
        const pim_layer_plan *al = &p->layers[a];
        uint64_t seg = pim_plan_segment_of(al, units - 1),
                 done = pim_plan_segment_start(al, seg + 1);
        uint64_t reads = done;
        if (al->tiling.tiles && stationary) /* its chain end, or first output */
            ends = pim_dmax(ends, units >= al->units ? s->done[a] : s->first[a]);
        if (al->tiling.tiles) {
            /* interleaved, a partly done chunk is left out of the
             * residency argument (a bound without it) */
            uint64_t began = chunks_begun(al, seg), steps = pim_plan_steps(al);
            uint64_t chunk_end = pim_plan_interleaved(al)
                                     ? done
                                     : pim_plan_segment_start(al, (seg / steps + 1) * steps);
            macro += (double)al->tiling.tiles * (double)done * p->cycles_per_vector +
                     s->sums[a].chunk_writes * (double)began;
            bytes += s->sums[a].weight_bytes / (double)al->chunks * (double)began;
            if (done < chunk_end && count)
                s->partial[(*count)++] = a;
            if (a == extended) { /* a load of it computed the rest of its chunk too */
                reads = chunk_end;
                macro += (double)(chunk_end - done) * p->cycles_per_vector;
            }
        } else {
            digital += (double)pim_split(al->digital_cycles, 0, seg + 1, al->pieces);
        }
        need_of_producers(p, a, reads, need);
    }
    if (macro_work)
        *macro_work = macro;
    macro += fill_idle(&s->fill, macro / (double)p->macros); /* done by then */
    if (stationary)
        *stationary =
            pim_dmax(pim_dmax(macro / (double)p->macros, bytes / (double)p->bandwidth), ends);
    return pim_dmax(pim_dmax(macro / (double)p->macros, bytes / (double)p->bandwidth), digital);
}

static int by_value(const void *x, const void *y)
{
    double a = ((const extension *)x)->value, b = ((const extension *)y)->value;
    return (a > b) - (a < b);
}

static int by_work(const void *x, const void *y)
{
    double a = ((const extension *)x)->work, b = ((const extension *)y)->work;
    return (a > b) - (a < b);
}

/* The least value (or work) at which the extensions, taken in that order,
 * carry `carry` tiles; they are left sorted so. */
static double least_reaching(extension *e, uint32_t n, double carry, int work)
{
    qsort(e, n, sizeof *e, work ? by_work : by_value);
    double tiles = 0;
    for (uint32_t k = 0; k < n; k++) {
        tiles += e[k].tiles;
        if (tiles >= carry)
            return work ? e[k].work : e[k].value;
    }
    return INFINITY; /* not reached: the partial tiles sum past N + carry */
}

static double prefix_start(prefix_scan *s, uint32_t i, uint64_t upto, double *macro_work)
{
    const pim_plan *p = s->p;
    uint32_t n = 0;
    double work, value = prefix_pass(s, i, upto, p->count, &work, s->partial ? &n : NULL, NULL);
    double tiles = 0;
    for (uint32_t k = 0; k < n; k++)
        tiles += (double)p->layers[s->partial[k]].tiling.tiles;
    double carry = tiles - (double)p->macros;
    if (carry > 0 && s->extended) {
        for (uint32_t k = 0; k < n; k++) {
            extension *e = &s->extended[k];
            e->tiles = (double)p->layers[s->partial[k]].tiling.tiles;
            e->value = prefix_pass(s, i, upto, s->partial[k], &e->work, NULL, NULL);
        }
        work = pim_dmax(work, least_reaching(s->extended, n, carry, 1));
        value = pim_dmax(value, least_reaching(s->extended, n, carry, 0));
    }
    if (macro_work)
        *macro_work = work;
    return value;
}

/* A segment after the last of the producers layer i's last segment reads
 * whole (0: none): no load of it computes that segment before. */
static double after_whole_producers(const pim_plan *p, uint32_t i, const double *done,
                                    double seg_last)
{
    const pim_layer_plan *l = &p->layers[i];
    double after = 0;
    for (uint32_t k = 0; k < l->npreds; k++) {
        uint32_t q = l->preds[k];
        if (pim_plan_need(p, q, i, l->units) >= p->layers[q].units)
            after = pim_dmax(after, done[q] + seg_last);
    }
    return after;
}

/* Lower bounds on when layer i starts computing (any of its loads: each
 * needs at least what the first needs), ends its first segment and ends,
 * from its producers' and its own. */
static void chain_layer(const pim_plan *p, uint32_t i, const layer_sums *s, double prefix,
                        const double *first, const double *done, double *start_out,
                        double *first_out, double *done_out)
{
    const pim_layer_plan *l = &p->layers[i];
    double seg_first, seg_last, es = pim_dmax(s->loads ? s->first_ready : 0, prefix);
    segment_times(p, l, &seg_first, &seg_last);
    double after_all = after_whole_producers(p, i, done, seg_last);
    uint64_t first_end = pim_plan_segment_start(l, 1);
    for (uint32_t k = 0; k < l->npreds; k++) {
        uint32_t q = l->preds[k];
        uint64_t need = pim_plan_need(p, q, i, first_end);
        if (need >= p->layers[q].units && need > 0)
            es = pim_dmax(es, done[q]); /* it reads the whole producer from its start */
        else if (need > 0)
            es = pim_dmax(es, first[q]);
    }
    double d;
    if (s->loads) {
        double width = (double)(s->loads < p->macros ? s->loads : p->macros);
        d = pim_dmax(es + pim_dmax(s->compute / width, s->max_compute), s->busy / width);
        /* whole loads on N macros: one macro runs ceil(loads / N) of them
         * in turn, the first computing from ES, each later one written
         * after the one before it ends (a macro does one thing at a time) */
        double rounds = ceil((double)s->loads / (double)p->macros),
               least = s->min_tail - p->overhead;
        d = pim_dmax(d, es + least + (rounds - 1) * (s->first_ready + least));
        d = pim_dmax(d, s->weight_bytes / (double)p->bandwidth + s->min_tail);
        /* capacity, for this layer alone: at most N of its tiles are
         * written before it may compute */
        double late = s->weight_bytes - (double)p->macros * s->tile;
        if (late > 0)
            d = pim_dmax(d, es + late / (double)p->bandwidth + s->min_tail);
    } else {
        d = es + (double)l->digital_cycles;
    }
    d = pim_dmax(d, (double)l->stream_bytes / (double)p->bandwidth);
    *start_out = es;
    *first_out = es + seg_first;
    *done_out = pim_dmax(d, after_all);
}

/* Full layers. A layer whose chunk holds at least N tiles: when its first
 * unit is done (F), every load of its first chunk has begun. Either one of
 * them has ended, so it computed the chunk's last step and that step's
 * inputs existed before F, or none has: then they hold all N macros (there
 * are N of them), no other load can be written until one ends, and none
 * ends before the inputs of the chunk's last step exist, so every
 * stationary unit those inputs need was computed before F (a digital
 * layer between may still have to run: it needs no macro, but runs a
 * piece only on all of that piece's inputs). Either way F is no earlier
 * than when those stationary units are done (prefix_pass()'s stationary
 * bound: their work and bytes, and the chain's end of every stationary
 * ancestor needed whole). The load that ended its first step last, at F,
 * then computes the rest of its chunk. Along a chain of such layers (the
 * 1x1 convolutions of a ResNet's 14x14 stage fill N = 256 macros) each
 * one's first output waits for the whole of the one before. */
static void full_layer(prefix_scan *s, uint32_t i, const layer_sums *sums, double *first,
                       double *done)
{
    const pim_layer_plan *l = &s->p->layers[i];
    uint64_t last_step = pim_plan_step_end(l, 0, pim_plan_steps(l) - 1);
    double f, seg_first, seg_last;
    prefix_pass(s, i, last_step, s->p->count, NULL, NULL, &f);
    segment_times(s->p, l, &seg_first, &seg_last);
    first[i] = pim_dmax(first[i], f);
    done[i] = pim_dmax(done[i], f + sums->max_compute - seg_first);
}

/* Occupancy. When layer i's first segment is done (F), every load of its
 * first chunk has computed a step, and so has every load of its
 * ancestors that computes a unit that segment needs, back through the
 * graph (prefix_pass()'s walk): m loads in all. The one of them that
 * began writing last did so with the other m - 1 begun; at most N - 1 of
 * those still held a macro then, so at least m - N had ended. A load
 * ends no earlier than its layer's start plus its chunk's vectors, nor,
 * with one chunk, than a segment after a producer its last step reads
 * whole (`end`): the one written last began no earlier than the
 * (m - N)-th smallest of those bounds (E), and wrote, waited o and
 * computed a step before F. It then computes the rest of its chunk, so
 * one load of the set ends no earlier than E + write + o + a chunk
 * (`late`): a later set that holds this one raises its largest bound
 * that far (one such raise a set, the latest: two could be one load).
 * A chain of layers each holding every macro its producer does not then
 * runs one after another: on two macros, a 1-tile layer, a 2-tile one
 * and two 1-tile ones, ten vectors each, end no earlier than their
 * optimum (tests/test_bound.c), where work over N was 14% short. */
static int by_end_value(const void *x, const void *y)
{
    double a = ((const end_count *)x)->value, b = ((const end_count *)y)->value;
    return (a > b) - (a < b);
}

/* The k-th smallest bound of n (value, count) pairs (k >= 1). */
static double kth_smallest(end_count *pairs, uint32_t n, double k)
{
    qsort(pairs, n, sizeof *pairs, by_end_value);
    double seen = 0;
    for (uint32_t j = 0; j < n; j++) {
        seen += pairs[j].count;
        if (seen >= k)
            return pairs[j].value;
    }
    return 0;
}

/* When each of layer i's loads ends at least (occupancy, above). */
static double load_end(const pim_plan *p, uint32_t i, const double *start, const double *done)
{
    const pim_layer_plan *l = &p->layers[i];
    double seg_first, seg_last, t = p->cycles_per_vector;
    double end = start[i] + (double)pim_plan_chunk_vectors(l, l->chunks - 1) * t;
    if (l->chunks != 1)
        return end;
    segment_times(p, l, &seg_first, &seg_last);
    return pim_dmax(end, after_whole_producers(p, i, done, seg_last));
}

/* The set's least write, o and step, and the least chunk a load of it
 * computes, over layer a's loads (folded into *w, *step, *chunk). */
static void fold_least(const prefix_scan *s, uint32_t a, double *w, double *step, double *chunk)
{
    const pim_layer_plan *l = &s->p->layers[a];
    double seg_first, seg_last, t = s->p->cycles_per_vector;
    segment_times(s->p, l, &seg_first, &seg_last);
    *w = pim_dmin(*w, s->sums[a].first_ready);
    *step = pim_dmin(*step, pim_dmin(seg_first, seg_last));
    *chunk = pim_dmin(*chunk, (double)pim_plan_chunk_vectors(l, l->chunks - 1) * t);
}

static void occupancy_layer(prefix_scan *s, uint32_t i, const double *start, double *first,
                            double *done)
{
    const pim_plan *p = s->p;
    occupancy *o = s->occ;
    const pim_layer_plan *l = &p->layers[i];
    uint64_t *need = s->need;
    o->end[i] = load_end(p, i, start, done);
    o->late[i] = 0;
    o->set_max[i] = o->end[i];
    double m = (double)l->tiling.tiles, w = INFINITY, step = INFINITY, chunk = INFINITY;
    double late = 0;
    uint32_t n = 0, late_layer = p->count;
    o->pairs[n++] = (end_count){o->end[i], m};
    fold_least(s, i, &w, &step, &chunk);
    need_of_producers(p, i, pim_plan_segment_start(l, 1), need);
    uint64_t units;
    for (uint32_t a = i; next_needed(need, &a, &units);) {
        const pim_layer_plan *al = &p->layers[a];
        uint64_t seg = pim_plan_segment_of(al, units - 1),
                 reads = pim_plan_segment_start(al, seg + 1);
        if (al->tiling.tiles) {
            double loads = (double)al->tiling.tiles * (double)chunks_begun(al, seg);
            o->pairs[n++] = (end_count){o->end[a], loads};
            m += loads;
            fold_least(s, a, &w, &step, &chunk);
            o->set_max[i] = pim_dmax(o->set_max[i], o->end[a]);
            if (o->late[a] > late) {
                late = o->late[a];
                late_layer = a;
            }
        }
        need_of_producers(p, a, reads, need);
    }
    if (m <= (double)p->macros)
        return;
    /* one load of that set (the one with its largest bound, at worst)
     * ends that late */
    double largest = late_layer < p->count ? o->set_max[late_layer] : INFINITY;
    for (uint32_t j = 0; late > largest && j < n; j++)
        if (o->pairs[j].value == largest) {
            o->pairs[j].count -= 1;
            o->pairs[n++] = (end_count){late, 1};
            break;
        }
    double e = kth_smallest(o->pairs, n, m - (double)p->macros);
    double seg_first, seg_last;
    segment_times(p, l, &seg_first, &seg_last);
    double f = e + w + step; /* w: a write and o (first_ready) */
    first[i] = pim_dmax(first[i], f);
    done[i] = pim_dmax(done[i], f + s->sums[i].max_compute - seg_first);
    o->late[i] = e + w + chunk;
}

/* Capacity: a load that cannot compute before time T holds its macro from
 * its write until then, so at most N such loads have written anything by
 * T; the rest of their bytes cross the channel after T, and the last load
 * still waits o and computes. A layer's chunks start in order of what they
 * read, so chunk c starts no earlier than its first segment's prefix
 * (above) and its layer's start: samples of up to CAPACITY_SAMPLES chunks
 * per layer (first and last among them) give, for each sampled start T,
 * the chunks of every layer starting no earlier. The later chunks of the
 * first layers that read a CNN's compute-bound front wait for all of it.
 *
 * Holding costs macro time the front needs. Let T' >= T be when the first
 * of those late chunks starts: its prefix (macro work W, at least the least
 * W among the late chunks) is done by T', and every late load written
 * before T' held its macro from its write start to T'. Late loads written
 * in [w, T'] moved at most B (T' - w) bytes, so k loads of at most s bytes
 * carrying P = k s bytes before T' held at least s k (k + 1) / 2B
 * macro-cycles (hold_cycles()): N T' >= W + that. The end is at least
 * T' + (late bytes - P) / B, which falls as T' grows while P < N s (each
 * cycle lets more than B bytes' worth wait, see the derivative: 1 - N/(k+1)),
 * so its least is at P = N s: T' >= (W + hold_cycles(N)) / N. */
#define CAPACITY_SAMPLES 16

typedef struct {
    uint64_t chunk;
    double start, work; /* its start bound; its prefix's macro work */
} chunk_start;

/* Macro-cycles that k loads of at most s bytes each, all still waiting at
 * some time T', held before T' if they moved k s bytes by then at B. */
static double hold_cycles(double k, double s, double bandwidth)
{
    return s * k * (k + 1) / (2 * bandwidth);
}

/* Layer j's sampled chunk starts into out (in chunk order); how many. Its
 * first chunk's are its start bound and its first segment's prefix work
 * (the chain's, passed in). */
static uint32_t sample_chunks(prefix_scan *ps, uint32_t j, const double *start,
                              const double *first_work, chunk_start *out)
{
    const pim_plan *p = ps->p;
    const pim_layer_plan *l = &p->layers[j];
    uint64_t chunks = l->tiling.tiles ? l->chunks : 1;
    uint32_t n = chunks < CAPACITY_SAMPLES ? (uint32_t)chunks : CAPACITY_SAMPLES;
    out[0] = (chunk_start){0, start[j], first_work[j]};
    for (uint32_t k = 1; k < n; k++) {
        uint64_t c = pim_mul_div(k, chunks - 1, n - 1);
        uint64_t upto = pim_plan_step_end(l, c, 0);
        double work, s = prefix_start(ps, j, upto, &work);
        /* a later chunk reads at least as much: its prefix holds the last's */
        out[k] = (chunk_start){c, pim_dmax(s, out[k - 1].start), pim_dmax(work, out[k - 1].work)};
    }
    return n;
}

/* Off-chip bytes of layer j's chunks that start no earlier than t, and
 * into *work the least prefix work among those chunks. */
static double bytes_from(const pim_plan *p, uint32_t j, const layer_sums *sums,
                         const chunk_start *c, uint32_t n, double t, double *work)
{
    uint32_t k = 0, hi = n; /* the first sample starting at or after t */
    while (k < hi) {
        uint32_t mid = k + (hi - k) / 2;
        if (c[mid].start < t)
            k = mid + 1;
        else
            hi = mid;
    }
    if (k == n)
        return 0;
    *work = c[k].work;
    double stream = k == 0 ? (double)p->layers[j].stream_bytes : 0;
    uint64_t chunks = p->layers[j].tiling.tiles ? p->layers[j].chunks : 1;
    return stream + sums[j].weight_bytes * (double)(chunks - c[k].chunk) / (double)chunks;
}

/* The capacity bound at one sampled start t: over the chunks starting no
 * earlier (samples[] of every layer). */
static double capacity_at(const pim_plan *p, const layer_sums *sums, const fill_waits *fill,
                          const chunk_start *all, const uint32_t *count, double t)
{
    double bytes = 0, tile = 0, tail = INFINITY, work = INFINITY;
    for (uint32_t j = 0; j < p->count; j++) {
        double w = INFINITY;
        double b = bytes_from(p, j, sums, all + (size_t)j * CAPACITY_SAMPLES, count[j], t, &w);
        if (b <= 0)
            continue;
        bytes += b;
        work = pim_dmin(work, w);
        tile = pim_dmax(tile, sums[j].tile);
        tail = p->layers[j].stream_bytes ? 0 : pim_dmin(tail, sums[j].end_tail);
    }
    double n = (double)p->macros, after = bytes - n * tile;
    if (after <= 0)
        return 0;
    /* the held loads' writes may be some macros' first: the larger of
     * the two, not their sum */
    double outside = pim_dmax(hold_cycles(n, tile, (double)p->bandwidth), fill_idle(fill, t));
    double first = pim_dmax(t, (work + outside) / n);
    return first + after / (double)p->bandwidth + (isfinite(tail) ? tail : 0);
}

/* Macro-cycles one load of each of a chunk's tiles takes at least: the
 * writes at their fastest and o each (chunk_writes), and the smallest
 * chunk's vectors (the last: chunks are balanced). */
static double least_busy(const pim_plan *p, const pim_layer_plan *l, const layer_sums *s)
{
    double vectors = (double)pim_plan_chunk_vectors(l, l->chunks - 1);
    return s->chunk_writes + (double)l->tiling.tiles * vectors * p->cycles_per_vector;
}

/* Turnover. Each load has an earliest end: its chunk's start bound plus
 * its compute, and its last segment's prefix plus that segment (it reads
 * what the chunk's last unit needs). A load holds its macro from its write
 * to its last compute, so at any time x the loads that have begun either
 * ended before x, and then their earliest end is before x, or still hold
 * one of the N macros. The others write all their bytes at or after x:
 * at least the off-chip bytes less those of the loads whose earliest end
 * is before x and N of the largest tiles; then the last of them waits o
 * and computes. Unlike the capacity term, it counts the macros held by
 * loads that began early but cannot end early (a front layer's loads that
 * each run all its vectors). The sampled chunks stand for the chunks up to
 * the next sample (a later chunk needs at least what an earlier one does).
 *
 * The loads that ended before x also did all their work before x, on N
 * macros that by then had at most N x less the fill's waits to give
 * (fill_idle()): they carry at most the bytes the best of them by bytes
 * per macro-cycle carry in that room, a share of one taken where the room
 * runs out (the fractional knapsack, an upper bound on every whole set).
 * ResNet-18 at B = 128: its front's loads could all end by x = 119k on
 * their earliest ends but not all in 256 x 119k macro-cycles, and the
 * term rises 243,095 -> 244,649 cycles. */
typedef struct {
    double end, bytes; /* earliest end of the group's loads; their off-chip bytes */
    double busy;       /* the macro-cycles they take at least (least_busy()) */
} end_group;

/* The groups seen so far, in order of bytes per macro-cycle, best first:
 * Fenwick sums of busy and bytes over that order, so the best set within
 * a room is a prefix found in log time. */
typedef struct {
    double yield; /* bytes per macro-cycle */
    size_t group;
} yield_place;

typedef struct {
    size_t n;
    size_t *place;        /* place[i]: group i's place, from 1 */
    yield_place *order;   /* order[r - 1]: the group at place r */
    double *busy, *bytes; /* Fenwick sums over places 1..n */
} yield_index;

static int by_yield(const void *x, const void *y)
{
    const yield_place *a = x, *b = y;
    if (a->yield != b->yield)
        return (a->yield < b->yield) - (a->yield > b->yield);
    return (a->group > b->group) - (a->group < b->group);
}

/* 0 when out of memory (the term is then left as it was: still a bound). */
static int yield_index_init(yield_index *y, const end_group *g, size_t n)
{
    *y = (yield_index){n, calloc(n + 1, sizeof *y->place), calloc(n + 1, sizeof *y->order),
                       calloc(n + 1, sizeof *y->busy), calloc(n + 1, sizeof *y->bytes)};
    if (!y->place || !y->order || !y->busy || !y->bytes)
        return 0;
    for (size_t i = 0; i < n; i++)
        y->order[i] = (yield_place){g[i].busy > 0 ? g[i].bytes / g[i].busy : INFINITY, i};
    qsort(y->order, n, sizeof *y->order, by_yield);
    for (size_t r = 0; r < n; r++)
        y->place[y->order[r].group] = r + 1;
    return 1;
}

static void yield_index_free(yield_index *y)
{
    free(y->place);
    free(y->order);
    free(y->busy);
    free(y->bytes);
}

static void yield_index_add(yield_index *y, size_t group, const end_group *g)
{
    for (size_t r = y->place[group]; r <= y->n; r += r & (~r + 1)) {
        y->busy[r] += g->busy;
        y->bytes[r] += g->bytes;
    }
}

/* The most bytes the groups added carry in `room` macro-cycles: the best
 * places while they fit (Fenwick descent), and the next one's share. */
static double yield_index_most(const yield_index *y, const end_group *g, double room)
{
    size_t r = 0, step = 1;
    while (step * 2 <= y->n)
        step *= 2;
    double bytes = 0;
    for (; step; step /= 2)
        if (r + step <= y->n && y->busy[r + step] <= room) {
            r += step;
            room -= y->busy[r];
            bytes += y->bytes[r];
        }
    if (r < y->n && room > 0) {
        const end_group *next = &g[y->order[r].group];
        if (next->busy > 0)
            bytes += next->bytes * room / next->busy;
    }
    return bytes;
}

static int by_end(const void *x, const void *y)
{
    double a = ((const end_group *)x)->end, b = ((const end_group *)y)->end;
    return (a > b) - (a < b);
}

/* The earliest end of a load of layer j's sampled chunk c. */
static double earliest_end(prefix_scan *ps, uint32_t j, const chunk_start *c)
{
    const pim_plan *p = ps->p;
    const pim_layer_plan *l = &p->layers[j];
    double t = p->cycles_per_vector;
    double compute = (double)pim_plan_chunk_vectors(l, l->chunks - 1) * t;
    uint64_t steps = pim_plan_steps(l), last = pim_plan_step_segment(l, c->chunk, steps - 1);
    uint64_t from = pim_plan_segment_start(l, last), upto = pim_plan_segment_start(l, last + 1);
    double end = pim_dmax(c->start, ps->sums[j].first_ready) + compute;
    /* a chunk of one step: its last segment is its first, whose start
     * bound the sample holds (at least that segment's prefix) */
    double last_start = steps == 1 ? c->start : prefix_start(ps, j, upto, NULL);
    return pim_dmax(end, last_start + (double)(upto - from) * t);
}

static double turnover(prefix_scan *ps, const chunk_start *all, const uint32_t *count)
{
    const pim_plan *p = ps->p;
    const layer_sums *sums = ps->sums;
    end_group *g = calloc((size_t)p->count * CAPACITY_SAMPLES + 1, sizeof *g);
    if (!g)
        return 0; /* still a bound without it */
    size_t n = 0;
    double bytes = 0, tile = 0, tail = INFINITY;
    for (uint32_t j = 0; j < p->count; j++) {
        const pim_layer_plan *l = &p->layers[j];
        if (!l->tiling.tiles)
            continue;
        if (sums[j].weight_bytes > 0) {
            bytes += sums[j].weight_bytes;
            tile = pim_dmax(tile, sums[j].tile);
            tail = pim_dmin(tail, sums[j].end_tail);
        }
        const chunk_start *c = all + (size_t)j * CAPACITY_SAMPLES;
        for (uint32_t k = 0; k < count[j]; k++) {
            uint64_t next = k + 1 < count[j] ? c[k + 1].chunk : l->chunks;
            double share = (double)(next - c[k].chunk) / (double)l->chunks;
            g[n++] = (end_group){earliest_end(ps, j, &c[k]), sums[j].weight_bytes * share,
                                 least_busy(p, l, &sums[j]) * (double)(next - c[k].chunk)};
        }
    }
    qsort(g, n, sizeof *g, by_end);
    yield_index y;
    int fits = yield_index_init(&y, g, n);
    double best = 0, ended = 0; /* bytes of the loads whose earliest end is before g[k] */
    for (size_t k = 0; k < n && isfinite(tail); k++) {
        double x = g[k].end, carried = ended;
        if (fits) {
            double room = (double)p->macros * x - fill_idle(&ps->fill, x);
            carried = pim_dmin(ended, room > 0 ? yield_index_most(&y, g, room) : 0);
        }
        double after = bytes - carried - (double)p->macros * tile;
        if (after <= 0)
            break;
        if (k == 0 || x > g[k - 1].end)
            best = pim_dmax(best, x + after / (double)p->bandwidth + tail);
        ended += g[k].bytes;
        if (fits)
            yield_index_add(&y, k, &g[k]);
    }
    yield_index_free(&y);
    free(g);
    return best;
}

static double capacity(const pim_plan *p, const layer_sums *sums, const fill_waits *fill,
                       const chunk_start *all, const uint32_t *count)
{
    double best = 0;
    for (uint32_t i = 0; i < p->count; i++)
        for (uint32_t k = 0; k < count[i]; k++)
            best = pim_dmax(best, capacity_at(p, sums, fill, all, count,
                                              all[(size_t)i * CAPACITY_SAMPLES + k].start));
    return best;
}

/* The capacity and turnover terms, over the same sampled chunks; both 0
 * when out of memory for the samples (still a bound without them). */
static void capacity_and_turnover(prefix_scan *ps, const double *start, const double *first_work,
                                  pim_plan_bound *out)
{
    const pim_plan *p = ps->p;
    chunk_start *all = calloc((size_t)p->count * CAPACITY_SAMPLES + 1, sizeof *all);
    uint32_t *count = calloc(p->count + 1u, sizeof *count);
    if (all && count) {
        for (uint32_t j = 0; j < p->count; j++)
            count[j] = sample_chunks(ps, j, start, first_work, all + (size_t)j * CAPACITY_SAMPLES);
        out->capacity = capacity(p, ps->sums, &ps->fill, all, count);
        out->turnover = turnover(ps, all, count);
    }
    free(all);
    free(count);
}

/* Barriers. A digital layer b that reads a producer whole from its first
 * piece runs in a window of at least its own cycles (one vector unit).
 * Layers whose completion b's start implies (C: read whole, back through
 * producers read whole) are done before the window; layers that cannot
 * compute before b ends (D: read b's last piece, or any of D, from their
 * first unit) hold any tile written in the window until after it, so at
 * most N tiles of theirs cross in it. The window carries only those, b's
 * own streams and the bytes of layers in neither set. Windows of barriers
 * each in the previous one's D are disjoint, so
 *   T >= their cycles + (all bytes - what the windows may carry) / B.
 * The macros' work (write floor, o, compute; as the macros term counts
 * it) obeys the same sum over N: in a window a macro works only on
 * layers in neither set, or writes (with its o) the one tile of D it then
 * holds past the window, whose compute comes after: so a load of D loses
 * at most its write and o to the windows, one of neither set at most its
 * whole work, and every other load's work lies outside them. */
typedef struct {
    const pim_plan *p;
    const layer_sums *sums;
    uint8_t *before, *after; /* C and D of the barrier being looked at */
    uint8_t *chosen_after;   /* D of the last barrier taken */
    double *lat;             /* per layer of D: cycles past b's end before it computes */
} barrier_scan;

/* b's C and D into s; 0 when b reads no producer whole from its start. */
static int barrier_sets(barrier_scan *s, uint32_t b)
{
    const pim_plan *p = s->p;
    const pim_layer_plan *l = &p->layers[b];
    uint64_t first_end = pim_plan_segment_start(l, 1);
    int any = 0;
    for (uint32_t i = 0; i < p->count; i++)
        s->before[i] = s->after[i] = 0;
    for (uint32_t k = 0; k < l->npreds; k++)
        if (pim_plan_need(p, l->preds[k], b, first_end) >= p->layers[l->preds[k]].units)
            any = s->before[l->preds[k]] = 1;
    if (!any)
        return 0;
    for (uint32_t i = b; i-- > 0;)
        for (uint32_t k = 0; s->before[i] && k < p->layers[i].npreds; k++) {
            uint32_t q = p->layers[i].preds[k];
            if (pim_plan_need(p, q, i, p->layers[i].units) >= p->layers[q].units)
                s->before[q] = 1;
        }
    /* b's units exist a piece at a time: reading one of its last piece
     * waits for b's end */
    uint64_t last_piece = pim_plan_segment_start(l, pim_plan_segments(l) - 1);
    for (uint32_t j = b + 1; j < p->count; j++) {
        const pim_layer_plan *c = &p->layers[j];
        uint64_t end = pim_plan_segment_start(c, 1);
        for (uint32_t k = 0; !s->after[j] && k < c->npreds; k++) {
            uint32_t q = c->preds[k];
            uint64_t need = pim_plan_need(p, q, j, end);
            if ((q == b && need > last_piece) || (q > b && s->after[q] && need > 0))
                s->after[j] = 1;
        }
    }
    return 1;
}

/* Bytes barrier b's window may carry (its sets in s). */
static double window_bytes(const barrier_scan *s, uint32_t b)
{
    const pim_plan *p = s->p;
    double free_bytes = (double)p->layers[b].stream_bytes, tile = 0;
    for (uint32_t i = 0; i < p->count; i++) {
        if (i == b || s->before[i])
            continue;
        if (s->after[i])
            tile = pim_dmax(tile, s->sums[i].tile); /* its streams start after the window */
        else
            free_bytes += s->sums[i].channel_bytes;
    }
    return free_bytes + (double)p->macros * tile;
}

/* Macro-cycles of work barrier b's window may hold (its sets in s): every
 * load of neither set, and on each macro one of D's writes with its o. */
static double window_work(const barrier_scan *s, uint32_t b)
{
    const pim_plan *p = s->p;
    double free_work = 0, write = 0;
    for (uint32_t i = 0; i < p->count; i++) {
        if (i == b || s->before[i] || !s->sums[i].loads)
            continue;
        if (s->after[i])
            write = pim_dmax(write, s->sums[i].longest_write);
        else
            free_work += s->sums[i].busy;
    }
    return free_work + (double)p->macros * write;
}

/* The channel around a window. A load of D computes only after b ends,
 * once its layer's inputs exist: a layer of D reading b starts no earlier
 * than b's end, one reading others of D no earlier than their first
 * segments after their own starts (lat, cycles past b's end). So every
 * tile of D crossing from c' cycles before b's start until c cycles past
 * its end (c: the least lat plus compute of a load of D) holds its macro
 * until then: at most N of them cross there. Before b starts every load
 * of C has written, waited o and computed its chunk, so C's tiles have
 * all crossed c' before (c': the least o plus compute of a load of C).
 * Besides those only the streams of C's and D's digital layers and what
 * the window carries anyway cross there. */
typedef struct {
    double before, after; /* c' and c; 0 when C or D has no loads */
    double streams;       /* bytes of C's and D's digital layers */
} reach;

static reach reach_of(barrier_scan *s, uint32_t b)
{
    const pim_plan *p = s->p;
    reach r = {INFINITY, INFINITY, 0};
    for (uint32_t j = 0; j < p->count; j++) {
        const pim_layer_plan *l = &p->layers[j];
        if (s->before[j] && s->sums[j].loads)
            r.before = pim_dmin(r.before, s->sums[j].min_tail);
        else if (s->before[j])
            r.streams += (double)l->stream_bytes;
        if (!s->after[j])
            continue;
        uint64_t first_end = pim_plan_segment_start(l, 1);
        s->lat[j] = 0;
        for (uint32_t k = 0; k < l->npreds; k++) {
            uint32_t q = l->preds[k];
            double first, last;
            if (q == b || !s->after[q] || !pim_plan_need(p, q, j, first_end))
                continue;
            segment_times(p, &p->layers[q], &first, &last);
            s->lat[j] = pim_dmax(s->lat[j], s->lat[q] + first);
        }
        if (s->sums[j].loads)
            r.after = pim_dmin(r.after, s->lat[j] + s->sums[j].min_tail - p->overhead);
        else
            r.streams += (double)l->stream_bytes;
    }
    r.before = isfinite(r.before) ? r.before : 0;
    r.after = isfinite(r.after) ? r.after : 0;
    return r;
}

/* Cycles barrier b (its C in s) starts at least past the end of the last
 * window taken: the most, over the layers of C in that window's D, of
 * their lat there and then a load's compute (stationary) or all their
 * cycles (digital, one vector unit). The window before b's and the one
 * past the last one's end fit in that. */
static double gap_after_chosen(const barrier_scan *s)
{
    const pim_plan *p = s->p;
    double gap = 0;
    for (uint32_t i = 0; i < p->count; i++) {
        if (!s->before[i] || !s->chosen_after[i])
            continue;
        double own = s->sums[i].loads ? s->sums[i].min_tail - p->overhead
                                      : (double)p->layers[i].digital_cycles;
        gap = pim_dmax(gap, s->lat[i] + own);
    }
    return gap;
}

/* One resource through the windows: `total` of it at `rate` per cycle,
 * `allowance` what a window may hold; `reaches`: the channel's windows
 * reach around their barrier (reach_of()), within the gaps between them. */
typedef struct {
    double total, rate;
    double (*allowance)(const barrier_scan *s, uint32_t b);
    int reaches;
} barrier_resource;

static double barriers_of(barrier_scan *s, const barrier_resource *r)
{
    const pim_plan *p = s->p;
    double cycles = 0, carried = 0;
    reach last = {0, 0, 0};
    int taken = 0;
    for (uint32_t b = 0; b < p->count; b++) {
        const pim_layer_plan *l = &p->layers[b];
        if (l->tiling.tiles || !l->digital_cycles || (taken && !s->chosen_after[b]) ||
            !barrier_sets(s, b))
            continue;
        double allowance = r->allowance(s, b);
        if (allowance >= (double)l->digital_cycles * r->rate)
            continue; /* the window could be all work: no gain */
        if (r->reaches) {
            double gap = taken ? gap_after_chosen(s) : INFINITY; /* lat: the last window's */
            reach now = reach_of(s, b);
            double room = pim_dmin(last.after + now.before, gap);
            cycles += pim_dmax(0, room - (last.streams + now.streams) / r->rate);
            last = now;
        }
        cycles += (double)l->digital_cycles;
        carried += allowance;
        taken = 1;
        for (uint32_t i = 0; i < p->count; i++)
            s->chosen_after[i] = s->after[i];
    }
    cycles += pim_dmax(0, last.after - last.streams / r->rate);
    return r->total > carried ? cycles + (r->total - carried) / r->rate : cycles;
}

/* The larger of the channel's and the macros' windows bound. */
static double barriers(const pim_plan *p, const layer_sums *sums, double macro_busy)
{
    barrier_scan s = {p,
                      sums,
                      calloc(p->count, 1),
                      calloc(p->count, 1),
                      calloc(p->count, 1),
                      calloc(p->count, sizeof *s.lat)};
    double best = 0;
    if (s.before && s.after && s.chosen_after && s.lat) {
        double bytes = 0;
        for (uint32_t i = 0; i < p->count; i++)
            bytes += sums[i].channel_bytes;
        barrier_resource channel = {bytes, (double)p->bandwidth, window_bytes, 1};
        barrier_resource macros = {macro_busy, (double)p->macros, window_work, 0};
        best = pim_dmax(barriers_of(&s, &channel), barriers_of(&s, &macros));
    }
    free(s.before);
    free(s.after);
    free(s.chosen_after);
    free(s.lat);
    return best;
}

/* Downstream latency. A unit of layer j read by consumer k is an input of
 * one of k's segments, which then takes at least its cycles (the least of
 * k's segments: steps split a chunk evenly, pieces the vector unit's
 * cycles) before it yields units of k. So once any unit of j exists, the
 * run lasts at least after[j]: over the consumers that read every unit of
 * j, the largest least segment plus after[k]. The last load to be written
 * then computes its chunk (min_tail) and this: in a chain of three layers
 * of one-tile loads with steps of two vectors, the load written last is
 * either the last layer's, whose two steps follow its write, or an
 * earlier one's, whose consumers' steps follow it (the exhaustive family
 * of partly done chains). Layers are in topological order, so one pass
 * backwards. */
static void downstream(const pim_plan *p, double *after)
{
    for (uint32_t k = p->count; k-- > 0;) {
        const pim_layer_plan *l = &p->layers[k];
        double least;
        if (l->tiling.tiles) {
            uint64_t v = pim_plan_chunk_vectors(l, l->chunks - 1);
            least = (double)(v / pim_plan_steps(l)) * p->cycles_per_vector;
        } else {
            least = (double)(l->digital_cycles / (l->pieces ? l->pieces : 1));
        }
        for (uint32_t n = 0; n < l->npreds; n++) {
            uint32_t j = l->preds[n];
            if (pim_plan_need(p, j, k, l->units) >= p->layers[j].units)
                after[j] = pim_dmax(after[j], least + after[k]);
        }
    }
}

/* Release. When layer q is done (E, at least done[q]), the load that
 * computed its last unit held a macro just before E, and so did every
 * load already written whose last step needs that unit, through any chain
 * of consumers (a step reads a prefix of each producer's units, so it then
 * needs all of q): none of those can end before E. So if they number more
 * than N - 1, one is written after E, then computes its whole chunk, and
 * the run lasts the latency after that (downstream()). All of them but
 * N - 1 tiles' worth carry their bytes after E, and E is no earlier than
 * q's and its ancestors' work for all of q over N, with the macro-cycles
 * those N - 1 early tiles held before E (hold_cycles(): as in the
 * capacity term, the least is when N - 1 are held), or the fill's waits. Two macros, a one-tile
 * layer, a two-tile one and two one-tile layers of ten vectors each: the
 * second layer's second tile cannot join the first and the producer, so
 * it is written once the producer ends (E = 386), its last step ends at
 * 772; both loads after it then need that, so the last layer's load is
 * written after 772 and computes its ten vectors: 1,158, the optimum
 * (the macro term said 997). The D set is found layer by layer: the
 * first segment of each layer that reads (at any depth) q's last unit,
 * and every chunk whose last step is at or after it. */
typedef struct {
    uint64_t *from; /* per layer: 1 + its first unit that needs q's last one; 0: none */
    prefix_scan *scan;
} release_scan;

/* The first segment of layer k reading producer j's units from `unit` on;
 * 0 when none does (segments are counted from 1 here). */
static uint64_t first_reading(const pim_plan *p, uint32_t j, uint32_t k, uint64_t unit)
{
    const pim_layer_plan *l = &p->layers[k];
    uint64_t lo = 0, hi = pim_plan_segments(l);
    if (pim_plan_need(p, j, k, l->units) <= unit)
        return 0;
    while (lo < hi) { /* the first segment whose end reads past unit */
        uint64_t mid = lo + (hi - lo) / 2;
        if (pim_plan_need(p, j, k, pim_plan_segment_start(l, mid + 1)) > unit)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo + 1;
}

/* The chunks of layer k whose last step is segment seg or later. */
static uint64_t chunks_ending_from(const pim_layer_plan *l, uint64_t seg)
{
    uint64_t steps = pim_plan_steps(l);
    if (pim_plan_interleaved(l)) { /* chunk c's last step: (steps - 1) chunks + c */
        uint64_t last_row = (steps - 1) * l->chunks;
        return seg <= last_row ? l->chunks : l->chunks - (seg - last_row);
    }
    return l->chunks - seg / steps;
}

/* Macro-cycles done by the time q is: its own loads' work and its
 * ancestors' for all of its units. */
static double work_before_done(prefix_scan *s, uint32_t q)
{
    double work;
    prefix_pass(s, q, s->p->layers[q].units, s->p->count, &work, NULL, NULL);
    return work + s->sums[q].busy;
}

/* When q can be done at the earliest, given that `hold` macro-cycles went
 * to loads waiting for it: that work, with the fill's waits or that
 * holding (the larger), over N. */
static double release_time(const prefix_scan *s, double work, double end, double hold)
{
    double n = (double)s->p->macros;
    return pim_dmax(end, (work + pim_dmax(hold, fill_idle(&s->fill, end))) / n);
}

static double release_after(const pim_plan *p, release_scan *r, uint32_t q, double end)
{
    const pim_layer_plan *ql = &p->layers[q];
    const layer_sums *sums = r->scan->sums;
    if (!ql->tiling.tiles || !ql->units)
        return 0;
    memset(r->from, 0, p->count * sizeof *r->from);
    r->from[q] = ql->units; /* stored as unit + 1 */
    double held = 0, tail = INFINITY, bytes = 0, tile = 0, offchip_tail = INFINITY;
    for (uint32_t k = q + 1; k < p->count; k++) {
        const pim_layer_plan *l = &p->layers[k];
        uint64_t seg = 0;
        for (uint32_t n = 0; n < l->npreds; n++) {
            uint32_t j = l->preds[n];
            uint64_t s = r->from[j] ? first_reading(p, j, k, r->from[j] - 1) : 0;
            if (s && (!seg || s < seg))
                seg = s;
        }
        if (!seg)
            continue;
        r->from[k] = pim_plan_segment_start(l, seg - 1) + 1;
        if (!l->tiling.tiles)
            continue;
        double chunks = (double)chunks_ending_from(l, seg - 1);
        const layer_sums *s = &sums[k];
        held += (double)l->tiling.tiles * chunks;
        tail = pim_dmin(tail, s->first_ready - p->overhead + s->end_tail);
        if (!l->onchip_writes) {
            bytes += s->weight_bytes * chunks / (double)l->chunks;
            tile = pim_dmax(tile, s->tile);
            offchip_tail = pim_dmin(offchip_tail, s->end_tail);
        }
    }
    double n = (double)p->macros;
    if (held <= n - 1 || !isfinite(tail))
        return 0;
    double work = work_before_done(r->scan, q);
    double best = release_time(r->scan, work, end, 0) + tail;
    /* those written after E carry all their bytes but what N - 1 hold,
     * and holding them before E took macro time E's work then lacked
     * (the least at N - 1 held: see the capacity term) */
    double late = bytes - (n - 1) * tile;
    if (late > 0 && isfinite(offchip_tail)) {
        double e = release_time(r->scan, work, end, hold_cycles(n - 1, tile, (double)p->bandwidth));
        best = pim_dmax(best, e + late / (double)p->bandwidth + offchip_tail);
    }
    return best;
}

/* Drain. Take a stationary layer k and every layer k' reading the same
 * producers, each at least as far at its chunks' first last step as k
 * (a wide layer's cut parts): their loads, D, each end after the time E
 * when the units k's first last step reads, and all their ancestors',
 * are done (prefix P). On a macro at most one load of D begins before E
 * (it cannot end before), so at least |D| - N begin after it (S), and
 * the channel carries all their bytes after E. After E a macro works only
 * on loads of D or on work neither in D nor in P (X: the macros' work
 * less D's and P's). Rank the macros holding a load of S by when their
 * last one begins to write, latest first: the r-th latest, at a, has r
 * tiles (of at least t bytes) to write after a and before T - o - c_min,
 * so T - a >= r t / B + o + c_min, and from a on that macro only writes
 * (w at most its largest write floor), waits o and computes (c at most
 * c_max): it idles at least f(r) = r t / B - w - (c_max - c_min). A macro
 * holding none idles at least f(|S|) after E (its one load of D and the
 * last load of S, written after E + |S| t / B). So the macros idle at
 * least the sum of f(1..min(N, |S|)) less X after E, and the fill's waits
 * before it: N T >= every load's work + both. A chain into a classifier
 * of two tiles per macro: the last tiles of the second round cross one
 * after another, and the macros that had theirs first wait for the
 * others' end (SqueezeNet at B = 128, the classifier's 512 loads of 169
 * vectors on 256 macros). */
typedef struct {
    double loads, work;  /* D's loads, their work */
    double write;        /* the largest write floor */
    double c_min, c_max; /* the least and largest compute of one load */
    size_list tiles;     /* D's loads by tile size (room for eight classes a layer) */
} drain_set;

/* Whether layer j reads the same producers as k, at least as far at its
 * chunks' first last step (upto_j) as k does at upto_k. */
static int drains_with(const pim_plan *p, uint32_t k, uint64_t upto_k, uint32_t j, uint64_t upto_j)
{
    const pim_layer_plan *a = &p->layers[k], *b = &p->layers[j];
    if (a->npreds != b->npreds)
        return 0;
    for (uint32_t n = 0; n < a->npreds; n++)
        if (a->preds[n] != b->preds[n] ||
            pim_plan_need(p, b->preds[n], j, upto_j) < pim_plan_need(p, a->preds[n], k, upto_k))
            return 0;
    return 1;
}

/* The units a layer's first last step reads up to: its chunks' last steps,
 * the first of them. */
static uint64_t first_last_step(const pim_layer_plan *l)
{
    return pim_plan_step_end(l, 0, pim_plan_steps(l) - 1);
}

static int drainable(const pim_layer_plan *l)
{
    return l->tiling.tiles && !l->onchip_writes && !l->dynamic;
}

static void add_to_drain(const pim_plan *p, const layer_sums *s, const pim_layer_plan *l,
                         drain_set *d)
{
    double t = p->cycles_per_vector;
    d->loads += (double)s->loads;
    d->work += s->busy;
    d->tiles.tiling = &l->tiling;
    d->tiles.chunks = (double)l->chunks;
    pim_tiling_classes(&l->tiling, add_size, &d->tiles);
    d->write = pim_dmax(d->write, s->longest_write - p->overhead);
    d->c_min = pim_dmin(d->c_min, (double)pim_plan_chunk_vectors(l, l->chunks - 1) * t);
    d->c_max = pim_dmax(d->c_max, (double)pim_plan_chunk_vectors(l, 0) * t);
}

/* The sum of max(0, (c + i t) / B - b) over i = 1..m. */
static double steps_above(double c, double t, double m, double bandwidth, double b)
{
    double i0 = floor((b * bandwidth - c) / t) + 1; /* the first i above b */
    if (i0 < 1)
        i0 = 1;
    if (i0 > m)
        return 0;
    double n = m - i0 + 1, first = (c + i0 * t) / bandwidth - b;
    return n * first + t / bandwidth * n * (n - 1) / 2;
}

/* The least idle the drain argument puts after E: over r = 1..n, the r
 * smallest tiles of D over B, less b, where positive. */
static double staircase(size_list *tiles, double n, double bandwidth, double b)
{
    qsort(tiles->classes, tiles->n, sizeof *tiles->classes, by_bytes);
    double idle = 0, bytes = 0, r = 0;
    for (size_t j = 0; j < tiles->n && r < n; j++) {
        double m = pim_dmin(tiles->classes[j].loads, n - r), t = tiles->classes[j].bytes;
        idle += steps_above(bytes, t, m, bandwidth, b);
        bytes += m * t;
        r += m;
    }
    return idle;
}

/* The drain term of the set of layer k (upto[j]: layer j's first last
 * step, 0 when it cannot drain). */
static double drain_of(prefix_scan *s, const uint64_t *upto, uint32_t k, double macro_busy)
{
    const pim_plan *p = s->p;
    drain_set d = {0, 0, 0, INFINITY, 0, {NULL, 0, s->drain_classes, 0}};
    for (uint32_t j = 0; j < p->count; j++) {
        if (j != k && (!upto[j] || !drains_with(p, k, upto[k], j, upto[j])))
            continue;
        if (j < k && drains_with(p, j, upto[j], k, upto[k]))
            return 0; /* the same set as j's, whose term is taken */
        add_to_drain(p, &s->sums[j], &p->layers[j], &d);
    }
    double n = (double)p->macros, late = d.loads - n;
    if (late <= 0)
        return 0;
    double prefix;
    prefix_pass(s, k, upto[k], p->count, &prefix, NULL, NULL);
    double free_work = pim_dmax(0, macro_busy - d.work - prefix);
    double idle =
        staircase(&d.tiles, pim_dmin(n, late), (double)p->bandwidth, d.write + d.c_max - d.c_min);
    if (idle <= free_work)
        return 0;
    return (macro_busy + fill_idle(&s->fill, prefix / n) + idle - free_work) / n;
}

/* 0 when out of memory (still a bound without it). */
static double drain(prefix_scan *s, double macro_busy)
{
    const pim_plan *p = s->p;
    double best = 0;
    uint64_t *upto = calloc(p->count + 1u, sizeof *upto);
    s->drain_classes = calloc((size_t)p->count * 8 + 1, sizeof *s->drain_classes);
    for (uint32_t k = 0; upto && k < p->count; k++)
        if (drainable(&p->layers[k]))
            upto[k] = first_last_step(&p->layers[k]); /* a step ends past unit 0 */
    for (uint32_t k = 0; upto && s->drain_classes && k < p->count; k++)
        if (upto[k])
            best = pim_dmax(best, drain_of(s, upto, k, macro_busy));
    free(upto);
    free(s->drain_classes);
    return best;
}

void pim_plan_lower_bound(const pim_plan *p, pim_plan_bound *out)
{
    *out = (pim_plan_bound){0};
    double macro_busy = 0, offchip_tail = INFINITY, digital = 0, chain = 0;
    size_t n = p->count ? p->count : 1;
    double *first = calloc(n, sizeof *first), *done = calloc(n, sizeof *done);
    double *start = calloc(n, sizeof *start), *first_work = calloc(n, sizeof *first_work);
    layer_sums *sums = calloc(n, sizeof *sums);
    uint64_t *need = calloc(n, sizeof *need);
    double *after = calloc(n, sizeof *after); /* NULL: no latency after (still a bound) */
    if (after)
        downstream(p, after);
    /* without these two the residency argument is left out: still a bound */
    prefix_scan scan = {p,
                        sums,
                        need,
                        calloc(n, sizeof *scan.partial),
                        calloc(n, sizeof *scan.extended),
                        fill_waits_of(p),
                        first,
                        done,
                        NULL,
                        NULL};
    if (!scan.partial || !scan.extended) {
        free(scan.partial);
        free(scan.extended);
        scan.partial = NULL;
        scan.extended = NULL;
    }
    occupancy occ = {calloc(n, sizeof *occ.end), calloc(n, sizeof *occ.late),
                     calloc(n, sizeof *occ.set_max), calloc(n + 2, sizeof *occ.pairs)};
    if (occ.end && occ.late && occ.set_max && occ.pairs)
        scan.occ = &occ; /* without it the occupancy argument is left out: still a bound */
    for (uint32_t i = 0; i < p->count; i++) {
        const pim_layer_plan *l = &p->layers[i];
        layer_sums s;
        sum_layer(p, i, &s);
        s.end_tail = s.min_tail + (after ? after[i] : 0);
        if (sums)
            sums[i] = s;
        macro_busy += s.busy;
        digital += (double)l->digital_cycles;
        if (l->stream_bytes)
            offchip_tail = 0; /* a digital read may be the channel's last */
        else if (s.loads && !l->onchip_writes && s.end_tail < offchip_tail)
            offchip_tail = s.end_tail;
        if (first && done && start && first_work && sums && need) {
            double prefix = prefix_start(&scan, i, pim_plan_segment_start(l, 1), &first_work[i]);
            chain_layer(p, i, &s, prefix, first, done, &start[i], &first[i], &done[i]);
            if (s.loads && l->tiling.tiles >= p->macros)
                full_layer(&scan, i, &s, first, done);
            if (s.loads && scan.occ)
                occupancy_layer(&scan, i, start, first, done);
            chain = pim_dmax(chain, done[i]);
        }
    }
    if (first && done && start && first_work && sums && need)
        capacity_and_turnover(&scan, start, first_work, out);
    /* the capacity argument at each layer's end (else left out: still a bound) */
    release_scan rel = {calloc(n, sizeof *rel.from), &scan};
    if (first && done && start && first_work && sums && need && rel.from)
        for (uint32_t q = 0; q < p->count; q++)
            out->capacity = pim_dmax(out->capacity, release_after(p, &rel, q, done[q]));
    free(rel.from);
    if (sums)
        out->barriers = barriers(p, sums, macro_busy);
    if (first && done && start && first_work && sums && need)
        out->drain = drain(&scan, macro_busy);
    out->path = chain;
    chain = pim_dmax(pim_dmax(chain, pim_dmax(out->capacity, out->turnover)),
                     pim_dmax(out->barriers, out->drain));
    free(first);
    free(done);
    free(start);
    free(first_work);
    free(sums);
    free(need);
    free(after);
    free(scan.partial);
    free(scan.extended);
    free(occ.end);
    free(occ.late);
    free(occ.set_max);
    free(occ.pairs);
    macro_busy += fill_idle(&scan.fill, macro_busy / (double)p->macros);
    free(scan.fill.wait);
    free(scan.fill.sum);
    double offchip = (double)pim_plan_offchip_bytes(p);
    out->channel =
        offchip / (double)p->bandwidth + (offchip > 0 && isfinite(offchip_tail) ? offchip_tail : 0);
    out->macros = macro_busy / (double)p->macros;
    out->digital = digital;
    out->chain = chain;
    out->tight = pim_dmax(pim_dmax(out->channel, out->macros), pim_dmax(out->digital, out->chain));
}

const char *pim_plan_bound_binding(const pim_plan_bound *b)
{
    static const char *const names[] = {"bandwidth", "macro",    "digital",  "path",
                                        "capacity",  "turnover", "barriers", "drain"};
    const double cycles[] = {b->channel,  b->macros,   b->digital,  b->path,
                             b->capacity, b->turnover, b->barriers, b->drain};
    return names[pim_first_largest(cycles, sizeof cycles / sizeof cycles[0])];
}
