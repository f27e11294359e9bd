/* Tests of the sweep module (points, spec files, the results directory,
 * resume) and of the sweep command end to end. */
#include "pimstream/sweep.h"
#include "test.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A sweep whose command takes run's options (as the CLI sets it). */
static const char *const RUN_KEYS[] = {"model", "arch",      "schedule", "partitioner", "bandwidth",
                                       "batch", "placement", "weights",  NULL};

static const pim_sweep_command COMMANDS[] = {{"run", RUN_KEYS, 1, "square,bw", NULL},
                                             {NULL, NULL, 0, NULL, NULL}};

static void start(pim_sweep *s)
{
    pim_error err;
    pim_sweep_init(s);
    s->commands = COMMANDS;
    pim_sweep_set_command(s, "run", &err);
}

static void grid(pim_t *t, pim_sweep *s, const char *a, const char *b)
{
    pim_error err;
    start(s);
    CHECK(t, pim_sweep_add_axis(s, a, "--sweep", &err) == PIM_OK);
    if (b)
        CHECK(t, pim_sweep_add_axis(s, b, "--sweep", &err) == PIM_OK);
}

static int is(const char *v, const char *want)
{
    return want ? v && strcmp(v, want) == 0 : v == NULL;
}

/* The grid is the product in the order given (the last axis fastest),
 * then the listed points, whose new keys are unset on the grid's. */
static void grid_then_listed_points(pim_t *t)
{
    pim_sweep s;
    pim_error err;
    grid(t, &s, "bandwidth=8,16", "schedule=gpp,pingpong,insitu");
    char **kv = calloc(4, sizeof *kv);
    kv[0] = strdup("chip.cores");
    kv[1] = strdup("4");
    kv[2] = strdup("bandwidth");
    kv[3] = strdup("64");
    CHECK(t, pim_sweep_add_point(&s, kv, 2, &err) == PIM_OK);
    CHECK(t, pim_sweep_finish(&s, &err) == PIM_OK);
    CHECK_EQ_U64(t, s.npoints, 7);
    CHECK_EQ_U64(t, s.naxes, 3);
    CHECK(t, is(pim_sweep_value(&s, 0, 0), "8") && is(pim_sweep_value(&s, 0, 1), "gpp"));
    CHECK(t, is(pim_sweep_value(&s, 1, 0), "8") && is(pim_sweep_value(&s, 1, 1), "pingpong"));
    CHECK(t, is(pim_sweep_value(&s, 5, 0), "16") && is(pim_sweep_value(&s, 5, 1), "insitu"));
    CHECK(t, is(pim_sweep_value(&s, 5, 2), NULL));
    CHECK(t, is(pim_sweep_value(&s, 6, 0), "64") && is(pim_sweep_value(&s, 6, 1), NULL));
    CHECK(t, is(pim_sweep_value(&s, 6, 2), "4"));
    pim_sweep_free(&s);
}

static void bad_axes_are_refused(pim_t *t)
{
    static const char *const bad[] = {"bandwidth",  "=8",      "bandwidth=",    "bandwidth=8,,16",
                                      "colour=red", "chip.=4", "bandwidth=8\"", "model=a\nb"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pim_sweep s;
        pim_error err;
        start(&s);
        CHECK(t, pim_sweep_add_axis(&s, bad[i], "--sweep", &err) == PIM_EINPUT);
        CHECK(t, strstr(err.msg, "--sweep") != NULL);
        pim_sweep_free(&s);
    }
    pim_sweep s;
    pim_error err;
    grid(t, &s, "batch=1,2", NULL);
    CHECK(t, pim_sweep_add_axis(&s, "batch=4", "--sweep", &err) == PIM_EINPUT);
    pim_sweep_free(&s);
    start(&s);
    CHECK(t, pim_sweep_finish(&s, &err) == PIM_EINPUT); /* no points */
    pim_sweep_free(&s);
}

