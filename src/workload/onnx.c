/* pimstream workload: ONNX import.
 *
 * The file is decoded by protobuf-c from code generated out of Debian's
 * onnx.proto; nothing here reads protobuf bytes by hand, and fields newer
 * than that schema are skipped by the decoder. Accepted: IR versions 3 to
 * 11 and the default operator set at versions 11 to 21. Weights need not be
 * present: shapes come from initializers, graph inputs and inference
 * through the graph (operator rules in onnx_ops.c and onnx_shape.c).
 *
 * Which graph inputs are data (activations) and which are weights? An
 * initializer is a weight. A graph input is data when some operator uses it,
 * directly or through reshapes, where ONNX defines an activation (Conv's X,
 * Gemm's A, a pooling or activation function's input, Gather's indices).
 * Every tensor computed from data is dynamic; a MatMul or Gemm with one
 * non-dynamic operand is weight-stationary, with two it is a dynamic matmul. */
#include "onnx_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ONNX_IR_MIN 3
#define ONNX_IR_MAX 11
#define ONNX_OPSET_MIN 11
#define ONNX_OPSET_MAX 21

/* ---- arena ------------------------------------------------------------ */

struct onnx_block {
    onnx_block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

void *onnx_alloc(onnx_importer *im, size_t bytes)
{
    bytes = (bytes + 15) & ~(size_t)15;
    onnx_block *b = im->arena;
    if (!b || b->cap - b->used < bytes) {
        size_t cap = bytes > (1u << 20) ? bytes : (1u << 20);
        if (im->arena_bytes + cap > ONNX_MEMORY_GUARD) {
            pim_fail(im->err, PIM_EINPUT,
                     "%s: the graph needs more than %llu MiB of shapes and values to import",
                     im->origin, (unsigned long long)(ONNX_MEMORY_GUARD >> 20));
            return NULL;
        }
        b = malloc(sizeof *b + cap);
        if (!b) {
            pim_fail(im->err, PIM_EINTERNAL, "%s: out of memory", im->origin);
            return NULL;
        }
        b->next = im->arena;
        b->used = 0;
        b->cap = cap;
        im->arena = b;
        im->arena_bytes += cap;
    }
    void *p = b->data + b->used;
    b->used += bytes;
    memset(p, 0, bytes);
    return p;
}

int64_t *onnx_ints(onnx_importer *im, int64_t n)
{
    return n < 0 ? NULL : onnx_alloc(im, (size_t)(n + 1) * sizeof(int64_t));
}

static void arena_free(onnx_importer *im)
{
    for (onnx_block *b = im->arena, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    im->arena = NULL;
}

pim_status onnx_oom(onnx_importer *im)
{
    return im->err->status ? im->err->status
                           : pim_fail(im->err, PIM_EINTERNAL, "%s: out of memory", im->origin);
}

/* ---- tensor table ----------------------------------------------------- */

onnx_tensor *onnx_find(onnx_importer *im, const char *name)
{
    uint32_t i;
    return pim_strmap_get(&im->index, name, &i) ? &im->t[i] : NULL;
}

/* A new tensor, or NULL when the name is taken (ONNX names are assigned
 * once) or memory ran out; im->err says which. The table is sized once for
 * every name the graph can define: nodes hold pointers to their inputs
 * while their outputs are defined, so tensors never move. */
onnx_tensor *onnx_define(onnx_importer *im, const char *name)
{
    if (onnx_find(im, name)) {
        pim_fail(im->err, PIM_EINPUT, "%s: tensor '%s' is defined twice", im->origin, name);
        return NULL;
    }
    if (im->count == im->cap) {
        pim_fail(im->err, PIM_EINTERNAL, "%s: tensor table full", im->origin);
        return NULL;
    }
    if (!pim_strmap_put(&im->index, name, im->count)) {
        pim_fail(im->err, PIM_EINTERNAL, "%s: out of memory", im->origin);
        return NULL;
    }
    onnx_tensor *t = &im->t[im->count++];
    memset(t, 0, sizeof *t);
    t->name = name;
    return t;
}

pim_status onnx_set_shape(onnx_importer *im, onnx_tensor *t, int rank, const int64_t *dims)
{
    int64_t *d = onnx_alloc(im, (size_t)(rank ? rank : 1) * sizeof *d);
    if (!d)
        return onnx_oom(im);
    if (dims && rank)
        memcpy(d, dims, (size_t)rank * sizeof *d);
    t->dims = d;
    t->rank = rank;
    t->known = 1;
    t->ints = NULL;
    t->reals = NULL;
    return PIM_OK;
}

int64_t onnx_numel(const onnx_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++)
        if (!onnx_mul(n, t->dims[i], &n) || n > ONNX_MAX_ELEMS)
            return -1;
    return n;
}

/* ---- producers -------------------------------------------------------- */

/* Is layer a an ancestor of layer b? Layers are in topological order, so
 * the search never looks below a. `seen` has a byte per layer, all zero. */
static int is_ancestor(const pim_model *m, uint32_t a, uint32_t b, unsigned char *seen,
                       uint32_t *stack)
{
    uint32_t top = 0;
    int found = 0;
    stack[top++] = b;
    while (top && !found) {
        const pim_layer *l = &m->layers[stack[--top]];
        const uint32_t *preds = pim_layer_preds(m, l);
        for (uint32_t i = 0; i < l->npreds && !found; i++) {
            found = preds[i] == a;
            if (preds[i] > a && !seen[preds[i]]) {
                seen[preds[i]] = 1;
                stack[top++] = preds[i];
            }
        }
    }
    return found;
}

/* Drop producers that are ancestors of other producers: a layer finishes
 * only after all its ancestors, so waiting on it waits on them. Dense
 * blocks (DenseNet) concatenate every earlier output; this keeps their
 * edges few. It is an economy, not a limit: sets of any size are kept. */
static int prune_ancestors(const pim_model *m, uint32_t *set, uint32_t *n)
{
    unsigned char *seen = calloc(m->count ? m->count : 1, 1);
    uint32_t *stack = malloc((m->count ? m->count : 1) * sizeof *stack);
    if (!seen || !stack) {
        free(seen);
        free(stack);
        return 0;
    }
    uint32_t kept = 0;
    for (uint32_t i = 0; i < *n; i++) {
        int implied = 0;
        for (uint32_t j = 0; j < *n && !implied; j++) {
            if (set[j] <= set[i])
                continue;
            memset(seen, 0, m->count);
            implied = is_ancestor(m, set[i], set[j], seen, stack);
        }
        if (!implied)
            set[kept++] = set[i];
    }
    *n = kept;
    free(seen);
    free(stack);
    return 1;
}

/* A layer's producer set is pruned of ancestors when it has more than
 * ONNX_PRUNE_AT members and at most ONNX_PRUNE_MAX (past that the search
 * would cost more than the edges it saves). */
#define ONNX_PRUNE_AT 16
#define ONNX_PRUNE_MAX 256

pim_status onnx_merge_producers(onnx_importer *im, const onnx_node *n, onnx_tensor *to,
                                const onnx_tensor *from)
{
    (void)n;
    uint32_t total = to->nproducers + from->nproducers;
    uint32_t *set = onnx_alloc(im, (size_t)(total ? total : 1) * sizeof *set);
    if (!set)
        return onnx_oom(im);
    uint32_t count = to->nproducers;
    if (count)
        memcpy(set, to->producers, count * sizeof *set);
    for (uint32_t i = 0; i < from->nproducers; i++) {
        uint32_t p = from->producers[i], k = 0;
        while (k < count && set[k] != p)
            k++;
        if (k == count)
            set[count++] = p;
    }
    to->producers = set;
    to->nproducers = count;
    return PIM_OK;
}

pim_status onnx_node_fail(onnx_importer *im, const onnx_node *n, const char *fmt, ...)
{
    char what[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const char *name = n->node->name && *n->node->name ? n->node->name : "(unnamed)";
    return pim_fail(im->err, PIM_EINPUT, "%s: node %s (%s): %s", im->origin, name,
                    n->node->op_type ? n->node->op_type : "?", what);
}

/* Layer names keep the end of long ONNX names (the end says what it is)
 * and are unique: a name seen before gets "#2", "#3", ... */
static pim_status layer_name(onnx_importer *im, const onnx_node *n, char *buf, size_t cap)
{
    char base[64];
    const char *s = n->node->name && *n->node->name ? n->node->name : NULL;
    if (!s) {
        snprintf(base, sizeof base, "%.40s_%u", n->node->op_type, im->model->count);
    } else {
        size_t len = strlen(s);
        pim_strlcpy(base, len >= sizeof base - 8 ? s + len - (sizeof base - 9) : s,
                    sizeof base - 8);
    }
    uint32_t uses = 0;
    pim_strlcpy(buf, base, cap);
    for (uint32_t k = 2; pim_strmap_get(&im->layers, buf, &uses); k++)
        snprintf(buf, cap, "%.54s#%u", base, k); /* base holds at most 55 characters */
    return pim_strmap_put(&im->layers, buf, im->model->count) ? PIM_OK : onnx_oom(im);
}

pim_status onnx_emit(onnx_importer *im, const onnx_node *n, pim_layer *l, onnx_tensor *out)
{
    pim_status st = layer_name(im, n, l->name, sizeof l->name);
    onnx_tensor all = {0};
    for (uint32_t i = 0; i < n->nin && !st; i++)
        if (n->in[i] && n->in[i]->dynamic)
            st = onnx_merge_producers(im, n, &all, n->in[i]);
    if (st)
        return st;
    if (all.nproducers > ONNX_PRUNE_AT && all.nproducers <= ONNX_PRUNE_MAX &&
        !prune_ancestors(im->model, all.producers, &all.nproducers))
        return onnx_oom(im);
    pim_error inner;
    if (pim_model_add(im->model, l, all.producers, all.nproducers, &inner))
        return inner.status == PIM_EINPUT ? onnx_node_fail(im, n, "%s", inner.msg)
                                          : pim_fail(im->err, inner.status, "%s", inner.msg);
    uint32_t *self = onnx_alloc(im, sizeof *self);
    if (!self)
        return onnx_oom(im);
    *self = im->model->count - 1;
    out->dynamic = 1;
    out->producers = self;
    out->nproducers = 1;
    return PIM_OK;
}

/* ---- attributes ------------------------------------------------------- */

const Onnx__AttributeProto *onnx_attr(const onnx_node *n, const char *name)
{
    for (size_t i = 0; i < n->node->n_attribute; i++)
        if (n->node->attribute[i]->name && strcmp(n->node->attribute[i]->name, name) == 0)
            return n->node->attribute[i];
    return NULL;
}

int64_t onnx_attr_int(const onnx_node *n, const char *name, int64_t dflt)
{
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    return a && a->has_i ? a->i : dflt;
}

double onnx_attr_float(const onnx_node *n, const char *name, double dflt)
{
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    return a && a->has_f ? a->f : dflt;
}

int onnx_attr_ints(onnx_importer *im, const onnx_node *n, const char *name, int64_t **out)
{
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    *out = NULL;
    if (!a || a->n_ints > (size_t)1 << 24)
        return -1;
    *out = onnx_alloc(im, (a->n_ints ? a->n_ints : 1) * sizeof **out);
    if (!*out)
        return -1;
    if (a->n_ints)
        memcpy(*out, a->ints, a->n_ints * sizeof **out);
    return (int)a->n_ints;
}

const char *onnx_attr_str(onnx_importer *im, const onnx_node *n, const char *name, const char *dflt)
{
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    if (!a || !a->has_s)
        return dflt;
    char *s = onnx_alloc(im, a->s.len + 1); /* protobuf bytes are not NUL-terminated */
    if (!s)
        return dflt;
    if (a->s.len)
        memcpy(s, a->s.data, a->s.len);
    if (strlen(s) != a->s.len)
        return "?"; /* a NUL inside: no value we know */
    return s;
}

/* ---- tensor protos ---------------------------------------------------- */

static int64_t read_le(const uint8_t *p, size_t width, int is_signed)
{
    uint64_t v = 0;
    for (size_t i = 0; i < width; i++)
        v |= (uint64_t)p[i] << (8 * i);
    if (is_signed && width < 8 && (v >> (8 * width - 1)) & 1)
        v |= ~0ull << (8 * width);
    return (int64_t)v;
}

/* Integer element widths by ONNX data type (0: not an integer type). */
static size_t int_width(int32_t type, int *is_signed)
{
    *is_signed = 1;
    switch (type) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT64:
        return 8;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT32:
        return 4;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT16:
        return 2;
    case ONNX__TENSOR_PROTO__DATA_TYPE__INT8:
        return 1;
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT8:
    case ONNX__TENSOR_PROTO__DATA_TYPE__BOOL:
        *is_signed = 0;
        return 1;
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT16:
        *is_signed = 0;
        return 2;
    case ONNX__TENSOR_PROTO__DATA_TYPE__UINT32:
        *is_signed = 0;
        return 4;
    default:
        return 0;
    }
}

static int proto_ints(const Onnx__TensorProto *p, int64_t n, int64_t *v)
{
    int is_signed;
    size_t w = int_width(p->data_type, &is_signed);
    if (!w)
        return 0;
    if (p->has_raw_data) {
        if (p->raw_data.len != (size_t)n * w)
            return 0;
        for (int64_t i = 0; i < n; i++)
            v[i] = read_le(p->raw_data.data + (size_t)i * w, w, is_signed);
        return 1;
    }
    if (p->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__INT64 && p->n_int64_data == (size_t)n) {
        if (n) /* an empty field is a NULL array */
            memcpy(v, p->int64_data, (size_t)n * sizeof *v);
        return 1;
    }
    if (p->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__UINT32 && p->n_uint64_data == (size_t)n) {
        for (int64_t i = 0; i < n; i++)
            v[i] = (int64_t)(p->uint64_data[i] & 0xffffffffu);
        return 1;
    }
    if (p->n_int32_data == (size_t)n) {
        for (int64_t i = 0; i < n; i++)
            v[i] = p->int32_data[i];
        return 1;
    }
    return 0;
}

/* IEEE half and bfloat16 bits as a double. */
static double half_to_double(uint32_t h, int bfloat)
{
    if (bfloat) {
        uint32_t bits = h << 16;
        float f;
        memcpy(&f, &bits, sizeof f);
        return f;
    }
    int exp = (int)((h >> 10) & 31), sign = (h >> 15) & 1;
    double mant = (double)(h & 1023);
    double v = exp == 0    ? mant / 1024.0 / 16384.0
               : exp == 31 ? (mant ? NAN : INFINITY)
                           : (1.0 + mant / 1024.0) * (double)(1u << exp) / 32768.0;
    return sign ? -v : v;
}

static int proto_reals(const Onnx__TensorProto *p, int64_t n, double *v)
{
    size_t w = 0;
    switch (p->data_type) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
        w = 4;
        break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:
        w = 8;
        break;
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16:
    case ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16:
        w = 2;
        break;
    default:
        return 0;
    }
    int bf = p->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16;
    if (p->has_raw_data) {
        if (p->raw_data.len != (size_t)n * w)
            return 0;
        for (int64_t i = 0; i < n; i++) {
            const uint8_t *b = p->raw_data.data + (size_t)i * w;
            uint64_t bits = (uint64_t)read_le(b, w, 0);
            if (w == 4) {
                uint32_t u = (uint32_t)bits;
                float f;
                memcpy(&f, &u, sizeof f);
                v[i] = f;
            } else if (w == 8) {
                memcpy(&v[i], &bits, sizeof v[i]);
            } else {
                v[i] = half_to_double((uint32_t)bits, bf);
            }
        }
        return 1;
    }
    if (w == 4 && p->n_float_data == (size_t)n) {
        for (int64_t i = 0; i < n; i++)
            v[i] = p->float_data[i];
        return 1;
    }
    if (w == 8 && p->n_double_data == (size_t)n) {
        if (n)
            memcpy(v, p->double_data, (size_t)n * sizeof *v);
        return 1;
    }
    if (w == 2 && p->n_int32_data == (size_t)n) {
        for (int64_t i = 0; i < n; i++)
            v[i] = half_to_double((uint32_t)p->int32_data[i] & 0xffff, bf);
        return 1;
    }
    return 0;
}

