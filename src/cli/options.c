/* pimstream cli: options and output files.
 *
 * Every option names the commands that take it; an option given to a
 * command that would ignore it, or given twice, is an error rather than a
 * surprise. Output files are all checked before anything runs. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cli_bad_input(const char *fmt, ...)
{
    char raw[600], msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    pim_escape_text(raw, msg, sizeof msg); /* options may hold any bytes */
    fprintf(stderr, "pimstream: %s\n", msg);
    return 2;
}

int cli_fail(const pim_error *err)
{
    fprintf(stderr, "pimstream: %s\n", err->msg);
    return err->status == PIM_EINPUT ? 2 : 1;
}

#define ALL_RUNS (CMD_RUN | CMD_COMPILE | CMD_COMPARE)
#define WITH_MODEL (ALL_RUNS | CMD_INSPECT | CMD_MAP)

static const struct {
    const char *flag;
    size_t offset;
    unsigned commands;
} FLAGS[] = {
    {"--model", offsetof(cli_opts, model), WITH_MODEL},
    {"--model-format", offsetof(cli_opts, model_format), WITH_MODEL},
    {"--arch", offsetof(cli_opts, arch), WITH_MODEL | CMD_AREA | CMD_NOC},
    {"--schedule", offsetof(cli_opts, schedule), CMD_RUN | CMD_COMPARE},
    {"--bandwidth", offsetof(cli_opts, bandwidth), ALL_RUNS},
    {"--batch", offsetof(cli_opts, batch), ALL_RUNS | CMD_MAP},
    {"--json", offsetof(cli_opts, json), WITH_MODEL | CMD_AREA | CMD_NOC},
    {"--csv", offsetof(cli_opts, csv), ALL_RUNS | CMD_MAP},
    {"--trace", offsetof(cli_opts, trace), CMD_RUN | CMD_COMPILE},
    {"--trace-window", offsetof(cli_opts, trace_window), CMD_RUN | CMD_COMPILE},
    {"--threads", offsetof(cli_opts, threads), CMD_RUN | CMD_COMPARE | CMD_MAP},
    {"--partitioner", offsetof(cli_opts, partitioner), ALL_RUNS},
    {"--objective", offsetof(cli_opts, objective), ALL_RUNS | CMD_MAP},
    {"--seed", offsetof(cli_opts, seed), ALL_RUNS | CMD_NOC},
    {"--emit", offsetof(cli_opts, emit), CMD_RUN | CMD_COMPILE},
    {"--placement", offsetof(cli_opts, placement), ALL_RUNS},
    {"--weights", offsetof(cli_opts, weights), ALL_RUNS},
    {"--noc-map", offsetof(cli_opts, noc_map), CMD_RUN | CMD_COMPILE},
    {"--plot", offsetof(cli_opts, plot), CMD_RUN | CMD_COMPILE | CMD_COMPARE},
    {"--mapping", offsetof(cli_opts, mapping), CMD_MAP},
    {"--constraints", offsetof(cli_opts, constraints), CMD_MAP},
    {"--budget", offsetof(cli_opts, budget), CMD_MAP | CMD_COMPARE},
    {"--topology", offsetof(cli_opts, topology), CMD_NOC},
    {"--size", offsetof(cli_opts, size), CMD_NOC},
    {"--router-cycles", offsetof(cli_opts, router_cycles), CMD_NOC},
    {"--link-cycles", offsetof(cli_opts, link_cycles), CMD_NOC},
    {"--flit-bytes", offsetof(cli_opts, flit_bytes), CMD_NOC},
    {"--vcs", offsetof(cli_opts, vcs), CMD_NOC},
    {"--vc-flits", offsetof(cli_opts, vc_flits), CMD_NOC},
    {"--traffic", offsetof(cli_opts, traffic), CMD_NOC},
    {"--hotspots", offsetof(cli_opts, hotspots), CMD_NOC},
    {"--packets", offsetof(cli_opts, packets), CMD_NOC},
    {"--rate", offsetof(cli_opts, rate), CMD_NOC},
    {"--flits", offsetof(cli_opts, flits), CMD_NOC},
    {"--warmup", offsetof(cli_opts, warmup), CMD_NOC},
    {"--measure", offsetof(cli_opts, measure), CMD_NOC},
};

