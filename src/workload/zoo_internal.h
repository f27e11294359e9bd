/* Private to src/workload: building the zoo's models (zoo.c holds the
 * builder and the transformers, zoo_cnn.c the torchvision CNNs). */
#ifndef PIMSTREAM_ZOO_INTERNAL_H
#define PIMSTREAM_ZOO_INTERNAL_H

#include "pimstream/workload.h"

#define NO_LAYER UINT32_MAX
#define MAX_INPUTS 64 /* a dense block's concatenation reads every earlier layer */

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

/* A square kernel, stride and padding; or kh x kw with their own paddings. */
tensor zoo_conv(builder *b, const char *name, tensor in, uint32_t out_c, uint32_t k,
                uint32_t stride, uint32_t pad, uint32_t groups);
tensor zoo_conv_hw(builder *b, const char *name, tensor in, uint32_t out_c, uint32_t kh,
                   uint32_t kw, uint32_t stride, uint32_t pad_h, uint32_t pad_w, uint32_t groups);
/* Vector ops over x (and y) writing x's shape. */
tensor zoo_vec2(builder *b, const char *name, const char *op, tensor x, tensor y);
tensor zoo_vec(builder *b, const char *name, const char *op, tensor x);
/* Pooling, output sides rounded down (or up: PyTorch's ceil_mode). */
tensor zoo_pool(builder *b, const char *name, const char *op, tensor x, uint32_t k, uint32_t stride,
                uint32_t pad);
tensor zoo_pool_mode(builder *b, const char *name, const char *op, tensor x, uint32_t k,
                     uint32_t stride, uint32_t pad, int ceil);
tensor zoo_gemm(builder *b, const char *name, tensor in, uint64_t m, uint64_t k, uint64_t n);
/* Tensors joined along channels. */
tensor zoo_concat(builder *b, const char *name, const tensor *ins, uint32_t n);
tensor zoo_image(void); /* 3 x 224 x 224, from off chip */

/* zoo_cnn.c */
void zoo_build_alexnet(builder *b, const pim_zoo_opts *o);
void zoo_build_resnet18(builder *b, const pim_zoo_opts *o);
void zoo_build_resnet50(builder *b, const pim_zoo_opts *o);
void zoo_build_resnet101(builder *b, const pim_zoo_opts *o);
void zoo_build_vgg16(builder *b, const pim_zoo_opts *o);
void zoo_build_vgg19(builder *b, const pim_zoo_opts *o);
void zoo_build_densenet121(builder *b, const pim_zoo_opts *o);
void zoo_build_mobilenet_v2(builder *b, const pim_zoo_opts *o);
void zoo_build_googlenet(builder *b, const pim_zoo_opts *o);
void zoo_build_inception_v3(builder *b, const pim_zoo_opts *o);

#endif
