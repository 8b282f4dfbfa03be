/* ep_plan: the expert-parallel all-to-alls of the plan.
 *
 * An expert-parallel group is ep GPUs etp apart among the GPUs of a
 * pipeline rank (MoE parallel folding, rank_order.h). The plan keeps the
 * representative GPU's flows to its ep - 1 peers plus every flow leaving
 * through one of the same links (the exchange is symmetric, so the
 * receiving links carry the same load). */
#ifndef TRAINSIM_EP_PLAN_H
#define TRAINSIM_EP_PLAN_H

#include "input/scenario.h"
#include "network/topology.h"
#include "plan/collective_plan.h"

/* The all-to-all of rank S's replica D, BYTES per flow: a template of no
 * repeats (empty when ep < 2 or nothing is sent). */
void plan_alltoall(const scenario* sc, const topology* t, int s, int d, double bytes, alltoall_plan* out);

/* TEMPLATE repeated REPEAT times, with its own copy of the flows (none when
 * it does not run). */
void alltoall_from(const alltoall_plan* template, int repeat, alltoall_plan* out);

#endif