pim_status onnx_tensor_from_proto(onnx_importer *im, const Onnx__TensorProto *p, onnx_tensor *t)
{
    if (p->n_dims > (size_t)1 << 16)
        return pim_fail(im->err, PIM_EINPUT, "%s: tensor '%s' has rank %zu", im->origin, t->name,
                        p->n_dims);
    pim_status st = onnx_set_shape(im, t, (int)p->n_dims, NULL);
    if (st)
        return st;
    for (size_t i = 0; i < p->n_dims; i++) {
        if (p->dims[i] < 0 || p->dims[i] > ONNX_MAX_DIM)
            return pim_fail(im->err, PIM_EINPUT, "%s: tensor '%s' has dimension %lld", im->origin,
                            t->name, (long long)p->dims[i]);
        t->dims[i] = p->dims[i];
    }
    t->type = p->data_type;
    if (onnx_numel(t) < 0)
        return pim_fail(im->err, PIM_EINPUT, "%s: tensor '%s' has more than 2^56 elements",
                        im->origin, t->name);
    int real = onnx_type_is_real(p->data_type);
    if (!onnx_values_alloc(im, t, real))
        return im->err->status;
    int ok = real ? proto_reals(p, onnx_numel(t), t->reals) : proto_ints(p, onnx_numel(t), t->ints);
    if (!ok) { /* external data, or a type we do not read: the shape alone */
        t->ints = NULL;
        t->reals = NULL;
    }
    return PIM_OK;
}

