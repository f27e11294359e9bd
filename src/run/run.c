/* pimstream run: search, simulate, count. */
#include "run_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Layers with the same tiling and vector count behave the same alone, so
 * the per-layer search remembers its answers (a 32-block LLM searches each
 * distinct shape once). */
typedef struct {
    pim_tiling tiling;
    uint64_t vectors, chunks;
} tuned;

typedef struct {
    tuned *items;
    uint32_t count, cap;
} tune_memo;

static int same_shape(const pim_layer_plan *l, const tuned *t)
{
    return l->vectors == t->vectors && memcmp(&l->tiling, &t->tiling, sizeof t->tiling) == 0;
}

/* What a search simulated: runs, events, events jumped over, runs
 * stopped at their deadline, and the most events one share of the search
 * spent (take_share()). */
typedef struct {
    uint32_t simulations, aborted;
    uint64_t events, jumped, share_most;
} tally;

/* A run stopped at its deadline (the end of `rival`, the run it lost to)
 * is counted as that run's events: where it stopped depends on whether
 * steady states were jumped, and the budgets, counted in events, must
 * not (the search is the same with --no-fast-forward). */
static void count_sim(tally *t, const pim_sim_result *r, const pim_sim_result *rival)
{
    t->simulations++;
    t->aborted += r->aborted ? 1 : 0;
    t->events += r->aborted ? rival->events : r->events;
    t->jumped += r->aborted ? rival->jumped_events : r->jumped_events;
}

/* A search's tally into another's (every field, so none is left out). */
static void tally_add(tally *to, const tally *from)
{
    to->simulations += from->simulations;
    to->aborted += from->aborted;
    to->events += from->events;
    to->jumped += from->jumped;
    if (from->share_most > to->share_most)
        to->share_most = from->share_most;
}

/* Simulate p, stopping once it cannot end before `deadline` (0: never). */
static pim_status simulate_until(const pim_plan *p, const pim_sim_opts *opts, double deadline,
                                 pim_sim_result *r, pim_error *err)
{
    pim_sim_opts o = *opts;
    o.deadline = isfinite(deadline) ? deadline : 0;
    return pim_simulate_opts(p, &o, NULL, r, err);
}

/* Layer `layer` alone in `chunks` chunks; *best_run (its end and events)
 * becomes this run when it is faster. */
static pim_status time_single(const pim_plan *p, uint32_t layer, uint64_t chunks,
                              const pim_sim_opts *so, pim_sim_result *best_run, tally *tl,
                              pim_error *err)
{
    pim_plan one;
    pim_status st = pim_plan_single(p, layer, &one, err);
    if (st)
        return st;
    one.layers[0].chunks = chunks;
    pim_sim_result r;
    st = simulate_until(&one, so, best_run->end, &r, err);
    pim_plan_free(&one);
    if (st)
        return st;
    count_sim(tl, &r, best_run);
    if (!r.aborted && r.end < best_run->end) {
        best_run->end = r.end;
        best_run->events = r.events;
        best_run->jumped_events = r.jumped_events;
    }
    pim_sim_result_free(&r);
    return PIM_OK;
}

/* Pick each layer's chunking by simulating it alone under the plan's
 * strategy: replication trades write traffic for parallel compute. */
static pim_status tune_layers(pim_plan *p, const pim_sim_opts *so, tune_memo *memo, tally *tl,
                              pim_error *err)
{
    memo->count = 0;
    for (uint32_t i = 0; i < p->count; i++) {
        pim_layer_plan *l = &p->layers[i];
        uint64_t options[24];
        uint32_t n = pim_plan_chunk_options(p, i, options, 24);
        if (n < 2)
            continue;
        uint32_t k = 0;
        while (k < memo->count && !same_shape(l, &memo->items[k]))
            k++;
        if (k < memo->count) {
            l->chunks = memo->items[k].chunks;
            continue;
        }
        pim_sim_result best = {.end = INFINITY}; /* its end and events */
        for (uint32_t j = 0; j < n; j++) {
            double before = best.end;
            pim_status st = time_single(p, i, options[j], so, &best, tl, err);
            if (st)
                return st;
            if (best.end < before)
                l->chunks = options[j];
        }
        if (!pim_grow((void **)&memo->items, &memo->cap, memo->count, sizeof *memo->items))
            return pim_fail(err, PIM_EINTERNAL, "out of memory");
        memo->items[memo->count++] = (tuned){l->tiling, l->vectors, l->chunks};
    }
    return PIM_OK;
}

/* One strategy's candidate: built, tuned and simulated on its own, so the
 * candidates of a search can run on separate threads. */
typedef struct {
    const pim_run_config *config;
    pim_strategy strategy;
    pim_plan plan;
    pim_sim_result sim;
    tally tally;
    pim_status status;
    pim_error err;
    double order_end[PIM_ORDERS]; /* search_orders(): each order's cycles (0: not run) */
    uint64_t spend_until;         /* the search stops at this many events (its tally's) */
    uint64_t share_from;          /* its tally's events when its share began */
    int share_open;               /* a share is being spent (take_share()) */
} attempt;

/* The whole-network search's budget: a run already within 1% of its
 * plan's tight bound has nothing to gain, and one of more events than this
 * would take seconds more per variant (in dataflow order the state seldom
 * repeats, so few events are jumped): `run` stays interactive. Counted
 * with the jumped events, so the search is the same with or without
 * fast-forward. */
#define WHOLE_MAX_EVENTS 8000000
#define WHOLE_MIN_GAP 0.01

/* The user's budget (schedule.search_events): each load order's search
 * and, on each of the FINISHED_ORDERS fastest orders, the per-layer groups
 * pass (with the finer-steps and one-copy passes after it, on what the
 * groups pass left) get an equal share of it, counted in the same
 * events, and stop once they have spent it, keeping the fastest plan
 * found so far. Shares, not one pool, so that what an order finds does
 * not depend on how fast the orders running beside it spend. The passes'
 * own budgets still hold. */
#define FINISHED_ORDERS 2
#define SEARCH_SHARES (PIM_ORDERS + FINISHED_ORDERS)

/* The share being spent ends: what it spent into the tally's share_most
 * (the cut model's budget is counted in such shares: cut_attempt()). */
static void close_share(attempt *a)
{
    uint64_t spent = a->tally.events - a->share_from;
    if (a->share_open && spent > a->tally.share_most)
        a->tally.share_most = spent;
    a->share_open = 0;
}

static void take_share(attempt *a)
{
    close_share(a);
    uint64_t budget = a->config->arch->fix.search_events;
    a->spend_until = budget ? a->tally.events + budget / SEARCH_SHARES : UINT64_MAX;
    a->share_from = a->tally.events;
    a->share_open = 1;
}

static int budget_left(const attempt *a)
{
    return a->tally.events < a->spend_until;
}

static int worth_searching(const attempt *a)
{
    if (!budget_left(a))
        return 0;
    pim_plan_bound b;
    pim_plan_lower_bound(&a->plan, &b);
    return a->sim.events <= WHOLE_MAX_EVENTS && a->sim.end > b.tight * (1 + WHOLE_MIN_GAP);
}

/* Simulate the attempt's plan as it now stands, counted in its tally,
 * stopping once it cannot end before `deadline` (0: never); 0 when out of
 * memory. */
static int simulate(attempt *a, pim_sim_result *r, double deadline)
{
    pim_error err;
    if (simulate_until(&a->plan, &a->config->sim, deadline, r, &err) != PIM_OK)
        return 0;
    count_sim(&a->tally, r, &a->sim);
    return 1;
}

/* Simulate the attempt's plan as it now stands and keep it if it beats the
 * best so far; 0 (the caller undoes its change) if not. */
static int faster(attempt *a)
{
    pim_sim_result r;
    if (!simulate(a, &r, a->sim.end))
        return 0; /* out of memory: keep what ran */
    if (r.end >= a->sim.end) {
        pim_sim_result_free(&r);
        return 0;
    }
    pim_sim_result_free(&a->sim);
    a->sim = r;
    return 1;
}

