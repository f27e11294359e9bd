/* pimstream: the command line.
 *
 * Exit codes: 0 success, 2 bad input (one line on stderr naming the file
 * and place, or the flag), 1 internal failure. Output files are written
 * under a temporary name and renamed only when the run succeeded. */
#include "cli.h"
#include "pimstream/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BANDWIDTHS 64
#define MAX_ARCHS 16

static const char *const USAGE_RUN =
    "usage: pimstream run [--model M] [--model-format F] [--arch A]\n"
    "                     [--schedule auto|gpp|pingpong|insitu] [--bandwidth B] [--batch N]\n"
    "                     [--set key=value]... [--threads T]\n"
    "                     [--partitioner P [--objective O] [--seed S] [--emit FILE]]\n"
    "                     [--weights stream|resident|auto] [--placement P] [--noc-map FILE]\n"
    "                     [--json FILE] [--csv FILE] [--trace FILE [--trace-window W]]\n"
    "                     [--plot FILE.svg|png] [--no-fast-forward] [--no-cut]\n"
    "  Simulate model M on architecture A (default: resnet18 on gpp-sram).\n"
    "  M: a zoo name (pimstream models) or a file: .onnx, .csv (SCALE-Sim), .yaml;\n"
    "     F says which when the extension does not: onnx, scalesim, neurosim,\n"
    "     neurosim-estimator or yaml. M1,M2,... runs the models at once, each its\n"
    "     own pipeline, their weights resident.\n"
    "  A: a preset (pimstream archs) or a YAML file. B: off-chip bytes per cycle.\n"
    "  N: the batch (also --set model.batch=N; model.seq_len, model.kv_len size\n"
    "     the zoo's transformers). --set overrides an architecture field by its\n"
    "     dotted YAML path, e.g. chip.cores=8 or schedule.vectors_per_load=32;\n"
    "     schedule.search_events=E caps gpp's whole-network search at about E\n"
    "     simulated events (default 0: its own budgets; faster, maybe slower plans).\n"
    "  T: auto's candidates simulated at once (default: one per CPU); results do\n"
    "     not depend on T. --partitioner compiles the model first (see compile).\n"
    "  W: START:END in cycles, or layers:A:B (indices or names): trace only those.\n"
    "  --weights: stream them in as the program runs (default), keep them\n"
    "     resident (loaded once, reported apart; an error when they do not fit),\n"
    "     or auto (resident when they fit). Resident weights, a network-on-chip\n"
    "     (a noc section: manycore-2d, manycore-25d, floret, manycore-3d) and\n"
    "     several models compile the model first, as compile does.\n"
    "  --placement: where the program's nodes sit on the network: row-major,\n"
    "     snake, hilbert, random (seeded by --seed) or optimized (default).\n"
    "  --noc-map: the network as an SVG picture, links coloured by load.\n"
    "  --plot: a picture of the run (SVG or PNG by the extension): its energy\n"
    "     by part, where the macros' time went, and the cycles each layer adds,\n"
    "     coloured by its bound.\n"
    "  --no-fast-forward: simulate every event, also where the engine would jump\n"
    "     over the repeating periods of a steady state (same results, slower).\n"
    "  --no-cut: gpp and auto try only the model as given, not also with its\n"
    "     layers of more tiles than macros cut in column parts of at most that\n"
    "     many (\"<layer>#<q>\" in the layer list when the cut model ran faster).\n";
static const char *const USAGE_COMPILE =
    "usage: pimstream compile [--model M] [--model-format F] [--arch A] [--bandwidth B]\n"
    "                         [--batch N] [--set key=value]...\n"
    "                         [--partitioner optimal|compass-ga|greedy|layerwise|whole]\n"
    "                         [--objective throughput|latency|edp] [--seed S]\n"
    "                         [--weights stream|resident|auto] [--placement P]\n"
    "                         [--emit FILE] [--json FILE] [--csv FILE] [--noc-map FILE]\n"
    "                         [--trace FILE [--trace-window W]] [--plot FILE.svg|png]\n"
    "  Split the model into partitions that fit the chip (default: optimal),\n"
    "  replicate the slowest layers in each, and simulate the program that runs\n"
    "  them layer-pipelined over the batch. --emit writes that program as text,\n"
    "  one instruction per line per core; S seeds compass-ga. whole keeps the\n"
    "  model in one partition. M, F, A, B, N, W, --weights, --placement,\n"
    "  --noc-map and --plot as for run; run and compare take --partitioner too.\n";
static const char *const USAGE_COMPARE =
    "usage: pimstream compare [--model M] [--model-format F] [--arch A] [--batch N]\n"
    "                         [--set key=value]... [--bandwidth B1,B2,...] [--threads T]\n"
    "                         [--json FILE] [--csv FILE] [--plot FILE.svg|png]\n"
    "                         [--no-fast-forward] [--no-cut]\n"
    "       pimstream compare --arch A1,A2,... [--equal-area] [--schedule S]\n"
    "                         [--partitioner P1,P2,... [--objective O] [--seed S]] [options]\n"
    "       pimstream compare --arch A1,... [--placement P1,P2,...] [--weights W] [options]\n"
    "  Run insitu, pingpong, gpp and auto at every bandwidth and compare them,\n"
    "  T runs at a time (default: one per CPU). With a list of architectures,\n"
    "  run the model on each instead (schedule auto unless --schedule);\n"
    "  --equal-area scales the tile counts so every chip has the first's area.\n"
    "  With partitioners, compile and run the model with each on every\n"
    "  architecture; ratios are against the first partitioner on that chip.\n"
    "  With placements (chips with a network-on-chip), run each on every\n"
    "  architecture (and partitioner); ratios against the first on that chip.\n"
    "  --weights as for run. --plot: every run's energy by part and its cycles.\n";
