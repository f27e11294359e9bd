/* Private to src/sim: a binary min-heap of (time, key) events. Ties break
 * on the key, so equal inputs always replay in the same order. */
#ifndef PIMSTREAM_SIM_HEAP_H
#define PIMSTREAM_SIM_HEAP_H

#include <stdint.h>

typedef struct {
    double t;
    uint64_t key;
} pim_event;

typedef struct {
    pim_event *items;
    uint32_t count, cap;
} pim_heap;

int pim_heap_init(pim_heap *h, uint32_t cap);
void pim_heap_free(pim_heap *h);
int pim_heap_push(pim_heap *h, double t, uint64_t key);
pim_event pim_heap_pop(pim_heap *h);

static inline int pim_event_before(const pim_event *a, const pim_event *b)
{
    return a->t < b->t || (a->t == b->t && a->key < b->key);
}

#endif
