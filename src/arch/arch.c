/* pimstream arch: field table, defaults, overrides and validation.
 *
 * Every configurable field is one row of FIELDS: the YAML loader, --set and
 * the bounds checks all walk this table, so adding a field is one line. */
#include "pimstream/arch.h"
#include "arch_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OFF(f) offsetof(pim_arch, f)

/* Bounds keep every later product (bytes x vectors x cycles) inside 64 bits:
 * they are generous for any real chip and reject absurd input early. */
static const pim_arch_field FIELDS[] = {
    {"name", PIM_F_STR, OFF(name), 0, 0, 0},
    {"clock_mhz", PIM_F_F64, OFF(clock_mhz), 1e-3, 1e6, 0},
    {"dynamic_matmul", PIM_F_DYN_POLICY, OFF(dynamic_matmul), 0, 0, 0},
    {"chip.cores", PIM_F_U32, OFF(cores), 1, 1 << 20, 0},
    {"chip.core.macros", PIM_F_U32, OFF(core.macros), 1, 1 << 16, 0},
    {"chip.core.vector_lanes", PIM_F_U32, OFF(core.vector_lanes), 1, 1 << 20, 0},
    {"chip.core.vector_pj_per_op", PIM_F_F64, OFF(core.vector_pj_per_op), 0, 1e6, 0},
    {"chip.core.buffer_pj_per_byte", PIM_F_F64, OFF(core.buffer_pj_per_byte), 0, 1e6, 0},
    {"chip.core.psum_bytes", PIM_F_U32, OFF(core.psum_bytes), 1, 16, 0},
    {"chip.macro.type", PIM_F_MACRO_TYPE, OFF(macro.type), 0, 0, 0},
    {"chip.macro.rows", PIM_F_U32, OFF(macro.rows), 1, 1 << 16, 0},
    {"chip.macro.columns", PIM_F_U32, OFF(macro.columns), 1, 1 << 16, 0},
    {"chip.macro.cell_bits", PIM_F_U32, OFF(macro.cell_bits), 1, 64, 0},
    {"chip.macro.weight_bits", PIM_F_U32, OFF(macro.weight_bits), 1, 64, 0},
    {"chip.macro.input_bits", PIM_F_U32, OFF(macro.input_bits), 1, 64, 0},
    {"chip.macro.compute_cycles_per_vector", PIM_F_U32, OFF(macro.compute_cycles_per_vector), 0,
     1 << 20, 0},
    {"chip.macro.write_bytes_per_cycle_max", PIM_F_U32, OFF(macro.write_bytes_per_cycle_max), 1,
     1 << 20, 0},
    {"chip.macro.write_overhead_cycles", PIM_F_U32, OFF(macro.write_overhead_cycles), 0, 1 << 20,
     0},
    {"chip.macro.result_vectors_max", PIM_F_U32, OFF(macro.result_vectors_max), 1, 1 << 20, 0},
    {"chip.macro.mac_pj", PIM_F_F64, OFF(macro.mac_pj), 0, 1e6, 0},
    {"chip.macro.write_pj_per_byte", PIM_F_F64, OFF(macro.write_pj_per_byte), 0, 1e6, 0},
    {"chip.macro.leakage_mw", PIM_F_F64, OFF(macro.leakage_mw), 0, 1e6, 0},
    {"offchip.bytes_per_cycle", PIM_F_U64, OFF(offchip.bytes_per_cycle), 1, 1 << 24, 0},
    {"offchip.pj_per_bit", PIM_F_F64, OFF(offchip.pj_per_bit), 0, 1e6, 0},
    {"schedule.write_bytes_per_cycle", PIM_F_U32, OFF(fix.write_bytes_per_cycle), 0, 1 << 20, 0},
    {"schedule.vectors_per_load", PIM_F_U32, OFF(fix.vectors_per_load), 0, 1 << 20, 0},
    {"schedule.macros", PIM_F_U32, OFF(fix.macros), 0, 1 << 26, 0},
    {"schedule.search_events", PIM_F_U64, OFF(fix.search_events), 0, 1ull << 50, 0},
    /* optional: the tile level, analog crossbars and the component table */
    {"chip.tiles", PIM_F_U32, OFF(tiles), 1, 1 << 20, 1},
    {"chip.activation_buffer_bytes", PIM_F_U64, OFF(activation_buffer_bytes), 0, 1ull << 50, 1},
    {"chip.analog.dataflow", PIM_F_DATAFLOW, OFF(analog.dataflow), 0, 0, 1},
    {"chip.analog.encoding", PIM_F_ENCODING, OFF(analog.encoding), 0, 0, 1},
    {"chip.analog.dac_bits", PIM_F_U32, OFF(analog.dac_bits), 1, 32, 1},
    {"chip.analog.rows_active", PIM_F_U32, OFF(analog.rows_active), 1, 1 << 16, 1},
    {"chip.analog.read_ns", PIM_F_F64, OFF(analog.read_ns), 1e-3, 1e6, 1},
    {"chip.analog.adc_bits", PIM_F_U32, OFF(analog.adc_bits), 1, 16, 1},
    {"chip.analog.adc_ref_bits", PIM_F_U32, OFF(analog.adc_ref_bits), 1, 16, 1},
    {"chip.analog.adcs_per_macro", PIM_F_F64, OFF(analog.adcs_per_macro), 1.0 / 1024, 1 << 16, 1},
    {"chip.analog.adc_gsps", PIM_F_F64, OFF(analog.adc_gsps), 1e-6, 1e3, 1},
    {"chip.analog.levels_per_conversion", PIM_F_F64, OFF(analog.levels_per_conversion), 0, 1 << 16,
     1},
    {"chip.analog.write_ns_per_row", PIM_F_F64, OFF(analog.write_ns_per_row), 0, 1e9, 1},
    {"chip.analog.write_pj_per_cell", PIM_F_F64, OFF(analog.write_pj_per_cell), 0, 1e9, 1},
    {"chip.analog.endurance", PIM_F_F64, OFF(analog.endurance), 0, 1e30, 1},
#define COMPONENT(key, id)                                                                         \
    {"components." key ".count", PIM_F_F64, OFF(comp[id].count), 0, 1e9, 1},                       \
        {"components." key ".mw", PIM_F_F64, OFF(comp[id].mw), 0, 1e9, 1},                         \
    {                                                                                              \
        "components." key ".mm2", PIM_F_F64, OFF(comp[id].mm2), 0, 1e9, 1                          \
    }
    COMPONENT("adc", PIM_C_ADC),
    COMPONENT("dac", PIM_C_DAC),
    COMPONENT("sample_hold", PIM_C_SAMPLE_HOLD),
    COMPONENT("crossbar", PIM_C_CROSSBAR),
    COMPONENT("tia_buffer", PIM_C_TIA_BUFFER),
    COMPONENT("analog_shift_add", PIM_C_ANALOG_SHIFT_ADD),
    COMPONENT("shift_add", PIM_C_SHIFT_ADD),
    COMPONENT("input_reg", PIM_C_INPUT_REG),
    COMPONENT("output_reg", PIM_C_OUTPUT_REG),
    COMPONENT("edram", PIM_C_EDRAM),
    COMPONENT("bus", PIM_C_BUS),
    COMPONENT("router", PIM_C_ROUTER),
    COMPONENT("sigmoid", PIM_C_SIGMOID),
    COMPONENT("tile_shift_add", PIM_C_TILE_SHIFT_ADD),
    COMPONENT("maxpool", PIM_C_MAXPOOL),
    COMPONENT("tile_output_reg", PIM_C_TILE_OUTPUT_REG),
    COMPONENT("offchip_link", PIM_C_OFFCHIP_LINK),
#undef COMPONENT
    /* optional: the network-on-chip */
    {"noc.topology", PIM_F_TOPOLOGY, OFF(noc.topology), 0, 0, 1},
    {"noc.k", PIM_F_U32, OFF(noc.k), 1, 64, 1},
    {"noc.m", PIM_F_U32, OFF(noc.m), 1, 64, 1},
    {"noc.chiplets_x", PIM_F_U32, OFF(noc.chiplets_x), 1, 64, 1},
    {"noc.chiplets_y", PIM_F_U32, OFF(noc.chiplets_y), 1, 64, 1},
    {"noc.tiers", PIM_F_U32, OFF(noc.tiers), 1, 64, 1},
    {"noc.petals", PIM_F_U32, OFF(noc.petals), 0, 64, 1},
    {"noc.interposer_network", PIM_F_INTERPOSER, OFF(noc.interposer), 0, 0, 1},
    {"noc.links", PIM_F_TEXT, OFF(noc.links), 0, 0, 1},
    {"noc.memory_controllers", PIM_F_TEXT, OFF(noc.memory_controllers), 0, 0, 1},
#define LINK(key, cls)                                                                             \
    {"noc." key ".bytes_per_cycle", PIM_F_F64, OFF(noc.link[cls].bytes_per_cycle), 1e-3, 1e6, 1},  \
        {"noc." key ".latency_cycles", PIM_F_F64, OFF(noc.link[cls].latency_cycles), 0, 1e6, 1},   \
    {                                                                                              \
        "noc." key ".pj_per_bit", PIM_F_F64, OFF(noc.link[cls].pj_per_bit), 0, 1e6, 1              \
    }
    LINK("onchip", PIM_LINK_ONCHIP),
    LINK("interposer", PIM_LINK_INTERPOSER),
    LINK("vertical", PIM_LINK_VERTICAL),
#undef LINK
    {"noc.router.pipeline_cycles", PIM_F_F64, OFF(noc.router.pipeline_cycles), 0, 1e6, 1},
    {"noc.router.pj_per_bit", PIM_F_F64, OFF(noc.router.pj_per_bit), 0, 1e6, 1},
    {"noc.router.vcs", PIM_F_U32, OFF(noc.router.vcs), 0, 64, 1},
    {"noc.router.vc_flits", PIM_F_U32, OFF(noc.router.vc_flits), 0, 1 << 16, 1},
    {"noc.router.head_cycles", PIM_F_F64, OFF(noc.router.head_cycles), 0, 1e6, 1},
    {"noc.packet_bytes", PIM_F_U32, OFF(noc.packet_bytes), 0, 1 << 20, 1},
    {"noc.tiles_per_node", PIM_F_U32, OFF(noc.tiles_per_node), 1, 1 << 20, 1},
    {"noc.multicast", PIM_F_BOOL, OFF(noc.multicast), 0, 0, 1},
    /* the compiler's execution model (pim_compile_model) */
    {"compile.overlap", PIM_F_NOT_BOOL, OFF(compile.sequential), 0, 0, 1},
    {"compile.replicate", PIM_F_NOT_BOOL, OFF(compile.single_copy), 0, 0, 1},
};

