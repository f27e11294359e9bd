/* pimstream tests: helpers. */
#include "test.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int pim_test_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fputs(text, f);
    return fclose(f) == 0;
}

int pim_test_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

char *pim_test_slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
    size_t got = text ? fread(text, 1, (size_t)n, f) : 0;
    fclose(f);
    if (text)
        text[got] = '\0';
    return text;
}

int pim_test_same_text(const char *a, const char *b)
{
    char *x = pim_test_slurp(a), *y = pim_test_slurp(b);
    int same = x && y && strcmp(x, y) == 0;
    free(x);
    free(y);
    return same;
}

int pim_test_cli(const pim_t *t, const char *args, char *err_line, size_t cap)
{
    char errpath[256], cmd[4096];
    snprintf(errpath, sizeof errpath, "%s/stderr.txt", t->tmp);
    snprintf(cmd, sizeof cmd, "%s %s >%s/stdout.txt 2>%s", t->cli, args, t->tmp, errpath);
    int rc = system(cmd);
    if (err_line && cap) {
        err_line[0] = '\0';
        FILE *f = fopen(errpath, "r");
        if (f) {
            if (fgets(err_line, (int)cap, f))
                err_line[strcspn(err_line, "\n")] = '\0';
            fclose(f);
        }
    }
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

void pim_test_plan(pim_t *t, const char *zoo, const pim_plan_opts *o, pim_dyn_policy dyn,
                   pim_plan *p, pim_model *model)
{
    pim_arch a;
    pim_error err;
    CHECK(t, pim_arch_load("gpp-sram", &a, &err) == PIM_OK);
    a.dynamic_matmul = dyn;
    pim_test_plan_on(t, zoo, &a, o, p, model);
}

void pim_test_plan_on(pim_t *t, const char *zoo, const pim_arch *a, const pim_plan_opts *o,
                      pim_plan *p, pim_model *model)
{
    pim_model m;
    pim_error err;
    CHECK(t, pim_zoo_build(zoo, NULL, &m, &err) == PIM_OK);
    pim_plan_opts oo = *o;
    if (!oo.batch)
        oo.batch = m.default_batch;
    CHECK(t, pim_plan_build(&m, a, &oo, p, &err) == PIM_OK);
    if (model)
        *model = m;
    else
        pim_model_free(&m);
}

pim_status pim_test_shared_onnx(pim_t *t, const char *name, pim_model *m)
{
    char path[600];
    snprintf(path, sizeof path, "%s/models/%s.onnx", t->data, name);
    pim_error err;
    pim_status st = pim_model_load(path, NULL, NULL, m, &err);
    if (st)
        fprintf(stderr, "    %s\n", err.msg);
    CHECK(t, st == PIM_OK);
    return st;
}

void pim_test_read_head(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}
