/* pimstream workload: ONNX import.
 *
 * The file is decoded by protobuf-c from code generated out of Debian's
 * onnx.proto; nothing here reads protobuf bytes by hand. Weights need not
 * be present: shapes come from initializers, graph inputs and inference
 * through the graph (operator rules in onnx_ops.c).
 *
 * Which graph inputs are data (activations) and which are weights? An
 * initializer is a weight. A graph input is data when some operator uses it,
 * directly or through reshapes, where ONNX defines an activation (Conv's X,
 * Gemm's A, a pooling or activation function's input, Gather's indices).
 * Every tensor computed from data is dynamic; a MatMul or Gemm with one
 * non-dynamic operand is weight-stationary, with two it is a dynamic matmul. */
#include "onnx_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tensor table ----------------------------------------------------- */

static uint32_t hash_name(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

onnx_tensor *onnx_find(onnx_importer *im, const char *name)
{
    if (!im->nslots)
        return NULL;
    for (uint32_t i = hash_name(name) & (im->nslots - 1);; i = (i + 1) & (im->nslots - 1)) {
        uint32_t s = im->slots[i];
        if (!s)
            return NULL;
        if (strcmp(im->t[s - 1].name, name) == 0)
            return &im->t[s - 1];
    }
}

static int rehash(onnx_importer *im, uint32_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return 0;
    for (uint32_t k = 0; k < im->count; k++) {
        uint32_t i = hash_name(im->t[k].name) & (nslots - 1);
        while (slots[i])
            i = (i + 1) & (nslots - 1);
        slots[i] = k + 1;
    }
    free(im->slots);
    im->slots = slots;
    im->nslots = nslots;
    return 1;
}

/* A new tensor, or NULL when the name is taken (ONNX names are assigned
 * once) or memory ran out; im->err says which. */
onnx_tensor *onnx_define(onnx_importer *im, const char *name)
{
    if (onnx_find(im, name)) {
        pim_fail(im->err, PIM_EINPUT, "%s: tensor '%s' is defined twice", im->origin, name);
        return NULL;
    }
    if ((im->count + 1) * 2 > im->nslots && !rehash(im, im->nslots ? im->nslots * 2 : 256))
        goto oom;
    /* The table is sized once for every name the graph can define: nodes
     * hold pointers to their inputs while their outputs are defined, so
     * tensors must never move. */
    if (im->count == im->cap) {
        pim_fail(im->err, PIM_EINTERNAL, "%s: tensor table full", im->origin);
        return NULL;
    }
    onnx_tensor *t = &im->t[im->count++];
    memset(t, 0, sizeof *t);
    t->name = name;
    uint32_t i = hash_name(name) & (im->nslots - 1);
    while (im->slots[i])
        i = (i + 1) & (im->nslots - 1);
    im->slots[i] = im->count;
    return t;
oom:
    pim_fail(im->err, PIM_EINTERNAL, "%s: out of memory", im->origin);
    return NULL;
}

int64_t onnx_numel(const onnx_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->rank; i++)
        n *= t->dims[i];
    return n;
}

int onnx_set_values(onnx_tensor *t, const int64_t *v, int64_t n)
{
    free(t->values);
    t->values = NULL;
    t->has_values = 0;
    if (n < 0 || n > ONNX_MAX_VALUES)
        return 1; /* too large to keep: shape only */
    t->values = malloc((size_t)(n ? n : 1) * sizeof *t->values);
    if (!t->values)
        return 0;
    if (n)
        memcpy(t->values, v, (size_t)n * sizeof *v);
    t->has_values = 1;
    return 1;
}

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
        for (uint32_t i = 0; i < l->npreds && !found; i++) {
            uint32_t p = pim_layer_preds(m, l)[i];
            found = p == a;
            if (p > a && !seen[p]) {
                seen[p] = 1;
                stack[top++] = p;
            }
        }
    }
    return found;
}

