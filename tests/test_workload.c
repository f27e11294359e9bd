/* Tests for src/workload: the zoo against PyTorch-measured facts, the YAML
 * layer-list format and its errors. */
#include "pimstream/workload.h"
#include "test.h"

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

/* Compare the stationary layers of a zoo model with shared/models facts:
 * same count, same order, same kind, weights and MACs, same totals. */
static void check_against_facts(pim_t *t, const char *zoo, const char *facts_name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/models/%s.facts.json", t->data, facts_name);
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

/* A layer of m by name (NULL when absent). */
static const pim_layer *layer_named(const pim_model *m, const char *name)
{
    for (uint32_t i = 0; i < m->count; i++)
        if (strcmp(m->layers[i].name, name) == 0)
            return &m->layers[i];
    return NULL;
}

/* ResNet-50 and the networks Neural-PIM compares on (issue 14), against
 * torchvision's published sizes (pytorch.org model pages: num_params, GFLOPS counted as
 * MACs). Parameters less the biases (AlexNet, VGG: one per output; the
 * others: the classifier's 1,000) and batch norm's scale and shift (2 per
 * channel) are the conv and fc weights the zoo holds; Inception v3's
 * 27,161,264 also count its auxiliary classifier (3,326,696, training
 * only), which the zoo leaves out: 23,834,568 without it. */
static void new_cnns_have_torchvision_sizes(pim_t *t)
{
    static const struct {
        const char *name;
        uint64_t params, bias_bn, layers;
        double gmacs;
    } nets[] = {{"resnet50", 25557032, 1000 + 53120, 54, 4.09}, /* 53 convs + fc */
                {"alexnet", 61100840, 10344, 8, 0.71},
                {"vgg19", 143667240, 14696, 19, 19.63},
                {"resnet101", 44549160, 1000 + 105344, 105, 7.80},
                {"googlenet", 6624904, 1000 + 14560, 58, 1.50},
                {"inception_v3", 27161264 - 3326696, 1000 + 34432, 95, 5.71}};
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
        pim_model m;
        pim_error err;
        CHECK(t, pim_zoo_build(nets[i].name, NULL, &m, &err) == PIM_OK);
        CHECK_EQ_U64(t, pim_model_weights(&m), nets[i].params - nets[i].bias_bn);
        CHECK_EQ_U64(t, pim_model_stationary_layers(&m), nets[i].layers);
        /* torchvision rounds to two decimals */
        CHECK(t, fabs((double)pim_model_macs(&m) / 1e9 - nets[i].gmacs) <= 0.005);
        pim_model_free(&m);
    }
}

/* torchvision's densenet121 has 7,978,856 parameters: minus its batch-norm
 * scales and shifts (2 x 41,824 channels over 121 norms) and the
 * classifier bias (1,000), the conv and fc weights are 7,894,208; 2.834 G
 * MACs per image (torchvision lists 2.83 GFLOPS, counted as MACs). Every
 * dense layer reads the concatenation of all before it in its block. */