static const char *const USAGE_INSPECT =
    "usage: pimstream inspect [--model M] [--model-format F] [--arch A] [--set key=value]...\n"
    "                         [--json FILE]\n"
    "  Per-layer table: shapes, weights, MACs, vectors and tiles (on A's macros).\n"
    "  M: a zoo name or an .onnx, .csv or .yaml file; F: onnx, scalesim,\n"
    "  neurosim, neurosim-estimator or yaml when the extension does not say.\n";
static const char *const USAGE_AREA =
    "usage: pimstream area [--arch A] [--set key=value]... [--json FILE]\n"
    "  Area and peak power by component and level; peak ops/s, GOPS/mm2, GOPS/W.\n";
static const char *const USAGE_MAIN =
    "usage: pimstream <command> [options]\n"
    "commands:\n"
    "  run       simulate one model on one architecture (default: resnet18 on gpp-sram)\n"
    "  compile   partition a model larger than the chip and run its program\n"
    "  compare   every schedule at one or more bandwidths, or one model on several archs\n"
    "  inspect   per-layer view of a model\n"
    "  area      area and peak power of an architecture\n"
    "  models    list the built-in models\n"
    "  archs     list the architecture presets\n"
    "  noc       a network-on-chip microbenchmark with synthetic traffic\n"
    "  map       map GEMMs onto a storage hierarchy (CiM in a memory hierarchy)\n"
    "  sweep     run or compile over a grid of settings, on every core, resumable\n"
    "  plot      draw a sweep's results (SVG or PNG): curves, bars, Pareto fronts\n"
    "'pimstream <command> --help' describes each.\n";

/* The run options every run of this setup shares. */
static void config_models(const setup *s, pim_run_config *c)
{
    c->model_first = s->model_first;
    c->model_names = s->model_name_ptrs;
    c->nmodels = (uint32_t)s->nmodels;
}

/* --model A,B,...: each loaded, then joined into one model. */
static int load_models(const char *list, const char *format, const pim_zoo_opts *zoo, setup *s,
                       pim_error *err)
{
    char buf[4096], *items[MAX_MODELS];
    if (strlen(list) >= sizeof buf)
        return cli_err(err, "--model: list too long");
    pim_strlcpy(buf, list, sizeof buf);
    int n = 0, rc = cli_list("--model", buf, items, MAX_MODELS, &n, err);
    pim_model parts[MAX_MODELS];
    const pim_model *ptrs[MAX_MODELS];
    int loaded = 0;
    for (; loaded < n && !rc; loaded++) {
        if (pim_model_load(items[loaded], format, zoo, &parts[loaded], err)) {
            rc = err->status;
            break;
        }
        ptrs[loaded] = &parts[loaded];
        pim_strlcpy(s->model_names[loaded], parts[loaded].name, sizeof s->model_names[loaded]);
        s->model_name_ptrs[loaded] = s->model_names[loaded];
    }
    if (!rc && pim_model_concat(&s->model, ptrs, (uint32_t)n, s->model_first, err))
        rc = err->status;
    for (int i = 0; i < loaded; i++)
        pim_model_free(&parts[i]);
    s->nmodels = rc ? 0 : n;
    return rc;
}

/* A comma list of names for `flag` (one for run and compile, several for
 * compare), each parsed into out[i] (elements of `size` bytes); `choices`
 * says what an item may be. */
static int parse_names(const char *flag, const char *value, int (*parse)(const char *, void *),
                       void *out, size_t size, int max, int *n, const char *choices, pim_error *err)
{
    char buf[256], *items[16];
    if (strlen(value) >= sizeof buf)
        return cli_err(err, "%s: list too long", flag);
    pim_strlcpy(buf, value, sizeof buf);
    int rc = cli_list(flag, buf, items, max < 16 ? max : 16, n, err);
    for (int i = 0; i < *n && !rc; i++)
        if (!parse(items[i], (char *)out + (size_t)i * size))
            rc = cli_err(err, "%s %s: must be %s", flag, items[i], choices);
    return rc;
}

static int parse_partitioner(const char *s, void *out)
{
    return pim_partitioner_parse(s, out);
}

static int parse_placement(const char *s, void *out)
{
    return pim_placement_parse(s, out);
}

/* --placement (a name, or for compare a list) and --weights. The network
 * and resident weights need a compiled program, which a run then makes. */
static int parse_network(const cli_opts *o, setup *s, pim_error *err)
{
    s->nplacements = 0;
    s->weights = PIM_WEIGHTS_STREAM;
    if (o->weights && !pim_weights_parse(o->weights, &s->weights))
        return cli_err(err, "--weights %s: must be resident, stream or auto", o->weights);
    if (!o->placement)
        return 0;
    if (!pim_arch_has_noc(&s->arch))
        return cli_err(err, "--placement: %s has no network-on-chip (a noc section)", s->arch.name);
    return parse_names("--placement", o->placement, parse_placement, s->placements,
                       sizeof *s->placements, MAX_PLACEMENTS, &s->nplacements,
                       "row-major, snake, hilbert, random or optimized", err);
}

