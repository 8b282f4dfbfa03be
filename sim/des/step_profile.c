/* step_profile: copying, sorting and extrapolating step profiles (see
 * step_profile.h). */
#include "des/step_profile.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

const char* const work_kind_names[WORK_KIND_COUNT] = {"forward", "backward", "optimizer", "TP", "PP", "EP", "DP", "ZeRO",
                                                         "CP"};

const char* work_kind_name(work_kind kind)
{
    return kind >= 0 && kind < WORK_KIND_COUNT ? work_kind_names[kind] : "?";
}

static double on_line(double a, double b, int m1, int m2, int m)
{
    return a + (b - a) * (double)(m - m1) / (m2 - m1);
}

static void timing_on_line(const stage_timing* a, const stage_timing* b, int m1, int m2, int m, stage_timing* out)
{
    out->compute = on_line(a->compute, b->compute, m1, m2, m);
    out->tp_comm = on_line(a->tp_comm, b->tp_comm, m1, m2, m);
    out->pp_comm = on_line(a->pp_comm, b->pp_comm, m1, m2, m);
    out->ep_comm = on_line(a->ep_comm, b->ep_comm, m1, m2, m);
    out->cp_comm = on_line(a->cp_comm, b->cp_comm, m1, m2, m);
    out->dp_inline = on_line(a->dp_inline, b->dp_inline, m1, m2, m);
    out->idle = on_line(a->idle, b->idle, m1, m2, m);
    out->pipeline_end = on_line(a->pipeline_end, b->pipeline_end, m1, m2, m);
    out->dp_end = on_line(a->dp_end, b->dp_end, m1, m2, m);
    out->optimizer = on_line(a->optimizer, b->optimizer, m1, m2, m);
    out->end = on_line(a->end, b->end, m1, m2, m);
}

void step_profile_extrapolate(const step_profile* a, const step_profile* b, int m1, int m2, int m,
                              step_profile* out)
{
    memset(out, 0, sizeof *out);
    out->step_time = on_line(a->step_time, b->step_time, m1, m2, m);
    out->pipeline_time = on_line(a->pipeline_time, b->pipeline_time, m1, m2, m);
    out->compute = on_line(a->compute, b->compute, m1, m2, m);
    out->tp_comm = on_line(a->tp_comm, b->tp_comm, m1, m2, m);
    out->pp_comm = on_line(a->pp_comm, b->pp_comm, m1, m2, m);
    out->ep_comm = on_line(a->ep_comm, b->ep_comm, m1, m2, m);
    out->cp_comm = on_line(a->cp_comm, b->cp_comm, m1, m2, m);
    out->bubble = fmax(0, on_line(a->bubble, b->bubble, m1, m2, m));
    out->dp_comm_exposed = on_line(a->dp_comm_exposed, b->dp_comm_exposed, m1, m2, m);
    out->optimizer = on_line(a->optimizer, b->optimizer, m1, m2, m);
    out->stages = a->stages;
    out->stage = xcalloc((size_t)out->stages, sizeof *out->stage);
    for (int s = 0; s < out->stages; s++)
        timing_on_line(&a->stage[s], &b->stage[s], m1, m2, m, &out->stage[s]);
    /* The power over a step is drawn from the longer simulated one. */
    out->busy_count = b->busy_count;
    out->busy_span = b->step_time;
    out->busy = xmalloc(((size_t)b->busy_count + 1) * sizeof *out->busy);
    memcpy(out->busy, b->busy, (size_t)b->busy_count * sizeof *out->busy);
}

void step_profile_advance(const step_profile* b, const step_increment* inc, int more, step_profile* out)
{
    step_profile_copy(b, out);
    double k = more, compute = 0, tp = 0, pp = 0, ep = 0, cp = 0, idle = 0, inline_dp = 0;
    for (int s = 0; s < out->stages; s++) {
        const stage_timing* d = &inc->stage[s];
        stage_timing* t = &out->stage[s];
        t->compute += k * d->compute;
        t->tp_comm += k * d->tp_comm;
        t->pp_comm += k * d->pp_comm;
        t->ep_comm += k * d->ep_comm;
        t->cp_comm += k * d->cp_comm;
        t->dp_inline += k * d->dp_inline;
        t->idle += k * d->idle;
        t->pipeline_end += k * inc->period;
        t->dp_end += k * inc->period;
        t->end += k * inc->period;
        compute += d->compute, tp += d->tp_comm, pp += d->pp_comm, ep += d->ep_comm, cp += d->cp_comm;
        idle += d->idle, inline_dp += d->dp_inline;
    }
    /* Means over the ranks, as iteration.c's summary takes them. */
    double n = out->stages;
    out->step_time += k * inc->period;
    out->pipeline_time += k * inc->period;
    out->compute += k * compute / n;
    out->tp_comm += k * tp / n;
    out->pp_comm += k * pp / n;
    out->ep_comm += k * ep / n;
    out->cp_comm += k * cp / n;
    out->bubble = fmax(0, out->bubble + k * idle / n);
    out->dp_comm_exposed += k * inline_dp / n;
}

void step_increment_free(step_increment* inc)
{
    free(inc->stage);
    memset(inc, 0, sizeof *inc);
}

