/* Tests for the ONNX importer on models built here with protobuf-c:
 * broken graphs (cycles, missing inputs), unsupported and unknown
 * operators, truncated and foreign bytes. */
#include "onnx.pb-c.h"
#include "pimstream/workload.h"
#include "test.h"

#include <dirent.h>
#include <stdlib.h>

/* A small graph under construction: x[1,3,8,8] and weights w[4,3,3,3],
 * fc[2,4]; nodes are added with up to three inputs and one output. */
typedef struct {
    Onnx__ModelProto model;
    Onnx__GraphProto graph;
    Onnx__OperatorSetIdProto opset, *opsets[1];
    Onnx__NodeProto nodes[64], *node_ptrs[64];
    char *node_inputs[64][3];
    char *node_outputs[64][1];
    Onnx__ValueInfoProto inputs[3], *input_ptrs[3];
    Onnx__TypeProto types[3];
    Onnx__TypeProto__Tensor tensor_types[3];
    Onnx__TensorShapeProto shapes[3];
    Onnx__TensorShapeProto__Dimension dims[3][4], *dim_ptrs[3][4];
} graph;

static void add_input(graph *g, int i, const char *name, const int64_t *dims, size_t rank)
{
    onnx__value_info_proto__init(&g->inputs[i]);
    onnx__type_proto__init(&g->types[i]);
    onnx__type_proto__tensor__init(&g->tensor_types[i]);
    onnx__tensor_shape_proto__init(&g->shapes[i]);
    for (size_t d = 0; d < rank; d++) {
        onnx__tensor_shape_proto__dimension__init(&g->dims[i][d]);
        g->dims[i][d].value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        g->dims[i][d].dim_value = dims[d];
        g->dim_ptrs[i][d] = &g->dims[i][d];
    }
    g->shapes[i].n_dim = rank;
    g->shapes[i].dim = g->dim_ptrs[i];
    g->tensor_types[i].shape = &g->shapes[i];
    g->types[i].value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    g->types[i].tensor_type = &g->tensor_types[i];
    g->inputs[i].name = (char *)name;
    g->inputs[i].type = &g->types[i];
    g->input_ptrs[i] = &g->inputs[i];
}

static void graph_init(graph *g, int64_t opset)
{
    memset(g, 0, sizeof *g);
    onnx__model_proto__init(&g->model);
    onnx__graph_proto__init(&g->graph);
    onnx__operator_set_id_proto__init(&g->opset);
    g->opset.has_version = 1;
    g->opset.version = opset;
    g->opsets[0] = &g->opset;
    g->model.n_opset_import = 1;
    g->model.opset_import = g->opsets;
    g->model.graph = &g->graph;
    static const int64_t x[4] = {1, 3, 8, 8}, w[4] = {4, 3, 3, 3}, fc[2] = {2, 4};
    add_input(g, 0, "x", x, 4);
    add_input(g, 1, "w", w, 4);
    add_input(g, 2, "fc", fc, 2);
    g->graph.n_input = 3;
    g->graph.input = g->input_ptrs;
    g->graph.node = g->node_ptrs;
}

static void add_node(graph *g, const char *op, const char *in0, const char *in1, const char *out)
{
    size_t k = g->graph.n_node++;
    Onnx__NodeProto *n = &g->nodes[k];
    onnx__node_proto__init(n);
    n->op_type = (char *)op;
    n->name = (char *)op;
    g->node_inputs[k][0] = (char *)in0;
    g->node_inputs[k][1] = (char *)in1;
    n->n_input = in1 ? 2 : 1;
    n->input = g->node_inputs[k];
    g->node_outputs[k][0] = (char *)out;
    n->n_output = 1;
    n->output = g->node_outputs[k];
    g->node_ptrs[k] = n;
}

static pim_status import(graph *g, pim_model *m, pim_error *err)
{
    size_t len = onnx__model_proto__get_packed_size(&g->model);
    uint8_t *buf = malloc(len ? len : 1);
    onnx__model_proto__pack(&g->model, buf);
    pim_status st = pim_model_from_onnx(buf, len, "built.onnx", m, err);
    free(buf);
    return st;
}

