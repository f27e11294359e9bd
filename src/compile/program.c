/* pimstream compile: lowering partitions to a program.
 *
 * Each instruction lists the instructions it waits for; the simulator
 * (src/sim/program.c) runs exactly these, so the printed program is what
 * was timed. Waits encode: a macro is rewritten only after its last MVM; a
 * layer's MVMs for image i follow its image i-1 on the same core (a
 * pipeline stage) and its producers' image i; a partition's boundary inputs
 * for image i are loaded after they were stored; a partition's weight loads
 * start once the partition before has all its weights (so they overlap its
 * compute, not its writes: the cost model's assumption, units.c).
 *
 * Data crosses the network as transfers between logical nodes (spread.h
 * says where a unit reads and writes): a producer's outputs to the nodes
 * of its consumers (send), partial sums to their column's owner (join),
 * boundary activations from and to memory (load_a, store_a). */
#include "spread.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

typedef struct {
    pim_program *prog;
    const pim_compiled *c;
    const pim_cost_params *cp;
    uint32_t batch, mpc, mpn;
    pim_phase phase;
    uint32_t *last_mvm;  /* per macro: the last MVM that used it */
    uint32_t *join;      /* per unit x image */
    uint32_t *store;     /* per unit x image, NONE when not stored */
    uint32_t *first_mvm; /* per unit: its first MVM of the previous image */
    uint32_t *base;      /* per unit: first macro of its copies */
    uint32_t *deps;      /* scratch: most producers of a unit + 3 + macros per core + cores */
    uint32_t loads_base; /* the partition's first LOAD_W (macro 0) */
    uint32_t written;    /* the last WRITTEN emitted (while loading: the previous
                          * partition's; once its loads are out: its own), or NONE */
    uint32_t barrier;    /* the previous partition's BARRIER, or NONE */
    uint32_t *load_ids;  /* scratch: a partition's loads, one per macro at most */
    /* the partition's units on the network (index: unit - partition's first) */
    pim_share_list in, out;
    pim_xfer_list psums;
    uint32_t *in_at, *out_at, *psum_at; /* count + 1 offsets each */
    double *acc;                        /* scratch: bytes per logical node */
    uint32_t *touched, ntouched;
    int oom;
} builder;

/* Append an instruction with its waits (NONE entries dropped) and its
 * transfers; returns its index. */
static uint32_t emit_moving(builder *b, pim_instr in, const uint32_t *deps, uint32_t ndeps,
                            const pim_xfer *xfers, uint32_t nxfers)
{
    pim_program *p = b->prog;
    if (!pim_grow((void **)&p->code, &p->cap, p->count, sizeof *p->code) ||
        p->count == UINT32_MAX - 1) {
        b->oom = 1;
        return 0;
    }
    while (p->ndeps + ndeps > p->deps_cap) {
        uint64_t cap = p->deps_cap ? p->deps_cap * 2 : 1024;
        uint32_t *d = cap <= UINT32_MAX ? realloc(p->deps, cap * sizeof *d) : NULL;
        if (!d) {
            b->oom = 1;
            return 0;
        }
        p->deps = d;
        p->deps_cap = cap;
    }
    if ((uint64_t)p->nxfers + nxfers >= UINT32_MAX) {
        b->oom = 1;
        return 0;
    }
    for (uint32_t k = 0; k < nxfers; k++)
        if (!pim_grow((void **)&p->xfers, &p->xfers_cap, p->nxfers + k, sizeof *p->xfers)) {
            b->oom = 1;
            return 0;
        } else {
            p->xfers[p->nxfers + k] = xfers[k];
        }
    uint32_t kept = 0;
    for (uint32_t k = 0; k < ndeps; k++)
        if (deps[k] != NONE)
            p->deps[p->ndeps + kept++] = deps[k];
    in.dep_first = (uint32_t)p->ndeps;
    in.ndeps = kept;
    in.xfer_first = p->nxfers;
    in.nxfers = nxfers;
    p->ndeps += kept;
    p->nxfers += nxfers;
    p->code[p->count] = in;
    return p->count++;
}

static uint32_t emit(builder *b, pim_instr in, const uint32_t *deps, uint32_t ndeps)
{
    return emit_moving(b, in, deps, ndeps, NULL, 0);
}

