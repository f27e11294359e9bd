/* pimstream workload: the operator graph of a network.
 *
 * Layers are stored in a topological order; each names its producers
 * (preds), so residual and concat edges survive. Weight-stationary layers
 * (conv, gemm) lower to one weight matrix per group applied to a number of
 * input vectors; dynamic matmuls and vector ops run on digital units. */
#ifndef PIMSTREAM_WORKLOAD_H
#define PIMSTREAM_WORKLOAD_H

#include "pimstream/base.h"

typedef enum {
    PIM_OP_CONV,
    PIM_OP_GEMM,       /* stationary weight matrix */
    PIM_OP_DYN_MATMUL, /* both operands are activations (attention) */
    PIM_OP_VECTOR      /* pooling, normalisation, activation, softmax, add */
} pim_op_kind;

/* Sizes past these are not networks but typos; they also keep every
 * product of the lowering inside 64 bits. Every importer checks against
 * them (pim_model_add, pim_conv_finish). */
#define PIM_MAX_DIM (1u << 24)
#define PIM_MAX_WEIGHTS (1ull << 40)
#define PIM_MAX_MACS (1ull << 48)

typedef struct {
    char name[64];
    pim_op_kind kind;
    char vop[24]; /* vector: which operation (reported only) */
    /* conv: input C x H x W, K filters of kh x kw, out_h x out_w */
    uint32_t in_c, in_h, in_w, out_c, kh, kw;
    uint32_t stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, groups;
    /* ONNX pads may differ at the end; when end_pads is 0 they equal pad_h/w */
    uint32_t pad_h_end, pad_w_end, end_pads;
    uint32_t images; /* conv: images in one sample (an ONNX batch); 0 means 1 */
    uint32_t out_h, out_w;
    /* conv in 3-D: a depth axis (in_d 0: none, a 2-D or 1-D conv) */
    uint32_t in_d, kd, stride_d, pad_d, pad_d_end, dil_d, out_d;
    /* transposed conv (ConvTranspose): every input pixel scatters its
     * kernel, so the weight matrix is (in_c / groups) x (out_c / groups x
     * kernel) applied to the input pixels; output_padding per axis */
    uint32_t transposed, out_pad_d, out_pad_h, out_pad_w;
    /* gemm: m vectors of length k times a k x n weight, per sample, for
     * each of `heads` independent weights (batched weights; 0 means 1);
     * dynamic matmul: heads x (m x k) . (k x n) */
    uint64_t m, k, n, heads;
    uint64_t vec_elems; /* vector: elements touched per sample */
    uint64_t vec_out;   /* vector: elements written per sample (0: vec_elems); a pooling
                         * layer writes fewer than it reads */
    uint32_t kv_cache;  /* dynamic matmul: its k x n operand (past K or V) is read
                         * from off-chip memory, a decoder's KV cache */
    /* producers: npreds layer indices at pred_first in the model's pool
     * (pim_layer_preds); set by pim_model_add */
    uint32_t pred_first, npreds;
} pim_layer;

typedef struct {
    char name[64];
    char notes[256];        /* unknown operators the importer took as vector ops */
    char warnings[512];     /* importer warnings ("file:line: ..."; "; " between) */
    uint64_t default_batch; /* used when the run gives no --batch */
    pim_layer *layers;
    uint32_t count, cap;
    pim_pool preds; /* every layer's producers, end to end */
} pim_model;

/* The weight matrix a stationary layer lowers to. */
typedef struct {
    uint64_t rows; /* reduction length per group */
    uint64_t cols; /* outputs per group */
    uint64_t groups;
    uint64_t vectors; /* input vectors per sample */
} pim_matrix;

const char *pim_op_kind_name(pim_op_kind k);
int pim_layer_is_stationary(const pim_layer *l);
void pim_layer_matrix(const pim_layer *l, pim_matrix *out);
uint64_t pim_layer_weights(const pim_layer *l);
uint64_t pim_layer_macs(const pim_layer *l); /* per sample */
/* Activation elements a layer reads and writes, per sample. */
void pim_layer_io_elems(const pim_layer *l, uint64_t *in, uint64_t *out);
void pim_layer_shape(const pim_layer *l, char *buf, size_t cap);

void pim_model_init(pim_model *m, const char *name);
/* Named after a file: its base name without the extension. */
void pim_model_init_from_path(pim_model *m, const char *path);
void pim_model_free(pim_model *m);
/* Append a layer whose producers are the npreds earlier layers in preds. */
pim_status pim_model_add(pim_model *m, const pim_layer *l, const uint32_t *preds, uint32_t npreds,
                         pim_error *err);
/* The producers of layer l of m (l->npreds of them). */
const uint32_t *pim_layer_preds(const pim_model *m, const pim_layer *l);
/* Conv output sides; fails on a non-positive result. */
pim_status pim_conv_finish(pim_layer *l, pim_error *err);
/* Several models as one, to run at once (each its own graph): layers
 * named "<model>/<layer>", the models' names joined by '+'. first[i] is
 * where model i's layers start (n entries). */
pim_status pim_model_concat(pim_model *out, const pim_model *const *parts, uint32_t n,
                            uint32_t *first, pim_error *err);
uint64_t pim_model_weights(const pim_model *m);
uint64_t pim_model_macs(const pim_model *m);
uint32_t pim_model_stationary_layers(const pim_model *m);

/* Zoo and files. */
/* Options for zoo transformers; 0 means the model's default. */
typedef struct {
    uint64_t kv_len;  /* decoders: cached tokens each new token attends to */
    uint64_t seq_len; /* encoders and prefill: tokens per sequence */
} pim_zoo_opts;

size_t pim_zoo_count(void);
const char *pim_zoo_name(size_t i);
const char *pim_zoo_summary(size_t i);
pim_status pim_zoo_build(const char *name, const pim_zoo_opts *o, pim_model *out, pim_error *err);
/* Note an unknown elementwise operator the importer accepted (once each). */
void pim_model_note(pim_model *m, const char *op);
/* Record a warning about the input (kept in order, as many as fit). */
void pim_model_warn(pim_model *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
pim_status pim_model_from_onnx(const void *data, size_t len, const char *origin, pim_model *out,
                               pim_error *err);
/* Network CSVs: a SCALE-Sim topology (its format told by the header), or
 * a NeuroSim network file with its layers' output sides as NeuroSim's
 * PyTorch front end pads them (input / stride) or as its C++ estimator
 * counts them ((input - kernel + 1) / stride, no padding). */
typedef enum { PIM_CSV_SCALESIM, PIM_CSV_NEUROSIM, PIM_CSV_NEUROSIM_ESTIMATOR } pim_csv_format;
pim_status pim_model_from_csv(const char *text, size_t len, const char *origin, pim_csv_format fmt,
                              pim_model *out, pim_error *err);
pim_status pim_model_from_yaml(const char *text, size_t len, const char *origin, pim_model *out,
                               pim_error *err);
/* A zoo name or a file. `format` is NULL (by extension: .onnx, .csv as
 * SCALE-Sim, .yaml/.yml), or one of onnx, scalesim, neurosim,
 * neurosim-estimator, yaml. */
pim_status pim_model_load(const char *name_or_path, const char *format, const pim_zoo_opts *zoo,
                          pim_model *out, pim_error *err);

#endif
