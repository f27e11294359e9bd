/* Tests for src/base. */
#include "pimstream/base.h"
#include "test.h"

#include <math.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static void parses_numbers_strictly(pim_t *t)
{
    uint64_t u;
    double d;
    CHECK(t, pim_parse_u64("42", &u) && u == 42);
    CHECK(t, !pim_parse_u64("-1", &u));
    CHECK(t, !pim_parse_u64("4x", &u));
    CHECK(t, !pim_parse_u64("", &u));
    CHECK(t, !pim_parse_u64("99999999999999999999999", &u));
    CHECK(t, pim_parse_double("0.34", &d) && d == 0.34);
    CHECK(t, !pim_parse_double("nan", &d));
    CHECK(t, !pim_parse_double("1e999", &d));
    CHECK_EQ_U64(t, pim_ceil_div(10, 3), 4);
    CHECK_EQ_U64(t, pim_ceil_div(9, 3), 3);
}

static int read_text(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return 1;
}

/* Files in dir other than . and .. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static void outfile_is_atomic(pim_t *t)
{
    char dir[256], path[300], user_tmp[310], buf[64];
    snprintf(dir, sizeof dir, "%s/atomic", t->tmp);
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/atomic.txt", dir);
    snprintf(user_tmp, sizeof user_tmp, "%s.tmp", path);
    remove(path);
    /* a user's own X.tmp beside the output is never touched */
    CHECK(t, pim_test_write_file(user_tmp, "mine"));
    pim_error err;
    pim_outfile of;
    CHECK(t, pim_outfile_open(&of, path, NULL, &err) == PIM_OK);
    fputs("partial", (FILE *)of.fp);
    CHECK(t, strstr(of.tmp, "atomic.txt.tmp") == NULL);
    pim_outfile_abort(&of);
    CHECK(t, !pim_test_exists(path));
    CHECK_EQ_U64(t, entries(dir), 1); /* only the user's file */
    CHECK(t, pim_outfile_open(&of, path, NULL, &err) == PIM_OK);
    fputs("done", (FILE *)of.fp);
    CHECK(t, pim_outfile_commit(&of, &err) == PIM_OK);
    CHECK(t, read_text(path, buf, sizeof buf) && strcmp(buf, "done") == 0);
    CHECK(t, read_text(user_tmp, buf, sizeof buf) && strcmp(buf, "mine") == 0);
    CHECK_EQ_U64(t, entries(dir), 2);
    CHECK(t, pim_outfile_open(&of, "/nonexistent-dir/x.json", NULL, &err) == PIM_EINPUT);
    /* a replaced file keeps its mode */
    chmod(path, 0640);
    CHECK(t, pim_outfile_open(&of, path, NULL, &err) == PIM_OK);
    CHECK(t, pim_outfile_commit(&of, &err) == PIM_OK);
    struct stat sb;
    CHECK(t, stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0640);
}

static void outfile_writes_through_symlinks_and_refuses_non_files(pim_t *t)
{
    char dir[256], target[300], link[300], buf[64];
    snprintf(dir, sizeof dir, "%s/links", t->tmp);
    mkdir(dir, 0755);
    snprintf(target, sizeof target, "%s/target.json", dir);
    snprintf(link, sizeof link, "%s/link.json", dir);
    remove(link);
    CHECK(t, pim_test_write_file(target, "old"));
    CHECK(t, symlink("target.json", link) == 0);
    pim_error err;
    pim_outfile of;
    CHECK(t, pim_outfile_open(&of, link, NULL, &err) == PIM_OK);
    fputs("new", (FILE *)of.fp);
    CHECK(t, pim_outfile_commit(&of, &err) == PIM_OK);
    struct stat sb;
    CHECK(t, lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode)); /* the link stays */
    CHECK(t, read_text(target, buf, sizeof buf) && strcmp(buf, "new") == 0);
    /* a directory, a device and a FIFO are refused before anything is written */
    CHECK(t, pim_outfile_open(&of, dir, NULL, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "directory") != NULL);
    CHECK(t, pim_outfile_open(&of, "/dev/null", NULL, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "not a regular file") != NULL);
    char fifo[300];
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    remove(fifo);
    CHECK(t, mkfifo(fifo, 0600) == 0);
    CHECK(t, pim_outfile_open(&of, fifo, NULL, &err) == PIM_EINPUT);
    /* two spellings of one file resolve to the same target */
    char a[PIM_PATH_MAX], b[PIM_PATH_MAX], other[400];
    snprintf(other, sizeof other, "%s/./target.json", dir);
    CHECK(t, pim_outfile_target(link, a, &err) == PIM_OK);
    CHECK(t, pim_outfile_target(other, b, &err) == PIM_OK);
    CHECK(t, strcmp(a, b) == 0);
}

