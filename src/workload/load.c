/* pimstream workload: where a model comes from (zoo or file, by format). */
#include "pimstream/workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

static const char *format_of(const char *path)
{
    if (ends_with(path, ".onnx"))
        return "onnx";
    if (ends_with(path, ".csv"))
        return "scalesim";
    if (ends_with(path, ".yaml") || ends_with(path, ".yml"))
        return "yaml";
    return NULL;
}

/* "gemm:M,N,K": one matrix multiply, Z[M][N] = A[M][K] B[N][K]^T, M input
 * vectors of length K through a K x N weight. */
static pim_status load_gemm(const char *spec, pim_model *out, pim_error *err)
{
    char buf[96], *save = NULL;
    uint64_t v[3];
    int n = 0;
    pim_strlcpy(buf, spec + 5, sizeof buf);
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (n == 3 || !pim_parse_u64(tok, &v[n]) || v[n] < 1 || v[n] > PIM_MAX_DIM) {
            n = 4; /* too many, or not a size */
            break;
        }
        n++;
    }
    if (n != 3 || strlen(spec) >= sizeof buf + 5)
        return pim_fail(err, PIM_EINPUT, "--model %s: a GEMM is gemm:M,N,K, each 1 to %u", spec,
                        PIM_MAX_DIM);
    char name[64];
    snprintf(name, sizeof name, "gemm-%llux%llux%llu", (unsigned long long)v[0],
             (unsigned long long)v[1], (unsigned long long)v[2]);
    pim_model_init(out, name);
    pim_layer l = {.kind = PIM_OP_GEMM, .m = v[0], .n = v[1], .k = v[2]};
    pim_strlcpy(l.name, name, sizeof l.name);
    pim_status st = pim_model_add(out, &l, NULL, 0, err);
    if (st)
        pim_model_free(out);
    return st;
}

pim_status pim_model_load(const char *name_or_path, const char *format, const pim_zoo_opts *zoo,
                          pim_model *out, pim_error *err)
{
    if (strncmp(name_or_path, "gemm:", 5) == 0 && !format)
        return load_gemm(name_or_path, out, err);
    const char *fmt = format ? format : format_of(name_or_path);
    if (!fmt) {
        for (size_t i = 0; i < pim_zoo_count(); i++) /* a zoo name: no file to look at */
            if (strcmp(name_or_path, pim_zoo_name(i)) == 0)
                return pim_zoo_build(name_or_path, zoo, out, err);
        struct stat sb;
        if (stat(name_or_path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
            char *unused;
            return pim_read_file(name_or_path, 0, &unused, NULL, err); /* says what it is */
        }
        if (strchr(name_or_path, '/') || strchr(name_or_path, '.'))
            return pim_fail(err, PIM_EINPUT,
                            "--model %s: not a zoo name, and not an .onnx, .csv, .yaml or .yml "
                            "file (or say which with --model-format)",
                            name_or_path);
        return pim_zoo_build(name_or_path, zoo, out, err);
    }
    int onnx = !strcmp(fmt, "onnx"), yaml = !strcmp(fmt, "yaml");
    pim_csv_format csv = !strcmp(fmt, "neurosim")             ? PIM_CSV_NEUROSIM
                         : !strcmp(fmt, "neurosim-estimator") ? PIM_CSV_NEUROSIM_ESTIMATOR
                                                              : PIM_CSV_SCALESIM;
    if (!onnx && !yaml && strcmp(fmt, "scalesim") && csv == PIM_CSV_SCALESIM)
        return pim_fail(err, PIM_EINPUT,
                        "--model-format %s: must be onnx, scalesim, neurosim, neurosim-estimator "
                        "or yaml",
                        fmt);
    char *data;
    size_t len;
    pim_status st =
        pim_read_file(name_or_path, onnx ? PIM_MAX_ONNX_FILE : PIM_MAX_TEXT_FILE, &data, &len, err);
    if (st)
        return st;
    if (onnx)
        st = pim_model_from_onnx(data, len, name_or_path, out, err);
    else if (yaml)
        st = pim_model_from_yaml(data, len, name_or_path, out, err);
    else
        st = pim_model_from_csv(data, len, name_or_path, csv, out, err);
    free(data);
    return st;
}
