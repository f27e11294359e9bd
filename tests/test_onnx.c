/* Tests for the ONNX importer on models built here with protobuf-c:
 * broken graphs (cycles, missing inputs), unsupported and unknown
 * operators, truncated and foreign bytes. */
#include "onnx_build.h"
#include "test.h"

#include <dirent.h>
#include <stdlib.h>

/* A small graph: x[1,3,8,8] and weights w[4,3,3,3], fc[2,4]. */
static onnx_build *small(int64_t opset)
{
    onnx_build *b = ob_new(opset);
    ob_input(b, "x", 4, (const int64_t[]){1, 3, 8, 8});
    ob_weight(b, "w", 4, (const int64_t[]){4, 3, 3, 3});
    ob_weight(b, "fc", 2, (const int64_t[]){2, 4});
    return b;
}

/* Import and free b. */
static pim_status import(onnx_build *b, pim_model *m, pim_error *err)
{
    pim_status st = ob_import(b, m, err);
    ob_free(b);
    return st;
}

static void small_graph_imports(pim_t *t)
{
    onnx_build *b = small(13);
    ob_node(b, "Conv", "x,w", "c"); /* [1,4,6,6] */
    ob_node(b, "Relu", "c", "r");
    ob_node(b, "GlobalAveragePool", "r", "p");
    ob_node(b, "Flatten", "p", "f");                              /* [1,4] */
    ob_attr_int(b, ob_node(b, "Gemm", "f,fc", "y"), "transB", 1); /* fc is [2,4] */
    pim_model m;
    pim_error err;
    CHECK(t, import(b, &m, &err) == PIM_OK);
    if (t->failures)
        return;
    CHECK_EQ_U64(t, m.count, 4);
    CHECK_EQ_U64(t, pim_layer_macs(&m.layers[0]), 4ull * 3 * 9 * 36);
    CHECK_EQ_U64(t, pim_layer_weights(&m.layers[3]), 8);
    CHECK_EQ_U64(t, m.layers[3].npreds, 1);
    CHECK_EQ_U64(t, pim_layer_preds(&m, &m.layers[3])[0], 2); /* through Flatten to the pool */
    pim_model_free(&m);
}

static void expect_error(pim_t *t, onnx_build *b, const char *must_mention)
{
    pim_model m;
    pim_error err;
    pim_status st = import(b, &m, &err);
    CHECK(t, st == PIM_EINPUT);
    if (st == PIM_OK)
        pim_model_free(&m);
    else if (!strstr(err.msg, must_mention))
        fprintf(stderr, "    error '%s' lacks '%s'\n", err.msg, must_mention);
    CHECK(t, st == PIM_OK || strstr(err.msg, must_mention) != NULL);
}

static void broken_graphs_are_input_errors(pim_t *t)
{
    onnx_build *b = small(13); /* a cycle: a node reads what a later node writes */
    ob_node(b, "Relu", "later", "a");
    ob_node(b, "Conv", "a,w", "later");
    expect_error(t, b, "not produced by an earlier node");
    b = small(13); /* a missing input */
    ob_node(b, "Conv", "nowhere,w", "c");
    expect_error(t, b, "nowhere");
    b = small(13); /* a tensor defined twice */
    ob_node(b, "Conv", "x,w", "c");
    ob_node(b, "Relu", "c", "c");
    expect_error(t, b, "defined twice");
    b = small(13); /* shapes that do not fit */
    ob_node(b, "Conv", "x,fc", "c");
    expect_error(t, b, "Conv");
    b = small(9); /* an opset we do not read */
    ob_node(b, "Conv", "x,w", "c");
    expect_error(t, b, "opset 9");
    b = small(13); /* an empty operator name (found by fuzzing: it hung) */
    ob_node(b, "", "x", "r");
    expect_error(t, b, "no op_type");
    b = small(13); /* no stationary weights at all */
    ob_node(b, "Relu", "x", "r");
    expect_error(t, b, "no convolution");
}

static void unknown_operators(pim_t *t)
{
    onnx_build *b = small(13); /* an unknown op that changes shape: an error naming it */
    ob_node(b, "Conv", "x,w", "c");
    ob_node(b, "FrobnicateND", "c,fc", "f");
    expect_error(t, b, "FrobnicateND");
    b = small(13); /* unknown but elementwise: a reported vector op */
    ob_node(b, "Conv", "x,w", "c");
    ob_node(b, "Swishy", "c", "s");
    pim_model m;
    pim_error err;
    CHECK(t, import(b, &m, &err) == PIM_OK);
    if (t->failures)
        return;
    CHECK_EQ_U64(t, m.count, 2);
    CHECK(t, m.layers[1].kind == PIM_OP_VECTOR && strcmp(m.layers[1].vop, "Swishy") == 0);
    CHECK(t, strstr(m.notes, "Swishy") != NULL);
    pim_model_free(&m);
}

