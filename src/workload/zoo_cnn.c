/* pimstream workload: the zoo's CNNs, as torchvision builds them.
 *
 * Shapes, parameters and MACs are checked against PyTorch-measured facts
 * (tests/data/models) and torchvision's published sizes in
 * tests/test_workload.c. Batch norm, ReLU, pooling, concatenation and
 * residual additions are vector ops; dropout does nothing at inference. */
#include "zoo_internal.h"

#include <stdio.h>

/* A ResNet block's end: the shortcut (projected by a strided 1x1 conv when
 * the shape changes) added to the block's output y, then ReLU. */
static tensor residual(builder *b, const char *id, tensor x, tensor y, uint32_t stride)
{
    char n[64];
    tensor skip = x;
    if (stride != 1 || x.c != y.c) {
        snprintf(n, sizeof n, "%s.downsample", id);
        skip = zoo_conv(b, n, x, y.c, 1, stride, 0, 1);
        snprintf(n, sizeof n, "%s.downsample_bn", id);
        skip = zoo_vec(b, n, "batchnorm", skip);
    }
    snprintf(n, sizeof n, "%s.add_relu", id);
    return zoo_vec2(b, n, "add_relu", y, skip);
}

static tensor basic_block(builder *b, const char *id, tensor x, uint32_t out_c, uint32_t stride)
{
    char n[64];
    snprintf(n, sizeof n, "%s.conv1", id);
    tensor y = zoo_conv(b, n, x, out_c, 3, stride, 1, 1);
    snprintf(n, sizeof n, "%s.bn1_relu", id);
    y = zoo_vec(b, n, "bn_relu", y);
    snprintf(n, sizeof n, "%s.conv2", id);
    y = zoo_conv(b, n, y, out_c, 3, 1, 1, 1);
    snprintf(n, sizeof n, "%s.bn2", id);
    y = zoo_vec(b, n, "batchnorm", y);
    return residual(b, id, x, y, stride);
}

/* A bottleneck: 1x1 reduce, 3x3 (carrying the stride, as torchvision's
 * ResNet v1.5 does), 1x1 expand x4, and a projection when the shape changes. */
static tensor bottleneck(builder *b, const char *id, tensor x, uint32_t width, uint32_t stride)
{
    char n[64];
    uint32_t out_c = width * 4;
    snprintf(n, sizeof n, "%s.conv1", id);
    tensor y = zoo_conv(b, n, x, width, 1, 1, 0, 1);
    snprintf(n, sizeof n, "%s.bn1_relu", id);
    y = zoo_vec(b, n, "bn_relu", y);
    snprintf(n, sizeof n, "%s.conv2", id);
    y = zoo_conv(b, n, y, width, 3, stride, 1, 1);
    snprintf(n, sizeof n, "%s.bn2_relu", id);
    y = zoo_vec(b, n, "bn_relu", y);
    snprintf(n, sizeof n, "%s.conv3", id);
    y = zoo_conv(b, n, y, out_c, 1, 1, 0, 1);
    snprintf(n, sizeof n, "%s.bn3", id);
    y = zoo_vec(b, n, "batchnorm", y);
    return residual(b, id, x, y, stride);
}

typedef tensor (*resnet_block)(builder *, const char *, tensor, uint32_t, uint32_t);

/* ResNet as torchvision builds it (He et al., CVPR 2016): a 7x7 stem, four
 * stages of blocks (basic: ResNet-18 with 2 each; bottleneck, v1.5:
 * ResNet-50 with 3, 4, 6, 3 and ResNet-101 with 3, 4, 23, 3), the first
 * block of stages 2-4 strided, then average pool and fc. */
