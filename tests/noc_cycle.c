/* pimstream tests: the cycle-accurate reference network (noc_cycle.h). */
#include "noc_cycle.h"

#include <stdlib.h>
#include <string.h>

enum { PORTS = 5, LOCAL = 4 }; /* 0 +x, 1 -x, 2 +y, 3 -y, 4 the node */
enum { IDLE, ROUTED, ACTIVE };

typedef struct {
    uint32_t packet;
    int head, tail;
    long arrived; /* cycle it was written into this buffer */
} flit;

typedef struct {
    flit *buf; /* ring of D */
    uint32_t first, count;
    int state;
    int out_port, out_vc;
    long ready; /* cycle the head may try its next stage */
} invc;

typedef struct {
    int allocated;
    int credits;
} outvc;

typedef struct {
    invc in[PORTS][64];
    outvc out[PORTS][64];
    int rr_in[PORTS], rr_out[PORTS], rr_va[PORTS];
} router;

/* Something landing later: a flit into a buffer, or a credit. */
typedef struct {
    long at;
    int kind; /* 0 flit, 1 credit */
    uint32_t router, port, vc;
    flit f;
} arrival;

typedef struct {
    const pim_noc *n;
    uint32_t k, m, V, D;
    router *r;
    uint32_t *dest;    /* per packet: its destination */
    int *local_credit; /* per router and local VC: the free slots its source sees */
    arrival *pending;
    size_t npending, cappending;
    long now;
} net;

static int later(net *w, arrival a)
{
    if (w->npending == w->cappending) {
        size_t cap = w->cappending ? w->cappending * 2 : 1024;
        arrival *p = realloc(w->pending, cap * sizeof *p);
        if (!p)
            return 0;
        w->pending = p;
        w->cappending = cap;
    }
    w->pending[w->npending++] = a;
    return 1;
}

/* The output port XY routing takes at router `at` toward `dst`. */
static int xy_port(const net *w, uint32_t at, uint32_t dst)
{
    uint32_t x = at % w->k, y = at / w->k, dx = dst % w->k, dy = dst / w->k;
    if (dx > x)
        return 0;
    if (dx < x)
        return 1;
    if (dy > y)
        return 2;
    if (dy < y)
        return 3;
    return LOCAL;
}

/* The router and input port a flit leaving `at` by `port` enters. */
static void neighbour(const net *w, uint32_t at, int port, uint32_t *to, int *in_port)
{
    static const int opposite[4] = {1, 0, 3, 2};
    *to = port == 0 ? at + 1 : port == 1 ? at - 1 : port == 2 ? at + w->k : at - w->k;
    *in_port = opposite[port];
}

static void push_flit(net *w, uint32_t at, int port, int vc, flit f)
{
    invc *v = &w->r[at].in[port][vc];
    v->buf[(v->first + v->count++) % w->D] = f;
}

static void land(net *w, long now)
{
    size_t kept = 0;
    for (size_t i = 0; i < w->npending; i++) {
        arrival *a = &w->pending[i];
        if (a->at > now) {
            w->pending[kept++] = *a;
            continue;
        }
        if (a->kind == 1)
            w->r[a->router].out[a->port][a->vc].credits++;
        else
            push_flit(w, a->router, (int)a->port, (int)a->vc, a->f);
    }
    w->npending = kept;
}

