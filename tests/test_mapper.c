/* Tests for src/mapper: the search finds the optimum of the whole space
 * (checked against evaluating every mapping on small GEMMs and small
 * hierarchies, for each objective), and on BERT-Large it is no worse than
 * the study's mapper. */
#include "pimstream/mapper.h"
#include "test.h"

/* A hierarchy whose every keep choice is free and whose levels have no
 * constraints: the widest space per level. */
static const char *const OPEN_HIER = "name: open\n"
                                     "clock_mhz: 1000\n"
                                     "word_bits: 8\n"
                                     "levels:\n"
                                     "  - {name: DRAM, block: 4, read_bw: 8, write_bw: 8,\n"
                                     "     read_pj: 100, write_pj: 100, update_pj: 100,\n"
                                     "     keep: [A, B, Z]}\n"
                                     "  - {name: Buffer, capacity: 512, block: 2, read_bw: 4,\n"
                                     "     write_bw: 4, read_pj: 6, write_pj: 7, update_pj: 7,\n"
                                     "     leak_pj: 0.01}\n"
                                     "  - {name: Array, fanout: {x: 3, y: 4}}\n"
                                     "  - {name: Reg, capacity: 8, read_pj: 0.5, write_pj: 0.6,\n"
                                     "     update_pj: 0.6}\n"
                                     "  - {name: mac, compute: {mac_pj: 0.3}}\n";

/* Deeper: two free levels above the fan-out. */
static const char *const DEEP_HIER = "name: deep\n"
                                     "clock_mhz: 1000\n"
                                     "word_bits: 8\n"
                                     "levels:\n"
                                     "  - {name: DRAM, block: 2, read_bw: 2, write_bw: 2,\n"
                                     "     read_pj: 60, write_pj: 60, update_pj: 60,\n"
                                     "     keep: [A, B, Z]}\n"
                                     "  - {name: Buffer, capacity: 96, read_bw: 3, write_bw: 3,\n"
                                     "     read_pj: 5, write_pj: 6, update_pj: 6}\n"
                                     "  - {name: Mid, capacity: 24, read_pj: 2, write_pj: 2,\n"
                                     "     update_pj: 2, bypass: [B]}\n"
                                     "  - {name: Array, fanout: {x: 2, y: 2}, axis: {K: X}}\n"
                                     "  - {name: Reg, capacity: 4, read_pj: 0.5, write_pj: 0.6,\n"
                                     "     update_pj: 0.6}\n"
                                     "  - {name: mac, compute: {mac_pj: 0.3, latency: 2}}\n";

static void same_as_exhaustive(pim_t *t, const pim_hier *h, const pim_gemm *g)
{
    for (int o = 0; o < 3; o++) {
        pim_mapper_best fast, all;
        pim_error err;
        CHECK(t, pim_mapper_search(h, g, (pim_mapper_objective)o, &fast, &err) == PIM_OK);
        CHECK(t, pim_mapper_exhaustive(h, g, (pim_mapper_objective)o, &all, &err) == PIM_OK);
        CHECK(t, fast.found == all.found); /* nothing fits both ways, or something does */
        if (!fast.found || !all.found)
            continue;
        double a = pim_mapper_cost((pim_mapper_objective)o, &fast.result);
        double b = pim_mapper_cost((pim_mapper_objective)o, &all.result);
        if (!(a <= b * (1 + 1e-12))) {
            char m1[512], m2[512];
            pim_mapping_format(h, &fast.mapping, m1, sizeof m1);
            pim_mapping_format(h, &all.mapping, m2, sizeof m2);
            fprintf(stderr, "    %s %llux%llux%llu %s: search %.9g (%s), every mapping %.9g (%s)\n",
                    h->name, (unsigned long long)g->m, (unsigned long long)g->n,
                    (unsigned long long)g->k, pim_mapper_objective_name((pim_mapper_objective)o), a,
                    m1, b, m2);
            t->failures++;
        }
        CHECK(t, fast.considered <= all.considered);
        /* what the search reports is the model's own figure */
        pim_nest_result again;
        pim_nest_eval(h, g, &fast.mapping, &again);
        CHECK(t, pim_mapping_check(h, g, &fast.mapping, 1, &err) == PIM_OK);
        CHECK_NEAR(t, pim_mapper_cost((pim_mapper_objective)o, &again), a, 1e-12);
    }
}

