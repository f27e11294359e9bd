/* pimstream cli: `pimstream noc`, a network microbenchmark with synthetic
 * traffic (see noc.h and src/noc/traffic.c). */
#include "pimstream/noc.h"
#include "cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const CLI_USAGE_NOC =
    "usage: pimstream noc [--topology mesh|torus] [--size KxM] [--router-cycles R]\n"
    "                     [--link-cycles L] [--flit-bytes W] [--vcs V] [--vc-flits D]\n"
    "                     --traffic uniform|transpose|bitcomp|neighbor|tornado|hotspot\n"
    "                     [--hotspots N1,N2,...] (--packets P | --rate X [--warmup C]\n"
    "                     [--measure C]) [--flits F] [--seed S] [--json FILE]\n"
    "  Synthetic traffic on a network (default: an 8x8 mesh, 4-cycle routers,\n"
    "  1-cycle links, 16-byte flits, 2 VCs of 8 flits, XY routing). Batch mode:\n"
    "  every node sends P packets of F flits back to back; the report gives the\n"
    "  cycle the last flit arrives. Rate mode: X packets per node per cycle;\n"
    "  average latency and accepted throughput over C measured cycles after C\n"
    "  warm-up cycles. Nodes are numbered y*K + x.\n";

static int parse_real(const char *flag, const char *s, double lo, double hi, double *out,
                      pim_error *err)
{
    if (!pim_parse_double(s, out) || *out < lo || *out > hi)
        return cli_err(err, "%s %s: must be a number in %g..%g", flag, s, lo, hi);
    return 0;
}

static int parse_size(const char *s, uint32_t *k, uint32_t *m, pim_error *err)
{
    char buf[64];
    pim_strlcpy(buf, s, sizeof buf);
    char *x = strchr(buf, 'x');
    uint64_t a, b;
    if (!x)
        return cli_err(err, "--size %s: expected KxM, e.g. 8x8", s);
    *x = '\0';
    if (!pim_parse_u64(buf, &a) || !pim_parse_u64(x + 1, &b) || a < 1 || b < 1 || a > 64 || b > 64)
        return cli_err(err, "--size %s: K and M must be whole numbers in 1..64", s);
    *k = (uint32_t)a;
    *m = (uint32_t)b;
    return 0;
}

static int parse_hotspots(const char *list, uint32_t *out, uint32_t *n, pim_error *err)
{
    char buf[1024], *items[64];
    int count = 0;
    if (strlen(list) >= sizeof buf)
        return cli_err(err, "--hotspots: list too long");
    pim_strlcpy(buf, list, sizeof buf);
    int rc = cli_list("--hotspots", buf, items, 64, &count, err);
    for (int i = 0; i < count && !rc; i++) {
        uint64_t v;
        if (!pim_parse_u64(items[i], &v) || v > 1u << 20)
            rc = cli_err(err, "--hotspots %s: node numbers, e.g. 0,7,56,63", list);
        out[i] = (uint32_t)v;
    }
    *n = (uint32_t)count;
    return rc;
}

