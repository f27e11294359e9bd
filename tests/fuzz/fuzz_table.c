/* libFuzzer target: CSV tables as plot reads them (a sweep's results.csv).
 * Any input loads or fails with an input error; a table that loads is
 * rectangular and every column is found by its name. */
#include "pimstream/plot.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pim_table t;
    pim_error err;
    pim_status st = pim_table_from_csv((const char *)data, size, "fuzz.csv", &t, &err);
    if (st != PIM_OK && st != PIM_EINPUT)
        abort();
    if (st == PIM_OK) {
        for (uint64_t i = 0; i < t.nrows * t.ncols; i++)
            if (!t.cells[i])
                abort();
        for (uint32_t c = 0; c < t.ncols; c++) {
            int found = pim_table_column(&t, t.names[c]);
            if (found < 0 || strcmp(t.names[found], t.names[c]) != 0)
                abort();
        }
        pim_table_free(&t);
    }
    return 0;
}