/* Drop producers that are ancestors of other producers: a layer finishes
 * only after all its ancestors, so waiting on it waits on them. Dense
 * blocks (DenseNet) concatenate every earlier output and need this. */
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

int onnx_merge_producers(onnx_importer *im, onnx_tensor *to, const onnx_tensor *from)
{
    uint32_t set[2 * PIM_MAX_PREDS], n = to->nproducers;
    memcpy(set, to->producers, n * sizeof *set);
    for (uint32_t i = 0; i < from->nproducers; i++) {
        uint32_t p = from->producers[i], k = 0;
        while (k < n && set[k] != p)
            k++;
        if (k < n)
            continue;
        set[n++] = p;
        if (n == 2 * PIM_MAX_PREDS && !prune_ancestors(im->model, set, &n))
            return 0;
        if (n == 2 * PIM_MAX_PREDS)
            return 0;
    }
    if (n > PIM_MAX_PREDS && !prune_ancestors(im->model, set, &n))
        return 0;
    if (n > PIM_MAX_PREDS)
        return 0;
    memcpy(to->producers, set, n * sizeof *set);
    to->nproducers = n;
    return 1;
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

/* Layer names keep the end of long ONNX names: the end says what it is. */
static void layer_name(const onnx_node *n, uint32_t index, char *buf, size_t cap)
{
    const char *s = n->node->name && *n->node->name ? n->node->name : NULL;
    if (!s) {
        snprintf(buf, cap, "%s_%u", n->node->op_type, index);
        return;
    }
    size_t len = strlen(s);
    pim_strlcpy(buf, len >= cap ? s + len - (cap - 1) : s, cap);
}

pim_status onnx_emit(onnx_importer *im, const onnx_node *n, pim_layer *l, onnx_tensor *out)
{
    layer_name(n, im->model->count, l->name, sizeof l->name);
    onnx_tensor all = {0};
    for (uint32_t i = 0; i < n->nin; i++)
        if (n->in[i] && n->in[i]->dynamic && !onnx_merge_producers(im, &all, n->in[i]))
            return onnx_node_fail(im, n, "more than %d independent producing layers",
                                  PIM_MAX_PREDS);
    pim_error inner;
    if (pim_model_add(im->model, l, all.producers, all.nproducers, &inner))
        return onnx_node_fail(im, n, "%s", inner.msg);
    out->dynamic = 1;
    out->producers[0] = im->model->count - 1;
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

int onnx_attr_ints(const onnx_node *n, const char *name, int64_t *out, int cap)
{
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    if (!a)
        return -1;
    for (size_t i = 0; i < a->n_ints && (int)i < cap; i++)
        out[i] = a->ints[i];
    return (int)a->n_ints;
}

const char *onnx_attr_str(const onnx_node *n, const char *name, const char *dflt)
{
    const Onnx__AttributeProto *a = onnx_attr(n, name);
    if (!a || !a->has_s)
        return dflt;
    /* protobuf bytes are not NUL-terminated; attribute strings are short */
    static const char *const known[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (a->s.len == strlen(known[i]) && memcmp(a->s.data, known[i], a->s.len) == 0)
            return known[i];
    return "?";
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
    default:
        return 0;
    }
}

static int proto_values(const Onnx__TensorProto *p, int64_t n, int64_t *v)
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
        memcpy(v, p->int64_data, (size_t)n * sizeof *v);
        return 1;
    }
    if (p->data_type != ONNX__TENSOR_PROTO__DATA_TYPE__INT64 && p->n_int32_data == (size_t)n) {
        for (int64_t i = 0; i < n; i++)
            v[i] = p->int32_data[i];
        return 1;
    }
    return 0;
}