static uint32_t home_core(const builder *b, const pim_partition *pt, uint32_t u)
{
    const pim_unit *units = b->c->units;
    if (units[u].tiles)
        return b->base[u] / b->mpc;
    for (uint32_t k = 0; k < units[u].npreds; k++) /* digital: beside its producer */
        if (units[u].preds[k] >= pt->first)
            return home_core(b, pt, units[u].preds[k]);
    return 0;
}

static uint32_t home_node(const builder *b, const pim_partition *pt, uint32_t u)
{
    return home_core(b, pt, u) / (b->mpn / b->mpc);
}

/* A digital unit's first producer in the partition (it works where that
 * one's outputs are), or NONE. */
static uint32_t anchor(const builder *b, const pim_partition *pt, uint32_t u)
{
    const pim_unit *v = &b->c->units[u];
    for (uint32_t k = 0; !v->tiles && k < v->npreds; k++)
        if (v->preds[k] >= pt->first)
            return v->preds[k];
    return NONE;
}

/* Loads in flight at once: enough to keep the channel full (each takes
 * bytes/s plus the fixed overhead for its smallest tile, while B bytes a
 * cycle arrive), and no more, so that weights arrive in layout order and
 * the first layers can start while later ones still load. */
static uint32_t load_window(const builder *b, const pim_partition *pt)
{
    double smallest = INFINITY;
    for (uint32_t k = 0; k < pt->count; k++) {
        const pim_unit *v = &b->c->units[pt->first + k];
        for (uint64_t t = 0; t < v->tiles; t++) {
            double bytes = (double)pim_tile_bytes(&v->tiling, v->tile_first + t);
            smallest = bytes > 0 && bytes < smallest ? bytes : smallest;
        }
    }
    if (!isfinite(smallest))
        return 1;
    double w = ceil(b->cp->bandwidth * (smallest / b->cp->port + b->cp->overhead) / smallest);
    return w < 1 ? 1 : w > (double)b->cp->macros ? (uint32_t)b->cp->macros : (uint32_t)w;
}

/* Lay the partition's units out in macro order (b->base); unless the
 * weights are resident, load them in that order: load x waits for its
 * macro's last MVM and for load x - window (the first ones: the previous
 * partition's WRITTEN, or in sequential partitions its BARRIER). */
static void emit_loads(builder *b, uint32_t part, const pim_partition *pt)
{
    uint32_t macro = 0, window = load_window(b, pt), deps[2];
    int loading = b->phase != PIM_PHASE_RESIDENT;
    b->prog->load_window[part] = window;
    for (uint32_t k = 0; k < pt->count; k++) {
        uint32_t u = pt->first + k;
        const pim_unit *v = &b->c->units[u];
        b->base[u] = macro;
        for (uint32_t copy = 0; copy < pt->replicas[k]; copy++)
            for (uint64_t t = 0; t < v->tiles; t++, macro++) {
                if (!loading)
                    continue;
                pim_instr in = {.op = PIM_I_LOAD_W,
                                .core = macro / b->mpc,
                                .node = macro / b->mpn,
                                .partition = part,
                                .unit = u,
                                .macro = macro,
                                .tile = (uint32_t)(v->tile_first + t),
                                .bytes = pim_tile_bytes(&v->tiling, v->tile_first + t)};
                deps[0] = b->last_mvm[macro];
                deps[1] = macro >= window           ? b->load_ids[macro - window]
                          : b->cp->model.sequential ? b->barrier
                                                    : b->written;
                b->last_mvm[macro] = NONE;
                b->load_ids[macro] = emit(b, in, deps, 2);
            }
        uint32_t nodes = macro ? (macro - 1) / b->mpn + 1 : 1;
        if (nodes > b->prog->nodes)
            b->prog->nodes = nodes;
    }
    if (!loading)
        return;
    /* zero-time: waits for every load just emitted */
    pim_instr w = {.op = PIM_I_WRITTEN, .partition = part};
    b->written = emit(b, w, b->load_ids, macro);
}

