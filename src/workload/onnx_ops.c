/* pimstream workload: ONNX operators that compute (opsets 11 to 21).
 *
 * Each rule infers its outputs' shapes (exported files carry no
 * intermediate shapes) and emits a pimstream layer for real work:
 * convolutions (1-D, 2-D, 3-D, transposed) and matrix products with
 * stationary weights, dynamic matmuls, and vector operations. MACs and
 * weights follow PyTorch's counting: a conv's weights times its output
 * pixels, a transposed conv's weights times its input pixels (every input
 * pixel scatters the whole kernel), a matmul's or einsum's batch x m x k x n.
 * Data movement and shape arithmetic live in onnx_shape.c. */
#include "onnx_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers shared with onnx_shape.c ----------------------------------- */

onnx_tensor *onnx_output(onnx_importer *im, const onnx_node *n, uint32_t i)
{
    if (i >= n->node->n_output || !*n->node->output[i])
        return NULL;
    return onnx_define(im, n->node->output[i]);
}

pim_status onnx_need_inputs(onnx_importer *im, const onnx_node *n, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        if (i >= n->nin || !n->in[i])
            return onnx_node_fail(im, n, "needs at least %u inputs", count);
    if (!n->node->n_output || !*n->node->output[0])
        return onnx_node_fail(im, n, "has no output");
    return PIM_OK;
}

int onnx_any_dynamic(const onnx_node *n)
{
    for (uint32_t i = 0; i < n->nin; i++)
        if (n->in[i] && n->in[i]->dynamic)
            return 1;
    return 0;
}

pim_status onnx_carry(onnx_importer *im, const onnx_node *n, onnx_tensor *out)
{
    out->dynamic = onnx_any_dynamic(n);
    for (uint32_t i = 0; i < n->nin; i++)
        if (n->in[i] && n->in[i]->dynamic) {
            pim_status st = onnx_merge_producers(im, n, out, n->in[i]);
            if (st)
                return st;
        }
    return PIM_OK;
}

int64_t onnx_axis(int64_t axis, int rank)
{
    axis = axis < 0 ? axis + rank : axis;
    return axis >= 0 && axis < rank ? axis : -1;
}

int64_t onnx_dims_product(const onnx_tensor *t, int from, int to)
{
    int64_t p = 1;
    for (int i = from; i < to; i++)
        if (!onnx_mul(p, t->dims[i], &p) || p > ONNX_MAX_ELEMS)
            return -1;
    return p;
}

pim_status onnx_vector_op(onnx_importer *im, const onnx_node *n, onnx_tensor *out, const char *op,
                          int64_t elems)
{
    pim_status st = onnx_carry(im, n, out);
    if (st || !onnx_any_dynamic(n) || elems == 0)
        return st; /* weights only: folded at export time in practice */
    pim_layer l = {.kind = PIM_OP_VECTOR, .vec_elems = (uint64_t)elems};
    int64_t written = out ? onnx_numel(out) : 0;
    l.vec_out = written > 0 ? (uint64_t)written : 0;
    pim_strlcpy(l.vop, op, sizeof l.vop);
    return onnx_emit(im, n, &l, out);
}

static void lower_name(const char *op, char *buf, size_t cap)
{
    pim_strlcpy(buf, op, cap);
    for (char *c = buf; *c; c++)
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
}

/* Output i shaped like input `like`. */
static pim_status output_like(onnx_importer *im, const onnx_node *n, uint32_t i,
                              const onnx_tensor *like, onnx_tensor **out)
{
    *out = onnx_output(im, n, i);
    if (!*out)
        return i < n->node->n_output && *n->node->output[i] ? im->err->status : PIM_OK;
    pim_status st = onnx_set_shape(im, *out, like->rank, like->dims);
    (*out)->type = like->type;
    return st;
}

/* ---- convolutions ----------------------------------------------------- */

/* Per spatial axis (up to 3, ONNX order d, h, w for 3-D). */
typedef struct {
    int spatial;
    int64_t in[3], k[3], stride[3], dil[3], pad[3], pad_end[3], out_pad[3];
} conv_geom;

/* Read strides, dilations, pads and auto_pad for `spatial` axes. */
static pim_status conv_attrs(onnx_importer *im, const onnx_node *n, conv_geom *g)
{
    int64_t *v;
    static const char *const names[] = {"strides", "dilations", "output_padding"};
    int64_t *slots[] = {g->stride, g->dil, g->out_pad};
    for (int a = 0; a < 3; a++) {
        int c = onnx_attr_ints(im, n, names[a], &v);
        if (c >= 0 && c != g->spatial)
            return onnx_node_fail(im, n, "%s needs %d values", names[a], g->spatial);
        for (int d = 0; d < g->spatial; d++)
            slots[a][d] = c >= 0 ? v[d] : (a < 2 ? 1 : 0);
    }
    int c = onnx_attr_ints(im, n, "pads", &v);
    if (c >= 0 && c != 2 * g->spatial)
        return onnx_node_fail(im, n, "pads needs %d values", 2 * g->spatial);
    for (int d = 0; d < g->spatial; d++) {
        g->pad[d] = c >= 0 ? v[d] : 0;
        g->pad_end[d] = c >= 0 ? v[d + g->spatial] : 0;
        if (g->stride[d] < 1 || g->dil[d] < 1 || g->stride[d] > (1 << 24) ||
            g->dil[d] > (1 << 24) || g->pad[d] < 0 || g->pad_end[d] < 0 || g->pad[d] > (1 << 24) ||
            g->pad_end[d] > (1 << 24) || g->out_pad[d] < 0 || g->out_pad[d] > (1 << 24) ||
            g->k[d] < 1 || g->k[d] > (1 << 24) || g->in[d] > (1 << 24))
            return onnx_node_fail(im, n, "bad kernel, strides, dilations or pads");
    }
    return PIM_OK;
}

