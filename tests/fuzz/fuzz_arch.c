/* libFuzzer target: architecture YAML. Any input must load or fail with
 * an input error; never crash, leak or read out of bounds. */
#include "pimstream/arch.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pim_arch a;
    pim_error err;
    memset(&a, 0, sizeof a);
    if (pim_arch_from_yaml((const char *)data, size, "fuzz.yaml", &a, &err) == PIM_OK)
        (void)pim_arch_validate(&a, &err);
    return 0;
}
