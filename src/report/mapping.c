/* pimstream report: a network mapped onto a storage hierarchy (map).
 *
 * Text shows what a Timeloop user reads in a stats file: each level's
 * loops and what it keeps, then per level and tensor the tile and the
 * reads, fills and updates of one instance, and the energy of all. */
#include "pimstream/report.h"

#include <string.h>

static const char *bound_name(const pim_hier *h, const pim_nest_result *r)
{
    return r->bound_level < 0 ? "compute" : h->level[r->bound_level].name;
}

static void keeps(const pim_mapping *m, uint32_t i, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int t = 0; t < PIM_TENSORS && n < cap; t++)
        if (m->keep[i] & PIM_TENSOR_BIT(t))
            n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? " " : "keeps ", pim_tensor_name(t));
}

static void text_nest(FILE *f, const pim_hier *h, const pim_mapper_best *b)
{
    fprintf(f, "mapping (each level's loops, outer to inner):\n");
    for (uint32_t i = 0; i + 1 < h->nlevels; i++) {
        char loops[128], kept[32] = "";
        pim_mapping_format_level(h, &b->mapping, i, loops, sizeof loops);
        if (h->level[i].kind == PIM_HL_STORAGE)
            keeps(&b->mapping, i, kept, sizeof kept);
        fprintf(f, "  %-14s %-24s %s\n", h->level[i].name, loops, kept);
    }
    fprintf(f, "  %s\n\n", h->level[h->nlevels - 1].name);
    fprintf(f, "%-14s %-2s %9s %10s %12s %12s %12s %16s\n", "level", "", "instances", "tile",
            "reads", "fills", "updates", "energy pJ");
    for (uint32_t i = h->nlevels - 1; i-- > 0;)
        for (int t = 0; t < PIM_TENSORS; t++) {
            if (h->level[i].kind != PIM_HL_STORAGE || !(b->mapping.keep[i] & PIM_TENSOR_BIT(t)))
                continue;
            const pim_access *a = &b->result.acc[i][t];
            fprintf(f, "%-14s %-2s %9llu %10llu %12llu %12llu %12llu %16.2f\n", h->level[i].name,
                    pim_tensor_name(t), (unsigned long long)b->result.used[i],
                    (unsigned long long)a->tile, (unsigned long long)a->reads,
                    (unsigned long long)a->fills, (unsigned long long)a->updates, a->energy_pj);
        }
    fprintf(f, "%-14s %-2s %9llu %10s %12s %12s %12s %16.2f\n", h->level[h->nlevels - 1].name, "",
            (unsigned long long)b->result.used[h->nlevels - 1], "", "", "", "", b->result.mac_pj);
    double leak = 0;
    for (uint32_t i = 0; i < h->nlevels; i++)
        leak += b->result.leak_pj[i];
    if (leak > 0)
        fprintf(f, "%-14s %-2s %9s %10s %12s %12s %12s %16.2f\n", "leakage", "", "", "", "", "", "",
                leak);
}

static void text_layers(FILE *f, const pim_hier *h, const pim_mapper_network *net)
{
    fprintf(f, "%-28s %-18s %6s %14s %14s %7s %-12s %s\n", "layer", "M x N x K", "times", "cycles",
            "energy pJ", "util", "bound", "mapping");
    for (uint32_t i = 0; i < net->count; i++) {
        const pim_mapper_layer *l = &net->layers[i];
        char shape[64], nest[512];
        snprintf(shape, sizeof shape, "%llux%llux%llu", (unsigned long long)l->gemm.m,
                 (unsigned long long)l->gemm.n, (unsigned long long)l->gemm.k);
        if (!l->best.found) {
            fprintf(f, "%-28.28s %-18s %6llu %14s\n", l->gemm.name, shape,
                    (unsigned long long)l->gemm.repeat, "no mapping fits");
            continue;
        }
        pim_mapping_format(h, &l->best.mapping, nest, sizeof nest);
        fprintf(f, "%-28.28s %-18s %6llu %14.0f %14.1f %6.1f%% %-12s %s\n", l->gemm.name, shape,
                (unsigned long long)l->gemm.repeat, l->best.result.cycles, l->best.result.energy_pj,
                100 * l->best.result.utilization, bound_name(h, &l->best.result), nest);
    }
    fputc('\n', f);
}

