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
    pim_strmap names; /* layer name -> index */
    uint32_t *preds;  /* the current layer's producers */
    uint32_t npreds, preds_cap;
    pim_error *err;
} ctx;

static pim_status at(ctx *c, const yaml_node_t *n, const char *what, const char *a)
{
    char msg[sizeof c->err->msg];
    snprintf(msg, sizeof msg, "%s%s", what, a ? a : "");
    return pim_yaml_fail(c->err, c->origin, n, msg);
}

static yaml_node_t *node(ctx *c, int id)
{
    return yaml_document_get_node(c->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
    return pim_yaml_scalar(n);
}

/* A whole number in [min, max] for `key`: every field is checked against
 * the range of what it feeds, so nothing wraps on the way in. */
static pim_status get_num(ctx *c, const yaml_node_t *v, const char *key, uint64_t min, uint64_t max,
                          uint64_t *out)
{
    const char *s = scalar(v);
    char what[160];
    if (!s || !pim_parse_u64(s, out) || *out < min || *out > max) {
        snprintf(what, sizeof what, "%s must be a whole number in %llu..%llu", key,
                 (unsigned long long)min, (unsigned long long)max);
        return at(c, v, what, NULL);
    }
    return PIM_OK;
}

static pim_status get_u32(ctx *c, const yaml_node_t *v, const char *key, uint32_t min,
                          uint32_t *out)
{
    uint64_t u;
    pim_status st = get_num(c, v, key, min, PIM_MAX_DIM, &u);
    *out = (uint32_t)u;
    return st;
}

/* A pair like `kernel: 3` or `kernel: [3, 5]` fills two values. */
static pim_status get_pair(ctx *c, const yaml_node_t *v, const char *key, uint32_t min, uint32_t *a,
                           uint32_t *b)
{
    if (v->type == YAML_SCALAR_NODE) {
        pim_status st = get_u32(c, v, key, min, a);
        *b = *a;
        return st;
    }
    if (v->type != YAML_SEQUENCE_NODE ||
        v->data.sequence.items.top - v->data.sequence.items.start != 2)
        return at(c, v, "expected a number or a [h, w] pair for ", key);
    pim_status st = get_u32(c, node(c, v->data.sequence.items.start[0]), key, min, a);
    return st ? st : get_u32(c, node(c, v->data.sequence.items.start[1]), key, min, b);
}

static pim_status get_input_shape(ctx *c, const yaml_node_t *v, pim_layer *l)
{
    if (v->type != YAML_SEQUENCE_NODE ||
        v->data.sequence.items.top - v->data.sequence.items.start != 3)
        return at(c, v, "input must be [channels, height, width]", NULL);
    yaml_node_item_t *it = v->data.sequence.items.start;
    pim_status st = get_u32(c, node(c, it[0]), "input", 1, &l->in_c);
    if (!st)
        st = get_u32(c, node(c, it[1]), "input", 1, &l->in_h);
    return st ? st : get_u32(c, node(c, it[2]), "input", 1, &l->in_w);
}

static pim_status get_inputs(ctx *c, const yaml_node_t *v)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return at(c, v, "inputs must be a list of earlier layer names", NULL);
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        const yaml_node_t *e = node(c, *it);
        const char *want = scalar(e);
        uint32_t found;
        if (!want || !pim_strmap_get(&c->names, want, &found))
            return at(c, e, "no earlier layer named ", want ? want : "(not a name)");
        if (!pim_grow((void **)&c->preds, &c->preds_cap, c->npreds, sizeof *c->preds))
            return pim_fail(c->err, PIM_EINTERNAL, "out of memory");
        c->preds[c->npreds++] = found;
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

/* Numeric keys and the range of what each feeds. */
static const struct {
    const char *key;
    size_t offset;
    int wide; /* uint64_t field (else uint32_t) */
    uint64_t min, max;
} NUMBERS[] = {
    {"out_channels", offsetof(pim_layer, out_c), 0, 1, PIM_MAX_DIM},
    {"groups", offsetof(pim_layer, groups), 0, 1, PIM_MAX_DIM},
    {"m", offsetof(pim_layer, m), 1, 1, PIM_MAX_DIM},
    {"k", offsetof(pim_layer, k), 1, 1, PIM_MAX_DIM},
    {"n", offsetof(pim_layer, n), 1, 1, PIM_MAX_DIM},
    {"heads", offsetof(pim_layer, heads), 1, 1, PIM_MAX_DIM},
    {"elements", offsetof(pim_layer, vec_elems), 1, 1, PIM_MAX_WEIGHTS},
    {"out_elements", offsetof(pim_layer, vec_out), 1, 1, PIM_MAX_WEIGHTS},
};

/* Pairs ([h, w] or one number for both) and their least value. */
static const struct {
    const char *key;
    size_t first, second;
    uint32_t min;
} PAIRS[] = {
    {"kernel", offsetof(pim_layer, kh), offsetof(pim_layer, kw), 1},
    {"stride", offsetof(pim_layer, stride_h), offsetof(pim_layer, stride_w), 1},
    {"padding", offsetof(pim_layer, pad_h), offsetof(pim_layer, pad_w), 0},
    {"dilation", offsetof(pim_layer, dil_h), offsetof(pim_layer, dil_w), 1},
};

static pim_status layer_number(ctx *c, const char *k, const yaml_node_t *v, pim_layer *l,
                               int *known)
{
    char *base = (char *)l;
    *known = 1;
    for (size_t i = 0; i < sizeof NUMBERS / sizeof NUMBERS[0]; i++)
        if (strcmp(k, NUMBERS[i].key) == 0) {
            uint64_t u;
            pim_status st = get_num(c, v, k, NUMBERS[i].min, NUMBERS[i].max, &u);
            uint32_t narrow = (uint32_t)u;
            if (NUMBERS[i].wide)
                memcpy(base + NUMBERS[i].offset, &u, sizeof u);
            else
                memcpy(base + NUMBERS[i].offset, &narrow, sizeof narrow);
            return st;
        }
    for (size_t i = 0; i < sizeof PAIRS / sizeof PAIRS[0]; i++)
        if (strcmp(k, PAIRS[i].key) == 0)
            return get_pair(c, v, k, PAIRS[i].min, (uint32_t *)(base + PAIRS[i].first),
                            (uint32_t *)(base + PAIRS[i].second));
    *known = 0;
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
        if (!s || !*s || strlen(s) >= sizeof l->vop)
            return at(c, v, "op must be a name of 1..23 characters", NULL);
        pim_strlcpy(l->vop, s, sizeof l->vop);
        return PIM_OK;
    }
    if (strcmp(k, "inputs") == 0) {
        *has_inputs = 1;
        return get_inputs(c, v);
    }
    if (strcmp(k, "input") == 0)
        return get_input_shape(c, v, l);
    int known;
    pim_status st = layer_number(c, k, v, l, &known);
    return known ? st : at(c, v, "unknown layer key ", k);
}