static void resnet(builder *b, resnet_block block, const uint32_t blocks[4])
{
    tensor x = zoo_conv(b, "conv1", zoo_image(), 64, 7, 2, 3, 1);
    x = zoo_vec(b, "bn1_relu", "bn_relu", x);
    x = zoo_pool(b, "maxpool", "maxpool", x, 3, 2, 1);
    static const uint32_t widths[4] = {64, 128, 256, 512};
    char id[32];
    for (int s = 0; s < 4; s++)
        for (uint32_t blk = 0; blk < blocks[s]; blk++) {
            snprintf(id, sizeof id, "layer%d.%u", s + 1, blk);
            x = block(b, id, x, widths[s], (s > 0 && blk == 0) ? 2 : 1);
        }
    x = zoo_pool(b, "avgpool", "avgpool", x, x.h, 1, 0);
    zoo_gemm(b, "fc", x, 1, x.c, 1000);
}

void zoo_build_resnet18(builder *b, const pim_zoo_opts *o)
{
    static const uint32_t blocks[4] = {2, 2, 2, 2};
    (void)o;
    resnet(b, basic_block, blocks);
}

void zoo_build_resnet50(builder *b, const pim_zoo_opts *o)
{
    static const uint32_t blocks[4] = {3, 4, 6, 3};
    (void)o;
    resnet(b, bottleneck, blocks);
}

void zoo_build_resnet101(builder *b, const pim_zoo_opts *o)
{
    static const uint32_t blocks[4] = {3, 4, 23, 3};
    (void)o;
    resnet(b, bottleneck, blocks);
}

/* torchvision's _DenseLayer: BN-ReLU-conv1x1 (bn_size x growth) on the
 * concatenation of everything before it, then BN-ReLU-conv3x3 (growth). */
static tensor dense_layer(builder *b, const char *id, const tensor *feats, uint32_t n)
{
    char name[128]; /* the longest, 45 bytes, fits a layer's name */
    snprintf(name, sizeof name, "%s.concat", id);
    tensor x = n > 1 ? zoo_concat(b, name, feats, n) : feats[0];
    snprintf(name, sizeof name, "%s.norm1_relu1", id);
    x = zoo_vec(b, name, "bn_relu", x);
    snprintf(name, sizeof name, "%s.conv1", id);
    x = zoo_conv(b, name, x, 4 * 32, 1, 1, 0, 1);
    snprintf(name, sizeof name, "%s.norm2_relu2", id);
    x = zoo_vec(b, name, "bn_relu", x);
    snprintf(name, sizeof name, "%s.conv2", id);
    return zoo_conv(b, name, x, 32, 3, 1, 1, 1);
}

/* DenseNet-121 (Huang et al., CVPR 2017) as torchvision builds it: growth
 * rate 32, blocks of 6, 12, 24 and 16 layers, bottleneck width 4 x 32,
 * transitions halving channels and sides; 7,978,856 parameters. */
void zoo_build_densenet121(builder *b, const pim_zoo_opts *o)
{
    (void)o;
    static const uint32_t layers[4] = {6, 12, 24, 16};
    tensor x = zoo_conv(b, "features.conv0", zoo_image(), 64, 7, 2, 3, 1);
    x = zoo_vec(b, "features.norm0_relu0", "bn_relu", x);
    x = zoo_pool(b, "features.pool0", "maxpool", x, 3, 2, 1);
    char id[64];
    for (int blk = 0; blk < 4; blk++) {
        tensor feats[MAX_INPUTS];
        uint32_t n = 0;
        feats[n++] = x;
        for (uint32_t i = 0; i < layers[blk]; i++) {
            snprintf(id, sizeof id, "features.denseblock%d.denselayer%u", blk + 1, i + 1);
            feats[n] = dense_layer(b, id, feats, n);
            n++;
        }
        snprintf(id, sizeof id, "features.denseblock%d.concat", blk + 1);
        x = zoo_concat(b, id, feats, n);
        if (blk == 3)
            break;
        snprintf(id, sizeof id, "features.transition%d.norm_relu", blk + 1);
        x = zoo_vec(b, id, "bn_relu", x);
        snprintf(id, sizeof id, "features.transition%d.conv", blk + 1);
        x = zoo_conv(b, id, x, x.c / 2, 1, 1, 0, 1);
        snprintf(id, sizeof id, "features.transition%d.pool", blk + 1);
        x = zoo_pool(b, id, "avgpool", x, 2, 2, 0);
    }
    x = zoo_vec(b, "features.norm5_relu", "bn_relu", x);
    x = zoo_pool(b, "avgpool", "avgpool", x, x.h, 1, 0);
    zoo_gemm(b, "classifier", x, 1, x.c, 1000);
}

