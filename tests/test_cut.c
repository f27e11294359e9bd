/* Tests for src/cut: layers wider than the chip cut in column parts, and
 * runs that choose the cut model. */
#include "pimstream/cut.h"
#include "pimstream/run.h"
#include "test.h"

#include <stdlib.h>

static void load_arch(pim_t *t, pim_arch *a)
{
    pim_error err;
    CHECK(t, pim_arch_load("gpp-sram", a, &err) == PIM_OK);
}

static uint64_t tiles_of(const pim_layer *l, const pim_arch *a)
{
    pim_tiling tl;
    pim_map_layer_arch(l, a, &tl);
    return tl.tiles;
}

/* 512 x 3000 on 32 x 32 tiles: 16 rows of 94 column tiles (the last 24
 * wide); 256 macros take 16 columns, so 6 parts of 16, 16, 16, 16, 15 and
 * 15 column tiles, the last ending at column 3000. */
static void a_wide_gemm_cuts_on_whole_tiles(pim_t *t)
{
    pim_arch a;
    load_arch(t, &a);
    pim_tiling tl;
    pim_layer g = {.kind = PIM_OP_GEMM, .m = 64, .k = 512, .n = 3000};
    pim_map_layer_arch(&g, &a, &tl);
    CHECK_EQ_U64(t, tl.tile_cols, 32);
    CHECK_EQ_U64(t, tl.row_tiles, 16);
    CHECK_EQ_U64(t, tl.col_tiles, 94);
    CHECK_EQ_U64(t, pim_cut_parts(&g, &a, 256, 1), 6);
    /* 56 vectors, one load's worth (the result buffer's depth): its tiles
     * are written once, cut or not; two samples of them are two loads */
    CHECK_EQ_U64(t, a.macro.result_vectors_max, 56);
    pim_layer one_load = g;
    one_load.m = 56;
    CHECK_EQ_U64(t, pim_cut_parts(&one_load, &a, 256, 1), 1);
    CHECK_EQ_U64(t, pim_cut_parts(&one_load, &a, 256, 2), 6);
    pim_model m, *mp = &m;
    pim_error err;
    pim_model_init(&m, "wide");
    pim_strlcpy(g.name, "fc", sizeof g.name);
    CHECK(t, pim_model_add(&m, &g, NULL, 0, &err) == PIM_OK);
    pim_cut c;
    CHECK(t, pim_cut_model(mp, &a, 256, 1, &c, &err) == PIM_OK);
    static const uint64_t cols[] = {512, 512, 512, 512, 480, 472};
    CHECK_EQ_U64(t, c.model.count, 6);
    CHECK_EQ_U64(t, c.layers_cut, 1);
    for (uint32_t q = 0; q < c.model.count && q < 6; q++) {
        char name[16];
        snprintf(name, sizeof name, "fc#%u", q);
        CHECK(t, strcmp(c.model.layers[q].name, name) == 0);
        CHECK_EQ_U64(t, c.model.layers[q].n, cols[q]);
        CHECK_EQ_U64(t, c.origin[q], 0);
    }
    pim_cut_free(&c);
    pim_model_free(&m);
}

/* Layers that fit, or take one load's worth of vectors, or whose columns
 * are not one plain matrix's, or whose one column of tiles is taller than
 * the macros, stay whole. */
