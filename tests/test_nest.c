/* Tests for src/hier and src/nest: the hierarchy presets and the loop-nest
 * model against the WWW study's reference runs (FACTS.md 7: every level's
 * reads, fills and updates per tensor exactly, cycles exactly, energy
 * within 0.1%), the counting rules on hand-made nests, and the mapping
 * file's errors. */
#include "pimstream/mapper.h"
#include "pimstream/nest.h"
#include "test.h"

#include <jansson.h>
#include <stdlib.h>

/* One row of a reference table: level, tensor, instances used, tile,
 * partition, and per-instance reads, fills, updates. */
typedef struct {
    const char *level;
    int tensor;
    uint64_t used, tile, partition, reads, fills, updates;
} ref_row;

typedef struct {
    const char *arch, *mapping;
    uint64_t cycles;
    double energy_uj; /* Timeloop's summary, 2 decimals */
    double study_cycles;
    ref_row rows[10];
} ref_run;

enum { A = PIM_TENSOR_A, B = PIM_TENSOR_B, Z = PIM_TENSOR_Z };

/* FACTS.md 7.1-7.5, BERT-Large M=512 N=1024 K=1024. */
static const ref_run REFS[] = {
    {"www-tensor-core",
     "tensor-core",
     3295525,
     1838.76,
     3295525,
     {{"LRF", A, 1024, 1, 8192, 524288, 65536, 0},
      {"RF", Z, 4, 128, 131072, 8257536, 0, 8388608},
      {"SMEM", A, 1, 131072, 524288, 4194304, 4194304, 0},
      {"SMEM", B, 1, 131072, 1048576, 134217728, 1048576, 0},
      {"DRAM", A, 1, 524288, 524288, 4194304, 0, 0},
      {"DRAM", B, 1, 1048576, 1048576, 1048576, 0, 0},
      {"DRAM", Z, 1, 524288, 524288, 0, 0, 524288}}},
    {"www-rf-analog6t",
     "rf-analog6t",
     4194304,
     609.13,
     301989888,
     {{"CiMStorage", B, 128, 8, 8192, 4194304, 32768, 0},
      {"CiMOutBuffer", Z, 128, 8, 131072, 4063232, 4063232, 4194304},
      {"CiMInpBuffer", A, 128, 1, 16384, 4194304, 524288, 0},
      {"SMEM", A, 1, 131072, 524288, 16777216, 524288, 0},
      {"SMEM", Z, 1, 65536, 524288, 16252928, 0, 16777216},
      {"DRAM", A, 1, 524288, 524288, 524288, 0, 0},
      {"DRAM", B, 1, 1048576, 1048576, 4194304, 0, 0},
      {"DRAM", Z, 1, 524288, 524288, 0, 0, 524288}}},
    {"www-rf-analog6t",
     "rf-analog6t-cons",
     524288,
     393.03,
     75497472,
     {{"CiMStorage", B, 1024, 16, 1024, 524288, 1024, 0},
      {"CiMOutBuffer", Z, 1024, 16, 32768, 491520, 491520, 524288},
      {"CiMInpBuffer", A, 1024, 1, 8192, 524288, 32768, 0},
      {"SMEM", A, 1, 65536, 524288, 2097152, 2097152, 0},
      {"SMEM", Z, 1, 131072, 524288, 7864320, 0, 8388608},
      {"DRAM", A, 1, 524288, 524288, 2097152, 0, 0},
      {"DRAM", B, 1, 1048576, 1048576, 1048576, 0, 0},
      {"DRAM", Z, 1, 524288, 524288, 0, 0, 524288}}},
    {"www-rf-analog8t",
     "rf-analog8t",
     4194304,
     577.21,
     4831838208.0,
     {{"CiMStorage", B, 128, 8, 8192, 4194304, 32768, 0},
      {"CiMOutBuffer", Z, 128, 8, 131072, 4063232, 4063232, 4194304},
      {"SMEM", Z, 1, 65536, 524288, 16252928, 0, 16777216},
      {"DRAM", B, 1, 1048576, 1048576, 4194304, 0, 0}}},
    {"www-rf-analog8t",
     "rf-analog8t-cons",
     524288,
     360.89,
     1207959552,
     {{"CiMStorage", B, 1024, 16, 1024, 524288, 1024, 0},
      {"SMEM", A, 1, 65536, 524288, 2097152, 2097152, 0},
      {"DRAM", A, 1, 524288, 524288, 2097152, 0, 0}}},
    {"www-rf-digital6t",
     "rf-digital6t",
     836365,
     678.06,
     2359296,
     {{"CiMStorage", B, 4096, 1, 256, 131072, 1024, 0},
      {"CiMOutBuffer", Z, 4096, 1, 32768, 98304, 98304, 131072},
      {"CiMInpBuffer", A, 4096, 1, 2048, 131072, 131072, 0},
      {"SMEM", A, 1, 131072, 524288, 33554432, 524288, 0},
      {"SMEM", Z, 1, 2048, 524288, 1572864, 0, 2097152},
      {"DRAM", A, 1, 524288, 524288, 524288, 0, 0},
      {"DRAM", B, 1, 1048576, 1048576, 4194304, 0, 0},
      {"DRAM", Z, 1, 524288, 524288, 0, 0, 524288}}},
    {"www-rf-digital6t",
     "rf-digital6t-cons",
     237178,
     575.73,
     589824,
     {{"CiMStorage", B, 16384, 1, 64, 32768, 64, 0},
      {"CiMOutBuffer", Z, 16384, 1, 8192, 24576, 24576, 32768},
      {"CiMInpBuffer", A, 16384, 1, 2048, 32768, 32768, 0},
      {"SMEM", A, 1, 131072, 524288, 8388608, 524288, 0},
      {"SMEM", Z, 1, 65536, 524288, 1572864, 1572864, 2097152},
      {"DRAM", A, 1, 524288, 524288, 524288, 0, 0},
      {"DRAM", B, 1, 1048576, 1048576, 1048576, 0, 0},
      {"DRAM", Z, 1, 524288, 524288, 1572864, 0, 2097152}}},
    {"www-rf-digital8t",
     "rf-digital8t",
     4194304,
     1828.44,
     3909091328.0,
     {{"CiMStorage", B, 128, 4, 8192, 4194304, 8192, 0},
      {"CiMOutBuffer", Z, 128, 1, 4096, 4190208, 1044480, 4194304},
      {"CiMInpBuffer", A, 128, 4, 524288, 4194304, 4194304, 0},
      {"SMEM", A, 1, 131072, 524288, 4194304, 524288, 0},
      {"SMEM", Z, 1, 131072, 524288, 133693440, 1572864, 134217728},
      {"DRAM", A, 1, 524288, 524288, 524288, 0, 0},
      {"DRAM", B, 1, 1048576, 1048576, 1048576, 0, 0},
      {"DRAM", Z, 1, 524288, 524288, 1572864, 0, 2097152}}},
    {"www-rf-digital8t",
     "rf-digital8t-cons",
     1048576,
     836.94,
     1954545664.0,
     {{"CiMStorage", B, 512, 8, 2048, 1048576, 2048, 0},
      {"CiMOutBuffer", Z, 512, 1, 4096, 1044480, 126976, 1048576},
      {"CiMInpBuffer", A, 512, 8, 131072, 1048576, 1048576, 0},
      {"SMEM", A, 1, 65536, 524288, 4194304, 2097152, 0},
      {"SMEM", Z, 1, 131072, 524288, 16252928, 0, 16777216},
      {"DRAM", A, 1, 524288, 524288, 2097152, 0, 0},
      {"DRAM", B, 1, 1048576, 1048576, 1048576, 0, 0},
      {"DRAM", Z, 1, 524288, 524288, 0, 0, 524288}}},
};

