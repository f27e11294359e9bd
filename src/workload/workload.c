/* pimstream workload: layer metrics and the model container. */
#include "pimstream/workload.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pim_op_kind_name(pim_op_kind k)
{
    switch (k) {
    case PIM_OP_CONV:
        return "conv";
    case PIM_OP_GEMM:
        return "gemm";
    case PIM_OP_DYN_MATMUL:
        return "dynamic_matmul";
    case PIM_OP_VECTOR:
        return "vector";
    }
    return "?";
}

int pim_layer_is_stationary(const pim_layer *l)
{
    return l->kind == PIM_OP_CONV || l->kind == PIM_OP_GEMM;
}

/* Kernel volume and input and output pixels of a conv. */
static uint64_t conv_kernel(const pim_layer *l)
{
    return (uint64_t)l->kh * l->kw * (l->in_d ? l->kd : 1);
}

static uint64_t conv_pixels(const pim_layer *l, int out)
{
    uint64_t d = l->in_d ? (out ? l->out_d : l->in_d) : 1;
    return d * (out ? (uint64_t)l->out_h * l->out_w : (uint64_t)l->in_h * l->in_w);
}

void pim_layer_matrix(const pim_layer *l, pim_matrix *out)
{
    memset(out, 0, sizeof *out);
    if (l->kind == PIM_OP_CONV) {
        uint64_t images = l->images ? l->images : 1;
        out->groups = l->groups;
        if (l->transposed) { /* an input pixel times the kernel of every output channel */
            out->rows = l->in_c / l->groups;
            out->cols = (uint64_t)(l->out_c / l->groups) * conv_kernel(l);
            out->vectors = conv_pixels(l, 0) * images;
        } else {
            out->rows = (uint64_t)(l->in_c / l->groups) * conv_kernel(l);
            out->cols = l->out_c / l->groups;
            out->vectors = conv_pixels(l, 1) * images;
        }
    } else if (l->kind == PIM_OP_GEMM) {
        out->groups = l->heads ? l->heads : 1;
        out->rows = l->k;
        out->cols = l->n;
        out->vectors = l->m;
    }
}

uint64_t pim_layer_weights(const pim_layer *l)
{
    pim_matrix mx;
    pim_layer_matrix(l, &mx);
    return mx.groups * mx.rows * mx.cols;
}

uint64_t pim_layer_macs(const pim_layer *l)
{
    if (l->kind == PIM_OP_DYN_MATMUL)
        return l->heads * l->m * l->k * l->n;
    pim_matrix mx;
    pim_layer_matrix(l, &mx);
    return mx.groups * mx.rows * mx.cols * mx.vectors;
}

void pim_layer_io_elems(const pim_layer *l, uint64_t *in, uint64_t *out)
{
    uint64_t images = l->images ? l->images : 1, heads = l->heads ? l->heads : 1;
    switch (l->kind) {
    case PIM_OP_CONV:
        *in = images * l->in_c * conv_pixels(l, 0);
        *out = images * l->out_c * conv_pixels(l, 1);
        return;
    case PIM_OP_GEMM:
    case PIM_OP_DYN_MATMUL:
        *in = heads * l->m * l->k;
        *out = heads * l->m * l->n;
        return;
    case PIM_OP_VECTOR:
        *in = l->vec_elems;
        *out = l->vec_out ? l->vec_out : l->vec_elems;
        return;
    }
    *in = *out = 0;
}

