/* pimstream workload: ONNX operator rules (opsets 11 to 17).
 *
 * Each rule infers its outputs' shapes (the exported files carry no
 * intermediate shapes), evaluates small integer tensors (the shape
 * arithmetic exporters emit: Shape, Gather, Concat, Where, ...), and emits a
 * pimstream layer for real work: conv and gemm with stationary weights,
 * dynamic matmuls, and vector operations. Reshapes and copies emit nothing:
 * their outputs carry their inputs' producers, so graph edges survive. */
#include "onnx_internal.h"

#include <stdlib.h>
#include <string.h>

typedef pim_status (*op_rule)(onnx_importer *im, const onnx_node *n);

/* ---- helpers ---------------------------------------------------------- */

static onnx_tensor *output(onnx_importer *im, const onnx_node *n, uint32_t i)
{
    if (i >= n->node->n_output || !*n->node->output[i])
        return NULL;
    return onnx_define(im, n->node->output[i]);
}

static pim_status need_inputs(onnx_importer *im, const onnx_node *n, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        if (i >= n->nin || !n->in[i])
            return onnx_node_fail(im, n, "needs at least %u inputs", count);
    if (!n->node->n_output)
        return onnx_node_fail(im, n, "has no output");
    return PIM_OK;
}

static void copy_shape(onnx_tensor *to, const onnx_tensor *from)
{
    to->known = 1;
    to->rank = from->rank;
    memcpy(to->dims, from->dims, sizeof to->dims);
}

static int any_dynamic(const onnx_node *n)
{
    for (uint32_t i = 0; i < n->nin; i++)
        if (n->in[i] && n->in[i]->dynamic)
            return 1;
    return 0;
}

/* The output carries data of its dynamic inputs: same producers. */
static pim_status carry(onnx_importer *im, const onnx_node *n, onnx_tensor *out)
{
    out->dynamic = any_dynamic(n);
    for (uint32_t i = 0; i < n->nin; i++)
        if (n->in[i] && n->in[i]->dynamic && !onnx_merge_producers(im, out, n->in[i]))
            return onnx_node_fail(im, n, "more than %d independent producing layers",
                                  PIM_MAX_PREDS);
    return PIM_OK;
}

static int64_t norm_axis(int64_t axis, int rank)
{
    return axis < 0 ? axis + rank : axis;
}

static pim_status oom(onnx_importer *im)
{
    return pim_fail(im->err, PIM_EINTERNAL, "out of memory");
}

/* A vector operation over `out`'s elements, when any input is dynamic. */
static pim_status vector_op(onnx_importer *im, const onnx_node *n, onnx_tensor *out, const char *op)
{
    if (!any_dynamic(n))
        return PIM_OK; /* weights only: folded at export time in practice */
    pim_layer l = {.kind = PIM_OP_VECTOR, .vec_elems = (uint64_t)onnx_numel(out)};
    if (l.vec_elems == 0)
        return carry(im, n, out);
    pim_strlcpy(l.vop, op, sizeof l.vop);
    return onnx_emit(im, n, &l, out);
}

/* ---- broadcasting and integer evaluation ------------------------------ */

static int broadcast(const onnx_tensor *const *ins, uint32_t count, onnx_tensor *out)
{
    int rank = 0;
    for (uint32_t i = 0; i < count; i++)
        if (ins[i]->rank > rank)
            rank = ins[i]->rank;
    for (int d = 0; d < rank; d++) {
        int64_t dim = 1;
        for (uint32_t i = 0; i < count; i++) {
            int off = rank - ins[i]->rank;
            if (d < off)
                continue;
            int64_t v = ins[i]->dims[d - off];
            if (v == 1)
                continue;
            if (dim != 1 && v != dim)
                return 0;
            dim = v;
        }
        out->dims[d] = dim;
    }
    out->rank = rank;
    out->known = 1;
    return 1;
}

/* Flat index into `t` of the broadcast element at out-index `flat`. */
static int64_t broadcast_index(const onnx_tensor *t, const onnx_tensor *out, int64_t flat)
{
    int64_t idx = 0, stride = 1;
    for (int d = out->rank - 1; d >= 0; d--) {
        int64_t coord = flat % out->dims[d];
        flat /= out->dims[d];
        int td = d - (out->rank - t->rank);
        if (td < 0)
            continue;
        if (t->dims[td] != 1)
            idx += coord * stride;
        stride *= t->dims[td];
    }
    return idx;
}

static int64_t apply_int(const char *op, const int64_t *a, uint32_t count, int *ok)
{
    int64_t x = a[0], y = count > 1 ? a[1] : 0;
    if (!strcmp(op, "Add") || !strcmp(op, "Sum"))
        return x + y;
    if (!strcmp(op, "Sub"))
        return x - y;
    if (!strcmp(op, "Mul"))
        return x * y;
    if (!strcmp(op, "Div") && y)
        return x / y;
    if (!strcmp(op, "Mod") && y) /* fmod = 0: the sign follows the divisor */
        return ((x % y) + y) % y;
    if (!strcmp(op, "Equal"))
        return x == y;
    if (!strcmp(op, "Less"))
        return x < y;
    if (!strcmp(op, "Greater"))
        return x > y;
    if (!strcmp(op, "Max"))
        return x > y ? x : y;
    if (!strcmp(op, "Min"))
        return x < y ? x : y;
    if (!strcmp(op, "And"))
        return x && y;
    if (!strcmp(op, "Or"))
        return x || y;
    if (!strcmp(op, "Not"))
        return !x;
    if (!strcmp(op, "Neg"))
        return -x;
    if (!strcmp(op, "Abs"))
        return x < 0 ? -x : x;
    if (!strcmp(op, "Where"))
        return x ? y : a[2];
    *ok = 0;
    return 0;
}

