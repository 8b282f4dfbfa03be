/* full_plan: what --detail full adds to a plan: every rank of the job, with
 * its real peers (iteration_plan.h, rank_peers), on a platform that holds
 * every node the job uses. */
#ifndef TRAINSIM_FULL_PLAN_H
#define TRAINSIM_FULL_PLAN_H

#include "input/scenario.h"
#include "model/moe_dispatch.h"
#include "network/topology.h"
#include "plan/iteration_plan.h"

/* Makes P, built for a model of CHUNKS chunks per rank whose MoE layers
 * dispatch as D on topology T, a full plan: every rank's peers, and every
 * GPU of the job. */
void plan_every_rank(const scenario* sc, const topology* t, const moe_dispatch* d, int chunks,
                     iteration_plan* p);

#endif
