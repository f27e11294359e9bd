/* pimstream sweep: the command line of a sweep, and what one point runs
 * (the sweep module itself knows nothing of runs). */
#include "pimstream/sweep.h"
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *const CLI_USAGE_SWEEP =
    "usage: pimstream sweep COMMAND [its options...] --sweep KEY=V1,V2,... [--sweep ...]\n"
    "                       --out DIR [--threads T] [--resume]\n"
    "       pimstream sweep SPEC.yaml [--sweep ...] [--out DIR] [--threads T] [--resume]\n"
    "  Run COMMAND (run, compile, map or noc) once per point of a grid: the\n"
    "  product of every --sweep axis's values, its options fixed for every point.\n"
    "  KEY: run, compile: model, arch, schedule, partitioner, bandwidth, batch,\n"
    "     placement, weights, or any --set path (chip.cores,\n"
    "     chip.analog.adc_bits, model.kv_len, schedule.vectors_per_load;\n"
    "     schedule.search_events caps each point's search: see run --help);\n"
    "     map: model, arch, batch, objective, constraints, or a --set path\n"
    "     (SMEM.capacity); noc: topology, size, router-cycles, link-cycles,\n"
    "     flit-bytes, vcs, vc-flits, traffic, packets, rate, flits, warmup,\n"
    "     measure, seed.\n"
    "  SPEC.yaml holds the same (command, options, sweep: the axes, out) plus\n"
    "     listed points (points: [{bandwidth: 64, schedule: gpp}, ...]) and a\n"
    "     seeded sample of a grid too large to run whole (sample: {count: N,\n"
    "     seed: S}); --spec SPEC.yaml says the same.\n"
    "  DIR/results.csv: one row per point, in point order: the axes, then the\n"
    "     command's figures, and the error of a point that failed (the sweep\n"
    "     goes on). run, compile: cycles, seconds, inferences/s, energy, EDP,\n"
    "     area, efficiency, off-chip bytes, partitions; map: cycles, energy,\n"
    "     EDP, MACs, fJ/MAC, area, unmapped layers, mappings considered; noc:\n"
    "     completion, packets, flits, latency, hops, accepted and bound\n"
    "     throughput, busiest link. DIR/results.jsonl: each point's whole JSON.\n"
    "     Both are the same for any T.\n"
    "  T: points run at once (default: one per CPU; each point on one thread).\n"
    "  --resume: go on with an interrupted sweep in DIR, running only the\n"
    "     points it has not stored (each point is stored whole, or not at all).\n"
    "  A status line on stderr shows progress when it is a terminal.\n"
    "  Under mpirun (mpirun -n K pimstream sweep SPEC.yaml), rank 0 hands out\n"
    "  the points one at a time and stores the results, ranks 1..K-1 run them;\n"
    "  the results are the threaded run's, byte for byte.\n";

/* What each command's points set and report: the keys that are its
 * options (the rest are --set paths, where it takes them), its figures
 * (results.csv's columns after the axes), and (data) how a point of it
 * runs, defined below. */
static const char *const RUN_KEYS[] = {"model", "arch",      "schedule", "partitioner", "bandwidth",
                                       "batch", "placement", "weights",  NULL};
static const char *const MAP_KEYS[] = {"model",       "arch",   "batch", "objective",
                                       "constraints", "budget", NULL};
static const char *const NOC_KEYS[] = {
    "topology", "size", "router-cycles", "link-cycles", "flit-bytes", "vcs",  "vc-flits", "traffic",
    "packets",  "rate", "flits",         "warmup",      "measure",    "seed", NULL};

#define RUN_FIGURES                                                                                \
    "cycles,seconds,inferences_per_second,energy_pj,edp_js,area_mm2,efficiency,offchip_bytes,"     \
    "partitions"
#define MAP_FIGURES                                                                                \
    "cycles,energy_pj,edp,macs,fj_per_mac,area_um2,unmapped_layers,mappings_considered,"           \
    "stopped_shapes"
