/* pimstream plot: a sweep's results drawn (the drawing is src/plot). */
#include "pimstream/plot.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

const char *const CLI_USAGE_PLOT =
    "usage: pimstream plot DIR|FILE.csv --x KEY --y FIELD [--group KEY] [--pareto X,Y]\n"
    "                      [--bars] [--log-x] [--log-y] --out FILE.svg|FILE.png\n"
    "  Draw a sweep's results (DIR/results.csv, or any CSV with a header row):\n"
    "  FIELD against KEY, one line (or one colour of bars) per value of the\n"
    "  --group column. Lines when each group has one point per x, else\n"
    "  points; bars with --bars or when x is not a number. --pareto X,Y rings\n"
    "  the points no other beats in both X and Y (lower is better). Rows that\n"
    "  failed (an error) are left out. An axis is logarithmic when its values\n"
    "  are all positive and span 20x or more, or when asked (--log-x, --log-y).\n"
    "  The format follows --out's extension.\n";

typedef struct {
    const char *input, *out, *pareto;
    pim_plot_opts plot;
    int help;
} plot_args;

static int parse_plot_args(int argc, char **argv, plot_args *a)
{
    static const char *const valued[] = {"--x", "--y", "--group", "--pareto", "--out"};
    const char **slots[] = {&a->plot.x, &a->plot.y, &a->plot.group, &a->pareto, &a->out};
    for (int i = 0; i < argc; i++) {
        int *flag = strcmp(argv[i], "--bars") == 0    ? &a->plot.bars
                    : strcmp(argv[i], "--log-x") == 0 ? &a->plot.log_x
                    : strcmp(argv[i], "--log-y") == 0 ? &a->plot.log_y
                    : strcmp(argv[i], "--help") == 0  ? &a->help
                                                      : NULL;
        if (flag) {
            *flag = 1;
            continue;
        }
        int v = -1;
        for (int k = 0; k < 5; k++)
            if (strcmp(argv[i], valued[k]) == 0)
                v = k;
        if (v < 0 && argv[i][0] == '-')
            return cli_bad_input("plot: unknown option %s (see pimstream plot --help)", argv[i]);
        if (v < 0) {
            if (a->input)
                return cli_bad_input("plot: one input (a sweep's directory or a CSV), not %s",
                                     argv[i]);
            a->input = argv[i];
            continue;
        }
        if (i + 1 == argc)
            return cli_bad_input("%s: needs a value", argv[i]);
        if (*slots[v])
            return cli_bad_input("%s given twice", argv[i]);
        *slots[v] = argv[++i];
    }
    return 0;
}

static int check_plot_args(plot_args *a, char *input, size_t cap, char *pareto_buf,
                           size_t pareto_cap)
{
    if (!a->input)
        return cli_bad_input("plot: which results? (pimstream plot DIR --x KEY --y FIELD --out "
                             "FILE.svg)");
    if (!a->plot.x || !a->plot.y)
        return cli_bad_input("plot: --x and --y say what to draw");
    if (!a->out)
        return cli_bad_input("plot: --out FILE.svg (or .png) is missing");
    if (!pim_plot_format(a->out))
        return cli_bad_input("--out %s: must end in .svg or .png", a->out);
    struct stat sb;
    if (stat(a->input, &sb) == 0 && S_ISDIR(sb.st_mode))
        snprintf(input, cap, "%s/results.csv", a->input);
    else
        snprintf(input, cap, "%s", a->input);
    if (a->pareto) {
        char *items[2];
        int n = 0;
        pim_strlcpy(pareto_buf, a->pareto, pareto_cap);
        int rc = cli_split_list("--pareto", pareto_buf, items, 2, &n);
        if (rc)
            return rc;
        if (n != 2)
            return cli_bad_input("--pareto %s: two fields, X,Y (both lower is better)", a->pareto);
        a->plot.pareto_x = items[0];
        a->plot.pareto_y = items[1];
    }
    return 0;
}

/* Draw into a new output file, committed only when the picture is whole. */
int cli_draw(const char *path, pim_guard *guard, const char *input,
             pim_status (*draw)(void *ctx, void *fp, const char *format, pim_error *err), void *ctx)
{
    pim_error err;
    char target[PIM_PATH_MAX], in[PIM_PATH_MAX];
    if (pim_outfile_target(path, target, &err))
        return cli_bad_input("--out %s", err.msg);
    if (input && pim_outfile_target(input, in, &err) == PIM_OK && strcmp(in, target) == 0)
        return cli_bad_input("--out %s: that is the input; not overwritten", path);
    pim_outfile of;
    if (pim_outfile_open(&of, path, guard, &err))
        return cli_fail(&err);
    if (draw(ctx, of.fp, pim_plot_format(path), &err)) {
        pim_outfile_abort(&of);
        return cli_fail(&err);
    }
    return pim_outfile_commit(&of, &err) ? cli_fail(&err) : 0;
}

typedef struct {
    const pim_table *table;
    const pim_plot_opts *opts;
} sweep_picture;

static pim_status draw_sweep(void *ctx, void *fp, const char *format, pim_error *err)
{
    const sweep_picture *p = ctx;
    return pim_plot_sweep(p->table, p->opts, fp, format, err);
}

int cli_cmd_plot(int argc, char **argv, pim_guard *guard)
{
    plot_args a;
    memset(&a, 0, sizeof a);
    int rc = parse_plot_args(argc, argv, &a);
    if (rc || a.help)
        return rc ? rc : (fputs(CLI_USAGE_PLOT, stdout), 0);
    char input[PIM_PATH_MAX + 16], pareto[256];
    if ((rc = check_plot_args(&a, input, sizeof input, pareto, sizeof pareto)))
        return rc;
    pim_table t;
    pim_error err;
    if (pim_table_load(input, &t, &err))
        return cli_fail(&err);
    sweep_picture pic = {&t, &a.plot};
    rc = cli_draw(a.out, guard, input, draw_sweep, &pic);
    pim_table_free(&t);
    if (!rc)
        printf("plot: %s\n", a.out);
    return rc;
}