static void foreign_and_truncated_bytes(pim_t *t)
{
    pim_model m;
    pim_error err;
    CHECK(t, pim_model_from_onnx("", 0, "empty.onnx", &m, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "not an ONNX model") != NULL);
    CHECK(t, pim_model_from_onnx("name: not onnx\n", 15, "text.onnx", &m, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "not an ONNX model") != NULL && !strstr(err.msg, "opset -1"));
    char path[600];
    snprintf(path, sizeof path, "%s/models/resnet18.onnx", t->data);
    FILE *f = fopen(path, "rb");
    CHECK(t, f != NULL);
    if (!f)
        return;
    static unsigned char buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    /* every prefix of a real model: an error or a model, never a crash */
    for (size_t cut = 0; cut < len; cut += len / 97 + 1) {
        pim_status st = pim_model_from_onnx(buf, cut, "cut.onnx", &m, &err);
        if (st == PIM_OK)
            pim_model_free(&m);
        CHECK(t, st == PIM_OK || st == PIM_EINPUT);
    }
    CHECK(t, pim_model_from_onnx(buf, len / 2, "half.onnx", &m, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "half.onnx") != NULL);
}

/* Every seed of the ONNX fuzzer (real models, built graphs, inputs that
 * once failed) imports or fails with an input error. */
static void fuzz_seeds_import_or_fail_cleanly(pim_t *t)
{
    DIR *d = opendir("tests/fuzz/corpus/onnx");
    CHECK(t, d != NULL);
    int seeds = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[600];
        snprintf(path, sizeof path, "tests/fuzz/corpus/onnx/%s", e->d_name);
        pim_model m;
        pim_error err;
        pim_status st = pim_model_load(path, "onnx", NULL, &m, &err);
        if (st == PIM_OK)
            pim_model_free(&m);
        CHECK(t, st == PIM_OK || st == PIM_EINPUT);
        seeds++;
    }
    if (d)
        closedir(d);
    CHECK(t, seeds >= 40);
}

/* DenseNet's pattern: every layer reads the concat of all earlier outputs.
 * Producer sets are pruned to the layers not implied by others. */
static void dense_blocks_keep_their_dependences(pim_t *t)
{
    onnx_build *b = small(13);
    char names[64][16];
    ob_node(b, "Conv", "x,w", "c0");
    for (int k = 0; k < 25; k++) {
        char ins[40];
        snprintf(names[2 * k], 16, "r%d", k);
        snprintf(names[2 * k + 1], 16, "c%d", k + 1);
        ob_node(b, "Relu", k ? names[2 * k - 1] : "c0", names[2 * k]);
        snprintf(ins, sizeof ins, "%.15s,%.15s", k ? names[2 * k - 1] : "c0", names[2 * k]);
        ob_attr_int(b, ob_node(b, "Concat", ins, names[2 * k + 1]), "axis", 1);
    }
    ob_node(b, "Relu", "c25", "out");
    pim_model m;
    pim_error err;
    pim_status st = import(b, &m, &err);
    if (st)
        fprintf(stderr, "    %s\n", err.msg);
    CHECK(t, st == PIM_OK);
    if (st)
        return;
    CHECK_EQ_U64(t, m.count, 27); /* conv + 26 relus */
    /* the last relu reads all 26 earlier layers; what it keeps must still
     * imply every one of them: the latest relu (whose ancestors are all the
     * others) is among the few producers kept */
    const pim_layer *last = &m.layers[m.count - 1];
    CHECK(t, last->npreds <= 16);
    int has_latest = 0;
    for (uint32_t i = 0; i < last->npreds; i++)
        has_latest |= pim_layer_preds(&m, last)[i] == m.count - 2;
    CHECK(t, has_latest);
    pim_model_free(&m);
}

const pim_test_case onnx_tests[] = {
    {"onnx: dense blocks keep their dependences (producers pruned)",
     dense_blocks_keep_their_dependences},
    {"onnx: a small built graph imports with its edges", small_graph_imports},
    {"onnx: cycles, missing inputs and bad shapes are input errors",
     broken_graphs_are_input_errors},
    {"onnx: unknown ops: shape-changing is an error, elementwise is reported", unknown_operators},
    {"onnx: empty, foreign and truncated bytes never crash", foreign_and_truncated_bytes},
    {"onnx: every fuzzing seed imports or fails cleanly", fuzz_seeds_import_or_fail_cleanly},
    {NULL, NULL},
};