/* Evaluate an elementwise op over small integer inputs, if all are known. */
static int eval_elementwise(const onnx_node *n, onnx_tensor *out)
{
    int64_t count = onnx_numel(out);
    if (count > ONNX_MAX_VALUES || n->nin > 3)
        return 1;
    for (uint32_t i = 0; i < n->nin; i++)
        if (!n->in[i] || !n->in[i]->has_values)
            return 1;
    int64_t v[ONNX_MAX_VALUES], args[3];
    int ok = 1;
    for (int64_t k = 0; k < count && ok; k++) {
        for (uint32_t i = 0; i < n->nin; i++)
            args[i] = n->in[i]->values[broadcast_index(n->in[i], out, k)];
        v[k] = apply_int(n->node->op_type, args, n->nin, &ok);
    }
    return ok ? onnx_set_values(out, v, count) : 1;
}

/* ---- compute operators ------------------------------------------------ */

static pim_status conv_dims(onnx_importer *im, const onnx_node *n, pim_layer *l)
{
    const onnx_tensor *x = n->in[0], *w = n->in[1];
    if (x->rank != 4 || w->rank != 4)
        return onnx_node_fail(im, n, "only 2-D convolutions are supported (ranks %d and %d)",
                              x->rank, w->rank);
    int64_t strides[2] = {1, 1}, dil[2] = {1, 1}, pads[4] = {0, 0, 0, 0};
    onnx_attr_ints(n, "strides", strides, 2);
    onnx_attr_ints(n, "dilations", dil, 2);
    onnx_attr_ints(n, "pads", pads, 4);
    int64_t group = onnx_attr_int(n, "group", 1);
    for (int i = 0; i < 4; i++)
        if (pads[i] < 0 || pads[i] > (1 << 20) ||
            (i < 2 &&
             (strides[i] < 1 || dil[i] < 1 || strides[i] > (1 << 20) || dil[i] > (1 << 20))))
            return onnx_node_fail(im, n, "bad strides, dilations or pads");
    if (group < 1 || group > x->dims[1] || w->dims[1] * group != x->dims[1])
        return onnx_node_fail(im, n, "weight channels x group (%lld x %lld) != input channels %lld",
                              (long long)w->dims[1], (long long)group, (long long)x->dims[1]);
    const char *pad_mode = onnx_attr_str(n, "auto_pad", "NOTSET");
    for (int d = 0; d < 2; d++) {
        int64_t in = x->dims[2 + d], s = strides[d], k = (w->dims[2 + d] - 1) * dil[d] + 1;
        if (!strcmp(pad_mode, "VALID")) {
            pads[d] = pads[d + 2] = 0;
        } else if (!strcmp(pad_mode, "SAME_UPPER") || !strcmp(pad_mode, "SAME_LOWER")) {
            int64_t outd = (in + s - 1) / s, total = (outd - 1) * s + k - in;
            total = total > 0 ? total : 0;
            int64_t small = total / 2, big = total - small;
            pads[d] = !strcmp(pad_mode, "SAME_UPPER") ? small : big;
            pads[d + 2] = total - pads[d];
        } else if (strcmp(pad_mode, "NOTSET") != 0) {
            return onnx_node_fail(im, n, "unknown auto_pad");
        }
    }
    *l = (pim_layer){.kind = PIM_OP_CONV,
                     .in_c = (uint32_t)x->dims[1],
                     .in_h = (uint32_t)x->dims[2],
                     .in_w = (uint32_t)x->dims[3],
                     .out_c = (uint32_t)w->dims[0],
                     .kh = (uint32_t)w->dims[2],
                     .kw = (uint32_t)w->dims[3],
                     .stride_h = (uint32_t)strides[0],
                     .stride_w = (uint32_t)strides[1],
                     .pad_h = (uint32_t)pads[0],
                     .pad_w = (uint32_t)pads[1],
                     .pad_h_end = (uint32_t)pads[2],
                     .pad_w_end = (uint32_t)pads[3],
                     .end_pads = 1,
                     .dil_h = (uint32_t)dil[0],
                     .dil_w = (uint32_t)dil[1],
                     .groups = (uint32_t)group,
                     .images = (uint32_t)x->dims[0]};
    for (int i = 0; i < 4; i++)
        if (x->dims[i] > (1 << 24) || w->dims[i] > (1 << 24))
            return onnx_node_fail(im, n, "dimension too large");
    pim_error inner;
    if (pim_conv_finish(l, &inner))
        return onnx_node_fail(im, n, "%s", inner.msg);
    return PIM_OK;
}

static pim_status rule_conv(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 2);
    if (st)
        return st;
    if (n->in[1]->dynamic)
        return onnx_node_fail(im, n,
                              "convolution weights computed from activations are not "
                              "supported");
    pim_layer l;
    if ((st = conv_dims(im, n, &l)))
        return st;
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    out->known = 1;
    out->rank = 4;
    out->dims[0] = n->in[0]->dims[0];
    out->dims[1] = l.out_c;
    out->dims[2] = l.out_h;
    out->dims[3] = l.out_w;
    return n->in[0]->dynamic ? onnx_emit(im, n, &l, out) : PIM_OK;
}

/* A product of `vectors` rows of length k with `groups` weights of k x n,
 * or of two activations. `weight_dynamic` says the weight side is dynamic. */
static pim_status emit_product(onnx_importer *im, const onnx_node *n, onnx_tensor *out, int a_dyn,
                               int b_dyn, uint64_t groups, uint64_t vectors, uint64_t k,
                               uint64_t cols)
{
    if (!a_dyn && !b_dyn)
        return PIM_OK; /* weights times weights: a constant */
    pim_layer l = {.k = k, .n = cols};
    if (a_dyn && b_dyn) {
        l.kind = PIM_OP_DYN_MATMUL;
        l.heads = groups;
        l.m = vectors;
    } else {
        l.kind = PIM_OP_GEMM;
        l.heads = groups;
        l.m = vectors;
    }
    if (!l.m || !l.k || !l.n || !l.heads)
        return carry(im, n, out); /* an empty product does no work */
    return onnx_emit(im, n, &l, out);
}

