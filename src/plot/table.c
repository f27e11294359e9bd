/* pimstream plot: a CSV table read back (RFC 4180: fields in double quotes
 * may hold commas, quotes doubled, line breaks), as `sweep` writes it. */
#include "pimstream/plot.h"

#include <stdlib.h>
#include <string.h>

#define TABLE_MAX_COLS 1024

void pim_table_free(pim_table *t)
{
    for (uint64_t i = 0; t->cells && i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    for (uint32_t i = 0; t->names && i < t->ncols; i++)
        free(t->names[i]);
    free(t->cells);
    free(t->names);
    memset(t, 0, sizeof *t);
}

int pim_table_column(const pim_table *t, const char *name)
{
    for (uint32_t i = 0; i < t->ncols; i++)
        if (strcmp(t->names[i], name) == 0)
            return (int)i;
    return -1;
}

typedef struct {
    const char *p, *end, *origin;
    size_t line;
    pim_error *err;
} reader;

/* One field into a malloc'd string; *last says it ended its row. */
static pim_status read_field(reader *r, char **out, int *last)
{
    size_t cap = 16, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        return pim_fail(r->err, PIM_EINTERNAL, "%s: out of memory", r->origin);
    int quoted = r->p < r->end && *r->p == '"';
    size_t start_line = r->line;
    r->p += quoted;
    for (;;) {
        if (r->p == r->end) {
            if (quoted) {
                free(buf);
                return pim_fail(r->err, PIM_EINPUT, "%s:%zu: a quoted field never ends", r->origin,
                                start_line);
            }
            *last = 1;
            break;
        }
        char c = *r->p++;
        if (quoted && c == '"') {
            if (r->p < r->end && *r->p == '"') {
                r->p++; /* a doubled quote */
            } else {
                quoted = 0;
                if (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
                    free(buf);
                    return pim_fail(r->err, PIM_EINPUT,
                                    "%s:%zu: text after a quoted field's closing quote", r->origin,
                                    r->line);
                }
                continue;
            }
        } else if (!quoted && c == ',') {
            *last = 0;
            break;
        } else if (!quoted && (c == '\n' || c == '\r')) {
            if (c == '\r' && r->p < r->end && *r->p == '\n')
                r->p++;
            r->line++;
            *last = 1;
            break;
        } else if (!quoted && c == '"') {
            free(buf);
            return pim_fail(r->err, PIM_EINPUT, "%s:%zu: a quote inside an unquoted field",
                            r->origin, r->line);
        } else if (c == '\0') {
            free(buf);
            return pim_fail(r->err, PIM_EINPUT, "%s:%zu: a NUL byte", r->origin, r->line);
        }
        if (c == '\n')
            r->line++;
        if (n + 2 > cap) {
            char *grown = realloc(buf, cap *= 2);
            if (!grown) {
                free(buf);
                return pim_fail(r->err, PIM_EINTERNAL, "%s: out of memory", r->origin);
            }
            buf = grown;
        }
        buf[n++] = c;
    }
    buf[n] = '\0';
    *out = buf;
    return PIM_OK;
}

/* One row: its fields appended to *cells (growing it). */
static pim_status read_row(reader *r, char ***cells, uint64_t *count, uint64_t *cap,
                           uint32_t *width)
{
    *width = 0;
    for (int last = 0; !last;) {
        if (*width == TABLE_MAX_COLS)
            return pim_fail(r->err, PIM_EINPUT, "%s:%zu: more than %d columns", r->origin, r->line,
                            TABLE_MAX_COLS);
        if (*count == *cap) {
            uint64_t grown_cap = *cap ? 2 * *cap : 64;
            char **grown = realloc(*cells, grown_cap * sizeof *grown);
            if (!grown)
                return pim_fail(r->err, PIM_EINTERNAL, "%s: out of memory", r->origin);
            *cells = grown;
            *cap = grown_cap;
        }
        pim_status st = read_field(r, &(*cells)[*count], &last);
        if (st)
            return st;
        (*count)++;
        (*width)++;
    }
    return PIM_OK;
}

pim_status pim_table_from_csv(const char *text, size_t len, const char *origin, pim_table *out,
                              pim_error *err)
{
    memset(out, 0, sizeof *out);
    reader r = {text, text + len, origin, 1, NULL};
    r.err = err; /* (an initializer would read as a use to cppcheck) */
    char **cells = NULL;
    uint64_t count = 0, cap = 0;
    uint32_t width = 0;
    pim_status st =
        len ? read_row(&r, &cells, &count, &cap, &width)
            : pim_fail(err, PIM_EINPUT, "%s: empty; a table starts with its header", origin);
    out->ncols = width;
    while (!st && r.p < r.end) {
        size_t line = r.line;
        st = read_row(&r, &cells, &count, &cap, &width);
        if (!st && width != out->ncols)
            st = pim_fail(err, PIM_EINPUT, "%s:%zu: %u fields where the header has %u", origin,
                          line, width, out->ncols);
    }
    /* the header's cells become the names */
    if (!st) {
        out->names = malloc((out->ncols ? out->ncols : 1) * sizeof *out->names);
        if (!out->names)
            st = pim_fail(err, PIM_EINTERNAL, "%s: out of memory", origin);
    }
    if (st) {
        for (uint64_t i = 0; i < count; i++)
            free(cells[i]);
        free(cells);
        memset(out, 0, sizeof *out);
        return st;
    }
    memcpy(out->names, cells, out->ncols * sizeof *cells);
    memmove(cells, cells + out->ncols, (count - out->ncols) * sizeof *cells);
    out->cells = cells;
    out->nrows = (count - out->ncols) / out->ncols;
    return PIM_OK;
}

static pim_status parse_table(const char *text, size_t len, const char *origin, void *ctx,
                              pim_error *err)
{
    return pim_table_from_csv(text, len, origin, ctx, err);
}

pim_status pim_table_load(const char *path, pim_table *out, pim_error *err)
{
    return pim_parse_text_file(path, parse_table, out, err);
}
