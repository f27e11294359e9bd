/* pimstream sweep: the results directory and the threaded driver (see
 * sweep.h). Every point is one whole record of the journal, so the
 * directory is consistent whenever the process stops, and the final
 * results are assembled in point order from the journal alone. */
#define _DEFAULT_SOURCE /* MAP_POPULATE, where the C library has it */
#include "pimstream/report.h"
#include "pimstream/sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MANIFEST "sweep.txt"
#define MANIFEST_MAGIC "pimstream sweep 1\n"

static void dir_path(const pim_sweep *s, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", s->out, name);
}

/* ---- what the sweep is ------------------------------------------------------ */

/* Everything that decides the points and what they report: resume
 * compares it byte for byte. */
static char *manifest_text(const pim_sweep *s, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f)
        return NULL;
    fputs(MANIFEST_MAGIC, f);
    fprintf(f, "command %s\n", s->command);
    for (uint32_t i = 0; i < s->noptions; i++)
        fprintf(f, "option %s\n", s->options[i]);
    fprintf(f, "figures %s\n", s->cmd->figures);
    for (uint32_t k = 0; k < s->grid_axes; k++) {
        fprintf(f, "axis %s", s->axes[k].key);
        for (uint32_t v = 0; v < s->axes[k].count; v++)
            fprintf(f, "%c%s", v ? ',' : '=', s->axes[k].values[v]);
        fputc('\n', f);
    }
    fprintf(f, "sample %llu seed %llu\n", (unsigned long long)s->sample,
            (unsigned long long)s->seed);
    for (uint64_t i = 0; i < s->nlisted; i++) {
        fprintf(f, "point");
        for (uint32_t k = 0; k < s->naxes; k++) {
            const char *v = s->listed[i * s->naxes + k];
            if (v)
                fprintf(f, " %s=%s", s->axes[k].key, v);
        }
        fputc('\n', f);
    }
    fprintf(f, "points %llu\n", (unsigned long long)s->npoints);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

static pim_status make_dir(const char *path, pim_error *err)
{
    if (mkdir(path, 0777) == 0)
        return PIM_OK;
    struct stat sb;
    if (errno == EEXIST && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return PIM_OK;
    return pim_fail(err, PIM_EINPUT, "--out %s: cannot make the directory: %s", path,
                    errno == EEXIST ? "a file of that name exists" : strerror(errno));
}

/* Does path hold none of a sweep's files? (Other files may be there.) */
static int holds_no_sweep(const char *path)
{
    char probe[PIM_PATH_MAX + 64];
    static const char *const ours[] = {MANIFEST, "journal", "results.csv", "results.jsonl"};
    for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++) {
        snprintf(probe, sizeof probe, "%s/%s", path, ours[i]);
        if (access(probe, F_OK) == 0)
            return 0;
    }
    return 1;
}

static pim_status write_file(const char *path, const char *text, size_t len, pim_guard *guard,
                             pim_error *err)
{
    pim_outfile of;
    pim_status st = pim_outfile_open(&of, path, guard, err);
    if (st)
        return st;
    if (fwrite(text, 1, len, of.fp) != len) {
        pim_outfile_abort(&of);
        return pim_fail(err, PIM_EINPUT, "%s: cannot write", path);
    }
    return pim_outfile_commit(&of, err);
}

/* ---- the journal ---------------------------------------------------------- */

#define JOURNAL_MAGIC "#pimstream-point"
#define JOURNAL_HEAD 96
#define JOURNAL_MAX (1u << 30)

/* Bytes read as a little-endian word on every machine. */
static uint64_t little_endian(uint64_t w)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return __builtin_bswap64(w);
#else
    return w;
#endif
}

/* FNV-1a, 64 bits (Fowler, Noll, Vo), taken over 8-byte little-endian
 * words (the last zero-padded) rather than bytes: a multiply per byte
 * was a few per cent of a sweep of trivial points. Enough to tell a torn
 * or damaged record from a whole one. */
static uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = 14695981039346656037ull, w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        h = (h ^ little_endian(w)) * 1099511628211ull;
    }
    if (i < n) {
        w = 0;
        memcpy(&w, p + i, n - i);
        h = (h ^ little_endian(w)) * 1099511628211ull;
    }
    return h;
}

