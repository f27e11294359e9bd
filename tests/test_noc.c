/* Tests for src/noc: topologies and routes, the flow network's physics and
 * closed forms (zero-load latency, channel-load bounds), and the noc
 * microbenchmark. */
#include "noc_cycle.h"
#include "pimstream/arch.h"
#include "pimstream/noc.h"
#include "pimstream/place.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>

static pim_noc_spec mesh_spec(pim_topology t, uint32_t k, uint32_t m)
{
    pim_noc_spec s = {.topology = t, .k = k, .m = m, .router = {4, 0.5}};
    for (int c = 0; c < PIM_LINK_CLASSES; c++)
        s.link[c] = (pim_link_params){16, 1, 0.1 * (c + 1)};
    return s;
}

static int build(pim_t *t, const pim_noc_spec *s, pim_noc *n)
{
    pim_error err;
    pim_status st = pim_noc_build(s, n, &err);
    if (st)
        fprintf(stderr, "    %s\n", err.msg);
    CHECK(t, st == PIM_OK);
    return st == PIM_OK;
}

/* A flow network on a fresh k x m mesh; NULL (the mesh freed) on failure. */
static pim_flownet *open_mesh(pim_t *t, uint32_t k, uint32_t m, pim_noc *n)
{
    pim_noc_spec s = mesh_spec(PIM_TOPO_MESH, k, m);
    if (!build(t, &s, n))
        return NULL;
    pim_error err;
    pim_flownet *f = pim_flownet_new(n, &err);
    CHECK(t, f != NULL);
    if (!f)
        pim_noc_free(n);
    return f;
}

/* Runs the network dry; done[id] is when flow id (< nd) was delivered.
 * Returns the last event's time. */
static double drain(pim_flownet *f, double *done, uint64_t nd)
{
    double end = 0;
    uint64_t id;
    while (pim_flownet_next(f) < INFINITY) {
        end = pim_flownet_next(f);
        if (pim_flownet_step(f, &id) == 1 && id < nd)
            done[id] = end;
    }
    return end;
}

static void meshes_tori_and_stacks(pim_t *t)
{
    pim_noc n;
    uint32_t route[64];
    pim_noc_spec s = mesh_spec(PIM_TOPO_MESH, 4, 4);
    if (build(t, &s, &n)) {
        CHECK_EQ_U64(t, n.nodes, 16);
        CHECK_EQ_U64(t, n.nlinks, 48);
        CHECK_EQ_U64(t, n.diameter, 6);
        uint32_t hops = pim_noc_route(&n, 0, 15, route);
        CHECK_EQ_U64(t, hops, 6);
        /* XY: along x first (nodes 1, 2, 3), then up y (7, 11, 15) */
        static const uint32_t path[] = {1, 2, 3, 7, 11, 15};
        for (uint32_t h = 0; h < hops && h < 6; h++)
            CHECK_EQ_U64(t, n.links[route[h]].to, path[h]);
        CHECK_EQ_U64(t, pim_noc_route(&n, 5, 5, route), 0);
        pim_noc_free(&n);
    }
    s = mesh_spec(PIM_TOPO_TORUS, 4, 4);
    if (build(t, &s, &n)) {
        CHECK_EQ_U64(t, n.nlinks, 64);
        CHECK_EQ_U64(t, n.diameter, 4);
        CHECK_EQ_U64(t, pim_noc_route(&n, 0, 3, route), 1); /* the wrap-around link */
        pim_noc_free(&n);
    }
    s = mesh_spec(PIM_TOPO_STACK3D, 4, 4);
    s.tiers = 4;
    if (build(t, &s, &n)) {
        CHECK_EQ_U64(t, n.nodes, 64);
        CHECK_EQ_U64(t, n.nlinks, 48 * 4 + 16 * 3 * 2);
        uint32_t hops = pim_noc_route(&n, 0, 63, route); /* x, y, then tiers */
        CHECK_EQ_U64(t, hops, 9);
        CHECK(t, n.links[route[8]].cls == PIM_LINK_VERTICAL &&
                     n.links[route[0]].cls == PIM_LINK_ONCHIP);
        pim_noc_free(&n);
    }
}

