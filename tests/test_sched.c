/* Tests for src/sched: plans, chunking, the load cursor. */
#include "pimstream/sched.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static void build(pim_t *t, const char *zoo, const pim_plan_opts *o, pim_plan *p, pim_model *m)
{
    pim_test_plan(t, zoo, o, PIM_DYN_DIGITAL, p, m);
}

static void resident_layers_load_each_tile_once(pim_t *t)
{
    pim_plan_opts o = {.strategy = PIM_SCHED_GPP};
    pim_plan p;
    pim_model m;
    build(t, "vmm512", &o, &p, &m);
    CHECK_EQ_U64(t, p.layers[0].chunks, 1); /* 256 tiles on 256 macros */
    CHECK_EQ_U64(t, pim_plan_loads(&p, 0), 256);
    pim_plan_free(&p);
    pim_model_free(&m);
    o.macros = 64;
    build(t, "vmm512", &o, &p, &m);
    /* 256 tiles on 64 macros: rewritten in balanced chunks of <= 56 vectors */
    CHECK_EQ_U64(t, p.layers[0].chunks, 19);
    CHECK_EQ_U64(t, pim_plan_chunk_vectors(&p.layers[0], 0), 54);
    CHECK_EQ_U64(t, pim_plan_chunk_vectors(&p.layers[0], 18), 53);
    pim_plan_free(&p);
    pim_model_free(&m);
}

static void cursor_walks_every_byte(pim_t *t)
{
    pim_plan_opts o = {.strategy = PIM_SCHED_GPP, .batch = 3};
    pim_plan p;
    pim_model m;
    build(t, "mobilenet_v2", &o, &p, &m);
    pim_load_cursor c;
    pim_load ld;
    pim_cursor_init(&c, &p);
    uint64_t bytes = 0, loads = 0, expect_loads = 0;
    uint32_t last_layer = 0;
    while (pim_cursor_next(&c, &ld)) {
        bytes += ld.bytes;
        loads++;
        CHECK(t, ld.layer >= last_layer); /* topological order */
        last_layer = ld.layer;
    }
    for (uint32_t i = 0; i < p.count; i++)
        expect_loads += pim_plan_loads(&p, i);
    CHECK_EQ_U64(t, bytes, pim_plan_bytes(&p));
    CHECK_EQ_U64(t, loads, expect_loads);
    pim_plan_free(&p);
    pim_model_free(&m);
}

static void chunk_options_replicate_resident_layers(pim_t *t)
{
    pim_plan_opts o = {.strategy = PIM_SCHED_GPP, .batch = 1};
    pim_plan p;
    pim_model m;
    build(t, "resnet18", &o, &p, &m);
    uint64_t opts[24];
    /* conv1: 10 tiles, 12544 vectors: up to 25 copies fit in 256 macros */
    uint32_t n = pim_plan_chunk_options(&p, 0, opts, 24);
    CHECK(t, n >= 3);
    CHECK_EQ_U64(t, opts[0], 1);
    CHECK_EQ_U64(t, opts[n - 1], 25);
    pim_plan_free(&p);
    pim_model_free(&m);
}

/* Generalized ping-pong's writes at once: floor(B/s) at full port speed,
 * and ceil(B/s) as the other choice only when B/s is not whole; always
 * within 1..N. */
static void write_slot_choices(pim_t *t)
{
    static const struct {
        uint64_t B;
        uint32_t macros, count, first, second;
    } cases[] = {{8, 256, 1, 1, 1},   {16, 256, 1, 1, 1},   {24, 256, 2, 1, 2}, {32, 256, 1, 2, 2},
                 {100, 256, 2, 6, 7}, {512, 16, 1, 16, 16}, {40, 2, 1, 2, 2}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pim_plan_opts o = {
            .strategy = PIM_SCHED_GPP, .bandwidth = cases[i].B, .macros = cases[i].macros};
        pim_plan p;
        pim_model m;
        build(t, "vmm512", &o, &p, &m);
        uint32_t options[2];
        CHECK_EQ_U64(t, pim_plan_write_slot_options(&p, options), cases[i].count);
        CHECK_EQ_U64(t, options[0], cases[i].first);
        CHECK_EQ_U64(t, options[1], cases[i].second);
        CHECK_EQ_U64(t, pim_plan_write_slots(&p), cases[i].first); /* the default */
        p.write_slots = options[1];
        CHECK_EQ_U64(t, pim_plan_write_slots(&p), cases[i].second);
        p.write_slots = 1000;
        CHECK_EQ_U64(t, pim_plan_write_slots(&p), cases[i].macros);
        /* a layer's own group: the plan's when 0, within 1..N, mixed
         * only when it differs from the plan's */
        uint32_t vmm = 0;
        while (!p.layers[vmm].tiling.tiles)
            vmm++;
        CHECK_EQ_U64(t, pim_plan_layer_write_slots(&p, vmm), cases[i].macros);
        CHECK(t, !pim_plan_mixed_write_slots(&p));
        p.layers[vmm].write_slots = 1000;
        CHECK_EQ_U64(t, pim_plan_layer_write_slots(&p, vmm), cases[i].macros);
        CHECK(t, !pim_plan_mixed_write_slots(&p));
        p.layers[vmm].write_slots = 1;
        CHECK_EQ_U64(t, pim_plan_layer_write_slots(&p, vmm), 1);
        CHECK(t, pim_plan_mixed_write_slots(&p) == (cases[i].macros > 1));
        pim_plan_free(&p);
        pim_model_free(&m);
    }
}