static pim_status rule_gemm(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 2);
    if (st)
        return st;
    const onnx_tensor *a = n->in[0], *b = n->in[1];
    if (a->rank != 2 || b->rank != 2)
        return onnx_node_fail(im, n, "Gemm needs 2-D operands");
    int ta = onnx_attr_int(n, "transA", 0) != 0, tb = onnx_attr_int(n, "transB", 0) != 0;
    int64_t m = a->dims[ta ? 1 : 0], k = a->dims[ta ? 0 : 1];
    int64_t kb = b->dims[tb ? 1 : 0], cols = b->dims[tb ? 0 : 1];
    if (k != kb)
        return onnx_node_fail(im, n, "inner dimensions differ (%lld, %lld)", (long long)k,
                              (long long)kb);
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    out->known = 1;
    out->rank = 2;
    out->dims[0] = m;
    out->dims[1] = cols;
    if (!a->dynamic && b->dynamic) /* the weight is on the left: (W x)^T = x^T W^T */
        return emit_product(im, n, out, 1, 0, 1, (uint64_t)cols, (uint64_t)k, (uint64_t)m);
    return emit_product(im, n, out, a->dynamic, b->dynamic, 1, (uint64_t)m, (uint64_t)k,
                        (uint64_t)cols);
}

static int64_t batch_size(const onnx_tensor *t, int upto)
{
    int64_t s = 1;
    for (int i = 0; i < upto; i++)
        s *= t->dims[i];
    return s;
}

static pim_status rule_matmul(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 2);
    if (st)
        return st;
    onnx_tensor a = *n->in[0], b = *n->in[1];
    a.values = b.values = NULL;
    if (a.rank < 1 || b.rank < 1)
        return onnx_node_fail(im, n, "MatMul operands must have rank >= 1");
    int a_vec = a.rank == 1, b_vec = b.rank == 1;
    if (a_vec) { /* [K] -> [1, K] */
        a.dims[1] = a.dims[0];
        a.dims[0] = 1;
        a.rank = 2;
    }
    if (b_vec) { /* [K] -> [K, 1] */
        b.dims[1] = 1;
        b.rank = 2;
    }
    int64_t m = a.dims[a.rank - 2], k = a.dims[a.rank - 1];
    int64_t kb = b.dims[b.rank - 2], cols = b.dims[b.rank - 1];
    if (k != kb)
        return onnx_node_fail(im, n, "inner dimensions differ (%lld, %lld)", (long long)k,
                              (long long)kb);
    onnx_tensor ab = a, bb = b, out_batch;
    ab.rank -= 2;
    bb.rank -= 2;
    const onnx_tensor *pair[2] = {&ab, &bb};
    if (!broadcast(pair, 2, &out_batch))
        return onnx_node_fail(im, n, "batch dimensions do not broadcast");
    if (out_batch.rank + 2 > ONNX_MAX_RANK)
        return onnx_node_fail(im, n, "rank too large");
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    *out = (onnx_tensor){.name = out->name, .known = 1, .rank = out_batch.rank};
    memcpy(out->dims, out_batch.dims, sizeof out->dims);
    if (!a_vec)
        out->dims[out->rank++] = m;
    if (!b_vec)
        out->dims[out->rank++] = cols;
    int64_t all = batch_size(&out_batch, out_batch.rank);
    if (a.dynamic && !b.dynamic) { /* weight on the right: each B slice a weight */
        int64_t g = batch_size(&bb, bb.rank);
        return emit_product(im, n, out, 1, 0, (uint64_t)g, (uint64_t)(g ? all / g * m : 0),
                            (uint64_t)k, (uint64_t)cols);
    }
    if (!a.dynamic && b.dynamic) { /* weight on the left: (A B)^T = B^T A^T */
        int64_t g = batch_size(&ab, ab.rank);
        return emit_product(im, n, out, 1, 0, (uint64_t)g, (uint64_t)(g ? all / g * cols : 0),
                            (uint64_t)k, (uint64_t)m);
    }
    return emit_product(im, n, out, a.dynamic, b.dynamic, (uint64_t)all, (uint64_t)m, (uint64_t)k,
                        (uint64_t)cols);
}

/* ---- elementwise and normalisation ------------------------------------ */

static pim_status rule_unary(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 1);
    if (st)
        return st;
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    copy_shape(out, n->in[0]);
    const char *op = n->node->op_type;
    if (!strcmp(op, "Softmax") || !strcmp(op, "LogSoftmax"))
        return vector_op(im, n, out, "softmax");
    if (!strcmp(op, "BatchNormalization"))
        return vector_op(im, n, out, "batchnorm");
    if (!strcmp(op, "LayerNormalization")) {
        for (uint32_t i = 1; i < n->node->n_output; i++) { /* optional Mean, InvStdDev */
            onnx_tensor *extra = output(im, n, i);
            if (extra)
                copy_shape(extra, n->in[0]);
        }
        return vector_op(im, n, out, "layernorm");
    }
    if (!strcmp(op, "Not") || !strcmp(op, "Neg") || !strcmp(op, "Abs")) {
        if (!any_dynamic(n) && !eval_elementwise(n, out))
            return oom(im);
    }
    char name[24];
    pim_strlcpy(name, op, sizeof name);
    for (char *c = name; *c; c++)
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    return vector_op(im, n, out, name);
}

static pim_status rule_elementwise(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 2);
    if (st)
        return st;
    if (!strcmp(n->node->op_type, "Where") && (st = need_inputs(im, n, 3)))
        return st;
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    const onnx_tensor *ins[16];
    for (uint32_t i = 0; i < n->nin; i++)
        ins[i] = n->in[i] ? n->in[i] : n->in[0];
    if (!broadcast(ins, n->nin, out))
        return onnx_node_fail(im, n, "input shapes do not broadcast");
    if (!any_dynamic(n))
        return eval_elementwise(n, out) ? PIM_OK : oom(im);
    char name[24];
    pim_strlcpy(name, n->node->op_type, sizeof name);
    for (char *c = name; *c; c++)
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
    return vector_op(im, n, out, name);
}