static void chiplets_and_custom(pim_t *t)
{
    pim_noc n;
    uint32_t route[64];
    pim_noc_spec s = mesh_spec(PIM_TOPO_CHIPLETS, 2, 2);
    s.cx = s.cy = 3;
    static const pim_interposer kinds[] = {PIM_INTERPOSER_MESH, PIM_INTERPOSER_PETALS};
    for (int i = 0; i < 2; i++) {
        s.interposer = kinds[i];
        if (!build(t, &s, &n))
            continue;
        CHECK_EQ_U64(t, n.nodes, 36);
        uint32_t inter = 0;
        for (uint32_t l = 0; l < n.nlinks; l++)
            inter += n.links[l].cls == PIM_LINK_INTERPOSER;
        /* a 3x3 mesh of chiplets: 12 pairs; petals: hub + 8 in 3 petals
         * (3 + 3 + 2 chiplets): 3 x (chain + 2 hub links) = 14 pairs */
        CHECK_EQ_U64(t, inter, i == 0 ? 24 : 2 * (2 + 2 + 1 + 6));
        CHECK_EQ_U64(t, n.chiplet[35], 8);
        /* routes are shortest in latency and start inside the chiplet */
        uint32_t hops = pim_noc_route(&n, 0, 35, route);
        CHECK(t, hops >= 3 && n.links[route[hops - 1]].to == 35);
        pim_noc_free(&n);
    }
    s.interposer = PIM_INTERPOSER_LIST;
    static const uint32_t ring[] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 0};
    s.pairs = ring;
    s.npairs = 9;
    if (build(t, &s, &n))
        pim_noc_free(&n);
    pim_noc_spec c = mesh_spec(PIM_TOPO_CUSTOM, 0, 0);
    static const uint32_t pentagon[] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 0};
    c.nodes = 5;
    c.pairs = pentagon;
    c.npairs = 5;
    if (build(t, &c, &n)) {
        CHECK_EQ_U64(t, n.diameter, 2);
        CHECK_EQ_U64(t, pim_noc_route(&n, 0, 3, route), 2); /* the short way round */
        pim_noc_free(&n);
    }
    c.npairs = 3; /* node 4 cut off */
    pim_error err;
    CHECK(t, pim_noc_build(&c, &n, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "connect") != NULL);
    static const uint32_t bad[] = {0, 9};
    c.pairs = bad;
    c.npairs = 1;
    CHECK(t, pim_noc_build(&c, &n, &err) == PIM_EINPUT);
}

/* Alone, a transfer takes exactly hops x (router + link) + bytes / width;
 * everywhere, bytes in = bytes out, no link or port above its width, and
 * the energy is its bit-hops priced. */
static void flows_obey_closed_forms(pim_t *t)
{
    pim_noc n;
    pim_noc_spec s = mesh_spec(PIM_TOPO_MESH, 8, 8);
    if (!build(t, &s, &n))
        return;
    pim_error err;
    for (uint32_t dst = 0; dst < 64; dst += 9) {
        pim_flownet *f = pim_flownet_new(&n, &err);
        CHECK(t, f != NULL);
        if (!f)
            break;
        CHECK(t, pim_flownet_add(f, 10, 0, dst, 100, NULL, 7));
        double t_end = 0;
        uint64_t id = 0;
        int last = 0;
        while (pim_flownet_next(f) < INFINITY) {
            t_end = pim_flownet_next(f);
            last = pim_flownet_step(f, &id);
        }
        CHECK_EQ_U64(t, last, 1);
        CHECK_EQ_U64(t, id, 7);
        uint32_t x = dst % 8, y = dst / 8;
        CHECK_NEAR(t, t_end, 10 + (x + y) * 5.0 + 100 / 16.0, 1e-12);
        CHECK_NEAR(t, t_end - 10, pim_noc_zero_load(&n, 0, dst, 100), 1e-12);
        pim_flownet_free(f);
    }
    /* many flows at once */
    pim_flownet *f = pim_flownet_new(&n, &err);
    CHECK(t, f != NULL);
    if (!f) {
        pim_noc_free(&n);
        return;
    }
    uint64_t rng = 5;
    double bytes = 0, expect_pj = 0;
    uint32_t route[64];
    for (uint32_t i = 0; i < 400; i++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t a = (uint32_t)(rng >> 33) % 64, b = (uint32_t)(rng >> 40) % 64;
        double sz = 1 + (double)((rng >> 20) % 500);
        CHECK(t, pim_flownet_add(f, i * 0.5, a, b, sz, NULL, i));
        bytes += sz;
        uint32_t hops = pim_noc_route(&n, a, b, route);
        expect_pj += sz * 8 * (hops * 0.1 + (hops + 1) * 0.5);
        uint64_t id;
        while (pim_flownet_next(f) < (i + 1) * 0.5)
            CHECK(t, pim_flownet_step(f, &id) > 0);
    }
    uint64_t id;
    while (pim_flownet_next(f) < INFINITY)
        pim_flownet_step(f, &id);
    const pim_flownet_stats *st = pim_flownet_stats_of(f);
    CHECK_EQ_U64(t, st->flows, 400);
    CHECK_NEAR(t, st->bytes_delivered, bytes, 1e-12);
    CHECK_NEAR(t, st->bytes_injected, bytes, 1e-12);
    CHECK(t, st->peak_load <= 1 + 1e-9 && st->peak_load > 0.5);
    CHECK_NEAR(t, st->energy_pj, expect_pj, 1e-9);
    CHECK_EQ_U64(t, pim_flownet_active(f), 0);
    pim_flownet_free(f);
    pim_noc_free(&n);
}

