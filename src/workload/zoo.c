/* pimstream workload: built-in models.
 *
 * The CNN shapes follow torchvision's definitions and are checked layer by
 * layer against PyTorch-measured facts in tests/test_workload.c. The
 * transformer shapes follow the published configurations (cited per model). */
#include "pimstream/workload.h"

#include <stdio.h>
#include <string.h>

#define NO_LAYER UINT32_MAX

/* A tensor flowing between layers: its producer and its C x H x W shape
 * (transformers use C = hidden size, H = tokens, W = 1). */
typedef struct {
    uint32_t layer;
    uint32_t c, h, w;
} tensor;

/* Builder with a sticky error, so model definitions read as plain lists. */
typedef struct {
    pim_model *m;
    pim_error *err;
    pim_status st;
} builder;

#define MAX_INPUTS 64 /* a dense block's concatenation reads every earlier layer */

static tensor add_layer(builder *b, pim_layer *l, const tensor *ins, uint32_t nin, tensor out)
{
    if (b->st)
        return out;
    uint32_t preds[MAX_INPUTS], n = 0;
    for (uint32_t i = 0; i < nin && i < MAX_INPUTS; i++)
        if (ins[i].layer != NO_LAYER)
            preds[n++] = ins[i].layer;
    b->st = pim_model_add(b->m, l, preds, n, b->err);
    out.layer = b->m->count - 1;
    return out;
}

static tensor conv(builder *b, const char *name, tensor in, uint32_t out_c, uint32_t k,
                   uint32_t stride, uint32_t pad, uint32_t groups)
{
    pim_layer l = {.kind = PIM_OP_CONV,
                   .in_c = in.c,
                   .in_h = in.h,
                   .in_w = in.w,
                   .out_c = out_c,
                   .kh = k,
                   .kw = k,
                   .stride_h = stride,
                   .stride_w = stride,
                   .pad_h = pad,
                   .pad_w = pad,
                   .dil_h = 1,
                   .dil_w = 1,
                   .groups = groups};
    pim_strlcpy(l.name, name, sizeof l.name);
    if (!b->st)
        b->st = pim_conv_finish(&l, b->err);
    tensor out = {0, out_c, l.out_h, l.out_w};
    return add_layer(b, &l, &in, 1, out);
}

/* A vector op over x (and y) writing `out`. */
static tensor vec_to(builder *b, const char *name, const char *op, tensor x, tensor y, tensor out)
{
    pim_layer l = {.kind = PIM_OP_VECTOR,
                   .vec_elems = (uint64_t)x.c * x.h * x.w,
                   .vec_out = (uint64_t)out.c * out.h * out.w};
    pim_strlcpy(l.name, name, sizeof l.name);
    pim_strlcpy(l.vop, op, sizeof l.vop);
    tensor ins[2] = {x, y};
    return add_layer(b, &l, ins, y.layer == NO_LAYER ? 1 : 2, out);
}

static tensor vec2(builder *b, const char *name, const char *op, tensor x, tensor y)
{
    return vec_to(b, name, op, x, y, x);
}

static tensor vec(builder *b, const char *name, const char *op, tensor x)
{
    tensor none = {NO_LAYER, 0, 0, 0};
    return vec2(b, name, op, x, none);
}

/* Pooling: a vector op whose output shape shrinks like a conv's would. */
static tensor pool(builder *b, const char *name, const char *op, tensor x, uint32_t k,
                   uint32_t stride, uint32_t pad)
{
    tensor none = {NO_LAYER, 0, 0, 0}, out = x;
    out.h = (x.h + 2 * pad - k) / stride + 1;
    out.w = (x.w + 2 * pad - k) / stride + 1;
    return vec_to(b, name, op, x, none, out);
}

static tensor gemm(builder *b, const char *name, tensor in, uint64_t m, uint64_t k, uint64_t n)
{
    pim_layer l = {.kind = PIM_OP_GEMM, .m = m, .k = k, .n = n};
    pim_strlcpy(l.name, name, sizeof l.name);
    tensor out = {0, (uint32_t)n, (uint32_t)m, 1};
    return add_layer(b, &l, &in, 1, out);
}

