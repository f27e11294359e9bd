/* Tests for the ONNX importer on graphs built here: each operator family
 * against PyTorch's counting (MACs, weights, output shapes), the opset
 * changes 11 to 21, shape arithmetic evaluated at import (window attention
 * pads by amounts computed from the input shape), checked integer
 * arithmetic, and graphs past every old fixed cap. Each built graph is
 * also written to build/test-tmp/onnx-seeds for the fuzzer's corpus. */
#include "onnx_build.h"
#include "test.h"

#include <stdlib.h>
#include <sys/stat.h>

#define DIMS(...) ((const int64_t[]){__VA_ARGS__})
#define RANK(...) ((int)(sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t)))
#define INPUT(b, name, ...) ob_input(b, name, RANK(__VA_ARGS__), DIMS(__VA_ARGS__))
#define WEIGHT(b, name, ...) ob_weight(b, name, RANK(__VA_ARGS__), DIMS(__VA_ARGS__))
#define INTS(b, name, ...) ob_ints(b, name, 1, DIMS(RANK(__VA_ARGS__)), DIMS(__VA_ARGS__))
#define ATTR_INTS(b, n, name, ...) ob_attr_ints(b, n, name, RANK(__VA_ARGS__), DIMS(__VA_ARGS__))

/* Import b (and keep it as a fuzzing seed named `seed`); frees b. */
static pim_status import(pim_t *t, onnx_build *b, const char *seed, pim_model *m, pim_error *err)
{
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/onnx-seeds", t->tmp);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/%s.onnx", dir, seed);
    ob_write(b, path);
    pim_status st = ob_import(b, m, err);
    ob_free(b);
    return st;
}

/* Import, expecting success; prints the error otherwise. */
static int imports(pim_t *t, onnx_build *b, const char *seed, pim_model *m)
{
    pim_error err;
    pim_status st = import(t, b, seed, m, &err);
    if (st)
        fprintf(stderr, "    %s: %s\n", seed, err.msg);
    CHECK(t, st == PIM_OK);
    return st == PIM_OK;
}

/* Import, expecting an input error that mentions `what`. */
static void refuses(pim_t *t, onnx_build *b, const char *seed, const char *what)
{
    pim_model m;
    pim_error err;
    pim_status st = import(t, b, seed, &m, &err);
    if (st == PIM_OK)
        pim_model_free(&m);
    if (st != PIM_EINPUT || !strstr(err.msg, what))
        fprintf(stderr, "    %s: status %d, '%s' (wanted '%s')\n", seed, st,
                st ? err.msg : "imported", what);
    CHECK(t, st == PIM_EINPUT && strstr(err.msg, what) != NULL);
}

/* What a lookup finds when the layer is missing: no work at all, so every
 * check on it fails. */
static const pim_layer MISSING = {.name = "(missing)", .kind = PIM_OP_VECTOR};

/* The first layer of a kind. */
static const pim_layer *first_of(const pim_model *m, pim_op_kind kind)
{
    for (uint32_t i = 0; i < m->count; i++)
        if (m->layers[i].kind == kind)
            return &m->layers[i];
    return &MISSING;
}

static const pim_layer *named_vop(const pim_model *m, const char *vop)
{
    for (uint32_t i = 0; i < m->count; i++)
        if (m->layers[i].kind == PIM_OP_VECTOR && !strcmp(m->layers[i].vop, vop))
            return &m->layers[i];
    return &MISSING;
}

/* ---- versions --------------------------------------------------------- */

static void opsets_11_to_21(pim_t *t)
{
    for (int64_t opset = 10; opset <= 22; opset++) {
        onnx_build *b = ob_new(opset);
        INPUT(b, "x", 1, 3, 8, 8);
        WEIGHT(b, "w", 4, 3, 3, 3);
        ob_node(b, "Conv", "x,w", "y");
        char seed[32];
        snprintf(seed, sizeof seed, "opset%lld", (long long)opset);
        pim_model m;
        if (opset >= 11 && opset <= 21) {
            if (imports(t, b, seed, &m))
                pim_model_free(&m);
        } else {
            refuses(t, b, seed, "opset");
        }
    }
    onnx_build *b = ob_new(13);
    ob_ir_version(b, 12);
    INPUT(b, "x", 1, 4);
    refuses(t, b, "ir12", "IR version 12");
}

/* ---- convolutions and pooling ----------------------------------------- */