/* A resource of its own (a memory controller's bandwidth) is shared like
 * a link; a cap (a macro's write port) bounds a flow's rate. */
static void flows_share_extra_resources_and_caps(pim_t *t)
{
    pim_noc n;
    pim_flownet *f = open_mesh(t, 4, 4, &n);
    if (!f)
        return;
    uint32_t mc = pim_flownet_resource(f, 4); /* 4 bytes a cycle for both */
    CHECK(t, mc != PIM_NO_RESOURCE);
    pim_flow_opts shared = {.resource = mc}, capped = {.rate_cap = 1, .resource = PIM_NO_RESOURCE};
    CHECK(t, pim_flownet_add(f, 0, 0, 5, 400, &shared, 1));   /* 2 hops */
    CHECK(t, pim_flownet_add(f, 0, 3, 6, 400, &shared, 2));   /* 2 hops, other links */
    CHECK(t, pim_flownet_add(f, 0, 12, 13, 100, &capped, 3)); /* 1 hop, at 1 byte a cycle */
    double done[4] = {0};
    drain(f, done, 4);
    CHECK_NEAR(t, done[1], 400 / 2.0 + 2 * 5, 1e-9); /* half of the controller each */
    CHECK_NEAR(t, done[2], 400 / 2.0 + 2 * 5, 1e-9);
    CHECK_NEAR(t, done[3], 100 / 1.0 + 5, 1e-9);
    CHECK(t, pim_flownet_stats_of(f)->peak_load <= 1 + 1e-12);
    pim_flownet_free(f);
    pim_noc_free(&n);
}

/* A multicast tree crosses the union of its routes once: from node 0 of a
 * 4x4 mesh to nodes 3, 7 and 15 by XY routes is 0-1-2-3 then 3-7-11-15:
 * 6 links, not the 3 + 4 + 6 = 13 of three unicasts; alone it takes the
 * longest route's latency plus the bytes over the width; it delivers a
 * copy to each destination. */
