/* pimstream nest: a mapping file.
 *
 *   # BERT-Large 512x1024x1024 on www-tensor-core, as the study's mapper found it
 *   DRAM: [N8, M4]                 # temporal loops, outer to inner
 *   SMEM: [M32, K16]
 *   Subpartition: [M4@Y]           # spatial loops with their mesh axis
 *   RF: [K4]
 *   PE: [N16@Y, K16@X]
 *   LRF: [N8]
 *   SMEM: {loops: [...], keep: [A], bypass: [B]}   # the long form
 *
 * A level left out has no loops; a storage level keeps what the
 * architecture lets it unless the file says otherwise. */
#include "pimstream/nest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct {
    yaml_document_t *doc;
    const char *origin;
    const pim_hier *h;
    pim_mapping *m;
    pim_error *err;
} reader;

static pim_status at_node(const reader *rd, const yaml_node_t *n, const char *what, const char *arg)
{
    char msg[300];
    snprintf(msg, sizeof msg, what, arg);
    return pim_yaml_fail(rd->err, rd->origin, n, msg);
}

static const char *scalar_of(const yaml_node_t *n)
{
    return pim_yaml_scalar(n);
}

/* "N8" or "K16@X": one loop of level i, the next in outer-to-inner order. */
static pim_status parse_loop(reader *rd, const yaml_node_t *n, uint32_t i, int *count,
                             uint8_t *seen)
{
    const char *s = scalar_of(n);
    const pim_hlevel *l = &rd->h->level[i];
    int d = s ? pim_dim_parse(s[0]) : -1;
    if (d < 0)
        return at_node(rd, n, "a loop is a dimension and a factor, as N8 or K16@X; not '%s'",
                       s ? s : "a mapping");
    if (*seen & (1u << d))
        return at_node(rd, n, "dimension %s twice at one level", pim_dim_name(d));
    char *end;
    unsigned long long f = strtoull(s + 1, &end, 10);
    int fan = l->kind == PIM_HL_FANOUT;
    int axis = strcmp(end, "@X") == 0 ? PIM_AXIS_X : strcmp(end, "@Y") == 0 ? PIM_AXIS_Y : 0;
    if (f < 1 || f > (1ull << 40) || end == s + 1 || (*end && !axis) || (axis && !fan))
        return at_node(rd, n,
                       "bad loop '%s' (a factor of 1 to 2^40; @X or @Y only on a "
                       "fan-out level)",
                       s);
    *seen |= (uint8_t)(1u << d);
    rd->m->factor[i][d] = f;
    if (axis)
        rd->m->axis[i][d] = (uint8_t)axis;
    rd->m->order[i][(*count)++] = (uint8_t)d;
    return PIM_OK;
}

static pim_status parse_loops(reader *rd, const yaml_node_t *seq, uint32_t i)
{
    if (seq->type != YAML_SEQUENCE_NODE)
        return at_node(rd, seq, "%s", "loops: a list, outer to inner, as [N8, M4]");
    uint8_t seen = 0;
    int count = 0;
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++) {
        pim_status st = parse_loop(rd, yaml_document_get_node(rd->doc, *it), i, &count, &seen);
        if (st)
            return st;
    }
    for (int d = 0; d < PIM_DIMS; d++) /* unlisted dimensions: factor 1, innermost */
        if (!(seen & (1u << d)))
            rd->m->order[i][count++] = (uint8_t)d;
    return PIM_OK;
}

static pim_status parse_tensor_list(reader *rd, const yaml_node_t *seq, uint8_t *mask)
{
    if (seq->type != YAML_SEQUENCE_NODE)
        return at_node(rd, seq, "%s", "a list of tensors, as [A, Z]");
    *mask = 0;
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++) {
        const yaml_node_t *n = yaml_document_get_node(rd->doc, *it);
        int t = scalar_of(n) ? pim_tensor_parse(scalar_of(n)) : -1;
        if (t < 0)
            return at_node(rd, n, "%s", "a tensor is A, B or Z");
        *mask |= (uint8_t)PIM_TENSOR_BIT(t);
    }
    return PIM_OK;
}

