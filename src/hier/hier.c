/* pimstream hier: levels, their keys and checks, CiM primitives.
 *
 * One key table serves the YAML loader and --set, so a key is declared
 * (with its bounds) once. */
#include "hier_internal.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* The study's primitives, my-inputs/primitives/cim-primitives.txt and the
 * cim-library-accelergy CSVs (FACTS.md 4.1): Rp, Cp, Rh, Ch, latency in
 * cycles, pJ per MAC, pJ per storage-block write, area relative to SRAM. */
static const pim_cim_primitive primitives[] = {
    {"analog6T", 64, 4, 1, 16, 9, 0.15, 1.9, 1.34},
    {"analog8T", 64, 4, 1, 16, 144, 0.09, 3.0, 2.1},
    {"digital6T", 256, 16, 1, 1, 18, 0.34, 3.2, 1.4},
    {"digital8T", 1, 128, 10, 1, 233, 0.84, 1.7, 1.1},
};

const pim_cim_primitive *pim_cim_primitive_find(const char *name)
{
    for (size_t i = 0; i < sizeof primitives / sizeof primitives[0]; i++)
        if (strcmp(primitives[i].name, name) == 0)
            return &primitives[i];
    return NULL;
}

const char *pim_dim_name(int dim)
{
    static const char *const names[] = {"M", "N", "K"};
    return dim >= 0 && dim < PIM_DIMS ? names[dim] : "?";
}

const char *pim_tensor_name(int t)
{
    static const char *const names[] = {"A", "B", "Z"};
    return t >= 0 && t < PIM_TENSORS ? names[t] : "?";
}

int pim_dim_parse(char c)
{
    return c == 'M' ? PIM_DIM_M : c == 'N' ? PIM_DIM_N : c == 'K' ? PIM_DIM_K : -1;
}

int pim_tensor_parse(const char *s)
{
    static const char *const names[][2] = {{"A", "inputs"}, {"B", "weights"}, {"Z", "outputs"}};
    for (int t = 0; t < PIM_TENSORS; t++)
        if (strcmp(s, names[t][0]) == 0 || strcmp(s, names[t][1]) == 0)
            return t;
    return -1;
}

int pim_hier_find(const pim_hier *h, const char *name)
{
    for (uint32_t i = 0; i < h->nlevels; i++)
        if (strcmp(h->level[i].name, name) == 0)
            return (int)i;
    return -1;
}

uint64_t pim_hier_instances(const pim_hier *h, uint32_t i)
{
    uint64_t n = 1;
    for (uint32_t j = 0; j < i && j < h->nlevels; j++)
        if (h->level[j].kind == PIM_HL_FANOUT)
            n *= (uint64_t)h->level[j].mesh_x * h->level[j].mesh_y;
    return n;
}

double pim_hier_area(const pim_hier *h)
{
    double um2 = 0;
    for (uint32_t i = 0; i < h->nlevels; i++)
        um2 += h->level[i].area_um2 * (double)pim_hier_instances(h, i);
    return um2;
}

/* ---- the key table ----------------------------------------------------- */

typedef enum { K_U64, K_U32, K_F64 } key_type;
enum { ON_STORAGE = 1, ON_FANOUT = 2, ON_COMPUTE = 4 };

typedef struct {
    const char *key;
    key_type type;
    size_t offset;
    double min, max;
    unsigned on; /* the level kinds that have it */
} level_key;

#define LK(k, t, f, lo, hi, on)                                                                    \
    {                                                                                              \
        k, t, offsetof(pim_hlevel, f), lo, hi, on                                                  \
    }