/* Per-layer replication in the network's context. tune_layers times each
 * layer alone, where idle macros and an idle channel make copies nearly
 * free; in the network copies cost channel bytes and macros the
 * neighbouring layers could use (a depthwise layer copied over every
 * macro stalls the next layer's weights). One pass in layer order: each
 * copied layer tries half its copies, then half again, while the whole
 * network gets faster, within a budget of simulated events (counted with
 * the jumped ones, as for the order search).
 *
 * With `more`, a layer that halving does not speed up then tries twice
 * its copies, then twice again: the network may feed a layer more copies
 * than it wanted alone. Copies past N / tiles do not run at once (the
 * extra chunks wait for a macro, as a split layer's do), and finer chunks
 * finish sooner, so consumers start sooner (the layers after a CNN's
 * compute-bound front). The pass stops at four rounds (4N / tiles), since
 * each further one rewrites every tile for vectors the others could run.
 * Two rounds against four, at B = 128: GoogLeNet 214,884 -> 213,355
 * cycles, VGG-16 3,041,816 -> 3,038,112, ResNet-18 261,317 -> 260,742;
 * Inception-v3 at B = 32 1,620,897 -> 1,599,057; DenseNet-121 at 128
 * 423,490 -> 423,915 (a greedy search's other path), 2-9% more
 * simulations. Eight rounds: mixed (Inception-v3 at 32 faster,
 * MobileNet-V2 at 32 and GoogLeNet at 128 slower than four). That pass
 * ends the search (below): each step only keeps a faster plan, and run
 * first, before the splits, it led the later steps astray (SqueezeNet at
 * B = 128 1% slower). */
#define COPIES_MAX_ROUNDS 4
#define COPIES_MAX_EVENTS 100000000ull

/* Whether a pass begun at `from` events may take another step: within
 * its own budget and the attempt's share. */
static int pass_may_go_on(const attempt *a, uint64_t from)
{
    return a->tally.events - from <= COPIES_MAX_EVENTS && budget_left(a);
}

/* Set layer l's chunks to c; keep it if the network gets faster. */
static int try_chunks(attempt *a, pim_layer_plan *l, uint64_t c)
{
    uint64_t keep = l->chunks;
    l->chunks = c;
    int better = faster(a);
    if (!better)
        l->chunks = keep;
    return better;
}

/* Layer i with other chunks, simulated on a copy of the plan, so that two
 * such runs may go at once. */
typedef struct {
    const attempt *a;
    pim_plan plan;
    pim_sim_result r;
    int ok;
} variant;

static void run_variant(void *ctx, size_t i)
{
    variant *v = (variant *)ctx + i;
    pim_error err;
    v->ok = simulate_until(&v->plan, &v->a->config->sim, v->a->sim.end, &v->r, &err) == PIM_OK;
}

/* Layer i as each of alts[0..n) (n <= 4), simulated at once on copies of
 * the plan, on as many threads as the run has, and always all of them,
 * so the tally does not depend on them. Kept: the first faster than the
 * plan (first_faster), else the fastest of those faster (ties: the
 * earlier, as trying them one after another would). Returns the index
 * kept, -1 for none, -2 when out of memory for the copies (nothing
 * simulated). */
#define VARIANTS_MAX 4
static int try_layer_variants(attempt *a, uint32_t i, const pim_layer_plan *alts, size_t n,
                              int first_faster)
{
    variant v[VARIANTS_MAX];
    pim_error err;
    for (size_t k = 0; k < n; k++) {
        v[k] = (variant){.a = a};
        if (pim_plan_copy(&a->plan, &v[k].plan, &err) != PIM_OK) {
            while (k--)
                pim_plan_free(&v[k].plan);
            return -2;
        }
        const uint32_t *own = v[k].plan.layers[i].preds; /* the copy's own lists */
        v[k].plan.layers[i] = alts[k];
        v[k].plan.layers[i].preds = own;
    }
    pim_parallel_for(n, a->config->threads, run_variant, v);
    int kept = -1;
    for (size_t k = 0; k < n; k++) {
        if (!v[k].ok)
            continue;
        count_sim(&a->tally, &v[k].r, &a->sim);
        double best = kept < 0 ? a->sim.end : v[kept].r.end;
        if (v[k].r.end < best && !(first_faster && kept >= 0))
            kept = (int)k;
    }
    for (size_t k = 0; k < n; k++) {
        if (v[k].ok && (int)k == kept) {
            pim_sim_result_free(&a->sim);
            a->sim = v[k].r; /* now the attempt's */
            a->plan.layers[i] = alts[k];
        } else if (v[k].ok) {
            pim_sim_result_free(&v[k].r);
        }
        pim_plan_free(&v[k].plan);
    }
    return kept;
}

/* Both variants of layer i (half and twice its chunks) at once; halving
 * wins when both pay, as one after the other. 0 when out of memory for
 * the copies (nothing simulated), else as first_step(). */
static int halve_and_double(attempt *a, uint32_t i, int *step)
{
    pim_layer_plan alts[2] = {a->plan.layers[i], a->plan.layers[i]};
    alts[0].chunks /= 2;
    alts[1].chunks *= 2;
    int kept = try_layer_variants(a, i, alts, 2, 1);
    *step = kept == 0 ? -1 : kept == 1 ? 1 : 0;
    return kept != -2;
}

/* A layer's first step: half its chunks if that pays, else twice (up to
 * `most`) if that does. -1: halved, 1: doubled, 0: neither. */
static int first_step(attempt *a, uint32_t i, uint64_t most)
{
    pim_layer_plan *l = &a->plan.layers[i];
    int step;
    if (l->chunks > 1 && 2 * l->chunks <= most && halve_and_double(a, i, &step))
        return step;
    if (l->chunks > 1 && try_chunks(a, l, l->chunks / 2))
        return -1;
    return 2 * l->chunks <= most && try_chunks(a, l, 2 * l->chunks) ? 1 : 0;
}

/* Only resident layers are copied (a dynamic matmul's operand is not a
 * weight the search may place). */
static int copied(const pim_plan *p, const pim_layer_plan *l)
{
    return l->tiling.tiles && l->tiling.tiles <= p->macros && !l->dynamic;
}

/* The most copies a search step gives resident layer l: four rounds of
 * the macros, and no more than a copy per vector. */
static uint64_t most_copies(const pim_plan *p, const pim_layer_plan *l)
{
    uint64_t most = COPIES_MAX_ROUNDS * (uint64_t)p->macros / l->tiling.tiles;
    return most < l->vectors ? most : l->vectors;
}

static void copies_pass(attempt *a, int more)
{
    const pim_plan *p = &a->plan;
    uint64_t from = a->tally.events; /* the budget counts this pass's events */
    for (uint32_t i = 0; i < p->count && pass_may_go_on(a, from); i++) {
        pim_layer_plan *l = &a->plan.layers[i];
        if (!copied(p, l))
            continue;
        uint64_t most = more ? most_copies(p, l) : 0;
        int step = first_step(a, i, most);
        while (step < 0 && l->chunks > 1 && pass_may_go_on(a, from) &&
               try_chunks(a, l, l->chunks / 2))
            ;
        while (step > 0 && 2 * l->chunks <= most && pass_may_go_on(a, from) &&
               try_chunks(a, l, 2 * l->chunks))
            ;
    }
}

/* Resident layers that no second copy fits (more than N/2 tiles) run each
 * tile over all their vectors on one macro: long loads that hold their
 * macros to the layer's last vector, and whose first outputs wait for
 * every tile. Split into f chunks taken in turn (each tile written f
 * times), they free macros sooner and their consumers start on the first
 * chunk's outputs. Last in the search, so it only ever keeps a faster
 * plan: one factor for all such layers, in the attempt's load order, the fastest
 * of these (none, unless it is SPLIT_MIN_GAIN faster). Tried first instead, it found more
 * on some networks (Inception-v3 at B = 128: 835k cycles against 849k)
 * but led the later steps astray on others (VGG-19 at B = 64: 1% slower
 * than without it). */
static const uint64_t split_factors[] = {2, 3, 4}; /* 8 never won on the zoo */
/* A split rewrites every tile of those layers f times: it buys speed with
 * off-chip traffic (energy), so a near tie does not pay for it. Our
 * choice: the fastest split is kept only for at least 0.5% fewer cycles
 * than none (ResNet-101 at B = 128 was 40 cycles of 1.13 M faster for 27%
 * more bytes). */
#define SPLIT_MIN_GAIN 0.005

static int long_loads(const pim_plan *p, const pim_layer_plan *l)
{
    return l->tiling.tiles && l->chunks == 1 && l->vectors > 1 && !l->dynamic &&
           l->tiling.tiles <= p->macros && 2 * l->tiling.tiles > p->macros;
}

