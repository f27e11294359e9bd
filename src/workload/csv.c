/* pimstream workload: SCALE-Sim topologies and NeuroSim network CSVs.
 *
 * SCALE-Sim (v2) writes two formats, told apart by the header:
 *   convolution: Layer name, IFMAP Height, IFMAP Width, Filter Height,
 *                Filter Width, Channels, Num Filter, Strides
 *   GEMM:        Layer, M, N, K      ((M x K) times (K x N))
 * Its inputs are already padded, so an output side is
 * (ifmap - filter + stride) // stride. Spaces around fields, trailing
 * commas, CRLF line ends and blank lines are accepted as SCALE-Sim writes
 * them. Depthwise layers appear as Num Filter 1 and are kept as written.
 *
 * NeuroSim network files (DNN_NeuroSim, NetWork_*.csv) have no header;
 * each row is
 *   IFM H, IFM W, C, Kh, Kw, Cout, pool flag, stride
 * or the first seven fields alone (older releases: stride 1). Row r is
 * NeuroSim's layer r and is named "layer<r>"; a pool flag of 1 adds its
 * 2x2 max-pool (stride 2) after the layer, named "layer<r>_pool". A layer
 * on a 1x1 input with a 1x1 kernel is a fully connected layer.
 *
 * Output sides: NeuroSim's PyTorch front end pads its convolutions, so an
 * output side is ceil(input / stride) (format neurosim, the default);
 * its C++ estimator counts (input - kernel + 1) / stride output vectors
 * per side without padding (format neurosim-estimator: the layer runs
 * unpadded on an input cropped so that it gives exactly that many rows,
 * floor((in - k + 1) / s); the estimator multiplies the two sides in
 * floating point before truncating, which differs only when a side is
 * not a multiple of the stride).
 *
 * A row reads the previous row's output unless its input shape is not
 * that output: then it reads the latest earlier row whose output has its
 * shape (ResNet's downsample rows read their block's input), and when no
 * row's output matches, the previous row, with a warning. */
#include "pimstream/workload.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 16

typedef struct {
    char *field[MAX_FIELDS];
    int count;
} row;

/* Split one line in place: fields trimmed, a trailing empty field (the
 * trailing comma) dropped. */
static void split_row(char *line, row *r)
{
    r->count = 0;
    char *p = line;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        while (isspace((unsigned char)*p))
            p++;
        char *end = p + strlen(p);
        while (end > p && isspace((unsigned char)end[-1]))
            *--end = '\0';
        if (r->count < MAX_FIELDS)
            r->field[r->count++] = p;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (r->count > 0 && !*r->field[r->count - 1])
        r->count--;
}

/* A NeuroSim row's output: its shape and the layer that produces it. */
typedef struct {
    uint32_t h, w, c, layer;
} csv_shape;

typedef struct {
    const char *origin;
    int line;
    pim_model *m;
    csv_shape *rows; /* NeuroSim: each row's output */
    uint32_t nrows, rows_cap;
    pim_error *err;
} csv_ctx;

static pim_status row_fail(csv_ctx *c, const char *what)
{
    return pim_fail(c->err, PIM_EINPUT, "%s:%d: %s", c->origin, c->line, what);
}

/* Fields [first, first+count) as whole numbers in 1..2^24 (0 allowed where
 * bit i of zero_ok is set). */
static pim_status numbers(csv_ctx *c, const row *r, int first, int count, unsigned zero_ok,
                          uint32_t *out)
{
    if (r->count != first + count) {
        char msg[96];
        snprintf(msg, sizeof msg, "expected %d fields, found %d", first + count, r->count);
        return row_fail(c, msg);
    }
    for (int i = 0; i < count; i++) {
        uint64_t v;
        int zero = (zero_ok >> i) & 1;
        if (!pim_parse_u64(r->field[first + i], &v) || (v == 0 && !zero) || v > (1u << 24)) {
            char msg[160];
            snprintf(msg, sizeof msg, "field %d ('%.60s') must be a whole number in %d..16777216",
                     first + i + 1, r->field[first + i], zero ? 0 : 1);
            return row_fail(c, msg);
        }
        out[i] = (uint32_t)v;
    }
    return PIM_OK;
}

/* Add a layer reading layer `from` (UINT32_MAX: none). */
static pim_status add(csv_ctx *c, pim_layer *l, uint32_t from)
{
    pim_error inner;
    pim_status st = l->kind == PIM_OP_CONV ? pim_conv_finish(l, &inner) : PIM_OK;
    if (!st)
        st = pim_model_add(c->m, l, &from, from != UINT32_MAX, &inner);
    return st ? row_fail(c, inner.msg) : PIM_OK;
}

