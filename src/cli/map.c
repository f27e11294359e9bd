/* pimstream cli: the map command. A model's GEMMs mapped onto a storage
 * hierarchy (or a PIM chip seen as one), by the mapper or as a given
 * mapping file says (Timeloop's mapper and model in one command). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#define TEXT_OF(x) #x
#define NUMBER_TEXT(x) TEXT_OF(x)
#define BUDGET_TEXT NUMBER_TEXT(PIM_MAPPER_BUDGET)

const char *const CLI_USAGE_MAP =
    "usage: pimstream map [--arch A] [--model M] [--model-format F] [--batch N]\n"
    "                     [--objective edp|energy|delay] [--constraints FILE]\n"
    "                     [--mapping FILE] [--budget N]\n"
    "                     [--set key=value]... [--threads T] [--json FILE] [--csv FILE]\n"
    "  Map every stationary-weight layer of M (a conv lowered to a GEMM) onto\n"
    "  A and report each level's reads, fills and updates, cycles and energy.\n"
    "  A: a hierarchy preset (pimstream archs lists them: www-*), a hierarchy\n"
    "     YAML file, or a PIM chip preset (its off-chip memory and macros);\n"
    "     default www-tensor-core.\n"
    "  M: gemm:M,N,K (default gemm:512,1024,1024, BERT-Large), a zoo name or a\n"
    "     model file as for run; N multiplies each layer's M.\n"
    "  --objective: what the mapper minimises (default edp); it searches the\n"
    "     whole space and reports how many mappings it evaluated and cut.\n"
    "  --budget: choices the mapper may weigh per layer shape (default\n"
    "     " BUDGET_TEXT ", seconds; 0: no limit); a search the budget stops\n"
    "     reports its best so far as not proven best.\n"
    "  --constraints: the mapper searches only mappings that keep these, a YAML\n"
    "     file of LEVEL: {factors: {M: 512, N: \"<=4\"}, permutation: MKN,\n"
    "     keep: [A], bypass: [B], axis: {K: Y}} (permutations innermost first);\n"
    "     or priority: the study's priority-based dataflow for each layer.\n"
    "  --mapping: evaluate this mapping instead (one GEMM): a YAML file of\n"
    "     LEVEL: [loops outer to inner], as DRAM: [N8, M4] or PE: [N16@Y, K16@X].\n"
    "  --set LEVEL.key=value changes a hierarchy level (SMEM.capacity=131072,\n"
    "     CiMBank.y=16, cim.rp=128) or, on a PIM chip, a chip field.\n"
    "  T: layers mapped at once (default: one per CPU).\n";

/* An analog chip's energy per MAC: what one full-tile VMM's actions cost
 * in the energy model (conversions, row drives, samples, shift-and-adds,
 * the crossbar), over the MACs it does. */
static double analog_mac_pj(const pim_arch *a)
{
    uint64_t rows = a->macro.rows, cols = pim_arch_weight_columns(a);
    pim_counts c;
    memset(&c, 0, sizeof c);
    c.macs = rows * cols;
    pim_analog_vmm(a, rows, cols, &c.analog);
    pim_energy e;
    pim_energy_compute(a, &c, &e);
    return c.macs ? e.total / (double)c.macs : 0;
}

/* --threads and --budget as the mapper takes them. */
static int mapper_run(const cli_opts *o, pim_mapper_run *run, pim_error *err)
{
    uint64_t threads = 0;
    if (o->threads && cli_count("--threads", o->threads, 64, &threads, err))
        return 2;
    run->threads = (unsigned)threads;
    run->budget = PIM_MAPPER_BUDGET;
    if (o->budget && (!pim_parse_u64(o->budget, &run->budget) || run->budget > (UINT64_C(1) << 48)))
        return cli_err(err,
                       "--budget %s: must be a whole number of choices up to 2^48 (0: no "
                       "limit)",
                       o->budget);
    return 0;
}

/* Apply --constraints FILE (not the priority dataflow, a mapper mode). */
static int constrain(const cli_opts *o, pim_hier *h, pim_error *err)
{
    return o->constraints && strcmp(o->constraints, "priority") != 0 &&
                   pim_hier_constrain_file(h, o->constraints, err)
               ? 2
               : 0;
}

