/* plan: the iteration simulation's script, in hosts, seconds and bytes.
 *
 * From the workload (what each stage computes and sends) and the topology
 * (which links connect which GPUs), the plan decides what the collapsed
 * simulation runs (DESIGN.md, "Two levels"):
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
 * the rest of dp, pp outermost), rank r on GPU r. */
#ifndef TRAINSIM_PLAN_H
#define TRAINSIM_PLAN_H

#include "model/collective.h"
#include "network/topology.h"
#include "input/scenario.h"
#include "model/workload.h"

/* PyTorch DDP's default gradient bucket (bucket_cap_mb = 25): with
 * dp_overlap, the last bucket is reduced after the backward pass ends. */
#define PLAN_DP_BUCKET_BYTES (25.0 * 1048576.0)

/* One phase of a collective reduced to its slowest flow: STEPS steps of
 * CHUNK_BYTES per flow, over FLOWS (flows[0] the slowest, the others the
 * flows of concurrent groups that share its links). */
typedef struct {
    int    steps;
    double chunk_bytes;
    int    flow_count;
    flow*  flows;
} phase_plan;

/* A collective (collective.h) reduced phase by phase: REPEAT collectives
 * back to back. PREDICTED holds, per algorithm (collective_kind), the time
 * of one collective alone on the platform that `auto` chose by; 0 where the
 * algorithm does not apply or was not asked about. */
typedef struct {
    collective_shape shape;
    collective_kind  requested;
    double           payload_bytes;  /* per rank, per collective */
    int              repeat;
    phase_plan       phase[COLLECTIVE_MAX_PHASES];
    double           predicted[COLL_COUNT];
} collective_plan;

/* Whether C has flows to simulate (not empty, not folded). */
static inline int collective_has_flows(const collective_plan* c)
{
    return c->shape.phase_count > 0 && c->repeat > 0 && c->phase[0].flow_count > 0;
}

/* An all-to-all: every flow carries BYTES per collective, REPEAT times. */
typedef struct {
    int    flow_count;
    flow*  flows;
    double bytes;
    int    repeat;
} alltoall_plan;

/* A blocking collective whose links no concurrent flow can touch takes its
 * closed-form time exactly; such collectives are folded: their flows are
 * dropped and their time runs as part of the compute activity. */
typedef struct {
    double tp_fwd, tp_bwd, ep_fwd, ep_bwd;   /* seconds per micro-batch */
} folded_time;

typedef struct {
    double          fwd_seconds, bwd_seconds;
    collective_plan tp_fwd, tp_bwd;     /* per micro-batch, exposed */
    alltoall_plan   ep_fwd, ep_bwd;     /* per micro-batch, exposed */
    folded_time     folded;
    collective_plan zero_gather;        /* ZeRO-3: before the forward and again the backward */
    collective_plan zero_scatter;       /* ZeRO-3: gradients after the backward */
} chunk_plan;

typedef struct {
    int             gpu;                /* where the rank's actor runs */
    chunk_plan*     chunk;              /* one per model chunk */
    double          pp_bytes;           /* per flow, per micro-batch */
    int             next_flow_count;    /* activations to rank (s + 1) mod p */
    flow*           next_flows;
    int             prev_flow_count;    /* gradients to rank (s - 1) mod p */
    flow*           prev_flows;
    collective_plan pp_gather;          /* TP all-gather of a received activation split by scatter-gather */
    double          pp_gather_folded;   /* its seconds, when folded */
    collective_plan dp_reduce, dp_gather;          /* dense gradients: all-reduce, or reduce-scatter + all-gather */
    collective_plan expert_reduce, expert_gather;  /* expert gradients, over dp / ep ranks */
    double          dp_bucket_bytes;    /* > 0: the reduction overlaps the last backward but this bucket */
    double          optimizer_seconds;
} stage_plan;

/* A rank's group for a collective: member j is GPU base + j x stride, the
 * rank is member INDEX. */
typedef struct {
    int base, stride, index;
} group_ref;

/* With --detail full, every rank of the job runs, talking to its real peers:
 * its peers in each phase of its collectives (from its groups and the
 * collective's shape), its counterparts in the neighbouring pipeline ranks,
 * its expert-parallel peers. -1: none. */
typedef struct {
    int       gpu, stage;
    group_ref tp, dp, expert;   /* expert: the replicas holding the same experts */
    int  pp_next, pp_prev;           /* same TP/CP rank and replica, rank s +- 1 (mod p) */
    int  ep_count;
    int* ep_peers;
} rank_peers;

typedef struct {
    int           stages, chunks, micro_batches;
    schedule_kind schedule;
    int           replica;           /* the data-parallel replica simulated */
    int           full;              /* every rank runs (rank_peers), not one per pipeline rank */
    int           rank_count;
    rank_peers*   ranks;
    stage_plan*   stage;
    int           gpus_per_node;
    int*          gpus;              /* GPUs the platform must contain, sorted */
    int           gpu_count;
} iteration_plan;

int  plan_build(const scenario* sc, const workload* w, const topology* t, iteration_plan* p);

/* Folds every isolated blocking collective of P (collapsed plans only). */
void plan_fold_isolated(const topology* t, iteration_plan* p);

/* The plan of --detail full: plan_build's sizes and every rank's peers; the
 * platform holds every node the job uses. */
int  plan_build_full(const scenario* sc, const workload* w, const topology* t, iteration_plan* p);
void plan_free(iteration_plan* p);

/* Every (src, dst) pair of GPUs the simulation of P may send between, sorted
 * and distinct (malloc'd): what a platform with per-pair routes must hold. */
flow* plan_pairs(const iteration_plan* p, int* count);

/* GPU of rank (tp t, cp c, dp d, pp s). */
int plan_rank(const scenario* sc, int t, int c, int d, int s);

#endif
