/* pimstream report: a streaming JSON writer. */
#include "pimstream/report.h"

#include <math.h>
#include <string.h>

void pim_json_init(pim_json *j, FILE *f, int pretty)
{
    memset(j, 0, sizeof *j);
    j->f = f;
    j->pretty = pretty;
}

/* Runs of plain characters go out in one fwrite (a sweep writes
 * thousands of small JSONs; a putc per character showed in its profile). */
void pim_json_write_string(FILE *f, const char *s)
{
    fputc('"', f);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        const unsigned char *run = p;
        while (*p && *p != '"' && *p != '\\' && *p >= 0x20)
            p++;
        fwrite(run, 1, (size_t)(p - run), f);
        if (!*p)
            break;
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else
            fprintf(f, "\\u%04x", *p);
        p++;
    }
    fputc('"', f);
}

/* Comma, newline and indent before a value, then its key if any. */
static void lead(pim_json *j, const char *key)
{
    if (j->depth > 0 && j->need_comma[j->depth])
        fputc(',', j->f);
    if (j->depth > 0)
        j->need_comma[j->depth] = 1;
    if (j->pretty && j->depth > 0) {
        fputc('\n', j->f);
        for (int i = 0; i < j->depth; i++)
            fputs("  ", j->f);
    }
    if (key) {
        pim_json_write_string(j->f, key);
        fputs(j->pretty ? ": " : ":", j->f);
    }
}

static void open_scope(pim_json *j, const char *key, char c)
{
    lead(j, key);
    fputc(c, j->f);
    if (j->depth < 63)
        j->depth++;
    j->need_comma[j->depth] = 0;
}

void pim_json_obj(pim_json *j, const char *key)
{
    open_scope(j, key, '{');
}

void pim_json_arr(pim_json *j, const char *key)
{
    open_scope(j, key, '[');
}

void pim_json_end(pim_json *j, char close)
{
    int had = j->need_comma[j->depth];
    j->depth--;
    if (j->pretty && had) {
        fputc('\n', j->f);
        for (int i = 0; i < j->depth; i++)
            fputs("  ", j->f);
    }
    fputc(close, j->f);
}

void pim_json_str(pim_json *j, const char *key, const char *v)
{
    lead(j, key);
    pim_json_write_string(j->f, v);
}

void pim_json_u64(pim_json *j, const char *key, uint64_t v)
{
    lead(j, key);
    fprintf(j->f, "%llu", (unsigned long long)v);
}

void pim_json_f64(pim_json *j, const char *key, double v)
{
    lead(j, key);
    if (isfinite(v))
        fprintf(j->f, "%.10g", v);
    else
        fputs("null", j->f);
}

void pim_json_f64_exact(pim_json *j, const char *key, double v)
{
    lead(j, key);
    if (isfinite(v))
        fprintf(j->f, "%.17g", v); /* 17 significant digits read back as the same double */
    else
        fputs("null", j->f);
}

void pim_json_finish(pim_json *j)
{
    fputc('\n', j->f);
}
