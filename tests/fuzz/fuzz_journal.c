/* libFuzzer target: a sweep's journal as resume reads it. Whatever the
 * file holds, opening it succeeds, keeps only whole records of points the
 * sweep has, and cuts the file at the end of the last one it kept. Then
 * the missing points are committed with texts cut from the same bytes, and
 * the results hold one line per point, or the assembly refuses a point
 * whose figures do not fit, as an input error. */
#include "pimstream/sweep.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/* Lines in a file, or -1. */
static long count_lines(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n = 0;
    int c;
    if (!f)
        return -1;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

/* The missing points: figures, JSON or an error cut from data (at bytes
 * 0), committed; then the results, one line a point. */
static void commit_missing(const pim_sweep *s, const pim_sweep_opts *o, pim_sweep_store *store,
                           const unsigned char *data, size_t size)
{
    char *text = calloc(1, size + 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    const char *csv = text, *json = csv + strlen(csv) + (strlen(csv) < size);
    pim_error err;
    for (uint64_t i = 0; i < s->npoints; i++) {
        if (pim_sweep_has_point(store, i))
            continue;
        pim_sweep_point p = {.csv = (char *)csv, .json = (char *)json};
        if (i % 2)
            snprintf(p.error, sizeof p.error, "%s", json);
        if (pim_sweep_commit_point(store, i, &p, &err))
            abort();
    }
    free(text);
    uint64_t failed;
    pim_status st = pim_sweep_write_results(s, o, store, &failed, &err);
    if (st && st != PIM_EINPUT)
        abort();
    char path[PIM_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/results.jsonl", s->out);
    if (!st && count_lines(path) != (long)s->npoints)
        abort();
    snprintf(path, sizeof path, "%s/results.csv", s->out);
    if (!st && count_lines(path) != (long)s->npoints + 1)
        abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    pim_sweep s;
    pim_error err;
    static const char *const keys[] = {"model", "arch", "schedule", "bandwidth", "batch", NULL};
    static const pim_sweep_command commands[] = {{"run", keys, 1, "cycles", NULL},
                                                 {NULL, NULL, 0, NULL, NULL}};
    pim_sweep_init(&s);
    s.commands = commands;
    if (pim_sweep_set_command(&s, "run", &err) ||
        pim_sweep_add_axis(&s, "bandwidth=1,2,3,4,5,6,7,8", "--sweep", &err) ||
        pim_sweep_finish(&s, &err))
        abort();
    snprintf(s.out, sizeof s.out, "/tmp/pimstream-fuzz-journal-%d", (int)getpid());
    pim_sweep_opts o = {.resume = 1};
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
    commit_missing(&s, &o, &store, data, size);
    pim_sweep_close(&store);
    pim_sweep_free(&s);
    return 0;
}
