/* pimstream base: errors, allocation, parsing and atomic output files. */
#include "pimstream/base.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Length of the valid UTF-8 sequence at p (1 to 4), or 0 if it is not
 * one. Overlong forms and surrogates are not valid. */
static size_t utf8_length(const unsigned char *p)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xC2 && c <= 0xDF   ? 2
               : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4
                                        : 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) || (c == 0xF0 && p[1] < 0x90) ||
        (c == 0xF4 && p[1] > 0x8F))
        return 0;
    return n;
}

void pim_escape_text(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p;) {
        size_t n = utf8_length(p);
        int plain = n > 1 || (n == 1 && *p >= 0x20 && *p != 0x7F);
        size_t need = plain ? n : 4;
        if (o + need >= cap)
            break; /* never half an escape or half a character */
        if (plain)
            memcpy(out + o, p, n);
        else
            snprintf(out + o, 5, "\\x%02X", *p);
        o += need;
        p += plain ? n : 1;
    }
    if (cap)
        out[o < cap ? o : cap - 1] = '\0';
}

pim_status pim_fail(pim_error *err, pim_status st, const char *fmt, ...)
{
    if (err) {
        char raw[sizeof err->msg];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(raw, sizeof raw, fmt, ap);
        va_end(ap);
        /* messages quote names and fields from files: never raw bytes */
        pim_escape_text(raw, err->msg, sizeof err->msg);
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

/* m's `digits` decimal digits (m < 10^digits, leading zeros kept). */
static void decimal_digits(uint64_t m, int digits, char *out)
{
    for (int i = digits - 1; i >= 0; i--, m /= 10)
        out[i] = (char)('0' + m % 10);
}

/* The digit string d (n digits, the first not 0) of a value d.ddd x 10^x,
 * laid out as %g does: fixed notation when -4 <= x < n, else
 * scientific; trailing zeros of the fraction dropped, and the point too
 * when nothing follows it. */
static size_t layout_g(char *out, int negative, const char *d, int n, int x)
{
    char *p = out;
    if (negative)
        *p++ = '-';
    int last = n - 1; /* the last digit kept */
    while (last > 0 && d[last] == '0')
        last--;
    if (x < -4 || x >= n) {
        *p++ = d[0];
        if (last > 0) {
            *p++ = '.';
            memcpy(p, d + 1, (size_t)last);
            p += last;
        }
        *p++ = 'e'; /* then the sign and at least two digits, as printf */
        *p++ = x < 0 ? '-' : '+';
        int ax = abs(x);
        if (ax >= 100)
            *p++ = (char)('0' + ax / 100);
        *p++ = (char)('0' + ax / 10 % 10);
        *p++ = (char)('0' + ax % 10);
        *p = '\0';
        return (size_t)(p - out);
    }
    if (x < 0) { /* 0.000ddd */
        *p++ = '0';
        *p++ = '.';
        for (int i = 0; i < -x - 1; i++)
            *p++ = '0';
        memcpy(p, d, (size_t)last + 1);
        p += last + 1;
    } else {
        memcpy(p, d, (size_t)x + 1); /* the whole part */
        p += x + 1;
        if (last > x) {
            *p++ = '.';
            memcpy(p, d + x + 1, (size_t)(last - x));
            p += last - x;
        }
    }
    *p = '\0';
    return (size_t)(p - out);
}

size_t pim_format_g(char *out, double v, int digits)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    double mag = fabs(v);
    char d[24];
    if (digits >= 1 && digits <= 17 && mag == floor(mag) &&
        mag < pow10[digits < 15 ? digits : 15]) {
        /* a whole number of at most `digits` digits: %g prints it plain */
        int n = 0;
        uint64_t m = (uint64_t)mag;
        do
            d[n++] = (char)('0' + m % 10);
        while ((m /= 10) != 0);
        char *p = out;
        if (signbit(v))
            *p++ = '-';
        while (n)
            *p++ = d[--n];
        *p = '\0';
        return (size_t)(p - out);
    }
    if (digits < 1 || digits > 12 || !isfinite(v) || (mag != 0 && (mag < 1e-200 || mag > 1e200)))
        return (size_t)snprintf(out, PIM_FORMAT_G_MAX, "%.*g", digits, v);
    int b;
    frexp(mag, &b); /* mag in [2^(b-1), 2^b): its decimal exponent, maybe one low */
    int x = (int)floor((b - 1) * 0.30102999566398120);
    for (int tries = 0; tries < 3; tries++) {
        /* mag x 10^p, one correctly rounded operation (10^|p| <= 10^22 is
         * exact): within 0.5 ulp < 1e-4 of the true value below 10^12 */
        int p = digits - 1 - x;
        if (p > 22 || p < -22)
            break;
        double scaled = p >= 0 ? mag * pow10[p] : mag / pow10[-p];
        double whole = floor(scaled), frac = scaled - whole;
        if (fabs(frac - 0.5) < 1e-3)
            break; /* too near a tie to round without the exact value */
        uint64_t m = (uint64_t)whole + (frac > 0.5);
        if (m >= (uint64_t)pow10[digits]) {
            x++; /* log10 was low, or rounding carried into a new digit */
            if (m != (uint64_t)pow10[digits])
                continue;
            m /= 10;
        } else if (m < (uint64_t)pow10[digits - 1]) {
            x--;
            continue;
        }
        decimal_digits(m, digits, d);
        return layout_g(out, signbit(v) != 0, d, digits, x);
    }
    return (size_t)snprintf(out, PIM_FORMAT_G_MAX, "%.*g", digits, v);
}

uint64_t pim_gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

size_t pim_first_largest(const double *v, size_t n)
{
    size_t best = 0;
    for (size_t k = 1; k < n; k++)
        if (v[k] > v[best])
            best = k;
    return best;
}

uint64_t pim_ceil_div(uint64_t a, uint64_t b)
{
    return b ? (a + b - 1) / b : 0;
}

uint64_t pim_split(uint64_t total, uint64_t from, uint64_t to, uint64_t n)
{
    if (!n)
        return from == 0 ? total : 0;
    return pim_mul_div(total, to, n) - pim_mul_div(total, from, n);
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

double pim_wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

unsigned pim_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)(n > 64 ? 64 : n) : 1;
}

int pim_parallel_for(size_t n, unsigned threads, void (*fn)(void *ctx, size_t i), void *ctx)
{
    if (threads == 0)
        threads = pim_cpus();
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
