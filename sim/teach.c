/* teach: schedule pictures and explanations (see teach.h). */
#include "teach.h"

#include <math.h>
#include <stdio.h>

#include "units.h"

double teach_bubble_fraction(int p, int m, int v)
{
    return (double)(p - 1) / ((double)v * m + p - 1);
}

static const char* schedule_title(schedule_kind k)
{
    return k == SCHED_GPIPE ? "GPipe" : k == SCHED_1F1B ? "1F1B" : "interleaved 1F1B";
}

/* Seconds of one micro-batch's passes (forward and backward, every chunk,
 * with the collectives folded into them) on pipeline rank S. */
static double stage_seconds(const iteration_plan* plan, int s)
{
    double total = 0;
    for (int c = 0; c < plan->chunks; c++) {
        const chunk_plan* ch = &plan->stage[s].chunk[c];
        total += ch->fwd_seconds + ch->bwd_seconds + ch->folded.tp_fwd + ch->folded.tp_bwd + ch->folded.ep_fwd
               + ch->folded.ep_bwd;
    }
    return total;
}

/* Why the simulated bubble is not the closed form's: uneven stages, time in
 * flight between ranks. */
static void why_bubble_differs(const run_result* r, strbuf* out)
{
    const iteration_plan* plan = &r->plan;
    int heaviest = 0, lightest = 0;
    for (int s = 1; s < plan->stages; s++) {
        if (stage_seconds(plan, s) > stage_seconds(plan, heaviest))
            heaviest = s;
        if (stage_seconds(plan, s) < stage_seconds(plan, lightest))
            lightest = s;
    }
    double hi = stage_seconds(plan, heaviest), lo = stage_seconds(plan, lightest);
    char a[32], b[32];
    strbuf_append(out, "         they differ:");
    int causes = 0;
    if (hi > 1.01 * lo) {
        strbuf_printf(out, " rank %d's passes take %s per micro-batch, rank %d's %s (the embedding and output "
                           "layers are not spread evenly): the others wait for the slowest;",
                      heaviest, units_format_seconds(hi, a, sizeof a), lightest,
                      units_format_seconds(lo, b, sizeof b));
        causes++;
    }
    const step_profile* t = &r->timeline;
    if (t->pp_comm > 0.005 * t->pipeline_time) {
        strbuf_printf(out, " activations and gradients in flight (%.1f %% of the pipeline's time) delay every "
                           "hand-over, most in the warm-up and drain;",
                      100 * t->pp_comm / t->pipeline_time);
        causes++;
    }
    if (!causes)
        strbuf_append(out, " communication between passes shifts the ranks' hand-overs;");
    out->data[out->len - 1] = '\n';
}

void teach_schedule(const scenario* sc, const run_result* r, const gantt_options* opt, strbuf* out)
{
    const step_profile* t = &r->timeline;
    const iteration_plan* plan = &r->plan;
    char step[32];
    strbuf_printf(out, "%s: %s, %d pipeline ranks", sc->name, schedule_title(plan->schedule), plan->stages);
    if (plan->chunks > 1)
        strbuf_printf(out, " of %d model chunks each", plan->chunks);
    strbuf_printf(out, ", %d micro-batches, TP %d x DP %d per rank; one step, %s\n\n", plan->micro_batches,
                  sc->par.tp, sc->par.dp, units_format_seconds(t->step_time, step, sizeof step));
    gantt_draw(t, opt, out);
    double simulated = t->bubble / t->pipeline_time;
    double closed = teach_bubble_fraction(plan->stages, plan->micro_batches, plan->chunks);
    strbuf_printf(out, "\nBubble   %.1f %% of the pipeline's time, the mean over ranks (simulated)\n", 100 * simulated);
    if (plan->chunks > 1)
        strbuf_printf(out, "         (p - 1) / (v m + p - 1) = %d / (%d x %d + %d) = %.1f %%", plan->stages - 1,
                      plan->chunks, plan->micro_batches, plan->stages - 1, 100 * closed);
    else
        strbuf_printf(out, "         (p - 1) / (m + p - 1) = %d / (%d + %d) = %.1f %%", plan->stages - 1,
                      plan->micro_batches, plan->stages - 1, 100 * closed);
    strbuf_append(out, " for equal stages and free communication\n");
    if (fabs(simulated - closed) > 0.005)
        why_bubble_differs(r, out);
}
