/* gpus_used: the GPUs, and the pairs of GPUs, that a plan's simulation
 * touches: what the platform must hold for it. */
#ifndef TRAINSIM_GPUS_USED_H
#define TRAINSIM_GPUS_USED_H

#include "network/topology.h"
#include "plan/iteration_plan.h"

/* Every (src, dst) pair of GPUs the simulation of P may send between, sorted
 * and distinct (malloc'd): what a platform with per-pair routes must hold. */
flow* plan_pairs(const iteration_plan* p, int* count);

/* Sets P's gpus to the GPUs the collapsed plan's flows and actors touch,
 * sorted. */
void plan_collect_gpus(iteration_plan* p);

#endif