/* The hierarchy named by --arch, with --set applied: a hierarchy preset or
 * file, or a PIM chip turned into one. Errors as values. */
static int load_hierarchy(const cli_opts *o, pim_hier *h, pim_error *err)
{
    const char *name = o->arch ? o->arch : "www-tensor-core";
    if (pim_hier_is_hier(name)) {
        if (pim_hier_load(name, h, err))
            return 2;
        for (int i = 0; i < o->nsets; i++)
            if (strncmp(o->sets[i], "model.", 6) != 0 && pim_hier_set(h, o->sets[i], err))
                return 2;
        return pim_hier_validate(h, err) ? 2 : constrain(o, h, err);
    }
    pim_arch a;
    if (pim_arch_load(name, &a, err))
        return 2;
    for (int i = 0; i < o->nsets; i++)
        if (strncmp(o->sets[i], "model.", 6) != 0 && pim_arch_set(&a, o->sets[i], err))
            return 2;
    if (pim_arch_validate(&a, err) || pim_hier_from_arch(&a, h, err))
        return 2;
    if (a.macro.type != PIM_MACRO_SRAM_DIGITAL && pim_hier_cim_mac_pj(h, analog_mac_pj(&a), err))
        return 2;
    return constrain(o, h, err);
}

static int load_gemms(const cli_opts *o, pim_model *model, pim_gemm **gemms, uint32_t *n,
                      pim_error *err)
{
    for (int i = 0; i < o->nsets; i++)
        if (strncmp(o->sets[i], "model.", 6) == 0)
            return cli_err(err, "--set %s: map takes the batch as --batch", o->sets[i]);
    uint64_t batch = 0;
    if (o->batch && cli_count("--batch", o->batch, 1u << 24, &batch, err))
        return 2;
    pim_zoo_opts zoo = {0};
    if (pim_model_load(o->model ? o->model : "gemm:512,1024,1024", o->model_format, &zoo, model,
                       err))
        return 2;
    if (model->warnings[0])
        fprintf(stderr, "pimstream: warning: %s\n", model->warnings);
    if (!batch)
        batch = model->default_batch ? model->default_batch : 1;
    if (pim_model_gemms(model, batch, gemms, n, err)) {
        pim_model_free(model);
        return 2;
    }
    return 0;
}

int cli_map_network(const cli_opts *o, cli_mapped *m, pim_error *err)
{
    memset(m, 0, sizeof *m);
    m->objective = PIM_MAPPER_EDP;
    if (o->objective && !pim_mapper_objective_parse(o->objective, &m->objective))
        return cli_err(err, "--objective %s: must be edp, energy or delay", o->objective);
    if (o->mapping && (o->objective || o->constraints))
        return cli_err(err, "%s goes with the mapper; --mapping evaluates one mapping",
                       o->objective ? "--objective" : "--constraints");
    pim_mapper_run run;
    if (mapper_run(o, &run, err))
        return 2;
    if (!(m->h = pim_xcalloc(1, sizeof *m->h)))
        return pim_fail(err, PIM_EINTERNAL, "out of memory"), 1;
    pim_gemm *gemms = NULL;
    uint32_t n = 0;
    int rc = load_hierarchy(o, m->h, err);
    if (rc || (rc = load_gemms(o, &m->model, &gemms, &n, err))) {
        free(m->h);
        m->h = NULL;
        return rc;
    }
    pim_mapping given;
    if (o->mapping && n != 1)
        rc = cli_err(err,
                     "--mapping: %s has %u layers to map; a mapping fits one GEMM "
                     "(--model gemm:M,N,K)",
                     m->model.name, n);
    else if (o->mapping && pim_mapping_load(m->h, &gemms[0], o->mapping, &given, err))
        rc = 2;
    else if (o->constraints && strcmp(o->constraints, "priority") == 0)
        rc = pim_mapper_network_priority(m->h, gemms, n, m->objective, &run, &m->net, err) == PIM_OK
                 ? 0
                 : 1;
    else
        rc = pim_mapper_network_run(m->h, gemms, n, m->objective, o->mapping ? &given : NULL, &run,
                                    &m->net, err) == PIM_OK
                 ? 0
                 : 1;
    free(gemms);
    if (!rc && m->net.unmapped == m->net.count) {
        pim_mapper_network_free(&m->net);
        rc = cli_err(err,
                     "%s: no mapping of %s fits %s (its levels' fixed factors, mesh sizes or "
                     "capacities rule every one out)",
                     m->model.name, n == 1 ? "its GEMM" : "any of its GEMMs", m->h->name);
    }
    if (rc) {
        pim_model_free(&m->model);
        free(m->h);
        m->h = NULL;
    }
    return rc;
}