static void inputs_must_be_regular_files(pim_t *t)
{
    char *text;
    size_t len;
    pim_error err;
    CHECK(t, pim_read_file("/nonexistent/file.yaml", PIM_MAX_TEXT_FILE, &text, NULL, &err) ==
                 PIM_EINPUT);
    CHECK(t, strstr(err.msg, "/nonexistent/file.yaml") != NULL);
    CHECK(t, pim_read_file(t->tmp, PIM_MAX_TEXT_FILE, &text, NULL, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "is a directory") != NULL);
    CHECK(t, pim_read_file("/dev/zero", PIM_MAX_TEXT_FILE, &text, NULL, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "not a regular file") != NULL);
    CHECK(t, pim_read_file("/dev/urandom", PIM_MAX_TEXT_FILE, &text, NULL, &err) == PIM_EINPUT);
    char fifo[300];
    snprintf(fifo, sizeof fifo, "%s/input-fifo", t->tmp);
    remove(fifo);
    CHECK(t, mkfifo(fifo, 0600) == 0); /* no writer: opening must not hang */
    CHECK(t, pim_read_file(fifo, PIM_MAX_TEXT_FILE, &text, NULL, &err) == PIM_EINPUT);
    remove(fifo);
    char big[300];
    snprintf(big, sizeof big, "%s/big.yaml", t->tmp);
    CHECK(t, pim_test_write_file(big, "0123456789"));
    CHECK(t, pim_read_file(big, 9, &text, NULL, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "MiB") != NULL);
    CHECK(t, pim_read_file(big, 10, &text, &len, &err) == PIM_OK);
    CHECK(t, len == 10 && strcmp(text, "0123456789") == 0);
    free(text);
}

/* Replacing the top is popping it and pushing the new event: two heaps fed
 * the same random events, one each way, pop the same sequence. */
static void heap_replace_top_is_pop_then_push(pim_t *t)
{
    pim_heap a, b;
    CHECK(t, pim_heap_init(&a, 4) && pim_heap_init(&b, 4));
    uint64_t seed = 7;
    for (uint32_t i = 0; i < 200; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        CHECK(t, pim_heap_push(&a, (double)(seed >> 57), i) &&
                     pim_heap_push(&b, (double)(seed >> 57), i));
    }
    for (uint32_t i = 200; i < 2000; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        double at = a.items[0].t + (double)(seed >> 59); /* never before the top, ties too */
        pim_event x = pim_heap_pop(&a), y = b.items[0];
        CHECK(t, x.t == y.t && x.key == y.key);
        CHECK(t, pim_heap_push(&a, at, i));
        pim_heap_replace_top(&b, at, i);
    }
    while (a.count && b.count) {
        pim_event x = pim_heap_pop(&a), y = pim_heap_pop(&b);
        CHECK(t, x.t == y.t && x.key == y.key);
    }
    CHECK(t, a.count == 0 && b.count == 0);
    pim_heap_free(&a);
    pim_heap_free(&b);
}

/* Pops come out in (time, key) order, also after the items' times were
 * changed in place and the heap rebuilt (the engine's steady-state jump). */
static void heap_pops_in_order_and_rebuilds(pim_t *t)
{
    pim_heap h;
    CHECK(t, pim_heap_init(&h, 4));
    uint64_t seed = 99;
    for (int round = 0; round < 20; round++) {
        uint32_t n = 1 + (uint32_t)(seed % 300);
        for (uint32_t i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            CHECK(t, pim_heap_push(&h, (double)(seed >> 58), i)); /* many ties */
        }
        for (uint32_t i = 0; i < h.count; i++)
            if (h.items[i].key % 3 == 0)
                h.items[i].t += (double)(round % 5);
        pim_heap_rebuild(&h);
        pim_event prev = pim_heap_pop(&h);
        while (h.count) {
            pim_event e = pim_heap_pop(&h);
            CHECK(t, !pim_event_before(&e, &prev));
            prev = e;
        }
    }
    pim_heap_free(&h);
}