static pim_status load_layer(ctx *c, const yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE)
        return at(c, n, "each layer must be a mapping", NULL);
    pim_layer l = {
        .stride_h = 1, .stride_w = 1, .dil_h = 1, .dil_w = 1, .groups = 1, .m = 1, .heads = 1};
    snprintf(l.name, sizeof l.name, "layer%u", c->m->count);
    int has_type = 0, has_inputs = 0;
    c->npreds = 0;
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
    uint32_t other;
    if (pim_strmap_get(&c->names, l.name, &other))
        return at(c, n, "a second layer named ", l.name);
    uint32_t previous = c->m->count - 1;
    int chain = !has_inputs && c->m->count > 0; /* default: the previous layer */
    if (l.kind == PIM_OP_VECTOR && !l.vop[0])
        pim_strlcpy(l.vop, "vector", sizeof l.vop);
    pim_error inner;
    pim_status st = l.kind == PIM_OP_CONV ? pim_conv_finish(&l, &inner) : PIM_OK;
    if (!st)
        st = pim_model_add(c->m, &l, chain ? &previous : c->preds, chain ? 1 : c->npreds, &inner);
    if (st)
        return at(c, n, inner.msg, NULL);
    if (!pim_strmap_put(&c->names, l.name, c->m->count - 1))
        return pim_fail(c->err, PIM_EINTERNAL, "out of memory");
    return PIM_OK;
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
            pim_status st = get_num(c, v, "batch", 1, 1u << 24, &c->m->default_batch);
            if (st)
                return st;
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
    ctx c = {.doc = &doc, .origin = origin, .m = out, .err = err};
    st = load_root(&c, yaml_document_get_root_node(&doc));
    pim_strmap_free(&c.names);
    free(c.preds);
    yaml_document_delete(&doc);
    if (st)
        pim_model_free(out);
    return st;
}