static void multicast_trees(pim_t *t)
{
    pim_noc n;
    pim_flownet *f = open_mesh(t, 4, 4, &n);
    if (!f)
        return;
    static const uint32_t dsts[] = {3, 7, 15};
    CHECK(t, pim_flownet_add_tree(f, 0, 0, dsts, 3, 160, NULL, 9));
    double done[12] = {0};
    double end = drain(f, done, 12);
    const pim_flownet_stats *st = pim_flownet_stats_of(f);
    CHECK_NEAR(t, done[9], end, 0);
    CHECK_NEAR(t, end, 6 * 5.0 + 160 / 16.0, 1e-12);
    CHECK_NEAR(t, st->bit_hops, 160 * 8 * 6.0, 1e-12);
    CHECK_NEAR(t, st->bytes_delivered, 3 * 160.0, 1e-12);
    CHECK_NEAR(t, st->bytes_injected, st->bytes_delivered, 1e-12);
    CHECK_NEAR(t, st->energy_pj, 160 * 8 * (6 * 0.1 + 7 * 0.5), 1e-9);
    uint32_t used = 0;
    for (uint32_t l = 0; l < n.nlinks; l++) {
        CHECK(t, st->link_bytes[l] == 0 || st->link_bytes[l] == 160);
        used += st->link_bytes[l] > 0;
    }
    CHECK_EQ_U64(t, used, 6);
    /* a tree shares its links with unicasts like any flow */
    CHECK(t, pim_flownet_add_tree(f, end, 0, dsts, 3, 160, NULL, 10));
    CHECK(t, pim_flownet_add(f, end, 1, 2, 160, NULL, 11)); /* on the tree's link 1->2 */
    drain(f, done, 12);
    CHECK_NEAR(t, done[10] - end, 6 * 5.0 + 160 / 8.0, 1e-9); /* half of 1->2 */
    CHECK(t, st->peak_load <= 1 + 1e-12);
    pim_flownet_free(f);
    pim_noc_free(&n);
}

/* Synthetic traffic never beats the channel-load bound, and the bounds are
 * the textbook ones: 4/k for uniform on a k x k mesh, 1/(k-1) transpose. */
static void traffic_respects_channel_bounds(pim_t *t)
{
    pim_noc n;
    pim_noc_spec s = mesh_spec(PIM_TOPO_MESH, 8, 8);
    if (!build(t, &s, &n))
        return;
    static const uint32_t corners[] = {0, 7, 56, 63};
    for (int p = 0; p <= PIM_TRAFFIC_HOTSPOT; p++) {
        pim_noc_bench b = {.pattern = (pim_traffic)p,
                           .packets = 20,
                           .flits = 4,
                           .flit_bytes = 16,
                           .vcs = 2,
                           .vc_flits = 8,
                           .seed = 3,
                           .hotspots = corners,
                           .nhotspots = 4};
        pim_noc_bench_result r;
        pim_error err;
        CHECK(t, pim_noc_bench_run(&n, &b, &r, &err) == PIM_OK);
        CHECK_EQ_U64(t, r.packets, 64 * 20);
        CHECK(t, r.accepted_flits_per_node_per_cycle <= r.bound_flits_per_node_per_cycle + 1e-9);
        CHECK(t, r.max_link_utilization <= 1 + 1e-9);
        if (p == PIM_TRAFFIC_UNIFORM)
            CHECK_NEAR(t, r.bound_flits_per_node_per_cycle, 0.5, 1e-9);
        if (p == PIM_TRAFFIC_TRANSPOSE)
            CHECK_NEAR(t, r.bound_flits_per_node_per_cycle, 1.0 / 7, 1e-9);
        if (p == PIM_TRAFFIC_HOTSPOT) /* four ejection ports take everything */
            CHECK_NEAR(t, r.bound_flits_per_node_per_cycle, 4.0 / 64, 1e-9);
    }
    pim_noc_free(&n);
}

