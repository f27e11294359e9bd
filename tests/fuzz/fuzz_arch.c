/* libFuzzer target: architecture YAML. Any input must load or fail with
 * an input error; never crash, leak or read out of bounds. */
#include "fuzz_run.h"

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
    fuzz_run_small(&m, &a, 2, PIM_SCHED_AUTO);
    pim_model_free(&m);
    return 0;
}