/* ---- data inputs ------------------------------------------------------ */

/* Names used in an activation role: directly, or through reshapes. */
static pim_status activation_names(const Onnx__GraphProto *g, pim_strmap *set)
{
    for (size_t k = 0; k < g->n_node; k++) {
        const Onnx__NodeProto *node = g->node[k];
        for (size_t i = 0; node->op_type && i < node->n_input; i++)
            if (node->input[i] && *node->input[i] &&
                onnx_activation_slot(node->op_type, (uint32_t)i) &&
                !pim_strmap_put(set, node->input[i], 1))
                return PIM_EINTERNAL;
    }
    /* back through reshapes and copies, latest node first */
    uint32_t unused;
    for (size_t k = g->n_node; k-- > 0;) {
        const Onnx__NodeProto *node = g->node[k];
        if (!node->op_type || !onnx_is_passthrough(node->op_type) || !node->n_input ||
            !node->n_output || !node->input[0] || !node->output[0])
            continue;
        if (pim_strmap_get(set, node->output[0], &unused) &&
            !pim_strmap_put(set, node->input[0], 1))
            return PIM_EINTERNAL;
    }
    return PIM_OK;
}

static int is_initializer(const pim_strmap *inits, const char *name)
{
    uint32_t unused;
    return pim_strmap_get(inits, name, &unused);
}