void pim_layer_shape(const pim_layer *l, char *buf, size_t cap)
{
    switch (l->kind) {
    case PIM_OP_CONV:
        if (l->in_d)
            snprintf(buf, cap, "%ux%ux%ux%u k%ux%ux%u/%u g%u%s -> %ux%ux%ux%u", l->in_c, l->in_d,
                     l->in_h, l->in_w, l->kd, l->kh, l->kw, l->stride_h, l->groups,
                     l->transposed ? " T" : "", l->out_c, l->out_d, l->out_h, l->out_w);
        else
            snprintf(buf, cap, "%ux%ux%u k%ux%u/%u g%u%s -> %ux%ux%u", l->in_c, l->in_h, l->in_w,
                     l->kh, l->kw, l->stride_h, l->groups, l->transposed ? " T" : "", l->out_c,
                     l->out_h, l->out_w);
        break;
    case PIM_OP_GEMM:
        snprintf(buf, cap, "%s%llux%llu . %llux%llu", l->heads > 1 ? "batched " : "",
                 (unsigned long long)l->m, (unsigned long long)l->k, (unsigned long long)l->k,
                 (unsigned long long)l->n);
        break;
    case PIM_OP_DYN_MATMUL:
        snprintf(buf, cap, "%llu x %llux%llu . %llux%llu", (unsigned long long)l->heads,
                 (unsigned long long)l->m, (unsigned long long)l->k, (unsigned long long)l->k,
                 (unsigned long long)l->n);
        break;
    case PIM_OP_VECTOR:
        snprintf(buf, cap, "%s %llu", l->vop, (unsigned long long)l->vec_elems);
        break;
    }
}

void pim_model_init(pim_model *m, const char *name)
{
    memset(m, 0, sizeof *m);
    pim_strlcpy(m->name, name, sizeof m->name);
    m->default_batch = 1;
}

pim_status pim_model_concat(pim_model *out, const pim_model *const *parts, uint32_t n,
                            uint32_t *first, pim_error *err)
{
    char name[1024] = "", full[192]; /* cut to fit the model's and layers' names */
    for (uint32_t i = 0; i < n && strlen(name) + 2 * sizeof parts[i]->name < sizeof name; i++)
        snprintf(name + strlen(name), sizeof name - strlen(name), "%s%s", i ? "+" : "",
                 parts[i]->name);
    pim_model_init(out, name);
    pim_status st = PIM_OK;
    uint32_t *preds = NULL, cap = 0;
    for (uint32_t i = 0; i < n && !st; i++) {
        first[i] = out->count;
        for (uint32_t k = 0; k < parts[i]->count && !st; k++) {
            pim_layer l = parts[i]->layers[k];
            const uint32_t *from = pim_layer_preds(parts[i], &parts[i]->layers[k]);
            if (l.npreds > cap) {
                uint32_t *grown = realloc(preds, l.npreds * sizeof *grown);
                if (!grown) {
                    st = pim_fail(err, PIM_EINTERNAL, "out of memory");
                    break;
                }
                preds = grown;
                cap = l.npreds;
            }
            for (uint32_t p = 0; p < l.npreds; p++)
                preds[p] = from[p] + first[i];
            snprintf(full, sizeof full, "%s/%s", parts[i]->name, parts[i]->layers[k].name);
            pim_strlcpy(l.name, full, sizeof l.name);
            st = pim_model_add(out, &l, preds, l.npreds, err);
        }
    }
    free(preds);
    if (st)
        pim_model_free(out);
    return st;
}

void pim_model_init_from_path(pim_model *m, const char *path)
{
    const char *slash = strrchr(path, '/');
    char name[64];
    pim_strlcpy(name, slash ? slash + 1 : path, sizeof name);
    char *dot = strrchr(name, '.');
    if (dot && dot != name)
        *dot = '\0';
    pim_model_init(m, name);
}

void pim_model_free(pim_model *m)
{
    pim_pool_free(&m->preds);
    free(m->layers);
    m->layers = NULL;
    m->count = m->cap = 0;
}

#define MAX_DIM PIM_MAX_DIM
#define MAX_WEIGHTS PIM_MAX_WEIGHTS
#define MAX_MACS PIM_MAX_MACS

