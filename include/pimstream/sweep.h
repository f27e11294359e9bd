/* pimstream sweep: one command run over many settings.
 *
 * A sweep is a list of points. Each point gives values to some keys (the
 * axes): the product of every axis's values (the grid), or a seeded sample
 * of that grid when it is too large to enumerate, then any listed points.
 * The module knows nothing of what a point runs: the caller evaluates
 * point i into its figures (one CSV row) and its whole JSON, or a one-line
 * error, and the sweep goes on.
 *
 * Results (pim_sweep_run) go to a directory: each point is committed on
 * its own, as a checksummed record appended to DIR/journal (a torn record
 * is found and dropped, so no point is ever half written); a rerun with
 * resume computes only the missing ones; once all exist, DIR/results.csv and DIR/results.jsonl
 * list them in point order, so the files are the same whatever the thread
 * count, the order the points finished in, or how often it was resumed.
 * DIR/sweep.txt records what the sweep is, so resume refuses another. */
#ifndef PIMSTREAM_SWEEP_H
#define PIMSTREAM_SWEEP_H

#include "pimstream/base.h"

#define PIM_SWEEP_MAX_AXES 32
#define PIM_SWEEP_MAX_OPTIONS 128
#define PIM_SWEEP_MAX_POINTS 100000000ull /* 1e8 points: days of runs even at 1 ms */

typedef struct {
    char key[96];
    char **values;
    uint32_t count;
} pim_sweep_axis;

/* A listed point as given: key, value, key, value, ... */
typedef struct {
    char **kv;
    uint32_t n; /* pairs */
} pim_sweep_listed;

/* A command a sweep may run: the names of its options a key may be
 * (NULL-terminated; any other key must be a dotted --set path, and only
 * when takes_sets), the CSV header of the figures its points give, and
 * whatever the caller keeps with it (data). */
typedef struct {
    const char *name;
    const char *const *named;
    int takes_sets;
    const char *figures;
    const void *data;
} pim_sweep_command;

typedef struct {
    /* the commands (set by the caller; a NULL name ends them) */
    const pim_sweep_command *commands;
    const pim_sweep_command *cmd;         /* the sweep's, once given (pim_sweep_set_command) */
    char command[16];                     /* "" until given */
    char *options[PIM_SWEEP_MAX_OPTIONS]; /* the command's own options, as argv */
    uint32_t noptions;
    char out[PIM_PATH_MAX];                  /* "" until given */
    pim_sweep_axis axes[PIM_SWEEP_MAX_AXES]; /* every key any point sets */
    uint32_t naxes;
    uint32_t grid_axes;      /* axes [0, grid_axes) make the grid; the rest only listed points */
    uint64_t grid;           /* points in the grid (0: no grid) */
    uint64_t sample;         /* 0: the whole grid; else this many distinct grid points */
    uint64_t seed;           /* of the sample */
    uint64_t *sampled;       /* the sampled grid indices, ascending */
    pim_sweep_listed *given; /* listed points as given (sweep spec or add_point) */
    uint32_t ngiven, given_cap;
    char **listed; /* listed points: naxes values each (NULL: left as it is) */
    uint64_t nlisted;
    uint64_t npoints; /* set by pim_sweep_finish */
} pim_sweep;

void pim_sweep_init(pim_sweep *s);
void pim_sweep_free(pim_sweep *s);
/* The command to run (one of s->commands): before any axis, whose keys
 * depend on it. */
pim_status pim_sweep_set_command(pim_sweep *s, const char *name, pim_error *err);
/* "KEY=V1,V2,...": one more axis of the grid (its key given once). */
pim_status pim_sweep_add_axis(pim_sweep *s, const char *assignment, const char *flag,
                              pim_error *err);
/* A listed point (key, value pairs), after the grid's points. */
pim_status pim_sweep_add_point(pim_sweep *s, char **kv, uint32_t pairs, pim_error *err);
/* A spec file (YAML): command, options, sweep (the axes), points, sample,
 * out. Errors name file:line. */
pim_status pim_sweep_load_spec(pim_sweep *s, const char *path, pim_error *err);
pim_status pim_sweep_spec_from_yaml(pim_sweep *s, const char *text, size_t len, const char *origin,
                                    pim_error *err);
