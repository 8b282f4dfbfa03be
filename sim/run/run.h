/* run: from a validated scenario to the figures of the whole training run.
 *
 * Wires the pipeline of docs/design.md for one scenario: workload, topology,
 * plan, platform, the iteration simulation, then the run-level figures
 * (steps, wall-clock, MFU, GPU-hours, cost), with the memory per GPU checked
 * against HBM first. The run level (campaign.h) turns the step into the
 * whole run: checkpoints, failures, recoveries and spares, replicated; what
 * the simulation does not model yet is listed in run_result.not_simulated
 * so that reports can say so. */
#ifndef TRAINSIM_RUN_H
#define TRAINSIM_RUN_H

#include "des/campaign.h"
#include "des/iteration.h"
#include "model/memory.h"
#include "network/topology.h"
#include "plan/plan.h"
#include "run/power.h"
#include "run/step_cache.h"
#include "run/uncertainty.h"
#include "input/scenario.h"
#include "model/workload.h"

#define RUN_MAX_NOTES 16

/* --detail full simulates every rank, so only jobs up to this size. */
#define RUN_FULL_DETAIL_MAX_GPUS 4096

typedef struct {
    int stepwise_collectives;   /* see iteration_options */
    int full_detail;            /* every rank and micro-batch, nothing collapsed */
    int timeline;               /* also run_result.timeline and run_log, for traces and pictures */
    /* A batch's runs (same options, no timeline) share their step profiles:
     * the entry of STEP_KEY (the hash of the run's step-shaping inputs) if
     * CACHE has it, else the run records one there (step_cache.h). */
    step_cache* cache;
    uint64_t    step_key;
} run_options;

/* One batch size of the run: training.batch_ramp's phases, then the final
 * global batch. */
typedef struct {
    long long           global_batch;   /* sequences */
    double              tokens;         /* trained in this phase */
    double              steps;
    const step_profile* profile;        /* own, or the final batch's: run_result.profile */
    step_profile        own;
} batch_phase;

#define RUN_MAX_PHASES (SCENARIO_MAX_RAMP_PHASES + 1)

typedef struct {
    int          feasible;
    char         infeasible_reason[512];
    strbuf       refused;           /* run_simulate's RUN_BAD_INPUT for a bounded key (run_bound.h): the message */
    char         broken[512];       /* with RUN_BROKEN: what went wrong inside trainsim */
    workload     work;
    memory_report memory;
    topology     topo;
    iteration_plan plan;
    step_profile profile;
    long long    world_gpus, cluster_gpus, micro_batches;
    double       steps;             /* training steps, all phases */
    batch_phase  phase[RUN_MAX_PHASES];   /* the ramp's phases, then the final batch */
    int          phase_count;
    campaign_input  campaign_in;    /* the run level's inputs, derived from the scenario */
    campaign_result campaign;
    double       checkpoint_bytes;
    double       tokens;            /* tokens trained on */
    double       wall_seconds;      /* mean over replications */
    double       mfu, hfu;          /* per step */
    double       run_mfu;           /* model FLOPs over the whole wall-clock */
    double       tokens_per_s;
    double       tflops_per_gpu;    /* model FLOP/s per GPU, in TFLOP/s */
    double       gpu_hours, cost;
    step_power   power;             /* of the final batch's step */
    double       energy_cost;       /* energy_joules at cost.kwh */
    double       energy_joules;     /* the whole run, facility */
    double       total_model_flops;
    /* With run_options.timeline: one whole step of the final batch, every
     * micro-batch simulated (the profile may be extrapolated from fewer),
     * and the run level's first replication. */
    step_profile timeline;
    campaign_log run_log;
    const char*  not_simulated[RUN_MAX_NOTES];
    int          not_simulated_count;
    /* The scenario's uncertainty study, when its samples were run (the
     * caller's, set after run_simulate; NULL: none), for the reports. */
    const uncertainty_result* uncertainty;
} run_result;

/* Builds the workload and checks that the plan fits: returns 0 when it does,
 * 1 (EXIT_INFEASIBLE) with out->infeasible_reason when it does not. */
int run_prepare(const scenario* sc, run_result* out);

/* What run_simulate returns besides 0 and 1 (infeasible): RUN_BAD_INPUT
 * when the platform cannot be loaded or the run level would exceed its
 * bounds (then out->refused holds the message, "FILE:LINE:COL: key: ...",
 * for exit 2; empty for the platform); RUN_BROKEN when the simulation
 * broke (a deadlock; with run_invariants.h, a report's invariant),
 * out->broken saying how: not the input's fault, exit status 3. */
#define RUN_BAD_INPUT (-1)
#define RUN_BROKEN (-2)

/* run_prepare, then the simulation and the run figures. Returns 0, 1 when
 * the plan is infeasible, RUN_BAD_INPUT or RUN_BROKEN. */
int run_simulate(const scenario* sc, const run_options* opt, run_result* out);

/* The generated platform of PLAN on T (see platform_xml). */
void run_platform_xml(const topology* t, const iteration_plan* plan, strbuf* xml);

/* The pipeline rank whose gradient reduction ends last: the one whose
 * collectives show in the step. */
int run_last_reduction_stage(const run_result* r);

void run_result_free(run_result* r);

#endif
