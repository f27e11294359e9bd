/* pimstream sweep: the points of a sweep (see sweep.h), from --sweep
 * axes, listed points and a spec file. */
#include "pimstream/sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

void pim_sweep_init(pim_sweep *s)
{
    memset(s, 0, sizeof *s);
}

static void free_strings(char **v, uint64_t n)
{
    for (uint64_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

void pim_sweep_free(pim_sweep *s)
{
    for (uint32_t i = 0; i < s->noptions; i++)
        free(s->options[i]);
    for (uint32_t k = 0; k < s->naxes; k++)
        free_strings(s->axes[k].values, s->axes[k].count);
    for (uint64_t i = 0; i < s->ngiven; i++)
        free_strings(s->given[i].kv, 2ull * s->given[i].n);
    free(s->given);
    free_strings(s->listed, s->nlisted * s->naxes);
    free(s->sampled);
    pim_sweep_init(s);
}

static pim_status oom(pim_error *err)
{
    return pim_fail(err, PIM_EINTERNAL, "sweep: out of memory");
}

/* "a, b, c" (at most about 400 characters). */
static void join_names(char *out, size_t cap, const char *const *names, size_t stride)
{
    *out = '\0';
    for (const char *const *n = names; *n && strlen(out) < 400;
         n = (const char *const *)((const char *)n + stride))
        snprintf(out + strlen(out), cap - strlen(out), "%s%s", *out ? ", " : "", *n);
}

pim_status pim_sweep_set_command(pim_sweep *s, const char *name, pim_error *err)
{
    for (const pim_sweep_command *c = s->commands; c && c->name; c++)
        if (strcmp(c->name, name) == 0) {
            s->cmd = c;
            pim_strlcpy(s->command, name, sizeof s->command);
            return PIM_OK;
        }
    char names[512];
    join_names(names, sizeof names, &s->commands->name, sizeof *s->commands);
    return pim_fail(err, PIM_EINPUT, "command %s: a sweep runs one of %s", name, names);
}

int pim_sweep_is_named(const pim_sweep *s, const char *key)
{
    for (const char *const *n = s->cmd ? s->cmd->named : NULL; n && *n; n++)
        if (strcmp(key, *n) == 0)
            return 1;
    return 0;
}

/* A key names an option of the command or a --set path (dotted); anything
 * else is a typo caught here, not at every point. */
static pim_status check_key(const pim_sweep *s, const char *k, const char *where, pim_error *err)
{
    if (!s->cmd)
        return pim_fail(err, PIM_EINPUT, "%s%s: which command? (its keys depend on it)", where, k);
    const char *dot = strchr(k, '.');
    int path = s->cmd->takes_sets && dot && dot > k && dot[1] && !strchr(k, '=') && !strchr(k, ',');
    if (strlen(k) < sizeof s->axes[0].key && (pim_sweep_is_named(s, k) || path))
        return PIM_OK;
    char names[512];
    join_names(names, sizeof names, s->cmd->named, sizeof *s->cmd->named);
    return pim_fail(
        err, PIM_EINPUT, "%s%s: not a key to sweep %s (%s%s)", where, k, s->command, names,
        s->cmd->takes_sets ? ", or an architecture or model path such as chip.cores" : "");
}

static int find_axis(const pim_sweep *s, const char *key)
{
    for (uint32_t k = 0; k < s->naxes; k++)
        if (strcmp(s->axes[k].key, key) == 0)
            return (int)k;
    return -1;
}

/* A new axis (values added by the caller); grid axes precede the others. */
static pim_status new_axis(pim_sweep *s, const char *key, const char *where, pim_error *err)
{
    if (s->naxes == PIM_SWEEP_MAX_AXES)
        return pim_fail(err, PIM_EINPUT, "%s%s: at most %d keys in a sweep", where, key,
                        PIM_SWEEP_MAX_AXES);
    pim_sweep_axis *a = &s->axes[s->naxes++];
    memset(a, 0, sizeof *a);
    pim_strlcpy(a->key, key, sizeof a->key);
    return PIM_OK;
}

static pim_status add_value(pim_sweep_axis *a, const char *v, pim_error *err)
{
    char **grown = realloc(a->values, (a->count + 1) * sizeof *grown);
    if (!grown)
        return oom(err);
    a->values = grown;
    if (!(a->values[a->count] = strdup(v)))
        return oom(err);
    a->count++;
    return PIM_OK;
}

/* Values are kept as given: an empty one, or one with a comma or a
 * newline, could not be told apart in a CSV row or a command line. */
static pim_status check_value(const char *v, const char *where, const char *key, pim_error *err)
{
    if (!*v || strlen(v) > 1000 || strpbrk(v, ",\n\r\""))
        return pim_fail(err, PIM_EINPUT,
                        "%s%s: a value must be 1 to 1000 characters without commas, quotes or "
                        "line breaks",
                        where, key);
    return PIM_OK;
}

pim_status pim_sweep_add_axis(pim_sweep *s, const char *assignment, const char *flag,
                              pim_error *err)
{
    char where[64];
    snprintf(where, sizeof where, "%s ", flag);
    const char *eq = strchr(assignment, '=');
    char key[sizeof s->axes[0].key];
    if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof key)
        return pim_fail(err, PIM_EINPUT, "%s%s: must be KEY=V1,V2,...", where, assignment);
    snprintf(key, sizeof key, "%.*s", (int)(eq - assignment), assignment);
    pim_status st = check_key(s, key, where, err);
    if (st)
        return st;
    if (find_axis(s, key) >= 0)
        return pim_fail(err, PIM_EINPUT, "%s%s: that key is swept twice", where, key);
    if (s->naxes > s->grid_axes)
        return pim_fail(err, PIM_EINTERNAL, "sweep: axes after listed keys");
    if ((st = new_axis(s, key, where, err)))
        return st;
    pim_sweep_axis *a = &s->axes[s->naxes - 1];
    s->grid_axes = s->naxes;
    for (const char *p = eq + 1;;) {
        size_t n = strcspn(p, ",");
        char v[1024];
        if (n >= sizeof v)
            return pim_fail(err, PIM_EINPUT, "%s%s: a value is too long", where, key);
        snprintf(v, sizeof v, "%.*s", (int)n, p);
        if ((st = check_value(v, where, key, err)) || (st = add_value(a, v, err)))
            return st;
        if (!p[n])
            return PIM_OK;
        p += n + 1;
    }
}

pim_status pim_sweep_add_point(pim_sweep *s, char **kv, uint32_t pairs, pim_error *err)
{
    if (s->ngiven == PIM_SWEEP_MAX_POINTS)
        return pim_fail(err, PIM_EINPUT, "sweep: more than %llu listed points",
                        (unsigned long long)PIM_SWEEP_MAX_POINTS);
    if (!pim_grow((void **)&s->given, &s->given_cap, s->ngiven, sizeof *s->given))
        return oom(err);
    s->given[s->ngiven++] = (pim_sweep_listed){kv, pairs};
    return PIM_OK;
}

/* ---- the points ---------------------------------------------------------- */

/* Grid points in a sorted, seeded sample: selection sampling (Knuth's
 * algorithm S) when the sample is most of the grid, else repeated draws
 * until enough are distinct. */
static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static uint64_t draw_below(uint64_t *rng, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, r;
    do
        r = pim_rng_next(rng);
    while (r >= limit); /* no modulo bias */
    return r % n;
}

static pim_status sample_grid(pim_sweep *s, pim_error *err)
{
    uint64_t want = s->sample, grid = s->grid, rng = s->seed ? s->seed : 0x9E3779B97F4A7C15ull;
    if (!(s->sampled = malloc(want * sizeof *s->sampled)))
        return oom(err);
    uint64_t n = 0;
    if (want > grid / 2) {
        for (uint64_t g = 0; g < grid && n < want; g++)
            if (draw_below(&rng, grid - g) < want - n)
                s->sampled[n++] = g;
        return PIM_OK;
    }
    while (n < want) {
        while (n < want)
            s->sampled[n++] = draw_below(&rng, grid);
        qsort(s->sampled, n, sizeof *s->sampled, cmp_u64);
        uint64_t k = 0;
        for (uint64_t i = 0; i < n; i++)
            if (k == 0 || s->sampled[i] != s->sampled[k - 1])
                s->sampled[k++] = s->sampled[i];
        n = k;
    }
    return PIM_OK;
}

/* The listed points as a table over every axis (new keys become axes
 * outside the grid). */
static pim_status table_listed(pim_sweep *s, pim_error *err)
{
    for (uint64_t i = 0; i < s->ngiven; i++)
        for (uint32_t j = 0; j < s->given[i].n; j++)
            if (find_axis(s, s->given[i].kv[2 * j]) < 0) {
                pim_status st = new_axis(s, s->given[i].kv[2 * j], "point ", err);
                if (st)
                    return st;
            }
    s->listed = calloc((size_t)s->ngiven * s->naxes + 1, sizeof *s->listed);
    if (!s->listed)
        return oom(err);
    s->nlisted = s->ngiven;
    for (uint64_t i = 0; i < s->ngiven; i++)
        for (uint32_t j = 0; j < s->given[i].n; j++) {
            int k = find_axis(s, s->given[i].kv[2 * j]);
            char **slot = &s->listed[i * s->naxes + (uint32_t)k];
            if (*slot)
                return pim_fail(err, PIM_EINPUT, "point %llu: %s given twice",
                                (unsigned long long)i + 1, s->given[i].kv[2 * j]);
            if (!(*slot = strdup(s->given[i].kv[2 * j + 1])))
                return oom(err);
        }
    return PIM_OK;
}

pim_status pim_sweep_finish(pim_sweep *s, pim_error *err)
{
    s->grid = s->grid_axes ? 1 : 0;
    for (uint32_t k = 0; k < s->grid_axes; k++) {
        if (s->grid > UINT64_MAX / s->axes[k].count)
            return pim_fail(err, PIM_EINPUT, "sweep: the grid has more than 2^64 points");
        s->grid *= s->axes[k].count;
    }
    if (s->sample >= s->grid)
        s->sample = 0; /* the whole grid is the sample */
    uint64_t from_grid = s->sample ? s->sample : s->grid;
    if (from_grid > PIM_SWEEP_MAX_POINTS || s->ngiven > PIM_SWEEP_MAX_POINTS - from_grid)
        return pim_fail(err, PIM_EINPUT,
                        "sweep: more than %llu points; take a sample of the grid (sample: "
                        "{count: N, seed: S} in a spec file)",
                        (unsigned long long)PIM_SWEEP_MAX_POINTS);
    pim_status st = table_listed(s, err);
    if (!st && s->sample)
        st = sample_grid(s, err);
    if (st)
        return st;
    s->npoints = from_grid + s->nlisted;
    if (!s->npoints)
        return pim_fail(err, PIM_EINPUT,
                        "sweep: no points (give --sweep KEY=V1,V2,... or a spec with sweep: or "
                        "points:)");
    return PIM_OK;
}

const char *pim_sweep_value(const pim_sweep *s, uint64_t i, uint32_t k)
{
    uint64_t from_grid = s->sample ? s->sample : s->grid;
    if (i >= from_grid)
        return s->listed[(i - from_grid) * s->naxes + k];
    if (k >= s->grid_axes)
        return NULL;
    uint64_t g = s->sampled ? s->sampled[i] : i;
    for (uint32_t j = s->grid_axes; j-- > k + 1;)
        g /= s->axes[j].count; /* the last axis varies fastest */
    return s->axes[k].values[g % s->axes[k].count];
}

/* ---- spec files ----------------------------------------------------------- */

typedef struct {
    yaml_document_t *doc;
    const char *origin;
    pim_sweep *s;
    pim_error *err;
} spec_ctx;

static pim_status spec_at(spec_ctx *c, const yaml_node_t *n, const char *msg, const char *what)
{
    char text[sizeof c->err->msg + 64];
    snprintf(text, sizeof text, "%s%s", msg, what ? what : "");
    return pim_yaml_fail(c->err, c->origin, n, text);
}

static yaml_node_t *spec_node(spec_ctx *c, int id)
{
    return yaml_document_get_node(c->doc, id);
}

/* "file:line:column: " of a key, the prefix of the errors about it. */
static void key_where(const spec_ctx *c, const yaml_node_t *k, char *where, size_t cap)
{
    pim_yaml_where(c->origin, k, where, cap - 2);
    strcat(where, ": ");
}

/* A scalar of the spec, with its location in errors. */
static pim_status spec_string(spec_ctx *c, const yaml_node_t *n, const char *key, const char **out)
{
    *out = pim_yaml_scalar(n);
    if (!*out || !**out)
        return spec_at(c, n, "expected a value for ", key);
    return PIM_OK;
}

static pim_status spec_option(spec_ctx *c, const char *key, const char *value,
                              const yaml_node_t *at)
{
    pim_sweep *s = c->s;
    if (s->noptions + 2 > PIM_SWEEP_MAX_OPTIONS)
        return spec_at(c, at, "too many options", NULL);
    if (strcmp(value, "false") == 0)
        return PIM_OK; /* a flag left off */
    char flag[128];
    snprintf(flag, sizeof flag, "--%s", key);
    if (!(s->options[s->noptions] = strdup(flag)))
        return oom(c->err);
    s->noptions++;
    if (strcmp(value, "true") == 0)
        return PIM_OK; /* a flag */
    if (!(s->options[s->noptions] = strdup(value)))
        return oom(c->err);
    s->noptions++;
    return PIM_OK;
}

/* options: {model: resnet18, set: [chip.cores=8], no-fast-forward: true} */
static pim_status spec_options(spec_ctx *c, const yaml_node_t *v)
{
    if (v->type != YAML_MAPPING_NODE)
        return spec_at(c, v, "options: expected a mapping of the command's options", NULL);
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = spec_node(c, p->key), *val = spec_node(c, p->value);
        const char *ks = pim_yaml_scalar(k), *vs;
        if (!ks || !*ks || strlen(ks) > 100 || ks[0] == '-')
            return spec_at(c, k, "options: expected an option name without dashes", NULL);
        pim_status st = PIM_OK;
        if (val->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = val->data.sequence.items.start;
                 it < val->data.sequence.items.top && !st; it++)
                if (!(st = spec_string(c, spec_node(c, *it), ks, &vs)))
                    st = spec_option(c, ks, vs, spec_node(c, *it));
        } else if (!(st = spec_string(c, val, ks, &vs))) {
            st = spec_option(c, ks, vs, val);
        }
        if (st)
            return st;
    }
    return PIM_OK;
}

