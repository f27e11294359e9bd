/* pimstream workload: built-in models.
 *
 * The CNNs (zoo_cnn.c) follow torchvision's definitions and are checked
 * against PyTorch-measured facts and torchvision's published sizes in
 * tests/test_workload.c. The transformer shapes follow the published
 * configurations (cited per model). */
#include "zoo_internal.h"

#include <stdio.h>
#include <string.h>

static tensor zoo_add_layer(builder *b, pim_layer *l, const tensor *ins, uint32_t nin, tensor out)
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

tensor zoo_conv_hw(builder *b, const char *name, tensor in, uint32_t out_c, uint32_t kh,
                   uint32_t kw, uint32_t stride, uint32_t pad_h, uint32_t pad_w, uint32_t groups)
{
    pim_layer l = {.kind = PIM_OP_CONV,
                   .in_c = in.c,
                   .in_h = in.h,
                   .in_w = in.w,
                   .out_c = out_c,
                   .kh = kh,
                   .kw = kw,
                   .stride_h = stride,
                   .stride_w = stride,
                   .pad_h = pad_h,
                   .pad_w = pad_w,
                   .dil_h = 1,
                   .dil_w = 1,
                   .groups = groups};
    pim_strlcpy(l.name, name, sizeof l.name);
    if (!b->st)
        b->st = pim_conv_finish(&l, b->err);
    tensor out = {0, out_c, l.out_h, l.out_w};
    return zoo_add_layer(b, &l, &in, 1, out);
}

tensor zoo_conv(builder *b, const char *name, tensor in, uint32_t out_c, uint32_t k,
                uint32_t stride, uint32_t pad, uint32_t groups)
{
    return zoo_conv_hw(b, name, in, out_c, k, k, stride, pad, pad, groups);
}

/* A vector op over x (and y) writing `out`. */
static tensor zoo_vec_to(builder *b, const char *name, const char *op, tensor x, tensor y,
                         tensor out)
{
    pim_layer l = {.kind = PIM_OP_VECTOR,
                   .vec_elems = (uint64_t)x.c * x.h * x.w,
                   .vec_out = (uint64_t)out.c * out.h * out.w};
    pim_strlcpy(l.name, name, sizeof l.name);
    pim_strlcpy(l.vop, op, sizeof l.vop);
    tensor ins[2] = {x, y};
    return zoo_add_layer(b, &l, ins, y.layer == NO_LAYER ? 1 : 2, out);
}

tensor zoo_vec2(builder *b, const char *name, const char *op, tensor x, tensor y)
{
    return zoo_vec_to(b, name, op, x, y, x);
}

tensor zoo_vec(builder *b, const char *name, const char *op, tensor x)
{
    tensor none = {NO_LAYER, 0, 0, 0};
    return zoo_vec2(b, name, op, x, none);
}

/* Pooling: a vector op whose output shape shrinks like a conv's would;
 * with ceil, as PyTorch's ceil_mode (the last window may start in the
 * padding's left part, never past the input and its left padding). */
static uint32_t pooled(uint32_t n, uint32_t k, uint32_t stride, uint32_t pad, int ceil)
{
    uint32_t span = n + 2 * pad - k, out = (ceil ? (span + stride - 1) : span) / stride + 1;
    if (ceil && (out - 1) * stride >= n + pad)
        out--;
    return out;
}

tensor zoo_pool_mode(builder *b, const char *name, const char *op, tensor x, uint32_t k,
                     uint32_t stride, uint32_t pad, int ceil)
{
    tensor none = {NO_LAYER, 0, 0, 0}, out = x;
    out.h = pooled(x.h, k, stride, pad, ceil);
    out.w = pooled(x.w, k, stride, pad, ceil);
    return zoo_vec_to(b, name, op, x, none, out);
}

tensor zoo_pool(builder *b, const char *name, const char *op, tensor x, uint32_t k, uint32_t stride,
                uint32_t pad)
{
    return zoo_pool_mode(b, name, op, x, k, stride, pad, 0);
}

tensor zoo_gemm(builder *b, const char *name, tensor in, uint64_t m, uint64_t k, uint64_t n)
{
    pim_layer l = {.kind = PIM_OP_GEMM, .m = m, .k = k, .n = n};
    pim_strlcpy(l.name, name, sizeof l.name);
    tensor out = {0, (uint32_t)n, (uint32_t)m, 1};
    return zoo_add_layer(b, &l, &in, 1, out);
}

static tensor zoo_dyn(builder *b, const char *name, tensor x, tensor y, uint64_t heads, uint64_t m,
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
    return zoo_add_layer(b, &l, ins, y.layer == NO_LAYER ? 1 : 2, out);
}

tensor zoo_image(void)
{
    tensor t = {NO_LAYER, 3, 224, 224};
    return t;
}

