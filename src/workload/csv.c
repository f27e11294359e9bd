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
 * NeuroSim network files have no header; each row is
 *   IFM H, IFM W, C, Kh, Kw, Cout, pool flag, stride
 * NeuroSim pads so that an output side is the input side / stride; a pool
 * flag of 1 adds its 2x2 max-pool (stride 2) after the layer. A layer on a
 * 1x1 input with a 1x1 kernel is a fully connected layer. */
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

typedef struct {
    const char *origin;
    int line;
    pim_model *m;
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

static pim_status add(csv_ctx *c, pim_layer *l)
{
    uint32_t previous = c->m->count - 1; /* each row reads the one before */
    pim_error inner;
    pim_status st = l->kind == PIM_OP_CONV ? pim_conv_finish(l, &inner) : PIM_OK;
    if (!st)
        st = pim_model_add(c->m, l, &previous, c->m->count > 0, &inner);
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
    return add(c, &l);
}

static pim_status scalesim_gemm(csv_ctx *c, const row *r)
{
    uint32_t v[3];
    pim_status st = numbers(c, r, 1, 3, 0, v);
    if (st)
        return st;
    pim_layer l = {.kind = PIM_OP_GEMM, .m = v[0], .n = v[1], .k = v[2]};
    layer_name(r, (int)c->m->count, &l);
    return add(c, &l);
}

static pim_status neurosim_row(csv_ctx *c, const row *r)
{
    uint32_t v[8];
    pim_status st = numbers(c, r, 0, 8, 1u << 6, v); /* field 7, the pool flag, may be 0 */
    if (st)
        return st;
    if (v[6] > 1)
        return row_fail(c, "the pool flag (field 7) must be 0 or 1");
    pim_layer l = {0};
    snprintf(l.name, sizeof l.name, "layer%u", c->m->count + 1);
    if (v[0] == 1 && v[1] == 1 && v[3] == 1 && v[4] == 1) {
        l.kind = PIM_OP_GEMM;
        l.m = 1;
        l.k = v[2];
        l.n = v[5];
    } else {
        uint32_t s = v[7];
        l = (pim_layer){.kind = PIM_OP_CONV,
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
        snprintf(l.name, sizeof l.name, "layer%u", c->m->count + 1);
        /* pad so the output side is ceil(input / stride) */
        uint32_t in[2] = {v[0], v[1]}, k[2] = {v[3], v[4]}, begin[2], end[2];
        for (int d = 0; d < 2; d++) {
            int64_t out = (in[d] + s - 1) / s, total = (out - 1) * (int64_t)s + k[d] - in[d];
            total = total > 0 ? total : 0;
            begin[d] = (uint32_t)(total / 2);
            end[d] = (uint32_t)(total - total / 2);
        }
        l.pad_h = begin[0];
        l.pad_w = begin[1];
        l.pad_h_end = end[0];
        l.pad_w_end = end[1];
    }
    if ((st = add(c, &l)))
        return st;
    if (!v[6])
        return PIM_OK;
    const pim_layer *prev = &c->m->layers[c->m->count - 1];
    uint64_t elems =
        prev->kind == PIM_OP_CONV ? (uint64_t)prev->out_c * prev->out_h * prev->out_w : prev->n;
    pim_layer pool = {.kind = PIM_OP_VECTOR, .vec_elems = elems};
    snprintf(pool.name, sizeof pool.name, "pool%u", c->m->count);
    pim_strlcpy(pool.vop, "maxpool", sizeof pool.vop);
    return add(c, &pool);
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

pim_status pim_model_from_csv(const char *text, size_t len, const char *origin, int neurosim,
                              pim_model *out, pim_error *err)
{
    char *buf = malloc(len + 1);
    if (!buf)
        return pim_fail(err, PIM_EINTERNAL, "out of memory");
    memcpy(buf, text, len);
    buf[len] = '\0';
    pim_model_init_from_path(out, origin);
    csv_ctx c = {origin, 0, out, err};
    csv_format fmt = neurosim ? FMT_NEUROSIM : FMT_UNKNOWN;
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
                               : neurosim_row(&c, &r);
    }
    if (!st && out->count == 0)
        st = pim_fail(err, PIM_EINPUT, "%s: no layers", origin);
    free(buf);
    if (st)
        pim_model_free(out);
    return st;
}