/* auto_pad: SAME_UPPER / SAME_LOWER put the odd padding at the end / the
 * start; for a transposed conv, SAME means output = input x stride. */
static pim_status auto_pad(onnx_importer *im, const onnx_node *n, conv_geom *g, int transposed)
{
    const char *mode = onnx_attr_str(im, n, "auto_pad", "NOTSET");
    if (!strcmp(mode, "NOTSET"))
        return PIM_OK;
    int upper = !strcmp(mode, "SAME_UPPER"), same = upper || !strcmp(mode, "SAME_LOWER");
    if (!same && strcmp(mode, "VALID"))
        return onnx_node_fail(im, n, "unknown auto_pad '%s'", mode);
    for (int d = 0; d < g->spatial; d++) {
        int64_t span = (g->k[d] - 1) * g->dil[d] + 1, total = 0;
        if (same && transposed)
            total = g->stride[d] * (g->in[d] - 1) + g->out_pad[d] + span - g->in[d] * g->stride[d];
        else if (same)
            total =
                ((g->in[d] + g->stride[d] - 1) / g->stride[d] - 1) * g->stride[d] + span - g->in[d];
        total = total > 0 ? total : 0;
        /* ONNX: SAME_UPPER puts the extra padding at the end (for ConvTranspose too) */
        g->pad[d] = upper ? total / 2 : total - total / 2;
        g->pad_end[d] = total - g->pad[d];
    }
    return PIM_OK;
}

/* Copy the geometry into a pimstream conv: 1-D convs are 2-D with a height
 * of 1, 3-D convs use the depth axis. */
static void geom_to_layer(const conv_geom *g, pim_layer *l)
{
    uint32_t *in[3] = {&l->in_d, &l->in_h, &l->in_w}, *k[3] = {&l->kd, &l->kh, &l->kw};
    uint32_t *s[3] = {&l->stride_d, &l->stride_h, &l->stride_w};
    uint32_t *dl[3] = {&l->dil_d, &l->dil_h, &l->dil_w}, *p[3] = {&l->pad_d, &l->pad_h, &l->pad_w};
    uint32_t *pe[3] = {&l->pad_d_end, &l->pad_h_end, &l->pad_w_end};
    uint32_t *op[3] = {&l->out_pad_d, &l->out_pad_h, &l->out_pad_w};
    for (int a = 1; a < 3; a++) { /* h and w default to a point */
        *in[a] = *k[a] = *s[a] = *dl[a] = 1;
        *p[a] = *pe[a] = *op[a] = 0;
    }
    for (int d = 0; d < g->spatial; d++) {
        int a = d + 3 - g->spatial; /* 3-D: 0 = depth; 2-D: 1, 2; 1-D: 2 (width) */
        *in[a] = (uint32_t)g->in[d];
        *k[a] = (uint32_t)g->k[d];
        *s[a] = (uint32_t)g->stride[d];
        *dl[a] = (uint32_t)g->dil[d];
        *p[a] = (uint32_t)g->pad[d];
        *pe[a] = (uint32_t)g->pad_end[d];
        *op[a] = (uint32_t)g->out_pad[d];
    }
    l->end_pads = 1;
}

/* Conv and ConvTranspose in 1, 2 or 3 dimensions; x at input xi, w at wi
 * (the quantized forms keep them elsewhere). */
static pim_status conv_rule(onnx_importer *im, const onnx_node *n, uint32_t xi, uint32_t wi)
{
    if (xi >= n->nin || wi >= n->nin || !n->in[xi] || !n->in[wi] || !n->node->n_output)
        return onnx_node_fail(im, n, "needs its data and weight inputs");
    const onnx_tensor *x = n->in[xi], *w = n->in[wi];
    int transposed = strstr(n->node->op_type, "Transpose") != NULL;
    if (w->dynamic)
        return onnx_node_fail(im, n,
                              "convolution weights computed from activations are not "
                              "supported");
    conv_geom g = {.spatial = x->rank - 2};
    if (x->rank < 3 || x->rank > 5 || w->rank != x->rank)
        return onnx_node_fail(im, n, "1-D, 2-D or 3-D convolutions only (ranks %d and %d)", x->rank,
                              w->rank);
    for (int d = 0; d < g.spatial; d++) {
        g.in[d] = x->dims[2 + d];
        g.k[d] = w->dims[2 + d];
    }
    int64_t group = onnx_attr_int(n, "group", 1);
    int64_t in_c = x->dims[1], w_in = transposed ? w->dims[0] : w->dims[1] * group;
    int64_t out_c = transposed ? w->dims[1] * group : w->dims[0];
    if (group < 1 || group > in_c || w_in != in_c || in_c > (1 << 24) || out_c > (1 << 24))
        return onnx_node_fail(im, n, "weight %lldx%lld with group %lld does not fit %lld channels",
                              (long long)w->dims[0], (long long)w->dims[1], (long long)group,
                              (long long)in_c);
    pim_status st = conv_attrs(im, n, &g);
    if (!st)
        st = auto_pad(im, n, &g, transposed);
    int64_t *shape;
    int given = transposed ? onnx_attr_ints(im, n, "output_shape", &shape) : -1;
    if (!st && given >= 0) { /* the pads that give that output */
        if (given != g.spatial)
            return onnx_node_fail(im, n, "output_shape needs %d values", g.spatial);
        int upper = !strcmp(onnx_attr_str(im, n, "auto_pad", "NOTSET"), "SAME_UPPER");
        for (int d = 0; d < g.spatial; d++) {
            int64_t total =
                g.stride[d] * (g.in[d] - 1) + g.out_pad[d] + (g.k[d] - 1) * g.dil[d] + 1 - shape[d];
            if (total < 0)
                return onnx_node_fail(im, n, "output_shape %lld is larger than the kernel reaches",
                                      (long long)shape[d]);
            g.pad[d] = upper ? total / 2 : total - total / 2;
            g.pad_end[d] = total - g.pad[d];
        }
    }
    if (st)
        return st;
    if (x->dims[0] > (1 << 24))
        return onnx_node_fail(im, n, "batch %lld too large", (long long)x->dims[0]);
    pim_layer l = {.kind = PIM_OP_CONV,
                   .in_c = (uint32_t)in_c,
                   .out_c = (uint32_t)out_c,
                   .groups = (uint32_t)group,
                   .transposed = (uint32_t)transposed,
                   .images = (uint32_t)x->dims[0]};
    geom_to_layer(&g, &l);
    pim_error inner;
    if (pim_conv_finish(&l, &inner))
        return onnx_node_fail(im, n, "%s", inner.msg);
    int64_t dims[5] = {x->dims[0], out_c};
    uint32_t sides[3] = {l.out_d, l.out_h, l.out_w};
    for (int d = 0; d < g.spatial; d++)
        dims[2 + d] = sides[3 - g.spatial + d];
    onnx_tensor *out = onnx_output(im, n, 0);
    if (!out || (st = onnx_set_shape(im, out, x->rank, dims)))
        return out ? st : im->err->status;
    out->type = x->type;
    return x->dynamic ? onnx_emit(im, n, &l, out) : PIM_OK;
}

