/* pimstream hier: the YAML form.
 *
 *   name: www-rf-analog6t
 *   clock_mhz: 1000
 *   word_bits: 8
 *   levels:                      # outermost first
 *     - {name: DRAM, block: 8, read_bw: 32, ..., keep: [A, B, Z]}
 *     - {name: CiMBank, fanout: {x: 1, y: 4}, factors: {M: 1}, axis: {N: Y}}
 *     - {name: CiM, cim: {primitive: analog6T}}
 *
 * or `base: PRESET` with `set: ["LEVEL.key=value", ...]`. Nested mappings
 * (fanout, compute, factors, axis, cim) become the keys of the shared key
 * table (x, mac_pj, factor.M, axis.N, cim's own), so the file and --set
 * accept the same things. */
#include "hier_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct {
    yaml_document_t *doc;
    const char *origin;
    pim_hier *h;
    pim_error *err;
} loader;

static pim_status node_fail(const loader *ld, const yaml_node_t *n, const char *what,
                            const char *arg)
{
    char msg[sizeof ld->err->msg];
    snprintf(msg, sizeof msg, what, arg);
    return pim_yaml_fail(ld->err, ld->origin, n, msg);
}

static void where_of(const loader *ld, const yaml_node_t *n, char *buf, size_t cap)
{
    pim_yaml_where(ld->origin, n, buf, cap);
}

static const char *scalar(const yaml_node_t *n)
{
    return pim_yaml_scalar(n);
}

/* A scalar, or a sequence of scalars joined by commas (keep: [A, B]). */
static pim_status value_text(const loader *ld, yaml_node_t *v, char *buf, size_t cap)
{
    if (v->type == YAML_SCALAR_NODE) {
        pim_strlcpy(buf, scalar(v), cap);
        return PIM_OK;
    }
    if (v->type != YAML_SEQUENCE_NODE)
        return node_fail(ld, v, "%s", "expected a value or a list of values");
    buf[0] = '\0';
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        const char *s = scalar(yaml_document_get_node(ld->doc, *it));
        if (!s)
            return node_fail(ld, v, "%s", "a list of plain values");
        size_t n = strlen(buf);
        snprintf(buf + n, cap - n, "%s%s", n ? "," : "", s);
    }
    return PIM_OK;
}

typedef pim_status (*pair_fn)(loader *ld, const char *key, yaml_node_t *k, yaml_node_t *v,
                              void *ctx);

static pim_status each_pair(loader *ld, yaml_node_t *map, pair_fn fn, void *ctx)
{
    if (map->type != YAML_MAPPING_NODE)
        return node_fail(ld, map, "%s", "expected a mapping");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(ld->doc, p->value);
        if (!scalar(k))
            return node_fail(ld, k, "%s", "keys must be plain names");
        pim_status st = fn(ld, scalar(k), k, v, ctx);
        if (st)
            return st;
    }
    return PIM_OK;
}

/* ---- one level ----------------------------------------------------------- */

typedef struct {
    uint32_t index;
    const char *prefix; /* "factor." / "axis." inside factors: / axis:, else "" */
} level_ctx;

static pim_status level_value(loader *ld, const char *key, yaml_node_t *k, yaml_node_t *v,
                              void *vctx)
{
    level_ctx *c = vctx;
    char full[96], text[512], where[1100];
    snprintf(full, sizeof full, "%s%s", c->prefix, key);
    pim_status st = value_text(ld, v, text, sizeof text);
    if (st)
        return st;
    where_of(ld, k, where, sizeof where);
    return pim_hier_level_set(ld->h, c->index, full, text, where, ld->err);
}

static pim_status cim_value(loader *ld, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    (void)ctx;
    char where[1100];
    where_of(ld, k, where, sizeof where);
    if (!scalar(v))
        return node_fail(ld, v, "cim.%s must be a single value", key);
    return pim_hier_cim_set(&ld->h->cim, key, scalar(v), where, ld->err);
}

