/* rank_state: a rank's record of its busy intervals (see rank_state.h). */
#include "des/rank_state.h"

#include "core/strbuf.h"

void record_busy(rank_state* st, work_kind what, int waited_for, double start, double end)
{
    if (!st->records_busy || end <= start)
        return;
    if (st->busy_count == st->busy_cap) {
        st->busy_cap = st->busy_cap ? 2 * st->busy_cap : 64;
        st->busy = xrealloc(st->busy, (size_t)st->busy_cap * sizeof *st->busy);
    }
    activity_state state = what <= WORK_OPTIMIZER ? ACTIVITY_COMPUTING : ACTIVITY_COMMUNICATING;
    st->busy[st->busy_count++] = (busy_interval){st->stage, state, start - st->ctx->start, end - st->ctx->start,
                                                 what, st->pass.micro_batch, st->pass.chunk, waited_for,
                                                 st->pass.kind == OP_BACKWARD && st->pass.micro_batch >= 0};
}