static pim_status check_layer(const pim_model *m, const pim_layer *l, const uint32_t *preds,
                              uint32_t npreds, pim_error *err)
{
    for (uint32_t i = 0; i < npreds; i++)
        if (preds[i] >= m->count)
            return pim_fail(err, PIM_EINPUT, "layer %s: input %u is not an earlier layer", l->name,
                            preds[i]);
    if (l->kind == PIM_OP_GEMM || l->kind == PIM_OP_DYN_MATMUL) {
        uint64_t h = l->heads ? l->heads : 1;
        if (!l->m || !l->k || !l->n || !h || l->m > MAX_DIM || l->k > MAX_DIM || l->n > MAX_DIM ||
            h > MAX_DIM)
            return pim_fail(err, PIM_EINPUT, "layer %s: sizes must be in 1..%u", l->name, MAX_DIM);
    }
    if (l->kind == PIM_OP_VECTOR && (l->vec_elems == 0 || l->vec_elems > MAX_WEIGHTS))
        return pim_fail(err, PIM_EINPUT, "layer %s: elements must be in 1..2^40", l->name);
    /* Products in floating point first: each size is bounded, their product
     * is not, and the integer counts below must not wrap. */
    double h = l->heads ? (double)l->heads : 1.0, weights = 0, macs = 0;
    if (l->kind == PIM_OP_GEMM || l->kind == PIM_OP_DYN_MATMUL) {
        weights = l->kind == PIM_OP_GEMM ? h * (double)l->k * (double)l->n : 0;
        macs = h * (double)l->m * (double)l->k * (double)l->n;
    } else if (l->kind == PIM_OP_CONV) { /* every side is bounded, their products not */
        double d = l->in_d ? 1.0 : 0.0, images = l->images ? l->images : 1;
        double kernel = (double)l->kh * l->kw * (d ? l->kd : 1);
        double in_px = (double)l->in_h * l->in_w * (d ? l->in_d : 1);
        double out_px = (double)l->out_h * l->out_w * (d ? l->out_d : 1);
        weights = (double)l->out_c * (l->in_c / l->groups) * kernel;
        macs = weights * (l->transposed ? in_px : out_px) * images;
        if (images * l->in_c * in_px > (double)MAX_MACS ||
            images * l->out_c * out_px > (double)MAX_MACS)
            return pim_fail(err, PIM_EINPUT, "layer %s: more than 2^48 activation elements",
                            l->name);
    }
    if (weights > (double)MAX_WEIGHTS)
        return pim_fail(err, PIM_EINPUT, "layer %s: more than 2^40 weights", l->name);
    if (macs > (double)MAX_MACS)
        return pim_fail(err, PIM_EINPUT, "layer %s: more than 2^48 MACs per sample", l->name);
    return PIM_OK;
}

const uint32_t *pim_layer_preds(const pim_model *m, const pim_layer *l)
{
    return l->npreds ? m->preds.items + l->pred_first : NULL; /* NULL + 0 is UB */
}

pim_status pim_model_add(pim_model *m, const pim_layer *l, const uint32_t *preds, uint32_t npreds,
                         pim_error *err)
{
    pim_status st = check_layer(m, l, preds, npreds, err);
    if (st)
        return st;
    uint32_t first;
    if (!pim_grow((void **)&m->layers, &m->cap, m->count, sizeof *m->layers) ||
        !pim_pool_add(&m->preds, preds, npreds, &first))
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    pim_layer *added = &m->layers[m->count++];
    *added = *l;
    added->pred_first = first;
    added->npreds = npreds;
    /* names come from files: reports and JSON carry them as UTF-8 text */
    pim_escape_text(l->name, added->name, sizeof added->name);
    return PIM_OK;
}

/* One axis of a conv: its output side, or 0 when the kernel does not fit
 * (transposed: when padding removes everything). */
static uint64_t conv_side(const pim_layer *l, uint32_t in, uint32_t k, uint32_t s, uint32_t dil,
                          uint32_t pb, uint32_t pe, uint32_t out_pad)
{
    int64_t span = (int64_t)dil * (k - 1) + 1;
    if (l->transposed) {
        int64_t out = ((int64_t)in - 1) * s + span + out_pad - pb - pe;
        return out > 0 ? (uint64_t)out : 0;
    }
    int64_t padded = (int64_t)in + pb + pe - span;
    return padded < 0 ? 0 : (uint64_t)(padded / s + 1);
}

static int in_range(uint32_t v, uint32_t lo)
{
    return v >= lo && v <= MAX_DIM;
}

