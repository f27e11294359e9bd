/* pimstream workload: ONNX operators that move data or compute shapes.
 *
 * They emit no layer (a copy or a view costs no MACs here): their outputs
 * carry their inputs' producers, so graph edges survive. Each infers its
 * output shape, following the operator's changes across opsets 11 to 21
 * (axes and pads as inputs, Split's num_outputs, ...), and, when its
 * inputs' values are known at import, computes the output's values: shape
 * arithmetic, constant masks and index tables are evaluated, whatever
 * their rank. Shape-determining inputs (Reshape's shape, Pad's pads,
 * Slice's starts and ends, Expand, Tile, ConstantOfShape, Range) must be
 * computable at import; an import that cannot compute one says which. */
#include "onnx_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---------------------------------------------------------- */

static void unravel(int64_t flat, const int64_t *dims, int rank, int64_t *coord)
{
    for (int d = rank - 1; d >= 0; d--) {
        coord[d] = dims[d] ? flat % dims[d] : 0;
        flat = dims[d] ? flat / dims[d] : 0;
    }
}

static int64_t ravel(const int64_t *coord, const int64_t *dims, int rank)
{
    int64_t flat = 0;
    for (int d = 0; d < rank; d++)
        flat = flat * dims[d] + coord[d];
    return flat;
}

/* A map from out's elements to src's, when src's values are known and out
 * is small: `index` fills the source coordinate for an output coordinate
 * (returning 0 for a padding element). */
typedef int (*index_fn)(const void *ctx, const int64_t *out_coord, int64_t *src_coord);

static pim_status map_values(onnx_importer *im, onnx_tensor *out, const onnx_tensor *src,
                             index_fn index, const void *ctx, double fill)
{
    int64_t n = onnx_numel(out);
    if ((!src->ints && !src->reals) || n < 0 || n > ONNX_MAX_VALUES)
        return PIM_OK;
    int64_t *from = onnx_alloc(im, (size_t)(n ? n : 1) * sizeof *from);
    int64_t *oc = onnx_ints(im, out->rank);
    int64_t *sc = onnx_ints(im, src->rank);
    if (!from || !oc || !sc)
        return onnx_oom(im);
    for (int64_t k = 0; k < n; k++) {
        unravel(k, out->dims, out->rank, oc);
        from[k] = index(ctx, oc, sc) ? ravel(sc, src->dims, src->rank) : -1;
    }
    return onnx_values_gather(im, out, src, from, fill);
}

/* Define output i with a shape, carrying the node's producers. */
static pim_status shaped_output(onnx_importer *im, const onnx_node *n, uint32_t i, int rank,
                                const int64_t *dims, onnx_tensor **out)
{
    *out = onnx_output(im, n, i);
    if (!*out)
        return im->err->status;
    pim_status st = onnx_set_shape(im, *out, rank, dims);
    if (!st && n->nin && n->in[0])
        (*out)->type = n->in[0]->type;
    return st ? st : onnx_carry(im, n, *out);
}

/* Every output named by the node is given the input's shape and values. */
static pim_status rule_identity(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    for (uint32_t i = 0; i < n->node->n_output && !st; i++) {
        if (!*n->node->output[i])
            continue;
        onnx_tensor *out;
        st = shaped_output(im, n, i, n->in[0]->rank, n->in[0]->dims, &out);
        if (!st && i == 0)
            st = onnx_values_copy(im, out, n->in[0]);
    }
    return st;
}

static pim_status rule_cast(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    onnx_tensor *out;
    if (!st)
        st = shaped_output(im, n, 0, n->in[0]->rank, n->in[0]->dims, &out);
    if (!st)
        out->type = (int32_t)onnx_attr_int(n, "to", n->in[0]->type);
    return st ? st : onnx_eval_elementwise(im, n, out);
}

/* A reshape of known element count: values flow through unchanged. */
static pim_status reshaped(onnx_importer *im, const onnx_node *n, int rank, const int64_t *dims)
{
    onnx_tensor *out;
    pim_status st = shaped_output(im, n, 0, rank, dims, &out);
    if (!st && onnx_numel(out) != onnx_numel(n->in[0]))
        return onnx_node_fail(im, n, "cannot reshape %lld elements into %lld",
                              (long long)onnx_numel(n->in[0]), (long long)onnx_numel(out));
    return st ? st : onnx_values_copy(im, out, n->in[0]);
}

static pim_status rule_flatten(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t axis = onnx_attr_int(n, "axis", 1);
    axis = axis < 0 ? axis + x->rank : axis;
    if (axis < 0 || axis > x->rank)
        return onnx_node_fail(im, n, "axis out of range");
    int64_t dims[2] = {onnx_dims_product(x, 0, (int)axis),
                       onnx_dims_product(x, (int)axis, x->rank)};
    return reshaped(im, n, 2, dims);
}

