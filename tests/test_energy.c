/* Tests for src/energy. */
#include "pimstream/energy.h"
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

const pim_test_case energy_tests[] = {
    {"energy: total equals the sum of its parts", total_is_sum_of_parts},
    {NULL, NULL},
};
