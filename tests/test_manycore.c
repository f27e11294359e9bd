/* Tests for PIM manycores on a network-on-chip, end to end: the physical
 * invariants of every run on the four manycore presets, placement,
 * resident weights, several models at once, and the command line. */
#include "pimstream/report.h"
#include "test.h"

#include <math.h>

#include <jansson.h>
#include <stdlib.h>

static const char *const PRESETS[] = {"manycore-2d", "manycore-25d", "floret", "manycore-3d"};

/* One run of zoo model(s) on a preset; 0 when it failed (a check says why). */
static int manycore_run(pim_t *t, const char *arch, const char *zoo, uint64_t batch, pim_weights w,
                        pim_placement p, pim_run_result *r, pim_model *m)
{
    pim_arch a;
    pim_error err;
    CHECK(t, pim_arch_load(arch, &a, &err) == PIM_OK);
    CHECK(t, pim_zoo_build(zoo, NULL, m, &err) == PIM_OK);
    pim_run_config c = {.model = m,
                        .arch = &a,
                        .opts = {.strategy = PIM_SCHED_AUTO, .batch = batch},
                        .weights = w,
                        .placement = p,
                        .seed = 1};
    pim_status st = pim_run(&c, r, &err);
    if (st)
        fprintf(stderr, "    %s on %s: %s\n", zoo, arch, err.msg);
    CHECK(t, st == PIM_OK);
    return st == PIM_OK;
}

/* Bytes the program puts on the network: every transfer of its sends,
 * reductions, boundary loads and stores, and its weight loads and KV reads. */
static double program_network_bytes(const pim_program *p)
{
    double bytes = 0;
    for (uint32_t i = 0; i < p->count; i++) {
        const pim_instr *in = &p->code[i];
        if (in->op == PIM_I_LOAD_W || in->op == PIM_I_VEC)
            bytes += (double)in->bytes;
        for (uint32_t k = 0; k < in->nxfers; k++)
            bytes += p->xfers[in->xfer_first + k].bytes;
    }
    return bytes;
}

static void check_invariants(pim_t *t, const pim_arch *a, const pim_run_result *r)
{
    const pim_sim_noc *s = &r->sim.noc;
    CHECK(t, r->sim.has_noc && r->has_noc);
    /* bytes in = bytes out, and they are the program's */
    CHECK_NEAR(t, s->bytes_delivered, s->bytes_injected, 1e-12);
    CHECK_NEAR(t, s->bytes_delivered, program_network_bytes(&r->program), 1e-9);
    /* no link or port above its width at any time */
    CHECK(t, s->peak_load <= 1 + 1e-9);
    /* NoC energy = bit-hops x per-bit energies, as the flows priced them */
    double links = 0;
    for (int k = 0; k < PIM_LINK_CLASSES; k++)
        links += s->class_bits[k] * a->noc.link[k].pj_per_bit;
    CHECK_NEAR(t, r->energy.part[PIM_E_NOC_LINK], links, 1e-12);
    CHECK_NEAR(t, r->energy.part[PIM_E_NOC_ROUTER], s->router_bits * a->noc.router.pj_per_bit,
               1e-12);
    CHECK_NEAR(t, pim_report_noc_energy(r), s->energy_pj, 1e-9);
    double bit_hops = 0;
    for (int k = 0; k < PIM_LINK_CLASSES; k++)
        bit_hops += s->class_bits[k];
    CHECK_NEAR(t, bit_hops, s->bit_hops, 1e-12);
    /* the total is the sum of its parts */
    double sum = 0;
    for (int i = 0; i < PIM_E_PARTS; i++)
        sum += r->energy.part[i];
    CHECK_NEAR(t, r->energy.total, sum, 1e-12);
    /* cycles at least every lower bound */
    CHECK(t, r->sim.cycles >= r->noc_cycles);
    CHECK(t, r->sim.cycles >= r->bandwidth_cycles);
    CHECK(t, r->sim.cycles >= r->macro_cycles);
    for (uint32_t l = 0; l < r->plan.count; l++)
        CHECK(t, s->layer_comm[l] >= 0 && s->layer_compute[l] >= 0);
}