static pim_status define_input(onnx_importer *im, const Onnx__ValueInfoProto *vi, int data)
{
    onnx_tensor *t = onnx_define(im, vi->name);
    if (!t)
        return im->err->status;
    t->dynamic = data;
    const Onnx__TypeProto *type = vi->type;
    if (!type || type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ||
        !type->tensor_type->shape)
        return pim_fail(im->err, PIM_EINPUT, "%s: graph input '%s' has no tensor shape", im->origin,
                        vi->name);
    const Onnx__TensorShapeProto *s = type->tensor_type->shape;
    if (s->n_dim > (size_t)1 << 16)
        return pim_fail(im->err, PIM_EINPUT, "%s: graph input '%s' has rank %zu", im->origin,
                        vi->name, s->n_dim);
    pim_status st = onnx_set_shape(im, t, (int)s->n_dim, NULL);
    if (st)
        return st;
    t->type = type->tensor_type->has_elem_type ? type->tensor_type->elem_type : 0;
    for (size_t i = 0; i < s->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *d = s->dim[i];
        /* a named (symbolic) dimension is the batch in practice: one sample */
        int64_t v = d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                        ? d->dim_value
                        : 1;
        if (v < 1 || v > ONNX_MAX_DIM)
            return pim_fail(im->err, PIM_EINPUT,
                            "%s: graph input '%s' has dimension %lld (each must be in 1..2^40)",
                            im->origin, vi->name, (long long)v);
        t->dims[i] = v;
    }
    if (onnx_numel(t) < 0)
        return pim_fail(im->err, PIM_EINPUT, "%s: graph input '%s' has more than 2^56 elements",
                        im->origin, vi->name);
    return PIM_OK;
}

