/* moe_dispatch: how an MoE layer's tokens reach its experts and come back,
 * per GPU and micro-batch, under each of Megatron-Core's token dispatchers
 * (model.moe.dispatcher; megatron/core/transformer/moe/token_dispatcher.py,
 * read at 1e057005): the slots the GPU's experts process, how many
 * exchanges and gathers a layer runs and their bytes. Pure arithmetic: the
 * plan turns it into flows (plan/ep_plan.h, plan/group_plan.h), the layer's
 * kernels read its permutations (model/layer_cost.h). docs/model.md,
 * "Communication sizes", the expert dispatch, writes it out. */
#ifndef TRAINSIM_MOE_DISPATCH_H
#define TRAINSIM_MOE_DISPATCH_H

#include "input/scenario.h"

/* An MoE layer's token slots on one GPU and micro-batch under balanced
 * routing: */
typedef struct {
    double held;           /* tokens the GPU holds at the layer's input: T/t with sequence parallelism */
    double routed;         /* its token slots, capacity_factor x top_k x held */
    double gathered;       /* slots its local experts process: routed x etp */
    double local_experts;  /* experts / ep */
    double per_expert;     /* gathered / local_experts: etp x ep x routed / experts */
    double width;          /* each expert's FFN width on the GPU: expert_ffn_hidden / etp */
} moe_slots;

void layer_moe_slots(const scenario* sc, moe_slots* out);

/* The chance that a token's TOP_K experts, EXPERTS distinct ones drawn
 * evenly (balanced routing), include one of HELD given experts:
 * 1 - C(E - held, K) / C(E, K). */
double moe_token_reaches(int experts, int held, int top_k);

/* One MoE layer's dispatch and combine on one GPU, per micro-batch and pass
 * (forward; the backward moves the gradients, the same bytes): */
typedef struct {
    moe_dispatcher kind;
    int    group;          /* GPUs the exchange or gather spans: ep (alltoall), etp x ep (allgather, flex) */
    int    exchanges;      /* point-to-point exchanges (all-to-all, DeepEP): a dispatch and a combine, or none */
    int    gathers;        /* all-gather and reduce-scatter pairs: ETP (alltoall, etp > 1), TP x EP (allgather) */
    double pair_bytes;     /* alltoall: to each EP peer per exchange */
    double gather_bytes;   /* a gather's result, the scatter's input */
    double token_bytes;    /* the GPU's held tokens, padded by capacity_factor: cf x held x h x 2 */
    double to_gpu;         /* flex: the share of a GPU's tokens one member of the group receives */
    double received;       /* tokens the GPU's experts take in before they are sorted into slots (allgather:
                            * the gathered tokens with a local expert; flex: those DeepEP delivers) */
    double unpermuted;     /* tokens the unpermutation writes: held (alltoall), gathered (allgather),
                            * received (flex) */
} moe_dispatch;

void moe_dispatch_of(const scenario* sc, moe_dispatch* out);

/* The share of a GPU's tokens with an expert among those of EP_RANKS EP
 * ranks: of one rank (a GPU of the allgather and flex dispatchers' group),
 * or of a node's (DeepEP sends a token once to a node that holds any of its
 * experts). */
double moe_tokens_reaching(const scenario* sc, int ep_ranks);

#endif
