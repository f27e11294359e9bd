/* Tests for src/map: tiling, partial tiles, packing, byte sums. */
#include "pimstream/map.h"
#include "test.h"

static pim_macro gpp_macro(void)
{
    pim_macro m = {.rows = 32,
                   .columns = 32,
                   .cell_bits = 8,
                   .weight_bits = 8,
                   .compute_cycles_per_vector = 32,
                   .write_bytes_per_cycle_max = 16,
                   .result_vectors_max = 56};
    return m;
}

static pim_layer conv_layer(uint32_t c, uint32_t k, uint32_t r, uint32_t groups)
{
    pim_layer l = {.kind = PIM_OP_CONV,
                   .in_c = c,
                   .in_h = 14,
                   .in_w = 14,
                   .out_c = k,
                   .kh = r,
                   .kw = r,
                   .stride_h = 1,
                   .stride_w = 1,
                   .pad_h = r / 2,
                   .pad_w = r / 2,
                   .dil_h = 1,
                   .dil_w = 1,
                   .groups = groups};
    pim_error err;
    pim_conv_finish(&l, &err);
    return l;
}

static uint64_t brute_bytes(const pim_tiling *t)
{
    uint64_t sum = 0;
    for (uint64_t i = 0; i < t->tiles; i++)
        sum += pim_tile_bytes(t, i);
    return sum;
}

static void tiles_a_512_square(pim_t *t)
{
    pim_macro m = gpp_macro();
    pim_layer l = {.kind = PIM_OP_GEMM, .m = 1, .k = 512, .n = 512};
    pim_tiling tl;
    pim_map_layer(&l, &m, &tl);
    CHECK_EQ_U64(t, tl.tiles, 256);
    CHECK_EQ_U64(t, pim_tile_bytes(&tl, 0), 1024);
    CHECK_EQ_U64(t, pim_tiling_bytes(&tl), 512 * 512);
}

static void partial_tiles_count_real_bytes(pim_t *t)
{
    pim_macro m = gpp_macro();
    pim_layer l = conv_layer(3, 64, 7, 1); /* 147 x 64 */
    pim_tiling tl;
    pim_map_layer(&l, &m, &tl);
    CHECK_EQ_U64(t, tl.row_tiles, 5);
    CHECK_EQ_U64(t, tl.col_tiles, 2);
    CHECK_EQ_U64(t, pim_tiling_bytes(&tl), 147 * 64);
    CHECK_EQ_U64(t, brute_bytes(&tl), 147 * 64);
    pim_tile_extent_t e;
    pim_tile_extent(&tl, 8, &e); /* last row tile: 147 - 128 = 19 rows */
    CHECK_EQ_U64(t, e.rows, 19);
    CHECK_EQ_U64(t, e.cols, 32);
}

static void depthwise_groups_pack_on_the_diagonal(pim_t *t)
{
    pim_macro m = gpp_macro();
    pim_layer l = conv_layer(96, 96, 3, 96); /* 96 groups of 9 x 1 */
    pim_tiling tl;
    pim_map_layer(&l, &m, &tl);
    CHECK_EQ_U64(t, tl.groups_per_tile, 3); /* floor(32 / 9) rows of groups */
    CHECK_EQ_U64(t, tl.tiles, 32);
    CHECK_EQ_U64(t, pim_tiling_bytes(&tl), 96 * 9);
    CHECK_EQ_U64(t, brute_bytes(&tl), 96 * 9);
}

static void bit_slicing_widens_weights(pim_t *t)
{
    pim_macro m = gpp_macro();
    m.cell_bits = 2;
    m.weight_bits = 16; /* 8 cells per weight: 4 weights per 32-column row */
    pim_layer l = {.kind = PIM_OP_GEMM, .m = 1, .k = 64, .n = 16};
    pim_tiling tl;
    pim_map_layer(&l, &m, &tl);
    CHECK_EQ_U64(t, tl.slices, 8);
    CHECK_EQ_U64(t, tl.tile_cols, 4);
    CHECK_EQ_U64(t, tl.tiles, 2 * 4);
    CHECK_EQ_U64(t, pim_tiling_bytes(&tl), 64 * 16 * 2);
}

/* A tile's run of alike tiles, brute force: every tile after it, up to
 * the first whose extent differs. */
static uint64_t brute_run(const pim_tiling *tl, uint64_t tile)
{
    pim_tile_extent_t a, b;
    pim_tile_extent(tl, tile, &a);
    uint64_t n = 1;
    for (; tile + n < tl->tiles; n++) {
        pim_tile_extent(tl, tile + n, &b);
        if (a.groups != b.groups || a.rows != b.rows || a.cols != b.cols)
            break;
    }
    return n;
}

/* The closed-form byte sum and runs of alike tiles must equal the
 * tile-by-tile ones for any shape. */
static void closed_forms_equal_brute_force(pim_t *t)
{
    pim_macro m = gpp_macro();
    uint64_t seed = 12345;
    for (int i = 0; i < 400; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        uint32_t g = 1 + (uint32_t)(seed >> 60);
        uint32_t c = g * (1 + (uint32_t)((seed >> 40) % 80));
        uint32_t k = g * (1 + (uint32_t)((seed >> 20) % 80));
        uint32_t r = 1 + (uint32_t)((seed >> 10) % 4);
        m.cell_bits = (seed >> 8) & 1 ? 4 : 8;
        m.weight_bits = (seed >> 9) & 1 ? 8 : 4;
        pim_layer l = conv_layer(c, k, r, g);
        pim_tiling tl;
        pim_map_layer(&l, &m, &tl);
        CHECK_EQ_U64(t, pim_tiling_bytes(&tl), brute_bytes(&tl));
        for (uint64_t tile = 0; tile < tl.tiles; tile++)
            CHECK_EQ_U64(t, pim_tile_run(&tl, tile), brute_run(&tl, tile));
    }
}

static void non_stationary_layers_have_no_tiles(pim_t *t)
{
    pim_macro m = gpp_macro();
    pim_layer l = {.kind = PIM_OP_DYN_MATMUL, .heads = 2, .m = 4, .k = 4, .n = 4};
    pim_tiling tl;
    pim_map_layer(&l, &m, &tl);
    CHECK_EQ_U64(t, tl.tiles, 0);
    CHECK_EQ_U64(t, pim_tiling_bytes(&tl), 0);
}

const pim_test_case map_tests[] = {
    {"map: 512x512 int8 is 256 full tiles", tiles_a_512_square},
    {"map: partial tiles count real bytes", partial_tiles_count_real_bytes},
    {"map: depthwise groups pack on the diagonal", depthwise_groups_pack_on_the_diagonal},
    {"map: bit slicing widens weights", bit_slicing_widens_weights},
    {"map: closed-form bytes and runs of alike tiles equal brute force",
     closed_forms_equal_brute_force},
    {"map: dynamic matmuls have no tiles", non_stationary_layers_have_no_tiles},
    {NULL, NULL},
};