/* --partitioner (a name, or for compare a list), --objective, --seed. */
static int parse_partitioning(const cli_opts *o, setup *s, pim_error *err)
{
    s->npartitioners = 0;
    if (o->partitioner) {
        int rc = parse_names("--partitioner", o->partitioner, parse_partitioner, s->partitioners,
                             sizeof *s->partitioners, MAX_PARTITIONERS, &s->npartitioners,
                             "optimal, compass-ga, greedy, layerwise or whole", err);
        if (rc)
            return rc;
    }
    /* run without a partitioner, and compare of schedules, do not partition,
     * unless the chip has a network or the weights are to stay resident */
    int rc = parse_network(o, s, err);
    if (rc)
        return rc;
    int partitioned = s->npartitioners || o->command == CMD_COMPILE || pim_arch_has_noc(&s->arch) ||
                      s->weights != PIM_WEIGHTS_STREAM;
    for (int i = 0; i < s->npartitioners; i++)
        if (s->weights == PIM_WEIGHTS_RESIDENT && s->partitioners[i] != PIM_PART_WHOLE)
            return cli_err(err,
                           "--weights resident keeps the whole model on the chip: "
                           "--partitioner %s does not apply",
                           pim_partitioner_name(s->partitioners[i]));
    if (!partitioned && (o->objective || o->seed))
        return cli_err(err, "%s goes with a partitioner (compile, or --partitioner)",
                       o->objective ? "--objective" : "--seed");
    if (partitioned && o->schedule)
        return cli_err(err, "--schedule does not apply to a partitioned run: its program "
                            "writes each partition's weights as compiled");
    if (partitioned && o->threads && o->command != CMD_COMPARE)
        return cli_err(err, "--threads does not apply to a partitioned run: its program is "
                            "one simulation");
    if (o->objective && !pim_objective_parse(o->objective, &s->objective))
        return cli_err(err, "--objective: must be throughput, latency or edp");
    s->seed = 1;
    return o->seed ? cli_count("--seed", o->seed, UINT64_MAX, &s->seed, err) : 0;
}

/* --set model.KEY=VALUE: options of the model, not of the architecture. */
static int model_option(const char *assignment, pim_zoo_opts *zoo, uint64_t *batch, pim_error *err)
{
    static const char *const keys[] = {"model.seq_len=", "model.kv_len=", "model.batch="};
    uint64_t *slots[] = {&zoo->seq_len, &zoo->kv_len, batch};
    for (int k = 0; k < 3; k++) {
        size_t n = strlen(keys[k]);
        if (strncmp(assignment, keys[k], n) == 0) {
            char flag[40];
            snprintf(flag, sizeof flag, "--set %.*s", (int)n - 1, keys[k]);
            if (*slots[k])
                return cli_err(err, "%s given twice", flag);
            return cli_count(flag, assignment + n, 1u << 24, slots[k], err);
        }
    }
    return cli_err(err, "--set %s: unknown model option (model.seq_len, model.kv_len, model.batch)",
                   assignment);
}

/* An architecture by preset name or file, with the --set overrides of
 * architecture fields applied (model.* keys are the model's) and checked. */
static int load_arch(const char *name, const cli_opts *o, pim_arch *a, pim_error *err)
{
    int cached = 0;
    for (int i = 0; i < o->narchs && !cached; i++)
        if (strcmp(o->arch_names[i], name) == 0) {
            *a = o->archs[i]; /* a value: no pointers inside */
            cached = 1;
        }
    if (!cached && pim_arch_load(name, a, err))
        return err->status;
    for (int i = 0; i < o->nsets; i++)
        if (strncmp(o->sets[i], "model.", 6) != 0 && pim_arch_set(a, o->sets[i], err))
            return err->status;
    return pim_arch_validate(a, err) ? (int)err->status : 0;
}

/* Schedule parameters the architecture file fixes (schedule.*). */
static void apply_fixed(const pim_arch *a, pim_plan_opts *o)
{
    o->macros = a->fix.macros;
    o->write_bytes_per_cycle = a->fix.write_bytes_per_cycle;
    o->vectors_per_load = a->fix.vectors_per_load;
}

/* The model and the run options, for s->arch (already loaded). */
static int load_model(const cli_opts *o, setup *s, pim_error *err)
{
    pim_zoo_opts zoo = {0};
    uint64_t batch = 0;
    int rc = 0;
    for (int i = 0; i < o->nsets && !rc; i++)
        if (strncmp(o->sets[i], "model.", 6) == 0)
            rc = model_option(o->sets[i], &zoo, &batch, err);
    if (!rc && batch && o->batch)
        rc = cli_err(err, "--batch and --set model.batch say the same thing: give one");
    if (!rc)
        rc = parse_partitioning(o, s, err);
    if (rc)
        return rc;
    if (o->model && strchr(o->model, ',') && strncmp(o->model, "gemm:", 5) != 0) {
        if (s->weights == PIM_WEIGHTS_STREAM && o->weights)
            return cli_err(err, "--model A,B,...: the models run at once, each its own pipeline, "
                                "with their weights resident (not --weights stream)");
        if ((rc = load_models(o->model, o->model_format, &zoo, s, err)))
            return rc;
    } else if (pim_model_load(o->model ? o->model : "resnet18", o->model_format, &zoo, &s->model,
                              err)) {
        return err->status;
    }
    if (s->model.warnings[0])
        fprintf(stderr, "pimstream: warning: %s\n", s->model.warnings);
    s->opts.strategy = PIM_SCHED_AUTO;
    if (o->schedule && !pim_strategy_parse(o->schedule, &s->opts.strategy)) {
        pim_model_free(&s->model);
        return cli_err(err, "--schedule: must be auto, gpp, pingpong or insitu");
    }
    s->opts.batch = batch ? batch : s->model.default_batch;
    rc = o->batch ? cli_count("--batch", o->batch, 1u << 24, &s->opts.batch, err) : 0;
    uint64_t threads = 0;
    if (!rc && o->threads)
        rc = cli_count("--threads", o->threads, 64, &threads, err);
    s->threads = (unsigned)threads;
    apply_fixed(&s->arch, &s->opts);
    if (rc)
        pim_model_free(&s->model);
    return rc;
}

static int load_setup(const cli_opts *o, setup *s, pim_error *err)
{
    memset(s, 0, sizeof *s);
    int rc = load_arch(o->arch ? o->arch : "gpp-sram", o, &s->arch, err);
    return rc ? rc : load_model(o, s, err);
}