/* Where each unit of the partition reads, writes and reduces (spread.c). */
static void spread_partition(builder *b, const pim_partition *pt)
{
    b->in.count = b->out.count = b->psums.count = 0;
    for (uint32_t k = 0; k < pt->count && !b->oom; k++) {
        uint32_t u = pt->first + k;
        b->in_at[k] = b->in.count;
        b->out_at[k] = b->out.count;
        b->psum_at[k] = b->psums.count;
        pim_spread_in s = {.unit = &b->c->units[u],
                           .replicas = pt->replicas[k],
                           .base_macro = b->base[u],
                           .home = home_node(b, pt, u),
                           .macros_per_node = b->mpn,
                           .psum_bytes = b->prog->layout.psum_bytes};
        uint32_t q = anchor(b, pt, u);
        pim_share *like = NULL;
        if (q != NONE) { /* a copy: the list may move as it grows */
            s.nlike = b->out_at[q - pt->first + 1] - b->out_at[q - pt->first];
            like = malloc(s.nlike * sizeof *like);
            b->oom = !like;
            if (like)
                memcpy(like, b->out.items + b->out_at[q - pt->first], s.nlike * sizeof *like);
            s.like = like;
        }
        b->oom = b->oom || !pim_unit_spread(&s, &b->in, &b->out, &b->psums);
        free(like);
    }
    b->in_at[pt->count] = b->in.count;
    b->out_at[pt->count] = b->out.count;
    b->psum_at[pt->count] = b->psums.count;
}

/* Bytes into the per-node accumulator (memory transfers of one
 * instruction, merged per node). */
static void accumulate(builder *b, uint32_t node, double bytes)
{
    if (b->acc[node] == 0)
        b->touched[b->ntouched++] = node;
    b->acc[node] += bytes;
}

/* The accumulated bytes as transfers to (to_memory = 0) or from memory;
 * the accumulator is cleared. Returns how many, in b->psums' tail. */
static pim_xfer *drain_acc(builder *b, int to_memory, uint32_t *n)
{
    uint32_t first = b->psums.count;
    for (uint32_t k = 0; k < b->ntouched && !b->oom; k++) {
        uint32_t node = b->touched[k];
        pim_xfer x = {to_memory ? node : PIM_NODE_MEMORY, to_memory ? PIM_NODE_MEMORY : node,
                      b->acc[node], 0};
        b->acc[node] = 0;
        if (!pim_grow((void **)&b->psums.items, &b->psums.cap, b->psums.count,
                      sizeof *b->psums.items))
            b->oom = 1;
        else
            b->psums.items[b->psums.count++] = x;
    }
    b->ntouched = 0;
    *n = b->psums.count - first;
    return b->psums.items + first;
}

/* A transfer into the scratch tail of b->psums (from `first` on), merged
 * with an earlier one between the same nodes. */
static void add_xfer(builder *b, uint32_t first, pim_xfer x)
{
    pim_xfer_list *l = &b->psums;
    for (uint32_t k = first; k < l->count; k++)
        if (l->items[k].from == x.from && l->items[k].to == x.to && l->items[k].group == x.group) {
            l->items[k].bytes += x.bytes;
            return;
        }
    if (!pim_grow((void **)&l->items, &l->cap, l->count, sizeof *l->items))
        b->oom = 1;
    else
        l->items[l->count++] = x;
}

/* With multicast, consumer share c gets the same data as the first share
 * of its unit with the same copy range and row blocks: they form a group
 * (numbered from 1 within the send, per producer share a). */
static uint32_t multicast_group(const builder *b, uint32_t a, uint32_t first_in, uint32_t c,
                                uint32_t nin)
{
    if (!b->prog->layout.multicast)
        return 0;
    const pim_share *s = &b->in.items[c];
    uint32_t c0 = first_in;
    while (c0 < c) {
        const pim_share *o = &b->in.items[c0];
        if (o->lo == s->lo && o->hi == s->hi && o->row_lo == s->row_lo && o->row_hi == s->row_hi)
            break;
        c0++;
    }
    return 1 + a * nin + (c0 - first_in);
}

/* Producer q's outputs (on q's nodes) to consumer u's input nodes, as
 * transfers between different nodes (same-node data moves for free). */