static const pim_gemm BERT = {"bert-large", 512, 1024, 1024, 1};

static void check_row(pim_t *t, const pim_hier *h, const pim_nest_result *r, const ref_row *row,
                      const char *run)
{
    int i = pim_hier_find(h, row->level);
    CHECK(t, i >= 0);
    if (i < 0)
        return;
    const pim_access *a = &r->acc[i][row->tensor];
    uint64_t got[6] = {r->used[i], a->tile, a->partition, a->reads, a->fills, a->updates};
    uint64_t want[6] = {row->used, row->tile, row->partition, row->reads, row->fills, row->updates};
    static const char *const what[] = {"used", "tile", "partition", "reads", "fills", "updates"};
    for (int k = 0; k < 6; k++)
        if (got[k] != want[k]) {
            fprintf(stderr, "    %s: %s %s %s = %llu, reference %llu\n", run, row->level,
                    pim_tensor_name(row->tensor), what[k], (unsigned long long)got[k],
                    (unsigned long long)want[k]);
            t->failures++;
        }
}

static int load_ref(pim_t *t, const ref_run *ref, pim_hier *h, pim_mapping *m)
{
    pim_error err;
    char path[512];
    snprintf(path, sizeof path, "%s/www/%s.yaml", t->data, ref->mapping);
    pim_status st = pim_hier_load(ref->arch, h, &err);
    if (!st)
        st = pim_mapping_load(h, &BERT, path, m, &err);
    if (st)
        fprintf(stderr, "    %s\n", err.msg);
    CHECK(t, st == PIM_OK);
    return st == PIM_OK;
}

