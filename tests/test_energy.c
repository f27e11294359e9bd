/* Tests for src/energy. */
#include "pimstream/run.h"
#include "test.h"

static void total_is_sum_of_parts(pim_t *t)
{
    pim_arch a;
    pim_error err;
    CHECK(t, pim_arch_load("gpp-sram", &a, &err) == PIM_OK);
    a.macro.leakage_mw = 0.5;
    pim_counts c = {.macs = 1000,
                    .macro_write_bytes = 100,
                    .offchip_bytes = 100,
                    .buffer_bytes = 50,
                    .vector_ops = 10,
                    .digital_macs = 3,
                    .macros = 4,
                    .seconds = 1e-6};
    pim_energy e;
    pim_energy_compute(&a, &c, &e);
    double sum = 0;
    for (int i = 0; i < PIM_E_COUNT; i++)
        sum += e.part[i];
    CHECK_NEAR(t, e.total, sum, 1e-12);
    CHECK_NEAR(t, e.part[PIM_E_MAC], 340.0, 1e-12);             /* 0.34 pJ/MAC */
    CHECK_NEAR(t, e.part[PIM_E_MACRO_WRITE], 320.0, 1e-12);     /* 3.2 pJ/byte */
    CHECK_NEAR(t, e.part[PIM_E_OFFCHIP], 100 * 8 * 8.0, 1e-12); /* 8 pJ/bit */
    CHECK_NEAR(t, e.part[PIM_E_LEAKAGE], 0.5 * 4 * 1e-6 * 1e9, 1e-12);
    CHECK(t, strcmp(pim_energy_part_name(PIM_E_OFFCHIP), "offchip") == 0);
}

static void isaac_area_power_from_its_table(pim_t *t)
{
    pim_arch a;
    pim_error err;
    CHECK(t, pim_arch_load("isaac", &a, &err) == PIM_OK);
    pim_area ar;
    pim_area_compute(&a, &ar);
    CHECK_NEAR(t, ar.tile_mw, 330.0, 0.01);                             /* ISAAC: tile 330 mW */
    CHECK_NEAR(t, ar.tile_mm2, 0.372, 0.01);                            /* 0.372 mm2 */
    CHECK_NEAR(t, ar.total_mw / 1000, 65.8, 0.01);                      /* chip 65.8 W */
    CHECK_NEAR(t, ar.total_mm2, 85.4, 0.01);                            /* 85.4 mm2 */
    CHECK_NEAR(t, ar.ops_per_second / 1e9 / ar.total_mm2, 479.0, 0.02); /* 479 GOPS/mm2 */
    /* ADCs are 58% of a tile's power (ISAAC Sec. 6) */
    double adc_tile = ar.comp[PIM_C_ADC].mw / 168;
    CHECK_NEAR(t, adc_tile / ar.tile_mw, 0.58, 0.01);
    double sum = 0;
    for (int c = 0; c < PIM_C_COUNT; c++)
        sum += ar.comp[c].mw;
    CHECK_NEAR(t, ar.total_mw, sum, 1e-12); /* total = sum of the breakdown */
}

static void conversions_per_dataflow(pim_t *t)
{
    pim_arch a;
    pim_error err;
    CHECK(t, pim_arch_load("isaac", &a, &err) == PIM_OK);
    pim_vmm v;
    pim_analog_vmm(&a, 128, 16, &v);           /* one full ISAAC VMM: 16 16-bit weights per row */
    CHECK_NEAR(t, v.conversions, 2048, 1e-12); /* 128 columns x 16 input cycles */
    CHECK_NEAR(t, v.reads, 16, 1e-12);
    CHECK_NEAR(t, v.dac_drives, 128 * 16, 1e-12);
    CHECK_NEAR(t, v.ns, 1600, 1e-12); /* 16 reads of 100 ns, ADC keeps pace */
    CHECK_EQ_U64(t, pim_analog_cycles_per_vector(&a), 16);
    double isaac_per_output = v.conversions / 16;
    a.analog.dataflow = PIM_FLOW_CASCADE;
    pim_analog_vmm(&a, 128, 16, &v);
    CHECK_NEAR(t, v.conversions, 128, 1e-12); /* each column once */
    CHECK_NEAR(t, v.analog_accums, 2048, 1e-12);
    a.analog.dataflow = PIM_FLOW_NEURAL_PIM;
    pim_analog_vmm(&a, 128, 16, &v);
    CHECK_NEAR(t, v.conversions, 16, 1e-12); /* one per output value */
    CHECK(t, isaac_per_output / (v.conversions / 16) >= 8);
    /* half the rows read at a time: twice the reads and conversions */
    a.analog.dataflow = PIM_FLOW_ISAAC;
    a.analog.rows_active = 64;
    pim_analog_vmm(&a, 128, 16, &v);
    CHECK_NEAR(t, v.conversions, 4096, 1e-12);
}