static void conv_family(pim_t *t)
{
    pim_model m;
    /* Conv1d(16, 32, 3, stride 2, padding 1) on 100 samples, then MaxPool1d(2) */
    onnx_build *b = ob_new(17);
    INPUT(b, "x", 1, 16, 100);
    WEIGHT(b, "w", 32, 16, 3);
    Onnx__NodeProto *n = ob_node(b, "Conv", "x,w", "y");
    ATTR_INTS(b, n, "strides", 2);
    ATTR_INTS(b, n, "pads", 1, 1);
    n = ob_node(b, "MaxPool", "y", "p");
    ATTR_INTS(b, n, "kernel_shape", 2);
    ATTR_INTS(b, n, "strides", 2);
    WEIGHT(b, "w2", 8, 32, 1);
    ob_node(b, "Conv", "p,w2", "z");
    if (imports(t, b, "conv1d", &m)) {
        const pim_layer *c = first_of(&m, PIM_OP_CONV);
        CHECK(t, c->out_w == 50 && c->out_h == 1 && c->in_d == 0);
        CHECK_EQ_U64(t, pim_layer_weights(c), 32 * 16 * 3);
        CHECK_EQ_U64(t, pim_layer_macs(c), 32 * 16 * 3 * 50);
        CHECK_EQ_U64(t, pim_layer_macs(&m.layers[m.count - 1]), 8 * 32 * 25); /* pooled to 25 */
        pim_model_free(&m);
    }
    /* Conv3d(4, 8, 3, padding 1) on 8x16x16, then AvgPool3d(2) */
    b = ob_new(17);
    INPUT(b, "x", 2, 4, 8, 16, 16);
    WEIGHT(b, "w", 8, 4, 3, 3, 3);
    n = ob_node(b, "Conv", "x,w", "y");
    ATTR_INTS(b, n, "pads", 1, 1, 1, 1, 1, 1);
    n = ob_node(b, "AveragePool", "y", "p");
    ATTR_INTS(b, n, "kernel_shape", 2, 2, 2);
    ATTR_INTS(b, n, "strides", 2, 2, 2);
    WEIGHT(b, "w2", 4, 8, 1, 1, 1);
    ob_node(b, "Conv", "p,w2", "z");
    if (imports(t, b, "conv3d", &m)) {
        const pim_layer *c = first_of(&m, PIM_OP_CONV);
        CHECK(t, c->out_d == 8 && c->out_h == 16 && c->out_w == 16 && c->images == 2);
        CHECK_EQ_U64(t, pim_layer_weights(c), 8 * 4 * 27);
        CHECK_EQ_U64(t, pim_layer_macs(c), 2ull * 8 * 4 * 27 * 8 * 16 * 16);
        const pim_layer *last = &m.layers[m.count - 1];
        CHECK(t, last->in_d == 4 && last->in_h == 8); /* pooled by 2 on every axis */
        pim_model_free(&m);
    }
    /* ConvTranspose2d(16, 8, 4, stride 2, padding 1): 8x8 -> 16x16 */
    b = ob_new(17);
    INPUT(b, "x", 1, 16, 8, 8);
    WEIGHT(b, "w", 16, 8, 4, 4);
    n = ob_node(b, "ConvTranspose", "x,w", "y");
    ATTR_INTS(b, n, "strides", 2, 2);
    ATTR_INTS(b, n, "pads", 1, 1, 1, 1);
    /* grouped, with output_padding: ConvTranspose2d(8, 6, 3, 2, 1, 1, groups 2): 16 -> 32 */
    WEIGHT(b, "w2", 8, 3, 3, 3);
    WEIGHT(b, "w0", 8, 8, 1, 1);
    ob_node(b, "Conv", "y,w0", "y0");
    n = ob_node(b, "ConvTranspose", "y0,w2", "z");
    ATTR_INTS(b, n, "strides", 2, 2);
    ATTR_INTS(b, n, "pads", 1, 1, 1, 1);
    ATTR_INTS(b, n, "output_padding", 1, 1);
    ob_attr_int(b, n, "group", 2);
    if (imports(t, b, "convtranspose", &m)) {
        const pim_layer *c = &m.layers[0];
        CHECK(t, c->transposed && c->out_h == 16 && c->out_w == 16 && c->out_c == 8);
        CHECK_EQ_U64(t, pim_layer_weights(c), 16 * 8 * 16);
        CHECK_EQ_U64(t, pim_layer_macs(c), 16 * 8 * 16 * 64); /* input pixels */
        const pim_layer *g = &m.layers[2];
        CHECK(t, g->transposed && g->out_c == 6 && g->out_h == 32 && g->groups == 2);
        CHECK_EQ_U64(t, pim_layer_weights(g), 8 * 3 * 9);
        CHECK_EQ_U64(t, pim_layer_macs(g), 8 * 3 * 9 * 16 * 16);
        pim_model_free(&m);
    }
    /* ConvTranspose with output_shape and SAME_UPPER */
    b = ob_new(11);
    INPUT(b, "x", 1, 4, 5, 5);
    WEIGHT(b, "w", 4, 2, 3, 3);
    n = ob_node(b, "ConvTranspose", "x,w", "y");
    ATTR_INTS(b, n, "strides", 2, 2);
    ATTR_INTS(b, n, "output_shape", 10, 10);
    ob_attr_str(b, n, "auto_pad", "SAME_UPPER");
    if (imports(t, b, "convtranspose_shape", &m)) {
        CHECK(t, m.layers[0].out_h == 10 && m.layers[0].out_w == 10);
        pim_model_free(&m);
    }
}

