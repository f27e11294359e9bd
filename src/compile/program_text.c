/* pimstream compile: a program as text. */
#include "pimstream/compile.h"

/* A transfer's end: a logical node, or memory. */
static void write_end(FILE *f, uint32_t node)
{
    if (node == PIM_NODE_MEMORY)
        fputs("mem", f);
    else
        fprintf(f, "%u", node);
}

/* " [from->to bytes, ...]" for an instruction that moves data. */
static void write_xfers(FILE *f, const pim_program *p, const pim_instr *in)
{
    if (!in->nxfers)
        return;
    fputs(" [", f);
    for (uint32_t k = 0; k < in->nxfers; k++) {
        const pim_xfer *x = &p->xfers[in->xfer_first + k];
        fputs(k ? ", " : "", f);
        write_end(f, x->from);
        fputs("->", f);
        write_end(f, x->to);
        fprintf(f, " %.0f", x->bytes);
    }
    fputs("]", f);
}

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

static void write_instr(FILE *f, const pim_program *p, const pim_instr *in, const pim_compiled *c,
                        const pim_model *m)
{
    char name[80], from[80];
    const char *layer = unit_name(c, m, in->unit, name, sizeof name);
    switch (in->op) {
    case PIM_I_LOAD_W:
        fprintf(f, "core %u: load_w %s tile=%u macro=%u bytes=%llu", in->core, layer, in->tile,
                in->macro, (unsigned long long)in->bytes);
        break;
    case PIM_I_MVM:
        fprintf(f, "core %u: mvm %s image=%u macros=%u-%u cycles=%.0f", in->core, layer, in->image,
                in->macro, in->macro + in->macro_count - 1, in->cycles);
        break;
    case PIM_I_VEC:
        fprintf(f, "core %u: vec %s image=%u cycles=%.0f kv_bytes=%llu", in->core, layer, in->image,
                in->cycles, (unsigned long long)in->bytes);
        break;
    case PIM_I_LOAD_A:
        fprintf(f, "core %u: load_a image=%u bytes=%llu", in->core, in->image,
                (unsigned long long)in->bytes);
        break;
    case PIM_I_STORE_A:
        fprintf(f, "core %u: store_a %s image=%u bytes=%llu", in->core, layer, in->image,
                (unsigned long long)in->bytes);
        break;
    case PIM_I_SEND:
        fprintf(f, "core %u: send %s -> %s image=%u bytes=%llu", in->core,
                unit_name(c, m, in->from_unit, from, sizeof from), layer, in->image,
                (unsigned long long)in->bytes);
        break;
    case PIM_I_JOIN:
        if (!in->nxfers)
            return;
        fprintf(f, "core %u: reduce %s image=%u", in->core, layer, in->image);
        break;
    case PIM_I_BARRIER:
        fprintf(f, "barrier partition=%u", in->partition);
        break;
    case PIM_I_WRITTEN:
        fprintf(f, "written partition=%u", in->partition);
        break;
    }
    write_xfers(f, p, in);
    fputc('\n', f);
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
    fprintf(f,
            "# an instruction starts when the ones it waits for are done: a macro is\n"
            "# rewritten after its last mvm; a layer's image i follows its image i-1 on\n"
            "# the same core and its producers' image i; load_a follows the stores;\n"
            "# a partition's load_w go in order, a few in flight, the first ones after\n"
            "# the previous partition's 'written'. Data crosses the network as\n"
            "# [from->to bytes] between logical nodes of %u macros (mem: off chip):\n"
            "# sends to the consumers' nodes, partial sums reduced at their column's\n"
            "# owner, activations from and to memory.\n",
            p->macros_per_node);
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
                    write_instr(f, p, &p->code[x], c, m);
        for (uint32_t x = i; x < end; x++)
            if (chip_wide(p->code[x].op))
                write_instr(f, p, &p->code[x], c, m);
        i = end;
    }
}
