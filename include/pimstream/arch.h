/* pimstream arch: the hardware tree chip > core > macro, off-chip memory,
 * and the user's fixed schedule parameters.
 *
 * One table of field descriptors (path, type, bounds) drives the YAML
 * loader, the --set overrides and validation, so a field is declared once. */
#ifndef PIMSTREAM_ARCH_H
#define PIMSTREAM_ARCH_H

#include "pimstream/base.h"
#include "pimstream/noc.h"

typedef enum {
    PIM_MACRO_SRAM_DIGITAL = 0,
    PIM_MACRO_RRAM_ANALOG = 1,
    PIM_MACRO_SRAM_ANALOG = 2
} pim_macro_type;

/* How an analog crossbar turns bit-sliced partial sums into numbers:
 * isaac:      every column converted after every input bit-cycle, digital
 *             shift-and-add (ISAAC, ISCA 2016);
 * cascade:    partial sums of all input cycles buffered in analog, then
 *             converted (CASCADE, MICRO 2019);
 * neural-pim: shift-and-add across input cycles and weight slices in the
 *             analog domain, one conversion per output (Neural-PIM, TC 2022). */
typedef enum { PIM_FLOW_ISAAC = 0, PIM_FLOW_CASCADE = 1, PIM_FLOW_NEURAL_PIM = 2 } pim_dataflow;

/* Signed weights on non-negative conductances: offset (a bias column per
 * crossbar), ISAAC's flipped encoding (no extra column), or differential
 * column pairs (twice the columns). */
typedef enum { PIM_ENC_OFFSET = 0, PIM_ENC_FLIP = 1, PIM_ENC_DIFFERENTIAL = 2 } pim_encoding;

typedef struct {
    pim_dataflow dataflow;
    pim_encoding encoding;
    uint32_t dac_bits;    /* input bits applied per read cycle */
    uint32_t rows_active; /* rows driven together in one read */
    double read_ns;       /* one crossbar read cycle */
    uint32_t adc_bits;
    uint32_t adc_ref_bits; /* the bits the component table's ADC row is for */
    double adcs_per_macro; /* below 1: one ADC shared by several crossbars */
    double adc_gsps;       /* samples per ns, per ADC */
    /* cascade: the significance levels of an output's partial sums (input
     * cycle x weight slice) the buffer arrays combine into one conversion;
     * 0: one conversion per column the output occupies */
    double levels_per_conversion;
    double write_ns_per_row; /* RRAM: program and verify one row */
    double write_pj_per_cell;
    double endurance; /* writes a cell survives */
} pim_analog;

/* Components of the area-power model, each at a fixed level of the tree
 * chip > tile > core > macro, counted per instance of that level. */
typedef enum {
    PIM_C_ADC,
    PIM_C_DAC,
    PIM_C_SAMPLE_HOLD,
    PIM_C_CROSSBAR,
    PIM_C_TIA_BUFFER,       /* cascade: TIAs into buffer arrays, per column */
    PIM_C_ANALOG_SHIFT_ADD, /* an analog shift-and-add, per column read (no preset sets it:
                             * neural-pim folds its S+A into the converter's row) */
    PIM_C_SHIFT_ADD,
    PIM_C_INPUT_REG,
    PIM_C_OUTPUT_REG,
    PIM_C_EDRAM,
    PIM_C_BUS,
    PIM_C_ROUTER,
    PIM_C_SIGMOID,
    PIM_C_TILE_SHIFT_ADD,
    PIM_C_MAXPOOL,
    PIM_C_TILE_OUTPUT_REG,
    PIM_C_OFFCHIP_LINK,
    PIM_C_COUNT
} pim_component_id;

typedef enum { PIM_LEVEL_MACRO, PIM_LEVEL_CORE, PIM_LEVEL_TILE, PIM_LEVEL_CHIP } pim_level;

typedef struct {
    double count; /* per instance of its level (0.25: one router per 4 tiles) */
    double mw;    /* power of one, at full activity */
    double mm2;   /* area of one */
} pim_component;

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
    /* The most events generalized ping-pong's whole-network search may
     * simulate, about (src/run/run.c; 0: only the search's own budgets). */
    uint64_t search_events;
} pim_sched_fix;

/* The compiler's execution model for models larger than the chip
 * (pimstream compile; YAML `compile:`). The defaults are pimstream's;
 * COMPASS (arXiv 2501.06780) runs its partitions as sequential phases, and
 * its greedy baseline may not copy layers. */
typedef struct {
    int sequential;  /* compile.overlap: false: a partition loads all its weights,
                      * after the one before has ended, then computes */
    int single_copy; /* compile.replicate: false: one copy of every layer */
} pim_compile_model;

/* The network-on-chip joining the chip's tiles (its cores when there is no
 * tile level); absent (ideal interconnect) unless noc.topology is given. */