/* MobileNetV2's inverted residual and ResNeXt's grouped conv. */
static void grouped_and_inverted_residual(pim_t *t)
{
    pim_model m;
    onnx_build *b = ob_new(13);
    INPUT(b, "img", 1, 3, 28, 28);
    WEIGHT(b, "stem", 32, 3, 1, 1);
    WEIGHT(b, "expand", 192, 32, 1, 1);
    WEIGHT(b, "dw", 192, 1, 3, 3);
    WEIGHT(b, "project", 32, 192, 1, 1);
    WEIGHT(b, "grouped", 256, 8, 3, 3); /* 32 groups of 8 channels */
    WEIGHT(b, "widen", 256, 32, 1, 1);
    ob_node(b, "Conv", "img,stem", "x");
    ob_node(b, "Conv", "x,expand", "e");
    ob_node(b, "Clip", "e", "e6");
    Onnx__NodeProto *n = ob_node(b, "Conv", "e6,dw", "d");
    ob_attr_int(b, n, "group", 192);
    ATTR_INTS(b, n, "pads", 1, 1, 1, 1);
    ob_node(b, "Conv", "d,project", "p");
    ob_node(b, "Add", "p,x", "r");
    ob_node(b, "Conv", "r,widen", "wd");
    n = ob_node(b, "Conv", "wd,grouped", "g");
    ob_attr_int(b, n, "group", 32);
    ATTR_INTS(b, n, "pads", 1, 1, 1, 1);
    if (!imports(t, b, "inverted_residual", &m))
        return;
    CHECK_EQ_U64(t, pim_model_stationary_layers(&m), 6);
    const pim_layer *dw = &m.layers[3];
    CHECK(t, dw->groups == 192 && dw->out_h == 28);
    CHECK_EQ_U64(t, pim_layer_weights(dw), 192 * 9);
    CHECK_EQ_U64(t, pim_layer_macs(dw), 192 * 9 * 28 * 28);
    const pim_layer *add = named_vop(&m, "add");
    CHECK(t, add->npreds == 2);
    const pim_layer *g = &m.layers[m.count - 1];
    CHECK_EQ_U64(t, pim_layer_weights(g), 256 * 8 * 9);
    CHECK_EQ_U64(t, pim_layer_macs(g), 256ull * 8 * 9 * 28 * 28);
    pim_model_free(&m);
}

/* ---- products --------------------------------------------------------- */

static void einsum_products(pim_t *t)
{
    pim_model m;
    onnx_build *b = ob_new(12);
    INPUT(b, "x", 2, 10, 64);
    WEIGHT(b, "w", 64, 32);
    WEIGHT(b, "wt", 48, 32);
    Onnx__NodeProto *n = ob_node(b, "Einsum", "x,w", "y"); /* a linear layer */
    ob_attr_str(b, n, "equation", "...ij,jk->...ik");
    n = ob_node(b, "Einsum", "y,wt", "z"); /* weight transposed */
    ob_attr_str(b, n, "equation", "bqd,kd->bqk");
    n = ob_node(b, "Einsum", "y,wt", "zi"); /* implicit output: alphabetical, [2, 48, 10] */
    ob_attr_str(b, n, "equation", "bqd,kd");
    n = ob_node(b, "Einsum", "z,z", "s"); /* attention scores: two activations */
    ob_attr_str(b, n, "equation", "bqd, bkd -> bqk");
    n = ob_node(b, "Einsum", "s", "st"); /* a transpose */
    ob_attr_str(b, n, "equation", "bqk->bkq");
    n = ob_node(b, "Einsum", "zi,zi", "si");
    ob_attr_str(b, n, "equation", "bkq,bjq->bkj");
    if (!imports(t, b, "einsum", &m))
        return;
    CHECK_EQ_U64(t, m.count, 5);
    const pim_layer *g0 = &m.layers[0], *g1 = &m.layers[1], *s = &m.layers[3];
    CHECK(t, m.layers[4].kind == PIM_OP_DYN_MATMUL && m.layers[4].m == 48 && m.layers[4].k == 10);
    CHECK(t, g0->kind == PIM_OP_GEMM && g0->m == 20 && g0->k == 64 && g0->n == 32);
    CHECK(t, g1->kind == PIM_OP_GEMM && g1->m == 20 && g1->k == 32 && g1->n == 48);
    CHECK(t,
          s->kind == PIM_OP_DYN_MATMUL && s->heads == 2 && s->m == 10 && s->k == 48 && s->n == 10);
    CHECK_EQ_U64(t, pim_layer_macs(s), 2 * 10 * 48 * 10);
    pim_model_free(&m);
    b = ob_new(12);
    INPUT(b, "x", 4, 4);
    n = ob_node(b, "Einsum", "x", "d");
    ob_attr_str(b, n, "equation", "ii->i");
    refuses(t, b, "einsum_diagonal", "repeated labels");
}

