/* Tests for src/base. */
#include "pimstream/base.h"
#include "test.h"

#include <stdio.h>

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

static void outfile_is_atomic(pim_t *t)
{
    char path[256];
    snprintf(path, sizeof path, "%s/atomic.txt", t->tmp);
    remove(path);
    pim_error err;
    pim_outfile of;
    CHECK(t, pim_outfile_open(&of, path, &err) == PIM_OK);
    fputs("partial", (FILE *)of.fp);
    pim_outfile_abort(&of);
    CHECK(t, !pim_test_exists(path));
    CHECK(t, !pim_test_exists(of.tmp));
    CHECK(t, pim_outfile_open(&of, path, &err) == PIM_OK);
    fputs("done", (FILE *)of.fp);
    CHECK(t, pim_outfile_commit(&of, &err) == PIM_OK);
    CHECK(t, pim_test_exists(path));
    CHECK(t, pim_outfile_open(&of, "/nonexistent-dir/x.json", &err) == PIM_EINPUT);
}

static void missing_file_is_input_error(pim_t *t)
{
    char *text;
    pim_error err;
    CHECK(t, pim_read_file("/nonexistent/file.yaml", &text, NULL, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "/nonexistent/file.yaml") != NULL);
}

const pim_test_case base_tests[] = {
    {"base: strict number parsing", parses_numbers_strictly},
    {"base: output files appear only on success", outfile_is_atomic},
    {"base: missing file is an input error", missing_file_is_input_error},
    {NULL, NULL},
};
