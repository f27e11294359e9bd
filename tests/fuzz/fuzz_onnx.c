/* libFuzzer target: ONNX files. Any bytes must import or fail with an
 * input error; a model that imports is planned and, when small, run. */
#include "pimstream/run.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define MAX_FUZZ_LOADS 20000

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pim_model m;
    pim_error err;
    if (pim_model_from_onnx(data, size, "fuzz.onnx", &m, &err) != PIM_OK)
        return 0;
    pim_arch a;
    if (pim_arch_load("gpp-sram", &a, &err) == PIM_OK) {
        pim_plan_opts o = {.strategy = PIM_SCHED_GPP, .batch = 1};
        pim_plan p;
        if (pim_plan_build(&m, &a, &o, &p, &err) == PIM_OK) {
            uint64_t loads = 0;
            for (uint32_t i = 0; i < p.count; i++)
                loads += pim_plan_loads(&p, i);
            pim_plan_free(&p);
            pim_run_config c = {.model = &m, .arch = &a, .opts = o, .threads = 1};
            pim_run_result r;
            if (loads <= MAX_FUZZ_LOADS && pim_run(&c, &r, &err) == PIM_OK)
                pim_run_result_free(&r);
        }
    }
    pim_model_free(&m);
    return 0;
}