static uint32_t edge_xfers(builder *b, const pim_partition *pt, uint32_t q, uint32_t u)
{
    uint32_t kq = q - pt->first, ku = u - pt->first, first = b->psums.count;
    double bytes = (double)b->c->units[q].out_bytes;
    if (anchor(b, pt, u) == q) /* works in place on q's outputs */
        return 0;
    uint32_t nin = b->in_at[ku + 1] - b->in_at[ku];
    for (uint32_t a = b->out_at[kq]; a < b->out_at[kq + 1] && !b->oom; a++)
        for (uint32_t c = b->in_at[ku]; c < b->in_at[ku + 1] && !b->oom; c++) {
            const pim_share *from = &b->out.items[a], *to = &b->in.items[c];
            double moved = pim_share_bytes(from, to, bytes);
            uint32_t group = multicast_group(b, a - b->out_at[kq], b->in_at[ku], c, nin);
            if (from->node != to->node && moved > 0)
                add_xfer(b, first, (pim_xfer){from->node, to->node, moved, group});
        }
    return b->psums.count - first;
}

/* What unit u waits for on image i: producers in the partition (through a
 * send when their outputs cross the network), or the boundary load. */
static uint32_t data_deps(builder *b, const pim_partition *pt, uint32_t part, uint32_t u,
                          uint32_t i, uint32_t load_a, uint32_t *deps)
{
    const pim_unit *v = &b->c->units[u];
    uint32_t n = 0;
    if (v->npreds == 0 && v->in_bytes)
        deps[n++] = load_a;
    if (b->cp->model.sequential && i == 0)
        deps[n++] = b->written; /* this partition's weights all in (NONE: resident) */
    for (uint32_t k = 0; k < v->npreds; k++) {
        uint32_t q = v->preds[k];
        if (q < pt->first) {
            deps[n++] = load_a;
            continue;
        }
        uint32_t done = b->join[(size_t)q * b->batch + i];
        uint32_t scratch = b->psums.count, nx = edge_xfers(b, pt, q, u);
        if (nx == 0) {
            deps[n++] = done;
            continue;
        }
        pim_instr s = {.op = PIM_I_SEND,
                       .core = home_core(b, pt, q),
                       .node = home_node(b, pt, q),
                       .partition = part,
                       .unit = u,
                       .from_unit = q,
                       .image = i,
                       .bytes = b->c->units[q].out_bytes};
        deps[n++] = emit_moving(b, s, &done, 1, b->psums.items + scratch, nx);
        b->psums.count = scratch;
    }
    return n;
}

/* The unit's MVMs for image i, one per core its copies span; returns the
 * first (the others follow it) and sets *parts. */
static uint32_t emit_mvms(builder *b, uint32_t part, const pim_partition *pt, uint32_t k,
                          uint32_t i, uint32_t nd, uint32_t *parts)
{
    uint32_t u = pt->first + k, *deps = b->deps;
    const pim_unit *v = &b->c->units[u];
    uint32_t r = pt->replicas[k], lo = b->base[u], hi = lo + (uint32_t)(r * v->tiles);
    double cycles = (double)pim_ceil_div(v->vectors, r) * b->cp->cycles_per_vector;
    uint32_t first = NONE;
    *parts = 0;
    for (uint32_t m = lo; m < hi; (*parts)++) {
        uint32_t end = (m / b->mpc + 1) * b->mpc;
        end = end < hi ? end : hi;
        uint32_t n = nd;
        if (i)
            deps[n++] = b->first_mvm[u] + *parts;
        else if (b->phase != PIM_PHASE_RESIDENT)
            for (uint32_t x = m; x < end; x++)
                deps[n++] = b->loads_base + x;
        pim_instr in = {.op = PIM_I_MVM,
                        .core = m / b->mpc,
                        .node = m / b->mpn,
                        .partition = part,
                        .unit = u,
                        .image = i,
                        .macro = m,
                        .macro_count = end - m,
                        .cycles = cycles};
        uint32_t id = emit(b, in, deps, n);
        first = first == NONE ? id : first;
        for (uint32_t x = m; x < end; x++)
            b->last_mvm[x] = id;
        m = end;
    }
    return first;
}