/* MaxPool, AveragePool, LpPool: kernel over the spatial dimensions. */
static pim_status rule_pool(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    if (x->rank != 4)
        return onnx_node_fail(im, n, "only 2-D pooling is supported");
    int64_t kernel[2], strides[2] = {1, 1}, dil[2] = {1, 1}, pads[4] = {0, 0, 0, 0};
    if (onnx_attr_ints(n, "kernel_shape", kernel, 2) != 2)
        return onnx_node_fail(im, n, "kernel_shape must have 2 values");
    onnx_attr_ints(n, "strides", strides, 2);
    onnx_attr_ints(n, "dilations", dil, 2);
    onnx_attr_ints(n, "pads", pads, 4);
    int ceil_mode = onnx_attr_int(n, "ceil_mode", 0) != 0;
    const char *pad_mode = onnx_attr_str(n, "auto_pad", "NOTSET");
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    copy_shape(out, x);
    for (int d = 0; d < 2; d++) {
        int64_t in = x->dims[2 + d], s = strides[d], k = (kernel[d] - 1) * dil[d] + 1;
        if (kernel[d] < 1 || s < 1 || dil[d] < 1 || pads[d] < 0 || pads[d + 2] < 0)
            return onnx_node_fail(im, n, "bad kernel, strides, dilations or pads");
        int64_t span = in + pads[d] + pads[d + 2] - k, o;
        if (!strcmp(pad_mode, "SAME_UPPER") || !strcmp(pad_mode, "SAME_LOWER"))
            o = (in + s - 1) / s;
        else if (!strcmp(pad_mode, "VALID"))
            o = (in - k) / s + 1;
        else
            o = span < 0 ? 0 : (ceil_mode ? (span + s - 1) / s : span / s) + 1;
        if (o < 1)
            return onnx_node_fail(im, n, "pooling window larger than the input");
        out->dims[2 + d] = o;
    }
    return vector_op(im, n, out, !strcmp(n->node->op_type, "MaxPool") ? "maxpool" : "avgpool");
}

static pim_status rule_global_pool(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 1);
    if (st)
        return st;
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    copy_shape(out, n->in[0]);
    for (int d = 2; d < out->rank; d++)
        out->dims[d] = 1;
    /* the work is over the input: every element is read and summed */
    if (!any_dynamic(n))
        return PIM_OK;
    pim_layer l = {.kind = PIM_OP_VECTOR, .vec_elems = (uint64_t)onnx_numel(n->in[0])};
    pim_strlcpy(l.vop, "global_pool", sizeof l.vop);
    return l.vec_elems ? onnx_emit(im, n, &l, out) : carry(im, n, out);
}

static pim_status rule_reduce(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t axes[ONNX_MAX_RANK];
    int na = onnx_attr_ints(n, "axes", axes, ONNX_MAX_RANK);
    if (na < 0 && n->nin > 1 && n->in[1] && n->in[1]->has_values) { /* ReduceSum-13 */
        na = (int)onnx_numel(n->in[1]);
        for (int i = 0; i < na && i < ONNX_MAX_RANK; i++)
            axes[i] = n->in[1]->values[i];
    }
    int keep = onnx_attr_int(n, "keepdims", 1) != 0;
    int reduce[ONNX_MAX_RANK] = {0};
    for (int i = 0; i < x->rank; i++)
        reduce[i] = na <= 0;
    for (int i = 0; i < na && i < ONNX_MAX_RANK; i++) {
        int64_t a = norm_axis(axes[i], x->rank);
        if (a < 0 || a >= x->rank)
            return onnx_node_fail(im, n, "axis %lld out of range", (long long)axes[i]);
        reduce[a] = 1;
    }
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    out->known = 1;
    out->rank = 0;
    for (int i = 0; i < x->rank; i++)
        if (!reduce[i])
            out->dims[out->rank++] = x->dims[i];
        else if (keep)
            out->dims[out->rank++] = 1;
    if (!any_dynamic(n))
        return PIM_OK;
    pim_layer l = {.kind = PIM_OP_VECTOR, .vec_elems = (uint64_t)onnx_numel(x)};
    pim_strlcpy(l.vop, "reduce", sizeof l.vop);
    return l.vec_elems ? onnx_emit(im, n, &l, out) : carry(im, n, out);
}

/* ---- data movement and shape arithmetic ------------------------------- */

static pim_status pass_through(onnx_importer *im, const onnx_node *n, onnx_tensor *out,
                               const onnx_tensor *src)
{
    if (src->has_values && onnx_numel(src) == onnx_numel(out) &&
        !onnx_set_values(out, src->values, onnx_numel(src)))
        return oom(im);
    return carry(im, n, out);
}

static pim_status rule_identity(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 1);
    if (st)
        return st;
    for (uint32_t i = 0; i < n->node->n_output; i++) { /* Dropout's mask too */
        onnx_tensor *out = output(im, n, i);
        if (!out) {
            if (*n->node->output[i])
                return im->err->status;
            continue;
        }
        copy_shape(out, n->in[0]);
        if ((st = pass_through(im, n, out, n->in[0])))
            return st;
    }
    return PIM_OK;
}

static pim_status rule_flatten(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t axis = norm_axis(onnx_attr_int(n, "axis", 1), x->rank);
    if (axis < 0 || axis > x->rank)
        return onnx_node_fail(im, n, "axis out of range");
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    out->known = 1;
    out->rank = 2;
    out->dims[0] = batch_size(x, (int)axis);
    out->dims[1] = axis ? onnx_numel(x) / (out->dims[0] ? out->dims[0] : 1) : onnx_numel(x);
    return pass_through(im, n, out, x);
}

static pim_status values_of(onnx_importer *im, const onnx_node *n, uint32_t i, const char *what)
{
    if (i >= n->nin || !n->in[i] || !n->in[i]->has_values)
        return onnx_node_fail(im, n, "%s must be computable at import (a constant)", what);
    return PIM_OK;
}