static const level_key level_keys[] = {
    LK("capacity", K_U64, capacity, 0, 1ull << 50, ON_STORAGE),
    LK("block", K_U32, block, 1, 1 << 20, ON_STORAGE),
    LK("read_bw", K_F64, read_bw, 0, 1e12, ON_STORAGE),
    LK("write_bw", K_F64, write_bw, 0, 1e12, ON_STORAGE),
    LK("read_pj", K_F64, read_pj, 0, 1e9, ON_STORAGE),
    LK("write_pj", K_F64, write_pj, 0, 1e9, ON_STORAGE),
    LK("update_pj", K_F64, update_pj, 0, 1e9, ON_STORAGE),
    LK("leak_pj", K_F64, leak_pj, 0, 1e9, ON_STORAGE),
    LK("area_um2", K_F64, area_um2, 0, 1e15, ON_STORAGE | ON_COMPUTE),
    LK("x", K_U32, mesh_x, 1, 1 << 20, ON_FANOUT),
    LK("y", K_U32, mesh_y, 1, 1 << 20, ON_FANOUT),
    LK("mac_pj", K_F64, mac_pj, 0, 1e9, ON_COMPUTE),
    LK("latency", K_F64, latency, 1e-3, 1e9, ON_COMPUTE),
};

static const char *kind_name(pim_hlevel_kind k)
{
    return k == PIM_HL_STORAGE ? "storage" : k == PIM_HL_FANOUT ? "fan-out" : "compute";
}

static pim_status store_number(void *field, key_type type, const char *value, double min,
                               double max, const char *what, const char *where, pim_error *err)
{
    double v;
    uint64_t u = 0;
    int ok = type == K_F64 ? pim_parse_double(value, &v) : pim_parse_u64(value, &u);
    if (type != K_F64)
        v = (double)u;
    if (!ok || !(v >= min && v <= max))
        return pim_fail(err, PIM_EINPUT, "%s: %s must be a number in [%g, %g], not '%s'", where,
                        what, min, max, value);
    if (type == K_U64)
        *(uint64_t *)field = u;
    else if (type == K_U32)
        *(uint32_t *)field = (uint32_t)u;
    else
        *(double *)field = v;
    return PIM_OK;
}

/* "A,B" or "A B" into a tensor mask. */
static pim_status parse_tensors(const char *value, uint8_t *mask, const char *where, pim_error *err)
{
    char buf[128], *save = NULL;
    pim_strlcpy(buf, value, sizeof buf);
    *mask = 0;
    for (char *t = strtok_r(buf, ", []", &save); t; t = strtok_r(NULL, ", []", &save)) {
        int x = pim_tensor_parse(t);
        if (x < 0)
            return pim_fail(err, PIM_EINPUT,
                            "%s: unknown tensor '%s' (A or inputs, B or weights, Z or outputs)",
                            where, t);
        *mask |= (uint8_t)PIM_TENSOR_BIT(x);
    }
    return PIM_OK;
}

/* "4" (fixed), "<=4" (at most), "free". */
static pim_status set_factor(pim_hlevel *l, int dim, const char *value, const char *where,
                             pim_error *err)
{
    l->fixed[dim] = l->max[dim] = 0;
    if (strcmp(value, "free") == 0)
        return PIM_OK;
    int bounded = strncmp(value, "<=", 2) == 0;
    uint64_t *slot = bounded ? &l->max[dim] : &l->fixed[dim];
    char what[64];
    snprintf(what, sizeof what, "factor %s", pim_dim_name(dim));
    return store_number(slot, K_U64, value + (bounded ? 2 : 0), 1, (double)(1ull << 40), what,
                        where, err);
}

static pim_status set_permutation(pim_hlevel *l, const char *value, const char *where,
                                  pim_error *err)
{
    unsigned seen = 0;
    size_t n = strlen(value);
    for (size_t i = 0; i < n; i++) {
        int d = pim_dim_parse(value[i]);
        if (d < 0 || (seen & (1u << d)) || n > 3)
            return pim_fail(err, PIM_EINPUT,
                            "%s: permutation '%s': M, N and K at most once each, innermost "
                            "first",
                            where, value);
        seen |= 1u << d;
    }
    pim_strlcpy(l->permutation, value, sizeof l->permutation);
    return PIM_OK;
}

