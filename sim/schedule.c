/* schedule: per-stage op order for GPipe and 1F1B (see schedule.h). */
#include "schedule.h"

int schedule_warmup(int stages, int stage, int micro_batches)
{
    int warmup = stages - stage - 1;
    return warmup < micro_batches ? warmup : micro_batches;
}

static int build_gpipe(int micro_batches, pipeline_op* ops)
{
    int n = 0;
    for (int i = 0; i < micro_batches; i++)
        ops[n++] = (pipeline_op){OP_FORWARD, i};
    for (int i = 0; i < micro_batches; i++)
        ops[n++] = (pipeline_op){OP_BACKWARD, i};
    return n;
}

static int build_1f1b(int stages, int stage, int micro_batches, pipeline_op* ops)
{
    int warmup = schedule_warmup(stages, stage, micro_batches);
    int n = 0;
    for (int i = 0; i < warmup; i++)
        ops[n++] = (pipeline_op){OP_FORWARD, i};
    for (int i = 0; i < micro_batches - warmup; i++) {
        ops[n++] = (pipeline_op){OP_FORWARD, warmup + i};
        ops[n++] = (pipeline_op){OP_BACKWARD, i};
    }
    for (int i = micro_batches - warmup; i < micro_batches; i++)
        ops[n++] = (pipeline_op){OP_BACKWARD, i};
    return n;
}

int schedule_build(schedule_kind kind, int stages, int stage, int micro_batches, pipeline_op* ops)
{
    if (kind == SCHED_GPIPE)
        return build_gpipe(micro_batches, ops);
    return build_1f1b(stages, stage, micro_batches, ops);
}