/* The unit's outputs for image i to off chip, from the nodes they leave. */
static void emit_store(builder *b, uint32_t part, const pim_partition *pt, uint32_t k, uint32_t i,
                       const pim_instr *join, uint32_t done)
{
    const pim_unit *v = &b->c->units[pt->first + k];
    const pim_share whole = {0, 0, 1, 1, 0, 0};
    double bytes = (double)v->out_bytes;
    for (uint32_t a = b->out_at[k]; a < b->out_at[k + 1]; a++)
        accumulate(b, b->out.items[a].node, pim_share_bytes(&whole, &b->out.items[a], bytes));
    uint32_t scratch = b->psums.count, nx;
    pim_xfer *x = drain_acc(b, 1, &nx);
    pim_instr st = {.op = PIM_I_STORE_A,
                    .core = join->core,
                    .node = join->node,
                    .partition = part,
                    .unit = join->unit,
                    .image = i,
                    .bytes = v->out_bytes};
    b->store[(size_t)join->unit * b->batch + i] = emit_moving(b, st, &done, 1, x, nx);
    b->psums.count = scratch;
}

/* A digital unit's work for image i: one instruction for the chip's
 * vector unit, or (vector_nodes) one per node holding its data, each that
 * node's share of the elements at the node's share of the lanes. */
static uint32_t emit_vecs(builder *b, uint32_t part, const pim_partition *pt, uint32_t k,
                          uint32_t i, uint32_t nd, uint32_t *parts)
{
    uint32_t u = pt->first + k, *deps = b->deps, first = NONE;
    const pim_unit *v = &b->c->units[u];
    pim_instr in = {.op = PIM_I_VEC,
                    .core = home_core(b, pt, u),
                    .node = home_node(b, pt, u),
                    .partition = part,
                    .unit = u,
                    .image = i,
                    .bytes = v->stream_bytes,
                    .cycles = (double)v->digital_cycles};
    uint32_t lo = b->in_at[k], hi = b->in_at[k + 1];
    *parts = 0;
    for (uint32_t s = lo; s < hi || *parts == 0; (*parts)++) {
        if (b->prog->layout.vector_nodes && s < hi) {
            double share = 0; /* this node's part of the elements, every copy */
            uint32_t node = b->in.items[s].node;
            for (; s < hi && b->in.items[s].node == node; s++)
                share += b->in.items[s].share * (b->in.items[s].hi - b->in.items[s].lo);
            in.node = node;
            in.core = node * (b->mpn / b->mpc);
            in.cycles = (double)v->digital_cycles * b->prog->layout.vector_nodes * share;
        } else {
            s = hi;
        }
        deps[nd] = i ? b->first_mvm[u] + *parts : NONE;
        uint32_t id = emit(b, in, deps, nd + 1);
        first = first == NONE ? id : first;
        in.bytes = 0; /* a KV read goes with the first part */
    }
    return first;
}

static void emit_unit_image(builder *b, uint32_t part, const pim_partition *pt, uint32_t k,
                            uint32_t i, uint32_t load_a)
{
    uint32_t u = pt->first + k;
    const pim_unit *v = &b->c->units[u];
    uint32_t *deps = b->deps;
    uint32_t nd = data_deps(b, pt, part, u, i, load_a, deps);
    uint32_t parts_first, parts = 1, home = home_node(b, pt, u);
    if (!v->tiles) {
        parts_first = emit_vecs(b, part, pt, k, i, nd, &parts);
    } else {
        parts_first = emit_mvms(b, part, pt, k, i, nd, &parts);
    }
    b->first_mvm[u] = parts_first;
    for (uint32_t x = 0; x < parts; x++)
        deps[x] = parts_first + x;
    /* done when every core's part is, its partial sums reduced */
    pim_instr j = {.op = PIM_I_JOIN,
                   .core = home_core(b, pt, u),
                   .node = home,
                   .partition = part,
                   .unit = u,
                   .image = i};
    uint32_t done = emit_moving(b, j, deps, parts, b->psums.items + b->psum_at[k],
                                b->psum_at[k + 1] - b->psum_at[k]);
    b->join[(size_t)u * b->batch + i] = done;
    if (b->cp->last_use[u] == NONE || b->cp->last_use[u] >= pt->first + pt->count)
        emit_store(b, part, pt, k, i, &j, done);
}