static pim_status define_inputs(onnx_importer *im, const Onnx__GraphProto *g)
{
    pim_strmap inits = {0}, roles = {0};
    pim_status st = PIM_OK;
    for (size_t i = 0; i < g->n_initializer && !st; i++) {
        const Onnx__TensorProto *p = g->initializer[i];
        onnx_tensor *t = p->name ? onnx_define(im, p->name) : NULL;
        if (!t)
            st = p->name ? im->err->status
                         : pim_fail(im->err, PIM_EINPUT, "%s: unnamed initializer", im->origin);
        else if (!(st = onnx_tensor_from_proto(im, p, t)) && !pim_strmap_put(&inits, p->name, 1))
            st = onnx_oom(im);
    }
    if (!st && activation_names(g, &roles))
        st = onnx_oom(im);
    int any_data = 0, first = 1;
    uint32_t unused;
    for (size_t i = 0; i < g->n_input && !st; i++)
        any_data |= g->input[i]->name && !is_initializer(&inits, g->input[i]->name) &&
                    pim_strmap_get(&roles, g->input[i]->name, &unused);
    for (size_t i = 0; i < g->n_input && !st; i++) {
        const Onnx__ValueInfoProto *vi = g->input[i];
        if (!vi->name || is_initializer(&inits, vi->name))
            continue;
        /* without any activation use, the first input is the data (exporters
         * list model inputs before parameters) */
        int data = any_data ? pim_strmap_get(&roles, vi->name, &unused) : first;
        first = 0;
        st = define_input(im, vi, data);
    }
    pim_strmap_free(&inits);
    pim_strmap_free(&roles);
    return st;
}