/* The reference runs of one design reproduced from their stored mappings. */
static void reproduces_design(pim_t *t, const char *arch)
{
    int runs = 0;
    for (size_t k = 0; k < sizeof REFS / sizeof REFS[0]; k++) {
        const ref_run *ref = &REFS[k];
        if (strcmp(ref->arch, arch) != 0)
            continue;
        runs++;
        pim_hier h;
        pim_mapping m;
        if (!load_ref(t, ref, &h, &m))
            continue;
        pim_nest_result r;
        pim_nest_eval(&h, &BERT, &m, &r);
        CHECK_EQ_U64(t, r.macs, 536870912);
        CHECK_EQ_U64(t, r.unscaled_cycles, ref->cycles);
        CHECK_NEAR(t, r.unscaled_energy_pj / 1e6, ref->energy_uj, 1e-3);
        CHECK_NEAR(t, r.unscaled_energy_pj / 1e6, ref->energy_uj, 0.006 / ref->energy_uj);
        CHECK_NEAR(t, r.study_cycles, ref->study_cycles, 1e-12);
        for (int i = 0; i < 10 && ref->rows[i].level; i++)
            check_row(t, &h, &r, &ref->rows[i], ref->mapping);
    }
    CHECK(t, runs > 0);
}

static void reproduces_tensor_core(pim_t *t)
{
    reproduces_design(t, "www-tensor-core");
}

static void reproduces_rf_analog6t(pim_t *t)
{
    reproduces_design(t, "www-rf-analog6t");
}

static void reproduces_rf_analog8t(pim_t *t)
{
    reproduces_design(t, "www-rf-analog8t");
}

static void reproduces_rf_digital6t(pim_t *t)
{
    reproduces_design(t, "www-rf-digital6t");
}

static void reproduces_rf_digital8t(pim_t *t)
{
    reproduces_design(t, "www-rf-digital8t");
}

/* The per-level energies the reference prints (pJ, all instances), and
 * leakage over the cycles, for the baseline. */
static void baseline_energy_by_level(pim_t *t)
{
    pim_hier h;
    pim_mapping m;
    if (!load_ref(t, &REFS[0], &h, &m))
        return;
    pim_nest_result r;
    pim_nest_eval(&h, &BERT, &m, &r);
    int lrf = pim_hier_find(&h, "LRF"), rf = pim_hier_find(&h, "RF");
    int smem = pim_hier_find(&h, "SMEM"), dram = pim_hier_find(&h, "DRAM");
    CHECK_NEAR(t, r.mac_pj, 140928614.40, 1e-9);
    CHECK_NEAR(t, r.acc[lrf][A].energy_pj, 11578560.74, 1e-9);
    CHECK_NEAR(t, r.acc[rf][Z].energy_pj, 758297112.08, 1e-9);
    CHECK_NEAR(t, r.acc[smem][A].energy_pj, 31814885.31, 1e-9);
    CHECK_NEAR(t, r.acc[smem][B].energy_pj, 526877751.25, 1e-9);
    CHECK_NEAR(t, r.acc[dram][A].energy_pj, 268435456.00, 1e-12);
    CHECK_NEAR(t, r.leak_pj[rf] * r.unscaled_cycles / r.cycles, 134431.06, 1e-7);
    CHECK_NEAR(t, r.leak_pj[smem] * r.unscaled_cycles / r.cycles, 26041.24, 1e-6);
    CHECK_NEAR(t, r.unscaled_energy_pj, 1838756148.08, 1e-9);
    CHECK_EQ_U64(t, r.level_cycles[smem], 3295525);
    CHECK_EQ_U64(t, r.level_cycles[dram], 524288);
    CHECK(t, r.bound_level == smem);
    CHECK_NEAR(t, r.utilization, 0.1591, 1e-3);
}