/* sweep: {bandwidth: [8, 16], chip.cores: [4, 8]}: the grid's axes. */
static pim_status spec_axes(spec_ctx *c, const yaml_node_t *v)
{
    if (v->type != YAML_MAPPING_NODE)
        return spec_at(c, v, "sweep: expected a mapping of keys to lists of values", NULL);
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = spec_node(c, p->key), *val = spec_node(c, p->value);
        const char *ks = pim_yaml_scalar(k);
        char where[PIM_PATH_MAX + 64];
        key_where(c, k, where, sizeof where);
        pim_status st =
            ks ? check_key(c->s, ks, where, c->err) : spec_at(c, k, "expected a key", NULL);
        if (!st && find_axis(c->s, ks) >= 0)
            st = spec_at(c, k, "swept twice: ", ks);
        if (!st && (val->type != YAML_SEQUENCE_NODE ||
                    val->data.sequence.items.top == val->data.sequence.items.start))
            st = spec_at(c, val, "expected a list of values for ", ks);
        if (!st)
            st = new_axis(c->s, ks, where, c->err);
        c->s->grid_axes = c->s->naxes;
        for (yaml_node_item_t *it = val->data.sequence.items.start;
             !st && it < val->data.sequence.items.top; it++) {
            const yaml_node_t *e = spec_node(c, *it);
            const char *es;
            if (!(st = spec_string(c, e, ks, &es)) && !(st = check_value(es, where, ks, c->err)))
                st = add_value(&c->s->axes[c->s->naxes - 1], es, c->err);
        }
        if (st)
            return st;
    }
    return PIM_OK;
}

