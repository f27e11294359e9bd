/* Tests for src/run: the search and what a run reports. */
#include "pimstream/run.h"
#include "test.h"

/* A run on gpp-sram with schedule.search_events = budget; no_cut: of the
 * model as given only (the search's passes on it, not a cut model's). */
static void run_search(pim_t *t, const char *zoo, pim_strategy st, uint64_t B, uint64_t batch,
                       unsigned threads, uint64_t budget, int no_cut, pim_run_result *r)
{
    pim_arch a;
    pim_model m;
    pim_error err;
    CHECK(t, pim_arch_load("gpp-sram", &a, &err) == PIM_OK);
    a.fix.search_events = budget;
    CHECK(t, pim_zoo_build(zoo, NULL, &m, &err) == PIM_OK);
    pim_run_config c = {.model = &m,
                        .arch = &a,
                        .opts = {.strategy = st, .bandwidth = B, .batch = batch},
                        .threads = threads,
                        .no_cut = no_cut};
    CHECK(t, pim_run(&c, r, &err) == PIM_OK);
    pim_model_free(&m);
}

static void run_budget(pim_t *t, const char *zoo, pim_strategy st, uint64_t B, uint64_t batch,
                       unsigned threads, uint64_t budget, pim_run_result *r)
{
    run_search(t, zoo, st, B, batch, threads, budget, 1, r);
}

static void run_threads(pim_t *t, const char *zoo, pim_strategy st, uint64_t B, uint64_t batch,
                        unsigned threads, pim_run_result *r)
{
    run_search(t, zoo, st, B, batch, threads, 0, 0, r);
}

static void run_one(pim_t *t, const char *zoo, pim_strategy st, uint64_t B, uint64_t batch,
                    pim_run_result *r)
{
    run_threads(t, zoo, st, B, batch, 0, r);
}

/* A run is a value: one thread or many, the same plan and the same time.
 * BERT-base's candidates run on threads; GoogLeNet's second copies pass
 * simulates a layer's halving and doubling at once. */
static void threads_do_not_change_results(pim_t *t)
{
    static const struct {
        const char *zoo;
        uint64_t B, batch;
    } runs[] = {{"bert-base", 32, 2}, {"googlenet", 32, 1}};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        pim_run_result one, many;
        run_threads(t, runs[i].zoo, PIM_SCHED_AUTO, runs[i].B, runs[i].batch, 1, &one);
        run_threads(t, runs[i].zoo, PIM_SCHED_AUTO, runs[i].B, runs[i].batch, 3, &many);
        CHECK(t, one.sim.end == many.sim.end);
        CHECK(t, one.plan.strategy == many.plan.strategy);
        CHECK(t, one.plan.count == many.plan.count);
        for (uint32_t l = 0; l < one.plan.count && l < many.plan.count; l++)
            CHECK_EQ_U64(t, one.plan.layers[l].chunks, many.plan.layers[l].chunks);
        CHECK_EQ_U64(t, one.candidates, many.candidates);
        CHECK_EQ_U64(t, one.search_events, many.search_events);
        CHECK(t, one.energy.total == many.energy.total);
        pim_run_result_free(&one);
        pim_run_result_free(&many);
    }
}

/* auto keeps the fastest of its candidates (the model cut or as given),
 * so it is never slower than a fixed strategy; the searches run on a
 * budget of 5 M events (the same for auto's gpp as for gpp alone), which
 * keeps the test short without changing the property. */
static void auto_never_loses_to_a_fixed_strategy(pim_t *t)
{
    static const char *models[] = {"resnet18", "bert-base", "vmm512"};
    static const pim_strategy fixed[] = {PIM_SCHED_INSITU, PIM_SCHED_PINGPONG, PIM_SCHED_GPP};
    const uint64_t budget = 5000000;
    for (int i = 0; i < 3; i++)
        for (uint64_t B = 8; B <= 256; B *= 8) {
            pim_run_result a;
            run_search(t, models[i], PIM_SCHED_AUTO, B, 4, 0, budget, 0, &a);
            for (int k = 0; k < 3; k++) {
                pim_run_result f;
                run_search(t, models[i], fixed[k], B, 4, 0, budget, 0, &f);
                CHECK(t, a.sim.cycles <= f.sim.cycles);
                pim_run_result_free(&f);
            }
            pim_run_result_free(&a);
        }
}

