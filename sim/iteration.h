/* iteration: the iteration-level discrete-event simulation of one step.
 *
 * SimGrid actors execute an iteration plan on the loaded platform: one actor
 * per pipeline stage walks its schedule (schedule.h), computing as exec
 * activities, running its tensor-parallel collectives, sending activations
 * and gradients to its neighbours as network flows, and reducing gradients
 * over its data-parallel ring after its last backward pass. The result is a
 * step profile: the step time and where it went. */
#ifndef TRAINSIM_ITERATION_H
#define TRAINSIM_ITERATION_H

#include "plan.h"

typedef struct {
    double compute;        /* seconds computing */
    double tp_comm;        /* seconds in tensor-parallel collectives */
    double pp_comm;        /* seconds waiting while an activation or gradient was in flight */
    double dp_comm;        /* seconds reducing gradients after the last backward */
    double idle;           /* pipeline time not spent on the above: this stage's bubble */
    double pipeline_end;   /* time of its last backward, from the step start */
    double end;            /* time its gradient reduction finished */
} stage_timing;

typedef struct {
    double        step_time;        /* start of the step to the end of the last reduction */
    double        pipeline_time;    /* start of the step to the last backward of any stage */
    /* The breakdown: means over stages, summing to step_time. */
    double        compute, tp_comm, pp_comm, bubble;
    double        dp_comm_exposed;  /* step_time - pipeline_time */
    int           stages;
    stage_timing* stage;
} step_profile;

typedef struct {
    int stepwise_collectives;   /* every ring step as its own transfer (validation) */
} iteration_options;

/* Runs one step of PLAN on the loaded platform. Returns 0. */
int  iteration_simulate(const iteration_plan* plan, const iteration_options* opt, step_profile* out);
void step_profile_free(step_profile* p);

#endif
