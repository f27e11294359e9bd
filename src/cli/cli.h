/* Private to src/cli: options, their checks and the output files, shared
 * by the commands (main.c). */
#ifndef PIMSTREAM_CLI_H
#define PIMSTREAM_CLI_H

#include "pimstream/report.h"
#include "pimstream/run.h"

#define CLI_MAX_SETS 64

/* Commands, as bits: which of them accept an option. */
enum {
    CMD_RUN = 1,
    CMD_COMPILE = 2,
    CMD_COMPARE = 4,
    CMD_INSPECT = 8,
    CMD_AREA = 16,
    CMD_MODELS = 32,
    CMD_ARCHS = 64,
    CMD_NOC = 128,
    CMD_MAP = 256
};

typedef struct {
    unsigned command; /* one CMD_ bit */
    const char *model, *model_format, *arch, *schedule, *bandwidth, *batch, *json, *csv, *trace,
        *trace_window, *threads, *partitioner, *objective, *seed, *emit, *placement, *weights,
        *noc_map, *mapping, *constraints, *plot, *budget;
    /* noc */
    const char *topology, *size, *router_cycles, *link_cycles, *flit_bytes, *vcs, *vc_flits,
        *traffic, *hotspots, *packets, *rate, *flits, *warmup, *measure;
    const char *sets[CLI_MAX_SETS];
    int nsets, help, equal_area, no_fast_forward, no_cut;
    pim_guard *guard; /* removes temporary outputs on SIGINT/SIGTERM */
    /* architectures already read (a sweep reads each once): names, values */
    const char *const *arch_names;
    const pim_arch *archs;
    int narchs;
} cli_opts;

#define MAX_PARTITIONERS 8
#define MAX_PLACEMENTS 8
#define MAX_MODELS 16

/* Everything a run needs, loaded from the options. */
typedef struct {
    pim_arch arch;
    pim_model model;
    pim_plan_opts opts;
    unsigned threads;
    pim_partitioner partitioners[MAX_PARTITIONERS];
    int npartitioners;
    pim_objective objective;
    uint64_t seed;
    pim_placement placements[MAX_PLACEMENTS];
    int nplacements;
    pim_weights weights;
    /* --model A,B,...: the models at once, as one (pim_model_concat) */
    uint32_t model_first[MAX_MODELS];
    char model_names[MAX_MODELS][64];
    const char *model_name_ptrs[MAX_MODELS];
    int nmodels;
} setup;

/* The run options o describe, loaded and checked into s and cfg (no
 * observer); errors as values, so a sweep records them per point.
 * compile: partition (optimal by default). The caller frees s->model. */
int cli_prepare_run(const cli_opts *o, int compile, setup *s, pim_run_config *cfg, pim_error *err);

/* One line on stderr; the exit code for bad input (2) or the error's. */
int cli_bad_input(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_fail(const pim_error *err);

/* argv after the command; 0 or an exit code. */
int cli_parse_opts(int argc, char **argv, cli_opts *o);
/* The value given for option flag ("--model"), or NULL. */
const char *cli_opt_value(const cli_opts *o, const char *flag);
/* The same as values: an input error in err (cli_fail prints it). */
int cli_err(pim_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A whole number in 1..max for `flag`. */
int cli_count(const char *flag, const char *s, uint64_t max, uint64_t *out, pim_error *err);
int cli_parse_count(const char *flag, const char *s, uint64_t max, uint64_t *out);
int cli_list(const char *flag, char *buf, char **items, int max, int *n, pim_error *err);
/* Split a comma list in place (buf holds a copy of value): no empty items,
 * at most `max`. */
int cli_split_list(const char *flag, char *buf, char **items, int max, int *n);

/* Optional output files, all committed together at the end. */
#define CLI_OUTPUTS 6
typedef struct {
    pim_outfile json, csv, trace, emit, noc_map, plot;
    int has_json, has_csv, has_trace, has_emit, has_noc_map, has_plot;
} cli_outputs;

/* Open every output the options name, after checking them all: each a
 * regular file or new, no two the same file, none an input file. */
int cli_open_outputs(const cli_opts *o, cli_outputs *out);
/* The noc command (noc.c); the network and traffic the options describe
 * (hot: room for 64 hotspots), errors as values. */
int cli_cmd_noc(const cli_opts *o);
int cli_noc_setup(const cli_opts *o, pim_noc_spec *spec, pim_noc_bench *b, uint32_t *hot,
                  pim_error *err);
extern const char *const CLI_USAGE_NOC;
/* The sweep command (sweep.c): its own argument syntax. */
int cli_cmd_sweep(int argc, char **argv, pim_guard *guard);
extern const char *const CLI_USAGE_SWEEP;
/* The lean pimstream hands a command that draws or runs under mpirun to
 * pimstream-full (delegate.c): exits with its code, or -1 to go on here
 * (always, in pimstream-full: full.c). */
int cli_delegate(int argc, char **argv);
/* The plot command (plot.c), and drawing into a committed output file. */
int cli_cmd_plot(int argc, char **argv, pim_guard *guard);
extern const char *const CLI_USAGE_PLOT;
int cli_draw(const char *path, pim_guard *guard, const char *input,
             pim_status (*draw)(void *ctx, void *fp, const char *format, pim_error *err),
             void *ctx);
/* The map command (map.c). */
int cli_cmd_map(const cli_opts *o);
/* A model mapped onto a hierarchy as the map options say (errors as values;
 * nonzero with err set). cli_mapped_free frees it. */
typedef struct {
    pim_hier *h;
    pim_model model;
    pim_mapper_network net;
    pim_mapper_objective objective;
} cli_mapped;
int cli_map_network(const cli_opts *o, cli_mapped *m, pim_error *err);
void cli_mapped_free(cli_mapped *m);
/* compare --arch A,B,... when they are storage hierarchies (map.c). */
int cli_compare_hierarchies(const cli_opts *o);
extern const char *const CLI_USAGE_MAP;
void cli_abort_outputs(cli_outputs *out);
int cli_commit_outputs(cli_outputs *out);

#endif