/* When B/s is not whole, floor(B/s) writes at once leave part of the
 * channel idle; gpp's search then takes ceil(B/s) where that is faster,
 * and on vmm512 (256 tiles once each, s = 16) it comes within 1% of the
 * tight bound at B = 24 and 40 (0 and 0.6%), 3% faster at least than
 * one and two writes at once. */
static void gpp_fills_the_channel_when_b_over_s_is_not_whole(pim_t *t)
{
    static const uint64_t bandwidths[] = {24, 40};
    for (size_t i = 0; i < 2; i++) {
        pim_run_result r;
        run_one(t, "vmm512", PIM_SCHED_GPP, bandwidths[i], 4, &r);
        uint32_t options[2];
        CHECK_EQ_U64(t, pim_plan_write_slot_options(&r.plan, options), 2);
        CHECK_EQ_U64(t, pim_plan_write_slots(&r.plan), options[1]);
        pim_plan_bound b;
        pim_plan_lower_bound(&r.plan, &b);
        CHECK(t, r.sim.end <= b.tight * 1.01); /* the last writes share B to the end */
        r.plan.write_slots = options[0];
        pim_sim_result floor_run;
        pim_error err;
        CHECK(t, pim_simulate(&r.plan, NULL, &floor_run, &err) == PIM_OK);
        CHECK(t, floor_run.end > r.sim.end * 1.03);
        pim_sim_result_free(&floor_run);
        pim_run_result_free(&r);
    }
}

/* The run's plan, changed by the caller after the search, simulates
 * slower than the run: what the search kept paid. */
static void check_slower_than_run(pim_t *t, pim_run_result *r)
{
    pim_sim_result changed;
    pim_error err;
    CHECK(t, pim_simulate(&r->plan, NULL, &changed, &err) == PIM_OK);
    CHECK(t, changed.end > r->sim.end);
    pim_sim_result_free(&changed);
}

/* The search's stagger groups per layer (gpp's floor or ceil of B/s,
 * ping-pong's N/2): ResNet-18 at B = 32 gives some layers their own, and
 * each kept one made the network faster, so the plan without them is
 * slower. */
static void search_gives_layers_their_groups(pim_t *t)
{
    pim_run_result r;
    run_one(t, "resnet18", PIM_SCHED_GPP, 32, 1, &r);
    uint32_t own = 0;
    for (uint32_t i = 0; i < r.plan.count; i++) {
        own += r.plan.layers[i].write_slots != 0;
        r.plan.layers[i].write_slots = 0;
    }
    CHECK(t, own > 0);
    check_slower_than_run(t, &r); /* with one group for all layers */
    pim_run_result_free(&r);
    /* a run at its bound compares no orders, and reports none */
    run_one(t, "vmm512", PIM_SCHED_GPP, 8, 64, &r);
    for (int k = 0; k < PIM_ORDERS; k++)
        CHECK(t, r.order_cycles[k] == 0);
    pim_run_result_free(&r);
}

/* The search gives each candidate the best end so far as its deadline
 * (pim_sim_opts.deadline): on ResNet-18 at B = 128, whose back is bound
 * by the channel, most candidates stop early (209 of 324), and each stopped
 * one counts as the run it lost to, so the search's events (and the
 * budgets counted in them) are those of full runs. */
static void losing_candidates_stop_early(pim_t *t)
{
    pim_run_result r;
    run_one(t, "resnet18", PIM_SCHED_GPP, 128, 1, &r);
    CHECK(t, r.search_aborted > r.candidates / 2); /* 209 of 324 */
    CHECK(t, r.search_aborted < r.candidates);
    CHECK(t, r.search_events > (uint64_t)r.candidates * r.sim.events / 2);
    pim_run_result_free(&r);
}

