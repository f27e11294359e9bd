/* libFuzzer target: ONNX files. Any bytes must import or fail with an
 * input error; a model that imports is planned and, when small, run. */
#include "fuzz_run.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pim_model m;
    pim_arch a;
    pim_error err;
    if (pim_model_from_onnx(data, size, "fuzz.onnx", &m, &err) != PIM_OK)
        return 0;
    if (pim_arch_load("gpp-sram", &a, &err) == PIM_OK)
        fuzz_run_small(&m, &a, 1, PIM_SCHED_GPP); /* real-model seeds: keep it fast */
    pim_model_free(&m);
    return 0;
}
