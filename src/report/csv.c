/* pimstream report: CSV fields (RFC 4180) and figures that may not be
 * numbers. A layer name from an ONNX file may hold commas and quotes; a
 * chip with no energy figures has no inferences per joule. */
#include "pimstream/report.h"

#include <math.h>
#include <string.h>

void pim_csv_text(FILE *f, int first, const char *s)
{
    if (!first)
        fputc(',', f);
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f); /* a quote inside a quoted field is doubled */
        fputc(*s, f);
    }
    fputc('"', f);
}

void pim_csv_u64(FILE *f, uint64_t v)
{
    fprintf(f, ",%llu", (unsigned long long)v);
}

void pim_csv_f64(FILE *f, const char *fmt, double v)
{
    fputc(',', f);
    if (isfinite(v))
        fprintf(f, fmt, v); /* an empty field when it is not a number */
}

const char *pim_fmt_f64(char *buf, size_t cap, const char *fmt, double v)
{
    if (isfinite(v))
        snprintf(buf, cap, fmt, v);
    else
        snprintf(buf, cap, "n/a");
    return buf;
}
