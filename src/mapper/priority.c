/* pimstream mapper: the WWW study's priority-based dataflow
 * (constraints/main.py, v2.2, as FACTS.md 5.2 states it), as constraints:
 * fill the CiM array's columns with N and rows with K, bank N or K across
 * the primitives, hold what fits in each cell's Rh x Ch weights, then
 * tile M, K and N at the shared memory as its capacity allows, and leave
 * the rest to DRAM, each level's loops ordered largest innermost. It is
 * the study's own mapping for any GEMM, to compare with the mapper's
 * optimum; its quirks are kept (the shared memory's capacity read from its
 * width, 256 -> 256 KiB; the growing K tile multiplied by its running
 * factor). */
#include "pimstream/mapper.h"

#include <string.h>

/* the largest divisor of dim not above p */
static uint64_t max_possible_factor(uint64_t dim, uint64_t p)
{
    for (uint64_t f = p < dim ? p : dim; f > 1; f--)
        if (dim % f == 0)
            return f;
    return 1;
}

/* the smallest divisor of x above 1; 0 when x is 1 */
static uint64_t min_factor(uint64_t x)
{
    for (uint64_t f = 2; f <= x; f++)
        if (x % f == 0)
            return f;
    return 0;
}

#define THRESHOLD_RF 4    /* "Kept 32 for SMEM, 4 for RF" (main.py); */
#define THRESHOLD_SMEM 32 /* the register-file runs need 4 (FACTS.md 5.2) */

/* get_bank_factors: one of N or K is spread over the y banks. */
static void bank_factors(uint64_t y, uint64_t n_rem, uint64_t k_rem, uint64_t n_max, uint64_t k_max,
                         uint64_t threshold, uint64_t *n_bank, uint64_t *k_bank)
{
    int k_first = k_max > n_max ? (double)k_max / (double)n_max < (double)threshold
                                : !((double)n_max / (double)k_max < (double)threshold);
    uint64_t p = min_factor(y);
    *n_bank = *k_bank = 1;
    if (!p)
        return;
    if (max_possible_factor(k_first ? k_rem : n_rem, p) == 1)
        k_first = !k_first; /* the first choice cannot take the banks */
    if (max_possible_factor(k_first ? k_rem : n_rem, p) == 1)
        return;
    uint64_t *bank = k_first ? k_bank : n_bank, *other = k_first ? n_bank : k_bank;
    uint64_t rem = k_first ? k_rem : n_rem, dim_max = k_first ? k_max : n_max;
    uint64_t other_max = k_first ? n_max : k_max;
    for (uint64_t left = y, f; (f = min_factor(left)); left /= f) {
        uint64_t g = max_possible_factor(rem / *bank, f);
        if (g == 1 || dim_max * *bank >= threshold * other_max * *other)
            break;
        *bank *= g;
    }
}

/* improvise_K / improvise_N: grow a tile by the smallest factors left
 * while the A and Z tiles fit; grown = &a (K) or &z (N). */
static uint64_t improvise(uint64_t cap, uint64_t a, uint64_t z, int grow_z, uint64_t rem)
{
    uint64_t factor = 1, f = 0;
    int on_capacity = 0;
    while (1) {
        if (a + z > cap) {
            on_capacity = 1;
            break;
        }
        if (!(f = min_factor(rem / factor)))
            break;
        if (grow_z)
            z = f * factor * z;
        else
            a = f * factor * a;
        factor *= f;
    }
    return on_capacity && f ? factor / f : factor;
}

/* get_permutation: innermost first, the largest factor innermost. */
static const char *permutation(uint64_t m, uint64_t n, uint64_t k)
{
    if (m > n)
        return n > k ? "MNK" : m > k ? "MKN" : "KMN";
    return n < k ? "KNM" : m > k ? "NMK" : "NKM";
}

static void fix(pim_hlevel *l, uint64_t m, uint64_t n, uint64_t k, const char *perm)
{
    l->fixed[PIM_DIM_M] = m;
    l->fixed[PIM_DIM_N] = n;
    l->fixed[PIM_DIM_K] = k;
    l->max[PIM_DIM_M] = l->max[PIM_DIM_N] = l->max[PIM_DIM_K] = 0;
    if (perm)
        pim_strlcpy(l->permutation, perm, sizeof l->permutation);
}

pim_status pim_priority_constrain(pim_hier *h, const pim_gemm *g, pim_error *err)
{
    const pim_cim_primitive *p = &h->cim;
    uint32_t arr = h->cim_first;
    if (!p->name[0] || arr < 2 || h->level[arr - 1].kind != PIM_HL_FANOUT)
        return pim_fail(err, PIM_EINPUT,
                        "--constraints priority: %s is not a CiM design of the study's shape "
                        "(a bank fan-out over a CiM primitive)",
                        h->name);
    pim_hlevel *bank = &h->level[arr - 1];
    int smem = -1; /* a storage level between the backing store and the banks */
    for (uint32_t i = 1; i + 1 < arr; i++)
        if (h->level[i].kind == PIM_HL_STORAGE)
            smem = (int)i;
    uint64_t threshold = smem >= 0 ? THRESHOLD_RF : THRESHOLD_SMEM;
    uint64_t nc = max_possible_factor(g->n, p->cp), kc = max_possible_factor(g->k, p->rp);
    uint64_t n_rem = g->n / nc, k_rem = g->k / kc, nb, kb;
    fix(&h->level[arr], 1, nc, kc, NULL);
    bank_factors((uint64_t)bank->mesh_x * bank->mesh_y, n_rem, k_rem, (uint64_t)p->ch * p->cp,
                 (uint64_t)p->rh * p->rp, threshold, &nb, &kb);
    fix(bank, 1, nb, kb, NULL);
    n_rem /= nb, k_rem /= kb;
    uint64_t nh = max_possible_factor(n_rem, p->ch), kh = max_possible_factor(k_rem, p->rh);
    fix(&h->level[arr + 3], 1, nh, kh, "MKN");
    n_rem /= nh, k_rem /= kh;
    uint64_t m_rem = g->m;
    if (smem >= 0) {
        /* the study passes the SMEM's width in bits (256) as KB */
        uint64_t cap = 256 * 1024, n_used = g->n / n_rem, k_used = g->k / k_rem;
        uint64_t m1 = max_possible_factor(g->m, cap / (k_used + n_used));
        uint64_t k1 = improvise(cap, k_used * m1, n_used * m1, 0, k_rem);
        uint64_t n1 = improvise(cap, k_used * k1 * m1, n_used * m1, 1, n_rem);
        fix(&h->level[smem], m1, n1, k1, permutation(m1, n1, k1));
        m_rem /= m1, n_rem /= n1, k_rem /= k1;
    }
    fix(&h->level[0], m_rem, n_rem, k_rem, permutation(m_rem, n_rem, k_rem));
    return pim_hier_validate(h, err);
}