static tensor dyn(builder *b, const char *name, tensor x, tensor y, uint64_t heads, uint64_t m,
                  uint64_t k, uint64_t n, int kv_cache)
{
    pim_layer l = {.kind = PIM_OP_DYN_MATMUL,
                   .heads = heads,
                   .m = m,
                   .k = k,
                   .n = n,
                   .kv_cache = (uint32_t)kv_cache};
    pim_strlcpy(l.name, name, sizeof l.name);
    tensor ins[2] = {x, y};
    tensor out = {0, (uint32_t)(heads * n), (uint32_t)m, 1};
    return add_layer(b, &l, ins, y.layer == NO_LAYER ? 1 : 2, out);
}

static tensor image(void)
{
    tensor t = {NO_LAYER, 3, 224, 224};
    return t;
}

static void build_vmm512(builder *b, const pim_zoo_opts *o)
{
    (void)o;
    b->m->default_batch = 1024; /* the generalized ping-pong experiment */
    tensor in = {NO_LAYER, 512, 1, 1};
    gemm(b, "vmm", in, 1, 512, 512);
}

/* A ResNet block's end: the shortcut (projected by a strided 1x1 conv when
 * the shape changes) added to the block's output y, then ReLU. */
static tensor residual(builder *b, const char *id, tensor x, tensor y, uint32_t stride)
{
    char n[64];
    tensor skip = x;
    if (stride != 1 || x.c != y.c) {
        snprintf(n, sizeof n, "%s.downsample", id);
        skip = conv(b, n, x, y.c, 1, stride, 0, 1);
        snprintf(n, sizeof n, "%s.downsample_bn", id);
        skip = vec(b, n, "batchnorm", skip);
    }
    snprintf(n, sizeof n, "%s.add_relu", id);
    return vec2(b, n, "add_relu", y, skip);
}

static tensor basic_block(builder *b, const char *id, tensor x, uint32_t out_c, uint32_t stride)
{
    char n[64];
    snprintf(n, sizeof n, "%s.conv1", id);
    tensor y = conv(b, n, x, out_c, 3, stride, 1, 1);
    snprintf(n, sizeof n, "%s.bn1_relu", id);
    y = vec(b, n, "bn_relu", y);
    snprintf(n, sizeof n, "%s.conv2", id);
    y = conv(b, n, y, out_c, 3, 1, 1, 1);
    snprintf(n, sizeof n, "%s.bn2", id);
    y = vec(b, n, "batchnorm", y);
    return residual(b, id, x, y, stride);
}

static void build_resnet18(builder *b, const pim_zoo_opts *o)
{
    (void)o;
    tensor x = conv(b, "conv1", image(), 64, 7, 2, 3, 1);
    x = vec(b, "bn1_relu", "bn_relu", x);
    x = pool(b, "maxpool", "maxpool", x, 3, 2, 1);
    static const uint32_t widths[4] = {64, 128, 256, 512};
    char id[32];
    for (int s = 0; s < 4; s++)
        for (int blk = 0; blk < 2; blk++) {
            snprintf(id, sizeof id, "layer%d.%d", s + 1, blk);
            x = basic_block(b, id, x, widths[s], (s > 0 && blk == 0) ? 2 : 1);
        }
    x = pool(b, "avgpool", "avgpool", x, x.h, 1, 0);
    gemm(b, "fc", x, 1, 512, 1000);
}

/* A bottleneck: 1x1 reduce, 3x3 (carrying the stride, as torchvision's
 * ResNet v1.5 does), 1x1 expand x4, and a projection when the shape changes. */
static tensor bottleneck(builder *b, const char *id, tensor x, uint32_t width, uint32_t stride)
{
    char n[64];
    uint32_t out_c = width * 4;
    snprintf(n, sizeof n, "%s.conv1", id);
    tensor y = conv(b, n, x, width, 1, 1, 0, 1);
    snprintf(n, sizeof n, "%s.bn1_relu", id);
    y = vec(b, n, "bn_relu", y);
    snprintf(n, sizeof n, "%s.conv2", id);
    y = conv(b, n, y, width, 3, stride, 1, 1);
    snprintf(n, sizeof n, "%s.bn2_relu", id);
    y = vec(b, n, "bn_relu", y);
    snprintf(n, sizeof n, "%s.conv3", id);
    y = conv(b, n, y, out_c, 1, 1, 0, 1);
    snprintf(n, sizeof n, "%s.bn3", id);
    y = vec(b, n, "batchnorm", y);
    return residual(b, id, x, y, stride);
}