static void set_splits(pim_plan *p, const uint8_t *split, uint64_t f)
{
    for (uint32_t i = 0; i < p->count; i++)
        if (split[i])
            p->layers[i].chunks = f < p->layers[i].vectors ? f : p->layers[i].vectors;
}

static void split_long_loads(attempt *a)
{
    pim_plan *p = &a->plan;
    uint8_t *split = calloc(p->count, 1);
    int any = 0;
    for (uint32_t i = 0; split && i < p->count; i++) {
        split[i] = (uint8_t)long_loads(p, &p->layers[i]);
        any |= split[i];
    }
    /* the fastest split, kept aside until it proves worth its bytes */
    pim_sim_result best = {0};
    uint64_t best_f = 1;
    double needed = a->sim.end * (1 - SPLIT_MIN_GAIN);
    for (size_t k = 0; any && k < sizeof split_factors / sizeof split_factors[0]; k++) {
        pim_sim_result r;
        double bar = best_f > 1 ? best.end : needed;
        set_splits(p, split, split_factors[k]);
        if (!simulate(a, &r, bar))
            continue; /* out of memory: not a candidate */
        if (r.end >= bar) {
            pim_sim_result_free(&r);
            continue;
        }
        pim_sim_result_free(&best);
        best = r;
        best_f = split_factors[k];
    }
    if (best_f > 1) {
        pim_sim_result_free(&a->sim);
        a->sim = best;
    }
    if (any)
        set_splits(p, split, best_f);
    free(split);
}

/* Balanced rounds (pim_plan_balanced_cap): each layer whose rounds a cap
 * on its live loads keeps, or a one-round layer of more than N/2 loads
 * as two rounds of half, tries that cap, kept where the network gets
 * faster (MobileNet-V2's 320-tile depthwise layers took every macro for
 * two rounds while the next layer's weights waited and the channel idled
 * in each 7x7 block: at B = 32 260,958 -> 254,528 cycles). Last, so the
 * steps before it search the uncapped plan as they did. Any number of
 * rounds instead of PIM_CAP_MAX_ROUNDS gave the same cycles on every row
 * below 95% in the README; also trying R + 1 rounds where R did not pay
 * found 0-0.3% more (MobileNet-V2 at B = 32 254,528 -> 253,922) for 13%
 * more search time (Inception-v3 at B = 128 1,291 -> 1,461 simulations),
 * so it is left out. */
static void cap_rounds(attempt *a)
{
    pim_plan *p = &a->plan;
    uint64_t from = a->tally.events;
    for (uint32_t i = 0; i < p->count && pass_may_go_on(a, from); i++) {
        p->layers[i].macros_max = pim_plan_balanced_cap(p, i);
        if (p->layers[i].macros_max && !faster(a))
            p->layers[i].macros_max = 0;
    }
}

/* The whole-network search of one load order, from the tuned plan: the
 * copies, the splits, the copies again, the caps (each only keeps a
 * faster plan). */
static void search_in_order(attempt *a)
{
    if (a->config->opts.vectors_per_load)
        return; /* fixed by the user: nothing to search */
    copies_pass(a, 0);
    if (worth_searching(a))
        split_long_loads(a);
    if (worth_searching(a))
        copies_pass(a, 1);
    if (worth_searching(a))
        cap_rounds(a);
}

/* Generalized ping-pong gives out its loads in layer order, in dataflow
 * order (an image flows on through the network while the next is
 * computed, which overlaps a CNN's compute-bound front with its
 * channel-bound back, but can hold macros another order would use
 * better), in ready order (the oldest layer finishes first, and the
 * macros that would wait on it take later layers' ready loads: VGG-16 at
 * B = 128 in dataflow order ran its last 56 conv4 loads, of 200k cycles
 * each, in the middle of its channel-bound back), or in eager order (a
 * consumer starts on its producer's first rows: MobileNet-V2 at B = 8
 * 569,633 -> 565,626 cycles, SqueezeNet at 128 61,082 -> 60,245; alone
 * in place of dataflow order it lost GoogLeNet at B = 32 1.7%), or in
 * rows order (layer order, copies taking their steps in turn, so a
 * copied layer's output grows row by row: MobileNet-V2 at B = 32
 * 228,310 -> 222,634 cycles; it loses where a copied layer waits on its
 * producer's rows, ResNet-18 at 128 263,318 against 256,452). Each
 * order runs the whole search from the tuned plan, on the run's threads
 * (one order's first steps do not show where its search ends: GoogLeNet
 * at B = 32 was 0.5% faster at first in ready order and 1.4% slower at
 * the end); the fastest stays (ties: the
 * earlier in layer, dataflow, ready, eager, rows order). A run the
 * search cannot gain on, or too long to run five times, searches its
 * layer order only. */
/* Order i's search; the copies first simulate their plan. */
static void search_order(void *ctx, size_t i)
{
    attempt *a = (attempt *)ctx + i;
    if (a->status)
        return; /* its plan could not be copied */
    if (!a->sim.events && !simulate(a, &a->sim, 0)) {
        a->status = pim_fail(&a->err, PIM_EINTERNAL, "out of memory");
        return;
    }
    take_share(a);
    search_in_order(a);
}

/* The tuned plan's own bound may be high (its copies stream more bytes):
 * when the run looks near it, the layer order's search runs alone first,
 * and the other orders only when the plan it ends with is still worth
 * searching (DenseNet-121 at B = 8: within 1% of the tuned plan's bound,
 * 5.3% from the searched one's). 1 when they are, from *tuned (the tuned
 * plan, the caller's to free). */
static int layer_order_first(attempt *a, pim_plan *tuned)
{
    pim_error err;
    int copied =
        a->sim.events <= WHOLE_MAX_EVENTS && pim_plan_copy(&a->plan, tuned, &err) == PIM_OK;
    search_in_order(a); /* on the share search_orders() took */
    if (copied && worth_searching(a))
        return 1;
    if (copied)
        pim_plan_free(tuned);
    return 0;
}

/* The fastest of the orders' searches into *a (ties: the earlier order),
 * with every order's cycles and all their simulations counted. */
static void keep_fastest(attempt *a, attempt *v)
{
    size_t best = 0; /* the layer order's search always has its plan */
    double ends[PIM_ORDERS];
    for (size_t k = 0; k < PIM_ORDERS; k++) {
        ends[k] = v[k].status ? 0 : v[k].sim.end;
        if (k && !v[k].status && v[k].sim.end < v[best].sim.end)
            best = k;
    }
    tally t = a->tally;
    for (size_t k = 0; k < PIM_ORDERS; k++) {
        tally_add(&t, &v[k].tally);
        if (k == best)
            continue;
        pim_plan_free(&v[k].plan);
        if (!v[k].status) /* a failed copy or simulation has no result */
            pim_sim_result_free(&v[k].sim);
    }
    *a = v[best];
    a->tally = t;
    memcpy(a->order_end, ends, sizeof ends);
}

static void layer_groups_pass(attempt *a);
static void unit_copies_pass(attempt *a);
static void finer_steps_pass(attempt *a);

/* The last passes on the i-th of the fastest orders' plans (ctx: their
 * attempts), where its search ended: stagger groups per layer, finer
 * steps, copies one at a time (last, so a copy more or fewer of any layer
 * is no faster on the plan a run ends with). */
static void last_passes(attempt *a)
{
    layer_groups_pass(a);
    finer_steps_pass(a);
    unit_copies_pass(a);
}

static void finish_order(void *ctx, size_t i)
{
    attempt *a = ((attempt **)ctx)[i];
    take_share(a);
    last_passes(a);
}

/* The last passes again on the fastest order's plan, while the run is
 * below FINISH_AGAIN_EFFICIENCY of its bound and the round before gained:
 * the steps one round leaves make other copies pay, and those copies
 * other steps. MobileNet-V2 at B = 32: 220,633 cycles after the first
 * round, 219,438 after a second, 95.07% of its bound, where it stops (a
 * third found 218,745), for 1,948 -> 2,313 simulations over all;
 * SqueezeNet at 128 55,513 -> 55,047. The steps and copies
 * passes gain, the groups pass next to nothing; the second fastest order
 * gained less (226,233 -> 225,643 in three), so only the fastest goes
 * on. A run at 95% of its bound or more stops after one round, as
 * before: each round costs about as much again. Within what is left of
 * that order's share of the user's budget. */
