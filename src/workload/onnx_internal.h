/* Private to src/workload: the ONNX importer's tensors and helpers, shared
 * by the graph walk (onnx.c), value arithmetic (onnx_values.c), compute
 * operators (onnx_ops.c) and shape operators (onnx_shape.c).
 *
 * No fixed caps: ranks, a node's inputs and outputs and producer sets are
 * sized per tensor. Everything the import allocates comes from one arena,
 * bounded by ONNX_MEMORY_GUARD beside the file itself. */
#ifndef PIMSTREAM_ONNX_INTERNAL_H
#define PIMSTREAM_ONNX_INTERNAL_H

#include "onnx.pb-c.h"
#include "pimstream/workload.h"

/* Tensors of at most this many elements keep their values, so the shape
 * arithmetic exporters put in graphs (and masks NonZero reads) can be
 * evaluated at import. */
#define ONNX_MAX_VALUES (1 << 16)
/* The arena's bound: shapes, values and producer sets of one import. */
#define ONNX_MEMORY_GUARD (512ull << 20)
/* A dimension or element count beyond this is not a network. */
#define ONNX_MAX_DIM (1ll << 40)
#define ONNX_MAX_ELEMS (1ll << 56)

typedef struct onnx_block onnx_block;

typedef struct {
    const char *name;
    int known; /* shape known */
    int rank;
    int64_t *dims;
    int32_t type; /* ONNX element type (TensorProto.DataType); 0 unknown */
    int dynamic;  /* depends on a data input (an activation), not only on weights */
    /* values known at import: integers (and bools) or reals, never both */
    int64_t *ints;
    double *reals;
    uint32_t *producers; /* layers this tensor's data comes from */
    uint32_t nproducers;
} onnx_tensor;

typedef struct {
    onnx_tensor *t;
    uint32_t count, cap;
    pim_strmap index;  /* tensor name -> index */
    pim_strmap layers; /* layer names in use, to keep them unique */
    onnx_block *arena;
    uint64_t arena_bytes;
    pim_model *model;
    const char *origin;
    int opset;
    pim_error *err;
} onnx_importer;

typedef struct {
    const Onnx__NodeProto *node;
    onnx_tensor **in; /* NULL for an absent optional input */
    uint32_t nin;
} onnx_node;

/* ---- onnx.c: tensors, arena, attributes, emitting layers -------------- */