static pim_status set_axis(pim_hlevel *l, int dim, const char *value, const char *where,
                           pim_error *err)
{
    if (strcmp(value, "X") == 0 || strcmp(value, "x") == 0)
        l->axis[dim] = PIM_AXIS_X;
    else if (strcmp(value, "Y") == 0 || strcmp(value, "y") == 0)
        l->axis[dim] = PIM_AXIS_Y;
    else if (strcmp(value, "any") == 0)
        l->axis[dim] = PIM_AXIS_ANY;
    else
        return pim_fail(err, PIM_EINPUT, "%s: axis of %s must be X, Y or any, not '%s'", where,
                        pim_dim_name(dim), value);
    return PIM_OK;
}

/* The keys that name a dimension: factor.M, axis.K. */
static pim_status set_dim_key(pim_hlevel *l, const char *key, const char *value, const char *where,
                              pim_error *err)
{
    int factor = strncmp(key, "factor.", 7) == 0;
    const char *d = key + (factor ? 7 : 5);
    int dim = strlen(d) == 1 ? pim_dim_parse(d[0]) : -1;
    if (dim < 0)
        return pim_fail(err, PIM_EINPUT, "%s: unknown dimension in '%s' (M, N or K)", where, key);
    if (!factor && l->kind != PIM_HL_FANOUT)
        return pim_fail(err, PIM_EINPUT, "%s: %s: only a fan-out level has mesh axes", where,
                        l->name);
    return factor ? set_factor(l, dim, value, where, err) : set_axis(l, dim, value, where, err);
}

pim_status pim_hier_level_set(pim_hier *h, uint32_t i, const char *key, const char *value,
                              const char *where, pim_error *err)
{
    pim_hlevel *l = &h->level[i];
    if (strncmp(key, "factor.", 7) == 0 || strncmp(key, "axis.", 5) == 0)
        return set_dim_key(l, key, value, where, err);
    if (strcmp(key, "keep") == 0 || strcmp(key, "bypass") == 0) {
        if (l->kind != PIM_HL_STORAGE)
            return pim_fail(err, PIM_EINPUT, "%s: %s: only a storage level keeps tensors", where,
                            l->name);
        return parse_tensors(value, key[0] == 'k' ? &l->keep : &l->bypass, where, err);
    }
    if (strcmp(key, "permutation") == 0)
        return set_permutation(l, value, where, err);
    for (size_t k = 0; k < sizeof level_keys / sizeof level_keys[0]; k++) {
        const level_key *lk = &level_keys[k];
        if (strcmp(lk->key, key) != 0)
            continue;
        if (!(lk->on & (1u << l->kind)))
            return pim_fail(err, PIM_EINPUT, "%s: %s is a %s level: it has no '%s'", where, l->name,
                            kind_name(l->kind), key);
        return store_number((char *)l + lk->offset, lk->type, value, lk->min, lk->max, key, where,
                            err);
    }
    return pim_fail(err, PIM_EINPUT, "%s: unknown key '%s' of level %s", where, key, l->name);
}

pim_status pim_hier_cim_set(pim_cim_primitive *p, const char *key, const char *value,
                            const char *where, pim_error *err)
{
    if (strcmp(key, "primitive") == 0) {
        const pim_cim_primitive *known = pim_cim_primitive_find(value);
        if (!known)
            return pim_fail(err, PIM_EINPUT,
                            "%s: unknown CiM primitive '%s' (analog6T, analog8T, digital6T, "
                            "digital8T, or give rp, cp, rh, ch, latency, mac_pj, write_pj)",
                            where, value);
        *p = *known;
        return PIM_OK;
    }
    static const struct {
        const char *key;
        key_type type;
        size_t offset;
        double min, max;
    } keys[] = {
        {"rp", K_U32, offsetof(pim_cim_primitive, rp), 1, 1 << 16},
        {"cp", K_U32, offsetof(pim_cim_primitive, cp), 1, 1 << 16},
        {"rh", K_U32, offsetof(pim_cim_primitive, rh), 1, 1 << 16},
        {"ch", K_U32, offsetof(pim_cim_primitive, ch), 1, 1 << 16},
        {"latency", K_F64, offsetof(pim_cim_primitive, latency), 1e-3, 1e9},
        {"mac_pj", K_F64, offsetof(pim_cim_primitive, mac_pj), 0, 1e9},
        {"write_pj", K_F64, offsetof(pim_cim_primitive, write_pj), 0, 1e9},
        {"area_x", K_F64, offsetof(pim_cim_primitive, area_x), 0, 1e6},
    };
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
        if (strcmp(keys[k].key, key) == 0)
            return store_number((char *)p + keys[k].offset, keys[k].type, value, keys[k].min,
                                keys[k].max, key, where, err);
    return pim_fail(err, PIM_EINPUT, "%s: unknown key '%s' of a CiM primitive", where, key);
}

