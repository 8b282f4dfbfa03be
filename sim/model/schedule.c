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

void schedule_chunk_handovers(const pipeline_op* ops, int n, int stage, int chunks, int* gather_at,
                              int* reduce_after)
{
    int forwards = 0, backwards = 0;
    for (int c = 0; c < chunks; c++)
        gather_at[c] = reduce_after[c] = -1;
    for (int i = 0; i < n; i++) {
        int c = ops[i].chunk;
        if (ops[i].kind == OP_FORWARD) {
            if (c + 1 < chunks && gather_at[c + 1] < 0)   /* F(c): chunk c + 1 is issued s passes earlier */
                gather_at[c + 1] = forwards - stage > 0 ? forwards - stage : 0;
            forwards++;
        } else {
            reduce_after[c] = backwards++;   /* L(c), so far */
        }
    }
    if (chunks > 0)
        gather_at[0] = -1;
    if (chunks > 1)
        gather_at[1] = 0;
    for (int c = 0; c < chunks; c++)
        reduce_after[c] = reduce_after[c] + stage < backwards ? reduce_after[c] + stage : backwards;
}
