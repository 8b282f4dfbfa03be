/* trace_numbers: what a trace says besides "when" (trace.h): the memory
 * of a pipeline rank's GPU over the step, for its counter track, and the
 * args of a communication slice: the collective or transfer it waited
 * for, its group, algorithm, bytes and protocols, from the plan the
 * simulation ran. */
#ifndef TRAINSIM_TRACE_NUMBERS_H
#define TRAINSIM_TRACE_NUMBERS_H

#include "run/run.h"
#include "input/scenario.h"
#include "core/strbuf.h"

/* A level of a counter: VALUE from TIME (seconds from the step's start)
 * until the next level's time. */
typedef struct {
    double time, value;
} counter_level;

/* The bytes one GPU of pipeline rank STAGE holds over R's timeline step,
 * into *LEVELS (free it): its model states, workspace and activation
 * buffers throughout (memory.h), plus each micro-batch's activations of a
 * model chunk from the start of its forward pass to the end of its
 * backward. Its highest level is the rank's gpu_memory.total when the
 * simulated order of passes is the schedule's. Returns how many. */
int trace_memory_levels(const scenario* sc, const run_result* r, int stage, counter_level** levels);

/* What communication slice B of a timeline waited for, in words
 * ("gradient reduction", "activations from the previous pipeline rank");
 * "" for a pass's kernels or the optimizer. */
const char* trace_comm_what(const busy_interval* b);

/* The args of slice B of R's timeline (a communication slice: B->what
 * beyond the optimizer), as the members of a JSON object ("key":value,...)
 * into OUT; nothing for a pass's kernels or the optimizer. */
void trace_comm_args(const run_result* r, const busy_interval* b, strbuf* out);

#endif