/* Zeroed memory from the import's arena; NULL (im->err set) past the guard. */
void *onnx_alloc(onnx_importer *im, size_t bytes);
/* Room for n integers (one at least: a rank may be 0). */
int64_t *onnx_ints(onnx_importer *im, int64_t n);
onnx_tensor *onnx_find(onnx_importer *im, const char *name);
onnx_tensor *onnx_define(onnx_importer *im, const char *name);
/* An input error naming the node; returns PIM_EINPUT. */
pim_status onnx_node_fail(onnx_importer *im, const onnx_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
pim_status onnx_oom(onnx_importer *im);
/* Give t a shape of `rank` dims (copied from dims when not NULL). */
pim_status onnx_set_shape(onnx_importer *im, onnx_tensor *t, int rank, const int64_t *dims);
/* Elements of a known shape; -1 when the product overflows ONNX_MAX_ELEMS. */
int64_t onnx_numel(const onnx_tensor *t);
/* Merge `from`'s producers into `to` (each once; a layer emitted from them
 * drops those that are ancestors of others). */
pim_status onnx_merge_producers(onnx_importer *im, const onnx_node *n, onnx_tensor *to,
                                const onnx_tensor *from);
/* Emit a layer whose inputs are the node's dynamic inputs; out is its output. */
pim_status onnx_emit(onnx_importer *im, const onnx_node *n, pim_layer *l, onnx_tensor *out);

const Onnx__AttributeProto *onnx_attr(const onnx_node *n, const char *name);
int64_t onnx_attr_int(const onnx_node *n, const char *name, int64_t dflt);
/* The attribute's ints (arena copy) and their count; -1 when absent. */
int onnx_attr_ints(onnx_importer *im, const onnx_node *n, const char *name, int64_t **out);
/* A string attribute as NUL-terminated text (arena), or dflt. */
const char *onnx_attr_str(onnx_importer *im, const onnx_node *n, const char *name,
                          const char *dflt);
double onnx_attr_float(const onnx_node *n, const char *name, double dflt);
/* Shape, type and (when small) values of a TensorProto. */
pim_status onnx_tensor_from_proto(onnx_importer *im, const Onnx__TensorProto *p, onnx_tensor *t);

/* ---- onnx_values.c: values known at import ---------------------------- */

int onnx_type_is_real(int32_t type);
/* Give t room for its values (numel(t) of them, ints or reals). 1 when
 * kept, 0 when the tensor is too large to keep values (not an error). */
int onnx_values_alloc(onnx_importer *im, onnx_tensor *t, int real);
/* Copy `from`'s values into `to` (same element count). */
pim_status onnx_values_copy(onnx_importer *im, onnx_tensor *to, const onnx_tensor *from);
/* Value i as an integer; an input error naming the node when it is a real
 * that is not a whole number in range. */
pim_status onnx_value_int(onnx_importer *im, const onnx_node *n, const onnx_tensor *t, int64_t i,
                          int64_t *out);
double onnx_value_real(const onnx_tensor *t, int64_t i);
/* Input i's values as integers (arena), all of them; an error naming
 * `what` when they are not known at import. */
pim_status onnx_input_ints(onnx_importer *im, const onnx_node *n, uint32_t i, const char *what,
                           int64_t **out, int64_t *count);
/* The same for reals. */
pim_status onnx_input_reals(onnx_importer *im, const onnx_node *n, uint32_t i, const char *what,
                            double **out, int64_t *count);
/* Numpy broadcasting of the inputs' shapes into out; 0 when they clash. */
int onnx_broadcast(onnx_importer *im, onnx_tensor *const *ins, uint32_t count, onnx_tensor *out,
                   pim_status *st);
/* Flat index into t of the element broadcast to out's flat index `flat`. */
int64_t onnx_broadcast_index(const onnx_tensor *t, const onnx_tensor *out, int64_t flat);
/* Evaluate an elementwise node over inputs with known values (checked
 * integer arithmetic: overflow and division by zero are errors naming the
 * node). Nothing when some value is unknown. */
pim_status onnx_eval_elementwise(onnx_importer *im, const onnx_node *n, onnx_tensor *out);
/* Fill out's values from src by a map: out element k is src element
 * from[k] (or `fill` where from[k] is -1). Nothing when src has none. */
pim_status onnx_values_gather(onnx_importer *im, onnx_tensor *out, const onnx_tensor *src,
                              const int64_t *from, double fill);
/* Checked integer helpers: 0 on overflow. */
int onnx_add(int64_t a, int64_t b, int64_t *out);
int onnx_mul(int64_t a, int64_t b, int64_t *out);

/* ---- onnx_ops.c and onnx_shape.c: operator rules ---------------------- */

typedef pim_status (*onnx_rule)(onnx_importer *im, const onnx_node *n);

/* Apply one node: infer its outputs' shapes and values, emit its layer. */
pim_status onnx_apply(onnx_importer *im, const onnx_node *n);
/* The rule for op, or NULL (onnx_ops.c looks in onnx_shape.c's table too). */
onnx_rule onnx_shape_rule(const char *op);
/* Ops whose input `input` is an activation by definition: they mark data
 * inputs. */
int onnx_activation_slot(const char *op, uint32_t input);
/* Ops that only reshape or copy input 0: activation-ness flows through. */
int onnx_is_passthrough(const char *op);

/* Shared by the rule files. */
onnx_tensor *onnx_output(onnx_importer *im, const onnx_node *n, uint32_t i);
pim_status onnx_need_inputs(onnx_importer *im, const onnx_node *n, uint32_t count);
int onnx_any_dynamic(const onnx_node *n);
/* The output carries its dynamic inputs' data: same producers. */
pim_status onnx_carry(onnx_importer *im, const onnx_node *n, onnx_tensor *out);
/* A vector operation over out's elements when any input is dynamic. */
pim_status onnx_vector_op(onnx_importer *im, const onnx_node *n, onnx_tensor *out, const char *op,
                          int64_t elems);
/* An axis in [0, rank), negative counting from the end; -1 when outside. */
int64_t onnx_axis(int64_t axis, int rank);
/* Axes for Squeeze/Unsqueeze and the Reduce ops: an attribute up to their
 * change to an input (13, or 18 for most Reduce ops), input `input` after.
 * Returns the count, -1 when none is given. */
int onnx_axes(onnx_importer *im, const onnx_node *n, uint32_t input, int64_t **axes,
              pim_status *st);
/* Product of dims [from, to) (checked; -1 on overflow). */
int64_t onnx_dims_product(const onnx_tensor *t, int from, int to);

#endif