static pim_status parse_long_form(reader *rd, const yaml_node_t *map, uint32_t i)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(rd->doc, p->key);
        const yaml_node_t *v = yaml_document_get_node(rd->doc, p->value);
        const char *key = scalar_of(k);
        uint8_t mask = 0;
        pim_status st;
        if (key && strcmp(key, "loops") == 0)
            st = parse_loops(rd, v, i);
        else if (key && (strcmp(key, "keep") == 0 || strcmp(key, "bypass") == 0)) {
            if (rd->h->level[i].kind != PIM_HL_STORAGE)
                return at_node(rd, k, "%s keeps nothing: not a storage level",
                               rd->h->level[i].name);
            st = parse_tensor_list(rd, v, &mask);
            if (!st && key[0] == 'k')
                rd->m->keep[i] |= mask;
            else if (!st)
                rd->m->keep[i] &= (uint8_t)~mask;
        } else
            return at_node(rd, k, "unknown key '%s' (loops, keep, bypass)", key ? key : "?");
        if (st)
            return st;
    }
    return PIM_OK;
}

static pim_status parse_level(reader *rd, const yaml_node_t *k, const yaml_node_t *v,
                              uint8_t *given)
{
    const char *name = scalar_of(k);
    int i = name ? pim_hier_find(rd->h, name) : -1;
    if (i < 0 || rd->h->level[i].kind == PIM_HL_COMPUTE)
        return at_node(rd, k, "'%s' is not a storage or fan-out level of the architecture",
                       name ? name : "?");
    if (given[i])
        return at_node(rd, k, "level %s given twice", name);
    given[i] = 1;
    for (int d = 0; d < PIM_DIMS; d++)
        rd->m->factor[i][d] = 1;
    return v->type == YAML_MAPPING_NODE ? parse_long_form(rd, v, (uint32_t)i)
                                        : parse_loops(rd, v, (uint32_t)i);
}

pim_status pim_mapping_from_yaml(const pim_hier *h, const pim_gemm *g, const char *text, size_t len,
                                 const char *origin, pim_mapping *out, pim_error *err)
{
    yaml_document_t doc;
    pim_status st = pim_yaml_load(text, len, origin, &doc, err);
    if (st)
        return st;
    pim_mapping_init(h, out);
    reader rd = {&doc, origin, h, out, err};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    uint8_t given[PIM_HIER_MAX_LEVELS] = {0};
    if (!root || root->type != YAML_MAPPING_NODE)
        st = pim_fail(err, PIM_EINPUT, "%s: a mapping is LEVEL: [loops] per level", origin);
    for (yaml_node_pair_t *p = root && !st ? root->data.mapping.pairs.start : NULL;
         p && p < root->data.mapping.pairs.top && !st; p++)
        st = parse_level(&rd, yaml_document_get_node(&doc, p->key),
                         yaml_document_get_node(&doc, p->value), given);
    yaml_document_delete(&doc);
    if (st)
        return st;
    if ((st = pim_mapping_check(h, g, out, 0, err))) {
        char msg[sizeof err->msg];
        pim_strlcpy(msg, err->msg, sizeof msg);
        return pim_fail(err, PIM_EINPUT, "%s: %s", origin, msg);
    }
    return PIM_OK;
}

typedef struct {
    const pim_hier *h;
    const pim_gemm *g;
    pim_mapping *out;
} mapping_file;

static pim_status parse_mapping(const char *text, size_t len, const char *origin, void *ctx,
                                pim_error *err)
{
    mapping_file *f = ctx;
    return pim_mapping_from_yaml(f->h, f->g, text, len, origin, f->out, err);
}

pim_status pim_mapping_load(const pim_hier *h, const pim_gemm *g, const char *path,
                            pim_mapping *out, pim_error *err)
{
    pim_mapping_init(h, out); /* defined even when the file cannot be read */
    mapping_file f = {h, g, out};
    return pim_parse_text_file(path, parse_mapping, &f, err);
}