/* A CiM primitive's latency scales the compute cycles pimstream reports;
 * Timeloop's (unscaled) figure stays beside it. */
static void cim_latency_scales_cycles(pim_t *t)
{
    pim_hier h;
    pim_mapping m;
    if (!load_ref(t, &REFS[2], &h, &m))
        return;
    pim_nest_result r;
    pim_nest_eval(&h, &BERT, &m, &r);
    CHECK_EQ_U64(t, r.unscaled_cycles, 524288);
    CHECK_NEAR(t, r.cycles, 524288.0 * 9, 1e-12);
    CHECK(t, r.bound_level == -1);
    double leak = 0;
    for (uint32_t i = 0; i < h.nlevels; i++)
        leak += r.leak_pj[i];
    CHECK_NEAR(t, r.energy_pj - r.unscaled_energy_pj, leak * (1 - 1.0 / 9), 1e-9);
}

static void mapping_errors(pim_t *t)
{
    pim_hier h;
    pim_error err;
    if (pim_hier_load("www-tensor-core", &h, &err)) {
        CHECK(t, 0);
        return;
    }
    static const struct {
        const char *text, *expect;
    } bad[] = {
        {"DRAM: [N8, M4]\n", "multiply to"},
        {"DRAM: [N4, M4]\nSMEM: [M128, N256, K1024]\n", "capacity"},
        {"Nowhere: [M2]\n", "not a storage or fan-out level"},
        {"DRAM: [M512, N1024, K1024]\nPE: [M2@Z]\n", "bad loop"},
        {"DRAM: [M128, N1024, K1024]\nSubpartition: [M4@X]\n", "mesh"},
        {"DRAM: [M512, N1024, K1024]\nDRAM: [M1]\n", "twice"},
        {"DRAM: [M512, M1]\n", "twice at one level"},
        {"DRAM: [Q4]\n", "a loop is"},
        {"DRAM: {loops: [M512, N1024, K1024], keep: [Q]}\n", "A, B or Z"},
        {"RF: {keep: [A]}\nDRAM: [M512, N1024, K1024]\n", "bypasses"},
        {"- 1\n", "LEVEL: [loops]"},
        {"DRAM: [M0]\n", "bad loop"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pim_mapping m;
        pim_status st = pim_mapping_from_yaml(&h, &BERT, bad[i].text, strlen(bad[i].text),
                                              "map.yaml", &m, &err);
        if (st != PIM_EINPUT)
            fprintf(stderr, "    case %zu accepted\n", i);
        CHECK(t, st == PIM_EINPUT);
        if (st == PIM_EINPUT && !strstr(err.msg, bad[i].expect)) {
            fprintf(stderr, "    case %zu: '%s' lacks '%s'\n", i, err.msg, bad[i].expect);
            t->failures++;
        }
    }
}

/* Every hierarchy preset, a GEMM mapped: energy is the sum of its
 * parts, words read by a level are the words its child brings in (times
 * the multicast), cycles are at least the compute's and each level's
 * bandwidth need. */
static void invariants_on_every_preset(pim_t *t)
{
    for (size_t p = 0; p < pim_hier_preset_count(); p++) {
        pim_hier h;
        pim_error err;
        if (pim_hier_load(pim_hier_preset_name(p), &h, &err)) {
            fprintf(stderr, "    %s\n", err.msg);
            t->failures++;
            continue;
        }
        pim_mapper_best b;
        const pim_gemm g = {"g", 128, 256, 512, 1};
        CHECK(t, pim_mapper_search(&h, &g, PIM_MAPPER_EDP, &b, &err) == PIM_OK && b.found);
        if (!b.found)
            continue;
        const pim_nest_result *r = &b.result;
        uint32_t compute = h.nlevels - 1;
        double parts = r->mac_pj;
        for (uint32_t i = 0; i < compute; i++)
            parts += r->read_pj[i] + r->fill_pj[i] + r->update_pj[i] + r->leak_pj[i];
        CHECK_NEAR(t, r->energy_pj, parts, 1e-12);
        CHECK(t, r->cycles >= (double)r->compute_cycles * h.level[compute].latency * (1 - 1e-12));
        for (uint32_t i = 0; i < compute; i++) {
            const pim_hlevel *l = &h.level[i];
            uint64_t reads = 0;
            for (int x = 0; x < PIM_TENSORS; x++)
                reads += r->acc[i][x].reads;
            if (l->kind == PIM_HL_STORAGE && l->read_bw > 0)
                CHECK(t, r->cycles >= (double)reads / l->read_bw - 1);
        }
        for (int x = 0; x < 2; x++) { /* A and B: words out of a level = words into the next */
            uint32_t child = compute;
            for (uint32_t L = compute; L-- > 0;) {
                if (h.level[L].kind != PIM_HL_STORAGE || !(b.mapping.keep[L] & (1u << x)))
                    continue;
                uint64_t multicast = 1;
                for (uint32_t j = L + 1; j < child; j++)
                    if (h.level[j].kind == PIM_HL_FANOUT)
                        multicast *= b.mapping.factor[j][x == PIM_TENSOR_A ? PIM_DIM_N : PIM_DIM_M];
                uint64_t into =
                    child == compute ? r->macs : r->acc[child][x].fills * r->used[child];
                CHECK_EQ_U64(t, r->acc[L][x].reads * r->used[L] * multicast, into);
                child = L;
            }
        }
    }
}

static int map_cli(pim_t *t, const char *args, char *err, size_t cap)
{
    int rc = pim_test_cli(t, args, err, cap);
    if (rc)
        fprintf(stderr, "    pimstream %s: exit %d: %s\n", args, rc, err);
    return rc;
}

/* map's JSON: the study's baseline mapping evaluated, its fields and figures. */
static void map_json(pim_t *t)
{
    char args[1024], path[512], err[512];
    snprintf(path, sizeof path, "%s/map.json", t->tmp);
    snprintf(args, sizeof args, "map --mapping %s/www/tensor-core.yaml --json %s", t->data, path);
    CHECK(t, map_cli(t, args, err, sizeof err) == 0);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    CHECK(t, root != NULL);
    if (!root)
        return;
    static const char *const top[] = {"arch",      "model", "layers", "cycles",
                                      "energy_pj", "macs",  "edp",    "mapper"};
    for (size_t i = 0; i < sizeof top / sizeof top[0]; i++)
        CHECK(t, json_object_get(root, top[i]) != NULL);
    json_t *l = json_array_get(json_object_get(root, "layers"), 0);
    static const char *const keys[] = {"name",   "m",         "n",        "k",          "mapping",
                                       "cycles", "energy_pj", "accesses", "utilization"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        CHECK(t, json_object_get(l, keys[i]) != NULL);
    CHECK_NEAR(t, json_number_value(json_object_get(root, "cycles")), 3295525, 0);
    /* the study's ART: SMEM, 4 RFs, 1024 LRFs and MACs, spatial pseudo-levels of 1 um2 */
    CHECK_NEAR(t, json_number_value(json_object_get(root, "area_um2")),
               1068811.0 + 4 * 6731.96 + 1024 * (8.245 + 347.5), 1e-6);
    CHECK_NEAR(t, json_number_value(json_object_get(root, "energy_pj")), 1838756148.08, 1e-9);
    json_t *smem_b = json_object_get(json_object_get(json_object_get(l, "accesses"), "SMEM"), "B");
    CHECK_EQ_U64(t, json_integer_value(json_object_get(smem_b, "reads")), 134217728);
    json_t *energy = json_object_get(l, "energy_pj");
    double by_level = 0, by_action = 0;
    const char *key;
    json_t *v;
    json_object_foreach(json_object_get(energy, "by_level"), key, v) by_level +=
        json_number_value(v);
    json_object_foreach(json_object_get(energy, "by_action"), key, v) by_action +=
        json_number_value(v);
    CHECK_NEAR(t, by_level, json_number_value(json_object_get(energy, "total")), 1e-9);
    CHECK_NEAR(t, by_action, json_number_value(json_object_get(energy, "total")), 1e-9);
    json_decref(root);
    remove(path);
}

/* A network mapped: a CSV row per layer, compare across hierarchies. */
static void map_network_and_compare(pim_t *t)
{
    char args[1024], path[512], err[512], head[65536];
    snprintf(path, sizeof path, "%s/map.csv", t->tmp);
    snprintf(args, sizeof args, "map --arch www-rf-digital6t --model resnet18 --csv %s", path);
    CHECK(t, map_cli(t, args, err, sizeof err) == 0);
    pim_test_read_head(path, head, sizeof head);
    int rows = 0;
    for (const char *c = head; *c; c++)
        rows += *c == '\n';
    CHECK_EQ_U64(t, rows, 1 + 21); /* header and resnet18's stationary layers */
    snprintf(args, sizeof args,
             "compare --arch www-tensor-core,www-rf-analog6t,www-smem-digital6t --model "
             "gemm:64,128,256 --csv %s",
             path);
    CHECK(t, map_cli(t, args, err, sizeof err) == 0);
    pim_test_read_head(path, head, sizeof head);
    CHECK(t, strstr(head, "www-smem-digital6t,gemm-64x128x256,64,128,256") != NULL);
    remove(path);
}

static void map_errors(pim_t *t)
{
    char args[1024], path[512], err[512], file[512];
    snprintf(path, sizeof path, "%s/never.json", t->tmp);
    snprintf(file, sizeof file, "%s/bad-hier.yaml", t->tmp);
    pim_test_write_file(file, "name: x\nclock_mhz: 1000\nword_bits: 8\nlevels:\n"
                              "  - {name: DRAM, keep: [A, B, Z]}\n"
                              "  - {name: mac, compute: {mac_pj: 1, speed: 3}}\n");
    const struct {
        const char *args, *expect;
    } bad[] = {
        {"map --model resnet18 --mapping %s/www/tensor-core.yaml --json %s", "one GEMM"},
        {"map --objective fast --json %s", "--objective"},
        {"map --set SMEM.bogus=1 --json %s", "unknown key 'bogus'"},
        {"map --set Nowhere.capacity=1 --json %s", "no level"},
        {"map --arch %s --json %s", "bad-hier.yaml:6"},
        {"map --model gemm:0,4,4 --json %s", "gemm:M,N,K"},
        {"map --model gemm:3,5,7 --json %s", "no mapping of its GEMM fits"},
        {"compare --arch www-tensor-core,gpp-sram --json %s", "not a storage hierarchy"},
        {"map --mapping %s/www/rf-analog6t.yaml --json %s", "not a storage or fan-out level"},
        {"map --budget lots --json %s", "--budget lots"},
        {"map --budget 281474976710657 --json %s", "up to 2^48"},
        {"compare --budget 100 --json %s", "--budget goes with the mapper"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (strstr(bad[i].args, "--arch %s"))
            snprintf(args, sizeof args, bad[i].args, file, path);
        else if (strstr(bad[i].args, "%s/www"))
            snprintf(args, sizeof args, bad[i].args, t->data, path);
        else
            snprintf(args, sizeof args, bad[i].args, path);
        int rc = pim_test_cli(t, args, err, sizeof err);
        if (rc != 2 || !strstr(err, bad[i].expect)) {
            fprintf(stderr, "    pimstream %s: exit %d, '%s' (wanted '%s')\n", args, rc, err,
                    bad[i].expect);
            t->failures++;
        }
        CHECK(t, !pim_test_exists(path));
    }
}

/* Hierarchy files: each mistake named at its line. */
static void hierarchy_yaml_errors(pim_t *t)
{
    static const struct {
        const char *text, *expect;
    } bad[] = {
        {"levels:\n  - {name: DRAM, keep: [A, B, Z], colour: red}\n", "h.yaml:2"},
        {"clock_mhz: 1\nword_bits: 8\nlevels:\n  - {name: D, keep: [A, B, Z]}\n"
         "  - {name: D, capacity: 4}\n  - {name: m, compute: {}}\n",
         "second level of this name"},
        {"clock_mhz: 1\nword_bits: 8\nlevels:\n  - {name: D, keep: [A, B, Z]}\n"
         "  - {name: m, compute: {}}\n  - {name: E, capacity: 4}\n",
         "compute must be the last"},
        {"clock_mhz: 1\nword_bits: 8\nlevels:\n  - {name: D, keep: [A, B, Z]}\n"
         "  - {name: E, keep: [A], bypass: [A]}\n  - {name: m, compute: {}}\n",
         "both kept and bypassed"},
        {"clock_mhz: 1\nword_bits: 8\nlevels:\n  - {name: D, keep: [A, B, Z]}\n"
         "  - {name: C, cim: {primitive: quantum9T}}\n",
         "unknown CiM primitive"},
        {"base: www-tensor-core\nlevels: []\n", "set:"},
        {"clock_mhz: 1\nword_bits: 8\nlevels:\n  - {name: D, keep: [A, B]}\n"
         "  - {name: m, compute: {}}\n",
         "backing store"},
        {"clock_mhz: 1\nword_bits: 8\nlevels:\n  - {name: D, keep: [A, B, Z]}\n"
         "  - {name: F, fanout: {x: 0, y: 2}}\n  - {name: m, compute: {}}\n",
         "x must be"},
        {"clock_mhz: 1\nword_bits: 8\nlevels:\n  - {name: D, keep: [A, B, Z], factors: {Q: 2}}\n"
         "  - {name: m, compute: {}}\n",
         "unknown dimension"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pim_hier h;
        pim_error err;
        pim_status st = pim_hier_from_yaml(bad[i].text, strlen(bad[i].text), "h.yaml", &h, &err);
        if (st != PIM_EINPUT || !strstr(err.msg, bad[i].expect)) {
            fprintf(stderr, "    case %zu: status %d '%s' (wanted '%s')\n", i, st, err.msg,
                    bad[i].expect);
            t->failures++;
        }
    }
}

/* A fan-out that gives one axis is one wide on the other: it loads, maps
 * as the same level with both axes given, and the mapper's mesh caps
 * never divide by an empty axis (the hierarchy fuzzer found a fan-out of
 * {x: 116} with a factor fixed on Y dividing by zero). */
static void fanout_with_one_axis(pim_t *t)
{
    static const char *const one_axis =
        "clock_mhz: 1000\nword_bits: 8\nlevels:\n"
        "  - {name: DRAM, block: 8, read_bw: 32, write_bw: 32, keep: [A, B, Z]}\n"
        "  - {name: PE, fanout: {x: 16}, axis: {K: X, N: Y, M: Y}, factors: {N: 2}}\n"
        "  - {name: mac, compute: {mac_pj: 0.25}}\n";
    static const char *const both_axes =
        "clock_mhz: 1000\nword_bits: 8\nlevels:\n"
        "  - {name: DRAM, block: 8, read_bw: 32, write_bw: 32, keep: [A, B, Z]}\n"
        "  - {name: PE, fanout: {x: 16, y: 1}, axis: {K: X, N: Y, M: Y}, factors: {N: 2}}\n"
        "  - {name: mac, compute: {mac_pj: 0.25}}\n";
    const char *const texts[2] = {one_axis, both_axes};
    pim_mapper_best best[2];
    pim_gemm g = {"g", 4, 6, 4, 1};
    for (int i = 0; i < 2; i++) {
        pim_hier h;
        pim_error err;
        CHECK(t, pim_hier_from_yaml(texts[i], strlen(texts[i]), "h.yaml", &h, &err) == PIM_OK);
        CHECK_EQ_U64(t, h.level[1].mesh_x, 16);
        CHECK_EQ_U64(t, h.level[1].mesh_y, 1);
        CHECK(t, pim_mapper_search(&h, &g, PIM_MAPPER_EDP, &best[i], &err) == PIM_OK);
    }
    CHECK(t, best[0].found == best[1].found); /* N fixed at 2 on a one-wide Y: none fits */
    CHECK(t, !best[0].found);
}

/* map --budget: a search it stops says so in the JSON (and the text), and
 * the default budget leaves the study's hierarchies proven best. */
static void map_budget(pim_t *t)
{
    char args[1024], path[512], err[512];
    snprintf(path, sizeof path, "%s/budget.json", t->tmp);
    static const struct {
        const char *flags;
        uint64_t budget, stopped;
    } runs[] = {{"--budget 300", 300, 1}, {"--budget 0", 0, 0}, {"", PIM_MAPPER_BUDGET, 0}};
    for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        snprintf(args, sizeof args, "map --model gemm:64,64,64 %s --json %s", runs[i].flags, path);
        CHECK(t, map_cli(t, args, err, sizeof err) == 0);
        json_error_t jerr;
        json_t *root = json_load_file(path, 0, &jerr);
        json_t *mapper = json_object_get(root, "mapper");
        CHECK_EQ_U64(t, json_integer_value(json_object_get(mapper, "budget")), runs[i].budget);
        CHECK_EQ_U64(t, json_integer_value(json_object_get(mapper, "stopped_shapes")),
                     runs[i].stopped);
        json_t *layer = json_array_get(json_object_get(root, "layers"), 0);
        CHECK_EQ_U64(t, json_integer_value(json_object_get(layer, "stopped")), runs[i].stopped);
        uint64_t weighed = (uint64_t)json_integer_value(json_object_get(mapper, "weighed"));
        CHECK(t, runs[i].stopped ? weighed == runs[i].budget : weighed > 300);
        json_decref(root);
    }
}

/* A PIM chip is a hierarchy too: off-chip memory over its macros; an
 * analog chip's MACs are priced by the energy model. */
static void chips_as_hierarchies(pim_t *t)
{
    char args[1024], path[512], line[512];
    snprintf(path, sizeof path, "%s/isaac-map.json", t->tmp);
    snprintf(args, sizeof args, "map --arch isaac --model gemm:64,256,256 --json %s", path);
    CHECK(t, map_cli(t, args, line, sizeof line) == 0);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    json_t *by_level = json_object_get(
        json_object_get(json_array_get(json_object_get(root, "layers"), 0), "energy_pj"),
        "by_level");
    CHECK(t, json_number_value(json_object_get(by_level, "macroUnit")) > 0);
    json_decref(root);
    remove(path);
    pim_arch a;
    pim_hier h;
    pim_error err;
    CHECK(t, pim_arch_load("gpp-sram", &a, &err) == PIM_OK);
    CHECK(t, pim_hier_from_arch(&a, &h, &err) == PIM_OK);
    uint64_t macros = pim_hier_instances(&h, h.cim_first);
    CHECK_EQ_U64(t, macros, (uint64_t)(a.tiles ? a.tiles : 1) * a.cores * a.core.macros);
    CHECK_EQ_U64(t, h.cim.rp, a.macro.rows);
    pim_mapper_best b;
    pim_gemm g = {"g", 64, 256, 256, 1};
    CHECK(t, pim_mapper_search(&h, &g, PIM_MAPPER_EDP, &b, &err) == PIM_OK && b.found);
    CHECK(t,
          b.result.cycles >= (double)b.result.compute_cycles * a.macro.compute_cycles_per_vector);
}

const pim_test_case nest_tests[] = {
    {"nest: the study's baseline run, level by level", reproduces_tensor_core},
    {"nest: the study's rf analog 6T runs (mapper, priority algorithm)", reproduces_rf_analog6t},
    {"nest: the study's rf analog 8T runs", reproduces_rf_analog8t},
    {"nest: the study's rf digital 6T runs", reproduces_rf_digital6t},
    {"nest: the study's rf digital 8T runs", reproduces_rf_digital8t},
    {"nest: baseline energy per level and leakage", baseline_energy_by_level},
    {"nest: CiM latency scales the cycles reported", cim_latency_scales_cycles},
    {"nest: mapping file errors name the problem", mapping_errors},
    {"nest: invariants on every hierarchy preset", invariants_on_every_preset},
    {"nest: map's JSON and figures", map_json},
    {"nest: map on a network, compare across hierarchies", map_network_and_compare},
    {"nest: map errors exit 2 and write nothing", map_errors},
    {"nest: a fan-out with one axis is one wide on the other", fanout_with_one_axis},
    {"nest: hierarchy file errors name their line", hierarchy_yaml_errors},
    {"nest: a PIM chip as a hierarchy", chips_as_hierarchies},
    {"nest: map --budget stops a search and says so", map_budget},
    {NULL, NULL}};
