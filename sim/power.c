/* power: facility power from a step's busy intervals (see power.h). */
#include "power.h"

#include <math.h>
#include <stdlib.h>

#include "strbuf.h"

typedef struct {
    double time;
    int    change;   /* +1: a stage starts computing, -1: one stops */
} power_event;

static int compare_event(const void* a, const void* b)
{
    const power_event* x = a;
    const power_event* y = b;
    if (x->time != y->time)
        return (x->time > y->time) - (x->time < y->time);
    return (x->change > y->change) - (x->change < y->change);   /* stops first: no false peak */
}

/* Facility watts with BUSY of the STAGES stages computing. */
static double watts(const power_spec* p, double gpus, double nodes, int stages, int busy)
{
    double per_stage = gpus / stages;
    double gpu = busy * per_stage * p->gpu_busy + (gpus - busy * per_stage) * p->gpu_idle;
    return p->pue * (gpu + nodes * p->node_overhead);
}

/* Peak and trough of the step function the busy intervals draw over the
 * simulated step [0, span]. */
static void swing(const power_spec* p, const step_profile* prof, double gpus, double nodes, step_power* out)
{
    int n = prof->busy_count;
    power_event* e = xmalloc(((size_t)2 * n + 1) * sizeof *e);
    for (int i = 0; i < n; i++) {
        e[2 * i] = (power_event){prof->busy[i].start, +1};
        e[2 * i + 1] = (power_event){prof->busy[i].end, -1};
    }
    qsort(e, (size_t)2 * n, sizeof *e, compare_event);
    /* Before the first event nothing computes, unless something starts at 0. */
    int busy = 0, most = 0, least = n > 0 && e[0].time <= 0 ? prof->stages : 0;
    for (int i = 0; i < 2 * n; i++) {
        busy += e[i].change;
        int last_at_time = i + 1 == 2 * n || e[i + 1].time > e[i].time;
        if (!last_at_time)
            continue;
        most = busy > most ? busy : most;
        if (e[i].time < prof->busy_span)
            least = busy < least ? busy : least;
    }
    free(e);
    out->peak = watts(p, gpus, nodes, prof->stages, most);
    out->trough = watts(p, gpus, nodes, prof->stages, least);
}

void power_of_step(const power_spec* p, const step_profile* prof, double gpus, double nodes, step_power* out)
{
    double busy = 0;   /* stage-seconds of computing in a step */
    for (int s = 0; s < prof->stages; s++)
        busy += prof->stage[s].compute + prof->stage[s].optimizer;
    double share = prof->step_time > 0 ? busy / (prof->stages * prof->step_time) : 0;
    double idle = watts(p, gpus, nodes, 1, 0);
    out->average = idle + share * (watts(p, gpus, nodes, 1, 1) - idle);
    out->idle = idle;
    swing(p, prof, gpus, nodes, out);
}
