/* pimstream energy: per-action energies from the architecture x counts. */
#include "pimstream/energy.h"

static const char *const PART_NAMES[PIM_E_COUNT] = {
    "mac", "macro_write", "offchip", "buffer", "vector", "digital_matmul", "leakage",
};

const char *pim_energy_part_name(int part)
{
    return part >= 0 && part < PIM_E_COUNT ? PART_NAMES[part] : "?";
}

/* A digital MAC on the vector unit costs a multiply and an add; Horowitz
 * (ISSCC 2014, 45 nm) puts an 8-bit multiply at 0.2 pJ against 0.03 pJ for
 * the add the arch gives as vector_pj_per_op, so a MAC is ~7.7 adds. */
#define DIGITAL_MAC_IN_OPS ((0.2 + 0.03) / 0.03)

void pim_energy_compute(const pim_arch *a, const pim_counts *c, pim_energy *out)
{
    out->part[PIM_E_MAC] = (double)c->macs * a->macro.mac_pj;
    out->part[PIM_E_MACRO_WRITE] = (double)c->macro_write_bytes * a->macro.write_pj_per_byte;
    out->part[PIM_E_OFFCHIP] = (double)c->offchip_bytes * 8.0 * a->offchip.pj_per_bit;
    out->part[PIM_E_BUFFER] = (double)c->buffer_bytes * a->core.buffer_pj_per_byte;
    out->part[PIM_E_VECTOR] = (double)c->vector_ops * a->core.vector_pj_per_op;
    out->part[PIM_E_DIGITAL_MATMUL] =
        (double)c->digital_macs * a->core.vector_pj_per_op * DIGITAL_MAC_IN_OPS;
    /* mW x s = mJ = 1e9 pJ */
    out->part[PIM_E_LEAKAGE] = a->macro.leakage_mw * c->macros * c->seconds * 1e9;
    out->total = 0;
    for (int i = 0; i < PIM_E_COUNT; i++)
        out->total += out->part[i];
}