#define FINISH_AGAIN_EFFICIENCY 0.95
#define FINISH_ROUNDS 3

static void finish_again(attempt *a)
{
    for (int round = 1; round < FINISH_ROUNDS && budget_left(a); round++) {
        pim_plan_bound b;
        pim_plan_lower_bound(&a->plan, &b);
        double before = a->sim.end;
        if (b.tight >= before * FINISH_AGAIN_EFFICIENCY)
            return;
        last_passes(a);
        if (a->sim.end >= before)
            return;
    }
}

/* The FINISHED_ORDERS fastest orders after their search, into best (ties:
 * the earlier order); how many. The last passes (stagger groups per
 * layer, finer steps, copies one at a time) run on each of them, and only
 * then does the fastest stay: an order's search does not show where
 * they end (DenseNet-121 at B = 32: eager order 536,707 cycles after
 * them, rows order 539,828 before and 518,454 after). Every order
 * instead gave the same cycles on DenseNet-121 at 32 and MobileNet-V2
 * and SqueezeNet at 128, for the passes' time again and more. */
static size_t fastest_orders(attempt *v, attempt *best[FINISHED_ORDERS])
{
    uint8_t taken[PIM_ORDERS] = {0};
    size_t n = 0;
    for (; n < FINISHED_ORDERS; n++) {
        size_t pick = PIM_ORDERS;
        for (size_t k = 0; k < PIM_ORDERS; k++)
            if (!v[k].status && !taken[k] && (pick == PIM_ORDERS || v[k].sim.end < v[pick].sim.end))
                pick = k;
        if (pick == PIM_ORDERS)
            break;
        taken[pick] = 1;
        best[n] = &v[pick];
    }
    return n;
}

static void search_orders(attempt *a)
{
    pim_plan tuned = {0};
    take_share(a);
    int searched = !worth_searching(a); /* the layer order's, already */
    int others = !searched || layer_order_first(a, &tuned);
    close_share(a); /* its tally stays a's (keep_fastest()) */
    if (!others)
        return;
    attempt v[PIM_ORDERS]; /* v[k] searches order k; v[0], layer order, is *a */
    v[0] = *a;
    v[0].tally = (tally){0};
    for (size_t k = 1; k < PIM_ORDERS; k++) {
        v[k] = (attempt){.config = a->config, .strategy = a->strategy};
        v[k].status = pim_plan_copy(searched ? &tuned : &a->plan, &v[k].plan, &v[k].err);
        pim_plan_set_order(&v[k].plan, (pim_load_order)k);
    }
    if (searched)
        pim_plan_free(&tuned);
    pim_parallel_for(PIM_ORDERS - (size_t)searched, a->config->threads, search_order, v + searched);
    attempt *best[FINISHED_ORDERS];
    size_t n = fastest_orders(v, best);
    pim_parallel_for(n, a->config->threads, finish_order, best);
    if (n) {
        attempt *top = best[0];
        for (size_t k = 1; k < n; k++)
            if (best[k]->sim.end < top->sim.end)
                top = best[k];
        finish_again(top);
    }
    for (size_t k = 0; k < PIM_ORDERS; k++)
        close_share(&v[k]);
    keep_fastest(a, v);
}

/* Stagger groups: when B/s is not whole, generalized ping-pong's floor(B/s)
 * writes at once leave part of the channel idle, and ceil(B/s) fill it
 * with slower writes (pim_plan_write_slots). The tuned plan tries both,
 * and the faster stays for the rest of the search: ResNet-18 at B = 24
 * (s = 16) 998,580 -> 839,681 cycles, where one write at a time used
 * two thirds of the channel; on a macro-bound run the full-speed writes
 * may win instead. */
static void choose_write_slots(attempt *a)
{
    uint32_t options[2];
    if (pim_plan_write_slot_options(&a->plan, options) < 2)
        return;
    a->plan.write_slots = options[1];
    if (!faster(a))
        a->plan.write_slots = options[0];
}

/* Layer i's variants to try, into alts (at most VARIANTS_MAX); how many. */
typedef size_t (*layer_variants_fn)(const pim_plan *p, uint32_t i, pim_layer_plan *alts);

/* One pass over the layers, each trying its variants at once
 * (try_layer_variants: the fastest that makes the network faster stays),
 * while the run is more than WHOLE_MIN_GAP above `tight` (a bound of its
 * plan) and the pass begun at `from` events may go on; whether one stayed. */
static int layer_variants_pass(attempt *a, uint64_t from, double tight, layer_variants_fn fill)
{
    int kept = 0;
    for (uint32_t i = 0; i < a->plan.count && a->sim.end > tight * (1 + WHOLE_MIN_GAP); i++) {
        if (!pass_may_go_on(a, from))
            break;
        pim_layer_plan alts[VARIANTS_MAX];
        size_t n = fill(&a->plan, i, alts);
        kept |= n && try_layer_variants(a, i, alts, n, 0) >= 0;
    }
    return kept;
}

/* The stagger groups layer i has not: gpp's floor and ceil of B/s and
 * ping-pong's N/2, each once. */
static size_t other_groups(const pim_plan *p, uint32_t i, pim_layer_plan *alts)
{
    const pim_layer_plan *l = &p->layers[i];
    if (!l->tiling.tiles || l->onchip_writes)
        return 0;
    uint32_t sizes[VARIANTS_MAX];
    uint32_t n = pim_plan_write_slot_options(p, sizes);
    sizes[n++] = p->macros / 2 ? p->macros / 2 : 1;
    size_t count = 0;
    for (uint32_t k = 0; k < n; k++) {
        int seen = sizes[k] == pim_plan_layer_write_slots(p, i);
        for (size_t j = 0; j < count; j++)
            seen |= alts[j].write_slots == sizes[k];
        if (!seen) {
            alts[count] = *l;
            alts[count++].write_slots = sizes[k];
        }
    }
    return count;
}

/* Stagger groups per layer, on a fastest order's plan: each
 * stationary layer in turn tries the other group sizes (gpp's floor and
 * ceil of B/s, naive ping-pong's N/2: how many macros the schedules let
 * write at once), simulated at once on the run's threads, and keeps the
 * fastest that makes the network faster. The layer keeps gpp's hand-off
 * (a macro computes once its own write is done), not ping-pong's
 * barrier, which only holds written macros back. Measured against no
 * pass: MobileNet-V2 at B = 24 263,755 -> 262,453 cycles, at 8 537,725
 * -> 536,833, most rows within 0.1%. In-situ's N (every macro writing
 * at once) was a choice too, and won on some layers (ResNet-18 and
 * DenseNet-121 at B = 32), but without it those runs, and MobileNet-V2
 * at 8 and 128 and ResNet-18 at 64, end on the same cycles with 5-8%
 * fewer simulations: it is left out. Only when the orders' search ran
 * (the run is worth searching), under the copies pass's event budget. */
static void layer_groups_pass(attempt *a)
{
    pim_plan *p = &a->plan;
    /* the groups do not change the plan's bound (it takes every write at
     * its fastest), so it is found once: it costs many simulations' time
     * on a large CNN */
    pim_plan_bound b;
    pim_plan_lower_bound(p, &b);
    uint64_t from = a->tally.events;
    layer_variants_pass(a, from, b.tight, other_groups);
}

/* Copies one at a time, last, on a fastest order's plan: the copies
 * passes move a layer's copies by halves and doubles, so a layer whose
 * best count lies between two powers of two (its loads filling whole
 * rounds of the macros, or leaving a neighbour the macros it needs) ends
 * on the nearer one. Each resident layer in turn tries one copy more and
 * one fewer, simulated at once on the run's threads, and keeps the faster
 * where the network gets faster; a second round over the layers takes
 * the steps the first one's made pay. Measured against no pass, at B =
 * 128 unless said: MobileNet-V2 158,657 -> 157,411 cycles after one
 * round, 156,673 after two (911 -> 996 -> 1,081 simulations); at B = 8
 * 536,833 -> 534,057; DenseNet-121 385,024 -> 383,629; Inception-v3 at
 * 32 1,575,637 -> 1,568,527 -> 1,564,554; ResNet-18 256,819 -> 256,452
 * (its second round keeps nothing). Going on until a round keeps
 * nothing found a little more for about 10% more simulations a round
 * (MobileNet-V2 156,571 cycles in 1,336 simulations; Inception-v3
 * 1,561,920 in 1,336 against 1,246 after two), so two it is. On the
 * user's budget it spends what is left of the groups pass's share. */