static void bad_batch_is_rejected(pim_t *t)
{
    pim_arch a;
    pim_model m;
    pim_plan p;
    pim_error err;
    CHECK(t, pim_arch_load("gpp-sram", &a, &err) == PIM_OK);
    CHECK(t, pim_zoo_build("vmm512", NULL, &m, &err) == PIM_OK);
    pim_plan_opts o = {.strategy = PIM_SCHED_GPP, .batch = 0};
    CHECK(t, pim_plan_build(&m, &a, &o, &p, &err) == PIM_EINPUT);
    pim_model_free(&m);
}

/* The activation buffer, checked against its own definition: walking the
 * layers in order, the outputs kept on chip never exceed the buffer; an
 * output spills only if it did not fit in what the live ones left; each
 * layer reads back exactly its spilled producers' outputs. */
static void check_placement(pim_t *t, const pim_plan *p, uint64_t buffer)
{
    uint32_t *last = calloc(p->count, sizeof *last);
    CHECK(t, last != NULL);
    for (uint32_t i = 0; last && i < p->count; i++) {
        last[i] = i;
        for (uint32_t k = 0; k < p->layers[i].npreds; k++)
            if (last[p->layers[i].preds[k]] < i)
                last[p->layers[i].preds[k]] = i;
    }
    for (uint32_t i = 0; last && i < p->count; i++) {
        uint64_t live = 0, reads = 0;
        for (uint32_t j = 0; j < i; j++)
            if (!p->layers[j].spilled && last[j] >= i)
                live += p->layers[j].out_bytes;
        const pim_layer_plan *l = &p->layers[i];
        CHECK(t, live <= buffer);
        CHECK_EQ_U64(t, (uint64_t)l->spilled, (uint64_t)(live + l->out_bytes > buffer));
        for (uint32_t k = 0; k < l->npreds; k++)
            reads += p->layers[l->preds[k]].spilled ? p->layers[l->preds[k]].out_bytes : 0;
        CHECK_EQ_U64(t, l->spill_in_bytes, reads);
    }
    free(last);
}

static void activation_buffer_keeps_what_fits(pim_t *t)
{
    static const char *models[] = {"resnet18", "mobilenet_v2", "densenet121", "bert-base"};
    static const uint64_t buffers[] = {1, 100000, 1000000, 10000000, 1ull << 40};
    pim_arch a;
    pim_error err;
    CHECK(t, pim_arch_load("gpp-sram", &a, &err) == PIM_OK);
    for (size_t i = 0; i < sizeof models / sizeof models[0]; i++)
        for (size_t k = 0; k < sizeof buffers / sizeof buffers[0]; k++) {
            pim_plan_opts o = {.strategy = PIM_SCHED_GPP, .batch = 4};
            pim_plan p;
            a.activation_buffer_bytes = buffers[k];
            pim_test_plan_on(t, models[i], &a, &o, &p, NULL);
            check_placement(t, &p, buffers[k]);
            uint64_t act = pim_plan_activation_bytes(&p);
            if (k == 0) /* nothing fits in one byte: every output spills */
                CHECK(t, act > 0);
            if (buffers[k] == 1ull << 40)
                CHECK_EQ_U64(t, act, 0);
            pim_plan_free(&p);
        }
    /* 0 means unlimited: nothing spills */
    a.activation_buffer_bytes = 0;
    pim_plan_opts o = {.strategy = PIM_SCHED_GPP, .batch = 4};
    pim_plan p;
    pim_test_plan_on(t, "resnet18", &a, &o, &p, NULL);
    CHECK_EQ_U64(t, pim_plan_activation_bytes(&p), 0);
    pim_plan_free(&p);
}