static const char *command_name(unsigned command)
{
    static const char *const names[] = {"run",    "compile", "compare", "inspect", "area",
                                        "models", "archs",   "noc",     "map"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++)
        if (command == 1u << i)
            return names[i];
    return "?";
}

/* The option field for flag `a`, or an exit code: unknown, not for this
 * command, or already given. */
static int flag_slot(cli_opts *o, const char *a, const char ***slot)
{
    for (size_t k = 0; k < sizeof FLAGS / sizeof FLAGS[0]; k++) {
        if (strcmp(a, FLAGS[k].flag) != 0)
            continue;
        if (!(FLAGS[k].commands & o->command))
            return cli_bad_input("%s does not apply to %s (see pimstream %s --help)", a,
                                 command_name(o->command), command_name(o->command));
        *slot = (const char **)((char *)o + FLAGS[k].offset);
        return **slot ? cli_bad_input("%s given twice", a) : 0;
    }
    return cli_bad_input("unknown option '%s' (see --help)", a);
}

const char *cli_opt_value(const cli_opts *o, const char *flag)
{
    for (size_t k = 0; k < sizeof FLAGS / sizeof FLAGS[0]; k++)
        if (strcmp(flag, FLAGS[k].flag) == 0)
            return *(const char *const *)((const char *)o + FLAGS[k].offset);
    return NULL;
}

int cli_parse_opts(int argc, char **argv, cli_opts *o)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = 1;
            continue;
        }
        if (strcmp(a, "--equal-area") == 0) {
            if (o->command != CMD_COMPARE)
                return cli_bad_input("--equal-area goes with compare --arch A,B,...");
            if (o->equal_area++)
                return cli_bad_input("--equal-area given twice");
            continue;
        }
        int *run_switch = strcmp(a, "--no-fast-forward") == 0 ? &o->no_fast_forward
                          : strcmp(a, "--no-cut") == 0        ? &o->no_cut
                                                              : NULL;
        if (run_switch) {
            if (!(o->command & (CMD_RUN | CMD_COMPARE)))
                return cli_bad_input("%s goes with run or compare", a);
            if ((*run_switch)++)
                return cli_bad_input("%s given twice", a);
            continue;
        }
        const char **slot = NULL;
        if (strcmp(a, "--set") == 0) {
            if (o->command & (CMD_MODELS | CMD_ARCHS))
                return cli_bad_input("%s takes no options", command_name(o->command));
            if (o->nsets == CLI_MAX_SETS)
                return cli_bad_input("--set: at most %d overrides", CLI_MAX_SETS);
            slot = &o->sets[o->nsets++];
        } else {
            int rc = flag_slot(o, a, &slot);
            if (rc)
                return rc;
        }
        if (i + 1 >= argc)
            return cli_bad_input("%s needs a value", a);
        *slot = argv[++i];
    }
    return 0;
}

int cli_err(pim_error *err, const char *fmt, ...)
{
    char raw[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    return pim_fail(err, PIM_EINPUT, "%s", raw); /* escapes what options hold */
}

int cli_count(const char *flag, const char *s, uint64_t max, uint64_t *out, pim_error *err)
{
    if (!pim_parse_u64(s, out) || *out == 0 || *out > max)
        return cli_err(err, "%s %s: must be a whole number in 1..%llu", flag, s,
                       (unsigned long long)max);
    return 0;
}

int cli_parse_count(const char *flag, const char *s, uint64_t max, uint64_t *out)
{
    pim_error err;
    return cli_count(flag, s, max, out, &err) ? cli_fail(&err) : 0;
}

int cli_list(const char *flag, char *buf, char **items, int max, int *n, pim_error *err)
{
    *n = 0;
    for (char *p = buf;; p++) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (!*p)
            return cli_err(err, "%s: an empty item in the list", flag);
        if (*n == max)
            return cli_err(err, "%s: at most %d items", flag, max);
        items[(*n)++] = p;
        if (!comma)
            return 0;
        p = comma;
    }
}

int cli_split_list(const char *flag, char *buf, char **items, int max, int *n)
{
    pim_error err;
    return cli_list(flag, buf, items, max, n, &err) ? cli_fail(&err) : 0;
}

