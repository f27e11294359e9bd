/* pimstream tests: building ONNX graphs in memory (see onnx_build.h). */
#include "onnx_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct onnx_build {
    Onnx__ModelProto model;
    Onnx__GraphProto graph;
    Onnx__OperatorSetIdProto opset, *opsets[1];
    void **allocs; /* everything below, freed together */
    size_t nallocs, cap_allocs;
    Onnx__ValueInfoProto **inputs;
    Onnx__TensorProto **inits;
    Onnx__NodeProto **nodes;
    size_t ninputs, ninits, nnodes, cap_inputs, cap_inits, cap_nodes;
};

static void *keep(onnx_build *b, size_t bytes)
{
    if (b->nallocs == b->cap_allocs) {
        b->cap_allocs = b->cap_allocs ? b->cap_allocs * 2 : 64;
        b->allocs = realloc(b->allocs, b->cap_allocs * sizeof *b->allocs);
    }
    void *p = calloc(1, bytes ? bytes : 1);
    b->allocs[b->nallocs++] = p;
    return p;
}

static char *keep_str(onnx_build *b, const char *s, size_t len)
{
    char *c = keep(b, len + 1);
    memcpy(c, s, len);
    return c;
}

/* Append p to a growable array of pointers. */
static void push(void ***items, size_t *n, size_t *cap, void *p)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *items = realloc(*items, *cap * sizeof **items);
    }
    (*items)[(*n)++] = p;
}

onnx_build *ob_new(int64_t opset)
{
    onnx_build *b = calloc(1, sizeof *b);
    onnx__model_proto__init(&b->model);
    onnx__graph_proto__init(&b->graph);
    onnx__operator_set_id_proto__init(&b->opset);
    b->opset.has_version = 1;
    b->opset.version = opset;
    b->opsets[0] = &b->opset;
    b->model.n_opset_import = 1;
    b->model.opset_import = b->opsets;
    b->model.graph = &b->graph;
    b->model.has_ir_version = 1;
    b->model.ir_version = 8;
    return b;
}

void ob_ir_version(onnx_build *b, int64_t v)
{
    b->model.ir_version = v;
}

void ob_free(onnx_build *b)
{
    for (size_t i = 0; i < b->nallocs; i++)
        free(b->allocs[i]);
    free(b->allocs);
    free(b->inputs);
    free(b->inits);
    free(b->nodes);
    free(b);
}

void ob_input(onnx_build *b, const char *name, int rank, const int64_t *dims)
{
    Onnx__ValueInfoProto *vi = keep(b, sizeof *vi);
    Onnx__TypeProto *type = keep(b, sizeof *type);
    Onnx__TypeProto__Tensor *tt = keep(b, sizeof *tt);
    Onnx__TensorShapeProto *shape = keep(b, sizeof *shape);
    Onnx__TensorShapeProto__Dimension **d = keep(b, (size_t)(rank + 1) * sizeof *d);
    onnx__value_info_proto__init(vi);
    onnx__type_proto__init(type);
    onnx__type_proto__tensor__init(tt);
    onnx__tensor_shape_proto__init(shape);
    for (int i = 0; i < rank; i++) {
        d[i] = keep(b, sizeof **d);
        onnx__tensor_shape_proto__dimension__init(d[i]);
        d[i]->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        d[i]->dim_value = dims[i];
    }
    shape->n_dim = (size_t)rank;
    shape->dim = d;
    tt->has_elem_type = 1;
    tt->elem_type = ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
    tt->shape = shape;
    type->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    type->tensor_type = tt;
    vi->name = keep_str(b, name, strlen(name));
    vi->type = type;
    push((void ***)&b->inputs, &b->ninputs, &b->cap_inputs, vi);
    b->graph.input = b->inputs;
    b->graph.n_input = b->ninputs;
}

static Onnx__TensorProto *tensor(onnx_build *b, const char *name, int rank, const int64_t *dims,
                                 int32_t type)
{
    Onnx__TensorProto *t = keep(b, sizeof *t);
    onnx__tensor_proto__init(t);
    t->name = name ? keep_str(b, name, strlen(name)) : NULL;
    t->n_dims = (size_t)rank;
    t->dims = keep(b, (size_t)(rank + 1) * sizeof *t->dims);
    if (rank)
        memcpy(t->dims, dims, (size_t)rank * sizeof *t->dims);
    t->has_data_type = 1;
    t->data_type = type;
    return t;
}

static void add_init(onnx_build *b, Onnx__TensorProto *t)
{
    push((void ***)&b->inits, &b->ninits, &b->cap_inits, t);
    b->graph.initializer = b->inits;
    b->graph.n_initializer = b->ninits;
}

void ob_weight(onnx_build *b, const char *name, int rank, const int64_t *dims)
{
    add_init(b, tensor(b, name, rank, dims, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT));
}

static size_t count_of(int rank, const int64_t *dims)
{
    size_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= (size_t)dims[i];
    return n;
}