/* VGG (Simonyan and Zisserman, ICLR 2015) as torchvision builds it: 3x3
 * convs with ReLU, 0 in cfg a 2x2 max pool, then three FCs with ReLU
 * (torchvision's 7x7 adaptive pool is the identity at 224 x 224). */
static void vgg(builder *b, const int *cfg, size_t n)
{
    tensor x = zoo_image();
    char name[32];
    int ci = 0, pi = 0;
    for (size_t i = 0; i < n; i++) {
        if (cfg[i] == 0) {
            snprintf(name, sizeof name, "pool%d", ++pi);
            x = zoo_pool(b, name, "maxpool", x, 2, 2, 0);
            continue;
        }
        snprintf(name, sizeof name, "conv%d", ++ci);
        x = zoo_conv(b, name, x, (uint32_t)cfg[i], 3, 1, 1, 1);
        snprintf(name, sizeof name, "relu%d", ci);
        x = zoo_vec(b, name, "relu", x);
    }
    x = zoo_gemm(b, "fc1", x, 1, 512 * 7 * 7, 4096);
    x = zoo_vec(b, "fc1_relu", "relu", x);
    x = zoo_gemm(b, "fc2", x, 1, 4096, 4096);
    x = zoo_vec(b, "fc2_relu", "relu", x);
    zoo_gemm(b, "fc3", x, 1, 4096, 1000);
}

void zoo_build_vgg16(builder *b, const pim_zoo_opts *o)
{
    static const int cfg[] = {64, 64,  0,   128, 128, 0,   256, 256, 256,
                              0,  512, 512, 512, 0,   512, 512, 512, 0};
    (void)o;
    vgg(b, cfg, sizeof cfg / sizeof cfg[0]);
}

void zoo_build_vgg19(builder *b, const pim_zoo_opts *o)
{
    static const int cfg[] = {64,  64,  0,   128, 128, 0,   256, 256, 256, 256, 0,
                              512, 512, 512, 512, 0,   512, 512, 512, 512, 0};
    (void)o;
    vgg(b, cfg, sizeof cfg / sizeof cfg[0]);
}