#define NOC_FIGURES                                                                                \
    "completion_cycles,packets,flits,latency_avg,latency_max,hops_avg,"                            \
    "accepted_flits_per_node_per_cycle,bound_flits_per_node_per_cycle,max_link_utilization"

typedef struct point_ctx point_ctx;

/* A command's point: its CMD_ bit and what runs it. */
typedef struct {
    unsigned bit;
    void (*eval)(const point_ctx *pc, cli_opts *o, pim_sweep_point *out);
} point_kind;

static void eval_run(const point_ctx *pc, cli_opts *o, pim_sweep_point *out);
static void eval_map(const point_ctx *pc, cli_opts *o, pim_sweep_point *out);
static void eval_noc(const point_ctx *pc, cli_opts *o, pim_sweep_point *out);
static const point_kind RUN = {CMD_RUN, eval_run}, COMPILE = {CMD_COMPILE, eval_run},
                        MAP = {CMD_MAP, eval_map}, NOC = {CMD_NOC, eval_noc};

static const pim_sweep_command COMMANDS[] = {{"run", RUN_KEYS, 1, RUN_FIGURES, &RUN},
                                             {"compile", RUN_KEYS, 1, RUN_FIGURES, &COMPILE},
                                             {"map", MAP_KEYS, 1, MAP_FIGURES, &MAP},
                                             {"noc", NOC_KEYS, 0, NOC_FIGURES, &NOC},
                                             {NULL, NULL, 0, NULL, NULL}};

static const point_kind *kind_of(const pim_sweep *s)
{
    return s->cmd->data;
}

typedef struct {
    pim_sweep sweep;
    const char *spec, *out, *threads;
    char *spec_owned; /* sweep SPEC.yaml: taken from the options */
    int resume, help;
    const char *axes[PIM_SWEEP_MAX_AXES];
    int naxes;
} sweep_args;

static int take_option(sweep_args *a, const char *opt)
{
    pim_sweep *s = &a->sweep;
    if (s->noptions == PIM_SWEEP_MAX_OPTIONS)
        return cli_bad_input("sweep: at most %d options for the command", PIM_SWEEP_MAX_OPTIONS);
    if (!(s->options[s->noptions] = strdup(opt)))
        return cli_bad_input("sweep: out of memory");
    s->noptions++;
    return 0;
}

/* The sweep's own flags; everything else belongs to the command. */
static int parse_args(int argc, char **argv, sweep_args *a)
{
    static const char *const valued[] = {"--sweep", "--spec", "--out", "--threads"};
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            a->help = 1;
            continue;
        }
        if (strcmp(arg, "--resume") == 0) {
            a->resume = 1;
            continue;
        }
        int v = -1;
        for (int k = 0; k < 4; k++)
            if (strcmp(arg, valued[k]) == 0)
                v = k;
        if (v < 0) {
            int rc = take_option(a, arg);
            if (rc)
                return rc;
            continue;
        }
        if (i + 1 == argc)
            return cli_bad_input("%s: needs a value", arg);
        const char *val = argv[++i];
        if (v == 0 && a->naxes == PIM_SWEEP_MAX_AXES)
            return cli_bad_input("--sweep: at most %d axes", PIM_SWEEP_MAX_AXES);
        if (v == 0)
            a->axes[a->naxes++] = val;
        else if (*(v == 1 ? &a->spec : v == 2 ? &a->out : &a->threads))
            return cli_bad_input("%s given twice", arg);
        else
            *(v == 1 ? &a->spec : v == 2 ? &a->out : &a->threads) = val;
    }
    return 0;
}

/* The command's options (into o) must parse, and leave the outputs and
 * threads to the sweep; an axis may not also be a fixed option. */