static pim_status rule_reshape(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 2);
    if (st || (st = values_of(im, n, 1, "the target shape")))
        return st;
    const onnx_tensor *x = n->in[0], *shape = n->in[1];
    int64_t rank = onnx_numel(shape), known = 1, infer = -1;
    if (rank > ONNX_MAX_RANK)
        return onnx_node_fail(im, n, "target rank %lld too large", (long long)rank);
    int allowzero = onnx_attr_int(n, "allowzero", 0) != 0;
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    out->known = 1;
    out->rank = (int)rank;
    for (int i = 0; i < rank; i++) {
        int64_t v = shape->values[i];
        if (v == 0 && !allowzero) {
            if (i >= x->rank)
                return onnx_node_fail(im, n, "0 copies a dimension the input lacks");
            v = x->dims[i];
        }
        if (v == -1) {
            if (infer >= 0)
                return onnx_node_fail(im, n, "two -1 dimensions");
            infer = i;
            continue;
        }
        if (v < 0)
            return onnx_node_fail(im, n, "negative dimension %lld", (long long)v);
        out->dims[i] = v;
        known *= v;
    }
    if (infer >= 0)
        out->dims[infer] = known ? onnx_numel(x) / known : 0;
    if (onnx_numel(out) != onnx_numel(x))
        return onnx_node_fail(im, n, "cannot reshape %lld elements into %lld",
                              (long long)onnx_numel(x), (long long)onnx_numel(out));
    return pass_through(im, n, out, x);
}

static pim_status rule_transpose(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t perm[ONNX_MAX_RANK];
    int np = onnx_attr_ints(n, "perm", perm, ONNX_MAX_RANK);
    if (np < 0)
        for (int i = 0; i < x->rank; i++)
            perm[i] = x->rank - 1 - i;
    else if (np != x->rank)
        return onnx_node_fail(im, n, "perm has %d entries for rank %d", np, x->rank);
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    out->known = 1;
    out->rank = x->rank;
    int seen[ONNX_MAX_RANK] = {0};
    for (int i = 0; i < x->rank; i++) {
        if (perm[i] < 0 || perm[i] >= x->rank || seen[perm[i]]++)
            return onnx_node_fail(im, n, "perm is not a permutation");
        out->dims[i] = x->dims[perm[i]];
    }
    if (x->rank <= 1)
        return pass_through(im, n, out, x);
    return carry(im, n, out); /* values of transposed constants are not needed */
}

/* Axes for Squeeze/Unsqueeze: an attribute up to opset 12, an input after. */
static int squeeze_axes(const onnx_node *n, int64_t *axes)
{
    int na = onnx_attr_ints(n, "axes", axes, ONNX_MAX_RANK);
    if (na >= 0 || n->nin < 2 || !n->in[1] || !n->in[1]->has_values)
        return na;
    na = (int)onnx_numel(n->in[1]);
    for (int i = 0; i < na && i < ONNX_MAX_RANK; i++)
        axes[i] = n->in[1]->values[i];
    return na;
}

static pim_status rule_squeeze(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t axes[ONNX_MAX_RANK];
    int na = squeeze_axes(n, axes), drop[ONNX_MAX_RANK] = {0};
    if (na > ONNX_MAX_RANK)
        return onnx_node_fail(im, n, "too many axes");
    for (int i = 0; i < na; i++) {
        int64_t a = norm_axis(axes[i], x->rank);
        if (a < 0 || a >= x->rank || x->dims[a] != 1)
            return onnx_node_fail(im, n, "cannot squeeze axis %lld", (long long)axes[i]);
        drop[a] = 1;
    }
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    out->known = 1;
    out->rank = 0;
    for (int i = 0; i < x->rank; i++)
        if (!(na < 0 ? x->dims[i] == 1 : drop[i]))
            out->dims[out->rank++] = x->dims[i];
    return pass_through(im, n, out, x);
}

static pim_status rule_unsqueeze(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t axes[ONNX_MAX_RANK];
    int na = squeeze_axes(n, axes), rank = x->rank + (na > 0 ? na : 0);
    if (na < 0 || rank > ONNX_MAX_RANK)
        return onnx_node_fail(im, n, "needs axes (and a result of rank <= %d)", ONNX_MAX_RANK);
    int add[ONNX_MAX_RANK] = {0};
    for (int i = 0; i < na; i++) {
        int64_t a = norm_axis(axes[i], rank);
        if (a < 0 || a >= rank || add[a]++)
            return onnx_node_fail(im, n, "bad axis %lld", (long long)axes[i]);
    }
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    out->known = 1;
    out->rank = rank;
    for (int i = 0, k = 0; i < rank; i++)
        out->dims[i] = add[i] ? 1 : x->dims[k++];
    return pass_through(im, n, out, x);
}

static pim_status rule_concat(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t axis = norm_axis(onnx_attr_int(n, "axis", 0), x->rank);
    if (axis < 0 || axis >= x->rank)
        return onnx_node_fail(im, n, "axis out of range");
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    copy_shape(out, x);
    out->dims[axis] = 0;
    int all_values = 1;
    for (uint32_t i = 0; i < n->nin; i++) {
        const onnx_tensor *t = n->in[i];
        if (!t || t->rank != x->rank)
            return onnx_node_fail(im, n, "inputs differ in rank");
        for (int d = 0; d < x->rank; d++)
            if (d != axis && t->dims[d] != x->dims[d])
                return onnx_node_fail(im, n, "inputs differ off the concat axis");
        out->dims[axis] += t->dims[axis];
        all_values &= t->has_values;
    }
    if (all_values && x->rank == 1 && onnx_numel(out) <= ONNX_MAX_VALUES) {
        int64_t v[ONNX_MAX_VALUES], k = 0;
        for (uint32_t i = 0; i < n->nin; i++)
            for (int64_t j = 0; j < onnx_numel(n->in[i]); j++)
                v[k++] = n->in[i]->values[j];
        if (!onnx_set_values(out, v, k))
            return oom(im);
    }
    return carry(im, n, out);
}