void cli_mapped_free(cli_mapped *m)
{
    if (!m->h)
        return;
    pim_mapper_network_free(&m->net);
    pim_model_free(&m->model);
    free(m->h);
    m->h = NULL;
}

int cli_cmd_map(const cli_opts *o)
{
    if (o->help)
        return fputs(CLI_USAGE_MAP, stdout), 0;
    pim_error err;
    cli_outputs out;
    int rc = cli_open_outputs(o, &out);
    if (rc)
        return rc;
    cli_mapped m;
    if ((rc = cli_map_network(o, &m, &err))) {
        cli_abort_outputs(&out);
        return cli_fail(&err);
    }
    const pim_mapper_network *net = &m.net;
    if (net->unmapped)
        fprintf(stderr,
                "pimstream: warning: %u of %u layers of %s fit no mapping on %s; the "
                "totals leave them out\n",
                net->unmapped, net->count, m.model.name, m.h->name);
    if (out.has_json) {
        pim_json j;
        pim_json_init(&j, out.json.fp, 1);
        pim_report_map_json(&j, m.h, m.model.name, net, m.objective);
        pim_json_finish(&j);
    }
    if (out.has_csv)
        pim_report_map_csv(out.csv.fp, m.h, net, 1);
    pim_report_map_text(stdout, m.h, m.model.name, net, m.objective);
    cli_mapped_free(&m);
    return cli_commit_outputs(&out);
}

/* ---- compare --arch A,B,... on hierarchies ------------------------------- */

#define MAX_HIERS 32

typedef struct {
    pim_hier h;
    pim_mapper_network net;
    uint32_t wins; /* layers on which it has the least EDP of all */
} compared;

static void count_wins(compared *c, int n)
{
    for (uint32_t l = 0; l < c[0].net.count; l++) {
        int best = -1;
        double best_edp = 0;
        for (int a = 0; a < n; a++) {
            const pim_mapper_best *b = &c[a].net.layers[l].best;
            double edp = b->result.energy_pj * b->result.cycles;
            if (b->found && (best < 0 || edp < best_edp))
                best = a, best_edp = edp;
        }
        if (best >= 0)
            c[best].wins++;
    }
}

static void compare_text(FILE *f, const char *model, const compared *c, int n,
                         pim_mapper_objective o)
{
    fprintf(f, "%s: each layer mapped for the least %s on each hierarchy\n\n", model,
            pim_mapper_objective_name(o));
    fprintf(f, "%-28s %14s %12s %10s %12s %9s %9s %6s %8s\n", "arch", "cycles", "energy uJ",
            "fJ/MAC", "EDP", "speedup", "energy", "wins", "map s");
    for (int a = 0; a < n; a++) {
        const pim_mapper_network *x = &c[a].net, *first = &c[0].net;
        fprintf(f, "%-28s %14.0f %12.2f %10.2f %12.4g %8.2fx %8.3fx %6u %8.3f\n", c[a].h.name,
                x->cycles, x->energy_pj / 1e6, x->macs ? 1000 * x->energy_pj / (double)x->macs : 0,
                x->energy_pj * x->cycles, first->cycles / x->cycles,
                x->energy_pj / first->energy_pj, c[a].wins, x->seconds);
    }
    fprintf(f,
            "\nspeedup and energy are against %s; wins: layers where the arch has the least "
            "EDP\n",
            c[0].h.name);
    for (int a = 0; a < n; a++) {
        char lead[sizeof c[a].h.name + 2];
        snprintf(lead, sizeof lead, "%s: ", c[a].h.name);
        pim_report_map_stopped(f, lead, &c[a].net);
    }
}