/* schedule.search_events bounds what gpp's whole-network search
 * simulates: a budget of 1 leaves it no share (the tuned plan in layer
 * order runs), one of 10 M lets it spend about that (each of its five
 * shares may finish the step it began: a few simulations), less than its
 * own budgets spend, and it only keeps faster plans. Shares, not one
 * pool: one thread or three, the same search. */
static void a_budget_bounds_the_search(pim_t *t)
{
    const uint64_t budget = 10000000;
    pim_run_result none, some, some3, full;
    run_budget(t, "resnet18", PIM_SCHED_GPP, 32, 1, 0, 1, &none);
    run_budget(t, "resnet18", PIM_SCHED_GPP, 32, 1, 1, budget, &some);
    run_budget(t, "resnet18", PIM_SCHED_GPP, 32, 1, 3, budget, &some3);
    run_budget(t, "resnet18", PIM_SCHED_GPP, 32, 1, 0, 0, &full);
    uint64_t spent = some.search_events - none.search_events;
    CHECK(t, some.search_events > none.search_events);
    CHECK(t, spent <= budget + 5 * 4 * 2 * none.sim.events);
    CHECK(t, full.search_events > some.search_events + budget);
    CHECK(t, some.sim.end <= none.sim.end && full.sim.end <= none.sim.end);
    for (int k = 0; k < PIM_ORDERS; k++)
        CHECK(t, none.order_cycles[k] == 0); /* no share: the orders were not compared */
    CHECK(t, some.sim.end == some3.sim.end);
    CHECK_EQ_U64(t, some.search_events, some3.search_events);
    CHECK_EQ_U64(t, some.candidates, some3.candidates);
    pim_run_result_free(&none);
    pim_run_result_free(&some);
    pim_run_result_free(&some3);
    pim_run_result_free(&full);
}

/* Every load order's search runs to its end: a stalled simulation would
 * drop out of the comparison unseen (its cycles reported as 0). VGG-16 in
 * eager order once stalled with every macro holding conv4_1 loads whose
 * inputs came through a max-pool piece that read past what its producer
 * had given out. */
static void every_load_order_finishes(pim_t *t)
{
    pim_run_result r;
    run_one(t, "vgg16", PIM_SCHED_GPP, 64, 1, &r);
    for (int k = 0; k < PIM_ORDERS; k++)
        CHECK(t, r.order_cycles[k] > 0);
    pim_run_result_free(&r);
}

/* Each layer's copies chosen alone (by simulating it alone, as the search
 * starts), into `chunks`; the network's cycles with them. */
static double copies_alone(pim_t *t, pim_load_order order, uint64_t *chunks, uint32_t count)
{
    pim_plan p;
    pim_error err;
    pim_plan_opts o = {.strategy = PIM_SCHED_GPP, .bandwidth = 32, .batch = 1};
    pim_test_plan(t, "mobilenet_v2", &o, PIM_DYN_DIGITAL, &p, NULL);
    CHECK(t, p.count == count);
    pim_plan_set_order(&p, order);
    for (uint32_t i = 0; i < p.count; i++) {
        uint64_t options[24];
        uint32_t n = pim_plan_chunk_options(&p, i, options, 24);
        double best = 1e300;
        for (uint32_t k = 0; n > 1 && k < n; k++) {
            pim_plan one;
            pim_sim_result r;
            CHECK(t, pim_plan_single(&p, i, &one, &err) == PIM_OK);
            one.layers[0].chunks = options[k];
            CHECK(t, pim_simulate(&one, NULL, &r, &err) == PIM_OK);
            if (r.end < best) {
                best = r.end;
                p.layers[i].chunks = options[k];
            }
            pim_sim_result_free(&r);
            pim_plan_free(&one);
        }
        chunks[i] = p.layers[i].chunks;
    }
    pim_sim_result r;
    CHECK(t, pim_simulate(&p, NULL, &r, &err) == PIM_OK);
    double end = r.end;
    pim_sim_result_free(&r);
    pim_plan_free(&p);
    return end;
}