static pim_status rule_conv(onnx_importer *im, const onnx_node *n)
{
    return conv_rule(im, n, 0, 1);
}

static pim_status rule_qlinear_conv(onnx_importer *im, const onnx_node *n)
{
    return conv_rule(im, n, 0, 3); /* x, x_scale, x_zero_point, w, ... */
}

/* ---- matrix products -------------------------------------------------- */

/* `vectors` rows of length k times `groups` weights of k x cols, or two
 * activations. */
static pim_status emit_product(onnx_importer *im, const onnx_node *n, onnx_tensor *out, int a_dyn,
                               int b_dyn, uint64_t groups, uint64_t vectors, uint64_t k,
                               uint64_t cols)
{
    if (!a_dyn && !b_dyn)
        return PIM_OK; /* weights times weights: a constant */
    pim_layer l = {.kind = a_dyn && b_dyn ? PIM_OP_DYN_MATMUL : PIM_OP_GEMM,
                   .heads = groups,
                   .m = vectors,
                   .k = k,
                   .n = cols};
    if (!l.m || !l.k || !l.n || !l.heads)
        return onnx_node_fail(im, n, "an empty matrix product (a dimension of 0)");
    return onnx_emit(im, n, &l, out);
}

static pim_status rule_gemm(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 2);
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
    int64_t dims[2] = {m, cols};
    onnx_tensor *out = onnx_output(im, n, 0);
    if (!out || (st = onnx_set_shape(im, out, 2, dims)))
        return out ? st : im->err->status;
    out->type = a->type;
    if (!a->dynamic && b->dynamic) /* the weight is on the left: (W x)^T = x^T W^T */
        return emit_product(im, n, out, 1, 0, 1, (uint64_t)cols, (uint64_t)k, (uint64_t)m);
    return emit_product(im, n, out, a->dynamic, b->dynamic, 1, (uint64_t)m, (uint64_t)k,
                        (uint64_t)cols);
}

/* MatMul with numpy broadcasting; rank-1 operands are a row or a column. */
static pim_status matmul_rule(onnx_importer *im, const onnx_node *n, uint32_t ai, uint32_t bi)
{
    if (ai >= n->nin || bi >= n->nin || !n->in[ai] || !n->in[bi] || !n->node->n_output)
        return onnx_node_fail(im, n, "needs its two operands");
    const onnx_tensor *a = n->in[ai], *b = n->in[bi];
    if (a->rank < 1 || b->rank < 1)
        return onnx_node_fail(im, n, "MatMul operands must have rank >= 1");
    int a_vec = a->rank == 1, b_vec = b->rank == 1;
    int64_t m = a_vec ? 1 : a->dims[a->rank - 2], k = a->dims[a->rank - 1];
    int64_t kb = b_vec ? b->dims[0] : b->dims[b->rank - 2], cols = b_vec ? 1 : b->dims[b->rank - 1];
    if (k != kb)
        return onnx_node_fail(im, n, "inner dimensions differ (%lld, %lld)", (long long)k,
                              (long long)kb);
    /* batch dims: all but the last two (none for a vector) */
    onnx_tensor ab = {.rank = a_vec ? 0 : a->rank - 2, .dims = a->dims};
    onnx_tensor bb = {.rank = b_vec ? 0 : b->rank - 2, .dims = b->dims};
    onnx_tensor batch = {.name = "batch"};
    onnx_tensor *pair[2] = {&ab, &bb};
    pim_status st;
    if (!onnx_broadcast(im, pair, 2, &batch, &st))
        return st ? st : onnx_node_fail(im, n, "batch dimensions do not broadcast");
    int64_t *dims = onnx_alloc(im, (size_t)(batch.rank + 2) * sizeof *dims);
    if (!dims)
        return onnx_oom(im);
    memcpy(dims, batch.dims, (size_t)batch.rank * sizeof *dims);
    int rank = batch.rank;
    if (!a_vec)
        dims[rank++] = m;
    if (!b_vec)
        dims[rank++] = cols;
    onnx_tensor *out = onnx_output(im, n, 0);
    if (!out || (st = onnx_set_shape(im, out, rank, dims)))
        return out ? st : im->err->status;
    out->type = a->type;
    int64_t all = onnx_numel(&batch);
    if (all < 0)
        return onnx_node_fail(im, n, "batch has more than 2^56 matrices");
    if (a->dynamic && !b->dynamic) { /* weight on the right: each B slice a weight */
        int64_t g = onnx_numel(&bb);
        return emit_product(im, n, out, 1, 0, (uint64_t)g, (uint64_t)(g ? all / g * m : 0),
                            (uint64_t)k, (uint64_t)cols);
    }
    if (!a->dynamic && b->dynamic) { /* weight on the left: (A B)^T = B^T A^T */
        int64_t g = onnx_numel(&ab);
        return emit_product(im, n, out, 1, 0, (uint64_t)g, (uint64_t)(g ? all / g * cols : 0),
                            (uint64_t)k, (uint64_t)m);
    }
    return emit_product(im, n, out, a->dynamic, b->dynamic, (uint64_t)all, (uint64_t)m, (uint64_t)k,
                        (uint64_t)cols);
}

