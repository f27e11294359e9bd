/* pimstream base: errors, allocation, parsing and atomic output files. */
#include "pimstream/base.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

pim_status pim_fail(pim_error *err, pim_status st, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->status = st;
    }
    return st;
}

void pim_error_clear(pim_error *err)
{
    err->status = PIM_OK;
    err->msg[0] = '\0';
}

void *pim_xcalloc(size_t n, size_t size)
{
    if (n == 0 || size == 0)
        n = size = 1;
    return calloc(n, size);
}

void *pim_xrealloc(void *p, size_t n, size_t size)
{
    if (n != 0 && size > SIZE_MAX / n)
        return NULL;
    size_t bytes = n * size;
    return realloc(p, bytes ? bytes : 1);
}

void pim_strlcpy(char *dst, const char *src, size_t cap)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int pim_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
        return 0;
    errno = 0;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return 0;
    *out = (uint64_t)v;
    return 1;
}

int pim_parse_double(const char *s, double *out)
{
    if (!s || !*s || *s == ' ')
        return 0;
    errno = 0;
    char *end = NULL;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

uint64_t pim_ceil_div(uint64_t a, uint64_t b)
{
    return b ? (a + b - 1) / b : 0;
}

pim_status pim_read_file(const char *path, char **out, size_t *len, pim_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return pim_fail(err, PIM_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *grown = realloc(buf, cap * 2);
        if (!grown) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = grown;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return pim_fail(err, PIM_EINTERNAL, "%s: out of memory", path);
    if (bad) {
        free(buf);
        return pim_fail(err, PIM_EINPUT, "%s: read error", path);
    }
    buf[n] = '\0';
    *out = buf;
    if (len)
        *len = n;
    return PIM_OK;
}

pim_status pim_outfile_open(pim_outfile *of, const char *path, pim_error *err)
{
    memset(of, 0, sizeof *of);
    if (strlen(path) >= sizeof of->path)
        return pim_fail(err, PIM_EINPUT, "%s: path too long", path);
    pim_strlcpy(of->path, path, sizeof of->path);
    snprintf(of->tmp, sizeof of->tmp, "%s.tmp", path);
    of->fp = fopen(of->tmp, "wb");
    if (!of->fp)
        return pim_fail(err, PIM_EINPUT, "%s: cannot write: %s", path, strerror(errno));
    return PIM_OK;
}

pim_status pim_outfile_commit(pim_outfile *of, pim_error *err)
{
    FILE *f = of->fp;
    of->fp = NULL;
    int bad = ferror(f) | fclose(f);
    if (bad || rename(of->tmp, of->path) != 0) {
        remove(of->tmp);
        return pim_fail(err, PIM_EINPUT, "%s: write failed: %s", of->path, strerror(errno));
    }
    return PIM_OK;
}

void pim_outfile_abort(pim_outfile *of)
{
    if (of->fp) {
        fclose(of->fp);
        of->fp = NULL;
        remove(of->tmp);
    }
}

int pim_grow(void **items, uint32_t *cap, uint32_t count, size_t elem)
{
    if (count < *cap)
        return 1;
    uint32_t grown_cap = *cap ? *cap * 2 : 16;
    void *grown = pim_xrealloc(*items, grown_cap, elem);
    if (!grown)
        return 0;
    *items = grown;
    *cap = grown_cap;
    return 1;
}

pim_status pim_yaml_load(const char *text, size_t len, const char *origin, yaml_document_t *doc,
                         pim_error *err)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return pim_fail(err, PIM_EINTERNAL, "%s: cannot start the YAML parser", origin);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    pim_status st = PIM_OK;
    if (!yaml_parser_load(&parser, doc))
        st = pim_fail(err, PIM_EINPUT, "%s:%zu:%zu: YAML syntax error: %s", origin,
                      parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                      parser.problem ? parser.problem : "malformed");
    yaml_parser_delete(&parser);
    return st;
}

typedef struct {
    void (*fn)(void *ctx, size_t i);
    void *ctx;
    size_t n;
    size_t next;
    pthread_mutex_t lock;
} work_queue;

static void *worker(void *arg)
{
    work_queue *q = arg;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        size_t i = q->next++;
        pthread_mutex_unlock(&q->lock);
        if (i >= q->n)
            return NULL;
        q->fn(q->ctx, i);
    }
}

int pim_parallel_for(size_t n, unsigned threads, void (*fn)(void *ctx, size_t i), void *ctx)
{
    if (threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus > 0 ? (unsigned)cpus : 1;
    }
    if (threads > n)
        threads = (unsigned)n;
    if (threads > 64)
        threads = 64;
    work_queue q = {fn, ctx, n, 0, PTHREAD_MUTEX_INITIALIZER};
    pthread_t tids[64];
    unsigned started = 0;
    while (started + 1 < threads && pthread_create(&tids[started], NULL, worker, &q) == 0)
        started++;
    worker(&q); /* the calling thread works too */
    for (unsigned k = 0; k < started; k++)
        pthread_join(tids[k], NULL);
    pthread_mutex_destroy(&q.lock);
    return started + 1 == threads;
}
