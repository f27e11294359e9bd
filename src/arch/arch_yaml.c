/* pimstream arch: YAML loading with libyaml's document API, which keeps the
 * line and column of every node so each error can name its place. */
#include "arch_internal.h"
#include "pimstream/arch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct {
    yaml_document_t *doc;
    const char *origin;
    pim_arch *arch;
    pim_error *err;
} loader;

static pim_status node_fail(loader *ld, const yaml_node_t *n, const char *fmt, const char *a)
{
    char what[300];
    snprintf(what, sizeof what, fmt, a);
    return pim_yaml_fail(ld->err, ld->origin, n, what);
}

static pim_status walk(loader *ld, yaml_node_t *map, const char *prefix);

static pim_status load_pair(loader *ld, yaml_node_t *key, yaml_node_t *val, const char *prefix)
{
    if (key->type != YAML_SCALAR_NODE)
        return node_fail(ld, key, "%s", "keys must be plain names");
    char path[160];
    const char *k = (const char *)key->data.scalar.value;
    snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", k);
    if (!*prefix && strcmp(k, "base") == 0)
        return PIM_OK; /* handled before the walk */
    const pim_arch_field *f = pim_arch_field_find(path);
    if (f) {
        if (val->type != YAML_SCALAR_NODE)
            return node_fail(ld, val, "%s must be a single value", path);
        char where[1100];
        pim_yaml_where(ld->origin, val, where, sizeof where);
        ld->arch->given[pim_arch_field_index(f)] = (uint32_t)val->start_mark.line + 1;
        return pim_arch_field_store(ld->arch, f, (const char *)val->data.scalar.value, where,
                                    ld->err);
    }
    if (pim_arch_path_is_section(path)) {
        if (val->type != YAML_MAPPING_NODE)
            return node_fail(ld, val, "%s must be a mapping of fields", path);
        return walk(ld, val, path);
    }
    return node_fail(ld, key, "unknown key '%s'", path);
}

static pim_status walk(loader *ld, yaml_node_t *map, const char *prefix)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(ld->doc, p->value);
        pim_status st = load_pair(ld, k, v, prefix);
        if (st)
            return st;
    }
    return PIM_OK;
}

/* A file may start from a preset ("base: gpp-sram") and override fields. */
static pim_status apply_base(loader *ld, yaml_node_t *root, int *has_base)
{
    *has_base = 0;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(ld->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(ld->doc, p->value);
        if (k->type != YAML_SCALAR_NODE || strcmp((char *)k->data.scalar.value, "base") != 0)
            continue;
        if (v->type != YAML_SCALAR_NODE)
            return node_fail(ld, v, "%s", "base must be a preset name");
        const char *name = (const char *)v->data.scalar.value;
        for (size_t i = 0; i < pim_arch_presets_count; i++)
            if (strcmp(pim_arch_presets[i].name, name) == 0) {
                *has_base = 1;
                const char *y = pim_arch_presets[i].yaml;
                pim_status st = pim_arch_from_yaml(y, strlen(y), name, ld->arch, ld->err);
                /* from here on the values are the preset's, the file is the user's */
                memset(ld->arch->given, 0, sizeof ld->arch->given);
                pim_strlcpy(ld->arch->origin, ld->origin, sizeof ld->arch->origin);
                return st;
            }
        return node_fail(ld, v, "unknown base preset '%s'", name);
    }
    return PIM_OK;
}

static pim_status load_document(loader *ld)
{
    yaml_node_t *root = yaml_document_get_root_node(ld->doc);
    if (!root)
        return pim_fail(ld->err, PIM_EINPUT, "%s:1:1: empty architecture file", ld->origin);
    if (root->type != YAML_MAPPING_NODE)
        return node_fail(ld, root, "%s", "an architecture file must be a mapping");
    int has_base;
    pim_status st = apply_base(ld, root, &has_base);
    if (st)
        return st;
    st = walk(ld, root, "");
    if (st)
        return st;
    /* Without a base every hardware field must be given: a silent zero
     * would be a made-up number in every report. */
    return has_base ? PIM_OK : pim_arch_check_complete(ld->arch, ld->err);
}

pim_status pim_arch_from_yaml(const char *text, size_t len, const char *origin, pim_arch *out,
                              pim_error *err)
{
    yaml_document_t doc;
    pim_status st = pim_yaml_load(text, len, origin, &doc, err);
    if (st)
        return st;
    loader ld = {.doc = &doc, .origin = origin, .arch = out, .err = err};
    memset(out->given, 0, sizeof out->given);
    pim_strlcpy(out->origin, origin, sizeof out->origin);
    st = load_document(&ld);
    yaml_document_delete(&doc);
    return st;
}

static int looks_like_path(const char *s)
{
    return strchr(s, '/') || strchr(s, '.');
}

static pim_status parse_arch(const char *text, size_t len, const char *origin, void *ctx,
                             pim_error *err)
{
    pim_arch *out = ctx;
    pim_status st = pim_arch_from_yaml(text, len, origin, out, err);
    return st ? st : pim_arch_validate(out, err);
}

pim_status pim_arch_load(const char *name_or_path, pim_arch *out, pim_error *err)
{
    memset(out, 0, sizeof *out);
    const char *y = pim_preset_yaml(pim_arch_presets, pim_arch_presets_count, name_or_path);
    if (y)
        return parse_arch(y, strlen(y), name_or_path, out, err);
    if (!looks_like_path(name_or_path))
        return pim_fail(err, PIM_EINPUT,
                        "--arch %s: no such preset (see 'pimstream archs') and not a file path",
                        name_or_path);
    return pim_parse_text_file(name_or_path, parse_arch, out, err);
}

size_t pim_arch_preset_count(void)
{
    return pim_arch_presets_count;
}

const char *pim_arch_preset_name(size_t i)
{
    return pim_preset_name(pim_arch_presets, pim_arch_presets_count, i);
}

void pim_arch_preset_summary(size_t i, char *buf, size_t cap)
{
    pim_preset_summary(pim_arch_presets, pim_arch_presets_count, i, buf, cap);
}
