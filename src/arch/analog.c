/* pimstream arch: analog crossbars. Counts of the actions one
 * matrix-vector product (VMM) takes under each dataflow, and its time.
 *
 * With I input cycles (input bits / DAC bits), S cells per weight, and
 * C = columns in use (weight columns x S, plus encoding columns):
 *   isaac:      every column converted every read        -> C x reads
 *               (ISAAC: 128 columns x 16 cycles = 2048 per 128x128 VMM)
 *   cascade:    reads of all input cycles summed in analog buffers, then
 *               each column converted once               -> C x row groups
 *               (or, given levels_per_conversion L, per output value the
 *               significance levels of its partial sums over L: CASCADE's
 *               buffer arrays combine partial sums across columns, 10
 *               conversions for the 31 levels of a 16x16-bit output)
 *   neural-pim: input cycles and weight slices combined in analog, one
 *               conversion per output value             -> weight columns x row groups */
#include "pimstream/arch.h"

#include <math.h>

/* Columns a tile of `weight_columns` weights occupies. */
static double used_columns(const pim_arch *a, uint64_t weight_columns)
{
    double cols = (double)weight_columns * pim_macro_slices(&a->macro);
    if (a->analog.encoding == PIM_ENC_DIFFERENTIAL)
        cols *= 2;
    else if (a->analog.encoding == PIM_ENC_OFFSET)
        cols += 1;
    return cols;
}

/* The distinct significances of an output's partial sums: input cycle j
 * (weight 2^(j x dac_bits)) times weight slice s (2^(s x cell_bits)). */
static double significance_levels(const pim_arch *a, double input_cycles)
{
    uint32_t d = a->analog.dac_bits, c = a->macro.cell_bits, g = (uint32_t)pim_gcd(d, c);
    double top = (input_cycles - 1) * d + (double)(pim_macro_slices(&a->macro) - 1) * c;
    return top / (g ? g : 1) + 1;
}

void pim_analog_vmm(const pim_arch *a, uint64_t rows, uint64_t weight_columns, pim_vmm *out)
{
    const pim_analog *an = &a->analog;
    double cols = used_columns(a, weight_columns);
    double groups = ceil((double)rows / an->rows_active); /* rows read together */
    double adc_rate = an->adcs_per_macro * an->adc_gsps;  /* conversions per ns */
    out->input_cycles = ceil((double)a->macro.input_bits / an->dac_bits);
    out->reads = out->input_cycles * groups;
    out->dac_drives = (double)rows * out->input_cycles;
    out->sample_holds = cols * out->reads;
    out->analog_accums = 0;
    switch (an->dataflow) {
    case PIM_FLOW_ISAAC: /* conversions of a read overlap the next read */
        out->conversions = cols * out->reads;
        out->ns = out->reads * pim_dmax(an->read_ns, cols / adc_rate);
        break;
    case PIM_FLOW_CASCADE:
        out->conversions =
            an->levels_per_conversion > 0
                ? (double)weight_columns * groups *
                      ceil(significance_levels(a, out->input_cycles) / an->levels_per_conversion -
                           1e-9)
                : cols * groups;
        out->analog_accums = cols * out->reads; /* TIA into the buffer array */
        out->ns = pim_dmax(out->reads * an->read_ns, out->conversions / adc_rate);
        break;
    case PIM_FLOW_NEURAL_PIM:
        out->conversions = (double)weight_columns * groups;
        out->analog_accums = cols * out->reads; /* analog shift-and-add */
        out->ns = pim_dmax(out->reads * an->read_ns, out->conversions / adc_rate);
        break;
    }
    out->shift_adds = out->conversions; /* each converted value is shifted and added once */
}

uint32_t pim_analog_cycles_per_vector(const pim_arch *a)
{
    pim_vmm v;
    pim_analog_vmm(a, a->macro.rows, pim_arch_weight_columns(a), &v);
    double cycles = ceil(v.ns * a->clock_mhz / 1000.0 - 1e-9);
    return cycles < 1 ? 1 : (uint32_t)cycles;
}