int cli_noc_setup(const cli_opts *o, pim_noc_spec *spec, pim_noc_bench *b, uint32_t *hot,
                  pim_error *err)
{
    int rc = 0;
    if (o->arch || o->nsets)
        return cli_err(err, "noc: --arch and --set are not read yet; describe the network with "
                            "--topology and --size");
    double router = 4, link = 1, flit = 16, v;
    uint64_t u;
    *spec = (pim_noc_spec){.topology = PIM_TOPO_MESH, .k = 8, .m = 8};
    *b = (pim_noc_bench){.pattern = PIM_TRAFFIC_UNIFORM,
                         .flits = 1,
                         .vcs = 2,
                         .vc_flits = 8,
                         .seed = 1,
                         .warmup = 1000,
                         .measure = 10000};
    if (o->topology && strcmp(o->topology, "mesh") && strcmp(o->topology, "torus"))
        return cli_err(err, "--topology %s: must be mesh or torus", o->topology);
    if (o->topology && !strcmp(o->topology, "torus"))
        spec->topology = PIM_TOPO_TORUS;
    if (o->size && (rc = parse_size(o->size, &spec->k, &spec->m, err)))
        return rc;
    if ((o->router_cycles &&
         (rc = parse_real("--router-cycles", o->router_cycles, 0, 1e6, &router, err))) ||
        (o->link_cycles &&
         (rc = parse_real("--link-cycles", o->link_cycles, 0, 1e6, &link, err))) ||
        (o->flit_bytes && (rc = parse_real("--flit-bytes", o->flit_bytes, 1, 1 << 20, &flit, err))))
        return rc;
    for (int c = 0; c < PIM_LINK_CLASSES; c++)
        spec->link[c] = (pim_link_params){flit, link, 0};
    spec->router.pipeline_cycles = router;
    spec->router.head_cycles = 2; /* route computation and VC allocation */
    b->flit_bytes = flit;
    if (!o->traffic || !pim_traffic_parse(o->traffic, &b->pattern))
        return cli_err(err, "--traffic: one of uniform, transpose, bitcomp, neighbor, tornado, "
                            "hotspot");
    if (o->hotspots && (rc = parse_hotspots(o->hotspots, hot, &b->nhotspots, err)))
        return rc;
    b->hotspots = hot;
    if (o->hotspots && b->pattern != PIM_TRAFFIC_HOTSPOT)
        return cli_err(err, "--hotspots goes with --traffic hotspot");
    if (!o->packets == !o->rate)
        return cli_err(err, "noc: give one of --packets P (batch) and --rate X (rate mode)");
    if ((o->warmup || o->measure) && !o->rate)
        return cli_err(err, "--warmup and --measure go with --rate");
    if ((o->packets && (rc = cli_count("--packets", o->packets, 1u << 20, &b->packets, err))) ||
        (o->rate && (rc = parse_real("--rate", o->rate, 1e-9, 1, &b->rate, err))) ||
        (o->flits && (rc = cli_count("--flits", o->flits, 1u << 16, &u, err))))
        return rc;
    if (o->flits)
        b->flits = (uint32_t)u;
    if ((o->vcs && (rc = cli_count("--vcs", o->vcs, 64, &u, err))))
        return rc;
    if (o->vcs)
        b->vcs = (uint32_t)u;
    if ((o->vc_flits && (rc = cli_count("--vc-flits", o->vc_flits, 1u << 16, &u, err))))
        return rc;
    if (o->vc_flits)
        b->vc_flits = (uint32_t)u;
    spec->router.vcs = b->vcs;
    spec->router.vc_flits = b->vc_flits;
    if ((o->seed && (rc = cli_count("--seed", o->seed, UINT64_MAX, &b->seed, err))) ||
        (o->warmup && (rc = parse_real("--warmup", o->warmup, 0, 1e9, &v, err))))
        return rc;
    if (o->warmup)
        b->warmup = v;
    if (o->measure && (rc = parse_real("--measure", o->measure, 1, 1e9, &b->measure, err)))
        return rc;
    return 0;
}

int cli_cmd_noc(const cli_opts *o)
{
    if (o->help)
        return fputs(CLI_USAGE_NOC, stdout), 0;
    pim_noc_spec spec;
    pim_noc_bench b;
    uint32_t hot[64];
    pim_error err;
    int rc;
    if (cli_noc_setup(o, &spec, &b, hot, &err))
        return cli_fail(&err);
    pim_noc n;
    if (pim_noc_build(&spec, &n, &err))
        return cli_fail(&err);
    cli_outputs out;
    if ((rc = cli_open_outputs(o, &out))) {
        pim_noc_free(&n);
        return rc;
    }
    pim_noc_bench_result r;
    if (pim_noc_bench_run(&n, &b, &r, &err)) {
        cli_abort_outputs(&out);
        pim_noc_free(&n);
        return cli_fail(&err);
    }
    if (out.has_json) {
        pim_json j;
        pim_json_init(&j, out.json.fp, 1);
        pim_report_noc_bench_json(&j, &n, &b, &r);
        pim_json_finish(&j);
    }
    printf("noc: %ux%u %s, %s traffic, %s, %u-flit packets\n", spec.k, spec.m,
           pim_topology_name(spec.topology), pim_traffic_name(b.pattern),
           b.packets ? "batch" : "rate mode", b.flits);
    printf("  packets %llu, flits %llu, completion %.1f cycles\n", (unsigned long long)r.packets,
           (unsigned long long)r.flits, r.completion_cycles);
    printf("  latency average %.2f, max %.1f cycles; hops average %.3f\n", r.latency_avg,
           r.latency_max, r.hops_avg);
    printf("  accepted %.4f flits/node/cycle (channel-load bound %.4f); busiest link %.1f%%\n",
           r.accepted_flits_per_node_per_cycle, r.bound_flits_per_node_per_cycle,
           100 * r.max_link_utilization);
    pim_noc_free(&n);
    return cli_commit_outputs(&out);
}