/* The journal's first size bytes, mapped read-only ("" when empty), or
 * MAP_FAILED: a read per record showed in profiles. Up to 1 GB comes with
 * its pages at once where the C library can (Linux), not a fault a page. */
static const char *map_journal(int fd, uint64_t size)
{
    if (!size)
        return "";
    int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
    if (size <= (1ull << 30))
        flags |= MAP_POPULATE;
#endif
    return mmap(NULL, size, PROT_READ, flags, fd, 0);
}

static void unmap_journal(const char *map, uint64_t size)
{
    if (size)
        munmap((void *)map, size);
}

/* The record at `pos` of the mapped journal, if whole: its point, its
 * contents' offset and length, and where the next begins. */
static int read_record(const char *map, uint64_t pos, uint64_t size, uint64_t npoints,
                       uint64_t *point, uint64_t *at, uint32_t *len, uint64_t *next)
{
    char head[JOURNAL_HEAD + 1];
    size_t got = size - pos < JOURNAL_HEAD ? (size_t)(size - pos) : JOURNAL_HEAD;
    memcpy(head, map + pos, got);
    head[got] = '\0';
    char *nl = memchr(head, '\n', got);
    unsigned long long i, n, hash;
    int used = 0;
    if (!nl || sscanf(head, JOURNAL_MAGIC " %llu %llu %16llx\n%n", &i, &n, &hash, &used) != 3 ||
        used != nl - head + 1 || i >= npoints || n > JOURNAL_MAX ||
        pos + (uint64_t)used + n > size || fnv1a(map + pos + used, n) != hash)
        return 0;
    *point = i;
    *at = pos + (uint64_t)used;
    *len = (uint32_t)n;
    *next = pos + (uint64_t)used + n;
    return 1;
}

/* Open DIR/journal and index its whole records; cut it before the first
 * record that is not (a stop mid-write), so new records follow whole ones. */
static pim_status journal_open(const pim_sweep *s, pim_sweep_store *store, pim_error *err)
{
    char path[PIM_PATH_MAX + 64];
    dir_path(s, "journal", path, sizeof path);
    store->npoints = s->npoints;
    store->at = calloc(s->npoints + 1, sizeof *store->at);
    store->len = calloc(s->npoints + 1, sizeof *store->len);
    store->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    struct stat sb;
    if (!store->at || !store->len || store->fd < 0 || fstat(store->fd, &sb) != 0) {
        pim_sweep_close(store);
        return pim_fail(err, PIM_EINPUT, "%s: cannot open: %s", path, strerror(errno));
    }
    uint64_t pos = 0, size = (uint64_t)sb.st_size, i, at, next;
    uint32_t len;
    const char *map = map_journal(store->fd, size);
    if (map == MAP_FAILED) {
        pim_sweep_close(store);
        return pim_fail(err, PIM_EINPUT, "%s: cannot read: %s", path, strerror(errno));
    }
    while (pos < size && read_record(map, pos, size, s->npoints, &i, &at, &len, &next)) {
        if (!store->at[i]) {
            store->at[i] = at + 1;
            store->len[i] = len;
        }
        pos = next;
    }
    unmap_journal(map, size);
    if (pos < size && ftruncate(store->fd, (off_t)pos) != 0) {
        pim_sweep_close(store);
        return pim_fail(err, PIM_EINPUT, "%s: cannot cut its torn end: %s", path, strerror(errno));
    }
    store->end = pos;
    store->flushed_at = pim_wall_seconds();
    return PIM_OK;
}

void pim_sweep_close(pim_sweep_store *store)
{
    pim_error ignored; /* a record not written runs again on resume */
    if (store->fd >= 0) {
        pim_sweep_flush(store, &ignored);
        close(store->fd);
    }
    free(store->pending);
    free(store->at);
    free(store->len);
    memset(store, 0, sizeof *store);
    store->fd = -1;
}

