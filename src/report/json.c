/* pimstream report: a streaming JSON writer.
 *
 * Output collects in the writer's own buffer and goes to the file in
 * blocks: a sweep writes tens of thousands of small JSONs, and a stdio
 * call (with its lock) per character or number showed in its profile.
 * The buffer is emptied when a top-level value ends, so the file holds
 * every finished value. */
#include "pimstream/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pim_json_init(pim_json *j, FILE *f, int pretty)
{
    j->f = f;
    j->depth = 0;
    memset(j->need_comma, 0, sizeof j->need_comma);
    j->pretty = pretty;
    j->timeless = 0;
    j->used = 0; /* buf needs no clearing */
    j->mem = NULL;
    j->mem_len = j->mem_cap = 0;
    j->mem_failed = 0;
}

/* n bytes onto the text in memory. */
static void append(pim_json *j, const char *s, size_t n)
{
    if (j->mem_failed)
        return;
    if (j->mem_len + n + 1 > j->mem_cap) {
        size_t cap = j->mem_cap ? j->mem_cap : 2048;
        while (cap < j->mem_len + n + 1)
            cap *= 2;
        char *grown = realloc(j->mem, cap);
        if (!grown) {
            j->mem_failed = 1;
            return;
        }
        j->mem = grown;
        j->mem_cap = cap;
    }
    memcpy(j->mem + j->mem_len, s, n);
    j->mem_len += n;
    j->mem[j->mem_len] = '\0';
}

static void write_out(pim_json *j, const char *s, size_t n)
{
    if (j->f)
        fwrite(s, 1, n, j->f);
    else
        append(j, s, n);
}

static void flush(pim_json *j)
{
    if (j->used)
        write_out(j, j->buf, j->used);
    j->used = 0;
}

char *pim_json_take(pim_json *j)
{
    flush(j);
    if (!j->mem_failed && !j->mem)
        append(j, "", 0);
    char *text = j->mem_failed ? NULL : j->mem;
    if (!text)
        free(j->mem);
    j->mem = NULL;
    j->mem_len = j->mem_cap = 0;
    return text;
}

static void put(pim_json *j, const char *s, size_t n)
{
    if (j->used + n > sizeof j->buf) {
        flush(j);
        if (n > sizeof j->buf) {
            write_out(j, s, n);
            return;
        }
    }
    memcpy(j->buf + j->used, s, n);
    j->used += n;
}

static void put_char(pim_json *j, char c)
{
    if (j->used == sizeof j->buf)
        flush(j);
    j->buf[j->used++] = c;
}

/* A value at the top level is whole once written. */
static void value_done(pim_json *j)
{
    if (j->depth == 0)
        flush(j);
}

/* Runs of plain characters go out in one piece. */
static void write_string(pim_json *j, const char *s)
{
    put_char(j, '"');
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        const unsigned char *run = p;
        while (*p && *p != '"' && *p != '\\' && *p >= 0x20)
            p++;
        put(j, (const char *)run, (size_t)(p - run));
        if (!*p)
            break;
        char esc[8];
        int n = *p == '"' || *p == '\\' ? snprintf(esc, sizeof esc, "\\%c", *p)
                                        : snprintf(esc, sizeof esc, "\\u%04x", *p);
        put(j, esc, (size_t)n);
        p++;
    }
    put_char(j, '"');
}

void pim_json_write_string(FILE *f, const char *s)
{
    pim_json j;
    pim_json_init(&j, f, 0);
    write_string(&j, s);
    flush(&j);
}

/* v in decimal, as %llu prints it. */
static void put_u64(pim_json *j, uint64_t v)
{
    char digits[24];
    int n = sizeof digits;
    do
        digits[--n] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    put(j, digits + n, sizeof digits - (size_t)n);
}

/* v as printf's %.<digits>g prints it; null when it is not finite. */
static void put_f64(pim_json *j, double v, int digits)
{
    if (!isfinite(v)) {
        put(j, "null", 4);
        return;
    }
    char text[PIM_FORMAT_G_MAX];
    size_t n = pim_format_g(text, v, digits);
    put(j, text, n);
}

/* Comma, newline and indent before a value, then its key if any. */
static void lead(pim_json *j, const char *key)
{
    if (j->depth > 0 && j->need_comma[j->depth])
        put_char(j, ',');
    if (j->depth > 0)
        j->need_comma[j->depth] = 1;
    if (j->pretty && j->depth > 0) {
        put_char(j, '\n');
        for (int i = 0; i < j->depth; i++)
            put(j, "  ", 2);
    }
    if (key) {
        write_string(j, key);
        put(j, ":", 1);
        if (j->pretty)
            put_char(j, ' ');
    }
}

static void open_scope(pim_json *j, const char *key, char c)
{
    lead(j, key);
    put_char(j, c);
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
        put_char(j, '\n');
        for (int i = 0; i < j->depth; i++)
            put(j, "  ", 2);
    }
    put_char(j, close);
    value_done(j);
}

void pim_json_str(pim_json *j, const char *key, const char *v)
{
    lead(j, key);
    write_string(j, v);
    value_done(j);
}

void pim_json_u64(pim_json *j, const char *key, uint64_t v)
{
    lead(j, key);
    put_u64(j, v);
    value_done(j);
}

void pim_json_f64(pim_json *j, const char *key, double v)
{
    lead(j, key);
    put_f64(j, v, 10);
    value_done(j);
}

void pim_json_f64_exact(pim_json *j, const char *key, double v)
{
    lead(j, key);
    put_f64(j, v, 17); /* 17 significant digits read back as the same double */
    value_done(j);
}

void pim_json_finish(pim_json *j)
{
    put_char(j, '\n');
    flush(j);
}
