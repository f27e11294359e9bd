/* libFuzzer target: sweep spec files. Any input loads or fails with an
 * input error; a spec that loads lists its points, and every point's every
 * value is one of its axis's values or unset. */
#include "pimstream/sweep.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pim_sweep s;
    pim_error err;
    static const char *const keys[] = {"model", "arch", "schedule", "bandwidth", "batch", NULL};
    static const char *const noc_keys[] = {"rate", "size", NULL};
    static const pim_sweep_command commands[] = {{"run", keys, 1, "cycles", NULL},
                                                 {"noc", noc_keys, 0, "completion", NULL},
                                                 {NULL, NULL, 0, NULL, NULL}};
    pim_sweep_init(&s);
    s.commands = commands;
    pim_status st = pim_sweep_spec_from_yaml(&s, (const char *)data, size, "fuzz.yaml", &err);
    if (st != PIM_OK && st != PIM_EINPUT)
        abort();
    /* a sample of millions would only spend the fuzzer's memory */
    if (!st && s.sample <= 100000 && pim_sweep_finish(&s, &err) == PIM_OK) {
        uint64_t n = s.npoints < 1000 ? s.npoints : 1000;
        for (uint64_t i = 0; i < n; i++)
            for (uint32_t k = 0; k < s.naxes; k++) {
                const char *v = pim_sweep_value(&s, i, k);
                if (v && !*v)
                    abort(); /* values are never empty */
            }
    }
    pim_sweep_free(&s);
    return 0;
}
