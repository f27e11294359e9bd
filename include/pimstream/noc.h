/* pimstream noc: the network-on-chip of a PIM manycore.
 *
 * A network is nodes (the chip's tiles) and directed links, each of a
 * class (on-chip, interposer, vertical) with a width in bytes per cycle, a
 * latency and an energy per bit; every node has a router with a pipeline
 * and an energy per bit. Topologies: mesh and torus (k x m), chiplets
 * (c x d chiplets, each a mesh, joined by an interposer network: a mesh of
 * chiplets, a ring of space-filling-curve petals as in Floret, or an
 * explicit list), stack3d (tiers of meshes joined by vertical links) and
 * custom (an adjacency list). Routes are deterministic: dimension order
 * (x, then y, then tiers) on meshes, tori and stacks; shortest paths in
 * per-hop latency, ties to the lower link, on the rest.
 *
 * Traffic moves as flows: a transfer takes, on every link of its route,
 * an equal share of the link with the other transfers crossing it and
 * moves at the smallest of those shares, after its head has crossed the
 * route (per-hop router and link latency). Nodes are numbered y * k + x on
 * a mesh (node 0 a corner), chiplet by chiplet on chiplets, tier by tier
 * on stacks. */
#ifndef PIMSTREAM_NOC_H
#define PIMSTREAM_NOC_H

#include "pimstream/base.h"

typedef enum {
    PIM_LINK_ONCHIP,
    PIM_LINK_INTERPOSER,
    PIM_LINK_VERTICAL,
    PIM_LINK_CLASSES
} pim_link_class;

typedef enum {
    PIM_TOPO_MESH,
    PIM_TOPO_TORUS,
    PIM_TOPO_CHIPLETS,
    PIM_TOPO_STACK3D,
    PIM_TOPO_CUSTOM
} pim_topology;

typedef enum { PIM_INTERPOSER_MESH, PIM_INTERPOSER_PETALS, PIM_INTERPOSER_LIST } pim_interposer;

typedef struct {
    double bytes_per_cycle; /* width */
    double latency_cycles;  /* wire delay, per traversal */
    double pj_per_bit;
} pim_link_params;

typedef struct {
    double pipeline_cycles; /* per hop, before the link */
    double pj_per_bit;
    /* wormhole flow control, for what packets cost a link: virtual
     * channels per port, flits each buffers, and the stages only a head
     * flit spends (route computation and VC allocation). 0: ideal links */
    uint32_t vcs, vc_flits;
    double head_cycles;
} pim_router_params;

/* What to build. Sizes: mesh/torus k x m; chiplets cx x cy chiplets of
 * k x m nodes each; stack3d `tiers` tiers of k x m. */
typedef struct {
    pim_topology topology;
    uint32_t k, m;
    uint32_t cx, cy;
    pim_interposer interposer;
    uint32_t petals; /* petals of the SFC interposer (0: chosen from the chiplet count) */
    uint32_t tiers;
    /* chiplets with an explicit interposer, and custom topologies: pairs of
     * nodes (chiplets for an interposer list) joined both ways */
    const uint32_t *pairs;
    uint32_t npairs;
    uint32_t nodes; /* custom: how many */
    pim_link_params link[PIM_LINK_CLASSES];
    pim_router_params router;
} pim_noc_spec;

typedef struct {
    uint32_t from, to;
    pim_link_class cls;
} pim_noc_link;

typedef struct {
    pim_noc_spec spec;
    uint32_t nodes;
    int32_t *x, *y, *z; /* a node's place: column, row, tier (chiplets: global) */
    uint32_t *chiplet;  /* chiplets: which one a node belongs to */
    pim_noc_link *links;
    uint32_t nlinks;
    uint32_t *next;    /* next[src * nodes + dst]: the link to take (UINT32_MAX at dst) */
    uint32_t diameter; /* longest route in links */
} pim_noc;

pim_status pim_noc_build(const pim_noc_spec *spec, pim_noc *out, pim_error *err);
void pim_noc_free(pim_noc *n);
/* The links from src to dst, in order, into route (room for
 * n->diameter); returns how many (hops). */
uint32_t pim_noc_route(const pim_noc *n, uint32_t src, uint32_t dst, uint32_t *route);
/* Zero-load time to move `bytes` from src to dst: every hop's router and
 * link latency, plus the bytes at the narrowest width on the way (the
 * injection and ejection ports are as wide as an on-chip link). */
double pim_noc_zero_load(const pim_noc *n, uint32_t src, uint32_t dst, double bytes);
/* Cell i of a space-filling order of a w x h grid: the Hilbert curve when
 * the grid is a square power of two, else a snake (boustrophedon). */
void pim_noc_curve_cell(uint32_t w, uint32_t h, uint32_t i, uint32_t *x, uint32_t *y);
const char *pim_topology_name(pim_topology t);
const char *pim_link_class_name(pim_link_class c);

/* ---- flows: transfers sharing links ------------------------------------ */

typedef struct pim_flownet pim_flownet;

/* A network of links carrying flows. A flow crosses its source's
 * injection port, the links of its route and its destination's ejection
 * port (ports as wide as an on-chip link); on each it holds an equal share
 * with the flows crossing it, and moves at the least of its shares. Its
 * last byte arrives its route's latency (routers and links) after it has
 * all gone through. A flow from a node to itself crosses the two ports. */