static void densenet121_has_torchvision_sizes(pim_t *t)
{
    pim_model m;
    pim_error err;
    CHECK(t, pim_zoo_build("densenet121", NULL, &m, &err) == PIM_OK);
    CHECK_EQ_U64(t, pim_model_weights(&m), 7894208);
    CHECK_EQ_U64(t, pim_model_stationary_layers(&m), 121); /* 120 convs + classifier */
    CHECK_EQ_U64(t, pim_model_macs(&m), 2834161664ull);
    static const struct {
        const char *name;
        uint32_t in_c, side, out_c;
    } convs[] = {{"features.denseblock1.denselayer6.conv1", 224, 56, 128},
                 {"features.transition1.conv", 256, 56, 128},
                 {"features.denseblock2.denselayer12.conv2", 128, 28, 32},
                 {"features.transition3.conv", 1024, 14, 512},
                 {"features.denseblock4.denselayer16.conv1", 992, 7, 128}};
    for (size_t i = 0; i < sizeof convs / sizeof convs[0]; i++) {
        const pim_layer *l = layer_named(&m, convs[i].name);
        CHECK(t, l && l->in_c == convs[i].in_c && l->in_h == convs[i].side &&
                     l->out_c == convs[i].out_c);
    }
    const pim_layer *cat = layer_named(&m, "features.denseblock3.denselayer24.concat");
    CHECK(t, cat && cat->npreds == 24); /* the block's input and 23 new features */
    const pim_layer *fc = layer_named(&m, "classifier");
    CHECK(t, fc && fc->k == 1024 && fc->n == 1000);
    pim_model_free(&m);
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
    CHECK_EQ_U64(t, pim_layer_preds(&m, &m.layers[4])[1], 0);
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
    /* each size allowed, their product not */
    CHECK(t, load("layers:\n  - {type: gemm, heads: 16000000, k: 16000000, n: 16000000}\n", &err) ==
                 PIM_EINPUT);
    CHECK(t, load("layers:\n  - {type: matmul, heads: 16000000, m: 16000000, k: 16000000, "
                  "n: 16000000}\n",
                  &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "MACs") != NULL);
}

/* Every integer is checked against what it feeds; names and keys once. */
static void yaml_ranges_and_duplicates(pim_t *t)
{
    pim_error err;
    CHECK(t, load("layers:\n  - {type: conv, input: [3, 32, 32], out_channels: 16, kernel: 3, "
                  "padding: 4294967295}\n",
                  &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "bad.yaml:2:") && strstr(err.msg, "padding"));
    CHECK(t, load("layers:\n  - {type: matmul, heads: 0, m: 4, k: 8, n: 4}\n", &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "heads") != NULL);
    CHECK(t, load("layers:\n  - {type: gemm, m: 0, k: 8, n: 4}\n", &err) == PIM_EINPUT);
    CHECK(t, load("layers:\n  - {type: vector, elements: 0}\n", &err) == PIM_EINPUT);
    CHECK(t, load("layers:\n  - {type: conv, input: [3, 0, 32], out_channels: 16, kernel: 3}\n",
                  &err) == PIM_EINPUT);
    CHECK(t, load("layers:\n  - {type: conv, input: [3, 32, 32], out_channels: 16, kernel: 3, "
                  "stride: 4294967297}\n",
                  &err) == PIM_EINPUT);
    /* each side allowed, the input's size not (a stride skips all but one pixel) */
    CHECK(t, load("layers:\n  - {type: conv, input: [2, 16777216, 16777216], out_channels: 1, "
                  "kernel: 1, stride: 16777216}\n",
                  &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "activation elements") != NULL);
    CHECK(t, load("layers:\n  - {name: a, type: gemm, k: 8, n: 4}\n"
                  "  - {name: a, type: gemm, k: 4, n: 4}\n",
                  &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "bad.yaml:3:") && strstr(err.msg, "second layer named a"));
    CHECK(t, load("layers:\n  - {name: a, type: gemm, k: 8, n: 4, k: 9}\n", &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "bad.yaml:2:") && strstr(err.msg, "given twice"));
    CHECK(t, load("name: x\nlayers:\n  - {type: gemm, k: 8, n: 4}\n---\nname: y\n", &err) ==
                 PIM_EINPUT);
    CHECK(t, strstr(err.msg, "bad.yaml:4:") && strstr(err.msg, "second YAML document"));
}

/* Deep nesting, aliases and huge node counts are refused early. */
static void yaml_shapes_are_bounded(pim_t *t)
{
    pim_error err;
    size_t n = 100000;
    char *deep = malloc(2 * n + 1);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    deep[2 * n] = '\0';
    CHECK(t, load(deep, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "64 levels") != NULL);
    free(deep);
    CHECK(t, load("&r {layers: *r}\n", &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "aliases") != NULL);
    size_t items = 1100000;
    char *wide = malloc(2 * items + 16);
    strcpy(wide, "layers: [");
    for (size_t i = 0; i < items; i++)
        strcat(wide + 9 + 2 * i, "1,");
    strcat(wide, "1]");
    CHECK(t, load(wide, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "million") != NULL);
    free(wide);
}