static void compare_json(FILE *f, const char *model, const compared *c, int n)
{
    pim_json j;
    pim_json_init(&j, f, 1);
    pim_json_obj(&j, NULL);
    pim_json_str(&j, "model", model);
    pim_json_arr(&j, "archs");
    for (int a = 0; a < n; a++) {
        pim_json_obj(&j, NULL);
        pim_json_str(&j, "arch", c[a].h.name);
        pim_json_f64(&j, "cycles", c[a].net.cycles);
        pim_json_f64(&j, "energy_pj", c[a].net.energy_pj);
        pim_json_f64(&j, "edp", c[a].net.energy_pj * c[a].net.cycles);
        pim_json_u64(&j, "macs", c[a].net.macs);
        pim_json_u64(&j, "wins", c[a].wins);
        pim_json_u64(&j, "unmapped_layers", c[a].net.unmapped);
        pim_json_u64(&j, "stopped_shapes", c[a].net.stopped);
        pim_json_f64(&j, "seconds", c[a].net.seconds);
        pim_json_end(&j, '}');
    }
    pim_json_end(&j, ']');
    pim_json_end(&j, '}');
    pim_json_finish(&j);
}

int cli_compare_hierarchies(const cli_opts *o)
{
    if (o->equal_area || o->partitioner || o->placement || o->weights || o->schedule ||
        o->bandwidth)
        return cli_bad_input("compare of storage hierarchies takes --model, --batch, "
                             "--objective, --budget, --set, --threads, --json and --csv");
    char buf[4096], *items[MAX_HIERS];
    if (strlen(o->arch) >= sizeof buf)
        return cli_bad_input("--arch: list too long");
    pim_strlcpy(buf, o->arch, sizeof buf);
    int n = 0, rc = cli_split_list("--arch", buf, items, MAX_HIERS, &n);
    if (rc)
        return rc;
    pim_mapper_objective objective = PIM_MAPPER_EDP;
    if (o->objective && !pim_mapper_objective_parse(o->objective, &objective))
        return cli_bad_input("--objective %s: must be edp, energy or delay", o->objective);
    pim_mapper_run run;
    pim_error err;
    if (mapper_run(o, &run, &err))
        return cli_fail(&err);
    compared *c = pim_xcalloc((size_t)n, sizeof *c);
    if (!c)
        return fputs("pimstream: out of memory\n", stderr), 1;
    cli_opts one = *o;
    for (int a = 0; a < n && !rc; a++) {
        one.arch = items[a];
        if (!pim_hier_is_hier(items[a]))
            rc = cli_bad_input("--arch %s: not a storage hierarchy (compare takes all "
                               "hierarchies or all chips)",
                               items[a]);
        else
            rc = load_hierarchy(&one, &c[a].h, &err) ? cli_fail(&err) : 0;
    }
    pim_model model;
    pim_gemm *gemms = NULL;
    uint32_t ng = 0;
    int loaded = !rc && !(rc = load_gemms(o, &model, &gemms, &ng, &err) ? cli_fail(&err) : 0);
    cli_outputs out;
    memset(&out, 0, sizeof out);
    if (!rc)
        rc = cli_open_outputs(o, &out);
    int mapped = 0;
    for (; mapped < n && !rc; mapped++)
        if (pim_mapper_network_run(&c[mapped].h, gemms, ng, objective, NULL, &run, &c[mapped].net,
                                   &err))
            rc = cli_fail(&err);
    if (!rc) {
        count_wins(c, n);
        if (out.has_json)
            compare_json(out.json.fp, model.name, c, n);
        for (int a = 0; a < n && out.has_csv; a++)
            pim_report_map_csv(out.csv.fp, &c[a].h, &c[a].net, a == 0);
        compare_text(stdout, model.name, c, n, objective);
        rc = cli_commit_outputs(&out);
    } else {
        cli_abort_outputs(&out);
    }
    for (int a = 0; a < mapped; a++)
        pim_mapper_network_free(&c[a].net);
    if (loaded) {
        free(gemms);
        pim_model_free(&model);
    }
    free(c);
    return rc;
}