#define UNIT_COPIES_ROUNDS 2

/* Resident layer i with one copy more and one fewer, where it may. */
static size_t copies_one_away(const pim_plan *p, uint32_t i, pim_layer_plan *alts)
{
    const pim_layer_plan *l = &p->layers[i];
    if (!copied(p, l))
        return 0;
    size_t n = 0;
    if (l->chunks < most_copies(p, l)) {
        alts[n] = *l;
        alts[n++].chunks = l->chunks + 1;
    }
    if (l->chunks > 1) {
        alts[n] = *l;
        alts[n++].chunks = l->chunks - 1;
    }
    return n;
}

static void unit_copies_pass(attempt *a)
{
    pim_plan *p = &a->plan;
    if (a->config->opts.vectors_per_load)
        return; /* copies fixed by the user */
    uint64_t from = a->tally.events;
    int kept = 1;
    for (int round = 0; kept && round < UNIT_COPIES_ROUNDS && pass_may_go_on(a, from); round++) {
        pim_plan_bound b;
        pim_plan_lower_bound(p, &b); /* copies move it: once a round */
        kept = layer_variants_pass(a, from, b.tight, copies_one_away);
    }
}

/* Finer steps, on a fastest order's plan, after the groups pass. A load
 * computes its chunk in steps (an output row, or the result buffer's
 * depth), each reporting its outputs as it ends and waiting only for its
 * own inputs: the step is the pipeline's grain. Each stationary layer in
 * turn tries steps of a half and a quarter of its own, simulated at once
 * on the run's threads, and keeps the faster where the network gets
 * faster; a second round takes the steps the first one's made pay. Finer
 * steps cost nothing in the model (the buffer is drained between steps
 * either way) but events, so they are the search's to choose, where they
 * pay, not the default. Measured against no pass, at B = 128 unless said:
 * MobileNet-V2 154,969 -> 153,973 cycles (1,497 -> 1,893 simulations),
 * at 32 222,634 -> 220,634, SqueezeNet 56,440 -> 55,513, ResNet-18 at 64
 * (the default run) 387,989 -> 386,945 (421 -> 528). Run after the
 * one-copy pass instead, it found 153,716, 220,103 and 55,833, but the
 * copies it left were no longer where one more or one fewer is slower.
 * A half step alone in one round found 154,420, 221,097 and 56,318. The
 * price: finer steps make every later simulation longer, and the default
 * run takes 2.7 times as long (0.63 s -> 1.76 s on two threads; the
 * half step alone in one round about 1.25 times, but MobileNet-V2 at 128
 * then stays below 95% of its bound; BENCHMARKS.md). The plan's bound
 * may fall with the steps (its prefixes read finer segments). On the
 * user's budget it spends what is left of the groups pass's share. */
#define FINER_STEPS_ROUNDS 2

/* Layer i with steps of a half and a quarter of its own, where that
 * makes more steps of a chunk. */
static size_t finer_steps(const pim_plan *p, uint32_t i, pim_layer_plan *alts)
{
    const pim_layer_plan *l = &p->layers[i];
    if (!l->tiling.tiles || l->dynamic)
        return 0;
    uint64_t vectors = pim_plan_chunk_vectors(l, 0), steps = pim_plan_steps(l);
    size_t n = 0;
    for (uint32_t f = 2; f <= 4; f *= 2) {
        uint32_t step = l->step_max / f;
        if (step && pim_ceil_div(vectors, step) > steps) {
            alts[n] = *l;
            alts[n++].step_max = step;
        }
    }
    return n;
}

static void finer_steps_pass(attempt *a)
{
    if (a->config->opts.vectors_per_load)
        return; /* the plan fixed by the user */
    uint64_t from = a->tally.events;
    int kept = 1;
    for (int round = 0; kept && round < FINER_STEPS_ROUNDS && pass_may_go_on(a, from); round++) {
        pim_plan_bound b;
        pim_plan_lower_bound(&a->plan, &b); /* steps move it: once a round */
        kept = layer_variants_pass(a, from, b.tight, finer_steps);
    }
}

static void run_attempt(void *ctx, size_t i)
{
    attempt *a = (attempt *)ctx + i;
    const pim_run_config *c = a->config;
    pim_plan_opts o = c->opts;
    o.strategy = a->strategy;
    tune_memo memo = {0};
    a->status = pim_plan_build(c->model, c->arch, &o, &a->plan, &a->err);
    if (a->status)
        return;
    if (!c->opts.vectors_per_load)
        a->status = tune_layers(&a->plan, &c->sim, &memo, &a->tally, &a->err);
    free(memo.items);
    if (!a->status)
        a->status = pim_simulate_opts(&a->plan, &c->sim, NULL, &a->sim, &a->err);
    if (a->status) {
        pim_plan_free(&a->plan);
        return;
    }
    count_sim(&a->tally, &a->sim, &a->sim);
    if (a->strategy == PIM_SCHED_GPP) {
        choose_write_slots(a);
        search_orders(a);
    }
}

/* The cut model's search budget in simulated events, unless the user gives
 * one (schedule.search_events): what gpp's search on the model as given
 * spent, or as many of its costliest share as the budget has shares,
 * whichever is more (a budget is dealt out in equal shares, but orders do
 * not spend alike: DenseNet-121 at B = 32 spent 482M events as given,
 * 162M in its costliest share, and its cut orders, given 69M each,
 * stopped at 485,988 cycles, 468,967 with 162M each), and at least this.
 * Its parts multiply a network's layers (BERT-base's 72 wide GEMMs become
 * 408 parts) and the search's passes go layer by layer, so unbudgeted it
 * took 186 s on BERT-base, where the model as given, within 1% of its
 * bound, stops its search early; at least this much, the budget takes
 * seconds (BENCHMARKS.md). */
#define CUT_SEARCH_EVENTS 50000000
/* Nor is a cut model of more layers than this tried: the plan's bound
 * costs O(L^2 log L) for L layers at every pass of the search, and Llama 2
 * 7B's prefill (193 wide GEMMs into 19,989 parts) ran for over ten
 * minutes where the model as given takes seconds. */
#define CUT_MAX_LAYERS 2048

/* The cut model's candidate (gpp), for gpp and auto, when the config
 * allows it, some layer is cut, and no fixed vectors per load makes every
 * layer's chunks alike cut or not. */
typedef struct {
    pim_cut cut;
    pim_arch arch; /* the run's, with the cut search's budget */
    pim_run_config config;
} cut_candidate;

static pim_status cut_attempt(const pim_run_config *c, cut_candidate *k, attempt *tries, size_t *n,
                              pim_error *err)
{
    memset(&k->cut, 0, sizeof k->cut);
    if (c->no_cut || c->opts.vectors_per_load ||
        (c->opts.strategy != PIM_SCHED_AUTO && c->opts.strategy != PIM_SCHED_GPP))
        return PIM_OK;
    uint32_t macros = c->opts.macros ? c->opts.macros : pim_arch_total_macros(c->arch);
    pim_status st = pim_cut_model(c->model, c->arch, macros, c->opts.batch, &k->cut, err);
    if (st || !k->cut.layers_cut || k->cut.model.count > CUT_MAX_LAYERS) {
        pim_cut_free(&k->cut);
        return st;
    }
    k->arch = *c->arch;
    k->config = *c;
    k->config.model = &k->cut.model;
    k->config.arch = &k->arch;
    tries[(*n)++] = (attempt){.config = &k->config, .strategy = PIM_SCHED_GPP};
    return PIM_OK;
}

/* Simulate the requested strategy, or all three for auto, and keep the
 * fastest (ties go to the earlier in gpp, pingpong, insitu order, then the
 * cut model's gpp, so the choice does not depend on which thread finished
 * first). */