/* The sorted sample of `count` points of a 10 x 100 grid under `seed`
 * (malloc'd), checked for order and range. */
static uint64_t *sample_of(pim_t *t, uint64_t count, uint64_t seed)
{
    char bandwidths[512] = "bandwidth=1";
    for (int v = 2; v <= 100; v++)
        snprintf(bandwidths + strlen(bandwidths), sizeof bandwidths - strlen(bandwidths), ",%d", v);
    pim_sweep s;
    pim_error err;
    grid(t, &s, "chip.cores=1,2,3,4,5,6,7,8,9,10", bandwidths);
    s.sample = count;
    s.seed = seed;
    CHECK(t, pim_sweep_finish(&s, &err) == PIM_OK);
    CHECK_EQ_U64(t, s.npoints, count);
    uint64_t *out = calloc(count, sizeof *out);
    for (uint64_t i = 0; out && s.sampled && i < s.npoints; i++) {
        CHECK(t, i == 0 || s.sampled[i - 1] < s.sampled[i]);
        CHECK(t, s.sampled[i] < 1000);
        out[i] = s.sampled[i];
    }
    pim_sweep_free(&s);
    return out;
}

/* A sample: distinct grid points in order, the same for a seed, another
 * for another seed; by selection (most of the grid) or by draws. */
static void samples_are_seeded_and_distinct(pim_t *t)
{
    static const uint64_t counts[] = {10, 900};
    for (int c = 0; c < 2; c++) {
        uint64_t *a = sample_of(t, counts[c], 1), *b = sample_of(t, counts[c], 1),
                 *other = sample_of(t, counts[c], 2);
        CHECK(t, a && b && memcmp(a, b, counts[c] * sizeof *a) == 0);
        CHECK(t, a && other && memcmp(a, other, counts[c] * sizeof *a) != 0);
        free(a);
        free(b);
        free(other);
    }
    pim_sweep s;
    pim_error err;
    grid(t, &s, "batch=1,2,3", NULL);
    s.sample = 5; /* more than the grid: the grid */
    CHECK(t, pim_sweep_finish(&s, &err) == PIM_OK);
    CHECK_EQ_U64(t, s.npoints, 3);
    CHECK(t, is(pim_sweep_value(&s, 2, 0), "3"));
    pim_sweep_free(&s);
}

