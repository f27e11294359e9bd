/* libFuzzer target: a sweep's journal as resume reads it. Whatever the
 * file holds, opening it succeeds, keeps only whole records of points the
 * sweep has, and cuts the file at the end of the last one it kept. */
#include "pimstream/sweep.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pim_sweep s;
    pim_error err;
    static const char *const keys[] = {"model", "arch", "schedule", "bandwidth", "batch", NULL};
    static const pim_sweep_command commands[] = {{"run", keys, 1}, {NULL, NULL, 0}};
    pim_sweep_init(&s);
    s.commands = commands;
    if (pim_sweep_set_command(&s, "run", &err) ||
        pim_sweep_add_axis(&s, "bandwidth=1,2,3,4,5,6,7,8", "--sweep", &err) ||
        pim_sweep_finish(&s, &err))
        abort();
    snprintf(s.out, sizeof s.out, "/tmp/pimstream-fuzz-journal-%d", (int)getpid());
    pim_sweep_opts o = {.resume = 1, .figures = "cycles"};
    pim_sweep_store store;
    if (pim_sweep_open(&s, &o, &store, &err)) /* the directory and its sweep.txt */
        abort();
    pim_sweep_close(&store);
    char path[PIM_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/journal", s.out);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    if (pim_sweep_open(&s, &o, &store, &err))
        abort(); /* a journal's contents are never an error: bad records are cut */
    struct stat sb;
    if (stat(path, &sb) != 0 || (uint64_t)sb.st_size != store.end || store.end > size)
        abort();
    for (uint64_t i = 0; i < s.npoints; i++)
        if (pim_sweep_has_point(&store, i) &&
            (store.at[i] - 1 + store.len[i] > store.end || store.at[i] == 0))
            abort();
    pim_sweep_close(&store);
    pim_sweep_free(&s);
    return 0;
}