static pim_status search(const pim_run_config *c, pim_run_result *out, pim_error *err)
{
    static const pim_strategy fixed[] = {PIM_SCHED_GPP, PIM_SCHED_PINGPONG, PIM_SCHED_INSITU};
    attempt tries[4];
    size_t n = 0;
    for (size_t i = 0; i < 3; i++)
        if (c->opts.strategy == PIM_SCHED_AUTO || c->opts.strategy == fixed[i])
            tries[n++] = (attempt){.config = c, .strategy = fixed[i]};
    cut_candidate cut;
    size_t given = n;
    pim_status st = cut_attempt(c, &cut, tries, &n, err);
    if (st)
        return st;
    pim_parallel_for(given, c->threads, run_attempt, tries);
    if (n > given) { /* the cut model, once gpp's search on the model as given has spent */
        uint64_t spent = tries[0].tally.events; /* gpp's: first for gpp and auto */
        uint64_t shares = SEARCH_SHARES * tries[0].tally.share_most;
        if (shares > spent)
            spent = shares;
        if (!cut.arch.fix.search_events)
            cut.arch.fix.search_events = spent > CUT_SEARCH_EVENTS ? spent : CUT_SEARCH_EVENTS;
        run_attempt(tries, given);
    }
    size_t best = n;
    tally all = {0};
    for (size_t i = 0; i < n; i++) {
        tally_add(&all, &tries[i].tally);
        if (tries[i].status && tries[i].config != c)
            continue; /* the cut model failed where the model as given ran: not a candidate */
        if (tries[i].status && !st) {
            st = tries[i].status;
            *err = tries[i].err;
        }
        if (!tries[i].status && (best == n || tries[i].sim.end < tries[best].sim.end))
            best = i;
    }
    out->candidates += all.simulations;
    out->search_events += all.events;
    out->search_jumped_events += all.jumped;
    out->search_aborted += all.aborted;
    for (size_t i = 0; i < n; i++) {
        if (tries[i].status || (i == best && !st))
            continue; /* a failed attempt freed its own */
        pim_plan_free(&tries[i].plan);
        pim_sim_result_free(&tries[i].sim);
    }
    if (st || tries[best].config == c) {
        pim_cut_free(&cut.cut);
        memset(&cut.cut, 0, sizeof cut.cut);
    }
    if (st) {
        if (best < n) {
            pim_plan_free(&tries[best].plan);
            pim_sim_result_free(&tries[best].sim);
        }
        return st;
    }
    out->cut = cut.cut; /* empty unless the cut model won */
    out->plan = tries[best].plan;
    out->sim = tries[best].sim;
    for (int k = 0; k < PIM_ORDERS; k++)
        out->order_cycles[k] = pim_sim_whole_cycles(tries[best].order_end[k]);
    return PIM_OK;
}

/* Cycles one macro is busy with a layer's loads: writes at the port speed,
 * their overheads, and every tile applied to every vector. Summed over
 * layers and divided by the macros, it is the run's macro lower bound. */
static double macro_work(const pim_plan *p, const pim_layer_result *r)
{
    return (double)r->bytes / p->write_bytes_per_cycle + (double)r->loads * p->overhead +
           (double)r->tiles * (double)r->vectors * p->cycles_per_vector;
}

static int runs_compiled(const pim_run_config *c);

/* Where the macros' time went (pim_run_result.macro_time): the engine
 * counts computing, writing and holding a tile; the rest of N x end is
 * time without one. */
static void set_macro_time(const pim_plan *p, const pim_sim_result *s, pim_run_result *out)
{
    double all = (double)p->macros * s->end, overhead = (double)s->loads * p->overhead;
    double write = s->macro_busy - s->macro_compute;
    out->macro_time.known = 1;
    out->macro_time.compute = s->macro_compute / all;
    out->macro_time.write = write / all;
    out->macro_time.overhead = overhead / all;
    out->macro_time.wait = (s->macro_loaded - s->macro_compute - overhead) / all;
    out->macro_time.idle = (all - write - s->macro_loaded) / all;
}

static void fill_layers(const pim_run_config *c, pim_run_result *out)
{
    const pim_plan *p = &out->plan;
    double latest = 0;
    for (uint32_t i = 0; i < p->count; i++) {
        const pim_layer *src = &c->model->layers[i];
        const pim_layer_plan *lp = &p->layers[i];
        pim_layer_result *r = &out->layers[i];
        pim_strlcpy(r->name, src->name, sizeof r->name);
        r->kind = src->kind;
        r->done = out->sim.layer_done[i];
        r->cycles = pim_cycles_between(latest, r->done);
        if (r->done > latest)
            latest = r->done;
        r->weight_bytes = pim_layer_is_stationary(src) ? pim_tiling_bytes(&lp->tiling) : 0;
        r->chunks = lp->chunks;
        r->bytes = pim_tiling_bytes(&lp->tiling) * lp->chunks;
        r->activation_bytes = (lp->spilled ? lp->out_bytes : 0) + lp->spill_in_bytes;
        r->offchip_bytes =
            (lp->onchip_writes ? 0 : r->bytes) + lp->stream_bytes + r->activation_bytes;
        r->macs = pim_layer_macs(src) * c->opts.batch;
        r->tiles = lp->tiling.tiles;
        r->vectors = lp->vectors;
        r->loads = pim_plan_loads(p, i);
        r->policy = lp->dynamic ? pim_dyn_policy_name(c->arch->dynamic_matmul) : NULL;
        double bw = (double)r->offchip_bytes / (double)p->bandwidth;
        if (!lp->tiling.tiles)
            r->bound = bw > (double)lp->digital_cycles ? "bandwidth" : "digital";
        else
            r->bound = bw >= macro_work(p, r) / p->macros ? "bandwidth" : "macro";
    }
}

/* Analog actions of every VMM a layer's tiles do, class by class. */
typedef struct {
    const pim_arch *arch;
    uint64_t vectors;
    pim_vmm *sum;
} vmm_sum;

static void add_vmm(void *ctx, const pim_tile_extent_t *e, uint64_t count)
{
    vmm_sum *s = ctx;
    pim_vmm v;
    pim_analog_vmm(s->arch, e->groups * e->rows, e->groups * e->cols, &v);
    double n = (double)count * (double)s->vectors;
    s->sum->input_cycles += v.input_cycles * n;
    s->sum->reads += v.reads * n;
    s->sum->dac_drives += v.dac_drives * n;
    s->sum->sample_holds += v.sample_holds * n;
    s->sum->conversions += v.conversions * n;
    s->sum->shift_adds += v.shift_adds * n;
    s->sum->analog_accums += v.analog_accums * n;
    s->sum->ns += v.ns * n;
}

/* The work layer i does whatever the schedule: MACs (with their analog
 * actions), activation buffer traffic, digital MACs and vector ops. */
static void add_layer_work(const pim_run_config *c, const pim_plan *p, uint32_t i, pim_counts *k)
{
    const pim_arch *a = c->arch;
    const pim_layer *src = &c->model->layers[i];
    const pim_layer_plan *lp = &p->layers[i];
    uint64_t macs = pim_layer_macs(src) * c->opts.batch;
    if (lp->tiling.tiles) { /* in PIM macros, stationary or written per use */
        k->macs += macs;
        if (pim_macro_is_analog(&a->macro)) {
            vmm_sum s = {a, lp->vectors, &k->analog};
            pim_tiling_classes(&lp->tiling, add_vmm, &s);
        }
        k->buffer_bytes += lp->vectors * pim_tiling_buffer_bytes_per_vector(
                                             &lp->tiling, a->macro.input_bits, a->core.psum_bytes);
    } else if (src->kind == PIM_OP_DYN_MATMUL) {
        k->digital_macs += macs;
    } else {
        k->vector_ops += src->vec_elems * c->opts.batch;
    }
}

/* Totals and energy counts, summed from the per-layer results. */
static void count_work(const pim_run_config *c, pim_run_result *out)
{
    const pim_plan *p = &out->plan;
    pim_counts *k = &out->counts;
    double busy = 0;
    for (uint32_t i = 0; i < p->count; i++) {
        const pim_layer_plan *lp = &p->layers[i];
        const pim_layer_result *r = &out->layers[i];
        out->weight_bytes += r->weight_bytes;
        out->macs += r->macs;
        out->digital_cycles += lp->digital_cycles;
        busy += macro_work(p, r);
        add_layer_work(c, p, i, k);
    }
    k->macro_write_bytes = out->sim.bytes_written;
    k->offchip_bytes = out->sim.offchip_bytes;
    k->macros = p->macros;
    out->bandwidth_cycles = pim_ceil_div(k->offchip_bytes, p->bandwidth);
    out->macro_cycles = (uint64_t)ceil(busy / p->macros - 1e-9);
    if (out->sim.end > 0) {
        out->offchip_busy_fraction = out->sim.channel_busy / out->sim.end;
        out->bandwidth_utilization =
            (double)k->offchip_bytes / ((double)p->bandwidth * out->sim.end);
        if (!runs_compiled(c))
            set_macro_time(p, &out->sim, out);
    }
}