/* ---- outputs ---------------------------------------------------------- */

typedef struct {
    const char *flag, *path;
    pim_outfile *file;
    int *has;
} output_slot;

static int list_outputs(const cli_opts *o, cli_outputs *out, output_slot *slots)
{
    const output_slot all[] = {{"--json", o->json, &out->json, &out->has_json},
                               {"--csv", o->csv, &out->csv, &out->has_csv},
                               {"--trace", o->trace, &out->trace, &out->has_trace},
                               {"--emit", o->emit, &out->emit, &out->has_emit},
                               {"--noc-map", o->noc_map, &out->noc_map, &out->has_noc_map},
                               {"--plot", o->plot, &out->plot, &out->has_plot}};
    int n = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i].path)
            slots[n++] = all[i];
    return n;
}

/* Is the file at `target` one of the run's input files? */
static int is_input(const cli_opts *o, const char *target)
{
    struct stat out_sb, in_sb;
    if (stat(target, &out_sb) != 0)
        return 0; /* a new file cannot be an input */
    char list[PIM_PATH_MAX];
    pim_strlcpy(list, o->arch ? o->arch : "", sizeof list);
    for (char *save = NULL, *tok = strtok_r(list, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save))
        if (stat(tok, &in_sb) == 0 && in_sb.st_dev == out_sb.st_dev &&
            in_sb.st_ino == out_sb.st_ino)
            return 1;
    const char *files[] = {o->model, o->mapping, o->constraints};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        if (files[i] && stat(files[i], &in_sb) == 0 && in_sb.st_dev == out_sb.st_dev &&
            in_sb.st_ino == out_sb.st_ino)
            return 1;
    return 0;
}

static int check_outputs(const cli_opts *o, const output_slot *slots, int n)
{
    char targets[CLI_OUTPUTS][PIM_PATH_MAX];
    pim_error err;
    for (int i = 0; i < n; i++) {
        if (pim_outfile_target(slots[i].path, targets[i], &err))
            return cli_bad_input("%s %s", slots[i].flag, err.msg);
        if (is_input(o, targets[i]))
            return cli_bad_input("%s %s: that is an input file of this run; not overwritten",
                                 slots[i].flag, slots[i].path);
        for (int k = 0; k < i; k++)
            if (strcmp(targets[k], targets[i]) == 0)
                return cli_bad_input("%s and %s name the same file (%s)", slots[k].flag,
                                     slots[i].flag, slots[i].path);
    }
    return 0;
}

int cli_open_outputs(const cli_opts *o, cli_outputs *out)
{
    memset(out, 0, sizeof *out);
    output_slot slots[CLI_OUTPUTS];
    int n = list_outputs(o, out, slots), rc = check_outputs(o, slots, n);
    pim_error err;
    for (int i = 0; i < n && !rc; i++) {
        if (pim_outfile_open(slots[i].file, slots[i].path, o->guard, &err))
            rc = cli_fail(&err);
        else
            *slots[i].has = 1;
    }
    if (rc)
        cli_abort_outputs(out);
    return rc;
}

void cli_abort_outputs(cli_outputs *out)
{
    pim_outfile *files[] = {&out->json, &out->csv,     &out->trace,
                            &out->emit, &out->noc_map, &out->plot};
    int *has[] = {&out->has_json, &out->has_csv,     &out->has_trace,
                  &out->has_emit, &out->has_noc_map, &out->has_plot};
    for (int i = 0; i < CLI_OUTPUTS; i++)
        if (*has[i]) {
            pim_outfile_abort(files[i]);
            *has[i] = 0;
        }
}

int cli_commit_outputs(cli_outputs *out)
{
    pim_outfile *files[] = {&out->json, &out->csv,     &out->trace,
                            &out->emit, &out->noc_map, &out->plot};
    int *has[] = {&out->has_json, &out->has_csv,     &out->has_trace,
                  &out->has_emit, &out->has_noc_map, &out->has_plot};
    pim_error err;
    for (int i = 0; i < CLI_OUTPUTS; i++)
        if (*has[i]) {
            *has[i] = 0;
            if (pim_outfile_commit(files[i], &err)) {
                cli_abort_outputs(out);
                return cli_fail(&err);
            }
        }
    return 0;
}
