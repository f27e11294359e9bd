/* pimstream energy: Accelergy-style accounting. Each component has actions
 * with an energy per action; totals are action counts x energies plus
 * leakage x time, and the total is by construction the sum of its parts. */
#ifndef PIMSTREAM_ENERGY_H
#define PIMSTREAM_ENERGY_H

#include "pimstream/arch.h"

/* What a run did, counted. */
typedef struct {
    uint64_t macs; /* in PIM macros */
    uint64_t macro_write_bytes;
    uint64_t offchip_bytes;
    uint64_t buffer_bytes; /* activations in and partial sums out of macros */
    uint64_t vector_ops;   /* digital vector unit element operations */
    uint64_t digital_macs; /* dynamic matmuls on the digital unit */
    uint32_t macros;       /* macros powered */
    double seconds;
    pim_vmm analog; /* analog macros: actions summed over every VMM */
    /* on a network: bits x links crossed, per link class, and bits x
     * routers crossed (priced by the noc section) */
    double noc_link_bits[PIM_LINK_CLASSES];
    double noc_router_bits;
} pim_counts;

enum {
    PIM_E_MAC,
    PIM_E_MACRO_WRITE,
    PIM_E_OFFCHIP,
    PIM_E_BUFFER,
    PIM_E_VECTOR,
    PIM_E_DIGITAL_MATMUL,
    PIM_E_LEAKAGE,
    PIM_E_NOC_LINK,
    PIM_E_NOC_ROUTER,
    PIM_E_COUNT
};

/* The breakdown: the parts above, then one per component of the area-power
 * table (pim_component_id), at index PIM_E_COUNT + id. Macro-level
 * components and the shift-and-add units are charged per action (energy =
 * power / action rate at full activity); the rest (registers, eDRAM, bus,
 * router, off-chip link, ...) are charged power x run time. */
#define PIM_E_PARTS (PIM_E_COUNT + PIM_C_COUNT)

typedef struct {
    double part[PIM_E_PARTS];
    double total;
} pim_energy;

const char *pim_energy_part_name(int part);
void pim_energy_compute(const pim_arch *a, const pim_counts *c, pim_energy *out);

/* ---- analog crossbars ------------------------------------------------- */

/* Energy per conversion (pJ) at bits, relative to the reference point:
 * Murmann's ADC survey regression at 32 nm (4 b 0.92, 8 b 1.71, 10 b 3.3,
 * 12 b 29 pJ at 100 MS/s, DESIGN.md), interpolated log-linearly. */
double pim_adc_survey_pj(double bits);
/* The factor the component table's ADC row (at adc_ref_bits) is scaled by
 * for the architecture's adc_bits. */
double pim_adc_scale(const pim_arch *a);

/* ---- area and peak power ---------------------------------------------- */

typedef struct {
    double count;   /* instances on the chip */
    double mw, mm2; /* all of them */
} pim_area_item;

typedef struct {
    pim_area_item comp[PIM_C_COUNT];
    double level_mw[4], level_mm2[4]; /* by pim_level, whole chip */
    double tile_mw, tile_mm2;         /* one tile with its cores and macros */
    double total_mw, total_mm2;
    double ops_per_second; /* peak: 2 x MACs per second */
} pim_area;

void pim_area_compute(const pim_arch *a, pim_area *out);

#endif