/* ---- vector operations ------------------------------------------------ */

static void normalisations_and_activations(pim_t *t)
{
    static const char *const ops[] = {"InstanceNormalization",
                                      "GroupNormalization",
                                      "Softplus",
                                      "Mish",
                                      "Elu",
                                      "Selu",
                                      "PRelu",
                                      "Celu",
                                      "HardSwish"};
    for (int opset = 18; opset <= 21; opset += 3) {
        pim_model m;
        onnx_build *b = ob_new(opset);
        INPUT(b, "x", 1, 8, 6, 6);
        WEIGHT(b, "w", 8, 8, 1, 1);
        WEIGHT(b, "scale", 8);
        WEIGHT(b, "bias", 8);
        WEIGHT(b, "slope", 8, 1, 1);
        ob_node(b, "Conv", "x,w", "t0");
        char in[16] = "t0", out[16];
        for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
            snprintf(out, sizeof out, "t%zu", i + 1);
            char ins[64];
            if (!strcmp(ops[i], "PRelu"))
                snprintf(ins, sizeof ins, "%s,slope", in);
            else if (strstr(ops[i], "Normalization"))
                snprintf(ins, sizeof ins, "%s,scale,bias", in);
            else
                snprintf(ins, sizeof ins, "%s", in);
            Onnx__NodeProto *n = ob_node(b, ops[i], ins, out);
            if (!strcmp(ops[i], "GroupNormalization"))
                ob_attr_int(b, n, "num_groups", 4);
            pim_strlcpy(in, out, sizeof in);
        }
        if (!imports(t, b, opset == 18 ? "activations18" : "activations21", &m))
            continue;
        CHECK_EQ_U64(t, m.count, 1 + sizeof ops / sizeof ops[0]);
        for (uint32_t i = 1; i < m.count; i++) {
            CHECK(t, m.layers[i].kind == PIM_OP_VECTOR && m.layers[i].vec_elems == 8 * 36);
            CHECK_EQ_U64(t, m.layers[i].npreds, 1);
        }
        CHECK(t, named_vop(&m, "instancenorm") != &MISSING &&
                     named_vop(&m, "groupnorm") != &MISSING && named_vop(&m, "prelu") != &MISSING &&
                     named_vop(&m, "mish") != &MISSING);
        CHECK(t, m.notes[0] == '\0'); /* all known, none guessed */
        pim_model_free(&m);
    }
}

/* Reduce ops with axes as an input (18), ArgMax, TopK, Tile, Resize. */
static void reductions_topk_tile_resize(pim_t *t)
{
    pim_model m;
    onnx_build *b = ob_new(18);
    INPUT(b, "x", 1, 16, 8, 8);
    WEIGHT(b, "w", 16, 16, 1, 1);
    INTS(b, "axes", 2, 3);
    INTS(b, "k", 5);
    INTS(b, "reps", 1, 2, 1, 1);
    float sc[4] = {1, 1, 2, 3};
    ob_floats(b, "scales", 1, DIMS(4), sc);
    INTS(b, "sizes", 12, 20);
    ob_node(b, "Conv", "x,w", "c");
    Onnx__NodeProto *n = ob_node(b, "ReduceL2", "c,axes", "r"); /* [1,16] */
    ob_attr_int(b, n, "keepdims", 0);
    n = ob_node(b, "ArgMax", "r", "am"); /* [1] */
    ob_attr_int(b, n, "keepdims", 0);
    ob_attr_int(b, n, "axis", 1);
    ob_node(b, "TopK", "r,k", "tv,ti");          /* [1,5] */
    ob_node(b, "Tile", "c,reps", "tl");          /* [1,32,8,8] */
    ob_node(b, "Resize", "c,,scales", "up");     /* [1,16,16,24] */
    n = ob_node(b, "Resize", "c,,,sizes", "sz"); /* axes 2, 3 -> 12 x 20 */
    ATTR_INTS(b, n, "axes", 2, 3);
    WEIGHT(b, "w5", 5, 4);
    ob_node(b, "MatMul", "tv,w5", "fc");
    WEIGHT(b, "w32", 8, 32, 1, 1);
    ob_node(b, "Conv", "tl,w32", "ct");
    WEIGHT(b, "w16", 8, 16, 1, 1);
    ob_node(b, "Conv", "up,w16", "cu");
    ob_node(b, "Conv", "sz,w16", "cs");
    if (!imports(t, b, "reduce_topk_tile_resize", &m))
        return;
    const pim_layer *red = named_vop(&m, "reduce"), *top = named_vop(&m, "topk");
    CHECK(t, red->vec_elems == 16 * 64);
    CHECK(t, named_vop(&m, "argmax") != &MISSING && top->vec_elems == 16);
    const pim_layer *fc = &m.layers[m.count - 4];
    CHECK(t, fc->kind == PIM_OP_GEMM && fc->k == 5 && fc->n == 4 && fc->m == 1);
    CHECK(t, m.layers[m.count - 3].in_c == 32);
    CHECK(t, m.layers[m.count - 2].in_h == 16 && m.layers[m.count - 2].in_w == 24);
    CHECK(t, m.layers[m.count - 1].in_h == 12 && m.layers[m.count - 1].in_w == 20);
    const pim_layer *rs = named_vop(&m, "resize");
    CHECK(t, rs->vec_elems == 16 * 16 * 24);
    pim_model_free(&m);
}