static pim_status rule_reshape(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 2);
    int64_t *shape, rank, known = 1, infer = -1;
    if (st || (st = onnx_input_ints(im, n, 1, "the target shape", &shape, &rank)))
        return st;
    const onnx_tensor *x = n->in[0];
    int allowzero = onnx_attr_int(n, "allowzero", 0) != 0;
    if (rank > (1 << 16))
        return onnx_node_fail(im, n, "target rank %lld too large", (long long)rank);
    for (int64_t i = 0; i < rank; i++) {
        int64_t v = shape[i];
        if (v == 0 && !allowzero) {
            if (i >= x->rank)
                return onnx_node_fail(im, n, "0 copies a dimension the input lacks");
            v = shape[i] = x->dims[i];
        }
        if (v == -1) {
            if (infer >= 0)
                return onnx_node_fail(im, n, "two -1 dimensions");
            infer = i;
            continue;
        }
        if (v < 0 || v > ONNX_MAX_DIM)
            return onnx_node_fail(im, n, "bad dimension %lld", (long long)v);
        if (!onnx_mul(known, v, &known) || known > ONNX_MAX_ELEMS)
            return onnx_node_fail(im, n, "the target shape has more than 2^56 elements");
    }
    if (infer >= 0) {
        int64_t total = onnx_numel(x);
        if (!known || total % known)
            return onnx_node_fail(im, n, "cannot infer -1: %lld elements into %lld-element rows",
                                  (long long)total, (long long)known);
        shape[infer] = total / known;
    }
    return reshaped(im, n, (int)rank, shape);
}

static int transpose_index(const void *ctx, const int64_t *oc, int64_t *sc)
{
    const onnx_tensor *src = ((const void *const *)ctx)[0];
    const int64_t *perm = ((const void *const *)ctx)[1];
    for (int i = 0; i < src->rank; i++)
        sc[perm[i]] = oc[i];
    return 1;
}

static pim_status rule_transpose(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t *perm;
    int np = onnx_attr_ints(im, n, "perm", &perm);
    if (np < 0) {
        perm = onnx_ints(im, x->rank);
        if (!perm)
            return onnx_oom(im);
        for (int i = 0; i < x->rank; i++)
            perm[i] = x->rank - 1 - i;
    } else if (np != x->rank) {
        return onnx_node_fail(im, n, "perm has %d entries for rank %d", np, x->rank);
    }
    int64_t *dims = onnx_ints(im, x->rank);
    unsigned char *seen = onnx_alloc(im, (size_t)x->rank + 1);
    if (!dims || !seen)
        return onnx_oom(im);
    for (int i = 0; i < x->rank; i++) {
        if (perm[i] < 0 || perm[i] >= x->rank || seen[perm[i]]++)
            return onnx_node_fail(im, n, "perm is not a permutation");
        dims[i] = x->dims[perm[i]];
    }
    onnx_tensor *out;
    if ((st = shaped_output(im, n, 0, x->rank, dims, &out)))
        return st;
    const void *ctx[2] = {x, perm};
    return map_values(im, out, x, transpose_index, ctx, 0);
}

int onnx_axes(onnx_importer *im, const onnx_node *n, uint32_t input, int64_t **axes, pim_status *st)
{
    *st = PIM_OK;
    int na = onnx_attr_ints(im, n, "axes", axes);
    if (na >= 0 || n->nin <= input || !n->in[input])
        return na;
    int64_t count;
    *st = onnx_input_ints(im, n, input, "axes", axes, &count);
    return *st ? -1 : (int)count;
}

static pim_status rule_squeeze(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t *axes;
    int na = onnx_axes(im, n, 1, &axes, &st);
    unsigned char *drop = onnx_alloc(im, (size_t)x->rank + 1);
    int64_t *dims = onnx_ints(im, x->rank);
    if (st || !drop || !dims)
        return st ? st : onnx_oom(im);
    for (int i = 0; i < na; i++) {
        int64_t a = onnx_axis(axes[i], x->rank);
        if (a < 0 || x->dims[a] != 1)
            return onnx_node_fail(im, n, "cannot squeeze axis %lld", (long long)axes[i]);
        drop[a] = 1;
    }
    int rank = 0;
    for (int i = 0; i < x->rank; i++)
        if (!(na < 0 ? x->dims[i] == 1 : drop[i]))
            dims[rank++] = x->dims[i];
    return reshaped(im, n, rank, dims);
}

static pim_status rule_unsqueeze(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t *axes;
    int na = onnx_axes(im, n, 1, &axes, &st);
    if (st || na < 0)
        return st ? st : onnx_node_fail(im, n, "needs axes");
    int rank = x->rank + na;
    unsigned char *add = onnx_alloc(im, (size_t)rank + 1);
    int64_t *dims = onnx_ints(im, rank);
    if (!add || !dims)
        return onnx_oom(im);
    for (int i = 0; i < na; i++) {
        int64_t a = onnx_axis(axes[i], rank);
        if (a < 0 || add[a]++)
            return onnx_node_fail(im, n, "bad axis %lld", (long long)axes[i]);
    }
    for (int i = 0, k = 0; i < rank; i++)
        dims[i] = add[i] ? 1 : x->dims[k++];
    return reshaped(im, n, rank, dims);
}