static void noc_command(pim_t *t)
{
    char path[512], args[1024];
    snprintf(path, sizeof path, "%s/noc.json", t->tmp);
    snprintf(args, sizeof args,
             "noc --size 4x4 --traffic transpose --packets 10 --flits 4 --json %s", path);
    CHECK_EQ_U64(t, pim_test_cli(t, args, NULL, 0), 0);
    char text[4096];
    pim_test_read_head(path, text, sizeof text);
    static const char *const fields[] = {"completion_cycles",
                                         "packets",
                                         "flits",
                                         "latency",
                                         "average",
                                         "hops",
                                         "accepted_flits_per_node_per_cycle",
                                         "max_link_utilization"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        CHECK(t, strstr(text, fields[i]) != NULL);
    char err[512];
    CHECK_EQ_U64(t, pim_test_cli(t, "noc --traffic sideways --packets 1", err, sizeof err), 2);
    CHECK_EQ_U64(t, pim_test_cli(t, "noc --traffic uniform", err, sizeof err), 2);
    CHECK(t, strstr(err, "--packets") != NULL);
    CHECK_EQ_U64(
        t, pim_test_cli(t, "noc --traffic hotspot --packets 1 --hotspots 99", err, sizeof err), 2);
    CHECK_EQ_U64(
        t, pim_test_cli(t, "noc --size 0x4 --traffic uniform --packets 1", err, sizeof err), 2);
    CHECK_EQ_U64(
        t, pim_test_cli(t, "noc --traffic uniform --rate 0.01 --measure 500", err, sizeof err), 0);
}

/* The flow model against the cycle-accurate wormhole router network
 * (tests/noc_cycle.c) with the same parameters: 4-cycle routers, 1-cycle
 * links, 2 VCs of 8 flits, XY routing. Batch completion on 4x4 and 8x8
 * meshes, the six patterns (one hotspot at node 0, and four at the
 * corners), P in {10, 100}, F in {1, 4}: 56 cases. Measured: geometric
 * mean of flow / cycle-accurate 1.002, from 0.398 (8x8 tornado, P 100,
 * F 4: round-robin arbitration and head-of-line blocking the flow model
 * does not see) to 1.49 (4x4 uniform, P 100, F 1). */
static void flow_model_against_cycle_accurate(pim_t *t)
{
    static const uint32_t one[] = {0};
    double log_sum = 0, worst = 1;
    int cases = 0;
    for (uint32_t k = 4; k <= 8; k += 4) {
        pim_noc_spec s = mesh_spec(PIM_TOPO_MESH, k, k);
        s.router = (pim_router_params){4, 0, 2, 8, 2};
        pim_noc n;
        if (!build(t, &s, &n))
            return;
        uint32_t corners[4] = {0, k - 1, k * k - k, k * k - 1};
        for (int p = 0; p <= PIM_TRAFFIC_HOTSPOT + 1; p++)
            for (uint64_t P = 10; P <= 100; P *= 10)
                for (uint32_t F = 1; F <= 4; F *= 4) {
                    pim_noc_bench b = {.pattern = p > PIM_TRAFFIC_HOTSPOT ? PIM_TRAFFIC_HOTSPOT
                                                                          : (pim_traffic)p,
                                       .hotspots = p > PIM_TRAFFIC_HOTSPOT ? corners : one,
                                       .nhotspots = p > PIM_TRAFFIC_HOTSPOT ? 4 : 1,
                                       .packets = P,
                                       .flits = F,
                                       .flit_bytes = 16,
                                       .vcs = 2,
                                       .vc_flits = 8,
                                       .seed = 1};
                    noc_cycle_result c;
                    pim_noc_bench_result r;
                    pim_error err;
                    CHECK(t, noc_cycle_batch(&n, &b, &c));
                    CHECK(t, pim_noc_bench_run(&n, &b, &r, &err) == PIM_OK);
                    double ratio = r.completion_cycles / c.completion_cycles;
                    log_sum += log(ratio);
                    double off = ratio > 1 ? ratio : 1 / ratio;
                    worst = off > worst ? off : worst;
                    cases++;
                }
        pim_noc_free(&n);
    }
    double geomean = exp(log_sum / cases);
    CHECK_EQ_U64(t, cases, 56);
    CHECK(t, geomean > 0.8 && geomean < 1.25);
    if (worst > 2.52)
        fprintf(stderr, "    worst case off by %.3fx\n", worst);
    CHECK(t, worst <= 2.52);
}

static pim_status arch_text(const char *yaml, pim_arch *a, pim_error *err)
{
    memset(a, 0, sizeof *a);
    pim_status st = pim_arch_from_yaml(yaml, strlen(yaml), "chip.yaml", a, err);
    return st ? st : pim_arch_validate(a, err);
}

/* The architecture's noc section: parsed, checked against the chip's
 * tiles, and built into the network it describes. */
static void arch_noc_section(pim_t *t)
{
    pim_arch a;
    pim_error err;
    const char *mesh = "base: isaac\n"
                       "noc:\n"
                       "  topology: mesh\n"
                       "  k: 12\n"
                       "  m: 14\n"
                       "  memory_controllers: 0 11 156 167\n"
                       "  onchip: {bytes_per_cycle: 32, latency_cycles: 1, pj_per_bit: 0.1}\n"
                       "  router: {pipeline_cycles: 4, pj_per_bit: 0.5, vcs: 2, vc_flits: 8}\n";
    CHECK(t, arch_text(mesh, &a, &err) == PIM_OK);
    CHECK(t, pim_arch_has_noc(&a));
    pim_noc_spec spec;
    uint32_t *pairs, *mcs, nmcs;
    CHECK(t, pim_arch_noc_spec(&a, &spec, &pairs, &mcs, &nmcs, &err) == PIM_OK);
    CHECK_EQ_U64(t, nmcs, 4);
    CHECK(t, mcs && mcs[3] == 167 && spec.k == 12 && spec.m == 14);
    CHECK(t, spec.link[PIM_LINK_INTERPOSER].bytes_per_cycle == 32); /* like on-chip when absent */
    free(pairs);
    free(mcs);
    CHECK(t, pim_arch_load("isaac", &a, &err) == PIM_OK && !pim_arch_has_noc(&a));
    /* a network that does not match the chip names the user's line */
    CHECK(t, arch_text("base: isaac\nnoc:\n  topology: mesh\n  k: 12\n  m: 13\n"
                       "  onchip: {bytes_per_cycle: 32}\n",
                       &a, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "chip.yaml:4") && strstr(err.msg, "168 tiles"));
    CHECK(t, arch_text("base: gpp-sram\nnoc:\n  topology: custom\n  links: 0-1 1-2\n"
                       "  onchip: {bytes_per_cycle: 32}\n",
                       &a, &err) == PIM_EINPUT); /* 16 cores, 3 joined */
    CHECK(t, strstr(err.msg, "connect") != NULL);
    CHECK(t, arch_text("base: gpp-sram\nnoc:\n  topology: torus\n  k: 4\n  m: 4\n"
                       "  onchip: {bytes_per_cycle: 32}\n  memory_controllers: 3 99\n",
                       &a, &err) == PIM_EINPUT);
    CHECK(t, strstr(err.msg, "memory_controllers") != NULL);
    CHECK(t, arch_text("base: gpp-sram\nnoc:\n  topology: ring\n", &a, &err) == PIM_EINPUT);
}

static int is_permutation(const uint32_t *perm, uint32_t n)
{
    unsigned char seen[4096] = {0};
    for (uint32_t i = 0; i < n; i++) {
        if (perm[i] >= n || seen[perm[i]])
            return 0;
        seen[perm[i]] = 1;
    }
    return 1;
}

/* Curves are permutations; snake and hilbert keep consecutive logical
 * nodes one hop apart; on chiplets the curve finishes a chiplet before the
 * next; random replays from its seed. */
static void placement_curves(pim_t *t)
{
    pim_noc n;
    uint32_t perm[256], again[256], route[64];
    pim_error err;
    pim_noc_spec s = mesh_spec(PIM_TOPO_MESH, 8, 8);
    if (build(t, &s, &n)) {
        for (int p = 0; p <= PIM_PLACE_RANDOM; p++) {
            CHECK(t, pim_place(&n, (pim_placement)p, NULL, 7, perm, &err) == PIM_OK);
            CHECK(t, is_permutation(perm, 64));
            uint32_t far = 0;
            for (uint32_t i = 0; i + 1 < 64; i++) {
                uint32_t h = pim_noc_route(&n, perm[i], perm[i + 1], route);
                far = h > far ? h : far;
            }
            if (p == PIM_PLACE_SNAKE || p == PIM_PLACE_HILBERT)
                CHECK_EQ_U64(t, far, 1);
            if (p == PIM_PLACE_ROW_MAJOR)
                CHECK_EQ_U64(t, far, 8); /* the end of a row to the start of the next */
        }
        CHECK(t, pim_place(&n, PIM_PLACE_RANDOM, NULL, 7, again, &err) == PIM_OK);
        CHECK(t, memcmp(perm, again, 64 * sizeof *perm) == 0);
        pim_noc_free(&n);
    }
    s = mesh_spec(PIM_TOPO_CHIPLETS, 2, 2);
    s.cx = s.cy = 4;
    s.interposer = PIM_INTERPOSER_PETALS;
    if (build(t, &s, &n)) {
        CHECK(t, pim_place(&n, PIM_PLACE_HILBERT, NULL, 1, perm, &err) == PIM_OK);
        CHECK(t, is_permutation(perm, 64));
        for (uint32_t i = 0; i < 64; i++) /* four nodes of a chiplet, then the next */
            CHECK_EQ_U64(t, n.chiplet[perm[i]], n.chiplet[perm[i / 4 * 4]]);
        pim_noc_free(&n);
    }
    s = mesh_spec(PIM_TOPO_STACK3D, 4, 4);
    s.tiers = 3;
    if (build(t, &s, &n)) {
        CHECK(t, pim_place(&n, PIM_PLACE_HILBERT, NULL, 1, perm, &err) == PIM_OK);
        CHECK(t, is_permutation(perm, 48));
        uint32_t far = 0;
        for (uint32_t i = 0; i + 1 < 48; i++) {
            uint32_t h = pim_noc_route(&n, perm[i], perm[i + 1], route);
            far = h > far ? h : far;
        }
        CHECK_EQ_U64(t, far, 1); /* tiers meet where one ends and the next begins */
        pim_noc_free(&n);
    }
}

/* The optimized placement never costs more than a curve, on chains (a
 * pipeline of layers), on random traffic, and on few busy nodes. */
static void optimized_never_loses(pim_t *t)
{
    static const pim_topology tops[] = {PIM_TOPO_MESH, PIM_TOPO_TORUS, PIM_TOPO_CHIPLETS};
    uint64_t rng = 9;
    for (int k = 0; k < 3; k++) {
        pim_noc_spec s = mesh_spec(tops[k], tops[k] == PIM_TOPO_CHIPLETS ? 2 : 6,
                                   tops[k] == PIM_TOPO_CHIPLETS ? 2 : 6);
        s.cx = s.cy = 3;
        pim_noc n;
        if (!build(t, &s, &n))
            continue;
        uint32_t N = n.nodes, perm[64];
        for (int trial = 0; trial < 3; trial++) {
            pim_traffic_matrix m = {N - (uint32_t)trial * 5, calloc((size_t)N * N, sizeof(double))};
            for (uint32_t i = 0; i < m.nodes; i++)
                for (uint32_t j = 0; j < m.nodes; j++) {
                    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                    double chain = j == i + 1 ? 1000 : 0,
                           noise = trial == 1 ? (double)(rng >> 54) : 0;
                    m.bytes[(size_t)i * m.nodes + j] = chain + noise;
                }
            pim_error err;
            CHECK(t, pim_place(&n, PIM_PLACE_OPTIMIZED, &m, 1, perm, &err) == PIM_OK);
            CHECK(t, is_permutation(perm, N));
            double best = pim_place_cost(&n, &m, perm);
            for (int p = 0; p <= PIM_PLACE_RANDOM; p++) {
                uint32_t other[64];
                CHECK(t, pim_place(&n, (pim_placement)p, NULL, 3, other, &err) == PIM_OK);
                CHECK(t, best <= pim_place_cost(&n, &m, other) + 1e-9);
            }
            free(m.bytes);
        }
        pim_noc_free(&n);
    }
}

const pim_test_case noc_tests[] = {
    {"noc: placement curves: permutations, neighbours along snake and hilbert, chiplet by "
     "chiplet, tier by tier",
     placement_curves},
    {"noc: the optimized placement never costs more than a curve or random", optimized_never_loses},
    {"noc: the architecture's noc section: parsed, checked, built", arch_noc_section},
    {"noc: flow model vs cycle-accurate routers: 56 cases, geomean within 20%",
     flow_model_against_cycle_accurate},
    {"noc: meshes, tori and 3-D stacks, dimension-order routes", meshes_tori_and_stacks},
    {"noc: chiplets on mesh, petal and listed interposers; custom; disconnected refused",
     chiplets_and_custom},
    {"noc: flows: zero-load closed form, bytes in = out, no link over its width, energy",
     flows_obey_closed_forms},
    {"noc: flows share a resource of their own (a memory controller); caps bound a flow",
     flows_share_extra_resources_and_caps},
    {"noc: multicast trees cross the union of their routes once", multicast_trees},
    {"noc: synthetic traffic never beats the channel-load bound (4/k, 1/(k-1), hotspots)",
     traffic_respects_channel_bounds},
    {"noc: the noc command: JSON fields, bad options exit 2", noc_command},
    {NULL, NULL},
};
