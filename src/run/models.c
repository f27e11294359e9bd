/* pimstream run: several models at once on one chip (Floret's concurrent
 * workloads): each model's own pipeline figures, and which network links
 * their transfers shared. */
#include "run_internal.h"

#include <stdlib.h>
#include <string.h>

static uint32_t model_of(const model_traffic *m, uint32_t layer)
{
    uint32_t k = 0;
    while (k + 1 < m->nmodels && layer >= m->first[k + 1])
        k++;
    return k;
}

static void fwd_interval(void *ud, uint32_t macro, int writing, double t0, double t1,
                         uint64_t bytes, uint32_t layer)
{
    const model_traffic *m = ud;
    if (m->inner && m->inner->interval)
        m->inner->interval(m->inner->ud, macro, writing, t0, t1, bytes, layer);
}

static void fwd_channel(void *ud, double t0, double t1, double rate)
{
    const model_traffic *m = ud;
    if (m->inner && m->inner->channel)
        m->inner->channel(m->inner->ud, t0, t1, rate);
}

/* Every transfer's bytes on every link of its route, by model. */
static void on_transfer(void *ud, uint32_t from, uint32_t to, double t0, double t1, double bytes,
                        uint32_t layer)
{
    model_traffic *m = ud;
    if (m->inner && m->inner->transfer)
        m->inner->transfer(m->inner->ud, from, to, t0, t1, bytes, layer);
    uint32_t hops = pim_noc_route(m->noc, from, to, m->route), k = model_of(m, layer);
    for (uint32_t h = 0; h < hops; h++)
        m->bytes[(size_t)k * m->noc->nlinks + m->route[h]] += bytes;
}

pim_status pim_run_models_watch(const pim_run_config *c, const pim_noc *n, model_traffic *m,
                                pim_error *err)
{
    memset(m, 0, sizeof *m);
    m->inner = c->obs;
    m->noc = n;
    m->first = c->model_first;
    m->nmodels = c->nmodels;
    m->bytes = calloc((size_t)c->nmodels * (n->nlinks ? n->nlinks : 1), sizeof *m->bytes);
    m->route = malloc((n->diameter + 1) * sizeof *m->route);
    m->obs = (pim_sim_observer){m, fwd_interval, fwd_channel, on_transfer, NULL};
    if (m->bytes && m->route)
        return PIM_OK;
    pim_run_models_free(m);
    return pim_fail(err, PIM_EINTERNAL, "out of memory");
}

void pim_run_models_free(model_traffic *m)
{
    free(m->bytes);
    free(m->route);
    m->bytes = NULL;
    m->route = NULL;
}

/* Completions per second once a pipeline is full: its batch's first to
 * last image (0 with one image). */
double pim_run_steady_rate(const double *done, uint32_t images, double clock_hz)
{
    if (images < 2)
        return 0;
    double first = done[0], last = done[0];
    for (uint32_t i = 1; i < images; i++) {
        first = done[i] < first ? done[i] : first;
        last = done[i] > last ? done[i] : last;
    }
    return last > first ? (double)(images - 1) / (last - first) * clock_hz : 0;
}

/* Model k's pipeline: when its batch was done, its rates. */
static void model_pipeline(const pim_run_config *c, pim_run_result *out, uint32_t k,
                           double *image_done)
{
    pim_model_run *mr = &out->models[k];
    const pim_sim_result *s = &out->sim;
    double clock = c->arch->clock_mhz * 1e6;
    for (uint32_t i = 0; i < s->images; i++)
        image_done[i] = 0;
    for (uint32_t l = mr->first; l < mr->first + mr->count; l++) {
        mr->done = s->layer_done[l] > mr->done ? s->layer_done[l] : mr->done;
        for (uint32_t i = 0; i < s->images; i++) {
            double t = s->layer_image_done[(size_t)l * s->images + i];
            image_done[i] = t > image_done[i] ? t : image_done[i];
        }
    }
    if (mr->done > 0)
        mr->inferences_per_second = (double)out->batch / mr->done * clock;
    mr->steady_inferences_per_second = pim_run_steady_rate(image_done, s->images, clock);
}

/* Links that carried more than one model's bytes, and each model's share
 * of its traffic that met another's. */
static void shared_links(pim_run_result *out, const model_traffic *m)
{
    uint32_t links = m->noc ? m->noc->nlinks : 0;
    for (uint32_t l = 0; l < links; l++) {
        uint32_t users = 0;
        for (uint32_t k = 0; k < m->nmodels; k++)
            users += m->bytes[(size_t)k * links + l] > 0;
        out->shared_links += users > 1;
        for (uint32_t k = 0; k < m->nmodels; k++) {
            double b = m->bytes[(size_t)k * links + l];
            out->models[k].link_bytes += b;
            out->models[k].shared_bytes += users > 1 ? b : 0;
        }
    }
}

pim_status pim_run_models_finish(const pim_run_config *c, pim_run_result *out,
                                 const model_traffic *m, pim_error *err)
{
    out->models = calloc(c->nmodels, sizeof *out->models);
    double *image_done = calloc(out->sim.images ? out->sim.images : 1, sizeof *image_done);
    if (!out->models || !image_done) {
        free(image_done);
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    }
    out->nmodels = c->nmodels;
    for (uint32_t k = 0; k < c->nmodels; k++) {
        pim_model_run *mr = &out->models[k];
        pim_strlcpy(mr->name, c->model_names[k], sizeof mr->name);
        mr->first = c->model_first[k];
        mr->count = (k + 1 < c->nmodels ? c->model_first[k + 1] : c->model->count) - mr->first;
        model_pipeline(c, out, k, image_done);
    }
    free(image_done);
    if (m->bytes)
        shared_links(out, m);
    return PIM_OK;
}
