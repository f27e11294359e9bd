/* pimstream workload: values the ONNX importer knows at import.
 *
 * Exporters compute shapes inside the graph (Shape, Gather, arithmetic,
 * Concat, Cast, ...), and window-attention models pad by amounts computed
 * from the input's shape, so small tensors keep their values and every
 * elementwise operator is evaluated on them. Integer arithmetic is checked:
 * an overflow, or a division by zero, is an error naming the node, never a
 * wrapped value or a signal. Reals (Resize's scales, float shape
 * arithmetic) are evaluated in double precision. */
#include "onnx_internal.h"

#include <math.h>
#include <string.h>

int onnx_add(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

int onnx_mul(int64_t a, int64_t b, int64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

int onnx_type_is_real(int32_t type)
{
    switch (type) {
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT:
    case ONNX__TENSOR_PROTO__DATA_TYPE__DOUBLE:
    case ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT16:
    case ONNX__TENSOR_PROTO__DATA_TYPE__BFLOAT16:
    case 17: /* the float8 types (IR 9) */
    case 18:
    case 19:
    case 20:
    case 23: /* float4e2m1 (IR 11) */
        return 1;
    default:
        return 0;
    }
}

int onnx_values_alloc(onnx_importer *im, onnx_tensor *t, int real)
{
    t->ints = NULL;
    t->reals = NULL;
    int64_t n = onnx_numel(t);
    if (n < 0 || n > ONNX_MAX_VALUES)
        return 0; /* too large to keep: the shape alone */
    size_t bytes = (size_t)(n ? n : 1) * (real ? sizeof(double) : sizeof(int64_t));
    void *v = onnx_alloc(im, bytes);
    if (!v)
        return -1;
    if (real)
        t->reals = v;
    else
        t->ints = v;
    return 1;
}

pim_status onnx_values_copy(onnx_importer *im, onnx_tensor *to, const onnx_tensor *from)
{
    if ((!from->ints && !from->reals) || onnx_numel(to) != onnx_numel(from))
        return PIM_OK;
    int kept = onnx_values_alloc(im, to, from->reals != NULL);
    if (kept < 0)
        return onnx_oom(im);
    size_t n = (size_t)onnx_numel(from);
    if (kept && from->reals)
        memcpy(to->reals, from->reals, n * sizeof *to->reals);
    else if (kept)
        memcpy(to->ints, from->ints, n * sizeof *to->ints);
    return PIM_OK;
}

double onnx_value_real(const onnx_tensor *t, int64_t i)
{
    return t->reals ? t->reals[i] : (double)t->ints[i];
}

pim_status onnx_value_int(onnx_importer *im, const onnx_node *n, const onnx_tensor *t, int64_t i,
                          int64_t *out)
{
    if (t->ints) {
        *out = t->ints[i];
        return PIM_OK;
    }
    double v = t->reals[i];
    if (!(v >= -9.2e18 && v <= 9.2e18) || v != floor(v))
        return onnx_node_fail(im, n, "'%s' holds %g where a whole number is needed", t->name, v);
    *out = (int64_t)v;
    return PIM_OK;
}

/* Input i with its values known, and room for them as ints or reals. */
static pim_status known_input(onnx_importer *im, const onnx_node *n, uint32_t i, const char *what,
                              size_t elem, const onnx_tensor **t, void **room, int64_t *count)
{
    *t = i < n->nin ? n->in[i] : NULL;
    if (!*t || (!(*t)->ints && !(*t)->reals))
        return onnx_node_fail(im, n, "%s must be computable at import (from constants and shapes)",
                              what);
    *count = onnx_numel(*t);
    *room = onnx_alloc(im, (size_t)(*count ? *count : 1) * elem);
    return *room ? PIM_OK : onnx_oom(im);
}

pim_status onnx_input_ints(onnx_importer *im, const onnx_node *n, uint32_t i, const char *what,
                           int64_t **out, int64_t *count)
{
    const onnx_tensor *t;
    pim_status st = known_input(im, n, i, what, sizeof **out, &t, (void **)out, count);
    if (st)
        return st;
    for (int64_t k = 0; k < *count; k++) {
        pim_status st = onnx_value_int(im, n, t, k, &(*out)[k]);
        if (st)
            return st;
    }
    return PIM_OK;
}

pim_status onnx_input_reals(onnx_importer *im, const onnx_node *n, uint32_t i, const char *what,
                            double **out, int64_t *count)
{
    const onnx_tensor *t;
    pim_status st = known_input(im, n, i, what, sizeof **out, &t, (void **)out, count);
    if (st)
        return st;
    for (int64_t k = 0; k < *count; k++)
        (*out)[k] = onnx_value_real(t, k);
    return PIM_OK;
}

/* ---- broadcasting ----------------------------------------------------- */

int onnx_broadcast(onnx_importer *im, onnx_tensor *const *ins, uint32_t count, onnx_tensor *out,
                   pim_status *st)
{
    int rank = 0;
    for (uint32_t i = 0; i < count; i++)
        if (ins[i] && ins[i]->rank > rank)
            rank = ins[i]->rank;
    int64_t *dims = onnx_alloc(im, (size_t)(rank ? rank : 1) * sizeof *dims);
    if (!dims) {
        *st = onnx_oom(im);
        return 0;
    }
    for (int d = 0; d < rank; d++) {
        int64_t dim = 1;
        for (uint32_t i = 0; i < count; i++) {
            if (!ins[i] || d < rank - ins[i]->rank)
                continue;
            int64_t v = ins[i]->dims[d - (rank - ins[i]->rank)];
            if (v == 1)
                continue;
            if (dim != 1 && v != dim)
                return 0;
            dim = v;
        }
        dims[d] = dim;
    }
    *st = onnx_set_shape(im, out, rank, dims);
    return !*st;
}

int64_t onnx_broadcast_index(const onnx_tensor *t, const onnx_tensor *out, int64_t flat)
{
    int64_t idx = 0, stride = 1;
    for (int d = out->rank - 1; d >= 0; d--) {
        int64_t coord = flat % out->dims[d];
        flat /= out->dims[d];
        int td = d - (out->rank - t->rank);
        if (td < 0)
            continue;
        if (t->dims[td] != 1)
            idx += coord * stride;
        stride *= t->dims[td];
    }
    return idx;
}

/* ---- elementwise evaluation ------------------------------------------- */

typedef struct {
    onnx_importer *im;
    const onnx_node *n;
    const char *op;
    int fmod; /* Mod: the sign follows the dividend (C's %) */
} eval_ctx;

static pim_status overflow(const eval_ctx *c, int64_t x, int64_t y)
{
    return onnx_node_fail(c->im, c->n, "integer overflow at import (%lld and %lld)", (long long)x,
                          (long long)y);
}

static pim_status int_pow(const eval_ctx *c, int64_t x, int64_t y, int64_t *out)
{
    if (y < 0)
        return onnx_node_fail(c->im, c->n, "an integer to a negative power (%lld) at import",
                              (long long)y);
    int64_t r = 1;
    for (int64_t k = 0; k < y && r != 0 && !(r == 1 && x == 1); k++)
        if (!onnx_mul(r, x, &r))
            return overflow(c, x, y);
    *out = (y > 0 && x == 1) ? 1 : r;
    return PIM_OK;
}

/* Binary integer arithmetic, checked. */
static pim_status int_binary(const eval_ctx *c, int64_t x, int64_t y, int64_t *out)
{
    const char *op = c->op;
    if (!strcmp(op, "Add") || !strcmp(op, "Sum") || !strcmp(op, "Mean"))
        return __builtin_add_overflow(x, y, out) ? overflow(c, x, y) : PIM_OK;
    if (!strcmp(op, "Sub"))
        return __builtin_sub_overflow(x, y, out) ? overflow(c, x, y) : PIM_OK;
    if (!strcmp(op, "Mul"))
        return __builtin_mul_overflow(x, y, out) ? overflow(c, x, y) : PIM_OK;
    if (!strcmp(op, "Div") || !strcmp(op, "Mod")) {
        if (y == 0)
            return onnx_node_fail(c->im, c->n, "integer division by zero at import");
        if (!strcmp(op, "Div")) {
            if (x == INT64_MIN && y == -1)
                return overflow(c, x, y);
            *out = x / y; /* ONNX integer Div truncates toward zero */
            return PIM_OK;
        }
        int64_t r = y == -1 ? 0 : x % y;
        if (!c->fmod && r != 0 && ((r < 0) != (y < 0)))
            r += y; /* fmod = 0: the sign follows the divisor */
        *out = r;
        return PIM_OK;
    }
    if (!strcmp(op, "Pow"))
        return int_pow(c, x, y, out);
    if (!strcmp(op, "Max"))
        *out = x > y ? x : y;
    else if (!strcmp(op, "Min"))
        *out = x < y ? x : y;
    else if (!strcmp(op, "BitShift"))
        *out = y < 0 || y > 62 ? 0 : (x << y);
    else
        return PIM_EINPUT;
    return PIM_OK;
}

static double real_binary(const char *op, double x, double y, int *ok)
{
    if (!strcmp(op, "Add") || !strcmp(op, "Sum") || !strcmp(op, "Mean"))
        return x + y;
    if (!strcmp(op, "Sub"))
        return x - y;
    if (!strcmp(op, "Mul"))
        return x * y;
    if (!strcmp(op, "Div"))
        return x / y;
    if (!strcmp(op, "Mod"))
        return fmod(x, y);
    if (!strcmp(op, "Pow"))
        return pow(x, y);
    if (!strcmp(op, "Max"))
        return x > y ? x : y;
    if (!strcmp(op, "Min"))
        return x < y ? x : y;
    *ok = 0;
    return 0;
}

static int compare(const char *op, double x, double y, int *ok)
{
    if (!strcmp(op, "Equal"))
        return x == y;
    if (!strcmp(op, "Less"))
        return x < y;
    if (!strcmp(op, "Greater"))
        return x > y;
    if (!strcmp(op, "LessOrEqual"))
        return x <= y;
    if (!strcmp(op, "GreaterOrEqual"))
        return x >= y;
    if (!strcmp(op, "And"))
        return x != 0 && y != 0;
    if (!strcmp(op, "Or"))
        return x != 0 || y != 0;
    if (!strcmp(op, "Xor"))
        return (x != 0) != (y != 0);
    *ok = 0;
    return 0;
}

/* Ops on one value, in double: their results are reals. */
static double real_unary(const char *op, double x, int *ok)
{
    static const struct {
        const char *op;
        double (*fn)(double);
    } FNS[] = {{"Floor", floor}, {"Ceil", ceil}, {"Sqrt", sqrt}, {"Exp", exp},
               {"Log", log},     {"Sin", sin},   {"Cos", cos},   {"Round", nearbyint}};
    for (size_t i = 0; i < sizeof FNS / sizeof FNS[0]; i++)
        if (!strcmp(op, FNS[i].op))
            return FNS[i].fn(x);
    if (!strcmp(op, "Reciprocal"))
        return 1.0 / x;
    *ok = 0;
    return 0;
}

static int is_one_of(const char *op, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(op, *list))
            return 1;
    return 0;
}

static const char *const COMPARISONS[] = {
    "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "And", "Or", "Xor", NULL};
static const char *const REAL_UNARY[] = {"Floor", "Ceil", "Sqrt",  "Exp",        "Log",
                                         "Sin",   "Cos",  "Round", "Reciprocal", NULL};

/* One output element k from its broadcast inputs. */
static pim_status eval_one(const eval_ctx *c, onnx_tensor *out, int real, int64_t k)
{
    const onnx_node *n = c->n;
    const char *op = c->op;
    onnx_tensor *a = n->in[0];
    int64_t ia = onnx_broadcast_index(a, out, k);
    int ok = 1;
    if (!strcmp(op, "Where")) {
        int64_t ib = onnx_broadcast_index(n->in[1], out, k),
                ic = onnx_broadcast_index(n->in[2], out, k);
        const onnx_tensor *pick = onnx_value_real(a, ia) != 0 ? n->in[1] : n->in[2];
        int64_t at = pick == n->in[1] ? ib : ic;
        if (real)
            out->reals[k] = onnx_value_real(pick, at);
        else
            return onnx_value_int(c->im, n, pick, at, &out->ints[k]);
        return PIM_OK;
    }
    if (n->nin == 1 || !strcmp(op, "Clip")) { /* unary (Clip's bounds are inputs 1, 2) */
        if (real) {
            double x = onnx_value_real(a, ia);
            if (!strcmp(op, "Clip")) {
                for (uint32_t b = 1; b < 3 && b < n->nin; b++)
                    if (n->in[b]) {
                        double bound = onnx_value_real(n->in[b], 0);
                        x = b == 1 ? (x < bound ? bound : x) : (x > bound ? bound : x);
                    }
                out->reals[k] = x;
            } else if (!strcmp(op, "Neg")) {
                out->reals[k] = -x;
            } else if (!strcmp(op, "Abs")) {
                out->reals[k] = fabs(x);
            } else if (!strcmp(op, "Relu")) {
                out->reals[k] = x > 0 ? x : 0;
            } else if (!strcmp(op, "Sign")) {
                out->reals[k] = (x > 0) - (x < 0);
            } else {
                out->reals[k] = real_unary(op, x, &ok);
            }
            return ok ? PIM_OK : PIM_EINPUT;
        }
        int64_t x = a->ints[ia];
        if (!strcmp(op, "Neg") || !strcmp(op, "Abs")) {
            if (x == INT64_MIN)
                return overflow(c, x, -1);
            out->ints[k] = !strcmp(op, "Neg") || x < 0 ? -x : x;
        } else if (!strcmp(op, "Not")) {
            out->ints[k] = !x;
        } else if (!strcmp(op, "Relu")) {
            out->ints[k] = x > 0 ? x : 0;
        } else if (!strcmp(op, "Sign")) {
            out->ints[k] = (x > 0) - (x < 0);
        } else if (!strcmp(op, "Clip")) {
            for (uint32_t b = 1; b < 3 && b < n->nin; b++)
                if (n->in[b] && n->in[b]->ints) {
                    int64_t bound = n->in[b]->ints[0];
                    x = b == 1 ? (x < bound ? bound : x) : (x > bound ? bound : x);
                }
            out->ints[k] = x;
        } else {
            return PIM_EINPUT;
        }
        return PIM_OK;
    }
    /* binary or variadic: fold left to right */
    if (is_one_of(op, COMPARISONS)) {
        double x = onnx_value_real(a, ia),
               y = onnx_value_real(n->in[1], onnx_broadcast_index(n->in[1], out, k));
        if (!a->reals && !n->in[1]->reals) { /* exact for every int64 */
            int64_t xi = a->ints[ia], yi = n->in[1]->ints[onnx_broadcast_index(n->in[1], out, k)];
            x = (double)(xi > yi) - (double)(xi < yi);
            y = 0;
            if (!strcmp(op, "And") || !strcmp(op, "Or") || !strcmp(op, "Xor")) {
                x = xi != 0;
                y = yi != 0;
            }
        }
        out->ints[k] = compare(op, x, y, &ok);
        return ok ? PIM_OK : PIM_EINPUT;
    }
    if (real) {
        double acc = onnx_value_real(a, ia);
        for (uint32_t i = 1; i < n->nin && ok; i++)
            acc = real_binary(
                op, acc, onnx_value_real(n->in[i], onnx_broadcast_index(n->in[i], out, k)), &ok);
        if (!strcmp(op, "Mean"))
            acc /= n->nin;
        out->reals[k] = acc;
        return ok ? PIM_OK : PIM_EINPUT;
    }
    int64_t acc = a->ints[ia];
    for (uint32_t i = 1; i < n->nin; i++) {
        pim_status st =
            int_binary(c, acc, n->in[i]->ints[onnx_broadcast_index(n->in[i], out, k)], &acc);
        if (st)
            return st;
    }
    if (!strcmp(op, "Mean"))
        acc /= (int64_t)n->nin;
    out->ints[k] = acc;
    return PIM_OK;
}

/* Cast: to a real type, or to an integer type (truncation toward zero,
 * as onnxruntime does; a value that does not fit is an error). */
static pim_status eval_cast(onnx_importer *im, const onnx_node *n, onnx_tensor *out)
{
    const onnx_tensor *x = n->in[0];
    int32_t to = (int32_t)onnx_attr_int(n, "to", 0);
    int real = onnx_type_is_real(to);
    int kept = onnx_values_alloc(im, out, real);
    if (kept <= 0)
        return kept < 0 ? onnx_oom(im) : PIM_OK;
    out->type = to;
    for (int64_t k = 0; k < onnx_numel(out); k++) {
        double v = onnx_value_real(x, k);
        if (real) {
            out->reals[k] = v;
        } else if (to == ONNX__TENSOR_PROTO__DATA_TYPE__BOOL) {
            out->ints[k] = x->ints ? x->ints[k] != 0 : v != 0;
        } else if (x->ints) {
            out->ints[k] = x->ints[k];
        } else {
            if (!(v > -9.2e18 && v < 9.2e18))
                return onnx_node_fail(im, n, "casting %g to an integer overflows", v);
            out->ints[k] = (int64_t)v;
        }
    }
    return PIM_OK;
}

pim_status onnx_eval_elementwise(onnx_importer *im, const onnx_node *n, onnx_tensor *out)
{
    if (!n->nin || onnx_numel(out) > ONNX_MAX_VALUES)
        return PIM_OK;
    for (uint32_t i = 0; i < n->nin; i++)
        if (n->in[i] && !n->in[i]->ints && !n->in[i]->reals)
            return PIM_OK;
    if (!n->in[0])
        return PIM_OK;
    const char *op = n->node->op_type;
    if (!strcmp(op, "Cast"))
        return eval_cast(im, n, out);
    int real = 0;
    uint32_t first = !strcmp(op, "Where") ? 1 : 0; /* Where's condition does not decide */
    for (uint32_t i = first; i < n->nin && !(!strcmp(op, "Clip") && i > 0); i++)
        real |= n->in[i] && n->in[i]->reals != NULL;
    real |= is_one_of(op, REAL_UNARY);
    if (is_one_of(op, COMPARISONS) || !strcmp(op, "Not"))
        real = 0;
    for (uint32_t i = 0; i < n->nin; i++)
        if (!n->in[i] && strcmp(op, "Clip") != 0)
            return PIM_OK;
    int kept = onnx_values_alloc(im, out, real);
    if (kept <= 0)
        return kept < 0 ? onnx_oom(im) : PIM_OK;
    out->type =
        is_one_of(op, COMPARISONS) || !strcmp(op, "Not") ? ONNX__TENSOR_PROTO__DATA_TYPE__BOOL
        : real                                           ? ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT
               : (n->in[first]->type ? n->in[first]->type : ONNX__TENSOR_PROTO__DATA_TYPE__INT64);
    eval_ctx c = {im, n, op, onnx_attr_int(n, "fmod", 0) != 0};
    for (int64_t k = 0; k < onnx_numel(out); k++) {
        pim_status st = eval_one(&c, out, real, k);
        if (st == PIM_EINPUT && !im->err->status) { /* not an op we evaluate: shape only */
            out->ints = NULL;
            out->reals = NULL;
            return PIM_OK;
        }
        if (st)
            return st;
    }
    return PIM_OK;
}

pim_status onnx_values_gather(onnx_importer *im, onnx_tensor *out, const onnx_tensor *src,
                              const int64_t *from, double fill)
{
    if (!src->ints && !src->reals)
        return PIM_OK;
    int kept = onnx_values_alloc(im, out, src->reals != NULL);
    if (kept <= 0)
        return kept < 0 ? onnx_oom(im) : PIM_OK;
    out->type = src->type;
    for (int64_t k = 0; k < onnx_numel(out); k++) {
        if (out->reals)
            out->reals[k] = from[k] < 0 ? fill : src->reals[from[k]];
        else
            out->ints[k] = from[k] < 0 ? (int64_t)fill : src->ints[from[k]];
    }
    return PIM_OK;
}