const pim_arch_field *pim_arch_field_find(const char *path)
{
    for (size_t i = 0; i < sizeof FIELDS / sizeof FIELDS[0]; i++)
        if (strcmp(FIELDS[i].path, path) == 0)
            return &FIELDS[i];
    return NULL;
}

size_t pim_arch_field_index(const pim_arch_field *f)
{
    return (size_t)(f - FIELDS);
}

int pim_arch_path_is_section(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof FIELDS / sizeof FIELDS[0]; i++)
        if (strncmp(FIELDS[i].path, path, n) == 0 && FIELDS[i].path[n] == '.')
            return 1;
    return 0;
}

static const char *const *enum_names(pim_field_type t, size_t *n);

const char *pim_dyn_policy_name(pim_dyn_policy p)
{
    size_t n;
    const char *const *names = enum_names(PIM_F_DYN_POLICY, &n);
    return (size_t)p < n ? names[p] : "?";
}

const char *pim_macro_type_name(pim_macro_type t)
{
    size_t n;
    const char *const *names = enum_names(PIM_F_MACRO_TYPE, &n);
    return (size_t)t < n ? names[t] : "?";
}

const char *pim_dataflow_name(pim_dataflow d)
{
    size_t n;
    const char *const *names = enum_names(PIM_F_DATAFLOW, &n);
    return (size_t)d < n ? names[d] : "?";
}

