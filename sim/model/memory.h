/* memory: bytes per GPU, by kind, on every pipeline rank.
 *
 * Model states follow ZeRO (Rajbhandari et al. 2020); activations follow
 * Korthikanti et al. 2022 (Sec. 4, Table 2), generalised to GQA, SwiGLU, MoE,
 * FlashAttention and the absence of dropout, and multiplied by the
 * micro-batches the schedule really keeps in flight (counted on the schedule's
 * own op list); a stated allowance covers workspace and fragmentation.
 * Equations and sources in docs/model.md, "Memory". */
#ifndef TRAINSIM_MEMORY_H
#define TRAINSIM_MEMORY_H

#include "input/scenario.h"
#include "model/workload.h"

/* Workspace that is not tensors (CUDA context, cuBLAS and NCCL buffers) and
 * the caching allocator's fragmentation: stated assumptions, docs/model.md. */
#define MEMORY_WORKSPACE_BYTES (2.0 * 1073741824.0)
#define MEMORY_FRAGMENTATION 0.10

typedef struct {
    double weights, gradients, optimizer;   /* model states */
    double activations;                     /* peak over the step */
    double in_flight;                       /* micro-batches' worth of activations kept at the peak */
    double workspace;                       /* fixed allowance + fragmentation */
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
void memory_report_free(memory_report* m);

#endif
