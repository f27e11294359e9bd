/* pimstream tests: entry point. Prints one line per test and ends with
 * "N passed, N failed". */
#include "test.h"

#include <stdlib.h>
#include <unistd.h>

static const pim_test_case *const SUITES[] = {
    base_tests,    arch_tests, workload_tests, map_tests,    sched_tests,  sim_tests,
    energy_tests,  run_tests,  cli_tests,      golden_tests, onnx_tests,   onnx_ops_tests,
    compile_tests, noc_tests,  manycore_tests, nest_tests,   mapper_tests, bound_tests,
    sweep_tests,   plot_tests, cut_tests};

int main(int argc, char **argv)
{
    pim_t t = {"./build/pimstream", "tests/data", NULL, "build/test-tmp", 0};
    const char *only = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--cli") == 0)
            t.cli = argv[i + 1];
        else if (strcmp(argv[i], "--data") == 0)
            t.data = argv[i + 1];
        else if (strcmp(argv[i], "--shared") == 0) /* used only when it exists */
            t.shared = access(argv[i + 1], R_OK) == 0 ? argv[i + 1] : NULL;
        else if (strcmp(argv[i], "--only") == 0)
            only = argv[i + 1];
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", t.tmp);
    if (system(cmd) != 0)
        return 1;
    int passed = 0, failed = 0;
    for (size_t s = 0; s < sizeof SUITES / sizeof SUITES[0]; s++)
        for (const pim_test_case *c = SUITES[s]; c->name; c++) {
            if (only && !strstr(c->name, only))
                continue;
            t.failures = 0;
            c->fn(&t);
            printf("%s %s\n", t.failures ? "FAIL" : "ok  ", c->name);
            fflush(stdout);
            if (t.failures)
                failed++;
            else
                passed++;
        }
    printf("%d passed, %d failed\n", passed, failed);
    fflush(stdout); /* before any sanitizer report at exit */
    return failed ? 1 : 0;
}
