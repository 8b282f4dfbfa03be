/* iteration_plan: the iteration simulation's script, as data: per pipeline
 * rank, its model chunks' compute and collectives, its pipeline sends, its
 * gradient reduction; with --detail full, every rank's peers; the GPUs the
 * platform must hold. plan.h says how it is decided and builds it. */
#ifndef TRAINSIM_ITERATION_PLAN_H
#define TRAINSIM_ITERATION_PLAN_H

#include "input/scenario.h"
#include "model/cp_exchange.h"
#include "model/param_gather.h"
#include "model/tp_overlap.h"
#include "plan/collective_plan.h"

/* A blocking collective whose links no concurrent flow can touch takes its
 * closed-form time exactly; such collectives are folded: their flows are
 * dropped and their time runs as part of the compute activity. */
typedef struct {
    double tp_fwd, tp_bwd;   /* seconds per micro-batch */
    double ep_fwd, ep_bwd;   /* the expert dispatch's: all-to-alls and ETP gathers and scatters */
} folded_time;

/* Context parallelism's K,V exchange in one pass of a chunk
 * (model/cp_exchange.h): per section, its sends to the next CP rank over
 * all the chunk's layers (steps: transfers per layer, repeat: layers) and
 * the attention seconds they run beside; the rank waits for both. */
typedef struct {
    collective_plan ring;
    double          compute_seconds;    /* per micro-batch, all layers */
} cp_section_plan;

typedef struct {
    cp_section_plan section[CP_MAX_SECTIONS];
    int             count;
    double          overlapped;         /* the sections' compute: taken out of the pass's own */
} cp_pass_plan;

typedef struct {
    double          fwd_seconds, bwd_seconds;
    collective_plan tp_fwd, tp_bwd;     /* per micro-batch, exposed */
    cp_pass_plan    cp_fwd, cp_bwd;     /* per micro-batch: the K,V exchange beside the attention */
    alltoall_plan   ep_fwd, ep_bwd;     /* per micro-batch, exposed */
    collective_plan etp_fwd, etp_bwd;   /* the dispatcher's all-gathers and reduce-scatters (ETP or expert
                                         * group: rank_order.h), likewise */
    folded_time     folded;
    tp_overlap_time tp_overlap;         /* tp_comm_overlap: the TP collectives' exposed time, in closed form */
    collective_plan zero_gather;        /* ZeRO-3: before the forward and again the backward */
    collective_plan zero_scatter;       /* ZeRO-3: gradients after the backward */
    weight_buckets  weight_buckets;     /* param_gather_overlap: its weights' buckets, in forward order */
    double          weight_share;       /* its share of the stage's dense weights (and their gradients) */
    double          gather_share;       /* ... of the bytes of the stage's dense weight gather (dp_gather) */
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
    collective_plan expert_reduce, expert_gather;  /* expert gradients, over the edp ranks */
    collective_plan amax_fwd, amax_bwd; /* fp8 with Transformer Engine: the amax all-reduce over the rank's
                                         * tp x dp x cp GPUs that ends every forward and every backward pass
                                         * of a chunk (model/amax_reduction.h) */
    double          dp_bucket_bytes;    /* > 0: the reduction overlaps the last backward but this bucket */
    int             reduce_by_chunk;    /* dp_overlap with interleaving: each chunk's share of dp_reduce starts
                                         * where the schedule hands it over (Megatron-Core's grad_sync_func) */
    int             gather_ahead;       /* param_gather_overlap: dp_gather runs bucket by bucket beside the
                                         * first forward passes, not after the optimizer */
    int             gather_by_chunk;    /* ... with interleaving: a chunk's weights in one gather, issued where
                                         * the schedule hands them over (Megatron-Core's param_sync_func) */
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
    group_ref tp, dp, etp, expert;   /* etp: the group of the dispatcher's gathers; expert: the GPUs holding the
                                      * same experts */
    group_ref cp;                    /* the context-parallel ring: same TP rank, replica and stage */
    group_ref amax;                  /* every GPU of its pipeline rank: the fp8 amax reduction's */
    int  pp_next, pp_prev;           /* same TP/CP rank and replica, rank s +- 1 (mod p) */
    int     ep_count;
    int*    ep_peers;                /* the dispatcher's exchange: whom the rank sends to, */
    double* ep_bytes;                /* ... how many bytes each exchange, */
    int     ep_awaited;              /* ... and how many peers send to it */
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

#endif