/* ---- a CiM primitive as levels (FACTS.md 3.2, 4.2) ---------------------- */

static pim_hlevel *blank(pim_hier *h, uint32_t i, const char *prefix, const char *suffix,
                         pim_hlevel_kind kind)
{
    pim_hlevel *l = &h->level[i];
    uint32_t line = l->line;
    memset(l, 0, sizeof *l);
    l->line = line;
    l->kind = kind;
    snprintf(l->name, sizeof l->name, "%.20s%s", prefix, suffix);
    l->block = 1;
    l->latency = 1;
    return l;
}

static void buffer_level(pim_hlevel *l, uint64_t capacity, int tensor)
{
    l->capacity = capacity;
    l->keep = (uint8_t)PIM_TENSOR_BIT(tensor);
    l->bypass = (uint8_t)(PIM_ALL_TENSORS & ~PIM_TENSOR_BIT(tensor));
    l->area_um2 = 1; /* the study's placeholder: no CiM area model (FACTS.md 2) */
}

pim_status pim_hier_expand_cim(pim_hier *h, uint32_t at, const char *prefix, pim_error *err)
{
    const pim_cim_primitive *p = &h->cim;
    if (at + 5 > PIM_HIER_MAX_LEVELS)
        return pim_fail(err, PIM_EINPUT, "%s: more than %d levels", h->origin, PIM_HIER_MAX_LEVELS);
    uint32_t line = h->level[at].line;
    for (uint32_t i = at; i < at + 5; i++)
        h->level[i].line = line;
    /* Rp rows reduce K in parallel, Cp columns make different outputs n */
    pim_hlevel *arr = blank(h, at, prefix, "Array", PIM_HL_FANOUT);
    arr->mesh_x = p->cp;
    arr->mesh_y = p->rp;
    arr->fixed[PIM_DIM_M] = 1;
    arr->axis[PIM_DIM_N] = PIM_AXIS_X;
    arr->axis[PIM_DIM_K] = PIM_AXIS_Y;
    buffer_level(blank(h, at + 1, prefix, "InpBuffer", PIM_HL_STORAGE), p->rh, PIM_TENSOR_A);
    buffer_level(blank(h, at + 2, prefix, "OutBuffer", PIM_HL_STORAGE), p->ch, PIM_TENSOR_Z);
    pim_hlevel *st = blank(h, at + 3, prefix, "Storage", PIM_HL_STORAGE);
    buffer_level(st, (uint64_t)p->rh * p->ch, PIM_TENSOR_B);
    st->block = p->ch; /* one access writes a row of Ch weights */
    st->write_pj = st->update_pj = p->write_pj;
    st->fixed[PIM_DIM_M] = 1;
    st->max[PIM_DIM_N] = p->ch;
    st->max[PIM_DIM_K] = p->rh;
    for (uint32_t i = at + 1; i <= at + 2; i++)
        for (int d = 0; d < PIM_DIMS; d++)
            h->level[i].fixed[d] = 1; /* the buffers only stage: no loops of their own */
    pim_hlevel *unit = blank(h, at + 4, prefix, "Unit", PIM_HL_COMPUTE);
    unit->mac_pj = p->mac_pj;
    unit->latency = p->latency;
    unit->cim = 1;
    unit->area_um2 = 1;
    h->cim_first = at;
    if (at + 5 > h->nlevels)
        h->nlevels = at + 5;
    return PIM_OK;
}

/* ---- checks ------------------------------------------------------------ */

