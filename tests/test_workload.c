/* Tests for src/workload: the zoo against PyTorch-measured facts, the YAML
 * layer-list format and its errors. */
#include "pimstream/workload.h"
#include "test.h"

#include <jansson.h>

/* Compare the stationary layers of a zoo model with shared/models facts:
 * same count, same order, same kind, weights and MACs, same totals. */
static void check_against_facts(pim_t *t, const char *zoo, const char *facts_name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/models/%s.facts.json", t->shared, facts_name);
    json_error_t jerr;
    json_t *facts = json_load_file(path, 0, &jerr);
    CHECK(t, facts != NULL);
    if (!facts)
        return;
    pim_model m;
    pim_error err;
    CHECK(t, pim_zoo_build(zoo, NULL, &m, &err) == PIM_OK);
    json_t *layers = json_object_get(facts, "layers");
    size_t k = 0;
    uint64_t weights = 0, macs = 0;
    for (uint32_t i = 0; i < m.count; i++) {
        const pim_layer *l = &m.layers[i];
        if (!pim_layer_is_stationary(l))
            continue;
        json_t *f = json_array_get(layers, k++);
        CHECK(t, f != NULL);
        if (!f)
            break;
        CHECK(t, strcmp(json_string_value(json_object_get(f, "kind")), pim_op_kind_name(l->kind)) ==
                     0);
        CHECK_EQ_U64(t, pim_layer_weights(l), json_integer_value(json_object_get(f, "weights")));
        CHECK_EQ_U64(t, pim_layer_macs(l), json_integer_value(json_object_get(f, "macs")));
        if (l->kind == PIM_OP_CONV) {
            CHECK_EQ_U64(t, l->out_h, json_integer_value(json_object_get(f, "P")));
            CHECK_EQ_U64(t, l->groups, json_integer_value(json_object_get(f, "groups")));
        }
        weights += pim_layer_weights(l);
        macs += pim_layer_macs(l);
    }
    CHECK_EQ_U64(t, k, json_array_size(layers));
    CHECK_EQ_U64(t, pim_model_stationary_layers(&m),
                 json_integer_value(json_object_get(facts, "static_layers")));
    CHECK_EQ_U64(t, weights, json_integer_value(json_object_get(facts, "static_weights")));
    CHECK_EQ_U64(t, macs, json_integer_value(json_object_get(facts, "static_macs")));
    pim_model_free(&m);
    json_decref(facts);
}

static void resnet18_matches_pytorch(pim_t *t)
{
    check_against_facts(t, "resnet18", "resnet18");
}

static void vgg16_matches_pytorch(pim_t *t)
{
    check_against_facts(t, "vgg16", "vgg16");
}

static void mobilenet_v2_matches_pytorch(pim_t *t)
{
    check_against_facts(t, "mobilenet_v2", "mobilenet_v2");
}

static void transformers_have_published_sizes(pim_t *t)
{
    pim_model m;
    pim_error err;
    /* BERT-base encoder: 12 x (4 d^2 + 2 d ffn) = 84,934,656 weights. */
    CHECK(t, pim_zoo_build("bert-base", NULL, &m, &err) == PIM_OK);
    CHECK_EQ_U64(t, pim_model_weights(&m), 12ull * (4 * 768 * 768 + 2 * 768 * 3072));
    uint32_t dyn = 0;
    for (uint32_t i = 0; i < m.count; i++)
        dyn += m.layers[i].kind == PIM_OP_DYN_MATMUL;
    CHECK_EQ_U64(t, dyn, 24);
    pim_model_free(&m);
    /* Llama 2 7B without the embedding table: 32 x (4 d^2 + 3 d ffn) + d x vocab. */
    CHECK(t, pim_zoo_build("llama2-7b-decode", NULL, &m, &err) == PIM_OK);
    CHECK_EQ_U64(t, pim_model_weights(&m),
                 32ull * (4ull * 4096 * 4096 + 3ull * 4096 * 11008) + 4096ull * 32000);
    pim_model_free(&m);
    CHECK(t, pim_zoo_build("gpt2-small-decode", NULL, &m, &err) == PIM_OK);
    CHECK_EQ_U64(t, pim_model_weights(&m),
                 12ull * (768 * 2304 + 768 * 768 + 2 * 768 * 3072) + 768ull * 50257);
    pim_model_free(&m);
    CHECK(t, pim_zoo_build("nosuch", NULL, &m, &err) == PIM_EINPUT);
}