/* Tensors joined along channels: a vector op writing their sum of channels. */
tensor zoo_concat(builder *b, const char *name, const tensor *ins, uint32_t n)
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
    return zoo_add_layer(b, &l, ins, n, out);
}

static void build_vmm512(builder *b, const pim_zoo_opts *o)
{
    (void)o;
    b->m->default_batch = 1024; /* the generalized ping-pong experiment */
    tensor in = {NO_LAYER, 512, 1, 1};
    zoo_gemm(b, "vmm", in, 1, 512, 512);
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
    tensor h = zoo_vec(b, n, c->gated ? "rmsnorm" : "layernorm", x);
    tensor q, k, v;
    if (c->fused_qkv) {
        snprintf(n, sizeof n, "%s.qkv", id);
        q = k = v = zoo_gemm(b, n, h, c->tokens, c->d, 3 * c->d);
    } else {
        snprintf(n, sizeof n, "%s.q", id);
        q = zoo_gemm(b, n, h, c->tokens, c->d, c->d);
        snprintf(n, sizeof n, "%s.k", id);
        k = zoo_gemm(b, n, h, c->tokens, c->d, c->d);
        snprintf(n, sizeof n, "%s.v", id);
        v = zoo_gemm(b, n, h, c->tokens, c->d, c->d);
    }
    snprintf(n, sizeof n, "%s.qk", id);
    tensor s = zoo_dyn(b, n, q, k, c->heads, c->tokens, hd, c->ctx, c->kv_cache);
    snprintf(n, sizeof n, "%s.softmax", id);
    s = zoo_vec(b, n, "softmax", s);
    snprintf(n, sizeof n, "%s.av", id);
    tensor a = zoo_dyn(b, n, s, v, c->heads, c->tokens, c->ctx, hd, c->kv_cache);
    snprintf(n, sizeof n, "%s.out", id);
    a = zoo_gemm(b, n, a, c->tokens, c->d, c->d);
    snprintf(n, sizeof n, "%s.add1", id);
    x = zoo_vec2(b, n, "add", a, x);
    snprintf(n, sizeof n, "%s.norm2", id);
    h = zoo_vec(b, n, c->gated ? "rmsnorm" : "layernorm", x);
    tensor f;
    if (c->gated) {
        snprintf(n, sizeof n, "%s.gate", id);
        tensor g = zoo_gemm(b, n, h, c->tokens, c->d, c->ffn);
        snprintf(n, sizeof n, "%s.up", id);
        tensor u = zoo_gemm(b, n, h, c->tokens, c->d, c->ffn);
        snprintf(n, sizeof n, "%s.silu_mul", id);
        f = zoo_vec2(b, n, "silu_mul", g, u);
    } else {
        snprintf(n, sizeof n, "%s.fc1", id);
        f = zoo_gemm(b, n, h, c->tokens, c->d, c->ffn);
        snprintf(n, sizeof n, "%s.gelu", id);
        f = zoo_vec(b, n, "gelu", f);
    }
    snprintf(n, sizeof n, "%s.%s", id, c->gated ? "down" : "fc2");
    f = zoo_gemm(b, n, f, c->tokens, c->ffn, c->d);
    snprintf(n, sizeof n, "%s.add2", id);
    return zoo_vec2(b, n, "add", f, x);
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
        x = zoo_vec(b, "final_norm", c->gated ? "rmsnorm" : "layernorm", x);
        zoo_gemm(b, "lm_head", x, c->tokens, c->d, vocab);
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
    {"alexnet", "AlexNet, 224x224 image (torchvision)", zoo_build_alexnet, 0, 0, 0},
    {"resnet18", "ResNet-18, 224x224 image (torchvision)", zoo_build_resnet18, 0, 0, 0},
    {"resnet50", "ResNet-50 (v1.5), 224x224 image (torchvision)", zoo_build_resnet50, 0, 0, 0},
    {"resnet101", "ResNet-101 (v1.5), 224x224 image (torchvision)", zoo_build_resnet101, 0, 0, 0},
    {"vgg16", "VGG-16, 224x224 image (torchvision)", zoo_build_vgg16, 0, 0, 0},
    {"vgg19", "VGG-19, 224x224 image (torchvision)", zoo_build_vgg19, 0, 0, 0},
    {"densenet121", "DenseNet-121, 224x224 image (torchvision)", zoo_build_densenet121, 0, 0, 0},
    {"mobilenet_v2", "MobileNetV2, 224x224 image (torchvision)", zoo_build_mobilenet_v2, 0, 0, 0},
    {"googlenet", "GoogLeNet (Inception v1), 224x224 image (torchvision)", zoo_build_googlenet, 0,
     0, 0},
    {"inception_v3", "Inception v3, 299x299 image (torchvision)", zoo_build_inception_v3, 0, 0, 0},
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