/* ---- the walk --------------------------------------------------------- */

/* A node's data outputs must hold something: a dimension of 0 in an
 * activation is an empty network, not a fast one. */
static pim_status check_outputs(onnx_importer *im, const onnx_node *n)
{
    for (size_t i = 0; i < n->node->n_output; i++) {
        const onnx_tensor *t = *n->node->output[i] ? onnx_find(im, n->node->output[i]) : NULL;
        if (t && t->dynamic && onnx_numel(t) == 0)
            return onnx_node_fail(im, n, "output '%s' is empty (a dimension of 0)", t->name);
        if (t && t->known && onnx_numel(t) < 0)
            return onnx_node_fail(im, n, "output '%s' has more than 2^56 elements", t->name);
    }
    return PIM_OK;
}

static pim_status walk_node(onnx_importer *im, const Onnx__NodeProto *node)
{
    onnx_node n = {.node = node};
    if (!node->op_type || !*node->op_type)
        return pim_fail(im->err, PIM_EINPUT, "%s: a node has no op_type", im->origin);
    if (node->domain && *node->domain && strcmp(node->domain, "ai.onnx") != 0)
        return onnx_node_fail(im, &n, "operator domain '%s' is not supported", node->domain);
    n.in = onnx_alloc(im, (node->n_input ? node->n_input : 1) * sizeof *n.in);
    if (!n.in)
        return onnx_oom(im);
    for (size_t i = 0; i < node->n_input; i++) {
        if (!node->input[i] || !*node->input[i]) { /* absent optional input */
            n.in[n.nin++] = NULL;
            continue;
        }
        onnx_tensor *t = onnx_find(im, node->input[i]);
        if (!t || !t->known)
            return onnx_node_fail(im, &n,
                                  "input '%s' is not produced by an earlier node (missing "
                                  "input, or a graph out of order or with a cycle)",
                                  node->input[i]);
        n.in[n.nin++] = t;
    }
    for (size_t i = 0; i < node->n_output; i++)
        if (!node->output[i])
            return onnx_node_fail(im, &n, "an output has no name");
    pim_status st = onnx_apply(im, &n);
    return st ? st : check_outputs(im, &n);
}