static void invariants_on_every_preset(pim_t *t)
{
    for (size_t i = 0; i < sizeof PRESETS / sizeof PRESETS[0]; i++) {
        pim_arch a;
        pim_error err;
        pim_model m;
        pim_run_result r;
        CHECK(t, pim_arch_load(PRESETS[i], &a, &err) == PIM_OK);
        if (!manycore_run(t, PRESETS[i], "resnet18", 4, PIM_WEIGHTS_RESIDENT, PIM_PLACE_OPTIMIZED,
                          &r, &m)) {
            pim_model_free(&m);
            continue;
        }
        check_invariants(t, &a, &r);
        /* resident: the inference writes no weight; the setup wrote them all */
        CHECK(t, r.weights == PIM_WEIGHTS_RESIDENT);
        CHECK_EQ_U64(t, r.sim.bytes_written, 0);
        CHECK(t, r.setup_sim.bytes_written > 0 && r.setup_cycles > 0 && r.setup_pj > 0);
        CHECK(t, r.steady_inferences_per_second > 0);
        pim_run_result_free(&r);
        pim_model_free(&m);
    }
}

/* Chips joined by links: noc.tiles_per_node makes each chip a node, the
 * traffic inside a chip ideal. Every invariant holds; the links carry only
 * what crosses between chips; a narrower link never makes the run faster. */
static uint64_t chips_run(pim_t *t, const char *link_width, pim_run_result *r, int keep)
{
    pim_arch a;
    pim_error err;
    pim_model m;
    static const char *const sets[] = {"chip.tiles=336",
                                       "chip.macro.weight_bits=8",
                                       "chip.macro.input_bits=8",
                                       "noc.topology=mesh",
                                       "noc.k=2",
                                       "noc.m=1",
                                       "noc.tiles_per_node=168",
                                       "noc.onchip.latency_cycles=1",
                                       "noc.onchip.pj_per_bit=0",
                                       "noc.router.pj_per_bit=0",
                                       "components.offchip_link.count=2"};
    CHECK(t, pim_arch_load("isaac", &a, &err) == PIM_OK);
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        CHECK(t, pim_arch_set(&a, sets[i], &err) == PIM_OK);
    char width[64];
    snprintf(width, sizeof width, "noc.onchip.bytes_per_cycle=%s", link_width);
    CHECK(t, pim_arch_set(&a, width, &err) == PIM_OK);
    CHECK(t, pim_arch_validate(&a, &err) == PIM_OK);
    CHECK_EQ_U64(t, pim_arch_noc_nodes(&a), 2);
    CHECK(t, pim_zoo_build("resnet50", NULL, &m, &err) == PIM_OK);
    pim_run_config c = {.model = &m,
                        .arch = &a,
                        .opts = {.strategy = PIM_SCHED_AUTO, .batch = 4},
                        .weights = PIM_WEIGHTS_RESIDENT,
                        .placement = PIM_PLACE_ROW_MAJOR};
    pim_status st = pim_run(&c, r, &err);
    if (st)
        fprintf(stderr, "    resnet50 on two isaac chips: %s\n", err.msg);
    CHECK(t, st == PIM_OK);
    uint64_t cycles = st ? 0 : r->sim.cycles;
    if (!st) {
        check_invariants(t, &a, r);
        if (!keep)
            pim_run_result_free(r);
    }
    pim_model_free(&m);
    return cycles;
}

static void chips_joined_by_links(pim_t *t)
{
    pim_run_result r;
    uint64_t narrow = chips_run(t, "4", &r, 0), wide = chips_run(t, "1000000", &r, 0);
    uint64_t ht = chips_run(t, "640", &r, 1);
    /* two nodes, one link each way: a bit crosses at most one hop (none
     * when it stays in its chip) */
    CHECK(t, r.sim.noc.bit_hops > 0);
    CHECK(t, r.sim.noc.bit_hops <= r.sim.noc.bytes_delivered * 8 + 1e-9);
    /* the link binds: the busiest link's load over its width is a bound */
    CHECK(t, r.sim.cycles >= r.noc_cycles && r.noc_cycles > 0);
    pim_run_result_free(&r);
    CHECK(t, narrow >= ht && ht >= wide);
    CHECK(t, narrow > wide);
    /* a node is whole chips: a count that does not divide the tiles is refused */
    pim_arch a;
    pim_error err;
    CHECK(t, pim_arch_load("isaac", &a, &err) == PIM_OK);
    CHECK(t, pim_arch_set(&a, "chip.tiles=336", &err) == PIM_OK);
    CHECK(t, pim_arch_set(&a, "noc.topology=mesh", &err) == PIM_OK);
    CHECK(t, pim_arch_set(&a, "noc.k=2", &err) == PIM_OK);
    CHECK(t, pim_arch_set(&a, "noc.onchip.bytes_per_cycle=640", &err) == PIM_OK);
    CHECK(t, pim_arch_set(&a, "noc.tiles_per_node=100", &err) == PIM_OK);
    pim_noc_spec spec;
    uint32_t *pairs = NULL, *mcs = NULL, nmcs = 0;
    CHECK(t, pim_arch_noc_spec(&a, &spec, &pairs, &mcs, &nmcs, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "noc.tiles_per_node") && strstr(err.msg, "divide"));
    free(pairs);
    free(mcs);
}

