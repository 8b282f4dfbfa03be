/* step_profile: what one simulated step took and where its time went.
 *
 * The iteration simulation (iteration.h) produces it: the step time, its
 * breakdown (means over ranks), each pipeline rank's timings, and the busy
 * intervals of one rank per pipeline rank, from which the power profile and
 * the timelines are drawn. Its operations here copy it, sort its intervals
 * and extrapolate it to more micro-batches. */
#ifndef TRAINSIM_STEP_PROFILE_H
#define TRAINSIM_STEP_PROFILE_H

#include "core/strbuf.h"

typedef struct {
    double compute;        /* seconds computing */
    double tp_comm;        /* seconds in tensor-parallel collectives */
    double pp_comm;        /* seconds waiting while an activation or gradient was in flight */
    double ep_comm;        /* seconds in expert all-to-alls */
    double cp_comm;        /* seconds waiting for the context-parallel K,V exchange beyond the attention */
    double dp_inline;      /* seconds waiting for ZeRO-3 gathers and scatters during the pipeline */
    double idle;           /* pipeline time not spent on the above: this rank's bubble */
    double pipeline_end;   /* time its last backward's work ended, from the step start */
    double dp_end;         /* time its gradient reduction ended */
    double optimizer;      /* seconds of its optimizer step */
    double end;            /* time it finished the step */
} stage_timing;

/* What a pipeline rank's GPUs do in a busy interval: computing, or
 * communicating (in a collective, or waiting while data it needs is in
 * flight). The values index arrays of per-state counts. */
typedef enum { ACTIVITY_COMPUTING = 0, ACTIVITY_COMMUNICATING = 1, ACTIVITY_STATE_COUNT } activity_state;

/* What a busy interval was spent on: the first three are computing, the
 * rest communicating. For timelines (trace, schedule picture). */
typedef enum {
    WORK_FORWARD, WORK_BACKWARD, WORK_OPTIMIZER,
    WORK_TP, WORK_PP, WORK_EP, WORK_DP, WORK_ZERO, WORK_CP,
    WORK_KIND_COUNT
} work_kind;

/* Short names of the work kinds ("forward", "TP", ...): the table, and one. */
extern const char* const work_kind_names[WORK_KIND_COUNT];
const char* work_kind_name(work_kind kind);

/* The collectives of a rank, by what they carry: the channels their
 * flows arrive on in full mode, and what a busy interval waited for. */
typedef enum {
    CH_TP, CH_PP_GATHER, CH_EP, CH_ETP, CH_ZERO_GATHER, CH_ZERO_SCATTER,
    CH_DP_REDUCE, CH_DP_GATHER, CH_EXPERT_REDUCE, CH_EXPERT_GATHER, CH_CP, CH_AMAX, CH_COUNT
} channel_kind;

/* A pipeline rank active (its GPUs above idle power) from START to END,
 * seconds from the step's start, on WHAT; MICRO_BATCH and CHUNK say which
 * pass it belongs to (-1 after the pipeline: gradient reduction, optimizer),
 * BACKWARD whether that pass is a backward one; CHANNEL the collective it
 * waited for or ran (a channel_kind; the folded ones too), -1 for none: a
 * pass's kernels, the optimizer, a pipeline receive (WORK_PP). */
typedef struct {
    int            stage;
    activity_state state;
    double         start, end;
    work_kind      what;
    int            micro_batch, chunk;
    int            channel;
    int            backward;
} busy_interval;

typedef struct {
    double        step_time;        /* start of the step to the end of the last rank */
    double        pipeline_time;    /* start of the step to the end of the last backward */
    /* The breakdown: means over ranks, summing to step_time. */
    double        compute, tp_comm, pp_comm, ep_comm, bubble;
    double        cp_comm;          /* the context-parallel exchange not hidden behind the attention */
    double        dp_comm_exposed;  /* gradient reduction not hidden behind compute */
    double        optimizer;
    int           stages;
    stage_timing* stage;
    busy_interval* busy;            /* every compute and communication activity of one rank per stage */
    int           busy_count;
    double        busy_span;        /* step time of the simulation they come from */
} step_profile;

/* The profile at M micro-batches from profiles at M1 and M2 (M1 < M2), on the
 * line through them: in steady state every micro-batch adds the same time to
 * every part of the step. */
void step_profile_extrapolate(const step_profile* a, const step_profile* b, int m1, int m2, int m,
                              step_profile* out);

/* What one more micro-batch adds to a step in steady state, measured inside
 * one simulation (iteration.h): the period (every rank's time between the
 * starts of two consecutive steady forward-backward pairs) and what each
 * pipeline rank's timings gain over one period. SETTLED is 0 when the
 * simulation showed no steady state: then STAGE is NULL. */
typedef struct {
    int           settled;
    double        period;
    int           stages;
    stage_timing* stage;   /* per pipeline rank: the increments; idle what the period leaves */
} step_increment;

/* The profile of B with MORE micro-batches in steady state: every rank's
 * timings and the step's times grow by MORE x INC, the means as
 * summarising them would give; the tail after the pipeline and the busy
 * intervals (the power's) stay B's. */
void step_profile_advance(const step_profile* b, const step_increment* inc, int more, step_profile* out);

void step_increment_free(step_increment* inc);

/* A copy of P's busy intervals, by stage and then start (free it). */
busy_interval* step_profile_sorted_busy(const step_profile* p);

/* Whether P has a busy interval of kind WHAT (a legend lists what it draws). */
int step_profile_has(const step_profile* p, work_kind what);

/* A deep copy of FROM. */
void step_profile_copy(const step_profile* from, step_profile* to);

/* P as bytes at the end of OUT, for another process of the same program
 * (a batch's worker hands its profile to the parent): every field written
 * one by one in the machine's own representation, padding never. */
void step_profile_write(const step_profile* p, strbuf* out);

/* A profile written by step_profile_write, from *AT (advanced past it) with
 * END the end of the bytes, into P (free it). Returns 0, or -1 when the
 * bytes end too soon or hold impossible counts (P then empty). */
int step_profile_read(const char** at, const char* end, step_profile* p);

void step_profile_free(step_profile* p);

#endif