pim_status pim_sweep_open(const pim_sweep *s, const pim_sweep_opts *o, pim_sweep_store *store,
                          pim_error *err)
{
    memset(store, 0, sizeof *store);
    store->fd = -1;
    char path[PIM_PATH_MAX + 64];
    pim_status st = make_dir(s->out, err);
    if (st)
        return st;
    size_t len;
    char *want = manifest_text(s, &len);
    if (!want)
        return pim_fail(err, PIM_EINTERNAL, "sweep: out of memory");
    dir_path(s, MANIFEST, path, sizeof path);
    char *have = NULL;
    size_t have_len = 0;
    if (access(path, F_OK) == 0) {
        if (!o->resume)
            st = pim_fail(err, PIM_EINPUT,
                          "--out %s: holds a sweep already (%s); --resume goes on with it, "
                          "another --out starts a new one",
                          s->out, MANIFEST);
        else if (!(st = pim_read_file(path, 1ull << 30, &have, &have_len, err)) &&
                 (have_len != len || memcmp(have, want, len) != 0))
            st = pim_fail(err, PIM_EINPUT,
                          "%s: a different sweep (command, options, axes or points differ); "
                          "not resumed",
                          path);
    } else if (!holds_no_sweep(s->out)) {
        st = pim_fail(err, PIM_EINPUT,
                      "--out %s: holds sweep results but no %s; not overwritten (give a new "
                      "directory)",
                      s->out, MANIFEST);
    } else {
        st = write_file(path, want, len, o->guard, err);
    }
    free(have);
    free(want);
    if (!st)
        st = journal_open(s, store, err);
    return st;
}

/* ---- one point ---------------------------------------------------------- */

int pim_sweep_has_point(const pim_sweep_store *store, uint64_t i)
{
    return i < store->npoints && store->at[i] != 0;
}

static int write_all(int fd, const char *buf, size_t n)
{
    while (n) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return 0;
        buf += w;
        n -= (size_t)w;
    }
    return 1;
}

/* A point's contents: "ok", its figures and its JSON, or "error" and the
 * message, one per line; written at out (room for point_length bytes). */
static size_t point_length(const pim_sweep_point *p)
{
    return p->error[0] ? 7 + strlen(p->error) : 5 + strlen(p->csv) + strlen(p->json);
}

/* text as one line: a newline inside (no evaluator should give one)
 * becomes a space, so a record always has its two or three lines. */
static void put_line(char **out, const char *text)
{
    size_t n = strlen(text);
    memcpy(*out, text, n);
    for (char *nl = memchr(*out, '\n', n); nl; nl = memchr(nl, '\n', (size_t)(*out + n - nl)))
        *nl = ' ';
    (*out)[n] = '\n';
    *out += n + 1;
}

static void point_contents(const pim_sweep_point *p, char *out)
{
    put_line(&out, p->error[0] ? "error" : "ok");
    put_line(&out, p->error[0] ? p->error : p->csv);
    if (!p->error[0])
        put_line(&out, p->json);
}

/* Records wait in memory until this much is there or this long has
 * passed: a write per point was a tenth of a sweep of trivial points,
 * and a stop then loses at most the last tenth of a second's points,
 * which run again on resume (the file only ever holds whole records). */
#define PENDING_BYTES (64u << 10)
#define PENDING_SECONDS 0.1

pim_status pim_sweep_flush(pim_sweep_store *store, pim_error *err)
{
    int ok = !store->npending || write_all(store->fd, store->pending, store->npending);
    store->npending = 0;
    store->flushed_at = pim_wall_seconds();
    if (!ok)
        return pim_fail(err, PIM_EINPUT, "sweep: cannot write the journal: %s", strerror(errno));
    return PIM_OK;
}

static int reserve(pim_sweep_store *store, size_t more)
{
    if (store->npending + more <= store->pending_cap)
        return 1;
    size_t cap = store->pending_cap ? store->pending_cap : PENDING_BYTES;
    while (cap < store->npending + more)
        cap *= 2;
    char *grown = realloc(store->pending, cap);
    if (!grown)
        return 0;
    store->pending = grown;
    store->pending_cap = cap;
    return 1;
}