static pim_status rule_concat(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t axis = onnx_axis(onnx_attr_int(n, "axis", 0), x->rank);
    if (axis < 0)
        return onnx_node_fail(im, n, "axis out of range");
    int64_t *dims = onnx_ints(im, x->rank);
    if (!dims)
        return onnx_oom(im);
    memcpy(dims, x->dims, (size_t)x->rank * sizeof *dims);
    dims[axis] = 0;
    int all_values = 1, real = 0;
    for (uint32_t i = 0; i < n->nin; i++) {
        const onnx_tensor *t = n->in[i];
        if (!t || t->rank != x->rank)
            return onnx_node_fail(im, n, "inputs differ in rank");
        for (int d = 0; d < x->rank; d++)
            if (d != axis && t->dims[d] != x->dims[d])
                return onnx_node_fail(im, n, "inputs differ off the concat axis");
        if (!onnx_add(dims[axis], t->dims[axis], &dims[axis]) || dims[axis] > ONNX_MAX_DIM)
            return onnx_node_fail(im, n, "the concat axis exceeds 2^40");
        all_values &= t->ints != NULL || t->reals != NULL;
        real |= t->reals != NULL;
    }
    onnx_tensor *out;
    if ((st = shaped_output(im, n, 0, x->rank, dims, &out)))
        return st;
    int kept = all_values ? onnx_values_alloc(im, out, real) : 0;
    if (kept < 0)
        return onnx_oom(im);
    if (!kept)
        return PIM_OK;
    /* outer blocks of the axis: each input contributes its slab in turn */
    int64_t outer = onnx_dims_product(x, 0, (int)axis), k = 0;
    for (int64_t o = 0; o < outer; o++)
        for (uint32_t i = 0; i < n->nin; i++) {
            const onnx_tensor *t = n->in[i];
            int64_t slab = onnx_dims_product(t, (int)axis, t->rank);
            for (int64_t j = 0; j < slab; j++, k++) {
                if (real)
                    out->reals[k] = onnx_value_real(t, o * slab + j);
                else
                    out->ints[k] = t->ints[o * slab + j];
            }
        }
    return PIM_OK;
}

typedef struct {
    int rank;
    const int64_t *start, *step; /* per axis */
} slice_ctx;

static int slice_index(const void *ctx, const int64_t *oc, int64_t *sc)
{
    const slice_ctx *c = ctx;
    for (int d = 0; d < c->rank; d++)
        sc[d] = c->start[d] + oc[d] * c->step[d];
    return 1;
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

static pim_status rule_split(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t axis = onnx_axis(onnx_attr_int(n, "axis", 0), x->rank);
    if (axis < 0)
        return onnx_node_fail(im, n, "axis out of range");
    size_t nout = n->node->n_output;
    int64_t *parts, count = -1;
    int ns = onnx_attr_ints(im, n, "split", &parts);
    if (ns >= 0)
        count = ns;
    else if (n->nin > 1 && n->in[1] && (st = onnx_input_ints(im, n, 1, "split", &parts, &count)))
        return st;
    int64_t num = onnx_attr_int(n, "num_outputs", 0); /* opset 18 */
    if (num && (num < 1 || (size_t)num != nout))
        return onnx_node_fail(im, n, "num_outputs %lld but %zu outputs", (long long)num, nout);
    if (!nout || (count >= 0 && (size_t)count != nout))
        return onnx_node_fail(im, n, "split sizes do not match the outputs");
    int64_t dim = x->dims[axis], total = 0;
    if (count < 0) { /* equal parts of ceil(dim / n), the last one smaller */
        parts = onnx_alloc(im, nout * sizeof *parts);
        if (!parts)
            return onnx_oom(im);
        int64_t each = dim / (int64_t)nout + (dim % (int64_t)nout != 0);
        for (size_t i = 0; i < nout; i++)
            parts[i] = clamp(dim - each * (int64_t)i, 0, each);
    }
    for (size_t i = 0; i < nout; i++) {
        if (parts[i] < 0)
            return onnx_node_fail(im, n, "negative split size %lld", (long long)parts[i]);
        if (!onnx_add(total, parts[i], &total))
            return onnx_node_fail(im, n, "split sizes overflow");
    }
    if (total != dim)
        return onnx_node_fail(im, n, "split sizes add up to %lld, not %lld", (long long)total,
                              (long long)dim);
    int64_t *dims = onnx_ints(im, x->rank);
    int64_t *start = onnx_ints(im, x->rank);
    int64_t *step = onnx_ints(im, x->rank);
    if (!dims || !start || !step)
        return onnx_oom(im);
    memcpy(dims, x->dims, (size_t)x->rank * sizeof *dims);
    for (int d = 0; d < x->rank; d++)
        step[d] = 1;
    for (size_t i = 0, at = 0; i < nout && !st; at += (size_t)parts[i], i++) {
        if (!*n->node->output[i])
            continue;
        dims[axis] = parts[i];
        start[axis] = (int64_t)at;
        onnx_tensor *out;
        st = shaped_output(im, n, (uint32_t)i, x->rank, dims, &out);
        slice_ctx c = {x->rank, start, step};
        if (!st)
            st = map_values(im, out, x, slice_index, &c, 0);
    }
    return st;
}

static pim_status rule_slice(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 3);
    int64_t *starts, *ends, *axes = NULL, *steps = NULL, count, count2, c3 = 0, c4 = 0;
    if (st || (st = onnx_input_ints(im, n, 1, "starts", &starts, &count)) ||
        (st = onnx_input_ints(im, n, 2, "ends", &ends, &count2)))
        return st;
    const onnx_tensor *x = n->in[0];
    if ((n->nin > 3 && n->in[3] && (st = onnx_input_ints(im, n, 3, "axes", &axes, &c3))) ||
        (n->nin > 4 && n->in[4] && (st = onnx_input_ints(im, n, 4, "steps", &steps, &c4))))
        return st;
    if (count != count2 || count > x->rank || (axes && c3 != count) || (steps && c4 != count))
        return onnx_node_fail(im, n, "starts, ends, axes and steps must match, one per axis");
    int64_t *dims = onnx_ints(im, x->rank);
    int64_t *start = onnx_ints(im, x->rank);
    int64_t *step = onnx_ints(im, x->rank);
    unsigned char *seen = onnx_alloc(im, (size_t)x->rank + 1);
    if (!dims || !start || !step || !seen)
        return onnx_oom(im);
    memcpy(dims, x->dims, (size_t)x->rank * sizeof *dims);
    for (int d = 0; d < x->rank; d++)
        step[d] = 1;
    for (int64_t i = 0; i < count; i++) {
        int64_t axis = onnx_axis(axes ? axes[i] : i, x->rank), s = steps ? steps[i] : 1;
        if (axis < 0 || s == 0 || seen[axis]++)
            return onnx_node_fail(im, n, "bad or repeated axis, or a zero step");
        int64_t dim = x->dims[axis];
        /* any step beyond the axis takes one element: keeps the arithmetic in range */
        s = clamp(s, -dim - 1, dim + 1);
        int64_t b = clamp(starts[i], -ONNX_MAX_DIM * 2, ONNX_MAX_DIM * 2);
        int64_t e = clamp(ends[i], -ONNX_MAX_DIM * 2, ONNX_MAX_DIM * 2);
        b = b < 0 ? b + dim : b;
        e = e < 0 ? e + dim : e;
        b = s > 0 ? clamp(b, 0, dim) : clamp(b, 0, dim - 1);
        e = s > 0 ? clamp(e, 0, dim) : clamp(e, -1, dim - 1);
        int64_t mag = s > 0 ? s : -s; /* >= 1: s is not zero */
        int64_t len = ((s > 0 ? e - b : b - e) + mag - 1) / (mag > 0 ? mag : 1);
        dims[axis] = len > 0 ? len : 0;
        start[axis] = b;
        step[axis] = s;
    }
    onnx_tensor *out;
    if ((st = shaped_output(im, n, 0, x->rank, dims, &out)))
        return st;
    slice_ctx c = {x->rank, start, step};
    return map_values(im, out, x, slice_index, &c, 0);
}