void zoo_build_mobilenet_v2(builder *b, const pim_zoo_opts *o)
{
    (void)o;
    /* torchvision inverted-residual settings: expansion t, channels c,
     * repeats n, first stride s (Sandler et al., CVPR 2018, Table 2). */
    static const uint32_t cfg[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                       {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    tensor x = zoo_conv(b, "features.0", zoo_image(), 32, 3, 2, 1, 1);
    x = zoo_vec(b, "features.0.bn_relu6", "bn_relu6", x);
    char n[64];
    int idx = 1;
    for (int s = 0; s < 7; s++)
        for (uint32_t r = 0; r < cfg[s][2]; r++, idx++) {
            uint32_t stride = r == 0 ? cfg[s][3] : 1, hidden = x.c * cfg[s][0];
            tensor y = x;
            if (cfg[s][0] != 1) {
                snprintf(n, sizeof n, "features.%d.expand", idx);
                y = zoo_conv(b, n, y, hidden, 1, 1, 0, 1);
                snprintf(n, sizeof n, "features.%d.expand_bn_relu6", idx);
                y = zoo_vec(b, n, "bn_relu6", y);
            }
            snprintf(n, sizeof n, "features.%d.dw", idx);
            y = zoo_conv(b, n, y, hidden, 3, stride, 1, hidden);
            snprintf(n, sizeof n, "features.%d.dw_bn_relu6", idx);
            y = zoo_vec(b, n, "bn_relu6", y);
            snprintf(n, sizeof n, "features.%d.project", idx);
            y = zoo_conv(b, n, y, cfg[s][1], 1, 1, 0, 1);
            snprintf(n, sizeof n, "features.%d.project_bn", idx);
            y = zoo_vec(b, n, "batchnorm", y);
            if (stride == 1 && x.c == cfg[s][1]) {
                snprintf(n, sizeof n, "features.%d.add", idx);
                y = zoo_vec2(b, n, "add", y, x);
            }
            x = y;
        }
    x = zoo_conv(b, "features.18", x, 1280, 1, 1, 0, 1);
    x = zoo_vec(b, "features.18.bn_relu6", "bn_relu6", x);
    x = zoo_pool(b, "avgpool", "avgpool", x, x.h, 1, 0);
    zoo_gemm(b, "classifier", x, 1, 1280, 1000);
}

/* AlexNet as torchvision builds it (Krizhevsky, "One weird trick", 2014:
 * 64, 192, 384, 256, 256 channels), its 6x6 adaptive pool the identity at
 * 224 x 224; 61,100,840 parameters. Dropout does nothing at inference. */
void zoo_build_alexnet(builder *b, const pim_zoo_opts *o)
{
    static const struct {
        const char *conv, *relu, *pool;
        uint32_t out_c, k, stride, pad;
    } convs[] = {{"features.0", "features.1", "features.2", 64, 11, 4, 2},
                 {"features.3", "features.4", "features.5", 192, 5, 1, 2},
                 {"features.6", "features.7", NULL, 384, 3, 1, 1},
                 {"features.8", "features.9", NULL, 256, 3, 1, 1},
                 {"features.10", "features.11", "features.12", 256, 3, 1, 1}};
    (void)o;
    tensor x = zoo_image();
    for (size_t i = 0; i < sizeof convs / sizeof convs[0]; i++) {
        x = zoo_conv(b, convs[i].conv, x, convs[i].out_c, convs[i].k, convs[i].stride, convs[i].pad,
                     1);
        x = zoo_vec(b, convs[i].relu, "relu", x);
        if (convs[i].pool)
            x = zoo_pool(b, convs[i].pool, "maxpool", x, 3, 2, 0);
    }
    x = zoo_vec(b, "avgpool", "avgpool", x);
    x = zoo_gemm(b, "classifier.1", x, 1, 256 * 6 * 6, 4096);
    x = zoo_vec(b, "classifier.2", "relu", x);
    x = zoo_gemm(b, "classifier.4", x, 1, 4096, 4096);
    x = zoo_vec(b, "classifier.5", "relu", x);
    zoo_gemm(b, "classifier.6", x, 1, 4096, 1000);
}

/* torchvision's BasicConv2d: a conv without bias, batch norm, ReLU. */
static tensor basic_conv(builder *b, const char *name, tensor x, uint32_t out_c, uint32_t kh,
                         uint32_t kw, uint32_t stride, uint32_t pad_h, uint32_t pad_w)
{
    char n[80]; /* the longest, 35 bytes, fits a layer's name */
    x = zoo_conv_hw(b, name, x, out_c, kh, kw, stride, pad_h, pad_w, 1);
    snprintf(n, sizeof n, "%s.bn_relu", name);
    return zoo_vec(b, n, "bn_relu", x);
}

/* A square BasicConv2d named id.part. */
static tensor basic_sq(builder *b, const char *id, const char *part, tensor x, uint32_t out_c,
                       uint32_t k, uint32_t stride, uint32_t pad)
{
    char n[64];
    snprintf(n, sizeof n, "%s.%s", id, part);
    return basic_conv(b, n, x, out_c, k, k, stride, pad, pad);
}

/* The module's branches joined along channels (id.concat). */
static tensor join(builder *b, const char *id, const tensor *out, uint32_t n)
{
    char name[64];
    snprintf(name, sizeof name, "%s.concat", id);
    return zoo_concat(b, name, out, n);
}

/* GoogLeNet's inception module as torchvision builds it: 1x1; 1x1 then
 * 3x3; 1x1 then 3x3 (torchvision's "5x5" branch is a 3x3, kept for its
 * weights); a 3x3 max pool (stride 1, ceil mode) then 1x1; concatenated.
 * c: 1x1, 3x3 reduce, 3x3, "5x5" reduce, "5x5", pool projection. */
static tensor inception_v1(builder *b, const char *id, tensor x, const uint32_t c[6])
{
    char n[64];
    tensor out[4];
    out[0] = basic_sq(b, id, "branch1", x, c[0], 1, 1, 0);
    out[1] = basic_sq(b, id, "branch2.0", x, c[1], 1, 1, 0);
    out[1] = basic_sq(b, id, "branch2.1", out[1], c[2], 3, 1, 1);
    out[2] = basic_sq(b, id, "branch3.0", x, c[3], 1, 1, 0);
    out[2] = basic_sq(b, id, "branch3.1", out[2], c[4], 3, 1, 1);
    snprintf(n, sizeof n, "%s.branch4.0", id);
    out[3] = zoo_pool_mode(b, n, "maxpool", x, 3, 1, 1, 1);
    out[3] = basic_sq(b, id, "branch4.1", out[3], c[5], 1, 1, 0);
    return join(b, id, out, 4);
}

/* GoogLeNet (Szegedy et al., CVPR 2015) as torchvision builds it, without
 * the auxiliary classifiers (training only); 6,624,904 parameters. */
void zoo_build_googlenet(builder *b, const pim_zoo_opts *o)
{
    static const struct {
        const char *name;
        uint32_t c[6];
        uint32_t pool_after; /* 0, or the max pool's kernel (stride 2) */
    } mods[] = {{"inception3a", {64, 96, 128, 16, 32, 32}, 0},
                {"inception3b", {128, 128, 192, 32, 96, 64}, 3},
                {"inception4a", {192, 96, 208, 16, 48, 64}, 0},
                {"inception4b", {160, 112, 224, 24, 64, 64}, 0},
                {"inception4c", {128, 128, 256, 24, 64, 64}, 0},
                {"inception4d", {112, 144, 288, 32, 64, 64}, 0},
                {"inception4e", {256, 160, 320, 32, 128, 128}, 2},
                {"inception5a", {256, 160, 320, 32, 128, 128}, 0},
                {"inception5b", {384, 192, 384, 48, 128, 128}, 0}};
    (void)o;
    tensor x = basic_conv(b, "conv1", zoo_image(), 64, 7, 7, 2, 3, 3);
    x = zoo_pool_mode(b, "maxpool1", "maxpool", x, 3, 2, 0, 1);
    x = basic_conv(b, "conv2", x, 64, 1, 1, 1, 0, 0);
    x = basic_conv(b, "conv3", x, 192, 3, 3, 1, 1, 1);
    x = zoo_pool_mode(b, "maxpool2", "maxpool", x, 3, 2, 0, 1);
    int pools = 2;
    char n[32];
    for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++) {
        x = inception_v1(b, mods[i].name, x, mods[i].c);
        if (mods[i].pool_after) {
            snprintf(n, sizeof n, "maxpool%d", ++pools);
            x = zoo_pool_mode(b, n, "maxpool", x, mods[i].pool_after, 2, 0, 1);
        }
    }
    x = zoo_pool(b, "avgpool", "avgpool", x, x.h, 1, 0);
    zoo_gemm(b, "fc", x, 1, 1024, 1000);
}

/* Inception v3's modules (Szegedy et al., CVPR 2016) as torchvision's
 * InceptionA to E build them; the average pools are 3x3, stride 1, pad 1. */
static tensor avg_branch(builder *b, const char *id, tensor x, uint32_t out_c)
{
    char n[64];
    snprintf(n, sizeof n, "%s.avg_pool", id);
    x = zoo_pool(b, n, "avgpool", x, 3, 1, 1);
    return basic_sq(b, id, "branch_pool", x, out_c, 1, 1, 0);
}

/* B and D end on a 3x3 max pool of stride 2 beside their branches. */
static tensor join_with_max_pool(builder *b, const char *id, tensor x, tensor *out, uint32_t n)
{
    char name[64];
    snprintf(name, sizeof name, "%s.max_pool", id);
    out[n] = zoo_pool(b, name, "maxpool", x, 3, 2, 0);
    return join(b, id, out, n + 1);
}

/* A and B's double 3x3 branch: 1x1 to 64, 3x3 to 96, 3x3 to 96 (the last
 * strided in B). */
static tensor double_3x3(builder *b, const char *id, tensor x, uint32_t stride)
{
    x = basic_sq(b, id, "branch3x3dbl_1", x, 64, 1, 1, 0);
    x = basic_sq(b, id, "branch3x3dbl_2", x, 96, 3, 1, 1);
    return basic_sq(b, id, "branch3x3dbl_3", x, 96, 3, stride, stride == 1 ? 1 : 0);
}

static tensor inception_a(builder *b, const char *id, tensor x, uint32_t pool_features)
{
    tensor out[4];
    out[0] = basic_sq(b, id, "branch1x1", x, 64, 1, 1, 0);
    out[1] = basic_sq(b, id, "branch5x5_1", x, 48, 1, 1, 0);
    out[1] = basic_sq(b, id, "branch5x5_2", out[1], 64, 5, 1, 2);
    out[2] = double_3x3(b, id, x, 1);
    out[3] = avg_branch(b, id, x, pool_features);
    return join(b, id, out, 4);
}

static tensor inception_b(builder *b, const char *id, tensor x)
{
    tensor out[3];
    out[0] = basic_sq(b, id, "branch3x3", x, 384, 3, 2, 0);
    out[1] = double_3x3(b, id, x, 2);
    return join_with_max_pool(b, id, x, out, 2);
}

/* A 1x7 (wide) or 7x1 (tall) BasicConv2d keeping the side. */
static tensor seven(builder *b, const char *id, const char *part, tensor x, uint32_t out_c,
                    int wide)
{
    char n[64];
    snprintf(n, sizeof n, "%s.%s", id, part);
    return wide ? basic_conv(b, n, x, out_c, 1, 7, 1, 0, 3)
                : basic_conv(b, n, x, out_c, 7, 1, 1, 3, 0);
}

static tensor inception_c(builder *b, const char *id, tensor x, uint32_t c7)
{
    tensor out[4];
    out[0] = basic_sq(b, id, "branch1x1", x, 192, 1, 1, 0);
    out[1] = basic_sq(b, id, "branch7x7_1", x, c7, 1, 1, 0);
    out[1] = seven(b, id, "branch7x7_2", out[1], c7, 1);
    out[1] = seven(b, id, "branch7x7_3", out[1], 192, 0);
    out[2] = basic_sq(b, id, "branch7x7dbl_1", x, c7, 1, 1, 0);
    out[2] = seven(b, id, "branch7x7dbl_2", out[2], c7, 0);
    out[2] = seven(b, id, "branch7x7dbl_3", out[2], c7, 1);
    out[2] = seven(b, id, "branch7x7dbl_4", out[2], c7, 0);
    out[2] = seven(b, id, "branch7x7dbl_5", out[2], 192, 1);
    out[3] = avg_branch(b, id, x, 192);
    return join(b, id, out, 4);
}

static tensor inception_d(builder *b, const char *id, tensor x)
{
    tensor out[3];
    out[0] = basic_sq(b, id, "branch3x3_1", x, 192, 1, 1, 0);
    out[0] = basic_sq(b, id, "branch3x3_2", out[0], 320, 3, 2, 0);
    out[1] = basic_sq(b, id, "branch7x7x3_1", x, 192, 1, 1, 0);
    out[1] = seven(b, id, "branch7x7x3_2", out[1], 192, 1);
    out[1] = seven(b, id, "branch7x7x3_3", out[1], 192, 0);
    out[1] = basic_sq(b, id, "branch7x7x3_4", out[1], 192, 3, 2, 0);
    return join_with_max_pool(b, id, x, out, 2);
}

/* A 1x3 and a 3x1 BasicConv2d on the same input, into out[0] and out[1]. */
static void split3(builder *b, const char *id, const char *a, const char *c, tensor x, tensor *out)
{
    char n[64];
    snprintf(n, sizeof n, "%s.%s", id, a);
    out[0] = basic_conv(b, n, x, 384, 1, 3, 1, 0, 1);
    snprintf(n, sizeof n, "%s.%s", id, c);
    out[1] = basic_conv(b, n, x, 384, 3, 1, 1, 1, 0);
}

static tensor inception_e(builder *b, const char *id, tensor x)
{
    tensor out[6];
    out[0] = basic_sq(b, id, "branch1x1", x, 320, 1, 1, 0);
    tensor t = basic_sq(b, id, "branch3x3_1", x, 384, 1, 1, 0);
    split3(b, id, "branch3x3_2a", "branch3x3_2b", t, out + 1);
    t = basic_sq(b, id, "branch3x3dbl_1", x, 448, 1, 1, 0);
    t = basic_sq(b, id, "branch3x3dbl_2", t, 384, 3, 1, 1);
    split3(b, id, "branch3x3dbl_3a", "branch3x3dbl_3b", t, out + 3);
    out[5] = avg_branch(b, id, x, 192);
    return join(b, id, out, 6);
}

/* Inception v3 as torchvision builds it, on its 299 x 299 input, without
 * the auxiliary classifier (training only; torchvision's 27,161,264
 * parameters count it, 23,834,568 without). */
void zoo_build_inception_v3(builder *b, const pim_zoo_opts *o)
{
    (void)o;
    tensor x = {NO_LAYER, 3, 299, 299};
    x = basic_conv(b, "Conv2d_1a_3x3", x, 32, 3, 3, 2, 0, 0);
    x = basic_conv(b, "Conv2d_2a_3x3", x, 32, 3, 3, 1, 0, 0);
    x = basic_conv(b, "Conv2d_2b_3x3", x, 64, 3, 3, 1, 1, 1);
    x = zoo_pool(b, "maxpool1", "maxpool", x, 3, 2, 0);
    x = basic_conv(b, "Conv2d_3b_1x1", x, 80, 1, 1, 1, 0, 0);
    x = basic_conv(b, "Conv2d_4a_3x3", x, 192, 3, 3, 1, 0, 0);
    x = zoo_pool(b, "maxpool2", "maxpool", x, 3, 2, 0);
    x = inception_a(b, "Mixed_5b", x, 32);
    x = inception_a(b, "Mixed_5c", x, 64);
    x = inception_a(b, "Mixed_5d", x, 64);
    x = inception_b(b, "Mixed_6a", x);
    x = inception_c(b, "Mixed_6b", x, 128);
    x = inception_c(b, "Mixed_6c", x, 160);
    x = inception_c(b, "Mixed_6d", x, 160);
    x = inception_c(b, "Mixed_6e", x, 192);
    x = inception_d(b, "Mixed_7a", x);
    x = inception_e(b, "Mixed_7b", x);
    x = inception_e(b, "Mixed_7c", x);
    x = zoo_pool(b, "avgpool", "avgpool", x, x.h, 1, 0);
    zoo_gemm(b, "fc", x, 1, 2048, 1000);
}
