/* pimstream sweep: the command line of a sweep, and what one point runs
 * (the sweep module itself knows nothing of runs). */
#include "pimstream/sweep.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *const CLI_USAGE_SWEEP =
    "usage: pimstream sweep COMMAND [its options...] --sweep KEY=V1,V2,... [--sweep ...]\n"
    "                       --out DIR [--threads T] [--resume]\n"
    "       pimstream sweep SPEC.yaml [--sweep ...] [--out DIR] [--threads T] [--resume]\n"
    "  Run COMMAND (run or compile) once per point of a grid: the product of\n"
    "  every --sweep axis's values, its options fixed for every point.\n"
    "  KEY: model, arch, schedule, partitioner, bandwidth, batch, placement,\n"
    "     weights, or any --set path (chip.cores, chip.analog.adc_bits,\n"
    "     model.kv_len, schedule.vectors_per_load).\n"
    "  SPEC.yaml holds the same (command, options, sweep: the axes, out) plus\n"
    "     listed points (points: [{bandwidth: 64, schedule: gpp}, ...]) and a\n"
    "     seeded sample of a grid too large to run whole (sample: {count: N,\n"
    "     seed: S}); --spec SPEC.yaml says the same.\n"
    "  DIR/results.csv: one row per point, in point order: the axes, then\n"
    "     cycles, seconds, inferences/s, energy, EDP, area, efficiency,\n"
    "     off-chip bytes, partitions, and the error of a point that failed\n"
    "     (the sweep goes on). DIR/results.jsonl: each point's whole JSON.\n"
    "     Both are the same for any T.\n"
    "  T: points run at once (default: one per CPU; each point on one thread).\n"
    "  --resume: go on with an interrupted sweep in DIR, running only the\n"
    "     points it has not stored (each point is stored whole, or not at all).\n"
    "  A status line on stderr shows progress when it is a terminal.\n"
    "  Under mpirun (mpirun -n K pimstream sweep SPEC.yaml), rank 0 hands out\n"
    "  the points one at a time and stores the results, ranks 1..K-1 run them;\n"
    "  the results are the threaded run's, byte for byte.\n";

/* The figures of a point, as results.csv's columns (after the axes). */
static const char *const FIGURES = "cycles,seconds,inferences_per_second,energy_pj,edp_js,"
                                   "area_mm2,efficiency,offchip_bytes,partitions";

/* Keys that are options of the command; the rest are --set paths. */
static const char *const NAMED[] = {"model", "arch",      "schedule", "partitioner", "bandwidth",
                                    "batch", "placement", "weights",  NULL};