void pim_report_map_text(FILE *f, const pim_hier *h, const char *model,
                         const pim_mapper_network *net, pim_mapper_objective o)
{
    if (net->given)
        fprintf(f, "%s on %s: the given mapping\n\n", model, h->name);
    else
        fprintf(f, "%s on %s: %u layer%s mapped for the least %s\n\n", model, h->name, net->count,
                net->count == 1 ? "" : "s", pim_mapper_objective_name(o));
    if (net->count == 1 && net->layers[0].best.found)
        text_nest(f, h, &net->layers[0].best);
    else
        text_layers(f, h, net);
    double seconds = net->cycles / (h->clock_mhz * 1e6);
    fprintf(f, "\ncycles          %.0f (%.3g s at %g MHz)", net->cycles, seconds, h->clock_mhz);
    if (net->unscaled_cycles != net->cycles)
        fprintf(f, "; each MAC step 1 cycle (Timeloop's count): %.0f", net->unscaled_cycles);
    if (net->count == 1 && net->layers[0].best.found)
        fprintf(f, "; bound by %s", bound_name(h, &net->layers[0].best.result));
    fprintf(f, "\nenergy          %.2f uJ, %.2f fJ/MAC", net->energy_pj / 1e6,
            net->macs ? 1000 * net->energy_pj / (double)net->macs : 0);
    if (net->unscaled_energy_pj != net->energy_pj)
        fprintf(f, " (leakage over Timeloop's count: %.2f uJ)", net->unscaled_energy_pj / 1e6);
    fputc('\n', f);
    fprintf(f, "MACs            %llu; EDP %.4g pJ x cycles\n", (unsigned long long)net->macs,
            net->energy_pj * net->cycles);
    fprintf(f, "area            %.4f mm2 (the levels' areas x their instances)\n",
            pim_hier_area(h) / 1e6);
    if (net->unmapped)
        fprintf(f, "not mapped      %u layers: no mapping fits the hierarchy\n", net->unmapped);
    if (net->given)
        return;
    fprintf(f, "mapper          %llu mappings evaluated, %llu partial mappings cut, %.3f s\n",
            (unsigned long long)net->considered, (unsigned long long)net->pruned, net->seconds);
    pim_report_map_stopped(f, "not proven      ", net);
}

void pim_report_map_stopped(FILE *f, const char *lead, const pim_mapper_network *net)
{
    if (net->stopped)
        fprintf(f,
                "%s%u layer shape%s stopped at the budget of %llu choices: the best found, "
                "maybe not the best (raise --budget)\n",
                lead, net->stopped, net->stopped == 1 ? "" : "s", (unsigned long long)net->budget);
}

static void json_accesses(pim_json *j, const pim_hier *h, const pim_mapper_best *b)
{
    pim_json_obj(j, "accesses");
    for (uint32_t i = 0; i + 1 < h->nlevels; i++) {
        if (h->level[i].kind != PIM_HL_STORAGE || !b->mapping.keep[i])
            continue;
        pim_json_obj(j, h->level[i].name);
        for (int t = 0; t < PIM_TENSORS; t++) {
            if (!(b->mapping.keep[i] & PIM_TENSOR_BIT(t)))
                continue;
            const pim_access *a = &b->result.acc[i][t];
            pim_json_obj(j, pim_tensor_name(t));
            pim_json_u64(j, "instances", b->result.used[i]);
            pim_json_u64(j, "tile", a->tile);
            pim_json_u64(j, "reads", a->reads);
            pim_json_u64(j, "fills", a->fills);
            pim_json_u64(j, "updates", a->updates);
            pim_json_end(j, '}');
        }
        pim_json_end(j, '}');
    }
    pim_json_end(j, '}');
}

static void json_energy(pim_json *j, const pim_hier *h, const pim_nest_result *r)
{
    pim_json_obj(j, "energy_pj");
    pim_json_f64(j, "total", r->energy_pj);
    pim_json_obj(j, "by_level");
    for (uint32_t i = 0; i + 1 < h->nlevels; i++) {
        double e = r->read_pj[i] + r->fill_pj[i] + r->update_pj[i] + r->leak_pj[i];
        if (e > 0)
            pim_json_f64(j, h->level[i].name, e);
    }
    pim_json_f64(j, h->level[h->nlevels - 1].name, r->mac_pj);
    pim_json_end(j, '}');
    double by[5] = {0};
    for (uint32_t i = 0; i < h->nlevels; i++) {
        by[0] += r->read_pj[i];
        by[1] += r->fill_pj[i];
        by[2] += r->update_pj[i];
        by[3] += r->leak_pj[i];
    }
    by[4] = r->mac_pj;
    static const char *const actions[] = {"read", "fill", "update", "leak", "mac"};
    pim_json_obj(j, "by_action");
    for (int k = 0; k < 5; k++)
        pim_json_f64(j, actions[k], by[k]);
    pim_json_end(j, '}');
    pim_json_end(j, '}');
}