pim_status onnx_tensor_from_proto(onnx_importer *im, const Onnx__TensorProto *p, onnx_tensor *t)
{
    if (p->n_dims > ONNX_MAX_RANK)
        return pim_fail(im->err, PIM_EINPUT, "%s: tensor '%s' has rank %zu (at most %d)",
                        im->origin, t->name, p->n_dims, ONNX_MAX_RANK);
    t->rank = (int)p->n_dims;
    for (size_t i = 0; i < p->n_dims; i++) {
        if (p->dims[i] < 0 || p->dims[i] > (1ll << 40))
            return pim_fail(im->err, PIM_EINPUT, "%s: tensor '%s' has dimension %lld", im->origin,
                            t->name, (long long)p->dims[i]);
        t->dims[i] = p->dims[i];
    }
    t->known = 1;
    int64_t n = onnx_numel(t);
    if (n >= 0 && n <= ONNX_MAX_VALUES) {
        int64_t v[ONNX_MAX_VALUES];
        if (proto_values(p, n, v) && !onnx_set_values(t, v, n))
            return pim_fail(im->err, PIM_EINTERNAL, "out of memory");
    }
    return PIM_OK;
}

/* ---- data inputs ------------------------------------------------------ */

/* Names used in an activation role: directly, or through reshapes. */
static int in_set(char **set, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(set[i], name) == 0)
            return 1;
    return 0;
}

static size_t activation_names(const Onnx__GraphProto *g, char **set, size_t cap)
{
    size_t n = 0;
    for (size_t k = 0; k < g->n_node; k++) {
        const Onnx__NodeProto *node = g->node[k];
        for (size_t i = 0; node->op_type && i < node->n_input && n < cap; i++)
            if (*node->input[i] && onnx_activation_slot(node->op_type, (uint32_t)i))
                set[n++] = node->input[i];
    }
    /* back through reshapes and copies, latest node first */
    for (size_t k = g->n_node; k-- > 0;) {
        const Onnx__NodeProto *node = g->node[k];
        if (!node->op_type || !onnx_is_passthrough(node->op_type) || !node->n_input ||
            !node->n_output || n >= cap)
            continue;
        if (in_set(set, n, node->output[0]) && !in_set(set, n, node->input[0]))
            set[n++] = node->input[0];
    }
    return n;
}

static int is_initializer(const Onnx__GraphProto *g, const char *name)
{
    for (size_t i = 0; i < g->n_initializer; i++)
        if (g->initializer[i]->name && strcmp(g->initializer[i]->name, name) == 0)
            return 1;
    return 0;
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
    if (s->n_dim > ONNX_MAX_RANK)
        return pim_fail(im->err, PIM_EINPUT, "%s: graph input '%s' has rank %zu", im->origin,
                        vi->name, s->n_dim);
    t->rank = (int)s->n_dim;
    for (size_t i = 0; i < s->n_dim; i++) {
        const Onnx__TensorShapeProto__Dimension *d = s->dim[i];
        /* a named (symbolic) dimension is the batch in practice: one sample */
        int64_t v = d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE
                        ? d->dim_value
                        : 1;
        if (v < 0 || v > (1ll << 40))
            return pim_fail(im->err, PIM_EINPUT, "%s: graph input '%s' has dimension %lld",
                            im->origin, vi->name, (long long)v);
        t->dims[i] = v;
    }
    t->known = 1;
    return PIM_OK;
}

