/* pimstream workload: the YAML layer-list format for user models.
 *
 *   name: tiny
 *   batch: 4                       # optional default batch
 *   layers:
 *     - {name: c1, type: conv, input: [3, 32, 32], out_channels: 16, kernel: 3,
 *        stride: 1, padding: 1, dilation: 1, groups: 1}
 *     - {name: r1, type: vector, op: relu, elements: 16384}
 *     - {name: fc, type: gemm, m: 1, k: 16384, n: 10, inputs: [r1]}
 *     - {name: qk, type: matmul, heads: 12, m: 128, k: 64, n: 128}
 *
 * A layer's producers are the previous layer unless `inputs` names them. */
#include "pimstream/workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct {
    yaml_document_t *doc;
    const char *origin;
    pim_model *m;
    pim_error *err;
} ctx;

static pim_status at(ctx *c, const yaml_node_t *n, const char *what, const char *a)
{
    return pim_fail(c->err, PIM_EINPUT, "%s:%zu:%zu: %s%s", c->origin, n->start_mark.line + 1,
                    n->start_mark.column + 1, what, a ? a : "");
}

static yaml_node_t *node(ctx *c, int id)
{
    return yaml_document_get_node(c->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static pim_status get_u64(ctx *c, const yaml_node_t *v, const char *key, uint64_t *out)
{
    const char *s = scalar(v);
    if (!s || !pim_parse_u64(s, out))
        return at(c, v, "expected a whole number for ", key);
    return PIM_OK;
}

static pim_status get_u32(ctx *c, const yaml_node_t *v, const char *key, uint32_t *out)
{
    uint64_t u;
    pim_status st = get_u64(c, v, key, &u);
    if (st)
        return st;
    if (u > UINT32_MAX)
        return at(c, v, "value too large for ", key);
    *out = (uint32_t)u;
    return PIM_OK;
}

/* A pair like `kernel: 3` or `kernel: [3, 5]` fills two values. */
static pim_status get_pair(ctx *c, const yaml_node_t *v, const char *key, uint32_t *a, uint32_t *b)
{
    if (v->type == YAML_SCALAR_NODE) {
        pim_status st = get_u32(c, v, key, a);
        *b = *a;
        return st;
    }
    if (v->type != YAML_SEQUENCE_NODE ||
        v->data.sequence.items.top - v->data.sequence.items.start != 2)
        return at(c, v, "expected a number or a [h, w] pair for ", key);
    pim_status st = get_u32(c, node(c, v->data.sequence.items.start[0]), key, a);
    return st ? st : get_u32(c, node(c, v->data.sequence.items.start[1]), key, b);
}

static pim_status get_input_shape(ctx *c, const yaml_node_t *v, pim_layer *l)
{
    if (v->type != YAML_SEQUENCE_NODE ||
        v->data.sequence.items.top - v->data.sequence.items.start != 3)
        return at(c, v, "input must be [channels, height, width]", NULL);
    yaml_node_item_t *it = v->data.sequence.items.start;
    pim_status st = get_u32(c, node(c, it[0]), "input", &l->in_c);
    if (!st)
        st = get_u32(c, node(c, it[1]), "input", &l->in_h);
    return st ? st : get_u32(c, node(c, it[2]), "input", &l->in_w);
}

static pim_status get_inputs(ctx *c, const yaml_node_t *v, pim_layer *l)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return at(c, v, "inputs must be a list of earlier layer names", NULL);
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        const yaml_node_t *e = node(c, *it);
        const char *want = scalar(e);
        uint32_t found = UINT32_MAX;
        for (uint32_t i = 0; want && i < c->m->count; i++)
            if (strcmp(c->m->layers[i].name, want) == 0)
                found = i;
        if (found == UINT32_MAX)
            return at(c, e, "no earlier layer named ", want ? want : "(not a name)");
        if (l->npreds == PIM_MAX_PREDS)
            return at(c, e, "too many inputs (at most 4)", NULL);
        l->preds[l->npreds++] = found;
    }
    return PIM_OK;
}

static pim_status set_kind(ctx *c, const yaml_node_t *v, pim_layer *l)
{
    const char *s = scalar(v);
    if (s && strcmp(s, "conv") == 0)
        l->kind = PIM_OP_CONV;
    else if (s && strcmp(s, "gemm") == 0)
        l->kind = PIM_OP_GEMM;
    else if (s && strcmp(s, "matmul") == 0)
        l->kind = PIM_OP_DYN_MATMUL;
    else if (s && strcmp(s, "vector") == 0)
        l->kind = PIM_OP_VECTOR;
    else
        return at(c, v, "type must be conv, gemm, matmul or vector", NULL);
    return PIM_OK;
}