static void messages_escape_raw_bytes(pim_t *t)
{
    pim_error err;
    pim_fail(&err, PIM_EINPUT, "bad key '%s'", "caf\xc3\xa9 \xff\xfe\x1b[31m");
    CHECK(t, strcmp(err.msg, "bad key 'caf\xc3\xa9 \\xFF\\xFE\\x1B[31m'") == 0);
    char out[8];
    pim_escape_text("ab\xff", out, sizeof out); /* never half an escape */
    CHECK(t, strcmp(out, "ab\\xFF") == 0);
    pim_escape_text("abc\xff", out, 6);
    CHECK(t, strcmp(out, "abc") == 0);
    pim_escape_text("\xed\xa0\x80", out, sizeof out); /* a surrogate is not UTF-8 */
    CHECK(t, strncmp(out, "\\xED", 4) == 0);
}

/* pim_format_g prints what printf's %.*g prints: random bit patterns,
 * decimals, whole numbers, powers of ten and their neighbours, and values
 * at and near rounding ties, at every precision. */
static int same_as_printf(double v, int digits)
{
    char fast[PIM_FORMAT_G_MAX], slow[64];
    size_t n = pim_format_g(fast, v, digits);
    snprintf(slow, sizeof slow, "%.*g", digits, v);
    if (n == strlen(slow) && strcmp(fast, slow) == 0)
        return 1;
    fprintf(stderr, "    %.17g at %d digits: %s, printf %s\n", v, digits, fast, slow);
    return 0;
}

static void formats_numbers_as_printf(pim_t *t)
{
    uint64_t state = 88172645463325252ull, bad = 0, n = 0;
    for (int i = 0; i < 150000; i++) {
        state ^= state << 13, state ^= state >> 7, state ^= state << 17; /* xorshift64 */
        double values[6];
        uint64_t bits = state;
        memcpy(&values[0], &bits, sizeof bits);
        values[1] = (double)(state % 100000000) / 100;             /* money-like decimals */
        values[2] = (double)(state >> 11);                         /* whole, up to 2^53 */
        values[3] = pow(10, (double)(int)(state % 40) - 20);       /* powers of ten */
        values[4] = nextafter(values[3], (state & 1) ? 0 : 1e300); /* and a neighbour */
        values[5] = ((double)(state % 2000) + 0.5) * pow(10, (double)(int)(state % 24) - 12);
        for (int k = 0; k < 6; k++) {
            double v = (state & 2) ? -values[k] : values[k];
            int digits = 1 + (int)((state >> 20) % 17);
            if (!isfinite(v))
                continue;
            n++;
            bad += !same_as_printf(v, digits) + !same_as_printf(v, 10);
        }
    }
    static const double edges[] = {0.0,    -0.0,  1.0,   9.9999999995, 0.00001234, 123456789012.0,
                                   1e10,   1e-5,  1e-4,  0.5,          2.5,        99999999995.0,
                                   1e-300, 1e300, 5e-324};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        for (int digits = 1; digits <= 17; digits++)
            bad += !same_as_printf(edges[i], digits);
    CHECK(t, n > 800000);
    CHECK_EQ_U64(t, bad, 0);
}

const pim_test_case base_tests[] = {
    {"base: numbers formatted as printf's %g, faster", formats_numbers_as_printf},
    {"base: strict number parsing", parses_numbers_strictly},
    {"base: output files appear only on success, never touching X.tmp", outfile_is_atomic},
    {"base: outputs write through symlinks; directories, devices, FIFOs refused",
     outfile_writes_through_symlinks_and_refuses_non_files},
    {"base: inputs: missing, directory, /dev/zero, FIFO, over the cap: input errors",
     inputs_must_be_regular_files},
    {"base: messages escape bytes that are not UTF-8", messages_escape_raw_bytes},
    {"base: the event heap pops in order, also after a rebuild", heap_pops_in_order_and_rebuilds},
    {"base: replacing the heap's top is popping it and pushing", heap_replace_top_is_pop_then_push},
    {NULL, NULL},
};
