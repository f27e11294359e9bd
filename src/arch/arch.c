/* pimstream arch: field table, defaults, overrides and validation.
 *
 * Every configurable field is one row of FIELDS: the YAML loader, --set and
 * the bounds checks all walk this table, so adding a field is one line. */
#include "pimstream/arch.h"
#include "arch_internal.h"

#include <stdio.h>
#include <string.h>

#define OFF(f) offsetof(pim_arch, f)

/* Bounds keep every later product (bytes x vectors x cycles) inside 64 bits:
 * they are generous for any real chip and reject absurd input early. */
static const pim_arch_field FIELDS[] = {
    {"name", PIM_F_STR, OFF(name), 0, 0},
    {"clock_mhz", PIM_F_F64, OFF(clock_mhz), 1e-3, 1e6},
    {"dynamic_matmul", PIM_F_DYN_POLICY, OFF(dynamic_matmul), 0, 0},
    {"chip.cores", PIM_F_U32, OFF(cores), 1, 1 << 20},
    {"chip.core.macros", PIM_F_U32, OFF(core.macros), 1, 1 << 16},
    {"chip.core.vector_lanes", PIM_F_U32, OFF(core.vector_lanes), 1, 1 << 20},
    {"chip.core.vector_pj_per_op", PIM_F_F64, OFF(core.vector_pj_per_op), 0, 1e6},
    {"chip.core.buffer_pj_per_byte", PIM_F_F64, OFF(core.buffer_pj_per_byte), 0, 1e6},
    {"chip.core.psum_bytes", PIM_F_U32, OFF(core.psum_bytes), 1, 16},
    {"chip.macro.type", PIM_F_MACRO_TYPE, OFF(macro.type), 0, 0},
    {"chip.macro.rows", PIM_F_U32, OFF(macro.rows), 1, 1 << 16},
    {"chip.macro.columns", PIM_F_U32, OFF(macro.columns), 1, 1 << 16},
    {"chip.macro.cell_bits", PIM_F_U32, OFF(macro.cell_bits), 1, 64},
    {"chip.macro.weight_bits", PIM_F_U32, OFF(macro.weight_bits), 1, 64},
    {"chip.macro.input_bits", PIM_F_U32, OFF(macro.input_bits), 1, 64},
    {"chip.macro.compute_cycles_per_vector", PIM_F_U32, OFF(macro.compute_cycles_per_vector), 1,
     1 << 20},
    {"chip.macro.write_bytes_per_cycle_max", PIM_F_U32, OFF(macro.write_bytes_per_cycle_max), 1,
     1 << 20},
    {"chip.macro.write_overhead_cycles", PIM_F_U32, OFF(macro.write_overhead_cycles), 0, 1 << 20},
    {"chip.macro.result_vectors_max", PIM_F_U32, OFF(macro.result_vectors_max), 1, 1 << 20},
    {"chip.macro.mac_pj", PIM_F_F64, OFF(macro.mac_pj), 0, 1e6},
    {"chip.macro.write_pj_per_byte", PIM_F_F64, OFF(macro.write_pj_per_byte), 0, 1e6},
    {"chip.macro.leakage_mw", PIM_F_F64, OFF(macro.leakage_mw), 0, 1e6},
    {"offchip.bytes_per_cycle", PIM_F_U64, OFF(offchip.bytes_per_cycle), 1, 1 << 24},
    {"offchip.pj_per_bit", PIM_F_F64, OFF(offchip.pj_per_bit), 0, 1e6},
    {"schedule.write_bytes_per_cycle", PIM_F_U32, OFF(fix.write_bytes_per_cycle), 0, 1 << 20},
    {"schedule.vectors_per_load", PIM_F_U32, OFF(fix.vectors_per_load), 0, 1 << 20},
    {"schedule.macros", PIM_F_U32, OFF(fix.macros), 0, 1 << 26},
};

const pim_arch_field *pim_arch_field_find(const char *path)
{
    for (size_t i = 0; i < sizeof FIELDS / sizeof FIELDS[0]; i++)
        if (strcmp(FIELDS[i].path, path) == 0)
            return &FIELDS[i];
    return NULL;
}