static int check_command(const sweep_args *a, cli_opts *o_out)
{
    const pim_sweep *s = &a->sweep;
    cli_opts o;
    memset(&o, 0, sizeof o);
    o.command = kind_of(s)->bit;
    int rc = cli_parse_opts((int)s->noptions, (char **)s->options, &o);
    *o_out = o;
    if (rc)
        return rc;
    const char *outputs[][2] = {{"--json", o.json},   {"--csv", o.csv},
                                {"--trace", o.trace}, {"--trace-window", o.trace_window},
                                {"--emit", o.emit},   {"--noc-map", o.noc_map},
                                {"--plot", o.plot}};
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++)
        if (outputs[i][1])
            return cli_bad_input("sweep: %s does not apply (each point's figures go to "
                                 "DIR/results.csv, its whole JSON to DIR/results.jsonl)",
                                 outputs[i][0]);
    if (o.threads)
        return cli_bad_input("sweep: --threads is the sweep's (points at once); give it once, "
                             "outside the command's options");
    for (uint32_t k = 0; k < s->naxes; k++) {
        char flag[128];
        snprintf(flag, sizeof flag, "--%s", s->axes[k].key);
        if (pim_sweep_is_named(s, s->axes[k].key) && cli_opt_value(&o, flag))
            return cli_bad_input("sweep: %s is swept and also fixed by %s; give one",
                                 s->axes[k].key, flag);
    }
    return 0;
}

static int is_command(const char *arg)
{
    for (const pim_sweep_command *c = COMMANDS; c->name; c++)
        if (strcmp(arg, c->name) == 0)
            return 1;
    return 0;
}

static int setup_sweep(sweep_args *a, int argc, char **argv, cli_opts *fixed)
{
    pim_sweep *s = &a->sweep;
    pim_error err;
    int first_is_command = argc > 0 && is_command(argv[0]);
    if (first_is_command && pim_sweep_set_command(s, argv[0], &err))
        return cli_fail(&err);
    int rc = parse_args(argc - first_is_command, argv + first_is_command, a);
    if (rc || a->help)
        return rc;
    if (!first_is_command && argc > 0 && argv[0][0] != '-' && !strstr(argv[0], ".y") &&
        access(argv[0], F_OK) != 0)
        return cli_bad_input("sweep %s: the command must be run, compile, map or noc (or give "
                             "a spec file, SPEC.yaml)",
                             argv[0]);
    if (!first_is_command && !a->spec && s->noptions && s->options[0][0] != '-') {
        a->spec = a->spec_owned = s->options[0]; /* sweep SPEC.yaml */
        memmove(s->options, s->options + 1, --s->noptions * sizeof *s->options);
    }
    if (a->spec && pim_sweep_load_spec(s, a->spec, &err))
        return cli_fail(&err);
    if (!s->cmd)
        return cli_bad_input("sweep: which command? (sweep run ... or command: run in a spec)");
    for (int i = 0; i < a->naxes; i++)
        if (pim_sweep_add_axis(s, a->axes[i], "--sweep", &err))
            return cli_fail(&err);
    if (a->out)
        pim_strlcpy(s->out, a->out, sizeof s->out);
    if (!*s->out)
        return cli_bad_input("sweep: --out DIR is missing (where the results go)");
    if (pim_sweep_finish(s, &err))
        return cli_fail(&err);
    return check_command(a, fixed);
}

/* ---- one point ---------------------------------------------------------- */

/* Each architecture a sweep names, read once before the points run (the
 * points then copy it: reading a preset's YAML took longer than a small
 * run). Read-only while the points run. */
#define ARCH_CACHE 32
struct point_ctx {
    const char *names[ARCH_CACHE];
    pim_arch archs[ARCH_CACHE];
    int count;
};

static void cache_arch(point_ctx *c, const char *name)
{
    for (int i = 0; i < c->count; i++)
        if (strcmp(c->names[i], name) == 0)
            return;
    pim_error err;
    if (c->count < ARCH_CACHE && pim_arch_load(name, &c->archs[c->count], &err) == PIM_OK)
        c->names[c->count++] = name; /* one that fails is read (and fails) per point */
}

