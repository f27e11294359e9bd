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
} pim_counts;

enum {
    PIM_E_MAC,
    PIM_E_MACRO_WRITE,
    PIM_E_OFFCHIP,
    PIM_E_BUFFER,
    PIM_E_VECTOR,
    PIM_E_DIGITAL_MATMUL,
    PIM_E_LEAKAGE,
    PIM_E_COUNT
};

typedef struct {
    double part[PIM_E_COUNT];
    double total;
} pim_energy;

const char *pim_energy_part_name(int part);
void pim_energy_compute(const pim_arch *a, const pim_counts *c, pim_energy *out);

#endif