static void adc_scales_with_resolution(pim_t *t)
{
    CHECK_NEAR(t, pim_adc_survey_pj(4), 0.92, 1e-12);
    CHECK_NEAR(t, pim_adc_survey_pj(8), 1.71, 1e-12);
    CHECK_NEAR(t, pim_adc_survey_pj(10), 3.3, 1e-12);
    CHECK_NEAR(t, pim_adc_survey_pj(12), 29, 1e-12);
    pim_arch a;
    pim_error err;
    CHECK(t, pim_arch_load("isaac", &a, &err) == PIM_OK);
    double prev = 0;
    for (uint32_t bits = 4; bits <= 10; bits++) {
        a.analog.adc_bits = bits;
        pim_area ar;
        pim_area_compute(&a, &ar);
        double share = ar.comp[PIM_C_ADC].mw / 168 / ar.tile_mw;
        CHECK(t, share > prev);
        prev = share;
    }
}

/* Encodings cost columns: offset one bias column per crossbar, differential
 * half the columns, ISAAC's flip none. */
static void encodings_take_their_columns(pim_t *t)
{
    pim_arch a;
    pim_error err;
    CHECK(t, pim_arch_load("isaac", &a, &err) == PIM_OK);
    CHECK_EQ_U64(t, pim_arch_weight_columns(&a), 16); /* 128 / 8 slices */
    pim_vmm v;
    a.analog.encoding = PIM_ENC_OFFSET;
    CHECK_EQ_U64(t, pim_arch_weight_columns(&a), 15); /* 127 / 8 */
    pim_analog_vmm(&a, 128, 15, &v);
    CHECK_NEAR(t, v.conversions, (15 * 8 + 1) * 16, 1e-12); /* the bias column converts too */
    a.analog.encoding = PIM_ENC_DIFFERENTIAL;
    CHECK_EQ_U64(t, pim_arch_weight_columns(&a), 8); /* 64 / 8 */
    pim_analog_vmm(&a, 128, 8, &v);
    CHECK_NEAR(t, v.conversions, 8 * 8 * 2 * 16, 1e-12);
    CHECK(t, pim_arch_validate(&a, &err) == PIM_OK);
}

/* An analog SRAM macro (1-bit cells, 8-bit weights) runs through the same
 * model: bit slicing, conversions, energy that adds up. */
static void analog_sram_macro_runs(pim_t *t)
{
    static const char *arch_yaml = "base: isaac\nname: asram\nchip:\n  macro:\n"
                                   "    type: sram-analog\n    cell_bits: 1\n"
                                   "    weight_bits: 8\n    input_bits: 8\n";
    pim_arch a;
    pim_error err;
    memset(&a, 0, sizeof a);
    CHECK(t, pim_arch_from_yaml(arch_yaml, strlen(arch_yaml), "asram.yaml", &a, &err) == PIM_OK);
    CHECK(t, pim_arch_validate(&a, &err) == PIM_OK);
    CHECK(t, a.macro.type == PIM_MACRO_SRAM_ANALOG);
    CHECK_EQ_U64(t, pim_macro_slices(&a.macro), 8);
    CHECK_EQ_U64(t, pim_arch_weight_columns(&a), 16);
    CHECK_EQ_U64(t, pim_analog_cycles_per_vector(&a), 8); /* 8 one-bit input cycles */
    pim_model m;
    CHECK(t, pim_zoo_build("resnet18", NULL, &m, &err) == PIM_OK);
    pim_run_config c = {
        .model = &m, .arch = &a, .opts = {.strategy = PIM_SCHED_GPP, .batch = 1}, .threads = 1};
    pim_run_result r;
    CHECK(t, pim_run(&c, &r, &err) == PIM_OK);
    if (!t->failures) {
        double sum = 0;
        for (int i = 0; i < PIM_E_PARTS; i++)
            sum += r.energy.part[i];
        CHECK_NEAR(t, r.energy.total, sum, 1e-12);
        CHECK(t, r.counts.analog.conversions > 0);
        CHECK_EQ_U64(t, r.weight_bytes, 11678912); /* 8-bit weights: a byte each */
        pim_run_result_free(&r);
    }
    pim_model_free(&m);
}

