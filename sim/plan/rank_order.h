/* rank_order: which GPU runs which rank of the job, and which GPUs form
 * each parallel group.
 *
 * Ranks are placed as Megatron-LM does by default (tp fastest, then cp, ep,
 * the rest of dp, pp outermost), rank r on GPU r. Megatron-Core lays the
 * expert layers of the same GPUs out a second time (MoE parallel folding,
 * Liu et al. 2025): its expert RankGenerator orders the GPUs of a pipeline
 * rank etp fastest, then ep, then the expert data parallelism (edp), with
 * etp x ep x edp = tp x cp x dp (megatron/core/parallel_state.py,
 * initialize_model_parallel: order "tp-cp-ep-dp-pp", cp 1 for experts). */
#ifndef TRAINSIM_RANK_ORDER_H
#define TRAINSIM_RANK_ORDER_H

#include "input/scenario.h"

/* GPU of rank (tp t, cp c, dp d, pp s). */
int plan_rank(const scenario* sc, int t, int c, int d, int s);

/* The rank on GPU RANK: plan_rank's inverse. */
void plan_rank_coordinates(const scenario* sc, int rank, int* t, int* c, int* d, int* s);

/* The groups of one kind over the GPUs of a pipeline rank: each has N
 * members, consecutive members STRIDE GPUs apart, and every GPU of the
 * pipeline rank is in exactly one (a dimension of size N of Megatron-Core's
 * RankGenerator, the dimensions before it multiplying to STRIDE). */
typedef struct {
    int n, stride;
} group_family;

group_family plan_tp_family(const scenario* sc);      /* tp, 1 */
group_family plan_cp_family(const scenario* sc);      /* cp, tp: the context-parallel ring */
group_family plan_dense_dp_family(const scenario* sc); /* dp x cp, tp: the dense gradients' group */
group_family plan_etp_family(const scenario* sc);     /* etp, 1: an expert's tensor-parallel group */
group_family plan_ep_family(const scenario* sc);      /* ep, etp: the all-to-all's group */
group_family plan_edp_family(const scenario* sc);     /* edp, etp x ep: the ranks holding the same experts */
group_family plan_expert_group_family(const scenario* sc);   /* etp x ep, 1: an expert group, every expert once
                                                               * (allgather's and flex's group: tp_ep_group) */
group_family plan_amax_family(const scenario* sc);   /* tp x cp x dp, 1: every GPU of the pipeline rank, the fp8
                                                      * amax reduction's group (get_amax_reduction_group) */
/* The group the dispatcher's all-gathers and reduce-scatters run over: the
 * ETP group (alltoall), the expert group (allgather); flex has none. */
group_family plan_dispatch_gather_family(const scenario* sc);

/* GPU's member index in its group of family F, and the GPU of member 0. */
int plan_member_index(const scenario* sc, group_family f, int gpu);
int plan_group_base(const scenario* sc, group_family f, int gpu);

#endif