static const struct {
    const char *name;
    pim_level level;
} COMPONENTS[PIM_C_COUNT] = {
    {"adc", PIM_LEVEL_MACRO},         {"dac", PIM_LEVEL_MACRO},
    {"sample_hold", PIM_LEVEL_MACRO}, {"crossbar", PIM_LEVEL_MACRO},
    {"tia_buffer", PIM_LEVEL_MACRO},  {"analog_shift_add", PIM_LEVEL_MACRO},
    {"shift_add", PIM_LEVEL_CORE},    {"input_reg", PIM_LEVEL_CORE},
    {"output_reg", PIM_LEVEL_CORE},   {"edram", PIM_LEVEL_TILE},
    {"bus", PIM_LEVEL_TILE},          {"router", PIM_LEVEL_TILE},
    {"sigmoid", PIM_LEVEL_TILE},      {"tile_shift_add", PIM_LEVEL_TILE},
    {"maxpool", PIM_LEVEL_TILE},      {"tile_output_reg", PIM_LEVEL_TILE},
    {"offchip_link", PIM_LEVEL_CHIP},
};

const char *pim_component_name(pim_component_id c)
{
    return c < PIM_C_COUNT ? COMPONENTS[c].name : "?";
}

pim_level pim_component_level(pim_component_id c)
{
    return c < PIM_C_COUNT ? COMPONENTS[c].level : PIM_LEVEL_CHIP;
}