/* Split by num_outputs (18), Pad with axes (18), NonZero on a constant. */
static void split_pad_nonzero(pim_t *t)
{
    pim_model m;
    onnx_build *b = ob_new(18);
    INPUT(b, "x", 1, 10, 6);
    WEIGHT(b, "w", 6, 4);
    INTS(b, "pads", 1, 2);
    INTS(b, "axes", -1);
    INTS(b, "mask", 0, 3, 0, 5, 7);
    Onnx__NodeProto *n = ob_node(b, "Split", "x", "a,b,c"); /* 4, 4, 2 on axis 1 */
    ob_attr_int(b, n, "axis", 1);
    ob_attr_int(b, n, "num_outputs", 3);
    ob_node(b, "Pad", "c,pads,,axes", "cp"); /* [1, 2, 9] */
    ob_node(b, "NonZero", "mask", "nz");     /* [1, 3] */
    ob_node(b, "MatMul", "a,w", "ya");
    WEIGHT(b, "w9", 9, 4);
    ob_node(b, "MatMul", "cp,w9", "yc");
    if (!imports(t, b, "split_pad_nonzero", &m))
        return;
    CHECK(t, m.layers[0].m == 4 && m.layers[0].k == 6);
    CHECK(t, m.layers[1].m == 2 && m.layers[1].k == 9);
    pim_model_free(&m);
    b = ob_new(13);
    INPUT(b, "x", 4, 4);
    ob_node(b, "NonZero", "x", "nz");
    refuses(t, b, "nonzero_data", "not known at import");
}

/* ---- whole families --------------------------------------------------- */

/* Swin's window attention: the padding comes from the input's shape
 * ((w - H % w) % w), windows by reshapes of rank 6, a cyclic shift by
 * Slice + Concat, attention inside windows. */
static void window_attention(pim_t *t)
{
    pim_model m;
    onnx_build *b = ob_new(17);
    INPUT(b, "x", 1, 14, 14, 32); /* NHWC, as Swin keeps it */
    WEIGHT(b, "qkv", 32, 96);
    WEIGHT(b, "proj", 32, 32);
    INTS(b, "i1", 1);
    INTS(b, "i2", 2);
    INTS(b, "win", 4);
    INTS(b, "zero2", 0, 0);
    INTS(b, "zero1", 0);
    INTS(b, "pre", 1, 4, 4, 4, 4, 32);
    INTS(b, "tok", 16, 16, 3, 32);
    INTS(b, "s0", 0);
    INTS(b, "s2", 2);
    INTS(b, "big", 1000);
    ob_node(b, "Shape", "x", "shape");
    ob_node(b, "Gather", "shape,i1", "h");
    ob_node(b, "Gather", "shape,i2", "w");
    ob_node(b, "Mod", "h,win", "hm");
    ob_node(b, "Sub", "win,hm", "hr");
    ob_node(b, "Mod", "hr,win", "ph"); /* (4 - 14 % 4) % 4 = 2 */
    ob_node(b, "Mod", "w,win", "wm");
    ob_node(b, "Sub", "win,wm", "wr");
    ob_node(b, "Mod", "wr,win", "pw");
    /* pads for [N, H, W, C]: begins 0 0 0 0, ends 0 ph pw 0 */
    Onnx__NodeProto *n = ob_node(b, "Concat", "zero2,zero2,zero1,ph,pw,zero1", "pads");
    ob_attr_int(b, n, "axis", 0);
    ob_node(b, "Pad", "x,pads", "xp"); /* [1, 16, 16, 32] */
    /* the cyclic shift: roll by 2 along H as Slice + Concat */
    ob_node(b, "Slice", "xp,s2,big,i1", "tail");
    ob_node(b, "Slice", "xp,s0,s2,i1", "head");
    n = ob_node(b, "Concat", "tail,head", "rolled");
    ob_attr_int(b, n, "axis", 1);
    ob_node(b, "Reshape", "rolled,pre", "win6");
    n = ob_node(b, "Transpose", "win6", "win6t");
    ATTR_INTS(b, n, "perm", 0, 1, 3, 2, 4, 5);
    INTS(b, "flat", 16, 16, 32);
    ob_node(b, "Reshape", "win6t,flat", "tokens"); /* 16 windows of 16 tokens */
    ob_node(b, "MatMul", "tokens,qkv", "q3");      /* [16, 16, 96] */
    ob_node(b, "Reshape", "q3,tok", "q4");
    n = ob_node(b, "Transpose", "q4", "q4t"); /* [3, 16, 16, 32] */
    ATTR_INTS(b, n, "perm", 2, 0, 1, 3);
    n = ob_node(b, "Split", "q4t", "q,k,v");
    ob_attr_int(b, n, "axis", 0);
    ob_attr_int(b, n, "num_outputs", 3);
    INTS(b, "sq", 0);
    ob_node(b, "Squeeze", "q,sq", "qs");
    ob_node(b, "Squeeze", "k,sq", "ks");
    ob_node(b, "Squeeze", "v,sq", "vs");
    n = ob_node(b, "Transpose", "ks", "kt");
    ATTR_INTS(b, n, "perm", 0, 2, 1);
    ob_node(b, "MatMul", "qs,kt", "scores"); /* [16, 16, 16] */
    ob_node(b, "Softmax", "scores", "attn");
    ob_node(b, "MatMul", "attn,vs", "ctx");
    ob_node(b, "MatMul", "ctx,proj", "out");
    if (!imports(t, b, "window_attention", &m))
        return;
    const pim_layer *qkv = first_of(&m, PIM_OP_GEMM);
    CHECK(t, qkv->m == 256 && qkv->k == 32 && qkv->n == 96); /* padded 16 x 16 tokens */
    CHECK_EQ_U64(t, pim_layer_macs(qkv), 256ull * 32 * 96);
    uint32_t dyn = 0;
    for (uint32_t i = 0; i < m.count; i++)
        if (m.layers[i].kind == PIM_OP_DYN_MATMUL) {
            dyn++;
            CHECK(t, m.layers[i].heads == 16 && m.layers[i].m == 16);
            CHECK_EQ_U64(t, pim_layer_macs(&m.layers[i]), 16 * 16 * 16 * 32);
        }
    CHECK_EQ_U64(t, dyn, 2);
    pim_model_free(&m);
}

