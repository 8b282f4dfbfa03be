/* schedule: the order in which one pipeline rank runs its forward and
 * backward passes over the micro-batches (and model chunks) of a step.
 *
 * Pure bookkeeping, no simulation: the iteration simulation walks these
 * lists, and the data dependencies between ranks (a forward needs the
 * previous virtual stage's output, a backward the next one's gradient)
 * decide the timing.
 *  - GPipe (Huang et al. 2019): all forwards, then all backwards.
 *  - 1F1B (PipeDream-Flush, Narayanan et al. 2021, Sec. 2.2): p-s-1 warm-up
 *    forwards, then one forward and one backward alternately, then drain.
 *  - Interleaved 1F1B (Narayanan et al. 2021, Sec. 2.2.2, as Megatron-LM's
 *    forward_backward_pipelining_with_interleaving orders it): v model chunks
 *    per rank, micro-batches taken in groups of p, 2(p-s-1) + (v-1)p warm-up
 *    forwards. Chunk c of rank s is virtual stage c*p + s. */
#ifndef TRAINSIM_SCHEDULE_H
#define TRAINSIM_SCHEDULE_H

#include "input/scenario.h"

typedef enum { OP_FORWARD, OP_BACKWARD, OP_KIND_COUNT } op_kind;

typedef struct {
    op_kind kind;
    int     micro_batch;
    int     chunk;
} pipeline_op;

/* Writes the 2 * MICRO_BATCHES * CHUNKS ops of rank STAGE (0-based, of
 * STAGES) into OPS and returns their number. CHUNKS is 1 unless KIND is
 * SCHED_INTERLEAVED (which needs MICRO_BATCHES to be a multiple of STAGES). */
int schedule_build(schedule_kind kind, int stages, int stage, int micro_batches, int chunks,
                   pipeline_op* ops);

/* Forward passes rank STAGE runs before its first backward. */
int schedule_warmup(schedule_kind kind, int stages, int stage, int micro_batches, int chunks);

/* Where an interleaved schedule hands each model chunk's data-parallel
 * collectives over, on rank STAGE whose N ops are OPS (Megatron-Core's
 * forward_backward_pipelining_with_interleaving, which launches them "at
 * the same time across the pipeline-parallel group": a rank s ahead of its
 * own forward order by s passes, behind its backward order by s):
 *  - GATHER_AT[c]: chunk c's weight gather is issued before the rank's
 *    forward number GATHER_AT[c] (forwards counted from 0): -1 for chunk 0
 *    (the step's start), 0 for chunk 1 (the first two chunks are
 *    synchronised before the first forward), F(c-1) - s for the others, at
 *    least 0, F(j) being the rank's first forward of chunk j;
 *  - REDUCE_AFTER[c]: chunk c's gradient reduction is issued after the
 *    rank's backward number L(c) + s, L(c) its last backward of chunk c, or,
 *    when that is past its last backward (chunk 0 always), after the
 *    pipeline: the number of its backwards. */
void schedule_chunk_handovers(const pipeline_op* ops, int n, int stage, int chunks, int* gather_at,
                              int* reduce_after);

#endif