/* Import DIR/NAME.onnx and hold every conv, gemm and dynamic matmul, in
 * order, to PyTorch's count of weights and MACs in DIR/NAME.facts.json. */
static void onnx_matches_facts(pim_t *t, const char *dir, const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s.facts.json", dir, name);
    json_error_t jerr;
    json_t *facts = json_load_file(path, 0, &jerr);
    CHECK(t, facts != NULL);
    pim_model m;
    pim_error err;
    snprintf(path, sizeof path, "%s/%s.onnx", dir, name);
    pim_status st = pim_model_load(path, NULL, NULL, &m, &err);
    if (st)
        fprintf(stderr, "    %s\n", err.msg);
    CHECK(t, st == PIM_OK);
    if (st || !facts) {
        json_decref(facts);
        return;
    }
    json_t *layers = json_object_get(facts, "layers");
    size_t k = 0;
    uint64_t sw = 0, sm = 0, dm = 0, dyn = 0;
    for (uint32_t i = 0; i < m.count; i++) {
        const pim_layer *l = &m.layers[i];
        if (l->kind == PIM_OP_VECTOR)
            continue;
        json_t *f = json_array_get(layers, k++);
        if (!f) {
            CHECK(t, f != NULL);
            break;
        }
        const char *kind = json_string_value(json_object_get(f, "kind"));
        if (strcmp(kind, pim_op_kind_name(l->kind)) != 0)
            fprintf(stderr, "    %s layer %zu (%s): %s, PyTorch says %s\n", name, k, l->name,
                    pim_op_kind_name(l->kind), kind);
        CHECK(t, strcmp(kind, pim_op_kind_name(l->kind)) == 0);
        CHECK_EQ_U64(t, pim_layer_weights(l), json_integer_value(json_object_get(f, "weights")));
        CHECK_EQ_U64(t, pim_layer_macs(l), json_integer_value(json_object_get(f, "macs")));
        if (l->kind == PIM_OP_DYN_MATMUL) {
            dyn++;
            dm += pim_layer_macs(l);
        } else {
            sw += pim_layer_weights(l);
            sm += pim_layer_macs(l);
        }
    }
    CHECK_EQ_U64(t, k, json_array_size(layers));
    CHECK_EQ_U64(t, sw, json_integer_value(json_object_get(facts, "static_weights")));
    CHECK_EQ_U64(t, sm, json_integer_value(json_object_get(facts, "static_macs")));
    CHECK_EQ_U64(t, dyn, json_integer_value(json_object_get(facts, "dynamic_matmuls")));
    CHECK_EQ_U64(t, dm, json_integer_value(json_object_get(facts, "dynamic_macs")));
    pim_model_free(&m);
    json_decref(facts);
}

/* Every model with facts in DIR; returns how many. */
static int models_match_facts(pim_t *t, const char *dir)
{
    DIR *d = opendir(dir);
    CHECK(t, d != NULL);
    if (!d)
        return 0;
    int models = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n <= 11 || strcmp(e->d_name + n - 11, ".facts.json") != 0)
            continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(n - 11), e->d_name);
        int before = t->failures;
        onnx_matches_facts(t, dir, name);
        if (t->failures != before)
            fprintf(stderr, "    ^ in %s/%s\n", dir, name);
        models++;
    }
    closedir(d);
    return models;
}

/* The committed models, and a shared/ folder's too when there is one, so
 * models added there are checked without copying them here. */
static void every_onnx_model_is_exact(pim_t *t)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/models", t->data);
    CHECK(t, models_match_facts(t, dir) >= 5);
    snprintf(dir, sizeof dir, "%s/models", t->shared ? t->shared : "");
    if (t->shared && access(dir, R_OK) == 0)
        CHECK(t, models_match_facts(t, dir) >= 1);
}