static void uncuttable_layers_stay_whole(pim_t *t)
{
    pim_arch a;
    load_arch(t, &a);
    pim_layer fits = {.kind = PIM_OP_GEMM, .m = 64, .k = 512, .n = 512};
    pim_layer heads = {.kind = PIM_OP_GEMM, .m = 64, .k = 512, .n = 4096, .heads = 2};
    pim_layer tall = {.kind = PIM_OP_GEMM, .m = 64, .k = 32 * 300, .n = 4096};
    pim_layer one_vector = {.kind = PIM_OP_GEMM, .m = 1, .k = 4096, .n = 4096}; /* decode */
    pim_layer grouped = {.kind = PIM_OP_CONV,
                         .in_c = 256,
                         .in_h = 8,
                         .in_w = 8,
                         .out_c = 4096,
                         .kh = 3,
                         .kw = 3,
                         .stride_h = 1,
                         .stride_w = 1,
                         .pad_h = 1,
                         .pad_w = 1,
                         .dil_h = 1,
                         .dil_w = 1,
                         .groups = 2};
    pim_layer transposed = grouped;
    transposed.groups = 1;
    transposed.transposed = 1;
    pim_layer vector = {.kind = PIM_OP_VECTOR, .vec_elems = 1 << 20};
    pim_error err;
    CHECK(t, pim_conv_finish(&grouped, &err) == PIM_OK);
    CHECK(t, pim_conv_finish(&transposed, &err) == PIM_OK);
    const pim_layer *whole[] = {&fits, &heads, &tall, &one_vector, &grouped, &transposed, &vector};
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++)
        CHECK_EQ_U64(t, pim_cut_parts(whole[i], &a, 256, 1), 1);
    CHECK(t, tiles_of(&heads, &a) > 256 && tiles_of(&tall, &a) > 256);
    CHECK(t, tiles_of(&grouped, &a) > 256 && tiles_of(&transposed, &a) > 256);
    pim_layer plain = grouped;
    plain.groups = 1;
    CHECK_EQ_U64(t, pim_cut_parts(&plain, &a, 256, 1), 43); /* 72 x 128 tiles, 3 columns a part */
    CHECK_EQ_U64(t, pim_cut_parts(&plain, &a, 0, 1), 1);
}

/* Each original layer's parts, in order: [first[i], first[i] + parts[i]). */
static void parts_of(const pim_cut *c, uint32_t count, uint32_t *first, uint32_t *parts)
{
    for (uint32_t i = 0; i < count; i++)
        parts[i] = 0;
    for (uint32_t k = c->model.count; k-- > 0;) {
        first[c->origin[k]] = k;
        parts[c->origin[k]]++;
    }
}

/* Layer i's parts together do its work: its weights, MACs and tiles, each
 * part within the macros when cut, the rest of the layer unchanged. */
static void check_parts(pim_t *t, const pim_model *m, const pim_cut *c, const pim_arch *a,
                        uint32_t macros, uint64_t batch, uint32_t i, uint32_t first, uint32_t parts)
{
    const pim_layer *l = &m->layers[i];
    uint64_t weights = 0, macs = 0, tiles = 0;
    for (uint32_t q = 0; q < parts; q++) {
        pim_layer part = c->model.layers[first + q];
        weights += pim_layer_weights(&part);
        macs += pim_layer_macs(&part);
        tiles += tiles_of(&part, a);
        if (parts > 1) {
            CHECK(t, tiles_of(&part, a) <= macros);
            part.out_c = l->out_c; /* all else is the layer's own */
            part.n = l->n;
            memcpy(part.name, l->name, sizeof part.name);
        }
        part.pred_first = l->pred_first;
        part.npreds = l->npreds;
        CHECK(t, memcmp(&part, l, sizeof part) == 0);
    }
    CHECK_EQ_U64(t, parts, pim_cut_parts(l, a, macros, batch));
    CHECK_EQ_U64(t, weights, pim_layer_weights(l));
    CHECK_EQ_U64(t, macs, pim_layer_macs(l));
    CHECK_EQ_U64(t, tiles, tiles_of(l, a));
}

/* Every part of layer i reads every part of each of i's producers. */
static void check_preds(pim_t *t, const pim_model *m, const pim_cut *c, uint32_t i,
                        const uint32_t *first, const uint32_t *parts)
{
    const pim_layer *l = &m->layers[i];
    const uint32_t *preds = pim_layer_preds(m, l);
    uint32_t want = 0;
    for (uint32_t k = 0; k < l->npreds; k++)
        want += parts[preds[k]];
    for (uint32_t q = 0; q < parts[i]; q++) {
        const pim_layer *part = &c->model.layers[first[i] + q];
        const uint32_t *got = pim_layer_preds(&c->model, part);
        CHECK_EQ_U64(t, part->npreds, want);
        uint32_t at = 0;
        for (uint32_t k = 0; k < l->npreds && at < part->npreds; k++)
            for (uint32_t p = 0; p < parts[preds[k]] && at < part->npreds; p++)
                CHECK_EQ_U64(t, got[at++], first[preds[k]] + p);
    }
}

