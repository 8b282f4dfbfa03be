/* schedule: per-rank op order for GPipe, 1F1B and interleaved 1F1B (see schedule.h). */
#include "model/schedule.h"

int schedule_warmup(schedule_kind kind, int stages, int stage, int micro_batches, int chunks)
{
    int total = micro_batches * chunks;
    int warmup;
    if (kind == SCHED_GPIPE)
        warmup = total;
    else if (kind == SCHED_INTERLEAVED)
        warmup = 2 * (stages - stage - 1) + (chunks - 1) * stages;
    else
        warmup = stages - stage - 1;
    return warmup < total ? warmup : total;
}

/* The k-th forward (or backward) of a rank: micro-batches advance in groups
 * of STAGES through the chunks, forward in chunk order, backward in reverse. */
static pipeline_op nth_op(op_kind kind, int k, int stages, int chunks)
{
    int group = stages * chunks;
    int chunk = (k % group) / stages;
    pipeline_op op = {kind, (k / group) * stages + k % stages, chunk};
    if (kind == OP_BACKWARD)
        op.chunk = chunks - 1 - chunk;
    return op;
}

int schedule_build(schedule_kind kind, int stages, int stage, int micro_batches, int chunks,
                   pipeline_op* ops)
{
    if (kind != SCHED_INTERLEAVED)
        chunks = 1;
    /* Without interleaving the k-th op is micro-batch k of the only chunk. */
    int step = kind == SCHED_INTERLEAVED ? stages : micro_batches;
    int total = micro_batches * chunks;
    int warmup = schedule_warmup(kind, stages, stage, micro_batches, chunks);
    int n = 0;
    for (int k = 0; k < warmup; k++)
        ops[n++] = nth_op(OP_FORWARD, k, step, chunks);
    for (int k = 0; k < total - warmup; k++) {
        ops[n++] = nth_op(OP_FORWARD, warmup + k, step, chunks);
        ops[n++] = nth_op(OP_BACKWARD, k, step, chunks);
    }
    for (int k = total - warmup; k < total; k++)
        ops[n++] = nth_op(OP_BACKWARD, k, step, chunks);
    return n;
}