/* A readiness stand-in: the layers in the set have their inputs. */
typedef struct {
    const int *ready;
    int asked;
} fake_inputs;

static int fake_ready(void *ctx, uint32_t layer, uint64_t upto)
{
    fake_inputs *f = ctx;
    (void)upto;
    f->asked++;
    return f->ready[layer];
}

/* The first load each order gives out when the stationary layers at
 * positions 2 and 5 (and, when first_ready, the first) have their inputs. */
static uint32_t first_pick(pim_t *t, const pim_plan *p, pim_load_order order, int first_ready,
                           uint32_t *stationary)
{
    int *ready = calloc(p->count, sizeof *ready);
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->count && n < 8; i++)
        if (p->layers[i].tiling.tiles)
            stationary[n++] = i;
    CHECK(t, n == 8 && ready);
    if (!ready || n < 8)
        return 0;
    ready[stationary[2]] = ready[stationary[5]] = 1;
    ready[stationary[0]] = first_ready;
    fake_inputs f = {ready, 0};
    pim_load_picker k;
    pim_load ld = {0};
    CHECK(t, pim_picker_init(&k, p, order));
    CHECK(t, pim_picker_next(&k, 1, fake_ready, &f, &ld));
    CHECK(t, order != PIM_ORDER_LAYER || f.asked == 0); /* layer order never asks */
    pim_picker_free(&k);
    free(ready);
    return ld.layer;
}

/* Layer order gives the first layer's load; dataflow order the deepest
 * ready layer's (else the first's); ready order the first ready layer's
 * in order (the first's when it is ready, else the first's anyway). */
static void load_orders_pick_as_documented(pim_t *t)
{
    pim_plan_opts o = {.strategy = PIM_SCHED_GPP};
    pim_plan p;
    pim_model m;
    uint32_t s[8];
    build(t, "resnet18", &o, &p, &m);
    CHECK_EQ_U64(t, first_pick(t, &p, PIM_ORDER_LAYER, 0, s), s[0]);
    CHECK_EQ_U64(t, first_pick(t, &p, PIM_ORDER_DATAFLOW, 0, s), s[5]);
    CHECK_EQ_U64(t, first_pick(t, &p, PIM_ORDER_DATAFLOW, 1, s), s[5]);
    CHECK_EQ_U64(t, first_pick(t, &p, PIM_ORDER_READY, 0, s), s[2]);
    CHECK_EQ_U64(t, first_pick(t, &p, PIM_ORDER_READY, 1, s), s[0]);
    CHECK(t, strcmp(pim_load_order_name(PIM_ORDER_READY), "ready") == 0);
    CHECK(t, strcmp(pim_load_order_name(PIM_ORDER_DATAFLOW), "dataflow") == 0);
    CHECK(t, strcmp(pim_load_order_name(PIM_ORDER_EAGER), "eager") == 0);
    pim_plan_free(&p);
    pim_model_free(&m);
}

/* Readiness up to each layer's first step, for the layers up to `last`:
 * their first `upto` units have their inputs while upto is at most a
 * step (ResNet-18's layers before the eighth stationary one have more
 * vectors than a step, so none of their chunks is wholly ready). */
typedef struct {
    const pim_plan *plan;
    uint32_t last;
} first_steps;

static int first_step_ready(void *ctx, uint32_t layer, uint64_t upto)
{
    const first_steps *f = ctx;
    return layer <= f->last && upto <= f->plan->layers[layer].step_max;
}

/* Eager order takes a load whose first step can start only when the rest
 * of its chunk reads what loads already given out make: on a fresh plan
 * nothing is given out, so it takes the first layer's load; once every
 * load of the layers before the sixth stationary one is out, it takes a
 * deeper layer's that reads only those, where dataflow order, which
 * waits for a whole chunk's inputs, takes the next in order. */