const char *pim_level_name(pim_level l)
{
    static const char *const names[] = {"macro", "core", "tile", "chip"};
    return l <= PIM_LEVEL_CHIP ? names[l] : "?";
}

int pim_macro_is_analog(const pim_macro *m)
{
    return m->type != PIM_MACRO_SRAM_DIGITAL;
}

/* The names of an enum-typed field's values, in enum order. */
static const char *const *enum_names(pim_field_type t, size_t *n)
{
    static const char *const macro_types[] = {"sram-digital", "rram-analog", "sram-analog"};
    static const char *const policies[] = {"digital", "pim"};
    static const char *const flows[] = {"isaac", "cascade", "neural-pim"};
    static const char *const encodings[] = {"offset", "isaac-flip", "differential"};
    static const char *const topologies[] = {"mesh", "torus", "chiplets", "stack3d", "custom"};
    static const char *const interposers[] = {"mesh", "petals", "list"};
    static const char *const booleans[] = {"false", "true"};
    static const char *const negated[] = {"true", "false"};
    switch (t) {
    case PIM_F_BOOL:
        *n = 2;
        return booleans;
    case PIM_F_NOT_BOOL:
        *n = 2;
        return negated;
    case PIM_F_TOPOLOGY:
        *n = 5;
        return topologies;
    case PIM_F_INTERPOSER:
        *n = 3;
        return interposers;
    case PIM_F_MACRO_TYPE:
        *n = 3;
        return macro_types;
    case PIM_F_DYN_POLICY:
        *n = 2;
        return policies;
    case PIM_F_DATAFLOW:
        *n = 3;
        return flows;
    default:
        *n = 3;
        return encodings;
    }
}

static pim_status store_enum(char *base, const pim_arch_field *f, const char *value,
                             const char *where, pim_error *err)
{
    size_t n;
    const char *const *names = enum_names(f->type, &n);
    for (size_t i = 0; i < n; i++)
        if (strcmp(value, names[i]) == 0) {
            int v = (int)i; /* every enum here is int-sized and numbered from 0 */
            memcpy(base, &v, sizeof v);
            return PIM_OK;
        }
    char allowed[120] = "";
    for (size_t i = 0; i < n; i++)
        snprintf(allowed + strlen(allowed), sizeof allowed - strlen(allowed), "%s%s", i ? ", " : "",
                 names[i]);
    return pim_fail(err, PIM_EINPUT, "%s: %s: '%s' is not one of %s", where, f->path, value,
                    allowed);
}

