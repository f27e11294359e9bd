/* libFuzzer target: mapping YAML (map --mapping) on the study's baseline
 * and one CiM design. Any input is a checked mapping or an input error. */
#include "pimstream/nest.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    static const char *const archs[] = {"www-tensor-core", "www-rf-digital8t"};
    pim_gemm g = {"bert", 512, 1024, 1024, 1};
    for (int a = 0; a < 2; a++) {
        pim_hier h;
        pim_error err;
        pim_mapping m;
        if (pim_hier_load(archs[a], &h, &err) != PIM_OK)
            abort();
        if (pim_mapping_from_yaml(&h, &g, (const char *)data, size, "fuzz.yaml", &m, &err) !=
            PIM_OK)
            continue;
        pim_nest_result r;
        pim_nest_eval(&h, &g, &m, &r);
        if (r.macs != g.m * g.n * g.k)
            abort();
    }
    return 0;
}
