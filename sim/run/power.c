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

/* Appends a level of W watts from T, unless the last already has W. */
static void add_level(power_level* levels, int* n, double t, double w)
{
    if (*n > 0 && levels[*n - 1].watts == w)
        return;
    levels[*n] = (power_level){*n == 0 ? 0 : t, w};   /* the first level from the step's start */
    (*n)++;
}

/* The step function the activity intervals draw over the simulated step
 * [0, span]. A level held for no more than a billionth of the span is
 * left out: one rank's activity ending at the instant the next begins
 * draws no real dip or spike, yet rounding in the simulated clock can open
 * a gap of 1e-15 s between them, or close it. */
int power_levels(const power_spec* p, const step_profile* prof, double gpus, double nodes, power_level** levels)
{
    int n = prof->busy_count, count = 0;
    power_event* e = xmalloc(((size_t)2 * n + 1) * sizeof *e);
    for (int i = 0; i < n; i++) {
        e[2 * i] = (power_event){prof->busy[i].start, prof->busy[i].state, +1};
        e[2 * i + 1] = (power_event){prof->busy[i].end, prof->busy[i].state, -1};
    }
    qsort(e, (size_t)2 * n, sizeof *e, compare_event);
    power_level* out = xmalloc(((size_t)2 * n + 1) * sizeof *out);
    int active[ACTIVITY_STATE_COUNT] = {0};
    double instant = 1e-9 * prof->busy_span;
    /* Before the first event every stage is idle, unless something starts at 0. */
    if (n == 0 || e[0].time > instant)
        add_level(out, &count, 0, watts(p, gpus, nodes, prof->stages, 0, 0));
    for (int i = 0; i < 2 * n; i++) {
        active[e[i].state] += e[i].change;
        double until = i + 1 < 2 * n ? e[i + 1].time : prof->busy_span;
        if (until - e[i].time > instant)
            add_level(out, &count, e[i].time,
                      watts(p, gpus, nodes, prof->stages, active[ACTIVITY_COMPUTING], active[ACTIVITY_COMMUNICATING]));
    }
    free(e);
    if (count == 0)   /* every interval shorter than an instant: the job idle */
        add_level(out, &count, 0, watts(p, gpus, nodes, prof->stages, 0, 0));
    *levels = out;
    return count;
}

/* Peak and trough of the power over the step. */
static void swing(const power_spec* p, const step_profile* prof, double gpus, double nodes, step_power* out)
{
    power_level* levels;
    int n = power_levels(p, prof, gpus, nodes, &levels);
    out->peak = -INFINITY;
    out->trough = INFINITY;
    for (int i = 0; i < n; i++) {
        out->peak = fmax(out->peak, levels[i].watts);
        out->trough = fmin(out->trough, levels[i].watts);
    }
    free(levels);
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