/* cascade takes its paper's arrays and conversions (64x64 arrays of 1-bit
 * cells, 10 conversions per 16-bit output, 32 TIAs an array each serving
 * two columns) and ISAAC's table for the rest: ISAAC's eDRAM, fewer ADCs
 * (one per IMA), its analog buffers charged per column read. */
static void cascade_follows_its_paper(pim_t *t)
{
    pim_arch isaac, a;
    pim_error err;
    pim_area ai, ar;
    CHECK(t, pim_arch_load("isaac", &isaac, &err) == PIM_OK);
    pim_area_compute(&isaac, &ai);
    CHECK(t, pim_arch_load("cascade", &a, &err) == PIM_OK);
    CHECK(t, pim_arch_validate(&a, &err) == PIM_OK);
    CHECK(t, a.macro.rows == 64 && a.macro.columns == 64 && a.macro.cell_bits == 1);
    CHECK_EQ_U64(t, pim_arch_weight_columns(&a), 64 / 16);
    pim_area_compute(&a, &ar);
    CHECK_NEAR(t, ar.comp[PIM_C_ADC].count / pim_arch_total_macros(&a),
               ai.comp[PIM_C_ADC].count / pim_arch_total_macros(&isaac) / 8, 1e-9);
    CHECK_NEAR(t, ar.comp[PIM_C_EDRAM].mw / a.tiles, ai.comp[PIM_C_EDRAM].mw / isaac.tiles, 1e-9);
    CHECK(t, ar.comp[PIM_C_TIA_BUFFER].mw > 0 && ai.comp[PIM_C_TIA_BUFFER].mw == 0);
    /* one full VMM: 4 outputs x 10 conversions; the TIAs take every column
     * of every read, two columns a TIA */
    pim_counts c = {.seconds = 0};
    pim_analog_vmm(&a, 64, 4, &c.analog);
    CHECK_NEAR(t, c.analog.conversions, 4 * 10, 1e-9);
    CHECK_NEAR(t, c.analog.analog_accums, 64 * 16, 1e-9);
    pim_energy e;
    pim_energy_compute(&a, &c, &e);
    double pj = a.comp[PIM_C_TIA_BUFFER].mw * a.analog.read_ns * 32 / 64;
    CHECK_NEAR(t, e.part[PIM_E_COUNT + PIM_C_TIA_BUFFER], 64 * 16 * pj, 1e-12);
    CHECK_NEAR(t, c.analog.ns, 1600, 1e-9); /* the shared ADC keeps pace */
    /* the count follows the precision: 15 levels at 8 bits, 5 conversions;
     * with 2-bit cells 14 levels (4 slices of 2 bits, 8 input cycles) */
    CHECK(t, pim_arch_set(&a, "chip.macro.weight_bits=8", &err) == PIM_OK);
    CHECK(t, pim_arch_set(&a, "chip.macro.input_bits=8", &err) == PIM_OK);
    pim_analog_vmm(&a, 64, 8, &c.analog);
    CHECK_NEAR(t, c.analog.conversions, 8 * 5, 1e-9);
    CHECK(t, pim_arch_set(&a, "chip.macro.cell_bits=2", &err) == PIM_OK);
    pim_analog_vmm(&a, 64, 16, &c.analog);
    CHECK_NEAR(t, c.analog.conversions, 16 * 5, 1e-9);
    /* without the paper's figure: one conversion per column it occupies */
    CHECK(t, pim_arch_set(&a, "chip.analog.levels_per_conversion=0", &err) == PIM_OK);
    pim_analog_vmm(&a, 64, 16, &c.analog);
    CHECK_NEAR(t, c.analog.conversions, 64, 1e-9);
    /* the ADC row prices the ADCs the dataflow uses: a mismatch is an error */
    CHECK(t, pim_arch_set(&a, "chip.analog.adcs_per_macro=1", &err) == PIM_OK);
    CHECK(t, pim_arch_validate(&a, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "components.adc.count") != NULL);
    /* ISAAC's dataflow converts every column every read: no count to give */
    CHECK(t, pim_arch_set(&isaac, "chip.analog.levels_per_conversion=2", &err) == PIM_OK);
    CHECK(t, pim_arch_validate(&isaac, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "levels_per_conversion") != NULL);
}