/* Route computation and VC allocation for every waiting head. */
static void route_and_allocate(net *w, long now)
{
    for (uint32_t at = 0; at < w->n->nodes; at++) {
        router *r = &w->r[at];
        for (int p = 0; p < PORTS; p++)
            for (uint32_t v = 0; v < w->V; v++) {
                invc *c = &r->in[p][v];
                if (c->state != IDLE || !c->count || !c->buf[c->first].head ||
                    c->buf[c->first].arrived >= now)
                    continue;
                c->out_port = xy_port(w, at, w->dest[c->buf[c->first].packet]);
                c->state = ROUTED;
                c->ready = now + 1;
            }
        /* VC allocation: per output port, requesters in round-robin order */
        for (int op = 0; op < PORTS; op++) {
            int start = r->rr_va[op];
            for (int i = 0; i < PORTS * (int)w->V; i++) {
                int idx = (start + i) % (PORTS * (int)w->V), p = idx / (int)w->V,
                    v = idx % (int)w->V;
                invc *c = &r->in[p][v];
                if (c->state != ROUTED || c->out_port != op || c->ready > now)
                    continue;
                int got = -1;
                for (uint32_t ov = 0; ov < w->V && got < 0; ov++)
                    if (!r->out[op][ov].allocated)
                        got = (int)ov;
                if (got < 0)
                    break; /* every VC of this output is taken */
                r->out[op][got].allocated = 1;
                c->out_vc = got;
                c->state = ACTIVE;
                c->ready = now + 1;
                r->rr_va[op] = (idx + 1) % (PORTS * (int)w->V);
            }
        }
    }
}

/* Switch allocation (input first, then output) and traversal. Returns 0
 * when out of memory; counts delivered tails into *done, their time. */
static int switch_stage(net *w, long now, uint64_t *done, double *last, double *lat_sum,
                        const long *injected)
{
    for (uint32_t at = 0; at < w->n->nodes; at++) {
        router *r = &w->r[at];
        int want[PORTS]; /* per input port: the VC it puts forward */
        for (int p = 0; p < PORTS; p++) {
            want[p] = -1;
            for (uint32_t i = 0; i < w->V && want[p] < 0; i++) {
                uint32_t v = (r->rr_in[p] + i) % w->V;
                invc *c = &r->in[p][v];
                if (c->state != ACTIVE || !c->count || c->ready > now ||
                    c->buf[c->first].arrived >= now)
                    continue;
                if (c->out_port != LOCAL && r->out[c->out_port][c->out_vc].credits <= 0)
                    continue;
                want[p] = (int)v;
            }
        }
        for (int op = 0; op < PORTS; op++) {
            int winner = -1;
            for (int i = 0; i < PORTS && winner < 0; i++) {
                int p = (r->rr_out[op] + i) % PORTS;
                if (want[p] >= 0 && r->in[p][want[p]].out_port == op)
                    winner = p;
            }
            if (winner < 0)
                continue;
            r->rr_out[op] = (winner + 1) % PORTS;
            int v = want[winner];
            r->rr_in[winner] = (v + 1) % (int)w->V;
            invc *c = &r->in[winner][v];
            flit f = c->buf[c->first];
            c->first = (c->first + 1) % w->D;
            c->count--;
            /* the freed slot's credit goes upstream: traversal next cycle,
             * then a cycle back */
            if (winner != LOCAL) {
                uint32_t up;
                int up_port;
                neighbour(w, at, winner, &up, &up_port);
                if (!later(w, (arrival){now + 2, 1, up, (uint32_t)up_port, (uint32_t)v, {0}}))
                    return 0;
            } else {
                w->local_credit[at * 64 + (uint32_t)v]++;
            }
            if (op == LOCAL) { /* ejected after traversal */
                if (f.tail) {
                    (*done)++;
                    *last = (double)(now + 2);
                    *lat_sum += (double)(now + 2 - injected[f.packet]);
                }
            } else {
                r->out[op][c->out_vc].credits--;
                uint32_t to;
                int in_port;
                neighbour(w, at, op, &to, &in_port);
                f.arrived = now + 2;
                if (!later(w, (arrival){now + 2, 0, to, (uint32_t)in_port, (uint32_t)c->out_vc, f}))
                    return 0;
            }
            if (f.tail) {
                r->out[op][c->out_vc].allocated = 0;
                c->state = IDLE;
            } else {
                c->ready = now + 1;
            }
        }
    }
    return 1;
}