/* Streamed weights on the network: VGG-16 does not fit manycore-2d, so
 * auto streams it in partitions from the memory controllers. */
static void streamed_weights_cross_the_network(pim_t *t)
{
    pim_arch a;
    pim_error err;
    pim_model m;
    pim_run_result r;
    CHECK(t, pim_arch_load("manycore-2d", &a, &err) == PIM_OK);
    if (!manycore_run(t, "manycore-2d", "vgg16", 2, PIM_WEIGHTS_AUTO, PIM_PLACE_HILBERT, &r, &m)) {
        pim_model_free(&m);
        return;
    }
    CHECK(t, r.weights == PIM_WEIGHTS_STREAM && r.compiled.nparts > 1);
    check_invariants(t, &a, &r);
    CHECK(t, r.sim.bytes_written >= r.weight_bytes); /* every weight went in at least once */
    pim_run_result_free(&r);
    pim_model_free(&m);
    pim_run_config c = {.arch = &a, .opts = {.batch = 2}, .weights = PIM_WEIGHTS_RESIDENT};
    CHECK(t, pim_zoo_build("vgg16", NULL, &m, &err) == PIM_OK);
    c.model = &m;
    CHECK(t, pim_run(&c, &r, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "cannot all be in place") != NULL);
    pim_model_free(&m);
}

/* With multicast routers, tiles that need the same input get it as one
 * tree: the same bytes delivered, never more bit-hops, the invariants kept. */
static void multicast_sends_trees(pim_t *t)
{
    pim_arch a;
    pim_error err;
    pim_model m;
    pim_run_result uni, multi;
    CHECK(t, pim_arch_load("manycore-2d", &a, &err) == PIM_OK);
    CHECK(t, pim_zoo_build("resnet50", NULL, &m, &err) == PIM_OK);
    pim_run_config c = {.model = &m,
                        .arch = &a,
                        .opts = {.batch = 2},
                        .weights = PIM_WEIGHTS_RESIDENT,
                        .placement = PIM_PLACE_HILBERT};
    CHECK(t, pim_run(&c, &uni, &err) == PIM_OK);
    a.noc.multicast = 1;
    CHECK(t, pim_run(&c, &multi, &err) == PIM_OK);
    check_invariants(t, &a, &multi);
    CHECK_NEAR(t, multi.sim.noc.bytes_delivered, uni.sim.noc.bytes_delivered, 1e-9);
    CHECK(t, multi.sim.noc.bit_hops < uni.sim.noc.bit_hops);
    uint32_t grouped = 0;
    for (uint32_t x = 0; x < multi.program.nxfers; x++)
        grouped += multi.program.xfers[x].group != 0;
    CHECK(t, grouped > 0);
    pim_run_result_free(&uni);
    pim_run_result_free(&multi);
    pim_model_free(&m);
}

/* The optimized placement never costs more than any other on the cost it
 * minimises; every placement is a permutation of the nodes. */