static void optimal_on_small_problems(pim_t *t)
{
    static const char *const archs[] = {"www-tensor-core", "www-rf-analog6t", "www-rf-digital6t",
                                        "www-rf-digital8t", "www-smem-analog8t"};
    static const pim_gemm gemms[] = {
        {"a", 16, 32, 64, 1}, {"b", 8, 16, 16, 1}, {"c", 12, 48, 20, 1}, {"d", 1, 64, 32, 1}};
    pim_error err;
    for (size_t a = 0; a < sizeof archs / sizeof archs[0]; a++) {
        pim_hier h;
        if (pim_hier_load(archs[a], &h, &err)) {
            CHECK(t, 0);
            continue;
        }
        for (size_t g = 0; g < sizeof gemms / sizeof gemms[0]; g++)
            same_as_exhaustive(t, &h, &gemms[g]);
    }
    /* large but cheap to enumerate (the baseline's fixed PE array): a bound
     * that depended on a level's loop order once missed this optimum */
    pim_hier tc;
    static const pim_gemm decode[] = {{"k", 1, 16384, 4096, 1}, {"l", 4, 256, 512, 1}};
    CHECK(t, pim_hier_load("www-tensor-core", &tc, &err) == PIM_OK);
    for (size_t g = 0; g < sizeof decode / sizeof decode[0]; g++)
        same_as_exhaustive(t, &tc, &decode[g]);
    pim_hier open;
    CHECK(t, pim_hier_from_yaml(OPEN_HIER, strlen(OPEN_HIER), "open", &open, &err) == PIM_OK);
    static const pim_gemm open_gemms[] = {{"e", 4, 8, 8, 1}, {"f", 6, 10, 4, 1}, {"g", 8, 4, 6, 1}};
    for (size_t g = 0; g < sizeof open_gemms / sizeof open_gemms[0]; g++)
        same_as_exhaustive(t, &open, &open_gemms[g]);
    pim_hier deep;
    CHECK(t, pim_hier_from_yaml(DEEP_HIER, strlen(DEEP_HIER), "deep", &deep, &err) == PIM_OK);
    static const pim_gemm deep_gemms[] = {{"h", 4, 2, 4, 1}, {"i", 2, 4, 6, 1}};
    for (size_t g = 0; g < sizeof deep_gemms / sizeof deep_gemms[0]; g++)
        same_as_exhaustive(t, &deep, &deep_gemms[g]);
}

/* BERT-Large 512x1024x1024 on the baseline: the study's random-search
 * mapper reached 3,295,525 cycles and 1838.76 uJ (FACTS.md 7.1). */
static void bert_baseline_beats_the_study(pim_t *t)
{
    pim_hier h;
    pim_error err;
    if (pim_hier_load("www-tensor-core", &h, &err)) {
        CHECK(t, 0);
        return;
    }
    pim_gemm g = {"bert", 512, 1024, 1024, 1};
    pim_mapper_best b;
    CHECK(t, pim_mapper_search(&h, &g, PIM_MAPPER_EDP, &b, &err) == PIM_OK && b.found);
    CHECK(t, b.result.energy_pj * b.result.cycles <= 1838.76e6 * 3295525);
    CHECK(t, b.result.cycles <= 3295525);
}

static double edp_of(pim_t *t, const pim_hier *h, const pim_gemm *g, const char *mapping)
{
    char path[512];
    snprintf(path, sizeof path, "%s/www/%s.yaml", t->data, mapping);
    pim_mapping m;
    pim_error err;
    if (pim_mapping_load(h, g, path, &m, &err)) {
        fprintf(stderr, "    %s\n", err.msg);
        t->failures++;
        return 0;
    }
    pim_nest_result r;
    pim_nest_eval(h, g, &m, &r);
    return r.energy_pj * r.cycles;
}

/* On every register-file CiM design the mapper does at least as well as
 * the study's stored mappings: unconstrained (the study's random search)
 * and under the study's own constraints (its priority algorithm). */