static pim_status rule_split(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t axis = norm_axis(onnx_attr_int(n, "axis", 0), x->rank);
    if (axis < 0 || axis >= x->rank)
        return onnx_node_fail(im, n, "axis out of range");
    int64_t parts[64];
    size_t nout = n->node->n_output;
    int ns = onnx_attr_ints(n, "split", parts, 64);
    if (ns < 0 && n->nin > 1 && n->in[1]) {
        if ((st = values_of(im, n, 1, "split")))
            return st;
        ns = (int)onnx_numel(n->in[1]);
        for (int i = 0; i < ns && i < 64; i++)
            parts[i] = n->in[1]->values[i];
    }
    if (nout > 64 || (ns >= 0 && (size_t)ns != nout))
        return onnx_node_fail(im, n, "split sizes do not match the outputs");
    int64_t total = 0;
    for (size_t i = 0; i < nout; i++) {
        if (ns < 0) /* equal parts, the last one smaller */
            parts[i] = (x->dims[axis] + (int64_t)nout - 1) / (int64_t)nout;
        if (ns < 0 && i == nout - 1)
            parts[i] = x->dims[axis] - total;
        if (parts[i] < 0)
            return onnx_node_fail(im, n, "negative split");
        total += parts[i];
    }
    if (total != x->dims[axis])
        return onnx_node_fail(im, n, "split sizes add up to %lld, not %lld", (long long)total,
                              (long long)x->dims[axis]);
    for (size_t i = 0; i < nout; i++) {
        onnx_tensor *out = output(im, n, (uint32_t)i);
        if (!out) {
            if (*n->node->output[i])
                return im->err->status;
            continue;
        }
        copy_shape(out, x);
        out->dims[axis] = parts[i];
        if ((st = carry(im, n, out)))
            return st;
    }
    return PIM_OK;
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static pim_status rule_slice(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 3);
    if (st || (st = values_of(im, n, 1, "starts")) || (st = values_of(im, n, 2, "ends")))
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t count = onnx_numel(n->in[1]);
    if (count != onnx_numel(n->in[2]) || count > x->rank)
        return onnx_node_fail(im, n, "starts and ends must match, one per axis");
    if ((n->nin > 3 && n->in[3] && (st = values_of(im, n, 3, "axes"))) ||
        (n->nin > 4 && n->in[4] && (st = values_of(im, n, 4, "steps"))))
        return st;
    int64_t start[ONNX_MAX_RANK], step[ONNX_MAX_RANK];
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    copy_shape(out, x);
    for (int d = 0; d < x->rank; d++) {
        start[d] = 0;
        step[d] = 1;
    }
    for (int64_t i = 0; i < count; i++) {
        int64_t axis = n->nin > 3 && n->in[3] ? n->in[3]->values[i] : i;
        int64_t s = n->nin > 4 && n->in[4] ? n->in[4]->values[i] : 1;
        axis = norm_axis(axis, x->rank);
        if (axis < 0 || axis >= x->rank || s == 0)
            return onnx_node_fail(im, n, "bad axis or zero step");
        int64_t dim = x->dims[axis], b = n->in[1]->values[i], e = n->in[2]->values[i];
        b = b < 0 ? b + dim : b;
        e = e < 0 ? e + dim : e;
        b = s > 0 ? clamp(b, 0, dim) : clamp(b, 0, dim - 1);
        e = s > 0 ? clamp(e, 0, dim) : clamp(e, -1, dim - 1);
        int64_t len = s > 0 ? (e - b + s - 1) / s : (b - e - s - 1) / -s;
        out->dims[axis] = len > 0 ? len : 0;
        start[axis] = b;
        step[axis] = s;
    }
    if (x->has_values && x->rank == 1 && onnx_numel(out) <= ONNX_MAX_VALUES) {
        int64_t v[ONNX_MAX_VALUES];
        for (int64_t i = 0; i < out->dims[0]; i++)
            v[i] = x->values[start[0] + i * step[0]];
        if (!onnx_set_values(out, v, out->dims[0]))
            return oom(im);
    }
    return carry(im, n, out);
}

static pim_status rule_pad(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t pads[2 * ONNX_MAX_RANK];
    int np = onnx_attr_ints(n, "pads", pads, 2 * ONNX_MAX_RANK); /* opset < 11 */
    if (np < 0) {
        if ((st = values_of(im, n, 1, "pads")))
            return st;
        np = (int)onnx_numel(n->in[1]);
        for (int i = 0; i < np && i < 2 * ONNX_MAX_RANK; i++)
            pads[i] = n->in[1]->values[i];
    }
    if (np != 2 * x->rank)
        return onnx_node_fail(im, n, "pads must have two values per axis");
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    copy_shape(out, x);
    for (int d = 0; d < x->rank; d++) {
        out->dims[d] += pads[d] + pads[d + x->rank];
        if (out->dims[d] < 0)
            return onnx_node_fail(im, n, "padding removes more than the axis holds");
    }
    return carry(im, n, out);
}

static pim_status rule_expand(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 2);
    if (st || (st = values_of(im, n, 1, "the target shape")))
        return st;
    onnx_tensor target = {.known = 1, .rank = (int)onnx_numel(n->in[1])};
    if (target.rank > ONNX_MAX_RANK)
        return onnx_node_fail(im, n, "target rank too large");
    for (int i = 0; i < target.rank; i++) {
        target.dims[i] = n->in[1]->values[i];
        if (target.dims[i] < 0)
            return onnx_node_fail(im, n, "negative dimension");
    }
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    const onnx_tensor *pair[2] = {n->in[0], &target};
    if (!broadcast(pair, 2, out))
        return onnx_node_fail(im, n, "shapes do not broadcast");
    if (n->in[0]->has_values && onnx_numel(out) <= ONNX_MAX_VALUES) {
        int64_t v[ONNX_MAX_VALUES];
        for (int64_t k = 0; k < onnx_numel(out); k++)
            v[k] = n->in[0]->values[broadcast_index(n->in[0], out, k)];
        if (!onnx_set_values(out, v, onnx_numel(out)))
            return oom(im);
    }
    return carry(im, n, out);
}

static pim_status rule_shape(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t b = norm_axis(onnx_attr_int(n, "start", 0), x->rank);
    int64_t e = norm_axis(onnx_attr_int(n, "end", x->rank), x->rank);
    b = clamp(b, 0, x->rank);
    e = clamp(e, b, x->rank);
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    out->known = 1;
    out->rank = 1;
    out->dims[0] = e - b;
    /* shapes are known here: the result is a constant, not data */
    return onnx_set_values(out, x->dims + b, e - b) ? PIM_OK : oom(im);
}