int pim_arch_path_is_section(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < sizeof FIELDS / sizeof FIELDS[0]; i++)
        if (strncmp(FIELDS[i].path, path, n) == 0 && FIELDS[i].path[n] == '.')
            return 1;
    return 0;
}

const char *pim_dyn_policy_name(pim_dyn_policy p)
{
    return p == PIM_DYN_PIM ? "pim" : "digital";
}

const char *pim_macro_type_name(pim_macro_type t)
{
    switch (t) {
    case PIM_MACRO_SRAM_DIGITAL:
        return "sram-digital";
    }
    return "?";
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
    case PIM_F_MACRO_TYPE:
        if (strcmp(value, "sram-digital") == 0) {
            pim_macro_type t = PIM_MACRO_SRAM_DIGITAL;
            memcpy(base, &t, sizeof t);
            return PIM_OK;
        }
        return pim_fail(err, PIM_EINPUT,
                        "%s: %s: unknown macro type '%s' (supported: sram-digital)", where, f->path,
                        value);
    case PIM_F_DYN_POLICY:
        if (strcmp(value, "digital") == 0 || strcmp(value, "pim") == 0) {
            pim_dyn_policy p = value[0] == 'p' ? PIM_DYN_PIM : PIM_DYN_DIGITAL;
            memcpy(base, &p, sizeof p);
            return PIM_OK;
        }
        return pim_fail(err, PIM_EINPUT, "%s: %s must be digital or pim, got '%s'", where, f->path,
                        value);
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

pim_status pim_arch_check_complete(const char *origin, const unsigned char *seen, pim_error *err)
{
    for (size_t i = 0; i < sizeof FIELDS / sizeof FIELDS[0]; i++)
        if (!seen[i] && strncmp(FIELDS[i].path, "schedule.", 9) != 0)
            return pim_fail(err, PIM_EINPUT,
                            "%s: missing field '%s' (or start from a preset "
                            "with 'base: NAME')",
                            origin, FIELDS[i].path);
    return PIM_OK;
}

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
    return pim_arch_field_store(a, f, eq + 1, "--set", err);
}

pim_status pim_arch_validate(const pim_arch *a, pim_error *err)
{
    const pim_macro *m = &a->macro;
    if (m->weight_bits % m->cell_bits != 0 && m->weight_bits > m->cell_bits)
        return pim_fail(err, PIM_EINPUT,
                        "%s: chip.macro.weight_bits (%u) must be a multiple of cell_bits (%u)",
                        a->name, m->weight_bits, m->cell_bits);
    if (pim_macro_weight_columns(m) == 0)
        return pim_fail(err, PIM_EINPUT,
                        "%s: chip.macro.columns (%u) cannot hold one %u-bit weight", a->name,
                        m->columns, m->weight_bits);
    if ((uint64_t)m->rows * m->columns * m->cell_bits < 8)
        return pim_fail(err, PIM_EINPUT, "%s: a macro must hold at least one byte", a->name);
    if ((uint64_t)a->cores * a->core.macros > (1u << 26))
        return pim_fail(err, PIM_EINPUT, "%s: chip.cores x chip.core.macros exceeds %u macros",
                        a->name, 1u << 26);
    if (a->fix.macros > pim_arch_total_macros(a))
        return pim_fail(err, PIM_EINPUT, "%s: schedule.macros = %u exceeds the chip's %u macros",
                        a->name, a->fix.macros, pim_arch_total_macros(a));
    if (a->fix.write_bytes_per_cycle > m->write_bytes_per_cycle_max)
        return pim_fail(err, PIM_EINPUT,
                        "%s: schedule.write_bytes_per_cycle = %u exceeds the write port (%u)",
                        a->name, a->fix.write_bytes_per_cycle, m->write_bytes_per_cycle_max);
    if (a->fix.vectors_per_load > m->result_vectors_max)
        return pim_fail(err, PIM_EINPUT,
                        "%s: schedule.vectors_per_load = %u exceeds the result buffer (%u)",
                        a->name, a->fix.vectors_per_load, m->result_vectors_max);
    return PIM_OK;
}

uint32_t pim_arch_total_macros(const pim_arch *a)
{
    return a->cores * a->core.macros;
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