void ob_ints(onnx_build *b, const char *name, int rank, const int64_t *dims, const int64_t *v)
{
    Onnx__TensorProto *t = tensor(b, name, rank, dims, ONNX__TENSOR_PROTO__DATA_TYPE__INT64);
    size_t n = count_of(rank, dims);
    t->n_int64_data = n;
    t->int64_data = keep(b, n * sizeof *v);
    memcpy(t->int64_data, v, n * sizeof *v);
    add_init(b, t);
}

void ob_floats(onnx_build *b, const char *name, int rank, const int64_t *dims, const float *v)
{
    Onnx__TensorProto *t = tensor(b, name, rank, dims, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT);
    size_t n = count_of(rank, dims);
    t->n_float_data = n;
    t->float_data = keep(b, n * sizeof *v);
    memcpy(t->float_data, v, n * sizeof *v);
    add_init(b, t);
}

/* Split "a,b,,c" into names (an empty item is an absent input). */
static char **names(onnx_build *b, const char *list, size_t *n)
{
    *n = 0;
    if (!*list)
        return keep(b, sizeof(char *));
    size_t cap = 1;
    for (const char *p = list; *p; p++)
        cap += *p == ',';
    char **out = keep(b, cap * sizeof *out);
    for (const char *p = list;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        out[(*n)++] = keep_str(b, p, len);
        if (!comma)
            return out;
        p = comma + 1;
    }
}

Onnx__NodeProto *ob_node(onnx_build *b, const char *op, const char *ins, const char *outs)
{
    Onnx__NodeProto *n = keep(b, sizeof *n);
    onnx__node_proto__init(n);
    n->op_type = keep_str(b, op, strlen(op));
    char name[64];
    snprintf(name, sizeof name, "%s_%zu", op, b->nnodes);
    n->name = keep_str(b, name, strlen(name));
    n->input = names(b, ins, &n->n_input);
    n->output = names(b, outs, &n->n_output);
    push((void ***)&b->nodes, &b->nnodes, &b->cap_nodes, n);
    b->graph.node = b->nodes;
    b->graph.n_node = b->nnodes;
    return n;
}

static Onnx__AttributeProto *attr(onnx_build *b, Onnx__NodeProto *n, const char *name)
{
    Onnx__AttributeProto *a = keep(b, sizeof *a);
    onnx__attribute_proto__init(a);
    a->name = keep_str(b, name, strlen(name));
    Onnx__AttributeProto **list = keep(b, (n->n_attribute + 1) * sizeof *list);
    if (n->n_attribute)
        memcpy(list, n->attribute, n->n_attribute * sizeof *list);
    list[n->n_attribute++] = a;
    n->attribute = list;
    return a;
}

void ob_attr_int(onnx_build *b, Onnx__NodeProto *n, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = attr(b, n, name);
    a->has_i = 1;
    a->i = v;
    a->has_type = 1;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
}

void ob_attr_ints(onnx_build *b, Onnx__NodeProto *n, const char *name, int count, const int64_t *v)
{
    Onnx__AttributeProto *a = attr(b, n, name);
    a->n_ints = (size_t)count;
    a->ints = keep(b, (size_t)(count + 1) * sizeof *v);
    memcpy(a->ints, v, (size_t)count * sizeof *v);
    a->has_type = 1;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
}

void ob_attr_float(onnx_build *b, Onnx__NodeProto *n, const char *name, float v)
{
    Onnx__AttributeProto *a = attr(b, n, name);
    a->has_f = 1;
    a->f = v;
    a->has_type = 1;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
}

void ob_attr_str(onnx_build *b, Onnx__NodeProto *n, const char *name, const char *s)
{
    Onnx__AttributeProto *a = attr(b, n, name);
    a->has_s = 1;
    a->s.len = strlen(s);
    a->s.data = (uint8_t *)keep_str(b, s, a->s.len);
    a->has_type = 1;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
}

void ob_attr_tensor_ints(onnx_build *b, Onnx__NodeProto *n, const char *name, int rank,
                         const int64_t *dims, const int64_t *v)
{
    Onnx__AttributeProto *a = attr(b, n, name);
    Onnx__TensorProto *t = tensor(b, NULL, rank, dims, ONNX__TENSOR_PROTO__DATA_TYPE__INT64);
    size_t count = count_of(rank, dims);
    t->n_int64_data = count;
    t->int64_data = keep(b, (count + 1) * sizeof *v);
    memcpy(t->int64_data, v, count * sizeof *v);
    a->t = t;
    a->has_type = 1;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
}

static uint8_t *pack(onnx_build *b, size_t *len)
{
    *len = onnx__model_proto__get_packed_size(&b->model);
    uint8_t *buf = malloc(*len ? *len : 1);
    onnx__model_proto__pack(&b->model, buf);
    return buf;
}

pim_status ob_import(onnx_build *b, pim_model *m, pim_error *err)
{
    size_t len;
    uint8_t *buf = pack(b, &len);
    pim_status st = pim_model_from_onnx(buf, len, "built.onnx", m, err);
    free(buf);
    return st;
}

int ob_write(onnx_build *b, const char *path)
{
    size_t len;
    uint8_t *buf = pack(b, &len);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(buf, 1, len, f) == len;
    if (f)
        ok &= fclose(f) == 0;
    free(buf);
    return ok;
}
