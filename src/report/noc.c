/* pimstream report: what the network carried, for JSON and text. */
#include "pimstream/report.h"

#include <string.h>

/* The busiest links by bytes, most first (at most `cap`). */
static uint32_t busiest(const pim_run_result *r, uint32_t *out, uint32_t cap)
{
    const pim_sim_noc *s = &r->sim.noc;
    uint32_t n = 0;
    for (uint32_t l = 0; l < s->nlinks; l++) {
        if (s->link_bytes[l] <= 0)
            continue;
        uint32_t at = n < cap ? n++ : cap;
        while (at > 0 && s->link_bytes[out[at - 1]] < s->link_bytes[l]) {
            if (at < cap)
                out[at] = out[at - 1];
            at--;
        }
        if (at < cap)
            out[at] = l;
    }
    return n;
}

/* A link's bytes over what it could have carried in the run. */
static double utilization(const pim_run_result *r, uint32_t l)
{
    double width = r->noc.spec.link[r->noc.links[l].cls].bytes_per_cycle;
    return r->sim.end > 0 ? r->sim.noc.link_bytes[l] / (width * r->sim.end) : 0;
}

double pim_report_noc_latency_share(const pim_run_result *r)
{
    double comm = 0, compute = 0;
    for (uint32_t i = 0; r->sim.has_noc && i < r->sim.layers; i++) {
        comm += r->sim.noc.layer_comm[i];
        compute += r->sim.noc.layer_compute[i];
    }
    return comm + compute > 0 ? comm / (comm + compute) : 0;
}

double pim_report_noc_energy(const pim_run_result *r)
{
    return r->energy.part[PIM_E_NOC_LINK] + r->energy.part[PIM_E_NOC_ROUTER];
}

static void json_busiest(pim_json *j, const pim_run_result *r)
{
    uint32_t top[8], n = busiest(r, top, 8);
    pim_json_arr(j, "busiest_links");
    for (uint32_t k = 0; k < n; k++) {
        const pim_noc_link *l = &r->noc.links[top[k]];
        pim_json_obj(j, NULL);
        pim_json_u64(j, "from", l->from);
        pim_json_u64(j, "to", l->to);
        pim_json_str(j, "class", pim_link_class_name(l->cls));
        pim_json_f64(j, "bytes", r->sim.noc.link_bytes[top[k]]);
        pim_json_f64(j, "utilization", utilization(r, top[k]));
        pim_json_end(j, '}');
    }
    pim_json_end(j, ']');
}

static void json_placement(pim_json *j, const pim_run_result *r)
{
    pim_json_obj(j, "placement");
    pim_json_str(j, "name", pim_placement_name(r->placement));
    pim_json_f64(j, "cost", r->place_cost);
    pim_json_arr(j, "nodes"); /* logical node i sits on network node nodes[i] */
    for (uint32_t i = 0; i < r->program.nodes; i++)
        pim_json_u64(j, NULL, r->place[i]);
    pim_json_end(j, ']');
    pim_json_end(j, '}');
}

void pim_report_json_noc(pim_json *j, const pim_run_result *r)
{
    const pim_sim_noc *s = &r->sim.noc;
    uint32_t top[1];
    pim_json_obj(j, "noc");
    pim_json_str(j, "topology", pim_topology_name(r->noc.spec.topology));
    pim_json_u64(j, "nodes", r->noc.nodes);
    pim_json_u64(j, "links", r->noc.nlinks);
    pim_json_arr(j, "memory_controllers");
    for (uint32_t m = 0; m < r->nmcs; m++)
        pim_json_u64(j, NULL, r->mcs[m]);
    pim_json_end(j, ']');
    pim_json_f64(j, "bytes", s->bytes_delivered);
    pim_json_f64(j, "bytes_injected", s->bytes_injected);
    pim_json_u64(j, "transfers", s->flows);
    pim_json_f64(j, "bit_hops", s->bit_hops);
    pim_json_f64(j, "energy_pj", pim_report_noc_energy(r));
    /* hops per bit: bit-hops over the bits delivered */
    pim_json_f64(j, "average_hops",
                 s->bytes_delivered > 0 ? s->bit_hops / (8 * s->bytes_delivered) : 0);
    pim_json_f64(j, "max_link_utilization", busiest(r, top, 1) ? utilization(r, top[0]) : 0);
    pim_json_f64(j, "peak_link_load", s->peak_load);
    pim_json_f64(j, "latency_share", pim_report_noc_latency_share(r));
    pim_json_u64(j, "lower_bound_cycles", r->noc_cycles);
    json_busiest(j, r);
    json_placement(j, r);
    pim_json_end(j, '}');
}

