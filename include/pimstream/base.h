/* pimstream base: errors as values and small shared helpers.
 *
 * Every fallible function returns a pim_status and, on failure, fills a
 * pim_error whose message already names the place (file:line:column, or
 * the command-line flag) so the CLI can print it as one line. */
#ifndef PIMSTREAM_BASE_H
#define PIMSTREAM_BASE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    PIM_OK = 0,
    PIM_EINPUT = 2,   /* bad user input: exit code 2 */
    PIM_EINTERNAL = 1 /* our fault or the system's: exit code 1 */
} pim_status;

typedef struct {
    pim_status status;
    char msg[512];
} pim_error;

/* Fill err with a formatted message and return its status. */
pim_status pim_fail(pim_error *err, pim_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void pim_error_clear(pim_error *err);

/* Copy text, writing bytes that are not valid UTF-8 and control
 * characters as \xNN (pim_fail does this to every message). */
void pim_escape_text(const char *in, char *out, size_t cap);

/* Allocation that reports failure as PIM_EINTERNAL instead of crashing. */
void *pim_xcalloc(size_t n, size_t size);
void *pim_xrealloc(void *p, size_t n, size_t size);

/* Bounded copy that always terminates dst. */
void pim_strlcpy(char *dst, const char *src, size_t cap);

/* Strict number parsing: the whole string must be the number. */
int pim_parse_u64(const char *s, uint64_t *out);
int pim_parse_double(const char *s, double *out);

/* v as printf("%.*g", digits, v) prints it, into out (room for 32 bytes);
 * returns its length. The same text, faster for whole numbers and for
 * digits <= 12 (reports and sweeps print tens of thousands of numbers);
 * printf itself for the rest and for values near a rounding tie. */
#define PIM_FORMAT_G_MAX 32
size_t pim_format_g(char *out, double v, int digits);

uint64_t pim_ceil_div(uint64_t a, uint64_t b);
uint64_t pim_gcd(uint64_t a, uint64_t b); /* pim_gcd(a, 0) = a */
/* The index of the first largest of v[0..n), n > 0 (ties go to the
 * earlier: callers list the simpler of equal arguments first). */
size_t pim_first_largest(const double *v, size_t n);
static inline double pim_dmax(double a, double b)
{
    return a > b ? a : b;
}
static inline double pim_dmin(double a, double b)
{
    return a < b ? a : b;
}
/* floor(a x b / c), c > 0, without overflowing the product (inline: the
 * engine asks it for every step's units). */
static inline uint64_t pim_mul_div(uint64_t a, uint64_t b, uint64_t c)
{
    return (uint64_t)((unsigned __int128)a * b / c);
}
/* The part of `total` that items [from, to) of n take in an exact split
 * (shares of a partition add up to total); with n = 0 the first share
 * takes it all. */
uint64_t pim_split(uint64_t total, uint64_t from, uint64_t to, uint64_t n);

/* Make room for one more element in a growable array; 0 when out of memory. */
int pim_grow(void **items, uint32_t *cap, uint32_t count, size_t elem);

/* Index lists stored end to end in one array (a graph's edges): a list
 * added at `first` is items[first .. first + n). Zero-initialise to start. */
typedef struct {
    uint32_t *items;
    uint32_t count, cap;
} pim_pool;

/* Append n indices; *first says where they start. 0 when out of memory. */
int pim_pool_add(pim_pool *p, const uint32_t *v, uint32_t n, uint32_t *first);
void pim_pool_free(pim_pool *p);

/* A map from strings (copied) to indices; zero-initialise to start. */
typedef struct {
    char **keys;
    uint32_t *values;
    uint32_t nslots, count;
} pim_strmap;

/* 0 when out of memory. A key put twice keeps the later value. */
int pim_strmap_put(pim_strmap *m, const char *key, uint32_t value);
/* 1 and *value when key is present. */
int pim_strmap_get(const pim_strmap *m, const char *key, uint32_t *value);
void pim_strmap_free(pim_strmap *m);

/* A binary min-heap of (time, key) events. Ties break on the key, so equal
 * inputs always replay in the same order. */
typedef struct {
    double t;
    uint64_t key;
} pim_event;

typedef struct {
    pim_event *items;
    uint32_t count, cap;
} pim_heap;

int pim_heap_init(pim_heap *h, uint32_t cap); /* 0 when out of memory */
void pim_heap_free(pim_heap *h);
int pim_heap_push(pim_heap *h, double t, uint64_t key);
pim_event pim_heap_pop(pim_heap *h);
/* Pop the top and push (t, key) at once: one sift where the two would
 * take two (a macro's next step follows the one just done). */
void pim_heap_replace_top(pim_heap *h, double t, uint64_t key);
/* Restore the heap's order after its items' times were changed in place. */
void pim_heap_rebuild(pim_heap *h);

static inline int pim_event_before(const pim_event *a, const pim_event *b)
{
    return a->t < b->t || (a->t == b->t && a->key < b->key);
}

/* The same order as a 0/1 flag computed without a branch (bitwise, not
 * short-circuit), for choices no branch predictor can learn (the heap's
 * replace_top, src/base/heap.c). */
static inline uint32_t pim_event_before_flag(const pim_event *a, const pim_event *b)
{
    return (uint32_t)((a->t < b->t) | ((a->t == b->t) & (a->key < b->key)));
}

/* xorshift64* (Vigna, "An experimental exploration of Marsaglia's xorshift
 * generators", 2016): small and repeatable per seed (a nonzero state), so
 * seeded searches and samples replay exactly. */
static inline uint64_t pim_rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

/* Uniform in [0, 1): the top 53 bits over 2^53 (exact for either way of
 * writing the division). */
static inline double pim_rng_unit(uint64_t *s)
{
    return (double)(pim_rng_next(s) >> 11) / 9007199254740992.0;
}

/* Seconds on the monotonic clock (for wall times and rates, never for
 * figures), and the CPUs online (1 when unknown, at most 64). */
double pim_wall_seconds(void);
unsigned pim_cpus(void);

/* Run fn(ctx, i) for i in [0, n) on up to `threads` threads (0: one per
 * online CPU). Each i must write only its own results, so the outcome is
 * the same for any thread count. Returns 0 if threads could not start (the
 * work is then done on the calling thread). */
int pim_parallel_for(size_t n, unsigned threads, void (*fn)(void *ctx, size_t i), void *ctx);

/* Parse YAML text into a libyaml document (the caller deletes it). A syntax
 * error becomes "origin:line:col: YAML syntax error: ...". */
struct yaml_document_s;
pim_status pim_yaml_load(const char *text, size_t len, const char *origin,
                         struct yaml_document_s *doc, pim_error *err);
/* What every YAML loader says about a node: where it is ("origin:line:col",
 * 1-based), an input error there ("origin:line:col: msg"), and a scalar's
 * text (NULL for any other node, or none). */
struct yaml_node_s;
void pim_yaml_where(const char *origin, const struct yaml_node_s *n, char *buf, size_t cap);
pim_status pim_yaml_fail(pim_error *err, const char *origin, const struct yaml_node_s *n,
                         const char *msg);
const char *pim_yaml_scalar(const struct yaml_node_s *n);

/* Size caps on input files: text formats (YAML, CSV) and ONNX (protobuf
 * itself cannot decode messages over 2 GiB). Documented in the README. */
#define PIM_MAX_TEXT_FILE (64ull << 20)
#define PIM_MAX_ONNX_FILE (2ull << 30)

/* Read a whole regular file of at most max_bytes into a NUL-terminated
 * buffer (caller frees). Directories, devices and FIFOs are refused. */
pim_status pim_read_file(const char *path, uint64_t max_bytes, char **out, size_t *len,
                         pim_error *err);

/* Read a whole text file (PIM_MAX_TEXT_FILE at most) and hand it to
 * parse(text, len, path, ctx, err); its status is returned. */
typedef pim_status (*pim_text_parser)(const char *text, size_t len, const char *origin, void *ctx,
                                      pim_error *err);
pim_status pim_parse_text_file(const char *path, pim_text_parser parse, void *ctx, pim_error *err);

/* Presets compiled into the binary (scripts/embed.sh): a name, its YAML. */
typedef struct {
    const char *name;
    const char *yaml;
} pim_preset;
/* The YAML of the preset `name` in a table of n, or NULL. */
const char *pim_preset_yaml(const pim_preset *table, size_t n, const char *name);
/* Entry i of a table of n: its name, or NULL; its one-line summary (the
 * file's first comment line, after "# name: "), or "". */
const char *pim_preset_name(const pim_preset *table, size_t n, size_t i);
void pim_preset_summary(const pim_preset *table, size_t n, size_t i, char *buf, size_t cap);

/* A guard removes the registered temporary output files when SIGINT,
 * SIGTERM or SIGHUP stops the process. Start it in main before any other
 * thread (it blocks those signals for every thread started after). */
#include <pthread.h>
#include <signal.h>
typedef struct {
    pthread_mutex_t lock;
    sigset_t signals;
    pthread_t thread;
    int running;
    char **paths;
    size_t count;
} pim_guard;

pim_status pim_guard_start(pim_guard *g, pim_error *err);
void pim_guard_stop(pim_guard *g);

#define PIM_PATH_MAX 4096

/* An output file is written to a unique temporary file in its target's
 * directory and renamed onto the target on commit, so a failed or
 * interrupted run leaves no partial file and touches no other file. A
 * symlink is written through (the link stays). */
typedef struct {
    void *fp;                    /* FILE*, kept opaque so callers need not include stdio.h */
    char path[PIM_PATH_MAX];     /* the target: a symlink's destination, absolute directory */
    char tmp[PIM_PATH_MAX + 16]; /* the temporary file while writing; "" after */
    pim_guard *guard;
} pim_outfile;

/* Where an output named `path` would go (target as in pim_outfile.path);
 * an input error when it exists and is not a regular file. */
pim_status pim_outfile_target(const char *path, char target[PIM_PATH_MAX], pim_error *err);
/* guard may be NULL (tests, libraries without signal handling). */
pim_status pim_outfile_open(pim_outfile *of, const char *path, pim_guard *guard, pim_error *err);
pim_status pim_outfile_commit(pim_outfile *of, pim_error *err);
void pim_outfile_abort(pim_outfile *of);

#endif