/* The run options o describe, loaded and checked into s and cfg (the
 * observer left to the caller); errors as values, so a sweep records them
 * per point. compile: partition (optimal by default). */
int cli_prepare_run(const cli_opts *o, int compile, setup *s, pim_run_config *cfg, pim_error *err)
{
    if (load_setup(o, s, err))
        return err->status;
    int rc = 0;
    pim_partitioner partitioner = compile ? PIM_PART_OPTIMAL : PIM_PART_NONE;
    if (s->npartitioners)
        partitioner = s->partitioners[0];
    int programmed = partitioner != PIM_PART_NONE || pim_arch_has_noc(&s->arch) ||
                     s->weights != PIM_WEIGHTS_STREAM;
    if (s->npartitioners > 1 || s->nplacements > 1)
        rc = cli_err(err, "--%s: a list goes with compare; run and compile take one",
                     s->npartitioners > 1 ? "partitioner" : "placement");
    else if (o->emit && !programmed)
        rc = cli_err(err, "--emit: the program exists with a partitioner (use compile)");
    else if (o->noc_map && !pim_arch_has_noc(&s->arch))
        rc = cli_err(err, "--noc-map: %s has no network-on-chip (a noc section)", s->arch.name);
    else if (o->plot && !pim_plot_format(o->plot))
        rc = cli_err(err, "--plot %s: must end in .svg or .png", o->plot);
    else if (o->bandwidth)
        rc = cli_count("--bandwidth", o->bandwidth, 1u << 24, &s->opts.bandwidth, err);
    if (rc) {
        pim_model_free(&s->model);
        return rc;
    }
    *cfg = (pim_run_config){.model = &s->model,
                            .arch = &s->arch,
                            .opts = s->opts,
                            .threads = s->threads,
                            .sim = {.step_by_step = o->no_fast_forward},
                            .no_cut = o->no_cut,
                            .partitioner = partitioner,
                            .objective = s->objective,
                            .seed = s->seed,
                            .weights = s->weights,
                            .placement = s->nplacements ? s->placements[0] : PIM_PLACE_OPTIMIZED};
    config_models(s, cfg);
    return 0;
}

/* run, or compile (the same with a partitioner, optimal by default). */
static int run_or_compile(const cli_opts *o, int compile)
{
    pim_error err;
    setup s;
    pim_run_config cfg;
    if (cli_prepare_run(o, compile, &s, &cfg, &err))
        return cli_fail(&err);
    int rc = 0;
    pim_trace_window window;
    if (o->trace_window && !o->trace)
        rc = cli_bad_input("--trace-window goes with --trace");
    else if (o->trace_window && pim_trace_window_parse(o->trace_window, &s.model, &window, &err))
        rc = cli_fail(&err);
    cli_outputs out;
    if (rc || (rc = cli_open_outputs(o, &out))) {
        pim_model_free(&s.model);
        return rc;
    }
    pim_trace trace;
    if (out.has_trace) {
        pim_trace_begin(&trace, out.trace.fp, &s.model, s.arch.core.macros,
                        o->trace_window ? &window : NULL);
        cfg.obs = &trace.obs;
    }
    pim_run_result r;
    if (pim_run(&cfg, &r, &err)) {
        cli_abort_outputs(&out);
        pim_model_free(&s.model);
        return cli_fail(&err);
    }
    if (out.has_trace && r.has_noc)
        pim_trace_links(&trace, &r.noc, 8);
    if (out.has_trace)
        pim_trace_end(&trace);
    if (out.has_json) {
        pim_json j;
        pim_json_init(&j, out.json.fp, 1);
        pim_report_json_run(&j, NULL, &s.model, &s.arch, &r);
        pim_json_end(&j, '}');
        pim_json_finish(&j);
    }
    if (out.has_csv)
        pim_report_csv(out.csv.fp, &r);
    if (out.has_emit)
        pim_program_write(out.emit.fp, &r.program, &r.compiled, &s.model);
    if (out.has_noc_map)
        pim_report_noc_map(out.noc_map.fp, &s.model, &r);
    if (out.has_plot && pim_plot_run(&s.model, &r, out.plot.fp, pim_plot_format(o->plot), &err)) {
        cli_abort_outputs(&out);
        pim_run_result_free(&r);
        pim_model_free(&s.model);
        return cli_fail(&err);
    }
    pim_report_text(stdout, &s.model, &s.arch, &r);
    pim_run_result_free(&r);
    pim_model_free(&s.model);
    return cli_commit_outputs(&out);
}

static int cmd_run(const cli_opts *o)
{
    if (o->help)
        return fputs(USAGE_RUN, stdout), 0;
    return run_or_compile(o, 0);
}

static int cmd_compile(const cli_opts *o)
{
    if (o->help)
        return fputs(USAGE_COMPILE, stdout), 0;
    return run_or_compile(o, 1);
}

static int parse_bandwidths(const char *list, uint64_t *out, int *n)
{
    char buf[1024], *items[MAX_BANDWIDTHS];
    if (strlen(list) >= sizeof buf)
        return cli_bad_input("--bandwidth: list too long");
    pim_strlcpy(buf, list, sizeof buf);
    int rc = cli_split_list("--bandwidth", buf, items, MAX_BANDWIDTHS, n);
    for (int i = 0; i < *n && !rc; i++)
        rc = cli_parse_count("--bandwidth", items[i], 1u << 24, &out[i]);
    return rc;
}