typedef struct {
    int rank;
    const int64_t *before, *in_dims; /* per axis: leading pad and input side */
} pad_ctx;

static int pad_index(const void *ctx, const int64_t *oc, int64_t *sc)
{
    const pad_ctx *c = ctx;
    for (int d = 0; d < c->rank; d++) {
        sc[d] = oc[d] - c->before[d];
        if (sc[d] < 0 || sc[d] >= c->in_dims[d])
            return 0;
    }
    return 1;
}

static pim_status rule_pad(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t *pads, np, *axes = NULL, na = x->rank;
    int attr = onnx_attr_ints(im, n, "pads", &pads); /* opset < 11 */
    np = attr;
    if (attr < 0 && (st = onnx_input_ints(im, n, 1, "pads", &pads, &np)))
        return st;
    if (n->nin > 3 && n->in[3] && (st = onnx_input_ints(im, n, 3, "axes", &axes, &na))) /* 18 */
        return st;
    if (np != 2 * na || na > x->rank)
        return onnx_node_fail(im, n, "pads must have two values per padded axis");
    int64_t *dims = onnx_ints(im, x->rank);
    int64_t *before = onnx_ints(im, x->rank);
    if (!dims || !before)
        return onnx_oom(im);
    memcpy(dims, x->dims, (size_t)x->rank * sizeof *dims);
    for (int64_t i = 0; i < na; i++) {
        int64_t d = onnx_axis(axes ? axes[i] : i, x->rank);
        if (d < 0)
            return onnx_node_fail(im, n, "axis out of range");
        int64_t lo = pads[i], hi = pads[i + na];
        if (lo < -ONNX_MAX_DIM || lo > ONNX_MAX_DIM || hi < -ONNX_MAX_DIM || hi > ONNX_MAX_DIM)
            return onnx_node_fail(im, n, "padding of %lld / %lld is out of range", (long long)lo,
                                  (long long)hi);
        dims[d] += lo + hi;
        before[d] = lo;
        if (dims[d] < 0 || dims[d] > ONNX_MAX_DIM)
            return onnx_node_fail(im, n, "padding leaves %lld elements on axis %lld",
                                  (long long)dims[d], (long long)d);
    }
    onnx_tensor *out;
    if ((st = shaped_output(im, n, 0, x->rank, dims, &out)))
        return st;
    const char *mode = onnx_attr_str(im, n, "mode", "constant");
    double fill = n->nin > 2 && n->in[2] && (n->in[2]->ints || n->in[2]->reals)
                      ? onnx_value_real(n->in[2], 0)
                      : 0;
    pad_ctx c = {x->rank, before, x->dims};
    return strcmp(mode, "constant") ? PIM_OK : map_values(im, out, x, pad_index, &c, fill);
}

typedef struct {
    const onnx_tensor *src, *out;
} expand_ctx;

static int expand_index(const void *ctx, const int64_t *oc, int64_t *sc)
{
    const expand_ctx *c = ctx;
    int off = c->out->rank - c->src->rank;
    for (int d = 0; d < c->src->rank; d++)
        sc[d] = c->src->dims[d] == 1 ? 0 : oc[d + off];
    return 1;
}