pim_status pim_conv_finish(pim_layer *l, pim_error *err)
{
    int deep = l->in_d != 0;
    if (!in_range(l->in_c, 1) || !in_range(l->in_h, 1) || !in_range(l->in_w, 1) ||
        !in_range(l->out_c, 1) || !in_range(l->kh, 1) || !in_range(l->kw, 1) || !l->groups ||
        (deep && (!in_range(l->in_d, 1) || !in_range(l->kd, 1))))
        return pim_fail(err, PIM_EINPUT, "layer %s: conv sizes must be in 1..%u", l->name, MAX_DIM);
    if (!in_range(l->stride_h, 1) || !in_range(l->stride_w, 1) || !in_range(l->dil_h, 1) ||
        !in_range(l->dil_w, 1) || (deep && (!in_range(l->stride_d, 1) || !in_range(l->dil_d, 1))))
        return pim_fail(err, PIM_EINPUT, "layer %s: stride and dilation must be in 1..%u", l->name,
                        MAX_DIM);
    if (!l->end_pads) {
        l->pad_h_end = l->pad_h;
        l->pad_w_end = l->pad_w;
        l->pad_d_end = l->pad_d;
        l->end_pads = 1;
    }
    const uint32_t pads[] = {l->pad_h,     l->pad_w,     l->pad_h_end, l->pad_w_end, l->pad_d,
                             l->pad_d_end, l->out_pad_h, l->out_pad_w, l->out_pad_d};
    for (size_t i = 0; i < sizeof pads / sizeof pads[0]; i++)
        if (pads[i] > MAX_DIM)
            return pim_fail(err, PIM_EINPUT, "layer %s: padding must be in 0..%u", l->name,
                            MAX_DIM);
    if (l->in_c % l->groups || l->out_c % l->groups)
        return pim_fail(err, PIM_EINPUT, "layer %s: groups (%u) must divide channels %u and %u",
                        l->name, l->groups, l->in_c, l->out_c);
    uint64_t h =
        conv_side(l, l->in_h, l->kh, l->stride_h, l->dil_h, l->pad_h, l->pad_h_end, l->out_pad_h);
    uint64_t w =
        conv_side(l, l->in_w, l->kw, l->stride_w, l->dil_w, l->pad_w, l->pad_w_end, l->out_pad_w);
    uint64_t d = deep ? conv_side(l, l->in_d, l->kd, l->stride_d, l->dil_d, l->pad_d, l->pad_d_end,
                                  l->out_pad_d)
                      : 1;
    if (!h || !w || !d)
        return pim_fail(err, PIM_EINPUT, "layer %s: kernel larger than the padded input", l->name);
    if (h > MAX_DIM || w > MAX_DIM || d > MAX_DIM)
        return pim_fail(err, PIM_EINPUT, "layer %s: output side larger than %u", l->name, MAX_DIM);
    l->out_h = (uint32_t)h;
    l->out_w = (uint32_t)w;
    l->out_d = deep ? (uint32_t)d : 0;
    return PIM_OK;
}

uint64_t pim_model_weights(const pim_model *m)
{
    uint64_t w = 0;
    for (uint32_t i = 0; i < m->count; i++)
        w += pim_layer_weights(&m->layers[i]);
    return w;
}

uint64_t pim_model_macs(const pim_model *m)
{
    uint64_t s = 0;
    for (uint32_t i = 0; i < m->count; i++)
        s += pim_layer_macs(&m->layers[i]);
    return s;
}

uint32_t pim_model_stationary_layers(const pim_model *m)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->count; i++)
        n += pim_layer_is_stationary(&m->layers[i]);
    return n;
}

void pim_model_note(pim_model *m, const char *op)
{
    size_t n = strlen(m->notes), k = strlen(op);
    if (k == 0)
        return;
    const char *p = m->notes;
    while ((p = strstr(p, op))) { /* already noted? */
        if ((p == m->notes || p[-1] == ' ') && (p[k] == '\0' || p[k] == ','))
            return;
        p += k;
    }
    if (n + k + 3 < sizeof m->notes)
        snprintf(m->notes + n, sizeof m->notes - n, "%s%s", n ? ", " : "", op);
}

void pim_model_warn(pim_model *m, const char *fmt, ...)
{
    size_t n = strlen(m->warnings);
    if (n + 4 >= sizeof m->warnings)
        return;
    char raw[sizeof m->warnings];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    if (n)
        n += (size_t)snprintf(m->warnings + n, sizeof m->warnings - n, "; ");
    pim_escape_text(raw, m->warnings + n, sizeof m->warnings - n);
}