/* A partition's boundary inputs for image i: the bytes read from off chip
 * (each outside producer once, and the model's input for units that read
 * it), and the transfers that bring them to every node reading them
 * (accumulated in b->acc). */
static uint64_t boundary_in(builder *b, const pim_partition *pt, uint32_t *deps, uint32_t *nd,
                            uint32_t i)
{
    const pim_unit *units = b->c->units;
    uint64_t bytes = 0;
    for (uint32_t u = pt->first; u < pt->first + pt->count; u++) {
        uint32_t k = u - pt->first;
        double arriving = (double)units[u].in_bytes;
        bytes += units[u].in_bytes;
        for (uint32_t e = 0; e < units[u].npreds; e++) {
            uint32_t q = units[u].preds[e], seen = 0;
            if (q >= pt->first)
                continue;
            arriving += (double)units[q].out_bytes;
            for (uint32_t x = 0; x < *nd && !seen; x++)
                seen = deps[x] == b->store[(size_t)q * b->batch + i];
            if (seen)
                continue;
            deps[(*nd)++] = b->store[(size_t)q * b->batch + i];
            bytes += units[q].out_bytes;
        }
        const pim_share whole = {0, 0, 1, 1, 0, 0};
        for (uint32_t c = b->in_at[k]; arriving > 0 && c < b->in_at[k + 1]; c++)
            accumulate(b, b->in.items[c].node, pim_share_bytes(&whole, &b->in.items[c], arriving));
    }
    return bytes;
}

static void emit_images(builder *b, uint32_t part, const pim_partition *pt)
{
    uint32_t load_a = NONE;
    /* the store ids of outside producers, per image; distinct by construction */
    size_t edges = 1;
    for (uint32_t u = pt->first; u < pt->first + pt->count; u++)
        edges += b->c->units[u].npreds;
    uint32_t *ins = malloc(edges * sizeof *ins);
    if (!ins) {
        b->oom = 1;
        return;
    }
    for (uint32_t i = 0; i < b->batch && !b->oom; i++) {
        uint32_t nd = 0;
        uint64_t bytes = boundary_in(b, pt, ins, &nd, i);
        uint32_t scratch = b->psums.count, nx;
        pim_xfer *x = drain_acc(b, 0, &nx);
        if (bytes) {
            ins[nd++] = load_a;
            pim_instr in = {.op = PIM_I_LOAD_A, .partition = part, .image = i, .bytes = bytes};
            load_a = emit_moving(b, in, ins, nd, x, nx);
        }
        b->psums.count = scratch;
        for (uint32_t k = 0; k < pt->count && !b->oom; k++)
            emit_unit_image(b, part, pt, k, i, load_a);
    }
    free(ins);
}

/* The barrier: every image of every unit done and stored. */
static void emit_barrier(builder *b, uint32_t part, const pim_partition *pt)
{
    uint32_t n = 0;
    uint32_t *all = malloc(((size_t)pt->count * b->batch * 2 + 1) * sizeof *all);
    if (!all) {
        b->oom = 1;
        return;
    }
    for (uint32_t u = pt->first; u < pt->first + pt->count; u++)
        for (uint32_t i = 0; i < b->batch; i++) {
            all[n++] = b->join[(size_t)u * b->batch + i];
            all[n++] = b->store[(size_t)u * b->batch + i];
        }
    pim_instr bar = {.op = PIM_I_BARRIER, .partition = part};
    b->barrier = emit(b, bar, all, n);
    free(all);
}

static void emit_partition(builder *b, uint32_t part)
{
    const pim_partition *pt = &b->c->parts[part];
    b->loads_base = b->prog->count;
    emit_loads(b, part, pt);
    if (b->phase == PIM_PHASE_SETUP || b->oom)
        return;
    spread_partition(b, pt);
    emit_images(b, part, pt);
    if (!b->oom)
        emit_barrier(b, part, pt);
}

