/* The benchmarks' yardstick: a bare binary min-heap of doubles doing 20 M
 * push/pop pairs, the operation at the core of an event simulator.
 * Machines here are shared and noisy, so bench/run.sh times it in the same
 * run as the simulator and reports the simulator's times as multiples of
 * it. Prints its own wall time in seconds. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void push(double *h, size_t *n, double v)
{
    size_t i = (*n)++;
    while (i && h[(i - 1) / 2] > v) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = v;
}

static double pop(double *h, size_t *n)
{
    double top = h[0], v = h[--*n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h[c + 1] < h[c])
            c++;
        if (h[c] >= v)
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = v;
    return top;
}

int main(void)
{
    enum { SIZE = 1 << 16, PAIRS = 20000000 };
    double *h = malloc(SIZE * sizeof *h);
    if (!h)
        return 1;
    size_t n = 0;
    uint64_t x = 88172645463325252ull; /* xorshift64: the same work every run */
    for (int i = 0; i < SIZE / 2; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        push(h, &n, (double)(x >> 11));
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    double sum = 0;
    for (int i = 0; i < PAIRS; i++) {
        double now = pop(h, &n);
        sum += now;
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        push(h, &n, now + (double)(x >> 40)); /* events scheduled after now */
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%.6f\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
    fprintf(stderr, "checksum %g\n", sum);
    free(h);
    return 0;
}
