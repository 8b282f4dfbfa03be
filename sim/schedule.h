/* schedule: the order in which one pipeline stage runs its forward and
 * backward passes over the micro-batches of a step.
 *
 * Pure bookkeeping, no simulation: the iteration simulation walks these
 * lists, and the data dependencies between stages (a forward needs the
 * previous stage's output, a backward the next stage's gradient) decide the
 * timing. GPipe (Huang et al. 2019): all forwards, then all backwards.
 * 1F1B (PipeDream-Flush, Narayanan et al. 2021, Sec. 2.2): p-s-1 warm-up
 * forwards, then alternate one forward and one backward, then drain. */
#ifndef TRAINSIM_SCHEDULE_H
#define TRAINSIM_SCHEDULE_H

#include "scenario.h"

typedef enum { OP_FORWARD, OP_BACKWARD } op_kind;

typedef struct {
    op_kind kind;
    int     micro_batch;
} pipeline_op;

/* Writes the 2*MICRO_BATCHES ops of STAGE (0-based, of STAGES) into OPS and
 * returns their number. KIND is SCHED_GPIPE or SCHED_1F1B. */
int schedule_build(schedule_kind kind, int stages, int stage, int micro_batches, pipeline_op* ops);

/* Forward passes a stage runs before its first backward under 1F1B. */
int schedule_warmup(int stages, int stage, int micro_batches);

#endif