static pim_status layer_field(ctx *c, const char *k, const yaml_node_t *v, pim_layer *l,
                              int *has_inputs)
{
    const char *s = scalar(v);
    if (strcmp(k, "name") == 0) {
        if (!s || !*s || strlen(s) >= sizeof l->name)
            return at(c, v, "name must be 1..63 characters", NULL);
        pim_strlcpy(l->name, s, sizeof l->name);
        return PIM_OK;
    }
    if (strcmp(k, "op") == 0) {
        if (!s || strlen(s) >= sizeof l->vop)
            return at(c, v, "op must be a short name", NULL);
        pim_strlcpy(l->vop, s, sizeof l->vop);
        return PIM_OK;
    }
    if (strcmp(k, "inputs") == 0) {
        *has_inputs = 1;
        return get_inputs(c, v, l);
    }
    if (strcmp(k, "input") == 0)
        return get_input_shape(c, v, l);
    if (strcmp(k, "out_channels") == 0)
        return get_u32(c, v, k, &l->out_c);
    if (strcmp(k, "kernel") == 0)
        return get_pair(c, v, k, &l->kh, &l->kw);
    if (strcmp(k, "stride") == 0)
        return get_pair(c, v, k, &l->stride_h, &l->stride_w);
    if (strcmp(k, "padding") == 0)
        return get_pair(c, v, k, &l->pad_h, &l->pad_w);
    if (strcmp(k, "dilation") == 0)
        return get_pair(c, v, k, &l->dil_h, &l->dil_w);
    if (strcmp(k, "groups") == 0)
        return get_u32(c, v, k, &l->groups);
    if (strcmp(k, "m") == 0)
        return get_u64(c, v, k, &l->m);
    if (strcmp(k, "k") == 0)
        return get_u64(c, v, k, &l->k);
    if (strcmp(k, "n") == 0)
        return get_u64(c, v, k, &l->n);
    if (strcmp(k, "heads") == 0)
        return get_u64(c, v, k, &l->heads);
    if (strcmp(k, "elements") == 0)
        return get_u64(c, v, k, &l->vec_elems);
    return at(c, v, "unknown layer key ", k);
}

static pim_status load_layer(ctx *c, const yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE)
        return at(c, n, "each layer must be a mapping", NULL);
    pim_layer l = {
        .stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1, .groups = 1, .m = 1, .heads = 1};
    snprintf(l.name, sizeof l.name, "layer%u", c->m->count);
    int has_type = 0, has_inputs = 0;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        const char *ks = scalar(k);
        if (!ks)
            return at(c, k, "keys must be plain names", NULL);
        pim_status st = strcmp(ks, "type") == 0 ? (has_type = 1, set_kind(c, v, &l))
                                                : layer_field(c, ks, v, &l, &has_inputs);
        if (st)
            return st;
    }
    if (!has_type)
        return at(c, n, "layer needs a type", NULL);
    if (!has_inputs && c->m->count > 0)
        l.preds[l.npreds++] = c->m->count - 1;
    if (l.kind == PIM_OP_VECTOR && !l.vop[0])
        pim_strlcpy(l.vop, "vector", sizeof l.vop);
    pim_error inner;
    pim_status st = l.kind == PIM_OP_CONV ? pim_conv_finish(&l, &inner) : PIM_OK;
    if (!st)
        st = pim_model_add(c->m, &l, &inner);
    return st ? at(c, n, inner.msg, NULL) : PIM_OK;
}

static pim_status load_root(ctx *c, const yaml_node_t *root)
{
    if (!root || root->type != YAML_MAPPING_NODE)
        return pim_fail(c->err, PIM_EINPUT,
                        "%s:1:1: a model file must be a mapping with "
                        "'layers'",
                        c->origin);
    const yaml_node_t *layers = NULL;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
        const char *ks = scalar(k), *vs = scalar(v);
        if (ks && strcmp(ks, "name") == 0 && vs && *vs && strlen(vs) < sizeof c->m->name)
            pim_strlcpy(c->m->name, vs, sizeof c->m->name);
        else if (ks && strcmp(ks, "batch") == 0) {
            pim_status st = get_u64(c, v, "batch", &c->m->default_batch);
            if (st)
                return st;
            if (c->m->default_batch == 0 || c->m->default_batch > (1u << 24))
                return at(c, v, "batch must be in 1..16777216", NULL);
        } else if (ks && strcmp(ks, "layers") == 0 && v->type == YAML_SEQUENCE_NODE)
            layers = v;
        else
            return at(c, k, "unknown or malformed key ", ks ? ks : "(not a name)");
    }
    if (!layers || layers->data.sequence.items.top == layers->data.sequence.items.start)
        return at(c, root, "the model has no layers", NULL);
    for (yaml_node_item_t *it = layers->data.sequence.items.start;
         it < layers->data.sequence.items.top; it++) {
        pim_status st = load_layer(c, node(c, *it));
        if (st)
            return st;
    }
    return PIM_OK;
}

pim_status pim_model_from_yaml(const char *text, size_t len, const char *origin, pim_model *out,
                               pim_error *err)
{
    yaml_document_t doc;
    pim_status st = pim_yaml_load(text, len, origin, &doc, err);
    if (st)
        return st;
    pim_model_init_from_path(out, origin);
    ctx c = {&doc, origin, out, err};
    st = load_root(&c, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
    if (st)
        pim_model_free(out);
    return st;
}