static void vit_attention_is_dynamic(pim_t *t)
{
    pim_model m;
    if (pim_test_shared_onnx(t, "vit_b_16", &m))
        return;
    uint32_t dyn = 0, gemm = 0;
    for (uint32_t i = 0; i < m.count; i++) {
        dyn += m.layers[i].kind == PIM_OP_DYN_MATMUL;
        gemm += m.layers[i].kind == PIM_OP_GEMM;
        if (m.layers[i].kind == PIM_OP_DYN_MATMUL) /* QK^T: 12 heads of 197x64 . 64x197 */
            CHECK(t, m.layers[i].heads == 12 && m.layers[i].m == 197);
    }
    CHECK_EQ_U64(t, dyn, 24);
    CHECK_EQ_U64(t, gemm, 49);
    pim_model_free(&m);
}

/* Residual and concat edges survive import: every add has two producers. */
static void onnx_graph_keeps_branches(pim_t *t)
{
    pim_model m;
    if (pim_test_shared_onnx(t, "resnet18", &m))
        return;
    uint32_t adds = 0;
    for (uint32_t i = 0; i < m.count; i++)
        if (m.layers[i].kind == PIM_OP_VECTOR && strcmp(m.layers[i].vop, "add") == 0) {
            adds++;
            CHECK_EQ_U64(t, m.layers[i].npreds, 2);
        }
    CHECK_EQ_U64(t, adds, 8);
    pim_model_free(&m);
    if (pim_test_shared_onnx(t, "squeezenet1_1", &m))
        return;
    /* each of the 8 fire modules' concats feeds its consumer (the next
     * squeeze conv, or a max-pool) with both expand branches */
    uint32_t two = 0;
    for (uint32_t i = 0; i < m.count; i++)
        two += m.layers[i].npreds == 2;
    CHECK_EQ_U64(t, two, 8);
    pim_model_free(&m);
}

static pim_status load_csv(const char *text, pim_csv_format neurosim, pim_model *m, pim_error *err)
{
    return pim_model_from_csv(text, strlen(text), "t.csv", neurosim, m, err);
}

static void scalesim_topologies_load(pim_t *t)
{
    char path[600];
    pim_model m;
    pim_error err;
    snprintf(path, sizeof path, "%s/scalesim/Resnet18.csv", t->data);
    CHECK(t, pim_model_load(path, NULL, NULL, &m, &err) == PIM_OK);
    if (t->failures)
        return;
    CHECK_EQ_U64(t, m.count, 21);
    CHECK_EQ_U64(t, pim_model_weights(&m), 11678912);
    /* inputs are already padded: (224 - 7 + 2) // 2 = 109 */
    CHECK_EQ_U64(t, m.layers[0].out_h, 109);
    CHECK_EQ_U64(t, pim_layer_macs(&m.layers[0]), 64ull * 3 * 49 * 109 * 109);
    pim_model_free(&m);
    /* GEMM format, CRLF line ends and no final newline */
    snprintf(path, sizeof path, "%s/scalesim/gpt2.csv", t->data);
    CHECK(t, pim_model_load(path, NULL, NULL, &m, &err) == PIM_OK);
    CHECK_EQ_U64(t, m.count, 6);
    CHECK(t, m.layers[2].kind == PIM_OP_GEMM && m.layers[2].m == 1024 && m.layers[2].k == 1600 &&
                 m.layers[2].n == 4800);
    pim_model_free(&m);
    snprintf(path, sizeof path, "%s/scalesim/mobilenet.csv", t->data);
    CHECK(t, pim_model_load(path, NULL, NULL, &m, &err) == PIM_OK);
    CHECK_EQ_U64(t, m.layers[1].out_c, 1); /* SCALE-Sim writes depthwise as 1 filter */
    pim_model_free(&m);
    /* spaces, trailing commas and blank lines */
    CHECK(t, load_csv("Layer, M, N, K,\n\n  fc ,  4 , 8 , 16 ,\n\n", 0, &m, &err) == PIM_OK);
    CHECK_EQ_U64(t, pim_model_weights(&m), 16 * 8);
    pim_model_free(&m);
}