/* The kind a level's keys make it: fanout:, compute: or cim:, else storage. */
static pim_status level_kind(loader *ld, yaml_node_t *map, pim_hlevel_kind *kind, yaml_node_t **cim)
{
    *kind = PIM_HL_STORAGE;
    *cim = NULL;
    int kinds = 0;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *key = scalar(yaml_document_get_node(ld->doc, p->key));
        yaml_node_t *v = yaml_document_get_node(ld->doc, p->value);
        if (!key)
            continue;
        if (strcmp(key, "fanout") == 0)
            *kind = PIM_HL_FANOUT, kinds++;
        else if (strcmp(key, "compute") == 0)
            *kind = PIM_HL_COMPUTE, kinds++;
        else if (strcmp(key, "cim") == 0)
            *kind = PIM_HL_COMPUTE, *cim = v, kinds++;
    }
    if (kinds > 1)
        return node_fail(ld, map, "%s", "a level is one of storage, fanout, compute or cim");
    return PIM_OK;
}

static pim_status level_key(loader *ld, const char *key, yaml_node_t *k, yaml_node_t *v, void *vctx)
{
    level_ctx *c = vctx;
    if (strcmp(key, "name") == 0)
        return PIM_OK; /* taken first */
    if (strcmp(key, "cim") == 0)
        return each_pair(ld, v, cim_value, NULL);
    static const char *const nested[][2] = {
        {"fanout", ""}, {"compute", ""}, {"factors", "factor."}, {"axis", "axis."}};
    for (size_t i = 0; i < sizeof nested / sizeof nested[0]; i++)
        if (strcmp(key, nested[i][0]) == 0) {
            level_ctx inner = {c->index, nested[i][1]};
            return each_pair(ld, v, level_value, &inner);
        }
    return level_value(ld, key, k, v, c);
}

static pim_status load_level(loader *ld, yaml_node_t *map)
{
    pim_hier *h = ld->h;
    if (map->type != YAML_MAPPING_NODE)
        return node_fail(ld, map, "%s", "a level is a mapping with a name");
    if (h->nlevels >= PIM_HIER_MAX_LEVELS)
        return node_fail(ld, map, "more than %s levels", "16");
    pim_hlevel_kind kind;
    yaml_node_t *cim;
    pim_status st = level_kind(ld, map, &kind, &cim);
    if (st)
        return st;
    uint32_t i = h->nlevels++;
    pim_hlevel *l = &h->level[i];
    memset(l, 0, sizeof *l);
    l->kind = kind;
    l->line = (uint32_t)map->start_mark.line + 1;
    l->block = 1;
    l->latency = 1;
    if (kind == PIM_HL_FANOUT) /* an axis left out is one wide: {x: 16} is a row of 16 */
        l->mesh_x = l->mesh_y = 1;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++)
        if (scalar(yaml_document_get_node(ld->doc, p->key)) &&
            strcmp(scalar(yaml_document_get_node(ld->doc, p->key)), "name") == 0) {
            const char *name = scalar(yaml_document_get_node(ld->doc, p->value));
            if (!name || !*name || strlen(name) >= PIM_HIER_NAME - 10 || strchr(name, '.'))
                return node_fail(ld, map, "%s", "a level's name: up to 21 characters, no dots");
            pim_strlcpy(l->name, name, sizeof l->name);
        }
    if (!l->name[0])
        return node_fail(ld, map, "%s", "a level needs a name");
    level_ctx c = {i, ""};
    if ((st = each_pair(ld, map, level_key, &c)))
        return st;
    if (!cim)
        return PIM_OK;
    if (!h->cim.rp || !h->cim.cp || !h->cim.rh || !h->cim.ch || !(h->cim.latency > 0))
        return node_fail(ld, cim, "%s", "cim: give primitive: NAME, or rp, cp, rh, ch and latency");
    char prefix[PIM_HIER_NAME];
    pim_strlcpy(prefix, l->name, sizeof prefix);
    h->nlevels = i; /* the expansion writes the primitive's five levels here */
    return pim_hier_expand_cim(h, i, prefix, ld->err);
}

/* ---- constraints --------------------------------------------------------- */

typedef struct {
    uint32_t index;
    uint8_t keep, bypass; /* the level's own, added to */
} constrain_ctx;

