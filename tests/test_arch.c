/* Tests for src/arch: presets, YAML errors with places, --set. */
#include "pimstream/arch.h"
#include "test.h"

static void gpp_preset_matches_the_design(pim_t *t)
{
    pim_arch a;
    pim_error err;
    CHECK(t, pim_arch_load("gpp-sram", &a, &err) == PIM_OK);
    CHECK_EQ_U64(t, pim_arch_total_macros(&a), 256);
    CHECK_EQ_U64(t, pim_macro_bytes(&a.macro), 1024);
    CHECK_EQ_U64(t, a.macro.compute_cycles_per_vector, 32);
    CHECK_EQ_U64(t, a.macro.write_bytes_per_cycle_max, 16);
    CHECK_EQ_U64(t, a.macro.write_overhead_cycles, 2);
    CHECK_EQ_U64(t, a.macro.result_vectors_max, 56);
    CHECK_EQ_U64(t, a.offchip.bytes_per_cycle, 64);
    CHECK(t, a.macro.mac_pj == 0.34 && a.macro.write_pj_per_byte == 3.2);
    CHECK(t, a.offchip.pj_per_bit == 8);
    CHECK(t, strcmp(a.name, "gpp-sram") == 0);
}

/* Load YAML text and return the error message (empty on success). */
static pim_status load_text(const char *yaml, pim_arch *a, pim_error *err)
{
    memset(a, 0, sizeof *a);
    pim_status st = pim_arch_from_yaml(yaml, strlen(yaml), "test.yaml", a, err);
    return st ? st : pim_arch_validate(a, err);
}

static void yaml_errors_name_their_place(pim_t *t)
{
    pim_arch a;
    pim_error err;
    CHECK(t, load_text("base: gpp-sram\nchip:\n  corez: 4\n", &a, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "test.yaml:3:3") && strstr(err.msg, "chip.corez"));
    CHECK(t,
          load_text("base: gpp-sram\noffchip:\n  bytes_per_cycle: -8\n", &a, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "test.yaml:3:20") != NULL);
    CHECK(t, load_text("base: gpp-sram\nclock_mhz: fast\n", &a, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "test.yaml:2:12") != NULL);
    CHECK(t, load_text("base: gpp-sram\nchip: [1, 2\n", &a, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "YAML syntax error") != NULL);
    CHECK(t, load_text("base: gpp-sram\nchip:\n  macro:\n    rows: 0\n", &a, &err) == PIM_EINPUT);
    CHECK(t, load_text("base: gpp-sram\nchip:\n  macro:\n    type: quantum\n", &a, &err) ==
                 PIM_EINPUT);
    CHECK(t, load_text("- 1\n- 2\n", &a, &err) == PIM_EINPUT);
    CHECK(t, load_text("", &a, &err) == PIM_EINPUT);
    CHECK(t, load_text("base: nosuch\n", &a, &err) == PIM_EINPUT);
}

static void full_file_needs_every_field(pim_t *t)
{
    pim_arch a;
    pim_error err;
    CHECK(t, load_text("name: x\nclock_mhz: 100\n", &a, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "missing field") != NULL);
}

static void base_then_override(pim_t *t)
{
    pim_arch a;
    pim_error err;
    CHECK(t, load_text("base: gpp-sram\nname: small\nchip:\n  cores: 4\n", &a, &err) == PIM_OK);
    CHECK_EQ_U64(t, a.cores, 4);
    CHECK_EQ_U64(t, pim_arch_total_macros(&a), 64);
    CHECK(t, strcmp(a.name, "small") == 0);
}

static void set_overrides_by_path(pim_t *t)
{
    pim_arch a;
    pim_error err;
    CHECK(t, pim_arch_load("gpp-sram", &a, &err) == PIM_OK);
    CHECK(t, pim_arch_set(&a, "chip.cores=8", &err) == PIM_OK);
    CHECK_EQ_U64(t, a.cores, 8);
    CHECK(t, pim_arch_set(&a, "schedule.macros=64", &err) == PIM_OK);
    CHECK_EQ_U64(t, a.fix.macros, 64);
    CHECK(t, pim_arch_set(&a, "chip.nosuch=1", &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "--set") && strstr(err.msg, "chip.nosuch"));
    CHECK(t, pim_arch_set(&a, "chip.cores", &err) == PIM_EINPUT);
    CHECK(t, pim_arch_set(&a, "chip.cores=-3", &err) == PIM_EINPUT);
    CHECK(t, pim_arch_set(&a, "schedule.vectors_per_load=57", &err) == PIM_OK);
    CHECK(t, pim_arch_validate(&a, &err) == PIM_EINPUT);
}

/* The compiler's execution model: overlapped and copying unless a file or
 * --set says false (stored negated, so an arch without the section keeps
 * the defaults); only true or false are accepted. */
static void compile_model_defaults_and_overrides(pim_t *t)
{
    pim_arch a;
    pim_error err;
    CHECK(t, pim_arch_load("compass-s", &a, &err) == PIM_OK);
    CHECK(t, !a.compile.sequential && !a.compile.single_copy);
    CHECK(t, pim_arch_set(&a, "compile.overlap=false", &err) == PIM_OK);
    CHECK(t, a.compile.sequential && !a.compile.single_copy);
    CHECK(t, pim_arch_set(&a, "compile.overlap=true", &err) == PIM_OK);
    CHECK(t, !a.compile.sequential);
    CHECK(t, pim_arch_set(&a, "compile.replicate=maybe", &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "compile.replicate") != NULL);
    CHECK(t, load_text("base: compass-m\nname: seq\ncompile:\n  overlap: false\n  replicate: "
                       "false\n",
                       &a, &err) == PIM_OK);
    CHECK(t, a.compile.sequential && a.compile.single_copy);
    CHECK(t,
          load_text("base: compass-m\nname: x\ncompile:\n  overlap: 0\n", &a, &err) == PIM_EINPUT);
}

static void preset_list(pim_t *t)
{
    CHECK(t, pim_arch_preset_count() >= 1);
    char buf[200];
    pim_arch_preset_summary(0, buf, sizeof buf);
    CHECK(t, strlen(buf) > 5);
}

const pim_test_case arch_tests[] = {
    {"arch: compile.overlap and compile.replicate default true; --set and YAML turn them off",
     compile_model_defaults_and_overrides},
    {"arch: gpp-sram preset matches the open design", gpp_preset_matches_the_design},
    {"arch: YAML errors name file:line:column", yaml_errors_name_their_place},
    {"arch: a file without base needs every field", full_file_needs_every_field},
    {"arch: base preset then overrides", base_then_override},
    {"arch: --set overrides fields by dotted path", set_overrides_by_path},
    {"arch: presets are listed with summaries", preset_list},
    {NULL, NULL},
};