static int compare_interval(const void* a, const void* b)
{
    const busy_interval *x = a, *y = b;
    if (x->stage != y->stage)
        return x->stage - y->stage;
    return (x->start > y->start) - (x->start < y->start);
}

busy_interval* step_profile_sorted_busy(const step_profile* p)
{
    busy_interval* b = xmalloc(((size_t)p->busy_count + 1) * sizeof *b);
    memcpy(b, p->busy, (size_t)p->busy_count * sizeof *b);
    qsort(b, (size_t)p->busy_count, sizeof *b, compare_interval);
    return b;
}

void step_profile_copy(const step_profile* from, step_profile* to)
{
    *to = *from;
    to->stage = xmalloc(((size_t)from->stages + 1) * sizeof *to->stage);
    memcpy(to->stage, from->stage, (size_t)from->stages * sizeof *to->stage);
    to->busy = xmalloc(((size_t)from->busy_count + 1) * sizeof *to->busy);
    memcpy(to->busy, from->busy, (size_t)from->busy_count * sizeof *to->busy);
}

void step_profile_free(step_profile* p)
{
    free(p->stage);
    free(p->busy);
    memset(p, 0, sizeof *p);
}

int step_profile_has(const step_profile* p, work_kind what)
{
    for (int i = 0; i < p->busy_count; i++)
        if (p->busy[i].what == what)
            return 1;
    return 0;
}

/* ---- as bytes between processes --------------------------------------------- */

static void put(strbuf* out, const void* x, size_t n)
{
    strbuf_append_n(out, x, n);
}

static void put_double(strbuf* out, double x) { put(out, &x, sizeof x); }
static void put_int(strbuf* out, int x) { put(out, &x, sizeof x); }

/* The step's figures, then its ranks' timings and its busy intervals. */
void step_profile_write(const step_profile* p, strbuf* out)
{
    const double figures[] = {p->step_time, p->pipeline_time, p->compute, p->tp_comm, p->pp_comm, p->ep_comm,
                              p->bubble, p->cp_comm, p->dp_comm_exposed, p->optimizer, p->busy_span};
    put(out, figures, sizeof figures);
    put_int(out, p->stages);
    put_int(out, p->busy_count);
    put(out, p->stage, (size_t)p->stages * sizeof *p->stage);   /* doubles only: no padding */
    for (int i = 0; i < p->busy_count; i++) {
        const busy_interval* b = &p->busy[i];
        put_int(out, b->stage);
        put_int(out, (int)b->state);
        put_double(out, b->start);
        put_double(out, b->end);
        put_int(out, (int)b->what);
        put_int(out, b->micro_batch);
        put_int(out, b->channel);
        put_int(out, b->backward);
        put_int(out, b->chunk);
    }
}

/* Copies N bytes at *AT into X. Returns 0, or -1 when fewer are left. */
static int take(const char** at, const char* end, void* x, size_t n)
{
    if ((size_t)(end - *at) < n)
        return -1;
    memcpy(x, *at, n);
    *at += n;
    return 0;
}

static int take_interval(const char** at, const char* end, busy_interval* b)
{
    int state, what;
    if (take(at, end, &b->stage, sizeof b->stage) || take(at, end, &state, sizeof state) ||
        take(at, end, &b->start, sizeof b->start) || take(at, end, &b->end, sizeof b->end) ||
        take(at, end, &what, sizeof what) || take(at, end, &b->micro_batch, sizeof b->micro_batch) ||
        take(at, end, &b->channel, sizeof b->channel) || take(at, end, &b->backward, sizeof b->backward) ||
        take(at, end, &b->chunk, sizeof b->chunk) || b->channel < -1 || b->channel >= CH_COUNT || state < 0 || state >= ACTIVITY_STATE_COUNT || what < 0 ||
        what >= WORK_KIND_COUNT)
        return -1;
    b->state = (activity_state)state;
    b->what = (work_kind)what;
    return 0;
}

int step_profile_read(const char** at, const char* end, step_profile* p)
{
    double f[11];
    memset(p, 0, sizeof *p);
    if (take(at, end, f, sizeof f) || take(at, end, &p->stages, sizeof p->stages) ||
        take(at, end, &p->busy_count, sizeof p->busy_count) || p->stages < 0 || p->busy_count < 0 ||
        (size_t)p->stages > (size_t)(end - *at) / sizeof *p->stage) {
        memset(p, 0, sizeof *p);
        return -1;
    }
    *p = (step_profile){.step_time = f[0], .pipeline_time = f[1], .compute = f[2], .tp_comm = f[3],
                        .pp_comm = f[4], .ep_comm = f[5], .bubble = f[6], .cp_comm = f[7],
                        .dp_comm_exposed = f[8], .optimizer = f[9], .busy_span = f[10], .stages = p->stages,
                        .busy_count = p->busy_count};
    p->stage = xmalloc(((size_t)p->stages + 1) * sizeof *p->stage);
    p->busy = xmalloc(((size_t)p->busy_count + 1) * sizeof *p->busy);
    int bad = take(at, end, p->stage, (size_t)p->stages * sizeof *p->stage);
    for (int i = 0; i < p->busy_count && !bad; i++)
        bad = take_interval(at, end, &p->busy[i]);
    if (bad)
        step_profile_free(p);
    return bad ? -1 : 0;
}