/* DenseNet's dense block: a concat of many independent tensors (more than
 * any old cap on a node's inputs or a layer's producers). */
static void dense_concat_of_many(pim_t *t)
{
    pim_model m;
    onnx_build *b = ob_new(13);
    INPUT(b, "x", 1, 8, 4, 4);
    char ins[2048] = "", name[32];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "w%d", i);
        WEIGHT(b, name, 2, 8, 1, 1);
        char conv[48], out[16];
        snprintf(out, sizeof out, "c%d", i);
        snprintf(conv, sizeof conv, "x,%s", name);
        ob_node(b, "Conv", conv, out);
        snprintf(ins + strlen(ins), sizeof ins - strlen(ins), "%s%s", i ? "," : "", out);
    }
    Onnx__NodeProto *n = ob_node(b, "Concat", ins, "cat"); /* 80 channels */
    ob_attr_int(b, n, "axis", 1);
    WEIGHT(b, "wf", 16, 80, 1, 1);
    ob_node(b, "Conv", "cat,wf", "y");
    if (!imports(t, b, "dense_concat", &m))
        return;
    const pim_layer *last = &m.layers[m.count - 1];
    CHECK(t, last->in_c == 80);
    CHECK_EQ_U64(t, last->npreds, 40); /* independent producers: all kept */
    pim_model_free(&m);
    /* a split into 80 outputs, summed back by a Sum of 80 inputs */
    char outs[2048] = "";
    for (int i = 0; i < 80; i++)
        snprintf(outs + strlen(outs), sizeof outs - strlen(outs), "%ss%d", i ? "," : "", i);
    b = ob_new(18);
    INPUT(b, "x", 1, 80, 2);
    n = ob_node(b, "Split", "x", outs);
    ob_attr_int(b, n, "axis", 1);
    ob_attr_int(b, n, "num_outputs", 80);
    char sum[2048];
    snprintf(sum, sizeof sum, "%s", outs);
    ob_node(b, "Sum", sum, "total");
    WEIGHT(b, "w", 2, 3);
    ob_node(b, "MatMul", "total,w", "y");
    /* and a rank-10 tensor through reshapes and a transpose */
    INTS(b, "r10", 1, 1, 1, 1, 1, 1, 1, 1, 1, 3);
    ob_node(b, "Reshape", "y,r10", "y10");
    n = ob_node(b, "Transpose", "y10", "y10t");
    ATTR_INTS(b, n, "perm", 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    if (!imports(t, b, "split_sum_rank10", &m))
        return;
    const pim_layer *s = named_vop(&m, "sum");
    CHECK(t, s->vec_elems == 2);
    CHECK(t, first_of(&m, PIM_OP_GEMM)->k == 2);
    pim_model_free(&m);
}