static void neurosim_network_loads(pim_t *t)
{
    pim_model m;
    pim_error err;
    CHECK(t, pim_model_load("tests/data/neurosim_vgg8.csv", "neurosim", NULL, &m, &err) == PIM_OK);
    if (t->failures)
        return;
    CHECK_EQ_U64(t, pim_model_stationary_layers(&m), 8);
    uint32_t pools = 0;
    for (uint32_t i = 0; i < m.count; i++) {
        const pim_layer *l = &m.layers[i];
        pools += l->kind == PIM_OP_VECTOR;
        if (l->kind == PIM_OP_CONV) /* NeuroSim pads: output = input / stride */
            CHECK(t, l->out_h == l->in_h / l->stride_h && l->out_w == l->in_w / l->stride_w);
    }
    CHECK_EQ_U64(t, pools, 3);
    CHECK_EQ_U64(t, pim_model_weights(&m),
                 9ull * (3 * 128 + 128 * 128 + 128 * 256 + 256 * 256 + 256 * 512 + 512 * 512) +
                     8192ull * 1024 + 1024 * 10);
    CHECK(t, m.layers[m.count - 1].kind == PIM_OP_GEMM);
    pim_model_free(&m);
}

/* NeuroSim's own numbering, its older 7-column rows, ResNet's downsample
 * rows reading an earlier output, and the estimator's unpadded sides. */
static void neurosim_rows_and_shapes(pim_t *t)
{
    pim_model m;
    pim_error err;
    /* row 1 (7 fields, stride 1) pools; row 2 strides; row 3 is a 1x1
     * downsample reading row 1's pooled output, not row 2's */
    const char *net = "32,32,3,3,3,16,1\n"
                      "16,16,16,3,3,32,0,2\n"
                      "16,16,16,1,1,32,0,2\n"
                      "8,8,32,3,3,32,0,1\n";
    CHECK(t, load_csv(net, PIM_CSV_NEUROSIM, &m, &err) == PIM_OK);
    if (t->failures)
        return;
    CHECK_EQ_U64(t, m.count, 5);
    CHECK(t,
          strcmp(m.layers[0].name, "layer1") == 0 && strcmp(m.layers[1].name, "layer1_pool") == 0);
    CHECK(t, strcmp(m.layers[2].name, "layer2") == 0 && strcmp(m.layers[3].name, "layer3") == 0);
    CHECK_EQ_U64(t, m.layers[0].stride_h, 1);
    CHECK_EQ_U64(t, pim_layer_preds(&m, &m.layers[3])[0], 1); /* the pool, not layer2 */
    CHECK_EQ_U64(t, pim_layer_preds(&m, &m.layers[4])[0], 3); /* the latest 8x8x32 */
    CHECK_EQ_U64(t, m.layers[2].out_h, 8);                    /* padded: 16 / 2 */
    CHECK(t, m.warnings[0] == '\0');
    pim_model_free(&m);
    /* the C++ estimator: (in - k + 1) / s per side, no padding */
    CHECK(t, load_csv("32,32,3,3,3,16,0,1\n31,31,16,3,3,16,0,2\n", PIM_CSV_NEUROSIM_ESTIMATOR, &m,
                      &err) == PIM_OK);
    if (t->failures)
        return;
    CHECK_EQ_U64(t, m.layers[0].out_h, 30);
    CHECK_EQ_U64(t, m.layers[1].out_h, 14); /* floor(29 / 2) */
    CHECK_EQ_U64(t, pim_layer_macs(&m.layers[1]), 16ull * 16 * 9 * 14 * 14);
    CHECK(t, strstr(m.warnings, "t.csv:2:") != NULL); /* 31x31 is no output of row 1 */
    pim_model_free(&m);
    CHECK(t, load_csv("32,32,3,3,3\n", PIM_CSV_NEUROSIM, &m, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "7 or 8 fields") != NULL);
}