static pim_status level_fail(const pim_hier *h, const pim_hlevel *l, pim_error *err,
                             const char *what)
{
    if (l->line == UINT32_MAX) /* changed by --set (or a file's set: list) */
        return pim_fail(err, PIM_EINPUT, "%s: level %s, as set: %s", h->origin, l->name, what);
    if (l->line)
        return pim_fail(err, PIM_EINPUT, "%s:%u: level %s: %s", h->origin, l->line, l->name, what);
    return pim_fail(err, PIM_EINPUT, "%s: level %s: %s", h->origin, l->name, what);
}

static pim_status check_level(const pim_hier *h, uint32_t i, pim_error *err)
{
    const pim_hlevel *l = &h->level[i];
    if (!l->name[0])
        return pim_fail(err, PIM_EINPUT, "%s: level %u has no name", h->origin, i + 1);
    for (uint32_t j = 0; j < i; j++)
        if (strcmp(h->level[j].name, l->name) == 0)
            return level_fail(h, l, err, "a second level of this name");
    if ((l->kind == PIM_HL_COMPUTE) != (i + 1 == h->nlevels))
        return level_fail(h, l, err,
                          l->kind == PIM_HL_COMPUTE ? "compute must be the last level"
                                                    : "the last level must compute "
                                                      "(compute: or cim:)");
    if (l->keep & l->bypass)
        return level_fail(h, l, err, "a tensor both kept and bypassed");
    for (int d = 0; d < PIM_DIMS; d++)
        if (l->fixed[d] && l->max[d] && l->fixed[d] > l->max[d])
            return level_fail(h, l, err, "a fixed factor above its bound");
    if (l->kind == PIM_HL_STORAGE && l->capacity && l->capacity < l->block)
        return level_fail(h, l, err, "capacity below one block");
    return PIM_OK;
}

pim_status pim_hier_validate(const pim_hier *h, pim_error *err)
{
    if (h->nlevels < 2)
        return pim_fail(err, PIM_EINPUT, "%s: a hierarchy needs a backing store and compute",
                        h->origin);
    const pim_hlevel *top = &h->level[0];
    if (top->kind != PIM_HL_STORAGE || top->bypass || (top->keep & PIM_ALL_TENSORS) != 7)
        return level_fail(h, top, err,
                          "the outermost level must be storage keeping A, B and Z (the "
                          "backing store)");
    if (!(h->clock_mhz > 0) || h->word_bits < 1 || h->word_bits > 64)
        return pim_fail(err, PIM_EINPUT, "%s: clock_mhz and word_bits (1-64) are required",
                        h->origin);
    double instances = 1;
    for (uint32_t i = 0; i < h->nlevels; i++) {
        pim_status st = check_level(h, i, err);
        if (st)
            return st;
        if (h->level[i].kind == PIM_HL_FANOUT)
            instances *= (double)h->level[i].mesh_x * h->level[i].mesh_y;
    }
    if (instances > (double)(1ull << 40))
        return pim_fail(err, PIM_EINPUT, "%s: more than 2^40 compute instances", h->origin);
    return PIM_OK;
}

/* ---- --set --------------------------------------------------------------- */

pim_status pim_hier_set(pim_hier *h, const char *assignment, pim_error *err)
{
    char buf[256];
    pim_strlcpy(buf, assignment, sizeof buf);
    char *eq = strchr(buf, '='), *dot = strchr(buf, '.');
    char where[300];
    snprintf(where, sizeof where, "--set %.200s", assignment);
    if (!eq || !dot || dot > eq) {
        if (eq && strncmp(buf, "clock_mhz=", 10) == 0)
            return store_number(&h->clock_mhz, K_F64, eq + 1, 1e-3, 1e7, "clock_mhz", where, err);
        return pim_fail(err, PIM_EINPUT, "%s: expected LEVEL.key=value or cim.key=value", where);
    }
    *eq = *dot = '\0';
    if (strcmp(buf, "cim") == 0) {
        if (!h->cim.name[0])
            return pim_fail(err, PIM_EINPUT, "%s: %s computes with no CiM primitive", where,
                            h->name);
        char prefix[PIM_HIER_NAME];
        size_t n = strlen(h->level[h->cim_first].name) - strlen("Array");
        snprintf(prefix, sizeof prefix, "%.*s", (int)n, h->level[h->cim_first].name);
        pim_status st = pim_hier_cim_set(&h->cim, dot + 1, eq + 1, where, err);
        return st ? st : pim_hier_expand_cim(h, h->cim_first, prefix, err);
    }
    int i = pim_hier_find(h, buf);
    if (i < 0)
        return pim_fail(err, PIM_EINPUT, "%s: %s has no level '%s'", where, h->name, buf);
    pim_status st = pim_hier_level_set(h, (uint32_t)i, dot + 1, eq + 1, where, err);
    if (!st)
        h->level[i].line = UINT32_MAX; /* later checks name the override, not the file */
    return st;
}