static pim_status rule_matmul(onnx_importer *im, const onnx_node *n)
{
    return matmul_rule(im, n, 0, 1);
}

static pim_status rule_qlinear_matmul(onnx_importer *im, const onnx_node *n)
{
    return matmul_rule(im, n, 0, 3); /* a, a_scale, a_zero_point, b, ... */
}

/* ---- Einsum ----------------------------------------------------------- */

/* An einsum term: one label per axis; the ellipsis' axes get labels
 * 128 + (position from the right), so they broadcast like numpy's. */
typedef struct {
    int count;
    int labels[64];
} einsum_term;

static int parse_term(const char *s, size_t len, int rank, einsum_term *t)
{
    t->count = 0;
    int letters = 0, ellipsis = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            if (ellipsis || i + 2 >= len + 0 || s[i + 1] != '.' || s[i + 2] != '.')
                return 0;
            ellipsis = 1;
            i += 2;
        } else if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')) {
            letters++;
        } else if (s[i] != ' ') {
            return 0;
        }
    }
    int spread = rank < 0 ? 0 : rank - letters; /* axes the ellipsis stands for */
    if ((!ellipsis && rank >= 0 && spread != 0) || spread < 0 || letters + spread > 64)
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') {
            for (int e = spread; e > 0; e--)
                t->labels[t->count++] = 128 + e;
            i += 2;
        } else if (s[i] != ' ') {
            t->labels[t->count++] = (unsigned char)s[i];
        }
    }
    return 1;
}

static int term_has(const einsum_term *t, int label)
{
    for (int i = 0; i < t->count; i++)
        if (t->labels[i] == label)
            return 1;
    return 0;
}

/* Size of each label (256 slots): the operands' sizes, broadcast. */
static int label_sizes(const einsum_term *terms, const onnx_tensor *const *ops, int nops,
                       int64_t *size)
{
    for (int i = 0; i < 256; i++)
        size[i] = 0;
    for (int o = 0; o < nops; o++)
        for (int a = 0; a < terms[o].count; a++) {
            int l = terms[o].labels[a];
            for (int b = 0; b < a; b++)
                if (terms[o].labels[b] == l)
                    return 0; /* a diagonal: not a product we model */
            int64_t d = ops[o]->dims[a];
            if (size[l] && size[l] != d && d != 1 && size[l] != 1)
                return 0;
            size[l] = size[l] > d ? size[l] : d;
        }
    return 1;
}

/* The implicit output: the ellipsis, then labels used once, in order. */
static void implicit_output(const einsum_term *terms, int nops, einsum_term *out)
{
    out->count = 0;
    for (int e = 64; e > 0; e--)
        for (int o = 0; o < nops; o++)
            if (term_has(&terms[o], 128 + e) && !term_has(out, 128 + e))
                out->labels[out->count++] = 128 + e;
    for (int l = 'A'; l <= 'z'; l++) {
        int uses = 0;
        for (int o = 0; o < nops; o++)
            for (int a = 0; a < terms[o].count; a++)
                uses += terms[o].labels[a] == l;
        if (uses == 1)
            out->labels[out->count++] = l;
    }
}

