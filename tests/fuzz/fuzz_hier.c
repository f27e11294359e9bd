/* libFuzzer target: storage-hierarchy YAML (map's architectures). Any
 * input loads or fails with an input error; a hierarchy that loads maps a
 * small GEMM (mapper and model) without crashing. */
#include "pimstream/mapper.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pim_hier *h = malloc(sizeof *h);
    pim_error err;
    if (!h)
        return 0;
    if (pim_hier_from_yaml((const char *)data, size, "fuzz.yaml", h, &err) == PIM_OK) {
        pim_gemm g = {"g", 4, 6, 4, 1};
        pim_mapper_best b;
        /* a budget: the fuzzer looks for crashes, and an eight-level input
         * searched to the end takes seconds under the sanitizers */
        if (pim_mapper_search_within(h, &g, PIM_MAPPER_EDP, 50000, &b, &err) == PIM_OK && b.found &&
            pim_mapping_check(h, &g, &b.mapping, 1, &err) != PIM_OK)
            abort(); /* the mapper returned a mapping that breaks the hierarchy */
    }
    free(h);
    return 0;
}