/* Store a textual value into the field; `where` prefixes the error. */
pim_status pim_arch_field_store(pim_arch *a, const pim_arch_field *f, const char *value,
                                const char *where, pim_error *err)
{
    char *base = (char *)a + f->offset;
    uint64_t u;
    double d;
    switch (f->type) {
    case PIM_F_STR:
        if (!*value || strlen(value) >= sizeof a->name)
            return pim_fail(err, PIM_EINPUT, "%s: %s must be 1..63 characters", where, f->path);
        pim_strlcpy(base, value, sizeof a->name);
        return PIM_OK;
    case PIM_F_TEXT:
        if (strlen(value) >= sizeof a->noc.links)
            return pim_fail(err, PIM_EINPUT, "%s: %s must be at most 255 characters", where,
                            f->path);
        pim_strlcpy(base, value, sizeof a->noc.links);
        return PIM_OK;
    case PIM_F_TOPOLOGY:
        a->noc.present = 1; /* the section exists once its topology does */
        return store_enum(base, f, value, where, err);
    case PIM_F_MACRO_TYPE:
    case PIM_F_DYN_POLICY:
    case PIM_F_DATAFLOW:
    case PIM_F_ENCODING:
    case PIM_F_INTERPOSER:
    case PIM_F_BOOL:
    case PIM_F_NOT_BOOL:
        return store_enum(base, f, value, where, err);
    case PIM_F_U32:
    case PIM_F_U64:
        if (!pim_parse_u64(value, &u))
            return pim_fail(err, PIM_EINPUT, "%s: %s must be a whole number, got '%s'", where,
                            f->path, value);
        if ((double)u < f->min || (double)u > f->max)
            return pim_fail(err, PIM_EINPUT, "%s: %s = %s is out of range [%.0f, %.0f]", where,
                            f->path, value, f->min, f->max);
        if (f->type == PIM_F_U32) {
            uint32_t v = (uint32_t)u;
            memcpy(base, &v, sizeof v);
        } else {
            memcpy(base, &u, sizeof u);
        }
        return PIM_OK;
    case PIM_F_F64:
        if (!pim_parse_double(value, &d))
            return pim_fail(err, PIM_EINPUT, "%s: %s must be a number, got '%s'", where, f->path,
                            value);
        if (d < f->min || d > f->max)
            return pim_fail(err, PIM_EINPUT, "%s: %s = %s is out of range [%g, %g]", where, f->path,
                            value, f->min, f->max);
        memcpy(base, &d, sizeof d);
        return PIM_OK;
    }
    return pim_fail(err, PIM_EINTERNAL, "field %s has no type", f->path);
}

_Static_assert(sizeof FIELDS / sizeof FIELDS[0] <= PIM_ARCH_MAX_FIELDS,
               "pim_arch.given has a slot per field");

pim_status pim_arch_check_complete(const pim_arch *a, pim_error *err)
{
    for (size_t i = 0; i < sizeof FIELDS / sizeof FIELDS[0]; i++)
        if (!a->given[i] && !FIELDS[i].optional && strncmp(FIELDS[i].path, "schedule.", 9) != 0)
            return pim_fail(err, PIM_EINPUT,
                            "%s: missing field '%s' (or start from a preset "
                            "with 'base: NAME')",
                            a->origin, FIELDS[i].path);
    return PIM_OK;
}

/* Where a check across `paths` (NULL-terminated) points: at --set when an
 * override gave one of them, else at the latest line of the user's file
 * that gives one, else at the file (the values came from its base). */
static const char *blame(const pim_arch *a, char *buf, size_t cap, const char *const *paths)
{
    uint32_t line = 0;
    for (; *paths; paths++) {
        const pim_arch_field *f = pim_arch_field_find(*paths);
        uint32_t g = f ? a->given[pim_arch_field_index(f)] : 0;
        if (g == PIM_ARCH_BY_FLAG) {
            snprintf(buf, cap, "--set %s", *paths);
            return buf;
        }
        line = g > line ? g : line;
    }
    if (line)
        snprintf(buf, cap, "%s:%u", a->origin, line);
    else
        snprintf(buf, cap, "%s", a->origin);
    return buf;
}

#define BLAME(...) blame(a, where, sizeof where, (const char *const[]){__VA_ARGS__, NULL})

pim_status pim_arch_set(pim_arch *a, const char *assignment, pim_error *err)
{
    const char *eq = strchr(assignment, '=');
    char path[128];
    if (!eq || eq == assignment || (size_t)(eq - assignment) >= sizeof path)
        return pim_fail(err, PIM_EINPUT, "--set %s: expected key=value", assignment);
    memcpy(path, assignment, (size_t)(eq - assignment));
    path[eq - assignment] = '\0';
    const pim_arch_field *f = pim_arch_field_find(path);
    if (!f)
        return pim_fail(err, PIM_EINPUT, "--set %s: unknown architecture field '%s'", assignment,
                        path);
    a->given[pim_arch_field_index(f)] = PIM_ARCH_BY_FLAG;
    return pim_arch_field_store(a, f, eq + 1, "--set", err);
}