static pim_status rule_expand(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 2);
    int64_t *shape, rank;
    if (st || (st = onnx_input_ints(im, n, 1, "the target shape", &shape, &rank)))
        return st;
    onnx_tensor target = {.name = "shape"};
    if (rank > (1 << 16) || (st = onnx_set_shape(im, &target, (int)rank, shape)))
        return st ? st : onnx_node_fail(im, n, "target rank too large");
    for (int i = 0; i < target.rank; i++)
        if (target.dims[i] < 0 || target.dims[i] > ONNX_MAX_DIM)
            return onnx_node_fail(im, n, "bad dimension %lld", (long long)target.dims[i]);
    onnx_tensor *out = onnx_output(im, n, 0);
    onnx_tensor *pair[2] = {n->in[0], &target};
    if (!out)
        return im->err->status;
    if (!onnx_broadcast(im, pair, 2, out, &st))
        return st ? st : onnx_node_fail(im, n, "shapes do not broadcast");
    if (onnx_numel(out) < 0)
        return onnx_node_fail(im, n, "the result has more than 2^56 elements");
    out->type = n->in[0]->type;
    if ((st = onnx_carry(im, n, out)))
        return st;
    expand_ctx c = {n->in[0], out};
    return map_values(im, out, n->in[0], expand_index, &c, 0);
}

static int tile_index(const void *ctx, const int64_t *oc, int64_t *sc)
{
    const onnx_tensor *src = ctx;
    for (int d = 0; d < src->rank; d++)
        sc[d] = oc[d] % src->dims[d];
    return 1;
}

static pim_status rule_tile(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 2);
    int64_t *reps, count;
    if (st || (st = onnx_input_ints(im, n, 1, "repeats", &reps, &count)))
        return st;
    const onnx_tensor *x = n->in[0];
    if (count != x->rank)
        return onnx_node_fail(im, n, "repeats must have one value per axis");
    int64_t *dims = onnx_ints(im, x->rank);
    if (!dims)
        return onnx_oom(im);
    for (int d = 0; d < x->rank; d++)
        if (reps[d] < 0 || !onnx_mul(x->dims[d], reps[d], &dims[d]) || dims[d] > ONNX_MAX_DIM)
            return onnx_node_fail(im, n, "repeats %lld on axis %d is out of range",
                                  (long long)reps[d], d);
    onnx_tensor *out;
    if ((st = shaped_output(im, n, 0, x->rank, dims, &out)))
        return st;
    if (onnx_numel(out) < 0)
        return onnx_node_fail(im, n, "the result has more than 2^56 elements");
    return onnx_numel(x) ? map_values(im, out, x, tile_index, x, 0) : PIM_OK;
}

static pim_status rule_shape(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t b = onnx_attr_int(n, "start", 0), e = onnx_attr_int(n, "end", x->rank);
    b = clamp(b < 0 ? b + x->rank : b, 0, x->rank); /* opset 15: start and end */
    e = clamp(e < 0 ? e + x->rank : e, b, x->rank);
    onnx_tensor *out = onnx_output(im, n, 0);
    int64_t len = e - b;
    if (!out || (st = onnx_set_shape(im, out, 1, &len)))
        return out ? st : im->err->status;
    /* shapes are known here: the result is a constant, not data */
    out->type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    int kept = onnx_values_alloc(im, out, 0);
    if (kept > 0 && len)
        memcpy(out->ints, x->dims + b, (size_t)len * sizeof *out->ints);
    return kept < 0 ? onnx_oom(im) : PIM_OK;
}

static pim_status rule_size(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    onnx_tensor *out = st ? NULL : onnx_output(im, n, 0);
    if (!out || (st = onnx_set_shape(im, out, 0, NULL)))
        return st ? st : im->err->status;
    out->type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    int kept = onnx_values_alloc(im, out, 0);
    if (kept > 0)
        out->ints[0] = onnx_numel(n->in[0]);
    return kept < 0 ? onnx_oom(im) : PIM_OK;
}

typedef struct {
    const onnx_tensor *data, *idx;
    int64_t axis;
    const int64_t *at; /* per index element: the position on the axis */
} gather_ctx;

static int gather_index(const void *ctx, const int64_t *oc, int64_t *sc)
{
    const gather_ctx *c = ctx;
    int q = c->idx->rank;
    for (int64_t d = 0; d < c->axis; d++)
        sc[d] = oc[d];
    int64_t flat = 0;
    for (int d = 0; d < q; d++)
        flat = flat * c->idx->dims[d] + oc[c->axis + d];
    sc[c->axis] = c->at[flat];
    for (int d = (int)c->axis + 1; d < c->data->rank; d++)
        sc[d] = oc[d - 1 + q];
    return 1;
}