static pim_status rule_gather(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 2);
    if (st)
        return st;
    const onnx_tensor *data = n->in[0], *idx = n->in[1];
    int64_t axis = norm_axis(onnx_attr_int(n, "axis", 0), data->rank);
    if (axis < 0 || axis >= data->rank || data->rank - 1 + idx->rank > ONNX_MAX_RANK)
        return onnx_node_fail(im, n, "axis out of range");
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    out->known = 1;
    out->rank = 0;
    for (int i = 0; i < axis; i++)
        out->dims[out->rank++] = data->dims[i];
    for (int i = 0; i < idx->rank; i++)
        out->dims[out->rank++] = idx->dims[i];
    for (int i = (int)axis + 1; i < data->rank; i++)
        out->dims[out->rank++] = data->dims[i];
    if (data->has_values && idx->has_values && onnx_numel(out) <= ONNX_MAX_VALUES) {
        int64_t inner = batch_size(data, data->rank) /
                        (batch_size(data, (int)axis + 1) ? batch_size(data, (int)axis + 1) : 1);
        int64_t outer = batch_size(data, (int)axis), nidx = onnx_numel(idx), k = 0;
        int64_t v[ONNX_MAX_VALUES];
        for (int64_t o = 0; o < outer; o++)
            for (int64_t j = 0; j < nidx; j++) {
                int64_t at =
                    idx->values[j] < 0 ? idx->values[j] + data->dims[axis] : idx->values[j];
                if (at < 0 || at >= data->dims[axis])
                    return onnx_node_fail(im, n, "index %lld out of range",
                                          (long long)idx->values[j]);
                for (int64_t i = 0; i < inner; i++)
                    v[k++] = data->values[(o * data->dims[axis] + at) * inner + i];
            }
        if (!onnx_set_values(out, v, k))
            return oom(im);
    }
    if (!data->dynamic && idx->dynamic) /* an embedding lookup */
        return vector_op(im, n, out, "gather");
    return carry(im, n, out);
}

static pim_status rule_constant_of_shape(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 1);
    if (st || (st = values_of(im, n, 0, "the shape")))
        return st;
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    out->known = 1;
    out->rank = (int)onnx_numel(n->in[0]);
    if (out->rank > ONNX_MAX_RANK)
        return onnx_node_fail(im, n, "rank too large");
    for (int i = 0; i < out->rank; i++) {
        out->dims[i] = n->in[0]->values[i];
        if (out->dims[i] < 0 || out->dims[i] > (1ll << 40))
            return onnx_node_fail(im, n, "bad dimension");
    }
    const Onnx__AttributeProto *a = onnx_attr(n, "value");
    int64_t fill = 0;
    if (a && a->t) {
        onnx_tensor one = {.name = "value"};
        if ((st = onnx_tensor_from_proto(im, a->t, &one)))
            return st;
        if (one.has_values && onnx_numel(&one) == 1)
            fill = one.values[0];
        free(one.values);
    }
    int64_t count = onnx_numel(out);
    if (count <= ONNX_MAX_VALUES) {
        int64_t v[ONNX_MAX_VALUES];
        for (int64_t i = 0; i < count; i++)
            v[i] = fill;
        if (!onnx_set_values(out, v, count))
            return oom(im);
    }
    return PIM_OK;
}

static pim_status rule_constant(onnx_importer *im, const onnx_node *n)
{
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return n->node->n_output ? im->err->status : onnx_node_fail(im, n, "has no output");
    const Onnx__AttributeProto *a = onnx_attr(n, "value");
    if (a && a->t)
        return onnx_tensor_from_proto(im, a->t, out);
    out->known = 1;
    if ((a = onnx_attr(n, "value_int")) && a->has_i) {
        out->rank = 0;
        return onnx_set_values(out, &a->i, 1) ? PIM_OK : oom(im);
    }
    if ((a = onnx_attr(n, "value_ints"))) {
        out->rank = 1;
        out->dims[0] = (int64_t)a->n_ints;
        return onnx_set_values(out, a->ints, (int64_t)a->n_ints) ? PIM_OK : oom(im);
    }
    if ((a = onnx_attr(n, "value_float"))) {
        out->rank = 0;
        return PIM_OK;
    }
    if ((a = onnx_attr(n, "value_floats"))) {
        out->rank = 1;
        out->dims[0] = (int64_t)a->n_floats;
        return PIM_OK;
    }
    return onnx_node_fail(im, n, "no supported value attribute");
}

static pim_status rule_range(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 3);
    if (st || (st = values_of(im, n, 0, "start")) || (st = values_of(im, n, 1, "limit")) ||
        (st = values_of(im, n, 2, "delta")))
        return st;
    int64_t start = n->in[0]->values[0], limit = n->in[1]->values[0];
    int64_t delta = n->in[2]->values[0];
    if (delta == 0)
        return onnx_node_fail(im, n, "delta is zero");
    int64_t count =
        delta > 0 ? (limit - start + delta - 1) / delta : (start - limit - delta - 1) / -delta;
    count = count > 0 ? count : 0;
    if (count > (1ll << 40))
        return onnx_node_fail(im, n, "range too long");
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    out->known = 1;
    out->rank = 1;
    out->dims[0] = count;
    if (count <= ONNX_MAX_VALUES) {
        int64_t v[ONNX_MAX_VALUES];
        for (int64_t i = 0; i < count; i++)
            v[i] = start + i * delta;
        if (!onnx_set_values(out, v, count))
            return oom(im);
    }
    return PIM_OK;
}