static void compare_csv_row(FILE *f, uint64_t bw, const pim_run_result *r)
{
    fprintf(f, "%llu", (unsigned long long)bw);
    pim_csv_text(f, 0, pim_strategy_name(r->requested));
    pim_csv_text(f, 0, pim_strategy_name(r->plan.strategy));
    pim_csv_u64(f, r->sim.cycles);
    pim_csv_f64(f, "%.9g", r->seconds);
    pim_csv_f64(f, "%.9g", r->inferences_per_second);
    pim_csv_f64(f, "%.6f", r->efficiency);
    pim_csv_u64(f, r->counts.offchip_bytes);
    pim_csv_f64(f, "%.6g", r->energy.total);
    fputc('\n', f);
}

static void compare_row(FILE *f, uint64_t bw, const pim_run_result *r, double base_cycles)
{
    fprintf(f, "%10llu  %-9s %-9s %14llu %14.4g %9.1f%% %9.3fx %14.6g\n", (unsigned long long)bw,
            pim_strategy_name(r->requested), pim_strategy_name(r->plan.strategy),
            (unsigned long long)r->sim.cycles, r->inferences_per_second, 100 * r->efficiency,
            base_cycles / (double)r->sim.cycles, r->energy.total * 1e-6);
}

/* Every (bandwidth, strategy) run of a comparison: computed in parallel,
 * reported in order. */
typedef struct {
    pim_run_config config;
    pim_run_result result;
    pim_status status;
    pim_error err;
} compare_cell;

static void run_cell(void *ctx, size_t i)
{
    compare_cell *c = (compare_cell *)ctx + i;
    c->status = pim_run(&c->config, &c->result, &c->err);
}

/* Run every cell, `threads` at a time; the first failure's exit code. */
static int run_cells(compare_cell *cells, int n, unsigned threads)
{
    pim_parallel_for((size_t)n, threads, run_cell, cells);
    for (int i = 0; i < n; i++)
        if (cells[i].status)
            return cli_fail(&cells[i].err);
    return 0;
}

static void free_cells(compare_cell *cells, int n)
{
    for (int i = 0; i < n; i++)
        if (!cells[i].status)
            pim_run_result_free(&cells[i].result);
}

/* A comparison's JSON: {"runs": [ one object per run ]}. */
static void json_runs_begin(pim_json *j, cli_outputs *out)
{
    pim_json_init(j, out->json.fp, 1);
    pim_json_obj(j, NULL);
    pim_json_arr(j, "runs");
}

static void json_runs_end(pim_json *j)
{
    pim_json_end(j, ']');
    pim_json_end(j, '}');
    pim_json_finish(j);
}

/* compare --plot: every run's energy and cycles, named by labels. */
static int plot_cells(cli_outputs *out, const char *path, const compare_cell *cells, int n,
                      char (*labels)[96])
{
    const pim_run_result **runs = pim_xcalloc((size_t)n, sizeof *runs);
    const char **names = pim_xcalloc((size_t)n, sizeof *names);
    pim_error err;
    pim_status st = runs && names ? PIM_OK : pim_fail(&err, PIM_EINTERNAL, "out of memory");
    for (int i = 0; !st && i < n; i++) {
        runs[i] = &cells[i].result;
        names[i] = labels[i];
    }
    if (!st)
        st = pim_plot_runs(runs, names, (uint32_t)n, out->plot.fp, pim_plot_format(path), &err);
    free(runs);
    free(names);
    return st ? cli_fail(&err) : 0;
}

static void write_compare(const setup *s, cli_outputs *out, const uint64_t *bws, int nbw,
                          const compare_cell *cells, int per_bw)
{
    pim_json j;
    if (out->has_json)
        json_runs_begin(&j, out);
    if (out->has_csv)
        fprintf(out->csv.fp, "bandwidth,requested,strategy,cycles,seconds,inferences_per_second,"
                             "efficiency,offchip_bytes,energy_pj\n");
    printf("%s on %s, batch %llu\n%10s  %-9s %-9s %14s %14s %10s %10s %14s\n", s->model.name,
           s->arch.name, (unsigned long long)s->opts.batch, "B (B/cyc)", "schedule", "ran",
           "cycles", "inferences/s", "efficiency", "vs insitu", "energy (uJ)");
    for (int b = 0; b < nbw; b++)
        for (int k = 0; k < per_bw; k++) {
            const pim_run_result *r = &cells[b * per_bw + k].result;
            compare_row(stdout, bws[b], r, (double)cells[b * per_bw].result.sim.cycles);
            if (out->has_json) {
                pim_report_json_run(&j, NULL, &s->model, &s->arch, r);
                pim_json_u64(&j, "bandwidth", bws[b]);
                pim_json_end(&j, '}');
            }
            if (out->has_csv)
                compare_csv_row(out->csv.fp, bws[b], r);
        }
    if (out->has_json)
        json_runs_end(&j);
}

/* The grid's ratios: each run against the first (partitioner, placement)
 * on the same architecture when several are compared, else against the
 * first architecture. `per_arch`: runs per architecture. */
static const pim_run_result *grid_base(const compare_cell *cells, int arch, int per_arch)
{
    return &cells[per_arch > 1 ? arch * per_arch : 0].result;
}

/* A grid run's placement, or "-" off a network. */
static const char *placement_of(const pim_run_result *r)
{
    return r->has_noc ? pim_placement_name(r->placement) : "-";
}

