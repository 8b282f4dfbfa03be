/* power: the cluster's electrical power over a simulated step, and the
 * energy of the whole run.
 *
 * A pipeline stage's GPUs draw power.gpu_busy while their rank computes
 * (its kernels and the optimizer step), power.gpu_comm while it
 * communicates (in a collective, or waiting while data it needs is in
 * flight), and power.gpu_idle otherwise: in pipeline bubbles. Every node
 * adds power.node_overhead, and the facility multiplies the lot by
 * power.pue. Synchronous training makes the whole cluster swing in step:
 * the activity intervals of one simulated step give the power as a function
 * of time, its peak and its trough. */
#ifndef TRAINSIM_POWER_H
#define TRAINSIM_POWER_H

#include "des/iteration.h"
#include "input/scenario.h"

typedef struct {
    double average;   /* facility watts, mean over a step (from the profile's compute shares) */
    double peak;      /* highest and lowest facility watts within the simulated step */
    double trough;
    double idle;      /* the whole job idle: checkpoints, recoveries, waiting for spares */
    double computing, communicating;   /* shares of the job's GPU-time in a step ... */
    double idle_share;                 /* ... and the rest, idle (0 within the sums' rounding) */
} step_power;

/* The power of a job of GPUS GPUs on NODES nodes, PROFILE's stages each
 * holding GPUS / stages of them. */
void power_of_step(const power_spec* p, const step_profile* profile, double gpus, double nodes, step_power* out);

/* One level of the power over a step: WATTS (facility) from TIME (seconds
 * from the step's start) until the next level's time, the last until the
 * profile's busy_span. */
typedef struct {
    double time, watts;
} power_level;

/* The power over PROFILE's step as the step function its activity
 * intervals draw, into *LEVELS (free it): a level per change, levels held
 * no longer than a billionth of the span left out as power_of_step does,
 * so that their highest and lowest are its peak and trough. Returns how
 * many (at least 1). */
int power_levels(const power_spec* p, const step_profile* profile, double gpus, double nodes, power_level** levels);

#endif
