/* Tests of the plot module (the CSV table, the Pareto front) and of the
 * pictures the commands write. */
#include "pimstream/plot.h"
#include "test.h"

#include <stdlib.h>
#include <sys/wait.h>

static void table_reads_rfc4180(pim_t *t)
{
    const char *csv = "a,b,error\r\n1,\"x, y\",\n2,\"say \"\"hi\"\"\",\"two\nlines\"\n";
    pim_table tb;
    pim_error err;
    CHECK(t, pim_table_from_csv(csv, strlen(csv), "t.csv", &tb, &err) == PIM_OK);
    CHECK_EQ_U64(t, tb.ncols, 3);
    CHECK_EQ_U64(t, tb.nrows, 2);
    CHECK(t, pim_table_column(&tb, "error") == 2 && pim_table_column(&tb, "c") == -1);
    CHECK(t, strcmp(tb.cells[1], "x, y") == 0 && strcmp(tb.cells[2], "") == 0);
    CHECK(t, strcmp(tb.cells[4], "say \"hi\"") == 0 && strcmp(tb.cells[5], "two\nlines") == 0);
    pim_table_free(&tb);
    static const struct {
        const char *text, *must;
    } bad[] = {{"a,b\n1\n", "t.csv:2: 1 fields where the header has 2"},
               {"a,b\n1,\"2\n", "t.csv:2: a quoted field never ends"},
               {"a,b\n1,2\"x\n", "t.csv:2: a quote inside an unquoted field"},
               {"a,b\n1,\"2\"x\n", "t.csv:2: text after a quoted field"},
               {"", "t.csv: empty"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pim_status st = pim_table_from_csv(bad[i].text, strlen(bad[i].text), "t.csv", &tb, &err);
        if (st != PIM_EINPUT || !strstr(err.msg, bad[i].must))
            fprintf(stderr, "    %s -> %s\n", bad[i].must, st ? err.msg : "accepted");
        CHECK(t, st == PIM_EINPUT && strstr(err.msg, bad[i].must));
    }
}

/* Lower is better in both: dominated points are off the front; equal
 * points are both on it. */
static void pareto_front_is_the_non_dominated_set(pim_t *t)
{
    const double x[] = {1, 2, 3, 2, 4, 1, 5};
    const double y[] = {5, 3, 1, 4, 1, 5, 0.5};
    const uint8_t want[] = {1, 1, 1, 0, 0, 1, 1};
    uint8_t got[7];
    pim_pareto_front(x, y, 7, got);
    for (int i = 0; i < 7; i++)
        CHECK_EQ_U64(t, got[i], want[i]);
}

/* The text of an SVG with its character references (&#xNN;) decoded. */
static char *svg_text(const char *path)
{
    char *s = pim_test_slurp(path);
    if (!s)
        return NULL;
    char *w = s;
    for (const char *r = s; *r;) {
        unsigned code;
        int used;
        if (sscanf(r, "&#x%x;%n", &code, &used) == 1 && code < 0x80) {
            *w++ = (char)code;
            r += used;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return s;
}

static void sweep_pictures_have_their_labels(pim_t *t)
{
    char args[1024], path[600];
    snprintf(path, sizeof path, "%s/plot-sweep", t->tmp);
    snprintf(args, sizeof args, "rm -rf '%s'", path);
    CHECK_EQ_U64(t, system(args), 0);
    snprintf(args, sizeof args,
             "sweep run --model vmm512 --set model.batch=64 --sweep bandwidth=8,32,128,512 "
             "--sweep schedule=gpp,pingpong --out %s",
             path);
    CHECK_EQ_U64(t, pim_test_cli(t, args, NULL, 0), 0);
    snprintf(args, sizeof args,
             "plot %s --x bandwidth --y inferences_per_second --group schedule --pareto "
             "cycles,energy_pj --out %s/curves.svg",
             path, t->tmp);
    CHECK_EQ_U64(t, pim_test_cli(t, args, NULL, 0), 0);
    snprintf(args, sizeof args, "%s/curves.svg", t->tmp);
    char *svg = svg_text(args);
    CHECK(t, svg && strncmp(svg, "<?xml", 5) == 0 && strstr(svg, "<svg"));
    static const char *const must[] = {"off-chip bandwidth (bytes/cycle)",
                                       "throughput (inferences/s)",
                                       "gpp",
                                       "pingpong",
                                       "Pareto front",
                                       "by schedule, 8 points"};
    for (size_t i = 0; svg && i < sizeof must / sizeof must[0]; i++) {
        if (!strstr(svg, must[i]))
            fprintf(stderr, "    the SVG lacks '%s'\n", must[i]);
        CHECK(t, strstr(svg, must[i]) != NULL);
    }
    free(svg);
    /* PNG by the extension; bars */
    snprintf(args, sizeof args,
             "plot %s/results.csv --x schedule --y cycles --group bandwidth --bars --out "
             "%s/bars.png",
             path, t->tmp);
    CHECK_EQ_U64(t, pim_test_cli(t, args, NULL, 0), 0);
    snprintf(args, sizeof args, "%s/bars.png", t->tmp);
    char head[9] = "";
    pim_test_read_head(args, head, sizeof head);
    CHECK(t, memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0);
}

/* The decoded SVG a command writes (`args` names it as "%s/<name>", the
 * test's scratch directory); NULL, and a failed check, when it does not. */
static char *cli_svg(pim_t *t, const char *args_fmt, const char *name)
{
    char args[512], path[600];
    snprintf(args, sizeof args, args_fmt, t->tmp);
    CHECK_EQ_U64(t, pim_test_cli(t, args, NULL, 0), 0);
    snprintf(path, sizeof path, "%s/%s", t->tmp, name);
    char *svg = svg_text(path);
    CHECK(t, svg != NULL);
    return svg;
}

static void run_and_compare_pictures(pim_t *t)
{
    char *svg = cli_svg(t, "run --model resnet18 --batch 2 --plot %s/run.svg", "run.svg");
    CHECK(t, svg && strstr(svg, "cycles each layer adds to the run") &&
                 strstr(svg, "bandwidth-bound") && strstr(svg, "share of the run's energy"));
    /* a run of a plan: where its macros' time went, every part named */
    CHECK(t, svg && strstr(svg, "macro time: 256 macros x") && strstr(svg, "computing ") &&
                 strstr(svg, "waiting with a tile ") && strstr(svg, "without a tile "));
    free(svg);
    /* a compiled program has no such panel */
    svg = cli_svg(t, "run --model resnet18 --arch manycore-2d --plot %s/noc.svg", "noc.svg");
    CHECK(t,
          svg && strstr(svg, "cycles each layer adds to the run") && !strstr(svg, "macro time:"));
    free(svg);
    svg = cli_svg(t, "compare --model vmm512 --bandwidth 8,64 --plot %s/cmp.svg", "cmp.svg");
    CHECK(t, svg && strstr(svg, "energy of each run, by part") && strstr(svg, "gpp, B 64"));
    free(svg);
}

static void plot_bad_input(pim_t *t)
{
    char dir[600], args[2048], err[512];
    snprintf(dir, sizeof dir, "%s/plot-sweep", t->tmp); /* made by the test above */
    const struct {
        const char *fmt, *must;
    } bad[] = {
        {"plot %s --x bandwidth --y colour --out %s/p.svg", "--y colour: no such column"},
        {"plot %s --x bandwidth --y cycles --out %s/p.pdf", "must end in .svg or .png"},
        {"plot %s --x bandwidth --out %s/p.svg", "--x and --y"},
        {"plot %s/nothing --x bandwidth --y cycles --out %s/p.svg", "nothing"},
        {"plot %s --x bandwidth --y cycles --pareto cycles --out %s/p.svg", "two fields"},
        {"plot %s --x bandwidth --y cycles --frob --out %s/p.svg", "unknown option --frob"},
        {"plot %s --x schedule --y schedule --out %s/p.svg", "no row has numbers"},
        {"plot %s --x bandwidth --y partitions --log-y --out %s/p.svg",
         "--log-y: partitions has a value of 0"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(args, sizeof args, bad[i].fmt, dir, t->tmp);
        int rc = pim_test_cli(t, args, err, sizeof err);
        if (rc != 2 || !strstr(err, bad[i].must))
            fprintf(stderr, "    '%s' -> %d '%s'\n", args, rc, err);
        CHECK(t, rc == 2 && strstr(err, bad[i].must));
        snprintf(args, sizeof args, "%s/p.svg", t->tmp);
        CHECK(t, !pim_test_exists(args));
    }
    /* the input is never the output */
    snprintf(args, sizeof args, "plot %s/results.csv --x bandwidth --y cycles --out %s/results.csv",
             dir, dir);
    CHECK_EQ_U64(t, pim_test_cli(t, args, err, sizeof err), 2);
    snprintf(args, sizeof args, "run --model vmm512 --plot %s/run.txt", t->tmp);
    CHECK_EQ_U64(t, pim_test_cli(t, args, err, sizeof err), 2);
}

/* pimstream links neither PLplot nor OpenMPI (its start stays short) and
 * hands plots to pimstream-full beside it; alone, it says what is missing. */
static void lean_binary_hands_plots_on(pim_t *t)
{
    char cmd[2048], out[512];
    snprintf(out, sizeof out, "%s/ldd.txt", t->tmp);
    snprintf(cmd, sizeof cmd, "ldd %s > %s 2>&1", t->cli, out);
    CHECK_EQ_U64(t, system(cmd), 0);
    char *libs = pim_test_slurp(out);
    CHECK(t,
          libs && strstr(libs, "libyaml") && !strstr(libs, "libplplot") && !strstr(libs, "libmpi"));
    free(libs);
    /* a copy with no pimstream-full beside it */
    snprintf(cmd, sizeof cmd, "cp %s %s/pimstream && %s/pimstream plot --help > %s 2>&1", t->cli,
             t->tmp, t->tmp, out);
    int rc = system(cmd);
    CHECK(t, WIFEXITED(rc) && WEXITSTATUS(rc) == 1);
    char *said = pim_test_slurp(out);
    CHECK(t, said && strstr(said, "pimstream-full") && strstr(said, "No such file"));
    free(said);
    /* its other commands need nothing else */
    snprintf(cmd, sizeof cmd, "%s/pimstream run --model vmm512 > %s 2>&1", t->tmp, out);
    CHECK_EQ_U64(t, system(cmd), 0);
}

const pim_test_case plot_tests[] = {
    {"plot: pimstream links no PLplot or MPI and hands plots to pimstream-full",
     lean_binary_hands_plots_on},
    {"plot: the CSV table reads RFC 4180; errors name file:line", table_reads_rfc4180},
    {"plot: the Pareto front is the non-dominated set", pareto_front_is_the_non_dominated_set},
    {"plot: sweep pictures carry their axes, legend and front; PNG by extension",
     sweep_pictures_have_their_labels},
    {"plot: run --plot and compare --plot", run_and_compare_pictures},
    {"plot: bad input exits 2 and writes nothing", plot_bad_input},
    {NULL, NULL},
};