static void eager_order_takes_covered_loads(pim_t *t)
{
    pim_plan_opts o = {.strategy = PIM_SCHED_GPP};
    pim_plan p;
    pim_model m;
    build(t, "resnet18", &o, &p, &m);
    uint32_t s[8], n = 0;
    for (uint32_t i = 0; i < p.count && n < 8; i++)
        if (p.layers[i].tiling.tiles)
            s[n++] = i;
    pim_load_order orders[2] = {PIM_ORDER_EAGER, PIM_ORDER_DATAFLOW};
    uint32_t picked[2] = {0};
    first_steps f = {&p, s[7]};
    for (uint32_t i = 0; i < 8; i++)
        CHECK(t, p.layers[s[i]].vectors > p.layers[s[i]].step_max);
    for (int k = 0; k < 2; k++) {
        pim_load_picker pk;
        pim_load ld = {0};
        uint64_t era = 1;
        CHECK(t, pim_picker_init(&pk, &p, orders[k]));
        CHECK(t, pim_picker_next(&pk, era++, first_step_ready, &f, &ld));
        CHECK_EQ_U64(t, ld.layer, s[0]); /* nothing is out: nothing is covered */
        while (pk.cursors[pk.first].layer != s[5] || !pim_cursor_alike(&pk.cursors[pk.first])) {
            int any = 0; /* the layers before s[5], in order: nothing else is ready */
            for (uint32_t i = pk.first + 1; i < pk.count; i++)
                any |= pk.cursors[i].chunk > 0 || pk.cursors[i].tile > 0;
            CHECK(t, !any);
            CHECK(t, pim_picker_next(&pk, era++, first_step_ready, &f, &ld));
            if (any)
                break;
        }
        CHECK(t, pim_picker_next(&pk, era++, first_step_ready, &f, &ld));
        picked[k] = ld.layer;
        pim_picker_free(&pk);
    }
    /* layer2.0's downsample, which reads the block's input; not its second
     * convolution, which reads the first (not given out yet) */
    CHECK_EQ_U64(t, picked[0], s[7]);
    CHECK_EQ_U64(t, picked[1], s[5]);
    pim_plan_free(&p);
    pim_model_free(&m);
}

/* A layer at its cap (macros_max loads given out and not done) is passed
 * over: with nothing ready the next layer's load goes instead, in every
 * order; once one of its loads is done it gets the next macro again. */
static void capped_layer_yields_to_the_next(pim_t *t)
{
    pim_plan_opts o = {.strategy = PIM_SCHED_GPP};
    pim_plan p;
    pim_model m;
    build(t, "resnet18", &o, &p, &m);
    uint32_t s[2] = {0, 0}, n = 0;
    for (uint32_t i = 0; i < p.count && n < 2; i++)
        if (p.layers[i].tiling.tiles)
            s[n++] = i;
    CHECK(t, n == 2 && pim_plan_loads(&p, s[0]) > 4);
    p.layers[s[0]].macros_max = 3;
    int *ready = calloc(p.count, sizeof *ready); /* nothing ready: fallbacks only */
    fake_inputs f = {ready, 0};
    for (int k = 0; k < PIM_ORDERS; k++) {
        pim_load_picker pk;
        pim_load ld = {0};
        uint64_t era = 1;
        CHECK(t, pim_picker_init(&pk, &p, (pim_load_order)k));
        for (int i = 0; i < 3; i++) {
            CHECK(t, pim_picker_next(&pk, era++, fake_ready, &f, &ld));
            CHECK_EQ_U64(t, ld.layer, s[0]);
        }
        CHECK(t, pim_picker_next(&pk, era++, fake_ready, &f, &ld));
        CHECK_EQ_U64(t, ld.layer, s[1]); /* s[0] holds its three */
        pim_picker_done(&pk, s[0]);
        CHECK(t, pim_picker_next(&pk, era++, fake_ready, &f, &ld));
        CHECK_EQ_U64(t, ld.layer, s[0]);
        CHECK(t, pim_picker_next(&pk, era, fake_ready, &f, &ld)); /* same era: no new look */
        CHECK_EQ_U64(t, ld.layer, s[1]);
        pim_picker_free(&pk);
    }
    free(ready);
    pim_plan_free(&p);
    pim_model_free(&m);
}

/* Layer l's steps in chunk order (interleaved or not): each step of
 * chunk c as long as in chunk order (a share of the chunk's balanced
 * vectors), each segment computed by exactly one step, the segments in
 * unit order from 0 to the layer's vectors. */