typedef struct {
    pim_sweep sweep;
    unsigned bit; /* CMD_RUN or CMD_COMPILE */
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

/* The command's options must parse, and leave the outputs and threads to
 * the sweep; an axis may not also be a fixed option. */
static int check_command(const sweep_args *a)
{
    const pim_sweep *s = &a->sweep;
    cli_opts o;
    memset(&o, 0, sizeof o);
    o.command = a->bit;
    int rc = cli_parse_opts((int)s->noptions, (char **)s->options, &o);
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
    const char *fixed[] = {o.model,     o.arch,  o.schedule,  o.partitioner,
                           o.bandwidth, o.batch, o.placement, o.weights};
    for (uint32_t k = 0; k < s->naxes; k++)
        for (size_t i = 0; NAMED[i]; i++)
            if (strcmp(s->axes[k].key, NAMED[i]) == 0 && fixed[i])
                return cli_bad_input("sweep: %s is swept and also fixed by --%s; give one",
                                     NAMED[i], NAMED[i]);
    return 0;
}

static int setup_sweep(sweep_args *a, int argc, char **argv)
{
    pim_sweep *s = &a->sweep;
    pim_error err;
    int first_is_command =
        argc > 0 && (strcmp(argv[0], "run") == 0 || strcmp(argv[0], "compile") == 0);
    if (first_is_command)
        pim_strlcpy(s->command, argv[0], sizeof s->command);
    int rc = parse_args(argc - first_is_command, argv + first_is_command, a);
    if (rc || a->help)
        return rc;
    if (!first_is_command && argc > 0 && argv[0][0] != '-' && !strstr(argv[0], ".y") &&
        access(argv[0], F_OK) != 0)
        return cli_bad_input("sweep %s: the command must be run or compile (or give a spec "
                             "file, SPEC.yaml)",
                             argv[0]);
    if (!first_is_command && !a->spec && s->noptions && s->options[0][0] != '-') {
        a->spec = a->spec_owned = s->options[0]; /* sweep SPEC.yaml */
        memmove(s->options, s->options + 1, --s->noptions * sizeof *s->options);
    }
    if (a->spec && pim_sweep_load_spec(s, a->spec, &err))
        return cli_fail(&err);
    for (int i = 0; i < a->naxes; i++)
        if (pim_sweep_add_axis(s, a->axes[i], "--sweep", &err))
            return cli_fail(&err);
    if (!*s->command)
        return cli_bad_input("sweep: which command? (sweep run ... or command: run in a spec)");
    if (strcmp(s->command, "run") != 0 && strcmp(s->command, "compile") != 0)
        return cli_bad_input("sweep %s: the command must be run or compile", s->command);
    a->bit = strcmp(s->command, "run") == 0 ? CMD_RUN : CMD_COMPILE;
    if (a->out)
        pim_strlcpy(s->out, a->out, sizeof s->out);
    if (!*s->out)
        return cli_bad_input("sweep: --out DIR is missing (where the results go)");
    if (pim_sweep_finish(s, &err))
        return cli_fail(&err);
    return check_command(a);
}

/* ---- one point ---------------------------------------------------------- */

/* Each architecture a sweep names, read once before the points run (the
 * points then copy it: reading a preset's YAML took longer than a small
 * run). Read-only while the points run. */
#define ARCH_CACHE 32
typedef struct {
    const sweep_args *args;
    const char *names[ARCH_CACHE];
    pim_arch archs[ARCH_CACHE];
    int count;
} point_ctx;

static void cache_arch(point_ctx *c, const char *name)
{
    for (int i = 0; i < c->count; i++)
        if (strcmp(c->names[i], name) == 0)
            return;
    pim_error err;
    if (c->count < ARCH_CACHE && pim_arch_load(name, &c->archs[c->count], &err) == PIM_OK)
        c->names[c->count++] = name; /* one that fails is read (and fails) per point */
}

/* The --arch of the command's options (or the default), and the arch axis. */
static void cache_archs(point_ctx *c, const pim_sweep *s)
{
    const char *fixed = "gpp-sram";
    for (uint32_t i = 0; i + 1 < s->noptions; i++)
        if (strcmp(s->options[i], "--arch") == 0)
            fixed = s->options[i + 1];
    cache_arch(c, fixed);
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

static char *point_figures(const setup *su, const pim_run_result *r)
{
    pim_area area;
    pim_area_compute(&su->arch, &area);
    char *text = NULL;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    fprintf(f, "%llu,%.10g,%.10g,%.10g,%.10g,", (unsigned long long)r->sim.cycles, r->seconds,
            r->inferences_per_second, r->energy.total, r->edp);
    if (area.total_mm2 > 0) /* else the architecture gives no component areas: unknown */
        fprintf(f, "%.10g", area.total_mm2);
    fprintf(f, ",%.10g,%llu,%u", r->efficiency, (unsigned long long)r->counts.offchip_bytes,
            r->compiled.nparts);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

static char *point_json(const setup *su, const pim_run_result *r)
{
    char *text = NULL;
    size_t len;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    pim_json j;
    pim_json_init(&j, f, 0);
    j.timeless = 1;
    pim_report_json_run(&j, NULL, &su->model, &su->arch, r);
    pim_json_end(&j, '}');
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

static void eval_point(void *ctx, const pim_sweep *s, uint64_t i, pim_sweep_point *out)
{
    const point_ctx *pc = ctx;
    const sweep_args *a = pc->args;
    char *argv[PIM_SWEEP_MAX_OPTIONS + 2 * PIM_SWEEP_MAX_AXES];
    char sets[PIM_SWEEP_MAX_AXES][1200];
    int argc = point_argv(s, i, argv, sets, (int)(sizeof argv / sizeof argv[0]));
    cli_opts o;
    memset(&o, 0, sizeof o);
    o.command = a->bit;
    if (cli_parse_opts(argc, argv, &o)) {
        point_error(out, "the point's options do not parse (see the message above)");
        return;
    }
    o.arch_names = pc->names;
    o.archs = pc->archs;
    o.narchs = pc->count;
    setup su;
    pim_run_config cfg;
    pim_error err;
    if (cli_prepare_run(&o, a->bit == CMD_COMPILE, &su, &cfg, &err)) {
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
        out->csv = point_figures(&su, &r);
        out->json = point_json(&su, &r);
        if (!out->csv || !out->json) {
            free(out->csv);
            free(out->json);
            out->csv = out->json = NULL;
            point_error(out, "out of memory");
        }
        pim_run_result_free(&r);
    }
    pim_model_free(&su.model);
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
    a.sweep.named = NAMED;
    int rc = setup_sweep(&a, argc, argv);
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
                         .figures = FIGURES,
                         .guard = guard};
    point_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx) {
        free_args(&a);
        return cli_bad_input("sweep: out of memory");
    }
    ctx->args = &a;
    cache_archs(ctx, &a.sweep);
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