static void placements_are_permutations_optimized_never_loses(pim_t *t)
{
    static const pim_placement all[] = {PIM_PLACE_ROW_MAJOR, PIM_PLACE_SNAKE, PIM_PLACE_HILBERT,
                                        PIM_PLACE_RANDOM, PIM_PLACE_OPTIMIZED};
    double cost[5];
    for (int k = 0; k < 5; k++) {
        pim_model m;
        pim_run_result r;
        cost[k] = INFINITY;
        if (manycore_run(t, "floret", "resnet18", 2, PIM_WEIGHTS_RESIDENT, all[k], &r, &m)) {
            cost[k] = r.place_cost;
            char *seen = calloc(r.noc.nodes, 1);
            for (uint32_t i = 0; seen && i < r.noc.nodes; i++) {
                CHECK(t, r.place[i] < r.noc.nodes && !seen[r.place[i]]);
                if (r.place[i] < r.noc.nodes)
                    seen[r.place[i]] = 1;
            }
            free(seen);
            pim_run_result_free(&r);
        }
        pim_model_free(&m);
    }
    for (int k = 0; k < 4; k++)
        CHECK(t, cost[4] <= cost[k] * (1 + 1e-12));
}

/* Where data goes: a store's transfers carry its bytes, all to memory;
 * a row-cut layer spread over nodes reduces partial sums. */
static void program_transfers_follow_the_mapping(pim_t *t)
{
    pim_model m;
    pim_run_result r;
    if (!manycore_run(t, "manycore-2d", "resnet50", 1, PIM_WEIGHTS_RESIDENT, PIM_PLACE_ROW_MAJOR,
                      &r, &m)) {
        pim_model_free(&m);
        return;
    }
    const pim_program *p = &r.program;
    uint32_t stores = 0, reductions = 0, sends = 0;
    for (uint32_t i = 0; i < p->count; i++) {
        const pim_instr *in = &p->code[i];
        double bytes = 0;
        for (uint32_t k = 0; k < in->nxfers; k++) {
            const pim_xfer *x = &p->xfers[in->xfer_first + k];
            bytes += x->bytes;
            CHECK(t, x->bytes > 0 && x->from != x->to);
            if (in->op == PIM_I_STORE_A)
                CHECK(t, x->to == PIM_NODE_MEMORY);
            if (in->op == PIM_I_SEND || in->op == PIM_I_JOIN)
                CHECK(t, x->from < p->nodes && x->to < p->nodes);
        }
        if (in->op == PIM_I_STORE_A) {
            CHECK_NEAR(t, bytes, (double)in->bytes, 1e-9);
            stores++;
        }
        reductions += in->op == PIM_I_JOIN && in->nxfers > 0;
        sends += in->op == PIM_I_SEND;
        if (in->op == PIM_I_SEND) /* never more than the producer's outputs to each input */
            CHECK(t, bytes > 0);
    }
    CHECK(t, stores > 0 && reductions > 0 && sends > 0);
    pim_run_result_free(&r);
    pim_model_free(&m);
}

/* Two models at once on floret: each its own pipeline and figures. */
static void models_at_once(pim_t *t)
{
    pim_arch a;
    pim_error err;
    pim_model parts[2], joined;
    CHECK(t, pim_arch_load("floret", &a, &err) == PIM_OK);
    CHECK(t, pim_zoo_build("resnet18", NULL, &parts[0], &err) == PIM_OK);
    CHECK(t, pim_zoo_build("mobilenet_v2", NULL, &parts[1], &err) == PIM_OK);
    const pim_model *ptrs[2] = {&parts[0], &parts[1]};
    uint32_t first[2];
    CHECK(t, pim_model_concat(&joined, ptrs, 2, first, &err) == PIM_OK);
    CHECK_EQ_U64(t, joined.count, parts[0].count + parts[1].count);
    CHECK_EQ_U64(t, first[1], parts[0].count);
    CHECK(t, strcmp(joined.layers[first[1]].name, "mobilenet_v2/features.0.0") == 0 ||
                 strncmp(joined.layers[first[1]].name, "mobilenet_v2/", 13) == 0);
    const char *names[2] = {"resnet18", "mobilenet_v2"};
    pim_run_config c = {.model = &joined,
                        .arch = &a,
                        .opts = {.batch = 4},
                        .model_first = first,
                        .model_names = names,
                        .nmodels = 2};
    pim_run_result r;
    CHECK(t, pim_run(&c, &r, &err) == PIM_OK);
    CHECK_EQ_U64(t, r.nmodels, 2);
    for (uint32_t k = 0; k < r.nmodels && r.models; k++) {
        CHECK(t, r.models[k].inferences_per_second > 0);
        CHECK(t, r.models[k].shared_bytes <= r.models[k].link_bytes);
        CHECK(t, r.models[k].done <= r.sim.end);
    }
    CHECK(t, r.weights == PIM_WEIGHTS_RESIDENT);
    check_invariants(t, &a, &r);
    pim_run_result_free(&r);
    pim_model_free(&joined);
    pim_model_free(&parts[0]);
    pim_model_free(&parts[1]);
}