static pim_status validate_macro(const pim_arch *a, pim_error *err)
{
    const pim_macro *m = &a->macro;
    char where[300];
    if (m->weight_bits % m->cell_bits != 0 && m->weight_bits > m->cell_bits)
        return pim_fail(
            err, PIM_EINPUT, "%s: chip.macro.weight_bits (%u) must be a multiple of cell_bits (%u)",
            BLAME("chip.macro.weight_bits", "chip.macro.cell_bits"), m->weight_bits, m->cell_bits);
    if (pim_macro_weight_columns(m) == 0)
        return pim_fail(
            err, PIM_EINPUT, "%s: chip.macro.columns (%u) cannot hold one %u-bit weight",
            BLAME("chip.macro.columns", "chip.macro.weight_bits"), m->columns, m->weight_bits);
    if ((uint64_t)m->rows * m->columns * m->cell_bits < 8)
        return pim_fail(err, PIM_EINPUT, "%s: a macro must hold at least one byte",
                        BLAME("chip.macro.rows", "chip.macro.columns", "chip.macro.cell_bits"));
    if ((uint64_t)pim_arch_tiles(a) * a->cores * a->core.macros > (1u << 26))
        return pim_fail(err, PIM_EINPUT,
                        "%s: chip.tiles x chip.cores x chip.core.macros exceeds %u macros",
                        BLAME("chip.tiles", "chip.cores", "chip.core.macros"), 1u << 26);
    if (!pim_macro_is_analog(m) && m->compute_cycles_per_vector == 0)
        return pim_fail(err, PIM_EINPUT,
                        "%s: chip.macro.compute_cycles_per_vector must be >= 1 for a digital "
                        "macro (analog macros derive it from their dataflow)",
                        BLAME("chip.macro.compute_cycles_per_vector", "chip.macro.type"));
    return PIM_OK;
}

/* chip.analog describes analog crossbars: on a digital macro a value
 * given there would be silently ignored. */
static pim_status validate_digital(const pim_arch *a, pim_error *err)
{
    char where[300];
    for (size_t i = 0; i < sizeof FIELDS / sizeof FIELDS[0]; i++)
        if (a->given[i] && strncmp(FIELDS[i].path, "chip.analog.", 12) == 0)
            return pim_fail(
                err, PIM_EINPUT, "%s: %s applies to analog macros; chip.macro.type is %s",
                BLAME(FIELDS[i].path), FIELDS[i].path, pim_macro_type_name(a->macro.type));
    return PIM_OK;
}

static pim_status validate_analog(const pim_arch *a, pim_error *err)
{
    const pim_macro *m = &a->macro;
    char where[300];
    if (!a->analog.dac_bits || !a->analog.rows_active || a->analog.read_ns <= 0 ||
        !a->analog.adc_bits || !a->analog.adcs_per_macro || a->analog.adc_gsps <= 0)
        return pim_fail(err, PIM_EINPUT,
                        "%s: an analog macro needs chip.analog dac_bits, rows_active, read_ns, "
                        "adc_bits, adcs_per_macro and adc_gsps",
                        BLAME("chip.macro.type"));
    pim_vmm v; /* one VMM must fit the engine's cycle counts */
    pim_analog_vmm(a, m->rows, pim_arch_weight_columns(a), &v);
    if (v.ns * a->clock_mhz / 1000.0 > (double)(1u << 30))
        return pim_fail(err, PIM_EINPUT,
                        "%s: one crossbar VMM would take more than 2^30 cycles; check "
                        "chip.analog.read_ns, adc_gsps and clock_mhz",
                        BLAME("chip.analog.read_ns", "chip.analog.adc_gsps", "clock_mhz"));
    if (pim_arch_weight_columns(a) == 0)
        return pim_fail(err, PIM_EINPUT, "%s: the crossbar has no column left for weights",
                        BLAME("chip.macro.columns", "chip.analog.encoding"));
    if (a->analog.levels_per_conversion > 0 && a->analog.dataflow != PIM_FLOW_CASCADE)
        return pim_fail(err, PIM_EINPUT,
                        "%s: levels_per_conversion applies to the cascade dataflow (isaac "
                        "converts every column every read, neural-pim each output once)",
                        BLAME("chip.analog.levels_per_conversion", "chip.analog.dataflow"));
    if (a->comp[PIM_C_ADC].count > 0 &&
        fabs(a->comp[PIM_C_ADC].count - a->analog.adcs_per_macro) > 1e-9)
        return pim_fail(err, PIM_EINPUT,
                        "%s: components.adc.count (%g) must equal chip.analog.adcs_per_macro (%g): "
                        "the table prices the ADCs the dataflow uses",
                        BLAME("components.adc.count", "chip.analog.adcs_per_macro"),
                        a->comp[PIM_C_ADC].count, a->analog.adcs_per_macro);
    return PIM_OK;
}

