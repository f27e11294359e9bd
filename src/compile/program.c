/* pimstream compile: lowering partitions to a program, and printing it.
 *
 * Each instruction lists the instructions it waits for; the simulator
 * (src/sim/program.c) runs exactly these, so the printed program is what
 * was timed. Waits encode: a macro is rewritten only after its last MVM; a
 * layer's MVMs for image i follow its image i-1 on the same core (a
 * pipeline stage) and its producers' image i; a partition's boundary inputs
 * for image i are loaded after they were stored; a partition's weight loads
 * start once the partition before has all its weights (so they overlap its
 * compute, not its writes: the cost model's assumption, units.c). */
#include "pimstream/compile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

typedef struct {
    pim_program *prog;
    const pim_compiled *c;
    const pim_cost_params *cp;
    uint32_t batch, mpc;
    uint32_t *last_mvm;  /* per macro: the last MVM that used it */
    uint32_t *join;      /* per unit x image */
    uint32_t *store;     /* per unit x image, NONE when not stored */
    uint32_t *first_mvm; /* per unit: its first MVM of the previous image */
    uint32_t *base;      /* per unit: first macro of its copies */
    uint32_t *deps;      /* scratch: most producers of a unit + 2 + macros per core + cores */
    uint32_t loads_base; /* the partition's first LOAD_W (macro 0) */
    uint32_t written;    /* the previous partition's WRITTEN, or NONE */
    uint32_t *load_ids;  /* scratch: a partition's loads, one per macro at most */
    int oom;
} builder;

