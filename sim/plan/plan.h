/* plan: the iteration simulation's script, in hosts, seconds and bytes.
 *
 * From the workload (what each stage computes and sends) and the topology
 * (which links connect which GPUs), the plan decides what the collapsed
 * simulation runs (docs/design.md, "Two levels of simulation"):
 *  - one actor per pipeline rank of one representative data-parallel
 *    replica, standing for its tp x cp ranks, running its model chunks;
 *  - for every phase of a collective (ring, tree or hierarchical, see
 *    collective.h), its slowest flow, plus every flow of the concurrent
 *    groups that shares a link with it, so that the links the collapsed
 *    ranks would load are still loaded (the steps of a phase run in lock
 *    step, so the slowest flow sets the pace of the whole phase);
 *  - for pipeline sends, likewise the slowest of the replica's tp x cp flows
 *    plus every flow that shares one of its links;
 *  - for expert-parallel all-to-alls, the representative GPU's flows to its
 *    peers plus every flow leaving through one of the same links (the
 *    exchange is symmetric, so the receiving links carry the same load).
 * Ranks are placed as Megatron-LM does by default (tp fastest, then cp, ep,
 * the rest of dp, pp outermost), rank r on GPU r, and the expert layers'
 * groups follow MoE parallel folding (rank_order.h).
 *
 * The plan's data is iteration_plan.h's; plan.c assembles it per pipeline
 * rank from group_plan (collective groups and the collectives over them),
 * pp_plan (the replica simulated and its pipeline sends) and ep_plan (the
 * all-to-alls), all judged by link_share's accounting of shared links; fold
 * folds isolated collectives, full_plan adds every rank for --detail full,
 * gpus_used says what the platform must hold. */
#ifndef TRAINSIM_PLAN_H
#define TRAINSIM_PLAN_H

#include "model/collective.h"
#include "input/scenario.h"
#include "model/workload.h"
#include "network/topology.h"
#include "plan/fold.h"
#include "plan/gpus_used.h"
#include "plan/iteration_plan.h"
#include "plan/rank_order.h"

/* PyTorch DDP's default gradient bucket (bucket_cap_mb = 25): with
 * dp_overlap, the last bucket is reduced after the backward pass ends. */
#define PLAN_DP_BUCKET_BYTES (25.0 * 1048576.0)

int  plan_build(const scenario* sc, const workload* w, const topology* t, iteration_plan* p);

/* The plan of --detail full: plan_build's sizes and every rank's peers; the
 * platform holds every node the job uses. */
int  plan_build_full(const scenario* sc, const workload* w, const topology* t, iteration_plan* p);
void plan_free(iteration_plan* p);

#endif
