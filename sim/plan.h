/* plan: the iteration simulation's script, in hosts, seconds and bytes.
 *
 * From the workload (what each stage computes and sends) and the topology
 * (which links connect which GPUs), the plan decides what the collapsed
 * simulation runs (DESIGN.md, "Two levels"):
 *  - one actor per pipeline stage of one representative data-parallel
 *    replica, standing for its tp x cp ranks;
 *  - for every collective, the ring's slowest hop, plus every flow of the
 *    concurrent rings that shares a link with it, so that the links the
 *    collapsed ranks would load are still loaded (ring steps run in lock
 *    step, so the slowest hop sets the pace of the whole ring);
 *  - for pipeline sends, likewise the slowest of the replica's tp x cp flows
 *    plus every flow that shares one of its links.
 * Ranks are placed as Megatron-LM does by default (tp fastest, then cp, dp,
 * pp outermost), rank r on GPU r. */
#ifndef TRAINSIM_PLAN_H
#define TRAINSIM_PLAN_H

#include "platform.h"
#include "scenario.h"
#include "workload.h"

typedef struct {
    int src, dst;   /* GPUs */
} flow;

/* A ring collective reduced to its slowest hop: REPEAT collectives back to
 * back, each STEPS ring steps of CHUNK_BYTES per flow. */
typedef struct {
    int    group_size;     /* ranks in the ring; 1 = nothing to do */
    double payload_bytes;  /* per rank, per collective */
    int    steps;          /* 2(n-1) for an all-reduce */
    double chunk_bytes;    /* payload / n */
    int    repeat;
    int    flow_count;
    flow*  flows;          /* flows[0]: the slowest hop; the others share its links */
} ring_plan;

typedef struct {
    int       gpu;                   /* where the stage's actor runs */
    double    fwd_seconds, bwd_seconds;
    ring_plan tp_fwd, tp_bwd;        /* per micro-batch */
    double    pp_bytes;              /* per flow, per micro-batch */
    int       next_flow_count;       /* activations to the next stage */
    flow*     next_flows;
    int       prev_flow_count;       /* gradients to the previous stage */
    flow*     prev_flows;
    ring_plan dp;                    /* dense gradients, after the last backward */
    ring_plan dp_expert;             /* expert gradients, over dp / ep ranks */
} stage_plan;

typedef struct {
    int           stages, micro_batches;
    schedule_kind schedule;
    int           replica;           /* the data-parallel replica simulated */
    stage_plan*   stage;
    int           gpus_per_node;
    int*          nodes;             /* nodes the platform must contain, sorted */
    int           node_count;
} iteration_plan;

int  plan_build(const scenario* sc, const workload* w, const topology* t, iteration_plan* p);
void plan_free(iteration_plan* p);

/* GPU of rank (tp t, cp c, dp d, pp s). */
int plan_rank(const scenario* sc, int t, int c, int d, int s);

#endif