void pim_report_json_models(pim_json *j, const pim_run_result *r)
{
    pim_json_arr(j, "models");
    for (uint32_t k = 0; k < r->nmodels; k++) {
        const pim_model_run *m = &r->models[k];
        pim_json_obj(j, NULL);
        pim_json_str(j, "name", m->name);
        pim_json_u64(j, "layers", m->count);
        pim_json_u64(j, "cycles", pim_sim_whole_cycles(m->done));
        pim_json_f64(j, "inferences_per_second", m->inferences_per_second);
        pim_json_obj(j, "steady_state");
        pim_json_f64(j, "inferences_per_second", m->steady_inferences_per_second);
        pim_json_end(j, '}');
        pim_json_f64(j, "link_bytes", m->link_bytes);
        pim_json_f64(j, "shared_link_bytes", m->shared_bytes);
        pim_json_end(j, '}');
    }
    pim_json_end(j, ']');
    if (r->has_noc)
        pim_json_u64(j, "shared_links", r->shared_links);
}

void pim_report_text_models(FILE *f, const pim_run_result *r)
{
    fprintf(f, "  models at once  %u", r->nmodels);
    if (r->has_noc)
        fprintf(f, ", %u links carried more than one model's transfers", r->shared_links);
    fputc('\n', f);
    for (uint32_t k = 0; k < r->nmodels; k++) {
        const pim_model_run *m = &r->models[k];
        fprintf(f, "    %-20s %4u layers: %.4g inferences/s (steady %.4g)", m->name, m->count,
                m->inferences_per_second, m->steady_inferences_per_second);
        if (r->has_noc && m->link_bytes > 0)
            fprintf(f, "; %.1f%% of its link traffic on shared links",
                    100 * m->shared_bytes / m->link_bytes);
        fputc('\n', f);
    }
}

void pim_report_text_noc(FILE *f, const pim_run_result *r)
{
    const pim_sim_noc *s = &r->sim.noc;
    uint32_t top[3], n = busiest(r, top, 3);
    double mb = s->bytes_delivered / (1024.0 * 1024.0);
    fprintf(f,
            "  network         %s, %u nodes, %u links, placement %s: %.2f MB in %llu transfers, "
            "%.2f hops per bit, %.4g uJ; waiting on it %.1f%% of layer time\n",
            pim_topology_name(r->noc.spec.topology), r->noc.nodes, r->noc.nlinks,
            pim_placement_name(r->placement), mb, (unsigned long long)s->flows,
            s->bytes_delivered > 0 ? s->bit_hops / (8 * s->bytes_delivered) : 0,
            pim_report_noc_energy(r) * 1e-6, 100 * pim_report_noc_latency_share(r));
    fprintf(f, "  busiest links  ");
    for (uint32_t k = 0; k < n; k++) {
        const pim_noc_link *l = &r->noc.links[top[k]];
        fprintf(f, " %u->%u %.1f%%%s", l->from, l->to, 100 * utilization(r, top[k]),
                k + 1 < n ? "," : "");
    }
    fprintf(f, "%s (bytes over width x run time)\n", n ? "" : " none");
}

/* A synthetic-traffic benchmark (pimstream noc): the network, the
 * pattern, and what the run measured. */
void pim_report_noc_bench_json(pim_json *j, const pim_noc *n, const pim_noc_bench *b,
                               const pim_noc_bench_result *r)
{
    pim_json_obj(j, NULL);
    pim_json_str(j, "topology", pim_topology_name(n->spec.topology));
    pim_json_u64(j, "nodes", n->nodes);
    pim_json_u64(j, "links", n->nlinks);
    pim_json_str(j, "traffic", pim_traffic_name(b->pattern));
    pim_json_str(j, "mode", b->packets ? "batch" : "rate");
    pim_json_f64(j, "completion_cycles", r->completion_cycles);
    pim_json_u64(j, "packets", r->packets);
    pim_json_u64(j, "flits", r->flits);
    pim_json_obj(j, "latency");
    pim_json_f64(j, "average", r->latency_avg);
    pim_json_f64(j, "max", r->latency_max);
    pim_json_end(j, '}');
    pim_json_obj(j, "hops");
    pim_json_f64(j, "average", r->hops_avg);
    pim_json_end(j, '}');
    pim_json_f64(j, "accepted_flits_per_node_per_cycle", r->accepted_flits_per_node_per_cycle);
    pim_json_f64(j, "bound_flits_per_node_per_cycle", r->bound_flits_per_node_per_cycle);
    pim_json_f64(j, "max_link_utilization", r->max_link_utilization);
    pim_json_end(j, '}');
}
