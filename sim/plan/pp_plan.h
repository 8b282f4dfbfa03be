/* pp_plan: the pipeline sends of the plan.
 *
 * Which data-parallel replica the collapsed simulation follows (the one
 * whose pipeline sends are slowest), and, across each pipeline boundary, the
 * flows that stand for its tp x cp sends: the slowest of them plus every
 * flow of any replica that shares one of its links. */
#ifndef TRAINSIM_PP_PLAN_H
#define TRAINSIM_PP_PLAN_H

#include "input/scenario.h"
#include "network/topology.h"

/* The replica whose pipeline sends of BYTES are slowest (summed over
 * boundaries and both directions): all replicas wait for it at the gradient
 * reduction. */
int slowest_replica(const scenario* sc, const topology* t, double bytes);

/* The flows that stand for replica D's sends of BYTES from rank S to rank TO
 * (malloc'd, *COUNT of them); GAP is the least compute that separates two
 * sends of the rank. */
flow* plan_boundary(const scenario* sc, const topology* t, int d, int s, int to, double bytes, double gap,
                    int* count);

/* Appends to FLOWS (*COUNT of them, realloc'd) every replica's send from
 * rank S to rank TO that shares a link that can bind with one of OTHERS
 * (flows that run beside the sends: a chunk's data-parallel collectives),
 * but is not there yet. */
void plan_boundary_add_sharers(const scenario* sc, const topology* t, int s, int to, const flow* others,
                               int other_count, flow** flows, int* count);

#endif
