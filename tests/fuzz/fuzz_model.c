/* libFuzzer target: model YAML layer lists. A model that loads is also
 * planned and, when small, simulated, so the fuzzer reaches the engine. */
#include "fuzz_run.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pim_model m;
    pim_arch a;
    pim_error err;
    if (pim_model_from_yaml((const char *)data, size, "fuzz.yaml", &m, &err) != PIM_OK)
        return 0;
    if (pim_arch_load("gpp-sram", &a, &err) == PIM_OK)
        fuzz_run_small(&m, &a, m.default_batch, PIM_SCHED_AUTO);
    pim_model_free(&m);
    return 0;
}
