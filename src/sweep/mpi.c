/* pimstream sweep: the points spread over MPI ranks (OpenMPI), when the
 * build found it (PIM_WITH_MPI).
 *
 * Rank 0 hands out one point at a time to whichever rank asks (points
 * differ in cost by 1000x, so a fixed split would leave ranks idle), gets
 * back each point's figures and JSON, or its error, commits it to the
 * results directory, and writes the results from those files as the
 * threaded driver does; so results.csv is byte for byte the threaded
 * run's, and only rank 0 needs the directory (no shared file system).
 * Ranks 1..K-1 only evaluate. A killed job resumes like any sweep. */
#include "pimstream/sweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef PIM_WITH_MPI

int pim_sweep_mpi_built(void)
{
    return 0;
}

pim_status pim_sweep_run_mpi(const pim_sweep *s, const pim_sweep_opts *o, pim_sweep_eval eval,
                             void *ctx, pim_sweep_stats *st, int *rank, pim_error *err)
{
    (void)s, (void)o, (void)eval, (void)ctx, (void)st;
    *rank = 0;
    return pim_fail(err, PIM_EINPUT,
                    "sweep: launched by mpirun, but this pimstream was built without MPI; "
                    "install OpenMPI (apt-get install libopenmpi-dev openmpi-bin) and rebuild");
}

#else

#include <mpi.h>
#include <time.h>

enum { TAG_ASK = 1, TAG_POINT = 2, TAG_STOP = 3, TAG_RESULT = 4 };

int pim_sweep_mpi_built(void)
{
    return 1;
}

/* A result on the wire: index, three lengths, then csv, json, error. */
typedef struct {
    uint64_t index;
    uint32_t csv, json, error;
} wire_head;

static char *pack(uint64_t i, const pim_sweep_point *p, int *len)
{
    wire_head h = {i, p->csv ? (uint32_t)strlen(p->csv) : 0,
                   p->json ? (uint32_t)strlen(p->json) : 0, (uint32_t)strlen(p->error)};
    size_t n = sizeof h + h.csv + h.json + h.error;
    char *buf = n < (size_t)1 << 30 ? malloc(n) : NULL;
    if (!buf)
        return NULL;
    memcpy(buf, &h, sizeof h);
    memcpy(buf + sizeof h, p->csv ? p->csv : "", h.csv);
    memcpy(buf + sizeof h + h.csv, p->json ? p->json : "", h.json);
    memcpy(buf + sizeof h + h.csv + h.json, p->error, h.error);
    *len = (int)n;
    return buf;
}

