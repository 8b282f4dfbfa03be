/* memory: bytes per GPU, by kind, on every pipeline rank.
 *
 * Model states follow ZeRO (Rajbhandari et al. 2020) with the optimizer's
 * element from training.optimizer_precision, plus, in fp8, Transformer
 * Engine's fp8 copies of the GEMM weights; activations follow Korthikanti et
 * al. 2022 (Sec. 4, Table 2), generalised to GQA, SwiGLU, MoE,
 * FlashAttention, fp8 GEMM inputs and the absence of dropout, and multiplied
 * by the micro-batches the schedule really keeps in flight (counted on the
 * schedule's own op list); the workspace (CUDA context, cuBLAS, NCCL and
 * userbuffers) is sized from the scenario in model/workspace. Equations and
 * sources in docs/model.md, "Memory". */
#ifndef TRAINSIM_MEMORY_H
#define TRAINSIM_MEMORY_H

#include "input/scenario.h"
#include "model/workload.h"
#include "model/workspace.h"

typedef struct {
    double weights, gradients, optimizer;   /* model states (weights include fp8_weights) */
    double fp8_weights;                     /* fp8 copies of the GEMM weights and their transposes */
    double activations;                     /* peak over the step */
    double in_flight;                       /* micro-batches' worth of activations kept at the peak */
    double workspace;                       /* what is not tensors: workspace_parts.total */
    workspace_bytes workspace_parts;
    double total;
} gpu_memory;

typedef struct {
    int         ranks;
    gpu_memory* rank;
    int         worst;    /* rank with the largest total */
} memory_report;

/* Activation bytes one GPU keeps for one layer and one micro-batch (Korthikanti
 * et al. 2022, generalised). */
double memory_layer_activations(const scenario* sc, int moe);

void memory_estimate(const scenario* sc, const workload* w, memory_report* out);

/* The activations one GPU of pipeline rank RANK keeps for one micro-batch
 * of its model chunk CHUNK, from its forward pass to its backward (the
 * schedule's walk adds them up to gpu_memory.activations' peak). */
double memory_chunk_activations(const scenario* sc, const workload* w, int rank, int chunk);

/* What gpu_memory.activations holds on top of that peak: the layer that
 * full recompute rebuilds, and context parallelism's exchange buffers. */
double memory_activation_buffers(const scenario* sc);
void memory_report_free(memory_report* m);

#endif
