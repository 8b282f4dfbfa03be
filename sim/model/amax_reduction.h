/* amax_reduction: fp8 training's reduction of its amaxes across ranks.
 *
 * Transformer Engine's delayed scaling (recipe DelayedScaling, reduce_amax
 * true by default) keeps, for every fp8 GEMM module, the absolute maximum
 * of each tensor it cast; at the exit of every fp8_autocast region it
 * all-reduces (MAX) the forward amaxes of every module registered under the
 * region's recipe and group, in one contiguous buffer, and the backward
 * amaxes once the backward of the region's first module is done
 * (transformer_engine/pytorch/fp8.py, FP8GlobalStateManager
 * reduce_and_update_fp8_tensors, fp8_autocast_exit; module/linear.py and
 * its siblings, reduce_and_update_bwd_fp8_tensors; TE v1.13). Megatron-Core
 * wraps each model chunk's TransformerBlock forward in one fp8_autocast
 * whose group is the tensor-, data- and context-parallel group of the
 * pipeline rank (megatron/core/transformer/transformer_block.py and
 * parallel_state.py get_amax_reduction_group(with_context_parallel=True),
 * core_v0.9.0 and core_v0.10.0; core_v0.8.0 reduced over tensor x context
 * parallel only, which trainsim does not model: no scenario key names the
 * version). So every forward pass of a chunk ends with
 * a small blocking all-reduce over the pipeline rank's tp x dp x cp GPUs,
 * and so does every backward pass. torchao's float8 (training.fp8_weights:
 * per_gemm) scales each tensor by its own amax (dynamic, tensor-wise) and
 * reduces none across ranks itself. docs/model.md, "fp8's amax
 * reduction". */
#ifndef TRAINSIM_AMAX_REDUCTION_H
#define TRAINSIM_AMAX_REDUCTION_H

#include "input/scenario.h"
#include "model/workload.h"

/* An amax is an fp32; a GEMM module casts 3 tensors forward (its input,
 * weight and output slots) and 2 backward (TE module/base.py,
 * init_fp8_meta_tensors: num_gemms x 3 forward, x 2 backward). */
#define AMAX_BYTES            4.0
#define AMAX_FORWARD_TENSORS  3
#define AMAX_BACKWARD_TENSORS 2

/* Whether SC's fp8 recipe all-reduces amaxes: training in fp8 with
 * Transformer Engine's modules (fp8_weights cached or primary). */
int amax_reduction_applies(const scenario* sc);

/* Transformer Engine's fp8 GEMMs (one amax set each) in one layer: QKV,
 * projection and the MLP's two, or in an MoE layer the experts' two per
 * local expert (TEGroupedLinear: one set per GEMM) and the shared
 * experts' two. */
int amax_gemms_per_layer(const scenario* sc, int moe);

/* The bytes of one amax all-reduce on pipeline rank S, FORWARD or
 * backward: every fp8 GEMM module of its model chunks (the buffer holds
 * them all). 0 when the recipe reduces none. */
double amax_reduction_bytes(const scenario* sc, const workload* w, int s, int forward);

#endif