static void write_grid_compare(const setup *s, cli_outputs *out, const pim_arch *archs, int narchs,
                               const compare_cell *cells)
{
    int np = (s->npartitioners ? s->npartitioners : 1) * (s->nplacements ? s->nplacements : 1);
    printf("%s, batch %llu\n%-14s %-11s %-10s %6s %10s %14s %14s %14s %12s %10s %10s %10s\n",
           s->model.name, (unsigned long long)s->opts.batch, "arch", "partitioner", "placement",
           "tiles", "area mm2", "inferences/s", "inferences/J", "energy (uJ)", "EDP (J s)",
           "speedup", "energy eff", "EDP gain");
    pim_json j;
    if (out->has_json)
        json_runs_begin(&j, out);
    if (out->has_csv)
        fprintf(out->csv.fp, "arch,partitioner,placement,weights,tiles,area_mm2,"
                             "inferences_per_second,inferences_per_joule,energy_pj,"
                             "edp_joule_seconds,partitions,cycles,cost_model_cycles,"
                             "steady_inferences_per_second,noc_latency_share,noc_energy_pj\n");
    for (int i = 0; i < narchs * np; i++) {
        const pim_arch *a = &archs[i / np];
        const pim_run_result *r = &cells[i].result, *base = grid_base(cells, i / np, np);
        pim_area ar;
        pim_area_compute(a, &ar);
        double ipj = (double)r->batch / (r->energy.total * 1e-12);
        double base_ipj = (double)base->batch / (base->energy.total * 1e-12);
        /* a chip without a component table has no area (JSON null, "n/a") */
        double mm2 = ar.tile_mm2 > 0 ? ar.total_mm2 : NAN;
        /* with no energy figures there is no inferences per joule: n/a */
        char f[5][32];
        printf("%-14s %-11s %-10s %6u %10s %14.5g %14s %14.6g %12s %9.3fx %10s %10s\n", a->name,
               pim_partitioner_name(r->partitioner), placement_of(r), pim_arch_tiles(a),
               pim_fmt_f64(f[0], sizeof f[0], "%.6g", mm2), r->inferences_per_second,
               pim_fmt_f64(f[1], sizeof f[1], "%.5g", ipj), r->energy.total * 1e-6,
               pim_fmt_f64(f[2], sizeof f[2], "%.5g", r->edp),
               r->inferences_per_second / base->inferences_per_second,
               pim_fmt_f64(f[3], sizeof f[3], "%.3fx", ipj / base_ipj),
               pim_fmt_f64(f[4], sizeof f[4], "%.3fx", base->edp / r->edp));
        if (out->has_json) {
            pim_report_json_run(&j, NULL, &s->model, a, r);
            if (r->partitioner == PIM_PART_NONE) /* partitioned runs report their own */
                pim_json_str(&j, "partitioner", pim_partitioner_name(r->partitioner));
            pim_json_u64(&j, "tiles", pim_arch_tiles(a));
            pim_json_f64(&j, "area_mm2", mm2);
            pim_json_f64(&j, "inferences_per_joule", ipj);
            pim_json_end(&j, '}');
        }
        if (out->has_csv) {
            FILE *c = out->csv.fp;
            pim_csv_text(c, 1, a->name);
            pim_csv_text(c, 0, pim_partitioner_name(r->partitioner));
            pim_csv_text(c, 0, placement_of(r));
            pim_csv_text(c, 0,
                         r->partitioner == PIM_PART_NONE ? "-" : pim_weights_name(r->weights));
            pim_csv_u64(c, pim_arch_tiles(a));
            pim_csv_f64(c, "%.6g", mm2);
            pim_csv_f64(c, "%.9g", r->inferences_per_second);
            pim_csv_f64(c, "%.9g", ipj);
            pim_csv_f64(c, "%.6g", r->energy.total);
            pim_csv_f64(c, "%.6g", r->edp);
            pim_csv_u64(c, r->compiled.nparts);
            pim_csv_u64(c, r->sim.cycles);
            pim_csv_f64(c, "%.0f", r->compiled.estimate.cycles);
            pim_csv_f64(c, "%.9g", r->steady_inferences_per_second);
            pim_csv_f64(c, "%.6f", pim_report_noc_latency_share(r));
            pim_csv_f64(c, "%.6g", pim_report_noc_energy(r));
            fputc('\n', c);
        }
    }
    if (out->has_json)
        json_runs_end(&j);
}

/* Scale a's tile count so its area equals `target` mm2 (tiles are what
 * grows; chip-level parts such as the off-chip link stay). */
static int equal_area(pim_arch *a, double target)
{
    pim_area ar;
    pim_area_compute(a, &ar);
    double fixed = ar.level_mm2[PIM_LEVEL_CHIP];
    if (ar.tile_mm2 <= 0)
        return cli_bad_input("--equal-area: %s has no component areas to scale", a->name);
    double tiles = (target - fixed) / ar.tile_mm2;
    if (tiles < 1 || tiles > (1 << 20))
        return cli_bad_input("--equal-area: %s cannot be scaled to %.4g mm2", a->name, target);
    a->tiles = (uint32_t)(tiles + 0.5);
    return 0;
}

/* The architectures of --arch A1,A2,...: loaded with the --set overrides
 * and, under --equal-area, scaled to the first one's area. */
static int load_archs(const cli_opts *o, pim_arch *archs, int *n)
{
    const char *names = o->arch ? o->arch : "gpp-sram";
    char list[PIM_PATH_MAX], *items[MAX_ARCHS];
    if (strlen(names) >= sizeof list)
        return cli_bad_input("--arch: list too long");
    pim_strlcpy(list, names, sizeof list);
    pim_error err;
    int rc = cli_split_list("--arch", list, items, MAX_ARCHS, n);
    for (int i = 0; i < *n && !rc; i++)
        if (load_arch(items[i], o, &archs[i], &err))
            rc = cli_fail(&err);
    pim_area first;
    pim_area_compute(&archs[0], &first);
    for (int i = 1; i < *n && o->equal_area && !rc; i++)
        rc = equal_area(&archs[i], first.total_mm2);
    return rc;
}

