/* iteration_options: how the iteration simulation runs a plan (iteration.h),
 * apart from what the plan says. */
#ifndef TRAINSIM_ITERATION_OPTIONS_H
#define TRAINSIM_ITERATION_OPTIONS_H

typedef struct {
    int stepwise_collectives;   /* every collective step as its own transfer (validation) */
} iteration_options;

#endif