static void cim_designs_beat_the_study(pim_t *t)
{
    static const char *const designs[] = {"analog6t", "analog8t", "digital6t", "digital8t"};
    pim_gemm g = {"bert", 512, 1024, 1024, 1};
    for (size_t i = 0; i < sizeof designs / sizeof designs[0]; i++) {
        char arch[64], name[64], cons[512];
        snprintf(arch, sizeof arch, "www-rf-%s", designs[i]);
        pim_hier h;
        pim_error err;
        if (pim_hier_load(arch, &h, &err)) {
            CHECK(t, 0);
            continue;
        }
        pim_mapper_best b;
        CHECK(t, pim_mapper_search(&h, &g, PIM_MAPPER_EDP, &b, &err) == PIM_OK && b.found);
        snprintf(name, sizeof name, "rf-%s", designs[i]);
        CHECK(t, b.result.energy_pj * b.result.cycles <= edp_of(t, &h, &g, name));
        snprintf(cons, sizeof cons, "%s/www/cons-rf-%s.yaml", t->data, designs[i]);
        CHECK(t, pim_hier_constrain_file(&h, cons, &err) == PIM_OK);
        CHECK(t, pim_mapper_search(&h, &g, PIM_MAPPER_EDP, &b, &err) == PIM_OK && b.found);
        snprintf(name, sizeof name, "rf-%s-cons", designs[i]);
        CHECK_NEAR(t, b.result.energy_pj * b.result.cycles, edp_of(t, &h, &g, name), 1e-12);
        CHECK(t, b.result.energy_pj * b.result.cycles <= edp_of(t, &h, &g, name));
    }
}

/* The shared-memory designs: the study's constraint sets (all factors
 * fixed) give one mapping each; the free mapper does at least as well. */
static void smem_designs_beat_the_constraints(pim_t *t)
{
    static const char *const designs[] = {"analog6t", "analog8t", "digital6t", "digital8t"};
    pim_gemm g = {"bert", 512, 1024, 1024, 1};
    for (size_t i = 0; i < sizeof designs / sizeof designs[0]; i++) {
        char arch[64], cons[512];
        snprintf(arch, sizeof arch, "www-smem-%s", designs[i]);
        pim_hier h;
        pim_error err;
        pim_mapper_best free_best, cons_best;
        if (pim_hier_load(arch, &h, &err)) {
            CHECK(t, 0);
            continue;
        }
        CHECK(t, pim_mapper_search(&h, &g, PIM_MAPPER_EDP, &free_best, &err) == PIM_OK);
        snprintf(cons, sizeof cons, "%s/www/cons-smem-%s.yaml", t->data, designs[i]);
        CHECK(t, pim_hier_constrain_file(&h, cons, &err) == PIM_OK);
        CHECK(t, pim_mapper_search(&h, &g, PIM_MAPPER_EDP, &cons_best, &err) == PIM_OK);
        CHECK(t, free_best.found && cons_best.found);
        CHECK(t, free_best.result.energy_pj * free_best.result.cycles <=
                     cons_best.result.energy_pj * cons_best.result.cycles);
        CHECK_EQ_U64(t, cons_best.mapping.factor[0][PIM_DIM_M], 512); /* DRAM M512: as fixed */
    }
}

/* The study's priority-based dataflow (FACTS.md 5.2) for BERT-Large: the
 * register-file designs get exactly the constraints the study ran (its
 * main.py with THRESHOLD 4), the shared-memory ones what the current
 * main.py gives with THRESHOLD 32 (FACTS.md 5.2's table). */
static void priority_dataflow(pim_t *t)
{
    static const struct {
        const char *arch, *mapping;
    } want[] = {
        {"www-rf-analog6t",
         "DRAM [N4 K8] / SMEM [K2 M512] / CiMBank sp{N4@Y} / CiMArray sp{N4@X K64@Y} / "
         "CiMStorage [N16]"},
        {"www-rf-analog8t",
         "DRAM [N4 K8] / SMEM [K2 M512] / CiMBank sp{N4@Y} / CiMArray sp{N4@X K64@Y} / "
         "CiMStorage [N16]"},
        {"www-rf-digital6t",
         "DRAM [K4 N8] / SMEM [N2 M512] / CiMBank sp{N4@Y} / CiMArray sp{N16@X K256@Y}"},
        {"www-rf-digital8t", "DRAM [N4 K8] / SMEM [N2 K4 M512] / CiMBank sp{K4@Y} / CiMArray "
                             "sp{N128@X} / CiMStorage [K8]"},
        {"www-smem-analog6t",
         "DRAM [N4 K16 M512] / CiMBank sp{N4@Y} / CiMArray sp{N4@X K64@Y} / CiMStorage [N16]"},
        {"www-smem-digital6t", "DRAM [K2 N64 M512] / CiMBank sp{K2@Y} / CiMArray sp{N16@X K256@Y}"},
        {"www-smem-digital8t",
         "DRAM [N2 K128 M512] / CiMBank sp{N4@Y} / CiMArray sp{N128@X} / CiMStorage [K8]"},
    };
    pim_gemm g = {"bert", 512, 1024, 1024, 1};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        pim_hier h;
        pim_error err;
        pim_mapper_best b;
        char got[512] = "";
        CHECK(t, pim_hier_load(want[i].arch, &h, &err) == PIM_OK);
        CHECK(t, pim_priority_constrain(&h, &g, &err) == PIM_OK);
        CHECK(t, pim_mapper_search(&h, &g, PIM_MAPPER_EDP, &b, &err) == PIM_OK && b.found);
        pim_mapping_format(&h, &b.mapping, got, sizeof got);
        if (strcmp(got, want[i].mapping) != 0) {
            fprintf(stderr, "    %s: %s, the study's %s\n", want[i].arch, got, want[i].mapping);
            t->failures++;
        }
    }
    pim_hier tc;
    pim_error err;
    CHECK(t, pim_hier_load("www-tensor-core", &tc, &err) == PIM_OK);
    CHECK(t, pim_priority_constrain(&tc, &g, &err) == PIM_EINPUT); /* no CiM: refused */
}