static void csv_errors_name_their_line(pim_t *t)
{
    pim_model m;
    pim_error err;
    CHECK(t, load_csv("Layer, M, N, K,\nfc, 4, x, 16,\n", 0, &m, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "t.csv:2:") && strstr(err.msg, "'x'"));
    CHECK(t, load_csv("Layer, M, N, K,\nfc, 4, 8,\n", 0, &m, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "expected 4 fields") != NULL);
    CHECK(t, load_csv("a,b,c\n1,2,3\n", 0, &m, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "t.csv:1:") != NULL);
    CHECK(t, load_csv("Layer, M, N, K,\n", 0, &m, &err) == PIM_EINPUT);
    CHECK(t, load_csv("32,32,3,3,3,128,2,1\n", 1, &m, &err) == PIM_EINPUT);
    CHECK(t, load_csv("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, "
                      "Channels, Num Filter, Strides,\nc, 4, 4, 9, 9, 3, 8, 1,\n",
                      0, &m, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "t.csv:2:") != NULL);
    CHECK(t, pim_model_from_csv("Layer, M\0, N, K", 16, "t.csv", 0, &m, &err) == PIM_EINPUT);
    CHECK(t, pim_model_load("x.csv", "bogus", NULL, &m, &err) == PIM_EINPUT);
}

static void zoo_options_apply_where_they_mean_something(pim_t *t)
{
    pim_model m;
    pim_error err;
    pim_zoo_opts o = {.seq_len = 64};
    CHECK(t, pim_zoo_build("bert-base", &o, &m, &err) == PIM_OK);
    CHECK_EQ_U64(t, m.layers[1].m, 64);
    pim_model_free(&m);
    CHECK(t, pim_zoo_build("resnet18", &o, &m, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "model.seq_len") != NULL);
    pim_zoo_opts kv = {.kv_len = 77};
    CHECK(t, pim_zoo_build("llama2-7b-decode", &kv, &m, &err) == PIM_OK);
    uint32_t cached = 0;
    for (uint32_t i = 0; i < m.count; i++)
        if (m.layers[i].kind == PIM_OP_DYN_MATMUL) {
            cached += m.layers[i].kv_cache;
            CHECK(t, m.layers[i].n == 77 || m.layers[i].k == 77);
        }
    CHECK_EQ_U64(t, cached, 64);
    pim_model_free(&m);
    CHECK(t, pim_zoo_build("llama2-7b-prefill", NULL, &m, &err) == PIM_OK);
    CHECK_EQ_U64(t, m.layers[1].m, 512);
    pim_model_free(&m);
}

/* Where the new CNNs' shapes are easy to get wrong: GoogLeNet's ceil-mode
 * pools (112 -> 56 -> 28 -> 14 -> 7), Inception v3's 299 stem and its
 * strided modules (35 -> 17 -> 8), the 1x7 and 7x1 kernels, AlexNet's 6x6
 * before its classifier. */