/* Spec files: every key, and errors that name file:line. */
static void spec_files_load_and_errors_name_the_line(pim_t *t)
{
    char path[512];
    snprintf(path, sizeof path, "%s/spec.yaml", t->tmp);
    pim_test_write_file(path, "command: run\n"
                              "options: {model: vmm512, set: [chip.cores=8, model.batch=4], "
                              "no-fast-forward: true}\n"
                              "points:\n  - {bandwidth: 64, schedule: gpp}\n"
                              "sweep:\n  bandwidth: [8, 16]\n  chip.macros: [4]\n"
                              "sample: {count: 1, seed: 3}\n"
                              "out: results\n");
    pim_sweep s;
    pim_error err;
    start(&s);
    CHECK(t, pim_sweep_load_spec(&s, path, &err) == PIM_OK);
    CHECK(t, strcmp(s.command, "run") == 0 && strcmp(s.out, "results") == 0);
    static const char *const opts[] = {"--model",          "vmm512", "--set",
                                       "chip.cores=8",     "--set",  "model.batch=4",
                                       "--no-fast-forward"};
    CHECK_EQ_U64(t, s.noptions, 7);
    for (uint32_t i = 0; i < s.noptions && i < 7; i++)
        CHECK(t, strcmp(s.options[i], opts[i]) == 0);
    CHECK(t, pim_sweep_finish(&s, &err) == PIM_OK);
    CHECK_EQ_U64(t, s.npoints, 2); /* one sampled, one listed */
    CHECK(t, is(pim_sweep_value(&s, 1, 0), "64"));
    pim_sweep_free(&s);
    static const struct {
        const char *text, *must;
    } bad[] = {{"command: run\ncolour: red\n", "spec.yaml:2:1: unknown key colour"},
               {"sweep:\n  bandwidth: []\n", "spec.yaml:2:14: expected a list"},
               {"sweep:\n  bandwidth: [8, '1,2']\n", "without commas"},
               {"sweep:\n  nonsense: [1]\n", "not a key to sweep"},
               {"command: dance\n", "spec.yaml:1:10: command dance: a sweep runs one of run"},
               {"sample: {count: 0}\n", "spec.yaml:1:17: sample: count"},
               {"sample: {seed: 2}\n", "count is missing"},
               {"points: [{bandwidth: [1]}]\n", "expected a value"},
               {"points: [{}]\n", "an empty point"},
               {"options: [--model]\n", "expected a mapping"},
               {"- a\n", "spec.yaml:1:1: a sweep spec is a mapping"},
               {"sweep: {bandwidth: [1\n", "YAML syntax error"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pim_test_write_file(path, bad[i].text);
        start(&s);
        pim_status st = pim_sweep_load_spec(&s, path, &err);
        if (!st)
            st = pim_sweep_finish(&s, &err);
        if (st != PIM_EINPUT || !strstr(err.msg, bad[i].must))
            fprintf(stderr, "    '%s' -> %s\n", bad[i].text, st ? err.msg : "accepted");
        CHECK(t, st == PIM_EINPUT && strstr(err.msg, bad[i].must));
        pim_sweep_free(&s);
    }
}

/* A fresh directory for a test's sweep (the scratch directory outlives runs). */
static void fresh(const char *dir)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "    cannot remove %s\n", dir);
}

/* Do two sweep directories hold the same results.csv and results.jsonl? */
static int same_results(const char *da, const char *db)
{
    static const char *const files[] = {"results.csv", "results.jsonl"};
    int same = 1;
    for (int f = 0; f < 2; f++) {
        char a[700], b[700];
        snprintf(a, sizeof a, "%s/%s", da, files[f]);
        snprintf(b, sizeof b, "%s/%s", db, files[f]);
        same = same && pim_test_same_text(a, b);
    }
    return same;
}

/* ---- the driver with a stand-in evaluator --------------------------------- */

typedef struct {
    pthread_mutex_t lock;
    uint64_t calls;
} fake_ctx;

/* Figures that depend only on the point; every seventh fails. */
static void fake_eval(void *ctx, const pim_sweep *s, uint64_t i, pim_sweep_point *out)
{
    fake_ctx *c = ctx;
    pthread_mutex_lock(&c->lock);
    c->calls++;
    pthread_mutex_unlock(&c->lock);
    if (i % 7 == 3) {
        snprintf(out->error, sizeof out->error, "point %llu: it failed, \"quoted\", with a comma",
                 (unsigned long long)i);
        return;
    }
    const char *bw = pim_sweep_value(s, i, 0);
    out->csv = malloc(64);
    out->json = malloc(64);
    snprintf(out->csv, 64, "%llu,%s", (unsigned long long)(i * i), bw);
    snprintf(out->json, 64, "{\"square\":%llu}", (unsigned long long)(i * i));
}

static void fake_sweep(pim_t *t, const char *dir, unsigned threads, int resume, fake_ctx *c,
                       pim_status want)
{
    pim_sweep s;
    pim_error err;
    grid(t, &s, "bandwidth=1,2,3,4,5,6,7,8,9,10", "chip.cores=1,2,3,4,5");
    pim_strlcpy(s.out, dir, sizeof s.out);
    pim_strlcpy(s.command, "run", sizeof s.command);
    CHECK(t, pim_sweep_finish(&s, &err) == PIM_OK);
    pim_sweep_opts o = {.threads = threads, .resume = resume};
    pim_sweep_stats st;
    pim_status got = pim_sweep_run(&s, &o, fake_eval, c, &st, &err);
    if (got != want)
        fprintf(stderr, "    sweep %s: %s\n", dir, got ? err.msg : "ran");
    CHECK_EQ_U64(t, got, want);
    if (!got) {
        CHECK_EQ_U64(t, st.points, 50);
        CHECK_EQ_U64(t, st.failed, 7);
        CHECK_EQ_U64(t, st.ran + st.resumed, 50);
    }
    pim_sweep_free(&s);
}