static void json_layer(pim_json *j, const pim_hier *h, const pim_mapper_layer *l)
{
    pim_json_obj(j, NULL);
    pim_json_str(j, "name", l->gemm.name);
    pim_json_u64(j, "m", l->gemm.m);
    pim_json_u64(j, "n", l->gemm.n);
    pim_json_u64(j, "k", l->gemm.k);
    pim_json_u64(j, "repeat", l->gemm.repeat);
    pim_json_u64(j, "stopped", (uint64_t)l->best.stopped); /* 1: not proven best */
    if (l->best.found) {
        const pim_nest_result *r = &l->best.result;
        char nest[512];
        pim_mapping_format(h, &l->best.mapping, nest, sizeof nest);
        pim_json_str(j, "mapping", nest);
        pim_json_f64(j, "cycles", r->cycles);
        pim_json_u64(j, "unscaled_cycles", r->unscaled_cycles);
        pim_json_str(j, "bound", bound_name(h, r));
        json_energy(j, h, r);
        pim_json_f64(j, "unscaled_energy_pj", r->unscaled_energy_pj);
        json_accesses(j, h, &l->best);
        pim_json_f64(j, "utilization", r->utilization);
        pim_json_u64(j, "macs", r->macs);
        if (h->level[h->nlevels - 1].cim) {
            pim_json_obj(j, "study");
            pim_json_f64(j, "cycles", r->study_cycles);
            pim_json_f64(j, "energy_pj", r->study_energy_pj);
            pim_json_end(j, '}');
        }
    } else {
        pim_json_str(j, "mapping", "");
    }
    pim_json_end(j, '}');
}

void pim_report_map_json(pim_json *j, const pim_hier *h, const char *model,
                         const pim_mapper_network *net, pim_mapper_objective o)
{
    pim_json_obj(j, NULL);
    pim_json_str(j, "arch", h->name);
    pim_json_str(j, "model", model);
    pim_json_str(j, "objective", pim_mapper_objective_name(o));
    pim_json_arr(j, "layers");
    for (uint32_t i = 0; i < net->count; i++)
        json_layer(j, h, &net->layers[i]);
    pim_json_end(j, ']');
    pim_json_f64(j, "cycles", net->cycles);
    pim_json_f64(j, "unscaled_cycles", net->unscaled_cycles);
    pim_json_f64(j, "energy_pj", net->energy_pj);
    pim_json_f64(j, "unscaled_energy_pj", net->unscaled_energy_pj);
    pim_json_u64(j, "macs", net->macs);
    pim_json_f64(j, "edp", net->energy_pj * net->cycles);
    pim_json_f64(j, "area_um2", pim_hier_area(h));
    pim_json_u64(j, "unmapped_layers", net->unmapped);
    pim_json_obj(j, "mapper");
    pim_json_u64(j, "considered", net->considered);
    pim_json_u64(j, "pruned", net->pruned);
    pim_json_u64(j, "weighed", net->weighed);
    pim_json_u64(j, "budget", net->budget);
    pim_json_u64(j, "stopped_shapes", net->stopped);
    if (!j->timeless)
        pim_json_f64(j, "seconds", net->seconds);
    pim_json_end(j, '}');
    pim_json_end(j, '}');
}

void pim_report_map_csv(FILE *f, const pim_hier *h, const pim_mapper_network *net, int header)
{
    if (header)
        fputs("arch,layer,m,n,k,repeat,cycles,unscaled_cycles,energy_pj,utilization,bound,"
              "mapping\n",
              f);
    for (uint32_t i = 0; i < net->count; i++) {
        const pim_mapper_layer *l = &net->layers[i];
        char nest[512] = "";
        pim_csv_text(f, 1, h->name);
        pim_csv_text(f, 0, l->gemm.name);
        pim_csv_u64(f, l->gemm.m);
        pim_csv_u64(f, l->gemm.n);
        pim_csv_u64(f, l->gemm.k);
        pim_csv_u64(f, l->gemm.repeat);
        if (!l->best.found) {
            fputs(",,,,,,\n", f);
            continue;
        }
        pim_mapping_format(h, &l->best.mapping, nest, sizeof nest);
        pim_csv_f64(f, "%.0f", l->best.result.cycles);
        pim_csv_u64(f, l->best.result.unscaled_cycles);
        pim_csv_f64(f, "%.2f", l->best.result.energy_pj);
        pim_csv_f64(f, "%.6f", l->best.result.utilization);
        pim_csv_text(f, 0, bound_name(h, &l->best.result));
        pim_csv_text(f, 0, nest);
        fputc('\n', f);
    }
}