/* points: [{bandwidth: 64, schedule: gpp}, ...] */
static pim_status spec_point(spec_ctx *c, const yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE)
        return spec_at(c, n, "points: each point is a mapping of keys to values", NULL);
    uint32_t pairs = (uint32_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    char **kv = calloc(2 * (size_t)pairs + 1, sizeof *kv);
    if (!kv)
        return oom(c->err);
    pim_status st = PIM_OK;
    uint32_t j = 0;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; !st && p < n->data.mapping.pairs.top;
         p++, j++) {
        const yaml_node_t *k = spec_node(c, p->key), *v = spec_node(c, p->value);
        const char *ks = pim_yaml_scalar(k), *vs = NULL;
        char where[PIM_PATH_MAX + 64];
        key_where(c, k, where, sizeof where);
        st = ks ? check_key(c->s, ks, where, c->err) : spec_at(c, k, "expected a key", NULL);
        if (!st && !(st = spec_string(c, v, ks, &vs)))
            st = check_value(vs, where, ks, c->err);
        if (!st && (!(kv[2 * j] = strdup(ks)) || !(kv[2 * j + 1] = strdup(vs))))
            st = oom(c->err);
    }
    if (!st && pairs == 0)
        st = spec_at(c, n, "points: an empty point", NULL);
    if (!st)
        st = pim_sweep_add_point(c->s, kv, pairs, c->err);
    if (st)
        free_strings(kv, 2ull * pairs);
    return st;
}