static pim_status finish(const pim_run_config *c, pim_run_result *out, double t0);

static double energy_pj(const pim_arch *a, const pim_counts *k)
{
    pim_energy e;
    pim_energy_compute(a, k, &e);
    return e.total;
}

/* The partition cost model's energy prices, all from the energy model: the
 * work every partitioning does alike, a weight byte (read off chip and
 * written into a macro), an activation byte off chip, and one cycle of the
 * chip's static power. */
static void price_costs(const pim_run_config *c, const pim_plan *batch_plan, pim_cost_params *cp)
{
    pim_counts fixed = {0}, weight = {.macro_write_bytes = 1, .offchip_bytes = 1};
    pim_counts act = {.offchip_bytes = 1};
    pim_counts cycle = {.macros = batch_plan->macros, .seconds = 1.0 / (c->arch->clock_mhz * 1e6)};
    for (uint32_t i = 0; i < batch_plan->count; i++)
        add_layer_work(c, batch_plan, i, &fixed);
    cp->pj_fixed = energy_pj(c->arch, &fixed);
    cp->pj_weight_byte = energy_pj(c->arch, &weight);
    cp->pj_act_byte = energy_pj(c->arch, &act);
    cp->pj_per_cycle = energy_pj(c->arch, &cycle);
}

/* Resident when asked, or (auto) when one copy of every layer fits. */
static pim_weights weights_mode(const pim_run_config *c, const pim_run_result *out,
                                const pim_cost_params *cp)
{
    if (c->nmodels > 1) /* each its own pipeline, all in place at once */
        return PIM_WEIGHTS_RESIDENT;
    if (c->weights != PIM_WEIGHTS_AUTO)
        return c->weights;
    return pim_units_macros(out->units, out->nunits) <= cp->macros ? PIM_WEIGHTS_RESIDENT
                                                                   : PIM_WEIGHTS_STREAM;
}

/* The program (and, with resident weights, the setup program that loads
 * them), placed on the network when there is one, simulated. */
static pim_status place_and_simulate(const pim_run_config *c, pim_run_result *out,
                                     const pim_cost_params *cp, pim_error *err)
{
    int resident = out->weights == PIM_WEIGHTS_RESIDENT;
    pim_layout layout = {
        .macros_per_core = c->arch->core.macros,
        .cores_per_node = pim_arch_total_cores(c->arch) / pim_arch_noc_nodes(c->arch),
        .psum_bytes = c->arch->core.psum_bytes,
        .phase = resident ? PIM_PHASE_RESIDENT : PIM_PHASE_ALL,
        /* a manycore's tiles each have their own vector units */
        .vector_nodes = pim_arch_has_noc(c->arch) ? pim_arch_noc_nodes(c->arch) : 0,
        .multicast = pim_arch_has_noc(c->arch) && c->arch->noc.multicast};
    pim_status st = pim_program_build(&out->compiled, cp, &layout, &out->program, err);
    pim_sim_network net, *netp = NULL;
    if (!st && pim_arch_has_noc(c->arch)) {
        out->packet_bytes = c->arch->noc.packet_bytes;
        st = pim_run_network_build(c->arch, out, err);
        if (!st)
            st = pim_run_place(c, out, err);
        pim_run_network_of(out, &net);
        netp = &net;
    }
    model_traffic watch = {0};
    const pim_sim_observer *obs = c->obs;
    if (!st && c->nmodels > 1 && netp) { /* which links the models share */
        st = pim_run_models_watch(c, &out->noc, &watch, err);
        obs = &watch.obs;
    }
    if (!st)
        st = pim_simulate_program(&out->program, &out->compiled, c->model->count, netp, obs,
                                  &out->sim, err);
    if (!st && c->nmodels > 1)
        st = pim_run_models_finish(c, out, &watch, err);
    pim_run_models_free(&watch);
    if (st || !resident)
        return st;
    pim_program setup;
    layout.phase = PIM_PHASE_SETUP;
    st = pim_program_build(&out->compiled, cp, &layout, &setup, err);
    if (!st)
        st = pim_simulate_program(&setup, &out->compiled, c->model->count, netp, NULL,
                                  &out->setup_sim, err);
    pim_program_free(&setup);
    out->setup_cycles = out->setup_sim.end;
    return st;
}

/* Partitioned: units from a batch-1 plan, partitions, the program, and
 * the program simulated. out->plan is the batch's plan, for layer labels. */
static pim_status compile_and_run(const pim_run_config *c, pim_run_result *out, pim_error *err)
{
    pim_plan_opts one = c->opts;
    one.batch = 1;
    one.strategy = PIM_SCHED_GPP;
    pim_plan p1;
    pim_status st = pim_plan_build(c->model, c->arch, &one, &p1, err);
    if (st)
        return st;
    st = pim_units_build(c->model, c->arch, &p1, &out->units, &out->nunits, &out->unit_preds, err);
    pim_plan_free(&p1);
    if (!st) {
        pim_plan_opts all = c->opts;
        all.strategy = PIM_SCHED_GPP;
        st = pim_plan_build(c->model, c->arch, &all, &out->plan, err);
    }
    uint32_t *last_use = st ? NULL : pim_xcalloc(out->nunits, sizeof *last_use);
    if (!st && !last_use)
        st = pim_fail(err, PIM_EINTERNAL, "out of memory");
    pim_cost_params cp;
    if (!st) {
        pim_units_last_use(out->units, out->nunits, last_use);
        pim_cost_params_init(&out->plan, c->opts.batch, &cp);
        cp.last_use = last_use;
        cp.model = c->arch->compile;
        price_costs(c, &out->plan, &cp);
        out->weights = weights_mode(c, out, &cp);
        uint64_t need = pim_units_macros(out->units, out->nunits);
        if (c->nmodels > 1 && need > cp.macros)
            st = pim_fail(err, PIM_EINPUT,
                          "the %u models' weights take %llu macros together, the chip has %llu: "
                          "they cannot run at once",
                          c->nmodels, (unsigned long long)need, (unsigned long long)cp.macros);
    }
    if (!st) {
        pim_partitioner which = out->weights == PIM_WEIGHTS_RESIDENT ? PIM_PART_WHOLE
                                : c->partitioner == PIM_PART_NONE    ? PIM_PART_OPTIMAL
                                                                     : c->partitioner;
        out->partitioner = which;
        st = pim_compile(out->units, out->nunits, &cp, which, c->objective, c->seed, &out->compiled,
                         err);
    }
    if (!st) {
        out->compile_seconds = out->compiled.search_seconds;
        st = place_and_simulate(c, out, &cp, err);
    }
    free(last_use);
    out->candidates = 1;
    out->search_events = out->sim.events;
    return st;
}

/* Per layer, what the program wrote and moved (replicas included). */
static void program_layer_traffic(pim_run_result *out)
{
    for (uint32_t i = 0; i < out->plan.count; i++) {
        out->layers[i].bytes = out->layers[i].offchip_bytes = out->layers[i].loads = 0;
        out->layers[i].chunks = 0;
    }
    for (uint32_t x = 0; x < out->program.count; x++) {
        const pim_instr *in = &out->program.code[x];
        if (in->op != PIM_I_LOAD_W && in->op != PIM_I_VEC && in->op != PIM_I_STORE_A)
            continue;
        pim_layer_result *r = &out->layers[out->units[in->unit].layer];
        r->offchip_bytes += in->bytes;
        if (in->op == PIM_I_LOAD_W) {
            r->bytes += in->bytes;
            r->loads++;
        }
    }
    for (uint32_t p = 0; p < out->compiled.nparts; p++) {
        const pim_partition *pt = &out->compiled.parts[p];
        for (uint32_t k = 0; k < pt->count; k++)
            out->layers[out->units[pt->first + k].layer].chunks += pt->replicas[k];
    }
}

/* Resident weights, a network-on-chip, several models and partitioners run
 * a compiled program; the rest a plan under one of the three schedules. */
static int runs_compiled(const pim_run_config *c)
{
    return c->partitioner != PIM_PART_NONE || pim_arch_has_noc(c->arch) ||
           c->weights != PIM_WEIGHTS_STREAM || c->nmodels > 1;
}