/* ---- a PIM chip as a hierarchy ---------------------------------------- */

pim_status pim_hier_from_arch(const pim_arch *a, pim_hier *out, pim_error *err)
{
    memset(out, 0, sizeof *out);
    pim_strlcpy(out->name, a->name, sizeof out->name);
    snprintf(out->origin, sizeof out->origin, "%s", a->origin);
    out->clock_mhz = a->clock_mhz;
    out->word_bits = a->macro.weight_bits;
    double bytes_per_word = a->macro.weight_bits / 8.0;
    pim_hlevel *dram = &out->level[0];
    pim_strlcpy(dram->name, "offchip", sizeof dram->name);
    dram->kind = PIM_HL_STORAGE;
    dram->keep = PIM_ALL_TENSORS;
    dram->block = 1;
    dram->read_bw = dram->write_bw = (double)a->offchip.bytes_per_cycle / bytes_per_word;
    dram->read_pj = dram->write_pj = dram->update_pj = a->offchip.pj_per_bit * a->macro.weight_bits;
    pim_hlevel *chip = &out->level[1];
    pim_strlcpy(chip->name, "macros", sizeof chip->name);
    chip->kind = PIM_HL_FANOUT;
    chip->mesh_x = 1;
    chip->mesh_y = (a->tiles ? a->tiles : 1) * a->cores * a->core.macros;
    out->nlevels = 2;
    /* a macro: its rows reduce in parallel, one weight per column group
     * (bit slices, an analog encoding's extra columns); it holds one
     * weight per cell position (Rh = Ch = 1); an analog macro's step is
     * its crossbar's VMM time (the caller prices its MACs: pim_hier_from_arch
     * leaves mac_pj as the macro's own, 0 for analog chips priced by parts) */
    int analog = a->macro.type != PIM_MACRO_SRAM_DIGITAL;
    pim_cim_primitive *p = &out->cim;
    pim_strlcpy(p->name, pim_macro_type_name(a->macro.type), sizeof p->name);
    p->rp = a->macro.rows;
    p->cp = pim_arch_weight_columns(a);
    p->rh = p->ch = 1;
    p->latency = analog ? pim_analog_cycles_per_vector(a) : a->macro.compute_cycles_per_vector;
    p->mac_pj = a->macro.mac_pj;
    p->write_pj = a->macro.write_pj_per_byte * bytes_per_word;
    p->area_x = 1;
    pim_status st = pim_hier_expand_cim(out, 2, "macro", err);
    return st ? st : pim_hier_validate(out, err);
}

pim_status pim_hier_cim_mac_pj(pim_hier *h, double mac_pj, pim_error *err)
{
    if (!h->cim.name[0] || !(mac_pj >= 0))
        return pim_fail(err, PIM_EINPUT, "%s: no CiM primitive to price", h->name);
    h->cim.mac_pj = mac_pj;
    h->level[h->nlevels - 1].mac_pj = mac_pj;
    return PIM_OK;
}

/* ---- presets ------------------------------------------------------------ */

size_t pim_hier_preset_count(void)
{
    return pim_hier_presets_count;
}

const char *pim_hier_preset_name(size_t i)
{
    return pim_preset_name(pim_hier_presets, pim_hier_presets_count, i);
}

void pim_hier_preset_summary(size_t i, char *buf, size_t cap)
{
    pim_preset_summary(pim_hier_presets, pim_hier_presets_count, i, buf, cap);
}