static int builder_alloc(builder *b, const pim_compiled *c, const pim_cost_params *cp)
{
    size_t cells = (size_t)c->nunits * b->batch;
    uint32_t most_units = 1;
    for (uint32_t p = 0; p < c->nparts; p++)
        most_units = c->parts[p].count > most_units ? c->parts[p].count : most_units;
    /* a unit waits on its producers and, per core, on its loads; a join on
     * one MVM per core of the chip at most */
    size_t cores = pim_ceil_div(cp->macros, b->mpc), most = 0, nodes = cp->macros / b->mpn + 2;
    for (uint32_t u = 0; u < c->nunits; u++)
        most = c->units[u].npreds > most ? c->units[u].npreds : most;
    b->last_mvm = malloc(cp->macros * sizeof *b->last_mvm);
    b->prog->load_window = calloc(c->nparts ? c->nparts : 1, sizeof *b->prog->load_window);
    b->load_ids = malloc((cp->macros + 1) * sizeof *b->load_ids);
    b->join = malloc(cells * sizeof *b->join);
    b->store = malloc(cells * sizeof *b->store);
    b->first_mvm = malloc(c->nunits * sizeof *b->first_mvm);
    b->base = calloc(c->nunits, sizeof *b->base);
    b->deps = malloc((most + 3 + (size_t)b->mpc + cores) * sizeof *b->deps);
    b->in_at = malloc(((size_t)most_units + 1) * sizeof *b->in_at);
    b->out_at = malloc(((size_t)most_units + 1) * sizeof *b->out_at);
    b->psum_at = malloc(((size_t)most_units + 1) * sizeof *b->psum_at);
    b->acc = calloc(nodes, sizeof *b->acc);
    b->touched = malloc(nodes * sizeof *b->touched);
    if (!b->last_mvm || !b->load_ids || !b->prog->load_window || !b->join || !b->store ||
        !b->first_mvm || !b->base || !b->deps || !b->in_at || !b->out_at || !b->psum_at ||
        !b->acc || !b->touched)
        return 0;
    memset(b->last_mvm, 0xff, cp->macros * sizeof *b->last_mvm);
    memset(b->store, 0xff, cells * sizeof *b->store);
    return 1;
}

static void builder_free(builder *b)
{
    free(b->last_mvm);
    free(b->load_ids);
    free(b->join);
    free(b->store);
    free(b->first_mvm);
    free(b->base);
    free(b->deps);
    free(b->in_at);
    free(b->out_at);
    free(b->psum_at);
    free(b->acc);
    free(b->touched);
    free(b->in.items);
    free(b->out.items);
    free(b->psums.items);
}

pim_status pim_program_build(const pim_compiled *c, const pim_cost_params *cp,
                             const pim_layout *layout, pim_program *out, pim_error *err)
{
    memset(out, 0, sizeof *out);
    out->layout = *layout;
    out->macros_per_core = layout->macros_per_core ? layout->macros_per_core : 1;
    out->macros_per_node =
        out->macros_per_core * (layout->cores_per_node ? layout->cores_per_node : 1);
    out->nodes = 1;
    out->bandwidth = cp->bandwidth;
    out->port = cp->port;
    out->overhead = cp->overhead;
    builder b = {.prog = out,
                 .c = c,
                 .cp = cp,
                 .mpc = out->macros_per_core,
                 .mpn = out->macros_per_node,
                 .phase = layout->phase,
                 .written = NONE,
                 .barrier = NONE};
    if (cp->batch < 1 || cp->batch > (double)(1u << 20))
        return pim_fail(err, PIM_EINPUT, "compile: batch must be in 1..1048576");
    if (layout->phase != PIM_PHASE_ALL && c->nparts != 1)
        return pim_fail(err, PIM_EINPUT,
                        "compile: resident weights need the model in one "
                        "partition");
    b.batch = (uint32_t)cp->batch;
    b.oom = !builder_alloc(&b, c, cp);
    for (uint32_t p = 0; p < c->nparts && !b.oom; p++)
        emit_partition(&b, p);
    builder_free(&b);
    if (b.oom) {
        pim_program_free(out);
        return pim_fail(err, PIM_EINTERNAL, "compile: out of memory for the program");
    }
    return PIM_OK;
}

void pim_program_free(pim_program *p)
{
    free(p->load_window);
    free(p->code);
    free(p->deps);
    free(p->xfers);
    memset(p, 0, sizeof *p);
}
