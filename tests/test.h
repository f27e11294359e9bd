/* pimstream tests: a small runner. Each test gets a pim_t it reports
 * through; nothing is global, so tests could run in any order. */
#ifndef PIMSTREAM_TEST_H
#define PIMSTREAM_TEST_H

#include <math.h>

#include "pimstream/sched.h"
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *cli;    /* path of the pimstream binary under test */
    const char *data;   /* tests/data: the models and files the tests need (committed) */
    const char *shared; /* an optional shared/ folder whose models are checked too; NULL if none */
    const char *tmp;    /* scratch directory */
    int failures;       /* checks failed in the current test */
} pim_t;

#define CHECK(t, cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "    %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);           \
            (t)->failures++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_U64(t, a, b)                                                                      \
    do {                                                                                           \
        unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);             \
        if (a_ != b_) {                                                                            \
            fprintf(stderr, "    %s:%d: %s = %llu, expected %s = %llu\n", __FILE__, __LINE__, #a,  \
                    a_, #b, b_);                                                                   \
            (t)->failures++;                                                                       \
        }                                                                                          \
    } while (0)

#define CHECK_NEAR(t, a, b, rel)                                                                   \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (rel)*fabs(b_))) {                                                  \
            fprintf(stderr, "    %s:%d: %s = %.6g, expected %.6g within %.2g%%\n", __FILE__,       \
                    __LINE__, #a, a_, b_, 100.0 * (rel));                                          \
            (t)->failures++;                                                                       \
        }                                                                                          \
    } while (0)

typedef void (*pim_test_fn)(pim_t *t);
typedef struct {
    const char *name;
    pim_test_fn fn;
} pim_test_case;

/* Each test file exports a table ending in {NULL, NULL}. */
extern const pim_test_case base_tests[], arch_tests[], workload_tests[], map_tests[], sched_tests[],
    sim_tests[], energy_tests[], run_tests[], cli_tests[], golden_tests[], onnx_tests[],
    onnx_ops_tests[], compile_tests[], noc_tests[], manycore_tests[], nest_tests[], mapper_tests[],
    bound_tests[], sweep_tests[], plot_tests[], cut_tests[];

/* Helpers shared by the test files (tests/util.c). */
int pim_test_write_file(const char *path, const char *text);
int pim_test_exists(const char *path);
/* A whole file, NUL-terminated (malloc'd), or NULL. */
char *pim_test_slurp(const char *path);
/* Do two text files exist with the same contents? */
int pim_test_same_text(const char *a, const char *b);
/* The first cap - 1 bytes of a file, NUL-terminated ("" when unreadable). */
void pim_test_read_head(const char *path, char *buf, size_t cap);
/* Run the CLI with a shell-quoted argument string; returns the exit code
 * and captures stderr's first line. */
int pim_test_cli(const pim_t *t, const char *args, char *err_line, size_t cap);
/* A plan of zoo model `zoo` on gpp-sram with attention policy `dyn`; batch
 * 0 in `o` means the model's default. The model is kept in `model` when
 * given, else freed. */
void pim_test_plan(pim_t *t, const char *zoo, const pim_plan_opts *o, pim_dyn_policy dyn,
                   pim_plan *p, pim_model *model);
/* The same on architecture `a`. */
void pim_test_plan_on(pim_t *t, const char *zoo, const pim_arch *a, const pim_plan_opts *o,
                      pim_plan *p, pim_model *model);
/* Load tests/data/models/NAME.onnx (a failed check names the error). */
pim_status pim_test_shared_onnx(pim_t *t, const char *name, pim_model *m);

#endif
