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
 * before e. `unpredictable` picks that child without a branch (child +=
 * a flag), for replace_top: a macro's next step is sifted in at a time no
 * pattern relates to the others', so the branch is mispredicted about
 * half the time (ResNet-18 on one thread 2.37x -> 1.93x the yardstick; a
 * search on 16 macros at batch 16 25% faster: BENCHMARKS.md). Pops keep
 * the branch: there the heap's last item sinks along paths the predictor
 * learns, and the branch-free form's longer chain of dependent loads made
 * llama2-7b-decode 30% slower when every sift went without it. Inlined
 * with a constant flag, each caller gets its own loop. */
static inline void sift_down(pim_heap *h, uint32_t i, pim_event e, int unpredictable)
{
    uint32_t n = h->count;
    for (;;) {
        uint32_t child = 2 * i + 1;
        if (child >= n)
            break;
        const pim_event *l = &h->items[child], *r = l + 1;
        if (child + 1 < n) {
            if (unpredictable)
                child += pim_event_before_flag(r, l);
            else if (pim_event_before(r, l))
                child++;
        }
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
        sift_down(h, 0, last, 0);
    return top;
}

void pim_heap_replace_top(pim_heap *h, double t, uint64_t key)
{
    sift_down(h, 0, (pim_event){t, key}, 1);
}

/* Floyd's bottom-up heap construction: sift every parent down, O(n). */
void pim_heap_rebuild(pim_heap *h)
{
    for (uint32_t i = h->count / 2; i-- > 0;)
        sift_down(h, i, h->items[i], 0);
}