pim_flownet *pim_flownet_new(const pim_noc *n, pim_error *err);
void pim_flownet_free(pim_flownet *f);
/* Start a flow of `bytes` (> 0) from src to dst at time `now` (not before
 * the last event), sent as packets of at most `packet_bytes` (0: one
 * stream); `id` comes back when it is delivered. 0 when out of memory.
 *
 * With wormhole flow control (router.vcs > 0), a link moves a flow's
 * packets at most at the rate its VCs allow: each of V VCs holds a
 * packet of P flits for P + head_cycles cycles (the head's route and VC
 * allocation stages, which its body flits skip) and a VC of D flits
 * moves at most D flits per credit round trip (one hop's latency), so a
 * link gives the flow's packets min(1, V P / (P + head), V D / hop) of
 * its width, shared equally as above. */
typedef struct {
    double packet_bytes; /* cut into packets of at most this (0: one stream) */
    double rate_cap;     /* never faster than this, bytes a cycle (0: no cap): a macro's port */
    uint32_t resource;   /* one more resource it crosses (PIM_NO_RESOURCE: none), e.g. a
                          * memory controller's share of the off-chip bandwidth */
} pim_flow_opts;

#define PIM_NO_RESOURCE UINT32_MAX

int pim_flownet_add(pim_flownet *f, double now, uint32_t src, uint32_t dst, double bytes,
                    const pim_flow_opts *o, uint64_t id);
/* The same bytes from src to every one of dsts at once, as a multicast
 * tree: one flow crossing the union of the routes (each link once), its
 * source's injection port and every destination's ejection port, moving
 * at the least of its shares; it arrives when the longest route's latency
 * has passed after its bytes went through, and counts as delivered to
 * each destination (bytes x destinations in, and out). */
int pim_flownet_add_tree(pim_flownet *f, double now, uint32_t src, const uint32_t *dsts,
                         uint32_t ndst, double bytes, const pim_flow_opts *o, uint64_t id);
/* A resource of its own (a memory controller's bandwidth): its id for
 * pim_flow_opts.resource, or PIM_NO_RESOURCE when out of memory. Add them
 * before any flow. */
uint32_t pim_flownet_resource(pim_flownet *f, double bytes_per_cycle);
/* When the next event is (INFINITY when none). */
double pim_flownet_next(pim_flownet *f);
/* Handle the next event at its time: 1 when flow *id was delivered, 2 when
 * its bytes have all gone through (its source and links are free again;
 * it arrives later), 0 when no event was left, -1 when out of memory. */
int pim_flownet_step(pim_flownet *f, uint64_t *id);
uint32_t pim_flownet_active(const pim_flownet *f);

/* Totals of everything delivered: per link bytes and busy time, bytes in
 * and out, bit-hops and energy (links and routers). */
typedef struct {
    double bytes_injected, bytes_delivered;
    double bit_hops;  /* bits x links crossed */
    double energy_pj; /* link energy of every bit-hop and router energy of every bit routed */
    double class_bits[PIM_LINK_CLASSES]; /* bit-hops per link class */
    double router_bits;                  /* bits x routers crossed (hops + 1) */
    double hops_sum;                     /* hops over every delivered flow */
    uint64_t flows;                      /* delivered */
    double *link_bytes;                  /* per link */
    double peak_load; /* highest total rate ever granted on a link or port / its width */
} pim_flownet_stats;

const pim_flownet_stats *pim_flownet_stats_of(const pim_flownet *f);

/* ---- pimstream noc: synthetic traffic ---------------------------------- */

typedef enum {
    PIM_TRAFFIC_UNIFORM,
    PIM_TRAFFIC_TRANSPOSE,
    PIM_TRAFFIC_BITCOMP,
    PIM_TRAFFIC_NEIGHBOR,
    PIM_TRAFFIC_TORNADO,
    PIM_TRAFFIC_HOTSPOT
} pim_traffic;

typedef struct {
    pim_traffic pattern;
    const uint32_t *hotspots;
    uint32_t nhotspots;
    uint64_t packets; /* batch mode: packets per node (0: rate mode) */
    double rate;      /* rate mode: packets per node per cycle */
    uint32_t flits;   /* per packet */
    double flit_bytes;
    uint32_t vcs, vc_flits; /* virtual channels per port and their depth */
    uint64_t seed;
    double warmup, measure; /* rate mode: cycles */
} pim_noc_bench;

typedef struct {
    double completion_cycles; /* batch: the last flit's arrival */
    uint64_t packets, flits;
    double latency_avg, latency_max;
    double hops_avg;
    double accepted_flits_per_node_per_cycle;
    double max_link_utilization;
    double bound_flits_per_node_per_cycle; /* the channel-load bound for the pattern */
} pim_noc_bench_result;

const char *pim_traffic_name(pim_traffic t);
int pim_traffic_parse(const char *s, pim_traffic *out);
/* The destination of a packet from src under the pattern (uniform and
 * hotspot draw from *rng). */
uint32_t pim_traffic_dest(const pim_noc *n, const pim_noc_bench *b, uint32_t src, uint64_t *rng);
pim_status pim_noc_bench_run(const pim_noc *n, const pim_noc_bench *b, pim_noc_bench_result *out,
                             pim_error *err);

#endif
