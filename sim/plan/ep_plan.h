/* ep_plan: the MoE dispatcher's exchanges in the plan (model/moe_dispatch.h).
 *
 * Megatron-Core's all-to-all dispatcher sends over an expert-parallel
 * group, ep GPUs etp apart among the GPUs of a pipeline rank (MoE parallel
 * folding, rank_order.h), an even share of a GPU's slots to each peer. The
 * flex dispatcher (DeepEP) sends over the expert group (etp x ep
 * consecutive GPUs) a token once to each GPU that holds one of its
 * experts, and across nodes once per node, to the GPU of the same index
 * there, which forwards it over NVLink. The plan keeps the representative
 * GPU's flows plus every flow leaving through one of the same links (the
 * exchange is symmetric, so the receiving links carry the same load). */
#ifndef TRAINSIM_EP_PLAN_H
#define TRAINSIM_EP_PLAN_H

#include "input/scenario.h"
#include "model/moe_dispatch.h"
#include "network/topology.h"
#include "plan/collective_plan.h"

/* GPU's peers in dispatch D's exchange and the bytes it sends each per
 * exchange (PEERS and BYTES hold up to D's group - 1); returns how many. */
int plan_dispatch_peers(const scenario* sc, const topology* t, const moe_dispatch* d, int gpu, int* peers,
                        double* bytes);

/* The exchange of rank S's replica RD: a template of no repeats (empty when
 * dispatch D exchanges nothing). */
void plan_alltoall(const scenario* sc, const topology* t, const moe_dispatch* d, int s, int rd, alltoall_plan* out);

/* TEMPLATE repeated REPEAT times, with its own copy of the flows (none when
 * it does not run). */
void alltoall_from(const alltoall_plan* template, int repeat, alltoall_plan* out);

void alltoall_free(alltoall_plan* a);

#endif