/* Where the journal's k-th record (from 0) begins, or -1. */
static long record_offset(const char *journal, int k)
{
    char *text = pim_test_slurp(journal);
    long at = -1;
    for (char *r = text; r && (r = strstr(r, "#pimstream-point ")); r++)
        if ((r == text || r[-1] == '\n') && k-- == 0) {
            at = r - text;
            break;
        }
    free(text);
    return at;
}

static void results_do_not_depend_on_threads_or_resume(pim_t *t)
{
    char d1[512], d4[512], p[600];
    snprintf(d1, sizeof d1, "%s/fake1", t->tmp);
    snprintf(d4, sizeof d4, "%s/fake4", t->tmp);
    fake_ctx c = {PTHREAD_MUTEX_INITIALIZER, 0};
    fresh(d1);
    fresh(d4);
    fake_sweep(t, d1, 1, 0, &c, PIM_OK);
    fake_sweep(t, d4, 4, 0, &c, PIM_OK);
    CHECK_EQ_U64(t, c.calls, 100);
    CHECK(t, same_results(d1, d4));
    snprintf(p, sizeof p, "%s/results.csv", d1);
    char *csv = pim_test_slurp(p);
    CHECK(t, csv && strncmp(csv, "bandwidth,chip.cores,square,bw,error\n1,1,0,1,\n1,2,1,1,\n",
                            55) == 0);
    CHECK(t, csv && strstr(csv, "\n1,4,,,\"point 3: it failed, \"\"quoted\"\", with a comma\"\n"));
    free(csv);
    snprintf(p, sizeof p, "%s/results.jsonl", d1);
    char *jsonl = pim_test_slurp(p);
    CHECK(t,
          jsonl && strncmp(jsonl,
                           "{\"point\":0,\"settings\":{\"bandwidth\":\"1\",\"chip.cores\":\"1\"},"
                           "\"result\":{\"square\":0}}\n",
                           78) == 0);
    CHECK(t,
          jsonl && strstr(jsonl, "\"error\":\"point 3: it failed, \\\"quoted\\\", with a comma\""));
    free(jsonl);
    /* a run killed while writing its 30th record: resume keeps the 29
     * whole ones, cuts the torn one, and runs the other 21 points */
    snprintf(p, sizeof p, "%s/journal", d4);
    CHECK(t, truncate(p, record_offset(p, 29) + 10) == 0);
    snprintf(p, sizeof p, "%s/results.csv", d4);
    remove(p);
    c.calls = 0;
    fake_sweep(t, d4, 3, 1, &c, PIM_OK);
    CHECK_EQ_U64(t, c.calls, 21);
    char a[600];
    snprintf(a, sizeof a, "%s/results.csv", d1);
    CHECK(t, pim_test_same_text(a, p));
    /* a rerun without --resume, or of another sweep, is refused */
    fake_sweep(t, d4, 1, 0, &c, PIM_EINPUT);
    pim_sweep s;
    pim_error err;
    grid(t, &s, "bandwidth=1,2", NULL);
    pim_strlcpy(s.out, d4, sizeof s.out);
    CHECK(t, pim_sweep_finish(&s, &err) == PIM_OK);
    pim_sweep_opts o = {.threads = 1, .resume = 1};
    pim_sweep_stats st;
    CHECK(t, pim_sweep_run(&s, &o, fake_eval, &c, &st, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "a different sweep") != NULL);
    pim_sweep_free(&s);
    /* a directory with someone's results.csv but no sweep is not written into */
    char d5[512];
    snprintf(d5, sizeof d5, "%s/fake5", t->tmp);
    fresh(d5);
    mkdir(d5, 0755);
    snprintf(p, sizeof p, "%s/results.csv", d5);
    pim_test_write_file(p, "mine\n");
    fake_sweep(t, d5, 1, 0, &c, PIM_EINPUT);
    char *mine = pim_test_slurp(p);
    CHECK(t, mine && strcmp(mine, "mine\n") == 0);
    free(mine);
    /* a damaged record (one byte of the 6th changed) fails its checksum:
     * it and the records after it are run again, to the same results */
    snprintf(p, sizeof p, "%s/journal", d1);
    long at = record_offset(p, 5);
    FILE *f = fopen(p, "r+b");
    CHECK(t, f && at > 0 && fseek(f, at + 40, SEEK_SET) == 0 && fputc('#', f) != EOF);
    if (f)
        fclose(f);
    c.calls = 0;
    fake_sweep(t, d1, 1, 1, &c, PIM_OK);
    CHECK_EQ_U64(t, c.calls, 45);
    snprintf(p, sizeof p, "%s/results.csv", d1);
    CHECK(t, pim_test_same_text(a, p));
}

