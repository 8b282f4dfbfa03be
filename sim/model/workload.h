/* workload: what one training step asks of each GPU, from the model and the
 * parallelism plan alone: the kernels of a transformer layer with their
 * FLOPs, bytes and roofline times, the compute of each pipeline stage per
 * micro-batch, the bytes of every tensor-, pipeline-, data- and
 * expert-parallel transfer, and the parameters each GPU holds.
 *
 * No simulation here: the iteration simulation asks this module for the
 * duration and size of each activity. Every formula is written out, with its
 * source, in docs/model.md. */
#ifndef TRAINSIM_WORKLOAD_H
#define TRAINSIM_WORKLOAD_H

#include "model/kernels.h"
#include "model/layer_cost.h"
#include "input/scenario.h"

/* HBM bytes per logit of the LM head's cross-entropy, forward and backward:
 * Megatron-Core's fused vocab-parallel cross-entropy (workload.c, head_cost). */
#define CROSS_ENTROPY_FWD_BYTES 22.0
#define CROSS_ENTROPY_BWD_BYTES 6.0

/* Per-token forward FLOPs of one transformer layer, split by part. */
typedef struct {
    double qkv, attention_core, projection, mlp, router;
} layer_flops;

/* One virtual pipeline stage: the layers of one model chunk on one pipeline
 * rank. Without interleaving there is one per rank. */
typedef struct {
    int    first_layer, layers;       /* layers [first_layer, first_layer + layers) */
    int    moe_layers;                /* how many of them have an MoE MLP */
    int    has_embedding, has_head;   /* first / last virtual stage */
    double fwd_model_flops;           /* per GPU per micro-batch, model FLOPs */
    double fwd_flops, bwd_flops;      /* per GPU per micro-batch, executed (recompute included) */
    double fwd_seconds, bwd_seconds;  /* compute time per micro-batch (backward includes recompute) */
    double recompute_seconds;         /* the part of bwd_seconds that recomputes */
    int    tp_fwd_allreduces;         /* TP all-reduce-equivalents per micro-batch, forward */
    int    tp_bwd_allreduces;         /* ... backward (recomputed forward included) */
    int    ep_fwd_alltoalls;          /* the dispatcher's exchanges (all-to-alls, DeepEP's) per micro-batch */
    int    ep_bwd_alltoalls;
    int    etp_fwd_allreduces;        /* the dispatcher's all-gather + reduce-scatter pairs per micro-batch (the
                                       * ETP group's under alltoall, the TP x EP group's under allgather) */
    int    etp_bwd_allreduces;
    double dense_params, expert_params;  /* parameters held per GPU */
    double layer_params;              /* ... of them in transformer layers (not the vocabulary tables) */
} stage_work;

/* One pipeline rank: what it holds and does once per step. */
typedef struct {
    double dense_params, expert_params;  /* over its virtual stages */
    double layer_params;                 /* ... in transformer layers */
    double optimizer_seconds;            /* the optimizer step on its share */
} rank_work;

typedef struct {
    double params_total;              /* parameters of the whole model */
    double params_active;             /* parameters a token passes through */
    double model_flops_per_token;     /* training: forward + backward, no recompute */
    double hardware_flops_per_token;  /* what the GPUs execute, recompute included */
    double tokens_per_step;
    double peak_flops;                /* per GPU, at the training precision */
    double power_capped_clock;        /* sustained clock at gpu.tdp over the one at its measured limit */
    double slowest_gpu_speed;         /* the slowest of the job's GPUs over the median (model/gpu_speed.h) */
    kernel_rates rates;               /* the GEMMs' and fused attention's at both of those */
    double tp_message_bytes;          /* payload of one TP all-reduce */
    double pp_message_bytes;          /* activation sent by each TP rank per micro-batch */
    moe_dispatch dispatch;            /* an MoE layer's dispatch and combine (model/moe_dispatch.h) */
    double ep_pair_bytes;             /* alltoall: bytes from one GPU to one EP peer per all-to-all */
    double etp_message_bytes;         /* what one of the dispatcher's all-gathers gathers (a reduce-scatter's
                                       * input) */
    double grad_element_bytes;        /* bytes per gradient element in the DP reduction */
    double optimizer_state_bytes;     /* Adam's state per parameter: moments and master copy */
    int    optimizer_keeps_master;    /* whether that state holds a master copy of the weights */
    layer_cost dense_layer, moe_layer;
    int    pp, chunks;                /* pipeline ranks, model chunks per rank */
    int    stages;                    /* pp * chunks virtual stages; chunk c of rank s is c * pp + s */
    stage_work* stage;
    rank_work*  rank;
} workload;

/* Fills W from SC (validated). Returns 0. */
int  workload_build(const scenario* sc, workload* w);
void workload_free(workload* w);

/* The virtual stage of model chunk CHUNK on pipeline rank RANK. */
const stage_work* workload_chunk(const workload* w, int rank, int chunk);

/* Bytes of the updated weights of PARAMS parameters, LAYER_PARAMS of them in
 * transformer layers, as the data-parallel weight gathers move them: 2 a
 * parameter, or 1 a layer parameter when training in fp8 with fp8 primary
 * weights (training.fp8_weights: primary; Megatron-Core's
 * --fp8-param-gather gathers the fp8 weights; the vocabulary tables stay
 * bf16). */
double workload_gathered_weight_bytes(const scenario* sc, double params, double layer_params);

/* Per-token forward FLOPs of layer LAYER (0-based), model FLOPs. */
layer_flops workload_layer_flops(const scenario* sc, int layer);
double layer_flops_total(layer_flops f);

/* Whether layer LAYER has an MoE MLP: every N-th layer, counting from 1. */
int workload_is_moe_layer(const scenario* sc, int layer);

/* Layers of virtual stage STAGE of COUNT: those parallelism.stage_layers
 * states (entry STAGE, starting after the entries before it) when it has
 * COUNT entries; else the even split, the first (layers mod COUNT) getting
 * one more. */
void workload_stage_layers(const scenario* sc, int stage, int count, int* first, int* layers);

/* Whether parallelism.stage_layers states a split other than the even one. */
int workload_split_differs_from_even(const scenario* sc);

#endif
