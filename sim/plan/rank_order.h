/* rank_order: which GPU runs which rank of the job.
 *
 * Ranks are placed as Megatron-LM does by default (tp fastest, then cp, ep,
 * the rest of dp, pp outermost), rank r on GPU r. */
#ifndef TRAINSIM_RANK_ORDER_H
#define TRAINSIM_RANK_ORDER_H

#include "input/scenario.h"

/* GPU of rank (tp t, cp c, dp d, pp s). */
int plan_rank(const scenario* sc, int t, int c, int d, int s);

/* The rank on GPU RANK: plan_rank's inverse. */
void plan_rank_coordinates(const scenario* sc, int rank, int* t, int* c, int* d, int* s);

#endif