/* The run's observer sees the model's own layer indices: a cut layer's
 * parts (pim_cut) forward as the layer they came from. */
typedef struct {
    const pim_sim_observer *to;
    const uint32_t *origin;
} origin_observer;

static void origin_interval(void *ud, uint32_t macro, int writing, double t0, double t1,
                            uint64_t bytes, uint32_t layer)
{
    const origin_observer *o = ud;
    o->to->interval(o->to->ud, macro, writing, t0, t1, bytes, o->origin[layer]);
}

static void origin_channel(void *ud, double t0, double t1, double rate)
{
    const origin_observer *o = ud;
    o->to->channel(o->to->ud, t0, t1, rate);
}

static void origin_segment(void *ud, uint32_t layer, uint64_t first, uint64_t end, double t0,
                           double t1)
{
    const origin_observer *o = ud;
    o->to->segment(o->to->ud, o->origin[layer], first, end, t0, t1);
}

/* Replay the winner with the observer attached. */
static pim_status observe(const pim_run_config *c, pim_run_result *out, pim_error *err)
{
    origin_observer o = {c->obs, out->cut.origin};
    pim_sim_observer forward = {&o, c->obs->interval ? origin_interval : NULL,
                                c->obs->channel ? origin_channel : NULL, NULL,
                                c->obs->segment ? origin_segment : NULL};
    pim_sim_result_free(&out->sim);
    return pim_simulate_opts(&out->plan, &c->sim, out->cut.layers_cut ? &forward : c->obs,
                             &out->sim, err);
}

pim_status pim_run(const pim_run_config *c, pim_run_result *out, pim_error *err)
{
    double t0 = pim_wall_seconds();
    memset(out, 0, sizeof *out);
    out->requested = c->opts.strategy;
    out->batch = c->opts.batch;
    out->partitioner = c->partitioner;
    out->objective = c->objective;
    int compiled = runs_compiled(c);
    pim_status st = compiled ? compile_and_run(c, out, err) : search(c, out, err);
    if (!st && !compiled && c->obs)
        st = observe(c, out, err);
    if (st) {
        pim_run_result_free(out);
        return st;
    }
    out->layers = pim_xcalloc(out->plan.count, sizeof *out->layers);
    if (!out->layers) {
        pim_run_result_free(out);
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    }
    pim_run_config ran = *c; /* the model the plan is of */
    if (out->cut.layers_cut)
        ran.model = &out->cut.model;
    fill_layers(&ran, out);
    if (compiled)
        program_layer_traffic(out);
    return finish(&ran, out, t0);
}

/* The network's part: its bits for the energy model, the busiest link's
 * bytes over its width as a lower bound on the run's cycles. */
static void count_network(pim_run_result *out)
{
    const pim_sim_noc *s = &out->sim.noc;
    memcpy(out->counts.noc_link_bits, s->class_bits, sizeof s->class_bits);
    out->counts.noc_router_bits = s->router_bits;
    double most = 0;
    for (uint32_t l = 0; l < s->nlinks && l < out->noc.nlinks; l++) {
        double t = s->link_bytes[l] / out->noc.spec.link[out->noc.links[l].cls].bytes_per_cycle;
        most = t > most ? t : most;
    }
    out->noc_cycles = (uint64_t)ceil(most - 1e-9);
}

/* One partition: completions per second once the pipeline is full. */
static void steady_state(const pim_run_config *c, pim_run_result *out)
{
    if (out->compiled.nparts == 1)
        out->steady_inferences_per_second =
            pim_run_steady_rate(out->sim.image_done, out->sim.images, c->arch->clock_mhz * 1e6);
}

/* Resident weights: what loading them once cost, apart. */
static void setup_energy(const pim_run_config *c, pim_run_result *out)
{
    const pim_sim_result *s = &out->setup_sim;
    pim_counts k = {.macro_write_bytes = s->bytes_written,
                    .offchip_bytes = s->offchip_bytes,
                    .macros = out->counts.macros,
                    .seconds = s->end / (c->arch->clock_mhz * 1e6),
                    .noc_router_bits = s->noc.router_bits};
    memcpy(k.noc_link_bits, s->noc.class_bits, sizeof k.noc_link_bits);
    pim_energy e;
    pim_energy_compute(c->arch, &k, &e);
    out->setup_pj = e.total;
}

/* The largest lower bound the run has (tight_cycles): the resource bounds,
 * the network's, and for a plan (not a compiled program) the plan's tight
 * bound, which takes in the others' arguments and the layers' dependences;
 * its chain part and that part's arguments apart (chain_cycles and the
 * four after it), and the name of the argument that sets it (tight_term:
 * on a tie the simpler, a resource bound before the plan's). */
static void set_bounds(const pim_run_config *c, pim_run_result *out)
{
    static const char *const names[] = {"bandwidth", "macro", "digital", "network"};
    const uint64_t cycles[] = {out->bandwidth_cycles, out->macro_cycles, out->digital_cycles,
                               out->noc_cycles};
    const double as_double[] = {(double)cycles[0], (double)cycles[1], (double)cycles[2],
                                (double)cycles[3]};
    size_t best = pim_first_largest(as_double, 4);
    out->tight_cycles = cycles[best];
    snprintf(out->tight_term, sizeof out->tight_term, "%s", names[best]);
    if (runs_compiled(c))
        return;
    pim_plan_bound b;
    pim_plan_lower_bound(&out->plan, &b);
    out->chain_cycles = pim_sim_whole_cycles(b.chain);
    out->path_cycles = pim_sim_whole_cycles(b.path);
    out->capacity_cycles = pim_sim_whole_cycles(b.capacity);
    out->turnover_cycles = pim_sim_whole_cycles(b.turnover);
    out->barriers_cycles = pim_sim_whole_cycles(b.barriers);
    out->drain_cycles = pim_sim_whole_cycles(b.drain);
    uint64_t tight = pim_sim_whole_cycles(b.tight);
    if (tight > out->tight_cycles) {
        out->tight_cycles = tight;
        snprintf(out->tight_term, sizeof out->tight_term, "%s", pim_plan_bound_binding(&b));
    }
}

/* Counts, energy, wear and efficiency of a simulated run. */
static pim_status finish(const pim_run_config *c, pim_run_result *out, double t0)
{
    count_work(c, out);
    if (out->sim.has_noc)
        count_network(out);
    if (out->weights == PIM_WEIGHTS_RESIDENT)
        setup_energy(c, out);
    steady_state(c, out);
    out->seconds = (double)out->sim.cycles / (c->arch->clock_mhz * 1e6);
    out->counts.seconds = out->seconds;
    if (out->seconds > 0) {
        out->inferences_per_second = (double)out->batch / out->seconds;
        out->tops = 2.0 * (double)out->macs / out->seconds / 1e12;
    }
    pim_energy_compute(c->arch, &out->counts, &out->energy);
    const pim_macro *mc = &c->arch->macro;
    double cells = (double)pim_arch_total_macros(c->arch) * mc->rows * mc->columns;
    if (out->seconds > 0 && cells > 0)
        out->writes_per_cell_per_second =
            (double)out->counts.macro_write_bytes * 8.0 / mc->cell_bits / cells / out->seconds;
    if (c->arch->analog.endurance > 0 && out->writes_per_cell_per_second > 0)
        out->lifetime_seconds = c->arch->analog.endurance / out->writes_per_cell_per_second;
    set_bounds(c, out);
    out->efficiency = out->sim.cycles ? (double)out->tight_cycles / (double)out->sim.cycles : 1.0;
    out->edp = out->energy.total * 1e-12 * out->seconds;
    out->wall_seconds = pim_wall_seconds() - t0;
    return PIM_OK;
}

void pim_run_result_free(pim_run_result *r)
{
    pim_program_free(&r->program);
    pim_compiled_free(&r->compiled);
    free(r->units);
    r->units = NULL;
    pim_pool_free(&r->unit_preds);
    pim_plan_free(&r->plan);
    pim_sim_result_free(&r->sim);
    pim_sim_result_free(&r->setup_sim);
    pim_cut_free(&r->cut);
    free(r->layers);
    r->layers = NULL;
    if (r->has_noc)
        pim_noc_free(&r->noc);
    r->has_noc = 0;
    free(r->mcs);
    free(r->place);
    free(r->models);
    r->mcs = r->place = NULL;
    r->models = NULL;
    r->nmodels = 0;
}