static pim_status define_inputs(onnx_importer *im, const Onnx__GraphProto *g)
{
    for (size_t i = 0; i < g->n_initializer; i++) {
        const Onnx__TensorProto *p = g->initializer[i];
        onnx_tensor *t = p->name ? onnx_define(im, p->name) : NULL;
        if (!t)
            return p->name ? im->err->status
                           : pim_fail(im->err, PIM_EINPUT, "%s: unnamed initializer", im->origin);
        pim_status st = onnx_tensor_from_proto(im, p, t);
        if (st)
            return st;
    }
    char **roles = calloc(g->n_node * 4 + 16, sizeof *roles);
    if (!roles)
        return pim_fail(im->err, PIM_EINTERNAL, "out of memory");
    size_t nroles = activation_names(g, roles, g->n_node * 4 + 16);
    int any_data = 0;
    for (size_t i = 0; i < g->n_input; i++)
        any_data |= g->input[i]->name && !is_initializer(g, g->input[i]->name) &&
                    in_set(roles, nroles, g->input[i]->name);
    pim_status st = PIM_OK;
    int first = 1;
    for (size_t i = 0; i < g->n_input && !st; i++) {
        const Onnx__ValueInfoProto *vi = g->input[i];
        if (!vi->name || is_initializer(g, vi->name))
            continue;
        /* without any activation use, the first input is the data (exporters
         * list model inputs before parameters) */
        int data = any_data ? in_set(roles, nroles, vi->name) : first;
        first = 0;
        st = define_input(im, vi, data);
    }
    free(roles);
    return st;
}

/* ---- the walk --------------------------------------------------------- */

static pim_status walk_node(onnx_importer *im, const Onnx__NodeProto *node)
{
    onnx_node n = {.node = node};
    if (!node->op_type || !*node->op_type)
        return pim_fail(im->err, PIM_EINPUT, "%s: a node has no op_type", im->origin);
    if (node->domain && *node->domain && strcmp(node->domain, "ai.onnx") != 0)
        return onnx_node_fail(im, &n, "operator domain '%s' is not supported", node->domain);
    if (node->n_input > 16)
        return onnx_node_fail(im, &n, "%zu inputs (at most 16)", node->n_input);
    for (size_t i = 0; i < node->n_input; i++) {
        if (!*node->input[i]) { /* absent optional input */
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
    return onnx_apply(im, &n);
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

static pim_status import_graph(onnx_importer *im, const Onnx__ModelProto *mp)
{
    im->opset = opset_of(mp);
    if (im->opset < 11 || im->opset > 17)
        return pim_fail(im->err, PIM_EINPUT, "%s: ONNX opset %d is not supported (11 to 17)",
                        im->origin, im->opset);
    if (!mp->graph)
        return pim_fail(im->err, PIM_EINPUT, "%s: the model has no graph", im->origin);
    const Onnx__GraphProto *g = mp->graph;
    size_t names = g->n_initializer + g->n_input;
    for (size_t k = 0; k < g->n_node; k++)
        names += g->node[k]->n_output;
    if (names >= UINT32_MAX / 2)
        return pim_fail(im->err, PIM_EINPUT, "%s: graph too large", im->origin);
    im->cap = (uint32_t)names;
    im->t = pim_xcalloc(names, sizeof *im->t);
    if (!im->t)
        return pim_fail(im->err, PIM_EINTERNAL, "out of memory");
    pim_status st = define_inputs(im, mp->graph);
    for (size_t k = 0; k < mp->graph->n_node && !st; k++)
        st = walk_node(im, mp->graph->node[k]);
    if (!st && pim_model_stationary_layers(im->model) == 0)
        st = pim_fail(im->err, PIM_EINPUT,
                      "%s: no convolution or matrix multiply with "
                      "stationary weights",
                      im->origin);
    return st;
}

pim_status pim_model_from_onnx(const void *data, size_t len, const char *origin, pim_model *out,
                               pim_error *err)
{
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, len, data);
    if (!mp)
        return pim_fail(err, PIM_EINPUT,
                        "%s: not a valid ONNX model (protobuf decoding failed: "
                        "truncated or not ONNX)",
                        origin);
    pim_model_init_from_path(out, origin);
    onnx_importer im = {.model = out, .origin = origin, .err = err};
    pim_status st = import_graph(&im, mp);
    for (uint32_t i = 0; i < im.count; i++)
        free(im.t[i].values);
    free(im.t);
    free(im.slots);
    onnx__model_proto__free_unpacked(mp, NULL);
    if (st)
        pim_model_free(out);
    return st;
}