pim_status pim_sweep_commit_point(pim_sweep_store *store, uint64_t i, const pim_sweep_point *p,
                                  pim_error *err)
{
    size_t len = point_length(p);
    if (len > JOURNAL_MAX || !reserve(store, JOURNAL_HEAD + len))
        return pim_fail(err, PIM_EINTERNAL, "sweep: point %llu: out of memory or too large",
                        (unsigned long long)i);
    /* the contents after the header's room (its length known before its
     * checksum), then the header */
    char *rec = store->pending + store->npending, head[JOURNAL_HEAD];
    int n = snprintf(head, sizeof head, "%s %llu %zu %016llx\n", JOURNAL_MAGIC,
                     (unsigned long long)i, len, 0ull);
    point_contents(p, rec + n);
    uint64_t hash = fnv1a(rec + n, len);
    for (int d = 0; d < 16; d++, hash >>= 4) /* the checksum's 16 hex digits, last first */
        head[n - 2 - d] = "0123456789abcdef"[hash & 15];
    memcpy(rec, head, (size_t)n);
    /* whole records into the file, in one write each time: never interleaved or split by us */
    store->npending += (size_t)n + len;
    if (!store->at[i]) {
        store->at[i] = store->end + (uint64_t)n + 1;
        store->len[i] = (uint32_t)len;
    }
    store->end += (uint64_t)n + len;
    if (store->npending >= PENDING_BYTES ||
        pim_wall_seconds() - store->flushed_at >= PENDING_SECONDS)
        return pim_sweep_flush(store, err);
    return PIM_OK;
}

/* ---- the results ------------------------------------------------------------ */

/* Fields of a CSV row of n bytes. */
static uint32_t count_fields(const char *csv, size_t n)
{
    uint32_t fields = 1;
    for (size_t i = 0; i < n; i++)
        fields += csv[i] == ',';
    return fields;
}

/* A piece of the journal: no copy, no NUL. */
typedef struct {
    const char *p;
    size_t n;
} span;

/* The next line of the contents at *at (of `end`), without its newline;
 * 0 when no line is left. */
static int next_line(const char **at, const char *end, span *line)
{
    const char *nl = memchr(*at, '\n', (size_t)(end - *at));
    if (!nl)
        return 0;
    *line = (span){*at, (size_t)(nl - *at)};
    *at = nl + 1;
    return 1;
}

static int span_is(span s, const char *word)
{
    return s.n == strlen(word) && memcmp(s.p, word, s.n) == 0;
}

/* A point's contents: "ok", its figures and its JSON, or "error" and the
 * message; nothing after. */
static int parse_point(const char *text, size_t len, span *csv, span *json, span *error)
{
    const char *at = text, *end = text + len;
    span status;
    if (!next_line(&at, end, &status))
        return 0;
    *csv = *json = *error = (span){NULL, 0};
    if (span_is(status, "ok")) { /* the JSON, one line to the end (no scan of it) */
        if (!next_line(&at, end, csv) || at == end || end[-1] != '\n')
            return 0;
        *json = (span){at, (size_t)(end - 1 - at)};
        return 1;
    }
    return span_is(status, "error") && next_line(&at, end, error) && at == end;
}

static void write_settings(FILE *csv, FILE *jsonl, const pim_sweep *s, uint64_t i)
{
    fprintf(jsonl, "{\"point\":%llu,\"settings\":{", (unsigned long long)i);
    int first = 1;
    for (uint32_t k = 0; k < s->naxes; k++) {
        const char *v = pim_sweep_value(s, i, k);
        pim_csv_text(csv, k == 0, v ? v : "");
        if (!v)
            continue;
        fputs(first ? "" : ",", jsonl);
        first = 0;
        pim_json_write_string(jsonl, s->axes[k].key);
        fputc(':', jsonl);
        pim_json_write_string(jsonl, v);
    }
    fputs("},", jsonl);
}

/* A failed point: empty figures, then its message. */
static void write_error(FILE *csv, FILE *jsonl, span error, uint32_t nfig, int first)
{
    char msg[sizeof((pim_sweep_point *)0)->error];
    size_t n = error.n < sizeof msg - 1 ? error.n : sizeof msg - 1;
    memcpy(msg, error.p, n);
    msg[n] = '\0';
    for (uint32_t k = 0; k < nfig; k++)
        fputs(first && k == 0 ? "" : ",", csv);
    pim_csv_text(csv, 0, msg);
    fputs("\"error\":", jsonl);
    pim_json_write_string(jsonl, msg);
}

