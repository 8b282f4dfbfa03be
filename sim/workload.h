/* workload: what one training step asks of each GPU, from the model and the
 * parallelism plan alone: FLOPs per token, the compute time of each pipeline
 * stage per micro-batch, the bytes of every tensor-, pipeline- and
 * data-parallel transfer, and the model-state memory per GPU.
 *
 * No simulation here: the iteration simulation asks this module for the
 * duration and size of each activity. Every formula is written out, with its
 * source, in docs/model.md. */
#ifndef TRAINSIM_WORKLOAD_H
#define TRAINSIM_WORKLOAD_H

#include "scenario.h"

/* Per-token forward FLOPs of one transformer layer, split by part. */
typedef struct {
    double qkv, attention_core, projection, mlp, router;
} layer_flops;

typedef struct {
    int    first_layer, layers;       /* layers [first_layer, first_layer + layers) */
    int    moe_layers;                /* how many of them have an MoE MLP */
    int    has_embedding, has_head;   /* first / last stage */
    double fwd_model_flops;           /* per GPU per micro-batch, model FLOPs */
    double fwd_flops, bwd_flops;      /* per GPU per micro-batch, executed (recompute included) */
    double fwd_seconds, bwd_seconds;  /* compute time per micro-batch */
    int    tp_fwd_allreduces;         /* TP all-reduce-equivalents per micro-batch, forward */
    int    tp_bwd_allreduces;         /* ... backward (recomputed forward included) */
    double dense_params, expert_params;  /* parameters held per GPU */
    double weight_bytes, grad_bytes, optimizer_bytes;  /* model states per GPU */
} stage_work;

typedef struct {
    double params_total;              /* parameters of the whole model */
    double params_active;             /* parameters a token passes through */
    double model_flops_per_token;     /* training: forward + backward, no recompute */
    double hardware_flops_per_token;  /* what the GPUs execute, recompute included */
    double tokens_per_step;
    double peak_flops;                /* per GPU, at the training precision */
    double efficiency;                /* achieved share of peak */
    double tp_message_bytes;          /* payload of one TP all-reduce */
    double pp_message_bytes;          /* activation sent by each TP rank per micro-batch */
    double grad_element_bytes;        /* bytes per gradient element in the DP reduction */
    int    stages;
    stage_work* stage;
    int    worst_memory_stage;        /* stage with the most model-state bytes */
} workload;

/* Fills W from SC (validated). Returns 0. */
int  workload_build(const scenario* sc, workload* w);
void workload_free(workload* w);

/* Per-token forward FLOPs of layer LAYER (0-based), model FLOPs. */
layer_flops workload_layer_flops(const scenario* sc, int layer);
double layer_flops_total(layer_flops f);

/* Whether layer LAYER has an MoE MLP: every N-th layer, counting from 1. */
int workload_is_moe_layer(const scenario* sc, int layer);

/* Layers of pipeline stage STAGE: stages below (layers mod pp) get one more. */
void workload_stage_layers(const scenario* sc, int stage, int* first, int* count);

/* Model-state bytes per GPU of the worst stage: weights + gradients + optimizer. */
double workload_model_state_bytes(const workload* w);

#endif