static void check_cut(pim_t *t, const pim_model *m, const pim_arch *a, uint32_t macros,
                      uint64_t batch)
{
    pim_cut c;
    pim_error err;
    if (pim_cut_model(m, a, macros, batch, &c, &err) != PIM_OK) {
        fprintf(stderr, "    %s: %s\n", m->name, err.msg);
        CHECK(t, 0);
        return;
    }
    uint32_t *first = calloc(m->count + 1, sizeof *first);
    uint32_t *parts = calloc(m->count + 1, sizeof *parts);
    parts_of(&c, m->count, first, parts);
    uint32_t cut = 0;
    for (uint32_t i = 0; i < m->count; i++) {
        cut += parts[i] > 1;
        check_parts(t, m, &c, a, macros, batch, i, first[i], parts[i]);
        check_preds(t, m, &c, i, first, parts);
    }
    CHECK_EQ_U64(t, cut, c.layers_cut);
    CHECK_EQ_U64(t, pim_model_weights(&c.model), pim_model_weights(m));
    CHECK_EQ_U64(t, pim_model_macs(&c.model), pim_model_macs(m));
    free(first);
    free(parts);
    pim_cut_free(&c);
}

/* Every zoo model and the ONNX models in tests/data, on 256, 64 and 16
 * macros, at batch 1 and 16: the parts do the layer's work, and the graph keeps its edges. */
static void cutting_keeps_every_models_work(pim_t *t)
{
    static const char *const onnx[] = {"resnet18", "mobilenet_v2", "squeezenet1_1", "vgg16",
                                       "vit_b_16"};
    static const uint32_t macros[] = {256, 64, 16};
    pim_arch a;
    load_arch(t, &a);
    size_t n = pim_zoo_count();
    for (size_t i = 0; i < n + sizeof onnx / sizeof onnx[0]; i++) {
        pim_model m;
        pim_error err;
        pim_status st = i < n ? pim_zoo_build(pim_zoo_name(i), NULL, &m, &err)
                              : pim_test_shared_onnx(t, onnx[i - n], &m);
        CHECK(t, st == PIM_OK);
        if (st)
            continue;
        for (size_t k = 0; k < sizeof macros / sizeof macros[0]; k++)
            for (uint64_t batch = 1; batch <= 16; batch *= 16)
                check_cut(t, &m, &a, macros[k], batch);
        pim_model_free(&m);
    }
}

/* A chain of two GEMMs, 512 -> 8192 -> 512, 64 vectors. */
static void wide_chain(pim_t *t, pim_model *m)
{
    pim_error err;
    pim_model_init(m, "chain");
    pim_layer up = {.kind = PIM_OP_GEMM, .m = 64, .k = 512, .n = 8192};
    pim_layer down = {.kind = PIM_OP_GEMM, .m = 64, .k = 8192, .n = 512};
    pim_strlcpy(up.name, "up", sizeof up.name);
    pim_strlcpy(down.name, "down", sizeof down.name);
    uint32_t zero = 0;
    CHECK(t, pim_model_add(m, &up, NULL, 0, &err) == PIM_OK);
    CHECK(t, pim_model_add(m, &down, &zero, 1, &err) == PIM_OK);
}

typedef struct {
    uint32_t layers;         /* the model's */
    uint32_t outside;        /* calls naming a layer past them */
    uint64_t bytes, seen[2]; /* bytes written; intervals per layer */
} layer_watch;

static void watch_interval(void *ud, uint32_t macro, int writing, double t0, double t1,
                           uint64_t bytes, uint32_t layer)
{
    (void)macro, (void)writing, (void)t0, (void)t1;
    layer_watch *w = ud;
    if (layer >= w->layers) {
        w->outside++;
        return;
    }
    w->bytes += bytes;
    w->seen[layer < 2 ? layer : 1]++;
}