static pim_status validate_schedule(const pim_arch *a, pim_error *err)
{
    const pim_macro *m = &a->macro;
    char where[300];
    if (a->fix.macros > pim_arch_total_macros(a))
        return pim_fail(err, PIM_EINPUT, "%s: schedule.macros = %u exceeds the chip's %u macros",
                        BLAME("schedule.macros", "chip.cores", "chip.core.macros", "chip.tiles"),
                        a->fix.macros, pim_arch_total_macros(a));
    if (a->fix.write_bytes_per_cycle > m->write_bytes_per_cycle_max)
        return pim_fail(
            err, PIM_EINPUT, "%s: schedule.write_bytes_per_cycle = %u exceeds the write port (%u)",
            BLAME("schedule.write_bytes_per_cycle", "chip.macro.write_bytes_per_cycle_max"),
            a->fix.write_bytes_per_cycle, m->write_bytes_per_cycle_max);
    if (a->fix.vectors_per_load > m->result_vectors_max)
        return pim_fail(err, PIM_EINPUT,
                        "%s: schedule.vectors_per_load = %u exceeds the result buffer (%u)",
                        BLAME("schedule.vectors_per_load", "chip.macro.result_vectors_max"),
                        a->fix.vectors_per_load, m->result_vectors_max);
    return PIM_OK;
}

/* A noc section must describe a network that connects the chip's tiles. */
static pim_status validate_noc(const pim_arch *a, pim_error *err)
{
    if (!pim_arch_has_noc(a))
        return PIM_OK;
    pim_noc_spec spec;
    uint32_t *pairs, *mcs, nmcs;
    pim_status st = pim_arch_noc_spec(a, &spec, &pairs, &mcs, &nmcs, err);
    pim_noc n;
    if (!st && (st = pim_noc_build(&spec, &n, err)) == PIM_OK)
        pim_noc_free(&n);
    else if (st && err->msg[0] == 'n') { /* the network's own message: say whose */
        char inner[sizeof err->msg];
        pim_strlcpy(inner, err->msg, sizeof inner);
        pim_fail(err, st, "%s: %s", a->origin, inner);
    }
    free(pairs);
    free(mcs);
    return st;
}

pim_status pim_arch_validate(const pim_arch *a, pim_error *err)
{
    pim_status st = validate_macro(a, err);
    if (!st)
        st = pim_macro_is_analog(&a->macro) ? validate_analog(a, err) : validate_digital(a, err);
    if (!st)
        st = validate_noc(a, err);
    return st ? st : validate_schedule(a, err);
}

uint32_t pim_arch_tiles(const pim_arch *a)
{
    return a->tiles ? a->tiles : 1;
}

uint32_t pim_arch_total_cores(const pim_arch *a)
{
    return pim_arch_tiles(a) * a->cores;
}

uint32_t pim_arch_total_macros(const pim_arch *a)
{
    return pim_arch_total_cores(a) * a->core.macros;
}

uint32_t pim_arch_weight_columns(const pim_arch *a)
{
    const pim_macro *m = &a->macro;
    if (!pim_macro_is_analog(m))
        return pim_macro_weight_columns(m);
    uint32_t cols = m->columns;
    if (a->analog.encoding == PIM_ENC_OFFSET)
        cols = cols > 1 ? cols - 1 : 0; /* one bias column per crossbar */
    else if (a->analog.encoding == PIM_ENC_DIFFERENTIAL)
        cols /= 2;
    return cols / pim_macro_slices(m);
}

uint32_t pim_macro_slices(const pim_macro *m)
{
    return m->weight_bits <= m->cell_bits ? 1 : m->weight_bits / m->cell_bits;
}

uint32_t pim_macro_weight_columns(const pim_macro *m)
{
    return m->columns / pim_macro_slices(m);
}

uint64_t pim_macro_bytes(const pim_macro *m)
{
    return (uint64_t)m->rows * m->columns * m->cell_bits / 8;
}

double pim_arch_write_bytes_per_cycle(const pim_arch *a)
{
    const pim_macro *m = &a->macro;
    if (!pim_macro_is_analog(m) || a->analog.write_ns_per_row <= 0)
        return m->write_bytes_per_cycle_max;
    double row_bytes = (double)m->columns * m->cell_bits / 8.0;
    double cycles = a->analog.write_ns_per_row * a->clock_mhz / 1000.0;
    return cycles > 0 ? row_bytes / cycles : m->write_bytes_per_cycle_max;
}