/* The command's --arch (or the default), and the arch axis. */
static void cache_archs(point_ctx *c, const pim_sweep *s, const char *fixed)
{
    cache_arch(c, fixed ? fixed : "gpp-sram");
    for (uint32_t k = 0; k < s->naxes; k++) {
        if (strcmp(s->axes[k].key, "arch") != 0)
            continue;
        for (uint32_t v = 0; v < s->axes[k].count; v++) /* the grid's */
            cache_arch(c, s->axes[k].values[v]);
        for (uint64_t i = 0; i < s->nlisted; i++) /* the listed points' */
            if (s->listed[i * s->naxes + k])
                cache_arch(c, s->listed[i * s->naxes + k]);
    }
}

static void point_error(pim_sweep_point *out, const char *msg)
{
    pim_strlcpy(out->error, msg, sizeof out->error);
}

/* The command's options, then each axis as its option or a --set. */
static int point_argv(const pim_sweep *s, uint64_t i, char **argv, char (*sets)[1200], int cap)
{
    int n = 0;
    for (uint32_t k = 0; k < s->noptions && n < cap; k++)
        argv[n++] = s->options[k];
    for (uint32_t k = 0; k < s->naxes && n + 2 <= cap; k++) {
        const char *v = pim_sweep_value(s, i, k);
        if (!v)
            continue;
        if (pim_sweep_is_named(s, s->axes[k].key)) {
            snprintf(sets[k], sizeof sets[k], "--%s", s->axes[k].key);
            argv[n++] = sets[k];
            argv[n++] = (char *)v;
        } else {
            snprintf(sets[k], sizeof sets[k], "%s=%s", s->axes[k].key, v);
            argv[n++] = "--set";
            argv[n++] = sets[k];
        }
    }
    return n;
}

/* A point's figures, one CSV row built in place (a memory stream per
 * point showed in a trivial sweep's profile). */
typedef struct {
    char text[1024];
    size_t n;
    int fields;
} figures;

static void fig_field(figures *f, const char *text, size_t n)
{
    if (f->n + n + 2 > sizeof f->text)
        n = 0; /* never: a row of numbers is a few hundred bytes */
    if (f->fields++)
        f->text[f->n++] = ',';
    memcpy(f->text + f->n, text, n);
    f->n += n;
    f->text[f->n] = '\0';
}

/* A number as %.10g prints it, or empty when unknown (NAN). */
static void fig_number(figures *f, double v)
{
    char text[PIM_FORMAT_G_MAX];
    size_t n = isnan(v) ? 0 : pim_format_g(text, v, 10);
    fig_field(f, text, n);
}

static void fig_count(figures *f, uint64_t v)
{
    char text[24];
    int n = snprintf(text, sizeof text, "%llu", (unsigned long long)v);
    fig_field(f, text, (size_t)n);
}

/* The point's figures and JSON (one line, without wall-clock fields: the
 * same on any machine) into out, or its error when memory ran out. */
static void point_texts(pim_sweep_point *out, const figures *f, pim_json *j)
{
    out->csv = strdup(f->text);
    out->json = pim_json_take(j);
    if (out->csv && out->json)
        return;
    free(out->csv);
    free(out->json);
    out->csv = out->json = NULL;
    point_error(out, "out of memory");
}

static void json_line(pim_json *j)
{
    pim_json_init(j, NULL, 0);
    j->timeless = 1;
}

/* ---- run and compile ---- */