static void layer_name(const row *r, int index, pim_layer *l)
{
    if (r && r->count > 0 && *r->field[0])
        pim_strlcpy(l->name, r->field[0], sizeof l->name);
    else
        snprintf(l->name, sizeof l->name, "layer%d", index);
}

static pim_status scalesim_conv(csv_ctx *c, const row *r)
{
    uint32_t v[7];
    pim_status st = numbers(c, r, 1, 7, 0, v);
    if (st)
        return st;
    pim_layer l = {.kind = PIM_OP_CONV,
                   .in_h = v[0],
                   .in_w = v[1],
                   .kh = v[2],
                   .kw = v[3],
                   .in_c = v[4],
                   .out_c = v[5],
                   .stride_h = v[6],
                   .stride_w = v[6],
                   .dil_h = 1,
                   .dil_w = 1,
                   .groups = 1};
    layer_name(r, (int)c->m->count, &l);
    return add(c, &l, c->m->count - 1); /* SCALE-Sim lists a chain */
}

static pim_status scalesim_gemm(csv_ctx *c, const row *r)
{
    uint32_t v[3];
    pim_status st = numbers(c, r, 1, 3, 0, v);
    if (st)
        return st;
    pim_layer l = {.kind = PIM_OP_GEMM, .m = v[0], .n = v[1], .k = v[2]};
    layer_name(r, (int)c->m->count, &l);
    return add(c, &l, c->m->count - 1);
}

/* Output sides of a NeuroSim row's convolution (before its pool). */
static void neurosim_conv(const uint32_t *v, uint32_t s, int estimator, pim_layer *l)
{
    *l = (pim_layer){.kind = PIM_OP_CONV,
                     .in_h = v[0],
                     .in_w = v[1],
                     .in_c = v[2],
                     .kh = v[3],
                     .kw = v[4],
                     .out_c = v[5],
                     .stride_h = s,
                     .stride_w = s,
                     .dil_h = 1,
                     .dil_w = 1,
                     .groups = 1,
                     .end_pads = 1};
    uint32_t *in[2] = {&l->in_h, &l->in_w}, k[2] = {v[3], v[4]}, *begin[2] = {&l->pad_h, &l->pad_w};
    uint32_t *end[2] = {&l->pad_h_end, &l->pad_w_end};
    for (int d = 0; d < 2; d++) {
        if (estimator) { /* unpadded, cropped to floor((in - k + 1) / s) rows */
            if (*in[d] >= k[d])
                *in[d] -= (*in[d] - k[d] + 1) % s;
            continue;
        }
        int64_t out = (*in[d] + s - 1) / s, total = (out - 1) * (int64_t)s + k[d] - *in[d];
        total = total > 0 ? total : 0;
        *begin[d] = (uint32_t)(total / 2);
        *end[d] = (uint32_t)(total - total / 2);
    }
}

/* The row whose output a row with input (h, w, c) reads: the previous
 * row's when it fits, else the latest earlier one that fits. A fully
 * connected row (1 x 1 x c) reads a flattened output of c elements. */
static uint32_t neurosim_source(csv_ctx *c, uint32_t h, uint32_t w, uint32_t ch)
{
    for (uint32_t r = c->nrows; r-- > 0;) {
        const csv_shape *o = &c->rows[r];
        if ((o->h == h && o->w == w && o->c == ch) ||
            (h == 1 && w == 1 && (uint64_t)o->h * o->w * o->c == ch))
            return r;
    }
    pim_model_warn(c->m,
                   "%s:%d: input %ux%ux%u is no earlier row's output; read from the row before",
                   c->origin, c->line, h, w, ch);
    return c->nrows - 1;
}