static pim_status spec_points(spec_ctx *c, const yaml_node_t *v)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return spec_at(c, v, "points: expected a list of points", NULL);
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
         it++) {
        pim_status st = spec_point(c, spec_node(c, *it));
        if (st)
            return st;
    }
    return PIM_OK;
}

/* sample: {count: N, seed: S} */
static pim_status spec_sample(spec_ctx *c, const yaml_node_t *v)
{
    if (v->type != YAML_MAPPING_NODE)
        return spec_at(c, v, "sample: expected {count: N, seed: S}", NULL);
    c->s->seed = 1;
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = spec_node(c, p->key), *val = spec_node(c, p->value);
        const char *ks = pim_yaml_scalar(k), *vs = pim_yaml_scalar(val);
        uint64_t n;
        int is_count = ks && strcmp(ks, "count") == 0, is_seed = ks && strcmp(ks, "seed") == 0;
        if (!is_count && !is_seed)
            return spec_at(c, k, "sample: unknown key ", ks ? ks : "(not a name)");
        if (!vs || !pim_parse_u64(vs, &n) || n == 0 || (is_count && n > PIM_SWEEP_MAX_POINTS))
            return spec_at(c, val,
                           is_count ? "sample: count must be a whole number in 1..1e8"
                                    : "sample: seed must be a whole number above 0",
                           NULL);
        *(is_count ? &c->s->sample : &c->s->seed) = n;
    }
    if (!c->s->sample)
        return spec_at(c, v, "sample: count is missing", NULL);
    return PIM_OK;
}

