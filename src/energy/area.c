/* pimstream energy: area and peak power, rolled up from the component
 * table by level (chip > tile > core > macro). The ADC row is scaled from
 * its reference resolution to the architecture's (pim_adc_scale), in power
 * and area alike: a SAR converter's capacitor array and its switching
 * energy grow together. */
#include "pimstream/energy.h"

#include <string.h>

void pim_area_compute(const pim_arch *a, pim_area *out)
{
    memset(out, 0, sizeof *out);
    double per_level[4] = {(double)pim_arch_total_macros(a), (double)pim_arch_total_cores(a),
                           (double)pim_arch_tiles(a), 1.0};
    double tile_share[4] = {(double)a->cores * a->core.macros, (double)a->cores, 1.0, 0.0};
    for (int c = 0; c < PIM_C_COUNT; c++) {
        const pim_component *k = &a->comp[c];
        pim_level lv = pim_component_level((pim_component_id)c);
        double scale = c == PIM_C_ADC && pim_macro_is_analog(&a->macro) ? pim_adc_scale(a) : 1.0;
        pim_area_item *it = &out->comp[c];
        it->count = k->count * per_level[lv];
        it->mw = it->count * k->mw * scale;
        it->mm2 = it->count * k->mm2 * scale;
        out->level_mw[lv] += it->mw;
        out->level_mm2[lv] += it->mm2;
        out->tile_mw += k->count * tile_share[lv] * k->mw * scale;
        out->tile_mm2 += k->count * tile_share[lv] * k->mm2 * scale;
        out->total_mw += it->mw;
        out->total_mm2 += it->mm2;
    }
    /* peak: every macro runs full-tile VMMs back to back */
    double macs = (double)a->macro.rows * pim_arch_weight_columns(a);
    if (pim_macro_is_analog(&a->macro)) {
        pim_vmm v;
        pim_analog_vmm(a, a->macro.rows, pim_arch_weight_columns(a), &v);
        out->ops_per_second = 2.0 * macs * pim_arch_total_macros(a) / (v.ns * 1e-9);
    } else {
        double seconds = a->macro.compute_cycles_per_vector / (a->clock_mhz * 1e6);
        out->ops_per_second = 2.0 * macs * pim_arch_total_macros(a) / seconds;
    }
}