static pim_status rule_gather(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 2);
    if (st)
        return st;
    const onnx_tensor *data = n->in[0], *idx = n->in[1];
    int64_t axis = onnx_axis(onnx_attr_int(n, "axis", 0), data->rank);
    if (axis < 0)
        return onnx_node_fail(im, n, "axis out of range");
    int rank = data->rank - 1 + idx->rank;
    int64_t *dims = onnx_ints(im, rank);
    if (!dims)
        return onnx_oom(im);
    int k = 0;
    for (int i = 0; i < axis; i++)
        dims[k++] = data->dims[i];
    for (int i = 0; i < idx->rank; i++)
        dims[k++] = idx->dims[i];
    for (int i = (int)axis + 1; i < data->rank; i++)
        dims[k++] = data->dims[i];
    onnx_tensor *out;
    if ((st = shaped_output(im, n, 0, rank, dims, &out)))
        return st;
    out->type = data->type;
    if ((data->ints || data->reals) && (idx->ints || idx->reals)) {
        int64_t *at, count;
        if ((st = onnx_input_ints(im, n, 1, "indices", &at, &count)))
            return st;
        for (int64_t j = 0; j < count; j++) {
            at[j] = at[j] < 0 ? at[j] + data->dims[axis] : at[j];
            if (at[j] < 0 || at[j] >= data->dims[axis])
                return onnx_node_fail(im, n, "index %lld out of range", (long long)at[j]);
        }
        gather_ctx c = {data, idx, axis, at};
        if ((st = map_values(im, out, data, gather_index, &c, 0)))
            return st;
    }
    if (!data->dynamic && idx->dynamic) /* an embedding lookup */
        return onnx_vector_op(im, n, out, "gather", onnx_numel(out));
    return PIM_OK;
}

/* GatherElements: the output has the indices' shape. */
static pim_status rule_gather_elements(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 2);
    onnx_tensor *out;
    if (!st)
        st = shaped_output(im, n, 0, n->in[1]->rank, n->in[1]->dims, &out);
    return st;
}

/* GatherND: indices [..., k] select slices of data past its first
 * batch_dims + k axes. */
static pim_status rule_gather_nd(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 2);
    if (st)
        return st;
    const onnx_tensor *data = n->in[0], *idx = n->in[1];
    int64_t b = onnx_attr_int(n, "batch_dims", 0);
    int64_t k = idx->rank ? idx->dims[idx->rank - 1] : -1;
    if (idx->rank < 1 || b < 0 || b >= idx->rank || k < 1 || b + k > data->rank)
        return onnx_node_fail(im, n, "indices do not fit the data");
    int rank = idx->rank - 1 + data->rank - (int)(b + k);
    int64_t *dims = onnx_ints(im, rank);
    if (!dims)
        return onnx_oom(im);
    memcpy(dims, idx->dims, (size_t)(idx->rank - 1) * sizeof *dims);
    memcpy(dims + idx->rank - 1, data->dims + b + k, (size_t)(data->rank - b - k) * sizeof *dims);
    onnx_tensor *out;
    return shaped_output(im, n, 0, rank, dims, &out);
}

static pim_status rule_constant_of_shape(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    int64_t *shape, rank;
    if (st || (st = onnx_input_ints(im, n, 0, "the shape", &shape, &rank)))
        return st;
    for (int64_t i = 0; i < rank; i++)
        if (shape[i] < 0 || shape[i] > ONNX_MAX_DIM)
            return onnx_node_fail(im, n, "bad dimension %lld", (long long)shape[i]);
    onnx_tensor *out = onnx_output(im, n, 0);
    if (!out || rank > (1 << 16) || (st = onnx_set_shape(im, out, (int)rank, shape)))
        return !out ? im->err->status : st ? st : onnx_node_fail(im, n, "rank too large");
    if (onnx_numel(out) < 0)
        return onnx_node_fail(im, n, "the result has more than 2^56 elements");
    const Onnx__AttributeProto *a = onnx_attr(n, "value");
    onnx_tensor one = {.name = "value"};
    if (a && a->t && (st = onnx_tensor_from_proto(im, a->t, &one)))
        return st;
    int real = one.reals != NULL;
    out->type = a && a->t ? one.type : ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    int kept = onnx_values_alloc(im, out, real || !(a && a->t));
    if (kept < 0)
        return onnx_oom(im);
    for (int64_t i = 0; kept && i < onnx_numel(out); i++) {
        double v = (one.ints || one.reals) && onnx_numel(&one) >= 1 ? onnx_value_real(&one, 0) : 0;
        if (out->reals)
            out->reals[i] = v;
        else
            out->ints[i] = one.ints ? one.ints[0] : 0;
    }
    return PIM_OK;
}

static pim_status rule_constant(onnx_importer *im, const onnx_node *n)
{
    onnx_tensor *out = onnx_output(im, n, 0);
    if (!out)
        return n->node->n_output ? im->err->status : onnx_node_fail(im, n, "has no output");
    const Onnx__AttributeProto *a = onnx_attr(n, "value");
    if (a && a->t)
        return onnx_tensor_from_proto(im, a->t, out);
    pim_status st;
    int kept;
    if ((a = onnx_attr(n, "value_int")) && a->has_i) {
        if ((st = onnx_set_shape(im, out, 0, NULL)))
            return st;
        out->type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
        if ((kept = onnx_values_alloc(im, out, 0)) > 0)
            out->ints[0] = a->i;
        return kept < 0 ? onnx_oom(im) : PIM_OK;
    }
    if ((a = onnx_attr(n, "value_ints")) || (a = onnx_attr(n, "value_floats"))) {
        int ints = !strcmp(a->name, "value_ints");
        int64_t len = (int64_t)(ints ? a->n_ints : a->n_floats);
        if ((st = onnx_set_shape(im, out, 1, &len)))
            return st;
        out->type =
            ints ? ONNX__TENSOR_PROTO__DATA_TYPE__INT64 : ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
        if ((kept = onnx_values_alloc(im, out, !ints)) < 0)
            return onnx_oom(im);
        for (int64_t i = 0; kept && i < len; i++) {
            if (ints)
                out->ints[i] = a->ints[i];
            else
                out->reals[i] = a->floats[i];
        }
        return PIM_OK;
    }
    if ((a = onnx_attr(n, "value_float")) && a->has_f) {
        if ((st = onnx_set_shape(im, out, 0, NULL)))
            return st;
        out->type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
        if ((kept = onnx_values_alloc(im, out, 1)) > 0)
            out->reals[0] = a->f;
        return kept < 0 ? onnx_oom(im) : PIM_OK;
    }
    return onnx_node_fail(im, n, "no supported value attribute");
}