static pim_status spec_root(spec_ctx *c, const yaml_node_t *root)
{
    if (!root || root->type != YAML_MAPPING_NODE)
        return pim_fail(c->err, PIM_EINPUT,
                        "%s:1:1: a sweep spec is a mapping with command, options, sweep, "
                        "points, sample and out",
                        c->origin);
    const yaml_node_t *later[2] = {NULL, NULL}; /* sweep, then points: axes first */
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = spec_node(c, p->key), *v = spec_node(c, p->value);
        const char *ks = pim_yaml_scalar(k), *vs;
        pim_status st = PIM_OK;
        if (ks && strcmp(ks, "command") == 0) {
            pim_error why;
            if (!(st = spec_string(c, v, "command", &vs)) && pim_sweep_set_command(c->s, vs, &why))
                st = spec_at(c, v, why.msg, NULL);
        } else if (ks && strcmp(ks, "out") == 0) {
            if (!(st = spec_string(c, v, "out", &vs)) && strlen(vs) >= sizeof c->s->out)
                st = spec_at(c, v, "out: path too long", NULL);
            if (!st)
                pim_strlcpy(c->s->out, vs, sizeof c->s->out);
        } else if (ks && strcmp(ks, "options") == 0) {
            st = spec_options(c, v);
        } else if (ks && strcmp(ks, "sample") == 0) {
            st = spec_sample(c, v);
        } else if (ks && strcmp(ks, "sweep") == 0) {
            later[0] = v;
        } else if (ks && strcmp(ks, "points") == 0) {
            later[1] = v;
        } else {
            st = spec_at(c, k, "unknown key ", ks ? ks : "(not a name)");
        }
        if (st)
            return st;
    }
    pim_status st = later[0] ? spec_axes(c, later[0]) : PIM_OK;
    return !st && later[1] ? spec_points(c, later[1]) : st;
}

static pim_status parse_spec(const char *text, size_t len, const char *origin, void *ctx,
                             pim_error *err)
{
    yaml_document_t doc;
    pim_status st = pim_yaml_load(text, len, origin, &doc, err);
    if (st)
        return st;
    spec_ctx c = {.doc = &doc, .origin = origin, .s = ctx, .err = err};
    st = spec_root(&c, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
    return st;
}

pim_status pim_sweep_spec_from_yaml(pim_sweep *s, const char *text, size_t len, const char *origin,
                                    pim_error *err)
{
    return parse_spec(text, len, origin, s, err);
}

pim_status pim_sweep_load_spec(pim_sweep *s, const char *path, pim_error *err)
{
    return pim_parse_text_file(path, parse_spec, s, err);
}