static void new_cnns_have_torchvision_shapes(pim_t *t)
{
    static const struct {
        const char *model, *layer;
        uint32_t in_c, in_h, in_w, out_c, kh, kw;
    } convs[] = {{"googlenet", "inception3a.branch1", 192, 28, 28, 64, 1, 1},
                 {"googlenet", "inception4a.branch2.1", 96, 14, 14, 208, 3, 3},
                 {"googlenet", "inception5b.branch4.1", 832, 7, 7, 128, 1, 1},
                 {"inception_v3", "Mixed_5b.branch5x5_2", 48, 35, 35, 64, 5, 5},
                 {"inception_v3", "Mixed_6b.branch7x7_2", 128, 17, 17, 128, 1, 7},
                 {"inception_v3", "Mixed_6e.branch7x7dbl_4", 192, 17, 17, 192, 7, 1},
                 {"inception_v3", "Mixed_7c.branch3x3dbl_3b", 384, 8, 8, 384, 3, 1},
                 {"alexnet", "features.10", 256, 13, 13, 256, 3, 3},
                 {"resnet101", "layer3.22.conv3", 256, 14, 14, 1024, 1, 1},
                 {"vgg19", "conv16", 512, 14, 14, 512, 3, 3}};
    for (size_t i = 0; i < sizeof convs / sizeof convs[0]; i++) {
        pim_model m;
        pim_error err;
        CHECK(t, pim_zoo_build(convs[i].model, NULL, &m, &err) == PIM_OK);
        const pim_layer *l = layer_named(&m, convs[i].layer);
        if (!l)
            fprintf(stderr, "    %s has no layer %s\n", convs[i].model, convs[i].layer);
        CHECK(t, l && l->in_c == convs[i].in_c && l->in_h == convs[i].in_h &&
                     l->in_w == convs[i].in_w && l->out_c == convs[i].out_c &&
                     l->kh == convs[i].kh && l->kw == convs[i].kw && l->out_h == l->in_h);
        if (l && strcmp(convs[i].model, "alexnet") == 0) {
            const pim_layer *fc = layer_named(&m, "classifier.1");
            CHECK(t, fc && fc->k == 256 * 6 * 6);
        }
        pim_model_free(&m);
    }
    pim_model m;
    pim_error err;
    CHECK(t, pim_zoo_build("inception_v3", NULL, &m, &err) == PIM_OK);
    const pim_layer *cat = layer_named(&m, "Mixed_7c.concat");
    CHECK(t, cat && cat->npreds == 6 && cat->vec_out == 2048ull * 8 * 8);
    pim_model_free(&m);
}

const pim_test_case workload_tests[] = {
    {"workload: YAML integers range-checked; duplicate keys, names and documents refused",
     yaml_ranges_and_duplicates},
    {"workload: YAML nesting, aliases and node counts bounded", yaml_shapes_are_bounded},
    {"workload: SCALE-Sim topologies load with SCALE-Sim's meaning", scalesim_topologies_load},
    {"workload: NeuroSim network CSV loads", neurosim_network_loads},
    {"workload: NeuroSim rows: names, 7 fields, downsample sources, estimator shapes",
     neurosim_rows_and_shapes},
    {"workload: CSV errors name file:line", csv_errors_name_their_line},
    {"workload: zoo options apply where they mean something",
     zoo_options_apply_where_they_mean_something},
    {"workload: every ONNX model with facts (tests/data, shared/) equals PyTorch, layer by layer",
     every_onnx_model_is_exact},
    {"workload: ViT attention matmuls import as dynamic", vit_attention_is_dynamic},
    {"workload: ONNX residual and concat edges survive", onnx_graph_keeps_branches},
    {"workload: resnet18 zoo equals PyTorch facts", resnet18_matches_pytorch},
    {"workload: vgg16 zoo equals PyTorch facts", vgg16_matches_pytorch},
    {"workload: mobilenet_v2 zoo equals PyTorch facts", mobilenet_v2_matches_pytorch},
    {"workload: transformer zoo has published sizes", transformers_have_published_sizes},
    {"workload: vmm512 is the GPP experiment", vmm512_is_the_gpp_experiment},
    {"workload: resnet50, alexnet, vgg19, resnet101, googlenet, inception_v3 have torchvision's "
     "sizes",
     new_cnns_have_torchvision_sizes},
    {"workload: the new CNNs' shapes (ceil-mode pools, 299 stem, 1x7 kernels)",
     new_cnns_have_torchvision_shapes},
    {"workload: densenet121 has torchvision's sizes, dense concatenations included",
     densenet121_has_torchvision_sizes},
    {"workload: YAML layer list loads", yaml_layer_list_loads},
    {"workload: YAML layer errors name their place", yaml_layer_errors},
    {NULL, NULL},
};
