/* Private to src/workload: the ONNX importer's tensor table, shared by the
 * graph walk (onnx.c) and the operator rules (onnx_ops.c). */
#ifndef PIMSTREAM_ONNX_INTERNAL_H
#define PIMSTREAM_ONNX_INTERNAL_H

#include "onnx.pb-c.h"
#include "pimstream/workload.h"

#define ONNX_MAX_RANK 8
#define PIM_MAX_PREDS 16
/* Integer tensors up to this many elements keep their values, so the
 * shape arithmetic exporters put in graphs can be evaluated at import. */
#define ONNX_MAX_VALUES 1024

typedef struct {
    const char *name;
    int known; /* shape known */
    int rank;
    int64_t dims[ONNX_MAX_RANK];
    int dynamic; /* depends on a data input (an activation), not only on weights */
    int has_values;
    int64_t *values;                   /* integer values when has_values */
    uint32_t producers[PIM_MAX_PREDS]; /* layers this tensor's data comes from */
    uint32_t nproducers;
} onnx_tensor;

typedef struct {
    onnx_tensor *t;
    uint32_t count, cap;
    uint32_t *slots; /* open-addressing hash of names -> index + 1 */
    uint32_t nslots;
    pim_model *model;
    const char *origin;
    int opset;
    pim_error *err;
} onnx_importer;

typedef struct {
    const Onnx__NodeProto *node;
    onnx_tensor *in[16]; /* NULL for an absent optional input */
    uint32_t nin;
} onnx_node;

/* onnx.c */
onnx_tensor *onnx_find(onnx_importer *im, const char *name);
onnx_tensor *onnx_define(onnx_importer *im, const char *name);
pim_status onnx_node_fail(onnx_importer *im, const onnx_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int64_t onnx_numel(const onnx_tensor *t);
int onnx_set_values(onnx_tensor *t, const int64_t *v, int64_t n);
/* Merge the producers of `from` into `to`, dropping those implied by others
 * (ancestors); 0 when more than PIM_MAX_PREDS independent ones remain. */
int onnx_merge_producers(onnx_importer *im, onnx_tensor *to, const onnx_tensor *from);
/* Emit a layer whose inputs are the node's dynamic inputs. */
pim_status onnx_emit(onnx_importer *im, const onnx_node *n, pim_layer *l, onnx_tensor *out);

const Onnx__AttributeProto *onnx_attr(const onnx_node *n, const char *name);
int64_t onnx_attr_int(const onnx_node *n, const char *name, int64_t dflt);
/* Copies up to `cap` ints; returns how many the attribute has, -1 if absent. */
int onnx_attr_ints(const onnx_node *n, const char *name, int64_t *out, int cap);
const char *onnx_attr_str(const onnx_node *n, const char *name, const char *dflt);
/* Shape and integer values of a TensorProto (initializer or attribute). */
pim_status onnx_tensor_from_proto(onnx_importer *im, const Onnx__TensorProto *p, onnx_tensor *t);

/* onnx_ops.c: apply one node; defines its outputs. */
pim_status onnx_apply(onnx_importer *im, const onnx_node *n);
/* Ops whose input 0 is an activation by definition: they mark data inputs. */
int onnx_activation_slot(const char *op, uint32_t input);
/* Ops that only reshape or copy input 0: activation-ness flows through. */
int onnx_is_passthrough(const char *op);

#endif
