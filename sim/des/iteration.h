/* iteration: the iteration-level discrete-event simulation of one step.
 *
 * SimGrid actors execute an iteration plan on the loaded platform: one actor
 * per pipeline rank walks its schedule (schedule.h) over its model chunks,
 * computing as exec activities, running its tensor-parallel collectives and
 * expert all-to-alls, sending activations and gradients to its neighbours as
 * network flows, gathering ZeRO-3 weights while it computes, and reducing
 * gradients over its data-parallel group (during the last backward pass with
 * dp_overlap) before the optimizer step. The result is a step profile
 * (step_profile.h): the step time and where it went. */
#ifndef TRAINSIM_ITERATION_H
#define TRAINSIM_ITERATION_H

#include "des/iteration_options.h"
#include "des/step_profile.h"
#include "plan/plan.h"

/* Runs one step of PLAN on the loaded platform. Returns 0, or how many of
 * its ranks never finished the step: SimGrid ran out of events while they
 * waited (a deadlock, which SimGrid reports on stderr); OUT is then not a
 * step and must not be reported. When INC is not NULL, it gets what one
 * more micro-batch would add to the step (step_profile.h): settled only
 * for a collapsed simulation of one model chunk per rank whose pipeline
 * reached its period (free it with step_increment_free). */
int  iteration_simulate(const iteration_plan* plan, const iteration_options* opt, step_profile* out,
                        step_increment* inc);

#endif