/* A vision transformer's front: patches by a strided conv, flatten,
 * transpose, a class token, LayerNorm, attention by MatMul. */
static void vit_block(pim_t *t)
{
    pim_model m;
    onnx_build *b = ob_new(17);
    INPUT(b, "x", 1, 3, 32, 32);
    WEIGHT(b, "patch", 64, 3, 8, 8);
    WEIGHT(b, "cls", 1, 1, 64);
    WEIGHT(b, "qkv", 64, 192);
    WEIGHT(b, "ln_s", 64);
    WEIGHT(b, "ln_b", 64);
    INTS(b, "seq", 1, 64, 16);
    INTS(b, "heads", 1, 17, 3, 4, 16);
    Onnx__NodeProto *n = ob_node(b, "Conv", "x,patch", "p"); /* [1, 64, 4, 4] */
    ATTR_INTS(b, n, "strides", 8, 8);
    ob_node(b, "Reshape", "p,seq", "ps");
    n = ob_node(b, "Transpose", "ps", "tokens"); /* [1, 16, 64] */
    ATTR_INTS(b, n, "perm", 0, 2, 1);
    n = ob_node(b, "Concat", "cls,tokens", "seq17");
    ob_attr_int(b, n, "axis", 1);
    ob_node(b, "LayerNormalization", "seq17,ln_s,ln_b", "ln");
    ob_node(b, "MatMul", "ln,qkv", "q");
    ob_node(b, "Reshape", "q,heads", "qh");  /* [1, 17, 3, 4, 16] */
    n = ob_node(b, "Transpose", "qh", "qt"); /* [3, 1, 4, 17, 16] */
    ATTR_INTS(b, n, "perm", 2, 0, 3, 1, 4);
    n = ob_node(b, "Split", "qt", "q0,k0,v0");
    ob_attr_int(b, n, "axis", 0);
    n = ob_node(b, "Transpose", "k0", "kt");
    ATTR_INTS(b, n, "perm", 0, 1, 2, 4, 3);
    ob_node(b, "MatMul", "q0,kt", "scores");
    ob_node(b, "Softmax", "scores", "a");
    ob_node(b, "MatMul", "a,v0", "ctx");
    if (!imports(t, b, "vit_block", &m))
        return;
    const pim_layer *patch = first_of(&m, PIM_OP_CONV);
    CHECK(t, patch->out_h == 4 && pim_layer_macs(patch) == 64ull * 3 * 64 * 16);
    const pim_layer *qkv = first_of(&m, PIM_OP_GEMM);
    CHECK(t, qkv->m == 17 && qkv->k == 64 && qkv->n == 192);
    const pim_layer *s = first_of(&m, PIM_OP_DYN_MATMUL);
    CHECK(t, s->heads == 4 && s->m == 17 && s->k == 16 && s->n == 17);
    pim_model_free(&m);
}

/* ---- checked arithmetic and empty tensors ------------------------------ */

/* A graph computing a reshape target by `op` on two constants. */
static onnx_build *arith_graph(const char *op, int64_t a, int64_t c)
{
    onnx_build *b = ob_new(13);
    INPUT(b, "x", 2, 8);
    WEIGHT(b, "w", 8, 4);
    ob_ints(b, "a", 1, DIMS(1), &a);
    ob_ints(b, "c", 1, DIMS(1), &c);
    INTS(b, "lead", -1);
    ob_node(b, op, "a,c", "v");
    Onnx__NodeProto *n = ob_node(b, "Concat", "lead,v", "shape");
    ob_attr_int(b, n, "axis", 0);
    ob_node(b, "Reshape", "x,shape", "xr");
    ob_node(b, "MatMul", "xr,w", "y");
    return b;
}