static void run_texts(const setup *su, const pim_run_result *r, pim_sweep_point *out)
{
    pim_area area;
    pim_area_compute(&su->arch, &area);
    figures f = {.n = 0};
    fig_count(&f, r->sim.cycles);
    fig_number(&f, r->seconds);
    fig_number(&f, r->inferences_per_second);
    fig_number(&f, r->energy.total);
    fig_number(&f, r->edp);
    fig_number(&f, area.total_mm2 > 0 ? area.total_mm2 : NAN); /* else no component areas */
    fig_number(&f, r->efficiency);
    fig_count(&f, r->counts.offchip_bytes);
    fig_count(&f, r->compiled.nparts);
    pim_json j;
    json_line(&j);
    pim_report_json_run(&j, NULL, &su->model, &su->arch, r);
    pim_json_end(&j, '}');
    point_texts(out, &f, &j);
}

static void eval_run(const point_ctx *pc, cli_opts *o, pim_sweep_point *out)
{
    o->arch_names = pc->names;
    o->archs = pc->archs;
    o->narchs = pc->count;
    setup su;
    pim_run_config cfg;
    pim_error err;
    if (cli_prepare_run(o, o->command == CMD_COMPILE, &su, &cfg, &err)) {
        point_error(out, err.msg);
        return;
    }
    cfg.threads = 1; /* the sweep runs points at once */
    pim_run_result r;
    double t0 = pim_wall_seconds();
    pim_status st = pim_run(&cfg, &r, &err);
    out->run_seconds = pim_wall_seconds() - t0;
    if (st) {
        point_error(out, err.msg);
    } else {
        run_texts(&su, &r, out);
        pim_run_result_free(&r);
    }
    pim_model_free(&su.model);
}

/* ---- map ---- */

static void map_texts(const cli_mapped *m, pim_sweep_point *out)
{
    const pim_mapper_network *n = &m->net;
    figures f = {.n = 0};
    fig_number(&f, n->cycles);
    fig_number(&f, n->energy_pj);
    fig_number(&f, n->energy_pj * n->cycles);
    fig_count(&f, n->macs);
    fig_number(&f, n->macs ? 1000 * n->energy_pj / (double)n->macs : NAN);
    fig_number(&f, pim_hier_area(m->h));
    fig_count(&f, n->unmapped);
    fig_count(&f, n->considered);
    fig_count(&f, n->stopped);
    pim_json j;
    json_line(&j);
    pim_report_map_json(&j, m->h, m->model.name, &m->net, m->objective);
    point_texts(out, &f, &j);
}

static void eval_map(const point_ctx *pc, cli_opts *o, pim_sweep_point *out)
{
    (void)pc;
    cli_mapped m;
    pim_error err;
    o->threads = "1"; /* the sweep runs points at once */
    double t0 = pim_wall_seconds();
    int rc = cli_map_network(o, &m, &err);
    out->run_seconds = pim_wall_seconds() - t0;
    if (rc) {
        point_error(out, err.msg);
        return;
    }
    map_texts(&m, out);
    cli_mapped_free(&m);
}

/* ---- noc ---- */

static void noc_texts(const pim_noc *n, const pim_noc_bench *b, const pim_noc_bench_result *r,
                      pim_sweep_point *out)
{
    figures f = {.n = 0};
    fig_number(&f, r->completion_cycles);
    fig_count(&f, r->packets);
    fig_count(&f, r->flits);
    fig_number(&f, r->latency_avg);
    fig_number(&f, r->latency_max);
    fig_number(&f, r->hops_avg);
    fig_number(&f, r->accepted_flits_per_node_per_cycle);
    fig_number(&f, r->bound_flits_per_node_per_cycle);
    fig_number(&f, r->max_link_utilization);
    pim_json j;
    json_line(&j);
    pim_report_noc_bench_json(&j, n, b, r);
    point_texts(out, &f, &j);
}