/* One model on every (architecture, partitioner) pair, side by side. */
static int compare_grid(const cli_opts *o)
{
    pim_arch archs[MAX_ARCHS];
    int narchs = 0, rc;
    pim_error err;
    setup s; /* the model and run options, loaded once for every arch */
    memset(&s, 0, sizeof s);
    if ((rc = load_archs(o, archs, &narchs)))
        return rc;
    s.arch = archs[0];
    if (load_model(o, &s, &err))
        return cli_fail(&err);
    uint64_t bw = 0;
    cli_outputs out;
    memset(&out, 0, sizeof out); /* aborting before anything opened is a no-op */
    if ((o->bandwidth && (rc = cli_parse_count("--bandwidth", o->bandwidth, 1u << 24, &bw))) ||
        (rc = cli_open_outputs(o, &out))) {
        cli_abort_outputs(&out);
        pim_model_free(&s.model);
        return rc;
    }
    /* cell i: arch i / per_arch, partitioner (i / nq) % np, placement i % nq */
    int np = s.npartitioners ? s.npartitioners : 1, nq = s.nplacements ? s.nplacements : 1;
    int per_arch = np * nq, n = narchs * per_arch;
    compare_cell *cells = pim_xcalloc((size_t)n, sizeof *cells);
    if (!cells) {
        cli_abort_outputs(&out);
        pim_model_free(&s.model);
        return fputs("pimstream: out of memory\n", stderr), 1;
    }
    for (int i = 0; i < n; i++) {
        const pim_arch *a = &archs[i / per_arch];
        pim_run_config *c = &cells[i].config;
        *c = (pim_run_config){.model = &s.model,
                              .arch = a,
                              .opts = s.opts,
                              .threads = 1,
                              .sim = {.step_by_step = o->no_fast_forward},
                              .no_cut = o->no_cut};
        c->opts.bandwidth = bw;
        apply_fixed(a, &c->opts);
        c->partitioner = s.npartitioners ? s.partitioners[(i / nq) % np] : PIM_PART_NONE;
        c->objective = s.objective;
        c->seed = s.seed;
        c->weights = s.weights;
        c->placement = s.nplacements ? s.placements[i % nq] : PIM_PLACE_OPTIMIZED;
        config_models(&s, c);
    }
    if (!(rc = run_cells(cells, n, s.threads)))
        write_grid_compare(&s, &out, archs, narchs, cells);
    char(*labels)[96] = out.has_plot ? pim_xcalloc((size_t)n, sizeof *labels) : NULL;
    for (int i = 0; labels && i < n; i++)
        snprintf(labels[i], sizeof labels[i], "%.40s%s%s", archs[i / per_arch].name,
                 cells[i].config.partitioner != PIM_PART_NONE ? ", " : "",
                 cells[i].config.partitioner != PIM_PART_NONE
                     ? pim_partitioner_name(cells[i].config.partitioner)
                     : "");
    if (!rc && out.has_plot)
        rc = labels ? plot_cells(&out, o->plot, cells, n, labels) : cli_bad_input("out of memory");
    free(labels);
    free_cells(cells, n);
    free(cells);
    pim_model_free(&s.model);
    if (rc) {
        cli_abort_outputs(&out);
        return rc;
    }
    return cli_commit_outputs(&out);
}

static int cmd_compare(const cli_opts *o)
{
    if (o->help)
        return fputs(USAGE_COMPARE, stdout), 0;
    if (o->plot && !pim_plot_format(o->plot))
        return cli_bad_input("--plot %s: must end in .svg or .png", o->plot);
    if (o->arch && pim_hier_is_hier(o->arch))
        return cli_bad_input("compare --arch %s: a storage hierarchy; give several (A,B,...) "
                             "or map it with map",
                             o->arch);
    if (o->arch && strchr(o->arch, ',')) {
        char first[256];
        snprintf(first, sizeof first, "%.*s", (int)strcspn(o->arch, ","), o->arch);
        if (pim_hier_is_hier(first))
            return cli_compare_hierarchies(o);
    }
    if (o->budget)
        return cli_bad_input("--budget goes with the mapper: map, or compare of hierarchies");
    if ((o->arch && strchr(o->arch, ',')) || o->partitioner || o->placement || o->weights)
        return compare_grid(o);
    if (o->equal_area)
        return cli_bad_input("--equal-area goes with a list of architectures (--arch A,B)");
    if (o->schedule)
        return cli_bad_input("compare runs every schedule; --schedule goes with --arch A,B");
    pim_error err;
    setup s;
    if (load_setup(o, &s, &err))
        return cli_fail(&err);
    int rc;
    if (pim_arch_has_noc(&s.arch)) { /* a compiled program, not schedules */
        pim_model_free(&s.model);
        return compare_grid(o);
    }
    uint64_t bws[MAX_BANDWIDTHS];
    int nbw = 1;
    bws[0] = s.arch.offchip.bytes_per_cycle;
    cli_outputs out;
    memset(&out, 0, sizeof out); /* aborting before anything opened is a no-op */
    if ((o->bandwidth && (rc = parse_bandwidths(o->bandwidth, bws, &nbw))) ||
        (rc = cli_open_outputs(o, &out))) {
        cli_abort_outputs(&out);
        pim_model_free(&s.model);
        return rc;
    }
    static const pim_strategy order[] = {PIM_SCHED_INSITU, PIM_SCHED_PINGPONG, PIM_SCHED_GPP,
                                         PIM_SCHED_AUTO};
    const int per_bw = (int)(sizeof order / sizeof order[0]);
    compare_cell *cells = pim_xcalloc((size_t)nbw * per_bw, sizeof *cells);
    if (!cells) {
        cli_abort_outputs(&out);
        pim_model_free(&s.model);
        return fputs("pimstream: out of memory\n", stderr), 1;
    }
    for (int b = 0; b < nbw; b++)
        for (int k = 0; k < per_bw; k++) {
            compare_cell *c = &cells[b * per_bw + k];
            c->config = (pim_run_config){.model = &s.model,
                                         .arch = &s.arch,
                                         .opts = s.opts,
                                         .threads = 1,
                                         .sim = {.step_by_step = o->no_fast_forward},
                                         .no_cut = o->no_cut};
            c->config.opts.strategy = order[k];
            c->config.opts.bandwidth = bws[b];
        }
    if (!(rc = run_cells(cells, nbw * per_bw, s.threads)))
        write_compare(&s, &out, bws, nbw, cells, per_bw);
    char(*labels)[96] = out.has_plot ? pim_xcalloc((size_t)(nbw * per_bw), sizeof *labels) : NULL;
    for (int i = 0; labels && i < nbw * per_bw; i++)
        snprintf(labels[i], sizeof labels[i], "%s, B %llu",
                 pim_strategy_name(cells[i].result.requested), (unsigned long long)bws[i / per_bw]);
    if (!rc && out.has_plot)
        rc = labels ? plot_cells(&out, o->plot, cells, nbw * per_bw, labels)
                    : cli_bad_input("out of memory");
    free(labels);
    free_cells(cells, nbw * per_bw);
    free(cells);
    pim_model_free(&s.model);
    if (rc) {
        cli_abort_outputs(&out);
        return rc;
    }
    return cli_commit_outputs(&out);
}

