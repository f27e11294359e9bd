/* pimstream workload: where a model comes from (zoo or file, by format). */
#include "pimstream/workload.h"

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

pim_status pim_model_load(const char *name_or_path, const char *format, const pim_zoo_opts *zoo,
                          pim_model *out, pim_error *err)
{
    const char *fmt = format ? format : format_of(name_or_path);
    if (!fmt) {
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
