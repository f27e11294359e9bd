/* Golden files: outputs that must not change without a reason. Rerun with
 * PIM_UPDATE_GOLDEN=1 to accept a deliberate change, and review the diff. */
#include "test.h"

#include <stdlib.h>

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    int ok = in && out;
    for (int c; ok && (c = fgetc(in)) != EOF;)
        ok = fputc(c, out) != EOF;
    if (in)
        fclose(in);
    if (out)
        ok = (fclose(out) == 0) && ok;
    return ok;
}

static int files_equal(const char *a, const char *b)
{
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
    return system(cmd) == 0;
}

/* Run the CLI; compare `produced` (a path, or NULL for stdout) with the
 * golden file. */
static void golden(pim_t *t, const char *args, const char *produced, const char *name)
{
    char out[600], gold[600];
    CHECK_EQ_U64(t, pim_test_cli(t, args, NULL, 0), 0);
    snprintf(out, sizeof out, "%s/%s", t->tmp, produced ? produced : "stdout.txt");
    snprintf(gold, sizeof gold, "tests/golden/%s", name);
    const char *update = getenv("PIM_UPDATE_GOLDEN");
    if (update && *update == '1')
        CHECK(t, copy_file(out, gold));
    int same = files_equal(out, gold);
    if (!same)
        fprintf(stderr, "    %s differs from %s (diff them; PIM_UPDATE_GOLDEN=1 accepts)\n", out,
                gold);
    CHECK(t, same);
}

static void inspect_resnet18(pim_t *t)
{
    golden(t, "inspect --model resnet18", NULL, "inspect_resnet18.txt");
}

static void run_resnet18_csv(pim_t *t)
{
    char args[400];
    snprintf(args, sizeof args, "run --model resnet18 --csv %s/golden_run.csv", t->tmp);
    golden(t, args, "golden_run.csv", "run_resnet18.csv");
}

static void compare_vmm512_csv(pim_t *t)
{
    char args[600];
    snprintf(args, sizeof args,
             "compare --model vmm512 --set schedule.macros=64 --set schedule.vectors_per_load=32 "
             "--bandwidth 8,16,32,64,128,256 --csv %s/golden_cmp.csv",
             t->tmp);
    golden(t, args, "golden_cmp.csv", "compare_vmm512.csv");
}

const pim_test_case golden_tests[] = {
    {"golden: inspect resnet18 table", inspect_resnet18},
    {"golden: run resnet18 per-layer CSV", run_resnet18_csv},
    {"golden: compare vmm512 CSV (the GPP experiment)", compare_vmm512_csv},
    {NULL, NULL},
};