/* Nothing fits: reported, not crashed. */
static void no_mapping_fits(pim_t *t)
{
    pim_hier h;
    pim_error err;
    if (pim_hier_load("www-tensor-core", &h, &err)) {
        CHECK(t, 0);
        return;
    }
    pim_gemm g = {"odd", 4, 15, 7, 1}; /* the PE array needs N and K in multiples of 16 */
    pim_mapper_best b;
    CHECK(t, pim_mapper_search(&h, &g, PIM_MAPPER_EDP, &b, &err) == PIM_OK);
    CHECK(t, !b.found);
}

/* A budget stops the search where it says, with the best found so far:
 * never better than the optimum, a mapping the hierarchy takes, the same
 * on every run; a budget the search does not reach changes nothing. */
static void budget_stops_the_search(pim_t *t)
{
    pim_hier h;
    pim_error err;
    CHECK(t, pim_hier_from_yaml(DEEP_HIER, strlen(DEEP_HIER), "deep.yaml", &h, &err) == PIM_OK);
    pim_gemm g = {"g", 16, 8, 12, 1};
    pim_mapper_best all, enough, cut, again, one;
    CHECK(t, pim_mapper_search_within(&h, &g, PIM_MAPPER_EDP, 0, &all, &err) == PIM_OK);
    CHECK(t, all.found && !all.stopped && all.weighed > 100);
    CHECK(t,
          pim_mapper_search_within(&h, &g, PIM_MAPPER_EDP, all.weighed, &enough, &err) == PIM_OK);
    CHECK(t, !enough.stopped && enough.weighed == all.weighed);
    CHECK(t, memcmp(&enough.mapping, &all.mapping, sizeof all.mapping) == 0);
    uint64_t budget = all.weighed / 2;
    CHECK(t, pim_mapper_search_within(&h, &g, PIM_MAPPER_EDP, budget, &cut, &err) == PIM_OK);
    CHECK(t, pim_mapper_search_within(&h, &g, PIM_MAPPER_EDP, budget, &again, &err) == PIM_OK);
    CHECK(t, cut.stopped && cut.weighed == budget && cut.considered < all.considered);
    CHECK(t, cut.found);
    if (cut.found) {
        CHECK(t, pim_mapper_cost(PIM_MAPPER_EDP, &cut.result) >=
                     pim_mapper_cost(PIM_MAPPER_EDP, &all.result));
        CHECK(t, pim_mapping_check(&h, &g, &cut.mapping, 1, &err) == PIM_OK);
        CHECK(t, memcmp(&cut.mapping, &again.mapping, sizeof cut.mapping) == 0);
    }
    CHECK(t, pim_mapper_search_within(&h, &g, PIM_MAPPER_EDP, 1, &one, &err) == PIM_OK);
    CHECK(t, one.stopped && one.weighed == 1 && !one.found); /* one choice reaches no leaf */
}

const pim_test_case mapper_tests[] = {
    {"mapper: optimal against every mapping on small problems", optimal_on_small_problems},
    {"mapper: BERT-Large baseline no worse than the study's mapper", bert_baseline_beats_the_study},
    {"mapper: CiM designs no worse than the study's mappings, free or constrained",
     cim_designs_beat_the_study},
    {"mapper: shared-memory designs no worse than the study's constraints",
     smem_designs_beat_the_constraints},
    {"mapper: the study's priority dataflow, as it ran", priority_dataflow},
    {"mapper: a GEMM nothing fits is reported", no_mapping_fits},
    {"mapper: a budget stops the search with its best so far", budget_stops_the_search},
    {NULL, NULL}};
