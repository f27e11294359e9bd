/* pimstream tests: ONNX graphs built in memory with protobuf-c, as small
 * stand-ins for what exporters write (dense blocks, window attention,
 * inverted residuals, grouped convs, vision transformers, every operator
 * the importer knows). Everything a graph allocates is freed with it. */
#ifndef PIMSTREAM_ONNX_BUILD_H
#define PIMSTREAM_ONNX_BUILD_H

#include "onnx.pb-c.h"
#include "pimstream/workload.h"

typedef struct onnx_build onnx_build;

/* A graph at default-domain `opset`. */
onnx_build *ob_new(int64_t opset);
void ob_free(onnx_build *b);
/* A graph input (float, or `type` where the name says) of the given shape. */
void ob_input(onnx_build *b, const char *name, int rank, const int64_t *dims);
/* An initializer without data: a weight of that shape. */
void ob_weight(onnx_build *b, const char *name, int rank, const int64_t *dims);
/* An int64 initializer with values (rank 1, or a scalar when rank is 0). */
void ob_ints(onnx_build *b, const char *name, int rank, const int64_t *dims, const int64_t *v);
/* A float initializer with values. */
void ob_floats(onnx_build *b, const char *name, int rank, const int64_t *dims, const float *v);
/* A node: inputs and outputs as comma-separated names ("" for an absent
 * optional input: "x,,y"). Returns it for attributes. */
Onnx__NodeProto *ob_node(onnx_build *b, const char *op, const char *ins, const char *outs);
void ob_attr_int(onnx_build *b, Onnx__NodeProto *n, const char *name, int64_t v);
void ob_attr_ints(onnx_build *b, Onnx__NodeProto *n, const char *name, int count, const int64_t *v);
void ob_attr_float(onnx_build *b, Onnx__NodeProto *n, const char *name, float v);
void ob_attr_str(onnx_build *b, Onnx__NodeProto *n, const char *name, const char *s);
/* An int64 tensor attribute (Constant's and ConstantOfShape's value). */
void ob_attr_tensor_ints(onnx_build *b, Onnx__NodeProto *n, const char *name, int rank,
                         const int64_t *dims, const int64_t *v);
void ob_ir_version(onnx_build *b, int64_t v);
/* Serialize and import. */
pim_status ob_import(onnx_build *b, pim_model *m, pim_error *err);
/* Serialize into a file (fuzzing seeds); 0 on failure. */
int ob_write(onnx_build *b, const char *path);

#endif