static pim_status rule_einsum(onnx_importer *im, const onnx_node *n)
{
    const char *eq = onnx_attr_str(im, n, "equation", NULL);
    if (!eq || !n->nin || n->nin > 2 || !n->node->n_output)
        return onnx_node_fail(im, n, "needs an equation and one or two operands");
    for (uint32_t i = 0; i < n->nin; i++)
        if (!n->in[i])
            return onnx_node_fail(im, n, "an operand is missing");
    const char *arrow = strstr(eq, "->"), *end = arrow ? arrow : eq + strlen(eq);
    einsum_term terms[2], out_t;
    const char *p = eq;
    int nops = 0;
    for (; nops < 2 && p <= end; nops++) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        if (nops >= (int)n->nin ||
            !parse_term(p, (size_t)(stop - p), n->in[nops]->rank, &terms[nops]))
            return onnx_node_fail(im, n, "equation '%s' does not fit the operands", eq);
        p = stop + 1;
        if (!comma)
            break;
    }
    nops++;
    if (nops != (int)n->nin)
        return onnx_node_fail(im, n, "equation '%s' names %d operands, the node has %u", eq, nops,
                              n->nin);
    if (arrow && !parse_term(arrow + 2, strlen(arrow + 2), -1, &out_t))
        return onnx_node_fail(im, n, "bad output in equation '%s'", eq);
    if (!arrow)
        implicit_output(terms, nops, &out_t);
    /* an explicit output's "..." stands for the operands' ellipsis axes */
    if (arrow && strstr(arrow, "...")) {
        einsum_term full = {0};
        const char *o = arrow + 2;
        for (; *o; o++) {
            if (*o == '.') {
                for (int e = 64; e > 0; e--)
                    for (int k = 0; k < nops; k++)
                        if (term_has(&terms[k], 128 + e) && !term_has(&full, 128 + e))
                            full.labels[full.count++] = 128 + e;
                o += 2;
            } else if (*o != ' ') {
                full.labels[full.count++] = (unsigned char)*o;
            }
        }
        out_t = full;
    }
    const onnx_tensor *ops[2] = {n->in[0], nops > 1 ? n->in[1] : NULL};
    int64_t size[256];
    if (!label_sizes(terms, ops, nops, size))
        return onnx_node_fail(im, n, "equation '%s': repeated labels or sizes that do not match",
                              eq);
    int64_t *dims = onnx_ints(im, out_t.count);
    if (!dims)
        return onnx_oom(im);
    for (int a = 0; a < out_t.count; a++) {
        int in_any = 0;
        for (int o = 0; o < nops; o++)
            in_any |= term_has(&terms[o], out_t.labels[a]);
        if (!in_any)
            return onnx_node_fail(im, n, "equation '%s': an output label no operand has", eq);
        dims[a] = size[out_t.labels[a]];
    }
    onnx_tensor *out = onnx_output(im, n, 0);
    pim_status st;
    if (!out || (st = onnx_set_shape(im, out, out_t.count, dims)))
        return out ? st : im->err->status;
    out->type = n->in[0]->type;
    if (onnx_numel(out) < 0)
        return onnx_node_fail(im, n, "the result has more than 2^56 elements");
    if (nops == 1) { /* a transpose, or a sum over axes */
        if (out_t.count == terms[0].count)
            return onnx_carry(im, n, out);
        return onnx_vector_op(im, n, out, "reduce", onnx_numel(n->in[0]));
    }
    /* two operands: batch (in both and the output), contracted (in both
     * only), free rows of A and free columns of B */
    int64_t batch = 1, m = 1, k = 1, cols = 1, a_batch = 1, b_batch = 1;
    for (int l = 0; l < 256; l++) {
        int in_a = term_has(&terms[0], l), in_b = term_has(&terms[1], l),
            in_o = term_has(&out_t, l);
        if (!in_a && !in_b)
            continue;
        int64_t *into = in_a && in_b ? (in_o ? &batch : &k) : in_a ? &m : &cols;
        if (in_o == 0 && !(in_a && in_b))
            return onnx_node_fail(im, n,
                                  "equation '%s' sums a label of one operand only: not a "
                                  "matrix product",
                                  eq);
        if (!onnx_mul(*into, size[l], into) || *into > ONNX_MAX_ELEMS)
            return onnx_node_fail(im, n, "the product has more than 2^56 elements");
        for (int a = 0; in_a && in_b && in_o && a < terms[0].count; a++)
            if (terms[0].labels[a] == l)
                a_batch *= n->in[0]->dims[a];
        for (int a = 0; in_a && in_b && in_o && a < terms[1].count; a++)
            if (terms[1].labels[a] == l)
                b_batch *= n->in[1]->dims[a];
    }
    const onnx_tensor *a = n->in[0], *b = n->in[1];
    if (a->dynamic && !b->dynamic)
        return emit_product(im, n, out, 1, 0, (uint64_t)b_batch, (uint64_t)(batch / b_batch * m),
                            (uint64_t)k, (uint64_t)cols);
    if (!a->dynamic && b->dynamic)
        return emit_product(im, n, out, 1, 0, (uint64_t)a_batch, (uint64_t)(batch / a_batch * cols),
                            (uint64_t)k, (uint64_t)m);
    return emit_product(im, n, out, a->dynamic, b->dynamic, (uint64_t)batch, (uint64_t)m,
                        (uint64_t)k, (uint64_t)cols);
}

/* ---- elementwise and normalisation ------------------------------------ */

/* Ops on one tensor that keep its shape: a vector operation each. Some
 * have extra outputs (LayerNormalization's mean and inverse deviation,
 * BatchNormalization's running statistics in training mode). */
static pim_status rule_unary(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    onnx_tensor *out;
    if (st || (st = output_like(im, n, 0, n->in[0], &out)))
        return st;
    const char *op = n->node->op_type;
    const onnx_tensor *x = n->in[0];
    for (uint32_t i = 1; i < n->node->n_output && !st; i++) {
        onnx_tensor *extra;
        if ((st = output_like(im, n, i, x, &extra)) || !extra)
            continue;
        if (!strcmp(op, "LayerNormalization")) { /* reduced over axis..rank */
            int64_t axis = onnx_axis(onnx_attr_int(n, "axis", -1), x->rank);
            for (int d = axis < 0 ? x->rank : (int)axis; d < x->rank; d++)
                extra->dims[d] = 1;
        } else if (!strcmp(op, "BatchNormalization")) { /* per channel */
            extra->rank = 1;
            extra->dims[0] = x->rank > 1 ? x->dims[1] : 1;
        } else { /* DynamicQuantizeLinear: a scale and a zero point */
            extra->rank = 0;
        }
        st = onnx_carry(im, n, extra);
    }
    if (st)
        return st;
    if (!onnx_any_dynamic(n))
        return onnx_eval_elementwise(im, n, out);
    char name[24];
    if (!strcmp(op, "Softmax") || !strcmp(op, "LogSoftmax") || !strcmp(op, "Hardmax"))
        pim_strlcpy(name, "softmax", sizeof name);
    else if (strstr(op, "Normalization"))
        pim_strlcpy(name,
                    !strcmp(op, "BatchNormalization")      ? "batchnorm"
                    : !strcmp(op, "LayerNormalization")    ? "layernorm"
                    : !strcmp(op, "GroupNormalization")    ? "groupnorm"
                    : !strcmp(op, "InstanceNormalization") ? "instancenorm"
                                                           : "normalization",
                    sizeof name);
    else
        lower_name(op, name, sizeof name);
    return onnx_vector_op(im, n, out, name, onnx_numel(out));
}

