/* layer_cost: the kernels of one transformer layer as one GPU runs them for
 * one micro-batch: GEMMs, memory-bound kernels and fused attention, each with
 * its FLOPs and forward and backward roofline times (model/kernels.h), for a
 * dense or an MoE layer under the scenario's TP, CP and micro-batch; in fp8
 * training the weight GEMMs in fp8 with Transformer Engine's casts, the rest
 * in bf16. The workload sums them into stages; docs/model.md, "Kernels and
 * their time", writes every kernel out. */
#ifndef TRAINSIM_LAYER_COST_H
#define TRAINSIM_LAYER_COST_H

#include "model/kernels.h"
#include "model/moe_dispatch.h"
#include "input/scenario.h"

/* One kernel of a layer, per GPU and micro-batch. */
typedef enum { KERNEL_GEMM, KERNEL_MEMORY, KERNEL_FLASH, KERNEL_KIND_COUNT } kernel_kind;

/* Where a GEMM sits against sequence parallelism's TP collectives: after
 * the all-gather of its input (column-parallel: QKV, fc1) or before the
 * reduce-scatter of its output (row-parallel: projection, fc2). */
typedef enum { TP_SIDE_NONE, TP_SIDE_GATHERED, TP_SIDE_SCATTERED, TP_SIDE_COUNT } tp_side;

typedef struct {
    const char* name;
    kernel_kind kind;
    double      flops;          /* executed, forward */
    double      fwd_seconds;
    double      bwd_flops;
    double      bwd_seconds;
    double      dgrad_seconds;  /* a GEMM's: the part of bwd_seconds computing dX (the rest is dW) */
    int         attention_core; /* recomputed by selective recompute */
    tp_side     tp_side;        /* the dense layers' TP GEMMs */
} layer_kernel;

#define LAYER_MAX_KERNELS 24

typedef struct {
    layer_kernel kernel[LAYER_MAX_KERNELS];
    int          count;
    double       fwd_seconds, bwd_seconds;   /* sums */
    double       fwd_flops, bwd_flops;
    double       core_seconds, core_flops;   /* the attention core, forward */
    double       core_bwd_seconds;           /* ... and backward */
    int          tp_allreduces;              /* TP all-reduce-equivalents per pass (an all-gather and a
                                              * reduce-scatter each with sequence parallelism) */
} layer_cost;

/* The kernels of one layer (MoE or dense) per GPU and micro-batch. */
void layer_cost_build(const scenario* sc, const kernel_rates* rates, int moe, layer_cost* out);

#endif