/* ADC energy per output of one full-array VMM. */
static double adc_pj_per_output(pim_t *t, const pim_arch *a, double *conversions_per_output)
{
    pim_counts c = {.seconds = 0};
    uint64_t outputs = pim_arch_weight_columns(a);
    pim_analog_vmm(a, a->macro.rows, outputs, &c.analog);
    pim_energy e;
    pim_energy_compute(a, &c, &e);
    CHECK(t, outputs > 0);
    *conversions_per_output = c.analog.conversions / (double)outputs;
    return e.part[PIM_E_COUNT + PIM_C_ADC] / (double)outputs;
}

/* neural-pim follows its paper where the paper's values are known: 280
 * tiles of 128x128 arrays of 1-bit cells, W+ and W- in adjacent columns
 * (16 columns a weight), 8-bit weights and inputs, one conversion per
 * output; and its analog S+A with the NNADC spend a 33rd of what ISAAC's
 * ADCs spend on the same output at 8 bits (32 conversions there). */
static void neural_pim_follows_its_paper(pim_t *t)
{
    pim_arch isaac, a;
    pim_error err;
    CHECK(t, pim_arch_load("neural-pim", &a, &err) == PIM_OK);
    CHECK(t, pim_arch_validate(&a, &err) == PIM_OK);
    CHECK_EQ_U64(t, a.tiles, 280);
    CHECK(t, a.macro.rows == 128 && a.macro.columns == 128 && a.macro.cell_bits == 1);
    CHECK(t, a.macro.weight_bits == 8 && a.macro.input_bits == 8);
    CHECK(t, a.analog.encoding == PIM_ENC_DIFFERENTIAL);
    CHECK_EQ_U64(t, pim_arch_weight_columns(&a), 128 / 16);
    CHECK(t, pim_arch_load("isaac", &isaac, &err) == PIM_OK);
    CHECK(t, pim_arch_set(&isaac, "chip.macro.weight_bits=8", &err) == PIM_OK);
    CHECK(t, pim_arch_set(&isaac, "chip.macro.input_bits=8", &err) == PIM_OK);
    double per_np, per_isaac;
    double np = adc_pj_per_output(t, &a, &per_np), is = adc_pj_per_output(t, &isaac, &per_isaac);
    CHECK_NEAR(t, per_np, 1, 1e-12);
    CHECK_NEAR(t, per_isaac, 32, 1e-12);
    CHECK_NEAR(t, np * 33, is, 0.01);
}

/* analog-sram holds exactly the weights gpp-sram holds, and runs a VMM in
 * 8 one-bit input cycles instead of 32 column cycles. */
static void analog_sram_matches_gpp_capacity(pim_t *t)
{
    pim_arch d, a;
    pim_error err;
    CHECK(t, pim_arch_load("gpp-sram", &d, &err) == PIM_OK);
    CHECK(t, pim_arch_load("analog-sram", &a, &err) == PIM_OK);
    CHECK(t, pim_arch_validate(&a, &err) == PIM_OK);
    CHECK_EQ_U64(t, pim_arch_total_macros(&a), pim_arch_total_macros(&d));
    CHECK_EQ_U64(t, pim_arch_weight_columns(&a), pim_arch_weight_columns(&d));
    CHECK_EQ_U64(t, a.macro.rows, d.macro.rows);
    CHECK_EQ_U64(t, pim_analog_cycles_per_vector(&a), 8);
}

const pim_test_case energy_tests[] = {
    {"energy: cascade follows its paper where known, ISAAC's table elsewhere",
     cascade_follows_its_paper},
    {"energy: neural-pim follows its paper (280 tiles, 1-bit cells, W+/W-, the 33x S+A and NNADC)",
     neural_pim_follows_its_paper},
    {"energy: analog-sram holds what gpp-sram holds", analog_sram_matches_gpp_capacity},
    {"energy: analog encodings take their columns", encodings_take_their_columns},
    {"energy: an analog SRAM macro runs through the same model", analog_sram_macro_runs},
    {"energy: ISAAC's area and power rebuilt from its component table",
     isaac_area_power_from_its_table},
    {"energy: A/D conversions per VMM for isaac, cascade, neural-pim", conversions_per_dataflow},
    {"energy: ADC energy follows the survey curve; ADC share grows with bits",
     adc_scales_with_resolution},
    {"energy: total equals the sum of its parts", total_is_sum_of_parts},
    {NULL, NULL},
};