int noc_cycle_batch(const pim_noc *n, const pim_noc_bench *b, noc_cycle_result *out)
{
    memset(out, 0, sizeof *out);
    if (n->spec.topology != PIM_TOPO_MESH || b->vcs < 1 || b->vcs > 64 || b->vc_flits < 1 ||
        !b->packets || !b->flits)
        return 0;
    net w = {.n = n, .k = n->spec.k, .m = n->spec.m, .V = b->vcs, .D = b->vc_flits};
    uint32_t N = n->nodes;
    uint64_t total = (uint64_t)N * b->packets;
    w.r = calloc(N, sizeof *w.r);
    w.dest = malloc(total * sizeof *w.dest);
    w.local_credit = malloc((size_t)N * 64 * sizeof *w.local_credit);
    long *injected = calloc(total, sizeof *injected);
    flit *store = calloc((size_t)N * PORTS * w.V * w.D, sizeof *store);
    /* per node: the packet it injects, its next flit, the local VC it uses */
    uint64_t *sent = calloc(N, sizeof *sent);
    uint32_t *flit_no = calloc(N, sizeof *flit_no);
    int *vc_of = malloc(N * sizeof *vc_of);
    uint32_t *last_vc = calloc(N, sizeof *last_vc);
    int ok =
        w.r && w.dest && w.local_credit && injected && store && sent && flit_no && vc_of && last_vc;
    uint64_t rng = b->seed ? b->seed : 0x9E3779B97F4A7C15ull;
    for (uint32_t s = 0; ok && s < N; s++) {
        vc_of[s] = -1;
        for (uint64_t p = 0; p < b->packets; p++)
            w.dest[s * b->packets + p] = pim_traffic_dest(n, b, s, &rng);
        for (int port = 0; port < PORTS; port++)
            for (uint32_t v = 0; v < w.V; v++) {
                w.r[s].in[port][v].buf = store + (((size_t)s * PORTS + port) * w.V + v) * w.D;
                w.r[s].out[port][v].credits = (int)w.D;
            }
        for (uint32_t v = 0; v < 64; v++)
            w.local_credit[s * 64 + v] = (int)w.D;
    }
    uint64_t done = 0;
    double last = 0, lat = 0;
    int *local_busy = calloc((size_t)N * 64, sizeof *local_busy); /* a packet holds the VC */
    ok = ok && local_busy;
    for (long now = 0; ok && done < total && now < 100000000; now++) {
        land(&w, now);
        route_and_allocate(&w, now);
        ok = switch_stage(&w, now, &done, &last, &lat, injected);
        /* sources: a flit a cycle into a local VC of their router */
        for (uint32_t s = 0; ok && s < N; s++) {
            if (sent[s] == b->packets)
                continue;
            if (vc_of[s] < 0) { /* a new packet takes the next free local VC, round robin */
                for (uint32_t i = 0; i < w.V && vc_of[s] < 0; i++) {
                    uint32_t v = (last_vc[s] + 1 + i) % w.V;
                    if (!local_busy[s * 64 + v])
                        vc_of[s] = (int)v;
                }
                if (vc_of[s] < 0)
                    continue;
                local_busy[s * 64 + vc_of[s]] = 1;
                last_vc[s] = (uint32_t)vc_of[s];
                flit_no[s] = 0;
                injected[s * b->packets + sent[s]] = now;
            }
            int v = vc_of[s];
            if (w.local_credit[s * 64 + v] <= 0)
                continue;
            w.local_credit[s * 64 + v]--;
            uint32_t packet = (uint32_t)(s * b->packets + sent[s]);
            flit f = {packet, flit_no[s] == 0, flit_no[s] + 1 == b->flits, now + 1};
            ok = later(&w, (arrival){now + 1, 0, s, LOCAL, (uint32_t)v, f});
            if (++flit_no[s] == b->flits) {
                sent[s]++;
                local_busy[s * 64 + v] = 0; /* the VC may take the next packet */
                vc_of[s] = -1;
            }
        }
    }
    out->completion_cycles = last;
    out->packets = done;
    out->latency_avg = done ? lat / (double)done : 0;
    free(w.r);
    free(w.pending);
    free(w.dest);
    free(w.local_credit);
    free(injected);
    free(store);
    free(sent);
    free(flit_no);
    free(vc_of);
    free(last_vc);
    free(local_busy);
    return ok && done == total;
}
