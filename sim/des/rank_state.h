/* rank_state: the state of a rank's actor in the iteration simulation,
 * shared by the actor's pipeline walk (iteration.c) and its communication
 * (iteration_comm.c): where the step's ranks are, the collectives each may
 * have in flight, what arrives for it, what it has spent its time on. */
#ifndef TRAINSIM_RANK_STATE_H
#define TRAINSIM_RANK_STATE_H

#include <simgrid/engine.h>
#include <simgrid/forward.h>

#include "des/iteration_options.h"
#include "des/step_profile.h"
#include "des/transfer.h"
#include "model/schedule.h"
#include "plan/plan.h"

/* A rank's pipeline neighbours, as indices of its arrivals and inbox. */
enum { FROM_PREVIOUS = 0, FROM_NEXT = 1 };

/* Full mode: what arrives from a collective's peers, per kind
 * (channel_kind, step_profile.h). */
typedef struct {
    sg_sem_t arrived;   /* released once per arrival */
    double   last;      /* simulated time of the latest arrival */
} channel;

typedef struct rank_state rank_state;

typedef struct {
    const iteration_plan*    plan;
    const iteration_options* opt;
    rank_state*              ranks;   /* collapsed: one per pipeline rank; full: per GPU */
    int                      count;
    double                   start;   /* simulated time the step began */
} step_context;

/* A collective whose flows may run while the actor does something else. */
typedef struct {
    transfer_batch* batches;     /* one per flow in full mode, one for all in collapsed mode */
    int             batch_count, batch_cap;
    sg_sem_t        done;
    double          latency;     /* latency still owed once everything has arrived */
    channel*        channel;     /* full mode: where the peers' flows arrive */
    int             awaited;     /* full mode: arrivals to take from it */
    int             active;
    int             background;  /* an actor runs it and releases DONE once when it is over */
    channel_kind    kind;        /* the collective it runs: what a wait for it is recorded as */
} collective_run;

struct rank_state {
    step_context*     ctx;
    int               stage;          /* pipeline rank */
    const rank_peers* peers;          /* full mode only */
    sg_sem_t          arrivals[2];    /* released on every arrival from a pipeline neighbour */
    transfer_batch*   inbox[2];       /* per (chunk, micro-batch) */
    channel           channels[CH_COUNT][COLLECTIVE_MAX_PHASES];
    collective_run    blocking, zero_gather, zero_scatter, dp_overlap;
    collective_run    weight_gather;  /* param_gather_overlap: the bucket in flight */
    int*              gather_at;      /* per chunk, with interleaving: where the schedule hands over its weight */
    int*              reduce_after;   /* gather and its gradient reduction (schedule_chunk_handovers) */
    int               forwards, backwards;   /* passes run so far */
    int               gathers_issued; /* chunks whose weight gather has started, in chunk order */
    collective_run    cp_exchange;    /* context parallelism: the K,V sends beside the attention */
    stage_timing      timing;
    int               records_busy;   /* the rank whose activity stands for its stage's power */
    pipeline_op*      ops;            /* its schedule: freed with the rank, so that a deadlock leaks nothing */
    int               finished;       /* it reached the end of its step */
    pipeline_op       pass;           /* the pass it runs; micro-batch -1 after the pipeline */
    busy_interval*    busy;
    int               busy_count, busy_cap;
    transfer_batch*   awaiting;       /* the pipeline arrival it waits for, if any */
    int               puts_unreceived; /* its pipeline flows put (transfer_put) that no receiver has waited for */
    int               draining;       /* it has finished its step and waits for them */
    sg_sem_t          drained;        /* released when the last of them is received while it drains */
    stage_timing*     pair_start;     /* its timing (end: the time) as each steady forward-backward pair began */
    int               pair_count;
};

/* The simulated time. */
static inline double now(void)
{
    return simgrid_get_clock();
}

static inline const stage_plan* stage_of(const rank_state* st)
{
    return &st->ctx->plan->stage[st->stage];
}

/* The recording rank's GPUs worked on WHAT from START to END (simulated
 * times), waiting for the collective of kind WAITED_FOR (-1: none): an
 * interval of its stage's power profile and timeline. */
void record_busy(rank_state* st, work_kind what, int waited_for, double start, double end);

#endif