static int cli_ok(pim_t *t, const char *args)
{
    char err[512] = "";
    int rc = pim_test_cli(t, args, err, sizeof err);
    if (rc)
        fprintf(stderr, "    pimstream %s: exit %d: %s\n", args, rc, err);
    return rc == 0;
}

/* Runs `pimstream COMMAND FLAG TMP/NAME` and loads the JSON it wrote
 * (NULL, checked, when either fails); path receives TMP/NAME. */
static json_t *cli_json(pim_t *t, const char *command, const char *flag, const char *name,
                        char *path, size_t path_size)
{
    char args[1024];
    snprintf(path, path_size, "%s/%s", t->tmp, name);
    snprintf(args, sizeof args, "%s %s %s", command, flag, path);
    CHECK(t, cli_ok(t, args));
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    CHECK(t, root != NULL);
    return root;
}

/* The JSON a user reads: the noc object, per-layer communication, the
 * one-time load and the steady state. */
static void json_reports_the_network(pim_t *t)
{
    char path[512];
    json_t *root =
        cli_json(t, "run --arch manycore-3d --model resnet18 --batch 2 --weights resident",
                 "--json", "manycore.json", path, sizeof path);
    json_t *noc = json_object_get(root, "noc");
    CHECK(t, root && noc);
    static const char *const keys[] = {
        "topology",      "nodes",     "links",        "bytes",
        "bit_hops",      "energy_pj", "average_hops", "max_link_utilization",
        "busiest_links", "placement", "latency_share"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        CHECK(t, json_object_get(noc, keys[k]) != NULL);
    CHECK(t, strcmp(json_string_value(json_object_get(noc, "topology")), "stack3d") == 0);
    CHECK(t, json_object_get(json_object_get(root, "setup"), "cycles") != NULL);
    CHECK(t, json_object_get(json_object_get(root, "steady_state"), "inferences_per_second"));
    json_t *layers = json_object_get(root, "layers");
    CHECK(t, json_array_size(layers) > 0 &&
                 json_object_get(json_array_get(layers, 0), "communication_cycles"));
    json_t *parts = json_object_get(
        json_object_get(json_object_get(root, "energy_pj"), "breakdown"), "noc_router");
    CHECK(t, json_real_value(parts) > 0);
    json_decref(root);
}

/* --noc-map writes a picture; bad network options exit 2 and write nothing. */
static void cli_network_options(pim_t *t)
{
    char args[1024], path[512], err[512];
    snprintf(path, sizeof path, "%s/map.svg", t->tmp);
    snprintf(args, sizeof args,
             "run --arch floret --model resnet18 --batch 2 --weights resident --noc-map %s", path);
    CHECK(t, cli_ok(t, args));
    char buf[4096];
    pim_test_read_head(path, buf, sizeof buf);
    CHECK(t, strstr(buf, "<svg") != NULL && strstr(buf, "chiplets network") != NULL);
    remove(path);
    static const struct {
        const char *args, *says;
    } bad[] = {
        {"run --arch gpp-sram --placement hilbert", "no network-on-chip"},
        {"run --arch manycore-2d --model vgg16 --weights resident", "cannot all be in place"},
        {"run --arch manycore-2d --placement hilbert,snake", "a list goes with compare"},
        {"run --arch manycore-2d --placement spiral", "must be row-major"},
        {"run --arch manycore-2d --weights sometimes", "must be resident, stream or auto"},
        {"run --arch manycore-2d --weights resident --partitioner greedy", "does not apply"},
        {"run --arch manycore-2d --model vgg16,resnet50", "cannot run at once"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(args, sizeof args, "%s --noc-map %s", bad[i].args, path);
        if (strstr(bad[i].args, "gpp-sram"))
            snprintf(args, sizeof args, "%s", bad[i].args);
        int rc = pim_test_cli(t, args, err, sizeof err);
        CHECK_EQ_U64(t, rc, 2);
        if (!strstr(err, bad[i].says))
            fprintf(stderr, "    %s: said '%s'\n", bad[i].args, err);
        CHECK(t, strstr(err, bad[i].says) != NULL);
        CHECK(t, !pim_test_exists(path));
    }
    snprintf(args, sizeof args, "run --arch gpp-sram --noc-map %s", path);
    CHECK_EQ_U64(t, pim_test_cli(t, args, err, sizeof err), 2);
    CHECK(t, !pim_test_exists(path));
}

/* The trace has a track per busiest link; transfers on one track never
 * overlap (overlapping ones go to lanes of their own). */
static void trace_has_link_tracks(pim_t *t)
{
    char path[512];
    json_t *root =
        cli_json(t, "run --arch manycore-2d --model resnet18 --batch 2 --weights resident",
                 "--trace", "manycore-trace.json", path, sizeof path);
    json_t *events = json_object_get(root, "traceEvents");
    CHECK(t, root && json_array_size(events) > 0);
    double end[64 * 8] = {0};
    size_t links = 0, tracks = 0;
    for (size_t i = 0; i < json_array_size(events); i++) {
        json_t *e = json_array_get(events, i);
        if (json_integer_value(json_object_get(e, "pid")) != (1 << 30))
            continue;
        const char *ph = json_string_value(json_object_get(e, "ph"));
        json_int_t tid = json_integer_value(json_object_get(e, "tid"));
        if (ph && strcmp(ph, "M") == 0) {
            tracks += strcmp(json_string_value(json_object_get(e, "name")), "thread_name") == 0;
            continue;
        }
        CHECK(t, tid >= 0 && tid < 64 * 8);
        if (tid < 0 || tid >= 64 * 8)
            continue;
        double ts = json_number_value(json_object_get(e, "ts"));
        double dur = json_number_value(json_object_get(e, "dur"));
        links++;
        /* in start order per lane: each starts after the one before ended,
         * unless the lane is a link's last (overflow) lane */
        CHECK(t, ts >= end[tid] - 1e-9 || tid % 8 == 7);
        end[tid] = ts + dur;
    }
    CHECK(t, links > 0 && tracks >= 8);
    json_decref(root);
    remove(path);
}

/* compare takes a list of placements; one CSV row each. */
static void compare_placements(pim_t *t)
{
    char args[1024], path[512];
    snprintf(path, sizeof path, "%s/placements.csv", t->tmp);
    snprintf(args, sizeof args,
             "compare --arch manycore-2d --model resnet18 --batch 2 --weights resident "
             "--placement row-major,hilbert,optimized --csv %s",
             path);
    CHECK(t, cli_ok(t, args));
    FILE *f = fopen(path, "r");
    char line[2048];
    int rows = 0, optimized = 0;
    while (f && fgets(line, sizeof line, f)) {
        rows++;
        optimized += strstr(line, ",optimized,") != NULL;
    }
    if (f)
        fclose(f);
    CHECK_EQ_U64(t, rows, 4); /* header and three runs */
    CHECK_EQ_U64(t, optimized, 1);
}

const pim_test_case manycore_tests[] = {
    {"manycore: chips joined by links (a node a chip): invariants, narrower is never faster",
     chips_joined_by_links},
    {"manycore: invariants on every preset (bytes, bandwidth, energy, bounds), resident setup",
     invariants_on_every_preset},
    {"manycore: VGG-16 streams its weights over the network; resident refuses it",
     streamed_weights_cross_the_network},
    {"manycore: placements are permutations; optimized never costs more",
     placements_are_permutations_optimized_never_loses},
    {"manycore: program transfers follow the mapping (stores, reductions, sends)",
     program_transfers_follow_the_mapping},
    {"manycore: two models at once, each its own pipeline", models_at_once},
    {"manycore: multicast routers send shared inputs as trees", multicast_sends_trees},
    {"manycore: JSON reports the network, setup and steady state", json_reports_the_network},
    {"manycore: --noc-map, and bad network options exit 2 writing nothing", cli_network_options},
    {"manycore: compare takes a list of placements", compare_placements},
    {"manycore: the trace has a track per busiest link, transfers never overlapping on one",
     trace_has_link_tracks},
    {NULL, NULL},
};