static void build_resnet50(builder *b, const pim_zoo_opts *o)
{
    (void)o;
    tensor x = conv(b, "conv1", image(), 64, 7, 2, 3, 1);
    x = vec(b, "bn1_relu", "bn_relu", x);
    x = pool(b, "maxpool", "maxpool", x, 3, 2, 1);
    static const uint32_t widths[4] = {64, 128, 256, 512}, blocks[4] = {3, 4, 6, 3};
    char id[32];
    for (int s = 0; s < 4; s++)
        for (uint32_t blk = 0; blk < blocks[s]; blk++) {
            snprintf(id, sizeof id, "layer%d.%u", s + 1, blk);
            x = bottleneck(b, id, x, widths[s], (s > 0 && blk == 0) ? 2 : 1);
        }
    x = pool(b, "avgpool", "avgpool", x, x.h, 1, 0);
    gemm(b, "fc", x, 1, 2048, 1000);
}

/* Tensors joined along channels: a vector op writing their sum of channels. */
static tensor concat(builder *b, const char *name, const tensor *ins, uint32_t n)
{
    tensor out = ins[0];
    out.c = 0;
    for (uint32_t i = 0; i < n; i++)
        out.c += ins[i].c;
    pim_layer l = {.kind = PIM_OP_VECTOR,
                   .vec_elems = (uint64_t)out.c * out.h * out.w,
                   .vec_out = (uint64_t)out.c * out.h * out.w};
    pim_strlcpy(l.name, name, sizeof l.name);
    pim_strlcpy(l.vop, "concat", sizeof l.vop);
    return add_layer(b, &l, ins, n, out);
}

/* torchvision's _DenseLayer: BN-ReLU-conv1x1 (bn_size x growth) on the
 * concatenation of everything before it, then BN-ReLU-conv3x3 (growth). */
static tensor dense_layer(builder *b, const char *id, const tensor *feats, uint32_t n)
{
    char name[128]; /* the longest, 45 bytes, fits a layer's name */
    snprintf(name, sizeof name, "%s.concat", id);
    tensor x = n > 1 ? concat(b, name, feats, n) : feats[0];
    snprintf(name, sizeof name, "%s.norm1_relu1", id);
    x = vec(b, name, "bn_relu", x);
    snprintf(name, sizeof name, "%s.conv1", id);
    x = conv(b, name, x, 4 * 32, 1, 1, 0, 1);
    snprintf(name, sizeof name, "%s.norm2_relu2", id);
    x = vec(b, name, "bn_relu", x);
    snprintf(name, sizeof name, "%s.conv2", id);
    return conv(b, name, x, 32, 3, 1, 1, 1);
}

/* DenseNet-121 (Huang et al., CVPR 2017) as torchvision builds it: growth
 * rate 32, blocks of 6, 12, 24 and 16 layers, bottleneck width 4 x 32,
 * transitions halving channels and sides; 7,978,856 parameters. */
static void build_densenet121(builder *b, const pim_zoo_opts *o)
{
    (void)o;
    static const uint32_t layers[4] = {6, 12, 24, 16};
    tensor x = conv(b, "features.conv0", image(), 64, 7, 2, 3, 1);
    x = vec(b, "features.norm0_relu0", "bn_relu", x);
    x = pool(b, "features.pool0", "maxpool", x, 3, 2, 1);
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
        x = concat(b, id, feats, n);
        if (blk == 3)
            break;
        snprintf(id, sizeof id, "features.transition%d.norm_relu", blk + 1);
        x = vec(b, id, "bn_relu", x);
        snprintf(id, sizeof id, "features.transition%d.conv", blk + 1);
        x = conv(b, id, x, x.c / 2, 1, 1, 0, 1);
        snprintf(id, sizeof id, "features.transition%d.pool", blk + 1);
        x = pool(b, id, "avgpool", x, 2, 2, 0);
    }
    x = vec(b, "features.norm5_relu", "bn_relu", x);
    x = pool(b, "avgpool", "avgpool", x, x.h, 1, 0);
    gemm(b, "classifier", x, 1, x.c, 1000);
}

