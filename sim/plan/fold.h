/* fold: folding the plan's isolated collectives.
 *
 * A blocking collective whose links no concurrent flow can touch takes its
 * closed-form time exactly; such collectives are folded: their flows are
 * dropped and their time runs as part of the compute activity
 * (iteration_plan.h, folded_time). */
#ifndef TRAINSIM_FOLD_H
#define TRAINSIM_FOLD_H

#include "network/topology.h"
#include "plan/iteration_plan.h"

/* Folds every isolated blocking collective of P (collapsed plans only). */
void plan_fold_isolated(const topology* t, iteration_plan* p);

#endif