/* Binary and variadic ops with numpy broadcasting. */
static pim_status rule_elementwise(onnx_importer *im, const onnx_node *n)
{
    const char *op = n->node->op_type;
    int where = !strcmp(op, "Where");
    int variadic =
        !strcmp(op, "Sum") || !strcmp(op, "Max") || !strcmp(op, "Min") || !strcmp(op, "Mean");
    pim_status st = onnx_need_inputs(im, n, where ? 3 : variadic ? 1 : 2);
    if (st)
        return st;
    onnx_tensor *out = onnx_output(im, n, 0);
    if (!out)
        return im->err->status;
    if (!onnx_broadcast(im, n->in, n->nin, out, &st))
        return st ? st : onnx_node_fail(im, n, "input shapes do not broadcast");
    if (onnx_numel(out) < 0)
        return onnx_node_fail(im, n, "the result has more than 2^56 elements");
    out->type = n->in[where ? 1 : 0]->type;
    if (!onnx_any_dynamic(n))
        return onnx_eval_elementwise(im, n, out);
    char name[24];
    lower_name(op, name, sizeof name);
    return onnx_vector_op(im, n, out, name, onnx_numel(out));
}

/* ---- pooling ---------------------------------------------------------- */

/* MaxPool, AveragePool, LpPool in any number of spatial axes. */
static pim_status rule_pool(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int spatial = x->rank - 2;
    int64_t *kernel, *strides, *dil, *pads;
    if (spatial < 1 || onnx_attr_ints(im, n, "kernel_shape", &kernel) != spatial)
        return onnx_node_fail(im, n, "kernel_shape must have one value per spatial axis");
    int ns = onnx_attr_ints(im, n, "strides", &strides),
        nd = onnx_attr_ints(im, n, "dilations", &dil);
    int np = onnx_attr_ints(im, n, "pads", &pads);
    if ((ns >= 0 && ns != spatial) || (nd >= 0 && nd != spatial) || (np >= 0 && np != 2 * spatial))
        return onnx_node_fail(im, n, "strides, dilations or pads do not match the input");
    int ceil_mode = onnx_attr_int(n, "ceil_mode", 0) != 0;
    const char *mode = onnx_attr_str(im, n, "auto_pad", "NOTSET");
    onnx_tensor *out;
    if ((st = output_like(im, n, 0, x, &out)))
        return st;
    for (int d = 0; d < spatial; d++) {
        int64_t in = x->dims[2 + d], k = kernel[d], s = ns >= 0 ? strides[d] : 1;
        int64_t dl = nd >= 0 ? dil[d] : 1, pb = np >= 0 ? pads[d] : 0,
                pe = np >= 0 ? pads[d + spatial] : 0;
        if (k < 1 || s < 1 || dl < 1 || pb < 0 || pe < 0 || k > (1 << 24) || s > (1 << 24) ||
            dl > (1 << 24) || pb > (1 << 24) || pe > (1 << 24))
            return onnx_node_fail(im, n, "bad kernel, strides, dilations or pads");
        int64_t span = (k - 1) * dl + 1, o;
        if (!strcmp(mode, "SAME_UPPER") || !strcmp(mode, "SAME_LOWER")) {
            o = (in + s - 1) / s;
        } else if (!strcmp(mode, "VALID")) {
            o = in >= span ? (in - span) / s + 1 : 0;
        } else {
            int64_t room = in + pb + pe - span;
            o = room < 0 ? 0 : (ceil_mode ? (room + s - 1) / s : room / s) + 1;
            /* ceil mode: the last window must start inside the input or the
             * leading padding (PyTorch, onnxruntime) */
            if (ceil_mode && o > 0 && (o - 1) * s >= in + pb)
                o--;
        }
        if (o < 1)
            return onnx_node_fail(im, n, "pooling window larger than the input");
        out->dims[2 + d] = o;
    }
    onnx_tensor *indices;
    if ((st = output_like(im, n, 1, out, &indices)) ||
        (indices && (st = onnx_carry(im, n, indices))))
        return st;
    const char *op = n->node->op_type;
    return onnx_vector_op(im, n, out,
                          !strcmp(op, "MaxPool")  ? "maxpool"
                          : !strcmp(op, "LpPool") ? "lppool"
                                                  : "avgpool",
                          onnx_numel(out));
}

static pim_status rule_global_pool(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    onnx_tensor *out;
    if (st || (st = output_like(im, n, 0, n->in[0], &out)))
        return st;
    for (int d = 2; d < out->rank; d++)
        out->dims[d] = 1;
    /* the work is over the input: every element is read and summed */
    return onnx_vector_op(im, n, out, "global_pool", onnx_numel(n->in[0]));
}

/* The Reduce ops (axes an attribute, then an input: ReduceSum at 13, the
 * others at 18; noop_with_empty_axes), and ArgMax / ArgMin (one axis). */
static pim_status rule_reduce(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int arg = !strncmp(n->node->op_type, "Arg", 3);
    int64_t *axes, one;
    int na;
    if (arg) {
        one = onnx_attr_int(n, "axis", 0);
        axes = &one;
        na = 1;
    } else {
        na = onnx_axes(im, n, 1, &axes, &st);
        if (st)
            return st;
    }
    int keep = onnx_attr_int(n, "keepdims", 1) != 0;
    int noop = na == 0 && onnx_attr_int(n, "noop_with_empty_axes", 0) != 0;
    unsigned char *reduce = onnx_alloc(im, (size_t)x->rank + 1);
    int64_t *dims = onnx_ints(im, x->rank);
    if (!reduce || !dims)
        return onnx_oom(im);
    for (int i = 0; i < x->rank; i++)
        reduce[i] = na <= 0 && !noop;
    for (int i = 0; i < na; i++) {
        int64_t a = onnx_axis(axes[i], x->rank);
        if (a < 0)
            return onnx_node_fail(im, n, "axis %lld out of range", (long long)axes[i]);
        reduce[a] = 1;
    }
    int rank = 0;
    for (int i = 0; i < x->rank; i++)
        if (!reduce[i])
            dims[rank++] = x->dims[i];
        else if (keep)
            dims[rank++] = 1;
    onnx_tensor *out = onnx_output(im, n, 0);
    if (!out || (st = onnx_set_shape(im, out, rank, dims)))
        return out ? st : im->err->status;
    out->type = arg ? ONNX__TENSOR_PROTO__DATA_TYPE__INT64 : x->type;
    return onnx_vector_op(im, n, out, arg ? "argmax" : "reduce", onnx_numel(x));
}

