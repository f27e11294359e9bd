/* libFuzzer target: architecture YAML. Any input must load or fail with
 * an input error; never crash, leak or read out of bounds. */
#include "pimstream/run.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pim_arch a;
    pim_error err;
    memset(&a, 0, sizeof a);
    if (pim_arch_from_yaml((const char *)data, size, "fuzz.yaml", &a, &err) != PIM_OK ||
        pim_arch_validate(&a, &err) != PIM_OK)
        return 0;
    pim_area ar;
    pim_area_compute(&a, &ar);
    /* a small matrix on whatever was described, through plan, engine, energy */
    static const char yaml[] = "layers:\n  - {type: gemm, m: 2, k: 70, n: 40}\n";
    pim_model m;
    if (pim_model_from_yaml(yaml, sizeof yaml - 1, "m.yaml", &m, &err) != PIM_OK)
        return 0;
    pim_plan_opts o = {.strategy = PIM_SCHED_GPP, .batch = 2};
    pim_plan p;
    if (pim_plan_build(&m, &a, &o, &p, &err) == PIM_OK) {
        uint64_t loads = pim_plan_loads(&p, 0);
        pim_plan_free(&p);
        pim_run_config c = {.model = &m, .arch = &a, .opts = o, .threads = 1};
        pim_run_result r;
        if (loads <= 20000 && pim_arch_total_macros(&a) <= 1u << 16 &&
            pim_run(&c, &r, &err) == PIM_OK)
            pim_run_result_free(&r);
    }
    pim_model_free(&m);
    return 0;
}