/* Copies chosen alone, then searched in the whole network: only what is
 * faster is kept, and on MobileNet-V2 (a depthwise layer copied over
 * every macro stalls its neighbours' weights) the search finds fewer for
 * some layers and more for others, never past four rounds of the macros. */
static void copies_are_searched_in_the_network(pim_t *t)
{
    pim_run_result r;
    run_one(t, "mobilenet_v2", PIM_SCHED_GPP, 32, 1, &r);
    uint64_t alone[512] = {0};
    CHECK(t, r.plan.count <= 512);
    double end = copies_alone(t, r.plan.order, alone, r.plan.count);
    CHECK(t, r.sim.end < end * 0.99);
    uint32_t fewer = 0, more = 0;
    for (uint32_t i = 0; i < r.plan.count; i++) {
        const pim_layer_plan *l = &r.plan.layers[i];
        if (l->tiling.tiles && l->tiling.tiles <= r.plan.macros && l->chunks > alone[i])
            CHECK(t, l->chunks * l->tiling.tiles <= 4 * (uint64_t)r.plan.macros);
        fewer += l->chunks < alone[i];
        more += l->chunks > alone[i];
    }
    CHECK(t, fewer > 0);
    CHECK(t, more > 0);
    pim_run_result_free(&r);
}

/* The search's last pass moves each resident layer's copies one at a
 * time while the network gets faster. ResNet-18 at B = 128 (as given: the
 * cut model's search runs on a budget, src/run/run.c): the
 * halves-and-doubles passes before it leave such steps (without the pass
 * this fails), and its second round keeps nothing, so on the plan the
 * run ends with one copy more or one fewer of any resident layer is no
 * faster. */
static void copies_end_where_one_more_or_fewer_is_slower(pim_t *t)
{
    pim_run_result r;
    pim_error err;
    run_search(t, "resnet18", PIM_SCHED_GPP, 128, 1, 0, 0, 1, &r); /* not cut */
    uint32_t tried = 0;
    for (uint32_t i = 0; i < r.plan.count; i++) {
        pim_layer_plan *l = &r.plan.layers[i];
        if (!l->tiling.tiles || l->tiling.tiles > r.plan.macros || l->dynamic)
            continue;
        uint64_t keep = l->chunks, most = 4 * (uint64_t)r.plan.macros / l->tiling.tiles;
        uint64_t steps[2] = {keep + 1, keep - 1};
        for (int k = 0; k < 2; k++) {
            if (steps[k] < 1 || steps[k] > most || steps[k] > l->vectors)
                continue;
            pim_sim_result s;
            l->chunks = steps[k];
            CHECK(t, pim_simulate(&r.plan, NULL, &s, &err) == PIM_OK);
            CHECK(t, s.end >= r.sim.end);
            pim_sim_result_free(&s);
            tried++;
        }
        l->chunks = keep;
    }
    CHECK(t, tried >= 20);
    pim_run_result_free(&r);
}

/* Resident layers too big for a second copy may be split into chunks
 * taken in turn; the search keeps a split only when the whole network is
 * faster with it. ResNet-50 at B = 128 takes one (convolutions of 129 to
 * 256 tiles on 256 macros): the same plan unsplit is slower. */