static void check_steps(pim_t *t, pim_layer_plan *l)
{
    uint64_t steps = pim_plan_steps(l), n = l->chunks * steps;
    uint8_t *seen = calloc(n, 1);
    CHECK(t, seen != NULL);
    int interleaved = l->interleaved;
    for (uint64_t c = 0; seen && c < l->chunks; c++) {
        uint64_t total = 0;
        for (uint64_t j = 0; j < steps; j++) {
            uint64_t g = pim_plan_step_segment(l, c, j);
            CHECK(t, g < n && !seen[g]);
            seen[g < n ? g : 0] = 1;
            uint64_t length = pim_plan_segment_start(l, g + 1) - pim_plan_segment_start(l, g);
            l->interleaved = 0;
            uint64_t k = pim_plan_step_segment(l, c, j);
            CHECK_EQ_U64(t, length,
                         pim_plan_segment_start(l, k + 1) - pim_plan_segment_start(l, k));
            l->interleaved = interleaved;
            total += length;
        }
        CHECK_EQ_U64(t, total, pim_plan_chunk_vectors(l, c));
    }
    for (uint64_t g = 0; g < n; g++)
        CHECK(t, pim_plan_segment_start(l, g) <= pim_plan_segment_start(l, g + 1));
    CHECK_EQ_U64(t, pim_plan_segment_start(l, 0), 0);
    CHECK_EQ_U64(t, pim_plan_segment_start(l, n), l->vectors);
    free(seen);
}

/* Interleaved copies (the rows order): step j of chunk c is segment
 * j x chunks + c, the same work as in chunk order in another place; a
 * layer of one chunk or one step, or reading spilled inputs, stays in
 * chunk order. */
static void copies_take_steps_in_turn(pim_t *t)
{
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (int draw = 0; draw < 500; draw++) {
        pim_layer_plan l = {.tiling = {.tiles = 1}};
        l.vectors = l.units = 1 + pim_rng_next(&rng) % 300;
        l.chunks = 1 + pim_rng_next(&rng) % (l.vectors < 12 ? l.vectors : 12);
        l.step_max = 1 + (uint32_t)(pim_rng_next(&rng) % 9);
        l.interleaved = 1;
        CHECK_EQ_U64(t, pim_plan_interleaved(&l), l.chunks > 1 && pim_plan_steps(&l) > 1);
        check_steps(t, &l);
        l.interleaved = 0;
        check_steps(t, &l);
    }
    pim_layer_plan l = {.tiling = {.tiles = 1}, .vectors = 64, .units = 64, .chunks = 4};
    l.step_max = 4; /* 4 chunks of 16 vectors, 4 steps each */
    l.interleaved = 1;
    CHECK_EQ_U64(t, pim_plan_step_segment(&l, 1, 2), 9);
    CHECK_EQ_U64(t, pim_plan_segment_start(&l, 9), 36); /* two rows of 16, one step */
    l.spill_in_bytes = 1;
    CHECK(t, !pim_plan_interleaved(&l));
    pim_plan_opts o = {.strategy = PIM_SCHED_GPP};
    pim_plan p;
    pim_model m;
    build(t, "resnet18", &o, &p, &m);
    pim_plan_set_order(&p, PIM_ORDER_ROWS);
    CHECK(t, p.order == PIM_ORDER_ROWS && p.layers[0].interleaved &&
                 p.layers[p.count - 1].interleaved);
    pim_plan_set_order(&p, PIM_ORDER_EAGER);
    CHECK(t, !p.layers[0].interleaved);
    CHECK(t, strcmp(pim_load_order_name(PIM_ORDER_ROWS), "rows") == 0);
    pim_plan_free(&p);
    pim_model_free(&m);
}

static void strategy_names_round_trip(pim_t *t)
{
    pim_strategy s;
    CHECK(t, pim_strategy_parse("gpp", &s) && s == PIM_SCHED_GPP);
    CHECK(t, pim_strategy_parse("insitu", &s) && s == PIM_SCHED_INSITU);
    CHECK(t, !pim_strategy_parse("fast", &s));
}

const pim_test_case sched_tests[] = {
    {"sched: resident layers load each tile once", resident_layers_load_each_tile_once},
    {"sched: the cursor walks every byte in order", cursor_walks_every_byte},
    {"sched: resident layers may replicate", chunk_options_replicate_resident_layers},
    {"sched: a zero batch is rejected", bad_batch_is_rejected},
    {"sched: gpp writes floor(B/s) at once, or ceil(B/s) when B/s is not whole",
     write_slot_choices},
    {"sched: strategy names round-trip", strategy_names_round_trip},
    {"sched: interleaved copies take their steps in turn, each as long as in chunk order",
     copies_take_steps_in_turn},
    {"sched: a layer at its macro cap yields to the next layer's load",
     capped_layer_yields_to_the_next},
    {"sched: layer, dataflow and ready order pick as documented", load_orders_pick_as_documented},
    {"sched: eager order takes a load only when loads given out make its inputs",
     eager_order_takes_covered_loads},
    {"sched: the activation buffer keeps what fits, spills the rest, reads it back",
     activation_buffer_keeps_what_fits},
    {NULL, NULL},
};