static pim_status constraint_key(loader *ld, const char *key, yaml_node_t *k, yaml_node_t *v,
                                 void *vctx)
{
    constrain_ctx *c = vctx;
    static const char *const allowed[] = {"factors", "axis", "permutation", "keep", "bypass"};
    int ok = 0;
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        ok |= strcmp(key, allowed[i]) == 0;
    if (!ok)
        return node_fail(ld, k,
                         "unknown constraint '%s' (factors, axis, permutation, keep, bypass)", key);
    level_ctx lc = {c->index, ""};
    pim_status st = level_key(ld, key, k, v, &lc);
    pim_hlevel *l = &ld->h->level[c->index];
    if (!st && (key[0] == 'k' || key[0] == 'b')) { /* add to the architecture's own */
        l->keep |= c->keep;
        l->bypass |= c->bypass;
        c->keep = l->keep;
        c->bypass = l->bypass;
        if (l->keep & l->bypass)
            return node_fail(ld, v, "%s: a tensor both kept and bypassed", l->name);
    }
    return st;
}

static pim_status constrain_level(loader *ld, const char *key, yaml_node_t *k, yaml_node_t *v,
                                  void *ctx)
{
    (void)ctx;
    int i = pim_hier_find(ld->h, key);
    if (i < 0)
        return node_fail(ld, k, "'%s' is not a level of the architecture", key);
    constrain_ctx c = {(uint32_t)i, ld->h->level[i].keep, ld->h->level[i].bypass};
    return each_pair(ld, v, constraint_key, &c);
}

pim_status pim_hier_constrain(pim_hier *h, const char *text, size_t len, const char *origin,
                              pim_error *err)
{
    yaml_document_t doc;
    pim_status st = pim_yaml_load(text, len, origin, &doc, err);
    if (st)
        return st;
    loader ld = {&doc, origin, h, err};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || root->type != YAML_MAPPING_NODE)
        st = pim_fail(err, PIM_EINPUT, "%s: constraints are LEVEL: {factors: ..., ...}", origin);
    else
        st = each_pair(&ld, root, constrain_level, NULL);
    yaml_document_delete(&doc);
    return st ? st : pim_hier_validate(h, err);
}

static pim_status parse_constraints(const char *text, size_t len, const char *origin, void *ctx,
                                    pim_error *err)
{
    return pim_hier_constrain(ctx, text, len, origin, err);
}

pim_status pim_hier_constrain_file(pim_hier *h, const char *path, pim_error *err)
{
    return pim_parse_text_file(path, parse_constraints, h, err);
}

/* ---- the document ----------------------------------------------------- */

static pim_status apply_sets(loader *ld, yaml_node_t *seq)
{
    if (seq->type != YAML_SEQUENCE_NODE)
        return node_fail(ld, seq, "%s", "set: a list of \"LEVEL.key=value\"");
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top;
         it++) {
        yaml_node_t *n = yaml_document_get_node(ld->doc, *it);
        if (!scalar(n))
            return node_fail(ld, n, "%s", "set: a list of \"LEVEL.key=value\"");
        pim_status st = pim_hier_set(ld->h, scalar(n), ld->err);
        if (st) {
            char msg[sizeof ld->err->msg];
            pim_strlcpy(msg, ld->err->msg, sizeof msg);
            return node_fail(ld, n, "%.400s", msg);
        }
    }
    return PIM_OK;
}

static pim_status top_key(loader *ld, const char *key, yaml_node_t *k, yaml_node_t *v, void *ctx)
{
    int has_base = *(int *)ctx;
    pim_hier *h = ld->h;
    char where[1100];
    where_of(ld, v, where, sizeof where);
    if (strcmp(key, "base") == 0)
        return PIM_OK;
    if (strcmp(key, "name") == 0 && scalar(v)) {
        pim_strlcpy(h->name, scalar(v), sizeof h->name);
        return PIM_OK;
    }
    if (strcmp(key, "clock_mhz") == 0 && scalar(v))
        return pim_parse_double(scalar(v), &h->clock_mhz) && h->clock_mhz > 0 && h->clock_mhz <= 1e7
                   ? PIM_OK
                   : node_fail(ld, v, "%s", "clock_mhz: a number in (0, 1e7]");
    if (strcmp(key, "word_bits") == 0 && scalar(v)) {
        uint64_t b;
        if (!pim_parse_u64(scalar(v), &b) || b < 1 || b > 64)
            return node_fail(ld, v, "%s", "word_bits: 1 to 64");
        h->word_bits = (uint32_t)b;
        return PIM_OK;
    }
    if (strcmp(key, "levels") == 0 && !has_base) {
        if (v->type != YAML_SEQUENCE_NODE)
            return node_fail(ld, v, "%s", "levels: a list, outermost first");
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
             it++) {
            pim_status st = load_level(ld, yaml_document_get_node(ld->doc, *it));
            if (st)
                return st;
        }
        return PIM_OK;
    }
    if (strcmp(key, "set") == 0)
        return PIM_OK; /* after every other key */
    (void)where;
    return node_fail(ld, k,
                     has_base && strcmp(key, "levels") == 0
                         ? "'%s' with base: change the base's levels with set:"
                         : "unknown or malformed key '%s'",
                     key);
}