static pim_status rule_range(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 3);
    double *v[3];
    int64_t c[3];
    static const char *const what[] = {"start", "limit", "delta"};
    for (int i = 0; i < 3 && !st; i++)
        if (!(st = onnx_input_reals(im, n, (uint32_t)i, what[i], &v[i], &c[i])) && c[i] != 1)
            st = onnx_node_fail(im, n, "%s must be a scalar", what[i]);
    if (st)
        return st;
    double start = v[0][0], limit = v[1][0], delta = v[2][0];
    if (delta == 0 || !isfinite(start) || !isfinite(limit) || !isfinite(delta))
        return onnx_node_fail(im, n, "delta is zero, or a bound is not finite");
    int real = n->in[0]->reals || n->in[1]->reals || n->in[2]->reals;
    int64_t count;
    if (real) {
        double span = ceil((limit - start) / delta);
        if (span > (double)ONNX_MAX_DIM)
            return onnx_node_fail(im, n, "range of %g elements is too long", span);
        count = span > 0 ? (int64_t)span : 0;
    } else { /* ceil((limit - start) / delta) in checked integers */
        int64_t a = n->in[0]->ints[0], b = n->in[1]->ints[0], d = n->in[2]->ints[0], diff;
        if (__builtin_sub_overflow(b, a, &diff) || (diff == INT64_MIN && d == -1))
            return onnx_node_fail(im, n, "integer overflow at import (limit - start)");
        int64_t q = diff / d, r = diff % d;
        count = q + (r != 0 && (r > 0) == (d > 0));
        count = count > 0 ? count : 0;
        if (count > ONNX_MAX_DIM)
            return onnx_node_fail(im, n, "range of %lld elements is too long", (long long)count);
    }
    onnx_tensor *out = onnx_output(im, n, 0);
    if (!out || (st = onnx_set_shape(im, out, 1, &count)))
        return out ? st : im->err->status;
    out->type = n->in[0]->type;
    int kept = onnx_values_alloc(im, out, real);
    if (kept < 0)
        return onnx_oom(im);
    for (int64_t i = 0; kept && i < count; i++) {
        if (real)
            out->reals[i] = start + (double)i * delta;
        else if (!onnx_mul(i, n->in[2]->ints[0], &out->ints[i]) ||
                 !onnx_add(out->ints[i], n->in[0]->ints[0], &out->ints[i]))
            return onnx_node_fail(im, n, "integer overflow at import");
    }
    return PIM_OK;
}

/* ScatterND / ScatterElements / Trilu-like: the data's shape; ScatterND's
 * values are computed when everything is known. */
static pim_status rule_scatter(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 3);
    if (st)
        return st;
    const onnx_tensor *data = n->in[0], *idx = n->in[1], *upd = n->in[2];
    onnx_tensor *out;
    if ((st = shaped_output(im, n, 0, data->rank, data->dims, &out)))
        return st;
    if (strcmp(n->node->op_type, "ScatterND") || !(data->ints || data->reals) ||
        !(idx->ints || idx->reals) || !(upd->ints || upd->reals) || idx->rank < 1 ||
        (data->reals != NULL) != (upd->reals != NULL))
        return PIM_OK;
    int64_t k = idx->dims[idx->rank - 1];
    if (k < 1 || k > data->rank)
        return onnx_node_fail(im, n, "index depth out of range");
    int64_t slice = onnx_dims_product(data, (int)k, data->rank);
    int64_t count = onnx_numel(idx) / k, *at;
    if (count * slice != onnx_numel(upd))
        return onnx_node_fail(im, n, "updates do not match the indices");
    if ((st = onnx_values_copy(im, out, data)) || !(out->ints || out->reals) ||
        (st = onnx_input_ints(im, n, 1, "indices", &at, &count)))
        return st;
    for (int64_t j = 0; j < count / k; j++) {
        int64_t flat = 0;
        for (int64_t d = 0; d < k; d++) {
            int64_t i = at[j * k + d];
            i = i < 0 ? i + data->dims[d] : i;
            if (i < 0 || i >= data->dims[d])
                return onnx_node_fail(im, n, "index out of range");
            flat = flat * data->dims[d] + i;
        }
        for (int64_t s = 0; s < slice; s++) {
            if (out->reals)
                out->reals[flat * slice + s] = upd->reals[j * slice + s];
            else
                out->ints[flat * slice + s] = upd->ints[j * slice + s];
        }
    }
    return PIM_OK;
}