static pim_status rule_scatter_nd(onnx_importer *im, const onnx_node *n)
{
    pim_status st = need_inputs(im, n, 3);
    if (st)
        return st;
    const onnx_tensor *data = n->in[0], *idx = n->in[1], *upd = n->in[2];
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    copy_shape(out, data);
    if (data->has_values && idx->has_values && upd->has_values && idx->rank >= 1) {
        int64_t k = idx->dims[idx->rank - 1];
        if (k < 1 || k > data->rank)
            return onnx_node_fail(im, n, "index depth out of range");
        int64_t slice = batch_size(data, data->rank) /
                        (batch_size(data, (int)k) ? batch_size(data, (int)k) : 1);
        int64_t count = onnx_numel(idx) / k, total = onnx_numel(data);
        if (count * slice != onnx_numel(upd))
            return onnx_node_fail(im, n, "updates do not match the indices");
        int64_t v[ONNX_MAX_VALUES];
        memcpy(v, data->values, (size_t)total * sizeof *v);
        for (int64_t j = 0; j < count; j++) {
            int64_t at = 0;
            for (int64_t d = 0; d < k; d++) {
                int64_t i = idx->values[j * k + d];
                i = i < 0 ? i + data->dims[d] : i;
                if (i < 0 || i >= data->dims[d])
                    return onnx_node_fail(im, n, "index out of range");
                at = at * data->dims[d] + i;
            }
            memcpy(v + at * slice, upd->values + j * slice, (size_t)slice * sizeof *v);
        }
        if (!onnx_set_values(out, v, total))
            return oom(im);
    }
    return carry(im, n, out);
}

/* ---- dispatch --------------------------------------------------------- */

static const struct {
    const char *op;
    op_rule rule;
} RULES[] = {
    {"Conv", rule_conv},
    {"Gemm", rule_gemm},
    {"MatMul", rule_matmul},
    {"BatchNormalization", rule_unary},
    {"LayerNormalization", rule_unary},
    {"Relu", rule_unary},
    {"Clip", rule_unary},
    {"Sigmoid", rule_unary},
    {"HardSigmoid", rule_unary},
    {"HardSwish", rule_unary},
    {"Gelu", rule_unary},
    {"Erf", rule_unary},
    {"Tanh", rule_unary},
    {"Softmax", rule_unary},
    {"LogSoftmax", rule_unary},
    {"Sqrt", rule_unary},
    {"Not", rule_unary},
    {"Neg", rule_unary},
    {"Abs", rule_unary},
    {"Exp", rule_unary},
    {"LeakyRelu", rule_unary},
    {"Add", rule_elementwise},
    {"Sub", rule_elementwise},
    {"Mul", rule_elementwise},
    {"Div", rule_elementwise},
    {"Pow", rule_elementwise},
    {"Mod", rule_elementwise},
    {"Equal", rule_elementwise},
    {"Less", rule_elementwise},
    {"Greater", rule_elementwise},
    {"And", rule_elementwise},
    {"Or", rule_elementwise},
    {"Max", rule_elementwise},
    {"Min", rule_elementwise},
    {"Sum", rule_elementwise},
    {"Where", rule_elementwise},
    {"MaxPool", rule_pool},
    {"AveragePool", rule_pool},
    {"GlobalAveragePool", rule_global_pool},
    {"GlobalMaxPool", rule_global_pool},
    {"ReduceMean", rule_reduce},
    {"ReduceSum", rule_reduce},
    {"ReduceMax", rule_reduce},
    {"Flatten", rule_flatten},
    {"Reshape", rule_reshape},
    {"Transpose", rule_transpose},
    {"Squeeze", rule_squeeze},
    {"Unsqueeze", rule_unsqueeze},
    {"Concat", rule_concat},
    {"Split", rule_split},
    {"Slice", rule_slice},
    {"Pad", rule_pad},
    {"Expand", rule_expand},
    {"Identity", rule_identity},
    {"Dropout", rule_identity},
    {"Cast", rule_identity},
    {"Shape", rule_shape},
    {"Gather", rule_gather},
    {"ConstantOfShape", rule_constant_of_shape},
    {"Constant", rule_constant},
    {"Range", rule_range},
    {"ScatterND", rule_scatter_nd},
};

/* An operator we do not know is accepted only when it is elementwise and
 * shape-preserving on its face: one output, every input shaped like the
 * first. It becomes a vector operation named after it, and is reported. */
static pim_status rule_unknown(onnx_importer *im, const onnx_node *n)
{
    int same = n->nin >= 1 && n->in[0] && n->node->n_output == 1;
    for (uint32_t i = 1; same && i < n->nin; i++) {
        const onnx_tensor *t = n->in[i];
        same = t && t->rank == n->in[0]->rank &&
               !memcmp(t->dims, n->in[0]->dims, sizeof(int64_t) * (size_t)t->rank);
    }
    if (!same)
        return onnx_node_fail(im, n, "unsupported operator");
    pim_model_note(im->model, n->node->op_type);
    onnx_tensor *out = output(im, n, 0);
    if (!out)
        return im->err->status;
    copy_shape(out, n->in[0]);
    return vector_op(im, n, out, n->node->op_type);
}

pim_status onnx_apply(onnx_importer *im, const onnx_node *n)
{
    for (size_t i = 0; i < sizeof RULES / sizeof RULES[0]; i++)
        if (!strcmp(RULES[i].op, n->node->op_type))
            return RULES[i].rule(im, n);
    return rule_unknown(im, n);
}

int onnx_activation_slot(const char *op, uint32_t input)
{
    static const char *const first[] = {"Conv",
                                        "Gemm",
                                        "BatchNormalization",
                                        "LayerNormalization",
                                        "MaxPool",
                                        "AveragePool",
                                        "GlobalAveragePool",
                                        "GlobalMaxPool",
                                        "Relu",
                                        "Clip",
                                        "Sigmoid",
                                        "HardSigmoid",
                                        "HardSwish",
                                        "Gelu",
                                        "Erf",
                                        "Tanh",
                                        "Softmax",
                                        "LogSoftmax",
                                        "ReduceMean",
                                        "LeakyRelu"};
    if (!strcmp(op, "Gather"))
        return input == 1; /* indices select from a table */
    if (input != 0)
        return 0;
    for (size_t i = 0; i < sizeof first / sizeof first[0]; i++)
        if (!strcmp(op, first[i]))
            return 1;
    return 0;
}

int onnx_is_passthrough(const char *op)
{
    static const char *const ops[] = {"Identity",  "Reshape", "Transpose", "Flatten", "Squeeze",
                                      "Unsqueeze", "Cast",    "Dropout",   "Pad"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (!strcmp(op, ops[i]))
            return 1;
    return 0;
}