typedef struct {
    int present; /* noc.topology was given */
    pim_topology topology;
    uint32_t k, m; /* a mesh's, torus's, chiplet's or tier's sides */
    uint32_t chiplets_x, chiplets_y, tiers, petals;
    pim_interposer interposer;    /* noc.interposer_network */
    char links[256];              /* custom and listed interposers: "a-b c-d ..." */
    char memory_controllers[256]; /* nodes where memory enters: "0 7 56 63" */
    pim_link_params link[PIM_LINK_CLASSES];
    pim_router_params router;
    uint32_t packet_bytes; /* largest packet a transfer is cut into */
    /* a node is this many consecutive tiles (0 or 1: one): several chips
     * joined by links are a network whose node is a whole chip, the
     * traffic inside a node ideal, as on a chip without a network */
    uint32_t tiles_per_node;
    int multicast; /* routers copy a packet to several outputs: one tree per
                    * input sent to tiles that need the same data */
} pim_arch_noc;

/* Where each field's value came from, so a check across fields can point
 * at the user's own file and line (or --set), not at a base preset. */
#define PIM_ARCH_MAX_FIELDS 160
#define PIM_ARCH_BY_FLAG UINT32_MAX

typedef struct {
    char name[64];
    char origin[256]; /* the YAML file (or preset name) the architecture was loaded from */
    /* per field (the field table's order): the line of `origin` that sets it,
     * PIM_ARCH_BY_FLAG when --set did, 0 when inherited from a base preset */
    uint32_t given[PIM_ARCH_MAX_FIELDS];
    double clock_mhz;
    pim_dyn_policy dynamic_matmul;
    uint32_t tiles; /* 0 or 1: one tile */
    uint32_t cores; /* per tile */
    /* on-chip activation buffer of the whole chip; 0: activations always
     * fit (outputs that do not are spilled off chip and read back) */
    uint64_t activation_buffer_bytes;
    pim_core core;
    pim_macro macro;
    pim_offchip offchip;
    pim_sched_fix fix;
    pim_compile_model compile;
    pim_analog analog;
    pim_component comp[PIM_C_COUNT];
    pim_arch_noc noc;
} pim_arch;

/* Load a preset by name or a YAML file by path. */
pim_status pim_arch_load(const char *name_or_path, pim_arch *out, pim_error *err);
pim_status pim_arch_from_yaml(const char *text, size_t len, const char *origin, pim_arch *out,
                              pim_error *err);
/* Apply "dotted.path=value". */
pim_status pim_arch_set(pim_arch *a, const char *assignment, pim_error *err);
/* Check cross-field constraints after loading and overrides. */
pim_status pim_arch_validate(const pim_arch *a, pim_error *err);

/* ---- the network-on-chip section ------------------------------------- */

/* Does the architecture describe a network (noc.topology given)? */
int pim_arch_has_noc(const pim_arch *a);
/* The network the noc section describes: its spec (pairs in *pairs, freed
 * by the caller) and its memory controllers (in *mcs, *nmcs, freed by the
 * caller; the first and last node when none is given). Checks the node count
 * against the chip's tiles (cores without a tile level). */
pim_status pim_arch_noc_spec(const pim_arch *a, pim_noc_spec *spec, uint32_t **pairs,
                             uint32_t **mcs, uint32_t *nmcs, pim_error *err);
/* Nodes of the network: the chip's tiles, or its cores without tiles. */
uint32_t pim_arch_noc_nodes(const pim_arch *a);

/* ---- analog crossbars: what one matrix-vector product does ----------- */

/* What one matrix-vector product on one crossbar does, for the used part
 * of a tile (rows x weight columns). */
typedef struct {
    double input_cycles;  /* input bits / DAC bits */
    double reads;         /* crossbar read cycles */
    double dac_drives;    /* row drives */
    double sample_holds;  /* column samples */
    double conversions;   /* A/D conversions */
    double shift_adds;    /* digital shift-and-add operations */
    double analog_accums; /* column reads accumulated in analog (cascade, neural-pim) */
    double ns;            /* time per input vector, pipelined with the next */
} pim_vmm;

void pim_analog_vmm(const pim_arch *a, uint64_t rows, uint64_t weight_columns, pim_vmm *out);
/* Cycles of the chip clock one full-tile VMM takes. */
uint32_t pim_analog_cycles_per_vector(const pim_arch *a);
/* Presets compiled into the binary. */
size_t pim_arch_preset_count(void);
const char *pim_arch_preset_name(size_t i);
void pim_arch_preset_summary(size_t i, char *buf, size_t cap);

/* Derived quantities. */
uint32_t pim_arch_total_macros(const pim_arch *a);
uint32_t pim_macro_slices(const pim_macro *m);         /* cells per weight */
uint32_t pim_macro_weight_columns(const pim_macro *m); /* weights per row */
/* A macro's write port in bytes per cycle: RRAM programs a row per
 * write_ns_per_row when that is set, otherwise write_bytes_per_cycle_max. */
double pim_arch_write_bytes_per_cycle(const pim_arch *a);
/* The same, knowing the analog encoding's extra columns. */
uint32_t pim_arch_weight_columns(const pim_arch *a);
uint64_t pim_macro_bytes(const pim_macro *m); /* capacity */
const char *pim_macro_type_name(pim_macro_type t);
const char *pim_dyn_policy_name(pim_dyn_policy p);
const char *pim_dataflow_name(pim_dataflow d);
const char *pim_component_name(pim_component_id c);
pim_level pim_component_level(pim_component_id c);
const char *pim_level_name(pim_level l);
int pim_macro_is_analog(const pim_macro *m);
uint32_t pim_arch_tiles(const pim_arch *a);
uint32_t pim_arch_total_cores(const pim_arch *a);

#endif