/* Each point's row, in point order, from the journal mapped whole (a read
 * per point showed in a trivial sweep's profile). */
static pim_status write_point_rows(const pim_sweep *s, const pim_sweep_store *store,
                                   const char *map, FILE *csv, FILE *jsonl, uint64_t *failed,
                                   pim_error *err)
{
    uint32_t nfig = count_fields(s->cmd->figures, strlen(s->cmd->figures));
    for (uint64_t i = 0; i < s->npoints; i++) {
        if (!store->at[i] || store->at[i] - 1 + store->len[i] > store->end)
            return pim_fail(err, PIM_EINPUT, "%s/journal: point %llu is missing; --resume runs it",
                            s->out, (unsigned long long)i);
        span row, json, error;
        if (!parse_point(map + store->at[i] - 1, store->len[i], &row, &json, &error) ||
            (!error.p && count_fields(row.p, row.n) != nfig))
            return pim_fail(err, PIM_EINPUT,
                            "%s/journal: point %llu is not one of this sweep's (its checksum "
                            "holds, its fields do not)",
                            s->out, (unsigned long long)i);
        write_settings(csv, jsonl, s, i);
        int first = s->naxes == 0; /* whether a field came before */
        if (error.p) {
            write_error(csv, jsonl, error, nfig, first);
            (*failed)++;
        } else {
            fputs(first ? "" : ",", csv);
            fwrite(row.p, 1, row.n, csv);
            fputc(',', csv);
            fputs("\"result\":", jsonl);
            fwrite(json.p, 1, json.n, jsonl);
        }
        fputc('\n', csv);
        fputs("}\n", jsonl);
    }
    return PIM_OK;
}

#define RESULTS_BUFFER (64u << 10)

pim_status pim_sweep_write_results(const pim_sweep *s, const pim_sweep_opts *o,
                                   pim_sweep_store *store, uint64_t *failed, pim_error *err)
{
    pim_status st = pim_sweep_flush(store, err);
    if (st)
        return st;
    const char *map = map_journal(store->fd, store->end);
    if (map == MAP_FAILED)
        return pim_fail(err, PIM_EINPUT, "%s/journal: cannot read: %s", s->out, strerror(errno));
    char path[2][PIM_PATH_MAX + 64], *buffers = malloc(2 * RESULTS_BUFFER);
    dir_path(s, "results.csv", path[0], sizeof path[0]);
    dir_path(s, "results.jsonl", path[1], sizeof path[1]);
    pim_outfile of[2];
    if (!(st = pim_outfile_open(&of[0], path[0], o->guard, err)) &&
        (st = pim_outfile_open(&of[1], path[1], o->guard, err)))
        pim_outfile_abort(&of[0]);
    if (!st) {
        FILE *csv = of[0].fp, *jsonl = of[1].fp;
        /* writes of 64 KB: a system call per 4 KB showed in a trivial sweep
         * (glibc sizes its own buffer to the block, whatever setvbuf asks),
         * and 1 MB buffers, larger than the cache, were slower than 64 KB */
        if (buffers) {
            setvbuf(csv, buffers, _IOFBF, RESULTS_BUFFER);
            setvbuf(jsonl, buffers + RESULTS_BUFFER, _IOFBF, RESULTS_BUFFER);
        }
        for (uint32_t k = 0; k < s->naxes; k++)
            pim_csv_text(csv, k == 0, s->axes[k].key);
        fprintf(csv, "%s%s,error\n", s->naxes ? "," : "", s->cmd->figures);
        *failed = 0;
        st = write_point_rows(s, store, map, csv, jsonl, failed, err);
        if (st || (st = pim_outfile_commit(&of[0], err))) {
            pim_outfile_abort(&of[0]);
            pim_outfile_abort(&of[1]);
        } else {
            st = pim_outfile_commit(&of[1], err);
        }
    }
    unmap_journal(map, store->end);
    free(buffers); /* after the files are closed */
    return st;
}

/* Here, not in mpi.c: a pimstream without MPI linked asks it too. */
int pim_sweep_mpi_launched(void)
{
    /* OpenMPI's mpirun (and PMIx launchers such as Slurm's srun) set these */
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]))
            return 1;
    return 0;
}