static void eval_noc(const point_ctx *pc, cli_opts *o, pim_sweep_point *out)
{
    (void)pc;
    pim_noc_spec spec;
    pim_noc_bench b;
    uint32_t hot[64];
    pim_noc n;
    pim_error err;
    if (cli_noc_setup(o, &spec, &b, hot, &err) || pim_noc_build(&spec, &n, &err)) {
        point_error(out, err.msg);
        return;
    }
    pim_noc_bench_result r;
    double t0 = pim_wall_seconds();
    pim_status st = pim_noc_bench_run(&n, &b, &r, &err);
    out->run_seconds = pim_wall_seconds() - t0;
    if (st) {
        point_error(out, err.msg);
    } else {
        noc_texts(&n, &b, &r, out);
    }
    pim_noc_free(&n);
}

/* Point i: the command's options with the point's values, evaluated. */
static void eval_point(void *ctx, const pim_sweep *s, uint64_t i, pim_sweep_point *out)
{
    const point_ctx *pc = ctx;
    char *argv[PIM_SWEEP_MAX_OPTIONS + 2 * PIM_SWEEP_MAX_AXES];
    char sets[PIM_SWEEP_MAX_AXES][1200];
    int argc = point_argv(s, i, argv, sets, (int)(sizeof argv / sizeof argv[0]));
    cli_opts o;
    memset(&o, 0, sizeof o);
    o.command = kind_of(s)->bit;
    if (cli_parse_opts(argc, argv, &o)) {
        point_error(out, "the point's options do not parse (see the message above)");
        return;
    }
    kind_of(s)->eval(pc, &o, out);
}

static void free_args(sweep_args *a)
{
    free(a->spec_owned);
    pim_sweep_free(&a->sweep);
}

int cli_cmd_sweep(int argc, char **argv, pim_guard *guard)
{
    sweep_args a;
    memset(&a, 0, sizeof a);
    pim_sweep_init(&a.sweep);
    a.sweep.commands = COMMANDS;
    cli_opts fixed;
    memset(&fixed, 0, sizeof fixed);
    int rc = setup_sweep(&a, argc, argv, &fixed);
    if (a.help && !rc) {
        free_args(&a);
        return fputs(CLI_USAGE_SWEEP, stdout), 0;
    }
    uint64_t threads = 0;
    if (!rc && a.threads)
        rc = cli_parse_count("--threads", a.threads, 64, &threads);
    if (rc) {
        free_args(&a);
        return rc;
    }
    pim_sweep_opts so = {.threads = (unsigned)threads,
                         .resume = a.resume,
                         .progress = isatty(STDERR_FILENO),
                         .guard = guard};
    point_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        free_args(&a);
        return cli_bad_input("sweep: out of memory");
    }
    if (kind_of(&a.sweep)->eval == eval_run)
        cache_archs(ctx, &a.sweep, fixed.arch);
    pim_sweep_stats st;
    pim_error err;
    int rank = 0;
    pim_status status = pim_sweep_mpi_launched()
                            ? pim_sweep_run_mpi(&a.sweep, &so, eval_point, ctx, &st, &rank, &err)
                            : pim_sweep_run(&a.sweep, &so, eval_point, ctx, &st, &err);
    free(ctx);
    if (status || rank != 0) {
        free_args(&a);
        return status ? cli_fail(&err) : 0;
    }
    printf("sweep: %llu points (%llu run, %llu stored before, %llu failed) in %.2f s: "
           "%s/results.csv, %s/results.jsonl\n",
           (unsigned long long)st.points, (unsigned long long)st.ran,
           (unsigned long long)st.resumed, (unsigned long long)st.failed, st.seconds, a.sweep.out,
           a.sweep.out);
    if (st.run_seconds > 0) /* threaded: the share of the threads' time spent in the runs */
        printf("sweep: %.1f s in the runs themselves, %.1f%% of %u thread(s) x %.2f s\n",
               st.run_seconds,
               100 * st.run_seconds / (st.seconds * (so.threads ? so.threads : pim_cpus())),
               so.threads ? so.threads : pim_cpus(), st.seconds);
    free_args(&a);
    return 0;
}