static yaml_node_t *get_key(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *k = scalar(yaml_document_get_node(doc, p->key));
        if (k && strcmp(k, key) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

static pim_status load_document(loader *ld)
{
    yaml_node_t *root = yaml_document_get_root_node(ld->doc);
    if (!root || root->type != YAML_MAPPING_NODE)
        return pim_fail(ld->err, PIM_EINPUT, "%s: expected a mapping of keys", ld->origin);
    yaml_node_t *base = get_key(ld->doc, root, "base");
    if (base) {
        if (!scalar(base))
            return node_fail(ld, base, "%s", "base: a preset name");
        char origin[256];
        pim_strlcpy(origin, ld->origin, sizeof origin);
        pim_status st = pim_hier_load(scalar(base), ld->h, ld->err);
        if (st) {
            char msg[sizeof ld->err->msg];
            pim_strlcpy(msg, ld->err->msg, sizeof msg);
            return node_fail(ld, base, "base: %.400s", msg);
        }
        pim_strlcpy(ld->h->origin, origin, sizeof ld->h->origin);
        for (uint32_t i = 0; i < ld->h->nlevels; i++)
            ld->h->level[i].line = 0; /* not this file's lines */
    }
    int has_base = base != NULL;
    pim_status st = each_pair(ld, root, top_key, &has_base);
    yaml_node_t *sets = get_key(ld->doc, root, "set");
    if (!st && sets)
        st = apply_sets(ld, sets);
    return st;
}

pim_status pim_hier_from_yaml(const char *text, size_t len, const char *origin, pim_hier *out,
                              pim_error *err)
{
    memset(out, 0, sizeof *out);
    pim_strlcpy(out->origin, origin, sizeof out->origin);
    yaml_document_t doc;
    pim_status st = pim_yaml_load(text, len, origin, &doc, err);
    if (st)
        return st;
    loader ld = {&doc, origin, out, err};
    st = load_document(&ld);
    yaml_document_delete(&doc);
    if (!st && !out->name[0])
        pim_strlcpy(out->name, origin, sizeof out->name);
    return st ? st : pim_hier_validate(out, err);
}

static const char *preset_text(const char *name)
{
    return pim_preset_yaml(pim_hier_presets, pim_hier_presets_count, name);
}

static pim_status parse_hier(const char *text, size_t len, const char *origin, void *ctx,
                             pim_error *err)
{
    return pim_hier_from_yaml(text, len, origin, ctx, err);
}

pim_status pim_hier_load(const char *name_or_path, pim_hier *out, pim_error *err)
{
    const char *y = preset_text(name_or_path);
    if (!y)
        return pim_parse_text_file(name_or_path, parse_hier, out, err);
    pim_status st = pim_hier_from_yaml(y, strlen(y), name_or_path, out, err);
    if (!st)
        pim_strlcpy(out->name, name_or_path, sizeof out->name);
    return st;
}

/* A hierarchy file has a top-level `levels:` key, or a `base:` naming a
 * hierarchy preset; a cheap textual look, the loader checks properly. */
int pim_hier_is_hier(const char *name_or_path)
{
    if (preset_text(name_or_path))
        return 1;
    if (!strchr(name_or_path, '/') && !strchr(name_or_path, '.'))
        return 0;
    pim_error err;
    char *text;
    size_t len;
    if (pim_read_file(name_or_path, PIM_MAX_TEXT_FILE, &text, &len, &err))
        return 0;
    int found = 0;
    for (const char *line = text; line && *line && !found; line = strchr(line, '\n')) {
        line += *line == '\n';
        if (strncmp(line, "levels:", 7) == 0)
            found = 1;
        else if (strncmp(line, "base:", 5) == 0) {
            char name[64] = "";
            sscanf(line + 5, " %63s", name);
            found = preset_text(name) != NULL;
        }
    }
    free(text);
    return found;
}