static int cmd_inspect(const cli_opts *o)
{
    if (o->help)
        return fputs(USAGE_INSPECT, stdout), 0;
    pim_error err;
    setup s;
    if (load_setup(o, &s, &err))
        return cli_fail(&err);
    int rc;
    cli_outputs out;
    if ((rc = cli_open_outputs(o, &out))) {
        pim_model_free(&s.model);
        return rc;
    }
    if (out.has_json)
        pim_report_inspect_json(out.json.fp, &s.model, &s.arch);
    pim_report_inspect_text(stdout, &s.model, &s.arch);
    pim_model_free(&s.model);
    return cli_commit_outputs(&out);
}

static int cmd_area(const cli_opts *o)
{
    if (o->help)
        return fputs(USAGE_AREA, stdout), 0;
    for (int i = 0; i < o->nsets; i++)
        if (strncmp(o->sets[i], "model.", 6) == 0)
            return cli_bad_input("area describes an architecture: model.* options do not apply");
    pim_error err;
    pim_arch a;
    if (load_arch(o->arch ? o->arch : "gpp-sram", o, &a, &err))
        return cli_fail(&err);
    int rc;
    pim_area ar;
    pim_area_compute(&a, &ar);
    cli_outputs out;
    if ((rc = cli_open_outputs(o, &out)))
        return rc;
    if (out.has_json)
        pim_report_area_json(out.json.fp, &a, &ar);
    pim_report_area_text(stdout, &a, &ar);
    return cli_commit_outputs(&out);
}

static int cmd_models(const cli_opts *o)
{
    (void)o;
    for (size_t i = 0; i < pim_zoo_count(); i++)
        printf("%-20s %s\n", pim_zoo_name(i), pim_zoo_summary(i));
    return 0;
}

static int cmd_archs(const cli_opts *o)
{
    (void)o;
    char summary[200];
    for (size_t i = 0; i < pim_arch_preset_count(); i++) {
        pim_arch_preset_summary(i, summary, sizeof summary);
        printf("%-20s %s\n", pim_arch_preset_name(i), summary);
    }
    printf("\nstorage hierarchies (map):\n");
    for (size_t i = 0; i < pim_hier_preset_count(); i++) {
        pim_hier_preset_summary(i, summary, sizeof summary);
        printf("%-20s %s\n", pim_hier_preset_name(i), summary);
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        unsigned bit;
        int (*fn)(const cli_opts *);
    } CMDS[] = {{"run", CMD_RUN, cmd_run},
                {"compile", CMD_COMPILE, cmd_compile},
                {"compare", CMD_COMPARE, cmd_compare},
                {"inspect", CMD_INSPECT, cmd_inspect},
                {"models", CMD_MODELS, cmd_models},
                {"archs", CMD_ARCHS, cmd_archs},
                {"area", CMD_AREA, cmd_area},
                {"noc", CMD_NOC, cli_cmd_noc},
                {"map", CMD_MAP, cli_cmd_map}};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(USAGE_MAIN, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    int delegated = cli_delegate(argc, argv);
    if (delegated >= 0)
        return delegated;
    int sweep = strcmp(argv[1], "sweep") == 0;
    if (sweep || strcmp(argv[1], "plot") == 0) { /* their own argument syntax */
        pim_guard guard;
        pim_error err;
        if (pim_guard_start(&guard, &err))
            return cli_fail(&err);
        int rc = (sweep ? cli_cmd_sweep : cli_cmd_plot)(argc - 2, argv + 2, &guard);
        fflush(stdout);
        pim_guard_stop(&guard);
        return rc;
    }
    for (size_t i = 0; i < sizeof CMDS / sizeof CMDS[0]; i++)
        if (strcmp(argv[1], CMDS[i].name) == 0) {
            cli_opts o;
            memset(&o, 0, sizeof o);
            o.command = CMDS[i].bit;
            int rc = cli_parse_opts(argc - 2, argv + 2, &o);
            if (rc)
                return rc;
            /* before any thread starts: signals then reach only the guard */
            pim_guard guard;
            pim_error err;
            if (pim_guard_start(&guard, &err))
                return cli_fail(&err);
            o.guard = &guard;
            rc = CMDS[i].fn(&o);
            fflush(stdout);
            pim_guard_stop(&guard);
            return rc;
        }
    fprintf(stderr, "pimstream: unknown command '%s' (see pimstream --help)\n", argv[1]);
    return 2;
}