static uint32_t emit(builder *b, pim_instr in, const uint32_t *deps, uint32_t ndeps)
{
    pim_program *p = b->prog;
    if (!pim_grow((void **)&p->code, &p->cap, p->count, sizeof *p->code)) {
        b->oom = 1;
        return 0;
    }
    while (p->ndeps + ndeps > p->deps_cap) {
        uint64_t cap = p->deps_cap ? p->deps_cap * 2 : 1024;
        uint32_t *d = realloc(p->deps, cap * sizeof *d);
        if (!d) {
            b->oom = 1;
            return 0;
        }
        p->deps = d;
        p->deps_cap = cap;
    }
    uint32_t kept = 0;
    for (uint32_t k = 0; k < ndeps; k++)
        if (deps[k] != NONE)
            p->deps[p->ndeps + kept++] = deps[k];
    in.dep_first = (uint32_t)p->ndeps;
    in.ndeps = kept;
    p->ndeps += kept;
    p->code[p->count] = in;
    return p->count++;
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

/* Weight loads in layout order: load x waits for its macro's last MVM and
 * for load x - window (the first ones: the previous partition's WRITTEN). */
static void emit_loads(builder *b, uint32_t part, const pim_partition *pt)
{
    uint32_t macro = 0, window = load_window(b, pt), deps[2];
    b->prog->load_window[part] = window;
    for (uint32_t k = 0; k < pt->count; k++) {
        uint32_t u = pt->first + k;
        const pim_unit *v = &b->c->units[u];
        b->base[u] = macro;
        for (uint32_t copy = 0; copy < pt->replicas[k]; copy++)
            for (uint64_t t = 0; t < v->tiles; t++, macro++) {
                pim_instr in = {.op = PIM_I_LOAD_W,
                                .core = macro / b->mpc,
                                .partition = part,
                                .unit = u,
                                .macro = macro,
                                .tile = (uint32_t)(v->tile_first + t),
                                .bytes = pim_tile_bytes(&v->tiling, v->tile_first + t)};
                deps[0] = b->last_mvm[macro];
                deps[1] = macro >= window ? b->load_ids[macro - window] : b->written;
                b->last_mvm[macro] = NONE;
                b->load_ids[macro] = emit(b, in, deps, 2);
            }
    }
    /* zero-time: waits for every load just emitted */
    pim_instr w = {.op = PIM_I_WRITTEN, .partition = part};
    b->written = emit(b, w, b->load_ids, macro);
}

/* What unit u waits for on image i: producers in the partition (through a
 * send/receive when they sit on another core), or the boundary load. */
static uint32_t data_deps(builder *b, const pim_partition *pt, uint32_t part, uint32_t u,
                          uint32_t i, uint32_t load_a, uint32_t *deps)
{
    const pim_unit *v = &b->c->units[u];
    uint32_t n = 0, home = home_core(b, pt, u);
    if (v->npreds == 0 && v->in_bytes)
        deps[n++] = load_a;
    for (uint32_t k = 0; k < v->npreds; k++) {
        uint32_t q = v->preds[k];
        if (q < pt->first) {
            deps[n++] = load_a;
            continue;
        }
        uint32_t done = b->join[(size_t)q * b->batch + i], from = home_core(b, pt, q);
        if (from == home) {
            deps[n++] = done;
            continue;
        }
        pim_instr s = {.op = PIM_I_SEND,
                       .core = from,
                       .partition = part,
                       .unit = q,
                       .image = i,
                       .peer = home,
                       .bytes = b->c->units[q].out_bytes};
        uint32_t sent = emit(b, s, &done, 1);
        pim_instr r = s;
        r.op = PIM_I_RECV;
        r.core = home;
        r.peer = from;
        r.unit = u;
        deps[n++] = emit(b, r, &sent, 1);
    }
    return n;
}

static void emit_unit_image(builder *b, uint32_t part, const pim_partition *pt, uint32_t k,
                            uint32_t i, uint32_t load_a)
{
    uint32_t u = pt->first + k;
    const pim_unit *v = &b->c->units[u];
    uint32_t *deps = b->deps;
    uint32_t nd = data_deps(b, pt, part, u, i, load_a, deps);
    uint32_t parts_first = b->prog->count, parts = 0;
    if (!v->tiles) {
        deps[nd] = i ? b->first_mvm[u] : NONE;
        pim_instr in = {.op = PIM_I_VEC,
                        .core = home_core(b, pt, u),
                        .partition = part,
                        .unit = u,
                        .image = i,
                        .bytes = v->stream_bytes,
                        .cycles = (double)v->digital_cycles};
        parts_first = emit(b, in, deps, nd + 1);
        parts = 1;
    } else {
        uint32_t r = pt->replicas[k], lo = b->base[u], hi = lo + (uint32_t)(r * v->tiles);
        double cycles = (double)pim_ceil_div(v->vectors, r) * b->cp->cycles_per_vector;
        uint32_t first = NONE;
        for (uint32_t m = lo; m < hi; parts++) {
            uint32_t end = (m / b->mpc + 1) * b->mpc;
            end = end < hi ? end : hi;
            uint32_t n = nd;
            if (i) {
                deps[n++] = b->first_mvm[u] + parts;
            } else {
                for (uint32_t x = m; x < end; x++)
                    deps[n++] = b->loads_base + x;
            }
            pim_instr in = {.op = PIM_I_MVM,
                            .core = m / b->mpc,
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
        parts_first = first;
    }
    b->first_mvm[u] = parts_first;
    for (uint32_t x = 0; x < parts; x++)
        deps[x] = parts_first + x;
    pim_instr j = {
        .op = PIM_I_JOIN, .core = home_core(b, pt, u), .partition = part, .unit = u, .image = i};
    uint32_t done = emit(b, j, deps, parts);
    b->join[(size_t)u * b->batch + i] = done;
    if (b->cp->last_use[u] == NONE || b->cp->last_use[u] >= pt->first + pt->count) {
        pim_instr st = {.op = PIM_I_STORE_A,
                        .core = j.core,
                        .partition = part,
                        .unit = u,
                        .image = i,
                        .bytes = v->out_bytes};
        b->store[(size_t)u * b->batch + i] = emit(b, st, &done, 1);
    }
}

/* Bytes a partition loads per image: each outside producer once, and the
 * model's input for units that read it. */
static uint64_t boundary_in(const builder *b, const pim_partition *pt, uint32_t *deps, uint32_t *nd,
                            uint32_t i)
{
    const pim_unit *units = b->c->units;
    uint64_t bytes = 0;
    for (uint32_t u = pt->first; u < pt->first + pt->count; u++) {
        bytes += units[u].in_bytes;
        for (uint32_t k = 0; k < units[u].npreds; k++) {
            uint32_t q = units[u].preds[k], seen = 0;
            if (q >= pt->first)
                continue;
            for (uint32_t x = 0; x < *nd && !seen; x++)
                seen = deps[x] == b->store[(size_t)q * b->batch + i];
            if (seen)
                continue;
            deps[(*nd)++] = b->store[(size_t)q * b->batch + i];
            bytes += units[q].out_bytes;
        }
    }
    return bytes;
}

static void emit_partition(builder *b, uint32_t part)
{
    const pim_partition *pt = &b->c->parts[part];
    b->loads_base = b->prog->count;
    emit_loads(b, part, pt);
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
        if (bytes) {
            ins[nd++] = load_a;
            pim_instr in = {.op = PIM_I_LOAD_A, .partition = part, .image = i, .bytes = bytes};
            load_a = emit(b, in, ins, nd);
        }
        for (uint32_t k = 0; k < pt->count && !b->oom; k++)
            emit_unit_image(b, part, pt, k, i, load_a);
    }
    free(ins);
    /* the barrier: every image of every unit done and stored */
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
    emit(b, bar, all, n);
    free(all);
}

pim_status pim_program_build(const pim_compiled *c, const pim_cost_params *cp,
                             uint32_t macros_per_core, pim_program *out, pim_error *err)
{
    memset(out, 0, sizeof *out);
    out->macros_per_core = macros_per_core;
    out->bandwidth = cp->bandwidth;
    out->port = cp->port;
    out->overhead = cp->overhead;
    builder b = {.prog = out, .c = c, .cp = cp, .mpc = macros_per_core, .written = NONE};
    if (cp->batch < 1 || cp->batch > (double)(1u << 20))
        return pim_fail(err, PIM_EINPUT, "compile: batch must be in 1..1048576");
    b.batch = (uint32_t)cp->batch;
    size_t cells = (size_t)c->nunits * b.batch;
    b.last_mvm = malloc(cp->macros * sizeof *b.last_mvm);
    out->load_window = calloc(c->nparts ? c->nparts : 1, sizeof *out->load_window);
    b.load_ids = malloc((cp->macros + 1) * sizeof *b.load_ids);
    b.join = malloc(cells * sizeof *b.join);
    b.store = malloc(cells * sizeof *b.store);
    b.first_mvm = malloc(c->nunits * sizeof *b.first_mvm);
    b.base = calloc(c->nunits, sizeof *b.base);
    /* a unit waits on its producers and, per core, on its loads; a join on
     * one MVM per core of the chip at most */
    size_t cores = pim_ceil_div(cp->macros, macros_per_core), most = 0;
    for (uint32_t u = 0; u < c->nunits; u++)
        most = c->units[u].npreds > most ? c->units[u].npreds : most;
    b.deps = malloc((most + 2 + (size_t)macros_per_core + cores) * sizeof *b.deps);
    b.oom = !b.last_mvm || !b.load_ids || !out->load_window || !b.join || !b.store ||
            !b.first_mvm || !b.base || !b.deps;
    if (!b.oom) {
        memset(b.last_mvm, 0xff, cp->macros * sizeof *b.last_mvm);
        memset(b.store, 0xff, cells * sizeof *b.store);
    }
    for (uint32_t p = 0; p < c->nparts && !b.oom; p++)
        emit_partition(&b, p);
    free(b.last_mvm);
    free(b.load_ids);
    free(b.join);
    free(b.store);
    free(b.first_mvm);
    free(b.base);
    free(b.deps);
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
    memset(p, 0, sizeof *p);
}

/* ---- text ------------------------------------------------------------- */

static const char *unit_name(const pim_compiled *c, const pim_model *m, uint32_t u, char *buf,
                             size_t cap)
{
    const pim_unit *v = &c->units[u];
    if (v->slices > 1)
        snprintf(buf, cap, "%s#%u", m->layers[v->layer].name, v->slice);
    else
        snprintf(buf, cap, "%s", m->layers[v->layer].name);
    return buf;
}

static void write_instr(FILE *f, const pim_instr *in, const pim_compiled *c, const pim_model *m)
{
    char name[80];
    const char *layer = unit_name(c, m, in->unit, name, sizeof name);
    switch (in->op) {
    case PIM_I_LOAD_W:
        fprintf(f, "core %u: load_w %s tile=%u macro=%u bytes=%llu\n", in->core, layer, in->tile,
                in->macro, (unsigned long long)in->bytes);
        break;
    case PIM_I_MVM:
        fprintf(f, "core %u: mvm %s image=%u macros=%u-%u cycles=%.0f\n", in->core, layer,
                in->image, in->macro, in->macro + in->macro_count - 1, in->cycles);
        break;
    case PIM_I_VEC:
        fprintf(f, "core %u: vec %s image=%u cycles=%.0f kv_bytes=%llu\n", in->core, layer,
                in->image, in->cycles, (unsigned long long)in->bytes);
        break;
    case PIM_I_LOAD_A:
        fprintf(f, "core %u: load_a image=%u bytes=%llu\n", in->core, in->image,
                (unsigned long long)in->bytes);
        break;
    case PIM_I_STORE_A:
        fprintf(f, "core %u: store_a %s image=%u bytes=%llu\n", in->core, layer, in->image,
                (unsigned long long)in->bytes);
        break;
    case PIM_I_SEND:
    case PIM_I_RECV:
        fprintf(f, "core %u: %s %s image=%u %s=core %u bytes=%llu\n", in->core,
                in->op == PIM_I_SEND ? "send" : "recv", layer, in->image,
                in->op == PIM_I_SEND ? "to" : "from", in->peer, (unsigned long long)in->bytes);
        break;
    case PIM_I_BARRIER:
        fprintf(f, "barrier partition=%u\n", in->partition);
        break;
    case PIM_I_WRITTEN:
        fprintf(f, "written partition=%u\n", in->partition);
        break;
    case PIM_I_JOIN:
        break;
    }
}

/* Instructions of the whole chip rather than of one core. */
static int chip_wide(pim_instr_op op)
{
    return op == PIM_I_BARRIER || op == PIM_I_WRITTEN;
}

void pim_program_write(FILE *f, const pim_program *p, const pim_compiled *c, const pim_model *m)
{
    fprintf(f, "# pimstream program: %s, %u partitions, %u instructions\n", m->name, c->nparts,
            p->count);
    fprintf(f, "# an instruction starts when the ones it waits for are done: a macro is\n"
               "# rewritten after its last mvm; a layer's image i follows its image i-1 on\n"
               "# the same core and its producers' image i; load_a follows the stores;\n"
               "# a partition's load_w go in order, a few in flight, the first ones after\n"
               "# the previous partition's 'written'.\n");
    char name[80];
    uint32_t i = 0;
    for (uint32_t part = 0; part < c->nparts; part++) {
        const pim_partition *pt = &c->parts[part];
        fprintf(f, "\npartition %u: layers %s", part,
                unit_name(c, m, pt->first, name, sizeof name));
        fprintf(f, " .. %s\n", unit_name(c, m, pt->first + pt->count - 1, name, sizeof name));
        fprintf(f, "#   weights load in layout order, %u in flight\n",
                p->load_window ? p->load_window[part] : 1);
        for (uint32_t k = 0; k < pt->count; k++)
            if (c->units[pt->first + k].tiles)
                fprintf(f, "#   %s: %llu macros x %u copies\n",
                        unit_name(c, m, pt->first + k, name, sizeof name),
                        (unsigned long long)c->units[pt->first + k].tiles, pt->replicas[k]);
        uint32_t end = i;
        while (end < p->count && p->code[end].partition == part)
            end++;
        /* grouped by core, in program order within a core */
        uint32_t cores = 1;
        for (uint32_t x = i; x < end; x++)
            if (p->code[x].core + 1 > cores)
                cores = p->code[x].core + 1;
        for (uint32_t core = 0; core < cores; core++)
            for (uint32_t x = i; x < end; x++)
                if (p->code[x].core == core && !chip_wide(p->code[x].op))
                    write_instr(f, &p->code[x], c, m);
        for (uint32_t x = i; x < end; x++)
            if (chip_wide(p->code[x].op))
                write_instr(f, &p->code[x], c, m);
        i = end;
    }
}
