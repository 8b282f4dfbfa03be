/* power: facility power from a step's activity intervals (see power.h). */
#include "run/power.h"

#include <math.h>
#include <stdlib.h>

#include "core/strbuf.h"

typedef struct {
    double         time;
    activity_state state;
    int            change;   /* +1: a stage enters the state, -1: it leaves it */
} power_event;

static int compare_event(const void* a, const void* b)
{
    const power_event* x = a;
    const power_event* y = b;
    if (x->time != y->time)
        return (x->time > y->time) - (x->time < y->time);
    return (x->change > y->change) - (x->change < y->change);   /* leaving first: no false peak */
}

/* Facility watts with COMPUTING and COMMUNICATING of the STAGES stages in
 * those states, the others idle. */
static double watts(const power_spec* p, double gpus, double nodes, int stages, int computing, int communicating)
{
    double per_stage = gpus / stages;
    int idle = stages - computing - communicating;
    double gpu = per_stage * (computing * p->gpu_busy + communicating * p->gpu_comm + idle * p->gpu_idle);
    return p->pue * (gpu + nodes * p->node_overhead);
}

/* Peak and trough of the step function the activity intervals draw over
 * the simulated step [0, span]. A level held for no more than a
 * billionth of the span is left out: one rank's activity ending at the
 * instant the next begins draws no real dip or spike, yet rounding in the
 * simulated clock can open a gap of 1e-15 s between them, or close it. */
static void swing(const power_spec* p, const step_profile* prof, double gpus, double nodes, step_power* out)
{
    int n = prof->busy_count;
    power_event* e = xmalloc(((size_t)2 * n + 1) * sizeof *e);
    for (int i = 0; i < n; i++) {
        e[2 * i] = (power_event){prof->busy[i].start, prof->busy[i].state, +1};
        e[2 * i + 1] = (power_event){prof->busy[i].end, prof->busy[i].state, -1};
    }
    qsort(e, (size_t)2 * n, sizeof *e, compare_event);
    int count[ACTIVITY_STATE_COUNT] = {0};
    double most = -INFINITY, least = INFINITY, instant = 1e-9 * prof->busy_span;
    /* Before the first event every stage is idle, unless something starts at 0. */
    if (n == 0 || e[0].time > instant)
        most = least = watts(p, gpus, nodes, prof->stages, 0, 0);
    for (int i = 0; i < 2 * n; i++) {
        count[e[i].state] += e[i].change;
        double until = i + 1 < 2 * n ? e[i + 1].time : prof->busy_span;
        if (until - e[i].time <= instant)
            continue;
        double w = watts(p, gpus, nodes, prof->stages, count[ACTIVITY_COMPUTING], count[ACTIVITY_COMMUNICATING]);
        most = fmax(most, w);
        least = fmin(least, w);
    }
    free(e);
    out->peak = isinf(most) ? watts(p, gpus, nodes, prof->stages, 0, 0) : most;
    out->trough = isinf(least) ? out->peak : least;
}

/* Stage-seconds computing and communicating in a step of PROF: its kernels
 * and optimizer step; its collectives, in-flight waits, and the gradient
 * reduction and weight gathers not hidden after its pipeline ends. */
static void activity_of(const step_profile* prof, double* computing, double* communicating)
{
    *computing = *communicating = 0;
    for (int s = 0; s < prof->stages; s++) {
        const stage_timing* t = &prof->stage[s];
        *computing += t->compute + t->optimizer;
        *communicating += t->tp_comm + t->pp_comm + t->ep_comm + t->cp_comm + t->dp_inline
                          + fmax(0, t->end - t->pipeline_end - t->optimizer);
    }
}

void power_of_step(const power_spec* p, const step_profile* prof, double gpus, double nodes, step_power* out)
{
    double computing, communicating, gpu_time = prof->stages * prof->step_time;
    activity_of(prof, &computing, &communicating);
    out->computing = gpu_time > 0 ? computing / gpu_time : 0;
    out->communicating = gpu_time > 0 ? communicating / gpu_time : 0;
    /* The rest of the GPU-time: a difference of sums of the simulated
     * clock, whose rounding (some 1e-16 of the step per term) is no time
     * at all: within a billionth of the step it is 0, never -0 % or 1e-16. */
    double rest = gpu_time - computing - communicating;
    out->idle_share = gpu_time > 0 && fabs(rest) > 1e-9 * gpu_time ? rest / gpu_time : 0;
    out->idle = watts(p, gpus, nodes, 1, 0, 0);
    out->average = out->idle + out->computing * (watts(p, gpus, nodes, 1, 1, 0) - out->idle)
                   + out->communicating * (watts(p, gpus, nodes, 1, 0, 1) - out->idle);
    swing(p, prof, gpus, nodes, out);
}