/* Once every axis and listed point is in: the points (the grid or its
 * sample, then the listed points). An error when there are none or too
 * many. */
pim_status pim_sweep_finish(pim_sweep *s, pim_error *err);
/* Is key one of the command's option names (not a --set path)? */
int pim_sweep_is_named(const pim_sweep *s, const char *key);
/* Point i's value for axis k, or NULL when the point leaves it as it is. */
const char *pim_sweep_value(const pim_sweep *s, uint64_t i, uint32_t k);

/* What a point gave: figures (comma-separated CSV fields, no newline) and
 * its JSON (one line), both malloc'd; or error set (and the others NULL). */
typedef struct {
    char *csv, *json;
    char error[512];
    double run_seconds; /* wall time the evaluator spent simulating (for the overhead) */
} pim_sweep_point;

typedef void (*pim_sweep_eval)(void *ctx, const pim_sweep *s, uint64_t i, pim_sweep_point *out);

typedef struct {
    unsigned threads; /* 0: one per CPU */
    int resume;       /* go on with DIR's points */
    int progress;     /* a status line on stderr */
    pim_guard *guard; /* removes a point's temporary file on a signal */
} pim_sweep_opts;

typedef struct {
    uint64_t points, ran, resumed, failed;
    double seconds;
    double run_seconds; /* summed over the points run (threads: more than seconds) */
} pim_sweep_stats;

/* Evaluate every missing point of s on threads, then write the results. */
pim_status pim_sweep_run(const pim_sweep *s, const pim_sweep_opts *o, pim_sweep_eval eval,
                         void *ctx, pim_sweep_stats *st, pim_error *err);

/* The results directory's journal, DIR/journal: each point's record is
 * appended whole, its header giving the point, the length and an FNV-1a
 * checksum of what follows. Opening it again keeps every complete record
 * and cuts the file before the first torn or damaged one (a process
 * stopped mid-write), whose points then run again. Records are written
 * in batches, at least every 0.1 s (a file per point cost ten times more
 * on ext4, a write per point a tenth of a trivial sweep). */
typedef struct {
    int fd;
    uint64_t end;  /* the journal's length with the pending records: where the next goes */
    char *pending; /* whole records not yet written (see pim_sweep_flush) */
    size_t npending, pending_cap;
    double flushed_at;
    uint64_t *at;  /* per point: its record's contents' offset + 1 (0: not there) */
    uint32_t *len; /* and their length */
    uint64_t npoints;
} pim_sweep_store;

/* The pieces a distributed driver shares with pim_sweep_run: open (or
 * check, on resume) the directory and its journal; which points are
 * there; commit one (one writer at a time); write results.csv and
 * results.jsonl from the journal, in point order. */
pim_status pim_sweep_open(const pim_sweep *s, const pim_sweep_opts *o, pim_sweep_store *store,
                          pim_error *err);
void pim_sweep_close(pim_sweep_store *store);
int pim_sweep_has_point(const pim_sweep_store *store, uint64_t i);
pim_status pim_sweep_commit_point(pim_sweep_store *store, uint64_t i, const pim_sweep_point *p,
                                  pim_error *err);
/* Write the pending records out (commit does when 64 KB or 0.1 s have
 * gathered; the results and close do). */
pim_status pim_sweep_flush(pim_sweep_store *store, pim_error *err);
pim_status pim_sweep_write_results(const pim_sweep *s, const pim_sweep_opts *o,
                                   pim_sweep_store *store, uint64_t *failed, pim_error *err);

/* Sweeps over MPI ranks (src/sweep/mpi.c): was the process started by
 * mpirun (or another PMI launcher)? Was OpenMPI found at build time? */
int pim_sweep_mpi_launched(void);
int pim_sweep_mpi_built(void);
/* MPI_Init, the sweep spread over the ranks (rank 0 hands out points and
 * stores the results, the others evaluate), MPI_Finalize. With one rank, the
 * threaded driver. *rank says which this process was; only rank 0's stats
 * count. Built without MPI: an input error saying how to get it. */
pim_status pim_sweep_run_mpi(const pim_sweep *s, const pim_sweep_opts *o, pim_sweep_eval eval,
                             void *ctx, pim_sweep_stats *st, int *rank, pim_error *err);

#endif