/* NonZero: its output's shape depends on values, so they must be known
 * (a constant mask); on data it is not static and is refused. */
static pim_status rule_nonzero(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    if (!x->ints && !x->reals)
        return onnx_node_fail(im, n,
                              "its output shape depends on '%s', which is not known at "
                              "import (only static NonZero is supported)",
                              x->name);
    int64_t total = onnx_numel(x), nnz = 0;
    for (int64_t i = 0; i < total; i++)
        nnz += onnx_value_real(x, i) != 0;
    int64_t dims[2] = {x->rank, nnz};
    onnx_tensor *out = onnx_output(im, n, 0);
    if (!out || (st = onnx_set_shape(im, out, 2, dims)))
        return out ? st : im->err->status;
    out->type = ONNX__TENSOR_PROTO__DATA_TYPE__INT64;
    int kept = onnx_values_alloc(im, out, 0);
    int64_t *coord = onnx_ints(im, x->rank);
    if (kept < 0 || !coord)
        return onnx_oom(im);
    for (int64_t i = 0, j = 0; kept && i < total; i++) {
        if (onnx_value_real(x, i) == 0)
            continue;
        unravel(i, x->dims, x->rank, coord);
        for (int d = 0; d < x->rank; d++)
            out->ints[d * nnz + j] = coord[d];
        j++;
    }
    return PIM_OK;
}

/* OneHot: indices' shape with `depth` inserted at `axis`. */
static pim_status rule_one_hot(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 3);
    int64_t *depth, count;
    if (st || (st = onnx_input_ints(im, n, 1, "depth", &depth, &count)))
        return st;
    const onnx_tensor *idx = n->in[0];
    int rank = idx->rank + 1;
    int64_t axis = onnx_axis(onnx_attr_int(n, "axis", -1), rank);
    if (count != 1 || depth[0] < 1 || depth[0] > ONNX_MAX_DIM || axis < 0)
        return onnx_node_fail(im, n, "depth must be one positive number, and axis in range");
    int64_t *dims = onnx_ints(im, rank);
    if (!dims)
        return onnx_oom(im);
    for (int i = 0, k = 0; i < rank; i++)
        dims[i] = i == axis ? depth[0] : idx->dims[k++];
    onnx_tensor *out;
    return shaped_output(im, n, 0, rank, dims, &out);
}

/* DepthToSpace and SpaceToDepth move channels into space and back. */
static pim_status rule_depth_space(onnx_importer *im, const onnx_node *n)
{
    pim_status st = onnx_need_inputs(im, n, 1);
    if (st)
        return st;
    const onnx_tensor *x = n->in[0];
    int64_t b = onnx_attr_int(n, "blocksize", 0), bb;
    if (x->rank != 4 || b < 1 || b > (1 << 20) || !onnx_mul(b, b, &bb))
        return onnx_node_fail(im, n, "needs a 4-D input and a blocksize >= 1");
    int64_t dims[4] = {x->dims[0], x->dims[1], x->dims[2], x->dims[3]};
    if (!strcmp(n->node->op_type, "DepthToSpace")) {
        if (dims[1] % bb)
            return onnx_node_fail(im, n, "channels %lld are not a multiple of %lld",
                                  (long long)dims[1], (long long)bb);
        dims[1] /= bb;
        dims[2] *= b;
        dims[3] *= b;
    } else {
        if (dims[2] % b || dims[3] % b)
            return onnx_node_fail(im, n, "height and width must be multiples of %lld",
                                  (long long)b);
        dims[1] *= bb;
        dims[2] /= b;
        dims[3] /= b;
    }
    onnx_tensor *out;
    return shaped_output(im, n, 0, 4, dims, &out);
}

/* ---- the table -------------------------------------------------------- */

static const struct {
    const char *op;
    onnx_rule rule;
} RULES[] = {
    {"Identity", rule_identity},
    {"Dropout", rule_identity},
    {"Cast", rule_cast},
    {"CastLike", rule_cast},
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
    {"Tile", rule_tile},
    {"Shape", rule_shape},
    {"Size", rule_size},
    {"Gather", rule_gather},
    {"GatherElements", rule_gather_elements},
    {"GatherND", rule_gather_nd},
    {"ConstantOfShape", rule_constant_of_shape},
    {"Constant", rule_constant},
    {"Range", rule_range},
    {"ScatterND", rule_scatter},
    {"ScatterElements", rule_scatter},
    {"NonZero", rule_nonzero},
    {"OneHot", rule_one_hot},
    {"DepthToSpace", rule_depth_space},
    {"SpaceToDepth", rule_depth_space},
};

onnx_rule onnx_shape_rule(const char *op)
{
    for (size_t i = 0; i < sizeof RULES / sizeof RULES[0]; i++)
        if (!strcmp(RULES[i].op, op))
            return RULES[i].rule;
    return NULL;
}

int onnx_is_passthrough(const char *op)
{
    static const char *const ops[] = {"Identity",     "Reshape",      "Transpose", "Flatten",
                                      "Squeeze",      "Unsqueeze",    "Cast",      "CastLike",
                                      "Dropout",      "Pad",          "Expand",    "Tile",
                                      "DepthToSpace", "SpaceToDepth", "Slice",     "Split"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (!strcmp(op, ops[i]))
            return 1;
    return 0;
}