static pim_status neurosim_row(csv_ctx *c, const row *r, int estimator)
{
    uint32_t v[8] = {0, 0, 0, 0, 0, 0, 0, 1}; /* seven fields: stride 1 */
    if (r->count != 7 && r->count != 8)
        return row_fail(c, "expected 7 or 8 fields: IFM H, IFM W, C, Kh, Kw, Cout, pool flag "
                           "and (newer releases) stride");
    pim_status st = numbers(c, r, 0, r->count, 1u << 6, v); /* the pool flag may be 0 */
    if (st)
        return st;
    if (v[6] > 1)
        return row_fail(c, "the pool flag (field 7) must be 0 or 1");
    pim_layer l;
    if (v[0] == 1 && v[1] == 1 && v[3] == 1 && v[4] == 1)
        l = (pim_layer){.kind = PIM_OP_GEMM, .m = 1, .k = v[2], .n = v[5]};
    else
        neurosim_conv(v, v[7], estimator, &l);
    uint32_t number = c->nrows + 1;
    snprintf(l.name, sizeof l.name, "layer%u", number);
    uint32_t from = c->nrows ? c->rows[neurosim_source(c, v[0], v[1], v[2])].layer : UINT32_MAX;
    if ((st = add(c, &l, from)))
        return st;
    const pim_layer *added = &c->m->layers[c->m->count - 1];
    csv_shape out = {added->kind == PIM_OP_CONV ? added->out_h : 1,
                     added->kind == PIM_OP_CONV ? added->out_w : 1, v[5], c->m->count - 1};
    if (v[6]) { /* NeuroSim's 2x2 max-pool, stride 2 */
        pim_layer pool = {.kind = PIM_OP_VECTOR,
                          .vec_elems = (uint64_t)out.h * out.w * out.c,
                          .vec_out = (uint64_t)(out.h / 2) * (out.w / 2) * out.c};
        snprintf(pool.name, sizeof pool.name, "layer%u_pool", number);
        pim_strlcpy(pool.vop, "maxpool", sizeof pool.vop);
        if ((st = add(c, &pool, out.layer)))
            return st;
        out = (csv_shape){out.h / 2, out.w / 2, out.c, c->m->count - 1};
    }
    if (!pim_grow((void **)&c->rows, &c->rows_cap, c->nrows, sizeof *c->rows))
        return pim_fail(c->err, PIM_EINTERNAL, "out of memory");
    c->rows[c->nrows++] = out;
    return PIM_OK;
}

typedef enum { FMT_UNKNOWN, FMT_CONV, FMT_GEMM, FMT_NEUROSIM } csv_format;

static int has_word(const char *field, const char *word)
{
    char low[64];
    size_t n = 0;
    for (; field[n] && n + 1 < sizeof low; n++)
        low[n] = (char)tolower((unsigned char)field[n]);
    low[n] = '\0';
    return strstr(low, word) != NULL;
}

static csv_format header_format(const row *r)
{
    if (r->count >= 2 && has_word(r->field[0], "layer") && has_word(r->field[1], "ifmap"))
        return FMT_CONV;
    if (r->count == 4 && has_word(r->field[0], "layer") && !strcmp(r->field[1], "M") &&
        !strcmp(r->field[2], "N") && !strcmp(r->field[3], "K"))
        return FMT_GEMM;
    return FMT_UNKNOWN;
}

pim_status pim_model_from_csv(const char *text, size_t len, const char *origin,
                              pim_csv_format format, pim_model *out, pim_error *err)
{
    char *buf = malloc(len + 1);
    if (!buf)
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    memcpy(buf, text, len);
    buf[len] = '\0';
    pim_model_init_from_path(out, origin);
    csv_ctx c = {.origin = origin, .m = out, .err = err};
    csv_format fmt = format == PIM_CSV_SCALESIM ? FMT_UNKNOWN : FMT_NEUROSIM;
    pim_status st = memchr(text, '\0', len)
                        ? pim_fail(err, PIM_EINPUT, "%s: binary data in a CSV file", origin)
                        : PIM_OK;
    for (char *line = buf, *next; line && !st; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        c.line++;
        row r;
        split_row(line, &r);
        if (r.count == 0 || (r.count == 1 && !*r.field[0]))
            continue; /* blank line */
        if (fmt == FMT_UNKNOWN) {
            fmt = header_format(&r);
            if (fmt == FMT_UNKNOWN)
                st = row_fail(&c, "not a SCALE-Sim topology header (Layer name, IFMAP Height, "
                                  "... or Layer, M, N, K); for NeuroSim files use "
                                  "--model-format neurosim");
            continue;
        }
        st = fmt == FMT_CONV   ? scalesim_conv(&c, &r)
             : fmt == FMT_GEMM ? scalesim_gemm(&c, &r)
                               : neurosim_row(&c, &r, format == PIM_CSV_NEUROSIM_ESTIMATOR);
    }
    if (!st && out->count == 0)
        st = pim_fail(err, PIM_EINPUT, "%s: no layers", origin);
    free(c.rows);
    free(buf);
    if (st)
        pim_model_free(out);
    return st;
}