static char *dup_span(const char *p, uint32_t n)
{
    char *s = malloc((size_t)n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* Unpack into p (csv, json malloc'd); 0 when the message is malformed. */
static int unpack(const char *buf, int len, uint64_t *i, pim_sweep_point *p)
{
    wire_head h;
    if (len < (int)sizeof h)
        return 0;
    memcpy(&h, buf, sizeof h);
    if ((uint64_t)sizeof h + h.csv + h.json + h.error != (uint64_t)len ||
        h.error >= sizeof p->error)
        return 0;
    *i = h.index;
    const char *body = buf + sizeof h;
    memcpy(p->error, body + h.csv + h.json, h.error);
    p->error[h.error] = '\0';
    if (!h.error) {
        p->csv = dup_span(body, h.csv);
        p->json = dup_span(body + h.csv, h.json);
        if (!p->csv || !p->json) {
            snprintf(p->error, sizeof p->error, "out of memory on rank 0");
            free(p->csv);
            free(p->json);
            p->csv = p->json = NULL;
        }
    }
    return 1;
}

/* Ranks 1..K-1: ask, evaluate, send back, until told to stop. */
static void worker(const pim_sweep *s, pim_sweep_eval eval, void *ctx)
{
    MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_ASK, MPI_COMM_WORLD);
    for (;;) {
        uint64_t i;
        MPI_Status ms;
        MPI_Recv(&i, 1, MPI_UINT64_T, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &ms);
        if (ms.MPI_TAG == TAG_STOP)
            return;
        pim_sweep_point p = {0};
        eval(ctx, s, i, &p);
        int len = 0;
        char *buf = pack(i, &p, &len);
        if (!buf) {
            pim_sweep_point fail = {0};
            snprintf(fail.error, sizeof fail.error, "out of memory packing the point");
            buf = pack(i, &fail, &len);
        }
        MPI_Send(buf, buf ? len : 0, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD);
        free(buf);
        free(p.csv);
        free(p.json);
    }
}

/* The next message for rank 0. A blocking MPI_Probe spins a core in
 * OpenMPI; rank 0 mostly waits, so it polls and sleeps 100 us between
 * looks (points take milliseconds at least). */
static void wait_message(MPI_Status *ms)
{
    for (int flag = 0;;) {
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, ms);
        if (flag)
            return;
        struct timespec nap = {0, 100000};
        nanosleep(&nap, NULL);
    }
}

/* Rank 0: hand out the missing points, commit what comes back. */
static pim_status coordinate(const pim_sweep *s, const pim_sweep_opts *o, pim_sweep_store *store,
                             int ranks, uint64_t *ran, pim_error *err)
{
    uint64_t next = 0, done = 0, todo = 0;
    for (uint64_t i = 0; i < s->npoints; i++)
        todo += !pim_sweep_has_point(store, i);
    pim_status st = PIM_OK;
    int active = ranks - 1;
    double start = pim_wall_seconds(), shown = 0;
    while (active > 0) {
        MPI_Status ms;
        wait_message(&ms);
        int len = 0;
        MPI_Get_count(&ms, MPI_BYTE, &len);
        char *buf = len ? malloc((size_t)len) : NULL;
        MPI_Recv(buf, len, MPI_BYTE, ms.MPI_SOURCE, ms.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (ms.MPI_TAG == TAG_RESULT) {
            pim_sweep_point p = {0};
            uint64_t i = 0;
            if (!buf || !unpack(buf, len, &i, &p) || i >= s->npoints) {
                if (!st)
                    st = pim_fail(err, PIM_EINTERNAL, "sweep: a malformed result from rank %d",
                                  ms.MPI_SOURCE);
            } else if (!st) {
                st = pim_sweep_commit_point(store, i, &p, err);
            }
            free(p.csv);
            free(p.json);
            done++;
        }
        free(buf);
        while (!st && next < s->npoints && pim_sweep_has_point(store, next))
            next++;
        if (!st && next < s->npoints) {
            MPI_Send(&next, 1, MPI_UINT64_T, ms.MPI_SOURCE, TAG_POINT, MPI_COMM_WORLD);
            next++;
        } else {
            uint64_t none = 0;
            MPI_Send(&none, 1, MPI_UINT64_T, ms.MPI_SOURCE, TAG_STOP, MPI_COMM_WORLD);
            active--;
        }
        double now = pim_wall_seconds();
        if (o->progress && (now - shown >= 0.25 || active == 0)) {
            shown = now;
            fprintf(stderr, "\rsweep: %llu/%llu points on %d ranks, %.0f s elapsed  %s",
                    (unsigned long long)done, (unsigned long long)todo, ranks - 1, now - start,
                    active == 0 ? "\n" : "");
        }
    }
    *ran = done;
    return st;
}

pim_status pim_sweep_run_mpi(const pim_sweep *s, const pim_sweep_opts *o, pim_sweep_eval eval,
                             void *ctx, pim_sweep_stats *stats, int *rank, pim_error *err)
{
    memset(stats, 0, sizeof *stats);
    double start = pim_wall_seconds();
    int ranks = 1;
    MPI_Init(NULL, NULL);
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    pim_status st = PIM_OK;
    if (ranks == 1) { /* one rank: the threads do the work */
        st = pim_sweep_run(s, o, eval, ctx, stats, err);
        MPI_Finalize();
        return st;
    }
    int go = 1;
    pim_sweep_store store = {.fd = -1};
    if (*rank == 0 && (st = pim_sweep_open(s, o, &store, err)))
        go = 0;
    MPI_Bcast(&go, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (go && *rank != 0)
        worker(s, eval, ctx);
    uint64_t ran = 0;
    if (go && *rank == 0)
        st = coordinate(s, o, &store, ranks, &ran, err);
    if (!st && *rank == 0) {
        stats->points = s->npoints;
        stats->ran = ran;
        stats->resumed = s->npoints - ran;
        st = pim_sweep_write_results(s, o, &store, &stats->failed, err);
    }
    if (*rank == 0)
        pim_sweep_close(&store);
    stats->seconds = pim_wall_seconds() - start;
    MPI_Finalize();
    return st;
}

#endif
