/* pimstream base: a binary min-heap of (time, key) events. */
#include "pimstream/base.h"

#include <stdlib.h>

int pim_heap_init(pim_heap *h, uint32_t cap)
{
    h->count = 0;
    h->cap = cap < 16 ? 16 : cap;
    h->items = malloc(h->cap * sizeof *h->items);
    return h->items != NULL;
}

void pim_heap_free(pim_heap *h)
{
    free(h->items);
    h->items = NULL;
}

int pim_heap_push(pim_heap *h, double t, uint64_t key)
{
    if (h->count == h->cap) {
        pim_event *grown = realloc(h->items, 2 * (size_t)h->cap * sizeof *grown);
        if (!grown)
            return 0;
        h->items = grown;
        h->cap *= 2;
    }
    pim_event e = {t, key};
    uint32_t i = h->count++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!pim_event_before(&e, &h->items[parent]))
            break;
        h->items[i] = h->items[parent];
        i = parent;
    }
    h->items[i] = e;
    return 1;
}

/* Put e at hole i or below it: the smaller child climbs while it is
 * before e. */
static void sift_down(pim_heap *h, uint32_t i, pim_event e)
{
    uint32_t n = h->count;
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && pim_event_before(&h->items[child + 1], &h->items[child]))
            child++;
        if (!pim_event_before(&h->items[child], &e))
            break;
        h->items[i] = h->items[child];
        i = child;
    }
    h->items[i] = e;
}

pim_event pim_heap_pop(pim_heap *h)
{
    pim_event top = h->items[0];
    pim_event last = h->items[--h->count];
    if (h->count)
        sift_down(h, 0, last);
    return top;
}

void pim_heap_replace_top(pim_heap *h, double t, uint64_t key)
{
    sift_down(h, 0, (pim_event){t, key});
}

/* Floyd's bottom-up heap construction: sift every parent down, O(n). */
void pim_heap_rebuild(pim_heap *h)
{
    for (uint32_t i = h->count / 2; i-- > 0;)
        sift_down(h, i, h->items[i]);
}