static void vmm512_is_the_gpp_experiment(pim_t *t)
{
    pim_model m;
    pim_error err;
    CHECK(t, pim_zoo_build("vmm512", NULL, &m, &err) == PIM_OK);
    CHECK_EQ_U64(t, m.count, 1);
    CHECK_EQ_U64(t, pim_model_weights(&m), 512 * 512);
    CHECK_EQ_U64(t, m.default_batch, 1024);
    pim_model_free(&m);
}

static const char *const TINY =
    "name: tiny\n"
    "batch: 2\n"
    "layers:\n"
    "  - {name: c1, type: conv, input: [3, 32, 32], out_channels: 16, kernel: 3, padding: 1}\n"
    "  - {name: dw, type: conv, input: [16, 32, 32], out_channels: 16, kernel: 3, stride: 2,\n"
    "     padding: 1, groups: 16}\n"
    "  - {name: r1, type: vector, op: relu, elements: 4096}\n"
    "  - {name: fc, type: gemm, k: 4096, n: 10}\n"
    "  - {name: skip, type: vector, op: add, elements: 10, inputs: [fc, c1]}\n"
    "  - {name: qk, type: matmul, heads: 2, m: 4, k: 8, n: 4}\n";

static void yaml_layer_list_loads(pim_t *t)
{
    pim_model m;
    pim_error err;
    CHECK(t, pim_model_from_yaml(TINY, strlen(TINY), "tiny.yaml", &m, &err) == PIM_OK);
    CHECK_EQ_U64(t, m.count, 6);
    CHECK_EQ_U64(t, m.default_batch, 2);
    CHECK_EQ_U64(t, m.layers[0].out_h, 32);
    CHECK_EQ_U64(t, m.layers[1].out_h, 16);
    CHECK_EQ_U64(t, pim_layer_weights(&m.layers[1]), 16 * 9);
    CHECK_EQ_U64(t, m.layers[3].npreds, 1);
    CHECK_EQ_U64(t, m.layers[4].npreds, 2);
    CHECK_EQ_U64(t, m.layers[4].preds[1], 0);
    CHECK_EQ_U64(t, pim_layer_macs(&m.layers[5]), 2 * 4 * 8 * 4);
    CHECK(t, m.layers[5].kind == PIM_OP_DYN_MATMUL);
    pim_model_free(&m);
}

static pim_status load(const char *yaml, pim_error *err)
{
    pim_model m;
    pim_status st = pim_model_from_yaml(yaml, strlen(yaml), "bad.yaml", &m, err);
    if (!st)
        pim_model_free(&m);
    return st;
}

static void yaml_layer_errors(pim_t *t)
{
    pim_error err;
    CHECK(t, load("layers:\n  - {type: conv, input: [3, 8, 8], out_channels: 4, kernl: 3}\n",
                  &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "bad.yaml:2:") && strstr(err.msg, "kernl"));
    CHECK(t, load("layers:\n  - {type: gemm, k: -4, n: 2}\n", &err) == PIM_EINPUT);
    CHECK(t, load("layers:\n  - {type: conv, input: [3, 8, 8], out_channels: 4, kernel: 9}\n",
                  &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "larger than") != NULL);
    CHECK(t, load("layers:\n  - {type: conv, input: [3, 8, 8], out_channels: 4, kernel: 3, "
                  "groups: 2}\n",
                  &err) == PIM_EINPUT);
    CHECK(t, load("layers:\n  - {type: gemm, k: 4, n: 2, inputs: [nope]}\n", &err) == PIM_EINPUT);
    CHECK(t, load("layers:\n  - {type: teleport}\n", &err) == PIM_EINPUT);
    CHECK(t, load("layers: []\n", &err) == PIM_EINPUT);
    CHECK(t, load("layers:\n  - {type: gemm, k: 4, n: 99999999999}\n", &err) == PIM_EINPUT);
    CHECK(t, load("layers: [\n", &err) == PIM_EINPUT);
    CHECK(t, load("nonsense: 1\n", &err) == PIM_EINPUT);
    CHECK(t, load("batch: 0\nlayers:\n  - {type: gemm, k: 4, n: 2}\n", &err) == PIM_EINPUT);
}

const pim_test_case workload_tests[] = {
    {"workload: resnet18 zoo equals PyTorch facts", resnet18_matches_pytorch},
    {"workload: vgg16 zoo equals PyTorch facts", vgg16_matches_pytorch},
    {"workload: mobilenet_v2 zoo equals PyTorch facts", mobilenet_v2_matches_pytorch},
    {"workload: transformer zoo has published sizes", transformers_have_published_sizes},
    {"workload: vmm512 is the GPP experiment", vmm512_is_the_gpp_experiment},
    {"workload: YAML layer list loads", yaml_layer_list_loads},
    {"workload: YAML layer errors name their place", yaml_layer_errors},
    {NULL, NULL},
};
