/* pimstream energy: per-action energies from the architecture x counts. */
#include "pimstream/energy.h"

static const char *const PART_NAMES[PIM_E_COUNT] = {
    "mac",     "macro_write", "offchip",    "buffer", "vector", "digital_matmul",
    "leakage", "noc_link",    "noc_router",
};

const char *pim_energy_part_name(int part)
{
    if (part >= PIM_E_COUNT && part < PIM_E_PARTS)
        return pim_component_name((pim_component_id)(part - PIM_E_COUNT));
    return part >= 0 && part < PIM_E_COUNT ? PART_NAMES[part] : "?";
}

/* Energy of one action of an action-charged component, in pJ. */
static double per_action_pj(const pim_arch *a, int c)
{
    const pim_analog *an = &a->analog;
    double mw = a->comp[c].mw;
    switch (c) {
    case PIM_C_ADC: /* one conversion at the sample rate: mW / GS/s = pJ */
        return mw * pim_adc_scale(a) / an->adc_gsps;
    case PIM_C_DAC: /* one drive, one sample, one array read per read cycle */
    case PIM_C_SAMPLE_HOLD:
    case PIM_C_CROSSBAR:
    case PIM_C_ANALOG_SHIFT_ADD:
        return mw * an->read_ns;
    case PIM_C_TIA_BUFFER: { /* one column accumulated per read cycle; fewer TIAs
                              * than columns each serve several in the cycle */
        double share = a->comp[c].count / (double)a->macro.columns;
        return mw * an->read_ns * (share > 0 && share < 1 ? share : 1);
    }
    case PIM_C_SHIFT_ADD: { /* the core's units share its ADCs' output */
        double rate = an->adcs_per_macro * a->core.macros * an->adc_gsps;
        return a->comp[c].count > 0 ? mw * a->comp[c].count / rate : 0;
    }
    default:
        return 0;
    }
}

static void component_energy(const pim_arch *a, const pim_counts *c, pim_energy *out)
{
    for (int k = 0; k < PIM_C_COUNT; k++)
        out->part[PIM_E_COUNT + k] = 0;
    if (!pim_macro_is_analog(&a->macro))
        return; /* digital macros: everything is in the parts above */
    const pim_vmm *v = &c->analog;
    double actions[PIM_C_COUNT] = {0};
    actions[PIM_C_ADC] = v->conversions;
    actions[PIM_C_DAC] = v->dac_drives;
    actions[PIM_C_SAMPLE_HOLD] = v->sample_holds;
    actions[PIM_C_CROSSBAR] = v->reads;
    actions[PIM_C_SHIFT_ADD] = v->shift_adds;
    actions[PIM_C_TIA_BUFFER] = v->analog_accums;
    actions[PIM_C_ANALOG_SHIFT_ADD] = v->analog_accums;
    pim_area ar;
    pim_area_compute(a, &ar);
    for (int k = 0; k < PIM_C_COUNT; k++) {
        pim_level lv = pim_component_level((pim_component_id)k);
        int per_action = lv == PIM_LEVEL_MACRO || k == PIM_C_SHIFT_ADD;
        out->part[PIM_E_COUNT + k] =
            per_action ? actions[k] * per_action_pj(a, k) : ar.comp[k].mw * c->seconds * 1e9;
    }
}

/* A digital MAC on the vector unit costs a multiply and an add; Horowitz
 * (ISSCC 2014, 45 nm) puts an 8-bit multiply at 0.2 pJ against 0.03 pJ for
 * the add the arch gives as vector_pj_per_op, so a MAC is ~7.7 adds. */
#define DIGITAL_MAC_IN_OPS ((0.2 + 0.03) / 0.03)

void pim_energy_compute(const pim_arch *a, const pim_counts *c, pim_energy *out)
{
    out->part[PIM_E_MAC] = (double)c->macs * a->macro.mac_pj;
    out->part[PIM_E_MACRO_WRITE] = (double)c->macro_write_bytes * a->macro.write_pj_per_byte;
    if (pim_macro_is_analog(&a->macro)) /* RRAM: every cell programmed */
        out->part[PIM_E_MACRO_WRITE] +=
            (double)c->macro_write_bytes * 8.0 / a->macro.cell_bits * a->analog.write_pj_per_cell;
    out->part[PIM_E_OFFCHIP] = (double)c->offchip_bytes * 8.0 * a->offchip.pj_per_bit;
    out->part[PIM_E_BUFFER] = (double)c->buffer_bytes * a->core.buffer_pj_per_byte;
    out->part[PIM_E_VECTOR] = (double)c->vector_ops * a->core.vector_pj_per_op;
    out->part[PIM_E_DIGITAL_MATMUL] =
        (double)c->digital_macs * a->core.vector_pj_per_op * DIGITAL_MAC_IN_OPS;
    out->part[PIM_E_NOC_LINK] = 0;
    for (int k = 0; k < PIM_LINK_CLASSES; k++)
        out->part[PIM_E_NOC_LINK] += c->noc_link_bits[k] * a->noc.link[k].pj_per_bit;
    out->part[PIM_E_NOC_ROUTER] = c->noc_router_bits * a->noc.router.pj_per_bit;
    /* mW x s = mJ = 1e9 pJ */
    out->part[PIM_E_LEAKAGE] = a->macro.leakage_mw * c->macros * c->seconds * 1e9;
    component_energy(a, c, out);
    out->total = 0;
    for (int i = 0; i < PIM_E_PARTS; i++)
        out->total += out->part[i];
}