static void build_vgg16(builder *b, const pim_zoo_opts *o)
{
    (void)o;
    static const int cfg[] = {64, 64,  0,   128, 128, 0,   256, 256, 256,
                              0,  512, 512, 512, 0,   512, 512, 512, 0};
    tensor x = image();
    char n[32];
    int ci = 0, pi = 0;
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        if (cfg[i] == 0) {
            snprintf(n, sizeof n, "pool%d", ++pi);
            x = pool(b, n, "maxpool", x, 2, 2, 0);
            continue;
        }
        snprintf(n, sizeof n, "conv%d", ++ci);
        x = conv(b, n, x, (uint32_t)cfg[i], 3, 1, 1, 1);
        snprintf(n, sizeof n, "relu%d", ci);
        x = vec(b, n, "relu", x);
    }
    x = gemm(b, "fc1", x, 1, 512 * 7 * 7, 4096);
    x = vec(b, "fc1_relu", "relu", x);
    x = gemm(b, "fc2", x, 1, 4096, 4096);
    x = vec(b, "fc2_relu", "relu", x);
    gemm(b, "fc3", x, 1, 4096, 1000);
}

static void build_mobilenet_v2(builder *b, const pim_zoo_opts *o)
{
    (void)o;
    /* torchvision inverted-residual settings: expansion t, channels c,
     * repeats n, first stride s (Sandler et al., CVPR 2018, Table 2). */
    static const uint32_t cfg[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                       {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    tensor x = conv(b, "features.0", image(), 32, 3, 2, 1, 1);
    x = vec(b, "features.0.bn_relu6", "bn_relu6", x);
    char n[64];
    int idx = 1;
    for (int s = 0; s < 7; s++)
        for (uint32_t r = 0; r < cfg[s][2]; r++, idx++) {
            uint32_t stride = r == 0 ? cfg[s][3] : 1, hidden = x.c * cfg[s][0];
            tensor y = x;
            if (cfg[s][0] != 1) {
                snprintf(n, sizeof n, "features.%d.expand", idx);
                y = conv(b, n, y, hidden, 1, 1, 0, 1);
                snprintf(n, sizeof n, "features.%d.expand_bn_relu6", idx);
                y = vec(b, n, "bn_relu6", y);
            }
            snprintf(n, sizeof n, "features.%d.dw", idx);
            y = conv(b, n, y, hidden, 3, stride, 1, hidden);
            snprintf(n, sizeof n, "features.%d.dw_bn_relu6", idx);
            y = vec(b, n, "bn_relu6", y);
            snprintf(n, sizeof n, "features.%d.project", idx);
            y = conv(b, n, y, cfg[s][1], 1, 1, 0, 1);
            snprintf(n, sizeof n, "features.%d.project_bn", idx);
            y = vec(b, n, "batchnorm", y);
            if (stride == 1 && x.c == cfg[s][1]) {
                snprintf(n, sizeof n, "features.%d.add", idx);
                y = vec2(b, n, "add", y, x);
            }
            x = y;
        }
    x = conv(b, "features.18", x, 1280, 1, 1, 0, 1);
    x = vec(b, "features.18.bn_relu6", "bn_relu6", x);
    x = pool(b, "avgpool", "avgpool", x, x.h, 1, 0);
    gemm(b, "classifier", x, 1, 1280, 1000);
}

/* One transformer block. `tokens` rows enter; attention reads `ctx` keys.
 * Decoders (gated = llama's SwiGLU FFN) attend over a KV cache. */
typedef struct {
    uint64_t d, heads, ffn, tokens, ctx;
    int fused_qkv, gated;
    int kv_cache; /* decode: attention reads K and V of past tokens from off chip */
} block_cfg;

static tensor transformer_block(builder *b, const char *id, tensor x, const block_cfg *c)
{
    char n[64];
    uint64_t hd = c->d / c->heads;
    snprintf(n, sizeof n, "%s.norm1", id);
    tensor h = vec(b, n, c->gated ? "rmsnorm" : "layernorm", x);
    tensor q, k, v;
    if (c->fused_qkv) {
        snprintf(n, sizeof n, "%s.qkv", id);
        q = k = v = gemm(b, n, h, c->tokens, c->d, 3 * c->d);
    } else {
        snprintf(n, sizeof n, "%s.q", id);
        q = gemm(b, n, h, c->tokens, c->d, c->d);
        snprintf(n, sizeof n, "%s.k", id);
        k = gemm(b, n, h, c->tokens, c->d, c->d);
        snprintf(n, sizeof n, "%s.v", id);
        v = gemm(b, n, h, c->tokens, c->d, c->d);
    }
    snprintf(n, sizeof n, "%s.qk", id);
    tensor s = dyn(b, n, q, k, c->heads, c->tokens, hd, c->ctx, c->kv_cache);
    snprintf(n, sizeof n, "%s.softmax", id);
    s = vec(b, n, "softmax", s);
    snprintf(n, sizeof n, "%s.av", id);
    tensor a = dyn(b, n, s, v, c->heads, c->tokens, c->ctx, hd, c->kv_cache);
    snprintf(n, sizeof n, "%s.out", id);
    a = gemm(b, n, a, c->tokens, c->d, c->d);
    snprintf(n, sizeof n, "%s.add1", id);
    x = vec2(b, n, "add", a, x);
    snprintf(n, sizeof n, "%s.norm2", id);
    h = vec(b, n, c->gated ? "rmsnorm" : "layernorm", x);
    tensor f;
    if (c->gated) {
        snprintf(n, sizeof n, "%s.gate", id);
        tensor g = gemm(b, n, h, c->tokens, c->d, c->ffn);
        snprintf(n, sizeof n, "%s.up", id);
        tensor u = gemm(b, n, h, c->tokens, c->d, c->ffn);
        snprintf(n, sizeof n, "%s.silu_mul", id);
        f = vec2(b, n, "silu_mul", g, u);
    } else {
        snprintf(n, sizeof n, "%s.fc1", id);
        f = gemm(b, n, h, c->tokens, c->d, c->ffn);
        snprintf(n, sizeof n, "%s.gelu", id);
        f = vec(b, n, "gelu", f);
    }
    snprintf(n, sizeof n, "%s.%s", id, c->gated ? "down" : "fc2");
    f = gemm(b, n, f, c->tokens, c->ffn, c->d);
    snprintf(n, sizeof n, "%s.add2", id);
    return vec2(b, n, "add", f, x);
}

static void build_stack(builder *b, uint32_t layers, const block_cfg *c, uint64_t vocab)
{
    tensor x = {NO_LAYER, (uint32_t)c->d, (uint32_t)c->tokens, 1};
    char id[32];
    for (uint32_t i = 0; i < layers; i++) {
        snprintf(id, sizeof id, "block%u", i);
        x = transformer_block(b, id, x, c);
    }
    if (vocab) {
        x = vec(b, "final_norm", c->gated ? "rmsnorm" : "layernorm", x);
        gemm(b, "lm_head", x, c->tokens, c->d, vocab);
    }
}

/* BERT-base: 12 layers, d 768, 12 heads, FFN 3072 (Devlin et al., 2019). */
static void build_bert_base(builder *b, const pim_zoo_opts *o)
{
    block_cfg c = {768, 12, 3072, o->seq_len, o->seq_len, 0, 0, 0};
    build_stack(b, 12, &c, 0);
}

/* GPT-2 small: 12 layers, d 768, 12 heads, FFN 3072, fused QKV, vocabulary
 * 50257 (Radford et al., 2019). One generated token per sequence; the new
 * token attends to kv_len cached tokens, whose K and V are read from off
 * chip. */
static void build_gpt2_decode(builder *b, const pim_zoo_opts *o)
{
    block_cfg c = {768, 12, 3072, 1, o->kv_len, 1, 0, 1};
    build_stack(b, 12, &c, 50257);
}

/* Llama 2 7B: 32 layers, d 4096, 32 heads, SwiGLU FFN 11008, vocabulary
 * 32000 (Touvron et al., 2023). */
static void build_llama2_decode(builder *b, const pim_zoo_opts *o)
{
    block_cfg c = {4096, 32, 11008, 1, o->kv_len, 0, 1, 1};
    build_stack(b, 32, &c, 32000);
}

/* The prompt phase: seq_len tokens at once, attending to each other (the
 * full score matrix, as unfused kernels compute it). */
static void build_llama2_prefill(builder *b, const pim_zoo_opts *o)
{
    block_cfg c = {4096, 32, 11008, o->seq_len, o->seq_len, 0, 1, 0};
    build_stack(b, 32, &c, 32000);
}

enum { TAKES_SEQ = 1, TAKES_KV = 2 };

typedef struct {
    const char *name;
    const char *summary;
    void (*build)(builder *, const pim_zoo_opts *);
    unsigned takes;           /* which of model.seq_len / model.kv_len apply */
    uint64_t seq_len, kv_len; /* their defaults */
} zoo_entry;

static const zoo_entry ZOO[] = {
    {"vmm512", "512x512 int8 matrix times --batch vectors (default 1024): the GPP experiment",
     build_vmm512, 0, 0, 0},
    {"resnet18", "ResNet-18, 224x224 image (torchvision)", build_resnet18, 0, 0, 0},
    {"resnet50", "ResNet-50 (v1.5), 224x224 image (torchvision)", build_resnet50, 0, 0, 0},
    {"vgg16", "VGG-16, 224x224 image (torchvision)", build_vgg16, 0, 0, 0},
    {"densenet121", "DenseNet-121, 224x224 image (torchvision)", build_densenet121, 0, 0, 0},
    {"mobilenet_v2", "MobileNetV2, 224x224 image (torchvision)", build_mobilenet_v2, 0, 0, 0},
    {"bert-base", "BERT-base encoder stack, 12 layers, sequence 128 (model.seq_len)",
     build_bert_base, TAKES_SEQ, 128, 0},
    {"gpt2-small-decode",
     "GPT-2 small, one decoded token per sequence, KV cache 1024 (model.kv_len)", build_gpt2_decode,
     TAKES_KV, 0, 1024},
    {"llama2-7b-decode", "Llama 2 7B, one decoded token per sequence, KV cache 1024 (model.kv_len)",
     build_llama2_decode, TAKES_KV, 0, 1024},
    {"llama2-7b-prefill", "Llama 2 7B prompt of 512 tokens (model.seq_len)", build_llama2_prefill,
     TAKES_SEQ, 512, 0},
};

size_t pim_zoo_count(void)
{
    return sizeof ZOO / sizeof ZOO[0];
}

const char *pim_zoo_name(size_t i)
{
    return i < pim_zoo_count() ? ZOO[i].name : NULL;
}

const char *pim_zoo_summary(size_t i)
{
    return i < pim_zoo_count() ? ZOO[i].summary : NULL;
}

pim_status pim_zoo_build(const char *name, const pim_zoo_opts *o, pim_model *out, pim_error *err)
{
    pim_zoo_opts none = {0};
    if (!o)
        o = &none;
    for (size_t i = 0; i < pim_zoo_count(); i++)
        if (strcmp(ZOO[i].name, name) == 0) {
            const zoo_entry *z = &ZOO[i];
            if ((o->seq_len && !(z->takes & TAKES_SEQ)) || (o->kv_len && !(z->takes & TAKES_KV)))
                return pim_fail(err, PIM_EINPUT, "--set model.%s: model %s has no %s",
                                o->seq_len ? "seq_len" : "kv_len", name,
                                o->seq_len ? "sequence length" : "KV cache");
            pim_zoo_opts use = {o->kv_len ? o->kv_len : z->kv_len,
                                o->seq_len ? o->seq_len : z->seq_len};
            pim_model_init(out, name);
            builder b = {out, err, PIM_OK};
            z->build(&b, &use);
            if (b.st)
                pim_model_free(out);
            return b.st;
        }
    return pim_fail(err, PIM_EINPUT, "--model %s: no such model (see 'pimstream models')", name);
}