static void small_graph_imports(pim_t *t)
{
    graph g;
    graph_init(&g, 13);
    add_node(&g, "Conv", "x", "w", "c"); /* [1,4,6,6] */
    add_node(&g, "Relu", "c", NULL, "r");
    add_node(&g, "GlobalAveragePool", "r", NULL, "p");
    add_node(&g, "Flatten", "p", NULL, "f"); /* [1,4] */
    add_node(&g, "Gemm", "f", "fc", "y");    /* fc is [2,4]: needs transB */
    Onnx__AttributeProto tb = ONNX__ATTRIBUTE_PROTO__INIT, *attrs[1] = {&tb};
    tb.name = "transB";
    tb.has_i = 1;
    tb.i = 1;
    g.nodes[4].n_attribute = 1;
    g.nodes[4].attribute = attrs;
    pim_model m;
    pim_error err;
    CHECK(t, import(&g, &m, &err) == PIM_OK);
    if (t->failures)
        return;
    CHECK_EQ_U64(t, m.count, 4);
    CHECK_EQ_U64(t, pim_layer_macs(&m.layers[0]), 4ull * 3 * 9 * 36);
    CHECK_EQ_U64(t, pim_layer_weights(&m.layers[3]), 8);
    CHECK_EQ_U64(t, m.layers[3].npreds, 1);
    CHECK_EQ_U64(t, pim_layer_preds(&m, &m.layers[3])[0], 2); /* through Flatten to the pool */
    pim_model_free(&m);
}

static void expect_error(pim_t *t, graph *g, const char *must_mention)
{
    pim_model m;
    pim_error err;
    pim_status st = import(g, &m, &err);
    CHECK(t, st == PIM_EINPUT);
    if (st == PIM_OK)
        pim_model_free(&m);
    else if (!strstr(err.msg, must_mention))
        fprintf(stderr, "    error '%s' lacks '%s'\n", err.msg, must_mention);
    CHECK(t, st == PIM_OK || strstr(err.msg, must_mention) != NULL);
}

static void broken_graphs_are_input_errors(pim_t *t)
{
    graph g;
    graph_init(&g, 13); /* a cycle: a node reads what a later node writes */
    add_node(&g, "Relu", "later", NULL, "a");
    add_node(&g, "Conv", "a", "w", "later");
    expect_error(t, &g, "not produced by an earlier node");
    graph_init(&g, 13); /* a missing input */
    add_node(&g, "Conv", "nowhere", "w", "c");
    expect_error(t, &g, "nowhere");
    graph_init(&g, 13); /* a tensor defined twice */
    add_node(&g, "Conv", "x", "w", "c");
    add_node(&g, "Relu", "c", NULL, "c");
    expect_error(t, &g, "defined twice");
    graph_init(&g, 13); /* shapes that do not fit */
    add_node(&g, "Conv", "x", "fc", "c");
    expect_error(t, &g, "Conv");
    graph_init(&g, 9); /* an opset we do not read */
    add_node(&g, "Conv", "x", "w", "c");
    expect_error(t, &g, "opset 9");
    graph_init(&g, 13); /* an empty operator name (found by fuzzing: it hung) */
    add_node(&g, "", "x", NULL, "r");
    expect_error(t, &g, "no op_type");
    graph_init(&g, 13); /* no stationary weights at all */
    add_node(&g, "Relu", "x", NULL, "r");
    expect_error(t, &g, "no convolution");
}

static void unknown_operators(pim_t *t)
{
    graph g;
    graph_init(&g, 13); /* an unknown op that changes shape: an error naming it */
    add_node(&g, "Conv", "x", "w", "c");
    add_node(&g, "FrobnicateND", "c", "fc", "f");
    expect_error(t, &g, "FrobnicateND");
    graph_init(&g, 13); /* unknown but elementwise: a reported vector op */
    add_node(&g, "Conv", "x", "w", "c");
    add_node(&g, "Swishy", "c", NULL, "s");
    pim_model m;
    pim_error err;
    CHECK(t, import(&g, &m, &err) == PIM_OK);
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
    graph g;
    graph_init(&g, 13);
    static char names[64][16];
    add_node(&g, "Conv", "x", "w", "c0");
    for (int k = 0; k < 25; k++) {
        snprintf(names[2 * k], 16, "r%d", k);
        snprintf(names[2 * k + 1], 16, "c%d", k + 1);
        add_node(&g, "Relu", k ? names[2 * k - 1] : "c0", NULL, names[2 * k]);
        add_node(&g, "Concat", k ? names[2 * k - 1] : "c0", names[2 * k], names[2 * k + 1]);
        Onnx__AttributeProto *axis = calloc(1, sizeof *axis), **list = calloc(1, sizeof *list);
        onnx__attribute_proto__init(axis);
        axis->name = "axis";
        axis->has_i = 1;
        axis->i = 1;
        list[0] = axis;
        g.nodes[g.graph.n_node - 1].n_attribute = 1;
        g.nodes[g.graph.n_node - 1].attribute = list;
    }
    add_node(&g, "Relu", "c25", NULL, "out");
    pim_model m;
    pim_error err;
    pim_status st = import(&g, &m, &err);
    for (size_t k = 0; k < g.graph.n_node; k++)
        if (g.nodes[k].n_attribute) {
            free(g.nodes[k].attribute[0]);
            free(g.nodes[k].attribute);
        }
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