/* ---- resize, top-k ---------------------------------------------------- */

/* Resize (scales or sizes, axes and keep_aspect_ratio_policy from 18) and
 * the older Upsample (scales). Interpolation costs an op per output. */
static pim_status rule_resize(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int upsample = !strcmp(n->node->op_type, "Upsample");
    uint32_t si = upsample ? 1 : 2, zi = 3;
    int has_sizes = !upsample && n->nin > zi && n->in[zi] && onnx_numel(n->in[zi]) > 0;
    int has_scales = n->nin > si && n->in[si] && onnx_numel(n->in[si]) > 0;
    int64_t *axes, count, *sizes = NULL;
    double *scales = NULL;
    int na = onnx_attr_ints(im, n, "axes", &axes);
    if (has_sizes)
        st = onnx_input_ints(im, n, zi, "sizes", &sizes, &count);
    else if (has_scales)
        st = onnx_input_reals(im, n, si, "scales", &scales, &count);
    else if (upsample && onnx_attr(n, "scales")) { /* Upsample 7: an attribute */
        const Onnx__AttributeProto *a = onnx_attr(n, "scales");
        count = (int64_t)a->n_floats;
        scales = onnx_alloc(im, (size_t)(count + 1) * sizeof *scales);
        for (int64_t i = 0; scales && i < count; i++)
            scales[i] = a->floats[i];
        st = scales ? PIM_OK : onnx_oom(im);
    } else
        return onnx_node_fail(im, n, "needs scales or sizes");
    if (st)
        return st;
    if (count != (na >= 0 ? na : x->rank))
        return onnx_node_fail(im, n, "%lld scales or sizes for %d axes", (long long)count,
                              na >= 0 ? na : x->rank);
    onnx_tensor *out;
    if ((st = output_like(im, n, 0, x, &out)))
        return st;
    const char *policy = onnx_attr_str(im, n, "keep_aspect_ratio_policy", "stretch");
    double common = !strcmp(policy, "not_smaller") ? 0 : INFINITY;
    for (int64_t i = 0; sizes && strcmp(policy, "stretch") && i < count; i++) {
        int64_t a = na >= 0 ? onnx_axis(axes[i], x->rank) : i;
        double r = a >= 0 ? (double)sizes[i] / (double)x->dims[a] : 0;
        common = !strcmp(policy, "not_smaller") ? fmax(common, r) : fmin(common, r);
    }
    for (int64_t i = 0; i < count; i++) {
        int64_t a = na >= 0 ? onnx_axis(axes[i], x->rank) : i;
        if (a < 0)
            return onnx_node_fail(im, n, "axis out of range");
        double side = sizes ? (strcmp(policy, "stretch") ? nearbyint(common * (double)x->dims[a])
                                                         : (double)sizes[i])
                            : floor((double)x->dims[a] * scales[i]);
        if (!(side >= 1 && side <= (double)ONNX_MAX_DIM))
            return onnx_node_fail(im, n, "output side %g on axis %lld is out of range", side,
                                  (long long)a);
        out->dims[a] = (int64_t)side;
    }
    if (onnx_numel(out) < 0)
        return onnx_node_fail(im, n, "the result has more than 2^56 elements");
    return onnx_vector_op(im, n, out, "resize", onnx_numel(out));
}

static pim_status rule_topk(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 2);
    int64_t *k, count;
    if (st || (st = onnx_input_ints(im, n, 1, "K", &k, &count)))
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t axis = onnx_axis(onnx_attr_int(n, "axis", -1), x->rank);
    if (axis < 0 || count != 1 || k[0] < 0 || k[0] > x->dims[axis])
        return onnx_node_fail(im, n, "K must be one number in 0..%lld on a valid axis",
                              axis < 0 ? 0ll : (long long)x->dims[axis]);
    onnx_tensor *values, *indices;
    if ((st = output_like(im, n, 0, x, &values)))
        return st;
    values->dims[axis] = k[0];
    if ((st = onnx_vector_op(im, n, values, "topk", onnx_numel(x))))
        return st;
    if ((st = output_like(im, n, 1, values, &indices)) || !indices)
        return st;
    indices->type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    indices->dynamic = values->dynamic;
    indices->producers = values->producers;
    indices->nproducers = values->nproducers;
    return PIM_OK;
}

/* ---- dispatch --------------------------------------------------------- */

