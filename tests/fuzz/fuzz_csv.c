/* libFuzzer target: SCALE-Sim and NeuroSim CSVs. The first byte picks the
 * dialect (odd: NeuroSim); the rest is the file. */
#include "pimstream/workload.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size == 0)
        return 0;
    pim_model m;
    pim_error err;
    if (pim_model_from_csv((const char *)data + 1, size - 1, "fuzz.csv", data[0] & 1, &m, &err) ==
        PIM_OK)
        pim_model_free(&m);
    return 0;
}
