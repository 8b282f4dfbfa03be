/* group_plan: a pipeline rank's collective groups and the collectives they run.
 *
 * A group template holds the concurrent groups of one collective family of a
 * pipeline rank (its tensor-parallel groups, or its data-parallel ones); a
 * collective over them becomes a collective_plan: per phase, the slowest
 * flow of every group and every flow that shares one of its links.
 * `collective: auto` takes the algorithm predicted fastest, as NCCL's tuner
 * does. */
#ifndef TRAINSIM_GROUP_PLAN_H
#define TRAINSIM_GROUP_PLAN_H

#include "input/scenario.h"
#include "network/topology.h"
#include "plan/collective_plan.h"

/* The concurrent groups of one collective family of a pipeline rank (its
 * tensor-parallel groups, or its data-parallel ones), and the flows the plan
 * keeps for each communication pattern, built when first asked for. */
typedef struct {
    int    n, per_node;   /* members per group, members per node */
    int    first;         /* the representative's member index */
    int    group_count;
    int*   gpus;          /* group_count x n, member order, the representative's group first */
    double payload;       /* a typical payload, to find the slowest flow */
    int    spanned;       /* NODES and the floors below are known */
    int    nodes;         /* nodes the representative's group spans */
    double intra_floor, inter_floor;   /* its slowest route latency between neighbours in a node, across nodes */
    int    built[PATTERN_COUNT];   /* per collective_pattern */
    int    count[PATTERN_COUNT];
    flow*  flows[PATTERN_COUNT];
} group_template;

/* The tensor-parallel groups of rank S: one per (cp, dp) rank, replica D's
 * first. They stay inside a node: always rings. */
void tp_template(const scenario* sc, int s, int d, double payload, group_template* out);

/* The groups of rank S the MoE dispatcher gathers and scatters over (the
 * experts' tensor-parallel groups, etp consecutive GPUs, or the expert
 * groups, etp x ep: rank_order.h), the one of replica D's first GPU first:
 * always rings. */
void dispatch_gather_template(const scenario* sc, int s, int d, double payload, group_template* out);

/* The dense data-parallel groups of rank S: one per tp rank, over every
 * replica and context-parallel rank (dp x cp members, c + cp * d;
 * scenario_dense_replicas). Replica D's group first; D's member is its
 * first. */
void dp_template(const scenario* sc, const topology* t, int s, int d, double payload, group_template* out);

/* The expert data-parallel groups of rank S: the edp GPUs holding the same
 * experts, etp x ep apart (rank_order.h); the one of replica D's first GPU
 * first, from its member on. */
void expert_dp_template(const scenario* sc, const topology* t, int s, int d, double payload,
                        group_template* out);

/* The fp8 amax reduction's group of rank S: all its GPUs (tp x cp x dp),
 * replica D's TP rank 0 its member. */
void amax_template(const scenario* sc, const topology* t, int s, int d, double payload, group_template* out);

/* The context-parallel groups of rank S: one per (tp, dp) rank, cp
 * members each (c = 0 .. cp-1), replica D's TP rank 0 first. */
void cp_template(const scenario* sc, int s, int d, double payload, group_template* out);

/* REPEAT x TRANSFERS sends of BYTES from every member of each group of G
 * to the next member of its ring (context parallelism's K,V exchange), as
 * a one-phase ring plan: a ring all-gather's phase with TRANSFERS steps. */
void ring_shift_from(const topology* t, group_template* g, double bytes, int transfers, int repeat,
                     collective_plan* out);

/* REPEAT collectives OP of PAYLOAD per member over the groups of G, by the
 * REQUESTED algorithm (auto: the cheapest). */
void collective_from(const topology* t, group_template* g, collective_kind requested, collective_op op,
                     double payload, int repeat, collective_plan* out);

/* What phase K of C takes alone as the aggregated simulation runs REPEAT
 * collectives of it back to back: an NCCL call its latency and its bytes at
 * the efficiency of its protocol (for the whole payload), point-to-point
 * sends a route latency a step. */
double collective_phase_seconds(const topology* t, const collective_plan* c, int k, int repeat);

/* Adds to C's phases every flow of G's groups that shares a link that can
 * bind with one of OTHERS (flows that run at the same time as C: a rank's
 * pipeline sends beside its data-parallel collectives), so that the
 * collapsed simulation loads those links as every rank would. */
void collective_add_sharers(const topology* t, const group_template* g, const flow* others, int other_count,
                            collective_plan* c);

void group_template_free(group_template* g);

#endif
