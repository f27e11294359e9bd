/* pimstream base: a string -> index map (open addressing, FNV-1a), for
 * name lookups that must stay linear in the size of a model, and pools of
 * index lists (a graph's edges without a cap per node). */
#include "pimstream/base.h"

#include <stdlib.h>
#include <string.h>

static uint32_t hash_name(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The slot holding key, or the empty slot where it would go. */
static uint32_t find_slot(const pim_strmap *m, const char *key)
{
    uint32_t i = hash_name(key) & (m->nslots - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->nslots - 1);
    return i;
}

int pim_strmap_get(const pim_strmap *m, const char *key, uint32_t *value)
{
    if (!m->nslots)
        return 0;
    uint32_t i = find_slot(m, key);
    if (!m->keys[i])
        return 0;
    *value = m->values[i];
    return 1;
}

static int rehash(pim_strmap *m, uint32_t nslots)
{
    pim_strmap grown = {calloc(nslots, sizeof(char *)), calloc(nslots, sizeof(uint32_t)), nslots,
                        m->count};
    if (!grown.keys || !grown.values) {
        free(grown.keys);
        free(grown.values);
        return 0;
    }
    for (uint32_t k = 0; k < m->nslots; k++)
        if (m->keys[k]) {
            uint32_t i = find_slot(&grown, m->keys[k]);
            grown.keys[i] = m->keys[k];
            grown.values[i] = m->values[k];
        }
    free(m->keys);
    free(m->values);
    *m = grown;
    return 1;
}

int pim_strmap_put(pim_strmap *m, const char *key, uint32_t value)
{
    if ((uint64_t)(m->count + 1) * 2 > m->nslots &&
        (m->nslots >= (1u << 31) || !rehash(m, m->nslots ? m->nslots * 2 : 64)))
        return 0;
    uint32_t i = find_slot(m, key);
    if (!m->keys[i]) {
        if (!(m->keys[i] = strdup(key)))
            return 0;
        m->count++;
    }
    m->values[i] = value;
    return 1;
}

void pim_strmap_free(pim_strmap *m)
{
    for (uint32_t i = 0; i < m->nslots; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}

int pim_pool_add(pim_pool *p, const uint32_t *v, uint32_t n, uint32_t *first)
{
    if (n > UINT32_MAX / 2 - p->count)
        return 0;
    if (p->count + n > p->cap || !p->items) { /* items exist after any add, even of none */
        uint32_t cap = p->cap ? p->cap : 64;
        while (cap < p->count + n)
            cap *= 2;
        uint32_t *grown = pim_xrealloc(p->items, cap, sizeof *grown);
        if (!grown)
            return 0;
        p->items = grown;
        p->cap = cap;
    }
    if (n)
        memcpy(p->items + p->count, v, (size_t)n * sizeof *v);
    *first = p->count;
    p->count += n;
    return 1;
}

void pim_pool_free(pim_pool *p)
{
    free(p->items);
    memset(p, 0, sizeof *p);
}