static void run_chain(pim_t *t, const pim_model *m, const pim_arch *a, pim_strategy s, int no_cut,
                      const pim_sim_observer *obs, pim_run_result *r)
{
    pim_error err;
    pim_run_config c = {.model = m,
                        .arch = a,
                        .opts = {.strategy = s, .batch = 1, .bandwidth = 128},
                        .threads = 1,
                        .obs = obs,
                        .no_cut = no_cut};
    CHECK(t, pim_run(&c, r, &err) == PIM_OK);
}

/* The cut model runs the chain faster (each part's tiles load once, not
 * once per chunk of vectors) and its figures add up: bytes, MACs, the
 * bounds; the observer sees the model's own two layers. */
static void a_cut_run_is_faster_and_consistent(pim_t *t)
{
    pim_arch a;
    pim_model m;
    load_arch(t, &a);
    wide_chain(t, &m);
    pim_run_result whole, cut;
    layer_watch w = {.layers = m.count};
    pim_sim_observer obs = {&w, watch_interval, NULL, NULL, NULL};
    run_chain(t, &m, &a, PIM_SCHED_AUTO, 1, NULL, &whole);
    run_chain(t, &m, &a, PIM_SCHED_AUTO, 0, &obs, &cut);
    CHECK_EQ_U64(t, whole.cut.layers_cut, 0);
    CHECK_EQ_U64(t, cut.cut.layers_cut, 2);
    CHECK(t, cut.sim.cycles < whole.sim.cycles);
    CHECK_EQ_U64(t, cut.plan.count, cut.cut.model.count);
    CHECK(t, strchr(cut.layers[0].name, '#') != NULL);
    uint64_t bytes = 0, macs = 0;
    for (uint32_t i = 0; i < cut.plan.count; i++) {
        bytes += cut.layers[i].offchip_bytes;
        macs += cut.layers[i].macs;
    }
    CHECK_EQ_U64(t, bytes, cut.counts.offchip_bytes);
    CHECK_EQ_U64(t, macs, pim_model_macs(&m));
    CHECK_EQ_U64(t, cut.macs, whole.macs);
    CHECK_EQ_U64(t, cut.weight_bytes, whole.weight_bytes);
    CHECK(t, cut.sim.cycles >= cut.tight_cycles && cut.tight_cycles >= cut.bandwidth_cycles);
    CHECK_EQ_U64(t, w.outside, 0);
    CHECK(t, w.seen[0] > 0 && w.seen[1] > 0);
    CHECK_EQ_U64(t, w.bytes, cut.sim.bytes_written);
    pim_run_result_free(&whole);
    pim_run_result_free(&cut);
    pim_model_free(&m);
}

/* gpp cuts as auto does; naive ping-pong and in-situ keep the model as
 * given (textbook baselines). */
static void baselines_never_cut(pim_t *t)
{
    static const pim_strategy fixed[] = {PIM_SCHED_GPP, PIM_SCHED_PINGPONG, PIM_SCHED_INSITU};
    pim_arch a;
    pim_model m;
    load_arch(t, &a);
    wide_chain(t, &m);
    for (size_t i = 0; i < 3; i++) {
        pim_run_result r;
        run_chain(t, &m, &a, fixed[i], 0, NULL, &r);
        CHECK_EQ_U64(t, r.cut.layers_cut, i == 0 ? 2 : 0);
        CHECK_EQ_U64(t, r.plan.count, i == 0 ? r.cut.model.count : m.count);
        pim_run_result_free(&r);
    }
    pim_model_free(&m);
}

const pim_test_case cut_tests[] = {
    {"cut: a wide GEMM cuts on whole column tiles, as evenly as they go",
     a_wide_gemm_cuts_on_whole_tiles},
    {"cut: layers that fit or are not one plain matrix stay whole", uncuttable_layers_stay_whole},
    {"cut: every zoo and ONNX model's parts do its layers' work, edges kept",
     cutting_keeps_every_models_work},
    {"cut: a cut run is faster, its figures add up, its observer sees the model's layers",
     a_cut_run_is_faster_and_consistent},
    {"cut: gpp and auto cut; naive ping-pong and in-situ never do", baselines_never_cut},
    {NULL, NULL}};
