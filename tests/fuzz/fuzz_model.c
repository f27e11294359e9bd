/* libFuzzer target: model YAML layer lists. A model that loads is also
 * planned and, when small, simulated, so the fuzzer reaches the engine. */
#include "pimstream/run.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Small enough to simulate thousands of inputs a second. */
#define MAX_FUZZ_LOADS 20000

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pim_model m;
    pim_error err;
    if (pim_model_from_yaml((const char *)data, size, "fuzz.yaml", &m, &err) != PIM_OK)
        return 0;
    pim_arch a;
    if (pim_arch_load("gpp-sram", &a, &err) == PIM_OK) {
        pim_plan_opts o = {.strategy = PIM_SCHED_GPP, .batch = m.default_batch};
        pim_plan p;
        if (pim_plan_build(&m, &a, &o, &p, &err) == PIM_OK) {
            uint64_t loads = 0;
            for (uint32_t i = 0; i < p.count; i++)
                loads += pim_plan_loads(&p, i);
            pim_plan_free(&p);
            if (loads <= MAX_FUZZ_LOADS) {
                pim_run_config c = {.model = &m, .arch = &a, .opts = o, .threads = 1};
                c.opts.strategy = PIM_SCHED_AUTO;
                pim_run_result r;
                if (pim_run(&c, &r, &err) == PIM_OK)
                    pim_run_result_free(&r);
            }
        }
    }
    pim_model_free(&m);
    return 0;
}
