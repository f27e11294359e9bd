/* Tests for src/run: the search and what a run reports. */
#include "pimstream/run.h"
#include "test.h"

static void run_threads(pim_t *t, const char *zoo, pim_strategy st, uint64_t B, uint64_t batch,
                        unsigned threads, pim_run_result *r)
{
    pim_arch a;
    pim_model m;
    pim_error err;
    CHECK(t, pim_arch_load("gpp-sram", &a, &err) == PIM_OK);
    CHECK(t, pim_zoo_build(zoo, NULL, &m, &err) == PIM_OK);
    pim_run_config c = {.model = &m,
                        .arch = &a,
                        .opts = {.strategy = st, .bandwidth = B, .batch = batch},
                        .threads = threads};
    CHECK(t, pim_run(&c, r, &err) == PIM_OK);
    pim_model_free(&m);
}

static void run_one(pim_t *t, const char *zoo, pim_strategy st, uint64_t B, uint64_t batch,
                    pim_run_result *r)
{
    run_threads(t, zoo, st, B, batch, 0, r);
}

/* A run is a value: one thread or many, the same plan and the same time. */
static void threads_do_not_change_results(pim_t *t)
{
    pim_run_result one, many;
    run_threads(t, "bert-base", PIM_SCHED_AUTO, 32, 2, 1, &one);
    run_threads(t, "bert-base", PIM_SCHED_AUTO, 32, 2, 3, &many);
    CHECK(t, one.sim.end == many.sim.end);
    CHECK(t, one.plan.strategy == many.plan.strategy);
    CHECK_EQ_U64(t, one.candidates, many.candidates);
    CHECK_EQ_U64(t, one.search_events, many.search_events);
    CHECK(t, one.energy.total == many.energy.total);
    pim_run_result_free(&one);
    pim_run_result_free(&many);
}

static void auto_never_loses_to_a_fixed_strategy(pim_t *t)
{
    static const char *models[] = {"resnet18", "bert-base", "vmm512"};
    static const pim_strategy fixed[] = {PIM_SCHED_INSITU, PIM_SCHED_PINGPONG, PIM_SCHED_GPP};
    for (int i = 0; i < 3; i++)
        for (uint64_t B = 8; B <= 256; B *= 8) {
            pim_run_result a;
            run_one(t, models[i], PIM_SCHED_AUTO, B, 4, &a);
            for (int k = 0; k < 3; k++) {
                pim_run_result f;
                run_one(t, models[i], fixed[k], B, 4, &f);
                CHECK(t, a.sim.cycles <= f.sim.cycles);
                pim_run_result_free(&f);
            }
            pim_run_result_free(&a);
        }
}

static void reported_figures_are_consistent(pim_t *t)
{
    pim_run_result r;
    run_one(t, "resnet18", PIM_SCHED_AUTO, 64, 1, &r);
    uint64_t layer_cycles = 0, bytes = 0, macs = 0;
    for (uint32_t i = 0; i < r.plan.count; i++) {
        layer_cycles += r.layers[i].cycles;
        bytes += r.layers[i].bytes;
        macs += r.layers[i].macs;
    }
    CHECK_EQ_U64(t, layer_cycles, r.sim.cycles); /* per-layer times add up */
    CHECK_EQ_U64(t, bytes, r.counts.offchip_bytes);
    CHECK_EQ_U64(t, macs, r.macs);
    CHECK_EQ_U64(t, r.macs, 1814073344ull);       /* PyTorch's count for ResNet-18 */
    CHECK_EQ_U64(t, r.weight_bytes, 11678912ull); /* int8: one byte a weight */
    CHECK(t, r.sim.cycles >= r.bandwidth_cycles && r.sim.cycles >= r.macro_cycles);
    CHECK(t, r.sim.cycles >= r.digital_cycles);
    CHECK(t, r.efficiency > 0 && r.efficiency <= 1);
    double sum = 0;
    for (int i = 0; i < PIM_E_COUNT; i++)
        sum += r.energy.part[i];
    CHECK_NEAR(t, r.energy.total, sum, 1e-12);
    CHECK_NEAR(t, r.inferences_per_second, 1.0 / r.seconds, 1e-12);
    pim_run_result_free(&r);
}

static void more_bandwidth_is_never_slower_for_gpp(pim_t *t)
{
    uint64_t prev = UINT64_MAX;
    for (uint64_t B = 8; B <= 256; B *= 2) {
        pim_run_result r;
        run_one(t, "vgg16", PIM_SCHED_GPP, B, 1, &r);
        CHECK(t, r.sim.cycles <= prev);
        prev = r.sim.cycles;
        pim_run_result_free(&r);
    }
}

const pim_test_case run_tests[] = {
    {"run: auto is never slower than insitu, pingpong or gpp",
     auto_never_loses_to_a_fixed_strategy},
    {"run: per-layer figures add up to the totals", reported_figures_are_consistent},
    {"run: more bandwidth never slows gpp (vgg16)", more_bandwidth_is_never_slower_for_gpp},
    {"run: thread count does not change results", threads_do_not_change_results},
    {NULL, NULL},
};