static const struct {
    const char *op;
    onnx_rule rule;
} RULES[] = {
    {"Conv", rule_conv},
    {"ConvTranspose", rule_conv},
    {"ConvInteger", rule_conv},
    {"QLinearConv", rule_qlinear_conv},
    {"Gemm", rule_gemm},
    {"MatMul", rule_matmul},
    {"MatMulInteger", rule_matmul},
    {"QLinearMatMul", rule_qlinear_matmul},
    {"Einsum", rule_einsum},
    {"Add", rule_elementwise},
    {"Sub", rule_elementwise},
    {"Mul", rule_elementwise},
    {"Div", rule_elementwise},
    {"Pow", rule_elementwise},
    {"Mod", rule_elementwise},
    {"Equal", rule_elementwise},
    {"Less", rule_elementwise},
    {"Greater", rule_elementwise},
    {"LessOrEqual", rule_elementwise},
    {"GreaterOrEqual", rule_elementwise},
    {"And", rule_elementwise},
    {"Or", rule_elementwise},
    {"Xor", rule_elementwise},
    {"BitShift", rule_elementwise},
    {"Max", rule_elementwise},
    {"Min", rule_elementwise},
    {"Sum", rule_elementwise},
    {"Mean", rule_elementwise},
    {"Where", rule_elementwise},
    {"PRelu", rule_elementwise},
    {"MaxPool", rule_pool},
    {"AveragePool", rule_pool},
    {"LpPool", rule_pool},
    {"GlobalAveragePool", rule_global_pool},
    {"GlobalMaxPool", rule_global_pool},
    {"GlobalLpPool", rule_global_pool},
    {"ReduceMean", rule_reduce},
    {"ReduceSum", rule_reduce},
    {"ReduceMax", rule_reduce},
    {"ReduceMin", rule_reduce},
    {"ReduceProd", rule_reduce},
    {"ReduceL1", rule_reduce},
    {"ReduceL2", rule_reduce},
    {"ReduceLogSum", rule_reduce},
    {"ReduceLogSumExp", rule_reduce},
    {"ReduceSumSquare", rule_reduce},
    {"ArgMax", rule_reduce},
    {"ArgMin", rule_reduce},
    {"Resize", rule_resize},
    {"Upsample", rule_resize},
    {"TopK", rule_topk},
};

/* Shape-preserving ops on one tensor (their other inputs are parameters).
 * `activation`: input 0 is an activation by the op's definition (it marks
 * a graph input as data); not so for the arithmetic shape code uses too. */
static const struct {
    const char *op;
    int activation;
} UNARY[] = {
    {"BatchNormalization", 1},
    {"LayerNormalization", 1},
    {"InstanceNormalization", 1},
    {"GroupNormalization", 1},
    {"LpNormalization", 1},
    {"MeanVarianceNormalization", 1},
    {"Relu", 1},
    {"LeakyRelu", 1},
    {"Elu", 1},
    {"Selu", 1},
    {"Celu", 1},
    {"Clip", 1},
    {"Sigmoid", 1},
    {"HardSigmoid", 1},
    {"HardSwish", 1},
    {"Gelu", 1},
    {"Erf", 1},
    {"Tanh", 1},
    {"Softplus", 1},
    {"Softsign", 1},
    {"Mish", 1},
    {"ThresholdedRelu", 1},
    {"Shrink", 1},
    {"Softmax", 1},
    {"LogSoftmax", 1},
    {"Hardmax", 1},
    {"Sqrt", 0},
    {"Exp", 0},
    {"Log", 0},
    {"Neg", 0},
    {"Abs", 0},
    {"Not", 0},
    {"Sign", 0},
    {"Floor", 0},
    {"Ceil", 0},
    {"Round", 0},
    {"Reciprocal", 0},
    {"Sin", 0},
    {"Cos", 0},
    {"Tan", 0},
    {"Asin", 0},
    {"Acos", 0},
    {"Atan", 0},
    {"Sinh", 0},
    {"Cosh", 0},
    {"Asinh", 0},
    {"Acosh", 0},
    {"Atanh", 0},
    {"IsNaN", 0},
    {"IsInf", 0},
    {"CumSum", 0},
    {"Trilu", 0},
    {"QuantizeLinear", 0},
    {"DequantizeLinear", 0},
    {"DynamicQuantizeLinear", 0},
};

/* The UNARY row of op, or -1. */
static int unary_index(const char *op)
{
    for (size_t i = 0; i < sizeof UNARY / sizeof UNARY[0]; i++)
        if (!strcmp(UNARY[i].op, op))
            return (int)i;
    return -1;
}

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
    pim_status st = onnx_need_inputs(im, n, 1);
    if (st)
        return st;
    pim_model_note(im->model, n->node->op_type);
    onnx_tensor *out;
    st = output_like(im, n, 0, n->in[0], &out);
    return st ? st : onnx_vector_op(im, n, out, n->node->op_type, onnx_numel(out));
}

pim_status onnx_apply(onnx_importer *im, const onnx_node *n)
{
    const char *op = n->node->op_type;
    for (size_t i = 0; i < sizeof RULES / sizeof RULES[0]; i++)
        if (!strcmp(RULES[i].op, op))
            return RULES[i].rule(im, n);
    if (unary_index(op) >= 0)
        return rule_unary(im, n);
    onnx_rule shape = onnx_shape_rule(op);
    return shape ? shape(im, n) : rule_unknown(im, n);
}

int onnx_activation_slot(const char *op, uint32_t input)
{
    /* besides UNARY's: layers, pooling and the ops on data by definition */
    static const char *const first[] = {"Conv",
                                        "ConvTranspose",
                                        "ConvInteger",
                                        "QLinearConv",
                                        "Gemm",
                                        "MaxPool",
                                        "AveragePool",
                                        "LpPool",
                                        "GlobalAveragePool",
                                        "GlobalMaxPool",
                                        "GlobalLpPool",
                                        "Resize",
                                        "Upsample",
                                        "TopK",
                                        "ArgMax",
                                        "ArgMin",
                                        "PRelu",
                                        "ReduceMean",
                                        "ReduceL2",
                                        NULL};
    if (!strcmp(op, "Gather"))
        return input == 1; /* indices select from a table */
    if (input != 0)
        return 0;
    for (const char *const *f = first; *f; f++)
        if (!strcmp(op, *f))
            return 1;
    int u = unary_index(op);
    return u >= 0 && UNARY[u].activation;
}