static void long_loads_are_split_when_faster(pim_t *t)
{
    pim_run_result r;
    run_one(t, "resnet50", PIM_SCHED_GPP, 128, 1, &r);
    uint32_t count = 0;
    for (uint32_t i = 0; i < r.plan.count; i++) {
        pim_layer_plan *l = &r.plan.layers[i];
        if (l->tiling.tiles && l->tiling.tiles <= r.plan.macros &&
            2 * l->tiling.tiles > r.plan.macros && l->chunks > 1) {
            l->chunks = 1; /* the plan unsplit */
            count++;
        }
    }
    CHECK(t, count > 0);
    check_slower_than_run(t, &r); /* unsplit */
    pim_run_result_free(&r);
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

static void run_model(pim_t *t, const pim_model *m, pim_dyn_policy dyn, uint64_t batch,
                      pim_run_result *r)
{
    pim_arch a;
    pim_error err;
    CHECK(t, pim_arch_load("gpp-sram", &a, &err) == PIM_OK);
    a.dynamic_matmul = dyn;
    pim_run_config c = {
        .model = m, .arch = &a, .opts = {.strategy = PIM_SCHED_GPP, .batch = batch}};
    CHECK(t, pim_run(&c, r, &err) == PIM_OK);
}

/* Decoding reads every cached K and V from off chip: 2 x layers x batch x
 * heads x head_dim x kv_len bytes beyond the weights, to the byte. */
static void decode_counts_kv_cache_traffic(pim_t *t)
{
    pim_model m;
    pim_error err;
    pim_zoo_opts o = {.kv_len = 300};
    CHECK(t, pim_zoo_build("gpt2-small-decode", &o, &m, &err) == PIM_OK);
    pim_run_result r;
    run_model(t, &m, PIM_DYN_DIGITAL, 3, &r);
    uint64_t kv = 2ull * 12 * 3 * 12 * 64 * 300;
    CHECK_EQ_U64(t, r.counts.offchip_bytes, r.weight_bytes + kv);
    CHECK_EQ_U64(t, r.counts.macro_write_bytes, r.weight_bytes);
    uint64_t short_cycles = r.sim.cycles;
    pim_run_result_free(&r);
    pim_model_free(&m);
    o.kv_len = 3000; /* a longer context costs more time */
    CHECK(t, pim_zoo_build("gpt2-small-decode", &o, &m, &err) == PIM_OK);
    run_model(t, &m, PIM_DYN_DIGITAL, 3, &r);
    CHECK(t, r.sim.cycles > short_cycles);
    pim_run_result_free(&r);
    /* written into PIM per use instead: the same bytes cross the channel,
     * and now they are also written into macros */
    run_model(t, &m, PIM_DYN_PIM, 3, &r);
    CHECK_EQ_U64(t, r.counts.offchip_bytes, r.weight_bytes + 2ull * 12 * 3 * 12 * 64 * 3000);
    CHECK_EQ_U64(t, r.counts.macro_write_bytes, r.counts.offchip_bytes);
    pim_run_result_free(&r);
    pim_model_free(&m);
}

/* An encoder's K and V are made on chip: written into macros under the pim
 * policy, they use the write ports but not the off-chip channel. */
static void encoder_attention_in_pim_stays_on_chip(pim_t *t)
{
    pim_model m;
    pim_error err;
    CHECK(t, pim_zoo_build("bert-base", NULL, &m, &err) == PIM_OK);
    pim_run_result r;
    run_model(t, &m, PIM_DYN_PIM, 1, &r);
    CHECK_EQ_U64(t, r.counts.digital_macs, 0);
    uint32_t pim_layers = 0;
    uint64_t attention_writes = 0, attention_offchip = 0;
    for (uint32_t i = 0; i < r.plan.count; i++)
        if (r.layers[i].policy && !strcmp(r.layers[i].policy, "pim")) {
            pim_layers++;
            attention_writes += r.layers[i].bytes / r.layers[i].chunks; /* one copy */
            attention_offchip += r.layers[i].offchip_bytes;
        }
    CHECK_EQ_U64(t, pim_layers, 24);
    CHECK_EQ_U64(t, attention_writes, 12ull * 2 * 12 * 64 * 128); /* K^T and V, every layer */
    CHECK_EQ_U64(t, attention_offchip, 0);
    uint64_t written = 0, offchip = 0;
    for (uint32_t i = 0; i < r.plan.count; i++) {
        written += r.layers[i].bytes;
        offchip += r.layers[i].offchip_bytes;
    }
    CHECK_EQ_U64(t, written, r.counts.macro_write_bytes);
    CHECK_EQ_U64(t, offchip, r.counts.offchip_bytes);
    pim_run_result_free(&r);
    pim_model_free(&m);
}

/* One 128 x 16 weight matrix (one ISAAC crossbar of 16-bit weights) times
 * 10 vectors: conversions per dataflow, exactly. */
static void analog_runs_count_conversions(pim_t *t)
{
    static const char *yaml = "layers:\n  - {type: gemm, k: 128, n: 16}\n";
    pim_model m;
    pim_error err;
    CHECK(t, pim_model_from_yaml(yaml, strlen(yaml), "one.yaml", &m, &err) == PIM_OK);
    static const pim_dataflow flows[] = {PIM_FLOW_ISAAC, PIM_FLOW_CASCADE, PIM_FLOW_NEURAL_PIM};
    static const double per_vmm[] = {2048, 128, 16};
    for (int f = 0; f < 3; f++) {
        pim_arch a;
        CHECK(t, pim_arch_load("isaac", &a, &err) == PIM_OK);
        a.analog.dataflow = flows[f];
        pim_run_config c = {.model = &m,
                            .arch = &a,
                            .opts = {.strategy = PIM_SCHED_GPP, .batch = 10},
                            .threads = 1};
        pim_run_result r;
        CHECK(t, pim_run(&c, &r, &err) == PIM_OK);
        if (t->failures)
            break;
        CHECK_NEAR(t, r.counts.analog.conversions, per_vmm[f] * 10, 1e-12);
        double sum = 0;
        for (int i = 0; i < PIM_E_PARTS; i++)
            sum += r.energy.part[i];
        CHECK_NEAR(t, r.energy.total, sum, 1e-12);
        CHECK(t, r.energy.part[PIM_E_COUNT + PIM_C_ADC] > 0);
        /* ADC energy = conversions x 2 mW / 1.28 GS/s (ISAAC's ADC row) */
        CHECK_NEAR(t, r.energy.part[PIM_E_COUNT + PIM_C_ADC], per_vmm[f] * 10 * 2.0 / 1.28, 1e-9);
        pim_run_result_free(&r);
    }
    pim_model_free(&m);
}

const pim_test_case run_tests[] = {
    {"run: analog runs count conversions per dataflow and price them",
     analog_runs_count_conversions},
    {"run: decode streams the KV cache from off chip, to the byte", decode_counts_kv_cache_traffic},
    {"run: encoder attention in PIM writes on chip only", encoder_attention_in_pim_stays_on_chip},
    {"run: each layer's copies are searched in the whole network (MobileNet-V2)",
     copies_are_searched_in_the_network},
    {"run: auto is never slower than insitu, pingpong or gpp",
     auto_never_loses_to_a_fixed_strategy},
    {"run: copies end where one more or one fewer is slower (resnet18 at B = 128)",
     copies_end_where_one_more_or_fewer_is_slower},
    {"run: resident layers too big to copy are split when the network is faster",
     long_loads_are_split_when_faster},
    {"run: per-layer figures add up to the totals", reported_figures_are_consistent},
    {"run: more bandwidth never slows gpp (vgg16)", more_bandwidth_is_never_slower_for_gpp},
    {"run: thread count does not change results", threads_do_not_change_results},
    {"run: every load order's search finishes (vgg16 at B = 64)", every_load_order_finishes},
    {"run: gpp's search gives layers their own stagger groups, each one faster",
     search_gives_layers_their_groups},
    {"run: losing candidates stop at their deadline", losing_candidates_stop_early},
    {"run: schedule.search_events bounds the whole-network search", a_budget_bounds_the_search},
    {"run: gpp fills the channel when B/s is not whole (vmm512 at B = 24, 40)",
     gpp_fills_the_channel_when_b_over_s_is_not_whole},
    {NULL, NULL},
};