static int opset_of(const Onnx__ModelProto *m)
{
    for (size_t i = 0; i < m->n_opset_import; i++) {
        const char *d = m->opset_import[i]->domain;
        if (!d || !*d || strcmp(d, "ai.onnx") == 0)
            return (int)m->opset_import[i]->version;
    }
    return -1;
}

static pim_status check_versions(onnx_importer *im, const Onnx__ModelProto *mp)
{
    if (!mp->graph && !mp->has_ir_version && !mp->n_opset_import)
        return pim_fail(im->err, PIM_EINPUT,
                        "%s: not an ONNX model (no graph, IR version or opset)", im->origin);
    if (mp->has_ir_version && (mp->ir_version < ONNX_IR_MIN || mp->ir_version > ONNX_IR_MAX))
        return pim_fail(im->err, PIM_EINPUT, "%s: ONNX IR version %lld is not supported (%d to %d)",
                        im->origin, (long long)mp->ir_version, ONNX_IR_MIN, ONNX_IR_MAX);
    im->opset = opset_of(mp);
    if (im->opset < 0)
        return pim_fail(im->err, PIM_EINPUT, "%s: the model imports no default-domain operator set",
                        im->origin);
    if (im->opset < ONNX_OPSET_MIN || im->opset > ONNX_OPSET_MAX)
        return pim_fail(im->err, PIM_EINPUT, "%s: ONNX opset %d is not supported (%d to %d)",
                        im->origin, im->opset, ONNX_OPSET_MIN, ONNX_OPSET_MAX);
    if (!mp->graph)
        return pim_fail(im->err, PIM_EINPUT, "%s: the model has no graph", im->origin);
    return PIM_OK;
}

static pim_status import_graph(onnx_importer *im, const Onnx__ModelProto *mp)
{
    pim_status st = check_versions(im, mp);
    if (st)
        return st;
    const Onnx__GraphProto *g = mp->graph;
    size_t names = g->n_initializer + g->n_input;
    for (size_t k = 0; k < g->n_node; k++)
        names += g->node[k]->n_output;
    if (names >= UINT32_MAX / 2)
        return pim_fail(im->err, PIM_EINPUT, "%s: graph too large", im->origin);
    im->cap = (uint32_t)names;
    im->t = onnx_alloc(im, (names ? names : 1) * sizeof *im->t);
    if (!im->t)
        return onnx_oom(im);
    st = define_inputs(im, mp->graph);
    for (size_t k = 0; k < g->n_node && !st; k++)
        st = walk_node(im, g->node[k]);
    if (!st && pim_model_stationary_layers(im->model) == 0)
        st = pim_fail(im->err, PIM_EINPUT,
                      "%s: no convolution or matrix multiply with stationary weights", im->origin);
    return st;
}

pim_status pim_model_from_onnx(const void *data, size_t len, const char *origin, pim_model *out,
                               pim_error *err)
{
    if (len == 0)
        return pim_fail(err, PIM_EINPUT, "%s: an empty file is not an ONNX model", origin);
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, len, data);
    if (!mp)
        return pim_fail(err, PIM_EINPUT,
                        "%s: not an ONNX model (protobuf decoding failed: truncated or not ONNX)",
                        origin);
    pim_model_init_from_path(out, origin);
    onnx_importer im = {.model = out, .origin = origin, .err = err};
    pim_error_clear(err);
    pim_status st = import_graph(&im, mp);
    pim_strmap_free(&im.index);
    pim_strmap_free(&im.layers);
    arena_free(&im);
    onnx__model_proto__free_unpacked(mp, NULL);
    if (st)
        pim_model_free(out);
    return st;
}
