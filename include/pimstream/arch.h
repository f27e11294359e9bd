/* pimstream arch: the hardware tree chip > core > macro, off-chip memory,
 * and the user's fixed schedule parameters.
 *
 * One table of field descriptors (path, type, bounds) drives the YAML
 * loader, the --set overrides and validation, so a field is declared once. */
#ifndef PIMSTREAM_ARCH_H
#define PIMSTREAM_ARCH_H

#include "pimstream/base.h"

typedef enum { PIM_MACRO_SRAM_DIGITAL = 0 } pim_macro_type;

/* Where matmuls with two dynamic operands (attention's QK^T and AV) run:
 * on the cores' digital vector units, or in PIM macros after writing one
 * operand into them for each use. */
typedef enum { PIM_DYN_DIGITAL = 0, PIM_DYN_PIM = 1 } pim_dyn_policy;

typedef struct {
    pim_macro_type type;
    uint32_t rows;        /* reduction length held per tile */
    uint32_t columns;     /* weight columns (one output each) */
    uint32_t cell_bits;   /* bits one cell stores */
    uint32_t weight_bits; /* weight precision; > cell_bits means bit slicing */
    uint32_t input_bits;
    uint32_t compute_cycles_per_vector;
    uint32_t write_bytes_per_cycle_max;
    uint32_t write_overhead_cycles;
    uint32_t result_vectors_max; /* result buffer depth, in input vectors */
    double mac_pj;
    double write_pj_per_byte;
    double leakage_mw;
} pim_macro;

typedef struct {
    uint32_t macros;       /* macros per core */
    uint32_t vector_lanes; /* digital vector unit: element ops per cycle */
    double vector_pj_per_op;
    double buffer_pj_per_byte;
    uint32_t psum_bytes; /* partial-sum width written back per output */
} pim_core;

typedef struct {
    uint64_t bytes_per_cycle;
    double pj_per_bit;
} pim_offchip;

/* Fixed schedule parameters; 0 means "chosen by the tool". */
typedef struct {
    uint32_t write_bytes_per_cycle;
    uint32_t vectors_per_load;
    uint32_t macros;
} pim_sched_fix;

typedef struct {
    char name[64];
    double clock_mhz;
    pim_dyn_policy dynamic_matmul;
    uint32_t cores;
    pim_core core;
    pim_macro macro;
    pim_offchip offchip;
    pim_sched_fix fix;
} pim_arch;

/* Load a preset by name or a YAML file by path. */
pim_status pim_arch_load(const char *name_or_path, pim_arch *out, pim_error *err);
pim_status pim_arch_from_yaml(const char *text, size_t len, const char *origin, pim_arch *out,
                              pim_error *err);
/* Apply "dotted.path=value". */
pim_status pim_arch_set(pim_arch *a, const char *assignment, pim_error *err);
/* Check cross-field constraints after loading and overrides. */
pim_status pim_arch_validate(const pim_arch *a, pim_error *err);

/* Presets compiled into the binary. */
size_t pim_arch_preset_count(void);
const char *pim_arch_preset_name(size_t i);
void pim_arch_preset_summary(size_t i, char *buf, size_t cap);

/* Derived quantities. */
uint32_t pim_arch_total_macros(const pim_arch *a);
uint32_t pim_macro_slices(const pim_macro *m);         /* cells per weight */
uint32_t pim_macro_weight_columns(const pim_macro *m); /* weights per row */
uint64_t pim_macro_bytes(const pim_macro *m);          /* capacity */
const char *pim_macro_type_name(pim_macro_type t);
const char *pim_dyn_policy_name(pim_dyn_policy p);

#endif