/* ---- the command ------------------------------------------------------------ */

static void cli_sweep_threads_and_figures(pim_t *t)
{
    char args[1024], a[600], b[600];
    const char *fmt = "sweep run --model vmm512 --set model.batch=64 --sweep bandwidth=8,32,128 "
                      "--sweep schedule=gpp,pingpong --sweep chip.core.macros=4,16 "
                      "--threads %d --out %s/cli%d";
    for (int th = 1; th <= 2; th++) {
        snprintf(a, sizeof a, "%s/cli%d", t->tmp, th);
        fresh(a);
        snprintf(args, sizeof args, fmt, th, t->tmp, th);
        CHECK_EQ_U64(t, pim_test_cli(t, args, NULL, 0), 0);
    }
    snprintf(a, sizeof a, "%s/cli1", t->tmp);
    snprintf(b, sizeof b, "%s/cli2", t->tmp);
    CHECK(t, same_results(a, b));
    /* a point's cycles are what run prints for the same settings */
    snprintf(args, sizeof args,
             "run --model vmm512 --set model.batch=64 --bandwidth 32 --schedule pingpong --set "
             "chip.core.macros=16 --csv %s/one.csv",
             t->tmp);
    CHECK_EQ_U64(t, pim_test_cli(t, args, NULL, 0), 0);
    snprintf(a, sizeof a, "%s/cli1/results.csv", t->tmp);
    char *csv = pim_test_slurp(a);
    CHECK(t, csv && strncmp(csv, "bandwidth,schedule,chip.core.macros,cycles,", 43) == 0);
    unsigned long long cycles = 0;
    const char *row = csv ? strstr(csv, "\n32,pingpong,16,") : NULL;
    CHECK(t, row && sscanf(row, "\n32,pingpong,16,%llu,", &cycles) == 1);
    snprintf(b, sizeof b, "%s/one.csv", t->tmp);
    char *one = pim_test_slurp(b);
    char total[64];
    snprintf(total, sizeof total, "\nvmm,gemm,%llu,",
             cycles); /* one layer: its cycles are the run's */
    CHECK(t, cycles > 0 && one && strstr(one, total));
    free(one);
    free(csv);
}

/* The JSON number after "key": in text, or -1. */
static double json_number(const char *text, const char *key)
{
    char pat[128];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = text ? strstr(text, pat) : NULL;
    return p ? strtod(p + strlen(pat), NULL) : -1;
}

/* Field `col` (0-based) of the CSV row after the header that starts with
 * `lead`, as a number (no quoted fields in these rows). */
