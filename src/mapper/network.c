/* pimstream mapper: a whole network, layer by layer.
 *
 * Layers of the same shape share one search; distinct shapes are searched
 * on threads (each search is independent and deterministic, so the result
 * does not depend on the thread count). */
#include "pimstream/mapper.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

pim_status pim_model_gemms(const pim_model *m, uint64_t batch, pim_gemm **out, uint32_t *n,
                           pim_error *err)
{
    *out = NULL;
    *n = 0;
    uint32_t count = pim_model_stationary_layers(m);
    if (!count)
        return pim_fail(err, PIM_EINPUT, "%s: no layer with stationary weights to map", m->name);
    pim_gemm *g = pim_xcalloc(count, sizeof *g);
    if (!g)
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    for (uint32_t i = 0; i < m->count; i++) {
        const pim_layer *l = &m->layers[i];
        if (!pim_layer_is_stationary(l))
            continue;
        pim_matrix mx;
        pim_layer_matrix(l, &mx);
        pim_gemm *x = &g[(*n)++];
        pim_strlcpy(x->name, l->name, sizeof x->name);
        x->m = mx.vectors * batch;
        x->n = mx.cols;
        x->k = mx.rows;
        x->repeat = mx.groups;
        if (x->m > (1ull << 40) || x->m * x->n > (1ull << 50) ||
            x->m * x->n * x->k > (1ull << 60)) {
            free(g);
            return pim_fail(err, PIM_EINPUT, "%s: layer %s at batch %llu is too large to map",
                            m->name, l->name, (unsigned long long)batch);
        }
    }
    *out = g;
    return PIM_OK;
}

typedef struct {
    const pim_hier *h;
    pim_mapper_network *net;
    pim_mapper_objective objective;
    int priority;       /* the study's dataflow constrains each layer */
    uint32_t *distinct; /* layer indices to search */
    pim_status *status;
    pim_error *errors;
} job;

static void search_one(void *ctx, size_t i)
{
    job *j = ctx;
    pim_mapper_layer *l = &j->net->layers[j->distinct[i]];
    if (!j->priority) {
        j->status[i] = pim_mapper_search_within(j->h, &l->gemm, j->objective, j->net->budget,
                                                &l->best, &j->errors[i]);
        return;
    }
    pim_hier *own = pim_xcalloc(1, sizeof *own);
    if (!own) {
        j->status[i] = pim_fail(&j->errors[i], PIM_EINTERNAL, "out of memory");
        return;
    }
    *own = *j->h;
    j->status[i] = pim_priority_constrain(own, &l->gemm, &j->errors[i]);
    if (!j->status[i])
        j->status[i] = pim_mapper_search_within(own, &l->gemm, j->objective, j->net->budget,
                                                &l->best, &j->errors[i]);
    free(own);
}

static void totals(pim_mapper_network *net)
{
    for (uint32_t i = 0; i < net->count; i++) {
        pim_mapper_layer *l = &net->layers[i];
        if (l->same_as != i)
            l->best = net->layers[l->same_as].best;
        else {
            net->considered += l->best.considered, net->pruned += l->best.pruned;
            net->weighed += l->best.weighed, net->stopped += (uint32_t)l->best.stopped;
        }
        if (!l->best.found) {
            net->unmapped++;
            continue;
        }
        double r = (double)l->gemm.repeat;
        net->macs += l->gemm.repeat * l->best.result.macs;
        net->cycles += r * l->best.result.cycles;
        net->unscaled_cycles += r * (double)l->best.result.unscaled_cycles;
        net->energy_pj += r * l->best.result.energy_pj;
        net->unscaled_energy_pj += r * l->best.result.unscaled_energy_pj;
    }
}

static int same_shape(const pim_gemm *a, const pim_gemm *b)
{
    return a->m == b->m && a->n == b->n && a->k == b->k;
}

static pim_status search_all(const pim_hier *h, pim_mapper_objective o, int priority,
                             unsigned threads, pim_mapper_network *net, pim_error *err)
{
    uint32_t *distinct = pim_xcalloc(net->count, sizeof *distinct), nd = 0;
    pim_status *status = pim_xcalloc(net->count, sizeof *status);
    pim_error *errors = pim_xcalloc(net->count, sizeof *errors);
    pim_status st =
        distinct && status && errors ? PIM_OK : pim_fail(err, PIM_EINTERNAL, "out of memory");
    for (uint32_t i = 0; i < net->count && !st; i++) {
        net->layers[i].same_as = i;
        for (uint32_t k = 0; k < nd; k++)
            if (same_shape(&net->layers[distinct[k]].gemm, &net->layers[i].gemm)) {
                net->layers[i].same_as = distinct[k];
                break;
            }
        if (net->layers[i].same_as == i)
            distinct[nd++] = i;
    }
    if (!st) {
        job j = {h, net, o, priority, distinct, status, errors};
        pim_parallel_for(nd, threads, search_one, &j);
        for (uint32_t k = 0; k < nd && !st; k++)
            if (status[k])
                st = pim_fail(err, status[k], "%s", errors[k].msg);
    }
    free(distinct);
    free(status);
    free(errors);
    return st;
}

static pim_status run_network(const pim_hier *h, const pim_gemm *gemms, uint32_t n,
                              pim_mapper_objective o, const pim_mapping *given, int priority,
                              const pim_mapper_run *run, pim_mapper_network *out, pim_error *err)
{
    double t0 = pim_wall_seconds();
    memset(out, 0, sizeof *out);
    out->budget = run->budget;
    if (given && n != 1)
        return pim_fail(err, PIM_EINPUT,
                        "--mapping: the model has %u layers to map; a mapping fits one GEMM "
                        "(--model gemm:M,N,K)",
                        n);
    out->layers = pim_xcalloc(n ? n : 1, sizeof *out->layers);
    if (!out->layers)
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    out->count = n;
    for (uint32_t i = 0; i < n; i++)
        out->layers[i].gemm = gemms[i];
    pim_status st = PIM_OK;
    if (given) {
        out->given = 1;
        pim_mapper_layer *l = &out->layers[0];
        l->best.mapping = *given;
        l->best.found = 1;
        l->best.considered = 1;
        pim_nest_eval(h, &l->gemm, given, &l->best.result);
    } else {
        st = search_all(h, o, priority, run->threads, out, err);
    }
    if (st) {
        pim_mapper_network_free(out);
        return st;
    }
    totals(out);
    out->seconds = pim_wall_seconds() - t0;
    return PIM_OK;
}

pim_status pim_mapper_network_run(const pim_hier *h, const pim_gemm *gemms, uint32_t n,
                                  pim_mapper_objective o, const pim_mapping *given,
                                  const pim_mapper_run *run, pim_mapper_network *out,
                                  pim_error *err)
{
    return run_network(h, gemms, n, o, given, 0, run, out, err);
}

pim_status pim_mapper_network_priority(const pim_hier *h, const pim_gemm *gemms, uint32_t n,
                                       pim_mapper_objective o, const pim_mapper_run *run,
                                       pim_mapper_network *out, pim_error *err)
{
    return run_network(h, gemms, n, o, NULL, 1, run, out, err);
}

void pim_mapper_network_free(pim_mapper_network *net)
{
    free(net->layers);
    memset(net, 0, sizeof *net);
}