static void integer_arithmetic_is_checked(pim_t *t)
{
    refuses(t, arith_graph("Div", INT64_MIN, -1), "div_overflow", "overflow");
    refuses(t, arith_graph("Div", 8, 0), "div_zero", "division by zero");
    refuses(t, arith_graph("Mod", 8, 0), "mod_zero", "division by zero");
    refuses(t, arith_graph("Add", INT64_MAX, 1), "add_overflow", "overflow");
    refuses(t, arith_graph("Sub", INT64_MIN, 1), "sub_overflow", "overflow");
    refuses(t, arith_graph("Mul", INT64_MAX / 2, 3), "mul_overflow", "overflow");
    /* INT64_MIN mod -1 is 0 (no signal); a 0 in a target shape copies the axis */
    pim_model m;
    if (imports(t, arith_graph("Mod", INT64_MIN, -1), "mod_min", &m)) {
        CHECK(t, first_of(&m, PIM_OP_GEMM)->k == 8);
        pim_model_free(&m);
    }
    /* a good one imports: 16 / 2 = 8 */
    if (imports(t, arith_graph("Div", 16, 2), "div_ok", &m)) {
        CHECK(t, first_of(&m, PIM_OP_GEMM)->m == 2 && first_of(&m, PIM_OP_GEMM)->k == 8);
        pim_model_free(&m);
    }
    /* Neg and Abs of INT64_MIN */
    onnx_build *b = ob_new(13);
    INPUT(b, "x", 2, 8);
    int64_t lo = INT64_MIN;
    ob_ints(b, "a", 1, DIMS(1), &lo);
    ob_node(b, "Neg", "a", "v");
    refuses(t, b, "neg_overflow", "overflow");
    /* Reshape to a shape whose product overflows */
    b = ob_new(13);
    INPUT(b, "x", 2, 8);
    INTS(b, "shape", 1 << 30, 1 << 30, 1 << 30);
    ob_node(b, "Reshape", "x,shape", "y");
    refuses(t, b, "reshape_overflow", "2^56");
    /* Split sizes that overflow when added */
    b = ob_new(13);
    INPUT(b, "x", 2, 8);
    INTS(b, "parts", INT64_MAX, INT64_MAX);
    Onnx__NodeProto *n = ob_node(b, "Split", "x,parts", "a,c");
    ob_attr_int(b, n, "axis", 1);
    refuses(t, b, "split_overflow", "split");
    /* Slice with extreme starts, ends and steps: clamped, never wrapped */
    b = ob_new(13);
    INPUT(b, "x", 2, 8);
    WEIGHT(b, "w", 8, 4);
    INTS(b, "st", INT64_MIN);
    INTS(b, "en", INT64_MAX);
    INTS(b, "ax", 0);
    INTS(b, "sp", INT64_MIN);
    ob_node(b, "Slice", "x,en,st,ax,sp", "xs"); /* from the last row backwards, by huge steps */
    ob_node(b, "MatMul", "xs,w", "y");
    if (imports(t, b, "slice_extremes", &m)) {
        CHECK_EQ_U64(t, first_of(&m, PIM_OP_GEMM)->m, 1);
        pim_model_free(&m);
    }
    /* Range and Expand too large */
    b = ob_new(13);
    INPUT(b, "x", 2, 8);
    int64_t r0 = INT64_MIN, r1 = INT64_MAX, r2 = 1;
    ob_ints(b, "r0", 0, NULL, &r0);
    ob_ints(b, "r1", 0, NULL, &r1);
    ob_ints(b, "r2", 0, NULL, &r2);
    ob_node(b, "Range", "r0,r1,r2", "r");
    refuses(t, b, "range_overflow", "overflow");
    b = ob_new(13);
    INPUT(b, "x", 2, 8);
    INTS(b, "to", INT64_MAX, 8);
    ob_node(b, "Expand", "x,to", "y");
    refuses(t, b, "expand_huge", "dimension");
}

static void zero_sizes_are_refused(pim_t *t)
{
    onnx_build *b = ob_new(13);
    INPUT(b, "x", 1, 3, 0, 8);
    WEIGHT(b, "w", 4, 3, 3, 3);
    ob_node(b, "Conv", "x,w", "y");
    refuses(t, b, "zero_input", "dimension 0");
    b = ob_new(13);
    INPUT(b, "x", 4, 8);
    WEIGHT(b, "w", 8, 4);
    INTS(b, "st", 2);
    INTS(b, "en", 2);
    ob_node(b, "Slice", "x,st,en", "empty"); /* 0 rows of activations */
    ob_node(b, "MatMul", "empty,w", "y");
    refuses(t, b, "empty_slice", "empty");
}

const pim_test_case onnx_ops_tests[] = {
    {"onnx: opsets 11 to 21 and IR up to 11; others refused by name", opsets_11_to_21},
    {"onnx: Conv 1-D/3-D, pooling in N-D, ConvTranspose: PyTorch's MACs and weights", conv_family},
    {"onnx: inverted residual, depthwise and grouped convs", grouped_and_inverted_residual},
    {"onnx: Einsum as gemm or dynamic matmul", einsum_products},
    {"onnx: InstanceNorm, GroupNorm (18, 21), Softplus, Mish, Elu, Selu, PRelu as vector ops",
     normalisations_and_activations},
    {"onnx: ReduceL2 (axes input), ArgMax, TopK, Tile, Resize (scales, sizes, axes)",
     reductions_topk_tile_resize},
    {"onnx: Split num_outputs, Pad axes, NonZero static only", split_pad_nonzero},
    {"onnx: window attention pads by amounts computed from the input shape", window_attention},
    {"onnx: a concat of 40 independent tensors, 80-way split, Sum of 80, rank 10",
     dense_concat_of_many},
    {"onnx: vision-transformer block", vit_block},
    {"onnx: integer arithmetic at import is checked (overflow, division by zero)",
     integer_arithmetic_is_checked},
    {"onnx: zero dimensions and empty data tensors are refused", zero_sizes_are_refused},
    {NULL, NULL},
};