static double csv_field(const char *csv, const char *lead, int col)
{
    const char *row = csv ? strstr(csv, lead) : NULL;
    for (int c = 0; row && c < col; c++)
        row = strchr(row, ',') ? strchr(row, ',') + 1 : NULL;
    return row ? strtod(row, NULL) : -1;
}

/* sweep map and sweep noc: threads do not change the results, and a
 * point's figures are what the command alone reports for its settings. */
static void cli_sweep_map_and_noc(pim_t *t)
{
    static const struct {
        const char *sweep, *alone, *lead, *key;
        int col;
    } cases[] = {
        {"sweep map --model gemm:128,256,64 --sweep arch=www-tensor-core,gpp-sram --sweep "
         "objective=edp,energy",
         "map --model gemm:128,256,64 --arch gpp-sram --objective energy", "\ngpp-sram,energy,",
         "cycles", 2},
        {"sweep map --model gemm:64,64,64 --sweep budget=300,0",
         "map --model gemm:64,64,64 --budget 300", "\n300,", "stopped_shapes", 9},
        {"sweep noc --traffic uniform --measure 2000 --sweep rate=0.02,0.08 --sweep size=4x4,6x6",
         "noc --traffic uniform --measure 2000 --rate 0.08 --size 6x6", "\n0.08,6x6,",
         "completion_cycles", 2},
        {"sweep noc --packets 4 --sweep traffic=transpose,tornado --sweep topology=mesh,torus",
         "noc --packets 4 --traffic tornado --topology torus", "\ntornado,torus,",
         "completion_cycles", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char a[600], b[600], args[1024], json[600];
        for (int th = 1; th <= 2; th++) {
            snprintf(a, sizeof a, "%s/mn%zu-%d", t->tmp, i, th);
            fresh(a);
            snprintf(args, sizeof args, "%s --threads %d --out %s", cases[i].sweep, th, a);
            CHECK_EQ_U64(t, pim_test_cli(t, args, NULL, 0), 0);
        }
        snprintf(a, sizeof a, "%s/mn%zu-1", t->tmp, i);
        snprintf(b, sizeof b, "%s/mn%zu-2", t->tmp, i);
        CHECK(t, same_results(a, b));
        snprintf(json, sizeof json, "%s/mn%zu.json", t->tmp, i);
        snprintf(args, sizeof args, "%s --json %s", cases[i].alone, json);
        CHECK_EQ_U64(t, pim_test_cli(t, args, NULL, 0), 0);
        snprintf(a, sizeof a, "%s/mn%zu-1/results.csv", t->tmp, i);
        char *csv = pim_test_slurp(a), *one = pim_test_slurp(json);
        double want = json_number(one, cases[i].key);
        CHECK(t, want > 0 && csv_field(csv, cases[i].lead, cases[i].col) == want);
        CHECK(t, csv && !strstr(csv, "\n,") && strstr(csv, ",error\n")); /* no failed point */
        free(csv);
        free(one);
    }
}

/* Records begun in a journal (the last may be torn). */
static int count_points(const char *journal)
{
    int n = 0;
    while (record_offset(journal, n) >= 0)
        n++;
    return n;
}

/* Killed midway (SIGKILL: no clean-up at all), then resumed: the same
 * results as a run that was never stopped. */
static void killed_sweep_resumes_to_the_same_results(pim_t *t)
{
    char whole[600], part[600], points[700], args[1024];
    const char *fmt = "sweep run --model resnet18 --set model.batch=1 --sweep "
                      "bandwidth=4,8,16,32,64,128,256,512 --sweep schedule=gpp,pingpong,insitu "
                      "--threads 2 --out %s";
    snprintf(whole, sizeof whole, "%s/whole", t->tmp);
    snprintf(part, sizeof part, "%s/part", t->tmp);
    fresh(whole);
    fresh(part);
    snprintf(args, sizeof args, fmt, whole);
    CHECK_EQ_U64(t, pim_test_cli(t, args, NULL, 0), 0);
    snprintf(points, sizeof points, "%s/journal", part);
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execl(t->cli, t->cli, "sweep", "run", "--model", "resnet18", "--set", "model.batch=1",
              "--sweep", "bandwidth=4,8,16,32,64,128,256,512", "--sweep",
              "schedule=gpp,pingpong,insitu", "--threads", "2", "--out", part, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 20000 && count_points(points) < 3; i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    int stored = count_points(points);
    CHECK(t, stored >= 3); /* one may be torn: resume cuts it */
    if (!WIFSIGNALED(status))
        fprintf(stderr, "    the sweep ended before it was killed (%d points stored)\n", stored);
    snprintf(args, sizeof args, "%s --resume", fmt);
    char resume[1024];
    snprintf(resume, sizeof resume, args, part);
    CHECK_EQ_U64(t, pim_test_cli(t, resume, NULL, 0), 0);
    CHECK(t, same_results(whole, part));
}

static void cli_sweep_bad_input(pim_t *t)
{
    static const struct {
        const char *args, *must;
    } bad[] = {
        {"sweep run --sweep bandwidth=8,16", "--out DIR is missing"},
        {"sweep --sweep bandwidth=8 --out %s/b1", "which command"},
        {"sweep map --sweep bandwidth=8 --out %s/b2", "bandwidth: not a key to sweep map"},
        {"sweep noc --traffic uniform --sweep chip.cores=2 --out %s/b2", "not a key to sweep noc"},
        {"sweep dance --sweep bandwidth=8 --out %s/b2", "run, compile, map or noc"},
        {"sweep noc --rate 0.1 --sweep traffic=uniform --traffic uniform --out %s/b2",
         "also fixed by --traffic"},
        {"sweep run --sweep colour=red --out %s/b3", "not a key to sweep"},
        {"sweep run --out %s/b4", "no points"},
        {"sweep run --json x.json --sweep bandwidth=8 --out %s/b5", "--json does not apply"},
        {"sweep run --plot x.svg --sweep bandwidth=8 --out %s/b5", "--plot does not apply"},
        {"sweep run --bandwidth 8 --sweep bandwidth=8,16 --out %s/b6", "also fixed by --bandwidth"},
        {"sweep run --frobnicate --sweep bandwidth=8 --out %s/b7", "frobnicate"},
        {"sweep run --sweep bandwidth=8 --threads 0 --out %s/b8", "--threads 0"},
        {"sweep %s/nonexistent.yaml --out %s/b9", "nonexistent.yaml"},
    };
    for (int i = 1; i <= 10; i++) {
        char dir[600];
        snprintf(dir, sizeof dir, "%s/b%d", t->tmp, i);
        fresh(dir);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char args[1024], err[512];
        snprintf(args, sizeof args, bad[i].args, t->tmp, t->tmp);
        int rc = pim_test_cli(t, args, err, sizeof err);
        if (rc != 2 || !strstr(err, bad[i].must))
            fprintf(stderr, "    '%s' -> exit %d, '%s'\n", args, rc, err);
        CHECK(t, rc == 2 && strstr(err, bad[i].must));
    }
    /* a point that fails is recorded and the sweep goes on */
    char args[512], path[600];
    snprintf(args, sizeof args, "sweep run --model vmm512 --sweep bandwidth=8,0 --out %s/b10",
             t->tmp);
    CHECK_EQ_U64(t, pim_test_cli(t, args, NULL, 0), 0);
    snprintf(path, sizeof path, "%s/b10/results.csv", t->tmp);
    char *csv = pim_test_slurp(path);
    CHECK(t, csv && strstr(csv, "\n0,,,,,,,,,,--bandwidth 0: must be a whole number"));
    free(csv);
}

/* mpirun -n 3 (two ranks evaluate) gives the threaded run's files, also
 * when it resumes a sweep the threads began; a build without MPI refuses
 * to run under a launcher instead of running K sweeps into one place. */
static void mpi_ranks_give_the_threaded_results(pim_t *t)
{
    const char *sweep = "sweep run --model vmm512 --set model.batch=64 --sweep "
                        "bandwidth=8,16,32,64,128 --sweep schedule=gpp,pingpong,insitu --out";
    char cmd[4096], a[600], b[600];
    snprintf(a, sizeof a, "%s/mpi-threads", t->tmp);
    snprintf(b, sizeof b, "%s/mpi-ranks", t->tmp);
    fresh(a);
    fresh(b);
    snprintf(cmd, sizeof cmd, "%s %s --threads 2", sweep, a);
    CHECK_EQ_U64(t, pim_test_cli(t, cmd, NULL, 0), 0);
    if (!pim_sweep_mpi_built()) {
        char err[512];
        snprintf(cmd, sizeof cmd, "%s %s", sweep, b);
        setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
        int rc = pim_test_cli(t, cmd, err, sizeof err);
        unsetenv("OMPI_COMM_WORLD_SIZE");
        CHECK(t, rc == 2 && strstr(err, "built without MPI"));
        fprintf(stderr, "    (built without OpenMPI: mpirun not tried)\n");
        return;
    }
    /* OpenMPI's own allocations at init are not ours to free */
    const char *env = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 "
                      "OMPI_MCA_btl=self,vader ASAN_OPTIONS=detect_leaks=0";
    for (int resume = 0; resume < 2; resume++) {
        if (resume) { /* the threads stored five points and part of a sixth */
            fresh(b);
            snprintf(cmd, sizeof cmd, "cp -r %s %s && rm -f %s/results.*", a, b, b);
            CHECK_EQ_U64(t, system(cmd), 0);
            snprintf(cmd, sizeof cmd, "%s/journal", b);
            CHECK(t, truncate(cmd, record_offset(cmd, 5) + 20) == 0);
        }
        /* two ranks (one evaluating) fresh, three resuming */
        snprintf(cmd, sizeof cmd, "%s mpirun -n %d --oversubscribe %s %s %s%s >%s/mpi.out 2>&1",
                 env, 2 + resume, t->cli, sweep, b, resume ? " --resume" : "", t->tmp);
        int rc = system(cmd);
        if (rc != 0) {
            snprintf(cmd, sizeof cmd, "%s/mpi.out", t->tmp);
            char *out = pim_test_slurp(cmd);
            fprintf(stderr, "    mpirun: %s\n", out ? out : "(no output)");
            free(out);
        }
        CHECK_EQ_U64(t, rc, 0);
        CHECK(t, same_results(a, b));
    }
}

const pim_test_case sweep_tests[] = {
    {"sweep: the grid in order, then the listed points", grid_then_listed_points},
    {"sweep: bad axes are refused", bad_axes_are_refused},
    {"sweep: samples are seeded, distinct and in order", samples_are_seeded_and_distinct},
    {"sweep: spec files load; errors name file:line", spec_files_load_and_errors_name_the_line},
    {"sweep: results do not depend on threads or resume; no user file touched",
     results_do_not_depend_on_threads_or_resume},
    {"sweep: the command: 1 and 2 threads agree; a point's cycles are run's",
     cli_sweep_threads_and_figures},
    {"sweep: map and noc: threads agree; a point's figures are the command's",
     cli_sweep_map_and_noc},
    {"sweep: killed midway and resumed gives the uninterrupted results",
     killed_sweep_resumes_to_the_same_results},
    {"sweep: bad input exits 2; a failed point is recorded", cli_sweep_bad_input},
    {"sweep: mpirun -n 2 and -n 3 give the threaded results, also resuming",
     mpi_ranks_give_the_threaded_results},
    {NULL, NULL},
};