/* ---- the threaded driver ---------------------------------------------------- */

typedef struct {
    const pim_sweep *s;
    const pim_sweep_opts *o;
    pim_sweep_store *store; /* written under the lock */
    pim_sweep_eval eval;
    void *ctx;
    const uint64_t *todo;
    uint64_t ntodo;
    pthread_mutex_t lock; /* the fields below */
    uint64_t done, failed;
    double start, printed, run_seconds;
    pim_status st;
    pim_error err;
} driver;

static void format_duration(double sec, char *out, size_t cap)
{
    unsigned long long t = (unsigned long long)(sec + 0.5);
    if (t >= 3600)
        snprintf(out, cap, "%llu:%02llu:%02llu", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(out, cap, "%llu:%02llu", t / 60, t % 60);
}

/* One status line, rewritten in place at most four times a second. */
static void show_progress(driver *d, int last)
{
    double now = pim_wall_seconds();
    if (!d->o->progress || (!last && now - d->printed < 0.25))
        return;
    d->printed = now;
    char elapsed[32], left[32] = "?";
    format_duration(now - d->start, elapsed, sizeof elapsed);
    if (d->done)
        format_duration((now - d->start) / (double)d->done * (double)(d->ntodo - d->done), left,
                        sizeof left);
    fprintf(stderr, "\rsweep: %llu/%llu points, %llu failed, %s elapsed, %s left  ",
            (unsigned long long)d->done, (unsigned long long)d->ntodo,
            (unsigned long long)d->failed, elapsed, left);
    if (last)
        fputc('\n', stderr);
    fflush(stderr);
}

static void run_point(void *arg, size_t k)
{
    driver *d = arg;
    pthread_mutex_lock(&d->lock);
    int stop = d->st != PIM_OK;
    pthread_mutex_unlock(&d->lock);
    if (stop)
        return; /* a point could not be stored: the rest would not be either */
    uint64_t i = d->todo[k];
    pim_sweep_point p = {0};
    d->eval(d->ctx, d->s, i, &p);
    pim_error err;
    pthread_mutex_lock(&d->lock);
    pim_status st = pim_sweep_commit_point(d->store, i, &p, &err);
    free(p.csv);
    free(p.json);
    if (st && !d->st) {
        d->st = st;
        d->err = err;
    }
    d->done++;
    d->failed += p.error[0] != '\0';
    d->run_seconds += p.run_seconds;
    show_progress(d, 0);
    pthread_mutex_unlock(&d->lock);
}

pim_status pim_sweep_run(const pim_sweep *s, const pim_sweep_opts *o, pim_sweep_eval eval,
                         void *ctx, pim_sweep_stats *st, pim_error *err)
{
    memset(st, 0, sizeof *st);
    double start = pim_wall_seconds();
    pim_sweep_store store;
    pim_status rc = pim_sweep_open(s, o, &store, err);
    if (rc)
        return rc;
    uint64_t *todo = malloc((s->npoints ? s->npoints : 1) * sizeof *todo), ntodo = 0;
    if (!todo) {
        pim_sweep_close(&store);
        return pim_fail(err, PIM_EINTERNAL, "sweep: out of memory");
    }
    for (uint64_t i = 0; i < s->npoints; i++)
        if (!pim_sweep_has_point(&store, i))
            todo[ntodo++] = i;
    driver d = {.s = s,
                .o = o,
                .store = &store,
                .eval = eval,
                .ctx = ctx,
                .todo = todo,
                .ntodo = ntodo,
                .start = start};
    pthread_mutex_init(&d.lock, NULL);
    pim_parallel_for(ntodo, o->threads, run_point, &d);
    show_progress(&d, 1);
    pthread_mutex_destroy(&d.lock);
    free(todo);
    if (d.st) {
        pim_sweep_close(&store);
        *err = d.err;
        return d.st;
    }
    st->points = s->npoints;
    st->run_seconds = d.run_seconds;
    st->ran = ntodo;
    st->resumed = s->npoints - ntodo;
    rc = pim_sweep_write_results(s, o, &store, &st->failed, err);
    pim_sweep_close(&store);
    st->seconds = pim_wall_seconds() - start;
    return rc;
}
